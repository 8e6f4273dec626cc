/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The VIPs' routes in the kernel FIB, for the routing daemon to announce
 * (docs/routing.md). One host route per VIP address, of the configured
 * protocol, metric and table, multipath over the next hops of the backends
 * that take new flows, with their weights. It is present while every VIP at
 * that address is in service (min_healthy), so the address is announced only
 * while this site can serve all of it.
 *
 * Every change is one NLM_F_REPLACE (or one delete). A timer checks the
 * routes and puts back what someone deleted or changed: a lookup per
 * installed route when they are in the main table (microseconds each, on a
 * router with a full table too), else and when a lookup disagrees, and at
 * least every minute, a listing of the protocol's routes, which also removes
 * those that xdpcastd does not announce. The kernel filters that listing,
 * but still walks its whole table for it: 12.6 ms for 131,072 routes (make bench). A new
 * xdpcastd takes the routes it finds as its own, so a restart that keeps
 * the dataplane never withdraws them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "routes.h"

#include "fib.h"
#include "log.h"

#define ROUTE_TEXT_MAX 1024 /* a logged route: longer ones are cut */
#define FULL_SWEEP_S 60.0 /* the longest between two listings of the whole protocol */
#define ROUTE_ERROR_MAX 128

struct route_entry {
	struct addr_config addr; /* the VIPs' address */
	struct fib_route installed; /* what xdpcastd put in the kernel; n_nh 0: nothing */
	char error[ROUTE_ERROR_MAX]; /* the last write's failure ("" = none), logged once */
	bool seen; /* found in the kernel by the current reconcile */
	bool changed; /* found different from installed */
	bool unroutable; /* in service, but no next hop the route can name (logged) */
};

struct routes {
	struct ev_loop *loop;
	struct route_settings settings;
	struct route_vips vips;
	struct fib *fib;
	struct route_entry *v;
	size_t n, cap;
	bool active; /* the agent has started: writes allowed */
	ev_timer timer; /* reconcile */
	ev_tstamp last_sweep; /* when the protocol's routes were last listed whole */
	struct fib_route *stale; /* routes of our protocol found by a dump that nobody wants */
	size_t n_stale, cap_stale;
	struct fib_nexthop scratch[FIB_NEXTHOPS_MAX]; /* the route being computed */
	struct fib_nexthop vip_hops[FIB_NEXTHOPS_MAX]; /* one VIP's share of it */
	struct routes_counters counters; /* for the metrics */
};

static void on_reconcile(struct ev_loop *loop, ev_timer *w, int revents);

/* ---- entries ---- */

static bool same_addr(const struct addr_config *a, int family, const struct in6_addr *addr)
{
	const struct addr x = { .family = family, .addr = *addr };

	return addr_equal(&a->ip, &x);
}

static struct route_entry *find_entry(const struct routes *rs, int family,
				      const struct in6_addr *addr)
{
	for (size_t i = 0; i < rs->n; i++)
		if (same_addr(&rs->v[i].addr, family, addr))
			return &rs->v[i];
	return NULL;
}

static struct route_entry *get_entry(struct routes *rs, const struct addr_config *addr)
{
	struct route_entry *e = find_entry(rs, addr->family, &addr->addr);

	if (e)
		return e;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct route_entry *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		rs->v = v;
		rs->cap = cap;
	}
	e = &rs->v[rs->n++];
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	return e;
}

/* Forget entries with nothing installed and no VIP left at their address. */
static void prune_entries(struct routes *rs)
{
	size_t i = 0;

	while (i < rs->n) {
		struct route_entry *e = &rs->v[i];
		bool vip = false;

		for (size_t j = 0; j < *rs->vips.n && !vip; j++)
			vip = same_addr(&e->addr, (*rs->vips.vips)[j]->cfg.addr.family,
					&(*rs->vips.vips)[j]->cfg.addr.addr);
		if (vip || e->installed.n_nh) {
			i++;
			continue;
		}
		rs->v[i] = rs->v[--rs->n];
	}
}

/* ---- what the route should be ---- */

static void route_key(const struct routes *rs, const struct addr_config *addr, struct fib_route *r)
{
	r->family = addr->family;
	r->dst = addr->addr;
	r->table = rs->settings.table;
	r->metric = rs->settings.metric;
	r->protocol = rs->settings.protocol;
}

static bool same_key(const struct fib_route *x, const struct fib_route *y)
{
	return x->family == y->family && !memcmp(&x->dst, &y->dst, sizeof(x->dst)) &&
	       x->table == y->table && x->metric == y->metric && x->protocol == y->protocol;
}

