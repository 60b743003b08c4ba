/* The Docker attach-stream demultiplexer, fed at every split point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "demux.h"

struct sink {
	char out[256], err[256];
	size_t nout, nerr;
	int calls;
	int stop_after; /* return 7 from this call on, 0 = never */
};

static int collect(void *arg, int stream, const unsigned char *p, size_t n)
{
	struct sink *s = arg;

	assert_true(n > 0);
	s->calls++;
	if (stream == 1) {
		memcpy(s->out + s->nout, p, n);
		s->nout += n;
	} else {
		memcpy(s->err + s->nerr, p, n);
		s->nerr += n;
	}
	return s->stop_after && s->calls >= s->stop_after ? 7 : 0;
}

static size_t record(unsigned char *p, int stream, const char *data)
{
	size_t n = strlen(data);

	p[0] = (unsigned char)stream;
	p[1] = p[2] = p[3] = 0;
	p[4] = (unsigned char)(n >> 24);
	p[5] = (unsigned char)(n >> 16);
	p[6] = (unsigned char)(n >> 8);
	p[7] = (unsigned char)n;
	memcpy(p + 8, data, n);
	return 8 + n;
}

static size_t sample(unsigned char *p)
{
	size_t n = 0;

	n += record(p + n, 1, "hello ");
	n += record(p + n, 2, "oops\n");
	n += record(p + n, 1, "");
	n += record(p + n, 1, "world\n");
	return n;
}

static void check(const struct sink *s)
{
	assert_int_equal(s->nout, 12);
	assert_memory_equal(s->out, "hello world\n", 12);
	assert_int_equal(s->nerr, 5);
	assert_memory_equal(s->err, "oops\n", 5);
}

static void test_whole(void **state)
{
	unsigned char buf[128];
	struct sink s = { 0 };
	struct demux d;
	size_t n = sample(buf);

	(void)state;
	demux_init(&d);
	assert_int_equal(demux_feed(&d, buf, n, collect, &s), 0);
	check(&s);
}

static void test_every_two_way_split(void **state)
{
	unsigned char buf[128];
	size_t n = sample(buf), cut;

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		struct sink s = { 0 };
		struct demux d;

		demux_init(&d);
		assert_int_equal(demux_feed(&d, buf, cut, collect, &s), 0);
		assert_int_equal(demux_feed(&d, buf + cut, n - cut, collect, &s), 0);
		check(&s);
	}
}

static void test_byte_by_byte(void **state)
{
	unsigned char buf[128];
	struct sink s = { 0 };
	struct demux d;
	size_t n = sample(buf), i;

	(void)state;
	demux_init(&d);
	for (i = 0; i < n; i++)
		assert_int_equal(demux_feed(&d, buf + i, 1, collect, &s), 0);
	check(&s);
}

static void test_bad_header(void **state)
{
	unsigned char buf[32];
	struct sink s = { 0 };
	struct demux d;
	size_t n = record(buf, 1, "x");

	(void)state;
	buf[0] = 9; /* no such stream */
	demux_init(&d);
	assert_int_equal(demux_feed(&d, buf, n, collect, &s), -1);
	n = record(buf, 1, "x");
	buf[2] = 1; /* padding must be zero */
	demux_init(&d);
	assert_int_equal(demux_feed(&d, buf, n, collect, &s), -1);
	assert_int_equal(s.calls, 0);
}

static void test_callback_stops(void **state)
{
	unsigned char buf[128];
	struct sink s = { .stop_after = 1 };
	struct demux d;
	size_t n = sample(buf);

	(void)state;
	demux_init(&d);
	assert_int_equal(demux_feed(&d, buf, n, collect, &s), 7);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.nerr, 0);
}

static void test_large_length(void **state)
{
	/* A 16 MB record announced, 3 bytes delivered: passed on as they come. */
	unsigned char hdr[11] = { 1, 0, 0, 0, 0x01, 0, 0, 0, 'a', 'b', 'c' };
	struct sink s = { 0 };
	struct demux d;

	(void)state;
	demux_init(&d);
	assert_int_equal(demux_feed(&d, hdr, sizeof hdr, collect, &s), 0);
	assert_int_equal(s.nout, 3);
	assert_int_equal(d.left, (1u << 24) - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_every_two_way_split),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_large_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
