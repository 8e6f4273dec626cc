/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-backend policy routing of VIP-targeted checks (user/agent/probe_path.c),
 * in a private network namespace: xin (198.51.100.1/24, 2001:db8::1/64) and
 * ya (203.0.113.1/24) are the links the backends' next hops are on. What it
 * writes is read back with `ip rule` and `ip route get ... mark`, the lookup
 * a probe socket's packets get.
 */
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <criterion/criterion.h>
#include <ev.h>

#include "addr.h"
#include "fixture.h"
#include "probe_path.h"

#define MARK 0x58430000u
#define VIP4 "198.18.0.53"
#define VIP6 "2001:db8:53::53"

static struct probe_paths *pp;
static struct ev_loop *loop;
static const struct probe_path_settings settings = {
	.protocol = 251, .mark = MARK, .table = 58430000, .priority = 900
};

static void setup(void)
{
	fixture_netns();
	fx_sh("ip addr add 198.51.100.1/24 dev xin && ip -6 addr add 2001:db8::1/64 dev xin nodad");
	fx_sh("ip link add ya type veth peer name yb && ip link set ya up && ip link set yb up && "
	      "ip addr add 203.0.113.1/24 dev ya");
	/* where the router's unmarked traffic to the VIP goes: not to a backend */
	fx_sh("ip route add 198.18.0.0/16 via 198.51.100.20");
	loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(loop);
	cr_assert_eq(probe_paths_open(&pp, loop, &settings), 0);
}

static void teardown(void)
{
	probe_paths_close(pp);
	ev_loop_destroy(loop);
}

static struct addr_config addr(const char *text)
{
	struct addr_config a;

	cr_assert(addr_parse(&a.ip, text), "%s", text);
	snprintf(a.text, sizeof(a.text), "%s", text);
	return a;
}

static struct nexthop nexthop(const char *gw, const char *dev)
{
	struct nexthop nh = { .state = NEXTHOP_REACHABLE };
	struct addr_config a = addr(gw);

	nh.gateway = a.addr;
	nh.ifindex = (int)if_nametoindex(dev);
	cr_assert(nh.ifindex > 0);
	return nh;
}

static void set(uint32_t id, const char *vip, const char *gw, const char *dev)
{
	struct addr_config v = addr(vip);
	struct nexthop nh = { 0 };

	if (gw)
		nh = nexthop(gw, dev);
	probe_path_set(pp, id, &v, &nh);
}

/* What the lookup of @dst with mark MARK | @id gives ("" when it fails). */
static void route_get(char *out, size_t len, const char *dst, uint32_t id)
{
	fx_sh_read(out, len, "ip route get %s mark 0x%x 2>&1 | head -n 1", dst, MARK | id);
}

static int count(const char *cmd)
{
	char line[64];

	fx_sh_read(line, sizeof(line), "%s | wc -l", cmd);
	return atoi(line);
}

static void assert_via(const char *dst, uint32_t id, const char *via)
{
	char line[256];

	route_get(line, sizeof(line), dst, id);
	cr_assert(strstr(line, via), "mark %#x to %s: want \"%s\", got \"%s\"", MARK | id, dst, via,
		  line);
}

Test(probe_path, each_backend_its_own_route, .init = setup, .fini = teardown, .timeout = 30)
{
	char line[256];

	set(1, VIP4, "198.51.100.10", "xin");
	set(2, VIP4, "203.0.113.10", "ya"); /* the same VIP behind another next hop */
	set(3, VIP6, "2001:db8::10", "xin");
	cr_assert_eq(probe_paths_activate(pp), 0);
	cr_assert_eq(probe_path_mark(pp, 2), MARK | 2);

	assert_via(VIP4, 1, "via 198.51.100.10 dev xin");
	assert_via(VIP4, 2, "via 203.0.113.10 dev ya");
	assert_via(VIP6, 3, "via 2001:db8::10 dev xin");
	/* a mark of the range without a path fails: never the main table's backend */
	route_get(line, sizeof(line), VIP4, 9);
	cr_assert(strstr(line, "unreachable"), "%s", line);
	/* unmarked traffic and another mark are the main table's */
	fx_sh_read(line, sizeof(line), "ip route get %s | head -n 1", VIP4);
	cr_assert(strstr(line, "via 198.51.100.20"), "%s", line);
	fx_sh_read(line, sizeof(line), "ip route get %s mark 0x1 | head -n 1", VIP4);
	cr_assert(strstr(line, "via 198.51.100.20"), "%s", line);
	/* three rules around the backends', per family; one per backend */
	cr_assert_eq(count("ip rule show | grep 'proto 251'"), 5);
	cr_assert_eq(count("ip -6 rule show | grep 'proto 251'"), 4);
	/* routes in the backends' own tables only, not in main */
	cr_assert_eq(count("ip route show table 58430002 proto 251"), 1);
	cr_assert_eq(count("ip route show proto 251"), 0);
}

Test(probe_path, forwarded_packets_are_not_steered, .init = setup, .fini = teardown, .timeout = 30)
{
	char line[256];

	fx_sh("sysctl -qw net.ipv4.ip_forward=1");
	set(1, VIP4, "198.51.100.10", "xin");
	cr_assert_eq(probe_paths_activate(pp), 0);
	/* a packet arriving on ya with the backend's mark (a firewall's, say) */
	fx_sh_read(line, sizeof(line),
		   "ip route get %s from 203.0.113.9 iif ya mark 0x%x 2>&1 | head -n 1", VIP4,
		   MARK | 1);
	cr_assert(strstr(line, "via 198.51.100.20"), "%s", line);
}

