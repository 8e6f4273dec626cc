// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Frames the program leaves to the kernel untouched: not for a VIP
 * (including an address sharing a VIP's index slot), not IP at all (ARP,
 * LLDP, 802.1ad), and TTL or hop limit 1 to a VIP, which the kernel must
 * answer with its ICMP time exceeded.
 */
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP4_ID 1
#define VIP6_ID 2
#define BACKEND 3
/* Not a VIP, but its VIP index slot is the one of FX_VIP4 (checked below). */
#define SLOT_TWIN4 "198.18.124.39"

static void setup(void)
{
	static const __u32 b[] = { BACKEND };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, b, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, VIP6_ID, b, 1, 0);
}

/* The ethertype decides, not what follows it. */
static void ethertype_arp(struct pkt_buf *b)
{
	b->data[2 * ETH_ALEN] = ETH_P_ARP >> 8;
	b->data[2 * ETH_ALEN + 1] = ETH_P_ARP & 0xff;
}

static const struct fx_case cases[] = {
	{ "udp4 to the VIP under the ARP ethertype",
	  { FX_FLOW4(IPPROTO_UDP, FX_VIP4, 53) },
	  .mangle = ethertype_arp,
	  .expect = FX_PASS(XDPCAST_PASS_NOT_IP, FX_NONE) },
	{ "udp4 to a non-VIP address",
	  { FX_FLOW4(IPPROTO_UDP, "203.0.113.99", 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "tcp4 to an address in the VIP's index slot",
	  { FX_FLOW4(IPPROTO_TCP, SLOT_TWIN4, 443) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "udp4 from the VIP to a client",
	  { .src = FX_VIP4, .dst = FX_CLIENT4, .proto = IPPROTO_UDP, .sport = 53, .dport = 40000 },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "udp6 to a non-VIP address",
	  { FX_FLOW6(IPPROTO_UDP, "2001:db8::54", 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	/* IPv4 VIPs are keyed IPv4-mapped; such an IPv6 destination is not theirs */
	{ "udp6 to the IPv4 VIP's IPv4-mapped address",
	  { FX_FLOW6(IPPROTO_UDP, "::ffff:" FX_VIP4, 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "udp4 TTL 1 to the VIP",
	  { FX_FLOW4(IPPROTO_UDP, FX_VIP4, 53), .ttl = 1 },
	  .expect = FX_PASS(XDPCAST_PASS_TTL, VIP4_ID) },
	{ "tcp4 TTL 1 to the VIP with IP options",
	  { FX_FLOW4(IPPROTO_TCP, FX_VIP4, 443), .ttl = 1, .ip_options_len = 8 },
	  .expect = FX_PASS(XDPCAST_PASS_TTL, VIP4_ID) },
	{ "icmp4 echo TTL 1 to the VIP",
	  { FX_FLOW4(IPPROTO_ICMP, FX_VIP4, 1), .ttl = 1 },
	  .expect = FX_PASS(XDPCAST_PASS_TTL, VIP4_ID) },
	{ "udp6 hop limit 1 to the VIP",
	  { FX_FLOW6(IPPROTO_UDP, FX_VIP6, 53), .ttl = 1 },
	  .expect = FX_PASS(XDPCAST_PASS_TTL, VIP6_ID) },
	{ "tcp6 hop limit 1 to the VIP, tagged",
	  { FX_FLOW6(IPPROTO_TCP, FX_VIP6, 443), .ttl = 1, .vlan = 100 },
	  .expect = FX_PASS(XDPCAST_PASS_TTL, VIP6_ID) },
};

Test(packets, pass_not_vip_and_ttl, .init = setup, .fini = fixture_teardown)
{
	struct xdpcast_vip_key vip, twin;

	cr_assert_eq(xdpcast_vip_key_from_str(&vip, FX_VIP4, 0, 0), 0);
	cr_assert_eq(xdpcast_vip_key_from_str(&twin, SLOT_TWIN4, 0, 0), 0);
	cr_assert_eq(xdpcast_vip_index_slot(vip.addr[0], vip.addr[1], vip.addr[2], vip.addr[3]),
		     xdpcast_vip_index_slot(twin.addr[0], twin.addr[1], twin.addr[2], twin.addr[3]),
		     SLOT_TWIN4 " no longer shares the index slot of " FX_VIP4);
	fx_check_cases(&fx, cases, FX_ARRAY_SIZE(cases));
}

/* An Ethernet frame of @ethertype, tagged with @vlan unless 0, carrying an ARP request
 * for the VIP (the payload matters to nobody but the kernel). */
static void l2_frame(struct pkt_buf *b, __u16 vlan, __u16 ethertype)
{
	/* clang-format off */
	static const __u8 arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* Ethernet/IPv4 request */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,		/* sender MAC */
		198, 51, 100, 7,				/* sender IP */
		0, 0, 0, 0, 0, 0,				/* target MAC */
		203, 0, 113, 53,				/* target IP: the VIP */
	};
	/* clang-format on */
	__u32 off = 2 * ETH_ALEN;

	memset(b->data, 0xff, ETH_ALEN);
	memcpy(b->data + ETH_ALEN, arp + 8, ETH_ALEN);
	if (vlan) {
		b->data[off++] = ETH_P_8021Q >> 8;
		b->data[off++] = ETH_P_8021Q & 0xff;
		b->data[off++] = vlan >> 8;
		b->data[off++] = vlan & 0xff;
	}
	b->data[off++] = ethertype >> 8;
	b->data[off++] = ethertype & 0xff;
	memcpy(b->data + off, arp, sizeof(arp));
	b->len = off + sizeof(arp);
}

Test(packets, pass_not_ip, .init = setup, .fini = fixture_teardown)
{
	static const struct {
		const char *name;
		__u16 vlan, ethertype;
	} cases[] = {
		{ "ARP request for the VIP", 0, ETH_P_ARP },
		{ "ARP request for the VIP, tagged", 100, ETH_P_ARP },
		{ "LLDP", 0, ETH_P_LLDP },
		{ "802.1ad outer tag", 0, ETH_P_8021AD },
	};
	static const struct fx_expect e = FX_PASS(XDPCAST_PASS_NOT_IP, FX_NONE);
	struct pkt_buf in;
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(cases); i++) {
		l2_frame(&in, cases[i].vlan, cases[i].ethertype);
		fx_check(&fx, cases[i].name, &in, fx_in, &e, NULL);
	}
}
