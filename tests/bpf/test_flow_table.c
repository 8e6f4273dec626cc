// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow table: adding a backend and rewriting the table moves no flow the
 * VIP's flow table knows. A VIP without a flow table, same backends and
 * tables, loses about a quarter of its flows, to the new backend: Maglev is
 * not minimally disruptive, so a few slots (about 0.03% here) also change
 * hands between the old backends, and so may a flow or two of 2000.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define FLOWS 2000
#define STICKY_ID 1
#define PLAIN_ID 2
#define PORT_ID 3
#define ADDR_PLAIN "203.0.113.54"
#define ADDR_PORT "203.0.113.56"
#define NEW_BACKEND 4

static const __u32 ids[] = { 1, 2, 3, NEW_BACKEND };
static struct fx_vip sticky, plain, port;

/*
 * The sticky VIP is named directly by its index slot; the port VIP (UDP 53)
 * is found in `vips`: the flow-table flag comes from each.
 */
static void setup(void)
{
	fixture_setup();
	fx_setup_vip(&fx, &sticky, FX_VIP4, 0, 0, STICKY_ID, ids, 3, 65536);
	fx_setup_vip(&fx, &plain, ADDR_PLAIN, 0, 0, PLAIN_ID, ids, 3, 0);
	fx_setup_vip(&fx, &port, ADDR_PORT, IPPROTO_UDP, 53, PORT_ID, ids, 3, 65536);
}

/* The backends of flows 0..FLOWS-1 to @addr. */
static void backends_of(const char *addr, int *out)
{
	struct pkt_buf in;
	__u32 n;

	for (n = 0; n < FLOWS; n++) {
		fx_flow(&in, addr, IPPROTO_UDP, 53, n);
		out[n] = fx_flow_backend(&fx, &in);
		cr_assert(out[n] >= 1 && out[n] <= NEW_BACKEND, "flow %u to %s: backend %d", n,
			  addr, out[n]);
	}
}

Test(packets, flow_table_keeps_flows_when_backend_added, .init = setup, .fini = fixture_teardown)
{
	static int sticky_before[FLOWS], sticky_after[FLOWS], plain_before[FLOWS],
		plain_after[FLOWS], port_before[FLOWS], port_after[FLOWS];
	__u32 n, moved = 0, to_new = 0;

	backends_of(FX_VIP4, sticky_before);
	backends_of(ADDR_PLAIN, plain_before);
	backends_of(ADDR_PORT, port_before);

	fx_add_backends(&fx, &ids[3], 1);
	fx_put_table(&fx, &sticky, ids, NULL, 4, XDPCAST_TABLE_SIZE_DEFAULT, true);
	fx_put_table(&fx, &plain, ids, NULL, 4, XDPCAST_TABLE_SIZE_DEFAULT, true);
	fx_put_table(&fx, &port, ids, NULL, 4, XDPCAST_TABLE_SIZE_DEFAULT, true);

	backends_of(FX_VIP4, sticky_after);
	backends_of(ADDR_PLAIN, plain_after);
	backends_of(ADDR_PORT, port_after);
	for (n = 0; n < FLOWS; n++) {
		cr_assert_eq(sticky_after[n], sticky_before[n],
			     "flow %u left backend %d for %d despite the flow table", n,
			     sticky_before[n], sticky_after[n]);
		cr_assert_eq(
			port_after[n], port_before[n],
			"flow %u to the port VIP left backend %d for %d despite the flow table", n,
			port_before[n], port_after[n]);
		if (plain_after[n] == plain_before[n])
			continue;
		moved++;
		to_new += plain_after[n] == NEW_BACKEND;
	}
	/* about a quarter of the flows belong to the new backend now */
	cr_assert(moved > FLOWS / 8 && moved < FLOWS / 2, "%u of %u flows moved without flow table",
		  moved, FLOWS);
	cr_assert_leq(moved - to_new, FLOWS / 200, "%u of %u flows moved between old backends",
		      moved - to_new, moved);
}

/*
 * A backend that fails loses its flows; when it returns they stay where they
 * went (the flow table rewrote their entries), and no other flow moved.
 */
Test(packets, flows_stay_where_they_went_when_failed_backend_returns, .init = setup,
     .fini = fixture_teardown)
{
	static int before[FLOWS], during[FLOWS], after[FLOWS];
	static const __u32 survivors[] = { 1, 3 };
	__u32 n, moved = 0;

	backends_of(FX_VIP4, before);
	fx_set_backend(&fx, 2, fx_out, 0, XDPCAST_BACKEND_DOWN, XDPCAST_BACKEND_F_MAC_KNOWN);
	fx_put_table(&fx, &sticky, survivors, NULL, 2, XDPCAST_TABLE_SIZE_DEFAULT, true);
	backends_of(FX_VIP4, during);
	fx_set_backend(&fx, 2, fx_out, 0, XDPCAST_BACKEND_UP, XDPCAST_BACKEND_F_MAC_KNOWN);
	fx_put_table(&fx, &sticky, ids, NULL, 3, XDPCAST_TABLE_SIZE_DEFAULT, true);
	backends_of(FX_VIP4, after);
	for (n = 0; n < FLOWS; n++) {
		if (before[n] == 2) {
			moved++;
			cr_assert_neq(during[n], 2, "flow %u stayed on the failed backend", n);
		} else {
			cr_assert_eq(during[n], before[n], "flow %u of a healthy backend moved", n);
		}
		cr_assert_eq(after[n], during[n], "flow %u went back from %d to %d", n, during[n],
			     after[n]);
	}
	cr_assert(moved > FLOWS / 8, "only %u flows were on backend 2", moved);
}
