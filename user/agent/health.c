// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The rise/fall state machine of a backend's health, and what the log says of it. */
#include <ctype.h>
#include <string.h>

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

enum health_say health_log_verdict(struct health_log *l, const struct health *h, bool pass,
				   bool changed, bool differs, double now, uint32_t *skipped)
{
	*skipped = 0;
	if (l->streak && pass == l->last_pass) {
		if (l->streak < UINT32_MAX)
			l->streak++;
	} else {
		l->streak = 1;
	}
	l->last_pass = pass;
	if (!l->quiet_s)
		l->quiet_s = HEALTH_LOG_QUIET_S;
	if (changed) {
		/* its line tells the state and the reason: the next change is news */
		l->told = true;
		l->unlogged = 0;
		l->quiet_s = HEALTH_LOG_QUIET_S;
		l->quiet_until = now;
		return HEALTH_SAY_NOTHING;
	}
	if (!l->told) {
		l->verdicts++;
		l->passes += pass;
		if (l->streak >= (pass ? h->rise : h->fall)) {
			l->told = true;
			l->quiet_until = now + l->quiet_s;
			return HEALTH_SAY_FIRST;
		}
		/* a backend that passes and fails by turns reaches neither: say so
		 * once it has had the checks a steady one would have needed */
		if (l->verdicts < h->rise + h->fall)
			return HEALTH_SAY_NOTHING;
		l->told = true;
		l->quiet_until = now + l->quiet_s;
		return HEALTH_SAY_MIXED;
	}
	if (pass || h->up)
		return HEALTH_SAY_NOTHING;
	if (differs && l->unlogged < UINT32_MAX)
		l->unlogged++;
	/* a change held back is told with the first failure after the quiet time */
	if (!l->unlogged || now < l->quiet_until)
		return HEALTH_SAY_NOTHING;
	*skipped = l->unlogged - 1;
	l->unlogged = 0;
	/* reasons that keep changing: each line waits twice as long as the last */
	if (!*skipped)
		l->quiet_s = HEALTH_LOG_QUIET_S;
	else if (l->quiet_s * 2 <= HEALTH_LOG_QUIET_MAX_S)
		l->quiet_s *= 2;
	else
		l->quiet_s = HEALTH_LOG_QUIET_MAX_S;
	l->quiet_until = now + l->quiet_s;
	return HEALTH_SAY_REASON;
}

/* Past "after " and the number that follows it. */
static const char *skip_duration(const char *s)
{
	static const char after[] = "after ";

	if (strncmp(s, after, sizeof(after) - 1))
		return s;
	s += sizeof(after) - 1;
	while (isdigit((unsigned char)*s) || *s == '.')
		s++;
	return s;
}

bool health_same_reason(const char *a, const char *b)
{
	while (*a || *b) {
		const char *na = skip_duration(a), *nb = skip_duration(b);

		if (na != a || nb != b) {
			if (na == a || nb == b)
				return false;
			a = na;
			b = nb;
			continue;
		}
		if (*a != *b)
			return false;
		a++;
		b++;
	}
	return true;
}
