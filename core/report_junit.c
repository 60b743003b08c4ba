/* report_junit: JUnit XML (pytest, JUnit 5's console launcher, PHPUnit, busted) and NUnit
 * 2's XML (nunit-console), through a small XML tokenizer of its own. No XML library: the
 * report is untrusted bytes, and all it needs is elements, attributes, the five entities
 * and character references, comments, processing instructions and CDATA. A DOCTYPE with
 * an internal subset (where entities would be declared) is refused, so no entity ever
 * expands to more than a character. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

enum xtok { X_EOF, X_OPEN, X_EMPTY, X_CLOSE, X_TEXT, X_ERROR };

/* A cursor over the document and the last token read. Spans point into the input. */
struct xml {
	const unsigned char *p;
	size_t n, at;
	const unsigned char *name, *attrs, *text;
	size_t name_len, attrs_len, text_len;
	bool cdata;
	bool cut;          /* X_EOF inside a tag, comment or CDATA section */
	const char *error; /* X_ERROR: what is wrong, at error_at */
	size_t error_at;
};

static enum xtok xml_fail(struct xml *x, size_t at, const char *what)
{
	x->error = what;
	x->error_at = at;
	return X_ERROR;
}

static enum xtok xml_cut(struct xml *x)
{
	x->cut = true;
	x->at = x->n;
	return X_EOF;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ASCII letters, '_' and ':', and any byte of a non-ASCII character. */
static bool name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static size_t name_end(const struct xml *x, size_t i)
{
	while (i < x->n && name_char(x->p[i]))
		i++;
	return i;
}

/* Where s starts at or after from, or x->n. */
static size_t find(const struct xml *x, size_t from, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = from; i + k <= x->n; i++)
		if (x->p[i] == (unsigned char)s[0] && memcmp(x->p + i, s, k) == 0)
			return i;
	return x->n;
}

/* 1 when the input at x->at starts with s, 0 when it does not, -1 when it ends before
 * telling. */
static int starts(const struct xml *x, const char *s)
{
	size_t k = strlen(s), have = x->n - x->at;

	if (memcmp(x->p + x->at, s, have < k ? have : k) != 0)
		return 0;
	return have < k ? -1 : 1;
}

/* The reference at p[0] == '&' into out (up to 4 bytes, *outlen); its length up to the
 * ';', or 0 when it is not one of XML's. */
static size_t entity(const unsigned char *p, size_t n, unsigned char *out, size_t *outlen)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	unsigned long cp = 0;
	size_t i = 2, digits = 0;
	bool hex;

	for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
		size_t len = strlen(named[k].name);

		if (n >= len && memcmp(p, named[k].name, len) == 0) {
			out[0] = (unsigned char)named[k].c;
			*outlen = 1;
			return len;
		}
	}
	if (n < 3 || p[1] != '#')
		return 0;
	hex = p[2] == 'x';
	i += hex;
	for (; i < n && p[i] != ';' && digits < 8; i++, digits++) {
		int d = report_digit(p[i], hex ? 16 : 10);

		if (d < 0)
			return 0;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (digits == 0 || i >= n || p[i] != ';')
		return 0;
	*outlen = report_utf8(cp, out);
	return *outlen ? i + 1 : 0;
}

/* p[0..n) with its references replaced, into out[0..cap) (NUL-terminated, cut at the cap;
 * out may be NULL to check only). In an attribute a literal tab or line break is a space;
 * in text CRLF and CR are LF (XML's normalisation). Returns false for a bad reference or a
 * bare '&'. */
static bool decode(const unsigned char *p, size_t n, bool attr, char *out, size_t cap)
{
	size_t o = 0;
	bool full = out == NULL;

	for (size_t i = 0; i < n;) {
		unsigned char buf[4], c = p[i];
		size_t len = 1, k;
		const unsigned char *piece = buf;

		if (c == '&') {
			if ((k = entity(p + i, n - i, buf, &len)) == 0)
				return false;
			i += k;
		} else if (c == '\r' || (attr && (c == '\n' || c == '\t'))) {
			buf[0] = attr ? ' ' : '\n';
			i += !attr && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		} else {
			piece = p + i++;
		}
		if (!full && o + len < cap) {
			memcpy(out + o, piece, len);
			o += len;
		} else {
			full = true; /* nothing after the first piece that did not fit */
		}
	}
	if (out != NULL && cap > 0)
		out[o] = '\0';
	return true;
}

