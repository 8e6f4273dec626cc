/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Next hops of the backends from rtnetlink (see neigh.h). Queries (route
 * get, link get, neighbour get) go synchronously over one socket; events
 * arrive on another, watched by the loop. An event is only a hint of what to
 * look up again: the answer always comes from a fresh query, so an event
 * that is older than a query cannot undo what the query found.
 *
 * Without a usable route (none, unreachable, blackhole, prohibit, a local
 * address, a route through the loopback) a next hop is UNRESOLVED with
 * ifindex 0: XDP cannot forward to ourselves. On a link that is down or has
 * no Ethernet address it is UNRESOLVED with that link's ifindex. Nothing here
 * triggers ARP or ND: the agent's health checks make the kernel resolve.
 * VLAN sub-interfaces are not looked through (vlan stays 0).
 */
#include "neigh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "neigh_msg.h"
#include "nl.h"

#define EVENT_RCVBUF (4 << 20) /* a routing daemon's bursts fit */
#define EVENT_BATCH 256 /* events read per wake-up before the loop runs other watchers */
#define PASS_LINKS 16 /* links remembered during one pass over the entries */
#define NUD_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

/* A next hop and what it was derived from. */
struct hop {
	struct nexthop nh;
	int gw_family; /* family of the neighbour entry of nh.gateway; 0 = no usable route */
	bool link_ok; /* nh.ifindex is up with an Ethernet MAC: the neighbour decides */
};

struct tracked {
	struct addr_config addr;
	unsigned int refs;
	bool dirty; /* changed since the owner was last told */
	struct hop hop;
};

struct neigh_watch {
	struct ev_loop *loop;
	neigh_changed_fn changed;
	void *arg;
	struct nl_query q; /* queries and their answers */
	struct mnl_socket *events;
	ev_io io; /* events readable */
	ev_timer refresh; /* look everything up again on the next loop iteration */
	struct tracked *v; /* sorted by family, then address */
	size_t n, cap;
	unsigned int gen; /* bumped when v is reshaped, so that notify() starts over */
	char ebuf[NL_BUF_SIZE]; /* events */
};

/* Links already queried in one pass over many entries. */
struct pass {
	struct link_info links[PASS_LINKS];
	size_t n;
	struct link_info spare; /* when links[] is full */
};

const char *nexthop_state_name(enum nexthop_state state)
{
	switch (state) {
	case NEXTHOP_UNRESOLVED:
		return "unresolved";
	case NEXTHOP_REACHABLE:
		return "reachable";
	case NEXTHOP_FAILED:
		return "failed";
	}
	return "?";
}

/* ---- addresses ---- */

/* The first @plen bits of @a and @b are equal. */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;
	uint8_t mask;

	if (memcmp(a, b, bytes))
		return false;
	if (!bits)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return !((a[bytes] ^ b[bytes]) & mask);
}

static void addr_text(int family, const struct in6_addr *a, char *buf, size_t size)
{
	const struct addr x = { .family = family, .addr = *a };

	if (!family || !*addr_format(&x, buf, size))
		snprintf(buf, size, "-");
}

/* ---- the sorted array ---- */

static int addr_cmp(const struct addr_config *a, const struct addr_config *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

/* Index of @a, true; or where it would go, false. */
static bool find(const struct neigh_watch *w, const struct addr_config *a, size_t *pos)
{
	size_t lo = 0, hi = w->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = addr_cmp(a, &w->v[mid].addr);
		if (!c) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

static int grow(struct neigh_watch *w)
{
	size_t cap = w->cap ? w->cap * 2 : 64;
	struct tracked *v;

	if (w->n < w->cap)
		return 0;
	v = realloc(w->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->v = v;
	w->cap = cap;
	return 0;
}

/* ---- netlink queries ---- */

int neigh_route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_info *r = data;

	/* a family of its own would name a gateway neither IPv4 nor IPv6 */
	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	nl_parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	r->found = true;
	r->type = rtm->rtm_type;
	if (tb[RTA_OIF] && mnl_attr_get_payload_len(tb[RTA_OIF]) == sizeof(uint32_t))
		r->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	nl_parse_gateway(rtm->rtm_family, tb, &r->gw_family, &r->gw);
	return MNL_CB_OK;
}

/* `ip route get @a`: 0, or -errno (no route, unreachable, prohibited...). */
static int query_route(struct neigh_watch *w, const struct addr_config *a, struct route_info *r)
{
	struct rtmsg rtm = { .rtm_family = (uint8_t)a->family };
	struct nlmsghdr *nlh = nl_host_route_request(&w->q, RTM_GETROUTE, 0, &rtm, &a->addr);

	memset(r, 0, sizeof(*r));
	return nl_query_run(&w->q, nlh, neigh_route_cb, r);
}

int neigh_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info *l = data;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	nl_parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	l->flags = ifi->ifi_flags;
	l->ether = ifi->ifi_type == ARPHRD_ETHER && tb[IFLA_ADDRESS] &&
		   mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == ETH_MAC_LEN;
	if (l->ether)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), ETH_MAC_LEN);
	return MNL_CB_OK;
}

