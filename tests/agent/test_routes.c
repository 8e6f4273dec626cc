/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The route mirror (user/agent/routes.c) without checks or a dataplane: VIPs
 * and backends are set up by hand (health, weights, next hops) in a private
 * network namespace whose links xin (198.51.100.1/24, 2001:db8::1/64) and
 * ya (203.0.113.1/24) carry the next hops; what the mirror writes is read
 * back with `ip route`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <criterion/criterion.h>
#include <ev.h>

#include "addr.h"
#include "fixture.h"
#include "routes.h"

#define MAX_VIPS 4
#define MAX_BACKENDS 4

static struct ev_loop *loop;
static struct routes *routes;
static struct vip vips[MAX_VIPS], *vip_ptrs[MAX_VIPS];
static size_t n_vips;
static struct backend backends[MAX_VIPS][MAX_BACKENDS], *backend_ptrs[MAX_VIPS][MAX_BACKENDS];
static int xin, ya;

static void set_addr(struct addr_config *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	cr_assert(addr_parse(&a->ip, text), "%s", text);
	snprintf(a->text, sizeof(a->text), "%s", text);
}

/* VIP @i at @addr, in service or not. */
static struct vip *vip(size_t i, const char *name, const char *addr, bool usable)
{
	struct vip *v = &vips[i];

	snprintf(v->cfg.name, sizeof(v->cfg.name), "%s", name);
	set_addr(&v->cfg.addr, addr);
	v->usable = usable;
	v->backends = backend_ptrs[i];
	vip_ptrs[i] = v;
	if (n_vips <= i)
		n_vips = i + 1;
	return v;
}

/* An up backend of @v with @weight whose next hop is @gw on @ifindex. */
static struct backend *backend(struct vip *v, const char *name, uint32_t weight, const char *gw,
			       int ifindex)
{
	size_t vi = (size_t)(v - vips);
	struct backend *b = &backends[vi][v->n_backends];
	struct addr_config g;

	snprintf(b->cfg.name, sizeof(b->cfg.name), "%s", name);
	b->cfg.weight = weight;
	b->admin_weight = -1;
	b->health.up = true;
	b->vip = v;
	set_addr(&g, gw);
	b->nh.state = NEXTHOP_REACHABLE;
	b->nh.ifindex = ifindex;
	b->nh.gateway = g.addr;
	backend_ptrs[vi][v->n_backends++] = b;
	return b;
}

/* The route `ip route` shows for @dst of protocol 252, on one line. */
static void route_text(const char *dst, char *out, size_t len)
{
	fx_sh_read(out, len, "ip -o route show %s proto 252 table all | tr -s '\\\\\\t ' ' '", dst);
}

/* The mirror over vip_ptrs, protocol 252, metric 10, the main table. */
static void open_routes(void)
{
	static const struct route_settings settings = {
		.protocol = 252, .metric = 10, .table = 254, .reconcile_ms = 1000
	};
	static struct vip *const *list = vip_ptrs;

	cr_assert_eq(routes_open(&routes, loop, &settings,
				 (struct route_vips){ .vips = &list, .n = &n_vips }),
		     0);
}

static void setup(void)
{
	fixture_netns();
	fx_sh("ip addr add 198.51.100.1/24 dev xin && ip -6 addr add 2001:db8::1/64 dev xin nodad");
	fx_sh("ip link add ya type veth peer name yb && ip link set ya up && ip link set yb up && "
	      "ip addr add 203.0.113.1/24 dev ya");
	xin = (int)if_nametoindex("xin");
	ya = (int)if_nametoindex("ya");
	memset(vips, 0, sizeof(vips));
	memset(backends, 0, sizeof(backends));
	n_vips = 0;
	loop = ev_loop_new(EVFLAG_AUTO);
	open_routes();
}

static void teardown(void)
{
	routes_close(routes);
	ev_loop_destroy(loop);
}

Test(routes, backends_behind_one_gateway_add_their_weights_up, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct vip *v = vip(0, "dns", "198.18.0.53", true);
	char line[512];

	/* b1 and b2 behind the router 198.51.100.2, b3 on-link on ya */
	backend(v, "b1", 1, "198.51.100.2", xin);
	backend(v, "b2", 2, "198.51.100.2", xin);
	backend(v, "b3", 1, "203.0.113.3", ya);
	cr_assert_eq(routes_activate(routes), 0);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert(strstr(line, "nexthop via 198.51.100.2 dev xin weight 3"), "%s", line);
	cr_assert(strstr(line, "nexthop via 203.0.113.3 dev ya weight 1"), "%s", line);
	cr_assert(routes_announced(routes, &v->cfg.addr));
}

