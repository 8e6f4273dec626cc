/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The xdpcast dataplane ABI: the keys and values of every map, shared by the
 * XDP program (bpf/) and userspace (user/). Fixed-width types, explicit
 * padding that must be zero, layouts checked at compile time. Maps and who
 * writes them are described in docs/maps.md.
 */
#ifndef XDPCAST_ABI_H
#define XDPCAST_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define XDPCAST_MAX_VIPS 1024
#define XDPCAST_MAX_BACKENDS 4096
#define XDPCAST_MAX_EGRESS 64
#define XDPCAST_TABLE_SIZE_DEFAULT 65537
#define XDPCAST_TABLE_SIZE_MAX 1048573 /* largest prime below 2^20 */
#define XDPCAST_VIP_FILTER_SLOTS 65536 /* power of two */
#define XDPCAST_BACKEND_NONE 0xffffffffu

/* Key of `vips`. IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). */
struct xdpcast_vip_key {
	__be32 addr[4];
	__be16 port; /* 0 = any port */
	__u8 proto; /* 0 = any protocol */
	__u8 pad; /* must be zero */
};
_Static_assert(sizeof(struct xdpcast_vip_key) == 20, "vip key ABI");

enum xdpcast_vip_flags {
	XDPCAST_VIP_F_FLOW_TABLE = 1 << 0, /* flow_tables[id] keeps flows on their backend */
};

/* Value of `vips`. Replaced whole by userspace, so a packet sees one version. */
struct xdpcast_vip {
	__u32 id; /* index into stats_vips, flow_tables; tables at 2*id and 2*id+1 */
	__u32 table_size; /* slots of the active table; 0 = no usable backend */
	__u8 active; /* which of the two tables packets use: 0 or 1 */
	__u8 flags; /* enum xdpcast_vip_flags */
	__u16 pad; /* must be zero */
};
_Static_assert(sizeof(struct xdpcast_vip) == 12, "vip ABI");

/*
 * Which key shapes exist for the VIP addresses that hash to a slot of
 * `vip_filter`. The program looks a packet up only in the shapes present,
 * most specific first, and passes a packet whose slot is empty without any
 * hash lookup.
 */
enum xdpcast_vip_shape {
	XDPCAST_SHAPE_PORT = 1 << 0, /* addr, proto, port */
	XDPCAST_SHAPE_PROTO = 1 << 1, /* addr, proto, any port */
	XDPCAST_SHAPE_ADDR = 1 << 2, /* addr, any proto, any port */
};

/* The single value of `vip_filter`. */
struct xdpcast_vip_filter {
	__u8 shapes[XDPCAST_VIP_FILTER_SLOTS];
};

/*
 * Slot of an address in the VIP filter, from the address as it sits in
 * memory (network order words). BPF and userspace must agree, hence the one
 * definition here.
 */
static inline __u32 xdpcast_vip_filter_slot(__u32 w0, __u32 w1, __u32 w2, __u32 w3)
{
	__u32 x = w0 ^ w1 ^ w2 ^ w3;

	return (x ^ (x >> 16)) & (XDPCAST_VIP_FILTER_SLOTS - 1);
}

enum xdpcast_backend_state {
	XDPCAST_BACKEND_DOWN = 0, /* never chosen; an all-zero entry is down */
	XDPCAST_BACKEND_UP = 1,
	XDPCAST_BACKEND_DRAINING = 2, /* no new flows; flow-table hits still go there */
};

enum xdpcast_backend_flags {
	XDPCAST_BACKEND_F_MAC_KNOWN = 1 << 0, /* dst_mac is the resolved next-hop */
};

/* Value of `backends`, indexed by backend id. */
struct xdpcast_backend {
	__u8 dst_mac[6]; /* next-hop (the server) */
	__u8 src_mac[6]; /* egress interface */
	__u32 ifindex; /* egress interface, a key of `egress` */
	__u16 vlan; /* egress 802.1Q VLAN id; 0 = untagged */
	__u8 state; /* enum xdpcast_backend_state */
	__u8 flags; /* enum xdpcast_backend_flags */
};
_Static_assert(sizeof(struct xdpcast_backend) == 20, "backend ABI");

/*
 * Key of a VIP's flow table (an LRU hash in flow_tables[vip id], value: the
 * backend id). The destination is the VIP itself, so it is not part of it.
 */
struct xdpcast_flow_key {
	__be32 src[4]; /* IPv4-mapped for IPv4 */
	__be16 sport; /* 0 for fragments and protocols without ports */
	__be16 dport;
	__u8 proto;
	__u8 pad[3]; /* must be zero */
};
_Static_assert(sizeof(struct xdpcast_flow_key) == 24, "flow key ABI");

/* The single value of `config`. */
struct xdpcast_config {
	__u32 hash_seed; /* same seed and tables on two routers = same backend per flow */
};
_Static_assert(sizeof(struct xdpcast_config) == 4, "config ABI");

/* Value of the per-CPU counter maps; userspace sums the CPUs. */
struct xdpcast_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xdpcast_counter) == 16, "counter ABI");

/* Why a packet got its verdict: the index of `stats_reasons`. Append only. */
enum xdpcast_reason {
	XDPCAST_PASS_NOT_IP, /* not IPv4/IPv6 (ARP, LLDP...) */
	XDPCAST_PASS_MALFORMED, /* truncated or invalid header: the kernel decides */
	XDPCAST_PASS_NOT_VIP,
	XDPCAST_PASS_TTL, /* TTL / hop limit would expire: the kernel sends the ICMP */
	XDPCAST_PASS_NO_BACKEND, /* no usable backend: the kernel routes to another site */
	XDPCAST_PASS_NO_NEIGH, /* next-hop MAC unknown: the kernel resolves it */
	XDPCAST_PASS_NO_EGRESS, /* egress interface missing from `egress` */
	XDPCAST_PASS_NO_HEADROOM, /* could not make room for a VLAN tag */
	XDPCAST_TX, /* forwarded out of the ingress interface */
	XDPCAST_REDIRECT, /* forwarded through the `egress` devmap */
	XDPCAST_REASON_MAX,
};

#endif /* XDPCAST_ABI_H */
