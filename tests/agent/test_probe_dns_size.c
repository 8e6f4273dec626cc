/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The size of DNS replies, live (a probe on a libev loop, a responder on
 * 127.0.0.1 in a private network namespace): the query has no EDNS, so a
 * UDP reply may be 512 bytes and no more; over TCP a reply may be 16 KiB,
 * and a longer one is refused on its length prefix, before its body. The
 * replies are valid and would pass but for their size: the question, the
 * expected A record, and a TXT record padded to the length wanted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <ev.h>
#include <ldns/ldns.h>

#include "addr.h"
#include "fixture.h"
#include "probe.h"

#define TIMEOUT_MS 2000
#define FAST_MS 1000 /* a refusal on the length comes well before the timeout */
#define DNS_NAME "www.example.test"
#define DNS_ADDR "198.18.1.2"
#define UDP_MAX 512
#define TCP_MAX 16384
#define WIRE_MAX 65535
#define SERVER_WAIT_MS 3000
#define RR_FIXED 10 /* type, class, ttl, rdlength */

static void put16(uint8_t *b, size_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/*
 * The reply to @query (@qlen bytes: header and question) of exactly @len
 * bytes into @out: an A record DNS_ADDR and a TXT record as long as needed,
 * both named by a pointer to the question's name.
 */
static size_t dns_reply_of(const uint8_t *query, size_t qlen, size_t len, uint8_t *out)
{
	static const uint8_t a_rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 1, 2 };
	size_t o, rdlen;

	cr_assert(qlen >= 12 && len >= qlen + sizeof(a_rr) + 2 + RR_FIXED + 1 && len <= WIRE_MAX,
		  "cannot make a reply of %zu bytes", len);
	memcpy(out, query, qlen);
	out[2] = 0x84; /* QR, AA; opcode QUERY */
	out[3] = 0; /* NOERROR */
	put16(out + 6, 2); /* ANCOUNT */
	put16(out + 8, 0);
	put16(out + 10, 0);
	o = qlen;
	memcpy(out + o, a_rr, sizeof(a_rr));
	o += sizeof(a_rr);
	rdlen = len - o - 2 - RR_FIXED;
	out[o++] = 0xc0;
	out[o++] = 12;
	put16(out + o, LDNS_RR_TYPE_TXT);
	put16(out + o + 2, LDNS_RR_CLASS_IN);
	memset(out + o + 4, 0, 3);
	out[o + 7] = 60;
	put16(out + o + 8, rdlen);
	o += RR_FIXED;
	/* character-strings of up to 255 bytes each */
	while (rdlen) {
		size_t n = rdlen - 1 < 255 ? rdlen - 1 : 255;

		out[o++] = (uint8_t)n;
		memset(out + o, 'x', n);
		o += n;
		rdlen -= n + 1;
	}
	cr_assert_eq(o, len);
	return o;
}

/* ---- the probe on a loop ---- */

struct run {
	struct ev_loop *loop;
	struct probe_env *env;
	struct probe_result r;
	int calls;
};

static void on_done(void *arg, const struct probe_result *r)
{
	struct run *run = arg;

	run->r = *r;
	run->calls++;
	ev_break(run->loop, EVBREAK_ALL);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static struct check_config dns_check(uint16_t port, bool tcp)
{
	struct check_config c = {
		.type = CHECK_DNS,
		.interval_ms = 5000,
		.timeout_ms = TIMEOUT_MS,
		.rise = 1,
		.fall = 1,
		.port = port,
		.dns_tcp = tcp,
		.dns_type = LDNS_RR_TYPE_A,
		.dns_rcodes = 1u << LDNS_RCODE_NOERROR,
	};

	snprintf(c.dns_name, sizeof(c.dns_name), "%s", DNS_NAME);
	snprintf(c.dns_expect, sizeof(c.dns_expect), "%s", DNS_ADDR);
	return c;
}

/* One probe of 127.0.0.1 with @c, run to its verdict. */
static struct probe_result probe_once(struct run *run, const struct check_config *c)
{
	struct addr_config a;
	struct probe *p;
	ev_timer guard;

	cr_assert(addr_parse(&a.ip, "127.0.0.1"));
	snprintf(a.text, sizeof(a.text), "127.0.0.1");
	run->calls = 0;
	p = probe_new(run->env, c, &a, 0, on_done, run);
	cr_assert_not_null(p);
	cr_assert_eq(probe_start(p), 0);
	ev_timer_init(&guard, on_guard, (TIMEOUT_MS + 2000) / 1e3, 0.);
	ev_timer_start(run->loop, &guard);
	ev_now_update(run->loop);
	ev_run(run->loop, 0);
	ev_timer_stop(run->loop, &guard);
	cr_assert_eq(run->calls, 1, "%d callbacks", run->calls);
	probe_free(p);
	return run->r;
}

static void run_init(struct run *run)
{
	fixture_netns();
	run->loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(run->loop);
	run->env = probe_env_new(run->loop);
	cr_assert_not_null(run->env);
}

static void run_fini(struct run *run)
{
	probe_env_free(run->env);
	ev_loop_destroy(run->loop);
}

static void assert_pass(const struct probe_result *r, const char *what)
{
	cr_assert(r->ok, "%s: failed (%s): %s", what, probe_outcome_name(r->outcome), r->reason);
}

static void assert_bad_reply(const struct probe_result *r, const char *reason, const char *what)
{
	cr_assert_not(r->ok, "%s: passed", what);
	cr_assert_str_eq(r->reason, reason, "%s", what);
	cr_assert_eq(r->outcome, PROBE_BAD_REPLY, "%s: outcome %s", what,
		     probe_outcome_name(r->outcome));
}

/* A socket of @type on 127.0.0.1, port chosen by the kernel (in @port). */
static int bound(int type, uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, len), 0, "bind: %s", strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* ---- udp: a responder on the loop ---- */

struct udp_server {
	int fd;
	uint16_t port;
	size_t len; /* of the replies */
	ev_io io;
};

static void udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct udp_server *s = w->data;
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	static uint8_t query[UDP_MAX], reply[WIRE_MAX];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = recvfrom(s->fd, query, sizeof(query), 0, (struct sockaddr *)&from, &from_len);
	if (n <= 0)
		return;
	sendto(s->fd, reply, dns_reply_of(query, (size_t)n, s->len, reply), 0,
	       (struct sockaddr *)&from, from_len);
}

