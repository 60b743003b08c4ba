/* Unit tests for core/frame.c: the reader must give the same frames whatever way the
 * stream is cut, and the key=value parser must never match the wrong key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

/* ---- helpers: a growable byte stream and a recorder of delivered frames ---- */

struct bytes {
	unsigned char *p;
	size_t len;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void bytes_frame(struct bytes *b, int type, const void *payload, size_t n)
{
	unsigned char hdr[FRAME_HDR];

	frame_header(hdr, type, (uint32_t)n);
	bytes_add(b, hdr, sizeof hdr);
	bytes_add(b, payload, n);
}

struct got {
	int type;
	unsigned char *p;
	size_t len;
};

struct recorder {
	struct got *frames;
	size_t n;
	size_t stop_at; /* return stop_rc when frame number stop_at (1-based) arrives; 0 = never */
	int stop_rc;
};

static int record(void *arg, int type, const unsigned char *payload, size_t len)
{
	struct recorder *rec = arg;
	struct got *g;

	assert_non_null(payload);
	rec->frames = realloc(rec->frames, (rec->n + 1) * sizeof *rec->frames);
	assert_non_null(rec->frames);
	g = &rec->frames[rec->n++];
	g->type = type;
	g->len = len;
	g->p = malloc(len + 1);
	assert_non_null(g->p);
	if (len > 0)
		memcpy(g->p, payload, len);
	if (rec->stop_at != 0 && rec->n == rec->stop_at)
		return rec->stop_rc;
	return 0;
}

static void recorder_release(struct recorder *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->frames[i].p);
	free(rec->frames);
	rec->frames = NULL;
	rec->n = 0;
}

/* The frames of the sample stream, in order. */
struct want {
	int type;
	const char *p;
	size_t len;
};

static const char argv_run[] = "python3\0-u\0main.py\0";
static const char file_main[] = "main.py\0print('hi')\n";
static const char bin_stdin[] = { 0, 1, 2, (char)0xff, 0, 'x' };

static const struct want sample[] = {
	{ FRAME_JOB, "wall_ms=2000\nout_cap=100\n", 25 },
	{ FRAME_FILE, file_main, sizeof file_main - 1 },
	{ FRAME_RUN, argv_run, sizeof argv_run - 1 },
	{ FRAME_STDIN, "", 0 },
	{ FRAME_STDIN, bin_stdin, sizeof bin_stdin },
	{ FRAME_END, "", 0 },
};
#define NSAMPLE (sizeof sample / sizeof sample[0])

static struct bytes sample_stream(void)
{
	struct bytes b = { NULL, 0 };

	for (size_t i = 0; i < NSAMPLE; i++)
		bytes_frame(&b, sample[i].type, sample[i].p, sample[i].len);
	return b;
}

static void check_sample(const struct recorder *rec)
{
	assert_int_equal(rec->n, NSAMPLE);
	for (size_t i = 0; i < NSAMPLE; i++) {
		assert_int_equal(rec->frames[i].type, sample[i].type);
		assert_int_equal(rec->frames[i].len, sample[i].len);
		assert_memory_equal(rec->frames[i].p, sample[i].p, sample[i].len);
	}
}

/* ---- frame_header ---- */

static void test_header_big_endian(void **state)
{
	unsigned char hdr[FRAME_HDR];

	(void)state;
	frame_header(hdr, FRAME_STDOUT, 0x01020304u);
	assert_int_equal(hdr[0], 'o');
	assert_int_equal(hdr[1], 1);
	assert_int_equal(hdr[2], 2);
	assert_int_equal(hdr[3], 3);
	assert_int_equal(hdr[4], 4);
	frame_header(hdr, FRAME_DONE, 0);
	assert_int_equal(hdr[0], 'D');
	assert_int_equal(hdr[1] | hdr[2] | hdr[3] | hdr[4], 0);
}

/* ---- reader: split points ---- */

static void test_whole_stream(void **state)
{
	struct bytes b = sample_stream();
	struct frame_reader r;
	struct recorder rec = { 0 };

	(void)state;
	frame_reader_init(&r, 0);
	assert_int_equal(frame_reader_feed(&r, b.p, b.len, record, &rec), 0);
	check_sample(&rec);
	assert_int_equal(r.hdr_have, 0);
	frame_reader_release(&r);
	recorder_release(&rec);
	free(b.p);
}

static void test_byte_by_byte(void **state)
{
	struct bytes b = sample_stream();
	struct frame_reader r;
	struct recorder rec = { 0 };

	(void)state;
	frame_reader_init(&r, 0);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(frame_reader_feed(&r, b.p + i, 1, record, &rec), 0);
	check_sample(&rec);
	frame_reader_release(&r);
	recorder_release(&rec);
	free(b.p);
}

