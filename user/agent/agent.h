/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's running state: the VIPs and backends of the configuration with
 * their health, next hops, dataplane ids and the table last written, and the
 * operations that keep the pinned maps equal to them.
 */
#ifndef XDPCAST_AGENT_H
#define XDPCAST_AGENT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "config.h"
#include "dataplane.h"
#include "routes.h"
#include "seed_file.h"

struct agent;
struct probe_paths;
struct routes;

#define BACKEND_ID_NEVER 0xffffffffu /* backend_id_vip[]: an id no VIP used yet */

struct agent {
	struct ev_loop *loop;
	struct config cfg; /* the configuration running now */
	struct xdpcast_dp dp;
	bool dp_open;
	struct probe_env *probes;
	struct neigh_watch *neigh;
	struct vip **vips;
	size_t n_vips;
	bool vip_id_used[XDPCAST_MAX_VIPS];
	bool backend_id_used[XDPCAST_MAX_BACKENDS];
	uint32_t backend_id_vip[XDPCAST_MAX_BACKENDS]; /* VIP an id last served, or NEVER */
	bool stale_backend[XDPCAST_MAX_BACKENDS]; /* pinned ids nothing adopted */
	bool attached_here[CONFIG_MAX_IFACES]; /* this run attached cfg.ifaces[i] */
	bool pins_created; /* this run created the pinned maps */
	bool keep_dataplane_flag; /* --keep-dataplane; the config key can also say so */
	ev_timer stats_timer;
	ev_timer retry_timer; /* rebuilds tables whose write failed */
	struct routes *routes; /* the VIPs' routes in the kernel FIB (routes.c) */
	struct probe_paths *probe_paths; /* how VIP-targeted checks reach each backend */
	enum seed_source seed_source; /* where cfg.seed came from */
};

/* Attach (or adopt) the dataplane, build the state, start the checks. On
 * failure the router is left as it was found and a message says why. */
int agent_start(struct agent *a, struct ev_loop *loop, struct config *cfg, bool keep_dataplane);
/* Stop the checks; detach and unpin unless the dataplane is kept. */
/* Returns -EBUSY when xdpcast stays attached somewhere although it should
 * not (a detach failed: the pins are kept for the next xdpcastd), else 0. */
int agent_stop(struct agent *a);
/* A reload: reload.h (agent_reload(), agent_reload_file()). */
/* @cfg's seed: `seed:`, else the state directory's (made at the first start:
 * @running, the seed of a dataplane in force, or a random one); logged. 0, or
 * -errno after a message. */
int agent_resolve_seed(struct config *cfg, const uint32_t *running, enum seed_source *src);
/* The route settings of @cfg into @rs (NULL: nothing), which applies them to
 * every address at once once active. */
void agent_route_settings(const struct config *cfg, struct routes *rs);

/* --- used between the agent's files --- */

/* agent.c: objects, ids, installing them in the dataplane */
struct vip *vip_new(struct agent *a, const struct vip_config *cfg);
void vip_free(struct agent *a, struct vip *v);
struct backend *backend_new(struct vip *v, const struct backend_config *cfg);
void agent_free_backend(struct agent *a, struct backend *b);
int vip_install(struct agent *a, struct vip *v);
int backend_install(struct agent *a, struct backend *b);
void agent_stop_state(struct agent *a);
/* xdpcast_attach() to @ifc in the mode its configuration names */
struct xdpcast_attachment;
int iface_attach(struct xdpcast_attachment *att, const char *pin_dir,
		 const struct iface_config *ifc);

/* vip_state.c: dataplane entries and tables from health, weight, next hop */
/* The operator sets (0 = drain) or clears (-1) the backend's weight: applied
 * and logged like any change. -ERANGE above XDPCAST_WEIGHT_MAX. */
int backend_set_admin_weight(struct agent *a, struct backend *b, int32_t weight);
int backend_write(struct agent *a, struct backend *b);
/* Rebuild the VIP's table; written only if it differs. Returns the number
 * of slots that changed backend (all when the size changed) or -errno. */
long vip_rebuild(struct agent *a, struct vip *v);
/* retry_timer's callback: rebuild the VIPs whose last table write failed. */
void vip_retry_rebuilds(struct ev_loop *loop, ev_timer *w, int revents);
/* Log the VIP entering or leaving service, if it did since @was_usable. */
void vip_log_service(const struct vip *v, bool was_usable);
/* Rebuild and log the outcome, saying @why. */
void vip_apply(struct agent *a, struct vip *v, const char *why);
/* A backend changed state: apply it and log one line with @reason, the
 * check's latency (< 0: none) and the slots moved. */
void agent_backend_changed(struct agent *a, struct backend *b, const char *old_state,
			   const char *reason, double latency_ms);
void backend_refresh_nexthop(struct agent *a, struct backend *b);
/* The backend's probe, to the VIP through its next hop or to its own address
 * as its check's target says (replaces b->probe, which must not run). */
int backend_probe_new(struct agent *a, struct backend *b);
/* Its probe path (probe_path.h) as its check's target and next hop say. */
void backend_refresh_probe_path(struct agent *a, struct backend *b);
void backend_nexthop_changed(struct agent *a, struct backend *b);

/* checks.c: scheduling and verdicts */
void checks_start(struct agent *a, struct backend *b);
void checks_stop(struct backend *b);
void checks_probe_done(void *arg, const struct probe_result *r);

/* adopt.c: pinned ids and health matched to the configuration */
int adopt_pinned(struct agent *a);
/* Free the pinned backend ids nothing adopted (after the tables are rebuilt). */
void adopt_cleanup(struct agent *a);

/* stats_file.c */
int stats_file_write(struct agent *a);

/* ids */
int agent_alloc_vip_id(struct agent *a, uint32_t *id);
int agent_alloc_backend_id(struct agent *a, uint32_t vip_id, uint32_t *id);

#endif /* XDPCAST_AGENT_H */
