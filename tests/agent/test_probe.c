/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The probes for real, on a libev loop, in a private network namespace
 * (fixture_netns(): lo and a veth pair xin/xout). Targets: listeners and
 * responders of the test itself on loopback addresses, 198.18.0.1 on lo,
 * and DROP4 / DROP6 behind xin, whose neighbour entry points to a MAC no
 * one has: every packet to them is sent and silently lost, as to a dead
 * host. Responders that speak TCP run in a thread (the probe needs the loop
 * to make progress); the UDP DNS responder runs on the loop itself.
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
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/time.h>

#include <criterion/criterion.h>
#include <ev.h>
#include <ldns/ldns.h>

#include "addr.h"
#include "fixture.h"
#include "probe.h"

#define TIMEOUT_MS 300
#define SLACK_MS 2000 /* how long past its timeout a callback may take before the test gives up */
#define SETTLE_MS 100 /* the loop runs this long after the last callback, to catch a second one */
/* a failure that must not wait for the timeout (TIMEOUT_LONG_MS); loose, as CI is noisy */
#define FAST_MS 1000
#define TIMEOUT_LONG_MS 3000
#define CLOSED_PORT 9 /* nothing listens in a fresh namespace */
#define LOCAL4 "198.18.0.1" /* on lo */
#define DROP4 "198.51.100.9"
#define DROP6 "2001:db8:1::9"
#define NOROUTE4 "203.0.113.1"
#define DNS_NAME "www.example.test"
#define DNS_ADDR "198.18.1.2"
#define SERVER_WAIT_MS 3000 /* a responder thread gives up after this */

/* LOCAL4 on lo; DROP4 and DROP6 on xin's subnets, their MAC nobody's (xout drops the frames) */
#define NETNS_ADDRS                                                                                \
	"ip addr add " LOCAL4 "/32 dev lo && "                                                     \
	"ip addr add 198.51.100.1/24 dev xin && "                                                  \
	"ip neigh add " DROP4 " lladdr 02:00:00:00:00:99 dev xin nud permanent && "                \
	"ip -6 addr add 2001:db8:1::1/64 dev xin nodad && "                                        \
	"ip -6 neigh add " DROP6 " lladdr 02:00:00:00:00:99 dev xin nud permanent"

static void netns_setup(void)
{
	fixture_netns();
	cr_assert_eq(system(NETNS_ADDRS), 0, "cannot set the test addresses up");
}

/* ---- the loop and the callbacks ---- */

struct run {
	struct ev_loop *loop;
	struct probe_env *env;
	int pending; /* callbacks still expected before the loop may stop */
};

struct outcome {
	struct run *run;
	struct probe *probe;
	int calls;
	int restarts; /* start the probe again from its callback, this many times */
	bool free_in_callback;
	struct probe_result r;
};

static void on_done(void *arg, const struct probe_result *r)
{
	struct outcome *o = arg;

	o->calls++;
	o->r = *r;
	if (o->free_in_callback) {
		probe_free(o->probe);
		o->probe = NULL;
	} else if (o->restarts > 0) {
		o->restarts--;
		cr_assert_eq(probe_start(o->probe), 0);
		cr_assert_eq(probe_start(o->probe), -EBUSY);
		return; /* one more callback to come */
	}
	if (--o->run->pending == 0)
		ev_break(o->run->loop, EVBREAK_ALL);
}

static void run_init(struct run *run)
{
	run->loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(run->loop);
	run->env = probe_env_new(run->loop);
	cr_assert_not_null(run->env);
	run->pending = 0;
}

