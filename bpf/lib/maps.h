/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The dataplane's maps. All carry BTF and are pinned by name under the pin
 * directory (default /sys/fs/bpf/xdpcast) by the agent. Keys and values come
 * from the ABI header; docs/maps.md says who writes each one.
 */
#ifndef XDPCAST_MAPS_H
#define XDPCAST_MAPS_H

#include <xdpcast/abi.h>

/* VIP key -> VIP. NO_PREALLOC: a replaced value is freed after an RCU grace
 * period, so a packet still holding the old one never sees it reused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpcast_vip_key);
	__type(value, struct xdpcast_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vips SEC(".maps");

/* One value: which VIP key shapes exist per address slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpcast_vip_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vip_filter SEC(".maps");

/* A VIP's Maglev table: slot -> backend id. Sized per VIP (INNER_MAP) and
 * written by userspace through mmap (MMAPABLE). */
struct vip_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
};

/* Two tables per VIP, at 2*id and 2*id+1; the VIP's `active` picks one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2 * XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_table); /* must come last: a flexible array */
} vip_tables SEC(".maps");

/* A VIP's flow table: flow -> backend id, sized per VIP. */
struct vip_flows {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct xdpcast_flow_key);
	__type(value, __u32);
};

/* VIP id -> its flow table, present only for VIPs with a flow table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct vip_flows); /* must come last: a flexible array */
} flow_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCAST_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdpcast_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backends SEC(".maps");

/* Egress interfaces, keyed by ifindex, value the ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XDPCAST_MAX_EGRESS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpcast_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_REASON_MAX);
	__type(key, __u32);
	__type(value, struct xdpcast_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats_reasons SEC(".maps");

/* Packets that matched each VIP, whatever their verdict. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xdpcast_counter);
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
 * forward declarations, and libbpf then cannot size the flow tables' key.
 * A global function taking the key makes its full type part of the BTF.
 */
__attribute__((used)) int xdpcast_btf_flow_key(struct xdpcast_flow_key *key)
{
	return key != 0;
}

#endif /* XDPCAST_MAPS_H */
