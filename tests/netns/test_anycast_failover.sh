#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Anycast failover to another site, end to end: the router runs xdpcastd and
# FRR, the core learns the VIP over OSPF from the router (metric 20) and from
# a far site (metric 1000, scripts/lab_routing.sh lab_far_up). With the local
# backends up the client is answered by them; when every one is down
# xdpcastd withdraws its route, the router's kernel takes the OSPF route
# through the core, XDP passes the VIP's packets to the kernel
# (pass_no_backend) and the far site answers (timed from the last backend's
# death, bounded); with one local backend back the local site answers again.
# Each time is printed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_STATIC_VIP_ROUTE=0 # the router's routes to the VIP: xdpcastd's, and OSPF's
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
# shellcheck source=scripts/lab_routing.sh
source scripts/lab_routing.sh
trap lab_down EXIT INT TERM
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_anycast_failover
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

INTERVAL_MS=100
TIMEOUT_MS=80
FALL=2
RECONCILE_MS=300
PROTO=$LAB_ROUTE_PROTO
PREFIX=$LAB_VIP/32
OSPF_MS=1000 # tuned FRR: tens of ms (docs/routing.md)
MARGIN_MS=1000
POLL_MS=100 # one query from a new source port every POLL_MS while waiting
XDPCASTCTL=${XDPCASTCTL:-$BUILD/xdpcastctl}

ctl() { in_ns router "$XDPCASTCTL" -s "$LAB_DIR/xdpcastd.sock" "$@"; }
router_route() { in_ns router ip route show "$PREFIX"; }
core_route() { in_ns core ip route show "$PREFIX"; }
router_via_ospf() { router_route | grep -q "via 198.19.0.2 dev rc proto ospf"; }
router_has_xdpcast_route() { [ -n "$(in_ns router ip route show "$PREFIX" proto "$PROTO")" ]; }
no_xdpcast_route() { ! router_has_xdpcast_route; }
core_via_router() { core_route | grep -q "via 198.19.0.1 dev c0 proto ospf"; }
core_via_far() { core_route | grep -q "via 198.19.1.2 dev cf proto ospf"; }
# The dns VIP's packets passed to the kernel for want of a backend.
passed_no_backend() {
	ctl stats --json | jq -r '.vips[] | select(.name == "dns") | .reasons.pass_no_backend.packets'
}
# Waits up to $1 ms until a command succeeds; prints the ms it took (-1: never).
# How many flows map_flows saw answered by $1 (a pattern: b[123], far, -).
answered_by() { snapshot | awk -v w="^($1)\$" '$2 ~ w' | wc -l; }

# now_ms without a process: wall clock ms in REPLY
ms_now() { REPLY=$((${EPOCHREALTIME/./} / 1000)); }

# Queries the VIP from a new source port every POLL_MS, in the background (an
# unanswered query waits dig's 1 s), until one is answered by an identity
# matching $1 or $2 ms have passed; appends "ms_sent ms_answered port answer"
# to $3 for each (answer "-": none, or dig's error; ms_answered is when dig
# ended, tens of ms after the answer on a busy machine). Ports from $4 on.
# Sets polled_at and polled_sent to the answer's and the send's times of the
# first matching answer (empty: none).
poll_until() {
	local want=$1 limit=$2 out=$3 port=$4 start next jobs=() a sent
	: >"$out"
	ms_now
	start=$REPLY next=$REPLY
	while [ $((REPLY - start)) -le "$limit" ]; do
		{
			ms_now
			sent=$REPLY
			a=$(lab_query_from_port "$port")
			[[ $a =~ ^[a-z0-9]+$ ]] || a=-
			ms_now
			echo "$sent $REPLY $port $a" >>"$out"
		} &
		jobs+=($!)
		port=$((port + 1))
		next=$((next + POLL_MS))
		ms_now
		[ "$next" -le "$REPLY" ] || sleep "$(printf '0.%03d' $((next - REPLY)))"
		grep -Eq " ($want)\$" "$out" && break
		ms_now
	done
	wait "${jobs[@]}" 2>/dev/null
	read -r polled_sent polled_at < <(awk -v w="^($want)\$" '$4 ~ w {print $1, $2}' "$out" |
		sort -n -k 2 | head -n 1)
}
# The polls of file $1 in the order sent: "+ms_sent->ms_answered answer" from $2
polls() { sort -n "$1" | awk -v t="$2" '{printf "%s+%d->%d %s", (NR > 1 ? ", " : ""), $1 - t, $2 - t, $4}'; }
# ms from $1 to polled_at, -1 if none
polled_since() { if [ -n "$polled_at" ]; then echo $((polled_at - $1)); else echo -1; fi; }

