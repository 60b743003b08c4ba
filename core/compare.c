#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "exact", "trailing", "tokens", "numbers" };

int cmp_mode_parse(const char *name, enum cmp_mode *out)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum cmp_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *cmp_mode_name(enum cmp_mode m)
{
	return (size_t)m < sizeof names / sizeof names[0] ? names[m] : "exact";
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A cursor over lines, for CMP_TRAILING: each line without its ending and trailing spaces. */
struct lines {
	const unsigned char *p;
	size_t n, at;
};

/* The next line into *s, *len; false at the end. "a\n" is one line, "a\nb" two. */
static bool next_line(struct lines *l, const unsigned char **s, size_t *len)
{
	size_t start = l->at, end;

	if (l->at >= l->n)
		return false;
	while (l->at < l->n && l->p[l->at] != '\n')
		l->at++;
	end = l->at;
	if (l->at < l->n)
		l->at++; /* the '\n' */
	while (end > start && is_space(l->p[end - 1]))
		end--; /* trailing spaces, and the '\r' of CRLF */
	*s = l->p + start;
	*len = end - start;
	return true;
}

/* p[0..n) without its trailing whitespace: what is left of it for CMP_TRAILING. */
static size_t trimmed(const unsigned char *p, size_t n)
{
	while (n > 0 && is_space(p[n - 1]))
		n--;
	return n;
}

static bool match_trailing(const unsigned char *g, size_t gn, const unsigned char *w, size_t wn)
{
	struct lines a = { g, trimmed(g, gn), 0 }, b = { w, trimmed(w, wn), 0 };
	const unsigned char *s, *t;
	size_t sl, tl;

	for (;;) {
		bool ha = next_line(&a, &s, &sl), hb = next_line(&b, &t, &tl);

		if (!ha || !hb)
			return ha == hb;
		if (sl != tl || memcmp(s, t, sl) != 0)
			return false;
	}
}

/* The next whitespace-separated token of p[*at..n) into *s, *len; false at the end. */
static bool next_token(const unsigned char *p, size_t n, size_t *at, const unsigned char **s,
		       size_t *len)
{
	size_t i = *at;

	while (i < n && is_space(p[i]))
		i++;
	if (i >= n) {
		*at = i;
		return false;
	}
	*s = p + i;
	while (i < n && !is_space(p[i]))
		i++;
	*len = (size_t)(p + i - *s);
	*at = i;
	return true;
}

/* The token as a finite number: true with *v when all of it is one (strtod's syntax, no
 * "inf", "nan" or hexadecimal). */
static bool number(const unsigned char *s, size_t len, double *v)
{
	char buf[128], *end;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!(buf[i] >= '0' && buf[i] <= '9') && !strchr("+-.eE", buf[i]))
			return false;
	*v = strtod(buf, &end);
	return *end == '\0' && end != buf && isfinite(*v);
}

static bool match_tokens(bool numeric, double tol, const unsigned char *g, size_t gn,
			 const unsigned char *w, size_t wn)
{
	size_t ga = 0, wa = 0, sl, tl;
	const unsigned char *s, *t;

	for (;;) {
		bool hs = next_token(g, gn, &ga, &s, &sl), ht = next_token(w, wn, &wa, &t, &tl);
		double x, y;

		if (!hs || !ht)
			return hs == ht;
		if (sl == tl && memcmp(s, t, sl) == 0)
			continue;
		if (!numeric || !number(s, sl, &x) || !number(t, tl, &y))
			return false;
		if (!(fabs(x - y) <= tol * fmax(1.0, fabs(y))))
			return false;
	}
}

bool cmp_match(enum cmp_mode m, double tolerance, const unsigned char *got, size_t gn,
	       const unsigned char *want, size_t wn)
{
	if (!(tolerance > 0))
		tolerance = 0;
	switch (m) {
	case CMP_EXACT:
		return gn == wn && (gn == 0 || memcmp(got, want, gn) == 0);
	case CMP_TRAILING:
		return match_trailing(got, gn, want, wn);
	case CMP_TOKENS:
		return match_tokens(false, 0, got, gn, want, wn);
	case CMP_NUMBERS:
		return match_tokens(true, tolerance, got, gn, want, wn);
	}
	return false;
}
