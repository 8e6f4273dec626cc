// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Frames to a VIP that the kernel would not forward go to it untouched,
 * each under its own reason: broadcast, multicast and other-host destination
 * MACs, an IP length beyond the frame, martian sources, IPv4 loose and strict source routes. Beside each, the nearest
 * frame that must still be forwarded, so that no case passes by accident.
 * Martian sources are outside the test ranges by definition; these frames
 * only ever exist in BPF_PROG_TEST_RUN's buffer.
 */
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP4_ID 1
#define VIP6_ID 2
#define IPV4_CSUM_OFF 10
#define IPV4_TOT_LEN_OFF 2
#define IPV6_PLEN_OFF 4
#define IPV4_HLEN 20
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137
#define IPOPT_RR 7

/* pktbuild's default destination MAC: the router's own in these tests */
static const __u8 router_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };

static void setup_vips(void)
{
	static const __u32 b[] = { 1, 2 };
	struct fx_vip v;

	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, b, 2, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, VIP6_ID, b, 2, 0);
}

/* The program knows the ingress interface's MAC (as xdpcast_attach() sets it). */
static void setup_mac(void)
{
	fixture_netns();
	fx_load_mac(&fx, FX_SEED, fx_in, router_mac);
	setup_vips();
}

/* The program does not know it: the other-host check is off. */
static void setup_no_mac(void)
{
	fixture_setup();
	setup_vips();
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u32 l3_off(const struct pkt_buf *b)
{
	struct pkt_layout lo;

	cr_assert_eq(pkt_parse_layout(b->data, b->len, &lo), 0);
	return lo.l3_off;
}

/* The IPv4 header checksum of @b made right again after a change. */
static void fix_csum4(struct pkt_buf *b)
{
	__u8 *ip = b->data + l3_off(b);
	__u32 hlen = (ip[0] & 0x0f) * 4, sum = 0, i;

	put16(ip + IPV4_CSUM_OFF, 0);
	for (i = 0; i < hlen; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + IPV4_CSUM_OFF, (__u16)~sum);
}

static void set_dst_mac(struct pkt_buf *b, const __u8 *mac)
{
	memcpy(b->data, mac, ETH_ALEN);
}

static void mac_broadcast(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
}

static void mac_ipv4_multicast(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 });
}

static void mac_ipv6_multicast(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 });
}

/* all ones but the last bit: a group address that is not broadcast */
static void mac_almost_broadcast(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe });
}

/* another host's unicast MAC, differing from ours in the first or the last byte */
static void mac_other_last(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0x02, 0, 0, 0, 0, 0x03 });
}

static void mac_other_first(struct pkt_buf *b)
{
	set_dst_mac(b, (const __u8[]){ 0x06, 0, 0, 0, 0, 0x02 });
}

/* total length one byte more than the frame holds (checksum kept right) */
static void tot_len_plus_1(struct pkt_buf *b)
{
	__u8 *ip = b->data + l3_off(b);

	put16(ip + IPV4_TOT_LEN_OFF, get16(ip + IPV4_TOT_LEN_OFF) + 1);
	fix_csum4(b);
}

/* Ethernet padding after the IP packet: a shorter total length is fine */
static void trailer_4(struct pkt_buf *b)
{
	memset(b->data + b->len, 0, 4);
	b->len += 4;
}

static void plen_plus_1(struct pkt_buf *b)
{
	__u8 *ip = b->data + l3_off(b);

	put16(ip + IPV6_PLEN_OFF, get16(ip + IPV6_PLEN_OFF) + 1);
}

/* A 7-byte option @type (length 7, pointer 4, one address) first, then NOPs and EOL. */
static void put_route_option(struct pkt_buf *b, __u8 type)
{
	__u8 *opt = b->data + l3_off(b) + IPV4_HLEN;
	static const __u8 hop[4] = { 198, 51, 100, 1 };

	opt[0] = type;
	opt[1] = 7;
	opt[2] = 4;
	memcpy(opt + 3, hop, sizeof(hop));
	fix_csum4(b);
}

static void lsrr(struct pkt_buf *b)
{
	put_route_option(b, IPOPT_LSRR);
}

static void ssrr(struct pkt_buf *b)
{
	put_route_option(b, IPOPT_SSRR);
}

/* record route: the kernel forwards it (and fills it in); so does xdpcast */
static void record_route(struct pkt_buf *b)
{
	put_route_option(b, IPOPT_RR);
}

