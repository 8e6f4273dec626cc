// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A reload from the configuration file, shared by SIGHUP and xdpcastctl's
 * reload: parse the file, apply it with agent_reload(), and say in one
 * message why it did not work, for the log and for the control socket.
 */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "log.h"

int agent_reload_file(struct agent *a, const char *path, char *err, size_t errlen)
{
	char msg[CONFIG_ERROR_MAX];
	struct config cfg;
	const char *fixed = NULL; /* a key that cannot change while running */
	int ret;

	ret = config_load(path, &cfg, msg);
	if (ret) {
		pr_warn("%s\n", msg);
		pr_warn("reload refused: the running configuration stays in force\n");
		snprintf(err, errlen, "%s", msg);
		config_free(&cfg);
		return ret;
	}
	if (strcmp(cfg.pin_dir, a->cfg.pin_dir))
		fixed = "pin_dir";
	else if (strcmp(cfg.state_dir, a->cfg.state_dir))
		fixed = "state_dir";
	ret = agent_reload(a, &cfg);
	if (!ret)
		return 0;
	/* agent_reload() logged the details; it takes the file over once it applies any of it */
	if (!cfg.path[0])
		snprintf(err, errlen, "%s: applied in part: %s (xdpcastd's log says what failed)",
			 path, strerror(-ret));
	else if (fixed)
		snprintf(err, errlen,
			 "%s: %s cannot change while running (restart xdpcastd); "
			 "configuration not reloaded",
			 path, fixed);
	else
		snprintf(err, errlen,
			 "%s: configuration not reloaded: %s (xdpcastd's log says why)", path,
			 strerror(-ret));
	config_free(&cfg);
	return ret;
}
