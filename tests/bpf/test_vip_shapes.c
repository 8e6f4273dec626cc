// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * VIP key shapes: a VIP on one protocol and port takes only that port; with
 * several shapes on one address (address only; address and protocol;
 * address, protocol and port) the most specific present wins.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define FLOW4(p, port) FX_FLOW4(p, FX_VIP4, port)
#define FLOW6(p, port) FX_FLOW6(p, FX_VIP6, port)

enum { DNS_VIP = 1, HTTPS6_VIP, ANY_VIP, UDP53_VIP, TCP_VIP };
enum { DNS_BACKEND = 1, HTTPS6_BACKEND, ANY_BACKEND, UDP53_BACKEND, TCP_BACKEND };

static void setup_port_filter(void)
{
	static const __u32 dns[] = { DNS_BACKEND }, https[] = { HTTPS6_BACKEND };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, IPPROTO_UDP, 53, DNS_VIP, dns, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP6, IPPROTO_TCP, 443, HTTPS6_VIP, https, 1, 0);
}

static const struct fx_case port_cases[] = {
	{ "udp4 port 53 to a udp/53 VIP",
	  { FLOW4(IPPROTO_UDP, 53) },
	  .expect = FX_REDIRECT(DNS_VIP, DNS_BACKEND) },
	{ "udp4 port 54 to a udp/53 VIP",
	  { FLOW4(IPPROTO_UDP, 54) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "tcp4 port 53 to a udp/53 VIP",
	  { FLOW4(IPPROTO_TCP, 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "icmp4 echo to a udp/53 VIP",
	  { FLOW4(IPPROTO_ICMP, 53) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "tcp6 port 443 to a tcp/443 VIP",
	  { FLOW6(IPPROTO_TCP, 443) },
	  .expect = FX_REDIRECT(HTTPS6_VIP, HTTPS6_BACKEND) },
	{ "tcp6 port 444 to a tcp/443 VIP",
	  { FLOW6(IPPROTO_TCP, 444) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
	{ "udp6 port 443 to a tcp/443 VIP",
	  { FLOW6(IPPROTO_UDP, 443) },
	  .expect = FX_PASS(XDPCAST_PASS_NOT_VIP, FX_NONE) },
};

Test(packets, vip_port_filter, .init = setup_port_filter, .fini = fixture_teardown)
{
	fx_check_cases(&fx, port_cases, FX_ARRAY_SIZE(port_cases));
}

static void setup_shapes(void)
{
	static const __u32 any[] = { ANY_BACKEND }, udp53[] = { UDP53_BACKEND },
			   tcp[] = { TCP_BACKEND };
	struct fx_vip v;

	fixture_setup();
	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, ANY_VIP, any, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP4, IPPROTO_UDP, 53, UDP53_VIP, udp53, 1, 0);
	fx_setup_vip(&fx, &v, FX_VIP4, IPPROTO_TCP, 0, TCP_VIP, tcp, 1, 0);
}

static const struct fx_case shape_cases[] = {
	{ "udp 53: the udp/53 VIP",
	  { FLOW4(IPPROTO_UDP, 53) },
	  .expect = FX_REDIRECT(UDP53_VIP, UDP53_BACKEND) },
	{ "udp 54: the any-port VIP",
	  { FLOW4(IPPROTO_UDP, 54) },
	  .expect = FX_REDIRECT(ANY_VIP, ANY_BACKEND) },
	{ "tcp 53: the tcp VIP",
	  { FLOW4(IPPROTO_TCP, 53) },
	  .expect = FX_REDIRECT(TCP_VIP, TCP_BACKEND) },
	{ "tcp 443: the tcp VIP",
	  { FLOW4(IPPROTO_TCP, 443) },
	  .expect = FX_REDIRECT(TCP_VIP, TCP_BACKEND) },
	{ "icmp echo: the any-port VIP",
	  { FLOW4(IPPROTO_ICMP, 53) },
	  .expect = FX_REDIRECT(ANY_VIP, ANY_BACKEND) },
};

Test(packets, vip_shapes_most_specific_wins, .init = setup_shapes, .fini = fixture_teardown)
{
	fx_check_cases(&fx, shape_cases, FX_ARRAY_SIZE(shape_cases));
}

/* Removing the specific VIP leaves its port to the any-port VIP. */
Test(packets, vip_shapes_after_delete, .init = setup_shapes, .fini = fixture_teardown)
{
	static const struct fx_case after[] = {
		{ "udp 53 once udp/53 is gone: the any-port VIP",
		  { FLOW4(IPPROTO_UDP, 53) },
		  .expect = FX_REDIRECT(ANY_VIP, ANY_BACKEND) },
		{ "tcp 443 still: the tcp VIP",
		  { FLOW4(IPPROTO_TCP, 443) },
		  .expect = FX_REDIRECT(TCP_VIP, TCP_BACKEND) },
	};
	struct xdpcast_vip_key key;

	cr_assert_eq(xdpcast_vip_key_from_str(&key, FX_VIP4, IPPROTO_UDP, 53), 0);
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &key), 0);
	fx_check_cases(&fx, after, FX_ARRAY_SIZE(after));
}
