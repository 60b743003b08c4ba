/*
 * compare: does a program's output match what a test case expects? Pure (no I/O), so the
 * server judges hidden cases outside the container, and every mode is unit-tested.
 *
 * Modes, as a teacher names them in an exercise:
 *   exact     byte for byte
 *   trailing  line by line, ignoring whitespace at the end of each line, blank lines at the
 *             end, and the line ending (CRLF and LF are the same)
 *   tokens    the same words in the same order, whatever whitespace separates them
 *             (ASCII space, tab, CR, LF, VT, FF; other bytes, UTF-8 included, are compared as
 *             they are)
 *   numbers   as tokens, but two tokens that are both numbers match when they differ by at
 *             most the tolerance, absolutely or relative to the expected value (whichever is
 *             larger); "inf" and "nan" are not numbers here
 */
#ifndef RUNBOX_COMPARE_H
#define RUNBOX_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

enum cmp_mode { CMP_EXACT, CMP_TRAILING, CMP_TOKENS, CMP_NUMBERS };

/* 0 with *out, or -1 for a name that is none of the modes above. */
int cmp_mode_parse(const char *name, enum cmp_mode *out);
const char *cmp_mode_name(enum cmp_mode m);

/* Whether got[0..gn) matches want[0..wn) under mode m; tolerance is used by CMP_NUMBERS
 * only (a negative or NaN tolerance counts as 0). */
bool cmp_match(enum cmp_mode m, double tolerance, const unsigned char *got, size_t gn,
	       const unsigned char *want, size_t wn);

#endif
