#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The soak (scripts/soak.sh, `make soak MINUTES=N`) as a smoke in `make
# test`: 40 s of DNS load with b3 and b4 flapping, reloads, xdpcastctl in a
# loop and a control-socket flood, then the soak's own checks (no query lost
# on the flows of b1 and b2, fds and RSS flat, probes and xdpcastd sane).
# SOAK_SECONDS changes the length.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SOAK_SECONDS=${SOAK_SECONDS:-40} exec scripts/soak.sh "${BUILD:-build}"
