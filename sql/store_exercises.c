/*
 * store_exercises: teachers' exercises, their definitions and files (store.h).
 *
 * An exercise is written whole: its row and all of its files in one transaction, so a
 * reader never sees a definition with the files of another version of it.
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The same rule as exercise.conf's id (core/exercise.h), checked here too: the id is a
 * key other tables and the API will name. */
static int id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_')
			return 0;
	return 1;
}

static int check_put(const char *id, const char *title, const char *definition,
		     const struct exercise_file *files, size_t nfiles, struct err *e)
{
	if (!id_ok(id))
		return err_set(e, RC_BAD_REQUEST, "'%s' is not a valid exercise id: use 1 to 63 "
			       "letters, digits, '-' and '_'", id ? id : "");
	if (title == NULL || title[0] == '\0')
		return err_set(e, RC_BAD_REQUEST, "exercise %s has no title", id);
	if (definition == NULL)
		return err_set(e, RC_BAD_REQUEST, "exercise %s has no definition", id);
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].path == NULL || files[i].path[0] == '\0' ||
		    (files[i].content == NULL && files[i].len > 0))
			return err_set(e, RC_BAD_REQUEST, "exercise %s: file %zu has no path or no "
				       "content", id, i + 1);
	return 0;
}

/* The exercises row: a new one (RC_EXISTS if the id is taken), or the existing one's
 * title and definition (RC_NOT_FOUND if there is none) with its files deleted. */
static int put_row(struct store *s, const char *id, const char *title, const char *definition,
		   int replace, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = db_prepare(s, &q, replace
			? "UPDATE exercises SET title = ?2, definition = ?3, updated_ms = ?4 WHERE id = ?1"
			: "INSERT INTO exercises (id, title, definition, created_ms, updated_ms)"
			  " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (id) DO NOTHING", e);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, clock_wall_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "store an exercise");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		return replace ? err_set(e, RC_NOT_FOUND, "there is no exercise '%s'", id)
			       : err_set(e, RC_EXISTS, "an exercise with the id '%s' exists already", id);
	if (rc != 0 || !replace)
		return rc;
	if ((rc = db_prepare(s, &q, "DELETE FROM exercise_files WHERE exercise_id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "replace an exercise's files");
	sqlite3_finalize(q);
	return rc;
}

static int put_files(struct store *s, const char *id, const struct exercise_file *files,
		     size_t nfiles, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (nfiles == 0)
		return 0;
	if ((rc = db_prepare(s, &q, "INSERT INTO exercise_files (exercise_id, path, content)"
			     " VALUES (?1, ?2, ?3)", e)) != 0)
		return rc;
	for (size_t i = 0; i < nfiles && rc == 0; i++) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, files[i].path, -1, SQLITE_STATIC);
		/* A NULL pointer would bind SQL NULL: an empty file is an empty blob. */
		sqlite3_bind_blob64(q, 3, files[i].len ? (const void *)files[i].content : "",
				    files[i].len, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY
			     ? err_set(e, RC_BAD_REQUEST, "exercise %s: the file %s is given twice",
				       id, files[i].path)
			     : db_fail(s, e, "store an exercise's file");
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_exercise_put(struct store *s, const char *id, const char *title,
		       const char *definition, const struct exercise_file *files, size_t nfiles,
		       int replace, struct err *e)
{
	int rc;

	if ((rc = check_put(id, title, definition, files, nfiles, e)) != 0 ||
	    (rc = db_tx_begin(s, e)) != 0)
		return rc;
	if ((rc = put_row(s, id, title, definition, replace, e)) == 0 &&
	    (rc = put_files(s, id, files, nfiles, e)) == 0 &&
	    (rc = db_tx_commit(s, e)) == 0)
		return 0;
	db_tx_rollback(s);
	return rc;
}

/* ---- Reading ------------------------------------------------------------------------- */

static void release_file(void *row)
{
	struct exercise_file *f = row;

	free(f->path);
	free(f->content);
}

void exercise_row_release(struct exercise_row *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		release_file(&r->files[i]);
	free(r->files);
	free(r->id);
	free(r->title);
	free(r->definition);
	memset(r, 0, sizeof *r);
}

static void release_row(void *row)
{
	exercise_row_release(row);
}

void exercise_rows_free(struct exercise_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		exercise_row_release(&rows[i]);
	free(rows);
}

/* Columns: id, title, definition, created_ms, updated_ms, file count, file bytes. */
#define ROW_COLS "x.id, x.title, x.definition, x.created_ms, x.updated_ms," \
	" (SELECT count(*) FROM exercise_files f WHERE f.exercise_id = x.id)," \
	" (SELECT coalesce(sum(length(f.content)), 0) FROM exercise_files f" \
	"  WHERE f.exercise_id = x.id)"

static int fill_row(void *row, sqlite3_stmt *q)
{
	struct exercise_row *r = row;
	int nomem = 0;

	r->id = db_col_text(q, 0, NULL, &nomem);
	r->title = db_col_text(q, 1, NULL, &nomem);
	r->definition = db_col_text(q, 2, NULL, &nomem);
	r->created_ms = db_col_int(q, 3);
	r->updated_ms = db_col_int(q, 4);
	r->file_count = db_col_int(q, 5);
	r->file_bytes = db_col_int(q, 6);
	return nomem ? RC_NOMEM : 0;
}

/* Columns: path, length, and the content or NULL (not asked for). */
static int fill_file(void *row, sqlite3_stmt *q)
{
	struct exercise_file *f = row;
	int nomem = 0;

	f->path = db_col_text(q, 0, NULL, &nomem);
	f->len = (size_t)db_col_int(q, 1);
	if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
		size_t n = (size_t)sqlite3_column_bytes(q, 2);

		/* An empty blob reads as a NULL pointer: the content is there, of 0 bytes. */
		if ((f->content = malloc(n ? n : 1)) == NULL)
			return RC_NOMEM;
		if (n)
			memcpy(f->content, sqlite3_column_blob(q, 2), n);
		f->len = n;
	}
	return nomem ? RC_NOMEM : 0;
}

int store_exercise_list(struct store *s, struct exercise_row **out, size_t *n,
			struct err *e)
{
	sqlite3_stmt *q = NULL;
	void *rows = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(s, &q, "SELECT " ROW_COLS " FROM exercises x ORDER BY x.id", e)) != 0 ||
	    (rc = db_collect(s, q, &rows, n, sizeof **out, fill_row, release_row, e)) != 0)
		return rc;
	*out = rows;
	return 0;
}

