/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The probes' core: the shared environment, a probe's life (new, start,
 * cancel, free) and the attempt's timeout. It runs the types it is given
 * (probe_types.c lists them) through their struct probe_ops and names none:
 * each type brings its share of the env and its state in each probe. The
 * end of an attempt is probe_attempt.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "probe.h"
#include "probe_attempt.h"

struct probe_env *probe_env_create(struct ev_loop *loop, const struct probe_ops *const *types)
{
	struct probe_env *env = calloc(1, sizeof(*env));
	size_t i;

	if (!env)
		return NULL;
	env->loop = loop;
	env->types = types;
	env->scratch = malloc(PROBE_SCRATCH_SIZE);
	if (!env->scratch)
		goto fail;
	for (i = 0; types[i]; i++) {
		if (i == PROBE_TYPES_MAX)
			goto fail;
		if (types[i]->env_init && types[i]->env_init(env, &env->type_env[i]))
			goto fail;
		env->n_ready = i + 1;
	}
	return env;
fail:
	probe_env_free(env);
	return NULL;
}

/* Every probe of @env must have been freed before. */
void probe_env_free(struct probe_env *env)
{
	size_t i;

	if (!env)
		return;
	/* the types' shares, the last first */
	for (i = env->n_ready; i-- > 0;)
		if (env->types[i]->env_free)
			env->types[i]->env_free(env, env->type_env[i]);
	free(env->scratch);
	free(env);
}

/* The index in env->types of the type that runs checks of @type, or -1. */
static int probe_type_of(const struct probe_env *env, enum check_type type)
{
	size_t i;

	for (i = 0; i < env->n_ready; i++)
		if ((unsigned int)type < 32 && env->types[i]->check_types & (1u << type))
			return (int)i;
	return -1;
}

struct probe *probe_new(struct probe_env *env, const struct check_config *check,
			const struct addr_config *target, uint32_t mark, probe_done_fn done,
			void *arg)
{
	const struct probe_ops *ops;
	struct probe *p;
	int t;

	if (!env || !done || (target->family != AF_INET && target->family != AF_INET6))
		return NULL;
	t = probe_type_of(env, check->type);
	if (t < 0)
		return NULL;
	ops = env->types[t];
	p = calloc(1, sizeof(*p) + ops->state_size);
	if (!p)
		return NULL;
	p->env = env;
	p->ops = ops;
	p->type_env = env->type_env[t];
	p->check = *check;
	p->target = *target;
	p->port = check_port(check);
	p->mark = mark;
	p->done = done;
	p->arg = arg;
	p->fd = -1;
	ev_init(&p->timer, probe_attempt_timer_cb);
	/* libev runs the timers that expired in a loop iteration before the I/O
	 * that became ready in it (both are queued, the timers last, and run
	 * last in first out): at the lowest priority, a timeout waits for the
	 * replies already in the sockets, which a busy iteration may have held */
	ev_set_priority(&p->timer, EV_MINPRI);
	p->timer.data = p;
	return p;
}

void probe_set_ifindex(struct probe *p, int ifindex)
{
	if (p)
		p->ifindex = ifindex > 0 ? ifindex : 0;
}

int probe_start(struct probe *p)
{
	struct ev_loop *loop;
	double timeout;

	if (!p)
		return -EINVAL;
	if (p->running)
		return -EBUSY;
	loop = p->env->loop;
	p->running = true;
	p->decided = false;
	memset(&p->result, 0, sizeof(p->result));
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	/*
	 * Timers count from ev_now(), the time of this loop iteration, which is
	 * late by whatever ran since: add that, so the timeout counts from now.
	 */
	timeout = p->check.timeout_ms / 1e3 + (ev_time() - ev_now(loop));
	ev_timer_set(&p->timer, timeout, 0.);
	ev_timer_start(loop, &p->timer);
	p->ops->start(p);
	return 0;
}

void probe_cancel(struct probe *p)
{
	if (!p || !p->running)
		return;
	p->ops->stop(p);
	ev_timer_stop(p->env->loop, &p->timer);
	p->running = false;
	p->decided = false;
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	probe_cancel(p);
	free(p);
}
