/*
 * rpc: see rpc.h. This file holds what every message uses (rpc_int.h), the stream cutter
 * and the run request; rpc_reply.c the runner's answers. Encoders build each message into
 * the caller's struct buf; decoders go through it with one frame walker (rpc_walk) that
 * enforces the order of the message's frames, and read each key=value payload with
 * frame.h's helpers once rpc_kv_check has proven that every line is a key the payload may
 * hold, given once. The scalar keys of each payload are listed once, in a field table
 * that the encoder and the decoder both use.
 */
#include "rpc.h"
#include "rpc_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* The largest number a decoder takes: far above any limit, far below overflow. */
#define NUM_MAX ((long long)1 << 62)
#define LONG_NUM_MAX (NUM_MAX < LONG_MAX ? NUM_MAX : (long long)LONG_MAX)
/* The most frames a message has: a run's head, its files, two argvs, stdin and end (an
 * answer has at most 9, an info reply LANG_MAX + 3). */
#define MAX_FRAMES (2 * RPC_MAX_FILES + RUN_MAX_CASES + 5)

static const char all_types[] = {
	RPC_RUN, RPC_INFO, RPC_FILE, RPC_SUITE, RPC_COMPILE, RPC_ARGV, RPC_STDIN, RPC_CASE, RPC_RESULT,
	RPC_STAGE, RPC_OUT, RPC_ERR, RPC_CASE_OUT, RPC_TEXT, RPC_INFO_REPLY, RPC_LANG, RPC_END,
	'\0'
};
static const char first_types[] = { RPC_RUN, RPC_INFO, RPC_RESULT, RPC_INFO_REPLY, '\0' };
/* A run request's frames in their order (files may repeat). */
static const char run_order[] = {
	RPC_RUN, RPC_FILE, RPC_SUITE, RPC_COMPILE, RPC_ARGV, RPC_STDIN, RPC_CASE, RPC_END, '\0'
};
static const char run_repeats[] = { RPC_FILE, RPC_SUITE, RPC_CASE, '\0' };

static bool known_type(int t)
{
	return t != '\0' && strchr(all_types, t) != NULL;
}

/* ---- key=value payloads ----------------------------------------------------------------- */

void rpc_kv_num(struct rpc_kv *k, const char *key, long long v)
{
	size_t room = sizeof k->text - k->len;
	int w;

	if (k->over)
		return;
	w = snprintf(k->text + k->len, room, "%s=%lld\n", key, v);
	if (w < 0 || (size_t)w >= room)
		k->over = true;
	else
		k->len += (size_t)w;
}

/* A value ends at its line's end, so it must not hold one. */
void rpc_kv_str(struct rpc_kv *k, const char *key, const char *s, size_t max)
{
	size_t room = sizeof k->text - k->len, n = strnlen(s, max), i;
	int w;

	if (k->over)
		return;
	w = snprintf(k->text + k->len, room, "%s=%.*s\n", key, (int)n, s);
	if (w < 0 || (size_t)w >= room) {
		k->over = true;
		return;
	}
	for (i = k->len + strlen(key) + 1; i < k->len + (size_t)w - 1; i++)
		if (k->text[i] == '\n' || k->text[i] == '\r')
			k->text[i] = ' ';
	k->len += (size_t)w;
}

void rpc_fields_put(struct rpc_kv *k, const struct rpc_field *f, size_t nf)
{
	size_t i;

	for (i = 0; i < nf; i++)
		switch (f[i].kind) {
		case FK_INT: rpc_kv_num(k, f[i].key, *(const int *)f[i].p); break;
		case FK_LONG: rpc_kv_num(k, f[i].key, *(const long *)f[i].p); break;
		case FK_LLONG: rpc_kv_num(k, f[i].key, *(const long long *)f[i].p); break;
		case FK_BOOL: rpc_kv_num(k, f[i].key, *(const bool *)f[i].p ? 1 : 0); break;
		}
}

