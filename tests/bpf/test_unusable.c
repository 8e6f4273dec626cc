// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A VIP whose chosen backend cannot take the packet leaves it to the kernel,
 * untouched, with the reason: no usable backend (no table, an emptied
 * table, every backend down), next-hop MAC unknown, egress interface not in
 * the devmap. The VIP's counter moves, no backend's does.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

enum { NO_TABLE = 1, ALL_DOWN, NO_NEIGH, NO_EGRESS, EMPTIED, NO_NEIGH6 };

#define ADDR_NO_TABLE "203.0.113.60"
#define ADDR_ALL_DOWN "203.0.113.61"
#define ADDR_NO_NEIGH "203.0.113.62"
#define ADDR_NO_EGRESS "203.0.113.63"
#define ADDR_EMPTIED "203.0.113.64"
#define ADDR6_NO_NEIGH "2001:db8::62"

static const __u32 down[] = { 1, 2, 3 }, unresolved[] = { 4 }, via_lo[] = { 5 }, emptied[] = { 6 };

static void setup(void)
{
	struct fx_vip v;
	size_t i;

	fixture_setup();
	fx_add_vip(&fx, &v, ADDR_NO_TABLE, 0, 0, NO_TABLE, 0);

	fx_setup_vip(&fx, &v, ADDR_ALL_DOWN, 0, 0, ALL_DOWN, down, 3, 0);
	for (i = 0; i < FX_ARRAY_SIZE(down); i++)
		fx_set_backend(&fx, down[i], fx_out, 0, XDPCAST_BACKEND_DOWN,
			       XDPCAST_BACKEND_F_MAC_KNOWN);

	fx_setup_vip(&fx, &v, ADDR_NO_NEIGH, 0, 0, NO_NEIGH, unresolved, 1, 0);
	fx_setup_vip(&fx, &v, ADDR6_NO_NEIGH, 0, 0, NO_NEIGH6, unresolved, 1, 0);
	fx_set_backend(&fx, unresolved[0], fx_out, 0, XDPCAST_BACKEND_UP, 0);

	/* lo is a real interface, but not one of the egress devmap's */
	fx_setup_vip(&fx, &v, ADDR_NO_EGRESS, 0, 0, NO_EGRESS, via_lo, 1, 0);
	fx_set_backend(&fx, via_lo[0], fx_lo, 0, XDPCAST_BACKEND_UP, XDPCAST_BACKEND_F_MAC_KNOWN);

	fx_setup_vip(&fx, &v, ADDR_EMPTIED, 0, 0, EMPTIED, emptied, 1, 0);
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &v.key, NULL, 0), 0);
}

#define UDP4(addr) FX_FLOW4(IPPROTO_UDP, (addr), 53)
#define TCP4(addr) FX_FLOW4(IPPROTO_TCP, (addr), 443)

static const struct fx_case no_backend[] = {
	{ "VIP without a table",
	  { UDP4(ADDR_NO_TABLE) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_BACKEND, NO_TABLE) },
	{ "VIP whose backends are all down, udp",
	  { UDP4(ADDR_ALL_DOWN) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_BACKEND, ALL_DOWN) },
	{ "VIP whose backends are all down, tcp",
	  { TCP4(ADDR_ALL_DOWN) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_BACKEND, ALL_DOWN) },
	{ "VIP whose table was emptied",
	  { UDP4(ADDR_EMPTIED) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_BACKEND, EMPTIED) },
};

static const struct fx_case no_neigh[] = {
	{ "backend with an unknown MAC",
	  { UDP4(ADDR_NO_NEIGH) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_NEIGH, NO_NEIGH) },
	{ "backend with an unknown MAC, tagged",
	  { TCP4(ADDR_NO_NEIGH), .vlan = 100 },
	  .expect = FX_PASS(XDPCAST_PASS_NO_NEIGH, NO_NEIGH) },
	{ "backend with an unknown MAC, IPv6",
	  { FX_FLOW6(IPPROTO_UDP, ADDR6_NO_NEIGH, 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_NEIGH, NO_NEIGH6) },
};

static const struct fx_case no_egress[] = {
	{ "backend behind an interface outside the devmap",
	  { UDP4(ADDR_NO_EGRESS) },
	  .expect = FX_PASS(XDPCAST_PASS_NO_EGRESS, NO_EGRESS) },
	{ "backend behind an interface outside the devmap, tagged",
	  { TCP4(ADDR_NO_EGRESS), .vlan = 100 },
	  .expect = FX_PASS(XDPCAST_PASS_NO_EGRESS, NO_EGRESS) },
};

Test(packets, unusable_no_backend, .init = setup, .fini = fixture_teardown)
{
	fx_check_cases(&fx, no_backend, FX_ARRAY_SIZE(no_backend));
}

Test(packets, unusable_no_neigh, .init = setup, .fini = fixture_teardown)
{
	fx_check_cases(&fx, no_neigh, FX_ARRAY_SIZE(no_neigh));
}

Test(packets, unusable_no_egress, .init = setup, .fini = fixture_teardown)
{
	fx_check_cases(&fx, no_egress, FX_ARRAY_SIZE(no_egress));
}

/* The devmap loses, then regains, the backends' egress interface. */
Test(packets, unusable_no_egress_removed, .init = setup, .fini = fixture_teardown)
{
	static const __u32 b[] = { 7 };
	static const struct fx_case with = { "egress in the devmap",
					     { UDP4(FX_VIP4) },
					     .expect = FX_REDIRECT(1 + NO_NEIGH6, 7) };
	static const struct fx_case without = { "egress removed from the devmap",
						{ UDP4(FX_VIP4) },
						.expect = FX_PASS(XDPCAST_PASS_NO_EGRESS,
								  1 + NO_NEIGH6) };
	struct fx_vip v;

	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, 1 + NO_NEIGH6, b, 1, 0);
	fx_check_cases(&fx, &with, 1);
	cr_assert_eq(xdpcast_dp_del_egress(&fx.dp, fx_out), 0);
	fx_check_cases(&fx, &without, 1);
	cr_assert_eq(xdpcast_dp_set_egress(&fx.dp, fx_out), 0);
	fx_check_cases(&fx, &with, 1);
}
