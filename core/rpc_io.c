#define _GNU_SOURCE
#include "rpc_io.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "clock.h"
#include "rpc.h"

int rpc_io_send(int fd, const void *p, size_t n, long long until)
{
	const unsigned char *q = p;

	while (n > 0) {
		ssize_t w = send(fd, q, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		long long left;

		if (w > 0) {
			q += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if ((left = until - clock_mono_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pf, 1, (int)left) < 0)
			return -1;
	}
	return 0;
}

enum rpc_io_read_result rpc_io_read(int fd, struct buf *b, int cancel_fd, long long until,
				    size_t *len)
{
	unsigned char chunk[65536];

	for (;;) {
		long n = rpc_message_length(b->data, b->len);
		struct pollfd pf[2] = { { .fd = fd, .events = POLLIN },
					{ .fd = cancel_fd, .events = POLLRDHUP } };
		long long left = until < 0 ? -1 : until - clock_mono_ms();
		ssize_t got;

		if (n < 0)
			return RPC_IO_MALFORMED;
		if (n > 0) {
			*len = (size_t)n;
			return RPC_IO_MESSAGE;
		}
		if (until >= 0 && left <= 0)
			return RPC_IO_TIMEOUT;
		if (poll(pf, cancel_fd >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR)
			return RPC_IO_FAILED;
		if (cancel_fd >= 0 && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return RPC_IO_CANCELLED;
		if (pf[0].revents == 0)
			continue;
		got = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) /* the end, or a reset: the peer is gone either way */
			return b->len > 0 ? RPC_IO_CUT : RPC_IO_END;
		if (buf_add(b, chunk, (size_t)got) != 0 || b->truncated)
			return RPC_IO_TOO_LARGE;
	}
}
