// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writers of the dataplane's maps and readers of its counters. A VIP's Maglev
 * table is double-buffered: the next table is written whole into a map of
 * its own (staged) while packets use the active one, then one update of the
 * VIP's entry in vip_tables flips them. The table's size is its map's size,
 * so a packet sees the old table or the new one, never a mix or a size that
 * does not match. The kernel frees a replaced table once no packet can still
 * see it. The VIP index is replaced whole the same way when VIPs change.
 */
#include "dataplane.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "xdpcast.skel.h"

/* clang-format off */
#define DP_MAP(name) { #name, offsetof(struct xdpcast_dp, name) }
/* clang-format on */

/* Every map of the dataplane: its pinned name and its fd in struct xdpcast_dp. */
static const struct {
	const char *name;
	size_t fd_offset;
} dp_maps[] = {
	DP_MAP(vips),	     DP_MAP(vip_index),	 DP_MAP(vip_tables),
	DP_MAP(flow_tables), DP_MAP(backends),	 DP_MAP(backend_owners),
	DP_MAP(egress),	     DP_MAP(stats_vips), DP_MAP(stats_backends),
};

#define DP_NMAPS (sizeof(dp_maps) / sizeof(dp_maps[0]))

const char *xdpcast_map_name(unsigned int i)
{
	return i < DP_NMAPS ? dp_maps[i].name : NULL;
}

static int *map_fd(struct xdpcast_dp *dp, unsigned int i)
{
	return (int *)((char *)dp + dp_maps[i].fd_offset);
}

static const char *const reason_names[] = {
	[XDPCAST_PASS_NOT_IP] = "pass_not_ip",
	[XDPCAST_PASS_MALFORMED] = "pass_malformed",
	[XDPCAST_PASS_NOT_VIP] = "pass_not_vip",
	[XDPCAST_PASS_TTL] = "pass_ttl",
	[XDPCAST_PASS_NO_BACKEND] = "pass_no_backend",
	[XDPCAST_PASS_NO_NEIGH] = "pass_no_neigh",
	[XDPCAST_PASS_NO_EGRESS] = "pass_no_egress",
	[XDPCAST_PASS_NO_HEADROOM] = "pass_no_headroom",
	[XDPCAST_TX] = "tx",
	[XDPCAST_REDIRECT] = "redirect",
	[XDPCAST_PASS_L2_BROADCAST] = "pass_l2_broadcast",
	[XDPCAST_PASS_L2_MULTICAST] = "pass_l2_multicast",
	[XDPCAST_PASS_L2_OTHERHOST] = "pass_l2_otherhost",
	[XDPCAST_PASS_BAD_LENGTH] = "pass_bad_length",
	[XDPCAST_PASS_MARTIAN] = "pass_martian",
	[XDPCAST_PASS_SOURCE_ROUTE] = "pass_source_route",
};
_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == XDPCAST_REASON_MAX,
	       "a name for every reason");

const char *xdpcast_reason_name(enum xdpcast_reason reason)
{
	return (unsigned int)reason < XDPCAST_REASON_MAX ? reason_names[reason] : "unknown";
}

/* Type ids for the inner maps' BTF, so bpftool prints their fields too. */
static void find_btf(struct xdpcast_dp *dp)
{
	static const char *const names[] = { "__u32", "xdpcast_vip_slot", "xdpcast_flow_set" };
	__u32 *ids[] = { &dp->btf_u32_id, &dp->btf_vip_slot_id, &dp->btf_flow_set_id };
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct btf *btf;
	unsigned int i;
	int id;

	if (bpf_obj_get_info_by_fd(dp->vips, &info, &len) || !info.btf_id)
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		id = btf__find_by_name(btf, names[i]);
		*ids[i] = id > 0 ? id : 0;
	}
	btf__free(btf);
	dp->btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
}

static void dp_reset(struct xdpcast_dp *dp, bool owns_fds)
{
	unsigned int i;

	memset(dp, 0, sizeof(*dp));
	for (i = 0; i < DP_NMAPS; i++)
		*map_fd(dp, i) = -1;
	for (i = 0; i < XDPCAST_MAX_VIPS; i++)
		dp->staged[i].fd = dp->active[i].fd = -1;
	dp->btf_fd = -1;
	dp->owns_fds = owns_fds;
}

static int dp_init_common(struct xdpcast_dp *dp)
{
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 0)
		return dp->ncpus;
	find_btf(dp);
	return 0;
}

