/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ICMP probe: an echo request over a raw socket, passing on the echo
 * reply from the target. One raw socket per family serves every probe of
 * the env (a thousand probes wake one socket, not a thousand): requests
 * carry the env's identifier and a sequence number unique among the
 * waiting probes, which is how a reply finds its probe, and a random 64-bit
 * cookie that the reply must echo: a reply counts only if it could only
 * come from a host that received the request. A kernel filter
 * lets only echo replies and destination unreachables through; an
 * unreachable quoting one of our requests fails that probe at once rather
 * than at its timeout.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdlib.h>

#include "probe_icmp.h"
#include "probe_attempt.h"
#include "probe_sock.h"

#define ICMP_HDR_LEN 8
/* 16 bytes (some hosts drop empty echoes): a tag, then the probe's cookie */
#define ICMP_TAG "xdpcastd"
#define ICMP_COOKIE_OFF (ICMP_HDR_LEN + sizeof(ICMP_TAG) - 1)
#define ICMP_PKT_LEN (ICMP_COOKIE_OFF + PROBE_ICMP_COOKIE_LEN)
#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define IPV4_PROTO_OFF 9
#define IPV4_DST_OFF 16
#define IPV6_NEXT_OFF 6
#define IPV6_DST_OFF 24
#define ICMP_READ_BURST 64 /* datagrams per wake-up, so that a flood cannot starve the loop */

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071); 0 over a message that carries a valid one. */
static uint16_t inet_csum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int icmp_family_index(const struct probe *p)
{
	return p->target.family == AF_INET6;
}

static struct probe **icmp_bucket(struct probe_icmp_env *ie, uint16_t seq)
{
	return &ie->waiters[seq % PROBE_ICMP_BUCKETS];
}

static struct probe *icmp_find(struct probe_icmp_env *ie, uint16_t seq)
{
	struct probe *p;

	for (p = *icmp_bucket(ie, seq); p; p = probe_icmp_of(p)->next)
		if (probe_icmp_of(p)->seq == seq)
			return p;
	return NULL;
}

/* The next sequence number that no waiting probe holds. */
static uint16_t icmp_next_seq(struct probe_icmp_env *ie)
{
	do
		ie->seq++;
	while (icmp_find(ie, ie->seq));
	return ie->seq;
}

static void icmp_wait(struct probe *p)
{
	struct probe_icmp_env *ie = p->type_env;
	struct probe_icmp *st = probe_icmp_of(p);
	struct probe_icmp_sock *s = &ie->sock[icmp_family_index(p)];
	struct probe **bucket = icmp_bucket(ie, st->seq);

	st->next = *bucket;
	*bucket = p;
	st->waiting = true;
	if (s->waiting++ == 0)
		ev_io_start(p->env->loop, &s->io);
}

static void icmp_stop(struct probe *p)
{
	struct probe_icmp_env *ie = p->type_env;
	struct probe_icmp *st = probe_icmp_of(p);
	struct probe_icmp_sock *s = &ie->sock[icmp_family_index(p)];
	struct probe **pp;

	if (!st->waiting)
		return;
	for (pp = icmp_bucket(ie, st->seq); *pp; pp = &probe_icmp_of(*pp)->next) {
		if (*pp == p) {
			*pp = st->next;
			break;
		}
	}
	st->waiting = false;
	st->next = NULL;
	/* no reply awaited: the loop may end, late replies wait in the socket */
	if (--s->waiting == 0)
		ev_io_stop(p->env->loop, &s->io);
}

/* The waiting probe of @echo (a reply, or a quoted request: @len bytes from
 * its ICMP header) to or from @addr: the env's identifier, a waiting probe's
 * sequence number and its cookie (a quote too short to hold it is no proof). */
