/*
 * rpc_reply: the runner's answers (see rpc.h): a run's result, and what the runner knows.
 * The framing and the key=value machinery are rpc.c's (rpc_int.h).
 */
#include "rpc.h"
#include "rpc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static const char result_order[] = {
	RPC_RESULT, RPC_STAGE, RPC_OUT, RPC_ERR, RPC_CASE_OUT, RPC_TEXT, RPC_END, '\0'
};
static const char result_repeats[] = { RPC_STAGE, RPC_OUT, RPC_ERR, RPC_CASE_OUT, '\0' };
static const char info_order[] = { RPC_INFO_REPLY, RPC_LANG, RPC_TEXT, RPC_END, '\0' };
static const char info_repeats[] = { RPC_LANG, '\0' };

/* Error codes by their enum symbol: the JSON names in err.h are shared by several codes
 * ("runner_unavailable"), and the worker must answer with the very code the runner had. */
static const struct {
	int rc;
	const char *sym;
} codes[] = {
#define X(rc, name, http, msg) { rc, #rc },
	RC_MAP(X)
#undef X
};
static const enum run_status statuses[] = {
#define X(e, s) e,
	RUN_STATUS_MAP(X)
#undef X
};
static const enum run_reason reasons[] = {
#define X(e, s) e,
	RUN_REASON_MAP(X)
#undef X
};

/* "ok" for 0; an rc not in the table goes as RC_INTERNAL, as rc_name treats it. */
static const char *rc_symbol(int rc)
{
	size_t i;

	if (rc == 0)
		return "ok";
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].rc == rc)
			return codes[i].sym;
	return rc_symbol(RC_INTERNAL);
}

static int parse_rc(const char *s, int *out)
{
	size_t i;

	if (strcmp(s, "ok") == 0) {
		*out = 0;
		return 0;
	}
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(codes[i].sym, s) == 0) {
			*out = codes[i].rc;
			return 0;
		}
	return -1;
}

static int parse_status(const char *s, enum run_status *out)
{
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(run_status_name(statuses[i]), s) == 0) {
			*out = statuses[i];
			return 0;
		}
	return -1;
}

/* Not run_reason_parse: it maps an unknown name to REASON_NONE, which must be refused. */
static int parse_reason(const char *s, enum run_reason *out)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(run_reason_name(reasons[i]), s) == 0) {
			*out = reasons[i];
			return 0;
		}
	return -1;
}


/* ---- results ---------------------------------------------------------------------------- */

/* The head's numbers; the first, reused, is the only one a failed run's head has. */
static size_t result_fields(struct run_result *res, long *reused, struct rpc_field *f)
{
	const struct rpc_field t[] = {
		{ "reused", FK_LONG, reused, 0 },
		{ "total_ms", FK_LONG, &res->total_ms, 0 },
		{ "pooled", FK_BOOL, &res->pooled, 0 },
		{ "job_sent", FK_BOOL, &res->job_sent, 0 },
		{ "limit_lowered", FK_BOOL, &res->limit_lowered, 0 },
		{ "job_done", FK_BOOL, &res->job_done, 0 },
	};

	_Static_assert(sizeof t / sizeof t[0] <= RPC_FIELDS_MAX, "RPC_FIELDS_MAX is too small");
	memcpy(f, t, sizeof t);
	return sizeof t / sizeof t[0];
}

static size_t stage_fields(struct run_stage *st, struct rpc_field *f)
{
	const struct rpc_field t[] = {
		{ "exit", FK_INT, &st->exit_code, 0 },
		{ "signal", FK_INT, &st->signal, 0 },
		{ "wall_ms", FK_LONG, &st->wall_ms, 0 },
		{ "cpu_ms", FK_LONG, &st->cpu_ms, 0 },
		{ "mem_bytes", FK_LONG, &st->mem_bytes, 0 },
		{ "out_bytes", FK_LONG, &st->out_bytes, 0 },
		{ "err_bytes", FK_LONG, &st->err_bytes, 0 },
		{ "out_trunc", FK_BOOL, &st->out.truncated, 0 },
		{ "err_trunc", FK_BOOL, &st->err.truncated, 0 },
	};

	_Static_assert(sizeof t / sizeof t[0] <= RPC_FIELDS_MAX, "RPC_FIELDS_MAX is too small");
	memcpy(f, t, sizeof t);
	return sizeof t / sizeof t[0];
}

