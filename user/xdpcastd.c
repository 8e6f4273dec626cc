// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcastd: the agent on the router. Reads the configuration, attaches (or
 * adopts) the XDP dataplane, checks every backend and keeps the maps equal
 * to what the checks and the operator say. Runs in the foreground; SIGHUP
 * reloads, SIGTERM/SIGINT stop (a restart, said by systemd's job or
 * `xdpcastctl handover`, keeps the dataplane and the routes); tells
 * systemd (Type=notify) when it is ready. docs/xdpcastd.md is its manual. Here the
 * control socket (control.h, a transport) is wired to the commands
 * (control_cmd.h) and the agent.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "control.h"
#include "control_cmd.h"
#include "log.h"
#include "privileges.h"
#include "reload.h"
#include "service_notify.h"
#include "stop_intent.h"
#include "version.h"

#define EXIT_USAGE 2

struct daemon {
	struct agent agent;
	struct control *ctl;
	struct control_env env; /* what the control socket's commands act on */
	const char *config_path;
	ev_signal sighup, sigterm, sigint;
	ev_timer watchdog; /* WATCHDOG=1 under systemd's WatchdogSec= */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xdpcastd [-c FILE] [--check-config] [--keep-dataplane] [--syslog] [-v] "
		"[-V]\n"
		"  -c, --config FILE    configuration (default %s)\n"
		"  --check-config       validate the configuration, print errors, exit\n"
		"  --keep-dataplane     on exit leave the program attached and the maps pinned\n"
		"                       (for an upgrade: the next xdpcastd adopts them)\n"
		"  --syslog             log to syslog instead of stderr\n"
		"  -v, --verbose        debug messages, libbpf's and libxdp's included\n"
		"  -V, --version        print the version and exit\n"
		"  -h, --help\n",
		CONFIG_PATH_DEFAULT);
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct reload_result res;

	(void)loop;
	(void)revents;
	pr_info("SIGHUP: reloading %s\n", d->config_path);
	/* what fails is logged there; xdpcastctl reload gets the same message */
	agent_reload_file(&d->agent, d->ctl, d->config_path, &res);
}

/*
 * The control socket, bound before the agent touches anything (a second
 * xdpcastd on it stops here), its requests to the commands.
 */
static int control_up(struct daemon *d, struct ev_loop *loop, const struct config *cfg)
{
	int err;

	d->env.agent = &d->agent;
	d->env.started = ev_time();
	err = control_open(&d->ctl, loop, cfg->control_socket, control_dispatch, &d->env);
	if (err)
		return err;
	d->env.ctl = d->ctl;
	control_set_admin_group(d->ctl,
				cfg->control_admin_group[0] ? &cfg->control_admin_gid : NULL);
	return 0;
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	char why[256];

	(void)revents;
	pr_info("signal %d: stopping\n", w->signum);
	/* systemctl restart and a package upgrade send SIGTERM as a stop does:
	 * the unit's pending job tells them apart */
	if (!d->agent.handover && w->signum == SIGTERM) {
		d->agent.handover =
			stop_intent_systemd_restart(STOP_INTENT_TIMEOUT_USEC, why, sizeof(why));
		if (d->agent.handover || strncmp(why, "not a", 5))
			pr_info("%s: %s\n", why,
				d->agent.handover ? "a restart, the address stays announced"
						  : "a stop");
	}
	service_notify_stopping("%s", d->agent.handover ? "restarting: dataplane and routes kept"
							: "stopping");
	ev_break(loop, EVBREAK_ALL);
}

static void watch_signal(struct daemon *d, struct ev_loop *loop, ev_signal *w,
			 void (*cb)(struct ev_loop *, ev_signal *, int), int signum)
{
	ev_signal_init(w, cb, signum);
	w->data = d;
	ev_signal_start(loop, w);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "keep-dataplane", no_argument, NULL, 'k' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	bool check_only = false, keep = false, use_syslog = false;
	struct daemon d = { .config_path = CONFIG_PATH_DEFAULT };
	char err[CONFIG_ERROR_MAX];
	struct ev_loop *loop;
	struct config cfg;
	int opt, ret, verbose = 0;

	while ((opt = getopt_long(argc, argv, "c:vhV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'k':
			keep = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xdpcastd %s\n", xdpcast_version());
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xdpcastd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	log_set_prefix("xdpcastd");
	log_set_level(verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	/* libbpf's and libxdp's warnings are often expected probes: shown with -v */
	log_install_lib_hooks();
	log_quiet_libs();
	if (config_load(d.config_path, &cfg, err)) {
		/* with its level: under systemd it is an error in the journal, not info */
		pr_err("%s\n", err);
		config_free(&cfg);
		return 1;
	}
	if (check_only) {
		printf("%s: OK, %zu VIPs, %zu interfaces\n", d.config_path, cfg.n_vips,
		       cfg.n_ifaces);
		config_free(&cfg);
		return 0;
	}
	if (use_syslog)
		log_use_syslog();
	/* before anything is opened: the start runs with what the whole run keeps */
	if (privileges_drop()) {
		config_free(&cfg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	loop = ev_default_loop(EVFLAG_AUTO);
	/* before the start: a signal during it is then handled once it is done,
	 * instead of killing a half-configured agent */
	watch_signal(&d, loop, &d.sighup, on_sighup, SIGHUP);
	watch_signal(&d, loop, &d.sigterm, on_stop, SIGTERM);
	watch_signal(&d, loop, &d.sigint, on_stop, SIGINT);
	if (control_up(&d, loop, &cfg)) {
		config_free(&cfg);
		return 1;
	}
	if (agent_start(&d.agent, loop, &cfg, keep)) {
		control_free(d.ctl);
		config_free(&cfg);
		return 1;
	}
	control_start(d.ctl);
	pr_info("running: %zu VIPs, %zu interfaces, pins in %s%s\n", d.agent.n_vips,
		d.agent.cfg.n_ifaces, d.agent.cfg.pin_dir,
		d.agent.pins_created ? "" : " (adopted)");
	/* the tables are written and the routes in place: systemd may go on */
	service_notify_ready("running: %zu VIPs, %zu interfaces%s", d.agent.n_vips,
			     d.agent.cfg.n_ifaces,
			     d.agent.pins_created ? "" : ", dataplane adopted");
	service_watchdog_start(loop, &d.watchdog);
	ev_run(loop, 0);
	/* a stop that left xdpcast attached is a failure a supervisor should see */
	ret = agent_stop(&d.agent) ? 1 : 0;
	control_free(d.ctl);
	return ret;
}
