/*
 * frame: the wire protocol between the server and the in-container agent.
 *
 * Both directions are a sequence of frames:
 *
 *     type (1 byte) | length (4 bytes, big-endian) | payload (length bytes)
 *
 * Server -> agent (container stdin), in this order:
 *     FRAME_JOB      text "key=value\n" lines: limits and settings (see below)
 *     FRAME_FILE     "relative/name\0content"   (zero or more)
 *     FRAME_COMPILE  argv, each argument NUL-terminated (optional)
 *     FRAME_RUN      argv, each argument NUL-terminated
 *     FRAME_STDIN    bytes for the program's stdin (zero or more frames)
 *   then, for a job with test cases instead of one run, per case (1..CASES_MAX, none
 *   before them may have had stdin):
 *     FRAME_CASE     text "key=value\n": wall_ms, cpu_ms (the case's limits), report (1: the
 *                    program gets fd 3, a file whose content comes back as FRAME_REPORT)
 *     FRAME_FILE     the case's own files (0..8): in /work for this case only
 *     FRAME_RUN      the case's own command (optional: FRAME_RUN's above otherwise)
 *     FRAME_STDIN    the case's input (zero or more frames)
 *   and last:
 *     FRAME_END      empty: the job is complete
 *
 *   FRAME_JOB keys (all decimal integers, all optional; the agent has safe defaults):
 *     wall_ms, cpu_ms, run_as_bytes (the program's RLIMIT_AS, 0 = none), fsize_bytes, nofile,
 *     out_cap, err_cap (bytes forwarded per stream per stage before the stage is killed),
 *     compile_wall_ms, compile_cpu_ms,
 *     mem_now_bytes (the container's memory limit as the job starts: the agent refuses
 *       the job unless its cgroup says exactly this),
 *     run_mem_bytes (the run stage's memory limit: when it is below mem_now_bytes the
 *       agent sends FRAME_WAIT before the run stage and starts the program only after
 *       FRAME_LIMITS, once its cgroup's limit is at most this)
 *     reuse (1: after FRAME_DONE the agent resets the container, proves it is as it
 *       started and sends FRAME_READY, then reads the next job on the same stdin),
 *     compile_strict (1: a compile stage that wrote anything to stderr ends the job there,
 *       as a compile error),
 *     run_pids (the run stage's process limit, the agent included: the agent sends
 *       FRAME_WAIT and starts the program only once its pids cgroup allows at most this)
 *
 * Server -> agent, later, only in answer to FRAME_WAIT:
 *     FRAME_LIMITS   text "mem_bytes=N\n" and, when run_pids was asked for, "pids=P\n":
 *                    the container's memory limit is now N, its process limit P
 *
 * Agent -> server (container stdout):
 *     FRAME_STDOUT   stage byte ('c' compile, 'r' run) + bytes the program wrote to stdout
 *     FRAME_STDERR   stage byte + bytes written to stderr
 *     FRAME_STAGE    text "key=value\n": stage=compile|run, exit, signal, reason,
 *                    wall_ms, cpu_ms, mem_bytes, out_bytes, err_bytes, out_trunc, err_trunc
 *                    (reason is one of the run_reason names in run.h); a case's run stage
 *                    also has case=N (0-based). Cases run one after another, so the 'r'
 *                    output frames before a case's FRAME_STAGE are that case's.
 *     FRAME_REPORT   what a case with report=1 wrote to fd 3 (at most 1 MiB; more is cut
 *                    and report_trunc=1 in its FRAME_STAGE), just before its FRAME_STAGE
 *     FRAME_WAIT     text "stage=run\n": the agent waits for FRAME_LIMITS before
 *                    that stage (the server lowers the container's memory limit first);
 *                    or, after FRAME_DONE of a reused job that lowered them,
 *                    "stage=reset\n": the server sets the container's own memory and
 *                    process limits back, then sends FRAME_LIMITS with them, and the
 *                    agent checks them before FRAME_READY
 *     FRAME_DONE     empty: the agent has finished; the server answers now
 *     FRAME_READY    after FRAME_DONE of a job with reuse=1: "clean=1\n" (the reset is
 *                    proven; the next job may come) or "clean=0\nwhy=...\n" (the agent
 *                    exits and the container goes)
 *     FRAME_ERROR    a sentence: the agent could not do the job (bad job, exec failed...)
 *
 * User code never writes to the container's stdout itself: its output reaches the
 * server only inside frames the agent builds, so it cannot forge a frame.
 *
 * This module is pure (no I/O) so it can be unit-tested at every split point and used
 * by both the server (core/) and the agent (images/agent/), which links it statically.
 */
#ifndef RUNBOX_FRAME_H
#define RUNBOX_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum frame_type {
	FRAME_JOB = 'J',
	FRAME_FILE = 'F',
	FRAME_COMPILE = 'C',
	FRAME_RUN = 'R',
	FRAME_STDIN = 'I',
	FRAME_CASE = 'K',
	FRAME_REPORT = 'P',
	FRAME_END = 'Z',
	FRAME_LIMITS = 'L',
	FRAME_STDOUT = 'o',
	FRAME_STDERR = 'e',
	FRAME_STAGE = 'S',
	FRAME_WAIT = 'W',
	FRAME_DONE = 'D',
	FRAME_ERROR = 'X',
	FRAME_READY = 'Y',
};

#define FRAME_HDR 5
/* Largest payload either side accepts; anything larger is a protocol error. */
#define FRAME_MAX_PAYLOAD (16u * 1024 * 1024)

/* Write the 5-byte header for a frame of type t with payload length len into hdr. */
void frame_header(unsigned char hdr[FRAME_HDR], int t, uint32_t len);

/* Incremental reader. Feed it bytes in chunks of any size; it calls cb once per complete
 * frame, with a payload pointer valid only during the call. It buffers at most one frame's
 * payload (owned by the reader; freed by frame_reader_release).
 */
typedef int (*frame_cb)(void *arg, int type, const unsigned char *payload, size_t len);

struct frame_reader {
	unsigned char hdr[FRAME_HDR];
	size_t hdr_have;
	unsigned char *buf;
	size_t want, have;
	size_t max_payload; /* 0 means FRAME_MAX_PAYLOAD */
};

void frame_reader_init(struct frame_reader *r, size_t max_payload);
void frame_reader_release(struct frame_reader *r);

/* Consume n bytes. Returns 0, -1 if a header announces more than max_payload or
 * memory ran out (the stream is then unusable), or the first non-zero value cb returned
 * (processing stops there; the remaining bytes of this call are not consumed). */
int frame_reader_feed(struct frame_reader *r, const unsigned char *p, size_t n,
		      frame_cb cb, void *arg);

/* key=value text payloads (FRAME_JOB, FRAME_STAGE). Finds key in the payload and parses
 * its value as a non-negative decimal integer no larger than max. Returns 0 and sets *out,
 * or -1 if the key is absent, malformed or out of range (*out untouched). */
int frame_kv_u64(const unsigned char *p, size_t n, const char *key, uint64_t max, uint64_t *out);
/* Copy the value of key (up to the newline) into out (NUL-terminated, cap bytes incl. NUL).
 * Returns 0, or -1 if absent or it does not fit. */
int frame_kv_str(const unsigned char *p, size_t n, const char *key, char *out, size_t cap);

#endif
