/*
 * runbox-agent: PID 1 of every run container.
 *
 * Reads one job from stdin as frames (core/frame.h), writes the files under /work, runs the
 * optional compile stage and the run stage, streams their output back as frames and ends
 * each stage with a FRAME_STAGE of facts (exit, signal, why it ended, times, memory, bytes).
 * Everything it writes to stdout is framed; user code never touches the container's stdout.
 * This file drives the stages and, for a reused container, the reset and ready steps;
 * agent_job.c reads the job, agent_run.c runs one stage, agent_reset.c puts the container back
 * between jobs. Built static:
 *
 *     gcc -std=c11 -O2 -static -Wall -Wextra -Werror -Icore images/agent/agent.c \
 *         images/agent/agent_job.c images/agent/agent_run.c images/agent/agent_reset.c \
 *         core/frame.c -o build/runbox-agent
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent.h"
#include "frame.h"

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

/* If the server has gone away there is nobody to report to: exiting as PID 1 makes the
 * kernel kill every other process in the container. */
void agent_send(int type, int tag, const void *data, size_t len)
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
	agent_send(type, 0, s, strlen(s));
}

/* A stage's facts; a test case's (kase >= 0) also say which case and whether its report
 * was cut. */
static void send_stage(const char *name, const struct result *r, int kase, int report_trunc)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof buf,
		     "stage=%s\nexit=%d\nsignal=%d\nreason=%s\nwall_ms=%llu\ncpu_ms=%llu\n"
		     "mem_bytes=%llu\nout_bytes=%llu\nerr_bytes=%llu\nout_trunc=%d\nerr_trunc=%d\n",
		     name, r->exit, r->sig, r->reason, (unsigned long long)r->wall_ms,
		     (unsigned long long)r->cpu_ms, (unsigned long long)r->mem_bytes,
		     (unsigned long long)r->out_bytes, (unsigned long long)r->err_bytes,
		     r->out_trunc, r->err_trunc);
	if (kase >= 0 && n > 0 && (size_t)n < sizeof buf)
		(void)snprintf(buf + n, sizeof buf - (size_t)n, "case=%d\nreport_trunc=%d\n", kase,
			       report_trunc);
	send_text(FRAME_STAGE, buf);
}

#define REPORT_MAX (1u << 20) /* bytes of a case's report sent back (RUN_REPORT_CAP) */

/* What the case's program wrote to fd 3 (a memfd): its first REPORT_MAX bytes as one
 * FRAME_REPORT. Returns 1 when there was more (cut), else 0. The program may have
 * truncated or grown the file as it liked: only what is there now is read. */
