// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The version of this build: XDPCAST_VERSION as the build defines it, else
 * "dev".
 */
#include "version.h"

#ifndef XDPCAST_VERSION
#define XDPCAST_VERSION "dev"
#endif

const char *xdpcast_version(void)
{
	return XDPCAST_VERSION;
}
