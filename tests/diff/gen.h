/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frames of the differential test: valid frames of every shape the
 * dataplane handles (IPv4 with options, IPv6 with extension header chains,
 * UDP, TCP, ICMP and ICMPv6 echoes and errors quoting packets, fragments,
 * VLAN tags, other protocols), aimed at the world's VIPs, their slot twins
 * and other addresses, then mutated: truncated, fields changed, bytes
 * flipped, destination MACs and sources the kernel would refuse.
 */
#ifndef XDPCAST_DIFF_GEN_H
#define XDPCAST_DIFF_GEN_H

#include <linux/types.h>

#include "rng.h"
#include "world.h"

#define GEN_FRAME_MAX 1900

struct gen_frame {
	__u8 data[2048];
	__u32 len;
	__u32 ifindex; /* the interface it is received on */
};

void gen_frame(struct rng *r, const struct world *w, struct gen_frame *f);

#endif /* XDPCAST_DIFF_GEN_H */
