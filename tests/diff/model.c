// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The reference model (see model.h): docs/dataplane.md's stages as plain C
 * over a byte array. Multi-byte fields are read in network order and
 * compared as numbers; the flow hash words are the addresses and ports as
 * they sit in memory (the ABI's rule), read with memcpy.
 */
#include "model.h"

#include <string.h>
#include <linux/bpf.h>

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define TPID_8021Q 0x8100
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define P_HOPOPTS 0
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_ICMPV6 58
#define P_DSTOPTS 60
#define EXT_WALKED 4 /* IPv6 extension headers walked */
#define GO (-1) /* a stage that has not decided yet (reason 0 is pass_not_ip) */

/* What the parse learns: the flow as the client sent it. */
struct flow {
	int family;
	__u8 src[16], dst[16]; /* IPv4: IPv4-mapped */
	__u8 sport[2], dport[2]; /* as on the wire; 0 when none */
	__u8 proto;
	__u8 ttl;
	bool tagged;
	__u32 l3; /* offset of the IP header */
};

static __u32 rd16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static __u32 rol(__u32 x, int k)
{
	return (x << k) | (x >> (32 - k));
}

__u32 model_jhash_words(const __u32 *k, __u32 n, __u32 initval)
{
	__u32 a, b, c;

	a = b = c = 0xdeadbeef + (n << 2) + initval;
	while (n > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		/* mix() */
		a -= c, a ^= rol(c, 4), c += b;
		b -= a, b ^= rol(a, 6), a += c;
		c -= b, c ^= rol(b, 8), b += a;
		a -= c, a ^= rol(c, 16), c += b;
		b -= a, b ^= rol(a, 19), a += c;
		c -= b, c ^= rol(b, 4), b += a;
		n -= 3;
		k += 3;
	}
	c += k[2];
	b += k[1];
	a += k[0];
	/* final() */
	c ^= b, c -= rol(b, 14);
	a ^= c, a -= rol(c, 11);
	b ^= a, b -= rol(a, 25);
	c ^= b, c -= rol(b, 16);
	a ^= c, a -= rol(c, 4);
	b ^= a, b -= rol(a, 14);
	c ^= b, c -= rol(b, 24);
	return c;
}

static void mapped4(__u8 out[16], const __u8 *a4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a4, 4);
}

static __u32 word(const __u8 *p)
{
	__u32 w;

	memcpy(&w, p, 4);
	return w;
}

/* The VIP index slot of an address (abi.h's function, words as in memory). */
static __u32 slot_of(const __u8 a[16])
{
	return xdpcast_vip_index_slot(word(a), word(a + 4), word(a + 8), word(a + 12));
}

/* Some VIP address shares the slot of @dst: the packet is a VIP candidate. */
static bool slot_used(const struct model_state *s, const __u8 dst[16])
{
	int i;

	for (i = 0; i < s->nvips; i++)
		if (slot_of((const __u8 *)s->vips[i].key.addr) == slot_of(dst))
			return true;
	return false;
}

/* The VIP of the flow, most specific key first; -1: none. */
static int find_vip(const struct model_state *s, const struct flow *f)
{
	__u16 dport = (__u16)(f->dport[0] << 8 | f->dport[1]);
	int i, pass;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < s->nvips; i++) {
			const struct xdpcast_vip_key *k = &s->vips[i].key;
			__u16 kport = (__u16)(((const __u8 *)&k->port)[0] << 8 |
					      ((const __u8 *)&k->port)[1]);

			if (memcmp(k->addr, f->dst, 16))
				continue;
			if (pass == 0 && dport && k->proto == f->proto && kport == dport)
				return i;
			if (pass == 1 && k->proto == f->proto && !kport)
				return i;
			if (pass == 2 && !k->proto && !kport)
				return i;
		}
	}
	return -1;
}

/* Ports of an upper header at @p (@n bytes left): 0, or a reason. */
static int parse_ports(struct flow *f, const __u8 *p, __u32 n)
{
	if (f->proto == P_UDP) {
		if (n < 8)
			return XDPCAST_PASS_MALFORMED;
	} else if (f->proto == P_TCP) {
		if (n < 20 || (p[12] >> 4) < 5)
			return XDPCAST_PASS_MALFORMED;
	} else {
		return GO;
	}
	memcpy(f->sport, p, 2);
	memcpy(f->dport, p + 2, 2);
	return GO;
}

