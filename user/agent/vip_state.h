/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the dataplane holds for each VIP, derived from its backends' health,
 * weights and next hops (vip_state.c): backend entries, the Maglev table
 * (written only when it differs, retried when a write fails), the route, and
 * one log line per change, cause first. Called by the checks, the reload,
 * the neighbour watch and the control socket.
 */
#ifndef XDPCAST_VIP_STATE_H
#define XDPCAST_VIP_STATE_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent_state.h"

/* The operator sets (0 = drain) or clears (-1) the backend's weight: applied
 * and logged like any change. -ERANGE above XDPCAST_WEIGHT_MAX. */
int vip_state_set_admin_weight(struct agent *a, struct backend *b, int32_t weight);
int vip_state_write_backend(struct agent *a, struct backend *b);
/* Rebuild the VIP's table; written only if it differs. Returns the number
 * of slots that changed backend (all when the size changed), or -errno after
 * an error line saying the table was NOT rewritten. The route is left to
 * vip_state_update_route(), called once the change is logged. */
long vip_state_rebuild(struct agent *a, struct vip *v);
/* The VIP's route made what its table says (routes_update()). */
void vip_state_update_route(struct agent *a, const struct vip *v);
/* retry_timer's callback: rebuild the VIPs whose last table write failed. */
void vip_state_retry_rebuilds(struct ev_loop *loop, ev_timer *w, int revents);
/* Log the VIP entering or leaving service, if it did since @was_usable. */
void vip_state_log_service(const struct vip *v, bool was_usable);
/* Rebuild and log the outcome, saying @why; then the service and the route. */
void vip_state_apply(struct agent *a, struct vip *v, const char *why);
/* A backend changed state: log it first (@reason, the check's latency, < 0:
 * none), then apply it, logging each effect after its cause: the table (slots
 * moved or NOT rewritten), the VIP entering or leaving service, the route. */
void vip_state_backend_changed(struct agent *a, struct backend *b, const char *old_state,
			       const char *reason, double latency_ms);
void vip_state_refresh_nexthop(struct agent *a, struct backend *b);
/* Its probe path (probe_path.h) as its check's target and next hop say. */
void vip_state_refresh_probe_path(struct agent *a, struct backend *b);
void vip_state_nexthop_changed(struct agent *a, struct backend *b);

#endif /* XDPCAST_VIP_STATE_H */
