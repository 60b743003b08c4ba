/*
 * runbox-agent: PID 1 of every run container.
 *
 * Reads one job from stdin as frames (core/frame.h), writes the files under /work, runs the
 * optional compile stage and the run stage, streams their output back as frames and ends
 * each stage with a FRAME_STAGE of facts (exit, signal, why it ended, times, memory, bytes).
 * Everything it writes to stdout is framed; user code never touches the container's stdout.
 *
 * Why it is shaped like this:
 * - Non-dumpable first thing: user code runs as the same uid, and a dumpable agent would let
 *   it open /proc/1/fd/1 (or ptrace us) and forge the final frames.
 * - As PID 1 of the container's pid namespace the kernel drops signals we have no handler
 *   for, so user code cannot kill us; we install none. SIGCHLD is blocked and read through
 *   a signalfd, so the only loop is one poll() over pipes, signalfd and the wall clock.
 * - kill(-1, SIGKILL) from PID 1 kills every other process in the container: that is how a
 *   stage ends at once (wall, output cap) and how leftovers (daemons, double forks, setsid,
 *   stopped processes) are removed when the main process exits, so they never hold a run open.
 * - Output is streamed in 64 KiB chunks and stdin is kept in a memfd, not on our heap: the
 *   agent counts against the container's memory limit, and a fork copies our resident pages
 *   into the child's peak RSS, which we report as the program's memory use.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define WORKDIR "/work"
#define SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CHUNK (64u * 1024)
#define STDIN_MAX (16u * 1024 * 1024)
#define NAME_MAX_DEPTH 8
#define NAME_MAX_LEN 1024
#define MS_MAX 86400000u /* 24 h: more is a bug on the server side */
#define BYTES_MAX (1ull << 48)
/* After the main process exits: how long leftovers and undrained pipes may take. Everything
 * has been sent SIGKILL by then, so this only matters for a process stuck in the kernel. */
#define GRACE_MS 2000
#define REKILL_MS 10

struct limits {
	uint64_t wall_ms, cpu_ms, compile_wall_ms, compile_cpu_ms;
	uint64_t mem_bytes, fsize_bytes, nofile, out_cap, err_cap;
	int has_fsize, has_nofile;
};

enum phase { PH_JOB, PH_FILES, PH_RUN, PH_STDIN, PH_DONE };

struct job {
	enum phase phase;
	struct limits lim;
	int workfd;
	char **compile_argv, **run_argv;
	int stdin_fd; /* memfd, -1 if no stdin */
	uint64_t stdin_len;
	char err[512];
};

/* Callback results that stop the frame reader. */
enum { JOB_END = 1, JOB_BAD = 2 };

struct stage {
	const char *name; /* "compile" or "run" */
	char tag;         /* stage byte of output frames */
	char **argv;
	uint64_t wall_ms, cpu_ms;
	int stdin_fd;
	uint64_t stdin_len;
};

struct stream {
	int fd, type;
	uint64_t seen, sent, cap;
	int trunc;
};

struct result {
	int exit, sig, out_trunc, err_trunc;
	const char *reason;
	uint64_t wall_ms, cpu_ms, mem_bytes, out_bytes, err_bytes;
};

/* ---------------------------------------------------------------- output frames */

static int writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && poll(&pf, 1, -1) >= 0)
				continue;
			return -1;
		}
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Send one frame on stdout: optional stage byte, then data. If the server has gone away
 * there is nobody to report to; exiting as PID 1 makes the kernel kill the rest. */
static void send_frame(int type, int tag, const void *data, size_t len)
{
	unsigned char hdr[FRAME_HDR + 1];
	struct iovec iov[2];
	size_t hl = FRAME_HDR;

	frame_header(hdr, type, (uint32_t)(len + (tag != 0)));
	if (tag != 0)
		hdr[hl++] = (unsigned char)tag;
	iov[0].iov_base = hdr;
	iov[0].iov_len = hl;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	if (writev_all(1, iov, 2) < 0)
		_exit(1);
}

static void send_text(int type, const char *s)
{
	send_frame(type, 0, s, strlen(s));
}

