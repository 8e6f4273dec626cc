/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `xdpcast-dp dump MAP`: any pinned map of the dataplane, read from its pin
 * and decoded (addresses, MACs, VIP keys, states, reasons; per-CPU values
 * summed; Maglev tables summarised), as lines of key=value or as JSON.
 * docs/xdpcast-dp.md and docs/maps.md describe its output.
 */
#ifndef XDPCAST_DP_DUMP_H
#define XDPCAST_DP_DUMP_H

/* The dump command's arguments after "dump" (argv[0] is "dump"); returns
 * the exit code: 0, 1 failed, 2 bad command line. */
int xdpcast_dp_dump(const char *pin_dir, int argc, char **argv);

#endif /* XDPCAST_DP_DUMP_H */
