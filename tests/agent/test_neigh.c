/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Next hops from rtnetlink (user/agent/neigh.c), in a private network
 * namespace: xin (198.51.100.1/24, 2001:db8::1/64) and ya (203.0.113.1/24)
 * are veths whose peers answer nothing, so neighbours exist only as the
 * tests write them. Events are awaited on the loop with a deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <ev.h>

#include "addr.h"
#include "fixture.h"
#include "neigh.h"

#define MAX_SEEN 8
#define EVENT_WAIT_S 2.0 /* an event arrives in milliseconds; this only bounds a failure */
#define QUIET_WAIT_S 0.3 /* how long to wait for a callback that must not come */
#define SETTLE_S 0.02 /* the kernel queues an event before the command returns */
#define OVERRUN_ROUTES 30000 /* route events: more than the socket buffer holds */

/* Calls of the changed callback, per address. */
struct seen {
	struct addr_config addr[MAX_SEEN];
	int calls[MAX_SEEN];
	size_t n;
};

static struct ev_loop *loop;
static struct neigh_watch *nw;
static struct seen seen;
static ev_timer tick; /* wakes ev_run(EVRUN_ONCE) up so deadlines are checked */
static int ya; /* ifindex of the second interface */

static struct addr_config addr(const char *text)
{
	struct addr_config a;

	cr_assert(addr_parse(&a.ip, text), "bad address %s", text);
	snprintf(a.text, sizeof(a.text), "%s", text);
	return a;
}

static void parse_mac(const char *text, uint8_t mac[6])
{
	cr_assert_eq(sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
			    &mac[3], &mac[4], &mac[5]),
		     6, "bad MAC %s", text);
}

static void if_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = { .ifr_name = "" };
	int fd, err;

	cr_assert_not_null(if_indextoname((unsigned int)ifindex, ifr.ifr_name));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	cr_assert_eq(err, 0, "SIOCGIFHWADDR %s: %s", ifr.ifr_name, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static int calls(const char *text)
{
	struct addr_config a = addr(text);
	size_t i;

	for (i = 0; i < seen.n; i++)
		if (seen.addr[i].family == a.family && !memcmp(&seen.addr[i].addr, &a.addr, 16))
			return seen.calls[i];
	return 0;
}

static void on_changed(void *arg, const struct addr_config *a)
{
	struct seen *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->addr[i].family == a->family && !memcmp(&s->addr[i].addr, &a->addr, 16))
			break;
	cr_assert_lt(i, MAX_SEEN, "too many addresses called back");
	if (i == s->n)
		s->addr[s->n++] = *a;
	s->calls[i]++;
}

