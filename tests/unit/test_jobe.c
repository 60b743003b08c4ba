/* The Jobe API's run_spec parser, its languages, the outcome table and Jobe's escaping of
 * output that is not UTF-8 (fcgi/jobe_req.c). Runs from the repo root (the real registry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobe_req.h"

static int setup(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	return lang_load("images/languages.conf", &e);
}

/* Parse text; the code, with the sentence in msg. */
static int parse(struct jobe_req *r, const char *text, char *msg, size_t cap)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = jobe_req_parse(r, text, strlen(text), &e);
	(void)snprintf(msg, cap, "%.200s", rc ? e.msg : "");
	return rc;
}

static void refused(const char *text, int want_rc, const char *want_msg)
{
	struct jobe_req r;
	char msg[512];

	assert_int_equal(parse(&r, text, msg, sizeof msg), want_rc);
	if (strstr(msg, want_msg) == NULL)
		fail_msg("for %s: got '%s', want '%s'", text, msg, want_msg);
	jobe_req_release(&r);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("", RC_BAD_JSON, "Non-JSON post data received");
	refused("[1]", RC_BAD_JSON, "Non-JSON post data received");
	refused("{\"run_spec\"", RC_BAD_JSON, "Non-JSON post data received: ");
	refused("{}", RC_BAD_REQUEST, "No run_spec attribute found in post data");
	refused("{\"run_spec\": 3}", RC_BAD_REQUEST, "No run_spec attribute found in post data");
	refused("{\"run_spec\": {\"language_id\": \"c\"}}", RC_BAD_REQUEST,
		"run_spec is missing the required attribute 'sourcecode'");
	/* sourcecode is checked first, as in Jobe */
	refused("{\"run_spec\": {}}", RC_BAD_REQUEST,
		"run_spec is missing the required attribute 'sourcecode'");
	refused("{\"run_spec\": {\"sourcecode\": \"\"}}", RC_BAD_REQUEST,
		"run_spec is missing the required attribute 'language_id'");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"cobol\"}}", RC_UNKNOWN_LANG,
		"Language 'cobol' is not known");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"sourcefilename\": "
		"\"../a.c\"}}", RC_BAD_REQUEST, "The sourcefilename for the run_spec is illegal");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"sourcefilename\": 7}}",
		RC_BAD_REQUEST, "The sourcefilename for the run_spec is illegal");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"input\": 7}}",
		RC_BAD_REQUEST, "input");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"file_list\": "
		"[[\"short\", \"a\"]]}}", RC_BAD_REQUEST, "Invalid file specifier: [\"short\",\"a\"]");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"file_list\": "
		"[[\"abcdefgh1\", \"../a\"]]}}", RC_BAD_REQUEST, "Invalid file specifier");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"file_list\": "
		"[[\"abcdefgh1\", \"a b\"]]}}", RC_BAD_REQUEST, "Invalid file specifier");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"file_list\": "
		"[[\"abcdefgh1\", \"x\"], [\"abcdefgh2\", \"x\"]]}}", RC_BAD_REQUEST, "given twice");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"sourcefilename\": "
		"\"x.c\", \"file_list\": [[\"abcdefgh1\", \"x.c\"]]}}", RC_BAD_REQUEST,
		"same name as the source file");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"file_list\": 1}}",
		RC_BAD_REQUEST, "Invalid file specifier");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"parameters\": "
		"{\"compileargs\": [1]}}}", RC_BAD_REQUEST, "compileargs must be a list of strings");
	refused("{\"run_spec\": {\"sourcecode\": \"\", \"language_id\": \"c\", \"parameters\": "
		"{\"runargs\": [\"'open\"]}}}", RC_BAD_REQUEST, "never closed");
}

