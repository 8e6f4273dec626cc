/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parse stage: Ethernet (one 802.1Q tag), IPv4 (any IHL) or IPv6 (with
 * extension headers), then the flow's ports. Learns the flow as the client
 * sent it; for an ICMP error about a flow of a VIP, that is the quoted
 * packet turned around, so the error follows its flow to the same backend.
 * A packet whose destination is surely not a VIP leaves before its L4
 * header is read; one that may be for a VIP, once every header is read,
 * goes through the checks of frames the kernel would not forward
 * (sanity.h).
 */
#ifndef XDPCAST_PARSE_H
#define XDPCAST_PARSE_H

#include "cursor.h"
#include "pkt.h"
#include "proto.h"
#include "sanity.h"

/* The VIP index slot of an address, or NULL when it holds no VIP. */
static __always_inline const struct xdpcast_vip_slot *vip_slot(void *vip_index, __u32 w0, __u32 w1,
							       __u32 w2, __u32 w3)
{
	__u32 i = xdpcast_vip_index_slot(w0, w1, w2, w3);
	struct xdpcast_vip_slot *slot = bpf_map_lookup_elem(vip_index, &i);

	return slot && slot->shapes ? slot : NULL;
}

/* A flow known by addresses and protocol only: fragments (later ones carry
 * no ports) and protocols without ports. */
static __always_inline int no_ports(struct pkt *p)
{
	p->sport = 0;
	p->dport = 0;
	return XDPCAST_CONTINUE;
}

/* Flow ports of the upper header: 0 for protocols without ports. */
static __always_inline int parse_ports(struct cursor *c, struct pkt *p)
{
	struct udphdr *udp;
	struct tcphdr *tcp;

	switch (p->proto) {
	case IPPROTO_UDP:
		udp = cursor_pull(c, sizeof(*udp));
		if (!udp)
			return XDPCAST_PASS_MALFORMED;
		p->sport = udp->source;
		p->dport = udp->dest;
		return XDPCAST_CONTINUE;
	case IPPROTO_TCP:
		tcp = cursor_pull(c, sizeof(*tcp));
		if (!tcp || tcp->doff < 5)
			return XDPCAST_PASS_MALFORMED;
		p->sport = tcp->source;
		p->dport = tcp->dest;
		return XDPCAST_CONTINUE;
	default:
		return no_ports(p);
	}
}

/*
 * Ports of a quoted packet, turned around: the VIP sent it, so its source
 * port is the flow's destination. An ICMP error quotes at least 8 bytes of
 * the upper header; the ports are the first 4 for TCP and UDP alike.
 */
static __always_inline int parse_quoted_ports(struct cursor *c, struct pkt *p)
{
	__be16 *ports;

	if (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP)
		return no_ports(p);
	ports = cursor_pull(c, 2 * sizeof(__be16));
	if (!ports)
		return XDPCAST_PASS_MALFORMED;
	p->sport = ports[1];
	p->dport = ports[0];
	return XDPCAST_CONTINUE;
}

/*
 * Check an IPv4 header's version and length and move past its options: 0,
 * or -1 when it is invalid or truncated. The first byte (version and IHL)
 * is read once, and a header without options, the usual one, skips nothing.
 */
static __always_inline int skip_ipv4_options(struct cursor *c, const struct iphdr *iph)
{
	__u8 version_ihl = *(const __u8 *)iph;
	__u32 opt_len;

	if ((version_ihl & 0xf0) != 0x40 || (version_ihl & 0x0f) < 5)
		return -1;
	opt_len = ((version_ihl & 0x0f) - 5) * 4;
	if (opt_len && cursor_skip(c, opt_len, IPV4_OPT_MAX))
		return -1;
	return bpf_ntohs(iph->tot_len) < sizeof(*iph) + opt_len ? -1 : 0;
}

static __always_inline int parse_icmp4_error(struct cursor *c, struct pkt *p)
{
	struct iphdr *in = cursor_pull(c, sizeof(*in));

	if (!in || skip_ipv4_options(c, in))
		return XDPCAST_PASS_MALFORMED;
	p->src[3] = in->daddr;
	p->proto = in->protocol;
	if (in->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return no_ports(p);
	return parse_quoted_ports(c, p);
}

/* The flow of an IPv4 packet to a VIP candidate, from what follows its header. */
static __always_inline int parse_ipv4_upper(struct cursor *c, struct pkt *p,
					    const struct iphdr *iph)
{
	struct icmphdr *icmp;

	/* Fragments hash on L3 only: later ones carry no ports. */
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return no_ports(p);
	if (p->proto != IPPROTO_ICMP)
		return parse_ports(c, p);

	icmp = cursor_pull(c, sizeof(*icmp));
	if (!icmp)
		return XDPCAST_PASS_MALFORMED;
	if (icmp->type == ICMP_DEST_UNREACH || icmp->type == ICMP_TIME_EXCEEDED)
		return parse_icmp4_error(c, p);
	return no_ports(p);
}

static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p, void *vip_index,
				      const struct ethhdr *eth)
{
	struct iphdr *iph = cursor_pull(c, sizeof(*iph));
	int reason;

	if (!iph || skip_ipv4_options(c, iph))
		return XDPCAST_PASS_MALFORMED;

	p->vip_slot = vip_slot(vip_index, 0, 0, bpf_htonl(0xffff), iph->daddr);
	if (!p->vip_slot)
		return XDPCAST_PASS_NOT_VIP;

	p->family = 4;
	p->ttl = iph->ttl;
	p->src[3] = iph->saddr;
	p->dst[3] = iph->daddr;
	p->proto = iph->protocol;

	reason = parse_ipv4_upper(c, p, iph);
	if (reason != XDPCAST_CONTINUE)
		return reason;
	/* the options' length again: cheaper than keeping it across the parse */
	return check_ipv4(eth, iph, c->end, ((*(const __u8 *)iph & 0x0f) - 5) * 4);
}