static void query_link(struct neigh_watch *w, int ifindex, struct link_info *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlmsghdr *nlh = nl_request(&w->q, RTM_GETLINK, 0, &ifi, sizeof(ifi));

	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	l->err = nl_query_run(&w->q, nlh, neigh_link_cb, l);
}

int neigh_neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_info *ni = data;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return MNL_CB_OK;
	nl_parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
	ni->found = true;
	ni->state = ndm->ndm_state;
	ni->has_mac = tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == ETH_MAC_LEN;
	if (ni->has_mac)
		memcpy(ni->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), ETH_MAC_LEN);
	return MNL_CB_OK;
}

/* The neighbour entry of @gw on @ifindex (kernel 5.0+: RTM_GETNEIGH of one entry). */
static void query_neigh(struct neigh_watch *w, int family, int ifindex, const struct in6_addr *gw,
			struct neigh_info *ni)
{
	struct ndmsg ndm = { .ndm_family = (uint8_t)family, .ndm_ifindex = ifindex };
	struct nlmsghdr *nlh = nl_request(&w->q, RTM_GETNEIGH, 0, &ndm, sizeof(ndm));
	char text[INET6_ADDRSTRLEN];
	int err;

	mnl_attr_put(nlh, NDA_DST, nl_addr_len(family), nl_addr_bytes(family, gw));
	memset(ni, 0, sizeof(*ni));
	err = nl_query_run(&w->q, nlh, neigh_neigh_cb, ni);
	/* ENOENT: no entry; ENODEV: the link went, its own event follows */
	if (err && err != -ENOENT && err != -ENODEV) {
		addr_text(family, gw, text, sizeof(text));
		pr_warn("neigh: neighbour %s on ifindex %d: %s\n", text, ifindex, strerror(-err));
	}
}

/* ---- looking a next hop up ---- */

static enum nexthop_state nud_to_state(const struct neigh_info *ni)
{
	if (!ni->found)
		return NEXTHOP_UNRESOLVED;
	if (ni->state & NUD_FAILED)
		return NEXTHOP_FAILED;
	if ((ni->state & NUD_USABLE) && ni->has_mac)
		return NEXTHOP_REACHABLE;
	return NEXTHOP_UNRESOLVED; /* NONE, INCOMPLETE, or no MAC */
}

static void apply_neigh(struct hop *h, const struct neigh_info *ni)
{
	h->nh.state = nud_to_state(ni);
	if (h->nh.state == NEXTHOP_REACHABLE)
		memcpy(h->nh.dst_mac, ni->mac, ETH_MAC_LEN);
	else
		memset(h->nh.dst_mac, 0, ETH_MAC_LEN);
}

/* Egress and neighbour of @a from its route; false when none we can forward on. */
static bool lookup_route(struct neigh_watch *w, const struct addr_config *a, struct hop *h)
{
	struct route_info r;
	int err = query_route(w, a, &r);

	if (err) {
		if (err != -ENETUNREACH && err != -EHOSTUNREACH && err != -EACCES && err != -EINVAL)
			pr_warn("neigh: route to %s: %s\n", a->text, strerror(-err));
		return false;
	}
	if (!r.found || r.type != RTN_UNICAST || r.oif <= 0)
		return false; /* local, broadcast, multicast... */
	h->nh.ifindex = r.oif;
	if (r.gw_family) {
		h->gw_family = r.gw_family;
		h->nh.gateway = r.gw;
	} else {
		h->gw_family = a->family;
		h->nh.gateway = a->addr;
	}
	return true;
}

