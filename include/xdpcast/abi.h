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
#define XDPCAST_EGRESS_IFINDEX_MAX 65535 /* `egress` is an array indexed by ifindex */
#define XDPCAST_TABLE_SIZE_DEFAULT 65537
#define XDPCAST_TABLE_SIZE_MAX 1048573 /* largest prime below 2^20 */
#define XDPCAST_VIP_INDEX_SLOTS 65536 /* power of two */
#define XDPCAST_FLOW_WAYS 4 /* flows per set of a flow table */
#define XDPCAST_BACKEND_NONE 0xffffffffu
/* a backend's weight (configured or the operator's): the __u16 of
 * struct xdpcast_backend_owner; a plain number, for messages */
#define XDPCAST_WEIGHT_MAX 65535

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

/* Value of `vips`: every VIP key is there, whatever `vip_index` holds. */
struct xdpcast_vip {
	__u32 id; /* index into vip_tables, flow_tables, stats_vips */
	__u32 flags; /* enum xdpcast_vip_flags */
};
_Static_assert(sizeof(struct xdpcast_vip) == 8, "vip ABI");

/*
 * Which key shapes exist for the VIP addresses of one `vip_index` slot. A
 * packet is looked up only in the shapes present, most specific first.
 */
enum xdpcast_vip_shape {
	XDPCAST_SHAPE_PORT = 1 << 0, /* addr, proto, port */
	XDPCAST_SHAPE_PROTO = 1 << 1, /* addr, proto, any port */
	XDPCAST_SHAPE_ADDR = 1 << 2, /* addr, any proto, any port */
};

#define XDPCAST_VIP_DIRECT_NONE 0xffff

/*
 * One slot of the VIP index: the VIP keys whose address hashes to it. A slot
 * with no shape holds no VIP: its packets pass without any hash lookup. A
 * slot that holds exactly one key without a port names that VIP directly
 * (`direct_id`), and a packet matches it by comparing its destination and
 * protocol; any other slot sends the packet to `vips`, shape by shape.
 * The hash seed travels with the index: same seed and same tables on two
 * routers give the same backend per flow.
 */
struct xdpcast_vip_slot {
	__be32 addr[4]; /* the direct VIP's address */
	__u32 hash_seed; /* the flow hash seed: the same in every slot of an index */
	__u16 direct_id; /* its VIP id, or XDPCAST_VIP_DIRECT_NONE */
	__u8 proto; /* the direct VIP's protocol, 0 = any */
	__u8 shapes; /* enum xdpcast_vip_shape */
	__u8 direct_flags; /* the direct VIP's enum xdpcast_vip_flags */
	__u8 pad[7]; /* must be zero; 32 bytes: a slot never straddles cache lines */
};
_Static_assert(sizeof(struct xdpcast_vip_slot) == 32, "vip slot ABI");

/*
 * Slot of an address in the VIP index, from the address as it sits in
 * memory (network order words). BPF and userspace must agree, hence the one
 * definition here.
 */
