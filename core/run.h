/*
 * run: run one program in a fresh hardened container and report what happened.
 *
 * The one run request/result type that every API face (our editor API, later the Jobe
 * and Piston faces) converts to and from. The result carries facts per stage (exit,
 * signal, times, memory, bytes, truncation, why it ended); the status is derived from
 * those facts by run_status_derive, never from human text.
 */
#ifndef RUNBOX_RUN_H
#define RUNBOX_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "dk.h"
#include "err.h"
#include "lang.h"
#include "limits.h"

/* Why a stage ended (the agent's "reason"). */
#define RUN_REASON_MAP(X) \
	X(REASON_NONE, "none")     /* the stage did not run */ \
	X(REASON_EXIT, "exit")     /* the main process exited */ \
	X(REASON_SIGNAL, "signal") /* killed by a signal nobody in runbox sent (SIGSEGV...) */ \
	X(REASON_WALL, "wall")     /* wall-clock limit */ \
	X(REASON_CPU, "cpu")       /* CPU time limit */ \
	X(REASON_MEMORY, "memory") /* the memory limit's OOM killer */ \
	X(REASON_OUTPUT, "output") /* an output cap was hit */ \
	X(REASON_KILLED, "killed") /* stopped by runbox for another reason (agent error) */

enum run_reason {
#define X(e, s) e,
	RUN_REASON_MAP(X)
#undef X
};

#define RUN_STATUS_MAP(X) \
	X(STATUS_OK, "ok") \
	X(STATUS_RUNTIME_ERROR, "runtime_error") \
	X(STATUS_COMPILE_ERROR, "compile_error") \
	X(STATUS_TIMEOUT, "timeout") \
	X(STATUS_MEMORY_LIMIT, "memory_limit") \
	X(STATUS_OUTPUT_LIMIT, "output_limit") \
	X(STATUS_INTERNAL_ERROR, "internal_error")

enum run_status {
#define X(e, s) e,
	RUN_STATUS_MAP(X)
#undef X
};

const char *run_reason_name(enum run_reason r);
/* REASON_NONE for an unknown name. */
enum run_reason run_reason_parse(const char *s);
const char *run_status_name(enum run_status s);

struct run_result;

struct run_file {
	const char *name;          /* relative path inside /work */
	const unsigned char *data; /* borrowed */
	size_t len;
};

/* One test case of a run with cases: the same build, run again as a fresh process group
 * with its own input, command and time limits. */
struct run_case {
	const unsigned char *stdin_data;
	size_t stdin_len;
	const char *const *run_argv; /* NULL: the request's run command */
	long wall_ms, cpu_ms;        /* 0, or above the request's limits: the request's */
	const struct run_file *files; /* put in the work folder for this case only, and */
	size_t nfiles;               /* removed after it (at most RUN_CASE_FILES) */
	bool report;                 /* the program gets file descriptor 3 for a test
				      * framework's report, which comes back in the case's
				      * report buffer (never mixed with its stdout) */
};
#define RUN_MAX_CASES 100          /* cases in one run */
#define RUN_CASE_FILES 8           /* files of one case */
#define RUN_REPORT_CAP (1L << 20)  /* bytes of a framework's report kept per case */

