/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The probe types xdpcastd runs, the one place that lists them: each is
 * its own file with its struct probe_ops (which check types it runs, its
 * share of the env, start and stop), and the core (probe.c) is handed this
 * table. A new type is a file and a row here.
 */
#include <stddef.h>

#include "probe.h"
#include "probe_attempt.h"

/* Defined each in its own file: probe_icmp.c, probe_tcp.c, probe_dns.c, probe_http.c. */
extern const struct probe_ops probe_icmp_ops, probe_tcp_ops, probe_dns_ops, probe_http_ops;

static const struct probe_ops *const probe_types[] = {
	&probe_icmp_ops, &probe_tcp_ops, &probe_dns_ops, &probe_http_ops, NULL,
};
_Static_assert(sizeof(probe_types) / sizeof(probe_types[0]) <= PROBE_TYPES_MAX + 1,
	       "room in an env for every probe type");

struct probe_env *probe_env_new(struct ev_loop *loop)
{
	return probe_env_create(loop, probe_types);
}
