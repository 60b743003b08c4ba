/*
 * req: the editor API's request body, parsed and validated. Pure (no I/O), so every
 * refusal can be unit-tested.
 *
 * A program comes either as one piece of code or as a list of files (never both):
 *
 *     {"language": "python", "code": "...", "stdin": "...", "args": ["--fast"]}
 *
 *     {"language": "python",
 *      "files": [{"name": "main.py", "content": "...", "main": true},
 *                {"name": "util/helpers.py", "content": "..."},
 *                {"name": "data.bin", "content": "AAEC", "encoding": "base64"}],
 *      "entry": "main.py",        (optional: another way to say which file is the entry)
 *      "args": ["--fast", "x y"], (optional)
 *      "stdin": "..."}            (optional)
 *
 * The entry point is the file with "main": true, or the one "entry" names (if both are
 * given they must agree); with neither, a single file is the entry and several files are
 * refused. File names are relative paths: see REQ_MAX_NAME and editor_req_parse.
 */
#ifndef RUNBOX_REQ_H
#define RUNBOX_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "lang.h"

#define REQ_MAX_FILES 64         /* files in one request */
#define REQ_MAX_NAME 100         /* bytes in a file name */
#define REQ_MAX_DEPTH 8          /* parts of a file name ("a/b/c.py" has 3) */
#define REQ_MAX_ARGS 64          /* program arguments */
#define REQ_MAX_ARG 4096         /* bytes in one argument */
#define REQ_MAX_ARGS_TOTAL 65536 /* bytes in all arguments together */

struct req_file {
	const char *name;             /* relative path; NULL for a "code" request (the caller
				       * uses the language's default file name) */
	const unsigned char *content; /* len bytes, may contain NUL; not NUL-terminated when
				       * binary */
	size_t len;
	int binary;                   /* sent as base64: any bytes. Otherwise UTF-8 text. */
};

struct editor_req {
	json_t *doc;            /* owns every string below */
	const struct lang *lang;
	const char *language;   /* as sent (for the log even when unknown) */
	const char *code;       /* a "code" request's code; NULL for a "files" request */
	size_t code_len;        /* 0 for a "files" request: use total_len for size checks */
	const char *stdin_data; /* NULL if not sent */
	size_t stdin_len;
	/* Both shapes: a "code" request gives one file named NULL with the code as content,
	 * so callers can treat both alike. */
	struct req_file *files;
	size_t nfiles;          /* 1..REQ_MAX_FILES after a successful parse */
	size_t entry;           /* index in files of the entry point */
	size_t total_len;       /* sum of files[].len (the program's size) */
	const char **args;      /* nargs strings, then NULL; NULL when nargs is 0. May contain
				 * any character but NUL. */
	size_t nargs;
	unsigned char *decoded; /* private: owns the decoded base64 contents */
};

struct req_caps {
	size_t max_code_bytes;  /* the code, or all files' decoded contents together */
	size_t max_stdin_bytes;
};

/* Parse body[0..n). On success returns 0 and fills r (release with editor_req_release).
 * On refusal returns RC_BAD_JSON, RC_BAD_UTF8, RC_BAD_REQUEST, RC_TOO_LARGE (code or
 * files over caps->max_code_bytes, stdin over caps->max_stdin_bytes), RC_NOMEM or
 * RC_UNKNOWN_LANG, with a sentence for the student in e->msg (valid UTF-8). Refusals about
 * a file start "File <n> ('<name>')" and about an argument "Argument <n>", counting from 1
 * (the name is left out when it is empty or has control characters).
 *
 * A file name is refused when it is empty, longer than REQ_MAX_NAME bytes, contains a
 * control character (NUL, U+0001..U+001F, U+007F..U+009F) or '\', starts with '/', has an
 * empty part ("a//b", "a/"), a "." or ".." part, or more than REQ_MAX_DEPTH parts; when
 * two files have the same name, or one file's name is another's folder ("a", "a/b.py").
 * Dotfiles and names starting with '-' are allowed. A base64 file must use the standard
 * alphabet with '=' padding and nothing else (no spaces, no line breaks).
 *
 * r is always safe to release, even after a refusal. */
int editor_req_parse(struct editor_req *r, const char *body, size_t n, const struct req_caps *caps,
		     struct err *e);
/* Free what r owns (the document, the file and argument arrays, decoded contents). */
void editor_req_release(struct editor_req *r);
/* editor_req_parse for a request that may have more fields than the editor's (extra, which
 * the caller reads from r->doc itself), and may leave out the language when lang_optional
 * (r->language and r->lang are then NULL). */
int editor_req_parse_more(struct editor_req *r, const char *body, size_t n,
			  const struct req_caps *caps, const char *const *extra, size_t nextra,
			  bool lang_optional, struct err *e);

/* The pieces other faces share with this one: a file name's check (the rules above; lab
 * starts the sentence, e.g. "File 2 ('x')"), and strict base64 (req_b64_check gives the
 * decoded length, or -1 with what is wrong in why; req_b64_decode decodes what it
 * accepted). */
int req_check_name(const char *lab, const char *name, size_t n, struct err *e);
int req_b64_check(const char *s, size_t n, size_t *len, char *why, size_t cap);
void req_b64_decode(const char *s, size_t n, unsigned char *out);


#endif
