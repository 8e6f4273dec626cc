/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Adopting pinned maps (xdpcast_dp_open_pinned): the maps a load of this
 * build pinned are taken; a map of another shape under one of their names
 * (an older or newer xdpcast's) is refused, naming it, before anything is
 * written into it; pins of a version before flow_tables4 are adopted, IPv4
 * flow tables then kept in that version's layout. Pins live in a private bpffs, in a mount namespace of the
 * test's own: the host's /sys/fs/bpf is never touched.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "dataplane.h"
#include "xdpcast.skel.h"

static char dir[] = "/tmp/xdpcast-pinned.XXXXXX";
static struct xdpcast *skel;

static void setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mount("bpf", dir, "bpf", 0, NULL), 0, "mount bpffs: %s", strerror(errno));
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	skel = xdpcast__open_opts(&opts);
	cr_assert_not_null(skel);
	cr_assert_eq(xdpcast__load(skel), 0, "load and pin");
}

static void teardown(void)
{
	xdpcast__destroy(skel);
	umount(dir);
	rmdir(dir);
}

Test(pinned, this_builds_maps_adopted, .init = setup, .fini = teardown, .timeout = 30)
{
	struct xdpcast_dp dp;

	cr_assert_eq(xdpcast_dp_open_pinned(&dp, dir), 0);
	xdpcast_dp_close(&dp);
}

/* Another shape under the name "egress": refused, and nothing was opened. */
Test(pinned, another_shape_refused, .init = setup, .fini = teardown, .timeout = 30)
{
	struct xdpcast_dp dp;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/egress", dir);
	cr_assert_eq(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "egress", 4, 8, 64, NULL);
	cr_assert(fd >= 0, "bpf_map_create: %s", strerror(errno));
	cr_assert_eq(bpf_obj_pin(fd, path), 0);
	close(fd);
	cr_assert_eq(xdpcast_dp_open_pinned(&dp, dir), -EINVAL);
}

/* Pins of a version before flow_tables4: adopted; an IPv4 VIP's flow table
 * goes into flow_tables, of the 32-byte flows that version's program reads. */
Test(pinned, older_pins_without_flow_tables4, .init = setup, .fini = teardown, .timeout = 30)
{
	struct xdpcast_vip_key key;
	struct bpf_map_info info;
	__u32 id = 3, map_id, len = sizeof(info);
	struct xdpcast_dp dp;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/flow_tables4", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(xdpcast_dp_open_pinned(&dp, dir), 0);
	cr_assert_eq(dp.flow_tables4, -1);
	cr_assert_eq(xdpcast_vip_key_from_str(&key, "203.0.113.53", 0, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&dp, &key, id, 64), 0);
	cr_assert_not(xdpcast_dp_flow4(&dp, &key));
	cr_assert_eq(xdpcast_dp_flow_table_size(&dp, &key), 64);
	cr_assert_eq(bpf_map_lookup_elem(dp.flow_tables, &id, &map_id), 0);
	fd = bpf_map_get_fd_by_id(map_id);
	cr_assert_geq(fd, 0);
	memset(&info, 0, sizeof(info));
	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	cr_assert_eq(info.value_size, sizeof(struct xdpcast_flow_set));
	xdpcast_dp_close(&dp);
}
