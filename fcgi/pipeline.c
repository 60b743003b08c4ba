/*
 * pipeline: the one way a run request goes, whatever face it came through (pipeline.h).
 */
#define _GNU_SOURCE
#include "pipeline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "http.h"
#include "judge.h"
#include "log.h"
#include "pool.h"
#include "text.h"

static void new_run_id(char out[33])
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		memset(r, 0, sizeof r); /* getrandom cannot fail for 16 bytes once seeded */
	for (i = 0; i < sizeof r; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* How long the web server's hand-over waited for a free process: nginx's $msec
 * ("1700000000.123") or Apache's %t ("t=1700000000123456", microseconds). */
static long queued_ms(FCGX_Request *req, long long now_ms)
{
	const char *v = http_param(req, "RUNBOX_QUEUED_AT");
	char *end;
	long long s, ms = 0;

	if (strncmp(v, "t=", 2) == 0) {
		long long us = strtoll(v + 2, &end, 10);

		if (end == v + 2 || us <= 0)
			return 0;
		return now_ms - us / 1000 > 0 ? (long)(now_ms - us / 1000) : 0;
	}
	s = strtoll(v, &end, 10);
	if (end == v)
		return 0;
	if (*end == '.') {
		const char *p = end + 1;
		int i;

		for (i = 0; i < 3; i++)
			ms = ms * 10 + (isdigit((unsigned char)p[i]) ? p[i] - '0' : 0);
	}
	return now_ms - (s * 1000 + ms) > 0 ? (long)(now_ms - (s * 1000 + ms)) : 0;
}

void pipe_start(struct pipe *p, struct app *a, FCGX_Request *req, const struct face *f)
{
	memset(p, 0, sizeof *p);
	p->app = a;
	p->req = req;
	p->face = f;
	new_run_id(p->run_id);
	log_set_request(p->run_id);
	gate_init(&p->gt, &a->gate, req, p->run_id);
	p->gt.entry.face = f->name;
	p->gt.http_of = f->http;
	p->gt.entry.queue_ms = queued_ms(req, p->gt.entry.received_ms);
}

int pipe_identify(struct pipe *p, struct err *e)
{
	return gate_identify(&p->gt, &p->app->gate, p->req, p->face->key_param, e);
}

int pipe_admit(struct pipe *p)
{
	/* Every FastCGI process was busy for longer than the admin allows a wait. */
	return p->gt.entry.queue_ms > p->app->conf->queue_wait_ms ? RC_BUSY : 0;
}

void pipe_describe(struct pipe *p, const char *language, const char *code, size_t code_len,
		   size_t stdin_len)
{
	p->gt.entry.language = language;
	p->gt.entry.code = code;
	p->gt.entry.code_len = code_len;
	p->gt.entry.stdin_len = stdin_len;
}

/* The sentence for a request nginx refused itself and handed over only to be logged
 * (RUNBOX_REFUSED), with its code; 0 for none. */
int pipe_nginx_refusal(const char *refused, const struct conf *c, char *msg, size_t cap)
{
	char size[32];

	if (!refused[0])
		return 0;
	if (strcmp(refused, "body_too_large") == 0) {
		/* nginx refused the body as too large and sent us the request without it. */
		text_size(size, sizeof size, api_body_max(c));
		(void)snprintf(msg, cap, "The request is larger than the server accepts (%s). "
			       "Make your code shorter.", size);
		return RC_BODY_TOO_LARGE;
	}
	if (strcmp(refused, "bad_http") == 0) {
		/* nginx could not parse the request (headers too large, conflicting lengths...). */
		(void)snprintf(msg, cap, "This is not a request the server can read (a malformed "
			       "address, headers that are too large, or conflicting body lengths). "
			       "Check the client that sent it.");
		return RC_BAD_REQUEST;
	}
	/* nginx gave up on the body (it stalled past client_body_timeout, or the client closed
	 * the connection while sending it) and tells us afterwards, so the request still has
	 * its row. Nobody reads this answer. */
	msg[0] = '\0';
	return RC_BODY_INCOMPLETE;
}

int pipe_enter(struct pipe *p, const char *wrong_method, struct err *e)
{
	const char *refused = http_param(p->req, "RUNBOX_REFUSED");
	int rc;

	p->unlogged = false;
	if (!refused[0] && strcmp(http_param(p->req, "REQUEST_METHOD"), "POST") != 0)
		return err_set(e, RC_METHOD, "%s", wrong_method);
	/* A request nginx refused is logged under whoever it can be told from; nginx may have
	 * lost the key with the rest of it, so an unknown identity does not change the answer. */
	if ((rc = pipe_identify(p, e)) != 0 && !(rc == RC_UNAUTHORIZED && refused[0])) {
		if (rc != RC_UNAUTHORIZED) {
			log_warnx("%s", e->msg);
			p->unlogged = true; /* the database is what failed */
		}
		return rc;
	}
	if ((rc = pipe_nginx_refusal(refused, p->app->conf, e->msg, sizeof e->msg)) != 0)
		return e->rc = rc;
	if ((rc = pipe_admit(p)) != 0) {
		e->msg[0] = '\0';
		return e->rc = rc;
	}
	return 0;
}

void pipe_refuse(struct pipe *p, int rc, const char *msg)
{
	const char *text = msg && msg[0] ? msg : rc_message(rc);

	log_info("refused %s: %s", rc_name(rc), text);
	gate_refuse(&p->gt, &p->app->gate, rc, text);
}

void program_release(struct program *p)
{
	free(p->compile_store);
	free(p->run_store);
	p->compile_store = p->run_store = NULL;
	for (size_t i = 0; i < RUN_MAX_CASES; i++) {
		free(p->case_argv[i]);
		free(p->case_store[i]);
		p->case_argv[i] = NULL;
		p->case_store[i] = NULL;
	}
}

int pipe_lang_version(const struct rpc_info *info, const struct lang *l, char *out, size_t cap)
{
	char text[128];
	const char *best = NULL, *p;
	size_t best_len = 0;
	int best_dots = -1;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (api_lang_version(info, l, text, sizeof text) != 0)
		return -1;
	/* The last dotted number ("gcc (Debian 12.2.0-14) 12.2.0" gives the last 12.2.0),
	 * else the last number; a leading "v" (v18.20.4) is not part of it, nor a fourth
	 * part (Mono 6.8.0.105 is 6.8.0: Piston's clients read versions as semver). */
	for (p = text; *p; ) {
		size_t n = 0, take;
		int dots = 0;

		if (!isdigit((unsigned char)*p) || (p > text && (isalnum((unsigned char)p[-1]) &&
							       p[-1] != 'v'))) {
			p++;
			continue;
		}
		while (isdigit((unsigned char)p[n]) || (p[n] == '.' && isdigit((unsigned char)p[n + 1]))) {
			if (p[n] == '.' && dots == 2)
				break;
			dots += p[n] == '.';
			n++;
		}
		take = n;
		while (isdigit((unsigned char)p[n]) || (p[n] == '.' && isdigit((unsigned char)p[n + 1])))
			n++; /* the rest of a longer one, not taken */
		if ((dots > 0) >= (best_dots > 0)) {
			best = p;
			best_len = take;
			best_dots = dots;
		}
		p += n;
	}
	if (best != NULL)
		(void)snprintf(out, cap, "%.*s", (int)best_len, best);
	return 0;
}

void pipe_maxima(const struct app *a, const struct lang *l, struct run_request *out)
{
	pool_lang_request(a->conf, l, out);
}

/* want, when it is set and lower than max; else max. */
static long lower(long want, long max)
{
	return want > 0 && (max <= 0 || want < max) ? want : max;
}

/* The face's limits over the language's (never above them). The container's memory and
 * processes are the pool's, so a warm container fits every request. */
static void apply_limits(struct run_request *rr, const struct program_limits *pl)
{
	rr->limits.wall_ms = lower(pl->wall_ms, rr->limits.wall_ms);
	rr->limits.cpu_ms = lower(pl->cpu_ms, rr->limits.cpu_ms);
	rr->limits.stdout_cap = lower(pl->stdout_cap, rr->limits.stdout_cap);
	rr->limits.stderr_cap = lower(pl->stderr_cap, rr->limits.stderr_cap);
	rr->limits.work_tmpfs_bytes = lower(pl->fsize_bytes, rr->limits.work_tmpfs_bytes);
	rr->compile_wall_ms = lower(pl->compile_wall_ms, rr->compile_wall_ms > 0 ? rr->compile_wall_ms : 30000);
	rr->compile_cpu_ms = lower(pl->compile_cpu_ms, rr->compile_cpu_ms > 0 ? rr->compile_cpu_ms : 30000);
	rr->run_as_bytes = pl->as_bytes > 0 ? pl->as_bytes : 0;
	/* Less memory than the container has: run_exec lowers the kernel's limit for the
	 * program (the agent checks it before it starts the program). */
	rr->container_memory_bytes = run_container_memory(rr);
	rr->limits.memory_bytes = lower(pl->memory_bytes, rr->limits.memory_bytes);
	rr->run_pids = pl->pids > 0 && pl->pids < rr->limits.pids ? pl->pids : 0;
}

/* The files' final names (a face's, or the language's for an unnamed entry): no two alike,
 * and none also a folder of another ("a" and "a/b.py"). */
static int names_distinct(const char *const *names, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			size_t li = strlen(names[i]);

			if (i < j && strcmp(names[i], names[j]) == 0)
				return err_set(e, RC_BAD_REQUEST, "Two files are named '%.100s': give "
					       "each file its own name.", names[i]);
			if (i != j && strncmp(names[i], names[j], li) == 0 && names[j][li] == '/')
				return err_set(e, RC_BAD_REQUEST, "The file '%.100s' is also a folder in "
					       "'%.100s': rename one of them.", names[i], names[j]);
		}
	}
	return 0;
}

