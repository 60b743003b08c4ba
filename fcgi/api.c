#define _GNU_SOURCE
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"
#include "req.h"

size_t api_body_max(const struct conf *c)
{
	/* A character can take 6 bytes escaped (\u0000); nginx's client_max_body_size is
	 * rendered from the same value. */
	return 6 * ((size_t)c->max_code_bytes + (size_t)c->max_stdin_bytes) + 64 * 1024;
}

/* "200 OK": the status and its reason phrase from the one table. */
static const char *status_text(int status)
{
	const char *r = http_reason(status);

	return r ? r : "Unknown";
}

static void respond(FCGX_Request *req, int status, json_t *body, const char *extra_headers)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	FCGX_FPrintF(req->out, "Status: %d %s\r\nContent-Type: application/json\r\n"
		     "Cache-Control: no-store\r\n%s\r\n", status, status_text(status),
		     extra_headers ? extra_headers : "");
	if (text != NULL) {
		FCGX_PutStr(text, (int)strlen(text), req->out);
		FCGX_PutChar('\n', req->out);
	} else {
		FCGX_PutS("{\"error\":{\"code\":\"internal_error\",\"message\":\"The server ran out of memory.\"}}\n",
			  req->out);
	}
	free(text);
	json_decref(body);
}

static void respond_error(FCGX_Request *req, int rc, const char *msg, const char *extra_headers)
{
	json_t *body = json_pack("{s:{s:s, s:s}}", "error", "code", rc_name(rc), "message",
				 msg && msg[0] ? msg : rc_message(rc));

	respond(req, rc_http(rc), body, extra_headers);
}

static const char *param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v ? v : "";
}

/* Read the body, at most cap bytes. Returns 0, or RC_BODY_TOO_LARGE. */
static int read_body(FCGX_Request *req, size_t cap, struct buf *out)
{
	char chunk[16384];
	int n;

	buf_init(out, cap);
	while ((n = FCGX_GetStr(chunk, sizeof chunk, req->in)) > 0) {
		if (buf_add(out, chunk, (size_t)n) != 0)
			return RC_NOMEM;
		if (out->truncated)
			return RC_BODY_TOO_LARGE;
	}
	return 0;
}

