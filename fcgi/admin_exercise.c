/*
 * The admin command's exercises: exercise add/update/list/show/remove. add and update read
 * an exercise's folder (admin_exdir.h), check it (core/exercise.h parses the definition;
 * its languages must be in the language registry) and store it whole; the others show
 * the store's rows as tables, or as JSON with --json.
 *
 * The folder is read and checked before the database is opened: a folder with a mistake
 * changes nothing, and it is read as the user who runs the command (admin_open may give
 * root's rights away to the database's owner, who may not be able to read it).
 *
 * The JSON is built here rather than in run_json.c: it shows the parsed definition
 * (core/exercise.h), not only the store's row.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_exdir.h"
#include "admin_fmt.h"
#include "exercise.h"
#include "lang.h"

static int bad_id(const struct cli *cli, const char *id)
{
	return admin_usage_error(cli, "'%s' is not an exercise id: ids are letters, digits, '-' "
				 "and '_' ('runbox exercise list' shows them)", id);
}

static int hidden_cases(const struct exercise *x)
{
	int n = 0;

	for (size_t i = 0; i < x->ncases; i++)
		n += x->cases[i].hidden;
	return n;
}

/* The size of the stored file path, or -1 if it is not among the row's files. */
static long long file_size(const struct exercise_row *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return (long long)r->files[i].len;
	return -1;
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* Where a case's stdin or expected output comes from: {from: "inline" | "file" | "none",
 * file, text, bytes}. */
static json_t *source_json(const struct exercise_row *r, const char *file, const char *text,
			   size_t len, int inline_)
{
	if (file[0])
		return json_pack("{s:s, s:s, s:n, s:I}", "from", "file", "file", file, "text",
				 "bytes", (json_int_t)file_size(r, file));
	if (!inline_)
		return json_pack("{s:s, s:n, s:n, s:I}", "from", "none", "file", "text", "bytes",
				 (json_int_t)0);
	return json_pack("{s:s, s:n, s:s%, s:I}", "from", "inline", "file", "text", text, len,
			 "bytes", (json_int_t)len);
}

static json_t *case_json(const struct exercise_row *r, const struct exercise_case *c)
{
	return json_pack("{s:s, s:s, s:o, s:b, s:i, s:o, s:s, s:o, s:o}", "name", c->name,
			 "compare", cmp_mode_name(c->compare), "tolerance",
			 c->compare == CMP_NUMBERS ? json_real(c->tolerance) : json_null(),
			 "hidden", c->hidden, "weight", c->weight, "exit",
			 c->exit_code >= 0 ? json_integer(c->exit_code) : json_null(), "args", c->args,
			 "stdin", source_json(r, c->stdin_file, c->stdin_text, c->stdin_len,
					      c->stdin_len > 0),
			 "expected", source_json(r, c->expected_file, c->expected_text,
						 c->expected_len, c->has_expected));
}

static json_t *langs_json(const struct exercise *x, int with_files)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < x->nlangs; i++) {
		const struct exercise_lang *l = &x->langs[i];
		json_t *v = with_files ? json_pack("{s:s, s:s?, s:s?}", "id", l->id, "starter",
						   l->starter[0] ? l->starter : NULL, "suite",
						   l->suite[0] ? l->suite : NULL)
				       : json_string(l->id);

		if (json_array_append_new(a, v) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* An exercise in the list: {id, title, languages: [ids], cases, hidden_cases, file_count,
 * file_bytes, created_ms, updated_ms}; x NULL (its definition does not parse): nulls. */
static json_t *summary_json(const struct exercise_row *r, const struct exercise *x)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:I}", "id", r->id, "title",
			 r->title, "languages", x ? langs_json(x, 0) : json_null(),
			 "cases", x ? json_integer((json_int_t)x->ncases) : json_null(),
			 "hidden_cases", x ? json_integer(hidden_cases(x)) : json_null(),
			 "file_count", (json_int_t)r->file_count, "file_bytes",
			 (json_int_t)r->file_bytes, "created_ms", (json_int_t)r->created_ms,
			 "updated_ms", (json_int_t)r->updated_ms);
}