int rpc_fields_get(const unsigned char *p, size_t n, const struct rpc_field *f, size_t nf,
		   struct err *e)
{
	static const long long max[] = { INT_MAX, LONG_NUM_MAX, NUM_MAX, 1 };
	uint64_t v;
	size_t i;

	for (i = 0; i < nf; i++) {
		if (frame_kv_u64(p, n, f[i].key, (uint64_t)max[f[i].kind], &v) != 0 ||
		    (long long)v < f[i].lo)
			return err_set(e, RC_BAD_REQUEST, "%s is missing or not a number from %lld "
				       "to %lld", f[i].key, f[i].lo, max[f[i].kind]);
		switch (f[i].kind) {
		case FK_INT: *(int *)f[i].p = (int)v; break;
		case FK_LONG: *(long *)f[i].p = (long)v; break;
		case FK_LLONG: *(long long *)f[i].p = (long long)v; break;
		case FK_BOOL: *(bool *)f[i].p = v != 0; break;
		}
	}
	return 0;
}

/* With every key known and given once, the first match frame_kv_* finds is the only one,
 * and a misspelt or repeated key is refused rather than ignored. Peer bytes are never
 * quoted in e: a sentence must stay printable. */
int rpc_kv_check(const unsigned char *p, size_t n, const struct rpc_field *f, size_t nf,
		 const char *const *extra, size_t nextra, const char *what, struct err *e)
{
	uint64_t seen = 0;
	size_t i = 0, k, klen;

	if (nf + nextra > 64)
		return err_set(e, RC_INTERNAL, "%s has more keys than rpc_kv_check tracks", what);
	if (n > 0 && p[n - 1] != '\n')
		return err_set(e, RC_BAD_REQUEST, "%s does not end with a newline", what);
	if (memchr(p, '\0', n) != NULL)
		return err_set(e, RC_BAD_REQUEST, "%s holds a NUL byte", what);
	while (i < n) {
		const unsigned char *line = p + i, *nl = memchr(line, '\n', n - i);
		const unsigned char *eq = memchr(line, '=', (size_t)(nl - line));

		if (eq == NULL)
			return err_set(e, RC_BAD_REQUEST, "%s has a line without '='", what);
		klen = (size_t)(eq - line);
		for (k = 0; k < nf + nextra; k++) {
			const char *key = k < nf ? f[k].key : extra[k - nf];

			if (strlen(key) == klen && memcmp(key, line, klen) == 0)
				break;
		}
		if (k == nf + nextra)
			return err_set(e, RC_BAD_REQUEST, "%s has a key it does not take", what);
		if (seen & (uint64_t)1 << k)
			return err_set(e, RC_BAD_REQUEST, "%s gives %s twice", what,
				       k < nf ? f[k].key : extra[k - nf]);
		seen |= (uint64_t)1 << k;
		i += (size_t)(nl - line) + 1;
	}
	return 0;
}

/* ---- frames ----------------------------------------------------------------------------- */

