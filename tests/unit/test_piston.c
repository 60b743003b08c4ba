/* The Piston API's execute parser, version ranges and stage answers (fcgi/piston_req.c).
 * Runs from the repo root (the real registry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "piston_req.h"
#include "semver.h"

static struct piston_runtime rts[LANG_MAX];
static size_t nrts;

static int setup(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	if (lang_load("images/languages.conf", &e) != 0)
		return -1;
	for (nrts = 0; nrts < lang_count(); nrts++) {
		piston_names(lang_at(nrts), &rts[nrts]);
		(void)snprintf(rts[nrts].version, sizeof rts[nrts].version, "%s",
			       strcmp(lang_at(nrts)->id, "python") == 0 ? "3.11.2" : "1.63.0");
		for (int k = 0; k < PL_COUNT; k++)
			rts[nrts].max[k] = k < PL_COMPILE_TIMEOUT ? 128L << 20 : 10000;
	}
	return 0;
}

static void test_versions(void **state)
{
	static const char *const yes[] = { "*", "x", "3", "3.x", "3.11", "3.11.x", "3.11.2", "v3.11.2",
					   "=3.11.2", "^3", "^3.10", "^3.11.1", "~3.11", "~3.11.0",
					   ">=3.9", ">3.11.1", "<4", "<=3.11", ">=3.9 <4", ">= 3.9 < 4",
					   "2 || 3", "1.x || >=3.11.2", "~>3.11", "3.X.*" };
	static const char *const no[] = { "", "2", "4.x", "<3", ">3.11.2", ">3.11", "3.10",
					  "^3.12", "~3.10", "latest", "3.9.0", ">=3.9 <3.11",
					  "3.11.2-rc1", "a.b", "3..1", "<*", "||" };

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!semver_match(yes[i], "3.11.2"))
			fail_msg("'%s' should match 3.11.2", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (semver_match(no[i], "3.11.2"))
			fail_msg("'%s' should not match 3.11.2", no[i]);
	assert_true(semver_match("^0.2.3", "0.2.9"));
	assert_false(semver_match("^0.2.3", "0.3.0"));
	assert_false(semver_match("^0.0.3", "0.0.4"));
	assert_true(semver_match("^1", "1.63.0"));
}

static int parse(struct piston_req *r, const char *text, char *msg, size_t cap)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = piston_req_parse(r, text, strlen(text), rts, nrts, 1000, &e);
	(void)snprintf(msg, cap, "%.200s", rc ? e.msg : "");
	return rc;
}

static void refused(const char *text, int want_rc, const char *want)
{
	struct piston_req r;
	char msg[256];

	assert_int_equal(parse(&r, text, msg, sizeof msg), want_rc);
	if (strcmp(msg, want) != 0 && (want[0] != '~' || strstr(msg, want + 1) == NULL))
		fail_msg("for %s: got '%s', want '%s'", text, msg, want);
	piston_req_release(&r);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("", RC_BAD_REQUEST, "language is required as a string");
	refused("{", RC_BAD_JSON, "~not valid JSON");
	refused("[]", RC_BAD_REQUEST, "language is required as a string");
	refused("{\"language\": 1}", RC_BAD_REQUEST, "language is required as a string");
	refused("{\"language\": \"py\"}", RC_BAD_REQUEST, "version is required as a string");
	refused("{\"language\": \"py\", \"version\": \"*\"}", RC_BAD_REQUEST, "files is required as an array");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": {}}", RC_BAD_REQUEST,
		"files is required as an array");
	/* Contents are checked before the runtime, as Piston does */
	refused("{\"language\": \"cobol\", \"version\": \"*\", \"files\": [{\"content\": 1}]}",
		RC_BAD_REQUEST, "files[0].content is required as a string");
	refused("{\"language\": \"cobol\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}]}",
		RC_UNKNOWN_LANG, "cobol-* runtime is unknown");
	refused("{\"language\": \"python\", \"version\": \"2\", \"files\": [{\"content\": \"x\"}]}",
		RC_UNKNOWN_LANG, "python-2 runtime is unknown");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": []}", RC_BAD_REQUEST,
		"files must include at least one utf8 encoded file");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"QQ==\", "
		"\"encoding\": \"base64\"}]}", RC_BAD_REQUEST,
		"files must include at least one utf8 encoded file");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}, "
		"{\"content\": \"QQ=\", \"encoding\": \"base64\"}]}", RC_BAD_REQUEST,
		"~files[1].content is not valid base64");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}, "
		"{\"content\": \"0g\", \"encoding\": \"hex\"}]}", RC_BAD_REQUEST,
		"files[1].content is not valid hex");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\", "
		"\"name\": \"/etc/x\"}]}", RC_BAD_REQUEST, "~cannot start with '/'");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\", "
		"\"name\": \"a\"}, {\"content\": \"y\", \"name\": \"a\"}]}", RC_BAD_REQUEST, "~used twice");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"run_timeout\": 10001}", RC_BAD_REQUEST,
		"run_timeout cannot exceed the configured limit of 10000");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"compile_memory_limit\": \"big\"}", RC_BAD_REQUEST,
		"If specified, compile_memory_limit must be a number");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"run_cpu_time\": -2}", RC_BAD_REQUEST, "run_cpu_time must be non-negative");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"args\": [1]}", RC_BAD_REQUEST, "~args[0] must be a string");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"stdin\": []}", RC_BAD_REQUEST, "stdin must be a string");
	refused("{\"language\": \"py\", \"version\": \"*\", \"files\": [{\"content\": \"x\"}], "
		"\"stdin\": \"" "0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
		RC_TOO_LARGE, "~stdin is 1050 bytes");
}

