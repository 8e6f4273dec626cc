/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Header field values and limits the stages use that vmlinux.h lacks (uapi #defines). */
#ifndef XDPCAST_PROTO_H
#define XDPCAST_PROTO_H

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define IP6_MF 0x0001
#define IP6_OFFSET 0xFFF8
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
/* IPv6 next-header values */
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60
#define IPV6_EXT_MAX 4 /* extension headers walked before giving up */
#define IPV4_OPT_MAX 40 /* ihl is 4 bits */
#define IPV6_OPT_MAX 2046 /* hdrlen is 8 bits: (255 + 1) * 8 - 2 */

#endif /* XDPCAST_PROTO_H */
