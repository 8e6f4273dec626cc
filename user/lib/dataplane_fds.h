/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What one dataplane writer holds: the fds of the maps and the VIP tables it
 * keeps mapped. Below dataplane.h and dataplane_impl.h, which both hand it
 * around; it declares no function.
 */
#ifndef XDPCAST_DATAPLANE_FDS_H
#define XDPCAST_DATAPLANE_FDS_H

#include <stdbool.h>
#include <xdpcast/abi.h>

/*
 * A VIP table this writer keeps: the map's id and size and, once filled here,
 * a writable mmap view of it, kept so that a refill costs only the stores
 * (mapping 512 KB, faulting its pages in and unmapping it cost over ten times
 * the stores).
 */
struct xdpcast_dp_table {
	void *mem; /* NULL: not mapped */
	__u32 map_id; /* 0: unknown */
	__u32 entries; /* 0: unknown */
	int fd; /* the staged table's; -1 for the active one (its fd is not kept) */
};

/* File descriptors of one dataplane's maps. */
struct xdpcast_dp {
	int vips;
	int vip_index;
	int vip_tables;
	int flow_tables;
	/* IPv4 VIPs' flow tables (16-byte flows); -1 in a dataplane pinned by a
	 * version before it: IPv4 VIPs' tables are in flow_tables there, in
	 * its layout, which the program attached then reads */
	int flow_tables4;
	int backends;
	int backend_owners;
	int egress;
	int stats_vips;
	int stats_backends;
	bool owns_fds; /* opened from pins: closed by xdpcast_dp_close() */
	int ncpus; /* possible CPUs: the width of per-CPU values */
	int btf_fd; /* the program's BTF, given to the inner maps created here */
	__u32 btf_u32_id; /* type ids in that BTF; 0 when not found */
	__u32 btf_vip_slot_id;
	__u32 btf_flow_set_id;
	__u32 btf_flow_set4_id;
	/* per VIP id: the table staged to flip in (fd -1: none), and the one this
	 * writer last flipped in, whose view is reused when it is flipped out */
	struct xdpcast_dp_table staged[XDPCAST_MAX_VIPS];
	struct xdpcast_dp_table active[XDPCAST_MAX_VIPS];
};

#endif /* XDPCAST_DATAPLANE_FDS_H */
