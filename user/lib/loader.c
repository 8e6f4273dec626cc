// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Loading, attaching and detaching the XDP program through libxdp. */
#include "loader.h"

#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dataplane.h"
#include "log.h"
#include "xdpcast.skel.h"

static int check_pin_dir(const char *pin_dir)
{
	bool created = !mkdir(pin_dir, 0700);
	struct statfs st;
	int err = 0;

	if (!created && errno != EEXIST) {
		pr_warn("cannot create pin directory %s: %s\n", pin_dir, strerror(errno));
		return -errno;
	}
	if (statfs(pin_dir, &st)) {
		err = -errno;
		pr_warn("cannot stat pin directory %s: %s\n", pin_dir, strerror(errno));
	} else if (st.f_type != BPF_FS_MAGIC) {
		err = -EINVAL;
		pr_warn("pin directory %s is not on a bpffs (mount -t bpf bpf <dir>)\n", pin_dir);
	}
	if (err && created)
		rmdir(pin_dir);
	return err;
}

static const char *mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "generic" : mode == XDP_MODE_NATIVE ? "native" : "auto";
}

static bool is_ours(struct xdp_program *prog)
{
	return prog && !strcmp(xdp_program__name(prog), XDPCAST_PROG_NAME);
}

bool xdpcast_is_attached(int ifindex)
{
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	bool found = false;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return false;
	if (xdp_multiprog__is_legacy(mp)) {
		found = is_ours(xdp_multiprog__main_prog(mp));
	} else {
		while (!found && (prog = xdp_multiprog__next_prog(prog, mp)))
			found = is_ours(prog);
	}
	xdp_multiprog__close(mp);
	return found;
}

int xdpcast_attach(struct xdpcast_attachment *a, const char *pin_dir, const char *ifname,
		   enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_dir);
	char probe[PATH_MAX];
	bool pinned_before;
	int err;

	memset(a, 0, sizeof(*a));
	a->ifindex = if_nametoindex(ifname);
	if (!a->ifindex) {
		pr_warn("interface %s: %s\n", ifname, strerror(errno));
		return -ENODEV;
	}
	if (xdpcast_is_attached(a->ifindex)) {
		pr_warn("%s: xdpcast is already attached (detach it first)\n", ifname);
		return -EEXIST;
	}
	err = check_pin_dir(pin_dir);
	if (err)
		return err;

	/* maps this call pins are removed again if it fails; adopted ones stay */
	snprintf(probe, sizeof(probe), "%s/%s", pin_dir, xdpcast_map_name(0));
	pinned_before = !access(probe, F_OK);

	a->skel = xdpcast__open_opts(&open_opts);
	if (!a->skel)
		return log_err(-errno, "open BPF object");
	a->skel->rodata->attached_ifindex = a->ifindex;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, prog_opts, .obj = a->skel->obj,
			    .prog_name = XDPCAST_PROG_NAME);
	a->prog = xdp_program__create(&prog_opts);
	err = libxdp_get_error(a->prog);
	if (err) {
		a->prog = NULL;
		log_err(err, "create XDP program");
		goto fail;
	}
	a->mode = mode;
	err = xdp_program__attach(a->prog, a->ifindex, mode, 0);
	if (err && mode == XDP_MODE_NATIVE && err != -EEXIST && err != -EBUSY) {
		pr_warn("%s: native XDP failed (%d), falling back to generic mode\n", ifname, err);
		a->mode = XDP_MODE_SKB;
		err = xdp_program__attach(a->prog, a->ifindex, a->mode, 0);
	}
	if (err) {
		log_err(err, "attach XDP program");
		pr_warn("could not attach to %s (-vv shows libbpf's and libxdp's log)\n", ifname);
		goto fail;
	}
	pr_info("attached to %s (ifindex %d, %s mode), maps pinned in %s\n", ifname, a->ifindex,
		mode_name(a->mode), pin_dir);
	return 0;
fail:
	xdpcast_attachment_release(a);
	if (!pinned_before)
		xdpcast_unpin(pin_dir);
	return err;
}

void xdpcast_attachment_release(struct xdpcast_attachment *a)
{
	xdp_program__close(a->prog);
	xdpcast__destroy(a->skel);
	a->prog = NULL;
	a->skel = NULL;
}

int xdpcast_detach(const char *ifname)
{
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	int ifindex, err, found = 0;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_warn("interface %s: %s\n", ifname, strerror(errno));
		return -ENODEV;
	}
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? -ENOENT : log_err(err, "read XDP programs");

	if (xdp_multiprog__is_legacy(mp)) {
		/* libxdp's single-program fallback: the main program is ours or not */
		prog = xdp_multiprog__main_prog(mp);
		if (is_ours(prog)) {
			err = xdp_multiprog__detach(mp);
			found = 1;
		}
	} else {
		while ((prog = xdp_multiprog__next_prog(prog, mp))) {
			if (!is_ours(prog))
				continue;
			err = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
			found = 1;
			if (err)
				break;
		}
	}
	xdp_multiprog__close(mp);
	if (err)
		return log_err(err, "detach XDP program");
	return found ? 0 : -ENOENT;
}

int xdpcast_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	const char *name;
	unsigned int i;
	int err = 0;

	for (i = 0; (name = xdpcast_map_name(i)); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
		if (unlink(path) && errno != ENOENT) {
			pr_warn("cannot remove %s: %s\n", path, strerror(errno));
			err = -errno;
		}
	}
	if (!err && rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		err = -errno;
	return err;
}
