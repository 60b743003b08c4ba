/* core/judge.c: each verdict from the stage's facts, the order of the checks, the sentence
 * that says where a wrong output first differs, and the score. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "judge.h"

static struct run_stage stage(enum run_reason reason, int exit_code, int sig, const char *out)
{
	struct run_stage st;

	memset(&st, 0, sizeof st);
	buf_init(&st.out, 1 << 16);
	buf_init(&st.err, 1 << 16);
	buf_init(&st.report, 1 << 16);
	st.ran = true;
	st.reason = reason;
	st.exit_code = exit_code;
	st.signal = sig;
	if (out != NULL)
		assert_int_equal(buf_add(&st.out, out, strlen(out)), 0);
	return st;
}

static struct judge_case expect(const char *want, enum cmp_mode m)
{
	return (struct judge_case){ (const unsigned char *)want, want ? strlen(want) : 0,
				    want != NULL, -1, m, 0 };
}

/* The verdict, with its sentence in msg. */
static enum verdict judge(const struct judge_case *c, struct run_stage *st, char *msg)
{
	struct limits l = { .wall_ms = 2000, .memory_bytes = 64L << 20, .stdout_cap = 64 << 10,
			    .stderr_cap = 1 << 20 };
	enum verdict v = judge_case(c, st, &l, msg, 256);

	buf_release(&st->out);
	buf_release(&st->err);
	buf_release(&st->report);
	return v;
}

static void test_passed(void **state)
{
	struct judge_case c = expect("5\n", CMP_TRAILING);
	struct run_stage st = stage(REASON_EXIT, 0, 0, "5  \r\n\n");
	char msg[256];

	(void)state;
	assert_int_equal(judge(&c, &st, msg), V_PASSED);
	assert_string_equal(msg, "");
	assert_string_equal(verdict_name(V_MEMORY_LIMIT), "memory_limit");
}

/* A limit is the verdict even when the output so far is right. */
static void test_limits_first(void **state)
{
	struct judge_case c = expect("5\n", CMP_TRAILING);
	struct run_stage st;
	char msg[256];

	(void)state;
	st = stage(REASON_WALL, 0, 9, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_TIMEOUT);
	assert_non_null(strstr(msg, "2.0 s"));
	st = stage(REASON_CPU, 0, 9, "");
	assert_int_equal(judge(&c, &st, msg), V_TIMEOUT);
	st = stage(REASON_MEMORY, 0, 9, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_MEMORY_LIMIT);
	assert_non_null(strstr(msg, "64 MB"));
	st = stage(REASON_OUTPUT, 0, 9, "5\n");
	st.out.truncated = true;
	assert_int_equal(judge(&c, &st, msg), V_OUTPUT_LIMIT);
	assert_string_equal(msg, "Your program printed more than 64 KB to stdout, so it was "
			    "stopped and the output was cut there.");
	st = stage(REASON_KILLED, 0, 0, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_ERROR);
	st = stage(REASON_EXIT, 0, 0, "5\n");
	st.ran = false;
	assert_int_equal(judge(&c, &st, msg), V_ERROR);
}

static void test_runtime_errors(void **state)
{
	struct judge_case c = expect("5\n", CMP_TRAILING);
	struct run_stage st;
	char msg[256];

	(void)state;
	st = stage(REASON_SIGNAL, 0, 11, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_RUNTIME_ERROR);
	assert_non_null(strstr(msg, "signal 11"));
	st = stage(REASON_EXIT, 1, 0, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_RUNTIME_ERROR);
	assert_string_equal(msg, "Your program ended with exit code 1; look at stderr for the error.");
	/* The exit code the case asks for is no error: the output is judged. */
	c.exit_code = 3;
	st = stage(REASON_EXIT, 3, 0, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_PASSED);
	st = stage(REASON_EXIT, 3, 0, "6\n");
	assert_int_equal(judge(&c, &st, msg), V_FAILED);
	st = stage(REASON_EXIT, 0, 0, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_FAILED);
	assert_string_equal(msg, "Your program ended with exit code 0; this test expects 3.");
	st = stage(REASON_EXIT, 2, 0, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_RUNTIME_ERROR);
	/* A signal is never the expected exit. */
	st = stage(REASON_SIGNAL, 3, 6, "5\n");
	assert_int_equal(judge(&c, &st, msg), V_RUNTIME_ERROR);
}

