/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Health checking of one backend (checks.c): its probe scheduled every
 * interval with jitter, rise/fall counting, and the verdict handed to
 * vip_state_backend_changed().
 */
#ifndef XDPCAST_CHECKS_H
#define XDPCAST_CHECKS_H

#include "agent_state.h"

/* The backend's probe, to the VIP through its next hop or to its own address
 * as its check's target says (replaces b->probe, which must not run). */
int checks_probe_new(struct agent *a, struct backend *b);
/* Start (or restart) the backend's schedule; its probe must exist. */
void checks_start(struct agent *a, struct backend *b);
/* Stop the schedule and any probe in flight. */
void checks_stop(struct backend *b);

#endif /* XDPCAST_CHECKS_H */
