/*
 * runnerd: the runner process, the only process of runbox that holds the Docker socket.
 * The master forks it before the workers and restarts it when it dies. It keeps the warm
 * pool (pool.h), and serves the workers over its own unix socket: one thread per worker
 * connection reads typed messages (rpc.h), checks each again, clamps every limit to the
 * admin's maxima, leases a container, runs the job over the container's kept attach
 * stream, answers as soon as the job is done, and only then waits for the agent's reset
 * and gives the container back (or removes it). A worker that hangs up mid-run (its client
 * left, or it died) cancels its run. The workers parse what students send and run as an
 * unprivileged user; a bug in them reaches this socket, never Docker.
 */
#ifndef RUNBOX_RUNNERD_H
#define RUNBOX_RUNNERD_H

#include <sys/types.h>

#include "conf.h"

/* Open the runner's socket at c->runner_socket (mode 0660, group gid: the workers'),
 * before any fork. Returns the listening fd; fatal() when it cannot. */
int runnerd_listen(const struct conf *c, gid_t gid);

/* The runner process's life: remove what an earlier runner left, keep the pool, serve
 * connections on listen_fd from uid 0 or worker_uid until SIGTERM, then remove every
 * container of this instance. Never returns. */
void runnerd_main(const struct conf *c, int listen_fd, uid_t worker_uid);

#endif
