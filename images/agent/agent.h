/*
 * Internal interface between the parts of the agent: agent.c drives the stages and the
 * reset and ready steps, agent_job.c reads the job, agent_run.c runs one stage, agent_reset.c
 * puts the container back between jobs. See agent.c for what the agent does and why.
 */
#ifndef RUNBOX_AGENT_H
#define RUNBOX_AGENT_H

#include <stddef.h>
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>

#define WORKDIR "/work"
#define CHUNK (64u * 1024) /* read/write unit for job, output and stdin */

/* Limits of one job (FRAME_JOB keys; defaults in agent.c). */
struct limits {
	uint64_t wall_ms, cpu_ms, compile_wall_ms, compile_cpu_ms;
	uint64_t run_as_bytes;  /* the run stage's address-space limit (0 = none) */
	uint64_t fsize_bytes, nofile, out_cap, err_cap;
	uint64_t mem_now_bytes; /* the container's memory limit as the job starts (0 = unchecked) */
	uint64_t run_mem_bytes; /* the run stage's memory limit (0 = the container's) */
	uint64_t run_pids;      /* the run stage's process limit, agent included (0 = the
				 * container's) */
	uint64_t reuse;          /* 1: after this job, reset and wait for another */
	uint64_t compile_strict; /* 1: a compile stage that writes to stderr fails (warnings are
				  * errors, as under Jobe): the program is not run */
	int has_fsize, has_nofile;
};

/* One stage to run. */
struct stage {
	const char *name; /* "compile" or "run" */
	char tag;         /* stage byte of its output frames */
	char **argv;
	uint64_t wall_ms, cpu_ms;
	int stdin_fd;     /* bytes for the program's stdin, read with pread; -1 if none */
	uint64_t stdin_len;
	int report_fd;    /* becomes the program's fd 3 (a case's report); -1 if none */
};

/* The facts FRAME_STAGE reports. reason is a static string. */
struct result {
	int exit, sig, out_trunc, err_trunc;
	const char *reason;
	uint64_t wall_ms, cpu_ms, mem_bytes, out_bytes, err_bytes;
};

/* Where the reader is in a job; each phase says which frames may come next, in frame.h's
 * order. PH_DONE: complete. PH_WAIT: the agent asked for limits (FRAME_WAIT) and only
 * FRAME_LIMITS may come. */
enum phase { PH_JOB, PH_FILES, PH_RUN, PH_STDIN, PH_CASE, PH_CASE_STDIN, PH_DONE, PH_WAIT };

#define CASES_MAX 100 /* test cases in one job (the server's RUN_MAX_CASES) */
#define CASE_FILES_MAX 8 /* files of one case (RUN_CASE_FILES) */

/* One test case of a job (FRAME_CASE): run after the compile stage as its own run stage. */
struct jcase {
	uint64_t wall_ms, cpu_ms;
	int report;       /* 1: the program gets fd 3 for its framework's report */
	char **argv;      /* its own command (one malloc'd block), or NULL: the job's */
	int stdin_fd;     /* memfd, -1 if no stdin */
	uint64_t stdin_len;
	/* Its own files (FRAME_FILE after FRAME_CASE): each "name\0content", malloc'd, put in
	 * /work just before the case and removed after it. */
	unsigned char *files[CASE_FILES_MAX];
	size_t file_len[CASE_FILES_MAX];
	int nfiles;
};

/* One job: what read_job fills in from the frames, and what running it needs. Its safe
 * defaults, before any frame, come from agent.c (job_defaults). The job owns compile_argv
 * and run_argv (one malloc'd block each, strings inside) and stdin_fd; workfd is the agent's
 * and stays open from job to job. */
struct job {
	enum phase phase;
	struct limits lim;
	int workfd;
	char **compile_argv, **run_argv;
	int stdin_fd; /* memfd, -1 if no stdin */
	uint64_t stdin_len;
	struct jcase cases[CASES_MAX];
	int ncases;
	uint64_t stdin_total; /* the job's stdin and every case's together */
	uint64_t limit_set; /* mem_bytes of the server's FRAME_LIMITS */
	uint64_t pids_set;  /* its pids (0 = not changed) */
	int waited;         /* the server changed a limit for this job (FRAME_WAIT) */
	char err[512];
};