static void test_fields(void **state)
{
	struct jobe_req r;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&r, "{\"run_spec\": {\"language_id\": \"PYTHON3\", \"sourcecode\": "
			       "\"print(1)\", \"input\": \"a\\nb\", \"sourcefilename\": \"test.py\","
			       " \"debug\": true, \"jobeserver\": \"x\", \"file_list\": [[\"abcdef0123456789\","
			       " \"data.txt\"], [\"abcdef0123456780\", \"b-c_d.e\", 0]], \"parameters\":"
			       " {\"cputime\": 2.5, \"memorylimit\": 0, \"numprocs\": \"20\", \"streamsize\":"
			       " 1, \"disklimit\": \"x\", \"runargs\": [\"a b\", \"'c d'\"], \"interpreterargs\":"
			       " [\"-c \\\"print(\\\\\\\"Blah\\\\\\\")\\\"\"], \"jobeapikey\": 1}}, \"x\": 1}",
			       msg, sizeof msg), 0);
	assert_string_equal(r.jl.id, "python3");
	assert_string_equal(r.jl.lang->id, "python");
	assert_string_equal(r.source, "print(1)");
	assert_int_equal(r.input_len, 3);
	assert_string_equal(r.filename, "test.py");
	assert_int_equal(r.nfiles, 2);
	assert_string_equal(r.files[1].id, "abcdef0123456780");
	assert_string_equal(r.files[1].name, "b-c_d.e");
	assert_true(r.cputime > 2.49 && r.cputime < 2.51);
	assert_true(r.memorylimit == 0);
	assert_int_equal(r.numprocs, 20);
	assert_int_equal(r.streamsize, 1);
	assert_int_equal(r.disklimit, 0); /* not a number: Jobe's default */
	assert_true(r.has_runargs);
	assert_int_equal(r.runargs.n, 3);
	assert_string_equal(r.runargs.w[0], "a");
	assert_string_equal(r.runargs.w[2], "c d");
	assert_int_equal(r.interpreterargs.n, 2);
	assert_string_equal(r.interpreterargs.w[1], "print(\"Blah\")");
	assert_false(r.has_compileargs);
	jobe_req_release(&r);

	/* memorylimit left out is -1 (Jobe's default applies); prog.java is ignored. */
	assert_int_equal(parse(&r, "{\"run_spec\": {\"language_id\": \"java\", \"sourcecode\": \"\","
			       " \"sourcefilename\": \"prog.java\"}}", msg, sizeof msg), 0);
	assert_true(r.memorylimit < 0);
	assert_null(r.filename);
	assert_null(r.jl.file); /* the public class names the file */
	assert_true(r.jl.own_numprocs);
	assert_false(r.jl.as_limit);
	jobe_req_release(&r);
}

static void test_languages(void **state)
{
	static const char *const ids[] = { "python3", "nodejs", "c", "cpp", "java", "rust" };
	struct jobe_lang jl;

	(void)state;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		assert_int_equal(jobe_lang_find(ids[i], &jl), 0);
	assert_int_equal(jobe_lang_find("C", &jl), 0);
	assert_string_equal(jl.file, "prog.c");
	assert_true(jl.as_limit);
	assert_int_equal(jobe_lang_find("nodejs", &jl), 0);
	assert_false(jl.as_limit);
	assert_null(jl.compile); /* no syntax check: a syntax error is a runtime error */
	assert_int_equal(jobe_lang_find("python3", &jl), 0);
	assert_non_null(jl.compile);
	/* runbox's ids and aliases are names too, with Jobe's settings for the language. */
	assert_int_equal(jobe_lang_find("javascript", &jl), 0);
	assert_string_equal(jl.id, "nodejs");
	assert_int_equal(jobe_lang_find("py", &jl), 0);
	assert_string_equal(jl.id, "python3");
	assert_string_equal(jl.lang->id, "python");
	assert_int_equal(jobe_lang_find("cobol", &jl), -1);
}

