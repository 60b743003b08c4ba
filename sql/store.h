/*
 * store: runbox's SQLite database: the run log, users, API keys and quotas, uploaded
 * files and teachers' exercises. The only
 * module that includes <sqlite3.h>. The schema lives in sql/migrations/NNNN_name.sql,
 * compiled in, applied in order and exactly once (each in its own BEGIN IMMEDIATE
 * transaction that re-checks the version, so several processes may start at once).
 *
 * One struct store per process (never shared across fork). Every write transaction takes
 * the write lock up front (BEGIN IMMEDIATE) and waits up to the busy timeout for it.
 *
 * Errors: RC_STORE (the database cannot be opened, read or written: disk full, file not
 * writable, locked longer than the busy timeout; e->msg says which), RC_NOMEM, and the
 * specific codes documented per function.
 *
 * Times are milliseconds since the epoch. Records are returned as typed rows that the
 * caller releases with the row type's _release or _free. In them an integer column that is
 * NULL reads as STORE_NULL and a NULL text as a NULL pointer, so "none" stays apart from 0
 * and "". How a row looks as JSON is for its reader to decide (fcgi/run_json.h).
 */
#ifndef RUNBOX_STORE_H
#define RUNBOX_STORE_H

#include <limits.h>
#include <stddef.h>

#include "err.h"

struct store;

/* An integer column that is NULL: a refused request has no exit code, which is not 0. */
#define STORE_NULL LLONG_MIN

/* Open (creating if needed) the database at path, set WAL mode and the busy timeout,
 * and apply every pending migration. */
int store_open(struct store **out, const char *path, int busy_timeout_ms, struct err *e);
/* Same, but apply migrations only up to version upto (for upgrade tests); 0 = all. */
int store_open_at(struct store **out, const char *path, int busy_timeout_ms, int upto,
		  struct err *e);
void store_close(struct store *s);

/* Schema version now (number of the last migration applied) and the newest known. */
int store_schema_version(struct store *s, int *version, struct err *e);
int store_schema_latest(void);

/* A real write (one row updated in a one-row table), so disk-full shows up. */
int store_check_writable(struct store *s, struct err *e);

/* ---- Users and keys ------------------------------------------------------------------ */

/* How a request's user was identified. Users are named "kind:name" in the admin command
 * except key users, which are just "name". */
enum user_kind { USER_KEY, USER_REMOTE, USER_ADDRESS };

/* Quota values; -1 in an override means "use the default". */
struct quota {
	long per_minute;
	long per_day;
	long concurrent;
	long max_code_bytes;
};

/* What a user may do besides running code (teachers will manage exercises). */
enum user_role { ROLE_STUDENT, ROLE_TEACHER, ROLE_ADMIN };

struct user {
	long long id;
	enum user_kind kind;
	char name[128];
	struct quota override;    /* per-user overrides, -1 where none */
	enum user_role role;
};

/* Find the user of an API key ("rbx_..."). RC_UNAUTHORIZED if no such key, or the key or
 * its user is revoked. */
int store_user_by_key(struct store *s, const char *key, struct user *u, struct err *e);

/* Find or create the user of a remote (nginx-authenticated) name or a client address.
 * RC_UNAUTHORIZED if that user has been revoked. */
int store_user_ensure(struct store *s, enum user_kind kind, const char *name, struct user *u,
		      struct err *e);

/* Admin: create a key user with role and its first key. key_out receives the key (shown
 * once; only its SHA-256 is stored). RC_EXISTS if the name is taken, RC_BAD_REQUEST for a
 * bad name. */
int store_user_add(struct store *s, const char *name, const char *note, enum user_role role,
		   char *key_out, size_t key_cap, struct err *e);
/* Admin: give a user ("alice", "remote:bob", "address:10.0.0.5") another role, revoked or
 * not; a sign-in name ("remote:bob") is added if it has not signed in yet. RC_NOT_FOUND if
 * no such key or address user, RC_BAD_REQUEST for a malformed user. */
