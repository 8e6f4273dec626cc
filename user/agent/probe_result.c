/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The classes of a probe's verdict: their names, as counted and shown, and
 * the class of a socket's errno.
 */
#include <errno.h>

#include "probe_result.h"

static const char *const probe_outcome_names[] = {
	[PROBE_OK] = "ok",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_REFUSED] = "refused",
	[PROBE_UNREACHABLE] = "unreachable",
	[PROBE_BAD_REPLY] = "bad_reply",
	[PROBE_ERROR] = "error",
};
_Static_assert(sizeof(probe_outcome_names) / sizeof(probe_outcome_names[0]) == PROBE_OUTCOME_MAX,
	       "a name for every probe outcome");

const char *probe_outcome_name(enum probe_outcome outcome)
{
	return (unsigned int)outcome < PROBE_OUTCOME_MAX ? probe_outcome_names[outcome] : "?";
}

enum probe_outcome probe_errno_outcome(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return PROBE_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		return PROBE_UNREACHABLE;
	case ETIMEDOUT:
		return PROBE_TIMEOUT;
	}
	return PROBE_ERROR;
}
