require "minitest/autorun"
require "main"

class FibTest < Minitest::Test
  def test_small
    assert_equal [1, 1], [fib(1), fib(2)]
  end

  def test_ten
    assert_equal 55, fib(10)
  end

  def test_twenty
    assert_equal 6765, fib(20)
  end
end
