/*
 * The admin command's run log: runs, run, stats, prune, and the schema version. The
 * store does the work; this file checks the command line and shows the store's rows as
 * tables, or as JSON with --json (run_json.h: a run as the API shows it).
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#include "admin_fmt.h"
#include "run_json.h"

/* <limits.h> would find core/limits.h first: a bound of our own that fits any int. */
#define ROWS_MAX 1000000000

static int bad_time(const struct cli *cli, const char *opt, const char *s)
{
	return admin_usage_error(cli, "%s: '%s' is not a time; give a date (2026-11-23), a local "
				 "time (2026-11-23T14:00) or an age (30m, 2h, 7d)", opt, s);
}

/* --since and --until into ms (0 where not given), since before until. */
static int parse_range(const struct cli *cli, const char *since, const char *until,
		       long long *since_ms, long long *until_ms)
{
	*since_ms = *until_ms = 0;
	if (since && parse_when(since, cli->now, since_ms) != 0)
		return bad_time(cli, "--since", since);
	if (until && parse_when(until, cli->now, until_ms) != 0)
		return bad_time(cli, "--until", until);
	if (*since_ms && *until_ms && *since_ms >= *until_ms)
		return admin_usage_error(cli, "--since (%s) must be before --until (%s)", since, until);
	return 0;
}

/* An integer column as text, "-" when NULL. */
static const char *num(long long v, const char *unit, char *buf, size_t cap)
{
	if (v == STORE_NULL)
		return "-";
	(void)snprintf(buf, cap, "%lld%s", v, unit);
	return buf;
}

/* A count or size where NULL (not known) shows as 0. */
static long long or0(long long v)
{
	return v == STORE_NULL ? 0 : v;
}

static int runs_print(const struct run_row *rows, size_t n, int limit)
{
	static const char *const heads[] = { "RUN ID", "RECEIVED", "USER", "LANGUAGE", "STATUS",
					     "DURATION" };
	char t[32], user[160], status[96], ms[32];
	struct table tab;
	size_t i;
	int rc = 0;

	if (n == 0) {
		printf("No runs match.\n");
		return EX_OK;
	}
	table_init(&tab, 6, heads, "lllllr");
	for (i = 0; i < n && rc == 0; i++) {
		const struct run_row *r = &rows[i];

		/* A request refused before its user was known has only an address. */
		(void)snprintf(user, sizeof user, r->user ? "%s" : "(%s)",
			       r->user ? r->user : r->client_addr ? r->client_addr : "unknown");
		(void)snprintf(status, sizeof status, r->error_code ? "%s (%s)" : "%s", r->status,
			       r->error_code);
		fmt_time(r->received_ms, t, sizeof t);
		rc = table_row(&tab, r->id, t, user, r->language, status,
			       num(r->duration_ms, " ms", ms, sizeof ms));
	}
	if (rc == 0)
		rc = table_print(&tab, stdout);
	table_release(&tab);
	if (rc == 0 && n == (size_t)limit)
		printf("The newest %d are shown; --limit N shows more.\n", limit);
	return rc == 0 ? EX_OK : admin_nomem();
}

