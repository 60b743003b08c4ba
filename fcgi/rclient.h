/*
 * rclient: a worker's side of the runner process (runnerd.h). One connection per worker,
 * kept across requests and made again when the runner was restarted. The worker never
 * talks to Docker: a run and what Docker has are asked of the runner.
 */
#ifndef RUNBOX_RCLIENT_H
#define RUNBOX_RCLIENT_H

#include "err.h"
#include "rpc.h"
#include "run.h"

struct rclient;

/* No connection is made until the first call. */
int rclient_open(struct rclient **out, const char *socket_path, struct err *e);
void rclient_close(struct rclient *c);

/* Run req through the runner: run_exec's contract (0 with *res filled, a run's own
 * failures inside it; before the program starts, the runner's error codes), and:
 * RC_RUNNER_DOWN when the runner is not there or died before it answered (the run may
 * have started; it is never sent again); RC_INTERNAL "the client hung up" when
 * req->cancel_fd hung up (the connection is closed, which makes the runner stop the run).
 * req->container, reuse and stream are the runner's business and are not sent. */
int rclient_run(struct rclient *c, const struct run_request *req, struct run_result *res,
		struct err *e);

/* What the runner knows (Docker, images, the pool). RC_RUNNER_DOWN when it does not
 * answer. */
int rclient_info(struct rclient *c, struct rpc_info *out, struct err *e);

#endif
