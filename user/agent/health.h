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

#endif /* XDPCAST_HEALTH_H */
