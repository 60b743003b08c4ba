#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "demux.h"
#include "frame.h"
#include "log.h"
#include "runner_int.h"
#include "suite.h"

/* Time the container gets beyond the program's own limits: start-up of the agent and of
 * the interpreter, and the result frame's way back. */
#define RUN_SLACK_MS 5000
/* The agent's reset and its proof between two jobs of one container (it gives up at 2 s). */
#define RUN_RESET_MS 5000
/* Largest frame the agent sends: an output chunk (64 KiB) or a stage report. */
#define RUN_FRAME_MAX (256u * 1024)


static const char *const reason_names[] = {
#define X(e, s) s,
	RUN_REASON_MAP(X)
#undef X
};
static const char *const status_names[] = {
#define X(e, s) s,
	RUN_STATUS_MAP(X)
#undef X
};

const char *run_reason_name(enum run_reason r) { return reason_names[r]; }
const char *run_status_name(enum run_status s) { return status_names[s]; }

enum run_reason run_reason_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof reason_names / sizeof reason_names[0]; i++)
		if (strcmp(reason_names[i], s) == 0)
			return (enum run_reason)i;
	return REASON_NONE;
}

static void stage_init(struct run_stage *s, const struct limits *l)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->out, (size_t)l->stdout_cap);
	buf_init(&s->err, (size_t)l->stderr_cap);
	buf_init(&s->report, (size_t)RUN_REPORT_CAP);
}

static void stage_release(struct run_stage *s)
{
	buf_release(&s->out);
	buf_release(&s->err);
	buf_release(&s->report);
}

void run_result_init(struct run_result *r, const struct limits *l)
{
	memset(r, 0, sizeof *r);
	stage_init(&r->compile, l);
	stage_init(&r->run, l);
	r->status = STATUS_INTERNAL_ERROR;
}

void run_result_release(struct run_result *r)
{
	stage_release(&r->compile);
	stage_release(&r->run);
	for (size_t i = 0; i < r->ncases; i++)
		stage_release(&r->cases[i]);
	free(r->cases);
	r->cases = NULL;
	r->ncases = 0;
}

int run_result_cases(struct run_result *r, const struct limits *l, size_t n)
{
	for (size_t i = 0; i < r->ncases; i++)
		stage_release(&r->cases[i]);
	free(r->cases);
	r->cases = NULL;
	r->ncases = 0;
	if (n == 0)
		return 0;
	if (n > RUN_MAX_CASES || (r->cases = calloc(n, sizeof *r->cases)) == NULL)
		return RC_NOMEM;
	for (size_t i = 0; i < n; i++)
		stage_init(&r->cases[i], l);
	r->ncases = n;
	return 0;
}

enum run_status run_stage_status(const struct run_stage *s)
{
	switch (s->reason) {
	case REASON_EXIT:
		return s->exit_code == 0 ? STATUS_OK : STATUS_RUNTIME_ERROR;
	case REASON_SIGNAL:
		return STATUS_RUNTIME_ERROR;
	case REASON_WALL:
	case REASON_CPU:
		return STATUS_TIMEOUT;
	case REASON_MEMORY:
		return STATUS_MEMORY_LIMIT;
	case REASON_OUTPUT:
		return STATUS_OUTPUT_LIMIT;
	case REASON_NONE:
	case REASON_KILLED:
		break;
	}
	return STATUS_INTERNAL_ERROR;
}

enum run_status run_status_derive(const struct run_result *r)
{
	enum run_status s;

	if (r->agent_error[0] != '\0')
		return STATUS_INTERNAL_ERROR;
	if (r->compile.ran) {
		s = run_stage_status(&r->compile);
		if (s == STATUS_RUNTIME_ERROR)
			return STATUS_COMPILE_ERROR;
		if (s != STATUS_OK)
			return s; /* the compiler itself hit a limit */
		/* It succeeded but wrote to stderr, and the program was not run: the request
		 * judged the compiler's warnings errors (compile_strict). */
		if (!r->run.ran && r->compile.err_bytes > 0)
			return STATUS_COMPILE_ERROR;
	}
	if (r->ncases > 0) {
		/* Each case has its own verdict; the run as a whole is ok when every case ran. */
		for (size_t i = 0; i < r->ncases; i++)
			if (!r->cases[i].ran)
				return STATUS_INTERNAL_ERROR;
		return STATUS_OK;
	}
	if (!r->run.ran)
		return STATUS_INTERNAL_ERROR;
	return run_stage_status(&r->run);
}

