/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder and checksum verifier for the xdpcast BPF packet tests.
 * All multi-byte fields are written/read byte-wise (frames are not aligned).
 */
#include "pktbuild.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#define VLAN_HLEN 4
#define IPV4_HLEN ((__u32)sizeof(struct iphdr))
#define IPV6_HLEN ((__u32)sizeof(struct ipv6hdr))
#define FRAG6_HLEN 8
#define UDP_HLEN ((__u32)sizeof(struct udphdr))
#define TCP_HLEN ((__u32)sizeof(struct tcphdr))
#define ICMP_HLEN 8
#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff
#define IP6_MF 0x0001
#define MAX_V6_EXT 8

static const __u8 default_src_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const __u8 default_dst_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

struct pkt_addrs {
	int family; /* 4 or 6 */
	__u8 src[16];
	__u8 dst[16];
};

/* Layout plus what the verifiers need. */
struct pkt_walk {
	struct pkt_layout lo;
	__u32 l3_end; /* end of the IP packet as declared by its header */
	bool frag; /* IPv4 MF/offset set, or an IPv6 fragment header present */
};

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* One's complement sum of big-endian 16-bit words, unfolded. */
static __u32 csum_add(__u32 sum, const __u8 *p, __u32 len)
{
	__u32 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	/* Keep headroom: fold whenever the top bits start filling. */
	while (sum >> 24)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static __u32 pseudo_sum(int family, const __u8 *src, const __u8 *dst, __u8 proto, __u32 l4_len)
{
	__u8 tail[8];
	__u32 sum = 0;

	if (family == 4) {
		sum = csum_add(sum, src, 4);
		sum = csum_add(sum, dst, 4);
		sum += proto;
		sum += l4_len & 0xffff;
		return sum;
	}
	sum = csum_add(sum, src, 16);
	sum = csum_add(sum, dst, 16);
	put32(tail, l4_len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return csum_add(sum, tail, sizeof(tail));
}

static int parse_addrs(const char *src, const char *dst, struct pkt_addrs *a)
{
	if (!src || !dst)
		return -EINVAL;
	if (inet_pton(AF_INET, src, a->src) == 1) {
		if (inet_pton(AF_INET, dst, a->dst) != 1)
			return -EINVAL;
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, src, a->src) == 1) {
		if (inet_pton(AF_INET6, dst, a->dst) != 1)
			return -EINVAL;
		a->family = 6;
		return 0;
	}
	return -EINVAL;
}

static __u32 l2_len(int vlan)
{
	return ETH_HLEN + (vlan ? VLAN_HLEN : 0);
}

static __u32 write_l2(__u8 *p, const __u8 *src_mac, const __u8 *dst_mac, int vlan, int family)
{
	__u32 off = 2 * ETH_ALEN;

	memcpy(p, dst_mac ? dst_mac : default_dst_mac, ETH_ALEN);
	memcpy(p + ETH_ALEN, src_mac ? src_mac : default_src_mac, ETH_ALEN);
	if (vlan) {
		put16(p + off, ETH_P_8021Q);
		put16(p + off + 2, (__u16)vlan);
		off += VLAN_HLEN;
	}
	put16(p + off, family == 4 ? ETH_P_IP : ETH_P_IPV6);
	return off + 2;
}

/* IPv4 header with @opt_len option bytes; checksum filled in. */
static void write_ipv4(__u8 *p, const struct pkt_addrs *a, __u8 opt_len, __u32 l4_len, __u8 ttl,
		       __u8 proto, __u16 id, __u16 frag_off)
{
	__u32 hlen = IPV4_HLEN + opt_len;

	p[0] = 0x40 | (hlen / 4);
	p[1] = 0;
	put16(p + offsetof(struct iphdr, tot_len), (__u16)(hlen + l4_len));
	put16(p + offsetof(struct iphdr, id), id);
	put16(p + offsetof(struct iphdr, frag_off), frag_off);
	p[offsetof(struct iphdr, ttl)] = ttl;
	p[offsetof(struct iphdr, protocol)] = proto;
	put16(p + offsetof(struct iphdr, check), 0);
	memcpy(p + offsetof(struct iphdr, saddr), a->src, 4);
	memcpy(p + offsetof(struct iphdr, daddr), a->dst, 4);
	if (opt_len) {
		memset(p + IPV4_HLEN, 1 /* NOP */, opt_len - 1);
		p[hlen - 1] = 0; /* EOL */
	}
	put16(p + offsetof(struct iphdr, check), (__u16)~csum_fold(csum_add(0, p, hlen)));
}

static void write_ipv6(__u8 *p, const struct pkt_addrs *a, __u32 payload_len, __u8 hop_limit,
		       __u8 nexthdr)
{
	put32(p, 0x60000000);
	put16(p + offsetof(struct ipv6hdr, payload_len), (__u16)payload_len);
	p[offsetof(struct ipv6hdr, nexthdr)] = nexthdr;
	p[offsetof(struct ipv6hdr, hop_limit)] = hop_limit;
	memcpy(p + offsetof(struct ipv6hdr, saddr), a->src, 16);
	memcpy(p + offsetof(struct ipv6hdr, daddr), a->dst, 16);
}

static void fill_payload(__u8 *p, const struct pkt_spec *s, __u32 len)
{
	__u32 i;

	if (s->payload) {
		memcpy(p, s->payload, len);
		return;
	}
	for (i = 0; i < len; i++)
		p[i] = PKT_DEFAULT_PAYLOAD[i % PKT_DEFAULT_PAYLOAD_LEN];
}

static __u32 l4_hdr_len(__u8 proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return UDP_HLEN;
	case IPPROTO_TCP:
		return TCP_HLEN;
	default: /* ICMP / ICMPv6 echo */
		return ICMP_HLEN;
	}
}

