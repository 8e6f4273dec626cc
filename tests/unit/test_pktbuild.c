/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Criterion tests of the BPF test packet builder and checksum verifier
 * (tests/lib/pktbuild.c).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "pktbuild.h"

#define V4_SRC "198.51.100.7"
#define V4_DST "203.0.113.53"
#define V6_SRC "2001:db8:1::7"
#define V6_DST "2001:db8::53"

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void layout_of(const struct pkt_buf *b, struct pkt_layout *lo)
{
	cr_assert_eq(pkt_parse_layout(b->data, b->len, lo), 0);
}

static void assert_csums_ok(const struct pkt_buf *b)
{
	cr_assert(pkt_ipv4_csum_ok(b->data, b->len));
	cr_assert(pkt_l4_csum_ok(b->data, b->len));
}

/* Flipping any byte at @off must break @which (0: IPv4 header, 1: L4) checksum. */
static void assert_flip_breaks(const struct pkt_buf *b, __u32 off, int which)
{
	struct pkt_buf c = *b;

	c.data[off] ^= 0x5a;
	if (which == 0)
		cr_assert_not(pkt_ipv4_csum_ok(c.data, c.len), "flip at %u kept IPv4 csum", off);
	else
		cr_assert_not(pkt_l4_csum_ok(c.data, c.len), "flip at %u kept L4 csum", off);
}

Test(pktbuild, udp4_defaults)
{
	struct pkt_spec s = {
		.src = V4_SRC, .dst = V4_DST, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53
	};
	static const __u8 dmac[6] = { 2, 0, 0, 0, 0, 2 }, smac[6] = { 2, 0, 0, 0, 0, 1 };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip, *udp;
	__u8 a[4];

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 20 + 8 + 18);
	cr_assert_arr_eq(b.data, dmac, 6);
	cr_assert_arr_eq(b.data + 6, smac, 6);
	cr_assert_eq(rd16(b.data + 12), 0x0800);

	layout_of(&b, &lo);
	cr_assert_eq(lo.vlan, 0);
	cr_assert_eq(lo.family, 4);
	cr_assert_eq(lo.l3_off, 14);
	cr_assert_eq(lo.l4_off, 34);
	cr_assert_eq(lo.proto, IPPROTO_UDP);

	ip = b.data + lo.l3_off;
	cr_assert_eq(ip[0], 0x45);
	cr_assert_eq(rd16(ip + 2), 20 + 8 + 18);
	cr_assert_eq(rd16(ip + 4), 0x1234);
	cr_assert_eq(rd16(ip + 6), 0, "no DF, no fragment bits");
	cr_assert_eq(ip[8], 64);
	cr_assert_eq(ip[9], IPPROTO_UDP);
	inet_pton(AF_INET, V4_SRC, a);
	cr_assert_arr_eq(ip + 12, a, 4);
	inet_pton(AF_INET, V4_DST, a);
	cr_assert_arr_eq(ip + 16, a, 4);

	udp = b.data + lo.l4_off;
	cr_assert_eq(rd16(udp), 40000);
	cr_assert_eq(rd16(udp + 2), 53);
	cr_assert_eq(rd16(udp + 4), 8 + 18);
	cr_assert_neq(rd16(udp + 6), 0);
	cr_assert_arr_eq(udp + 8, "xdpcast-test-data", 18);

	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l3_off + 8, 0); /* TTL */
	assert_flip_breaks(&b, lo.l3_off + 15, 0); /* saddr */
	assert_flip_breaks(&b, lo.l4_off + 1, 1); /* sport */
	assert_flip_breaks(&b, b.len - 3, 1); /* payload */
	assert_flip_breaks(&b, lo.l3_off + 19, 1); /* daddr: in the pseudo-header */
}

Test(pktbuild, udp4_zero_csum_is_valid)
{
	struct pkt_spec s = { .src = V4_SRC, .dst = V4_DST, .proto = IPPROTO_UDP };
	struct pkt_layout lo;
	struct pkt_buf b;

	cr_assert_eq(pkt_build(&b, &s), 0);
	layout_of(&b, &lo);
	b.data[lo.l4_off + 6] = 0;
	b.data[lo.l4_off + 7] = 0;
	cr_assert(pkt_l4_csum_ok(b.data, b.len));
}