/* a NOP, then a strict source route */
static void nop_ssrr(struct pkt_buf *b)
{
	__u8 *opt = b->data + l3_off(b) + IPV4_HLEN;

	put_route_option(b, IPOPT_SSRR);
	memmove(opt + 1, opt, 7);
	opt[0] = 1;
	fix_csum4(b);
}

/* an option of length 1: malformed */
static void option_len_1(struct pkt_buf *b)
{
	__u8 *opt = b->data + l3_off(b) + IPV4_HLEN;

	opt[0] = IPOPT_RR;
	opt[1] = 1;
	fix_csum4(b);
}

/* an option longer than the options */
static void option_too_long(struct pkt_buf *b)
{
	__u8 *opt = b->data + l3_off(b) + IPV4_HLEN;

	opt[4] = IPOPT_RR;
	opt[5] = 5;
	fix_csum4(b);
}

#define UDP4 FX_FLOW4(IPPROTO_UDP, FX_VIP4, 53)
#define TCP4 FX_FLOW4(IPPROTO_TCP, FX_VIP4, 443)
#define UDP6 FX_FLOW6(IPPROTO_UDP, FX_VIP6, 53)
#define FROM4(a) .src = (a), .dst = FX_VIP4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53
#define FROM6(a) .src = (a), .dst = FX_VIP6, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53
#define PASS(r, ...)                                                                               \
	{                                                                                          \
		__VA_ARGS__, .expect = FX_PASS(XDPCAST_PASS_##r, FX_NONE)                          \
	}
#define FWD4(...)                                                                                  \
	{                                                                                          \
		__VA_ARGS__, .expect = FX_REDIRECT(VIP4_ID, FX_ANY)                                \
	}
#define FWD6(...)                                                                                  \
	{                                                                                          \
		__VA_ARGS__, .expect = FX_REDIRECT(VIP6_ID, FX_ANY)                                \
	}

static const struct fx_case l2_cases[] = {
	FWD4("udp4 to our MAC", { UDP4 }),
	FWD6("udp6 to our MAC", { UDP6 }),
	PASS(L2_BROADCAST, "udp4 to the broadcast MAC", { UDP4 }, .mangle = mac_broadcast),
	PASS(L2_BROADCAST, "udp6 tagged to the broadcast MAC", { UDP6, .vlan = 100 },
	     .mangle = mac_broadcast),
	PASS(L2_MULTICAST, "udp4 to 01:00:5e:00:00:01", { UDP4 }, .mangle = mac_ipv4_multicast),
	PASS(L2_MULTICAST, "udp6 to 33:33:00:00:00:01", { UDP6 }, .mangle = mac_ipv6_multicast),
	PASS(L2_MULTICAST, "tcp4 to ff:ff:ff:ff:ff:fe", { TCP4 }, .mangle = mac_almost_broadcast),
	PASS(L2_OTHERHOST, "udp4 to another host's MAC (last byte)", { UDP4 },
	     .mangle = mac_other_last),
	PASS(L2_OTHERHOST, "udp6 to another host's MAC (first byte)", { UDP6 },
	     .mangle = mac_other_first),
	PASS(L2_OTHERHOST, "tcp4 tagged to another host's MAC", { TCP4, .vlan = 100 },
	     .mangle = mac_other_last),
};

Test(kernel_drops, l2_destination, .init = setup_mac, .fini = fixture_teardown)
{
	fx_check_cases(&fx, l2_cases, FX_ARRAY_SIZE(l2_cases));
}

static const struct fx_case l2_unknown_cases[] = {
	FWD4("udp4 to another host's MAC, ours unknown", { UDP4 }, .mangle = mac_other_last),
	PASS(L2_BROADCAST, "udp4 to the broadcast MAC, ours unknown", { UDP4 },
	     .mangle = mac_broadcast),
	PASS(L2_MULTICAST, "udp6 to 33:33:00:00:00:01, ours unknown", { UDP6 },
	     .mangle = mac_ipv6_multicast),
};

Test(kernel_drops, l2_destination_mac_unknown, .init = setup_no_mac, .fini = fixture_teardown)
{
	fx_check_cases(&fx, l2_unknown_cases, FX_ARRAY_SIZE(l2_unknown_cases));
}

static const struct fx_case l3_cases[] = {
	FWD4("udp4 with 4 bytes of Ethernet padding", { UDP4 }, .mangle = trailer_4),
	PASS(BAD_LENGTH, "udp4 total length beyond the frame", { UDP4 }, .mangle = tot_len_plus_1),
	PASS(BAD_LENGTH, "tcp4 tagged with options, total length beyond the frame",
	     { TCP4, .vlan = 100, .ip_options_len = 8 }, .mangle = tot_len_plus_1),
	PASS(BAD_LENGTH, "udp6 payload length beyond the frame", { UDP6 }, .mangle = plen_plus_1),
	PASS(BAD_LENGTH, "udp6 fragment, payload length beyond the frame",
	     { UDP6, .frag = true, .more_frags = true }, .mangle = plen_plus_1),
};

Test(kernel_drops, ip_length, .init = setup_mac, .fini = fixture_teardown)
{
	fx_check_cases(&fx, l3_cases, FX_ARRAY_SIZE(l3_cases));
}

static const struct fx_case martian_cases[] = {
	FWD4("udp4 from 198.51.100.7", { FROM4("198.51.100.7") }),
	FWD4("udp4 from 223.255.255.255 (below 224/4)", { FROM4("223.255.255.255") }),
	FWD4("udp4 from 240.0.0.1 (240/4 is not martian to Linux)", { FROM4("240.0.0.1") }),
	FWD4("udp4 from 1.0.0.0", { FROM4("1.0.0.0") }),
	PASS(MARTIAN, "udp4 from 0.0.0.0", { FROM4("0.0.0.0") }),
	PASS(MARTIAN, "udp4 from 0.255.255.255", { FROM4("0.255.255.255") }),
	PASS(MARTIAN, "udp4 from 127.0.0.1", { FROM4("127.0.0.1") }),
	PASS(MARTIAN, "udp4 from 127.255.0.1", { FROM4("127.255.0.1") }),
	PASS(MARTIAN, "udp4 from 224.0.0.1", { FROM4("224.0.0.1") }),
	PASS(MARTIAN, "udp4 from 239.255.255.255", { FROM4("239.255.255.255") }),
	PASS(MARTIAN, "udp4 from 255.255.255.255", { FROM4("255.255.255.255") }),
	FWD6("udp6 from 2001:db8:1::7", { FROM6("2001:db8:1::7") }),
	FWD6("udp6 from ::2", { FROM6("::2") }),
	FWD6("udp6 from ::1:0:0:1", { FROM6("::1:0:0:1") }),
	FWD6("udp6 from fe80::1", { FROM6("fe80::1") }),
	PASS(MARTIAN, "udp6 from ::", { FROM6("::") }),
	PASS(MARTIAN, "udp6 from ::1", { FROM6("::1") }),
	PASS(MARTIAN, "udp6 from ff02::1", { FROM6("ff02::1") }),
	PASS(MARTIAN, "udp6 from ff0e::db8:1", { FROM6("ff0e::db8:1") }),
	PASS(MARTIAN, "udp6 from ::ffff:198.51.100.7", { FROM6("::ffff:198.51.100.7") }),
};

Test(kernel_drops, martian_sources, .init = setup_mac, .fini = fixture_teardown)
{
	fx_check_cases(&fx, martian_cases, FX_ARRAY_SIZE(martian_cases));
}

static const struct fx_case option_cases[] = {
	FWD4("udp4 with NOP options", { UDP4, .ip_options_len = 8 }),
	FWD4("udp4 with record route", { UDP4, .ip_options_len = 8 }, .mangle = record_route),
	PASS(SOURCE_ROUTE, "udp4 with a loose source route", { UDP4, .ip_options_len = 8 },
	     .mangle = lsrr),
	PASS(SOURCE_ROUTE, "tcp4 with a strict source route", { TCP4, .ip_options_len = 12 },
	     .mangle = ssrr),
	PASS(SOURCE_ROUTE, "udp4 with a NOP then a strict source route",
	     { UDP4, .ip_options_len = 12 }, .mangle = nop_ssrr),
	PASS(SOURCE_ROUTE, "udp4 fragment with a loose source route",
	     { UDP4, .ip_options_len = 8, .frag = true, .more_frags = true }, .mangle = lsrr),
	PASS(MALFORMED, "udp4 with an option of length 1", { UDP4, .ip_options_len = 8 },
	     .mangle = option_len_1),
	PASS(MALFORMED, "udp4 with an option beyond the options", { UDP4, .ip_options_len = 8 },
	     .mangle = option_too_long),
};

Test(kernel_drops, ipv4_options, .init = setup_mac, .fini = fixture_teardown)
{
	fx_check_cases(&fx, option_cases, FX_ARRAY_SIZE(option_cases));
}