static int send_report(int fd)
{
	static unsigned char buf[REPORT_MAX + 1];
	size_t have = 0;

	while (have < sizeof buf) {
		ssize_t r = pread(fd, buf + have, sizeof buf - have, (off_t)have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	if (have > 0)
		agent_send(FRAME_REPORT, 0, buf, have > REPORT_MAX ? REPORT_MAX : have);
	return have > REPORT_MAX;
}

/* Run the job's cases one after another against the same build, each a run stage of its
 * own (its own process group, input and limits; whatever it leaves running is killed
 * before the next starts). *oom says whether a case ended by the memory limit. Returns 0,
 * or -1 with j->err when a case could not be started (the cases after it do not run). */
static int run_cases(struct job *j, int sigfd, int *oom)
{
	for (int k = 0; k < j->ncases; k++) {
		struct jcase *c = &j->cases[k];
		struct stage st = { "run", 'r', c->argv != NULL ? c->argv : j->run_argv, c->wall_ms,
				    c->cpu_ms, c->stdin_fd, c->stdin_len, -1 };
		struct result res;
		int trunc = 0, rc;

		for (int f = 0; f < c->nfiles; f++)
			if (job_write_file(j, c->files[f], c->file_len[f]) != 0)
				return -1; /* j->err names the file */
		if (c->report && (st.report_fd = memfd_create("runbox-report", MFD_CLOEXEC)) < 0) {
			(void)bad(j, "Cannot make the report file of test case %d: %s.", k + 1,
				  strerror(errno));
			return -1;
		}
		rc = agent_run_stage(&j->lim, &st, sigfd, &res, j->err, sizeof j->err);
		if (rc == 0 && st.report_fd >= 0)
			trunc = send_report(st.report_fd);
		if (st.report_fd >= 0)
			close(st.report_fd);
		/* The case's files go (not what the program made of them: the next case may see
		 * that, as it sees anything else a case leaves in /work). */
		for (int f = 0; f < c->nfiles; f++)
			(void)unlinkat(j->workfd, (const char *)c->files[f], 0);
		if (rc < 0)
			return -1;
		send_stage(st.name, &res, k, trunc);
		*oom |= strcmp(res.reason, "memory") == 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- memory limits */

static unsigned long long mb(uint64_t bytes)
{
	return bytes == UINT64_MAX ? 0 : (unsigned long long)(bytes >> 20);
}

/* The job starts under the limit the server created the container with (mem_now_bytes),
 * exactly: a container whose limit an earlier stage or job changed and nobody set back
 * runs nothing. */
static int check_start_limit(struct job *j)
{
	uint64_t mem, memsw;

	if (j->lim.mem_now_bytes == 0)
		return 0;
	if (agent_mem_limit(&mem, &memsw) < 0)
		return bad(j, "The agent cannot read the container's memory limit, so nothing was run.");
	if (mem != j->lim.mem_now_bytes || memsw != j->lim.mem_now_bytes)
		return bad(j, "The container's memory limit is %llu MB (%llu MB with swap), not the "
			   "%llu MB this job starts with, so nothing was run.", mb(mem), mb(memsw),
			   mb(j->lim.mem_now_bytes));
	return 0;
}

/* Before the run stage: if the program's limit is below the container's, ask the server
 * to lower it (FRAME_WAIT), wait for FRAME_LIMITS, and check the kernel's limit ourselves.
 * Returns 0 to go on, -1 when the server is gone, JOB_BAD with j->err otherwise. */
static int lower_for_run(struct job *j)
{
	uint64_t mem, memsw, pids, want = j->lim.run_mem_bytes, want_pids = j->lim.run_pids;
	int lower_mem = want != 0 && j->lim.mem_now_bytes != 0 && want < j->lim.mem_now_bytes;
	int rc;

	if (!lower_mem && want_pids == 0)
		return 0;
	send_text(FRAME_WAIT, "stage=run\n");
	j->phase = PH_WAIT;
	j->waited = 1;
	if ((rc = read_job(j)) != 0)
		return rc;
	if (lower_mem) {
		if (agent_mem_limit(&mem, &memsw) < 0)
			return bad(j, "The agent cannot read the container's memory limit, so the "
				   "program was not run.");
		if (mem > want || memsw > want || j->limit_set != want)
			return bad(j, "The run stage's memory limit of %llu MB is not in place (the "
				   "container allows %llu MB), so the program was not run.", mb(want),
				   mb(mem > memsw ? mem : memsw));
	}
	if (want_pids != 0) {
		if (agent_pids_limit(&pids) < 0)
			return bad(j, "The agent cannot read the container's process limit, so the "
				   "program was not run.");
		if (pids > want_pids || j->pids_set != want_pids)
			return bad(j, "The run stage's limit of %llu processes is not in place, so "
				   "the program was not run.", (unsigned long long)want_pids);
	}
	return 0;
}

/* A job before any frame of it: the agent's safe defaults. */
static void job_defaults(struct job *j)
{
	*j = (struct job){
		.phase = PH_JOB, .workfd = -1, .stdin_fd = -1,
		.lim = { .wall_ms = 10000, .cpu_ms = 10000, .compile_wall_ms = 30000,
			 .compile_cpu_ms = 30000, .out_cap = 1048576, .err_cap = 1048576 },
	};
}

/* ---------------------------------------------------------------- one job */

/* Read one job and run it, reporting as frames, ending with FRAME_DONE. Returns 0, or -1
 * when stdin ended first (j->phase still PH_JOB: before any of a job arrived). *clean says
 * whether the job ended in a way a reset can prove clean: no agent error, no stage killed
 * by the memory limit. (A limit lowered for it is set back and checked before the
 * container is vouched for: restore_limits.) */
static int run_job(struct job *j, int sigfd, int *clean)
{
	struct stage st;
	struct result res;
	long long oom0;
	int rc, oom = 0;

	*clean = 0;
	oom0 = agent_oom_kills();
	rc = read_job(j);
	if (rc < 0) {
		if (j->phase != PH_JOB)
			send_text(FRAME_ERROR, j->err);
		return -1;
	}
	if (rc != 0 || check_start_limit(j) != 0)
		goto fail;
	if (j->compile_argv != NULL) {
		st = (struct stage){ "compile", 'c', j->compile_argv, j->lim.compile_wall_ms,
				     j->lim.compile_cpu_ms, -1, 0, -1 };
		if (agent_run_stage(&j->lim, &st, sigfd, &res, j->err, sizeof j->err) < 0)
			goto fail;
		send_stage(st.name, &res, -1, 0);
		oom |= strcmp(res.reason, "memory") == 0;
		if (strcmp(res.reason, "exit") != 0 || res.exit != 0 ||
		    (j->lim.compile_strict && res.err_bytes > 0))
			goto done;
	}
	if ((rc = lower_for_run(j)) < 0)
		return -1; /* the server is gone: nobody to report to */
	if (rc != 0)
		goto fail;
	if (j->ncases > 0) {
		if (run_cases(j, sigfd, &oom) < 0)
			goto fail;
		goto done;
	}
	st = (struct stage){ "run", 'r', j->run_argv, j->lim.wall_ms, j->lim.cpu_ms,
			     j->stdin_fd, j->stdin_len, -1 };
	if (agent_run_stage(&j->lim, &st, sigfd, &res, j->err, sizeof j->err) < 0)
		goto fail;
	send_stage(st.name, &res, -1, 0);
	oom |= strcmp(res.reason, "memory") == 0;
done:
	/* Any OOM kill in the job, a child's too (its main process may have ended another way),
	 * or none that can be counted: not provably clean. */
	*clean = !oom && oom0 >= 0 && agent_oom_kills() == oom0;
	agent_send(FRAME_DONE, 0, NULL, 0);
	return 0;
fail:
	send_text(FRAME_ERROR, j->err);
	agent_send(FRAME_DONE, 0, NULL, 0);
	return 0;
}

/* The container's limits as it started: what every job starts under. */
struct start_limits {
	int known;
	uint64_t mem, memsw, pids; /* pids 0: no pids cgroup to check */
};

/* A job lowered the container's limits (FRAME_WAIT): ask the server to set them back
 * (FRAME_WAIT "stage=reset", answered by FRAME_LIMITS) and check the kernel's values
 * ourselves. 0 when they are exactly as at the start; -1 with a sentence in why. */
static int restore_limits(struct job *j, const struct start_limits *sl, char *why, size_t cap)
{
	uint64_t mem, memsw, pids = 0;
	int rc;

	if (!sl->known) {
		(void)snprintf(why, cap, "the agent does not know the container's first limits");
		return -1;
	}
	send_text(FRAME_WAIT, "stage=reset\n");
	j->phase = PH_WAIT;
	rc = read_job(j);
	j->phase = PH_JOB; /* the next job's frames come next */
	if (rc != 0) {
		(void)snprintf(why, cap, "the limits were not set back: %s", j->err);
		return -1;
	}
	if (agent_mem_limit(&mem, &memsw) < 0 || mem != sl->mem || memsw != sl->memsw) {
		(void)snprintf(why, cap, "the memory limit is not back at %llu MB", mb(sl->mem));
		return -1;
	}
	if (sl->pids != 0 && (agent_pids_limit(&pids) < 0 || pids != sl->pids)) {
		(void)snprintf(why, cap, "the process limit is not back at %llu",
			       (unsigned long long)sl->pids);
		return -1;
	}
	return 0;
}

/* After a reused job: FRAME_READY says whether the container takes another. */
static void send_ready(int clean, const char *why)
{
	char buf[600];

	if (clean)
		(void)snprintf(buf, sizeof buf, "clean=1\n");
	else
		(void)snprintf(buf, sizeof buf, "clean=0\nwhy=%.500s\n", why);
	send_text(FRAME_READY, buf);
}

/* Forget the job, for the next one (the work folder's fd stays). */
static void job_clear(struct job *j)
{
	int workfd = j->workfd;

	free(j->compile_argv);
	free(j->run_argv);
	if (j->stdin_fd >= 0)
		close(j->stdin_fd);
	for (int k = 0; k < j->ncases; k++) {
		for (int f = 0; f < j->cases[k].nfiles; f++)
			free(j->cases[k].files[f]);
		free(j->cases[k].argv);
		if (j->cases[k].stdin_fd >= 0)
			close(j->cases[k].stdin_fd);
	}
	memset(j, 0, sizeof *j);
	job_defaults(j);
	j->workfd = workfd;
}

/* ---------------------------------------------------------------- main */

int main(void)
{
	struct job j;

	struct baseline base;
	struct start_limits start = { 0 };
	char why[512] = "";
	sigset_t chld;
	int sigfd, rc, clean = 0, have_base;

	job_defaults(&j);
	/* Before anything else: this is what keeps user code from forging our frames. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		send_text(FRAME_ERROR, "The agent cannot protect itself (prctl failed).");
		agent_send(FRAME_DONE, 0, NULL, 0);
		return 0;
	}
	/* Pipes we create must never land on 0-2, or the child's dup2s would clobber them. */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return 1;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
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
		agent_send(FRAME_DONE, 0, NULL, 0);
		return 0;
	}
	have_base = agent_baseline(&base, why, sizeof why) == 0;
	start.known = agent_mem_limit(&start.mem, &start.memsw) == 0;
	if (agent_pids_limit(&start.pids) < 0)
		start.pids = 0;
	for (int jobs = 0;; jobs++) {
		int waited;

		rc = run_job(&j, sigfd, &clean);
		if (rc < 0)
			/* The server is gone; between jobs that is how a reused container ends. */
			return jobs > 0 && j.phase == PH_JOB ? 0 : 1;
		if (!j.lim.reuse)
			return 0;
		/* Only a container proven as it started takes another job. */
		if (!clean)
			(void)snprintf(why, sizeof why, "%s", j.err[0] ? j.err : "the job ended in a way "
				       "the reset cannot prove clean");
		/* The job's own fds (its stdin) go first: the proof counts ours. */
		waited = j.waited;
		job_clear(&j);
		if (clean && !have_base) {
			clean = 0;
			(void)snprintf(why, sizeof why, "the agent has no baseline to prove a reset against");
		} else if (clean) {
			clean = agent_reset(&base, why, sizeof why) == 0;
			if (clean && waited)
				clean = restore_limits(&j, &start, why, sizeof why) == 0;
		}
		send_ready(clean, why);
		if (!clean)
			return 0;
	}
}

