/*
 * runbox_test.h: a one-header test harness for C and C++ exercises (C11, C++11 or later,
 * gcc or clang on Linux).
 *
 * In the teacher's test file:
 *
 *     #define RB_TEST_MAIN        (in exactly one file, before any #include: it brings main)
 *     #include "runbox_test.h"
 *     #include "fib.h"            (the student's code)
 *
 *     RB_TEST(fib_of_ten) {
 *         RB_CHECK_EQ_INT(fib(10), 55);
 *     }
 *
 * Other files may hold tests too: they include the header without RB_TEST_MAIN. The
 * program gets its main from here, so a student's main must stay out of the build (compile
 * the student's file with -Dmain=student_main, say).
 *
 *   RB_TEST(name) { ... }        a test; tests run in the order the compiler registers
 *                                them (within a file, the order they are written)
 *   RB_CHECK(cond)               fails the test when cond is false
 *   RB_CHECK_EQ_INT(a, b)        a == b as long long
 *   RB_CHECK_EQ_STR(a, b)        strcmp(a, b) == 0 (NULL equals only NULL)
 *   RB_CHECK_NEAR(a, b, tol)     |a - b| <= tol as double (NaN is never near anything)
 *   RB_SKIP("reason")            ends the test here as skipped
 *
 * A failed check records "file:line: what failed: the values" and the test goes on, so
 * one run shows every failed check. Each test runs in a child process of its own, so a
 * crash, an abort(), an exit() or an endless loop ends that test only. Each test has
 * RB_TEST_TIMEOUT_MS milliseconds (from the environment, default 2000).
 *
 * The report is TAP version 13 (each failure's messages in its YAML block as "message",
 * with "duration_ms"), written to file descriptor 3 when it is open (run as
 * ./tests 3>report.tap), else to standard output. When fd 3 is open nothing else is
 * written there and the report never goes to standard output, which is the student's:
 * the tests see fd 3 as /dev/null. main returns 0 when no test failed, 1 otherwise
 * (skipped tests are not failures).
 */
#ifndef RUNBOX_TEST_H
#define RUNBOX_TEST_H

/* fork, poll and kill are POSIX, not C11: ask for them unless the build already chose.
 * This only works when this header comes before every other #include of the file. */
#if defined(RB_TEST_MAIN) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && \
	!defined(_DEFAULT_SOURCE) && !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

struct rb_test {
	const char *name;
	void (*fn)(void);
	struct rb_test *next;
};

#ifdef __cplusplus
extern "C" {
#endif
void rb_register(struct rb_test *t);
void rb_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rb_fail_str(const char *file, int line, const char *ea, const char *eb, const char *a,
		 const char *b);
void rb_skip(const char *reason);
int rb_str_eq(const char *a, const char *b);
#ifdef __cplusplus
}
#endif

/* A constructor registers each test before main runs: no list of tests to keep by hand,
 * and no linker section tricks (which differ between C, C++ and linkers). */
