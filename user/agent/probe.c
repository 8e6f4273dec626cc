/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The probes' common part: the shared environment, the dispatch to a type,
 * the attempt's timeout and the one delivery of each verdict. Failures
 * known inside probe_start() are delivered from the loop, never from
 * probe_start() itself, so the caller has finished its own bookkeeping
 * (e.g. "a probe is running") before its callback runs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/random.h>

#include "probe_impl.h"

static void probe_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

struct probe_env *probe_env_new(struct ev_loop *loop)
{
	struct probe_env *env = calloc(1, sizeof(*env));

	if (!env)
		return NULL;
	env->loop = loop;
	env->icmp[0].fd = -1;
	env->icmp[1].fd = -1;
	/* random, so that two agents (or a restart) do not take each other's replies */
	if (getrandom(&env->icmp_ident, sizeof(env->icmp_ident), GRND_NONBLOCK) !=
	    sizeof(env->icmp_ident))
		env->icmp_ident = (uint16_t)getpid();
	env->scratch = malloc(PROBE_SCRATCH_SIZE);
	if (!env->scratch || probe_http_env_init(env)) {
		free(env->scratch);
		free(env);
		return NULL;
	}
	return env;
}

/* Every probe of @env must have been freed before. */
void probe_env_free(struct probe_env *env)
{
	if (!env)
		return;
	probe_http_env_free(env);
	probe_icmp_env_free(env);
	free(env->scratch);
	free(env);
}

static const struct probe_ops *probe_ops_of(enum check_type type)
{
	switch (type) {
	case CHECK_ICMP:
		return &probe_icmp_ops;
	case CHECK_TCP:
		return &probe_tcp_ops;
	case CHECK_DNS:
		return &probe_dns_ops;
	case CHECK_HTTP:
	case CHECK_HTTPS:
		return &probe_http_ops;
	}
	return NULL;
}

struct probe *probe_new(struct probe_env *env, const struct check_config *check,
			const struct addr_config *target, uint32_t mark, probe_done_fn done,
			void *arg)
{
	const struct probe_ops *ops = probe_ops_of(check->type);
	struct probe *p;

	if (!env || !ops || !done || (target->family != AF_INET && target->family != AF_INET6))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->env = env;
	p->ops = ops;
	p->check = *check;
	p->target = *target;
	p->port = check_port(check);
	p->mark = mark;
	p->done = done;
	p->arg = arg;
	p->fd = -1;
	ev_init(&p->timer, probe_timer_cb);
	/* libev runs the timers that expired in a loop iteration before the I/O
	 * that became ready in it (both are queued, the timers last, and run
	 * last in first out): at the lowest priority, a timeout waits for the
	 * replies already in the sockets, which a busy iteration may have held */
	ev_set_priority(&p->timer, EV_MINPRI);
	p->timer.data = p;
	return p;
}

static double probe_elapsed_ms(const struct probe *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->started.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - p->started.tv_nsec) / 1e6;
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

/* The end of an attempt: a copy of the result, as the callback may free @p. */
static void probe_deliver(struct probe *p)
{
	struct probe_result r = p->result;

	p->running = false;
	p->decided = false;
	p->done(p->arg, &r);
}

static const char *const probe_outcome_names[] = {
	[PROBE_OK] = "ok",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_REFUSED] = "refused",
	[PROBE_UNREACHABLE] = "unreachable",
	[PROBE_BAD_REPLY] = "bad_reply",
	[PROBE_ERROR] = "error",
};
_Static_assert(sizeof(probe_outcome_names) / sizeof(probe_outcome_names[0]) == PROBE_OUTCOME_MAX,
	       "a name for every probe outcome");

const char *probe_outcome_name(enum probe_outcome outcome)
{
	return (unsigned int)outcome < PROBE_OUTCOME_MAX ? probe_outcome_names[outcome] : "?";
}

enum probe_outcome probe_errno_outcome(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return PROBE_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		return PROBE_UNREACHABLE;
	case ETIMEDOUT:
		return PROBE_TIMEOUT;
	}
	return PROBE_ERROR;
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

static void probe_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
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

socklen_t probe_sockaddr(const struct probe *p, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (p->target.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(p->port);
		/* IPv4 is kept IPv4-mapped: its last 4 bytes */
		memcpy(&sin->sin_addr, &p->target.addr.s6_addr[12], sizeof(sin->sin_addr));
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(p->port);
	sin6->sin6_addr = p->target.addr;
	return sizeof(*sin6);
}

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62 /* kernel 5.0+; glibc 2.36's headers lack it */
#endif

int probe_prepare_socket(const struct probe *p, int fd)
{
	if (p->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &p->mark, sizeof(p->mark)))
		return -1;
	/* the kernel then delivers to the socket only what arrives on that interface */
	if (p->ifindex > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &p->ifindex, sizeof(p->ifindex)))
		return -1;
	return 0;
}

void probe_set_ifindex(struct probe *p, int ifindex)
{
	if (p)
		p->ifindex = ifindex > 0 ? ifindex : 0;
}

int probe_connect(const struct probe *p, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = probe_sockaddr(p, &ss);
	int fd, err;

	fd = socket(p->target.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* before connect(): the route (and a UDP socket's cached one) follows them */
	if (probe_prepare_socket(p, fd)) {
		err = errno;
		close(fd);
		return -err;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void probe_stream_start(struct probe *p, const char *what,
			void (*cb)(struct ev_loop *loop, ev_io *w, int revents))
{
	int fd = probe_connect(p, SOCK_STREAM);

	if (fd < 0) {
		probe_fail_errno_soon(p, what, -fd);
		return;
	}
	p->fd = fd;
	ev_io_init(&p->io, cb, fd, EV_WRITE);
	p->io.data = p;
	ev_io_start(p->env->loop, &p->io);
}

void probe_close_fd(struct probe *p)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	ev_io_stop(p->env->loop, &p->io);
	if (p->fd < 0)
		return;
	/* harmless on UDP; on TCP the close sends a RST and leaves no TIME_WAIT */
	setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(p->fd);
	p->fd = -1;
}
