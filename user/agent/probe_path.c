// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-backend policy routing for VIP-targeted checks (probe_path.h): what
 * each backend's rule and route should be, written as backends and next hops
 * change, and compared with the kernel's at start and every reconcile.
 */
#include "probe_path.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fib.h"
#include "fib_rules.h"
#include "log.h"

#define N_FAMILIES 2 /* [0] IPv4, [1] IPv6 */
#define TEXT_MAX 256
#define RP_WARNED_MAX 64 /* interfaces whose rp_filter was reported */

enum base_rule { BASE_GUARD, BASE_CATCH_ALL, BASE_NOP, N_BASE_RULES };

struct path {
	bool wanted;
	int family; /* the VIP's */
	struct in6_addr vip;
	bool has_nh;
	struct fib_nexthop nh;
	bool written; /* rule and route (if has_nh) as wanted in the kernel, last we knew */
	bool seen_rule, seen_route; /* in the running reconcile's dumps */
	int last_error; /* logged once per distinct error */
};

struct probe_paths {
	struct ev_loop *loop;
	struct probe_path_settings s;
	struct fib *fib;
	struct fib_rules *rules;
	bool active;
	ev_timer timer;
	struct path paths[XDPCAST_MAX_BACKENDS];
	uint32_t per_family[N_FAMILIES]; /* wanted paths */
	bool base_seen[N_FAMILIES][N_BASE_RULES];
	int rp_warned[RP_WARNED_MAX];
	size_t n_rp_warned;
	/* found in a dump, to delete once it ends (fib_* cannot run inside it) */
	struct fib_rule *stale_rules;
	size_t n_stale_rules, cap_stale_rules;
	struct fib_route *stale_routes;
	size_t n_stale_routes, cap_stale_routes;
};

static int family_index(int family)
{
	return family == AF_INET6;
}

static const int families[N_FAMILIES] = { AF_INET, AF_INET6 };

/* ---- what should be ---- */

static uint32_t mark_mask(void)
{
	return ~PROBE_PATH_ID_MASK;
}

static struct fib_rule base_rule(const struct probe_paths *pp, int family, enum base_rule which)
{
	struct fib_rule r = { .family = family, .protocol = pp->s.protocol };

	switch (which) {
	case BASE_GUARD:
		r.priority = pp->s.priority;
		r.action = FIB_RULE_GOTO;
		r.invert = true;
		r.mark = pp->s.mark;
		r.mask = mark_mask();
		r.target = pp->s.priority + 3;
		break;
	case BASE_CATCH_ALL:
		r.priority = pp->s.priority + 2;
		r.action = FIB_RULE_UNREACHABLE;
		r.iif_lo = true;
		r.mark = pp->s.mark;
		r.mask = mark_mask();
		break;
	default:
		r.priority = pp->s.priority + 3;
		r.action = FIB_RULE_NOP;
		break;
	}
	return r;
}

static struct fib_rule path_rule(const struct probe_paths *pp, uint32_t id, int family)
{
	return (struct fib_rule){
		.family = family,
		.priority = pp->s.priority + 1,
		.action = FIB_RULE_LOOKUP,
		.iif_lo = true,
		.mark = pp->s.mark | id,
		.mask = UINT32_MAX,
		.table = pp->s.table + id,
		.protocol = pp->s.protocol,
	};
}

/* @nh must outlive the route (one next hop, no copy). */
static struct fib_route path_route(const struct probe_paths *pp, uint32_t id, const struct path *p,
				   struct fib_nexthop *nh)
{
	*nh = p->nh;
	nh->weight = 1;
	return (struct fib_route){
		.family = p->family,
		.dst = p->vip,
		.table = pp->s.table + id,
		.metric = PROBE_PATH_METRIC,
		.protocol = pp->s.protocol,
		.nh = nh,
		.n_nh = 1,
	};
}

/* ---- the return path ---- */

