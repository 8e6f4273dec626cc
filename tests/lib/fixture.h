/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fixture of the BPF packet tests: a private network namespace with a veth
 * pair, the xdpcast program loaded without pins, VIP and backend set-up
 * through the dataplane writer API, one-frame runs through
 * BPF_PROG_TEST_RUN, and checks of the verdict, of every rewritten byte and
 * of the counters that moved.
 */
#ifndef XDPCAST_TESTS_FIXTURE_H
#define XDPCAST_TESTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <criterion/criterion.h>

#include "dataplane.h"
#include "pktbuild.h"

#define FX_VIP4 "203.0.113.53"
#define FX_VIP6 "2001:db8::53"
#define FX_CLIENT4 "198.51.100.7"
#define FX_CLIENT6 "2001:db8:1::7"
#define FX_CLIENT_PORT 40000
#define FX_SEED 0x5eed1234u
#define FX_MAX_ID 32 /* VIP and backend ids the counter snapshots cover */
#define FX_NONE (-1) /* no VIP / no backend expected */
#define FX_ANY (-2) /* whichever backend the hash picks */

struct xdpcast;

/* One loaded copy of the program and its maps. */
struct fx {
	struct xdpcast *skel;
	struct xdpcast_dp dp;
	int prog_fd;
	__u32 seed; /* flow hash seed, and Maglev seed of fx_put_table() */
};

/* The copy fixture_setup() loads, and the namespace's interfaces. */
extern struct fx fx;
extern __u32 fx_lo, fx_in, fx_out; /* ifindexes: lo, ingress (xin), egress (xout) */

