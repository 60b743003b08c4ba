/*
 * privsep: who runs what. The master and the runner are root (the runner alone talks to
 * Docker); the FastCGI workers, and everything that opens the database, run as
 * worker_user, who owns the database's folder. A root process never opens a path in a
 * folder that user can write (ARCHITECTURE.md's rule, for the run log as for containers).
 */
#ifndef RUNBOX_PRIVSEP_H
#define RUNBOX_PRIVSEP_H

#include <sys/types.h>

#include "conf.h"

struct worker_id {
	uid_t uid;
	gid_t gid;
};

/* worker_user's uid and gid; fatal() when it does not exist or is root. Started
 * unprivileged (a developer's own stack), the workers are that user itself. */
void privsep_identity(const struct conf *c, struct worker_id *w);

/* A worker, for good: worker_user, undumpable, unable to gain privileges, and unable to
 * open Docker's socket (checked: fatal() otherwise). */
void privsep_drop_worker(const struct conf *c, const struct worker_id *w);

/* Give the database's folder (made if missing) and its files to worker_user: only a folder
 * that holds nothing but the database, in a parent only root may write; never through a
 * symlink. fatal() with what to do when the folder cannot be given. */
void privsep_give_db(const struct conf *c, const struct worker_id *w);

/* Run fn(arg) in a child process as worker_user and wait for it (the master's work on the
 * run log). Returns the child's exit status, or -1 when it could not run. */
int privsep_as_worker(const struct worker_id *w, int (*fn)(void *arg), void *arg);

#endif
