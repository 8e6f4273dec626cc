/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The DNS probe: one query (built with ldns, random id, RD clear: the
 * backend is asked as an authority, not as a recursor) over UDP or TCP, and
 * the verdict on its reply (probe_dns_judge()). Over UDP the socket is
 * connected, so the kernel drops datagrams from anyone else, and a
 * datagram with another id is ignored as a resolver would: the probe keeps
 * waiting until its timeout (one with our id is judged, whatever it says).
 * No retransmission: a lost datagram is a failed probe, which rise/fall
 * absorbs. Over TCP the messages carry their 2-byte
 * length (RFC 1035 4.2.2) and partial reads and writes are resumed.
 * Replies are judged on the loop, so their size is bounded before ldns
 * sees them: the query has no EDNS, so a UDP reply over 512 bytes is not
 * one a server may send (RFC 1035 4.2.1), and a TCP reply over 16 KiB is
 * refused on its length, before it is read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "probe_attempt.h"
#include "probe_dns.h"
#include "probe_sock.h"

#define DNS_LEN_PREFIX 2 /* TCP framing */
#define DNS_READ_BURST 16 /* UDP datagrams per wake-up; the rest on the next one */
#define DNS_SHOWN_MAX 48 /* bytes of an unexpected answer quoted in a reason */
#define DNS_UDP_MAX 512 /* a reply over UDP to a query without EDNS */
#define DNS_TCP_MAX 16384 /* a reply over TCP: far more than a health check's answer */

/* A DNS probe's state (probe_state()). */
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

static struct probe_dns *dns_of(struct probe *p)
{
	return probe_state(p);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

__attribute__((format(printf, 2, 3))) static bool dns_reject(char reason[PROBE_REASON_MAX],
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, PROBE_REASON_MAX, fmt, ap);
	va_end(ap);
	return false;
}

/* The one question is the one asked: name (case-insensitively), type and class. */
static bool dns_question_ok(const struct check_config *check, const ldns_pkt *pkt)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	ldns_rdf *want;
	bool ok;

	if (ldns_pkt_qdcount(pkt) != 1 || !q || ldns_rr_get_type(q) != check->dns_type ||
	    ldns_rr_get_class(q) != LDNS_RR_CLASS_IN)
		return false;
	want = ldns_dname_new_frm_str(check->dns_name);
	if (!want)
		return false;
	ok = ldns_dname_compare(ldns_rr_owner(q), want) == 0;
	ldns_rdf_deep_free(want);
	return ok;
}

static bool dns_is_txt(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT || ldns_rr_get_type(rr) == LDNS_RR_TYPE_SPF;
}

/*
 * The text of @rr's rdata that dns_expect is compared with, into @buf:
 * - TXT (and SPF): the content of its character-strings, concatenated with
 *   nothing between them (as SPF and DKIM read them), unquoted and
 *   unescaped, so `expect: v=spf1 -all` matches that record byte for byte;
 * - any other type: its rdata fields as ldns presents them (zone file
 *   syntax), separated by single spaces: "198.18.1.2", "2001:db8::1",
 *   "10 mail.example.com.".
 */
static bool dns_rdata_text(const ldns_rr *rr, ldns_buffer *buf)
{
	size_t i;

	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(rdf);
		size_t n = ldns_rdf_size(rdf);

		if (dns_is_txt(rr)) {
			if (n < 1 || d[0] > n - 1 || !ldns_buffer_reserve(buf, d[0]))
				return false;
			ldns_buffer_write(buf, d + 1, d[0]);
			continue;
		}
		if (i > 0 && ldns_buffer_printf(buf, " ") < 0)
			return false;
		if (ldns_rdf2buffer_str(buf, rdf) != LDNS_STATUS_OK)
			return false;
	}
	return true;
}

/* TXT: byte for byte; else case-insensitively (names, hex digits) and a final dot optional. */
static bool dns_text_eq(bool exact, const char *got, size_t got_len, const char *want)
{
	size_t want_len = strlen(want);

	if (!exact) {
		if (got_len && got[got_len - 1] == '.')
			got_len--;
		if (want_len && want[want_len - 1] == '.')
			want_len--;
	}
	if (got_len != want_len)
		return false;
	return exact ? !memcmp(got, want, want_len) : !strncasecmp(got, want, want_len);
}

/* A bounded, printable copy of text from the network, for a reason (a log line). */
static void dns_shown(const char *text, size_t len, char *out, size_t size)
{
	size_t i, n = len < size - 1 ? len : size - 1;

	for (i = 0; i < n; i++)
		out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	out[n] = '\0';
}

