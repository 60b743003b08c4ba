/* The test request's body (fcgi/test_req.c): an exercise or the client's own tests beside
 * the program, each test's fields, and every refusal with its code and sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_req.h"

static const struct req_caps caps = { 1000, 20 };

static const char registry[] =
	"[python]\nname = Python\nimage = runbox/python:latest\nfile = main.py\n"
	"run = python3 {entry} {args}\n";

static int setup(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	return lang_parse(registry, "test registry", &e);
}

static int parse(const char *body, struct test_req *r, struct err *e)
{
	err_init(e);
	return test_req_parse(r, body, strlen(body), &caps, e);
}

static void test_exercise(void **state)
{
	struct test_req r;
	struct err e;

	(void)state;
	assert_int_equal(parse("{\"exercise\": \"fib\", \"code\": \"print(1)\"}", &r, &e), 0);
	assert_string_equal(r.exercise, "fib");
	assert_null(r.prog.lang); /* the exercise's language, chosen by the face */
	assert_int_equal(r.prog.nfiles, 1);
	assert_int_equal(r.ncases, 0);
	test_req_release(&r);
	assert_int_equal(parse("{\"exercise\": \"fib\", \"language\": \"python\", \"files\": "
			       "[{\"name\": \"a.py\", \"content\": \"1\"}]}", &r, &e), 0);
	assert_string_equal(r.prog.lang->id, "python");
	test_req_release(&r);
}

static void test_own_tests(void **state)
{
	struct test_req r;
	struct err e;

	(void)state;
	assert_int_equal(parse("{\"language\": \"python\", \"code\": \"x\", \"tests\": ["
			       "{\"name\": \"small\", \"stdin\": \"5\\n\", \"expected\": \"25\\n\"},"
			       "{\"stdin\": \"a\\u0000b\", \"expected\": \"1 2\", \"compare\": \"numbers\","
			       " \"tolerance\": 0.5, \"args\": [\"-v\", \"x y\"], \"exit\": 3},"
			       "{\"exit\": 0}]}", &r, &e), 0);
	assert_null(r.exercise);
	assert_int_equal(r.ncases, 3);
	assert_string_equal(r.cases[0].name, "small");
	assert_int_equal(r.cases[0].stdin_len, 2);
	assert_memory_equal(r.cases[0].expected, "25\n", 3);
	assert_int_equal(r.cases[0].exit_code, -1);
	assert_int_equal(r.cases[0].compare, CMP_TRAILING);
	assert_string_equal(r.cases[1].name, "test 2");
	assert_int_equal(r.cases[1].stdin_len, 3); /* NUL bytes are input too */
	assert_int_equal(r.cases[1].compare, CMP_NUMBERS);
	assert_true(r.cases[1].tolerance == 0.5);
	assert_int_equal(r.cases[1].nargs, 2);
	assert_string_equal(r.cases[1].args[1], "x y");
	assert_int_equal(r.cases[1].exit_code, 3);
	assert_null(r.cases[2].expected);
	assert_int_equal(r.cases[2].exit_code, 0);
	assert_int_equal(r.cases[2].stdin_len, 0);
	test_req_release(&r);
}

static void test_refused(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *msg;
	} t[] = {
		{ "{\"language\": \"python\", \"code\": \"x\"}", RC_BAD_REQUEST, "Say which tests to run" },
		{ "{\"exercise\": \"a\", \"tests\": [], \"code\": \"x\"}", RC_BAD_REQUEST, "not both" },
		{ "{\"exercise\": 5, \"code\": \"x\"}", RC_BAD_REQUEST, "an exercise's id" },
		{ "{\"exercise\": \"\", \"code\": \"x\"}", RC_BAD_REQUEST, "an exercise's id" },
		{ "{\"exercise\": \"a\\u0000b\", \"code\": \"x\"}", RC_BAD_REQUEST, "an exercise's id" },
		{ "{\"exercise\": \"a\", \"code\": \"x\", \"stdin\": \"\"}", RC_BAD_REQUEST, "leave out 'stdin'" },
		{ "{\"code\": \"x\", \"tests\": [{\"exit\": 0}]}", RC_BAD_REQUEST, "The field 'language' is missing" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": []}", RC_BAD_REQUEST, "1 to 50 tests" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": {}}", RC_BAD_REQUEST, "1 to 50 tests" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [1]}", RC_BAD_REQUEST, "Test 1: each test must be an object" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"exit\": 0}, {\"stdin\": \"\"}]}",
		  RC_BAD_REQUEST, "Test 2: say what the program should print" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"exit\": 0, \"x\": 1}]}", RC_BAD_REQUEST, "Test 1: a test takes name" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"exit\": 256}]}", RC_BAD_REQUEST, "0 to 255" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"exit\": \"0\"}]}", RC_BAD_REQUEST, "0 to 255" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": 1}]}", RC_BAD_REQUEST, "'expected' must be a string" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": \"\", \"compare\": \"fuzzy\"}]}", RC_BAD_REQUEST, "exact, trailing, tokens or numbers" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": \"\", \"tolerance\": -1}]}", RC_BAD_REQUEST, "0 or more" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": \"\", \"name\": \"\"}]}", RC_BAD_REQUEST, "1 to 63 characters" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": \"\", \"args\": [1]}]}", RC_BAD_REQUEST, "each of its 'args'" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"expected\": \"\", \"stdin\": \"0123456789\"},"
		  " {\"expected\": \"\", \"stdin\": \"0123456789a\"}]}", RC_TOO_LARGE, "The tests' inputs add up to" },
		{ "{\"language\": \"cobol\", \"code\": \"x\", \"tests\": [{\"exit\": 0}]}", RC_UNKNOWN_LANG, "not supported" },
		{ "{\"language\": \"python\", \"code\": \"x\", \"test\": []}", RC_BAD_REQUEST, "Allowed fields: language, code, files, entry, args, stdin, exercise, tests" },
		{ "{\"language\": \"python\", \"code\": ", RC_BAD_JSON, "not valid JSON" },
		{ "[]", RC_BAD_REQUEST, "JSON object" },
	};
	struct test_req r;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = parse(t[i].body, &r, &e);

		if (rc != t[i].rc || strstr(e.msg, t[i].msg) == NULL)
			fail_msg("case %zu: rc %d, '%s'", i, rc, e.msg);
		test_req_release(&r);
	}
}

/* 50 tests are taken, 51 are not. */
static void test_most_tests(void **state)
{
	char body[8192];
	struct test_req r;
	struct err e;
	size_t n;

	(void)state;
	for (int k = 50; k <= 51; k++) {
		n = (size_t)snprintf(body, sizeof body, "{\"language\": \"python\", \"code\": \"x\", \"tests\": [");
		for (int i = 0; i < k; i++)
			n += (size_t)snprintf(body + n, sizeof body - n, "%s{\"exit\": 0}", i ? "," : "");
		(void)snprintf(body + n, sizeof body - n, "]}");
		assert_int_equal(parse(body, &r, &e), k == 50 ? 0 : RC_BAD_REQUEST);
		if (k == 50)
			assert_int_equal(r.ncases, 50);
		test_req_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exercise),
		cmocka_unit_test(test_own_tests),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_most_tests),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
