/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Next hops of the backends from the kernel, over rtnetlink (libmnl): the
 * route to each backend's address gives the egress interface and gateway,
 * the neighbour table (ARP/NDP) gives the gateway's MAC, the link gives our
 * own MAC. A subscription to neighbour, link and route events keeps them
 * current; every change to a tracked next hop calls the owner back.
 */
#ifndef XDPCAST_NEIGH_H
#define XDPCAST_NEIGH_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum nexthop_state {
	NEXTHOP_UNRESOLVED, /* no route, or neighbour not (yet) resolved: no MAC */
	NEXTHOP_REACHABLE, /* MAC known (REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP) */
	NEXTHOP_FAILED, /* neighbour entry FAILED: resolution failed, the backend is gone */
};

/*
 * ifindex 0: no route we can forward on (none, unreachable, blackhole,
 * prohibit, a local address, a route through the loopback). A next hop on a
 * link that is down (admin or carrier) or not Ethernet keeps that ifindex
 * and is UNRESOLVED.
 */
struct nexthop {
	enum nexthop_state state;
	int ifindex; /* egress interface of the route to the backend; 0 = no route */
	uint16_t vlan; /* 0; reserved for VLAN sub-interfaces */
	uint8_t src_mac[6]; /* the egress interface's MAC */
	uint8_t dst_mac[6]; /* the next hop's (gateway's or backend's own) MAC */
	struct in6_addr gateway; /* the neighbour looked up (the backend itself when on-link) */
};

struct neigh_watch;

/* @changed(@arg, @addr) runs on the loop whenever a tracked address's next
 * hop changes (state, MAC, interface). */
typedef void (*neigh_changed_fn)(void *arg, const struct addr_config *addr);

/* Opens the netlink sockets (a query one and an event one on the loop).
 * @changed may track, untrack, get and refresh, but not free the watch. */
struct neigh_watch *neigh_watch_new(struct ev_loop *loop, neigh_changed_fn changed, void *arg);
void neigh_watch_free(struct neigh_watch *w);

/* Track @addr (idempotent; counted, so each track needs one untrack): looks
 * up its route and neighbour now. */
int neigh_track(struct neigh_watch *w, const struct addr_config *addr);
void neigh_untrack(struct neigh_watch *w, const struct addr_config *addr);
/* The current next hop of a tracked address; -ENOENT if not tracked. */
int neigh_get(struct neigh_watch *w, const struct addr_config *addr, struct nexthop *out);
/* Look up every tracked address again (routes may have changed). */
void neigh_refresh(struct neigh_watch *w);

/* "unresolved", "reachable", "failed": for logs and the control socket. */
const char *nexthop_state_name(enum nexthop_state state);

#endif /* XDPCAST_NEIGH_H */
