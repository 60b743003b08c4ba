/*
 * store: the connection, the schema's migrations and the statement helpers every part of
 * the store uses (store_int.h). Users and keys are in store_users.c, the run log in
 * store_runs.c, uploaded files in store_files.c, teachers' exercises in
 * store_exercises.c, and the metrics in store_metrics.c.
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "migrations.h"

const char *const db_kind_names[] = { "key", "remote", "address" };

const char *user_kind_name(enum user_kind kind)
{
	return db_kind_names[kind];
}

int db_fail(struct store *s, struct err *e, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);

	if (code == SQLITE_NOMEM)
		return err_set(e, RC_NOMEM, "%s: out of memory", what);
	return err_set(e, RC_STORE, "database: %s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *db_stmt(struct store *s, enum stmt_id id, const char *sql, struct err *e)
{
	if (s->st[id] == NULL &&
	    sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) != SQLITE_OK) {
		(void)db_fail(s, e, "prepare");
		return NULL;
	}
	return s->st[id];
}

/* Run a prepared statement to completion (no rows expected). Resets it. */
int db_step_done(struct store *s, sqlite3_stmt *q, struct err *e, const char *what)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_fail(s, e, what);
}

int db_tx_begin(struct store *s, struct err *e)
{
	/* IMMEDIATE: take the write lock now, waiting up to the busy timeout. A deferred
	 * BEGIN that reads then writes fails with SQLITE_BUSY under several writers. */
	sqlite3_stmt *q = db_stmt(s, ST_BEGIN, "BEGIN IMMEDIATE", e);

	return q ? db_step_done(s, q, e, "begin") : RC_STORE;
}

int db_tx_commit(struct store *s, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_COMMIT, "COMMIT", e);

	return q ? db_step_done(s, q, e, "commit") : RC_STORE;
}

void db_tx_rollback(struct store *s)
{
	struct err ignored;
	sqlite3_stmt *q;

	if (sqlite3_get_autocommit(s->db))
		return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	if ((q = db_stmt(s, ST_ROLLBACK, "ROLLBACK", &ignored)) != NULL)
		(void)db_step_done(s, q, &ignored, "rollback");
}

int db_exec(struct store *s, const char *sql, struct err *e, const char *what)
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

	if (db_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
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
		if ((rc = db_exec(s, "BEGIN IMMEDIATE", e, "begin migration")) != 0)
			return rc;
		if ((rc = version_now(s, &v, e)) != 0)
			goto fail;
		if (v >= m->version) {
			if ((rc = db_exec(s, "COMMIT", e, "commit")) != 0)
				goto fail;
			continue;
		}
		if ((rc = db_exec(s, m->sql, e, m->name)) != 0)
			goto fail;
		if (sqlite3_prepare_v2(s->db, "INSERT INTO schema_migrations (version, name, applied_ms)"
				       " VALUES (?1, ?2, ?3)", -1, &q, NULL) != SQLITE_OK) {
			rc = db_fail(s, e, "record migration");
			goto fail;
		}
		sqlite3_bind_int(q, 1, m->version);
		sqlite3_bind_text(q, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, clock_wall_ms());
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "record migration");
		sqlite3_finalize(q);
		if (rc != 0 || (rc = db_exec(s, "COMMIT", e, "commit migration")) != 0)
			goto fail;
	}
	return 0;