/* ---------------------------------------------------------------- reading the job */

static int bad(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(j->err, sizeof j->err, fmt, ap); /* a cut sentence is still useful */
	va_end(ap);
	return JOB_BAD;
}

/* FRAME_JOB: every line is key=value. frame_kv_u64 cannot tell an absent key from a
 * malformed one, so walk the lines and hand each known key's own line to it: a known key
 * with a bad value is an error, never a silent default. Unknown keys are ignored so a newer
 * server can talk to an older agent still running in a warm container. */
static int parse_limits(struct job *j, const unsigned char *p, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
		uint64_t lo, hi;
	} keys[] = {
#define K(f, lo, hi) { #f, offsetof(struct limits, f), lo, hi }
		K(wall_ms, 1, MS_MAX), K(cpu_ms, 1, MS_MAX),
		K(compile_wall_ms, 1, MS_MAX), K(compile_cpu_ms, 1, MS_MAX),
		K(mem_bytes, 0, BYTES_MAX), K(fsize_bytes, 0, BYTES_MAX),
		K(nofile, 0, 1u << 20), K(out_cap, 0, BYTES_MAX), K(err_cap, 0, BYTES_MAX),
#undef K
	};
	size_t i = 0;

	while (i < n) {
		const unsigned char *line = p + i, *nl = memchr(line, '\n', n - i);
		size_t len = nl != NULL ? (size_t)(nl - line) : n - i;

		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			size_t kl = strlen(keys[k].key);
			uint64_t v;

			if (len <= kl || line[kl] != '=' || memcmp(line, keys[k].key, kl) != 0)
				continue;
			if (frame_kv_u64(line, len, keys[k].key, keys[k].hi, &v) < 0 || v < keys[k].lo)
				return bad(j, "The job setting %s must be a whole number from %llu to %llu.",
					   keys[k].key, (unsigned long long)keys[k].lo,
					   (unsigned long long)keys[k].hi);
			*(uint64_t *)((char *)&j->lim + keys[k].off) = v;
			if (strcmp(keys[k].key, "fsize_bytes") == 0)
				j->lim.has_fsize = 1;
			if (strcmp(keys[k].key, "nofile") == 0)
				j->lim.has_nofile = 1;
		}
		i += len + 1;
	}
	return 0;
}

/* A file name from the server: relative, at most NAME_MAX_DEPTH components, none empty,
 * "." or "..", no control characters. Checked here, and then created component by
 * component with *at() calls and O_NOFOLLOW, so even a bug upstream cannot write outside
 * /work. */
static int check_name(const char *name, size_t len)
{
	size_t depth = 1, start = 0;

	if (len == 0 || len > NAME_MAX_LEN || name[0] == '/')
		return -1;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '/';

		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c != '/')
			continue;
		if (i == start || (i - start == 1 && name[start] == '.') ||
		    (i - start == 2 && name[start] == '.' && name[start + 1] == '.'))
			return -1;
		if (i < len && ++depth > NAME_MAX_DEPTH)
			return -1;
		start = i + 1;
	}
	return 0;
}

static int write_file(struct job *j, const unsigned char *p, size_t n)
{
	const unsigned char *nul = memchr(p, '\0', n);
	char name[NAME_MAX_LEN + 1];
	char *comp, *slash;
	size_t nlen;
	int dfd = -1, fd = -1, rc = 0;

	if (nul == NULL)
		return bad(j, "A file in the job has no name.");
	nlen = (size_t)(nul - p);
	if (check_name((const char *)p, nlen) < 0)
		return bad(j, "The file name '%.*s' is not allowed: use a relative path without "
			   "'..', empty parts or control characters, at most %d levels deep.",
			   (int)(nlen > 200 ? 200 : nlen), (const char *)p, NAME_MAX_DEPTH);
	memcpy(name, p, nlen);
	name[nlen] = '\0';
	dfd = dup(j->workfd);
	if (dfd < 0)
		return bad(j, "Cannot open the work directory: %s.", strerror(errno));
	(void)fcntl(dfd, F_SETFD, FD_CLOEXEC);
	for (comp = name; (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
		int next;

		*slash = '\0';
		if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
			rc = bad(j, "Cannot create the folder for '%s': %s.", name, strerror(errno));
			goto out;
		}
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rc = bad(j, "Cannot open the folder for '%s': %s.", name, strerror(errno));
			goto out;
		}
		close(dfd);
		dfd = next;
		*slash = '/';
	}
	fd = openat(dfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = bad(j, errno == EEXIST ? "The file '%s' is given twice." :
			 "Cannot create the file '%s': %s.", name, strerror(errno));
		goto out;
	}
	for (p = nul + 1, n -= nlen + 1; n > 0;) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = bad(j, "Cannot write the file '%s': %s.", name, strerror(errno));
			goto out;
		}
		p += w;
		n -= (size_t)w;
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* argv frame: one or more NUL-terminated strings, the first non-empty. The strings are
 * copied into one block with the pointer array in front of them. */
