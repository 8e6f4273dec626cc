// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: the next-hop watch's parsers of rtnetlink neighbour and
 * link messages (neigh_msg.h), on a datagram as read from the socket
 * (nl_input.h): RTM_NEWNEIGH as the answer to a neighbour query
 * (neigh_neigh_cb()) and, with RTM_DELNEIGH, as an event
 * (neigh_event_parse()); RTM_NEWLINK as a link query's answer
 * (neigh_link_cb()).
 */
#include <linux/rtnetlink.h>
#include <stdint.h>

#include "neigh_msg.h"
#include "nl_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_info ni = { 0 };
	struct link_info li = { 0 };
	struct neigh_event ev;

	(void)data;
	switch (nlh->nlmsg_type) {
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		neigh_neigh_cb(nlh, &ni);
		if (neigh_event_parse(nlh, &ev) && ev.family != AF_INET && ev.family != AF_INET6)
			abort();
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		neigh_link_cb(nlh, &li);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nl_fuzz_run(data, size, cb);
	return 0;
}
