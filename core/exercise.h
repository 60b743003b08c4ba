/*
 * exercise: a teacher's exercise as written in its folder's exercise.conf. Pure: it parses
 * text; the caller reads the files the definition names (instructions, starter code, case
 * inputs and outputs, test suites) from the folder.
 *
 * Format (runbox.conf's: "key = value", '#' comments), one [case NAME] section per I/O case:
 *
 *   id = fib                       letters, digits, '-' and '_', at most 63
 *   title = Fibonacci numbers      what students read                      (required)
 *   languages = python c           the languages it accepts               (required)
 *   instructions = README.md       a file of the folder, shown to students
 *   starter.python = main.py       starter code, per language
 *   suite.python = tests/          a test suite in the language's framework, per language
 *   wall_ms = 2000                 limits, lower than the server's
 *   memory_mb = 64
 *
 *   [case small]
 *   stdin = 5                      the input, inline (\n \t \\ escapes), or
 *   stdin_file = cases/small.in    from a file of the folder
 *   args = a b                     the program's arguments, split at spaces
 *   files = one/data.txt           files of the folder the program finds in its work
 *                                  folder during this case only, under their own names
 *                                  ("data.txt"), at most 8, split at spaces
 *   expected = 5\n                 the expected stdout, inline, or
 *   expected_file = cases/small.out
 *   exit = 0                       the expected exit code (default: not checked)
 *   compare = trailing             exact, trailing (default), tokens, numbers (compare.h)
 *   tolerance = 1e-6               for numbers
 *   hidden = yes                   students see only its name and verdict
 *   weight = 2                     its share of the score (default 1)
 *
 * File names are relative to the folder, without "..": exercise_parse refuses others.
 */
#ifndef RUNBOX_EXERCISE_H
#define RUNBOX_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "err.h"

#define EXERCISE_MAX_CASES 100
#define EXERCISE_MAX_LANGS 32      /* as many as the registry holds (LANG_MAX) */
#define EXERCISE_TEXT_MAX 4096      /* an inline stdin or expected output */
#define EXERCISE_PATH_MAX 256
#define EXERCISE_CASE_FILES 8       /* a case's own files */

struct exercise_case {
	char name[64];
	char stdin_text[EXERCISE_TEXT_MAX];   /* inline, escapes decoded */
	size_t stdin_len;
	char stdin_file[EXERCISE_PATH_MAX];   /* or from this file ("" = inline) */
	char args[512];
	char files[EXERCISE_CASE_FILES][EXERCISE_PATH_MAX];
	size_t nfiles;
	char expected_text[EXERCISE_TEXT_MAX];
	size_t expected_len;
	char expected_file[EXERCISE_PATH_MAX];
	bool has_expected;
	int exit_code;                        /* -1: not checked */
	enum cmp_mode compare;
	double tolerance;
	bool hidden;
	int weight;
	int line;                             /* where its section starts */
};

struct exercise_lang {
	char id[32];
	char starter[EXERCISE_PATH_MAX];      /* "" = none */
	char suite[EXERCISE_PATH_MAX];        /* "" = none */
};

struct exercise {
	char id[64];
	char title[128];
	char instructions[EXERCISE_PATH_MAX];
	struct exercise_lang langs[EXERCISE_MAX_LANGS];
	size_t nlangs;
	long wall_ms, memory_bytes;           /* 0: the server's */
	struct exercise_case cases[EXERCISE_MAX_CASES];
	size_t ncases;
};

/* Parse text (name names it in messages) into *out, which is filled from zero. Returns 0,
 * or RC_BAD_REQUEST with "name:line: sentence" in e: an unknown key, a bad value, a file
 * name outside the folder, a key set twice, a case without an expected output (unless the
 * exercise has a test suite), a starter or suite for a language it does not accept, no
 * title, no language, no case and no suite. Languages are not checked against the
 * registry here (the caller does). */
int exercise_parse(const char *text, const char *name, struct exercise *out, struct err *e);

/* Whether id is an exercise id as exercise.conf allows it: 1 to 63 letters, digits, '-'
 * and '_'. Pure. */
bool exercise_id_valid(const char *id);

/* The exercise's entry for language id, or NULL. */
const struct exercise_lang *exercise_lang(const struct exercise *x, const char *id);

/* Whether path is one of the files a suite named suite holds: the file itself, or one under
 * it when it names a folder ("tests" or "tests/"). Pure. */
bool exercise_in_suite(const char *suite, const char *path);
/* Every file x names (instructions, starters, cases' stdin_file and expected_file) is one of
 * paths[0..n), and each suite has at least one: 0, or RC_BAD_REQUEST with the first one
 * missing named in e. Pure. */
int exercise_check_files(const struct exercise *x, const char *const *paths, size_t n,
			 struct err *e);

#endif
