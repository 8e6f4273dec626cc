// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What a backend's state says, without changing it (backend.h). */
#include <stddef.h>

#include "backend.h"

uint32_t vip_flow_table_entries(uint32_t flows)
{
	return (flows + XDPCAST_FLOW_WAYS - 1) / XDPCAST_FLOW_WAYS * XDPCAST_FLOW_WAYS;
}

bool backend_nexthop_resolved(const struct backend *b)
{
	return b->nh.state == NEXTHOP_REACHABLE && b->nh.ifindex > 0;
}

uint32_t backend_weight(const struct backend *b)
{
	return b->admin_weight >= 0 ? (uint32_t)b->admin_weight : b->cfg.weight;
}

bool backend_in_table(const struct backend *b)
{
	return b->health.up && backend_weight(b) > 0 && backend_nexthop_resolved(b);
}

uint8_t backend_dp_state(const struct backend *b)
{
	if (!b->health.up)
		return XDPCAST_BACKEND_DOWN;
	return backend_weight(b) ? XDPCAST_BACKEND_UP : XDPCAST_BACKEND_DRAINING;
}

const char *const backend_state_names[] = { "down", "draining", "up", "up-unresolved", NULL };

const char *backend_state_name(const struct backend *b)
{
	if (!b->health.up)
		return backend_state_names[0];
	if (!backend_weight(b))
		return backend_state_names[1];
	return backend_state_names[backend_nexthop_resolved(b) ? 2 : 3];
}

/* Backends that take new flows: up, weighted and with a resolved next hop.
 * min_healthy counts these, not those merely passing their checks. */
uint32_t vip_backends_in_table(const struct vip *v)
{
	uint32_t n = 0;

	for (size_t i = 0; i < v->n_backends; i++)
		n += backend_in_table(v->backends[i]);
	return n;
}