fail:
	db_tx_rollback(s);
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
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK ||
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
	/* NOFOLLOW: the database's folder belongs to the workers' user; a root process (the
	 * admin command) must not be led elsewhere by a symlink put in its place. */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		rc = err_set(e, RC_STORE, "database %s: %s", path,
			     s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	sqlite3_extended_result_codes(s->db, 1);
	/* WAL: readers never block the writer. synchronous=NORMAL is durable across
	 * process crashes, which is what a killed worker is. */
	if ((rc = db_exec(s, "PRAGMA journal_mode = WAL", e, path)) != 0 ||
	    (rc = db_exec(s, "PRAGMA synchronous = NORMAL", e, path)) != 0 ||
	    (rc = db_exec(s, "PRAGMA foreign_keys = ON", e, path)) != 0 ||
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
	sqlite3_stmt *q = db_stmt(s, ST_HEALTH, "UPDATE health SET checked_ms = ?1 WHERE id = 1", e);

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_int64(q, 1, clock_wall_ms());
	return db_step_done(s, q, e, "write check");
}

/* ---- Statements prepared for one use (the admin command's queries) ------------------ */

int db_prepare(struct store *s, sqlite3_stmt **q, const char *sql, struct err *e)
{
	return sqlite3_prepare_v2(s->db, sql, -1, q, NULL) == SQLITE_OK ? 0 : db_fail(s, e, "prepare");
}

int db_collect(struct store *s, sqlite3_stmt *q, void **rows, size_t *n, size_t size,
	       int (*fill)(void *row, sqlite3_stmt *q), void (*release)(void *row),
	       struct err *e)
{
	char *list = NULL;
	size_t cap = 0, i;
	int rc;

	*rows = NULL;
	*n = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t want = cap ? 2 * cap : 16;
			char *grown = want > SIZE_MAX / size ? NULL : realloc(list, want * size);

			if (grown == NULL)
				break;
			list = grown;
			cap = want;
		}
		/* Counted before it is filled, so a row half filled is released too. */
		memset(list + *n * size, 0, size);
		if (fill(list + (*n)++ * size, q) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = err_set(e, RC_NOMEM, "read: out of memory");
	else
		rc = db_fail(s, e, "read");
	sqlite3_finalize(q);
	if (rc == 0) {
		*rows = list;
		return 0;
	}
	for (i = 0; release != NULL && i < *n; i++)
		release(list + i * size);
	free(list);
	*n = 0;
	return rc;
}

long long db_col_int(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? STORE_NULL : sqlite3_column_int64(q, i);
}

char *db_col_text(sqlite3_stmt *q, int i, size_t *len, int *nomem)
{
	const unsigned char *t;
	size_t n;
	char *p;

	if (len)
		*len = 0;
	/* The type first: reading the text converts the value, and then it is never NULL. */
	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return NULL;
	t = sqlite3_column_text(q, i);
	n = (size_t)sqlite3_column_bytes(q, i);
	if (t == NULL && sqlite3_errcode(sqlite3_db_handle(q)) == SQLITE_NOMEM) {
		*nomem = 1;
		return NULL;
	}
	if ((p = malloc(n + 1)) == NULL) {
		*nomem = 1;
		return NULL;
	}
	if (n)
		memcpy(p, t, n);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

/* A count from the copy, for the report ("SELECT count(*) FROM ..."). */
static long long copy_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int store_backup(struct store *s, const char *dest, struct store_backup_info *info,
		 struct err *e)
{
	sqlite3 *d = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *q = NULL;
	int rc, step = SQLITE_ERROR, tries = 0;

	memset(info, 0, sizeof *info);
	if (sqlite3_open_v2(dest, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		rc = err_set(e, RC_STORE, "backup %s: %s", dest, d ? sqlite3_errmsg(d) : "cannot open");
		goto out;
	}
	if ((b = sqlite3_backup_init(d, "main", s->db, "main")) == NULL) {
		rc = err_set(e, RC_STORE, "backup %s: %s", dest, sqlite3_errmsg(d));
		goto out;
	}
	/* One step copies everything under one read snapshot: the server's writers go on
	 * (WAL), and the copy is the database as it was at one moment. */
	while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED) {
		if (++tries > 50)
			break;
		sqlite3_sleep(100);
	}
	info->pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
		rc = err_set(e, RC_STORE, "backup %s: %s", dest,
			     step == SQLITE_DONE ? sqlite3_errmsg(d) : sqlite3_errstr(step));
		goto out;
	}
	/* One file, with no -wal beside it: the server turns WAL on again when it opens a
	 * restored copy. */
	if (sqlite3_exec(d, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0) {
		rc = err_set(e, RC_STORE, "backup %s: the copy does not pass SQLite's check (%s)",
			     dest, q != NULL && sqlite3_column_text(q, 0) != NULL
			     ? (const char *)sqlite3_column_text(q, 0) : sqlite3_errmsg(d));
		goto out;
	}
	info->bytes = (long long)info->pages * copy_count(d, "PRAGMA page_size");
	info->runs = copy_count(d, "SELECT count(*) FROM runs");
	info->users = copy_count(d, "SELECT count(*) FROM users");
	info->exercises = copy_count(d, "SELECT count(*) FROM exercises");
	rc = 0;
out:
	sqlite3_finalize(q);
	if (d != NULL && sqlite3_close(d) != SQLITE_OK && rc == 0)
		rc = err_set(e, RC_STORE, "backup %s: could not close the copy", dest);
	return rc;
}
