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

static __always_inline void decrement_ttl(struct pkt *p)
{
	struct iphdr *iph;
	__u32 check;

	if (p->family == 6) {
		((struct ipv6hdr *)p->l3)->hop_limit--;
		return;
	}
	/* RFC 1624 update of the header checksum, as the kernel's ip_decrease_ttl() */
	iph = p->l3;
	check = (__u32)iph->check;
	check += (__u32)bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xFFFF));
	iph->ttl--;
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

static __always_inline int forward(struct xdp_md *ctx, struct pkt *p,
				   const struct xdpcast_backend *b)
{
	int tagged = b->vlan != 0;
	struct vlan_hdr *vlan;
	struct ethhdr *eth;
	void *data, *data_end;

	if (!(b->flags & XDPCAST_BACKEND_F_MAC_KNOWN))
		return XDPCAST_PASS_NO_NEIGH;
	decrement_ttl(p);
	if (fit_vlan(ctx, p, tagged))
		return XDPCAST_PASS_NO_HEADROOM;

	/* adjust_head invalidated every packet pointer: bound the new head again */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) + sizeof(*vlan) > data_end)
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

	if (b->ifindex == ctx->ingress_ifindex)
		return XDPCAST_TX;
	if (bpf_redirect_map(&egress, b->ifindex, XDP_PASS) != XDP_REDIRECT)
		return XDPCAST_PASS_NO_EGRESS;
	return XDPCAST_REDIRECT;
}

#endif /* XDPCAST_FORWARD_H */
