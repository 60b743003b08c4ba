/*
 * exercises: the exercises API. Students list exercises and read their visible parts;
 * teachers (users with the role teacher or admin) also read the hidden tests, add, replace
 * and remove exercises, and read an exercise's results:
 *
 *     GET    /api/exercises                  every exercise: id, title, languages
 *     GET    /api/exercises/{id}             one: instructions, starters, limits, tests
 *                                            (a hidden test: its name and weight only,
 *                                            unless a teacher asks)
 *     PUT    /api/exercises/{id}             teacher: {"definition": exercise.conf's text,
 *                                            "files": [{"path", "content", "encoding"?}]}
 *     DELETE /api/exercises/{id}             teacher
 *     GET    /api/exercises/{id}/results     teacher: runbox results' table as JSON
 *
 * These are not runs: they take no quota and leave no run-log row.
 */
#define _GNU_SOURCE
#include "exercises.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exercise.h"
#include "gate.h"
#include "http.h"
#include "log.h"
#include "req.h"
#include "run_json.h"

#define FILE_MAX (1L << 20)   /* as `runbox exercise add` takes them */
#define TOTAL_MAX (8L << 20)
#define FILES_MAX 1000

struct call {
	struct app *a;
	FCGX_Request *req;
	struct gate gt;
	struct store *s;
	bool teacher;
};

/* A file's text (NULL when there is none, or it is not text). */
static json_t *file_text(const struct exercise_row *r, const char *path)
{
	const struct exercise_file *f = path[0] != '\0' ? exercise_row_file(r, path) : NULL;

	return f != NULL && f->content != NULL ? utf8_json(f->content, f->len, NULL) : json_null();
}

/* Inline text or a file's. */
static json_t *case_text(const struct exercise_row *r, const char *file, const char *text,
			 size_t len)
{
	return file[0] != '\0' ? file_text(r, file)
			       : utf8_json((const unsigned char *)text, len, NULL);
}

static json_t *exercise_json(const struct exercise_row *r, const struct exercise *x, bool teacher)
{
	json_t *langs = json_array(), *tests = json_array(), *body;
	size_t hidden = 0;

	for (size_t i = 0; i < x->nlangs; i++)
		json_array_append_new(langs, json_pack("{s:s, s:o, s:b}", "id", x->langs[i].id,
			"starter", file_text(r, x->langs[i].starter),
			"suite", x->langs[i].suite[0] != '\0'));
	for (size_t i = 0; i < x->ncases; i++) {
		const struct exercise_case *c = &x->cases[i];
		json_t *t = json_pack("{s:s, s:b, s:i}", "name", c->name, "hidden", c->hidden,
				      "weight", c->weight);

		hidden += c->hidden;
		if (!c->hidden || teacher) {
			json_object_set_new(t, "stdin", case_text(r, c->stdin_file, c->stdin_text,
								  c->stdin_len));
			if (c->has_expected)
				json_object_set_new(t, "expected", case_text(r, c->expected_file,
					c->expected_text, c->expected_len));
			if (c->exit_code >= 0)
				json_object_set_new(t, "exit", json_integer(c->exit_code));
			json_object_set_new(t, "compare", json_string(cmp_mode_name(c->compare)));
		}
		json_array_append_new(tests, t);
	}
	body = json_pack("{s:s, s:s, s:o, s:o, s:{s:I, s:I}, s:o, s:I, s:I}",
			 "id", x->id, "title", x->title,
			 "instructions", x->instructions[0] ? file_text(r, x->instructions) : json_null(),
			 "languages", langs,
			 "limits", "wallMs", (json_int_t)x->wall_ms,
			 "memoryMb", (json_int_t)(x->memory_bytes >> 20),
			 "tests", tests, "hiddenTests", (json_int_t)hidden,
			 "updatedMs", (json_int_t)r->updated_ms);
	if (body != NULL && teacher)
		json_object_set_new(body, "definition", json_string(r->definition));
	return body;
}

