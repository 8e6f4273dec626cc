// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A backend of scripts/bench-pps.sh: drops every IPv4 UDP frame (what the
 * router forwards to it) and passes the rest (ARP). The kernel counts each
 * drop in the veth's per-queue `xdp_drops` (ethtool -S), which the bench
 * sums and compares with what the router says it forwarded. Attached, it
 * also gives the veth the NAPI that frames redirected into it need.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800

SEC("xdp")
int pps_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);

	/* bounds for both headers at once: the verifier needs one check */
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP) && iph->protocol == IPPROTO_UDP)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