/* The whole of it, as show (and add and update) print it. */
static json_t *exercise_json(const struct exercise_row *r, const struct exercise *x)
{
	json_t *cases = json_array(), *files = json_array();

	for (size_t i = 0; cases && i < x->ncases; i++)
		if (json_array_append_new(cases, case_json(r, &x->cases[i])) != 0) {
			json_decref(cases);
			cases = NULL;
		}
	for (size_t i = 0; files && i < r->nfiles; i++)
		if (json_array_append_new(files, json_pack("{s:s, s:I}", "path", r->files[i].path,
							   "bytes", (json_int_t)r->files[i].len)) != 0) {
			json_decref(files);
			files = NULL;
		}
	return json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:o, s:i, s:o, s:I, s:I, s:I, s:I}",
			 "id", r->id, "title", r->title, "instructions",
			 x->instructions[0] ? x->instructions : NULL,
			 "wall_ms", x->wall_ms ? json_integer(x->wall_ms) : json_null(),
			 "memory_mb", x->memory_bytes ? json_integer(x->memory_bytes >> 20) : json_null(),
			 "languages", langs_json(x, 1), "cases", cases, "hidden_cases", hidden_cases(x),
			 "files", files, "file_count", (json_int_t)r->file_count,
			 "file_bytes", (json_int_t)r->file_bytes, "created_ms", (json_int_t)r->created_ms,
			 "updated_ms", (json_int_t)r->updated_ms);
}

/* ---- Text ------------------------------------------------------------------------------ */

/* "python (starter main.py, suite tests), c" into buf. */
static void langs_text(const struct exercise *x, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < x->nlangs && n < cap; i++) {
		const struct exercise_lang *l = &x->langs[i];

		n += (size_t)snprintf(buf + n, cap - n, "%s%s%s%s%s%s%s%s", i ? ", " : "", l->id,
				      l->starter[0] || l->suite[0] ? " (" : "",
				      l->starter[0] ? "starter " : "", l->starter,
				      l->starter[0] && l->suite[0] ? ", " : "",
				      l->suite[0] ? "suite " : "", l->suite);
		if (n < cap && (l->starter[0] || l->suite[0]))
			n += (size_t)snprintf(buf + n, cap - n, ")");
	}
}

/* A case's stdin or expected output in a cell: inline "5\n" (escaped, cut), a file and
 * its size, or none. */
static const char *source_text(const struct exercise_row *r, const char *file, const char *text,
			       size_t len, int inline_, const char *none, char *buf, size_t cap)
{
	size_t n, i;
	char sz[24];

	if (file[0]) {
		fmt_size(file_size(r, file), sz, sizeof sz);
		(void)snprintf(buf, cap, "%s (%s)", file, sz);
		return buf;
	}
	if (!inline_)
		return none;
	n = (size_t)snprintf(buf, cap, "inline \"");
	for (i = 0; i < len && n + 8 < cap && i < 24; i++) {
		unsigned char c = (unsigned char)text[i];

		n += (size_t)(c == '\n' ? snprintf(buf + n, cap - n, "\\n")
			      : c == '\t' ? snprintf(buf + n, cap - n, "\\t")
			      : c == '\\' || c == '"' ? snprintf(buf + n, cap - n, "\\%c", c)
			      : c < 0x20 ? snprintf(buf + n, cap - n, "\\x%02x", c)
			      : snprintf(buf + n, cap - n, "%c", c));
	}
	(void)snprintf(buf + n, cap - n, i < len ? "\"..." : "\"");
	return buf;
}