int xdpcast_dp_from_object(struct xdpcast_dp *dp, struct bpf_object *obj)
{
	unsigned int i;

	dp_reset(dp, false);
	for (i = 0; i < DP_NMAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, dp_maps[i].name);
		int fd = m ? bpf_map__fd(m) : -ENOENT;

		if (fd < 0) {
			pr_warn("object has no loaded map '%s'\n", dp_maps[i].name);
			return fd;
		}
		*map_fd(dp, i) = fd;
	}
	return dp_init_common(dp);
}

/*
 * A pinned map must be the one this build's program declares: an older or
 * newer xdpcast may have left maps of another shape, and values written with
 * this build's sizes would be read wrong by its program (or refused).
 */
static int check_pinned(const char *path, int fd, const struct bpf_object *obj, const char *name)
{
	const struct bpf_map *want = bpf_object__find_map_by_name(obj, name);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!want)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		pr_warn("pinned map %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (info.type == (__u32)bpf_map__type(want) && info.key_size == bpf_map__key_size(want) &&
	    info.value_size == bpf_map__value_size(want) &&
	    info.max_entries == bpf_map__max_entries(want))
		return 0;
	pr_warn("pinned map %s is not this xdpcast's: type %u, key %u, value %u bytes, %u entries "
		"where this build has type %u, key %u, value %u bytes, %u entries (another "
		"version left it: start that version, or detach it and remove the pins)\n",
		path, info.type, info.key_size, info.value_size, info.max_entries,
		bpf_map__type(want), bpf_map__key_size(want), bpf_map__value_size(want),
		bpf_map__max_entries(want));
	return -EINVAL;
}

int xdpcast_dp_open_pinned(struct xdpcast_dp *dp, const char *pin_dir)
{
	struct xdpcast *skel = xdpcast__open(); /* the maps' shapes, nothing loaded */
	char path[PATH_MAX];
	unsigned int i;
	int fd, err;

	dp_reset(dp, true);
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(errno));
		return err;
	}
	for (i = 0; i < DP_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, dp_maps[i].name);
		fd = bpf_obj_get(path);
		err = fd < 0 ? -errno : 0;
		if (err)
			pr_warn("cannot open pinned map %s: %s\n", path, strerror(errno));
		else
			*map_fd(dp, i) = fd;
		if (!err)
			err = check_pinned(path, fd, skel->obj, dp_maps[i].name);
		if (err) {
			xdpcast__destroy(skel);
			xdpcast_dp_close(dp);
			return err;
		}
	}
	xdpcast__destroy(skel);
	err = dp_init_common(dp);
	if (err)
		xdpcast_dp_close(dp);
	return err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The kernel lays array values out 8-byte aligned, in the mmap view too. */
static size_t array_stride(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

/* Bytes of the mmap view of an array of @n values of @value_size. */
static size_t array_view_len(size_t value_size, __u32 n)
{
	size_t page = getpagesize();

	return ((size_t)n * array_stride(value_size) + page - 1) & ~(page - 1);
}

/* Forget a kept table: unmap its view and close its fd; the map itself lives
 * on as long as the VIP (or anything else) still holds it. */
static void table_drop(struct xdpcast_dp_table *t)
{
	if (t->mem)
		munmap(t->mem, array_view_len(sizeof(__u32), t->entries));
	close_fd(&t->fd);
	*t = (struct xdpcast_dp_table){ .fd = -1 };
}

static void drop_vip_tables(struct xdpcast_dp *dp, __u32 id)
{
	table_drop(&dp->staged[id]);
	table_drop(&dp->active[id]);
}

void xdpcast_dp_close(struct xdpcast_dp *dp)
{
	unsigned int i;

	close_fd(&dp->btf_fd);
	for (i = 0; i < XDPCAST_MAX_VIPS; i++)
		drop_vip_tables(dp, i);
	if (!dp->owns_fds)
		return;
	for (i = 0; i < DP_NMAPS; i++)
		close_fd(map_fd(dp, i));
}

static int update(int fd, const void *key, const void *value, __u64 flags, const char *what)
{
	if (bpf_map_update_elem(fd, key, value, flags))
		return log_err(-errno, what);
	return 0;
}

/* Zero entry @idx of the per-CPU array @fd, whose values are @value_size bytes. */
static int clear_percpu(struct xdpcast_dp *dp, int fd, __u32 idx, size_t value_size,
			const char *what)
{
	void *zero = calloc(dp->ncpus, (value_size + 7) & ~(size_t)7);
	int err;

	if (!zero)
		return -ENOMEM;
	err = update(fd, &idx, zero, BPF_ANY, what);
	free(zero);
	return err;
}

int xdpcast_dp_set_egress(struct xdpcast_dp *dp, __u32 ifindex)
{
	if (ifindex > XDPCAST_EGRESS_IFINDEX_MAX) {
		pr_warn("egress interface %u: ifindex above %u, the devmap's size\n", ifindex,
			XDPCAST_EGRESS_IFINDEX_MAX);
		return -ERANGE;
	}
	return update(dp->egress, &ifindex, &ifindex, BPF_ANY, "add egress interface");
}

int xdpcast_dp_del_egress(struct xdpcast_dp *dp, __u32 ifindex)
{
	if (bpf_map_delete_elem(dp->egress, &ifindex) && errno != ENOENT)
		return log_err(-errno, "remove egress interface");
	return 0;
}

int xdpcast_dp_set_owner(struct xdpcast_dp *dp, __u32 id, const struct xdpcast_backend_owner *o)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return update(dp->backend_owners, &id, o, BPF_ANY, "write backend owner");
}

