/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Steer stage: find the packet's VIP, hash its flow, and choose the backend:
 * the flow table's (when the VIP keeps one and the backend is still usable),
 * else the VIP's Maglev table's, which the flow table then records. An IPv4
 * VIP's flow table has 16-byte entries (`flow_tables4`), an IPv6 VIP's
 * 32-byte ones (`flow_tables`).
 */
#ifndef XDPCAST_STEER_H
#define XDPCAST_STEER_H

#include "jhash.h"
#include "maps.h"
#include "pkt.h"

/*
 * The id of the packet's VIP (its flags in @flags), or -1. A slot with a
 * direct VIP costs two compares; otherwise the most specific key present in
 * `vips`, trying only the shapes the slot says exist.
 */
static __always_inline int lookup_vip(const struct pkt *p, __u32 *flags)
{
	const struct xdpcast_vip_slot *slot = p->vip_slot;
	struct xdpcast_vip_key key;
	struct xdpcast_vip *vip;

	if (slot->direct_id != XDPCAST_VIP_DIRECT_NONE) {
		if (slot->addr[3] != p->dst[3] || slot->addr[2] != addr_word(p, p->dst, 2) ||
		    slot->addr[1] != addr_word(p, p->dst, 1) ||
		    slot->addr[0] != addr_word(p, p->dst, 0))
			return -1;
		if (slot->proto && slot->proto != p->proto)
			return -1;
		*flags = slot->direct_flags;
		return slot->direct_id;
	}

	key.addr[0] = addr_word(p, p->dst, 0);
	key.addr[1] = addr_word(p, p->dst, 1);
	key.addr[2] = addr_word(p, p->dst, 2);
	key.addr[3] = p->dst[3];
	key.pad = 0;
	key.proto = p->proto;
	if ((slot->shapes & XDPCAST_SHAPE_PORT) && p->dport) {
		key.port = p->dport;
		vip = bpf_map_lookup_elem(&vips, &key);
		if (vip) {
			*flags = vip->flags;
			return vip->id;
		}
	}
	key.port = 0;
	if (slot->shapes & XDPCAST_SHAPE_PROTO) {
		vip = bpf_map_lookup_elem(&vips, &key);
		if (vip) {
			*flags = vip->flags;
			return vip->id;
		}
	}
	if (slot->shapes & XDPCAST_SHAPE_ADDR) {
		key.proto = 0;
		vip = bpf_map_lookup_elem(&vips, &key);
		if (vip) {
			*flags = vip->flags;
			return vip->id;
		}
	}
	return -1;
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
static __always_inline __u32 hash_range(__u32 hash, __u32 size)
{
	return ((__u64)hash * size) >> 32;
}

/* An inner map's size, read through CO-RE: a table's slots, a flow table's sets. */
static __always_inline __u32 map_entries(void *map)
{
	return ((struct bpf_map *)map)->max_entries;
}

/* Backend @id if it is up (or draining, when @allow_draining: known flows), else NULL. */
static __always_inline struct xdpcast_backend *usable_backend(__u32 id, int allow_draining)
{
	struct xdpcast_backend *b = bpf_map_lookup_elem(&backends, &id);

	if (!b)
		return NULL;
	if (b->state == XDPCAST_BACKEND_UP ||
	    (allow_draining && b->state == XDPCAST_BACKEND_DRAINING))
		return b;
	return NULL;
}

/* The Maglev table's backend for @hash, or NULL (no table, or not up). */
static __always_inline struct xdpcast_backend *table_choice(__u32 vip_id, __u32 hash, __u32 *id)
{
	void *table = bpf_map_lookup_elem(&vip_tables, &vip_id);
	__u32 slot, *bid;

	if (!table)
		return NULL;
	slot = hash_range(hash, map_entries(table));
	bid = bpf_map_lookup_elem(table, &slot);
	if (!bid)
		return NULL;
	*id = *bid;
	return usable_backend(*id, 0);
}

/*
 * The hash and backend of a flow entry, as one 8-byte word: stored and loaded
 * in one go, apart from the key (see struct xdpcast_flow_entry).
 */
static __always_inline __u64 *flow_word(struct xdpcast_flow_entry *e)
{
	return (__u64 *)&e->hash;
}

static __always_inline int flow_matches(const struct xdpcast_flow_entry *e, const struct pkt *p)
{
	return e->state != XDPCAST_FLOW_EMPTY && e->src[3] == p->src[3] &&
	       e->src[2] == addr_word(p, p->src, 2) && e->src[1] == addr_word(p, p->src, 1) &&
	       e->src[0] == addr_word(p, p->src, 0) && e->sport == p->sport &&
	       e->dport == p->dport && e->proto == p->proto;
}

/* The flow's entry in @set with its backend in @id, or NULL. */
static __always_inline struct xdpcast_flow_entry *
flow_find(struct xdpcast_flow_set *set, const struct pkt *p, __u32 hash, __u32 *id)
{
	struct xdpcast_flow_entry *e;
	__u64 word;
	int i;

#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		e = &set->way[i];
		if (!flow_matches(e, p))
			continue;
		word = *(volatile __u64 *)flow_word(e);
		if ((__u32)word != hash)
			return NULL; /* torn by a concurrent writer: a miss */
		*id = word >> 32;
		return e;
	}
	return NULL;
}

