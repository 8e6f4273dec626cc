// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The listeners behind `make bench`'s checks_1000_cpu: accepts TCP
 * connections on every local address at the port given and closes them at
 * once, which is all a TCP health check needs. Runs until killed.
 */
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd;

	(void)loop;
	(void)revents;
	while ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, one = 1, zero = 0;
	struct ev_loop *loop = ev_default_loop(0);
	ev_io io;

	if (argc != 2 || !(sa.sin6_port = htons(atoi(argv[1])))) {
		fprintf(stderr, "usage: tcp-sink PORT\n");
		return 2;
	}
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096)) {
		fprintf(stderr, "tcp-sink: port %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ev_io_init(&io, on_accept, fd, EV_READ);
	ev_io_start(loop, &io);
	ev_run(loop, 0);
	return 0;
}
