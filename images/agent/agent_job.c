/*
 * agent_job: read one job from stdin as frames (core/frame.h) and check every part of it
 * before anything runs: the settings (FRAME_JOB, each within its range), the files (names
 * checked, then written under /work), the compile and run commands, the program's input
 * (kept in a memfd) and, when the agent asked for them, the limits the server set
 * (FRAME_LIMITS). Frames must come in frame.h's order.
 *
 * Separate from agent.c because it is the agent's only reader of what the server sends: every
 * check on those frames is in this one file, to be read against frame.h. It runs nothing and
 * sends nothing; a refused job is a sentence in j->err for agent.c to report.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "frame.h"

#define STDIN_MAX (16u * 1024 * 1024)
#define NAME_MAX_DEPTH 8
#define NAME_MAX_LEN 1024
#define MS_MAX 86400000u /* 24 h: more is a bug on the server side */
#define BYTES_MAX (1ull << 48)

int bad(struct job *j, const char *fmt, ...)
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
		K(run_as_bytes, 0, BYTES_MAX), K(fsize_bytes, 0, BYTES_MAX),
		K(nofile, 0, 1u << 20), K(out_cap, 0, BYTES_MAX), K(err_cap, 0, BYTES_MAX),
		K(mem_now_bytes, 0, BYTES_MAX), K(run_mem_bytes, 0, BYTES_MAX),
		K(run_pids, 0, 1u << 22), K(compile_strict, 0, 1), K(reuse, 0, 1),
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

/* The name as it may appear in a sentence: at most 200 bytes, control characters as '?'. */
static void shown_name(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 200 && i + 1 < cap; i++)
		out[i] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
	out[i] = '\0';
}

