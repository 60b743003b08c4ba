#define _GNU_SOURCE
#include "runnerd.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pool.h"
#include "rpc.h"
#include "rpc_io.h"
#include "suite.h"
#include "run.h"

/* Connections at once beyond one per worker: room for workers that reconnect while their
 * old connection is being closed. A worker gone wrong cannot open more than this many
 * runs (each holds a thread and buffers). */
#define SPARE_CONNS 8
/* The largest address-space limit the agent accepts (its BYTES_MAX). */
#define AS_MAX (1L << 48)
/* The longest a reply may take to write: the worker reads it at once. */
#define WRITE_MS 10000
/* Health and language lists ask what Docker has: asked of Docker at most this often. */
#define INFO_CACHE_MS 2000

struct runnerd {
	const struct conf *conf;
	struct pool *pool;
	uid_t worker_uid;
	pthread_mutex_t lock;      /* conns and the info cache */
	int conns;
	struct rpc_info info;
	long long info_ms;
};

struct conn {
	struct runnerd *d;
	int fd;
	pid_t pid;                 /* the worker's, for the log */
	struct runner *runner;     /* this thread's Docker client */
	bool counted;              /* still one of d->conns (see uncount) */
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}


int runnerd_listen(const struct conf *c, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->runner_socket) >=
	    (int)sizeof sa.sun_path)
		fatal("runner_socket %s is too long for a socket path", c->runner_socket);
	if (unlink(c->runner_socket) != 0 && errno != ENOENT)
		fatal("cannot remove old socket %s: %s", c->runner_socket, strerror(errno));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket: %s", strerror(errno));
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		fatal("cannot listen on %s: %s (does its directory exist?)", c->runner_socket,
		      strerror(errno));
	umask(old);
	/* Only root and the workers' group may connect; runnerd checks the peer's uid too. */
	if (chown(c->runner_socket, 0, gid) != 0 || chmod(c->runner_socket, 0660) != 0)
		fatal("cannot give %s to the workers' group: %s", c->runner_socket, strerror(errno));
	if (listen(fd, 256) != 0)
		fatal("listen %s: %s", c->runner_socket, strerror(errno));
	return fd;
}

/* Send a result message. One that cannot go out ends the connection, so the worker is
 * not left waiting: it sees the end and answers 503. */
static void reply_result(struct conn *c, int rc, const struct err *e,
			 const struct run_result *res, long reused)
{
	struct buf out;

	buf_init(&out, RPC_MAX_MESSAGE);
	if (rpc_encode_result(rc, e, res, reused, &out) != 0 ||
	    rpc_io_send(c->fd, out.data, out.len, clock_mono_ms() + WRITE_MS) != 0) {
		log_warnx("runner: cannot answer worker %ld; closing its connection", (long)c->pid);
		(void)shutdown(c->fd, SHUT_RDWR);
	}
	buf_release(&out);
}

/* The request's limits within the language's, which are the admin's maxima; what the
 * container is made with is the pool's, whatever the message said. */
static void clamp(const struct conf *conf, struct run_request *rr)
{
	struct run_request max;
	struct limits want = rr->limits;
	long cw = rr->compile_wall_ms, cc = rr->compile_cpu_ms;

	pool_lang_request(conf, rr->lang, &max);
	limits_clamp(&rr->limits, &want, &max.limits);
	rr->limits.nano_cpus = max.limits.nano_cpus;
	rr->limits.pids = max.limits.pids;
	rr->limits.tmp_tmpfs_bytes = max.limits.tmp_tmpfs_bytes;
	rr->limits.run_uid = max.limits.run_uid;
	rr->compile_memory_bytes = max.compile_memory_bytes;
	rr->container_memory_bytes = run_container_memory(&max);
	max.compile_wall_ms = max.compile_wall_ms > 0 ? max.compile_wall_ms : 30000;
	max.compile_cpu_ms = max.compile_cpu_ms > 0 ? max.compile_cpu_ms : 30000;
	rr->compile_wall_ms = cw > 0 && cw < max.compile_wall_ms ? cw : max.compile_wall_ms;
	rr->compile_cpu_ms = cc > 0 && cc < max.compile_cpu_ms ? cc : max.compile_cpu_ms;
	if (rr->run_pids >= max.limits.pids)
		rr->run_pids = 0;
	if (rr->run_as_bytes > AS_MAX)
		rr->run_as_bytes = AS_MAX;
	/* A compile stage the language has not got (a face's syntax check): the run stage's
	 * time, not a compiler's. */
	if (max.compile_argv == NULL) {
		if (rr->compile_wall_ms > rr->limits.wall_ms)
			rr->compile_wall_ms = rr->limits.wall_ms;
		if (rr->compile_cpu_ms > rr->limits.cpu_ms)
			rr->compile_cpu_ms = rr->limits.cpu_ms;
	}
}

