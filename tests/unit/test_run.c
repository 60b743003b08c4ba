/* The run module's pure parts: statuses derived from stage facts, and the job frames the
 * agent receives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "frame.h"
#include "run.h"

static struct run_result result(enum run_reason reason, int exit_code)
{
	struct run_result r;
	struct conf c;

	conf_defaults(&c);
	run_result_init(&r, &c.limits);
	r.run.ran = true;
	r.run.reason = reason;
	r.run.exit_code = exit_code;
	return r;
}

static void test_status_derive(void **state)
{
	struct run_result r;

	(void)state;
	r = result(REASON_EXIT, 0);
	assert_int_equal(run_status_derive(&r), STATUS_OK);
	r = result(REASON_EXIT, 1);
	assert_int_equal(run_status_derive(&r), STATUS_RUNTIME_ERROR);
	r = result(REASON_SIGNAL, 0);
	assert_int_equal(run_status_derive(&r), STATUS_RUNTIME_ERROR);
	r = result(REASON_WALL, 0);
	assert_int_equal(run_status_derive(&r), STATUS_TIMEOUT);
	r = result(REASON_CPU, 0);
	assert_int_equal(run_status_derive(&r), STATUS_TIMEOUT);
	r = result(REASON_MEMORY, 0);
	assert_int_equal(run_status_derive(&r), STATUS_MEMORY_LIMIT);
	r = result(REASON_OUTPUT, 0);
	assert_int_equal(run_status_derive(&r), STATUS_OUTPUT_LIMIT);
	r = result(REASON_KILLED, 0);
	assert_int_equal(run_status_derive(&r), STATUS_INTERNAL_ERROR);
	r = result(REASON_EXIT, 0);
	r.run.ran = false;
	assert_int_equal(run_status_derive(&r), STATUS_INTERNAL_ERROR);
	r = result(REASON_EXIT, 0);
	strcpy(r.agent_error, "bad job");
	assert_int_equal(run_status_derive(&r), STATUS_INTERNAL_ERROR);
}

static void test_compile_stage(void **state)
{
	struct run_result r = result(REASON_NONE, 0);

	(void)state;
	r.run.ran = false;
	r.compile.ran = true;
	r.compile.reason = REASON_EXIT;
	r.compile.exit_code = 1;
	assert_int_equal(run_status_derive(&r), STATUS_COMPILE_ERROR);
	r.compile.reason = REASON_WALL;
	assert_int_equal(run_status_derive(&r), STATUS_TIMEOUT);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(run_status_name(STATUS_MEMORY_LIMIT), "memory_limit");
	assert_string_equal(run_reason_name(REASON_OUTPUT), "output");
	assert_int_equal(run_reason_parse("wall"), REASON_WALL);
	assert_int_equal(run_reason_parse("nonsense"), REASON_NONE);
}

struct seen {
	int types[16];
	int n;
	char file[64];
	char argv[64];
	size_t argv_len;
	char stdin_data[16];
	char job[256];
};

static int record(void *arg, int type, const unsigned char *p, size_t n)
{
	struct seen *s = arg;

	s->types[s->n++] = type;
	if (type == FRAME_FILE)
		memcpy(s->file, p, n < sizeof s->file ? n : sizeof s->file);
	if (type == FRAME_RUN) {
		memcpy(s->argv, p, n);
		s->argv_len = n;
	}
	if (type == FRAME_STDIN)
		memcpy(s->stdin_data, p, n);
	if (type == FRAME_JOB)
		memcpy(s->job, p, n);
	return 0;
}

static void test_job_encode(void **state)
{
	struct conf c;
	struct run_file f = { "main.py", (const unsigned char *)"print(1)", 8 };
	static const char *const run_argv[] = { "python3", "main.py", NULL };
	struct run_request req = { .lang = NULL, .files = &f, .nfiles = 1, .run_argv = run_argv,
				   .stdin_data = (const unsigned char *)"in", .stdin_len = 2 };
	struct frame_reader fr;
	struct seen s = { 0 };
	struct buf out;
	uint64_t v;

	(void)state;
	conf_defaults(&c);
	req.limits = c.limits;
	req.limits.wall_ms = 2500;
	buf_init(&out, 1 << 20);
	assert_int_equal(run_job_encode(&req, &out), 0);
	frame_reader_init(&fr, 0);
	assert_int_equal(frame_reader_feed(&fr, out.data, out.len, record, &s), 0);
	frame_reader_release(&fr);
	buf_release(&out);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.types[0], FRAME_JOB);
	assert_int_equal(s.types[1], FRAME_FILE);
	assert_int_equal(s.types[2], FRAME_RUN);
	assert_int_equal(s.types[3], FRAME_STDIN);
	assert_int_equal(s.types[4], FRAME_END);
	assert_memory_equal(s.file, "main.py\0print(1)", 16);
	assert_int_equal(s.argv_len, strlen("python3") + 1 + strlen("main.py") + 1);
	assert_memory_equal(s.argv, "python3\0main.py\0", s.argv_len);
	assert_memory_equal(s.stdin_data, "in", 2);
	assert_int_equal(frame_kv_u64((unsigned char *)s.job, strlen(s.job), "wall_ms", 1u << 30, &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(frame_kv_u64((unsigned char *)s.job, strlen(s.job), "out_cap", 1u << 30, &v), 0);
	assert_int_equal(v, 1 << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_derive),
		cmocka_unit_test(test_compile_stage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_job_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
