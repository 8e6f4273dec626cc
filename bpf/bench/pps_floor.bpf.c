// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `pps_floor` of scripts/bench-pps.sh: the bench's floor (floor.bpf.c: parse
 * Ethernet/IPv4/UDP, jhash the 5-tuple, one array lookup, MAC rewrite) turned
 * into a forwarder: the next hop names a devmap slot, and the frame leaves
 * with XDP_REDIRECT out of one of the router's egress veths. The least any
 * XDP steering does on this path; no TTL, no counters (the kernel's veth
 * counters tell what it redirected). tests/bench/pps_load.c fills the maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench/pps.h"
#include "lib/jhash.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define FLOOR_SEED 0x5eed

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PPS_FLOOR_SLOTS);
	__type(key, __u32);
	__type(value, struct pps_floor_nexthop);
} pps_floor_nexthops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, PPS_FLOOR_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} pps_floor_ports SEC(".maps");

SEC("xdp")
int pps_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct pps_floor_nexthop *nh;
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
	slot &= PPS_FLOOR_SLOTS - 1;
	nh = bpf_map_lookup_elem(&pps_floor_nexthops, &slot);
	/* an array lookup cannot fail below max_entries; the verifier does not know */
	if (!nh)
		return XDP_PASS;
	/* dst_mac and src_mac are adjacent, as in the header */
	__builtin_memcpy(eth->h_dest, nh->dst_mac, 2 * ETH_ALEN);
	return bpf_redirect_map(&pps_floor_ports, nh->port, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
