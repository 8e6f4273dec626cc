/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A probe's verdict as its callback receives it: pass or fail, the class
 * of a failure (enum probe_outcome, counted and shown by name) and its
 * reason. Below every probe file; the counters and the log read it too.
 */
#ifndef XDPCAST_PROBE_RESULT_H
#define XDPCAST_PROBE_RESULT_H

#include <stdbool.h>

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

#endif /* XDPCAST_PROBE_RESULT_H */
