/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The VIPs' routes in the kernel FIB, for the routing daemon to announce
 * (routes.c, docs/routing.md): one host route per VIP address while every
 * VIP there is in service. It reads the VIPs (backend.h) and writes the
 * kernel (fib.h); it knows nothing else of the agent.
 */
#ifndef XDPCAST_ROUTES_H
#define XDPCAST_ROUTES_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* route: in the configuration */
struct route_settings {
	uint8_t protocol;
	uint32_t metric;
	uint32_t table;
	uint32_t reconcile_ms; /* how often the kernel's copy is checked */
};

/* The VIPs the routes follow: the owner's array and count, read through these
 * at every use (the owner may grow the array, reloads change it). */
struct route_vips {
	struct vip *const *const *vips;
	const size_t *n;
};

struct routes;

/* What the reconcile and the writes did since the start, for the metrics. */
struct routes_counters {
	uint64_t repairs; /* routes put back after someone else deleted or changed them */
	uint64_t write_failures; /* netlink writes (replace, delete) the kernel refused */
};

/* Open the netlink socket; nothing is written until routes_activate(). */
int routes_open(struct routes **out, struct ev_loop *loop, const struct route_settings *settings,
		struct route_vips vips);
/* At start, once the VIPs are built: adopt our protocol's routes at configured
 * addresses, remove the others, install what the VIPs say, start the reconcile. */
int routes_activate(struct routes *rs);
/* The VIPs at @addr changed (service, backends, weights, next hops). */
void routes_update(struct routes *rs, const struct addr_config *addr);
/* Every address again, with new @settings (after a reload). */
void routes_update_all(struct routes *rs, const struct route_settings *settings);
/* Delete every route installed (exit), logging @why. */
void routes_withdraw_all(struct routes *rs, const char *why);
/* Whether xdpcastd's route of @addr is in the kernel. */
bool routes_announced(const struct routes *rs, const struct addr_config *addr);
/* The last write of @addr's route that failed ("install: Network is
 * unreachable"), retried by each reconcile; NULL when the route is as wanted. */
const char *routes_error(const struct routes *rs, const struct addr_config *addr);
/* The counters (NULL: zeros). */
struct routes_counters routes_counters(const struct routes *rs);
/* Free the state (NULL: nothing); the kernel's routes stay as they are. */
void routes_close(struct routes *rs);

#endif /* XDPCAST_ROUTES_H */