int xdpcast_dp_get_owner(struct xdpcast_dp *dp, __u32 id, struct xdpcast_backend_owner *o)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return bpf_map_lookup_elem(dp->backend_owners, &id, o) ? -errno : 0;
}

int xdpcast_dp_for_each_vip(struct xdpcast_dp *dp,
			    int (*fn)(void *arg, const struct xdpcast_vip_key *key,
				      const struct xdpcast_vip *vip),
			    void *arg)
{
	struct xdpcast_vip_key key, next;
	struct xdpcast_vip vip;
	const void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(dp->vips, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dp->vips, &key, &vip))
			continue; /* deleted meanwhile */
		err = fn(arg, &key, &vip);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int xdpcast_dp_set_backend(struct xdpcast_dp *dp, __u32 id, const struct xdpcast_backend *b)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return update(dp->backends, &id, b, BPF_ANY, "write backend");
}

int xdpcast_dp_get_backend(struct xdpcast_dp *dp, __u32 id, struct xdpcast_backend *b)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return bpf_map_lookup_elem(dp->backends, &id, b) ? -errno : 0;
}

/* Copy @n values of @value_size into the array @fd through mmap: one copy
 * into the map's own memory instead of a syscall per entry. */
static int fill_array(int fd, __u32 value_size, const void *values, __u32 n)
{
	size_t stride = array_stride(value_size), len = array_view_len(value_size, n);
	__u8 *mem;
	__u32 i;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	if (stride == value_size) {
		memcpy(mem, values, (size_t)n * value_size);
	} else {
		for (i = 0; i < n; i++)
			memcpy(mem + (size_t)i * stride,
			       (const __u8 *)values + (size_t)i * value_size, value_size);
	}
	munmap(mem, len);
	return 0;
}

/* A new mmapable array of @n values of @value_size (with BTF when
 * @btf_value_id is known), all zero. Returns its fd. */
static int create_array(struct xdpcast_dp *dp, const char *name, __u32 value_size,
			__u32 btf_value_id, __u32 extra_flags, __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | extra_flags);
	int fd;

	if (dp->btf_fd >= 0 && dp->btf_u32_id && btf_value_id) {
		opts.btf_fd = dp->btf_fd;
		opts.btf_key_type_id = dp->btf_u32_id;
		opts.btf_value_type_id = btf_value_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), value_size, n, &opts);
	return fd < 0 ? -errno : fd;
}