static inline __u32 xdpcast_vip_index_slot(__u32 w0, __u32 w1, __u32 w2, __u32 w3)
{
	__u32 x = w0 ^ w1 ^ w2 ^ w3;

	return (x ^ (x >> 16)) & (XDPCAST_VIP_INDEX_SLOTS - 1);
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

enum xdpcast_owner_use {
	XDPCAST_OWNER_NEVER = 0, /* never assigned */
	XDPCAST_OWNER_IN_USE = 1,
	XDPCAST_OWNER_FREED = 2, /* free; vip_id says which VIP's flows may still name it */
};

/*
 * Who holds a backend id, kept by the agent for the agent (the program never
 * reads it): a restarted agent matches its configuration to the pinned ids
 * and last health verdicts with it, rebuilds the same tables, and so moves
 * no flow. Each id belongs to one backend of one VIP.
 */
struct xdpcast_backend_owner {
	__be32 addr[4]; /* the backend's address, IPv4-mapped for IPv4 */
	__u16 vip_id; /* the VIP it serves */
	__u8 in_use; /* enum xdpcast_owner_use */
	__u8 healthy; /* last verdict of its health check: 1 up, 0 down */
	__u16 weight; /* the weight in force when last written */
	__u8 operator_weight; /* 1: that weight is the operator's (xdpcastctl), not the file's */
	__u8 pad; /* zero */
};
_Static_assert(sizeof(struct xdpcast_backend_owner) == 24, "backend owner ABI");
_Static_assert(XDPCAST_WEIGHT_MAX == (__u16)-1, "a weight fits the owner's weight");

/*
 * A VIP's flow table is a set-associative cache (an IPv6 VIP's in
 * `flow_tables`, of the entries below; an IPv4 VIP's in `flow_tables4`, of
 * struct xdpcast_flow_entry4): flows hash to a set of
 * XDPCAST_FLOW_WAYS entries, and a new flow replaces an empty entry, else
 * one not used since the set was last full, else one the hash picks.
 * Entries are written without locks; a reader that races a writer sees a
 * key and a `hash` that disagree (the hash/backend word is stored in one
 * go, apart from the key) and takes it as a miss. The destination is the
 * VIP itself, so it is not stored.
 */
struct xdpcast_flow_entry {
	__be32 src[4]; /* IPv4-mapped for IPv4 */
	__be16 sport; /* 0 for fragments and protocols without ports */
	__be16 dport;
	__u8 proto;
	__u8 state; /* enum xdpcast_flow_state */
	__u16 pad;
	__u32 hash; /* the flow's hash: checks that key and backend belong together */
	__u32 backend;
};
_Static_assert(sizeof(struct xdpcast_flow_entry) == 32, "flow entry ABI");

enum xdpcast_flow_state {
	XDPCAST_FLOW_EMPTY = 0,
	XDPCAST_FLOW_IDLE = 1, /* not used since the set was last full */
	XDPCAST_FLOW_USED = 2,
};

/* Value of an IPv6 VIP's flow table (an array of sets): two cache lines. */
struct xdpcast_flow_set {
	struct xdpcast_flow_entry way[XDPCAST_FLOW_WAYS];
};

/*
 * A flow of an IPv4 VIP: two 8-byte words, the key (source, ports) and the
 * hash/backend word (hash, backend, protocol, state), each stored in one go,
 * the key first. A reader takes an entry as its flow only when both words
 * match: a key and a hash/backend word that a concurrent writer left from
 * two different flows disagree on the hash, a miss. Half the size of
 * struct xdpcast_flow_entry: a set of four is one cache line.
 */
struct xdpcast_flow_entry4 {
	__be32 src;
	__be16 sport; /* 0 for fragments and protocols without ports */
	__be16 dport;
	__u32 hash; /* the flow's hash: checks that key and backend belong together */
	__u16 backend;
	__u8 proto;
	__u8 state; /* enum xdpcast_flow_state */
};
_Static_assert(sizeof(struct xdpcast_flow_entry4) == 16, "IPv4 flow entry ABI");
_Static_assert(XDPCAST_MAX_BACKENDS <= 0xffff, "a backend id fits an IPv4 flow entry");

/* Value of an IPv4 VIP's flow table (`flow_tables4`): one cache line. */
struct xdpcast_flow_set4 {
	struct xdpcast_flow_entry4 way[XDPCAST_FLOW_WAYS];
};
_Static_assert(sizeof(struct xdpcast_flow_set4) == 64, "IPv4 flow set ABI");

/* Packets and bytes; per CPU in the maps, userspace sums the CPUs. */
struct xdpcast_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xdpcast_counter) == 16, "counter ABI");

/* Why a packet got its verdict: the index in struct xdpcast_vip_counters. Append only. */
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
	/* frames the kernel would not forward: it drops or answers them */
	XDPCAST_PASS_L2_BROADCAST, /* destination MAC ff:ff:ff:ff:ff:ff */
	XDPCAST_PASS_L2_MULTICAST, /* a multicast destination MAC */
	XDPCAST_PASS_L2_OTHERHOST, /* a unicast destination MAC not the interface's */
	XDPCAST_PASS_BAD_LENGTH, /* IPv4 total length or IPv6 payload length beyond the frame */
	XDPCAST_PASS_MARTIAN, /* martian source address */
	XDPCAST_PASS_SOURCE_ROUTE, /* IPv4 loose or strict source route option */
	XDPCAST_REASON_MAX,
};
/* the stats map's layout: a new reason grows every row (appended, so the old indexes stay) */
_Static_assert(XDPCAST_REDIRECT == 9 && XDPCAST_PASS_SOURCE_ROUTE == 15, "reason indexes ABI");

/*
 * Value of `stats_vips`: one row per VIP id, and row XDPCAST_STATS_NO_VIP
 * for packets that matched no VIP. Every packet is counted once, under its
 * row and its reason: a VIP's total and a reason's total are sums.
 */
struct xdpcast_vip_counters {
	struct xdpcast_counter reason[XDPCAST_REASON_MAX];
};
_Static_assert(sizeof(struct xdpcast_vip_counters) == 16 * 16, "vip counters ABI");

#define XDPCAST_STATS_NO_VIP XDPCAST_MAX_VIPS
#define XDPCAST_STATS_ROWS (XDPCAST_MAX_VIPS + 1)

#endif /* XDPCAST_ABI_H */
