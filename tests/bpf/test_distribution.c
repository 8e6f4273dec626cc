// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted spread: 100,000 flows over backends of weights 1, 2, 3 and 4
 * land within 5% of each backend's expected share, by the backends'
 * counters.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP_ID 1
#define FLOWS 100000
#define TOLERANCE 0.05

static const __u32 ids[] = { 1, 2, 3, 4 }, weights[] = { 1, 2, 3, 4 };

static void setup(void)
{
	struct fx_vip v;

	fixture_setup();
	fx_add_backends(&fx, ids, 4);
	fx_add_vip(&fx, &v, FX_VIP4, 0, 0, VIP_ID, 0);
	fx_put_table(&fx, &v, ids, weights, 4, XDPCAST_TABLE_SIZE_DEFAULT, true);
}

Test(packets, distribution_follows_weights, .init = setup, .fini = fixture_teardown)
{
	struct xdpcast_counter before[4], after[4];
	__u64 packets = 0, bytes = 0, sent_bytes = 0;
	__u32 n, wsum = 0;
	struct pkt_buf in;
	double expect;
	size_t i;

	for (i = 0; i < 4; i++) {
		before[i] = fx_backend_stats(&fx, ids[i]);
		wsum += weights[i];
	}
	for (n = 0; n < FLOWS; n++) {
		fx_flow(&in, FX_VIP4, n % 3 ? IPPROTO_UDP : IPPROTO_TCP, n % 3 ? 53 : 443, n);
		cr_assert_geq(fx_flow_backend(&fx, &in), 0, "flow %u not forwarded", n);
		sent_bytes += in.len;
	}
	for (i = 0; i < 4; i++) {
		after[i] = fx_backend_stats(&fx, ids[i]);
		packets += after[i].packets - before[i].packets;
		bytes += after[i].bytes - before[i].bytes;
	}
	cr_assert_eq(packets, FLOWS, "backends counted %llu packets", (unsigned long long)packets);
	cr_assert_eq(bytes, sent_bytes, "backends counted %llu bytes of %llu",
		     (unsigned long long)bytes, (unsigned long long)sent_bytes);
	for (i = 0; i < 4; i++) {
		double got = after[i].packets - before[i].packets;

		expect = (double)FLOWS * weights[i] / wsum;
		cr_assert(got >= expect * (1 - TOLERANCE) && got <= expect * (1 + TOLERANCE),
			  "backend %u (weight %u): %.0f flows, expected %.0f +- %.0f%%", ids[i],
			  weights[i], got, expect, TOLERANCE * 100);
	}
}
