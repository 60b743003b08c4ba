/*
 * jobe_req: the Jobe API's run request, languages and answer (jobe_req.h).
 */
#define _GNU_SOURCE
#include "jobe_req.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

/* ---- Languages ----------------------------------------------------------------------- */

/* Jobe's own commands where they differ from runbox's: C and C++ compile with Jobe's
 * warnings-as-errors flags into <source>.exe; Python is syntax-checked first. */
static const char *const c_compile[] = { "gcc", "{compileargs}", "-o", "{entry}.exe", "{entry}",
					 "{linkargs}", NULL };
static const char *const cpp_compile[] = { "g++", "{compileargs}", "-o", "{entry}.exe", "{entry}",
					   "{linkargs}", NULL };
static const char *const exe_run[] = { "./{entry}.exe", "{args}", NULL };
static const char *const py_check[] = { "python3", "-m", "py_compile", "{entry}", NULL };

static const struct known {
	const char *lang_id;          /* runbox's registry id */
	struct jobe_lang jl;          /* lang filled in from the registry */
} known[] = {
	{ "python", { "python3", NULL, "prog.py", py_check, NULL, NULL, "-BE", true, true, false } },
	{ "javascript", { "nodejs", NULL, "prog.js", NULL, NULL, NULL, "--use_strict", true, false,
			  false } },
	{ "c", { "c", NULL, "prog.c", c_compile, exe_run, "-Wall -Werror -std=c99 -x c", NULL,
		 false, true, false } },
	{ "cpp", { "cpp", NULL, "prog.cpp", cpp_compile, exe_run, "-Wall -Werror", NULL, false,
		   true, false } },
	{ "java", { "java", NULL, NULL, NULL, NULL, NULL, "-Xrs -Xss8m -Xmx200m", true, false,
		    true } },
	{ "rust", { "rust", NULL, "prog.rs", NULL, NULL, NULL, NULL, false, true, false } },
};

void jobe_lang_of(const struct lang *l, struct jobe_lang *out)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp(known[i].lang_id, l->id) == 0) {
			*out = known[i].jl;
			out->lang = l;
			return;
		}
	}
	/* A language the admin added: its own id, file and commands; only the cgroup limit
	 * (its runtime may reserve address space it never uses). */
	memset(out, 0, sizeof *out);
	(void)snprintf(out->id, sizeof out->id, "%s", l->id);
	out->lang = l;
	out->file = strstr(l->file_name, "{class}") ? NULL : l->file_name;
}

int jobe_lang_find(const char *id, struct jobe_lang *out)
{
	const struct lang *l;

	for (size_t i = 0; i < lang_count(); i++) {
		jobe_lang_of(lang_at(i), out);
		if (strcasecmp(out->id, id) == 0)
			return 0;
	}
	/* Not one of Jobe's ids: a registry id or alias ("python", "py") runs as that
	 * language with Jobe's settings for it. */
	if ((l = lang_find(id)) == NULL)
		return -1;
	jobe_lang_of(l, out);
	return 0;
}

/* ---- The request ---------------------------------------------------------------------- */

void jobe_req_release(struct jobe_req *r)
{
	shwords_release(&r->compileargs);
	shwords_release(&r->linkargs);
	shwords_release(&r->interpreterargs);
	shwords_release(&r->runargs);
	json_decref(r->doc);
	memset(r, 0, sizeof *r);
}

bool jobe_filename_ok(const char *name, size_t n)
{
	if (n == 0 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == 0xa0 || c == 0xad ||
		    strchr("<>:\"/|?*#[]@!$&'()+,;={}^~`", c) != NULL)
			return false;
	}
	return true;
}

/* A file_list name: Jobe's (letters, digits, - _ . only), and runbox's own rules. */
static bool list_name_ok(const char *name, size_t n)
{
	struct err e;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("-_.", name[i]) == NULL)
			return false;
	return req_check_name("", name, n, &e) == 0;
}

static bool id_ok(const char *id, size_t n)
{
	if (n < 8 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]))
			return false;
	return true;
}