int store_user_set_role(struct store *s, const char *user, enum user_role role,
			struct err *e);
/* Admin: another key for an existing key user. RC_NOT_FOUND if no such user. */
int store_key_add(struct store *s, const char *name, char *key_out, size_t key_cap,
		  struct err *e);
/* Admin: register a key that already exists elsewhere (the one CodeRunner is set up with)
 * with its exact value, for the key user name (created if needed: *created says so). Its
 * id ("key_" + 8 hex of its SHA-256) goes to id_out. RC_EXISTS if the key is registered
 * already, RC_BAD_REQUEST for a bad name or value or a revoked user. */
int store_key_import(struct store *s, const char *name, const char *value, char *id_out,
		     size_t id_cap, int *created, struct err *e);
/* Admin: revoke a user ("alice", "remote:bob", "address:10.0.0.5") and all its keys, or
 * one key by its id ("rbx_xxxxxxxx", or "key_xxxxxxxx" for an imported key, as user lists show). RC_NOT_FOUND. */
int store_user_revoke(struct store *s, const char *user, struct err *e);
int store_key_revoke(struct store *s, const char *key_id, struct err *e);
/* One API key of a user, as the admin command lists it. */
struct user_key {
	char *id;                   /* "rbx_1a2b3c4d", or "key_1a2b3c4d" for an imported key */
	long long created_ms;
	long long revoked_ms;       /* STORE_NULL while the key is valid */
};

/* One user, as the admin command lists it. */
struct user_row {
	long long id;
	char *user;                 /* as the admin command names it: "alice", "remote:bob" */
	enum user_kind kind;
	enum user_role role;
	char *note;                 /* NULL if none */
	long long created_ms;
	long long revoked_ms;       /* STORE_NULL unless revoked */
	struct quota override;      /* -1 where none */
	struct user_key *keys;      /* in the order they were added */
	size_t nkeys;
	long long runs_24h, runs_total; /* accepted runs: the last 24 hours, ever */
};

/* "key", "remote", "address". */
const char *user_kind_name(enum user_kind kind);
/* "student", "teacher", "admin"; and back: 0 with *out, or -1 for any other name. */
const char *user_role_name(enum user_role role);
int user_role_parse(const char *name, enum user_role *out);

/* Admin: every user, by kind then name: *out (free it with user_rows_free) holds *n rows.
 * On failure there is nothing to free. */
int store_user_list(struct store *s, struct user_row **out, size_t *n, struct err *e);
void user_rows_free(struct user_row *rows, size_t n);
/* Admin: set a user's overrides; fields of q that are -2 are left as they are, -1 clears
 * the override. RC_NOT_FOUND if no such user. */
int store_quota_set(struct store *s, const char *user, const struct quota *q, struct err *e);

/* ---- The run log ------------------------------------------------------------------- */

/* What is known when a request arrives. Strings may be NULL where unknown. */
struct run_entry {
	const char *run_id;
	long long received_ms;
	long long user_id;          /* 0 when the user is not known (refused before that) */
	const char *client_addr;
	const char *auth;           /* "key", "remote", "address", "none" */
	const char *instance;
	long worker_pid;
	const char *language;
	const char *code;           /* stored as sent (already within the size cap) */
	size_t code_len;
	size_t stdin_len;
	long queue_ms;              /* wait before a FastCGI process took the request */
	const char *face;           /* the API it came through: "editor" (NULL), "jobe"... */
	int quota_http;             /* the HTTP status a quota refusal gets there (0: 429) */
};

/* Why a run was refused for quota: which limit, its value, and when it frees up. */
struct quota_refusal {
	const char *limit;          /* "per_minute", "per_day", "concurrent" */
	long value;
	long long retry_after_ms;   /* from now */
};

/* Take one unit of every quota of the entry's user and log the run as started, in one
 * transaction. The check and the take are one INSERT ... SELECT ... WHERE, so parallel
 * processes can never exceed a limit. On refusal returns RC_QUOTA, fills qr, and logs the
 * request as refused (HTTP 429). q holds the effective limits. */
