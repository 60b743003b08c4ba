/* The language registry (images/languages.conf), Java entry names and command expansion.
 * Tests run from the repo root, where the real registry lives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang.h"

#define REGISTRY "images/languages.conf"

static void load_real(void)
{
	struct err e;

	err_init(&e);
	assert_int_equal(lang_load(REGISTRY, &e), 0);
}

/* argv (NULL-terminated) is exactly want[0..n-1]. */
static void assert_argv(const char *const *argv, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[n]);
}

/* lang_parse(text) fails with RC_CONFIG, the message starts with prefix ("t.conf:3: ")
 * and contains each of the given fragments (NULL-terminated). */
static void expect_error(const char *text, const char *prefix, ...)
{
	struct err e;
	const char *frag;
	va_list ap;

	err_init(&e);
	assert_int_equal(lang_parse(text, "t.conf", &e), RC_CONFIG);
	assert_int_equal(e.rc, RC_CONFIG);
	if (strncmp(e.msg, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", e.msg, prefix);
	/* a sentence follows the position */
	assert_true(strlen(e.msg) > strlen(prefix) + 10);
	va_start(ap, prefix);
	while ((frag = va_arg(ap, const char *)) != NULL)
		if (strstr(e.msg, frag) == NULL)
			fail_msg("message '%s' lacks '%s'", e.msg, frag);
	va_end(ap);
}

/* A complete section other tests can append a bad line to. */
#define OK_SECTION "[a]\nname = A\nimage = img\nfile = main.a\nrun = ./a {args}\n"

/* ---- The real registry ---------------------------------------------------------------- */

static void test_real_registry(void **state)
{
	static const char *const all[] = { "python", "javascript", "c", "cpp", "java", "rust" };
	static const char *const compiled[] = { "c", "cpp", "java", "rust" };
	const struct lang *l;
	char ids[256];
	size_t i;

	(void)state;
	load_real();
	assert_true(lang_count() >= 6);
	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		l = lang_find(all[i]);
		if (l == NULL)
			fail_msg("%s missing from %s", all[i], REGISTRY);
		assert_string_equal(l->id, all[i]);
		assert_true(l->name[0] != '\0');
		assert_true(l->image[0] != '\0');
		assert_true(l->file_name[0] != '\0');
		assert_non_null(l->run_argv[0]);
		assert_true(l->run_argv[0][0] != '\0');
	}
	for (i = 0; i < sizeof compiled / sizeof compiled[0]; i++)
		assert_non_null(lang_find(compiled[i])->compile_argv[0]);
	assert_null(lang_find("python")->compile_argv[0]);
	assert_null(lang_find("javascript")->compile_argv[0]);
	/* Ids and aliases, in any case, name one language. */
	assert_ptr_equal(lang_find("PYTHON"), lang_find("python"));
	assert_ptr_equal(lang_find("python3"), lang_find("python"));
	assert_ptr_equal(lang_find("Py"), lang_find("python"));
	assert_ptr_equal(lang_find("c++"), lang_find("cpp"));
	assert_ptr_equal(lang_find("node"), lang_find("javascript"));
	assert_ptr_equal(lang_find("rs"), lang_find("rust"));
	assert_null(lang_find("python4"));
	assert_null(lang_find(""));
	assert_null(lang_at(lang_count()));
	assert_ptr_equal(lang_at(0), lang_find("python")); /* file order */

	l = lang_find("python");
	assert_string_equal(l->name, "Python");
	assert_string_equal(l->image, "runbox/python:latest");
	assert_string_equal(l->file_name, "main.py");
	assert_argv(l->run_argv, (const char *const[]){ "python3", "{entry}", "{args}" }, 3);
	assert_int_equal(l->run.memory_bytes, 0); /* not set: the server's default */
	assert_int_equal(l->nano_cpus, 0);

	l = lang_find("java");
	assert_string_equal(l->file_name, "{class}.java");
	assert_string_equal(l->sources, ".java");
	assert_int_equal(l->run.memory_bytes, 256L << 20);
	assert_int_equal(l->compile.memory_bytes, 512L << 20);
	assert_int_equal(l->run.wall_ms, 0);
	assert_int_equal(l->nano_cpus, 0); /* runbox.conf's share */
	assert_argv(l->compile_argv, (const char *const[]){ "javac", "-J-XX:SharedArchiveFile=/usr/lib/jvm/javac.jsa", "-J-XX:TieredStopAtLevel=1",
			"-J-XX:+UseSerialGC", "-J-XX:-UsePerfData", "-encoding", "UTF-8",
			"-d", ".", "{sources}" }, 10);
	assert_argv(l->run_argv, (const char *const[]){ "java", "-Xmx{memory_mb}m", "-XX:+UseSerialGC",
			"-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", ".", "{class}", "{args}" }, 9);

	l = lang_find("c");
	assert_string_equal(l->sources, ".c");
	assert_int_equal(l->compile.memory_bytes, 384L << 20);
	assert_int_equal(l->run.memory_bytes, 0);
	assert_int_equal(l->nano_cpus, 0);

	lang_ids(ids, sizeof ids);
	assert_non_null(strstr(ids, "python, javascript, c, cpp, java, rust"));
	lang_ids(ids, 9); /* cut short, still terminated */
	assert_string_equal(ids, "python");
}

/* Aliases: any of a-z 0-9 - _ + # ., each name one language, '#' after a space a comment. */
static void test_aliases(void **state)
{
	struct err e;
	const struct lang *l;

	(void)state;
	assert_int_equal(lang_parse("[csharp]\naliases = cs, c# csharp10  # Mono\nname = C#\n"
				    "image = i\nfile = main.cs\nrun = mono main.exe\n", "t", &e), 0);
	l = lang_find("C#");
	assert_non_null(l);
	assert_string_equal(l->id, "csharp");
	assert_int_equal(l->naliases, 3);
	assert_string_equal(l->aliases[2], "csharp10");
	assert_string_equal(l->name, "C#");
	assert_ptr_equal(lang_find("cs"), l);
	assert_null(lang_find("Mono"));
	err_init(&e);
	assert_int_equal(lang_parse("[a]\naliases = x\nname = A\nimage = i\nfile = f\nrun = r\n"
				    "[b]\naliases = y x\nname = B\nimage = i\nfile = f\nrun = r\n",
				    "t", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "the alias 'x' of [a] is already a name of [b]"));
	err_init(&e);
	assert_int_equal(lang_parse("[a]\naliases = b\nname = A\nimage = i\nfile = f\nrun = r\n"
				    "[b]\nname = B\nimage = i\nfile = f\nrun = r\n", "t", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "already a name of [b]"));
	err_init(&e);
	assert_int_equal(lang_parse("[a]\naliases = Py\nname = A\nimage = i\nfile = f\nrun = r\n",
				    "t", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "'Py' cannot be an alias"));
	assert_int_equal(lang_load(REGISTRY, &e), 0); /* as the other tests expect it */
}

static void test_load_missing_file(void **state)
{
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(lang_load("tests/unit/no-such-registry.conf", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "tests/unit/no-such-registry.conf: cannot read"));
}

static void test_parse_values(void **state)
{
	struct err e;
	const struct lang *l;

	(void)state;
	err_init(&e);
	assert_int_equal(lang_parse("# comment\n\n[x-1_y+]   # trailing\n  name =  X Lang  \n"
				    "image=img:1\nfile = main.x\r\nrun = run\t{entry}  -D=1 {args}\n"
				    "wall_ms = 100\ncpu_ms = 600000\nmemory_mb = 16\n"
				    "compile_wall_ms = 2000\ncompile_cpu_ms = 1500\n"
				    "compile_memory_mb = 65536\ncpus = 0.01\n"
				    "[y]\nname=Y\nimage=i\nfile=y\nrun=y\ncpus=64\n", "t.conf", &e), 0);
	assert_int_equal(lang_count(), 2);
	l = lang_find("x-1_y+");
	assert_non_null(l);
	assert_string_equal(l->name, "X Lang");
	assert_string_equal(l->image, "img:1");
	assert_string_equal(l->file_name, "main.x");
	assert_int_equal(l->line, 3);
	assert_argv(l->run_argv, (const char *const[]){ "run", "{entry}", "-D=1", "{args}" }, 4);
	assert_null(l->compile_argv[0]);
	assert_int_equal(l->run.wall_ms, 100);
	assert_int_equal(l->run.cpu_ms, 600000);
	assert_int_equal(l->run.memory_bytes, 16L << 20);
	assert_int_equal(l->compile.wall_ms, 2000);
	assert_int_equal(l->compile.cpu_ms, 1500);
	assert_int_equal(l->compile.memory_bytes, 65536L << 20);
	assert_int_equal(l->nano_cpus, 10000000L);
	assert_int_equal(lang_find("y")->nano_cpus, 64000000000L);
	assert_int_equal(lang_find("y")->line, 15);
	/* the previous registry is replaced */
	assert_null(lang_find("python"));
}

/* ---- Errors ------------------------------------------------------------------------------ */

static void test_error_unknown_key(void **state)
{
	(void)state;
	expect_error(OK_SECTION "\n# note\ncolour = red\n", "t.conf:8: ", "unknown key 'colour'",
		     NULL);
}

static void test_error_missing_field(void **state)
{
	(void)state;
	/* in a section followed by another: the section's own line */
	expect_error("# registry\n[py]\nname = P\nimage = i\nfile = a.py\n\n" OK_SECTION,
		     "t.conf:2: ", "[py]", "'run'", NULL);
	/* in the last section */
	expect_error(OK_SECTION "\n[b]\nname = B\nfile = b\nrun = b\n", "t.conf:7: ", "[b]",
		     "'image'", NULL);
	expect_error("[b]\nimage = i\nfile = b\nrun = b\n", "t.conf:1: ", "'name'", NULL);
	expect_error("[b]\nname = B\nimage = i\nrun = b\n", "t.conf:1: ", "'file'", NULL);
	/* an empty value is as good as missing */
	expect_error("[b]\nname =\nimage = i\nfile = b\nrun = b\n", "t.conf:1: ", "'name'", NULL);
}

static void test_error_numbers(void **state)
{
	(void)state;
	expect_error(OK_SECTION "memory_mb = lots\n", "t.conf:6: ", "memory_mb", "'lots'", NULL);
	expect_error(OK_SECTION "memory_mb = 12x\n", "t.conf:6: ", "memory_mb", NULL);
	expect_error(OK_SECTION "memory_mb =\n", "t.conf:6: ", "memory_mb", NULL);
	expect_error(OK_SECTION "memory_mb = 8\n", "t.conf:6: ", "from 16 to 65536", "'8'", NULL);
	expect_error(OK_SECTION "wall_ms = 600001\n", "t.conf:6: ", "wall_ms", "600001", NULL);
	expect_error(OK_SECTION "compile_cpu_ms = -5\n", "t.conf:6: ", "compile_cpu_ms", NULL);
	expect_error(OK_SECTION "cpu_ms = 99999999999999999999999\n", "t.conf:6: ", "cpu_ms",
		     NULL);
}

static void test_error_cpus(void **state)
{
	static const char *const bad[] = { "0", "abc", "100", "64.5", "0.001", "-1", "",
					   "1.5x" };
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(snprintf(text, sizeof text, OK_SECTION "cpus = %s\n", bad[i]) <
			    (int)sizeof text);
		expect_error(text, "t.conf:6: ", "cpus must be", NULL);
	}
}