/* create_array() filled with @values. */
static int create_filled_array(struct xdpcast_dp *dp, const char *name, __u32 value_size,
			       __u32 btf_value_id, __u32 extra_flags, const void *values, __u32 n)
{
	int fd, err;

	fd = create_array(dp, name, value_size, btf_value_id, extra_flags, n);
	if (fd < 0)
		return fd;
	err = fill_array(fd, value_size, values, n);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static __u8 key_shape(const struct xdpcast_vip_key *key)
{
	if (key->port)
		return XDPCAST_SHAPE_PORT;
	return key->proto ? XDPCAST_SHAPE_PROTO : XDPCAST_SHAPE_ADDR;
}

static __u32 key_slot(const struct xdpcast_vip_key *key)
{
	return xdpcast_vip_index_slot(key->addr[0], key->addr[1], key->addr[2], key->addr[3]);
}

/*
 * Build the VIP index from the VIPs in `vips` and swap it in. A slot names
 * its VIP directly when it holds exactly one key and that key has no port.
 * VIPs change rarely; a whole new index keeps every packet on one version.
 */
static int build_vip_index(struct xdpcast_dp *dp, __u32 seed)
{
	struct xdpcast_vip_key key, *prev = NULL;
	struct xdpcast_vip_slot *slots, *s;
	struct xdpcast_vip vip;
	__u8 *keys_in_slot;
	__u32 i, zero = 0;
	int fd, err = 0;

	slots = calloc(XDPCAST_VIP_INDEX_SLOTS, sizeof(*slots));
	keys_in_slot = calloc(XDPCAST_VIP_INDEX_SLOTS, 1);
	if (!slots || !keys_in_slot) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < XDPCAST_VIP_INDEX_SLOTS; i++) {
		slots[i].direct_id = XDPCAST_VIP_DIRECT_NONE;
		slots[i].hash_seed = seed;
	}
	while (!bpf_map_get_next_key(dp->vips, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(dp->vips, &key, &vip))
			continue; /* removed meanwhile: we are the only writer, cannot happen */
		s = &slots[key_slot(&key)];
		s->shapes |= key_shape(&key);
		if (++keys_in_slot[key_slot(&key)] == 1 && !key.port) {
			memcpy(s->addr, key.addr, sizeof(s->addr));
			s->proto = key.proto;
			s->direct_id = vip.id;
			s->direct_flags = vip.flags;
		} else {
			s->direct_id = XDPCAST_VIP_DIRECT_NONE;
			s->direct_flags = 0;
		}
	}
	fd = create_filled_array(dp, "vip_index_slots", sizeof(*slots), dp->btf_vip_slot_id, 0,
				 slots, XDPCAST_VIP_INDEX_SLOTS);
	if (fd < 0) {
		err = log_err(fd, "create VIP index");
		goto out;
	}
	err = update(dp->vip_index, &zero, &fd, BPF_ANY, "install VIP index");
	close(fd);
out:
	free(slots);
	free(keys_in_slot);
	return err;
}

int xdpcast_dp_get_seed(struct xdpcast_dp *dp, __u32 *seed)
{
	struct xdpcast_vip_slot slot;
	__u32 zero = 0, map_id;
	int fd, err;

	*seed = 0;
	if (bpf_map_lookup_elem(dp->vip_index, &zero, &map_id))
		return errno == ENOENT ? 0 : -errno; /* no index yet: seed 0 */
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	err = bpf_map_lookup_elem(fd, &zero, &slot) ? -errno : 0;
	close(fd);
	if (!err)
		*seed = slot.hash_seed;
	return err;
}

int xdpcast_dp_set_seed(struct xdpcast_dp *dp, __u32 seed)
{
	return build_vip_index(dp, seed);
}

/* A new VIP index for the VIPs now in `vips`, keeping the seed. */
static int rebuild_vip_index(struct xdpcast_dp *dp)
{
	__u32 seed;
	int err = xdpcast_dp_get_seed(dp, &seed);

	return err ? log_err(err, "read hash seed") : build_vip_index(dp, seed);
}

static bool vip_key_valid(const struct xdpcast_vip_key *key)
{
	return !key->pad && !(key->port && !key->proto);
}

int xdpcast_dp_get_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
		       struct xdpcast_vip *vip)
{
	return bpf_map_lookup_elem(dp->vips, key, vip) ? -errno : 0;
}

static void clear_slot(int fd, __u32 idx)
{
	bpf_map_delete_elem(fd, &idx); /* an empty slot is already what we want */
}

int xdpcast_dp_add_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 id,
		       __u32 flow_table_size)
{
	struct xdpcast_vip vip = { .id = id };
	int err;

	if (!vip_key_valid(key) || id >= XDPCAST_MAX_VIPS)
		return -EINVAL;
	/* a previous user of this id may have left tables and counts behind */
	clear_slot(dp->vip_tables, id);
	clear_slot(dp->flow_tables, id);
	drop_vip_tables(dp, id);
	clear_percpu(dp, dp->stats_vips, id, sizeof(struct xdpcast_vip_counters),
		     "clear VIP counters");
	if (bpf_map_update_elem(dp->vips, key, &vip, BPF_NOEXIST))
		return errno == EEXIST ? -EEXIST : log_err(-errno, "add VIP");
	/* either way the VIP index is rebuilt once, with the VIP in it */
	err = flow_table_size ? xdpcast_dp_set_flow_table(dp, key, flow_table_size)
			      : rebuild_vip_index(dp);
	if (err)
		xdpcast_dp_del_vip(dp, key);
	return err;
}

