/* Validation of the editor API's request body: each refusal gets its code and a
 * sentence that names the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "req.h"
#include "text.h"

static const struct req_caps caps = { 100, 50 };

static const char registry[] =
	"[python]\n"
	"name = Python\n"
	"image = runbox/python:latest\n"
	"file = main.py\n"
	"run = python3 {entry} {args}\n";

static int setup(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	if (lang_parse(registry, "test registry", &e) != 0) {
		print_error("%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int parse(const char *body, struct editor_req *r, struct err *e)
{
	err_init(e);
	return editor_req_parse(r, body, strlen(body), &caps, e);
}

/* Serialise req (consumed) and parse it. */
static int parse_json(json_t *req, struct editor_req *r, struct err *e)
{
	char *body;
	int rc;

	assert_non_null(req);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	assert_non_null(body);
	rc = parse(body, r, e);
	free(body);
	return rc;
}

/* The refusal is rc, its message contains needle, and the message can be sent: valid
 * UTF-8 (jansson accepts it) without control characters. */
static void check_msg(int got, const struct err *e, int rc, const char *needle)
{
	json_t *m;
	size_t i;

	assert_int_equal(got, rc);
	if (rc != 0)
		assert_int_equal(e->rc, rc);
	if (needle && strstr(e->msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e->msg, needle);
	if ((m = json_string(e->msg)) == NULL)
		fail_msg("message \"%s\" is not valid UTF-8", e->msg);
	json_decref(m);
	for (i = 0; e->msg[i]; i++)
		if ((unsigned char)e->msg[i] < 0x20)
			fail_msg("message \"%s\" has a control character", e->msg);
}

static void expect(const char *body, int rc, const char *needle)
{
	struct editor_req r;
	struct err e;

	check_msg(parse(body, &r, &e), &e, rc, needle);
	editor_req_release(&r);
}

static void expect_json(json_t *req, int rc, const char *needle)
{
	struct editor_req r;
	struct err e;

	check_msg(parse_json(req, &r, &e), &e, rc, needle);
	editor_req_release(&r);
}

static json_t *file(const char *name, const char *content)
{
	return json_pack("{s:s, s:s}", "name", name, "content", content);
}

static json_t *bfile(const char *name, const char *b64)
{
	return json_pack("{s:s, s:s, s:s}", "name", name, "content", b64, "encoding", "base64");
}

static json_t *main_file(const char *name, const char *content)
{
	return json_pack("{s:s, s:s, s:b}", "name", name, "content", content, "main", 1);
}

/* {"language": "python", "files": files} (files consumed). */
static json_t *with_files(json_t *files)
{
	return json_pack("{s:s, s:o}", "language", "python", "files", files);
}

/* A request with one file named name[0..n). */
static void expect_name(const char *name, size_t n, int rc, const char *needle)
{
	expect_json(with_files(json_pack("[{s:s%, s:s}]", "name", name, n, "content", "x")), rc,
		    needle);
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
	/* a "code" request is also one file, named by the caller */
	assert_int_equal(r.nfiles, 1);
	assert_int_equal(r.entry, 0);
	assert_null(r.files[0].name);
	assert_ptr_equal(r.files[0].content, r.code);
	assert_int_equal(r.files[0].len, 8);
	assert_false(r.files[0].binary);
	assert_int_equal(r.total_len, 8);
	assert_null(r.args);
	assert_int_equal(r.nargs, 0);
	editor_req_release(&r);
	assert_int_equal(parse("{\"language\":\"python\",\"code\":\"\"}", &r, &e), 0);
	assert_null(r.stdin_data);
	assert_int_equal(r.nfiles, 1);
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
	/* duplicate keys inside a file object too */
	expect("{\"language\":\"python\",\"files\":[{\"name\":\"a\",\"name\":\"b\",\"content\":\"\"}]}",
	       RC_BAD_JSON, "duplicate");
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
	expect("{\"language\":\"python\",\"code\":\"x\",\"main\":true}", RC_BAD_REQUEST,
	       "Allowed fields: language, code, files, entry, args, stdin.");
	/* a hostile key is quoted harmlessly: no escape sequence, cut on a character */
	expect("{\"language\":\"python\",\"code\":\"x\",\"\\u001b[31m\":0}", RC_BAD_REQUEST, "'?[31m'");
	expect("{\"language\":\"python\",\"code\":\"x\",\"a\\u0085b\":0}", RC_BAD_REQUEST, "'a?b'");
	expect("{\"language\":\"python\",\"code\":\"x\",\"aéééééééééééééééééééééééééééééééééééééééé\":0}",
	       RC_BAD_REQUEST, "...' is not recognised");
}

static void test_shape(void **state)
{
	(void)state;
	expect("{\"language\":\"python\",\"code\":\"x\",\"files\":[{\"name\":\"a.py\",\"content\":\"\"}]}",
	       RC_BAD_REQUEST, "either as 'code' or as 'files', not both");
	expect("{\"language\":\"python\"}", RC_BAD_REQUEST, "or as a list of files in 'files'");
	expect("{\"language\":\"python\",\"code\":\"x\",\"entry\":\"main.py\"}", RC_BAD_REQUEST,
	       "'entry' goes with 'files'");
	expect("{\"language\":\"python\",\"entry\":\"main.py\"}", RC_BAD_REQUEST,
	       "'entry' goes with 'files'");
	expect("{\"language\":\"python\",\"files\":\"main.py\"}", RC_BAD_REQUEST,
	       "'files' must be a list of files");
	expect("{\"language\":\"python\",\"files\":{\"name\":\"a\",\"content\":\"\"}}", RC_BAD_REQUEST,
	       "'files' must be a list of files");
	expect("{\"language\":\"python\",\"files\":[]}", RC_BAD_REQUEST, "The list 'files' is empty");
	expect("{\"language\":\"python\",\"files\":[3]}", RC_BAD_REQUEST, "File 1 must be an object");
	expect("{\"language\":\"python\",\"files\":[{\"name\":\"a.py\",\"content\":\"\"},\"b.py\"]}",
	       RC_BAD_REQUEST, "File 2 must be an object");
}

/* The request from the API documentation, read back field by field. */
static void test_files_ok(void **state)
{
	static const unsigned char bin[] = { 0, 1, 2 };
	struct editor_req r;
	struct err e;

	(void)state;
	assert_int_equal(parse_json(json_pack("{s:s, s:[o,o,o], s:s, s:[s,s], s:s}",
		"language", "python",
		"files", main_file("main.py", "import util.helpers"),
			 file("util/helpers.py", "X = 1\n"), bfile("data.bin", "AAEC"),
		"entry", "main.py", "args", "--fast", "x y", "stdin", "in"), &r, &e), 0);
	assert_string_equal(r.lang->id, "python");
	assert_null(r.code);
	assert_int_equal(r.code_len, 0);
	assert_int_equal(r.nfiles, 3);
	assert_int_equal(r.entry, 0);
	assert_string_equal(r.files[0].name, "main.py");
	assert_int_equal(r.files[0].len, 19);
	assert_memory_equal(r.files[0].content, "import util.helpers", 19);
	assert_false(r.files[0].binary);
	assert_string_equal(r.files[1].name, "util/helpers.py");
	assert_memory_equal(r.files[1].content, "X = 1\n", 6);
	assert_string_equal(r.files[2].name, "data.bin");
	assert_true(r.files[2].binary);
	assert_int_equal(r.files[2].len, 3);
	assert_memory_equal(r.files[2].content, bin, 3);
	assert_int_equal(r.total_len, 19 + 6 + 3);
	assert_int_equal(r.nargs, 2);
	assert_string_equal(r.args[0], "--fast");
	assert_string_equal(r.args[1], "x y");
	assert_null(r.args[2]);
	assert_int_equal(r.stdin_len, 2);
	editor_req_release(&r);
	/* "encoding": "utf-8" said outright; text may carry NUL */
	assert_int_equal(parse("{\"language\":\"python\",\"files\":[{\"name\":\"a.txt\","
			       "\"content\":\"a\\u0000b\",\"encoding\":\"utf-8\"}]}", &r, &e), 0);
	assert_int_equal(r.files[0].len, 3);
	assert_memory_equal(r.files[0].content, "a\0b", 3);
	assert_false(r.files[0].binary);
	editor_req_release(&r);
}

static void test_file_fields(void **state)
{
	(void)state;
	expect_json(with_files(json_pack("[{s:s}]", "content", "x")), RC_BAD_REQUEST,
		    "File 1 has no 'name'");
	expect_json(with_files(json_pack("[{s:i, s:s}]", "name", 3, "content", "x")), RC_BAD_REQUEST,
		    "File 1: 'name' must be a string");
	expect_json(with_files(json_pack("[o, {s:s}]", file("a.py", ""), "name", "b.py")),
		    RC_BAD_REQUEST, "File 2 ('b.py') has no 'content'");
	expect_json(with_files(json_pack("[{s:s, s:i}]", "name", "a.py", "content", 5)),
		    RC_BAD_REQUEST, "File 1 ('a.py'): 'content' must be a string");
	expect_json(with_files(json_pack("[{s:s, s:n}]", "name", "a.py", "content")),
		    RC_BAD_REQUEST, "'content' must be a string");
	expect_json(with_files(json_pack("[{s:s, s:s, s:s}]", "name", "a.py", "content", "",
					 "mode", "755")), RC_BAD_REQUEST,
		    "File 1 ('a.py'): the field 'mode' is not recognised. Allowed fields in a file: "
		    "name, content, encoding, main.");
	expect_json(with_files(json_pack("[{s:s, s:s, s:s}]", "name", "a.py", "content", "",
					 "encoding", "hex")), RC_BAD_REQUEST,
		    "File 1 ('a.py'): 'encoding' must be \"utf-8\" (the default, for text) or \"base64\"");
	expect_json(with_files(json_pack("[{s:s, s:s, s:s}]", "name", "a.py", "content", "",
					 "encoding", "UTF-8")), RC_BAD_REQUEST, "'encoding' must be");
	expect_json(with_files(json_pack("[{s:s, s:s, s:s%}]", "name", "a.py", "content", "",
					 "encoding", "utf-8\0x", (size_t)7)), RC_BAD_REQUEST,
		    "'encoding' must be");
	expect_json(with_files(json_pack("[{s:s, s:s, s:i}]", "name", "a.py", "content", "",
					 "encoding", 64)), RC_BAD_REQUEST, "'encoding' must be");
	expect_json(with_files(json_pack("[{s:s, s:s, s:s}]", "name", "a.py", "content", "",
					 "main", "yes")), RC_BAD_REQUEST,
		    "File 1 ('a.py'): 'main' must be true or false.");
	expect_json(with_files(json_pack("[{s:s, s:s, s:i}]", "name", "a.py", "content", "",
					 "main", 1)), RC_BAD_REQUEST, "'main' must be true or false");
}

static void test_names_refused(void **state)
{
	char name[128];

	(void)state;
	expect_name("../x.py", 7, RC_BAD_REQUEST, "File 1 ('../x.py'): a file name cannot contain "
		    "'..'. Use a name like util/helpers.py.");
	expect_json(with_files(json_pack("[o,o]", main_file("a.py", ""), file("../x.py", ""))),
		    RC_BAD_REQUEST, "File 2 ('../x.py'): a file name cannot contain '..'");
	expect_name("/etc/passwd", 11, RC_BAD_REQUEST, "File 1 ('/etc/passwd'): a file name cannot "
		    "start with '/'");
	expect_name("/", 1, RC_BAD_REQUEST, "cannot start with '/'");
	expect_name("../x", 4, RC_BAD_REQUEST, "File 1 ('../x'): a file name cannot contain '..'");
	expect_name("a/../b", 6, RC_BAD_REQUEST, "File 1 ('a/../b'): a file name cannot contain '..'");
	expect_name("a/..", 4, RC_BAD_REQUEST, "cannot contain '..'");
	expect_name("..", 2, RC_BAD_REQUEST, "cannot contain '..'");
	expect_name(".", 1, RC_BAD_REQUEST, "File 1 ('.'): a file name cannot have '.' as one of "
		    "its parts");
	expect_name("./a.py", 6, RC_BAD_REQUEST, "cannot have '.' as one of its parts");
	expect_name("a/./b", 5, RC_BAD_REQUEST, "cannot have '.' as one of its parts");
	expect_name("a//b", 4, RC_BAD_REQUEST, "File 1 ('a//b'): a file name cannot contain '//' "
		    "or end with '/'");
	expect_name("a/", 2, RC_BAD_REQUEST, "File 1 ('a/'): a file name cannot contain '//' or end "
		    "with '/'");
	expect_name("", 0, RC_BAD_REQUEST, "File 1: the file name is empty");
	expect_name("a\\b", 3, RC_BAD_REQUEST, "File 1 ('a\\b'): a file name cannot contain '\\'");
	expect_name("..\\x", 4, RC_BAD_REQUEST, "cannot contain '\\'");
	/* control characters: the name is not quoted */
	expect_name("x\x01y", 3, RC_BAD_REQUEST, "File 1: the file name contains a control "
		    "character (at byte 2)");
	expect_name("x\0y", 3, RC_BAD_REQUEST, "File 1: the file name contains a control character "
		    "(at byte 2)");
	expect_name("a\nb.py", 6, RC_BAD_REQUEST, "control character (at byte 2)");
	expect_name("\x1b[31m.py", 8, RC_BAD_REQUEST, "control character (at byte 1)");
	expect_name("a\x7f", 2, RC_BAD_REQUEST, "control character (at byte 2)");
	expect_name("ab\xc2\x85", 4, RC_BAD_REQUEST, "control character (at byte 3)"); /* U+0085 */
	/* 101 bytes: too long, quoted cut short */
	memset(name, 'a', 101);
	expect_name(name, 101, RC_BAD_REQUEST, "the file name is 101 bytes long; the limit is 100.");
	expect_name(name, 101, RC_BAD_REQUEST, "aaa...'): the file name");
	/* 101 bytes of which many two-byte characters: the quote is cut on a character */
	(void)snprintf(name, sizeof name, "a%s", "éééééééééééééééééééééééééééééééééééééééééééééééééé");
	expect_name(name, strlen(name), RC_BAD_REQUEST, "is 101 bytes long");
	expect_name("a/b/c/d/e/f/g/h/i.py", 20, RC_BAD_REQUEST, "File 1 ('a/b/c/d/e/f/g/h/i.py'): "
		    "a file name can have at most 8 parts separated by '/'; this one has 9.");
}

static void test_names_accepted(void **state)
{
	static const char *const ok[] = {
		".env", "-rf.py", "a..b.py", "...", ".hidden/x", "données/é.py", "a b.py",
		"x:y", "CON", "a/b/c/d/e/f/g/h.py", "Main.java", "a-b_c.d~",
	};
	struct editor_req r;
	struct err e;
	char name[101];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(parse_json(with_files(json_pack("[o]", file(ok[i], "x"))), &r, &e), 0);
		assert_string_equal(r.files[0].name, ok[i]);
		editor_req_release(&r);
	}
	memset(name, 'a', 100);
	name[100] = '\0';
	assert_int_equal(parse_json(with_files(json_pack("[o]", file(name, "x"))), &r, &e), 0);
	assert_int_equal(strlen(r.files[0].name), 100);
	editor_req_release(&r);
}

