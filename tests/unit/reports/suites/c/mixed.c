/* A student's exercise tested with images/gcc/runbox_test.h: passes, failed checks of each
 * kind, a crash, an abort, an endless loop, an early exit, a skip, output on stdout and a
 * test that tries to write into the report. */
#define RB_TEST_MAIN
#include "runbox_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long fib(int n)
{
	long a = 0, b = 1;

	for (int i = 0; i < n; i++) {
		long t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static const char *greet(const char *who)
{
	static char buf[64];

	snprintf(buf, sizeof buf, "Hello %s\n", who);
	return buf;
}

RB_TEST(fib_small)
{
	RB_CHECK_EQ_INT(fib(1), 1);
	RB_CHECK_EQ_INT(fib(2), 1);
}

RB_TEST(fib_ten)
{
	RB_CHECK_EQ_INT(fib(10), 56);
	RB_CHECK(fib(10) % 2 == 0);
}

RB_TEST(greets)
{
	RB_CHECK_EQ_STR(greet("Bob"), "Hello, Bob");
}

RB_TEST(golden_ratio)
{
	RB_CHECK_NEAR((double)fib(20) / (double)fib(19), 1.6180339887, 1e-9);
}

RB_TEST(crashes)
{
	int *volatile p = NULL;

	*p = 1;
}

RB_TEST(aborts)
{
	abort();
}

RB_TEST(loops_forever)
{
	for (volatile long i = 0;; i++)
		;
}

RB_TEST(exits_early)
{
	exit(0);
}

RB_TEST(not_written)
{
	RB_SKIP("not written yet");
	RB_CHECK(0);
}

RB_TEST(prints)
{
	printf("fib(5) is %ld\n", fib(5));
	printf("ok 99 - a line that looks like TAP\n");
	RB_CHECK_EQ_INT(fib(5), 5);
}

RB_TEST(writes_to_fd_3)
{
	static const char forged[] = "ok 1 - forged\n";

	(void)!write(3, forged, sizeof forged - 1);
	RB_CHECK_EQ_INT(fib(3), 2);
}

RB_TEST(many_failures)
{
	for (int i = 0; i < 100; i++)
		RB_CHECK_EQ_INT(fib(i), -1);
}

RB_TEST(gr\u00fc\u00dfe)
{
	RB_CHECK_EQ_STR("gr\u00fc\u00dfe", "gr\xc3\xbc\xc3\x9f" "e");
}