static const char *const result_keys[] = { "rc", "status", "container" };
static const char *const stage_keys[] = { "stage", "reason" };

/* A case's stage also says which case it is and whether its report was cut. */
static size_t case_fields(struct run_stage *st, int *index, struct rpc_field *f)
{
	size_t n = stage_fields(st, f);

	f[n++] = (struct rpc_field){ "case", FK_INT, index, 0 };
	f[n++] = (struct rpc_field){ "report_trunc", FK_BOOL, &st->report.truncated, 0 };
	return n;
}

/* Bytes each output may carry. The admin's caps can add up to more than a message holds
 * (stdout_cap may be 64 MB, RPC_MAX_MESSAGE is 40): then each of the four outputs gets an
 * equal share, cut and flagged truncated as a cap would have, rather than no answer. */
static size_t output_share(const struct run_result *res)
{
	/* the heads, the stages (a case's is under 300 bytes), the text */
	const size_t room = RPC_MAX_MESSAGE - 64 * 1024 - res->ncases * 512;
	size_t total = res->compile.out.len + res->compile.err.len + res->run.out.len +
		       res->run.err.len, i;

	for (i = 0; i < res->ncases; i++)
		total += res->cases[i].out.len + res->cases[i].err.len + res->cases[i].report.len;
	if (total <= room)
		return SIZE_MAX;
	return room / (4 + 3 * res->ncases);
}

/* A stage's facts; kase >= 0 for a test case's. */
static int add_stage(struct buf *out, const char *name, const struct run_stage *st, int kase,
		     size_t share)
{
	struct run_stage s = *st; /* the field table takes pointers; it is only read */
	struct rpc_field t[RPC_FIELDS_MAX];
	struct rpc_kv k = { .len = 0, .over = false };

	s.out.truncated = st->out.truncated || st->out.len > share;
	s.err.truncated = st->err.truncated || st->err.len > share;
	s.report.truncated = st->report.truncated || st->report.len > share;
	rpc_kv_str(&k, "stage", name, 16);
	rpc_kv_str(&k, "reason", run_reason_name(st->reason), 16);
	rpc_fields_put(&k, t, kase >= 0 ? case_fields(&s, &kase, t) : stage_fields(&s, t));
	return rpc_add_kv(out, RPC_STAGE, &k);
}

/* A case's stdout, stderr and report, each that is not empty. */
static int add_case_outputs(struct buf *out, const struct run_stage *st, size_t index,
			    size_t share)
{
	const struct buf *b[3] = { &st->out, &st->err, &st->report };
	int rc = 0;

	for (int i = 0; rc == 0 && i < 3; i++) {
		unsigned char head[3] = { (unsigned char)"oep"[i], (unsigned char)(index >> 8),
					  (unsigned char)index };

		if (b[i]->len > 0)
			rc = rpc_add_frame(out, RPC_CASE_OUT, head, 3, b[i]->data,
					   b[i]->len < share ? b[i]->len : share);
	}
	return rc;
}

static int encode_ok(const struct run_result *res, long reused, struct buf *out)
{
	struct run_result r = *res;
	const struct run_stage *st;
	struct rpc_field t[RPC_FIELDS_MAX];
	struct rpc_kv k = { .len = 0, .over = false };
	size_t share = output_share(res), i;
	const struct buf *b;
	int rc;

	rpc_kv_str(&k, "rc", "ok", 8);
	rpc_kv_str(&k, "status", run_status_name(res->status), 32);
	rpc_kv_str(&k, "container", res->container, sizeof res->container - 1);
	rpc_fields_put(&k, t, result_fields(&r, &reused, t));
	rc = rpc_add_kv(out, RPC_RESULT, &k);
	if (rc == 0 && res->compile.ran)
		rc = add_stage(out, "compile", &res->compile, -1, share);
	if (rc == 0 && res->run.ran)
		rc = add_stage(out, "run", &res->run, -1, share);
	for (i = 0; rc == 0 && i < res->ncases; i++)
		if (res->cases[i].ran)
			rc = add_stage(out, "case", &res->cases[i], (int)i, share);
	/* Outputs in the order the decoder takes them: every stdout, then every stderr. */
	for (i = 0; rc == 0 && i < 4; i++) {
		st = i % 2 == 0 ? &res->compile : &res->run;
		b = i < 2 ? &st->out : &st->err;
		if (st->ran && b->len > 0)
			rc = rpc_add_frame(out, i < 2 ? RPC_OUT : RPC_ERR, i % 2 == 0 ? "c" : "r", 1,
					   b->data, b->len < share ? b->len : share);
	}
	for (i = 0; rc == 0 && i < res->ncases; i++)
		if (res->cases[i].ran)
			rc = add_case_outputs(out, &res->cases[i], i, share);
	if (rc == 0 && res->agent_error[0] != '\0')
		rc = rpc_add_frame(out, RPC_TEXT, res->agent_error,
				   strnlen(res->agent_error, sizeof res->agent_error - 1), NULL, 0);
	return rc;
}