/* Write the L4 header at @p (payload already in place after it) and its checksum. */
static void write_l4(__u8 *p, const struct pkt_spec *s, const struct pkt_addrs *a, __u32 l4_len)
{
	__u32 sum = 0;
	__u8 *check;

	switch (s->proto) {
	case IPPROTO_UDP:
		put16(p + offsetof(struct udphdr, source), s->sport);
		put16(p + offsetof(struct udphdr, dest), s->dport);
		put16(p + offsetof(struct udphdr, len), (__u16)l4_len);
		check = p + offsetof(struct udphdr, check);
		sum = pseudo_sum(a->family, a->src, a->dst, IPPROTO_UDP, l4_len);
		break;
	case IPPROTO_TCP:
		put16(p + offsetof(struct tcphdr, source), s->sport);
		put16(p + offsetof(struct tcphdr, dest), s->dport);
		put32(p + offsetof(struct tcphdr, seq), 1);
		put32(p + offsetof(struct tcphdr, ack_seq), 0);
		p[12] = (TCP_HLEN / 4) << 4; /* data offset */
		p[13] = s->tcp_flags ? s->tcp_flags : PKT_DEFAULT_TCP_FLAGS;
		if (p[13] & 0x10)
			put32(p + offsetof(struct tcphdr, ack_seq), 1);
		put16(p + offsetof(struct tcphdr, window), 65535);
		put16(p + offsetof(struct tcphdr, urg_ptr), 0);
		check = p + offsetof(struct tcphdr, check);
		sum = pseudo_sum(a->family, a->src, a->dst, IPPROTO_TCP, l4_len);
		break;
	case IPPROTO_ICMP:
		p[0] = ICMP_ECHO;
		p[1] = 0;
		put16(p + 4, s->sport);
		put16(p + 6, s->dport);
		check = p + 2;
		break;
	default: /* IPPROTO_ICMPV6 */
		p[0] = ICMPV6_ECHO_REQUEST;
		p[1] = 0;
		put16(p + 4, s->sport);
		put16(p + 6, s->dport);
		check = p + 2;
		sum = pseudo_sum(6, a->src, a->dst, IPPROTO_ICMPV6, l4_len);
		break;
	}
	put16(check, 0);
	sum = (__u16)~csum_fold(csum_add(sum, p, l4_len));
	if (s->proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	put16(check, (__u16)sum);
}

int pkt_build(struct pkt_buf *b, const struct pkt_spec *s)
{
	__u32 l2, l3_hlen, l4_len, pl_len, total, off;
	bool nonfirst, proto_ok;
	struct pkt_addrs a;
	__u16 frag_field;
	__u8 ttl;
	__u32 id;

	if (!b || !s || parse_addrs(s->src, s->dst, &a))
		return -EINVAL;
	if (s->vlan < 0 || s->vlan > 4095)
		return -EINVAL;
	if (a.family == 4)
		proto_ok = s->proto == IPPROTO_UDP || s->proto == IPPROTO_TCP ||
			   s->proto == IPPROTO_ICMP;
	else
		proto_ok = s->proto == IPPROTO_UDP || s->proto == IPPROTO_TCP ||
			   s->proto == IPPROTO_ICMPV6;
	if (!proto_ok)
		return -EINVAL;
	if (s->ip_options_len % 4 || s->ip_options_len > 40 || (a.family == 6 && s->ip_options_len))
		return -EINVAL;
	if (s->frag && s->frag_offset > IP4_OFFMASK)
		return -EINVAL;

	pl_len = (!s->payload && !s->payload_len) ? PKT_DEFAULT_PAYLOAD_LEN : s->payload_len;
	if (pl_len > PKT_BUF_SIZE)
		return -EINVAL;
	nonfirst = s->frag && s->frag_offset > 0;
	l4_len = (nonfirst ? 0 : l4_hdr_len(s->proto)) + pl_len;
	if (a.family == 4)
		l3_hlen = IPV4_HLEN + s->ip_options_len;
	else
		l3_hlen = IPV6_HLEN + (s->frag ? FRAG6_HLEN : 0);
	l2 = l2_len(s->vlan);
	total = l2 + l3_hlen + l4_len;
	if (total > PKT_BUF_SIZE)
		return -EINVAL;

	memset(b->data, 0, total);
	ttl = s->ttl ? s->ttl : PKT_DEFAULT_TTL;
	id = s->frag_id ? s->frag_id : PKT_DEFAULT_IP_ID;
	off = write_l2(b->data, s->src_mac, s->dst_mac, s->vlan, a.family);

	/* L4 (or fragment data) first: IPv4 header checksum does not depend on it. */
	if (nonfirst) {
		fill_payload(b->data + off + l3_hlen, s, pl_len);
	} else {
		fill_payload(b->data + off + l3_hlen + l4_hdr_len(s->proto), s, pl_len);
		write_l4(b->data + off + l3_hlen, s, &a, l4_len);
	}

	if (a.family == 4) {
		frag_field = 0;
		if (s->frag)
			frag_field = s->frag_offset | (s->more_frags ? IP4_MF : 0);
		write_ipv4(b->data + off, &a, s->ip_options_len, l4_len, ttl, s->proto, (__u16)id,
			   frag_field);
	} else if (s->frag) {
		__u8 *fh = b->data + off + IPV6_HLEN;

		write_ipv6(b->data + off, &a, FRAG6_HLEN + l4_len, ttl, IPPROTO_FRAGMENT);
		fh[0] = s->proto;
		fh[1] = 0;
		put16(fh + 2, (__u16)(s->frag_offset << 3 | (s->more_frags ? IP6_MF : 0)));
		put32(fh + 4, id);
	} else {
		write_ipv6(b->data + off, &a, l4_len, ttl, s->proto);
	}
	b->len = total;
	return 0;
}

static bool icmp_err_type_ok(int family, __u8 type)
{
	if (family == 4)
		return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
		       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
		       type == ICMP_PARAMETERPROB;
	return type >= ICMPV6_DEST_UNREACH && type <= ICMPV6_PARAMPROB;
}

static int walk(const __u8 *frame, __u32 len, struct pkt_walk *w);

int pkt_build_icmp_error(struct pkt_buf *b, const struct pkt_icmp_err *e,
			 const struct pkt_buf *inner)
{
	__u32 l2, l3_hlen, quote, l4_len, total, off, sum = 0;
	struct pkt_addrs a;
	struct pkt_walk w;
	__u8 *icmp, ttl;

	if (!b || !e || !inner || parse_addrs(e->reporter, e->to, &a))
		return -EINVAL;
	if (e->vlan < 0 || e->vlan > 4095 || !icmp_err_type_ok(a.family, e->type))
		return -EINVAL;
	if (inner->len > PKT_BUF_SIZE || walk(inner->data, inner->len, &w) ||
	    w.lo.family != a.family)
		return -EINVAL;

	/* The whole inner IP packet (as present in the buffer), capped. */
	quote = (w.l3_end < inner->len ? w.l3_end : inner->len) - w.lo.l3_off;
	if (quote > (a.family == 4 ? PKT_ICMP_QUOTE_MAX_V4 : PKT_ICMP_QUOTE_MAX_V6))
		quote = a.family == 4 ? PKT_ICMP_QUOTE_MAX_V4 : PKT_ICMP_QUOTE_MAX_V6;

	l4_len = ICMP_HLEN + quote;
	l3_hlen = a.family == 4 ? IPV4_HLEN : IPV6_HLEN;
	l2 = l2_len(e->vlan);
	total = l2 + l3_hlen + l4_len;
	if (total > PKT_BUF_SIZE)
		return -EINVAL;

	memset(b->data, 0, total);
	ttl = e->ttl ? e->ttl : PKT_DEFAULT_TTL;
	off = write_l2(b->data, e->src_mac, e->dst_mac, e->vlan, a.family);
	icmp = b->data + off + l3_hlen;
	icmp[0] = e->type;
	icmp[1] = e->code;
	memcpy(icmp + ICMP_HLEN, inner->data + w.lo.l3_off, quote);
	if (a.family == 4) {
		if (e->type == ICMP_DEST_UNREACH && e->code == ICMP_FRAG_NEEDED)
			put16(icmp + 6, (__u16)e->mtu);
		write_ipv4(b->data + off, &a, 0, l4_len, ttl, IPPROTO_ICMP, PKT_DEFAULT_IP_ID, 0);
	} else {
		if (e->type == ICMPV6_PKT_TOOBIG)
			put32(icmp + 4, e->mtu);
		write_ipv6(b->data + off, &a, l4_len, ttl, IPPROTO_ICMPV6);
		sum = pseudo_sum(6, a.src, a.dst, IPPROTO_ICMPV6, l4_len);
	}
	put16(icmp + 2, (__u16)~csum_fold(csum_add(sum, icmp, l4_len)));
	b->len = total;
	return 0;
}

static int walk_ipv6_ext(const __u8 *frame, __u32 len, struct pkt_walk *w)
{
	__u8 nh = frame[w->lo.l3_off + offsetof(struct ipv6hdr, nexthdr)];
	__u32 off = w->lo.l3_off + IPV6_HLEN;
	__u32 hlen;
	int i;

	for (i = 0; i < MAX_V6_EXT; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			w->lo.l4_off = off;
			w->lo.proto = nh;
			return 0;
		}
		if (off + 8 > len)
			return -EINVAL;
		if (nh == IPPROTO_FRAGMENT) {
			hlen = FRAG6_HLEN;
			w->frag = true;
		} else if (nh == IPPROTO_AH) {
			hlen = ((__u32)frame[off + 1] + 2) * 4;
		} else {
			hlen = ((__u32)frame[off + 1] + 1) * 8;
		}
		nh = frame[off];
		off += hlen;
		if (off > len)
			return -EINVAL;
	}
	return -EINVAL;
}