static int cases_print(const struct exercise_row *r, const struct exercise *x)
{
	static const char *const heads[] = { "CASE", "COMPARE", "HIDDEN", "WEIGHT", "EXIT", "STDIN",
					     "EXPECTED" };
	char cmp[48], w[16], ex[16], in[320], out[320];
	struct table t;
	int rc = 0;

	if (x->ncases == 0) {
		printf("\nNo input/output cases: the suites are the tests.\n");
		return 0;
	}
	table_init(&t, 7, heads, "lllrrll");
	for (size_t i = 0; i < x->ncases && rc == 0; i++) {
		const struct exercise_case *c = &x->cases[i];

		(void)snprintf(cmp, sizeof cmp, c->compare == CMP_NUMBERS ? "%s %g" : "%s",
			       cmp_mode_name(c->compare), c->tolerance);
		(void)snprintf(w, sizeof w, "%d", c->weight);
		(void)snprintf(ex, sizeof ex, c->exit_code >= 0 ? "%d" : "-", c->exit_code);
		rc = table_row(&t, c->name, cmp, c->hidden ? "yes" : "no", w, ex,
			       source_text(r, c->stdin_file, c->stdin_text, c->stdin_len,
					   c->stdin_len > 0, "none", in, sizeof in),
			       source_text(r, c->expected_file, c->expected_text, c->expected_len,
					   c->has_expected, "not checked", out, sizeof out));
		if (rc == 0 && c->args[0])
			rc = table_note(&t, "    args: %s", c->args);
	}
	putchar('\n');
	if (rc == 0)
		rc = table_print(&t, stdout);
	table_release(&t);
	return rc;
}

static int files_print(const struct exercise_row *r)
{
	static const char *const heads[] = { "FILE", "SIZE" };
	char sz[24];
	struct table t;
	int rc = 0;

	if (r->nfiles == 0)
		return 0;
	table_init(&t, 2, heads, "lr");
	for (size_t i = 0; i < r->nfiles && rc == 0; i++) {
		fmt_size((long long)r->files[i].len, sz, sizeof sz);
		rc = table_row(&t, r->files[i].path, sz);
	}
	putchar('\n');
	if (rc == 0)
		rc = table_print(&t, stdout);
	table_release(&t);
	return rc;
}

/* What is stored: fields, then (full) the cases, then the files. */
static int exercise_print(const struct exercise_row *r, const struct exercise *x, int full)
{
	char a[32], langs[2048], sz[24];

	put_field(stdout, 12, "exercise", "%s", r->id);
	put_field(stdout, 12, "title", "%s", r->title);
	langs_text(x, langs, sizeof langs);
	put_field(stdout, 12, "languages", "%s", langs);
	put_field(stdout, 12, "cases", "%zu, %d of them hidden", x->ncases, hidden_cases(x));
	fmt_size(r->file_bytes, sz, sizeof sz);
	put_field(stdout, 12, "files", "%lld, %s", r->file_count, sz);
	if (full) {
		put_field(stdout, 12, "instructions", "%s", x->instructions[0] ? x->instructions : "-");
		put_field(stdout, 12, "limits", "wall %s, memory %s",
			  x->wall_ms ? (snprintf(a, sizeof a, "%ld ms", x->wall_ms), a) : "the server's",
			  x->memory_bytes ? (fmt_size(x->memory_bytes, sz, sizeof sz), sz)
					  : "the server's");
		put_field(stdout, 12, "created", "%s", (fmt_time(r->created_ms, a, sizeof a), a));
		put_field(stdout, 12, "updated", "%s", (fmt_time(r->updated_ms, a, sizeof a), a));
		if (cases_print(r, x) != 0)
			return admin_nomem();
	}
	return files_print(r) == 0 ? EX_OK : admin_nomem();
}

/* The stored definition parsed into x (which the caller allocated). */
static int parse_stored(const struct exercise_row *r, struct exercise *x, struct err *e)
{
	char name[96];

	(void)snprintf(name, sizeof name, "exercise %s", r->id);
	return exercise_parse(r->definition, name, x, e);
}

/* ---- add and update -------------------------------------------------------------------- */

/* 1-based line of the first "key =" line of text, or 0. */
static int line_of(const char *text, const char *key)
{
	size_t k = strlen(key);
	int line = 1;

	for (const char *p = text; *p; line++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, k) == 0 && (p[k] == ' ' || p[k] == '\t' || p[k] == '='))
			return line;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
	}
	return 0;
}

/* Every language x names is one the registry (already loaded) has. */
static int check_langs(const struct cli *cli, const struct exdir *d, const struct exercise *x,
		       struct err *e)
{
	char known[1024];