static void test_where_it_differs(void **state)
{
	static const struct {
		const char *want, *got;
		enum cmp_mode m;
		const char *msg;
	} t[] = {
		{ "1\n2\n3\n", "1\n5\n3\n", CMP_TRAILING, "Line 2 differs: expected \"2\", got \"5\"." },
		{ "1\n2\n", "1\n", CMP_TRAILING, "Your output stops too early: line 2 should be \"2\"." },
		{ "1\n", "1\n2\n", CMP_TRAILING, "Your output goes on after the expected end: line 2 is \"2\"." },
		{ "1\n", "", CMP_TRAILING, "Your program printed nothing; expected \"1\" first." },
		{ "a b c", "a  b d", CMP_TOKENS, "Word 3 differs: expected \"c\", got \"d\"." },
		{ "1.0 2.0", "1.0000001 2.5", CMP_NUMBERS,
		  "Word or number 2 differs: expected \"2.0\", got \"2.5\"." },
		{ "5\n", "5", CMP_EXACT, "The output differs only in spaces or line endings (CR, a "
		  "missing or extra newline at the end); this test compares exactly." },
		{ "x\n", "x\r\n", CMP_EXACT, "Line 1 differs: expected \"x\", got \"x\\r\"." },
		{ "π\n", "ππππππππππππππππππππππππππππππ\n", CMP_TRAILING,
		  "Line 1 differs: expected \"π\", got \"ππππππππππππππππππππ...\"." },
		{ "a\tb\n", "a\x01" "b\n", CMP_TRAILING, "Line 1 differs: expected \"a\\tb\", got \"a?b\"." },
	};
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct judge_case c = expect(t[i].want, t[i].m);
		struct run_stage st = stage(REASON_EXIT, 0, 0, t[i].got);

		c.tolerance = 1e-3;
		assert_int_equal(judge(&c, &st, msg), V_FAILED);
		if (strcmp(msg, t[i].msg) != 0)
			fail_msg("case %zu: got '%s'", i, msg);
	}
}

static void test_cut_output_and_no_expected(void **state)
{
	struct judge_case c = expect("5\n", CMP_TRAILING);
	struct run_stage st = stage(REASON_EXIT, 0, 0, "5");
	char msg[256];

	(void)state;
	st.out.truncated = true;
	assert_int_equal(buf_add(&st.out, "5", 1), 0);
	assert_int_equal(judge(&c, &st, msg), V_FAILED);
	assert_non_null(strstr(msg, "cut"));
	/* A case with no expected output (only an exit code) passes on its exit. */
	c = expect(NULL, CMP_TRAILING);
	c.exit_code = 0;
	st = stage(REASON_EXIT, 0, 0, "anything");
	assert_int_equal(judge(&c, &st, msg), V_PASSED);
}

/* How a stage that ended for reason (exit code, signal) ended: the verdict, and the
 * sentence in msg. ran false: a stage that never ran. */
static int ending(enum run_reason reason, int code, int sig, bool ran, char *msg)
{
	struct limits l = { .wall_ms = 1500, .memory_bytes = 128L << 20, .stdout_cap = 1 << 20,
			    .stderr_cap = 512 };
	struct run_stage st = stage(reason, code, sig, "");
	int v;

	st.ran = ran;
	v = judge_ending(&st);
	judge_ending_message(&st, &l, msg, 256);
	buf_release(&st.out);
	buf_release(&st.err);
	buf_release(&st.report);
	return v;
}

/* The sentence on how a run ended, as the run's message (pipeline.c) and a test's say it. */
static void test_ending(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(ending(REASON_EXIT, 0, 0, true, msg), -1);
	assert_string_equal(msg, "");
	assert_int_equal(ending(REASON_EXIT, 4, 0, true, msg), -1); /* its own exit: the case decides */
	assert_string_equal(msg, "Your program ended with exit code 4; look at stderr for the error.");
	assert_int_equal(ending(REASON_WALL, 0, 9, true, msg), V_TIMEOUT);
	assert_non_null(strstr(msg, "longer than the time limit (1.5 s)"));
	assert_int_equal(ending(REASON_MEMORY, 0, 9, true, msg), V_MEMORY_LIMIT);
	assert_non_null(strstr(msg, "more memory than the limit (128 MB)"));
	assert_int_equal(ending(REASON_OUTPUT, 0, 9, true, msg), V_OUTPUT_LIMIT);
	assert_non_null(strstr(msg, "more than 512 bytes to stderr"));
	assert_int_equal(ending(REASON_SIGNAL, 0, 11, true, msg), V_RUNTIME_ERROR);
	assert_string_equal(msg, "Your program crashed: it was stopped by signal 11 (Segmentation fault).");
	assert_int_equal(ending(REASON_EXIT, 0, 0, false, msg), V_ERROR);
	assert_string_equal(msg, JUDGE_RUNNER_FAULT);
}

static void test_score(void **state)
{
	(void)state;
	assert_true(judge_score(0, 0) == 0);
	assert_true(judge_score(0, 3) == 0);
	assert_true(judge_score(3, 3) == 100);
	assert_true(judge_score(2, 3) == 66.6);
	assert_true(judge_score(1, 3) == 33.3);
	assert_true(judge_score(1, 2) == 50);
	assert_true(judge_score(999, 1000) == 99.9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passed),
		cmocka_unit_test(test_limits_first),
		cmocka_unit_test(test_runtime_errors),
		cmocka_unit_test(test_where_it_differs),
		cmocka_unit_test(test_cut_output_and_no_expected),
		cmocka_unit_test(test_ending),
		cmocka_unit_test(test_score),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
