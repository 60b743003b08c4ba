/* report_tap: TAP 13 and 14 (node --test's tap reporter, images/gcc/runbox_test.h), line
 * by line. Of a YAML block only three top-level keys matter (error, message, duration_ms),
 * so this reads YAML's scalars (plain, quoted, literal and folded blocks) and skips the
 * rest; it is no YAML parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_int.h"

#define TAP_DEPTH 16 /* subtest levels told apart; deeper ones count as the deepest */

/* The YAML key being read and the lines of its value. */
struct yaml_key {
	int which;        /* 0 a key not wanted, 1 error, 2 message, 3 duration_ms */
	char value[4096]; /* the rest of the key's line, then each further line after a '\n' */
	size_t len;
};

struct tap {
	struct report *r;
	bool seen;       /* a version, a plan or a result: this is TAP */
	long plan, top;  /* the top-level plan (-1 none) and top-level results */
	bool bailed;
	size_t mark[TAP_DEPTH]; /* per depth: where the results since the last one at it begin */
	int result_indent;      /* of the result on the line before; -1 when that was none */
	int yaml_indent;        /* of the "---" of the block being read; -1 outside one */
	long target;            /* the test that block belongs to; -1 for none */
	bool have_error;        /* the block had an "error" key ("message" gives way to it) */
	struct yaml_key key;
	long diag_target;       /* the failed test whose diagnostics may follow; -1 for none */
	int diag_indent;        /* that test's result line's indent */
};

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static size_t indent_of(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* The lines of v[0..n), each with `strip` leading spaces taken off (or all it has, when
 * fewer), joined by sep: '\n' keeps the lines, ' ' folds them as YAML does. */
static void join_lines(char *out, size_t cap, const char *v, size_t n, size_t strip, char sep)
{
	size_t o = 0;
	bool first = true, after_blank = false;

	for (size_t at = 0; at <= n;) {
		const char *nl = memchr(v + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - v) : n, skip = indent_of(v + at, end - at);
		bool blank = is_blank(v + at, end - at);
		size_t len;

		if (skip > strip)
			skip = strip;
		len = end - at - skip;
		/* Folding: a line break is a space, a blank line is a line break. */
		if (!first && o + 1 < cap && (sep == '\n' || blank || !after_blank))
			out[o++] = blank ? '\n' : sep;
		if (sep == ' ' && blank)
			len = 0;
		after_blank = blank;
		if (o + len >= cap)
			len = cap - o - 1;
		memcpy(out + o, v + at + skip, len);
		o += len;
		first = false;
		at = end + 1;
	}
	out[o] = '\0';
}

/* A literal (|) or folded (>) block: the lines after the key, less the indentation of the
 * first that is not blank. */
static void block_scalar(char *out, size_t cap, const char *v, size_t n, bool folded)
{
	const char *nl = memchr(v, '\n', n);
	size_t at = nl ? (size_t)(nl - v) + 1 : n, strip = 0;

	for (size_t i = at; i < n;) {
		const char *e = memchr(v + i, '\n', n - i);
		size_t end = e ? (size_t)(e - v) : n;

		if (!is_blank(v + i, end - i)) {
			strip = indent_of(v + i, end - i);
			break;
		}
		i = end + 1;
	}
	join_lines(out, cap, v + at, n - at, strip, folded ? ' ' : '\n');
}

/* One escape of a double-quoted scalar at s (after the '\'), into out; its length. */
static size_t yaml_escape(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
	static const char from[] = "0abtnvfre \"/\\", to[] = "\0\a\b\t\n\v\f\r\x1b \"/\\";
	const char *hit = n > 0 && s[0] != '\0' ? memchr(from, s[0], sizeof from - 1) : NULL;
	size_t digits = 0;
	unsigned long cp = 0;

	*outlen = 0;
	if (hit != NULL) {
		out[0] = (unsigned char)to[hit - from];
		*outlen = out[0] != '\0';
		return 1;
	}
	if (n > 0 && (s[0] == 'x' || s[0] == 'u' || s[0] == 'U'))
		digits = s[0] == 'x' ? 2 : s[0] == 'u' ? 4 : 8;
	if (digits == 0 || n < digits + 1)
		return n > 0; /* unknown: dropped */
	for (size_t i = 1; i <= digits; i++) {
		int d = report_digit((unsigned char)s[i], 16);

		if (d < 0)
			return 1;
		cp = cp * 16 + (unsigned long)d;
	}
	*outlen = report_utf8(cp, out);
	return digits + 1;
}

/* A quoted scalar whose lines are folded into v[0..n): up to its closing quote. */
static void quoted(char *out, size_t cap, const char *v, size_t n)
{
	char q = v[0];
	size_t o = 0;

	for (size_t i = 1; i < n && o + 4 < cap;) {
		unsigned char buf[4];
		size_t len = 1;

		if (v[i] == q && q == '\'' && i + 1 < n && v[i + 1] == '\'') {
			buf[0] = '\'';
			i += 2;
		} else if (v[i] == q) {
			break;
		} else if (v[i] == '\\' && q == '"') {
			i += 1 + yaml_escape(v + i + 1, n - i - 1, buf, &len);
		} else {
			buf[0] = (unsigned char)v[i++];
		}
		memcpy(out + o, buf, len);
		o += len;
	}
	out[o] = '\0';
}

/* The key's value as text into out. */
static void yaml_value(const struct yaml_key *k, char *out, size_t cap)
{
	const char *v = k->value;
	size_t n = k->len, head = 0;

	while (head < n && v[head] == ' ')
		head++;
	if (head < n && (v[head] == '|' || v[head] == '>')) {
		block_scalar(out, cap, v, n, v[head] == '>');
		return;
	}
	if (head < n && (v[head] == '"' || v[head] == '\'')) {
		char folded[sizeof k->value];

		join_lines(folded, sizeof folded, v + head, n - head, (size_t)-1, ' ');
		quoted(out, cap, folded, strlen(folded));
		return;
	}
	join_lines(out, cap, v + head, n - head, (size_t)-1, ' ');
}

/* The key just read, into the test its block belongs to. */
static void yaml_done(struct tap *t)
{
	struct yaml_key *k = &t->key;
	struct report_test *test;
	char text[4096];
	double ms;

	if (k->which == 0 || t->target < 0)
		goto out;
	test = &t->r->tests[t->target];
	yaml_value(k, text, sizeof text);
	if (k->which == 3) {
		if (report_number((const unsigned char *)text, strlen(text), &ms))
			test->duration_ms = report_ms(ms);
	} else if (test->verdict == RV_FAILED && (k->which == 1 || !t->have_error)) {
		report_text_set(test->message, sizeof test->message, text, strlen(text));
		report_text_trim(test->message);
		t->have_error |= k->which == 1;
	}
out:
	k->which = 0;
	k->len = 0;
}

static void key_add(struct yaml_key *k, const char *s, size_t n, bool newline)
{
	if (newline && k->len + 1 < sizeof k->value)
		k->value[k->len++] = '\n';
	if (n > sizeof k->value - 1 - k->len)
		n = sizeof k->value - 1 - k->len;
	memcpy(k->value + k->len, s, n);
	k->len += n;
}

/* A line inside a YAML block: a new top-level key, more of the last one, or the end.
 * Returns false when the line is not the block's (less indented: the block was cut). */
static bool yaml_line(struct tap *t, const char *s, size_t n)
{
	size_t ind = indent_of(s, n), k = ind;
	static const char *const wanted[] = { "error", "message", "duration_ms" };

	if (ind < (size_t)t->yaml_indent && !is_blank(s, n)) {
		yaml_done(t);
		t->yaml_indent = -1;
		return false;
	}
	if (ind == (size_t)t->yaml_indent && n - ind == 3 && memcmp(s + ind, "...", 3) == 0) {
		yaml_done(t);
		t->yaml_indent = -1;
		return true;
	}
	while (k < n && (s[k] == '_' || (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')))
		k++;
	if (ind != (size_t)t->yaml_indent || k == ind || k >= n || s[k] != ':' ||
	    (k + 1 < n && s[k + 1] != ' ')) {
		if (t->key.which != 0)
			key_add(&t->key, s, n, true);
		return true;
	}
	yaml_done(t);
	for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
		if (k - ind == strlen(wanted[w]) && memcmp(s + ind, wanted[w], k - ind) == 0)
			t->key.which = (int)w + 1;
	key_add(&t->key, s + k + 1, n - k - 1, false);
	return true;
}

/* The description of a result line without its directive, unescaped (TAP 14's "\#" and
 * "\\"); *dir and *reason get the directive ('S' skip, 'T' todo, 0 none) and its text. */
static void description(const char *s, size_t n, char *desc, size_t cap, int *dir,
			const char **reason, size_t *rlen)
{
	size_t o = 0, i = 0;

	*dir = 0;
	*reason = "";
	*rlen = 0;
	if (n >= 1 && s[0] == '-' && (n == 1 || s[1] == ' '))
		i = n == 1 ? 1 : 2;
	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '#' || s[i + 1] == '\\')) {
			i++;
		} else if (s[i] == '#') {
			size_t d = i + 1;

			while (d < n && s[d] == ' ')
				d++;
			if (n - d >= 4 && (strncasecmp(s + d, "skip", 4) == 0 || strncasecmp(s + d, "todo", 4) == 0)) {
				*dir = (s[d] == 's' || s[d] == 'S') ? 'S' : 'T';
				for (d += 4; d < n && s[d] != ' '; d++)
					; /* "SKIPPED", "skipping" */
				while (d < n && s[d] == ' ')
					d++;
				*reason = s + d;
				*rlen = n - d;
			}
			break;
		}
		if (o + 1 < cap)
			desc[o++] = s[i];
	}
	desc[o] = '\0';
}

/* "parent > " before the names of tests[from..) : they are the parent's subtests. */
static bool adopt(struct tap *t, size_t from, const char *parent)
{
	bool failed = false;

	for (size_t i = from; i < t->r->ntests; i++) {
		struct report_test *c = &t->r->tests[i];
		char name[REPORT_NAME_MAX];

		report_text_set(name, sizeof name, parent, strlen(parent));
		report_text_add(name, sizeof name, " > ", 3);
		report_text_add(name, sizeof name, c->name, strlen(c->name));
		memcpy(c->name, name, sizeof name);
		failed |= c->verdict == RV_FAILED || c->verdict == RV_ERROR;
	}
	return failed;
}

/* A result line ("ok 3 - name # SKIP why") at the given depth. */
static int result(struct tap *t, size_t depth, bool ok, const char *s, size_t n)
{
	char raw[REPORT_NAME_MAX * 2], desc[REPORT_NAME_MAX];
	const char *reason;
	size_t rlen, from = t->mark[depth];
	struct report_test *test;
	int dir, rc;
	long number = -1;
	bool leaf = true;

	for (; n > 0 && s[0] >= '0' && s[0] <= '9'; s++, n--)
		number = (number < 0 ? 0 : number < 100000000 ? number * 10 : number) + (s[0] - '0');
	while (n > 0 && s[0] == ' ')
		s++, n--;
	description(s, n, raw, sizeof raw, &dir, &reason, &rlen);
	report_text_set(desc, sizeof desc, raw, strlen(raw));
	report_text_trim(desc);
	if (desc[0] == '\0') /* "ok 3": the number is all the name it has */
		snprintf(desc, sizeof desc, "test %ld", number >= 0 ? number : (long)t->r->ntests + 1);
	t->top += depth == 0;
	t->target = -1;
	/* A parent is a test of its own only when it failed and none of its subtests did
	 * (a hook failed): else its result only sums theirs up. */
	if (t->r->ntests > from)
		leaf = adopt(t, from, desc) ? false : !ok && dir != 'T';
	if (leaf && (rc = report_add(t->r, &test)) == 0) {
		t->target = (long)(test - t->r->tests);
		report_text_set(test->name, sizeof test->name, desc, strlen(desc));
		test->verdict = dir == 'S' || (dir == 'T' && !ok) ? RV_SKIPPED : ok ? RV_PASSED : RV_FAILED;
		if (dir == 'T' && !ok)
			report_text_set(test->message, sizeof test->message, rlen ? "TODO: " : "TODO", rlen ? 6 : 4);
		if (dir == 'S' || (dir == 'T' && !ok))
			report_text_add(test->message, sizeof test->message, reason, rlen);
		report_text_trim(test->message);
	} else if (leaf && rc < 0) {
		return rc;
	}
	if (t->target >= 0 && t->r->tests[t->target].verdict == RV_FAILED)
		t->diag_target = t->target;
	for (size_t d = depth; d < TAP_DEPTH; d++)
		t->mark[d] = t->r->ntests;
	return 0;
}

/* A comment line ("# text") right after a failed test's result, or after more of them: a
 * diagnostic, as Test::More and bats write the reason a test failed ("#   Failed test
 * 'ten'", "#          got: '6000'"). They become the test's message, one line each, unless a
 * YAML block gives one. "# Subtest: name" starts the next test instead, and Test::More's
 * summary ("# Looks like you failed 1 test of 3.") belongs to no test. */
static void diagnostic(struct tap *t, const char *c, size_t cn)
{
	struct report_test *test = &t->r->tests[t->diag_target];

	c++, cn--;
	if (cn > 0 && c[0] == ' ')
		c++, cn--;
	if (cn >= 8 && memcmp(c, "Subtest:", 8) == 0) {
		t->diag_target = -1;
		return;
	}
	if (cn >= 14 && memcmp(c, "Looks like you", 14) == 0)
		return;
	if (test->message[0] != '\0')
		report_text_add(test->message, sizeof test->message, "\n", 1);
	report_text_add(test->message, sizeof test->message, c, cn);
	report_text_trim(test->message);
}

/* "1..N" (with an optional "# reason"): the plan, when at the top level. */
static bool plan_line(struct tap *t, size_t ind, const char *s, size_t n)
{
	long v = 0;
	size_t i = 3;

	if (n < 4 || memcmp(s, "1..", 3) != 0 || s[3] < '0' || s[3] > '9')
		return false;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v < 10000000 ? v * 10 + (s[i] - '0') : v;
	if (i < n && s[i] != ' ' && s[i] != '#')
		return false;
	t->seen = true;
	if (ind == 0 && t->plan < 0)
		t->plan = v;
	return true;
}

/* One line of the report, without its line ending. */
static int line(struct tap *t, const char *s, size_t n)
{
	size_t ind = indent_of(s, n), depth = ind / 4 < TAP_DEPTH ? ind / 4 : TAP_DEPTH - 1;
	const char *c = s + ind;
	size_t cn = n - ind;
	int prev = t->result_indent;

	t->result_indent = -1;
	if (t->yaml_indent >= 0 && yaml_line(t, s, n))
		return 0;
	if (t->diag_target >= 0 && cn > 0 && c[0] == '#' && (int)ind >= t->diag_indent) {
		diagnostic(t, c, cn);
		return 0;
	}
	t->diag_target = -1;
	if (prev >= 0 && (int)ind == prev + 2 && cn == 3 && memcmp(c, "---", 3) == 0) {
		t->yaml_indent = (int)ind;
		t->have_error = false;
		return 0;
	}
	if (cn >= 9 && memcmp(c, "Bail out!", 9) == 0) {
		char why[200];

		report_text_set(why, sizeof why, c, cn);
		report_problem(t->r, "The tests stopped: %s", why);
		t->bailed = t->seen = true;
		return 0;
	}
	if (cn >= 12 && memcmp(c, "TAP version ", 12) == 0) {
		t->seen = true;
		return 0;
	}
	if (plan_line(t, ind, c, cn))
		return 0;
	if ((cn >= 2 && memcmp(c, "ok", 2) == 0 && (cn == 2 || c[2] == ' ')) ||
	    (cn >= 6 && memcmp(c, "not ok", 6) == 0 && (cn == 6 || c[6] == ' '))) {
		bool ok = c[0] == 'o';
		size_t skip = ok ? 2 : 6;

		t->seen = true;
		t->result_indent = t->diag_indent = (int)ind;
		while (skip < cn && c[skip] == ' ')
			skip++;
		return result(t, depth, ok, c + skip, cn - skip);
	}
	return 0; /* a comment, a pragma, or not TAP: TAP says to pass over it */
}

int report_parse_tap(const unsigned char *p, size_t n, struct report *r, struct err *e)
{
	struct tap *t = calloc(1, sizeof *t);
	size_t at = 0;
	int rc = 0;

	if (t == NULL)
		return err_set(e, RC_NOMEM, "TAP report: out of memory");
	t->r = r;
	t->plan = -1;
	t->result_indent = t->yaml_indent = -1;
	t->target = t->diag_target = -1;
	while (at < n && rc == 0 && !t->bailed) {
		const unsigned char *nl = memchr(p + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - p) : n, len = end - at;

		if (len > 0 && p[end - 1] == '\r')
			len--;
		rc = line(t, (const char *)p + at, len);
		at = end + 1;
	}
	if (t->yaml_indent >= 0) {
		yaml_done(t);
		report_problem(r, "The report stops in the middle of a test's YAML block: it was cut short.");
	}
	if (rc == 0 && !t->seen)
		rc = err_set(e, RC_BAD_REQUEST, "The test report is not TAP: it has no plan and no ok or not ok line.");
	else if (rc != 0)
		err_set(e, rc, "TAP report: out of memory");
	if (t->plan < 0)
		report_problem(r, "The report has no plan (1..N): it was cut short.");
	else if (t->top < t->plan)
		report_problem(r, "The report stops after %ld of the %ld tests its plan announced.", t->top, t->plan);
	else if (t->top > t->plan)
		report_problem(r, "The report has %ld tests where its plan announced %ld.", t->top, t->plan);
	r->planned = t->plan >= 0 && t->plan <= 1000000 ? (int)t->plan : -1;
	r->complete = t->plan >= 0 && t->plan == t->top && !t->bailed;
	free(t);
	return rc;
}