static int bad_specifier(json_t *f, struct err *e)
{
	char *text = json_dumps(f, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc = err_set(e, RC_BAD_REQUEST, "Invalid file specifier: %.200s", text ? text : "?");

	free(text);
	return rc;
}

static int parse_file_list(struct jobe_req *r, json_t *list, struct err *e)
{
	size_t i, j;
	json_t *f;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return err_set(e, RC_BAD_REQUEST, "Invalid file specifier: file_list must be a list "
			       "of [file_id, file_name] pairs");
	if (json_array_size(list) > JOBE_MAX_FILES)
		return err_set(e, RC_BAD_REQUEST, "Too many files in file_list: %zu (at most %d)",
			       json_array_size(list), JOBE_MAX_FILES);
	json_array_foreach(list, i, f) {
		json_t *id = json_array_get(f, 0), *name = json_array_get(f, 1);

		if (!json_is_array(f) || json_array_size(f) < 2 || json_array_size(f) > 3 ||
		    !json_is_string(id) || !json_is_string(name) ||
		    !id_ok(json_string_value(id), json_string_length(id)) ||
		    !list_name_ok(json_string_value(name), json_string_length(name)))
			return bad_specifier(f, e);
		r->files[i].id = json_string_value(id);
		r->files[i].name = json_string_value(name);
		for (j = 0; j < i; j++)
			if (strcmp(r->files[j].name, r->files[i].name) == 0)
				return err_set(e, RC_BAD_REQUEST, "Invalid file specifier: the file name "
					       "'%s' is given twice in file_list", r->files[i].name);
	}
	r->nfiles = json_array_size(list);
	return 0;
}

/* A number Jobe would read (PHP intval/floatval of a number or a numeric string); 0 for
 * anything else, which means "the default", as in Jobe. */
static double param_number(json_t *params, const char *key)
{
	json_t *v = json_object_get(params, key);
	char *end;
	double d;

	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v)) {
		d = strtod(json_string_value(v), &end);
		/* "nan" and "inf" are numbers to strtod, not to Jobe */
		if (end != json_string_value(v) && *end == '\0' && d == d && d < 1e15 && d > -1e15)
			return d;
	}
	return 0;
}

static long clamp_long(double d)
{
	return !(d > 0) ? 0 : d >= 1e9 ? 1000000000L : (long)d; /* NaN is not > 0 */
}

/* A Jobe argument list: a list of strings, joined with spaces and split as a shell would
 * (Jobe hands the joined text to sh -c); no shell ever sees it here. */
static int param_words(json_t *params, const char *key, struct shwords *out, bool *has,
		       struct err *e)
{
	json_t *v = json_object_get(params, key), *w;
	struct buf joined;
	size_t i;
	int rc = 0;

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) && !json_is_string(v))
		return err_set(e, RC_BAD_REQUEST, "The parameter %s must be a list of strings", key);
	buf_init(&joined, REQ_MAX_ARGS_TOTAL);
	if (json_is_string(v)) {
		rc = buf_add(&joined, json_string_value(v), json_string_length(v));
	} else {
		json_array_foreach(v, i, w) {
			if (!json_is_string(w)) {
				buf_release(&joined);
				return err_set(e, RC_BAD_REQUEST, "The parameter %s must be a list of "
					       "strings (item %zu is not one)", key, i + 1);
			}
			if (rc == 0 && i > 0)
				rc = buf_add(&joined, " ", 1);
			if (rc == 0)
				rc = buf_add(&joined, json_string_value(w), json_string_length(w));
		}
	}
	if (rc == 0 && joined.truncated)
		rc = err_set(e, RC_BAD_REQUEST, "The parameter %s is longer than %d bytes", key,
			     REQ_MAX_ARGS_TOTAL);
	else if (rc != 0)
		rc = err_set(e, RC_NOMEM, "out of memory");
	else if ((rc = shwords_split((const char *)joined.data, joined.len, REQ_MAX_ARGS, out, e)) != 0) {
		char why[160];

		(void)snprintf(why, sizeof why, "%.150s", e->msg);
		rc = err_set(e, rc, "The parameter %s cannot be split into words: %s", key, why);
	}
	buf_release(&joined);
	*has = rc == 0;
	return rc;
}