static int read_rp_filter(const char *dev)
{
	char path[128];
	FILE *f;
	int v = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", dev);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * A backend answers a VIP-targeted check from the VIP. With reverse-path
 * filtering on the interface it arrives on (the kernel applies the larger of
 * "all" and the interface's), that reply is dropped when the router's main
 * table has no route to the VIP (rp_filter 2), or none through that
 * interface (rp_filter 1): when every backend is down and no other site
 * announces the address, the backends could never come back. Said once per
 * interface; nothing of the router's settings is changed.
 */
static void check_rp_filter(struct probe_paths *pp, const struct path *p)
{
	char dev[IF_NAMESIZE];
	int rp;

	if (p->family != AF_INET || !p->has_nh || pp->n_rp_warned == RP_WARNED_MAX)
		return;
	for (size_t i = 0; i < pp->n_rp_warned; i++)
		if (pp->rp_warned[i] == p->nh.ifindex)
			return;
	if (!if_indextoname((unsigned int)p->nh.ifindex, dev))
		return;
	rp = read_rp_filter("all");
	if (read_rp_filter(dev) > rp)
		rp = read_rp_filter(dev);
	if (!rp)
		return;
	pp->rp_warned[pp->n_rp_warned++] = p->nh.ifindex;
	pr_warn("probe path: rp_filter is %d on %s: the backends' replies to checks of a VIP "
		"come from the VIP, and are dropped while the router has no route to it%s; "
		"set net.ipv4.conf.all.rp_filter=0 and net.ipv4.conf.%s.rp_filter=0 "
		"(docs/xdpcastd.md)\n",
		rp, dev, rp == 1 ? " through this interface" : "", dev);
}

/* ---- writes ---- */

static void report(struct probe_paths *pp, struct path *p, const char *what, const char *text,
		   int err)
{
	(void)pp;
	if (!err) {
		if (p)
			p->last_error = 0;
		return;
	}
	if (p && p->last_error == err)
		return;
	if (p)
		p->last_error = err;
	pr_warn("probe path: cannot %s (%s), retrying every %.0f s: %s\n", what, strerror(-err),
		PROBE_PATH_RECONCILE_S, text);
}

static int add_rule(struct probe_paths *pp, struct path *p, const struct fib_rule *r)
{
	char text[TEXT_MAX];
	int err = fib_rule_add(pp->rules, r);

	if (err == -EEXIST)
		err = 0;
	fib_rule_format(r, text, sizeof(text));
	report(pp, p, "add rule", text, err);
	return err;
}

/* Deletes: already gone is what was wanted. */
static void delete_rule(struct probe_paths *pp, const struct fib_rule *r)
{
	char text[TEXT_MAX];
	int err = fib_rule_delete(pp->rules, r);

	fib_rule_format(r, text, sizeof(text));
	report(pp, NULL, "delete rule", text, err == -ENOENT ? 0 : err);
}

static void delete_route(struct probe_paths *pp, const struct fib_route *r)
{
	char text[TEXT_MAX];
	int err = fib_delete(pp->fib, r);

	fib_route_format(r, text, sizeof(text));
	report(pp, NULL, "delete route", text, err == -ESRCH ? 0 : err);
}

static void write_base(struct probe_paths *pp, int family, bool present)
{
	for (int i = 0; i < N_BASE_RULES; i++) {
		struct fib_rule r = base_rule(pp, family, (enum base_rule)i);

		if (present)
			add_rule(pp, NULL, &r);
		else
			delete_rule(pp, &r);
	}
}

/* Backend @id's rule and route as wanted (the rule is added even without a
 * next hop: its probes then fail on the catch-all instead of reaching main). */
static void write_path(struct probe_paths *pp, uint32_t id)
{
	struct path *p = &pp->paths[id];
	struct fib_rule rule = path_rule(pp, id, p->family);
	struct fib_nexthop nh;
	struct fib_route route = path_route(pp, id, p, &nh);
	char text[TEXT_MAX];
	int err;

	check_rp_filter(pp, p);
	err = add_rule(pp, p, &rule);
	if (!err && p->has_nh) {
		err = fib_replace(pp->fib, &route);
		fib_route_format(&route, text, sizeof(text));
		report(pp, p, "add route", text, err);
	} else if (!err) {
		delete_route(pp, &route);
	}
	p->written = !err;
}

/* Remove what backend @id had: its rule and route in its table. */
static void erase_path(struct probe_paths *pp, uint32_t id, const struct path *p)
{
	struct fib_rule rule = path_rule(pp, id, p->family);
	struct fib_nexthop nh;
	struct fib_route route = path_route(pp, id, p, &nh);

	delete_rule(pp, &rule);
	if (p->has_nh)
		delete_route(pp, &route);
}

/* ---- the backends' paths ---- */

uint32_t probe_path_mark(const struct probe_paths *pp, uint32_t id)
{
	return pp->s.mark | (id & PROBE_PATH_ID_MASK);
}

static void count_family(struct probe_paths *pp, int family, int delta)
{
	uint32_t *n = &pp->per_family[family_index(family)];

	*n += (uint32_t)delta;
	if (pp->active && ((delta > 0 && *n == 1) || (delta < 0 && *n == 0)))
		write_base(pp, family, *n > 0);
}

void probe_path_set(struct probe_paths *pp, uint32_t id, const struct addr_config *vip,
		    const struct nexthop *nh)
{
	struct path *p, want = { .wanted = true };

	if (id >= XDPCAST_MAX_BACKENDS)
		return;
	p = &pp->paths[id];
	want.family = vip->family;
	want.vip = vip->addr;
	want.has_nh = nh && nh->ifindex > 0;
	if (want.has_nh) {
		want.nh.gw = nh->gateway;
		want.nh.gw_family = IN6_IS_ADDR_V4MAPPED(&nh->gateway) ? AF_INET : AF_INET6;
		want.nh.ifindex = nh->ifindex;
		want.nh.weight = 1;
		/* no IPv6 route through an IPv4 gateway (config.c refuses such checks) */
		want.has_nh = !(want.family == AF_INET6 && want.nh.gw_family == AF_INET);
	}
	if (p->wanted && p->family == want.family &&
	    !memcmp(&p->vip, &want.vip, sizeof(want.vip)) && p->has_nh == want.has_nh &&
	    (!want.has_nh || !memcmp(&p->nh, &want.nh, sizeof(want.nh))))
		return; /* unchanged */
	if (p->wanted) {
		/* another address: its route goes; a lost next hop: write_path deletes it */
		if (pp->active &&
		    (p->family != want.family || memcmp(&p->vip, &want.vip, sizeof(want.vip))))
			erase_path(pp, id, p);
		count_family(pp, p->family, -1);
	}
	want.last_error = p->last_error;
	*p = want;
	count_family(pp, p->family, +1);
	if (pp->active)
		write_path(pp, id);
}

void probe_path_clear(struct probe_paths *pp, uint32_t id)
{
	struct path *p;

	if (id >= XDPCAST_MAX_BACKENDS || !pp->paths[id].wanted)
		return;
	p = &pp->paths[id];
	if (pp->active)
		erase_path(pp, id, p);
	count_family(pp, p->family, -1);
	memset(p, 0, sizeof(*p));
}

/* ---- the kernel's against ours ---- */

static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *x;

	if (n < *cap)
		return true;
	x = realloc(*arr, c * size);
	if (!x)
		return false;
	*arr = x;
	*cap = c;
	return true;
}

/* Whether @r is a rule we want; marks it seen. */
static bool rule_wanted(struct probe_paths *pp, const struct fib_rule *r)
{
	int fi = family_index(r->family);
	uint32_t id;

	for (int i = 0; i < N_BASE_RULES; i++) {
		struct fib_rule want = base_rule(pp, r->family, (enum base_rule)i);

		if (fib_rule_equal(r, &want)) {
			pp->base_seen[fi][i] = true;
			return pp->per_family[fi] > 0;
		}
	}
	id = r->mark & PROBE_PATH_ID_MASK;
	if (r->action == FIB_RULE_LOOKUP && pp->paths[id].wanted &&
	    pp->paths[id].family == r->family) {
		struct fib_rule want = path_rule(pp, id, r->family);

		if (fib_rule_equal(r, &want)) {
			pp->paths[id].seen_rule = true;
			return true;
		}
	}
	return false;
}

static void rule_seen(void *arg, const struct fib_rule *r)
{
	struct probe_paths *pp = arg;

	if (rule_wanted(pp, r))
		return;
	if (!grow((void **)&pp->stale_rules, &pp->cap_stale_rules, pp->n_stale_rules, sizeof(*r)))
		return; /* the next reconcile */
	pp->stale_rules[pp->n_stale_rules++] = *r;
}

static bool route_wanted(struct probe_paths *pp, const struct fib_route *r)
{
	uint32_t id;
	struct path *p;
	struct fib_nexthop nh;
	struct fib_route want;

	if (r->table < pp->s.table || r->table - pp->s.table >= XDPCAST_MAX_BACKENDS)
		return false;
	id = r->table - pp->s.table;
	p = &pp->paths[id];
	if (!p->wanted || !p->has_nh || p->family != r->family)
		return false;
	want = path_route(pp, id, p, &nh);
	if (!fib_route_equal(r, &want))
		return false;
	p->seen_route = true;
	return true;
}

static void route_seen(void *arg, const struct fib_route *r)
{
	struct probe_paths *pp = arg;
	struct fib_route *copy;

	if (route_wanted(pp, r))
		return;
	if (!grow((void **)&pp->stale_routes, &pp->cap_stale_routes, pp->n_stale_routes,
		  sizeof(*r)))
		return;
	copy = &pp->stale_routes[pp->n_stale_routes];
	if (!fib_route_copy(copy, r))
		pp->n_stale_routes++;
}

/* Compare the kernel's rules and routes of the protocol with ours: remove
 * the stale, write the missing. @log_restored: say what someone else removed. */
static int reconcile(struct probe_paths *pp, bool log_restored)
{
	char text[TEXT_MAX];
	int err;

	memset(pp->base_seen, 0, sizeof(pp->base_seen));
	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++)
		pp->paths[id].seen_rule = pp->paths[id].seen_route = false;
	pp->n_stale_rules = pp->n_stale_routes = 0;
	err = fib_rules_dump(pp->rules, pp->s.protocol, rule_seen, pp);
	if (!err)
		err = fib_dump(pp->fib, pp->s.protocol, route_seen, pp);
	if (err) {
		pr_warn("probe path: cannot list the rules and routes of protocol %u: %s\n",
			pp->s.protocol, strerror(-err));
		for (size_t i = 0; i < pp->n_stale_routes; i++)
			fib_route_free(&pp->stale_routes[i]);
		return err;
	}
	for (size_t i = 0; i < pp->n_stale_rules; i++) {
		fib_rule_format(&pp->stale_rules[i], text, sizeof(text));
		pr_info("probe path: rule removed: %s\n", text);
		delete_rule(pp, &pp->stale_rules[i]);
	}
	for (size_t i = 0; i < pp->n_stale_routes; i++) {
		fib_route_format(&pp->stale_routes[i], text, sizeof(text));
		pr_info("probe path: route removed: %s\n", text);
		delete_route(pp, &pp->stale_routes[i]);
		fib_route_free(&pp->stale_routes[i]);
	}
	for (int fi = 0; fi < N_FAMILIES; fi++) {
		if (!pp->per_family[fi])
			continue;
		for (int i = 0; i < N_BASE_RULES; i++) {
			struct fib_rule r = base_rule(pp, families[fi], (enum base_rule)i);

			if (pp->base_seen[fi][i])
				continue;
			if (log_restored) {
				fib_rule_format(&r, text, sizeof(text));
				pr_warn("probe path: rule deleted outside xdpcastd, restored: %s\n",
					text);
			}
			add_rule(pp, NULL, &r);
		}
	}
	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++) {
		struct path *p = &pp->paths[id];

		if (!p->wanted || (p->seen_rule && (p->seen_route || !p->has_nh)))
			continue;
		if (log_restored && p->written)
			pr_warn("probe path of backend id %u: %s deleted outside xdpcastd, "
				"restored\n",
				id,
				p->seen_rule		      ? "route"
				: p->has_nh && !p->seen_route ? "rule and route"
							      : "rule");
		write_path(pp, id);
	}
	return 0;
}

