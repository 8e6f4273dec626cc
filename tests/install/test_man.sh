#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The man pages against the built tools, in `make test`, where the tools are
# always built (make check compares them only when they are): mandoc -Tlint
# finds no warning, every long option of each tool's --help and every key of
# docs/configuration.md is in its page (scripts/check-man.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
if scripts/check-man.sh --need-build "$BUILD"; then
	echo "test_man: 1 passed, 0 failed"
else
	echo "test_man: 0 passed, 1 failed"
	exit 1
fi
