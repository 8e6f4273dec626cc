/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The whole per-packet pipeline: parse, steer, forward, account. The entry
 * program is a thin wrapper around it; the benchmark objects reuse it so
 * that they measure exactly this code.
 */
#ifndef XDPCAST_PIPELINE_H
#define XDPCAST_PIPELINE_H

#include "account.h"
#include "forward.h"
#include "maps.h"
#include "parse.h"
#include "steer.h"

static __always_inline int steer(struct xdp_md *ctx, struct pkt *p)
{
	/* id defined on every path: an undefined one let clang spill, after a
	 * helper call, a register the verifier sees unset */
	__u32 id = XDPCAST_BACKEND_NONE, vip_flags = 0;
	struct xdpcast_backend *b;
	int vip_id, reason;

	vip_id = lookup_vip(p, &vip_flags);
	if (vip_id < 0)
		return XDPCAST_PASS_NOT_VIP;
	p->stats_row = vip_id;
	if (p->ttl <= 1)
		return XDPCAST_PASS_TTL;

	b = choose_backend(vip_id, vip_flags, p, flow_hash(p, p->vip_slot->hash_seed), &id);
	if (!b)
		return XDPCAST_PASS_NO_BACKEND;
	reason = forward(ctx, p, b);
	if (reason == XDPCAST_REDIRECT || reason == XDPCAST_TX)
		count(&stats_backends, id, p->len);
	return reason;
}

static __always_inline int xdpcast_process(struct xdp_md *ctx)
{
	struct pkt pkt;
	__u32 zero = 0;
	void *index;
	int reason;

	pkt.len = ctx->data_end - ctx->data;
	pkt.stats_row = XDPCAST_STATS_NO_VIP;
	index = bpf_map_lookup_elem(&vip_index, &zero);
	if (!index) /* no VIP configured yet */
		return account(pkt.stats_row, XDPCAST_PASS_NOT_VIP, pkt.len);
	reason = parse(ctx, &pkt, index);
	if (reason == XDPCAST_CONTINUE)
		reason = steer(ctx, &pkt);
	return account(pkt.stats_row, reason, pkt.len);
}

#endif /* XDPCAST_PIPELINE_H */
