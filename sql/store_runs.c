/*
 * store_runs: the run log: one row per request, begun, refused, finished, read (store.h).
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

#include "sha256.h"

/* ---- The run log -------------------------------------------------------------------- */

/* Binds ?1..?12 of the run insert statements from r. */
static void bind_entry(sqlite3_stmt *q, const struct run_entry *r)
{
	char hex[65];

	sqlite3_bind_text(q, 1, r->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, r->received_ms);
	sqlite3_bind_text(q, 3, r->instance ? r->instance : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, r->worker_pid);
	if (r->user_id > 0)
		sqlite3_bind_int64(q, 5, r->user_id);
	if (r->client_addr)
		sqlite3_bind_text(q, 6, r->client_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, r->auth ? r->auth : "none", -1, SQLITE_STATIC);
	if (r->language)
		sqlite3_bind_text(q, 8, r->language, -1, SQLITE_STATIC);
	if (r->code) {
		sha256_hex(r->code, r->code_len, hex);
		sqlite3_bind_int64(q, 9, (sqlite3_int64)r->code_len);
		sqlite3_bind_text(q, 10, hex, 64, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 11, r->code, (int)r->code_len, SQLITE_STATIC);
	}
	sqlite3_bind_int64(q, 12, (sqlite3_int64)r->stdin_len);
	sqlite3_bind_int64(q, 17, r->queue_ms);
	sqlite3_bind_text(q, 18, r->face ? r->face : "editor", -1, SQLITE_STATIC);
}

#define RUN_INSERT_COLS "id, received_ms, instance, worker_pid, user_id, client_addr, auth," \
	" language, code_bytes, code_sha256, code, stdin_bytes, queue_ms, face"

static int insert_refused(struct store *s, const struct run_entry *r, int http, const char *code,
			  const char *message, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_RUN_REFUSED, "INSERT INTO runs (" RUN_INSERT_COLS ", accepted,"
			       " status, http_status, error_code, message, finished_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?17, ?18, 0,"
			       " 'refused', ?13, ?14, ?15, ?16)", e);

	if (q == NULL)
		return RC_STORE;
	bind_entry(q, r);
	sqlite3_bind_int(q, 13, http);
	sqlite3_bind_text(q, 14, code, -1, SQLITE_STATIC);
	if (message)
		sqlite3_bind_text(q, 15, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 16, clock_wall_ms());
	return db_step_done(s, q, e, "log refused request");
}

int store_run_refused(struct store *s, const struct run_entry *r, int http, const char *code,
		      const char *message, struct err *e)
{
	/* A single INSERT is its own transaction; the busy timeout covers the lock wait. */
	return insert_refused(s, r, http, code, message, e);
}