/* The quoted packet's ports turned around (it was sent by the VIP). */
static int quoted_ports(struct flow *f, const __u8 *p, __u32 n)
{
	if (f->proto != P_UDP && f->proto != P_TCP)
		return GO;
	if (n < 4)
		return XDPCAST_PASS_MALFORMED;
	memcpy(f->sport, p + 2, 2);
	memcpy(f->dport, p, 2);
	return GO;
}

/* An IPv4 header at @p, @n bytes left: valid version, IHL, options in the frame,
 * total length covering the header. Its length, or 0. */
static __u32 ipv4_header(const __u8 *p, __u32 n)
{
	__u32 hl;

	if (n < 20 || (p[0] >> 4) != 4 || (p[0] & 15) < 5)
		return 0;
	hl = (p[0] & 15) * 4u;
	if (hl > n || rd16(p + 2) < hl)
		return 0;
	return hl;
}

static bool ipv4_fragment(const __u8 *ip)
{
	return rd16(ip + 6) & 0x3fff;
}

/* IPv4 after the VIP candidate test: the flow's protocol and ports. */
static int parse_ipv4_upper(struct flow *f, const __u8 *ip, __u32 hl, __u32 n)
{
	const __u8 *up = ip + hl, *in;
	__u32 left = n - hl, ihl;

	if (ipv4_fragment(ip))
		return GO;
	if (f->proto != P_ICMP)
		return parse_ports(f, up, left);
	if (left < 8)
		return XDPCAST_PASS_MALFORMED;
	if (up[0] != 3 && up[0] != 11)
		return GO;
	in = up + 8;
	ihl = ipv4_header(in, left - 8);
	if (!ihl)
		return XDPCAST_PASS_MALFORMED;
	mapped4(f->src, in + 16);
	f->proto = in[9];
	if (ipv4_fragment(in))
		return GO;
	return quoted_ports(f, in + ihl, left - 8 - ihl);
}

static bool ipv4_martian(const __u8 *a)
{
	return a[0] == 0 || a[0] == 127 || (a[0] >= 224 && a[0] <= 239) ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static bool ipv6_martian(const __u8 *a)
{
	static const __u8 zero[16];

	if (a[0] == 0xff)
		return true;
	if (memcmp(a, zero, 10))
		return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return true;
	return !memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1);
}

/* IPv4 options: SOURCE_ROUTE, MALFORMED or 0, walked in order to an end of list. */
static int ipv4_options(const __u8 *o, __u32 len)
{
	__u32 off = 0;

	while (off < len) {
		if (o[off] == 0)
			return GO;
		if (o[off] == 1) {
			off++;
			continue;
		}
		if (o[off] == 131 || o[off] == 137)
			return XDPCAST_PASS_SOURCE_ROUTE;
		if (off + 1 >= len || o[off + 1] < 2 || o[off + 1] > len - off)
			return XDPCAST_PASS_MALFORMED;
		off += o[off + 1];
	}
	return GO;
}

/* Destination MAC: broadcast, multicast, another host's; 0 when ours. */
static int check_l2(const struct model_state *s, const __u8 *mac)
{
	static const __u8 zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!memcmp(mac, bcast, 6))
		return XDPCAST_PASS_L2_BROADCAST;
	if (mac[0] & 1)
		return XDPCAST_PASS_L2_MULTICAST;
	if (memcmp(s->attached_mac, zero, 6) && memcmp(mac, s->attached_mac, 6))
		return XDPCAST_PASS_L2_OTHERHOST;
	return GO;
}

static int parse_ipv4(const struct model_state *s, struct flow *f, const __u8 *fr, __u32 len)
{
	const __u8 *ip = fr + f->l3;
	__u32 n = len - f->l3, hl = ipv4_header(ip, n);
	int r;

	if (!hl)
		return XDPCAST_PASS_MALFORMED;
	mapped4(f->dst, ip + 16);
	if (!slot_used(s, f->dst))
		return XDPCAST_PASS_NOT_VIP;
	f->family = 4;
	f->ttl = ip[8];
	mapped4(f->src, ip + 12);
	f->proto = ip[9];
	r = parse_ipv4_upper(f, ip, hl, n);
	if (r != GO)
		return r;
	/* then the checks of frames the kernel would not forward, in order */
	r = check_l2(s, fr);
	if (r != GO)
		return r;
	if (rd16(ip + 2) > n)
		return XDPCAST_PASS_BAD_LENGTH;
	if (ipv4_martian(ip + 12))
		return XDPCAST_PASS_MARTIAN;
	return ipv4_options(ip + 20, hl - 20);
}