/* A case's limit: its own when it is set and not above the request's. */
static long case_limit(long want, long max)
{
	return want > 0 && want < max ? want : max;
}

long run_request_time_ms(const struct run_request *req)
{
	long t = req->compile_argv != NULL
		 ? (req->compile_wall_ms > 0 ? req->compile_wall_ms : 30000) : 0;

	if (req->ncases == 0)
		return t + req->limits.wall_ms;
	/* Each case also starts a process and reports: a few ms each, 50 on a slow day. */
	for (size_t i = 0; i < req->ncases; i++)
		t += case_limit(req->cases[i].wall_ms, req->limits.wall_ms) + 50;
	return t;
}

static int add_frame(struct buf *out, int type, const void *p, size_t n)
{
	unsigned char hdr[FRAME_HDR];
	int rc;

	if (n > FRAME_MAX_PAYLOAD)
		return RC_INTERNAL;
	frame_header(hdr, type, (uint32_t)n);
	if ((rc = buf_add(out, hdr, sizeof hdr)) != 0 || (rc = buf_add(out, p, n)) != 0)
		return rc;
	return out->truncated ? RC_NOMEM : 0;
}

static int add_argv(struct buf *out, int type, const char *const *argv)
{
	struct buf a;
	int rc = 0;

	buf_init(&a, 64 * 1024);
	for (; *argv && rc == 0; argv++)
		rc = buf_add(&a, *argv, strlen(*argv) + 1);
	if (rc == 0)
		rc = a.truncated ? RC_INTERNAL : add_frame(out, type, a.data, a.len);
	buf_release(&a);
	return rc;
}

/* A file as one FRAME_FILE: name\0content. */
static int add_file(struct buf *out, const struct run_file *f)
{
	size_t nl = strlen(f->name) + 1;
	int rc;

	if (nl + f->len > FRAME_MAX_PAYLOAD)
		return RC_INTERNAL;
	if ((rc = add_frame(out, FRAME_FILE, NULL, 0)) != 0)
		return rc;
	/* Patch the header we just wrote: name\0content as one payload. */
	out->len -= FRAME_HDR;
	frame_header(out->data + out->len, FRAME_FILE, (uint32_t)(nl + f->len));
	out->len += FRAME_HDR;
	if ((rc = buf_add(out, f->name, nl)) != 0 || (rc = buf_add(out, f->data, f->len)) != 0)
		return rc;
	return 0;
}

/* A program's input as FRAME_STDIN frames of at most 1 MiB. */
static int add_stdin(struct buf *out, const unsigned char *p, size_t len)
{
	size_t off, n;
	int rc;

	for (off = 0; off < len; off += n) {
		n = len - off < 1024 * 1024 ? len - off : 1024 * 1024;
		if ((rc = add_frame(out, FRAME_STDIN, p + off, n)) != 0)
			return rc;
	}
	return 0;
}

long run_container_memory(const struct run_request *req)
{
	if (req->container_memory_bytes > 0)
		return req->container_memory_bytes;
	if (req->compile_argv != NULL && req->compile_memory_bytes > req->limits.memory_bytes)
		return req->compile_memory_bytes;
	return req->limits.memory_bytes;
}

