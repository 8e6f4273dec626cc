// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * From a backend's health, weight and next hop to its dataplane entry, and
 * from a VIP's backends to its Maglev table: rebuilt only for the VIP that
 * changed, written only when it differs, with one log line per change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vip_state.h"
#include "routes.h"
#include "log.h"
#include "operator_state.h"
#include "maglev.h"
#include "probe_path.h"

#define REBUILD_RETRY_S 1.0

void vip_state_retry_rebuilds(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < a->n_vips; i++)
		if (a->vips[i]->rebuild_pending)
			vip_state_apply(a, a->vips[i], "retried after a failed write");
}

int vip_state_set_admin_weight(struct agent *a, struct backend *b, int32_t weight)
{
	char reason[80];
	uint32_t old = backend_weight(b);

	if (weight > XDPCAST_WEIGHT_MAX)
		return -ERANGE;
	const char *old_state = backend_state_name(b);
	b->admin_weight = weight;
	if (weight < 0)
		snprintf(reason, sizeof(reason), "operator: weight %u -> %u (configured)", old,
			 backend_weight(b));
	else
		snprintf(reason, sizeof(reason), "operator: weight %u -> %d", old, weight);
	vip_state_backend_changed(a, b, old_state, reason, -1);
	operator_state_save(a); /* kept for the next start; a failure is only a warning */
	return 0;
}

int vip_state_write_backend(struct agent *a, struct backend *b)
{
	struct xdpcast_backend_owner owner = {
		.vip_id = b->vip->id,
		.in_use = XDPCAST_OWNER_IN_USE,
		.healthy = b->health.up,
		.weight = backend_weight(b) > 0xffff ? 0xffff : backend_weight(b),
		.operator_weight = b->admin_weight >= 0,
	};
	struct xdpcast_backend entry = {
		.ifindex = b->nh.ifindex,
		.vlan = b->nh.vlan,
		.state = backend_dp_state(b),
	};
	int err;

	memcpy(owner.addr, &b->cfg.addr.addr, sizeof(owner.addr));
	if (backend_nexthop_resolved(b)) {
		memcpy(entry.dst_mac, b->nh.dst_mac, sizeof(entry.dst_mac));
		memcpy(entry.src_mac, b->nh.src_mac, sizeof(entry.src_mac));
		entry.flags = XDPCAST_BACKEND_F_MAC_KNOWN;
	}
	err = xdpcast_dp_set_owner(&a->dp, b->id, &owner);
	if (!err)
		err = xdpcast_dp_set_backend(&a->dp, b->id, &entry);
	if (err)
		pr_err("backend %s: cannot write its dataplane entry (%s)\n", b->cfg.name,
		       strerror(-err));
	return err;
}

/* The table for the VIP's current backends; NULL when none takes new flows. */
static uint32_t *build_table(struct agent *a, struct vip *v, int *err)
{
	struct maglev_backend *mb = calloc(v->n_backends ? v->n_backends : 1, sizeof(*mb));
	uint32_t *table = NULL;
	size_t n = 0;

	*err = -ENOMEM;
	if (!mb)
		return NULL;
	for (size_t i = 0; i < v->n_backends; i++) {
		const struct backend *b = v->backends[i];

		if (!backend_in_table(b))
			continue;
		/* the address, not the id or name, decides the slots: stable across restarts */
		mb[n++] = (struct maglev_backend){ .id = b->id,
						   .weight = backend_weight(b),
						   .key = &b->cfg.addr.addr,
						   .key_len = sizeof(b->cfg.addr.addr) };
	}
	*err = 0;
	if (n)
		table = malloc(sizeof(*table) * v->cfg.table_size);
	if (n && !table)
		*err = -ENOMEM;
	if (table) {
		*err = maglev_build(mb, n, a->cfg.seed, table, v->cfg.table_size);
		if (*err) {
			free(table);
			table = NULL;
		}
	}
	free(mb);
	return table;
}

static long slots_moved(const uint32_t *old, uint32_t old_size, const uint32_t *new,
			uint32_t new_size)
{
	long moved = 0;

	if (old_size != new_size)
		return old_size > new_size ? old_size : new_size;
	for (uint32_t i = 0; i < new_size; i++)
		moved += old[i] != new[i];
	return moved;
}

long vip_state_rebuild(struct agent *a, struct vip *v)
{
	bool usable = vip_backends_in_table(v) >= v->cfg.min_healthy;
	uint32_t *table = NULL, size = 0;
	long moved;
	int err = 0;

	if (usable) {
		table = build_table(a, v, &err);
		if (err) {
			pr_err("vip %s %s: cannot build its table (%s): table NOT rewritten\n",
			       v->cfg.name, v->cfg.addr.text, strerror(-err));
			return err;
		}
		size = table ? v->cfg.table_size : 0;
	}
	moved = slots_moved(v->table, v->table_size, table, size);
	if (!moved) {
		free(table);
		v->usable = size > 0;
		return 0;
	}
	err = xdpcast_dp_write_table(&a->dp, &v->key, table, size);
	if (err) {
		pr_err("vip %s %s: cannot write its table (%s): table NOT rewritten, retrying in "
		       "%.0f s\n",
		       v->cfg.name, v->cfg.addr.text, strerror(-err), REBUILD_RETRY_S);
		free(table);
		v->rebuild_pending = true;
		if (!ev_is_active(&a->retry_timer)) {
			ev_timer_set(&a->retry_timer, REBUILD_RETRY_S, 0);
			ev_timer_start(a->loop, &a->retry_timer);
		}
		return err;
	}
	v->rebuild_pending = false;
	free(v->table);
	v->table = table;
	v->table_size = size;
	v->usable = size > 0;
	return moved;
}

