#define _GNU_SOURCE
/* The messages between a FastCGI worker and the runner (core/rpc.c, core/rpc_reply.c):
 * what is encoded comes back the same, and every malformed message is refused with
 * RC_BAD_REQUEST, never crashes, and is never taken for a complete one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "rpc.h"

static const char registry[] =
	"[c]\nname = C\nimage = runbox/gcc:latest\nfile = main.c\nsources = .c\n"
	"compile = gcc -o main {sources}\nrun = ./main {args}\n"
	"[python]\nname = Python\nimage = runbox/python:latest\nfile = main.py\n"
	"run = python3 {entry} {args}\n"
	"[java]\nname = Java\nimage = runbox/java:latest\nfile = {class}.java\n"
	"compile = javac {entry}\nrun = java {class} {args}\n";

static int setup(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	if (lang_parse(registry, "test registry", &e) != 0) {
		print_error("%s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Every limit different, so a value landing in the wrong field shows. */
static const struct limits lim = { 1001, 1002, 1003, 0, 1005, 1006, 1007, 1008, 1009, 1010 };

static const unsigned char code1[] = "int main(void)\n{\0return 0; }";
static const unsigned char code2[] = "int helper;";
static const char *const compile_argv[] = { "gcc", "-o", "main", "main.c", "src/util.c", NULL };
static const char *const run_argv[] = { "./main", "", "two words", NULL };
static const unsigned char stdin_bytes[] = { 'a', 0, 'b', '\n', 0, 0xff };

static struct run_request full_request(const struct run_file *files)
{
	struct run_request r;

	memset(&r, 0, sizeof r);
	r.run_id = "r_1-Ab";
	r.lang = lang_find("c");
	r.files = files;
	r.nfiles = 2;
	r.stdin_data = stdin_bytes;
	r.stdin_len = sizeof stdin_bytes;
	r.limits = lim;
	r.cancel_fd = 7;
	r.compile_argv = compile_argv;
	r.run_argv = run_argv;
	r.compile_wall_ms = 2001;
	r.compile_cpu_ms = 2002;
	r.compile_memory_bytes = 2003;
	r.container_memory_bytes = 2004;
	r.compile_strict = true;
	r.run_pids = 2005;
	r.run_as_bytes = 2006;
	r.reuse = true;
	r.container = "abc";
	return r;
}

static void encode_run(const struct run_request *req, struct buf *out)
{
	buf_init(out, 1 << 20);
	assert_int_equal(rpc_encode_run(req, out), 0);
	assert_int_equal(rpc_message_length(out->data, out->len), (long)out->len);
	assert_int_equal(rpc_message_type(out->data, out->len), RPC_RUN);
}

static void assert_argv(const char *const *got, const char *const *want)
{
	size_t i;

	assert_non_null(got);
	for (i = 0; want[i] != NULL; i++)
		assert_string_equal(got[i], want[i]);
	assert_null(got[i]);
}

static void test_run_round_trip(void **state)
{
	const struct run_file files[2] = { { "main.c", code1, sizeof code1 },
					   { "src/util.c", code2, sizeof code2 - 1 } };
	struct run_request req = full_request(files);
	const struct run_request *rr;
	struct rpc_run got;
	struct err e;
	struct buf b;

	(void)state;
	encode_run(&req, &b);
	err_init(&e);
	assert_int_equal(rpc_decode_run(b.data, b.len, &got, &e), 0);
	buf_release(&b); /* the decoded run owns a copy */
	rr = &got.rr;
	assert_string_equal(rr->run_id, "r_1-Ab");
	assert_ptr_equal(rr->lang, lang_find("c"));
	assert_int_equal(rr->nfiles, 2);
	assert_string_equal(rr->files[0].name, "main.c");
	assert_int_equal(rr->files[0].len, sizeof code1);
	assert_memory_equal(rr->files[0].data, code1, sizeof code1);
	assert_string_equal(rr->files[1].name, "src/util.c");
	assert_int_equal(rr->files[1].len, sizeof code2 - 1);
	assert_memory_equal(rr->files[1].data, code2, sizeof code2 - 1);
	assert_int_equal(rr->stdin_len, sizeof stdin_bytes);
	assert_memory_equal(rr->stdin_data, stdin_bytes, sizeof stdin_bytes);
	assert_true(rr->stdin_data > got.msg);
	assert_memory_equal(&rr->limits, &lim, sizeof lim);
	assert_argv(rr->compile_argv, compile_argv);
	assert_argv(rr->run_argv, run_argv);
	assert_int_equal(rr->compile_wall_ms, 2001);
	assert_int_equal(rr->compile_cpu_ms, 2002);
	assert_int_equal(rr->compile_memory_bytes, 2003);
	assert_int_equal(rr->container_memory_bytes, 2004);
	assert_true(rr->compile_strict);
	assert_int_equal(rr->run_pids, 2005);
	assert_int_equal(rr->run_as_bytes, 2006);
	/* What the runner decides is never taken from the message. */
	assert_int_equal(rr->cancel_fd, -1);
	assert_null(rr->container);
	assert_false(rr->reuse);
	assert_null(rr->stream);
	rpc_run_release(&got);
	rpc_run_release(&got); /* twice is harmless */
}

/* No compile stage (an empty compile argv is none), the language's own run command, no
 * stdin. */
static void test_run_minimal(void **state)
{
	const struct run_file files[1] = { { "main.py", (const unsigned char *)"", 0 } };
	const char *const empty[] = { NULL };
	struct run_request req = full_request(files);
	struct rpc_run got;
	struct err e;
	struct buf b;

	(void)state;
	req.lang = lang_find("python");
	req.nfiles = 1;
	req.compile_argv = empty;
	req.run_argv = NULL;
	req.stdin_data = NULL;
	req.stdin_len = 0;
	req.compile_strict = false;
	encode_run(&req, &b);
	err_init(&e);
	assert_int_equal(rpc_decode_run(b.data, b.len, &got, &e), 0);
	assert_ptr_equal(got.rr.lang, lang_find("python"));
	assert_null(got.rr.compile_argv);
	assert_null(got.rr.run_argv);
	assert_int_equal(got.rr.stdin_len, 0);
	assert_int_equal(got.rr.files[0].len, 0);
	assert_false(got.rr.compile_strict);
	rpc_run_release(&got);
	buf_release(&b);
}