static void test_name_conflicts(void **state)
{
	struct editor_req r;
	struct err e;

	(void)state;
	expect_json(with_files(json_pack("[o,o,o]", file("a.py", ""), file("b.py", ""),
					 file("a.py", ""))), RC_BAD_REQUEST,
		    "File 3 ('a.py'): file 1 has the same name. Give each file its own name.");
	expect_json(with_files(json_pack("[o,o]", file("a", ""), file("a/b.py", ""))),
		    RC_BAD_REQUEST, "File 1 ('a') and file 2 ('a/b.py'): 'a' cannot be both a file "
		    "and a folder.");
	expect_json(with_files(json_pack("[o,o,o]", file("a/b.py", ""), file("c", ""), file("a", ""))),
		    RC_BAD_REQUEST, "File 1 ('a/b.py') and file 3 ('a'): 'a' cannot be both");
	expect_json(with_files(json_pack("[o,o]", file("x/y", ""), file("x/y/z/w.py", ""))),
		    RC_BAD_REQUEST, "'x/y' cannot be both a file and a folder");
	/* no conflict: a shared prefix that is not a folder, and names differing in case */
	assert_int_equal(parse_json(with_files(json_pack("[o,o,o,o,o,o]", main_file("a", ""),
		file("ab/c.py", ""), file("a.py", ""), file("b/a", ""), file("A.py", ""),
		file("a.PY", ""))), &r, &e), 0);
	assert_int_equal(r.nfiles, 6);
	editor_req_release(&r);
}