/* The stored exercise id, parsed. RC_NOT_FOUND (answered), or another rc (answered). */
static int load(struct call *c, const char *id, struct exercise_row *r, struct exercise *x)
{
	struct err e;
	int rc;

	err_init(&e);
	if ((rc = store_exercise_get(c->s, id, 1, r, &e)) == RC_NOT_FOUND) {
		http_error(c->req, rc, "There is no exercise with this id. GET /api/exercises lists "
			   "them.", NULL);
		return rc;
	}
	if (rc == 0 && (rc = exercise_parse(r->definition, id, x, &e)) != 0) {
		log_warnx("exercise %s: %s", id, e.msg);
		rc = RC_INTERNAL;
	}
	if (rc != 0)
		http_error(c->req, rc, NULL, NULL);
	return rc;
}

static void list(struct call *c)
{
	struct exercise_row *rows = NULL;
	struct exercise *x = calloc(1, sizeof *x);
	json_t *a = json_array();
	struct err e;
	size_t n = 0;
	int rc;

	err_init(&e);
	if (x == NULL || (rc = store_exercise_list(c->s, &rows, &n, &e)) != 0) {
		http_error(c->req, x == NULL ? RC_NOMEM : rc, NULL, NULL);
		free(x);
		json_decref(a);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *langs = json_array();

		if (exercise_parse(rows[i].definition, rows[i].id, x, &e) != 0)
			continue; /* one that does not read any more is left out (the log says why) */
		for (size_t k = 0; k < x->nlangs; k++)
			json_array_append_new(langs, json_string(x->langs[k].id));
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:I}", "id", rows[i].id,
			"title", rows[i].title, "languages", langs, "updatedMs",
			(json_int_t)rows[i].updated_ms));
	}
	http_respond(c->req, 200, json_pack("{s:o}", "exercises", a), NULL);
	exercise_rows_free(rows, n);
	free(x);
}

static void show(struct call *c, const char *id)
{
	struct exercise_row r = { 0 };
	struct exercise *x = calloc(1, sizeof *x);

	if (x == NULL) {
		http_error(c->req, RC_NOMEM, NULL, NULL);
		return;
	}
	if (load(c, id, &r, x) == 0)
		http_respond(c->req, 200, exercise_json(&r, x, c->teacher), NULL);
	exercise_row_release(&r);
	free(x);
}

/* The files of a PUT: each {path, content, encoding?}, checked as runbox exercise add checks
 * a folder's. */
