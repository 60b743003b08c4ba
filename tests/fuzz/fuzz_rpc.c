/* libFuzzer harness: the messages between a FastCGI worker and the runner (core/rpc.c,
 * core/rpc_reply.c). The input goes to the stream cutter and to each decoder. Besides the
 * sanitizers it checks properties: a message a decoder takes is exactly the one the cutter
 * finds, and what was taken, encoded again, is taken again and encodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rpc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char registry[] =
	"[c]\nname = C\nimage = runbox/gcc:latest\nfile = main.c\nsources = .c\n"
	"compile = gcc -o main {sources}\nrun = ./main {args}\n"
	"[python]\nname = Python\nimage = runbox/python:latest\nfile = main.py\n"
	"run = python3 {entry} {args}\n";

/* Small caps, so that outputs in the input are cut. */
static const struct limits caps = { 1000, 1000, 1 << 20, 0, 16, 1 << 20, 1 << 20, 64, 16, 1000 };

/* The registry is loaded once, before the first input: lang_find needs it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc, (void)argv;
	err_init(&e);
	return lang_parse(registry, "fuzz registry", &e);
}

static void same(const struct buf *a, const struct buf *b)
{
	if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
		__builtin_trap();
}

static void run_again(const unsigned char *p, size_t n)
{
	struct rpc_run r1, r2;
	struct buf b1, b2;
	struct err e;

	if (rpc_decode_run(p, n, &r1, &e) == 0) {
		if (rpc_message_length(p, n) != (long)n)
			__builtin_trap();
		buf_init(&b1, RPC_MAX_MESSAGE);
		buf_init(&b2, RPC_MAX_MESSAGE);
		if (rpc_encode_run(&r1.rr, &b1) != 0 || rpc_decode_run(b1.data, b1.len, &r2, &e) != 0 ||
		    rpc_encode_run(&r2.rr, &b2) != 0)
			__builtin_trap();
		same(&b1, &b2);
		rpc_run_release(&r2);
		buf_release(&b1);
		buf_release(&b2);
	}
	rpc_run_release(&r1);
}

/* Decode p[0..n) as a result into res (initialised); 0 when taken, and then b (initialised)
 * holds it encoded again. */
static int result_encoded(const unsigned char *p, size_t n, struct run_result *res,
			  struct buf *b)
{
	struct err e;
	long reused = 0;
	int rc = 0;

	err_init(&e);
	if (rpc_decode_result(p, n, res, &rc, &reused, &e) != 0)
		return -1;
	if (rpc_encode_result(rc, &e, rc == 0 ? res : NULL, reused, b) != 0)
		__builtin_trap();
	return 0;
}

static void result_again(const unsigned char *p, size_t n)
{
	struct run_result r1, r2;
	struct buf b1, b2;

	run_result_init(&r1, &caps);
	run_result_init(&r2, &caps);
	/* Room for three cases, so answers with cases are decoded too. */
	if (run_result_cases(&r1, &caps, 3) != 0 || run_result_cases(&r2, &caps, 3) != 0)
		__builtin_trap();
	buf_init(&b1, RPC_MAX_MESSAGE);
	buf_init(&b2, RPC_MAX_MESSAGE);
	if (result_encoded(p, n, &r1, &b1) == 0) {
		if (rpc_message_length(p, n) != (long)n || result_encoded(b1.data, b1.len, &r2, &b2) != 0)
			__builtin_trap();
		same(&b1, &b2);
	}
	run_result_release(&r1);
	run_result_release(&r2);
	buf_release(&b1);
	buf_release(&b2);
}

static void info_again(const unsigned char *p, size_t n)
{
	struct rpc_info i1, i2;
	struct buf b1, b2;
	struct err e;

	if (rpc_decode_info(p, n, &i1, &e) != 0)
		return;
	if (rpc_message_length(p, n) != (long)n)
		__builtin_trap();
	buf_init(&b1, RPC_MAX_MESSAGE);
	buf_init(&b2, RPC_MAX_MESSAGE);
	if (rpc_encode_info(&i1, &b1) != 0 || rpc_decode_info(b1.data, b1.len, &i2, &e) != 0 ||
	    rpc_encode_info(&i2, &b2) != 0)
		__builtin_trap();
	same(&b1, &b2);
	buf_release(&b1);
	buf_release(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long len = rpc_message_length(data, size);

	if (len < -1 || len > (long)size)
		__builtin_trap();
	(void)rpc_message_type(data, size);
	run_again(data, size);
	result_again(data, size);
	info_again(data, size);
	return 0;
}