/* The connection stops counting against the runner's cap: once at its end, or as soon as
 * the worker has hung up mid-run, since removing that run's container may take the thread
 * a while and the worker is already connecting again for its next request. */
static void uncount(struct conn *c)
{
	if (!c->counted)
		return;
	pthread_mutex_lock(&c->d->lock);
	c->d->conns--;
	pthread_mutex_unlock(&c->d->lock);
	c->counted = false;
}

/* Has the worker closed its end? (It sends nothing while a run of its goes on.) */
static bool hung_up(const struct conn *c)
{
	struct pollfd pf = { .fd = c->fd, .events = POLLRDHUP };

	return poll(&pf, 1, 0) == 1 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

struct answering {
	struct conn *c;
	struct pool_lease *lease;
	bool sent;
};

/* FRAME_DONE: the answer goes out now; the reset is awaited afterwards. */
static void on_done(void *arg, const struct run_result *res)
{
	struct answering *an = arg;

	reply_result(an->c, 0, NULL, res, an->lease->jobs);
	an->sent = true;
	pool_resetting(an->c->d->pool, an->lease);
}

static void serve_run(struct conn *c, struct rpc_run *m)
{
	struct runnerd *d = c->d;
	struct run_request *rr = &m->rr;
	struct pool_lease lease = { .slot = -1 };
	struct answering an = { .c = c, .lease = &lease };
	struct run_result res;
	struct err e;
	int rc;

	err_init(&e);
	log_set_request(m->run_id);
	if (hung_up(c)) {
		/* A request the worker gave up on while this thread finished the last reset. */
		log_info("runner: worker %ld hung up before its run started", (long)c->pid);
		log_set_request(NULL);
		return;
	}
	clamp(d->conf, rr);
	run_result_init(&res, &rr->limits);
	if (run_result_cases(&res, &rr->limits, rr->ncases) != 0) {
		reply_result(c, err_set(&e, RC_NOMEM, "no memory for %zu cases", rr->ncases), &e,
			     NULL, 0);
		log_set_request(NULL);
		return;
	}
	rr->cancel_fd = c->fd;
	rr->on_done = on_done;
	rr->on_done_arg = &an;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = pool_take(d->pool, c->runner, rr->lang, attempt > 0, &lease, &e)) != 0)
			break;
		rr->container = lease.id;
		rr->stream = lease.stream;
		rr->reuse = !lease.last;
		rc = run_exec(c->runner, rr, &res, &e);
		/* A warm container that failed before it got the job (it died waiting) is
		 * replaced once; after the job was sent the program may have run. */
		if (rc == 0 || res.job_sent || !lease.warm)
			break;
		log_warnx("warm container %.12s failed (%s); using a new one", lease.id, e.msg);
		pool_give_back(d->pool, c->runner, &lease, false, NULL);
		run_result_release(&res);
		run_result_init(&res, &rr->limits);
		err_init(&e);
		if ((rc = run_result_cases(&res, &rr->limits, rr->ncases)) != 0) {
			(void)err_set(&e, rc, "no memory for %zu cases", rr->ncases);
			break;
		}
	}
	if (hung_up(c))
		uncount(c); /* the container's removal below is no longer the worker's wait */
	else if (!an.sent)
		reply_result(c, rc, &e, rc == 0 ? &res : NULL, lease.jobs);
	pool_give_back(d->pool, c->runner, &lease, rc == 0 && rr->reuse && res.ready,
		       rc == 0 && rr->reuse ? res.not_ready : NULL);
	run_result_release(&res);
	log_set_request(NULL);
}

