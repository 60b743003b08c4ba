/*
 * rpc: the messages between a FastCGI worker and the runner process, the only process
 * that holds the Docker socket. Pure: no I/O, so every decoder is unit-tested and fuzzed.
 *
 * A message is a sequence of frames in frame.h's format (type byte, 4-byte big-endian
 * length, payload) ending with an empty RPC_END frame. Its first frame says what it is:
 *
 * Worker -> runner:
 *     RPC_RUN     "key=value\n" text: the run request's scalars (see rpc_encode_run)
 *     RPC_FILE    "relative/name\0content"            (0..RPC_MAX_FILES)
 *     RPC_SUITE   a test suite's file, the same way      (0..RPC_MAX_FILES; the head then
 *                 has suite_id, the name suite_id() gives them)
 *     RPC_COMPILE argv, each argument NUL-terminated    (optional)
 *     RPC_ARGV    argv, each argument NUL-terminated    (optional)
 *     RPC_STDIN   the program's stdin                   (at most one)
 *     RPC_CASE    a test case (0..RUN_MAX_CASES, in order): "wall_ms=..\ncpu_ms=..\n
 *                 report=0|1\nargc=N\nstdin_len=M\nnfiles=F\n", a NUL, then N
 *                 NUL-terminated arguments (its own run command; N 0: the run's), its M
 *                 bytes of stdin, then F files (0..RUN_CASE_FILES), each a name, a NUL,
 *                 its length as 8 big-endian bytes and its bytes
 *     RPC_END
 *   or RPC_INFO (empty), RPC_END: what the runner knows (Docker, images, its pool).
 *
 * Runner -> worker:
 *     RPC_RESULT  "key=value\n": rc (the error code's enum symbol, "RC_DOCKER_DOWN", not its
 *                 name: several codes share one; "ok" for 0), status, total_ms,
 *                 container, pooled, job_sent, limit_lowered, job_done, reused (jobs the
 *                 container served before this one); rc not ok: rc and reused only
 *     RPC_STAGE   "key=value\n" per stage that ran: stage=compile|run, exit, signal,
 *                 reason, wall_ms, cpu_ms, mem_bytes, out_bytes, err_bytes, out_trunc,
 *                 err_trunc
 *                 (a test case's: stage=case, and case (0-based), report_trunc)
 *     RPC_OUT / RPC_ERR  stage byte ('c' or 'r') + what the stage wrote (capped); at most
 *                 one of each per stage that ran, every RPC_OUT before the first RPC_ERR
 *     RPC_CASE_OUT  a case's output: 'o' (stdout), 'e' (stderr) or 'p' (its report), the
 *                 case's index (2 bytes, big-endian), the bytes; at most one of each kind
 *                 per case that ran
 *     RPC_TEXT    the error's sentence (rc not ok) or the agent's error (rc ok, if any)
 *     RPC_END
 *   or, to RPC_INFO: RPC_INFO_REPLY "key=value\n" (docker=1|0, docker_version, docker_rc
 *     (written as rc is), containers_created, containers_removed, reused_jobs, retired),
 *     one RPC_LANG "key=value\n" per language (lang, image=1|0, version, idle, busy),
 *     RPC_TEXT (Docker's error, when docker=0), RPC_END.
 *
 * Values in the key=value text never hold a newline: the encoders replace one by a space.
 * Every decoder checks what it reads (types, counts, ranges, names) and refuses anything
 * else with RC_BAD_REQUEST and a sentence in e; a message is never trusted because the
 * other side is ours.
 */
#ifndef RUNBOX_RPC_H
#define RUNBOX_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "lang.h"
#include "run.h"

enum rpc_type {
	RPC_RUN = 'Q',
	RPC_INFO = 'N',
	RPC_FILE = 'F',
	RPC_SUITE = 'U',
	RPC_COMPILE = 'C',
	RPC_ARGV = 'R',
	RPC_STDIN = 'I',
	RPC_CASE = 'K',
	RPC_CASE_OUT = 'O',
	RPC_RESULT = 'A',
	RPC_STAGE = 'S',
	RPC_OUT = 'o',
	RPC_ERR = 'e',
	RPC_TEXT = 'T',
	RPC_INFO_REPLY = 'M',
	RPC_LANG = 'L',
	RPC_END = 'Z',
};

#define RPC_MAX_FILES 64
#define RPC_MAX_ARGS 512           /* per argv */
#define RPC_NAME_DEPTH 8           /* folders in a file name, as the agent allows */
/* The largest message either side accepts (the body of the largest request, framed). */
#define RPC_MAX_MESSAGE (40u << 20)

/* Append req as a run message to out (out's cap must allow it: RC_NOMEM otherwise;
 * RC_BODY_TOO_LARGE when the message would be larger than RPC_MAX_MESSAGE; out is left
 * as it was on error).
 * Written: run_id, lang (its id), every field of limits (wall_ms, cpu_ms, memory_bytes,
 * nano_cpus, pids, work_tmpfs_bytes, tmp_tmpfs_bytes, stdout_cap, stderr_cap, run_uid),
 * compile_wall_ms, compile_cpu_ms, compile_memory_bytes, container_memory_bytes,
 * compile_strict, run_pids, run_as_bytes, and compile=1 when req->compile_argv is set
 * and not empty (an empty one is no compile stage, as run_job_encode treats it).
 * Not written: cancel_fd, container, reuse, stream (the runner decides those). */