static void test_error_sections(void **state)
{
	(void)state;
	expect_error(OK_SECTION "[a]\n", "t.conf:6: ", "[a]", "twice", "line 1", NULL);
	expect_error("[Py thon]\n", "t.conf:1: ", "'Py thon'", "not a valid language id", NULL);
	expect_error("\n[PY]\n", "t.conf:2: ", "'PY'", NULL);
	expect_error("[]\n", "t.conf:1: ", "not a valid language id", NULL);
	expect_error("[a\n", "t.conf:1: ", "[id]", NULL);
	expect_error("[a] x\n", "t.conf:1: ", "[id]", NULL);
	expect_error("# top\n\nname = x\n" OK_SECTION, "t.conf:3: ", "before the first", NULL);
	expect_error(OK_SECTION "name Python\n", "t.conf:6: ", "key = value", NULL);
	expect_error("garbage\n", "t.conf:1: ", "key = value", NULL);
	/* No section at all has no line to point at. */
	expect_error("", "t.conf: ", "no languages", NULL);
	expect_error("# only a comment\n\n", "t.conf: ", "no languages", NULL);
}

static void test_error_file_and_command(void **state)
{
	char text[1024];
	int w, i;

	(void)state;
	expect_error(OK_SECTION "file = src/main.c\n", "t.conf:6: ", "plain file name", NULL);
	expect_error(OK_SECTION "file = ..main.c\n", "t.conf:6: ", "plain file name", NULL);
	expect_error(OK_SECTION "file = ../main.c\n", "t.conf:6: ", "plain file name", NULL);
	expect_error(OK_SECTION "run =   \n", "t.conf:6: ", "command", NULL);

	/* 32 words are fine, 33 are not */
	w = snprintf(text, sizeof text, OK_SECTION "compile = w0");
	for (i = 1; i < LANG_ARGV_MAX; i++)
		w += snprintf(text + w, sizeof text - (size_t)w, " w%d", i);
	assert_true(w + 10 < (int)sizeof text);
	{
		struct err e;
		const struct lang *l;

		err_init(&e);
		assert_int_equal(lang_parse(text, "t.conf", &e), 0);
		l = lang_find("a");
		assert_string_equal(l->compile_argv[LANG_ARGV_MAX - 1], "w31");
		assert_null(l->compile_argv[LANG_ARGV_MAX]);
	}
	(void)snprintf(text + w, sizeof text - (size_t)w, " w32\n");
	expect_error(text, "t.conf:6: ", "at most 32 words", NULL);
}

