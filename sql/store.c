#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "migrations.h"
#include "sha256.h"

/* Statements used per request are prepared once per connection and reset after use. */
enum stmt_id {
	ST_KEY_LOOKUP, ST_USER_FIND, ST_USER_INSERT, ST_RUN_BEGIN, ST_RUN_REFUSED,
	ST_RUN_FINISH, ST_COUNT_MINUTE, ST_COUNT_DAY, ST_COUNT_RUNNING, ST_OLDEST_IN_MINUTE,
	ST_HEALTH, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
};

/* How a user is shown and named in the admin command: "alice", "remote:bob",
 * "address:10.0.0.5". */
#define DISPLAY_NAME "(CASE u.kind WHEN 'key' THEN u.name ELSE u.kind || ':' || u.name END)"

static const char *const kind_names[] = { "key", "remote", "address" };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int db_fail(struct store *s, struct err *e, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);

	if (code == SQLITE_NOMEM)
		return err_set(e, RC_NOMEM, "%s: out of memory", what);
	return err_set(e, RC_STORE, "database: %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *stmt(struct store *s, enum stmt_id id, const char *sql, struct err *e)
{
	if (s->st[id] == NULL &&
	    sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) != SQLITE_OK) {
		(void)db_fail(s, e, "prepare");
		return NULL;
	}
	return s->st[id];
}

/* Run a prepared statement to completion (no rows expected). Resets it. */
static int step_done(struct store *s, sqlite3_stmt *q, struct err *e, const char *what)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_fail(s, e, what);
}

static int tx_begin(struct store *s, struct err *e)
{
	/* IMMEDIATE: take the write lock now, waiting up to the busy timeout. A deferred
	 * BEGIN that reads then writes fails with SQLITE_BUSY under several writers. */
	sqlite3_stmt *q = stmt(s, ST_BEGIN, "BEGIN IMMEDIATE", e);

	return q ? step_done(s, q, e, "begin") : RC_STORE;
}

static int tx_commit(struct store *s, struct err *e)
{
	sqlite3_stmt *q = stmt(s, ST_COMMIT, "COMMIT", e);

	return q ? step_done(s, q, e, "commit") : RC_STORE;
}

static void tx_rollback(struct store *s)
{
	struct err ignored;
	sqlite3_stmt *q;

	if (sqlite3_get_autocommit(s->db))
		return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	if ((q = stmt(s, ST_ROLLBACK, "ROLLBACK", &ignored)) != NULL)
		(void)step_done(s, q, &ignored, "rollback");
}

static int exec(struct store *s, const char *sql, struct err *e, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, RC_STORE, "database: %s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return RC_STORE;
	}
	return 0;
}

/* ---- Opening and migrations -------------------------------------------------------- */

int store_schema_latest(void)
{
	return store_migrations_count;
}

static int version_now(struct store *s, int *v, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version), 0) FROM schema_migrations",
			       -1, &q, NULL) != SQLITE_OK)
		return db_fail(s, e, "read schema version");
	rc = sqlite3_step(q);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : db_fail(s, e, "read schema version");
}

int store_schema_version(struct store *s, int *version, struct err *e)
{
	return version_now(s, version, e);
}

