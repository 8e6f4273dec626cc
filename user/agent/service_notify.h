/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What systemd's Type=notify asks of xdpcastd (sd_notify(3)): READY=1 once
 * the first tables are written and the routes in place, STATUS= lines,
 * RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a reload,
 * STOPPING=1, and WATCHDOG=1 every half of WatchdogSec= while the event
 * loop turns. Without NOTIFY_SOCKET (not under systemd) every call does
 * nothing.
 */
#ifndef XDPCAST_SERVICE_NOTIFY_H
#define XDPCAST_SERVICE_NOTIFY_H

#include <ev.h>

/* READY=1 with a STATUS= line. */
void service_notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A STATUS= line alone. */
void service_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 and MONOTONIC_USEC=now: a reload starts. */
void service_notify_reloading(void);
/* STOPPING=1 with a STATUS= line. */
void service_notify_stopping(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* When WatchdogSec= is set for this process, start @w on @loop: WATCHDOG=1
 * every half of it. Returns the period in seconds, or 0 (not started). */
double service_watchdog_start(struct ev_loop *loop, ev_timer *w);

#endif /* XDPCAST_SERVICE_NOTIFY_H */
