/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters: every packet by VIP and reason, forwarded ones per backend; per CPU. */
#ifndef XDPCAST_ACCOUNT_H
#define XDPCAST_ACCOUNT_H

#include "maps.h"

static __always_inline void count(void *map, __u32 idx, __u32 len)
{
	struct xdpcast_counter *c = bpf_map_lookup_elem(map, &idx);

	/* per-CPU value: no other writer, plain increments are exact */
	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

/* The one exit: count the packet under its VIP and reason, and turn the
 * reason into the XDP action. */
static __always_inline int account(__u32 stats_row, __u32 reason, __u32 len)
{
	struct xdpcast_vip_counters *row = bpf_map_lookup_elem(&stats_vips, &stats_row);

	/* per-CPU value: no other writer, plain increments are exact */
	if (row && reason < XDPCAST_REASON_MAX) {
		row->reason[reason].packets++;
		row->reason[reason].bytes += len;
	}
	if (reason == XDPCAST_REDIRECT)
		return XDP_REDIRECT;
	if (reason == XDPCAST_TX)
		return XDP_TX;
	return XDP_PASS;
}

#endif /* XDPCAST_ACCOUNT_H */
