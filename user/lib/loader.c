// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Loading, attaching and detaching the XDP program through libxdp; reading
 * attachments through libbpf (see below why). */
#include "loader.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"
#include "xdpcast.skel.h"

/* libxdp's multi-program dispatcher, by its program name */
#define XDP_DISPATCHER_NAME "xdp_dispatcher"

static int check_pin_dir(const char *pin_dir)
{
	bool created = !mkdir(pin_dir, 0700);
	struct statfs st;
	int err = 0;

	if (!created && errno != EEXIST) {
		pr_err("cannot create pin directory %s: %s\n", pin_dir, strerror(errno));
		return -errno;
	}
	if (statfs(pin_dir, &st)) {
		err = -errno;
		pr_err("cannot stat pin directory %s: %s\n", pin_dir, strerror(errno));
	} else if (st.f_type != BPF_FS_MAGIC) {
		err = -EINVAL;
		pr_warn("pin directory %s is not on a bpffs (mount -t bpf bpf <dir>)\n", pin_dir);
	}
	if (err && created)
		rmdir(pin_dir);
	return err;
}

/*
 * The kernel adds BPF_F_RDONLY_PROG to every devmap whose values are 4 bytes
 * (it refuses the flag from userspace), and libbpf 1.1 compares a pinned
 * map's flags with the declared ones before reusing it: the egress devmap,
 * pinned by the first load, was refused by every later one ("couldn't reuse
 * pinned map ... parameter mismatch"): a second interface, or a reload that
 * attaches one. Declaring the pinned map's flags for a devmap that is reused
 * (never created with them) lets libbpf reuse it; its other checks (type,
 * sizes, entries) still apply. Newer libbpf ignores this flag itself.
 */
static void accept_kernel_devmap_flags(struct bpf_object *obj)
{
	struct bpf_map_info info;
	struct bpf_map *map;
	__u32 len;
	int fd;

	bpf_object__for_each_map (map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_DEVMAP || !bpf_map__pin_path(map))
			continue;
		fd = bpf_obj_get(bpf_map__pin_path(map));
		if (fd < 0)
			continue; /* not pinned yet: created as declared */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_DEVMAP &&
		    (info.map_flags & ~BPF_F_RDONLY_PROG) == bpf_map__map_flags(map))
			bpf_map__set_map_flags(map, info.map_flags);
		close(fd);
	}
}

static const char *mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "generic" : mode == XDP_MODE_NATIVE ? "native" : "auto";
}

static bool is_ours(struct xdp_program *prog)
{
	return prog && !strcmp(xdp_program__name(prog), XDPCAST_PROG_NAME);
}

/*
 * Attachments are read with bpf_xdp_query() (one program id per mode) and each
 * program's name from its info, every fd closed at once. libxdp's multiprog API
 * is used only when the program is libxdp's dispatcher (multi-program mode):
 * libxdp 1.3.1 leaks a program fd in every xdp_multiprog__get_from_ifindex()
 * (xdp-tools issue #343, fixed later), so a status or a reload that called it
 * each time ran the agent out of fds.
 */
static const struct {
	enum xdp_attach_mode mode;
	__u32 flags; /* for bpf_xdp_detach() */
} modes[] = {
	{ XDP_MODE_NATIVE, XDP_FLAGS_DRV_MODE },
	{ XDP_MODE_SKB, XDP_FLAGS_SKB_MODE },
	{ XDP_MODE_HW, XDP_FLAGS_HW_MODE },
};

#define N_MODES (sizeof(modes) / sizeof(modes[0]))

/* The program attached to @ifindex in each of modes[], in its order (0: none); 0 or -errno. */
static int query(int ifindex, __u32 ids[N_MODES])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query(ifindex, 0, &q);

	if (err)
		return err;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	return 0;
}

/* A fd of program @id (close it) with its name in @name; -errno when it has none. */
static int prog_open(__u32 id, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err) {
		close(fd);
		return err;
	}
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	name[BPF_OBJ_NAME_LEN - 1] = '\0';
	return fd;
}

/*
 * Whether xdpcast's program runs in libxdp's dispatcher @id on @ifindex. The
 * answer for an id never changes (libxdp loads a new dispatcher, a new id, for
 * every change of its programs), so it is kept: libxdp, and its leak, once per
 * dispatcher. 1, 0 or -errno.
 */
