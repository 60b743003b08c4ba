#include "req.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "text.h"

#define NONE ((size_t)-1)
#define LABEL_MAX 96 /* "File 64 ('<up to 63 bytes of name>...')" */

void editor_req_release(struct editor_req *r)
{
	free(r->files);
	free(r->args);
	free(r->decoded);
	json_decref(r->doc);
	memset(r, 0, sizeof *r);
}

/* Length of the control character at u[0..n): 1 for C0 (NUL included) and DEL, 2 for
 * C1 (U+0080..U+009F, 0xc2 0x80..0x9f in UTF-8), 0 if u[0] starts something else. */
static size_t control_len(const unsigned char *u, size_t n)
{
	if (u[0] < 0x20 || u[0] == 0x7f)
		return 1;
	return u[0] == 0xc2 && n > 1 && u[1] >= 0x80 && u[1] <= 0x9f ? 2 : 0;
}

/* Offset of the first control character in s[0..n), or n if there is none. */
static size_t find_control(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++)
		if (control_len(u + i, n - i) > 0)
			return i;
	return n;
}

/* Copy s[0..n) into out (cap >= 8) to quote it in a message: control characters become
 * '?', and a long string is cut at a character boundary and marked "...". The message
 * must stay valid UTF-8 (jansson refuses to send anything else, and the whole answer
 * would be lost) and on one line (it goes to the log too). */
