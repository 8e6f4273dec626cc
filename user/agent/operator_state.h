/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The operator's drains and weights (xdpcastctl drain/weight) kept in the
 * state directory (file `operator-state.json`), so that a stop and a start,
 * not only a restart that adopts the pinned maps, keep them: written whole
 * (atomically, on disk) after every change and every reload, read back at
 * start before the first table is computed. Each entry names its VIP and
 * backend and the backend's address: a name that now stands for another
 * address does not inherit the drain. A file that cannot be read or is not
 * one of ours is a message and is ignored; the next change replaces it.
 */
#ifndef XDPCAST_OPERATOR_STATE_H
#define XDPCAST_OPERATOR_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "agent_state.h"

#define OPERATOR_STATE_FILE_NAME "operator-state.json"
/* a longer file is not one of ours: one entry per backend id at most */
#define OPERATOR_STATE_MAX_BYTES (1024 * 1024)
#define OPERATOR_STATE_MAX_ENTRIES XDPCAST_MAX_BACKENDS
#define OPERATOR_STATE_VERSION 1

struct operator_entry {
	char vip[CONFIG_NAME_MAX];
	char backend[CONFIG_NAME_MAX];
	struct addr addr;
	uint32_t weight; /* 0: drained */
};

/*
 * @len bytes of a state file into @entries (allocated, *n of them; free()
 * them): 0, or -EINVAL with what is wrong in @err (and nothing allocated).
 */
int operator_state_parse(const char *text, size_t len, struct operator_entry **entries, size_t *n,
			 char *err, size_t errlen);
/* The text of a state file holding @n entries (malloc'd, NUL-terminated), or NULL. */
char *operator_state_format(const struct operator_entry *entries, size_t n);

/*
 * At start, after adoption and before the first table: each entry's weight
 * becomes the operator's weight of the backend it names (VIP name, backend
 * name and address must all match); what matches nothing is logged and
 * forgotten, and the file is rewritten without it. Never fails: a bad file
 * is logged and left as it is.
 */
void operator_state_restore(struct agent *a);
/* Write the file from every backend's operator weight (none: an empty
 * list). 0, or -errno after a warning; the running state is not touched. */
int operator_state_save(struct agent *a);

#endif /* XDPCAST_OPERATOR_STATE_H */