/* ---- A failed parse keeps the old registry ---------------------------------------------- */

static void test_failed_parse_keeps_registry(void **state)
{
	static const char *const bad[] = {
		/* fills the command buffers of slots 0 and 1 before failing */
		"[evil]\nname = E\nimage = e\nfile = e\nrun = EVIL EVIL EVIL EVIL\n"
		"compile = XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n"
		"[evil2]\nname = E\nimage = e\nfile = e\nrun = EVIL2 {args}\n"
		"compile = YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY\nbogus = 1\n",
		/* fails inside a command that overwrites slot 0 */
		"[evil]\nrun = Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z Z\n",
		"[evil]\nname = E\nimage = e\nrun = EVIL\n",
		"[evil]\nname = E\nimage = e\nfile = e\nrun = EVIL\n[c]\nrun = x\n",
		"",
	};
	const struct lang *py, *c, *java;
	struct err e;
	size_t i, n;

	(void)state;
	load_real();
	n = lang_count();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_init(&e);
		assert_int_equal(lang_parse(bad[i], "bad.conf", &e), RC_CONFIG);
		assert_int_equal(lang_count(), n);
		assert_null(lang_find("evil"));
		py = lang_find("python");
		c = lang_find("c");
		java = lang_find("java");
		assert_non_null(py);
		assert_non_null(c);
		assert_non_null(java);
		assert_string_equal(py->name, "Python");
		assert_argv(py->run_argv, (const char *const[]){ "python3", "{entry}", "{args}" }, 3);
		assert_null(py->compile_argv[0]);
		assert_argv(lang_find("javascript")->run_argv,
			    (const char *const[]){ "node", "{entry}", "{args}" }, 3);
		assert_argv(c->compile_argv, (const char *const[]){ "gcc", "-std=gnu17", "-Wall",
				"-Wextra", "-O2", "-o", "main", "{sources}", "-lm" }, 9);
		assert_argv(c->run_argv, (const char *const[]){ "./main", "{args}" }, 2);
		assert_string_equal(java->run_argv[7], "{class}");
		assert_int_equal(java->run.memory_bytes, 256L << 20);
	}
	/* and a missing registry file changes nothing either */
	assert_int_equal(lang_load("tests/unit/no-such-registry.conf", &e), RC_CONFIG);
	assert_int_equal(lang_count(), n);
	assert_argv(lang_find("python")->run_argv,
		    (const char *const[]){ "python3", "{entry}", "{args}" }, 3);
}

