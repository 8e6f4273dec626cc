/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Inside the probes (private to probe*.c): one probe and its attempt, the
 * environment its probes share, the vtable each probe type fills (struct
 * probe_ops), and how an attempt ends: a pass or a failure of a class,
 * recorded in p->result and delivered to the probe's callback once, now or
 * from the loop, or the timeout. The core (probe.c) knows a type only by
 * its ops; the one list of them is probe_types.c's. A type keeps its own
 * state in its file: per env (what its env_init returns, p->type_env) and
 * per probe (probe_state(p), allocated with the probe). Names no type.
 */
#ifndef XDPCAST_PROBE_ATTEMPT_H
#define XDPCAST_PROBE_ATTEMPT_H

#include <ev.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "probe_result.h"

#define PROBE_SCRATCH_SIZE 65536 /* one datagram: an ICMP reply, a DNS reply over UDP */
#define PROBE_TYPES_MAX 8

struct probe;
struct probe_env;

/* One probe type, as keepalived's checkers: the core calls only these. */
struct probe_ops {
	uint32_t check_types; /* the check types it runs: 1u << enum check_type each */
	size_t state_size; /* its state in every probe (probe_state()) */
	/* Optional: its share of a new env into *@type_env (sockets, watchers,
	 * a library's handle): 0 or -errno. */
	int (*env_init)(struct probe_env *env, void **type_env);
	/* Optional: release that share; every probe of the env is freed. */
	void (*env_free)(struct probe_env *env, void *type_env);
	/* Start an attempt; a failure to is reported with probe_fail_soon(). */
	void (*start)(struct probe *p);
	/* Release all the attempt holds (idempotent). */
	void (*stop)(struct probe *p);
};

struct probe_env {
	struct ev_loop *loop;
	uint8_t *scratch; /* PROBE_SCRATCH_SIZE bytes for reading one datagram */
	const struct probe_ops *const *types; /* NULL-terminated */
	size_t n_ready; /* types[0..n_ready) have their share */
	void *type_env[PROBE_TYPES_MAX]; /* each type's share, at its index in types */
};

struct probe {
	struct probe_env *env;
	const struct probe_ops *ops;
	void *type_env; /* its type's share of env */
	struct check_config check;
	struct addr_config target;
	uint16_t port;
	uint32_t mark; /* SO_MARK of every packet it sends; 0: none */
	int ifindex; /* replies only from this interface; 0: any */
	probe_done_fn done;
	void *arg;
	bool running;
	bool decided; /* the verdict is in result, delivered when timer fires */
	struct timespec started;
	struct probe_result result;
	ev_timer timer; /* the attempt's timeout, or the deferred delivery */
	int fd; /* a socket of its own (tcp, dns; probe_sock.h), or -1 */
	ev_io io;
	alignas(max_align_t) unsigned char state[]; /* ops->state_size bytes */
};

/* The type's own state in probe @p. */
static inline void *probe_state(struct probe *p)
{
	return p->state;
}

/*
 * Verdicts from an I/O callback: release the attempt, call the callback now.
 * The probe may be freed by the callback: touch nothing after these. The
 * attempt is released before the reason is formatted: arguments must not
 * point into what ops->stop() frees or clears (copy them first).
 */
void probe_pass(struct probe *p);
/* A failure of class PROBE_ERROR; probe_fail_as() names another class. */
void probe_fail(struct probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_fail_as(struct probe *p, enum probe_outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "@what: <strerror(@err)>", lowercased as the other reasons; classed by probe_errno_outcome() */
void probe_fail_errno(struct probe *p, const char *what, int err);
/* The same from within probe_start(): the callback comes from the loop later. */
void probe_fail_soon(struct probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_fail_errno_soon(struct probe *p, const char *what, int err);
/* The reason of a timeout, for probes that learn of it from a library (curl). */
void probe_fail_timeout(struct probe *p);

/* The callback of p->timer (timer.data = p): the attempt's timeout, or the
 * delivery of a verdict made by probe_fail_soon(). */
void probe_attempt_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

#endif /* XDPCAST_PROBE_ATTEMPT_H */
