/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sockets of probes, common to the types that connect (tcp, dns) and
 * to the ones whose sockets a library or the env owns (http, icmp): the
 * mark (SO_MARK) that selects the probe's path and the interface binding
 * (SO_BINDTOIFINDEX), both set before connect(); closing with a reset.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "probe_attempt.h"
#include "probe_sock.h"

socklen_t probe_sock_addr(const struct probe *p, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (p->target.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(p->port);
		/* IPv4 is kept IPv4-mapped: its last 4 bytes */
		memcpy(&sin->sin_addr, &p->target.addr.s6_addr[12], sizeof(sin->sin_addr));
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(p->port);
	sin6->sin6_addr = p->target.addr;
	return sizeof(*sin6);
}

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62 /* kernel 5.0+; glibc 2.36's headers lack it */
#endif

int probe_sock_prepare(const struct probe *p, int fd)
{
	if (p->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &p->mark, sizeof(p->mark)))
		return -1;
	/* the kernel then delivers to the socket only what arrives on that interface */
	if (p->ifindex > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &p->ifindex, sizeof(p->ifindex)))
		return -1;
	return 0;
}

int probe_sock_connect(const struct probe *p, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = probe_sock_addr(p, &ss);
	int fd, err;

	fd = socket(p->target.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* before connect(): the route (and a UDP socket's cached one) follows them */
	if (probe_sock_prepare(p, fd)) {
		err = errno;
		close(fd);
		return -err;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void probe_sock_stream_start(struct probe *p, const char *what,
			     void (*cb)(struct ev_loop *loop, ev_io *w, int revents))
{
	int fd = probe_sock_connect(p, SOCK_STREAM);

	if (fd < 0) {
		probe_fail_errno_soon(p, what, -fd);
		return;
	}
	p->fd = fd;
	ev_io_init(&p->io, cb, fd, EV_WRITE);
	p->io.data = p;
	ev_io_start(p->env->loop, &p->io);
}

void probe_sock_close(struct probe *p)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	ev_io_stop(p->env->loop, &p->io);
	if (p->fd < 0)
		return;
	/* harmless on UDP; on TCP the close sends a RST and leaves no TIME_WAIT */
	setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(p->fd);
	p->fd = -1;
}
