/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rise/fall state machine of one backend's health: up after `rise`
 * consecutive passes, down after `fall` consecutive failures. Pure logic,
 * no I/O, so it is tested on its own.
 */
#ifndef XDPCAST_HEALTH_H
#define XDPCAST_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

struct health {
	bool up;
	uint32_t rise, fall;
	uint32_t passes; /* consecutive passes while down */
	uint32_t failures; /* consecutive failures while up */
};

void health_init(struct health *h, uint32_t rise, uint32_t fall, bool up);
/* Record one probe verdict; returns true when the state changed. */
bool health_record(struct health *h, bool pass);
/* Down now, whatever the count (a FAILED neighbour); true when it changed. */
bool health_force_down(struct health *h);
/* New thresholds (a reload), keeping the state; counts restart. */
void health_set_thresholds(struct health *h, uint32_t rise, uint32_t fall);
/* The streak that the next transition waits for: passes while down, failures while up. */
uint32_t health_streak(const struct health *h);

/*
 * What the log says of a backend's verdicts beyond its state changes: its
 * first verdict, once the initial state is confirmed, and each change of
 * the reason it fails for while down, at most one line per quiet time:
 * HEALTH_LOG_QUIET_S, doubled (up to HEALTH_LOG_QUIET_MAX_S) each time a
 * line has to sum up several changes, as when a closed port's ICMP errors
 * are rate-limited and the reason flips between refused and timeout. A
 * state change, whose own line tells the reason, starts over. Pure logic
 * too: the caller formats the lines.
 */
#define HEALTH_LOG_QUIET_S 30.0
#define HEALTH_LOG_QUIET_MAX_S 600.0

enum health_say {
	HEALTH_SAY_NOTHING,
	HEALTH_SAY_FIRST, /* the first verdict: the state it stays in, and why */
	HEALTH_SAY_REASON, /* still down, failing for another reason */
	/* no first verdict in rise + fall checks: they keep changing (mixed counts) */
	HEALTH_SAY_MIXED,
};

struct health_log {
	bool told; /* the first verdict, or a state change, was logged */
	bool last_pass;
	uint32_t streak; /* verdicts in a row that passed, or failed, as the last did */
	uint32_t unlogged; /* changes of the failure reason not logged yet */
	uint32_t verdicts, passes; /* before the first line: how many, how many passed */
	double quiet_until; /* no reason change line before (seconds, the caller's clock) */
	double quiet_s; /* the quiet time after the next line; 0: HEALTH_LOG_QUIET_S */
};

/*
 * The line to log for a verdict just given to health_record(): @changed,
 * it changed the state (the caller logs that line, which tells the state
 * and the reason); @differs, a failure whose reason is not the previous
 * failure's; @now in seconds. For HEALTH_SAY_REASON, @skipped is how many
 * earlier changes the line sums up that were not logged.
 */
enum health_say health_log_verdict(struct health_log *l, const struct health *h, bool pass,
				   bool changed, bool differs, double now, uint32_t *skipped);
/* Two failure reasons say the same, durations aside: "... after 0 ms" and
 * "... after 1 ms" (as curl words a failed connect) are one reason. */
bool health_same_reason(const char *a, const char *b);

#endif /* XDPCAST_HEALTH_H */
