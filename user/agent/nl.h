/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the agent's rtnetlink users share (libmnl): a query socket that sends
 * one request and reads its answer up to the kernel's ack, the requests
 * themselves (a family header, a host route's destination), attribute
 * tables, a route's gateways (RTA_GATEWAY, RTA_VIA, RTA_MULTIPATH), and
 * addresses as the kernel takes them (4 bytes for IPv4, 16 for IPv6; the
 * agent keeps IPv4 IPv4-mapped in a struct in6_addr).
 */
#ifndef XDPCAST_NL_H
#define XDPCAST_NL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#define NL_BUF_SIZE 65536 /* a link message with all its attributes can exceed 8 KiB */

struct nl_query {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char buf[NL_BUF_SIZE]; /* the request, then its answers */
};

/* Open @q: a blocking socket whose reads give up after a second (the kernel
 * answers at once). 0 or -errno. */
int nl_query_open(struct nl_query *q);
void nl_query_close(struct nl_query *q);
/* A handle of @size bytes, zeroed, whose first member is a struct nl_query,
 * that query open (struct fib, struct fib_rules): NULL with errno set on
 * failure. nl_handle_free() closes it (NULL: nothing). */
void *nl_handle_new(size_t size);
void nl_handle_free(void *handle);

/* A request of @type with NLM_F_REQUEST | NLM_F_ACK | @flags in q->buf: the
 * family header @hdr (@hdr_len bytes: a struct rtmsg, ifinfomsg, ndmsg,
 * fib_rule_hdr...) copied after the netlink header; attributes go after it. */
struct nlmsghdr *nl_request(struct nl_query *q, uint16_t type, uint16_t flags, const void *hdr,
			    size_t hdr_len);
/* A request of @type about the host route to @dst (/32 or /128): @rtm with
 * the prefix length of its rtm_family's host route, then RTA_DST. */
struct nlmsghdr *nl_host_route_request(struct nl_query *q, uint16_t type, uint16_t flags,
				       const struct rtmsg *rtm, const struct in6_addr *dst);
/* Send @nlh, run @cb (may be NULL) on each answer until the ack or the end of a
 * dump: 0 or -errno (the kernel's error, or -ETIMEDOUT). */
int nl_query_run(struct nl_query *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* mnl_cb_run() on a datagram read from a netlink socket, only over the
 * messages that fit in its @len bytes (nl_query_run(), neigh.c's events and
 * the fuzz harnesses take datagrams through it). */
int nl_cb_run(const void *buf, size_t len, unsigned int seq, unsigned int portid, mnl_cb_t cb,
	      void *data);

/* A dump of @type for IPv4, then IPv6: a copy of @hdr (@hdr_len bytes, its
 * first byte the family, as in struct rtmsg and struct fib_rule_hdr) with
 * the family set, @cb run on each answer. A family the kernel lacks has
 * nothing to list. 0 or the first -errno. */
int nl_dump_families(struct nl_query *q, uint16_t type, const void *hdr, size_t hdr_len,
		     mnl_cb_t cb, void *data);

/* Fill @tb[0..@max] with the attributes that follow a header of @hdr bytes. */
void nl_parse_attrs(const struct nlmsghdr *nlh, size_t hdr, const struct nlattr **tb,
		    unsigned int max);

/* @a's u32, or @dflt when it is absent or too short for one (libmnl's
 * mnl_attr_get_u32() would read past it). */
uint32_t nl_attr_u32(const struct nlattr *a, uint32_t dflt);

/* A route's (or a next hop's) gateway from its attributes @tb[0..RTA_MAX]:
 * RTA_GATEWAY in the route's @family, else RTA_VIA (an IPv4 route through an
 * IPv6 neighbour). False, with *@gw_family and *@gw untouched, when neither
 * holds a whole IPv4 or IPv6 address. */
bool nl_parse_gateway(int family, const struct nlattr *const *tb, int *gw_family,
		      struct in6_addr *gw);
/* Put gateway @gw of @gw_family on a route of @family: RTA_GATEWAY when the
 * families are the same, else RTA_VIA. */
void nl_put_gateway(struct nlmsghdr *nlh, int family, int gw_family, const struct in6_addr *gw);
/* The next hops of RTA_MULTIPATH @mp, one at a time: the one after @prev
 * (NULL: the first), its attributes in @tb[0..RTA_MAX] (cleared first). NULL
 * after the last, or at one that does not fit in what is left of @mp. */
const struct rtnexthop *nl_multipath_next(const struct nlattr *mp, const struct rtnexthop *prev,
					  const struct nlattr **tb);

size_t nl_addr_len(int family);
const uint8_t *nl_addr_bytes(int family, const struct in6_addr *a);
void nl_addr_set(int family, struct in6_addr *a, const void *bytes);

#endif /* XDPCAST_NL_H */
