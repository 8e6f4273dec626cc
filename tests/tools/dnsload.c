// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dnsload: many flows (a UDP socket, so a source port, each) query one DNS
 * server at a fixed total rate, round robin over the flows, for a given
 * time; every query has a random id and is matched by id and question.
 * Stops sending after --duration (or at SIGINT/SIGTERM), waits --timeout
 * for the last replies, then reports (dnsload_report.c). SIGUSR1, or a line
 * written to the --marks FIFO, records a mark. This file: options, sockets,
 * the libev loop (send timer, replies, timeouts, signals, marks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "dnsload.h"

#define SEND_TICK_S 0.001
#define EXPIRE_TICK_S 0.01
#define BACKLOG_MAX_S 0.1 /* a loop further behind skips sends (counted) */
#define DRAIN_GRACE_S 2.0 /* past the timeout after the last send: stop anyway */

static struct dl_run run;
static ev_io *flow_io;
static ev_timer send_timer, expire_timer, drain_timer;
static ev_signal sig_usr1, sig_int, sig_term;
static ev_io marks_io;
static char marks_buf[DL_LABEL_LEN * 4];
static size_t marks_len;
static uint64_t issued; /* queries sent or skipped */
static unsigned next_flow;
static unsigned usr1_marks;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dnsload -s SERVER [options]\n"
		"  -s, --server ADDR     IPv4 or IPv6 address to query (required)\n"
		"  -p, --port N          its port (53)\n"
		"  -b, --bind ADDR       source address (default: the kernel's choice)\n"
		"  -P, --base-port N     flow i uses source port N+i (default: ephemeral ports)\n"
		"  -f, --flows N         flows, one UDP socket each (200; at most %d)\n"
		"  -r, --rate Q          queries per second, all flows together (1000)\n"
		"  -d, --duration S      seconds of sending (10; fractions too; 86400 at most)\n"
		"  -t, --timeout MS      a query unanswered this long is lost (1000)\n"
		"  -l, --late MS         an answer slower than this is late (200)\n"
		"  -n, --name NAME       the question's name (id.server)\n"
		"  -c, --class CLASS     its class (CH for id.server and hostname.bind, else IN)\n"
		"  -T, --type TYPE       its type (TXT)\n"
		"  -j, --json FILE       the whole record as JSON\n"
		"  -q, --queries FILE    a line per query: flow seq sent_ms status server rtt_ms\n"
		"  -m, --marks FIFO      a line written to FIFO is a mark (so is SIGUSR1)\n"
		"      --seed N          seed of the query ids (default: random)\n"
		"  -v, --verbose         list every flow in the summary\n",
		DL_MAX_FLOWS);
}

static int parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static uint64_t rng_next(void)
{
	/* xorshift64* */
	run.rng ^= run.rng >> 12;
	run.rng ^= run.rng << 25;
	run.rng ^= run.rng >> 27;
	return run.rng * 0x2545f4914f6cdd1dull;
}

static int flow_socket(unsigned i, const struct sockaddr_storage *dst, socklen_t dlen)
{
	struct dl_flow *f = &run.flows[i];
	struct sockaddr_storage src = { .ss_family = dst->ss_family };
	socklen_t slen = dlen;
	uint16_t port = run.o.base_port ? (uint16_t)(run.o.base_port + i) : 0;

	f->fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return -1;
	if (dst->ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&src;

		s->sin_port = htons(port);
		if (run.o.bind_addr && inet_pton(AF_INET, run.o.bind_addr, &s->sin_addr) != 1)
			return errno = EINVAL, -1;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&src;

		s->sin6_port = htons(port);
		if (run.o.bind_addr && inet_pton(AF_INET6, run.o.bind_addr, &s->sin6_addr) != 1)
			return errno = EINVAL, -1;
	}
	if ((run.o.bind_addr || port) && bind(f->fd, (struct sockaddr *)&src, dlen))
		return -1;
	if (connect(f->fd, (const struct sockaddr *)dst, dlen))
		return -1;
	if (getsockname(f->fd, (struct sockaddr *)&src, &slen))
		return -1;
	f->port = ntohs(dst->ss_family == AF_INET ? ((struct sockaddr_in *)&src)->sin_port
						  : ((struct sockaddr_in6 *)&src)->sin6_port);
	f->first = f->last = DL_NONE;
	return 0;
}