int run_job_encode(const struct run_request *req, struct buf *out)
{
	const struct limits *l = &req->limits;
	char job[512];
	size_t i;
	int w, rc;

	/* mem_now_bytes: the agent refuses the job unless the kernel's limit is exactly this
	 * (a limit left lowered or raised by an earlier stage is caught before anything runs).
	 * run_mem_bytes below it: the agent waits for run_exec to lower the limit after the
	 * compile stage (FRAME_WAIT) and checks the kernel's limit before the program starts. */
	w = snprintf(job, sizeof job,
		     "wall_ms=%ld\ncpu_ms=%ld\nout_cap=%ld\nerr_cap=%ld\nfsize_bytes=%ld\n"
		     "compile_wall_ms=%ld\ncompile_cpu_ms=%ld\nmem_now_bytes=%ld\nrun_mem_bytes=%ld\n"
		     "run_as_bytes=%ld\nrun_pids=%ld\ncompile_strict=%d\nreuse=%d\n",
		     l->wall_ms, l->cpu_ms, l->stdout_cap, l->stderr_cap, l->work_tmpfs_bytes,
		     req->compile_wall_ms > 0 ? req->compile_wall_ms : 30000,
		     req->compile_cpu_ms > 0 ? req->compile_cpu_ms : 30000,
		     run_container_memory(req), l->memory_bytes,
		     req->run_as_bytes > 0 ? req->run_as_bytes : 0,
		     req->run_pids > 0 ? req->run_pids : 0, req->compile_strict ? 1 : 0,
		     req->reuse ? 1 : 0);
	if (w < 0 || (size_t)w >= sizeof job)
		return RC_INTERNAL;
	if ((rc = add_frame(out, FRAME_JOB, job, (size_t)w)) != 0)
		return rc;
	for (i = 0; i < req->nfiles; i++)
		if ((rc = add_file(out, &req->files[i])) != 0)
			return rc;
	if (req->compile_argv != NULL && req->compile_argv[0] != NULL &&
	    (rc = add_argv(out, FRAME_COMPILE, req->compile_argv)) != 0)
		return rc;
	if (req->run_argv != NULL) {
		rc = add_argv(out, FRAME_RUN, req->run_argv);
	} else {
		/* No expanded command: the language's, with the first file as the entry. */
		const char *argv[LANG_ARGV_MAX + 1], *names[1] = { req->nfiles ? req->files[0].name : "" };
		char *store = NULL;

		rc = lang_expand(req->lang->run_argv, names[0], names, 1, NULL, NULL, 0, argv,
				 LANG_ARGV_MAX + 1, &store, NULL);
		if (rc == 0)
			rc = add_argv(out, FRAME_RUN, argv);
		free(store);
	}
	if (rc != 0 || (rc = add_stdin(out, req->stdin_data, req->stdin_len)) != 0)
		return rc;
	if (req->ncases > RUN_MAX_CASES || (req->ncases > 0 && req->stdin_len > 0))
		return RC_INTERNAL;
	for (i = 0; i < req->ncases; i++) {
		const struct run_case *c = &req->cases[i];

		w = snprintf(job, sizeof job, "wall_ms=%ld\ncpu_ms=%ld\nreport=%d\n",
			     case_limit(c->wall_ms, l->wall_ms), case_limit(c->cpu_ms, l->cpu_ms),
			     c->report ? 1 : 0);
		if (w < 0 || (size_t)w >= sizeof job)
			return RC_INTERNAL;
		if (c->nfiles > RUN_CASE_FILES || (rc = add_frame(out, FRAME_CASE, job, (size_t)w)) != 0)
			return rc != 0 ? rc : RC_INTERNAL;
		for (size_t k = 0; k < c->nfiles; k++)
			if ((rc = add_file(out, &c->files[k])) != 0)
				return rc;
		if ((c->run_argv != NULL && (rc = add_argv(out, FRAME_RUN, c->run_argv)) != 0) ||
		    (rc = add_stdin(out, c->stdin_data, c->stdin_len)) != 0)
			return rc;
	}
	if ((rc = add_frame(out, FRAME_END, NULL, 0)) != 0)
		return rc;
	return out->truncated ? RC_NOMEM : 0;
}


