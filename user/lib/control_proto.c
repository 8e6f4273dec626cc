// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control protocol's command table (control_proto.h), linked into
 * xdpcastd and compiled into xdpcastctl.
 */
#include "control_proto.h"

#include <stdio.h>
#include <string.h>

const struct control_command control_commands[CONTROL_CMD_MAX] = {
	[CONTROL_CMD_STATUS] = { "status", {}, 0, .changes = false },
	[CONTROL_CMD_VIPS] = { "vips", {}, 0, .changes = false },
	[CONTROL_CMD_BACKENDS] = { "backends", { "vip" }, 0, .changes = false },
	[CONTROL_CMD_DRAIN] = { "drain",
				{ "vip", "backend" },
				2,
				.changes = true,
				.vip_optional = true },
	[CONTROL_CMD_UNDRAIN] = { "undrain",
				  { "vip", "backend" },
				  2,
				  .changes = true,
				  .vip_optional = true },
	[CONTROL_CMD_WEIGHT] = { "weight",
				 { "vip", "backend", "weight" },
				 3,
				 .changes = true,
				 .vip_optional = true },
	[CONTROL_CMD_STATS] = { "stats", {}, 0, .changes = false },
	[CONTROL_CMD_RELOAD] = { "reload", {}, 0, .changes = true },
	[CONTROL_CMD_HANDOVER] = { "handover", {}, 0, .changes = true },
};

const struct control_command *control_command_find(const char *name)
{
	for (size_t i = 0; name && i < CONTROL_CMD_MAX; i++)
		if (!strcmp(control_commands[i].name, name))
			return &control_commands[i];
	return NULL;
}

unsigned int control_command_n_keys(const struct control_command *cmd)
{
	unsigned int n = 0;

	while (n < CONTROL_KEYS_MAX && cmd->keys[n])
		n++;
	return n;
}

/* @key's place among the command's keys, or -1. */
static int key_index(const struct control_command *cmd, const char *key)
{
	for (unsigned int i = 0; i < control_command_n_keys(cmd); i++)
		if (!strcmp(cmd->keys[i], key))
			return (int)i;
	return -1;
}

bool control_command_takes(const struct control_command *cmd, const char *key)
{
	return !strcmp(key, "command") || key_index(cmd, key) >= 0;
}

bool control_command_requires(const struct control_command *cmd, const char *key)
{
	int i = key_index(cmd, key);

	if (i == 0 && cmd->vip_optional)
		return false;
	return i >= 0 && (unsigned int)i < cmd->required;
}

const char *control_command_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < CONTROL_CMD_MAX && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					control_commands[i].name);
	return buf;
}
