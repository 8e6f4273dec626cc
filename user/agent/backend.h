/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A VIP and its backends as xdpcastd runs them (configuration, health, next
 * hop, probe, dataplane ids, the table last written), and what can be said of
 * them without changing anything: the weight in force, whether a backend
 * takes new flows, its dataplane state. routes.c, the stats file and the
 * control socket read them through these; vip_state.c changes them.
 */
#ifndef XDPCAST_BACKEND_H
#define XDPCAST_BACKEND_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dataplane.h"
#include "health.h"
#include "latency_hist.h"
#include "neigh.h"
#include "probe.h"
#include "schedule.h"

struct agent;
struct vip;

struct backend {
	struct backend_config cfg;
	struct vip *vip;
	uint32_t id; /* dataplane backend id, owned by this backend only */
	struct health health;
	struct nexthop nh;
	struct probe *probe;
	ev_timer timer;
	struct schedule schedule;
	bool probing;
	struct probe_result last; /* the last probe's verdict */
	struct probe_result last_failure; /* the last failed probe's (at == 0: none yet) */
	uint32_t in_row; /* verdicts in a row with last.outcome */
	uint64_t results[PROBE_OUTCOME_MAX]; /* verdicts by outcome */
	struct health_log log; /* what the log said of the verdicts */
	uint64_t probes, probe_failures;
	struct latency_hist check_duration; /* every probe's latency (checks.c) */
	int32_t admin_weight; /* the operator's weight (drain = 0), or -1: the configured one */
	bool tracked; /* its next hop is tracked (neigh_track succeeded) */
	/* wall-clock time (s) since when backend_state_name() has said what it
	 * says: set when it was made (or adopted) and at every change */
	double state_since;
};

struct vip {
	struct vip_config cfg; /* cfg.backends is not used: see backends */
	struct agent *agent;
	struct xdpcast_vip_key key;
	uint32_t id;
	struct backend **backends;
	size_t n_backends;
	uint32_t *table; /* the table last written (NULL: none, packets pass) */
	uint32_t table_size;
	bool usable; /* at least min_healthy backends up and one takes new flows */
	bool rebuild_pending; /* the last table write failed: retried by retry_timer */
};

/* The weight in force: the operator's if set, else the configured one. */
uint32_t backend_weight(const struct backend *b);
/* Its next hop is known, MAC and interface. */
bool backend_nexthop_resolved(const struct backend *b);
/* It takes new flows: up, weighted and with a resolved next hop. */
bool backend_in_table(const struct backend *b);
/* XDPCAST_BACKEND_DOWN, _UP or _DRAINING, for its dataplane entry. */
uint8_t backend_dp_state(const struct backend *b);
/* "down", "up", "draining" or "up-unresolved": a constant string. */
const char *backend_state_name(const struct backend *b);
/* Every name backend_state_name() gives, then NULL (the metrics list them all). */
extern const char *const backend_state_names[];
/* Backends that take new flows (what min_healthy counts). */
uint32_t vip_backends_in_table(const struct vip *v);
/* Flow table entries the dataplane makes for @flows (whole sets). */
uint32_t vip_flow_table_entries(uint32_t flows);

#endif /* XDPCAST_BACKEND_H */
