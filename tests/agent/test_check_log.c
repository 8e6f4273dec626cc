// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the log says of a backend's verdicts beyond its state changes
 * (health_log_verdict()): the first verdict once the initial state is
 * confirmed, then each new failure reason while down, rate-limited; and the
 * names of the verdicts' classes that the control socket and the stats file
 * show.
 */
#include <errno.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "health.h"
#include "probe.h"

/*
 * Feed @verdicts, one every @dt seconds from t = 0: 'p' pass, 'f' a failure
 * for the same reason as the failure before, 'F' one for another reason.
 * Each gives one character: 'T' a state change (logged by the agent), '1'
 * the first verdict line, 'R' a reason change line, 'M' the first line of
 * checks that pass and fail by turns, '.' nothing.
 */
static void feed(struct health *h, struct health_log *l, const char *verdicts, double dt,
		 char *said, uint32_t *skipped)
{
	double now = 0;

	for (; *verdicts; verdicts++, said++, now += dt) {
		bool pass = *verdicts == 'p';
		bool changed = health_record(h, pass);
		enum health_say say =
			health_log_verdict(l, h, pass, changed, *verdicts == 'F', now, skipped);

		if (changed)
			*said = say == HEALTH_SAY_NOTHING ? 'T' : '!';
		else
			*said = say == HEALTH_SAY_FIRST	   ? '1'
				: say == HEALTH_SAY_REASON ? 'R'
				: say == HEALTH_SAY_MIXED  ? 'M'
							   : '.';
	}
	*said = '\0';
}

struct log_case {
	const char *name;
	uint32_t rise, fall;
	bool initial_up;
	double dt;
	const char *verdicts;
	const char *said;
};

static const struct log_case cases[] = {
	{ "down from the start: told once, after fall failures", 2, 3, false, 1, "ffffff",
	  "..1..." },
	{ "fall 1: told at the first failure", 2, 1, false, 1, "ff", "1." },
	{ "up from the start (adopted): told after rise passes", 2, 3, true, 1, "pppp", ".1.." },
	{ "a state change is the agent's line: no first line after it", 2, 3, false, 1, "pppp",
	  ".T.." },
	{ "reasons that change before the first line do not count", 2, 3, false, 1, "fFF", "..1" },
	{ "passing and failing by turns: told once, after rise + fall checks", 2, 3, false, 1,
	  "fpfpfpfp", "....M..." },
	{ "a new reason while down after a transition: told at once", 2, 3, true, 1, "fffF",
	  "..TR" },
	{ "the same reason again says nothing", 2, 3, true, 1, "ffffff", "..T..." },
	{ "a new reason within 30 s of the first line waits, then is told", 2, 3, false, 10,
	  "fffFfff", "..1..R." },
	{ "a new reason after the quiet time: told at once", 2, 3, false, 40, "fffF", "..1R" },
	{ "two reason lines are 30 s apart", 2, 3, true, 10, "fffFFFFF", "..TR..R." },
	{ "no reason line while up (failures below fall)", 2, 3, true, 100, "ppfFpfFp",
	  ".1......" },
	{ "passes while down hold a pending change back until the next failure", 2, 3, false, 10,
	  "fffFpf", "..1..R" },
	{ "a state change tells the reason: a pending change is dropped", 2, 3, false, 10, "fffFpp",
	  "..1..T" },
};

Test(check_log, first_verdict_and_reason_changes)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct log_case *c = &cases[i];
		struct health_log l = { 0 };
		struct health h;
		uint32_t skipped;
		char said[64];

		health_init(&h, c->rise, c->fall, c->initial_up);
		feed(&h, &l, c->verdicts, c->dt, said, &skipped);
		cr_expect_str_eq(said, c->said, "%s: %s gave %s, want %s", c->name, c->verdicts,
				 said, c->said);
	}
}

/* Changes held back by the quiet time are counted in the line that sums them up. */
Test(check_log, skipped_changes_are_counted)
{
	struct health_log l = { 0 };
	struct health h;
	uint32_t skipped = 99;
	double t;

	health_init(&h, 2, 3, false);
	for (t = 0; t < 3; t++)
		health_log_verdict(&l, &h, false, health_record(&h, false), false, t, &skipped);
	cr_assert(l.told);
	cr_assert_eq(l.streak, 3);
	/* t = 2: first line; five new reasons before t = 32 */
	for (t = 3; t < 8; t++)
		cr_assert_eq(health_log_verdict(&l, &h, false, false, true, t, &skipped),
			     HEALTH_SAY_NOTHING, "t=%.0f", t);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, false, 31.9, &skipped),
		     HEALTH_SAY_NOTHING);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, false, 32, &skipped),
		     HEALTH_SAY_REASON);
	cr_assert_eq(skipped, 4, "the line tells the last change; 4 before it were not logged");
	cr_assert_eq(l.streak, 10);
	/* it summed several up: the next waits twice as long, until t = 92 */
	cr_assert_eq(health_log_verdict(&l, &h, false, false, true, 33, &skipped),
		     HEALTH_SAY_NOTHING);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, false, 91.9, &skipped),
		     HEALTH_SAY_NOTHING);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, false, 92, &skipped),
		     HEALTH_SAY_REASON);
	cr_assert_eq(skipped, 0);
	/* a lone change: back to 30 s */
	cr_assert_eq(health_log_verdict(&l, &h, false, false, true, 122, &skipped),
		     HEALTH_SAY_REASON);
}

