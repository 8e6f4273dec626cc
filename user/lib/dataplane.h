/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Writers of the dataplane's maps: VIPs and the VIP index, Maglev tables
 * (written whole into the inactive buffer, then flipped), flow tables,
 * backends, egress devmap, hash seed; and readers of the counters. No policy:
 * ids, weights and states come from the caller. One writer at a time.
 * The maps are opened and closed in dataplane.c, written in
 * dataplane_write.c, their counters read in dataplane_stats.c.
 */
#ifndef XDPCAST_DATAPLANE_H
#define XDPCAST_DATAPLANE_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <xdpcast/abi.h>

#include "dataplane_fds.h"

/* Borrow the maps of a loaded object (the object keeps ownership). */
int xdpcast_dp_from_object(struct xdpcast_dp *dp, struct bpf_object *obj);
/* Open the maps pinned by name under @pin_dir. */
int xdpcast_dp_open_pinned(struct xdpcast_dp *dp, const char *pin_dir);
void xdpcast_dp_close(struct xdpcast_dp *dp);

/* The flow hash seed, kept in the VIP index (0 before any is set). */
int xdpcast_dp_set_seed(struct xdpcast_dp *dp, __u32 seed);
int xdpcast_dp_get_seed(struct xdpcast_dp *dp, __u32 *seed);
int xdpcast_dp_set_egress(struct xdpcast_dp *dp, __u32 ifindex);
int xdpcast_dp_del_egress(struct xdpcast_dp *dp, __u32 ifindex);
/* The agent's record of backend id @id (see struct xdpcast_backend_owner). */
int xdpcast_dp_set_owner(struct xdpcast_dp *dp, __u32 id, const struct xdpcast_backend_owner *o);
int xdpcast_dp_get_owner(struct xdpcast_dp *dp, __u32 id, struct xdpcast_backend_owner *o);
/* Every VIP: @fn(@arg, key, vip) for each; stops at and returns fn's nonzero. */
int xdpcast_dp_for_each_vip(struct xdpcast_dp *dp,
			    int (*fn)(void *arg, const struct xdpcast_vip_key *key,
				      const struct xdpcast_vip *vip),
			    void *arg);
/* Copy the VIP's active table into @slots (room for @max); returns its size,
 * 0 when it has none, or a negative errno (-ENOSPC: @max too small). */
long xdpcast_dp_read_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 *slots,
			   __u32 max);
int xdpcast_dp_set_backend(struct xdpcast_dp *dp, __u32 id, const struct xdpcast_backend *b);
int xdpcast_dp_get_backend(struct xdpcast_dp *dp, __u32 id, struct xdpcast_backend *b);

/*
 * Add a VIP with no usable backend yet (its packets pass to the kernel until
 * a table is written), its counters zeroed. @flow_table_size 0 = no flow table. -EEXIST if the key
 * is present, -EINVAL for a bad key or id.
 */
int xdpcast_dp_add_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 id,
		       __u32 flow_table_size);
int xdpcast_dp_get_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
		       struct xdpcast_vip *vip);
/* Remove a VIP, its tables and its flow table. */
int xdpcast_dp_del_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key);
/* Give the VIP a new, empty flow table of @size flows (rounded up to whole
 * sets of XDPCAST_FLOW_WAYS), or none for 0. */
int xdpcast_dp_set_flow_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 size);
/* Whether the VIP's flow table is of IPv4's 16-byte flows (struct
 * xdpcast_flow_set4 in flow_tables4), not of struct xdpcast_flow_set in
 * flow_tables: an IPv4 VIP, unless the pins predate flow_tables4. */
bool xdpcast_dp_flow4(const struct xdpcast_dp *dp, const struct xdpcast_vip_key *key);
/* Flows the VIP's flow table holds (0: none), or a negative errno. */
long xdpcast_dp_flow_table_size(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key);
/* Slots of the VIP's active table (0: none, packets pass), or a negative errno. */
long xdpcast_dp_table_size(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key);

/* Write @size slots (backend ids) into a new table for the VIP, not yet used. */
int xdpcast_dp_stage_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			   const __u32 *slots, __u32 size);
/* Make the staged table the active one in one atomic update; the one it
 * replaces becomes the staged one. -ENOENT: none staged. */
int xdpcast_dp_flip_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key);
/* Stage and flip; @size 0 (slots NULL) = no usable backend: packets pass. */
int xdpcast_dp_write_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			   const __u32 *slots, __u32 size);

/* Counters summed over CPUs. All rows of stats_vips (XDPCAST_STATS_ROWS) in one read: */
int xdpcast_dp_read_stats(struct xdpcast_dp *dp, struct xdpcast_vip_counters *rows);
/* One row: a VIP id, or XDPCAST_STATS_NO_VIP. */
int xdpcast_dp_read_vip_row(struct xdpcast_dp *dp, __u32 row, struct xdpcast_vip_counters *out);
/* Totals: of one reason over all rows; of one VIP over all reasons. */
int xdpcast_dp_read_reason(struct xdpcast_dp *dp, enum xdpcast_reason reason,
			   struct xdpcast_counter *out);
int xdpcast_dp_read_vip_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out);
/* Zero backend @id's counters on every CPU (an id given to a new backend). */
int xdpcast_dp_clear_backend_stats(struct xdpcast_dp *dp, __u32 id);
int xdpcast_dp_read_backend_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out);

/* "pass_not_vip", "redirect", ...: names for stats and logs. */
const char *xdpcast_reason_name(enum xdpcast_reason reason);

/* IPv4 "a.b.c.d" or IPv6 text into a VIP key (IPv4-mapped); 0 or -EINVAL. */
int xdpcast_vip_key_from_str(struct xdpcast_vip_key *key, const char *addr, __u8 proto, __u16 port);

#endif /* XDPCAST_DATAPLANE_H */
