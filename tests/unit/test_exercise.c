/* Unit tests for core/exercise.c: a full definition, defaults, and a table of refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exercise.h"

static const char full[] =
	"# Fibonacci, for the first week\n"
	"id = fib\n"
	"title = Fibonacci numbers\n"
	"languages = python, c\n"
	"instructions = README.md\n"
	"starter.python = starter/main.py\n"
	"starter.c = starter/main.c\n"
	"suite.python = tests/\n"
	"wall_ms = 2000\n"
	"memory_mb = 64\n"
	"\n"
	"[case small]\n"
	"stdin = 5\\n\n"
	"expected = 5\\n\n"
	"[case big]\n"
	"stdin_file = cases/big.in\n"
	"expected_file = cases/big.out\n"
	"args = --fast  -v\n"
	"compare = numbers\n"
	"tolerance = 1e-6\n"
	"hidden = yes\n"
	"weight = 3\n"
	"[case exits]\n"
	"exit = 3\n";

static struct exercise *parse_ok(const char *text)
{
	struct exercise *x = calloc(1, sizeof *x);
	struct err e;

	assert_non_null(x);
	err_init(&e);
	if (exercise_parse(text, "t.conf", x, &e) != 0)
		fail_msg("refused: %s", e.msg);
	return x;
}

static void test_full(void **state)
{
	struct exercise *x = parse_ok(full);
	const struct exercise_case *c;

	(void)state;
	assert_string_equal(x->id, "fib");
	assert_string_equal(x->title, "Fibonacci numbers");
	assert_string_equal(x->instructions, "README.md");
	assert_int_equal(x->nlangs, 2);
	assert_string_equal(exercise_lang(x, "python")->starter, "starter/main.py");
	assert_string_equal(exercise_lang(x, "python")->suite, "tests/");
	assert_string_equal(exercise_lang(x, "c")->starter, "starter/main.c");
	assert_string_equal(exercise_lang(x, "c")->suite, "");
	assert_null(exercise_lang(x, "java"));
	assert_int_equal(x->wall_ms, 2000);
	assert_int_equal(x->memory_bytes, 64L << 20);
	assert_int_equal(x->ncases, 3);

	c = &x->cases[0];
	assert_string_equal(c->name, "small");
	assert_int_equal(c->stdin_len, 2);
	assert_memory_equal(c->stdin_text, "5\n", 2);
	assert_true(c->has_expected);
	assert_memory_equal(c->expected_text, "5\n", 2);
	assert_int_equal(c->compare, CMP_TRAILING); /* the default */
	assert_int_equal(c->exit_code, -1);
	assert_false(c->hidden);
	assert_int_equal(c->weight, 1);

	c = &x->cases[1];
	assert_string_equal(c->stdin_file, "cases/big.in");
	assert_string_equal(c->expected_file, "cases/big.out");
	assert_string_equal(c->args, "--fast  -v");
	assert_int_equal(c->compare, CMP_NUMBERS);
	assert_true(c->tolerance > 0.9e-6 && c->tolerance < 1.1e-6);
	assert_true(c->hidden);
	assert_int_equal(c->weight, 3);

	c = &x->cases[2];
	assert_false(c->has_expected);
	assert_int_equal(c->exit_code, 3);
	free(x);
}

/* A suite alone is a test: no case needed. Escapes decode. */
static void test_suite_only_and_escapes(void **state)
{
	struct exercise *x = parse_ok("id = s\ntitle = T\nlanguages = rust\nsuite.rust = tests.rs\n");

	(void)state;
	assert_int_equal(x->ncases, 0);
	free(x);
	x = parse_ok("id=e\ntitle=E\nlanguages=python\n[case a]\nstdin = a\\tb\\\\c\\r\\n\nexpected=x\n");
	assert_int_equal(x->cases[0].stdin_len, 7);
	assert_memory_equal(x->cases[0].stdin_text, "a\tb\\c\r\n", 7);
	free(x);
}

struct refusal {
	const char *why, *text, *says;
};

#define HEAD "id = f\ntitle = F\nlanguages = python\n"

static const struct refusal refusals[] = {
	{ "no title", "id = f\nlanguages = python\n[case a]\nexpected = 1\n", "needs id, title" },
	{ "no language", "id = f\ntitle = F\n[case a]\nexpected = 1\n", "needs id, title" },
	{ "no test", HEAD, "no test" },
	{ "unknown key", HEAD "colour = red\n[case a]\nexpected=1\n", "unknown key 'colour'" },
	{ "unknown case key", HEAD "[case a]\nexpect = 1\n", "unknown key 'expect' in a case" },
	{ "bad id", "id = ../x\ntitle = F\nlanguages = python\n[case a]\nexpected=1\n", "id must be" },
	{ "key twice", HEAD "title = G\n[case a]\nexpected=1\n", "title is set twice" },
	{ "case key twice", HEAD "[case a]\nexpected=1\nexpected=2\n", "expected is set twice" },
	{ "two cases alike", HEAD "[case a]\nexpected=1\n[case a]\nexpected=2\n", "two cases" },
	{ "bad section", HEAD "[test a]\n", "[case NAME]" },
	{ "case without a name", HEAD "[case ]\n", "needs a name" },
	{ "not key = value", HEAD "just words\n", "key = value" },
	{ "path outside", HEAD "instructions = ../secret\n[case a]\nexpected=1\n", "file of the exercise" },
	{ "absolute path", HEAD "[case a]\nstdin_file = /etc/passwd\nexpected=1\n", "file of the exercise" },
	{ "starter of another language", HEAD "starter.c = main.c\n[case a]\nexpected=1\n", "not one of" },
	{ "starter before languages", "id = f\ntitle = F\nstarter.python = a.py\nlanguages = python\n", "before the starters" },
	{ "language twice", "id = f\ntitle = F\nlanguages = c c\n[case a]\nexpected=1\n", "listed twice" },
	{ "checks nothing", HEAD "[case a]\nstdin = 1\n", "checks nothing" },
	{ "both stdin forms", HEAD "[case a]\nstdin = 1\nstdin_file = a.in\nexpected=1\n", "both stdin" },
	{ "both expected forms", HEAD "[case a]\nexpected = 1\nexpected_file = a.out\n", "both expected" },
	{ "bad escape", HEAD "[case a]\nexpected = 1\\x\n", "unknown escape" },
	{ "bad compare", HEAD "[case a]\nexpected = 1\ncompare = fuzzy\n", "compare must be" },
	{ "bad tolerance", HEAD "[case a]\nexpected = 1\ntolerance = -1\n", "tolerance must be" },
	{ "bad hidden", HEAD "[case a]\nexpected = 1\nhidden = maybe\n", "hidden must be" },
	{ "bad exit", HEAD "[case a]\nexit = 300\n", "exit must be" },
	{ "bad weight", HEAD "[case a]\nexpected = 1\nweight = x\n", "weight must be" },
	{ "wall too low", HEAD "wall_ms = 5\n[case a]\nexpected = 1\n", "wall_ms must be" },
};

