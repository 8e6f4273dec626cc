# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Tracked anycast through a real routing daemon, sourced by test_ospf_frr.sh
# and test_ospf_bird.sh with ROUTING=frr or bird: the router runs xdpcastd
# and the daemon, which redistributes xdpcast's route into OSPF to the core.
# The core learns the VIP once a backend is healthy, loses it when every
# backend is down (timed from the last one's death), gets it back with the
# first backend; a route deleted by hand on the router comes back through the
# reconcile; SIGTERM withdraws it. Each time is printed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_STATIC_VIP_ROUTE=0 # the VIP's only route is xdpcastd's
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
# shellcheck source=scripts/lab_routing.sh
source scripts/lab_routing.sh
trap lab_down EXIT INT TERM
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

INTERVAL_MS=100
TIMEOUT_MS=80
FALL=2
RECONCILE_MS=300
PROTO=$LAB_ROUTE_PROTO
PREFIX=$LAB_VIP/32
# what OSPF adds between the router's kernel and the core's: tuned FRR
# takes tens of ms; BIRD's timers tick in whole seconds
case $ROUTING in
frr) OSPF_MS=1000 ;;
bird) OSPF_MS=4000 ;;
esac
MARGIN_MS=1000

# lab_wait_core_route printed a time (not "timeout", nor nothing when it failed).
waited() { [[ $1 =~ ^[0-9]+\.[0-9]$ ]]; }
within_bound() { waited "$1" && [ "$2" -le "$3" ]; }
router_has_route() { [ -n "$(in_ns router ip route show "$PREFIX" proto "$PROTO")" ]; }
# The core's route to the VIP, learned from the router over OSPF.
core_route() { in_ns core ip route show "$PREFIX"; }
no_router_route() { ! router_has_route; }
no_core_route() { ! lab_core_has_route "$PREFIX"; }
core_via_router() { core_route | grep -q "via 198.19.0.1 dev c0 proto $1"; }

lab_up || fail_setup "lab"
lab_core_up || fail_setup "core"
for i in 1 2 3; do lab_start_nsd "$i"; done
for i in 1 2 3; do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
case $ROUTING in
frr)
	lab_frr_start router router && lab_frr_start core core || fail_setup "FRR"
	CORE_PROTO=ospf
	;;
bird)
	lab_bird_start router router && lab_bird_start core core || fail_setup "BIRD"
	CORE_PROTO=bird
	;;
esac
lab_ospf_wait_full router || fail_setup "no OSPF adjacency"

CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
: >"$LOG"
cat >"$CFG" <<YAML
$(route_test_yaml_head)
$(mapfile -t b4 < <(lab_backends4); dns_vip_yaml dns "$LAB_VIP" "${b4[@]}")
$(mapfile -t b6 < <(lab_backends6); dns_vip_yaml dns6 "$LAB_VIP6" "${b6[@]}")
YAML

# --- the core learns the VIP once a backend is healthy ---
check "the core has no route to the VIP before xdpcastd" no_core_route
t0=$(now_ms)
lab_xdpcastd_start "$CFG" "$LOG"
ms=$(lab_wait_core_route present "$PREFIX" 20000)
echo "# the core learned $PREFIX $(($(now_ms) - t0)) ms after xdpcastd started"
check "the core learns the VIP via OSPF from the router ($ms)" waited "$ms"
check "through the router, as an OSPF route ($(core_route))" core_via_router "$CORE_PROTO"
ms=$(lab_wait_core_route present "$LAB_VIP6/128" 20000)
echo "# the core learned $LAB_VIP6/128 $(($(now_ms) - t0)) ms after xdpcastd started"
check "the core learns the IPv6 VIP via OSPFv3 ($ms)" waited "$ms"

# --- every backend stops: the router withdraws, then the core ---
for i in 1 2 3; do lab_query_from_port $((42000 + i)) >/dev/null; done
t0=$(now_ms)
for i in 1 2 3; do kill "$(eval echo "\$LAB_NSD_PID_$i")"; done
for i in 1 2 3; do wait "$(eval echo "\$LAB_NSD_PID_$i")" 2>/dev/null; done
ms=$(lab_wait_core_route absent "$PREFIX" 20000)
gone_ms=$(($(now_ms) - t0))
bound=$((INTERVAL_MS * FALL + TIMEOUT_MS + OSPF_MS + MARGIN_MS))
echo "# the core lost $PREFIX ${gone_ms} ms after the last backend died (interval ${INTERVAL_MS} ms x fall ${FALL})"
check "the router's route is gone" no_router_route
check "the core's route is withdrawn within interval x fall + OSPF + margin (${gone_ms} <= ${bound} ms)" \
	within_bound "$ms" "$gone_ms" "$bound"
t_withdrawn=$(grep -c "route withdrawn: $PREFIX" "$LOG")
check "xdpcastd logged the withdrawal" [ "$t_withdrawn" -ge 1 ]
ms=$(lab_wait_core_route absent "$LAB_VIP6/128" "$bound")
check "the IPv6 VIP is withdrawn too ($ms)" waited "$ms"

# --- a backend back: the route is back at the core ---
t0=$(now_ms)
lab_start_nsd 2
ms=$(lab_wait_core_route present "$PREFIX" 20000)
echo "# the core had $PREFIX again $(($(now_ms) - t0)) ms after b2's NSD started"
check "a backend back brings the core's route back ($ms)" waited "$ms"
check "through the router again" core_via_router "$CORE_PROTO"

# --- deleted by hand on the router: the reconcile restores it ---
events=$(lab_core_route_events "$PREFIX" $((RECONCILE_MS + OSPF_MS + MARGIN_MS)) \
	in_ns router ip route del "$PREFIX" proto "$PROTO")
echo "$events" | sed 's/^/# core: /'
check "the reconcile restores a route deleted by hand" router_has_route
check "xdpcastd logged it" grep -q "route restored: $PREFIX" "$LOG"
ms=$(lab_wait_core_route present "$PREFIX" $((OSPF_MS + MARGIN_MS)))
check "the core has the route again ($ms)" waited "$ms"

# --- SIGTERM: the routes go, and the core withdraws ---
t0=$(now_ms)
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
ms=$(lab_wait_core_route absent "$PREFIX" 20000)
echo "# the core lost $PREFIX $(($(now_ms) - t0)) ms after SIGTERM"
check "SIGTERM withdraws the VIP from the core ($ms)" waited "$ms"
finish
