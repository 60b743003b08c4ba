/* The store against real SQLite files in a fresh temporary directory per test. Tests may
 * read the database directly with <sqlite3.h> to check what the store's API cannot show.
 * Longer than the usual ~600 lines: one test file per module, sharing these fixtures,
 * reads better than the store's tests split across files. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "sha256.h"
#include "store.h"
#include "store_fixture.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Raw SQL that must succeed. */
static void sql_exec(const char *path, const char *sql)
{
	assert_int_equal(sql_rc(path, sql), SQLITE_OK);
}

/* The whole file into a malloc'ed buffer (empty if it does not exist). */
static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	struct stat st;

	*n = 0;
	if (fp == NULL)
		return calloc(1, 1);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	*n = fread(p, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return p;
}

/* Whether text occurs in the database file or its write-ahead log. */
static int in_files(const char *path, const char *text)
{
	char wal[160];
	const char *files[2] = { path, wal };
	int i, hit = 0;

	(void)snprintf(wal, sizeof wal, "%s-wal", path);
	for (i = 0; i < 2; i++) {
		size_t n;
		unsigned char *p = slurp(files[i], &n);

		hit |= memmem(p, n, text, strlen(text)) != NULL;
		free(p);
	}
	return hit;
}

static struct run_entry entry(const char *id, long long user, long long received)
{
	return (struct run_entry){ .run_id = id, .received_ms = received, .user_id = user,
				   .client_addr = "10.0.0.1", .auth = "remote", .instance = "i1",
				   .worker_pid = 100, .language = "python", .code = "print(1)",
				   .code_len = 8, .stdin_len = 0 };
}

static const struct quota big = { 1000000, 1000000, 1000000, 0 };

static int begin(struct store *s, const struct run_entry *r, const struct quota *q,
		 long long midnight, struct quota_refusal *qr)
{
	struct err e;

	err_init(&e);
	return store_run_begin(s, r, q, midnight, qr, &e);
}

static void finish(struct store *s, const char *id, const char *status, long duration)
{
	struct run_outcome o = { .finished_ms = now_ms(), .status = status, .http = 200,
				 .duration_ms = duration, .cpu_ms = duration, .output_cap = 100 };
	struct err e;

	assert_int_equal(store_run_finish(s, id, &o, &e), 0);
}

static long long ensure(struct store *s, enum user_kind kind, const char *name)
{
	struct user u;
	struct err e;

	assert_int_equal(store_user_ensure(s, kind, name, &u, &e), 0);
	return u.id;
}

/* The run's row; the caller releases it. */
static struct run_row get_run(struct store *s, const char *id)
{
	struct run_row r;
	struct err e;

	err_init(&e);
	if (store_run_get(s, id, 0, &r, &e) != 0)
		fail_msg("store_run_get %s: %s", id, e.msg);
	return r;
}

static void assert_status(struct store *s, const char *id, const char *status)
{
	struct run_row r = get_run(s, id);

	assert_string_equal(r.status, status);
	run_row_release(&r);
}

/* Start children that each wait at the barrier, then run fn(path, arg). */
static void spawn(int n, pid_t *pids, const char *path, int arg,
		  int (*fn)(const char *, int, int))
{
	int gate[2], i;

	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char c;

			close(gate[1]);
			/* EOF when the parent lets everyone go */
			if (read(gate[0], &c, 1) < 0)
				_exit(99);
			close(gate[0]);
			_exit(fn(path, arg, i));
		}
	}
	close(gate[0]);
	close(gate[1]);
}

/* Wait for every child before asserting, so none outlives a failed test. codes[i] gets
 * child i's exit status, or -1 if it did not exit normally. */
