// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ICMP errors about a VIP's flows (IPv4 fragmentation needed, IPv6 packet
 * too big, time exceeded, unreachable), sent by a router to the VIP and
 * quoting the VIP's answer to a client: they must reach the backend that
 * holds the client's flow, or path MTU discovery breaks.
 */
#include <stdio.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define FLOWS 200
#define MTU 1280

enum { DNS_VIP = 1, HTTPS_VIP, V6_VIP };

static const __u32 dns[] = { 1, 2, 3, 4 }, https[] = { 5, 6, 7, 8 }, v6[] = { 9, 10, 11, 12 };

static void setup(void)
{
	struct fx_vip v;

	fixture_setup();
	/* port VIPs: only the quoted packet's protocol and port can find them */
	fx_setup_vip(&fx, &v, FX_VIP4, IPPROTO_UDP, 53, DNS_VIP, dns, 4, 0);
	fx_setup_vip(&fx, &v, FX_VIP4, IPPROTO_TCP, 443, HTTPS_VIP, https, 4, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, 0, 0, V6_VIP, v6, 4, 0);
}

struct error_kind {
	const char *name;
	__u8 type, code;
};

/*
 * For FLOWS clients of @vip: send the flow, then the ICMP error of @kind
 * about it; the error goes where the flow went. The first error is checked
 * byte by byte, and the flows must spread over all of @nbackends.
 */
static void check_errors_follow(const char *vip, __u8 proto, __u16 port, int vip_id,
				const struct error_kind *kind, size_t nbackends)
{
	struct fx_expect e = FX_REDIRECT(vip_id, FX_ANY);
	bool used[FX_MAX_ID] = {};
	struct pkt_buf flow, err;
	size_t nused = 0;
	struct fx_flow fl;
	char name[128];
	int b, eb;
	__u32 n;

	for (n = 0; n < FLOWS; n++) {
		fx_flow_spec(&fl, vip, proto, port, n);
		cr_assert_eq(pkt_build(&flow, &fl.spec), 0);
		b = fx_flow_backend(&fx, &flow);
		cr_assert_geq(b, 0, "%s:%u from %s not forwarded", vip, port, fl.src);
		fx_icmp_error(&err, &fl.spec, kind->type, kind->code, MTU);
		if (n == 0) {
			snprintf(name, sizeof(name), "%s about %s:%u from %s", kind->name, vip,
				 port, fl.src);
			e.backend = b;
			eb = fx_check(&fx, name, &err, fx_in, &e, NULL);
		} else {
			eb = fx_flow_backend(&fx, &err);
		}
		cr_assert_eq(eb, b, "%s about %s:%u from %s:%u went to backend %d, the flow to %d",
			     kind->name, vip, port, fl.src, fl.spec.sport, eb, b);
		nused += !used[b];
		used[b] = true;
	}
	cr_assert_eq(nused, nbackends, "%s:%u: %d flows reached %zu of %zu backends", vip, port,
		     FLOWS, nused, nbackends);
}

Test(packets, icmp_frag_needed_follows_flow, .init = setup, .fini = fixture_teardown)
{
	static const struct error_kind k = { "ICMP fragmentation needed", ICMP_DEST_UNREACH,
					     ICMP_FRAG_NEEDED };

	check_errors_follow(FX_VIP4, IPPROTO_UDP, 53, DNS_VIP, &k, FX_ARRAY_SIZE(dns));
	check_errors_follow(FX_VIP4, IPPROTO_TCP, 443, HTTPS_VIP, &k, FX_ARRAY_SIZE(https));
}

Test(packets, icmp_time_exceeded_follows_flow, .init = setup, .fini = fixture_teardown)
{
	static const struct error_kind k = { "ICMP time exceeded", ICMP_TIME_EXCEEDED,
					     ICMP_EXC_TTL };

	check_errors_follow(FX_VIP4, IPPROTO_UDP, 53, DNS_VIP, &k, FX_ARRAY_SIZE(dns));
}

Test(packets, icmp6_packet_too_big_follows_flow, .init = setup, .fini = fixture_teardown)
{
	static const struct error_kind k = { "ICMPv6 packet too big", ICMPV6_PKT_TOOBIG, 0 };

	check_errors_follow(FX_VIP6, IPPROTO_UDP, 53, V6_VIP, &k, FX_ARRAY_SIZE(v6));
	check_errors_follow(FX_VIP6, IPPROTO_TCP, 443, V6_VIP, &k, FX_ARRAY_SIZE(v6));
}

Test(packets, icmp6_unreachable_follows_flow, .init = setup, .fini = fixture_teardown)
{
	static const struct error_kind k = { "ICMPv6 port unreachable", ICMPV6_DEST_UNREACH,
					     ICMPV6_PORT_UNREACH };

	check_errors_follow(FX_VIP6, IPPROTO_TCP, 443, V6_VIP, &k, FX_ARRAY_SIZE(v6));
}
