#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Prints the version of the source tree this script is in, one line:
# `git describe --tags --always --dirty` in a git checkout of xdpcast (only
# of xdpcast: a release tarball unpacked inside another repository, e.g. a
# packaging one, must not take that one's description), else the first line
# of the VERSION file a release tarball carries, else 0.0.0-unknown.
# XDPCAST_VERSION in the environment overrides all three (packagers).
# Used by the Makefile for $(BUILD)/xdpcast_version.h.
set -u
top=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1

clean() { # the characters a version may hold: no quote can reach the C string
	tr -cd 'A-Za-z0-9._+~:-' | cut -c1-64
}

# safe.directory: `make install` as root (su, not sudo) in a tree that another
# user owns, which git refuses otherwise; root runs this tree's Makefile anyway
git_top() { git -c safe.directory="$top" -C "$top" "$@"; }

if [ -n "${XDPCAST_VERSION:-}" ]; then
	v=$(printf '%s' "$XDPCAST_VERSION" | clean)
elif [ "$(git_top rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	v=$(git_top describe --tags --always --dirty 2>/dev/null | clean)
	[ -n "$v" ] || echo "version.sh: git cannot describe $top: using VERSION or 0.0.0-unknown" >&2
elif [ -e "$top/.git" ]; then
	echo "version.sh: $top/.git exists but git cannot read it: using VERSION or 0.0.0-unknown" >&2
fi
if [ -z "${v:-}" ] && [ -f "$top/VERSION" ]; then
	v=$(head -n 1 "$top/VERSION" | clean)
fi
echo "${v:-0.0.0-unknown}"