static enum xtok xml_text(struct xml *x)
{
	size_t start = x->at, end = find(x, start, "<");

	x->text = x->p + start;
	x->text_len = end - start;
	x->cdata = false;
	x->at = end;
	/* Text that runs to the end of the input may stop in the middle of a reference: the
	 * missing end of the document says what is wrong there. */
	if (end < x->n && !decode(x->text, x->text_len, false, NULL, 0))
		return xml_fail(x, start, "a '&' that starts no XML entity");
	return X_TEXT;
}

/* The attributes of a start tag, from after its name; each one checked here once so that
 * xml_attr can read them without checking again. */
static enum xtok xml_attrs(struct xml *x, size_t i)
{
	size_t start = i;

	for (;;) {
		size_t ws = i, q;

		while (i < x->n && is_ws(x->p[i]))
			i++;
		if (i >= x->n)
			return xml_cut(x);
		if (x->p[i] == '>' || x->p[i] == '/') {
			bool empty = x->p[i] == '/';

			if (empty && i + 1 >= x->n)
				return xml_cut(x);
			if (empty && x->p[i + 1] != '>')
				return xml_fail(x, i, "a '/' in a tag that does not end it");
			x->attrs = x->p + start;
			x->attrs_len = i - start;
			x->at = i + 1 + empty;
			return empty ? X_EMPTY : X_OPEN;
		}
		if (ws == i || !name_start(x->p[i]))
			return xml_fail(x, i, "a malformed attribute");
		i = name_end(x, i);
		while (i < x->n && is_ws(x->p[i]))
			i++;
		if (i >= x->n)
			return xml_cut(x);
		if (x->p[i] != '=')
			return xml_fail(x, i, "an attribute without '='");
		for (i++; i < x->n && is_ws(x->p[i]); i++)
			;
		if (i >= x->n)
			return xml_cut(x);
		if (x->p[i] != '"' && x->p[i] != '\'')
			return xml_fail(x, i, "an attribute value without quotes");
		q = i + 1;
		while (q < x->n && x->p[q] != x->p[i])
			q++;
		if (q >= x->n)
			return xml_cut(x);
		if (memchr(x->p + i + 1, '<', q - i - 1) != NULL ||
		    !decode(x->p + i + 1, q - i - 1, true, NULL, 0))
			return xml_fail(x, i, "an attribute value with a '<' or a bad '&'");
		i = q + 1;
	}
}

static enum xtok xml_tag(struct xml *x)
{
	size_t i = x->at + 1 + (x->p[x->at + 1] == '/');
	bool close = i == x->at + 2;

	if (i >= x->n)
		return xml_cut(x);
	if (!name_start(x->p[i]))
		return xml_fail(x, x->at, "a '<' that starts no tag");
	x->name = x->p + i;
	i = name_end(x, i);
	x->name_len = (size_t)(x->p + i - x->name);
	if (!close)
		return xml_attrs(x, i);
	while (i < x->n && is_ws(x->p[i]))
		i++;
	if (i >= x->n)
		return xml_cut(x);
	if (x->p[i] != '>')
		return xml_fail(x, i, "an end tag that does not end with '>'");
	x->at = i + 1;
	return X_CLOSE;
}

/* Skips what needs no token (a comment, a processing instruction, a DOCTYPE without an
 * internal subset): 1 when it did, 0 when x->at starts none, or the token (end, error)
 * to return. */