/* @nh in @hops (@n of them), by interface and gateway; NULL if absent. */
static struct fib_nexthop *find_hop(struct fib_nexthop *hops, size_t n,
				    const struct fib_nexthop *nh)
{
	for (size_t i = 0; i < n; i++)
		if (hops[i].ifindex == nh->ifindex && !memcmp(&hops[i].gw, &nh->gw, sizeof(nh->gw)))
			return &hops[i];
	return NULL;
}

/*
 * Add VIP @v's backends that take new flows to @r's next hops. Backends
 * behind one gateway add their weights up, as XDP shares the VIP's flows
 * between them; VIPs at one address that share a next hop give it the
 * larger of their weights. An IPv6 route cannot name an IPv4 gateway: such
 * next hops are counted in @skipped instead.
 */
static void add_vip_nexthops(struct routes *rs, struct fib_route *r, const struct vip *v,
			     size_t *skipped)
{
	size_t n = 0;

	for (size_t j = 0; j < v->n_backends; j++) {
		const struct backend *b = v->backends[j];
		struct fib_nexthop nh = {
			.gw = b->nh.gateway,
			.gw_family = IN6_IS_ADDR_V4MAPPED(&b->nh.gateway) ? AF_INET : AF_INET6,
			.ifindex = b->nh.ifindex,
			.weight = backend_weight(b),
		};
		struct fib_nexthop *same;

		if (!backend_in_table(b))
			continue;
		if (r->family == AF_INET6 && nh.gw_family == AF_INET) {
			(*skipped)++;
			continue;
		}
		same = find_hop(rs->vip_hops, n, &nh);
		if (same)
			same->weight += nh.weight;
		else if (n < FIB_NEXTHOPS_MAX)
			rs->vip_hops[n++] = nh;
	}
	for (size_t i = 0; i < n; i++) {
		struct fib_nexthop *same = find_hop(r->nh, r->n_nh, &rs->vip_hops[i]);

		if (same && rs->vip_hops[i].weight > same->weight)
			same->weight = rs->vip_hops[i].weight;
		else if (!same && r->n_nh < FIB_NEXTHOPS_MAX)
			r->nh[r->n_nh++] = rs->vip_hops[i];
	}
}

/* Weights go up to 65535 (and their sums beyond), the kernel's to 256:
 * scaled, never to 0. */
static void scale_weights(struct fib_route *r)
{
	uint32_t max = 0;

	for (size_t i = 0; i < r->n_nh; i++)
		if (r->nh[i].weight > max)
			max = r->nh[i].weight;
	if (max <= FIB_WEIGHT_MAX)
		return;
	for (size_t i = 0; i < r->n_nh; i++) {
		uint32_t w =
			(uint32_t)(((uint64_t)r->nh[i].weight * FIB_WEIGHT_MAX + max / 2) / max);

		r->nh[i].weight = w ? w : 1;
	}
}

enum want {
	WANT_ROUTE, /* every VIP at the address in service */
	WANT_NONE, /* a VIP out of service, or none left */
	WANT_UNROUTABLE, /* in service, but no next hop the route can name */
};

/*
 * The route @e's address should have, in @r (next hops in rs->scratch), and
 * otherwise in @why the reason there should be none.
 */
static enum want desired_route(struct routes *rs, const struct route_entry *e, struct fib_route *r,
			       char *why, size_t why_len)
{
	size_t skipped = 0;
	bool any = false;

	route_key(rs, &e->addr, r);
	r->nh = rs->scratch;
	r->n_nh = 0;
	why[0] = '\0';
	for (size_t i = 0; i < *rs->vips.n; i++) {
		const struct vip *v = (*rs->vips.vips)[i];

		if (!same_addr(&e->addr, v->cfg.addr.family, &v->cfg.addr.addr))
			continue;
		any = true;
		if (!v->usable) {
			snprintf(why, why_len, "vip %s out of service", v->cfg.name);
			return WANT_NONE;
		}
		add_vip_nexthops(rs, r, v, &skipped);
	}
	if (!any) {
		snprintf(why, why_len, "no VIP at this address");
		return WANT_NONE;
	}
	if (!r->n_nh) {
		/* in service with no next hop can only be the skipped IPv4 ones */
		snprintf(why, why_len,
			 "its backends' next hops are IPv4 (%zu): an IPv6 route "
			 "cannot name them",
			 skipped);
		return WANT_UNROUTABLE;
	}
	scale_weights(r);
	fib_route_sort(r);
	return WANT_ROUTE;
}

