#define _GNU_SOURCE
#include "gate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "log.h"


/* Local midnight that started today: "runs per day" resets there. */
static long long midnight_ms(long long t)
{
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm) * 1000;
}

struct store *gate_store(struct gate_ctx *g, struct err *e)
{
	if (g->store == NULL &&
	    store_open(&g->store, g->conf->db_path, g->conf->db_busy_timeout_ms, e) != 0) {
		log_warnx("%s", e->msg);
		g->store = NULL;
	}
	return g->store;
}

void gate_store_failed(struct gate_ctx *g)
{
	store_close(g->store);
	g->store = NULL;
}

static const char *param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v ? v : "";
}

void gate_init(struct gate *gt, struct gate_ctx *g, FCGX_Request *req, const char *run_id)
{
	memset(gt, 0, sizeof *gt);
	(void)snprintf(gt->client_addr, sizeof gt->client_addr, "%s", param(req, "REMOTE_ADDR"));
	gt->entry.run_id = run_id;
	gt->entry.received_ms = clock_wall_ms();
	gt->entry.client_addr = gt->client_addr;
	gt->entry.auth = "none";
	gt->entry.instance = g->conf->instance;
	gt->entry.worker_pid = (long)getpid();
}

/* A store error: forget the connection so the next request tries a fresh one. */
static int store_error(struct gate_ctx *g, int rc)
{
	if (rc == RC_STORE)
		gate_store_failed(g);
	return rc;
}

/* The user is known: their effective quotas. */
static int identified(struct gate *gt, struct gate_ctx *g)
{
	gt->identified = 1;
	gt->entry.user_id = gt->user.id;
	/* Effective limits: the user's overrides over the defaults; never above the server's
	 * code size cap (nginx would refuse the body anyway). */
	gt->quota.per_minute = gt->user.override.per_minute > 0 ? gt->user.override.per_minute
							       : g->conf->quota_per_minute;
	gt->quota.per_day = gt->user.override.per_day > 0 ? gt->user.override.per_day
							 : g->conf->quota_per_day;
	gt->quota.concurrent = gt->user.override.concurrent > 0 ? gt->user.override.concurrent
							       : g->conf->quota_concurrent;
	gt->quota.max_code_bytes = gt->user.override.max_code_bytes > 0 &&
				   gt->user.override.max_code_bytes < g->conf->max_code_bytes
				   ? gt->user.override.max_code_bytes : g->conf->max_code_bytes;
	return 0;
}

/* The user of a face's own key header: 0 with the key's user; 0 with *by_address set for
 * no key, or a key runbox does not know while anonymous use is on; RC_UNAUTHORIZED. */
static int identify_face_key(struct gate *gt, struct gate_ctx *g, struct store *s,
			     const char *key, int *by_address, struct err *e)
{
	int rc;

	*by_address = key[0] == '\0';
	if (*by_address)
		return 0;
	gt->entry.auth = "key";
	rc = store_user_by_key(s, key, &gt->user, e);
	if (rc != RC_UNAUTHORIZED)
		return rc;
	if (gt->user.id == 0 && g->conf->anonymous) {
		*by_address = 1; /* not ours: as Jobe without keys, count it by address */
		return 0;
	}
	gt->entry.user_id = gt->user.id; /* a revoked user's attempt is theirs */
	return err_set(e, rc, "%s", rc_message(rc));
}