Test(probe_path, next_hop_changes_and_loss, .init = setup, .fini = teardown, .timeout = 30)
{
	char line[256];

	set(1, VIP4, "198.51.100.10", "xin");
	cr_assert_eq(probe_paths_activate(pp), 0);
	set(1, VIP4, "203.0.113.10", "ya");
	assert_via(VIP4, 1, "via 203.0.113.10 dev ya");
	/* no next hop: the rule stays, the route goes, the probes fail */
	set(1, VIP4, NULL, NULL);
	cr_assert_eq(count("ip route show table 58430001 proto 251"), 0);
	route_get(line, sizeof(line), VIP4, 1);
	cr_assert(strstr(line, "unreachable"), "%s", line);
	set(1, VIP4, "198.51.100.10", "xin");
	assert_via(VIP4, 1, "via 198.51.100.10 dev xin");
	/* the id reused by a backend of an IPv6 VIP */
	set(1, VIP6, "2001:db8::10", "xin");
	assert_via(VIP6, 1, "via 2001:db8::10 dev xin");
	cr_assert_eq(count("ip route show table 58430001 proto 251"), 0);
	cr_assert_eq(count("ip rule show | grep 'proto 251'"), 0);
	probe_path_clear(pp, 1);
	cr_assert_eq(count("ip -6 rule show | grep 'proto 251'"), 0);
	cr_assert_eq(count("ip -6 route show table all proto 251"), 0);
}

Test(probe_path, a_lookup_finds_what_went_missing, .init = setup, .fini = teardown, .timeout = 30)
{
	set(1, VIP4, "198.51.100.10", "xin");
	set(2, VIP4, "203.0.113.10", "ya");
	set(3, VIP6, "2001:db8::10", "xin");
	set(4, VIP4, NULL, NULL); /* no next hop: the catch-all answers */
	cr_assert_eq(probe_paths_activate(pp), 0);
	cr_assert(!probe_paths_check(pp), "all in place: nothing to compare");
	/* a link down flushes its routes without a word to anyone */
	fx_sh("ip link set ya down && ip link set ya up");
	cr_assert_eq(count("ip route show table 58430002"), 0);
	cr_assert(probe_paths_check(pp), "the lookup of backend 2 disagrees");
	assert_via(VIP4, 2, "via 203.0.113.10 dev ya");
	cr_assert(!probe_paths_check(pp));
}

/* Another owner's rule at 900..903 would be skipped by the guard's goto: the
 * guard is left out, the rest works, and it comes back once the rule goes. */
Test(probe_path, guard_left_out_beside_a_foreign_rule, .init = setup, .fini = teardown,
     .timeout = 30)
{
	char line[256];

	fx_sh("ip rule add pref 901 from 198.51.100.1 lookup 100");
	fx_sh("ip route add %s via 203.0.113.99 table 100", VIP4);
	set(1, VIP4, "198.51.100.10", "xin");
	cr_assert_eq(probe_paths_activate(pp), 0);
	cr_assert_eq(count("ip rule show | grep 'proto 251' | grep goto"), 0);
	assert_via(VIP4, 1, "via 198.51.100.10 dev xin");
	/* the foreign rule still applies to unmarked traffic */
	fx_sh_read(line, sizeof(line), "ip route get %s from 198.51.100.1 | head -n 1", VIP4);
	cr_assert(strstr(line, "via 203.0.113.99"), "%s", line);
	fx_sh("ip rule del pref 901 from 198.51.100.1 lookup 100");
	cr_assert_eq(probe_paths_reconcile(pp), 0);
	cr_assert_eq(count("ip rule show | grep 'proto 251' | grep goto"), 1);
}

Test(probe_path, stale_removed_foreign_kept_deleted_restored, .init = setup, .fini = teardown,
     .timeout = 30)
{
	/* left by an earlier run: a backend id no longer used */
	fx_sh("ip rule add pref 901 iif lo fwmark 0x%x lookup 58430007 proto 251", MARK | 7);
	fx_sh("ip route add %s via 198.51.100.10 dev xin table 58430007 proto 251", VIP4);
	/* someone else's, with our mark */
	fx_sh("ip rule add pref 905 fwmark 0x%x lookup 100 proto static", MARK | 7);
	set(1, VIP4, "198.51.100.10", "xin");
	cr_assert_eq(probe_paths_activate(pp), 0);
	cr_assert_eq(count("ip rule show | grep 'proto 251' | grep 0x58430007"), 0);
	cr_assert_eq(count("ip route show table 58430007"), 0);
	cr_assert_eq(count("ip rule show | grep 'proto static'"), 1);

	fx_sh("ip rule del pref 901 fwmark 0x%x/0xffffffff", MARK | 1);
	fx_sh("ip route del %s table 58430001", VIP4);
	fx_sh("ip rule del pref 902");
	cr_assert_eq(probe_paths_reconcile(pp), 0);
	assert_via(VIP4, 1, "via 198.51.100.10 dev xin");
	cr_assert_eq(count("ip rule show | grep 'proto 251'"), 4);

	probe_paths_withdraw_all(pp);
	cr_assert_eq(count("ip rule show | grep 'proto 251'"), 0);
	cr_assert_eq(count("ip route show table all proto 251"), 0);
	cr_assert_eq(count("ip rule show | grep 'proto static'"), 1);
}
