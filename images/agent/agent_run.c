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
#include <sys/mman.h>
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

/* Memory the agent holds while a stage runs and lets go of as soon as the main process has
 * ended. The stage's processes, the agent and whatever they leave behind share one memory
 * limit, and what a program can leave behind is not freed when it dies (files in the tmpfs
 * mounts, their inodes, shared memory segments). A program that fills the container to its
 * limit that way and exits would leave the agent, now the only process, with no memory to
 * open a file or send its report: the kernel would kill the agent, and the run would end
 * without a result. This reserve is charged while the program runs (it cannot use it) and
 * is free again when the agent needs it. Never copied into a child (MADV_DONTFORK), so it
 * does not count in the program's resident size. */
#define RESERVE_BYTES (2u << 20)

static void *reserve_take(void)
{
	void *p = mmap(NULL, RESERVE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, RESERVE_BYTES, MADV_DONTFORK);
	memset(p, 0x5a, RESERVE_BYTES); /* every page really charged */
	return p;
}

static void reserve_free(void **p)
{
	if (*p != NULL)
		(void)munmap(*p, RESERVE_BYTES);
	*p = NULL;
}

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

/* Read a small cgroup file into buf (NUL-terminated). Returns its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int agent_cgroup_number(const char *path, uint64_t *out)
{
	char buf[64], *end;

	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return errno != 0 || end == buf ? -1 : 0;
}

/* What our memory cgroup holds now (v1 memory.usage_in_bytes, v2 memory.current), or 0 if
 * neither can be read. */
static uint64_t usage_now(void)
{
	uint64_t n;

	if (agent_cgroup_number("/sys/fs/cgroup/memory/memory.usage_in_bytes", &n) == 0 ||
	    agent_cgroup_number("/sys/fs/cgroup/memory.current", &n) == 0)
		return n;
	return 0;
}

long long agent_oom_kills(void)
{
	static const char *const paths[] = {
		"/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events",
	};
	char buf[4096];

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char *s;

		if (read_small(paths[i], buf, sizeof buf) < 0)
			continue;
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
	/* The lowest priority inside the container: CPU time is shared by weight only among
	 * the container's own processes (its cgroup has its own share of the machine), so a
	 * program alone runs as fast as before, but 63 forked spinners at nice 19 weigh less
	 * than the agent at nice 0, which therefore still wakes at the wall limit on time,
	 * however slow the machine. Nobody in the container may raise it again. */
	(void)setpriority(PRIO_PROCESS, 0, 19);
	move_fd(in, 0);
	move_fd(out, 1);
	move_fd(err, 2);
	/* A test framework's report goes to fd 3, never to the stdout the program shares. */
	if (st->report_fd >= 0)
		move_fd(st->report_fd, 3);
	if (close_range(st->report_fd >= 0 ? 4 : 3, ~0u, 0) < 0)
		for (fd = st->report_fd >= 0 ? 4 : 3; fd < 1024; fd++)
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
	/* The program only (not its compiler): a Jobe client's memory limit, under which a
	 * malloc of too much returns NULL instead of the program being killed. */
	if (lim->run_as_bytes != 0 && st->tag == 'r')
		set_limit(RLIMIT_AS, lim->run_as_bytes, lim->run_as_bytes);
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

/* One stage in progress. */
struct run {
	const struct stage *st;
	pid_t pid;             /* the main child */
	int in;                /* our end of the program's stdin, -1 once closed */
	uint64_t in_off;       /* stdin bytes written so far */
	struct stream so, se;
	const char *killed;    /* "wall" or "output" once we decided to end the stage */
	int main_done, status; /* main child reaped, its wait status */
	int others;            /* other processes may still exist */
	struct rusage mru;     /* main child's rusage */
	uint64_t mem_limit;    /* the kernel's memory limit in this stage, 0 if unknown */
	int at_limit;          /* the cgroup held (nearly) its limit when the wall limit struck */
	void *reserve;         /* see RESERVE_BYTES; NULL once freed */
	int64_t t0, t_end, grace, last_kill;
};

int agent_mem_limit(uint64_t *mem, uint64_t *memsw)
{
	uint64_t swap;

	if (agent_cgroup_number("/sys/fs/cgroup/memory/memory.limit_in_bytes", mem) == 0) {
		if (agent_cgroup_number("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", memsw) < 0)
			*memsw = *mem;
		return 0;
	}
	if (agent_cgroup_number("/sys/fs/cgroup/memory.max", mem) == 0) {
		if (agent_cgroup_number("/sys/fs/cgroup/memory.swap.max", &swap) < 0)
			swap = 0;
		*memsw = *mem == UINT64_MAX || swap == UINT64_MAX ? UINT64_MAX : *mem + swap;
		return 0;
	}
	return -1;
}

int agent_pids_limit(uint64_t *pids)
{
	if (agent_cgroup_number("/sys/fs/cgroup/pids/pids.max", pids) == 0 ||
	    agent_cgroup_number("/sys/fs/cgroup/pids.max", pids) == 0)
		return 0;
	return -1;
}

/* End the stage now (or, after the main child exited, finish off what it left). The first
 * reason wins; once the main child has exited the stage has already ended on its own. */
static void stop(struct run *r, const char *why)
{
	if (why != NULL && r->killed == NULL && !r->main_done)
		r->killed = why;
	kill_all(r->pid);
	r->last_kill = now_ms();
}

/* Reap everything that has exited: the main child, its leftovers, orphans we inherited. */
static void reap(struct run *r)
{
	for (;;) {
		struct rusage ru;
		int status;
		pid_t w = wait4(-1, &status, WNOHANG, &ru);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r->others = w == 0;
			return;
		}
		if (w == r->pid && !r->main_done) {
			reserve_free(&r->reserve);
			r->main_done = 1;
			r->status = status;
			r->mru = ru;
			r->t_end = now_ms();
			r->grace = r->t_end + GRACE_MS;
			close_fd(&r->in);
			stop(r, NULL); /* the run is over: nothing it left behind may go on */
		}
	}
}

