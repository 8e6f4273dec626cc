// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writers of the dataplane's maps and readers of its counters. A VIP's Maglev
 * table is double-buffered: a new table is created, filled through mmap and
 * installed in the VIP's inactive slot of vip_tables, then one replace of the
 * VIP's value flips `active` and `table_size` together, so a packet sees
 * either the old table or the new one, never a mix or a size that does not
 * match its table. A replaced table is freed by the kernel after every packet
 * that could still see it is done.
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

/* clang-format off */
#define DP_MAP(name) { #name, offsetof(struct xdpcast_dp, name) }
/* clang-format on */

/* Every map of the dataplane: its pinned name and its fd in struct xdpcast_dp. */
static const struct {
	const char *name;
	size_t fd_offset;
} dp_maps[] = {
	DP_MAP(vips),	    DP_MAP(vip_filter),	    DP_MAP(vip_tables), DP_MAP(flow_tables),
	DP_MAP(backends),   DP_MAP(egress),	    DP_MAP(settings),	DP_MAP(stats_reasons),
	DP_MAP(stats_vips), DP_MAP(stats_backends),
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
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct btf *btf;
	int id;

	dp->btf_fd = -1;
	dp->btf_flow_key_id = dp->btf_u32_id = 0;
	if (bpf_obj_get_info_by_fd(dp->vips, &info, &len) || !info.btf_id)
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "xdpcast_flow_key", BTF_KIND_STRUCT);
	dp->btf_flow_key_id = id > 0 ? id : 0;
	id = btf__find_by_name_kind(btf, "__u32", BTF_KIND_TYPEDEF);
	dp->btf_u32_id = id > 0 ? id : 0;
	btf__free(btf);
	dp->btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
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

	memset(dp, 0, sizeof(*dp));
	for (i = 0; i < DP_NMAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, dp_maps[i].name);
		int fd = m ? bpf_map__fd(m) : -ENOENT;

		if (fd < 0) {
			pr_warn("object has no loaded map '%s'\n", dp_maps[i].name);
			return fd;
		}
		*map_fd(dp, i) = fd;
	}
	dp->owns_fds = false;
	return dp_init_common(dp);
}

int xdpcast_dp_open_pinned(struct xdpcast_dp *dp, const char *pin_dir)
{
	char path[PATH_MAX];
	unsigned int i;
	int fd, err;

	memset(dp, 0, sizeof(*dp));
	for (i = 0; i < DP_NMAPS; i++)
		*map_fd(dp, i) = -1;
	dp->owns_fds = true;
	dp->btf_fd = -1;
	for (i = 0; i < DP_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, dp_maps[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			pr_warn("cannot open pinned map %s: %s\n", path, strerror(errno));
			xdpcast_dp_close(dp);
			return err;
		}
		*map_fd(dp, i) = fd;
	}
	err = dp_init_common(dp);
	if (err)
		xdpcast_dp_close(dp);
	return err;
}