/* ---- writing ---- */

static void format_route(const struct fib_route *r, bool with_nexthops, char *buf, size_t len)
{
	struct fib_route key = *r;

	if (!with_nexthops)
		key.n_nh = 0;
	fib_route_format(&key, buf, len);
}

/* A failed write is logged once per distinct error; the reconcile retries. */
static void write_failed(struct routes *rs, struct route_entry *e, const char *what,
			 const struct fib_route *r, int err)
{
	char text[ROUTE_TEXT_MAX], msg[ROUTE_ERROR_MAX];

	rs->counters.write_failures++;
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-err));
	if (!strcmp(msg, e->error))
		return;
	snprintf(e->error, sizeof(e->error), "%s", msg);
	format_route(r, true, text, sizeof(text));
	pr_err("route %s: cannot %s (%s), retrying every reconcile: %s\n", e->addr.text, what,
	       strerror(-err), text);
}

static int delete_route(struct routes *rs, const struct fib_route *r)
{
	int err = fib_delete(rs->fib, r);

	return err == -ESRCH ? 0 : err; /* already gone: what was wanted */
}

static void withdraw(struct routes *rs, struct route_entry *e, const char *why)
{
	char text[ROUTE_TEXT_MAX];
	int err = delete_route(rs, &e->installed);

	if (err) {
		write_failed(rs, e, "delete", &e->installed, err);
		return;
	}
	format_route(&e->installed, false, text, sizeof(text));
	pr_warn("route withdrawn: %s (%s)\n", text, why);
	fib_route_free(&e->installed);
	e->error[0] = '\0';
}

/* Put @want in the kernel in place of whatever e->installed was. */
static void install(struct routes *rs, struct route_entry *e, const struct fib_route *want,
		    const char *what)
{
	char text[ROUTE_TEXT_MAX];
	struct fib_route copy;
	int err = fib_replace(rs->fib, want);

	if (!err)
		err = fib_route_copy(&copy, want);
	if (err) {
		write_failed(rs, e, "install", want, err);
		return;
	}
	/* a new metric or table is a new route: the old one goes once the new one is in */
	if (e->installed.n_nh && !same_key(&e->installed, want)) {
		err = delete_route(rs, &e->installed);
		if (err) {
			rs->counters.write_failures++;
			format_route(&e->installed, false, text, sizeof(text));
			pr_err("route %s: cannot delete the old route %s (%s)\n", e->addr.text,
			       text, strerror(-err));
		}
	}
	fib_route_free(&e->installed);
	e->installed = copy;
	e->error[0] = '\0';
	format_route(want, true, text, sizeof(text));
	pr_info("route %s: %s\n", what, text);
}

enum sync_reason {
	SYNC_CHANGE, /* the VIPs' state changed */
	SYNC_ADOPT, /* the installed route was found in the kernel at start */
	SYNC_RESTORE, /* the kernel's route was deleted or changed by someone else */
};

/* Make @e's route what the VIPs at its address say. */
static void sync_entry(struct routes *rs, struct route_entry *e, enum sync_reason reason)
{
	char why[ROUTE_ERROR_MAX], text[ROUTE_TEXT_MAX];
	struct fib_route want;
	enum want w = desired_route(rs, e, &want, why, sizeof(why));

	if (w != WANT_ROUTE) {
		/* a configuration the kernel cannot express: said once */
		if (w == WANT_UNROUTABLE && !e->unroutable) {
			pr_warn("route %s: not announced: %s\n", e->addr.text, why);
			e->unroutable = true;
		}
		if (e->installed.n_nh)
			withdraw(rs, e, why);
		return;
	}
	e->unroutable = false;
	if (e->installed.n_nh && fib_route_equal(&e->installed, &want) && !e->error[0] &&
	    reason != SYNC_RESTORE) {
		if (reason == SYNC_ADOPT) {
			format_route(&want, true, text, sizeof(text));
			pr_info("route adopted, unchanged: %s\n", text);
		}
		return;
	}
	if (reason == SYNC_RESTORE)
		install(rs, e, &want, "restored");
	else if (reason == SYNC_ADOPT && e->installed.n_nh)
		install(rs, e, &want, "adopted and updated");
	else
		install(rs, e, &want, e->installed.n_nh ? "updated" : "announced");
}