Test(pktbuild, tcp4_flags_and_custom_fields)
{
	static const __u8 smac[6] = { 0xaa, 1, 2, 3, 4, 5 }, dmac[6] = { 0xbb, 6, 7, 8, 9, 10 };
	static const char pl[] = "hello";
	struct pkt_spec s = { .src = V4_SRC,
			      .dst = V4_DST,
			      .proto = IPPROTO_TCP,
			      .sport = 12345,
			      .dport = 443,
			      .ttl = 3,
			      .src_mac = smac,
			      .dst_mac = dmac,
			      .payload = pl,
			      .payload_len = 5,
			      .frag_id = 0xbeef };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *tcp;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 20 + 20 + 5);
	cr_assert_arr_eq(b.data, dmac, 6);
	cr_assert_arr_eq(b.data + 6, smac, 6);
	layout_of(&b, &lo);
	cr_assert_eq(lo.proto, IPPROTO_TCP);
	cr_assert_eq(b.data[lo.l3_off + 8], 3);
	cr_assert_eq(rd16(b.data + lo.l3_off + 4), 0xbeef);
	tcp = b.data + lo.l4_off;
	cr_assert_eq(rd16(tcp), 12345);
	cr_assert_eq(rd16(tcp + 2), 443);
	cr_assert_eq(tcp[12] >> 4, 5);
	cr_assert_eq(tcp[13], 0x10, "default flags: ACK");
	cr_assert_arr_eq(tcp + 20, "hello", 5);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l4_off + 13, 1);
	assert_flip_breaks(&b, b.len - 1, 1); /* odd-length tail byte */

	s.tcp_flags = 0x02; /* SYN */
	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.data[lo.l4_off + 13], 0x02);
	assert_csums_ok(&b);
}

Test(pktbuild, udp6)
{
	struct pkt_spec s = {
		.src = V6_SRC, .dst = V6_DST, .proto = IPPROTO_UDP, .sport = 5353, .dport = 53
	};
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip6;
	__u8 a[16];

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + 18);
	cr_assert_eq(rd16(b.data + 12), 0x86dd);
	layout_of(&b, &lo);
	cr_assert_eq(lo.family, 6);
	cr_assert_eq(lo.l3_off, 14);
	cr_assert_eq(lo.l4_off, 54);
	cr_assert_eq(lo.proto, IPPROTO_UDP);
	ip6 = b.data + lo.l3_off;
	cr_assert_eq(ip6[0] >> 4, 6);
	cr_assert_eq(rd16(ip6 + 4), 8 + 18);
	cr_assert_eq(ip6[6], IPPROTO_UDP);
	cr_assert_eq(ip6[7], 64);
	inet_pton(AF_INET6, V6_SRC, a);
	cr_assert_arr_eq(ip6 + 8, a, 16);
	inet_pton(AF_INET6, V6_DST, a);
	cr_assert_arr_eq(ip6 + 24, a, 16);
	cr_assert_eq(rd16(b.data + lo.l4_off + 4), 8 + 18);

	assert_csums_ok(&b); /* IPv4 check: not applicable -> true */
	assert_flip_breaks(&b, lo.l3_off + 20, 1); /* saddr in the pseudo-header */
	assert_flip_breaks(&b, lo.l4_off + 3, 1);
	assert_flip_breaks(&b, b.len - 1, 1);

	/* A zero UDP checksum is invalid over IPv6. */
	b.data[lo.l4_off + 6] = 0;
	b.data[lo.l4_off + 7] = 0;
	cr_assert_not(pkt_l4_csum_ok(b.data, b.len));
}

Test(pktbuild, tcp6)
{
	struct pkt_spec s = { .src = V6_SRC,
			      .dst = V6_DST,
			      .proto = IPPROTO_TCP,
			      .sport = 1,
			      .dport = 2,
			      .ttl = 255 };
	struct pkt_layout lo;
	struct pkt_buf b;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 40 + 20 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.proto, IPPROTO_TCP);
	cr_assert_eq(b.data[lo.l3_off + 7], 255);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l4_off + 16, 1); /* the checksum itself */
}