int store_run_begin(struct store *s, const struct run_entry *r, const struct quota *q,
		    long long midnight_ms, struct quota_refusal *qr, struct err *e);

/* Log a request refused before it could start (one complete row). */
int store_run_refused(struct store *s, const struct run_entry *r, int http, const char *code,
		      const char *message, struct err *e);

/* A test request's cases and what they add up to (the run's row gets the counts). */
struct case_outcome {
	const char *name;
	const char *verdict;        /* judge.h's verdict names */
	int hidden, weight;
	int ran;                    /* 0: duration, memory, exit code and signal are NULL */
	long duration_ms, memory_bytes;
	int exit_code, signal;
	const char *message;        /* NULL or "": none */
};
struct test_outcome {
	const char *exercise_id;    /* NULL: the client's own tests */
	int passed, total;
	double score;               /* percent of the weights passed */
	const struct case_outcome *cases;
	size_t ncases;
};

/* How a started run ended. Output is stored up to output_cap bytes per stream. */
struct run_outcome {
	long long finished_ms;
	const char *status;         /* "ok", "timeout", ... or "failed" for a server error */
	int http;
	const char *error_code;     /* NULL unless the run failed with an error response */
	const char *message;
	int exit_code, signal;
	long duration_ms, cpu_ms, memory_bytes;
	long stdout_bytes, stderr_bytes;
	int stdout_truncated, stderr_truncated;
	const char *out;            /* the run stage's output (valid UTF-8) */
	size_t out_len;
	const char *err;
	size_t err_len;
	size_t output_cap;
	int compiled;               /* the compile stage ran: compile holds its facts */
	struct {
		int exit_code, signal;
		long duration_ms, cpu_ms, memory_bytes;
		const char *out, *err;  /* valid UTF-8, stored up to output_cap */
		size_t out_len, err_len;
	} compile;
	const struct test_outcome *tests; /* a test request's, or NULL */
};

/* Complete a started run's row and free its concurrency slot; a test request's row with its
 * counts and one run_cases row per case, in the same transaction. */
int store_run_finish(struct store *s, const char *run_id, const struct run_outcome *o,
		     struct err *e);

/* Mark runs of this instance still "running" as "interrupted" (finishing them, which
 * frees their slots): those of worker pid (pid > 0), or all of them (pid == 0, at
 * start-up), or those older than older_than_ms (pid < 0, the periodic sweep). *n gets
 * the number of rows changed. */
int store_runs_interrupt(struct store *s, const char *instance, long pid,
			 long long older_than_ms, int *n, struct err *e);

/* One row of the run log. Integers are STORE_NULL and texts NULL where the column is NULL
 * (a request refused before it ran has no exit code; one refused before its user was known
 * has no user). Texts are NUL-terminated copies. The code and the stored output may hold
 * NUL bytes: their lengths come with them. */
struct run_row {
	char *id;
	long long received_ms, finished_ms;
	char *user;                 /* as the admin command names it: "alice", "remote:bob" */
	char *client_addr;
	char *auth;                 /* "key", "remote", "address", "none" */
	char *language;
	char *status;               /* "running", "ok", ..., "refused", "failed", "interrupted" */
	long long http_status;
	char *error_code, *message;
	long long exit_code, signal, duration_ms, cpu_ms, memory_bytes;
	long long code_bytes;
	char *code_sha256;
	long long stdin_bytes, stdout_bytes, stderr_bytes;
	long long stdout_truncated, stderr_truncated; /* 1 if cut at the output limit */
	char *face;                 /* the API it came through: "editor", "jobe", "piston" */
	/* Only store_run_get reads these; store_runs_list leaves them NULL and STORE_NULL. */
	char *code, *out, *err;     /* as stored: the output up to log_output_cap */
	size_t code_len, out_len, err_len;
	struct {
		long long exit_code, duration_ms, memory_bytes;
		char *out, *err;
		size_t out_len, err_len;
	} compile;                  /* all NULL and STORE_NULL: no compile stage ran */
};

