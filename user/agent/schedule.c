// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The probe schedule of a check: a drift-free grid plus jitter. */
#include "schedule.h"

void schedule_init(struct schedule *s, double now, double interval, double jitter, double phase)
{
	s->interval = interval;
	s->jitter = jitter;
	s->next_base = now + phase * interval;
}

double schedule_next(struct schedule *s, double now, double unit)
{
	double at;

	/* a point more than an interval past (the loop was busy) is skipped */
	while (s->next_base <= now - s->interval)
		s->next_base += s->interval;
	at = s->next_base + unit * s->jitter;
	s->next_base += s->interval;
	return at > now ? at - now : 0;
}
