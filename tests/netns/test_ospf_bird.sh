#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd's route announced into OSPF by BIRD 2 on the router, learned by
# the core: the steps are tests/netns/ospf_steps.sh.
ROUTING=bird
TEST_NAME=test_ospf_bird
# shellcheck source=tests/netns/ospf_steps.sh
source "$(dirname "$0")/ospf_steps.sh"