int pipe_program(struct pipe *p, const struct program_spec *spec, struct program *prog,
		 struct err *e)
{
	const struct lang *l = spec->lang;
	const char *const *ctmpl = spec->compile_tmpl ? spec->compile_tmpl : l->compile_argv;
	const char *const *rtmpl = spec->run_tmpl ? spec->run_tmpl : l->run_argv;
	struct lang_list lists[8] = { { "{args}", spec->args, spec->nargs } };
	size_t i, nl = 1, max = sizeof prog->run_argv / sizeof prog->run_argv[0];
	char size[32], cap[32];
	int rc;

	memset(prog, 0, sizeof *prog);
	if (spec->total_len > (size_t)p->gt.quota.max_code_bytes) {
		text_size(size, sizeof size, spec->total_len);
		text_size(cap, sizeof cap, (size_t)p->gt.quota.max_code_bytes);
		return err_set(e, RC_TOO_LARGE, "Your code is %s; you may send at most %s. "
			       "Make it shorter.", size, cap);
	}
	for (i = 0; i < spec->nlists && nl < sizeof lists / sizeof lists[0]; i++)
		lists[nl++] = spec->lists[i];
	for (i = 0; i < spec->nfiles; i++) {
		const struct req_file *f = &spec->files[i];

		if (f->name == NULL) {
			/* A single "code": the language names its file (Java: its public class). */
			if (lang_entry_name(l, (const char *)f->content, f->len, prog->entry_name,
					    sizeof prog->entry_name) != 0)
				return err_set(e, RC_BAD_REQUEST, "The program's file name is too long.");
			prog->names[i] = prog->entry_name;
		} else {
			prog->names[i] = f->name;
		}
		prog->files[i] = (struct run_file){ prog->names[i], f->content, f->len };
	}
	if ((rc = names_distinct(prog->names, spec->nfiles, e)) != 0)
		return rc;
	/* Limits and compile settings exactly as the warm pool's containers were made with,
	 * lowered where the face asks; the commands may name the run stage's memory. */
	pool_lang_request(p->app->conf, l, &prog->rr);
	apply_limits(&prog->rr, &spec->limits);
	(void)snprintf(prog->memory_mb, sizeof prog->memory_mb, "%ld",
		       prog->rr.limits.memory_bytes >> 20);
	prog->memory_word[0] = prog->memory_mb;
	if (nl < sizeof lists / sizeof lists[0])
		lists[nl++] = (struct lang_list){ "{memory_mb}", prog->memory_word, 1 };
	if (ctmpl[0] != NULL &&
	    (rc = lang_expand_lists(ctmpl, prog->names[spec->entry], prog->names, spec->nfiles,
				    l->sources, lists, nl, prog->compile_argv, max,
				    &prog->compile_store, e)) != 0)
		return rc;
	if ((rc = lang_expand_lists(rtmpl, prog->names[spec->entry], prog->names, spec->nfiles,
				    l->sources, lists, nl, prog->run_argv, max, &prog->run_store,
				    e)) != 0)
		return rc;
	prog->rr.run_id = p->run_id;
	prog->rr.files = prog->files;
	prog->rr.nfiles = spec->nfiles;
	prog->rr.stdin_data = (const unsigned char *)spec->stdin_data;
	prog->rr.stdin_len = spec->stdin_len;
	prog->rr.compile_argv = ctmpl[0] ? prog->compile_argv : NULL;
	prog->rr.compile_strict = spec->compile_strict;
	prog->rr.run_argv = prog->run_argv;
	prog->rr.cancel_fd = p->req->ipcFd;
	return 0;
}