static int migrate(struct store *s, int upto, struct err *e)
{
	int i, v, rc;

	if (exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
		    " name TEXT NOT NULL, applied_ms INTEGER NOT NULL)", e, "create schema_migrations"))
		return RC_STORE;
	for (i = 0; i < store_migrations_count; i++) {
		const struct migration *m = &store_migrations[i];
		sqlite3_stmt *q = NULL;

		if (m->version != i + 1)
			return err_set(e, RC_INTERNAL, "migration %s is numbered %d, expected %d",
				       m->name, m->version, i + 1);
		if (upto > 0 && m->version > upto)
			break;
		/* Re-read the version inside the write lock: another process may have just
		 * applied this migration. */
		if ((rc = exec(s, "BEGIN IMMEDIATE", e, "begin migration")) != 0)
			return rc;
		if ((rc = version_now(s, &v, e)) != 0)
			goto fail;
		if (v >= m->version) {
			if ((rc = exec(s, "COMMIT", e, "commit")) != 0)
				goto fail;
			continue;
		}
		if ((rc = exec(s, m->sql, e, m->name)) != 0)
			goto fail;
		if (sqlite3_prepare_v2(s->db, "INSERT INTO schema_migrations (version, name, applied_ms)"
				       " VALUES (?1, ?2, ?3)", -1, &q, NULL) != SQLITE_OK) {
			rc = db_fail(s, e, "record migration");
			goto fail;
		}
		sqlite3_bind_int(q, 1, m->version);
		sqlite3_bind_text(q, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now_ms());
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "record migration");
		sqlite3_finalize(q);
		if (rc != 0 || (rc = exec(s, "COMMIT", e, "commit migration")) != 0)
			goto fail;
	}
	return 0;
fail:
	tx_rollback(s);
	return rc;
}

/* A new database is made in WAL mode under a private name and linked into place, so no
 * process ever sees it in rollback-journal mode. Switching a file that other processes
 * have open from rollback to WAL fails at once with SQLITE_BUSY (the busy handler is not
 * called) or with I/O errors on the journal: several processes starting together on a
 * fresh path hit that. link, unlike rename, never replaces a database another process
 * has just put there. */
