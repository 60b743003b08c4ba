/*
 * jobe: the Jobe REST API's face, under /jobe/index.php/restapi/ (what Moodle's CodeRunner
 * and Runestone send). GET languages, POST runs, PUT and HEAD files/{id}. A run goes through
 * the one pipeline (pipeline.h) like the editor's; this file only turns Jobe's run_spec into
 * a program and the result into Jobe's answer (jobe_req.h).
 *
 * Bodies are JSON, errors a JSON string with Jobe's sentence. HTTP codes as CodeRunner reads
 * them: 200 for every run whatever its outcome (21 when runbox is overloaded), 400 for a
 * bad run_spec, 401 over quota, 403 without a valid key when keys are required, 404 for a
 * file the client must upload first.
 */
#define _GNU_SOURCE
#include "jobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jobe_req.h"
#include "log.h"
#include "text.h"
#include "pipeline.h"

#define KEY_PARAM "HTTP_X_API_KEY"
/* A program that is only this asks for outcome 21, as Jobe answers it for its test script. */
#define JOBE_OVERLOAD_TEST "!** TESTING OVERLOAD EXCEPTION **!"

static int jobe_http(int rc)
{
	switch (rc) {
	case RC_UNAUTHORIZED:
		return 403;
	case RC_QUOTA:
		return 401;
	case RC_BUSY:
		return 200; /* outcome 21 */
	case RC_NOT_FOUND:
		return 404;
	case RC_BAD_JSON:
	case RC_BAD_REQUEST:
	case RC_BAD_UTF8:
	case RC_TOO_LARGE:
	case RC_UNKNOWN_LANG:
		return 400;
	case RC_BODY_TOO_LARGE:
	case RC_BODY_INCOMPLETE:
	case RC_METHOD:
		return rc_http(rc);
	default:
		return 500;
	}
}

static const struct face jobe_face = { "jobe", KEY_PARAM, jobe_http };

/* An error as Jobe answers it: a JSON string. Server faults are "Server exception (...)". */
static void jobe_error(FCGX_Request *req, int rc, const char *msg)
{
	char text[640];
	int status = jobe_http(rc);

	if (status >= 500)
		(void)snprintf(text, sizeof text, "Server exception (%s)", msg && msg[0] ? msg : rc_message(rc));
	else
		(void)snprintf(text, sizeof text, "%s", msg && msg[0] ? msg : rc_message(rc));
	http_respond(req, status, json_string(text), NULL);
}

/* ---- GET languages ---------------------------------------------------------------------- */

static void jobe_languages(struct app *a, FCGX_Request *req)
{
	json_t *list = json_array();
	struct rpc_info info;
	struct jobe_lang jl;
	char version[64];

	api_runner_info(a, &info); /* once for all of them */
	for (size_t i = 0; i < lang_count(); i++) {
		if (pipe_lang_version(&info, lang_at(i), version, sizeof version) != 0)
			continue; /* not installed: Jobe lists only what it can run */
		jobe_lang_of(lang_at(i), &jl);
		json_array_append_new(list, json_pack("[s, s]", jl.id, version[0] ? version : "Unknown"));
	}
	http_respond(req, 200, list, NULL);
}

/* ---- PUT and HEAD files/{id} ------------------------------------------------------------- */

/* Who is asking, for the file cache (each user has its own files). 0, or answered. */
static int file_user(struct app *a, FCGX_Request *req, long long *user_id, struct store **s)
{
	struct gate gt;
	struct err e;
	int rc;

	err_init(&e);
	gate_init(&gt, &a->gate, req, "");
	if ((rc = gate_identify(&gt, &a->gate, req, KEY_PARAM, &e)) != 0 ||
	    (*s = gate_store(&a->gate, &e)) == NULL) {
		jobe_error(req, rc ? rc : RC_STORE, rc == RC_UNAUTHORIZED ? e.msg : NULL);
		return -1;
	}
	*user_id = gt.user.id;
	return 0;
}

