# Everything passes.
def square(x):
    return x * x


def test_square_two():
    assert square(2) == 4


def test_square_negative():
    assert square(-3) == 9