static void run_fini(struct run *run)
{
	probe_env_free(run->env);
	ev_loop_destroy(run->loop);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until the expected callbacks came, or for @ms at most. */
static void run_for(struct run *run, double ms)
{
	ev_timer guard;

	ev_timer_init(&guard, on_guard, ms / 1e3, 0.);
	ev_timer_start(run->loop, &guard);
	ev_now_update(run->loop);
	ev_run(run->loop, 0);
	ev_timer_stop(run->loop, &guard);
}

/* Run the loop for @ms whatever happens (a second callback would show). */
static void settle(struct run *run, double ms)
{
	int pending = run->pending;

	run->pending = -1; /* never reaches 0 */
	run_for(run, ms);
	run->pending = pending;
}

static struct addr_config addr(const char *text)
{
	struct addr_config a;

	cr_assert(addr_parse(&a.ip, text), "bad address %s", text);
	snprintf(a.text, sizeof(a.text), "%s", text);
	return a;
}

static struct check_config check(enum check_type type, uint16_t port)
{
	struct check_config c = {
		.type = type,
		.interval_ms = 1000,
		.timeout_ms = TIMEOUT_MS,
		.rise = 2,
		.fall = 3,
		.port = port,
		.dns_type = LDNS_RR_TYPE_A,
		.dns_rcodes = 1u << LDNS_RCODE_NOERROR,
		.http_statuses = { 200 },
		.n_http_statuses = 1,
		.tls_verify = true,
	};

	snprintf(c.dns_name, sizeof(c.dns_name), "%s", DNS_NAME);
	snprintf(c.http_path, sizeof(c.http_path), "/health");
	return c;
}

/* Start a probe of @target; never does its callback come from probe_start(). */
static void start(struct run *run, struct outcome *o, const struct check_config *c,
		  const char *target)
{
	struct addr_config a = addr(target);

	o->run = run;
	o->probe = probe_new(run->env, c, &a, 0, on_done, o);
	cr_assert_not_null(o->probe);
	cr_assert_eq(probe_start(o->probe), 0);
	cr_assert_eq(probe_start(o->probe), -EBUSY, "a second start while running");
	cr_assert_eq(o->calls, 0, "callback from within probe_start()");
	run->pending++;
}

/* One probe, run to its verdict: exactly one callback, within its timeout (and some slack). */
static struct probe_result probe_once(struct run *run, const struct check_config *c,
				      const char *target)
{
	struct outcome o = { 0 };

	start(run, &o, c, target);
	run_for(run, c->timeout_ms + SLACK_MS);
	cr_assert_eq(o.calls, 1, "%s: %d callbacks", target, o.calls);
	settle(run, SETTLE_MS);
	cr_assert_eq(o.calls, 1, "%s: a callback after the verdict", target);
	probe_free(o.probe);
	return o.r;
}

static void assert_pass(const struct probe_result *r, const char *what)
{
	cr_assert(r->ok, "%s: failed: %s", what, r->reason);
	cr_assert_eq(r->outcome, PROBE_OK, "%s: outcome %s", what, probe_outcome_name(r->outcome));
	cr_assert_gt(r->at, 1e9, "%s: verdict at %f, not a unix time", what, r->at);
	cr_assert_str_eq(r->reason, "", "%s", what);
	cr_assert(r->latency_ms >= 0 && r->latency_ms < TIMEOUT_MS, "%s: latency %.3f ms", what,
		  r->latency_ms);
}

static void assert_fail(const struct probe_result *r, const char *reason, const char *what)
{
	cr_assert_not(r->ok, "%s: passed", what);
	cr_assert_neq(r->outcome, PROBE_OK, "%s: failed with outcome ok", what);
	cr_assert_gt(r->at, 1e9, "%s: verdict at %f, not a unix time", what, r->at);
	cr_assert_str_eq(r->reason, reason, "%s", what);
}

/* The failure's class, as counted and shown (probe_outcome_name()). */
static void assert_outcome(const struct probe_result *r, enum probe_outcome want, const char *what)
{
	cr_assert_eq(r->outcome, want, "%s: outcome %s, want %s (%s)", what,
		     probe_outcome_name(r->outcome), probe_outcome_name(want), r->reason);
}

static void assert_timeout(const struct probe_result *r, const char *what)
{
	char want[PROBE_REASON_MAX];

	snprintf(want, sizeof(want), "timeout after %d ms", TIMEOUT_MS);
	assert_fail(r, want, what);
	assert_outcome(r, PROBE_TIMEOUT, what);
	cr_assert(r->latency_ms >= TIMEOUT_MS - 5 && r->latency_ms < TIMEOUT_MS + 1000,
		  "%s: timeout after %.3f ms", what, r->latency_ms);
}

static void assert_fast(const struct probe_result *r, const char *what)
{
	cr_assert_lt(r->latency_ms, FAST_MS, "%s: failed only after %.3f ms", what, r->latency_ms);
}

/* ---- sockets of the responders ---- */

/* A socket of @type bound to @ip, port chosen by the kernel (in @port), listening if TCP. */
static int bound(const char *ip, int type, uint16_t *port)
{
	struct addr_config a = addr(ip);
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, &a.addr.s6_addr[12], 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.addr;
		len = sizeof(*sin6);
	}
	fd = socket(a.family, type | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind %s: %s", ip, strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 512), 0, "listen: %s", strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same place in sockaddr_in6 */
	return fd;
}

/* A thread's accepted connection, or -1 when none came in time. */
static int accept_one(int lfd)
{
	if (!fx_readable(lfd, SERVER_WAIT_MS))
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* ---- tcp ---- */

Test(probe, tcp_pass, .init = netns_setup, .timeout = 30)
{
	struct run run;
	struct probe_result r;
	uint16_t port4, port6;
	int fd4 = bound("127.0.0.1", SOCK_STREAM, &port4);
	int fd6 = bound("::1", SOCK_STREAM, &port6);
	struct check_config c4 = check(CHECK_TCP, port4), c6 = check(CHECK_TCP, port6);

	run_init(&run);
	r = probe_once(&run, &c4, "127.0.0.1");
	assert_pass(&r, "127.0.0.1");
	r = probe_once(&run, &c6, "::1");
	assert_pass(&r, "::1");
	run_fini(&run);
	close(fd4);
	close(fd6);
}

Test(probe, tcp_refused_fails_fast, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_TCP, CLOSED_PORT);
	struct probe_result r;
	struct run run;

	c.timeout_ms = TIMEOUT_LONG_MS;
	run_init(&run);
	r = probe_once(&run, &c, "127.0.0.1");
	assert_fail(&r, "tcp: connection refused", "127.0.0.1");
	assert_outcome(&r, PROBE_REFUSED, "127.0.0.1");
	assert_fast(&r, "127.0.0.1");
	r = probe_once(&run, &c, "::1");
	assert_fail(&r, "tcp: connection refused", "::1");
	assert_outcome(&r, PROBE_REFUSED, "::1");
	assert_fast(&r, "::1");
	run_fini(&run);
}

/* No route at all: connect() fails at once, the callback still comes from the loop. */
Test(probe, tcp_no_route_deferred, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_TCP, 80);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &c, NOROUTE4);
	assert_fail(&r, "tcp: network is unreachable", NOROUTE4);
	assert_outcome(&r, PROBE_UNREACHABLE, NOROUTE4);
	assert_fast(&r, NOROUTE4);
	run_fini(&run);
}

