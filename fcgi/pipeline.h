/*
 * pipeline: the one way a run request goes, whatever face (API) it came through.
 *
 * A face parses its own request into a program_spec (language, files, stdin, arguments) and
 * renders the one result (struct run_result) in its own JSON. Everything between is here
 * and nowhere else: the run id, who is asking, the request's one run-log row, the user's
 * code size cap and quotas, the wait in nginx's queue, a warm container from the pool, the
 * run, the rule for retrying a warm container that died, the finished row, and the disposal
 * of the container afterwards. A face calls the steps in order; a step that refuses returns
 * its code with a sentence in e, and pipe_refuse logs the refusal's row.
 */
#ifndef RUNBOX_PIPELINE_H
#define RUNBOX_PIPELINE_H

#include <fcgiapp.h>

#include "api.h"
#include "dk.h"
#include "gate.h"
#include "req.h"
#include "run.h"

/* A face: its name in the run log, where its clients send their key, and the HTTP status
 * it answers each refusal with (the run-log row records that status). */
struct face {
	const char *name;           /* "editor", "jobe", "piston" */
	const char *key_param;      /* NULL: 'Authorization: Bearer'; see gate_identify */
	int (*http)(int rc);        /* NULL: the error table's */
};

/* One run request's passage. Nothing in it outlives the request. */
struct pipe {
	struct app *app;
	FCGX_Request *req;
	const struct face *face;
	struct gate gt;
	char run_id[33];
	char message[512];          /* after pipe_run: the sentence for the student ("" if none) */
	bool unlogged;              /* pipe_enter's refusal cannot be logged: just answer it */
	/* A face that judges the result (tests): pipe_run calls judge once the run is back,
	 * before the row is finished, and the row also gets what judge put in *tests (its
	 * counts and one row per case). */
	void (*judge)(void *arg, const struct run_result *res, struct test_outcome *tests);
	void *judge_arg;
	struct test_outcome *tests;
};

/* What a face's request asks to run. Borrowed: it must live until pipe_run returns. */
struct program_spec {
	const struct lang *lang;
	const struct req_file *files; /* a file named NULL takes the language's file name */
	size_t nfiles, entry;         /* entry: index of the entry point in files */
	const char *const *args;
	size_t nargs;
	const char *stdin_data;
	size_t stdin_len;
	size_t total_len;             /* the program's size, for the user's code size cap */
	/* What a face may change (all optional, zero = the language's own): */
	const char *const *compile_tmpl; /* command templates (lang.h's placeholders); a */
	const char *const *run_tmpl;     /* compile_tmpl on a language without one adds a
					  * compile stage (a syntax check) */
	const struct lang_list *lists;   /* more list placeholders for them, besides {args} */
	bool compile_strict;             /* anything on the compiler's stderr fails it */
	size_t nlists;
	struct program_limits {          /* lower than the admin's limits, never higher */
		long wall_ms, cpu_ms, compile_wall_ms, compile_cpu_ms;
		long stdout_cap, stderr_cap, fsize_bytes;
		long memory_bytes;           /* the program's memory (the kernel's limit) */
		long pids;                   /* its processes and threads, the agent's included */
		long as_bytes;               /* the program's address space (RLIMIT_AS) */
	} limits;
};

/* One test case of a program: its input, its arguments (the run command expanded with them
 * as {args}), its time limit (0: the program's), whether it gets a report fd (run.h). */
struct case_spec {
	const unsigned char *stdin_data;
	size_t stdin_len;
	const char *const *args;
	size_t nargs;
	long wall_ms;
	bool report;
	const struct run_file *files; /* the case's own files (run.h) */
	size_t nfiles;
};

/* The core's run request built from a program_spec: files with their final names, the
 * language's commands expanded. Owns what it allocates (program_release). */
struct program {
	struct run_request rr;
	struct run_file files[REQ_MAX_FILES];
	const char *names[REQ_MAX_FILES];
	char entry_name[128];
	const char *compile_argv[LANG_ARGV_MAX + REQ_MAX_FILES + REQ_MAX_ARGS + 1];
	const char *run_argv[LANG_ARGV_MAX + REQ_MAX_FILES + REQ_MAX_ARGS + 1];
	char *compile_store, *run_store;
	struct run_case cases[RUN_MAX_CASES];
	const char **case_argv[RUN_MAX_CASES]; /* a case's own command (malloc'd), or NULL */
	char *case_store[RUN_MAX_CASES];
	/* {memory_mb} in a command: the run stage's memory limit in MB (for the JVM's heap). */
	char memory_mb[24];
	const char *memory_word[1];
};

