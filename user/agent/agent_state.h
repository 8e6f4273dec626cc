/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's running state, which every module of the agent is handed: the
 * VIPs and backends of the configuration with their health, next hops,
 * dataplane ids and the table last written. Each member names the module
 * that writes it; the others only read it. docs/agent.md draws the modules.
 */
#ifndef XDPCAST_AGENT_STATE_H
#define XDPCAST_AGENT_STATE_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "config.h"
#include "dataplane.h"
#include "seed_file.h"

struct probe_env;
struct probe_paths;
struct neigh_watch;
struct routes;

#define BACKEND_ID_NEVER 0xffffffffu /* backend_id_vip[]: an id no VIP used yet */

struct agent {
	struct ev_loop *loop;
	struct config cfg; /* the configuration running now (agent.c, reload.c) */
	struct xdpcast_dp dp; /* the pinned maps (agent.c opens; vip_state.c writes) */
	bool dp_open;
	struct probe_env *probes; /* shared probe sockets (agent.c) */
	struct neigh_watch *neigh; /* next hops of the backends (agent.c) */
	struct vip **vips; /* agent.c builds, reload.c edits, vip_state.c derives */
	size_t n_vips;
	/* dataplane ids (agent.c allocates, adopt.c takes over pinned ones) */
	bool vip_id_used[XDPCAST_MAX_VIPS];
	bool backend_id_used[XDPCAST_MAX_BACKENDS];
	uint32_t backend_id_vip[XDPCAST_MAX_BACKENDS]; /* VIP an id last served, or NEVER */
	bool stale_backend[XDPCAST_MAX_BACKENDS]; /* pinned ids nothing adopted (adopt.c) */
	bool attached_here[CONFIG_MAX_IFACES]; /* this run attached cfg.ifaces[i] */
	bool pins_created; /* this run created the pinned maps */
	bool keep_dataplane_flag; /* --keep-dataplane; the config key can also say so */
	/* the next stop is a restart: dataplane and routes stay for the next
	 * xdpcastd (control_cmd.c's handover; xdpcastd.c when systemd restarts it) */
	bool handover;
	ev_timer stats_timer; /* stats_file.c's writes */
	ev_timer retry_timer; /* rebuilds tables whose write failed (vip_state.c) */
	struct routes *routes; /* the VIPs' routes in the kernel FIB (routes.c) */
	struct probe_paths *probe_paths; /* how VIP-targeted checks reach each backend */
	enum seed_source seed_source; /* where cfg.seed came from */
	/* the last configuration load, for the metrics: applied whole or not, and
	 * when (unix time); agent.c records the start's, reload_file.c each reload's */
	bool last_reload_ok;
	double last_reload_at;
};

#endif /* XDPCAST_AGENT_STATE_H */
