/*
 * log: one line per event on stderr (OpenBSD httpd's log.c).
 *
 * Each line carries the process id and the current request id (log_set_request), so a
 * run can be followed across the log. log_warn appends strerror(errno).
 */
#ifndef RUNBOX_LOG_H
#define RUNBOX_LOG_H

enum log_level { LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
/* "warn", "info" or "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);
/* The request id shown on each line until the next call (NULL clears it). */
void log_set_request(const char *id);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: log and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
