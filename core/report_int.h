/*
 * report_int: what the parsers of core/report.c share (report_junit.c, report_tap.c).
 * Not for other modules: they include report.h.
 */
#ifndef RUNBOX_REPORT_INT_H
#define RUNBOX_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* A new test at the end of r, zeroed, RV_PASSED, duration -1, into *t. Returns 0, 1 when r
 * already has REPORT_MAX_TESTS (the report is then not complete; *t is NULL) or RC_NOMEM. */
int report_add(struct report *r, struct report_test **t);

/* Sets r->problem to a sentence, unless it already says something: the first problem is
 * the one that explains the others. */
void report_problem(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends p[0..n) to the NUL-terminated text in dst[0..cap): valid UTF-8 (each invalid byte
 * becomes U+FFFD), control characters other than \n and \t left out, cut before the first
 * character that does not fit. */
void report_text_add(char *dst, size_t cap, const void *p, size_t n);
/* The same into an emptied dst. */
void report_text_set(char *dst, size_t cap, const void *p, size_t n);
/* Code point cp as UTF-8 into out[0..4); its length, or 0 for one that is no character
 * of XML or YAML (NUL, most controls, surrogates, U+FFFE, U+FFFF, beyond U+10FFFF). */
size_t report_utf8(unsigned long cp, unsigned char *out);
/* Takes the whitespace off both ends of s, in place. */
void report_text_trim(char *s);

/* The value of digit c in base 10 or 16; -1 when it is none. */
int report_digit(unsigned char c, int base);
/* A duration in milliseconds rounded to a whole one; -1 for a negative, NaN or absurd one. */
long report_ms(double ms);
/* The number at the start of p[0..n) (strtod's syntax), true with *v when there is one and
 * only spaces follow it. */
bool report_number(const unsigned char *p, size_t n, double *v);

int report_parse_junit(const unsigned char *p, size_t n, struct report *r, struct err *e);
int report_parse_tap(const unsigned char *p, size_t n, struct report *r, struct err *e);

#endif
