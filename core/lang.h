/*
 * lang: the languages runbox runs, read from the language registry file
 * (images/languages.conf; the `languages` key of runbox.conf names it). An admin adds or
 * changes a language by editing that file and building an image, not the C code.
 *
 * The registry is loaded once, at start-up, before the FastCGI workers are forked, and is
 * read-only afterwards: that is why it can be process-wide state (every worker shares the
 * same copy-on-write table) instead of a handle passed everywhere.
 *
 * Format: the config file's own ("key = value", '#' comments), one [id] section per
 * language:
 *
 *     [c]
 *     name = C
 *     image = runbox/gcc:latest
 *     file = main.c                 # the entry file for single-file requests
 *     sources = .c                  # what {sources} expands to
 *     compile = gcc -Wall -O2 -o main {sources} -lm
 *     run = ./main {args}
 *     compile_memory_mb = 512
 *
 * Commands are split at spaces (no shell is ever involved). Placeholders: {entry} the
 * entry file, {class} the entry file's name without folder and extension (Java), {stem}
 * the entry file without its extension, in its folder (src/main.ts: src/main), {sources}
 * every submitted file ending in `sources` (one argument each), {args} the program's
 * arguments (one each). `file = {class}.java` derives the file name from the code's
 * public class. For test suites (test_compile, test): {suite} the suite's read-only folder,
 * {suite_sources} its files ending in `sources`, {suite_files} all of its files.
 */
#ifndef RUNBOX_LANG_H
#define RUNBOX_LANG_H

#include <stddef.h>

#include "err.h"

#define LANG_ARGV_MAX 32
#define LANG_MAX 32
#define LANG_ALIASES_MAX 8

struct lang_stage_limits {
	long wall_ms, cpu_ms, memory_bytes; /* 0 = the server's default from runbox.conf */
};

struct lang {
	char id[32];          /* "python": what requests name */
	/* Other names requests may use for it ("python3", "py"); what is stored and answered
	 * is always the id. */
	char aliases[LANG_ALIASES_MAX][24];
	size_t naliases;
	char name[64];        /* "Python": what people read */
	char image[128];
	char file_name[64];   /* entry file for single-file requests, or "{class}.java" */
	char sources[16];     /* extension {sources} selects, e.g. ".c"; empty = every file */
	const char *compile_argv[LANG_ARGV_MAX + 1]; /* NULL-terminated; [0] NULL = no compile */
	const char *run_argv[LANG_ARGV_MAX + 1];
	/* A teacher's test suite: the compile command with it ([0] NULL: the language's own
	 * compile), the command that runs it, writing its report to fd 3 ([0] NULL: this
	 * language runs no suites), and the report's format (core/report.h's names). */
	const char *test_compile_argv[LANG_ARGV_MAX + 1];
	const char *test_argv[LANG_ARGV_MAX + 1];
	char test_report[16];
	struct lang_stage_limits run, compile;
	long nano_cpus;       /* 0 = the server's default */
	long reuse_runs;      /* jobs one container serves; -1 = runbox.conf's reuse_runs */
	long pool_size;       /* warm containers kept waiting; -1 = runbox.conf's pool_size */
	int line;             /* where the section starts, for messages */
};

/* Load the registry from path, replacing any loaded before. On error returns RC_CONFIG
 * with "path:line: sentence" in e, and the previous registry stays. */
int lang_load(const char *path, struct err *e);
/* Same from text in memory; name is used in messages. */
int lang_parse(const char *text, const char *name, struct err *e);

/* The language with this id or alias (either in any case: "Python3", "C#"), or NULL. */
const struct lang *lang_find(const char *id);
/* Number of languages, and the i-th (0 <= i < lang_count()). */
size_t lang_count(void);
const struct lang *lang_at(size_t i);
/* "python, c" style list of ids for messages, into out (always NUL-terminated). */
void lang_ids(char *out, size_t cap);

/* The file name a single-file program gets: file_name, or for "{class}.java" the first
 * public class declared in code ("Main" if none). Returns 0 or RC_BAD_REQUEST. */
int lang_entry_name(const struct lang *l, const char *code, size_t len, char *out, size_t cap);

/* Expand a command template into argv (pointers into strings owned by *store, which the
 * caller frees). files are all submitted names; entry is the entry file's name. Returns 0,
 * RC_NOMEM, or RC_BAD_REQUEST if the result would be longer than max. */
int lang_expand(const char *const *tmpl, const char *entry, const char *const *files,
		size_t nfiles, const char *sources, const char *const *args, size_t nargs,
		const char **argv, size_t max, char **store, struct err *e);

/* A list placeholder: the word name ("{args}") expands to words, one argument each, copied
 * as they are (no placeholders inside them). A list of one word is also replaced inside a
 * word: "-Xmx{memory_mb}m" with {memory_mb} = "256" gives "-Xmx256m". */
struct lang_list {
	const char *name;
	const char *const *words;
	size_t n;
};
/* lang_expand with any list placeholders ({args} among them, if wanted). */
int lang_expand_lists(const char *const *tmpl, const char *entry, const char *const *files,
		      size_t nfiles, const char *sources, const struct lang_list *lists,
		      size_t nlists, const char **argv, size_t max, char **store, struct err *e);

#endif
