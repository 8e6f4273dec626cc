/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Forward stage: decrement TTL / hop limit (incremental checksum), rewrite
 * the Ethernet header for the backend's next hop, adding, removing or
 * rewriting the 802.1Q tag as its egress needs, and send the frame out.
 */
#ifndef XDPCAST_FORWARD_H
#define XDPCAST_FORWARD_H

#include "maps.h"
#include "parse.h"
#include "pkt.h"

#define VLAN_VID_MASK 0x0fff

/*
 * The interface this copy of the program is attached to, set by the loader
 * before load; 0 = not known, read it from the packet's context. A constant
 * the verifier folds: the context's ifindex costs three dependent loads a
 * packet (xdp->rxq->dev->ifindex).
 */
const volatile __u32 attached_ifindex = 0;

/* Decrement TTL / hop limit of the L3 header at @l3_off; 0, or -1 if truncated. */
static __always_inline int decrement_ttl(void *data, void *data_end, __u32 l3_off, __u8 family)
{
	struct ipv6hdr *ip6h = data + l3_off;
	struct iphdr *iph = data + l3_off;
	__u32 check;

	if (family == 6) {
		if ((void *)(ip6h + 1) > data_end)
			return -1;
		ip6h->hop_limit--;
		return 0;
	}
	if ((void *)(iph + 1) > data_end)
		return -1;
	/* RFC 1624 update of the header checksum, as the kernel's ip_decrease_ttl() */
	check = (__u32)iph->check;
	check += (__u32)bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xFFFF));
	iph->ttl--;
	return 0;
}

/*
 * Make the frame's VLAN tag match the egress: push or pop 4 bytes at the
 * head when tagging differs. The MACs are written afterwards, so only the
 * ethertype already in place matters: after a pop the encapsulated one lands
 * at offset 12; after a push the old one lands at offset 16.
 */
static __always_inline int fit_vlan(struct xdp_md *ctx, const struct pkt *p, int tagged)
{
	if (p->has_vlan == tagged)
		return 0;
	return bpf_xdp_adjust_head(ctx, tagged ? -(int)sizeof(struct vlan_hdr)
					       : (int)sizeof(struct vlan_hdr));
}

/*
 * Every check that can refuse the packet comes before the first byte is
 * changed: a packet passed to the kernel must be the one that arrived.
 */
static __always_inline int forward(struct xdp_md *ctx, struct pkt *p,
				   const struct xdpcast_backend *b)
{
	__u32 ingress = attached_ifindex ? attached_ifindex : ctx->ingress_ifindex;
	int tagged = b->vlan != 0, verdict = XDPCAST_TX;
	struct vlan_hdr *vlan;
	struct ethhdr *eth;
	void *data, *data_end;

	if (!(b->flags & XDPCAST_BACKEND_F_MAC_KNOWN))
		return XDPCAST_PASS_NO_NEIGH;
	if (b->ifindex != ingress) {
		/* only records where the frame goes; it leaves after we return,
		 * so the rewrite below still applies */
		if (bpf_redirect_map(&egress, b->ifindex, XDP_PASS) != XDP_REDIRECT)
			return XDPCAST_PASS_NO_EGRESS;
		verdict = XDPCAST_REDIRECT;
	}
	/* a failed adjust_head leaves the frame as it was */
	if (fit_vlan(ctx, p, tagged))
		return XDPCAST_PASS_NO_HEADROOM;

	/* adjust_head may have moved the head: derive the pointers again */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) + sizeof(*vlan) > data_end)
		return XDPCAST_PASS_MALFORMED;
	if (decrement_ttl(data, data_end, sizeof(*eth) + (tagged ? sizeof(*vlan) : 0), p->family))
		return XDPCAST_PASS_MALFORMED;
	/* dst_mac and src_mac are adjacent in the backend, as in the header */
	__builtin_memcpy(eth->h_dest, b->dst_mac, 2 * ETH_ALEN);
	if (tagged) {
		vlan = (void *)(eth + 1);
		eth->h_proto = bpf_htons(ETH_P_8021Q);
		/* keep the priority bits of an incoming tag; a pushed tag has PCP 0 */
		vlan->h_vlan_TCI =
			(p->has_vlan ? vlan->h_vlan_TCI & bpf_htons(~VLAN_VID_MASK) : 0) |
			bpf_htons(b->vlan & VLAN_VID_MASK);
	}
	return verdict;
}

#endif /* XDPCAST_FORWARD_H */