/* State of one result stream being read. */
struct reading {
	struct runner *r;
	const struct run_request *req;
	struct dk_stream *s;
	struct run_result *res;
	struct frame_reader fr;
	bool done;
	size_t cur;   /* the case running now: the case stages reported so far */
	long t0;      /* when run_exec began, for total_ms */
	int rc;       /* a failure while answering the agent (put_run_limits) */
	struct err e; /* its detail */
};

static long kv_long(const unsigned char *p, size_t n, const char *key)
{
	uint64_t v = 0;

	return frame_kv_u64(p, n, key, (uint64_t)1 << 62, &v) == 0 ? (long)v : 0;
}

/* Set the container's memory and process limits in the kernel through the Engine API (a
 * value <= 0 is left as it is), then tell the agent the limits it now has (FRAME_LIMITS):
 * the agent reads its cgroup itself before it goes on. lowering: for the run stage (the
 * result says the limit was lowered once the kernel has it). */
static int set_limits(struct reading *rd, bool lowering, long mem, long pids, long mem_now,
		      long pids_now)
{
	unsigned char frame[FRAME_HDR + 64];
	int w, rc;

	if ((rc = dk_update(runner_docker(rd->r), rd->res->container, mem, pids, &rd->e)) != 0)
		return rc;
	if (lowering)
		rd->res->limit_lowered = true;
	w = snprintf((char *)frame + FRAME_HDR, sizeof frame - FRAME_HDR, "mem_bytes=%ld\npids=%ld\n",
		     mem_now, pids_now);
	if (w < 0 || (size_t)w >= sizeof frame - FRAME_HDR)
		return err_set(&rd->e, RC_INTERNAL, "limits frame too long");
	frame_header(frame, FRAME_LIMITS, (uint32_t)w);
	return dk_stream_write(rd->s, frame, FRAME_HDR + (size_t)w, RUN_SLACK_MS, &rd->e);
}

/* The agent has finished the compile stage and waits for the run stage's limit
 * (FRAME_WAIT). Lower the container's memory to the program's own limit in the kernel,
 * through the Engine API, then say so with FRAME_LIMITS; the agent reads its cgroup
 * before it starts the program, so a limit that is not in place runs nothing. A container
 * that serves more jobs gets its limits back before it is vouched for (put_reset_limits),
 * and every job's agent checks it starts under the container's own (mem_now_bytes). */
static int put_run_limits(struct reading *rd)
{
	long now = run_container_memory(rd->req), pids = rd->req->run_pids;
	long want = rd->req->limits.memory_bytes < now ? rd->req->limits.memory_bytes : 0;

	if (want == 0 && pids <= 0)
		return err_set(&rd->e, RC_INTERNAL, "the agent waited for a limit nobody lowers");
	return set_limits(rd, true, want, pids, want ? want : now, pids > 0 ? pids : 0);
}

/* After a job that lowered the container's limits, the agent's reset waits for them to be
 * set back (FRAME_WAIT after FRAME_DONE): the container's own memory and process limits,
 * through the Engine API; the agent checks the kernel's values before it says ready. */
static int put_reset_limits(struct reading *rd)
{
	long mem = run_container_memory(rd->req), pids = rd->req->limits.pids;

	return set_limits(rd, false, mem, pids, mem, pids);
}

/* The stage a run's frames are about now: the compile stage's for tag 'c', else the run
 * stage's, or in a run with cases the case running now (NULL past the last: a protocol
 * error). */
static struct run_stage *current_stage(struct reading *rd, bool compile)
{
	struct run_result *res = rd->res;

	if (compile)
		return &res->compile;
	if (res->ncases == 0)
		return &res->run;
	return rd->cur < res->ncases ? &res->cases[rd->cur] : NULL;
}