static int open_flows(void)
{
	struct sockaddr_storage dst = { 0 };
	struct sockaddr_in *d4 = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst;
	socklen_t dlen;
	struct rlimit rl;
	unsigned i;

	if (inet_pton(AF_INET, run.o.server, &d4->sin_addr) == 1) {
		d4->sin_family = AF_INET;
		d4->sin_port = htons(run.o.port);
		dlen = sizeof(*d4);
	} else if (inet_pton(AF_INET6, run.o.server, &d6->sin6_addr) == 1) {
		d6->sin6_family = AF_INET6;
		d6->sin6_port = htons(run.o.port);
		dlen = sizeof(*d6);
	} else {
		fprintf(stderr, "dnsload: %s: not an IPv4 or IPv6 address\n", run.o.server);
		return -1;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < run.o.flows + 32) {
		rl.rlim_cur = rl.rlim_max < run.o.flows + 32 ? rl.rlim_max : run.o.flows + 32;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	run.flows = calloc(run.o.flows, sizeof(*run.flows));
	flow_io = calloc(run.o.flows, sizeof(*flow_io));
	if (!run.flows || !flow_io) {
		fprintf(stderr, "dnsload: out of memory\n");
		return -1;
	}
	for (i = 0; i < run.o.flows; i++)
		run.flows[i].fd = -1;
	for (i = 0; i < run.o.flows; i++) {
		if (flow_socket(i, &dst, dlen)) {
			fprintf(stderr, "dnsload: flow %u (source port %u): %s\n", i,
				run.o.base_port ? run.o.base_port + i : 0, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void send_query(struct dl_flow *f, uint64_t now)
{
	uint8_t wire[sizeof(run.question.wire)];
	uint16_t id;
	int tries;

	do
		id = (uint16_t)(rng_next() >> 48);
	while (dl_flow_id_pending(f, id));
	dl_query_wire(&run.question, id, wire);
	dl_flow_push(&run, f, id, now);
	/* an ICMP error pending on the socket fails one send: it counts, the query goes again */
	for (tries = 0; tries < 2; tries++) {
		if (send(f->fd, wire, run.question.wire_len, 0) >= 0)
			return;
		f->errors++;
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH)
			return; /* pending: lost at its timeout */
	}
}

static bool all_resolved(void)
{
	unsigned i;

	for (i = 0; i < run.o.flows; i++) {
		if (run.flows[i].count)
			return false;
	}
	return true;
}

static void stop_sending(struct ev_loop *loop, uint64_t now)
{
	if (!ev_is_active(&send_timer))
		return;
	ev_timer_stop(loop, &send_timer);
	run.end_send_ns = now;
	ev_timer_set(&drain_timer, run.o.timeout_ms / 1e3 + DRAIN_GRACE_S, 0);
	ev_timer_start(loop, &drain_timer);
}

static void on_send(struct ev_loop *loop, ev_timer *w, int revents)
{
	uint64_t now = dl_now_ns(), elapsed = now - run.start_ns, due, cap;

	(void)w;
	(void)revents;
	if ((double)elapsed >= run.o.duration_s * 1e9) {
		stop_sending(loop, now);
		return;
	}
	due = (uint64_t)((double)elapsed * run.o.rate / 1e9) + 1;
	cap = (uint64_t)(run.o.rate * BACKLOG_MAX_S) + 1;
	if (due > issued + cap) {
		run.skipped += due - issued - cap;
		issued = due - cap;
	}
	for (; issued < due; issued++) {
		send_query(&run.flows[next_flow], now);
		next_flow = (next_flow + 1) % run.o.flows;
	}
}

static void on_reply(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dl_flow *f = &run.flows[(ev_io *)w - flow_io];
	uint8_t buf[4096];
	char ident[DL_IDENT_LEN];
	uint16_t id;

	(void)loop;
	(void)revents;
	for (;;) {
		ssize_t n = recv(f->fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			f->errors++; /* ICMP unreachable and the like */
			continue;
		}
		if (dl_reply_parse(&run.question, buf, (size_t)n, &id, ident, sizeof(ident)) ==
		    DL_REPLY_OK)
			dl_flow_reply(&run, f, id, ident, dl_now_ns());
		else
			f->bad++;
	}
}

static void on_expire(struct ev_loop *loop, ev_timer *w, int revents)
{
	uint64_t now = dl_now_ns();
	unsigned i;

	(void)w;
	(void)revents;
	for (i = 0; i < run.o.flows; i++)
		dl_flow_expire(&run, &run.flows[i], now, false);
	if (!ev_is_active(&send_timer) && all_resolved())
		ev_break(loop, EVBREAK_ALL);
}

static void on_drain_end(struct ev_loop *loop, ev_timer *w, int revents)
{
	unsigned i;

	(void)w;
	(void)revents;
	for (i = 0; i < run.o.flows; i++)
		dl_flow_expire(&run, &run.flows[i], dl_now_ns(), true);
	ev_break(loop, EVBREAK_ALL);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	if (run.interrupted) { /* the second one: no waiting for replies */
		on_drain_end(loop, NULL, 0);
		return;
	}
	run.interrupted = true;
	stop_sending(loop, dl_now_ns());
}

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	char label[DL_LABEL_LEN];

	(void)loop;
	(void)w;
	(void)revents;
	snprintf(label, sizeof(label), "SIGUSR1 #%u", ++usr1_marks);
	dl_mark_add(&run, label, dl_now_ns());
}

static void mark_line(char *line, uint64_t now)
{
	char *p;

	for (p = line; *p; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == '"' || *p == '\\')
			*p = '?';
	}
	dl_mark_add(&run, line, now);
}

static void on_marks(struct ev_loop *loop, ev_io *w, int revents)
{
	uint64_t now = dl_now_ns();
	ssize_t n;
	char *nl;

	(void)loop;
	(void)revents;
	while ((n = read(w->fd, marks_buf + marks_len, sizeof(marks_buf) - 1 - marks_len)) > 0) {
		marks_len += (size_t)n;
		marks_buf[marks_len] = '\0';
		while ((nl = memchr(marks_buf, '\n', marks_len))) {
			*nl = '\0';
			mark_line(marks_buf, now);
			marks_len -= (size_t)(nl + 1 - marks_buf);
			memmove(marks_buf, nl + 1, marks_len);
		}
		if (marks_len == sizeof(marks_buf) - 1) { /* a line too long: cut */
			mark_line(marks_buf, now);
			marks_len = 0;
		}
	}
}

static int parse_args(int argc, char **argv, const char **name, const char **qclass,
		      const char **qtype)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "base-port", required_argument, NULL, 'P' },
		{ "flows", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "late", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "class", required_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 'T' },
		{ "json", required_argument, NULL, 'j' },
		{ "queries", required_argument, NULL, 'q' },
		{ "marks", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct dl_opts *o = &run.o;
	double v;
	int c;

	*o = (struct dl_opts){ .port = 53,
			       .flows = 200,
			       .rate = 1000,
			       .duration_s = 10,
			       .timeout_ms = 1000,
			       .late_ms = 200 };
	while ((c = getopt_long(argc, argv, "s:p:b:P:f:r:d:t:l:n:c:T:j:q:m:vh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			o->server = optarg;
			break;
		case 'b':
			o->bind_addr = optarg;
			break;
		case 'n':
			*name = optarg;
			break;
		case 'c':
			*qclass = optarg;
			break;
		case 'T':
			*qtype = optarg;
			break;
		case 'j':
			o->json_path = optarg;
			break;
		case 'q':
			o->queries_path = optarg;
			break;
		case 'm':
			o->marks_path = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'p':
			if (parse_num(optarg, 1, 65535, &v) || v != (uint16_t)v)
				goto bad;
			o->port = (uint16_t)v;
			break;
		case 'P':
			if (parse_num(optarg, 1, 65535, &v) || v != (uint16_t)v)
				goto bad;
			o->base_port = (uint16_t)v;
			break;
		case 'f':
			if (parse_num(optarg, 1, DL_MAX_FLOWS, &v) || v != (unsigned)v)
				goto bad;
			o->flows = (unsigned)v;
			break;
		case 'r':
			if (parse_num(optarg, 0.1, 1e6, &o->rate))
				goto bad;
			break;
		case 'd':
			if (parse_num(optarg, 0.001, 86400, &o->duration_s))
				goto bad;
			break;
		case 't':
			if (parse_num(optarg, 1, 60000, &o->timeout_ms))
				goto bad;
			break;
		case 'l':
			if (parse_num(optarg, 0, 60000, &o->late_ms))
				goto bad;
			break;
		case 'S':
			if (parse_num(optarg, 0, 1.8e19, &v))
				goto bad;
			o->seed = (uint64_t)v;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->server) {
		fprintf(stderr, "dnsload: %s\n",
			o->server ? "unexpected argument" : "-s SERVER is required");
		usage(stderr);
		return -1;
	}
	if (o->base_port && o->base_port + o->flows - 1 > 65535) {
		fprintf(stderr, "dnsload: --base-port %u + %u flows passes port 65535\n",
			o->base_port, o->flows);
		return -1;
	}
	/* the queries of a flow in flight at once, with room: the ring holds DL_MAX_INFLIGHT */
	if (o->rate / o->flows * o->timeout_ms / 1e3 + 1 > DL_MAX_INFLIGHT / 2) {
		fprintf(stderr,
			"dnsload: %.0f q/s over %u flows with a %.0f ms timeout keeps more than %d "
			"queries of a flow in flight: more flows or a shorter timeout\n",
			o->rate, o->flows, o->timeout_ms, DL_MAX_INFLIGHT / 2);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "dnsload: bad value for -%c: %s\n", c, optarg);
	usage(stderr);
	return -1;
}

static int setup_loop(struct ev_loop *loop)
{
	unsigned i;

	for (i = 0; i < run.o.flows; i++) {
		ev_io_init(&flow_io[i], on_reply, run.flows[i].fd, EV_READ);
		ev_io_start(loop, &flow_io[i]);
	}
	if (run.o.marks_path) {
		/* read-write: the FIFO never sees EOF, and a writer's open never blocks */
		int fd = open(run.o.marks_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "dnsload: %s: %s\n", run.o.marks_path, strerror(errno));
			return -1;
		}
		ev_io_init(&marks_io, on_marks, fd, EV_READ);
		ev_io_start(loop, &marks_io);
	}
	ev_signal_init(&sig_usr1, on_usr1, SIGUSR1);
	ev_signal_init(&sig_int, on_stop_signal, SIGINT);
	ev_signal_init(&sig_term, on_stop_signal, SIGTERM);
	ev_signal_start(loop, &sig_usr1);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_term);
	ev_timer_init(&send_timer, on_send, 0, SEND_TICK_S);
	ev_timer_init(&expire_timer, on_expire, EXPIRE_TICK_S, EXPIRE_TICK_S);
	ev_timer_init(&drain_timer, on_drain_end, 0, 0);
	ev_timer_start(loop, &send_timer);
	ev_timer_start(loop, &expire_timer);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = "id.server", *qclass = NULL, *qtype = "TXT";
	struct ev_loop *loop = EV_DEFAULT;
	struct timespec rt;
	int rc = 1;
	unsigned i;

	if (parse_args(argc, argv, &name, &qclass, &qtype))
		return 2;
	if (!qclass)
		qclass = (!strcasecmp(name, "id.server") || !strcasecmp(name, "id.server.") ||
			  !strcasecmp(name, "hostname.bind") || !strcasecmp(name, "hostname.bind."))
				 ? "CH"
				 : "IN";
	if (dl_question_init(&run.question, name, qclass, qtype)) {
		fprintf(stderr, "dnsload: cannot make a query for %s %s %s\n", qclass, qtype, name);
		return 2;
	}
	if (run.o.seed)
		run.rng = run.o.seed;
	else if (getrandom(&run.rng, sizeof(run.rng), 0) != sizeof(run.rng) || !run.rng)
		run.rng = (uint64_t)time(NULL) | 1;
	if (open_flows())
		goto out;
	if (run.o.queries_path) {
		run.queries = fopen(run.o.queries_path, "w");
		if (!run.queries) {
			fprintf(stderr, "dnsload: %s: %s\n", run.o.queries_path, strerror(errno));
			goto out;
		}
		fprintf(run.queries, "# flow seq sent_ms status server rtt_ms\n");
	}
	if (setup_loop(loop))
		goto out;
	clock_gettime(CLOCK_REALTIME, &rt);
	run.start_ns = dl_now_ns();
	run.start_realtime = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9;
	ev_run(loop, 0);
	run.end_ns = dl_now_ns();
	for (i = 0; i < run.o.flows; i++)
		dl_flow_finish(&run, &run.flows[i]);
	dl_report_text(&run, stdout);
	rc = 0;
	if (run.o.json_path && dl_report_json(&run, run.o.json_path)) {
		fprintf(stderr, "dnsload: %s: cannot write the JSON record\n", run.o.json_path);
		rc = 1;
	}
	if (run.queries && fclose(run.queries)) {
		fprintf(stderr, "dnsload: %s: %s\n", run.o.queries_path, strerror(errno));
		rc = 1;
	}
	run.queries = NULL;
out:
	if (run.queries)
		fclose(run.queries);
	for (i = 0; run.flows && i < run.o.flows; i++) {
		if (run.flows[i].fd >= 0)
			close(run.flows[i].fd);
	}
	for (i = 0; i < run.nmarks; i++)
		free(run.marks[i].flows);
	free(run.flows);
	free(flow_io);
	dl_question_free(&run.question);
	return rc;
}
