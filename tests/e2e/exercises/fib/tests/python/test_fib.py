from main import fib


def test_small():
    assert fib(1) == 1
    assert fib(2) == 1


def test_ten():
    assert fib(10) == 55


def test_twenty():
    assert fib(20) == 6765