static int xml_skip(struct xml *x, enum xtok *tok)
{
	static const struct { const char *open, *close; } skip[] = {
		{ "<!--", "-->" }, { "<?", "?>" }, { "<!DOCTYPE", ">" },
	};

	for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++) {
		int s = starts(x, skip[k].open);
		size_t end;

		if (s < 0) {
			*tok = xml_cut(x);
			return -1;
		}
		if (s == 0)
			continue;
		end = find(x, x->at + strlen(skip[k].open), skip[k].close);
		if (end >= x->n) {
			*tok = xml_cut(x);
			return -1;
		}
		if (k == 2 && memchr(x->p + x->at, '[', end - x->at) != NULL) {
			*tok = xml_fail(x, x->at, "a DOCTYPE that declares entities");
			return -1;
		}
		x->at = end + strlen(skip[k].close);
		return 1;
	}
	return 0;
}

static enum xtok xml_next(struct xml *x)
{
	for (;;) {
		enum xtok tok = X_EOF;
		int s;

		if (x->at >= x->n)
			return X_EOF;
		if (x->p[x->at] != '<')
			return xml_text(x);
		if ((s = xml_skip(x, &tok)) < 0)
			return tok;
		if (s > 0)
			continue;
		if ((s = starts(x, "<![CDATA[")) < 0)
			return xml_cut(x);
		if (s > 0) {
			size_t start = x->at + 9, end = find(x, start, "]]>");

			if (end >= x->n)
				return xml_cut(x);
			x->text = x->p + start;
			x->text_len = end - start;
			x->cdata = true;
			x->at = end + 3;
			return X_TEXT;
		}
		if (x->at + 1 >= x->n)
			return xml_cut(x);
		if (x->p[x->at + 1] == '!')
			return xml_fail(x, x->at, "markup that is not XML's");
		return xml_tag(x);
	}
}

/* The value of attribute want of the last start tag into out (decoded, NUL-terminated);
 * false when the tag has none. */
static bool xml_attr(const struct xml *x, const char *want, char *out, size_t cap)
{
	const unsigned char *p = x->attrs, *end = x->attrs + x->attrs_len;
	size_t k = strlen(want);

	while (p < end) {
		const unsigned char *name, *v;
		unsigned char q;
		bool match;

		while (p < end && is_ws(*p))
			p++;
		if (p >= end)
			break;
		for (name = p; p < end && *p != '='; p++)
			;
		while (p > name && is_ws(p[-1]))
			p--;
		match = (size_t)(p - name) == k && memcmp(name, want, k) == 0;
		while (*p != '"' && *p != '\'')
			p++;
		q = *p++;
		for (v = p; *p != q; p++)
			;
		if (match)
			return decode(v, (size_t)(p - v), true, out, cap);
		p++;
	}
	return false;
}

static bool name_is(const unsigned char *name, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(name, s, len) == 0;
}

/* NUnit 2's XML (<test-results>, nested <test-suite>s each with its <results>, <test-case>
 * with a result attribute, its <failure> or <reason> holding a <message>) is read by the
 * same walk: K_RESULTS and K_MESSAGE are its. */
enum kind { K_OTHER, K_SUITES, K_SUITE, K_RESULTS, K_CASE, K_RESULT, K_MESSAGE };

struct junit {
	struct xml x;
	struct report *r;
	struct {
		const unsigned char *name;
		size_t len;
		enum kind kind;
	} stack[64];
	int depth;
	bool root_seen, root_closed, root_suites;
	bool nunit;                  /* the root is NUnit's <test-results> */
	enum report_verdict nverdict; /* the NUnit test's result attribute, */
	char nresult[32];             /* as NUnit wrote it */
	long cur;        /* index of the <testcase> being read; -1 outside one or when full */
	bool want_text;  /* its <failure>, <error> or <skipped> had no message attribute */
	char text[4096]; /* that element's text so far */
	/* The plan: the root's "tests", else (for a <testsuites>) the sum of its suites' (-1
	 * when one has none). */
	long root_tests, suites_tests;
};

/* The "tests" attribute of the last start tag; -1 without one. */
static long tests_attr(const struct xml *x)
{
	char v[32];
	double d;

	if (!xml_attr(x, "tests", v, sizeof v) ||
	    !report_number((const unsigned char *)v, strlen(v), &d) || d < 0 || d > 1e6)
		return -1;
	return (long)d;
}