/* A reason that flips at every check (rate-limited ICMP errors): lines ever further apart. */
Test(check_log, flapping_reasons_back_off)
{
	static const double gaps[] = { 30, 60, 120, 240, 480, 600, 600 };
	struct health_log l = { 0 };
	struct health h;
	uint32_t skipped;
	double t, last = -1;
	size_t n = 0;

	health_init(&h, 2, 3, true);
	for (t = 0; t < 3; t++)
		health_record(&h, false);
	cr_assert(health_log_verdict(&l, &h, false, true, false, 2, &skipped) ==
		  HEALTH_SAY_NOTHING);
	for (t = 3; n < sizeof(gaps) / sizeof(gaps[0]) + 1; t++) {
		if (health_log_verdict(&l, &h, false, false, true, t, &skipped) !=
		    HEALTH_SAY_REASON)
			continue;
		if (last >= 0)
			cr_expect_eq(t - last, gaps[n - 1], "line %zu: %.0f s after the one before",
				     n, t - last);
		last = t;
		n++;
	}
	/* a state change starts over: the next new reason after it is told at once, then 30 s */
	health_log_verdict(&l, &h, true, true, false, t, &skipped);
	cr_assert_eq(health_log_verdict(&l, &h, false, true, false, t + 1, &skipped),
		     HEALTH_SAY_NOTHING);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, true, t + 2, &skipped),
		     HEALTH_SAY_REASON);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, true, t + 3, &skipped),
		     HEALTH_SAY_NOTHING);
	cr_assert_eq(health_log_verdict(&l, &h, false, false, false, t + 32, &skipped),
		     HEALTH_SAY_REASON);
}

Test(check_log, same_reason_ignores_durations)
{
	static const struct {
		const char *a, *b;
		bool same;
	} cases[] = {
		{ "dns: connection refused", "dns: connection refused", true },
		{ "dns: connection refused", "dns: rcode SERVFAIL", false },
		{ "http: Failed to connect to 198.18.1.2 port 80 after 0 ms: Couldn't connect",
		  "http: Failed to connect to 198.18.1.2 port 80 after 12 ms: Couldn't connect",
		  true },
		{ "timeout after 150 ms", "timeout after 300 ms", true },
		{ "http: status 503", "http: status 500", false },
		{ "icmp: destination unreachable (code 9)",
		  "icmp: destination unreachable (code 10)", false },
		{ "tcp: connection refused", "tcp: connection refused after", false },
		{ "", "", true },
		{ "a", "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(health_same_reason(cases[i].a, cases[i].b), cases[i].same,
			     "\"%s\" vs \"%s\"", cases[i].a, cases[i].b);
		cr_expect_eq(health_same_reason(cases[i].b, cases[i].a), cases[i].same,
			     "\"%s\" vs \"%s\"", cases[i].b, cases[i].a);
	}
}

Test(check_log, outcome_names_and_errno_classes)
{
	static const char *const names[] = { "ok",	    "timeout",	 "refused",
					     "unreachable", "bad_reply", "error" };

	cr_assert_eq(sizeof(names) / sizeof(names[0]), PROBE_OUTCOME_MAX);
	for (int o = 0; o < PROBE_OUTCOME_MAX; o++)
		cr_expect_str_eq(probe_outcome_name((enum probe_outcome)o), names[o]);
	cr_expect_str_eq(probe_outcome_name(PROBE_OUTCOME_MAX), "?");
	cr_expect_eq(probe_errno_outcome(ECONNREFUSED), PROBE_REFUSED);
	cr_expect_eq(probe_errno_outcome(EHOSTUNREACH), PROBE_UNREACHABLE);
	cr_expect_eq(probe_errno_outcome(ENETUNREACH), PROBE_UNREACHABLE);
	cr_expect_eq(probe_errno_outcome(EHOSTDOWN), PROBE_UNREACHABLE);
	cr_expect_eq(probe_errno_outcome(ETIMEDOUT), PROBE_TIMEOUT);
	cr_expect_eq(probe_errno_outcome(ECONNRESET), PROBE_ERROR);
	cr_expect_eq(probe_errno_outcome(ENOMEM), PROBE_ERROR);
}
