// Everything passes, in C++: the header is C++-compatible.
#define RB_TEST_MAIN
#include "runbox_test.h"

#include <string>

static int square(int x)
{
	return x * x;
}

RB_TEST(square_of_two)
{
	RB_CHECK_EQ_INT(square(2), 4);
}

RB_TEST(square_of_minus_three)
{
	RB_CHECK_EQ_INT(square(-3), 9);
	RB_CHECK_EQ_STR(std::to_string(square(3)).c_str(), "9");
	RB_CHECK_NEAR(square(3) / 2.0, 4.5, 1e-12);
}
