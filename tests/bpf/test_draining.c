// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Draining a backend: with its state DRAINING and a table rebuilt without
 * it (weight 0), the flows its VIP's flow table already holds stay on it,
 * and no new flow goes to it.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP_ID 1
#define FLOWS 1000
#define DRAINED 2
#define FLOW_TABLE_SIZE 65536

static const __u32 ids[] = { 1, DRAINED, 3 };
static struct fx_vip vip;

static void setup(void)
{
	fixture_setup();
	fx_setup_vip(&fx, &vip, FX_VIP4, 0, 0, VIP_ID, ids, 3, FLOW_TABLE_SIZE);
}

Test(packets, draining_keeps_known_flows, .init = setup, .fini = fixture_teardown)
{
	static const __u32 drained_weights[] = { 1, 0, 1 };
	struct fx_expect e = FX_REDIRECT(VIP_ID, DRAINED);
	struct xdpcast_counter c0, c1;
	int before[FLOWS], b, first_drained = -1;
	__u32 n, on_drained = 0, new_on[4] = {};
	struct pkt_buf in;

	for (n = 0; n < FLOWS; n++) {
		fx_flow(&in, FX_VIP4, IPPROTO_TCP, 443, n);
		before[n] = fx_flow_backend(&fx, &in);
		cr_assert_geq(before[n], 0, "flow %u not forwarded", n);
		if (before[n] == DRAINED && first_drained < 0)
			first_drained = n;
		on_drained += before[n] == DRAINED;
	}
	cr_assert_gt(on_drained, FLOWS / 6, "only %u of %u flows on backend %u", on_drained, FLOWS,
		     DRAINED);

	fx_set_backend(&fx, DRAINED, fx_out, 0, XDPCAST_BACKEND_DRAINING,
		       XDPCAST_BACKEND_F_MAC_KNOWN);
	fx_put_table(&fx, &vip, ids, drained_weights, 3, XDPCAST_TABLE_SIZE_DEFAULT, true);

	/* one known flow checked whole: forwarded to the draining backend */
	fx_flow(&in, FX_VIP4, IPPROTO_TCP, 443, first_drained);
	fx_check(&fx, "known flow of the draining backend", &in, fx_in, &e, NULL);

	c0 = fx_backend_stats(&fx, DRAINED);
	for (n = 0; n < FLOWS; n++) {
		fx_flow(&in, FX_VIP4, IPPROTO_TCP, 443, n);
		b = fx_flow_backend(&fx, &in);
		cr_assert_eq(b, before[n], "known flow %u moved from backend %d to %d", n,
			     before[n], b);
	}
	c1 = fx_backend_stats(&fx, DRAINED);
	cr_assert_eq(c1.packets - c0.packets, on_drained, "draining backend counted %llu, not %u",
		     (unsigned long long)(c1.packets - c0.packets), on_drained);

	for (n = FLOWS; n < 2 * FLOWS; n++) {
		fx_flow(&in, FX_VIP4, IPPROTO_TCP, 443, n);
		b = fx_flow_backend(&fx, &in);
		cr_assert(b == 1 || b == 3, "new flow %u went to backend %d", n, b);
		new_on[b]++;
	}
	cr_assert(new_on[1] > FLOWS / 4 && new_on[3] > FLOWS / 4,
		  "new flows split %u / %u between the backends left", new_on[1], new_on[3]);
}
