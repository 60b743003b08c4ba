/* The store's rows as JSON (run_json): every key of the API's shape, a NULL column as null
 * and never as 0 or "", the code and output with their NUL bytes; the admin command's
 * statistics and users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "run_json.h"

static const char *const summary_keys[] = {
	"runId", "receivedMs", "finishedMs", "user", "clientAddr", "auth", "language", "status",
	"httpStatus", "errorCode", "message", "exitCode", "signal", "durationMs", "cpuMs",
	"memoryUsed", "codeBytes", "codeSha256", "stdinBytes", "stdoutBytes", "stderrBytes",
	"stdoutTruncated", "stderrTruncated", "face",
};
static const char *const detail_keys[] = {
	"code", "stdout", "stderr", "compileExitCode", "compileDurationMs", "compileMemoryUsed",
	"compileStdout", "compileStderr",
};
#define NSUMMARY (sizeof summary_keys / sizeof *summary_keys)
#define NDETAIL (sizeof detail_keys / sizeof *detail_keys)

/* A row with every column NULL. */
static struct run_row null_row(void)
{
	struct run_row r;

	memset(&r, 0, sizeof r);
	r.received_ms = r.finished_ms = r.http_status = STORE_NULL;
	r.exit_code = r.signal = r.duration_ms = r.cpu_ms = r.memory_bytes = STORE_NULL;
	r.code_bytes = r.stdin_bytes = r.stdout_bytes = r.stderr_bytes = STORE_NULL;
	r.stdout_truncated = r.stderr_truncated = STORE_NULL;
	r.compile.exit_code = r.compile.duration_ms = r.compile.memory_bytes = STORE_NULL;
	return r;
}

/* The keys of o, in order, are the summary's, then (detail) those store_run_get adds. */
static void assert_keys(json_t *o, int detail)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	json_object_foreach(o, k, v) {
		assert_true(i < NSUMMARY + (detail ? NDETAIL : 0));
		assert_string_equal(k, i < NSUMMARY ? summary_keys[i] : detail_keys[i - NSUMMARY]);
		i++;
	}
	assert_int_equal(i, NSUMMARY + (detail ? NDETAIL : 0));
}

static void test_nulls_render_null(void **state)
{
	struct run_row r = null_row();
	json_t *j = run_json(&r), *v;
	size_t i;

	(void)state;
	assert_non_null(j);
	assert_int_equal(json_object_size(j), NSUMMARY + NDETAIL);
	assert_keys(j, 1);
	for (i = 0; i < NSUMMARY; i++) {
		assert_non_null(v = json_object_get(j, summary_keys[i]));
		assert_true(json_is_null(v));
	}
	for (i = 0; i < NDETAIL; i++) {
		assert_non_null(v = json_object_get(j, detail_keys[i]));
		assert_true(json_is_null(v));
	}
	json_decref(j);
}

static void test_values(void **state)
{
	struct run_row r = null_row();
	json_t *j, *want;
	json_error_t err;

	(void)state;
	r.id = "r1";
	r.received_ms = 1700000000000LL;
	r.finished_ms = 1700000000500LL;
	r.user = "remote:bob";
	r.client_addr = "10.0.0.1";
	r.auth = "remote";
	r.language = "c";
	r.status = "runtime_error";
	r.http_status = 200;
	r.message = "";              /* empty, not absent */
	r.exit_code = 0;             /* 0, not null */
	r.signal = 11;
	r.duration_ms = 300;
	r.cpu_ms = 290;
	r.memory_bytes = 1048576;
	r.code_bytes = 12;
	r.code_sha256 = "ff";
	r.stdin_bytes = 0;
	r.stdout_bytes = 3;
	r.stderr_bytes = 100000;
	r.stdout_truncated = 0;
	r.stderr_truncated = 1;
	r.face = "jobe";
	r.code = "int\xff main";     /* not UTF-8: null, as the log has always shown it */
	r.code_len = 9;
	r.out = "a\0b";
	r.out_len = 3;
	r.err = "";
	r.err_len = 0;
	r.compile.exit_code = 0;
	r.compile.duration_ms = 800;
	r.compile.out = "";
	r.compile.err = "warning\n";
	r.compile.err_len = 8;
	want = json_loads("{\"runId\": \"r1\", \"receivedMs\": 1700000000000,"
			  " \"finishedMs\": 1700000000500, \"user\": \"remote:bob\","
			  " \"clientAddr\": \"10.0.0.1\", \"auth\": \"remote\","
			  " \"language\": \"c\", \"status\": \"runtime_error\","
			  " \"httpStatus\": 200, \"errorCode\": null, \"message\": \"\","
			  " \"exitCode\": 0, \"signal\": 11, \"durationMs\": 300, \"cpuMs\": 290,"
			  " \"memoryUsed\": 1048576, \"codeBytes\": 12, \"codeSha256\": \"ff\","
			  " \"stdinBytes\": 0, \"stdoutBytes\": 3, \"stderrBytes\": 100000,"
			  " \"stdoutTruncated\": 0, \"stderrTruncated\": 1, \"face\": \"jobe\","
			  " \"code\": null, \"stdout\": \"a\\u0000b\", \"stderr\": \"\","
			  " \"compileExitCode\": 0, \"compileDurationMs\": 800,"
			  " \"compileMemoryUsed\": null, \"compileStdout\": \"\","
			  " \"compileStderr\": \"warning\\n\"}", JSON_ALLOW_NUL, &err);
	assert_non_null(want);
	j = run_json(&r);
	assert_non_null(j);
	assert_keys(j, 1);
	assert_true(json_equal(j, want));
	assert_int_equal(json_string_length(json_object_get(j, "stdout")), 3);
	json_decref(j);
	json_decref(want);
}

