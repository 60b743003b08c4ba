#define RB_TEST_MAIN
#include "runbox_test.h"

long fib(int n);

RB_TEST(small) { RB_CHECK_EQ_INT(fib(1), 1); RB_CHECK_EQ_INT(fib(2), 1); }
RB_TEST(ten) { RB_CHECK_EQ_INT(fib(10), 55); }
RB_TEST(twenty) { RB_CHECK_EQ_INT(fib(20), 6765); }