/* What Docker has and the pool's counts, asked of Docker at most every INFO_CACHE_MS. */
static void serve_info(struct conn *c)
{
	struct runnerd *d = c->d;
	struct rpc_info info;
	struct buf out;
	struct err e;

	long long age;

	pthread_mutex_lock(&d->lock);
	info = d->info;
	age = clock_mono_ms() - d->info_ms;
	pthread_mutex_unlock(&d->lock);
	if (age > INFO_CACHE_MS) {
		memset(&info, 0, sizeof info);
		err_init(&e);
		info.docker_rc = runner_docker_version(c->runner, info.docker_version,
						       sizeof info.docker_version, &e);
		info.docker = info.docker_rc == 0;
		if (!info.docker)
			(void)snprintf(info.docker_error, sizeof info.docker_error, "%.255s", e.msg);
		pool_info(d->pool, &info);
		for (size_t k = 0; k < info.nlangs && info.docker; k++)
			info.langs[k].image = runner_image_version(c->runner, lang_find(info.langs[k].lang),
								   info.langs[k].version,
								   sizeof info.langs[k].version, NULL) == 0;
		pthread_mutex_lock(&d->lock);
		d->info = info;
		d->info_ms = clock_mono_ms();
		pthread_mutex_unlock(&d->lock);
	} else {
		pool_info(d->pool, &info); /* the counts are always today's */
	}
	buf_init(&out, 1 << 20);
	if (rpc_encode_info(&info, &out) != 0 ||
	    rpc_io_send(c->fd, out.data, out.len, clock_mono_ms() + WRITE_MS) != 0) {
		log_warnx("runner: cannot answer worker %ld; closing its connection", (long)c->pid);
		(void)shutdown(c->fd, SHUT_RDWR);
	}
	buf_release(&out);
}

/* Read one message into b: 1 when b holds one (its length in *len), 0 at the end of the
 * connection, -1 when the bytes cannot be a message or it stops halfway (logged). */
static int read_message(struct conn *c, struct buf *b, size_t *len)
{
	switch (rpc_io_read(c->fd, b, -1, -1, len)) {
	case RPC_IO_MESSAGE:
		return 1;
	case RPC_IO_MALFORMED:
		log_warnx("runner: refused a malformed message from pid %ld (%zu bytes); closing "
			  "its connection", (long)c->pid, b->len);
		return -1;
	case RPC_IO_TOO_LARGE:
		log_warnx("runner: a message from pid %ld is larger than %u bytes; closing its "
			  "connection", (long)c->pid, RPC_MAX_MESSAGE);
		return -1;
	case RPC_IO_CUT:
		log_warnx("runner: a message from pid %ld stopped after %zu bytes", (long)c->pid,
			  b->len);
		return -1;
	default:
		return 0;
	}
}

/* Drop the first len bytes of b (a message served), keeping what came after it. */
static void consume(struct buf *b, size_t len)
{
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
}

/* Stop signals go to the main thread, which stops the runner; the others go on. */
static void block_stop_signals(void)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
}

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	struct buf b;
	struct err e;
	size_t len;

	block_stop_signals();
	buf_init(&b, RPC_MAX_MESSAGE + 65536);
	if (runner_open(&c->runner, c->d->conf, &e) != 0) {
		log_warnx("runner: %s", e.msg);
		goto out;
	}
	while (!stopping && read_message(c, &b, &len) == 1) {
		int type = rpc_message_type(b.data, len);

		if (type == RPC_INFO) {
			serve_info(c);
		} else if (type == RPC_RUN) {
			struct rpc_run m;

			if (rpc_decode_run(b.data, len, &m, &e) != 0) {
				log_warnx("runner: refused a run message from pid %ld: %s", (long)c->pid, e.msg);
				reply_result(c, e.rc, &e, NULL, 0);
			} else {
				serve_run(c, &m);
			}
			rpc_run_release(&m);
		} else {
			(void)err_set(&e, RC_BAD_REQUEST, "unknown message type");
			log_warnx("runner: refused a message of unknown type from pid %ld", (long)c->pid);
			reply_result(c, e.rc, &e, NULL, 0);
		}
		consume(&b, len);
	}
out:
	buf_release(&b);
	runner_close(c->runner);
	close(c->fd);
	uncount(c);
	free(c);
	return NULL;
}

