// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast: the XDP anycast dataplane. Packets for a VIP go to one healthy
 * backend per flow (Maglev, optional flow table), everything else to the
 * kernel. The stages live in bpf/lib/; docs/dataplane.md walks through them.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/pipeline.h"

SEC("xdp")
int xdpcast_ingress(struct xdp_md *ctx)
{
	return xdpcast_process(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