int probe_paths_reconcile(struct probe_paths *pp)
{
	return reconcile(pp, true);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	probe_paths_reconcile(w->data);
}

int probe_paths_activate(struct probe_paths *pp)
{
	int err;

	pp->active = true;
	err = reconcile(pp, false);
	if (pp->per_family[0] || pp->per_family[1])
		pr_info("probe path: %u IPv4 and %u IPv6 backends checked through their VIP "
			"(rules at priority %u..%u, tables %u + id, marks 0x%x | id, protocol "
			"%u)\n",
			pp->per_family[0], pp->per_family[1], pp->s.priority, pp->s.priority + 3,
			pp->s.table, pp->s.mark, pp->s.protocol);
	ev_timer_again(pp->loop, &pp->timer);
	return err;
}

static void collect_all(void *arg, const struct fib_rule *r)
{
	struct probe_paths *pp = arg;

	if (grow((void **)&pp->stale_rules, &pp->cap_stale_rules, pp->n_stale_rules, sizeof(*r)))
		pp->stale_rules[pp->n_stale_rules++] = *r;
}

static void collect_all_routes(void *arg, const struct fib_route *r)
{
	struct probe_paths *pp = arg;

	if (grow((void **)&pp->stale_routes, &pp->cap_stale_routes, pp->n_stale_routes,
		 sizeof(*r)) &&
	    !fib_route_copy(&pp->stale_routes[pp->n_stale_routes], r))
		pp->n_stale_routes++;
}