static void test_count(void **state)
{
	struct editor_req r;
	struct err e;
	json_t *files = json_array();
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < REQ_MAX_FILES; i++) {
		(void)snprintf(name, sizeof name, "f%d.py", i);
		assert_int_equal(json_array_append_new(files, file(name, "")), 0);
	}
	assert_int_equal(parse_json(json_pack("{s:s, s:O, s:s}", "language", "python", "files",
					      files, "entry", "f63.py"), &r, &e), 0);
	assert_int_equal(r.nfiles, 64);
	assert_int_equal(r.entry, 63);
	editor_req_release(&r);
	assert_int_equal(json_array_append_new(files, file("f64.py", "")), 0);
	expect_json(json_pack("{s:s, s:o, s:s}", "language", "python", "files", files, "entry",
			      "f0.py"), RC_BAD_REQUEST, "You sent 65 files; the limit is 64.");
}

/* caps.max_code_bytes (100) is the limit of all files' decoded contents together. */
static void test_total_size(void **state)
{
	char a[64], b[64], b64[160];
	struct editor_req r;
	struct err e;
	int i;

	(void)state;
	(void)snprintf(a, sizeof a, "%050d", 0);
	(void)snprintf(b, sizeof b, "%051d", 0);
	assert_int_equal(parse_json(with_files(json_pack("[o,o]", main_file("a.py", a),
							  file("b.py", a))), &r, &e), 0);
	assert_int_equal(r.total_len, 100);
	editor_req_release(&r);
	expect_json(with_files(json_pack("[o,o]", main_file("a.py", a), file("b.py", b))),
		    RC_TOO_LARGE, "Your files add up to 101 bytes; the limit is 100 bytes.");
	/* 136 characters of base64 are 100 bytes: the decoded size counts */
	for (i = 0; i < 33; i++)
		memcpy(b64 + 4 * i, "AAAA", 4);
	memcpy(b64 + 132, "AA==", 5);
	assert_int_equal(parse_json(with_files(json_pack("[o]", bfile("zero.bin", b64))), &r, &e), 0);
	assert_int_equal(r.files[0].len, 100);
	assert_int_equal(r.total_len, 100);
	editor_req_release(&r);
	memcpy(b64 + 132, "AAA=", 5);
	expect_json(with_files(json_pack("[o]", bfile("zero.bin", b64))), RC_TOO_LARGE,
		    "the limit is 100 bytes");
	/* stdin keeps its own limit in a files request */
	(void)snprintf(b, sizeof b, "%051d", 0);
	expect_json(json_pack("{s:s, s:[o], s:s}", "language", "python", "files", file("a.py", ""),
			      "stdin", b), RC_TOO_LARGE, "stdin");
}

