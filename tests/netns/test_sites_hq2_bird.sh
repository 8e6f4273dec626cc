#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The two-HQ-router variant with BIRD: the promises and steps of
# tests/netns/test_sites_hq2.sh, with BIRD 2 on every router.
export SITES_ROUTING=bird
export TEST_NAME=test_sites_hq2_bird
exec "$(dirname "$0")/test_sites_hq2.sh" "$@"