Test(probe, tcp_timeout, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_TCP, 80);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &c, DROP4);
	assert_timeout(&r, DROP4);
	r = probe_once(&run, &c, DROP6);
	assert_timeout(&r, DROP6);
	run_fini(&run);
}

#define N_CONCURRENT 200

/* 200 probes at once (listening, refused, dropped): each one called back exactly once. */
Test(probe, tcp_200_concurrent, .init = netns_setup, .timeout = 30)
{
	static struct outcome o[N_CONCURRENT];
	uint16_t port;
	int lfd = bound("127.0.0.1", SOCK_STREAM, &port);
	struct check_config listening = check(CHECK_TCP, port);
	struct check_config closed = check(CHECK_TCP, CLOSED_PORT);
	struct run run;
	int i, passed = 0, refused = 0, timedout = 0;

	run_init(&run);
	for (i = 0; i < N_CONCURRENT; i++) {
		if (i % 4 == 3)
			start(&run, &o[i], &listening, DROP4);
		else
			start(&run, &o[i], i % 4 == 2 ? &closed : &listening, "127.0.0.1");
	}
	run_for(&run, TIMEOUT_MS + SLACK_MS);
	settle(&run, SETTLE_MS);
	for (i = 0; i < N_CONCURRENT; i++) {
		cr_assert_eq(o[i].calls, 1, "probe %d: %d callbacks", i, o[i].calls);
		passed += o[i].r.ok;
		refused += !strcmp(o[i].r.reason, "tcp: connection refused");
		timedout += !strcmp(o[i].r.reason, "timeout after 300 ms");
		probe_free(o[i].probe);
	}
	cr_assert_eq(passed, N_CONCURRENT / 2);
	cr_assert_eq(refused, N_CONCURRENT / 4);
	cr_assert_eq(timedout, N_CONCURRENT / 4);
	run_fini(&run);
	close(lfd);
}

/* ---- icmp ---- */

Test(probe, icmp_pass, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_ICMP, 0);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &c, "127.0.0.1");
	assert_pass(&r, "127.0.0.1");
	r = probe_once(&run, &c, LOCAL4);
	assert_pass(&r, LOCAL4);
	r = probe_once(&run, &c, "::1");
	assert_pass(&r, "::1");
	run_fini(&run);
}

Test(probe, icmp_timeout, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_ICMP, 0);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &c, DROP4);
	assert_timeout(&r, DROP4);
	r = probe_once(&run, &c, DROP6);
	assert_timeout(&r, DROP6);
	run_fini(&run);
}

/*
 * A reply that is in the socket when the probe's timeout expires counts: the
 * loop was busy past the timeout (a flood of control requests, say), and
 * libev would run the expired timer before the readable socket of the same
 * iteration. Loopback answers the echo at once, within probe_start().
 */
Test(probe, reply_queued_before_the_timeout_counts, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_ICMP, 0);
	struct outcome o = { 0 };
	struct run run;

	c.timeout_ms = 50;
	run_init(&run);
	start(&run, &o, &c, "127.0.0.1");
	usleep(200 * 1000); /* the loop is held: the reply waits, the timeout passes */
	run_for(&run, SLACK_MS);
	cr_assert_eq(o.calls, 1);
	cr_assert(o.r.ok, "a queued reply judged a timeout: %s", o.r.reason);
	probe_free(o.probe);
	run_fini(&run);
}

/*
 * A host at DROP4 answering the echo request it sees on xout (where the
 * router's frames to DROP4 go) with the request's identifier, sequence and
 * payload, as a spoofer that can sniff them would; @tamper: with one byte of
 * the payload's cookie changed. Its frame goes back in through xin.
 */
struct echo_responder {
	pthread_t thread;
	int fd; /* bound before the probe starts */
	bool tamper;
	int answered;
};

