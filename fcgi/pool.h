/*
 * pool: the warm containers, kept by the runner process (runnerd), the only process that
 * talks to Docker. Per language it keeps pool_size containers started, attached and
 * waiting for a job (their agent blocked on stdin). A run leases one (ready -> busy, under
 * the pool's lock, so two runs never get the same container), runs its job over the kept
 * attach stream, and gives it back: a container whose agent proved its reset (FRAME_READY
 * clean=1) and has served fewer than reuse_runs jobs becomes ready again; any other is
 * removed. Nothing that has not said "ready" can be leased.
 *
 * The pool's state is one table in the runner's memory: the runner is the only process
 * that may touch a container, so no other process needs it, and the table dies with the
 * runner, whose successor starts by removing every container of this instance (a runner
 * that died may have left any of them half-used). Thread-safe: every runner thread calls
 * it with a Docker client (struct runner) of its own.
 */
#ifndef RUNBOX_POOL_H
#define RUNBOX_POOL_H

#include <stdbool.h>

#include "conf.h"
#include "lang.h"
#include "rpc.h"
#include "run.h"

struct pool;

int pool_open(struct pool **out, const struct conf *c, struct err *e);
/* Close the kept streams and free the table; containers are left (see pool_drain). */
void pool_close(struct pool *p);

/* One step of upkeep, for the runner's upkeep thread: every few seconds forget
 * containers Docker no longer runs (a Docker restart) and remove this instance's
 * containers the table does not know, remove ready containers idle too long, then start at
 * most one container per language that is short of pool_size. Never holds the lock
 * across a Docker call. */
void pool_tick(struct pool *p, struct runner *r);

/* A container leased for one job. */
struct pool_lease {
	int slot;                  /* -1: none */
	char id[DK_ID_MAX];
	struct dk_stream *stream;  /* the attach kept open across the container's jobs */
	long jobs;                 /* jobs it served before this one */
	bool warm;                 /* it was waiting (made before the request) */
	bool last;                 /* this is its last job: the agent need not reset */
};

/* Lease a ready container of l, waiting up to a moment for one that is resetting; when
 * there is none (or fresh is set), make one now. 0 with *out; RC_BUSY when the table is
 * full; Docker's errors (RC_DOCKER_DOWN, RC_IMAGE_MISSING, RC_DOCKER, RC_TIMEOUT_IO). */
int pool_take(struct pool *p, struct runner *r, const struct lang *l, bool fresh,
	      struct pool_lease *out, struct err *e);
/* The job's answer has gone out and the agent is resetting: a lease waiting for one of
 * l's containers may wait for this one. */
void pool_resetting(struct pool *p, const struct pool_lease *lease);
/* After the job: ready (the reset is proven and it may serve more jobs) keeps it; else
 * it is removed (not_ready says why, for the log; NULL when there was no reset). */
void pool_give_back(struct pool *p, struct runner *r, struct pool_lease *lease, bool ready,
		    const char *not_ready);

/* Remove every ready container (shutdown; runs in progress keep theirs). */
void pool_drain(struct pool *p, struct runner *r);

/* The counts per language and the counters, into info (langs and nlangs are filled for
 * every language of the registry; image, version and docker fields are left alone). */
void pool_info(struct pool *p, struct rpc_info *info);

/* The jobs one container may serve for l: the language's reuse_runs, else runbox.conf's
 * (0: one job per container). */
long pool_reuse_runs(const struct conf *c, const struct lang *l);
/* The warm containers kept for l: the registry's pool_size, else runbox.conf's. */
long pool_size_of(const struct conf *c, const struct lang *l);

/* The run request template of a language: its limits and compile settings as the
 * server applies them, which are also the most a request may ask for (shared with the
 * faces so the warm containers fit every request). */
void pool_lang_request(const struct conf *c, const struct lang *l, struct run_request *rr);

#endif
