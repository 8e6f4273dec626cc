/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The version of this build, for --version, xdpcastctl status and the
 * metrics' xdpcast_build_info.
 */
#ifndef XDPCAST_VERSION_H
#define XDPCAST_VERSION_H

/* "dev" unless the build defines XDPCAST_VERSION. */
const char *xdpcast_version(void);

#endif /* XDPCAST_VERSION_H */
