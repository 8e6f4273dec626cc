// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: the agent's parsers of rtnetlink route and rule messages,
 * on a datagram as read from the socket (nl_input.h): RTM_NEWROUTE as a
 * route dump's or lookup's answer (fib_route_parse(): RTA_MULTIPATH with
 * its rtnexthops, RTA_GATEWAY, RTA_VIA), as the answer to `ip route get`
 * (neigh_route_cb()) and, with RTM_DELROUTE, as an event
 * (neigh_route_event_parse()); RTM_NEWRULE as a rule dump's answer
 * (fib_rule_parse()). The results must be within their bounds.
 */
#include <linux/rtnetlink.h>
#include <stdint.h>

#include "fib.h"
#include "fib_rules.h"
#include "neigh_msg.h"
#include "nl_input.h"

#define PROTOCOL 252 /* xdpcast's routes (route.protocol's default) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fib_nexthop nh[FIB_NEXTHOPS_MAX];

static void check_route(const struct fib_route *r)
{
	struct fib_route copy;

	/* none: an RTA_MULTIPATH without a whole rtnexthop */
	if (r->n_nh > FIB_NEXTHOPS_MAX || r->protocol != PROTOCOL ||
	    (r->family != AF_INET && r->family != AF_INET6))
		abort();
	for (size_t i = 0; i < r->n_nh; i++)
		if (!r->nh[i].weight || r->nh[i].weight > FIB_WEIGHT_MAX ||
		    (r->nh[i].gw_family && r->nh[i].gw_family != AF_INET &&
		     r->nh[i].gw_family != AF_INET6))
			abort();
	if (fib_route_copy(&copy, r))
		return;
	if (!fib_route_equal(&copy, r))
		abort();
	fib_route_free(&copy);
}

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_route_event ev;
	struct route_info ri = { 0 };
	struct fib_route r;
	struct fib_rule rule;

	(void)data;
	if (fib_route_parse(nlh, PROTOCOL, nh, &r))
		check_route(&r);
	if (nlh->nlmsg_type == RTM_NEWROUTE || nlh->nlmsg_type == RTM_DELROUTE) {
		neigh_route_cb(nlh, &ri);
		if (ri.gw_family && ri.gw_family != AF_INET && ri.gw_family != AF_INET6)
			abort();
		if (neigh_route_event_parse(nlh, &ev) &&
		    ev.dst_len > (ev.family == AF_INET ? 32u : 128u))
			abort();
	}
	if (fib_rule_parse(nlh, &rule) && rule.modelled && rule.action > FIB_RULE_UNREACHABLE)
		abort();
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nl_fuzz_run(data, size, cb);
	return 0;
}