int gate_identify(struct gate *gt, struct gate_ctx *g, FCGX_Request *req,
		  const char *key_param, struct err *e)
{
	const char *authz = param(req, "HTTP_AUTHORIZATION"), *remote = param(req, "RUNBOX_USER");
	struct store *s;
	int by_address = 0, rc;

	if ((s = gate_store(g, e)) == NULL)
		return RC_STORE;
	if (key_param != NULL) {
		rc = identify_face_key(gt, g, s, param(req, key_param), &by_address, e);
		if (rc != 0 || !by_address)
			return rc == 0 ? identified(gt, g) : rc == RC_UNAUTHORIZED ? rc : store_error(g, rc);
		memset(&gt->user, 0, sizeof gt->user);
		gt->entry.auth = "none";
		authz = ""; /* the face's clients send their key in key_param only */
		if (!remote[0] && !(g->conf->anonymous && gt->client_addr[0]))
			return err_set(e, RC_UNAUTHORIZED, "This server runs code only for clients with "
				       "an API key: set the key runbox's admin gave you (in Moodle, the "
				       "Jobe API key in CodeRunner's settings).");
	}
	if (strncasecmp(authz, "Bearer ", 7) == 0) {
		gt->entry.auth = "key";
		authz += 7;
		while (*authz == ' ')
			authz++;
		rc = store_user_by_key(s, authz, &gt->user, e);
		if (rc == RC_UNAUTHORIZED) {
			gt->entry.user_id = gt->user.id; /* a revoked user's attempt is theirs */
			return err_set(e, rc, "%s", rc_message(rc));
		}
	} else if (authz[0] && !remote[0]) {
		/* Some other scheme that nginx did not check for us (no auth snippet). */
		gt->entry.auth = "key";
		return err_set(e, RC_UNAUTHORIZED, "Send your API key as the header "
			       "'Authorization: Bearer rbx_...'.");
	} else if (remote[0]) {
		gt->entry.auth = "remote";
		rc = store_user_ensure(s, USER_REMOTE, remote, &gt->user, e);
		if (rc == RC_UNAUTHORIZED)
			return err_set(e, rc, "Your account may not run code on this server. Ask your "
				       "teacher or the school's admin.");
	} else if (g->conf->anonymous && gt->client_addr[0]) {
		gt->entry.auth = "address";
		rc = store_user_ensure(s, USER_ADDRESS, gt->client_addr, &gt->user, e);
		if (rc == RC_UNAUTHORIZED)
			return err_set(e, rc, "Your computer's address may not run code on this server. "
				       "Ask your teacher or the school's admin.");
	} else {
		return err_set(e, RC_UNAUTHORIZED, "This server runs code only for signed-in users: "
			       "send your API key as 'Authorization: Bearer rbx_...'. Ask your teacher "
			       "for a key.");
	}
	if (rc != 0)
		return store_error(g, rc);
	return identified(gt, g);
}

int gate_identify_reader(struct gate *gt, struct gate_ctx *g, FCGX_Request *req)
{
	struct err e;
	int rc;

	err_init(&e);
	gate_init(gt, g, req, "");
	if ((rc = gate_identify(gt, g, req, NULL, &e)) == 0)
		return 0;
	http_error(req, rc, rc == RC_UNAUTHORIZED ? e.msg : NULL,
		   rc == RC_UNAUTHORIZED ? "WWW-Authenticate: Bearer realm=\"runbox\"\r\n" : NULL);
	return -1;
}

void gate_refuse(struct gate *gt, struct gate_ctx *g, int rc, const char *message)
{
	struct store *s;
	struct err e;

	err_init(&e);
	if (gt->logged)
		return;
	if ((s = gate_store(g, &e)) == NULL) {
		log_warnx("refusal %s not logged: %s", rc_name(rc), e.msg);
		return;
	}
	if (store_run_refused(s, &gt->entry, gt->http_of ? gt->http_of(rc) : rc_http(rc),
			      rc_name(rc), message, &e) != 0) {
		log_warnx("refusal %s not logged: %s", rc_name(rc), e.msg);
		(void)store_error(g, e.rc);
		return;
	}
	gt->logged = 1;
}

static void fmt_wait(char *out, size_t cap, long long ms)
{
	long long s = (ms + 999) / 1000;

	if (s < 120)
		(void)snprintf(out, cap, "%lld second%s", s, s == 1 ? "" : "s");
	else if (s < 7200)
		(void)snprintf(out, cap, "%lld minutes", (s + 59) / 60);
	else
		(void)snprintf(out, cap, "%lld h %lld min", s / 3600, (s % 3600 + 59) / 60);
}

int gate_begin(struct gate *gt, struct gate_ctx *g, struct quota_refusal *qr, struct err *e)
{
	struct store *s;
	char wait[48];
	int rc;

	if ((s = gate_store(g, e)) == NULL)
		return RC_STORE;
	gt->entry.quota_http = gt->http_of ? gt->http_of(RC_QUOTA) : rc_http(RC_QUOTA);
	rc = store_run_begin(s, &gt->entry, &gt->quota, midnight_ms(gt->entry.received_ms), qr, e);
	if (rc == RC_QUOTA) {
		gt->logged = 1;
		fmt_wait(wait, sizeof wait, qr->retry_after_ms);
		if (strcmp(qr->limit, "per_day") == 0)
			return err_set(e, rc, "You have used all %ld run%s you have for today. The "
				       "count starts again at midnight, in %s.", qr->value,
				       qr->value == 1 ? "" : "s", wait);
		if (strcmp(qr->limit, "per_minute") == 0)
			return err_set(e, rc, "You can start %ld run%s per minute and have used %s. "
				       "Try again in %s.", qr->value, qr->value == 1 ? "" : "s",
				       qr->value == 1 ? "it" : "them", wait);
		return err_set(e, rc, "You already have %ld run%s in progress, the most you can have "
			       "at once. Wait for %s to finish, then try again.", qr->value,
			       qr->value == 1 ? "" : "s", qr->value == 1 ? "it" : "one");
	}
	if (rc != 0)
		return store_error(g, rc);
	gt->logged = gt->started = 1;
	return 0;
}

