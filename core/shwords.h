/*
 * shwords: split text into words the way a POSIX shell splits a command line, without a
 * shell: blanks separate words; '...' keeps everything literally; "..." keeps everything
 * but lets a backslash escape $ ` " \ and a newline; a backslash outside quotes keeps the
 * next character (a backslash-newline is removed); '' and "" make an empty word. Nothing
 * is expanded: $HOME, `cmd`, *, ~ and ; stay the characters they are.
 *
 * For Jobe's compileargs, linkargs, interpreterargs and runargs, which Jobe joins with
 * spaces into a shell command: runbox joins them the same way and splits them here, so a
 * program gets the words it would get under Jobe, and no shell ever sees them.
 */
#ifndef RUNBOX_SHWORDS_H
#define RUNBOX_SHWORDS_H

#include <stddef.h>

#include "err.h"

struct shwords {
	char **w;       /* n words, then NULL */
	size_t n;
	char *store;    /* the words' bytes */
};

/* Split len bytes of s (NUL bytes are refused). 0; RC_BAD_REQUEST with a sentence in e for
 * an unterminated quote, a NUL byte, or more than max words; RC_NOMEM. out is always safe
 * to release. */
int shwords_split(const char *s, size_t len, size_t max, struct shwords *out, struct err *e);
void shwords_release(struct shwords *w);

#endif
