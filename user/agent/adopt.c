// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A restarted xdpcastd adopting the pinned dataplane: VIPs keep their ids
 * (found by key in `vips`), backends keep their ids and last health verdict
 * (found by VIP and address in `backend_owners`), and each VIP's active table
 * becomes the one the first rebuild compares with. With the same
 * configuration and health the rebuilt tables are identical, nothing is
 * written, and no flow moves. What the configuration no longer has is
 * removed once the new tables are in place.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adopt.h"
#include "log.h"

static struct vip *vip_by_key(struct agent *a, const struct xdpcast_vip_key *key)
{
	for (size_t i = 0; i < a->n_vips; i++)
		if (!memcmp(&a->vips[i]->key, key, sizeof(*key)))
			return a->vips[i];
	return NULL;
}

static struct vip *vip_by_id(struct agent *a, uint32_t id)
{
	for (size_t i = 0; i < a->n_vips; i++)
		if (a->vips[i]->id == id)
			return a->vips[i];
	return NULL;
}

static struct backend *backend_by_addr(struct vip *v, const __be32 addr[4])
{
	for (size_t i = 0; i < v->n_backends; i++)
		if (!memcmp(&v->backends[i]->cfg.addr.addr, addr, 16))
			return v->backends[i];
	return NULL;
}

/* The pinned table becomes the VIP's current one. */
static void adopt_table(struct agent *a, struct vip *v)
{
	long size = xdpcast_dp_table_size(&a->dp, &v->key);

	if (size <= 0)
		return;
	v->table = malloc(sizeof(*v->table) * size);
	if (!v->table)
		return;
	if (xdpcast_dp_read_table(&a->dp, &v->key, v->table, size) != size) {
		free(v->table);
		v->table = NULL;
		return;
	}
	v->table_size = size;
	v->usable = true;
}

struct stale_vips {
	struct xdpcast_vip_key keys[XDPCAST_MAX_VIPS];
	size_t n;
};

static int adopt_vip(void *arg, const struct xdpcast_vip_key *key, const struct xdpcast_vip *vip)
{
	struct agent *a = ((void **)arg)[0];
	struct stale_vips *stale = ((void **)arg)[1];
	struct vip *v = vip_by_key(a, key);

	if (!v || vip->id >= XDPCAST_MAX_VIPS || a->vip_id_used[vip->id]) {
		if (stale->n < XDPCAST_MAX_VIPS)
			stale->keys[stale->n++] = *key;
		return 0;
	}
	v->id = vip->id;
	a->vip_id_used[v->id] = true;
	return 0;
}

static void adopt_backends(struct agent *a)
{
	struct xdpcast_backend_owner o;
	unsigned int adopted = 0;

	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++) {
		struct backend *b = NULL;
		struct vip *v;

		if (xdpcast_dp_get_owner(&a->dp, id, &o) || o.in_use == XDPCAST_OWNER_NEVER)
			continue;
		v = vip_by_id(a, o.vip_id);
		/* a freed id keeps its VIP, if that VIP (and so its flow table) lives on */
		a->backend_id_vip[id] = v ? o.vip_id : BACKEND_ID_NEVER;
		if (o.in_use == XDPCAST_OWNER_FREED)
			continue;
		if (v)
			b = backend_by_addr(v, o.addr);
		/* the id stays taken either way; a stale one is freed after the rebuild */
		a->backend_id_used[id] = true;
		if (!b || b->id != XDPCAST_BACKEND_NONE) {
			a->stale_backend[id] = true;
			continue;
		}
		b->id = id;
		health_init(&b->health, b->cfg.check.rise, b->cfg.check.fall, o.healthy);
		/* a drain (or weight) from xdpcastctl outlives the restart */
		if (o.operator_weight)
			b->admin_weight = o.weight;
		adopted++;
	}
	pr_info("adopted %u backends from the pinned maps\n", adopted);
}

int adopt_pinned(struct agent *a)
{
	struct stale_vips *stale = calloc(1, sizeof(*stale));
	void *ctx[2] = { a, stale };
	int err;

	if (!stale)
		return -ENOMEM;
	err = xdpcast_dp_for_each_vip(&a->dp, adopt_vip, ctx);
	for (size_t i = 0; !err && i < stale->n; i++) {
		char text[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, stale->keys[i].addr, text, sizeof(text));
		pr_info("removing pinned VIP %s proto %u port %u: not in the configuration\n", text,
			stale->keys[i].proto, ntohs(stale->keys[i].port));
		err = xdpcast_dp_del_vip(&a->dp, &stale->keys[i]);
	}
	free(stale);
	if (err)
		return err;
	/* the tables last: deleting a stale VIP with a clashing id clears that id's slot */
	for (size_t i = 0; i < a->n_vips; i++)
		if (a->vips[i]->id < XDPCAST_MAX_VIPS)
			adopt_table(a, a->vips[i]);
	adopt_backends(a);
	return 0;
}

void adopt_cleanup(struct agent *a)
{
	struct xdpcast_backend down = {};

	for (uint32_t id = 0; id < XDPCAST_MAX_BACKENDS; id++) {
		struct xdpcast_backend_owner freed = { .in_use = XDPCAST_OWNER_FREED };

		if (!a->stale_backend[id])
			continue;
		if (a->backend_id_vip[id] == BACKEND_ID_NEVER)
			freed.in_use = XDPCAST_OWNER_NEVER;
		else
			freed.vip_id = a->backend_id_vip[id];
		xdpcast_dp_set_backend(&a->dp, id, &down);
		xdpcast_dp_set_owner(&a->dp, id, &freed);
		a->stale_backend[id] = false;
		a->backend_id_used[id] = false;
	}
}