/* ---- results -------------------------------------------------------------------------- */

static void fill_stage(struct run_stage *s, int k, const void *out, size_t nout, const void *err,
		       size_t nerr)
{
	s->ran = true;
	s->exit_code = k + 1;
	s->signal = k + 2;
	s->reason = k ? REASON_MEMORY : REASON_EXIT;
	s->wall_ms = k + 3;
	s->cpu_ms = k + 4;
	s->mem_bytes = k + 5;
	s->out_bytes = k + 6000;
	s->err_bytes = k + 7000;
	assert_int_equal(buf_add(&s->out, out, nout), 0);
	assert_int_equal(buf_add(&s->err, err, nerr), 0);
}

static void assert_stage(const struct run_stage *g, const struct run_stage *w)
{
	assert_true(g->ran);
	assert_int_equal(g->exit_code, w->exit_code);
	assert_int_equal(g->signal, w->signal);
	assert_int_equal(g->reason, w->reason);
	assert_int_equal(g->wall_ms, w->wall_ms);
	assert_int_equal(g->cpu_ms, w->cpu_ms);
	assert_int_equal(g->mem_bytes, w->mem_bytes);
	assert_int_equal(g->out_bytes, w->out_bytes);
	assert_int_equal(g->err_bytes, w->err_bytes);
	assert_int_equal(g->out.len, w->out.len);
	assert_int_equal(g->err.len, w->err.len);
	if (w->out.len)
		assert_memory_equal(g->out.data, w->out.data, w->out.len);
	if (w->err.len)
		assert_memory_equal(g->err.data, w->err.data, w->err.len);
	assert_int_equal(g->out.truncated, w->out.truncated);
	assert_int_equal(g->err.truncated, w->err.truncated);
}

/* A run with cases: each case's limits, report flag, own command and stdin come back, and
 * so do their results, in order, with each case's stdout, stderr and report. */
static void test_cases_round_trip(void **state)
{
	const struct run_file files[1] = { { "main.c", code1, sizeof code1 } };
	static const char *const own[] = { "./main", "--case", "", NULL };
	static const struct run_file cfiles[2] = { { "data/in.csv", (const unsigned char *)"1,2", 3 },
						   { "x", (const unsigned char *)"", 0 } };
	struct run_case cases[3] = {
		{ .stdin_data = (const unsigned char *)"1\n", .stdin_len = 2, .wall_ms = 100,
		  .cpu_ms = 200, .files = cfiles, .nfiles = 2 },
		{ .stdin_data = stdin_bytes, .stdin_len = sizeof stdin_bytes, .run_argv = own,
		  .report = true },
		{ .wall_ms = 5, .cpu_ms = 6 },
	};
	struct run_request req = full_request(files);
	struct run_result res, got;
	struct rpc_run r;
	struct err e;
	struct buf b;
	int rc = 9;

	(void)state;
	req.nfiles = 1;
	req.stdin_len = 0;
	req.cases = cases;
	req.ncases = 3;
	encode_run(&req, &b);
	err_init(&e);
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), 0);
	buf_release(&b);
	assert_int_equal(r.rr.ncases, 3);
	assert_int_equal(r.rr.cases[0].wall_ms, 100);
	assert_int_equal(r.rr.cases[0].cpu_ms, 200);
	assert_false(r.rr.cases[0].report);
	assert_null(r.rr.cases[0].run_argv);
	assert_int_equal(r.rr.cases[0].stdin_len, 2);
	assert_memory_equal(r.rr.cases[0].stdin_data, "1\n", 2);
	assert_int_equal(r.rr.cases[0].nfiles, 2);
	assert_string_equal(r.rr.cases[0].files[0].name, "data/in.csv");
	assert_int_equal(r.rr.cases[0].files[0].len, 3);
	assert_memory_equal(r.rr.cases[0].files[0].data, "1,2", 3);
	assert_string_equal(r.rr.cases[0].files[1].name, "x");
	assert_int_equal(r.rr.cases[0].files[1].len, 0);
	assert_int_equal(r.rr.cases[1].nfiles, 0);
	assert_true(r.rr.cases[1].report);
	assert_argv(r.rr.cases[1].run_argv, own);
	assert_int_equal(r.rr.cases[1].stdin_len, sizeof stdin_bytes);
	assert_memory_equal(r.rr.cases[1].stdin_data, stdin_bytes, sizeof stdin_bytes);
	assert_int_equal(r.rr.cases[2].stdin_len, 0);
	assert_int_equal(r.rr.cases[2].wall_ms, 5);
	rpc_run_release(&r);

	/* The answer: two cases ran (the third did not). */
	run_result_init(&res, &lim);
	assert_int_equal(run_result_cases(&res, &lim, 3), 0);
	fill_stage(&res.compile, 0, "", 0, "w", 1);
	fill_stage(&res.cases[0], 1, "1\n", 2, "", 0);
	fill_stage(&res.cases[1], 2, "o\0", 2, "e", 1);
	assert_int_equal(buf_add(&res.cases[1].report, "ok 1\n", 5), 0);
	res.cases[1].report.truncated = true;
	res.status = STATUS_INTERNAL_ERROR;
	buf_init(&b, 1 << 20);
	assert_int_equal(rpc_encode_result(0, NULL, &res, 0, &b), 0);
	run_result_init(&got, &lim);
	assert_int_equal(run_result_cases(&got, &lim, 3), 0);
	assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, NULL, &e), 0);
	assert_int_equal(rc, 0);
	assert_stage(&got.compile, &res.compile);
	assert_false(got.run.ran);
	assert_stage(&got.cases[0], &res.cases[0]);
	assert_stage(&got.cases[1], &res.cases[1]);
	assert_int_equal(got.cases[1].report.len, 5);
	assert_memory_equal(got.cases[1].report.data, "ok 1\n", 5);
	assert_true(got.cases[1].report.truncated);
	assert_false(got.cases[0].report.truncated);
	assert_false(got.cases[2].ran);
	run_result_release(&got);

	/* A receiver that made room for fewer cases refuses the answer. */
	run_result_init(&got, &lim);
	assert_int_equal(run_result_cases(&got, &lim, 1), 0);
	assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, NULL, &e), RC_BAD_REQUEST);
	run_result_release(&got);
	run_result_release(&res);
	buf_release(&b);
}

