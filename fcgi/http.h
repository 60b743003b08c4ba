/*
 * http: answering one request that nginx handed over FastCGI, shared by every face (the
 * editor API and the others): the status line with its reason phrase (err.h's
 * HTTP_REASON_MAP), JSON bodies, the error table's shape, the request's parameters and
 * body. Only fcgi/ includes <fcgiapp.h>.
 */
#ifndef RUNBOX_HTTP_H
#define RUNBOX_HTTP_H

#include <stddef.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Answer with status and body as compact JSON, any JSON value (body is stolen; NULL answers an out of
 * memory error). extra_headers: "Name: value\r\n" lines, or NULL. */
void http_respond(FCGX_Request *req, int status, json_t *body, const char *extra_headers);
/* Answer with status and no body (204, or the answers to HEAD). */
void http_empty(FCGX_Request *req, int status, const char *extra_headers);
/* Answer rc as {"error": {"code", "message"}}: msg, or the table's sentence when empty. */
void http_error(FCGX_Request *req, int rc, const char *msg, const char *extra_headers);
/* A FastCGI parameter (DOCUMENT_URI, HTTP_AUTHORIZATION...), "" when absent. */
const char *http_param(FCGX_Request *req, const char *name);
/* The rest of a face's address (the route table's tail) into out, without one trailing
 * slash ("runs/" and "runs" are one address, as Jobe's and Piston's routers take them). */
void http_tail(const char *tail, char *out, size_t cap);
/* The request body into out (initialised here; the caller releases it), at most cap bytes.
 * Returns 0, RC_BODY_TOO_LARGE or RC_NOMEM. */
int http_read_body(FCGX_Request *req, size_t cap, struct buf *out);

#endif
