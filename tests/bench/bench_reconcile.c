// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench: what xdpcastd's route reconcile costs on a router whose table
 * is large. In a private network namespace, 131,072 host routes of another
 * protocol (198.18.0.0/15, as a BGP full table would be, only smaller) and
 * one of xdpcast's; then the two ways of checking it: a listing of the
 * protocol's routes (the kernel filters them, but walks its whole table)
 * and a lookup of the route (RTM_F_FIB_MATCH). Prints
 * "bench reconcile_listing_131k <us> us" and "bench reconcile_lookup <us> us",
 * medians of ROUNDS.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "fib.h"

#define FILLER 131072 /* every address of 198.18.0.0/15 */
#define ROUNDS 11
#define LOOKUPS 1000
#define PROTO 252
#define OTHER_PROTO 186 /* as BGP's routes */

static size_t found;

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

static void count(void *arg, const struct fib_route *r)
{
	(void)arg;
	(void)r;
	found++;
}

static void set_v4(struct in6_addr *a, uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &be, 4);
}

/* A host route to @dst via 203.0.113.2 on d0. */
static int add(struct fib *f, uint32_t dst, uint8_t protocol, int ifindex)
{
	struct fib_nexthop nh = { .gw_family = AF_INET, .ifindex = ifindex, .weight = 1 };
	struct fib_route r = { .family = AF_INET,
			       .table = 254,
			       .metric = 10,
			       .protocol = protocol,
			       .nh = &nh,
			       .n_nh = 1 };

	set_v4(&r.dst, dst);
	set_v4(&nh.gw, 0xcb007102); /* 203.0.113.2 */
	return fib_replace(f, &r);
}

int main(void)
{
	double listing[ROUNDS], lookup[ROUNDS], t;
	struct in6_addr vip;
	struct fib *f;
	int ifindex, err;

	if (unshare(CLONE_NEWNET) ||
	    system("ip link add d0 type veth peer name d1 && ip link set d0 up && "
		   "ip link set d1 up && ip addr add 203.0.113.1/24 dev d0")) {
		fprintf(stderr, "bench-reconcile: a namespace with a link: %s\n", strerror(errno));
		return 1;
	}
	ifindex = (int)if_nametoindex("d0");
	err = fib_open(&f);
	for (uint32_t i = 0; !err && i < FILLER; i++)
		err = add(f, 0xc6120000 + i, OTHER_PROTO, ifindex); /* 198.18.0.0 + i */
	if (!err)
		err = add(f, 0xcb007135, PROTO, ifindex); /* 203.0.113.53 */
	if (err) {
		fprintf(stderr, "bench-reconcile: adding routes: %s\n", strerror(-err));
		return 1;
	}
	set_v4(&vip, 0xcb007135);
	for (int i = 0; i < ROUNDS; i++) {
		found = 0;
		t = now_us();
		err = fib_dump(f, PROTO, count, NULL);
		listing[i] = now_us() - t;
		if (err || found != 1) {
			fprintf(stderr, "bench-reconcile: the listing found %zu routes (%s)\n",
				found, strerror(-err));
			return 1;
		}
		found = 0;
		t = now_us();
		for (int j = 0; j < LOOKUPS && !err; j++)
			err = fib_lookup(f, AF_INET, &vip, PROTO, count, NULL);
		lookup[i] = (now_us() - t) / LOOKUPS;
		if (err || found != LOOKUPS) {
			fprintf(stderr, "bench-reconcile: the lookups found %zu of %d (%s)\n",
				found, LOOKUPS, strerror(-err));
			return 1;
		}
	}
	qsort(listing, ROUNDS, sizeof(double), cmp_double);
	qsort(lookup, ROUNDS, sizeof(double), cmp_double);
	printf("bench reconcile_listing_131k %.0f us\n", listing[ROUNDS / 2]);
	printf("bench reconcile_lookup %.1f us\n", lookup[ROUNDS / 2]);
	fib_close(f);
	return 0;
}
