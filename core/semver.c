/*
 * semver: does a version satisfy a range, as npm's semver reads ranges (semver.h).
 */
#include "semver.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef long ver[3];

static int ver_cmp(const long *a, const long *b)
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* "3", "3.11", "3.x", "v3.11.2": up to 3 numbers, then wildcards. *n numbers were given
 * (0 for "*"). -1 if it is not a version. */
static int partial(const char *s, size_t len, ver v, int *n)
{
	size_t i = 0;
	int part = 0, wild = 0;

	v[0] = v[1] = v[2] = 0;
	*n = 0;
	if (i < len && (s[i] == 'v' || s[i] == 'V' || s[i] == '='))
		i++;
	if (i == len)
		return -1;
	while (i < len && part < 3) {
		if (s[i] == 'x' || s[i] == 'X' || s[i] == '*') {
			wild = 1;
			i++;
		} else if (isdigit((unsigned char)s[i]) && !wild) {
			long x = 0;

			while (i < len && isdigit((unsigned char)s[i]) && x < 100000000)
				x = x * 10 + (s[i++] - '0');
			v[part] = x;
			*n = part + 1;
		} else {
			return -1;
		}
		part++;
		if (i < len && s[i] == '.')
			i++;
		else
			break;
	}
	/* A pre-release or build suffix ("-rc1", "+b2") never matches a release range. */
	return i == len ? 0 : -1;
}

/* The versions [lo, hi) one comparator (an operator and a partial version) allows. */
static int comparator(const char *s, size_t len, ver lo, ver hi)
{
	static const char *const ops[] = { ">=", "<=", ">", "<", "^", "~", "=" };
	size_t ol = 0;
	const char *op = "";
	ver v;
	int n;

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strncmp(s, ops[i], strlen(ops[i])) == 0) {
			op = ops[i];
			ol = strlen(op);
			break;
		}
	}
	if (op[0] == '~' && ol < len && s[ol] == '>')
		ol++; /* "~>" is "~" */
	if (partial(s + ol, len - ol, v, &n) != 0)
		return -1;
	lo[0] = lo[1] = lo[2] = 0;
	hi[0] = 1L << 40;
	hi[1] = hi[2] = 0;
	/* The first version past v at the precision given ("3.11" -> 3.12.0). */
#define NEXT(out) do { memcpy(out, v, sizeof(ver)); if (n == 3) out[2]++; \
		       else if (n == 2) { out[1]++; out[2] = 0; } \
		       else { out[0]++; out[1] = out[2] = 0; } } while (0)
	if (n == 0)
		return strcmp(op, "<") == 0 || strcmp(op, ">") == 0 ? -2 : 0; /* "<*" matches nothing */
	if (strcmp(op, ">=") == 0) {
		memcpy(lo, v, sizeof(ver));
	} else if (strcmp(op, ">") == 0) {
		NEXT(lo);
	} else if (strcmp(op, "<") == 0) {
		memcpy(hi, v, sizeof(ver));
	} else if (strcmp(op, "<=") == 0) {
		NEXT(hi);
	} else if (op[0] == '~') {
		memcpy(lo, v, sizeof(ver));
		if (n == 1) {
			hi[0] = v[0] + 1;
		} else {
			hi[0] = v[0];
			hi[1] = v[1] + 1;
		}
	} else if (op[0] == '^') {
		memcpy(lo, v, sizeof(ver));
		if (v[0] > 0 || n == 1) {
			hi[0] = v[0] + 1;
		} else if (v[1] > 0 || n == 2) {
			hi[0] = 0;
			hi[1] = v[1] + 1;
		} else {
			hi[0] = hi[1] = 0;
			hi[2] = v[2] + 1;
		}
	} else {
		memcpy(lo, v, sizeof(ver));
		NEXT(hi);
	}
#undef NEXT
	return 0;
}

/* Every comparator of one "a b c" set allows version. */
static bool set_matches(const char *s, size_t len, const long *version)
{
	size_t i = 0;
	bool any = false;

	while (i < len) {
		size_t start;
		ver lo, hi;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		/* An operator alone (">= 3.9") goes with the next word. */
		if (strspn(s + start, "<>=~^") == i - start) {
			char joined[80];
			size_t op = i - start, w;

			while (i < len && s[i] == ' ')
				i++;
			w = i;
			while (i < len && s[i] != ' ')
				i++;
			if (op + (i - w) >= sizeof joined)
				return false;
			(void)snprintf(joined, sizeof joined, "%.*s%.*s", (int)op, s + start,
				       (int)(i - w), s + w);
			if (comparator(joined, strlen(joined), lo, hi) != 0)
				return false;
		} else if (comparator(s + start, i - start, lo, hi) != 0) {
			return false;
		}
		if (ver_cmp(version, lo) < 0 || ver_cmp(version, hi) >= 0)
			return false;
		any = true;
	}
	return any;
}

bool semver_match(const char *range, const char *version)
{
	ver v;
	int n;
	const char *p = range;

	if (partial(version, strlen(version), v, &n) != 0 || n == 0)
		return false;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		while (len > 0 && p[len - 1] == ' ')
			len--;
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		if (len == 0 ? (bar == NULL && p == range) : set_matches(p, len, v))
			return len > 0;
		if (bar == NULL)
			return false;
		p = bar + 2;
	}
}