static int count_one(struct store *s, enum stmt_id id, const char *sql, long long user,
		     long long t, long *n, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, id, sql, e);
	int rc;

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_int64(q, 1, user);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(q, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : db_fail(s, e, "count runs");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

#define SQL_MINUTE "SELECT count(*) FROM runs WHERE user_id = ?1 AND accepted = 1 AND received_ms > ?2 - 60000"
#define SQL_DAY "SELECT count(*) FROM runs WHERE user_id = ?1 AND accepted = 1 AND received_ms >= ?2"
#define SQL_RUNNING "SELECT count(*) FROM runs WHERE user_id = ?1 AND status = 'running' AND ?2 = ?2"

/* Which limit refused the run, and when it frees up. Inside the begin transaction. */
static int explain_refusal(struct store *s, const struct run_entry *r, const struct quota *q,
			   long long midnight_ms, struct quota_refusal *qr, struct err *e)
{
	long minute, day, running;
	int rc;

	if ((rc = count_one(s, ST_COUNT_MINUTE, SQL_MINUTE, r->user_id, r->received_ms, &minute, e)) ||
	    (rc = count_one(s, ST_COUNT_DAY, SQL_DAY, r->user_id, midnight_ms, &day, e)) ||
	    (rc = count_one(s, ST_COUNT_RUNNING, SQL_RUNNING, r->user_id, 0, &running, e)))
		return rc;
	/* Name the limit that frees up last: that is when a retry can succeed. */
	if (day >= q->per_day) {
		*qr = (struct quota_refusal){ "per_day", q->per_day, midnight_ms + 86400000LL - r->received_ms };
	} else if (minute >= q->per_minute) {
		/* The window frees a unit when the (minute - limit + 1)-th oldest run in it
		 * leaves it. */
		sqlite3_stmt *o = db_stmt(s, ST_OLDEST_IN_MINUTE, "SELECT received_ms FROM runs WHERE"
				       " user_id = ?1 AND accepted = 1 AND received_ms > ?2 - 60000"
				       " ORDER BY received_ms LIMIT 1 OFFSET ?3", e);
		long long t = r->received_ms;

		if (o == NULL)
			return RC_STORE;
		sqlite3_bind_int64(o, 1, r->user_id);
		sqlite3_bind_int64(o, 2, r->received_ms);
		sqlite3_bind_int64(o, 3, minute - q->per_minute);
		if (sqlite3_step(o) == SQLITE_ROW)
			t = sqlite3_column_int64(o, 0);
		sqlite3_reset(o);
		sqlite3_clear_bindings(o);
		*qr = (struct quota_refusal){ "per_minute", q->per_minute, t + 60000 - r->received_ms };
	} else {
		*qr = (struct quota_refusal){ "concurrent", q->concurrent, 1000 };
	}
	if (qr->retry_after_ms < 1000)
		qr->retry_after_ms = 1000;
	return 0;
}

int store_run_begin(struct store *s, const struct run_entry *r, const struct quota *q,
		    long long midnight_ms, struct quota_refusal *qr, struct err *e)
{
	/* The check and the take are one statement: the row is inserted only if every
	 * count is still under its limit. */
	sqlite3_stmt *ins = db_stmt(s, ST_RUN_BEGIN, "INSERT INTO runs (" RUN_INSERT_COLS ", accepted,"
				 " status) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?17, ?18, 1,"
				 " 'running' WHERE"
				 " (SELECT count(*) FROM runs WHERE user_id = ?5 AND accepted = 1"
				 "   AND received_ms > ?2 - 60000) < ?13"
				 " AND (SELECT count(*) FROM runs WHERE user_id = ?5 AND accepted = 1"
				 "   AND received_ms >= ?14) < ?15"
				 " AND (SELECT count(*) FROM runs WHERE user_id = ?5"
				 "   AND status = 'running') < ?16", e);
	char msg[256];
	int rc;

	if (ins == NULL)
		return RC_STORE;
	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	bind_entry(ins, r);
	sqlite3_bind_int64(ins, 13, q->per_minute);
	sqlite3_bind_int64(ins, 14, midnight_ms);
	sqlite3_bind_int64(ins, 15, q->per_day);
	sqlite3_bind_int64(ins, 16, q->concurrent);
	if ((rc = db_step_done(s, ins, e, "log run")) != 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		if ((rc = explain_refusal(s, r, q, midnight_ms, qr, e)) != 0)
			goto fail;
		(void)snprintf(msg, sizeof msg, "quota %s=%ld", qr->limit, qr->value);
		if ((rc = insert_refused(s, r, r->quota_http ? r->quota_http : 429, "quota_exceeded", msg, e)) != 0)
			goto fail;
		if ((rc = db_tx_commit(s, e)) != 0)
			goto fail;
		return err_set(e, RC_QUOTA, "%s", msg);
	}
	if ((rc = db_tx_commit(s, e)) != 0)
		goto fail;
	return 0;
fail:
	db_tx_rollback(s);
	return rc;
}

static void bind_text_capped(sqlite3_stmt *q, int i, const char *p, size_t n, size_t cap)
{
	if (p == NULL)
		return;
	if (n > cap) {
		/* Cut at a character boundary so the stored text stays valid UTF-8. */
		n = cap;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	sqlite3_bind_text(q, i, n ? p : "", (int)n, SQLITE_STATIC);
}

/* A test request's cases, each a row of run_cases. */
static int insert_cases(struct store *s, const char *run_id, const struct test_outcome *t,
			struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_RUN_CASE, "INSERT INTO run_cases (run_id, idx, name, verdict,"
				  " hidden, weight, duration_ms, memory_bytes, exit_code, signal, message)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", e);
	int rc;

	if (q == NULL)
		return RC_STORE;
	for (size_t i = 0; i < t->ncases; i++) {
		const struct case_outcome *c = &t->cases[i];

		sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
		sqlite3_bind_text(q, 3, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, c->verdict, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 5, c->hidden ? 1 : 0);
		sqlite3_bind_int(q, 6, c->weight);
		for (int k = 7; k <= 11; k++)
			sqlite3_bind_null(q, k);
		if (c->ran) {
			sqlite3_bind_int64(q, 7, c->duration_ms);
			sqlite3_bind_int64(q, 8, c->memory_bytes);
			sqlite3_bind_int(q, 9, c->exit_code);
			sqlite3_bind_int(q, 10, c->signal);
		}
		if (c->message != NULL && c->message[0] != '\0')
			sqlite3_bind_text(q, 11, c->message, -1, SQLITE_STATIC);
		if ((rc = db_step_done(s, q, e, "log a test case")) != 0)
			return rc;
	}
	return 0;
}

static int finish_row(struct store *s, const char *run_id, const struct run_outcome *o,
		      struct err *e)
{
	/* A run the sweeper took for dead (interrupted) but that did finish gets its result. */
	sqlite3_stmt *q = db_stmt(s, ST_RUN_FINISH, "UPDATE runs SET finished_ms = ?2, status = ?3,"
			       " http_status = ?4, error_code = ?5, message = ?6, exit_code = ?7,"
			       " signal = ?8, duration_ms = ?9, cpu_ms = ?10, memory_bytes = ?11,"
			       " stdout_bytes = ?12, stderr_bytes = ?13, stdout_truncated = ?14,"
			       " stderr_truncated = ?15, stdout = ?16, stderr = ?17,"
			       " compile_exit_code = ?18, compile_signal = ?19, compile_duration_ms = ?20,"
			       " compile_cpu_ms = ?21, compile_memory_bytes = ?22, compile_stdout = ?23,"
			       " compile_stderr = ?24, exercise_id = ?25, tests_passed = ?26,"
			       " tests_total = ?27, score = ?28"
			       " WHERE id = ?1 AND status IN ('running', 'interrupted')", e);

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, o->finished_ms);
	sqlite3_bind_text(q, 3, o->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, o->http);
	if (o->error_code)
		sqlite3_bind_text(q, 5, o->error_code, -1, SQLITE_STATIC);
	if (o->message && o->message[0])
		sqlite3_bind_text(q, 6, o->message, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, o->exit_code);
	sqlite3_bind_int(q, 8, o->signal);
	sqlite3_bind_int64(q, 9, o->duration_ms);
	sqlite3_bind_int64(q, 10, o->cpu_ms);
	sqlite3_bind_int64(q, 11, o->memory_bytes);
	sqlite3_bind_int64(q, 12, o->stdout_bytes);
	sqlite3_bind_int64(q, 13, o->stderr_bytes);
	sqlite3_bind_int(q, 14, o->stdout_truncated);
	sqlite3_bind_int(q, 15, o->stderr_truncated);
	bind_text_capped(q, 16, o->out, o->out_len, o->output_cap);
	bind_text_capped(q, 17, o->err, o->err_len, o->output_cap);
	if (o->compiled) {
		/* NULLs otherwise: a language without a compile stage, or a run that failed. */
		sqlite3_bind_int(q, 18, o->compile.exit_code);
		sqlite3_bind_int(q, 19, o->compile.signal);
		sqlite3_bind_int64(q, 20, o->compile.duration_ms);
		sqlite3_bind_int64(q, 21, o->compile.cpu_ms);
		sqlite3_bind_int64(q, 22, o->compile.memory_bytes);
		bind_text_capped(q, 23, o->compile.out, o->compile.out_len, o->output_cap);
		bind_text_capped(q, 24, o->compile.err, o->compile.err_len, o->output_cap);
	}
	if (o->tests != NULL) {
		if (o->tests->exercise_id != NULL)
			sqlite3_bind_text(q, 25, o->tests->exercise_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 26, o->tests->passed);
		sqlite3_bind_int(q, 27, o->tests->total);
		sqlite3_bind_double(q, 28, o->tests->score);
	}
	return db_step_done(s, q, e, "finish run");
}

