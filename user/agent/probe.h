/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One health probe of one backend, run on a libev loop with non-blocking
 * sockets: ICMP echo, TCP connect, a DNS query over UDP or TCP (built and
 * parsed with ldns) or an HTTP(S) request (libcurl multi). A probe never
 * blocks the loop; it ends by calling its callback exactly once, with a pass
 * or a failure and the reason, at the latest after the check's timeout.
 * Scheduling (interval, jitter) and rise/fall are the caller's.
 */
#ifndef XDPCAST_PROBE_H
#define XDPCAST_PROBE_H

#include <ev.h>
#include <stdint.h>

#include "config.h"
#include "probe_result.h"

struct probe;
/* Shared per loop: each probe type's share (the ICMP sockets, libcurl's multi handle). */
struct probe_env;

/* An env that runs every probe type (probe_types.c lists them). */
struct probe_env *probe_env_new(struct ev_loop *loop);
void probe_env_free(struct probe_env *env);

/*
 * A probe of @target (port taken from @check) with @check's settings, which
 * are copied. Its packets carry the firewall mark @mark (SO_MARK; 0: none),
 * which selects the route to the target (probe_path.h). @done(@arg, result)
 * is called once per probe_start().
 */
struct probe *probe_new(struct probe_env *env, const struct check_config *check,
			const struct addr_config *target, uint32_t mark, probe_done_fn done,
			void *arg);
/* Replies count only when they arrive on interface @ifindex, the one the
 * target lives behind (0: any); the next attempt on. The sockets of tcp, dns
 * and http(s) are bound to it (SO_BINDTOIFINDEX); the ICMP socket's replies
 * are told apart by the interface the kernel says they came in on. */
void probe_set_ifindex(struct probe *probe, int ifindex);
/* Start one attempt; -EBUSY if one is running. Errors that happen later
 * (refused, unreachable...) are reported through the callback. */
int probe_start(struct probe *probe);
/* Abandon a running attempt without calling the callback. */
void probe_cancel(struct probe *probe);
void probe_free(struct probe *probe);

/* A probe type's vtable (probe_attempt.h). */
struct probe_ops;
/* An env that runs the probe types of @types (NULL-terminated): what
 * probe_env_new() does with the table of probe_types.c. */
struct probe_env *probe_env_create(struct ev_loop *loop, const struct probe_ops *const *types);

#endif /* XDPCAST_PROBE_H */