static void test_base64(void **state)
{
	static const struct { const char *b64; size_t len; const char *bytes; } ok[] = {
		{ "", 0, "" },
		{ "AA==", 1, "\0" },
		{ "AAE=", 2, "\0\1" },
		{ "AAEC", 3, "\0\1\2" },
		{ "AP8A/w==", 4, "\0\xff\0\xff" },
		{ "+/+/", 3, "\xfb\xff\xbf" },
		{ "aGk=", 2, "hi" },
	};
	static const struct { const char *b64; const char *why; } bad[] = {
		{ "AAE", "it is 3 characters long, not a multiple of 4" },
		{ "AA=A", "character 3, '=', is not allowed there" },
		{ "A A=", "character 2 (byte 0x20) is not allowed" },
		{ "AAA\n", "character 4 (byte 0x0a) is not allowed" },
		{ "A===", "character 2, '=', is not allowed there" },
		{ "====", "character 1, '='" },
		{ "-_==", "character 1, '-'" },
		{ "A\xc3\xa9=", "character 2 (byte 0xc3)" },
		{ "AB==", "character 2, 'B', leaves bits set before the padding" },
		{ "AAF=", "character 3, 'F', leaves bits set" },
		{ "AAAAA", "it is 5 characters long" },
	};
	struct editor_req r;
	struct err e;
	char needle[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(parse_json(with_files(json_pack("[o]", bfile("data.bin", ok[i].b64))),
					    &r, &e), 0);
		assert_true(r.files[0].binary);
		assert_int_equal(r.files[0].len, ok[i].len);
		assert_non_null(r.files[0].content);
		assert_memory_equal(r.files[0].content, ok[i].bytes, ok[i].len);
		editor_req_release(&r);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		(void)snprintf(needle, sizeof needle, "File 1 ('data.bin'): the content is not valid "
			       "base64: %s", bad[i].why);
		expect_json(with_files(json_pack("[o]", bfile("data.bin", bad[i].b64))),
			    RC_BAD_REQUEST, needle);
	}
	/* several binary files between text ones land at the right places */
	assert_int_equal(parse_json(with_files(json_pack("[o,o,o,o,o]", bfile("a", "AQI="),
		main_file("m.py", "x"), bfile("b", ""), bfile("c", "AwQF"), file("t", "yz"))),
		&r, &e), 0);
	assert_int_equal(r.entry, 1);
	assert_memory_equal(r.files[0].content, "\1\2", 2);
	assert_int_equal(r.files[2].len, 0);
	assert_non_null(r.files[2].content);
	assert_memory_equal(r.files[3].content, "\3\4\5", 3);
	assert_memory_equal(r.files[4].content, "yz", 2);
	assert_int_equal(r.total_len, 2 + 1 + 0 + 3 + 2);
	editor_req_release(&r);
}