static struct probe *icmp_match(struct probe_icmp_env *ie, int family, const void *addr,
				const uint8_t *echo, size_t len)
{
	struct probe *p;
	const uint8_t *want;

	if (len < ICMP_PKT_LEN || get16(echo + 4) != ie->ident)
		return NULL;
	p = icmp_find(ie, get16(echo + 6));
	if (!p || p->target.family != family ||
	    memcmp(echo + ICMP_COOKIE_OFF, probe_icmp_of(p)->cookie, PROBE_ICMP_COOKIE_LEN))
		return NULL;
	/* from the interface the target lives behind, or it is not its answer */
	if (p->ifindex && p->ifindex != ie->in_ifindex)
		return NULL;
	want = family == AF_INET ? &p->target.addr.s6_addr[12] : p->target.addr.s6_addr;
	return memcmp(want, addr, family == AF_INET ? 4 : 16) ? NULL : p;
}

static const char *icmp4_unreach_text(uint8_t code)
{
	switch (code) {
	case ICMP_NET_UNREACH:
		return "network unreachable";
	case ICMP_HOST_UNREACH:
		return "host unreachable";
	case ICMP_NET_ANO:
	case ICMP_HOST_ANO:
	case ICMP_PKT_FILTERED:
		return "administratively prohibited";
	}
	return NULL;
}

static const char *icmp6_unreach_text(uint8_t code)
{
	switch (code) {
	case ICMP6_DST_UNREACH_NOROUTE:
		return "no route to destination";
	case ICMP6_DST_UNREACH_ADMIN:
		return "administratively prohibited";
	case ICMP6_DST_UNREACH_ADDR:
		return "address unreachable";
	}
	return NULL;
}

/* An unreachable quoting an IPv4 echo request of ours: its IP header, then 8 bytes of ICMP. */
static void icmp4_unreach(struct probe_icmp_env *ie, uint8_t code, const uint8_t *in, size_t len,
			  struct probe_icmp_answer *ans)
{
	size_t ihl;

	if (len < IPV4_MIN_HLEN)
		return;
	ihl = (size_t)(in[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HLEN || len < ihl + ICMP_HDR_LEN || in[IPV4_PROTO_OFF] != IPPROTO_ICMP ||
	    in[ihl] != ICMP_ECHO)
		return;
	ans->probe = icmp_match(ie, AF_INET, in + IPV4_DST_OFF, in + ihl, len - ihl);
	ans->unreachable = true;
	ans->code = code;
	ans->text = icmp4_unreach_text(code);
}

/* An IPv4 datagram from the raw socket: its IP header first. */
static void icmp4_input(struct probe_icmp_env *ie, const uint8_t *b, size_t len,
			const struct sockaddr_in *from, struct probe_icmp_answer *ans)
{
	const uint8_t *icmp;
	size_t ihl, icmp_len;

	if (len < IPV4_MIN_HLEN)
		return;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HLEN || len < ihl + ICMP_HDR_LEN)
		return;
	icmp = b + ihl;
	icmp_len = len - ihl;
	/* the kernel leaves ICMP checksums of raw sockets to us */
	if (inet_csum(icmp, icmp_len))
		return;
	if (icmp[0] == ICMP_DEST_UNREACH) {
		icmp4_unreach(ie, icmp[1], icmp + ICMP_HDR_LEN, icmp_len - ICMP_HDR_LEN, ans);
		return;
	}
	if (icmp[0] != ICMP_ECHOREPLY || icmp[1] != 0)
		return;
	ans->probe = icmp_match(ie, AF_INET, &from->sin_addr, icmp, icmp_len);
}

