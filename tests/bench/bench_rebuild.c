// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench: what one health change costs the agent in the table path:
 * build a weighted Maglev table of 65537 slots for 100 backends and write it
 * into the dataplane (the table flipped out last time refilled, then flipped
 * in), as xdpcastd does for the VIP whose backend changed. Each round changes
 * one backend's weight so that every table differs. Maps are not pinned; the
 * process runs in a private network namespace. Prints
 * "bench table_rebuild_65537x100 <us> us" (median of ROUNDS); the build,
 * write and flip parts go to stderr.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "xdpcast.skel.h"

#define SLOTS XDPCAST_TABLE_SIZE_DEFAULT
#define BACKENDS 100
#define ROUNDS 101

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static int load(struct xdpcast **skel, struct xdpcast_dp *dp)
{
	struct bpf_map *m;
	int err;

	*skel = xdpcast__open();
	if (!*skel)
		return -errno;
	/* never pin into the host's /sys/fs/bpf: these maps die with the process */
	bpf_object__for_each_map (m, (*skel)->obj)
		bpf_map__set_pin_path(m, NULL);
	err = xdpcast__load(*skel);
	return err ?: xdpcast_dp_from_object(dp, (*skel)->obj);
}

int main(void)
{
	static __u32 table[SLOTS];
	double total[ROUNDS], build[ROUNDS], write[ROUNDS], flip[ROUNDS], t0, t1, t2, t3;
	struct maglev_backend backends[BACKENDS];
	__u8 addrs[BACKENDS][16] = {};
	struct xdpcast_vip_key key;
	struct xdpcast *skel = NULL;
	struct xdpcast_dp dp;
	int err, i;

	log_set_prefix("xdpcast-bench");
	log_install_lib_hooks();
	if (unshare(CLONE_NEWNET)) {
		log_err(-errno, "unshare a network namespace");
		return 1;
	}
	err = load(&skel, &dp);
	if (err) {
		log_err(err, "load the dataplane");
		xdpcast__destroy(skel);
		return 1;
	}
	xdpcast_vip_key_from_str(&key, "203.0.113.53", IPPROTO_UDP, 53);
	err = xdpcast_dp_add_vip(&dp, &key, 0, 0);
	if (err) {
		log_err(err, "add a VIP");
		goto out;
	}
	for (i = 0; i < BACKENDS; i++) {
		/* 198.18.x.y, IPv4-mapped, as the agent keys them */
		addrs[i][10] = addrs[i][11] = 0xff;
		addrs[i][12] = 198;
		addrs[i][13] = 18;
		addrs[i][14] = i / 250;
		addrs[i][15] = i % 250 + 2;
		backends[i] = (struct maglev_backend){
			.id = i, .weight = 100, .key = addrs[i], .key_len = 16
		};
	}
	for (i = -1; i < ROUNDS; i++) {
		backends[(i + BACKENDS) % BACKENDS].weight = 100 + (i & 1); /* a new table */
		t0 = now_us();
		err = maglev_build(backends, BACKENDS, 0x5eed, table, SLOTS);
		t1 = now_us();
		/* xdpcast_dp_write_table() in its two steps, to time the flip alone */
		err = err ?: xdpcast_dp_stage_table(&dp, &key, table, SLOTS);
		t2 = now_us();
		err = err ?: xdpcast_dp_flip_table(&dp, &key);
		t3 = now_us();
		if (err) {
			log_err(err, "build and write a table");
			goto out;
		}
		if (i < 0)
			continue; /* warm-up */
		build[i] = t1 - t0;
		write[i] = t3 - t1;
		flip[i] = t3 - t2;
		total[i] = t3 - t0;
	}
	if (xdpcast_dp_table_size(&dp, &key) != SLOTS) {
		pr_warn("the written table is not active: no figure\n");
		err = -EIO;
		goto out;
	}
	fprintf(stderr,
		"table rebuild, %d rounds: build %.0f us, write and flip %.0f us, of which flip "
		"%.0f us (medians)\n",
		ROUNDS, median(build, ROUNDS), median(write, ROUNDS), median(flip, ROUNDS));
	printf("bench table_rebuild_65537x100 %.0f us\n", median(total, ROUNDS));
out:
	xdpcast_dp_close(&dp);
	xdpcast__destroy(skel);
	return err ? 1 : 0;
}
