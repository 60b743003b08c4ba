/*
 * grade: the editor API's test face, POST /api/editor/test. It turns a test request
 * (test_req.h) and, for an exercise, the teacher's exercise from the database into one
 * program with one case per test, judges each case's run outside the container
 * (core/judge.c) and answers with a verdict per test and the score. Identity, quota (one
 * run), the pool, the run and the row are the pipeline's; the row gets the counts and one
 * run_cases row per test through the pipeline's judge hook.
 *
 * A hidden test's expected output is never sent anywhere: the container gets only its
 * input, and the answer only its name and verdict.
 */
#define _GNU_SOURCE
#include "grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "editor.h"
#include "exercise.h"
#include "http.h"
#include "judge.h"
#include "log.h"
#include "report.h"
#include "shwords.h"
#include "suite.h"
#include "test_req.h"

/* Bytes of a test's stdout or stderr shown in the answer (the whole output is judged). */
#define SHOWN_MAX (64 * 1024)

struct gcase {
	char name[64];
	bool hidden;
	int weight;
	struct judge_case jc;
	const unsigned char *stdin_data;
	size_t stdin_len;
};

struct grading {
	struct test_req tr;
	struct exercise *x;             /* the exercise (NULL: the client's own tests) */
	struct exercise_row row;        /* its files */
	struct shwords words[RUN_MAX_CASES];
	struct gcase cases[RUN_MAX_CASES];
	struct case_spec specs[RUN_MAX_CASES];
	struct run_file cfiles[RUN_MAX_CASES][EXERCISE_CASE_FILES]; /* each case's own files */
	size_t n;
	enum verdict verdict[RUN_MAX_CASES];
	char msg[RUN_MAX_CASES][256];
	struct case_outcome out[RUN_MAX_CASES];
	struct test_outcome tests;
	const char *language;           /* the language's id as answered */
	long wall_ms, memory_bytes;     /* the exercise's limits (0: the defaults) */
	struct limits limits;           /* the limits the cases ran under */
	bool compiled_ok;               /* the build succeeded: the cases ran */
	/* A test suite instead of I/O cases: its files (names relative to its folder), its
	 * name, where the program finds it, the placeholders for the commands, and what its
	 * report said (the tests it lists become the answer's tests). */
	bool suite_mode;
	struct run_file suite[RPC_MAX_FILES];
	size_t nsuite;
	char suite_id[SHA256_HEX];
	char suite_dir[96];
	const char *suite_dirs[1], *suite_paths[RPC_MAX_FILES], *suite_srcs[RPC_MAX_FILES];
	char *suite_store;
	struct lang_list lists[3];
	struct report rep;
	struct case_outcome *sout;      /* one per test of the report (or the one synthetic) */
	enum verdict *sverdict;
	size_t ns;
	char smsg[256];                 /* the synthetic test's message */
};

/* Inline text or a file of the exercise. */
static int ex_text(struct grading *g, const char *file, const char *text, size_t len,
		   const unsigned char **out, size_t *out_len, struct err *e)
{
	const struct exercise_file *f;

	if (file[0] == '\0') {
		*out = (const unsigned char *)text;
		*out_len = len;
		return 0;
	}
	if ((f = exercise_row_file(&g->row, file)) == NULL)
		return err_set(e, RC_INTERNAL, "The exercise '%s' names a file it does not have "
			       "(%.100s). Tell your teacher: 'runbox exercise update' from its folder "
			       "mends it.", g->x->id, file);
	*out = f->content;
	*out_len = f->len;
	return 0;
}

/* The exercise the request names, its language, its cases and limits. */
/* The exercise's suite for l (suite = a folder "tests/" or one file): its files, named
 * relative to the suite's folder, and the placeholders {suite}, {suite_sources} and
 * {suite_files} that the language's test commands take. */