static __always_inline int parse_icmp6_error(struct cursor *c, struct pkt *p)
{
	struct ipv6hdr *in = cursor_pull(c, sizeof(*in));
	struct frag_hdr *fh;

	if (!in || in->version != 6)
		return XDPCAST_PASS_MALFORMED;
	__builtin_memcpy(p->src, &in->daddr, sizeof(p->src));
	p->proto = in->nexthdr;
	/* Of the quoted extension headers, only a fragment header is looked at */
	if (p->proto == IPPROTO_FRAGMENT) {
		fh = cursor_pull(c, sizeof(*fh));
		if (!fh)
			return XDPCAST_PASS_MALFORMED;
		p->proto = fh->nexthdr;
		if (fh->frag_off & bpf_htons(IP6_OFFSET | IP6_MF))
			return no_ports(p);
	}
	return parse_quoted_ports(c, p);
}

static __always_inline int ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

/* The flow of an IPv6 packet to a VIP candidate, from its upper-layer header. */
static __always_inline int parse_ipv6_upper(struct cursor *c, struct pkt *p)
{
	struct icmp6hdr *icmp6;

	if (p->proto != IPPROTO_ICMPV6)
		return parse_ports(c, p);
	icmp6 = cursor_pull(c, sizeof(*icmp6));
	if (!icmp6)
		return XDPCAST_PASS_MALFORMED;
	if (icmp6->icmp6_type == ICMPV6_DEST_UNREACH || icmp6->icmp6_type == ICMPV6_PKT_TOOBIG ||
	    icmp6->icmp6_type == ICMPV6_TIME_EXCEED)
		return parse_icmp6_error(c, p);
	return no_ports(p);
}

static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p, void *vip_index,
				      const struct ethhdr *eth)
{
	struct ipv6hdr *ip6h = cursor_pull(c, sizeof(*ip6h));
	struct ipv6_opt_hdr *opt;
	struct frag_hdr *fh;
	int i, reason;
	__u32 *d;

	if (!ip6h || ip6h->version != 6)
		return XDPCAST_PASS_MALFORMED;
	d = (__u32 *)&ip6h->daddr;
	p->vip_slot = vip_slot(vip_index, d[0], d[1], d[2], d[3]);
	if (!p->vip_slot)
		return XDPCAST_PASS_NOT_VIP;
	/* IPv4-mapped is how IPv4 VIPs are keyed; it never appears on the wire */
	if (!d[0] && !d[1] && d[2] == bpf_htonl(0xffff))
		return XDPCAST_PASS_NOT_VIP;

	p->family = 6;
	p->ttl = ip6h->hop_limit;
	__builtin_memcpy(p->src, &ip6h->saddr, sizeof(p->src));
	__builtin_memcpy(p->dst, &ip6h->daddr, sizeof(p->dst));
	p->proto = ip6h->nexthdr;

	/* Bounded walk: the verifier needs a fixed trip count */
#pragma unroll
	for (i = 0; i < IPV6_EXT_MAX; i++) {
		switch (p->proto) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			opt = cursor_pull(c, sizeof(*opt));
			if (!opt ||
			    cursor_skip(c, (opt->hdrlen + 1) * 8 - sizeof(*opt), IPV6_OPT_MAX))
				return XDPCAST_PASS_MALFORMED;
			p->proto = opt->nexthdr;
			break;
		case IPPROTO_FRAGMENT:
			fh = cursor_pull(c, sizeof(*fh));
			if (!fh)
				return XDPCAST_PASS_MALFORMED;
			p->proto = fh->nexthdr;
			/* Fragments hash on L3 only: later ones carry no ports. */
			if (fh->frag_off & bpf_htons(IP6_OFFSET | IP6_MF)) {
				no_ports(p);
				goto checks;
			}
			break;
		default:
			goto upper;
		}
	}
	if (ipv6_is_ext(p->proto))
		return XDPCAST_PASS_MALFORMED; /* more extension headers than we walk */

upper:
	reason = parse_ipv6_upper(c, p);
	if (reason != XDPCAST_CONTINUE)
		return reason;
checks:
	return check_ipv6(eth, ip6h, c->end);
}

static __always_inline int parse(struct xdp_md *ctx, struct pkt *p, void *vip_index)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct vlan_hdr *vlan;
	__be16 h_proto;

	eth = cursor_pull(&c, sizeof(*eth));
	if (!eth)
		return XDPCAST_PASS_MALFORMED;
	h_proto = eth->h_proto;
	p->has_vlan = 0;
	if (h_proto == bpf_htons(ETH_P_8021Q)) {
		vlan = cursor_pull(&c, sizeof(*vlan));
		if (!vlan)
			return XDPCAST_PASS_MALFORMED;
		h_proto = vlan->h_vlan_encapsulated_proto;
		p->has_vlan = 1;
	}
	if (h_proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(&c, p, vip_index, eth);
	if (h_proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(&c, p, vip_index, eth);
	return XDPCAST_PASS_NOT_IP;
}

#endif /* XDPCAST_PARSE_H */