static uint16_t csum16(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_csum(uint8_t *at, const uint8_t *b, size_t len)
{
	uint16_t c;

	at[0] = at[1] = 0;
	c = csum16(b, len);
	at[0] = (uint8_t)(c >> 8);
	at[1] = (uint8_t)c;
}

static void *echo_thread(void *arg)
{
	struct echo_responder *e = arg;
	uint8_t f[2048], mac[ETH_ALEN];
	int fd = e->fd;
	ssize_t n;
	size_t ihl;

	while ((n = recv(fd, f, sizeof(f), 0)) > 0) {
		ihl = (size_t)(f[ETH_HLEN] & 0x0f) * 4;
		if ((size_t)n < ETH_HLEN + ihl + 8 || f[ETH_HLEN + 9] != IPPROTO_ICMP ||
		    f[ETH_HLEN + ihl] != 8 /* echo request */)
			continue;
		memcpy(mac, f, ETH_ALEN); /* to the sender, from the lost MAC */
		memcpy(f, f + ETH_ALEN, ETH_ALEN);
		memcpy(f + ETH_ALEN, mac, ETH_ALEN);
		memcpy(mac, f + ETH_HLEN + 12, 4); /* swap the addresses */
		memcpy(f + ETH_HLEN + 12, f + ETH_HLEN + 16, 4);
		memcpy(f + ETH_HLEN + 16, mac, 4);
		put_csum(f + ETH_HLEN + 10, f + ETH_HLEN, ihl);
		f[ETH_HLEN + ihl] = 0; /* echo reply */
		if (e->tamper)
			f[n - 1] ^= 0x5a; /* the cookie's last byte */
		put_csum(f + ETH_HLEN + ihl + 2, f + ETH_HLEN + ihl, (size_t)n - ETH_HLEN - ihl);
		if (send(fd, f, (size_t)n, 0) == n)
			e->answered++;
		break;
	}
	close(fd);
	return NULL;
}

static void echo_responder_start(struct echo_responder *e, bool tamper)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct timeval tv = { .tv_sec = SERVER_WAIT_MS / 1000 };

	*e = (struct echo_responder){ .tamper = tamper };
	ll.sll_ifindex = (int)if_nametoindex("xout");
	e->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	cr_assert(e->fd >= 0);
	cr_assert_eq(bind(e->fd, (struct sockaddr *)&ll, sizeof(ll)), 0);
	cr_assert_eq(setsockopt(e->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	cr_assert_eq(pthread_create(&e->thread, NULL, echo_thread, e), 0);
}

Test(probe, icmp_reply_must_echo_the_cookie, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_ICMP, 0);
	struct echo_responder e = { 0 };
	struct probe_result r;
	struct run run;

	run_init(&run);
	/* the responder works: an exact echo passes */
	echo_responder_start(&e, false);
	r = probe_once(&run, &c, DROP4);
	pthread_join(e.thread, NULL);
	cr_assert_eq(e.answered, 1);
	assert_pass(&r, "an exact echo from " DROP4);
	/* identifier and sequence right, cookie wrong: no pass */
	echo_responder_start(&e, true);
	r = probe_once(&run, &c, DROP4);
	pthread_join(e.thread, NULL);
	cr_assert_eq(e.answered, 1);
	assert_timeout(&r, "an echo with another cookie from " DROP4);
	run_fini(&run);
}

/* An echo reply counts only from the interface the target lives behind. */
static struct probe_result icmp_via(struct run *run, const char *ifname)
{
	struct check_config c = check(CHECK_ICMP, 0);
	struct echo_responder e;
	struct outcome o = { 0 };

	struct addr_config a = addr(DROP4);

	echo_responder_start(&e, false);
	o.run = run;
	o.probe = probe_new(run->env, &c, &a, 0, on_done, &o);
	cr_assert_not_null(o.probe);
	probe_set_ifindex(o.probe, (int)if_nametoindex(ifname));
	cr_assert_eq(probe_start(o.probe), 0);
	run->pending++;
	run_for(run, TIMEOUT_MS + SLACK_MS);
	pthread_join(e.thread, NULL);
	cr_assert_eq(o.calls, 1);
	probe_free(o.probe);
	return o.r;
}

Test(probe, icmp_reply_only_from_the_targets_interface, .init = netns_setup, .timeout = 30)
{
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = icmp_via(&run, "xin"); /* the responder's frames come in on xin */
	assert_pass(&r, "an echo on the target's interface");
	r = icmp_via(&run, "lo");
	assert_timeout(&r, "the same echo where the target does not live");
	run_fini(&run);
}

/*
 * Neighbours that never answer, given up fast (one solicitation, 100 ms):
 * the kernel then reports host / address unreachable to the sender, which
 * fails the probes long before their timeout.
 */
#define NEIGH_FAST                                                                                 \
	"sysctl -qw net.ipv4.neigh.xin.mcast_solicit=1 net.ipv4.neigh.xin.retrans_time_ms=100 "    \
	"net.ipv6.neigh.xin.mcast_solicit=1 net.ipv6.neigh.xin.retrans_time_ms=100"
#define UNRESOLVED4 "198.51.100.10"
#define UNRESOLVED6 "2001:db8:1::10"

Test(probe, unreachable_fails_fast, .init = netns_setup, .timeout = 30)
{
	struct check_config icmp = check(CHECK_ICMP, 0), tcp = check(CHECK_TCP, 80);
	struct probe_result r;
	struct run run;

	cr_assert_eq(system(NEIGH_FAST), 0);
	icmp.timeout_ms = TIMEOUT_LONG_MS;
	tcp.timeout_ms = TIMEOUT_LONG_MS;
	run_init(&run);
	r = probe_once(&run, &icmp, UNRESOLVED4);
	assert_fail(&r, "icmp: host unreachable", UNRESOLVED4);
	assert_outcome(&r, PROBE_UNREACHABLE, UNRESOLVED4);
	cr_assert_lt(r.latency_ms, 1000, "after %.3f ms", r.latency_ms);
	r = probe_once(&run, &icmp, UNRESOLVED6);
	assert_fail(&r, "icmp: address unreachable", UNRESOLVED6);
	assert_outcome(&r, PROBE_UNREACHABLE, UNRESOLVED6);
	cr_assert_lt(r.latency_ms, 1000, "after %.3f ms", r.latency_ms);
	r = probe_once(&run, &tcp, "198.51.100.11");
	assert_fail(&r, "tcp: no route to host", "tcp");
	assert_outcome(&r, PROBE_UNREACHABLE, "tcp");
	cr_assert_lt(r.latency_ms, 1000, "after %.3f ms", r.latency_ms);
	run_fini(&run);
}

#define N_ICMP 60

/* Many probes share the env's two sockets; each reply finds its own probe. */
Test(probe, icmp_concurrent, .init = netns_setup, .timeout = 30)
{
	static const char *const targets[] = { "127.0.0.1", "::1", LOCAL4, DROP4, DROP6 };
	static struct outcome o[N_ICMP];
	struct check_config c = check(CHECK_ICMP, 0);
	struct run run;
	int i;

	run_init(&run);
	for (i = 0; i < N_ICMP; i++)
		start(&run, &o[i], &c, targets[i % 5]);
	run_for(&run, TIMEOUT_MS + SLACK_MS);
	settle(&run, SETTLE_MS);
	for (i = 0; i < N_ICMP; i++) {
		cr_assert_eq(o[i].calls, 1, "probe %d: %d callbacks", i, o[i].calls);
		if (i % 5 < 3)
			assert_pass(&o[i].r, targets[i % 5]);
		else
			assert_timeout(&o[i].r, targets[i % 5]);
		probe_free(o[i].probe);
	}
	run_fini(&run);
}

/* ---- dns ---- */

/* What a DNS responder does with a query. */
enum dns_mode {
	DNS_ANSWER, /* the A record DNS_ADDR */
	DNS_WRONG_ID_FIRST, /* a reply with another id, then the right one */
	DNS_WRONG_ID_ONLY,
	DNS_SERVFAIL,
	DNS_CLOSE, /* TCP: close without a reply */
};

struct dns_server {
	int fd;
	uint16_t port;
	enum dns_mode mode;
	ev_io io;
	pthread_t thread;
	int queries;
	bool rd; /* RD bit of the last query */
	uint16_t last_id;
};

/* The answer RR to @question: DNS_ADDR for its name. */
static ldns_rr *dns_answer(const ldns_rr *question)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(question));
	ldns_rr *answer = NULL;
	char text[300];

	snprintf(text, sizeof(text), "%s 60 IN A %s", owner ? owner : ".", DNS_ADDR);
	free(owner);
	if (ldns_rr_new_frm_str(&answer, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return answer;
}

/*
 * The reply to @query (wire, free() it; NULL if the query is not one) with
 * @id_delta added to its id. No assertion in here: it runs in threads too,
 * and a bad query shows as a failed probe.
 */
static uint8_t *dns_reply_to(struct dns_server *s, const uint8_t *query, size_t qlen,
			     uint16_t id_delta, size_t *len)
{
	ldns_pkt *q = NULL, *r = NULL;
	const ldns_rr *question;
	uint8_t *wire = NULL;

	if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK)
		return NULL;
	question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	r = ldns_pkt_new();
	if (question && r) {
		s->queries++;
		s->rd = ldns_pkt_rd(q);
		s->last_id = ldns_pkt_id(q);
		ldns_pkt_set_id(r, (uint16_t)(ldns_pkt_id(q) + id_delta));
		ldns_pkt_set_qr(r, true);
		ldns_pkt_set_aa(r, true);
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
		if (s->mode == DNS_SERVFAIL)
			ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);
		else
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, dns_answer(question));
		if (ldns_pkt2wire(&wire, r, len) != LDNS_STATUS_OK)
			wire = NULL;
	}
	ldns_pkt_free(q);
	ldns_pkt_free(r);
	return wire;
}