static void check_v4_options(__u8 opt_len)
{
	struct pkt_spec s = { .src = V4_SRC,
			      .dst = V4_DST,
			      .proto = IPPROTO_UDP,
			      .sport = 1000,
			      .dport = 53,
			      .ip_options_len = opt_len };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip;
	__u8 i;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14u + 20 + opt_len + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.l4_off, 14u + 20 + opt_len);
	ip = b.data + lo.l3_off;
	cr_assert_eq(ip[0], 0x40 | (5 + opt_len / 4));
	cr_assert_eq(rd16(ip + 2), 20 + opt_len + 8 + 18);
	for (i = 0; i < opt_len - 1; i++)
		cr_assert_eq(ip[20 + i], 1, "option byte %u not NOP", i);
	cr_assert_eq(ip[20 + opt_len - 1], 0, "last option byte not EOL");
	cr_assert_eq(rd16(b.data + lo.l4_off), 1000);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l3_off + 20, 0); /* first option byte */
	assert_flip_breaks(&b, lo.l3_off + 20 + opt_len - 1, 0); /* last option byte */
	assert_flip_breaks(&b, lo.l4_off + 8, 1);
}

Test(pktbuild, v4_options_8)
{
	check_v4_options(8);
}

Test(pktbuild, v4_options_40)
{
	check_v4_options(40);
}

Test(pktbuild, vlan)
{
	struct pkt_spec s = { .src = V4_SRC,
			      .dst = V4_DST,
			      .proto = IPPROTO_UDP,
			      .vlan = 100,
			      .sport = 7,
			      .dport = 53 };
	struct pkt_layout lo;
	struct pkt_buf b;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 18 + 20 + 8 + 18);
	cr_assert_eq(rd16(b.data + 12), 0x8100);
	cr_assert_eq(rd16(b.data + 14), 100);
	cr_assert_eq(rd16(b.data + 16), 0x0800);
	layout_of(&b, &lo);
	cr_assert_eq(lo.vlan, 100);
	cr_assert_eq(lo.l3_off, 18);
	cr_assert_eq(lo.l4_off, 38);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, 18 + 10, 0);

	s.src = V6_SRC;
	s.dst = V6_DST;
	s.vlan = 4095;
	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(rd16(b.data + 16), 0x86dd);
	layout_of(&b, &lo);
	cr_assert_eq(lo.vlan, 4095);
	cr_assert_eq(lo.family, 6);
	cr_assert_eq(lo.l3_off, 18);
	cr_assert_eq(lo.l4_off, 58);
	assert_csums_ok(&b);
}

Test(pktbuild, v4_first_fragment)
{
	struct pkt_spec s = { .src = V4_SRC,
			      .dst = V4_DST,
			      .proto = IPPROTO_UDP,
			      .sport = 1,
			      .dport = 53,
			      .frag = true,
			      .more_frags = true,
			      .frag_id = 0xabcd };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 20 + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.proto, IPPROTO_UDP);
	ip = b.data + lo.l3_off;
	cr_assert_eq(rd16(ip + 4), 0xabcd);
	cr_assert_eq(rd16(ip + 6), 0x2000, "MF, offset 0, no DF");
	cr_assert_eq(rd16(b.data + lo.l4_off), 1, "first fragment carries the UDP header");
	cr_assert_eq(rd16(b.data + lo.l4_off + 2), 53);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l3_off + 6, 0);
	/* L4 check is not applicable to fragments. */
	b.data[b.len - 1] ^= 0xff;
	cr_assert(pkt_l4_csum_ok(b.data, b.len));
}

Test(pktbuild, v4_later_fragment)
{
	static const __u8 pl[24] = { 0xde, 0xad, 0xbe, 0xef };
	struct pkt_spec s = { .src = V4_SRC,
			      .dst = V4_DST,
			      .proto = IPPROTO_UDP,
			      .sport = 1,
			      .dport = 53,
			      .frag = true,
			      .frag_offset = 185,
			      .payload = pl,
			      .payload_len = sizeof(pl) };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 20 + 24, "no L4 header in a later fragment");
	layout_of(&b, &lo);
	cr_assert_eq(lo.l4_off, 34);
	ip = b.data + lo.l3_off;
	cr_assert_eq(rd16(ip + 2), 20 + 24);
	cr_assert_eq(rd16(ip + 4), 0x1234, "default IP ID");
	cr_assert_eq(rd16(ip + 6), 185, "last fragment: no MF");
	cr_assert_eq(ip[9], IPPROTO_UDP);
	cr_assert_arr_eq(b.data + lo.l4_off, pl, sizeof(pl));
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l3_off + 7, 0);

	s.more_frags = true;
	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(rd16(b.data + lo.l3_off + 6), 0x2000 | 185);
	assert_csums_ok(&b);
}