static int walk(const __u8 *frame, __u32 len, struct pkt_walk *w)
{
	__u32 off = 2 * ETH_ALEN, ihl;
	__u16 type;

	memset(w, 0, sizeof(*w));
	if (!frame || len < ETH_HLEN)
		return -EINVAL;
	type = get16(frame + off);
	if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return -EINVAL;
		w->lo.vlan = get16(frame + off + 2) & 0x0fff;
		off += VLAN_HLEN;
		type = get16(frame + off);
	}
	off += 2;
	w->lo.l3_off = off;

	if (type == ETH_P_IP) {
		if (len < off + IPV4_HLEN || frame[off] >> 4 != 4)
			return -EINVAL;
		ihl = (frame[off] & 0x0f) * 4u;
		if (ihl < IPV4_HLEN || len < off + ihl)
			return -EINVAL;
		w->l3_end = off + get16(frame + off + offsetof(struct iphdr, tot_len));
		if (w->l3_end < off + ihl)
			return -EINVAL;
		w->frag = get16(frame + off + offsetof(struct iphdr, frag_off)) &
			  (IP4_MF | IP4_OFFMASK);
		w->lo.family = 4;
		w->lo.l4_off = off + ihl;
		w->lo.proto = frame[off + offsetof(struct iphdr, protocol)];
		return 0;
	}
	if (type == ETH_P_IPV6) {
		if (len < off + IPV6_HLEN || frame[off] >> 4 != 6)
			return -EINVAL;
		w->l3_end = off + IPV6_HLEN +
			    get16(frame + off + offsetof(struct ipv6hdr, payload_len));
		w->lo.family = 6;
		if (walk_ipv6_ext(frame, len, w))
			return -EINVAL;
		if (w->lo.l4_off > w->l3_end)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int pkt_parse_layout(const __u8 *frame, __u32 len, struct pkt_layout *out)
{
	struct pkt_walk w;

	if (!out || walk(frame, len, &w))
		return -EINVAL;
	*out = w.lo;
	return 0;
}

bool pkt_ipv4_csum_ok(const __u8 *frame, __u32 len)
{
	struct pkt_walk w;
	__u32 ihl;

	if (walk(frame, len, &w))
		return false;
	if (w.lo.family != 4)
		return true;
	ihl = w.lo.l4_off - w.lo.l3_off;
	return csum_fold(csum_add(0, frame + w.lo.l3_off, ihl)) == 0xffff;
}

bool pkt_l4_csum_ok(const __u8 *frame, __u32 len)
{
	const __u8 *src, *dst, *l4;
	struct pkt_walk w;
	__u32 l4_len, sum;
	__u16 ulen;

	if (walk(frame, len, &w) || w.l3_end > len)
		return false;
	if (w.frag)
		return true;
	l4 = frame + w.lo.l4_off;
	l4_len = w.l3_end - w.lo.l4_off;
	if (w.lo.family == 4) {
		src = frame + w.lo.l3_off + offsetof(struct iphdr, saddr);
		dst = frame + w.lo.l3_off + offsetof(struct iphdr, daddr);
	} else {
		src = frame + w.lo.l3_off + offsetof(struct ipv6hdr, saddr);
		dst = frame + w.lo.l3_off + offsetof(struct ipv6hdr, daddr);
	}

	switch (w.lo.proto) {
	case IPPROTO_UDP:
		if (l4_len < UDP_HLEN)
			return false;
		ulen = get16(l4 + offsetof(struct udphdr, len));
		if (ulen < UDP_HLEN || ulen > l4_len)
			return false;
		if (get16(l4 + offsetof(struct udphdr, check)) == 0)
			return w.lo.family == 4;
		sum = pseudo_sum(w.lo.family, src, dst, IPPROTO_UDP, ulen);
		return csum_fold(csum_add(sum, l4, ulen)) == 0xffff;
	case IPPROTO_TCP:
		if (l4_len < TCP_HLEN)
			return false;
		sum = pseudo_sum(w.lo.family, src, dst, IPPROTO_TCP, l4_len);
		return csum_fold(csum_add(sum, l4, l4_len)) == 0xffff;
	case IPPROTO_ICMP:
		if (w.lo.family != 4 || l4_len < ICMP_HLEN)
			return false;
		return csum_fold(csum_add(0, l4, l4_len)) == 0xffff;
	case IPPROTO_ICMPV6:
		if (w.lo.family != 6 || l4_len < ICMP_HLEN)
			return false;
		sum = pseudo_sum(6, src, dst, IPPROTO_ICMPV6, l4_len);
		return csum_fold(csum_add(sum, l4, l4_len)) == 0xffff;
	default:
		return true;
	}
}
