/* The error table: every code has a distinct name-or-status row, a sentence, and a
 * status in the 4xx/5xx range; err_set keeps the detail and returns the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void test_codes_are_negative_and_distinct(void **state)
{
	(void)state;
	assert_int_equal(RC_BAD_JSON, -1);
	assert_true(RC_INTERNAL < RC_BAD_JSON);
	assert_int_equal(-RC_INTERNAL, RC_COUNT);
}

static void test_table_rows(void **state)
{
	int rc;

	(void)state;
	for (rc = -1; rc >= -RC_COUNT; rc--) {
		assert_non_null(rc_name(rc));
		assert_true(strlen(rc_name(rc)) > 0);
		assert_true(rc_http(rc) >= 400 && rc_http(rc) <= 599);
		/* Its status line has the status's own reason phrase. */
		assert_non_null(http_reason(rc_http(rc)));
		/* A sentence: starts with a capital letter and ends with a full stop. */
		assert_true(rc_message(rc)[0] >= 'A' && rc_message(rc)[0] <= 'Z');
		assert_int_equal(rc_message(rc)[strlen(rc_message(rc)) - 1], '.');
	}
}

static void test_known_mappings(void **state)
{
	(void)state;
	assert_string_equal(rc_name(RC_BAD_JSON), "bad_json");
	assert_int_equal(rc_http(RC_BAD_JSON), 400);
	assert_int_equal(rc_http(RC_TOO_LARGE), 413);
	assert_int_equal(rc_http(RC_UNKNOWN_LANG), 422);
	assert_int_equal(rc_http(RC_METHOD), 405);
	assert_int_equal(rc_http(RC_NOT_FOUND), 404);
	assert_int_equal(rc_http(RC_DOCKER_DOWN), 503);
	assert_non_null(strstr(rc_message(RC_DOCKER_DOWN), "Docker is not running"));
}

static void test_reason_phrases(void **state)
{
	static const struct { int status; const char *reason; } cases[] = {
		{ 200, "OK" }, { 204, "No Content" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 408, "Request Timeout" }, { 409, "Conflict" }, { 413, "Content Too Large" },
		{ 429, "Too Many Requests" }, { 503, "Service Unavailable" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(http_reason(cases[i].status), cases[i].reason);
	assert_null(http_reason(418));
}

static void test_unknown_code_is_internal(void **state)
{
	(void)state;
	assert_string_equal(rc_name(-9999), rc_name(RC_INTERNAL));
	assert_int_equal(rc_http(5), 500);
}

static void test_err_set(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(err_set(&e, RC_DOCKER, "create %s: %d", "python", 42), RC_DOCKER);
	assert_int_equal(e.rc, RC_DOCKER);
	assert_string_equal(e.msg, "create python: 42");
	assert_int_equal(err_set(NULL, RC_NOMEM, "x"), RC_NOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_are_negative_and_distinct),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_known_mappings),
		cmocka_unit_test(test_reason_phrases),
		cmocka_unit_test(test_unknown_code_is_internal),
		cmocka_unit_test(test_err_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