Test(pktbuild, v6_fragments)
{
	struct pkt_spec s = { .src = V6_SRC,
			      .dst = V6_DST,
			      .proto = IPPROTO_UDP,
			      .sport = 9,
			      .dport = 53,
			      .frag = true,
			      .more_frags = true,
			      .frag_id = 0xdeadbeef };
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ip6, *fh;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.family, 6);
	cr_assert_eq(lo.l4_off, 14 + 40 + 8);
	cr_assert_eq(lo.proto, IPPROTO_UDP);
	ip6 = b.data + lo.l3_off;
	cr_assert_eq(ip6[6], 44);
	cr_assert_eq(rd16(ip6 + 4), 8 + 8 + 18);
	fh = ip6 + 40;
	cr_assert_eq(fh[0], IPPROTO_UDP);
	cr_assert_eq(rd16(fh + 2), 0x0001, "offset 0, M set");
	cr_assert_eq(rd32(fh + 4), 0xdeadbeef);
	cr_assert_eq(rd16(b.data + lo.l4_off), 9);
	cr_assert_eq(rd16(b.data + lo.l4_off + 4), 8 + 18);
	assert_csums_ok(&b);

	/* Later fragment: fragment data directly after the fragment header. */
	s.frag_offset = 100;
	s.more_frags = false;
	s.frag_id = 0;
	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.l4_off, 14 + 40 + 8);
	cr_assert_eq(lo.proto, IPPROTO_UDP);
	ip6 = b.data + lo.l3_off;
	fh = ip6 + 40;
	cr_assert_eq(rd16(ip6 + 4), 8 + 18);
	cr_assert_eq(rd16(fh + 2), 100 << 3);
	cr_assert_eq(rd32(fh + 4), 0x1234);
	cr_assert_arr_eq(b.data + lo.l4_off, "xdpcast-test-data", 18);
	assert_csums_ok(&b);
}

Test(pktbuild, icmp_echo)
{
	struct pkt_spec s = {
		.src = V4_SRC, .dst = V4_DST, .proto = IPPROTO_ICMP, .sport = 0x4242, .dport = 7
	};
	struct pkt_layout lo;
	struct pkt_buf b;
	const __u8 *ic;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 20 + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.proto, IPPROTO_ICMP);
	ic = b.data + lo.l4_off;
	cr_assert_eq(ic[0], 8);
	cr_assert_eq(ic[1], 0);
	cr_assert_eq(rd16(ic + 4), 0x4242);
	cr_assert_eq(rd16(ic + 6), 7);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l4_off + 9, 1);

	s.src = V6_SRC;
	s.dst = V6_DST;
	s.proto = IPPROTO_ICMPV6;
	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + 18);
	layout_of(&b, &lo);
	cr_assert_eq(lo.proto, IPPROTO_ICMPV6);
	ic = b.data + lo.l4_off;
	cr_assert_eq(ic[0], 128);
	cr_assert_eq(rd16(ic + 4), 0x4242);
	cr_assert_eq(rd16(ic + 6), 7);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l3_off + 39, 1); /* saddr: pseudo-header */
	assert_flip_breaks(&b, lo.l4_off, 1);
}