int admin_runs(struct cli *cli, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *limit = NULL;
	struct run_filter f = { 0 };
	const struct opt opts[] = {
		{ "--user", &f.user, NULL }, { "--language", &f.language, NULL },
		{ "--status", &f.status, NULL }, { "--since", &since, NULL },
		{ "--until", &until, NULL }, { "--limit", &limit, NULL }, { NULL, NULL, NULL },
	};
	struct run_row *rows = NULL;
	size_t nrows = 0;
	struct err e;
	long n = 50;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, opts, NULL, NULL, 0)) != 0 ||
	    (rc = parse_range(cli, since, until, &f.since_ms, &f.until_ms)) != 0)
		return rc;
	if (limit && parse_count(limit, ROWS_MAX, &n) != 0)
		return admin_usage_error(cli, "--limit must be a whole number from 1 to %d, not '%s'",
					 ROWS_MAX, limit);
	f.limit = (int)n;
	if ((rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_runs_list(cli->store, &f, &rows, &nrows, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (cli->json)
		rc = admin_print_json(run_list_json(rows, nrows));
	else
		rc = runs_print(rows, nrows, f.limit);
	run_rows_free(rows, nrows);
	return rc;
}

/* A stored text (code, stdout, stderr) under a heading: p[0..n), or NULL if not stored.
 * size: how big it was when run, or -1 for the size of what is stored; cut: it was cut at
 * the output limit. */
static void stored(const char *name, const char *p, size_t n, long long size, int cut)
{
	char sz[24];

	fmt_size(size >= 0 ? size : (long long)n, sz, sizeof sz);
	printf("\n--- %s: %s%s", name, sz, cut ? ", cut at the output limit" : "");
	if (p == NULL) {
		printf(" (not stored) ---\n");
		return;
	}
	/* The log keeps the output up to log_output_cap, the code whole. */
	if (size >= 0 && n < (size_t)size && strcmp(name, "code") != 0)
		printf(" (the log keeps the first %zu bytes)", n);
	printf(" ---\n");
	put_safe(stdout, p, n);
	if (n > 0 && p[n - 1] != '\n')
		printf("\n(no newline at the end)\n");
}

static void run_print(const struct run_row *r)
{
	char a[32], b[32], c[32], d[32];

	put_field(stdout, 10, "run", "%s", r->id);
	put_field(stdout, 10, "received", "%s", (fmt_time(r->received_ms, a, sizeof a), a));
	put_field(stdout, 10, "finished", "%s", (fmt_time(r->finished_ms, a, sizeof a), a));
	put_field(stdout, 10, "user", "%s", r->user ? r->user : "-");
	put_field(stdout, 10, "client", "%s (auth: %s)", r->client_addr ? r->client_addr : "-",
	      r->auth ? r->auth : "-");
	put_field(stdout, 10, "language", "%s", r->language ? r->language : "-");
	put_field(stdout, 10, "through", "%s API", r->face ? r->face : "editor");
	put_field(stdout, 10, "status", "%s (HTTP %s)%s%s", r->status, num(r->http_status, "", a, sizeof a),
	      r->error_code ? ", error " : "", r->error_code ? r->error_code : "");
	if (r->message)
		put_field(stdout, 10, "message", "%s", r->message);
	put_field(stdout, 10, "exit", "code %s, signal %s", num(r->exit_code, "", a, sizeof a),
	      num(r->signal, "", b, sizeof b));
	put_field(stdout, 10, "time", "%s wall, %s CPU", num(r->duration_ms, " ms", a, sizeof a),
	      num(r->cpu_ms, " ms", b, sizeof b));
	fmt_size(or0(r->memory_bytes), c, sizeof c);
	put_field(stdout, 10, "memory", "%s", r->memory_bytes != STORE_NULL ? c : "-");
	fmt_size(or0(r->code_bytes), c, sizeof c);
	fmt_size(or0(r->stdin_bytes), d, sizeof d);
	put_field(stdout, 10, "code", "%s, sha256 %s", c, r->code_sha256 ? r->code_sha256 : "-");
	put_field(stdout, 10, "stdin", "%s (not stored)", d);
	stored("code", r->code, r->code_len, or0(r->code_bytes), 0);
	if (r->compile.out != NULL) {
		put_field(stdout, 10, "compile", "exit code %s, %s, %s", num(r->compile.exit_code, "", a, sizeof a),
		      num(r->compile.duration_ms, " ms", b, sizeof b),
		      (fmt_size(or0(r->compile.memory_bytes), c, sizeof c), c));
		stored("compileStdout", r->compile.out, r->compile.out_len, -1, 0);
		stored("compileStderr", r->compile.err, r->compile.err_len, -1, 0);
	}
	stored("stdout", r->out, r->out_len, or0(r->stdout_bytes), or0(r->stdout_truncated) != 0);
	stored("stderr", r->err, r->err_len, or0(r->stderr_bytes), or0(r->stderr_truncated) != 0);
}

int admin_run(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct run_row r;
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &id, "RUN_ID", 1)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_run_get(cli->store, id, 0, &r, &e)) != 0) {
		if (rc == RC_NOT_FOUND)
			fprintf(stderr, "runbox: there is no run '%s' (see 'runbox runs')\n", id);
		return rc == RC_NOT_FOUND ? EX_FAIL : admin_store_fail(rc, &e);
	}
	rc = EX_OK;
	if (cli->json)
		rc = admin_print_json(run_json(&r));
	else
		run_print(&r);
	run_row_release(&r);
	return rc;
}

