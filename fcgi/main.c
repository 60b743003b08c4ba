/*
 * runbox-fcgi: the FastCGI pool. A master process opens the socket nginx talks to,
 * removes containers a crashed instance left behind, then forks N workers that each
 * answer one request at a time, and restarts any worker that dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
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
		   "  -c FILE          configuration file (default: $RUNBOX_CONF, else none)\n"
		   "  --pid-file FILE  write the master's pid there\n"
		   "  --print-config   print the effective configuration and exit\n");
}

static void worker(const struct conf *c, int listen_fd)
{
	struct runner *runner = NULL;
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
	/* spawn() blocked these across fork: one sent meanwhile is delivered now, to the
	 * worker's own disposition rather than the master's flag. */
	unblock_stop_signals();
	if (runner_open(&runner, c, &e) != 0)
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
	runner_close(runner);
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

static pid_t spawn(const struct conf *c, int listen_fd)
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
	else if (pid == 0)
		worker(c, listen_fd);
	unblock_stop_signals();
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
	for (i = 0; left > 0 && i < 200; i++) {
		pid_t dead = waitpid(-1, &status, WNOHANG);

		if (dead > 0) {
			/* Reaped: its pid may be reused, so it is never signalled again. */
			for (j = 0; j < n; j++)
				if (pids[j] == dead)
					pids[j] = 0;
			/* Ended by the SIGTERM, or exited 0 (a sanitizer build): as asked. */
			if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				log_warnx("worker %ld ended (%s %d) while stopping", (long)dead,
					  WIFSIGNALED(status) ? "signal" : "exit",
					  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			left--;
		} else if (dead < 0 && errno == ECHILD) {
			break;
		} else {
			nanosleep(&tick, NULL);
		}
	}
	if (left > 0) {
		log_warnx("%d worker(s) did not stop within 10 s; killing them", left);
		for (i = 0; i < n; i++)
			if (pids[i] > 0)
				(void)kill(pids[i], SIGKILL);
	}
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
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

static void sweep(const struct conf *c, const char *when)
{
	struct runner *r;
	struct err e;
	int n = 0;

	if (runner_open(&r, c, &e) != 0) {
		log_warnx("%s: %s", when, e.msg);
		return;
	}
	if (runner_remove_all(r, 0, &n, &e) != 0)
		log_warnx("%s: cannot remove old containers: %s", when, e.msg);
	else if (n > 0)
		log_info("%s: removed %d container(s) left by an earlier run", when, n);
	runner_close(r);
}

/* The longest a run can legitimately take: its limits plus Docker's calls around it. A
 * "running" row older than this belongs to a run whose finish was lost. */
static long long max_run_ms(const struct conf *c)
{
	return c->limits.wall_ms + 6LL * c->docker_timeout_ms + 60000;
}

/* A worker died (or everything is starting): its runs can never finish. Mark their rows
 * interrupted, which frees their concurrency slots, and remove their containers. */
static void reap_runs(const struct conf *c, pid_t pid, const char *why)
{
	struct store *s = NULL;
	struct runner *r = NULL;
	struct err e;
	int n = 0;

	err_init(&e);
	if (store_open(&s, c->db_path, c->db_busy_timeout_ms, &e) != 0 ||
	    store_runs_interrupt(s, c->instance, (long)pid,
				 (long long)time(NULL) * 1000 - max_run_ms(c), &n, &e) != 0)
		log_warnx("%s: cannot update the run log: %s", why, e.msg);
	else if (n > 0)
		log_info("%s: %d run(s) marked interrupted", why, n);
	store_close(s);
	if (pid <= 0)
		return;
	if (runner_open(&r, c, &e) == 0 && runner_remove_all(r, (long)pid, &n, &e) == 0) {
		if (n > 0)
			log_info("%s: removed %d container(s)", why, n);
	} else {
		log_warnx("%s: cannot remove its containers: %s", why, e.msg);
	}
	runner_close(r);
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

/* Leftovers of an earlier run removed, the database created or upgraded now (so a
 * problem shows at start-up; the server still starts without it and requests get a clear
 * 503 until it works), and the warm pool's old rows forgotten. */
static struct pool *start_state(const struct conf *c)
{
	struct store *st = NULL;
	struct pool *pool = NULL;
	struct err e;

	sweep(c, "start-up");
	if (store_open(&st, c->db_path, c->db_busy_timeout_ms, &e) != 0)
		log_warnx("the run log is not usable yet (runs will be refused): %s", e.msg);
	store_close(st);
	reap_runs(c, 0, "start-up");
	/* The sweep removed every container of ours: forget the pool rows of before. */
	if (pool_open(&pool, c, &e) != 0)
		fatal("%s", e.msg);
	pool_drain(pool);
	return pool;
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

/* Worker dead exited: mark its runs, remove its containers, start another. */
static void replace_worker(const struct conf *c, struct pool *pool, pid_t pids[], int fd,
			   pid_t dead, int status)
{
	for (int i = 0; i < c->fcgi_processes; i++) {
		char why[64];

		if (pids[i] != dead)
			continue;
		log_warnx("worker %ld ended (%s %d); starting a new one", (long)dead,
			  WIFSIGNALED(status) ? "signal" : "exit",
			  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		(void)snprintf(why, sizeof why, "worker %ld", (long)dead);
		reap_runs(c, dead, why);
		pool_worker_died(pool, (long)dead);
		pids[i] = 0;
		if (!stopping) {
			/* A worker that dies at once every time must not spin the CPU. */
			struct timespec pause = { 0, 200 * 1000 * 1000 };
			nanosleep(&pause, NULL);
			pids[i] = spawn(c, fd);
		}
	}
}

/* The master's loop until a stop signal: replace dead workers, keep the pool, sweep the
 * run log every 30 s for rows whose finish was lost (the database failed at that moment). */
static void supervise(const struct conf *c, struct pool *pool, pid_t pids[], int fd)
{
	time_t last_sweep = time(NULL);
	int status;

	while (!stopping) {
		pid_t dead = waitpid(-1, &status, WNOHANG);
		time_t now = time(NULL);
		struct timespec tick = { 0, 250 * 1000 * 1000 };

		if (dead > 0) {
			replace_worker(c, pool, pids, fd, dead, status);
			continue;
		}
		pool_tick(pool);
		if (now - last_sweep >= 30) {
			reap_runs(c, -1, "sweep");
			last_sweep = now;
		}
		nanosleep(&tick, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *conf_path = getenv("RUNBOX_CONF"), *pid_file = NULL;
	pid_t pids[MAX_WORKERS] = { 0 };
	struct conf c;
	struct err e;
	struct sigaction sa;
	int i, print = 0, fd, rc;
	struct pool *pool;

	if ((rc = parse_args(argc, argv, &conf_path, &pid_file, &print)) >= 0)
		return rc;
	conf_defaults(&c);
	if (conf_load(&c, conf_path && conf_path[0] ? conf_path : NULL, &e) != 0) {
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
	pool = start_state(&c);
	fd = open_socket(&c);
	if (FCGX_Init() != 0)
		fatal("FCGX_Init failed");
	write_pid_file(pid_file);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < c.fcgi_processes; i++)
		pids[i] = spawn(&c, fd);
	log_info("listening on %s with %d workers", c.fcgi_socket, c.fcgi_processes);
	supervise(&c, pool, pids, fd);

	log_info("stopping");
	stop_workers(pids, c.fcgi_processes);
	unlink(c.fcgi_socket);
	reap_runs(&c, 0, "shutdown");
	pool_drain(pool);
	pool_close(pool);
	/* Runs that were cut off by the stop leave containers: remove them now. */
	sweep(&c, "shutdown");
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