void xdpcast_dp_close(struct xdpcast_dp *dp)
{
	unsigned int i;

	if (dp->btf_fd >= 0)
		close(dp->btf_fd);
	dp->btf_fd = -1;
	if (!dp->owns_fds)
		return;
	for (i = 0; i < DP_NMAPS; i++) {
		int *fd = map_fd(dp, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

static int update(int fd, const void *key, const void *value, __u64 flags, const char *what)
{
	if (bpf_map_update_elem(fd, key, value, flags))
		return log_err(-errno, what);
	return 0;
}

int xdpcast_dp_set_seed(struct xdpcast_dp *dp, __u32 seed)
{
	struct xdpcast_config cfg = { .hash_seed = seed };
	__u32 zero = 0;

	return update(dp->settings, &zero, &cfg, BPF_ANY, "set hash seed");
}

int xdpcast_dp_set_egress(struct xdpcast_dp *dp, __u32 ifindex)
{
	return update(dp->egress, &ifindex, &ifindex, BPF_ANY, "add egress interface");
}

int xdpcast_dp_del_egress(struct xdpcast_dp *dp, __u32 ifindex)
{
	if (bpf_map_delete_elem(dp->egress, &ifindex) && errno != ENOENT)
		return log_err(-errno, "remove egress interface");
	return 0;
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

static __u8 key_shape(const struct xdpcast_vip_key *key)
{
	if (key->port)
		return XDPCAST_SHAPE_PORT;
	return key->proto ? XDPCAST_SHAPE_PROTO : XDPCAST_SHAPE_ADDR;
}

static __u32 key_slot(const struct xdpcast_vip_key *key)
{
	return xdpcast_vip_filter_slot(key->addr[0], key->addr[1], key->addr[2], key->addr[3]);
}

/* Recompute one filter slot from the VIPs present (a handful: a full walk is fine). */
static int refresh_filter_slot(struct xdpcast_dp *dp, __u32 slot)
{
	struct xdpcast_vip_key key, *prev = NULL;
	struct xdpcast_vip_filter *filter;
	__u8 shapes = 0;
	__u32 zero = 0;
	int err;

	while (!bpf_map_get_next_key(dp->vips, prev, &key)) {
		if (key_slot(&key) == slot)
			shapes |= key_shape(&key);
		prev = &key;
	}
	filter = malloc(sizeof(*filter));
	if (!filter)
		return -ENOMEM;
	err = bpf_map_lookup_elem(dp->vip_filter, &zero, filter) ? -errno : 0;
	if (!err && filter->shapes[slot] != shapes) {
		filter->shapes[slot] = shapes;
		err = update(dp->vip_filter, &zero, filter, BPF_ANY, "write VIP filter");
	}
	free(filter);
	return err;
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
	/* a previous user of this id may have left tables behind */
	clear_slot(dp->vip_tables, 2 * id);
	clear_slot(dp->vip_tables, 2 * id + 1);
	clear_slot(dp->flow_tables, id);
	if (bpf_map_update_elem(dp->vips, key, &vip, BPF_NOEXIST))
		return errno == EEXIST ? -EEXIST : log_err(-errno, "add VIP");
	err = refresh_filter_slot(dp, key_slot(key));
	if (!err && flow_table_size)
		err = xdpcast_dp_set_flow_table(dp, key, flow_table_size);
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
	err = refresh_filter_slot(dp, key_slot(key));
	clear_slot(dp->vip_tables, 2 * vip.id);
	clear_slot(dp->vip_tables, 2 * vip.id + 1);
	clear_slot(dp->flow_tables, vip.id);
	return err;
}

static int create_flow_table(struct xdpcast_dp *dp, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	if (dp->btf_fd >= 0 && dp->btf_flow_key_id && dp->btf_u32_id) {
		opts.btf_fd = dp->btf_fd;
		opts.btf_key_type_id = dp->btf_flow_key_id;
		opts.btf_value_type_id = dp->btf_u32_id;
	}
	return bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "vip_flows", sizeof(struct xdpcast_flow_key),
			      sizeof(__u32), size, &opts);
}

int xdpcast_dp_set_flow_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key, __u32 size)
{
	struct xdpcast_vip vip;
	int err, fd;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	if (!size) {
		/* the flag goes first: no packet looks for the table once it is gone */
		vip.flags &= ~XDPCAST_VIP_F_FLOW_TABLE;
		err = update(dp->vips, key, &vip, BPF_EXIST, "disable flow table");
		clear_slot(dp->flow_tables, vip.id);
		return err;
	}
	fd = create_flow_table(dp, size);
	if (fd < 0)
		return log_err(-errno, "create flow table");
	err = update(dp->flow_tables, &vip.id, &fd, BPF_ANY, "install flow table");
	close(fd);
	if (err)
		return err;
	vip.flags |= XDPCAST_VIP_F_FLOW_TABLE;
	return update(dp->vips, key, &vip, BPF_EXIST, "enable flow table");
}

/* The kernel lays array values out 8-byte aligned, in the mmap view too. */
#define ARRAY_ELEM_SIZE 8

static int create_table(struct xdpcast_dp *dp, const __u32 *slots, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	size_t page = getpagesize();
	size_t len = ((size_t)size * ARRAY_ELEM_SIZE + page - 1) & ~(page - 1);
	__u8 *mem;
	__u32 i;
	int fd;

	if (dp->btf_fd >= 0 && dp->btf_u32_id) {
		opts.btf_fd = dp->btf_fd;
		opts.btf_key_type_id = dp->btf_u32_id;
		opts.btf_value_type_id = dp->btf_u32_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vip_table", sizeof(__u32), sizeof(__u32), size,
			    &opts);
	if (fd < 0)
		return -errno;
	/* one copy into the map's own memory instead of a syscall per slot */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	for (i = 0; i < size; i++)
		memcpy(mem + (size_t)i * ARRAY_ELEM_SIZE, &slots[i], sizeof(slots[i]));
	munmap(mem, len);
	return fd;
}

int xdpcast_dp_stage_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key,
			   const __u32 *slots, __u32 size)
{
	struct xdpcast_vip vip;
	__u32 i, idx;
	int err, fd;

	if (!slots || size == 0 || size > XDPCAST_TABLE_SIZE_MAX)
		return -EINVAL;
	for (i = 0; i < size; i++)
		if (slots[i] >= XDPCAST_MAX_BACKENDS)
			return -EINVAL;
	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	fd = create_table(dp, slots, size);
	if (fd < 0)
		return log_err(fd, "create VIP table");
	idx = 2 * vip.id + !vip.active;
	err = update(dp->vip_tables, &idx, &fd, BPF_ANY, "install VIP table");
	close(fd);
	return err;
}

/* Slots of the table installed at @idx of vip_tables, or a negative errno. */
static long staged_size(struct xdpcast_dp *dp, __u32 idx)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), map_id;
	int fd, err;

	if (bpf_map_lookup_elem(dp->vip_tables, &idx, &map_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	return err ? err : (long)info.max_entries;
}

int xdpcast_dp_flip_table(struct xdpcast_dp *dp, const struct xdpcast_vip_key *key)
{
	struct xdpcast_vip vip;
	long size;
	int err;

	err = xdpcast_dp_get_vip(dp, key, &vip);
	if (err)
		return err;
	size = staged_size(dp, 2 * vip.id + !vip.active);
	if (size < 0)
		return size == -ENOENT ? -ENOENT : log_err(size, "read staged VIP table");
	vip.active = !vip.active;
	vip.table_size = size;
	return update(dp->vips, key, &vip, BPF_EXIST, "flip VIP table");
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
		vip.table_size = 0;
		return update(dp->vips, key, &vip, BPF_EXIST, "empty VIP table");
	}
	err = xdpcast_dp_stage_table(dp, key, slots, size);
	return err ? err : xdpcast_dp_flip_table(dp, key);
}

static int read_counter(struct xdpcast_dp *dp, int fd, __u32 idx, struct xdpcast_counter *out)
{
	struct xdpcast_counter *percpu;
	int i, err = 0;

	percpu = calloc(dp->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	out->packets = out->bytes = 0;
	if (bpf_map_lookup_elem(fd, &idx, percpu)) {
		err = -errno;
	} else {
		for (i = 0; i < dp->ncpus; i++) {
			out->packets += percpu[i].packets;
			out->bytes += percpu[i].bytes;
		}
	}
	free(percpu);
	return err;
}

int xdpcast_dp_read_reason(struct xdpcast_dp *dp, enum xdpcast_reason reason,
			   struct xdpcast_counter *out)
{
	return read_counter(dp, dp->stats_reasons, reason, out);
}

int xdpcast_dp_read_vip_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	return read_counter(dp, dp->stats_vips, id, out);
}

int xdpcast_dp_read_backend_stats(struct xdpcast_dp *dp, __u32 id, struct xdpcast_counter *out)
{
	return read_counter(dp, dp->stats_backends, id, out);
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