Test(routes, vips_at_one_address_share_it_and_all_must_serve, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct vip *udp = vip(0, "dns-udp", "198.18.0.53", true);
	struct vip *tcp = vip(1, "dns-tcp", "198.18.0.53", true);
	char line[512];

	backend(udp, "b1", 2, "198.51.100.2", xin);
	backend(tcp, "b1", 5, "198.51.100.2", xin); /* the same server: the larger weight */
	backend(tcp, "b2", 1, "203.0.113.3", ya);
	cr_assert_eq(routes_activate(routes), 0);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert(strstr(line, "nexthop via 198.51.100.2 dev xin weight 5"), "%s", line);
	cr_assert(strstr(line, "nexthop via 203.0.113.3 dev ya weight 1"), "%s", line);

	tcp->usable = false; /* one VIP at the address out of service: withdrawn */
	routes_update(routes, &tcp->cfg.addr);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert_str_eq(line, "");
	cr_assert_not(routes_announced(routes, &udp->cfg.addr));
	tcp->usable = true;
	routes_update(routes, &tcp->cfg.addr);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert(strstr(line, "weight 5"), "back: %s", line);
}

Test(routes, weights_above_256_are_scaled_and_none_drops_to_zero, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct vip *v = vip(0, "dns", "198.18.0.53", true);
	char line[512];

	backend(v, "big", 65535, "198.51.100.2", xin);
	backend(v, "small", 1, "203.0.113.3", ya);
	cr_assert_eq(routes_activate(routes), 0);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert(strstr(line, "nexthop via 198.51.100.2 dev xin weight 256"), "%s", line);
	cr_assert(strstr(line, "nexthop via 203.0.113.3 dev ya weight 1"), "%s", line);
}

Test(routes, an_ipv6_vip_names_only_ipv6_next_hops, .init = setup, .fini = teardown, .timeout = 30)
{
	struct vip *v6 = vip(0, "dns6", "2001:db8:53::53", true);
	struct vip *v4only = vip(1, "dns6via4", "2001:db8:53::54", true);
	char line[512];

	backend(v6, "b1", 1, "2001:db8::2", xin);
	backend(v6, "b2", 1, "203.0.113.3", ya); /* an IPv4 backend: left out */
	backend(v4only, "b3", 1, "203.0.113.4", ya);
	cr_assert_eq(routes_activate(routes), 0);
	route_text("2001:db8:53::53", line, sizeof(line));
	cr_assert(strstr(line, "via 2001:db8::2 dev xin"), "%s", line);
	cr_assert_null(strstr(line, "203.0.113"), "%s", line);
	route_text("2001:db8:53::54", line, sizeof(line));
	cr_assert_str_eq(line, "", "no IPv6 next hop: not announced");
	cr_assert_null(routes_error(routes, &v4only->cfg.addr), "not a failure: nothing to write");
}

Test(routes, adoption_keeps_the_route_and_removes_stale_ones, .init = setup, .fini = teardown,
     .timeout = 30)
{
	struct vip *v = vip(0, "dns", "198.18.0.53", true);
	char line[512], before[512], dir[] = "/tmp/xdpcast-routes-test.XXXXXX";

	backend(v, "b1", 1, "198.51.100.2", xin);
	cr_assert_eq(routes_activate(routes), 0);
	route_text("198.18.0.53", before, sizeof(before));
	/* a new xdpcastd: the route stays as it is, the stale one goes */
	routes_close(routes);
	fx_sh("ip route add 198.18.0.99/32 via 198.51.100.2 proto 252 metric 10");
	fx_sh("ip route add 198.18.0.53/32 via 198.51.100.3 proto 252 metric 11");
	cr_assert_not_null(mkdtemp(dir));
	fx_sh("ip -o monitor route > %s/log 2>&1 & echo $! > %s/pid; sleep 0.2", dir, dir);
	open_routes();
	cr_assert_eq(routes_activate(routes), 0);
	fx_sh("sleep 0.2; kill $(cat %s/pid)", dir);
	route_text("198.18.0.53", line, sizeof(line));
	cr_assert_str_eq(line, before);
	route_text("198.18.0.99", line, sizeof(line));
	cr_assert_str_eq(line, "", "the stale route is gone");
	/* the route in force was neither deleted nor replaced: only the stale ones moved */
	fx_sh("! grep -v -e 198.18.0.99 -e 'metric 11' %s/log | grep -q 198.18.0.53", dir);
	fx_sh("rm -r %s", dir);
}
