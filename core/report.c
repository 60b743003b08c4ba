/* report: what the three parsers share, and Rust's libtest JSON events (one jansson parse
 * per line). JUnit XML is in report_junit.c, TAP in report_tap.c. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "report_int.h"

static const char *const format_names[] = { "junit", "tap", "libtest" };
static const char *const verdict_names[] = { "passed", "failed", "error", "skipped" };

int report_format_parse(const char *name, enum report_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

const char *report_format_name(enum report_format f)
{
	return (size_t)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "junit";
}

const char *report_verdict_name(enum report_verdict v)
{
	return (size_t)v < sizeof verdict_names / sizeof verdict_names[0] ? verdict_names[v] : "error";
}

int report_add(struct report *r, struct report_test **t)
{
	*t = NULL;
	if (r->ntests >= REPORT_MAX_TESTS) {
		report_problem(r, "The report has more than %d tests: only the first %d are listed.",
			       REPORT_MAX_TESTS, REPORT_MAX_TESTS);
		return 1;
	}
	if (r->ntests == r->alloc) {
		size_t want = r->alloc ? r->alloc * 2 : 16;
		struct report_test *grown;

		if (want > REPORT_MAX_TESTS)
			want = REPORT_MAX_TESTS;
		grown = realloc(r->tests, want * sizeof *grown);
		if (grown == NULL)
			return RC_NOMEM;
		r->tests = grown;
		r->alloc = want;
	}
	*t = &r->tests[r->ntests++];
	memset(*t, 0, sizeof **t);
	(*t)->verdict = RV_PASSED;
	(*t)->duration_ms = -1;
	return 0;
}

void report_problem(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->problem, sizeof r->problem, fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence that a lead byte starts (1..4), 0 for a byte no sequence
 * starts with. Whether the sequence is valid is utf8_valid's call (core/buf.c). */
static size_t lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

static bool is_control(const unsigned char *s, size_t k)
{
	if (k == 1)
		return (s[0] < 0x20 && s[0] != '\n' && s[0] != '\t') || s[0] == 0x7f;
	return k == 2 && s[0] == 0xc2 && s[1] < 0xa0; /* C1: U+0080..U+009F */
}

void report_text_add(char *dst, size_t cap, const void *p, size_t n)
{
	static const unsigned char repl[] = { 0xef, 0xbf, 0xbd };
	const unsigned char *s = p;
	size_t len = strlen(dst), i = 0;

	while (i < n) {
		size_t k = lead_len(s[i]);
		const unsigned char *c = s + i;

		if (k == 0 || k > n - i || !utf8_valid(s + i, k)) {
			c = repl;
			k = 3;
			i++;
		} else {
			i += k;
			if (is_control(c, k))
				continue;
		}
		if (len + k >= cap)
			break;
		memcpy(dst + len, c, k);
		len += k;
	}
	dst[len] = '\0';
}

