/*
 * rpc_int: what the two files of the rpc module share: rpc.c (the framing, the key=value
 * payloads, the stream cutter and the run request) and rpc_reply.c (the runner's answers:
 * results and info). Nobody else includes it.
 */
#ifndef RUNBOX_RPC_INT_H
#define RUNBOX_RPC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One scalar key of a key=value payload, for both directions: the encoder writes the
 * value p points at, the decoder stores there a decimal from lo to the kind's maximum
 * (INT_MAX, LONG_MAX, 1<<62; bool: 0 or 1; never more than 1<<62). */
enum rpc_kind { FK_INT, FK_LONG, FK_LLONG, FK_BOOL };
struct rpc_field {
	const char *key;
	enum rpc_kind kind;
	void *p;
	long long lo;
};
#define RPC_FIELDS_MAX 24 /* the most fields a payload has */

/* A key=value payload being written. Start it as { .len = 0, .over = false }. */
struct rpc_kv {
	char text[2048];
	size_t len;
	bool over;     /* something did not fit: a bug on this side, never the peer's */
};
void rpc_kv_num(struct rpc_kv *k, const char *key, long long v);
/* At most max bytes of s, each newline or carriage return made a space. */
void rpc_kv_str(struct rpc_kv *k, const char *key, const char *s, size_t max);
void rpc_fields_put(struct rpc_kv *k, const struct rpc_field *f, size_t nf);
/* Read every field of f from p[0..n): each must be there. RC_BAD_REQUEST otherwise. */
int rpc_fields_get(const unsigned char *p, size_t n, const struct rpc_field *f, size_t nf,
		   struct err *e);
/* Every line of p[0..n) is "key=value\n" with a key of f or extra, each at most once, and
 * no byte is a NUL; what names the payload in e. RC_BAD_REQUEST otherwise. */
int rpc_kv_check(const unsigned char *p, size_t n, const struct rpc_field *f, size_t nf,
		 const char *const *extra, size_t nextra, const char *what, struct err *e);

/* Append one frame whose payload is a[0..an) then b[0..bn) (either may be empty).
 * RC_NOMEM when out's cap is reached, RC_BODY_TOO_LARGE past RPC_MAX_MESSAGE. */
int rpc_add_frame(struct buf *out, int type, const void *a, size_t an, const void *b,
		  size_t bn);
/* The same with k's text (RC_INTERNAL when k is over). */
int rpc_add_kv(struct buf *out, int type, const struct rpc_kv *k);
/* An encoder's last step, given rc so far and out's len and truncated flag when it
 * started: a message over RPC_MAX_MESSAGE is RC_BODY_TOO_LARGE, and on any error out is
 * put back as the encoder found it. Returns rc. */
int rpc_finish(struct buf *out, size_t start, bool truncated, int rc);

struct rpc_frame {
	int type;
	const unsigned char *p;   /* into the message */
	size_t len;
};
typedef int (*rpc_frame_fn)(void *arg, const struct rpc_frame *f, struct err *e);
/* Go through the message p[0..n) up to its RPC_END: its frames' types must come in the
 * order of order (a NUL-terminated list; the first frame is order[0]), each once unless it
 * is in repeats; cb is called for each frame but the end and its non-zero return stops
 * the walk and is returned. The end frame must be empty and last. RC_BAD_REQUEST. */
int rpc_walk(const unsigned char *p, size_t n, const char *order, const char *repeats,
	     rpc_frame_fn cb, void *arg, struct err *e);

#endif