# "ip -ts monitor route" in namespace $1 into $LAB_DIR/routes-$1, listening
# once this returns (a blackhole route added and deleted there shows up).
watch_start() { lab_route_log_start "$1" "$LAB_DIR/routes-$1"; }
watch_stop() { lab_route_log_stop "$1"; }
# The timestamp (µs of the day) of the first line of namespace $1's watch
# matching $2 (an ERE after the stamp), or nothing.
event_us() {
	local line
	line=$(grep -E "^\[[^]]*\] $2" "$LAB_DIR/routes-$1" | head -n 1)
	[ -z "$line" ] || _lab_ts_us "$line"
}

lab_up || fail_setup "lab"
lab_core_up || fail_setup "core"
lab_far_up || fail_setup "far site"
for i in 1 2 3; do lab_start_nsd "$i"; done
lab_nsd_start far far 198.19.1.2 2001:db8:19:1::2
for i in 1 2 3; do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
lab_wait_nsd far || fail_setup "nsd far"
for role in router core far; do lab_frr_start "$role" "$role" || fail_setup "FRR in $role"; done
lab_ospf_wait_full router || fail_setup "no OSPF adjacency router-core"
lab_ospf_wait_full far || fail_setup "no OSPF adjacency far-core"

# --- before xdpcastd: the VIP is the far site's, the router too goes there ---
ms=$(wait_until 20000 core_via_far)
echo "# the core learned $PREFIX from the far site ${ms} ms after its adjacency ($(core_route))"
check "the core routes the VIP to the far site, learned over OSPF" [ "$ms" -ge 0 ]
ms=$(wait_until 5000 router_via_ospf)
check "so does the router, through the core ($(router_route))" [ "$ms" -ge 0 ]
# (3 tries: the first packets wait for ARP on each hop)
far_answers() {
	local port
	for port in 41997 41998 41999; do [ "$(lab_query_from_port "$port")" = far ] && return 0; done
	return 1
}
check "the client is answered by the far site through the router and the core" far_answers
# the same over IPv6 (OSPFv3; xdpcastd has no IPv6 VIP here)
core6_via_far() { in_ns core ip -6 route show "$LAB_VIP6/128" | grep -q "dev cf proto ospf"; }
far6_answers() {
	local port
	for port in 41997 41998 41999; do [ "$(lab_query6_from_port "$port")" = far ] && return 0; done
	return 1
}
ms=$(wait_until 20000 core6_via_far)
check "the core routes the IPv6 VIP to the far site ($(in_ns core ip -6 route show "$LAB_VIP6/128"))" \
	[ "$ms" -ge 0 ]
router6_via_ospf() { in_ns router ip -6 route show "$LAB_VIP6/128" | grep -q "dev rc proto ospf"; }
wait_until 5000 router6_via_ospf >/dev/null
check "and the client over IPv6 by the far site" far6_answers

CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
: >"$LOG"
cat >"$CFG" <<YAML
$(route_test_yaml_head)
$(mapfile -t b4 < <(lab_backends4); dns_vip_yaml dns "$LAB_VIP" "${b4[@]}")
YAML

# --- the local backends are up: they answer, the core goes to the router ---
lab_xdpcastd_start "$CFG" "$LOG"
ms=$(wait_until 20000 core_via_router)
echo "# the core's route went to the router ${ms} ms after xdpcastd started"
check "the core's route to the VIP points at the router ($(core_route))" [ "$ms" -ge 0 ]
check "the router's kernel route to the VIP is xdpcastd's" router_has_xdpcast_route
map_flows
echo "# answers: $(snapshot | awk '{print $2}' | sort | uniq -c | xargs)"
check "every query is answered by a local backend ($(answered_by 'b[123]')/$FLOWS)" \
	[ "$(answered_by 'b[123]')" -eq "$FLOWS" ]
check "none by the far site" [ "$(answered_by far)" -eq 0 ]
passed0=$(passed_no_backend)