static void test_fields(void **state)
{
	struct piston_req r;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&r, "{\"language\": \"python3\", \"version\": \"3.11\", \"files\": ["
			       "{\"content\": \"AAE=\", \"encoding\": \"base64\"},"
			       "{\"name\": \"test.py\", \"content\": \"import util\"},"
			       "{\"content\": \"6869\", \"encoding\": \"hex\"},"
			       "{\"name\": \"util.py\", \"content\": \"x = 1\", \"encoding\": \"latin1\"}],"
			       " \"stdin\": \"in\", \"args\": [\"a\", \"b c\"], \"run_timeout\": 3000,"
			       " \"compile_timeout\": -1, \"run_memory_limit\": -1, \"compile_cpu_time\": 0,"
			       " \"run_cpu_time\": 1.5, \"extra\": true}", msg, sizeof msg), 0);
	assert_string_equal(r.rt->language, "python");
	assert_int_equal(r.nfiles, 4);
	assert_int_equal(r.entry, 1);                  /* the first utf8 file */
	assert_string_equal(r.files[1].name, "test.py"); /* a .py name is kept */
	assert_string_equal(r.files[0].name, "file0.code");
	assert_int_equal(r.files[0].len, 2);
	assert_memory_equal(r.files[0].content, "\0\1", 2);
	assert_true(r.files[0].binary);
	assert_memory_equal(r.files[2].content, "hi", 2);
	assert_false(r.files[3].binary);               /* an unknown encoding is utf8 */
	assert_int_equal(r.stdin_len, 3);
	assert_memory_equal(r.stdin_data, "in\n", 3);  /* Piston's newline */
	assert_int_equal(r.nargs, 2);
	assert_string_equal(r.args[1], "b c");
	assert_int_equal(r.limit[PL_RUN_TIMEOUT], 3000);
	assert_int_equal(r.limit[PL_COMPILE_TIMEOUT], 0);
	assert_int_equal(r.limit[PL_RUN_MEMORY], 0);
	assert_int_equal(r.limit[PL_COMPILE_CPU], 0);
	assert_int_equal(r.limit[PL_RUN_CPU], 1);
	piston_req_release(&r);

	/* An entry file named unlike the language's files takes the language's name. */
	assert_int_equal(parse(&r, "{\"language\": \"gcc\", \"version\": \"*\", \"files\": ["
			       "{\"name\": \"prog\", \"content\": \"int main(void){return 0;}\"}]}",
			       msg, sizeof msg), 0);
	assert_string_equal(r.rt->language, "c");
	assert_null(r.files[0].name);
	assert_int_equal(r.stdin_len, 1);              /* no stdin: "\n", as Piston */
	piston_req_release(&r);
}

