#include "req.h"

#include <stdio.h>
#include <string.h>

void req_fmt_size(char *out, size_t cap, size_t bytes)
{
	if (bytes < 1024)
		(void)snprintf(out, cap, "%zu bytes", bytes);
	else if (bytes < 1024 * 1024)
		(void)snprintf(out, cap, "%zu KB", (bytes + 1023) / 1024);
	else
		(void)snprintf(out, cap, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
}

void editor_req_release(struct editor_req *r)
{
	json_decref(r->doc);
	memset(r, 0, sizeof *r);
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

int editor_req_parse(struct editor_req *r, const char *body, size_t n, const struct req_caps *caps,
		     struct err *e)
{
	static const char *const known[] = { "language", "code", "stdin" };
	json_error_t jerr;
	const char *key;
	json_t *v;
	size_t len, i;
	char have[32], cap[32], ids[256];
	int rc;

	memset(r, 0, sizeof *r);
	if (n == 0)
		return err_set(e, RC_BAD_JSON, "The request body is empty. Send a JSON object such as "
			       "{\"language\": \"python\", \"code\": \"print(1)\"}.");
	/* NUL is allowed: stdin and code are bytes. Names are checked for it below. */
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
	json_object_foreach(r->doc, key, v) {
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof known / sizeof known[0])
			return err_set(e, RC_BAD_REQUEST, "The field '%.64s' is not recognised. "
				       "Allowed fields: language, code, stdin.", key);
	}
	if ((rc = get_string(r->doc, "language", 1, &r->language, &len, e)) != 0 ||
	    (rc = get_string(r->doc, "code", 1, &r->code, &r->code_len, e)) != 0 ||
	    (rc = get_string(r->doc, "stdin", 0, &r->stdin_data, &r->stdin_len, e)) != 0)
		return rc;
	if (r->code_len > caps->max_code_bytes) {
		req_fmt_size(have, sizeof have, r->code_len);
		req_fmt_size(cap, sizeof cap, caps->max_code_bytes);
		return err_set(e, RC_TOO_LARGE, "Your code is %s; the limit is %s. "
			       "Make it shorter and run it again.", have, cap);
	}
	if (r->stdin_len > caps->max_stdin_bytes) {
		req_fmt_size(have, sizeof have, r->stdin_len);
		req_fmt_size(cap, sizeof cap, caps->max_stdin_bytes);
		return err_set(e, RC_TOO_LARGE, "The input (stdin) is %s; the limit is %s.", have, cap);
	}
	if (strlen(r->language) != len || (r->lang = lang_find(r->language)) == NULL) {
		lang_ids(ids, sizeof ids);
		return err_set(e, RC_UNKNOWN_LANG, "The language '%.40s' is not supported. "
			       "Supported languages: %s.", r->language, ids);
	}
	return 0;
}
