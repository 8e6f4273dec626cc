// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The differential test's world (see world.h): random map states written as
 * the agent writes them, and read back for the model through libbpf.
 */
#include "world.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maglev.h"
#include "xdpcast.skel.h"

#define NBACKENDS 12
#define IFINDEX_TOO_BIG 70000 /* beyond the egress devmap */

static const __u32 table_sizes[] = { 7, 13, 251, 1021, 65537 };
static const __u32 flow_sizes[] = { 4, 16, 64, 256 };
static const __u16 ports[] = { 53, 80, 443, 40000 };

/* The program kept in the kernel's XDP dispatcher between test runs (see bench.c):
 * attached to a veth that stays down, so no packet runs it. */
static int hold(int ifindex, int prog_fd)
{
	int err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		fprintf(stderr,
			"difftest: cannot hold the program in the dispatcher (%d): slow run\n",
			err);
	return 0;
}

static int load_copy(struct world *w, int i)
{
	struct world_copy *c = &w->copies[i];
	struct bpf_map *map;
	int err;

	c->skel = xdpcast__open();
	if (!c->skel)
		return -errno;
	c->skel->rodata->attached_ifindex = i & 1 ? w->ifindex_in : 0;
	if (i & 2)
		memcpy((__u8 *)c->skel->rodata->attached_mac, w->router_mac, 6);
	/* never pinned: the maps die with the skeleton */
	for (map = bpf_object__next_map(c->skel->obj, NULL); map;
	     map = bpf_object__next_map(c->skel->obj, map))
		bpf_map__set_pin_path(map, NULL);
	err = xdpcast__load(c->skel);
	if (err)
		return err;
	c->prog_fd = bpf_program__fd(c->skel->progs.xdpcast_ingress);
	return xdpcast_dp_from_object(&c->dp, c->skel->obj)
		       ?: hold((int)w->ifindex_hold[i], c->prog_fd);
}

