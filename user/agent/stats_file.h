/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Prometheus text file of the agent's and the dataplane's counters
 * (stats_file.c), written atomically every stats interval.
 */
#ifndef XDPCAST_STATS_FILE_H
#define XDPCAST_STATS_FILE_H

#include "agent_state.h"

/* Write it now; 0 or -errno (logged). */
int stats_file_write(struct agent *a);

#endif /* XDPCAST_STATS_FILE_H */