static int parse_parameters(struct jobe_req *r, json_t *p, struct err *e)
{
	int rc;

	if (!json_is_object(p))
		return 0; /* absent, or something Jobe would not read as parameters */
	r->cputime = param_number(p, "cputime");
	if (json_is_number(json_object_get(p, "memorylimit")) ||
	    param_number(p, "memorylimit") != 0)
		r->memorylimit = param_number(p, "memorylimit");
	r->numprocs = clamp_long(param_number(p, "numprocs"));
	r->streamsize = clamp_long(param_number(p, "streamsize"));
	r->disklimit = clamp_long(param_number(p, "disklimit"));
	if ((rc = param_words(p, "compileargs", &r->compileargs, &r->has_compileargs, e)) != 0 ||
	    (rc = param_words(p, "linkargs", &r->linkargs, &r->has_linkargs, e)) != 0 ||
	    (rc = param_words(p, "interpreterargs", &r->interpreterargs, &r->has_interpreterargs,
			      e)) != 0 ||
	    (rc = param_words(p, "runargs", &r->runargs, &r->has_runargs, e)) != 0)
		return rc;
	return 0;
}

static int parse_filename(struct jobe_req *r, json_t *v, struct err *e)
{
	const char *name;
	size_t n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, RC_BAD_REQUEST, "The sourcefilename for the run_spec is illegal");
	name = json_string_value(v);
	n = json_string_length(v);
	/* Jobe ignores "prog.java" (an old client's placeholder) for every language. */
	if (n == 0 || strcmp(name, "prog.java") == 0)
		return 0;
	if (strlen(name) != n || !jobe_filename_ok(name, n) || req_check_name("", name, n, e) != 0)
		return err_set(e, RC_BAD_REQUEST, "The sourcefilename for the run_spec is illegal");
	r->filename = name;
	return 0;
}

int jobe_req_parse(struct jobe_req *r, const char *body, size_t n, struct err *e)
{
	json_error_t jerr;
	json_t *spec, *v;
	int rc;

	memset(r, 0, sizeof *r);
	r->memorylimit = -1;
	if (n == 0)
		return err_set(e, RC_BAD_JSON, "Non-JSON post data received");
	r->doc = json_loadb(body, n, JSON_ALLOW_NUL, &jerr);
	if (r->doc == NULL)
		return err_set(e, json_error_code(&jerr) == json_error_invalid_utf8 ? RC_BAD_UTF8
			       : RC_BAD_JSON, "Non-JSON post data received: %s (line %d, column %d)",
			       jerr.text, jerr.line, jerr.column);
	if (!json_is_object(r->doc))
		return err_set(e, RC_BAD_JSON, "Non-JSON post data received");
	spec = json_object_get(r->doc, "run_spec");
	if (!json_is_object(spec))
		return err_set(e, RC_BAD_REQUEST, "No run_spec attribute found in post data");
	v = json_object_get(spec, "language_id");
	if (json_is_string(v))
		r->language_id = json_string_value(v);
	v = json_object_get(spec, "sourcecode");
	if (!json_is_string(v))
		return err_set(e, RC_BAD_REQUEST, "run_spec is missing the required attribute 'sourcecode'");
	r->source = json_string_value(v);
	r->source_len = json_string_length(v);
	if (r->language_id == NULL)
		return err_set(e, RC_BAD_REQUEST, "run_spec is missing the required attribute 'language_id'");
	if (strlen(r->language_id) != json_string_length(json_object_get(spec, "language_id")) ||
	    jobe_lang_find(r->language_id, &r->jl) != 0)
		return err_set(e, RC_UNKNOWN_LANG, "Language '%.64s' is not known", r->language_id);
	v = json_object_get(spec, "input");
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		return err_set(e, RC_BAD_REQUEST, "The input of the run_spec must be a string");
	if (json_is_string(v)) {
		r->input = json_string_value(v);
		r->input_len = json_string_length(v);
	}
	if ((rc = parse_filename(r, json_object_get(spec, "sourcefilename"), e)) != 0 ||
	    (rc = parse_file_list(r, json_object_get(spec, "file_list"), e)) != 0 ||
	    (rc = parse_parameters(r, json_object_get(spec, "parameters"), e)) != 0)
		return rc;
	for (size_t i = 0; r->filename && i < r->nfiles; i++)
		if (strcmp(r->files[i].name, r->filename) == 0)
			return err_set(e, RC_BAD_REQUEST, "Invalid file specifier: the file '%s' has "
				       "the same name as the source file", r->filename);
	return 0;
}

