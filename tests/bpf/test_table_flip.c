// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Table flips: a staged table changes nothing until the flip, the flip
 * changes every flow at once, and packets racing a writer that flips
 * between two tables of different sizes and backend sets only ever see one
 * table or the other, never a mix or a size that is not its table's.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "fixture.h"

#define VIP_ID 1
#define FLOWS 1000
#define SMALL_TABLE 257
#define RACE_NS 1000000000ull

static const __u32 old_ids[] = { 1, 2, 3 }, new_ids[] = { 4, 5, 6 };
static struct fx_vip vip;
static struct pkt_buf flows[FLOWS];

static void setup(void)
{
	__u32 n;

	fixture_setup();
	fx_add_backends(&fx, old_ids, 3);
	fx_add_backends(&fx, new_ids, 3);
	fx_add_vip(&fx, &vip, FX_VIP4, 0, 0, VIP_ID, 0);
	for (n = 0; n < FLOWS; n++)
		fx_flow(&flows[n], FX_VIP4, IPPROTO_UDP, 53, n);
}

/* Every flow's backend now; each must be one of @ids. */
static void record(int *out, const __u32 *ids, const char *table)
{
	__u32 n;

	for (n = 0; n < FLOWS; n++) {
		out[n] = fx_flow_backend(&fx, &flows[n]);
		cr_assert(out[n] == (int)ids[0] || out[n] == (int)ids[1] || out[n] == (int)ids[2],
			  "flow %u under the %s table: backend %d", n, table, out[n]);
	}
}

static void expect_all(const int *want, const char *when)
{
	__u32 n;
	int b;

	for (n = 0; n < FLOWS; n++) {
		b = fx_flow_backend(&fx, &flows[n]);
		cr_assert_eq(b, want[n], "%s: flow %u to backend %d, expected %d", when, n, b,
			     want[n]);
	}
}

Test(packets, table_staged_then_flipped, .init = setup, .fini = fixture_teardown)
{
	static int by_old[FLOWS], by_new[FLOWS];

	/* each table's own assignment, learnt by writing it alone */
	fx_put_table(&fx, &vip, new_ids, NULL, 3, SMALL_TABLE, true);
	record(by_new, new_ids, "new");
	fx_put_table(&fx, &vip, old_ids, NULL, 3, XDPCAST_TABLE_SIZE_DEFAULT, true);
	record(by_old, old_ids, "old");

	fx_put_table(&fx, &vip, new_ids, NULL, 3, SMALL_TABLE, false);
	expect_all(by_old, "new table staged, not flipped");
	cr_assert_eq(xdpcast_dp_flip_table(&fx.dp, &vip.key), 0);
	expect_all(by_new, "after the flip");
	cr_assert_eq(xdpcast_dp_flip_table(&fx.dp, &vip.key), 0);
	expect_all(by_old, "after flipping back");
}

struct flipper {
	__u32 *t1, *t2;
	atomic_bool stop;
	atomic_uint writes;
	int err;
};

/* Write T1 and T2 in turn until told to stop; no Criterion assert off the test thread. */
static void *flip_loop(void *arg)
{
	struct flipper *fl = arg;
	unsigned int i;

	for (i = 0; !atomic_load(&fl->stop) && !fl->err; i++) {
		if (i & 1)
			fl->err = xdpcast_dp_write_table(&fx.dp, &vip.key, fl->t2, SMALL_TABLE);
		else
			fl->err = xdpcast_dp_write_table(&fx.dp, &vip.key, fl->t1,
							 XDPCAST_TABLE_SIZE_DEFAULT);
		atomic_fetch_add(&fl->writes, 1);
	}
	return NULL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

Test(packets, table_flip_race_never_mixes, .init = setup, .fini = fixture_teardown)
{
	static int by_t1[FLOWS], by_t2[FLOWS];
	struct flipper fl = { .t1 = calloc(XDPCAST_TABLE_SIZE_DEFAULT, sizeof(__u32)),
			      .t2 = calloc(SMALL_TABLE, sizeof(__u32)) };
	__u64 seen1 = 0, seen2 = 0, end;
	pthread_t writer;
	__u32 n = 0;
	int b;

	cr_assert(fl.t1 && fl.t2);
	fx_build_table(old_ids, NULL, 3, fx.seed, fl.t1, XDPCAST_TABLE_SIZE_DEFAULT);
	fx_build_table(new_ids, NULL, 3, fx.seed, fl.t2, SMALL_TABLE);
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &vip.key, fl.t2, SMALL_TABLE), 0);
	record(by_t2, new_ids, "T2");
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &vip.key, fl.t1, XDPCAST_TABLE_SIZE_DEFAULT),
		     0);
	record(by_t1, old_ids, "T1");

	cr_assert_eq(pthread_create(&writer, NULL, flip_loop, &fl), 0);
	end = now_ns() + RACE_NS;
	while (now_ns() < end) {
		b = fx_flow_backend(&fx, &flows[n]);
		if (b != by_t1[n] && b != by_t2[n]) {
			atomic_store(&fl.stop, true);
			pthread_join(writer, NULL);
			cr_assert_fail("flow %u to backend %d: T1 says %d, T2 says %d", n, b,
				       by_t1[n], by_t2[n]);
		}
		seen1 += b == by_t1[n];
		seen2 += b == by_t2[n];
		n = (n + 1) % FLOWS;
	}
	atomic_store(&fl.stop, true);
	pthread_join(writer, NULL);
	free(fl.t1);
	free(fl.t2);

	cr_assert_eq(fl.err, 0, "write_table failed during the race: %d", fl.err);
	/* the race happened: many flips, and packets saw both tables */
	cr_assert_geq(atomic_load(&fl.writes), 20, "only %u table writes in the race",
		      atomic_load(&fl.writes));
	cr_assert(seen1 > 0 && seen2 > 0, "packets saw T1 %llu times, T2 %llu times",
		  (unsigned long long)seen1, (unsigned long long)seen2);
}