static void new_run_id(char out[33])
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		memset(r, 0, sizeof r); /* getrandom cannot fail for 16 bytes once seeded */
	for (i = 0; i < sizeof r; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Program output as a JSON string: invalid UTF-8 replaced by U+FFFD. *binary tells
 * whether anything had to be replaced. */
static json_t *output_string(const struct buf *b, int *binary)
{
	struct buf clean;
	json_t *s;

	*binary = !utf8_valid(b->data, b->len);
	if (!*binary)
		return json_stringn(b->len ? (const char *)b->data : "", b->len);
	buf_init(&clean, 3 * b->len + 1);
	if (utf8_sanitize(&clean, b->data, b->len) != 0) {
		buf_release(&clean);
		return NULL;
	}
	s = json_stringn(clean.len ? (const char *)clean.data : "", clean.len);
	buf_release(&clean);
	return s;
}

static json_t *stage_json(const struct run_stage *st)
{
	int bin_out, bin_err;
	json_t *out = output_string(&st->out, &bin_out);
	json_t *err = output_string(&st->err, &bin_err);

	return json_pack("{s:o, s:o, s:i, s:i, s:s, s:I, s:I, s:I, s:I, s:I,"
			 " s:{s:b, s:b}, s:{s:b, s:b}}",
			 "stdout", out, "stderr", err,
			 "exitCode", st->exit_code, "signal", st->signal,
			 "reason", run_reason_name(st->reason),
			 "durationMs", (json_int_t)st->wall_ms, "cpuMs", (json_int_t)st->cpu_ms,
			 "memoryUsed", (json_int_t)st->mem_bytes,
			 "stdoutBytes", (json_int_t)st->out_bytes, "stderrBytes", (json_int_t)st->err_bytes,
			 "truncated", "stdout", st->out.truncated, "stderr", st->err.truncated,
			 "binary", "stdout", bin_out, "stderr", bin_err);
}

/* One sentence that tells the student what happened, or NULL for a clean run. */
static void status_message(const struct run_result *res, const struct limits *l, char *out, size_t cap)
{
	const struct run_stage *st = &res->run;
	char size[32];

	out[0] = '\0';
	if (res->compile.ran && !res->run.ran && res->status != STATUS_COMPILE_ERROR &&
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
	case STATUS_RUNTIME_ERROR:
		if (st->signal)
			(void)snprintf(out, cap, "Your program crashed: it was stopped by signal %d (%s).",
				       st->signal, strsignal(st->signal));
		else
			(void)snprintf(out, cap, "Your program ended with exit code %d; look at stderr "
				       "for the error.", st->exit_code);
		break;
	case STATUS_COMPILE_ERROR:
		(void)snprintf(out, cap, "Your code did not compile; the compiler's messages are "
			       "under stderr. Nothing was run.");
		break;
	case STATUS_TIMEOUT:
		(void)snprintf(out, cap, "Your program ran longer than the time limit (%ld.%ld s) and "
			       "was stopped. Look for a loop that never ends, or for input it waits "
			       "for that never comes.", l->wall_ms / 1000, l->wall_ms % 1000 / 100);
		break;
	case STATUS_MEMORY_LIMIT:
		(void)snprintf(out, cap, "Your program used more memory than the limit (%ld MB) and "
			       "was stopped.", l->memory_bytes >> 20);
		break;
	case STATUS_OUTPUT_LIMIT:
		req_fmt_size(size, sizeof size, (size_t)(st->out.truncated ? l->stdout_cap : l->stderr_cap));
		(void)snprintf(out, cap, "Your program printed more than %s to %s, so it was stopped "
			       "and the output was cut there.", size,
			       st->out.truncated ? "stdout" : "stderr");
		break;
	case STATUS_INTERNAL_ERROR:
		(void)snprintf(out, cap, "Something went wrong in the code runner, not in your "
			       "program. Run it again; if it keeps happening, tell your teacher.");
		break;
	}
}

static json_t *result_json(const struct run_result *res, const char *run_id, const char *lang,
			   const struct limits *l, const char *msg)
{
	/* A compile error's story is the compiler's output: show it as the output. */
	const struct run_stage *shown = res->status == STATUS_COMPILE_ERROR ||
					(res->compile.ran && !res->run.ran) ? &res->compile : &res->run;
	json_t *run = stage_json(&res->run), *top = stage_json(shown), *body;

	body = json_pack("{s:s, s:s, s:s, s:{s:O, s:O, s:i, s:i}, s:I, s:I, s:I,"
			 " s:O, s:{s:I, s:I, s:I, s:I}}",
			 "runId", run_id,
			 "status", run_status_name(res->status),
			 "language", lang,
			 "output", "stdout", json_object_get(top, "stdout"),
			 "stderr", json_object_get(top, "stderr"),
			 "exitCode", shown->exit_code, "signal", shown->signal,
			 "durationMs", (json_int_t)shown->wall_ms,
			 "cpuMs", (json_int_t)shown->cpu_ms,
			 "memoryUsed", (json_int_t)shown->mem_bytes,
			 "truncated", json_object_get(top, "truncated"),
			 "limits", "timeMs", (json_int_t)l->wall_ms,
			 "memoryBytes", (json_int_t)l->memory_bytes,
			 "stdoutBytes", (json_int_t)l->stdout_cap,
			 "stderrBytes", (json_int_t)l->stderr_cap);
	json_decref(top);
	if (body == NULL) {
		json_decref(run);
		return NULL;
	}
	if (msg[0])
		json_object_set_new(body, "message", json_string(msg));
	json_object_set_new(body, "totalMs", json_integer(res->total_ms));
	/* A stage that did not run (the run after a failed compile) is left out. */
	if (res->run.ran || !res->compile.ran)
		json_object_set_new(body, "stages", json_pack("{s:o}", "run", run));
	else
		json_object_set_new(body, "stages", (json_decref(run), json_object()));
	if (res->compile.ran)
		json_object_set_new(json_object_get(body, "stages"), "compile", stage_json(&res->compile));
	return body;
}

static int content_type_ok(const char *ct)
{
	size_t n = strlen("application/json");

	/* No Content-Type is accepted: simple clients often send none. */
	return ct[0] == '\0' ||
	       (strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';'));
}

