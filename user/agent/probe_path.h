/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The way a check that targets the service address (check.target vip) reaches
 * it through one given backend, as a client's packet forwarded by XDP would:
 * per-backend policy routing. Backend N (its dataplane id) gets a routing
 * table of its own, table + N, holding one route: the VIP via the backend's
 * next hop. A rule sends the router's own packets that carry the mark
 * mark | N to that table, and every probe socket of the backend sets that
 * mark (SO_MARK). Per family, at priorities P..P+3:
 *
 *   P    not fwmark MARK/MASK goto P+3          any other packet: one rule, on to main
 *   P+1  iif lo fwmark MARK|N lookup TABLE+N    one per backend
 *   P+2  iif lo fwmark MARK/MASK unreachable    no route for N: the probe fails,
 *                                               never falls through to main
 *   P+3  nop                                    the goto's target
 *
 * `iif lo`: a forwarded packet is never steered, whatever its mark. Rules and
 * routes carry their own protocol number, so that the VIP route mirror and
 * the routing daemons (which read the main table) never take them: at start
 * the ones found are adopted or removed, a reconcile puts back what someone
 * else removed, and exit removes them all. Another owner's rule at P..P+3
 * would be skipped by the goto: the guard is then left out for that family
 * (unmarked packets walk the backends' rules instead) and a warning says so.
 */
#ifndef XDPCAST_PROBE_PATH_H
#define XDPCAST_PROBE_PATH_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include <xdpcast/abi.h>

#include "config.h"
#include "neigh.h"

/* The backend id in the low bits of the mark; the rest is probe_mark. */
#define PROBE_PATH_ID_MASK (XDPCAST_MAX_BACKENDS - 1u)
_Static_assert((XDPCAST_MAX_BACKENDS & PROBE_PATH_ID_MASK) == 0, "backend ids fill whole bits");
/* Every second a slice of the paths is looked up as a probe's packet would be
 * (rule and route in one query); a disagreement, and every minute, compares
 * all the protocol's rules and routes with the kernel's. */
#define PROBE_PATH_CHECK_S 1.0
#define PROBE_PATH_LOOKUPS_PER_CHECK 64
#define PROBE_PATH_SWEEP_S 60.0
#define PROBE_PATH_METRIC 1

struct probe_path_settings {
	uint8_t protocol;
	uint32_t mark; /* low bits zero: PROBE_PATH_ID_MASK */
	uint32_t table;
	uint32_t priority;
};

struct probe_paths;

/* Open the netlink sockets; nothing is written until probe_paths_activate().
 * 0 or -errno; *out is NULL on failure. */
int probe_paths_open(struct probe_paths **out, struct ev_loop *loop,
		     const struct probe_path_settings *s);
/* Stop the reconcile and free the state; the kernel's rules and routes stay. */
void probe_paths_close(struct probe_paths *pp);
/* The mark of backend @id's probe sockets. */
uint32_t probe_path_mark(const struct probe_paths *pp, uint32_t id);
/* Backend @id's checks go to @vip through next hop @nh (ifindex 0: none
 * yet, the probes then fail): written at once once active. */
void probe_path_set(struct probe_paths *pp, uint32_t id, const struct addr_config *vip,
		    const struct nexthop *nh);
/* Backend @id has no VIP-targeted checks (any more). */
void probe_path_clear(struct probe_paths *pp, uint32_t id);
/* At start, once every backend is set: adopt the rules and routes of the
 * protocol that are as wanted, remove the others, add what is missing, then
 * keep them so (PROBE_PATH_CHECK_S). 0 or -errno (nothing could be read:
 * what is wanted is written all the same). */
int probe_paths_activate(struct probe_paths *pp);
/* Compare every rule and route with the kernel's now (the timer does it
 * every PROBE_PATH_SWEEP_S, and when a lookup disagrees). */
int probe_paths_reconcile(struct probe_paths *pp);
/* The timer's work: look a slice of the paths up; compare everything when
 * one disagrees or a sweep is due. Returns whether it compared everything. */
bool probe_paths_check(struct probe_paths *pp);
/* Remove every rule and route of the protocol (exit). */
void probe_paths_withdraw_all(struct probe_paths *pp);

#endif /* XDPCAST_PROBE_PATH_H */