/* file_contents: base64, which Jobe decodes skipping whitespace. */
static int decode_contents(json_t *v, unsigned char **out, size_t *len, char *why, size_t cap)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), k = 0;
	char *clean = malloc(n + 1);
	int rc = -1;

	*out = NULL;
	if (clean == NULL) {
		(void)snprintf(why, cap, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			clean[k++] = s[i];
	if (req_b64_check(clean, k, len, why, cap) == 0) {
		if ((*out = malloc(*len + 1)) != NULL) {
			req_b64_decode(clean, k, *out);
			rc = 0;
		} else {
			(void)snprintf(why, cap, "out of memory");
		}
	}
	free(clean);
	return rc;
}

static void jobe_file_put(struct app *a, FCGX_Request *req, const char *id)
{
	const struct conf *c = a->conf;
	unsigned char *data = NULL;
	long long user_id;
	struct store *s;
	json_t *doc = NULL, *v;
	struct buf body;
	char why[96], msg[400], size[32];
	struct err e;
	size_t len = 0;
	int rc;

	err_init(&e);
	buf_init(&body, 0);
	if (file_user(a, req, &user_id, &s) != 0)
		goto out;
	if (http_param(req, "RUNBOX_REFUSED")[0] ||
	    (rc = http_read_body(req, (size_t)c->file_max_bytes / 3 * 4 + 64 * 1024, &body)) != 0) {
		text_size(size, sizeof size, (size_t)c->file_max_bytes);
		(void)snprintf(msg, sizeof msg, "put: file %s is larger than this server accepts (%s)",
			       id, size);
		jobe_error(req, RC_BODY_TOO_LARGE, msg);
		goto out;
	}
	doc = body.len ? json_loadb((const char *)body.data, body.len, 0, NULL) : NULL;
	v = json_object_get(doc, "file_contents");
	if (!json_is_string(v)) {
		jobe_error(req, RC_BAD_REQUEST, "put: missing file_contents parameter");
		goto out;
	}
	if (decode_contents(v, &data, &len, why, sizeof why) != 0) {
		(void)snprintf(msg, sizeof msg, "put: contents of file %s are not valid base-64 (%s)",
			       id, why);
		jobe_error(req, RC_BAD_REQUEST, msg);
		goto out;
	}
	if (len > (size_t)c->file_max_bytes) {
		text_size(size, sizeof size, (size_t)c->file_max_bytes);
		(void)snprintf(msg, sizeof msg, "put: file %s is larger than this server accepts (%s)",
			       id, size);
		jobe_error(req, RC_BAD_REQUEST, msg);
		goto out;
	}
	if ((rc = store_file_put(s, user_id, id, data, len, c->file_cache_bytes, &e)) != 0) {
		if (rc == RC_STORE)
			gate_store_failed(&a->gate);
		(void)snprintf(msg, sizeof msg, "put: failed to write file %s to cache", id);
		jobe_error(req, rc, msg);
		goto out;
	}
	log_info("jobe: stored file %s (%zu bytes) for user %lld", id, len, user_id);
	http_empty(req, 204, NULL);
out:
	free(data);
	json_decref(doc);
	buf_release(&body);
}

static void jobe_file_head(struct app *a, FCGX_Request *req, const char *id)
{
	long long user_id;
	struct store *s;
	struct err e;
	int rc;

	err_init(&e);
	if (file_user(a, req, &user_id, &s) != 0)
		return;
	rc = store_file_get(s, user_id, id, NULL, NULL, &e);
	if (rc == RC_STORE)
		gate_store_failed(&a->gate);
	if (rc == 0 || rc == RC_NOT_FOUND)
		http_empty(req, rc == 0 ? 204 : 404, NULL);
	else
		jobe_error(req, rc, NULL);
}

/* ---- POST runs -------------------------------------------------------------------------- */

/* What a run_spec becomes: the program's files and words, owned here. */
struct jobe_program {
	struct req_file files[REQ_MAX_FILES];
	unsigned char *data[JOBE_MAX_FILES];
	struct shwords defaults[2];           /* compileargs, interpreterargs */
	struct lang_list lists[3];
	const char *compile[LANG_ARGV_MAX + 4], *run[LANG_ARGV_MAX + 4];
};

static void jobe_program_release(struct jobe_program *jp)
{
	for (size_t i = 0; i < JOBE_MAX_FILES; i++)
		free(jp->data[i]);
	shwords_release(&jp->defaults[0]);
	shwords_release(&jp->defaults[1]);
}

/* The registry's command with Jobe's lists: {compileargs} before the first source word
 * and {linkargs} at the end of a compile; {interpreterargs} after the run's argv[0]. */
static void derive(const char *const *tmpl, bool compile, bool interp, const char **out, size_t cap)
{
	size_t i, n = 0;
	bool placed = !compile;

	for (i = 0; tmpl[i] != NULL && n + 3 < cap; i++) {
		if (!placed && (strcmp(tmpl[i], "{sources}") == 0 || strstr(tmpl[i], "{entry}"))) {
			out[n++] = "{compileargs}";
			placed = true;
		}
		out[n++] = tmpl[i];
		if (i == 0 && !compile && interp)
			out[n++] = "{interpreterargs}";
	}
	if (compile)
		out[n++] = "{linkargs}";
	out[n] = NULL;
}

/* A list: the request's words, or Jobe's default for the language. */
static struct lang_list words(const char *name, const struct shwords *given, bool has,
			      const char *dflt, struct shwords *store)
{
	struct err e;

	if (has)
		return (struct lang_list){ name, (const char *const *)given->w, given->n };
	if (dflt != NULL && shwords_split(dflt, strlen(dflt), REQ_MAX_ARGS, store, &e) == 0)
		return (struct lang_list){ name, (const char *const *)store->w, store->n };
	return (struct lang_list){ name, NULL, 0 };
}

/* Jobe's parameters over Jobe's defaults, within the admin's maxima. 0, or a refusal. */
static int jobe_limits(struct pipe *p, const struct jobe_req *jr, struct program_spec *spec,
		       struct err *e)
{
	struct run_request max;
	double cpu_s = jr->cputime > 0 ? jr->cputime : JOBE_CPUTIME_S;
	double mem_mb = jr->memorylimit < 0 ? JOBE_MEMORY_MB : jr->memorylimit;
	struct program_limits *pl = &spec->limits;

	pipe_maxima(p->app, jr->jl.lang, &max);
	if (jr->cputime > 0 && jr->cputime * 1000 > (double)max.limits.cpu_ms)
		return err_set(e, RC_BAD_REQUEST, "cputime exceeds maximum allowed on this Jobe "
			       "server (%ld secs)", max.limits.cpu_ms / 1000);
	pl->cpu_ms = (long)(cpu_s * 1000);
	pl->wall_ms = 2 * pl->cpu_ms; /* Jobe's wall limit; lowered to the admin's by the pipeline */
	/* An address-space limit, so that malloc of too much returns NULL as under Jobe: the
	 * request's, or Jobe's default, never above the program's own memory limit (0 and
	 * huge values are that maximum). */
	if (jr->jl.as_limit)
		pl->as_bytes = mem_mb > 0 && mem_mb * 1048576.0 < (double)max.limits.memory_bytes
			       ? (long)(mem_mb * 1048576.0) : max.limits.memory_bytes;
	if (!jr->jl.own_numprocs)
		pl->pids = (jr->numprocs > 0 ? jr->numprocs : JOBE_NUMPROCS) + 1; /* + the agent */
	pl->stdout_cap = pl->stderr_cap = (jr->streamsize > 0 ? jr->streamsize : JOBE_STREAM_MB) << 20;
	pl->fsize_bytes = (jr->disklimit > 0 ? jr->disklimit : JOBE_DISK_MB) << 20;
	return 0;
}

/* The files of file_list, from the user's cache: 0, RC_NOT_FOUND (Jobe's 404, after which
 * CodeRunner uploads them and asks again), or another error. */
static int jobe_files(struct pipe *p, const struct jobe_req *jr, struct jobe_program *jp,
		      struct err *e)
{
	struct store *s = gate_store(&p->app->gate, e);
	size_t total = jr->source_len, len;
	char size[32];
	int rc;

	if (s == NULL)
		return RC_STORE;
	for (size_t i = 0; i < jr->nfiles; i++) {
		rc = store_file_get(s, p->gt.user.id, jr->files[i].id, &jp->data[i], &len, e);
		if (rc == RC_NOT_FOUND)
			return err_set(e, rc, "One or more of the specified files is missing/unavailable");
		if (rc != 0) {
			if (rc == RC_STORE)
				gate_store_failed(&p->app->gate);
			return rc;
		}
		jp->files[i + 1] = (struct req_file){ jr->files[i].name, jp->data[i], len, 1 };
		total += len;
	}
	if (total > (size_t)p->app->conf->limits.work_tmpfs_bytes) {
		text_size(size, sizeof size, (size_t)p->app->conf->limits.work_tmpfs_bytes);
		return err_set(e, RC_BAD_REQUEST, "The program and its files together are larger "
			       "than the %s this server gives a run", size);
	}
	return 0;
}

/* The run_spec as the pipeline's program. */
static int jobe_spec(struct pipe *p, const struct jobe_req *jr, struct jobe_program *jp,
		     struct program_spec *spec, struct err *e)
{
	const struct jobe_lang *jl = &jr->jl;
	const struct lang *l = jl->lang;
	int rc;

	memset(spec, 0, sizeof *spec);
	if (jr->input_len > (size_t)p->app->conf->max_stdin_bytes)
		return err_set(e, RC_BAD_REQUEST, "The input is larger than this server accepts "
			       "(%ld bytes)", p->app->conf->max_stdin_bytes);
	if ((rc = jobe_limits(p, jr, spec, e)) != 0 || (rc = jobe_files(p, jr, jp, e)) != 0)
		return rc;
	jp->files[0] = (struct req_file){ jr->filename ? jr->filename : jl->file,
					  (const unsigned char *)jr->source, jr->source_len, 0 };
	if (jl->compile != NULL)
		spec->compile_tmpl = jl->compile;
	else if (l->compile_argv[0] != NULL)
		derive(l->compile_argv, true, false, jp->compile, sizeof jp->compile / sizeof jp->compile[0]);
	if (jl->compile == NULL && l->compile_argv[0] != NULL)
		spec->compile_tmpl = jp->compile;
	if (jl->run != NULL) {
		spec->run_tmpl = jl->run;
	} else {
		derive(l->run_argv, false, jl->interp, jp->run, sizeof jp->run / sizeof jp->run[0]);
		spec->run_tmpl = jp->run;
	}
	jp->lists[0] = words("{compileargs}", &jr->compileargs, jr->has_compileargs, jl->compileargs,
			     &jp->defaults[0]);
	jp->lists[1] = words("{linkargs}", &jr->linkargs, jr->has_linkargs, NULL, NULL);
	jp->lists[2] = words("{interpreterargs}", &jr->interpreterargs, jr->has_interpreterargs,
			     jl->interpreterargs, &jp->defaults[1]);
	spec->lang = l;
	spec->files = jp->files;
	spec->nfiles = jr->nfiles + 1;
	spec->entry = 0;
	spec->args = (const char *const *)jr->runargs.w;
	spec->nargs = jr->runargs.n;
	spec->stdin_data = jr->input;
	spec->stdin_len = jr->input_len;
	spec->total_len = jr->source_len;
	spec->lists = jp->lists;
	spec->nlists = 3;
	spec->compile_strict = true; /* any compiler message is a compile error, as in Jobe */
	return 0;
}

static void jobe_overload(FCGX_Request *req)
{
	http_respond(req, 200, json_pack("{s:s, s:i, s:s, s:s, s:s}", "run_id", "0", "outcome",
					 JOBE_OVERLOAD, "cmpinfo", "", "stdout", "", "stderr", ""), NULL);
}

static void jobe_runs(struct app *a, FCGX_Request *req, struct run_result *res)
{
	struct jobe_req jr = { 0 };
	struct jobe_program jp = { 0 };
	struct program_spec spec;
	struct program prog = { 0 };
	struct quota_refusal qr;
	struct jobe_outcome o;
	struct buf body;
	struct pipe p;
	struct err e;
	int rc;

	err_init(&e);
	buf_init(&body, 0);
	pipe_start(&p, a, req, &jobe_face);
	if ((rc = pipe_enter(&p, "Use POST to submit a run to runs", &e)) != 0) {
		if (p.unlogged) {
			jobe_error(req, rc, NULL);
		} else if (rc == RC_BUSY) {
			pipe_refuse(&p, rc, "The server is overloaded (outcome 21)");
			jobe_overload(req);
		} else {
			goto refuse;
		}
		goto out;
	}
	if ((rc = http_read_body(req, api_body_max(a->conf), &body)) != 0) {
		(void)err_set(&e, rc, "The run is larger than this server accepts");
		goto refuse;
	}
	rc = jobe_req_parse(&jr, (const char *)body.data, body.len, &e);
	pipe_describe(&p, jr.language_id, jr.source, jr.source_len, jr.input_len);
	if (rc == 0 && jr.source_len == sizeof JOBE_OVERLOAD_TEST - 1 &&
	    memcmp(jr.source, JOBE_OVERLOAD_TEST, jr.source_len) == 0) {
		/* Jobe's own test of its overload answer (testsubmit.py): nothing runs. */
		pipe_refuse(&p, RC_BUSY, "Jobe's overload test: the program asks for outcome 21");
		jobe_overload(req);
		goto out;
	}
	if (rc != 0 || (rc = jobe_spec(&p, &jr, &jp, &spec, &e)) != 0 ||
	    (rc = pipe_program(&p, &spec, &prog, &e)) != 0)
		goto refuse;
	rc = pipe_run(&p, &prog, res, &qr, &e);
	if (rc != 0) {
		jobe_error(req, rc, e.msg);
	} else {
		jobe_outcome_of(res, p.message, &o);
		http_respond(req, 200, jobe_result_json(p.run_id, &o, strcmp(jr.jl.lang->id, "java") == 0),
			     NULL);
	}
	goto out;
refuse:
	pipe_refuse(&p, rc, e.msg);
	jobe_error(req, rc, e.msg);
out:
	program_release(&prog);
	jobe_program_release(&jp);
	jobe_req_release(&jr);
	buf_release(&body);
}

/* ---- Routing ---------------------------------------------------------------------------- */

static bool alnum_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

void jobe_handle(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	const char *method = http_param(req, "REQUEST_METHOD");
	char path[160];

	http_tail(tail, path, sizeof path);
	if (strcmp(path, "runs") == 0) {
		jobe_runs(a, req, res);
	} else if (strcmp(path, "languages") == 0 && (strcmp(method, "GET") == 0 ||
						       strcmp(method, "HEAD") == 0)) {
		jobe_languages(a, req);
	} else if (strncmp(path, "files/", 6) == 0 && alnum_id(path + 6) &&
		   strcmp(method, "PUT") == 0) {
		jobe_file_put(a, req, path + 6);
	} else if (strncmp(path, "files/", 6) == 0 && alnum_id(path + 6) &&
		   strcmp(method, "HEAD") == 0) {
		jobe_file_head(a, req, path + 6);
	} else {
		(void)snprintf(path, sizeof path, "Can't find a route for '%.8s: %.100s'", method, tail);
		http_respond(req, 404, json_string(path), NULL);
	}
}