static void *upkeep(void *arg)
{
	struct runnerd *d = arg;
	struct runner *r = NULL;
	struct timespec tick = { 0, 250 * 1000 * 1000 };
	struct err e;

	block_stop_signals();
	if (runner_open(&r, d->conf, &e) != 0) {
		log_warnx("runner: the pool's upkeep cannot start: %s", e.msg);
		return NULL;
	}
	while (!stopping) {
		pool_tick(d->pool, r);
		nanosleep(&tick, NULL);
	}
	runner_close(r);
	return NULL;
}

static void accept_one(struct runnerd *d, int listen_fd)
{
	struct ucred cred;
	socklen_t cl = sizeof cred;
	struct conn *c;
	pthread_t t;
	pthread_attr_t at;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
	    (cred.uid != 0 && cred.uid != d->worker_uid)) {
		log_warnx("runner: refused a connection from uid %ld (only the workers may connect)",
			  (long)cred.uid);
		close(fd);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		pthread_mutex_unlock(&d->lock);
		log_warnx("runner: out of memory; refusing a connection from pid %ld", (long)cred.pid);
		close(fd);
		return;
	}
	d->conns++;
	pthread_mutex_unlock(&d->lock);
	*c = (struct conn){ .d = d, .fd = fd, .pid = cred.pid, .counted = true };
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, serve_conn, c) != 0) {
		log_warnx("runner: cannot start a thread for pid %ld", (long)cred.pid);
		close(fd);
		free(c);
		pthread_mutex_lock(&d->lock);
		d->conns--;
		pthread_mutex_unlock(&d->lock);
	}
	pthread_attr_destroy(&at);
}

/* Every container of this instance: an earlier runner's (start) or this one's (stop). */
static void sweep(const struct conf *c, const char *when)
{
	struct runner *r;
	struct err e;
	int n = 0;

	if (runner_open(&r, c, &e) != 0) {
		log_warnx("runner %s: %s", when, e.msg);
		return;
	}
	if (runner_remove_all(r, 0, &n, &e) != 0) {
		log_warnx("runner %s: cannot remove old containers: %s", when, e.msg);
	} else {
		if (n > 0)
			log_info("runner %s: removed %d container(s)", when, n);
		/* No container is left to read a suite: the folder starts empty again. */
		if (suite_reset(runner_suites_path(r), &e) != 0)
			log_warnx("runner %s: %s", when, e.msg);
	}
	runner_close(r);
}

void runnerd_main(const struct conf *c, int listen_fd, uid_t worker_uid)
{
	struct runnerd d = { .conf = c, .worker_uid = worker_uid };
	struct sigaction sa;
	pthread_t up;
	struct err e;

	(void)prctl(PR_SET_NAME, "runbox-runner");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&d.lock, NULL);
	/* A runner that died may have left any container half-used: none is trusted. */
	sweep(c, "start-up");
	if (pool_open(&d.pool, c, &e) != 0)
		fatal("runner: %s", e.msg);
	if (pthread_create(&up, NULL, upkeep, &d) != 0)
		fatal("runner: cannot start the pool's upkeep");
	log_info("runner: serving on %s", c->runner_socket);
	while (!stopping) {
		struct pollfd pf = { .fd = listen_fd, .events = POLLIN };
		struct timespec wait = { 0, 10 * 1000 * 1000 };
		bool full;

		/* At the cap, connections wait in the socket's backlog (and their messages in its
		 * buffer) until a thread ends, instead of being refused: threads outlive their
		 * worker's hang-up while they remove its run's container, and that worker is
		 * already connecting again for its next request. */
		pthread_mutex_lock(&d.lock);
		full = d.conns >= c->fcgi_processes + SPARE_CONNS;
		pthread_mutex_unlock(&d.lock);
		if (full) {
			nanosleep(&wait, NULL);
			continue;
		}
		if (poll(&pf, 1, 250) > 0)
			accept_one(&d, listen_fd);
	}
	log_info("runner: stopping");
	close(listen_fd);
	pthread_join(up, NULL);
	{
		struct runner *r = NULL;

		if (runner_open(&r, c, &e) == 0)
			pool_drain(d.pool, r);
		runner_close(r);
	}
	/* Runs still going lose their containers here: their workers get a clear error. */
	sweep(c, "shutdown");
	_exit(0);
}