static void test_every_two_way_split(void **state)
{
	struct bytes b = sample_stream();

	(void)state;
	for (size_t cut = 0; cut <= b.len; cut++) {
		struct frame_reader r;
		struct recorder rec = { 0 };

		frame_reader_init(&r, 0);
		assert_int_equal(frame_reader_feed(&r, b.p, cut, record, &rec), 0);
		assert_int_equal(frame_reader_feed(&r, b.p + cut, b.len - cut, record, &rec), 0);
		check_sample(&rec);
		frame_reader_release(&r);
		recorder_release(&rec);
	}
	free(b.p);
}

static void test_every_three_way_split(void **state)
{
	struct bytes b = sample_stream();

	(void)state;
	for (size_t c1 = 0; c1 <= b.len; c1++) {
		for (size_t c2 = c1; c2 <= b.len; c2++) {
			struct frame_reader r;
			struct recorder rec = { 0 };

			frame_reader_init(&r, 0);
			assert_int_equal(frame_reader_feed(&r, b.p, c1, record, &rec), 0);
			assert_int_equal(frame_reader_feed(&r, b.p + c1, c2 - c1, record, &rec), 0);
			assert_int_equal(frame_reader_feed(&r, b.p + c2, b.len - c2, record, &rec), 0);
			check_sample(&rec);
			frame_reader_release(&r);
			recorder_release(&rec);
		}
	}
	free(b.p);
}

/* A frame much larger than any chunk: must be assembled across many feeds. */
static void test_large_frame_in_chunks(void **state)
{
	const size_t big = 300000;
	const size_t chunks[] = { 1, 7, 4096, 65536, 300005 };
	unsigned char *payload = malloc(big);
	struct bytes b = { NULL, 0 };

	(void)state;
	assert_non_null(payload);
	for (size_t i = 0; i < big; i++)
		payload[i] = (unsigned char)(i * 131 + 7);
	bytes_frame(&b, FRAME_FILE, payload, big);
	bytes_frame(&b, FRAME_END, NULL, 0);
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct frame_reader r;
		struct recorder rec = { 0 };

		frame_reader_init(&r, 0);
		for (size_t off = 0; off < b.len; off += chunks[c]) {
			size_t n = b.len - off < chunks[c] ? b.len - off : chunks[c];

			assert_int_equal(frame_reader_feed(&r, b.p + off, n, record, &rec), 0);
		}
		assert_int_equal(rec.n, 2);
		assert_int_equal(rec.frames[0].type, FRAME_FILE);
		assert_int_equal(rec.frames[0].len, big);
		assert_memory_equal(rec.frames[0].p, payload, big);
		assert_int_equal(rec.frames[1].type, FRAME_END);
		assert_int_equal(rec.frames[1].len, 0);
		frame_reader_release(&r);
		recorder_release(&rec);
	}
	free(payload);
	free(b.p);
}

/* ---- reader: limits and errors ---- */

static void test_oversized_rejected(void **state)
{
	unsigned char hdr[FRAME_HDR];
	struct frame_reader r;
	struct recorder rec = { 0 };

	(void)state;
	/* Default limit. */
	frame_reader_init(&r, 0);
	frame_header(hdr, FRAME_STDIN, FRAME_MAX_PAYLOAD + 1);
	assert_int_equal(frame_reader_feed(&r, hdr, sizeof hdr, record, &rec), -1);
	assert_int_equal(rec.n, 0);
	frame_reader_release(&r);

	/* Largest possible length, header split in two. */
	frame_reader_init(&r, 0);
	frame_header(hdr, FRAME_STDIN, UINT32_MAX);
	assert_int_equal(frame_reader_feed(&r, hdr, 2, record, &rec), 0);
	assert_int_equal(frame_reader_feed(&r, hdr + 2, 3, record, &rec), -1);
	assert_int_equal(rec.n, 0);
	frame_reader_release(&r);

	/* The stream stays unusable: more bytes never get parsed as frames. */
	frame_reader_init(&r, 0);
	frame_header(hdr, FRAME_STDIN, FRAME_MAX_PAYLOAD + 1);
	assert_int_equal(frame_reader_feed(&r, hdr, sizeof hdr, record, &rec), -1);
	frame_header(hdr, FRAME_END, 0);
	assert_int_equal(frame_reader_feed(&r, hdr, sizeof hdr, record, &rec), -1);
	assert_int_equal(rec.n, 0);
	frame_reader_release(&r);

	/* Caller's own limit: exactly max passes, max + 1 fails. */
	frame_reader_init(&r, 10);
	frame_header(hdr, FRAME_JOB, 10);
	assert_int_equal(frame_reader_feed(&r, hdr, sizeof hdr, record, &rec), 0);
	assert_int_equal(frame_reader_feed(&r, (const unsigned char *)"0123456789", 10,
					   record, &rec), 0);
	assert_int_equal(rec.n, 1);
	frame_header(hdr, FRAME_JOB, 11);
	assert_int_equal(frame_reader_feed(&r, hdr, sizeof hdr, record, &rec), -1);
	assert_int_equal(rec.n, 1);
	frame_reader_release(&r);
	recorder_release(&rec);
}