/* An ICMPv6 message (no IPv6 header: raw ICMPv6 sockets strip it; the kernel checked the sum). */
static void icmp6_input(struct probe_icmp_env *ie, const uint8_t *b, size_t len,
			const struct sockaddr_in6 *from, struct probe_icmp_answer *ans)
{
	const uint8_t *in = b + ICMP_HDR_LEN;

	if (len < ICMP_HDR_LEN)
		return;
	if (b[0] == ICMP6_ECHO_REPLY && b[1] == 0) {
		ans->probe = icmp_match(ie, AF_INET6, &from->sin6_addr, b, len);
		return;
	}
	/* an unreachable quoting our request: IPv6 header (no extension headers), ICMPv6 echo */
	if (b[0] != ICMP6_DST_UNREACH || len < ICMP_HDR_LEN + IPV6_HLEN + ICMP_HDR_LEN ||
	    in[IPV6_NEXT_OFF] != IPPROTO_ICMPV6 || in[IPV6_HLEN] != ICMP6_ECHO_REQUEST)
		return;
	ans->probe = icmp_match(ie, AF_INET6, in + IPV6_DST_OFF, in + IPV6_HLEN,
				len - ICMP_HDR_LEN - IPV6_HLEN);
	ans->unreachable = true;
	ans->code = b[1];
	ans->text = icmp6_unreach_text(b[1]);
}

void probe_icmp_demux(struct probe_icmp_env *ie, const struct sockaddr_storage *from,
		      const uint8_t *b, size_t len, struct probe_icmp_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (from->ss_family == AF_INET)
		icmp4_input(ie, b, len, (const struct sockaddr_in *)from, ans);
	else if (from->ss_family == AF_INET6)
		icmp6_input(ie, b, len, (const struct sockaddr_in6 *)from, ans);
	if (!ans->probe)
		ans->unreachable = false;
}

/* The verdict of a datagram that answers one of our probes. */
static void icmp_deliver(const struct probe_icmp_answer *ans)
{
	if (!ans->probe)
		return;
	if (!ans->unreachable)
		probe_pass(ans->probe);
	else if (ans->text)
		probe_fail_as(ans->probe, PROBE_UNREACHABLE, "icmp: %s", ans->text);
	else
		probe_fail_as(ans->probe, PROBE_UNREACHABLE,
			      "icmp: destination unreachable (code %u)", ans->code);
}

static void icmp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_icmp_env *ie = w->data;
	uint8_t *buf = ie->env->scratch;
	struct sockaddr_storage from = { 0 }; /* filled by recvmsg() */
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_addr) + sizeof(uint32_t))]; /* in6_pktinfo */
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = PROBE_SCRATCH_SIZE };
	struct msghdr msg = { .msg_name = &from, .msg_iov = &iov, .msg_iovlen = 1 };
	struct probe_icmp_answer ans;
	struct cmsghdr *cm;
	ssize_t n;
	int i;

	(void)loop;
	(void)revents;
	for (i = 0; i < ICMP_READ_BURST; i++) {
		msg.msg_namelen = sizeof(from);
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		n = recvmsg(w->fd, &msg, 0);
		if (n < 0)
			return; /* EAGAIN: drained; anything else: nothing to learn from it */
		ie->in_ifindex = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			/* in_pktinfo starts with the ifindex, in6_pktinfo ends with it */
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
				memcpy(&ie->in_ifindex, CMSG_DATA(cm), sizeof(int));
			else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
				memcpy(&ie->in_ifindex, CMSG_DATA(cm) + sizeof(struct in6_addr),
				       sizeof(int));
		}
		probe_icmp_demux(ie, &from, buf, (size_t)n, &ans);
		icmp_deliver(&ans);
	}
}

/* Only echo replies and destination unreachables reach the socket. */
static int icmp_set_filter(int fd, int family)
{
	if (family == AF_INET) {
		struct icmp_filter f = {
			.data = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH)),
		};

		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	}
	struct icmp6_filter f6;

	ICMP6_FILTER_SETBLOCKALL(&f6);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f6);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof(f6));
}

