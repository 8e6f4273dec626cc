#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd's route announced into OSPF by FRR (zebra, ospfd) with tuned timers on the router, learned by
# the core: the steps are tests/netns/ospf_steps.sh.
ROUTING=frr
TEST_NAME=test_ospf_frr
# shellcheck source=tests/netns/ospf_steps.sh
source "$(dirname "$0")/ospf_steps.sh"