/* Cases that do not add up are refused: stdin of the run beside cases, a head that does
 * not say what follows. */
static void test_cases_refused(void **state)
{
	const struct run_file files[1] = { { "main.c", code1, sizeof code1 } };
	struct run_case c = { .stdin_data = (const unsigned char *)"abc", .stdin_len = 3, .wall_ms = 1,
			      .cpu_ms = 1 };
	struct run_request req = full_request(files);
	struct rpc_run r;
	struct err e;
	struct buf b;
	unsigned char *k;

	(void)state;
	req.nfiles = 1;
	req.cases = &c;
	req.ncases = 1;
	encode_run(&req, &b); /* with the run's own stdin too */
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), RC_BAD_REQUEST);
	rpc_run_release(&r);
	buf_release(&b);
	req.stdin_len = 0;
	encode_run(&req, &b);
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), 0);
	rpc_run_release(&r);
	/* stdin_len=3 made 4: what follows the head is no longer what it says. */
	k = memmem(b.data, b.len, "stdin_len=3", 11);
	assert_non_null(k);
	k[10] = '4';
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "stdin"));
	rpc_run_release(&r);
	buf_release(&b);
}

/* A suite's files and its name come back; a name without files, or files without their
 * name, or a name that is not a SHA-256 is refused. */
static void test_suite_round_trip(void **state)
{
	const struct run_file files[1] = { { "main.c", code1, sizeof code1 } };
	const struct run_file suite[2] = { { "test_fib.c", code2, sizeof code2 - 1 },
					   { "data/x.txt", stdin_bytes, sizeof stdin_bytes } };
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct run_request req = full_request(files);
	struct rpc_run r;
	struct err e;
	struct buf b;
	unsigned char *k;

	(void)state;
	req.nfiles = 1;
	req.suite = suite;
	req.nsuite = 2;
	req.suite_id = id;
	encode_run(&req, &b);
	err_init(&e);
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), 0);
	assert_int_equal(r.rr.nsuite, 2);
	assert_string_equal(r.rr.suite_id, id);
	assert_string_equal(r.rr.suite[1].name, "data/x.txt");
	assert_int_equal(r.rr.suite[1].len, sizeof stdin_bytes);
	assert_memory_equal(r.rr.suite[1].data, stdin_bytes, sizeof stdin_bytes);
	assert_int_equal(r.rr.nfiles, 1);
	rpc_run_release(&r);
	k = memmem(b.data, b.len, "suite_id=0", 10);
	assert_non_null(k);
	k[9] = 'X';
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), RC_BAD_REQUEST);
	rpc_run_release(&r);
	buf_release(&b);
	req.suite_id = "";
	encode_run(&req, &b);
	assert_int_equal(rpc_decode_run(b.data, b.len, &r, &e), RC_BAD_REQUEST);
	rpc_run_release(&r);
	buf_release(&b);
}

static void test_result_round_trip(void **state)
{
	struct run_result res, got;
	struct buf b;
	struct err e;
	long reused = -1;
	int rc = 99;

	(void)state;
	run_result_init(&res, &lim);
	fill_stage(&res.compile, 0, "warn\0ing", 8, "", 0);
	fill_stage(&res.run, 1, "out\0put", 7, "e\0rr", 4);
	res.run.out.truncated = true;
	res.status = STATUS_MEMORY_LIMIT;
	res.total_ms = 1234;
	strcpy(res.agent_error, "exec failed: line\nbreak");
	strcpy(res.container, "0123456789abcdef");
	res.pooled = res.limit_lowered = true;
	res.job_sent = false;
	res.job_done = true;
	buf_init(&b, 1 << 20);
	assert_int_equal(rpc_encode_result(0, NULL, &res, 3, &b), 0);
	assert_int_equal(rpc_message_length(b.data, b.len), (long)b.len);
	assert_int_equal(rpc_message_type(b.data, b.len), RPC_RESULT);
	run_result_init(&got, &lim);
	err_init(&e);
	assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, &reused, &e), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(reused, 3);
	assert_int_equal(got.status, STATUS_MEMORY_LIMIT);
	assert_int_equal(got.total_ms, 1234);
	assert_string_equal(got.agent_error, "exec failed: line\nbreak");
	assert_string_equal(got.container, "0123456789abcdef");
	assert_true(got.pooled && got.limit_lowered && got.job_done && !got.job_sent);
	assert_stage(&got.compile, &res.compile);
	assert_stage(&got.run, &res.run);
	run_result_release(&got);
	run_result_release(&res);
	buf_release(&b);
}

/* The runner's error comes back as that very code, even where codes share a name. */
static void test_result_errors(void **state)
{
	struct run_result got;
	struct err sent, e;
	struct buf b;
	long reused;
	int i, rc;

	(void)state;
	for (i = 0; i < RC_COUNT; i++) {
		err_init(&sent);
		if (i % 2)
			(void)err_set(&sent, -(i + 1), "detail %d", i);
		buf_init(&b, 4096);
		assert_int_equal(rpc_encode_result(-(i + 1), i % 3 ? &sent : NULL, NULL, 2, &b), 0);
		run_result_init(&got, &lim);
		err_init(&e);
		rc = 0;
		assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, &reused, &e), 0);
		assert_int_equal(rc, -(i + 1));
		assert_int_equal(e.rc, rc);
		assert_int_equal(reused, 2);
		if (i % 2 && i % 3)
			assert_string_equal(e.msg, sent.msg);
		else
			assert_string_equal(e.msg, rc_message(rc));
		assert_false(got.run.ran);
		run_result_release(&got);
		buf_release(&b);
	}
}