int store_run_finish(struct store *s, const char *run_id, const struct run_outcome *o,
		     struct err *e)
{
	int rc;

	if (o->tests == NULL)
		return finish_row(s, run_id, o, e);
	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	if ((rc = finish_row(s, run_id, o, e)) == 0 && (rc = insert_cases(s, run_id, o->tests, e)) == 0 &&
	    (rc = db_tx_commit(s, e)) == 0)
		return 0;
	db_tx_rollback(s);
	return rc;
}

int store_runs_interrupt(struct store *s, const char *instance, long pid,
			 long long older_than_ms, int *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE runs SET status = 'interrupted', finished_ms = ?4,"
			       " message = 'The server process running this request stopped before it"
			       " finished.' WHERE status = 'running' AND instance = ?1 AND"
			       " (?2 = 0 OR (?2 > 0 AND worker_pid = ?2) OR (?2 < 0 AND received_ms < ?3))",
			       -1, &q, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare interrupt");
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, pid);
	sqlite3_bind_int64(q, 3, older_than_ms);
	sqlite3_bind_int64(q, 4, clock_wall_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "interrupt runs");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return rc;
}

/* ---- Admin and API: reading the run log ---------------------------------------------- */

/* The columns fill_run reads, in its order, then those fill_detail reads. */
#define RUN_COLS "r.id, r.received_ms, r.finished_ms, " DISPLAY_NAME ", r.client_addr, r.auth," \
	" r.language, r.status, r.http_status, r.error_code, r.message, r.exit_code, r.signal," \
	" r.duration_ms, r.cpu_ms, r.memory_bytes, r.code_bytes, r.code_sha256, r.stdin_bytes," \
	" r.stdout_bytes, r.stderr_bytes, r.stdout_truncated, r.stderr_truncated, r.face"
