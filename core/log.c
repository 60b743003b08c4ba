#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Process-wide logging settings: set once at start-up (and the request id once per
 * request, cleared after it), so they are configuration, not request state. */
static struct {
	const char *prog;
	enum log_level level;
	char request[48];
} lg = { "runbox", LOG_LVL_INFO, "" };

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
	(void)snprintf(lg.request, sizeof lg.request, "%s", id ? id : "");
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
		     tag, lg.request[0] ? " run=" : "", lg.request, "");
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