struct run_request {
	const char *run_id;        /* for labels and logs */
	const struct lang *lang;
	const struct run_file *files;
	size_t nfiles;
	const unsigned char *stdin_data;
	size_t stdin_len;
	struct limits limits;      /* already clamped to the admin's maxima */
	int cancel_fd;             /* the client's connection: hang-up cancels; -1 for none */
	/* Commands, already expanded (lang_expand). compile_argv NULL: no compile stage;
	 * run_argv NULL: the language's run command as it is. */
	const char *const *compile_argv;
	const char *const *run_argv;
	long compile_wall_ms, compile_cpu_ms; /* 0: the agent's defaults */
	long compile_memory_bytes;            /* the compile stage's memory (see
					       * run_container_memory) */
	long container_memory_bytes;          /* the memory the container is (or was) made
					       * with; 0: run_container_memory's rule */
	bool compile_strict;                  /* compiler messages on stderr fail the compile
					       * (Jobe's rule): the program is not run */
	long run_pids;                        /* the program's processes and threads with the
					       * agent's one (the pids cgroup, set by run_exec
					       * after the compile stage); 0: the container's */
	long run_as_bytes;                    /* the program's address-space limit (RLIMIT_AS,
					       * so malloc of too much returns NULL); 0: none */
	/* A warm container started by run_prestart for this language and limits, or NULL
	 * to create one for this run. */
	const char *container;
	/* Reuse (with container): the agent resets the container after the job and proves it
	 * as it started (FRAME_READY, res->ready) before run_exec returns; stream is the attach
	 * kept open across the container's jobs (NULL: attach now, and close it after). */
	bool reuse;
	struct dk_stream *stream;
	/* Reuse: called once the job's answer is complete (FRAME_DONE; res's status derived,
	 * total_ms set), before the reset's word is awaited, so the answer can go out while
	 * the agent resets. From then on a hang-up on cancel_fd no longer matters. */
	void (*on_done)(void *arg, const struct run_result *res);
	void *on_done_arg;
	/* Cases (ncases 1..RUN_MAX_CASES): after the compile stage, each case runs in turn
	 * against the same build, instead of the one run stage; stdin_data must then be empty.
	 * ncases 0: one run stage, as always. */
	const struct run_case *cases;
	size_t ncases;
	/* A teacher's test suite (nsuite 0: none): its files, names relative to its folder,
	 * which the program finds read-only at /suites/<suite_id>/ (core/suite.h). suite_id
	 * is suite_id() of the files: the runner checks it before it writes them. */
	const struct run_file *suite;
	size_t nsuite;
	const char *suite_id;
};

struct run_stage {
	bool ran;
	int exit_code, signal;
	enum run_reason reason;
	long wall_ms, cpu_ms, mem_bytes;
	long out_bytes, err_bytes; /* what the program wrote, including what was cut */
	struct buf out, err;       /* what is returned, capped; truncated flags inside */
	struct buf report;         /* a case's framework report (run_case.report), capped at
				    * RUN_REPORT_CAP; empty otherwise */
};

struct run_result {
	enum run_status status;
	struct run_stage compile, run;
	/* A run with cases: one stage per case, in the request's order (run_result_cases);
	 * run is then unused. A case that did not run (the compile failed, the agent stopped)
	 * has ran false. */
	struct run_stage *cases;
	size_t ncases;
	long total_ms;             /* the server's view: request start to result frame */
	char agent_error[256];     /* FRAME_ERROR text, if any */
	char container[DK_ID_MAX]; /* to dispose of with run_dispose; "" if none */
	bool pooled;               /* the container came from the warm pool */
	bool job_sent;             /* the job reached the agent (the program may have run) */
	bool limit_lowered;        /* the memory limit was lowered for the run stage */
	bool job_done;             /* reuse: the agent's FRAME_DONE came */
	bool ready;                /* reuse: the reset is proven; the container takes a job */
	char not_ready[512];       /* reuse: why it does not ("" when ready) */
};

/* stdout_cap/stderr_cap size the buffers. No allocation. */
void run_result_init(struct run_result *r, const struct limits *l);
void run_result_release(struct run_result *r);
/* Make room for n cases (0..RUN_MAX_CASES) with l's caps: 0 or RC_NOMEM. */
int run_result_cases(struct run_result *r, const struct limits *l, size_t n);

/* How a stage ended, as a status (a case's verdict before its output is judged). Pure. */
enum run_status run_stage_status(const struct run_stage *s);
/* The longest a request's stages may take together: the compile stage's limit plus the
 * run stage's, or every case's. Pure. */
