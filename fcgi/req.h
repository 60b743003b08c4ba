/*
 * req: the editor API's request body, parsed and validated. Pure (no I/O), so every
 * refusal can be unit-tested.
 *
 *     {"language": "python", "code": "...", "stdin": "..."}   (stdin optional)
 */
#ifndef RUNBOX_REQ_H
#define RUNBOX_REQ_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "lang.h"

struct editor_req {
	json_t *doc;            /* owns the strings below */
	const struct lang *lang;
	const char *language;   /* as sent (for the log even when unknown) */
	const char *code;
	size_t code_len;
	const char *stdin_data;
	size_t stdin_len;
};

struct req_caps {
	size_t max_code_bytes;
	size_t max_stdin_bytes;
};

/* Parse body[0..n). On success returns 0 and fills r (release with editor_req_release).
 * On refusal returns RC_BAD_JSON, RC_BAD_UTF8, RC_BAD_REQUEST, RC_TOO_LARGE or
 * RC_UNKNOWN_LANG with a sentence for the student in e->msg. r is always safe to release. */
int editor_req_parse(struct editor_req *r, const char *body, size_t n, const struct req_caps *caps,
		     struct err *e);
void editor_req_release(struct editor_req *r);

/* "12.3 KB"-style size for messages. */
void req_fmt_size(char *out, size_t cap, size_t bytes);

#endif