static void stage(struct run_stage *st, enum run_reason why, int code, int sig)
{
	struct limits l = { .stdout_cap = 64, .stderr_cap = 64 };
	struct run_result r;

	run_result_init(&r, &l);
	*st = r.run;
	st->ran = true;
	st->reason = why;
	st->exit_code = code;
	st->signal = sig;
	st->wall_ms = 12;
	st->cpu_ms = 7;
	st->mem_bytes = 4096;
}

static void stage_is(enum run_reason why, int code, int sig, const char *want)
{
	struct run_stage st;
	json_t *j;
	char *s;

	stage(&st, why, code, sig);
	(void)buf_add(&st.out, "out\n", 4);
	(void)buf_add(&st.err, "err\n", 4);
	if (why == REASON_OUTPUT)
		st.err.truncated = true;
	j = piston_stage_json(&st, false, "");
	s = json_dumps(j, JSON_COMPACT);
	if (strcmp(s, want) != 0)
		fail_msg("got %s\nwant %s", s, want);
	free(s);
	json_decref(j);
	buf_release(&st.out);
	buf_release(&st.err);
}

#define COMMON "{\"stdout\":\"out\\n\",\"stderr\":\"err\\n\",\"output\":\"out\\nerr\\n\","
#define FIGURES "\"cpu_time\":7,\"wall_time\":12,\"memory\":4096}"

static void test_statuses(void **state)
{
	(void)state;
	stage_is(REASON_EXIT, 0, 0, COMMON "\"code\":0,\"signal\":null,\"message\":null,\"status\":null," FIGURES);
	stage_is(REASON_EXIT, 3, 0, COMMON "\"code\":3,\"signal\":null,\"message\":\"Exited with error status 3\","
		 "\"status\":\"RE\"," FIGURES);
	stage_is(REASON_SIGNAL, 0, 11, COMMON "\"code\":null,\"signal\":\"SIGSEGV\",\"message\":\"Caught fatal "
		 "signal 11\",\"status\":\"SG\"," FIGURES);
	stage_is(REASON_WALL, 0, 9, COMMON "\"code\":null,\"signal\":\"SIGKILL\",\"message\":\"Time limit "
		 "exceeded (wall clock)\",\"status\":\"TO\"," FIGURES);
	stage_is(REASON_CPU, 0, 9, COMMON "\"code\":null,\"signal\":\"SIGKILL\",\"message\":\"Time limit "
		 "exceeded\",\"status\":\"TO\"," FIGURES);
	stage_is(REASON_OUTPUT, 0, 9, COMMON "\"code\":null,\"signal\":\"SIGKILL\",\"message\":\"stderr length "
		 "exceeded\",\"status\":\"EL\"," FIGURES);
	stage_is(REASON_MEMORY, 0, 9, COMMON "\"code\":null,\"signal\":\"SIGKILL\",\"message\":\"Caught fatal "
		 "signal 9 (the memory limit was reached)\",\"status\":\"SG\"," FIGURES);
	stage_is(REASON_KILLED, 0, 9, COMMON "\"code\":null,\"signal\":null,\"message\":\"stopped\","
		 "\"status\":\"XX\"," FIGURES);
}

static void test_result(void **state)
{
	struct limits l = { .stdout_cap = 64, .stderr_cap = 64 };
	const struct piston_runtime *c = NULL;
	struct run_result res;
	json_t *j;

	(void)state;
	for (size_t i = 0; i < nrts; i++)
		if (strcmp(rts[i].language, "c") == 0)
			c = &rts[i];
	assert_non_null(c);
	run_result_init(&res, &l);
	res.status = STATUS_COMPILE_ERROR;
	res.compile.ran = true;
	res.compile.reason = REASON_EXIT;
	res.compile.exit_code = 1;
	(void)buf_add(&res.compile.err, "main.c:1: error", 15);
	j = piston_result_json(c, &res, "");
	assert_true(json_equal(json_object_get(j, "run"), json_object_get(j, "compile")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "status")), "RE");
	assert_string_equal(json_string_value(json_object_get(j, "language")), "c");
	json_decref(j);
	run_result_release(&res);

	run_result_init(&res, &l);
	res.status = STATUS_INTERNAL_ERROR;
	j = piston_result_json(c, &res, "Something went wrong in the code runner");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "status")), "XX");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "message")),
			    "Something went wrong in the code runner");
	json_decref(j);
	run_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_fields), cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_result),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