static void test_entry(void **state)
{
	struct editor_req r;
	struct err e;

	(void)state;
	/* one file, unmarked or marked false: it is the entry */
	assert_int_equal(parse_json(with_files(json_pack("[o]", file("x.py", ""))), &r, &e), 0);
	assert_int_equal(r.entry, 0);
	editor_req_release(&r);
	assert_int_equal(parse_json(with_files(json_pack("[{s:s, s:s, s:b}]", "name", "x.py",
		"content", "", "main", 0)), &r, &e), 0);
	assert_int_equal(r.entry, 0);
	editor_req_release(&r);
	/* "main": true */
	assert_int_equal(parse_json(with_files(json_pack("[o,o]", file("a.py", ""),
							  main_file("b.py", ""))), &r, &e), 0);
	assert_int_equal(r.entry, 1);
	editor_req_release(&r);
	/* "entry", alone and agreeing with "main" */
	assert_int_equal(parse_json(json_pack("{s:s, s:[o,o], s:s}", "language", "python", "files",
		file("a.py", ""), file("util/b.py", ""), "entry", "util/b.py"), &r, &e), 0);
	assert_int_equal(r.entry, 1);
	editor_req_release(&r);
	assert_int_equal(parse_json(json_pack("{s:s, s:[o,o], s:s}", "language", "python", "files",
		file("a.py", ""), main_file("b.py", ""), "entry", "b.py"), &r, &e), 0);
	assert_int_equal(r.entry, 1);
	editor_req_release(&r);
	/* refusals */
	expect_json(json_pack("{s:s, s:[o,o], s:s}", "language", "python", "files",
			      main_file("a.py", ""), file("b.py", ""), "entry", "b.py"),
		    RC_BAD_REQUEST, "File 1 ('a.py') has \"main\": true but 'entry' names file 2. "
		    "Mark the entry point one way only.");
	expect_json(with_files(json_pack("[o,o,o]", main_file("a.py", ""), file("b.py", ""),
					 main_file("c.py", ""))), RC_BAD_REQUEST,
		    "File 3 ('c.py'): only one file can have \"main\": true, and file 1 already has it.");
	expect_json(with_files(json_pack("[o,o]", file("a.py", ""), file("b.py", ""))),
		    RC_BAD_REQUEST, "You sent 2 files; say which file is the entry point: add "
		    "\"main\": true to it");
	expect_json(with_files(json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "name", "a.py",
		"content", "", "main", 0, "name", "b.py", "content", "", "main", 0)),
		RC_BAD_REQUEST, "say which file is the entry point");
	expect_json(json_pack("{s:s, s:[o,o], s:s}", "language", "python", "files",
			      file("a.py", ""), file("b.py", ""), "entry", "c.py"),
		    RC_BAD_REQUEST, "The entry point 'c.py' is not one of the files.");
	expect_json(json_pack("{s:s, s:[o], s:s%}", "language", "python", "files",
			      file("a.py", ""), "entry", "a.py\0", (size_t)5),
		    RC_BAD_REQUEST, "The entry point 'a.py?' is not one of the files.");
	expect_json(json_pack("{s:s, s:[o], s:i}", "language", "python", "files",
			      file("a.py", ""), "entry", 0),
		    RC_BAD_REQUEST, "The field 'entry' must be a string naming one of the files");
}