static const char *show(char *out, size_t cap, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, c, k = 0, cut = n;

	if (n >= cap) {
		cut = cap - 4;
		while (cut > 0 && (u[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (i = 0; i < cut; i++) {
		if ((c = control_len(u + i, cut - i)) > 0) {
			out[k++] = '?';
			i += c - 1;
		} else {
			out[k++] = (char)u[i];
		}
	}
	if (cut < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

/* "File 3 ('util/x.py')", or "File 3" when the name is missing, empty or has control
 * characters (quoting those would only confuse). word is "File" or "file". */
static const char *label(char *out, const char *word, size_t idx, const char *name, size_t len)
{
	char shown[64];

	if (name != NULL && len > 0 && find_control(name, len) == len)
		(void)snprintf(out, LABEL_MAX, "%s %zu ('%s')", word, idx + 1,
			       show(shown, sizeof shown, name, len));
	else
		(void)snprintf(out, LABEL_MAX, "%s %zu", word, idx + 1);
	return out;
}

/* v is the string s exactly (a NUL inside v does not make "utf-8\u0000x" pass). */
static int str_is(json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
	       memcmp(json_string_value(v), s, strlen(s)) == 0;
}

/* The first key of o that is not in known[0..n), or NULL. (jansson refuses NUL in keys,
 * so strcmp is exact.) */
static const char *unknown_key(json_t *o, const char *const *known, size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; i < n && strcmp(key, known[i]) != 0; i++)
			;
		if (i == n)
			return key;
	}
	return NULL;
}

/* Fetch an optional/required string field, with a sentence naming it when it is wrong. */
static int get_string(json_t *doc, const char *key, int required, const char **out, size_t *len,
		      struct err *e)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL) {
		if (required)
			return err_set(e, RC_BAD_REQUEST, "The field '%s' is missing. Send it as a string, "
				       "for example {\"language\": \"python\", \"code\": \"print(1)\"}.", key);
		return 0;
	}
	if (!json_is_string(v))
		return err_set(e, RC_BAD_REQUEST, "The field '%s' must be a string.", key);
	*out = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 base64: the standard alphabet, a length that is a multiple of 4, at
 * most two '=' and only at the end, and zero bits before the padding, so that every byte
 * string has exactly one accepted spelling (what every common encoder produces). Returns
 * 0 with the decoded length in *len, or -1 with what is wrong in why. */
int req_b64_check(const char *s, size_t n, size_t *len, char *why, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, pad = 0;

	if (n % 4 != 0) {
		(void)snprintf(why, cap, "it is %zu characters long, not a multiple of 4", n);
		return -1;
	}
	while (pad < 2 && pad < n && u[n - 1 - pad] == '=')
		pad++;
	for (i = 0; i < n - pad; i++) {
		if (b64_value(u[i]) >= 0)
			continue;
		if (u[i] > 0x20 && u[i] < 0x7f)
			(void)snprintf(why, cap, "character %zu, '%c', is not allowed there", i + 1, u[i]);
		else
			(void)snprintf(why, cap, "character %zu (byte 0x%02x) is not allowed", i + 1, u[i]);
		return -1;
	}
	if ((pad == 1 && (b64_value(u[n - 2]) & 0x3) != 0) ||
	    (pad == 2 && (b64_value(u[n - 3]) & 0xf) != 0)) {
		(void)snprintf(why, cap, "character %zu, '%c', leaves bits set before the padding",
			       n - pad, u[n - pad - 1]);
		return -1;
	}
	*len = n / 4 * 3 - pad;
	return 0;
}

/* Decode s[0..n), which b64_check accepted, into out. */
void req_b64_decode(const char *s, size_t n, unsigned char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 4) {
		v = (uint32_t)b64_value(u[i]) << 18 | (uint32_t)b64_value(u[i + 1]) << 12;
		*out++ = (unsigned char)(v >> 16);
		if (u[i + 2] == '=')
			break;
		v |= (uint32_t)b64_value(u[i + 2]) << 6;
		*out++ = (unsigned char)(v >> 8);
		if (u[i + 3] == '=')
			break;
		v |= (uint32_t)b64_value(u[i + 3]);
		*out++ = (unsigned char)v;
	}
}

/* A file name must stay inside the program's folder and mean the same thing to every
 * tool that later handles it (tar, the agent, a shell in a student's terminal), so
 * anything that a path resolver or a terminal would interpret is refused. */
int req_check_name(const char *lab, const char *name, size_t n, struct err *e)
{
	size_t i, start, at, parts = 0;

	if (n == 0)
		return err_set(e, RC_BAD_REQUEST, "%s: the file name is empty. Give every file a name, "
			       "like main.py.", lab);
	if ((at = find_control(name, n)) < n)
		return err_set(e, RC_BAD_REQUEST, "%s: the file name contains a control character "
			       "(at byte %zu). Use a name like util/helpers.py.", lab, at + 1);
	if (n > REQ_MAX_NAME)
		return err_set(e, RC_BAD_REQUEST, "%s: the file name is %zu bytes long; the limit "
			       "is %d.", lab, n, REQ_MAX_NAME);
	if (name[0] == '/')
		return err_set(e, RC_BAD_REQUEST, "%s: a file name cannot start with '/'. Names are "
			       "relative to your program's folder, like util/helpers.py.", lab);
	if (memchr(name, '\\', n) != NULL)
		return err_set(e, RC_BAD_REQUEST, "%s: a file name cannot contain '\\'. Separate "
			       "folders with '/', like util/helpers.py.", lab);
	for (start = 0; start <= n; start = i + 1, parts++) {
		for (i = start; i < n && name[i] != '/'; i++)
			;
		if (i == start)
			return err_set(e, RC_BAD_REQUEST, "%s: a file name cannot contain '//' or end "
				       "with '/'. Use a name like util/helpers.py.", lab);
		if (i - start == 2 && name[start] == '.' && name[start + 1] == '.')
			return err_set(e, RC_BAD_REQUEST, "%s: a file name cannot contain '..'. Use a "
				       "name like util/helpers.py.", lab);
		if (i - start == 1 && name[start] == '.')
			return err_set(e, RC_BAD_REQUEST, "%s: a file name cannot have '.' as one of its "
				       "parts. Use a name like util/helpers.py.", lab);
	}
	if (parts > REQ_MAX_DEPTH)
		return err_set(e, RC_BAD_REQUEST, "%s: a file name can have at most %d parts "
			       "separated by '/'; this one has %zu.", lab, REQ_MAX_DEPTH, parts);
	return 0;
}

/* The content of file object o into f: text stays in the document; for base64 only the
 * decoded length is known yet (decode_files fills content in once all is validated). */
static int file_content(json_t *o, const char *lab, struct req_file *f, struct err *e)
{
	json_t *content = json_object_get(o, "content"), *enc = json_object_get(o, "encoding");
	char why[80];

	if (content == NULL)
		return err_set(e, RC_BAD_REQUEST, "%s has no 'content'. Send the file's text as a "
			       "string (\"\" for an empty file).", lab);
	if (!json_is_string(content))
		return err_set(e, RC_BAD_REQUEST, "%s: 'content' must be a string: the file's text, "
			       "or its bytes in base64 with \"encoding\": \"base64\".", lab);
	if (enc != NULL && !str_is(enc, "utf-8") && !str_is(enc, "base64"))
		return err_set(e, RC_BAD_REQUEST, "%s: 'encoding' must be \"utf-8\" (the default, "
			       "for text) or \"base64\" (for any bytes).", lab);
	f->binary = str_is(enc, "base64");
	if (!f->binary) {
		f->content = (const unsigned char *)json_string_value(content);
		f->len = json_string_length(content);
		return 0;
	}
	f->content = (const unsigned char *)""; /* never NULL, even when empty */
	if (req_b64_check(json_string_value(content), json_string_length(content), &f->len, why,
		      sizeof why) != 0)
		return err_set(e, RC_BAD_REQUEST, "%s: the content is not valid base64: %s. Send the "
			       "bytes in the standard alphabet (A-Z, a-z, 0-9, '+', '/') with '=' "
			       "padding, without spaces or line breaks.", lab, why);
	return 0;
}

/* Validate file object o, the idx-th, into *f; *is_main says whether it has "main": true. */
static int parse_file(json_t *o, size_t idx, struct req_file *f, int *is_main, struct err *e)
{
	static const char *const known[] = { "name", "content", "encoding", "main" };
	json_t *name, *main_v;
	const char *key;
	char lab[LABEL_MAX], shown[48];
	int rc;

	if (!json_is_object(o))
		return err_set(e, RC_BAD_REQUEST, "File %zu must be an object such as "
			       "{\"name\": \"main.py\", \"content\": \"print(1)\"}.", idx + 1);
	name = json_object_get(o, "name");
	label(lab, "File", idx, json_string_value(name), json_string_length(name));
	if ((key = unknown_key(o, known, sizeof known / sizeof known[0])) != NULL)
		return err_set(e, RC_BAD_REQUEST, "%s: the field '%s' is not recognised. Allowed "
			       "fields in a file: name, content, encoding, main.", lab,
			       show(shown, sizeof shown, key, strlen(key)));
	if (name == NULL)
		return err_set(e, RC_BAD_REQUEST, "%s has no 'name'. Give every file a name, like "
			       "main.py.", lab);
	if (!json_is_string(name))
		return err_set(e, RC_BAD_REQUEST, "%s: 'name' must be a string, like \"main.py\".", lab);
	f->name = json_string_value(name);
	if ((rc = req_check_name(lab, f->name, json_string_length(name), e)) != 0 ||
	    (rc = file_content(o, lab, f, e)) != 0)
		return rc;
	main_v = json_object_get(o, "main");
	if (main_v != NULL && !json_is_boolean(main_v))
		return err_set(e, RC_BAD_REQUEST, "%s: 'main' must be true or false.", lab);
	*is_main = json_is_true(main_v);
	return 0;
}

/* Two files with one name, or a file whose name is another's folder ("a" and "a/b.py"),
 * cannot both be written out. Names are valid and NUL-free here. Quadratic, but in at
 * most REQ_MAX_FILES names of at most REQ_MAX_NAME bytes. */
static int check_conflicts(const struct editor_req *r, struct err *e)
{
	char a[LABEL_MAX], b[LABEL_MAX], shown[64];
	const char *x, *y;
	size_t i, j, lx, ly;

	for (j = 1; j < r->nfiles; j++) {
		y = r->files[j].name;
		ly = strlen(y);
		for (i = 0; i < j; i++) {
			x = r->files[i].name;
			lx = strlen(x);
			if (lx == ly && memcmp(x, y, lx) == 0)
				return err_set(e, RC_BAD_REQUEST, "%s: file %zu has the same name. Give "
					       "each file its own name.", label(b, "File", j, y, ly), i + 1);
			if ((lx < ly && y[lx] == '/' && memcmp(x, y, lx) == 0) ||
			    (ly < lx && x[ly] == '/' && memcmp(x, y, ly) == 0))
				return err_set(e, RC_BAD_REQUEST, "%s and %s: '%s' cannot be both a file "
					       "and a folder. Rename one of them.",
					       label(a, "File", i, x, lx), label(b, "file", j, y, ly),
					       show(shown, sizeof shown, x, lx < ly ? lx : ly));
		}
	}
	return 0;
}

/* Set r->entry from "entry" (entry_v, may be NULL) and the file marked "main": true
 * (main_idx, NONE if none). */
static int resolve_entry(struct editor_req *r, json_t *entry_v, size_t main_idx, struct err *e)
{
	char lab[LABEL_MAX], shown[64];
	const char *s;
	size_t i, n;

	if (entry_v == NULL) {
		if (main_idx == NONE && r->nfiles > 1)
			return err_set(e, RC_BAD_REQUEST, "You sent %zu files; say which file is the "
				       "entry point: add \"main\": true to it, or name it in \"entry\".",
				       r->nfiles);
		r->entry = main_idx == NONE ? 0 : main_idx;
		return 0;
	}
	if (!json_is_string(entry_v))
		return err_set(e, RC_BAD_REQUEST, "The field 'entry' must be a string naming one of "
			       "the files, like \"main.py\".");
	s = json_string_value(entry_v);
	n = json_string_length(entry_v);
	for (i = 0; i < r->nfiles; i++)
		if (strlen(r->files[i].name) == n && memcmp(r->files[i].name, s, n) == 0)
			break;
	if (i == r->nfiles)
		return err_set(e, RC_BAD_REQUEST, "The entry point '%s' is not one of the files. Set "
			       "'entry' to the name of the file your program starts from.",
			       show(shown, sizeof shown, s, n));
	if (main_idx != NONE && main_idx != i)
		return err_set(e, RC_BAD_REQUEST, "%s has \"main\": true but 'entry' names file %zu. "
			       "Mark the entry point one way only.",
			       label(lab, "File", main_idx, r->files[main_idx].name,
				     strlen(r->files[main_idx].name)), i + 1);
	r->entry = i;
	return 0;
}

/* Decode the base64 files of list v into one block owned by r. Runs last: everything is
 * validated and total_len is within the cap, so this allocation is bounded. */
static int decode_files(struct editor_req *r, json_t *v, size_t nbin, struct err *e)
{
	json_t *c;
	size_t i, off = 0;

	if (nbin == 0)
		return 0;
	if ((r->decoded = malloc(nbin)) == NULL)
		return err_set(e, RC_NOMEM, "The server ran out of memory. Try again.");
	for (i = 0; i < r->nfiles; i++) {
		if (!r->files[i].binary || r->files[i].len == 0)
			continue;
		c = json_object_get(json_array_get(v, i), "content");
		req_b64_decode(json_string_value(c), json_string_length(c), r->decoded + off);
		r->files[i].content = r->decoded + off;
		off += r->files[i].len;
	}
	return 0;
}

static int parse_files(struct editor_req *r, json_t *v, json_t *entry_v,
		       const struct req_caps *caps, struct err *e)
{
	char lab[LABEL_MAX], have[32], cap[32];
	size_t i, n, nbin = 0, main_idx = NONE;
	int is_main = 0, rc;

	if (!json_is_array(v))
		return err_set(e, RC_BAD_REQUEST, "The field 'files' must be a list of files such as "
			       "[{\"name\": \"main.py\", \"content\": \"print(1)\"}].");
	if ((n = json_array_size(v)) == 0)
		return err_set(e, RC_BAD_REQUEST, "The list 'files' is empty. Send at least one file, "
			       "such as {\"name\": \"main.py\", \"content\": \"print(1)\"}.");
	if (n > REQ_MAX_FILES)
		return err_set(e, RC_BAD_REQUEST, "You sent %zu files; the limit is %d.", n,
			       REQ_MAX_FILES);
	if ((r->files = calloc(n, sizeof *r->files)) == NULL)
		return err_set(e, RC_NOMEM, "The server ran out of memory. Try again.");
	r->nfiles = n;
	for (i = 0; i < n; i++) {
		if ((rc = parse_file(json_array_get(v, i), i, &r->files[i], &is_main, e)) != 0)
			return rc;
		if (is_main && main_idx != NONE)
			return err_set(e, RC_BAD_REQUEST, "%s: only one file can have \"main\": true, "
				       "and file %zu already has it.", label(lab, "File", i,
				       r->files[i].name, strlen(r->files[i].name)), main_idx + 1);
		if (is_main)
			main_idx = i;
		/* No overflow: a decoded length is at most its text's, and all fit in the body. */
		r->total_len += r->files[i].len;
		nbin += r->files[i].binary ? r->files[i].len : 0;
	}
	if (r->total_len > caps->max_code_bytes) {
		text_size(have, sizeof have, r->total_len);
		text_size(cap, sizeof cap, caps->max_code_bytes);
		return err_set(e, RC_TOO_LARGE, "Your files add up to %s; the limit is %s. "
			       "Make them smaller and run them again.", have, cap);
	}
	if ((rc = check_conflicts(r, e)) != 0 || (rc = resolve_entry(r, entry_v, main_idx, e)) != 0)
		return rc;
	return decode_files(r, v, nbin, e);
}

static int parse_code(struct editor_req *r, const struct req_caps *caps, struct err *e)
{
	char have[32], cap[32];
	int rc;

	if ((rc = get_string(r->doc, "code", 1, &r->code, &r->code_len, e)) != 0)
		return rc;
	if (r->code_len > caps->max_code_bytes) {
		text_size(have, sizeof have, r->code_len);
		text_size(cap, sizeof cap, caps->max_code_bytes);
		return err_set(e, RC_TOO_LARGE, "Your code is %s; the limit is %s. "
			       "Make it shorter and run it again.", have, cap);
	}
	if ((r->files = calloc(1, sizeof *r->files)) == NULL)
		return err_set(e, RC_NOMEM, "The server ran out of memory. Try again.");
	r->files[0].content = (const unsigned char *)r->code;
	r->files[0].len = r->code_len;
	r->nfiles = 1;
	r->total_len = r->code_len;
	return 0;
}

/* The program's arguments become an argv, which cannot carry NUL; everything else is
 * the program's business. */
static int parse_args(struct editor_req *r, json_t *v, struct err *e)
{
	char have[32], cap[32];
	size_t i, n, len, total = 0;
	json_t *a;

	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return err_set(e, RC_BAD_REQUEST, "The field 'args' must be a list of strings, like "
			       "[\"--fast\", \"input.txt\"].");
	if ((n = json_array_size(v)) > REQ_MAX_ARGS)
		return err_set(e, RC_BAD_REQUEST, "You sent %zu arguments; the limit is %d.", n,
			       REQ_MAX_ARGS);
	if (n == 0)
		return 0;
	if ((r->args = calloc(n + 1, sizeof *r->args)) == NULL)
		return err_set(e, RC_NOMEM, "The server ran out of memory. Try again.");
	json_array_foreach(v, i, a) {
		if (!json_is_string(a))
			return err_set(e, RC_BAD_REQUEST, "Argument %zu must be a string (write a "
				       "number as \"3\").", i + 1);
		len = json_string_length(a);
		if (memchr(json_string_value(a), '\0', len) != NULL)
			return err_set(e, RC_BAD_REQUEST, "Argument %zu contains a NUL character "
				       "(\\u0000), which a program's arguments cannot carry. Remove it.",
				       i + 1);
		if (len > REQ_MAX_ARG) {
			text_size(have, sizeof have, len);
			text_size(cap, sizeof cap, REQ_MAX_ARG);
			return err_set(e, RC_BAD_REQUEST, "Argument %zu is %s long; the limit for one "
				       "argument is %s.", i + 1, have, cap);
		}
		if ((total += len) > REQ_MAX_ARGS_TOTAL) {
			text_size(cap, sizeof cap, REQ_MAX_ARGS_TOTAL);
			return err_set(e, RC_BAD_REQUEST, "The arguments add up to more than %s, the "
				       "limit (argument %zu goes over it).", cap, i + 1);
		}
		r->args[i] = json_string_value(a);
	}
	r->nargs = n;
	return 0;
}

/* The body as a JSON object into r->doc: 0, or the refusal with its sentence. */
static int load_doc(struct editor_req *r, const char *body, size_t n, struct err *e)
{
	json_error_t jerr;

	memset(r, 0, sizeof *r);
	if (n == 0)
		return err_set(e, RC_BAD_JSON, "The request body is empty. Send a JSON object such as "
			       "{\"language\": \"python\", \"code\": \"print(1)\"}.");
	/* NUL is allowed: stdin, code and files are bytes. Names are checked for it below. */
	r->doc = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (r->doc == NULL) {
		if (json_error_code(&jerr) == json_error_invalid_utf8)
			return err_set(e, RC_BAD_UTF8, "The request contains text that is not valid UTF-8 "
				       "(near line %d, column %d). Save your code as UTF-8 and try again.",
				       jerr.line, jerr.column);
		if (json_error_code(&jerr) == json_error_duplicate_key)
			return err_set(e, RC_BAD_JSON, "The request is not valid: %s.", jerr.text);
		return err_set(e, RC_BAD_JSON, "The request is not valid JSON: %s (line %d, column %d).",
			       jerr.text, jerr.line, jerr.column);
	}
	if (!json_is_object(r->doc))
		return err_set(e, RC_BAD_REQUEST, "The request must be a JSON object such as "
			       "{\"language\": \"python\", \"code\": \"print(1)\"}.");
	return 0;
}

/* The program's fields of r->doc (the editor's six; known lists every field the request
 * may have, allowed says them in the refusal). The language may be left out only when
 * lang_optional (r->language and r->lang stay NULL). */
static int parse_program(struct editor_req *r, const struct req_caps *caps,
			 const char *const *known, size_t nknown, const char *allowed,
			 bool lang_optional, struct err *e)
{
	json_t *files_v, *entry_v;
	const char *key;
	size_t len = 0;
	char have[32], cap[32], ids[256], shown[48];
	int rc;

	if ((key = unknown_key(r->doc, known, nknown)) != NULL)
		return err_set(e, RC_BAD_REQUEST, "The field '%s' is not recognised. Allowed fields: "
			       "%s.", show(shown, sizeof shown, key, strlen(key)), allowed);
	if ((rc = get_string(r->doc, "language", !lang_optional, &r->language, &len, e)) != 0)
		return rc;
	files_v = json_object_get(r->doc, "files");
	entry_v = json_object_get(r->doc, "entry");
	if (json_object_get(r->doc, "code") != NULL && files_v != NULL)
		return err_set(e, RC_BAD_REQUEST, "Send your program either as 'code' or as 'files', "
			       "not both.");
	if (files_v == NULL && entry_v != NULL)
		return err_set(e, RC_BAD_REQUEST, "The field 'entry' goes with 'files': a program sent "
			       "as 'code' is a single file.");
	if (files_v == NULL && json_object_get(r->doc, "code") == NULL)
		return err_set(e, RC_BAD_REQUEST, "The field 'code' is missing. Send your program as a "
			       "string in 'code', for example {\"language\": \"python\", \"code\": "
			       "\"print(1)\"}, or as a list of files in 'files'.");
	if ((rc = files_v ? parse_files(r, files_v, entry_v, caps, e) : parse_code(r, caps, e)) != 0 ||
	    (rc = get_string(r->doc, "stdin", 0, &r->stdin_data, &r->stdin_len, e)) != 0)
		return rc;
	if (r->stdin_len > caps->max_stdin_bytes) {
		text_size(have, sizeof have, r->stdin_len);
		text_size(cap, sizeof cap, caps->max_stdin_bytes);
		return err_set(e, RC_TOO_LARGE, "The input (stdin) is %s; the limit is %s.", have, cap);
	}
	if ((rc = parse_args(r, json_object_get(r->doc, "args"), e)) != 0)
		return rc;
	if (r->language == NULL)
		return 0;
	if (strlen(r->language) != len || (r->lang = lang_find(r->language)) == NULL) {
		lang_ids(ids, sizeof ids);
		return err_set(e, RC_UNKNOWN_LANG, "The language '%s' is not supported. "
			       "Supported languages: %s.", show(shown, sizeof shown, r->language, len),
			       ids);
	}
	/* An alias ("python3", "c++") means the language: the row and the answer say its id. */
	r->language = r->lang->id;
	return 0;
}

int editor_req_parse_more(struct editor_req *r, const char *body, size_t n,
			  const struct req_caps *caps, const char *const *extra, size_t nextra,
			  bool lang_optional, struct err *e)
{
	static const char *const six[] = { "language", "code", "files", "entry", "args", "stdin" };
	const char *known[16];
	char allowed[256] = "language, code, files, entry, args, stdin";
	size_t nk = 0, i;
	int rc;

	if ((rc = load_doc(r, body, n, e)) != 0)
		return rc;
	for (i = 0; i < 6; i++)
		known[nk++] = six[i];
	for (i = 0; i < nextra && nk < sizeof known / sizeof known[0]; i++) {
		known[nk++] = extra[i];
		(void)snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), ", %s",
			       extra[i]);
	}
	return parse_program(r, caps, known, nk, allowed, lang_optional, e);
}

int editor_req_parse(struct editor_req *r, const char *body, size_t n, const struct req_caps *caps,
		     struct err *e)
{
	static const char *const known[] = { "language", "code", "files", "entry", "args", "stdin" };
	int rc;

	if ((rc = load_doc(r, body, n, e)) != 0)
		return rc;
	return parse_program(r, caps, known, sizeof known / sizeof known[0],
			     "language, code, files, entry, args, stdin", false, e);
}
