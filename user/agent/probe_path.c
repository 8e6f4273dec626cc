// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-backend policy routing for VIP-targeted checks (probe_path.h): what
 * each backend's rule and route should be, written as backends and next hops
 * change, looked up a slice at a time every second, and compared whole with
 * the kernel's at start, every minute and whenever a lookup disagrees.
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
#define RP_CHECKED_MAX 64 /* interfaces whose rp_filter was looked at */

/* In the order they are added (a goto needs its target); deleted the other way. */
enum base_rule { BASE_NOP, BASE_CATCH_ALL, BASE_GUARD, N_BASE_RULES };

struct path {
	bool wanted;
	int family; /* the VIP's */
	struct in6_addr vip;
	bool has_nh;
	struct fib_nexthop nh;
	bool written; /* rule and route (if has_nh) as wanted in the kernel, last we knew */
	bool seen_rule, seen_route; /* in the running reconcile's dumps */
	int rule_error, route_error; /* the last write's, each logged once */
};

struct probe_paths {
	struct ev_loop *loop;
	struct probe_path_settings s;
	struct fib *fib;
	struct fib_rules *rules;
	bool active;
	ev_timer timer;
	double last_sweep; /* ev_now() of the last whole comparison */
	uint32_t cursor; /* the next path id the checks look up */
	struct path paths[XDPCAST_MAX_BACKENDS];
	uint32_t per_family[N_FAMILIES]; /* wanted paths */
	bool base_seen[N_FAMILIES][N_BASE_RULES];
	int base_error[N_FAMILIES][N_BASE_RULES];
	/* another owner's rules at priority..priority+3: the guard would skip them */
	uint32_t foreign[N_FAMILIES], foreign_seen[N_FAMILIES];
	bool guard_off[N_FAMILIES];
	/* found in a dump, to delete once it ends (fib_* cannot run inside it) */
	struct fib_rule *stale_rules;
	size_t n_stale_rules, cap_stale_rules;
	struct fib_route *stale_routes;
	size_t n_stale_routes, cap_stale_routes;
	int rp_checked[RP_CHECKED_MAX];
	size_t n_rp_checked;
	int dump_error; /* the last failed listing's, logged once */
};

static const int families[N_FAMILIES] = { AF_INET, AF_INET6 };

static int family_index(int family)
{
	return family == AF_INET6;
}

/* ---- what should be ---- */

static uint32_t mark_mask(void)
{
	return ~PROBE_PATH_ID_MASK;
}