	for (size_t i = 0; i < x->nlangs; i++) {
		if (lang_find(x->langs[i].id) != NULL)
			continue;
		lang_ids(known, sizeof known);
		return err_set(e, RC_BAD_REQUEST, "%s/exercise.conf:%d: languages: '%s' is not a "
			       "language of this server (%s has %s): correct it, or add the language "
			       "first", d->dir, line_of(d->definition, "languages"), x->langs[i].id,
			       cli->conf.languages, known);
	}
	return 0;
}

/* Read DIR, parse and check its definition, read its files: all before the database. */
static int read_dir(struct cli *cli, const char *dir, struct exdir *d, struct exercise *x,
		    struct err *e)
{
	char name[4200];
	int rc;

	if (lang_load(cli->conf.languages, e) != 0) {
		fprintf(stderr, "runbox: %s (the registry is 'languages' in runbox.conf)\n", e->msg);
		return EX_FAIL;
	}
	if ((rc = exdir_open(d, dir, e)) == 0) {
		(void)snprintf(name, sizeof name, "%s/exercise.conf", d->dir);
		if ((rc = exercise_parse(d->definition, name, x, e)) == 0 &&
		    (rc = check_langs(cli, d, x, e)) == 0)
			rc = exdir_read_all(d, x, e);
	}
	if (rc == 0)
		return EX_OK;
	if (rc == RC_NOMEM)
		return admin_nomem();
	fprintf(stderr, "runbox: %s\n", e->msg);
	return EX_FAIL;
}

