// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Forwarding to a backend: UDP, TCP and ICMP to an IPv4 and an IPv6 VIP,
 * redirected through the egress devmap (backend behind another interface)
 * or sent back out (backend behind the ingress interface), with IPv4
 * options and IPv6 extension headers; MACs, TTL and checksums of the output.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP4_ID 1
#define VIP6_ID 2
#define BACKEND4 7
#define BACKEND6 9

static void setup(void)
{
	static const __u32 b4[] = { BACKEND4 }, b6[] = { BACKEND6 };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, b4, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, VIP6_ID, b6, 1, 0);
}

static void dstopts_16(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 16);
}

/* Hop-by-hop, destination options and an atomic fragment header (offset 0, no MF). */
static void three_ext_headers(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 24);
	fx_ipv6_insert_ext(b, IPPROTO_HOPOPTS, 8);
}

/* As above with a second destination options header: IPV6_EXT_MAX (4) headers to walk. */
static void four_ext_headers(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 8);
	three_ext_headers(b);
}

#define UDP4(port) FX_FLOW4(IPPROTO_UDP, FX_VIP4, port)
#define TCP4(port) FX_FLOW4(IPPROTO_TCP, FX_VIP4, port)
#define UDP6(port) FX_FLOW6(IPPROTO_UDP, FX_VIP6, port)
#define TCP6(port) FX_FLOW6(IPPROTO_TCP, FX_VIP6, port)

static const struct fx_case cases[] = {
	{ "udp4 to the VIP, backend behind xout: redirect",
	  { UDP4(53) },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "tcp4 SYN to the VIP: redirect",
	  { TCP4(443), .tcp_flags = 0x02 },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "tcp4 ACK with 1000 bytes: redirect",
	  { TCP4(443), .payload_len = 1000 },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "udp4 arriving on the backend's interface: tx",
	  { UDP4(53) },
	  .from_egress = true,
	  .expect = FX_TX(VIP4_ID, BACKEND4) },
	{ "tcp4 arriving on the backend's interface: tx",
	  { TCP4(80) },
	  .from_egress = true,
	  .expect = FX_TX(VIP4_ID, BACKEND4) },
	{ "icmp4 echo to the VIP: redirect",
	  { FX_FLOW4(IPPROTO_ICMP, FX_VIP4, 1) },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "udp4 TTL 2: forwarded with TTL 1",
	  { UDP4(53), .ttl = 2 },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "udp4 TTL 255", { UDP4(53), .ttl = 255 }, .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "udp4 with 8 bytes of IP options",
	  { UDP4(53), .ip_options_len = 8 },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "tcp4 with 40 bytes of IP options",
	  { TCP4(443), .ip_options_len = 40 },
	  .expect = FX_REDIRECT(VIP4_ID, BACKEND4) },
	{ "udp4 with 40 bytes of IP options, tx",
	  { UDP4(53), .ip_options_len = 40 },
	  .from_egress = true,
	  .expect = FX_TX(VIP4_ID, BACKEND4) },
	{ "udp6 to the VIP: redirect", { UDP6(53) }, .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
	{ "tcp6 to the VIP: redirect", { TCP6(443) }, .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
	{ "udp6 arriving on the backend's interface: tx",
	  { UDP6(53) },
	  .from_egress = true,
	  .expect = FX_TX(VIP6_ID, BACKEND6) },
	{ "icmp6 echo to the VIP: redirect",
	  { FX_FLOW6(IPPROTO_ICMPV6, FX_VIP6, 1) },
	  .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
	{ "udp6 hop limit 2: forwarded with 1",
	  { UDP6(53), .ttl = 2 },
	  .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
};

static const struct fx_case ext_cases[] = {
	{ "udp6 with a destination options header",
	  { UDP6(53) },
	  .mangle = dstopts_16,
	  .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
	{ "tcp6 with three extension headers",
	  { TCP6(443), .frag = true },
	  .mangle = three_ext_headers,
	  .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
	{ "tcp6 with four extension headers",
	  { TCP6(443), .frag = true },
	  .mangle = four_ext_headers,
	  .expect = FX_REDIRECT(VIP6_ID, BACKEND6) },
};

Test(packets, forward, .init = setup, .fini = fixture_teardown)
{
	fx_check_cases(&fx, cases, FX_ARRAY_SIZE(cases));
}

/*
 * Loaded for xout, as the loader does for the interface it attaches to: the
 * program takes its ingress from that constant, not from the context, so a
 * backend behind xout is reached with XDP_TX whatever the context says.
 */
static void setup_attached_to_egress(void)
{
	static const __u32 b4[] = { BACKEND4 };
	struct fx_vip v;

	fixture_netns();
	fx_load_attached(&fx, FX_SEED, fx_out);
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, b4, 1, 0);
}

static const struct fx_case attached_cases[] = {
	{ "udp4, program attached to the backend's interface: tx",
	  { UDP4(53) },
	  .expect = FX_TX(VIP4_ID, BACKEND4) },
	{ "udp4 from the backend's interface: tx",
	  { UDP4(53) },
	  .from_egress = true,
	  .expect = FX_TX(VIP4_ID, BACKEND4) },
};

Test(packets, forward_attached_ifindex, .init = setup_attached_to_egress, .fini = fixture_teardown)
{
	fx_check_cases(&fx, attached_cases, FX_ARRAY_SIZE(attached_cases));
}

Test(packets, forward_ipv6_ext_headers, .init = setup, .fini = fixture_teardown)
{
	fx_check_cases(&fx, ext_cases, FX_ARRAY_SIZE(ext_cases));
}
