/*
 * err: the one error vocabulary of runbox.
 *
 * Every failing function returns a negative RC_* code from this table; the table gives
 * each code its JSON name, its HTTP status and a sentence a student or an admin can act
 * on. Detail for logs goes in an optional struct err out-parameter:
 *
 *     return err_set(e, RC_DOCKER, "create %s: %s", lang, msg);
 *
 * Run outcomes (timeout, memory kill...) are not errors: they are statuses in run.h.
 */
#ifndef RUNBOX_ERR_H
#define RUNBOX_ERR_H

#include <stddef.h>

/*      name              code                 http  message */
#define RC_MAP(X) \
	X(RC_BAD_JSON,       "bad_json",          400, "The request is not valid JSON.") \
	X(RC_BAD_REQUEST,    "bad_request",       400, "The request is missing a field or has a field of the wrong type.") \
	X(RC_BAD_UTF8,       "bad_encoding",      400, "The request contains text that is not valid UTF-8.") \
	X(RC_TOO_LARGE,      "code_too_large",    413, "The code is larger than the size limit.") \
	X(RC_BODY_TOO_LARGE, "body_too_large",    413, "The request is larger than the server accepts.") \
	X(RC_BODY_INCOMPLETE, "body_incomplete",  408, "The request did not arrive in full: the connection stalled or was closed while it was being sent. Send it again.") \
	X(RC_UNKNOWN_LANG,   "unknown_language",  422, "This language is not supported.") \
	X(RC_NOT_FOUND,      "not_found",         404, "There is nothing at this address.") \
	X(RC_METHOD,         "method_not_allowed",405, "This address does not accept that method.") \
	X(RC_UNSUPPORTED_MEDIA, "unsupported_media_type", 415, "Send the request body as JSON (Content-Type: application/json).") \
	X(RC_UNAUTHORIZED,   "unauthorized",      401, "This API key is not valid or has been revoked. Ask your teacher or the school's admin for a new one.") \
	X(RC_QUOTA,          "quota_exceeded",    429, "You have used up your runs for now. Wait a little and try again.") \
	X(RC_EXISTS,         "already_exists",    409, "That name is already taken.") \
	X(RC_FORBIDDEN,      "forbidden",         403, "Only a teacher may do this. Ask your school's admin for a teacher's key (runbox user role NAME teacher).") \
	X(RC_STORE,          "log_unavailable",   503, "The code runner cannot write its run log just now, so nothing was run. Try again in a minute; if it persists, tell your school's admin (the database's disk may be full or not writable).") \
	X(RC_BUSY,           "runner_busy",       503, "The code runner is busy right now, so your program was not run. Try again in a few seconds.") \
	X(RC_DOCKER_DOWN,    "runner_unavailable",503, "The code runner is not available: Docker is not running. Try again in a minute; if it persists, tell your teacher or the school's admin.") \
	X(RC_IMAGE_MISSING,  "runner_unavailable",503, "The code runner is not available: the image for this language is not installed. Tell your school's admin (run 'make images').") \
	X(RC_RUNNER_DOWN,    "runner_unavailable",503, "The code runner is restarting, so your program may not have finished. Try again in a few seconds.") \
	X(RC_BACKEND_DOWN,   "runner_unavailable",503, "The code runner is not available: its worker processes are not running. Tell your school's admin.") \
	X(RC_DOCKER,         "docker_error",      502, "The code runner failed to start your program. Try again; if it keeps happening, tell your school's admin.") \
	X(RC_TIMEOUT_IO,     "docker_timeout",    504, "The code runner did not answer in time. Try again in a minute.") \
	X(RC_NOMEM,          "internal_error",    500, "The server ran out of memory. Try again.") \
	X(RC_CONFIG,         "config_error",      500, "The server's configuration is invalid.") \
	X(RC_INTERNAL,       "internal_error",    500, "Something went wrong inside the server. Try again; if it keeps happening, tell your school's admin.")

/* The reason phrase of every HTTP status runbox answers with (RFC 9110), for the status
 * line: every code of the table above, and those of the answers that are not errors. */
#define HTTP_REASON_MAP(X) \
	X(200, "OK") X(201, "Created") X(204, "No Content") \
	X(400, "Bad Request") X(401, "Unauthorized") X(403, "Forbidden") X(404, "Not Found") \
	X(405, "Method Not Allowed") X(408, "Request Timeout") X(409, "Conflict") \
	X(413, "Content Too Large") X(415, "Unsupported Media Type") \
	X(422, "Unprocessable Content") X(429, "Too Many Requests") \
	X(500, "Internal Server Error") X(502, "Bad Gateway") X(503, "Service Unavailable") \
	X(504, "Gateway Timeout")

/* Position of each code in the table; codes are the negated position plus one. */
enum rc_index {
#define X(rc, name, http, msg) rc##_IDX,
	RC_MAP(X)
#undef X
	RC_COUNT
};

enum rc {
	RC_OK = 0,
#define X(rc, name, http, msg) rc = -(rc##_IDX + 1),
	RC_MAP(X)
#undef X
};

struct err {
	int rc;
	char msg[512];
};

/* Name used in JSON ("bad_json"), HTTP status, and the user-facing sentence of rc.
 * Unknown codes map to RC_INTERNAL's entries. */
const char *rc_name(int rc);
int rc_http(int rc);
const char *rc_message(int rc);
/* The reason phrase of an HTTP status ("Too Many Requests"), NULL for one not in
 * HTTP_REASON_MAP. */
const char *http_reason(int status);

/* Record rc and a printf-style detail in e (if e is not NULL); returns rc. */
int err_set(struct err *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_init(struct err *e);

#endif