/* A list has the summaries only, in the rows' order. */
static void test_list(void **state)
{
	struct run_row rows[2] = { null_row(), null_row() };
	json_t *l, *first, *second;

	(void)state;
	rows[0].id = "newer";
	rows[0].status = "ok";
	rows[0].exit_code = 0;
	rows[0].code = "print(1)";  /* not part of a summary */
	rows[0].code_len = 8;
	rows[1].id = "older";
	l = run_list_json(rows, 2);
	assert_non_null(l);
	assert_int_equal(json_array_size(l), 2);
	assert_keys(json_array_get(l, 0), 0);
	assert_keys(json_array_get(l, 1), 0);
	first = json_array_get(l, 0);
	second = json_array_get(l, 1);
	assert_string_equal(json_string_value(json_object_get(first, "runId")), "newer");
	assert_true(json_is_integer(json_object_get(first, "exitCode")));
	assert_null(json_object_get(first, "code"));
	assert_string_equal(json_string_value(json_object_get(second, "runId")), "older");
	assert_true(json_is_null(json_object_get(second, "exitCode")));
	json_decref(l);
	l = run_list_json(NULL, 0);
	assert_true(json_is_array(l) && json_array_size(l) == 0);
	json_decref(l);
}

/* A stats row: the first key named for the grouping, no duration as null. */
static void test_stats(void **state)
{
	struct stats_row row = { .key = "python", .requests = 4, .runs = 3, .ok = 2,
				 .refused = 1, .avg_duration_ms = STORE_NULL,
				 .max_duration_ms = STORE_NULL, .cpu_ms = 0 };
	json_t *l, *want;

	(void)state;
	want = json_loads("[{\"language\": \"python\", \"requests\": 4, \"runs\": 3, \"ok\": 2,"
			  " \"runtime_error\": 0, \"compile_error\": 0, \"timeout\": 0,"
			  " \"memory_limit\": 0, \"output_limit\": 0, \"failed\": 0,"
			  " \"interrupted\": 0, \"refused\": 1, \"quota_refused\": 0,"
			  " \"avg_duration_ms\": null, \"max_duration_ms\": null, \"cpu_ms\": 0}]",
			  0, NULL);
	assert_non_null(want);
	l = stats_json(&row, 1, "language");
	assert_non_null(l);
	assert_true(json_equal(l, want));
	/* Named for the grouping, and first. */
	assert_string_equal(json_object_iter_key(json_object_iter(json_array_get(l, 0))),
			    "language");
	json_decref(l);
	json_decref(want);
}

/* A user: overrides of -1 and a time that is not there are null, keys an array; a user
 * with no role set is a student. */
static void test_users(void **state)
{
	struct user_key keys[2] = { { "rbx_0000aaaa", 1000, 2000 },
				    { "key_1111bbbb", 3000, STORE_NULL } };
	struct user_row rows[2] = {
		{ .id = 7, .user = "alice", .kind = USER_KEY, .role = ROLE_TEACHER, .note = "Year 9",
		  .created_ms = 1000, .revoked_ms = STORE_NULL, .override = { 5, -1, -1, 4096 },
		  .keys = keys, .nkeys = 2, .runs_24h = 1, .runs_total = 9 },
		{ .id = 8, .user = "remote:bob", .kind = USER_REMOTE, .created_ms = 500,
		  .revoked_ms = 600, .override = { -1, -1, -1, -1 } },
	};
	json_t *l, *want;

	(void)state;
	want = json_loads("[{\"user\": \"alice\", \"kind\": \"key\", \"role\": \"teacher\","
			  " \"note\": \"Year 9\", \"created_ms\": 1000, \"revoked_ms\": null,"
			  " \"per_minute\": 5, \"per_day\": null, \"concurrent\": null, \"max_code_bytes\": 4096,"
			  " \"keys\": [{\"id\": \"rbx_0000aaaa\", \"created_ms\": 1000,"
			  " \"revoked_ms\": 2000}, {\"id\": \"key_1111bbbb\", \"created_ms\": 3000,"
			  " \"revoked_ms\": null}],"
			  " \"runs_24h\": 1, \"runs_total\": 9},"
			  " {\"user\": \"remote:bob\", \"kind\": \"remote\", \"role\": \"student\","
			  " \"note\": null, \"created_ms\": 500, \"revoked_ms\": 600,"
			  " \"per_minute\": null, \"per_day\": null, \"concurrent\": null, \"max_code_bytes\": null,"
			  " \"keys\": [], \"runs_24h\": 0, \"runs_total\": 0}]", 0, NULL);
	assert_non_null(want);
	l = user_list_json(rows, 2);
	assert_non_null(l);
	assert_true(json_equal(l, want));
	json_decref(l);
	json_decref(want);
	/* Text that is not UTF-8 shows as null, as the log always showed it. */
	l = run_json_text("jos\xe9");
	assert_true(json_is_null(l));
	l = run_json_text(NULL);
	assert_true(json_is_null(l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nulls_render_null),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