/* Start: a new run id (also the log lines' request id), the row's time, address, process,
 * face and the time the request waited in nginx's queue. */
void pipe_start(struct pipe *p, struct app *a, FCGX_Request *req, const struct face *f);
/* Who is asking (gate_identify): 0, RC_UNAUTHORIZED (e->msg for the student) or RC_STORE.
 * Nothing is logged: the face decides whether to refuse. */
int pipe_identify(struct pipe *p, struct err *e);
/* RC_BUSY when the request waited for a free process longer than queue_wait_ms, else 0. */
int pipe_admit(struct pipe *p);
/* What the row says about the program, as far as the face could tell (language as sent,
 * the code or entry file, the size of stdin). The strings must live until the row is
 * written. */
void pipe_describe(struct pipe *p, const char *language, const char *code, size_t code_len,
		   size_t stdin_len);
/* A request nginx refused itself and handed over only to be logged (refused is its
 * RUNBOX_REFUSED parameter): the refusal's code with the sentence in msg, or 0 for none. */
int pipe_nginx_refusal(const char *refused, const struct conf *c, char *msg, size_t cap);
/* The checks every run request passes first, in this order: the method (POST, unless nginx
 * refused the request and hands it over only to be logged; wrong_method is the sentence
 * otherwise), who is asking, a refusal of nginx's own, the wait in nginx's queue. 0 to go
 * on; otherwise the refusal's code (RC_METHOD, RC_UNAUTHORIZED, nginx's, RC_BUSY) with its
 * sentence in e ("" for the table's), which the face logs with pipe_refuse and answers, or,
 * when p->unlogged says the database failed, only answers. */
int pipe_enter(struct pipe *p, const char *wrong_method, struct err *e);
/* Log the request as refused with rc and the sentence the client gets (one row). */
void pipe_refuse(struct pipe *p, int rc, const char *msg);

/* The version number of l as its image's labels in info (api_runner_info) give it
 * ("3.11.2" of "Python 3.11.2"), into out: 0, or -1 when the image is not built (or Docker
 * does not answer). */
int pipe_lang_version(const struct rpc_info *info, const struct lang *l, char *out, size_t cap);

/* The request the pool's containers for l are made with: its limits are the admin's
 * maxima for l (a face refuses or lowers what its client asks for against them). */
void pipe_maxima(const struct app *a, const struct lang *l, struct run_request *out);

/* The core's run request for spec within the user's code size cap: 0, RC_TOO_LARGE or
 * RC_BAD_REQUEST with a sentence in e. prog is always safe to release. */
int pipe_program(struct pipe *p, const struct program_spec *spec, struct program *prog,
		 struct err *e);
void program_release(struct program *prog);
/* Give prog (built by pipe_program from spec) the n test cases cs (1..RUN_MAX_CASES): the
 * run stage becomes one run per case, against the same build. 0, or RC_BAD_REQUEST with a
 * sentence in e (too many cases, input with the program's own stdin, a command that does
 * not expand). */
int pipe_cases(struct program *prog, const struct program_spec *spec, const struct case_spec *cs,
	       size_t n, struct err *e);

/* Take the user's quota, lease a warm container if one is idle, run, retry once in a new
 * container if the warm one failed before the job reached it, and finish the row with the
 * result and the sentence that tells the student what happened (also in p->message). Returns 0 with res filled; RC_QUOTA (qr says which
 * limit, e->msg the sentence; the refusal is logged); or the core's error (Docker down...),
 * with the row finished as failed. Either way the caller calls pipe_after once the answer
 * is sent. */
int pipe_run(struct pipe *p, struct program *prog, struct run_result *res,
	     struct quota_refusal *qr, struct err *e);

/* After the answer: remove the run's container and its pool row, count it. */
void pipe_after(struct app *a, struct run_result *res);

#endif
