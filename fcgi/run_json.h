/*
 * run_json: the store's rows as JSON. A run in the shape GET /api/runs/{id} answers and the
 * admin command prints with --json (run, runs), with the API's camelCase names; the admin
 * command's statistics and users in the shape its --json has always printed. A NULL
 * column (STORE_NULL, a NULL text, a quota override of -1) is JSON null. The store returns
 * typed rows; this is the one place their JSON shape is decided. No I/O.
 *
 * Every function returns a new reference, or NULL when memory ran out.
 */
#ifndef RUNBOX_RUN_JSON_H
#define RUNBOX_RUN_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

/* One run: its summary (runId, receivedMs, finishedMs, user, clientAddr, auth, language,
 * status, httpStatus, errorCode, message, exitCode, signal, durationMs, cpuMs, memoryUsed,
 * codeBytes, codeSha256, stdinBytes, stdoutBytes, stderrBytes, stdoutTruncated,
 * stderrTruncated, face) followed by what store_run_get adds (code, stdout, stderr,
 * compileExitCode, compileDurationMs, compileMemoryUsed, compileStdout, compileStderr). */
json_t *run_json(const struct run_row *r);

/* The summaries of n runs (store_runs_list's rows), in their order. */
json_t *run_list_json(const struct run_row *rows, size_t n);

/* Usage per user or language (store_stats' rows, grouped by "user" or "language"):
 * [{by: key, requests, runs, ok, runtime_error, compile_error, timeout, memory_limit,
 * output_limit, failed, interrupted, refused, quota_refused, avg_duration_ms,
 * max_duration_ms, cpu_ms}]. */
json_t *stats_json(const struct stats_row *rows, size_t n, const char *by);

/* A user: {user, kind, role, note, created_ms, revoked_ms, per_minute, per_day, concurrent,
 * max_code_bytes, keys: [user_key_json...], runs_24h, runs_total}; a key: {id, created_ms,
 * revoked_ms}; the list of n users (store_user_list's rows). */
json_t *user_json(const struct user_row *u);
json_t *user_key_json(const struct user_key *k);
json_t *user_list_json(const struct user_row *rows, size_t n);

/* An exercise's results (store_results' rows): {exercise: id, results: [{user, attempts,
 * best, latest, latestPassed, latestTotal, firstAttemptMs, lastAttemptMs, latestRun}]}. */
json_t *results_json(const char *id, const struct result_row *rows, size_t n);

/* A text column as all of these show it, for JSON built around them: null for NULL, and
 * for text that is not valid UTF-8 (as it has always been shown). */
json_t *run_json_text(const char *p);

#endif
