// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Malformed frames go to the kernel untouched as PASS_MALFORMED: frames cut
 * anywhere inside a header the parser needs (802.1Q tag, IPv4 header and
 * options, IPv6 header and extension headers, UDP, TCP, ICMP and the
 * packet an ICMP error quotes), and headers with impossible fields.
 */
#include <stdio.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP4_ID 1
#define VIP6_ID 2
#define ICMP_HLEN 8
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define PORTS_LEN 4 /* what the parser reads of a quoted UDP/TCP header */

static void setup(void)
{
	static const __u32 b[] = { 1, 2 };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, b, 2, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, VIP6_ID, b, 2, 0);
}

/* A frame to a VIP: @spec, or an ICMP error of @icmp_type about @spec's flow; then @mangle. */
struct frame_case {
	const char *name;
	struct pkt_spec spec;
	__u8 icmp_type, icmp_code; /* type 0: not an ICMP error */
	void (*mangle)(struct pkt_buf *b);
	int vip;
	__u32 l4_headers; /* bytes from the L4 offset the parser must read */
};

static void build(const struct frame_case *c, struct pkt_buf *b)
{
	if (c->icmp_type) {
		fx_icmp_error(b, &c->spec, c->icmp_type, c->icmp_code, 1280);
	} else {
		cr_assert_eq(pkt_build(b, &c->spec), 0, "%s: cannot build", c->name);
	}
	if (c->mangle)
		c->mangle(b);
}

static void dstopts_16(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 16);
}

static void hopopts_8_dstopts_24(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 24);
	fx_ipv6_insert_ext(b, IPPROTO_HOPOPTS, 8);
}

#define UDP4 FX_FLOW4(IPPROTO_UDP, FX_VIP4, 53)
#define TCP4 FX_FLOW4(IPPROTO_TCP, FX_VIP4, 443)
#define UDP6 FX_FLOW6(IPPROTO_UDP, FX_VIP6, 53)
#define TCP6 FX_FLOW6(IPPROTO_TCP, FX_VIP6, 443)

static const struct frame_case truncated[] = {
	{ "udp4", { UDP4 }, .vip = VIP4_ID, .l4_headers = 8 },
	{ "udp4 tagged with 8 bytes of options",
	  { UDP4, .vlan = 100, .ip_options_len = 8 },
	  .vip = VIP4_ID,
	  .l4_headers = 8 },
	{ "tcp4 with 40 bytes of options",
	  { TCP4, .ip_options_len = 40 },
	  .vip = VIP4_ID,
	  .l4_headers = 20 },
	{ "tcp4 tagged", { TCP4, .vlan = 100 }, .vip = VIP4_ID, .l4_headers = 20 },
	{ "udp6", { UDP6 }, .vip = VIP6_ID, .l4_headers = 8 },
	{ "udp6 tagged with destination options",
	  { UDP6, .vlan = 100 },
	  .mangle = dstopts_16,
	  .vip = VIP6_ID,
	  .l4_headers = 8 },
	{ "udp6 with an atomic fragment header",
	  { UDP6, .frag = true },
	  .vip = VIP6_ID,
	  .l4_headers = 8 },
	{ "tcp6 with hop-by-hop and destination options",
	  { TCP6 },
	  .mangle = hopopts_8_dstopts_24,
	  .vip = VIP6_ID,
	  .l4_headers = 20 },
	{ "tcp6 tagged", { TCP6, .vlan = 100 }, .vip = VIP6_ID, .l4_headers = 20 },
	{ "ICMP fragmentation needed about udp4",
	  { UDP4 },
	  .icmp_type = ICMP_DEST_UNREACH,
	  .icmp_code = ICMP_FRAG_NEEDED,
	  .vip = VIP4_ID,
	  .l4_headers = ICMP_HLEN + IPV4_HLEN + PORTS_LEN },
	{ "ICMPv6 packet too big about tcp6",
	  { TCP6 },
	  .icmp_type = ICMPV6_PKT_TOOBIG,
	  .vip = VIP6_ID,
	  .l4_headers = ICMP_HLEN + IPV6_HLEN + PORTS_LEN },
};