/* Record the flow in @set: an empty way, else one idle since the set was
 * last full, else (all used) mark all idle and take the way the hash picks. */
static __always_inline void flow_insert(struct xdpcast_flow_set *set, const struct pkt *p,
					__u32 hash, __u32 id)
{
	struct xdpcast_flow_entry *e = NULL;
	int i;

#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		if (!e && set->way[i].state == XDPCAST_FLOW_EMPTY)
			e = &set->way[i];
	}
#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		if (!e && set->way[i].state == XDPCAST_FLOW_IDLE)
			e = &set->way[i];
	}
	if (!e) {
#pragma unroll
		for (i = 0; i < XDPCAST_FLOW_WAYS; i++)
			set->way[i].state = XDPCAST_FLOW_IDLE;
		/* bits the set index (the hash's top bits) did not use */
		e = &set->way[hash & (XDPCAST_FLOW_WAYS - 1)];
	}
	e->src[0] = addr_word(p, p->src, 0);
	e->src[1] = addr_word(p, p->src, 1);
	e->src[2] = addr_word(p, p->src, 2);
	e->src[3] = p->src[3];
	e->sport = p->sport;
	e->dport = p->dport;
	e->proto = p->proto;
	e->state = XDPCAST_FLOW_USED;
	*(volatile __u64 *)flow_word(e) = ((__u64)id << 32) | hash;
}

/* A known flow's entry now names backend @id: its key stays, the hash/backend
 * word is stored in one go as on insert. */
static __always_inline void flow_repoint(struct xdpcast_flow_entry *e, __u32 hash, __u32 id)
{
	e->state = XDPCAST_FLOW_USED;
	*(volatile __u64 *)flow_word(e) = ((__u64)id << 32) | hash;
}

/* An IPv4 flow entry as its two words (struct xdpcast_flow_entry4). */
union flow4 {
	struct xdpcast_flow_entry4 e;
	__u64 w[2];
};

/* The key word of the packet's flow: source and ports. */
static __always_inline __u64 flow4_key(const struct pkt *p)
{
	union flow4 f = { .e = { .src = p->src[3], .sport = p->sport, .dport = p->dport } };

	return f.w[0];
}

/* The hash/backend word of a flow: its hash, backend, protocol and state. */
static __always_inline __u64 flow4_word(__u32 hash, __u32 id, __u8 proto, __u8 state)
{
	union flow4 f = { .e = { .hash = hash, .backend = id, .proto = proto, .state = state } };

	return f.w[1];
}

static __always_inline volatile __u64 *flow4_words(struct xdpcast_flow_entry4 *e)
{
	return (volatile __u64 *)e;
}

/* The flow's entry in @set with its backend in @id, or NULL. Both words
 * must match: key, hash and protocol, and a state that is not empty. */
static __always_inline struct xdpcast_flow_entry4 *
flow4_find(struct xdpcast_flow_set4 *set, const struct pkt *p, __u32 hash, __u32 *id)
{
	__u64 key = flow4_key(p), want = flow4_word(hash, 0, p->proto, 0);
	__u64 match = flow4_word(0xffffffff, 0, 0xff, 0), in_use = flow4_word(0, 0, 0, 0xff);
	volatile __u64 *w;
	int i;

#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		union flow4 f;

		w = flow4_words(&set->way[i]);
		if (w[0] != key)
			continue;
		f.w[1] = w[1];
		/* a hash/backend word of another flow: torn by a concurrent writer */
		if ((f.w[1] & match) != want || !(f.w[1] & in_use))
			continue;
		*id = f.e.backend;
		return &set->way[i];
	}
	return NULL;
}

