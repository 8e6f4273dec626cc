#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The two-site lab with BIRD: the branch server and HQ dns1 die and come
# back under DNS load, over IPv4 and IPv6; the steps are
# tests/netns/sites_steps.sh.
export SITES_ROUTING=bird
TEST_NAME=test_sites_bird
# shellcheck source=tests/netns/sites_steps.sh
source "$(dirname "$0")/sites_steps.sh"
