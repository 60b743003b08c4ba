/* Shell-style splitting of Jobe's argument lists (core/shwords.c): what /bin/sh would give
 * a program for the same text, with nothing expanded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shwords.h"

/* s splits into exactly the n words of want. */
static void split_is(const char *s, const char *const *want, size_t n)
{
	struct shwords w;
	struct err e;

	err_init(&e);
	assert_int_equal(shwords_split(s, strlen(s), 64, &w, &e), 0);
	assert_int_equal(w.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(w.w[i], want[i]);
	assert_null(w.w[n]);
	shwords_release(&w);
}

static void test_plain(void **state)
{
	(void)state;
	split_is("-Wall  -Werror\t-std=c99\n-x c", (const char *[]){ "-Wall", "-Werror",
		 "-std=c99", "-x", "c" }, 5);
	split_is("", NULL, 0);
	split_is("   \t\n ", NULL, 0);
	split_is("one", (const char *[]){ "one" }, 1);
}

static void test_quotes(void **state)
{
	(void)state;
	split_is("'a b' \"c d\"", (const char *[]){ "a b", "c d" }, 2);
	split_is("-DMSG='hello world'", (const char *[]){ "-DMSG=hello world" }, 1);
	split_is("a'b'\"c\"d", (const char *[]){ "abcd" }, 1);
	split_is("'it'\\''s'", (const char *[]){ "it's" }, 1);
	split_is("'\\n' '$HOME'", (const char *[]){ "\\n", "$HOME" }, 2);
	split_is("\"a\\\"b\" \"\\$x\" \"\\q\"", (const char *[]){ "a\"b", "$x", "\\q" }, 3);
}

static void test_escapes(void **state)
{
	(void)state;
	split_is("a\\ b c\\\\d \\'", (const char *[]){ "a b", "c\\d", "'" }, 3);
	split_is("ab\\\ncd", (const char *[]){ "abcd" }, 1);
	split_is("\"a\\\nb\"", (const char *[]){ "ab" }, 1);
}

static void test_empty_words(void **state)
{
	(void)state;
	split_is("'' \"\" x ''", (const char *[]){ "", "", "x", "" }, 4);
}

static void test_not_expanded(void **state)
{
	(void)state;
	split_is("$HOME `id` * ~ ; | && >out $(rm -rf /)", (const char *[]){ "$HOME", "`id`", "*",
		 "~", ";", "|", "&&", ">out", "$(rm", "-rf", "/)" }, 11);
}

static void test_refusals(void **state)
{
	struct shwords w;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(shwords_split("'open", 5, 64, &w, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "never closed"));
	assert_int_equal(shwords_split("a \"b", 4, 64, &w, &e), RC_BAD_REQUEST);
	assert_int_equal(shwords_split("a\0b", 3, 64, &w, &e), RC_BAD_REQUEST);
	assert_int_equal(shwords_split("a b c", 5, 2, &w, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "more than 2"));
	assert_int_equal(shwords_split("a b", 3, 2, &w, &e), 0);
	shwords_release(&w);
	/* No text at all, not even storage (an empty list joined): no words. */
	assert_int_equal(shwords_split(NULL, 0, 2, &w, &e), 0);
	assert_int_equal(w.n, 0);
	assert_null(w.w[0]);
	shwords_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain), cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes), cmocka_unit_test(test_empty_words),
		cmocka_unit_test(test_not_expanded), cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
