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

static void text_col(char *out, size_t cap, sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	(void)snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static int fill_run(void *row, sqlite3_stmt *q)
{
	struct metrics_runs *r = row;

	text_col(r->language, sizeof r->language, q, 0);
	text_col(r->status, sizeof r->status, q, 1);
	r->count = sqlite3_column_int64(q, 2);
	r->sum_ms = sqlite3_column_int64(q, 3);
	for (int k = 0; k < METRICS_BUCKETS; k++)
		r->le[k] = sqlite3_column_int64(q, 4 + k);
	return 0;
}

static int fill_count(void *row, sqlite3_stmt *q)
{
	struct metrics_count *c = row;

	text_col(c->name, sizeof c->name, q, 0);
	text_col(c->state, sizeof c->state, q, 1);
	c->count = sqlite3_column_int64(q, 2);
	return 0;
}

const long metrics_bucket_ms[METRICS_BUCKETS] = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 };

void store_metrics_release(struct metrics *m)
{
	free(m->runs);
	free(m->refusals);
	free(m->pool);
	memset(m, 0, sizeof *m);
}

int store_metrics(struct store *s, const char *instance, struct metrics *m, struct err *e)
{
	sqlite3_stmt *q = NULL;
	void *rows;
	int rc;

	memset(m, 0, sizeof *m);
	if ((rc = db_prepare(s, &q, "SELECT coalesce(language, ''), status, count(*),"
			     " coalesce(sum(duration_ms), 0),"
			     " sum(duration_ms <= 50), sum(duration_ms <= 100), sum(duration_ms <= 250),"
			     " sum(duration_ms <= 500), sum(duration_ms <= 1000), sum(duration_ms <= 2500),"
			     " sum(duration_ms <= 5000), sum(duration_ms <= 10000), sum(duration_ms <= 30000)"
			     " FROM runs WHERE accepted = 1 AND status NOT IN ('running', 'refused')"
			     " GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0 ||
	    (rc = db_collect(s, q, &rows, &m->nruns, sizeof *m->runs, fill_run, NULL, e)) != 0)
		goto fail;
	m->runs = rows;
	if ((rc = db_prepare(s, &q, "SELECT error_code, '', count(*) FROM runs"
			     " WHERE error_code IS NOT NULL GROUP BY 1 ORDER BY 1", e)) != 0 ||
	    (rc = db_collect(s, q, &rows, &m->nrefusals, sizeof *m->refusals, fill_count, NULL, e)) != 0)
		goto fail;
	m->refusals = rows;
	if ((rc = db_prepare(s, &q, "SELECT language, state, count(*) FROM pool"
			     " WHERE instance = ?1 GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0)
		goto fail;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	if ((rc = db_collect(s, q, &rows, &m->npool, sizeof *m->pool, fill_count, NULL, e)) != 0)
		goto fail;
	m->pool = rows;
	if ((rc = db_prepare(s, &q, "SELECT count(queue_ms), coalesce(sum(queue_ms), 0),"
			     " coalesce((SELECT value FROM counters WHERE name = 'containers_created'), 0),"
			     " coalesce((SELECT value FROM counters WHERE name = 'containers_removed'), 0)"
			     " FROM runs", e)) != 0)
		goto fail;
	if (sqlite3_step(q) == SQLITE_ROW) {
		m->queue_waited = sqlite3_column_int64(q, 0);
		m->queue_wait_ms = sqlite3_column_int64(q, 1);
		m->containers_created = sqlite3_column_int64(q, 2);
		m->containers_removed = sqlite3_column_int64(q, 3);
		rc = 0;
	} else {
		rc = db_fail(s, e, "metrics");
	}
	sqlite3_finalize(q);
	if (rc == 0)
		return 0;
fail:
	store_metrics_release(m);
	return rc;
}
