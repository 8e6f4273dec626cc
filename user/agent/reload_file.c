// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A reload from the configuration file, shared by SIGHUP and xdpcastctl's
 * reload: parse the file, apply it with agent_reload(), then have the
 * control socket follow the new control_socket and control_admin_group.
 * The outcome, with one message for the log and the control socket, in a
 * struct reload_result, also kept in struct agent for the metrics.
 */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "control.h"
#include "log.h"
#include "operator_state.h"
#include "reload.h"
#include "service_notify.h"

/* The control socket takes the running configuration's settings. */
static int follow(struct control *ctl, const struct config *cfg, bool move)
{
	if (!ctl)
		return 0;
	control_set_admin_group(ctl, cfg->control_admin_group[0] ? &cfg->control_admin_gid : NULL);
	return move ? control_follow(ctl, cfg->control_socket) : 0;
}

static int reload_file(struct agent *a, struct control *ctl, const char *path,
		       struct reload_result *res)
{
	struct config cfg;
	int err;

	err = config_load(path, &cfg, res->message);
	if (err) {
		pr_warn("%s\n", res->message);
		pr_warn("reload refused: the running configuration stays in force\n");
		res->outcome = RELOAD_REFUSED;
		res->err = err;
		config_free(&cfg);
		return err;
	}
	agent_reload(a, &cfg, res);
	config_free(&cfg); /* what agent_reload() did not take over */
	if (res->outcome == RELOAD_REFUSED)
		return res->err;
	/* the backends the file no longer has take their drains with them */
	operator_state_save(a);
	/* the file is the running one: a part that failed keeps the socket where it is */
	err = follow(ctl, &a->cfg, res->outcome == RELOAD_APPLIED);
	if (err)
		reload_in_part(res, a->cfg.path, err);
	else if (res->outcome == RELOAD_APPLIED)
		pr_info("reloaded %s\n", a->cfg.path);
	return res->err;
}

int agent_reload_file(struct agent *a, struct control *ctl, const char *path,
		      struct reload_result *res)
{
	int err;

	/* systemctl reload (xdpcastctl reload, SIGHUP) sees the reload start and end */
	service_notify_reloading();
	err = reload_file(a, ctl, path, res);
	/* for the metrics: a reload applied only in part failed too */
	a->last_reload_ok = res->outcome == RELOAD_APPLIED;
	a->last_reload_at = ev_time();
	if (res->outcome == RELOAD_APPLIED)
		service_notify_ready("running: %zu VIPs, reloaded %s", a->n_vips, a->cfg.path);
	else
		service_notify_ready("running: %zu VIPs, last reload %s: %.160s", a->n_vips,
				     res->outcome == RELOAD_REFUSED ? "refused" : "applied in part",
				     res->message);
	return err;
}
