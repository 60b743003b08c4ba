/* Capped byte buffers and UTF-8 checking/repair of program output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void test_add_under_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_add(&b, "abc", 3), 0);
	assert_int_equal(buf_add(&b, "\0de", 3), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abc\0de", 6);
	assert_false(b.truncated);
	buf_release(&b);
	assert_null(b.data);
}

static void test_add_cuts_at_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 5);
	assert_int_equal(buf_add(&b, "abcd", 4), 0);
	assert_int_equal(buf_add(&b, "efgh", 4), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "abcde", 5);
	assert_true(b.truncated);
	assert_int_equal(buf_add(&b, "x", 1), 0);
	assert_int_equal(b.len, 5);
	buf_release(&b);
}

static void test_growth_many_small(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 100000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_add(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 100000);
	assert_false(b.truncated);
	assert_int_equal(buf_add(&b, "x", 1), 0);
	assert_true(b.truncated);
	buf_release(&b);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid((const unsigned char *)"hello", 5));
	assert_true(utf8_valid((const unsigned char *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	assert_false(utf8_valid((const unsigned char *)"\xff", 1));
	assert_false(utf8_valid((const unsigned char *)"\xc0\xaf", 2));         /* overlong '/' */
	assert_false(utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));     /* surrogate */
	assert_false(utf8_valid((const unsigned char *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(utf8_valid((const unsigned char *)"\xe2\x82", 2));         /* cut short */
	assert_true(utf8_valid((const unsigned char *)"a\0b", 3));              /* NUL is valid */
}

static void test_utf8_sanitize(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 100);
	assert_int_equal(utf8_sanitize(&out, (const unsigned char *)"a\xff" "b\xe2\x82", 5), 0);
	/* each bad byte becomes U+FFFD; good bytes kept in order */
	assert_int_equal(out.len, 1 + 3 + 1 + 3 + 3);
	assert_memory_equal(out.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd", out.len);
	assert_true(utf8_valid(out.data, out.len));
	buf_release(&out);
}

/* Valid text is used as it is (no copy); invalid bytes are replaced in a copy. */
static void test_utf8_text(void **state)
{
	static const unsigned char ok[] = "caf\xc3\xa9", bad[] = "a\xff" "b";
	struct buf tmp;
	size_t n = 99;
	bool replaced = true;
	const char *t;

	(void)state;
	t = utf8_text(ok, 5, &tmp, &n, &replaced);
	assert_ptr_equal(t, (const char *)ok);
	assert_int_equal(n, 5);
	assert_false(replaced);
	buf_release(&tmp);
	t = utf8_text(bad, 3, &tmp, &n, &replaced);
	assert_true(replaced);
	assert_int_equal(n, 5);
	assert_memory_equal(t, "a\xef\xbf\xbd" "b", 5);
	buf_release(&tmp);
	t = utf8_text(NULL, 0, &tmp, &n, &replaced);
	assert_string_equal(t, "");
	assert_int_equal(n, 0);
	buf_release(&tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_under_cap),
		cmocka_unit_test(test_add_cuts_at_cap),
		cmocka_unit_test(test_growth_many_small),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_utf8_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
