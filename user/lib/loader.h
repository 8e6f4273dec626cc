/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Loading and attaching the XDP program through libxdp, with its maps pinned
 * by name under a pin directory (reused when already pinned, so a second
 * interface or a restarted agent shares the same maps), and detaching it.
 */
#ifndef XDPCAST_LOADER_H
#define XDPCAST_LOADER_H

#include <stdbool.h>
#include <xdp/libxdp.h>

#define XDPCAST_PIN_DIR_DEFAULT "/sys/fs/bpf/xdpcast"
#define XDPCAST_PROG_NAME "xdpcast_ingress"

struct xdpcast;

struct xdpcast_attachment {
	struct xdpcast *skel;
	struct xdp_program *prog;
	int ifindex;
	enum xdp_attach_mode mode;
};

/*
 * Load the program with its maps pinned under @pin_dir (which must be on a
 * bpffs) and attach it to @ifname. With XDP_MODE_NATIVE, falls back to
 * generic mode (logged) when the driver has no native XDP.
 */
int xdpcast_attach(struct xdpcast_attachment *a, const char *pin_dir, const char *ifname,
		   enum xdp_attach_mode mode);
/*
 * How xdpcast's program is attached to @ifindex (directly or in libxdp's
 * dispatcher): 0 with its @mode, -ENOENT when it is not, -ENODEV when
 * @ifindex <= 0, or the error that kept us from knowing. Cheap and fd-neutral
 * enough to be called on every request (see loader.c about libxdp's leak).
 */
int xdpcast_attached_mode(int ifindex, enum xdp_attach_mode *mode);
/* "native", "generic", "offload" (XDP_MODE_HW) or "unknown": as the docs and tools name them. */
const char *xdpcast_mode_name(enum xdp_attach_mode mode);
/* Whether an xdpcast program is attached to @ifindex (false when that cannot be read). */
bool xdpcast_is_attached(int ifindex);
/* Release what xdpcast_attach() holds; the program stays attached. */
void xdpcast_attachment_release(struct xdpcast_attachment *a);
/*
 * Detach every xdpcast program from @ifname and check with the kernel that none
 * is left: 0; -ENOENT when there was none, -ENODEV when there is no @ifname;
 * any other error (logged, naming @ifname) means one may still be attached.
 */
int xdpcast_detach(const char *ifname);
/* Remove the pinned maps from @pin_dir (missing ones are fine). */
int xdpcast_unpin(const char *pin_dir);

/*
 * Each map the program pins by name, as this build declares it (from the
 * skeleton, opened and not loaded; not its internal .rodata or .bss):
 * @fn(@arg, map) in their order in bpf/lib/maps.h, stopping at and returning
 * fn's nonzero. -errno when the object cannot be opened. xdpcast_unpin() and
 * xdpcast_dp_open_pinned() take their lists from it.
 */
struct bpf_map;
int xdpcast_for_each_pinned_map(int (*fn)(void *arg, const struct bpf_map *map), void *arg);
/* Whether the maps are pinned under @pin_dir (the first of them is). */
bool xdpcast_pins_exist(const char *pin_dir);

#endif /* XDPCAST_LOADER_H */