static const struct link_info *pass_link(struct neigh_watch *w, struct pass *p, int ifindex)
{
	struct link_info *l;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->links[i].ifindex == ifindex)
			return &p->links[i];
	l = p->n < PASS_LINKS ? &p->links[p->n++] : &p->spare;
	query_link(w, ifindex, l);
	return l;
}

/* Our MAC on the egress; false when the link cannot be used (and on loopback, no route). */
static bool lookup_link(struct neigh_watch *w, struct pass *p, struct hop *h)
{
	const struct link_info *l = pass_link(w, p, h->nh.ifindex);

	if (!l->err && (l->flags & IFF_LOOPBACK)) {
		memset(h, 0, sizeof(*h));
		return false;
	}
	if (l->ether)
		memcpy(h->nh.src_mac, l->mac, ETH_MAC_LEN);
	h->link_ok = !l->err && l->ether && (l->flags & IFF_UP) && (l->flags & IFF_RUNNING);
	return h->link_ok;
}

static void lookup(struct neigh_watch *w, struct pass *p, const struct addr_config *a,
		   struct hop *h)
{
	struct neigh_info ni;

	memset(h, 0, sizeof(*h));
	h->nh.state = NEXTHOP_UNRESOLVED;
	if (!lookup_route(w, a, h) || !lookup_link(w, p, h))
		return;
	query_neigh(w, h->gw_family, h->nh.ifindex, &h->nh.gateway, &ni);
	apply_neigh(h, &ni);
}

/* ---- changes ---- */

static bool nexthop_eq(const struct nexthop *a, const struct nexthop *b)
{
	return a->state == b->state && a->ifindex == b->ifindex && a->vlan == b->vlan &&
	       !memcmp(a->src_mac, b->src_mac, ETH_MAC_LEN) &&
	       !memcmp(a->dst_mac, b->dst_mac, ETH_MAC_LEN) &&
	       !memcmp(&a->gateway, &b->gateway, sizeof(a->gateway));
}

static void log_hop(const struct tracked *e)
{
	const struct nexthop *nh = &e->hop.nh;
	const uint8_t *m = nh->dst_mac;
	char gw[INET6_ADDRSTRLEN];

	addr_text(e->hop.gw_family, &nh->gateway, gw, sizeof(gw));
	pr_debug("neigh: %s: %s via %s ifindex %d lladdr %02x:%02x:%02x:%02x:%02x:%02x\n",
		 e->addr.text, nexthop_state_name(nh->state), gw, nh->ifindex, m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

static void commit(struct tracked *e, const struct hop *h)
{
	bool changed = !nexthop_eq(&e->hop.nh, &h->nh);

	e->hop = *h;
	if (changed) {
		e->dirty = true;
		log_hop(e);
	}
}

/* Tell the owner of every changed entry; the callback may track and untrack. */
static void notify(struct neigh_watch *w)
{
	struct addr_config a;
	unsigned int gen;
	size_t i = 0;

	while (i < w->n) {
		if (!w->v[i].dirty) {
			i++;
			continue;
		}
		w->v[i].dirty = false;
		a = w->v[i].addr;
		gen = w->gen;
		if (w->changed)
			w->changed(w->arg, &a);
		i = gen == w->gen ? i + 1 : 0;
	}
}

/* Everything looked up again, without telling anyone yet. */
static void lookup_all(struct neigh_watch *w)
{
	struct pass p = { .n = 0 };
	struct hop h;
	size_t i;

	for (i = 0; i < w->n; i++) {
		lookup(w, &p, &w->v[i].addr, &h);
		commit(&w->v[i], &h);
	}
}

void neigh_refresh(struct neigh_watch *w)
{
	if (ev_is_active(&w->refresh))
		ev_timer_stop(w->loop, &w->refresh);
	lookup_all(w);
	notify(w);
}

static void schedule_refresh(struct neigh_watch *w)
{
	if (ev_is_active(&w->refresh))
		return;
	ev_timer_set(&w->refresh, 0., 0.);
	ev_timer_start(w->loop, &w->refresh);
}

static void on_refresh(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	neigh_refresh(t->data);
}

/* ---- events ---- */

/* Whether @h goes through neighbour @gw on @ifindex, on a usable link. */
static bool hop_through(const struct hop *h, int family, int ifindex, const struct in6_addr *gw)
{
	return h->link_ok && h->gw_family == family && h->nh.ifindex == ifindex &&
	       !memcmp(&h->nh.gateway, gw, sizeof(*gw));
}

bool neigh_event_parse(const struct nlmsghdr *nlh, struct neigh_event *ev)
{
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	memset(ev, 0, sizeof(*ev));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm) || (ndm->ndm_flags & NTF_PROXY) ||
	    (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6))
		return false;
	nl_parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (!tb[NDA_DST] || mnl_attr_get_payload_len(tb[NDA_DST]) != nl_addr_len(ndm->ndm_family))
		return false;
	ev->family = ndm->ndm_family;
	ev->ifindex = ndm->ndm_ifindex;
	nl_addr_set(ev->family, &ev->addr, mnl_attr_get_payload(tb[NDA_DST]));
	ev->failed = ndm->ndm_state & NUD_FAILED;
	return true;
}

