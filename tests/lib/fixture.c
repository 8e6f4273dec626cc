// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixture of the BPF packet tests (see fixture.h). Criterion runs each test
 * in its own process, so the network namespace made here, the veth pair in
 * it and the maps loaded without pins all die with the test.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "fixture.h"
#include "maglev.h"
#include "xdpcast.skel.h"

#define FX_TABLE_SIZE XDPCAST_TABLE_SIZE_DEFAULT
#define VLAN_HLEN 4
#define IPV4_TTL_OFF 8
#define IPV4_CSUM_OFF 10
#define IPV6_HOP_OFF 7
#define IPV6_NEXTHDR_OFF 6
#define IPV6_PLEN_OFF 4
#define IPV6_HLEN 40
#define IPV6_OPT_PADN 1

struct fx fx;
__u32 fx_lo, fx_in, fx_out;

/* Counters of one program copy: every reason, the first FX_MAX_ID VIPs and backends. */
struct fx_counters {
	struct xdpcast_counter reasons[XDPCAST_REASON_MAX];
	struct xdpcast_counter vips[FX_MAX_ID];
	struct xdpcast_counter backends[FX_MAX_ID];
};

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void fx_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
}

void fx_sh_read(char *out, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen: %s", cmd);
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

void fixture_netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	cr_assert_eq(system("ip link set lo up && "
			    "ip link add xin type veth peer name xout && "
			    "ip link set xin up && ip link set xout up"),
		     0, "cannot set up lo and veth xin/xout");
	fx_lo = if_nametoindex("lo");
	fx_in = if_nametoindex("xin");
	fx_out = if_nametoindex("xout");
	cr_assert(fx_lo && fx_in && fx_out, "missing interface: lo %u xin %u xout %u", fx_lo, fx_in,
		  fx_out);
}

void fx_load(struct fx *f, __u32 seed)
{
	fx_load_attached(f, seed, 0);
}

void fx_load_attached(struct fx *f, __u32 seed, __u32 attached_ifindex)
{
	fx_load_mac(f, seed, attached_ifindex, NULL);
}

void fx_load_mac(struct fx *f, __u32 seed, __u32 attached_ifindex, const __u8 *mac)
{
	struct bpf_map *m;
	int err;

	f->skel = xdpcast__open();
	cr_assert_not_null(f->skel, "xdpcast__open: %s", strerror(errno));
	f->skel->rodata->attached_ifindex = attached_ifindex;
	if (mac)
		memcpy((__u8 *)f->skel->rodata->attached_mac, mac, ETH_ALEN);
	/*
	 * Never pin: the maps must die with the test, and the host's pins stay
	 * untouched. (bpf_object__for_each_map() spelled out: cppcheck does not
	 * know the macro.)
	 */
	for (m = bpf_object__next_map(f->skel->obj, NULL); m;
	     m = bpf_object__next_map(f->skel->obj, m))
		cr_assert_eq(bpf_map__set_pin_path(m, NULL), 0, "unpin %s", bpf_map__name(m));
	err = xdpcast__load(f->skel);
	cr_assert_eq(err, 0, "xdpcast__load: %d", err);
	f->prog_fd = bpf_program__fd(f->skel->progs.xdpcast_ingress);
	err = xdpcast_dp_from_object(&f->dp, f->skel->obj);
	cr_assert_eq(err, 0, "xdpcast_dp_from_object: %d", err);
	f->seed = seed;
	err = xdpcast_dp_set_seed(&f->dp, seed);
	cr_assert_eq(err, 0, "xdpcast_dp_set_seed: %d", err);
	err = xdpcast_dp_set_egress(&f->dp, fx_out);
	cr_assert_eq(err, 0, "xdpcast_dp_set_egress(xout): %d", err);
}

void fx_unload(struct fx *f)
{
	if (!f->skel)
		return;
	xdpcast_dp_close(&f->dp);
	xdpcast__destroy(f->skel);
	f->skel = NULL;
}

void fixture_setup(void)
{
	fixture_netns();
	fx_load(&fx, FX_SEED);
}

void fixture_teardown(void)
{
	fx_unload(&fx);
}

void fx_backend_mac(__u32 id, __u8 mac[6])
{
	static const __u8 prefix[5] = { 0x02, 0x00, 0x00, 0x00, 0x01 };

	cr_assert_lt(id, 256, "backend id %u has no MAC of the 02:00:00:00:01:NN form", id);
	memcpy(mac, prefix, sizeof(prefix));
	mac[5] = (__u8)id;
}

