#include "err.h"

#include <stdarg.h>
#include <stdio.h>

struct entry {
	const char *name;
	int http;
	const char *msg;
};

/* Indexed by rc_index (-rc - 1), in the order of RC_MAP. */
static const struct entry table[] = {
#define X(rc, name, http, msg) { name, http, msg },
	RC_MAP(X)
#undef X
};

static const struct entry *lookup(int rc)
{
	int i = -rc - 1;

	if (i < 0 || i >= RC_COUNT)
		i = -RC_INTERNAL - 1;
	return &table[i];
}

const char *rc_name(int rc) { return lookup(rc)->name; }
int rc_http(int rc) { return lookup(rc)->http; }
const char *rc_message(int rc) { return lookup(rc)->msg; }

const char *http_reason(int status)
{
	switch (status) {
#define X(code, text) case code: return text;
	HTTP_REASON_MAP(X)
#undef X
	default: return NULL;
	}
}

void err_init(struct err *e)
{
	e->rc = 0;
	e->msg[0] = '\0';
}

int err_set(struct err *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return rc;
	e->rc = rc;
	va_start(ap, fmt);
	/* Truncation of a log detail is harmless: keep what fits. */
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return rc;
}
