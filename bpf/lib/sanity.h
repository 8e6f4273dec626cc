/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sanity stage: frames to a VIP that the kernel would not forward (not
 * addressed to this interface, an IP length beyond the frame, a martian
 * source, an IPv4 source route) go to the kernel
 * untouched, each under its own reason, so that it drops or answers them as
 * it always does. Runs once the parser has read every header it needs;
 * docs/dataplane.md gives the order of the checks.
 */
#ifndef XDPCAST_SANITY_H
#define XDPCAST_SANITY_H

#include "pkt.h"
#include "proto.h"

#define IPOPT_END 0
#define IPOPT_NOOP 1
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137

/*
 * MAC address of the interface this copy of the program is attached to, set
 * by the loader with attached_ifindex (as Cilium sets its interface MAC at
 * load time); all zero = not known, and a unicast destination is then
 * taken as ours. Read as a word and a half-word: aligned for that. Reads
 * of a frozen read-only map are constants to the verifier.
 */
const volatile __u8 attached_mac[ETH_ALEN] __attribute__((aligned(4))) = {};

/* A destination MAC the kernel would not take as its own (eth_type_trans()). */
static __always_inline int check_l2(const struct ethhdr *eth)
{
	__u32 d0 = *(const __u32 *)eth->h_dest, m0 = *(const volatile __u32 *)attached_mac;
	__u16 d1 = *(const __u16 *)(eth->h_dest + 4),
	      m1 = *(const volatile __u16 *)(attached_mac + 4);

	/* the I/G bit, the first one on the wire: group addresses */
	if (eth->h_dest[0] & 1)
		return d0 == 0xffffffff && d1 == 0xffff ? XDPCAST_PASS_L2_BROADCAST
							: XDPCAST_PASS_L2_MULTICAST;
	if ((m0 | m1) && (d0 != m0 || d1 != m1))
		return XDPCAST_PASS_L2_OTHERHOST;
	return XDPCAST_CONTINUE;
}

/* 0/8, 127/8, 224/4 and 255.255.255.255: ip_route_input_slow()'s martian sources. */
static __always_inline int ipv4_martian(__be32 saddr)
{
	__u32 a = bpf_ntohl(saddr), first = a >> 24;

	return first == 0 || first == 127 || (first & 0xf0) == 0xe0 || a == 0xffffffff;
}

/* Multicast, unspecified, loopback and IPv4-mapped sources (RFC 4291, ip6_rcv_core()). */
static __always_inline int ipv6_martian(const __be32 *s)
{
	if ((bpf_ntohl(s[0]) >> 24) == 0xff)
		return 1;
	if (s[0] | s[1])
		return 0;
	if (s[2] == bpf_htonl(0xffff))
		return 1;
	return !s[2] && (!s[3] || s[3] == bpf_htonl(1));
}

/* An IPv4 header's options, copied off the packet for their walk. */
struct ipv4_opts {
	__u8 b[IPV4_OPT_MAX];
};

/*
 * Walk @len bytes of IPv4 options in order, up to an end-of-list option:
 * XDPCAST_PASS_SOURCE_ROUTE at a loose or strict source route,
 * XDPCAST_PASS_MALFORMED at an option whose length is missing, below 2 or
 * beyond the options, else XDPCAST_CONTINUE. A global function, so the
 * verifier checks its loop once, on its own: inlined, the walk's variable
 * steps multiplied the states of the whole program past the limit.
 */
__attribute__((noinline)) int xdpcast_ipv4_options(const struct ipv4_opts *o, __u32 len)
{
	__u32 i, off = 0, olen;
	__u8 type;

	if (!o)
		return XDPCAST_PASS_MALFORMED;
	/* one option at least per round: IPV4_OPT_MAX rounds cover any list */
	for (i = 0; i < IPV4_OPT_MAX; i++) {
		if (off >= len || off >= IPV4_OPT_MAX)
			break;
		type = o->b[off];
		if (type == IPOPT_END)
			break;
		if (type == IPOPT_NOOP) {
			off++;
			continue;
		}
		if (type == IPOPT_LSRR || type == IPOPT_SSRR)
			return XDPCAST_PASS_SOURCE_ROUTE;
		if (off + 1 >= len || off + 1 >= IPV4_OPT_MAX)
			return XDPCAST_PASS_MALFORMED;
		olen = o->b[off + 1];
		if (olen < 2 || olen > len - off)
			return XDPCAST_PASS_MALFORMED;
		off += olen;
	}
	return XDPCAST_CONTINUE;
}

/*
 * IPv4 options (@len bytes, a multiple of 4, after the fixed header, already
 * known to be in the frame): their walk's verdict. Only frames with options
 * come here.
 */
static __always_inline int check_ipv4_options(const struct iphdr *iph, void *end, __u32 len)
{
	const __u32 *w = (const __u32 *)(iph + 1);
	struct ipv4_opts o = {};
	int i;

	/* constant offsets, each checked: what the verifier can follow cheaply */
#pragma unroll
	for (i = 0; i < IPV4_OPT_MAX / 4; i++) {
		if (i * 4 >= len)
			break;
		if ((void *)(w + i + 1) > end)
			return XDPCAST_PASS_MALFORMED;
		__builtin_memcpy(o.b + i * 4, &w[i], 4);
	}
	switch (xdpcast_ipv4_options(&o, len)) {
	/* a global function returns any int to the verifier: back to known reasons */
	case XDPCAST_PASS_SOURCE_ROUTE:
		return XDPCAST_PASS_SOURCE_ROUTE;
	case XDPCAST_CONTINUE:
		return XDPCAST_CONTINUE;
	default:
		return XDPCAST_PASS_MALFORMED;
	}
}

/* The checks of an IPv4 frame with ethernet header @eth, IPv4 header @iph (options of
 * @opt_len bytes included) and frame end @end. */
static __always_inline int check_ipv4(const struct ethhdr *eth, const struct iphdr *iph, void *end,
				      __u32 opt_len)
{
	int reason = check_l2(eth);

	if (reason != XDPCAST_CONTINUE)
		return reason;
	if ((void *)iph + bpf_ntohs(iph->tot_len) > end)
		return XDPCAST_PASS_BAD_LENGTH;
	/* the header checksum is not verified: docs/dataplane.md says why */
	if (ipv4_martian(iph->saddr))
		return XDPCAST_PASS_MARTIAN;
	return opt_len ? check_ipv4_options(iph, end, opt_len) : XDPCAST_CONTINUE;
}

/* The checks of an IPv6 frame with ethernet header @eth, IPv6 header @ip6h, frame end @end. */
static __always_inline int check_ipv6(const struct ethhdr *eth, const struct ipv6hdr *ip6h,
				      void *end)
{
	int reason = check_l2(eth);

	if (reason != XDPCAST_CONTINUE)
		return reason;
	if ((void *)(ip6h + 1) + bpf_ntohs(ip6h->payload_len) > end)
		return XDPCAST_PASS_BAD_LENGTH;
	if (ipv6_martian((const __be32 *)&ip6h->saddr))
		return XDPCAST_PASS_MARTIAN;
	return XDPCAST_CONTINUE;
}

#endif /* XDPCAST_SANITY_H */
