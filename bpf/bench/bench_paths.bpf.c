// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast's pipeline (bpf/lib/pipeline.h, the code of build/xdpcast.bpf.o)
 * under the entry points `make bench` measures, all in one object so that
 * every path runs against the same maps in the same run:
 * - bench_pipeline: the product's entry program, unchanged;
 * - bench_new_flow: the same after one increment of the UDP source port, so
 *   that each of BPF_PROG_TEST_RUN's repetitions is a new flow;
 * - bench_bump_only and bench_pass: the cost of that increment, measured
 *   apart so that it can be subtracted.
 * This object has its own copy of the maps (pipeline.h defines them).
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/pipeline.h"

/*
 * Next UDP source port of an untagged IPv4/UDP frame without IP options (the
 * benchmark's packet): a fixed offset, no parsing. 0 or -1 when too short.
 */
static __always_inline int bump_sport(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);

	/* the verifier wants the whole UDP header inside the packet before the write */
	if ((void *)(udp + 1) > data_end)
		return -1;
	udp->source = bpf_htons(bpf_ntohs(udp->source) + 1);
	return 0;
}

SEC("xdp")
int bench_pipeline(struct xdp_md *ctx)
{
	return xdpcast_process(ctx);
}

SEC("xdp")
int bench_new_flow(struct xdp_md *ctx)
{
	/* ABORTED is counted nowhere: the benchmark's counter check then fails */
	if (bump_sport(ctx))
		return XDP_ABORTED;
	return xdpcast_process(ctx);
}

SEC("xdp")
int bench_bump_only(struct xdp_md *ctx)
{
	if (bump_sport(ctx))
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
