/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Host routes through rtnetlink (user/agent/fib.c), in a private network
 * namespace: xin (198.51.100.1/24, 2001:db8::1/64) and ya (203.0.113.1/24)
 * are the links the next hops are on. What fib writes is read back both by
 * its own dump and by `ip route`, so neither can agree with itself alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "fib.h"
#include "fixture.h"

#define PROTO 252
#define MAX_ROUTES 16

static struct fib *fib;
static int xin, ya;

/* What a dump found. */
static struct fib_route found[MAX_ROUTES];
static size_t n_found;

static void setup(void)
{
	fixture_netns();
	fx_sh("ip addr add 198.51.100.1/24 dev xin && ip -6 addr add 2001:db8::1/64 dev xin nodad");
	fx_sh("ip link add ya type veth peer name yb && ip link set ya up && ip link set yb up && "
	      "ip addr add 203.0.113.1/24 dev ya");
	xin = (int)if_nametoindex("xin");
	ya = (int)if_nametoindex("ya");
	cr_assert(xin && ya);
	cr_assert_eq(fib_open(&fib), 0);
	n_found = 0;
}

static void teardown(void)
{
	for (size_t i = 0; i < n_found; i++)
		fib_route_free(&found[i]);
	fib_close(fib);
}

static void set_addr(int family, struct in6_addr *a, const char *text)
{
	struct addr parsed;

	cr_assert(addr_parse(&parsed, text) && parsed.family == family, "%s", text);
	*a = parsed.addr;
}

/* A route of PROTO, metric 20, table main to @dst; next hops added by hop(). */
static struct fib_route route(int family, const char *dst, struct fib_nexthop *nh)
{
	struct fib_route r = { .family = family, .table = 254, .metric = 20, .protocol = PROTO };

	set_addr(family, &r.dst, dst);
	r.nh = nh;
	return r;
}

static void hop(struct fib_route *r, int family, const char *gw, int ifindex, uint16_t weight)
{
	struct fib_nexthop *nh = &r->nh[r->n_nh++];

	memset(nh, 0, sizeof(*nh));
	nh->gw_family = family;
	set_addr(family, &nh->gw, gw);
	nh->ifindex = ifindex;
	nh->weight = weight;
}

static void collect(void *arg, const struct fib_route *r)
{
	(void)arg;
	cr_assert_lt(n_found, MAX_ROUTES);
	cr_assert_eq(fib_route_copy(&found[n_found++], r), 0);
}

static void dump(void)
{
	for (size_t i = 0; i < n_found; i++)
		fib_route_free(&found[i]);
	n_found = 0;
	cr_assert_eq(fib_dump(fib, PROTO, collect, NULL), 0);
}

static void assert_dumped_as(const struct fib_route *want)
{
	char a[512], b[512];

	dump();
	cr_assert_eq(n_found, 1, "%zu routes of protocol %d", n_found, PROTO);
	fib_route_format(want, a, sizeof(a));
	fib_route_format(&found[0], b, sizeof(b));
	cr_assert(fib_route_equal(&found[0], want), "wrote %s, read %s", a, b);
}

Test(fib, single_next_hop_round_trip, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[1];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	char line[256];

	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	fib_route_sort(&r);
	cr_assert_eq(fib_replace(fib, &r), 0);
	assert_dumped_as(&r);
	fx_sh_read(line, sizeof(line), "ip route show 198.18.0.53 proto 252");
	cr_assert_str_eq(line, "198.18.0.53 via 198.51.100.2 dev xin metric 20 onlink ");
}

Test(fib, multipath_weights_round_trip, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[3];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	char line[512];

	hop(&r, AF_INET, "203.0.113.2", ya, FIB_WEIGHT_MAX);
	hop(&r, AF_INET, "198.51.100.3", xin, 5);
	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	fib_route_sort(&r);
	cr_assert_eq(fib_replace(fib, &r), 0);
	assert_dumped_as(&r);
	fx_sh_read(line, sizeof(line), "ip -o route show 198.18.0.53 proto 252 | tr -d '\\\\\\t'");
	cr_assert(strstr(line, "nexthop via 203.0.113.2 dev ya weight 256"), "%s", line);
	cr_assert(strstr(line, "nexthop via 198.51.100.3 dev xin weight 5"), "%s", line);
}