static void wait_all(int n, const pid_t *pids, int *codes)
{
	int i, st;

	for (i = 0; i < n; i++)
		codes[i] = waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- 1-3, 12: opening and migrations ----------------------------------------------- */

static void test_migrations_once(void **state)
{
	struct fx *f = *state;
	struct store *s;
	struct err e;
	int v, latest = store_schema_latest();

	assert_true(latest >= 2);
	s = open_ok(f->path);
	assert_int_equal(store_schema_version(s, &v, &e), 0);
	assert_int_equal(v, latest);
	store_close(s);
	s = open_ok(f->path);
	assert_int_equal(store_schema_version(s, &v, &e), 0);
	assert_int_equal(v, latest);
	store_close(s);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM schema_migrations"), latest);
	assert_int_equal(sql_int(f->path, "SELECT count(DISTINCT version) FROM schema_migrations"), latest);
}

static void test_upgrade_in_place(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	struct run_row r;
	struct err e;
	int v;

	assert_int_equal(store_open_at(&s, f->path, BUSY_MS, 1, &e), 0);
	assert_int_equal(store_schema_version(s, &v, &e), 0);
	assert_int_equal(v, 1);
	store_close(s);
	/* The store's statements are written for the newest schema (store_run_refused names
	 * the code column of migration 2), so the v1 row is written as v1 code would have. */
	sql_exec(f->path, "INSERT INTO runs (id, received_ms, instance, auth, accepted, status,"
		 " http_status, error_code) VALUES ('old1', 1000, 'i1', 'none', 0, 'refused', 401,"
		 " 'unauthorized')");
	s = open_ok(f->path);
	assert_int_equal(store_schema_version(s, &v, &e), 0);
	assert_int_equal(v, store_schema_latest());
	/* Columns the later migrations added read as NULL, not as 0 or "". */
	r = get_run(s, "old1");
	assert_string_equal(r.status, "refused");
	assert_int_equal(r.http_status, 401);
	assert_string_equal(r.error_code, "unauthorized");
	assert_null(r.code);
	assert_null(r.out);
	assert_null(r.err);
	assert_null(r.user);
	assert_true(r.finished_ms == STORE_NULL);
	assert_true(r.exit_code == STORE_NULL);
	assert_true(r.compile.exit_code == STORE_NULL);
	assert_null(r.compile.out);
	assert_string_equal(r.face, "editor"); /* migration 6's default */
	run_row_release(&r);
	assert_int_equal(store_check_writable(s, &e), 0);
	store_close(s);
}

/* Migration 8 drops the warm pool's table and the counters table (the runner process keeps
 * the pool and its container counters now), from a database that had them in use. */
static void test_upgrade_drops_pool(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	struct err e;

	assert_int_equal(store_open_at(&s, f->path, BUSY_MS, 7, &e), 0);
	store_close(s);
	sql_exec(f->path, "INSERT INTO pool (container, instance, language, state, created_ms)"
		 " VALUES ('aaa1', 'i1', 'python', 'idle', 1000);"
		 " INSERT INTO counters (name, value) VALUES ('containers_created', 3),"
		 " ('containers_removed', 2), ('other', 5)");
	s = open_ok(f->path);
	store_close(s);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_master"
				 " WHERE name IN ('pool', 'pool_idle', 'counters')"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1);
}

static int child_open(const char *path, int arg, int i)
{
	struct store *s = NULL;
	struct err e;
	int v;

	(void)arg;
	err_init(&e);
	if (store_open(&s, path, BUSY_MS, &e) != 0 || store_schema_version(s, &v, &e) != 0) {
		fprintf(stderr, "child %d: %s\n", i, e.msg);
		store_close(s);
		return 1;
	}
	store_close(s);
	return v == store_schema_latest() ? 0 : 2;
}

static void test_concurrent_first_start(void **state)
{
	struct fx *f = *state;
	char path[160];
	pid_t pids[6];
	int codes[6], round, i;

	/* Many rounds on fresh files: the race this guards against (switching a fresh file to
	 * WAL while others have it open) showed up in only a few percent of single rounds. */
	for (round = 0; round < 50; round++) {
		(void)snprintf(path, sizeof path, "%s/first%d.db", f->dir, round);
		spawn(6, pids, path, 0, child_open);
		wait_all(6, pids, codes);
		for (i = 0; i < 6; i++)
			assert_int_equal(codes[i], 0);
		assert_int_equal(sql_int(path, "SELECT count(*) FROM schema_migrations"),
				 store_schema_latest());
	}
}

static void test_check_writable(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct err e;

	assert_int_equal(store_check_writable(s, &e), 0);
	assert_true(sql_int(f->path, "SELECT checked_ms FROM health") > 0);
	store_close(s);
}

/* ---- 4-5: users and keys ------------------------------------------------------------ */