void vip_state_update_route(struct agent *a, const struct vip *v)
{
	/* the route follows the table: the kernel takes what XDP passes */
	routes_update(a->routes, &v->cfg.addr);
}

void vip_state_log_service(const struct vip *v, bool was_usable)
{
	if (v->usable == was_usable)
		return;
	if (v->usable)
		pr_info("vip %s %s: in service, %u of %zu backends take new flows\n", v->cfg.name,
			v->cfg.addr.text, vip_backends_in_table(v), v->n_backends);
	else
		pr_warn("vip %s %s: out of service (%u of %zu backends take new flows, "
			"min_healthy %u): its packets go to the kernel\n",
			v->cfg.name, v->cfg.addr.text, vip_backends_in_table(v), v->n_backends,
			v->cfg.min_healthy);
}

/* After a change to @v and its rebuild (@moved), the effects in the order
 * they follow from each other: the table ("@why, table ..." when the cause is
 * not on a line of its own), the VIP's service, the route. A failed rebuild
 * has said so already. */
static void log_effects(struct agent *a, struct vip *v, const char *why, long moved,
			bool was_usable)
{
	char head[256];

	snprintf(head, sizeof(head), "vip %s %s: %s%s", v->cfg.name, v->cfg.addr.text,
		 why ? why : "", why ? ", " : "");
	if (moved > 0)
		pr_info("%stable rewritten, %ld of %u slots moved\n", head, moved,
			v->cfg.table_size);
	else if (moved == 0)
		pr_info("%stable unchanged\n", head);
	vip_state_log_service(v, was_usable);
	vip_state_update_route(a, v);
}

void vip_state_apply(struct agent *a, struct vip *v, const char *why)
{
	bool was_usable = v->usable;

	log_effects(a, v, why, vip_state_rebuild(a, v), was_usable);
}

void vip_state_backend_changed(struct agent *a, struct backend *b, const char *old_state,
			       const char *reason, double latency_ms)
{
	struct vip *v = b->vip;
	bool was_usable = v->usable;
	char latency[32] = "";
	long moved;

	if (strcmp(old_state, backend_state_name(b)))
		b->state_since = ev_time();
	if (latency_ms >= 0)
		snprintf(latency, sizeof(latency), ", check %.1f ms", latency_ms);
	/* the cause first, then what it did: losing a backend is a warning,
	 * everything else is news */
	log_msg(b->health.up || !strcmp(old_state, "absent") ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"vip %s %s: backend %s %s: %s -> %s (%s)%s\n", v->cfg.name, v->cfg.addr.text,
		b->cfg.name, b->cfg.addr.text, old_state, backend_state_name(b), reason, latency);
	/* a backend that joins gets its entry before the table names it; one
	 * that leaves stays forwardable until the table no longer does */
	if (backend_in_table(b))
		vip_state_write_backend(a, b);
	moved = vip_state_rebuild(a, v);
	if (!backend_in_table(b))
		vip_state_write_backend(a, b);
	log_effects(a, v, NULL, moved, was_usable);
}

void vip_state_refresh_nexthop(struct agent *a, struct backend *b)
{
	struct nexthop nh;

	if (neigh_get(a->neigh, &b->cfg.addr, &nh))
		memset(&nh, 0, sizeof(nh));
	if (nh.ifindex > 0 && nh.ifindex != b->nh.ifindex) {
		if (nh.ifindex > XDPCAST_EGRESS_IFINDEX_MAX)
			pr_warn("backend %s: egress ifindex %d is above %d: cannot forward\n",
				b->cfg.name, nh.ifindex, XDPCAST_EGRESS_IFINDEX_MAX);
		else
			xdpcast_dp_set_egress(&a->dp, nh.ifindex);
	}
	b->nh = nh;
	/* its checks' replies come in where its packets go out */
	probe_set_ifindex(b->probe, nh.ifindex);
	vip_state_refresh_probe_path(a, b);
}

void vip_state_refresh_probe_path(struct agent *a, struct backend *b)
{
	if (!a->probe_paths || b->id >= XDPCAST_MAX_BACKENDS)
		return;
	if (b->cfg.check.target == CHECK_TARGET_VIP)
		probe_path_set(a->probe_paths, b->id, &b->vip->cfg.addr, &b->nh);
	else
		probe_path_clear(a->probe_paths, b->id);
}

void vip_state_nexthop_changed(struct agent *a, struct backend *b)
{
	const char *old_state = backend_state_name(b);
	bool was_in_table = backend_in_table(b);

	vip_state_refresh_nexthop(a, b);
	if (b->nh.state == NEXTHOP_FAILED && health_force_down(&b->health)) {
		vip_state_backend_changed(a, b, old_state, "neighbour FAILED", -1);
		return;
	}
	if (was_in_table != backend_in_table(b)) {
		vip_state_backend_changed(
			a, b, old_state,
			backend_in_table(b) ? "next hop resolved" : "next hop lost", -1);
		return;
	}
	pr_debug("backend %s %s: next hop updated (ifindex %d)\n", b->cfg.name, b->cfg.addr.text,
		 b->nh.ifindex);
	vip_state_write_backend(a, b);
	vip_state_update_route(a, b->vip); /* the route names the next hop too */
}
