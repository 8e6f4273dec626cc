// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The version text made at build time. The Makefile generates
 * $(BUILD)/xdpcast_version.h from scripts/version.sh and rewrites it only
 * when the text changes, so that only this file is recompiled then (and a
 * build with nothing changed recompiles nothing).
 */
#include "version.h"
#include "xdpcast_version.h"

const char *xdpcast_version(void)
{
	return XDPCAST_VERSION_TEXT;
}