static int on_frame(void *arg, int type, const unsigned char *p, size_t n)
{
	struct reading *rd = arg;
	struct run_result *res = rd->res;
	struct run_stage *st;
	char name[16];
	uint64_t cn;

	switch (type) {
	case FRAME_STDOUT:
	case FRAME_STDERR:
		if (n < 1)
			return 0;
		if ((st = current_stage(rd, p[0] == 'c')) == NULL)
			return -1;
		/* A full buffer just sets its truncated flag; the agent has already stopped. */
		return buf_add(type == FRAME_STDOUT ? &st->out : &st->err, p + 1, n - 1) ? -1 : 0;
	case FRAME_REPORT:
		if ((st = current_stage(rd, false)) == NULL || res->ncases == 0)
			return -1;
		return buf_add(&st->report, p, n) ? -1 : 0;
	case FRAME_STAGE:
		if (frame_kv_str(p, n, "stage", name, sizeof name) != 0)
			return 0;
		if ((st = current_stage(rd, strcmp(name, "compile") == 0)) == NULL)
			return -1;
		if (st != &res->compile && res->ncases > 0) {
			/* Cases report in order, each once. */
			if (frame_kv_u64(p, n, "case", RUN_MAX_CASES, &cn) != 0 || cn != rd->cur)
				return -1;
			rd->cur++;
		}
		if (kv_long(p, n, "report_trunc"))
			st->report.truncated = true;
		st->ran = true;
		st->exit_code = (int)kv_long(p, n, "exit");
		st->signal = (int)kv_long(p, n, "signal");
		st->wall_ms = kv_long(p, n, "wall_ms");
		st->cpu_ms = kv_long(p, n, "cpu_ms");
		st->mem_bytes = kv_long(p, n, "mem_bytes");
		st->out_bytes = kv_long(p, n, "out_bytes");
		st->err_bytes = kv_long(p, n, "err_bytes");
		if (kv_long(p, n, "out_trunc"))
			st->out.truncated = true;
		if (kv_long(p, n, "err_trunc"))
			st->err.truncated = true;
		st->reason = frame_kv_str(p, n, "reason", name, sizeof name) == 0
			     ? run_reason_parse(name) : REASON_NONE;
		return 0;
	case FRAME_ERROR:
		(void)snprintf(res->agent_error, sizeof res->agent_error, "%.*s",
			       (int)(n < 250 ? n : 250), (const char *)p);
		return 0;
	case FRAME_WAIT:
		if ((rd->rc = res->job_done ? put_reset_limits(rd) : put_run_limits(rd)) != 0)
			return -1; /* stop reading: read_result reports rd->rc */
		return 0;
	case FRAME_DONE:
		if (rd->req->reuse) {
			if (res->job_done)
				return -1; /* a second DONE is a protocol error */
			res->job_done = true; /* the answer is complete; the reset's word follows */
			if (rd->req->on_done != NULL) {
				res->status = run_status_derive(res);
				res->total_ms = clock_mono_ms() - rd->t0;
				rd->req->on_done(rd->req->on_done_arg, res);
			}
			return 0;
		}
		rd->done = true;
		return 1; /* stop: the answer is complete */
	case FRAME_READY:
		if (!res->job_done)
			return -1; /* a READY before the job's end is a protocol error */
		res->ready = kv_long(p, n, "clean") == 1;
		if (!res->ready)
			(void)frame_kv_str(p, n, "why", res->not_ready, sizeof res->not_ready);
		rd->done = true;
		return 1;
	default:
		return 0; /* unknown frames from a newer agent are ignored */
	}
}

static int on_stream(void *arg, int stream, const unsigned char *p, size_t n)
{
	struct reading *rd = arg;

	if (stream != 1) {
		log_debug("agent stderr: %.*s", (int)(n > 200 ? 200 : n), (const char *)p);
		return 0;
	}
	return frame_reader_feed(&rd->fr, p, n, on_frame, rd);
}

#define READ_CANCELLED 1

/* Read frames until FRAME_DONE, the deadline, end of stream or a hang-up on cancel_fd.
 * Returns 0 when done, READ_CANCELLED on a hang-up, an RC_* with detail otherwise. */
