/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters: per reason (every packet), per VIP, per backend; per CPU. */
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

/* The one exit: count the reason and turn it into the XDP action. */
static __always_inline int account(__u32 reason, __u32 len)
{
	count(&stats_reasons, reason, len);
	if (reason == XDPCAST_REDIRECT)
		return XDP_REDIRECT;
	if (reason == XDPCAST_TX)
		return XDP_TX;
	return XDP_PASS;
}

#endif /* XDPCAST_ACCOUNT_H */
