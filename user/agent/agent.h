/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's life (agent.c): start (attach or adopt the dataplane, build
 * the VIPs and backends, start the checks) and stop; and, for reload.c, the
 * objects, their ids and installing them in the dataplane. The state itself
 * is struct agent (agent_state.h).
 */
#ifndef XDPCAST_AGENT_H
#define XDPCAST_AGENT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent_state.h"

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

/* --- for reload.c: objects, ids, installing them in the dataplane --- */
struct vip *agent_vip_new(struct agent *a, const struct vip_config *cfg);
void agent_vip_free(struct agent *a, struct vip *v);
struct backend *agent_backend_new(struct vip *v, const struct backend_config *cfg);
void agent_backend_free(struct agent *a, struct backend *b);
int agent_vip_install(struct agent *a, struct vip *v);
int agent_backend_install(struct agent *a, struct backend *b);
void agent_stop_state(struct agent *a);
/* xdpcast_attach() to @ifc in the mode its configuration names */
struct xdpcast_attachment;
int agent_iface_attach(struct xdpcast_attachment *att, const char *pin_dir,
		       const struct iface_config *ifc);

int agent_alloc_vip_id(struct agent *a, uint32_t *id);
int agent_alloc_backend_id(struct agent *a, uint32_t vip_id, uint32_t *id);

#endif /* XDPCAST_AGENT_H */