/* Record the flow in @set, as flow_insert(): the key word, then the
 * hash/backend word, each in one store. */
static __always_inline void flow4_insert(struct xdpcast_flow_set4 *set, const struct pkt *p,
					 __u32 hash, __u32 id)
{
	struct xdpcast_flow_entry4 *e = NULL;
	int i;

#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		if (!e && set->way[i].state == XDPCAST_FLOW_EMPTY)
			e = &set->way[i];
	}
#pragma unroll
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		if (!e && set->way[i].state == XDPCAST_FLOW_IDLE)
			e = &set->way[i];
	}
	if (!e) {
#pragma unroll
		for (i = 0; i < XDPCAST_FLOW_WAYS; i++)
			set->way[i].state = XDPCAST_FLOW_IDLE;
		/* bits the set index (the hash's top bits) did not use */
		e = &set->way[hash & (XDPCAST_FLOW_WAYS - 1)];
	}
	flow4_words(e)[0] = flow4_key(p);
	flow4_words(e)[1] = flow4_word(hash, id, p->proto, XDPCAST_FLOW_USED);
}

/* choose_backend() for an IPv4 VIP with a flow table (`flow_tables4`). */
static __always_inline struct xdpcast_backend *choose_backend4(__u32 vip_id, const struct pkt *p,
							       __u32 hash, __u32 *id)
{
	struct xdpcast_flow_set4 *set = NULL;
	struct xdpcast_flow_entry4 *e = NULL;
	struct xdpcast_backend *b;
	void *flows;
	__u32 si;

	flows = bpf_map_lookup_elem(&flow_tables4, &vip_id);
	if (flows) {
		si = hash_range(hash, map_entries(flows));
		set = bpf_map_lookup_elem(flows, &si);
	}
	if (set) {
		e = flow4_find(set, p, hash, id);
		if (e) {
			b = usable_backend(*id, 1);
			if (b) {
				/* written only on the first use since the set was full */
				if (e->state != XDPCAST_FLOW_USED)
					e->state = XDPCAST_FLOW_USED;
				return b;
			}
		}
	}
	b = table_choice(vip_id, hash, id);
	if (b && e)
		flow4_words(e)[1] = flow4_word(hash, *id, p->proto, XDPCAST_FLOW_USED);
	else if (b && set)
		flow4_insert(set, p, hash, *id);
	return b;
}

/*
 * The backend for the packet's flow. A flow-table hit keeps its backend while
 * it is up or draining; a miss or an unusable backend takes the table's
 * choice and records it, in the flow's own entry when it has one: a flow that
 * left a failed backend stays where it went when that backend returns.
 */
static __always_inline struct xdpcast_backend *
choose_backend(__u32 vip_id, __u32 vip_flags, const struct pkt *p, __u32 hash, __u32 *id)
{
	struct xdpcast_flow_set *set = NULL;
	struct xdpcast_flow_entry *e = NULL;
	struct xdpcast_backend *b;
	void *flows;
	__u32 si;

	if (!(vip_flags & XDPCAST_VIP_F_FLOW_TABLE))
		return table_choice(vip_id, hash, id);
	if (p->family == 4)
		return choose_backend4(vip_id, p, hash, id);
	flows = bpf_map_lookup_elem(&flow_tables, &vip_id);
	if (flows) {
		si = hash_range(hash, map_entries(flows));
		set = bpf_map_lookup_elem(flows, &si);
	}
	if (set) {
		e = flow_find(set, p, hash, id);
		if (e) {
			b = usable_backend(*id, 1);
			if (b) {
				/* written only on the first use since the set was full */
				if (e->state != XDPCAST_FLOW_USED)
					e->state = XDPCAST_FLOW_USED;
				return b;
			}
		}
	}
	b = table_choice(vip_id, hash, id);
	if (b && e)
		flow_repoint(e, hash, *id);
	else if (b && set)
		flow_insert(set, p, hash, *id);
	return b;
}

#endif /* XDPCAST_STEER_H */