/* The log's copy of a stage's output: its buffers as valid UTF-8 (invalid bytes become
 * U+FFFD), made here from what the agent sent, never read back from an answer. Only what
 * the log keeps (cap bytes) is converted: a character cut at cap + 4 raw bytes can only
 * land beyond cap in the text, where the store cuts anyway. Text that is already valid is
 * not copied. Out of memory leaves a stream NULL: the row is written without that text. */
struct logged_text {
	struct buf tmp_out, tmp_err;
	const char *out, *err;
	size_t out_len, err_len;
};

static void logged_text_init(struct logged_text *t, const struct run_stage *st, size_t cap)
{
	size_t no = st->out.len < cap + 4 ? st->out.len : cap + 4;
	size_t ne = st->err.len < cap + 4 ? st->err.len : cap + 4;
	bool replaced;

	t->out = utf8_text(st->out.data, no, &t->tmp_out, &t->out_len, &replaced);
	t->err = utf8_text(st->err.data, ne, &t->tmp_err, &t->err_len, &replaced);
}

static void logged_text_release(struct logged_text *t)
{
	buf_release(&t->tmp_out);
	buf_release(&t->tmp_err);
}

void gate_finish(struct gate *gt, struct gate_ctx *g, int rc, const char *message,
		 const struct run_result *res)
{
	struct run_outcome o = { 0 };
	struct logged_text run, compile;
	struct store *s;
	struct err e;

	if (!gt->started)
		return;
	err_init(&e);
	memset(&run, 0, sizeof run);
	memset(&compile, 0, sizeof compile);
	o.finished_ms = clock_wall_ms();
	o.output_cap = (size_t)g->conf->log_output_cap;
	o.message = message;
	if (rc != 0) {
		o.status = "failed";
		o.http = gt->http_of ? gt->http_of(rc) : rc_http(rc);
		o.error_code = rc_name(rc);
	} else {
		o.status = run_status_name(res->status);
		o.http = 200;
		o.exit_code = res->run.exit_code;
		o.signal = res->run.signal;
		o.duration_ms = res->run.wall_ms;
		o.cpu_ms = res->run.cpu_ms;
		o.memory_bytes = res->run.mem_bytes;
		o.stdout_bytes = res->run.out_bytes;
		o.stderr_bytes = res->run.err_bytes;
		o.stdout_truncated = res->run.out.truncated;
		o.stderr_truncated = res->run.err.truncated;
		logged_text_init(&run, &res->run, o.output_cap);
		o.out = run.out;
		o.out_len = run.out_len;
		o.err = run.err;
		o.err_len = run.err_len;
		if (res->compile.ran) {
			o.compiled = 1;
			o.compile.exit_code = res->compile.exit_code;
			o.compile.signal = res->compile.signal;
			o.compile.duration_ms = res->compile.wall_ms;
			o.compile.cpu_ms = res->compile.cpu_ms;
			o.compile.memory_bytes = res->compile.mem_bytes;
			logged_text_init(&compile, &res->compile, o.output_cap);
			o.compile.out = compile.out;
			o.compile.out_len = compile.out_len;
			o.compile.err = compile.err;
			o.compile.err_len = compile.err_len;
		}
	}
	if (rc == 0 && res->ncases > 0) {
		/* A test request's row sums its cases up: their time, the most memory one used. */
		o.duration_ms = o.cpu_ms = o.memory_bytes = 0;
		for (size_t i = 0; i < res->ncases; i++) {
			o.duration_ms += res->cases[i].wall_ms;
			o.cpu_ms += res->cases[i].cpu_ms;
			if (res->cases[i].mem_bytes > o.memory_bytes)
				o.memory_bytes = res->cases[i].mem_bytes;
		}
	}
	o.tests = rc == 0 ? gt->tests : NULL;
	if ((s = gate_store(g, &e)) == NULL || store_run_finish(s, gt->entry.run_id, &o, &e) != 0) {
		/* The student has the answer; the row stays "running" until the master's sweep
		 * marks it interrupted, which also frees the concurrency slot. */
		log_warnx("run %s not completed in the log: %s", gt->entry.run_id, e.msg);
		(void)store_error(g, e.rc ? e.rc : RC_STORE);
	} else {
		gt->started = 0;
	}
	logged_text_release(&run);
	logged_text_release(&compile);
}
