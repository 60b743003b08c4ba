test_that("small", {
  expect_equal(c(fib(1), fib(2)), c(1, 1))
})

test_that("ten", {
  expect_equal(fib(10), 55)
})

test_that("twenty", {
  expect_equal(fib(20), 6765)
})