/* Some answer RR of the queried type has the expected rdata text. */
static bool dns_answer_ok(const struct check_config *check, const ldns_pkt *pkt,
			  char reason[PROBE_REASON_MAX])
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	char first[DNS_SHOWN_MAX + 1] = "";
	bool seen = false, found = false;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an) && !found; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		ldns_buffer *buf;

		/* the owner is not checked: after a CNAME it is the alias's target */
		if (ldns_rr_get_type(rr) != check->dns_type ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		buf = ldns_buffer_new(LDNS_MIN_BUFLEN);
		if (buf && dns_rdata_text(rr, buf)) {
			const char *text = (const char *)ldns_buffer_begin(buf);
			size_t len = ldns_buffer_position(buf);

			found = dns_text_eq(dns_is_txt(rr), text, len, check->dns_expect);
			if (!seen)
				dns_shown(text, len, first, sizeof(first));
			seen = true;
		}
		ldns_buffer_free(buf);
	}
	if (found)
		return true;
	if (!seen)
		return dns_reject(reason, "dns: no answer");
	return dns_reject(reason, "dns: answer %s not %s", first, check->dns_expect);
}

static bool dns_judge_pkt(const struct check_config *check, uint16_t id, const ldns_pkt *pkt,
			  char reason[PROBE_REASON_MAX])
{
	/* 0 (unset) means the default: NOERROR only */
	uint32_t rcodes = check->dns_rcodes ? check->dns_rcodes : 1u << LDNS_RCODE_NOERROR;
	uint8_t rcode = ldns_pkt_get_rcode(pkt);

	if (ldns_pkt_id(pkt) != id)
		return dns_reject(reason, "dns: wrong id");
	if (!ldns_pkt_qr(pkt))
		return dns_reject(reason, "dns: not a response");
	/* errors may come without the question (RFC 1035 leaves it open): judge their rcode */
	if (!(rcode != LDNS_RCODE_NOERROR && ldns_pkt_qdcount(pkt) == 0) &&
	    !dns_question_ok(check, pkt))
		return dns_reject(reason, "dns: question mismatch");
	/* over TCP nothing is truncated: TC there means nothing */
	if (ldns_pkt_tc(pkt) && !check->dns_tcp)
		return dns_reject(reason, "dns: truncated");
	if (rcode >= 32 || !(rcodes & (1u << rcode))) {
		const ldns_lookup_table *name = ldns_lookup_by_id(ldns_rcodes, rcode);

		if (name && name->name)
			return dns_reject(reason, "dns: rcode %s", name->name);
		return dns_reject(reason, "dns: rcode %u", rcode);
	}
	if (!check->dns_expect[0])
		return true;
	return dns_answer_ok(check, pkt, reason);
}

bool probe_dns_judge(const struct check_config *check, uint16_t id, const uint8_t *reply,
		     size_t len, char reason[PROBE_REASON_MAX])
{
	ldns_pkt *pkt = NULL;
	bool ok;

	reason[0] = '\0';
	if (ldns_wire2pkt(&pkt, reply, len) != LDNS_STATUS_OK)
		return dns_reject(reason, "dns: malformed reply");
	ok = dns_judge_pkt(check, id, pkt, reason);
	ldns_pkt_free(pkt);
	return ok;
}

/* The verdict on our reply, delivered. */
static void dns_reply(struct probe *p, const uint8_t *reply, size_t len)
{
	char reason[PROBE_REASON_MAX];

	if (probe_dns_judge(&p->check, dns_of(p)->id, reply, len, reason))
		probe_pass(p);
	else
		probe_fail_as(p, PROBE_BAD_REPLY, "%s", reason);
}

/* The query in the state's out, prefixed with its length over TCP: 0 or -errno. */
static int dns_build_query(struct probe *p)
{
	struct probe_dns *d = dns_of(p);
	ldns_rdf *name = ldns_dname_new_frm_str(p->check.dns_name);
	uint8_t *wire = NULL;
	size_t len, prefix = p->check.dns_tcp ? DNS_LEN_PREFIX : 0;
	ldns_status st;
	ldns_pkt *q;

	if (!name)
		return -EINVAL;
	q = ldns_pkt_query_new(name, (ldns_rr_type)p->check.dns_type, LDNS_RR_CLASS_IN, 0);
	if (!q) {
		ldns_rdf_deep_free(name);
		return -ENOMEM;
	}
	ldns_pkt_set_id(q, d->id);
	ldns_pkt_set_rd(q, false);
	st = ldns_pkt2wire(&wire, q, &len);
	ldns_pkt_free(q);
	if (st != LDNS_STATUS_OK)
		return -ENOMEM;
	d->out = malloc(prefix + len);
	if (!d->out) {
		free(wire);
		return -ENOMEM;
	}
	if (prefix) {
		d->out[0] = (uint8_t)(len >> 8);
		d->out[1] = (uint8_t)len;
	}
	memcpy(d->out + prefix, wire, len);
	free(wire);
	d->out_len = prefix + len;
	return 0;
}