/* What a request becomes for the core: files with their final names and the expanded
 * commands. Owns what it allocates. */
struct program {
	struct run_request rr;
	struct run_file files[REQ_MAX_FILES];
	const char *names[REQ_MAX_FILES];
	char entry_name[128];
	const char *compile_argv[LANG_ARGV_MAX + REQ_MAX_FILES + REQ_MAX_ARGS + 1];
	const char *run_argv[LANG_ARGV_MAX + REQ_MAX_FILES + REQ_MAX_ARGS + 1];
	char *compile_store, *run_store;
};

static void program_release(struct program *p)
{
	free(p->compile_store);
	free(p->run_store);
	p->compile_store = p->run_store = NULL;
}

static int build_request(struct app *a, const struct editor_req *er, const char *run_id,
			 struct program *p, struct err *e)
{
	const struct conf *c = a->conf;
	const struct lang *l = er->lang;
	size_t i, max = sizeof p->run_argv / sizeof p->run_argv[0];
	int rc;

	for (i = 0; i < er->nfiles; i++) {
		const struct req_file *f = &er->files[i];

		if (f->name == NULL) {
			/* A single "code": the language names its file (Java: its public class). */
			if (lang_entry_name(l, (const char *)f->content, f->len, p->entry_name,
					    sizeof p->entry_name) != 0)
				return err_set(e, RC_BAD_REQUEST, "The program's file name is too long.");
			p->names[i] = p->entry_name;
		} else {
			p->names[i] = f->name;
		}
		p->files[i] = (struct run_file){ p->names[i], f->content, f->len };
	}
	if (l->compile_argv[0] != NULL &&
	    (rc = lang_expand(l->compile_argv, p->names[er->entry], p->names, er->nfiles, l->sources,
			      er->args, er->nargs, p->compile_argv, max, &p->compile_store, e)) != 0)
		return rc;
	if ((rc = lang_expand(l->run_argv, p->names[er->entry], p->names, er->nfiles, l->sources,
			      er->args, er->nargs, p->run_argv, max, &p->run_store, e)) != 0)
		return rc;
	/* Limits and compile settings exactly as the warm pool's containers were made with. */
	pool_lang_request(c, l, &p->rr);
	p->rr.run_id = run_id;
	p->rr.files = p->files;
	p->rr.nfiles = er->nfiles;
	p->rr.stdin_data = (const unsigned char *)er->stdin_data;
	p->rr.stdin_len = er->stdin_len;
	p->rr.compile_argv = l->compile_argv[0] ? p->compile_argv : NULL;
	p->rr.run_argv = p->run_argv;
	return 0;
}