static struct probe_result udp_probe(struct run *run, size_t len)
{
	struct udp_server s = { .len = len };
	struct check_config c;
	struct probe_result r;

	s.fd = bound(SOCK_DGRAM, &s.port);
	ev_io_init(&s.io, udp_cb, s.fd, EV_READ);
	s.io.data = &s;
	ev_io_start(run->loop, &s.io);
	c = dns_check(s.port, false);
	r = probe_once(run, &c);
	ev_io_stop(run->loop, &s.io);
	close(s.fd);
	return r;
}

Test(probe_dns_size, udp_over_512_bytes_refused, .timeout = 30)
{
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = udp_probe(&run, UDP_MAX);
	assert_pass(&r, "512 bytes");
	r = udp_probe(&run, UDP_MAX + 1);
	assert_bad_reply(&r, "dns: reply of 513 bytes over 512", "513 bytes");
	r = udp_probe(&run, 65000);
	assert_bad_reply(&r, "dns: reply of 65000 bytes over 512", "65000 bytes");
	run_fini(&run);
}

/* ---- tcp: a responder in a thread, one connection ---- */

struct tcp_server {
	int fd;
	uint16_t port;
	size_t len; /* of the reply */
	bool prefix_only; /* send the length, then nothing until the probe closes */
	pthread_t thread;
};

static void *tcp_thread(void *arg)
{
	struct tcp_server *s = arg;
	static uint8_t query[UDP_MAX], framed[2 + WIRE_MAX];
	uint8_t hdr[2];
	size_t qlen;
	int fd;

	if (!fx_readable(s->fd, SERVER_WAIT_MS))
		return NULL;
	fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fx_read_full(fd, hdr, 2, SERVER_WAIT_MS) &&
	    (qlen = (size_t)(hdr[0] << 8 | hdr[1])) <= sizeof(query) &&
	    fx_read_full(fd, query, qlen, SERVER_WAIT_MS)) {
		put16(framed, s->len);
		if (s->prefix_only) {
			send(fd, framed, 2, MSG_NOSIGNAL);
			/* until the probe gives up on the connection (or the wait does) */
			fx_readable(fd, SERVER_WAIT_MS);
		} else {
			send(fd, framed, 2 + dns_reply_of(query, qlen, s->len, framed + 2),
			     MSG_NOSIGNAL);
		}
	}
	close(fd);
	return NULL;
}

static struct probe_result tcp_probe(struct run *run, size_t len, bool prefix_only)
{
	struct tcp_server s = { .len = len, .prefix_only = prefix_only };
	struct check_config c;
	struct probe_result r;

	s.fd = bound(SOCK_STREAM, &s.port);
	cr_assert_eq(pthread_create(&s.thread, NULL, tcp_thread, &s), 0);
	c = dns_check(s.port, true);
	r = probe_once(run, &c);
	pthread_join(s.thread, NULL);
	close(s.fd);
	return r;
}

Test(probe_dns_size, tcp_over_16k_refused_on_its_length, .timeout = 30)
{
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = tcp_probe(&run, TCP_MAX, false);
	assert_pass(&r, "16384 bytes");
	r = tcp_probe(&run, TCP_MAX + 1, false);
	assert_bad_reply(&r, "dns: reply of 16385 bytes over 16384", "16385 bytes");
	/* the length alone decides: the body is never waited for */
	r = tcp_probe(&run, WIRE_MAX, true);
	assert_bad_reply(&r, "dns: reply of 65535 bytes over 16384", "a length of 65535");
	cr_assert_lt(r.latency_ms, FAST_MS, "refused after %.0f ms", r.latency_ms);
	run_fini(&run);
}
