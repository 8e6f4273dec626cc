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
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

#define PROBE_REASON_MAX 128

/* A verdict's class, for counters and for telling failures apart; append only. */
enum probe_outcome {
	PROBE_OK,
	PROBE_TIMEOUT, /* no verdict within the check's timeout */
	PROBE_REFUSED, /* connection refused, or an ICMP port unreachable */
	PROBE_UNREACHABLE, /* no route, host or network unreachable (errno or ICMP) */
	PROBE_BAD_REPLY, /* the service answered, wrongly (rcode, status, body, TLS) */
	PROBE_ERROR, /* anything else: the prober's own errors, resets */
	PROBE_OUTCOME_MAX,
};

struct probe_result {
	bool ok;
	enum probe_outcome outcome; /* PROBE_OK when ok */
	double latency_ms; /* from start to verdict */
	double at; /* when the verdict was made: unix time (ev_time()) */
	char reason
		[PROBE_REASON_MAX]; /* "dns: rcode SERVFAIL", "tcp: connection refused", "timeout" */
};

/* "ok", "timeout", "refused", "unreachable", "bad_reply", "error" ("?" if unknown). */
const char *probe_outcome_name(enum probe_outcome outcome);
/* The class of a failure with errno @err (ECONNREFUSED: refused...). */
enum probe_outcome probe_errno_outcome(int err);

typedef void (*probe_done_fn)(void *arg, const struct probe_result *result);

struct probe;
/* Shared per loop: the ICMP sockets and libcurl's multi handle. */
struct probe_env;

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

/*
 * The verdict on a DNS reply to a query with id @id for @check (exposed for
 * tests): true if it is acceptable; else false with the reason in @reason.
 */
bool probe_dns_judge(const struct check_config *check, uint16_t id, const uint8_t *reply,
		     size_t len, char reason[PROBE_REASON_MAX]);

#endif /* XDPCAST_PROBE_H */
