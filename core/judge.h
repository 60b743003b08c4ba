/*
 * judge: the verdict of one test case, from how its run stage ended (run.h's facts) and what
 * the case expects (compare.h). Pure: the expected output stays in the server and is
 * compared here, outside the container, so a hidden case's answer never reaches the
 * student's program.
 *
 * The order of the checks is the one a student reads best: a stage stopped by a limit is
 * that limit's verdict (timeout, memory_limit, output_limit), whatever it printed; a crash
 * or an unexpected exit code is runtime_error; then the output is compared, then the
 * expected exit code, if the case has one.
 */
#ifndef RUNBOX_JUDGE_H
#define RUNBOX_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "limits.h"
#include "run.h"

#define VERDICT_MAP(X) \
	X(V_PASSED, "passed") \
	X(V_FAILED, "failed")                 /* wrong output or exit code */ \
	X(V_RUNTIME_ERROR, "runtime_error")   /* crashed, or exited with an error */ \
	X(V_TIMEOUT, "timeout") \
	X(V_MEMORY_LIMIT, "memory_limit") \
	X(V_OUTPUT_LIMIT, "output_limit") \
	X(V_ERROR, "error")                   /* the case did not run: runbox's fault */ \
	X(V_NOT_RUN, "not_run")               /* the code did not compile: nothing ran */ \
	X(V_SKIPPED, "skipped")               /* a test suite's framework skipped it */

enum verdict {
#define X(e, s) e,
	VERDICT_MAP(X)
#undef X
};

const char *verdict_name(enum verdict v);

/* What a case expects of its run. */
struct judge_case {
	const unsigned char *expected;  /* stdout; NULL with has_expected false: not checked */
	size_t expected_len;
	bool has_expected;
	int exit_code;                  /* -1: not checked (then any exit but 0 is an error) */
	enum cmp_mode compare;
	double tolerance;
};

/* What the student reads when runbox, not their program, failed. */
#define JUDGE_RUNNER_FAULT "Something went wrong in the code runner, not in your program. " \
	"Run it again; if it keeps happening, tell your teacher."

/* How a program's stage ended, when something other than the program ended it: a limit
 * (V_TIMEOUT, V_MEMORY_LIMIT, V_OUTPUT_LIMIT), a signal (V_RUNTIME_ERROR), or the runner
 * (V_ERROR, also for a stage that did not run). -1 when the program ended by itself, with
 * exit code 0 or another: its exit code and output decide. */
int judge_ending(const struct run_stage *st);

/* The sentence for the student on how a stage ended that did not end well: a limit with
 * its value from l, a crash with its signal, an exit code other than 0; "" for exit 0. The
 * run's message and each test's say it alike. */
void judge_ending_message(const struct run_stage *st, const struct limits *l, char *msg,
			  size_t cap);

/* The verdict of a case whose run stage is st (st->ran false: V_ERROR), with one sentence
 * for the student in msg (cap bytes, "" for passed): what differs, quoting at most a short
 * piece of each side, or which limit stopped it (l: the limits it ran under). */
enum verdict judge_case(const struct judge_case *c, const struct run_stage *st,
			const struct limits *l, char *msg, size_t cap);

/* A score in percent of the weights of the passed cases, rounded down to a tenth:
 * 0 when total_weight is 0. */
double judge_score(long passed_weight, long total_weight);

#endif
