// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * 802.1Q: the output frame carries the tag of the backend's egress VLAN.
 * A tag is popped (4 bytes shorter), rewritten (the VID changes, the
 * priority bits stay) or pushed (4 bytes longer, priority 0).
 */
#include <stdio.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <criterion/criterion.h>

#include "fixture.h"

enum { VIP_POP = 1, VIP_REWRITE, VIP_PUSH, VIP6_POP, VIP6_PUSH };
enum { UNTAGGED = 1, VLAN200, VLAN300 };

#define ADDR_REWRITE "203.0.113.54"
#define ADDR_PUSH "203.0.113.55"
#define ADDR6_PUSH "2001:db8::55"

static void setup(void)
{
	static const __u32 untagged[] = { UNTAGGED }, v200[] = { VLAN200 }, v300[] = { VLAN300 };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP_POP, untagged, 1, 0);
	fx_setup_vip(&fx, &v, ADDR_REWRITE, 0, 0, VIP_REWRITE, v200, 1, 0);
	fx_setup_vip(&fx, &v, ADDR_PUSH, 0, 0, VIP_PUSH, v300, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, VIP6_POP, untagged, 1, 0);
	fx_setup_vip(&fx, &v, ADDR6_PUSH, 0, 0, VIP6_PUSH, v300, 1, 0);
	/* the egress VLANs, after fx_setup_vip() made them untagged */
	fx_set_backend(&fx, VLAN200, fx_out, 200, XDPCAST_BACKEND_UP, XDPCAST_BACKEND_F_MAC_KNOWN);
	fx_set_backend(&fx, VLAN300, fx_out, 300, XDPCAST_BACKEND_UP, XDPCAST_BACKEND_F_MAC_KNOWN);
}

#define UDP4(addr, tag) FX_FLOW4(IPPROTO_UDP, (addr), 53), .vlan = (tag)
#define TCP6(addr, tag) FX_FLOW6(IPPROTO_TCP, (addr), 443), .vlan = (tag)

static const struct {
	const char *name;
	struct pkt_spec spec;
	__u8 pcp; /* priority of the incoming tag */
	int vip, backend;
	int len_delta; /* output length - input length */
	__u16 tci; /* of the output frame; 0 = untagged */
	__u16 ethertype; /* of the IP packet */
} cases[] = {
	{ "VLAN 100 to an untagged egress: popped",
	  { UDP4(FX_VIP4, 100) },
	  0,
	  VIP_POP,
	  UNTAGGED,
	  -4,
	  0,
	  ETH_P_IP },
	{ "VLAN 100 PCP 5 to an untagged egress: popped",
	  { UDP4(FX_VIP4, 100) },
	  5,
	  VIP_POP,
	  UNTAGGED,
	  -4,
	  0,
	  ETH_P_IP },
	{ "VLAN 100 PCP 5 to VLAN 200: VID rewritten, PCP kept",
	  { UDP4(ADDR_REWRITE, 100) },
	  5,
	  VIP_REWRITE,
	  VLAN200,
	  0,
	  0xa000 | 200,
	  ETH_P_IP },
	{ "VLAN 100 PCP 0 to VLAN 200",
	  { UDP4(ADDR_REWRITE, 100) },
	  0,
	  VIP_REWRITE,
	  VLAN200,
	  0,
	  200,
	  ETH_P_IP },
	{ "VLAN 200 PCP 7 to VLAN 200: unchanged tag",
	  { UDP4(ADDR_REWRITE, 200) },
	  7,
	  VIP_REWRITE,
	  VLAN200,
	  0,
	  0xe000 | 200,
	  ETH_P_IP },
	{ "VLAN 100 PCP 3 to VLAN 300",
	  { UDP4(ADDR_PUSH, 100) },
	  3,
	  VIP_PUSH,
	  VLAN300,
	  0,
	  0x6000 | 300,
	  ETH_P_IP },
	{ "untagged to VLAN 300: pushed",
	  { UDP4(ADDR_PUSH, 0) },
	  0,
	  VIP_PUSH,
	  VLAN300,
	  4,
	  300,
	  ETH_P_IP },
	{ "untagged to an untagged egress",
	  { UDP4(FX_VIP4, 0) },
	  0,
	  VIP_POP,
	  UNTAGGED,
	  0,
	  0,
	  ETH_P_IP },
	{ "IPv6 VLAN 100 to an untagged egress: popped",
	  { TCP6(FX_VIP6, 100) },
	  0,
	  VIP6_POP,
	  UNTAGGED,
	  -4,
	  0,
	  ETH_P_IPV6 },
	{ "IPv6 untagged to VLAN 300: pushed",
	  { TCP6(ADDR6_PUSH, 0) },
	  0,
	  VIP6_PUSH,
	  VLAN300,
	  4,
	  300,
	  ETH_P_IPV6 },
	{ "IPv6 VLAN 100 PCP 6 to VLAN 300",
	  { TCP6(ADDR6_PUSH, 100) },
	  6,
	  VIP6_PUSH,
	  VLAN300,
	  0,
	  0xc000 | 300,
	  ETH_P_IPV6 },
};

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

Test(packets, vlan_pop_rewrite_push, .init = setup, .fini = fixture_teardown)
{
	struct pkt_buf in, out;
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(cases); i++) {
		struct fx_expect e = FX_REDIRECT(cases[i].vip, cases[i].backend);
		const char *name = cases[i].name;

		cr_assert_eq(pkt_build(&in, &cases[i].spec), 0, "%s", name);
		in.data[ETH_HLEN] |= cases[i].pcp << 5;
		fx_check(&fx, name, &in, fx_in, &e, &out);

		/* the L2 header spelled out, beside fx_check()'s derivation from the backend */
		cr_assert_eq((int)out.len - (int)in.len, cases[i].len_delta, "%s: %u bytes from %u",
			     name, out.len, in.len);
		if (cases[i].tci) {
			cr_assert_eq(get16(out.data + 12), ETH_P_8021Q, "%s: untagged", name);
			cr_assert_eq(get16(out.data + 14), cases[i].tci, "%s: TCI 0x%04x", name,
				     get16(out.data + 14));
			cr_assert_eq(get16(out.data + 16), cases[i].ethertype,
				     "%s: ethertype 0x%04x", name, get16(out.data + 16));
		} else {
			cr_assert_eq(get16(out.data + 12), cases[i].ethertype,
				     "%s: ethertype 0x%04x", name, get16(out.data + 12));
		}
	}
}