/* A neighbour changed: entries through it take its new state (queried, not the
 * event's, except that a FAILED event is never missed). */
static void on_neigh_event(struct neigh_watch *w, const struct nlmsghdr *nlh)
{
	struct neigh_event ev;
	struct neigh_info ni;
	bool queried = false;
	struct hop h;
	size_t i;

	if (!neigh_event_parse(nlh, &ev))
		return;
	for (i = 0; i < w->n; i++) {
		h = w->v[i].hop;
		if (!hop_through(&h, ev.family, ev.ifindex, &ev.addr))
			continue;
		if (!queried) {
			query_neigh(w, h.gw_family, h.nh.ifindex, &ev.addr, &ni);
			/*
			 * A FAILED event counts even if the kernel, pushed by our own
			 * check traffic, is already resolving again when we ask: the
			 * owner must see the failure (it takes the backend down).
			 */
			if (ev.failed)
				ni.state = NUD_FAILED;
		}
		queried = true;
		apply_neigh(&h, &ni);
		commit(&w->v[i], &h);
	}
}

/* A link changed (MAC, up/down, carrier, deleted): its entries are looked up again. */
static void on_link_event(struct neigh_watch *w, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct pass p = { .n = 0 };
	struct hop h;
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	for (i = 0; i < w->n; i++) {
		if (w->v[i].hop.nh.ifindex != ifi->ifi_index)
			continue;
		lookup(w, &p, &w->v[i].addr, &h);
		commit(&w->v[i], &h);
	}
}

/* Whether @e's address or its gateway falls in @dst/@plen of @family. */
static bool route_covers(const struct tracked *e, int family, const uint8_t *dst, unsigned int plen)
{
	if (e->addr.family == family && prefix_eq(nl_addr_bytes(family, &e->addr.addr), dst, plen))
		return true;
	return e->hop.gw_family == family &&
	       prefix_eq(nl_addr_bytes(family, &e->hop.nh.gateway), dst, plen);
}

bool neigh_route_event_parse(const struct nlmsghdr *nlh, struct neigh_route_event *ev)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t len;

	memset(ev, 0, sizeof(*ev));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || (rtm->rtm_flags & RTM_F_CLONED) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return false;
	len = nl_addr_len(rtm->rtm_family);
	if (rtm->rtm_dst_len > len * 8)
		return false;
	nl_parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == len)
		memcpy(ev->dst, mnl_attr_get_payload(tb[RTA_DST]), len);
	ev->family = rtm->rtm_family;
	ev->dst_len = rtm->rtm_dst_len;
	return true;
}

/* Whether route event @nlh can change a tracked next hop: its prefix covers an address or
 * a gateway. Other events are frequent on a router with a full table, and irrelevant. */
