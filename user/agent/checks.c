// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Each backend's probes on the loop, at the times schedule.c gives (a
 * drift-free grid with jitter, the first at a random phase so that a
 * thousand checks do not fire together). A verdict feeds the rise/fall state
 * machine; a transition is applied and logged by the agent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "agent.h"
#include "log.h"

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

void checks_probe_done(void *arg, const struct probe_result *r)
{
	struct backend *b = arg;
	struct agent *a = b->vip->agent;
	const char *old_state = backend_state_name(b);

	b->probing = false;
	b->probes++;
	b->probe_failures += !r->ok;
	b->last = *r;
	if (!r->ok)
		pr_debug("backend %s %s: check failed: %s (%.1f ms)\n", b->cfg.name,
			 b->cfg.addr.text, r->reason, r->latency_ms);
	if (health_record(&b->health, r->ok))
		agent_backend_changed(a, b, old_state, r->ok ? "check passed" : r->reason,
				      r->latency_ms);
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