static void test_refusals(void **state)
{
	struct exercise *x = calloc(1, sizeof *x);

	(void)state;
	assert_non_null(x);
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		struct err e;

		err_init(&e);
		if (exercise_parse(refusals[i].text, "t.conf", x, &e) != RC_BAD_REQUEST)
			fail_msg("%s: accepted", refusals[i].why);
		if (strstr(e.msg, refusals[i].says) == NULL || strncmp(e.msg, "t.conf:", 7) != 0)
			fail_msg("%s: said '%s', not '%s'", refusals[i].why, e.msg, refusals[i].says);
		assert_string_equal(x->id, ""); /* nothing half-filled is left */
	}
	free(x);
}

/* A long inline text is refused with the way out, not cut. */
static void test_long_inline(void **state)
{
	size_t n = EXERCISE_TEXT_MAX + 10;
	char *text = malloc(sizeof HEAD + 40 + n);
	struct exercise *x = calloc(1, sizeof *x);
	struct err e;

	(void)state;
	assert_non_null(text);
	assert_non_null(x);
	static const char head[] = HEAD "[case a]\nexpected = ";

	memcpy(text, head, sizeof head - 1);
	memset(text + sizeof head - 1, 'x', n);
	text[sizeof head - 1 + n] = '\0';
	assert_int_equal(exercise_parse(text, "t.conf", x, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "expected_file"));
	free(text);
	free(x);
}

/* What a suite holds, and the files an exercise names that must be sent with it. */
static void test_files_named(void **state)
{
	struct exercise *x = parse_ok(full);
	const char *all[] = { "README.md", "starter/main.py", "starter/main.c", "tests/test_fib.py",
			      "cases/big.in", "cases/big.out" };
	const char *some[6];
	struct err e;

	(void)state;
	assert_true(exercise_in_suite("tests/", "tests/test_fib.py"));
	assert_true(exercise_in_suite("tests", "tests/a/b.py"));
	assert_true(exercise_in_suite("tests/one.py", "tests/one.py"));
	assert_false(exercise_in_suite("tests", "tests2/a.py"));
	assert_false(exercise_in_suite("tests/", "tests/"));
	assert_false(exercise_in_suite("tests/one.py", "tests/one.py.bak"));
	err_init(&e);
	assert_int_equal(exercise_check_files(x, all, 6, &e), 0);
	for (size_t drop = 0; drop < 6; drop++) {
		size_t n = 0;

		for (size_t i = 0; i < 6; i++)
			if (i != drop)
				some[n++] = all[i];
		assert_int_equal(exercise_check_files(x, some, n, &e), RC_BAD_REQUEST);
		if (strstr(e.msg, drop == 3 ? "tests/" : all[drop]) == NULL)
			fail_msg("without %s: '%s'", all[drop], e.msg);
	}
	free(x);
}

/* A case's own files: split at spaces, at most 8, never two of the same name. */
static void test_case_files(void **state)
{
	static const char base[] = "id = a\ntitle = A\nlanguages = python\n[case c]\nexpected = 1\n";
	char text[2048];
	struct exercise *x = calloc(1, sizeof *x);
	struct err e;

	(void)state;
	assert_non_null(x);
	(void)snprintf(text, sizeof text, "%sfiles = one/data.txt  extra.csv\n", base);
	err_init(&e);
	assert_int_equal(exercise_parse(text, "t.conf", x, &e), 0);
	assert_int_equal(x->cases[0].nfiles, 2);
	assert_string_equal(x->cases[0].files[0], "one/data.txt");
	assert_string_equal(x->cases[0].files[1], "extra.csv");
	(void)snprintf(text, sizeof text, "%sfiles = one/data.txt two/data.txt\n", base);
	assert_int_equal(exercise_parse(text, "t.conf", x, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "two files called data.txt"));
	(void)snprintf(text, sizeof text, "%sfiles = a b c d e f g h i\n", base);
	assert_int_equal(exercise_parse(text, "t.conf", x, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "at most 8 files"));
	(void)snprintf(text, sizeof text, "%sfiles = ../secret\n", base);
	assert_int_equal(exercise_parse(text, "t.conf", x, &e), RC_BAD_REQUEST);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_suite_only_and_escapes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_long_inline),
		cmocka_unit_test(test_files_named),
		cmocka_unit_test(test_case_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