static bool route_event_matters(const struct neigh_watch *w, const struct nlmsghdr *nlh)
{
	struct neigh_route_event ev;
	size_t i;

	if (!neigh_route_event_parse(nlh, &ev))
		return false;
	for (i = 0; i < w->n; i++)
		if (route_covers(&w->v[i], ev.family, ev.dst, ev.dst_len))
			return true;
	return false;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_watch *w = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		on_neigh_event(w, nlh);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link_event(w, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (route_event_matters(w, nlh))
			schedule_refresh(w);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
	case RTM_NEWNEXTHOPBUCKET:
		schedule_refresh(w); /* routes through nexthop objects change silently */
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* One event datagram handled; false when there is nothing more to read now. */
static bool read_event(struct neigh_watch *w)
{
	ssize_t n = mnl_socket_recvfrom(w->events, w->ebuf, sizeof(w->ebuf));
	int err = errno;

	if (n >= 0) {
		nl_cb_run(w->ebuf, (size_t)n, 0, 0, event_cb, w);
		return true;
	}
	if (err == EAGAIN || err == EWOULDBLOCK)
		return false;
	if (err == EINTR)
		return true;
	if (err == ENOBUFS)
		pr_warn("neigh: netlink events overran (ENOBUFS): looking all next hops up "
			"again\n");
	else
		pr_warn("neigh: reading netlink events: %s: looking all next hops up again\n",
			strerror(err));
	schedule_refresh(w);
	/* ENOBUFS and ENOSPC (a truncated event) consumed something: read on */
	return err == ENOBUFS || err == ENOSPC;
}

static void on_events(struct ev_loop *loop, ev_io *io, int revents)
{
	struct neigh_watch *w = io->data;
	int i;

	(void)loop;
	(void)revents;
	for (i = 0; i < EVENT_BATCH && read_event(w); i++)
		;
	notify(w);
}

/* ---- sockets ---- */

static void set_rcvbuf(int fd)
{
	int size = EVENT_RCVBUF;

	/* FORCE goes past net.core.rmem_max with CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		pr_warn("neigh: SO_RCVBUF %d: %s\n", size, strerror(errno));
}

static struct mnl_socket *open_events(void)
{
	static const int groups[] = { RTNLGRP_NEIGH, RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE,
				      RTNLGRP_IPV6_ROUTE };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	size_t i;
	int grp;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		grp = groups[i];
		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
			goto fail;
	}
	grp = RTNLGRP_NEXTHOP; /* kernel 5.3+; without it, nexthop objects are not followed */
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		pr_info("neigh: no nexthop object events: %s\n", strerror(errno));
	set_rcvbuf(mnl_socket_get_fd(nl));
	return nl;
fail:
	mnl_socket_close(nl);
	return NULL;
}

struct neigh_watch *neigh_watch_new(struct ev_loop *loop, neigh_changed_fn changed, void *arg)
{
	struct neigh_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->loop = loop;
	w->changed = changed;
	w->arg = arg;
	w->events = nl_query_open(&w->q) ? NULL : open_events();
	if (!w->events) {
		pr_warn("neigh: netlink sockets: %s\n", strerror(errno));
		neigh_watch_free(w);
		return NULL;
	}
	ev_io_init(&w->io, on_events, mnl_socket_get_fd(w->events), EV_READ);
	w->io.data = w;
	ev_io_start(loop, &w->io);
	ev_timer_init(&w->refresh, on_refresh, 0., 0.);
	w->refresh.data = w;
	return w;
}

void neigh_watch_free(struct neigh_watch *w)
{
	if (!w)
		return;
	if (ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	if (ev_is_active(&w->refresh))
		ev_timer_stop(w->loop, &w->refresh);
	if (w->events)
		mnl_socket_close(w->events);
	nl_query_close(&w->q);
	free(w->v);
	free(w);
}

/* ---- tracking ---- */

static bool addr_valid(const struct addr_config *a)
{
	if (a->family == AF_INET)
		return IN6_IS_ADDR_V4MAPPED(&a->addr);
	return a->family == AF_INET6;
}

int neigh_track(struct neigh_watch *w, const struct addr_config *addr)
{
	struct pass p = { .n = 0 };
	struct tracked *e;
	struct hop h;
	size_t pos;

	if (!addr_valid(addr))
		return -EINVAL;
	if (find(w, addr, &pos)) {
		w->v[pos].refs++;
		return 0;
	}
	if (grow(w))
		return -ENOMEM;
	lookup(w, &p, addr, &h);
	e = &w->v[pos];
	memmove(e + 1, e, (w->n - pos) * sizeof(*e));
	w->n++;
	w->gen++;
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	e->refs = 1;
	e->hop = h;
	log_hop(e);
	return 0;
}

void neigh_untrack(struct neigh_watch *w, const struct addr_config *addr)
{
	size_t pos;

	if (!find(w, addr, &pos))
		return;
	if (--w->v[pos].refs)
		return;
	memmove(&w->v[pos], &w->v[pos + 1], (w->n - pos - 1) * sizeof(w->v[0]));
	w->n--;
	w->gen++;
}

int neigh_get(struct neigh_watch *w, const struct addr_config *addr, struct nexthop *out)
{
	size_t pos;

	if (!find(w, addr, &pos))
		return -ENOENT;
	*out = w->v[pos].hop.nh;
	return 0;
}
