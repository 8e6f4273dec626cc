// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fixed-bucket latency histograms for the checks (latency_hist.h). The
 * bounds span a probe on the same LAN (a DNS answer in 0.3 ms) to the
 * longest timeout worth having (5 s), about 2.5x apart.
 */
#include "latency_hist.h"

const double latency_hist_bounds[LATENCY_HIST_BOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

void latency_hist_add(struct latency_hist *h, double seconds)
{
	int i = 0;

	if (!(seconds > 0)) /* NaN too */
		seconds = 0;
	while (i < LATENCY_HIST_BOUNDS && seconds > latency_hist_bounds[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += seconds;
}

uint64_t latency_hist_cumulative(const struct latency_hist *h, int i)
{
	uint64_t n = 0;

	if (i > LATENCY_HIST_BOUNDS)
		i = LATENCY_HIST_BOUNDS;
	for (int k = 0; k <= i; k++)
		n += h->bucket[k];
	return n;
}