int world_setup(struct world *w)
{
	struct ifreq ifr = { .ifr_name = "xd-in" };
	char name[IF_NAMESIZE];
	int fd, err, i;

	memset(w, 0, sizeof(*w));
	if (unshare(CLONE_NEWNET))
		return -errno;
	if (system("ip link set lo up && ip link add xd-in type veth peer name xd-out && "
		   "ip link set xd-in up && ip link set xd-out up && "
		   "ip link add xd-hold0 type veth peer name xd-hold1 && "
		   "ip link add xd-hold2 type veth peer name xd-hold3"))
		return -EIO;
	w->ifindex_in = if_nametoindex("xd-in");
	w->ifindex_out = if_nametoindex("xd-out");
	for (i = 0; i < WORLD_COPIES; i++) {
		snprintf(name, sizeof(name), "xd-hold%d", i);
		w->ifindex_hold[i] = if_nametoindex(name);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	close(fd);
	memcpy(w->router_mac, ifr.ifr_hwaddr.sa_data, 6);
	for (i = 0; !err && i < WORLD_COPIES; i++)
		err = load_copy(w, i);
	return err;
}

void world_destroy(struct world *w)
{
	int i;

	for (i = 0; i < WORLD_COPIES; i++) {
		if (!w->copies[i].skel)
			continue;
		xdpcast_dp_close(&w->copies[i].dp);
		xdpcast__destroy(w->copies[i].skel);
	}
}

static void random_mac(struct rng *r, __u8 mac[6])
{
	__u64 x = rng_next(r);

	memcpy(mac, &x, 6);
	mac[0] = (mac[0] & 0xfc) | 0x02; /* locally administered unicast */
}

static int random_backends(struct world *w, struct rng *r)
{
	static const __u8 states[] = { XDPCAST_BACKEND_UP, XDPCAST_BACKEND_UP, XDPCAST_BACKEND_UP,
				       XDPCAST_BACKEND_DRAINING, XDPCAST_BACKEND_DOWN };
	struct xdpcast_backend b;
	__u32 id, pick;
	int err;

	for (id = 0; id < NBACKENDS; id++) {
		memset(&b, 0, sizeof(b));
		random_mac(r, b.dst_mac);
		random_mac(r, b.src_mac);
		pick = rng_below(r, 100);
		b.ifindex = pick < 30	? w->ifindex_in
			    : pick < 85 ? w->ifindex_out
			    : pick < 95 ? 1 /* lo: not in egress */
					: IFINDEX_TOO_BIG;
		b.vlan = rng_pct(r, 40) ? (__u16)(1 + rng_below(r, 4095)) : 0;
		b.state = states[rng_below(r, sizeof(states))];
		b.flags = rng_pct(r, 85) ? XDPCAST_BACKEND_F_MAC_KNOWN : 0;
		err = xdpcast_dp_set_backend(w->dp, id, &b);
		if (err)
			return err;
	}
	return 0;
}

/* An address for a new VIP: IPv4 in 198.18.0.0/15 (its slot twin is too) or IPv6
 * in 2001:db8::/32; sometimes the address of an earlier VIP (another key shape). */
static void vip_addr(struct world *w, struct rng *r, struct xdpcast_vip_key *k)
{
	char text[64];

	if (w->nvips && rng_pct(r, 30)) {
		memcpy(k->addr, w->vips[rng_below(r, w->nvips)].addr, 16);
		return;
	}
	if (rng_pct(r, 60))
		snprintf(text, sizeof(text), "198.%u.%u.%u", 18 + rng_below(r, 2),
			 rng_below(r, 256), rng_below(r, 256));
	else
		snprintf(text, sizeof(text), "2001:db8::%x:%x", rng_below(r, 0x10000),
			 rng_below(r, 0x10000));
	xdpcast_vip_key_from_str(k, text, 0, 0);
}

static bool is_v4(const struct xdpcast_vip_key *k)
{
	return !k->addr[0] && !k->addr[1] && k->addr[2] == htonl(0xffff);
}

static int random_table(struct world *w, struct rng *r, const struct xdpcast_vip_key *k)
{
	struct maglev_backend mb[NBACKENDS];
	__u32 ids[NBACKENDS], size = table_sizes[rng_below(r, 5)], *table, i, n;
	int err;

	n = 1 + rng_below(r, 6);
	for (i = 0; i < n; i++) {
		ids[i] = rng_below(r, NBACKENDS);
		mb[i] = (struct maglev_backend){ .id = ids[i],
						 .weight = rng_below(r, 4),
						 .key = &ids[i],
						 .key_len = sizeof(ids[i]) };
	}
	table = calloc(size, sizeof(*table));
	if (!table)
		return -ENOMEM;
	err = maglev_build(mb, n, (__u32)rng_next(r), table, size);
	if (!err)
		err = xdpcast_dp_write_table(w->dp, k, table, size);
	else if (err == -ENOENT) /* every weight 0: no table */
		err = 0;
	free(table);
	return err;
}

static int random_vips(struct world *w, struct rng *r)
{
	static const __u8 protos[] = { 0, IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP };
	bool used[32] = { false };
	struct xdpcast_vip_key k;
	__u32 id, n = 1 + rng_below(r, 6), i, flows;
	int err;

	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		vip_addr(w, r, &k);
		k.proto = protos[rng_below(r, sizeof(protos))];
		if (k.proto == IPPROTO_ICMP && !is_v4(&k))
			k.proto = IPPROTO_ICMPV6;
		if ((k.proto == IPPROTO_UDP || k.proto == IPPROTO_TCP) && rng_pct(r, 50))
			k.port = htons(ports[rng_below(r, 4)]);
		do
			id = rng_below(r, 32);
		while (used[id]);
		flows = rng_pct(r, 50) ? flow_sizes[rng_below(r, 4)] : 0;
		err = xdpcast_dp_add_vip(w->dp, &k, id, flows);
		if (err == -EEXIST)
			continue;
		if (err)
			return err;
		used[id] = true;
		w->vips[w->nvips++] = k;
		if (rng_pct(r, 85)) {
			err = random_table(w, r, &k);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Clients: the sources the frames come from (and the flow table learns). */
static void random_clients(struct world *w, struct rng *r)
{
	struct xdpcast_vip_key k;
	char text[64];
	int i;

	for (i = 0; i < WORLD_MAX_CLIENTS; i++) {
		if (i % 2)
			snprintf(text, sizeof(text), "198.51.100.%u", 1 + rng_below(r, 254));
		else
			snprintf(text, sizeof(text), "2001:db8:1::%x", 1 + rng_below(r, 0xffff));
		xdpcast_vip_key_from_str(&k, text, 0, 0);
		memcpy(w->clients[i], k.addr, 16);
	}
}

/* VIP @v's flow table, as a new fd; -1: none. */
static int flow_table_fd(struct world *w, const struct model_vip *v)
{
	int outer = v->flow4 ? w->dp->flow_tables4 : w->dp->flow_tables;
	__u32 map_id;
	int fd;

	if (bpf_map_lookup_elem(outer, &v->vip.id, &map_id))
		return -1;
	fd = bpf_map_get_fd_by_id(map_id);
	return fd < 0 ? -1 : fd;
}

/* Set @idx of VIP @v's flow table @fd, IPv4's 16-byte flows seen as the
 * model's struct xdpcast_flow_entry. */
static int flow_set_read(const struct model_vip *v, int fd, __u32 idx, struct xdpcast_flow_set *out)
{
	struct xdpcast_flow_set4 s4;
	int i;

	if (!v->flow4)
		return bpf_map_lookup_elem(fd, &idx, out) ? -errno : 0;
	if (bpf_map_lookup_elem(fd, &idx, &s4))
		return -errno;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++) {
		out->way[i].src[2] = htonl(0xffff);
		out->way[i].src[3] = s4.way[i].src;
		out->way[i].sport = s4.way[i].sport;
		out->way[i].dport = s4.way[i].dport;
		out->way[i].proto = s4.way[i].proto;
		out->way[i].state = s4.way[i].state;
		out->way[i].hash = s4.way[i].hash;
		out->way[i].backend = s4.way[i].backend;
	}
	return 0;
}

static int flow_set_write(const struct model_vip *v, int fd, __u32 idx,
			  const struct xdpcast_flow_set *in)
{
	struct xdpcast_flow_set4 s4;
	int i;

	if (!v->flow4)
		return bpf_map_update_elem(fd, &idx, in, BPF_EXIST) ? -errno : 0;
	for (i = 0; i < XDPCAST_FLOW_WAYS; i++)
		s4.way[i] = (struct xdpcast_flow_entry4){ .src = in->way[i].src[3],
							  .sport = in->way[i].sport,
							  .dport = in->way[i].dport,
							  .hash = in->way[i].hash,
							  .backend = in->way[i].backend,
							  .proto = in->way[i].proto,
							  .state = in->way[i].state };
	return bpf_map_update_elem(fd, &idx, &s4, BPF_EXIST) ? -errno : 0;
}

struct read_ctx {
	struct world *w;
	struct model_state *m;
	int err;
};

/* VIP @v's active table from the maps (again, after a flip): none when it has
 * no table. */
static int read_table(struct world *w, struct model_vip *v)
{
	long size;

	if (!v->table)
		v->table = calloc(XDPCAST_TABLE_SIZE_MAX, sizeof(*v->table));
	if (!v->table)
		return -ENOMEM;
	size = xdpcast_dp_read_table(w->dp, &v->key, v->table, XDPCAST_TABLE_SIZE_MAX);
	if (size < 0)
		return (int)size;
	v->table_size = (__u32)size;
	if (!size) {
		free(v->table);
		v->table = NULL;
	}
	return 0;
}

static int read_vip(void *arg, const struct xdpcast_vip_key *key, const struct xdpcast_vip *vip)
{
	struct read_ctx *c = arg;
	struct model_vip *v;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), i;
	int fd, err;

	if (c->m->nvips >= MODEL_MAX_VIPS)
		return -ENOSPC;
	v = &c->m->vips[c->m->nvips++];
	v->key = *key;
	v->vip = *vip;
	v->table = NULL;
	err = read_table(c->w, v);
	if (err)
		return err;
	v->flow4 = xdpcast_dp_flow4(c->w->dp, key);
	fd = flow_table_fd(c->w, v);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.max_entries) {
		close(fd);
		return -EIO;
	}
	v->flow_sets = info.max_entries;
	v->flows = calloc(v->flow_sets, sizeof(*v->flows));
	for (i = 0; v->flows && i < v->flow_sets; i++)
		if (flow_set_read(v, fd, i, &v->flows[i]))
			break;
	close(fd);
	return v->flows && i == v->flow_sets ? 0 : -EIO;
}