/* The receiver's caps cut what the sender's let through, and say so. */
static void test_result_cut(void **state)
{
	struct limits small = lim;
	struct run_result res, got;
	struct buf b;
	int rc;

	(void)state;
	run_result_init(&res, &lim);
	fill_stage(&res.run, 0, "0123456789", 10, "abc", 3);
	res.status = STATUS_OK;
	buf_init(&b, 1 << 20);
	assert_int_equal(rpc_encode_result(0, NULL, &res, 0, &b), 0);
	small.stdout_cap = 4;
	run_result_init(&got, &small);
	assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, NULL, NULL), 0);
	assert_int_equal(got.run.out.len, 4);
	assert_memory_equal(got.run.out.data, "0123", 4);
	assert_true(got.run.out.truncated);
	assert_int_equal(got.run.err.len, 3);
	assert_false(got.run.err.truncated);
	run_result_release(&got);
	run_result_release(&res);
	buf_release(&b);
}

/* Caps that add up to more than a message holds: each output gets an equal share, cut
 * and flagged, and the answer still goes. */
static void test_result_share(void **state)
{
	struct limits big = lim;
	struct run_result res, got;
	struct buf b;
	size_t share = (RPC_MAX_MESSAGE - 64 * 1024) / 4;
	char *fill;
	int rc;

	(void)state;
	big.stdout_cap = big.stderr_cap = 32L << 20;
	fill = malloc(30u << 20);
	assert_non_null(fill);
	memset(fill, 'a', 30u << 20);
	run_result_init(&res, &big);
	fill_stage(&res.run, 0, fill, 30u << 20, fill, 20u << 20);
	free(fill);
	buf_init(&b, RPC_MAX_MESSAGE);
	assert_int_equal(rpc_encode_result(0, NULL, &res, 0, &b), 0);
	run_result_init(&got, &big);
	assert_int_equal(rpc_decode_result(b.data, b.len, &got, &rc, NULL, NULL), 0);
	assert_int_equal(got.run.out.len, share);
	assert_int_equal(got.run.err.len, share);
	assert_true(got.run.out.truncated && got.run.err.truncated);
	run_result_release(&got);
	run_result_release(&res);
	buf_release(&b);
}