static int stats_print(const struct stats_row *rows, size_t n, const char *by)
{
	static const char *const heads_user[] = { "USER", "REQUESTS", "RUNS", "OK", "ERROR", "LIMIT",
						  "FAILED", "REFUSED", "QUOTA", "AVG MS", "MAX MS",
						  "CPU MS" };
	static const char *const heads_lang[] = { "LANGUAGE", "REQUESTS", "RUNS", "OK", "ERROR",
						  "LIMIT", "FAILED", "REFUSED", "QUOTA", "AVG MS",
						  "MAX MS", "CPU MS" };
	char v[11][24];
	struct table t;
	size_t i;
	int rc = 0;

	if (n == 0) {
		printf("No requests in that time.\n");
		return EX_OK;
	}
	table_init(&t, 12, strcmp(by, "user") == 0 ? heads_user : heads_lang, "lrrrrrrrrrrr");
	for (i = 0; i < n && rc == 0; i++) {
		const struct stats_row *r = &rows[i];

		(void)num(r->requests, "", v[0], sizeof v[0]);
		(void)num(r->runs, "", v[1], sizeof v[1]);
		(void)snprintf(v[2], sizeof v[2], "%lld", or0(r->ok));
		(void)snprintf(v[3], sizeof v[3], "%lld", or0(r->runtime_error) +
			       or0(r->compile_error));
		(void)snprintf(v[4], sizeof v[4], "%lld", or0(r->timeout) + or0(r->memory_limit) +
			       or0(r->output_limit));
		(void)snprintf(v[5], sizeof v[5], "%lld", or0(r->failed) + or0(r->interrupted));
		(void)snprintf(v[6], sizeof v[6], "%lld", or0(r->refused));
		(void)snprintf(v[7], sizeof v[7], "%lld", or0(r->quota_refused));
		rc = table_row(&t, r->key, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
			       num(r->avg_duration_ms, "", v[8], sizeof v[8]),
			       num(r->max_duration_ms, "", v[9], sizeof v[9]),
			       num(r->cpu_ms, "", v[10], sizeof v[10]));
	}
	if (rc == 0 && (rc = table_print(&t, stdout)) == 0)
		printf("ERROR: runtime or compile error. LIMIT: time, memory or output limit.\n"
		       "FAILED: server failure or interrupted. QUOTA: refused for quota (of REFUSED).\n"
		       "--json gives every status on its own.\n");
	table_release(&t);
	return rc == 0 ? EX_OK : admin_nomem();
}