/* The model's view: everything the program reads, through libbpf. */
static int read_state(struct world *w, struct model_state *m)
{
	struct read_ctx c = { w, m, 0 };
	__u32 id, ifindex, val;
	int err;

	memset(m, 0, sizeof(*m));
	m->attached_ifindex = w->skel->rodata->attached_ifindex;
	memcpy(m->attached_mac, (const void *)w->skel->rodata->attached_mac, 6);
	err = xdpcast_dp_get_seed(w->dp, &m->seed);
	/* the world writes ids below NBACKENDS only; beyond, all zero (down) as loaded */
	for (id = 0; !err && id < 64; id++)
		err = xdpcast_dp_get_backend(w->dp, id, &m->backends[id]);
	for (ifindex = 0; !err && ifindex < 64; ifindex++)
		m->egress[ifindex] = !bpf_map_lookup_elem(w->dp->egress, &ifindex, &val);
	return err ?: xdpcast_dp_for_each_vip(w->dp, read_vip, &c);
}

int world_load_random(struct world *w, struct rng *r, struct model_state *m)
{
	struct world_copy *c = &w->copies[rng_below(r, WORLD_COPIES)];
	int err;

	w->nvips = 0;
	w->skel = c->skel;
	w->dp = &c->dp;
	w->prog_fd = c->prog_fd;
	err = xdpcast_dp_set_seed(w->dp, (__u32)rng_next(r))
		      ?: xdpcast_dp_set_egress(w->dp, w->ifindex_out);
	if (!err && rng_pct(r, 50))
		err = xdpcast_dp_set_egress(w->dp, w->ifindex_in);
	else if (!err)
		xdpcast_dp_del_egress(w->dp, w->ifindex_in); /* -ENOENT when absent */
	err = err ?: random_backends(w, r) ?: random_vips(w, r);
	if (err)
		return err;
	random_clients(w, r);
	return read_state(w, m);
}