static struct fib_rule base_rule(const struct probe_paths *pp, int family, enum base_rule which)
{
	struct fib_rule r = { .modelled = true, .family = family, .protocol = pp->s.protocol };

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

/* The base rules a family wants: none without paths, no guard beside another owner's rule. */
static bool base_wanted(const struct probe_paths *pp, int fi, enum base_rule which)
{
	return pp->per_family[fi] && (which != BASE_GUARD || !pp->guard_off[fi]);
}

static struct fib_rule path_rule(const struct probe_paths *pp, uint32_t id, int family)
{
	return (struct fib_rule){
		.modelled = true,
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
	char dev[IF_NAMESIZE], key[IF_NAMESIZE];
	int rp;

	if (p->family != AF_INET || !p->has_nh || pp->n_rp_checked == RP_CHECKED_MAX)
		return;
	for (size_t i = 0; i < pp->n_rp_checked; i++)
		if (pp->rp_checked[i] == p->nh.ifindex)
			return;
	if (!if_indextoname((unsigned int)p->nh.ifindex, dev))
		return;
	/* looked at once per interface, not at every write of a path through it */
	pp->rp_checked[pp->n_rp_checked++] = p->nh.ifindex;
	rp = read_rp_filter("all");
	if (read_rp_filter(dev) > rp)
		rp = read_rp_filter(dev);
	if (!rp)
		return;
	/* sysctl's key for a name with dots (a VLAN: eth0.100) has them as slashes */
	snprintf(key, sizeof(key), "%s", dev);
	for (char *c = key; *c; c++)
		*c = *c == '.' ? '/' : *c;
	pr_warn("probe path: rp_filter is %d on %s: the backends' replies to checks of a VIP "
		"come from the VIP, and are dropped while the router has no route to it%s; "
		"set net.ipv4.conf.all.rp_filter=0 and net.ipv4.conf.%s.rp_filter=0 "
		"(docs/xdpcastd.md)\n",
		rp, dev, rp == 1 ? " through this interface" : "", key);
}

/* ---- writes ---- */

/* Logs a failed write once per distinct error in @last (a success clears it). */
static int report(int *last, const char *what, const char *text, int err)
{
	if (err && *last != err)
		pr_warn("probe path: cannot %s (%s): %s\n", what, strerror(-err), text);
	*last = err;
	return err;
}

static int add_rule(struct probe_paths *pp, const struct fib_rule *r, int *last)
{
	char text[TEXT_MAX];
	int err = fib_rule_add(pp->rules, r);

	fib_rule_format(r, text, sizeof(text));
	return report(last, "add rule", text, err == -EEXIST ? 0 : err);
}

/* Deletes: already gone is what was wanted. */
static int delete_rule(struct probe_paths *pp, const struct fib_rule *r, int *last)
{
	char text[TEXT_MAX];
	int err = fib_rule_delete(pp->rules, r);

	fib_rule_format(r, text, sizeof(text));
	return report(last, "delete rule", text, err == -ENOENT ? 0 : err);
}

static int delete_route(struct probe_paths *pp, const struct fib_route *r, int *last)
{
	char text[TEXT_MAX];
	int err = fib_delete(pp->fib, r);

	fib_route_format(r, text, sizeof(text));
	return report(last, "delete route", text, err == -ESRCH ? 0 : err);
}

static void write_base(struct probe_paths *pp, int fi, enum base_rule which, bool present)
{
	struct fib_rule r = base_rule(pp, families[fi], which);

	if (present)
		add_rule(pp, &r, &pp->base_error[fi][which]);
	else
		delete_rule(pp, &r, &pp->base_error[fi][which]);
}

/* The family's base rules as wanted: added from the nop up, deleted from the guard down. */
static void write_bases(struct probe_paths *pp, int fi)
{
	for (int i = 0; i < N_BASE_RULES; i++)
		if (base_wanted(pp, fi, (enum base_rule)i))
			write_base(pp, fi, (enum base_rule)i, true);
	for (int i = N_BASE_RULES - 1; i >= 0; i--)
		if (!base_wanted(pp, fi, (enum base_rule)i))
			write_base(pp, fi, (enum base_rule)i, false);
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
	int rule_err, route_err;

	check_rp_filter(pp, p);
	rule_err = add_rule(pp, &rule, &p->rule_error);
	if (p->has_nh) {
		fib_route_format(&route, text, sizeof(text));
		route_err =
			report(&p->route_error, "add route", text, fib_replace(pp->fib, &route));
	} else {
		route_err = delete_route(pp, &route, &p->route_error);
	}
	p->written = !rule_err && !route_err;
}

/* Remove what backend @id had: its rule and route in its table. */
static void erase_path(struct probe_paths *pp, uint32_t id, struct path *p)
{
	struct fib_rule rule = path_rule(pp, id, p->family);
	struct fib_nexthop nh;
	struct fib_route route = path_route(pp, id, p, &nh);

	delete_rule(pp, &rule, &p->rule_error);
	if (p->has_nh)
		delete_route(pp, &route, &p->route_error);
}

/* ---- the backends' paths ---- */

uint32_t probe_path_mark(const struct probe_paths *pp, uint32_t id)
{
	return pp->s.mark | (id & PROBE_PATH_ID_MASK);
}

/* A family gains or loses its first or last path: its base rules follow. */
static void count_family(struct probe_paths *pp, int family, int delta)
{
	int fi = family_index(family);
	uint32_t *n = &pp->per_family[fi];

	*n += (uint32_t)delta;
	if (pp->active && ((delta > 0 && *n == 1) || (delta < 0 && *n == 0)))
		write_bases(pp, fi);
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
	    (!want.has_nh || !memcmp(&p->nh, &want.nh, sizeof(want.nh)))) {
		/* unchanged; but a write that failed (a link that was down) is tried again */
		if (pp->active && !p->written)
			write_path(pp, id);
		return;
	}
	if (p->wanted && pp->active &&
	    (p->family != want.family || memcmp(&p->vip, &want.vip, sizeof(want.vip))))
		erase_path(pp, id, p); /* another address; a lost next hop: write_path deletes it */
	if (p->wanted && p->family != want.family)
		count_family(pp, p->family, -1);
	if (!p->wanted || p->family != want.family)
		count_family(pp, want.family, +1);
	want.rule_error = p->rule_error;
	want.route_error = p->route_error;
	*p = want;
	if (pp->active)
		write_path(pp, id);
}

void probe_path_clear(struct probe_paths *pp, uint32_t id)
{
	struct path *p;
	int family;

	if (id >= XDPCAST_MAX_BACKENDS || !pp->paths[id].wanted)
		return;
	p = &pp->paths[id];
	if (pp->active)
		erase_path(pp, id, p);
	family = p->family;
	memset(p, 0, sizeof(*p));
	count_family(pp, family, -1);
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
			return base_wanted(pp, fi, (enum base_rule)i);
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
	int fi;

	if (r->family != AF_INET && r->family != AF_INET6)
		return;
	fi = family_index(r->family);
	/* not ours (another protocol, or selectors we never write): never touched,
	 * but one at our priorities would be skipped by the guard's goto */
	if (r->protocol != pp->s.protocol || !r->modelled) {
		if (r->priority >= pp->s.priority && r->priority <= pp->s.priority + 3)
			pp->foreign_seen[fi]++;
		return;
	}
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

static void free_stale(struct probe_paths *pp)
{
	for (size_t i = 0; i < pp->n_stale_routes; i++)
		fib_route_free(&pp->stale_routes[i]);
	pp->n_stale_rules = pp->n_stale_routes = 0;
}

/* One listing of the rules and the protocol's routes, classified. */
static int list_kernel(struct probe_paths *pp)
{
	int err;

	memset(pp->base_seen, 0, sizeof(pp->base_seen));
	memset(pp->foreign_seen, 0, sizeof(pp->foreign_seen));
	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++)
		pp->paths[id].seen_rule = pp->paths[id].seen_route = false;
	free_stale(pp);
	err = fib_rules_dump(pp->rules, rule_seen, pp);
	if (!err)
		err = fib_dump(pp->fib, pp->s.protocol, route_seen, pp);
	if (err && err != pp->dump_error)
		pr_warn("probe path: cannot list the rules and routes of protocol %u (%s): "
			"writing what is wanted all the same\n",
			pp->s.protocol, strerror(-err));
	pp->dump_error = err;
	return err;
}

/* Another owner's rules at our priorities: the guard goes (or comes back,
 * which returns true). */
static bool update_guard(struct probe_paths *pp, int fi)
{
	bool off = pp->foreign_seen[fi] > 0, back = pp->guard_off[fi] && !off;

	if (pp->foreign_seen[fi] != pp->foreign[fi] && off)
		pr_warn("probe path: %s: %u rule%s of another owner at priority %u..%u: without "
			"xdpcastd's guard rule there (every packet then walks the backends' rules "
			"at %u); move probe_routing.priority to a free range\n",
			fi ? "IPv6" : "IPv4", pp->foreign_seen[fi],
			pp->foreign_seen[fi] == 1 ? "" : "s", pp->s.priority, pp->s.priority + 3,
			pp->s.priority + 1);
	else if (pp->foreign[fi] && !off)
		pr_info("probe path: %s: priority %u..%u free again: guard rule back\n",
			fi ? "IPv6" : "IPv4", pp->s.priority, pp->s.priority + 3);
	pp->foreign[fi] = pp->foreign_seen[fi];
	pp->guard_off[fi] = off;
	return back;
}

/* Remove the stale, then write the missing. @log_restored: say what
 * someone else removed. A failed listing still writes what is wanted (the
 * writes are idempotent): no probe may meet a kernel without its rules. */
static int reconcile(struct probe_paths *pp, bool log_restored)
{
	char text[TEXT_MAX];
	int err, scratch = 0;

	pp->last_sweep = ev_now(pp->loop);
	err = list_kernel(pp);
	if (!err && pp->n_stale_rules) {
		for (size_t i = 0; i < pp->n_stale_rules; i++) {
			fib_rule_format(&pp->stale_rules[i], text, sizeof(text));
			pr_info("probe path: rule removed: %s\n", text);
			delete_rule(pp, &pp->stale_rules[i], &scratch);
		}
		/* the kernel deletes the first rule that matches what a delete names:
		 * list again rather than trust that it was the stale one */
		err = list_kernel(pp);
	}
	for (size_t i = 0; !err && i < pp->n_stale_routes; i++) {
		fib_route_format(&pp->stale_routes[i], text, sizeof(text));
		pr_info("probe path: route removed: %s\n", text);
		delete_route(pp, &pp->stale_routes[i], &scratch);
	}
	free_stale(pp);
	for (int fi = 0; fi < N_FAMILIES; fi++) {
		bool guard_back = !err && update_guard(pp, fi);

		for (int i = 0; i < N_BASE_RULES; i++) {
			bool want = base_wanted(pp, fi, (enum base_rule)i);

			if (!err && want == pp->base_seen[fi][i])
				continue;
			if (want && log_restored && !err && !(i == BASE_GUARD && guard_back)) {
				struct fib_rule r = base_rule(pp, families[fi], (enum base_rule)i);

				fib_rule_format(&r, text, sizeof(text));
				pr_warn("probe path: rule deleted outside xdpcastd, restored: %s\n",
					text);
			}
			if (want || !err)
				write_base(pp, fi, (enum base_rule)i, want);
		}
	}
	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++) {
		struct path *p = &pp->paths[id];

		if (!p->wanted || (!err && p->seen_rule && (p->seen_route || !p->has_nh)))
			continue;
		if (log_restored && p->written && !err)
			pr_warn("probe path of backend id %u: %s deleted outside xdpcastd, "
				"restored\n",
				id,
				p->seen_rule		      ? "route"
				: p->has_nh && !p->seen_route ? "rule and route"
							      : "rule");
		write_path(pp, id);
	}
	return err;
}

