/*
 * pool: the warm container pool, kept by the FastCGI master. Per language it keeps
 * pool_size containers created, started and waiting (their agent blocked on stdin for a
 * job), recorded in the database so every worker can claim one atomically
 * (store_pool_claim). The master refills after each claim, off the request's path,
 * removes containers idle longer than pool_idle_s, forgets rows whose container is gone
 * (a Docker restart), and removes pool containers nobody has a row for.
 */
#ifndef RUNBOX_POOL_H
#define RUNBOX_POOL_H

#include "conf.h"
#include "lang.h"
#include "run.h"
#include "store.h"

struct pool;

int pool_open(struct pool **out, const struct conf *c, struct err *e);
void pool_close(struct pool *p);

/* One step of upkeep: reconcile with Docker every few seconds, then start at most one
 * container per language that is short of its size. Never blocks longer than a few
 * Docker calls. */
void pool_tick(struct pool *p);

/* A worker died: remove the pool containers it had claimed. */
void pool_worker_died(struct pool *p, long pid);

/* Remove every pool container of this instance and forget them (shutdown). */
void pool_drain(struct pool *p);

/* A worker's side of the pool. Lease the oldest idle warm container of lang for this
 * process (its row becomes busy in one statement, so two processes never get the same
 * one): 0 with its id, RC_NOT_FOUND when none is idle, RC_STORE. */
int pool_lease(struct store *s, const struct conf *c, const struct lang *l, char id[DK_ID_MAX],
	       struct err *e);
/* After a run: remove its container (leased from the pool or made for the run; a used
 * container is never given back), then forget its pool row, and count it. RC_STORE when
 * the database failed (the caller forgets its connection); Docker's failures are logged:
 * the master's reconcile removes what is left. */
int pool_dispose(struct runner *r, struct store *s, struct run_result *res, struct err *e);

/* The run request template of a language: its limits and compile settings as the
 * server applies them (shared with the API so pool containers match requests). */
void pool_lang_request(const struct conf *c, const struct lang *l, struct run_request *rr);

#endif
