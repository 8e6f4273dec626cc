/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * When a check's next probe starts: points on a fixed grid of its interval
 * (so the interval does not drift, however long probes take or late the
 * loop runs), each shifted by a random jitter. Pure arithmetic, tested alone.
 */
#ifndef XDPCAST_SCHEDULE_H
#define XDPCAST_SCHEDULE_H

struct schedule {
	double next_base; /* the grid's next point, in the loop's clock (seconds) */
	double interval; /* seconds */
	double jitter; /* seconds: each start is next_base + [0, jitter) */
};

/* A grid starting at @now + @phase (0 <= @phase < 1 of an interval: spreads
 * many checks over the interval). */
void schedule_init(struct schedule *s, double now, double interval, double jitter, double phase);
/* Seconds from @now to the next start, with @unit in [0, 1) choosing the
 * jitter; advances the grid. Grid points already past are skipped, not
 * bunched together. */
double schedule_next(struct schedule *s, double now, double unit);

#endif /* XDPCAST_SCHEDULE_H */