static int in_dispatcher(int ifindex, __u32 id)
{
	static struct {
		__u32 id;
		bool ours;
	} seen[16];
	static unsigned int next;
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	bool ours = false;
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (seen[i].id == id)
			return seen[i].ours;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return err;
	if (xdp_multiprog__is_legacy(mp)) {
		ours = is_ours(xdp_multiprog__main_prog(mp));
	} else {
		while (!ours && (prog = xdp_multiprog__next_prog(prog, mp)))
			ours = is_ours(prog);
	}
	/* only what libxdp read from this very dispatcher (not one that replaced it since) */
	if (xdp_program__id(xdp_multiprog__main_prog(mp)) == id) {
		seen[next].id = id;
		seen[next].ours = ours;
		next = (next + 1) % (sizeof(seen) / sizeof(seen[0]));
	}
	xdp_multiprog__close(mp);
	return ours;
}

/* Whether program @id on @ifindex is xdpcast's, directly or in libxdp's dispatcher: 1, 0, -errno. */
static int is_ours_id(int ifindex, __u32 id)
{
	char name[BPF_OBJ_NAME_LEN];
	int fd = prog_open(id, name);

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd; /* detached meanwhile */
	close(fd);
	if (!strcmp(name, XDPCAST_PROG_NAME))
		return 1;
	return strcmp(name, XDP_DISPATCHER_NAME) ? 0 : in_dispatcher(ifindex, id);
}

int xdpcast_attached_mode(int ifindex, enum xdp_attach_mode *mode)
{
	__u32 ids[N_MODES];
	int err, first_err = 0;

	if (ifindex <= 0)
		return -ENODEV;
	err = query(ifindex, ids);
	if (err)
		return err;
	for (size_t i = 0; i < N_MODES; i++) {
		if (!ids[i])
			continue;
		err = is_ours_id(ifindex, ids[i]);
		if (err > 0) {
			*mode = modes[i].mode;
			return 0;
		}
		if (err < 0 && !first_err)
			first_err = err;
	}
	return first_err ? first_err : -ENOENT;
}

const char *xdpcast_mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_NATIVE ? "native"
	       : mode == XDP_MODE_SKB  ? "generic"
	       : mode == XDP_MODE_HW   ? "offload"
				       : "unknown";
}

bool xdpcast_is_attached(int ifindex)
{
	enum xdp_attach_mode mode;

	return !xdpcast_attached_mode(ifindex, &mode);
}

/*
 * The MAC address of @ifname into @mac, for the program's destination MAC
 * check; left all zero (check off) for an interface that is not Ethernet.
 */
static void interface_mac(const char *ifname, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int fd;

	memset(mac, 0, ETH_ALEN);
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return;
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr) && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	else
		pr_info("%s: not Ethernet, destination MACs are not checked\n", ifname);
	close(fd);
}

int xdpcast_attach(struct xdpcast_attachment *a, const char *pin_dir, const char *ifname,
		   enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_dir);
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
	pinned_before = xdpcast_pins_exist(pin_dir);

	a->skel = xdpcast__open_opts(&open_opts);
	if (!a->skel)
		return log_err(-errno, "open BPF object");
	a->skel->rodata->attached_ifindex = a->ifindex;
	accept_kernel_devmap_flags(a->skel->obj);
	/* a constant of this copy, like the ifindex: a new MAC needs a new attach */
	interface_mac(ifname, (__u8 *)a->skel->rodata->attached_mac);
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
		pr_err("could not attach to %s (-vv shows libbpf's and libxdp's log)\n", ifname);
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

/*
 * if_nametoindex() with an error to trust: glibc's, without a fd for its socket,
 * is ENOENT, which would read as "nothing attached". The ifindex or -errno
 * (-ENODEV: no such interface).
 */
static int ifindex_of(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	ret = ioctl(fd, SIOCGIFINDEX, &ifr) ? -errno : ifr.ifr_ifindex;
	close(fd);
	return ret;
}

