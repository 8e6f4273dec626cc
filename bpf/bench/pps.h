/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What scripts/bench-pps.sh's BPF programs share with their loaders
 * (tests/bench/pps_gen.c, tests/bench/pps_load.c): the generator's frame
 * size and the floor forwarder's next-hop entry. Fixed widths only; include
 * it after vmlinux.h (BPF) or <linux/types.h> (userspace).
 */
#ifndef XDPCAST_BENCH_PPS_H
#define XDPCAST_BENCH_PPS_H

/* a minimum Ethernet frame, 64 bytes on a wire with its FCS (veth has none) */
#define PPS_FRAME_LEN 60
/* Ethernet + IPv4 (no options) + UDP: what the generator rewrites per frame */
#define PPS_HDR_LEN 42
/* slots of the floor forwarder's next-hop array (a power of two: the hash is masked) */
#define PPS_FLOOR_SLOTS 256
#define PPS_FLOOR_PORTS 8

struct pps_floor_nexthop {
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u32 port; /* key in the devmap pps_floor_ports */
};

#endif
