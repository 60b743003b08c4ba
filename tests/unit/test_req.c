/* Validation of the editor API's request body: each refusal gets its code and a
 * sentence that names the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "req.h"

static const struct req_caps caps = { 100, 50 };

static int parse(const char *body, struct editor_req *r, struct err *e)
{
	err_init(e);
	return editor_req_parse(r, body, strlen(body), &caps, e);
}

static void expect(const char *body, int rc, const char *needle)
{
	struct editor_req r;
	struct err e;

	assert_int_equal(parse(body, &r, &e), rc);
	if (needle && strstr(e.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
	editor_req_release(&r);
}

static void test_ok(void **state)
{
	struct editor_req r;
	struct err e;

	(void)state;
	assert_int_equal(parse("{\"language\":\"python\",\"code\":\"print(1)\",\"stdin\":\"x\\u0000y\"}",
			       &r, &e), 0);
	assert_string_equal(r.lang->id, "python");
	assert_int_equal(r.code_len, 8);
	assert_int_equal(r.stdin_len, 3);
	editor_req_release(&r);
	assert_int_equal(parse("{\"language\":\"python\",\"code\":\"\"}", &r, &e), 0);
	assert_null(r.stdin_data);
	editor_req_release(&r);
}

static void test_malformed(void **state)
{
	(void)state;
	expect("", RC_BAD_JSON, "empty");
	expect("{\"language\":", RC_BAD_JSON, "not valid JSON");
	expect("{'a':1}", RC_BAD_JSON, "line 1");
	expect("[1,2]", RC_BAD_REQUEST, "JSON object");
	expect("\"just a string\"", RC_BAD_JSON, NULL);
	expect("{\"language\":\"python\",\"language\":\"c\",\"code\":\"\"}", RC_BAD_JSON, "duplicate");
}

static void test_fields(void **state)
{
	(void)state;
	expect("{\"code\":\"x\"}", RC_BAD_REQUEST, "'language' is missing");
	expect("{\"language\":\"python\"}", RC_BAD_REQUEST, "'code' is missing");
	expect("{\"language\":3,\"code\":\"x\"}", RC_BAD_REQUEST, "'language' must be a string");
	expect("{\"language\":\"python\",\"code\":[\"x\"]}", RC_BAD_REQUEST, "'code' must be a string");
	expect("{\"language\":\"python\",\"code\":\"x\",\"stdin\":5}", RC_BAD_REQUEST, "'stdin' must be a string");
	expect("{\"language\":\"python\",\"code\":\"x\",\"timeout\":0}", RC_BAD_REQUEST, "'timeout' is not recognised");
}

static void test_utf8(void **state)
{
	(void)state;
	expect("{\"language\":\"python\",\"code\":\"\xff\xfe\"}", RC_BAD_UTF8, "UTF-8");
}

static void test_sizes(void **state)
{
	char body[400];

	(void)state;
	/* exactly at the cap: accepted */
	(void)snprintf(body, sizeof body, "{\"language\":\"python\",\"code\":\"%0100d\"}", 0);
	expect(body, 0, NULL);
	(void)snprintf(body, sizeof body, "{\"language\":\"python\",\"code\":\"%0101d\"}", 0);
	expect(body, RC_TOO_LARGE, "the limit is 100 bytes");
	(void)snprintf(body, sizeof body, "{\"language\":\"python\",\"code\":\"\",\"stdin\":\"%051d\"}", 0);
	expect(body, RC_TOO_LARGE, "stdin");
}

static void test_unknown_language(void **state)
{
	(void)state;
	expect("{\"language\":\"cobol\",\"code\":\"x\"}", RC_UNKNOWN_LANG, "Supported languages: python");
	expect("{\"language\":\"Python\",\"code\":\"x\"}", RC_UNKNOWN_LANG, "'Python'");
	expect("{\"language\":\"python\\u0000x\",\"code\":\"x\"}", RC_UNKNOWN_LANG, NULL);
}

static void test_fmt_size(void **state)
{
	char s[32];

	(void)state;
	req_fmt_size(s, sizeof s, 100);
	assert_string_equal(s, "100 bytes");
	req_fmt_size(s, sizeof s, 102400);
	assert_string_equal(s, "100 KB");
	req_fmt_size(s, sizeof s, 1048576);
	assert_string_equal(s, "1.0 MB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_unknown_language),
		cmocka_unit_test(test_fmt_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
