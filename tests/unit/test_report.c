/* Unit tests for core/report.c: reports recorded from the real frameworks
 * (tests/unit/reports/, made by its record.sh), their cut and broken copies, and small
 * cases of each format's corners, as tables. Run from the repository's top folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define REPORTS "tests/unit/reports/"
#define KNOWN 1   /* the test's duration is given */
#define UNKNOWN 0 /* it is not (-1) */

struct want_test {
	const char *name, *classname;
	enum report_verdict verdict;
	const char *message;  /* exact; with message_end set, how the message starts */
	int duration;         /* KNOWN or UNKNOWN */
	const char *message_end;
};

struct want_report {
	const char *file;
	enum report_format format;
	int planned;
	const char *problem; /* "" for a complete report */
	size_t ntests;
	const struct want_test *tests;
};

#define P RV_PASSED
#define F RV_FAILED
#define E RV_ERROR
#define S RV_SKIPPED
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct want_test pytest_mixed[] = {
	{ "test_fib_small", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_ten", "test_mixed", F, "assert 55 == 56\n +  where 55 = fib(10)", KNOWN, NULL },
	{ "test_fib_negative", "test_mixed", F, "Failed: DID NOT RAISE <class 'ValueError'>", KNOWN, NULL },
	{ "test_reads_input", "test_mixed", E,
	  "failed on setup with \"FileNotFoundError: [Errno 2] No such file or directory: "
	  "'missing-input.txt'\"", KNOWN, NULL },
	{ "test_fib_huge", "test_mixed", S, "not written yet", KNOWN, NULL },
	{ "test_gr\xc3\xbc\xc3\x9f" "e", "test_mixed", P, "", KNOWN, NULL },
	{ "test_prints", "test_mixed", P, "", KNOWN, NULL },
	{ "test_divides", "test_mixed", F, "ZeroDivisionError: division by zero", KNOWN, NULL },
	{ "test_push", "test_mixed.TestStack", P, "", KNOWN, NULL },
	{ "test_pop_empty", "test_mixed.TestStack", F, "IndexError: pop from empty list", KNOWN, NULL },
	{ "test_upper[h\\xe9llo]", "test_mixed", P, "", KNOWN, NULL }, /* pytest's own escape */
	{ "test_upper[a<b]", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_float", "test_mixed", S, "fib of a float is not defined", KNOWN, NULL }, /* xfail */
};

static const struct want_test pytest_pass[] = {
	{ "test_square_two", "test_pass", P, "", KNOWN, NULL },
	{ "test_square_negative", "test_pass", P, "", KNOWN, NULL },
};

static const struct want_test junit5_mixed[] = {
	{ "fibIsPositive()", "FibTest", F,
	  "fib(50) overflows an int ==> expected: <true> but was: <false>", KNOWN, NULL },
	{ "prints()", "FibTest", P, "", KNOWN, NULL },
	{ "fibOfHuge()", "FibTest", S, "not written yet", KNOWN, NULL }, /* from the CDATA text */
	{ "fibOfTen()", "FibTest", F, "fib(10) ==> expected: <56> but was: <55>", KNOWN, NULL },
	{ "readsInput()", "FibTest", E,
	  "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"<local1>\" "
	  "is null", KNOWN, NULL },
	{ "fibOfOne()", "FibTest", P, "", KNOWN, NULL },
	{ "gr\xc3\xb6\xc3\x9f" "e()", "FibTest", P, "", KNOWN, NULL },
	{ "pushThenPop()", "FibTest$Stack", P, "", KNOWN, NULL },
};

static const struct want_test junit5_pass[] = {
	{ "squareOfTwo()", "SquareTest", P, "", KNOWN, NULL },
	{ "squareOfMinusThree()", "SquareTest", P, "", KNOWN, NULL },
};

static const struct want_test node_mixed[] = {
	{ "fib > small", "", P, "", KNOWN, NULL },
	{ "fib > ten", "", F, "Expected values to be strictly equal:\n\n55 !== 56", KNOWN, NULL },
	{ "fib > edge cases > zero", "", P, "", KNOWN, NULL },
	{ "fib > edge cases > negative", "", F, "Missing expected exception (RangeError).", KNOWN, NULL },
	{ "reads input", "", F, "Cannot read properties of undefined (reading 'trim')", KNOWN, NULL },
	{ "huge", "", S, "not written yet", KNOWN, NULL },
	{ "float", "", P, "", KNOWN, NULL }, /* a TODO that passed */
	{ "gr\xc3\xbc\xc3\x9f" "e # mit Raute", "", P, "", KNOWN, NULL },
	{ "prints", "", P, "", KNOWN, NULL },
};

static const struct want_test node_pass[] = {
	{ "square of two", "", P, "", KNOWN, NULL },
	{ "square of minus three", "", P, "", KNOWN, NULL },
};

/* node runs each file in a process of its own: one that exits is one failed test. */
static const struct want_test node_exit[] = {
	{ "/tmp/runbox-reports/node/exit.test.js", "", F, "test failed", KNOWN, NULL },
};

#define C_FIRST_SIX                                                                        \
	{ "fib_small", "", P, "", KNOWN, NULL },                                           \
	{ "fib_ten", "", F, "mixed.c:40: fib(10) == 56 failed: 55 != 56\n"                 \
			    "mixed.c:41: fib(10) % 2 == 0 failed", KNOWN, NULL },          \
	{ "greets", "", F, "mixed.c:46: greet(\"Bob\") == \"Hello, Bob\" failed: "         \
			   "\"Hello Bob\\n\" != \"Hello, Bob\"", KNOWN, NULL },            \
	{ "golden_ratio", "", F, "mixed.c:51: (double)fib(20) / (double)fib(19) == 1.6180339887 " \
				 "within 1e-9 failed: 1.6180339631667064 and 1.6180339886999999 " \
				 "differ by 2.5533293479540475e-08", KNOWN, NULL },        \
	{ "crashes", "", F, "the test crashed: Segmentation fault (signal 11)", KNOWN, NULL }, \
	{ "aborts", "", F, "the test crashed: Aborted (signal 6)", KNOWN, NULL }

#define C_MANY                                                                             \
	{ "many_failures", "", F, "mixed.c:101: fib(i) == -1 failed: 0 != -1\n", KNOWN,   \
	  "mixed.c:101: fib(i) == -1 failed: 2584 != -1\n... and 81 more failed checks" }

static const struct want_test c_mixed[] = {
	C_FIRST_SIX,
	{ "loops_forever", "", F, "the test did not end within 300 ms (an endless loop?)", KNOWN, NULL },
	{ "exits_early", "", F, "the test called exit(0) before its end", KNOWN, NULL },
	{ "not_written", "", S, "not written yet", KNOWN, NULL },
	{ "prints", "", P, "", KNOWN, NULL },
	{ "writes_to_fd_3", "", P, "", KNOWN, NULL }, /* its forged line did not reach the report */
	C_MANY,
	{ "gr\xc3\xbc\xc3\x9f" "e", "", P, "", KNOWN, NULL },
};

/* Without fd 3 the report shares stdout with the tests: a line one printed counts. */
static const struct want_test c_nofd3[] = {
	C_FIRST_SIX,
	{ "loops_forever", "", F, "the test did not end within 300 ms (an endless loop?)", KNOWN, NULL },
	{ "exits_early", "", F, "the test called exit(0) before its end", KNOWN, NULL },
	{ "not_written", "", S, "not written yet", KNOWN, NULL },
	{ "a line that looks like TAP", "", P, "", UNKNOWN, NULL },
	{ "prints", "", P, "", KNOWN, NULL },
	{ "writes_to_fd_3", "", P, "", KNOWN, NULL },
	C_MANY,
	{ "gr\xc3\xbc\xc3\x9f" "e", "", P, "", KNOWN, NULL },
};

static const struct want_test c_killed[] = { C_FIRST_SIX };

static const struct want_test c_cut[] = {
	{ "fib_small", "", P, "", KNOWN, NULL },
	{ "fib_ten", "", F, "mixed.c:40: fib(10) == 56 failed: 55 != 56\n"
			    "mixed.c:41: fib(10) % 2 == 0 failed", KNOWN, NULL },
	{ "greets", "", F, "mixed.c:46: greet(\"Bob\") == \"Hello, Bob\" failed: "
			   "\"Hello Bob\\n\" != \"Hello, Bob\"", KNOWN, NULL },
	{ "golden_ratio", "", F, "", UNKNOWN, NULL }, /* cut in its YAML block's first line */
};

static const struct want_test c_pass[] = {
	{ "square_of_two", "", P, "", KNOWN, NULL },
	{ "square_of_minus_three", "", P, "", KNOWN, NULL },
};

#define RS_FIB_TEN "panicked at 'assertion failed: `(left == right)`\n  left: `55`,\n right: `56`: fib(10)', mixed.rs:24:9"
#define RS_READS "panicked at 'called `Result::unwrap()` on an `Err` value: Os { code: 2, " \
	"kind: NotFound, message: \"No such file or directory\" }', mixed.rs:29:62"

static const struct want_test libtest_mixed[] = {
	{ "tests::fib_huge", "", S, "", UNKNOWN, NULL },
	{ "tests::fib_small", "", P, "", UNKNOWN, NULL },
	{ "tests::fib_ten", "", F, RS_FIB_TEN, UNKNOWN, NULL },
	{ "tests::gr\xc3\xb6\xc3\x9f" "e", "", P, "", UNKNOWN, NULL },
	{ "tests::overflows", "", P, "", UNKNOWN, NULL }, /* should_panic */
	{ "tests::prints", "", P, "", UNKNOWN, NULL },
	{ "tests::prints_then_fails", "", F, "panicked at 'fib(6) should be 9, got 8', mixed.rs:53:9",
	  UNKNOWN, NULL },
	{ "tests::reads_input", "", F, RS_READS, UNKNOWN, NULL },
};

/* --report-time: exec_time on each test that ran. */
static const struct want_test libtest_time[] = {
	{ "tests::fib_huge", "", S, "", UNKNOWN, NULL },
	{ "tests::fib_small", "", P, "", KNOWN, NULL },
	{ "tests::fib_ten", "", F, RS_FIB_TEN, KNOWN, NULL },
	{ "tests::gr\xc3\xb6\xc3\x9f" "e", "", P, "", KNOWN, NULL },
	{ "tests::overflows", "", P, "", KNOWN, NULL },
	{ "tests::prints", "", P, "", KNOWN, NULL },
	{ "tests::prints_then_fails", "", F, "panicked at 'fib(6) should be 9, got 8', mixed.rs:53:9",
	  KNOWN, NULL },
	{ "tests::reads_input", "", F, RS_READS, KNOWN, NULL },
};

static const struct want_test libtest_pass[] = {
	{ "tests::square_of_minus_three", "", P, "", UNKNOWN, NULL },
	{ "tests::square_of_two", "", P, "", UNKNOWN, NULL },
};

#define RS_UNFINISHED "The test did not finish: the test program stopped while it ran " \
	"(a crash, an abort or a time limit)."

static const struct want_test libtest_abort[] = {
	{ "tests::a_first", "", P, "", UNKNOWN, NULL },
	{ "tests::b_aborts", "", E, RS_UNFINISHED, UNKNOWN, NULL },
};

static const struct want_test libtest_cut[] = {
	{ "tests::fib_huge", "", S, "", UNKNOWN, NULL },
	{ "tests::fib_small", "", P, "", UNKNOWN, NULL },
	{ "tests::fib_ten", "", E, RS_UNFINISHED, UNKNOWN, NULL }, /* its line is cut */
};

static const struct want_test pytest_cut[] = {
	{ "test_fib_small", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_ten", "test_mixed", F, "assert 55 == 56\n +  where 55 = fib(10)", KNOWN, NULL },
	{ "test_fib_negative", "test_mixed", F, "Failed: DID NOT RAISE <class 'ValueError'>", KNOWN, NULL },
};

static const struct want_test junit5_cut[] = {
	{ "fibIsPositive()", "FibTest", F,
	  "fib(50) overflows an int ==> expected: <true> but was: <false>", KNOWN, NULL },
};

#define UNKNOWN_RESULT "The report stops inside this test, so its result is unknown."

static const struct want_test junit_badtag[] = {
	{ "test_fib_small", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_ten", "test_mixed", F, "assert 55 == 56\n +  where 55 = fib(10)", KNOWN, NULL },
};

static const struct want_test junit_badentity[] = {
	{ "test_fib_small", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_ten", "test_mixed", F, "assert 55 == 56\n +  where 55 = fib(10)", KNOWN, NULL },
	{ "test_fib_negative", "test_mixed", E, UNKNOWN_RESULT, KNOWN, NULL },
};

static const struct want_test junit_nul[] = {
	{ "test_fib_small", "test_mixed", P, "", KNOWN, NULL },
	{ "test_fib_ten", "test_mixed", E, UNKNOWN_RESULT, KNOWN, NULL },
};

static const struct want_test tap_bail[] = {
	{ "square of two", "", P, "", KNOWN, NULL },
};

#define CUT "The report ends before the suite's end: the test program stopped early."

static const struct want_test nunit_mixed[] = {
	{ "Gr\xc3\xbc\xc3\x9f" "e", "Samples.FibTests", P, "", KNOWN, NULL },
	{ "Huge", "Samples.FibTests", S, "not written yet", UNKNOWN, NULL },
	{ "Loops", "Samples.FibTests", F, "Test exceeded Timeout value of 300ms", KNOWN, NULL },
	{ "Prints", "Samples.FibTests", P, "", KNOWN, NULL },
	{ "Small(1,1)", "Samples.FibTests", P, "", KNOWN, NULL },
	{ "Small(2,1)", "Samples.FibTests", P, "", KNOWN, NULL },
	{ "Ten", "Samples.FibTests", P, "", KNOWN, NULL },
	{ "TenIsFiftySix", "Samples.FibTests", F, "Expected: 56\n  But was:  55", KNOWN, NULL },
	{ "Throws", "Samples.FibTests", E, "System.InvalidOperationException : no input", KNOWN, NULL },
};

static const struct want_test nunit_pass[] = {
	{ "SquareOfMinusThree", "SquareTests", P, "", KNOWN, NULL },
	{ "SquareOfTwo", "SquareTests", P, "", KNOWN, NULL },
};

static const struct want_test perl_mixed[] = {
	{ "mixed.t > ten", "", P, "", UNKNOWN, NULL },
	{ "mixed.t > ten is fifty-six", "", F,
	  "Failed test 'ten is fifty-six'\n  at /rec/mixed/mixed.t line 10.\n         got: '55'\n"
	  "    expected: '56'", UNKNOWN, NULL },
	{ "mixed.t > one", "", P, "", UNKNOWN, NULL },
	{ "mixed.t > a pattern", "", F,
	  "Failed test 'a pattern'\n  at /rec/mixed/mixed.t line 12.\n                  'fib'\n"
	  "    doesn't match '(?^:^x)'", UNKNOWN, NULL },
	{ "mixed.t > test 5", "", S, "no database", UNKNOWN, NULL },
	{ "mixed.t > huge", "", S, "TODO: later", UNKNOWN, NULL },
	{ "mixed.t > small > one", "", P, "", UNKNOWN, NULL },
	{ "mixed.t > small > two", "", F,
	  "Failed test 'two'\n  at /rec/mixed/mixed.t line 23.\n         got: '1'\n    expected: '2'",
	  UNKNOWN, NULL },
};

static const struct want_test perl_pass[] = {
	{ "pass.t > square of two", "", P, "", UNKNOWN, NULL },
	{ "pass.t > square of minus three", "", P, "", UNKNOWN, NULL },
};

static const struct want_report recorded[] = {
	{ "pytest_mixed.xml", REPORT_JUNIT, 13, "", N(pytest_mixed), pytest_mixed },
	{ "pytest_logging.xml", REPORT_JUNIT, 13, "", N(pytest_mixed), pytest_mixed },
	{ "pytest_pass.xml", REPORT_JUNIT, 2, "", N(pytest_pass), pytest_pass },
	{ "junit5_mixed.xml", REPORT_JUNIT, 8, "", N(junit5_mixed), junit5_mixed },
	{ "junit5_pass.xml", REPORT_JUNIT, 2, "", N(junit5_pass), junit5_pass },
	{ "node_mixed.tap", REPORT_TAP, 6, "", N(node_mixed), node_mixed },
	{ "node_pass.tap", REPORT_TAP, 2, "", N(node_pass), node_pass },
	{ "node_exit.tap", REPORT_TAP, 1, "", N(node_exit), node_exit },
	{ "c_mixed.tap", REPORT_TAP, 13, "", N(c_mixed), c_mixed },
	{ "c_pass.tap", REPORT_TAP, 2, "", N(c_pass), c_pass },
	{ "c_nofd3.tap", REPORT_TAP, 13, "The report has 14 tests where its plan announced 13.",
	  N(c_nofd3), c_nofd3 },
	{ "c_killed.tap", REPORT_TAP, 13, "The report stops after 6 of the 13 tests its plan announced.",
	  N(c_killed), c_killed },
	{ "libtest_mixed.json", REPORT_LIBTEST, 8, "", N(libtest_mixed), libtest_mixed },
	{ "libtest_time.json", REPORT_LIBTEST, 8, "", N(libtest_time), libtest_time },
	{ "libtest_pass.json", REPORT_LIBTEST, 2, "", N(libtest_pass), libtest_pass },
	{ "libtest_abort.json", REPORT_LIBTEST, 3, CUT, N(libtest_abort), libtest_abort },
	{ "nunit_mixed.xml", REPORT_JUNIT, -1, "", N(nunit_mixed), nunit_mixed },
	{ "nunit_pass.xml", REPORT_JUNIT, -1, "", N(nunit_pass), nunit_pass },
	{ "perl_mixed.tap", REPORT_TAP, 1, "", N(perl_mixed), perl_mixed },
	{ "perl_pass.tap", REPORT_TAP, 1, "", N(perl_pass), perl_pass },
	/* Cut and broken copies of the above. */
	{ "pytest_cut.xml", REPORT_JUNIT, 13, "The report stops in the middle of a tag: it was cut short.",
	  N(pytest_cut), pytest_cut },
	{ "junit5_cut.xml", REPORT_JUNIT, 8, "The report stops in the middle of a tag: it was cut short.",
	  N(junit5_cut), junit5_cut },
	{ "node_cut.tap", REPORT_TAP, -1,
	  "The report stops in the middle of a test's YAML block: it was cut short.", 5, NULL },
	{ "c_cut.tap", REPORT_TAP, 13,
	  "The report stops in the middle of a test's YAML block: it was cut short.", N(c_cut), c_cut },
	{ "libtest_cut.json", REPORT_LIBTEST, 8, CUT, N(libtest_cut), libtest_cut },
	{ "junit_badtag.xml", REPORT_JUNIT, 13,
	  "The report is broken at line 6: an end tag that closes no open element.",
	  N(junit_badtag), junit_badtag },
	{ "junit_badentity.xml", REPORT_JUNIT, 13,
	  "The report is broken at line 6: an attribute value with a '<' or a bad '&'.",
	  N(junit_badentity), junit_badentity },
	{ "junit_nul.xml", REPORT_JUNIT, 13,
	  "The report is broken at line 1: an attribute value with a '<' or a bad '&'.",
	  N(junit_nul), junit_nul },
	{ "tap_short.tap", REPORT_TAP, 5, "The report stops after 2 of the 5 tests its plan announced.",
	  N(node_pass), node_pass },
	{ "tap_bail.tap", REPORT_TAP, -1, "The tests stopped: Bail out! the database is not reachable",
	  N(tap_bail), tap_bail },
};

static unsigned char *load(const char *name, size_t *n)
{
	char path[256];
	FILE *f;
	unsigned char *p;
	long len;

	snprintf(path, sizeof path, REPORTS "%s", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open it (run the tests from the repository's top folder)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void check_test(const char *what, size_t i, const struct report_test *got,
		       const struct want_test *w)
{
	size_t wl = strlen(w->message), gl = strlen(got->message);

	if (strcmp(got->name, w->name) != 0 || strcmp(got->classname, w->classname) != 0 ||
	    got->verdict != w->verdict || (got->duration_ms >= 0) != (w->duration == KNOWN))
		fail_msg("%s test %zu: got \"%s\" \"%s\" %s %ld ms, want \"%s\" \"%s\" %s %s", what, i,
			 got->name, got->classname, report_verdict_name(got->verdict), got->duration_ms,
			 w->name, w->classname, report_verdict_name(w->verdict),
			 w->duration == KNOWN ? "with a duration" : "without one");
	if (w->message_end == NULL ? strcmp(got->message, w->message) != 0 :
	    strncmp(got->message, w->message, wl) != 0 || gl < strlen(w->message_end) ||
	    strcmp(got->message + gl - strlen(w->message_end), w->message_end) != 0)
		fail_msg("%s test %zu (%s): message \"%s\", want \"%s\"...\"%s\"", what, i, w->name,
			 got->message, w->message, w->message_end ? w->message_end : "");
}

static void check_report(const struct want_report *w, const unsigned char *p, size_t n)
{
	struct report r;
	struct err e;

	err_init(&e);
	if (report_parse(w->format, p, n, &r, &e) != 0)
		fail_msg("%s: %s", w->file, e.msg);
	if (r.ntests != w->ntests || r.planned != w->planned || r.complete != (w->problem[0] == '\0') ||
	    strcmp(r.problem, w->problem) != 0)
		fail_msg("%s: %zu tests, planned %d, complete %d, problem \"%s\"; want %zu, %d, \"%s\"",
			 w->file, r.ntests, r.planned, r.complete, r.problem, w->ntests, w->planned,
			 w->problem);
	for (size_t i = 0; w->tests != NULL && i < r.ntests; i++)
		check_test(w->file, i, &r.tests[i], &w->tests[i]);
	report_release(&r);
	assert_null(r.tests);
	assert_int_equal(r.ntests, 0);
}

static void test_recorded(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(recorded); i++) {
		size_t n;
		unsigned char *p = load(recorded[i].file, &n);

		check_report(&recorded[i], p, n);
		free(p);
	}
}

/* What is no report of the format asked for: an error, with a sentence. */
static void test_not_a_report(void **state)
{
	static const struct { const char *file; enum report_format f; const char *msg; } cases[] = {
		{ "pytest_console.txt", REPORT_JUNIT, "The test report is not JUnit XML: line 1: it starts with text." },
		{ "pytest_console.txt", REPORT_TAP, "The test report is not TAP: it has no plan and no ok or not ok line." },
		{ "pytest_console.txt", REPORT_LIBTEST, "The test report is not libtest's JSON: it has no suite or test event." },
		{ "junit_notjunit.xml", REPORT_JUNIT,
		  "The test report is not JUnit XML: line 1: its root element is not <testsuites>, <testsuite> or NUnit's <test-results>." },
		{ "node_mixed.tap", REPORT_JUNIT, "The test report is not JUnit XML: line 1: it starts with text." },
		{ "libtest_mixed.json", REPORT_TAP, "The test report is not TAP: it has no plan and no ok or not ok line." },
		{ "pytest_mixed.xml", REPORT_LIBTEST, "The test report is not libtest's JSON: it has no suite or test event." },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct report r;
		struct err e;
		size_t n;
		unsigned char *p = load(cases[i].file, &n);

		err_init(&e);
		assert_int_equal(report_parse(cases[i].f, p, n, &r, &e), -1);
		assert_int_equal(e.rc, RC_BAD_REQUEST);
		assert_string_equal(e.msg, cases[i].msg);
		assert_null(r.tests);
		assert_int_equal(r.ntests, 0);
		free(p);
	}
}

/* A small report written here, for one corner of a format. */
struct snippet {
	enum report_format f;
	const char *text;
	int rc, planned;
	const char *problem; /* NULL: complete */
	size_t ntests;
	/* the last test */
	const char *name, *classname;
	enum report_verdict verdict;
	const char *message;
	long ms;
};

#define J REPORT_JUNIT
#define T REPORT_TAP
#define L REPORT_LIBTEST
#define BROKEN_REF "The report is broken at line 1: an attribute value with a '<' or a bad '&'."

static const struct snippet snippets[] = {
	/* JUnit: entities, character references, quotes, CDATA, comments, declarations */
	{ J, "<?xml version=\"1.0\"?>\n<!-- by hand --><!DOCTYPE testsuite>\n"
	     "<testsuite tests='1'><testcase name='a&amp;b &lt;&gt;&quot;&apos;' classname=\"C\" "
	     "time=\"1.5\"><failure><![CDATA[boom <here>]]></failure></testcase></testsuite>",
	  0, 1, NULL, 1, "a&b <>\"'", "C", F, "boom <here>", 1500 },
	{ J, "<testsuite><testcase name=\"&#233;&#xE9;&#x1F600;\"/></testsuite>",
	  0, -1, NULL, 1, "\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80", "", P, "", -1 },
	{ J, "<testsuite><testcase name='t'><failure message='a&#10;b\tc\nd'/></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", F, "a\nb c d", -1 }, /* literal breaks in attributes are spaces */
	{ J, "<testsuite><testcase name='t'><error type='ValueError' message='bad'/></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", E, "ValueError: bad", -1 },
	{ J, "<testsuite><testcase name='t'><error type='E' message='E: bad'/></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", E, "E: bad", -1 },
	{ J, "<testsuite><testcase name='t'><skipped message='later'/><failure message='no'/></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", F, "no", -1 }, /* a failure outweighs a skip */
	{ J, "<testsuite><testcase name='t'><failure message='1st'/><error message='2nd'/></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", F, "1st", -1 },
	{ J, "<testsuite><testcase name='t'><failure>\r\n  line &amp; more\r\n</failure></testcase></testsuite>",
	  0, -1, NULL, 1, "t", "", F, "line & more", -1 },
	{ J, "<testsuites tests=\"3\"><testsuite tests=\"1\"><testcase name=\"x\"/></testsuite>"
	     "<testsuite tests=\"2\"><testsuite><testcase name=\"x\"/></testsuite></testsuite></testsuites>",
	  0, 3, NULL, 2, "x", "", P, "", -1 }, /* duplicates are kept; nested suites */
	{ J, "<testsuites><testsuite tests=\"1\"/><testsuite tests=\"2\"/></testsuites>",
	  0, 3, NULL, 0, NULL, NULL, P, NULL, 0 },
	{ J, "\xef\xbb\xbf<testsuites/>", 0, 0, NULL, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name=\"a\xff\x01\xc2\x85z\"/></testsuite>", 0, -1, NULL, 1,
	  "a\xef\xbf\xbdz", "", P, "", -1 }, /* invalid UTF-8 replaced, controls left out */
	/* NUnit 2: a result it does not know is no pass; a <reason> on a success is no skip */
	{ J, "<test-results><test-suite name='A'><results><test-case name='A.B.c' result='Weird'/>"
	     "</results></test-suite></test-results>", 0, -1, NULL, 1, "c", "A.B", E,
	  "NUnit gives this test no result runbox knows (result=\"Weird\").", -1 },
	{ J, "<test-results><test-suite name='A'><results><test-case name='A.f(1.5)' result='Success' "
	     "time='0.25'><reason><message>x</message></reason></test-case></results></test-suite>"
	     "</test-results>", 0, -1, NULL, 1, "f(1.5)", "A", P, "", 250 },
	/* JUnit: refused references and markup, cut short, text or elements after the end */
	{ J, "<testsuite><testcase name='a&#xD800;'/></testsuite>", 0, -1, BROKEN_REF, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='a&#x110000;'/></testsuite>", 0, -1, BROKEN_REF, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='a&#1;'/></testsuite>", 0, -1, BROKEN_REF, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='a&nbsp;'/></testsuite>", 0, -1, BROKEN_REF, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='a & b'/></testsuite>", 0, -1, BROKEN_REF, 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='t'>AT&T</testcase></testsuite>", 0, -1,
	  "The report is broken at line 1: a '&' that starts no XML entity.", 1, "t", "", E,
	  "The report stops inside this test, so its result is unknown.", -1 },
	{ J, "<testsuite><testcase name=t/></testsuite>", 0, -1,
	  "The report is broken at line 1: an attribute value without quotes.", 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite>\n<testcase name='a'/>\n<testcase name='b'>\n<failure message='x'/></testsuite>",
	  0, -1, "The report is broken at line 4: an end tag that closes no open element.", 2, "b", "",
	  F, "x", -1 },
	{ J, "<testsuite><testcase name='a'/></testsuite>trailing", 0, -1,
	  "The report is broken at line 1: text after the end of the report.", 1, "a", "", P, "", -1 },
	{ J, "<testsuite/><testsuite/>", 0, -1,
	  "The report is broken at line 1: an element after the end of the report.", 0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><testcase name='a'/>", 0, -1,
	  "The report stops in the middle: it was cut short.", 1, "a", "", P, "", -1 },
	{ J, "<testsuite><testcase name='a'><system-out>hello", 0, -1,
	  "The report stops in the middle: it was cut short.", 1, "a", "", E,
	  "The report stops inside this test, so its result is unknown.", -1 },
	{ J, "<testsuite><testcase name='a'/><!-- cut", 0, -1,
	  "The report stops in the middle of a tag: it was cut short.", 1, "a", "", P, "", -1 },
	{ J, "<testsuite>", 0, -1, "The report stops in the middle: it was cut short.", 0, NULL, NULL, P, NULL, 0 },
	{ J, "", -1, 0, "The test report is empty: the test framework wrote nothing.", 0, NULL, NULL, P, NULL, 0 },
	{ J, " \n\t", -1, 0, "The test report is empty: the test framework wrote nothing.", 0, NULL, NULL, P, NULL, 0 },
	{ J, "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><testsuite/>", -1, 0,
	  "The test report is not JUnit XML: line 1: a DOCTYPE that declares entities.", 0, NULL, NULL, P, NULL, 0 },
	{ J, "<html><testsuite/></html>", -1, 0,
	  "The test report is not JUnit XML: line 1: its root element is not <testsuites>, <testsuite> or NUnit's <test-results>.",
	  0, NULL, NULL, P, NULL, 0 },
	{ J, "<testsuite><!BOGUS></testsuite>", 0, -1,
	  "The report is broken at line 1: markup that is not XML's.", 0, NULL, NULL, P, NULL, 0 },
	/* TAP: plans, directives, escapes, numbers as names */
	{ T, "1..0 # nothing to test\n", 0, 0, NULL, 0, NULL, NULL, P, NULL, 0 },
	{ T, "TAP version 14\r\n1..3\r\nok 1\r\nnot ok 2 - b # TODO later\r\nok 3 - c # skip no db\r\n",
	  0, 3, NULL, 3, "c", "", S, "no db", -1 },
	{ T, "1..1\nnot ok 1 - b # todo\n", 0, 1, NULL, 1, "b", "", S, "TODO", -1 },
	{ T, "1..1\nok\n", 0, 1, NULL, 1, "test 1", "", P, "", -1 },
	{ T, "1..1\nok 1 - a \\# b \\\\ c # SKIPPED: not here\n", 0, 1, NULL, 1, "a # b \\ c", "", S,
	  "not here", -1 },
	{ T, "1..1\nok 1 a test without a dash\n", 0, 1, NULL, 1, "a test without a dash", "", P, "", -1 },
	{ T, "noise\nok 1 - a\nmore noise\nok 2 - b\n1..2\n", 0, 2, NULL, 2, "b", "", P, "", -1 },
	{ T, "ok 1 - a\n1..1\nok 2 - b\n", 0, 1, "The report has 2 tests where its plan announced 1.",
	  2, "b", "", P, "", -1 },
	{ T, "ok 1 - a\n", 0, -1, "The report has no plan (1..N): it was cut short.", 1, "a", "", P, "", -1 },
	{ T, "Bail out!\n", 0, -1, "The tests stopped: Bail out!", 0, NULL, NULL, P, NULL, 0 },
	{ T, "1..2\nok 1 - a\nBail out! no disk\nok 2 - b\n", 0, 2, "The tests stopped: Bail out! no disk",
	  1, "a", "", P, "", -1 },
	{ T, "", -1, 0, "The test report is not TAP: it has no plan and no ok or not ok line.", 0, NULL, NULL, P, NULL, 0 },
	/* TAP: YAML scalars */
	{ T, "1..1\nnot ok 1 - t\n  ---\n  message: \"caf\\u00e9\\tx\\n\\\"q\\\"\"\n  duration_ms: 1.5\n  ...\n",
	  0, 1, NULL, 1, "t", "", F, "caf\xc3\xa9\tx\n\"q\"", 2 },
	{ T, "1..1\nnot ok 1 - t\n  ---\n  message: 'it''s\n    folded'\n  ...\n",
	  0, 1, NULL, 1, "t", "", F, "it's folded", -1 },
	{ T, "1..1\nnot ok 1 - t\n  ---\n  message: >-\n    one\n    two\n\n    three\n  ...\n",
	  0, 1, NULL, 1, "t", "", F, "one two\nthree", -1 },
	{ T, "1..1\nnot ok 1 - t\n  ---\n  message: plain\n    continued\n  error: |\n    first\n      ...\n"
	     "    last\n  stack: |-\n    at x\n  ...\n",
	  0, 1, NULL, 1, "t", "", F, "first\n  ...\nlast", -1 }, /* error outweighs message */
	{ T, "1..1\nok 1 - t\n  ---\n  message: not for a test that passed\n  duration_ms: 0.4\n  ...\n",
	  0, 1, NULL, 1, "t", "", P, "", 0 },
	{ T, "1..1\nnot ok 1 - t\n  ---\n  message: |-\n    cut\n", 0, 1,
	  "The report stops in the middle of a test's YAML block: it was cut short.", 1, "t", "", F, "cut", -1 },
	{ T, "1..2\nnot ok 1 - t\n  ---\n  message: x\nok 2 - u\n", 0, 2, NULL, 2, "u", "", P, "", -1 },
	/* TAP: subtests, with a parent that failed on its own (a hook) */
	{ T, "TAP version 14\n# Subtest: p\n    ok 1 - a\n    ok 2 - b\n    1..2\nnot ok 1 - p\n  ---\n"
	     "  error: 'hook failed'\n  ...\n1..1\n", 0, 1, NULL, 3, "p", "", F, "hook failed", -1 },
	{ T, "    ok 1 - a\n        not ok 1 - c\n    not ok 2 - b\nnot ok 1 - p\n1..1\n", 0, 1, NULL, 2,
	  "p > b > c", "", F, "", -1 },
	/* TAP: diagnostics after a failed result are its message (Test::More, bats) */
	{ T, "1..1\nnot ok 1 - ten\n#   Failed test 'ten'\n#   at fib.t line 5.\n#          got: '6000'\n"
	     "# Looks like you failed 1 test of 1.\n", 0, 1, NULL, 1, "ten", "", F,
	  "Failed test 'ten'\n  at fib.t line 5.\n         got: '6000'", -1 },
	{ T, "1..2\nnot ok 1 - a\n# why a\nok 2 - b\n# not b's\n", 0, 2, NULL, 2, "b", "", P, "", -1 },
	{ T, "1..2\nok 1 - b\nnot ok 2 - a\n  ---\n  message: from YAML\n  ...\n# not a's\n", 0, 2, NULL, 2,
	  "a", "", F, "from YAML", -1 },
	{ T, "1..1\n# Subtest: p\n    not ok 1 - a\n    # why a\n    1..1\n# not a's\nnot ok 1 - p\n", 0, 1,
	  NULL, 1, "p > a", "", F, "why a", -1 },
	{ T, "1..2\nnot ok 1 - a\n# Subtest: b\n    ok 1 - c\n    1..1\nok 2 - b\n", 0, 2, NULL, 2,
	  "b > c", "", P, "", -1 },
	{ T, "1..1\nok 1 - a\n# not for a test that passed\n", 0, 1, NULL, 1, "a", "", P, "", -1 },
	/* libtest */
	{ L, "{\"type\":\"suite\",\"event\":\"started\",\"test_count\":1}\n", 0, 1, CUT, 0, NULL, NULL, P, NULL, 0 },
	{ L, "noise\n{\"type\":\"suite\",\"event\":\"started\",\"test_count\":2}\n{\"type\":1}\n[]\n"
	     "{\"type\":\"test\",\"event\":\"started\",\"name\":\"a\"}\n"
	     "{\"type\":\"test\",\"event\":\"failed\",\"name\":\"a\",\"stdout\":\"hi\\nthread 'a' panicked at src/lib.rs:5:9:\\nboom\\nnote: run with `RUST_BACKTRACE=1`\\n\"}\n"
	     "{\"type\":\"suite\",\"event\":\"failed\",\"passed\":0,\"failed\":1}\n",
	  0, 2, NULL, 1, "a", "", F, "panicked at src/lib.rs:5:9:\nboom", -1 }, /* Rust 1.73's format */
	{ L, "{\"type\":\"suite\",\"event\":\"started\",\"test_count\":1}\n"
	     "{\"type\":\"test\",\"event\":\"failed\",\"name\":\"s\",\"stdout\":\"\",\"message\":\"panic did not contain expected string\"}\n"
	     "{\"type\":\"suite\",\"event\":\"failed\"}\n",
	  0, 1, NULL, 1, "s", "", F, "panic did not contain expected string", -1 },
	{ L, "{\"type\":\"test\",\"event\":\"failed\",\"name\":\"x\",\"stdout\":\"no panic here\\n\",\"exec_time\":0.25}\n",
	  0, -1, CUT, 1, "x", "", F, "no panic here", 250 },
	{ L, "", -1, 0, "The test report is not libtest's JSON: it has no suite or test event.", 0, NULL, NULL, P, NULL, 0 },
};

static void test_snippets(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(snippets); i++) {
		const struct snippet *c = &snippets[i];
		struct report r;
		struct err e;
		int rc;

		err_init(&e);
		rc = report_parse(c->f, (const unsigned char *)c->text, strlen(c->text), &r, &e);
		if (rc != c->rc)
			fail_msg("snippet %zu: rc %d (%s), want %d", i, rc, e.msg, c->rc);
		if (rc != 0) {
			assert_string_equal(e.msg, c->problem);
			continue;
		}
		if (r.ntests != c->ntests || r.planned != c->planned ||
		    strcmp(r.problem, c->problem ? c->problem : "") != 0 || r.complete != (c->problem == NULL))
			fail_msg("snippet %zu: %zu tests, planned %d, problem \"%s\"; want %zu, %d, \"%s\"", i,
				 r.ntests, r.planned, r.problem, c->ntests, c->planned, c->problem ? c->problem : "");
		if (c->ntests > 0) {
			const struct report_test *t = &r.tests[r.ntests - 1];

			if (strcmp(t->name, c->name) != 0 || strcmp(t->classname, c->classname) != 0 ||
			    t->verdict != c->verdict || strcmp(t->message, c->message) != 0 || t->duration_ms != c->ms)
				fail_msg("snippet %zu: \"%s\" \"%s\" %s \"%s\" %ld ms; want \"%s\" \"%s\" %s \"%s\" %ld",
					 i, t->name, t->classname, report_verdict_name(t->verdict), t->message,
					 t->duration_ms, c->name, c->classname, report_verdict_name(c->verdict),
					 c->message, c->ms);
		}
		report_release(&r);
	}
}

/* Names and messages are cut at a character to fit their buffers. */
static void test_long_text(void **state)
{
	char *xml = malloc(8192);
	struct report r;
	size_t o;

	(void)state;
	assert_non_null(xml);
	o = (size_t)snprintf(xml, 8192, "<testsuite><testcase name=\"");
	for (int i = 0; i < 200; i++)
		o += (size_t)snprintf(xml + o, 8192 - o, "\xc3\xa9"); /* é: 400 bytes */
	o += (size_t)snprintf(xml + o, 8192 - o, "\"><failure message=\"");
	for (int i = 0; i < 2000; i++)
		xml[o++] = (char)('a' + i % 26);
	snprintf(xml + o, 8192 - o, "\"/></testcase></testsuite>");
	assert_int_equal(report_parse(REPORT_JUNIT, (unsigned char *)xml, strlen(xml), &r, NULL), 0);
	assert_int_equal(r.ntests, 1);
	assert_int_equal(strlen(r.tests[0].name), 254); /* 127 whole é */
	assert_memory_equal(r.tests[0].name + 252, "\xc3\xa9", 2);
	assert_int_equal(strlen(r.tests[0].message), REPORT_MESSAGE_MAX - 1);
	report_release(&r);
	free(xml);
}

/* More than REPORT_MAX_TESTS: the first ones, and the report is not complete. */
static void test_too_many(void **state)
{
	size_t cap = 64 + 32 * (REPORT_MAX_TESTS + 5), o = 0;
	char *tap = malloc(cap);
	struct report r;

	(void)state;
	assert_non_null(tap);
	o += (size_t)snprintf(tap + o, cap - o, "1..%d\n", REPORT_MAX_TESTS + 5);
	for (int i = 1; i <= REPORT_MAX_TESTS + 5; i++)
		o += (size_t)snprintf(tap + o, cap - o, "ok %d - t%d\n", i, i);
	assert_int_equal(report_parse(REPORT_TAP, (unsigned char *)tap, o, &r, NULL), 0);
	assert_int_equal(r.ntests, REPORT_MAX_TESTS);
	assert_string_equal(r.tests[REPORT_MAX_TESTS - 1].name, "t1000");
	assert_int_equal(r.planned, REPORT_MAX_TESTS + 5);
	assert_false(r.complete);
	assert_string_equal(r.problem, "The report has more than 1000 tests: only the first 1000 are listed.");
	report_release(&r);
	free(tap);
}

static void test_names(void **state)
{
	enum report_format f;

	(void)state;
	assert_int_equal(report_format_parse("bogus", &f), -1);
	assert_int_equal(report_format_parse("JUnit", &f), -1);
	for (int i = REPORT_JUNIT; i <= REPORT_LIBTEST; i++) {
		assert_int_equal(report_format_parse(report_format_name((enum report_format)i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_string_equal(report_verdict_name(RV_PASSED), "passed");
	assert_string_equal(report_verdict_name(RV_FAILED), "failed");
	assert_string_equal(report_verdict_name(RV_ERROR), "error");
	assert_string_equal(report_verdict_name(RV_SKIPPED), "skipped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_not_a_report),
		cmocka_unit_test(test_snippets),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
