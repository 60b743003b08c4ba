/*
 * agent_run: run one stage of a job (see agent.h) and report the facts of how it ended.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "frame.h"

#define SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* After the main process exits: how long leftovers and undrained pipes may take. Everything
 * has been sent SIGKILL by then, so this only matters for a process stuck in the kernel. */
#define GRACE_MS 2000
#define REKILL_MS 10

struct stream {
	int fd, type;
	uint64_t seen, sent, cap;
	int trunc;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t tv_ms(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Kill everything but us. As PID 1 of the container, kill(-1) reaches every other process
 * in it. Anywhere else (someone running the agent by hand) kill(-1) would hit every process
 * of this uid on the host, so fall back to the stage's own process group. */
static void kill_all(pid_t pid)
{
	(void)kill(getpid() == 1 ? -1 : -pid, SIGKILL);
}

/* OOM kills so far in our memory cgroup (v1 memory.oom_control, v2 memory.events), or -1
 * if neither can be read. */
static long long oom_kills(void)
{
	static const char *const paths[] = {
		"/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events",
	};
	char buf[4096];

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;
		char *s;

		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (s = buf; s != NULL; s = strchr(s, '\n'), s = s != NULL ? s + 1 : NULL)
			if (strncmp(s, "oom_kill ", 9) == 0)
				return strtoll(s + 9, NULL, 10);
	}
	return -1;
}

static void set_limit(int res, uint64_t soft, uint64_t hard)
{
	struct rlimit cur, rl;

	/* Only ever lower: asking for more than the container allows is not an error, the
	 * container's own limit simply stays the stricter one. */
	if (getrlimit(res, &cur) < 0)
		_exit(127);
	rl.rlim_max = hard < cur.rlim_max ? (rlim_t)hard : cur.rlim_max;
	rl.rlim_cur = soft < rl.rlim_max ? (rlim_t)soft : rl.rlim_max;
	if (setrlimit(res, &rl) < 0) {
		dprintf(2, "cannot set resource limit %d: %s\n", res, strerror(errno));
		_exit(127);
	}
}

/* execvp with our own PATH: execvpe is a GNU extension and we want no shell fallback. */
static void exec_path(char **argv, char **envp)
{
	const char *dir = SAFE_PATH;
	int saw_eacces = 0;
	char path[4096];

	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], argv, envp);
		return;
	}
	while (*dir != '\0') {
		size_t dl = strcspn(dir, ":");
		int n = snprintf(path, sizeof path, "%.*s/%s", (int)dl, dir, argv[0]);

		if (n > 0 && (size_t)n < sizeof path) {
			execve(path, argv, envp);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		dir += dl + (dir[dl] == ':');
	}
	errno = saw_eacces ? EACCES : ENOENT;
}

static void move_fd(int from, int to)
{
	if (from == to)
		(void)fcntl(to, F_SETFD, 0);
	else if (dup2(from, to) < 0)
		_exit(127);
}

static void child(const struct limits *lim, const struct stage *st, int in, int out, int err)
{
	static char *env[] = {
		"PATH=" SAFE_PATH, "HOME=" WORKDIR, "LANG=C.UTF-8", "TMPDIR=/tmp",
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", NULL,
	};
	sigset_t none;
	uint64_t cpu_s = (st->cpu_ms + 999) / 1000;
	int fd, e;

	(void)setsid();
	move_fd(in, 0);
	move_fd(out, 1);
	move_fd(err, 2);
	if (close_range(3, ~0u, 0) < 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	for (int s = 1; s < NSIG; s++)
		(void)signal(s, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* If the memory cgroup runs out, let the kernel pick the program, not the agent.
	 * Our /proc files belong to root while we are non-dumpable, so become dumpable
	 * first: exec would do it anyway, no other process of this stage exists yet and
	 * every agent fd is closed, so there is nothing left to steal. */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "1000", 4);
		close(fd);
	}
	if (chdir(WORKDIR) < 0) {
		dprintf(2, "cannot enter %s: %s\n", WORKDIR, strerror(errno));
		_exit(127);
	}
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1);
	if (lim->has_fsize)
		set_limit(RLIMIT_FSIZE, lim->fsize_bytes, lim->fsize_bytes);
	if (lim->mem_bytes != 0)
		set_limit(RLIMIT_AS, lim->mem_bytes, lim->mem_bytes);
	if (lim->has_nofile)
		set_limit(RLIMIT_NOFILE, lim->nofile, lim->nofile);
	exec_path(st->argv, env);
	e = errno;
	dprintf(2, "cannot start %s: %s\n", st->argv[0], strerror(e));
	_exit(127);
}