/* ---- The answer ----------------------------------------------------------------------- */

void jobe_outcome_of(const struct run_result *res, const char *message, struct jobe_outcome *o)
{
	const struct run_stage *c = &res->compile, *r = &res->run;

	memset(o, 0, sizeof *o);
	o->cmpinfo_text = o->err_text = "";
	o->out = &r->out;
	if (res->status == STATUS_INTERNAL_ERROR) {
		o->outcome = JOBE_INTERNAL_ERROR;
		o->out = NULL;
		o->err_text = message;
		return;
	}
	if (c->ran && (!r->ran || c->err.len > 0)) {
		/* The compile failed, or wrote messages (Jobe's rule: they are errors). */
		o->outcome = JOBE_COMPILE_ERROR;
		o->out = NULL;
		if (c->err.len > 0)
			o->cmpinfo = &c->err;
		else if (c->out.len > 0)
			o->cmpinfo = &c->out;
		else
			o->cmpinfo_text = message[0] ? message : "The compiler failed without a message.";
		return;
	}
	switch (res->status) {
	case STATUS_TIMEOUT:
	case STATUS_OUTPUT_LIMIT:
		/* Jobe lets a flood run into the time limit; both are 13, without stderr. */
		o->outcome = JOBE_TIME_LIMIT;
		return;
	case STATUS_MEMORY_LIMIT:
		o->outcome = JOBE_RUNTIME_ERROR;
		if (r->err.len > 0)
			o->err = &r->err;
		else
			o->err_text = message;
		return;
	default:
		break;
	}
	o->err = &r->err;
	o->outcome = r->err.len > 0 || r->signal != 0 ? JOBE_RUNTIME_ERROR : JOBE_OK;
}

json_t *jobe_text(const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	struct buf tmp;
	size_t len = 0;
	bool replaced;
	const char *t;
	json_t *j;

	if (utf8_text(s, n, &tmp, &len, &replaced) != NULL && !replaced) {
		j = json_stringn((const char *)s, n);
		buf_release(&tmp);
		return j;
	}
	buf_release(&tmp);
	buf_init(&tmp, 4 * n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c > 0x7e)
			(void)buf_add(&tmp, esc, 4);
		else
			(void)buf_add(&tmp, &c, 1);
	}
	t = (const char *)tmp.data;
	j = tmp.truncated ? NULL : json_stringn(t ? t : "", tmp.len);
	buf_release(&tmp);
	return j;
}

/* Java's stack traces as Jobe shows them: a tab after a line break becomes 8 spaces. */
static json_t *java_err(json_t *s)
{
	const char *t = json_string_value(s);
	size_t n = json_string_length(s), tabs = 0, o = 0;
	char *out;
	json_t *j;

	for (size_t i = 0; i + 1 < n; i++)
		tabs += t[i] == '\n' && t[i + 1] == '\t';
	if (tabs == 0)
		return s;
	if ((out = malloc(n + 7 * tabs + 1)) == NULL)
		return s;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\n' && i + 1 < n && t[i + 1] == '\t') {
			memcpy(out + o, "\n        ", 9);
			o += 9;
			i++;
		} else {
			out[o++] = t[i];
		}
	}
	j = json_stringn(out, o);
	free(out);
	if (j == NULL)
		return s;
	json_decref(s);
	return j;
}

static json_t *text_of(const struct buf *b, const char *text)
{
	if (b != NULL)
		return jobe_text(b->data ? b->data : (const unsigned char *)"", b->len);
	return jobe_text((const unsigned char *)text, strlen(text));
}

json_t *jobe_result_json(const char *run_id, const struct jobe_outcome *o, bool java)
{
	json_t *cmp = text_of(o->cmpinfo, o->cmpinfo_text);
	json_t *out = text_of(o->out, "");
	json_t *err = text_of(o->err, o->err_text);

	if (java && err != NULL)
		err = java_err(err);
	if (cmp == NULL || out == NULL || err == NULL) {
		json_decref(cmp);
		json_decref(out);
		json_decref(err);
		return NULL;
	}
	return json_pack("{s:s, s:i, s:o, s:o, s:o}", "run_id", run_id, "outcome", o->outcome,
			 "cmpinfo", cmp, "stdout", out, "stderr", err);
}