/* NUnit names a test by its class ("Tests.FibTests.Ten", "FibTests.Fib(10)"): the class is
 * what comes before the last dot outside the parameters. Its verdict is its result
 * attribute, taken when its <failure> or <reason> opens (with their message) or when it
 * closes without one. */
static void nunit_case(struct junit *j, struct report_test *t, char *v, size_t cap)
{
	char *paren, *dot = NULL;

	if (xml_attr(&j->x, "name", v, cap)) {
		paren = strchr(v, '(');
		for (char *c = v; *c != '\0' && (paren == NULL || c < paren); c++)
			if (*c == '.')
				dot = c;
		if (dot != NULL) {
			report_text_set(t->classname, sizeof t->classname, v, (size_t)(dot - v));
			report_text_set(t->name, sizeof t->name, dot + 1, strlen(dot + 1));
		}
	}
	/* A result this does not know (or none) is no pass. */
	j->nverdict = RV_ERROR;
	j->nresult[0] = '\0';
	if (xml_attr(&j->x, "result", v, cap)) {
		report_text_set(j->nresult, sizeof j->nresult, v, strlen(v));
		if (strcmp(v, "Success") == 0)
			j->nverdict = RV_PASSED;
		else if (strcmp(v, "Failure") == 0)
			j->nverdict = RV_FAILED;
		else if (strcmp(v, "Ignored") == 0 || strcmp(v, "Skipped") == 0 || strcmp(v, "Inconclusive") == 0)
			j->nverdict = RV_SKIPPED;
	}
}

static int open_case(struct junit *j)
{
	char v[4 * REPORT_NAME_MAX];
	struct report_test *t;
	double secs;
	int rc = report_add(j->r, &t);

	j->cur = -1;
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	j->cur = (long)(t - j->r->tests);
	if (xml_attr(&j->x, "name", v, sizeof v))
		report_text_set(t->name, sizeof t->name, v, strlen(v));
	if (xml_attr(&j->x, "classname", v, sizeof v))
		report_text_set(t->classname, sizeof t->classname, v, strlen(v));
	if (j->nunit)
		nunit_case(j, t, v, sizeof v);
	if (xml_attr(&j->x, "time", v, sizeof v) &&
	    report_number((const unsigned char *)v, strlen(v), &secs))
		t->duration_ms = report_ms(secs * 1000);
	return 0;
}

/* <failure>, <error> or <skipped> in the current test. The first failure or error is the
 * verdict; a skip gives way to either. */
static void open_result(struct junit *j, enum report_verdict v)
{
	struct report_test *t;
	char type[REPORT_NAME_MAX];

	if (j->cur < 0)
		return;
	t = &j->r->tests[j->cur];
	if (t->verdict == RV_FAILED || t->verdict == RV_ERROR || t->verdict == v)
		return;
	t->verdict = v;
	t->message[0] = '\0';
	if (xml_attr(&j->x, "message", j->text, sizeof j->text)) {
		report_text_set(t->message, sizeof t->message, j->text, strlen(j->text));
		report_text_trim(t->message);
	}
	j->want_text = t->message[0] == '\0';
	j->text[0] = '\0';
	/* An error's type is half of what it says ("NullPointerException: ..."). */
	if (v == RV_ERROR && !j->want_text && xml_attr(&j->x, "type", type, sizeof type) &&
	    type[0] != '\0' && strncmp(t->message, type, strlen(type)) != 0) {
		char both[REPORT_MESSAGE_MAX];

		report_text_set(both, sizeof both, type, strlen(type));
		report_text_add(both, sizeof both, ": ", 2);
		report_text_add(both, sizeof both, t->message, strlen(t->message));
		memcpy(t->message, both, sizeof both);
	}
}

/* What the element just opened is, by its name and where it stands. */
static enum kind kind_of(const struct junit *j)
{
	enum kind parent = j->depth > 0 ? j->stack[j->depth - 1].kind : K_OTHER;
	const unsigned char *name = j->x.name;
	size_t len = j->x.name_len;

