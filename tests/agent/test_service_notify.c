/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sd_notify lines xdpcastd sends (service_notify.c), as a notify socket
 * like systemd's receives them: READY with STATUS, RELOADING with
 * MONOTONIC_USEC, STOPPING, WATCHDOG at once and every half of
 * WATCHDOG_USEC; and nothing at all without NOTIFY_SOCKET.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "service_notify.h"

/* A notify socket as systemd's; returns its fd, NOTIFY_SOCKET set to it. */
static int notify_socket(struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 2 };

	cr_assert_geq(fd, 0);
	*sun = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(sun->sun_path, sizeof(sun->sun_path), "/tmp/xdpcast-notify-%d", (int)getpid());
	unlink(sun->sun_path);
	cr_assert_eq(bind(fd, (struct sockaddr *)sun, sizeof(*sun)), 0, "%s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", sun->sun_path, 1);
	return fd;
}

static const char *next_message(int fd)
{
	static char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	cr_assert_gt(n, 0, "no notification: %s", strerror(errno));
	buf[n] = '\0';
	return buf;
}

Test(service_notify, the_lines_systemd_reads)
{
	struct sockaddr_un sun;
	int fd = notify_socket(&sun);
	const char *m;
	ev_timer w;

	service_notify_ready("running: %d VIPs", 2);
	cr_assert_str_eq(next_message(fd), "READY=1\nSTATUS=running: 2 VIPs");
	service_notify_reloading();
	m = next_message(fd);
	cr_assert_eq(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27), 0, "%s", m);
	cr_assert_gt(strtoull(m + 27, NULL, 10), 0);
	service_notify_stopping("stopping");
	cr_assert_str_eq(next_message(fd), "STOPPING=1\nSTATUS=stopping");

	/* WatchdogSec=: a WATCHDOG=1 at once, then every half of it */
	setenv("WATCHDOG_USEC", "4000000", 1);
	unsetenv("WATCHDOG_PID");
	cr_assert_float_eq(service_watchdog_start(EV_DEFAULT, &w), 2.0, 1e-9);
	cr_assert_str_eq(next_message(fd), "WATCHDOG=1");
	cr_assert_float_eq(w.repeat, 2.0, 1e-9);
	ev_timer_stop(EV_DEFAULT, &w);
	unsetenv("WATCHDOG_USEC");
	cr_assert_float_eq(service_watchdog_start(EV_DEFAULT, &w), 0.0, 1e-9);
	close(fd);
	unlink(sun.sun_path);
	unsetenv("NOTIFY_SOCKET");
}

Test(service_notify, nothing_without_a_notify_socket)
{
	ev_timer w;

	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "4000000", 1);
	service_notify_ready("x");
	service_notify_stopping("x");
	service_notify_reloading();
	/* sd_watchdog_enabled() says yes to WATCHDOG_USEC alone: the pings then go nowhere */
	unsetenv("WATCHDOG_USEC");
	cr_assert_float_eq(service_watchdog_start(EV_DEFAULT, &w), 0.0, 1e-9);
}