Test(packets, malformed_truncated_headers, .init = setup, .fini = fixture_teardown)
{
	static const struct fx_expect malformed = FX_PASS(XDPCAST_PASS_MALFORMED, FX_NONE);
	struct pkt_buf full, cut;
	struct pkt_layout lo;
	char name[128];
	__u32 end, len;
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(truncated); i++) {
		const struct frame_case *c = &truncated[i];
		struct fx_expect whole = FX_REDIRECT(c->vip, FX_ANY);

		build(c, &full);
		cr_assert_eq(pkt_parse_layout(full.data, full.len, &lo), 0, "%s", c->name);
		end = lo.l4_off + c->l4_headers;
		cr_assert_lt(end, full.len, "%s: no payload after the headers", c->name);
		/* whole, the frame is forwarded: what a cut breaks is the header */
		snprintf(name, sizeof(name), "%s, whole", c->name);
		fx_check(&fx, name, &full, fx_in, &whole, NULL);
		for (len = ETH_HLEN; len < end; len++) {
			cut = full;
			cut.len = len;
			snprintf(name, sizeof(name), "%s cut at %u of %u (headers end at %u)",
				 c->name, len, full.len, end);
			fx_check(&fx, name, &cut, fx_in, &malformed, NULL);
		}
	}
}

/* Offset of the IP header and of what follows it in @b. */
static void offsets(const struct pkt_buf *b, __u32 *l3, __u32 *l4)
{
	struct pkt_layout lo;

	cr_assert_eq(pkt_parse_layout(b->data, b->len, &lo), 0);
	*l3 = lo.l3_off;
	*l4 = lo.l4_off;
}

static void ihl_4(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l3] = 0x44;
}

static void version_6_in_ipv4(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l3] = 0x65;
}

/* Total length 20 while the header with its options is 28 bytes. */
static void tot_len_below_header(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l3 + 2] = 0;
	b->data[l3 + 3] = IPV4_HLEN;
}

static void tcp_doff_4(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l4 + 12] = 4 << 4;
}

static void version_4_in_ipv6(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l3] = 0x40 | (b->data[l3] & 0x0f);
}

/* Hop-by-hop and four destination options: more than IPV6_EXT_MAX (4) to walk. */
static void five_ext_headers(struct pkt_buf *b)
{
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 8);
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 8);
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 16);
	fx_ipv6_insert_ext(b, IPPROTO_DSTOPTS, 8);
	fx_ipv6_insert_ext(b, IPPROTO_HOPOPTS, 8);
}

/* The quoted IPv4 header of an ICMP error with IHL 4. */
static void quoted_ihl_4(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l4 + ICMP_HLEN] = 0x44;
}

/* The quoted header of an ICMPv6 error says version 4. */
static void quoted_version_4(struct pkt_buf *b)
{
	__u32 l3, l4;

	offsets(b, &l3, &l4);
	b->data[l4 + ICMP_HLEN] = 0x40;
}

static const struct frame_case invalid[] = {
	{ "ipv4 IHL 4", { UDP4 }, .mangle = ihl_4 },
	{ "ipv4 IHL 4 to a non-VIP",
	  { FX_FLOW4(IPPROTO_UDP, "203.0.113.99", 53) },
	  .mangle = ihl_4 },
	{ "version 6 under the IPv4 ethertype", { UDP4 }, .mangle = version_6_in_ipv4 },
	{ "ipv4 total length below its header",
	  { UDP4, .ip_options_len = 8 },
	  .mangle = tot_len_below_header },
	{ "tcp4 data offset 4", { TCP4 }, .mangle = tcp_doff_4 },
	{ "tcp6 data offset 4", { TCP6 }, .mangle = tcp_doff_4 },
	{ "version 4 under the IPv6 ethertype", { UDP6 }, .mangle = version_4_in_ipv6 },
	{ "ipv6 with five extension headers", { UDP6 }, .mangle = five_ext_headers },
	{ "ICMP error quoting IHL 4",
	  { UDP4 },
	  .icmp_type = ICMP_DEST_UNREACH,
	  .icmp_code = ICMP_FRAG_NEEDED,
	  .mangle = quoted_ihl_4 },
	{ "ICMPv6 error quoting version 4",
	  { UDP6 },
	  .icmp_type = ICMPV6_PKT_TOOBIG,
	  .mangle = quoted_version_4 },
};

Test(packets, malformed_invalid_fields, .init = setup, .fini = fixture_teardown)
{
	static const struct fx_expect malformed = FX_PASS(XDPCAST_PASS_MALFORMED, FX_NONE);
	struct pkt_buf in;
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(invalid); i++) {
		build(&invalid[i], &in);
		fx_check(&fx, invalid[i].name, &in, fx_in, &malformed, NULL);
	}
}