static void on_tick(struct ev_loop *l, ev_timer *t, int revents)
{
	(void)l;
	(void)t;
	(void)revents;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop until @text has been called back @want times in all, or @timeout. */
static bool run_until(const char *text, int want, double timeout)
{
	double deadline = now() + timeout;

	while (calls(text) < want && now() < deadline)
		ev_run(loop, EVRUN_ONCE);
	return calls(text) >= want;
}

static void run_for(double seconds)
{
	double deadline = now() + seconds;

	while (now() < deadline)
		ev_run(loop, EVRUN_ONCE);
}

/* Handle the events the set-up left queued, so that only what follows can call back. */
static void settle(void)
{
	run_for(SETTLE_S);
}

/* Wait for the next callback about @text. */
static void await_change(const char *text)
{
	int want = calls(text) + 1;

	cr_assert(run_until(text, want, EVENT_WAIT_S), "%s: no callback within %.1f s", text,
		  EVENT_WAIT_S);
}

static void setup(void)
{
	fixture_netns();
	fx_sh("ip addr add 198.51.100.1/24 dev xin && ip -6 addr add 2001:db8::1/64 dev xin nodad");
	fx_sh("ip link add ya type veth peer name yb && ip link set ya up && ip link set yb up && "
	      "ip addr add 203.0.113.1/24 dev ya");
	ya = (int)if_nametoindex("ya");
	cr_assert(ya);
	memset(&seen, 0, sizeof(seen));
	loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(loop);
	ev_timer_init(&tick, on_tick, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	nw = neigh_watch_new(loop, on_changed, &seen);
	cr_assert_not_null(nw);
}

static void teardown(void)
{
	neigh_watch_free(nw);
	ev_timer_stop(loop, &tick);
	ev_loop_destroy(loop);
}

static struct nexthop get(const char *text)
{
	struct addr_config a = addr(text);
	struct nexthop nh;

	cr_assert_eq(neigh_get(nw, &a, &nh), 0, "%s is not tracked", text);
	return nh;
}

static void track(const char *text)
{
	struct addr_config a = addr(text);

	cr_assert_eq(neigh_track(nw, &a), 0, "neigh_track(%s)", text);
}

static void untrack(const char *text)
{
	struct addr_config a = addr(text);

	neigh_untrack(nw, &a);
}

/* @text's next hop is @state through @ifindex and @gw, dst MAC @mac (NULL: zero). */
static void expect(const char *text, enum nexthop_state state, int ifindex, const char *gw,
		   const char *mac)
{
	struct nexthop nh = get(text);
	uint8_t want[6] = { 0 }, src[6] = { 0 };
	struct addr_config g;

	cr_assert_eq(nh.state, state, "%s: %s, expected %s", text, nexthop_state_name(nh.state),
		     nexthop_state_name(state));
	cr_assert_eq(nh.ifindex, ifindex, "%s: ifindex %d, expected %d", text, nh.ifindex, ifindex);
	cr_assert_eq(nh.vlan, 0);
	if (mac)
		parse_mac(mac, want);
	cr_assert_arr_eq(nh.dst_mac, want, 6, "%s: wrong dst MAC", text);
	if (ifindex)
		if_mac(ifindex, src);
	if (ifindex && state == NEXTHOP_REACHABLE)
		cr_assert_arr_eq(nh.src_mac, src, 6, "%s: src MAC is not the egress's", text);
	if (gw) {
		g = addr(gw);
		cr_assert_arr_eq(&nh.gateway, &g.addr, 16, "%s: wrong gateway", text);
	}
}

Test(neigh, onlink_permanent_v4, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.10",
	       "02:00:00:00:01:0a");
}

Test(neigh, via_gateway_uses_gateway_mac, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.254 dev xin lladdr 02:00:00:00:01:fe nud permanent && "
	      "ip route add 198.18.0.0/24 via 198.51.100.254");
	track("198.18.0.10");
	expect("198.18.0.10", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.254", "02:00:00:00:01:fe");
}

Test(neigh, stale_and_noarp_are_reachable, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud stale && "
	      "ip neigh replace 198.51.100.11 dev xin lladdr 02:00:00:00:01:0b nud noarp");
	track("198.51.100.10");
	track("198.51.100.11");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0a");
	expect("198.51.100.11", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0b");
}

Test(neigh, no_neighbour_is_unresolved, .init = setup, .fini = teardown, .timeout = 30)
{
	track("198.51.100.20");
	expect("198.51.100.20", NEXTHOP_UNRESOLVED, (int)fx_in, "198.51.100.20", NULL);
	fx_sh("ip neigh replace 198.51.100.21 dev xin nud incomplete");
	track("198.51.100.21");
	expect("198.51.100.21", NEXTHOP_UNRESOLVED, (int)fx_in, "198.51.100.21", NULL);
	/* tracking does not resolve: no entry appeared */
	fx_sh("! ip neigh show dev xin | grep -q '^198.51.100.20 '");
}

Test(neigh, failed_neighbour, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.30 dev xin nud failed");
	track("198.51.100.30");
	expect("198.51.100.30", NEXTHOP_FAILED, (int)fx_in, "198.51.100.30", NULL);
}

Test(neigh, no_route_local_and_loopback_are_unresolved, .init = setup, .fini = teardown,
     .timeout = 30)
{
	fx_sh("ip route add unreachable 198.18.2.0/24 && ip route add blackhole 198.18.3.0/24 && "
	      "ip route add 198.18.4.0/24 dev lo");
	track("198.18.1.1"); /* no route at all: no default in the namespace */
	track("198.18.2.1");
	track("198.18.3.1");
	track("198.18.4.1");
	track("198.51.100.1"); /* our own address */
	track("127.0.0.1");
	track("2001:db8:99::1");
	expect("198.18.1.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("198.18.2.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("198.18.3.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("198.18.4.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("198.51.100.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("127.0.0.1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
	expect("2001:db8:99::1", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
}

Test(neigh, neighbour_change_calls_back, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	settle();
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:1a nud permanent");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:1a");
	cr_assert_eq(calls("198.51.100.10"), 1);

	fx_sh("ip neigh replace 198.51.100.10 dev xin nud failed");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_FAILED, (int)fx_in, NULL, NULL);

	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud reachable");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0a");
}

Test(neigh, neighbour_appears_and_is_deleted, .init = setup, .fini = teardown, .timeout = 30)
{
	track("198.51.100.10");
	settle();
	expect("198.51.100.10", NEXTHOP_UNRESOLVED, (int)fx_in, NULL, NULL);
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0a");
	fx_sh("ip neigh del 198.51.100.10 dev xin");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_UNRESOLVED, (int)fx_in, "198.51.100.10", NULL);
}

Test(neigh, unrelated_events_do_not_call_back, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	settle();
	/* another neighbour, a route elsewhere, another link, the same entry rewritten */
	fx_sh("ip neigh replace 198.51.100.11 dev xin lladdr 02:00:00:00:01:0b nud permanent && "
	      "ip route add 198.18.7.0/24 via 198.51.100.11 && ip link set yb down && "
	      "ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	neigh_refresh(nw);
	run_for(QUIET_WAIT_S);
	cr_assert_eq(calls("198.51.100.10"), 0, "called back %d times for no change",
		     calls("198.51.100.10"));
}

Test(neigh, shared_gateway_calls_back_each, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.254 dev xin lladdr 02:00:00:00:01:fe nud permanent && "
	      "ip route add 198.18.0.0/24 via 198.51.100.254");
	track("198.18.0.10");
	track("198.18.0.11");
	settle();
	fx_sh("ip neigh replace 198.51.100.254 dev xin lladdr 02:00:00:00:02:fe nud permanent");
	cr_assert(run_until("198.18.0.11", 1, EVENT_WAIT_S));
	cr_assert(run_until("198.18.0.10", 1, EVENT_WAIT_S));
	expect("198.18.0.10", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.254", "02:00:00:00:02:fe");
	expect("198.18.0.11", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.254", "02:00:00:00:02:fe");
}

Test(neigh, route_change_moves_next_hop, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.254 dev xin lladdr 02:00:00:00:01:fe nud permanent && "
	      "ip neigh replace 203.0.113.254 dev ya lladdr 02:00:00:00:03:fe nud permanent && "
	      "ip route add 198.18.0.0/24 via 198.51.100.254");
	track("198.18.0.10");
	settle();
	expect("198.18.0.10", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.254", "02:00:00:00:01:fe");

	fx_sh("ip route replace 198.18.0.0/24 via 203.0.113.254");
	await_change("198.18.0.10");
	expect("198.18.0.10", NEXTHOP_REACHABLE, ya, "203.0.113.254", "02:00:00:00:03:fe");

	/* a more specific route wins */
	fx_sh("ip route add 198.18.0.10/32 via 198.51.100.254");
	await_change("198.18.0.10");
	expect("198.18.0.10", NEXTHOP_REACHABLE, (int)fx_in, "198.51.100.254", "02:00:00:00:01:fe");

	fx_sh("ip route del 198.18.0.10/32 && ip route del 198.18.0.0/24");
	cr_assert(run_until("198.18.0.10", 3, EVENT_WAIT_S));
	run_for(0.05);
	expect("198.18.0.10", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
}

Test(neigh, link_down_and_up, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	settle();

	/* carrier lost (the peer went down): the route stays, the link is not usable */
	fx_sh("ip link set xout down");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_UNRESOLVED, (int)fx_in, "198.51.100.10", NULL);
	fx_sh("ip link set xout up");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0a");

	/* down: the connected route and the neighbours go */
	fx_sh("ip link set xin down");
	await_change("198.51.100.10");
	run_for(0.05);
	expect("198.51.100.10", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
}

Test(neigh, link_deleted, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 203.0.113.10 dev ya lladdr 02:00:00:00:03:0a nud permanent");
	track("203.0.113.10");
	settle();
	expect("203.0.113.10", NEXTHOP_REACHABLE, ya, "203.0.113.10", "02:00:00:00:03:0a");
	fx_sh("ip link del ya");
	await_change("203.0.113.10");
	run_for(0.05);
	expect("203.0.113.10", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
}

Test(neigh, link_mac_change, .init = setup, .fini = teardown, .timeout = 30)
{
	struct nexthop nh;
	uint8_t mac[6];

	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	settle();
	/* a new MAC flushes the link's neighbours, permanent ones too */
	fx_sh("ip link set xin address 02:00:00:00:aa:01");
	await_change("198.51.100.10");
	run_for(0.05);
	nh = get("198.51.100.10");
	parse_mac("02:00:00:00:aa:01", mac);
	cr_assert_arr_eq(nh.src_mac, mac, 6, "src MAC not updated");
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	cr_assert(run_until("198.51.100.10", calls("198.51.100.10") + 1, EVENT_WAIT_S));
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:0a");
}

Test(neigh, ipv6_onlink_and_via_gateway, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 2001:db8::10 dev xin lladdr 02:00:00:00:06:10 nud permanent && "
	      "ip neigh replace 2001:db8::fe dev xin lladdr 02:00:00:00:06:fe nud permanent && "
	      "ip -6 route add 2001:db8:5::/64 via 2001:db8::fe");
	track("2001:db8::10");
	track("2001:db8:5::10");
	track("2001:db8::20");
	settle();
	expect("2001:db8::10", NEXTHOP_REACHABLE, (int)fx_in, "2001:db8::10", "02:00:00:00:06:10");
	expect("2001:db8:5::10", NEXTHOP_REACHABLE, (int)fx_in, "2001:db8::fe",
	       "02:00:00:00:06:fe");
	expect("2001:db8::20", NEXTHOP_UNRESOLVED, (int)fx_in, "2001:db8::20", NULL);

	fx_sh("ip neigh replace 2001:db8::10 dev xin lladdr 02:00:00:00:06:11 nud permanent");
	await_change("2001:db8::10");
	expect("2001:db8::10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:06:11");
	fx_sh("ip -6 route del 2001:db8:5::/64");
	await_change("2001:db8:5::10");
	expect("2001:db8:5::10", NEXTHOP_UNRESOLVED, 0, NULL, NULL);
}

Test(neigh, refcount_and_untrack, .init = setup, .fini = teardown, .timeout = 30)
{
	struct addr_config a = addr("198.51.100.10");
	struct nexthop nh;

	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	track("198.51.100.10");
	untrack("198.51.100.10");
	settle();
	cr_assert_eq(neigh_get(nw, &a, &nh), 0, "still tracked once");
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:1a nud permanent");
	await_change("198.51.100.10");
	cr_assert_eq(calls("198.51.100.10"), 1, "one entry, one callback");

	untrack("198.51.100.10");
	cr_assert_eq(neigh_get(nw, &a, &nh), -ENOENT);
	untrack("198.51.100.10"); /* not tracked: no effect */
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:2a nud permanent");
	run_for(QUIET_WAIT_S);
	cr_assert_eq(calls("198.51.100.10"), 1, "called back after untrack");
}

Test(neigh, rejects_bad_address, .init = setup, .fini = teardown, .timeout = 30)
{
	struct addr_config a = addr("2001:db8::10");

	a.family = AF_INET; /* not IPv4-mapped */
	cr_assert_eq(neigh_track(nw, &a), -EINVAL);
	a.family = AF_UNIX;
	cr_assert_eq(neigh_track(nw, &a), -EINVAL);
}

/* The callback of the test below: untracks what changed, tracks another. */
static void untrack_on_change(void *arg, const struct addr_config *a)
{
	struct addr_config other = addr("198.51.100.99");

	on_changed(arg, a);
	neigh_untrack(nw, a);
	cr_assert_eq(neigh_track(nw, &other), 0);
}

Test(neigh, callback_may_track_and_untrack, .init = setup, .fini = teardown, .timeout = 30)
{
	struct addr_config gone = addr("198.18.0.10"), other = addr("198.51.100.99");
	struct nexthop nh;

	neigh_watch_free(nw);
	nw = neigh_watch_new(loop, untrack_on_change, &seen);
	cr_assert_not_null(nw);
	fx_sh("ip neigh replace 198.51.100.254 dev xin lladdr 02:00:00:00:01:fe nud permanent && "
	      "ip route add 198.18.0.0/24 via 198.51.100.254");
	track("198.18.0.10");
	track("198.18.0.11");
	track("198.18.0.12");
	settle();
	fx_sh("ip neigh del 198.51.100.254 dev xin");
	cr_assert(run_until("198.18.0.12", 1, EVENT_WAIT_S));
	run_for(0.05);
	cr_assert_eq(calls("198.18.0.10"), 1);
	cr_assert_eq(calls("198.18.0.11"), 1);
	cr_assert_eq(calls("198.18.0.12"), 1);
	cr_assert_eq(neigh_get(nw, &gone, &nh), -ENOENT);
	cr_assert_eq(neigh_get(nw, &other, &nh), 0);
}

Test(neigh, ipv4_via_ipv6_gateway, .init = setup, .fini = teardown, .timeout = 30)
{
	fx_sh("ip neigh replace 2001:db8::fe dev xin lladdr 02:00:00:00:06:fe nud permanent && "
	      "ip route add 198.18.9.0/24 via inet6 2001:db8::fe dev xin");
	track("198.18.9.10");
	settle();
	expect("198.18.9.10", NEXTHOP_REACHABLE, (int)fx_in, "2001:db8::fe", "02:00:00:00:06:fe");
	fx_sh("ip neigh replace 2001:db8::fe dev xin lladdr 02:00:00:00:06:ff nud permanent");
	await_change("198.18.9.10");
	expect("198.18.9.10", NEXTHOP_REACHABLE, (int)fx_in, "2001:db8::fe", "02:00:00:00:06:ff");
}

/* More route events than the event socket holds, then a change: found by re-reading. */
Test(neigh, overrun_rereads_everything, .init = setup, .fini = teardown, .timeout = 30)
{
	char path[] = "/tmp/xdpcast-neigh-XXXXXX";
	int fd = mkstemp(path), i;
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	for (i = 0; i < OVERRUN_ROUTES; i++)
		fprintf(f, "route add 198.18.%d.%d/32 dev ya\n", 128 + i / 256, i % 256);
	fclose(f);
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:0a nud permanent");
	track("198.51.100.10");
	settle(); /* nothing queued but the flood: its last events and the change are lost */
	fx_sh("ip -batch %s", path);
	unlink(path);
	fx_sh("ip neigh replace 198.51.100.10 dev xin lladdr 02:00:00:00:01:1a nud permanent");
	await_change("198.51.100.10");
	expect("198.51.100.10", NEXTHOP_REACHABLE, (int)fx_in, NULL, "02:00:00:00:01:1a");
}