/* An encoder that fails leaves what out held as it was. */
static void test_encode_fails(void **state)
{
	const struct run_file files[1] = { { "main.c", code2, sizeof code2 - 1 } };
	struct run_request req = full_request(files);
	struct buf b;

	(void)state;
	req.nfiles = 1;
	buf_init(&b, 100);
	assert_int_equal(buf_add(&b, "kept", 4), 0);
	assert_int_equal(rpc_encode_run(&req, &b), RC_NOMEM);
	assert_int_equal(b.len, 4);
	assert_false(b.truncated);
	assert_memory_equal(b.data, "kept", 5);
	buf_release(&b);
	/* Larger than a message may be: refused before a byte of stdin is read. */
	buf_init(&b, 1 << 20);
	req.stdin_len = (size_t)RPC_MAX_MESSAGE + 1;
	assert_int_equal(rpc_encode_run(&req, &b), RC_BODY_TOO_LARGE);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* ---- info ----------------------------------------------------------------------------- */

static void test_info_round_trip(void **state)
{
	struct rpc_info in, got;
	struct buf b;
	struct err e;
	size_t i;

	(void)state;
	memset(&in, 0, sizeof in);
	in.docker = false;
	strcpy(in.docker_version, "20.10\n24");
	in.docker_rc = RC_IMAGE_MISSING; /* shares its name with RC_DOCKER_DOWN */
	strcpy(in.docker_error, "connect: no such file\nor directory");
	in.containers_created = 1LL << 40;
	in.containers_removed = 5;
	in.reused_jobs = 6;
	in.retired = 7;
	for (i = 0; i < 3; i++) {
		strcpy(in.langs[i].lang, lang_at(i)->id);
		in.langs[i].image = i != 1;
		(void)snprintf(in.langs[i].version, sizeof in.langs[i].version, "%zu.0", i + 1);
		in.langs[i].idle = (int)i;
		in.langs[i].busy = (int)i + 10;
	}
	in.nlangs = 3;
	buf_init(&b, 1 << 16);
	assert_int_equal(rpc_encode_info(&in, &b), 0);
	assert_int_equal(rpc_message_length(b.data, b.len), (long)b.len);
	err_init(&e);
	assert_int_equal(rpc_decode_info(b.data, b.len, &got, &e), 0);
	assert_false(got.docker);
	assert_string_equal(got.docker_version, "20.10 24"); /* a newline cannot pass */
	assert_int_equal(got.docker_rc, RC_IMAGE_MISSING);
	assert_string_equal(got.docker_error, in.docker_error);
	assert_true(got.containers_created == in.containers_created);
	assert_true(got.containers_removed == 5 && got.reused_jobs == 6 && got.retired == 7);
	assert_int_equal(got.nlangs, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(got.langs[i].lang, in.langs[i].lang);
		assert_int_equal(got.langs[i].image, in.langs[i].image);
		assert_string_equal(got.langs[i].version, in.langs[i].version);
		assert_int_equal(got.langs[i].idle, in.langs[i].idle);
		assert_int_equal(got.langs[i].busy, in.langs[i].busy);
	}
	buf_release(&b);

	buf_init(&b, 64);
	assert_int_equal(rpc_encode_info_request(&b), 0);
	assert_int_equal(rpc_message_length(b.data, b.len), (long)b.len);
	assert_int_equal(rpc_message_type(b.data, b.len), RPC_INFO);
	buf_release(&b);
}

/* ---- refusals ------------------------------------------------------------------------- */

#define RAW 1 /* not a frame: bytes as they are */
struct fr {
	int type;
	const char *p;
	size_t len;
};
#define FR(t, s) { t, s, sizeof s - 1 }
#define END FR(RPC_END, "")

static void build_add(struct buf *b, int type, const void *p, size_t n)
{
	unsigned char hdr[FRAME_HDR];

	frame_header(hdr, type, (uint32_t)n);
	if (type != RAW)
		assert_int_equal(buf_add(b, hdr, sizeof hdr), 0);
	assert_int_equal(buf_add(b, p, n), 0);
}

static void build(struct buf *b, const struct fr *f)
{
	buf_init(b, 1 << 20);
	for (; f->type != 0; f++)
		build_add(b, f->type, f->p, f->len);
}

/* The refusal is RC_BAD_REQUEST with a sentence that can go into a log line. */
static void assert_refused(int rc, const struct err *e, const char *name)
{
	const char *c;

	if (rc != RC_BAD_REQUEST || e->rc != RC_BAD_REQUEST || e->msg[0] == '\0')
		fail_msg("case '%s': rc %d, '%s'", name, rc, e->msg);
	for (c = e->msg; *c; c++)
		if ((unsigned char)*c < ' ')
			fail_msg("case '%s': a control character in '%s'", name, e->msg);
}

#define ID "run_id=r1\n"
#define LANG "lang=c\n"
#define WALL "wall_ms=1000\n"
#define REST "cpu_ms=1\nmemory_bytes=1\nnano_cpus=0\npids=1\nwork_tmpfs_bytes=1\n" \
	"tmp_tmpfs_bytes=1\nstdout_cap=1\nstderr_cap=1\nrun_uid=1\ncompile_wall_ms=0\n" \
	"compile_cpu_ms=0\ncompile_memory_bytes=0\ncontainer_memory_bytes=0\nrun_pids=0\n" \
	"run_as_bytes=0\ncompile_strict=0\n"
#define C0 "compile=0\n"
#define C1 "compile=1\n"
#define HEAD ID LANG WALL REST C0
#define FILE1 FR(RPC_FILE, "main.c\0code")
#define ARGV FR(RPC_ARGV, "./main\0")

struct msg_case {
	const char *name;
	struct fr f[8];
};

static const struct msg_case run_cases[] = {
	{ "unknown language", { FR(RPC_RUN, ID "lang=cobol\n" WALL REST C0), FILE1, END } },
	{ "no language", { FR(RPC_RUN, ID WALL REST C0), FILE1, END } },
	{ "run_id characters", { FR(RPC_RUN, "run_id=a b\n" LANG WALL REST C0), FILE1, END } },
	{ "run_id slash", { FR(RPC_RUN, "run_id=../x\n" LANG WALL REST C0), FILE1, END } },
	{ "run_id too long",
	  { FR(RPC_RUN, "run_id=123456789012345678901234567890123\n" LANG WALL REST C0), FILE1,
	    END } },
	{ "run_id empty", { FR(RPC_RUN, "run_id=\n" LANG WALL REST C0), FILE1, END } },
	{ "absolute name", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "/etc/x\0a"), END } },
	{ "dot-dot name", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "a/../b\0a"), END } },
	{ "dot-dot alone", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "..\0a"), END } },
	{ "dot part", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "./a\0a"), END } },
	{ "empty part", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "a//b\0a"), END } },
	{ "control character in a name", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "a\tb\0a"), END } },
	{ "name deeper than the agent allows", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "a/b/c/d/e/f/g/h/i\0a"), END } },
	{ "trailing slash", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "a/\0a"), END } },
	{ "empty name", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "\0a"), END } },
	{ "name without NUL", { FR(RPC_RUN, HEAD), FR(RPC_FILE, "main.c"), END } },
	{ "no file", { FR(RPC_RUN, HEAD), END } },
	{ "no end", { FR(RPC_RUN, HEAD), FILE1 } },
	{ "nothing", { { 0, NULL, 0 } } },
	{ "file before head", { FILE1, FR(RPC_RUN, HEAD), END } },
	{ "file after argv", { FR(RPC_RUN, HEAD), FILE1, ARGV, FILE1, END } },
	{ "argv before compile",
	  { FR(RPC_RUN, ID LANG WALL REST C1), FILE1, ARGV, FR(RPC_COMPILE, "cc\0"), END } },
	{ "second head", { FR(RPC_RUN, HEAD), FR(RPC_RUN, HEAD), FILE1, END } },
	{ "second stdin", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_STDIN, "a"), FR(RPC_STDIN, "b"), END } },
	{ "second argv", { FR(RPC_RUN, HEAD), FILE1, ARGV, ARGV, END } },
	{ "compile without compile=1", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_COMPILE, "cc\0"), END } },
	{ "compile=1 without compile", { FR(RPC_RUN, ID LANG WALL REST C1), FILE1, ARGV, END } },
	{ "empty argv", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_ARGV, ""), END } },
	{ "empty program", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_ARGV, "\0x\0"), END } },
	{ "argv without NUL", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_ARGV, "./main"), END } },
	{ "empty compile argv",
	  { FR(RPC_RUN, ID LANG WALL REST C1), FILE1, FR(RPC_COMPILE, ""), END } },
	{ "number with junk", { FR(RPC_RUN, ID LANG "wall_ms=12x\n" REST C0), FILE1, END } },
	{ "zero wall_ms", { FR(RPC_RUN, ID LANG "wall_ms=0\n" REST C0), FILE1, END } },
	{ "negative", { FR(RPC_RUN, ID LANG "wall_ms=-5\n" REST C0), FILE1, END } },
	{ "overflow",
	  { FR(RPC_RUN, ID LANG "wall_ms=99999999999999999999\n" REST C0), FILE1, END } },
	{ "above 1<<62", { FR(RPC_RUN, ID LANG "wall_ms=4611686018427387905\n" REST C0), FILE1,
			   END } },
	{ "empty number", { FR(RPC_RUN, ID LANG "wall_ms=\n" REST C0), FILE1, END } },
	{ "missing key", { FR(RPC_RUN, ID LANG REST C0), FILE1, END } },
	{ "unknown key", { FR(RPC_RUN, HEAD "colour=red\n"), FILE1, END } },
	{ "repeated key", { FR(RPC_RUN, HEAD WALL), FILE1, END } },
	{ "line without =", { FR(RPC_RUN, HEAD "wall_ms\n"), FILE1, END } },
	{ "no last newline", { FR(RPC_RUN, HEAD "x=1"), FILE1, END } },
	{ "NUL in head", { FR(RPC_RUN, ID LANG WALL REST "compile=0\0\n"), FILE1, END } },
	{ "bool of 2", { FR(RPC_RUN, ID LANG WALL REST "compile=2\n"), FILE1, END } },
	{ "trailing bytes", { FR(RPC_RUN, HEAD), FILE1, END, FR(RAW, "x") } },
	{ "a second message", { FR(RPC_RUN, HEAD), FILE1, END, FR(RPC_RUN, HEAD) } },
	{ "end with payload", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_END, "x") } },
	{ "unknown frame", { FR(RPC_RUN, HEAD), FILE1, FR('x', ""), END } },
	{ "answer frame", { FR(RPC_RUN, HEAD), FILE1, FR(RPC_TEXT, "hi"), END } },
	{ "a result", { FR(RPC_RESULT, "rc=ok\n"), END } },
	{ "cut header", { FR(RPC_RUN, HEAD), FILE1, FR(RAW, "Z\0\0") } },
};