Test(pktbuild, icmp_frag_needed_quotes_udp)
{
	struct pkt_spec s = { .src = V4_DST,
			      .dst = "203.0.113.99",
			      .proto = IPPROTO_UDP,
			      .sport = 53,
			      .dport = 33000,
			      .vlan = 12 };
	struct pkt_icmp_err e = {
		.reporter = "198.51.100.254", .to = V4_DST, .type = 3, .code = 4, .mtu = 1400
	};
	struct pkt_layout lo, ilo;
	struct pkt_buf inner, b;
	const __u8 *ic;
	__u32 inner_ip_len;
	__u8 a[4];

	cr_assert_eq(pkt_build(&inner, &s), 0);
	layout_of(&inner, &ilo);
	inner_ip_len = inner.len - ilo.l3_off;

	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.len, 14 + 20 + 8 + inner_ip_len);
	layout_of(&b, &lo);
	cr_assert_eq(lo.vlan, 0);
	cr_assert_eq(lo.family, 4);
	cr_assert_eq(lo.proto, IPPROTO_ICMP);
	cr_assert_eq(b.data[lo.l3_off + 8], 64);
	inet_pton(AF_INET, "198.51.100.254", a);
	cr_assert_arr_eq(b.data + lo.l3_off + 12, a, 4);
	inet_pton(AF_INET, V4_DST, a);
	cr_assert_arr_eq(b.data + lo.l3_off + 16, a, 4);
	cr_assert_eq(rd16(b.data + lo.l3_off + 2), 20 + 8 + inner_ip_len);
	ic = b.data + lo.l4_off;
	cr_assert_eq(ic[0], 3);
	cr_assert_eq(ic[1], 4);
	cr_assert_eq(rd16(ic + 4), 0);
	cr_assert_eq(rd16(ic + 6), 1400);
	cr_assert_arr_eq(ic + 8, inner.data + ilo.l3_off, inner_ip_len);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l4_off + 7, 1); /* MTU */
	assert_flip_breaks(&b, b.len - 1, 1); /* quoted data */
	assert_flip_breaks(&b, lo.l3_off + 1, 0);

	/* Time exceeded, with VLAN and TTL; no MTU field. */
	e.type = 11;
	e.code = 0;
	e.vlan = 5;
	e.ttl = 250;
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	layout_of(&b, &lo);
	cr_assert_eq(lo.vlan, 5);
	cr_assert_eq(b.data[lo.l3_off + 8], 250);
	cr_assert_eq(b.data[lo.l4_off], 11);
	cr_assert_eq(rd32(b.data + lo.l4_off + 4), 0);
	assert_csums_ok(&b);
}

Test(pktbuild, icmp_quote_capped_v4)
{
	struct pkt_spec s = {
		.src = V4_DST, .dst = "203.0.113.99", .proto = IPPROTO_UDP, .payload_len = 1000
	};
	struct pkt_icmp_err e = {
		.reporter = "198.51.100.254", .to = V4_DST, .type = 3, .code = 4, .mtu = 576
	};
	struct pkt_buf inner, b;
	struct pkt_layout lo;

	cr_assert_eq(pkt_build(&inner, &s), 0);
	cr_assert_eq(inner.len, 14 + 20 + 8 + 1000);
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.len, 14 + 20 + 8 + 548);
	layout_of(&b, &lo);
	cr_assert_arr_eq(b.data + lo.l4_off + 8, inner.data + 14, 548);
	assert_csums_ok(&b);
}

