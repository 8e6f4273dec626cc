// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The dataplane's counters (stats_vips, stats_backends): per-CPU values read
 * and summed, by VIP and reason or by backend; a backend's zeroed when its id
 * is given to another; and the reasons' names.
 */
#include "dataplane.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane_impl.h"
#include "log.h"

static const char *const reason_names[] = {
	[XDPCAST_PASS_NOT_IP] = "pass_not_ip",
	[XDPCAST_PASS_MALFORMED] = "pass_malformed",
	[XDPCAST_PASS_NOT_VIP] = "pass_not_vip",
	[XDPCAST_PASS_TTL] = "pass_ttl",
	[XDPCAST_PASS_NO_BACKEND] = "pass_no_backend",
	[XDPCAST_PASS_NO_NEIGH] = "pass_no_neigh",
	[XDPCAST_PASS_NO_EGRESS] = "pass_no_egress",
	[XDPCAST_PASS_NO_HEADROOM] = "pass_no_headroom",
	[XDPCAST_TX] = "tx",
	[XDPCAST_REDIRECT] = "redirect",
	[XDPCAST_PASS_L2_BROADCAST] = "pass_l2_broadcast",
	[XDPCAST_PASS_L2_MULTICAST] = "pass_l2_multicast",
	[XDPCAST_PASS_L2_OTHERHOST] = "pass_l2_otherhost",
	[XDPCAST_PASS_BAD_LENGTH] = "pass_bad_length",
	[XDPCAST_PASS_MARTIAN] = "pass_martian",
	[XDPCAST_PASS_SOURCE_ROUTE] = "pass_source_route",
};
_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == XDPCAST_REASON_MAX,
	       "a name for every reason");

const char *xdpcast_reason_name(enum xdpcast_reason reason)
{
	return (unsigned int)reason < XDPCAST_REASON_MAX ? reason_names[reason] : "unknown";
}

/* Per-CPU values of @fd at @idx, summed into @out (@n counters each). */
static int read_percpu_counters(struct xdpcast_dp *dp, int fd, __u32 idx,
				struct xdpcast_counter *out, size_t n)
{
	struct xdpcast_counter *percpu;
	size_t i;
	int cpu, err = 0;

	percpu = calloc((size_t)dp->ncpus * n, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, n * sizeof(*out));
	if (bpf_map_lookup_elem(fd, &idx, percpu)) {
		err = -errno;
	} else {
		for (cpu = 0; cpu < dp->ncpus; cpu++) {
			for (i = 0; i < n; i++) {
				out[i].packets += percpu[cpu * n + i].packets;
				out[i].bytes += percpu[cpu * n + i].bytes;
			}
		}
	}
	free(percpu);
	return err;
}

int xdpcast_dp_read_vip_row(struct xdpcast_dp *dp, __u32 row, struct xdpcast_vip_counters *out)
{
	if (row >= XDPCAST_STATS_ROWS)
		return -EINVAL;
	return read_percpu_counters(dp, dp->stats_vips, row, out->reason, XDPCAST_REASON_MAX);
}

int xdpcast_dp_read_stats(struct xdpcast_dp *dp, struct xdpcast_vip_counters *rows)
{
	size_t per_row = XDPCAST_REASON_MAX, n = (size_t)dp->ncpus * per_row;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct xdpcast_counter *values;
	__u32 keys[XDPCAST_STATS_ROWS], count = XDPCAST_STATS_ROWS, batch, i, r;
	size_t cpu;
	int err;

	values = calloc((size_t)XDPCAST_STATS_ROWS * n, sizeof(*values));
	if (!values)
		return -ENOMEM;
	/* the whole map in one call: a per-CPU value per row */
	err = bpf_map_lookup_batch(dp->stats_vips, NULL, &batch, keys, values, &count, &opts);
	if (err && err != -ENOENT) {
		free(values);
		return log_err(err, "read VIP counters");
	}
	memset(rows, 0, XDPCAST_STATS_ROWS * sizeof(*rows));
	for (i = 0; i < count; i++) {
		if (keys[i] >= XDPCAST_STATS_ROWS)
			continue;
		for (cpu = 0; cpu < (size_t)dp->ncpus; cpu++) {
			for (r = 0; r < per_row; r++) {
				const struct xdpcast_counter *c =
					&values[i * n + cpu * per_row + r];

				rows[keys[i]].reason[r].packets += c->packets;
				rows[keys[i]].reason[r].bytes += c->bytes;
			}
		}
	}
	free(values);
	return 0;
}

int xdpcast_dp_read_reason(struct xdpcast_dp *dp, enum xdpcast_reason reason,
			   struct xdpcast_counter *out)
{
	struct xdpcast_vip_counters *rows;
	__u32 r;
	int err;

	if ((unsigned int)reason >= XDPCAST_REASON_MAX)
		return -EINVAL;
	rows = calloc(XDPCAST_STATS_ROWS, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	err = xdpcast_dp_read_stats(dp, rows);
	memset(out, 0, sizeof(*out));
	for (r = 0; !err && r < XDPCAST_STATS_ROWS; r++) {
		out->packets += rows[r].reason[reason].packets;
		out->bytes += rows[r].reason[reason].bytes;
	}
	free(rows);
	return err;
}

int xdpcast_dp_read_vip_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	struct xdpcast_vip_counters row;
	int r, err;

	if (id >= XDPCAST_MAX_VIPS)
		return -EINVAL;
	err = xdpcast_dp_read_vip_row(dp, id, &row);
	memset(out, 0, sizeof(*out));
	for (r = 0; !err && r < XDPCAST_REASON_MAX; r++) {
		out->packets += row.reason[r].packets;
		out->bytes += row.reason[r].bytes;
	}
	return err;
}

int xdpcast_dp_clear_backend_stats(struct xdpcast_dp *dp, __u32 id)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return dp_clear_percpu(dp, dp->stats_backends, id, sizeof(struct xdpcast_counter),
			       "clear backend counters");
}

int xdpcast_dp_read_backend_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return read_percpu_counters(dp, dp->stats_backends, id, out, 1);
}
