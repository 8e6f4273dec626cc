/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The reference model of the differential test: what the dataplane must do
 * with one frame (verdict, reason, counters, backend, bytes out, flow table
 * writes) for a given map state, written in plain C from docs/dataplane.md,
 * docs/maps.md and the ABI header, never from bpf/.
 */
#ifndef XDPCAST_DIFF_MODEL_H
#define XDPCAST_DIFF_MODEL_H

#include <stdbool.h>
#include <linux/types.h>

#include <xdpcast/abi.h>

#define MODEL_MAX_VIPS 16
#define MODEL_FRAME_MAX 2048

struct model_vip {
	struct xdpcast_vip_key key;
	struct xdpcast_vip vip;
	__u32 *table; /* the active Maglev table, NULL: none */
	__u32 table_size;
	struct xdpcast_flow_set *flows; /* the flow table, NULL: none; an IPv4 VIP's
					  * 16-byte flows seen as struct xdpcast_flow_entry */
	__u32 flow_sets;
	bool flow4; /* its flows are IPv4's (flow_tables4): a way whose key matches but
		     * whose hash does not is passed over, not a miss */
};

/* Everything the program reads: the maps and its two load-time constants. */
struct model_state {
	__u32 seed; /* the VIP index's flow hash seed */
	__u32 attached_ifindex; /* 0: the frame's ingress interface */
	__u8 attached_mac[6]; /* all zero: unknown */
	struct model_vip vips[MODEL_MAX_VIPS];
	int nvips;
	struct xdpcast_backend backends[XDPCAST_MAX_BACKENDS];
	bool egress[XDPCAST_EGRESS_IFINDEX_MAX + 1]; /* ifindexes in the `egress` devmap */
};

/* What the frame did to its VIP's flow table. */
enum model_flow_op {
	MODEL_FLOW_NONE,
	MODEL_FLOW_HIT, /* a known flow kept its backend */
	MODEL_FLOW_REPOINT, /* a known flow whose backend was unusable moved */
	MODEL_FLOW_INSERT, /* a new flow took an empty or idle way */
	MODEL_FLOW_EVICT, /* a new flow replaced one in a full set */
	MODEL_FLOW_OPS,
};

/* The decision about one frame. */
struct model_out {
	int action; /* XDP_PASS, XDP_TX, XDP_REDIRECT */
	enum xdpcast_reason reason;
	__u32 row; /* stats_vips row: VIP id or XDPCAST_STATS_NO_VIP */
	int backend; /* backend id it was forwarded to, -1 */
	__u8 frame[MODEL_FRAME_MAX + 8];
	__u32 len;
	int flow_vip; /* index in vips[] of the flow set written, -1: none */
	__u32 flow_set; /* which set */
	enum model_flow_op flow_op;
};

/* Decide for @frame (@len bytes) received on @ifindex; flow table writes go into @s. */
void model_run(struct model_state *s, const __u8 *frame, __u32 len, __u32 ifindex,
	       struct model_out *out);

/* Lookup3's hashword() (Bob Jenkins, public domain), for the flow hash. */
__u32 model_jhash_words(const __u32 *k, __u32 n, __u32 initval);

#endif /* XDPCAST_DIFF_MODEL_H */