#define RB_TEST(name)                                                              \
	static void rb_fn_##name(void);                                            \
	static struct rb_test rb_node_##name = { #name, rb_fn_##name, 0 };         \
	__attribute__((constructor)) static void rb_reg_##name(void)               \
	{                                                                          \
		rb_register(&rb_node_##name);                                      \
	}                                                                          \
	static void rb_fn_##name(void)

#define RB_CHECK(cond)                                                             \
	do {                                                                       \
		if (!(cond))                                                       \
			rb_fail(__FILE__, __LINE__, "%s failed", #cond);           \
	} while (0)

#define RB_CHECK_EQ_INT(a, b)                                                      \
	do {                                                                       \
		long long rb_a_ = (long long)(a), rb_b_ = (long long)(b);          \
		if (rb_a_ != rb_b_)                                                \
			rb_fail(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", \
				#a, #b, rb_a_, rb_b_);                             \
	} while (0)

#define RB_CHECK_EQ_STR(a, b)                                                      \
	do {                                                                       \
		const char *rb_a_ = (a), *rb_b_ = (b);                             \
		if (!rb_str_eq(rb_a_, rb_b_))                                      \
			rb_fail_str(__FILE__, __LINE__, #a, #b, rb_a_, rb_b_);     \
	} while (0)

#define RB_CHECK_NEAR(a, b, tol)                                                   \
	do {                                                                       \
		double rb_a_ = (double)(a), rb_b_ = (double)(b);                   \
		double rb_t_ = (double)(tol), rb_d_ = rb_a_ - rb_b_;               \
		if (rb_d_ < 0)                                                     \
			rb_d_ = -rb_d_;                                            \
		if (!(rb_d_ <= rb_t_))                                             \
			rb_fail(__FILE__, __LINE__,                                \
				"%s == %s within %s failed: %.17g and %.17g differ by %.17g", \
				#a, #b, #tol, rb_a_, rb_b_, rb_d_);                \
	} while (0)

#define RB_SKIP(reason)                                                            \
	do {                                                                       \
		rb_skip(reason);                                                   \
		return;                                                            \
	} while (0)

#ifdef RB_TEST_MAIN

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The messages kept of one test (the rest are counted), with room kept at the end for
 * that count and for how the test ended: a report reader may keep only 1 KiB of it. */
#define RB_MSG_MAX 1000
#define RB_MSG_ROOM 160

static struct rb_test *rb_head, *rb_tail;
/* In a test's child: the pipe its results go up to the harness by. One record is a
 * type byte ('F' a failed check, 'S' skipped, 'D' the test reached its end) and text up to
 * a NUL, written at once so a crash right after a check still leaves the message. */
static int rb_results = -1;

struct rb_outcome {
	char msg[RB_MSG_MAX];
	size_t len;
	long more;        /* failed checks whose message did not fit */
	int failed, skipped, done;
	double ms;
};

#ifdef __cplusplus
extern "C" {
#endif

void rb_register(struct rb_test *t)
{
	t->next = 0;
	if (rb_tail)
		rb_tail->next = t;
	else
		rb_head = t;
	rb_tail = t;
}

static void rb_record(char type, const char *text)
{
	char rec[1024];
	size_t n = strlen(text);

	if (n > sizeof rec - 2)
		n = sizeof rec - 2;
	rec[0] = type;
	memcpy(rec + 1, text, n);
	rec[n + 1] = '\0';
	if (rb_results < 0) {
		fprintf(stderr, "%s\n", text); /* a check outside a test */
		return;
	}
	while (write(rb_results, rec, n + 2) < 0 && errno == EINTR)
		;
}

void rb_fail(const char *file, int line, const char *fmt, ...)
{
	char text[1000];
	int k = snprintf(text, sizeof text, "%s:%d: ", file, line);
	va_list ap;

	if (k < 0 || (size_t)k >= sizeof text)
		k = 0;
	va_start(ap, fmt);
	vsnprintf(text + k, sizeof text - (size_t)k, fmt, ap);
	va_end(ap);
	rb_record('F', text);
}

/* s as a C string literal, cut after 200 bytes: a newline or a trailing space in a
 * student's answer must be visible in the message. */
static void rb_quote(char *out, size_t cap, const char *s)
{
	size_t o = 0;

	if (s == 0) {
		snprintf(out, cap, "NULL");
		return;
	}
	out[o++] = '"';
	for (size_t i = 0; s[i] != '\0' && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 200) {
			o += (size_t)snprintf(out + o, cap - o, "...");
			break;
		}
		if (c == '\n' || c == '\t' || c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

void rb_fail_str(const char *file, int line, const char *ea, const char *eb, const char *a,
		 const char *b)
{
	char qa[300], qb[300];

	rb_quote(qa, sizeof qa, a);
	rb_quote(qb, sizeof qb, b);
	rb_fail(file, line, "%s == %s failed: %s != %s", ea, eb, qa, qb);
}

void rb_skip(const char *reason)
{
	rb_record('S', reason ? reason : "");
}

int rb_str_eq(const char *a, const char *b)
{
	if (a == 0 || b == 0)
		return a == b;
	return strcmp(a, b) == 0;
}

static double rb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void rb_note(struct rb_outcome *o, const char *text)
{
	size_t n = strlen(text), room = sizeof o->msg - o->len - 1;

	if (o->len > 0 && room > 0) {
		o->msg[o->len++] = '\n';
		room--;
	}
	if (n > room)
		n = room;
	memcpy(o->msg + o->len, text, n);
	o->len += n;
	o->msg[o->len] = '\0';
}

/* The records of buf[0..n) into o; returns how many bytes of an unfinished record are
 * left at the start of buf. */
static size_t rb_take(struct rb_outcome *o, char *buf, size_t n)
{
	size_t at = 0;

	for (;;) {
		char *end = (char *)memchr(buf + at, '\0', n - at);

		if (end == 0)
			break;
		if (buf[at] == 'F') {
			o->failed++;
			if (o->len + (size_t)(end - buf - at) + 1 < sizeof o->msg - RB_MSG_ROOM)
				rb_note(o, buf + at + 1);
			else
				o->more++;
		} else if (buf[at] == 'S') {
			o->skipped = 1;
			rb_note(o, buf + at + 1);
		} else if (buf[at] == 'D') {
			o->done = 1;
		}
		at = (size_t)(end - buf) + 1;
	}
	memmove(buf, buf + at, n - at);
	return n - at;
}

/* The test's child: the test with fd 3 on /dev/null (when fd 3 is the report), then the
 * end-of-test record. _exit, not exit: the harness's atexit handlers are not the test's. */
static void rb_child(struct rb_test *t, int results, int report_fd)
{
	setpgid(0, 0);
	if (report_fd == 3) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0 && null != 3) {
			dup2(null, 3);
			close(null);
		}
	}
	rb_results = results;
	t->fn();
	fflush(0);
	rb_record('D', "");
	_exit(0);
}

/* Drains what the child left in the pipe once it has ended, without waiting for writers
 * it may have left behind (a process it started holds the pipe open too). */
static void rb_drain(struct rb_outcome *o, int fd, char *buf, size_t have, size_t cap)
{
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 16; i++) {
		ssize_t r = read(fd, buf + have, cap - have);

		if (r <= 0)
			break;
		have = rb_take(o, buf, have + (size_t)r);
		if (have == cap)
			have = 0;
	}
}

/* Reads the child's records until it ends or the deadline passes, then kills its whole
 * process group, so what the test started ends with it. Returns true when it timed out,
 * with the child's wait status in *status. The deadline is kept here, not by alarm() in
 * the child: a test may catch, block or reset SIGALRM, and alarm counts whole seconds. */
static int rb_watch(struct rb_outcome *o, int fd, pid_t pid, double deadline, int *status)
{
	char buf[4096];
	size_t have = 0;
	int open_ = 1, timed_out = 0;

	for (;;) {
		double left = deadline - rb_now_ms();
		pid_t w;

		if (open_) {
			struct pollfd p;

			p.fd = fd;
			p.events = POLLIN;
			p.revents = 0;
			if (poll(&p, 1, left < 10 ? (int)left + 1 : 10) > 0) {
				ssize_t r = read(fd, buf + have, sizeof buf - have);

				if (r > 0) {
					have = rb_take(o, buf, have + (size_t)r);
					if (have == sizeof buf)
						have = 0; /* longer than any record the child writes */
				} else if (r == 0 || errno != EINTR) {
					open_ = 0;
				}
			}
		} else {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, 0);
		}
		w = waitpid(pid, status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR)) {
			if (open_)
				rb_drain(o, fd, buf, have, sizeof buf);
			break;
		}
		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			break;
		}
	}
	kill(-pid, SIGKILL);
	return timed_out;
}

static void rb_verdict(struct rb_outcome *o, int status, int timed_out, long timeout_ms)
{
	char text[200];

	text[0] = '\0';
	if (timed_out)
		snprintf(text, sizeof text, "the test did not end within %ld ms (an endless loop?)",
			 timeout_ms);
	else if (WIFSIGNALED(status))
		snprintf(text, sizeof text, "the test crashed: %s (signal %d)",
			 strsignal(WTERMSIG(status)), WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(text, sizeof text, "the test called exit(%d)", WEXITSTATUS(status));
	else if (!o->done && !o->skipped)
		snprintf(text, sizeof text, "the test called exit(0) before its end");
	if (o->more > 0) {
		char more[80];

		snprintf(more, sizeof more, "... and %ld more failed checks", o->more);
		rb_note(o, more);
	}
	if (text[0] != '\0') {
		o->failed++;
		rb_note(o, text);
	}
}

static void rb_run(struct rb_test *t, long timeout_ms, int report_fd, struct rb_outcome *o)
{
	double start = rb_now_ms(), deadline = start + (double)timeout_ms;
	int fds[2], timed_out, status = 0;
	pid_t pid;

	memset(o, 0, sizeof *o);
	if (pipe(fds) < 0) {
		o->failed = 1;
		rb_note(o, "the harness could not make a pipe");
		return;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fflush(0); /* nothing buffered may be written twice, by the child too */
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		rb_child(t, fds[1], report_fd);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		o->failed = 1;
		rb_note(o, "the harness could not start the test (fork failed)");
		return;
	}
	setpgid(pid, pid);
	timed_out = rb_watch(o, fds[0], pid, deadline, &status);
	close(fds[0]);
	o->ms = rb_now_ms() - start;
	rb_verdict(o, status, timed_out, timeout_ms);
}

/* The test's name as a TAP description: '#' and '\' escaped (TAP 14), no line breaks. */
static void rb_tap_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

/* text as a YAML literal block, each line indented under its key; control characters
 * other than tab become '?' so the block stays YAML. */
static void rb_yaml_block(FILE *f, const char *key, const char *text)
{
	fprintf(f, "  %s: |-\n    ", key);
	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;

		if (c == '\n')
			fputs("\n    ", f);
		else
			fputc(c < 0x20 && c != '\t' ? '?' : (char)c, f);
	}
	fputc('\n', f);
}

static void rb_tap(FILE *f, int i, struct rb_test *t, const struct rb_outcome *o)
{
	fprintf(f, "%s %d - ", o->failed ? "not ok" : "ok", i);
	rb_tap_name(f, t->name);
	if (!o->failed && o->skipped) {
		fputs(" # SKIP ", f);
		for (const char *s = o->msg; *s; s++)
			fputc(*s == '\n' || *s == '#' ? ' ' : *s, f);
	}
	fputs("\n  ---\n", f);
	if (o->failed)
		rb_yaml_block(f, "message", o->msg);
	fprintf(f, "  duration_ms: %.3f\n  ...\n", o->ms);
	fflush(f);
}

static long rb_timeout_ms(void)
{
	const char *v = getenv("RB_TEST_TIMEOUT_MS");
	char *end;
	long ms;

	if (v == 0 || *v == '\0')
		return 2000;
	errno = 0;
	ms = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || ms <= 0 || ms > 3600000)
		return 2000;
	return ms;
}

#ifdef __cplusplus
}
#endif

/* runbox compiles a student's files with -Dmain=student_main when they are graded by a test
 * suite, so a student's main() does not clash with this one. */
#ifdef main
#undef main
#endif
int main(void)
{
	long timeout_ms = rb_timeout_ms();
	int report_fd = fcntl(3, F_GETFD) != -1 ? 3 : 1, n = 0, i = 0, failed = 0;
	FILE *report = report_fd == 3 ? fdopen(3, "w") : stdout;
	struct rb_outcome o;

	if (report == 0) {
		fprintf(stderr, "runbox_test: file descriptor 3 is open but cannot be written to\n");
		return 1;
	}
	for (struct rb_test *t = rb_head; t; t = t->next)
		n++;
	fprintf(report, "TAP version 13\n1..%d\n", n);
	for (struct rb_test *t = rb_head; t; t = t->next) {
		rb_run(t, timeout_ms, report_fd, &o);
		rb_tap(report, ++i, t, &o);
		failed += o.failed > 0;
	}
	fflush(report);
	return failed ? 1 : 0;
}

#endif /* RB_TEST_MAIN */
#endif /* RUNBOX_TEST_H */