static size_t frame_len(const unsigned char *h)
{
	return (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | (size_t)h[4];
}

int rpc_add_frame(struct buf *out, int type, const void *a, size_t an, const void *b,
		  size_t bn)
{
	unsigned char hdr[FRAME_HDR];
	int rc;

	if (an > RPC_MAX_MESSAGE || bn > RPC_MAX_MESSAGE - an)
		return RC_BODY_TOO_LARGE;
	frame_header(hdr, type, (uint32_t)(an + bn));
	if ((rc = buf_add(out, hdr, sizeof hdr)) != 0 || (rc = buf_add(out, a, an)) != 0 ||
	    (rc = buf_add(out, b, bn)) != 0)
		return rc;
	return out->truncated ? RC_NOMEM : 0;
}

int rpc_add_kv(struct buf *out, int type, const struct rpc_kv *k)
{
	return k->over ? RC_INTERNAL : rpc_add_frame(out, type, k->text, k->len, NULL, 0);
}

static int add_argv(struct buf *out, int type, const char *const *argv)
{
	unsigned char hdr[FRAME_HDR];
	size_t i, len = 0, a;
	int rc;

	for (i = 0; argv[i] != NULL; i++) {
		if ((a = strlen(argv[i]) + 1) > RPC_MAX_MESSAGE - len)
			return RC_BODY_TOO_LARGE;
		len += a;
	}
	frame_header(hdr, type, (uint32_t)len);
	rc = buf_add(out, hdr, sizeof hdr);
	for (i = 0; rc == 0 && argv[i] != NULL; i++)
		rc = buf_add(out, argv[i], strlen(argv[i]) + 1);
	return rc != 0 ? rc : out->truncated ? RC_NOMEM : 0;
}

int rpc_finish(struct buf *out, size_t start, bool truncated, int rc)
{
	if (rc == 0 && out->len - start > RPC_MAX_MESSAGE)
		rc = RC_BODY_TOO_LARGE;
	if (rc != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
		out->truncated = truncated;
	}
	return rc;
}

int rpc_walk(const unsigned char *p, size_t n, const char *order, const char *repeats,
	     rpc_frame_fn cb, void *arg, struct err *e)
{
	const char *at, *last = NULL;
	struct rpc_frame f;
	size_t off = 0;
	int rc;

	if (n > RPC_MAX_MESSAGE)
		return err_set(e, RC_BAD_REQUEST, "the message is larger than %u bytes",
			       RPC_MAX_MESSAGE);
	for (;;) {
		if (n - off < FRAME_HDR || frame_len(p + off) > n - off - FRAME_HDR)
			return err_set(e, RC_BAD_REQUEST, "the message is cut short");
		f.type = p[off];
		f.p = p + off + FRAME_HDR;
		f.len = frame_len(p + off);
		off += FRAME_HDR + f.len;
		if ((at = f.type != '\0' ? strchr(order, f.type) : NULL) == NULL)
			return err_set(e, RC_BAD_REQUEST, "frame type 0x%02x does not belong in "
				       "this message", (unsigned)f.type);
		if (last == NULL ? at != order
				 : at < last || (at == last && strchr(repeats, f.type) == NULL))
			return err_set(e, RC_BAD_REQUEST, "frame '%c' is out of order or repeated",
				       f.type);
		last = at;
		if (f.type == RPC_END)
			break;
		if ((rc = cb(arg, &f, e)) != 0)
			return rc;
	}
	if (f.len != 0)
		return err_set(e, RC_BAD_REQUEST, "the end frame is not empty");
	if (off != n)
		return err_set(e, RC_BAD_REQUEST, "trailing bytes after the end frame (%zu)",
			       n - off);
	return 0;
}

int rpc_message_type(const unsigned char *p, size_t n)
{
	if (n < FRAME_HDR || frame_len(p) > n - FRAME_HDR || !known_type(p[0]))
		return -1;
	return p[0];
}

long rpc_message_length(const unsigned char *p, size_t n)
{
	size_t off = 0, len, frames = 0;
	int type;

	/* Each call walks from the start again, which is cheap because a message has at most
	 * MAX_FRAMES frames: more is refused, so a peer cannot make this quadratic. */
	while (off < n) {
		type = p[off];
		if (!known_type(type) || (off == 0 && strchr(first_types, type) == NULL) ||
		    ++frames > MAX_FRAMES)
			return -1;
		if (n - off < FRAME_HDR)
			return 0;
		len = frame_len(p + off);
		if (len > RPC_MAX_MESSAGE || off + FRAME_HDR + len > RPC_MAX_MESSAGE ||
		    (type == RPC_END && len != 0))
			return -1;
		if (len > n - off - FRAME_HDR)
			return 0;
		off += FRAME_HDR + len;
		if (type == RPC_END)
			return (long)off;
	}
	return 0;
}

/* ---- run requests ----------------------------------------------------------------------- */

static size_t run_fields(struct run_request *rr, bool *compile, struct rpc_field *f)
{
	struct limits *l = &rr->limits;
	const struct rpc_field t[] = {
		{ "wall_ms", FK_LONG, &l->wall_ms, 1 },
		{ "cpu_ms", FK_LONG, &l->cpu_ms, 1 },
		{ "memory_bytes", FK_LONG, &l->memory_bytes, 1 },
		{ "nano_cpus", FK_LONG, &l->nano_cpus, 0 },
		{ "pids", FK_LONG, &l->pids, 1 },
		{ "work_tmpfs_bytes", FK_LONG, &l->work_tmpfs_bytes, 1 },
		{ "tmp_tmpfs_bytes", FK_LONG, &l->tmp_tmpfs_bytes, 1 },
		{ "stdout_cap", FK_LONG, &l->stdout_cap, 1 },
		{ "stderr_cap", FK_LONG, &l->stderr_cap, 1 },
		{ "run_uid", FK_LONG, &l->run_uid, 1 },
		{ "compile_wall_ms", FK_LONG, &rr->compile_wall_ms, 0 },
		{ "compile_cpu_ms", FK_LONG, &rr->compile_cpu_ms, 0 },
		{ "compile_memory_bytes", FK_LONG, &rr->compile_memory_bytes, 0 },
		{ "container_memory_bytes", FK_LONG, &rr->container_memory_bytes, 0 },
		{ "run_pids", FK_LONG, &rr->run_pids, 0 },
		{ "run_as_bytes", FK_LONG, &rr->run_as_bytes, 0 },
		{ "compile_strict", FK_BOOL, &rr->compile_strict, 0 },
		{ "compile", FK_BOOL, compile, 0 },
	};

	_Static_assert(sizeof t / sizeof t[0] <= RPC_FIELDS_MAX, "RPC_FIELDS_MAX is too small");
	memcpy(f, t, sizeof t);
	return sizeof t / sizeof t[0];
}

static const char *const run_keys[] = { "run_id", "lang", "suite_id" };

static int add_case(struct buf *out, const struct run_case *c);

int rpc_encode_run(const struct run_request *req, struct buf *out)
{
	struct run_request r = *req; /* the field table takes pointers; it is only read */
	/* An empty compile argv is no compile stage, as run_job_encode sends it. */
	bool compile = req->compile_argv != NULL && req->compile_argv[0] != NULL;
	struct rpc_field t[RPC_FIELDS_MAX];
	size_t start = out->len, i;
	bool truncated = out->truncated;
	struct rpc_kv k = { .len = 0, .over = false };
	int rc;

	rpc_kv_str(&k, "run_id", req->run_id != NULL ? req->run_id : "", 32);
	rpc_kv_str(&k, "lang", req->lang != NULL ? req->lang->id : "", sizeof req->lang->id - 1);
	if (req->nsuite > 0)
		rpc_kv_str(&k, "suite_id", req->suite_id != NULL ? req->suite_id : "", 64);
	rpc_fields_put(&k, t, run_fields(&r, &compile, t));
	rc = rpc_add_kv(out, RPC_RUN, &k);
	for (i = 0; rc == 0 && i < req->nfiles; i++)
		rc = rpc_add_frame(out, RPC_FILE, req->files[i].name, strlen(req->files[i].name) + 1,
				   req->files[i].data, req->files[i].len);
	if (rc == 0 && req->nsuite > RPC_MAX_FILES)
		rc = RC_BAD_REQUEST;
	for (i = 0; rc == 0 && i < req->nsuite; i++)
		rc = rpc_add_frame(out, RPC_SUITE, req->suite[i].name, strlen(req->suite[i].name) + 1,
				   req->suite[i].data, req->suite[i].len);
	if (rc == 0 && compile)
		rc = add_argv(out, RPC_COMPILE, req->compile_argv);
	if (rc == 0 && req->run_argv != NULL)
		rc = add_argv(out, RPC_ARGV, req->run_argv);
	if (rc == 0 && req->stdin_len > 0)
		rc = rpc_add_frame(out, RPC_STDIN, req->stdin_data, req->stdin_len, NULL, 0);
	if (rc == 0 && req->ncases > RUN_MAX_CASES)
		rc = RC_BAD_REQUEST;
	for (i = 0; rc == 0 && i < req->ncases; i++)
		rc = add_case(out, &req->cases[i]);
	if (rc == 0)
		rc = rpc_add_frame(out, RPC_END, NULL, 0, NULL, 0);
	return rpc_finish(out, start, truncated, rc);
}

/* One case as one frame: its head, a NUL, its arguments, its stdin. */
static int add_case(struct buf *out, const struct run_case *c)
{
	struct rpc_kv k = { .len = 0, .over = false };
	unsigned char hdr[FRAME_HDR];
	size_t argc = 0, alen = 0, i;
	int rc;

	for (i = 0; c->run_argv != NULL && c->run_argv[i] != NULL; i++) {
		if ((alen += strlen(c->run_argv[i]) + 1) > RPC_MAX_MESSAGE)
			return RC_BODY_TOO_LARGE;
		argc++;
	}
	rpc_kv_num(&k, "wall_ms", c->wall_ms);
	rpc_kv_num(&k, "cpu_ms", c->cpu_ms);
	rpc_kv_num(&k, "report", c->report ? 1 : 0);
	rpc_kv_num(&k, "argc", (long long)argc);
	rpc_kv_num(&k, "stdin_len", (long long)c->stdin_len);
	rpc_kv_num(&k, "nfiles", (long long)c->nfiles);
	if (k.over || c->nfiles > RUN_CASE_FILES)
		return RC_INTERNAL;
	for (i = 0; i < c->nfiles; i++) {
		if (c->files[i].len > RPC_MAX_MESSAGE)
			return RC_BODY_TOO_LARGE;
		alen += strlen(c->files[i].name) + 1 + 8 + c->files[i].len;
	}
	if (c->stdin_len > RPC_MAX_MESSAGE || alen > RPC_MAX_MESSAGE ||
	    alen + k.len + 1 > RPC_MAX_MESSAGE - c->stdin_len)
		return RC_BODY_TOO_LARGE;
	frame_header(hdr, RPC_CASE, (uint32_t)(k.len + 1 + alen + c->stdin_len));
	if ((rc = buf_add(out, hdr, sizeof hdr)) != 0 || (rc = buf_add(out, k.text, k.len)) != 0 ||
	    (rc = buf_add(out, "", 1)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < argc; i++)
		rc = buf_add(out, c->run_argv[i], strlen(c->run_argv[i]) + 1);
	if (rc == 0 && c->stdin_len > 0)
		rc = buf_add(out, c->stdin_data, c->stdin_len);
	for (i = 0; rc == 0 && i < c->nfiles; i++) {
		unsigned char len[8];

		for (int b = 0; b < 8; b++)
			len[b] = (unsigned char)((unsigned long long)c->files[i].len >> (56 - 8 * b));
		if ((rc = buf_add(out, c->files[i].name, strlen(c->files[i].name) + 1)) == 0 &&
		    (rc = buf_add(out, len, 8)) == 0)
			rc = buf_add(out, c->files[i].data, c->files[i].len);
	}
	return rc != 0 ? rc : out->truncated ? RC_NOMEM : 0;
}

/* What is wrong with a file name of len bytes (s[len] is its NUL), or NULL. */
static const char *name_problem(const char *s, size_t len)
{
	size_t i = 0, part;

	if (len == 0)
		return "is empty";
	if (len > 255)
		return "is longer than 255 bytes";
	if (s[0] == '/')
		return "is absolute";
	for (size_t k = 0, depth = 1; k < len; k++) {
		/* The agent's rules too (images/agent/agent_job.c check_name), so a name it would
		 * refuse is refused here, before a container is leased for it. */
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return "has a control character";
		if (s[k] == '/' && ++depth > RPC_NAME_DEPTH)
			return "is too deep";
	}
	while (i <= len) {
		part = strcspn(s + i, "/");
		if (part == 0)
			return "has an empty part";
		if ((part == 1 && s[i] == '.') || (part == 2 && s[i] == '.' && s[i + 1] == '.'))
			return "has a '.' or '..' part";
		i += part + 1;
	}
	return NULL;
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

struct run_walk {
	struct rpc_run *r;
	bool compile;
};

static int run_head(struct run_walk *w, const struct rpc_frame *f, struct err *e)
{
	struct rpc_field t[RPC_FIELDS_MAX];
	size_t nt = run_fields(&w->r->rr, &w->compile, t), i;
	char lang[sizeof w->r->rr.lang->id];
	int rc;

	if ((rc = rpc_kv_check(f->p, f->len, t, nt, run_keys, 3, "the run's head", e)) != 0)
		return rc;
	w->r->suite_id[0] = '\0';
	if (frame_kv_str(f->p, f->len, "suite_id", w->r->suite_id, sizeof w->r->suite_id) == 0) {
		for (i = 0; w->r->suite_id[i] != '\0'; i++)
			if (!((w->r->suite_id[i] >= '0' && w->r->suite_id[i] <= '9') ||
			      (w->r->suite_id[i] >= 'a' && w->r->suite_id[i] <= 'f')))
				break;
		if (i != 64 || w->r->suite_id[i] != '\0')
			return err_set(e, RC_BAD_REQUEST, "suite_id is not a SHA-256 in hex");
	}
	if (frame_kv_str(f->p, f->len, "run_id", w->r->run_id, sizeof w->r->run_id) != 0 ||
	    w->r->run_id[0] == '\0')
		return err_set(e, RC_BAD_REQUEST, "run_id is missing or longer than %zu characters",
			       sizeof w->r->run_id - 1);
	for (i = 0; w->r->run_id[i] != '\0'; i++)
		if (!id_char(w->r->run_id[i]))
			return err_set(e, RC_BAD_REQUEST, "run_id holds a character other than "
				       "A-Z, a-z, 0-9, '_' and '-'");
	if (frame_kv_str(f->p, f->len, "lang", lang, sizeof lang) != 0 ||
	    (w->r->rr.lang = lang_find(lang)) == NULL)
		return err_set(e, RC_BAD_REQUEST, "lang is missing or not a language of the registry");
	return rpc_fields_get(f->p, f->len, t, nt, e);
}

/* A program's file or a suite's (into files, counted by *n). */
static int run_file(struct run_file *files, size_t *n, const char *what,
		    const struct rpc_frame *f, struct err *e)
{
	const unsigned char *nul = memchr(f->p, '\0', f->len);
	struct run_file *file;
	const char *why;

	if (*n == RPC_MAX_FILES)
		return err_set(e, RC_BAD_REQUEST, "the run has more than %d %ss", RPC_MAX_FILES, what);
	if (nul == NULL)
		return err_set(e, RC_BAD_REQUEST, "%s %zu has no NUL after its name", what, *n + 1);
	if ((why = name_problem((const char *)f->p, (size_t)(nul - f->p))) != NULL)
		return err_set(e, RC_BAD_REQUEST, "%s %zu's name %s", what, *n + 1, why);
	file = &files[(*n)++];
	file->name = (const char *)f->p;
	file->data = nul + 1;
	file->len = f->len - (size_t)(nul + 1 - f->p);
	return 0;
}

static int run_argv(const char **argv, const struct rpc_frame *f, const char *what,
		    struct err *e)
{
	size_t i = 0, off = 0;

	if (f->len == 0 || f->p[0] == '\0' || f->p[f->len - 1] != '\0')
		return err_set(e, RC_BAD_REQUEST, "%s is empty, has no program or does not end "
			       "with a NUL", what);
	while (off < f->len) {
		if (i == RPC_MAX_ARGS)
			return err_set(e, RC_BAD_REQUEST, "%s has more than %d arguments", what,
				       RPC_MAX_ARGS);
		argv[i] = (const char *)f->p + off;
		off += strlen(argv[i++]) + 1;
	}
	argv[i] = NULL;
	return 0;
}

/* The most arguments all cases' own commands have together. */
#define CASE_ARGS_MAX (4 * RPC_MAX_ARGS)

static int run_case(struct rpc_run *r, const struct rpc_frame *f, struct err *e)
{
	const unsigned char *nul = memchr(f->p, '\0', f->len), *q, *end = f->p + f->len;
	struct run_case *c;
	long long argc = 0, slen = 0, nfiles = 0;
	const struct rpc_field t[] = {
		{ "wall_ms", FK_LONG, NULL, 0 }, { "cpu_ms", FK_LONG, NULL, 0 },
		{ "report", FK_BOOL, NULL, 0 }, { "argc", FK_LLONG, &argc, 0 },
		{ "stdin_len", FK_LLONG, &slen, 0 }, { "nfiles", FK_LLONG, &nfiles, 0 },
	};
	struct rpc_field f2[6];
	bool report = false;
	int rc;

	if (r->rr.ncases == RUN_MAX_CASES)
		return err_set(e, RC_BAD_REQUEST, "the run has more than %d cases", RUN_MAX_CASES);
	if (r->rr.stdin_len > 0)
		return err_set(e, RC_BAD_REQUEST, "a run with cases has stdin of its own too");
	if (nul == NULL)
		return err_set(e, RC_BAD_REQUEST, "case %zu has no NUL after its head",
			       r->rr.ncases + 1);
	c = &r->cases[r->rr.ncases];
	memcpy(f2, t, sizeof t);
	f2[0].p = &c->wall_ms;
	f2[1].p = &c->cpu_ms;
	f2[2].p = &report;
	if ((rc = rpc_kv_check(f->p, (size_t)(nul - f->p), f2, 6, NULL, 0, "a case's head", e)) != 0 ||
	    (rc = rpc_fields_get(f->p, (size_t)(nul - f->p), f2, 6, e)) != 0)
		return rc;
	if (nfiles > RUN_CASE_FILES)
		return err_set(e, RC_BAD_REQUEST, "case %zu has more than %d files", r->rr.ncases + 1,
			       RUN_CASE_FILES);
	c->report = report;
	q = nul + 1;
	if (argc > 0) {
		if (argc > RPC_MAX_ARGS ||
		    r->case_argv_used + (size_t)argc + 1 > CASE_ARGS_MAX + RUN_MAX_CASES)
			return err_set(e, RC_BAD_REQUEST, "case %zu has too many arguments",
				       r->rr.ncases + 1);
		if (r->case_argv == NULL &&
		    (r->case_argv = calloc(CASE_ARGS_MAX + RUN_MAX_CASES, sizeof *r->case_argv)) == NULL)
			return err_set(e, RC_NOMEM, "no memory for the cases' commands");
		c->run_argv = r->case_argv + r->case_argv_used;
		for (long long a = 0; a < argc; a++) {
			const unsigned char *z = memchr(q, '\0', (size_t)(end - q));

			if (z == NULL || (a == 0 && z == q))
				return err_set(e, RC_BAD_REQUEST, "case %zu's command is cut short or has "
					       "no program", r->rr.ncases + 1);
			r->case_argv[r->case_argv_used++] = (const char *)q;
			q = z + 1;
		}
		r->case_argv[r->case_argv_used++] = NULL;
	}
	if ((long long)(end - q) < slen)
		return err_set(e, RC_BAD_REQUEST, "case %zu's stdin is not stdin_len bytes",
			       r->rr.ncases + 1);
	c->stdin_data = q;
	c->stdin_len = (size_t)slen;
	q += slen;
	c->files = r->case_files[r->rr.ncases];
	for (long long k = 0; k < nfiles; k++) {
		struct run_file *cf = &r->case_files[r->rr.ncases][k];
		const unsigned char *z = memchr(q, '\0', (size_t)(end - q));
		const char *why;
		unsigned long long len = 0;

		if (z == NULL || end - (z + 1) < 8)
			return err_set(e, RC_BAD_REQUEST, "case %zu's file %lld is cut short",
				       r->rr.ncases + 1, k + 1);
		if ((why = name_problem((const char *)q, (size_t)(z - q))) != NULL)
			return err_set(e, RC_BAD_REQUEST, "case %zu's file %lld's name %s",
				       r->rr.ncases + 1, k + 1, why);
		for (int b = 1; b <= 8; b++)
			len = len << 8 | z[b];
		if (len > (unsigned long long)(end - (z + 9)))
			return err_set(e, RC_BAD_REQUEST, "case %zu's file %lld is cut short",
				       r->rr.ncases + 1, k + 1);
		*cf = (struct run_file){ (const char *)q, z + 9, (size_t)len };
		q = z + 9 + len;
	}
	c->nfiles = (size_t)nfiles;
	if (q != end)
		return err_set(e, RC_BAD_REQUEST, "case %zu has bytes after its files",
			       r->rr.ncases + 1);
	r->rr.ncases++;
	return 0;
}

static int run_frame(void *arg, const struct rpc_frame *f, struct err *e)
{
	struct run_walk *w = arg;

	switch (f->type) {
	case RPC_RUN:
		return run_head(w, f, e);
	case RPC_FILE:
		return run_file(w->r->files, &w->r->rr.nfiles, "file", f, e);
	case RPC_SUITE:
		return run_file(w->r->suite, &w->r->rr.nsuite, "suite file", f, e);
	case RPC_COMPILE:
		return run_argv(w->r->compile_argv, f, "the compile command", e);
	case RPC_ARGV:
		return run_argv(w->r->run_argv, f, "the run command", e);
	case RPC_STDIN:
		w->r->rr.stdin_data = f->p;
		w->r->rr.stdin_len = f->len;
		return 0;
	case RPC_CASE:
		return run_case(w->r, f, e);
	default:
		return err_set(e, RC_INTERNAL, "frame '%c' has no reader", f->type);
	}
}

int rpc_decode_run(const unsigned char *p, size_t n, struct rpc_run *out, struct err *e)
{
	struct run_walk w = { out, false };
	int rc;

	memset(out, 0, sizeof *out);
	out->rr.run_id = out->run_id;
	out->rr.files = out->files;
	out->rr.cases = out->cases;
	out->rr.suite = out->suite;
	out->rr.cancel_fd = -1;
	if (n > RPC_MAX_MESSAGE)
		return err_set(e, RC_BAD_REQUEST, "the message is larger than %u bytes",
			       RPC_MAX_MESSAGE);
	if ((out->msg = malloc(n > 0 ? n : 1)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for a run message of %zu bytes", n);
	if (n > 0)
		memcpy(out->msg, p, n);
	if ((rc = rpc_walk(out->msg, n, run_order, run_repeats, run_frame, &w, e)) != 0)
		return rc;
	if (out->rr.nfiles == 0)
		return err_set(e, RC_BAD_REQUEST, "the run has no file");
	if ((out->rr.nsuite > 0) != (out->suite_id[0] != '\0'))
		return err_set(e, RC_BAD_REQUEST, "a suite needs its suite_id, and a suite_id its files");
	out->rr.suite_id = out->suite_id[0] != '\0' ? out->suite_id : NULL;
	if (w.compile != (out->compile_argv[0] != NULL))
		return err_set(e, RC_BAD_REQUEST, "%s", w.compile ? "compile=1 without a compile "
			       "command" : "a compile command without compile=1");
	out->rr.compile_argv = w.compile ? out->compile_argv : NULL;
	out->rr.run_argv = out->run_argv[0] != NULL ? out->run_argv : NULL;
	return 0;
}

void rpc_run_release(struct rpc_run *r)
{
	free(r->msg);
	free(r->case_argv);
	r->msg = NULL;
	r->case_argv = NULL;
}
