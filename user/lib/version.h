/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The version of this build, for --version, `xdpcastctl status` and the
 * metrics' build info: `git describe --tags --always --dirty` when built
 * from a git checkout, else the VERSION file of a release tarball, else
 * "0.0.0-unknown" (scripts/version.sh, into the build directory).
 */
#ifndef XDPCAST_VERSION_H
#define XDPCAST_VERSION_H

/* A static string, never NULL nor empty. */
const char *xdpcast_version(void);

#endif /* XDPCAST_VERSION_H */
