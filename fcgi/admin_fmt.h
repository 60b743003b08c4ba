/*
 * admin_fmt: what the admin command shows and reads that is not the database: local
 * times, sizes, aligned text tables, and strict parsers for the numbers, ages and times
 * given on its command line. No I/O except the FILE the caller passes to the printers.
 */
#ifndef RUNBOX_ADMIN_FMT_H
#define RUNBOX_ADMIN_FMT_H

#include <stddef.h>
#include <stdio.h>

/* ms since the epoch as local "2026-11-23 14:05:09"; "-" for ms <= 0. */
void fmt_time(long long ms, char *buf, size_t cap);
/* A byte count readable: "512 B", "1.5 KB", "100 KB", "12.3 MB" (1 KB = 1024 B). */
void fmt_size(long long bytes, char *buf, size_t cap);

/* A whole number written as plain digits, 1 <= n <= max. Returns 0, or -1 for anything
 * else (sign, spaces, trailing text, zero, overflow). */
int parse_count(const char *s, long max, long *out);
/* An age "45s", "30m", "2h", "7d", "2w" in milliseconds (> 0). Returns 0 or -1. */
int parse_age(const char *s, long long *ms);
/* A point in time: a local date "2026-11-23", date and time "2026-11-23T14:00" or
 * "2026-11-23T14:00:05" (a space may replace the T), or an age before now_ms. Dates that
 * do not exist (2026-02-30) are refused. Returns 0 or -1. */
int parse_when(const char *s, long long now_ms, long long *out);

/* Write n bytes for a terminal: control characters other than newline and tab (which a
 * student's program can use to rewrite the admin's screen) are shown as \xNN. */
void put_safe(FILE *f, const char *p, size_t n);
/* "name      value" and a newline on f: name padded to width, then the printf-style value
 * (cut at 1 KB) written with put_safe. */
void put_field(FILE *f, int width, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A table printed with aligned columns. Cells are copied (control characters become '?').
 * Notes are lines printed under the row before them, outside the columns. */
struct table_line {
	char **cells;               /* ncols cells, or NULL for a note */
	char *note;
};

struct table {
	size_t ncols;
	const char *const *heads;   /* ncols headings, not copied */
	const char *align;          /* one 'l' or 'r' per column, not copied */
	struct table_line *lines;
	size_t nlines, cap;
};

/* No allocation; heads and align must outlive t. */
void table_init(struct table *t, size_t ncols, const char *const *heads, const char *align);
/* Append a row of ncols strings (NULL shows as "-"). Returns 0 or -1 (out of memory). */
int table_row(struct table *t, ...);
/* Append a note line (printf-style). Returns 0 or -1. */
int table_note(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns 0 or -1 (out of memory). */
int table_print(const struct table *t, FILE *f);
/* Free every line; t can be used again after table_init. */
void table_release(struct table *t);

#endif
