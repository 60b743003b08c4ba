#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
	b->truncated = false;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->cap);
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	size_t room = b->cap - b->len;

	if (n > room) {
		n = room;
		b->truncated = true;
	}
	if (b->len + n + 1 > b->alloc) {
		/* Grow geometrically, but never allocate much past the cap. */
		size_t want = b->alloc ? b->alloc * 2 : 256;
		unsigned char *d;

		while (want < b->len + n + 1)
			want *= 2;
		if (want > b->cap + 1)
			want = b->cap + 1;
		d = realloc(b->data, want);
		if (d == NULL)
			return RC_NOMEM;
		b->data = d;
		b->alloc = want;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes there are invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

int utf8_sanitize(struct buf *out, const unsigned char *p, size_t n)
{
	static const unsigned char repl[] = { 0xef, 0xbf, 0xbd };
	size_t i = 0, start = 0, k;
	int rc;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if (k > 0) {
			i += k;
			continue;
		}
		if ((rc = buf_add(out, p + start, i - start)) != 0 ||
		    (rc = buf_add(out, repl, sizeof repl)) != 0)
			return rc;
		start = ++i;
	}
	return buf_add(out, p + start, n - start);
}

const char *utf8_text(const unsigned char *p, size_t n, struct buf *tmp, size_t *len,
		      bool *replaced)
{
	buf_init(tmp, 3 * n + 1);
	*replaced = !utf8_valid(p, n);
	if (!*replaced) {
		*len = n;
		return n ? (const char *)p : "";
	}
	if (utf8_sanitize(tmp, p, n) != 0)
		return NULL;
	*len = tmp->len;
	return (const char *)tmp->data;
}

json_t *utf8_json(const unsigned char *p, size_t n, bool *replaced)
{
	struct buf tmp;
	size_t len = 0;
	bool r = false;
	const char *t = utf8_text(p, n, &tmp, &len, &r);
	json_t *s = t ? json_stringn(t, len) : NULL;

	if (replaced != NULL)
		*replaced = r;
	buf_release(&tmp);
	return s;
}