int probe_paths_reconcile(struct probe_paths *pp)
{
	return reconcile(pp, true);
}

/* ---- the checks between sweeps ---- */

struct lookup {
	const struct fib_route *want;
	bool found;
};

static void lookup_cb(void *arg, const struct fib_route *r)
{
	struct lookup *l = arg;

	l->found = fib_route_equal(r, l->want);
}

/* Whether a probe of backend @id meets the rule and route it should. */
static bool path_in_place(struct probe_paths *pp, uint32_t id)
{
	struct path *p = &pp->paths[id];
	struct fib_nexthop nh;
	struct fib_route want = path_route(pp, id, p, &nh);
	struct lookup l = { .want = &want };
	int err;

	err = fib_lookup_mark(pp->fib, p->family, &p->vip, probe_path_mark(pp, id), pp->s.protocol,
			      lookup_cb, &l);
	if (!p->has_nh) /* the catch-all's answer, not a route of another table */
		return err == -ENETUNREACH;
	return !err && l.found;
}

/* A slice of the paths written as wanted (a failed write waits for the sweep). */
static bool paths_in_place(struct probe_paths *pp)
{
	uint32_t looked = 0;

	for (uint32_t n = 0; n < XDPCAST_MAX_BACKENDS && looked < PROBE_PATH_LOOKUPS_PER_CHECK;
	     n++) {
		uint32_t id = pp->cursor;

		pp->cursor = (pp->cursor + 1) % XDPCAST_MAX_BACKENDS;
		if (!pp->paths[id].wanted || !pp->paths[id].written)
			continue;
		looked++;
		if (!path_in_place(pp, id))
			return false;
	}
	return true;
}