# --- every local backend down: the far site answers ---
for ns in router core; do watch_start "$ns" || fail_setup "route watch in $ns"; done
# times from the signals: the NSDs stop answering between then and their exit
t_dead_us=$(_lab_day_us)
t_dead=$(now_ms)
for i in 1 2 3; do kill "$(eval echo "\$LAB_NSD_PID_$i")"; done
bound=$((INTERVAL_MS * FALL + TIMEOUT_MS + OSPF_MS + MARGIN_MS))
poll_until far $((bound + 2000)) "$LAB_DIR/poll-down" 43000
for i in 1 2 3; do wait "$(eval echo "\$LAB_NSD_PID_$i")" 2>/dev/null; done
far_ms=$(polled_since "$t_dead")
echo "# the far site answered ${far_ms} ms after the local NSDs were stopped" \
	"(the query sent at +$((${polled_sent:-t_dead} - t_dead)) ms)" \
	"(polls: $(polls "$LAB_DIR/poll-down" "$t_dead"))"
check "the far site answers within interval x fall + timeout + OSPF + margin (${far_ms} <= ${bound} ms)" \
	[ "$far_ms" -ge 0 -a "$far_ms" -le "$bound" ]
ms=$(wait_until 2000 router_via_ospf)
wait_until 2000 core_via_far >/dev/null
watch_stop router
watch_stop core
del_us=$(event_us router "Deleted ${LAB_VIP} .*proto $PROTO ")
ospf_us=$(event_us router "${LAB_VIP} (nhid [0-9]+ )?via 198.19.0.2 dev rc proto ospf ")
far_us=$(event_us core "${LAB_VIP} (nhid [0-9]+ )?via 198.19.1.2 dev cf proto ospf ")
if [ -n "$del_us" ] && [ -n "$ospf_us" ] && [ -n "$far_us" ]; then
	echo "# xdpcastd deleted its route $(_lab_ms "$t_dead_us" "$del_us") ms after the NSDs" \
		"were stopped; then the router's FRR installed the OSPF route in $(_lab_ms "$del_us" "$ospf_us") ms," \
		"the core's route went to the far site in $(_lab_ms "$del_us" "$far_us") ms"
else
	echo "# route events: router deleted ${del_us:-?} ospf ${ospf_us:-?}, core far ${far_us:-?} (µs of the day)"
fi
check "the router's kernel route to the VIP is OSPF's, through the core ($(router_route))" \
	[ "$ms" -ge 0 ]
check "xdpcastd's route is gone" no_xdpcast_route
check "the core's route to the VIP points at the far site ($(core_route))" core_via_far
map_flows
echo "# answers: $(snapshot | awk '{print $2}' | sort | uniq -c | xargs)"
check "every query is answered by the far site ($(answered_by far)/$FLOWS)" \
	[ "$(answered_by far)" -eq "$FLOWS" ]
passed1=$(passed_no_backend)
check "XDP passed the VIP's packets to the kernel (pass_no_backend ${passed0} -> ${passed1})" \
	[ "$passed1" -ge $((passed0 + FLOWS)) ]

# --- one local backend back: the local site answers again ---
t0=$(now_ms)
lab_start_nsd 2
poll_until b2 5000 "$LAB_DIR/poll-up" 44000
back_ms=$(polled_since "$t0")
echo "# b2 answered ${back_ms} ms after its NSD was started" \
	"(the query sent at +$((${polled_sent:-t0} - t0)) ms)" \
	"(polls: $(polls "$LAB_DIR/poll-up" "$t0"))"
check "a local backend back answers again (${back_ms} ms, limit 5000)" [ "$back_ms" -ge 0 ]
ms=$(wait_until $((RECONCILE_MS + OSPF_MS + MARGIN_MS)) core_via_router)
echo "# the core's route was back at the router $(($(now_ms) - t0)) ms after b2's NSD was started"
check "the core's route points at the router again ($(core_route))" [ "$ms" -ge 0 ]
check "the router's kernel route is xdpcastd's again" router_has_xdpcast_route
echo "# the router's routes to the VIP: $(router_route | tr '\n\t' '  ')"
passed1=$(passed_no_backend)
map_flows
echo "# answers: $(snapshot | awk '{print $2}' | sort | uniq -c | xargs)"
check "every query is answered by b2 ($(answered_by b2)/$FLOWS)" [ "$(answered_by b2)" -eq "$FLOWS" ]
check "none by the far site" [ "$(answered_by far)" -eq 0 ]
passed2=$(passed_no_backend)
check "none of them passed to the kernel (pass_no_backend ${passed1} -> ${passed2})" \
	[ "$passed2" -eq "$passed1" ]
finish
