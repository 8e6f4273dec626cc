/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * At start and reload, matching what a previous xdpcastd pinned (VIP and
 * backend ids, their health) to the configuration (adopt.c), so a restart
 * keeps the tables and no flow moves.
 */
#ifndef XDPCAST_ADOPT_H
#define XDPCAST_ADOPT_H

#include "agent_state.h"

/* Adopt the pinned ids and health that the configuration still names. */
int adopt_pinned(struct agent *a);
/* Free the pinned backend ids nothing adopted (after the tables are rebuilt). */
void adopt_cleanup(struct agent *a);

#endif /* XDPCAST_ADOPT_H */