/* {"language": "python", "code": "", "args": args} (args consumed). */
static json_t *with_args(json_t *args)
{
	return json_pack("{s:s, s:s, s:o}", "language", "python", "code", "", "args", args);
}

static void test_args(void **state)
{
	struct editor_req r;
	struct err e;
	json_t *args;
	char *big;
	int i;

	(void)state;
	assert_int_equal(parse_json(with_args(json_pack("[s,s,s,s]", "--fast", "x y", "", "a\nb")),
				    &r, &e), 0);
	assert_int_equal(r.nargs, 4);
	assert_string_equal(r.args[0], "--fast");
	assert_string_equal(r.args[1], "x y");
	assert_string_equal(r.args[2], "");
	assert_string_equal(r.args[3], "a\nb");
	assert_null(r.args[4]);
	editor_req_release(&r);
	assert_int_equal(parse_json(with_args(json_array()), &r, &e), 0);
	assert_int_equal(r.nargs, 0);
	assert_null(r.args);
	editor_req_release(&r);
	expect_json(with_args(json_string("--fast")), RC_BAD_REQUEST,
		    "The field 'args' must be a list of strings");
	expect_json(with_args(json_pack("[i]", 3)), RC_BAD_REQUEST, "Argument 1 must be a string");
	expect_json(with_args(json_pack("[s,n]", "a")), RC_BAD_REQUEST, "Argument 2 must be a string");
	expect_json(with_args(json_pack("[s,[]]", "a")), RC_BAD_REQUEST, "Argument 2 must be a string");
	expect_json(with_args(json_pack("[s,s%]", "a", "b\0c", (size_t)3)), RC_BAD_REQUEST,
		    "Argument 2 contains a NUL character");
	/* count */
	args = json_array();
	for (i = 0; i < REQ_MAX_ARGS; i++)
		assert_int_equal(json_array_append_new(args, json_string("x")), 0);
	assert_int_equal(parse_json(with_args(json_incref(args)), &r, &e), 0);
	assert_int_equal(r.nargs, 64);
	assert_null(r.args[64]);
	editor_req_release(&r);
	assert_int_equal(json_array_append_new(args, json_string("x")), 0);
	expect_json(with_args(args), RC_BAD_REQUEST, "You sent 65 arguments; the limit is 64.");
	/* one argument's size */
	assert_non_null(big = malloc(REQ_MAX_ARG + 2));
	memset(big, 'a', REQ_MAX_ARG + 1);
	big[REQ_MAX_ARG + 1] = '\0';
	expect_json(with_args(json_pack("[s,s]", "a", big)), RC_BAD_REQUEST,
		    "Argument 2 is 5 KB long; the limit for one argument is 4 KB.");
	big[REQ_MAX_ARG] = '\0';
	assert_int_equal(parse_json(with_args(json_pack("[s]", big)), &r, &e), 0);
	assert_int_equal(strlen(r.args[0]), REQ_MAX_ARG);
	editor_req_release(&r);
	/* all arguments' size: 16 of 4 KB are exactly 64 KB */
	args = json_array();
	for (i = 0; i < 16; i++)
		assert_int_equal(json_array_append_new(args, json_string(big)), 0);
	assert_int_equal(parse_json(with_args(json_incref(args)), &r, &e), 0);
	assert_int_equal(r.nargs, 16);
	editor_req_release(&r);
	assert_int_equal(json_array_append_new(args, json_string("x")), 0);
	expect_json(with_args(args), RC_BAD_REQUEST, "The arguments add up to more than 64 KB, "
		    "the limit (argument 17 goes over it).");
	free(big);
	/* args go with files requests too */
	assert_int_equal(parse_json(json_pack("{s:s, s:[o], s:[s]}", "language", "python", "files",
					      file("a.py", ""), "args", "-v"), &r, &e), 0);
	assert_int_equal(r.nargs, 1);
	editor_req_release(&r);
}

