/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The end of a probe's attempt, common to every type and to the core: the
 * verdict recorded with its latency and reason, the attempt's timer, and
 * the one delivery. Failures known inside probe_start() are delivered from
 * the loop, never from probe_start() itself, so the caller has finished its
 * own bookkeeping (e.g. "a probe is running") before its callback runs.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe_attempt.h"

static double probe_elapsed_ms(const struct probe *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->started.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - p->started.tv_nsec) / 1e6;
}

/* The end of an attempt: a copy of the result, as the callback may free @p. */
static void probe_deliver(struct probe *p)
{
	struct probe_result r = p->result;

	p->running = false;
	p->decided = false;
	p->done(p->arg, &r);
}

/* Release the attempt and record its verdict; the reason is the caller's. */
static void probe_decide(struct probe *p, enum probe_outcome outcome)
{
	p->ops->stop(p);
	ev_timer_stop(p->env->loop, &p->timer);
	p->result.ok = outcome == PROBE_OK;
	p->result.outcome = outcome;
	p->result.latency_ms = probe_elapsed_ms(p);
	p->result.at = ev_time();
	p->result.reason[0] = '\0';
}

void probe_attempt_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;

	(void)loop;
	(void)revents;
	if (!p->decided)
		probe_fail_timeout(p);
	else
		probe_deliver(p);
}

void probe_pass(struct probe *p)
{
	probe_decide(p, PROBE_OK);
	probe_deliver(p);
}

static void probe_fail_v(struct probe *p, enum probe_outcome outcome, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void probe_fail_v(struct probe *p, enum probe_outcome outcome, const char *fmt, va_list ap)
{
	probe_decide(p, outcome == PROBE_OK ? PROBE_ERROR : outcome);
	vsnprintf(p->result.reason, sizeof(p->result.reason), fmt, ap);
	probe_deliver(p);
}

void probe_fail(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_fail_v(p, PROBE_ERROR, fmt, ap);
	va_end(ap);
}

void probe_fail_as(struct probe *p, enum probe_outcome outcome, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_fail_v(p, outcome, fmt, ap);
	va_end(ap);
}

void probe_fail_timeout(struct probe *p)
{
	probe_fail_as(p, PROBE_TIMEOUT, "timeout after %u ms", p->check.timeout_ms);
}

void probe_fail_soon(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	probe_decide(p, PROBE_ERROR);
	va_start(ap, fmt);
	vsnprintf(p->result.reason, sizeof(p->result.reason), fmt, ap);
	va_end(ap);
	/* the timer, stopped by probe_decide(), delivers on the loop's next iteration */
	p->decided = true;
	ev_timer_set(&p->timer, 0., 0.);
	ev_timer_start(p->env->loop, &p->timer);
}

/* "Connection refused" -> "connection refused", as in every other reason. */
static void probe_errno_text(int err, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

void probe_fail_errno(struct probe *p, const char *what, int err)
{
	char text[PROBE_REASON_MAX];

	probe_errno_text(err, text, sizeof(text));
	probe_fail_as(p, probe_errno_outcome(err), "%s: %s", what, text);
}

void probe_fail_errno_soon(struct probe *p, const char *what, int err)
{
	char text[PROBE_REASON_MAX];

	probe_errno_text(err, text, sizeof(text));
	probe_fail_soon(p, "%s: %s", what, text);
	/* not delivered yet: the class can still be set */
	p->result.outcome = probe_errno_outcome(err);
}
