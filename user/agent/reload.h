/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reload (SIGHUP, xdpcastctl reload) and its outcome: refused (the running
 * configuration stays in force), applied, or applied in part (the new file
 * is the running one, but a step failed), with the message xdpcastctl
 * shows. reload.c applies a parsed configuration to the agent;
 * reload_file.c reads the file first and moves the control socket after.
 */
#ifndef XDPCAST_RELOAD_H
#define XDPCAST_RELOAD_H

#include "config.h"

struct agent;
struct control;

enum reload_outcome {
	RELOAD_REFUSED,
	RELOAD_APPLIED,
	RELOAD_PARTIAL,
};

#define RELOAD_MESSAGE_MAX (CONFIG_ERROR_MAX + 128)

struct reload_result {
	enum reload_outcome outcome;
	int err; /* 0 when applied, else -errno */
	/* when not applied, why, in one line: the parser's "FILE:LINE:COL: ...",
	 * "FILE: ...; configuration not reloaded" or "FILE: applied in part: ..." */
	char message[RELOAD_MESSAGE_MAX];
};

/*
 * reload.c: apply @next, only the difference. Refused: nothing changed and
 * @next stays the caller's; otherwise @next is taken over (the new file runs,
 * even after a failed step: applied in part). Each step is logged, and a
 * refusal or a part that failed; the caller logs "reloaded FILE" once its
 * own steps are done too. Returns res->err.
 */
int agent_reload(struct agent *a, struct config *next, struct reload_result *res);
/* Make @res "applied in part" after the step that failed with @err (logged). */
void reload_in_part(struct reload_result *res, const char *path, int err);

/*
 * reload_file.c: SIGHUP's and xdpcastctl reload's: load @path and apply it
 * to @a, then have @ctl (NULL: none) follow the new control_socket and
 * control_admin_group. Logs what happens; the outcome in @res. Returns
 * res->err.
 */
int agent_reload_file(struct agent *a, struct control *ctl, const char *path,
		      struct reload_result *res);

#endif /* XDPCAST_RELOAD_H */
