/* libFuzzer harness: test frameworks' reports (core/report.c). The first byte picks the
 * format ('j' JUnit XML, 't' TAP, 'l' libtest JSON, any other its value modulo 3); the rest
 * is the report. A parsed report holds what the header promises: at most REPORT_MAX_TESTS
 * tests, names and messages NUL-terminated valid UTF-8 without control characters other
 * than \n and \t, known verdicts, and a problem exactly when it is not complete. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap || !utf8_valid((const unsigned char *)s, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum report_format f;
	struct report r;
	struct err e;

	if (size == 0)
		return 0;
	f = data[0] == 'j' ? REPORT_JUNIT : data[0] == 't' ? REPORT_TAP : data[0] == 'l' ? REPORT_LIBTEST :
	    (enum report_format)(data[0] % 3);
	err_init(&e);
	if (report_parse(f, data + 1, size - 1, &r, &e) != 0) {
		if (e.rc == 0 || e.msg[0] == '\0' || r.tests != NULL || r.ntests != 0)
			abort();
		return 0;
	}
	if (r.ntests > REPORT_MAX_TESTS || r.complete != (r.problem[0] == '\0') || r.planned < -1)
		abort();
	clean(r.problem, sizeof r.problem);
	for (size_t i = 0; i < r.ntests; i++) {
		const struct report_test *t = &r.tests[i];

		clean(t->name, sizeof t->name);
		clean(t->classname, sizeof t->classname);
		clean(t->message, sizeof t->message);
		if ((unsigned)t->verdict > RV_SKIPPED || t->duration_ms < -1)
			abort();
	}
	report_release(&r);
	return 0;
}
