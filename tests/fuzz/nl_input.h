/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the netlink harnesses share: the input taken as one datagram read
 * from an rtnetlink socket and run through nl_cb_run() (nl.c) as the agent
 * runs its answers and events, from an exact copy of the input so that a
 * read past the datagram is caught.
 */
#ifndef XDPCAST_FUZZ_NL_INPUT_H
#define XDPCAST_FUZZ_NL_INPUT_H

#include <stdlib.h>
#include <string.h>

#include "nl.h"

static inline void nl_fuzz_run(const uint8_t *data, size_t size, mnl_cb_t cb)
{
	void *buf = malloc(size ? size : 1); /* malloc's alignment is netlink's */

	if (!buf)
		return;
	memcpy(buf, data, size);
	nl_cb_run(buf, size, 0, 0, cb, NULL);
	free(buf);
}

#endif /* XDPCAST_FUZZ_NL_INPUT_H */
