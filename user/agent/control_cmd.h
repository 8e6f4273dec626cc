/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The control socket's commands on xdpcastd's side: control_dispatch()
 * answers one request line with the agent's state or a change to it; it is
 * the handler xdpcastd.c gives the transport (control.h). The commands
 * themselves, shared with xdpcastctl, are control_proto.h's.
 */
#ifndef XDPCAST_CONTROL_CMD_H
#define XDPCAST_CONTROL_CMD_H

#include <stddef.h>

#include "control.h"

struct agent;
struct json_object;
struct vip;

/* What the commands act on. */
struct control_env {
	struct agent *agent;
	struct control *ctl; /* the transport: its path in status, moved by reload; may be NULL */
	double started; /* when xdpcastd started (ev_time()): status's uptime */
};

/* A control_handler with a struct control_env as @env: one request line to
 * its reply (never NULL). */
struct json_object *control_dispatch(void *env, const struct control_peer *peer, const char *line,
				     size_t len);

/* control_json.c: the replies of the read commands, added to @reply */
void control_status(const struct control_env *env, struct json_object *reply);
void control_vips(struct agent *a, struct json_object *reply);
/* Every backend, or only @only's (NULL: all VIPs). */
void control_backends(struct agent *a, const struct vip *only, struct json_object *reply);
/* -errno with a message in @err when the counters cannot be read. */
int control_stats(struct agent *a, struct json_object *reply, char *err, size_t errlen);

#endif /* XDPCAST_CONTROL_CMD_H */