static int encode_error(int rc, const struct err *e, long reused, struct buf *out)
{
	const char *text = e != NULL && e->msg[0] != '\0' ? e->msg : rc_message(rc);
	struct rpc_kv k = { .len = 0, .over = false };
	int r;

	rpc_kv_str(&k, "rc", rc_symbol(rc), 32);
	rpc_kv_num(&k, "reused", reused);
	if ((r = rpc_add_kv(out, RPC_RESULT, &k)) != 0)
		return r;
	return rpc_add_frame(out, RPC_TEXT, text, strnlen(text, sizeof e->msg - 1), NULL, 0);
}

int rpc_encode_result(int rc, const struct err *e, const struct run_result *res, long reused,
		      struct buf *out)
{
	size_t start = out->len;
	bool truncated = out->truncated;
	int r = rc == 0 ? encode_ok(res, reused, out) : encode_error(rc, e, reused, out);

	if (r == 0)
		r = rpc_add_frame(out, RPC_END, NULL, 0, NULL, 0);
	return rpc_finish(out, start, truncated, r);
}

struct result_walk {
	struct run_result *res;
	int rc;                    /* the runner's */
	long reused;
	unsigned seen;             /* stages (bits 0-1) and outputs (bits 2-5) read */
	size_t cases;              /* case stages read (they come in order) */
	unsigned char *case_seen;  /* per case: outputs read (bits 0-2); NULL until needed */
	char text[sizeof ((struct err *)0)->msg]; /* a failed run's sentence */
};

static int result_head(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct rpc_field t[RPC_FIELDS_MAX];
	size_t nt = result_fields(w->res, &w->reused, t), i;
	char *id = w->res->container;
	char s[32];
	int rc;

	if (frame_kv_str(f->p, f->len, "rc", s, sizeof s) != 0 || parse_rc(s, &w->rc) != 0)
		return err_set(e, RC_BAD_REQUEST, "rc is missing or not an error code");
	if (w->rc != 0)
		nt = 1; /* a failed run's head: rc and reused */
	if ((rc = rpc_kv_check(f->p, f->len, t, nt, result_keys, w->rc != 0 ? 1 : 3,
			       "the answer's head", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, f->len, t, nt, e)) != 0)
		return rc;
	if (w->rc != 0)
		return 0;
	if (frame_kv_str(f->p, f->len, "status", s, sizeof s) != 0 ||
	    parse_status(s, &w->res->status) != 0)
		return err_set(e, RC_BAD_REQUEST, "status is missing or not a run status");
	if (frame_kv_str(f->p, f->len, "container", id, sizeof w->res->container) != 0)
		return err_set(e, RC_BAD_REQUEST, "container is missing or longer than %zu bytes",
			       sizeof w->res->container - 1);
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '.' || id[i] == '-'))
			return err_set(e, RC_BAD_REQUEST, "container is not a container id");
	return 0;
}

/* A case's stage: the next case in order that the receiver made room for. */
static int result_case(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct rpc_field t[RPC_FIELDS_MAX];
	struct run_stage *st;
	char name[16];
	int index = -1, rc;
	size_t nt;

	if (w->cases >= w->res->ncases)
		return err_set(e, RC_BAD_REQUEST, "the answer has more cases than the run");
	st = &w->res->cases[w->cases];
	nt = case_fields(st, &index, t);
	if ((rc = rpc_kv_check(f->p, f->len, t, nt, stage_keys, 2, "a case's stage frame", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, f->len, t, nt, e)) != 0)
		return rc;
	/* Cases run in order and stop at the first that cannot start: the ones that ran are
	 * the first ones. */
	if (index != (int)w->cases)
		return err_set(e, RC_BAD_REQUEST, "case %d comes out of order", index);
	w->cases = (size_t)index + 1;
	if (frame_kv_str(f->p, f->len, "reason", name, sizeof name) != 0 ||
	    parse_reason(name, &st->reason) != 0)
		return err_set(e, RC_BAD_REQUEST, "a case's reason is missing or unknown");
	st->ran = true;
	return 0;
}