/* How long nginx's hand-over waited for a free process ($msec, "1700000000.123"). */
static long queued_ms(FCGX_Request *req, long long now_ms)
{
	const char *v = param(req, "RUNBOX_QUEUED_AT");
	char *end;
	long long s, ms = 0;

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

/* Refuse a run request: answer with rc and log it (one row). */
static void refuse(struct app *a, struct gate *gt, FCGX_Request *req, int rc, const char *msg,
		   const char *hdr)
{
	const char *text = msg && msg[0] ? msg : rc_message(rc);

	log_info("refused %s: %s", rc_name(rc), text);
	gate_refuse(gt, &a->gate, rc, text);
	respond_error(req, rc, text, hdr);
}

static void quota_refused(struct app *a, struct gate *gt, FCGX_Request *req,
			  const struct quota_refusal *qr, const struct err *e, const char *run_hdr)
{
	char hdr[160];

	(void)a;
	(void)gt;
	(void)snprintf(hdr, sizeof hdr, "%sRetry-After: %lld\r\n", run_hdr,
		       (qr->retry_after_ms + 999) / 1000);
	log_info("refused quota_exceeded: %s", e->msg);
	respond_error(req, RC_QUOTA, e->msg, hdr);
}

static void handle_run(struct app *a, FCGX_Request *req, struct run_result *res)
{
	const struct conf *c = a->conf;
	struct req_caps caps = { (size_t)c->max_code_bytes, (size_t)c->max_stdin_bytes };
	struct editor_req er = { 0 };
	struct run_request rr = { 0 };
	struct quota_refusal qr;
	struct program prog = { 0 };
	char pooled[DK_ID_MAX];
	struct buf body;
	struct gate gt;
	struct err e;
	char run_id[33], hdr[128], size[32], cap[32], msg[512];
	/* Set when nginx refused the request itself and hands it over only to be logged. */
	const char *refused = param(req, "RUNBOX_REFUSED");
	int rc;

	err_init(&e);
	buf_init(&body, 0);
	new_run_id(run_id);
	log_set_request(run_id);
	(void)snprintf(hdr, sizeof hdr, "X-Run-Id: %s\r\n", run_id);
	gate_init(&gt, &a->gate, req, run_id);
	gt.entry.face = "editor";
	gt.entry.queue_ms = queued_ms(req, gt.entry.received_ms);
	if (!refused[0] && strcmp(param(req, "REQUEST_METHOD"), "POST") != 0) {
		refuse(a, &gt, req, RC_METHOD, "Use POST to run code at /api/editor/run.",
		       "Allow: POST\r\n");
		goto out;
	}
	/* A request nginx refused is logged under whoever it can be told from; nginx may have
	 * lost the key with the rest of it, so an unknown identity does not change the answer. */
	if ((rc = gate_identify(&gt, &a->gate, req, &e)) != 0 &&
	    !(rc == RC_UNAUTHORIZED && refused[0])) {
		if (rc == RC_UNAUTHORIZED) {
			(void)snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr),
				       "WWW-Authenticate: Bearer realm=\"runbox\"\r\n");
			refuse(a, &gt, req, rc, e.msg, hdr);
		} else {
			log_warnx("%s", e.msg);
			respond_error(req, rc, NULL, hdr);
		}
		goto out;
	}
	if (strcmp(refused, "body_too_large") == 0) {
		/* nginx refused the body as too large and sent us the request without it. */
		req_fmt_size(size, sizeof size, api_body_max(c));
		(void)snprintf(e.msg, sizeof e.msg, "The request is larger than the server accepts "
			       "(%s). Make your code shorter.", size);
		refuse(a, &gt, req, RC_BODY_TOO_LARGE, e.msg, hdr);
		goto out;
	}
	if (strcmp(refused, "bad_http") == 0) {
		/* nginx could not parse the request (headers too large, conflicting lengths...). */
		refuse(a, &gt, req, RC_BAD_REQUEST, "This is not a request the server can read "
		       "(a malformed address, headers that are too large, or conflicting body "
		       "lengths). Check the client that sent it.", hdr);
		goto out;
	}
	if (refused[0]) {
		/* nginx gave up on the body (it stalled past client_body_timeout, or the client
		 * closed the connection while sending it) and tells us afterwards, so the
		 * request still has its row. Nobody reads this answer. */
		refuse(a, &gt, req, RC_BODY_INCOMPLETE, NULL, hdr);
		goto out;
	}
	if (gt.entry.queue_ms > c->queue_wait_ms) {
		/* Every FastCGI process was busy for longer than the admin allows a wait. */
		(void)snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "Retry-After: 5\r\n");
		refuse(a, &gt, req, RC_BUSY, NULL, hdr);
		goto out;
	}
	if (!content_type_ok(param(req, "CONTENT_TYPE"))) {
		refuse(a, &gt, req, RC_UNSUPPORTED_MEDIA, NULL, hdr);
		goto out;
	}
	if ((rc = read_body(req, api_body_max(c), &body)) != 0) {
		refuse(a, &gt, req, rc, rc == RC_BODY_TOO_LARGE
		       ? "The request is larger than the server accepts. Make your code shorter."
		       : NULL, hdr);
		goto out;
	}
	rc = editor_req_parse(&er, (const char *)body.data, body.len, &caps, &e);
	gt.entry.language = er.language;
	if (er.code) {
		gt.entry.code = er.code;
		gt.entry.code_len = er.code_len;
	} else if (er.nfiles > 0 && !er.files[er.entry].binary) {
		/* A multi-file program is logged by its entry file (the hash and size too). */
		gt.entry.code = (const char *)er.files[er.entry].content;
		gt.entry.code_len = er.files[er.entry].len;
	}
	gt.entry.stdin_len = er.stdin_len;
	if (rc != 0) {
		refuse(a, &gt, req, rc, e.msg, hdr);
		goto out;
	}
	if (er.total_len > (size_t)gt.quota.max_code_bytes) {
		req_fmt_size(size, sizeof size, er.total_len);
		req_fmt_size(cap, sizeof cap, (size_t)gt.quota.max_code_bytes);
		(void)snprintf(e.msg, sizeof e.msg, "Your code is %s; you may send at most %s. "
			       "Make it shorter.", size, cap);
		refuse(a, &gt, req, RC_TOO_LARGE, e.msg, hdr);
		goto out;
	}
	if ((rc = build_request(a, &er, run_id, &prog, &e)) != 0) {
		refuse(a, &gt, req, rc, e.msg, hdr);
		goto out;
	}
	rr = prog.rr;
	rr.cancel_fd = req->ipcFd;
	if ((rc = gate_begin(&gt, &a->gate, &qr, &e)) != 0) {
		if (rc == RC_QUOTA)
			quota_refused(a, &gt, req, &qr, &e, hdr);
		else
			respond_error(req, rc, NULL, hdr);
		goto out;
	}
	/* A warm container if one is idle; otherwise (or if it died meanwhile) a new one. */
	if (c->pool_size > 0 && gate_store(&a->gate, &e) != NULL &&
	    store_pool_claim(a->gate.store, c->instance, er.lang->id, (long)getpid(), pooled,
			     sizeof pooled, &e) == 0)
		rr.container = pooled;
	rc = run_exec(a->runner, &rr, res, &e);
	/* Retry only a warm container that failed before it got the job (it died while
	 * waiting): once the job was sent, the program may have run, and a failure such as
	 * the client hanging up must not run it again. */
	if (rc != 0 && rr.container != NULL && !res->job_sent) {
		log_warnx("warm container %.12s failed (%s); using a new one", pooled, e.msg);
		api_after(a, res);
		run_result_init(res, &c->limits);
		rr.container = NULL;
		rc = run_exec(a->runner, &rr, res, &e);
	}
	if (rc != 0) {
		log_warnx("run failed: %s: %s", rc_name(rc), e.msg);
		gate_finish(&gt, &a->gate, rc, e.msg, NULL);
		respond_error(req, rc, NULL, hdr);
		goto out;
	}
	log_info("%s %s exit=%d %ldms", er.language, run_status_name(res->status),
		 res->run.exit_code, res->total_ms);
	status_message(res, &rr.limits, msg, sizeof msg);
	gate_finish(&gt, &a->gate, 0, msg, res);
	respond(req, 200, result_json(res, run_id, er.language, &rr.limits, msg), hdr);
