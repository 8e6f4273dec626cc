// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The probe schedule: no drift whatever the loop's lateness, jitter within
 * its bound, missed points skipped rather than bunched. */
#include <criterion/criterion.h>

#include "schedule.h"

#define EPS 1e-9

Test(schedule, first_start_at_the_phase)
{
	struct schedule s;
	double delay;

	schedule_init(&s, 100.0, 2.0, 0.0, 0.25);
	delay = schedule_next(&s, 100.0, 0.0); /* the macros evaluate twice */
	cr_expect_float_eq(delay, 0.5, EPS);
}

Test(schedule, late_wakeups_do_not_drift)
{
	struct schedule s;
	double now = 0, start = 0;

	schedule_init(&s, 0, 1.0, 0.0, 0.0);
	/* the loop wakes 30 ms late every time and each probe "takes" 200 ms */
	for (int i = 0; i < 1000; i++) {
		start = now + schedule_next(&s, now, 0.0);
		cr_assert_float_eq(start, (double)i, EPS, "start %d at %f", i, start);
		now = start + 0.030 + 0.200;
	}
}

Test(schedule, jitter_stays_within_bound_and_off_the_grid)
{
	struct schedule s;
	double now = 0, start;

	schedule_init(&s, 0, 1.0, 0.1, 0.0);
	for (int i = 0; i < 100; i++) {
		double unit = (i % 10) / 10.0;

		start = now + schedule_next(&s, now, unit);
		cr_assert_float_eq(start, i + unit * 0.1, EPS, "start %d at %f", i, start);
		now = start;
	}
}

Test(schedule, missed_points_are_skipped_not_bunched)
{
	struct schedule s;
	double start;

	schedule_init(&s, 0, 1.0, 0.0, 0.0);
	schedule_next(&s, 0, 0.0); /* start 0 */
	/* the loop was stuck for 5.5 s: one start now-ish, then back on the grid */
	start = 5.5 + schedule_next(&s, 5.5, 0.0);
	cr_expect_float_eq(start, 5.5, EPS, "late start at once: %f", start);
	start = 5.5 + schedule_next(&s, 5.5, 0.0);
	cr_expect_float_eq(start, 6.0, EPS, "then the grid again: %f", start);
}
