/*
 * lang: the languages runbox can run, and how.
 *
 * For now one built-in entry (Python); the image comes from the config. The language
 * registry file replaces this table without changing this interface.
 */
#ifndef RUNBOX_LANG_H
#define RUNBOX_LANG_H

#include <stddef.h>

#define LANG_ARGV_MAX 8

struct lang {
	const char *id;        /* "python": what requests name */
	const char *name;      /* "Python": what people read */
	const char *file_name; /* the program's file in /work */
	const char *run_argv[LANG_ARGV_MAX]; /* NULL-terminated */
	const char *version_argv[LANG_ARGV_MAX];
};

/* The language with this id, or NULL. */
const struct lang *lang_find(const char *id);
/* Number of languages, and the i-th (0 <= i < lang_count()). */
size_t lang_count(void);
const struct lang *lang_at(size_t i);
/* "python, c" style list of ids for messages, into out (always NUL-terminated). */
void lang_ids(char *out, size_t cap);

#endif
