/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the pipeline's stages learn about one packet and pass along. */
#ifndef XDPCAST_PKT_H
#define XDPCAST_PKT_H

#include <xdpcast/abi.h>

/* Internal verdict of a stage that has not decided yet (not a counter). */
#define XDPCAST_CONTINUE XDPCAST_REASON_MAX

struct pkt {
	/*
	 * The flow, as the client sent it: for an ICMP error about a flow,
	 * the quoted packet with addresses and ports swapped. src, dst and
	 * the ports are contiguous: IPv6 hashes them as nine words.
	 */
	__be32 src[4]; /* IPv4: only [3], the address; see addr_word() */
	__be32 dst[4];
	__be16 sport; /* 0 when unknown (fragments) or not TCP/UDP */
	__be16 dport;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u8 has_vlan;
	const struct xdpcast_vip_slot *vip_slot; /* dst's slot of the VIP index */
	__u32 len; /* frame length, for byte counters */
	__u32 stats_row; /* VIP id, or XDPCAST_STATS_NO_VIP */
	__u8 ttl; /* outer TTL / hop limit */
};

/*
 * Word @i of an address of @p as IPv6 (IPv4-mapped for IPv4). For IPv4 the
 * parser stores only word 3: the other three are constants, and writing
 * them for every packet costs more than knowing them.
 */
static __always_inline __be32 addr_word(const struct pkt *p, const __be32 *addr, int i)
{
	if (p->family == 6 || i == 3)
		return addr[i];
	return i == 2 ? bpf_htonl(0xffff) : 0;
}

#endif /* XDPCAST_PKT_H */
