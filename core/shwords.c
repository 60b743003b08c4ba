/*
 * shwords: shell-style word splitting without a shell (shwords.h).
 */
#include "shwords.h"

#include <stdlib.h>
#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

void shwords_release(struct shwords *w)
{
	free(w->w);
	free(w->store);
	memset(w, 0, sizeof *w);
}

/* One word from s[*i] up to the next blank outside quotes, its characters appended at
 * buf[*o]. -1 for a quote that is never closed. */
static int scan_word(const char *s, size_t len, size_t *ip, char *buf, size_t *op)
{
	size_t i = *ip, o = *op;

	while (i < len && !blank(s[i])) {
		char c = s[i];

		if (c == '\'') {
			const char *q = memchr(s + i + 1, '\'', len - i - 1);

			if (q == NULL)
				return -1;
			memcpy(buf + o, s + i + 1, (size_t)(q - s - i - 1));
			o += (size_t)(q - s - i - 1);
			i = (size_t)(q - s) + 1;
		} else if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len &&
				    strchr("$`\"\\\n", s[i + 1]) != NULL) {
					if (s[++i] != '\n')
						buf[o++] = s[i];
					continue;
				}
				buf[o++] = s[i];
			}
			if (i >= len)
				return -1;
			i++;
		} else if (c == '\\') {
			if (i + 1 < len && s[i + 1] != '\n')
				buf[o++] = s[i + 1];
			i += 2;
		} else {
			buf[o++] = c;
			i++;
		}
	}
	*ip = i;
	*op = o;
	return 0;
}

int shwords_split(const char *s, size_t len, size_t max, struct shwords *out, struct err *e)
{
	size_t i = 0, o = 0, n = 0, *start;
	char *buf;

	memset(out, 0, sizeof *out);
	if (len == 0)
		s = ""; /* an empty buffer may have no storage at all */
	if (memchr(s, '\0', len) != NULL)
		return err_set(e, RC_BAD_REQUEST, "An argument contains a NUL byte.");
	/* Words are never longer than the text: one byte per character plus a NUL each. */
	buf = malloc(len + len / 2 + 2);
	start = malloc((len / 2 + 2) * sizeof *start);
	if (buf == NULL || start == NULL) {
		free(buf);
		free(start);
		return err_set(e, RC_NOMEM, "splitting arguments: out of memory");
	}
	while (i < len) {
		while (i < len && blank(s[i]))
			i++;
		if (i >= len)
			break;
		if (n >= max) {
			free(buf);
			free(start);
			return err_set(e, RC_BAD_REQUEST, "There are more than %zu arguments.", max);
		}
		start[n] = o;
		if (scan_word(s, len, &i, buf, &o) != 0)
			goto unterminated;
		buf[o++] = '\0';
		n++;
	}
	out->w = malloc((n + 1) * sizeof *out->w);
	if (out->w == NULL) {
		free(buf);
		free(start);
		return err_set(e, RC_NOMEM, "splitting arguments: out of memory");
	}
	for (size_t k = 0; k < n; k++)
		out->w[k] = buf + start[k];
	out->w[n] = NULL;
	out->n = n;
	out->store = buf;
	free(start);
	return 0;
unterminated:
	free(buf);
	free(start);
	return err_set(e, RC_BAD_REQUEST, "An argument has a quote (' or \") that is never closed.");
}