static void test_keys(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	char key[64], key2[64], bad[64], id[13], hex[SHA256_HEX];
	struct user u;
	struct err e;
	size_t i;
	char too_long[66];
	const char *bad_names[] = { "", "a b", "remote:x", "\xc3\xa9", "x'--", too_long };

	memset(too_long, 'a', 65);
	too_long[65] = '\0';
	assert_int_equal(store_user_add(s, "alice", "6B", ROLE_STUDENT, key, sizeof key, &e), 0);
	assert_int_equal(strlen(key), 44);
	assert_memory_equal(key, "rbx_", 4);
	for (i = 4; i < 44; i++)
		assert_non_null(strchr("0123456789abcdef", key[i]));
	assert_int_equal(store_user_by_key(s, key, &u, &e), 0);
	assert_string_equal(u.name, "alice");
	assert_int_equal(u.kind, USER_KEY);
	assert_true(u.id > 0);
	assert_int_equal(u.override.per_minute, -1);

	(void)snprintf(bad, sizeof bad, "%s", key);
	bad[43] = bad[43] == '0' ? '1' : '0';
	assert_int_equal(store_user_by_key(s, bad, &u, &e), RC_UNAUTHORIZED);
	assert_int_equal(store_user_by_key(s, "", &u, &e), RC_UNAUTHORIZED);

	/* Only the SHA-256 of the key is kept. */
	sha256_hex(key, strlen(key), hex);
	assert_false(in_files(f->path, key));
	assert_true(in_files(f->path, hex));

	/* A second key; revoking the first by its public id leaves the second working. */
	assert_int_equal(store_key_add(s, "alice", key2, sizeof key2, &e), 0);
	assert_string_not_equal(key, key2);
	(void)snprintf(id, sizeof id, "%.12s", key);
	assert_int_equal(store_key_revoke(s, id, &e), 0);
	assert_int_equal(store_user_by_key(s, key, &u, &e), RC_UNAUTHORIZED);
	assert_int_equal(store_user_by_key(s, key2, &u, &e), 0);
	assert_int_equal(store_key_revoke(s, "rbx_nothere", &e), RC_NOT_FOUND);
	assert_int_equal(store_key_add(s, "nobody", bad, sizeof bad, &e), RC_NOT_FOUND);

	/* Refused adds leave nothing behind (no orphan key). */
	assert_int_equal(store_user_add(s, "alice", NULL, ROLE_STUDENT, bad, sizeof bad, &e), RC_EXISTS);
	for (i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
		assert_int_equal(store_user_add(s, bad_names[i], NULL, ROLE_STUDENT, bad, sizeof bad,
						&e), RC_BAD_REQUEST);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM api_keys"), 2);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM users"), 1);

	/* Revoking the user revokes every one of its keys. */
	assert_int_equal(store_user_revoke(s, "alice", &e), 0);
	assert_int_equal(store_user_by_key(s, key2, &u, &e), RC_UNAUTHORIZED);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM api_keys WHERE revoked_ms IS NULL"), 0);
	assert_int_equal(store_user_revoke(s, "bob", &e), RC_NOT_FOUND);
	assert_int_equal(store_user_revoke(s, "nokind:bob", &e), RC_BAD_REQUEST);
	store_close(s);

	/* After the last close everything is in the database file itself. */
	assert_false(in_files(f->path, key));
	assert_true(in_files(f->path, hex));
}

static void test_user_ensure(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	char key[64];
	struct user u;
	struct err e;
	long long bob, addr;

	bob = ensure(s, USER_REMOTE, "bob");
	assert_true(bob > 0);
	assert_int_equal(ensure(s, USER_REMOTE, "bob"), bob);
	addr = ensure(s, USER_ADDRESS, "10.0.0.5");
	assert_true(addr > 0 && addr != bob);
	assert_int_equal(ensure(s, USER_ADDRESS, "10.0.0.5"), addr);
	assert_int_equal(store_user_ensure(s, USER_ADDRESS, "10.0.0.5", &u, &e), 0);
	assert_int_equal(u.kind, USER_ADDRESS);
	assert_string_equal(u.name, "10.0.0.5");
	/* Same name, other kind: another user. */
	assert_int_equal(store_user_add(s, "bob", NULL, ROLE_STUDENT, key, sizeof key, &e), 0);
	assert_int_equal(store_user_by_key(s, key, &u, &e), 0);
	assert_true(u.id != bob);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM users"), 3);

	assert_int_equal(store_user_revoke(s, "remote:bob", &e), 0);
	assert_int_equal(store_user_ensure(s, USER_REMOTE, "bob", &u, &e), RC_UNAUTHORIZED);
	assert_int_equal(ensure(s, USER_ADDRESS, "10.0.0.5"), addr);
	assert_int_equal(store_user_by_key(s, key, &u, &e), 0);
	assert_int_equal(store_user_revoke(s, "address:10.0.0.5", &e), 0);
	assert_int_equal(store_user_ensure(s, USER_ADDRESS, "10.0.0.5", &u, &e), RC_UNAUTHORIZED);
	store_close(s);
}

/* ---- 6-7: quotas -------------------------------------------------------------------- */

static void test_quota_per_minute(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota q = { 3, 1000000, 1000000, 0 };
	struct quota_refusal qr;
	struct run_filter rf = { .status = "refused" };
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "bob"), t = now_ms();
	char id[32];
	struct run_row *list = NULL;
	size_t n = 0;
	int i;

	/* Runs received two minutes ago fill their own minute, not this one. */
	for (i = 0; i < 3; i++) {
		(void)snprintf(id, sizeof id, "old%d", i);
		r = entry(id, user, t - 120000);
		assert_int_equal(begin(s, &r, &q, t - 3600000, &qr), 0);
	}
	for (i = 0; i < 3; i++) {
		(void)snprintf(id, sizeof id, "new%d", i);
		r = entry(id, user, t);
		assert_int_equal(begin(s, &r, &q, t - 3600000, &qr), 0);
	}
	r = entry("over", user, t);
	assert_int_equal(begin(s, &r, &q, t - 3600000, &qr), RC_QUOTA);
	assert_string_equal(qr.limit, "per_minute");
	assert_int_equal(qr.value, 3);
	assert_true(qr.retry_after_ms >= 1000 && qr.retry_after_ms <= 60000);

	assert_int_equal(store_runs_list(s, &rf, &list, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, "over");
	assert_string_equal(list[0].error_code, "quota_exceeded");
	assert_int_equal(list[0].http_status, 429);
	assert_string_equal(list[0].message, "quota per_minute=3");
	run_rows_free(list, n);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs WHERE accepted = 1"), 6);
	store_close(s);
}

