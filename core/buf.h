/*
 * buf: a length-carrying byte buffer with a hard cap (curl's dynbuf).
 *
 * Program output is bytes, not C strings: it may hold NUL bytes and invalid UTF-8.
 * Appends beyond the cap are cut at the cap and set `truncated`; they are not errors.
 */
#ifndef RUNBOX_BUF_H
#define RUNBOX_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct buf {
	unsigned char *data; /* NUL-terminated for convenience; len excludes the NUL */
	size_t len, alloc, cap;
	bool truncated;
};

/* No allocation. cap is the most bytes the buffer will ever hold. */
void buf_init(struct buf *b, size_t cap);
/* Free the contents; the buffer is empty (same cap) afterwards. */
void buf_release(struct buf *b);

/* Append up to the cap. Returns 0, or RC_NOMEM (the buffer is unchanged). */
int buf_add(struct buf *b, const void *p, size_t n);

/* Returns true when p[0..n) is valid UTF-8 (no overlongs, surrogates or values > U+10FFFF). */
bool utf8_valid(const unsigned char *p, size_t n);

/* Copy p[0..n) into out as valid UTF-8, each invalid byte replaced by U+FFFD. out is
 * initialised by the caller (its cap must allow 3*n bytes to hold everything).
 * Returns 0 or RC_NOMEM. */
int utf8_sanitize(struct buf *out, const unsigned char *p, size_t n);

/* p[0..n) as valid UTF-8 text: p itself when it already is (nothing copied), else a copy
 * in tmp with each invalid byte replaced by U+FFFD (*replaced set). tmp is initialised
 * here either way; the caller releases it. *len gets the text's length. NULL only when
 * memory ran out. */
const char *utf8_text(const unsigned char *p, size_t n, struct buf *tmp, size_t *len,
		      bool *replaced);
/* p[0..n) as a JSON string, made valid UTF-8 by utf8_text (*replaced, if not NULL, says
 * whether anything was replaced). NULL only when memory ran out. */
json_t *utf8_json(const unsigned char *p, size_t n, bool *replaced);

#endif
