/*
 * piston_req: the Piston v2 API's execute request and answer (piston_req.h).
 */
#define _GNU_SOURCE
#include "piston_req.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "semver.h"

/* ---- Names ---------------------------------------------------------------------------- */

/* Piston's own names where they differ from the registry's ids; its aliases are the
 * registry's (images/languages.conf) and the id itself. */
static const struct {
	const char *lang_id, *language, *runtime;
} names[] = {
	{ "javascript", "javascript", "node" },
	{ "c", "c", "gcc" },
	{ "cpp", "c++", "gcc" },
	{ "csharp", "csharp", "mono" },
	{ "sql", "sqlite3", NULL },
	{ "r", "rscript", NULL },
};

void piston_names(const struct lang *l, struct piston_runtime *out)
{
	size_t n = 0;

	memset(out, 0, sizeof *out);
	out->lang = l;
	out->language = l->id;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(names[i].lang_id, l->id) == 0) {
			out->language = names[i].language;
			out->runtime = names[i].runtime;
		}
	}
	if (strcmp(out->language, l->id) != 0)
		out->alias_list[n++] = l->id;
	for (size_t k = 0; k < l->naliases; k++)
		if (strcmp(l->aliases[k], out->language) != 0)
			out->alias_list[n++] = l->aliases[k];
	out->alias_list[n] = NULL;
	out->aliases = out->alias_list;
}

/* ---- The request ---------------------------------------------------------------------- */

void piston_req_release(struct piston_req *r)
{
	json_decref(r->doc);
	free(r->decoded);
	free(r->stdin_data);
	memset(r, 0, sizeof *r);
}

static const char *const limit_names[PL_COUNT] = {
	"compile_memory_limit", "run_memory_limit", "compile_timeout", "run_timeout",
	"compile_cpu_time", "run_cpu_time",
};