/* Free the row's texts; *r is all NULL and 0 afterwards. */
void run_row_release(struct run_row *r);
/* Release each of the n rows, then free the array. */
void run_rows_free(struct run_row *rows, size_t n);

/* One run with its stored code and output into *out (release it with run_row_release);
 * owner_id > 0 restricts to that user (RC_NOT_FOUND otherwise, without saying whether it
 * exists). On failure there is nothing to release. */
int store_run_get(struct store *s, const char *run_id, long long owner_id,
		  struct run_row *out, struct err *e);

struct run_filter {
	const char *user;           /* as in the admin command, or NULL */
	const char *language;
	const char *status;
	long long since_ms, until_ms; /* 0 = open */
	int limit;                  /* newest first; <= 0 means 50 */
};
/* The runs that match f, without their code and output: *out (free it with run_rows_free)
 * holds *n rows. On failure there is nothing to free. */
int store_runs_list(struct store *s, const struct run_filter *f, struct run_row **out,
		    size_t *n, struct err *e);

/* The requests of one user or one language over a time range. */
struct stats_row {
	char *key;                  /* the user ("unknown": refused before it was known) or
				     * the language ("-": none) */
	long long requests;
	long long runs;             /* accepted: those that took a unit of quota */
	long long ok, runtime_error, compile_error, timeout, memory_limit, output_limit;
	long long failed;           /* status "failed" or "internal_error" */
	long long interrupted, refused;
	long long quota_refused;    /* refused for quota (error code quota_exceeded) */
	long long avg_duration_ms, max_duration_ms; /* STORE_NULL: none has a duration */
	long long cpu_ms;           /* total */
};

/* Usage per user or per language (by is "user" or "language"; RC_BAD_REQUEST otherwise)
 * over [since, until) (until 0: open), most requests first: *out (free it with
 * stats_rows_free) holds *n rows. On failure there is nothing to free. */
int store_stats(struct store *s, const char *by, long long since_ms, long long until_ms,
		struct stats_row **out, size_t *n, struct err *e);
void stats_rows_free(struct stats_row *rows, size_t n);

/* Delete finished runs received before before_ms. */
int store_prune(struct store *s, long long before_ms, int *n, struct err *e);

/* ---- Uploaded files ------------------------------------------------------------------ */

/* Keep data as the user's file id (replacing what was there), then evict the least
 * recently used other files (of anyone) until all together take at most max_total bytes. */
int store_file_put(struct store *s, long long user_id, const char *id, const void *data,
		   size_t len, long long max_total, struct err *e);
/* The user's file id: *data (the caller frees it) holds *len bytes; data may be NULL to
 * ask only whether it is there. Counts as a use. RC_NOT_FOUND if it is not (or was
 * evicted). */
int store_file_get(struct store *s, long long user_id, const char *id, unsigned char **data,
		   size_t *len, struct err *e);

/* ---- Exercises ----------------------------------------------------------------------- */

/* A file of an exercise (one its exercise.conf names, or one under a suite folder it
 * names): its path relative to the exercise's folder ("tests/test_fib.py") and its bytes. */
struct exercise_file {
	char *path;
	unsigned char *content;     /* NULL when not read (store_exercise_get without content) */
	size_t len;                 /* its size in bytes, read or not */
};

/* An exercise as stored. The definition is the exercise.conf text (core/exercise.h parses
 * it: the store does not). */
struct exercise_row {
	char *id, *title, *definition;
	long long created_ms, updated_ms;
	long long file_count, file_bytes; /* its files: how many, and their bytes together */
	struct exercise_file *files;      /* nfiles of them by path; only store_exercise_get */
	size_t nfiles;
};