void routes_update(struct routes *rs, const struct addr_config *addr)
{
	struct route_entry *e;

	if (!rs || !rs->active)
		return;
	e = get_entry(rs, addr);
	if (!e) {
		pr_err("route %s: out of memory\n", addr->text);
		return;
	}
	sync_entry(rs, e, SYNC_CHANGE);
}

/* An entry for every VIP's address: 0, or -ENOMEM after a message. */
static int add_entries(struct routes *rs)
{
	for (size_t i = 0; i < *rs->vips.n; i++) {
		const struct addr_config *addr = &(*rs->vips.vips)[i]->cfg.addr;

		if (!get_entry(rs, addr)) {
			pr_err("route %s: out of memory\n", addr->text);
			return -ENOMEM;
		}
	}
	return 0;
}

void routes_update_all(struct routes *rs, const struct route_settings *settings)
{
	if (!rs)
		return;
	rs->settings = *settings;
	if (!rs->active)
		return;
	add_entries(rs);
	for (size_t i = 0; i < rs->n; i++)
		sync_entry(rs, &rs->v[i], SYNC_CHANGE);
	prune_entries(rs);
	/* a new interval applies from now */
	rs->timer.repeat = rs->settings.reconcile_ms / 1000.0;
	ev_timer_again(rs->loop, &rs->timer);
}

/* ---- the kernel's view ---- */

static void add_stale(struct routes *rs, const struct fib_route *r)
{
	if (rs->n_stale == rs->cap_stale) {
		size_t cap = rs->cap_stale ? rs->cap_stale * 2 : 8;
		struct fib_route *v = realloc(rs->stale, cap * sizeof(*v));

		if (!v)
			return; /* found again by the next reconcile */
		rs->stale = v;
		rs->cap_stale = cap;
	}
	if (!fib_route_copy(&rs->stale[rs->n_stale], r))
		rs->n_stale++;
}

/* At start: our protocol's routes at a configured address with the configured
 * table and metric become the entries' installed routes; the others are stale. */
static void adopt_cb(void *arg, const struct fib_route *r)
{
	struct routes *rs = arg;
	struct route_entry *e = find_entry(rs, r->family, &r->dst);
	struct fib_route key;

	if (e) {
		route_key(rs, &e->addr, &key);
		if (same_key(&key, r) && !e->installed.n_nh && !fib_route_copy(&e->installed, r))
			return;
	}
	add_stale(rs, r);
}

/* Later: compare with what was installed. */
static void reconcile_cb(void *arg, const struct fib_route *r)
{
	struct routes *rs = arg;
	struct route_entry *e = find_entry(rs, r->family, &r->dst);
	char text[ROUTE_TEXT_MAX];

	if (e && e->installed.n_nh && same_key(&e->installed, r) && !e->seen) {
		e->seen = true;
		if (!fib_route_equal(&e->installed, r)) {
			e->changed = true;
			fib_route_format(r, text, sizeof(text));
			pr_warn("route changed outside xdpcastd: %s\n", text);
		}
		return;
	}
	add_stale(rs, r);
}

static void remove_stale(struct routes *rs, const char *why)
{
	char text[ROUTE_TEXT_MAX];
	int err;

	for (size_t i = 0; i < rs->n_stale; i++) {
		fib_route_format(&rs->stale[i], text, sizeof(text));
		err = delete_route(rs, &rs->stale[i]);
		rs->counters.write_failures += err != 0;
		if (err)
			pr_err("route %s: cannot remove it (%s)\n", text, strerror(-err));
		else
			pr_warn("route removed: %s (%s)\n", text, why);
		fib_route_free(&rs->stale[i]);
	}
	rs->n_stale = 0;
}

struct lookup {
	const struct fib_route *installed;
	bool same; /* the lookup found the installed route, unchanged */
};

static void lookup_cb(void *arg, const struct fib_route *r)
{
	struct lookup *l = arg;

	l->same = fib_route_equal(r, l->installed);
}

/* Whether a lookup of each installed route finds it unchanged. Lookups go
 * through the main table (policy rules aside): not for another table. */
static bool installed_routes_in_place(struct routes *rs)
{
	if (rs->settings.table != RT_TABLE_MAIN)
		return false;
	for (size_t i = 0; i < rs->n; i++) {
		const struct route_entry *e = &rs->v[i];
		struct lookup l = { .installed = &e->installed };

		if (!e->installed.n_nh)
			continue;
		if (fib_lookup(rs->fib, e->addr.family, &e->addr.addr, rs->settings.protocol,
			       lookup_cb, &l) ||
		    !l.same)
			return false;
	}
	return true;
}

