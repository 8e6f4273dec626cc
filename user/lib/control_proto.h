/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The control protocol's commands, defined once for both ends: xdpcastd
 * (control_cmd.c) attaches a handler to each, xdpcastctl its argument
 * parsing and printer. A command is its name, the keys it takes besides
 * "command" (in the order of xdpcastctl's arguments), how many of them it
 * needs, and whether it changes things (admins only). No libbpf here:
 * xdpcastctl compiles this in. docs/xdpcastctl.md describes each command.
 */
#ifndef XDPCAST_CONTROL_PROTO_H
#define XDPCAST_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define XDPCAST_CONTROL_SOCKET_DEFAULT "/run/xdpcast/xdpcastd.sock"
#define CONTROL_KEYS_MAX 3 /* keys of a command besides "command" */

enum control_command_id {
	CONTROL_CMD_STATUS,
	CONTROL_CMD_VIPS,
	CONTROL_CMD_BACKENDS,
	CONTROL_CMD_DRAIN,
	CONTROL_CMD_UNDRAIN,
	CONTROL_CMD_WEIGHT,
	CONTROL_CMD_STATS,
	CONTROL_CMD_RELOAD,
	CONTROL_CMD_HANDOVER,
	CONTROL_CMD_MAX,
};

struct control_command {
	const char *name;
	const char *keys[CONTROL_KEYS_MAX]; /* NULL after the last */
	unsigned int required; /* keys[0 .. required - 1] must be given */
	bool changes; /* admins only: root, xdpcastd's user, control_admin_group */
	/* keys[0] is "vip" and may be left out (then not counted in required):
	 * the command applies to the matching backends of every VIP */
	bool vip_optional;
};

/* Indexed by enum control_command_id. */
extern const struct control_command control_commands[CONTROL_CMD_MAX];

static inline enum control_command_id control_command_id(const struct control_command *cmd)
{
	return (enum control_command_id)(cmd - control_commands);
}

/* The command called @name; NULL for none (and for a NULL @name). */
const struct control_command *control_command_find(const char *name);
/* How many keys it takes besides "command". */
unsigned int control_command_n_keys(const struct control_command *cmd);
/* Whether @key may be in its request ("command" always may). */
bool control_command_takes(const struct control_command *cmd, const char *key);
/* Whether @key must be in its request. */
bool control_command_requires(const struct control_command *cmd, const char *key);
/* Up to @len bytes of "status, vips, ...": the commands' names, for an error. */
const char *control_command_names(char *buf, size_t len);

#endif /* XDPCAST_CONTROL_PROTO_H */
