// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * SIGHUP: apply only what differs between the running configuration and the
 * new one. VIPs are matched by key (address, protocol, port) and backends by
 * address; what matches keeps its id, health and flows. Settings that cannot
 * change while running (the pin directory) refuse the whole reload. The
 * outcome, and the message xdpcastctl shows, is decided here (reload.h).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "checks.h"
#include "vip_state.h"
#include "loader.h"
#include "log.h"
#include "reload.h"

static const struct vip_config *find_vip_config(const struct config *cfg, const struct vip *v)
{
	for (size_t i = 0; i < cfg->n_vips; i++) {
		const struct vip_config *c = &cfg->vips[i];

		if (!memcmp(&c->addr.addr, &v->cfg.addr.addr, sizeof(c->addr.addr)) &&
		    c->proto == v->cfg.proto && c->port == v->cfg.port)
			return c;
	}
	return NULL;
}

static struct vip *find_vip(struct agent *a, const struct vip_config *c)
{
	for (size_t i = 0; i < a->n_vips; i++) {
		const struct vip_config *r = &a->vips[i]->cfg;

		if (!memcmp(&c->addr.addr, &r->addr.addr, sizeof(c->addr.addr)) &&
		    c->proto == r->proto && c->port == r->port)
			return a->vips[i];
	}
	return NULL;
}

static const struct backend_config *find_backend_config(const struct vip_config *c,
							const struct backend *b)
{
	for (size_t i = 0; i < c->n_backends; i++)
		if (!memcmp(&c->backends[i].addr.addr, &b->cfg.addr.addr, sizeof(b->cfg.addr.addr)))
			return &c->backends[i];
	return NULL;
}

static struct backend *find_backend(struct vip *v, const struct backend_config *c)
{
	for (size_t i = 0; i < v->n_backends; i++)
		if (!memcmp(&c->addr.addr, &v->backends[i]->cfg.addr.addr, sizeof(c->addr.addr)))
			return v->backends[i];
	return NULL;
}

static const struct iface_config *iface_in(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i].name, name))
			return &cfg->ifaces[i];
	return NULL;
}

/* Detach xdpcast from @ifname: 0 when none is left there (a link gone
 * counts), else -errno after a warning that it still forwards. */
static int detached(const char *ifname)
{
	int err = xdpcast_detach(ifname);

	if (err == -ENOENT || err == -ENODEV)
		return 0;
	if (err)
		pr_warn("reload: xdpcast may still be attached to %s (the detach failed, above): "
			"its packets keep being steered by the running maps\n",
			ifname);
	return err;
}

/* Attach to the new interfaces; on failure detach those again. */
static int reload_interfaces(struct agent *a, const struct config *next)
{
	struct xdpcast_attachment att;
	bool attached[CONFIG_MAX_IFACES] = {};
	int err = 0;

	for (size_t i = 0; !err && i < next->n_ifaces; i++) {
		const struct iface_config *ifc = &next->ifaces[i];
		const struct iface_config *old = iface_in(&a->cfg, ifc->name);
		int ifindex = if_nametoindex(ifc->name);

		if (!ifindex) {
			pr_warn("%s: interface %s: %s\n", next->path, ifc->name, strerror(errno));
			err = -ENODEV;
			break;
		}
		/* a new mode takes a new attachment; a re-created link gets its first */
		if (old && old->mode != ifc->mode && xdpcast_is_attached(ifindex)) {
			pr_info("reload: %s changes XDP mode: re-attaching\n", ifc->name);
			err = detached(ifc->name);
			if (err)
				break; /* still attached in the old mode, which keeps forwarding */
		}
		if (xdpcast_is_attached(ifindex))
			continue;
		err = agent_iface_attach(&att, a->cfg.pin_dir, ifc);
		if (!err) {
			xdpcast_attachment_release(&att);
			attached[i] = true;
			pr_info("reload: attached to %s\n", ifc->name);
		}
	}
	for (size_t i = 0; err && i < next->n_ifaces; i++)
		if (attached[i])
			detached(next->ifaces[i].name);
	if (err)
		return err;
	for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
		if (iface_in(next, a->cfg.ifaces[i].name))
			continue;
		if (!detached(a->cfg.ifaces[i].name))
			pr_info("reload: detached from %s\n", a->cfg.ifaces[i].name);
	}
	return 0;
}

static void remove_vip(struct agent *a, size_t idx)
{
	struct vip *v = a->vips[idx];

	pr_info("vip %s %s: removed by reload\n", v->cfg.name, v->cfg.addr.text);
	xdpcast_dp_del_vip(&a->dp, &v->key);
	agent_vip_free(a, v);
	a->vips[idx] = a->vips[--a->n_vips];
}

static int add_vip(struct agent *a, const struct vip_config *c)
{
	struct vip *v = agent_vip_new(a, c);
	int err;

	if (!v)
		return -ENOMEM;
	err = agent_vip_install(a, v);
	for (size_t j = 0; !err && j < v->n_backends; j++)
		err = agent_backend_install(a, v->backends[j]);
	if (err) {
		xdpcast_dp_del_vip(&a->dp, &v->key);
		agent_vip_free(a, v);
		return err;
	}
	a->vips[a->n_vips++] = v;
	vip_state_apply(a, v, "added by reload");
	for (size_t j = 0; j < v->n_backends; j++)
		checks_start(a, v->backends[j]);
	return 0;
}