int store_exercise_get(struct store *s, const char *id, int with_content,
		       struct exercise_row *out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	void *rows = NULL, *files = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	/* One read transaction: the row and the files of the same version (WAL gives the
	 * reader a snapshot; a writer in between changes neither). */
	if ((rc = db_exec(s, "BEGIN", e, "read an exercise")) != 0)
		return rc;
	if ((rc = db_prepare(s, &q, "SELECT " ROW_COLS " FROM exercises x WHERE x.id = ?1", e)) != 0)
		goto fail;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if ((rc = db_collect(s, q, &rows, &n, sizeof *out, fill_row, release_row, e)) != 0)
		goto fail;
	if (n == 0) {
		free(rows);
		rc = err_set(e, RC_NOT_FOUND, "there is no exercise '%s'", id);
		goto fail;
	}
	*out = *(struct exercise_row *)rows;
	free(rows);
	if ((rc = db_prepare(s, &q, "SELECT path, length(content), CASE WHEN ?2 THEN content END"
			     " FROM exercise_files WHERE exercise_id = ?1 ORDER BY path", e)) != 0)
		goto fail;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, with_content != 0);
	if ((rc = db_collect(s, q, &files, &out->nfiles, sizeof *out->files, fill_file,
			     release_file, e)) != 0)
		goto fail;
	out->files = files;
	if ((rc = db_exec(s, "COMMIT", e, "read an exercise")) == 0)
		return 0;
fail:
	db_tx_rollback(s);
	exercise_row_release(out);
	return rc;
}

int store_exercise_remove(struct store *s, const char *id, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/* Its files go with it (ON DELETE CASCADE; the store turns foreign keys on). */
	if ((rc = db_prepare(s, &q, "DELETE FROM exercises WHERE id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "remove an exercise");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOT_FOUND, "there is no exercise '%s'", id);
	return rc;
}

const struct exercise_file *exercise_row_file(const struct exercise_row *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

/* ---- Results ------------------------------------------------------------------------------ */

static int fill_result(void *row, sqlite3_stmt *q)
{
	struct result_row *r = row;
	int nomem = 0;

	r->user = db_col_text(q, 0, NULL, &nomem);
	r->attempts = db_col_int(q, 1);
	r->best = sqlite3_column_double(q, 2);
	r->latest = sqlite3_column_double(q, 3);
	r->latest_passed = db_col_int(q, 4);
	r->latest_total = db_col_int(q, 5);
	r->first_ms = db_col_int(q, 6);
	r->last_ms = db_col_int(q, 7);
	r->latest_run = db_col_text(q, 8, NULL, &nomem);
	return nomem ? RC_NOMEM : 0;
}

static void release_result(void *row)
{
	struct result_row *r = row;

	free(r->user);
	free(r->latest_run);
}

void result_rows_free(struct result_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release_result(&rows[i]);
	free(rows);
}

int store_results(struct store *s, const char *exercise_id, const char *user,
		  struct result_row **out, size_t *n, struct err *e)
{
	/* A window over each user's attempts finds the latest one (runs_by_exercise serves the
	 * scan); an attempt is a test request that ran, so it has a score. */
	static const char sql[] =
		"WITH a AS (SELECT r.user_id, r.id, r.score, r.tests_passed, r.tests_total,"
		"   r.received_ms, row_number() OVER (PARTITION BY r.user_id"
		"   ORDER BY r.received_ms DESC, r.id DESC) AS k"
		"   FROM runs r WHERE r.exercise_id = ?1 AND r.score IS NOT NULL)"
		" SELECT CASE u.kind WHEN 'key' THEN u.name ELSE u.kind || ':' || u.name END AS shown,"
		"   count(*), max(a.score),"
		"   max(CASE WHEN a.k = 1 THEN a.score END),"
		"   max(CASE WHEN a.k = 1 THEN a.tests_passed END),"
		"   max(CASE WHEN a.k = 1 THEN a.tests_total END),"
		"   min(a.received_ms), max(a.received_ms), max(CASE WHEN a.k = 1 THEN a.id END)"
		" FROM a JOIN users u ON u.id = a.user_id"
		" WHERE ?2 IS NULL OR shown = ?2"
		" GROUP BY a.user_id ORDER BY shown, a.user_id";
	sqlite3_stmt *q = NULL;
	void *rows = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(s, &q, sql, e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, exercise_id, -1, SQLITE_STATIC);
	if (user != NULL)
		sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
	if ((rc = db_collect(s, q, &rows, n, sizeof **out, fill_result, release_result, e)) != 0)
		return rc;
	*out = rows;
	return 0;
}