/* A non-zero callback return stops processing and is returned as is; the rest of the
 * chunk is not delivered. Checked with the whole stream in one chunk (zero-copy path)
 * and byte by byte (buffered path), stopping at every frame in turn. */
static void test_callback_stops(void **state)
{
	struct bytes b = sample_stream();

	(void)state;
	for (size_t stop = 1; stop <= NSAMPLE; stop++) {
		struct frame_reader r;
		struct recorder rec = { .stop_at = stop, .stop_rc = 42 };
		int rc = 0;

		frame_reader_init(&r, 0);
		assert_int_equal(frame_reader_feed(&r, b.p, b.len, record, &rec), 42);
		assert_int_equal(rec.n, stop);
		frame_reader_release(&r);
		recorder_release(&rec);

		rec.stop_at = stop;
		frame_reader_init(&r, 0);
		for (size_t i = 0; i < b.len && rc == 0; i++)
			rc = frame_reader_feed(&r, b.p + i, 1, record, &rec);
		assert_int_equal(rc, 42);
		assert_int_equal(rec.n, stop);
		frame_reader_release(&r);
		recorder_release(&rec);
	}
	free(b.p);
}

/* Released in the middle of a buffered payload: nothing leaks (checked by ASan). */
static void test_release_mid_frame(void **state)
{
	struct bytes b = { NULL, 0 };
	struct frame_reader r;
	struct recorder rec = { 0 };
	unsigned char payload[100];

	(void)state;
	memset(payload, 'a', sizeof payload);
	bytes_frame(&b, FRAME_STDIN, payload, sizeof payload);
	frame_reader_init(&r, 0);
	assert_int_equal(frame_reader_feed(&r, b.p, 50, record, &rec), 0);
	assert_int_equal(rec.n, 0);
	assert_non_null(r.buf);
	frame_reader_release(&r);
	assert_null(r.buf);
	recorder_release(&rec);
	free(b.p);
}

/* ---- key=value parsing ---- */

#define KV(s) (const unsigned char *)(s), (sizeof(s) - 1)