static void test_filenames(void **state)
{
	static const char *const good[] = { "prog.c", "__tester__.python3", "Test.java", "a b.py",
					    "x\\y.c", "é.py" };
	static const char *const bad[] = { "", ".hidden", "-x", "a/b", "a:b", "a*b", "a#b", "a@b",
					   "a$b", "a(b", "a;b", "a=b", "a{b", "a~b", "a`b", "a\tb",
					   "\xc3\xa0.py", "a'b", "a\"b", "a|b" };

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(jobe_filename_ok(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (jobe_filename_ok(bad[i], strlen(bad[i])))
			fail_msg("'%s' should be refused", bad[i]);
}

/* ---- The outcome table ----------------------------------------------------------------- */

struct fake {
	struct run_result res;
	struct limits lim;
};

static void fake_init(struct fake *f, enum run_status st, bool compiled)
{
	memset(&f->lim, 0, sizeof f->lim);
	f->lim.stdout_cap = f->lim.stderr_cap = 4096;
	run_result_init(&f->res, &f->lim);
	f->res.status = st;
	f->res.compile.ran = compiled;
	f->res.run.ran = true;
}

static void put(struct buf *b, const char *s)
{
	assert_int_equal(buf_add(b, s, strlen(s)), 0);
}

static int outcome(struct fake *f)
{
	struct jobe_outcome o;

	jobe_outcome_of(&f->res, "the sentence", &o);
	return o.outcome;
}

static void test_outcomes(void **state)
{
	struct jobe_outcome o;
	struct fake f;

	(void)state;
	fake_init(&f, STATUS_OK, true);
	assert_int_equal(outcome(&f), JOBE_OK);
	put(&f.res.run.out, "hi");
	assert_int_equal(outcome(&f), JOBE_OK);
	put(&f.res.run.err, "warning");
	assert_int_equal(outcome(&f), JOBE_RUNTIME_ERROR); /* any stderr */
	run_result_release(&f.res);

	fake_init(&f, STATUS_RUNTIME_ERROR, false);
	f.res.run.exit_code = 3;
	assert_int_equal(outcome(&f), JOBE_OK); /* an exit code alone, as in Jobe */
	f.res.run.signal = 11;
	assert_int_equal(outcome(&f), JOBE_RUNTIME_ERROR);
	run_result_release(&f.res);

	fake_init(&f, STATUS_COMPILE_ERROR, true);
	f.res.run.ran = false;
	put(&f.res.compile.err, "error: x");
	jobe_outcome_of(&f.res, "msg", &o);
	assert_int_equal(o.outcome, JOBE_COMPILE_ERROR);
	assert_ptr_equal(o.cmpinfo, &f.res.compile.err);
	assert_null(o.out);
	run_result_release(&f.res);

	/* a compiler killed at its time limit: no messages, the pipeline's sentence */
	fake_init(&f, STATUS_TIMEOUT, true);
	f.res.run.ran = false;
	jobe_outcome_of(&f.res, "The compiler took longer", &o);
	assert_int_equal(o.outcome, JOBE_COMPILE_ERROR);
	assert_null(o.cmpinfo);
	assert_string_equal(o.cmpinfo_text, "The compiler took longer");
	run_result_release(&f.res);

	fake_init(&f, STATUS_TIMEOUT, false);
	put(&f.res.run.err, "partial");
	jobe_outcome_of(&f.res, "msg", &o);
	assert_int_equal(o.outcome, JOBE_TIME_LIMIT);
	assert_null(o.err); /* Jobe empties stderr on a time limit */
	run_result_release(&f.res);

	fake_init(&f, STATUS_OUTPUT_LIMIT, false);
	assert_int_equal(outcome(&f), JOBE_TIME_LIMIT);
	run_result_release(&f.res);

	fake_init(&f, STATUS_MEMORY_LIMIT, false);
	jobe_outcome_of(&f.res, "used more memory", &o);
	assert_int_equal(o.outcome, JOBE_RUNTIME_ERROR);
	assert_string_equal(o.err_text, "used more memory");
	run_result_release(&f.res);

	fake_init(&f, STATUS_INTERNAL_ERROR, false);
	assert_int_equal(outcome(&f), JOBE_INTERNAL_ERROR);
	run_result_release(&f.res);
}

static void text_is(const char *in, size_t n, const char *want)
{
	json_t *j = jobe_text((const unsigned char *)in, n);

	assert_non_null(j);
	assert_string_equal(json_string_value(j), want);
	json_decref(j);
}

static void test_escaping(void **state)
{
	(void)state;
	text_is("Hello\n", 6, "Hello\n");
	text_is("r\xc3\xb4le\x01\n", 7, "r\xc3\xb4le\x01\n"); /* valid UTF-8 stays as it is */
	/* Jobe's test: every byte outside printable ASCII, \n \r \t, is escaped */
	text_is("Hello world\n\x01\x06\xc0\xc9\n", 17, "Hello world\n\\x01\\x06\\xc0\\xc9\n");
	text_is("r\xc3\xb4le \xff\t\r", 9, "r\\xc3\\xb4le \\xff\t\r");
	text_is("\x7f\xfe", 2, "\\x7f\\xfe");
	text_is("a\0b", 3, "a\0b");
}

static void test_result_json(void **state)
{
	struct jobe_outcome o;
	struct fake f;
	json_t *j;
	char *s;

	(void)state;
	fake_init(&f, STATUS_RUNTIME_ERROR, false);
	put(&f.res.run.out, "out");
	put(&f.res.run.err, "Exception in thread \"main\"\n\tat Test.main(Test.java:1)\n");
	jobe_outcome_of(&f.res, "", &o);
	j = jobe_result_json("abc", &o, true);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"run_id\":\"abc\",\"outcome\":12,\"cmpinfo\":\"\",\"stdout\":\"out\","
			    "\"stderr\":\"Exception in thread \\\"main\\\"\\n        at Test.main(Test.java:1)\\n\"}");
	free(s);
	json_decref(j);
	run_result_release(&f.res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals), cmocka_unit_test(test_fields),
		cmocka_unit_test(test_languages), cmocka_unit_test(test_filenames),
		cmocka_unit_test(test_outcomes), cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_result_json),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
