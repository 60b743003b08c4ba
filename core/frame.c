#include "frame.h"

#include <stdlib.h>
#include <string.h>

void frame_header(unsigned char hdr[FRAME_HDR], int t, uint32_t len)
{
	hdr[0] = (unsigned char)t;
	hdr[1] = (unsigned char)(len >> 24);
	hdr[2] = (unsigned char)(len >> 16);
	hdr[3] = (unsigned char)(len >> 8);
	hdr[4] = (unsigned char)len;
}

void frame_reader_init(struct frame_reader *r, size_t max_payload)
{
	memset(r, 0, sizeof *r);
	r->buf = NULL;
	r->max_payload = max_payload;
}

void frame_reader_release(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->hdr_have = 0;
	r->want = 0;
	r->have = 0;
}

static size_t limit_of(const struct frame_reader *r)
{
	return r->max_payload != 0 ? r->max_payload : FRAME_MAX_PAYLOAD;
}

/* Back to "expecting a header". The payload buffer is freed rather than kept for the
 * next frame: frames can be up to 16 MB and the agent counts against a small memory
 * limit, so holding the largest frame ever seen for the whole run would waste it. */
static void reset(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->hdr_have = 0;
	r->want = 0;
	r->have = 0;
}

int frame_reader_feed(struct frame_reader *r, const unsigned char *p, size_t n,
		      frame_cb cb, void *arg)
{
	static const unsigned char empty[1];

	while (n > 0) {
		size_t take;
		int type, rc;

		if (r->hdr_have < FRAME_HDR) {
			take = FRAME_HDR - r->hdr_have;
			if (take > n)
				take = n;
			memcpy(r->hdr + r->hdr_have, p, take);
			r->hdr_have += take;
			p += take;
			n -= take;
			if (r->hdr_have < FRAME_HDR)
				break;
			r->want = (size_t)r->hdr[1] << 24 | (size_t)r->hdr[2] << 16 |
				  (size_t)r->hdr[3] << 8 | (size_t)r->hdr[4];
			r->have = 0;
			if (r->want > limit_of(r))
				return -1;
			/* Whole payload already in this chunk: hand it over without copying,
			 * which is the common case and keeps large frames out of the heap. */
			if (r->want <= n) {
				type = r->hdr[0];
				take = r->want;
				reset(r);
				rc = cb(arg, type, take > 0 ? p : empty, take);
				p += take;
				n -= take;
				if (rc != 0)
					return rc;
				continue;
			}
			r->buf = malloc(r->want);
			if (r->buf == NULL)
				return -1;
		}

		/* In the middle of a payload buf is always set; NULL here means an earlier
		 * call failed (too large, no memory) and left the stream unusable: stay so
		 * rather than parse payload bytes as headers. */
		if (r->buf == NULL)
			return -1;
		take = r->want - r->have;
		if (take > n)
			take = n;
		memcpy(r->buf + r->have, p, take);
		r->have += take;
		p += take;
		n -= take;
		if (r->have == r->want) {
			unsigned char *buf = r->buf;
			size_t len = r->want;

			/* Detach the buffer first so the reader is in a clean state whatever
			 * cb returns; the payload stays valid until cb returns. */
			type = r->hdr[0];
			r->buf = NULL;
			reset(r);
			rc = cb(arg, type, buf, len);
			free(buf);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* Locate the value of key: key must start a line (offset 0 or right after '\n') and be
 * followed by '='. Matching only whole keys at line starts is what keeps "out" from
 * matching "out_cap=..." or "xout=...". The first occurrence wins. On success *val points
 * at the value and *len is its length up to the newline or the end of the payload. */
static int find_value(const unsigned char *p, size_t n, const char *key,
		      const unsigned char **val, size_t *len)
{
	size_t klen = strlen(key);
	size_t i = 0;

	if (klen == 0 || memchr(key, '=', klen) != NULL || memchr(key, '\n', klen) != NULL)
		return -1;
	while (i < n) {
		const unsigned char *line = p + i;
		const unsigned char *nl = memchr(line, '\n', n - i);
		size_t llen = nl != NULL ? (size_t)(nl - line) : n - i;

		if (llen > klen && memcmp(line, key, klen) == 0 && line[klen] == '=') {
			*val = line + klen + 1;
			*len = llen - klen - 1;
			return 0;
		}
		i += llen + 1;
	}
	return -1;
}

int frame_kv_u64(const unsigned char *p, size_t n, const char *key, uint64_t max, uint64_t *out)
{
	const unsigned char *v;
	size_t len, i;
	uint64_t x = 0;

	if (find_value(p, n, key, &v, &len) < 0 || len == 0)
		return -1;
	/* Strictly digits: no sign, no spaces, no "0x". A limit that is not plainly a number
	 * is a bug on the sending side and must not be guessed at. */
	for (i = 0; i < len; i++) {
		unsigned d;

		if (v[i] < '0' || v[i] > '9')
			return -1;
		d = (unsigned)(v[i] - '0');
		if (x > max / 10 || (x == max / 10 && d > max % 10))
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

int frame_kv_str(const unsigned char *p, size_t n, const char *key, char *out, size_t cap)
{
	const unsigned char *v;
	size_t len;

	if (find_value(p, n, key, &v, &len) < 0 || len >= cap)
		return -1;
	/* An embedded NUL would silently shorten the string the caller sees. */
	if (memchr(v, '\0', len) != NULL)
		return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}