/* The env's socket of @family, opened on first use: 0 or -errno. */
static int icmp_sock_open(struct probe_icmp_env *ie, int family)
{
	struct probe_icmp_sock *s = &ie->sock[family == AF_INET6];
	int fd, err;

	if (s->fd >= 0)
		return 0;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	/* each datagram with the interface it came in on (icmp_match checks it) */
	if (setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		       family == AF_INET ? IP_PKTINFO : IPV6_RECVPKTINFO, &(int){ 1 },
		       sizeof(int)) ||
	    icmp_set_filter(fd, family)) {
		err = errno;
		close(fd);
		return -err;
	}
	s->fd = fd;
	ev_io_init(&s->io, icmp_io_cb, fd, EV_READ);
	s->io.data = ie;
	return 0;
}

static void icmp_start(struct probe *p)
{
	struct probe_icmp_env *ie = p->type_env;
	struct probe_icmp *st = probe_icmp_of(p);
	uint8_t pkt[ICMP_PKT_LEN] = { 0 };
	struct sockaddr_storage ss;
	uint32_t mark;
	socklen_t len;
	int err;

	err = icmp_sock_open(ie, p->target.family);
	if (err) {
		probe_fail_errno_soon(p, "icmp: socket", -err);
		return;
	}
	st->seq = icmp_next_seq(ie);
	pkt[0] = p->target.family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	put16(pkt + 4, ie->ident);
	put16(pkt + 6, st->seq);
	if (getrandom(st->cookie, sizeof(st->cookie), GRND_NONBLOCK) != sizeof(st->cookie)) {
		probe_fail_errno_soon(p, "icmp: random cookie", errno ? errno : EAGAIN);
		return;
	}
	memcpy(pkt + ICMP_HDR_LEN, ICMP_TAG, sizeof(ICMP_TAG) - 1);
	memcpy(pkt + ICMP_COOKIE_OFF, st->cookie, PROBE_ICMP_COOKIE_LEN);
	/* ICMPv6: the kernel fills the checksum, which covers a pseudo-header we do not know */
	if (p->target.family == AF_INET)
		put16(pkt + 2, inet_csum(pkt, sizeof(pkt)));
	/* a raw IPv6 socket reads the port as a protocol number: it must be 0 */
	p->port = 0;
	len = probe_sock_addr(p, &ss);
	/* one socket for all: the mark of this probe's path, for this send (the
	 * loop is single-threaded, so nothing sends between the two calls) */
	mark = p->mark;
	if (setsockopt(ie->sock[icmp_family_index(p)].fd, SOL_SOCKET, SO_MARK, &mark,
		       sizeof(mark)) < 0) {
		probe_fail_errno_soon(p, "icmp: mark", errno);
		return;
	}
	if (sendto(ie->sock[icmp_family_index(p)].fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss,
		   len) < 0) {
		probe_fail_errno_soon(p, "icmp", errno);
		return;
	}
	icmp_wait(p);
}

/* The env's share: its sockets are opened at the first probe of each family. */
static int icmp_env_init(struct probe_env *env, void **type_env)
{
	struct probe_icmp_env *ie = calloc(1, sizeof(*ie));

	if (!ie)
		return -ENOMEM;
	ie->env = env;
	ie->sock[0].fd = -1;
	ie->sock[1].fd = -1;
	/* random, so that two agents (or a restart) do not take each other's replies */
	if (getrandom(&ie->ident, sizeof(ie->ident), GRND_NONBLOCK) != sizeof(ie->ident))
		ie->ident = (uint16_t)getpid();
	*type_env = ie;
	return 0;
}

static void icmp_env_free(struct probe_env *env, void *type_env)
{
	struct probe_icmp_env *ie = type_env;
	int i;

	for (i = 0; i < 2; i++) {
		if (ie->sock[i].fd < 0)
			continue;
		ev_io_stop(env->loop, &ie->sock[i].io);
		close(ie->sock[i].fd);
	}
	free(ie);
}

const struct probe_ops probe_icmp_ops = {
	.check_types = 1u << CHECK_ICMP,
	.state_size = sizeof(struct probe_icmp),
	.env_init = icmp_env_init,
	.env_free = icmp_env_free,
	.start = icmp_start,
	.stop = icmp_stop,
};