#define RUN_NCOLS 24
#define RUN_DETAIL_COLS "r.code, r.stdout, r.stderr, r.compile_exit_code," \
	" r.compile_duration_ms, r.compile_memory_bytes, r.compile_stdout, r.compile_stderr"

void run_row_release(struct run_row *r)
{
	char *texts[] = { r->id, r->user, r->client_addr, r->auth, r->language, r->status,
			  r->error_code, r->message, r->code_sha256, r->face, r->code, r->out,
			  r->err, r->compile.out, r->compile.err };

	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		free(texts[i]);
	memset(r, 0, sizeof *r);
}

void run_rows_free(struct run_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_row_release(&rows[i]);
	free(rows);
}

static void release_run(void *row)
{
	run_row_release(row);
}

/* The RUN_COLS of q into the (zeroed) row; the fields only fill_detail reads are left
 * NULL and STORE_NULL. 0 or RC_NOMEM (the row then holds what was copied). */
static int fill_run(void *row, sqlite3_stmt *q)
{
	struct run_row *r = row;
	int nomem = 0;

	r->id = db_col_text(q, 0, NULL, &nomem);
	r->received_ms = db_col_int(q, 1);
	r->finished_ms = db_col_int(q, 2);
	r->user = db_col_text(q, 3, NULL, &nomem);
	r->client_addr = db_col_text(q, 4, NULL, &nomem);
	r->auth = db_col_text(q, 5, NULL, &nomem);
	r->language = db_col_text(q, 6, NULL, &nomem);
	r->status = db_col_text(q, 7, NULL, &nomem);
	r->http_status = db_col_int(q, 8);
	r->error_code = db_col_text(q, 9, NULL, &nomem);
	r->message = db_col_text(q, 10, NULL, &nomem);
	r->exit_code = db_col_int(q, 11);
	r->signal = db_col_int(q, 12);
	r->duration_ms = db_col_int(q, 13);
	r->cpu_ms = db_col_int(q, 14);
	r->memory_bytes = db_col_int(q, 15);
	r->code_bytes = db_col_int(q, 16);
	r->code_sha256 = db_col_text(q, 17, NULL, &nomem);
	r->stdin_bytes = db_col_int(q, 18);
	r->stdout_bytes = db_col_int(q, 19);
	r->stderr_bytes = db_col_int(q, 20);
	r->stdout_truncated = db_col_int(q, 21);
	r->stderr_truncated = db_col_int(q, 22);
	r->face = db_col_text(q, 23, NULL, &nomem);
	r->compile.exit_code = r->compile.duration_ms = r->compile.memory_bytes = STORE_NULL;
	return nomem ? RC_NOMEM : 0;
}

