// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Each backend's probes on the loop, at the times schedule.c gives (a
 * drift-free grid with jitter, the first at a random phase so that a
 * thousand checks do not fire together). A verdict feeds the rise/fall state
 * machine; a transition is applied and logged by the agent. Verdicts are
 * counted by outcome, and the log tells each backend's first verdict and
 * every new reason it fails for (health_log_verdict() decides when).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "checks.h"
#include "vip_state.h"
#include "log.h"
#include "probe_path.h"

static double random_unit(void)
{
	unsigned int r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)rand();
	return r / 4294967296.0;
}

static void arm(struct backend *b, struct ev_loop *loop)
{
	ev_timer_set(&b->timer, schedule_next(&b->schedule, ev_now(loop), random_unit()), 0);
	ev_timer_start(loop, &b->timer);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct backend *b = w->data;
	int err;

	(void)revents;
	if (b->probing) {
		pr_debug("backend %s %s: previous probe still running, skipping one\n", b->cfg.name,
			 b->cfg.addr.text);
	} else {
		err = probe_start(b->probe);
		b->probing = !err;
		if (err)
			pr_warn("backend %s %s: cannot start a probe (%d)\n", b->cfg.name,
				b->cfg.addr.text, err);
	}
	arm(b, loop);
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A failure for another reason than the one before it (none before: no). */
static bool failure_differs(const struct backend *b, const struct probe_result *r)
{
	const struct probe_result *prev = &b->last_failure;

	if (r->ok || prev->at <= 0)
		return false;
	return r->outcome != prev->outcome || !health_same_reason(r->reason, prev->reason);
}

/*
 * "vip dns 203.0.113.53: backend b1 198.18.1.2: down (dns: connection
 * refused), 3 checks in a row", the transition lines' form without "old ->";
 * then ", reason changed" when it is a new reason of a backend still down.
 */
static void log_verdict(const struct backend *b, const struct probe_result *r, enum health_say say,
			uint32_t skipped)
{
	const struct vip *v = b->vip;
	uint32_t n = b->log.streak;
	char changed[64] = "";

	if (say == HEALTH_SAY_MIXED) {
		/* passes and failures by turns: neither streak is worth telling */
		log_msg(LOG_LEVEL_WARN,
			"vip %s %s: backend %s %s: %s (%s), %u of its first %u checks passed\n",
			v->cfg.name, v->cfg.addr.text, b->cfg.name, b->cfg.addr.text,
			backend_state_name(b), b->last_failure.reason, b->log.passes,
			b->log.verdicts);
		return;
	}
	if (say == HEALTH_SAY_REASON && skipped)
		snprintf(changed, sizeof(changed), ", reason changed (%u changes not logged)",
			 skipped);
	else if (say == HEALTH_SAY_REASON)
		snprintf(changed, sizeof(changed), ", reason changed");
	log_msg(r->ok ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"vip %s %s: backend %s %s: %s (%s), %u check%s in a row%s\n", v->cfg.name,
		v->cfg.addr.text, b->cfg.name, b->cfg.addr.text, backend_state_name(b),
		r->ok ? "check passed" : r->reason, n, n == 1 ? "" : "s", changed);
}

static void probe_done(void *arg, const struct probe_result *r)
{
	struct backend *b = arg;
	struct agent *a = b->vip->agent;
	const char *old_state = backend_state_name(b);
	bool differs = failure_differs(b, r), changed;
	enum probe_outcome outcome = r->outcome < PROBE_OUTCOME_MAX ? r->outcome : PROBE_ERROR;
	enum health_say say;
	uint32_t skipped;

	b->probing = false;
	b->probes++;
	b->probe_failures += !r->ok;
	b->results[outcome]++;
	latency_hist_add(&b->check_duration, r->latency_ms / 1000.0);
	b->in_row = b->probes > 1 && outcome == b->last.outcome ? b->in_row + 1 : 1;
	b->last = *r;
	b->last.outcome = outcome;
	if (!r->ok) {
		b->last_failure = b->last;
		pr_debug("backend %s %s: check failed: %s (%.1f ms)\n", b->cfg.name,
			 b->cfg.addr.text, r->reason, r->latency_ms);
	}
	changed = health_record(&b->health, r->ok);
	if (changed)
		vip_state_backend_changed(a, b, old_state, r->ok ? "check passed" : r->reason,
					  r->latency_ms);
	say = health_log_verdict(&b->log, &b->health, r->ok, changed, differs, monotonic_s(),
				 &skipped);
	if (say != HEALTH_SAY_NOTHING)
		log_verdict(b, r, say, skipped);
}

int checks_probe_new(struct agent *a, struct backend *b)
{
	const struct check_config *c = &b->cfg.check;
	bool vip = c->target == CHECK_TARGET_VIP;

	b->probe = probe_new(a->probes, c, vip ? &b->vip->cfg.addr : &b->cfg.addr,
			     vip && a->probe_paths ? probe_path_mark(a->probe_paths, b->id) : 0,
			     probe_done, b);
	if (!b->probe)
		return -ENOMEM;
	probe_set_ifindex(b->probe, b->nh.ifindex);
	/* a new backend's path waits for its next hop (vip_state_refresh_nexthop) */
	if (b->tracked)
		vip_state_refresh_probe_path(a, b);
	return 0;
}

void checks_start(struct agent *a, struct backend *b)
{
	const struct check_config *c = &b->cfg.check;

	ev_init(&b->timer, on_timer);
	b->timer.data = b;
	schedule_init(&b->schedule, ev_now(a->loop), c->interval_ms / 1000.0, c->jitter_ms / 1000.0,
		      random_unit());
	arm(b, a->loop);
}

void checks_stop(struct backend *b)
{
	struct agent *a = b->vip->agent;

	if (a && a->loop && ev_is_active(&b->timer))
		ev_timer_stop(a->loop, &b->timer);
	if (b->probing && b->probe)
		probe_cancel(b->probe);
	b->probing = false;
}