	if (j->depth == 0)
		return name_is(name, len, "testsuites") || name_is(name, len, "test-results") ? K_SUITES :
		       name_is(name, len, "testsuite") ? K_SUITE : K_OTHER;
	if (j->nunit) {
		if (name_is(name, len, "test-suite") && (parent == K_SUITES || parent == K_RESULTS))
			return K_SUITE;
		if (name_is(name, len, "results") && parent == K_SUITE)
			return K_RESULTS;
		if (name_is(name, len, "test-case") && parent == K_RESULTS)
			return K_CASE;
		if (parent == K_CASE && (name_is(name, len, "failure") || name_is(name, len, "reason")))
			return K_RESULT;
		return parent == K_RESULT && name_is(name, len, "message") ? K_MESSAGE : K_OTHER;
	}
	if (name_is(name, len, "testsuite") && (parent == K_SUITES || parent == K_SUITE))
		return K_SUITE;
	if (name_is(name, len, "testcase") && parent == K_SUITE)
		return K_CASE;
	if (parent == K_CASE && (name_is(name, len, "failure") || name_is(name, len, "error") ||
				 name_is(name, len, "skipped")))
		return K_RESULT;
	return K_OTHER;
}

static int on_open(struct junit *j, enum kind k)
{
	if (j->depth == 0) {
		j->root_seen = true;
		j->root_suites = k == K_SUITES;
		j->nunit = name_is(j->x.name, j->x.name_len, "test-results");
		j->root_tests = tests_attr(&j->x);
	} else if (k == K_SUITE && j->depth == 1 && j->suites_tests >= 0) {
		long t = tests_attr(&j->x);

		j->suites_tests = t < 0 ? -1 : j->suites_tests + t;
	}
	if (k == K_CASE)
		return open_case(j);
	if (k == K_RESULT && j->nunit && j->nverdict != RV_PASSED)
		open_result(j, j->nverdict);
	else if (k == K_RESULT && !j->nunit)
		open_result(j, j->x.name[0] == 'f' ? RV_FAILED : j->x.name[0] == 'e' ? RV_ERROR : RV_SKIPPED);
	return 0;
}

static void on_close(struct junit *j, enum kind k)
{
	if (k == K_RESULT && j->want_text && j->cur >= 0) {
		struct report_test *t = &j->r->tests[j->cur];

		report_text_set(t->message, sizeof t->message, j->text, strlen(j->text));
		report_text_trim(t->message);
		j->want_text = false;
	}
	if (k == K_CASE && j->nunit && j->cur >= 0 && j->r->tests[j->cur].verdict == RV_PASSED &&
	    j->nverdict != RV_PASSED) {
		struct report_test *t = &j->r->tests[j->cur];

		t->verdict = j->nverdict;
		if (t->verdict == RV_ERROR && t->message[0] == '\0')
			(void)snprintf(t->message, sizeof t->message, "NUnit gives this test no result "
				       "runbox knows (result=\"%s\").", j->nresult);
	}
	if (k == K_CASE)
		j->cur = -1;
	if (j->depth == 0)
		j->root_closed = true;
}

static void on_text(struct junit *j)
{
	size_t len = strlen(j->text), room = sizeof j->text - len;

	if (!j->want_text ||
	    (j->stack[j->depth - 1].kind != K_RESULT && j->stack[j->depth - 1].kind != K_MESSAGE))
		return;
	if (j->x.cdata) {
		size_t n = j->x.text_len < room - 1 ? j->x.text_len : room - 1;

		memcpy(j->text + len, j->x.text, n);
		j->text[len + n] = '\0';
	} else {
		decode(j->x.text, j->x.text_len, false, j->text + len, room);
	}
}

static bool all_ws(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws(p[i]))
			return false;
	return true;
}

/* Stops the walk at a problem: before the root element the input is no JUnit report
 * (-1 with e), after it the tests so far stand and the report is not complete (1). */
