/*
 * runbox-fcgi: the FastCGI pool. A master process opens the socket nginx talks to,
 * removes containers a crashed instance left behind, then forks N workers that each
 * answer one request at a time, and restarts any worker that dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build (make SAN=1): workers stop cleanly on SIGTERM and report leaks. */
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK 1
#endif

#include "api.h"
#include "conf.h"
#include "lang.h"
#include "log.h"
#include "pool.h"
#include "privsep.h"
#include "runnerd.h"
#include "store.h"

#define MAX_WORKERS 256

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

#ifdef LEAK_CHECK
static volatile sig_atomic_t worker_listen_fd = -1;

/*
 * Stop accepting: libfcgi's accept loop gives up once a shutdown is pending. Closing the
 * listening socket closes the window between libfcgi's check and its accept(), which
 * would otherwise block until the master's SIGKILL. A request in progress finishes first.
 */
static void on_worker_stop(int sig)
{
	int saved = errno;

	(void)sig;
	FCGX_ShutdownPending();
	if (worker_listen_fd >= 0)
		(void)close(worker_listen_fd);
	worker_listen_fd = -1;
	errno = saved;
}
#endif

static void unblock_stop_signals(void)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: runbox-fcgi [-c runbox.conf] [--pid-file FILE] [--print-config]\n"
		   "  -c FILE          configuration file (default: $RUNBOX_CONF, else\n"
		   "                   /etc/runbox/runbox.conf if it exists, else none)\n"
		   "  --pid-file FILE  write the master's pid there\n"
		   "  --print-config   print the effective configuration and exit\n");
}

static void worker(const struct conf *c, int listen_fd, int runner_fd, const struct worker_id *w)
{
	struct rclient *runner = NULL;
	struct run_result res;
	struct app app = { .conf = c, .gate = { .conf = c, .store = NULL } };
	FCGX_Request req;
	struct err e;

#ifdef LEAK_CHECK
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	/* SA_RESTART keeps a request in progress going; a restarted accept() fails on the
	 * closed socket. */
	sa.sa_handler = on_worker_stop;
	sa.sa_flags = SA_RESTART;
	worker_listen_fd = listen_fd;
	sigaction(SIGTERM, &sa, NULL);
#else
	/* A worker holds nothing that outlives it: the master reaps its rows and containers. */
	signal(SIGTERM, SIG_DFL);
#endif
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer must not kill the worker */
	/* fork_child() blocked these across fork: one sent meanwhile is delivered now, to the
	 * worker's own disposition rather than the master's flag. */
	unblock_stop_signals();
	/* The runner's listening socket is the runner's alone: a worker holding it could
	 * accept the other workers' connections. */
	close(runner_fd);
	privsep_drop_worker(c, w);
	if (rclient_open(&runner, c->runner_socket, &e) != 0)
		fatal("worker: %s", e.msg);
	app.runner = runner;
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		fatal("worker: FCGX_InitRequest failed");
	while (FCGX_Accept_r(&req) >= 0) {
		api_handle(&app, &req, &res);
		FCGX_Finish_r(&req);
		/* The student has the answer; now remove the container. */
		api_after(&app, &res);
	}
	rclient_close(runner);
	store_close(app.gate.store);
#ifdef LEAK_CHECK
	FCGX_Free(&req, 1);
	/* _exit skips LeakSanitizer's check at exit, so run it here, after every request. */
	if (__lsan_do_recoverable_leak_check() != 0) {
		log_warnx("leak check: memory was leaked (the sanitizer's report is in its log)");
		_exit(23);
	}
	log_info("leak check: no leaks");
#endif
	_exit(0);
}

/* fork() with the stop signals blocked across it: in the parent they are unblocked again;
 * the child returns 0 with them still blocked, and unblocks them once its own
 * dispositions are in place, so one sent meanwhile never runs the master's handler. */
static pid_t fork_child(void)
{
	sigset_t stop;
	pid_t pid;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	pid = fork();
	if (pid < 0)
		log_warn("fork");
	if (pid != 0)
		unblock_stop_signals();
	return pid;
}

