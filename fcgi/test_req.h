/*
 * test_req: the body of a test request, POST /api/editor/test, parsed and checked. Pure (no
 * I/O), so every refusal is unit-tested.
 *
 * A program as the editor API takes it (req.h: language, code or files, entry, args),
 * graded either by a teacher's exercise or by the client's own visible tests:
 *
 *     {"exercise": "fib", "code": "..."}            (language: the exercise's, if it has one)
 *     {"exercise": "fib", "language": "c", "files": [...]}
 *     {"language": "python", "code": "...",
 *      "tests": [{"name": "small", "stdin": "5\n", "expected": "5\n"},
 *                {"stdin": "x", "expected": "1 2", "compare": "tokens", "args": ["-v"],
 *                 "exit": 0, "tolerance": 1e-6}]}
 *
 * Never both "exercise" and "tests", and no "stdin" of the program's own: each test has its
 * input. A test needs "expected" or "exit"; its name defaults to "test N".
 */
#ifndef RUNBOX_TEST_REQ_H
#define RUNBOX_TEST_REQ_H

#include <stddef.h>

#include "compare.h"
#include "req.h"
#include "run.h"

#define TEST_REQ_MAX_TESTS 50      /* a client's own tests in one request */

struct test_req_case {
	char name[64];
	const char *stdin_data;    /* into the document */
	size_t stdin_len;
	const char *expected;      /* NULL: only the exit code is checked */
	size_t expected_len;
	const char *args[REQ_MAX_ARGS];
	size_t nargs;
	int exit_code;             /* -1: not checked */
	enum cmp_mode compare;
	double tolerance;
};

struct test_req {
	struct editor_req prog;    /* owns the document */
	const char *exercise;      /* NULL: the client's own tests */
	struct test_req_case *cases;
	size_t ncases;
};

/* Parse body[0..n). 0 with r filled (release it with test_req_release, also after a
 * refusal), or editor_req_parse's refusals, with the tests' own (RC_BAD_REQUEST, and
 * RC_TOO_LARGE when the tests' inputs together pass caps->max_stdin_bytes), each a sentence
 * for the student in e. */
int test_req_parse(struct test_req *r, const char *body, size_t n, const struct req_caps *caps,
		   struct err *e);
void test_req_release(struct test_req *r);

#endif
