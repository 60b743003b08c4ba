/*
 * rpc_io: moving rpc.h's messages over a stream socket, for both sides (the runner and a
 * worker's client): sending a whole message by a deadline, and reading until one whole
 * message has arrived. The decoding stays in rpc.c, which does no I/O.
 */
#ifndef RUNBOX_RPC_IO_H
#define RUNBOX_RPC_IO_H

#include <stddef.h>

#include "buf.h"

/* Send all n bytes of p on fd (non-blocking sends, no SIGPIPE) by until (clock_mono_ms).
 * 0; -1 with errno when the peer has gone; -1 with errno ETIMEDOUT when it does not read
 * in time. */
int rpc_io_send(int fd, const void *p, size_t n, long long until);

enum rpc_io_read_result {
	RPC_IO_MESSAGE = 1,     /* b starts with one whole message; *len is its length */
	RPC_IO_END = 0,         /* the peer closed (or reset) the connection between messages */
	RPC_IO_CUT = -1,        /* the peer closed (or reset) it halfway through a message */
	RPC_IO_MALFORMED = -2,  /* the bytes cannot be a message (rpc_message_length) */
	RPC_IO_TOO_LARGE = -3,  /* more than b's cap */
	RPC_IO_TIMEOUT = -4,    /* until passed */
	RPC_IO_CANCELLED = -5,  /* cancel_fd hung up */
	RPC_IO_FAILED = -6,     /* poll failed (errno says how) */
};

/* Read from fd, appending to b, until b starts with one whole message. until < 0: no
 * deadline; cancel_fd < 0: nothing else to watch. Bytes after the message stay in b. */
enum rpc_io_read_result rpc_io_read(int fd, struct buf *b, int cancel_fd, long long until,
				    size_t *len);

#endif
