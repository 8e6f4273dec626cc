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
_Static_assert(offsetof(struct fib, q) == 0, "an nl_handle_new() handle");

int fib_open(struct fib **out)
{
	struct fib *f = nl_handle_new(sizeof(*f));
	int one = 1;

	*out = f;
	if (!f)
		return -errno;
	/* kernel 4.20+: dumps filtered by the header's protocol */
	if (mnl_socket_setsockopt(f->q.sk, NETLINK_GET_STRICT_CHK, &one, sizeof(one)))
		pr_info("routes: no strict netlink checking (%s): a listing of xdpcast's routes "
			"copies the whole routing table\n",
			strerror(errno));
	return 0;
}

void fib_close(struct fib *f)
{
	nl_handle_free(f);
}

/* ---- requests ---- */

/* A request of @type for @r's destination, table, metric and protocol, in
 * @scope. */
static struct nlmsghdr *route_request(struct fib *f, uint16_t type, uint16_t flags,
				      const struct fib_route *r, uint8_t scope)
{
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)r->family,
		.rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = r->protocol,
		.rtm_scope = scope,
		.rtm_type = RTN_UNICAST,
	};
	struct nlmsghdr *nlh = nl_host_route_request(&f->q, type, flags, &rtm, &r->dst);

	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	return nlh;
}

static void put_nexthops(struct nlmsghdr *nlh, const struct fib_route *r)
{
	struct nlattr *mp;

	if (r->n_nh == 1) {
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		rtm->rtm_flags |= RTNH_F_ONLINK;
		nl_put_gateway(nlh, r->family, r->nh[0].gw_family, &r->nh[0].gw);
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
		nl_put_gateway(nlh, r->family, r->nh[i].gw_family, &r->nh[i].gw);
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
	nlh = route_request(f, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, RT_SCOPE_UNIVERSE);
	put_nexthops(nlh, r);
	return nl_query_run(&f->q, nlh, NULL, NULL);
}

int fib_delete(struct fib *f, const struct fib_route *r)
{
	/* RT_SCOPE_NOWHERE: any scope */
	struct nlmsghdr *nlh = route_request(f, RTM_DELROUTE, 0, r, RT_SCOPE_NOWHERE);

	return nl_query_run(&f->q, nlh, NULL, NULL);
}

/* ---- dumps ---- */

/* The next hops of RTA_MULTIPATH into @nhs: their count. */
static size_t parse_multipath(int family, const struct nlattr *mp,
			      struct fib_nexthop nhs[FIB_NEXTHOPS_MAX])
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtnexthop *rtnh = NULL;
	size_t n;

	for (n = 0; n < FIB_NEXTHOPS_MAX && (rtnh = nl_multipath_next(mp, rtnh, tb)); n++) {
		struct fib_nexthop *nh = &nhs[n];

		memset(nh, 0, sizeof(*nh));
		nh->ifindex = rtnh->rtnh_ifindex;
		nh->weight = (uint32_t)rtnh->rtnh_hops + 1;
		nl_parse_gateway(family, tb, &nh->gw_family, &nh->gw);
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
		nl_parse_gateway(r->family, tb, &nh[0].gw_family, &nh[0].gw);
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
	/* the FIB entry, not a cached clone; IPv4 says which table it is in only
	 * when asked (else "main"), IPv6 always (and refuses the flag) */
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)family,
		.rtm_flags = RTM_F_FIB_MATCH | (family == AF_INET ? RTM_F_LOOKUP_TABLE : 0),
	};
	struct nlmsghdr *nlh = nl_host_route_request(&f->q, RTM_GETROUTE, 0, &rtm, dst);
	struct dump *d = &f->d;

	d->protocol = protocol;
	d->fn = fn;
	d->arg = arg;
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
