/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The TCP probe: a non-blocking connect to the backend's address and port;
 * it passes once the handshake completes. The connection is then reset
 * (SO_LINGER 0), not closed gracefully: a graceful close from our side would
 * leave a TIME_WAIT socket on the router per probe (ephemeral ports run out
 * with many backends probed each second), and the backend learns nothing
 * more from a FIN than from a RST.
 */
#include <errno.h>
#include <sys/socket.h>

#include "probe_attempt.h"
#include "probe_sock.h"

static void tcp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		probe_fail_errno(p, "tcp", err);
	else
		probe_pass(p);
}

static void tcp_start(struct probe *p)
{
	probe_sock_stream_start(p, "tcp", tcp_io_cb);
}

static void tcp_stop(struct probe *p)
{
	probe_sock_close(p);
}

const struct probe_ops probe_tcp_ops = {
	.check_types = 1u << CHECK_TCP,
	.start = tcp_start,
	.stop = tcp_stop,
};
