/*
 * store_pool: the warm pool's table, the counters and the metrics (store.h).
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>


/* ---- The warm pool -------------------------------------------------------------------- */

int store_pool_add(struct store *s, const char *instance, const char *language,
		   const char *container, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "INSERT INTO pool (container, instance, language, state, created_ms)"
			  " VALUES (?1, ?2, ?3, 'idle', ?4)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, container, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, db_now_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "add to pool");
	sqlite3_finalize(q);
	return rc;
}

int store_pool_claim(struct store *s, const char *instance, const char *language, long pid,
		     char *container, size_t cap, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/* One statement: pick and mark together, under the write lock. */
	if ((rc = db_prepare(s, &q, "UPDATE pool SET state = 'busy', claimed_ms = ?3, claimed_pid = ?4"
			  " WHERE container = (SELECT container FROM pool WHERE instance = ?1 AND"
			  " language = ?2 AND state = 'idle' ORDER BY created_ms, rowid LIMIT 1)"
			  " AND state = 'idle' RETURNING container", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, db_now_ms());
	sqlite3_bind_int64(q, 4, pid);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		(void)snprintf(container, cap, "%s", (const char *)sqlite3_column_text(q, 0));
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "claim from pool");
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, RC_NOT_FOUND, "no idle %s container", language);
	} else {
		rc = db_fail(s, e, "claim from pool");
	}
	sqlite3_finalize(q);
	return rc;
}

int store_pool_take_idle(struct store *s, const char *container, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "DELETE FROM pool WHERE container = ?1 AND state = 'idle'", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, container, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "take from pool");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOT_FOUND, "%.12s is not idle", container);
	return rc;
}

int store_pool_remove(struct store *s, const char *container, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "DELETE FROM pool WHERE container = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, container, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "remove from pool");
	sqlite3_finalize(q);
	return rc;
}

int store_pool_list(struct store *s, const char *instance, struct pool_row **out, size_t *n,
		    struct err *e)
{
	sqlite3_stmt *q = NULL;
	struct pool_row *rows = NULL, *more;
	size_t cap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(s, &q, "SELECT container, language, state, created_ms, claimed_pid FROM pool"
			     " WHERE instance = ?1 ORDER BY language, created_ms, rowid", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(q, 2);

		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((more = realloc(rows, cap * sizeof *rows)) == NULL) {
				rc = err_set(e, RC_NOMEM, "pool rows");
				goto out;
			}
			rows = more;
		}
		memset(&rows[*n], 0, sizeof rows[*n]);
		(void)snprintf(rows[*n].container, sizeof rows[*n].container, "%s",
			       (const char *)sqlite3_column_text(q, 0) ?: "");
		(void)snprintf(rows[*n].language, sizeof rows[*n].language, "%s",
			       (const char *)sqlite3_column_text(q, 1) ?: "");
		rows[*n].idle = state != NULL && strcmp(state, "idle") == 0;
		rows[*n].created_ms = sqlite3_column_int64(q, 3);
		rows[*n].claimed_pid = (long)sqlite3_column_int64(q, 4);
		(*n)++;
	}
	if (r != SQLITE_DONE)
		rc = db_fail(s, e, "pool list");
out:
	sqlite3_finalize(q);
	if (rc != 0) {
		free(rows);
		rows = NULL;
		*n = 0;
	}
	*out = rows;
	return rc;
}

/* ---- Metrics -------------------------------------------------------------------------- */

int store_counter_add(struct store *s, const char *name, long delta, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "INSERT INTO counters (name, value) VALUES (?1, ?2)"
			  " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, delta);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "counter");
	sqlite3_finalize(q);
	return rc;
}

int store_metrics(struct store *s, const char *instance, json_t **out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	json_t *runs = NULL, *refusals = NULL, *pool = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(s, &q, "SELECT coalesce(language, '') AS language, status, count(*) AS count,"
			  " coalesce(sum(duration_ms), 0) AS sum_ms,"
			  " sum(duration_ms <= 50) AS le_50, sum(duration_ms <= 100) AS le_100,"
			  " sum(duration_ms <= 250) AS le_250, sum(duration_ms <= 500) AS le_500,"
			  " sum(duration_ms <= 1000) AS le_1000, sum(duration_ms <= 2500) AS le_2500,"
			  " sum(duration_ms <= 5000) AS le_5000, sum(duration_ms <= 10000) AS le_10000,"
			  " sum(duration_ms <= 30000) AS le_30000"
			  " FROM runs WHERE accepted = 1 AND status NOT IN ('running', 'refused')"
			  " GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0 ||
	    (rc = db_rows_json(s, q, &runs, e)) != 0)
		goto fail;
	if ((rc = db_prepare(s, &q, "SELECT error_code AS code, count(*) AS count FROM runs"
			  " WHERE error_code IS NOT NULL GROUP BY 1 ORDER BY 1", e)) != 0 ||
	    (rc = db_rows_json(s, q, &refusals, e)) != 0)
		goto fail;
	if ((rc = db_prepare(s, &q, "SELECT language, state, count(*) AS count FROM pool"
			  " WHERE instance = ?1 GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0)
		goto fail;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	if ((rc = db_rows_json(s, q, &pool, e)) != 0)
		goto fail;
	{
		json_t *queue = NULL;

		if ((rc = db_prepare(s, &q, "SELECT count(queue_ms) AS waited, coalesce(sum(queue_ms), 0)"
				  " AS wait_ms FROM runs", e)) != 0 ||
		    (rc = db_rows_json(s, q, &queue, e)) != 0)
			goto fail;
		json_t *counters = NULL, *c, *obj = json_object();
		size_t i;

		if ((rc = db_prepare(s, &q, "SELECT name, value FROM counters", e)) != 0 ||
		    (rc = db_rows_json(s, q, &counters, e)) != 0) {
			json_decref(queue);
			json_decref(obj);
			goto fail;
		}
		json_array_foreach(counters, i, c)
			json_object_set(obj, json_string_value(json_object_get(c, "name")),
					json_object_get(c, "value"));
		json_decref(counters);
		*out = json_pack("{s:o, s:o, s:o, s:O, s:o}", "runs", runs, "refusals", refusals,
				 "pool", pool, "queue", json_array_get(queue, 0), "counters", obj);
		json_decref(queue);
	}
	return *out ? 0 : err_set(e, RC_NOMEM, "metrics");
fail:
	json_decref(runs);
	json_decref(refusals);
	json_decref(pool);
	return rc;
}