int pipe_cases(struct program *prog, const struct program_spec *spec, const struct case_spec *cs,
	       size_t n, struct err *e)
{
	const struct lang *l = spec->lang;
	const char *const *rtmpl = spec->run_tmpl ? spec->run_tmpl : l->run_argv;
	size_t max = sizeof prog->run_argv / sizeof prog->run_argv[0], i, k;
	int rc;

	if (n == 0 || n > RUN_MAX_CASES)
		return err_set(e, RC_BAD_REQUEST, "A test request has 1 to %d tests; this one has %zu.",
			       RUN_MAX_CASES, n);
	if (prog->rr.stdin_len > 0)
		return err_set(e, RC_BAD_REQUEST, "A test request takes its input from its tests: leave "
			       "out 'stdin'.");
	for (i = 0; i < n; i++) {
		struct run_case *c = &prog->cases[i];

		*c = (struct run_case){ .stdin_data = cs[i].stdin_data, .stdin_len = cs[i].stdin_len,
					.wall_ms = cs[i].wall_ms, .files = cs[i].files,
					.nfiles = cs[i].nfiles, .report = cs[i].report };
		if (cs[i].nargs == 0)
			continue;
		/* The run command with this case's arguments as {args} (the program's own come
		 * first, as on the command line of a plain run). */
		struct lang_list lists[9] = { { "{args}", NULL, 0 } };
		const char *args[2 * REQ_MAX_ARGS];
		size_t na = 0, nl = 1;

		for (k = 0; k < spec->nargs && na < 2 * REQ_MAX_ARGS; k++)
			args[na++] = spec->args[k];
		for (k = 0; k < cs[i].nargs && na < 2 * REQ_MAX_ARGS; k++)
			args[na++] = cs[i].args[k];
		lists[0].words = args;
		lists[0].n = na;
		for (k = 0; k < spec->nlists && nl < sizeof lists / sizeof lists[0]; k++)
			lists[nl++] = spec->lists[k];
		if (nl < sizeof lists / sizeof lists[0])
			lists[nl++] = (struct lang_list){ "{memory_mb}", prog->memory_word, 1 };
		if ((prog->case_argv[i] = calloc(max, sizeof *prog->case_argv[i])) == NULL)
			return err_set(e, RC_NOMEM, "no memory for test %zu's command", i + 1);
		if ((rc = lang_expand_lists(rtmpl, prog->names[spec->entry], prog->names, spec->nfiles,
					    l->sources, lists, nl, prog->case_argv[i], max,
					    &prog->case_store[i], e)) != 0)
			return rc;
		c->run_argv = prog->case_argv[i];
	}
	prog->rr.cases = prog->cases;
	prog->rr.ncases = n;
	return 0;
}