Test(fib, replace_changes_the_route_in_place, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh1[2], nh2[1];
	struct fib_route r1 = route(AF_INET, "198.18.0.53", nh1);
	struct fib_route r2 = route(AF_INET, "198.18.0.53", nh2);

	hop(&r1, AF_INET, "198.51.100.2", xin, 1);
	hop(&r1, AF_INET, "203.0.113.2", ya, 1);
	hop(&r2, AF_INET, "203.0.113.9", ya, 1);
	fib_route_sort(&r1);
	fib_route_sort(&r2);
	cr_assert_eq(fib_replace(fib, &r1), 0);
	cr_assert_eq(fib_replace(fib, &r2), 0);
	assert_dumped_as(&r2); /* one route, the new one */
	cr_assert_eq(fib_replace(fib, &r1), 0);
	assert_dumped_as(&r1);
}

Test(fib, ipv6_multipath_round_trip, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[2], nh2[1];
	struct fib_route r = route(AF_INET6, "2001:db8:53::53", nh);
	struct fib_route r2 = route(AF_INET6, "2001:db8:53::53", nh2);

	hop(&r, AF_INET6, "2001:db8::2", xin, 1);
	hop(&r, AF_INET6, "2001:db8::3", xin, 3);
	fib_route_sort(&r);
	cr_assert_eq(fib_replace(fib, &r), 0);
	assert_dumped_as(&r);
	/* a multipath IPv6 route replaced by a single next hop: all siblings go */
	hop(&r2, AF_INET6, "2001:db8::3", xin, 1);
	fib_route_sort(&r2);
	cr_assert_eq(fib_replace(fib, &r2), 0);
	assert_dumped_as(&r2);
	cr_assert_eq(fib_delete(fib, &r2), 0);
	dump();
	cr_assert_eq(n_found, 0);
}

Test(fib, ipv4_route_through_an_ipv6_neighbour, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[2];
	struct fib_route r = route(AF_INET, "198.18.0.54", nh);

	hop(&r, AF_INET6, "2001:db8::2", xin, 1);
	hop(&r, AF_INET, "203.0.113.2", ya, 2);
	fib_route_sort(&r);
	cr_assert_eq(fib_replace(fib, &r), 0);
	assert_dumped_as(&r);
}

Test(fib, delete_touches_only_its_protocol, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[1];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	char line[256];

	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	cr_assert_eq(fib_delete(fib, &r), -ESRCH, "nothing to delete yet");
	fx_sh("ip route add 198.18.0.53/32 via 203.0.113.2 proto static metric 20 table 100");
	fx_sh("ip route add 198.18.0.53/32 via 203.0.113.2 proto static metric 30");
	cr_assert_eq(fib_replace(fib, &r), 0);
	cr_assert_eq(fib_delete(fib, &r), 0);
	cr_assert_eq(fib_delete(fib, &r), -ESRCH);
	fx_sh_read(line, sizeof(line), "ip route show 198.18.0.53 table all | grep -c static");
	cr_assert_str_eq(line, "2", "the static routes are gone");
}

Test(fib, dump_lists_host_routes_of_the_protocol_in_every_table, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct fib_nexthop nh[1];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	char text[256];

	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	r.table = 1000; /* above 255: RTA_TABLE only */
	r.metric = 7;
	cr_assert_eq(fib_replace(fib, &r), 0);
	fx_sh("ip route add 198.18.9.0/24 via 198.51.100.2 proto 252");
	fx_sh("ip route add 198.18.0.99/32 via 198.51.100.2 proto static");
	fx_sh("ip route add 198.18.0.98/32 via 198.51.100.2 proto 253");
	assert_dumped_as(&r);
	fib_route_format(&found[0], text, sizeof(text));
	cr_assert_str_eq(
		text,
		"198.18.0.53/32 proto 252 metric 7 table 1000 via 198.51.100.2 dev xin weight 1");
}

Test(fib, a_route_without_gateway_is_seen_and_never_equal, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct fib_nexthop nh[1];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);

	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	fx_sh("ip route add 198.18.0.53/32 dev xin proto 252 metric 20");
	dump();
	cr_assert_eq(n_found, 1);
	cr_assert_eq(found[0].nh[0].gw_family, 0);
	cr_assert_not(fib_route_equal(&found[0], &r));
	cr_assert_eq(fib_delete(fib, &r), 0, "deleted by key, whatever its next hops");
}

