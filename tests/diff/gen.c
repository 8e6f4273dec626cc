// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The differential test's frame generator (see gen.h). */
#include "gen.h"

#include <string.h>
#include <netinet/in.h>

#define P_ICMPV6 58
#define P_GRE 47

static const __u16 ports[] = { 53, 80, 443, 40000, 0, 1 };
static const __u8 martians4[][4] = { { 0, 0, 0, 0 },   { 0, 1, 2, 3 },
				     { 127, 0, 0, 1 }, { 224, 0, 0, 5 },
				     { 239, 1, 1, 1 }, { 255, 255, 255, 255 },
				     { 240, 0, 0, 1 }, { 223, 255, 255, 255 } };

struct builder {
	__u8 *p;
	__u32 len;
};

static void put(struct builder *b, const void *src, __u32 n)
{
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put8(struct builder *b, __u32 v)
{
	b->p[b->len++] = (__u8)v;
}

static void put16(struct builder *b, __u32 v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void set16(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static void fill(struct rng *r, struct builder *b, __u32 n)
{
	while (n--)
		put8(b, (__u32)rng_next(r));
}

static bool v4(const __u8 a[16])
{
	static const __u8 prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, 12);
}

static void ipv4_csum(__u8 *ip)
{
	__u32 hl = (ip[0] & 15) * 4u, sum = 0, i;

	set16(ip + 10, 0);
	for (i = 0; i + 1 < hl; i += 2)
		sum += (__u32)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(ip + 10, ~sum & 0xffff);
}

/* IPv4 options of @n bytes (a multiple of 4): a mix of NOP, RR, TS, routes, EOL, junk. */
static void ipv4_options(struct rng *r, __u8 *o, __u32 n)
{
	__u32 off = 0, l;

	memset(o, 1, n);
	while (off < n) {
		switch (rng_below(r, 8)) {
		case 0:
			o[off] = 0; /* EOL: the rest is ignored */
			return;
		case 1:
		case 2:
			off++;
			break;
		case 3: /* a route: record (7), loose (131), strict (137) */
		case 4:
			l = 3 + 4 * rng_below(r, 3);
			if (off + l > n)
				return;
			o[off] = (__u8[]){ 7, 131, 137, 68 }[rng_below(r, 4)];
			o[off + 1] = (__u8)l;
			o[off + 2] = 4;
			off += l;
			break;
		case 5: /* a junk length */
			if (off + 1 < n) {
				o[off] = 7;
				o[off + 1] = (__u8)rng_below(r, 50);
			}
			return;
		default:
			o[off] = (__u8)rng_next(r);
			off++;
		}
	}
}

/* Upper layer of @proto from @sport to @dport, payload @pay bytes. */
static void upper(struct rng *r, struct builder *b, __u8 proto, __u16 sport, __u16 dport, __u32 pay)
{
	if (proto == IPPROTO_UDP) {
		put16(b, sport);
		put16(b, dport);
		put16(b, 8 + pay);
		put16(b, 0);
	} else if (proto == IPPROTO_TCP) {
		put16(b, sport);
		put16(b, dport);
		fill(r, b, 8);
		put8(b, rng_pct(r, 95) ? 5 << 4 : rng_below(r, 16) << 4);
		put8(b, 0x10);
		fill(r, b, 6);
	} else if (proto == IPPROTO_ICMP || proto == P_ICMPV6) {
		put8(b, proto == IPPROTO_ICMP ? 8 : 128); /* echo request */
		put8(b, 0);
		put16(b, 0);
		put16(b, sport);
		put16(b, dport);
	}
	fill(r, b, pay);
}

struct l3 {
	__u8 src[16], dst[16];
	__u8 proto, ttl;
	bool frag, later_frag;
	__u32 options; /* IPv4: bytes of options */
	__u32 exts; /* IPv6: extension headers before the upper layer */
};

/* An IP packet per @h into @b, upper layer from @up (@n bytes). */
static void ip_packet(struct rng *r, struct builder *b, const struct l3 *h, const __u8 *up, __u32 n)
{
	static const __u8 ext_types[] = { 0, 60, 43, 44 };
	__u8 *ip = b->p + b->len, *nh;
	__u32 i, hl, start;

	if (v4(h->dst)) {
		hl = 20 + h->options;
		put8(b, 0x40 | hl / 4);
		put8(b, (__u32)rng_next(r));
		put16(b, hl + n);
		fill(r, b, 2);
		put16(b, h->frag ? (h->later_frag ? 1 + rng_below(r, 0x1fff) : 0) |
					   (rng_pct(r, 70) ? 0x2000 : 0)
				 : (rng_pct(r, 30) ? 0x4000 : 0));
		put8(b, h->ttl);
		put8(b, h->proto);
		put16(b, 0);
		put(b, h->src + 12, 4);
		put(b, h->dst + 12, 4);
		ipv4_options(r, b->p + b->len, h->options);
		b->len += h->options;
		put(b, up, n);
		ipv4_csum(ip);
		return;
	}
	put8(b, 0x60);
	fill(r, b, 3);
	put16(b, 0); /* payload length, below */
	nh = b->p + b->len;
	put8(b, h->proto);
	put8(b, h->ttl);
	put(b, h->src, 16);
	put(b, h->dst, 16);
	start = b->len;
	for (i = 0; i < h->exts + (h->frag ? 1 : 0); i++) {
		__u8 type = i == h->exts ? 44 : ext_types[rng_below(r, sizeof(ext_types))];
		__u8 *e = b->p + b->len;

		e[0] = *nh;
		*nh = type;
		nh = e;
		if (type == 44) {
			e[1] = 0;
			set16(e + 2,
			      h->frag ? (h->later_frag ? 8 * (1 + rng_below(r, 0x1fff)) : 0) |
						(rng_pct(r, 70) ? 1 : 0)
				      : 0);
			memset(e + 4, 0x5a, 4);
			b->len += 8;
			continue;
		}
		hl = 8 * (1 + (rng_pct(r, 80) ? rng_below(r, 3) : rng_below(r, 24)));
		e[1] = (__u8)(hl / 8 - 1);
		memset(e + 2, 0, hl - 2);
		e[2] = 1; /* PadN */
		e[3] = (__u8)(hl - 4);
		b->len += hl;
	}
	put(b, up, n);
	set16(ip + 4, b->len - start);
}

/* A slot twin: another address with the VIP index slot of @a (the xor of the
 * address's words, folded, is unchanged when two words flip the same bits). */
static void twin(__u8 a[16])
{
	if (v4(a)) {
		a[13] ^= 1;
		a[15] ^= 1;
	} else {
		a[11] ^= 1;
		a[15] ^= 1;
	}
}

static void pick_dst(struct rng *r, const struct world *w, __u8 dst[16], __u8 *proto, __u16 *dport)
{
	const struct xdpcast_vip_key *k;
	__u32 pick = rng_below(r, 100);

	*proto = (__u8[]){ IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, P_GRE }[rng_below(r, 4)];
	*dport = ports[rng_below(r, 6)];
	if (pick < 83 && w->nvips) {
		k = &w->vips[rng_below(r, w->nvips)];
		memcpy(dst, k->addr, 16);
		if (k->proto && rng_pct(r, 70))
			*proto = k->proto;
		if (k->port && rng_pct(r, 70))
			*dport = ntohs(k->port);
		if (pick >= 75)
			twin(dst);
	} else {
		memcpy(dst, w->clients[rng_below(r, WORLD_MAX_CLIENTS)], 16);
		dst[15] ^= 0x80;
	}
	if (*proto == IPPROTO_ICMP && !v4(dst))
		*proto = P_ICMPV6;
	if (*proto == P_ICMPV6 && v4(dst))
		*proto = IPPROTO_ICMP;
}

static void pick_src(struct rng *r, const struct world *w, const __u8 dst[16], __u8 src[16])
{
	__u32 i = rng_below(r, WORLD_MAX_CLIENTS / 2) * 2 + (v4(dst) ? 1 : 0);
	static const __u8 martians6[][16] = { { 0 },
					      { [15] = 1 },
					      { 0xff, 0x02, [15] = 1 },
					      { [10] = 0xff, [11] = 0xff, 198, 51, 100, 7 } };

	memcpy(src, w->clients[i], 16);
	if (!rng_pct(r, 6))
		return;
	if (v4(dst))
		memcpy(src + 12, martians4[rng_below(r, 8)], 4);
	else
		memcpy(src, martians6[rng_below(r, 4)], 16);
}

/* The upper layer of an ICMP or ICMPv6 error quoting a packet the VIP sent back. */
static __u32 icmp_error(struct rng *r, const struct l3 *outer, __u8 *up, __u16 sport, __u16 dport)
{
	static const __u8 types4[] = { 3, 11, 3, 11, 4, 12, 0 };
	static const __u8 types6[] = { 1, 2, 3, 1, 2, 4, 129 };
	struct builder b = { up, 0 }, q = { up + 8, 0 };
	__u8 inner_up[64];
	struct builder ib = { inner_up, 0 };
	struct l3 in = { 0 };
	bool is4 = v4(outer->dst);

	put8(&b, is4 ? types4[rng_below(r, 7)] : types6[rng_below(r, 7)]);
	put8(&b, (__u32)rng_below(r, 5));
	put16(&b, 0);
	put16(&b, 0);
	put16(&b, 1280);
	memcpy(in.src, outer->dst, 16);
	memcpy(in.dst, outer->src, 16);
	in.proto = (__u8[]){ IPPROTO_UDP, IPPROTO_TCP, P_GRE }[rng_below(r, 3)];
	in.ttl = 64;
	in.frag = rng_pct(r, 15);
	in.later_frag = in.frag && rng_pct(r, 50);
	in.options = is4 && rng_pct(r, 15) ? 4 * (1 + rng_below(r, 3)) : 0;
	upper(r, &ib, in.proto, dport, sport, 8);
	ip_packet(r, &q, &in, inner_up, ib.len);
	/* routers quote what fits; sometimes less than the ports */
	if (rng_pct(r, 20))
		q.len = rng_below(r, q.len + 1);
	return b.len + q.len;
}

/* Ethernet header (and tags) for @ethertype into @b. */
static void ethernet(struct rng *r, const struct world *w, struct builder *b, __u32 ethertype)
{
	static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const __u8 mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x05 };
	__u32 pick = rng_below(r, 100);

	if (pick < 82)
		put(b, w->router_mac, 6);
	else if (pick < 87)
		put(b, bcast, 6);
	else if (pick < 92)
		put(b, mcast, 6);
	else
		fill(r, b, 6);
	fill(r, b, 6);
	pick = rng_below(r, 100);
	if (pick < 22) {
		put16(b, 0x8100);
		put16(b, rng_below(r, 0x10000));
	} else if (pick < 26) {
		put16(b, rng_pct(r, 50) ? 0x88a8 : 0x8100);
		put16(b, rng_below(r, 0x10000));
		put16(b, 0x8100);
		put16(b, rng_below(r, 0x10000));
	}
	put16(b, rng_pct(r, 97) ? ethertype : rng_below(r, 0x10000));
}

/* One mutation of a built frame. */
static void mutate(struct rng *r, struct gen_frame *f, __u32 l3)
{
	__u8 *ip = f->data + l3;
	__u32 n = f->len, at;

	switch (rng_below(r, 10)) {
	case 0:
	case 1:
	case 2: /* truncation, anywhere from the Ethernet header on */
		f->len = 14 + rng_below(r, n - 14 + 1);
		return;
	case 3: /* a byte anywhere in the first 128 */
		at = rng_below(r, n < 128 ? n : 128);
		f->data[at] = (__u8)rng_next(r);
		return;
	case 4: /* a byte of the IP header, then a right IPv4 checksum */
		at = l3 + rng_below(r, 40);
		if (at < n)
			f->data[at] = (__u8)rng_next(r);
		if (n >= l3 + 20 && (ip[0] >> 4) == 4 && (ip[0] & 15) >= 5 &&
		    l3 + (ip[0] & 15) * 4u <= n && rng_pct(r, 70))
			ipv4_csum(ip);
		return;
	case 5: /* the IP length field */
		if (n >= l3 + 8)
			set16(ip + ((ip[0] >> 4) == 6 ? 4 : 2),
			      rng_below(r, 0x10000) & (rng_pct(r, 50) ? 0xff : 0xffff));
		if (n >= l3 + 20 && (ip[0] >> 4) == 4 && (ip[0] & 15) >= 5 &&
		    l3 + (ip[0] & 15) * 4u <= n)
			ipv4_csum(ip);
		return;
	case 6: /* Ethernet padding */
		at = rng_below(r, 40);
		if (n + at <= GEN_FRAME_MAX) {
			memset(f->data + n, 0, at);
			f->len += at;
		}
		return;
	case 7: /* the IPv4 checksum */
		if (n >= l3 + 12)
			ip[10 + rng_below(r, 2)] ^= (__u8)(1 + rng_below(r, 255));
		return;
	default: /* a byte past the IP header: upper layers, quoted packets */
		at = l3 + 20 + rng_below(r, 80);
		if (at < n)
			f->data[at] = (__u8)rng_next(r);
	}
}

void gen_frame(struct rng *r, const struct world *w, struct gen_frame *f)
{
	struct builder b = { f->data, 0 };
	__u8 up[1024];
	struct builder ub = { up, 0 };
	struct l3 h = { 0 };
	__u16 dport, sport = (__u16)(1024 + rng_below(r, 8));
	__u32 l3, mutations;
	bool is4;

	pick_dst(r, w, h.dst, &h.proto, &dport);
	pick_src(r, w, h.dst, h.src);
	is4 = v4(h.dst);
	h.ttl = (__u8[]){ 64, 255, 2, 1, 0, 128 }[rng_below(r, 6)];
	h.frag = rng_pct(r, 10);
	h.later_frag = h.frag && rng_pct(r, 50);
	if (is4 && rng_pct(r, 15))
		h.options = 4 * (1 + rng_below(r, 10));
	if (!is4 && rng_pct(r, 25))
		h.exts = 1 + rng_below(r, rng_pct(r, 80) ? 3 : 6);
	if ((h.proto == IPPROTO_ICMP || h.proto == P_ICMPV6) && rng_pct(r, 60))
		ub.len = icmp_error(r, &h, up, sport, dport);
	else
		upper(r, &ub, h.proto, sport, dport, rng_below(r, 48));
	if (h.later_frag) /* a later fragment carries no upper header */
		ub.len = rng_below(r, 48);

	ethernet(r, w, &b, is4 ? 0x0800 : 0x86dd);
	l3 = b.len;
	ip_packet(r, &b, &h, up, ub.len);
	f->len = b.len;
	f->ifindex = rng_pct(r, 80) ? w->ifindex_in : w->ifindex_out;
	mutations = rng_pct(r, 45) ? 1 + rng_below(r, 3) : 0;
	while (mutations--)
		mutate(r, f, l3);
}