static int remove_backend(struct agent *a, struct vip *v, size_t idx)
{
	struct backend *b = v->backends[idx];
	const char *old_state = backend_state_name(b);
	bool was_usable = v->usable;
	long moved;

	v->backends[idx] = v->backends[--v->n_backends];
	moved = vip_state_rebuild(a, v);
	if (moved < 0) {
		/* the active table still names it: it stays, and a later reload retries */
		v->backends[v->n_backends++] = b;
		pr_warn("vip %s %s: backend %s %s: NOT removed: the table could not be "
			"rewritten (%s)\n",
			v->cfg.name, v->cfg.addr.text, b->cfg.name, b->cfg.addr.text,
			strerror((int)-moved));
		vip_state_update_route(a, v);
		return (int)moved;
	}
	pr_info("vip %s %s: backend %s %s: %s -> removed (reload), %ld of %u slots moved\n",
		v->cfg.name, v->cfg.addr.text, b->cfg.name, b->cfg.addr.text, old_state, moved,
		v->cfg.table_size);
	vip_state_log_service(v, was_usable);
	vip_state_update_route(a, v); /* logged after its cause */
	agent_backend_free(a, b);
	return 0;
}

static int add_backend(struct agent *a, struct vip *v, const struct backend_config *c)
{
	struct backend *b = agent_backend_new(v, c);
	struct backend **grown;
	int err;

	grown = b ? realloc(v->backends, (v->n_backends + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(b);
		return -ENOMEM;
	}
	v->backends = grown;
	err = agent_backend_install(a, b);
	if (err) {
		agent_backend_free(a, b);
		return err;
	}
	v->backends[v->n_backends++] = b;
	vip_state_backend_changed(a, b, "absent", "added by reload", -1);
	checks_start(a, b);
	return 0;
}

/* An existing backend takes its new settings; health is kept. */
static void update_backend(struct agent *a, struct backend *b, const struct backend_config *c)
{
	char reason[64];
	uint32_t old_weight = b->cfg.weight;
	bool check_changed = !check_config_equal(&b->cfg.check, &c->check);

	const char *old_state = backend_state_name(b);
	b->cfg = *c;
	if (check_changed) {
		checks_stop(b);
		probe_free(b->probe);
		if (checks_probe_new(a, b))
			vip_state_refresh_probe_path(a,
						     b); /* no probe: its path goes all the same */
		health_set_thresholds(&b->health, c->check.rise, c->check.fall);
		pr_info("vip %s: backend %s %s: check changed (reload)\n", b->vip->cfg.name,
			b->cfg.name, b->cfg.addr.text);
		if (b->probe)
			checks_start(a, b);
		else
			pr_warn("vip %s: backend %s %s: out of memory: NOT checked any more\n",
				b->vip->cfg.name, b->cfg.name, b->cfg.addr.text);
	}
	/* the operator's weight (xdpcastctl) stays in force over the file's */
	if (old_weight != c->weight && b->admin_weight < 0) {
		snprintf(reason, sizeof(reason), "weight %u -> %u by reload", old_weight,
			 c->weight);
		vip_state_backend_changed(a, b, old_state, reason, -1);
	}
}

static int reload_backends(struct agent *a, struct vip *v, const struct vip_config *c)
{
	const struct backend_config *bc;
	int err;

	for (size_t i = v->n_backends; i-- > 0;) {
		if (find_backend_config(c, v->backends[i]))
			continue;
		err = remove_backend(a, v, i);
		if (err)
			return err;
	}
	for (size_t i = 0; i < c->n_backends; i++) {
		struct backend *b = find_backend(v, &c->backends[i]);

		bc = &c->backends[i];
		if (b) {
			update_backend(a, b, bc);
			continue;
		}
		err = add_backend(a, v, bc);
		if (err)
			return err;
	}
	return 0;
}

static int update_vip(struct agent *a, struct vip *v, const struct vip_config *c)
{
	bool flows_changed = v->cfg.flow_table != c->flow_table ||
			     (c->flow_table && v->cfg.flow_table_size != c->flow_table_size);
	bool table_changed =
		v->cfg.table_size != c->table_size || v->cfg.min_healthy != c->min_healthy;
	int err;

	snprintf(v->cfg.name, sizeof(v->cfg.name), "%s", c->name);
	v->cfg.table_size = c->table_size;
	v->cfg.min_healthy = c->min_healthy;
	v->cfg.check = c->check;
	if (flows_changed) {
		err = xdpcast_dp_set_flow_table(&a->dp, &v->key,
						c->flow_table ? c->flow_table_size : 0);
		if (err) {
			pr_warn("vip %s %s: cannot change its flow table (%s)\n", v->cfg.name,
				v->cfg.addr.text, strerror(-err));
			return err;
		}
		v->cfg.flow_table = c->flow_table;
		v->cfg.flow_table_size = c->flow_table_size;
		pr_info("vip %s %s: flow table %s (reload)\n", v->cfg.name, v->cfg.addr.text,
			c->flow_table ? "replaced" : "removed");
	}
	err = reload_backends(a, v, c);
	if (!err && table_changed)
		vip_state_apply(a, v, "table settings changed by reload");
	return err;
}

static int reload_vips(struct agent *a, const struct config *next)
{
	struct vip **grown;
	int err = 0;

	for (size_t i = a->n_vips; i-- > 0;)
		if (!find_vip_config(next, a->vips[i]))
			remove_vip(a, i);
	grown = realloc(a->vips, (a->n_vips + next->n_vips + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	a->vips = grown;
	for (size_t i = 0; !err && i < next->n_vips; i++) {
		struct vip *v = find_vip(a, &next->vips[i]);

		err = v ? update_vip(a, v, &next->vips[i]) : add_vip(a, &next->vips[i]);
	}
	return err;
}

/* Refused: @err, with the log's reason in @res (its details are logged already). */
static int refused(struct reload_result *res, const char *path, int err)
{
	res->outcome = RELOAD_REFUSED;
	res->err = err;
	snprintf(res->message, sizeof(res->message),
		 "%s: configuration not reloaded: %s (xdpcastd's log says why)", path,
		 strerror(-err));
	return err;
}

/* Refused because @key differs: it cannot change while running (logged). */
static int refused_fixed(struct reload_result *res, const char *path, const char *key)
{
	res->outcome = RELOAD_REFUSED;
	res->err = -EINVAL;
	snprintf(res->message, sizeof(res->message),
		 "%s: %s cannot change while running (restart xdpcastd); "
		 "configuration not reloaded",
		 path, key);
	pr_warn("%s\n", res->message);
	return res->err;
}

void reload_in_part(struct reload_result *res, const char *path, int err)
{
	pr_warn("reload: applied in part: %s\n", strerror(-err));
	res->outcome = RELOAD_PARTIAL;
	res->err = err;
	snprintf(res->message, sizeof(res->message),
		 "%s: applied in part: %s (xdpcastd's log says what failed)", path, strerror(-err));
}

int agent_reload(struct agent *a, struct config *next, struct reload_result *res)
{
	enum seed_source seed_source;
	bool seed_changed;
	int err;

	if (next->probe_protocol != a->cfg.probe_protocol ||
	    next->probe_mark != a->cfg.probe_mark || next->probe_table != a->cfg.probe_table ||
	    next->probe_priority != a->cfg.probe_priority) {
		refused_fixed(res, next->path, "probe_routing");
		/* xdpcastctl has always said it in the general words */
		return refused(res, next->path, -EINVAL);
	}
	if (strcmp(next->pin_dir, a->cfg.pin_dir))
		return refused_fixed(res, next->path, "pin_dir");
	if (strcmp(next->state_dir, a->cfg.state_dir))
		return refused_fixed(res, next->path, "state_dir");
	/* without `seed:`, the state directory's, or the one in force if it has none */
	if (agent_resolve_seed(next, &a->cfg.seed, &seed_source)) {
		pr_warn("%s: configuration not reloaded\n", next->path);
		return refused(res, next->path, -EINVAL);
	}
	seed_changed = next->seed != a->cfg.seed;
	err = reload_interfaces(a, next);
	if (err) {
		pr_warn("%s: configuration not reloaded\n", next->path);
		return refused(res, next->path, err);
	}
	if (!seed_changed)
		a->seed_source = seed_source;
	if (seed_changed) {
		pr_warn("reload: hash seed changes from %#x to %#x: flows move\n", a->cfg.seed,
			next->seed);
		err = xdpcast_dp_set_seed(&a->dp, next->seed);
		if (err) {
			next->seed =
				a->cfg.seed; /* tables keep being built with the seed in force */
		} else {
			a->cfg.seed = next->seed;
			a->seed_source = seed_source;
		}
		for (size_t i = 0; !err && i < a->n_vips; i++)
			vip_state_apply(a, a->vips[i], "hash seed changed by reload");
	}
	if (!err)
		err = reload_vips(a, next);
	/* from here the new file is the running one, even after a failed step */
	if (a->cfg.stats_file[0] && strcmp(a->cfg.stats_file, next->stats_file))
		unlink(a->cfg.stats_file); /* no one updates it any more */
	config_free(&a->cfg);
	a->cfg = *next;
	memset(next, 0, sizeof(*next));
	agent_route_settings(&a->cfg, a->routes); /* removed VIPs, and new route settings */
	if (ev_is_active(&a->stats_timer))
		ev_timer_stop(a->loop, &a->stats_timer);
	if (a->cfg.stats_file[0]) {
		a->stats_timer.repeat = a->cfg.stats_period_ms / 1000.0;
		ev_timer_again(a->loop, &a->stats_timer);
	}
	res->outcome = RELOAD_APPLIED;
	res->err = 0;
	res->message[0] = '\0';
	if (err)
		reload_in_part(res, a->cfg.path, err);
	return err;
}
