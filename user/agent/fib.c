/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Host routes in the kernel FIB (fib.h). One query socket with strict
 * checking, so that a dump asks the kernel for one protocol's routes only:
 * on a router with a full table the others are never copied to us (older
 * kernels ignore the filter; the protocol is checked here too).
 */
#include "fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nl.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* One dump: the caller's callback and room for a route's next hops. */
struct dump {
	uint8_t protocol;
	fib_route_fn fn;
	void *arg;
	struct fib_nexthop nh[FIB_NEXTHOPS_MAX];
};

struct fib {
	struct nl_query q;
	struct dump d; /* the running dump's or lookup's: allocated once */
};

int fib_open(struct fib **out)
{
	struct fib *f = calloc(1, sizeof(*f));
	int one = 1, err;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	err = nl_query_open(&f->q);
	if (err) {
		free(f);
		return err;
	}
	/* kernel 4.20+: dumps filtered by the header's protocol */
	if (mnl_socket_setsockopt(f->q.sk, NETLINK_GET_STRICT_CHK, &one, sizeof(one)))
		pr_info("routes: no strict netlink checking (%s): a listing of xdpcast's routes "
			"copies the whole routing table\n",
			strerror(errno));
	*out = f;
	return 0;
}

void fib_close(struct fib *f)
{
	if (!f)
		return;
	nl_query_close(&f->q);
	free(f);
}

/* ---- requests ---- */

static struct rtmsg *put_route_header(struct nlmsghdr *nlh, const struct fib_route *r)
{
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (uint8_t)r->family;
	rtm->rtm_dst_len = (uint8_t)(nl_addr_len(r->family) * 8);
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, nl_addr_len(r->family), nl_addr_bytes(r->family, &r->dst));
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	return rtm;
}

/* A next hop's gateway: RTA_GATEWAY in the route's family, else RTA_VIA. */
static void put_gateway(struct nlmsghdr *nlh, int route_family, const struct fib_nexthop *nh)
{
	size_t len = nl_addr_len(nh->gw_family);
	struct {
		struct rtvia via;
		uint8_t addr[16];
	} via;

	if (nh->gw_family == route_family) {
		mnl_attr_put(nlh, RTA_GATEWAY, len, nl_addr_bytes(nh->gw_family, &nh->gw));
		return;
	}
	via.via.rtvia_family = (__kernel_sa_family_t)nh->gw_family;
	memcpy(via.addr, nl_addr_bytes(nh->gw_family, &nh->gw), len);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via.via) + len, &via);
}

static void put_nexthops(struct nlmsghdr *nlh, const struct fib_route *r)
{
	struct nlattr *mp;

	if (r->n_nh == 1) {
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		rtm->rtm_flags |= RTNH_F_ONLINK;
		put_gateway(nlh, r->family, &r->nh[0]);
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->nh[0].ifindex);
		return;
	}
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	for (size_t i = 0; i < r->n_nh; i++) {
		struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

		nlh->nlmsg_len += MNL_ALIGN(sizeof(*rtnh));
		memset(rtnh, 0, sizeof(*rtnh));
		rtnh->rtnh_ifindex = r->nh[i].ifindex;
		rtnh->rtnh_flags = RTNH_F_ONLINK;
		rtnh->rtnh_hops = (unsigned char)(r->nh[i].weight - 1);
		put_gateway(nlh, r->family, &r->nh[i]);
		rtnh->rtnh_len =
			(unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
	}
	mnl_attr_nest_end(nlh, mp);
}

