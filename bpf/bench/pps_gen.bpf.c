// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The traffic generator of scripts/bench-pps.sh, run by
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (tests/bench/pps_gen.c):
 * each run writes the frame's headers from a template and a new UDP source
 * port (one of `flows` flows, in turn), and returns XDP_TX, which the kernel
 * turns into a transmission out of the interface named in the context (the
 * client's veth), so the frame crosses to the router's veth.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench/pps.h"

/* set by the loader before load: Ethernet, IPv4 and UDP headers, checksums done
 * (the UDP checksum is 0, so a new source port keeps every checksum valid) */
const volatile __u8 hdr[PPS_HDR_LEN];
const volatile __u16 port_base = 10000;
const volatile __u32 flow_mask = 4095; /* flows - 1, flows a power of two */

/* one generator process per program copy, on one CPU: no atomics needed */
__u32 next_flow;

SEC("xdp")
int pps_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + PPS_HDR_LEN - sizeof(*udp);
	__u8 *p = data;
	int i;

	if (data + PPS_HDR_LEN > data_end)
		return XDP_ABORTED;
	/* the page pool hands back pages the router and the backends rewrote
	 * (MACs, TTL, checksum): restore every header byte, not just the port */
	for (i = 0; i < PPS_HDR_LEN; i++)
		p[i] = hdr[i];
	udp->source = bpf_htons(port_base + (next_flow++ & flow_mask));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
