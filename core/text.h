/*
 * text: the small string helpers the line parsers share (runbox.conf in conf.c, the
 * language registry in lang.c, a teacher's exercise.conf in exercise.c), and sizes in words
 * for the messages.
 */
#ifndef RUNBOX_TEXT_H
#define RUNBOX_TEXT_H

#include <stddef.h>

/* s without leading and trailing whitespace: a pointer into s, whose end is cut with a
 * NUL. */
char *text_trim(char *s);

/* A number of CPUs ("0.5", "2", at most 9 decimals, at most 1000) as nano-CPUs (1e9 = one
 * core) into *out: 0, or -1 when v is not such a number. The caller checks the range. */
int text_cpus(const char *v, long *out);

/* A size as messages give it: "512 bytes", "64 KB" (rounded up), "1.0 MB". */
void text_size(char *out, size_t cap, size_t bytes);

#endif
