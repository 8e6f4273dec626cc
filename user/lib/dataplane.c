// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A dataplane's maps opened and closed: borrowed from a loaded object, or
 * adopted from their pins, each pinned map checked against the shape this
 * build declares. The maps pinned are the skeleton's (loader.h); writers
 * (dataplane_write.c) and the counters' readers (dataplane_stats.c) use the
 * fds held here.
 */
#include "dataplane.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dataplane_impl.h"
#include "loader.h"
#include "log.h"
#include "xdpcast.skel.h"

/* A map struct xdpcast_dp holds: its name and its fd's place. The skeleton
 * must declare a map of that name (the sizeof does not compile otherwise). */
/* clang-format off */
#define DP_MAP(name) { #name, offsetof(struct xdpcast_dp, name) + \
		       0 * sizeof(((struct xdpcast *)0)->maps.name) }
/* clang-format on */

static const struct {
	const char *name;
	size_t fd_offset;
} dp_maps[] = {
	DP_MAP(vips),	      DP_MAP(vip_index),      DP_MAP(vip_tables),     DP_MAP(flow_tables),
	DP_MAP(flow_tables4), DP_MAP(backends),	      DP_MAP(backend_owners), DP_MAP(egress),
	DP_MAP(stats_vips),   DP_MAP(stats_backends),
};

/* A map that a dataplane pinned by an older version may lack (see
 * struct xdpcast_dp): its fd stays -1 and the writers fall back. */
#define DP_OPTIONAL_MAP "flow_tables4"

#define DP_NMAPS (sizeof(dp_maps) / sizeof(dp_maps[0]))

static int *map_fd(struct xdpcast_dp *dp, unsigned int i)
{
	return (int *)((char *)dp + dp_maps[i].fd_offset);
}

/* The fd of map @name in @dp; NULL for a map it does not hold. */
static int *map_fd_by_name(struct xdpcast_dp *dp, const char *name)
{
	for (unsigned int i = 0; i < DP_NMAPS; i++)
		if (!strcmp(dp_maps[i].name, name))
			return map_fd(dp, i);
	return NULL;
}

void dp_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Type ids for the inner maps' BTF, so bpftool prints their fields too. */
static void find_btf(struct xdpcast_dp *dp)
{
	static const char *const names[] = { "__u32", "xdpcast_vip_slot", "xdpcast_flow_set",
					     "xdpcast_flow_set4" };
	__u32 *ids[] = { &dp->btf_u32_id, &dp->btf_vip_slot_id, &dp->btf_flow_set_id,
			 &dp->btf_flow_set4_id };
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

size_t dp_array_stride(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

size_t dp_array_view_len(size_t value_size, __u32 n)
{
	size_t page = getpagesize();

	return ((size_t)n * dp_array_stride(value_size) + page - 1) & ~(page - 1);
}

void dp_table_drop(struct xdpcast_dp_table *t)
{
	if (t->mem)
		munmap(t->mem, dp_array_view_len(sizeof(__u32), t->entries));
	dp_close_fd(&t->fd);
	*t = (struct xdpcast_dp_table){ .fd = -1 };
}

void dp_drop_vip_tables(struct xdpcast_dp *dp, __u32 id)
{
	dp_table_drop(&dp->staged[id]);
	dp_table_drop(&dp->active[id]);
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
static int check_pinned(const char *path, int fd, const struct bpf_map *want)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

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

struct adopt {
	struct xdpcast_dp *dp;
	const char *pin_dir;
};

/* Open the pin of @want, check its shape, keep its fd if @dp holds that map. */
static int adopt_pinned(void *arg, const struct bpf_map *want)
{
	const struct adopt *a = arg;
	const char *name = bpf_map__name(want);
	int fd, err, *slot = map_fd_by_name(a->dp, name);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", a->pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT && !strcmp(name, DP_OPTIONAL_MAP)) {
		pr_warn("%s: pinned by an older xdpcast, without %s: IPv4 flow tables keep its "
			"32-byte flows in flow_tables, as its program reads them (detach it and "
			"remove the pins to upgrade)\n",
			a->pin_dir, name);
		return 0;
	}
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot open pinned map %s: %s\n", path, strerror(-err));
		return err;
	}
	err = check_pinned(path, fd, want);
	if (slot && !err)
		*slot = fd;
	else
		close(fd);
	return err;
}

int xdpcast_dp_open_pinned(struct xdpcast_dp *dp, const char *pin_dir)
{
	struct adopt a = { .dp = dp, .pin_dir = pin_dir };
	unsigned int i;
	int err;

	dp_reset(dp, true);
	err = xdpcast_for_each_pinned_map(adopt_pinned, &a);
	for (i = 0; !err && i < DP_NMAPS; i++) {
		if (*map_fd(dp, i) < 0 && strcmp(dp_maps[i].name, DP_OPTIONAL_MAP)) {
			pr_warn("the BPF object pins no map '%s'\n", dp_maps[i].name);
			err = -ENOENT;
		}
	}
	if (!err)
		err = dp_init_common(dp);
	if (err)
		xdpcast_dp_close(dp);
	return err;
}

void xdpcast_dp_close(struct xdpcast_dp *dp)
{
	unsigned int i;

	dp_close_fd(&dp->btf_fd);
	for (i = 0; i < XDPCAST_MAX_VIPS; i++)
		dp_drop_vip_tables(dp, i);
	if (!dp->owns_fds)
		return;
	for (i = 0; i < DP_NMAPS; i++)
		dp_close_fd(map_fd(dp, i));
}