/* ---- lang_entry_name ---------------------------------------------------------------------- */

static const struct lang java_lang = { .id = "java", .file_name = "{class}.java" };

/* The entry name for code, passed without its terminating NUL (in a buffer of its exact
 * size, so a read past len shows under the sanitizers). */
static void assert_entry(const struct lang *l, const char *code, const char *want)
{
	size_t len = strlen(code);
	char *copy = malloc(len ? len : 1), out[64];

	assert_non_null(copy);
	memcpy(copy, code, len);
	assert_int_equal(lang_entry_name(l, copy, len, out, sizeof out), 0);
	assert_string_equal(out, want);
	free(copy);
}

static void test_entry_name_java(void **state)
{
	(void)state;
	assert_entry(&java_lang, "public class Hello {\n  public static void main(String[] a) {}\n}\n",
		     "Hello.java");
	assert_entry(&java_lang, "public final class A {}", "A.java");
	assert_entry(&java_lang, "final public class B {}", "B.java");
	assert_entry(&java_lang, "public abstract class Shape_1$ {}", "Shape_1$.java");
	assert_entry(&java_lang, "import java.util.*;\n\nclass Helper {}\npublic class Real {}",
		     "Real.java");
	assert_entry(&java_lang, "// public class Fake\npublic class Real {}", "Real.java");
	assert_entry(&java_lang, "/* public class Fake */ public class Real {}", "Real.java");
	assert_entry(&java_lang, "/** doc: public class\n * Fake */\npublic class Real {}",
		     "Real.java");
	assert_entry(&java_lang, "class X { String s = \"public class Fake\"; }\n"
		     "public class Real {}", "Real.java");
	assert_entry(&java_lang, "class X { String s = \"\\\" public class Fake\"; char c = '\"'; }\n"
		     "public class Real {}", "Real.java");
	assert_entry(&java_lang, "class X { Class<?> k = String.class; }\npublic class Real {}",
		     "Real.java");
	assert_entry(&java_lang, "public class First {}\npublic class Second {}", "First.java");
	/* any public top-level type: main() may live in an interface, an enum or a record */
	assert_entry(&java_lang, "public interface Greeter {\n  static void main(String[] a) {}\n}",
		     "Greeter.java");
	assert_entry(&java_lang, "public enum Color { RED; public static void main(String[] a) {} }",
		     "Color.java");
	assert_entry(&java_lang, "public record Point(int x, int y) {}", "Point.java");
	assert_entry(&java_lang, "public sealed interface Shape permits Sq {}\nfinal class Sq implements Shape {}",
		     "Shape.java");
	assert_entry(&java_lang, "public @interface Tag {}", "Tag.java");
	assert_entry(&java_lang, "@Deprecated public class Old {}", "Old.java");
	assert_entry(&java_lang, "public @SuppressWarnings(\"all\") final class Quiet {}", "Quiet.java");
	assert_entry(&java_lang, "public non-sealed class Open extends Base {}", "Open.java");
	/* only top level: a public type nested in another is not the file's */
	assert_entry(&java_lang, "class Outer { public class Inner {} }\npublic class Real {}",
		     "Real.java");
	assert_entry(&java_lang, "class Outer { public interface In {} public enum E { A } }",
		     "Main.java");
	/* a text block is a literal */
	assert_entry(&java_lang, "class X { String t = \"\"\"\n  public class Fake {\n  \"\"\"; }\n"
		     "public class Real {}", "Real.java");
	/* no public class */
	assert_entry(&java_lang, "class Foo { public static void main(String[] a) {} }",
		     "Main.java");
	assert_entry(&java_lang, "final class Foo {}", "Main.java");
	assert_entry(&java_lang, "", "Main.java");
	assert_entry(&java_lang, "public class", "Main.java");
	assert_entry(&java_lang, "/* public class Never", "Main.java");
	assert_entry(&java_lang, "String s = \"public class Never", "Main.java");
	/* len is honoured: the name ends where the code does */
	{
		char out[64];

		assert_int_equal(lang_entry_name(&java_lang, "public class HelloWorld", 18, out,
						 sizeof out), 0);
		assert_string_equal(out, "Hello.java");
	}
}

