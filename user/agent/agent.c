// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcastd's lifecycle: attach or adopt the dataplane, turn the configuration
 * into VIPs and backends with ids, keep each backend's entry and each VIP's
 * table equal to health, weight and next hop, and undo it all on exit.
 */
#include "agent.h"
#include "routes.h"
#include "adopt.h"
#include "checks.h"
#include "operator_state.h"
#include "stats_file.h"
#include "vip_state.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "maglev.h"
#include "probe_path.h"
#include "seed_file.h"

static void on_neigh_changed(void *arg, const struct addr_config *addr);
static void on_stats_timer(struct ev_loop *loop, ev_timer *w, int revents);

int agent_alloc_vip_id(struct agent *a, uint32_t *id)
{
	for (uint32_t i = 0; i < XDPCAST_MAX_VIPS; i++) {
		if (!a->vip_id_used[i]) {
			a->vip_id_used[i] = true;
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Renew the flow table of VIP @vip_id, if it has one. */
static int forget_flows_of(struct agent *a, uint32_t vip_id)
{
	int err;

	for (size_t i = 0; i < a->n_vips; i++) {
		struct vip *v = a->vips[i];

		if (v->id != vip_id || !v->cfg.flow_table)
			continue;
		pr_warn("vip %s: backend ids exhausted: its flow table is renewed so that an id "
			"it knew can serve another VIP\n",
			v->cfg.name);
		err = xdpcast_dp_set_flow_table(&a->dp, &v->key, v->cfg.flow_table_size);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A backend id for VIP @vip_id. A freed id can still be named by flows in
 * the flow table of the VIP it served, so it only goes back to that VIP;
 * then to an id never used; an id of another VIP only when nothing else is
 * left, and then that VIP's flow table is renewed so no flow of it can reach
 * the new owner.
 */
int agent_alloc_backend_id(struct agent *a, uint32_t vip_id, uint32_t *id)
{
	uint32_t i, other = XDPCAST_MAX_BACKENDS;

	for (i = 0; i < XDPCAST_MAX_BACKENDS; i++) {
		if (a->backend_id_used[i])
			continue;
		if (a->backend_id_vip[i] == vip_id || a->backend_id_vip[i] == BACKEND_ID_NEVER)
			break;
		if (other == XDPCAST_MAX_BACKENDS)
			other = i;
	}
	if (i == XDPCAST_MAX_BACKENDS && other < XDPCAST_MAX_BACKENDS) {
		i = other;
		/* no id at all rather than one that old flows still name */
		if (forget_flows_of(a, a->backend_id_vip[i]))
			return -ENOSPC;
	}
	if (i == XDPCAST_MAX_BACKENDS)
		return -ENOSPC;
	a->backend_id_used[i] = true;
	a->backend_id_vip[i] = vip_id;
	*id = i;
	return 0;
}

/* Interfaces must all exist before anything is attached. */
static int check_interfaces(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		if (!if_nametoindex(cfg->ifaces[i].name)) {
			pr_warn("%s: interface %s: %s\n", cfg->path, cfg->ifaces[i].name,
				strerror(errno));
			return -ENODEV;
		}
	}
	return 0;
}

/* Detach what this run attached and remove pins this run created. */
/* A failed start: detach what it attached and unpin what it pinned, but never
 * unpin maps that a program it could not detach still forwards with (the
 * next xdpcastd adopts them; unpinned, no one could). */
static void dataplane_undo(struct agent *a)
{
	bool still_attached = false;

	for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
		int err = a->attached_here[i] ? xdpcast_detach(a->cfg.ifaces[i].name) : 0;

		still_attached |= err && err != -ENOENT && err != -ENODEV;
		a->attached_here[i] = false;
	}
	if (still_attached)
		pr_warn("xdpcast stays attached where the detach failed (above): its maps stay "
			"pinned in %s for the next xdpcastd to adopt\n",
			a->cfg.pin_dir);
	else if (a->pins_created)
		xdpcast_unpin(a->cfg.pin_dir);
}

int agent_iface_attach(struct xdpcast_attachment *att, const char *pin_dir,
		       const struct iface_config *ifc)
{
	return xdpcast_attach(att, pin_dir, ifc->name,
			      ifc->mode == IFACE_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE);
}

static int attach_interfaces(struct agent *a, bool adopting)
{
	struct xdpcast_attachment att;
	int err;

	for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
		const struct iface_config *ifc = &a->cfg.ifaces[i];

		if (xdpcast_is_attached(if_nametoindex(ifc->name))) {
			if (!adopting) {
				/* its maps are not the ones this agent would write */
				pr_warn("%s: an xdpcast program is attached but no maps are pinned "
					"in %s: detach it first (xdpcast-dp detach %s) or set "
					"pin_dir to its pins\n",
					ifc->name, a->cfg.pin_dir, ifc->name);
				return -EEXIST;
			}
			pr_info("%s: xdpcast already attached: adopting it\n", ifc->name);
			continue;
		}
		err = agent_iface_attach(&att, a->cfg.pin_dir, ifc);
		if (err) {
			pr_warn("%s: cannot attach the XDP program to %s\n", a->cfg.path,
				ifc->name);
			return err;
		}
		xdpcast_attachment_release(&att);
		a->attached_here[i] = true;
	}
	return 0;
}

void agent_route_settings(const struct config *cfg, struct routes *rs)
{
	routes_update_all(rs, &(struct route_settings){
				      .protocol = cfg->route_protocol,
				      .metric = cfg->route_metric,
				      .table = cfg->route_table,
				      .reconcile_ms = cfg->route_reconcile_ms,
			      });
}

int agent_resolve_seed(struct config *cfg, const uint32_t *running, enum seed_source *src)
{
	char err[STATE_DIR_ERROR_MAX];
	int e;

	*src = SEED_FROM_CONFIG;
	if (cfg->seed_set)
		return 0;
	e = seed_file_resolve(cfg->state_dir, running, &cfg->seed, src, err);
	if (e)
		pr_warn("%s: %s\n", cfg->path, err);
	else if (*src == SEED_GENERATED)
		pr_warn("hash seed %#x made at random and kept in %s/%s: routers that share "
			"flows by ECMP need one seed, give them all `seed: %#x`\n",
			cfg->seed, cfg->state_dir, SEED_FILE_NAME, cfg->seed);
	else if (*src == SEED_FROM_DATAPLANE)
		pr_info("hash seed %#x of the running dataplane kept in %s/%s\n", cfg->seed,
			cfg->state_dir, SEED_FILE_NAME);
	return e;
}

static int dataplane_up(struct agent *a, bool *adopting)
{
	bool running;
	__u32 seed;
	int err;

	err = check_interfaces(&a->cfg);
	if (err)
		return err;
	*adopting = xdpcast_pins_exist(a->cfg.pin_dir);
	a->pins_created = !*adopting;
	err = attach_interfaces(a, *adopting);
	if (!err && a->cfg.n_ifaces == 0 && !*adopting)
		pr_warn("no interface configured: nothing will be forwarded\n");
	if (!err) {
		err = xdpcast_dp_open_pinned(&a->dp, a->cfg.pin_dir);
		if (err)
			pr_warn("%s: pinned maps missing or from another version (remove them with "
				"`xdpcast-dp unpin %s`)\n",
				a->cfg.pin_dir, a->cfg.pin_dir);
	}
	if (err) {
		dataplane_undo(a);
		return err;
	}
	a->dp_open = true;
	running = *adopting && !xdpcast_dp_get_seed(&a->dp, &seed);
	err = agent_resolve_seed(&a->cfg, running ? &seed : NULL, &a->seed_source);
	if (err) {
		dataplane_undo(a);
		return err;
	}
	if (running && seed != a->cfg.seed)
		pr_warn("hash seed changes from %#x to %#x: flows move\n", seed, a->cfg.seed);
	err = xdpcast_dp_set_seed(&a->dp, a->cfg.seed);
	if (err) {
		pr_warn("cannot write the hash seed: %s\n", strerror(-err));
		dataplane_undo(a);
	}
	return err;
}

struct backend *agent_backend_new(struct vip *v, const struct backend_config *cfg)
{
	struct backend *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->cfg = *cfg;
	b->vip = v;
	b->id = XDPCAST_BACKEND_NONE;
	b->admin_weight = -1;
	b->state_since = ev_time();
	health_init(&b->health, cfg->check.rise, cfg->check.fall, cfg->check.initial_up);
	return b;
}

struct vip *agent_vip_new(struct agent *a, const struct vip_config *cfg)
{
	struct vip *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->cfg = *cfg;
	v->cfg.backends = NULL;
	v->cfg.n_backends = 0;
	v->agent = a;
	v->id = XDPCAST_MAX_VIPS;
	memcpy(v->key.addr, &cfg->addr.addr, sizeof(v->key.addr));
	v->key.port = htons(cfg->port);
	v->key.proto = cfg->proto;
	v->backends = calloc(cfg->n_backends ? cfg->n_backends : 1, sizeof(*v->backends));
	if (!v->backends) {
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_backends; i++) {
		v->backends[i] = agent_backend_new(v, &cfg->backends[i]);
		if (!v->backends[i]) {
			agent_vip_free(a, v);
			return NULL;
		}
		v->n_backends++;
	}
	return v;
}

void agent_backend_free(struct agent *a, struct backend *b)
{
	struct xdpcast_backend_owner none = {};
	struct xdpcast_backend down = {};

	checks_stop(b);
	probe_free(b->probe);
	if (a->probe_paths && b->id < XDPCAST_MAX_BACKENDS)
		probe_path_clear(a->probe_paths, b->id);
	if (a->neigh && b->tracked)
		neigh_untrack(a->neigh, &b->cfg.addr);
	b->tracked = false;
	if (b->id < XDPCAST_MAX_BACKENDS) {
		/* the id remembers its VIP, across restarts too (see agent_alloc_backend_id) */
		none.in_use = XDPCAST_OWNER_FREED;
		none.vip_id = b->vip->id;
		if (a->dp_open) {
			xdpcast_dp_set_backend(&a->dp, b->id, &down);
			xdpcast_dp_set_owner(&a->dp, b->id, &none);
		}
		a->backend_id_used[b->id] = false;
	}
	free(b);
}

void agent_vip_free(struct agent *a, struct vip *v)
{
	for (size_t i = 0; i < v->n_backends; i++)
		agent_backend_free(a, v->backends[i]);
	if (v->id < XDPCAST_MAX_VIPS)
		a->vip_id_used[v->id] = false;
	free(v->backends);
	free(v->table);
	free(v);
}

/* Give the VIP an id and a dataplane entry, or check the adopted one. */
int agent_vip_install(struct agent *a, struct vip *v)
{
	__u32 flows = v->cfg.flow_table ? v->cfg.flow_table_size : 0;
	long have;
	int err;

	if (v->id < XDPCAST_MAX_VIPS) {
		/* adopted: keep its flow table (and so its flows) if the size is right */
		have = xdpcast_dp_flow_table_size(&a->dp, &v->key);
		if (have >= 0 && (__u32)have == vip_flow_table_entries(flows))
			return 0;
		pr_info("vip %s: flow table resized from %ld to %u flows\n", v->cfg.name, have,
			flows);
		return xdpcast_dp_set_flow_table(&a->dp, &v->key, flows);
	}
	err = agent_alloc_vip_id(a, &v->id);
	if (err) {
		pr_warn("vip %s: no free VIP id\n", v->cfg.name);
		return err;
	}
	err = xdpcast_dp_add_vip(&a->dp, &v->key, v->id, flows);
	if (err)
		pr_warn("vip %s: cannot add it to the dataplane (%s)\n", v->cfg.name,
			strerror(-err));
	return err;
}

/* Give the backend an id, track its next hop and write its entry. */
int agent_backend_install(struct agent *a, struct backend *b)
{
	int err;

	if (b->id == XDPCAST_BACKEND_NONE) {
		err = agent_alloc_backend_id(a, b->vip->id, &b->id);
		if (err) {
			pr_warn("backend %s: no free backend id\n", b->cfg.name);
			return err;
		}
		/* a reused id starts from zero, not from its last holder's counts */
		xdpcast_dp_clear_backend_stats(&a->dp, b->id);
	}
	err = checks_probe_new(a, b);
	if (err)
		return err;
	err = neigh_track(a->neigh, &b->cfg.addr);
	b->tracked = !err;
	if (err)
		pr_warn("backend %s %s: cannot look up its next hop (%s)\n", b->cfg.name,
			b->cfg.addr.text, strerror(-err));
	vip_state_refresh_nexthop(a, b);
	return vip_state_write_backend(a, b);
}

static int build_state(struct agent *a, bool adopting)
{
	int err;

	a->vips = calloc(a->cfg.n_vips ? a->cfg.n_vips : 1, sizeof(*a->vips));
	if (!a->vips)
		return -ENOMEM;
	for (size_t i = 0; i < a->cfg.n_vips; i++) {
		a->vips[i] = agent_vip_new(a, &a->cfg.vips[i]);
		if (!a->vips[i])
			return -ENOMEM;
		a->n_vips++;
	}
	if (adopting) {
		err = adopt_pinned(a);
		if (err)
			return err;
	}
	/* the operator's drains before the first table: a stop and start moves no flow */
	operator_state_restore(a);
	for (size_t i = 0; i < a->n_vips; i++) {
		struct vip *v = a->vips[i];
		bool adopted = v->id < XDPCAST_MAX_VIPS;

		err = agent_vip_install(a, v);
		for (size_t j = 0; !err && j < v->n_backends; j++)
			err = agent_backend_install(a, v->backends[j]);
		if (err)
			return err;
		vip_state_apply(a, v, adopted ? "adopted" : "started");
	}
	adopt_cleanup(a);
	return 0;
}

int agent_start(struct agent *a, struct ev_loop *loop, struct config *cfg, bool keep_dataplane)
{
	bool adopting = false;
	int err;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < XDPCAST_MAX_BACKENDS; i++)
		a->backend_id_vip[i] = BACKEND_ID_NEVER;
	a->loop = loop;
	a->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	a->keep_dataplane_flag = keep_dataplane;
	ev_init(&a->stats_timer, on_stats_timer);
	a->stats_timer.data = a;
	ev_init(&a->retry_timer, vip_state_retry_rebuilds);
	a->retry_timer.data = a;

	/* the control socket (xdpcastd.c) is open already: a second xdpcastd on
	 * the same socket stopped before touching anything */
	a->probes = probe_env_new(loop);
	a->neigh = neigh_watch_new(loop, on_neigh_changed, a);
	if (!a->probes || !a->neigh) {
		pr_warn("cannot open the sockets for checks and netlink (are you root?)\n");
		err = -EPERM;
		goto fail;
	}
	err = routes_open(&a->routes, loop, &(struct route_settings){ 0 },
			  (struct route_vips){ .vips = (struct vip *const *const *)&a->vips,
					       .n = &a->n_vips });
	agent_route_settings(&a->cfg, a->routes);
	if (err) {
		pr_warn("cannot open a netlink socket for the VIPs' routes: %s\n", strerror(-err));
		goto fail;
	}
	err = probe_paths_open(&a->probe_paths, loop,
			       &(struct probe_path_settings){
				       .protocol = a->cfg.probe_protocol,
				       .mark = a->cfg.probe_mark,
				       .table = a->cfg.probe_table,
				       .priority = a->cfg.probe_priority,
			       });
	if (err) {
		pr_warn("cannot open a netlink socket for the checks' routes: %s\n",
			strerror(-err));
		goto fail;
	}
	err = dataplane_up(a, &adopting);
	if (err)
		goto fail;
	err = build_state(a, adopting);
	if (err) {
		pr_warn("cannot program the dataplane: %s\n", strerror(-err));
		goto fail_dp;
	}
	err = routes_activate(a->routes);
	if (err)
		goto fail_dp;
	/* before the first probe; a failure to list is retried by its reconcile */
	probe_paths_activate(a->probe_paths);
	for (size_t i = 0; i < a->n_vips; i++)
		for (size_t j = 0; j < a->vips[i]->n_backends; j++)
			checks_start(a, a->vips[i]->backends[j]);
	if (a->cfg.stats_file[0]) {
		a->stats_timer.repeat = a->cfg.stats_period_ms / 1000.0;
		ev_timer_again(loop, &a->stats_timer);
	}
	/* the file loaded at start counts as the first reload, as Prometheus's own */
	a->last_reload_ok = true;
	a->last_reload_at = ev_time();
	return 0;

fail_dp:
	/* a fresh dataplane is removed whole; an adopted one keeps forwarding */
	dataplane_undo(a);
fail:
	agent_stop_state(a);
	return err;
}

/* Free the state without touching what is attached or pinned. */
void agent_stop_state(struct agent *a)
{
	routes_close(a->routes);
	a->routes = NULL;
	probe_paths_close(a->probe_paths);
	a->probe_paths = NULL;
	if (ev_is_active(&a->stats_timer))
		ev_timer_stop(a->loop, &a->stats_timer);
	if (ev_is_active(&a->retry_timer))
		ev_timer_stop(a->loop, &a->retry_timer);
	for (size_t i = 0; i < a->n_vips; i++)
		for (size_t j = 0; j < a->vips[i]->n_backends; j++)
			checks_stop(a->vips[i]->backends[j]);
	/* the maps stay as they are: close before freeing, so nothing is cleared */
	if (a->dp_open)
		xdpcast_dp_close(&a->dp);
	a->dp_open = false;
	for (size_t i = 0; i < a->n_vips; i++)
		agent_vip_free(a, a->vips[i]);
	free(a->vips);
	a->vips = NULL;
	a->n_vips = 0;
	neigh_watch_free(a->neigh);
	probe_env_free(a->probes);
	a->neigh = NULL;
	a->probes = NULL;
	config_free(&a->cfg);
}

int agent_stop(struct agent *a)
{
	bool keep = a->keep_dataplane_flag || a->cfg.keep_dataplane || a->handover,
	     still_attached = false;

	/* no agent, no health: a stale file would say "up" forever */
	if (a->cfg.stats_file[0] && unlink(a->cfg.stats_file) && errno != ENOENT)
		pr_warn("stats file %s: %s\n", a->cfg.stats_file, strerror(errno));
	if (keep) {
		pr_info("leaving the dataplane attached and pinned in %s, and the routes in "
			"place (%s)\n",
			a->cfg.pin_dir,
			a->handover		 ? "a restart: the next xdpcastd adopts them"
			: a->keep_dataplane_flag ? "--keep-dataplane"
						 : "keep_dataplane: true");
	} else {
		/* first the announcement, then the forwarding: no flow is sent here for nothing */
		routes_withdraw_all(a->routes, "xdpcastd stopping");
		probe_paths_withdraw_all(a->probe_paths);
		for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
			int err = xdpcast_detach(a->cfg.ifaces[i].name);

			/* -ENOENT: none attached; -ENODEV: no link, no program on it */
			if (err && err != -ENOENT && err != -ENODEV)
				still_attached = true;
		}
	}
	if (a->dp_open && !keep) {
		xdpcast_dp_close(&a->dp);
		a->dp_open = false;
		/* unpinned, a program still attached would forward on with maps nobody can
		 * reach, and the next xdpcastd, finding no pins, would refuse to start */
		if (still_attached)
			pr_warn("the maps stay pinned in %s, xdpcast being still attached: the "
				"next xdpcastd adopts it; or detach it (xdpcast-dp detach DEV) "
				"and unpin (xdpcast-dp --pin %s unpin)\n",
				a->cfg.pin_dir, a->cfg.pin_dir);
		else if (xdpcast_unpin(a->cfg.pin_dir))
			pr_warn("detached, but not every pin could be removed (see above)\n");
		else
			pr_info("detached and unpinned\n");
	}
	agent_stop_state(a);
	return still_attached ? -EBUSY : 0;
}

/* Every backend at @addr (several VIPs may share a server) sees its next hop again. */
static void on_neigh_changed(void *arg, const struct addr_config *addr)
{
	struct agent *a = arg;

	for (size_t i = 0; i < a->n_vips; i++) {
		struct vip *v = a->vips[i];

		for (size_t j = 0; j < v->n_backends; j++) {
			struct backend *b = v->backends[j];

			if (!memcmp(&b->cfg.addr.addr, &addr->addr, sizeof(addr->addr)))
				vip_state_nexthop_changed(a, b);
		}
	}
}

static void on_stats_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	stats_file_write(w->data);
}
