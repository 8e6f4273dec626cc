// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench, failover_ms: kills a backend's DNS server and measures, from
 * the dataplane's own per-backend counters (pinned maps), how long the
 * dataplane went on sending to it. Usage:
 *   xdpcast-failover-watch PIN_DIR IFINDEX PID [MARK_FIFO]
 * watches every backend whose egress is IFINDEX (the dead server's link),
 * writes "kill" to MARK_FIFO (dnsload's marks: its per-query records then
 * share the kill's time), SIGKILLs PID, samples the counters every 200 us
 * until they have not moved for QUIET_MS, and prints the milliseconds from
 * the kill to the last packet counted there. Exits 1 without a figure when
 * the backend got no packets just before the kill (no load: nothing to
 * measure) or never stopped getting them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dataplane.h"
#include "log.h"

#define MAX_IDS 64 /* backend ids scanned: the bench's VIP has a few */
#define QUIET_MS 1000 /* no packet that long: the dataplane stopped */
#define LIMIT_MS 5000
#define SAMPLE_US 200

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Packets counted at the watched backends. */
static __u64 packets(struct xdpcast_dp *dp, const int *ids, int n)
{
	struct xdpcast_counter c;
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!xdpcast_dp_read_backend_stats(dp, ids[i], &c))
			sum += c.packets;
	}
	return sum;
}

int main(int argc, char **argv)
{
	struct xdpcast_backend b;
	struct xdpcast_dp dp;
	int ids[MAX_IDS], n = 0, id, fd;
	double t0, t, last;
	__u64 p, prev;
	unsigned long ifindex;
	pid_t pid;

	log_set_prefix("xdpcast-failover-watch");
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s PIN_DIR IFINDEX PID [MARK_FIFO]\n", argv[0]);
		return 2;
	}
	ifindex = strtoul(argv[2], NULL, 10);
	pid = (pid_t)strtol(argv[3], NULL, 10);
	if (!ifindex || pid <= 1 || xdpcast_dp_open_pinned(&dp, argv[1]))
		return 2;
	for (id = 0; id < MAX_IDS; id++) {
		if (!xdpcast_dp_get_backend(&dp, id, &b) && b.ifindex == ifindex &&
		    b.state == XDPCAST_BACKEND_UP)
			ids[n++] = id;
	}
	if (!n) {
		pr_warn("no backend up on ifindex %lu\n", ifindex);
		return 1;
	}
	prev = packets(&dp, ids, n);
	usleep(100 * 1000);
	p = packets(&dp, ids, n);
	if (p == prev) {
		pr_warn("no packets to the backend before the kill: no load\n");
		return 1;
	}
	if (argc == 5) {
		/* non-blocking: dnsload holds the FIFO open for reading */
		fd = open(argv[4], O_WRONLY | O_NONBLOCK);
		if (fd >= 0) {
			if (write(fd, "kill\n", 5) != 5)
				pr_warn("mark not written\n");
			close(fd);
		}
	}
	prev = packets(&dp, ids, n);
	t0 = now_ms();
	if (kill(pid, SIGKILL))
		return log_err(-errno, "kill the server") ? 1 : 1;
	last = t0;
	for (t = t0; t - last < QUIET_MS; t = now_ms()) {
		if (t - t0 > LIMIT_MS) {
			pr_warn("still sending to the dead backend after %d ms\n", LIMIT_MS);
			return 1;
		}
		p = packets(&dp, ids, n);
		if (p != prev) {
			last = t;
			prev = p;
		}
		usleep(SAMPLE_US);
	}
	printf("%.1f\n", last - t0);
	return 0;
}