static int read_result(struct runner *runner, struct dk_stream *s, const struct run_request *req,
		       long t0, long deadline, struct run_result *res, struct err *e)
{
	struct reading rd = { .r = runner, .req = req, .s = s, .res = res, .t0 = t0 };
	struct demux dm;
	struct pollfd pf[2];
	unsigned char chunk[65536];
	size_t got;
	int rc = 0, r, nfd;

	demux_init(&dm);
	frame_reader_init(&rd.fr, RUN_FRAME_MAX);
	while (!rd.done) {
		long left;

		/* Once the answer is complete, the reset has RUN_RESET_MS, not what is left of the
		 * job's own time. */
		if (res->job_done && deadline > clock_mono_ms() + RUN_RESET_MS)
			deadline = clock_mono_ms() + RUN_RESET_MS;
		left = deadline - clock_mono_ms();

		if (left <= 0) {
			rc = err_set(e, RC_TIMEOUT_IO, "no result from the agent in time");
			break;
		}
		pf[0] = (struct pollfd){ .fd = dk_stream_fd(s), .events = POLLIN };
		nfd = 1;
		if (req->cancel_fd >= 0 && !res->job_done) {
			pf[1] = (struct pollfd){ .fd = req->cancel_fd, .events = POLLRDHUP };
			nfd = 2;
		}
		r = poll(pf, (nfds_t)nfd, (int)left);
		if (r < 0 && errno != EINTR) {
			rc = err_set(e, RC_INTERNAL, "poll: %s", strerror(errno));
			break;
		}
		if (nfd == 2 && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			rc = READ_CANCELLED;
			break;
		}
		if (r <= 0 || pf[0].revents == 0)
			continue;
		/* Drain what is there, then poll again. */
		for (;;) {
			if ((r = dk_stream_read(s, chunk, sizeof chunk, &got, e)) < 0) {
				rc = r;
				goto out;
			}
			if (r == 1) {
				rc = err_set(e, RC_DOCKER, "the container ended without a result");
				goto out;
			}
			if (got == 0)
				break;
			r = demux_feed(&dm, chunk, got, on_stream, &rd);
			if (rd.done)
				break;
			if (rd.rc != 0) {
				rc = err_set(e, rd.rc, "setting the run stage's limit: %s", rd.e.msg);
				goto out;
			}
			if (r != 0) {
				rc = err_set(e, RC_DOCKER, "malformed result stream");
				goto out;
			}
		}
	}
out:
	frame_reader_release(&rd.fr);
	return rc;
}

/* The container config for req's language and limits. state and owner become labels. */
static json_t *container_config(struct runner *r, const struct run_request *req,
				const char *state, const char *owner)
{
	struct container_spec spec = {
		.image = runner_image(r, req->lang),
		.instance = r->instance,
		.lang = req->lang->id,
		.agent_path = r->agent_path,
		.seccomp = r->seccomp,
		.created = (long)time(NULL),
		.owner = owner,
		.state = state,
		.suites_path = r->suites_path,
	};
	struct limits lim = req->limits;

	/* One container for both stages: it starts with the compiler's memory (lowered to the
	 * program's before the run stage, see put_run_limits) and the language's CPU share
	 * (compilers need more than the programs they build). */
	lim.memory_bytes = run_container_memory(req);
	if (req->lang->nano_cpus > 0)
		lim.nano_cpus = req->lang->nano_cpus;
	return limits_container_config(&lim, &spec);
}

int run_prestart(struct runner *r, const struct run_request *req, char id[DK_ID_MAX],
		 struct err *e)
{
	char owner[96];
	json_t *cfg;
	int rc;

	id[0] = '\0';
	(void)snprintf(owner, sizeof owner, "%s:pool", r->instance);
	if ((cfg = container_config(r, req, "pool", owner)) == NULL)
		return err_set(e, RC_NOMEM, "container config");
	rc = dk_create(r->dk, cfg, id, e);
	json_decref(cfg);
	if (rc == 0 && (rc = dk_start(r->dk, id, e)) != 0) {
		struct err ignored;
		(void)dk_remove(r->dk, id, &ignored);
		id[0] = '\0';
	}
	return rc;
}