/* A case's stdout, stderr or report, under the receiver's caps. */
static int result_case_output(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct run_stage *st;
	const char *kinds = "oep", *k;
	size_t index;
	unsigned bit;

	if (f->len < 3 || f->p[0] == '\0' || (k = strchr(kinds, f->p[0])) == NULL)
		return err_set(e, RC_BAD_REQUEST, "a case's output frame has no kind ('o', 'e' or 'p')");
	index = (size_t)f->p[1] << 8 | f->p[2];
	if (index >= w->res->ncases || !w->res->cases[index].ran)
		return err_set(e, RC_BAD_REQUEST, "output of a case that did not run");
	if (w->case_seen == NULL && (w->case_seen = calloc(w->res->ncases, 1)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for the cases");
	bit = 1u << (k - kinds);
	if (w->case_seen[index] & bit)
		return err_set(e, RC_BAD_REQUEST, "an output of case %zu comes twice", index);
	w->case_seen[index] |= (unsigned char)bit;
	st = &w->res->cases[index];
	if (buf_add(bit == 1 ? &st->out : bit == 2 ? &st->err : &st->report, f->p + 3,
		    f->len - 3) != 0)
		return err_set(e, RC_NOMEM, "no memory for %zu bytes of output", f->len - 3);
	return 0;
}

static int result_stage(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct rpc_field t[RPC_FIELDS_MAX];
	struct run_stage *st;
	char name[16];
	unsigned bit;
	size_t nt;
	int rc;

	if (frame_kv_str(f->p, f->len, "stage", name, sizeof name) != 0 ||
	    (strcmp(name, "compile") != 0 && strcmp(name, "run") != 0 && strcmp(name, "case") != 0))
		return err_set(e, RC_BAD_REQUEST, "a stage frame names no stage (compile, run or case)");
	if (strcmp(name, "case") == 0)
		return result_case(w, f, e);
	bit = name[0] == 'c' ? 1 : 2;
	if (w->seen & bit)
		return err_set(e, RC_BAD_REQUEST, "the %s stage is reported twice", name);
	w->seen |= bit;
	st = bit == 1 ? &w->res->compile : &w->res->run;
	nt = stage_fields(st, t);
	if ((rc = rpc_kv_check(f->p, f->len, t, nt, stage_keys, 2, "a stage frame", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, f->len, t, nt, e)) != 0)
		return rc;
	if (frame_kv_str(f->p, f->len, "reason", name, sizeof name) != 0 ||
	    parse_reason(name, &st->reason) != 0)
		return err_set(e, RC_BAD_REQUEST, "a stage's reason is missing or unknown");
	st->ran = true;
	return 0;
}

/* Appended under the receiver's caps: what is cut sets the buffer's truncated flag. */
static int result_output(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct run_stage *st;
	unsigned bit;

	if (f->len == 0 || (f->p[0] != 'c' && f->p[0] != 'r'))
		return err_set(e, RC_BAD_REQUEST, "an output frame has no stage byte ('c' or 'r')");
	st = f->p[0] == 'c' ? &w->res->compile : &w->res->run;
	bit = (f->p[0] == 'c' ? 4u : 8u) << (f->type == RPC_ERR ? 2 : 0);
	if (!st->ran)
		return err_set(e, RC_BAD_REQUEST, "output of a stage that did not run");
	if (w->seen & bit)
		return err_set(e, RC_BAD_REQUEST, "an output of a stage comes twice");
	w->seen |= bit;
	if (buf_add(f->type == RPC_OUT ? &st->out : &st->err, f->p + 1, f->len - 1) != 0)
		return err_set(e, RC_NOMEM, "no memory for %zu bytes of output", f->len - 1);
	return 0;
}

static int result_text(struct result_walk *w, const struct rpc_frame *f, struct err *e)
{
	char *to = w->rc != 0 ? w->text : w->res->agent_error;
	size_t cap = w->rc != 0 ? sizeof w->text : sizeof w->res->agent_error;

	if (f->len >= cap || memchr(f->p, '\0', f->len) != NULL)
		return err_set(e, RC_BAD_REQUEST, "the answer's text is longer than %zu bytes or "
			       "holds a NUL", cap - 1);
	memcpy(to, f->p, f->len);
	to[f->len] = '\0';
	return 0;
}

static int result_frame(void *arg, const struct rpc_frame *f, struct err *e)
{
	struct result_walk *w = arg;

	if (f->type == RPC_RESULT)
		return result_head(w, f, e);
	if (f->type == RPC_TEXT)
		return result_text(w, f, e);
	if (w->rc != 0)
		return err_set(e, RC_BAD_REQUEST, "a failed run's answer has a frame '%c'", f->type);
	if (f->type == RPC_CASE_OUT)
		return result_case_output(w, f, e);
	return f->type == RPC_STAGE ? result_stage(w, f, e) : result_output(w, f, e);
}

int rpc_decode_result(const unsigned char *p, size_t n, struct run_result *res, int *rc,
		      long *reused, struct err *e)
{
	struct result_walk w;
	int r;

	memset(&w, 0, sizeof w);
	w.res = res;
	r = rpc_walk(p, n, result_order, result_repeats, result_frame, &w, e);
	free(w.case_seen);
	if (r != 0)
		return r;
	*rc = w.rc;
	if (reused != NULL)
		*reused = w.reused;
	if (w.rc != 0)
		(void)err_set(e, w.rc, "%s", w.text[0] != '\0' ? w.text : rc_message(w.rc));
	return 0;
}

/* ---- info ------------------------------------------------------------------------------- */

static size_t info_fields(struct rpc_info *in, struct rpc_field *f)
{
	const struct rpc_field t[] = {
		{ "docker", FK_BOOL, &in->docker, 0 },
		{ "containers_created", FK_LLONG, &in->containers_created, 0 },
		{ "containers_removed", FK_LLONG, &in->containers_removed, 0 },
		{ "reused_jobs", FK_LLONG, &in->reused_jobs, 0 },
		{ "retired", FK_LLONG, &in->retired, 0 },
	};

	_Static_assert(sizeof t / sizeof t[0] <= RPC_FIELDS_MAX, "RPC_FIELDS_MAX is too small");
	memcpy(f, t, sizeof t);
	return sizeof t / sizeof t[0];
}

static size_t lang_fields(struct rpc_lang_info *l, struct rpc_field *f)
{
	const struct rpc_field t[] = {
		{ "image", FK_BOOL, &l->image, 0 },
		{ "idle", FK_INT, &l->idle, 0 },
		{ "busy", FK_INT, &l->busy, 0 },
	};

	_Static_assert(sizeof t / sizeof t[0] <= RPC_FIELDS_MAX, "RPC_FIELDS_MAX is too small");
	memcpy(f, t, sizeof t);
	return sizeof t / sizeof t[0];
}

static const char *const info_keys[] = { "docker_version", "docker_rc" };
static const char *const lang_keys[] = { "lang", "version" };

int rpc_encode_info_request(struct buf *out)
{
	size_t start = out->len;
	bool truncated = out->truncated;
	int rc = rpc_add_frame(out, RPC_INFO, NULL, 0, NULL, 0);

	if (rc == 0)
		rc = rpc_add_frame(out, RPC_END, NULL, 0, NULL, 0);
	return rpc_finish(out, start, truncated, rc);
}

static int add_lang(struct buf *out, const struct rpc_lang_info *li)
{
	struct rpc_lang_info l = *li; /* the field table takes pointers; it is only read */
	struct rpc_field t[RPC_FIELDS_MAX];
	struct rpc_kv k = { .len = 0, .over = false };

	rpc_kv_str(&k, "lang", li->lang, sizeof li->lang - 1);
	rpc_kv_str(&k, "version", li->version, sizeof li->version - 1);
	rpc_fields_put(&k, t, lang_fields(&l, t));
	return rpc_add_kv(out, RPC_LANG, &k);
}

int rpc_encode_info(const struct rpc_info *in, struct buf *out)
{
	struct rpc_info c = *in; /* the field table takes pointers; it is only read */
	struct rpc_field t[RPC_FIELDS_MAX];
	struct rpc_kv k = { .len = 0, .over = false };
	size_t start = out->len, i;
	bool truncated = out->truncated;
	int rc;

	rpc_kv_str(&k, "docker_version", in->docker_version, sizeof in->docker_version - 1);
	rpc_kv_str(&k, "docker_rc", rc_symbol(in->docker_rc), 32);
	rpc_fields_put(&k, t, info_fields(&c, t));
	rc = rpc_add_kv(out, RPC_INFO_REPLY, &k);
	for (i = 0; rc == 0 && i < in->nlangs && i < LANG_MAX; i++)
		rc = add_lang(out, &in->langs[i]);
	if (rc == 0 && !in->docker)
		rc = rpc_add_frame(out, RPC_TEXT, in->docker_error,
				   strnlen(in->docker_error, sizeof in->docker_error - 1), NULL, 0);
	if (rc == 0)
		rc = rpc_add_frame(out, RPC_END, NULL, 0, NULL, 0);
	return rpc_finish(out, start, truncated, rc);
}

static int info_head(struct rpc_info *in, const struct rpc_frame *f, struct err *e)
{
	struct rpc_field t[RPC_FIELDS_MAX];
	size_t nt = info_fields(in, t);
	char s[32];
	int rc;

	if ((rc = rpc_kv_check(f->p, f->len, t, nt, info_keys, 2, "the info reply", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, f->len, t, nt, e)) != 0)
		return rc;
	if (frame_kv_str(f->p, f->len, "docker_version", in->docker_version,
			 sizeof in->docker_version) != 0)
		return err_set(e, RC_BAD_REQUEST, "docker_version is missing or longer than %zu "
			       "bytes", sizeof in->docker_version - 1);
	if (frame_kv_str(f->p, f->len, "docker_rc", s, sizeof s) != 0 ||
	    parse_rc(s, &in->docker_rc) != 0)
		return err_set(e, RC_BAD_REQUEST, "docker_rc is missing or not an error code");
	return 0;
}

/* lang.c's rule for a language id: [a-z0-9_+-], 1 to 31 characters. */
static bool lang_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-' || s[i] == '+'))
			return false;
	return i > 0;
}

/* A language the worker's registry lacks is not refused: the reply reports the runner's
 * view, and a face decides what to make of a mismatch. */
static int info_lang(struct rpc_info *in, const struct rpc_frame *f, struct err *e)
{
	struct rpc_lang_info *l = &in->langs[in->nlangs];
	struct rpc_field t[RPC_FIELDS_MAX];
	size_t nt, i;
	int rc;

	if (in->nlangs == LANG_MAX)
		return err_set(e, RC_BAD_REQUEST, "the info reply has more than %d languages",
			       LANG_MAX);
	nt = lang_fields(l, t);
	if ((rc = rpc_kv_check(f->p, f->len, t, nt, lang_keys, 2, "a language frame", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, f->len, t, nt, e)) != 0)
		return rc;
	if (frame_kv_str(f->p, f->len, "lang", l->lang, sizeof l->lang) != 0 || !lang_id(l->lang))
		return err_set(e, RC_BAD_REQUEST, "a language frame's lang is missing or not an id");
	for (i = 0; i < in->nlangs; i++)
		if (strcmp(in->langs[i].lang, l->lang) == 0)
			return err_set(e, RC_BAD_REQUEST, "language %s comes twice", l->lang);
	if (frame_kv_str(f->p, f->len, "version", l->version, sizeof l->version) != 0)
		return err_set(e, RC_BAD_REQUEST, "%s's version is missing or longer than %zu bytes",
			       l->lang, sizeof l->version - 1);
	in->nlangs++;
	return 0;
}

static int info_frame(void *arg, const struct rpc_frame *f, struct err *e)
{
	struct rpc_info *in = arg;

	if (f->type == RPC_INFO_REPLY)
		return info_head(in, f, e);
	if (f->type == RPC_LANG)
		return info_lang(in, f, e);
	if (in->docker)
		return err_set(e, RC_BAD_REQUEST, "the info reply has an error while Docker answers");
	if (f->len >= sizeof in->docker_error || memchr(f->p, '\0', f->len) != NULL)
		return err_set(e, RC_BAD_REQUEST, "Docker's error is longer than %zu bytes or holds "
			       "a NUL", sizeof in->docker_error - 1);
	memcpy(in->docker_error, f->p, f->len);
	in->docker_error[f->len] = '\0';
	return 0;
}

int rpc_decode_info(const unsigned char *p, size_t n, struct rpc_info *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	return rpc_walk(p, n, info_order, info_repeats, info_frame, out, e);
}
