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
	sqlite3_bind_int64(q, 16, db_now_ms());
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

int store_run_finish(struct store *s, const char *run_id, const struct run_outcome *o,
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
			       " compile_stderr = ?24"
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
	return db_step_done(s, q, e, "finish run");
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
	sqlite3_bind_int64(q, 4, db_now_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "interrupt runs");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return rc;
}

/* ---- Admin and API: reading the run log ---------------------------------------------- */

#define RUN_COLS "r.id AS runId, r.received_ms AS receivedMs, r.finished_ms AS finishedMs," \
	" " DISPLAY_NAME " AS user, r.client_addr AS clientAddr, r.auth, r.language," \
	" r.status, r.http_status AS httpStatus, r.error_code AS errorCode, r.message," \
	" r.exit_code AS exitCode, r.signal, r.duration_ms AS durationMs, r.cpu_ms AS cpuMs," \
	" r.memory_bytes AS memoryUsed, r.code_bytes AS codeBytes, r.code_sha256 AS codeSha256," \
	" r.stdin_bytes AS stdinBytes, r.stdout_bytes AS stdoutBytes, r.stderr_bytes AS stderrBytes," \
	" r.stdout_truncated AS stdoutTruncated, r.stderr_truncated AS stderrTruncated, r.face"

int store_run_get(struct store *s, const char *run_id, long long owner_id, json_t **out,
		  struct err *e)
{
	sqlite3_stmt *q = NULL;
	json_t *rows = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "SELECT " RUN_COLS ", r.code, r.stdout, r.stderr,"
			  " r.compile_exit_code AS compileExitCode, r.compile_duration_ms AS compileDurationMs,"
			  " r.compile_memory_bytes AS compileMemoryUsed, r.compile_stdout AS compileStdout,"
			  " r.compile_stderr AS compileStderr FROM runs r"
			  " LEFT JOIN users u ON u.id = r.user_id"
			  " WHERE r.id = ?1 AND (?2 = 0 OR r.user_id = ?2)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, owner_id);
	if ((rc = db_rows_json(s, q, &rows, e)) != 0)
		return rc;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return err_set(e, RC_NOT_FOUND, "no run %s", run_id);
	}
	*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

int store_runs_list(struct store *s, const struct run_filter *f, json_t **out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

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
	return db_rows_json(s, q, out, e);
}

int store_stats(struct store *s, const char *by, long long since_ms, long long until_ms,
		json_t **out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	char sql[1536];
	const char *key;
	int rc;

	if (strcmp(by, "user") == 0)
		key = "coalesce(" DISPLAY_NAME ", 'unknown')";
	else if (strcmp(by, "language") == 0)
		key = "coalesce(r.language, '-')";
	else
		return err_set(e, RC_BAD_REQUEST, "statistics are by 'user' or by 'language', not '%s'", by);
	/* key is one of two constants above, never input. error_code is NULL on most rows:
	 * IS, not =, so a group without quota refusals counts 0 rather than NULL. */
	(void)snprintf(sql, sizeof sql, "SELECT %s AS %s, count(*) AS requests,"
		       " sum(r.accepted) AS runs, sum(r.status = 'ok') AS ok,"
		       " sum(r.status = 'runtime_error') AS runtime_error,"
		       " sum(r.status = 'compile_error') AS compile_error,"
		       " sum(r.status = 'timeout') AS timeout, sum(r.status = 'memory_limit') AS memory_limit,"
		       " sum(r.status = 'output_limit') AS output_limit,"
		       " sum(r.status IN ('failed', 'internal_error')) AS failed,"
		       " sum(r.status = 'interrupted') AS interrupted,"
		       " sum(r.status = 'refused') AS refused,"
		       " sum(r.error_code IS 'quota_exceeded') AS quota_refused,"
		       " CAST(avg(r.duration_ms) AS INTEGER) AS avg_duration_ms,"
		       " max(r.duration_ms) AS max_duration_ms, coalesce(sum(r.cpu_ms), 0) AS cpu_ms"
		       " FROM runs r LEFT JOIN users u ON u.id = r.user_id"
		       " WHERE r.received_ms >= ?1 AND (?2 = 0 OR r.received_ms < ?2)"
		       " GROUP BY 1 ORDER BY requests DESC", key, by);
	if ((rc = db_prepare(s, &q, sql, e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, since_ms);
	sqlite3_bind_int64(q, 2, until_ms);
	return db_rows_json(s, q, out, e);
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