static void dns_udp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	uint8_t *buf = p->env->scratch;
	ssize_t n;
	int i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DNS_READ_BURST; i++) {
		/* MSG_TRUNC: the datagram's real length, whatever fits */
		n = recv(p->fd, buf, PROBE_SCRATCH_SIZE, MSG_TRUNC);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP port unreachable came back */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				probe_fail_errno(p, "dns", errno);
			return;
		}
		if (n >= DNS_LEN_PREFIX && get16(buf) == dns_of(p)->id) {
			if (n > DNS_UDP_MAX)
				probe_fail_as(p, PROBE_BAD_REPLY, "dns: reply of %zd bytes over %d",
					      n, DNS_UDP_MAX);
			else
				dns_reply(p, buf, (size_t)n);
			return;
		}
	}
}

static void dns_udp_start(struct probe *p)
{
	struct probe_dns *d = dns_of(p);
	int fd = probe_sock_connect(p, SOCK_DGRAM);

	if (fd < 0) {
		probe_fail_errno_soon(p, "dns", -fd);
		return;
	}
	p->fd = fd;
	if (send(fd, d->out, d->out_len, 0) < 0) {
		probe_fail_errno_soon(p, "dns", errno);
		return;
	}
	ev_io_init(&p->io, dns_udp_io_cb, fd, EV_READ);
	p->io.data = p;
	ev_io_start(p->env->loop, &p->io);
}

static bool dns_again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Send what is left of the query; then wait for the reply. */
static void dns_tcp_write(struct probe *p)
{
	struct probe_dns *d = dns_of(p);
	ssize_t n = send(p->fd, d->out + d->out_off, d->out_len - d->out_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (!dns_again())
			probe_fail_errno(p, "dns", errno);
		return;
	}
	d->out_off += (size_t)n;
	if (d->out_off < d->out_len)
		return;
	ev_io_stop(p->env->loop, &p->io);
	ev_io_set(&p->io, p->fd, EV_READ);
	ev_io_start(p->env->loop, &p->io);
}

/*
 * Read into @buf[*@off..@len): true once full. On EOF or an error the
 * probe fails (and may be freed: the caller returns at once on false).
 */
static bool dns_tcp_fill(struct probe *p, uint8_t *buf, size_t *off, size_t len)
{
	ssize_t n = recv(p->fd, buf + *off, len - *off, 0);

	if (n == 0)
		probe_fail_as(p, PROBE_BAD_REPLY, "dns: connection closed");
	else if (n < 0 && !dns_again())
		probe_fail_errno(p, "dns", errno);
	if (n <= 0)
		return false;
	*off += (size_t)n;
	return *off == len;
}

/* Read the length, then the reply, as far as the socket has them. */
static void dns_tcp_read(struct probe *p)
{
	struct probe_dns *d = dns_of(p);

	if (d->len_off < DNS_LEN_PREFIX) {
		if (!dns_tcp_fill(p, d->len_buf, &d->len_off, DNS_LEN_PREFIX))
			return;
		d->in_len = get16(d->len_buf);
		if (!d->in_len) {
			probe_fail_as(p, PROBE_BAD_REPLY, "dns: malformed reply");
			return;
		}
		if (d->in_len > DNS_TCP_MAX) {
			probe_fail_as(p, PROBE_BAD_REPLY, "dns: reply of %zu bytes over %d",
				      d->in_len, DNS_TCP_MAX);
			return;
		}
		d->in = malloc(d->in_len);
		if (!d->in) {
			probe_fail_errno(p, "dns", ENOMEM);
			return;
		}
	}
	if (dns_tcp_fill(p, d->in, &d->in_off, d->in_len))
		dns_reply(p, d->in, d->in_len);
}

static void dns_tcp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	struct probe_dns *d = dns_of(p);
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	if (!d->connected) {
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err) {
			probe_fail_errno(p, "dns", err);
			return;
		}
		d->connected = true;
	}
	if (revents & EV_WRITE)
		dns_tcp_write(p);
	else if (revents & EV_READ)
		dns_tcp_read(p);
}

static void dns_tcp_start(struct probe *p)
{
	/* writable once connected: then the query goes out */
	probe_sock_stream_start(p, "dns", dns_tcp_io_cb);
}

static void dns_stop(struct probe *p)
{
	struct probe_dns *d = dns_of(p);

	probe_sock_close(p);
	free(d->out);
	free(d->in);
	memset(d, 0, sizeof(struct probe_dns));
}

static void dns_start(struct probe *p)
{
	uint16_t id;
	int err;

	/* unpredictable ids: a forged reply has to guess one of 65536 */
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(ev_time() * 1e6);
	dns_stop(p);
	dns_of(p)->id = id;
	err = dns_build_query(p);
	if (err) {
		probe_fail_soon(p, "dns: cannot build a query for \"%s\"", p->check.dns_name);
		return;
	}
	if (p->check.dns_tcp)
		dns_tcp_start(p);
	else
		dns_udp_start(p);
}

const struct probe_ops probe_dns_ops = {
	.check_types = 1u << CHECK_DNS,
	.state_size = sizeof(struct probe_dns),
	.start = dns_start,
	.stop = dns_stop,
};