/* Refusals after the base64 files are decoded still free everything (SAN=1 checks). */
static void test_late_refusals(void **state)
{
	(void)state;
	expect_json(json_pack("{s:s, s:[o,o], s:[i]}", "language", "python", "files",
			      main_file("a.py", "x"), bfile("b.bin", "AAEC"), "args", 1),
		    RC_BAD_REQUEST, "Argument 1 must be a string");
	expect_json(json_pack("{s:s, s:[o]}", "language", "cobol", "files", bfile("b.bin", "AAEC")),
		    RC_UNKNOWN_LANG, "The language 'cobol' is not supported");
}

static void test_utf8(void **state)
{
	(void)state;
	expect("{\"language\":\"python\",\"code\":\"\xff\xfe\"}", RC_BAD_UTF8, "UTF-8");
	expect("{\"language\":\"python\",\"files\":[{\"name\":\"\xff.py\",\"content\":\"\"}]}",
	       RC_BAD_UTF8, "UTF-8");
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
	expect("{\"language\":\"Pythn\",\"code\":\"x\"}", RC_UNKNOWN_LANG, "'Pythn'");
	expect("{\"language\":\"python\\u0000x\",\"code\":\"x\"}", RC_UNKNOWN_LANG, "'python?x'");
	expect("{\"language\":\"ééééééééééééééééééééééééééééééééééééééééééééééééééé\",\"code\":\"x\"}",
	       RC_UNKNOWN_LANG, "...' is not supported");
}

/* A name in any case means the language; the request then carries the language's id. */
static void test_language_names(void **state)
{
	struct editor_req r;
	struct err e;

	(void)state;
	assert_int_equal(parse("{\"language\":\"Python\",\"code\":\"x\"}", &r, &e), 0);
	assert_string_equal(r.language, "python");
	assert_string_equal(r.lang->id, "python");
	editor_req_release(&r);
}

static void test_fmt_size(void **state)
{
	char s[32];

	(void)state;
	text_size(s, sizeof s, 100);
	assert_string_equal(s, "100 bytes");
	text_size(s, sizeof s, 102400);
	assert_string_equal(s, "100 KB");
	text_size(s, sizeof s, 1048576);
	assert_string_equal(s, "1.0 MB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_files_ok),
		cmocka_unit_test(test_file_fields),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_names_accepted),
		cmocka_unit_test(test_name_conflicts),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_total_size),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_late_refusals),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_unknown_language),
		cmocka_unit_test(test_language_names),
		cmocka_unit_test(test_fmt_size),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