static pid_t spawn(const struct conf *c, int listen_fd, int runner_fd, const struct worker_id *w)
{
	pid_t pid = fork_child();

	if (pid == 0)
		worker(c, listen_fd, runner_fd, w);
	return pid;
}

/* The runner process: the only one with Docker. */
static pid_t spawn_runner(const struct conf *c, int runner_fd, int fcgi_fd,
			  const struct worker_id *w)
{
	pid_t pid = fork_child();

	if (pid == 0) {
		unblock_stop_signals();
		close(fcgi_fd); /* nginx's requests are the workers' */
		runnerd_main(c, runner_fd, w->uid);
	}
	if (pid > 0)
		log_info("runner started (pid %ld)", (long)pid);
	return pid;
}

/*
 * SIGTERM to every worker, then wait for them, at most 10 s: a worker that has not ended
 * by then (a sanitizer build finishing a run) is killed.
 */
static void stop_workers(pid_t *pids, int n)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int i, j, status, left = 0;

	for (i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
			left++;
	/* Workers only (waitpid on each): the runner is stopped after them. */
	for (i = 0; left > 0 && i < 200; i++) {
		for (j = 0; j < n; j++) {
			if (pids[j] <= 0 || waitpid(pids[j], &status, WNOHANG) != pids[j])
				continue;
			/* Ended by the SIGTERM, or exited 0 (a sanitizer build): as asked. */
			if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				log_warnx("worker %ld ended (%s %d) while stopping", (long)pids[j],
					  WIFSIGNALED(status) ? "signal" : "exit",
					  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			/* Reaped: its pid may be reused, so it is never signalled again. */
			pids[j] = 0;
			left--;
		}
		if (left > 0)
			nanosleep(&tick, NULL);
	}
	if (left > 0) {
		log_warnx("%d worker(s) did not stop within 10 s; killing them", left);
		for (i = 0; i < n; i++)
			if (pids[i] > 0)
				(void)kill(pids[i], SIGKILL);
	}
	for (i = 0; i < n; i++)
		while (pids[i] > 0 && waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
}

static int open_socket(const struct conf *c)
{
	struct passwd *pw;
	mode_t old;
	int fd;

	if (unlink(c->fcgi_socket) != 0 && errno != ENOENT)
		fatal("cannot remove old socket %s: %s", c->fcgi_socket, strerror(errno));
	old = umask(0117);
	fd = FCGX_OpenSocket(c->fcgi_socket, 128);
	umask(old);
	if (fd < 0)
		fatal("cannot listen on %s (does its directory exist?)", c->fcgi_socket);
	/* Only nginx may talk to the pool: it is what sets REMOTE_ADDR and limits bodies. */
	if ((pw = getpwnam(c->nginx_user)) != NULL) {
		if (chown(c->fcgi_socket, 0, pw->pw_gid) != 0)
			log_warn("chown %s", c->fcgi_socket);
	} else {
		log_warnx("nginx_user '%s' does not exist; socket left to root only", c->nginx_user);
	}
	return fd;
}

/* The longest a run can legitimately take: its limits plus Docker's calls around it. A
 * "running" row older than this belongs to a run whose finish was lost. */
static long long max_run_ms(const struct conf *c)
{
	return c->limits.wall_ms + 6LL * c->docker_timeout_ms + 60000;
}

struct reaping {
	const struct conf *c;
	pid_t pid;
	const char *why;
};

static int reap_as_worker(void *arg)
{
	const struct reaping *r = arg;
	struct store *s = NULL;
	struct err e;
	int n = 0;

	err_init(&e);
	if (store_open(&s, r->c->db_path, r->c->db_busy_timeout_ms, &e) != 0 ||
	    store_runs_interrupt(s, r->c->instance, (long)r->pid,
				 (long long)time(NULL) * 1000 - max_run_ms(r->c), &n, &e) != 0)
		log_warnx("%s: cannot update the run log: %s", r->why, e.msg);
	else if (n > 0)
		log_info("%s: %d run(s) marked interrupted", r->why, n);
	store_close(s);
	return 0;
}

/* A worker died (or everything is starting): its runs can never finish. Mark their rows
 * interrupted, which frees their concurrency slots. (The runner saw its connection close
 * and stopped its run.) The database is the workers': done as their user. */
static void reap_runs(const struct conf *c, const struct worker_id *w, pid_t pid, const char *why)
{
	struct reaping r = { c, pid, why };

	(void)privsep_as_worker(w, reap_as_worker, &r);
}

/* The command line: returns -1 to go on, or the exit status (help, or a mistake). */
static int parse_args(int argc, char **argv, const char **conf_path, const char **pid_file,
		      int *print)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			*conf_path = argv[++i];
		else if (strcmp(argv[i], "--pid-file") == 0 && i + 1 < argc)
			*pid_file = argv[++i];
		else if (strcmp(argv[i], "--print-config") == 0)
			*print = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* Check what every worker needs before forking them; fatal() says what is missing. */
static void check_start(struct conf *c)
{
	struct runner *probe;
	struct err e;

	if (c->fcgi_processes == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

		c->fcgi_processes = conf_auto_processes(sysconf(_SC_NPROCESSORS_ONLN),
							(long long)pages * psize);
		log_info("fcgi_processes = %d (from the cores and memory of this machine)",
			 c->fcgi_processes);
	}
	if (dk_global_init() != 0)
		fatal("cannot initialise libcurl");
	if (runner_open(&probe, c, &e) != 0)
		fatal("%s", e.msg);
	runner_close(probe);
	if (lang_load(c->languages, &e) != 0)
		fatal("%s", e.msg);
	if (access(c->agent_path, R_OK) != 0)
		fatal("agent %s: %s (run 'make')", c->agent_path, strerror(errno));
}

static int open_as_worker(void *arg)
{
	const struct conf *c = arg;
	struct store *st = NULL;
	struct err e;

	if (store_open(&st, c->db_path, c->db_busy_timeout_ms, &e) != 0)
		log_warnx("the run log is not usable yet (runs will be refused): %s", e.msg);
	store_close(st);
	return 0;
}

/* The database's folder given to the workers, the database created or upgraded now, as
 * their user (so a problem shows at start-up; the server still starts without it and
 * requests get a clear 503 until it works); runs an earlier master left running marked
 * interrupted. */
static void start_state(const struct conf *c, const struct worker_id *w)
{
	privsep_give_db(c, w);
	(void)privsep_as_worker(w, open_as_worker, (void *)c);
	reap_runs(c, w, 0, "start-up");
}

static void write_pid_file(const char *path)
{
	FILE *f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatal("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/* The processes the master keeps. */
struct family {
	const struct conf *c;
	const struct worker_id *w;
	pid_t pids[MAX_WORKERS];
	pid_t runner;
	int fd, runner_fd;
};

/* A child exited: a worker (its runs marked, another started) or the runner (started
 * again: its successor removes every container, the pool is made anew). */
static void replace_child(struct family *f, pid_t dead, int status)
{
	/* A child that dies at once every time must not spin the CPU. */
	struct timespec pause = { 0, 200 * 1000 * 1000 };

	if (dead == f->runner) {
		log_warnx("runner %ld ended (%s %d); starting a new one", (long)dead,
			  WIFSIGNALED(status) ? "signal" : "exit",
			  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		f->runner = 0;
		if (!stopping) {
			nanosleep(&pause, NULL);
			f->runner = spawn_runner(f->c, f->runner_fd, f->fd, f->w);
		}
		return;
	}
	for (int i = 0; i < f->c->fcgi_processes; i++) {
		char why[64];

		if (f->pids[i] != dead)
			continue;
		log_warnx("worker %ld ended (%s %d); starting a new one", (long)dead,
			  WIFSIGNALED(status) ? "signal" : "exit",
			  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		(void)snprintf(why, sizeof why, "worker %ld", (long)dead);
		reap_runs(f->c, f->w, dead, why);
		f->pids[i] = 0;
		if (!stopping) {
			nanosleep(&pause, NULL);
			f->pids[i] = spawn(f->c, f->fd, f->runner_fd, f->w);
		}
	}
}

/* The master's loop until a stop signal: replace dead children, sweep the run log every
 * 30 s for rows whose finish was lost (the database failed at that moment). */
static void supervise(struct family *f)
{
	time_t last_sweep = time(NULL);
	int status;

	while (!stopping) {
		pid_t dead = waitpid(-1, &status, WNOHANG);
		time_t now = time(NULL);
		struct timespec tick = { 0, 250 * 1000 * 1000 };

		if (dead > 0) {
			replace_child(f, dead, status);
			continue;
		}
		if (now - last_sweep >= 30) {
			reap_runs(f->c, f->w, -1, "sweep");
			last_sweep = now;
		}
		nanosleep(&tick, NULL);
	}
}

/* Stop the runner (it removes every container of this instance) and wait for it. */
static void stop_runner(struct family *f)
{
	int status;

	if (f->runner <= 0)
		return;
	(void)kill(f->runner, SIGTERM);
	for (int i = 0; i < 600; i++) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		pid_t r = waitpid(f->runner, &status, WNOHANG);

		if (r == f->runner || (r < 0 && errno == ECHILD))
			return;
		nanosleep(&tick, NULL);
	}
	log_warnx("the runner did not stop within 30 s; killing it");
	(void)kill(f->runner, SIGKILL);
	(void)waitpid(f->runner, &status, 0);
}

int main(int argc, char **argv)
{
	const char *conf_path = getenv("RUNBOX_CONF"), *pid_file = NULL;
	static struct family f;
	struct worker_id w;
	struct conf c;
	struct err e;
	struct sigaction sa;
	int i, print = 0, rc;

	if ((rc = parse_args(argc, argv, &conf_path, &pid_file, &print)) >= 0)
		return rc;
	conf_defaults(&c);
	if (conf_load(&c, conf_path_or_system(conf_path), &e) != 0) {
		fprintf(stderr, "runbox-fcgi: %s\n", e.msg);
		return 1;
	}
	if (print) {
		conf_print(&c, stdout);
		printf("body_max=%zu\n", api_body_max(&c));
		/* The Jobe API's file uploads: base64 of the largest file, and room. */
		printf("file_body_max=%zu\n", (size_t)c.file_max_bytes / 3 * 4 + 64 * 1024 >
		       api_body_max(&c) ? (size_t)c.file_max_bytes / 3 * 4 + 64 * 1024 : api_body_max(&c));
		return 0;
	}
	log_init("runbox-fcgi", (enum log_level)log_level_parse(c.log_level));
	check_start(&c);
	privsep_identity(&c, &w);
	start_state(&c, &w);
	f = (struct family){ .c = &c, .w = &w };
	f.runner_fd = runnerd_listen(&c, w.gid);
	f.fd = open_socket(&c);
	if (FCGX_Init() != 0)
		fatal("FCGX_Init failed");
	write_pid_file(pid_file);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	f.runner = spawn_runner(&c, f.runner_fd, f.fd, &w);
	for (i = 0; i < c.fcgi_processes; i++)
		f.pids[i] = spawn(&c, f.fd, f.runner_fd, &w);
	log_info("listening on %s with %d workers (user %s) and a runner", c.fcgi_socket,
		 c.fcgi_processes, c.worker_user);
	supervise(&f);

	log_info("stopping");
	stop_workers(f.pids, c.fcgi_processes);
	unlink(c.fcgi_socket);
	/* The runner removes every container of this instance as it stops. */
	stop_runner(&f);
	unlink(c.runner_socket);
	reap_runs(&c, &w, 0, "shutdown");
	if (pid_file)
		unlink(pid_file);
#ifdef LEAK_CHECK
	/* LeakSanitizer checks again at exit; this one says so in the log when all is well. */
	if (__lsan_do_recoverable_leak_check() != 0) {
		log_warnx("leak check: memory was leaked (the sanitizer's report is in its log)");
		return 23;
	}
	log_info("leak check: no leaks");
#endif
	return 0;
}