static int put(struct cli *cli, int argc, char **argv, int replace)
{
	const char *dir = NULL;
	struct exercise *x = calloc(1, sizeof *x);
	struct exdir d = { .fd = -1 };
	struct exercise_row r = { 0 };
	struct err e;
	int rc;

	err_init(&e);
	if (x == NULL)
		return admin_nomem();
	if ((rc = admin_parse(cli, argc, argv, NULL, &dir, "DIR", 1)) != 0 ||
	    (rc = admin_load_conf(cli)) != 0 || (rc = read_dir(cli, dir, &d, x, &e)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		goto out;
	rc = store_exercise_put(cli->store, x->id, x->title, d.definition, d.files, d.nfiles,
				replace, &e);
	if (rc == RC_EXISTS)
		fprintf(stderr, "runbox: an exercise with the id '%s' exists already: to replace it "
			"with this folder, run 'runbox exercise update %s'\n", x->id, dir);
	else if (rc == RC_NOT_FOUND)
		fprintf(stderr, "runbox: there is no exercise '%s' to update: add it with 'runbox "
			"exercise add %s'\n", x->id, dir);
	else if (rc == RC_BAD_REQUEST) /* the folder's content, not the command line */
		fprintf(stderr, "runbox: %s\n", e.msg);
	if (rc == RC_EXISTS || rc == RC_NOT_FOUND || rc == RC_BAD_REQUEST) {
		rc = EX_FAIL;
		goto out;
	}
	if (rc != 0 || (rc = store_exercise_get(cli->store, x->id, 0, &r, &e)) != 0) {
		rc = admin_store_fail(rc, &e);
		goto out;
	}
	if (cli->json) {
		rc = admin_print_json(exercise_json(&r, x));
		goto out;
	}
	printf("%s exercise %s.\n\n", replace ? "Updated" : "Added", x->id);
	if ((rc = exercise_print(&r, x, 0)) == EX_OK)
		printf("\n'runbox exercise show %s' shows its cases.\n", x->id);
out:
	exercise_row_release(&r);
	exdir_release(&d);
	free(x);
	return rc;
}

int admin_exercise_add(struct cli *cli, int argc, char **argv)
{
	return put(cli, argc, argv, 0);
}

int admin_exercise_update(struct cli *cli, int argc, char **argv)
{
	return put(cli, argc, argv, 1);
}

/* ---- list, show, remove ---------------------------------------------------------------- */

static int list_print(const struct exercise_row *rows, size_t n, struct exercise *x)
{
	static const char *const heads[] = { "ID", "TITLE", "LANGUAGES", "CASES", "UPDATED" };
	char langs[1024], cases[48], t[32];
	struct table tab;
	struct err e;
	int rc = 0;

	table_init(&tab, 5, heads, "lllll");
	for (size_t i = 0; i < n && rc == 0; i++) {
		int ok = parse_stored(&rows[i], x, &e) == 0;
		size_t k = 0;

		langs[0] = '\0';
		for (size_t j = 0; ok && j < x->nlangs && k < sizeof langs; j++)
			k += (size_t)snprintf(langs + k, sizeof langs - k, "%s%s", j ? " " : "",
					      x->langs[j].id);
		(void)snprintf(cases, sizeof cases, ok ? "%zu (%d hidden)" : "?", x->ncases,
			       hidden_cases(x));
		fmt_time(rows[i].updated_ms, t, sizeof t);
		rc = table_row(&tab, rows[i].id, rows[i].title, ok ? langs : "?", cases, t);
	}
	if (rc == 0)
		rc = table_print(&tab, stdout);
	table_release(&tab);
	return rc == 0 ? EX_OK : admin_nomem();
}

static json_t *list_json(const struct exercise_row *rows, size_t n, struct exercise *x)
{
	json_t *a = json_array();
	struct err e;

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, summary_json(&rows[i], parse_stored(&rows[i], x, &e) == 0
								     ? x : NULL)) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

int admin_exercise_list(struct cli *cli, int argc, char **argv)
{
	struct exercise_row *rows = NULL;
	struct exercise *x = NULL;
	struct err e;
	size_t n = 0;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, NULL, NULL, 0)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_exercise_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	if ((x = calloc(1, sizeof *x)) == NULL)
		rc = admin_nomem();
	else if (cli->json)
		rc = admin_print_json(list_json(rows, n, x));
	else if (n == 0)
		printf("No exercises yet. Add one with 'runbox exercise add DIR'.\n");
	else
		rc = list_print(rows, n, x);
	free(x);
	exercise_rows_free(rows, n);
	return rc;
}

/* The stored exercise id (its files listed, not read) into *r and x. */
static int get(struct cli *cli, const char *id, struct exercise_row *r, struct exercise *x)
{
	struct err e;
	int rc;

	err_init(&e);
	if ((rc = store_exercise_get(cli->store, id, 0, r, &e)) == RC_NOT_FOUND) {
		fprintf(stderr, "runbox: there is no exercise '%s' (see 'runbox exercise list')\n", id);
		return EX_FAIL;
	}
	if (rc != 0)
		return admin_store_fail(rc, &e);
	if (x != NULL && parse_stored(r, x, &e) != 0) {
		fprintf(stderr, "runbox: the stored definition of '%s' does not read any more (%s): "
			"update it with 'runbox exercise update DIR'\n", id, e.msg);
		return EX_FAIL;
	}
	return EX_OK;
}

int admin_exercise_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct exercise_row r = { 0 };
	struct exercise *x = NULL;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &id, "ID", 1)) != 0)
		return rc;
	if (!exercise_id_valid(id))
		return bad_id(cli, id);
	if ((rc = admin_open(cli)) != 0)
		return rc;
	if ((x = calloc(1, sizeof *x)) == NULL)
		return admin_nomem();
	if ((rc = get(cli, id, &r, x)) == EX_OK)
		rc = cli->json ? admin_print_json(exercise_json(&r, x)) : exercise_print(&r, x, 1);
	exercise_row_release(&r);
	free(x);
	return rc;
}

int admin_exercise_remove(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct exercise_row r = { 0 };
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &id, "ID", 1)) != 0)
		return rc;
	if (!exercise_id_valid(id))
		return bad_id(cli, id);
	if ((rc = admin_open(cli)) != 0 || (rc = get(cli, id, &r, NULL)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_exercise_remove(cli->store, id, &e)) != 0) {
		exercise_row_release(&r);
		return admin_store_fail(rc, &e);
	}
	if (cli->json)
		rc = admin_print_json(json_pack("{s:s, s:s, s:I, s:b}", "id", r.id, "title", r.title,
						"file_count", (json_int_t)r.file_count, "removed", 1));
	else
		printf("Removed exercise %s (%s) and its %lld file(s).\n", r.id, r.title,
		       r.file_count);
	exercise_row_release(&r);
	return rc;
}