/* Detach xdpcast's program from libxdp's dispatcher on @ifindex (libxdp's leak: see above). */
static int detach_from_dispatcher(int ifindex, bool *found)
{
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	int err = 0;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (xdp_multiprog__is_legacy(mp)) {
		if (is_ours(xdp_multiprog__main_prog(mp))) {
			*found = true;
			err = xdp_multiprog__detach(mp);
		}
	} else {
		while (!err && (prog = xdp_multiprog__next_prog(prog, mp))) {
			if (!is_ours(prog))
				continue;
			*found = true;
			err = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
		}
	}
	xdp_multiprog__close(mp);
	return err;
}

/* Detach xdpcast's program from every mode of @ifindex. */
static int detach_all(int ifindex, bool *found)
{
	char name[BPF_OBJ_NAME_LEN];
	__u32 ids[N_MODES];
	int fd, err;

	err = query(ifindex, ids);
	for (size_t i = 0; !err && i < N_MODES; i++) {
		if (!ids[i])
			continue;
		fd = prog_open(ids[i], name);
		if (fd < 0) {
			err = fd == -ENOENT ? 0 : fd;
			continue;
		}
		if (!strcmp(name, XDPCAST_PROG_NAME)) {
			/* this very program: not one attached in its place meanwhile */
			LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);

			*found = true;
			err = bpf_xdp_detach(ifindex, modes[i].flags, &opts);
		} else if (!strcmp(name, XDP_DISPATCHER_NAME)) {
			err = detach_from_dispatcher(ifindex, found);
		}
		close(fd);
	}
	return err;
}

int xdpcast_detach(const char *ifname)
{
	enum xdp_attach_mode mode;
	int ifindex, err;
	bool found = false;

	ifindex = ifindex_of(ifname);
	if (ifindex == -ENODEV) {
		pr_warn("interface %s: %s\n", ifname, strerror(ENODEV));
		return -ENODEV;
	}
	err = ifindex < 0 ? ifindex : detach_all(ifindex, &found);
	/* what the kernel says now, not what the calls returned */
	if (!err && found) {
		err = xdpcast_attached_mode(ifindex, &mode);
		err = err == -ENOENT ? 0 : err ? err : -EBUSY;
	}
	if (err) {
		pr_err("%s: cannot detach xdpcast's XDP program: %s\n", ifname, strerror(-err));
		return err;
	}
	return found ? 0 : -ENOENT;
}

int xdpcast_for_each_pinned_map(int (*fn)(void *arg, const struct bpf_map *map), void *arg)
{
	struct xdpcast *skel = xdpcast__open(); /* the maps as declared, nothing loaded */
	struct bpf_map *map;
	int err = 0;

	if (!skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s\n", strerror(-err));
		return err;
	}
	/* a map pinned by name has its pin path from the open on; .rodata and
	 * .bss never do */
	bpf_object__for_each_map (map, skel->obj) {
		if (bpf_map__is_internal(map) || !bpf_map__pin_path(map))
			continue;
		err = fn(arg, map);
		if (err)
			break;
	}
	xdpcast__destroy(skel);
	return err;
}

/* Whether the first pinned map's pin is there: 1, else -ENOENT (either ends the walk). */
static int first_pin_exists(void *arg, const struct bpf_map *map)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", (const char *)arg, bpf_map__name(map));
	return access(path, F_OK) ? -ENOENT : 1;
}

bool xdpcast_pins_exist(const char *pin_dir)
{
	return xdpcast_for_each_pinned_map(first_pin_exists, (void *)pin_dir) > 0;
}

struct unpin {
	const char *pin_dir;
	int err; /* the last failure's; the others are removed all the same */
};

static int unpin_map(void *arg, const struct bpf_map *map)
{
	struct unpin *u = arg;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", u->pin_dir, bpf_map__name(map));
	if (unlink(path) && errno != ENOENT) {
		u->err = -errno;
		pr_err("cannot remove %s: %s\n", path, strerror(-u->err));
	}
	return 0;
}

int xdpcast_unpin(const char *pin_dir)
{
	struct unpin u = { .pin_dir = pin_dir };
	int err = xdpcast_for_each_pinned_map(unpin_map, &u);

	err = err ? err : u.err;
	if (!err && rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		err = -errno;
	return err;
}