/* What the clock says: the next poll timeout in ms, or -1 when the stage is over. */
static int tick(struct run *r)
{
	int64_t now = now_ms(), deadline = r->t0 + (int64_t)r->st->wall_ms;

	if (!r->main_done) {
		if (r->killed == NULL && now >= deadline) {
			/* One read as the wall limit strikes, not sampling: a program held at its
			 * memory limit (no swap: the kernel can only take back its code pages, again
			 * and again) crawls instead of being killed, and its memory is what stopped it. */
			r->at_limit = r->mem_limit != 0 && usage_now() >= r->mem_limit - r->mem_limit / 32;
			stop(r, "wall");
		}
		/* No sampling of the cgroup here: the kernel holds the stage to its limit (the
		 * server lowered a compiled program's before this stage, and the agent checked),
		 * and every file the agent opens while the program may have filled the container
		 * is memory the agent might not get (see RESERVE_BYTES). */
		if (r->killed == NULL)
			return (int)(deadline - now);
		if (now >= deadline + GRACE_MS) {
			r->t_end = now; /* main child unkillable (stuck in the kernel): give up */
			return -1;
		}
	} else {
		if (!r->others && r->so.fd < 0 && r->se.fd < 0)
			return -1;
		if (now >= r->grace)
			return -1; /* something unkillable holds a pipe: report what we have */
		if (!r->others)
			return (int)(r->grace - now);
	}
	/* Processes we killed are still around: kill again, since a fork may have raced the
	 * last kill(-1), and look again shortly. */
	if (now - r->last_kill >= REKILL_MS)
		stop(r, NULL);
	return REKILL_MS;
}

/* Turn what happened into the facts of FRAME_STAGE. Priority of reasons: the wall limit
 * striking a program held at its memory limit is memory; then our own decision (output,
 * wall) > memory > cpu > signal > exit. */
static void finish(const struct run *r, const struct rusage *ru0, long long oom0,
		   struct result *res)
{
	struct rusage ru1;
	long long oom1 = agent_oom_kills();
	uint64_t main_cpu = tv_ms(r->mru.ru_utime) + tv_ms(r->mru.ru_stime);

