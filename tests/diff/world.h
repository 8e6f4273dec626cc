/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The differential test's world: a private network namespace with a veth
 * pair, one loaded copy of the program (never pinned) per random map state,
 * the state written through the dataplane writer API, and read back into
 * the model's view through libbpf as any user of the maps would.
 */
#ifndef XDPCAST_DIFF_WORLD_H
#define XDPCAST_DIFF_WORLD_H

#include <linux/types.h>

#include "dataplane.h"
#include "model.h"
#include "rng.h"

#define WORLD_MAX_CLIENTS 8

struct xdpcast;

/*
 * One loaded copy of the program for each pair of load-time constants
 * (attached_ifindex, attached_mac): loading costs the verifier's time, so
 * each is loaded once and a new map state is written over the last one.
 */
#define WORLD_COPIES 4

struct world_copy {
	struct xdpcast *skel;
	struct xdpcast_dp dp;
	int prog_fd;
};

struct world {
	struct world_copy copies[WORLD_COPIES];
	/* the copy of the current state */
	struct xdpcast *skel;
	struct xdpcast_dp *dp;
	int prog_fd;
	__u32 ifindex_in, ifindex_out, ifindex_hold[WORLD_COPIES];
	__u8 router_mac[6]; /* most frames' destination MAC */
	/* what the frame generator aims at: VIP keys, their slot twins, clients */
	struct xdpcast_vip_key vips[MODEL_MAX_VIPS];
	int nvips;
	__u8 clients[WORLD_MAX_CLIENTS][16]; /* IPv4-mapped or IPv6 */
};

/* Enter a new network namespace with veths xd-in/xd-out (and holders), load the
 * copies; 0 or -errno. */
int world_setup(struct world *w);
void world_destroy(struct world *w);
/* A random map state from @r in one of the copies, read into @m. */
int world_load_random(struct world *w, struct rng *r, struct model_state *m);
/* Remove the state's VIPs (and their tables) and free @m's. */
void world_unload(struct world *w, struct model_state *m);
/* Midway through a state: some backends change state and some VIPs get new
 * tables (in the maps and in @m). */
int world_change(struct world *w, struct rng *r, struct model_state *m);
/* Tear way @way of VIP @vi's flow set @set: its hash no longer matches its key. */
int world_tear_flow(struct world *w, const struct model_state *m, int vi, __u32 set, int way);
/* The kernel's copy of VIP @vi's flow set @set. */
int world_read_flow_set(struct world *w, const struct model_state *m, int vi, __u32 set,
			struct xdpcast_flow_set *out);

#endif /* XDPCAST_DIFF_WORLD_H */