out:
	program_release(&prog);
	buf_release(&body);
	editor_req_release(&er);
}

/* GET /api/runs/{id}: a logged run, to the user who ran it. */
static void handle_run_get(struct app *a, FCGX_Request *req, const char *id)
{
	struct gate gt;
	struct store *s;
	json_t *run = NULL;
	struct err e;
	int rc;

	err_init(&e);
	gate_init(&gt, &a->gate, req, "");
	if ((rc = gate_identify(&gt, &a->gate, req, &e)) != 0) {
		respond_error(req, rc, rc == RC_UNAUTHORIZED ? e.msg : NULL,
			      rc == RC_UNAUTHORIZED ? "WWW-Authenticate: Bearer realm=\"runbox\"\r\n" : NULL);
		return;
	}
	if ((s = gate_store(&a->gate, &e)) == NULL) {
		respond_error(req, RC_STORE, NULL, NULL);
		return;
	}
	rc = store_run_get(s, id, gt.user.id, &run, &e);
	if (rc == RC_NOT_FOUND) {
		respond_error(req, rc, "There is no run with this id among your runs.", NULL);
		return;
	}
	if (rc != 0) {
		if (rc == RC_STORE)
			gate_store_failed(&a->gate);
		respond_error(req, rc, NULL, NULL);
		return;
	}
	respond(req, 200, run, NULL);
}

