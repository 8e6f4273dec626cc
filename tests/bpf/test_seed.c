// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The hash seed: two routers loaded separately with the same seed, VIP,
 * backends and table send every flow to the same backend (anycast can move
 * a client between them); another flow hash seed, tables unchanged, gives
 * another assignment.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP_ID 1
#define FLOWS 10000
#define OTHER_SEED (FX_SEED ^ 0x9e3779b9u)

static const __u32 ids[] = { 1, 2, 3, 4 };

/* The same VIP, backends and table (Maglev seed FX_SEED) on @f. */
static void configure(struct fx *f)
{
	struct fx_vip v;

	fx_setup_vip(f, &v, FX_VIP4, 0, 0, VIP_ID, ids, 4, 0);
}

Test(packets, seed_same_on_two_loads, .init = fixture_setup, .fini = fixture_teardown)
{
	struct fx twin, other;
	__u32 n, differ = 0;
	struct pkt_buf in;
	int b, bt, bo;

	fx_load(&twin, FX_SEED);
	fx_load(&other, FX_SEED);
	configure(&fx);
	configure(&twin);
	configure(&other);
	cr_assert_eq(xdpcast_dp_set_seed(&other.dp, OTHER_SEED), 0);
	for (n = 0; n < FLOWS; n++) {
		fx_flow(&in, FX_VIP4, n & 1 ? IPPROTO_TCP : IPPROTO_UDP, n & 1 ? 443 : 53, n);
		b = fx_flow_backend(&fx, &in);
		bt = fx_flow_backend(&twin, &in);
		bo = fx_flow_backend(&other, &in);
		cr_assert(b >= 0 && bo >= 0, "flow %u not forwarded", n);
		cr_assert_eq(bt, b, "flow %u: backend %d on one load, %d on the other", n, b, bt);
		differ += bo != b;
	}
	fx_unload(&twin);
	fx_unload(&other);
	/* four backends: about three flows in four change with an independent seed */
	cr_assert_gt(differ, FLOWS / 2, "another seed moved only %u of %u flows", differ, FLOWS);
}
