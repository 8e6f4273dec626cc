// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rtnetlink messages that the fuzz harnesses (tests/fuzz/fuzz_nl_*.c)
 * found mishandled, each in a datagram that ends exactly where its bytes
 * do: nl_cb_run() runs only the messages that fit (an nlmsg_len of 2 GiB
 * or more, or of 0xffffffff, and a datagram ending unaligned), and the
 * answer to a route query of a family neither IPv4 nor IPv6 names no
 * gateway; a u32 attribute too short for one is read as absent, not from
 * the bytes after it (libmnl is not instrumented: the harness could not
 * see that read, reading the parsers did). No sockets.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stddef.h>

#include <criterion/criterion.h>

#include "fib.h"
#include "fib_rules.h"
#include "neigh_msg.h"
#include "nl.h"

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* One RTM_NEWNEIGH of @len bytes, then @tail bytes of a second header of nlmsg_len @len2. */
static int run(uint32_t len2, size_t total)
{
	uint32_t *b = calloc(1, total);
	struct nlmsghdr *first = (struct nlmsghdr *)b, *second;
	int n = 0;

	cr_assert_not_null(b);
	first->nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	first->nlmsg_type = RTM_NEWNEIGH;
	if (total >= first->nlmsg_len + sizeof(*second)) {
		second = (struct nlmsghdr *)((char *)b + first->nlmsg_len);
		second->nlmsg_len = len2;
		second->nlmsg_type = RTM_NEWNEIGH;
	}
	nl_cb_run(b, total, 0, 0, count_cb, &n);
	free(b);
	return n;
}

Test(nl_msg, lengths_past_the_datagram_are_not_run)
{
	size_t one = NLMSG_LENGTH(sizeof(struct ndmsg));

	cr_assert_eq(run(NLMSG_LENGTH(sizeof(struct ndmsg)), 2 * one), 2);
	cr_assert_eq(run(0x80000000u, 2 * one), 1, "2 GiB: negative to libmnl");
	cr_assert_eq(run(0xffffffffu, 2 * one), 1, "aligns to 0: looped for ever");
	cr_assert_eq(run((uint32_t)one + 4, 2 * one), 1, "longer than what is left");
}

Test(nl_msg, unaligned_end_is_not_run)
{
	size_t one = NLMSG_LENGTH(sizeof(struct ndmsg));

	/* a second message of 17 bytes in a datagram that ends after them:
	 * libmnl would read its attributes up to 20 */
	cr_assert_eq(run(17, one + 17), 1);
	cr_assert_eq(run(17, one + 20), 2);
}

Test(nl_msg, route_answer_of_another_family_has_no_gateway)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rtm;
		struct nlattr gw;
		uint8_t addr[16];
	} m = { .h = { .nlmsg_len = sizeof(m), .nlmsg_type = RTM_NEWROUTE },
		.rtm = { .rtm_family = AF_INET6, .rtm_type = RTN_UNICAST },
		.gw = { .nla_len = sizeof(m.gw) + sizeof(m.addr), .nla_type = RTA_GATEWAY },
		.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct route_info r = { 0 };

	neigh_route_cb(&m.h, &r);
	cr_assert(r.found);
	cr_assert_eq(r.gw_family, AF_INET6);
	memset(&r, 0, sizeof(r));
	m.rtm.rtm_family = AF_UNIX; /* what the fuzzer sent: a 16-byte gateway of family 1 */
	neigh_route_cb(&m.h, &r);
	cr_assert_eq(r.gw_family, 0);
	cr_assert(!r.found);
}

Test(nl_msg, short_u32_attributes_read_as_absent)
{
	struct route_msg {
		struct nlmsghdr h;
		struct rtmsg rtm;
		struct nlattr dst;
		uint8_t addr[4];
		struct nlattr table; /* no payload: what follows is not its */
		uint8_t after[8];
	} m = { .h = { .nlmsg_len = offsetof(struct route_msg, after), .nlmsg_type = RTM_NEWROUTE },
		.rtm = { .rtm_family = AF_INET,
			 .rtm_dst_len = 32,
			 .rtm_table = RT_TABLE_MAIN,
			 .rtm_protocol = 252 },
		.dst = { .nla_len = sizeof(m.dst) + 4, .nla_type = RTA_DST },
		.addr = { 203, 0, 113, 53 },
		.table = { .nla_len = sizeof(m.table), .nla_type = RTA_TABLE } };
	struct fib_nexthop nh[FIB_NEXTHOPS_MAX];
	struct fib_route r;
	struct rule_msg {
		struct nlmsghdr h;
		struct fib_rule_hdr frh;
		struct nlattr prio;
		uint8_t after[8];
	} rule = { .h = { .nlmsg_len = offsetof(struct rule_msg, after),
			  .nlmsg_type = RTM_NEWRULE },
		   .frh = { .family = AF_INET, .action = FR_ACT_TO_TBL, .table = 100 },
		   .prio = { .nla_len = sizeof(rule.prio), .nla_type = FRA_PRIORITY } };
	struct fib_rule fr;

	memset(m.after, 0xff, sizeof(m.after));
	cr_assert(fib_route_parse(&m.h, 252, nh, &r));
	cr_assert_eq(r.table, RT_TABLE_MAIN);
	memset(rule.after, 0xff, sizeof(rule.after));
	cr_assert(fib_rule_parse(&rule.h, &fr));
	cr_assert_eq(fr.priority, 0);
	cr_assert_eq(fr.table, 100);
}
