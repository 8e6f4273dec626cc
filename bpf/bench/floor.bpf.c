// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor of `make bench`: the least an XDP load balancer can do per packet
 * (parse Ethernet/IPv4/UDP, jhash the 5-tuple, one array lookup, rewrite the
 * MACs, XDP_TX), measured in the same run as xdpcast's paths so that their
 * ratio to it does not depend on the machine. It rewrites the same bytes on
 * every run, so BPF_PROG_TEST_RUN with repeat > 1 measures the same path.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/jhash.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define FLOOR_SLOTS 256 /* power of two: the hash is masked into it */
#define FLOOR_SEED 0x5eed

struct floor_nexthop {
	__u8 dst_mac[6];
	__u8 src_mac[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOOR_SLOTS);
	__type(key, __u32);
	__type(value, struct floor_nexthop);
} floor_nexthops SEC(".maps");

SEC("xdp")
int floor_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct floor_nexthop *nh;
	struct udphdr *udp;
	struct iphdr *iph;
	__u32 slot;

	/* one check for all three headers: IPv4 without options only */
	iph = (void *)(eth + 1);
	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4 || iph->ihl != 5 ||
	    iph->protocol != IPPROTO_UDP)
		return XDP_PASS;

	slot = jhash_3words(iph->saddr, iph->daddr, ((__u32)udp->source << 16) | udp->dest,
			    FLOOR_SEED ^ iph->protocol);
	slot &= FLOOR_SLOTS - 1;
	nh = bpf_map_lookup_elem(&floor_nexthops, &slot);
	/* an array lookup cannot fail for an index below max_entries, but the
	 * verifier does not know that */
	if (!nh)
		return XDP_PASS;
	/* dst_mac and src_mac are adjacent, as in the header */
	__builtin_memcpy(eth->h_dest, nh->dst_mac, 2 * ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