/* One sentence that tells the student what happened ("" for a clean run). */
static void run_message(const struct run_result *res, const struct limits *l, char *out, size_t cap)
{
	const struct run_stage *st = &res->run;
	bool ran = res->run.ran;

	/* A run with cases (I/O cases or a suite) ran in its cases, not in res->run. */
	for (size_t i = 0; i < res->ncases && !ran; i++)
		ran = res->cases[i].ran;
	out[0] = '\0';
	if (res->compile.ran && !ran && res->status != STATUS_COMPILE_ERROR &&
	    res->status != STATUS_INTERNAL_ERROR) {
		/* The compiler hit a limit of the compile stage: say so, not "your program". */
		const char *what = res->status == STATUS_TIMEOUT ? "took longer than the time allowed for compiling"
				 : res->status == STATUS_MEMORY_LIMIT ? "needed more memory than allowed for compiling"
				 : res->status == STATUS_OUTPUT_LIMIT ? "printed more messages than can be shown (they were cut)"
				 : "stopped";
		(void)snprintf(out, cap, "The compiler %s, so it was stopped and nothing was run. "
			       "Look for huge includes, arrays or templates, and fix the first errors "
			       "first.", what);
		return;
	}
	switch (res->status) {
	case STATUS_OK:
		break;
	case STATUS_COMPILE_ERROR:
		(void)snprintf(out, cap, "Your code did not compile; the compiler's messages are "
			       "under stderr. Nothing was run.");
		break;
	case STATUS_INTERNAL_ERROR:
		(void)snprintf(out, cap, "%s", JUDGE_RUNNER_FAULT);
		break;
	default:
		judge_ending_message(st, l, out, cap);
		break;
	}
}

