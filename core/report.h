/*
 * report: the machine-readable report of a test framework, read into a list of tests.
 * Pure (no I/O): the report reaches the server through a file descriptor of its own,
 * never the program's stdout, and is parsed here, so every format is unit-tested against
 * recorded real reports (tests/unit/reports/) and fuzzed.
 *
 * Formats, by the name a teacher gives them:
 *   junit    JUnit XML as pytest (--junitxml) and JUnit 5's console launcher
 *            (--reports-dir: TEST-junit-jupiter.xml) write it: <testsuites> or <testsuite>,
 *            <testcase name classname time> with <failure>, <error> or <skipped>; and
 *            NUnit 2's XML (nunit-console -xml): <test-results>, nested <test-suite>s,
 *            <test-case name result time> with a <failure> or <reason> <message>
 *   tap      TAP 13 and 14, as node --test --test-reporter=tap and images/gcc/runbox_test.h
 *            write it: "ok"/"not ok" lines, # SKIP and # TODO, subtests indented by 4
 *            spaces, YAML blocks, a failed test's "# " diagnostics (Test::More's), a plan
 *            "1..N", "Bail out!"
 *   libtest  Rust's test harness with --format json: one JSON event a line
 *
 * What a test is called:
 *   junit    name as written ("test_fib_ten", "fibOfTen()"); the classname apart
 *            ("test_mixed", "FibTest"); NUnit's "Samples.FibTests.Ten" is "Ten" of class
 *            "Samples.FibTests"
 *   tap      the description; a subtest is "parent > child". Only leaves are tests: a
 *            parent is one only when it failed while none of its subtests did (a failing
 *            hook), so nothing that failed goes unlisted
 *   libtest  the path as written ("tests::fib_ten")
 * The message is what the framework says went wrong, or why a test was skipped: JUnit's
 * message attribute (else the element's text; an <error>'s type before it), TAP's YAML
 * "error" (else "message", else the "# " comments after a failed test), libtest's panic
 * ("panicked at ...", without the advice to set RUST_BACKTRACE). Names and messages are
 * valid UTF-8 (each invalid byte becomes U+FFFD), without control characters other than \n
 * and \t, and cut at a character to fit.
 *
 * Decisions:
 *   - Tests are listed in the report's order. Two with the same name are two results and
 *     both are kept: a report is a list, not a map.
 *   - A report whose framework wrote nothing recognisable (empty, the console output of a
 *     program, another XML document) is an error. One that began and ended properly with
 *     no test in it is a report of no tests ("1..0", <testsuites/>).
 *   - A report cut short or broken after a proper start (a mismatched tag, a bad entity,
 *     a plan that says 5 before 3 results, Bail out!) keeps the tests read so far and is not
 *     complete; `problem` says why. Lines that are not TAP in a TAP report are skipped, as
 *     TAP says; so are lines that are not JSON in libtest's (what a thread of the test
 *     printed past the harness, a last line cut short).
 *   - A test the report stops or breaks inside is RV_ERROR, its result unknown, unless a
 *     failure of it was already read: a JUnit <testcase> without its end tag, a libtest
 *     test that started and never finished (the test program died during it: an abort, a
 *     crash, a time limit).
 *   - A TAP result without a description is called "test N" after its number.
 */
#ifndef RUNBOX_REPORT_H
#define RUNBOX_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define REPORT_MAX_TESTS 1000
#define REPORT_NAME_MAX 256
#define REPORT_MESSAGE_MAX 1024

enum report_format { REPORT_JUNIT, REPORT_TAP, REPORT_LIBTEST };

/* 0 with *out for "junit", "tap" or "libtest"; -1 for any other name. */
int report_format_parse(const char *name, enum report_format *out);
const char *report_format_name(enum report_format f);

enum report_verdict { RV_PASSED, RV_FAILED, RV_ERROR, RV_SKIPPED };

/* "passed", "failed", "error", "skipped". RV_ERROR is JUnit's <error> (the test could not
 * run to its check: an exception, a fixture that failed) and libtest's unfinished test;
 * TAP says only ok or not ok. A TAP "not ok ... # TODO" is RV_SKIPPED (TAP does not count
 * it as a failure), its message "TODO: reason". */
const char *report_verdict_name(enum report_verdict v);

struct report_test {
	char name[REPORT_NAME_MAX];
	char classname[REPORT_NAME_MAX]; /* JUnit's classname; "" in TAP and libtest */
	enum report_verdict verdict;
	char message[REPORT_MESSAGE_MAX]; /* "" when the report says nothing */
	long duration_ms;                 /* -1 when the report does not say */
};

struct report {
	struct report_test *tests;
	size_t ntests;
	size_t alloc; /* room in tests, the parser's */
	int planned;   /* the number of tests the report announced; -1 when it did not (TAP's
			* plan counts its top-level tests, parents of subtests included;
			* JUnit's is the root's "tests", or the sum of a <testsuites>' suites';
			* libtest's is its test_count) */
	bool complete; /* the report ended as its format says a whole report ends: the root
			* element closed, the plan matched with no Bail out!, libtest's suite
			* event; and it had at most REPORT_MAX_TESTS tests */
	char problem[256]; /* why it is not complete; "" when it is */
};

/* Parses p[0..n) as a report in format f into *out (which need not be initialised).
 * Returns 0 with *out filled (free it with report_release), or -1 with a sentence in e
 * (RC_BAD_REQUEST when nothing usable can be read, RC_NOMEM) and *out empty.
 * At most REPORT_MAX_TESTS tests are kept; a longer report is not complete. */
int report_parse(enum report_format f, const unsigned char *p, size_t n, struct report *out,
		 struct err *e);

/* Frees the tests; *r is an empty report afterwards. */
void report_release(struct report *r);

#endif