long run_request_time_ms(const struct run_request *req);

/* The status a result's stage facts mean. Pure. */
enum run_status run_status_derive(const struct run_result *r);

struct runner;

/* Everything a run needs that does not change between runs: the Docker client, the
 * agent's path, the seccomp profile text, images. Reads the seccomp profile file. */
int runner_open(struct runner **out, const struct conf *c, struct err *e);
void runner_close(struct runner *r);
struct dk *runner_docker(struct runner *r);
/* The host folder of the teachers' suites (run_dir/suites, core/suite.h). */
const char *runner_suites_path(const struct runner *r);
/* The image that runs lang. */
const char *runner_image(const struct runner *r, const struct lang *lang);

/* What the rest of runbox asks Docker, through the runner only (fcgi/ has no Docker
 * client of its own). Errors: RC_DOCKER_DOWN, RC_TIMEOUT_IO, RC_DOCKER, RC_NOMEM. */
/* The daemon's version ("20.10.24+dfsg1"). */
int runner_docker_version(struct runner *r, char *out, size_t cap, struct err *e);
/* 0 when lang's image is built, with the version its labels give for lang in out ("" when
 * they give none); RC_IMAGE_MISSING when it is not. */
int runner_image_version(struct runner *r, const struct lang *lang, char *out, size_t cap,
			 struct err *e);
/* Kill and remove one container (already gone is success). */
int runner_remove(struct runner *r, const char *id, struct err *e);
/* Kill and remove this instance's containers: all of them (owner_pid 0), or those run by
 * the process owner_pid. *n gets how many. */
int runner_remove_all(struct runner *r, long owner_pid, int *n, struct err *e);

/* One of this instance's containers as Docker sees it. */
struct runner_container {
	char id[DK_ID_MAX];
	bool running;
	bool pooled;               /* made for the warm pool (label runbox.state=pool) */
};
/* This instance's containers, running or not: *out (the caller frees it) holds *n. */
int runner_list(struct runner *r, struct runner_container **out, size_t *n, struct err *e);

/* Run req. Returns 0 once the program has started, with *res filled (a timeout or a
 * memory kill is a 0 return with that status; Docker failing mid-run is a 0 return with
 * STATUS_INTERNAL_ERROR and the output so far). Before the program starts it can fail
 * with RC_DOCKER_DOWN, RC_IMAGE_MISSING, RC_DOCKER, RC_TIMEOUT_IO, RC_NOMEM; and with
 * RC_INTERNAL when the client hung up (cancel_fd). In every case the caller then calls
 * run_dispose, off the request's path. */
int run_exec(struct runner *r, const struct run_request *req, struct run_result *res,
	     struct err *e);

/* Create and start a container for req's language and limits (req->lang, limits,
 * compile_argv != NULL, compile_memory_bytes are used) whose agent waits for a job: a warm
 * container for the pool. Its id goes to id. */
int run_prestart(struct runner *r, const struct run_request *req, char id[DK_ID_MAX],
		 struct err *e);

/* Remove the result's container (if any). The container also removes itself when the
 * agent exits; this makes sure of it. */
void run_dispose(struct runner *r, struct run_result *res);

/* The memory limit req's container is created with: the compile stage's when there is
 * one and it is larger, else the run stage's. When it is larger, run_exec lowers the
 * container's limit to the run stage's, in the kernel (the Engine API's update), after the
 * compile stage and before the program starts, and the agent checks the limit itself
 * before it runs the program; the agent also refuses a job whose container does not have
 * exactly this limit when the job starts. Pure. */
long run_container_memory(const struct run_request *req);
/* container_memory_bytes, when a face lowered the run's memory below what the (warm)
 * container was made with, also makes run_exec lower the kernel's limit before the run
 * stage, with or without a compile stage. */

/* Build the job frames for req into out (pure; exposed for tests). */
int run_job_encode(const struct run_request *req, struct buf *out);

#endif
