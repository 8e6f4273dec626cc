#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A restart moves nothing, only a stop withdraws. Under DNS load (dnsload,
# 60 flows): b2 drained with xdpcastctl, then `xdpcastctl handover` and
# SIGTERM (the restart way, as systemd's restart job does), a new xdpcastd:
# 0 queries lost, 0 flows changed server, no flow on b2, the drain still in
# force, b1 and b3 adopted up (no "-> up" after the restart), and `ip monitor
# route` in the router saw no change of the VIP's route. Then a plain
# SIGTERM: the route is withdrawn (the monitor sees it: it would have seen
# one above) and xdpcast detached; a fresh start restores the drain from
# state_dir/operator-state.json and sends b2 no flow. undrain removes the
# entry; a reload without a drained backend drops its entry; a damaged file
# is a warning and changes nothing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_STATIC_VIP_ROUTE=0 # xdpcastd's route is the only one for the VIP
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_restart
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

DNSLOAD=${DNSLOAD:-$BUILD/dnsload}
INTERVAL_MS=200
TIMEOUT_MS=150
RISE=2
FALL=3
PROTO=252
FLOWS=60

write_config() {
	{
		cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
route: { protocol: $PROTO }
vips:
YAML
		vip_yaml dns "$LAB_VIP" "protocol: udp, port: 53" "type: dns, name: anycast.test" "$@"
	} >"$CFG"
}
jtrue() {
	local file=$1
	shift
	jq -e "$@" "$file" >/dev/null
}
# The VIP's route of xdpcastd's protocol, on one line ("" when none).
route_of() { in_ns router ip -o route show "$LAB_VIP" proto "$PROTO"; }
has_route() { [ -n "$(route_of)" ]; }
no_route() { [ -z "$(route_of)" ]; }
# The lines of monitor file $1 about the VIP's route.
vip_route_events() { grep -E "^(Deleted )?$LAB_VIP .*proto $PROTO" "$1"; }
state_of() { agent_ctl --json backends | jq -r ".backends[] | select(.name == \"$1\") | .state"; }
STATE_FILE=
kept_weight() { jq -r ".backends[] | select(.backend == \"$1\") | .weight" "$STATE_FILE" 2>/dev/null; }
# dnsload from the client: $1 seconds, JSON to $2.
load() {
	ip netns exec "$(lab_ns client)" "$DNSLOAD" -s "$LAB_VIP" -f "$FLOWS" -r 600 -d "$1" \
		-t 500 -l 200 -P 44001 -j "$2" >"$2.txt" 2>&1
}
# Starts `ip monitor route` in the router, to file $1; MON_PID.
monitor_start() {
	ip netns exec "$(lab_ns router)" ip monitor route >"$1" 2>&1 &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	sleep 0.2 # it listens before anything it must see happens
}
monitor_stop() {
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
}
start_agent() {
	local before
	before=$(log_count "running: ")
	lab_xdpcastd_start "$CFG" "$LOG"
	wait_log "running: " 10000 "$before"
}

[ -x "$DNSLOAD" ] || fail_setup "$DNSLOAD is not built (make)"
deps_require test_restart jq || fail_setup "jq"
lab_up || fail_setup "lab"
for i in 1 2 3; do lab_start_nsd "$i"; done
for i in 1 2 3; do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
STATE_FILE=$LAB_DIR/state/operator-state.json
: >"$LOG"
write_config "b1 198.18.1.2" "b2 198.18.2.2" "b3 198.18.3.2"

start_agent || fail_setup "xdpcastd did not start"
wait_until 10000 backend_health_is dns "b1 b2 b3" up >/dev/null || fail_setup "backends not up"
wait_until 5000 has_route >/dev/null || fail_setup "no route"

# --- the drain, written down ---
agent_ctl drain dns b2 >/dev/null
check "drain: b2 draining" [ "$(state_of b2)" = draining ]
check "the drain is kept in state_dir/operator-state.json (mode 600)" \
	[ "$(kept_weight b2)" = 0 ] && [ "$(stat -c %a "$STATE_FILE")" = 600 ]