static void handle_health(struct app *a, FCGX_Request *req)
{
	char version[64] = "";
	json_t *langs = json_array(), *img;
	struct err e;
	size_t i;
	int ok, rc;

	err_init(&e);
	rc = dk_version(runner_docker(a->runner), version, sizeof version, &e);
	ok = rc == 0;
	for (i = 0; i < lang_count(); i++) {
		const struct lang *l = lang_at(i);
		int present = 0;

		if (rc == 0) {
			present = dk_image_inspect(runner_docker(a->runner), runner_image(a->runner, l),
						   &img, NULL) == 0;
			json_decref(img);
		}
		ok = ok && present;
		json_array_append_new(langs, json_pack("{s:s, s:s, s:b, s:{s:i, s:i, s:i}}", "id", l->id,
						       "image", runner_image(a->runner, l),
						       "imagePresent", present, "pool", "size",
						       a->conf->pool_size, "idle", 0, "busy", 0));
	}
	{
		/* The warm pool's state per language, from the table the master keeps. */
		struct store *st = gate_store(&a->gate, &e);
		json_t *rows = NULL, *row, *lj;
		size_t j;

		if (st != NULL && store_pool_list(st, a->conf->instance, &rows, &e) == 0) {
			json_array_foreach(rows, j, row) {
				json_array_foreach(langs, i, lj) {
					const char *id = json_string_value(json_object_get(lj, "id"));
					const char *state = json_string_value(json_object_get(row, "state"));
					json_t *pool = json_object_get(lj, "pool"), *n;

					if (strcmp(id, json_string_value(json_object_get(row, "language")) ?: "") != 0)
						continue;
					n = json_object_get(pool, strcmp(state ?: "", "idle") == 0 ? "idle" : "busy");
					json_integer_set(n, json_integer_value(n) + 1);
				}
			}
			json_decref(rows);
		}
	}
	{
		struct store *st = gate_store(&a->gate, &e);
		int db = st ? store_check_writable(st, &e) : RC_STORE;

		if (db == RC_STORE)
			gate_store_failed(&a->gate);
		ok = ok && db == 0;
		respond(req, ok ? 200 : 503,
			json_pack("{s:s, s:s, s:{s:b, s:s*, s:s*}, s:{s:b, s:s*}, s:o}",
				  "status", ok ? "ok" : "unavailable", "fastcgi", "up",
				  "docker", "reachable", rc == 0, "version", rc == 0 ? version : NULL,
				  "error", rc == 0 ? NULL : rc_message(rc),
				  "database", "writable", db == 0, "error", db == 0 ? NULL : e.msg,
				  "languages", langs),
			NULL);
	}
}

static void handle_languages(struct app *a, FCGX_Request *req)
{
	json_t *list = json_array(), *img = NULL;
	size_t i;

	for (i = 0; i < lang_count(); i++) {
		const struct lang *l = lang_at(i);
		const char *version = NULL;

		char key[64];
		json_t *labels;

		img = NULL;
		if (dk_image_inspect(runner_docker(a->runner), runner_image(a->runner, l), &img, NULL) == 0) {
			/* An image serving several languages (gcc: C and C++) labels each one. */
			labels = json_object_get(json_object_get(img, "Config"), "Labels");
			(void)snprintf(key, sizeof key, "runbox.version.%s", l->id);
			version = json_string_value(json_object_get(labels, key));
			if (version == NULL)
				version = json_string_value(json_object_get(labels, "runbox.version"));
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:s*, s:b}", "id", l->id, "name",
						      l->name, "version", version, "available", img != NULL));
		json_decref(img);
	}
	respond(req, 200, json_pack("{s:o}", "languages", list), NULL);
}

