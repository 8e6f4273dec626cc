/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pieces of the Prometheus text exposition format (0.0.4) for the stats
 * file: HELP and TYPE lines, label values escaped, a histogram's series.
 * Knows nothing of xdpcast's objects.
 */
#ifndef XDPCAST_PROM_H
#define XDPCAST_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "latency_hist.h"

/* "# HELP name text" and "# TYPE name type". */
void prom_help(FILE *f, const char *name, const char *type, const char *text);
/*
 * @value as a label value into @buf (@len > 0): backslash, double quote and
 * newline escaped (\\, \", \n). Cut at a whole character when @buf is too
 * small (2 * strlen + 1 always fits). Returns @buf.
 */
const char *prom_escape(char *buf, size_t len, const char *value);
/*
 * @h as histogram @name's series with @labels (already escaped; "" for
 * none): name_bucket{labels,le="..."} cumulative, up to le="+Inf", then
 * name_sum and name_count. The HELP and TYPE lines are the caller's.
 */
void prom_histogram(FILE *f, const char *name, const char *labels, const struct latency_hist *h);

#endif /* XDPCAST_PROM_H */
