/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Inside the ICMP probe (probe_icmp.c; its fuzz harness reads a datagram
 * through probe_icmp_demux()): the env's share, one raw socket per family
 * and the probes waiting for a reply, and each probe's state.
 */
#ifndef XDPCAST_PROBE_ICMP_H
#define XDPCAST_PROBE_ICMP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe_attempt.h"

#define PROBE_ICMP_BUCKETS 256 /* waiting ICMP probes, hashed by sequence number */
#define PROBE_ICMP_COOKIE_LEN 8

/* The socket of one family shared by every ICMP probe of an env. */
struct probe_icmp_sock {
	int fd; /* -1 until the first probe of that family */
	ev_io io; /* active only while some probe waits, so an idle loop can end */
	unsigned int waiting;
};

/* The env's share (p->type_env). */
struct probe_icmp_env {
	struct probe_env *env;
	/* [0] IPv4, [1] IPv6; replies are told apart by identifier and sequence */
	struct probe_icmp_sock sock[2];
	uint16_t ident;
	uint16_t seq;
	struct probe *waiters[PROBE_ICMP_BUCKETS];
	int in_ifindex; /* where the datagram being read came in (0: unknown) */
};

/* An ICMP probe's state (probe_state()). */
struct probe_icmp {
	bool waiting; /* in waiters[] of its env's share */
	uint16_t seq;
	uint8_t cookie[PROBE_ICMP_COOKIE_LEN]; /* random, in the request's payload */
	struct probe *next; /* in its bucket */
};

static inline struct probe_icmp *probe_icmp_of(struct probe *p)
{
	return probe_state(p);
}

/* What a datagram read from an env's raw ICMP socket says (probe_icmp_demux()). */
struct probe_icmp_answer {
	struct probe *probe; /* the waiting probe it answers; NULL: none */
	bool unreachable; /* a destination unreachable quoting its request, else its echo reply */
	uint8_t code; /* unreachable: the ICMP code */
	const char *text; /* unreachable: what the code means; NULL when unnamed */
};

/* The probe that datagram @b (@len bytes from @from, IPv4 with its IP
 * header, ICMPv6 without; ie->in_ifindex where it came in) answers, and
 * how, into @ans. No I/O and no verdict: the caller delivers it. */
void probe_icmp_demux(struct probe_icmp_env *ie, const struct sockaddr_storage *from,
		      const uint8_t *b, size_t len, struct probe_icmp_answer *ans);

#endif /* XDPCAST_PROBE_ICMP_H */