/* Prometheus text format, built from the run log and the pool table. */
static void handle_metrics(struct app *a, FCGX_Request *req)
{
	static const char *const le[] = { "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30" };
	static const char *const col[] = { "le_50", "le_100", "le_250", "le_500", "le_1000",
					   "le_2500", "le_5000", "le_10000", "le_30000" };
	struct store *s;
	json_t *m = NULL, *row;
	struct err e;
	size_t i, k;

	err_init(&e);
	if ((s = gate_store(&a->gate, &e)) == NULL || store_metrics(s, a->conf->instance, &m, &e) != 0) {
		if (s != NULL && e.rc == RC_STORE)
			gate_store_failed(&a->gate);
		respond_error(req, e.rc ? e.rc : RC_STORE, NULL, NULL);
		return;
	}
	FCGX_FPrintF(req->out, "Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		     "Cache-Control: no-store\r\n\r\n");
	FCGX_FPrintF(req->out, "# HELP execution_duration_seconds How long programs ran, by language and status.\n"
		     "# TYPE execution_duration_seconds histogram\n");
	json_array_foreach(json_object_get(m, "runs"), i, row) {
		const char *lang = json_string_value(json_object_get(row, "language"));
		const char *st = json_string_value(json_object_get(row, "status"));

		for (k = 0; k < sizeof le / sizeof le[0]; k++)
			FCGX_FPrintF(req->out, "execution_duration_seconds_bucket{language=\"%s\",status=\"%s\",le=\"%s\"} %lld\n",
				     lang, st, le[k], (long long)json_integer_value(json_object_get(row, col[k])));
		FCGX_FPrintF(req->out, "execution_duration_seconds_bucket{language=\"%s\",status=\"%s\",le=\"+Inf\"} %lld\n"
			     "execution_duration_seconds_sum{language=\"%s\",status=\"%s\"} %.3f\n"
			     "execution_duration_seconds_count{language=\"%s\",status=\"%s\"} %lld\n",
			     lang, st, (long long)json_integer_value(json_object_get(row, "count")),
			     lang, st, json_integer_value(json_object_get(row, "sum_ms")) / 1000.0,
			     lang, st, (long long)json_integer_value(json_object_get(row, "count")));
	}
	FCGX_FPrintF(req->out, "# HELP runs_total Runs by status.\n# TYPE runs_total counter\n");
	json_array_foreach(json_object_get(m, "runs"), i, row)
		FCGX_FPrintF(req->out, "runs_total{language=\"%s\",status=\"%s\"} %lld\n",
			     json_string_value(json_object_get(row, "language")),
			     json_string_value(json_object_get(row, "status")),
			     (long long)json_integer_value(json_object_get(row, "count")));
	FCGX_FPrintF(req->out, "# HELP refusals_total Requests refused or failed, by error code (quota_exceeded, runner_busy, docker_error...).\n"
		     "# TYPE refusals_total counter\n");
	json_array_foreach(json_object_get(m, "refusals"), i, row)
		FCGX_FPrintF(req->out, "refusals_total{code=\"%s\"} %lld\n",
			     json_string_value(json_object_get(row, "code")),
			     (long long)json_integer_value(json_object_get(row, "count")));
	FCGX_FPrintF(req->out, "# HELP pool_containers Warm containers by language and state (idle, busy).\n"
		     "# TYPE pool_containers gauge\n");
	for (k = 0; k < lang_count(); k++) {
		long long idle = 0, busy = 0;

		json_array_foreach(json_object_get(m, "pool"), i, row) {
			if (strcmp(json_string_value(json_object_get(row, "language")) ?: "", lang_at(k)->id) != 0)
				continue;
			if (strcmp(json_string_value(json_object_get(row, "state")) ?: "", "idle") == 0)
				idle = json_integer_value(json_object_get(row, "count"));
			else
				busy = json_integer_value(json_object_get(row, "count"));
		}
		FCGX_FPrintF(req->out, "pool_containers{language=\"%s\",state=\"idle\"} %lld\n"
			     "pool_containers{language=\"%s\",state=\"busy\"} %lld\n",
			     lang_at(k)->id, idle, lang_at(k)->id, busy);
	}
	FCGX_FPrintF(req->out, "# HELP containers_created_total Containers runbox created (warm pool and per run).\n"
		     "# TYPE containers_created_total counter\ncontainers_created_total %lld\n"
		     "# HELP containers_removed_total Containers runbox removed.\n"
		     "# TYPE containers_removed_total counter\ncontainers_removed_total %lld\n",
		     (long long)json_integer_value(json_object_get(json_object_get(m, "counters"), "containers_created")),
		     (long long)json_integer_value(json_object_get(json_object_get(m, "counters"), "containers_removed")));
	row = json_object_get(m, "queue");
	FCGX_FPrintF(req->out, "# HELP queue_wait_seconds Time requests waited for a free runner process.\n"
		     "# TYPE queue_wait_seconds summary\n"
		     "queue_wait_seconds_sum %.3f\nqueue_wait_seconds_count %lld\n",
		     json_integer_value(json_object_get(row, "wait_ms")) / 1000.0,
		     (long long)json_integer_value(json_object_get(row, "waited")));
	json_decref(m);
}

/* The routes, in one table. A route with no methods checks the method itself (the run
 * endpoint logs a wrong method as a refused request); the others answer 405 with allow. */
#define M_GET 1u  /* GET and HEAD */
#define M_POST 2u
struct route {
	const char *path;   /* exact path, or with prefix set the part before an id */
	bool prefix;        /* path + one non-empty segment without '/' */
	unsigned methods;   /* 0: the handler checks */
	const char *wrong_method;
	void (*handle)(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail);
};

static void route_run(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)tail;
	handle_run(a, req, res);
}

