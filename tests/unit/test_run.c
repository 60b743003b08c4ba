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
	char job[512];
	char cases[4][128]; /* the FRAME_CASE heads */
	int ncases;
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
		memcpy(s->job, p, n < sizeof s->job - 1 ? n : sizeof s->job - 1);
	if (type == FRAME_CASE && s->ncases < 4)
		memcpy(s->cases[s->ncases++], p, n < 127 ? n : 127);
	return 0;
}

/* Encode req's job and read it back frame by frame into s. */
static void decode_job(const struct run_request *req, struct seen *s)
{
	struct frame_reader fr;
	struct buf out;

	buf_init(&out, 1 << 20);
	assert_int_equal(run_job_encode(req, &out), 0);
	frame_reader_init(&fr, 0);
	assert_int_equal(frame_reader_feed(&fr, out.data, out.len, record, s), 0);
	frame_reader_release(&fr);
	buf_release(&out);
}

static void test_job_encode(void **state)
{
	struct conf c;
	struct run_file f = { "main.py", (const unsigned char *)"print(1)", 8 };
	static const char *const run_argv[] = { "python3", "main.py", NULL };
	struct run_request req = { .lang = NULL, .files = &f, .nfiles = 1, .run_argv = run_argv,
				   .stdin_data = (const unsigned char *)"in", .stdin_len = 2 };
	struct seen s = { 0 };
	uint64_t v;

	(void)state;
	conf_defaults(&c);
	req.limits = c.limits;
	req.limits.wall_ms = 2500;
	decode_job(&req, &s);
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

static uint64_t case_value(const struct seen *s, int k, const char *key)
{
	uint64_t v = 0;

	assert_int_equal(frame_kv_u64((const unsigned char *)s->cases[k], strlen(s->cases[k]), key,
				      1u << 30, &v), 0);
	return v;
}

/* Cases follow the run command, each with its limits (never above the run's), its own
 * command when it has one, and its input; a job with cases has no input of its own. */
static void test_job_cases(void **state)
{
	struct conf c;
	struct run_file f = { "main.py", (const unsigned char *)"print(1)", 8 };
	static const char *const run_argv[] = { "python3", "main.py", NULL };
	static const char *const own[] = { "python3", "-m", "pytest", NULL };
	struct run_case cases[2] = {
		{ .stdin_data = (const unsigned char *)"7\n", .stdin_len = 2, .wall_ms = 300 },
		{ .run_argv = own, .wall_ms = 99999, .cpu_ms = 99999, .report = true },
	};
	struct run_request req = { .files = &f, .nfiles = 1, .run_argv = run_argv,
				   .cases = cases, .ncases = 2 };
	static const int want[] = { FRAME_JOB, FRAME_FILE, FRAME_RUN, FRAME_CASE, FRAME_STDIN,
				    FRAME_CASE, FRAME_RUN, FRAME_END };
	struct seen s = { 0 };
	struct buf out;

	(void)state;
	conf_defaults(&c);
	req.limits = c.limits;
	req.limits.wall_ms = 2500;
	req.limits.cpu_ms = 2000;
	decode_job(&req, &s);
	assert_int_equal(s.n, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(s.types[i], want[i]);
	assert_memory_equal(s.argv, "python3\0-m\0pytest\0", 18); /* the last FRAME_RUN */
	assert_memory_equal(s.stdin_data, "7\n", 2);
	assert_int_equal(case_value(&s, 0, "wall_ms"), 300);
	assert_int_equal(case_value(&s, 0, "cpu_ms"), 2000);
	assert_int_equal(case_value(&s, 0, "report"), 0);
	assert_int_equal(case_value(&s, 1, "wall_ms"), 2500);
	assert_int_equal(case_value(&s, 1, "cpu_ms"), 2000);
	assert_int_equal(case_value(&s, 1, "report"), 1);
	/* 2 × 50 ms for starting each case. */
	assert_int_equal(run_request_time_ms(&req), 300 + 2500 + 100);
	req.stdin_data = (const unsigned char *)"x";
	req.stdin_len = 1;
	buf_init(&out, 1 << 20);
	assert_int_equal(run_job_encode(&req, &out), RC_INTERNAL);
	buf_release(&out);
}

/* A run with cases is ok when every case ran; each case has its own status. */
static void test_cases_status(void **state)
{
	struct run_result r = result(REASON_NONE, 0);
	struct conf c;

	(void)state;
	conf_defaults(&c);
	r.run.ran = false;
	assert_int_equal(run_result_cases(&r, &c.limits, 2), 0);
	r.cases[0].ran = true;
	r.cases[0].reason = REASON_WALL;
	assert_int_equal(run_status_derive(&r), STATUS_INTERNAL_ERROR); /* case 2 did not run */
	r.cases[1].ran = true;
	r.cases[1].reason = REASON_EXIT;
	assert_int_equal(run_status_derive(&r), STATUS_OK);
	assert_int_equal(run_stage_status(&r.cases[0]), STATUS_TIMEOUT);
	assert_int_equal(run_stage_status(&r.cases[1]), STATUS_OK);
	r.compile.ran = true;
	r.compile.reason = REASON_EXIT;
	r.compile.exit_code = 1;
	assert_int_equal(run_status_derive(&r), STATUS_COMPILE_ERROR);
	assert_int_equal(run_result_cases(&r, &c.limits, RUN_MAX_CASES + 1), RC_NOMEM);
	run_result_release(&r);
}

/* The container starts with the compiler's memory only when there is a compile stage and
 * it needs more; the job tells the agent both limits so it can wait for the lowering and
 * check the kernel's limit itself. */
static void test_memory_per_stage(void **state)
{
	static const char *const compile_argv[] = { "gcc", "main.c", NULL };
	static const char *const run_argv[] = { "./main", NULL };
	static const struct {
		bool compiles;
		long compile_mb, run_mb, container_mb;
	} cases[] = {
		{ true, 384, 128, 384 },  /* lowered between the stages */
		{ true, 64, 128, 128 },   /* the compiler needs less: one limit */
		{ true, 0, 128, 128 },    /* no compile limit given */
		{ false, 512, 128, 128 }, /* no compile stage: its limit does not count */
	};
	struct conf c;

	(void)state;
	conf_defaults(&c);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct run_file f = { "main.c", (const unsigned char *)"int main;", 9 };
		struct run_request req = { .files = &f, .nfiles = 1, .run_argv = run_argv,
					   .limits = c.limits };
		struct seen s = { 0 };
		uint64_t now = 0, run = 0;

		req.compile_argv = cases[i].compiles ? compile_argv : NULL;
		req.compile_memory_bytes = cases[i].compile_mb << 20;
		req.limits.memory_bytes = cases[i].run_mb << 20;
		assert_int_equal(run_container_memory(&req), cases[i].container_mb << 20);
		decode_job(&req, &s);
		assert_int_equal(frame_kv_u64((unsigned char *)s.job, strlen(s.job), "mem_now_bytes",
					      1ull << 40, &now), 0);
		assert_int_equal(frame_kv_u64((unsigned char *)s.job, strlen(s.job), "run_mem_bytes",
					      1ull << 40, &run), 0);
		assert_int_equal(now, (uint64_t)cases[i].container_mb << 20);
		assert_int_equal(run, (uint64_t)cases[i].run_mb << 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_derive),
		cmocka_unit_test(test_compile_stage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_job_encode),
		cmocka_unit_test(test_job_cases),
		cmocka_unit_test(test_cases_status),
		cmocka_unit_test(test_memory_per_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