/* The request's test suite in the suites folder, under the name its content gives. */
static int put_suite(struct runner *r, const struct run_request *req, struct err *e)
{
	char id[SHA256_HEX];

	suite_id(req->suite, req->nsuite, id);
	if (req->suite_id == NULL || strcmp(id, req->suite_id) != 0)
		return err_set(e, RC_INTERNAL, "the test suite's name is not the one its content gives");
	return suite_put(r->suites_path, id, req->suite, req->nsuite, e);
}

int run_exec(struct runner *r, const struct run_request *req, struct run_result *res, struct err *e)
{
	char owner[96];
	struct dk_stream *s = NULL;
	json_t *cfg = NULL;
	struct buf job;
	long t0 = clock_mono_ms(), deadline;
	int rc;

	(void)snprintf(owner, sizeof owner, "%s:%ld", r->instance, (long)getpid());
	/* Code and stdin are capped by the request checks; this only bounds a mistake. */
	buf_init(&job, 64u << 20);
	if (req->container == NULL && (cfg = container_config(r, req, "run", owner)) == NULL) {
		rc = err_set(e, RC_NOMEM, "container config");
		goto out;
	}
	if ((rc = run_job_encode(req, &job)) != 0) {
		rc = err_set(e, rc, "encoding the job");
		goto out;
	}
	if (req->nsuite > 0 && (rc = put_suite(r, req, e)) != 0)
		goto out;
	if (req->container != NULL) {
		/* A warm container: started already, its agent waiting for the job on stdin. */
		(void)snprintf(res->container, sizeof res->container, "%s", req->container);
		res->pooled = true;
		if (req->stream != NULL)
			s = req->stream; /* the attach of its earlier jobs (reuse) */
		else if ((rc = dk_attach(r->dk, res->container, &s, e)) != 0)
			goto out;
	} else {
		if ((rc = dk_create(r->dk, cfg, res->container, e)) != 0)
			goto out;
		if ((rc = dk_attach(r->dk, res->container, &s, e)) != 0)
			goto out;
		if ((rc = dk_start(r->dk, res->container, e)) != 0)
			goto out;
	}
	if ((rc = dk_stream_write(s, job.data, job.len, RUN_SLACK_MS, e)) != 0)
		goto out;
	res->job_sent = true;

	/* From here the program is running: failures become an internal_error result. */
	deadline = clock_mono_ms() + run_request_time_ms(req) + RUN_SLACK_MS +
		   (req->reuse ? RUN_RESET_MS : 0);
	rc = read_result(r, s, req, t0, deadline, res, e);
	res->total_ms = clock_mono_ms() - t0;
	if (rc != 0 && res->job_done) {
		/* The job is complete; only the reset's word is missing (an agent too old to
		 * know reuse, a hang-up, the deadline): the answer stands, the container goes. */
		(void)snprintf(res->not_ready, sizeof res->not_ready, "no word from the reset: %.200s",
			       rc == READ_CANCELLED ? "the client hung up" : e ? e->msg : rc_name(rc));
		res->ready = false;
		rc = 0;
	} else if (rc == READ_CANCELLED) {
		rc = err_set(e, RC_INTERNAL, "the client hung up");
		goto out;
	}
	if (rc != 0) {
		log_warnx("run %s: %s", req->run_id, e ? e->msg : rc_name(rc));
		if (res->agent_error[0] == '\0')
			(void)snprintf(res->agent_error, sizeof res->agent_error, "%.200s",
				       e ? e->msg : rc_name(rc));
		rc = 0;
	}
	res->status = run_status_derive(res);
out:
	if (s != req->stream)
		dk_stream_close(s);
	json_decref(cfg);
	buf_release(&job);
	return rc;
}

void run_dispose(struct runner *r, struct run_result *res)
{
	struct err e;

	if (res->container[0] == '\0')
		return;
	if (dk_remove(r->dk, res->container, &e) != 0)
		log_warnx("removing container %.12s: %s (start-up will remove it)",
			  res->container, e.msg);
	res->container[0] = '\0';
}
