/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Steer stage: find the packet's VIP, hash its flow, and choose the backend:
 * the flow table's (when the VIP keeps one and the backend is still usable),
 * else the active Maglev table's, which the flow table then records.
 */
#ifndef XDPCAST_STEER_H
#define XDPCAST_STEER_H

#include "jhash.h"
#include "maps.h"
#include "pkt.h"

/* The most specific VIP key present for the packet, trying only the shapes
 * the filter says exist for its destination. */
static __always_inline struct xdpcast_vip *lookup_vip(const struct pkt *p)
{
	struct xdpcast_vip_key key;
	struct xdpcast_vip *vip;

	__builtin_memcpy(key.addr, p->dst, sizeof(key.addr));
	key.pad = 0;
	key.proto = p->proto;
	if ((p->shapes & XDPCAST_SHAPE_PORT) && p->dport) {
		key.port = p->dport;
		vip = bpf_map_lookup_elem(&vips, &key);
		if (vip)
			return vip;
	}
	key.port = 0;
	if (p->shapes & XDPCAST_SHAPE_PROTO) {
		vip = bpf_map_lookup_elem(&vips, &key);
		if (vip)
			return vip;
	}
	if (p->shapes & XDPCAST_SHAPE_ADDR) {
		key.proto = 0;
		return bpf_map_lookup_elem(&vips, &key);
	}
	return NULL;
}

/* Seeded hash of src, dst, protocol and ports (ports are 0 for fragments). */
static __always_inline __u32 flow_hash(const struct pkt *p, __u32 seed)
{
	__u32 ports = ((__u32)p->sport << 16) | p->dport;

	if (p->family == 4)
		return jhash_3words(p->src[3], p->dst[3], ports, seed ^ p->proto);
	/* src, dst and the two ports are nine contiguous words in struct pkt */
	return jhash_9words(p->src, seed ^ p->proto);
}

/* Lemire's multiply-shift: a uniform hash -> [0, size) without a division. */
static __always_inline __u32 table_slot(__u32 hash, __u32 size)
{
	return ((__u64)hash * size) >> 32;
}

static __always_inline void flow_key(struct xdpcast_flow_key *k, const struct pkt *p)
{
	__builtin_memcpy(k->src, p->src, sizeof(k->src));
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* The Maglev table's backend for @hash, or NULL when its entry is not up. */
static __always_inline struct xdpcast_backend *table_choice(const struct xdpcast_vip *vip,
							    __u32 hash, __u32 *id)
{
	__u32 table_idx = 2 * vip->id + (vip->active & 1);
	__u32 slot = table_slot(hash, vip->table_size);
	struct xdpcast_backend *b;
	void *table;
	__u32 *bid;

	table = bpf_map_lookup_elem(&vip_tables, &table_idx);
	if (!table)
		return NULL;
	bid = bpf_map_lookup_elem(table, &slot);
	if (!bid)
		return NULL;
	*id = *bid;
	b = bpf_map_lookup_elem(&backends, id);
	if (!b || b->state != XDPCAST_BACKEND_UP)
		return NULL;
	return b;
}

/*
 * The backend for the packet's flow. A flow-table hit keeps its backend while
 * it is up or draining; a miss or an unusable backend takes the table's
 * choice and records it.
 */
static __always_inline struct xdpcast_backend *
choose_backend(const struct xdpcast_vip *vip, const struct pkt *p, __u32 hash, __u32 *id)
{
	struct xdpcast_flow_key key;
	struct xdpcast_backend *b;
	void *flows = NULL;
	__u32 *known;

	if (vip->flags & XDPCAST_VIP_F_FLOW_TABLE)
		flows = bpf_map_lookup_elem(&flow_tables, &vip->id);
	if (flows) {
		flow_key(&key, p);
		known = bpf_map_lookup_elem(flows, &key);
		if (known) {
			*id = *known;
			b = bpf_map_lookup_elem(&backends, id);
			if (b && (b->state == XDPCAST_BACKEND_UP ||
				  b->state == XDPCAST_BACKEND_DRAINING))
				return b;
		}
	}
	b = table_choice(vip, hash, id);
	if (b && flows)
		bpf_map_update_elem(flows, &key, id, BPF_ANY);
	return b;
}

#endif /* XDPCAST_STEER_H */