int xdpcast_dp_del_vip(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	struct xdpcast_vip vip;
	int err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	if (bpf_map_delete_elem(dp->vips, key))
		return log_err(-errno, "remove VIP");
	err = rebuild_vip_index(dp);
	clear_slot(dp->vip_tables, vip.id);
	clear_slot(dp->flow_tables, vip.id);
	drop_vip_tables(dp, vip.id);
	return err;
}

/* Set or clear the VIP's flow-table flag, in `vips` and in its index slot. */
static int set_vip_flags(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			 struct xdpcast_vip *vip, __u32 flags)
{
	int err;

	if (vip->flags == flags)
		return 0;
	vip->flags = flags;
	err = update(dp->vips, key, vip, BPF_EXIST, "write VIP flags");
	return err ? err : rebuild_vip_index(dp);
}

int xdpcast_dp_set_flow_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	__u32 sets = (size + XDPCAST_FLOW_WAYS - 1) / XDPCAST_FLOW_WAYS;
	struct xdpcast_vip vip;
	int err, fd;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	if (!size) {
		/* the flag goes first: no packet looks for the table once it is gone */
		err = set_vip_flags(dp, key, &vip, vip.flags & ~XDPCAST_VIP_F_FLOW_TABLE);
		clear_slot(dp->flow_tables, vip.id);
		return err;
	}
	if (dp->btf_fd >= 0 && dp->btf_u32_id && dp->btf_flow_set_id) {
		opts.btf_fd = dp->btf_fd;
		opts.btf_key_type_id = dp->btf_u32_id;
		opts.btf_value_type_id = dp->btf_flow_set_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vip_flows", sizeof(__u32),
			    sizeof(struct xdpcast_flow_set), sets, &opts);
	if (fd < 0)
		return log_err(-errno, "create flow table");
	err = update(dp->flow_tables, &vip.id, &fd, BPF_ANY, "install flow table");
	close(fd);
	return err ? err : set_vip_flags(dp, key, &vip, vip.flags | XDPCAST_VIP_F_FLOW_TABLE);
}

/* Size of the inner map at @idx of the array of maps @outer_fd, or a negative errno. */
static long inner_map_entries(int outer_fd, __u32 idx)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), map_id;
	int fd, err;

	if (bpf_map_lookup_elem(outer_fd, &idx, &map_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	return err ? err : (long)info.max_entries;
}

/* Entries of the VIP's inner map in the array of maps @outer_fd (0: none). */
static long vip_inner_entries(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			      int outer_fd)
{
	struct xdpcast_vip vip;
	long entries;
	int err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	entries = inner_map_entries(outer_fd, vip.id);
	return entries == -ENOENT ? 0 : entries;
}

long xdpcast_dp_table_size(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	return vip_inner_entries(dp, key, dp->vip_tables);
}

long xdpcast_dp_read_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 *slots,
			   __u32 max)
{
	size_t page = getpagesize(), stride = array_stride(sizeof(__u32)), len;
	struct xdpcast_vip vip;
	__u32 map_id, i;
	long size;
	__u8 *mem;
	int fd, err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	if (bpf_map_lookup_elem(dp->vip_tables, &vip.id, &map_id))
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	size = inner_map_entries(dp->vip_tables, vip.id);
	if (size < 0 || size > (long)max) {
		close(fd);
		return size < 0 ? size : -ENOSPC;
	}
	len = ((size_t)size * stride + page - 1) & ~(page - 1);
	mem = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED)
		return -errno;
	for (i = 0; i < (__u32)size; i++)
		memcpy(&slots[i], mem + (size_t)i * stride, sizeof(__u32));
	munmap(mem, len);
	return size;
}

long xdpcast_dp_flow_table_size(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	long sets = vip_inner_entries(dp, key, dp->flow_tables);

	return sets < 0 ? sets : sets * XDPCAST_FLOW_WAYS;
}