int admin_stats(struct cli *cli, int argc, char **argv)
{
	const char *by = "user", *since = "7d", *until = NULL;
	const struct opt opts[] = {
		{ "--by", &by, NULL }, { "--since", &since, NULL }, { "--until", &until, NULL },
		{ NULL, NULL, NULL },
	};
	long long since_ms, until_ms;
	char a[32], b[32];
	struct stats_row *rows = NULL;
	size_t n = 0;
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, opts, NULL, NULL, 0)) != 0)
		return rc;
	if (strcmp(by, "user") != 0 && strcmp(by, "language") != 0)
		return admin_usage_error(cli, "--by must be 'user' or 'language', not '%s'", by);
	if ((rc = parse_range(cli, since, until, &since_ms, &until_ms)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_stats(cli->store, by, since_ms, until_ms, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (cli->json) {
		rc = admin_print_json(stats_json(rows, n, by));
	} else {
		fmt_time(since_ms, a, sizeof a);
		fmt_time(until_ms, b, sizeof b);
		printf("Requests by %s from %s to %s:\n\n", by, a, until_ms ? b : "now");
		rc = stats_print(rows, n, by);
	}
	stats_rows_free(rows, n);
	return rc;
}

/* How many runs store_prune(before) would delete, without a store function of its own:
 * every request before then (the stats total) less those still running, which prune
 * keeps (few: at most the concurrency limits, unless some were lost). */
static int prune_count(struct store *s, long long before, long *n, struct err *e)
{
	struct run_filter running = { .status = "running", .until_ms = before, .limit = ROWS_MAX };
	struct stats_row *groups = NULL;
	struct run_row *rows = NULL;
	size_t i, ngroups = 0, nrows = 0;
	int rc;

	*n = 0;
	if ((rc = store_stats(s, "language", 0, before, &groups, &ngroups, e)) != 0)
		return rc;
	for (i = 0; i < ngroups; i++)
		*n += (long)groups[i].requests;
	stats_rows_free(groups, ngroups);
	if ((rc = store_runs_list(s, &running, &rows, &nrows, e)) != 0)
		return rc;
	*n -= (long)nrows;
	run_rows_free(rows, nrows);
	return 0;
}

int admin_prune(struct cli *cli, int argc, char **argv)
{
	const char *older = NULL;
	int dry = 0, rc, deleted = 0;
	const struct opt opts[] = {
		{ "--older-than", &older, NULL }, { "--dry-run", NULL, &dry }, { NULL, NULL, NULL },
	};
	long long age, before;
	char t[32];
	struct err e;
	long n = 0;

	if ((rc = admin_parse(cli, argc, argv, opts, NULL, NULL, 0)) != 0)
		return rc;
	if (older == NULL)
		return admin_usage_error(cli, "give --older-than AGE, like 90d");
	if (parse_age(older, &age) != 0)
		return admin_usage_error(cli, "--older-than must be an age like 90d, 12h or 30m, "
					 "not '%s'", older);
	/* 0 would mean "no bound" to the store's readers: keep it a real time. */
	before = cli->now - age > 0 ? cli->now - age : 1;
	if ((rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	rc = dry ? prune_count(cli->store, before, &n, &e) : store_prune(cli->store, before, &deleted, &e);
	if (rc != 0)
		return admin_store_fail(rc, &e);
	if (!dry)
		n = deleted;
	if (cli->json)
		return admin_print_json(json_pack("{s:I, s:I, s:b}", "runs", (json_int_t)n,
						  "before_ms", (json_int_t)before, "dry_run", dry));
	fmt_time(before, t, sizeof t);
	if (dry)
		printf("Would delete %ld run(s) received before %s (dry run: nothing was deleted).\n",
		       n, t);
	else
		printf("Deleted %ld run(s) received before %s.\n", n, t);
	return EX_OK;
}

int admin_version(struct cli *cli, int argc, char **argv)
{
	int rc, v = 0, latest = store_schema_latest();
	struct err e;

	if ((rc = admin_parse(cli, argc, argv, NULL, NULL, NULL, 0)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_schema_version(cli->store, &v, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (cli->json)
		return admin_print_json(json_pack("{s:i, s:i}", "schema_version", v, "latest", latest));
	printf("Database schema version %d (the newest this program knows: %d).\n", v, latest);
	if (v > latest)
		printf("The database was upgraded by a newer runbox; use that version's tools.\n");
	return EX_OK;
}
