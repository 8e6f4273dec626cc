/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Inside the probes (private to probe*.c): the shared environment, one
 * probe's state, and the common verdict helpers of probe.c that every type
 * (probe_icmp.c, probe_tcp.c, probe_dns.c, probe_http.c) ends its attempts
 * with.
 */
#ifndef XDPCAST_PROBE_IMPL_H
#define XDPCAST_PROBE_IMPL_H

#include <curl/curl.h>
#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "probe.h"

#define PROBE_ICMP_BUCKETS 256 /* waiting ICMP probes, hashed by sequence number */
#define PROBE_SCRATCH_SIZE 65536 /* one datagram: an ICMP reply, a DNS reply over UDP */

/* The socket of one family shared by every ICMP probe of an env. */
struct probe_icmp_sock {
	int fd; /* -1 until the first probe of that family */
	ev_io io; /* active only while some probe waits, so an idle loop can end */
	unsigned int waiting;
};

struct probe_curl_sock;

struct probe_env {
	struct ev_loop *loop;
	/* icmp: [0] IPv4, [1] IPv6; replies are told apart by identifier and sequence */
	struct probe_icmp_sock icmp[2];
	uint16_t icmp_ident;
	uint16_t icmp_seq;
	struct probe *icmp_wait[PROBE_ICMP_BUCKETS];
	int icmp_in_ifindex; /* where the datagram being read came in (0: unknown) */
	/* http(s) */
	CURLM *multi;
	ev_timer curl_timer;
	struct probe_curl_sock *curl_socks; /* watchers of curl's sockets, freed with the env */
	uint8_t *scratch; /* PROBE_SCRATCH_SIZE bytes for reading one datagram */
};

struct probe;

/* One probe type: start an attempt, or release all it holds (idempotent). */
struct probe_ops {
	void (*start)(struct probe *p);
	void (*stop)(struct probe *p);
};

extern const struct probe_ops probe_icmp_ops, probe_tcp_ops, probe_dns_ops, probe_http_ops;

#define PROBE_ICMP_COOKIE_LEN 8

struct probe_icmp {
	bool waiting; /* in env->icmp_wait[] */
	uint16_t seq;
	uint8_t cookie[PROBE_ICMP_COOKIE_LEN]; /* random, in the request's payload */
	struct probe *next; /* in its bucket */
};

struct probe_dns {
	uint16_t id;
	uint8_t *out; /* the query; over TCP with its 2-byte length first */
	size_t out_len, out_off;
	uint8_t len_buf[2]; /* TCP: the reply's length, as it arrives */
	size_t len_off;
	uint8_t *in; /* TCP: the reply */
	size_t in_len, in_off;
	bool connected;
};

struct probe_http {
	CURL *easy;
	struct curl_slist *headers; /* http with http_host: its Host header */
	struct curl_slist *connect_to; /* https with http_host: the backend to connect to */
	char *body; /* the body's first bytes, only when the check looks at it */
	size_t body_len, body_cap;
	char error[CURL_ERROR_SIZE];
};

struct probe {
	struct probe_env *env;
	const struct probe_ops *ops;
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
	int fd; /* tcp, dns: the socket, or -1 */
	ev_io io;
	struct probe_icmp icmp;
	struct probe_dns dns;
	struct probe_http http;
};

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

/* @p's target and port as a socket address; returns its length. */
socklen_t probe_sockaddr(const struct probe *p, struct sockaddr_storage *ss);
/* Give socket @fd the probe's mark and bind it to its interface, if it has
 * them (before connect()): 0, or -1 with errno set. */
int probe_prepare_socket(const struct probe *p, int fd);
/* A non-blocking socket of @type connecting to the target: the fd, or -errno. */
int probe_connect(const struct probe *p, int type);
/* A TCP connect to the target, @cb called on p->io once it is writable
 * (connected, or failed: SO_ERROR says why); a failure to even start is
 * reported soon, as @what. */
void probe_stream_start(struct probe *p, const char *what,
			void (*cb)(struct ev_loop *loop, ev_io *w, int revents));
/* Stop @p's io watcher and close its socket, resetting a TCP connection
 * (SO_LINGER 0) so that the prober keeps no TIME_WAIT per probe. */
void probe_close_fd(struct probe *p);

/* probe_http.c: the env's multi handle and its libev glue. */
int probe_http_env_init(struct probe_env *env);
void probe_http_env_free(struct probe_env *env);
/* probe_icmp.c: the shared sockets. */
void probe_icmp_env_free(struct probe_env *env);

/* What a datagram read from an env's raw ICMP socket says (probe_icmp_demux()). */
struct probe_icmp_answer {
	struct probe *probe; /* the waiting probe it answers; NULL: none */
	bool unreachable; /* a destination unreachable quoting its request, else its echo reply */
	uint8_t code; /* unreachable: the ICMP code */
	const char *text; /* unreachable: what the code means; NULL when unnamed */
};

/* The probe that datagram @b (@len bytes from @from, IPv4 with its IP
 * header, ICMPv6 without; env->icmp_in_ifindex where it came in) answers, and
 * how, into @ans. No I/O and no verdict: the caller delivers it. */
void probe_icmp_demux(struct probe_env *env, const struct sockaddr_storage *from, const uint8_t *b,
		      size_t len, struct probe_icmp_answer *ans);

#endif /* XDPCAST_PROBE_IMPL_H */
