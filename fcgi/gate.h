/*
 * gate: who is asking, may they run, and the run log row of every request to the run
 * endpoint. Sits between api (HTTP) and store (SQLite): identifies the user (API key,
 * the name nginx passes, or the client address), applies quotas, and writes exactly one
 * row per request: a refusal row, or a "running" row that the finish completes.
 */
#ifndef RUNBOX_GATE_H
#define RUNBOX_GATE_H

#include <fcgiapp.h>

#include "conf.h"
#include "err.h"
#include "run.h"
#include "store.h"

/* Per-process state: the configuration and the database connection, opened lazily and
 * reopened after a failure (so a database that becomes usable again is used again). */
struct gate_ctx {
	const struct conf *conf;
	struct store *store;
};

/* One request's passage through the gate. Nothing in it outlives the request. */
struct gate {
	struct run_entry entry;
	char client_addr[64];
	struct user user;
	int identified;             /* user is valid */
	struct quota quota;         /* effective limits of the user */
	int logged;                 /* the row exists (refused or running) */
	int started;                /* the row is "running" and must be finished */
	int (*http_of)(int rc);     /* the face's HTTP status for a refusal; NULL: rc_http */
	const struct test_outcome *tests; /* a test request's verdicts, for its rows; or NULL */
};

/* The database connection, opening it if needed. NULL with RC_STORE in e if it cannot
 * be opened now. */
struct store *gate_store(struct gate_ctx *g, struct err *e);
/* Forget the connection after a database error; the next request reopens it. */
void gate_store_failed(struct gate_ctx *g);

/* Start a request: fills the entry's id, time, address, instance and pid. */
void gate_init(struct gate *gt, struct gate_ctx *g, FCGX_Request *req, const char *run_id);

/* Identify the user. Returns 0, RC_UNAUTHORIZED (bad or revoked key, or no identity while
 * anonymous use is off; e->msg is the sentence for the student) or RC_STORE.
 * key_param names the FastCGI parameter a face takes its key from ("HTTP_X_API_KEY", as
 * Jobe's clients send it), or is NULL for 'Authorization: Bearer'. With a key_param, a key
 * runbox does not know is ignored when anonymous use is on (the request counts under its
 * address, as Jobe does when keys are not required). */
int gate_identify(struct gate *gt, struct gate_ctx *g, FCGX_Request *req,
		  const char *key_param, struct err *e);

/* For the API's reads, which are not runs (GET /api/me, /api/runs/{id}, the exercises):
 * gate_init and gate_identify, answering a refusal itself (401 with WWW-Authenticate, or
 * the store's error). 0 when the caller is known, else -1 (answered). */
int gate_identify_reader(struct gate *gt, struct gate_ctx *g, FCGX_Request *req);

/* Log the request as refused with rc and the message the client gets. Logging failures
 * are logged, not returned: the refusal is answered either way. */
void gate_refuse(struct gate *gt, struct gate_ctx *g, int rc, const char *message);

/* Take quota and log the run as started. Returns 0, RC_QUOTA (qr says which limit; the
 * refusal is logged; e->msg is the sentence for the student) or RC_STORE. */
int gate_begin(struct gate *gt, struct gate_ctx *g, struct quota_refusal *qr, struct err *e);

/* Complete the started row: with the run's result (rc == 0; both stages' figures and
 * output, from res's buffers) or with the error rc (res may be NULL). */
void gate_finish(struct gate *gt, struct gate_ctx *g, int rc, const char *message,
		 const struct run_result *res);

#endif
