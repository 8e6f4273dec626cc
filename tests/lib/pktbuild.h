/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder and checksum verifier for the xdpcast BPF packet tests
 * (BPF_PROG_TEST_RUN): builds Ethernet/[802.1Q]/IPv4|IPv6/UDP|TCP|ICMP|ICMPv6
 * frames with correct checksums and lengths, ICMP errors quoting a built
 * packet, and walks/verifies frames (including rewritten program output).
 */
#ifndef XDPCAST_TESTS_PKTBUILD_H
#define XDPCAST_TESTS_PKTBUILD_H

#include <stdbool.h>
#include <linux/types.h>

#define PKT_BUF_SIZE 2048
#define PKT_DEFAULT_TTL 64
#define PKT_DEFAULT_IP_ID 0x1234
#define PKT_DEFAULT_TCP_FLAGS 0x10 /* ACK */
#define PKT_ICMP_QUOTE_MAX_V4 548 /* 576 - 20 (IPv4) - 8 (ICMP) */
#define PKT_ICMP_QUOTE_MAX_V6 1232 /* 1280 - 40 (IPv6) - 8 (ICMPv6) */

/* Default payload: the 18 bytes of "xdpcast-test-data" including its NUL. */
#define PKT_DEFAULT_PAYLOAD "xdpcast-test-data"
#define PKT_DEFAULT_PAYLOAD_LEN ((__u32)sizeof(PKT_DEFAULT_PAYLOAD))

struct pkt_buf {
	__u8 data[PKT_BUF_SIZE];
	__u32 len;
};

/*
 * A flow description; addresses as strings parsed with inet_pton
 * ("203.0.113.53", "2001:db8::53").
 */
struct pkt_spec {
	const __u8 *src_mac, *dst_mac; /* NULL -> 02:00:00:00:00:01 / 02:00:00:00:00:02 */
	int vlan; /* 0 = untagged, else one 802.1Q tag (TPID 0x8100) */
	const char *src, *dst; /* IPv4 or IPv6 textual; both same family */
	__u8 proto; /* IPPROTO_UDP, _TCP, _ICMP (v4), _ICMPV6 (v6) */
	__u16 sport, dport; /* host order; ICMP echo: id = sport, seq = dport */
	__u8 ttl; /* TTL or hop limit; 0 -> 64 */
	__u8 ip_options_len; /* IPv4 only: multiple of 4, <= 40; NOPs then one EOL */
	/*
	 * Fragments: IPv4 uses MF/offset in the header (ID = frag_id, 0x1234 when 0);
	 * IPv6 inserts a Fragment extension header (identification = frag_id,
	 * 0x1234 when 0). frag_offset > 0: only payload bytes, no L4 header.
	 */
	bool frag;
	__u16 frag_offset; /* in 8-byte units, < 8192 */
	bool more_frags;
	__u32 frag_id;
	__u8 tcp_flags; /* 0 -> 0x10 (ACK) */
	/*
	 * payload NULL and payload_len 0 -> the 18-byte default payload;
	 * payload NULL and payload_len > 0 -> the default pattern repeated.
	 */
	const void *payload;
	__u32 payload_len;
};

/* Build @s into @b. Returns 0, or -EINVAL (bad spec or frame > PKT_BUF_SIZE). */
int pkt_build(struct pkt_buf *b, const struct pkt_spec *s);

/*
 * ICMP error from @reporter to @to (both same family), quoting @inner (a built
 * frame; the quote starts at its IP header and covers the whole IP packet up to
 * PKT_ICMP_QUOTE_MAX_V4 / _V6 bytes). @mtu goes into IPv4 type 3 code 4
 * (next-hop MTU, 16 bits) and IPv6 type 2 (packet too big, 32 bits).
 * Allowed types: IPv4 3, 4, 5, 11, 12; IPv6 1, 2, 3, 4. ttl 0 -> 64.
 */
struct pkt_icmp_err {
	const char *reporter, *to;
	__u8 type, code;
	__u32 mtu;
	int vlan;
	__u8 ttl;
	const __u8 *src_mac, *dst_mac;
};

int pkt_build_icmp_error(struct pkt_buf *b, const struct pkt_icmp_err *e,
			 const struct pkt_buf *inner);

/*
 * Offsets into a frame, computed by walking it (works on rewritten output).
 * vlan: VID of a single 802.1Q/802.1ad tag, 0 when untagged. For IPv6, l4_off
 * and proto are past any extension headers (hop-by-hop, routing, fragment,
 * destination options, AH). For non-first fragments l4_off points at the
 * fragment data.
 */
struct pkt_layout {
	int vlan;
	__u32 l3_off;
	__u32 l4_off;
	int family; /* 4 or 6 */
	__u8 proto;
};

/* Returns 0, or -EINVAL when not IPv4/IPv6 or headers are truncated/malformed. */
int pkt_parse_layout(const __u8 *frame, __u32 len, struct pkt_layout *out);

/*
 * IPv4 header checksum verified from scratch. True when valid; also true for
 * IPv6 frames (not applicable); false for unparseable frames.
 */
bool pkt_ipv4_csum_ok(const __u8 *frame, __u32 len);

/*
 * L4 checksum (UDP/TCP/ICMP/ICMPv6, with the proper pseudo-header) verified
 * from scratch over the IP payload length declared in the IP header. True when
 * valid, and when not applicable (fragments, other protocols, IPv4 UDP with a
 * zero checksum). False for unparseable/truncated frames, length mismatches,
 * IPv6 UDP with zero checksum, ICMP over IPv6 or ICMPv6 over IPv4.
 */
bool pkt_l4_csum_ok(const __u8 *frame, __u32 len);

#endif /* XDPCAST_TESTS_PKTBUILD_H */
