/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rtnetlink helpers shared by the next-hop watch, the route mirror and the
 * probe paths' routes and rules (nl.h). */
#include "nl.h"

#include "addr.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#define QUERY_TIMEOUT_S 1 /* the kernel answers at once: never wait longer */

struct attrs {
	const struct nlattr **tb;
	unsigned int max;
};

int nl_query_open(struct nl_query *q)
{
	struct timeval tv = { .tv_sec = QUERY_TIMEOUT_S };
	int err;

	q->seq = 0;
	q->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!q->sk)
		return -errno;
	if (mnl_socket_bind(q->sk, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(q->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		nl_query_close(q);
		return err;
	}
	q->portid = mnl_socket_get_portid(q->sk);
	return 0;
}

void nl_query_close(struct nl_query *q)
{
	if (q->sk)
		mnl_socket_close(q->sk);
	q->sk = NULL;
}

void *nl_handle_new(size_t size)
{
	struct nl_query *q = calloc(1, size);
	int err;

	if (!q)
		return NULL;
	err = nl_query_open(q);
	if (err) {
		free(q);
		errno = -err;
		return NULL;
	}
	return q;
}

void nl_handle_free(void *handle)
{
	if (!handle)
		return;
	nl_query_close(handle);
	free(handle);
}

struct nlmsghdr *nl_request(struct nl_query *q, uint16_t type, uint16_t flags, const void *hdr,
			    size_t hdr_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(q->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++q->seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdr_len), hdr, hdr_len);
	return nlh;
}

struct nlmsghdr *nl_host_route_request(struct nl_query *q, uint16_t type, uint16_t flags,
				       const struct rtmsg *rtm, const struct in6_addr *dst)
{
	struct nlmsghdr *nlh = nl_request(q, type, flags, rtm, sizeof(*rtm));
	struct rtmsg *h = mnl_nlmsg_get_payload(nlh);
	int family = rtm->rtm_family;

	h->rtm_dst_len = (uint8_t)(nl_addr_len(family) * 8);
	mnl_attr_put(nlh, RTA_DST, nl_addr_len(family), nl_addr_bytes(family, dst));
	return nlh;
}

int nl_query_run(struct nl_query *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(q->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(q->sk, q->buf, sizeof(q->buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = nl_cb_run(q->buf, (size_t)n, seq, q->portid, cb, data);
		/* EPROTO: the late answer of a query that timed out; skip it */
	} while (ret > MNL_CB_STOP || (ret < 0 && errno == EPROTO));
	return ret < 0 ? -errno : 0;
}

int nl_cb_run(const void *buf, size_t len, unsigned int seq, unsigned int portid, mnl_cb_t cb,
	      void *data)
{
	size_t off = 0, step;

	/* libmnl 1.0.4 takes an nlmsg_len of 2 GiB or more for a negative
	 * number, which passes its bounds check, and reads a message's
	 * attributes up to its aligned end, past a datagram that ends unaligned:
	 * run only the messages that fit, padding included (the kernel pads) */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step > len - off)
			break;
		off += step;
	}
	return mnl_cb_run(buf, off, seq, portid, cb, data);
}

int nl_dump_families(struct nl_query *q, uint16_t type, const void *hdr, size_t hdr_len,
		     mnl_cb_t cb, void *data)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	int err = 0;

	for (size_t i = 0; i < sizeof(families) && !err; i++) {
		struct nlmsghdr *nlh = nl_request(q, type, NLM_F_DUMP, hdr, hdr_len);

		*(uint8_t *)mnl_nlmsg_get_payload(nlh) = families[i];
		err = nl_query_run(q, nlh, cb, data);
		if (err == -EAFNOSUPPORT) /* no IPv6 (ipv6.disable=1): nothing to list */
			err = 0;
	}
	return err;
}

static int put_attr(const struct nlattr *a, void *data)
{
	const struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

void nl_parse_attrs(const struct nlmsghdr *nlh, size_t hdr, const struct nlattr **tb,
		    unsigned int max)
{
	struct attrs t = { .tb = tb, .max = max };

	mnl_attr_parse(nlh, (unsigned int)hdr, put_attr, &t);
}

static void parse_buf(const void *buf, size_t len, const struct nlattr **tb, unsigned int max)
{
	struct attrs t = { .tb = tb, .max = max };

	mnl_attr_parse_payload(buf, len, put_attr, &t);
}

uint32_t nl_attr_u32(const struct nlattr *a, uint32_t dflt)
{
	return a && mnl_attr_get_payload_len(a) >= sizeof(uint32_t) ? mnl_attr_get_u32(a) : dflt;
}

bool nl_parse_gateway(int family, const struct nlattr *const *tb, int *gw_family,
		      struct in6_addr *gw)
{
	const struct nlattr *a = tb[RTA_GATEWAY];
	const struct rtvia *via;
	size_t len;

	if (a && mnl_attr_get_payload_len(a) == nl_addr_len(family)) {
		*gw_family = family;
		nl_addr_set(family, gw, mnl_attr_get_payload(a));
		return true;
	}
	a = tb[RTA_VIA];
	if (!a)
		return false;
	via = mnl_attr_get_payload(a);
	len = mnl_attr_get_payload_len(a);
	if (len < sizeof(*via) || (via->rtvia_family != AF_INET && via->rtvia_family != AF_INET6) ||
	    len < sizeof(*via) + nl_addr_len(via->rtvia_family))
		return false;
	*gw_family = via->rtvia_family;
	nl_addr_set(*gw_family, gw, via->rtvia_addr);
	return true;
}

void nl_put_gateway(struct nlmsghdr *nlh, int family, int gw_family, const struct in6_addr *gw)
{
	size_t len = nl_addr_len(gw_family);
	struct {
		struct rtvia via;
		uint8_t addr[16];
	} via;

	if (gw_family == family) {
		mnl_attr_put(nlh, RTA_GATEWAY, len, nl_addr_bytes(gw_family, gw));
		return;
	}
	via.via.rtvia_family = (__kernel_sa_family_t)gw_family;
	memcpy(via.addr, nl_addr_bytes(gw_family, gw), len);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via.via) + len, &via);
}

const struct rtnexthop *nl_multipath_next(const struct nlattr *mp, const struct rtnexthop *prev,
					  const struct nlattr **tb)
{
	const char *start = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp), off = 0;
	const struct rtnexthop *rtnh;

	/* @prev was checked to fit when it was returned: the step past it is
	 * within @mp, or ends the walk */
	if (prev)
		off = (size_t)((const char *)prev - start) + RTNH_ALIGN(prev->rtnh_len);
	if (off >= len || len - off < sizeof(*rtnh))
		return NULL;
	rtnh = (const void *)(start + off);
	if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > len - off)
		return NULL;
	memset(tb, 0, (RTA_MAX + 1) * sizeof(*tb));
	parse_buf(start + off + sizeof(*rtnh), rtnh->rtnh_len - sizeof(*rtnh), tb, RTA_MAX);
	return rtnh;
}

size_t nl_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

const uint8_t *nl_addr_bytes(int family, const struct in6_addr *a)
{
	return family == AF_INET ? &a->s6_addr[12] : a->s6_addr;
}

void nl_addr_set(int family, struct in6_addr *a, const void *bytes)
{
	if (family == AF_INET)
		addr_map_v4(a, bytes);
	else
		memcpy(a->s6_addr, bytes, 16);
}
