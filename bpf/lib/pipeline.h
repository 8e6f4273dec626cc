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
	__u32 zero = 0;
	struct xdpcast_config *cfg;
	struct xdpcast_backend *b;
	struct xdpcast_vip *vip;
	__u32 hash, id;
	int reason;

	vip = lookup_vip(p);
	if (!vip)
		return XDPCAST_PASS_NOT_VIP;
	count(&stats_vips, vip->id, p->len);
	if (p->ttl <= 1)
		return XDPCAST_PASS_TTL;
	if (!vip->table_size)
		return XDPCAST_PASS_NO_BACKEND;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (!cfg)
		return XDPCAST_PASS_NO_BACKEND;
	hash = flow_hash(p, cfg->hash_seed);
	b = choose_backend(vip, p, hash, &id);
	if (!b)
		return XDPCAST_PASS_NO_BACKEND;

	reason = forward(ctx, p, b);
	if (reason == XDPCAST_REDIRECT || reason == XDPCAST_TX)
		count(&stats_backends, id, p->len);
	return reason;
}

static __always_inline int xdpcast_process(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xdpcast_vip_filter *filter;
	struct pkt pkt;
	int reason;

	filter = bpf_map_lookup_elem(&vip_filter, &zero);
	if (!filter)
		return account(XDPCAST_PASS_NOT_VIP, 0);
	reason = parse(ctx, &pkt, filter);
	if (reason == XDPCAST_CONTINUE)
		reason = steer(ctx, &pkt);
	return account(reason, pkt.len);
}

#endif /* XDPCAST_PIPELINE_H */