enum which { RUN, RESULT, INFO };

/* Decode p[0..n) as which; returns what the decoder did. */
static int decode(enum which w, const unsigned char *p, size_t n, struct err *e)
{
	struct rpc_run run;
	struct run_result res;
	struct rpc_info info;
	int rc, runner_rc;

	err_init(e);
	switch (w) {
	case RUN:
		rc = rpc_decode_run(p, n, &run, e);
		rpc_run_release(&run);
		return rc;
	case RESULT:
		run_result_init(&res, &lim);
		rc = rpc_decode_result(p, n, &res, &runner_rc, NULL, e);
		run_result_release(&res);
		return rc;
	case INFO:
		return rpc_decode_info(p, n, &info, e);
	}
	return -1;
}

static void refuse_all(enum which w, const struct msg_case *c, size_t n)
{
	struct err e;
	struct buf b;
	size_t i;

	for (i = 0; i < n; i++) {
		build(&b, c[i].f);
		assert_refused(decode(w, b.data, b.len, &e), &e, c[i].name);
		buf_release(&b);
	}
}

static void test_run_refused(void **state)
{
	struct err e;
	struct buf b;

	(void)state;
	refuse_all(RUN, run_cases, sizeof run_cases / sizeof run_cases[0]);
	/* The good message the cases are made from is taken. */
	build(&b, (const struct fr[]){ FR(RPC_RUN, HEAD), FILE1, ARGV, END, { 0, NULL, 0 } });
	assert_int_equal(decode(RUN, b.data, b.len, &e), 0);
	buf_release(&b);
}

/* req is encoded, and decoded unless over (refused then). */
static void assert_counted(const struct run_request *req, bool over)
{
	struct err e;
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(rpc_encode_run(req, &b), 0);
	if (over)
		assert_refused(decode(RUN, b.data, b.len, &e), &e, "one more");
	else
		assert_int_equal(decode(RUN, b.data, b.len, &e), 0);
	buf_release(&b);
}

/* Counts at their limit are taken, one more is refused. */
static void test_run_counts(void **state)
{
	static char names[RPC_MAX_FILES + 1][8], longname[258];
	static const char *argv[RPC_MAX_ARGS + 2];
	struct run_file files[RPC_MAX_FILES + 1];
	struct run_request req;
	size_t i, k;

	(void)state;
	for (i = 0; i <= RPC_MAX_FILES; i++) {
		(void)snprintf(names[i], sizeof names[i], "f%zu", i);
		files[i] = (struct run_file){ names[i], (const unsigned char *)"x", 1 };
	}
	req = full_request(files);
	for (i = 0; i <= RPC_MAX_ARGS; i++)
		argv[i] = "a";
	memset(longname, 'n', sizeof longname - 1);
	for (k = 0; k < 2; k++) { /* k = 0: at the limit; 1: one more */
		req.nfiles = RPC_MAX_FILES + k;
		assert_counted(&req, k);
		req.nfiles = 1;
		argv[RPC_MAX_ARGS + k] = NULL;
		req.run_argv = argv;
		assert_counted(&req, k);
		argv[RPC_MAX_ARGS + k] = "a";
		req.run_argv = run_argv;
		longname[255 + k] = '\0';
		files[0].name = longname;
		assert_counted(&req, k);
		files[0].name = names[0];
		longname[255 + k] = 'n';
	}
}

#define RHEAD "rc=ok\nstatus=ok\ncontainer=abc\nreused=0\ntotal_ms=1\npooled=0\njob_sent=1\n" \
	"limit_lowered=0\njob_done=0\n"
#define STAGE_REST "exit=0\nsignal=0\nwall_ms=1\ncpu_ms=1\nmem_bytes=1\nout_bytes=1\n" \
	"err_bytes=0\nout_trunc=0\nerr_trunc=0\n"
#define RUN_STAGE FR(RPC_STAGE, "stage=run\nreason=exit\n" STAGE_REST)

