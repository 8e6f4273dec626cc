/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sockets of probes (private to probe*.c): the target's address, a
 * socket given the probe's mark and interface, a non-blocking connect, and
 * the close that leaves no TIME_WAIT. Names no probe type.
 */
#ifndef XDPCAST_PROBE_SOCK_H
#define XDPCAST_PROBE_SOCK_H

#include <ev.h>
#include <sys/socket.h>

#include "probe_attempt.h"

/* @p's target and port as a socket address; returns its length. */
socklen_t probe_sock_addr(const struct probe *p, struct sockaddr_storage *ss);
/* Give socket @fd the probe's mark and bind it to its interface, if it has
 * them (before connect()): 0, or -1 with errno set. */
int probe_sock_prepare(const struct probe *p, int fd);
/* A non-blocking socket of @type connecting to the target: the fd, or -errno. */
int probe_sock_connect(const struct probe *p, int type);
/* A TCP connect to the target on p->fd, @cb called on p->io once it is
 * writable (connected, or failed: SO_ERROR says why); a failure to even
 * start is reported soon, as @what. */
void probe_sock_stream_start(struct probe *p, const char *what,
			     void (*cb)(struct ev_loop *loop, ev_io *w, int revents));
/* Stop @p's io watcher and close its socket, resetting a TCP connection
 * (SO_LINGER 0) so that the prober keeps no TIME_WAIT per probe. */
void probe_sock_close(struct probe *p);

#endif /* XDPCAST_PROBE_SOCK_H */