static int upload_files(json_t *a, struct exercise_file **out, size_t *n, struct err *e)
{
	size_t total = 0, i;

	*out = NULL;
	*n = 0;
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > FILES_MAX)
		return err_set(e, RC_BAD_REQUEST, "'files' must be a list of at most %d files such as "
			       "{\"path\": \"tests/test_fib.py\", \"content\": \"...\"}.", FILES_MAX);
	if ((*out = calloc(json_array_size(a) + 1, sizeof **out)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for the files");
	for (i = 0; i < json_array_size(a); i++) {
		json_t *f = json_array_get(a, i), *p = json_object_get(f, "path"),
		       *ct = json_object_get(f, "content"), *enc = json_object_get(f, "encoding");
		struct exercise_file *x = &(*out)[i];
		char lab[32], why[128];
		size_t len = 0;
		int rc;

		(void)snprintf(lab, sizeof lab, "File %zu", i + 1);
		if (!json_is_string(p) || !json_is_string(ct) || (enc != NULL && !json_is_string(enc)))
			return err_set(e, RC_BAD_REQUEST, "%s needs a 'path' and a 'content', both strings.", lab);
		if ((rc = req_check_name(lab, json_string_value(p), json_string_length(p), e)) != 0)
			return rc;
		if ((x->path = strdup(json_string_value(p))) == NULL)
			return err_set(e, RC_NOMEM, "no memory for the files");
		*n = i + 1;
		if (enc != NULL && strcmp(json_string_value(enc), "base64") == 0) {
			if (req_b64_check(json_string_value(ct), json_string_length(ct), &len, why, sizeof why) != 0)
				return err_set(e, RC_BAD_REQUEST, "%s ('%s'): its base64 is not valid: %s.",
					       lab, x->path, why);
			if ((x->content = malloc(len + 1)) == NULL)
				return err_set(e, RC_NOMEM, "no memory for the files");
			req_b64_decode(json_string_value(ct), json_string_length(ct), x->content);
		} else if (enc != NULL && strcmp(json_string_value(enc), "utf-8") != 0) {
			return err_set(e, RC_BAD_REQUEST, "%s: 'encoding' is utf-8 (the default) or base64.", lab);
		} else {
			len = json_string_length(ct);
			if ((x->content = malloc(len + 1)) == NULL)
				return err_set(e, RC_NOMEM, "no memory for the files");
			memcpy(x->content, json_string_value(ct), len);
		}
		x->content[len] = '\0';
		x->len = len;
		if (len > FILE_MAX || (total += len) > TOTAL_MAX)
			return err_set(e, RC_TOO_LARGE, "%s ('%s') is too large: an exercise's file may "
				       "be at most 1 MB and all of them 8 MB.", lab, x->path);
		for (size_t k = 0; k < i; k++)
			if (strcmp((*out)[k].path, x->path) == 0)
				return err_set(e, RC_BAD_REQUEST, "%s: '%s' is sent twice.", lab, x->path);
	}
	return 0;
}

static void files_free(struct exercise_file *f, size_t n)
{
	for (size_t i = 0; f != NULL && i < n; i++) {
		free(f->path);
		free(f->content);
		f++;
	}
}

static void put(struct call *c, const char *id)
{
	struct exercise_file *files = NULL;
	struct exercise *x = calloc(1, sizeof *x);
	const char **paths = NULL;
	struct buf body;
	json_t *doc = NULL, *def;
	json_error_t jerr;
	struct err e;
	size_t n = 0, i;
	int rc, replace = 1;

	err_init(&e);
	buf_init(&body, 0);
	if (x == NULL) {
		rc = err_set(&e, RC_NOMEM, "no memory for the exercise");
		goto out;
	}
	if ((rc = http_read_body(c->req, api_body_max(c->a->conf), &body)) != 0) {
		(void)err_set(&e, rc, "%s", rc_message(rc));
		goto out;
	}
	doc = json_loadb((const char *)body.data, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL || !json_is_object(doc)) {
		rc = err_set(&e, doc == NULL ? RC_BAD_JSON : RC_BAD_REQUEST, "Send the exercise as "
			     "{\"definition\": exercise.conf's text, \"files\": [{\"path\", \"content\"}]}.");
		goto out;
	}
	if (!json_is_string(def = json_object_get(doc, "definition")) ||
	    strlen(json_string_value(def)) != json_string_length(def)) {
		rc = err_set(&e, RC_BAD_REQUEST, "'definition' must be exercise.conf's text, a string.");
		goto out;
	}
	if ((rc = exercise_parse(json_string_value(def), "exercise.conf", x, &e)) != 0)
		goto out;
	if (strcmp(x->id, id) != 0) {
		rc = err_set(&e, RC_BAD_REQUEST, "exercise.conf says id = %s, but the address says %s: "
			     "make them the same.", x->id, id);
		goto out;
	}
	for (i = 0; i < x->nlangs; i++)
		if (lang_find(x->langs[i].id) == NULL) {
			rc = err_set(&e, RC_UNKNOWN_LANG, "exercise.conf names the language %s, which this "
				     "server does not run.", x->langs[i].id);
			goto out;
		}
	if ((rc = upload_files(json_object_get(doc, "files"), &files, &n, &e)) != 0)
		goto out;
	if ((paths = calloc(n + 1, sizeof *paths)) == NULL) {
		rc = err_set(&e, RC_NOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		paths[i] = files[i].path;
	if ((rc = exercise_check_files(x, paths, n, &e)) != 0)
		goto out;
	rc = store_exercise_put(c->s, id, x->title, json_string_value(def), files, n, 1, &e);
	if (rc == RC_NOT_FOUND) {
		replace = 0;
		rc = store_exercise_put(c->s, id, x->title, json_string_value(def), files, n, 0, &e);
	}
out:
	if (rc == 0) {
		log_info("exercise %s %s by %s", id, replace ? "replaced" : "added", c->gt.user.name);
		http_respond(c->req, replace ? 200 : 201, json_pack("{s:s, s:s, s:I}", "id", id,
			     "status", replace ? "replaced" : "added", "files", (json_int_t)n), NULL);
	} else {
		http_error(c->req, rc, rc == RC_STORE || rc == RC_NOMEM ? NULL : e.msg, NULL);
	}
	free(paths);
	files_free(files, n);
	free(files);
	json_decref(doc);
	buf_release(&body);
	free(x);
}

static void remove_one(struct call *c, const char *id)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = store_exercise_remove(c->s, id, &e);
	if (rc == RC_NOT_FOUND)
		http_error(c->req, rc, "There is no exercise with this id.", NULL);
	else if (rc != 0)
		http_error(c->req, rc, NULL, NULL);
	else
		http_respond(c->req, 200, json_pack("{s:s, s:s}", "id", id, "status", "removed"), NULL);
}

static void results(struct call *c, const char *id)
{
	struct exercise_row r = { 0 };
	struct result_row *rows = NULL;
	struct err e;
	size_t n = 0;
	int rc;

	err_init(&e);
	if ((rc = store_exercise_get(c->s, id, 0, &r, &e)) == 0)
		rc = store_results(c->s, id, NULL, &rows, &n, &e);
	exercise_row_release(&r);
	if (rc == RC_NOT_FOUND)
		http_error(c->req, rc, "There is no exercise with this id.", NULL);
	else if (rc != 0)
		http_error(c->req, rc, NULL, NULL);
	else
		http_respond(c->req, 200, results_json(id, rows, n), NULL);
	result_rows_free(rows, n);
}

void exercises_handle(struct app *a, FCGX_Request *req, const char *tail)
{
	const char *method = http_param(req, "REQUEST_METHOD"), *slash = strchr(tail, '/');
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	struct call c = { .a = a, .req = req };
	char id[64];
	size_t n = slash != NULL ? (size_t)(slash - tail) : strlen(tail);
	struct err e;

	err_init(&e);
	if (gate_identify_reader(&c.gt, &a->gate, req) != 0)
		return;
	if ((c.s = gate_store(&a->gate, &e)) == NULL) {
		http_error(req, RC_STORE, NULL, NULL);
		return;
	}
	c.teacher = c.gt.user.role == ROLE_TEACHER || c.gt.user.role == ROLE_ADMIN;
	if (tail[0] == '\0') {
		if (get)
			list(&c);
		else
			http_error(req, RC_METHOD, "Use GET to list exercises; PUT "
				   "/api/exercises/{id} adds one.", "Allow: GET, HEAD\r\n");
		return;
	}
	if (n < sizeof id) {
		memcpy(id, tail, n);
		id[n] = '\0';
	}
	if (n >= sizeof id || !exercise_id_valid(id) ||
	    (slash != NULL && strcmp(slash, "/results") != 0)) {
		http_error(req, RC_NOT_FOUND, "There is nothing at this address: exercises are at "
			   "/api/exercises/{id}, their results at /api/exercises/{id}/results.", NULL);
		return;
	}
	if (slash != NULL) {
		if (!get)
			http_error(req, RC_METHOD, "Use GET to read results.", "Allow: GET, HEAD\r\n");
		else if (!c.teacher)
			http_error(req, RC_FORBIDDEN, "Only a teacher may read an exercise's results.", NULL);
		else
			results(&c, id);
		return;
	}
	if (get) {
		show(&c, id);
	} else if (strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0) {
		http_error(req, RC_METHOD, "Use GET to read an exercise, PUT to add or replace it, "
			   "DELETE to remove it.", "Allow: GET, HEAD, PUT, DELETE\r\n");
	} else if (!c.teacher) {
		http_error(req, RC_FORBIDDEN, "Only a teacher may change exercises. Ask your school's "
			   "admin for a teacher's key.", NULL);
	} else if (method[0] == 'P') {
		put(&c, id);
	} else {
		remove_one(&c, id);
	}
}