static void route_run_get(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res;
	handle_run_get(a, req, tail);
}

static void route_metrics(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_metrics(a, req);
}

static void route_health(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_health(a, req);
}

static void route_languages(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_languages(a, req);
}

static const struct route routes[] = {
	{ "/api/editor/run", false, 0, NULL, route_run },
	{ "/api/runs/", true, M_GET, "Use GET to read a run.", route_run_get },
	{ "/metrics", false, M_GET, "Use GET for /metrics.", route_metrics },
	{ "/api/health", false, M_GET, "Use GET for /api/health.", route_health },
	{ "/api/languages", false, M_GET, "Use GET for /api/languages.", route_languages },
};

/* The route for uri, with *tail the id after a prefix route; NULL if none. */
static const struct route *route_find(const char *uri, const char **tail)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);

		if (!r->prefix && strcmp(uri, r->path) == 0) {
			*tail = "";
			return r;
		}
		if (r->prefix && strncmp(uri, r->path, n) == 0 && uri[n] && !strchr(uri + n, '/')) {
			*tail = uri + n;
			return r;
		}
	}
	return NULL;
}

void api_handle(struct app *a, FCGX_Request *req, struct run_result *res)
{
	const char *uri = param(req, "DOCUMENT_URI"), *method = param(req, "REQUEST_METHOD");
	unsigned m = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? M_GET
		     : strcmp(method, "POST") == 0 ? M_POST : 0;
	const struct route *r;
	const char *tail = "";

	run_result_init(res, &a->conf->limits);
	/* A run request nginx could not parse arrives under the address of the location that
	 * hands it over (nginx checked that the client's address was this one). */
	if (strcmp(param(req, "RUNBOX_REFUSED"), "bad_http") == 0)
		r = &routes[0];
	else
		r = route_find(uri, &tail);
	if (r == NULL)
		respond_error(req, RC_NOT_FOUND, "There is nothing at this address. The API has "
			      "POST /api/editor/run, GET /api/runs/{id}, GET /api/health and GET /api/languages.", NULL);
	else if (r->methods != 0 && (r->methods & m) == 0)
		respond_error(req, RC_METHOD, r->wrong_method, "Allow: GET, HEAD\r\n");
	else
		r->handle(a, req, res, tail);
	log_set_request(NULL);
}

void api_after(struct app *a, struct run_result *res)
{
	struct err e;
	char id[DK_ID_MAX];
	int pooled = res->pooled;

	/* The container first, then its pool row: while the row exists the master's
	 * reconcile knows the container is owned and leaves it alone. */
	(void)snprintf(id, sizeof id, "%s", res->container);
	run_dispose(a->runner, res);
	if (id[0] && a->gate.store != NULL &&
	    ((pooled && store_pool_remove(a->gate.store, id, &e) != 0) ||
	     (!pooled && store_counter_add(a->gate.store, "containers_created", 1, &e) != 0) ||
	     store_counter_add(a->gate.store, "containers_removed", 1, &e) != 0))
		gate_store_failed(&a->gate);
	run_result_release(res);
}