/* The quoted packet of an ICMPv6 error at @in, @n bytes. */
static int icmp6_quote(struct flow *f, const __u8 *in, __u32 n)
{
	if (n < 40 || (in[0] >> 4) != 6)
		return XDPCAST_PASS_MALFORMED;
	memcpy(f->src, in + 24, 16);
	f->proto = in[6];
	in += 40;
	n -= 40;
	if (f->proto == P_FRAGMENT) {
		if (n < 8)
			return XDPCAST_PASS_MALFORMED;
		f->proto = in[0];
		if (rd16(in + 2) & 0xfff9)
			return GO;
		in += 8;
		n -= 8;
	}
	return quoted_ports(f, in, n);
}

static int parse_ipv6(const struct model_state *s, struct flow *f, const __u8 *fr, __u32 len)
{
	const __u8 *ip = fr + f->l3, *p;
	__u32 n = len - f->l3, off = 40, hl;
	bool fragment = false;
	int i, r = GO;

	if (n < 40 || (ip[0] >> 4) != 6)
		return XDPCAST_PASS_MALFORMED;
	memcpy(f->dst, ip + 24, 16);
	if (!slot_used(s, f->dst))
		return XDPCAST_PASS_NOT_VIP;
	if (!memcmp(f->dst, (const __u8[12]){ [10] = 0xff, [11] = 0xff }, 12))
		return XDPCAST_PASS_NOT_VIP; /* IPv4-mapped: IPv4 VIPs' keys, never on the wire */
	f->family = 6;
	f->ttl = ip[7];
	memcpy(f->src, ip + 8, 16);
	f->proto = ip[6];
	for (i = 0; i < EXT_WALKED && !fragment; i++) {
		p = ip + off;
		if (f->proto == P_HOPOPTS || f->proto == P_ROUTING || f->proto == P_DSTOPTS) {
			if (off + 2 > n)
				return XDPCAST_PASS_MALFORMED;
			hl = (p[1] + 1u) * 8;
			if (off + hl > n)
				return XDPCAST_PASS_MALFORMED;
			f->proto = p[0];
			off += hl;
		} else if (f->proto == P_FRAGMENT) {
			if (off + 8 > n)
				return XDPCAST_PASS_MALFORMED;
			f->proto = p[0];
			off += 8;
			fragment = rd16(p + 2) & 0xfff9;
		} else {
			break;
		}
	}
	if (!fragment) {
		if (f->proto == P_HOPOPTS || f->proto == P_ROUTING || f->proto == P_DSTOPTS ||
		    f->proto == P_FRAGMENT)
			return XDPCAST_PASS_MALFORMED; /* more than walked */
		p = ip + off;
		if (f->proto != P_ICMPV6) {
			r = parse_ports(f, p, n - off);
		} else if (n - off < 8) {
			r = XDPCAST_PASS_MALFORMED;
		} else if (p[0] >= 1 && p[0] <= 3) {
			r = icmp6_quote(f, p + 8, n - off - 8);
		}
		if (r != GO)
			return r;
	}
	r = check_l2(s, fr);
	if (r != GO)
		return r;
	if (40 + rd16(ip + 4) > n)
		return XDPCAST_PASS_BAD_LENGTH;
	if (ipv6_martian(ip + 8))
		return XDPCAST_PASS_MARTIAN;
	return GO;
}

/* The flow hash: IPv4 three words (source, destination, ports as
 * sport << 16 | dport of the in-memory halves), IPv6 nine (the addresses'
 * words, then the two ports as one word); seed xor protocol. */
static __u32 flow_hash(const struct model_state *s, const struct flow *f)
{
	__u16 sp, dp;
	__u32 k[9], i;

	memcpy(&sp, f->sport, 2);
	memcpy(&dp, f->dport, 2);
	if (f->family == 4) {
		k[0] = word(f->src + 12);
		k[1] = word(f->dst + 12);
		k[2] = (__u32)sp << 16 | dp;
		return model_jhash_words(k, 3, s->seed ^ f->proto);
	}
	for (i = 0; i < 4; i++) {
		k[i] = word(f->src + 4 * i);
		k[4 + i] = word(f->dst + 4 * i);
	}
	memcpy(&k[8], f->sport, 2);
	memcpy((__u8 *)&k[8] + 2, f->dport, 2);
	return model_jhash_words(k, 9, s->seed ^ f->proto);
}