static void test_entry_name_plain(void **state)
{
	struct lang py = { .id = "python", .file_name = "main.py" };
	char out[8];

	(void)state;
	assert_entry(&py, "public class Hello {}", "main.py");
	assert_entry(&py, "", "main.py");
	/* out too small */
	assert_int_equal(lang_entry_name(&py, "", 0, out, 7), RC_BAD_REQUEST);
	assert_int_equal(lang_entry_name(&py, "", 0, out, 8), 0);
	assert_string_equal(out, "main.py");
	assert_int_equal(lang_entry_name(&java_lang, "public class Abcd {}", 20, out, sizeof out),
			 RC_BAD_REQUEST); /* "Abcd.java" needs 10 bytes */
}

static void test_entry_name_real_registry(void **state)
{
	(void)state;
	load_real();
	assert_entry(lang_find("java"), "public class Greeter {}", "Greeter.java");
	assert_entry(lang_find("c"), "public class Greeter {}", "main.c");
	assert_entry(lang_find("rust"), "", "main.rs");
}

/* ---- lang_expand -------------------------------------------------------------------------- */

#define ARGV_CAP (LANG_ARGV_MAX + 1)

static void test_expand_entry_class(void **state)
{
	static const char *const tmpl[] = { "javac", "-o{class}", "x{entry}y", "{class}{class}",
					    "{entry}", "{class", "{args}x", "{stem}.js", NULL };
	const char *argv[ARGV_CAP], *files[] = { "Hello.java" };
	char *store = NULL;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(lang_expand(tmpl, "Hello.java", files, 1, ".java", NULL, 0, argv,
				     ARGV_CAP, &store, &e), 0);
	/* {args} and {sources} are placeholders only as whole words */
	assert_argv(argv, (const char *const[]){ "javac", "-oHello", "xHello.javay", "HelloHello",
			"Hello.java", "{class", "{args}x", "Hello.js" }, 8);
	free(store);

	/* an entry in a folder: {class} is the bare name, {entry} the path */
	assert_int_equal(lang_expand(tmpl, "pkg/Main.java", files, 1, NULL, NULL, 0, argv,
				     ARGV_CAP, &store, &e), 0);
	assert_string_equal(argv[1], "-oMain");
	assert_string_equal(argv[2], "xpkg/Main.javay");
	assert_string_equal(argv[3], "MainMain");
	assert_string_equal(argv[7], "pkg/Main.js"); /* {stem} keeps the folder */
	free(store);

	/* a dot in the folder is not the extension */
	assert_int_equal(lang_expand(tmpl, "a.b/Run", files, 1, NULL, NULL, 0, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_string_equal(argv[1], "-oRun");
	assert_string_equal(argv[7], "a.b/Run.js");
	free(store);
}

static void test_expand_sources(void **state)
{
	static const char *const tmpl[] = { "gcc", "-o", "main", "{sources}", "-lm", NULL };
	const char *files[] = { "z.c", "util.h", "a.c", "notes.txt", "main.cc", "c", "lib/m.c" };
	const char *argv[ARGV_CAP];
	char *store = NULL;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(lang_expand(tmpl, "z.c", files, 7, ".c", NULL, 0, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "gcc", "-o", "main", "z.c", "a.c", "lib/m.c",
			"-lm" }, 7);
	free(store);

	/* no extension: every file, in order */
	assert_int_equal(lang_expand(tmpl, "z.c", files, 7, "", NULL, 0, argv, ARGV_CAP, &store,
				     &e), 0);
	assert_argv(argv, (const char *const[]){ "gcc", "-o", "main", "z.c", "util.h", "a.c",
			"notes.txt", "main.cc", "c", "lib/m.c", "-lm" }, 11);
	free(store);
	assert_int_equal(lang_expand(tmpl, "z.c", files, 2, NULL, NULL, 0, argv, ARGV_CAP, &store,
				     &e), 0);
	assert_argv(argv, (const char *const[]){ "gcc", "-o", "main", "z.c", "util.h", "-lm" }, 6);
	free(store);

	/* nothing matches: {sources} expands to nothing */
	assert_int_equal(lang_expand(tmpl, "z.c", files, 7, ".rs", NULL, 0, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "gcc", "-o", "main", "-lm" }, 4);
	free(store);
}

static void test_expand_args_verbatim(void **state)
{
	static const char *const tmpl[] = { "./main", "{args}", "--", NULL };
	static const char *const args[] = {
		"two words", "\"quoted\"", "it's", "a;rm -rf /", "$(id)", "`id`", "line1\nline2",
		"", "  ", "{entry}", "{class}", "{args}", "*", "$HOME", "|&>< \\", "\t",
		"caf\xc3\xa9",
	};
	const size_t nargs = sizeof args / sizeof args[0];
	const char *argv[ARGV_CAP], *files[] = { "main.c" };
	char *store = NULL;
	struct err e;
	size_t i;

	(void)state;
	err_init(&e);
	assert_int_equal(lang_expand(tmpl, "main.c", files, 1, ".c", args, nargs, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_string_equal(argv[0], "./main");
	for (i = 0; i < nargs; i++) {
		assert_int_equal(strlen(argv[1 + i]), strlen(args[i]));
		assert_memory_equal(argv[1 + i], args[i], strlen(args[i]) + 1);
	}
	assert_string_equal(argv[1 + nargs], "--");
	assert_null(argv[2 + nargs]);
	free(store);

	/* no arguments: {args} leaves nothing, not an empty word */
	assert_int_equal(lang_expand(tmpl, "main.c", files, 1, ".c", NULL, 0, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "./main", "--" }, 2);
	free(store);
	assert_int_equal(lang_expand(tmpl, "main.c", files, 1, ".c", args, 0, argv, ARGV_CAP,
				     &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "./main", "--" }, 2);
	free(store);
}

/* A list of one word is also replaced inside a word: the JVM's -Xmx{memory_mb}m. */
static void test_expand_word_inside(void **state)
{
	static const char *const tmpl[] = { "java", "-Xmx{memory_mb}m", "{memory_mb}", "{class}",
					     NULL };
	const char *mb[] = { "256" };
	const struct lang_list lists[] = { { "{memory_mb}", mb, 1 } };
	const char *argv[16];
	char *store = NULL;
	struct err e;

	(void)state;
	assert_int_equal(lang_expand_lists(tmpl, "Main.java", (const char *const[]){ "Main.java" }, 1,
					   NULL, lists, 1, argv, 16, &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "java", "-Xmx256m", "256", "Main" }, 4);
	free(store);
}

static void test_expand_too_many(void **state)
{
	static const char *const tmpl[] = { "run", "{args}", NULL };
	static const char *const args[] = { "a", "b", "c", "d" };
	static const char *const many_tmpl[] = { "cc", "{sources}", "{args}", NULL };
	const char *argv[ARGV_CAP], *files[] = { "x" };
	const char *many[LANG_ARGV_MAX + 1];
	char *store = (char *)"untouched";
	struct err e;
	size_t i;

	(void)state;
	/* max counts the terminating NULL: 4 slots hold 3 words */
	err_init(&e);
	assert_int_equal(lang_expand(tmpl, "x", files, 1, NULL, args, 2, argv, 4, &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "run", "a", "b" }, 3);
	free(store);

	store = (char *)"untouched";
	assert_int_equal(lang_expand(tmpl, "x", files, 1, NULL, args, 3, argv, 4, &store, &e),
			 RC_BAD_REQUEST);
	assert_int_equal(e.rc, RC_BAD_REQUEST);
	assert_null(store);
	assert_non_null(strstr(e.msg, "more than 3 words"));

	/* the real limit, reached through files and arguments together */
	for (i = 0; i < LANG_ARGV_MAX + 1; i++)
		many[i] = "f.c";
	err_init(&e);
	assert_int_equal(lang_expand(many_tmpl, "f.c", many, LANG_ARGV_MAX - 1, ".c", NULL, 0,
				     argv, ARGV_CAP, &store, &e), 0);
	assert_null(argv[LANG_ARGV_MAX]);
	free(store);
	assert_int_equal(lang_expand(many_tmpl, "f.c", many, LANG_ARGV_MAX - 1, ".c", args, 1,
				     argv, ARGV_CAP, &store, &e), RC_BAD_REQUEST);
	assert_null(store);
	assert_non_null(strstr(e.msg, "more than 32 words"));
	/* a template word alone past the limit */
	assert_int_equal(lang_expand(tmpl, "x", files, 1, NULL, NULL, 0, argv, 1, &store, &e),
			 RC_BAD_REQUEST);
	assert_null(store);
}

static void test_expand_real_java(void **state)
{
	static const char *const args[] = { "a b", "$(reboot)" };
	const char *files[] = { "Greeter.java", "util/Helper.java", "data.txt" };
	const char *argv[ARGV_CAP];
	const struct lang *java;
	char *store = NULL;
	struct err e;

	(void)state;
	load_real();
	java = lang_find("java");
	err_init(&e);
	assert_int_equal(lang_expand(java->compile_argv, files[0], files, 3, java->sources, args, 2,
				     argv, ARGV_CAP, &store, &e), 0);
	assert_argv(argv, (const char *const[]){ "javac", "-J-XX:SharedArchiveFile=/usr/lib/jvm/javac.jsa", "-J-XX:TieredStopAtLevel=1",
			"-J-XX:+UseSerialGC", "-J-XX:-UsePerfData", "-encoding", "UTF-8", "-d", ".",
			"Greeter.java", "util/Helper.java" }, 11);
	free(store);
	assert_int_equal(lang_expand(java->run_argv, files[0], files, 3, java->sources, args, 2,
				     argv, ARGV_CAP, &store, &e), 0);
	/* {memory_mb} is the pipeline's list: without it the word stays as it is. */
	assert_argv(argv, (const char *const[]){ "java", "-Xmx{memory_mb}m", "-XX:+UseSerialGC",
			"-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", ".", "Greeter", "a b",
			"$(reboot)" }, 10);
	free(store);
	/* the template is not changed by expanding it */
	assert_string_equal(java->run_argv[7], "{class}");
	assert_string_equal(java->run_argv[8], "{args}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_registry),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_missing_field),
		cmocka_unit_test(test_error_numbers),
		cmocka_unit_test(test_error_cpus),
		cmocka_unit_test(test_error_sections),
		cmocka_unit_test(test_error_file_and_command),
		cmocka_unit_test(test_failed_parse_keeps_registry),
		cmocka_unit_test(test_entry_name_java),
		cmocka_unit_test(test_entry_name_plain),
		cmocka_unit_test(test_entry_name_real_registry),
		cmocka_unit_test(test_expand_entry_class),
		cmocka_unit_test(test_expand_sources),
		cmocka_unit_test(test_expand_args_verbatim),
		cmocka_unit_test(test_expand_word_inside),
		cmocka_unit_test(test_expand_too_many),
		cmocka_unit_test(test_expand_real_java),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
