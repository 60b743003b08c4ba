/*
 * store_metrics: what /metrics reads from the run log (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Metrics -------------------------------------------------------------------------- */

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
	c->count = sqlite3_column_int64(q, 1);
	return 0;
}

const long metrics_bucket_ms[METRICS_BUCKETS] = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 };

void store_metrics_release(struct metrics *m)
{
	free(m->runs);
	free(m->refusals);
	memset(m, 0, sizeof *m);
}

int store_metrics(struct store *s, struct metrics *m, struct err *e)
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
	if ((rc = db_prepare(s, &q, "SELECT error_code, count(*) FROM runs"
			     " WHERE error_code IS NOT NULL GROUP BY 1 ORDER BY 1", e)) != 0 ||
	    (rc = db_collect(s, q, &rows, &m->nrefusals, sizeof *m->refusals, fill_count, NULL, e)) != 0)
		goto fail;
	m->refusals = rows;
	if ((rc = db_prepare(s, &q, "SELECT count(queue_ms), coalesce(sum(queue_ms), 0) FROM runs",
			     e)) != 0)
		goto fail;
	if (sqlite3_step(q) == SQLITE_ROW) {
		m->queue_waited = sqlite3_column_int64(q, 0);
		m->queue_wait_ms = sqlite3_column_int64(q, 1);
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