static void reconcile(struct routes *rs)
{
	int err;

	if (ev_now(rs->loop) - rs->last_sweep < FULL_SWEEP_S && installed_routes_in_place(rs)) {
		for (size_t i = 0; i < rs->n; i++)
			if (rs->v[i].error[0])
				sync_entry(rs, &rs->v[i], SYNC_CHANGE); /* retry a failed write */
		return;
	}
	rs->last_sweep = ev_now(rs->loop);

	for (size_t i = 0; i < rs->n; i++)
		rs->v[i].seen = rs->v[i].changed = false;
	err = fib_dump(rs->fib, rs->settings.protocol, reconcile_cb, rs);
	if (err) {
		pr_err("routes: cannot list the kernel's routes of protocol %u (%s)\n",
		       rs->settings.protocol, strerror(-err));
		return;
	}
	remove_stale(rs, "of xdpcast's protocol, not announced by xdpcastd");
	for (size_t i = 0; i < rs->n; i++) {
		struct route_entry *e = &rs->v[i];
		char text[ROUTE_TEXT_MAX];
		bool lost = e->installed.n_nh && !e->seen, repair = lost || e->changed;

		if (lost) {
			format_route(&e->installed, true, text, sizeof(text));
			pr_warn("route deleted outside xdpcastd: %s\n", text);
			fib_route_free(&e->installed);
		}
		/* put back what the VIPs say; a failed write is retried here too */
		sync_entry(rs, e, !e->seen || e->changed ? SYNC_RESTORE : SYNC_CHANGE);
		/* put back as wanted (a failed write counts as a write failure instead) */
		rs->counters.repairs += repair && e->installed.n_nh && !e->error[0];
	}
}

static void on_reconcile(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	reconcile(w->data);
}

/* ---- lifecycle ---- */

int routes_open(struct routes **out, struct ev_loop *loop, const struct route_settings *settings,
		struct route_vips vips)
{
	struct routes *rs = calloc(1, sizeof(*rs));
	int err;

	*out = NULL;
	if (!rs)
		return -ENOMEM;
	rs->loop = loop;
	rs->settings = *settings;
	rs->vips = vips;
	err = fib_open(&rs->fib);
	if (err) {
		free(rs);
		return err;
	}
	ev_init(&rs->timer, on_reconcile);
	rs->timer.data = rs;
	*out = rs;
	return 0;
}

int routes_activate(struct routes *rs)
{
	int err = add_entries(rs);

	if (err)
		return err;
	err = fib_dump(rs->fib, rs->settings.protocol, adopt_cb, rs);
	if (err) {
		pr_err("routes: cannot list the kernel's routes of protocol %u (%s)\n",
		       rs->settings.protocol, strerror(-err));
		return err;
	}
	rs->active = true;
	rs->last_sweep = ev_now(rs->loop);
	/* the new routes first, then the old ones go: a route that only moved
	 * to a new metric or table is never absent */
	for (size_t i = 0; i < rs->n; i++)
		sync_entry(rs, &rs->v[i], SYNC_ADOPT);
	remove_stale(rs, "not a route of this configuration");
	rs->timer.repeat = rs->settings.reconcile_ms / 1000.0;
	ev_timer_again(rs->loop, &rs->timer);
	return 0;
}

void routes_withdraw_all(struct routes *rs, const char *why)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].installed.n_nh)
			withdraw(rs, &rs->v[i], why);
}

bool routes_announced(const struct routes *rs, const struct addr_config *addr)
{
	const struct route_entry *e = rs ? find_entry(rs, addr->family, &addr->addr) : NULL;

	return e && e->installed.n_nh;
}

const char *routes_error(const struct routes *rs, const struct addr_config *addr)
{
	const struct route_entry *e = rs ? find_entry(rs, addr->family, &addr->addr) : NULL;

	return e && e->error[0] ? e->error : NULL;
}

struct routes_counters routes_counters(const struct routes *rs)
{
	return rs ? rs->counters : (struct routes_counters){ 0 };
}

void routes_close(struct routes *rs)
{
	if (!rs)
		return;
	if (ev_is_active(&rs->timer))
		ev_timer_stop(rs->loop, &rs->timer);
	for (size_t i = 0; i < rs->n; i++)
		fib_route_free(&rs->v[i].installed);
	for (size_t i = 0; i < rs->n_stale; i++)
		fib_route_free(&rs->stale[i]);
	free(rs->stale);
	free(rs->v);
	fib_close(rs->fib);
	free(rs);
}
