/* strptime is X/Open, not POSIX.1-2008 base. */
#define _XOPEN_SOURCE 700
#include "admin_fmt.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void fmt_time(long long ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(buf, cap, "-");
}

void fmt_size(long long bytes, char *buf, size_t cap)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		(void)snprintf(buf, cap, "%lld B", bytes);
		return;
	}
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	/* One decimal only where it says something: "1.5 KB", but "100 KB", "2 MB". */
	if (v < 100 && (long long)(v * 10 + 0.5) % 10 != 0)
		(void)snprintf(buf, cap, "%.1f %s", v, units[i]);
	else
		(void)snprintf(buf, cap, "%.0f %s", v, units[i]);
}

int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	/* strtol alone accepts " 12", "+12" and "-0". */
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_age(const char *s, long long *ms)
{
	long long n, unit;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n < 1 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 's': unit = 1000LL; break;
	case 'm': unit = 60 * 1000LL; break;
	case 'h': unit = 3600 * 1000LL; break;
	case 'd': unit = 86400 * 1000LL; break;
	case 'w': unit = 7 * 86400 * 1000LL; break;
	default: return -1;
	}
	if (n > INT64_MAX / unit) /* <limits.h> here would be core/limits.h */
		return -1;
	*ms = n * unit;
	return 0;
}

int parse_when(const char *s, long long now_ms, long long *out)
{
	static const char *const formats[] = {
		"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
	};
	long long age;
	size_t i;

	if (parse_age(s, &age) == 0) {
		/* Further back than the epoch: from the beginning (0 would mean "no bound"). */
		*out = now_ms - age > 0 ? now_ms - age : 1;
		return 0;
	}
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		struct tm tm, want;
		const char *end;
		time_t t;

		memset(&tm, 0, sizeof tm);
		end = strptime(s, formats[i], &tm);
		if (end == NULL || *end != '\0')
			continue;
		want = tm;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -1;
		/* mktime quietly turns February 30 into March 2. */
		if (tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday)
			return -1;
		*out = (long long)t * 1000;
		return *out > 0 ? 0 : -1;
	}
	return -1;
}

void put_safe(FILE *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] >= 0x80 &&
			   (unsigned char)p[i + 1] <= 0x9f) {
			/* U+0080..U+009F: C1 controls, which some terminals obey too. */
			fprintf(f, "\\u%04x", (unsigned char)p[++i]);
		} else {
			putc(c, f);
		}
	}
}

void put_field(FILE *f, int width, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(f, "%-*s  ", width, name);
	put_safe(f, buf, strlen(buf));
	putc('\n', f);
}

/* ---- Tables ---------------------------------------------------------------------------- */

void table_init(struct table *t, size_t ncols, const char *const *heads, const char *align)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->heads = heads;
	t->align = align;
}

static char *cell_dup(const char *s)
{
	char *d, *p;

	if ((d = strdup(s ? s : "-")) == NULL)
		return NULL;
	for (p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

/* Columns on screen: UTF-8 continuation bytes take none. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static struct table_line *line_new(struct table *t)
{
	if (t->nlines == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct table_line *l = realloc(t->lines, cap * sizeof *l);

		if (l == NULL)
			return NULL;
		t->lines = l;
		t->cap = cap;
	}
	memset(&t->lines[t->nlines], 0, sizeof t->lines[0]);
	return &t->lines[t->nlines];
}

int table_row(struct table *t, ...)
{
	struct table_line *l = line_new(t);
	va_list ap;
	size_t i;
	int rc = 0;

	if (l == NULL || (l->cells = calloc(t->ncols, sizeof *l->cells)) == NULL)
		return -1;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		if ((l->cells[i] = cell_dup(va_arg(ap, const char *))) == NULL)
			rc = -1;
	va_end(ap);
	t->nlines++; /* even on failure, so table_release frees what was copied */
	return rc;
}

int table_note(struct table *t, const char *fmt, ...)
{
	struct table_line *l = line_new(t);
	char buf[1024];
	va_list ap;

	if (l == NULL)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof buf, fmt, ap); /* a long note is cut, not lost */
	va_end(ap);
	if ((l->note = cell_dup(buf)) == NULL)
		return -1;
	t->nlines++;
	return 0;
}

static void print_row(const struct table *t, const size_t *w, const char *const *cells, FILE *f)
{
	size_t i, pad;

	for (i = 0; i < t->ncols; i++) {
		pad = w[i] - width(cells[i]);
		if (t->align[i] == 'r')
			fprintf(f, "%*s%s", (int)pad, "", cells[i]);
		else if (i + 1 < t->ncols)
			fprintf(f, "%s%*s", cells[i], (int)pad, "");
		else
			fputs(cells[i], f); /* no trailing blanks */
		fputs(i + 1 < t->ncols ? "  " : "\n", f);
	}
}

int table_print(const struct table *t, FILE *f)
{
	size_t *w = calloc(t->ncols, sizeof *w);
	size_t i, j;

	if (w == NULL)
		return -1;
	for (j = 0; j < t->ncols; j++)
		w[j] = width(t->heads[j]);
	for (i = 0; i < t->nlines; i++)
		for (j = 0; t->lines[i].cells && j < t->ncols; j++)
			if (width(t->lines[i].cells[j]) > w[j])
				w[j] = width(t->lines[i].cells[j]);
	print_row(t, w, t->heads, f);
	for (i = 0; i < t->nlines; i++) {
		if (t->lines[i].cells)
			print_row(t, w, (const char *const *)t->lines[i].cells, f);
		else
			fprintf(f, "%s\n", t->lines[i].note);
	}
	free(w);
	return 0;
}

void table_release(struct table *t)
{
	size_t i, j;

	for (i = 0; i < t->nlines; i++) {
		for (j = 0; t->lines[i].cells && j < t->ncols; j++)
			free(t->lines[i].cells[j]);
		free(t->lines[i].cells);
		free(t->lines[i].note);
	}
	free(t->lines);
	t->lines = NULL;
	t->nlines = t->cap = 0;
}