/* UDP, on the loop: answer each query as the mode says. */
static void dns_udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns_server *s = w->data;
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	uint8_t query[512], *wire;
	ssize_t n;
	size_t len;

	(void)loop;
	(void)revents;
	n = recvfrom(s->fd, query, sizeof(query), 0, (struct sockaddr *)&from, &from_len);
	if (n <= 0)
		return;
	if (s->mode == DNS_WRONG_ID_FIRST || s->mode == DNS_WRONG_ID_ONLY) {
		wire = dns_reply_to(s, query, (size_t)n, 1, &len);
		if (wire)
			sendto(s->fd, wire, len, 0, (struct sockaddr *)&from, from_len);
		free(wire);
		if (s->mode == DNS_WRONG_ID_ONLY)
			return;
	}
	wire = dns_reply_to(s, query, (size_t)n, 0, &len);
	if (wire)
		sendto(s->fd, wire, len, 0, (struct sockaddr *)&from, from_len);
	free(wire);
}

static void dns_udp_server(struct run *run, struct dns_server *s, const char *ip)
{
	s->fd = bound(ip, SOCK_DGRAM, &s->port);
	ev_io_init(&s->io, dns_udp_cb, s->fd, EV_READ);
	s->io.data = s;
	ev_io_start(run->loop, &s->io);
}

static void dns_udp_server_stop(struct run *run, struct dns_server *s)
{
	ev_io_stop(run->loop, &s->io);
	close(s->fd);
}

/* Send @buf in three pieces with pauses, so that the probe reads it in parts. */
static void send_in_pieces(int fd, const uint8_t *buf, size_t len)
{
	size_t cuts[] = { 1, 5, len };
	size_t off = 0, i;

	for (i = 0; i < 3 && off < len; i++) {
		size_t end = cuts[i] < len ? cuts[i] : len;

		send(fd, buf + off, end - off, MSG_NOSIGNAL);
		off = end;
		usleep(20000);
	}
}