bool probe_paths_check(struct probe_paths *pp)
{
	if (ev_now(pp->loop) - pp->last_sweep < PROBE_PATH_SWEEP_S && paths_in_place(pp))
		return false;
	reconcile(pp, true);
	return true;
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	probe_paths_check(w->data);
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

/* ---- exit ---- */

static void collect_ours(void *arg, const struct fib_rule *r)
{
	struct probe_paths *pp = arg;

	if (r->protocol != pp->s.protocol || !r->modelled)
		return;
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
	size_t rules = 0, routes = 0;
	int err, scratch;

	ev_timer_stop(pp->loop, &pp->timer);
	pp->active = false;
	free_stale(pp);
	/* rules first, the guard before what it jumps over: nothing is steered
	 * into a table being emptied. What a failed listing did list goes too. */
	err = fib_rules_dump(pp->rules, collect_ours, pp);
	for (size_t i = pp->n_stale_rules; i-- > 0;) {
		scratch = 0;
		rules += !delete_rule(pp, &pp->stale_rules[i], &scratch);
	}
	err = err ? err : fib_dump(pp->fib, pp->s.protocol, collect_all_routes, pp);
	for (size_t i = 0; i < pp->n_stale_routes; i++) {
		scratch = 0;
		routes += !delete_route(pp, &pp->stale_routes[i], &scratch);
	}
	if (err)
		pr_warn("probe path: cannot list the rules and routes of protocol %u (%s): some "
			"may be left (ip rule; ip route show table all proto %u)\n",
			pp->s.protocol, strerror(-err), pp->s.protocol);
	if (rules || routes)
		pr_info("probe path: removed %zu rules and %zu routes of protocol %u\n", rules,
			routes, pp->s.protocol);
	free_stale(pp);
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
	pp->timer.repeat = PROBE_PATH_CHECK_S;
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
	free_stale(pp);
	free(pp->stale_rules);
	free(pp->stale_routes);
	free(pp);
}