static int hex_value(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A file's bytes: utf8 text as it is, base64 or hex decoded into r->decoded at *used. */
static int file_bytes(struct piston_req *r, size_t i, json_t *f, size_t *used, struct err *e)
{
	json_t *content = json_object_get(f, "content"), *enc = json_object_get(f, "encoding");
	const char *s = json_string_value(content), *how = json_string_value(enc);
	size_t n = json_string_length(content), len;
	unsigned char *out = r->decoded + *used;
	char why[80];

	if (how == NULL || (strcmp(how, "base64") != 0 && strcmp(how, "hex") != 0)) {
		/* Piston reads any other encoding as utf8. */
		r->files[i] = (struct req_file){ NULL, (const unsigned char *)s, n, 0 };
		return 1;
	}
	if (strcmp(how, "hex") == 0) {
		if (n % 2 != 0)
			return err_set(e, RC_BAD_REQUEST, "files[%zu].content is not valid hex", i);
		for (size_t k = 0; k < n; k += 2) {
			int hi = hex_value((unsigned char)s[k]), lo = hex_value((unsigned char)s[k + 1]);

			if (hi < 0 || lo < 0)
				return err_set(e, RC_BAD_REQUEST, "files[%zu].content is not valid hex", i);
			out[k / 2] = (unsigned char)(hi << 4 | lo);
		}
		len = n / 2;
	} else {
		if (req_b64_check(s, n, &len, why, sizeof why) != 0)
			return err_set(e, RC_BAD_REQUEST, "files[%zu].content is not valid base64: %s",
				       i, why);
		req_b64_decode(s, n, out);
	}
	r->files[i] = (struct req_file){ NULL, out, len, 1 };
	*used += len;
	return 0;
}

/* Files: Piston's checks and messages; names checked as the editor API's. */
static int parse_files(struct piston_req *r, json_t *files, struct err *e)
{
	size_t i, j, used = 0, room = 0;
	bool have_text = false;
	json_t *f;
	int rc;

	if (json_array_size(files) > REQ_MAX_FILES)
		return err_set(e, RC_BAD_REQUEST, "files may hold at most %d files", REQ_MAX_FILES);
	json_array_foreach(files, i, f)
		if (!json_is_string(json_object_get(f, "content")))
			return err_set(e, RC_BAD_REQUEST, "files[%zu].content is required as a string", i);
	json_array_foreach(files, i, f)
		room += json_string_length(json_object_get(f, "content"));
	if ((r->decoded = malloc(room + 1)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	json_array_foreach(files, i, f) {
		json_t *name = json_object_get(f, "name");
		char lab[48];

		if ((rc = file_bytes(r, i, f, &used, e)) < 0)
			return rc;
		if (rc == 1 && !have_text) {
			r->entry = i;
			have_text = true;
		}
		if (name != NULL && !json_is_null(name)) {
			if (!json_is_string(name))
				return err_set(e, RC_BAD_REQUEST, "files[%zu].name must be a string", i);
			(void)snprintf(lab, sizeof lab, "files[%zu].name", i);
			if ((rc = req_check_name(lab, json_string_value(name), json_string_length(name),
						 e)) != 0)
				return rc;
			r->files[i].name = json_string_value(name);
		} else {
			(void)snprintf(r->names[i], sizeof r->names[i], "file%zu.code", i);
			r->files[i].name = r->names[i];
		}
		r->total_len += r->files[i].len;
	}
	r->nfiles = json_array_size(files);
	for (i = 0; i < r->nfiles; i++)
		for (j = 0; j < i; j++)
			if (strcmp(r->files[i].name, r->files[j].name) == 0)
				return err_set(e, RC_BAD_REQUEST, "files[%zu].name '%s' is used twice", i,
					       r->files[i].name);
	if (!have_text)
		return err_set(e, RC_BAD_REQUEST, "files must include at least one utf8 encoded file");
	return 0;
}

/* The entry file keeps its name only if it is what the language expects (main.c is a C
 * file); otherwise ("file0.code", "test") the language names it, as Piston's packages
 * rename or ignore names, unless another file has that name already. */
static void name_entry(struct piston_req *r)
{
	const struct lang *l = r->rt->lang;
	const char *want = strrchr(l->file_name, '.'), *have = strrchr(r->files[r->entry].name, '.');

	if (want != NULL && have != NULL && strcmp(want, have) == 0)
		return;
	for (size_t i = 0; !strstr(l->file_name, "{class}") && i < r->nfiles; i++)
		if (i != r->entry && strcmp(r->files[i].name, l->file_name) == 0)
			return;
	r->files[r->entry].name = NULL;
}

static int parse_limits(struct piston_req *r, struct err *e)
{
	for (int k = 0; k < PL_COUNT; k++) {
		json_t *v = json_object_get(r->doc, limit_names[k]);
		double d;

		/* Missing, null, false, 0, "" and -1 all mean the server's default. */
		if (v == NULL || json_is_null(v) || json_is_false(v) ||
		    (json_is_string(v) && json_string_length(v) == 0))
			continue;
		if (!json_is_number(v))
			return err_set(e, RC_BAD_REQUEST, "If specified, %s must be a number",
				       limit_names[k]);
		d = json_number_value(v);
		if (d == 0 || d == -1)
			continue;
		if (r->rt->max[k] > 0 && d > (double)r->rt->max[k])
			return err_set(e, RC_BAD_REQUEST, "%s cannot exceed the configured limit of %ld",
				       limit_names[k], r->rt->max[k]);
		if (d < 0)
			return err_set(e, RC_BAD_REQUEST, "%s must be non-negative", limit_names[k]);
		r->limit[k] = d < 1 ? 1 : (long)d;
	}
	return 0;
}

static int parse_args_stdin(struct piston_req *r, size_t max_stdin, struct err *e)
{
	json_t *args = json_object_get(r->doc, "args"), *in = json_object_get(r->doc, "stdin"), *a;
	size_t i, n = 0, total = 0;

	if (args != NULL && !json_is_null(args)) {
		if (!json_is_array(args))
			return err_set(e, RC_BAD_REQUEST, "args must be an array of strings");
		if (json_array_size(args) > REQ_MAX_ARGS)
			return err_set(e, RC_BAD_REQUEST, "args may hold at most %d arguments", REQ_MAX_ARGS);
		json_array_foreach(args, i, a) {
			if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a))
				return err_set(e, RC_BAD_REQUEST, "args[%zu] must be a string without NUL "
					       "characters", i);
			total += json_string_length(a);
			r->args[n++] = json_string_value(a);
		}
		if (total > REQ_MAX_ARGS_TOTAL)
			return err_set(e, RC_BAD_REQUEST, "args are longer than %d bytes together",
				       REQ_MAX_ARGS_TOTAL);
	}
	r->args[n] = NULL;
	r->nargs = n;
	if (in != NULL && !json_is_null(in) && !json_is_string(in))
		return err_set(e, RC_BAD_REQUEST, "stdin must be a string");
	n = in ? json_string_length(in) : 0;
	if (n > max_stdin)
		return err_set(e, RC_TOO_LARGE, "stdin is %zu bytes; this server accepts at most %zu",
			       n, max_stdin);
	/* Piston ends stdin with a newline when it has none ("" becomes "\n"). */
	if ((r->stdin_data = malloc(n + 2)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (n)
		memcpy(r->stdin_data, json_string_value(in), n);
	if (n == 0 || r->stdin_data[n - 1] != '\n')
		r->stdin_data[n++] = '\n';
	r->stdin_len = n;
	return 0;
}

static const struct piston_runtime *find_runtime(const struct piston_runtime *rts, size_t n,
						 const char *language, const char *version)
{
	for (size_t i = 0; i < n; i++) {
		bool named = strcmp(rts[i].language, language) == 0;

		for (size_t k = 0; !named && rts[i].aliases[k]; k++)
			named = strcmp(rts[i].aliases[k], language) == 0;
		if (named && semver_match(version, rts[i].version))
			return &rts[i];
	}
	return NULL;
}

int piston_req_parse(struct piston_req *r, const char *body, size_t n,
		     const struct piston_runtime *rts, size_t nrts, size_t max_stdin,
		     struct err *e)
{
	json_error_t jerr;
	json_t *v, *files;
	int rc;

	memset(r, 0, sizeof *r);
	r->doc = json_loadb(body, n, JSON_ALLOW_NUL, &jerr);
	if (r->doc == NULL && n > 0)
		return err_set(e, json_error_code(&jerr) == json_error_invalid_utf8 ? RC_BAD_UTF8
			       : RC_BAD_JSON, "The request is not valid JSON: %s (line %d, column %d)",
			       jerr.text, jerr.line, jerr.column);
	v = json_object_get(r->doc, "language");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return err_set(e, RC_BAD_REQUEST, "language is required as a string");
	r->language = json_string_value(v);
	v = json_object_get(r->doc, "version");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return err_set(e, RC_BAD_REQUEST, "version is required as a string");
	r->version = json_string_value(v);
	files = json_object_get(r->doc, "files");
	if (!json_is_array(files))
		return err_set(e, RC_BAD_REQUEST, "files is required as an array");
	if ((rc = parse_files(r, files, e)) != 0 && rc != RC_BAD_REQUEST)
		return rc;
	if (rc != 0 && strstr(e->msg, ".content is required") != NULL)
		return rc; /* Piston checks the contents before it looks up the runtime */
	if ((r->rt = find_runtime(rts, nrts, r->language, r->version)) == NULL)
		return err_set(e, RC_UNKNOWN_LANG, "%.64s-%.64s runtime is unknown", r->language,
			       r->version);
	if (rc != 0)
		return rc;
	name_entry(r);
	if ((rc = parse_limits(r, e)) != 0 || (rc = parse_args_stdin(r, max_stdin, e)) != 0)
		return rc;
	return 0;
}

/* ---- The answer ----------------------------------------------------------------------- */

static json_t *sig_name(int sig)
{
	static const char *const sigs[] = {
		[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
		[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
		[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM",
		[15] = "SIGTERM", [24] = "SIGXCPU", [25] = "SIGXFSZ", [31] = "SIGSYS",
	};

	if (sig > 0 && (size_t)sig < sizeof sigs / sizeof sigs[0] && sigs[sig])
		return json_string(sigs[sig]);
	return sig > 0 ? json_sprintf("SIG%d", sig) : json_null();
}

static json_t *both_streams(json_t *out, json_t *err)
{
	size_t a = json_string_length(out), b = json_string_length(err);
	char *t = malloc(a + b + 1);
	json_t *j;

	if (t == NULL)
		return NULL;
	memcpy(t, json_string_value(out), a);
	memcpy(t + a, json_string_value(err), b);
	j = json_stringn(t, a + b);
	free(t);
	return j;
}

json_t *piston_stage_json(const struct run_stage *st, bool internal, const char *message)
{
	json_t *out = utf8_json(st->out.data, st->out.len, NULL),
	       *err = utf8_json(st->err.data, st->err.len, NULL), *o, *code = json_null(), *sig, *both;
	const char *status = NULL;
	char msg[160] = "";

	sig = json_null();
	if (internal) {
		status = "XX";
		(void)snprintf(msg, sizeof msg, "%s", message && message[0] ? message : "internal error");
	} else {
		switch (st->reason) {
		case REASON_EXIT:
			json_decref(code);
			code = json_integer(st->exit_code);
			if (st->exit_code != 0) {
				status = "RE";
				(void)snprintf(msg, sizeof msg, "Exited with error status %d", st->exit_code);
			}
			break;
		case REASON_SIGNAL:
			status = "SG";
			json_decref(sig);
			sig = sig_name(st->signal);
			(void)snprintf(msg, sizeof msg, "Caught fatal signal %d", st->signal);
			break;
		case REASON_WALL:
		case REASON_CPU:
			status = "TO";
			(void)snprintf(msg, sizeof msg, "%s", st->reason == REASON_WALL
				       ? "Time limit exceeded (wall clock)" : "Time limit exceeded");
			break;
		case REASON_MEMORY:
			status = "SG";
			(void)snprintf(msg, sizeof msg, "Caught fatal signal 9 (the memory limit was reached)");
			break;
		case REASON_OUTPUT:
			status = st->err.truncated && !st->out.truncated ? "EL" : "OL";
			(void)snprintf(msg, sizeof msg, "%s length exceeded", status[0] == 'E' ? "stderr"
				       : "stdout");
			break;
		default:
			status = "XX";
			(void)snprintf(msg, sizeof msg, "%s", message && message[0] ? message : "stopped");
			break;
		}
		if (status && (!strcmp(status, "TO") || !strcmp(status, "OL") || !strcmp(status, "EL") ||
			       st->reason == REASON_MEMORY)) {
			json_decref(sig);
			sig = json_string("SIGKILL");
		}
	}
	if (out == NULL || err == NULL) {
		json_decref(out);
		json_decref(err);
		json_decref(code);
		json_decref(sig);
		return NULL;
	}
	/* output: stdout then stderr (runbox keeps the streams apart, not their interleaving) */
	both = both_streams(out, err);
	o = json_pack("{s:O, s:O, s:o, s:o, s:o, s:s?, s:s?, s:I, s:I, s:I}",
		      "stdout", out, "stderr", err, "output", both,
		      "code", code, "signal", sig, "message", msg[0] ? msg : NULL,
		      "status", status, "cpu_time", (json_int_t)st->cpu_ms,
		      "wall_time", (json_int_t)st->wall_ms, "memory", (json_int_t)st->mem_bytes);
	json_decref(out);
	json_decref(err);
	return o;
}

json_t *piston_result_json(const struct piston_runtime *rt, const struct run_result *res,
			   const char *message)
{
	bool internal = res->status == STATUS_INTERNAL_ERROR;
	bool compiled = rt->lang->compile_argv[0] != NULL;
	bool compile_failed = res->compile.ran && !res->run.ran && !internal;
	json_t *body = json_pack("{s:s, s:s}", "language", rt->language, "version", rt->version);
	json_t *compile = NULL, *run;

	if (body == NULL)
		return NULL;
	if (compiled) {
		compile = piston_stage_json(&res->compile, internal && !res->compile.ran, message);
		if (compile == NULL) {
			json_decref(body);
			return NULL;
		}
	}
	/* A failed compile is also the run, as Piston answers it. */
	run = compile_failed && compile ? json_deep_copy(compile)
				       : piston_stage_json(&res->run, internal, message);
	if (run == NULL) {
		json_decref(compile);
		json_decref(body);
		return NULL;
	}
	json_object_set_new(body, "run", run);
	if (compile != NULL)
		json_object_set_new(body, "compile", compile);
	return body;
}