static int load_suite(struct grading *g, const struct lang *l, const char *path, struct err *e)
{
	size_t total = 0, i, ns = 0, plen = strlen(path);
	char *w;

	if (l->test_argv[0] == NULL)
		return err_set(e, RC_BAD_REQUEST, "The exercise '%s' has a test suite for %s, but this "
			       "server cannot run %s test suites. Tell your teacher.", g->x->id, l->id,
			       l->id);
	for (i = 0; i < g->row.nfiles; i++) {
		const struct exercise_file *f = &g->row.files[i];
		const char *name;

		if (!exercise_in_suite(path, f->path))
			continue;
		/* A suite that is one file: the file alone, named as it is; a folder's files are
		 * named from inside it. */
		if (strcmp(f->path, path) == 0) {
			name = strrchr(f->path, '/') != NULL ? strrchr(f->path, '/') + 1 : f->path;
		} else {
			name = f->path + plen + (path[plen - 1] != '/');
		}
		if (g->nsuite == RPC_MAX_FILES)
			return err_set(e, RC_INTERNAL, "The exercise's test suite has more than %d files. "
				       "Tell your teacher.", RPC_MAX_FILES);
		g->suite[g->nsuite++] = (struct run_file){ name, f->content, f->len };
		total += strlen(name) + 2 + sizeof g->suite_dir;
	}
	if (g->nsuite == 0)
		return err_set(e, RC_INTERNAL, "The exercise '%s' names a test suite it does not have "
			       "(%.100s). Tell your teacher: 'runbox exercise update' from its folder "
			       "mends it.", g->x->id, path);
	suite_id(g->suite, g->nsuite, g->suite_id);
	(void)snprintf(g->suite_dir, sizeof g->suite_dir, SUITE_MOUNT "/%s", g->suite_id);
	/* Full paths of the suite's files, for {suite_files} and {suite_sources}. */
	if ((g->suite_store = malloc(total + 1)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for the test suite");
	w = g->suite_store;
	for (i = 0; i < g->nsuite; i++) {
		size_t nl = strlen(g->suite[i].name), sl = strlen(l->sources);

		g->suite_paths[i] = w;
		w += sprintf(w, "%s/%s", g->suite_dir, g->suite[i].name) + 1;
		if (sl == 0 || (nl >= sl && strcmp(g->suite[i].name + nl - sl, l->sources) == 0))
			g->suite_srcs[ns++] = g->suite_paths[i];
	}
	g->suite_dirs[0] = g->suite_dir;
	g->lists[0] = (struct lang_list){ "{suite}", g->suite_dirs, 1 };
	g->lists[1] = (struct lang_list){ "{suite_sources}", g->suite_srcs, ns };
	g->lists[2] = (struct lang_list){ "{suite_files}", g->suite_paths, g->nsuite };
	g->suite_mode = true;
	g->n = 1; /* one run of the whole suite, with its report on fd 3 */
	g->specs[0] = (struct case_spec){ .report = true };
	return 0;
}

static int load_exercise(struct pipe *p, struct grading *g, struct err *e)
{
	struct store *s;
	const struct lang *l = g->tr.prog.lang;
	char langs[256] = "";
	size_t i;
	int rc;

	if ((s = gate_store(&p->app->gate, e)) == NULL)
		return RC_STORE;
	rc = store_exercise_get(s, g->tr.exercise, 1, &g->row, e);
	if (rc == RC_NOT_FOUND)
		return err_set(e, RC_NOT_FOUND, "There is no exercise '%.63s'. Check its id with your "
			       "teacher.", g->tr.exercise);
	if (rc != 0)
		return rc;
	if ((g->x = calloc(1, sizeof *g->x)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for the exercise");
	if ((rc = exercise_parse(g->row.definition, g->tr.exercise, g->x, e)) != 0) {
		log_warnx("exercise %s: %s", g->tr.exercise, e->msg);
		return err_set(e, RC_INTERNAL, "The exercise '%.63s' cannot be read. Tell your "
			       "teacher: 'runbox exercise update' from its folder says what is wrong.",
			       g->tr.exercise);
	}
	for (i = 0; i < g->x->nlangs; i++)
		(void)snprintf(langs + strlen(langs), sizeof langs - strlen(langs), "%s%s",
			       i ? ", " : "", g->x->langs[i].id);
	if (l == NULL && g->x->nlangs == 1)
		l = lang_find(g->x->langs[0].id);
	if (l == NULL && g->x->nlangs == 1)
		return err_set(e, RC_UNKNOWN_LANG, "The exercise '%s' is in %s, which this server "
			       "does not run. Tell your teacher.", g->x->id, langs);
	if (l == NULL)
		return err_set(e, RC_BAD_REQUEST, "The exercise '%s' can be done in %s: say which in "
			       "'language'.", g->x->id, langs);
	if (exercise_lang(g->x, l->id) == NULL)
		return err_set(e, RC_UNKNOWN_LANG, "The exercise '%s' is done in %s, not in %s.",
			       g->x->id, langs, l->id);
	g->tr.prog.lang = l;
	g->language = l->id;
	g->wall_ms = g->x->wall_ms;
	g->memory_bytes = g->x->memory_bytes;
	/* A language with a suite is graded by it; the I/O cases grade the others. */
	if (exercise_lang(g->x, l->id)->suite[0] != '\0')
		return load_suite(g, l, exercise_lang(g->x, l->id)->suite, e);
	if (g->x->ncases == 0)
		return err_set(e, RC_BAD_REQUEST, "The exercise '%s' has no tests for %s. Tell your "
			       "teacher.", g->x->id, l->id);
	for (i = 0; i < g->x->ncases; i++) {
		const struct exercise_case *xc = &g->x->cases[i];
		struct gcase *c = &g->cases[i];

		(void)snprintf(c->name, sizeof c->name, "%s", xc->name);
		c->hidden = xc->hidden;
		c->weight = xc->weight;
		c->jc = (struct judge_case){ .exit_code = xc->exit_code, .compare = xc->compare,
					     .tolerance = xc->tolerance, .has_expected = xc->has_expected };
		if ((rc = ex_text(g, xc->stdin_file, xc->stdin_text, xc->stdin_len, &c->stdin_data,
				  &c->stdin_len, e)) != 0 ||
		    (xc->has_expected &&
		     (rc = ex_text(g, xc->expected_file, xc->expected_text, xc->expected_len,
				   &c->jc.expected, &c->jc.expected_len, e)) != 0))
			return rc;
		if (xc->args[0] != '\0' &&
		    (rc = shwords_split(xc->args, strlen(xc->args), REQ_MAX_ARGS, &g->words[i], e)) != 0)
			return err_set(e, RC_INTERNAL, "The exercise's test '%s' has arguments that "
				       "cannot be read: %s. Tell your teacher.", xc->name, e->msg);
		for (size_t f = 0; f < xc->nfiles; f++) {
			const unsigned char *data = NULL;
			size_t len = 0;

			if ((rc = ex_text(g, xc->files[f], "", 0, &data, &len, e)) != 0)
				return rc;
			/* In the work folder under its own name, its folders dropped: each case
			 * can give the program a "data.txt" of its own. */
			g->cfiles[i][f] = (struct run_file){ strrchr(xc->files[f], '/') != NULL
							     ? strrchr(xc->files[f], '/') + 1
							     : xc->files[f], data, len };
		}
		g->specs[i] = (struct case_spec){ .stdin_data = c->stdin_data,
						  .stdin_len = c->stdin_len,
						  .args = (const char *const *)g->words[i].w,
						  .nargs = g->words[i].n, .files = g->cfiles[i],
						  .nfiles = xc->nfiles };
	}
	g->n = g->x->ncases;
	return 0;
}

/* The client's own tests: all visible, of weight 1. */
static void own_tests(struct grading *g)
{
	for (size_t i = 0; i < g->tr.ncases; i++) {
		const struct test_req_case *t = &g->tr.cases[i];
		struct gcase *c = &g->cases[i];

		(void)snprintf(c->name, sizeof c->name, "%s", t->name);
		c->weight = 1;
		c->jc = (struct judge_case){ (const unsigned char *)t->expected, t->expected_len,
					     t->expected != NULL, t->exit_code, t->compare,
					     t->tolerance };
		c->stdin_data = (const unsigned char *)t->stdin_data;
		c->stdin_len = t->stdin_len;
		g->specs[i] = (struct case_spec){ .stdin_data = c->stdin_data,
						  .stdin_len = c->stdin_len, .args = t->args,
						  .nargs = t->nargs };
	}
	g->n = g->tr.ncases;
	g->language = g->tr.prog.language;
}

static int grade_prepare(void *ctx, struct pipe *p, const struct buf *body, struct program *prog,
			 struct err *e)
{
	struct grading *g = ctx;
	const struct conf *c = p->app->conf;
	struct req_caps caps = editor_caps(p);
	struct program_spec spec;
	int rc;

	rc = test_req_parse(&g->tr, (const char *)body->data, body->len, &caps, e);
	editor_describe(p, &g->tr.prog);
	if (rc != 0)
		return rc;
	if (g->tr.exercise != NULL) {
		if ((rc = load_exercise(p, g, e)) != 0)
			return rc;
		if (g->tr.prog.language == NULL)
			/* The row says the language the exercise chose. */
			pipe_describe(p, g->language, p->gt.entry.code, p->gt.entry.code_len, 0);
	} else {
		own_tests(g);
	}
	editor_spec(&g->tr.prog, &spec);
	spec.limits.wall_ms = g->wall_ms > 0 ? g->wall_ms : c->test_wall_ms;
	spec.limits.memory_bytes = g->memory_bytes;
	if (g->suite_mode) {
		/* The whole suite is one run: the language's time (or the exercise's) for all of
		 * it, the framework's own limit for each test. */
		const struct lang *l = g->tr.prog.lang;

		spec.limits.wall_ms = g->wall_ms;
		spec.compile_tmpl = l->test_compile_argv[0] != NULL ? l->test_compile_argv : NULL;
		spec.run_tmpl = l->test_argv;
		spec.lists = g->lists;
		spec.nlists = 3;
	}
	if ((rc = pipe_program(p, &spec, prog, e)) != 0 ||
	    (rc = pipe_cases(prog, &spec, g->specs, g->n, e)) != 0)
		return rc;
	if (g->suite_mode) {
		prog->rr.suite = g->suite;
		prog->rr.nsuite = g->nsuite;
		prog->rr.suite_id = g->suite_id;
	}
	g->limits = prog->rr.limits;
	return 0;
}

static enum verdict report_verdict(enum report_verdict v)
{
	switch (v) {
	case RV_PASSED: return V_PASSED;
	case RV_FAILED: return V_FAILED;
	case RV_ERROR: return V_RUNTIME_ERROR;
	case RV_SKIPPED: return V_SKIPPED;
	}
	return V_ERROR;
}

/* The per-test time limits say so in the test's message, each in its words: pytest-timeout,
 * runbox_test.h (whose words runbox-minitest and runbox-testthat use too), JUnit 5's default
 * timeout, PHPUnit's --enforce-time-limit, bats' BATS_TEST_TIMEOUT and NUnit's -timeout. */
static bool timed_out(const char *msg)
{
	return strncmp(msg, "Failed: Timeout", 15) == 0 ||
	       strncmp(msg, "the test did not end within", 27) == 0 ||
	       strncmp(msg, "java.util.concurrent.TimeoutException: ", 39) == 0 ||
	       strstr(msg, "\nExecution aborted after ") != NULL ||
	       strstr(msg, "' failed due to timeout") != NULL ||
	       strncmp(msg, "Test exceeded Timeout value of ", 31) == 0;
}

/* A suite's run: its tests as the framework's report lists them. A report cut short by a
 * limit (the whole suite timed out, or ran out of memory, in a test) gives the test it
 * stopped in that limit's verdict; no report at all gives one test, "test suite", with
 * the verdict of how the run ended. Never anything the program printed. */
static void suite_judge(struct grading *g, const struct run_result *res, struct test_outcome *t)
{
	const struct run_stage *st = res->ncases > 0 ? &res->cases[0] : NULL;
	enum report_format f = REPORT_JUNIT;
	int limit = st != NULL ? judge_ending(st) : V_ERROR;
	struct err e;
	size_t n, i;

	err_init(&e);
	g->ns = 0;
	if (g->compiled_ok && st != NULL && st->ran &&
	    report_format_parse(g->tr.prog.lang->test_report, &f) == 0 &&
	    report_parse(f, st->report.data, st->report.len, &g->rep, &e) == 0 && g->rep.ntests > 0)
		n = g->rep.ntests;
	else
		n = 1;
	/* One more than the report's tests: room for the limit that cut it short. */
	if ((g->sout = calloc(n + 1, sizeof *g->sout)) == NULL ||
	    (g->sverdict = calloc(n + 1, sizeof *g->sverdict)) == NULL) {
		*t = (struct test_outcome){ g->x->id, 0, 0, 0, NULL, 0 };
		return;
	}
	if (g->rep.ntests == 0) {
		enum verdict v = !g->compiled_ok ? V_NOT_RUN : limit >= 0 ? (enum verdict)limit : V_ERROR;

		if (!g->compiled_ok)
			(void)snprintf(g->smsg, sizeof g->smsg, "Not run: the code did not compile.");
		else if (v == V_ERROR && st != NULL && st->ran)
			(void)snprintf(g->smsg, sizeof g->smsg, "The test suite ended (exit code %d) "
				       "without a report of its tests%s%.150s%s Look at its output.",
				       st->exit_code, e.msg[0] ? ": " : "", e.msg,
				       e.msg[0] && e.msg[strlen(e.msg) - 1] == '.' ? "" : ".");
		else
			(void)snprintf(g->smsg, sizeof g->smsg, "The test suite was stopped before it "
				       "reported: %s.", verdict_name(v));
		g->sverdict[0] = v;
		g->sout[0] = (struct case_outcome){ .name = "test suite", .verdict = verdict_name(v),
						    .weight = 1, .message = g->smsg };
		g->ns = 1;
	} else {
		for (i = 0; i < n; i++) {
			const struct report_test *rt = &g->rep.tests[i];

			g->sverdict[i] = report_verdict(rt->verdict);
			if ((g->sverdict[i] == V_FAILED || g->sverdict[i] == V_RUNTIME_ERROR) &&
			    timed_out(rt->message))
				g->sverdict[i] = V_TIMEOUT;
			g->sout[i] = (struct case_outcome){
				.name = rt->name, .weight = 1, .message = rt->message,
				.ran = rt->duration_ms >= 0, .duration_ms = rt->duration_ms > 0 ? rt->duration_ms : 0,
			};
		}
		/* The test the report stopped in, when a limit stopped the suite; a report that
		 * does not name it (TAP says nothing of a test until it ends) gets the limit as a
		 * result of its own, so a suite cut short never reads as passed. One that ended
		 * by itself before its report did (the student's code called exit() in a
		 * framework that writes its plan last, say) gets such a result too: what it
		 * never got to is unknown, never a pass. */
		if (!g->rep.complete && limit >= 0 && g->sverdict[n - 1] == V_RUNTIME_ERROR) {
			g->sverdict[n - 1] = (enum verdict)limit;
		} else if (!g->rep.complete && (limit >= 0 || g->sverdict[n - 1] != V_RUNTIME_ERROR)) {
			if (limit >= 0)
				(void)snprintf(g->smsg, sizeof g->smsg, "The test suite was stopped after "
					       "%zu test(s): %s.", n, verdict_name((enum verdict)limit));
			else
				(void)snprintf(g->smsg, sizeof g->smsg, "The test suite ended (exit code "
					       "%d) after %zu test(s), before its report was complete: "
					       "%.120s", st->exit_code, n, g->rep.problem);
			g->sverdict[n] = limit >= 0 ? (enum verdict)limit : V_RUNTIME_ERROR;
			g->sout[n] = (struct case_outcome){ .name = "test suite", .weight = 1,
							    .message = g->smsg };
			n++;
		}
		for (i = 0; i < n; i++)
			g->sout[i].verdict = verdict_name(g->sverdict[i]);
		g->ns = n;
	}
	*t = (struct test_outcome){ g->x->id, 0, 0, 0, g->sout, g->ns };
	for (i = 0; i < g->ns; i++)
		t->passed += g->sverdict[i] == V_PASSED;
	/* Tests the report announced but never got to count as failed. */
	t->total = g->rep.planned > (int)g->ns ? g->rep.planned : (int)g->ns;
	t->score = judge_score(t->passed, t->total);
}

/* The pipeline's judge hook: a verdict per case, the counts and the score, for the row and
 * the answer. */
static void grade_judge(void *arg, const struct run_result *res, struct test_outcome *t)
{
	struct grading *g = arg;
	long passed_w = 0, total_w = 0;

	g->compiled_ok = !res->compile.ran ||
			 (res->compile.reason == REASON_EXIT && res->compile.exit_code == 0);
	if (g->suite_mode) {
		suite_judge(g, res, t);
		return;
	}
	*t = (struct test_outcome){ g->x != NULL ? g->x->id : NULL, 0, (int)g->n, 0, g->out, g->n };
	for (size_t i = 0; i < g->n; i++) {
		const struct run_stage *st = i < res->ncases ? &res->cases[i] : NULL;

		if (!g->compiled_ok) {
			g->verdict[i] = V_NOT_RUN;
			(void)snprintf(g->msg[i], sizeof g->msg[i], "Not run: the code did not compile.");
		} else {
			g->verdict[i] = st != NULL ? judge_case(&g->cases[i].jc, st, &g->limits,
								g->msg[i], sizeof g->msg[i])
						   : V_ERROR;
		}
		total_w += g->cases[i].weight;
		if (g->verdict[i] == V_PASSED) {
			t->passed++;
			passed_w += g->cases[i].weight;
		}
		g->out[i] = (struct case_outcome){
			.name = g->cases[i].name, .verdict = verdict_name(g->verdict[i]),
			.hidden = g->cases[i].hidden, .weight = g->cases[i].weight,
			.ran = st != NULL && st->ran, .message = g->msg[i],
		};
		if (g->out[i].ran) {
			g->out[i].duration_ms = st->wall_ms;
			g->out[i].memory_bytes = st->mem_bytes;
			g->out[i].exit_code = st->exit_code;
			g->out[i].signal = st->signal;
		}
	}
	t->score = judge_score(passed_w, total_w);
}

/* At most SHOWN_MAX bytes of an output, as JSON text. */
static json_t *shown(const struct buf *b)
{
	return utf8_json(b->data, b->len < SHOWN_MAX ? b->len : SHOWN_MAX, NULL);
}

static json_t *test_json(const struct grading *g, size_t i, const struct run_stage *st)
{
	const struct gcase *c = &g->cases[i];
	json_t *t = json_pack("{s:s, s:s, s:b}", "name", c->name, "verdict",
			      verdict_name(g->verdict[i]), "hidden", c->hidden);

	if (t == NULL || c->hidden)
		return t; /* a hidden test: its name and verdict, nothing else */
	if (g->msg[i][0] != '\0')
		json_object_set_new(t, "message", json_string(g->msg[i]));
	if (st != NULL && st->ran) {
		json_object_set_new(t, "durationMs", json_integer(st->wall_ms));
		json_object_set_new(t, "memoryUsed", json_integer(st->mem_bytes));
		json_object_set_new(t, "exitCode", json_integer(st->exit_code));
		if (st->signal != 0)
			json_object_set_new(t, "signal", json_integer(st->signal));
		json_object_set_new(t, "stdout", shown(&st->out));
		json_object_set_new(t, "stderr", shown(&st->err));
		json_object_set_new(t, "truncated", json_pack("{s:b, s:b}", "stdout",
				    st->out.truncated || st->out.len > SHOWN_MAX, "stderr",
				    st->err.truncated || st->err.len > SHOWN_MAX));
	}
	json_object_set_new(t, "stdin", utf8_json(c->stdin_data, c->stdin_len, NULL));
	if (c->jc.has_expected)
		json_object_set_new(t, "expected", utf8_json(c->jc.expected, c->jc.expected_len, NULL));
	if (c->jc.exit_code >= 0)
		json_object_set_new(t, "expectedExit", json_integer(c->jc.exit_code));
	return t;
}

/* A test of a suite's report: its name, verdict and the framework's message. */
static json_t *suite_test_json(const struct grading *g, size_t i)
{
	const struct case_outcome *o = &g->sout[i];
	json_t *t = json_pack("{s:s, s:s, s:b}", "name", o->name, "verdict", o->verdict,
			      "hidden", false);

	if (t != NULL && o->message != NULL && o->message[0] != '\0')
		json_object_set_new(t, "message", json_string(o->message));
	if (t != NULL && i < g->rep.ntests && g->rep.tests[i].duration_ms >= 0)
		json_object_set_new(t, "durationMs", json_integer(g->rep.tests[i].duration_ms));
	if (t != NULL && i < g->rep.ntests && g->rep.tests[i].classname[0] != '\0')
		json_object_set_new(t, "group", json_string(g->rep.tests[i].classname));
	return t;
}

static json_t *grade_render(void *ctx, struct pipe *p, const struct run_result *res,
			    const struct program *prog)
{
	struct grading *g = ctx;
	const struct test_outcome *t = p->tests;
	const char *status;
	json_t *body, *tests = json_array();
	bool all = true, error = res->status == STATUS_INTERNAL_ERROR;

	(void)prog;
	for (size_t i = 0; !g->suite_mode && i < g->n; i++) {
		all = all && g->verdict[i] == V_PASSED;
		error = error || g->verdict[i] == V_ERROR;
		json_array_append_new(tests, test_json(g, i, i < res->ncases ? &res->cases[i] : NULL));
	}
	for (size_t i = 0; g->suite_mode && i < g->ns; i++) {
		all = all && g->sverdict[i] == V_PASSED;
		error = error || g->sverdict[i] == V_ERROR;
		json_array_append_new(tests, suite_test_json(g, i));
	}
	all = all && t->passed == t->total;
	/* A compiler stopped by a limit is not the student's compile error: "error", with the
	 * pipeline's sentence saying which limit. */
	if (res->status == STATUS_COMPILE_ERROR)
		status = "compile_error";
	else if (error || !g->compiled_ok)
		status = "error";
	else
		status = all ? "passed" : "failed";
	body = json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:{s:i, s:i, s:i, s:f}, s:I}",
			 "runId", p->run_id, "status", status, "language", g->language,
			 "exercise", g->x != NULL ? g->x->id : NULL, "tests", tests,
			 "summary", "passed", t->passed, "failed", t->total - t->passed,
			 "total", t->total, "score", t->score, "totalMs", (json_int_t)res->total_ms);
	if (body == NULL)
		return NULL;
	if (res->compile.ran)
		json_object_set_new(body, "compile", editor_stage_json(&res->compile));
	if (g->suite_mode && res->ncases > 0 && res->cases[0].ran) {
		/* What the suite's run printed besides its report (the student's prints that the
		 * framework did not capture, its own summary). */
		json_t *out = editor_stage_json(&res->cases[0]);

		json_object_set_new(body, "suite", json_pack("{s:O, s:O, s:i, s:I}", "stdout",
				    json_object_get(out, "stdout"), "stderr", json_object_get(out, "stderr"),
				    "exitCode", res->cases[0].exit_code,
				    "durationMs", (json_int_t)res->cases[0].wall_ms));
		json_decref(out);
	}
	if (p->message[0] != '\0')
		json_object_set_new(body, "message", json_string(p->message));
	else if (status[0] == 'f')
		json_object_set_new(body, "message", json_string(
			t->passed == 0 ? "No test passed yet. Read the first failing test's message."
				       : "Some tests failed. Read the first failing test's message."));
	return body;
}

static const struct face test_face = { "test", NULL, NULL };

static int prepare_hooked(void *ctx, struct pipe *p, const struct buf *body, struct program *prog,
			  struct err *e)
{
	struct grading *g = ctx;
	int rc = grade_prepare(ctx, p, body, prog, e);

	if (rc == 0) {
		p->judge = grade_judge;
		p->judge_arg = g;
		p->tests = &g->tests;
	}
	return rc;
}

static const struct editor_face grade_face = {
	&test_face, "Use POST to run tests at /api/editor/test.", prepare_hooked, grade_render,
};

void grade_test(struct app *a, FCGX_Request *req, struct run_result *res)
{
	struct grading *g = calloc(1, sizeof *g);

	if (g == NULL) {
		http_error(req, RC_NOMEM, NULL, NULL);
		return;
	}
	editor_serve(a, req, res, &grade_face, g);
	for (size_t i = 0; i < RUN_MAX_CASES; i++)
		shwords_release(&g->words[i]);
	exercise_row_release(&g->row);
	report_release(&g->rep);
	free(g->sout);
	free(g->sverdict);
	free(g->suite_store);
	free(g->x);
	test_req_release(&g->tr);
	free(g);
}