/* Read one chunk from a program's stdout/stderr and forward what fits under the cap.
 * Returns 1 if this chunk crossed the cap (the stage must end now), else 0. */
static int pump(struct stream *s, int tag)
{
	static unsigned char buf[CHUNK];
	ssize_t n = read(s->fd, buf, sizeof buf);
	size_t fwd;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	s->seen += (uint64_t)n;
	fwd = s->trunc ? 0 : (size_t)n;
	if (!s->trunc && (uint64_t)n > s->cap - s->sent) {
		fwd = (size_t)(s->cap - s->sent);
		s->trunc = 1;
	}
	if (fwd > 0) {
		agent_send(s->type, tag, buf, fwd);
		s->sent += fwd;
	}
	return s->trunc && fwd < (size_t)n;
}

/* Write the next piece of stdin without blocking; close the pipe when done or refused. */
static void feed(int *fd, int src, uint64_t len, uint64_t *off)
{
	static unsigned char buf[CHUNK];
	size_t want = len - *off > CHUNK ? CHUNK : (size_t)(len - *off);
	ssize_t r = want > 0 ? pread(src, buf, want, (off_t)*off) : 0;
	ssize_t w = r > 0 ? write(*fd, buf, (size_t)r) : 0;

	if (w > 0)
		*off += (uint64_t)w;
	if (r <= 0 || *off == len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
		close(*fd); /* EPIPE: the program stopped reading; that is its business */
		*fd = -1;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Run one stage to completion. Returns 0 with *res filled, or -1 if it could not start
 * (err holds a sentence). */
int agent_run_stage(const struct limits *lim, const struct stage *st, int sigfd,
		    struct result *res, char *err, size_t errcap)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	struct stream so = { .type = FRAME_STDOUT, .cap = lim->out_cap };
	struct stream se = { .type = FRAME_STDERR, .cap = lim->err_cap };
	struct rusage ru0, ru1, mru = { 0 };
	const char *killed = NULL; /* our own reason for ending the stage early */
	int64_t t0, t_end = 0, grace = 0, last_kill = 0;
	uint64_t in_off = 0, main_cpu;
	long long oom0, oom1;
	int status = 0, main_done = 0, others = 1;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
		(void)snprintf(err, errcap, "Cannot start the %s stage: pipe: %s.", st->name,
			       strerror(errno));
		goto fail;
	}
	oom0 = oom_kills();
	(void)getrusage(RUSAGE_CHILDREN, &ru0);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		(void)snprintf(err, errcap, "Cannot start the %s stage: fork: %s.", st->name,
			       strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(lim, st, in[0], out[1], er[1]);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&er[1]);
	so.fd = out[0];
	se.fd = er[0];
	(void)fcntl(so.fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(se.fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (st->stdin_len == 0)
		close_fd(&in[1]);

	for (;;) {
		struct pollfd pf[4] = {
			{ .fd = sigfd, .events = POLLIN }, { .fd = so.fd, .events = POLLIN },
			{ .fd = se.fd, .events = POLLIN }, { .fd = in[1], .events = POLLOUT },
		};
		int64_t now = now_ms(), timeout;

		if (!main_done && killed == NULL && now >= t0 + (int64_t)st->wall_ms) {
			killed = "wall";
			kill_all(pid);
		}
		if (main_done) {
			if (!others && so.fd < 0 && se.fd < 0)
				break;
			if (now >= grace)
				break; /* something unkillable holds a pipe: report what we have */
			if (others && now - last_kill >= REKILL_MS) {
				kill_all(pid); /* again: a fork may have raced the last kill */
				last_kill = now;
			}
			timeout = others ? REKILL_MS : grace - now;
		} else if (killed != NULL) {
			timeout = REKILL_MS;
			kill_all(pid);
		} else {
			timeout = t0 + (int64_t)st->wall_ms - now;
		}
		if (poll(pf, 4, (int)timeout) < 0 && errno != EINTR)
			break;

		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof si) > 0)
				;
		}
		/* Reap whatever has exited: the main child, its leftovers, orphans we inherited. */
		for (;;) {
			struct rusage r;
			int st_;
			pid_t w = wait4(-1, &st_, WNOHANG, &r);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				others = w == 0;
				break;
			}
			if (w == pid && !main_done) {
				main_done = 1;
				status = st_;
				mru = r;
				t_end = now_ms();
				grace = t_end + GRACE_MS;
				close_fd(&in[1]);
				kill_all(pid); /* the run is over: nothing it left behind may go on */
				last_kill = t_end;
			}
		}
		if (so.fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) && pump(&so, st->tag) &&
		    killed == NULL && !main_done) {
			killed = "output";
			kill_all(pid);
		}
		if (se.fd >= 0 && (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) && pump(&se, st->tag) &&
		    killed == NULL && !main_done) {
			killed = "output";
			kill_all(pid);
		}
		if (in[1] >= 0 && (pf[3].revents & (POLLOUT | POLLHUP | POLLERR)))
			feed(&in[1], st->stdin_fd, st->stdin_len, &in_off);
	}
	close_fd(&in[1]);
	close_fd(&so.fd);
	close_fd(&se.fd);
	(void)getrusage(RUSAGE_CHILDREN, &ru1);
	oom1 = oom_kills();

	memset(res, 0, sizeof *res);
	res->exit = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	res->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	res->wall_ms = (uint64_t)(t_end - t0);
	/* RUSAGE_CHILDREN already includes the main child once it is reaped, plus every
	 * leftover and orphan we reaped during the stage. */
	res->cpu_ms = tv_ms(ru1.ru_utime) + tv_ms(ru1.ru_stime) - tv_ms(ru0.ru_utime) -
		      tv_ms(ru0.ru_stime);
	main_cpu = tv_ms(mru.ru_utime) + tv_ms(mru.ru_stime);
	res->mem_bytes = (uint64_t)mru.ru_maxrss * 1024;
	/* ru_maxrss of RUSAGE_CHILDREN is a maximum over all stages: use it only if it grew. */
	if (ru1.ru_maxrss > ru0.ru_maxrss && ru1.ru_maxrss > mru.ru_maxrss)
		res->mem_bytes = (uint64_t)ru1.ru_maxrss * 1024;
	res->out_bytes = so.seen;
	res->err_bytes = se.seen;
	res->out_trunc = so.trunc;
	res->err_trunc = se.trunc;
	if (killed != NULL)
		res->reason = killed;
	else if (so.trunc || se.trunc)
		res->reason = "output";
	else if (oom0 >= 0 && oom1 > oom0)
		res->reason = "memory";
	else if (res->sig == SIGXCPU || (res->sig == SIGKILL && main_cpu >= st->cpu_ms))
		res->reason = "cpu";
	else if (res->sig == SIGKILL && (oom0 < 0 || oom1 < 0))
		res->reason = "memory"; /* no cgroup to ask: the likeliest sender of SIGKILL */
	else if (res->sig != 0)
		res->reason = "signal";
	else
		res->reason = "exit";
	return 0;
fail:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&er[0]);
	close_fd(&er[1]);
	return -1;
}
