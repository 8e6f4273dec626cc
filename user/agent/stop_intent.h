/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A stop that knows whether it is a stop: when xdpcastd ends because it is
 * being restarted (`systemctl restart`, a package upgrade, `xdpcastctl
 * handover`), the next xdpcastd adopts the dataplane and the routes, so
 * they stay; only a real stop withdraws the address and detaches. Under
 * systemd, SIGTERM does not say which: the unit's pending job does, asked
 * over D-Bus (sd-bus) within a short timeout. Outside systemd, or when the
 * answer does not come, the stop is a stop.
 */
#ifndef XDPCAST_STOP_INTENT_H
#define XDPCAST_STOP_INTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long SIGTERM may wait for systemd's answer. */
#define STOP_INTENT_TIMEOUT_USEC (2 * 1000 * 1000)

/* Whether a systemd job of @job_type ("restart", "stop", ...; NULL or ""
 * when none is pending) stops the unit only to start it again. */
bool stop_intent_job_is_restart(const char *job_type);

/*
 * Whether systemd is restarting the unit xdpcastd runs in: its pending job
 * (Unit.Job, then Job.JobType) is a restart, xdpcastd being the unit's
 * MainPID (not a child of it). False outside a systemd unit
 * and on any error, within @timeout_usec; @why says what was found (for the
 * log): "systemd job restart", "no systemd unit", "D-Bus: ...".
 */
bool stop_intent_systemd_restart(uint64_t timeout_usec, char *why, size_t whylen);

struct sd_bus;
/*
 * The pending job of @unit asked on @bus (what stop_intent_systemd_restart()
 * does once connected; a test's own bus too): its type into @type (malloc'd;
 * NULL: no job). 0; -ESRCH when the unit's MainPID is not @pid; else -errno.
 * @why says what was found, as above.
 */
int stop_intent_unit_job_type(struct sd_bus *bus, const char *unit, uint32_t pid, char **type,
			      char *why, size_t whylen);

#endif /* XDPCAST_STOP_INTENT_H */