Test(fib, equal_compares_sorted_next_hops_and_weights, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct fib_nexthop n1[2], n2[2];
	struct fib_route a = route(AF_INET, "198.18.0.53", n1);
	struct fib_route b = route(AF_INET, "198.18.0.53", n2);

	hop(&a, AF_INET, "198.51.100.2", xin, 1);
	hop(&a, AF_INET, "203.0.113.2", ya, 2);
	hop(&b, AF_INET, "203.0.113.2", ya, 2);
	hop(&b, AF_INET, "198.51.100.2", xin, 1);
	fib_route_sort(&a);
	fib_route_sort(&b);
	cr_assert(fib_route_equal(&a, &b));
	b.nh[1].weight = 3;
	cr_assert_not(fib_route_equal(&a, &b));
	b.nh[1].weight = 2;
	b.metric = 21;
	cr_assert_not(fib_route_equal(&a, &b));
}

Test(fib, a_gateway_outside_the_links_subnets_is_taken, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct fib_nexthop nh[2];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);

	/* as a backend reached through an onlink route (BGP unnumbered, a /32 link) */
	hop(&r, AF_INET, "198.18.77.1", xin, 1);
	hop(&r, AF_INET, "198.51.100.2", xin, 2);
	fib_route_sort(&r);
	cr_assert_eq(fib_replace(fib, &r), 0);
	assert_dumped_as(&r);
}

Test(fib, bad_routes_are_refused, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[1], nh6[1];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	struct fib_route r6 = route(AF_INET6, "2001:db8:53::53", nh6);

	cr_assert_eq(fib_replace(fib, &r), -EINVAL, "no next hop");
	hop(&r, AF_INET, "198.51.100.2", xin, 0);
	cr_assert_eq(fib_replace(fib, &r), -ERANGE, "weight 0");
	r.nh[0].weight = FIB_WEIGHT_MAX + 1;
	cr_assert_eq(fib_replace(fib, &r), -ERANGE, "weight 257");
	hop(&r6, AF_INET, "198.51.100.2", xin, 1);
	cr_assert_eq(fib_replace(fib, &r6), -EINVAL, "an IPv6 route through an IPv4 gateway");
	dump();
	cr_assert_eq(n_found, 0);
}

static void collect_lookup(const char *dst, int family)
{
	struct in6_addr a;

	for (size_t i = 0; i < n_found; i++)
		fib_route_free(&found[i]);
	n_found = 0;
	set_addr(family, &a, dst);
	cr_assert_eq(fib_lookup(fib, family, &a, PROTO, collect, NULL), 0);
}

Test(fib, lookup_finds_the_multipath_route, .init = setup, .fini = teardown, .timeout = 30)
{
	struct fib_nexthop nh[2], nh6[2];
	struct fib_route r = route(AF_INET, "198.18.0.53", nh);
	struct fib_route r6 = route(AF_INET6, "2001:db8:53::53", nh6);

	hop(&r, AF_INET, "198.51.100.2", xin, 1);
	hop(&r, AF_INET, "203.0.113.2", ya, 4);
	hop(&r6, AF_INET6, "2001:db8::2", xin, 1);
	hop(&r6, AF_INET6, "2001:db8::3", xin, 2);
	fib_route_sort(&r);
	fib_route_sort(&r6);
	cr_assert_eq(fib_replace(fib, &r), 0);
	cr_assert_eq(fib_replace(fib, &r6), 0);
	/* a covering route of another protocol, and a worse one for the same address */
	fx_sh("ip route add 198.18.0.0/16 via 198.51.100.9 proto static");
	fx_sh("ip route add 198.18.0.53/32 via 198.51.100.9 proto static metric 30");
	collect_lookup("198.18.0.53", AF_INET);
	cr_assert_eq(n_found, 1);
	cr_assert(fib_route_equal(&found[0], &r));
	collect_lookup("2001:db8:53::53", AF_INET6);
	cr_assert_eq(n_found, 1);
	cr_assert(fib_route_equal(&found[0], &r6));
}

Test(fib, lookup_without_the_route_finds_nothing_of_ours, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct in6_addr a;

	fx_sh("ip route add 198.18.0.0/16 via 198.51.100.9 proto static");
	fx_sh("ip route add 198.18.0.53/32 via 198.51.100.9 proto 252 metric 5 table 100");
	collect_lookup("198.18.0.53", AF_INET); /* the /16 only: not a host route of ours */
	cr_assert_eq(n_found, 0);
	set_addr(AF_INET, &a, "198.19.0.53");
	cr_assert_lt(fib_lookup(fib, AF_INET, &a, PROTO, collect, NULL), 0, "no route at all");
	cr_assert_eq(n_found, 0);
}