int fx_backend_of_mac(const __u8 *mac)
{
	__u8 want[6];

	fx_backend_mac(mac[5], want);
	return memcmp(mac, want, sizeof(want)) ? -1 : mac[5];
}

/* The MAC address of interface @ifindex in this namespace. */
static void if_mac(__u32 ifindex, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err;

	cr_assert_not_null(if_indextoname(ifindex, ifr.ifr_name), "no interface %u", ifindex);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	cr_assert_eq(err, 0, "SIOCGIFHWADDR %s: %s", ifr.ifr_name, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

void fx_set_backend(struct fx *f, __u32 id, __u32 ifindex, __u16 vlan, __u8 state, __u8 flags)
{
	struct xdpcast_backend b = {
		.ifindex = ifindex, .vlan = vlan, .state = state, .flags = flags
	};
	int err;

	fx_backend_mac(id, b.dst_mac);
	if_mac(ifindex, b.src_mac);
	err = xdpcast_dp_set_backend(&f->dp, id, &b);
	cr_assert_eq(err, 0, "xdpcast_dp_set_backend(%u): %d", id, err);
}

void fx_add_backends(struct fx *f, const __u32 *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fx_set_backend(f, ids[i], fx_out, 0, XDPCAST_BACKEND_UP,
			       XDPCAST_BACKEND_F_MAC_KNOWN);
}

void fx_add_vip(struct fx *f, struct fx_vip *v, const char *addr, __u8 proto, __u16 port, __u32 id,
		__u32 flow_size)
{
	int err;

	err = xdpcast_vip_key_from_str(&v->key, addr, proto, port);
	cr_assert_eq(err, 0, "VIP key %s %u %u: %d", addr, proto, port, err);
	v->id = id;
	err = xdpcast_dp_add_vip(&f->dp, &v->key, id, flow_size);
	cr_assert_eq(err, 0, "xdpcast_dp_add_vip(%s %u %u, id %u): %d", addr, proto, port, id, err);
}

void fx_build_table(const __u32 *ids, const __u32 *weights, size_t n, __u32 seed, __u32 *table,
		    __u32 size)
{
	struct maglev_backend *mb = calloc(n, sizeof(*mb));
	size_t i;
	int err;

	cr_assert_not_null(mb);
	for (i = 0; i < n; i++) {
		mb[i].id = ids[i];
		mb[i].weight = weights ? weights[i] : 1;
		mb[i].key = &ids[i];
		mb[i].key_len = sizeof(ids[i]);
	}
	err = maglev_build(mb, n, seed, table, size);
	free(mb);
	cr_assert_eq(err, 0, "maglev_build(%zu backends, %u slots): %d", n, size, err);
}

void fx_put_table(struct fx *f, const struct fx_vip *v, const __u32 *ids, const __u32 *weights,
		  size_t n, __u32 size, bool flip)
{
	__u32 *table = calloc(size, sizeof(*table));
	int err;

	cr_assert_not_null(table);
	fx_build_table(ids, weights, n, f->seed, table, size);
	if (flip)
		err = xdpcast_dp_write_table(&f->dp, &v->key, table, size);
	else
		err = xdpcast_dp_stage_table(&f->dp, &v->key, table, size);
	free(table);
	cr_assert_eq(err, 0, "%s table of VIP %u (%u slots): %d", flip ? "write" : "stage", v->id,
		     size, err);
}

void fx_setup_vip(struct fx *f, struct fx_vip *v, const char *addr, __u8 proto, __u16 port,
		  __u32 id, const __u32 *ids, size_t n, __u32 flow_size)
{
	fx_add_backends(f, ids, n);
	fx_add_vip(f, v, addr, proto, port, id, flow_size);
	fx_put_table(f, v, ids, NULL, n, FX_TABLE_SIZE, true);
}

int fx_run(struct fx *f, const struct pkt_buf *in, __u32 ifindex, struct pkt_buf *out)
{
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = out->data, .data_size_out = sizeof(out->data), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	cr_assert_leq(in->len + VLAN_HLEN, sizeof(out->data), "frame too long: %u", in->len);
	err = bpf_prog_test_run_opts(f->prog_fd, &opts);
	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN: %d (%s)", err, strerror(errno));
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

int fx_flow_backend(struct fx *f, const struct pkt_buf *in)
{
	struct pkt_buf out = { .len = 0 };
	int action = fx_run(f, in, fx_in, &out);

	if (action != XDP_REDIRECT && action != XDP_TX)
		return -1;
	return fx_backend_of_mac(out.data);
}

/* A 32-bit bijective mixer (lowbias32): flow numbers to scattered clients. */
static __u32 mix32(__u32 x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

void fx_flow_spec(struct fx_flow *fl, const char *dst, __u8 proto, __u16 dport, __u32 n)
{
	__u32 h = mix32(n), p = mix32(n ^ 0x9e3779b9);

	if (strchr(dst, ':'))
		snprintf(fl->src, sizeof(fl->src), "2001:db8:c::%x:%x", h >> 16, h & 0xffff);
	else
		snprintf(fl->src, sizeof(fl->src), "198.%u.%u.%u", 18 + (h >> 16 & 1),
			 h >> 8 & 0xff, h & 0xff);
	fl->spec = (struct pkt_spec){ .src = fl->src,
				      .dst = dst,
				      .proto = proto,
				      .sport = (__u16)(1024 + p % 64512),
				      .dport = dport };
}

void fx_flow(struct pkt_buf *b, const char *dst, __u8 proto, __u16 dport, __u32 n)
{
	struct fx_flow fl;

	fx_flow_spec(&fl, dst, proto, dport, n);
	cr_assert_eq(pkt_build(b, &fl.spec), 0, "flow %u to %s", n, dst);
}

void fx_icmp_error(struct pkt_buf *out, const struct pkt_spec *flow, __u8 type, __u8 code,
		   __u32 mtu)
{
	/* the VIP's answer to the flow, too big for the path: what the router quotes */
	struct pkt_spec reply = { .src = flow->dst,
				  .dst = flow->src,
				  .proto = flow->proto,
				  .sport = flow->dport,
				  .dport = flow->sport,
				  .payload_len = 1400 };
	bool v6 = strchr(flow->dst, ':');
	struct pkt_icmp_err e = { .reporter = v6 ? "2001:db8:ff::1" : "198.51.100.1",
				  .to = flow->dst,
				  .type = type,
				  .code = code,
				  .mtu = mtu };
	struct pkt_buf inner;

	cr_assert_eq(pkt_build(&inner, &reply), 0, "reply to %s", flow->src);
	cr_assert_eq(pkt_build_icmp_error(out, &e, &inner), 0, "ICMP %u/%u to %s", type, code,
		     flow->dst);
}

void fx_ipv6_insert_ext(struct pkt_buf *b, __u8 type, __u32 len)
{
	struct pkt_layout lo;
	__u8 *ip6, *ext;

	cr_assert(len >= 8 && len <= 256 && len % 8 == 0, "extension header length %u", len);
	cr_assert(!pkt_parse_layout(b->data, b->len, &lo) && lo.family == 6, "not IPv6");
	cr_assert_leq(b->len + len, PKT_BUF_SIZE, "no room for %u more bytes", len);
	ip6 = b->data + lo.l3_off;
	ext = ip6 + IPV6_HLEN;
	memmove(ext + len, ext, b->len - (lo.l3_off + IPV6_HLEN));
	ext[0] = ip6[IPV6_NEXTHDR_OFF];
	ext[1] = (__u8)(len / 8 - 1);
	ext[2] = IPV6_OPT_PADN; /* one PadN option fills the header */
	ext[3] = (__u8)(len - 4);
	memset(ext + 4, 0, len - 4);
	ip6[IPV6_NEXTHDR_OFF] = type;
	put16(ip6 + IPV6_PLEN_OFF, (__u16)(get16(ip6 + IPV6_PLEN_OFF) + len));
	b->len += len;
}

struct xdpcast_counter fx_reason_stats(struct fx *f, enum xdpcast_reason reason)
{
	struct xdpcast_counter c;
	int err = xdpcast_dp_read_reason(&f->dp, reason, &c);

	cr_assert_eq(err, 0, "read reason %d: %d", reason, err);
	return c;
}

struct xdpcast_counter fx_vip_stats(struct fx *f, __u32 id)
{
	struct xdpcast_counter c;
	int err = xdpcast_dp_read_vip_stats(&f->dp, id, &c);

	cr_assert_eq(err, 0, "read VIP %u stats: %d", id, err);
	return c;
}

struct xdpcast_counter fx_backend_stats(struct fx *f, __u32 id)
{
	struct xdpcast_counter c;
	int err = xdpcast_dp_read_backend_stats(&f->dp, id, &c);

	cr_assert_eq(err, 0, "read backend %u stats: %d", id, err);
	return c;
}

static void snapshot(struct fx *f, struct fx_counters *c)
{
	static struct xdpcast_vip_counters rows[XDPCAST_STATS_ROWS];
	__u32 i, row;

	cr_assert_eq(xdpcast_dp_read_stats(&f->dp, rows), 0, "read VIP counters");
	memset(c, 0, sizeof(*c));
	for (row = 0; row < XDPCAST_STATS_ROWS; row++) {
		for (i = 0; i < XDPCAST_REASON_MAX; i++) {
			c->reasons[i].packets += rows[row].reason[i].packets;
			c->reasons[i].bytes += rows[row].reason[i].bytes;
			if (row >= FX_MAX_ID)
				continue;
			c->vips[row].packets += rows[row].reason[i].packets;
			c->vips[row].bytes += rows[row].reason[i].bytes;
		}
	}
	for (i = 0; i < FX_MAX_ID; i++)
		c->backends[i] = fx_backend_stats(f, i);
}

static const char *action_name(int action)
{
	switch (action) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "unknown action";
	}
}

/* The first reason whose counter moved between @a and @b, or XDPCAST_REASON_MAX. */
static enum xdpcast_reason moved_reason(const struct fx_counters *a, const struct fx_counters *b)
{
	int i;

	for (i = 0; i < XDPCAST_REASON_MAX; i++)
		if (a->reasons[i].packets != b->reasons[i].packets)
			break;
	return i;
}

/* One counter moved by exactly one packet of @len bytes when @moved, else not at all. */
static void check_delta(const char *name, const char *what, const struct xdpcast_counter *a,
			const struct xdpcast_counter *b, bool moved, __u32 len)
{
	__u64 dp = b->packets - a->packets, db = b->bytes - a->bytes;

	cr_assert(dp == (moved ? 1 : 0) && db == (moved ? len : 0),
		  "%s: counter %s moved by %llu packets, %llu bytes; expected %u, %u", name, what,
		  (unsigned long long)dp, (unsigned long long)db, moved ? 1 : 0, moved ? len : 0);
}

static void check_deltas(const char *name, const struct fx_counters *a, const struct fx_counters *b,
			 const struct fx_expect *e, int backend, __u32 len)
{
	char what[64];
	int i;

	for (i = 0; i < XDPCAST_REASON_MAX; i++)
		check_delta(name, xdpcast_reason_name(i), &a->reasons[i], &b->reasons[i],
			    i == (int)e->reason, len);
	for (i = 0; i < FX_MAX_ID; i++) {
		snprintf(what, sizeof(what), "stats_vips[%d]", i);
		check_delta(name, what, &a->vips[i], &b->vips[i], i == e->vip, len);
		snprintf(what, sizeof(what), "stats_backends[%d]", i);
		check_delta(name, what, &a->backends[i], &b->backends[i], i == backend, len);
	}
}

/* Bytes [0, n) of @a and @b equal, but for offsets @skip (-1 = none). */
static void check_same_bytes(const char *name, const char *what, const __u8 *a, const __u8 *b,
			     __u32 n, const int *skip, int nskip)
{
	__u32 i;
	int k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < nskip && skip[k] != (int)i; k++)
			;
		if (k < nskip)
			continue;
		cr_assert_eq(a[i], b[i], "%s: %s byte %u is 0x%02x, was 0x%02x", name, what, i,
			     b[i], a[i]);
	}
}

static void check_unchanged(const char *name, const struct pkt_buf *in, const struct pkt_buf *out)
{
	cr_assert_eq(out->len, in->len, "%s: passed frame is %u bytes, was %u", name, out->len,
		     in->len);
	check_same_bytes(name, "passed frame (must reach the kernel untouched)", in->data,
			 out->data, in->len, NULL, 0);
}

/* The Ethernet header (and tag) the backend's egress needs, then the L3 packet. */
static void check_rewrite(struct fx *f, const char *name, const struct pkt_buf *in,
			  const struct pkt_buf *out, __u32 id)
{
	static const int skip4[] = { IPV4_TTL_OFF, IPV4_CSUM_OFF, IPV4_CSUM_OFF + 1 };
	static const int skip6[] = { IPV6_HOP_OFF };
	__u32 l3_out, ttl_off, tci_in = 0, tci;
	struct xdpcast_backend b;
	struct pkt_layout lo;
	const __u8 *l3i, *l3o;
	int err;

	err = xdpcast_dp_get_backend(&f->dp, id, &b);
	cr_assert_eq(err, 0, "%s: backend %u: %d", name, id, err);
	cr_assert_eq(pkt_parse_layout(in->data, in->len, &lo), 0, "%s: input not IP", name);
	if (lo.l3_off == ETH_HLEN + VLAN_HLEN)
		tci_in = get16(in->data + ETH_HLEN);
	l3_out = ETH_HLEN + (b.vlan ? VLAN_HLEN : 0);
	cr_assert_eq(out->len, in->len - lo.l3_off + l3_out,
		     "%s: output %u bytes, input %u, backend vlan %u", name, out->len, in->len,
		     b.vlan);

	check_same_bytes(name, "dst MAC", b.dst_mac, out->data, ETH_ALEN, NULL, 0);
	check_same_bytes(name, "src MAC", b.src_mac, out->data + ETH_ALEN, ETH_ALEN, NULL, 0);
	if (b.vlan) {
		cr_assert_eq(get16(out->data + 12), ETH_P_8021Q, "%s: no 802.1Q tag", name);
		/* the VID is the backend's; PCP and DEI stay from the incoming tag */
		tci = (tci_in & 0xf000) | b.vlan;
		cr_assert_eq(get16(out->data + ETH_HLEN), tci, "%s: TCI 0x%04x, expected 0x%04x",
			     name, get16(out->data + ETH_HLEN), tci);
	}
	cr_assert_eq(get16(out->data + l3_out - 2), get16(in->data + lo.l3_off - 2),
		     "%s: ethertype 0x%04x, was 0x%04x", name, get16(out->data + l3_out - 2),
		     get16(in->data + lo.l3_off - 2));

	l3i = in->data + lo.l3_off;
	l3o = out->data + l3_out;
	ttl_off = lo.family == 4 ? IPV4_TTL_OFF : IPV6_HOP_OFF;
	cr_assert_eq(l3o[ttl_off], l3i[ttl_off] - 1, "%s: TTL %u, was %u", name, l3o[ttl_off],
		     l3i[ttl_off]);
	if (lo.family == 4)
		check_same_bytes(name, "L3", l3i, l3o, in->len - lo.l3_off, skip4, 3);
	else
		check_same_bytes(name, "L3", l3i, l3o, in->len - lo.l3_off, skip6, 1);
	cr_assert(pkt_ipv4_csum_ok(out->data, out->len), "%s: bad IPv4 header checksum", name);
	cr_assert(pkt_l4_csum_ok(out->data, out->len), "%s: bad L4 checksum", name);
}

int fx_check(struct fx *f, const char *name, const struct pkt_buf *in, __u32 ifindex,
	     const struct fx_expect *e, struct pkt_buf *outp)
{
	struct fx_counters before, after;
	struct pkt_buf tmp = { .len = 0 }, *out = outp ? outp : &tmp;
	int action, backend = -1;

	snapshot(f, &before);
	action = fx_run(f, in, ifindex, out);
	snapshot(f, &after);
	cr_assert_eq(action, e->action, "%s: %s (%s), expected %s (%s)", name, action_name(action),
		     xdpcast_reason_name(moved_reason(&before, &after)), action_name(e->action),
		     xdpcast_reason_name(e->reason));
	if (action == XDP_TX || action == XDP_REDIRECT) {
		backend = fx_backend_of_mac(out->data);
		cr_assert_geq(backend, 0, "%s: forwarded to an unknown MAC", name);
		cr_assert(e->backend == FX_ANY || e->backend == backend,
			  "%s: went to backend %d, expected %d", name, backend, e->backend);
		check_rewrite(f, name, in, out, backend);
	} else {
		check_unchanged(name, in, out);
	}
	check_deltas(name, &before, &after, e, backend, in->len);
	return backend;
}

void fx_case_frame(const struct fx_case *c, struct pkt_buf *b)
{
	cr_assert_eq(pkt_build(b, &c->spec), 0, "%s: cannot build the frame", c->name);
	if (c->mangle)
		c->mangle(b);
}

int fx_check_cases(struct fx *f, const struct fx_case *c, size_t n)
{
	struct pkt_buf in;
	int backend = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		fx_case_frame(&c[i], &in);
		backend = fx_check(f, c[i].name, &in, c[i].from_egress ? fx_out : fx_in,
				   &c[i].expect, NULL);
	}
	return backend;
}

bool fx_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

bool fx_read_full(int fd, void *buf, size_t len, int ms)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (!fx_readable(fd, ms))
			return false;
		n = recv(fd, (char *)buf + off, len - off, 0);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}