/* Free the row's texts and files; *r is all NULL and 0 afterwards. */
void exercise_row_release(struct exercise_row *r);
/* Release each of the n rows, then free the array. */
void exercise_rows_free(struct exercise_row *rows, size_t n);
/* The row's file at path (store_exercise_get listed it), or NULL. */
const struct exercise_file *exercise_row_file(const struct exercise_row *r, const char *path);

/* Store exercise id (letters, digits, '-' and '_', at most 63) with its title, definition
 * and nfiles files (copied), in one transaction. replace == 0 adds it: RC_EXISTS if the id
 * is taken. replace != 0 replaces an existing one: its title, definition and every file
 * (files it had that are not in files[] are gone), keeping created_ms; RC_NOT_FOUND if
 * there is no such exercise. RC_BAD_REQUEST for a bad id, an empty title, a file without
 * a path or a path given twice; then nothing changed. */
int store_exercise_put(struct store *s, const char *id, const char *title,
		       const char *definition, const struct exercise_file *files, size_t nfiles,
		       int replace, struct err *e);
/* Every exercise by id, with its definition but without its files: *out (free it with
 * exercise_rows_free) holds *n rows. On failure there is nothing to free. */
int store_exercise_list(struct store *s, struct exercise_row **out, size_t *n,
			struct err *e);
/* Exercise id with the list of its files, and their bytes if with_content, into *out
 * (release it with exercise_row_release). RC_NOT_FOUND; on failure there is nothing to
 * release. */
int store_exercise_get(struct store *s, const char *id, int with_content,
		       struct exercise_row *out, struct err *e);
/* Delete exercise id and its files. RC_NOT_FOUND. */
int store_exercise_remove(struct store *s, const char *id, struct err *e);

/* One student's results on one exercise, from the test requests the run log holds. */
struct result_row {
	char *user;                 /* the user as the admin command names users ("alice",
				     * "remote:bob", "address:10.0.0.5") */
	long long attempts;         /* test requests that ran (a compile error counts) */
	double best, latest;        /* scores in percent */
	long long latest_passed, latest_total;
	long long first_ms, last_ms;
	char *latest_run;           /* the latest attempt's run id (its code: runbox run ID) */
};
/* Results on exercise id per user (user NULL: every user who tried it), by user name:
 * *out (free it with result_rows_free) holds *n rows. */
int store_results(struct store *s, const char *exercise_id, const char *user,
		  struct result_row **out, size_t *n, struct err *e);
void result_rows_free(struct result_row *rows, size_t n);

/* ---- Metrics -------------------------------------------------------------------------- */

/* What /metrics reports from the run log (the pool's counts and the container counters
 * come from the runner process). Counts are over the whole run log (prune lowers them). */
#define METRICS_BUCKETS 9
extern const long metrics_bucket_ms[METRICS_BUCKETS]; /* 50 ms ... 30 s, upper bounds */
struct metrics_runs {                 /* finished runs of one language and status */
	char language[64], status[32];
	long long count, sum_ms;
	long long le[METRICS_BUCKETS];    /* runs that took at most metrics_bucket_ms[k] */
};
struct metrics_count {                /* refusals by error code */
	char name[64];
	long long count;
};
struct metrics {
	struct metrics_runs *runs;
	size_t nruns;
	struct metrics_count *refusals;
	size_t nrefusals;
	long long queue_waited, queue_wait_ms; /* requests that waited for a process, and how long */
};
int store_metrics(struct store *s, struct metrics *out, struct err *e);
void store_metrics_release(struct metrics *m);

/* What a backup copied. */
struct store_backup_info {
	int pages;
	long long bytes, runs, users, exercises;
};

/* Copy the database into dest, as it is at one moment while the server goes on writing
 * (SQLite's online backup): dest is an empty file that exists already (the caller makes it,
 * with the owner and mode it wants), in a folder the caller may write. The copy is one file
 * (no -wal), checked (quick_check) and counted. */
int store_backup(struct store *s, const char *dest, struct store_backup_info *info,
		 struct err *e);

#endif