/* New network namespace for this test process, with lo and veth xin/xout up. */
void fixture_netns(void);
/* Responders' sockets: @fd has something to read within @ms. */
bool fx_readable(int fd, int ms);
/* Exactly @len bytes from @fd, each wait at most @ms: false on EOF, error or silence. */
bool fx_read_full(int fd, void *buf, size_t len, int ms);
/* Run a shell command (printf-style) in the test's namespace; the test fails if it does. */
void fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first line of a shell command's output (printf-style), without its newline. */
void fx_sh_read(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Load the program with no map pinned, seed @seed, egress devmap = { xout }. */
void fx_load(struct fx *f, __u32 seed);
/* The same, loaded as the agent does for one interface: its ifindex a constant. */
void fx_load_attached(struct fx *f, __u32 seed, __u32 attached_ifindex);
/* The same with the interface's MAC @mac a constant too (NULL: not known, not checked). */
void fx_load_mac(struct fx *f, __u32 seed, __u32 attached_ifindex, const __u8 *mac);
void fx_unload(struct fx *f);
/* Criterion .init / .fini: fixture_netns() and fx_load(&fx, FX_SEED). */
void fixture_setup(void);
void fixture_teardown(void);

/* Backend @id's next-hop MAC: 02:00:00:00:01:<id>. */
void fx_backend_mac(__u32 id, __u8 mac[6]);
/* Backend id from a next-hop MAC made by fx_backend_mac(), or -1. */
int fx_backend_of_mac(const __u8 *mac);
/* Backend @id towards @ifindex with @vlan, @state and @flags; src MAC: @ifindex's own. */
void fx_set_backend(struct fx *f, __u32 id, __u32 ifindex, __u16 vlan, __u8 state, __u8 flags);
/* Backends @ids, up, MAC known, untagged, behind xout. */
void fx_add_backends(struct fx *f, const __u32 *ids, size_t n);

struct fx_vip {
	struct xdpcast_vip_key key;
	__u32 id;
};

/* Add VIP @addr (@proto, @port: 0 = any) as @id; @flow_size 0 = no flow table. */
void fx_add_vip(struct fx *f, struct fx_vip *v, const char *addr, __u8 proto, __u16 port, __u32 id,
		__u32 flow_size);
/* Maglev table of @size slots over @ids (@weights NULL = all 1) with @seed. */
void fx_build_table(const __u32 *ids, const __u32 *weights, size_t n, __u32 seed, __u32 *table,
		    __u32 size);
/* Build as fx_build_table() with @f's seed, then stage (@flip false) or write the table. */
void fx_put_table(struct fx *f, const struct fx_vip *v, const __u32 *ids, const __u32 *weights,
		  size_t n, __u32 size, bool flip);
/* Backends @ids up behind xout, VIP added, a table of 65537 slots over them, equal weights. */
void fx_setup_vip(struct fx *f, struct fx_vip *v, const char *addr, __u8 proto, __u16 port,
		  __u32 id, const __u32 *ids, size_t n, __u32 flow_size);

/* Run @in once as received on @ifindex; the XDP action, output frame in @out. */
int fx_run(struct fx *f, const struct pkt_buf *in, __u32 ifindex, struct pkt_buf *out);
/* Run @in from xin; the backend id it was forwarded to, or -1 when it was not. */
int fx_flow_backend(struct fx *f, const struct pkt_buf *in);

/* A client flow: @spec.src points into @src, so copy the whole struct with care. */
struct fx_flow {
	char src[64];
	struct pkt_spec spec;
};

/* Flow @n of a fixed pseudo-random set of clients (198.18.0.0/15 or 2001:db8:c::/96) to
 * @dst:@dport, source port 1024..65535. */
void fx_flow_spec(struct fx_flow *fl, const char *dst, __u8 proto, __u16 dport, __u32 n);
/* The packet of flow @n (as fx_flow_spec()). */
void fx_flow(struct pkt_buf *b, const char *dst, __u8 proto, __u16 dport, __u32 n);
/* An ICMP error from a router to the VIP quoting the VIP's 1400-byte answer to @flow. */
void fx_icmp_error(struct pkt_buf *out, const struct pkt_spec *flow, __u8 type, __u8 code,
		   __u32 mtu);
/* Insert an IPv6 extension header (@type: hop-by-hop or destination options; @len: 8..256,
 * a multiple of 8, PadN filled) right after the IPv6 header of @b. */
void fx_ipv6_insert_ext(struct pkt_buf *b, __u8 type, __u32 len);

struct xdpcast_counter fx_reason_stats(struct fx *f, enum xdpcast_reason reason);
struct xdpcast_counter fx_vip_stats(struct fx *f, __u32 id);
struct xdpcast_counter fx_backend_stats(struct fx *f, __u32 id);

/* What one frame must do. */
struct fx_expect {
	int action; /* XDP_PASS, XDP_TX, XDP_REDIRECT */
	enum xdpcast_reason reason;
	int vip; /* VIP id whose counter moves, or FX_NONE */
	int backend; /* backend id, FX_ANY (forwarded to some backend) or FX_NONE */
};

#define FX_REDIRECT(vip, backend)                                                                  \
	{                                                                                          \
		XDP_REDIRECT, XDPCAST_REDIRECT, (vip), (backend)                                   \
	}
#define FX_TX(vip, backend)                                                                        \
	{                                                                                          \
		XDP_TX, XDPCAST_TX, (vip), (backend)                                               \
	}
#define FX_PASS(reason, vip)                                                                       \
	{                                                                                          \
		XDP_PASS, (reason), (vip), FX_NONE                                                 \
	}

/*
 * Run @in (case @name) from @ifindex and check: the action; for a forwarded
 * frame every rewritten byte against the backend's entry (MACs, VLAN tag,
 * TTL / hop limit, IPv4 checksum, L4 checksum) and every other byte
 * unchanged; for a passed frame the whole frame unchanged; that exactly the
 * expected reason, VIP and backend counters moved, by one packet and the
 * frame's length. Returns the backend id, or -1 when not forwarded; the
 * output frame in @out unless NULL.
 */
int fx_check(struct fx *f, const char *name, const struct pkt_buf *in, __u32 ifindex,
	     const struct fx_expect *e, struct pkt_buf *out);

/* pkt_spec fields of the client's flow (port FX_CLIENT_PORT) to @addr:@port over @proto. */
#define FX_FLOW4(proto_, addr, port)                                                               \
	.src = FX_CLIENT4, .dst = (addr), .proto = (proto_), .sport = FX_CLIENT_PORT,              \
	.dport = (port)
#define FX_FLOW6(proto_, addr, port)                                                               \
	.src = FX_CLIENT6, .dst = (addr), .proto = (proto_), .sport = FX_CLIENT_PORT,              \
	.dport = (port)

/* A table-driven case: a frame built from @spec, then changed by @mangle (unless NULL). */
struct fx_case {
	const char *name;
	struct pkt_spec spec;
	void (*mangle)(struct pkt_buf *b);
	bool from_egress; /* received on xout (the backends' egress) rather than xin */
	struct fx_expect expect;
};

/* Build the frame of @c. */
void fx_case_frame(const struct fx_case *c, struct pkt_buf *b);
/* fx_check() every case; returns the backend of the last one. */
int fx_check_cases(struct fx *f, const struct fx_case *c, size_t n);

#define FX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* XDPCAST_TESTS_FIXTURE_H */
