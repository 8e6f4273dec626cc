/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the parts of the dataplane's writer share, inside the library only:
 * dataplane.c opens and closes the maps and forgets kept table views,
 * dataplane_write.c writes the maps, dataplane_stats.c reads the counters.
 * Calls go one way: stats -> write -> dataplane.c.
 */
#ifndef XDPCAST_DATAPLANE_IMPL_H
#define XDPCAST_DATAPLANE_IMPL_H

#include <stddef.h>

#include "dataplane_fds.h"

/* dataplane.c: the fds and table views that struct xdpcast_dp holds. */

/* Close *@fd unless it is -1, and set it to -1. */
void dp_close_fd(int *fd);
/* The kernel lays array values out 8-byte aligned, in the mmap view too. */
size_t dp_array_stride(size_t value_size);
/* Bytes of the mmap view of an array of @n values of @value_size. */
size_t dp_array_view_len(size_t value_size, __u32 n);
/* Forget a kept table: unmap its view and close its fd; the map itself lives
 * on as long as the VIP (or anything else) still holds it. */
void dp_table_drop(struct xdpcast_dp_table *t);
/* Forget both tables kept for VIP id @id (staged and active). */
void dp_drop_vip_tables(struct xdpcast_dp *dp, __u32 id);

/* dataplane_write.c */

/* Zero entry @idx of the per-CPU array @fd, whose values are @value_size
 * bytes; @what names it in the log. */
int dp_clear_percpu(struct xdpcast_dp *dp, int fd, __u32 idx, size_t value_size, const char *what);

#endif /* XDPCAST_DATAPLANE_IMPL_H */
