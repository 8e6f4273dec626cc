/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Host routes in the kernel FIB over rtnetlink (libmnl): replace one
 * atomically, delete one of a given protocol, list those of a protocol. The
 * route mirror (routes.c) decides what they should be.
 */
#ifndef XDPCAST_FIB_H
#define XDPCAST_FIB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIB_WEIGHT_MAX 256 /* the kernel keeps a next hop's weight in 8 bits (weight - 1) */
#define FIB_NEXTHOPS_MAX 1024 /* what one netlink request holds, with room to spare */

struct fib_nexthop {
	struct in6_addr gw; /* IPv4 IPv4-mapped */
	int gw_family; /* AF_INET or AF_INET6 (an IPv4 route through an IPv6 neighbour) */
	int ifindex;
	uint32_t weight; /* 1..FIB_WEIGHT_MAX in the kernel (more while a route is summed up) */
};

/* A /32 or /128 route of one protocol, with its next hops sorted by
 * fib_route_sort(). */
struct fib_route {
	int family;
	struct in6_addr dst; /* IPv4 IPv4-mapped */
	uint32_t table;
	uint32_t metric;
	uint8_t protocol;
	struct fib_nexthop *nh;
	size_t n_nh;
};

struct fib;

/* 0 or -errno; *out is NULL on failure. */
int fib_open(struct fib **out);
void fib_close(struct fib *f);
/* Create or atomically replace the route with @r's destination, table and
 * metric: NLM_F_REPLACE, never a delete and an add. 0 or -errno. Every next
 * hop is marked onlink: its gateway and interface are the kernel's own
 * answer for the backend, so they need no second check, and a gateway
 * outside the link's subnets (an onlink route, BGP unnumbered) is taken. An
 * IPv6 route cannot go through an IPv4 gateway (-EINVAL). */
int fib_replace(struct fib *f, const struct fib_route *r);
/* Delete the route with @r's destination, table, metric and protocol (a route
 * of another protocol is never touched). 0, -ESRCH if there is none, or -errno. */
int fib_delete(struct fib *f, const struct fib_route *r);
/* Call @fn for each /32 and /128 route of @protocol in every table, IPv4 then
 * IPv6. The route passed is valid during the call only, and @fn must not
 * call fib_* on @f (its buffers are in use). 0 or -errno. */
typedef void (*fib_route_fn)(void *arg, const struct fib_route *r);
int fib_dump(struct fib *f, uint8_t protocol, fib_route_fn fn, void *arg);
/* The route a lookup of @dst finds (RTM_F_FIB_MATCH, through the policy
 * rules: main table unless a rule says otherwise): @fn is called with it if
 * it is a host route of @protocol. A few microseconds whatever the table's
 * size, where a dump walks it all. 0 or -errno (no route: -ENETUNREACH...). */
int fib_lookup(struct fib *f, int family, const struct in6_addr *dst, uint8_t protocol,
	       fib_route_fn fn, void *arg);
/* The same for the router's own packets that carry firewall mark @mark. */
int fib_lookup_mark(struct fib *f, int family, const struct in6_addr *dst, uint32_t mark,
		    uint8_t protocol, fib_route_fn fn, void *arg);

/* A route message (a dump's or a lookup's answer) as a struct fib_route, its
 * next hops in @nh: false when it is not a host route of @protocol. No I/O
 * (fib_dump() and the fuzz harness tests/fuzz/fuzz_nl_route.c call it). */
struct nlmsghdr;
bool fib_route_parse(const struct nlmsghdr *nlh, uint8_t protocol,
		     struct fib_nexthop nh[FIB_NEXTHOPS_MAX], struct fib_route *r);

/* Order next hops canonically (interface, then gateway). */
void fib_route_sort(struct fib_route *r);
/* Same destination, table, metric, protocol and next hops (both sorted). */
bool fib_route_equal(const struct fib_route *a, const struct fib_route *b);
/* Deep copy: 0 or -ENOMEM. */
int fib_route_copy(struct fib_route *dst, const struct fib_route *src);
void fib_route_free(struct fib_route *r);
/* "203.0.113.53/32 proto 252 metric 10 table 254 via 198.18.1.2 dev r1 weight 1, ..."
 * (truncated to @len). */
void fib_route_format(const struct fib_route *r, char *buf, size_t len);

#endif /* XDPCAST_FIB_H */
