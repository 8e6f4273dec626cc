/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A latency histogram with fixed buckets suited to health checks (1 ms to
 * 5 s), kept per backend by checks.c and written by the stats file as a
 * Prometheus histogram. Fixed buckets: every backend's series have the same
 * `le` values, so they can be summed and compared.
 */
#ifndef XDPCAST_LATENCY_HIST_H
#define XDPCAST_LATENCY_HIST_H

#include <stdint.h>

#define LATENCY_HIST_BOUNDS 12

/* The buckets' upper bounds in seconds, ascending; +Inf is implied. */
extern const double latency_hist_bounds[LATENCY_HIST_BOUNDS];

struct latency_hist {
	/* observations per bucket, not cumulative; [LATENCY_HIST_BOUNDS]: above the last */
	uint64_t bucket[LATENCY_HIST_BOUNDS + 1];
	uint64_t count;
	double sum; /* seconds */
};

/* Count one observation of @seconds (negative or NaN: as 0). */
void latency_hist_add(struct latency_hist *h, double seconds);
/* Observations <= latency_hist_bounds[@i] (i == LATENCY_HIST_BOUNDS: all), as `le` wants. */
uint64_t latency_hist_cumulative(const struct latency_hist *h, int i);

#endif /* XDPCAST_LATENCY_HIST_H */