/* TCP, in a thread: one connection, one query, the reply framed and sent in pieces. */
static void *dns_tcp_thread(void *arg)
{
	struct dns_server *s = arg;
	uint8_t hdr[2], query[512], *wire, *framed;
	size_t qlen, len;
	int fd = accept_one(s->fd);

	if (fd < 0)
		return NULL;
	if (!fx_read_full(fd, hdr, 2, SERVER_WAIT_MS) ||
	    (qlen = (size_t)(hdr[0] << 8 | hdr[1])) > sizeof(query) ||
	    !fx_read_full(fd, query, qlen, SERVER_WAIT_MS) || s->mode == DNS_CLOSE) {
		close(fd);
		return NULL;
	}
	wire = dns_reply_to(s, query, qlen, 0, &len);
	framed = wire ? malloc(len + 2) : NULL;
	if (!framed) {
		free(wire);
		close(fd);
		return NULL;
	}
	framed[0] = (uint8_t)(len >> 8);
	framed[1] = (uint8_t)len;
	memcpy(framed + 2, wire, len);
	send_in_pieces(fd, framed, len + 2);
	free(framed);
	free(wire);
	close(fd);
	return NULL;
}

static void dns_tcp_server(struct dns_server *s, const char *ip)
{
	s->fd = bound(ip, SOCK_STREAM, &s->port);
	cr_assert_eq(pthread_create(&s->thread, NULL, dns_tcp_thread, s), 0);
}

static void dns_tcp_server_stop(struct dns_server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static struct check_config dns_check(uint16_t port, bool tcp)
{
	struct check_config c = check(CHECK_DNS, port);

	c.dns_tcp = tcp;
	snprintf(c.dns_expect, sizeof(c.dns_expect), "%s", DNS_ADDR);
	return c;
}

Test(probe, dns_udp, .init = netns_setup, .timeout = 30)
{
	struct dns_server s = { .mode = DNS_ANSWER };
	struct probe_result r;
	struct check_config c;
	struct run run;

	run_init(&run);
	dns_udp_server(&run, &s, "127.0.0.1");
	c = dns_check(s.port, false);
	r = probe_once(&run, &c, "127.0.0.1");
	assert_pass(&r, "udp");
	cr_assert_eq(s.queries, 1);
	cr_assert_not(s.rd, "RD set in the query");
	/* a reply with another id is ignored: the right one that follows counts */
	s.mode = DNS_WRONG_ID_FIRST;
	r = probe_once(&run, &c, "127.0.0.1");
	assert_pass(&r, "wrong id, then the right one");
	/* only a wrong id: the probe waits on, as a resolver would */
	s.mode = DNS_WRONG_ID_ONLY;
	r = probe_once(&run, &c, "127.0.0.1");
	assert_timeout(&r, "wrong id only");
	s.mode = DNS_SERVFAIL;
	r = probe_once(&run, &c, "127.0.0.1");
	assert_fail(&r, "dns: rcode SERVFAIL", "servfail");
	assert_outcome(&r, PROBE_BAD_REPLY, "servfail");
	dns_udp_server_stop(&run, &s);
	run_fini(&run);
}

Test(probe, dns_udp_ids_random, .init = netns_setup, .timeout = 30)
{
	struct dns_server s = { .mode = DNS_ANSWER };
	struct probe_result r;
	struct check_config c;
	uint16_t first;
	struct run run;
	int i, same = 0;

	run_init(&run);
	dns_udp_server(&run, &s, "::1");
	c = dns_check(s.port, false);
	r = probe_once(&run, &c, "::1");
	assert_pass(&r, "::1");
	first = s.last_id;
	for (i = 0; i < 4; i++) {
		r = probe_once(&run, &c, "::1");
		assert_pass(&r, "::1");
		same += s.last_id == first;
	}
	cr_assert_lt(same, 4, "the query id never changes");
	dns_udp_server_stop(&run, &s);
	run_fini(&run);
}

Test(probe, dns_udp_refused_fails_fast, .init = netns_setup, .timeout = 30)
{
	struct check_config c = dns_check(CLOSED_PORT, false);
	struct probe_result r;
	struct run run;

	c.timeout_ms = TIMEOUT_LONG_MS;
	run_init(&run);
	r = probe_once(&run, &c, "127.0.0.1");
	assert_fail(&r, "dns: connection refused", "port unreachable");
	assert_outcome(&r, PROBE_REFUSED, "port unreachable");
	assert_fast(&r, "port unreachable");
	run_fini(&run);
}

Test(probe, dns_tcp, .init = netns_setup, .timeout = 30)
{
	static const enum dns_mode modes[] = { DNS_ANSWER, DNS_SERVFAIL, DNS_CLOSE };
	static const char *const reasons[] = { "", "dns: rcode SERVFAIL",
					       "dns: connection closed" };
	struct probe_result r;
	struct check_config c;
	struct run run;
	size_t i;

	run_init(&run);
	for (i = 0; i < 3; i++) {
		struct dns_server s = { .mode = modes[i] };

		dns_tcp_server(&s, i == 1 ? "::1" : "127.0.0.1");
		c = dns_check(s.port, true);
		r = probe_once(&run, &c, i == 1 ? "::1" : "127.0.0.1");
		dns_tcp_server_stop(&s);
		if (modes[i] == DNS_ANSWER) {
			assert_pass(&r, "tcp");
			cr_assert_eq(s.queries, 1);
			cr_assert_not(s.rd, "RD set in the query");
		} else {
			assert_fail(&r, reasons[i], "tcp");
			assert_outcome(&r, PROBE_BAD_REPLY, reasons[i]);
		}
	}
	run_fini(&run);
}

Test(probe, dns_timeout, .init = netns_setup, .timeout = 30)
{
	struct check_config udp = dns_check(53, false), tcp = dns_check(53, true);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &udp, DROP4);
	assert_timeout(&r, "udp");
	r = probe_once(&run, &tcp, DROP6);
	assert_timeout(&r, "tcp");
	run_fini(&run);
}