/* The RUN_DETAIL_COLS of q, which follow the RUN_COLS, into r. 0 or RC_NOMEM. */
static int fill_detail(struct run_row *r, sqlite3_stmt *q)
{
	const int c = RUN_NCOLS;
	int nomem = 0;

	r->code = db_col_text(q, c, &r->code_len, &nomem);
	r->out = db_col_text(q, c + 1, &r->out_len, &nomem);
	r->err = db_col_text(q, c + 2, &r->err_len, &nomem);
	r->compile.exit_code = db_col_int(q, c + 3);
	r->compile.duration_ms = db_col_int(q, c + 4);
	r->compile.memory_bytes = db_col_int(q, c + 5);
	r->compile.out = db_col_text(q, c + 6, &r->compile.out_len, &nomem);
	r->compile.err = db_col_text(q, c + 7, &r->compile.err_len, &nomem);
	return nomem ? RC_NOMEM : 0;
}

int store_run_get(struct store *s, const char *run_id, long long owner_id,
		  struct run_row *out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = db_prepare(s, &q, "SELECT " RUN_COLS ", " RUN_DETAIL_COLS " FROM runs r"
			  " LEFT JOIN users u ON u.id = r.user_id"
			  " WHERE r.id = ?1 AND (?2 = 0 OR r.user_id = ?2)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, owner_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		rc = fill_run(out, q) == 0 && fill_detail(out, q) == 0 ? 0
		     : err_set(e, RC_NOMEM, "read run: out of memory");
	else if (rc == SQLITE_DONE)
		rc = err_set(e, RC_NOT_FOUND, "no run %s", run_id);
	else
		rc = db_fail(s, e, "read run");
	sqlite3_finalize(q);
	if (rc != 0)
		run_row_release(out);
	return rc;
}

int store_runs_list(struct store *s, const struct run_filter *f, struct run_row **out,
		    size_t *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	void *rows = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(s, &q, "SELECT " RUN_COLS " FROM runs r LEFT JOIN users u ON u.id = r.user_id"
			  " WHERE (?1 IS NULL OR " DISPLAY_NAME " = ?1)"
			  " AND (?2 IS NULL OR r.language = ?2)"
			  " AND (?3 IS NULL OR r.status = ?3 OR r.error_code = ?3)"
			  " AND (?4 = 0 OR r.received_ms >= ?4) AND (?5 = 0 OR r.received_ms < ?5)"
			  " ORDER BY r.received_ms DESC LIMIT ?6", e)) != 0)
		return rc;
	if (f->user)
		sqlite3_bind_text(q, 1, f->user, -1, SQLITE_STATIC);
	if (f->language)
		sqlite3_bind_text(q, 2, f->language, -1, SQLITE_STATIC);
	if (f->status)
		sqlite3_bind_text(q, 3, f->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, f->since_ms);
	sqlite3_bind_int64(q, 5, f->until_ms);
	sqlite3_bind_int(q, 6, f->limit > 0 ? f->limit : 50);
	if ((rc = db_collect(s, q, &rows, n, sizeof **out, fill_run, release_run, e)) == 0)
		*out = rows;
	return rc;
}

