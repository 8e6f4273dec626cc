// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writers of the dataplane's maps: VIPs and the VIP index, Maglev tables,
 * flow tables, backends, owners, egress devmap, hash seed. A VIP's Maglev
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
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "dataplane_impl.h"
#include "log.h"

static int update(int fd, const void *key, const void *value, __u64 flags, const char *what)
{
	if (bpf_map_update_elem(fd, key, value, flags))
		return log_err(-errno, what);
	return 0;
}

int dp_clear_percpu(struct xdpcast_dp *dp, int fd, __u32 idx, size_t value_size, const char *what)
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
	size_t stride = dp_array_stride(value_size), len = dp_array_view_len(value_size, n);
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
	clear_slot(dp->flow_tables4, id);
	dp_drop_vip_tables(dp, id);
	dp_clear_percpu(dp, dp->stats_vips, id, sizeof(struct xdpcast_vip_counters),
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
	clear_slot(dp->flow_tables4, vip.id);
	dp_drop_vip_tables(dp, vip.id);
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

bool xdpcast_dp_flow4(const struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	return dp->flow_tables4 >= 0 && !key->addr[0] && !key->addr[1] &&
	       key->addr[2] == htonl(0xffff);
}

/* Where a flow table goes: its outer map, value and BTF type. */
struct flow_layout {
	int outer;
	__u32 value_size;
	__u32 btf_value_id;
};

static struct flow_layout flow_layout(const struct xdpcast_dp *dp,
				      const struct xdpcast_vip_key *key)
{
	if (xdpcast_dp_flow4(dp, key))
		return (struct flow_layout){ dp->flow_tables4, sizeof(struct xdpcast_flow_set4),
					     dp->btf_flow_set4_id };
	return (struct flow_layout){ dp->flow_tables, sizeof(struct xdpcast_flow_set),
				     dp->btf_flow_set_id };
}

/* A new, empty flow table of @sets sets of layout @l with @flags; its fd. */
static int create_flow_table(struct xdpcast_dp *dp, const struct flow_layout *l, __u32 sets,
			     __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd;

	if (dp->btf_fd >= 0 && dp->btf_u32_id && l->btf_value_id) {
		opts.btf_fd = dp->btf_fd;
		opts.btf_key_type_id = dp->btf_u32_id;
		opts.btf_value_type_id = l->btf_value_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vip_flows", sizeof(__u32), l->value_size, sets,
			    &opts);
	return fd < 0 ? log_err(-errno, "create flow table") : fd;
}

/*
 * Install a flow table of @sets sets of layout @l for VIP @id. Mmapable for
 * its layout, not for mmap: the kernel then starts the sets on a page, each
 * on whole cache lines (bpf/lib/maps.h). A `flow_tables` pinned by a version
 * before that takes only tables without the flag (the kernel compares an
 * inner map's flags with the pinned map's template): such a table is made
 * then.
 */
static int install_flow_table(struct xdpcast_dp *dp, const struct flow_layout *l, __u32 id,
			      __u32 sets)
{
	static const __u32 flags[] = { BPF_F_INNER_MAP | BPF_F_MMAPABLE, BPF_F_INNER_MAP };
	int err = -EINVAL, fd;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]) && err == -EINVAL; i++) {
		fd = create_flow_table(dp, l, sets, flags[i]);
		if (fd < 0)
			return fd;
		err = bpf_map_update_elem(l->outer, &id, &fd, BPF_ANY) ? -errno : 0;
		close(fd);
		if (!err && i)
			pr_warn("flow_tables was pinned by an older version: flow sets not "
				"aligned on cache lines (remove the pins to upgrade)\n");
	}
	return err ? log_err(err, "install flow table") : 0;
}

int xdpcast_dp_set_flow_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 size)
{
	__u32 sets = (size + XDPCAST_FLOW_WAYS - 1) / XDPCAST_FLOW_WAYS;
	struct flow_layout l = flow_layout(dp, key);
	struct xdpcast_vip vip;
	int err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	if (!size) {
		/* the flag goes first: no packet looks for the table once it is gone */
		err = set_vip_flags(dp, key, &vip, vip.flags & ~XDPCAST_VIP_F_FLOW_TABLE);
		clear_slot(dp->flow_tables, vip.id);
		clear_slot(dp->flow_tables4, vip.id);
		return err;
	}
	err = install_flow_table(dp, &l, vip.id, sets);
	/* an IPv4 VIP's table of an older version's layout (its program attached
	 * beside this one's, on pins it made): no program of this version reads
	 * it, and its flows are not carried over */
	if (!err && l.outer != dp->flow_tables && !bpf_map_delete_elem(dp->flow_tables, &vip.id))
		pr_warn("VIP id %u: its flow table of an older version's layout (32-byte IPv4 "
			"flows, in flow_tables) replaced by a new one in flow_tables4: its flows "
			"are chosen again by the Maglev table\n",
			vip.id);
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
	size_t page = getpagesize(), stride = dp_array_stride(sizeof(__u32)), len;
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
	long sets = vip_inner_entries(dp, key, flow_layout(dp, key).outer);

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
	mem = mmap(NULL, dp_array_view_len(sizeof(__u32), info.max_entries), PROT_READ | PROT_WRITE,
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

	/* a slot every 8 bytes (dp_array_stride()), one 8-byte store each: the
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
		dp_table_drop(&fresh);
		return log_err(err, "create VIP table");
	}
	table_fill(&fresh, slots);
	dp_table_drop(t);
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
		dp_close_fd(&out.fd);
		return err;
	}
	/* its view comes along if it is the table flipped in here last (our view
	 * holds that map: its id cannot have gone to another one) */
	if (out.map_id && active->mem && active->map_id == out.map_id) {
		out.mem = active->mem;
		out.entries = active->entries;
		active->mem = NULL;
	}
	dp_table_drop(active); /* a view of a table someone else flipped out */
	*active = *staged;
	active->fd = -1;
	dp_close_fd(&staged->fd);
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
		dp_drop_vip_tables(dp, vip.id);
		clear_slot(dp->vip_tables, vip.id);
		return 0;
	}
	err = xdpcast_dp_stage_table(dp, key, slots, size);
	return err ? err : xdpcast_dp_flip_table(dp, key);
}

int xdpcast_vip_key_from_str(struct xdpcast_vip_key *key, const char *addr, __u8 proto, __u16 port)
{
	struct addr a;

	memset(key, 0, sizeof(*key));
	if (!addr_parse(&a, addr))
		return -EINVAL;
	memcpy(key->addr, &a.addr, sizeof(key->addr));
	if (port && !proto)
		return -EINVAL;
	key->proto = proto;
	key->port = htons(port);
	return 0;
}