/* Map the kept table @t for writing unless it is already; learns its id and size. */
static int table_map(struct xdpcast_dp_table *t)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *mem;

	if (t->mem)
		return 0;
	if (bpf_obj_get_info_by_fd(t->fd, &info, &len))
		return -errno;
	mem = mmap(NULL, array_view_len(sizeof(__u32), info.max_entries), PROT_READ | PROT_WRITE,
		   MAP_SHARED, t->fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	t->mem = mem;
	t->map_id = info.id;
	t->entries = info.max_entries;
	return 0;
}

/* Write the slots of the mapped table @t. */
static void table_fill(const struct xdpcast_dp_table *t, const __u32 *slots)
{
	__u64 *mem = t->mem;
	__u32 i;

	/* a slot every 8 bytes (array_stride()), one 8-byte store each: the
	 * kernel zeroed the padding and never reads it */
	for (i = 0; i < t->entries; i++)
		mem[i] = slots[i];
}

int xdpcast_dp_stage_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			   const __u32 *slots, __u32 size)
{
	struct xdpcast_dp_table *t, fresh = { .fd = -1 };
	struct xdpcast_vip vip;
	__u32 i;
	int err;

	if (!slots || size == 0 || size > XDPCAST_TABLE_SIZE_MAX)
		return -EINVAL;
	for (i = 0; i < size; i++)
		if (slots[i] >= XDPCAST_MAX_BACKENDS)
			return -EINVAL;
	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	/*
	 * The table flipped out last time is reused when its size fits. A packet
	 * that still reads it (it looked it up just before the flip) may take a
	 * slot of the new table: a current backend either way. Its view stays
	 * mapped from one refill to the next.
	 */
	t = &dp->staged[vip.id];
	if (t->fd >= 0 && !table_map(t) && t->entries == size) {
		table_fill(t, slots);
		return 0;
	}
	fresh.fd =
		create_array(dp, "vip_table", sizeof(__u32), dp->btf_u32_id, BPF_F_INNER_MAP, size);
	err = fresh.fd < 0 ? fresh.fd : table_map(&fresh);
	if (err) {
		table_drop(&fresh);
		return log_err(err, "create VIP table");
	}
	table_fill(&fresh, slots);
	table_drop(t);
	*t = fresh;
	return 0;
}

int xdpcast_dp_flip_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	struct xdpcast_dp_table *staged, *active, out = { .fd = -1 };
	struct xdpcast_vip vip;
	__u32 active_id;
	int err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	staged = &dp->staged[vip.id];
	active = &dp->active[vip.id];
	if (staged->fd < 0)
		return -ENOENT;
	/* the table flipped out becomes the staged one: flipping again goes back */
	if (!bpf_map_lookup_elem(dp->vip_tables, &vip.id, &active_id)) {
		out.fd = bpf_map_get_fd_by_id(active_id);
		out.map_id = out.fd >= 0 ? active_id : 0;
	}
	/* most of a flip's time: the kernel returns from an update of a map of
	 * maps once the programs that could see the old value are done */
	err = update(dp->vip_tables, &vip.id, &staged->fd, BPF_ANY, "flip VIP table");
	if (err) {
		close_fd(&out.fd);
		return err;
	}
	/* its view comes along if it is the table flipped in here last (our view
	 * holds that map: its id cannot have gone to another one) */
	if (out.map_id && active->mem && active->map_id == out.map_id) {
		out.mem = active->mem;
		out.entries = active->entries;
		active->mem = NULL;
	}
	table_drop(active); /* a view of a table someone else flipped out */
	*active = *staged;
	active->fd = -1;
	close_fd(&staged->fd);
	*staged = out;
	return 0;
}

int xdpcast_dp_write_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			   const __u32 *slots, __u32 size)
{
	struct xdpcast_vip vip;
	int err;

	if (size == 0) {
		err = xdpcast_dp_get_vip(dp, key, &vip);
		if (err)
			return err;
		drop_vip_tables(dp, vip.id);
		clear_slot(dp->vip_tables, vip.id);
		return 0;
	}
	err = xdpcast_dp_stage_table(dp, key, slots, size);
	return err ? err : xdpcast_dp_flip_table(dp, key);
}

/* Per-CPU values of @fd at @idx, summed into @out (@n counters each). */
static int read_percpu_counters(struct xdpcast_dp *dp, int fd, __u32 idx,
				struct xdpcast_counter *out, size_t n)
{
	struct xdpcast_counter *percpu;
	size_t i;
	int cpu, err = 0;