static void test_quota_concurrent(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota q = { 1000000, 1000000, 2, 0 };
	struct quota_refusal qr;
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "bob"), t = now_ms();

	r = entry("c1", user, t);
	assert_int_equal(begin(s, &r, &q, 0, &qr), 0);
	r = entry("c2", user, t);
	assert_int_equal(begin(s, &r, &q, 0, &qr), 0);
	r = entry("c3", user, t);
	assert_int_equal(begin(s, &r, &q, 0, &qr), RC_QUOTA);
	assert_string_equal(qr.limit, "concurrent");
	assert_int_equal(qr.value, 2);
	assert_true(qr.retry_after_ms >= 1000);
	finish(s, "c1", "ok", 10);
	r = entry("c4", user, t);
	assert_int_equal(begin(s, &r, &q, 0, &qr), 0);
	r = entry("c5", user, t);
	assert_int_equal(begin(s, &r, &q, 0, &qr), RC_QUOTA);
	store_close(s);
}

static void test_quota_per_day(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota q = { 1000000, 2, 1000000, 0 };
	struct quota_refusal qr;
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "bob"), t = now_ms(), midnight = t - 10000;

	r = entry("yesterday", user, midnight - 5000);
	assert_int_equal(begin(s, &r, &q, midnight - 86400000LL, &qr), 0);
	r = entry("d1", user, t);
	assert_int_equal(begin(s, &r, &q, midnight, &qr), 0);
	r = entry("d2", user, t);
	assert_int_equal(begin(s, &r, &q, midnight, &qr), 0);
	r = entry("d3", user, t);
	assert_int_equal(begin(s, &r, &q, midnight, &qr), RC_QUOTA);
	assert_string_equal(qr.limit, "per_day");
	assert_int_equal(qr.value, 2);
	assert_int_equal(qr.retry_after_ms, midnight + 86400000LL - t);
	assert_status(s, "d3", "refused");
	store_close(s);
}

static int child_quota(const char *path, int user, int i)
{
	struct quota q = { 10, 1000000, 1000, 0 };
	struct quota_refusal qr;
	struct store *s = NULL;
	struct run_entry r;
	struct err e;
	char id[32];
	int n, rc, accepted = 0, bad = 0;

	err_init(&e);
	if (store_open(&s, path, BUSY_MS, &e) != 0) {
		fprintf(stderr, "child %d: open: %s\n", i, e.msg);
		return 100;
	}
	for (n = 0; n < 20; n++) {
		(void)snprintf(id, sizeof id, "p%d-%d", i, n);
		r = entry(id, user, now_ms());
		rc = store_run_begin(s, &r, &q, 0, &qr, &e);
		if (rc == 0)
			accepted++;
		else if (rc != RC_QUOTA) {
			fprintf(stderr, "child %d: begin: %s\n", i, e.msg);
			bad = 1;
		}
	}
	store_close(s);
	return bad ? 100 : accepted;
}

static void test_quota_across_processes(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	long long user = ensure(s, USER_REMOTE, "bob");
	pid_t pids[8];
	int codes[8], i, total = 0;

	store_close(s);
	spawn(8, pids, f->path, (int)user, child_quota);
	wait_all(8, pids, codes);
	for (i = 0; i < 8; i++) {
		/* 100: the child got an error other than RC_QUOTA (see its stderr) */
		assert_in_range(codes[i], 0, 20);
		total += codes[i];
	}
	assert_int_equal(total, 10);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs"), 160);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs WHERE accepted = 1"), 10);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs WHERE status = 'refused'"
				 " AND error_code = 'quota_exceeded'"), 150);
}

/* ---- 8-10: finishing, interrupting, reading one run ---------------------------------- */