static void release_stats(void *row)
{
	free(((struct stats_row *)row)->key);
}

void stats_rows_free(struct stats_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release_stats(&rows[i]);
	free(rows);
}

/* A row of store_stats' SELECT, in its column order. */
static int fill_stats(void *row, sqlite3_stmt *q)
{
	struct stats_row *r = row;
	long long *counts[] = { &r->requests, &r->runs, &r->ok, &r->runtime_error,
				&r->compile_error, &r->timeout, &r->memory_limit, &r->output_limit,
				&r->failed, &r->interrupted, &r->refused, &r->quota_refused,
				&r->avg_duration_ms, &r->max_duration_ms, &r->cpu_ms };
	int nomem = 0;

	r->key = db_col_text(q, 0, NULL, &nomem);
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
		*counts[i] = db_col_int(q, 1 + (int)i);
	return nomem ? RC_NOMEM : 0;
}

int store_stats(struct store *s, const char *by, long long since_ms, long long until_ms,
		struct stats_row **out, size_t *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	char sql[1536];
	const char *key;
	void *rows = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (strcmp(by, "user") == 0)
		key = "coalesce(" DISPLAY_NAME ", 'unknown')";
	else if (strcmp(by, "language") == 0)
		key = "coalesce(r.language, '-')";
	else
		return err_set(e, RC_BAD_REQUEST, "statistics are by 'user' or by 'language', not '%s'", by);
	/* key is one of two constants above, never input. error_code is NULL on most rows:
	 * IS, not =, so a group without quota refusals counts 0 rather than NULL. The columns
	 * are in fill_stats' order. */
	(void)snprintf(sql, sizeof sql, "SELECT %s, count(*), sum(r.accepted), sum(r.status = 'ok'),"
		       " sum(r.status = 'runtime_error'), sum(r.status = 'compile_error'),"
		       " sum(r.status = 'timeout'), sum(r.status = 'memory_limit'),"
		       " sum(r.status = 'output_limit'), sum(r.status IN ('failed', 'internal_error')),"
		       " sum(r.status = 'interrupted'), sum(r.status = 'refused'),"
		       " sum(r.error_code IS 'quota_exceeded'), CAST(avg(r.duration_ms) AS INTEGER),"
		       " max(r.duration_ms), coalesce(sum(r.cpu_ms), 0)"
		       " FROM runs r LEFT JOIN users u ON u.id = r.user_id"
		       " WHERE r.received_ms >= ?1 AND (?2 = 0 OR r.received_ms < ?2)"
		       " GROUP BY 1 ORDER BY 2 DESC", key);
	if ((rc = db_prepare(s, &q, sql, e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, since_ms);
	sqlite3_bind_int64(q, 2, until_ms);
	if ((rc = db_collect(s, q, &rows, n, sizeof **out, fill_stats, release_stats, e)) == 0)
		*out = rows;
	return rc;
}

int store_prune(struct store *s, long long before_ms, int *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	if ((rc = db_prepare(s, &q, "DELETE FROM runs WHERE received_ms < ?1 AND status != 'running'", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, before_ms);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "prune");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return rc;
}
