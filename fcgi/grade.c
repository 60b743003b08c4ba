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
#include "shwords.h"
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
	size_t n;
	enum verdict verdict[RUN_MAX_CASES];
	char msg[RUN_MAX_CASES][256];
	struct case_outcome out[RUN_MAX_CASES];
	struct test_outcome tests;
	const char *language;           /* the language's id as answered */
	long wall_ms, memory_bytes;     /* the limits the cases ran under */
	bool compiled_ok;               /* the build succeeded: the cases ran */
};

/* The exercise file at path, or NULL. */
static const struct exercise_file *ex_file(const struct exercise_row *row, const char *path)
{
	for (size_t i = 0; i < row->nfiles; i++)
		if (strcmp(row->files[i].path, path) == 0)
			return &row->files[i];
	return NULL;
}

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
	if ((f = ex_file(&g->row, file)) == NULL)
		return err_set(e, RC_INTERNAL, "The exercise '%s' names a file it does not have "
			       "(%.100s). Tell your teacher: 'runbox exercise update' from its folder "
			       "mends it.", g->x->id, file);
	*out = f->content;
	*out_len = f->len;
	return 0;
}

/* The exercise the request names, its language, its cases and limits. */
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
	if (g->x->ncases == 0)
		return err_set(e, RC_BAD_REQUEST, "The exercise '%s' is graded by a test suite for %s, "
			       "which this server cannot run yet; only exercises with input/output "
			       "tests can be graded. Tell your teacher.", g->x->id, l->id);
	g->wall_ms = g->x->wall_ms;
	g->memory_bytes = g->x->memory_bytes;
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
		g->specs[i] = (struct case_spec){ c->stdin_data, c->stdin_len,
						  (const char *const *)g->words[i].w, g->words[i].n, 0,
						  false };
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
		g->specs[i] = (struct case_spec){ c->stdin_data, c->stdin_len, t->args, t->nargs, 0,
						  false };
	}
	g->n = g->tr.ncases;
	g->language = g->tr.prog.language;
}

static int grade_prepare(void *ctx, struct pipe *p, const struct buf *body, struct program *prog,
			 struct err *e)
{
	struct grading *g = ctx;
	const struct conf *c = p->app->conf;
	struct req_caps caps = { (size_t)c->max_code_bytes, (size_t)c->max_stdin_bytes };
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
	if ((rc = pipe_program(p, &spec, prog, e)) != 0 ||
	    (rc = pipe_cases(prog, &spec, g->specs, g->n, e)) != 0)
		return rc;
	g->wall_ms = prog->rr.limits.wall_ms;
	g->memory_bytes = prog->rr.limits.memory_bytes;
	return 0;
}

/* The pipeline's judge hook: a verdict per case, the counts and the score, for the row and
 * the answer. */
static void grade_judge(void *arg, const struct run_result *res, struct test_outcome *t)
{
	struct grading *g = arg;
	long passed_w = 0, total_w = 0;

	g->compiled_ok = !res->compile.ran ||
			 (res->compile.reason == REASON_EXIT && res->compile.exit_code == 0);
	*t = (struct test_outcome){ g->x != NULL ? g->x->id : NULL, 0, (int)g->n, 0, g->out, g->n };
	for (size_t i = 0; i < g->n; i++) {
		const struct run_stage *st = i < res->ncases ? &res->cases[i] : NULL;

		if (!g->compiled_ok) {
			g->verdict[i] = V_NOT_RUN;
			(void)snprintf(g->msg[i], sizeof g->msg[i], "Not run: the code did not compile.");
		} else {
			g->verdict[i] = st != NULL ? judge_case(&g->cases[i].jc, st, g->wall_ms,
								g->memory_bytes, g->msg[i],
								sizeof g->msg[i])
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

static json_t *grade_render(void *ctx, struct pipe *p, const struct run_result *res,
			    const struct program *prog)
{
	struct grading *g = ctx;
	const struct test_outcome *t = p->tests;
	const char *status;
	json_t *body, *tests = json_array();
	bool all = true, error = res->status == STATUS_INTERNAL_ERROR;

	(void)prog;
	for (size_t i = 0; i < g->n; i++) {
		all = all && g->verdict[i] == V_PASSED;
		error = error || g->verdict[i] == V_ERROR;
		json_array_append_new(tests, test_json(g, i, i < res->ncases ? &res->cases[i] : NULL));
	}
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
	free(g->x);
	test_req_release(&g->tr);
	free(g);
}
