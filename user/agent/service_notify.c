// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sd_notify(3) for systemd's Type=notify (service_notify.h). */
#include "service_notify.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"

#define STATUS_MAX 256

/* @state ("READY=1\n", ...) then STATUS=<fmt>; unset_environment 0: every
 * later call (reload, stop, watchdog) needs NOTIFY_SOCKET still */
static void notify_with_status(const char *state, const char *fmt, va_list ap)
{
	char status[STATUS_MAX];
	int r;

	vsnprintf(status, sizeof(status), fmt, ap);
	r = sd_notifyf(0, "%sSTATUS=%s", state, status);
	if (r < 0)
		pr_debug("sd_notify: %d\n", r);
}

void service_notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_with_status("READY=1\n", fmt, ap);
	va_end(ap);
}

void service_notify_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_with_status("", fmt, ap);
	va_end(ap);
}

void service_notify_stopping(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_with_status("STOPPING=1\n", fmt, ap);
	va_end(ap);
}

void service_notify_reloading(void)
{
	struct timespec ts;

	/* systemd (>= 253) matches the reload to its request by this timestamp */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL +
			   (unsigned long long)ts.tv_nsec / 1000);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
}

double service_watchdog_start(struct ev_loop *loop, ev_timer *w)
{
	uint64_t usec = 0;
	double period;

	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 0;
	/* half the limit: one late turn of the loop is not yet a kill */
	period = (double)usec / 2e6;
	ev_timer_init(w, on_watchdog, period, period);
	ev_timer_start(loop, w);
	sd_notify(0, "WATCHDOG=1");
	return period;
}