static int create_wal(const char *path, struct err *e)
{
	char tmp[4096];
	sqlite3 *db = NULL;
	int n, rc = 0;

	if (path[0] == '\0' || path[0] == ':' || strncmp(path, "file:", 5) == 0 ||
	    access(path, F_OK) == 0 || errno != ENOENT)
		return 0; /* exists, in memory, or unknown: sqlite3_open_v2 decides */
	n = snprintf(tmp, sizeof tmp, "%s.new-%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return err_set(e, RC_STORE, "database %s: path too long", path);
	(void)unlink(tmp); /* left by a crashed process with our pid */
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
		rc = err_set(e, RC_STORE, "database %s: %s", tmp, db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_close(db);
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = err_set(e, RC_STORE, "database %s: %s", path, strerror(errno));
	(void)unlink(tmp);
	return rc;
}

int store_open_at(struct store **out, const char *path, int busy_timeout_ms, int upto,
		  struct err *e)
{
	struct store *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (s == NULL)
		return err_set(e, RC_NOMEM, "store: out of memory");
	if ((rc = create_wal(path, e)) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = err_set(e, RC_STORE, "database %s: %s", path,
			     s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	sqlite3_extended_result_codes(s->db, 1);
	/* WAL: readers never block the writer. synchronous=NORMAL is durable across
	 * process crashes, which is what a killed worker is. */
	if ((rc = exec(s, "PRAGMA journal_mode = WAL", e, path)) != 0 ||
	    (rc = exec(s, "PRAGMA synchronous = NORMAL", e, path)) != 0 ||
	    (rc = exec(s, "PRAGMA foreign_keys = ON", e, path)) != 0 ||
	    (rc = migrate(s, upto, e)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

int store_open(struct store **out, const char *path, int busy_timeout_ms, struct err *e)
{
	return store_open_at(out, path, busy_timeout_ms, 0, e);
}

void store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close_v2(s->db);
	free(s);
}

int store_check_writable(struct store *s, struct err *e)
{
	sqlite3_stmt *q = stmt(s, ST_HEALTH, "UPDATE health SET checked_ms = ?1 WHERE id = 1", e);

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_int64(q, 1, now_ms());
	return step_done(s, q, e, "write check");
}

/* ---- Users and keys ------------------------------------------------------------------ */

static long col_quota(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(q, i);
}

/* Columns: id, kind, name, revoked_ms, per_minute, per_day, concurrent, max_code_bytes */
#define USER_COLS "u.id, u.kind, u.name, u.revoked_ms, u.per_minute, u.per_day, u.concurrent, u.max_code_bytes"

static void read_user(sqlite3_stmt *q, struct user *u)
{
	const char *kind = (const char *)sqlite3_column_text(q, 1);

	u->id = sqlite3_column_int64(q, 0);
	u->kind = kind && strcmp(kind, "remote") == 0 ? USER_REMOTE
		: kind && strcmp(kind, "address") == 0 ? USER_ADDRESS : USER_KEY;
	(void)snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(q, 2));
	u->override.per_minute = col_quota(q, 4);
	u->override.per_day = col_quota(q, 5);
	u->override.concurrent = col_quota(q, 6);
	u->override.max_code_bytes = col_quota(q, 7);
}

int store_user_by_key(struct store *s, const char *key, struct user *u, struct err *e)
{
	sqlite3_stmt *q = stmt(s, ST_KEY_LOOKUP, "SELECT " USER_COLS ", k.revoked_ms FROM api_keys k"
			       " JOIN users u ON u.id = k.user_id WHERE k.sha256 = ?1", e);
	char hex[65];
	int rc;

	if (q == NULL)
		return RC_STORE;
	sha256_hex(key, strlen(key), hex);
	sqlite3_bind_text(q, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_user(q, u);
		rc = sqlite3_column_type(q, 3) != SQLITE_NULL || sqlite3_column_type(q, 8) != SQLITE_NULL
		     ? err_set(e, RC_UNAUTHORIZED, "key of %s is revoked", u->name) : 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, RC_UNAUTHORIZED, "unknown API key");
	} else {
		rc = db_fail(s, e, "look up key");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static int user_find(struct store *s, enum user_kind kind, const char *name, struct user *u,
		     int *found, struct err *e)
{
	sqlite3_stmt *q = stmt(s, ST_USER_FIND, "SELECT " USER_COLS " FROM users u"
			       " WHERE u.kind = ?1 AND u.name = ?2", e);
	int rc;

	*found = 0;
	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_text(q, 1, kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_user(q, u);
		*found = sqlite3_column_type(q, 3) == SQLITE_NULL ? 1 : -1;
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_fail(s, e, "look up user");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static int user_insert(struct store *s, enum user_kind kind, const char *name, const char *note,
		       long long *id, struct err *e)
{
	sqlite3_stmt *q = stmt(s, ST_USER_INSERT, "INSERT INTO users (kind, name, note, created_ms)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind, name) DO NOTHING", e);
	int rc;

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_text(q, 1, kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	if (note)
		sqlite3_bind_text(q, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now_ms());
	rc = step_done(s, q, e, "add user");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		return err_set(e, RC_EXISTS, "a user named '%s' already exists", name);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_user_ensure(struct store *s, enum user_kind kind, const char *name, struct user *u,
		      struct err *e)
{
	long long id;
	int found, rc;

	if ((rc = user_find(s, kind, name, u, &found, e)) != 0)
		return rc;
	if (found < 0)
		return err_set(e, RC_UNAUTHORIZED, "user %s:%s is revoked", kind_names[kind], name);
	if (found > 0)
		return 0;
	/* Two processes may both try: DO NOTHING on conflict, then read the winner's row. */
	rc = user_insert(s, kind, name, NULL, &id, e);
	if (rc != 0 && rc != RC_EXISTS)
		return rc;
	if ((rc = user_find(s, kind, name, u, &found, e)) != 0)
		return rc;
	return found > 0 ? 0 : err_set(e, RC_STORE, "user %s vanished", name);
}

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
	sqlite3_stmt *q = stmt(s, ST_RUN_REFUSED, "INSERT INTO runs (" RUN_INSERT_COLS ", accepted,"
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
	sqlite3_bind_int64(q, 16, now_ms());
	return step_done(s, q, e, "log refused request");
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
	sqlite3_stmt *q = stmt(s, id, sql, e);
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
		sqlite3_stmt *o = stmt(s, ST_OLDEST_IN_MINUTE, "SELECT received_ms FROM runs WHERE"
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
	sqlite3_stmt *ins = stmt(s, ST_RUN_BEGIN, "INSERT INTO runs (" RUN_INSERT_COLS ", accepted,"
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
	if ((rc = tx_begin(s, e)) != 0)
		return rc;
	bind_entry(ins, r);
	sqlite3_bind_int64(ins, 13, q->per_minute);
	sqlite3_bind_int64(ins, 14, midnight_ms);
	sqlite3_bind_int64(ins, 15, q->per_day);
	sqlite3_bind_int64(ins, 16, q->concurrent);
	if ((rc = step_done(s, ins, e, "log run")) != 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		if ((rc = explain_refusal(s, r, q, midnight_ms, qr, e)) != 0)
			goto fail;
		(void)snprintf(msg, sizeof msg, "quota %s=%ld", qr->limit, qr->value);
		if ((rc = insert_refused(s, r, 429, "quota_exceeded", msg, e)) != 0)
			goto fail;
		if ((rc = tx_commit(s, e)) != 0)
			goto fail;
		return err_set(e, RC_QUOTA, "%s", msg);
	}
	if ((rc = tx_commit(s, e)) != 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
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
	sqlite3_stmt *q = stmt(s, ST_RUN_FINISH, "UPDATE runs SET finished_ms = ?2, status = ?3,"
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
	return step_done(s, q, e, "finish run");
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
	sqlite3_bind_int64(q, 4, now_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "interrupt runs");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return rc;
}

/* ---- Admin: users, keys, quotas ----------------------------------------------------- */
/* The admin functions share this file's helpers; keeping them here keeps <sqlite3.h> in
 * one file, as the design asks, at the cost of a longer file. */

static int prepare(struct store *s, sqlite3_stmt **q, const char *sql, struct err *e)
{
	return sqlite3_prepare_v2(s->db, sql, -1, q, NULL) == SQLITE_OK ? 0 : db_fail(s, e, "prepare");
}

/* Every row of q as a JSON object named by column; q is finalized. */
static int rows_json(struct store *s, sqlite3_stmt *q, json_t **out, struct err *e)
{
	json_t *list = json_array();
	int rc, i;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (i = 0; i < sqlite3_column_count(q); i++) {
			json_t *v;

			switch (sqlite3_column_type(q, i)) {
			case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(q, i)); break;
			case SQLITE_FLOAT: v = json_real(sqlite3_column_double(q, i)); break;
			case SQLITE_NULL: v = json_null(); break;
			default:
				v = json_stringn((const char *)sqlite3_column_text(q, i),
						 (size_t)sqlite3_column_bytes(q, i));
				break;
			}
			json_object_set_new(row, sqlite3_column_name(q, i), v ? v : json_null());
		}
		json_array_append_new(list, row);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, e, "read");
	sqlite3_finalize(q);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* "alice" (a key user), "remote:bob", "address:10.0.0.5". */
static int parse_user(const char *user, enum user_kind *kind, const char **name, struct err *e)
{
	const char *colon = strchr(user, ':');

	*kind = USER_KEY;
	*name = user;
	if (colon != NULL) {
		size_t n = (size_t)(colon - user);

		if (n == 6 && strncmp(user, "remote", 6) == 0)
			*kind = USER_REMOTE;
		else if (n == 7 && strncmp(user, "address", 7) == 0)
			*kind = USER_ADDRESS;
		else
			return err_set(e, RC_BAD_REQUEST, "'%s': a user is NAME, remote:NAME or "
				       "address:IP", user);
		*name = colon + 1;
	}
	return (*name)[0] ? 0 : err_set(e, RC_BAD_REQUEST, "empty user name");
}

static int user_id_of(struct store *s, const char *user, long long *id, struct err *e)
{
	enum user_kind kind;
	const char *name;
	struct user u;
	int rc, found;

	if ((rc = parse_user(user, &kind, &name, e)) != 0 ||
	    (rc = user_find(s, kind, name, &u, &found, e)) != 0)
		return rc;
	if (!found)
		return err_set(e, RC_NOT_FOUND, "there is no user '%s' (see 'runbox user list')", user);
	*id = u.id;
	return 0;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

static int key_insert(struct store *s, long long user_id, char *key_out, size_t key_cap,
		      struct err *e)
{
	unsigned char r[20];
	char key[48], id[16], hex[65];
	sqlite3_stmt *q = NULL;
	size_t i;
	int rc;

	if (key_cap < 45)
		return err_set(e, RC_INTERNAL, "key buffer too small");
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return err_set(e, RC_INTERNAL, "getrandom: %s", strerror(errno));
	memcpy(key, "rbx_", 4);
	for (i = 0; i < sizeof r; i++)
		(void)snprintf(key + 4 + 2 * i, 3, "%02x", r[i]);
	(void)snprintf(id, sizeof id, "%.12s", key); /* rbx_ + 8 hex: the public id */
	sha256_hex(key, strlen(key), hex);
	if ((rc = prepare(s, &q, "INSERT INTO api_keys (id, user_id, sha256, created_ms)"
			  " VALUES (?1, ?2, ?3, ?4)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, user_id);
	sqlite3_bind_text(q, 3, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "add key");
	sqlite3_finalize(q);
	if (rc == 0)
		(void)snprintf(key_out, key_cap, "%s", key);
	return rc;
}

int store_user_add(struct store *s, const char *name, const char *note, char *key_out,
		   size_t key_cap, struct err *e)
{
	long long id;
	int rc;

	if (!valid_name(name))
		return err_set(e, RC_BAD_REQUEST, "'%s' is not a valid user name: use 1 to 64 letters, "
			       "digits and . _ - @", name);
	if ((rc = tx_begin(s, e)) != 0)
		return rc;
	if ((rc = user_insert(s, USER_KEY, name, note, &id, e)) != 0 ||
	    (rc = key_insert(s, id, key_out, key_cap, e)) != 0 ||
	    (rc = tx_commit(s, e)) != 0) {
		tx_rollback(s);
		return rc;
	}
	return 0;
}

int store_key_add(struct store *s, const char *name, char *key_out, size_t key_cap,
		  struct err *e)
{
	struct user u;
	int found, rc;

	if ((rc = user_find(s, USER_KEY, name, &u, &found, e)) != 0)
		return rc;
	if (found == 0)
		return err_set(e, RC_NOT_FOUND, "there is no user '%s' with keys (see 'runbox user list')", name);
	if (found < 0)
		return err_set(e, RC_BAD_REQUEST, "user '%s' is revoked", name);
	return key_insert(s, u.id, key_out, key_cap, e);
}

int store_user_revoke(struct store *s, const char *user, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long id, t = now_ms();
	int rc;

	if ((rc = tx_begin(s, e)) != 0)
		return rc;
	if ((rc = user_id_of(s, user, &id, e)) != 0 ||
	    (rc = prepare(s, &q, "UPDATE users SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1", e)) != 0)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke user");
	sqlite3_finalize(q);
	if (rc != 0 || (rc = prepare(s, &q, "UPDATE api_keys SET revoked_ms = coalesce(revoked_ms, ?2)"
				     " WHERE user_id = ?1", e)) != 0)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke keys");
	sqlite3_finalize(q);
	if (rc != 0 || (rc = tx_commit(s, e)) != 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return rc;
}

int store_key_revoke(struct store *s, const char *key_id, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prepare(s, &q, "UPDATE api_keys SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, key_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke key");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOT_FOUND, "there is no key '%s' (key ids look like rbx_1a2b3c4d; "
			     "see 'runbox user list')", key_id);
	return rc;
}

int store_user_list(struct store *s, json_t **out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long day = now_ms() - 86400000LL;
	int rc;

	if ((rc = prepare(s, &q, "SELECT " DISPLAY_NAME " AS user, u.kind, u.note, u.created_ms,"
			  " u.revoked_ms, u.per_minute, u.per_day, u.concurrent, u.max_code_bytes,"
			  " (SELECT json_group_array(json_object('id', k.id, 'created_ms', k.created_ms,"
			  "   'revoked_ms', k.revoked_ms)) FROM api_keys k WHERE k.user_id = u.id) AS keys,"
			  " (SELECT count(*) FROM runs r WHERE r.user_id = u.id AND r.accepted = 1"
			  "   AND r.received_ms >= ?1) AS runs_24h,"
			  " (SELECT count(*) FROM runs r WHERE r.user_id = u.id AND r.accepted = 1) AS runs_total"
			  " FROM users u ORDER BY u.kind, u.name", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, day);
	if ((rc = rows_json(s, q, out, e)) != 0)
		return rc;
	/* keys arrive as JSON text from SQLite: make them real arrays. */
	{
		size_t i;
		json_t *row;

		json_array_foreach(*out, i, row) {
			json_t *k = json_loads(json_string_value(json_object_get(row, "keys")), 0, NULL);
			json_object_set_new(row, "keys", k ? k : json_array());
		}
	}
	return 0;
}

static void bind_quota(sqlite3_stmt *q, int i, long v)
{
	if (v == -1)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_int64(q, i, v);
}

int store_quota_set(struct store *s, const char *user, const struct quota *qv, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long id;
	int rc;

	if ((rc = user_id_of(s, user, &id, e)) != 0)
		return rc;
	/* -2 keeps a field: CASE on a flag per field. */
	if ((rc = prepare(s, &q, "UPDATE users SET"
			  " per_minute = CASE WHEN ?2 THEN ?3 ELSE per_minute END,"
			  " per_day = CASE WHEN ?4 THEN ?5 ELSE per_day END,"
			  " concurrent = CASE WHEN ?6 THEN ?7 ELSE concurrent END,"
			  " max_code_bytes = CASE WHEN ?8 THEN ?9 ELSE max_code_bytes END"
			  " WHERE id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, qv->per_minute != -2);
	bind_quota(q, 3, qv->per_minute);
	sqlite3_bind_int(q, 4, qv->per_day != -2);
	bind_quota(q, 5, qv->per_day);
	sqlite3_bind_int(q, 6, qv->concurrent != -2);
	bind_quota(q, 7, qv->concurrent);
	sqlite3_bind_int(q, 8, qv->max_code_bytes != -2);
	bind_quota(q, 9, qv->max_code_bytes);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "set quota");
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

	if ((rc = prepare(s, &q, "SELECT " RUN_COLS ", r.code, r.stdout, r.stderr,"
			  " r.compile_exit_code AS compileExitCode, r.compile_duration_ms AS compileDurationMs,"
			  " r.compile_memory_bytes AS compileMemoryUsed, r.compile_stdout AS compileStdout,"
			  " r.compile_stderr AS compileStderr FROM runs r"
			  " LEFT JOIN users u ON u.id = r.user_id"
			  " WHERE r.id = ?1 AND (?2 = 0 OR r.user_id = ?2)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, owner_id);
	if ((rc = rows_json(s, q, &rows, e)) != 0)
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

	if ((rc = prepare(s, &q, "SELECT " RUN_COLS " FROM runs r LEFT JOIN users u ON u.id = r.user_id"
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
	return rows_json(s, q, out, e);
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
	if ((rc = prepare(s, &q, sql, e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, since_ms);
	sqlite3_bind_int64(q, 2, until_ms);
	return rows_json(s, q, out, e);
}

int store_prune(struct store *s, long long before_ms, int *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	if ((rc = prepare(s, &q, "DELETE FROM runs WHERE received_ms < ?1 AND status != 'running'", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, before_ms);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "prune");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return rc;
}

/* ---- The warm pool -------------------------------------------------------------------- */

int store_pool_add(struct store *s, const char *instance, const char *language,
		   const char *container, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prepare(s, &q, "INSERT INTO pool (container, instance, language, state, created_ms)"
			  " VALUES (?1, ?2, ?3, 'idle', ?4)", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, container, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now_ms());
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
	if ((rc = prepare(s, &q, "UPDATE pool SET state = 'busy', claimed_ms = ?3, claimed_pid = ?4"
			  " WHERE container = (SELECT container FROM pool WHERE instance = ?1 AND"
			  " language = ?2 AND state = 'idle' ORDER BY created_ms LIMIT 1)"
			  " AND state = 'idle' RETURNING container", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now_ms());
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

	if ((rc = prepare(s, &q, "DELETE FROM pool WHERE container = ?1 AND state = 'idle'", e)) != 0)
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

	if ((rc = prepare(s, &q, "DELETE FROM pool WHERE container = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, container, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "remove from pool");
	sqlite3_finalize(q);
	return rc;
}

int store_pool_list(struct store *s, const char *instance, json_t **out, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prepare(s, &q, "SELECT container, language, state, created_ms, claimed_pid FROM pool"
			  " WHERE instance = ?1 ORDER BY language, created_ms", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	return rows_json(s, q, out, e);
}

/* ---- Metrics -------------------------------------------------------------------------- */

int store_counter_add(struct store *s, const char *name, long delta, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prepare(s, &q, "INSERT INTO counters (name, value) VALUES (?1, ?2)"
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
	if ((rc = prepare(s, &q, "SELECT coalesce(language, '') AS language, status, count(*) AS count,"
			  " coalesce(sum(duration_ms), 0) AS sum_ms,"
			  " sum(duration_ms <= 50) AS le_50, sum(duration_ms <= 100) AS le_100,"
			  " sum(duration_ms <= 250) AS le_250, sum(duration_ms <= 500) AS le_500,"
			  " sum(duration_ms <= 1000) AS le_1000, sum(duration_ms <= 2500) AS le_2500,"
			  " sum(duration_ms <= 5000) AS le_5000, sum(duration_ms <= 10000) AS le_10000,"
			  " sum(duration_ms <= 30000) AS le_30000"
			  " FROM runs WHERE accepted = 1 AND status NOT IN ('running', 'refused')"
			  " GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0 ||
	    (rc = rows_json(s, q, &runs, e)) != 0)
		goto fail;
	if ((rc = prepare(s, &q, "SELECT error_code AS code, count(*) AS count FROM runs"
			  " WHERE error_code IS NOT NULL GROUP BY 1 ORDER BY 1", e)) != 0 ||
	    (rc = rows_json(s, q, &refusals, e)) != 0)
		goto fail;
	if ((rc = prepare(s, &q, "SELECT language, state, count(*) AS count FROM pool"
			  " WHERE instance = ?1 GROUP BY 1, 2 ORDER BY 1, 2", e)) != 0)
		goto fail;
	sqlite3_bind_text(q, 1, instance, -1, SQLITE_STATIC);
	if ((rc = rows_json(s, q, &pool, e)) != 0)
		goto fail;
	{
		json_t *queue = NULL;

		if ((rc = prepare(s, &q, "SELECT count(queue_ms) AS waited, coalesce(sum(queue_ms), 0)"
				  " AS wait_ms FROM runs", e)) != 0 ||
		    (rc = rows_json(s, q, &queue, e)) != 0)
			goto fail;
		json_t *counters = NULL, *c, *obj = json_object();
		size_t i;

		if ((rc = prepare(s, &q, "SELECT name, value FROM counters", e)) != 0 ||
		    (rc = rows_json(s, q, &counters, e)) != 0) {
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