size_t report_utf8(unsigned long cp, unsigned char *out)
{
	if ((cp < 0x20 && cp != 0x9 && cp != 0xa && cp != 0xd) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff || cp > 0x10ffff)
		return 0;
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

void report_text_set(char *dst, size_t cap, const void *p, size_t n)
{
	dst[0] = '\0';
	report_text_add(dst, cap, p, n);
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void report_text_trim(char *s)
{
	size_t n = strlen(s), start = 0;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (start < n && is_space((unsigned char)s[start]))
		start++;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

int report_digit(unsigned char c, int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

	return d < base ? d : -1;
}

long report_ms(double ms)
{
	if (!(ms >= 0) || ms > 1e12)
		return -1;
	return (long)(ms + 0.5);
}

bool report_number(const unsigned char *p, size_t n, double *v)
{
	char buf[64], *end;

	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!(buf[i] >= '0' && buf[i] <= '9') && !strchr("+-.eE", buf[i]))
			return false; /* no "inf", "nan" or hexadecimal */
	*v = strtod(buf, &end);
	return end != buf && *end == '\0' && isfinite(*v);
}

/* libtest: the events of one run, by name. */
struct libtest {
	struct report *r;
	bool started, ended;
	/* Tests started and not yet finished: with --test-threads=1 at most one, but a run on
	 * several threads has one per thread. */
	char pending[32][REPORT_NAME_MAX];
	size_t npending;
};

static void pending_add(struct libtest *lt, const char *name)
{
	if (lt->npending < sizeof lt->pending / sizeof lt->pending[0])
		report_text_set(lt->pending[lt->npending++], REPORT_NAME_MAX, name, strlen(name));
}

static void pending_remove(struct libtest *lt, const char *name)
{
	char clean[REPORT_NAME_MAX];

	report_text_set(clean, sizeof clean, name, strlen(name));
	for (size_t i = 0; i < lt->npending; i++) {
		if (strcmp(lt->pending[i], clean) == 0) {
			memmove(lt->pending[i], lt->pending[i + 1],
				(lt->npending - i - 1) * sizeof lt->pending[0]);
			lt->npending--;
			return;
		}
	}
}

/* A failed test's message from what it printed: its panic, from "panicked at" to the
 * end, without the advice about backtraces that follows. Without a panic, all of it. */
static void panic_message(char *dst, size_t cap, const char *out)
{
	const char *at = strstr(out, "' panicked at ");
	const char *end;

	if (at == NULL) {
		report_text_set(dst, cap, out, strlen(out));
		report_text_trim(dst);
		return;
	}
	at += 2;
	end = at + strlen(at);
	for (const char *cut = at; (cut = strchr(cut, '\n')) != NULL; cut++) {
		if (strncmp(cut + 1, "note: ", 6) == 0 || strncmp(cut + 1, "stack backtrace:", 16) == 0) {
			end = cut;
			break;
		}
	}
	report_text_set(dst, cap, at, (size_t)(end - at));
	report_text_trim(dst);
}

static int libtest_result(struct libtest *lt, json_t *ev, const char *name, const char *event)
{
	const char *out = NULL, *msg = NULL;
	double secs = -1;
	struct report_test *t;
	enum report_verdict v;
	int rc;

	if (strcmp(event, "ok") == 0)
		v = RV_PASSED;
	else if (strcmp(event, "failed") == 0)
		v = RV_FAILED;
	else if (strcmp(event, "ignored") == 0)
		v = RV_SKIPPED;
	else
		return 0; /* "started" is pending_add's; "timeout" is only a warning */
	pending_remove(lt, name);
	/* Not strict: each Rust release may add a field. */
	json_unpack(ev, "{s?s, s?s, s?F}", "stdout", &out, "message", &msg, "exec_time", &secs);
	if ((rc = report_add(lt->r, &t)) != 0)
		return rc > 0 ? 0 : rc;
	report_text_set(t->name, sizeof t->name, name, strlen(name));
	t->verdict = v;
	if (msg != NULL)
		report_text_set(t->message, sizeof t->message, msg, strlen(msg));
	else if (out != NULL && v == RV_FAILED)
		panic_message(t->message, sizeof t->message, out);
	if (secs >= 0)
		t->duration_ms = report_ms(secs * 1000);
	return 0;
}

static int libtest_event(struct libtest *lt, json_t *ev)
{
	const char *type = NULL, *event = NULL, *name = NULL;
	json_int_t count = -1;

	if (json_unpack(ev, "{s:s, s:s, s?s, s?I}", "type", &type, "event", &event, "name", &name,
			"test_count", &count) != 0)
		return 0;
	if (strcmp(type, "suite") == 0) {
		if (strcmp(event, "started") == 0) {
			lt->started = true;
			lt->r->planned = count >= 0 && count <= 1000000 ? (int)count : -1;
		} else if (strcmp(event, "ok") == 0 || strcmp(event, "failed") == 0) {
			lt->ended = true;
		}
		return 0;
	}
	if (strcmp(type, "test") != 0 || name == NULL)
		return 0; /* benchmarks */
	lt->started = true;
	if (strcmp(event, "started") == 0) {
		pending_add(lt, name);
		return 0;
	}
	return libtest_result(lt, ev, name, event);
}

/* The tests that started and never finished: the program died during them. */
static int libtest_unfinished(struct libtest *lt)
{
	for (size_t i = 0; i < lt->npending; i++) {
		struct report_test *t;
		int rc = report_add(lt->r, &t);

		if (rc != 0)
			return rc > 0 ? 0 : rc;
		memcpy(t->name, lt->pending[i], sizeof t->name);
		t->verdict = RV_ERROR;
		snprintf(t->message, sizeof t->message,
			 "The test did not finish: the test program stopped while it ran "
			 "(a crash, an abort or a time limit).");
	}
	return 0;
}

static int parse_libtest(const unsigned char *p, size_t n, struct report *r, struct err *e)
{
	struct libtest *lt = calloc(1, sizeof *lt);
	size_t at = 0;
	int rc = 0;

	if (lt == NULL)
		return err_set(e, RC_NOMEM, "libtest report: out of memory");
	lt->r = r;
	while (at < n && rc == 0) {
		const unsigned char *nl = memchr(p + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - p) : n;
		json_t *ev = json_loadb((const char *)p + at, end - at, 0, NULL);

		/* A line that is not JSON is output the harness did not capture (a thread of
		 * the test's own), or the last line cut short. */
		if (json_is_object(ev))
			rc = libtest_event(lt, ev);
		json_decref(ev);
		at = end + 1;
	}
	if (rc == 0 && !lt->started)
		rc = err_set(e, RC_BAD_REQUEST, "The test report is not libtest's JSON: it has no suite or test event.");
	if (rc == 0 && !lt->ended) {
		report_problem(r, "The report ends before the suite's end: the test program stopped early.");
		rc = libtest_unfinished(lt);
	}
	r->complete = lt->ended;
	free(lt);
	if (rc == RC_NOMEM)
		err_set(e, RC_NOMEM, "libtest report: out of memory");
	return rc;
}

int report_parse(enum report_format f, const unsigned char *p, size_t n, struct report *out,
		 struct err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	out->planned = -1;
	switch (f) {
	case REPORT_JUNIT:
		rc = report_parse_junit(p, n, out, e);
		break;
	case REPORT_TAP:
		rc = report_parse_tap(p, n, out, e);
		break;
	case REPORT_LIBTEST:
		rc = parse_libtest(p, n, out, e);
		break;
	default:
		rc = err_set(e, RC_BAD_REQUEST, "Unknown report format.");
	}
	if (rc != 0) {
		report_release(out);
		return -1;
	}
	if (out->problem[0] != '\0')
		out->complete = false; /* more than REPORT_MAX_TESTS, or a problem after the end */
	else if (!out->complete)
		report_problem(out, "The report ends before its end: it was cut short.");
	return 0;
}

void report_release(struct report *r)
{
	free(r->tests);
	memset(r, 0, sizeof *r);
	r->planned = -1;
}
