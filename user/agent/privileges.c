// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcastd's capabilities, reduced once before its start to the four its
 * work needs from then on, every one of them all the time (table swaps,
 * probes, reloads, the stop): nothing to raise and lower around a moment.
 */
#include "privileges.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

/* what a capability is for, as the error for its absence says it */
static const struct {
	unsigned int cap;
	const char *name;
	const char *why;
} kept[] = {
	{ CAP_BPF, "CAP_BPF", "loading the XDP program, creating and writing its maps" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN",
	  "attaching XDP, the VIP routes and the checks' policy rules, SO_MARK" },
	{ CAP_NET_RAW, "CAP_NET_RAW", "the raw sockets of icmp checks" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN",
	  "BPF maps and programs by id: VIP table swaps, adoption, what is attached" },
};

#define N_KEPT (sizeof(kept) / sizeof(kept[0]))
/* capabilities a kernel may know: libcap-ng answers 0 for the ones it does not */
#define CAP_MAX 64

static bool is_kept(unsigned int cap)
{
	for (size_t i = 0; i < N_KEPT; i++)
		if (kept[i].cap == cap)
			return true;
	return false;
}

/* Every needed capability that is not permitted, named with its use: their number. */
static int report_missing(void)
{
	int missing = 0;

	for (size_t i = 0; i < N_KEPT; i++) {
		if (capng_have_capability(CAPNG_PERMITTED, kept[i].cap) == 1)
			continue;
		pr_warn("missing capability %s (for %s)\n", kept[i].name, kept[i].why);
		missing++;
	}
	if (missing)
		pr_warn("refusing to start: xdpcastd needs CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW and "
			"CAP_SYS_ADMIN: run it as root with them in its bounding set (systemd: "
			"CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN)\n");
	return missing;
}

/* The process holds exactly the kept capabilities, and none in its bounding set if @bounds. */
static bool is_reduced(bool bounds)
{
	if (capng_get_caps_process())
		return false;
	for (unsigned int cap = 0; cap < CAP_MAX; cap++) {
		bool want = is_kept(cap);

		if (capng_have_capability(CAPNG_PERMITTED, cap) != want ||
		    capng_have_capability(CAPNG_EFFECTIVE, cap) != want ||
		    capng_have_capability(CAPNG_INHERITABLE, cap) ||
		    (bounds && capng_have_capability(CAPNG_BOUNDING_SET, cap)))
			return false;
	}
	return true;
}

int privileges_drop(void)
{
	bool bounds;
	int err;

	if (capng_get_caps_process()) {
		pr_warn("cannot read this process's capabilities\n");
		return -EPERM;
	}
	if (report_missing())
		return -EPERM;
	/* emptying the bounding set takes CAP_SETPCAP; without it (a unit that
	 * gave only the four) the set is the unit's, which is no wider */
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 1;
	errno = 0;
	capng_clear(CAPNG_SELECT_ALL);
	for (size_t i = 0; i < N_KEPT; i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, kept[i].cap);
	/* the bounding set first: it needs CAP_SETPCAP, which the next step drops */
	err = bounds ? capng_apply(CAPNG_SELECT_BOUNDS) : 0;
	if (!err)
		err = capng_apply(CAPNG_SELECT_CAPS);
	if (err || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || !is_reduced(bounds)) {
		pr_warn("cannot reduce this process's capabilities to CAP_BPF, CAP_NET_ADMIN, "
			"CAP_NET_RAW and CAP_SYS_ADMIN (%s)\n",
			errno ? strerror(errno) : "libcap-ng failed");
		return -EPERM;
	}
	pr_info("privileges: only CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN kept "
		"(uid %d), %s, no_new_privs set\n",
		(int)getuid(), bounds ? "bounding set emptied" : "bounding set as given");
	return 0;
}