int world_change(struct world *w, struct rng *r, struct model_state *m)
{
	struct xdpcast_backend b;
	__u32 id, n = 1 + rng_below(r, 3), i;
	int err, vi;

	for (i = 0; i < n; i++) {
		id = rng_below(r, NBACKENDS);
		err = xdpcast_dp_get_backend(w->dp, id, &b);
		if (err)
			return err;
		/* mostly down: the flows the table knew there must move */
		b.state = rng_pct(r, 60) ? XDPCAST_BACKEND_DOWN : (__u8)(1 + rng_below(r, 2));
		err = xdpcast_dp_set_backend(w->dp, id, &b);
		if (err)
			return err;
		m->backends[id] = b;
	}
	/* as the agent does after a change: new tables, so known flows get repointed */
	for (vi = 0; vi < m->nvips; vi++) {
		if (!rng_pct(r, 60))
			continue;
		err = random_table(w, r, &m->vips[vi].key) ?: read_table(w, &m->vips[vi]);
		if (err)
			return err;
	}
	return 0;
}

int world_tear_flow(struct world *w, const struct model_state *m, int vi, __u32 set, int way)
{
	struct xdpcast_flow_set fs;
	int fd = flow_table_fd(w, &m->vips[vi]), err;

	if (fd < 0)
		return -ENOENT;
	fs = m->vips[vi].flows[set];
	fs.way[way].hash ^= 1;
	err = flow_set_write(&m->vips[vi], fd, set, &fs);
	close(fd);
	if (!err)
		m->vips[vi].flows[set].way[way].hash ^= 1;
	return err;
}

int world_read_flow_set(struct world *w, const struct model_state *m, int vi, __u32 set,
			struct xdpcast_flow_set *out)
{
	int fd = flow_table_fd(w, &m->vips[vi]), err;

	if (fd < 0)
		return -ENOENT;
	err = flow_set_read(&m->vips[vi], fd, set, out);
	close(fd);
	return err;
}

void world_unload(struct world *w, struct model_state *m)
{
	int i;

	for (i = 0; i < m->nvips; i++) {
		xdpcast_dp_del_vip(w->dp, &m->vips[i].key);
		free(m->vips[i].table);
		free(m->vips[i].flows);
	}
	m->nvips = 0;
}