int rpc_encode_run(const struct run_request *req, struct buf *out);

/* A decoded run message: rr points into the struct and into msg, which it owns. */
struct rpc_run {
	struct run_request rr;
	char run_id[33];
	struct run_file files[RPC_MAX_FILES];
	struct run_file suite[RPC_MAX_FILES];
	char suite_id[65];
	const char *compile_argv[RPC_MAX_ARGS + 1];
	const char *run_argv[RPC_MAX_ARGS + 1];
	struct run_case cases[RUN_MAX_CASES];
	struct run_file case_files[RUN_MAX_CASES][RUN_CASE_FILES];
	const char **case_argv;    /* the cases' own commands, one block (malloc'd) */
	size_t case_argv_used;
	unsigned char *msg;        /* a copy of the message (names and argv point into it) */
};

/* Decode a complete run message p[0..n) (its RPC_END included) into out (initialised
 * here; rpc_run_release frees it on success and on failure). Checks: the frames in the
 * order above, each at most once where the order says so; run_id of 1..32 characters
 * [A-Za-z0-9_-]; lang a language of the loaded registry (lang_find); every number a
 * decimal in range (limits and times > 0, caps > 0); a compile stage if and only if
 * compile=1; file names relative, without "." or ".." parts, empty parts, a NUL or a
 * control character, at most 255 bytes and RPC_NAME_DEPTH parts; at least one file and
 * at most RPC_MAX_FILES; argv, when present, non-empty (its program too) and at most
 * RPC_MAX_ARGS arguments; a case's limits numbers (0: the run's), its argc and stdin_len what follows, and no
 * stdin for the run when it has cases. cancel_fd is -1, container NULL,
 * reuse false. Errors: RC_BAD_REQUEST (with the first thing wrong in e), RC_NOMEM.
 * The runner still clamps the limits to the admin's maxima: decoding does not. */
int rpc_decode_run(const unsigned char *p, size_t n, struct rpc_run *out, struct err *e);
void rpc_run_release(struct rpc_run *r);

/* Append a result message to out: rc 0 with res, or rc < 0 with e's sentence (res is then
 * not read and may be NULL; e NULL or empty: rc_message(rc)). Outputs that together would
 * not fit in RPC_MAX_MESSAGE are cut to an equal share each and flagged truncated.
 * Errors: RC_NOMEM (out's cap), RC_BODY_TOO_LARGE; out is left as it was on error. */
int rpc_encode_result(int rc, const struct err *e, const struct run_result *res, long reused,
		      struct buf *out);
/* Decode a result message into res, which the caller has initialised (run_result_init:
 * its buffers' caps cut the outputs as they would have been cut). Returns 0 with the
 * runner's rc in *rc (and, when it is not 0, its sentence in e: e->rc = *rc); RC_BAD_REQUEST
 * when the message is malformed; RC_NOMEM. *reused (if not NULL) gets the jobs the
 * container had served before. */
int rpc_decode_result(const unsigned char *p, size_t n, struct run_result *res, int *rc,
		      long *reused, struct err *e);

/* What the runner knows, for the health and metrics endpoints and the language lists. */
struct rpc_lang_info {
	char lang[32];
	bool image;                /* the image is built */
	char version[128];         /* what its labels give ("" when none) */
	int idle, busy;            /* warm containers ready for a job, and in use */
};
struct rpc_info {
	bool docker;               /* the daemon answers */
	char docker_version[64];
	int docker_rc;             /* 0, or why it does not answer (RC_DOCKER_DOWN...) */
	char docker_error[256];
	long long containers_created, containers_removed;
	long long reused_jobs;     /* jobs served by a container that had served one before */
	long long retired;         /* containers whose reset failed or was not proven */
	struct rpc_lang_info langs[LANG_MAX];
	size_t nlangs;
};

/* An info request (RPC_INFO, RPC_END). */
int rpc_encode_info_request(struct buf *out);
int rpc_encode_info(const struct rpc_info *in, struct buf *out);
/* Errors: RC_BAD_REQUEST, RC_NOMEM. */
int rpc_decode_info(const unsigned char *p, size_t n, struct rpc_info *out, struct err *e);

/* The type of a message's first frame (RPC_RUN, RPC_INFO, ...), or -1 when p[0..n) does
 * not start with a whole frame of a type of enum rpc_type. */
int rpc_message_type(const unsigned char *p, size_t n);

/* Bytes a message being read needs: feed it what has arrived (p[0..n)); returns the
 * length of the first complete message in p (its RPC_END frame included), 0 when more is
 * needed, or -1 when p cannot start a valid message (a frame longer than what is left of
 * RPC_MAX_MESSAGE, an unknown frame type, a first frame that starts no message, an RPC_END
 * with a payload, more frames than any message has). Lets a reader of a stream socket cut
 * it into messages without decoding them. */
long rpc_message_length(const unsigned char *p, size_t n);

#endif
