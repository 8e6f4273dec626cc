// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The rise/fall state machine of a backend's health. */
#include "health.h"

void health_init(struct health *h, uint32_t rise, uint32_t fall, bool up)
{
	h->up = up;
	h->rise = rise ? rise : 1;
	h->fall = fall ? fall : 1;
	h->passes = 0;
	h->failures = 0;
}

bool health_record(struct health *h, bool pass)
{
	if (h->up) {
		h->failures = pass ? 0 : h->failures + 1;
		if (h->failures < h->fall)
			return false;
		h->up = false;
		h->failures = 0;
		return true;
	}
	h->passes = pass ? h->passes + 1 : 0;
	if (h->passes < h->rise)
		return false;
	h->up = true;
	h->passes = 0;
	return true;
}

bool health_force_down(struct health *h)
{
	bool changed = h->up;

	h->up = false;
	h->passes = 0;
	h->failures = 0;
	return changed;
}

void health_set_thresholds(struct health *h, uint32_t rise, uint32_t fall)
{
	health_init(h, rise, fall, h->up);
}

uint32_t health_streak(const struct health *h)
{
	return h->up ? h->failures : h->passes;
}