static __u32 scale(__u32 hash, __u32 n)
{
	return (__u32)(((__u64)hash * n) >> 32);
}

static const struct xdpcast_backend *backend(const struct model_state *s, __u32 id, bool draining)
{
	const struct xdpcast_backend *b;

	if (id >= XDPCAST_MAX_BACKENDS)
		return NULL;
	b = &s->backends[id];
	if (b->state == XDPCAST_BACKEND_UP || (draining && b->state == XDPCAST_BACKEND_DRAINING))
		return b;
	return NULL;
}

static bool same_flow(const struct xdpcast_flow_entry *e, const struct flow *f)
{
	return e->state != XDPCAST_FLOW_EMPTY && !memcmp(e->src, f->src, 16) &&
	       !memcmp(&e->sport, f->sport, 2) && !memcmp(&e->dport, f->dport, 2) &&
	       e->proto == f->proto;
}

static void flow_write(struct xdpcast_flow_entry *e, const struct flow *f, __u32 hash, __u32 id)
{
	memcpy(e->src, f->src, 16);
	memcpy(&e->sport, f->sport, 2);
	memcpy(&e->dport, f->dport, 2);
	e->proto = f->proto;
	e->state = XDPCAST_FLOW_USED;
	e->hash = hash;
	e->backend = id;
}

/* docs/dataplane.md, steer: the flow table, then the Maglev table. */
static const struct xdpcast_backend *choose(struct model_state *s, int vi, const struct flow *f,
					    __u32 *id, struct model_out *out)
{
	struct model_vip *v = &s->vips[vi];
	struct xdpcast_flow_entry *e = NULL, *w;
	struct xdpcast_flow_set *set = NULL;
	const struct xdpcast_backend *b = NULL;
	__u32 hash = flow_hash(s, f), si, i;

	if ((v->vip.flags & XDPCAST_VIP_F_FLOW_TABLE) && v->flows) {
		si = scale(hash, v->flow_sets);
		set = &v->flows[si];
		for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
			if (!same_flow(&set->way[i], f))
				continue;
			/* the first way with the key and hash decides; a hash that
			 * disagrees: a miss, or for IPv4 flows, the next way */
			if (set->way[i].hash == hash)
				e = &set->way[i];
			if (e || !v->flow4)
				break;
		}
		if (e) {
			b = backend(s, e->backend, true);
			if (b) {
				*id = e->backend;
				e->state = XDPCAST_FLOW_USED;
				out->flow_vip = vi;
				out->flow_set = si;
				out->flow_op = MODEL_FLOW_HIT;
				return b;
			}
		}
	}
	if (v->table) {
		*id = v->table[scale(hash, v->table_size)];
		b = backend(s, *id, false);
	}
	if (!b || !set)
		return b;
	out->flow_vip = vi;
	out->flow_set = scale(hash, v->flow_sets);
	if (e) {
		e->state = XDPCAST_FLOW_USED;
		e->hash = hash;
		e->backend = *id;
		out->flow_op = MODEL_FLOW_REPOINT;
		return b;
	}
	out->flow_op = MODEL_FLOW_INSERT;
	for (i = 0; i < XDPCAST_FLOW_WAYS && !e; i++)
		if (set->way[i].state == XDPCAST_FLOW_EMPTY)
			e = &set->way[i];
	for (i = 0; i < XDPCAST_FLOW_WAYS && !e; i++)
		if (set->way[i].state == XDPCAST_FLOW_IDLE)
			e = &set->way[i];
	if (!e) {
		for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
			w = &set->way[i];
			w->state = XDPCAST_FLOW_IDLE;
		}
		e = &set->way[hash % XDPCAST_FLOW_WAYS];
		out->flow_op = MODEL_FLOW_EVICT;
	}
	flow_write(e, f, hash, *id);
	return b;
}

