/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The dataplane's maps. All carry BTF and are pinned by name under the pin
 * directory (default /sys/fs/bpf/xdpcast) by the agent. Keys and values come
 * from the ABI header; docs/maps.md says who writes each one.
 */
#ifndef XDPCAST_MAPS_H
#define XDPCAST_MAPS_H

#include <xdpcast/abi.h>

/* Every VIP key -> its id. Read for the slots of vip_index that hold more
 * than one key, or one with a port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpcast_vip_key);
	__type(value, struct xdpcast_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vips SEC(".maps");

/* The VIP index: address slot -> the VIP keys there. Fixed size, so the
 * verifier inlines its lookups. */
struct vip_index_slots {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCAST_VIP_INDEX_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE); /* written through mmap */
	__type(key, __u32);
	__type(value, struct xdpcast_vip_slot);
};

/* One entry: the current VIP index. Userspace builds a new index whole and
 * swaps it in; the kernel frees the old one once no packet can see it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_index_slots); /* must come last: a flexible array */
} vip_index SEC(".maps");

/* A VIP's Maglev table: slot -> backend id; its size is the map's own
 * max_entries (a prime), so size and contents always go together. */
struct vip_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
};

/* VIP id -> its active Maglev table; none = no usable backend. A new table
 * is written whole into a new map and replaces the old one in one update. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_table); /* must come last: a flexible array */
} vip_tables SEC(".maps");

/* A VIP's flow table: flow hash -> a set of flows (sized per VIP).
 * BPF_F_MMAPABLE for its layout, not for mmap: the kernel then starts the
 * values on a page, so each 128-byte set is two whole cache lines (a plain
 * array's values start 312 bytes into its allocation: three lines a set). */
struct vip_flows {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdpcast_flow_set);
};

/* IPv6 VIP id -> its flow table, present only for VIPs with a flow table
 * (and for IPv4 VIPs too in a dataplane pinned before flow_tables4). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_flows); /* must come last: a flexible array */
} flow_tables SEC(".maps");

/* An IPv4 VIP's flow table: sets of four 16-byte flows, one cache line each
 * (page-aligned values, as vip_flows): half an IPv6 table's memory a flow. */
struct vip_flows4 {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdpcast_flow_set4);
};

/* IPv4 VIP id -> its flow table, present only for VIPs with a flow table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_flows4); /* must come last: a flexible array */
} flow_tables4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCAST_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdpcast_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backends SEC(".maps");

/* The agent's record of who holds each backend id; see abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCAST_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdpcast_backend_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_owners SEC(".maps");

/* Egress interfaces: ifindex -> ifindex. An array (512 KB of pointers)
 * rather than DEVMAP_HASH: the redirect's lookup is an index, not a walk. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, XDPCAST_EGRESS_IFINDEX_MAX + 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egress SEC(".maps");

/* Every packet, by VIP (a row per VIP id, one for no VIP) and reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_STATS_ROWS);
	__type(key, __u32);
	__type(value, struct xdpcast_vip_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats_vips SEC(".maps");

/* Packets forwarded to each backend. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdpcast_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats_backends SEC(".maps");

/*
 * clang emits types reached only through an inner map's definition as
 * forward declarations, and libbpf then cannot size those maps' values.
 * A global function taking them makes their full types part of the BTF.
 */
__attribute__((used)) int xdpcast_btf_inner_types(struct xdpcast_flow_set *flows,
						  struct xdpcast_flow_set4 *flows4,
						  struct xdpcast_vip_slot *slot)
{
	return flows != 0 && flows4 != 0 && slot != 0;
}

#endif /* XDPCAST_MAPS_H */
