// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fragments: only the first fragment of a datagram carries the ports, so
 * every fragment hashes on addresses and protocol alone, and all fragments
 * of one IPv4 or IPv6 datagram reach the same backend.
 */
#include <stdio.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP4_ID 1
#define VIP6_ID 2
#define DATAGRAMS 500

static const __u32 backends4[] = { 1, 2, 3, 4 }, backends6[] = { 5, 6, 7, 8 };

/* Three fragments of one 156-byte UDP datagram: offsets in 8-byte units. */
static const struct {
	const char *name;
	__u16 offset;
	bool more;
	__u32 payload_len; /* after the UDP header in the first one */
} frags[] = {
	{ "first fragment", 0, true, 64 },
	{ "middle fragment", 9, true, 72 },
	{ "last fragment", 18, false, 20 },
};

static void setup(void)
{
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, VIP4_ID, backends4, 4, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, IPPROTO_UDP, 0, VIP6_ID, backends6, 4, 0);
}

static void frag_spec(struct pkt_spec *s, size_t i, __u32 id)
{
	s->frag = true;
	s->frag_offset = frags[i].offset;
	s->more_frags = frags[i].more;
	s->frag_id = id;
	s->payload_len = frags[i].payload_len;
}

/* Every fragment of one datagram of @flow: checked whole, all to one backend. */
static void check_datagram(const char *family, const struct pkt_spec *flow, int vip)
{
	struct fx_expect e = FX_REDIRECT(vip, FX_ANY);
	struct pkt_spec s = *flow;
	struct pkt_buf in;
	char name[96];
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(frags); i++) {
		frag_spec(&s, i, 0xabcd);
		cr_assert_eq(pkt_build(&in, &s), 0);
		snprintf(name, sizeof(name), "%s %s", family, frags[i].name);
		/* the first fragment picks the backend, the others must follow */
		e.backend = fx_check(&fx, name, &in, fx_in, &e, NULL);
	}
}

Test(packets, fragments_one_datagram, .init = setup, .fini = fixture_teardown)
{
	struct pkt_spec udp4 = { FX_FLOW4(IPPROTO_UDP, FX_VIP4, 53) };
	struct pkt_spec tcp4 = { FX_FLOW4(IPPROTO_TCP, FX_VIP4, 443), .ip_options_len = 12 };
	struct pkt_spec udp6 = { FX_FLOW6(IPPROTO_UDP, FX_VIP6, 53), .vlan = 100 };

	check_datagram("udp4", &udp4, VIP4_ID);
	check_datagram("tcp4 with options", &tcp4, VIP4_ID);
	check_datagram("udp6 tagged", &udp6, VIP6_ID);
}

/* Many datagrams from many clients: each one's fragments stay together. */
static void check_many(const char *vip, const __u32 *backends, size_t nbackends)
{
	bool used[FX_MAX_ID] = {};
	struct pkt_buf in;
	struct fx_flow fl;
	int first = -1, b;
	size_t i, nused = 0;
	__u32 n;

	for (n = 0; n < DATAGRAMS; n++) {
		fx_flow_spec(&fl, vip, IPPROTO_UDP, 53, n);
		for (i = 0; i < FX_ARRAY_SIZE(frags); i++) {
			frag_spec(&fl.spec, i, n);
			cr_assert_eq(pkt_build(&in, &fl.spec), 0);
			b = fx_flow_backend(&fx, &in);
			if (i == 0)
				first = b;
			cr_assert(b >= 0 && b == first, "%s from %s: %s to backend %d, first to %d",
				  vip, fl.src, frags[i].name, b, first);
		}
		nused += !used[first];
		used[first] = true;
	}
	/* the datagrams' sources spread them, or the test would prove nothing */
	cr_assert_eq(nused, nbackends, "%s: %zu datagrams reached %zu of %zu backends", vip,
		     (size_t)DATAGRAMS, nused, nbackends);
	for (i = 0; i < nbackends; i++)
		cr_assert(used[backends[i]], "%s: backend %u got no datagram", vip, backends[i]);
}

Test(packets, fragments_many_datagrams, .init = setup, .fini = fixture_teardown)
{
	check_many(FX_VIP4, backends4, FX_ARRAY_SIZE(backends4));
	check_many(FX_VIP6, backends6, FX_ARRAY_SIZE(backends6));
}