Test(pktbuild, icmpv6_packet_too_big_quotes_tcp)
{
	struct pkt_spec s = { .src = V6_DST,
			      .dst = "2001:db8:ffff::1",
			      .proto = IPPROTO_TCP,
			      .sport = 443,
			      .dport = 50000 };
	struct pkt_icmp_err e = {
		.reporter = "2001:db8:aaaa::1", .to = V6_DST, .type = 2, .code = 0, .mtu = 1280
	};
	struct pkt_layout lo, ilo;
	struct pkt_buf inner, b;
	const __u8 *ic;
	__u32 inner_ip_len;

	cr_assert_eq(pkt_build(&inner, &s), 0);
	layout_of(&inner, &ilo);
	inner_ip_len = inner.len - ilo.l3_off;
	cr_assert_eq(inner_ip_len, 40 + 20 + 18);

	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + inner_ip_len);
	layout_of(&b, &lo);
	cr_assert_eq(lo.family, 6);
	cr_assert_eq(lo.proto, IPPROTO_ICMPV6);
	cr_assert_eq(rd16(b.data + lo.l3_off + 4), 8 + inner_ip_len);
	cr_assert_eq(b.data[lo.l3_off + 7], 64);
	ic = b.data + lo.l4_off;
	cr_assert_eq(ic[0], 2);
	cr_assert_eq(ic[1], 0);
	cr_assert_eq(rd32(ic + 4), 1280);
	cr_assert_arr_eq(ic + 8, inner.data + ilo.l3_off, inner_ip_len);
	assert_csums_ok(&b);
	assert_flip_breaks(&b, lo.l4_off + 5, 1);
	assert_flip_breaks(&b, lo.l3_off + 30, 1); /* daddr: pseudo-header */
	assert_flip_breaks(&b, b.len - 2, 1);

	/* Large inner packet: quote capped at 1232 bytes. */
	s.payload_len = 1500;
	cr_assert_eq(pkt_build(&inner, &s), 0);
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.len, 14 + 40 + 8 + 1232);
	cr_assert_eq(b.len - 14, 1280);
	layout_of(&b, &lo);
	cr_assert_arr_eq(b.data + lo.l4_off + 8, inner.data + 14, 1232);
	assert_csums_ok(&b);

	/* Destination unreachable / time exceeded: no MTU. */
	e.type = 1;
	e.code = 4;
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.data[lo.l4_off], 1);
	cr_assert_eq(b.data[lo.l4_off + 1], 4);
	cr_assert_eq(rd32(b.data + lo.l4_off + 4), 0);
	assert_csums_ok(&b);
	e.type = 3;
	e.code = 0;
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), 0);
	cr_assert_eq(b.data[lo.l4_off], 3);
	assert_csums_ok(&b);
}

Test(pktbuild, invalid_specs)
{
	struct pkt_spec s = { .src = V4_SRC, .dst = V4_DST, .proto = IPPROTO_UDP };
	struct pkt_icmp_err e = { .reporter = V6_SRC, .to = V6_DST, .type = 2, .mtu = 1280 };
	struct pkt_buf b, inner;

	s.ip_options_len = 6;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.ip_options_len = 44;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.ip_options_len = 0;
	s.dst = V6_DST;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL, "mixed families");
	s.dst = "not-an-address";
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.dst = V4_DST;
	s.proto = IPPROTO_ICMPV6;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.proto = 47;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.proto = IPPROTO_UDP;
	s.vlan = 4096;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);
	s.vlan = 0;
	s.payload_len = 2048 - 14 - 20 - 8 + 1;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL, "frame larger than the buffer");
	s.payload_len = 0;

	s.src = V6_SRC;
	s.dst = V6_DST;
	s.ip_options_len = 4;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL, "options on IPv6");
	s.ip_options_len = 0;
	s.proto = IPPROTO_ICMP;
	cr_assert_eq(pkt_build(&b, &s), -EINVAL);

	/* ICMPv6 error quoting an IPv4 packet. */
	s.src = V4_SRC;
	s.dst = V4_DST;
	s.proto = IPPROTO_UDP;
	cr_assert_eq(pkt_build(&inner, &s), 0);
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), -EINVAL);
	e.reporter = V4_SRC;
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), -EINVAL, "mixed families");
	e.to = V4_DST;
	e.type = 0;
	cr_assert_eq(pkt_build_icmp_error(&b, &e, &inner), -EINVAL, "not an error type");
}

Test(pktbuild, parse_rejects_garbage)
{
	struct pkt_spec s = { .src = V4_SRC, .dst = V4_DST, .proto = IPPROTO_UDP };
	struct pkt_layout lo;
	struct pkt_buf b;

	cr_assert_eq(pkt_build(&b, &s), 0);
	cr_assert_eq(pkt_parse_layout(b.data, 20, &lo), -EINVAL, "truncated IP header");
	cr_assert_not(pkt_ipv4_csum_ok(b.data, 20));
	cr_assert_not(pkt_l4_csum_ok(b.data, b.len - 1), "IP length beyond the frame");
	b.data[12] = 0x08;
	b.data[13] = 0x06; /* ARP */
	cr_assert_eq(pkt_parse_layout(b.data, b.len, &lo), -EINVAL);
	cr_assert_not(pkt_ipv4_csum_ok(b.data, b.len));
	cr_assert_not(pkt_l4_csum_ok(b.data, b.len));
}
