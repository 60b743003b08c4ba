/*
 * http: answering a request nginx handed over FastCGI, for every face: the status line with
 * its reason phrase, JSON bodies, the error shape of the one error table, the request's
 * parameters and body.
 */
#define _GNU_SOURCE
#include "http.h"

#include <stdlib.h>
#include <string.h>

/* "200 OK": the status and its reason phrase from the one table. */
static const char *status_text(int status)
{
	const char *r = http_reason(status);

	return r ? r : "Unknown";
}

void http_respond(FCGX_Request *req, int status, json_t *body, const char *extra_headers)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	FCGX_FPrintF(req->out, "Status: %d %s\r\nContent-Type: application/json\r\n"
		     "Cache-Control: no-store\r\n%s\r\n", status, status_text(status),
		     extra_headers ? extra_headers : "");
	if (text != NULL) {
		FCGX_PutStr(text, (int)strlen(text), req->out);
		FCGX_PutChar('\n', req->out);
	} else {
		FCGX_PutS("{\"error\":{\"code\":\"internal_error\",\"message\":\"The server ran out of memory.\"}}\n",
			  req->out);
	}
	free(text);
	json_decref(body);
}

void http_empty(FCGX_Request *req, int status, const char *extra_headers)
{
	FCGX_FPrintF(req->out, "Status: %d %s\r\nCache-Control: no-store\r\n%s\r\n", status,
		     status_text(status), extra_headers ? extra_headers : "");
}

void http_error(FCGX_Request *req, int rc, const char *msg, const char *extra_headers)
{
	json_t *body = json_pack("{s:{s:s, s:s}}", "error", "code", rc_name(rc), "message",
				 msg && msg[0] ? msg : rc_message(rc));

	http_respond(req, rc_http(rc), body, extra_headers);
}

const char *http_param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v ? v : "";
}

void http_tail(const char *tail, char *out, size_t cap)
{
	size_t n;

	if (cap == 0)
		return;
	n = strlen(tail);
	if (n > 0 && tail[n - 1] == '/')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, tail, n);
	out[n] = '\0';
}

/* Read the body, at most cap bytes. Returns 0, or RC_BODY_TOO_LARGE. */
int http_read_body(FCGX_Request *req, size_t cap, struct buf *out)
{
	char chunk[16384];
	int n;

	buf_init(out, cap);
	while ((n = FCGX_GetStr(chunk, sizeof chunk, req->in)) > 0) {
		if (buf_add(out, chunk, (size_t)n) != 0)
			return RC_NOMEM;
		if (out->truncated)
			return RC_BODY_TOO_LARGE;
	}
	return 0;
}