static void test_kv_present_absent(void **state)
{
	uint64_t v = 99;

	(void)state;
	assert_int_equal(frame_kv_u64(KV("wall_ms=2000\ncpu_ms=1500\n"), "wall_ms", UINT64_MAX, &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(frame_kv_u64(KV("wall_ms=2000\ncpu_ms=1500\n"), "cpu_ms", UINT64_MAX, &v), 0);
	assert_int_equal(v, 1500);
	v = 99;
	assert_int_equal(frame_kv_u64(KV("wall_ms=2000\ncpu_ms=1500\n"), "mem_bytes", UINT64_MAX, &v), -1);
	assert_int_equal(v, 99);
	assert_int_equal(frame_kv_u64(KV(""), "wall_ms", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_u64(NULL, 0, "wall_ms", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_u64(KV("a=0\n"), "a", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	/* First occurrence wins. */
	assert_int_equal(frame_kv_u64(KV("a=1\na=2\n"), "a", UINT64_MAX, &v), 0);
	assert_int_equal(v, 1);
	/* Keys that could never be matched are refused rather than half-matched. */
	assert_int_equal(frame_kv_u64(KV("a=1\n"), "", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_u64(KV("a=b=1\n"), "a=b", UINT64_MAX, &v), -1);
	assert_int_equal(v, 1);
}

static void test_kv_malformed(void **state)
{
	static const char *const bad[] = {
		"n=\n", "n= 5\n", "n=5 \n", "n=+5\n", "n=-5\n", "n=0x10\n", "n=12a\n",
		"n=1.5\n", "n=5\r\n", "n\n", "n 5\n", "n==5\n",
	};
	uint64_t v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(frame_kv_u64((const unsigned char *)bad[i], strlen(bad[i]),
					      "n", UINT64_MAX, &v), -1);
		assert_int_equal(v, 77);
	}
	/* A NUL in the middle of the value is not a digit. */
	assert_int_equal(frame_kv_u64(KV("n=1\0002\n"), "n", UINT64_MAX, &v), -1);
	assert_int_equal(v, 77);
}

static void test_kv_overflow(void **state)
{
	uint64_t v = 5;

	(void)state;
	assert_int_equal(frame_kv_u64(KV("n=100\n"), "n", 100, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(frame_kv_u64(KV("n=101\n"), "n", 100, &v), -1);
	assert_int_equal(v, 100);
	assert_int_equal(frame_kv_u64(KV("n=7\n"), "n", 5, &v), -1);
	assert_int_equal(frame_kv_u64(KV("n=5\n"), "n", 5, &v), 0);
	assert_int_equal(frame_kv_u64(KV("n=1\n"), "n", 0, &v), -1);
	assert_int_equal(frame_kv_u64(KV("n=0\n"), "n", 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(frame_kv_u64(KV("n=18446744073709551615\n"), "n", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 3;
	assert_int_equal(frame_kv_u64(KV("n=18446744073709551616\n"), "n", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_u64(KV("n=99999999999999999999999\n"), "n", UINT64_MAX, &v), -1);
	assert_int_equal(v, 3);
	/* Leading zeros are only zeros. */
	assert_int_equal(frame_kv_u64(KV("n=000000000000000000000042\n"), "n", 100, &v), 0);
	assert_int_equal(v, 42);
}

static void test_kv_value_at_end(void **state)
{
	uint64_t v = 0;
	char s[16];

	(void)state;
	assert_int_equal(frame_kv_u64(KV("a=1\nn=123"), "n", UINT64_MAX, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(frame_kv_u64(KV("n=9"), "n", UINT64_MAX, &v), 0);
	assert_int_equal(v, 9);
	/* Length stops the scan even if the buffer goes on. */
	assert_int_equal(frame_kv_u64((const unsigned char *)"n=12345", 4, "n", UINT64_MAX, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(frame_kv_u64((const unsigned char *)"n=12345", 2, "n", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_str(KV("a=1\nstage=run"), "stage", s, sizeof s), 0);
	assert_string_equal(s, "run");
}

static void test_kv_prefix_keys(void **state)
{
	uint64_t v = 0;
	char s[16];

	(void)state;
	/* "out" must not match "out_cap" nor "xout"; only its own line. */
	assert_int_equal(frame_kv_u64(KV("out_cap=100\nxout=5\n"), "out", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_u64(KV("out_cap=100\nxout=5\nout=7\n"), "out", UINT64_MAX, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(frame_kv_u64(KV("out=7\nout_cap=100\n"), "out_cap", UINT64_MAX, &v), 0);
	assert_int_equal(v, 100);
	/* A key inside another line's value is not a key. */
	assert_int_equal(frame_kv_u64(KV("name=wall_ms=3\n"), "wall_ms", UINT64_MAX, &v), -1);
	assert_int_equal(frame_kv_str(KV("stage_x=run\n"), "stage", s, sizeof s), -1);
	/* Empty lines are harmless. */
	assert_int_equal(frame_kv_u64(KV("\n\nout=8\n\n"), "out", UINT64_MAX, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(frame_kv_u64(KV("\nout=9"), "out", UINT64_MAX, &v), 0);
	assert_int_equal(v, 9);
}

static void test_kv_str(void **state)
{
	char s[8];

	(void)state;
	memset(s, 'z', sizeof s);
	assert_int_equal(frame_kv_str(KV("reason=exit\nstage=compile\n"), "reason", s, sizeof s), 0);
	assert_string_equal(s, "exit");
	/* "compile" is 7 bytes + NUL = 8: fits exactly. */
	assert_int_equal(frame_kv_str(KV("reason=exit\nstage=compile\n"), "stage", s, sizeof s), 0);
	assert_string_equal(s, "compile");
	/* One more byte does not fit; out stays usable. */
	assert_int_equal(frame_kv_str(KV("stage=compiles\n"), "stage", s, sizeof s), -1);
	assert_int_equal(frame_kv_str(KV("stage=run\n"), "missing", s, sizeof s), -1);
	assert_int_equal(frame_kv_str(KV("stage=run\n"), "stage", s, 0), -1);
	assert_int_equal(frame_kv_str(KV("stage=\n"), "stage", s, sizeof s), 0);
	assert_string_equal(s, "");
	assert_int_equal(frame_kv_str(KV("stage=\n"), "stage", s, 1), 0);
	assert_int_equal(frame_kv_str(KV("stage=a\0b\n"), "stage", s, sizeof s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_big_endian),
		cmocka_unit_test(test_whole_stream),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_every_two_way_split),
		cmocka_unit_test(test_every_three_way_split),
		cmocka_unit_test(test_large_frame_in_chunks),
		cmocka_unit_test(test_oversized_rejected),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_release_mid_frame),
		cmocka_unit_test(test_kv_present_absent),
		cmocka_unit_test(test_kv_malformed),
		cmocka_unit_test(test_kv_overflow),
		cmocka_unit_test(test_kv_value_at_end),
		cmocka_unit_test(test_kv_prefix_keys),
		cmocka_unit_test(test_kv_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
