#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

char *text_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int text_cpus(const char *v, long *out)
{
	long whole = 0, frac = 0, scale = 100000000;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > 1000)
			return -1;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (scale == 0)
				return -1; /* more than 9 decimals */
			frac += (*p++ - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != '\0')
		return -1;
	*out = whole * 1000000000L + frac;
	return 0;
}

void text_size(char *out, size_t cap, size_t bytes)
{
	if (bytes < 1024)
		(void)snprintf(out, cap, "%zu bytes", bytes);
	else if (bytes < 1024 * 1024)
		(void)snprintf(out, cap, "%zu KB", (bytes + 1023) / 1024);
	else
		(void)snprintf(out, cap, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
}
