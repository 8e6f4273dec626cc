// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The rise/fall state machine: transitions exactly at rise and fall. */
#include <criterion/criterion.h>

#include "health.h"

/* Feed @verdicts ('p' pass, 'f' fail); return where each transition happened. */
static void feed(struct health *h, const char *verdicts, char *changes)
{
	for (; *verdicts; verdicts++, changes++)
		*changes = health_record(h, *verdicts == 'p') ? (h->up ? 'U' : 'D') : '.';
	*changes = '\0';
}

struct health_case {
	const char *name;
	uint32_t rise, fall;
	bool initial_up;
	const char *verdicts;
	const char *changes;
};

static const struct health_case cases[] = {
	{ "up after rise passes", 2, 3, false, "pppp", ".U.." },
	{ "a failure restarts the rise count", 3, 3, false, "ppfppp", ".....U" },
	{ "down after fall failures", 2, 3, true, "fff", "..D" },
	{ "a pass restarts the fall count", 2, 3, true, "ffpfff", ".....D" },
	{ "rise 1 and fall 1 follow every verdict", 1, 1, false, "pfpf", "UDUD" },
	{ "initial up stays up while passing", 2, 2, true, "pppp", "...." },
	{ "flapping below both thresholds changes nothing", 2, 2, true, "fpfpfp", "......" },
	{ "down then up again", 2, 2, true, "ffpp", ".D.U" },
};

Test(health, transitions_at_rise_and_fall)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct health_case *c = &cases[i];
		struct health h;
		char got[32];

		health_init(&h, c->rise, c->fall, c->initial_up);
		feed(&h, c->verdicts, got);
		cr_expect_str_eq(got, c->changes, "%s: got %s, want %s", c->name, got, c->changes);
	}
}

Test(health, force_down_is_immediate_and_resets_counts)
{
	struct health h;

	health_init(&h, 2, 3, true);
	health_record(&h, false);
	cr_expect(health_force_down(&h));
	cr_expect(!h.up);
	cr_expect(!health_force_down(&h), "already down: no change");
	cr_expect(!health_record(&h, true));
	cr_expect(health_record(&h, true), "rise counts from the forced down");
}

Test(health, new_thresholds_keep_state)
{
	struct health h;

	health_init(&h, 2, 2, false);
	health_record(&h, true);
	health_set_thresholds(&h, 3, 5);
	cr_expect(!h.up);
	cr_expect_eq(health_streak(&h), 0);
	cr_expect(!health_record(&h, true));
	cr_expect(!health_record(&h, true));
	cr_expect(health_record(&h, true));
	cr_expect(h.up);
}
