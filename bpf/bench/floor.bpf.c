// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor of `make bench`: the least an XDP load balancer can do per packet
 * (parse Ethernet/IPv4/UDP, jhash the 5-tuple, one array lookup, rewrite the
 * MACs, XDP_TX), measured in the same run as xdpcast's paths so that their
 * ratio to it does not depend on the machine. It rewrites the same bytes on
 * every run, so BPF_PROG_TEST_RUN with repeat > 1 measures the same path.
 * floor_redirect: the same, sent out of another interface through a devmap
 * (XDP_REDIRECT) as the pipeline sends a frame to a backend.
 * line_2m, line_16m and line_128m: the floor of a flow table's memory, one
 * random 128-byte set read per packet from a table of the size
 * vip_new_flow's had with 32-byte flows (2 MB; 1 MB of 16-byte IPv4 flows
 * now), of the least a million flows need (16 MB: 16-byte entries, no
 * slack) or of flows_1m_hit's with 32-byte flows (128 MB; 64 MB now), and
 * nothing else: kept at those sizes so that the figures compare
 * (docs/benchmarks.md).
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

/*
 * floor_redirect's egress: one slot, the ifindex of the interface the
 * pipeline's backends are behind (the bench fills it). A router's servers
 * sit behind another port than its clients, so the pipeline redirects
 * (XDPCAST_REDIRECT) where the floor turns the frame around (XDP_TX):
 * floor_redirect is the floor on the pipeline's own path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} floor_ports SEC(".maps");

/* Parse, hash and rewrite the MACs for the next hop: 0, or -1 (not ours). */
static __always_inline int floor_rewrite(struct xdp_md *ctx)
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
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->version != 4 || iph->ihl != 5 ||
	    iph->protocol != IPPROTO_UDP)
		return -1;

	slot = jhash_3words(iph->saddr, iph->daddr, ((__u32)udp->source << 16) | udp->dest,
			    FLOOR_SEED ^ iph->protocol);
	slot &= FLOOR_SLOTS - 1;
	nh = bpf_map_lookup_elem(&floor_nexthops, &slot);
	/* an array lookup cannot fail for an index below max_entries, but the
	 * verifier does not know that */
	if (!nh)
		return -1;
	/* dst_mac and src_mac are adjacent, as in the header */
	__builtin_memcpy(eth->h_dest, nh->dst_mac, 2 * ETH_ALEN);
	return 0;
}

SEC("xdp")
int floor_xdp(struct xdp_md *ctx)
{
	return floor_rewrite(ctx) ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int floor_redirect_xdp(struct xdp_md *ctx)
{
	return floor_rewrite(ctx) ? XDP_PASS : bpf_redirect_map(&floor_ports, 0, XDP_PASS);
}

/* A flow set's size and layout (struct xdpcast_flow_set: 128 bytes, mmapable
 * so that sets start on cache lines), without its meaning. */
struct line_set {
	__u64 w[16];
};

/* Sets of each table, set by the bench before load: its flow tables' sizes. */
const volatile __u32 line_2m_sets = 1;
const volatile __u32 line_16m_sets = 1;
const volatile __u32 line_128m_sets = 1;

#define LINE_TABLE(name)                                                                           \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                                  \
		__uint(max_entries, 1);                                                            \
		__uint(map_flags, BPF_F_MMAPABLE);                                                 \
		__type(key, __u32);                                                                \
		__type(value, struct line_set);                                                    \
	} name SEC(".maps")

LINE_TABLE(line_2m);
LINE_TABLE(line_16m);
LINE_TABLE(line_128m);

/*
 * One packet of a new flow (the UDP source port + 1, as bench_new_flow), its
 * 5-tuple hashed as the pipeline does, and one word of the set the hash
 * picks: the verdict depends on it, so the load is waited for. PASS with a
 * zero word (the table is never written), else DROP (the bench's check fails).
 */
static __always_inline int read_line(struct xdp_md *ctx, void *table, __u32 sets)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udp = (void *)(iph + 1);
	struct line_set *set;
	__u32 hash, idx;

	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl != 5 || iph->protocol != IPPROTO_UDP)
		return XDP_ABORTED;
	udp->source = bpf_htons(bpf_ntohs(udp->source) + 1);
	hash = jhash_3words(iph->saddr, iph->daddr, ((__u32)udp->source << 16) | udp->dest,
			    FLOOR_SEED ^ iph->protocol);
	idx = ((__u64)hash * sets) >> 32; /* as hash_range() in bpf/lib/steer.h */
	set = bpf_map_lookup_elem(table, &idx);
	if (!set)
		return XDP_ABORTED;
	return *(volatile __u64 *)&set->w[0] ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int line_2m_xdp(struct xdp_md *ctx)
{
	return read_line(ctx, &line_2m, line_2m_sets);
}

SEC("xdp")
int line_16m_xdp(struct xdp_md *ctx)
{
	return read_line(ctx, &line_16m, line_16m_sets);
}

SEC("xdp")
int line_128m_xdp(struct xdp_md *ctx)
{
	return read_line(ctx, &line_128m, line_128m_sets);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
