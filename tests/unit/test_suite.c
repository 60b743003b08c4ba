/* core/suite.c: a suite's name is its content's, it is written once, whole and read-only,
 * names that leave its folder are refused, and the suites folder starts empty. Runs in a
 * folder under build/ (the tests run from the repository's top folder). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "suite.h"

static char root[256];

static int setup(void **state)
{
	struct err e;

	(void)state;
	(void)snprintf(root, sizeof root, "build/test-suites.%ld", (long)getpid());
	return suite_reset(root, &e);
}

static int teardown(void **state)
{
	char cmd[1024];

	(void)state;
	(void)snprintf(cmd, sizeof cmd, "chmod -R u+w %s 2>/dev/null; rm -rf %s", root, root);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct run_file files[] = {
	{ "test_fib.py", (const unsigned char *)"def test(): pass\n", 17 },
	{ "data/in.txt", (const unsigned char *)"a\0b", 3 },
};

static void test_id_is_the_content(void **state)
{
	char a[SHA256_HEX], b[SHA256_HEX];
	struct run_file other[2] = { files[0], files[1] };

	(void)state;
	suite_id(files, 2, a);
	suite_id(files, 2, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	other[1].len = 2; /* one byte less */
	suite_id(other, 2, b);
	assert_string_not_equal(a, b);
	other[1] = files[1];
	other[1].name = "data/in.tx";
	suite_id(other, 2, b);
	assert_string_not_equal(a, b);
	suite_id(files, 1, b);
	assert_string_not_equal(a, b);
}

static void test_written_once_read_only(void **state)
{
	char id[SHA256_HEX], path[512], got[8] = "";
	struct stat st;
	struct err e;
	FILE *f;

	(void)state;
	suite_id(files, 2, id);
	assert_int_equal(suite_put(root, id, files, 2, &e), 0);
	(void)snprintf(path, sizeof path, "%s/%s/data/in.txt", root, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(st.st_size, 3);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, sizeof got, f), 3);
	fclose(f);
	assert_memory_equal(got, "a\0b", 3);
	(void)snprintf(path, sizeof path, "%s/%s/data", root, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	(void)snprintf(path, sizeof path, "%s/%s", root, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	/* A second put of the same suite keeps the first. */
	assert_int_equal(suite_put(root, id, files, 2, &e), 0);
	/* Nothing is left aside. */
	assert_int_equal(system("ls -A build/test-suites.* | grep -q '^.new-' && exit 1; exit 0"), 0);
}

static void test_names_that_leave_refused(void **state)
{
	static const char *const bad[] = { "../x", "a/../../x", "./x", "a//b", "/etc/x", "" };
	char id[SHA256_HEX], path[512];
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct run_file f = { bad[i], (const unsigned char *)"x", 1 };

		suite_id(&f, 1, id);
		if (suite_put(root, id, &f, 1, &e) == 0)
			fail_msg("the name '%s' was taken", bad[i]);
		(void)snprintf(path, sizeof path, "%s/%s", root, id);
		assert_int_not_equal(access(path, F_OK), 0); /* no half suite left */
	}
	assert_int_not_equal(access("build/x", F_OK), 0);
}

static void test_reset_empties(void **state)
{
	char id[SHA256_HEX], path[512];
	struct err e;

	(void)state;
	suite_id(files, 1, id);
	assert_int_equal(suite_put(root, id, files, 1, &e), 0);
	assert_int_equal(suite_reset(root, &e), 0);
	(void)snprintf(path, sizeof path, "%s/%s", root, id);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(access(root, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_is_the_content),
		cmocka_unit_test(test_written_once_read_only),
		cmocka_unit_test(test_names_that_leave_refused),
		cmocka_unit_test(test_reset_empties),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