static int stop(struct junit *j, size_t at, const char *what, struct err *e)
{
	int line = 1;

	for (size_t i = 0; i < at && i < j->x.n; i++)
		line += j->x.p[i] == '\n';
	if (!j->root_seen)
		return err_set(e, RC_BAD_REQUEST, "The test report is not JUnit XML: line %d: %s.", line, what);
	report_problem(j->r, "The report is broken at line %d: %s.", line, what);
	return 1;
}

static int on_tag(struct junit *j, enum xtok tok, struct err *e)
{
	enum kind k;
	int rc;

	if (j->depth == (int)(sizeof j->stack / sizeof j->stack[0]))
		return stop(j, j->x.at, "elements nested too deeply", e);
	k = kind_of(j);
	if (j->depth == 0 && j->root_closed)
		return stop(j, j->x.at, "an element after the end of the report", e);
	if (j->depth == 0 && k == K_OTHER)
		return stop(j, j->x.at, "its root element is not <testsuites>, <testsuite> or NUnit's "
			    "<test-results>", e);
	if ((rc = on_open(j, k)) != 0)
		return err_set(e, rc, "JUnit report: out of memory");
	if (tok == X_EMPTY) {
		on_close(j, k);
		return 0;
	}
	j->stack[j->depth].name = j->x.name;
	j->stack[j->depth].len = j->x.name_len;
	j->stack[j->depth++].kind = k;
	return 0;
}

static int on_end_tag(struct junit *j, struct err *e)
{
	if (j->depth == 0 || j->stack[j->depth - 1].len != j->x.name_len ||
	    memcmp(j->stack[j->depth - 1].name, j->x.name, j->x.name_len) != 0)
		return stop(j, j->x.at, "an end tag that closes no open element", e);
	j->depth--;
	on_close(j, j->stack[j->depth].kind);
	return 0;
}

/* One token: 0 to go on, 1 at the end or at a problem, <0 for an error. */
static int step(struct junit *j, enum xtok tok, struct err *e)
{
	switch (tok) {
	case X_OPEN:
	case X_EMPTY:
		return on_tag(j, tok, e);
	case X_CLOSE:
		return on_end_tag(j, e);
	case X_TEXT:
		if (j->depth > 0)
			on_text(j);
		else if (!all_ws(j->x.text, j->x.text_len))
			return stop(j, (size_t)(j->x.text - j->x.p),
				    j->root_seen ? "text after the end of the report" : "it starts with text", e);
		return 0;
	case X_ERROR:
		return stop(j, j->x.error_at, j->x.error, e);
	case X_EOF:
		break;
	}
	if (!j->root_seen)
		return err_set(e, RC_BAD_REQUEST, "The test report is empty: the test framework wrote nothing.");
	if (!j->root_closed)
		report_problem(j->r, "The report stops in the middle%s: it was cut short.",
			       j->x.cut ? " of a tag" : "");
	return 1;
}

/* A <testcase> the report stops (or breaks) inside: what it says so far may lack its
 * <failure>, so only a failure already read stands. */
static void unfinished(struct report_test *t)
{
	if (t->verdict == RV_FAILED || t->verdict == RV_ERROR)
		return;
	t->verdict = RV_ERROR;
	snprintf(t->message, sizeof t->message,
		 "The report stops inside this test, so its result is unknown.");
}

int report_parse_junit(const unsigned char *p, size_t n, struct report *r, struct err *e)
{
	struct junit *j = calloc(1, sizeof *j);
	int rc;

	if (j == NULL)
		return err_set(e, RC_NOMEM, "JUnit report: out of memory");
	j->x.p = p;
	j->x.n = n;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		j->x.at = 3; /* a byte order mark */
	j->r = r;
	j->cur = -1;
	while ((rc = step(j, xml_next(&j->x), e)) == 0)
		;
	if (rc > 0 && j->cur >= 0)
		unfinished(&r->tests[j->cur]);
	r->complete = j->root_closed;
	r->planned = (int)(j->root_tests >= 0 ? j->root_tests : j->root_suites ? j->suites_tests : -1);
	free(j);
	return rc < 0 ? rc : 0;
}
