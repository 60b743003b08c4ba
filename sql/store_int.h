/*
 * store_int: what the files of the store module share (store.c: opening, migrations and
 * the statement helpers; store_users.c; store_runs.c; store_files.c; store_exercises.c;
 * store_metrics.c): the connection, the statements prepared once per connection, and the
 * helpers. Only the store's own files include it, so <sqlite3.h> stays inside the store
 * module.
 */
#ifndef RUNBOX_STORE_INT_H
#define RUNBOX_STORE_INT_H

#include <sqlite3.h>

#include "clock.h"
#include "store.h"

/* Statements used per request are prepared once per connection and reset after use. */
enum stmt_id {
	ST_KEY_LOOKUP, ST_USER_FIND, ST_USER_INSERT, ST_RUN_BEGIN, ST_RUN_REFUSED,
	ST_RUN_FINISH, ST_RUN_CASE, ST_COUNT_MINUTE, ST_COUNT_DAY, ST_COUNT_RUNNING, ST_OLDEST_IN_MINUTE,
	ST_HEALTH, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
};

/* How a user is shown and named in the admin command: "alice", "remote:bob",
 * "address:10.0.0.5". */
#define DISPLAY_NAME "(CASE u.kind WHEN 'key' THEN u.name ELSE u.kind || ':' || u.name END)"



extern const char *const db_kind_names[]; /* "key", "remote", "address" */

/* Record the connection's last error in e: RC_NOMEM or RC_STORE with SQLite's message. */
int db_fail(struct store *s, struct err *e, const char *what);
/* The statement id, prepared on first use and kept for the connection; NULL on failure. */
sqlite3_stmt *db_stmt(struct store *s, enum stmt_id id, const char *sql, struct err *e);
/* Run a prepared statement to completion (no rows expected). Resets it. */
int db_step_done(struct store *s, sqlite3_stmt *q, struct err *e, const char *what);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (the last only if a transaction is open). */
int db_tx_begin(struct store *s, struct err *e);
int db_tx_commit(struct store *s, struct err *e);
void db_tx_rollback(struct store *s);
int db_exec(struct store *s, const char *sql, struct err *e, const char *what);
/* A statement prepared for one use (the caller finalizes it). */
int db_prepare(struct store *s, sqlite3_stmt **q, const char *sql, struct err *e);
/* Step q to its end, one element of size bytes per row appended to *rows (which it grows),
 * zeroed and then filled by fill (0, or RC_NOMEM); *n counts them. Finalizes q. On
 * failure each row read is released with release (if not NULL: rows holding no pointers)
 * and *rows is freed: nothing is left. */
int db_collect(struct store *s, sqlite3_stmt *q, void **rows, size_t *n, size_t size,
	       int (*fill)(void *row, sqlite3_stmt *q), void (*release)(void *row),
	       struct err *e);
/* Column i as a typed field: STORE_NULL for a NULL integer; a NUL-terminated copy of a
 * text (*len, if given, gets its length, which may count NUL bytes) or NULL for NULL.
 * *nomem is set if the copy could not be made. */
long long db_col_int(sqlite3_stmt *q, int i);
char *db_col_text(sqlite3_stmt *q, int i, size_t *len, int *nomem);

#endif
