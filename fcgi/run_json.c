/*
 * run_json: the store's rows as JSON (run_json.h).
 */
#include "run_json.h"

#include <string.h>

#include "buf.h"

struct kv {
	const char *key;
	json_t *v;                  /* NULL: memory ran out */
};

/* An object of the n pairs, in order; every value is consumed either way. NULL when
 * memory ran out. */
static json_t *object_of(const struct kv *kv, size_t n)
{
	json_t *o = json_object();
	int bad = 0;

	/* json_object_set_new steals the value even when it fails, o NULL included. */
	for (size_t i = 0; i < n; i++)
		if (kv[i].v == NULL || json_object_set_new(o, kv[i].key, kv[i].v) != 0)
			bad = 1;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* An array of n objects, the i-th made by make from rows[i] (each size bytes) and arg.
 * NULL when memory ran out. */
static json_t *array_of(const void *rows, size_t n, size_t size,
			json_t *(*make)(const void *row, const char *arg), const char *arg)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++)
		/* json_array_append_new steals even when it fails, and fails on NULL. */
		if (json_array_append_new(list, make((const char *)rows + i * size, arg)) != 0) {
			json_decref(list);
			list = NULL;
		}
	return list;
}

static json_t *int_json(long long v)
{
	return v == STORE_NULL ? json_null() : json_integer(v);
}

/* A quota override: -1 is none. */
static json_t *quota_json(long v)
{
	return v == -1 ? json_null() : json_integer(v);
}

/* n bytes of text; NULL only when memory ran out. Text that is not valid UTF-8 is null,
 * as it has always been shown: the output runbox stores is valid UTF-8 (store_run_finish
 * cuts at a character boundary), but the code is stored as it was sent, and rows may be
 * written by other hands. */
static json_t *bytes_json(const char *p, size_t n)
{
	json_t *v;

	if (p == NULL)
		return json_null();
	if ((v = json_stringn(p, n)) == NULL && !utf8_valid((const unsigned char *)p, n))
		v = json_null();
	return v;
}

static json_t *text_json(const char *p)
{
	return bytes_json(p, p ? strlen(p) : 0);
}

json_t *run_json_text(const char *p)
{
	return text_json(p);
}

/* The summary's pairs of r into kv[0..24). */
#define SUMMARY_KEYS 24
static void summary_kv(struct kv *kv, const struct run_row *r)
{
	const struct kv s[SUMMARY_KEYS] = {
		{ "runId", text_json(r->id) },
		{ "receivedMs", int_json(r->received_ms) },
		{ "finishedMs", int_json(r->finished_ms) },
		{ "user", text_json(r->user) },
		{ "clientAddr", text_json(r->client_addr) },
		{ "auth", text_json(r->auth) },
		{ "language", text_json(r->language) },
		{ "status", text_json(r->status) },
		{ "httpStatus", int_json(r->http_status) },
		{ "errorCode", text_json(r->error_code) },
		{ "message", text_json(r->message) },
		{ "exitCode", int_json(r->exit_code) },
		{ "signal", int_json(r->signal) },
		{ "durationMs", int_json(r->duration_ms) },
		{ "cpuMs", int_json(r->cpu_ms) },
		{ "memoryUsed", int_json(r->memory_bytes) },
		{ "codeBytes", int_json(r->code_bytes) },
		{ "codeSha256", text_json(r->code_sha256) },
		{ "stdinBytes", int_json(r->stdin_bytes) },
		{ "stdoutBytes", int_json(r->stdout_bytes) },
		{ "stderrBytes", int_json(r->stderr_bytes) },
		{ "stdoutTruncated", int_json(r->stdout_truncated) },
		{ "stderrTruncated", int_json(r->stderr_truncated) },
		{ "face", text_json(r->face) },
	};

	memcpy(kv, s, sizeof s);
}

json_t *run_json(const struct run_row *r)
{
	struct kv kv[SUMMARY_KEYS + 8] = {
		[SUMMARY_KEYS] = { "code", bytes_json(r->code, r->code_len) },
		{ "stdout", bytes_json(r->out, r->out_len) },
		{ "stderr", bytes_json(r->err, r->err_len) },
		{ "compileExitCode", int_json(r->compile.exit_code) },
		{ "compileDurationMs", int_json(r->compile.duration_ms) },
		{ "compileMemoryUsed", int_json(r->compile.memory_bytes) },
		{ "compileStdout", bytes_json(r->compile.out, r->compile.out_len) },
		{ "compileStderr", bytes_json(r->compile.err, r->compile.err_len) },
	};

	summary_kv(kv, r);
	return object_of(kv, sizeof kv / sizeof *kv);
}