/* docs/dataplane.md, forward: the frame as it leaves for backend @b. */
static int forward(const struct model_state *s, const struct flow *f,
		   const struct xdpcast_backend *b, __u32 ifindex, const __u8 *in, __u32 len,
		   struct model_out *out)
{
	__u32 ingress = s->attached_ifindex ? s->attached_ifindex : ifindex, l3, sum;
	bool tagged = b->vlan != 0;
	int verdict = XDPCAST_TX;
	__u8 *fr = out->frame, *ip;
	__u32 tci;

	if (!(b->flags & XDPCAST_BACKEND_F_MAC_KNOWN))
		return XDPCAST_PASS_NO_NEIGH;
	if (b->ifindex != ingress) {
		if (b->ifindex > XDPCAST_EGRESS_IFINDEX_MAX || !s->egress[b->ifindex])
			return XDPCAST_PASS_NO_EGRESS;
		verdict = XDPCAST_REDIRECT;
	}
	/* the Ethernet header is rebuilt; the L3 packet moves as is */
	l3 = tagged ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
	out->len = len - f->l3 + l3;
	memcpy(fr + l3, in + f->l3, len - f->l3);
	memcpy(fr, b->dst_mac, 6);
	memcpy(fr + 6, b->src_mac, 6);
	if (tagged) {
		tci = (f->tagged ? rd16(in + ETH_HLEN) & 0xf000 : 0) | (b->vlan & 0x0fff);
		fr[12] = TPID_8021Q >> 8;
		fr[13] = TPID_8021Q & 0xff;
		fr[14] = tci >> 8;
		fr[15] = tci & 0xff;
	}
	memcpy(fr + l3 - 2, in + f->l3 - 2, 2); /* the ethertype of the IP packet */
	ip = fr + l3;
	if (f->family == 6) {
		ip[7]--;
		return verdict;
	}
	/* RFC 1624 eqn. 3, as ip_decrease_ttl(): HC' = HC + 0x0100 with end-around carry */
	sum = rd16(ip + 10) + 0x0100;
	sum = (sum + (sum >= 0xffff)) & 0xffff;
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	ip[8]--;
	return verdict;
}

void model_run(struct model_state *s, const __u8 *frame, __u32 len, __u32 ifindex,
	       struct model_out *out)
{
	const struct xdpcast_backend *b;
	struct flow f = { 0 };
	__u32 ethertype, id = 0;
	int r, vi;

	out->row = XDPCAST_STATS_NO_VIP;
	out->backend = -1;
	out->flow_vip = -1;
	out->flow_op = MODEL_FLOW_NONE;
	memcpy(out->frame, frame, len);
	out->len = len;

	if (len < ETH_HLEN) {
		r = XDPCAST_PASS_MALFORMED;
		goto done;
	}
	ethertype = rd16(frame + 12);
	f.l3 = ETH_HLEN;
	if (ethertype == TPID_8021Q) {
		if (len < ETH_HLEN + VLAN_HLEN) {
			r = XDPCAST_PASS_MALFORMED;
			goto done;
		}
		ethertype = rd16(frame + 16);
		f.l3 += VLAN_HLEN;
		f.tagged = true;
	}
	/* (the VIP index always exists here: the seed is written into it first) */
	if (ethertype == ETHERTYPE_IPV4)
		r = parse_ipv4(s, &f, frame, len);
	else if (ethertype == ETHERTYPE_IPV6)
		r = parse_ipv6(s, &f, frame, len);
	else
		r = XDPCAST_PASS_NOT_IP;
	if (r != GO)
		goto done;

	vi = find_vip(s, &f);
	if (vi < 0) {
		r = XDPCAST_PASS_NOT_VIP;
		goto done;
	}
	out->row = s->vips[vi].vip.id;
	if (f.ttl <= 1) {
		r = XDPCAST_PASS_TTL;
		goto done;
	}
	b = choose(s, vi, &f, &id, out);
	if (!b) {
		r = XDPCAST_PASS_NO_BACKEND;
		goto done;
	}
	r = forward(s, &f, b, ifindex, frame, len, out);
	if (r == XDPCAST_TX || r == XDPCAST_REDIRECT)
		out->backend = (int)id;
	else
		memcpy(out->frame, frame, len), out->len = len;
done:
	out->reason = r;
	out->action = r == XDPCAST_TX ? XDP_TX : r == XDPCAST_REDIRECT ? XDP_REDIRECT : XDP_PASS;
}