int job_write_file(struct job *j, const unsigned char *p, size_t n)
{
	const unsigned char *nul = memchr(p, '\0', n);
	char name[NAME_MAX_LEN + 1];
	char *comp, *slash;
	size_t nlen;
	int dfd = j->workfd, fd = -1, rc = 0;

	if (nul == NULL)
		return bad(j, "A file in the job has no name.");
	nlen = (size_t)(nul - p);
	if (check_name((const char *)p, nlen) < 0) {
		shown_name(name, sizeof name, p, nlen);
		return bad(j, "The file name '%s' is not allowed: use a relative path without "
			   "'..', empty parts or control characters, at most %d levels deep.",
			   name, NAME_MAX_DEPTH);
	}
	memcpy(name, p, nlen);
	name[nlen] = '\0';
	for (comp = name; (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
		int next;

		*slash = '\0';
		if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
			rc = bad(j, "Cannot create the folder for '%s': %s.", name, strerror(errno));
			goto out;
		}
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		if (next < 0) {
			rc = bad(j, "Cannot open the folder for '%s': %s.", name, strerror(errno));
			goto out;
		}
		if (dfd != j->workfd)
			close(dfd);
		dfd = next;
	}
	fd = openat(dfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		rc = bad(j, "The file '%s' is given twice.", name);
		goto out;
	}
	if (fd < 0) {
		rc = bad(j, "Cannot create the file '%s': %s.", name, strerror(errno));
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
	if (dfd != j->workfd)
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

/* Input for the job's run stage, or for the case being read (*fd, *len: its memfd and
 * length); every input of the job counts against STDIN_MAX together. */
static int add_stdin(struct job *j, int *fd, uint64_t *len, const unsigned char *p, size_t n)
{
	if (n > STDIN_MAX - j->stdin_total)
		return bad(j, "The program's input is larger than %u MB.", STDIN_MAX >> 20);
	if (n == 0)
		return 0;
	if (*fd < 0) {
		*fd = memfd_create("runbox-stdin", MFD_CLOEXEC);
		if (*fd < 0)
			return bad(j, "Cannot store the program's input: %s.", strerror(errno));
	}
	while (n > 0) {
		ssize_t w = write(*fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return bad(j, "Cannot store the program's input: %s.", strerror(errno));
		p += w;
		n -= (size_t)w;
		*len += (uint64_t)w;
		j->stdin_total += (uint64_t)w;
	}
	return 0;
}

/* FRAME_CASE: a new case, with its limits (each required, within range) and whether it
 * gets a report fd. Its command and input may follow. */
static int add_case(struct job *j, const unsigned char *p, size_t n)
{
	struct jcase *c;
	uint64_t rep;

	if (j->ncases == CASES_MAX)
		return bad(j, "The job has more than %d test cases.", CASES_MAX);
	if (j->stdin_len > 0)
		return bad(j, "A job with test cases has input for its run stage too.");
	c = &j->cases[j->ncases++];
	*c = (struct jcase){ .stdin_fd = -1 };
	if (frame_kv_u64(p, n, "wall_ms", MS_MAX, &c->wall_ms) < 0 || c->wall_ms == 0 ||
	    frame_kv_u64(p, n, "cpu_ms", MS_MAX, &c->cpu_ms) < 0 || c->cpu_ms == 0 ||
	    frame_kv_u64(p, n, "report", 1, &rep) < 0)
		return bad(j, "Test case %d has no valid wall_ms, cpu_ms or report.", j->ncases);
	c->report = (int)rep;
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
		if (j->phase == PH_CASE) {
			/* A case's own file: kept until its case runs. */
			struct jcase *c = &j->cases[j->ncases - 1];

			if (c->nfiles == CASE_FILES_MAX)
				return bad(j, "Test case %d has more than %d files.", j->ncases,
					   CASE_FILES_MAX);
			if (memchr(p, '\0', n) == NULL)
				return bad(j, "A file in the job has no name.");
			if ((c->files[c->nfiles] = malloc(n > 0 ? n : 1)) == NULL)
				return bad(j, "Out of memory reading test case %d's files.", j->ncases);
			memcpy(c->files[c->nfiles], p, n);
			c->file_len[c->nfiles++] = n;
			return 0;
		}
		if (j->phase != PH_FILES)
			return bad(j, "A file was sent before the job settings or after the commands.");
		return job_write_file(j, p, n);
	case FRAME_COMPILE:
		if (j->phase != PH_FILES)
			return bad(j, "The compile command came out of order.");
		j->phase = PH_RUN;
		return parse_argv(j, p, n, &j->compile_argv, "compile");
	case FRAME_RUN:
		if (j->phase == PH_CASE) {
			j->phase = PH_CASE_STDIN;
			return parse_argv(j, p, n, &j->cases[j->ncases - 1].argv, "test case's run");
		}
		if (j->phase != PH_FILES && j->phase != PH_RUN)
			return bad(j, "The run command came out of order.");
		j->phase = PH_STDIN;
		return parse_argv(j, p, n, &j->run_argv, "run");
	case FRAME_CASE:
		if (j->phase != PH_STDIN && j->phase != PH_CASE && j->phase != PH_CASE_STDIN)
			return bad(j, "A test case came before the run command.");
		j->phase = PH_CASE;
		return add_case(j, p, n);
	case FRAME_STDIN:
		if (j->phase == PH_CASE || j->phase == PH_CASE_STDIN) {
			struct jcase *c = &j->cases[j->ncases - 1];

			j->phase = PH_CASE_STDIN;
			return add_stdin(j, &c->stdin_fd, &c->stdin_len, p, n);
		}
		if (j->phase != PH_STDIN)
			return bad(j, "Input for the program came before the run command.");
		return add_stdin(j, &j->stdin_fd, &j->stdin_len, p, n);
	case FRAME_END:
		if (j->phase != PH_STDIN && j->phase != PH_CASE && j->phase != PH_CASE_STDIN)
			return bad(j, "The job has no run command.");
		j->phase = PH_DONE;
		return JOB_END;
	case FRAME_LIMITS:
		if (j->phase != PH_WAIT)
			return bad(j, "Limits came that the agent did not wait for.");
		if (frame_kv_u64(p, n, "mem_bytes", BYTES_MAX, &j->limit_set) < 0)
			return bad(j, "The limits frame has no memory limit.");
		if (frame_kv_u64(p, n, "pids", 1u << 22, &j->pids_set) < 0)
			j->pids_set = 0;
		j->phase = PH_DONE;
		return JOB_END;
	default:
		return bad(j, "The job contains a frame of unknown type %d.", type);
	}
}

/* Read frames until the job (or, in PH_WAIT, the limits) is complete. The server sends
 * nothing after FRAME_END until the agent asks, so nothing is left over between the two.
 * Returns 0 (complete), JOB_BAD or -1 (stdin ended first); j->err says why. */
int read_job(struct job *j)
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
