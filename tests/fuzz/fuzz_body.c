/* libFuzzer harness: the request body reader (fcgi/http.c) over a FastCGI stream that
 * delivers the input in pieces whose sizes the input chooses, with a cap below its size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const unsigned char *p;
	size_t left, chunk;
	unsigned char buf[64];
};

static struct feed feed;

static void fill(FCGX_Stream *s)
{
	size_t n = feed.left < feed.chunk ? feed.left : feed.chunk;

	if (n == 0) {
		s->isClosed = 1;
		return;
	}
	memcpy(feed.buf, feed.p, n);
	feed.p += n;
	feed.left -= n;
	s->rdNext = feed.buf;
	s->stop = feed.buf + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FCGX_Stream in;
	FCGX_Request req;
	struct buf body;
	size_t cap;
	int rc;

	if (size < 2)
		return 0;
	feed = (struct feed){ data + 2, size - 2, (size_t)data[0] % 64 + 1, { 0 } };
	cap = (size_t)data[1] * 4;
	memset(&in, 0, sizeof in);
	in.isReader = 1;
	in.rdNext = in.stop = feed.buf;
	in.fillBuffProc = fill;
	memset(&req, 0, sizeof req);
	req.in = &in;
	rc = http_read_body(&req, cap, &body);
	/* Everything up to the cap arrives, in order; more is refused, never cut silently. */
	if (rc == 0 && (body.len != size - 2 || (body.len && memcmp(body.data, data + 2, body.len))))
		__builtin_trap();
	if (rc == RC_BODY_TOO_LARGE && size - 2 <= cap)
		__builtin_trap();
	buf_release(&body);
	return 0;
}