static void test_finish_caps_output(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota_refusal qr;
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "bob");
	const char out[] = "a\xc3\xa9\xe2\x82\xac" "xyz"; /* a é € xyz */
	struct run_outcome o = { .finished_ms = now_ms(), .status = "runtime_error", .http = 200,
				 .message = "", .exit_code = 1, .duration_ms = 12, .cpu_ms = 7,
				 .memory_bytes = 4096, .stdout_bytes = 9, .stderr_bytes = 11,
				 .stdout_truncated = 1, .out = out, .out_len = 9,
				 .err = "hello world", .err_len = 11, .output_cap = 5 };
	char hex[SHA256_HEX];
	int n;
	struct run_row j;
	struct err e;

	r = entry("f1", user, now_ms());
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	assert_status(s, "f1", "running");
	assert_int_equal(store_run_finish(s, "f1", &o, &e), 0);
	j = get_run(s, "f1");
	assert_string_equal(j.status, "runtime_error");
	assert_int_equal(j.exit_code, 1);
	assert_int_equal(j.signal, 0);
	assert_int_equal(j.duration_ms, 12);
	assert_int_equal(j.cpu_ms, 7);
	assert_int_equal(j.memory_bytes, 4096);
	assert_int_equal(j.stdout_bytes, 9);
	assert_int_equal(j.stderr_bytes, 11);
	assert_int_equal(j.stdout_truncated, 1);
	assert_int_equal(j.stderr_truncated, 0);
	assert_int_equal(j.finished_ms, o.finished_ms);
	assert_int_equal(j.http_status, 200);
	assert_null(j.message);
	assert_null(j.error_code);
	/* Cut at 5 bytes would split the euro sign: the stored text stops before it. */
	assert_non_null(j.out);
	assert_true(j.out_len <= 5);
	assert_true(utf8_valid((const unsigned char *)j.out, j.out_len));
	assert_int_equal(j.out_len, 3);
	assert_memory_equal(j.out, "a\xc3\xa9", 3);
	assert_int_equal(j.err_len, 5);
	assert_string_equal(j.err, "hello");
	assert_int_equal(j.code_len, 8);
	assert_string_equal(j.code, "print(1)");
	sha256_hex("print(1)", 8, hex);
	assert_string_equal(j.code_sha256, hex);
	assert_int_equal(j.code_bytes, 8);
	assert_int_equal(j.stdin_bytes, 0);
	assert_string_equal(j.user, "remote:bob");
	assert_string_equal(j.client_addr, "10.0.0.1");
	assert_string_equal(j.auth, "remote");
	assert_string_equal(j.language, "python");
	run_row_release(&j);

	/* A run taken for dead that finishes after all still gets its result. */
	r = entry("f2", user, now_ms());
	r.worker_pid = 4242;
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	assert_int_equal(store_runs_interrupt(s, "i1", 4242, 0, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_status(s, "f2", "interrupted");
	o.status = "ok";
	o.out = "\xe2\x82\xac\xe2\x82\xac"; /* €€ under a cap of 4: one € */
	o.out_len = 6;
	o.output_cap = 4;
	o.err_len = 0;
	assert_int_equal(store_run_finish(s, "f2", &o, &e), 0);
	j = get_run(s, "f2");
	assert_string_equal(j.status, "ok");
	assert_string_equal(j.out, "\xe2\x82\xac");
	assert_non_null(j.err); /* stored empty: not the same as not stored */
	assert_int_equal(j.err_len, 0);
	/* No compile stage: its columns stay empty. Every row says which face it came by. */
	assert_null(j.compile.out);
	assert_null(j.compile.err);
	assert_true(j.compile.exit_code == STORE_NULL);
	assert_true(j.compile.duration_ms == STORE_NULL);
	assert_true(j.compile.memory_bytes == STORE_NULL);
	assert_string_equal(j.face, "editor");
	run_row_release(&j);
	store_close(s);
}

/* The compile stage is logged beside the run stage, capped the same way; the face is
 * the one the entry names. */
static void test_finish_logs_compile_stage(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota_refusal qr;
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "carol");
	struct run_outcome o = { .finished_ms = now_ms(), .status = "compile_error", .http = 200,
				 .output_cap = 8, .compiled = 1,
				 .compile = { .exit_code = 1, .duration_ms = 40, .cpu_ms = 30,
					      .memory_bytes = 1 << 20, .out = "", .out_len = 0,
					      .err = "main.c:3: error: expected ';'", .err_len = 29 } };
	struct err e;
	struct run_row j;

	r = entry("c1", user, now_ms());
	r.face = "jobe";
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	assert_int_equal(store_run_finish(s, "c1", &o, &e), 0);
	j = get_run(s, "c1");
	assert_string_equal(j.face, "jobe");
	assert_int_equal(j.compile.exit_code, 1);
	assert_int_equal(j.compile.duration_ms, 40);
	assert_int_equal(j.compile.memory_bytes, 1 << 20);
	assert_non_null(j.compile.out);
	assert_int_equal(j.compile.out_len, 0);
	assert_int_equal(j.compile.err_len, 8);
	assert_string_equal(j.compile.err, "main.c:3");
	run_row_release(&j);
	assert_int_equal(sql_int(f->path, "SELECT compile_cpu_ms FROM runs WHERE id = 'c1'"), 30);
	store_close(s);
}