# --- the restart way, under load ---
MON=$LAB_DIR/monitor1
monitor_start "$MON"
J=$LAB_DIR/restart.json
load 5 "$J" &
LOAD_PID=$!
LAB_PIDS+=("$LOAD_PID")
sleep 1.5
check "xdpcastctl handover answers" agent_ctl handover
OLD_PID=$LAB_XDPCASTD_PID
ups_before=$(log_count " -> up")
kill -TERM "$OLD_PID"
wait_exit "$OLD_PID" 10000
rc=$?
check "handover + SIGTERM: exit 0 (rc $rc)" [ "$rc" -eq 0 ]
check "the old one says it leaves dataplane and routes for the next one" \
	grep -q "routes in place (a restart: the next xdpcastd adopts them)" "$LOG"
check "xdpcast stays attached meanwhile" attached
start_agent || fail_setup "xdpcastd did not start again"
check "the new one adopts the dataplane, table unchanged" \
	grep -q "vip dns $LAB_VIP: adopted, table unchanged" "$LOG"
check "and the route, unchanged" grep -q "route adopted, unchanged: $LAB_VIP" "$LOG"
check "b2 still draining after the restart" [ "$(state_of b2)" = draining ]
check_health "b1 and b3 up at once (adopted, not waiting for rise)" dns "b1 b3" up
wait "$LOAD_PID"
rc=$?
cat "$J.txt"
check "dnsload exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "0 queries lost across the restart" jtrue "$J" '.totals.sent > 2000 and .totals.lost == 0'
check "0 flows changed server" jtrue "$J" 'all(.flows[]; .changes_total == 0)'
check "no query answered by the drained b2" jtrue "$J" '(.servers.b2 // 0) == 0'
check "no backend came up again after the restart (health adopted)" \
	[ "$(log_count " -> up")" -eq "$ups_before" ]
monitor_stop
check "ip monitor route: the VIP's route never changed during the restart" \
	[ -z "$(vip_route_events "$MON")" ]
check "and it is there" has_route

# --- a plain stop withdraws; a fresh start restores the drain from the file ---
MON=$LAB_DIR/monitor2
monitor_start "$MON"
kill -TERM "$LAB_XDPCASTD_PID"
wait_exit "$LAB_XDPCASTD_PID" 10000
check "SIGTERM alone: the route withdrawn" no_route
check "ip monitor route saw the withdrawal" grep -q "^Deleted $LAB_VIP .*proto $PROTO" "$MON"
monitor_stop
check "and xdpcast detached" detached
check "the drain stays in the state file" [ "$(kept_weight b2)" = 0 ]
fresh_from=$(($(wc -l <"$LOG") + 1))
start_agent || fail_setup "xdpcastd did not start fresh"
check "a fresh start restores the drain from the file" \
	grep -q "operator state: vip dns backend b2 198.18.2.2: drained (kept from the last run)" "$LOG"
wait_until 10000 backend_health_is dns "b1 b3" up >/dev/null
check "b2 draining, not up" [ "$(state_of b2)" = draining ]
check "b2 never up since the fresh start (drained before its first table)" \
	[ "$(tail -n "+$fresh_from" "$LOG" | grep -c "backend b2 .*-> up")" -eq 0 ]
J2=$LAB_DIR/fresh.json
load 1 "$J2"
check "after the fresh start no query goes to b2" jtrue "$J2" \
	'.totals.lost == 0 and (.servers.b2 // 0) == 0 and .totals.answered > 0'

# --- undrain forgets; a reload drops the backends it removes ---
agent_ctl undrain dns b2 >/dev/null
check "undrain: the entry is gone from the file" [ -z "$(kept_weight b2)" ]
agent_ctl weight dns b3 5 >/dev/null
check "weight 5 for b3 kept" [ "$(kept_weight b3)" = 5 ]
write_config "b1 198.18.1.2" "b2 198.18.2.2"
agent_ctl reload >/dev/null
check "a reload without b3 drops its entry" [ -z "$(kept_weight b3)" ] && jq -e . "$STATE_FILE" >/dev/null

# --- a damaged file: a warning at start, nothing applied, the agent runs ---
kill -TERM "$LAB_XDPCASTD_PID"
wait_exit "$LAB_XDPCASTD_PID" 10000
echo '{"version":1,"backends":[{"vip":"dns"' >"$STATE_FILE"
start_agent
check "a damaged state file: the agent starts all the same" agent_ctl status
check "with a warning saying where and what" \
	grep -q "$STATE_FILE: not JSON: .*: ignored" "$LOG"
finish