static json_t *summary_of(const void *row, const char *arg)
{
	struct kv kv[SUMMARY_KEYS];

	(void)arg;
	summary_kv(kv, row);
	return object_of(kv, SUMMARY_KEYS);
}

json_t *run_list_json(const struct run_row *rows, size_t n)
{
	return array_of(rows, n, sizeof *rows, summary_of, NULL);
}

/* A stats row; the first key is named for what the rows are grouped by. */
static json_t *stats_of(const void *row, const char *by)
{
	const struct stats_row *r = row;
	const struct kv kv[] = {
		{ by, text_json(r->key) },
		{ "requests", int_json(r->requests) },
		{ "runs", int_json(r->runs) },
		{ "ok", int_json(r->ok) },
		{ "runtime_error", int_json(r->runtime_error) },
		{ "compile_error", int_json(r->compile_error) },
		{ "timeout", int_json(r->timeout) },
		{ "memory_limit", int_json(r->memory_limit) },
		{ "output_limit", int_json(r->output_limit) },
		{ "failed", int_json(r->failed) },
		{ "interrupted", int_json(r->interrupted) },
		{ "refused", int_json(r->refused) },
		{ "quota_refused", int_json(r->quota_refused) },
		{ "avg_duration_ms", int_json(r->avg_duration_ms) },
		{ "max_duration_ms", int_json(r->max_duration_ms) },
		{ "cpu_ms", int_json(r->cpu_ms) },
	};

	return object_of(kv, sizeof kv / sizeof *kv);
}

json_t *stats_json(const struct stats_row *rows, size_t n, const char *by)
{
	return array_of(rows, n, sizeof *rows, stats_of, by);
}

json_t *user_key_json(const struct user_key *k)
{
	const struct kv kv[] = {
		{ "id", text_json(k->id) },
		{ "created_ms", int_json(k->created_ms) },
		{ "revoked_ms", int_json(k->revoked_ms) },
	};

	return object_of(kv, sizeof kv / sizeof *kv);
}

static json_t *key_of(const void *row, const char *arg)
{
	(void)arg;
	return user_key_json(row);
}

json_t *user_json(const struct user_row *u)
{
	const struct kv kv[] = {
		{ "user", text_json(u->user) },
		{ "kind", json_string(user_kind_name(u->kind)) },
		{ "role", json_string(user_role_name(u->role)) },
		{ "note", text_json(u->note) },
		{ "created_ms", int_json(u->created_ms) },
		{ "revoked_ms", int_json(u->revoked_ms) },
		{ "per_minute", quota_json(u->override.per_minute) },
		{ "per_day", quota_json(u->override.per_day) },
		{ "concurrent", quota_json(u->override.concurrent) },
		{ "max_code_bytes", quota_json(u->override.max_code_bytes) },
		{ "keys", array_of(u->keys, u->nkeys, sizeof *u->keys, key_of, NULL) },
		{ "runs_24h", int_json(u->runs_24h) },
		{ "runs_total", int_json(u->runs_total) },
	};

	return object_of(kv, sizeof kv / sizeof *kv);
}

static json_t *user_of(const void *row, const char *arg)
{
	(void)arg;
	return user_json(row);
}

json_t *user_list_json(const struct user_row *rows, size_t n)
{
	return array_of(rows, n, sizeof *rows, user_of, NULL);
}

json_t *results_json(const char *id, const struct result_row *rows, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct result_row *r = &rows[i];

		json_array_append_new(a, json_pack("{s:s?, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:s?}",
			"user", r->user, "attempts", (json_int_t)r->attempts, "best", r->best,
			"latest", r->latest, "latestPassed", (json_int_t)r->latest_passed,
			"latestTotal", (json_int_t)r->latest_total, "firstAttemptMs",
			(json_int_t)r->first_ms, "lastAttemptMs", (json_int_t)r->last_ms,
			"latestRun", r->latest_run));
	}
	return json_pack("{s:s, s:o}", "exercise", id, "results", a);
}
