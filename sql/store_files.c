/*
 * store_files: files uploaded once and named by id in later runs (store.h).
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int store_file_put(struct store *s, long long user_id, const char *id, const void *data,
		   size_t len, long long max_total, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long now = clock_wall_ms();
	int rc;

	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	rc = db_prepare(s, &q, "INSERT INTO files (user_id, id, data, bytes, created_ms, used_ms)"
			" VALUES (?5, ?1, ?2, ?3, ?4, ?4) ON CONFLICT (user_id, id) DO UPDATE SET"
			" data = excluded.data, bytes = excluded.bytes, used_ms = excluded.used_ms", e);
	if (rc == 0) {
		sqlite3_bind_int64(q, 5, user_id);
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_blob64(q, 2, data, len, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)len);
		sqlite3_bind_int64(q, 4, now);
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "store a file");
		sqlite3_finalize(q);
	}
	/* Evict the least recently used files until the rest fit under the cap (never the
	 * one just stored: it alone is within the per-file cap, which is below the total). */
	if (rc == 0 && (rc = db_prepare(s, &q, "DELETE FROM files WHERE rowid IN (SELECT r FROM"
					" (SELECT rowid AS r, user_id, id, sum(bytes) OVER (ORDER BY"
					" used_ms DESC, rowid DESC) AS upto FROM files) WHERE upto > ?1"
					" AND NOT (user_id = ?3 AND id = ?2))", e)) == 0) {
		sqlite3_bind_int64(q, 1, max_total);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, user_id);
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "evict old files");
		sqlite3_finalize(q);
	}
	if (rc == 0)
		return db_tx_commit(s, e);
	db_tx_rollback(s);
	return rc;
}

int store_file_get(struct store *s, long long user_id, const char *id, unsigned char **data,
		   size_t *len, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (data != NULL)
		*data = NULL;
	if (len != NULL)
		*len = 0;
	/* Reading a file counts as using it (the cache evicts the least recently used). */
	if ((rc = db_prepare(s, &q, "UPDATE files SET used_ms = ?2 WHERE user_id = ?3 AND id = ?1"
			     " RETURNING data, bytes", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 3, user_id);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, clock_wall_ms());
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 0);

		if (data != NULL) {
			*data = malloc(n ? n : 1);
			if (*data == NULL) {
				sqlite3_finalize(q);
				return err_set(e, RC_NOMEM, "reading a file: out of memory");
			}
			if (n)
				memcpy(*data, sqlite3_column_blob(q, 0), n);
		}
		if (len != NULL)
			*len = n;
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "read a file");
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, RC_NOT_FOUND, "no file %s", id);
	} else {
		rc = db_fail(s, e, "read a file");
	}
	sqlite3_finalize(q);
	if (rc != 0 && data != NULL) {
		free(*data);
		*data = NULL;
	}
	return rc;
}