static int parse_argv(struct job *j, const unsigned char *p, size_t n, char ***out, const char *what)
{
	size_t argc = 0;
	char **argv;
	char *s;

	if (n == 0 || p[n - 1] != '\0' || p[0] == '\0')
		return bad(j, "The %s command is empty or not NUL-terminated.", what);
	for (size_t i = 0; i < n; i++)
		argc += p[i] == '\0';
	argv = malloc((argc + 1) * sizeof *argv + n);
	if (argv == NULL)
		return bad(j, "Out of memory reading the %s command.", what);
	s = memcpy((char *)(argv + argc + 1), p, n);
	for (size_t a = 0; a < argc; a++) {
		argv[a] = s;
		s += strlen(s) + 1;
	}
	argv[argc] = NULL;
	*out = argv;
	return 0;
}

static int add_stdin(struct job *j, const unsigned char *p, size_t n)
{
	if (n > STDIN_MAX - j->stdin_len)
		return bad(j, "The program's input is larger than %u MB.", STDIN_MAX >> 20);
	if (n == 0)
		return 0;
	if (j->stdin_fd < 0) {
		j->stdin_fd = memfd_create("runbox-stdin", MFD_CLOEXEC);
		if (j->stdin_fd < 0)
			return bad(j, "Cannot store the program's input: %s.", strerror(errno));
	}
	while (n > 0) {
		ssize_t w = write(j->stdin_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return bad(j, "Cannot store the program's input: %s.", strerror(errno));
		p += w;
		n -= (size_t)w;
		j->stdin_len += (uint64_t)w;
	}
	return 0;
}

/* Frames must come in the order frame.h gives; anything else is a server bug worth a
 * clear sentence rather than a guess. */
static int on_frame(void *arg, int type, const unsigned char *p, size_t n)
{
	struct job *j = arg;

	switch (type) {
	case FRAME_JOB:
		if (j->phase != PH_JOB)
			return bad(j, "The job settings were sent twice.");
		j->phase = PH_FILES;
		return parse_limits(j, p, n);
	case FRAME_FILE:
		if (j->phase != PH_FILES)
			return bad(j, "A file was sent before the job settings or after the commands.");
		return write_file(j, p, n);
	case FRAME_COMPILE:
		if (j->phase != PH_FILES)
			return bad(j, "The compile command came out of order.");
		j->phase = PH_RUN;
		return parse_argv(j, p, n, &j->compile_argv, "compile");
	case FRAME_RUN:
		if (j->phase != PH_FILES && j->phase != PH_RUN)
			return bad(j, "The run command came out of order.");
		j->phase = PH_STDIN;
		return parse_argv(j, p, n, &j->run_argv, "run");
	case FRAME_STDIN:
		if (j->phase != PH_STDIN)
			return bad(j, "Input for the program came before the run command.");
		return add_stdin(j, p, n);
	case FRAME_END:
		if (j->phase != PH_STDIN)
			return bad(j, "The job has no run command.");
		j->phase = PH_DONE;
		return JOB_END;
	default:
		return bad(j, "The job contains a frame of unknown type %d.", type);
	}
}

/* Returns 0 (job complete), JOB_BAD or -1 (stdin ended first); j->err says why. */
static int read_job(struct job *j)
{
	static unsigned char buf[CHUNK];
	struct frame_reader r;
	int rc = 0;

	frame_reader_init(&r, 0);
	while (rc == 0) {
		ssize_t n = read(0, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(j->err, sizeof j->err, "The job ended before it was complete.");
			rc = -1;
			break;
		}
		rc = frame_reader_feed(&r, buf, (size_t)n, on_frame, j);
		if (rc == -1)
			rc = bad(j, "The job contains a frame that is too large or unreadable.");
	}
	frame_reader_release(&r);
	return rc == JOB_END ? 0 : rc;
}

/* ---------------------------------------------------------------- running a stage */

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
	/* If the memory cgroup runs out, let the kernel pick the program, not the agent. */
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
		send_frame(s->type, tag, buf, fwd);
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
static int run_stage(const struct limits *lim, const struct stage *st, int sigfd,
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

static void send_stage(const char *name, const struct result *r)
{
	char buf[512];

	(void)snprintf(buf, sizeof buf,
		       "stage=%s\nexit=%d\nsignal=%d\nreason=%s\nwall_ms=%llu\ncpu_ms=%llu\n"
		       "mem_bytes=%llu\nout_bytes=%llu\nerr_bytes=%llu\nout_trunc=%d\nerr_trunc=%d\n",
		       name, r->exit, r->sig, r->reason, (unsigned long long)r->wall_ms,
		       (unsigned long long)r->cpu_ms, (unsigned long long)r->mem_bytes,
		       (unsigned long long)r->out_bytes, (unsigned long long)r->err_bytes,
		       r->out_trunc, r->err_trunc);
	send_text(FRAME_STAGE, buf);
}

/* ---------------------------------------------------------------- main */

int main(void)
{
	struct job j = {
		.phase = PH_JOB, .workfd = -1, .stdin_fd = -1,
		.lim = { .wall_ms = 10000, .cpu_ms = 10000, .compile_wall_ms = 30000,
			 .compile_cpu_ms = 30000, .out_cap = 1048576, .err_cap = 1048576 },
	};
	struct stage st;
	struct result res;
	sigset_t chld;
	int sigfd, rc;

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Pipes we create must never land on 0-2, or the child's dup2s would clobber them. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && open("/dev/null", O_RDWR) != fd)
			return 1;
	/* Fixed mmap threshold: a big frame's buffer goes back to the kernel when freed
	 * instead of staying in our heap (and in every child's peak RSS). */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &chld, NULL);
	sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* by hand: still reap orphans */
	j.workfd = open(WORKDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (sigfd < 0 || j.workfd < 0) {
		send_text(FRAME_ERROR, "The agent cannot start: no signalfd or no work directory.");
		send_frame(FRAME_DONE, 0, NULL, 0);
		return 0;
	}
	rc = read_job(&j);
	if (rc < 0) {
		send_text(FRAME_ERROR, j.err);
		return 1;
	}
	if (rc != 0) {
		send_text(FRAME_ERROR, j.err);
		send_frame(FRAME_DONE, 0, NULL, 0);
		return 0;
	}
	if (j.compile_argv != NULL) {
		st = (struct stage){ "compile", 'c', j.compile_argv, j.lim.compile_wall_ms,
				     j.lim.compile_cpu_ms, -1, 0 };
		if (run_stage(&j.lim, &st, sigfd, &res, j.err, sizeof j.err) < 0)
			goto fail;
		send_stage("compile", &res);
		if (strcmp(res.reason, "exit") != 0 || res.exit != 0)
			goto done;
	}
	st = (struct stage){ "run", 'r', j.run_argv, j.lim.wall_ms, j.lim.cpu_ms,
			     j.stdin_fd, j.stdin_len };
	if (run_stage(&j.lim, &st, sigfd, &res, j.err, sizeof j.err) < 0)
		goto fail;
	send_stage("run", &res);
done:
	send_frame(FRAME_DONE, 0, NULL, 0);
	return 0;
fail:
	send_text(FRAME_ERROR, j.err);
	send_frame(FRAME_DONE, 0, NULL, 0);
	return 0;
}