/* ---- http ---- */

#define HTTP_OK "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nall ok\n"
#define HTTP_503                                                                                   \
	"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n"
#define HTTP_OTHER "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmeh!\n"

/* A canned HTTP responder in a thread: @conns connections, each request kept. */
struct http_server {
	int fd;
	uint16_t port;
	pthread_t thread;
	const char *response;
	int conns;
	bool raw; /* keep the first bytes only (a TLS ClientHello) and close */
	char request[4096];
	size_t request_len;
};

/* Read a request up to its blank line (or, raw, whatever comes first). */
static void http_read_request(struct http_server *s, int fd)
{
	ssize_t n;

	s->request_len = 0;
	while (s->request_len < sizeof(s->request) - 1 && fx_readable(fd, SERVER_WAIT_MS)) {
		n = recv(fd, s->request + s->request_len, sizeof(s->request) - 1 - s->request_len,
			 0);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		if (s->raw || strstr(s->request, "\r\n\r\n"))
			break;
	}
}

static void *http_thread(void *arg)
{
	struct http_server *s = arg;
	int i, fd;

	for (i = 0; i < s->conns; i++) {
		fd = accept_one(s->fd);
		if (fd < 0)
			return NULL;
		http_read_request(s, fd);
		if (!s->raw)
			send(fd, s->response, strlen(s->response), MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

static void http_server(struct http_server *s, const char *ip, const char *response, int conns)
{
	s->response = response;
	s->conns = conns;
	s->fd = bound(ip, SOCK_STREAM, &s->port);
	cr_assert_eq(pthread_create(&s->thread, NULL, http_thread, s), 0);
}

static void http_server_stop(struct http_server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* One probe against a fresh responder answering @response. */
static struct probe_result http_probe(struct run *run, struct http_server *s,
				      struct check_config *c, const char *ip, const char *response)
{
	struct probe_result r;

	http_server(s, ip, response, 1);
	c->port = s->port;
	r = probe_once(run, c, ip);
	http_server_stop(s);
	return r;
}

Test(probe, http_pass, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_HTTP, 0);
	struct http_server s = { 0 };
	struct probe_result r;
	struct run run;

	snprintf(c.http_body, sizeof(c.http_body), "ok");
	run_init(&run);
	r = http_probe(&run, &s, &c, "127.0.0.1", HTTP_OK);
	assert_pass(&r, "127.0.0.1");
	cr_assert(strstr(s.request, "GET /health HTTP/1.1\r\n"), "request: %s", s.request);
	cr_assert(strstr(s.request, "Host: 127.0.0.1:"), "request: %s", s.request);
	r = http_probe(&run, &s, &c, "::1", HTTP_OK);
	assert_pass(&r, "::1");
	cr_assert(strstr(s.request, "Host: [::1]:"), "request: %s", s.request);
	run_fini(&run);
}

Test(probe, http_status, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_HTTP, 0);
	struct http_server s = { 0 };
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = http_probe(&run, &s, &c, "127.0.0.1", HTTP_503);
	assert_fail(&r, "http: status 503", "503");
	assert_outcome(&r, PROBE_BAD_REPLY, "503");
	/* accepted when listed */
	c.http_statuses[1] = 503;
	c.n_http_statuses = 2;
	r = http_probe(&run, &s, &c, "127.0.0.1", HTTP_503);
	assert_pass(&r, "503 accepted");
	run_fini(&run);
}

Test(probe, http_body_mismatch, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_HTTP, 0);
	struct http_server s = { 0 };
	struct probe_result r;
	struct run run;

	snprintf(c.http_body, sizeof(c.http_body), "ok");
	run_init(&run);
	r = http_probe(&run, &s, &c, "127.0.0.1", HTTP_OTHER);
	assert_fail(&r, "http: body lacks \"ok\"", "body");
	assert_outcome(&r, PROBE_BAD_REPLY, "body");
	run_fini(&run);
}

Test(probe, http_host_header, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_HTTP, 0);
	struct http_server s = { 0 };
	struct probe_result r;
	struct run run;

	snprintf(c.http_host, sizeof(c.http_host), "www.example.test");
	snprintf(c.http_path, sizeof(c.http_path), "ready?full=1");
	run_init(&run);
	r = http_probe(&run, &s, &c, "127.0.0.1", HTTP_OK);
	assert_pass(&r, "host");
	cr_assert(strstr(s.request, "GET /ready?full=1 HTTP/1.1\r\n"), "request: %s", s.request);
	cr_assert(strstr(s.request, "\r\nHost: www.example.test\r\n"), "request: %s", s.request);
	cr_assert_null(strstr(s.request, "Host: 127.0.0.1"), "request: %s", s.request);
	run_fini(&run);
}