static const struct msg_case result_cases[] = {
	{ "unknown rc", { FR(RPC_RESULT, "rc=RC_NOPE\nreused=0\n"), END } },
	{ "rc by its shared name", { FR(RPC_RESULT, "rc=runner_unavailable\nreused=0\n"), END } },
	{ "rc as a number", { FR(RPC_RESULT, "rc=-16\nreused=0\n"), END } },
	{ "failed without reused", { FR(RPC_RESULT, "rc=RC_DOCKER\n"), END } },
	{ "failed with a status", { FR(RPC_RESULT, "rc=RC_DOCKER\nreused=0\nstatus=ok\n"), END } },
	{ "failed with a stage", { FR(RPC_RESULT, "rc=RC_DOCKER\nreused=0\n"), RUN_STAGE, END } },
	{ "unknown status", { FR(RPC_RESULT, "rc=ok\nstatus=fine\ncontainer=\nreused=0\n"
					 "total_ms=1\npooled=0\njob_sent=1\nlimit_lowered=0\n"
					 "job_done=0\n"), END } },
	{ "container id", { FR(RPC_RESULT, "rc=ok\nstatus=ok\ncontainer=a;b\nreused=0\n"
				       "total_ms=1\npooled=0\njob_sent=1\nlimit_lowered=0\n"
				       "job_done=0\n"), END } },
	{ "stage twice", { FR(RPC_RESULT, RHEAD), RUN_STAGE, RUN_STAGE, END } },
	{ "unknown stage", { FR(RPC_RESULT, RHEAD),
			     FR(RPC_STAGE, "stage=link\nreason=exit\n" STAGE_REST), END } },
	{ "unknown reason", { FR(RPC_RESULT, RHEAD),
			      FR(RPC_STAGE, "stage=run\nreason=sleepy\n" STAGE_REST), END } },
	{ "output of a stage that did not run",
	  { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_OUT, "cx"), END } },
	{ "output without stage byte", { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_OUT, ""), END } },
	{ "output stage byte", { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_OUT, "xa"), END } },
	{ "output twice", { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_OUT, "ra"), FR(RPC_OUT, "rb"),
			    END } },
	{ "stderr before stdout", { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_ERR, "ra"),
				    FR(RPC_OUT, "rb"), END } },
	{ "stage after output", { FR(RPC_RESULT, RHEAD), RUN_STAGE, FR(RPC_OUT, "ra"), RUN_STAGE,
				  END } },
	{ "text with NUL", { FR(RPC_RESULT, RHEAD), FR(RPC_TEXT, "a\0b"), END } },
	{ "two texts", { FR(RPC_RESULT, RHEAD), FR(RPC_TEXT, "a"), FR(RPC_TEXT, "b"), END } },
	{ "no end", { FR(RPC_RESULT, RHEAD), RUN_STAGE } },
	{ "a run message", { FR(RPC_RUN, HEAD), FILE1, END } },
};

#define IHEAD "docker=1\ndocker_version=1\ndocker_rc=ok\ncontainers_created=0\n" \
	"containers_removed=0\nreused_jobs=0\nretired=0\n"
#define LANG_C FR(RPC_LANG, "lang=c\nimage=1\nversion=\nidle=0\nbusy=0\n")

static const struct msg_case info_cases[] = {
	{ "docker's error while it answers", { FR(RPC_INFO_REPLY, IHEAD), FR(RPC_TEXT, "x"), END } },
	{ "language twice", { FR(RPC_INFO_REPLY, IHEAD), LANG_C, LANG_C, END } },
	{ "language id", { FR(RPC_INFO_REPLY, IHEAD),
			   FR(RPC_LANG, "lang=C\nimage=1\nversion=\nidle=0\nbusy=0\n"), END } },
	{ "empty language", { FR(RPC_INFO_REPLY, IHEAD),
			      FR(RPC_LANG, "lang=\nimage=1\nversion=\nidle=0\nbusy=0\n"), END } },
	{ "negative idle", { FR(RPC_INFO_REPLY, IHEAD),
			     FR(RPC_LANG, "lang=c\nimage=1\nversion=\nidle=-1\nbusy=0\n"), END } },
	{ "idle past int", { FR(RPC_INFO_REPLY, IHEAD),
			     FR(RPC_LANG, "lang=c\nimage=1\nversion=\nidle=2147483648\nbusy=0\n"),
			     END } },
	{ "unknown docker_rc", { FR(RPC_INFO_REPLY, "docker=1\ndocker_version=1\ndocker_rc=bad\n"
					       "containers_created=0\ncontainers_removed=0\n"
					       "reused_jobs=0\nretired=0\n"), END } },
	{ "language before head", { LANG_C, FR(RPC_INFO_REPLY, IHEAD), END } },
	{ "an info request", { FR(RPC_INFO, ""), END } },
};

static void test_answers_refused(void **state)
{
	char text[300], frames[(LANG_MAX + 1) * 64];
	struct err e;
	struct buf b;
	size_t i;

	(void)state;
	refuse_all(RESULT, result_cases, sizeof result_cases / sizeof result_cases[0]);
	refuse_all(INFO, info_cases, sizeof info_cases / sizeof info_cases[0]);
	/* An agent error of 255 bytes fits its field, 256 do not. */
	memset(text, 'x', sizeof text);
	for (i = 255; i <= 256; i++) {
		build(&b, (const struct fr[]){ FR(RPC_RESULT, RHEAD), { RPC_TEXT, text, i }, END,
					       { 0, NULL, 0 } });
		assert_int_equal(decode(RESULT, b.data, b.len, &e), i == 255 ? 0 : RC_BAD_REQUEST);
		buf_release(&b);
	}
	/* LANG_MAX languages are taken, one more is refused. */
	build(&b, (const struct fr[]){ FR(RPC_INFO_REPLY, IHEAD), { 0, NULL, 0 } });
	for (i = 0; i <= LANG_MAX; i++) {
		int n = snprintf(frames, sizeof frames, "lang=l%zu\nimage=0\nversion=v\nidle=0\n"
				 "busy=0\n", i);

		build_add(&b, RPC_LANG, frames, (size_t)n);
		if (i >= LANG_MAX - 1) {
			struct buf m;

			buf_init(&m, 1 << 20);
			assert_int_equal(buf_add(&m, b.data, b.len), 0);
			build_add(&m, RPC_END, "", 0);
			assert_int_equal(decode(INFO, m.data, m.len, &e),
					 i == LANG_MAX ? RC_BAD_REQUEST : 0);
			buf_release(&m);
		}
	}
	buf_release(&b);
}

/* ---- cutting a stream ----------------------------------------------------------------- */

/* Every proper prefix of a good message is "more is needed" to the cutter and refused by
 * the decoder, in a buffer of its own so that a read past it is caught. */
