/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Adopting pinned maps (xdpcast_dp_open_pinned): the maps a load of this
 * build pinned are taken; a map of another shape under one of their names
 * (an older or newer xdpcast's) is refused, naming it, before anything is
 * written into it. Pins live in a private bpffs, in a mount namespace of the
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
