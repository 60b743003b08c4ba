#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Process-wide logging settings, set once at start-up, so they are configuration, not
 * request state. The request id is set once per request and cleared after it, per thread
 * (the runner process serves several runs at once, one per thread). */
static struct {
	const char *prog;
	enum log_level level;
} lg = { "runbox", LOG_LVL_INFO };
static _Thread_local char lg_request[48];

void log_init(const char *progname, enum log_level level)
{
	lg.prog = progname;
	lg.level = level;
}

int log_level_parse(const char *s)
{
	if (strcmp(s, "warn") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "info") == 0)
		return LOG_LVL_INFO;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return -1;
}

void log_set_request(const char *id)
{
	(void)snprintf(lg_request, sizeof lg_request, "%s", id ? id : "");
}

static void vlog(const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	char when[32], line[2048];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %s[%ld] %s%s%s%s: ", when, lg.prog, (long)getpid(),
		     tag, lg_request[0] ? " run=" : "", lg_request, "");
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	(void)vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	fprintf(stderr, "%s%s%s\n", line, suffix ? ": " : "", suffix ? suffix : "");
}

#define LOGFN(fn, lvl, tag)                          \
	void fn(const char *fmt, ...)                \
	{                                            \
		va_list ap;                          \
		if (lg.level < (lvl))                \
			return;                      \
		va_start(ap, fmt);                   \
		vlog(tag, fmt, ap, NULL);            \
		va_end(ap);                          \
	}
LOGFN(log_warnx, LOG_LVL_WARN, "warn")
LOGFN(log_info, LOG_LVL_INFO, "info")
LOGFN(log_debug, LOG_LVL_DEBUG, "debug")

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog("warn", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
