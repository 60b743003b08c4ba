/* Unit tests for core/compare.c: every comparison mode, as a table of cases. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"

struct cmp_case {
	const char *mode;
	double tol;
	const char *got, *want;
	bool match;
};

static const struct cmp_case cases[] = {
	/* exact: byte for byte */
	{ "exact", 0, "42\n", "42\n", true },
	{ "exact", 0, "42", "42\n", false },
	{ "exact", 0, "42\r\n", "42\n", false },
	{ "exact", 0, "", "", true },
	{ "exact", 0, "h\xc3\xa9llo\n", "h\xc3\xa9llo\n", true },
	{ "exact", 0, "h\xc3\xa9llo\n", "hello\n", false },
	/* trailing: line endings, spaces at line ends, blank lines at the end */
	{ "trailing", 0, "1 2  \n3\t\n", "1 2\n3\n", true },
	{ "trailing", 0, "1 2\r\n3\r\n", "1 2\n3\n", true },
	{ "trailing", 0, "1 2\n3\n\n\n", "1 2\n3", true },
	{ "trailing", 0, "1  2\n", "1 2\n", false },     /* inner spaces count */
	{ "trailing", 0, " 1\n", "1\n", false },         /* leading spaces count */
	{ "trailing", 0, "1\n\n2\n", "1\n2\n", false },   /* inner blank lines count */
	{ "trailing", 0, "1\n2\n", "1\n2\n3\n", false },  /* a missing line */
	{ "trailing", 0, "", "\n\n", true },
	{ "trailing", 0, "\xe2\x82\xac \n", "\xe2\x82\xac\n", true }, /* UTF-8 kept as it is */
	{ "trailing", 0, "a\xc2\xa0\n", "a\n", false },  /* U+00A0 is not ASCII whitespace */
	/* tokens: words in order, any whitespace */
	{ "tokens", 0, "1 2\n3", "1\n2   3\n", true },
	{ "tokens", 0, "\t1\r\n2\n", "1 2", true },
	{ "tokens", 0, "1 2", "2 1", false },
	{ "tokens", 0, "1 2 3", "1 2", false },
	{ "tokens", 0, "", "   \n", true },
	{ "tokens", 0, "1.0", "1", false },              /* words, not numbers */
	{ "tokens", 0, "gr\xc3\xbc\xc3\x9f dich", "gr\xc3\xbc\xc3\x9f\ndich", true },
	/* numbers: within the tolerance, absolute or relative */
	{ "numbers", 1e-6, "3.1415927", "3.14159265", true },
	{ "numbers", 1e-6, "3.1416", "3.14159265", false },
	{ "numbers", 1e-3, "1000.5", "1000", true },     /* relative: 1e-3 of 1000 */
	{ "numbers", 1e-3, "0.0015", "0.001", true },    /* absolute below 1 */
	{ "numbers", 1e-3, "0.003", "0.001", false },
	{ "numbers", 0, "1.0", "1", true },              /* same number, other spelling */
	{ "numbers", 0, "1e2", "100", true },
	{ "numbers", 1e-6, "x = 2.0000001", "x = 2", true },
	{ "numbers", 1e-6, "y = 2.0", "x = 2", false },  /* the words still count */
	{ "numbers", 1e-6, "nan", "nan", true },         /* not numbers: compared as words */
	{ "numbers", 1e-6, "inf", "1e308", false },
	{ "numbers", 1e-6, "0x10", "16", false },        /* no hexadecimal */
	{ "numbers", -1, "1.5", "1.4", false },          /* a negative tolerance is 0 */
	{ "numbers", NAN, "1.5", "1.4", false },
	{ "numbers", 0.5, "1 2 3", "1 2", false },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct cmp_case *c = &cases[i];
		enum cmp_mode m;
		bool got;

		assert_int_equal(cmp_mode_parse(c->mode, &m), 0);
		got = cmp_match(m, c->tol, (const unsigned char *)c->got, strlen(c->got),
				(const unsigned char *)c->want, strlen(c->want));
		if (got != c->match)
			fail_msg("case %zu (%s, got \"%s\", want \"%s\"): %s, expected %s", i, c->mode,
				 c->got, c->want, got ? "match" : "no match", c->match ? "match" : "no match");
	}
}

/* Bytes after a NUL are compared too: output is bytes, not a C string. */
static void test_nul_bytes(void **state)
{
	static const unsigned char a[] = { '1', 0, '2' }, b[] = { '1', 0, '3' };

	(void)state;
	assert_true(cmp_match(CMP_EXACT, 0, a, 3, a, 3));
	assert_false(cmp_match(CMP_EXACT, 0, a, 3, b, 3));
	assert_false(cmp_match(CMP_TOKENS, 0, a, 3, b, 3));
}

static void test_mode_names(void **state)
{
	enum cmp_mode m;

	(void)state;
	assert_int_equal(cmp_mode_parse("bogus", &m), -1);
	assert_int_equal(cmp_mode_parse("", &m), -1);
	for (int i = CMP_EXACT; i <= CMP_NUMBERS; i++) {
		assert_int_equal(cmp_mode_parse(cmp_mode_name((enum cmp_mode)i), &m), 0);
		assert_int_equal(m, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_mode_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
