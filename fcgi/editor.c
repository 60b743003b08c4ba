/*
 * editor: the editor API's face, POST /api/editor/run. It turns the request (req.h) into a
 * program for the pipeline and the result into the editor's JSON; everything between is the
 * pipeline's.
 */
#define _GNU_SOURCE
#include "editor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"
#include "pipeline.h"
#include "req.h"

json_t *editor_stage_json(const struct run_stage *st)
{
	bool bin_out, bin_err;
	json_t *out = utf8_json(st->out.data, st->out.len, &bin_out);
	json_t *err = utf8_json(st->err.data, st->err.len, &bin_err);

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

static json_t *result_json(const struct run_result *res, const char *run_id, const char *lang,
			   const struct limits *l, const char *msg)
{
	/* A compile error's story is the compiler's output: show it as the output. */
	const struct run_stage *shown = res->status == STATUS_COMPILE_ERROR ||
					(res->compile.ran && !res->run.ran) ? &res->compile : &res->run;
	json_t *run = editor_stage_json(&res->run), *top = editor_stage_json(shown), *body;

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
		json_object_set_new(json_object_get(body, "stages"), "compile", editor_stage_json(&res->compile));
	return body;
}

static int content_type_ok(const char *ct)
{
	size_t n = strlen("application/json");

	/* No Content-Type is accepted: simple clients often send none. */
	return ct[0] == '\0' ||
	       (strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';'));
}

int editor_body(struct pipe *p, struct buf *body, struct err *e)
{
	const struct conf *c = p->app->conf;
	int rc;

	if (!content_type_ok(http_param(p->req, "CONTENT_TYPE")))
		return err_set(e, RC_UNSUPPORTED_MEDIA, "%s", rc_message(RC_UNSUPPORTED_MEDIA));
	if ((rc = http_read_body(p->req, api_body_max(c), body)) != 0)
		return err_set(e, rc, "%s", rc == RC_BODY_TOO_LARGE
			       ? "The request is larger than the server accepts. Make your code shorter."
			       : rc_message(rc));
	return 0;
}

struct req_caps editor_caps(const struct pipe *p)
{
	const struct conf *c = p->app->conf;

	return (struct req_caps){ (size_t)c->max_code_bytes, (size_t)c->max_stdin_bytes };
}

void editor_describe(struct pipe *p, const struct editor_req *er)
{
	if (er->code)
		pipe_describe(p, er->language, er->code, er->code_len, er->stdin_len);
	else if (er->nfiles > 0 && !er->files[er->entry].binary)
		/* A multi-file program is logged by its entry file (the hash and size too). */
		pipe_describe(p, er->language, (const char *)er->files[er->entry].content,
			      er->files[er->entry].len, er->stdin_len);
	else
		pipe_describe(p, er->language, NULL, 0, er->stdin_len);
}

void editor_spec(const struct editor_req *er, struct program_spec *spec)
{
	*spec = (struct program_spec){ .lang = er->lang, .files = er->files,
				       .nfiles = er->nfiles, .entry = er->entry, .args = er->args,
				       .nargs = er->nargs, .stdin_data = er->stdin_data,
				       .stdin_len = er->stdin_len, .total_len = er->total_len };
}

void editor_serve(struct app *a, FCGX_Request *req, struct run_result *res,
		  const struct editor_face *f, void *ctx)
{
	struct quota_refusal qr;
	struct program *prog;
	struct buf body;
	struct pipe p;
	struct err e;
	char hdr[192];
	int rc;

	err_init(&e);
	buf_init(&body, 0);
	pipe_start(&p, a, req, f->face);
	(void)snprintf(hdr, sizeof hdr, "X-Run-Id: %s\r\n", p.run_id);
	if ((prog = calloc(1, sizeof *prog)) == NULL) {
		http_error(req, RC_NOMEM, NULL, hdr);
		return;
	}
	if ((rc = pipe_enter(&p, f->wrong_method, &e)) != 0) {
		if (p.unlogged) {
			http_error(req, rc, NULL, hdr);
			goto out;
		}
		(void)snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "%s",
			       rc == RC_METHOD ? "Allow: POST\r\n"
			       : rc == RC_UNAUTHORIZED ? "WWW-Authenticate: Bearer realm=\"runbox\"\r\n"
			       : rc == RC_BUSY ? "Retry-After: 5\r\n" : "");
		goto refuse;
	}
	if ((rc = editor_body(&p, &body, &e)) != 0 ||
	    (rc = f->prepare(ctx, &p, &body, prog, &e)) != 0)
		goto refuse;
	rc = pipe_run(&p, prog, res, &qr, &e);
	if (rc == RC_QUOTA) {
		(void)snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "Retry-After: %lld\r\n",
			       (qr.retry_after_ms + 999) / 1000);
		http_error(req, rc, e.msg, hdr);
	} else if (rc != 0) {
		http_error(req, rc, NULL, hdr);
	} else {
		http_respond(req, 200, f->render(ctx, &p, res, prog), hdr);
	}
	goto out;
refuse:
	pipe_refuse(&p, rc, e.msg);
	http_error(req, rc, e.msg, hdr);
out:
	program_release(prog);
	free(prog);
	buf_release(&body);
}

/* ---- the editor's run face ---------------------------------------------------------------- */

struct editor_run {
	struct editor_req er;
};

static int run_prepare(void *ctx, struct pipe *p, const struct buf *body, struct program *prog,
		       struct err *e)
{
	struct editor_run *r = ctx;
	struct req_caps caps = editor_caps(p);
	struct program_spec spec;
	int rc;

	rc = editor_req_parse(&r->er, (const char *)body->data, body->len, &caps, e);
	editor_describe(p, &r->er);
	if (rc != 0)
		return rc;
	editor_spec(&r->er, &spec);
	return pipe_program(p, &spec, prog, e);
}

static json_t *run_render(void *ctx, struct pipe *p, const struct run_result *res,
			  const struct program *prog)
{
	struct editor_run *r = ctx;

	return result_json(res, p->run_id, r->er.language, &prog->rr.limits, p->message);
}

static const struct face editor_face = { "editor", NULL, NULL };
static const struct editor_face run_face = {
	&editor_face, "Use POST to run code at /api/editor/run.", run_prepare, run_render,
};

void editor_run(struct app *a, FCGX_Request *req, struct run_result *res)
{
	struct editor_run r;

	memset(&r, 0, sizeof r);
	editor_serve(a, req, res, &run_face, &r);
	editor_req_release(&r.er);
}