	(void)getrusage(RUSAGE_CHILDREN, &ru1);
	memset(res, 0, sizeof *res);
	res->exit = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 0;
	res->sig = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
	res->wall_ms = (uint64_t)(r->t_end - r->t0);
	/* RUSAGE_CHILDREN includes the main child once reaped, and every leftover and orphan
	 * reaped during the stage: adding the main child's own rusage would count it twice. */
	res->cpu_ms = tv_ms(ru1.ru_utime) + tv_ms(ru1.ru_stime) - tv_ms(ru0->ru_utime) -
		      tv_ms(ru0->ru_stime);
	/* RUSAGE_CHILDREN's ru_maxrss is a maximum over the agent's whole life (the compile
	 * stage too): it only tells us something about this stage if it grew. */
	res->mem_bytes = (uint64_t)r->mru.ru_maxrss * 1024;
	if (ru1.ru_maxrss > ru0->ru_maxrss && ru1.ru_maxrss > r->mru.ru_maxrss)
		res->mem_bytes = (uint64_t)ru1.ru_maxrss * 1024;
	/* The resident size also counts pages of shared files (the interpreter's or the
	 * compiler's own binary) that the page cache holds, which the cgroup does not charge
	 * to this run; what the run can have held is at most the kernel's limit. */
	if (r->mem_limit != 0 && res->mem_bytes > r->mem_limit)
		res->mem_bytes = r->mem_limit;
	res->out_bytes = r->so.seen;
	res->err_bytes = r->se.seen;
	res->out_trunc = r->so.trunc;
	res->err_trunc = r->se.trunc;
	/* Stopped by the wall limit while held at its memory limit (seen with Node.js filling
	 * its heap): its memory is what stopped it. The cgroup's usage also counts the page
	 * cache (a compile stage's files), so the program itself must have held at least half
	 * of the limit too: an endless loop after a big compile is a timeout. */
	if (r->at_limit && r->killed != NULL && strcmp(r->killed, "wall") == 0 &&
	    res->mem_bytes >= r->mem_limit / 2)
		res->reason = "memory";
	else if (r->killed != NULL)
		res->reason = r->killed;
	else if (r->so.trunc || r->se.trunc)
		res->reason = "output"; /* crossed the cap while we drained after the exit */
	else if (oom0 >= 0 && oom1 > oom0)
		res->reason = "memory";
	else if (res->sig == SIGXCPU || (res->sig == SIGKILL && main_cpu >= r->st->cpu_ms))
		res->reason = "cpu"; /* SIGKILL: the RLIMIT_CPU hard limit */
	else if (res->sig == SIGKILL && (oom0 < 0 || oom1 < 0))
		res->reason = "memory"; /* no cgroup to ask: the likeliest sender of SIGKILL */
	else if (res->sig != 0)
		res->reason = "signal";
	else
		res->reason = "exit";
}

int agent_run_stage(const struct limits *lim, const struct stage *st, int sigfd,
		    struct result *res, char *err, size_t errcap)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	struct run r = {
		.st = st, .in = -1, .others = 1,
		.so = { .fd = -1, .type = FRAME_STDOUT, .cap = lim->out_cap },
		.se = { .fd = -1, .type = FRAME_STDERR, .cap = lim->err_cap },
	};
	struct rusage ru0;
	uint64_t memsw;
	long long oom0;
	int timeout;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
		(void)snprintf(err, errcap, "Cannot start the %s stage: pipe: %s.", st->name,
			       strerror(errno));
		goto fail;
	}
	oom0 = agent_oom_kills();
	if (agent_mem_limit(&r.mem_limit, &memsw) < 0 || r.mem_limit == UINT64_MAX)
		r.mem_limit = 0;
	r.reserve = reserve_take();
	(void)getrusage(RUSAGE_CHILDREN, &ru0);
	r.t0 = now_ms();
	r.pid = fork();
	if (r.pid < 0) {
		(void)snprintf(err, errcap, "Cannot start the %s stage: fork: %s.", st->name,
			       strerror(errno));
		goto fail;
	}
	if (r.pid == 0)
		child(lim, st, in[0], out[1], er[1]);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&er[1]);
	r.in = in[1];
	r.so.fd = out[0];
	r.se.fd = er[0];
	(void)fcntl(r.in, F_SETFL, O_NONBLOCK);
	(void)fcntl(r.so.fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(r.se.fd, F_SETFL, O_NONBLOCK);
	if (st->stdin_len == 0)
		close_fd(&r.in);

	while ((timeout = tick(&r)) >= 0) {
		struct pollfd pf[4] = {
			{ .fd = sigfd, .events = POLLIN }, { .fd = r.so.fd, .events = POLLIN },
			{ .fd = r.se.fd, .events = POLLIN }, { .fd = r.in, .events = POLLOUT },
		};
		struct signalfd_siginfo si;

		if (poll(pf, 4, timeout) < 0 && errno != EINTR)
			break;
		while (read(sigfd, &si, sizeof si) > 0)
			; /* only a wake-up: reap() below asks the kernel what exited */
		reap(&r);
		if (r.so.fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump(&r.so, st->tag))
			stop(&r, "output");
		if (r.se.fd >= 0 && (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump(&r.se, st->tag))
			stop(&r, "output");
		if (r.in >= 0 && (pf[3].revents & (POLLOUT | POLLHUP | POLLERR)))
			feed(&r.in, st->stdin_fd, st->stdin_len, &r.in_off);
	}
	reserve_free(&r.reserve); /* the main process was never reaped (stuck in the kernel) */
	close_fd(&r.in);
	close_fd(&r.so.fd);
	close_fd(&r.se.fd);
	finish(&r, &ru0, oom0, res);
	return 0;
fail:
	reserve_free(&r.reserve);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&er[0]);
	close_fd(&er[1]);
	return -1;
}
