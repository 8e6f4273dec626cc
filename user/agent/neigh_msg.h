/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rtnetlink messages the next-hop watch (neigh.c) reads, parsed without
 * I/O: the answers to its route, link and neighbour queries (libmnl
 * callbacks, run by nl_query_run()) and the events it follows. neigh.c and
 * the fuzz harness tests/fuzz/fuzz_nl_neigh.c call them.
 */
#ifndef XDPCAST_NEIGH_MSG_H
#define XDPCAST_NEIGH_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#define ETH_MAC_LEN 6

/* `ip route get`'s answer (neigh_route_cb's data). */
struct route_info {
	bool found;
	uint8_t type; /* RTN_* */
	int oif;
	int gw_family; /* 0: on-link */
	struct in6_addr gw;
};

/* A link's answer (neigh_link_cb's data). */
struct link_info {
	int ifindex;
	int err;
	unsigned int flags;
	bool ether; /* an Ethernet link with a MAC */
	uint8_t mac[ETH_MAC_LEN];
};

/* A neighbour entry's answer (neigh_neigh_cb's data). */
struct neigh_info {
	bool found;
	uint16_t state; /* NUD_* */
	bool has_mac;
	uint8_t mac[ETH_MAC_LEN];
};

/* A neighbour event (RTM_NEWNEIGH, RTM_DELNEIGH) that may concern a next hop. */
struct neigh_event {
	int family;
	int ifindex;
	struct in6_addr addr; /* IPv4 IPv4-mapped */
	bool failed; /* NUD_FAILED */
};

/* A route event (RTM_NEWROUTE, RTM_DELROUTE): the prefix it changes. */
struct neigh_route_event {
	int family;
	uint8_t dst[16]; /* 4 bytes for IPv4; zeros without RTA_DST */
	unsigned int dst_len; /* at most 32 (IPv4) or 128 */
};

int neigh_route_cb(const struct nlmsghdr *nlh, void *data);
int neigh_link_cb(const struct nlmsghdr *nlh, void *data);
int neigh_neigh_cb(const struct nlmsghdr *nlh, void *data);
/* False when the event is none that a next hop can go through. */
bool neigh_event_parse(const struct nlmsghdr *nlh, struct neigh_event *ev);
bool neigh_route_event_parse(const struct nlmsghdr *nlh, struct neigh_route_event *ev);

#endif /* XDPCAST_NEIGH_MSG_H */