int fib_replace(struct fib *f, const struct fib_route *r)
{
	struct nlmsghdr *nlh;

	if (!r->n_nh || r->n_nh > FIB_NEXTHOPS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < r->n_nh; i++)
		if (!r->nh[i].weight || r->nh[i].weight > FIB_WEIGHT_MAX)
			return -ERANGE;
	nlh = nl_request(&f->q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	put_route_header(nlh, r);
	put_nexthops(nlh, r);
	return nl_query_run(&f->q, nlh, NULL, NULL);
}

int fib_delete(struct fib *f, const struct fib_route *r)
{
	struct nlmsghdr *nlh = nl_request(&f->q, RTM_DELROUTE, 0);
	struct rtmsg *rtm = put_route_header(nlh, r);

	rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
	return nl_query_run(&f->q, nlh, NULL, NULL);
}

/* ---- dumps ---- */

static bool parse_gateway(int family, const struct nlattr *gw, const struct nlattr *via,
			  struct fib_nexthop *nh)
{
	const struct rtvia *v;

	if (gw && mnl_attr_get_payload_len(gw) == nl_addr_len(family)) {
		nh->gw_family = family;
		nl_addr_set(family, &nh->gw, mnl_attr_get_payload(gw));
		return true;
	}
	if (!via || mnl_attr_get_payload_len(via) < sizeof(*v))
		return false;
	v = mnl_attr_get_payload(via);
	if ((v->rtvia_family != AF_INET && v->rtvia_family != AF_INET6) ||
	    mnl_attr_get_payload_len(via) < sizeof(*v) + nl_addr_len(v->rtvia_family))
		return false;
	nh->gw_family = v->rtvia_family;
	nl_addr_set(nh->gw_family, &nh->gw, v->rtvia_addr);
	return true;
}

/* The next hops of RTA_MULTIPATH into @nhs: their count. */
static size_t parse_multipath(int family, const struct nlattr *mp,
			      struct fib_nexthop nhs[FIB_NEXTHOPS_MAX])
{
	const char *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp), n = 0, step;

	while (left >= sizeof(struct rtnexthop) && n < FIB_NEXTHOPS_MAX) {
		const struct rtnexthop *rtnh = (const void *)p;
		const struct nlattr *tb[RTA_MAX + 1] = { NULL };
		struct fib_nexthop *nh = &nhs[n];

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			break;
		memset(nh, 0, sizeof(*nh));
		nl_parse_buf(p + sizeof(*rtnh), rtnh->rtnh_len - sizeof(*rtnh), tb, RTA_MAX);
		nh->ifindex = rtnh->rtnh_ifindex;
		nh->weight = (uint32_t)rtnh->rtnh_hops + 1;
		parse_gateway(family, tb[RTA_GATEWAY], tb[RTA_VIA], nh);
		n++;
		step = (size_t)RTNH_ALIGN(rtnh->rtnh_len);
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return n;
}

bool fib_route_parse(const struct nlmsghdr *nlh, uint8_t protocol,
		     struct fib_nexthop nh[FIB_NEXTHOPS_MAX], struct fib_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	memset(r, 0, sizeof(*r));
	r->nh = nh;
	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return false;
	if (rtm->rtm_protocol != protocol || (rtm->rtm_flags & RTM_F_CLONED) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_dst_len != nl_addr_len(rtm->rtm_family) * 8)
		return false;
	nl_parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (!tb[RTA_DST] || mnl_attr_get_payload_len(tb[RTA_DST]) != nl_addr_len(rtm->rtm_family))
		return false;
	r->family = rtm->rtm_family;
	nl_addr_set(r->family, &r->dst, mnl_attr_get_payload(tb[RTA_DST]));
	r->protocol = rtm->rtm_protocol;
	r->table = nl_attr_u32(tb[RTA_TABLE], rtm->rtm_table);
	r->metric = nl_attr_u32(tb[RTA_PRIORITY], 0);
	if (tb[RTA_MULTIPATH]) {
		r->n_nh = parse_multipath(r->family, tb[RTA_MULTIPATH], nh);
	} else {
		memset(&nh[0], 0, sizeof(nh[0]));
		nh[0].weight = 1;
		nh[0].ifindex = (int)nl_attr_u32(tb[RTA_OIF], 0);
		/* a route without a gateway (dev only, blackhole...) has one next hop, no gw */
		parse_gateway(r->family, tb[RTA_GATEWAY], tb[RTA_VIA], &nh[0]);
		r->n_nh = 1;
	}
	fib_route_sort(r);
	return true;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct fib_route r;

	if (fib_route_parse(nlh, d->protocol, d->nh, &r))
		d->fn(d->arg, &r);
	return MNL_CB_OK;
}

int fib_dump(struct fib *f, uint8_t protocol, fib_route_fn fn, void *arg)
{
	struct rtmsg rtm = { .rtm_protocol = protocol };
	struct dump *d = &f->d;

	d->protocol = protocol;
	d->fn = fn;
	d->arg = arg;
	return nl_dump_families(&f->q, RTM_GETROUTE, &rtm, sizeof(rtm), dump_cb, d);
}

int fib_lookup(struct fib *f, int family, const struct in6_addr *dst, uint8_t protocol,
	       fib_route_fn fn, void *arg)
{
	return fib_lookup_mark(f, family, dst, 0, protocol, fn, arg);
}

int fib_lookup_mark(struct fib *f, int family, const struct in6_addr *dst, uint32_t mark,
		    uint8_t protocol, fib_route_fn fn, void *arg)
{
	struct dump *d = &f->d;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	d->protocol = protocol;
	d->fn = fn;
	d->arg = arg;
	nlh = nl_request(&f->q, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)(nl_addr_len(family) * 8);
	/* the FIB entry, not a cached clone; IPv4 says which table it is in only
	 * when asked (else "main"), IPv6 always (and refuses the flag) */
	rtm->rtm_flags = RTM_F_FIB_MATCH | (family == AF_INET ? RTM_F_LOOKUP_TABLE : 0);
	mnl_attr_put(nlh, RTA_DST, nl_addr_len(family), nl_addr_bytes(family, dst));
	if (mark)
		mnl_attr_put_u32(nlh, RTA_MARK, mark);
	return nl_query_run(&f->q, nlh, dump_cb, d);
}

/* ---- route values ---- */

static int nexthop_cmp(const void *x, const void *y)
{
	const struct fib_nexthop *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	if (a->gw_family != b->gw_family)
		return a->gw_family < b->gw_family ? -1 : 1;
	return memcmp(&a->gw, &b->gw, sizeof(a->gw));
}

void fib_route_sort(struct fib_route *r)
{
	if (r->n_nh == 1)
		r->nh[0].weight = 1; /* the kernel keeps no weight for a single next hop */
	qsort(r->nh, r->n_nh, sizeof(r->nh[0]), nexthop_cmp);
}

bool fib_route_equal(const struct fib_route *a, const struct fib_route *b)
{
	if (a->family != b->family || memcmp(&a->dst, &b->dst, sizeof(a->dst)) ||
	    a->table != b->table || a->metric != b->metric || a->protocol != b->protocol ||
	    a->n_nh != b->n_nh)
		return false;
	for (size_t i = 0; i < a->n_nh; i++)
		if (nexthop_cmp(&a->nh[i], &b->nh[i]) || a->nh[i].weight != b->nh[i].weight)
			return false;
	return true;
}

int fib_route_copy(struct fib_route *dst, const struct fib_route *src)
{
	struct fib_nexthop *nh = NULL;

	if (src->n_nh) {
		nh = malloc(src->n_nh * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		memcpy(nh, src->nh, src->n_nh * sizeof(*nh));
	}
	*dst = *src;
	dst->nh = nh;
	return 0;
}

void fib_route_free(struct fib_route *r)
{
	free(r->nh);
	r->nh = NULL;
	r->n_nh = 0;
}

void fib_route_format(const struct fib_route *r, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
	size_t off;

	inet_ntop(r->family, nl_addr_bytes(r->family, &r->dst), addr, sizeof(addr));
	off = (size_t)snprintf(buf, len, "%s/%zu proto %u metric %u table %u", addr,
			       nl_addr_len(r->family) * 8, r->protocol, r->metric, r->table);
	for (size_t i = 0; i < r->n_nh && off < len; i++) {
		const struct fib_nexthop *nh = &r->nh[i];

		if (!nh->gw_family ||
		    !inet_ntop(nh->gw_family, nl_addr_bytes(nh->gw_family, &nh->gw), addr,
			       sizeof(addr)))
			snprintf(addr, sizeof(addr), "-");
		if (!nh->ifindex || !if_indextoname((unsigned int)nh->ifindex, dev))
			snprintf(dev, sizeof(dev), "%d", nh->ifindex);
		off += (size_t)snprintf(buf + off, len - off, "%s via %s dev %s weight %u",
					i ? "," : "", addr, dev, nh->weight);
	}
}