int pipe_run(struct pipe *p, struct program *prog, struct run_result *res,
	     struct quota_refusal *qr, struct err *e)
{
	struct app *a = p->app;
	struct run_request *rr = &prog->rr;
	int rc;

	if ((rc = gate_begin(&p->gt, &a->gate, qr, e)) != 0) {
		if (rc == RC_QUOTA)
			log_info("refused quota_exceeded: %s", e->msg);
		return rc;
	}
	/* The runner leases a warm container (or makes one), runs, and answers at once. */
	if ((rc = run_result_cases(res, &a->conf->limits, rr->ncases)) != 0)
		(void)err_set(e, rc, "no memory for %zu test cases", rr->ncases);
	else
		rc = rclient_run(a->runner, rr, res, e);
	if (rc != 0) {
		log_warnx("run failed: %s: %s", rc_name(rc), e->msg);
		gate_finish(&p->gt, &a->gate, rc, e->msg, NULL);
		return rc;
	}
	log_info("%s %s exit=%d %ldms", rr->lang->id, run_status_name(res->status),
		 res->run.exit_code, res->total_ms);
	run_message(res, &rr->limits, p->message, sizeof p->message);
	if (p->judge != NULL && p->tests != NULL) {
		p->judge(p->judge_arg, res, p->tests);
		p->gt.tests = p->tests;
	}
	gate_finish(&p->gt, &a->gate, 0, p->message, res);
	return 0;
}


void pipe_after(struct app *a, struct run_result *res)
{
	(void)a;
	run_result_release(res);
}