static void test_interrupt(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota one = { 1000000, 1000000, 1, 0 };
	struct quota_refusal qr;
	struct run_entry r;
	long long user = ensure(s, USER_REMOTE, "bob"), t = now_ms();
	struct err e;
	int n;
	const struct { const char *id, *instance; long pid; long long age; } rows[] = {
		{ "r1", "i1", 100, 0 }, { "r2", "i1", 100, 0 }, { "r3", "i1", 200, 0 },
		{ "r4", "i1", 100, 0 }, { "r5", "i2", 100, 0 }, { "r6", "i2", 300, 600000 },
		{ "r7", "i2", 300, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		r = entry(rows[i].id, user, t - rows[i].age);
		r.instance = rows[i].instance;
		r.worker_pid = rows[i].pid;
		assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	}
	finish(s, "r4", "ok", 5);

	assert_int_equal(store_runs_interrupt(s, "i1", 100, 0, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_status(s, "r1", "interrupted");
	assert_status(s, "r2", "interrupted");
	assert_status(s, "r3", "running");
	assert_status(s, "r4", "ok");
	assert_status(s, "r5", "running");

	/* Start-up: every running row of this instance, none of another. */
	assert_int_equal(store_runs_interrupt(s, "i1", 0, 0, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_status(s, "r3", "interrupted");
	assert_status(s, "r5", "running");

	/* The sweep: only rows older than the limit. */
	assert_int_equal(store_runs_interrupt(s, "i2", -1, t - 300000, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_status(s, "r6", "interrupted");
	assert_status(s, "r5", "running");
	assert_status(s, "r7", "running");

	/* Interrupting frees the concurrency slot. */
	assert_int_equal(store_runs_interrupt(s, "i2", 0, 0, &n, &e), 0);
	assert_int_equal(n, 2);
	r = entry("s1", user, t);
	r.worker_pid = 7;
	assert_int_equal(begin(s, &r, &one, 0, &qr), 0);
	r = entry("s2", user, t);
	assert_int_equal(begin(s, &r, &one, 0, &qr), RC_QUOTA);
	assert_int_equal(store_runs_interrupt(s, "i1", 7, 0, &n, &e), 0);
	assert_int_equal(n, 1);
	r = entry("s3", user, t);
	assert_int_equal(begin(s, &r, &one, 0, &qr), 0);
	store_close(s);
}

static void test_run_get_owner(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota_refusal qr;
	struct run_entry r;
	long long bob = ensure(s, USER_REMOTE, "bob"), carol = ensure(s, USER_REMOTE, "carol");
	struct run_row j;
	struct err e;

	r = entry("g1", bob, now_ms());
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	assert_int_equal(store_run_get(s, "g1", carol, &j, &e), RC_NOT_FOUND);
	assert_null(j.id);
	assert_int_equal(store_run_get(s, "g1", bob, &j, &e), 0);
	assert_string_equal(j.id, "g1");
	assert_string_equal(j.user, "remote:bob");
	/* Still running: nothing about its end is known yet. */
	assert_string_equal(j.status, "running");
	assert_true(j.finished_ms == STORE_NULL);
	assert_true(j.http_status == STORE_NULL);
	assert_true(j.exit_code == STORE_NULL);
	assert_true(j.duration_ms == STORE_NULL);
	assert_true(j.stdout_truncated == STORE_NULL);
	assert_null(j.out);
	assert_string_equal(j.code, "print(1)");
	run_row_release(&j);
	assert_int_equal(store_run_get(s, "nope", bob, &j, &e), RC_NOT_FOUND);
	assert_int_equal(store_run_get(s, "nope", 0, &j, &e), RC_NOT_FOUND);
	assert_null(j.id);
	store_close(s);
}

/* The admin's user list as typed rows: by kind then name, each with its keys in the order
 * they were added, its overrides (-1: none), note and accepted runs. */
static void test_user_list(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct user_row *rows = NULL;
	struct quota_refusal qr;
	struct run_entry r;
	char k1[64], k2[64], id1[13], id2[13];
	long long bob, t = now_ms();
	struct err e;
	size_t n = 0;

	assert_int_equal(store_user_add(s, "zoe", "Year 9", ROLE_STUDENT, k1, sizeof k1, &e), 0);
	assert_int_equal(store_key_add(s, "zoe", k2, sizeof k2, &e), 0);
	(void)snprintf(id1, sizeof id1, "%.12s", k1);
	(void)snprintf(id2, sizeof id2, "%.12s", k2);
	assert_int_equal(store_key_revoke(s, id1, &e), 0);
	assert_int_equal(store_user_add(s, "amy", NULL, ROLE_STUDENT, k1, sizeof k1, &e), 0);
	bob = ensure(s, USER_REMOTE, "bob");
	/* -2 keeps per_day as it is (none), -1 clears concurrent. */
	assert_int_equal(store_quota_set(s, "remote:bob", &(struct quota){ 5, -2, -1, 4096 }, &e),
			 0);
	r = entry("u1", bob, t);
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	r = entry("u2", bob, t - 2 * 86400000LL);
	assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
	r = entry("u3", bob, t);
	assert_int_equal(store_run_refused(s, &r, 429, "quota_exceeded", NULL, &e), 0);
	assert_int_equal(store_user_revoke(s, "remote:bob", &e), 0);

	assert_int_equal(store_user_list(s, &rows, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].user, "amy");
	assert_int_equal(rows[0].kind, USER_KEY);
	assert_null(rows[0].note);
	assert_true(rows[0].created_ms > 0);
	assert_true(rows[0].revoked_ms == STORE_NULL);
	assert_int_equal(rows[0].nkeys, 1);
	assert_int_equal(rows[0].override.per_minute, -1);
	assert_int_equal(rows[0].override.max_code_bytes, -1);
	assert_int_equal(rows[0].runs_total, 0);

	assert_string_equal(rows[1].user, "zoe");
	assert_string_equal(rows[1].note, "Year 9");
	assert_int_equal(rows[1].nkeys, 2);
	assert_string_equal(rows[1].keys[0].id, id1);
	assert_true(rows[1].keys[0].revoked_ms > 0);
	assert_string_equal(rows[1].keys[1].id, id2);
	assert_true(rows[1].keys[1].revoked_ms == STORE_NULL);
	assert_true(rows[1].keys[1].created_ms >= rows[1].keys[0].created_ms);
	assert_true(rows[1].revoked_ms == STORE_NULL);

	/* Accepted runs only: the refused one counts for neither. */
	assert_string_equal(rows[2].user, "remote:bob");
	assert_int_equal(rows[2].kind, USER_REMOTE);
	assert_int_equal(rows[2].id, bob);
	assert_int_equal(rows[2].nkeys, 0);
	assert_true(rows[2].revoked_ms > 0);
	assert_int_equal(rows[2].override.per_minute, 5);
	assert_int_equal(rows[2].override.per_day, -1);
	assert_int_equal(rows[2].override.concurrent, -1);
	assert_int_equal(rows[2].override.max_code_bytes, 4096);
	assert_int_equal(rows[2].runs_24h, 1);
	assert_int_equal(rows[2].runs_total, 2);
	user_rows_free(rows, n);
	assert_string_equal(user_kind_name(USER_ADDRESS), "address");
	store_close(s);
}

/* ---- 11: listing, statistics, pruning ----------------------------------------------- */

static size_t list_n(struct store *s, struct run_filter rf)
{
	struct run_row *list = NULL;
	size_t n = 0;
	struct err e;

	assert_int_equal(store_runs_list(s, &rf, &list, &n, &e), 0);
	run_rows_free(list, n);
	return n;
}

static const struct stats_row *stats_row(const struct stats_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	fail_msg("no stats row %s", key);
	return NULL;
}

static void test_list_stats_prune(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct quota_refusal qr;
	struct run_entry r;
	struct user u;
	struct err e;
	char key[64];
	long long bob = ensure(s, USER_REMOTE, "bob"), alice, t0 = now_ms() - 3600000;
	struct run_row *list = NULL;
	struct stats_row *st = NULL;
	const struct stats_row *g;
	size_t nl = 0, ns = 0;
	int n;
	/* received t0 + i s; status "running" means not finished */
	const struct { const char *id, *lang, *status; int alice; } rows[] = {
		{ "a1", "python", "ok", 1 }, { "a2", "python", "runtime_error", 1 },
		{ "a3", "c", "running", 1 }, { "b1", "python", "ok", 0 },
		{ "b2", "c", "timeout", 0 },
	};
	size_t i;

	assert_int_equal(store_user_add(s, "alice", NULL, ROLE_STUDENT, key, sizeof key, &e), 0);
	assert_int_equal(store_user_by_key(s, key, &u, &e), 0);
	alice = u.id;
	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		r = entry(rows[i].id, rows[i].alice ? alice : bob, t0 + 1000 * (long long)i);
		r.language = rows[i].lang;
		assert_int_equal(begin(s, &r, &big, 0, &qr), 0);
		if (strcmp(rows[i].status, "running") != 0)
			finish(s, rows[i].id, rows[i].status, 100 * (long)(i + 1));
	}
	r = entry("b3", bob, t0 + 5000);
	assert_int_equal(store_run_refused(s, &r, 429, "quota_exceeded", "quota per_minute=1", &e), 0);
	r = entry("n1", 0, t0 + 6000);
	r.language = NULL;
	r.auth = "none";
	assert_int_equal(store_run_refused(s, &r, 401, "unauthorized", NULL, &e), 0);

	assert_int_equal(list_n(s, (struct run_filter){ 0 }), 7);
	assert_int_equal(list_n(s, (struct run_filter){ .user = "alice" }), 3);
	assert_int_equal(list_n(s, (struct run_filter){ .user = "remote:bob" }), 3);
	assert_int_equal(list_n(s, (struct run_filter){ .user = "bob" }), 0);
	assert_int_equal(list_n(s, (struct run_filter){ .language = "c" }), 2);
	assert_int_equal(list_n(s, (struct run_filter){ .user = "alice", .language = "python" }), 2);
	assert_int_equal(list_n(s, (struct run_filter){ .status = "ok" }), 2);
	assert_int_equal(list_n(s, (struct run_filter){ .status = "refused" }), 2);
	assert_int_equal(list_n(s, (struct run_filter){ .status = "quota_exceeded" }), 1);
	assert_int_equal(list_n(s, (struct run_filter){ .since_ms = t0 + 2000, .until_ms = t0 + 5000 }), 3);
	assert_int_equal(list_n(s, (struct run_filter){ .since_ms = t0 + 6000 }), 1);
	assert_int_equal(list_n(s, (struct run_filter){ .until_ms = t0 + 1 }), 1);

	/* Newest first, cut at the limit. */
	assert_int_equal(store_runs_list(s, &(struct run_filter){ .limit = 2 }, &list, &nl, &e), 0);
	assert_int_equal(nl, 2);
	assert_string_equal(list[0].id, "n1");
	assert_null(list[0].user);
	assert_null(list[0].language);
	assert_string_equal(list[0].auth, "none");
	assert_int_equal(list[0].http_status, 401);
	assert_string_equal(list[1].id, "b3");
	assert_string_equal(list[1].user, "remote:bob");
	/* A list leaves out the code and output: not read, rather than read as empty. */
	assert_null(list[1].code);
	assert_null(list[1].out);
	assert_true(list[1].compile.exit_code == STORE_NULL);
	assert_true(list[0].received_ms > list[1].received_ms);
	run_rows_free(list, nl);

	assert_int_equal(store_stats(s, "user", t0, 0, &st, &ns, &e), 0);
	assert_int_equal(ns, 3);
	g = stats_row(st, ns, "alice");
	assert_int_equal(g->requests, 3);
	assert_int_equal(g->runs, 3);
	assert_int_equal(g->ok, 1);
	assert_int_equal(g->runtime_error, 1);
	assert_int_equal(g->refused, 0);
	assert_int_equal(g->quota_refused, 0); /* 0, not NULL, for a group without any */
	assert_int_equal(g->max_duration_ms, 200);
	assert_int_equal(g->avg_duration_ms, 150);
	assert_int_equal(g->cpu_ms, 300);
	g = stats_row(st, ns, "remote:bob");
	assert_int_equal(g->requests, 3);
	assert_int_equal(g->runs, 2);
	assert_int_equal(g->timeout, 1);
	assert_int_equal(g->quota_refused, 1);
	g = stats_row(st, ns, "unknown");
	assert_int_equal(g->refused, 1);
	/* Nothing in the group has a duration: NULL, not 0. CPU is a total, 0. */
	assert_true(g->avg_duration_ms == STORE_NULL);
	assert_true(g->max_duration_ms == STORE_NULL);
	assert_int_equal(g->cpu_ms, 0);
	/* Most requests first. */
	assert_true(st[0].requests >= st[1].requests && st[1].requests >= st[2].requests);
	stats_rows_free(st, ns);

	assert_int_equal(store_stats(s, "language", t0, 0, &st, &ns, &e), 0);
	assert_int_equal(ns, 3);
	assert_int_equal(stats_row(st, ns, "python")->requests, 4);
	assert_int_equal(stats_row(st, ns, "python")->runs, 3);
	assert_int_equal(stats_row(st, ns, "c")->requests, 2);
	assert_int_equal(stats_row(st, ns, "-")->requests, 1);
	stats_rows_free(st, ns);
	assert_int_equal(store_stats(s, "language", t0 + 3000, t0 + 5000, &st, &ns, &e), 0);
	assert_int_equal(ns, 2);
	assert_int_equal(stats_row(st, ns, "python")->requests, 1);
	assert_int_equal(stats_row(st, ns, "c")->requests, 1);
	stats_rows_free(st, ns);
	assert_int_equal(store_stats(s, "day", 0, 0, &st, &ns, &e), RC_BAD_REQUEST);
	assert_null(st);
	assert_int_equal(ns, 0);

	/* Prune: finished rows received before the cut go; a running one stays. */
	assert_int_equal(store_prune(s, t0 + 2500, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list_n(s, (struct run_filter){ 0 }), 5);
	assert_status(s, "a3", "running");
	assert_int_equal(store_prune(s, t0 + 2500, &n, &e), 0);
	assert_int_equal(n, 0);
	store_close(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_migrations_once),
		T(test_upgrade_in_place),
		T(test_upgrade_drops_pool),
		T(test_concurrent_first_start),
		T(test_check_writable),
		T(test_keys),
		T(test_user_ensure),
		T(test_quota_per_minute),
		T(test_quota_concurrent),
		T(test_quota_per_day),
		T(test_quota_across_processes),
		T(test_finish_caps_output),
		T(test_finish_logs_compile_stage),
		T(test_interrupt),
		T(test_run_get_owner),
		T(test_user_list),
		T(test_list_stats_prune),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