static void assert_prefixes(enum which w, const struct buf *m)
{
	unsigned char *p;
	struct err e;
	size_t k;

	for (k = 0; k < m->len; k++) {
		p = malloc(k > 0 ? k : 1);
		assert_non_null(p);
		memcpy(p, m->data, k);
		assert_int_equal(rpc_message_length(p, k), 0);
		if (decode(w, p, k, &e) != RC_BAD_REQUEST)
			fail_msg("a prefix of %zu of %zu bytes was taken", k, m->len);
		free(p);
	}
	assert_int_equal(rpc_message_length(m->data, m->len), (long)m->len);
	assert_int_equal(decode(w, m->data, m->len, &e), 0);
}

static void test_prefixes(void **state)
{
	const struct run_file files[2] = { { "main.c", code1, sizeof code1 },
					   { "src/util.c", code2, sizeof code2 - 1 } };
	struct run_request req = full_request(files);
	struct run_result res;
	struct rpc_info info;
	struct buf b;

	(void)state;
	encode_run(&req, &b);
	assert_prefixes(RUN, &b);
	buf_release(&b);

	run_result_init(&res, &lim);
	fill_stage(&res.compile, 0, "c", 1, "w", 1);
	fill_stage(&res.run, 1, "o\0", 2, "e", 1);
	strcpy(res.agent_error, "oops");
	buf_init(&b, 1 << 16);
	assert_int_equal(rpc_encode_result(0, NULL, &res, 1, &b), 0);
	assert_prefixes(RESULT, &b);
	buf_release(&b);
	run_result_release(&res);

	memset(&info, 0, sizeof info);
	strcpy(info.langs[0].lang, "c");
	info.nlangs = 1;
	buf_init(&b, 1 << 16);
	assert_int_equal(rpc_encode_info(&info, &b), 0);
	assert_prefixes(INFO, &b);
	buf_release(&b);
}

static void test_message_length(void **state)
{
	unsigned char hdr[FRAME_HDR];
	struct buf b, two;
	size_t i;

	(void)state;
	assert_int_equal(rpc_message_length((const unsigned char *)"", 0), 0);
	assert_int_equal(rpc_message_length((const unsigned char *)"Q\0\0", 3), 0);
	assert_int_equal(rpc_message_type((const unsigned char *)"Q\0\0\0\1", 5), -1);
	/* Complete, with the start of the next message behind it. */
	build(&b, (const struct fr[]){ FR(RPC_RUN, HEAD), FILE1, END, { 0, NULL, 0 } });
	buf_init(&two, 1 << 20);
	assert_int_equal(buf_add(&two, b.data, b.len), 0);
	assert_int_equal(buf_add(&two, b.data, b.len - 3), 0);
	assert_int_equal(rpc_message_length(two.data, two.len), (long)b.len);
	assert_int_equal(rpc_message_length(two.data + b.len, two.len - b.len), 0);
	buf_release(&two);
	buf_release(&b);
	/* Refused as soon as the bytes that show it arrive: an unknown type first or later, a
	 * first frame that starts no message, a non-empty end. */
	assert_int_equal(rpc_message_length((const unsigned char *)"x", 1), -1);
	assert_int_equal(rpc_message_type((const unsigned char *)"x\0\0\0\0", 5), -1);
	assert_int_equal(rpc_message_length((const unsigned char *)"Q\0\0\0\0x", 6), -1);
	assert_int_equal(rpc_message_length((const unsigned char *)"F\0\0\0\0", 5), -1);
	assert_int_equal(rpc_message_length((const unsigned char *)"Q\0\0\0\0Z\0\0\0\1", 10), -1);
	/* Larger than a message may be: one frame, or frames together. */
	frame_header(hdr, RPC_RUN, RPC_MAX_MESSAGE - FRAME_HDR);
	assert_int_equal(rpc_message_length(hdr, sizeof hdr), 0);
	frame_header(hdr, RPC_RUN, RPC_MAX_MESSAGE - FRAME_HDR + 1);
	assert_int_equal(rpc_message_length(hdr, sizeof hdr), -1);
	frame_header(hdr, RPC_RUN, UINT32_MAX);
	assert_int_equal(rpc_message_length(hdr, sizeof hdr), -1);
	build(&b, (const struct fr[]){ FR(RPC_RUN, "0123456789"), { 0, NULL, 0 } });
	frame_header(hdr, RPC_FILE, RPC_MAX_MESSAGE - 2 * FRAME_HDR - 10);
	assert_int_equal(buf_add(&b, hdr, sizeof hdr), 0);
	assert_int_equal(rpc_message_length(b.data, b.len), 0);
	frame_header(b.data + b.len - FRAME_HDR, RPC_FILE, RPC_MAX_MESSAGE - 2 * FRAME_HDR - 9);
	assert_int_equal(rpc_message_length(b.data, b.len), -1);
	buf_release(&b);
	/* The most frames a run has is taken; one more is refused. */
	build(&b, (const struct fr[]){ FR(RPC_RUN, HEAD), { 0, NULL, 0 } });
	for (i = 0; i < 2 * RPC_MAX_FILES + RUN_MAX_CASES + 3; i++)
		build_add(&b, RPC_FILE, "", 0);
	build_add(&b, RPC_END, "", 0);
	assert_int_equal(rpc_message_length(b.data, b.len), (long)b.len);
	b.len -= FRAME_HDR;
	build_add(&b, RPC_FILE, "", 0);
	assert_int_equal(rpc_message_length(b.data, b.len), 0);
	assert_int_equal(buf_add(&b, "Z", 1), 0); /* refused from its type byte on */
	assert_int_equal(rpc_message_length(b.data, b.len), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_round_trip),
		cmocka_unit_test(test_run_minimal),
		cmocka_unit_test(test_result_round_trip),
		cmocka_unit_test(test_cases_round_trip),
		cmocka_unit_test(test_cases_refused),
		cmocka_unit_test(test_suite_round_trip),
		cmocka_unit_test(test_result_errors),
		cmocka_unit_test(test_result_cut),
		cmocka_unit_test(test_result_share),
		cmocka_unit_test(test_encode_fails),
		cmocka_unit_test(test_info_round_trip),
		cmocka_unit_test(test_run_refused),
		cmocka_unit_test(test_run_counts),
		cmocka_unit_test(test_answers_refused),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_message_length),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