	percpu = calloc((size_t)dp->ncpus * n, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, n * sizeof(*out));
	if (bpf_map_lookup_elem(fd, &idx, percpu)) {
		err = -errno;
	} else {
		for (cpu = 0; cpu < dp->ncpus; cpu++) {
			for (i = 0; i < n; i++) {
				out[i].packets += percpu[cpu * n + i].packets;
				out[i].bytes += percpu[cpu * n + i].bytes;
			}
		}
	}
	free(percpu);
	return err;
}

int xdpcast_dp_read_vip_row(struct xdpcast_dp *dp, __u32 row, struct xdpcast_vip_counters *out)
{
	if (row >= XDPCAST_STATS_ROWS)
		return -EINVAL;
	return read_percpu_counters(dp, dp->stats_vips, row, out->reason, XDPCAST_REASON_MAX);
}

int xdpcast_dp_read_stats(struct xdpcast_dp *dp, struct xdpcast_vip_counters *rows)
{
	size_t per_row = XDPCAST_REASON_MAX, n = (size_t)dp->ncpus * per_row;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct xdpcast_counter *values;
	__u32 keys[XDPCAST_STATS_ROWS], count = XDPCAST_STATS_ROWS, batch, i, r;
	size_t cpu;
	int err;

	values = calloc((size_t)XDPCAST_STATS_ROWS * n, sizeof(*values));
	if (!values)
		return -ENOMEM;
	/* the whole map in one call: a per-CPU value per row */
	err = bpf_map_lookup_batch(dp->stats_vips, NULL, &batch, keys, values, &count, &opts);
	if (err && err != -ENOENT) {
		free(values);
		return log_err(err, "read VIP counters");
	}
	memset(rows, 0, XDPCAST_STATS_ROWS * sizeof(*rows));
	for (i = 0; i < count; i++) {
		if (keys[i] >= XDPCAST_STATS_ROWS)
			continue;
		for (cpu = 0; cpu < (size_t)dp->ncpus; cpu++) {
			for (r = 0; r < per_row; r++) {
				const struct xdpcast_counter *c =
					&values[i * n + cpu * per_row + r];

				rows[keys[i]].reason[r].packets += c->packets;
				rows[keys[i]].reason[r].bytes += c->bytes;
			}
		}
	}
	free(values);
	return 0;
}

int xdpcast_dp_read_reason(struct xdpcast_dp *dp, enum xdpcast_reason reason,
			   struct xdpcast_counter *out)
{
	struct xdpcast_vip_counters *rows;
	__u32 r;
	int err;

	if ((unsigned int)reason >= XDPCAST_REASON_MAX)
		return -EINVAL;
	rows = calloc(XDPCAST_STATS_ROWS, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	err = xdpcast_dp_read_stats(dp, rows);
	memset(out, 0, sizeof(*out));
	for (r = 0; !err && r < XDPCAST_STATS_ROWS; r++) {
		out->packets += rows[r].reason[reason].packets;
		out->bytes += rows[r].reason[reason].bytes;
	}
	free(rows);
	return err;
}

int xdpcast_dp_read_vip_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	struct xdpcast_vip_counters row;
	int r, err;

	if (id >= XDPCAST_MAX_VIPS)
		return -EINVAL;
	err = xdpcast_dp_read_vip_row(dp, id, &row);
	memset(out, 0, sizeof(*out));
	for (r = 0; !err && r < XDPCAST_REASON_MAX; r++) {
		out->packets += row.reason[r].packets;
		out->bytes += row.reason[r].bytes;
	}
	return err;
}

int xdpcast_dp_clear_backend_stats(struct xdpcast_dp *dp, __u32 id)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return clear_percpu(dp, dp->stats_backends, id, sizeof(struct xdpcast_counter),
			    "clear backend counters");
}

int xdpcast_dp_read_backend_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	if (id >= XDPCAST_MAX_BACKENDS)
		return -EINVAL;
	return read_percpu_counters(dp, dp->stats_backends, id, out, 1);
}

int xdpcast_vip_key_from_str(struct xdpcast_vip_key *key, const char *addr, __u8 proto, __u16 port)
{
	struct in_addr v4;

	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		key->addr[2] = htonl(0xffff);
		key->addr[3] = v4.s_addr;
	} else if (inet_pton(AF_INET6, addr, key->addr) != 1) {
		return -EINVAL;
	}
	if (port && !proto)
		return -EINVAL;
	key->proto = proto;
	key->port = htons(port);
	return 0;
}
