#define _GNU_SOURCE
#include "rclient.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "rpc_io.h"

/* Beyond a run's own limits: Docker's calls around it and the reset. */
#define RUN_MARGIN_MS 90000
#define INFO_MS 15000

struct rclient {
	char path[108];
	int fd;
};


int rclient_open(struct rclient **out, const char *socket_path, struct err *e)
{
	struct rclient *c = calloc(1, sizeof *c);

	*out = NULL;
	if (c == NULL)
		return err_set(e, RC_NOMEM, "runner client");
	if (snprintf(c->path, sizeof c->path, "%s", socket_path) >= (int)sizeof c->path) {
		free(c);
		return err_set(e, RC_CONFIG, "runner_socket %s is too long", socket_path);
	}
	c->fd = -1;
	*out = c;
	return 0;
}

static void hang_up(struct rclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void rclient_close(struct rclient *c)
{
	if (c == NULL)
		return;
	hang_up(c);
	free(c);
}

/* A connection to the runner; an old one the runner closed (it was restarted) is made
 * again. */
static int connected(struct rclient *c, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (c->fd >= 0) {
		struct pollfd pf = { .fd = c->fd, .events = POLLIN | POLLRDHUP };

		/* Between requests the runner sends nothing: anything readable is its end. */
		if (poll(&pf, 1, 0) == 0)
			return 0;
		hang_up(c);
	}
	(void)snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_set(e, RC_RUNNER_DOWN, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int saved = errno;

		hang_up(c);
		return err_set(e, RC_RUNNER_DOWN, "the runner is not running (%s: %s)", c->path,
			       strerror(saved));
	}
	return 0;
}

static int send_all(struct rclient *c, const unsigned char *p, size_t n, long long until,
		    struct err *e)
{
	if (rpc_io_send(c->fd, p, n, until) == 0)
		return 0;
	if (errno == ETIMEDOUT)
		return err_set(e, RC_RUNNER_DOWN, "the runner does not read its socket");
	return err_set(e, RC_RUNNER_DOWN, "the runner hung up: %s", strerror(errno));
}

#define CANCELLED 1

/* Read one whole message into b by until, watching cancel_fd (-1: none). */
static int receive(struct rclient *c, struct buf *b, int cancel_fd, long long until,
		   size_t *len, struct err *e)
{
	switch (rpc_io_read(c->fd, b, cancel_fd, until, len)) {
	case RPC_IO_MESSAGE:
		return 0;
	case RPC_IO_MALFORMED:
		return err_set(e, RC_INTERNAL, "the runner's answer is malformed");
	case RPC_IO_TOO_LARGE:
		return err_set(e, RC_INTERNAL, "the runner's answer is too large");
	case RPC_IO_TIMEOUT:
		return err_set(e, RC_TIMEOUT_IO, "the runner did not answer in time");
	case RPC_IO_CANCELLED:
		return CANCELLED;
	case RPC_IO_FAILED:
		return err_set(e, RC_INTERNAL, "poll: %s", strerror(errno));
	case RPC_IO_END:
	case RPC_IO_CUT:
		break;
	}
	return err_set(e, RC_RUNNER_DOWN, "the runner stopped before it answered");
}

/* Send msg and read the answer into b. A connection found closed before anything was
 * sent is made again once (the runner restarted meanwhile; nothing ran). */
static int exchange(struct rclient *c, const struct buf *msg, int cancel_fd, long long until,
		    struct buf *b, size_t *len, struct err *e)
{
	int rc;

	if ((rc = connected(c, e)) != 0)
		return rc;
	if ((rc = send_all(c, msg->data, msg->len, until, e)) != 0) {
		hang_up(c);
		if ((rc = connected(c, e)) != 0 || (rc = send_all(c, msg->data, msg->len, until, e)) != 0) {
			hang_up(c);
			return rc;
		}
	}
	rc = receive(c, b, cancel_fd, until, len, e);
	if (rc != 0)
		hang_up(c); /* the runner sees the hang-up: it stops the run */
	return rc;
}

int rclient_run(struct rclient *c, const struct run_request *req, struct run_result *res,
		struct err *e)
{
	long long until = clock_mono_ms() + run_request_time_ms(req) + RUN_MARGIN_MS;
	struct buf msg, answer;
	size_t len = 0;
	int rc, runner_rc = 0;

	buf_init(&msg, RPC_MAX_MESSAGE);
	buf_init(&answer, RPC_MAX_MESSAGE + 65536);
	if ((rc = rpc_encode_run(req, &msg)) != 0) {
		rc = err_set(e, rc, "the run request does not fit a message");
		goto out;
	}
	rc = exchange(c, &msg, req->cancel_fd, until, &answer, &len, e);
	if (rc == CANCELLED) {
		rc = err_set(e, RC_INTERNAL, "the client hung up");
		goto out;
	}
	if (rc != 0)
		goto out;
	if ((rc = rpc_decode_result(answer.data, len, res, &runner_rc, NULL, e)) != 0) {
		hang_up(c);
		rc = err_set(e, RC_INTERNAL, "the runner's answer is malformed: %s", e->msg);
		goto out;
	}
	rc = runner_rc;
out:
	buf_release(&msg);
	buf_release(&answer);
	return rc;
}

int rclient_info(struct rclient *c, struct rpc_info *out, struct err *e)
{
	struct buf msg, answer;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	buf_init(&msg, 64);
	buf_init(&answer, 1 << 20);
	if ((rc = rpc_encode_info_request(&msg)) == 0 &&
	    (rc = exchange(c, &msg, -1, clock_mono_ms() + INFO_MS, &answer, &len, e)) == 0 &&
	    (rc = rpc_decode_info(answer.data, len, out, e)) != 0) {
		hang_up(c);
		rc = err_set(e, RC_INTERNAL, "the runner's answer is malformed: %s", e->msg);
	}
	buf_release(&msg);
	buf_release(&answer);
	return rc;
}