/* Callback results that stop the frame reader. JOB_BAD also means "refused, j->err says
 * why" wherever a job is checked (bad, read_job, and agent.c's checks on the limits). */
enum { JOB_END = 1, JOB_BAD = 2 };

/* Put a sentence in j->err (printf format, cut to fit) and return JOB_BAD, so that a check
 * can end with return bad(j, ...). */
int bad(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read frames from stdin into j, checking each: with j->phase PH_JOB a whole job (settings
 * into lim, files written under workfd, the commands, stdin into a memfd), with PH_WAIT the
 * server's FRAME_LIMITS (limit_set, pids_set). 0 when complete (phase PH_DONE); JOB_BAD
 * when a frame is refused; -1 when stdin ended first (phase still PH_JOB if nothing of a job
 * came). j->err holds a sentence on failure. Whatever was read stays owned by j, on failure
 * too. */
int read_job(struct job *j);
/* Write one FRAME_FILE payload ("name\0content") under /work, its folders made on the way,
 * never through a link and never over a file that is there: 0, or JOB_BAD with j->err. */
int job_write_file(struct job *j, const unsigned char *p, size_t n);

/* Write one complete frame to stdout: the stage byte tag (if not 0), then data. Never
 * returns if stdout is gone: there is nobody left to report to. */
void agent_send(int type, int tag, const void *data, size_t len);

/* The container's memory limit as the kernel enforces it, from the memory cgroup (v1
 * memory.limit_in_bytes, v2 memory.max), into *mem, and the limit of memory and swap
 * together into *memsw (v1 memory.memsw.limit_in_bytes, v2 memory.max + memory.swap.max;
 * *mem where swap is not accounted). "No limit" is UINT64_MAX. -1 if there is no memory
 * cgroup to read. */
int agent_mem_limit(uint64_t *mem, uint64_t *memsw);

/* The container's process limit (pids cgroup: v1 pids/pids.max, v2 pids.max); "max" is
 * UINT64_MAX. -1 if there is no pids cgroup to read. */
int agent_pids_limit(uint64_t *pids);

/* What the container looks like before its first job, for agent_reset to come back to. */
#define RESET_MOUNTS 4 /* /work, /tmp, /dev/shm, /dev/mqueue */
struct baseline {
	struct {
		int present;
		uint64_t blocks, inodes;
		unsigned mode;
		long xattrs;    /* extended attributes on the mount's folder */
	} mount[RESET_MOUNTS];
	long fds, sockets, pids;
	uint64_t rss_kb;
	/* The agent's own attributes that a job running as the same uid could change and the
	 * next job would inherit: rlimits (a lowered hard limit cannot be raised again), nice
	 * value, scheduling policy, CPU affinity, I/O priority. */
	struct {
		struct rlimit rl[RLIM_NLIMITS];
		int nice, policy, ioprio;
		cpu_set_t cpus;
	} self;
};

/* OOM kills so far in our memory cgroup (v1 memory.oom_control, v2 memory.events), or -1
 * if neither can be read. */
long long agent_oom_kills(void);
/* A cgroup file's number (a limit, a usage, a count) into *out, "max" (v2: no limit) as
 * UINT64_MAX: 0, or -1 when the file cannot be read or holds no number. */
int agent_cgroup_number(const char *path, uint64_t *out);

/* Measure the baseline (at start, before any job). -1 with a sentence in err. */
int agent_baseline(struct baseline *b, char *err, size_t cap);
/* Between jobs: kill and reap every process but the agent, empty the writable mounts
 * without following a symlink, remove SysV IPC objects, then check everything against b.
 * 0 when the container is provably as it started; -1 with the first thing that is not. */
int agent_reset(const struct baseline *b, char *err, size_t cap);

/* Run one stage to completion, streaming its output as frames. Returns 0 with *res
 * filled, or -1 if the stage could not be started (err holds a sentence). Every process
 * the stage started is dead and reaped when it returns. */
int agent_run_stage(const struct limits *lim, const struct stage *st, int sigfd,
		    struct result *res, char *err, size_t errcap);

#endif