/* https with http_host: connects to the backend's address and names the host in its SNI. */
Test(probe, https_connects_to_backend_with_sni, .init = netns_setup, .timeout = 30)
{
	static const char *const ips[] = { "127.0.0.1", "::1" };
	struct check_config c = check(CHECK_HTTPS, 0);
	struct probe_result r;
	struct run run;
	int i;

	snprintf(c.http_host, sizeof(c.http_host), "www.example.test");
	c.tls_verify = false;
	run_init(&run);
	for (i = 0; i < 2; i++) {
		struct http_server s = { .raw = true };

		r = http_probe(&run, &s, &c, ips[i], "");
		cr_assert_not(r.ok, "%s: a plain TCP peer passed as TLS", ips[i]);
		cr_assert(!strncmp(r.reason, "http: ", 6), "reason: %s", r.reason);
		/* the peer took the connection, then no TLS: the service's fault */
		assert_outcome(&r, PROBE_BAD_REPLY, ips[i]);
		cr_assert_gt(s.request_len, 5, "%s: no ClientHello", ips[i]);
		cr_assert_eq(s.request[0], 0x16, "%s: not a TLS handshake record", ips[i]);
		cr_assert_not_null(memmem(s.request, s.request_len, "www.example.test", 16),
				   "%s: no SNI www.example.test in the ClientHello", ips[i]);
	}
	run_fini(&run);
}

Test(probe, http_refused_and_timeout, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_HTTP, CLOSED_PORT);
	struct probe_result r;
	struct run run;

	run_init(&run);
	r = probe_once(&run, &c, "127.0.0.1");
	cr_assert_not(r.ok);
	/* curl's own words: "http: Failed to connect to 127.0.0.1 port 9 after 0 ms: ..." */
	cr_assert(!strncmp(r.reason, "http: ", 6) && strstr(r.reason, "connect"), "reason: %s",
		  r.reason);
	assert_outcome(&r, PROBE_REFUSED, "http refused");
	assert_fast(&r, "refused");
	c.port = 80;
	r = probe_once(&run, &c, DROP4);
	assert_timeout(&r, "http " DROP4);
	r = probe_once(&run, &c, DROP6);
	assert_timeout(&r, "http " DROP6);
	run_fini(&run);
}

/* A callback may start its probe again (from within curl's completion), or free it. */
Test(probe, callback_restarts_or_frees, .init = netns_setup, .timeout = 30)
{
	struct check_config hc = check(CHECK_HTTP, 0), tc = check(CHECK_TCP, CLOSED_PORT);
	struct outcome o = { .restarts = 2 }, f = { .free_in_callback = true };
	struct outcome g = { .free_in_callback = true };
	struct http_server s = { 0 };
	struct run run;

	run_init(&run);
	http_server(&s, "127.0.0.1", HTTP_OK, 3);
	hc.port = s.port;
	start(&run, &o, &hc, "127.0.0.1");
	start(&run, &f, &tc, "127.0.0.1");
	start(&run, &g, &hc, DROP4);
	run_for(&run, TIMEOUT_MS + SLACK_MS);
	settle(&run, SETTLE_MS);
	http_server_stop(&s);
	cr_assert_eq(o.calls, 3);
	assert_pass(&o.r, "restarted");
	cr_assert_eq(f.calls, 1);
	cr_assert_eq(g.calls, 1);
	assert_timeout(&g.r, "freed in callback");
	probe_free(o.probe);
	run_fini(&run);
}

/* ---- cancel ---- */

/* Cancelled attempts of every type never call back; the probe can start again. */
Test(probe, cancel, .init = netns_setup, .timeout = 30)
{
	static const enum check_type types[] = { CHECK_ICMP, CHECK_TCP, CHECK_DNS, CHECK_DNS,
						 CHECK_HTTP };
	struct outcome o[5] = { 0 };
	struct check_config c;
	struct run run;
	int i;

	run_init(&run);
	for (i = 0; i < 5; i++) {
		c = check(types[i], 53);
		c.dns_tcp = i == 3;
		start(&run, &o[i], &c, DROP4);
	}
	run_for(&run, 20); /* let them get going */
	for (i = 0; i < 5; i++)
		probe_cancel(o[i].probe);
	run.pending = 0;
	settle(&run, TIMEOUT_MS + SETTLE_MS);
	for (i = 0; i < 5; i++)
		cr_assert_eq(o[i].calls, 0, "probe %d called back after its cancel", i);
	/* start again, then free while running */
	for (i = 0; i < 5; i++) {
		cr_assert_eq(probe_start(o[i].probe), 0);
		probe_free(o[i].probe);
	}
	settle(&run, TIMEOUT_MS + SETTLE_MS);
	for (i = 0; i < 5; i++)
		cr_assert_eq(o[i].calls, 0, "probe %d called back after its free", i);
	run_fini(&run);
}

/* A failure known at start (no route) is cancelled before the loop delivers it: no callback. */
Test(probe, cancel_deferred_failure, .init = netns_setup, .timeout = 30)
{
	struct check_config c = check(CHECK_TCP, 80);
	struct outcome o = { 0 };
	struct run run;

	run_init(&run);
	start(&run, &o, &c, NOROUTE4);
	probe_cancel(o.probe);
	run.pending = 0;
	settle(&run, SETTLE_MS);
	cr_assert_eq(o.calls, 0);
	probe_free(o.probe);
	run_fini(&run);
}