void probe_paths_withdraw_all(struct probe_paths *pp)
{
	size_t n;

	ev_timer_stop(pp->loop, &pp->timer);
	pp->active = false;
	pp->n_stale_rules = pp->n_stale_routes = 0;
	/* rules first: no probe is steered into a table being emptied */
	if (!fib_rules_dump(pp->rules, pp->s.protocol, collect_all, pp))
		for (size_t i = 0; i < pp->n_stale_rules; i++)
			delete_rule(pp, &pp->stale_rules[i]);
	n = pp->n_stale_rules;
	fib_dump(pp->fib, pp->s.protocol, collect_all_routes, pp);
	for (size_t i = 0; i < pp->n_stale_routes; i++) {
		delete_route(pp, &pp->stale_routes[i]);
		fib_route_free(&pp->stale_routes[i]);
	}
	if (n || pp->n_stale_routes)
		pr_info("probe path: removed %zu rules and %zu routes of protocol %u\n", n,
			pp->n_stale_routes, pp->s.protocol);
	pp->n_stale_rules = pp->n_stale_routes = 0;
}

int probe_paths_open(struct probe_paths **out, struct ev_loop *loop,
		     const struct probe_path_settings *s)
{
	struct probe_paths *pp = calloc(1, sizeof(*pp));
	int err;

	*out = NULL;
	if (!pp)
		return -ENOMEM;
	pp->loop = loop;
	pp->s = *s;
	err = fib_open(&pp->fib);
	if (!err)
		err = fib_rules_open(&pp->rules);
	if (err) {
		probe_paths_close(pp);
		return err;
	}
	ev_init(&pp->timer, on_timer);
	pp->timer.repeat = PROBE_PATH_RECONCILE_S;
	pp->timer.data = pp;
	*out = pp;
	return 0;
}

void probe_paths_close(struct probe_paths *pp)
{
	if (!pp)
		return;
	if (pp->loop)
		ev_timer_stop(pp->loop, &pp->timer);
	fib_close(pp->fib);
	fib_rules_close(pp->rules);
	free(pp->stale_rules);
	free(pp->stale_routes);
	free(pp);
}
