#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd end to end over IPv6: an IPv6 VIP (2001:db8:53::53, UDP 53, flow
# table) in front of three IPv6 NSD backends checked by DNS over IPv6, on the
# lab's dual-stack topology. The backends come up (their next hops resolved
# by NDP), the client's queries are answered, spread over the backends and
# every one of them is forwarded by XDP; a stopped NSD leaves within
# interval x fall (plus a margin) without losing the other backends'
# queries, its flows go to the others, it comes back after rise passes;
# SIGTERM detaches and unpins.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_BACKENDS=3
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
loop_pid=""
# the lab's cleanup on every exit; an interrupt ends the test (and so cleans up)
cleanup() {
	[ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null
	lab_down
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_agent6
QUERY=lab_query6_from_port
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh
XDPCASTCTL=${XDPCASTCTL:-$BUILD/xdpcastctl}
INTERVAL_MS=200
TIMEOUT_MS=150
RISE=2
FALL=3

write_config() {
	local i
	cat >"$CFG" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $SOCK
seed: 0x5eed
stats:
  file: $LAB_DIR/xdpcast.prom
  period: 200ms
vips:
  - name: dns6
    address: $LAB_VIP6
    protocol: udp
    port: 53
    flow_table: { enabled: true, size: 4096 }
    check:
      type: dns
      name: anycast.test
      qtype: SOA
      interval: ${INTERVAL_MS}ms
      timeout: ${TIMEOUT_MS}ms
      rise: $RISE
      fall: $FALL
    backends:
YAML
	for i in $(seq 1 "$LAB_BACKENDS"); do
		printf '      - { name: b%d, address: %s }\n' "$i" "$(lab_backend_addr6 "$i")" >>"$CFG"
	done
}

# The agent's counters over the control socket; $1: a jq filter.
stats() {
	"$XDPCASTCTL" -s "$SOCK" -t 2 stats --json 2>/dev/null | jq -r "$1"
}
vip_stat() { stats ".vips[] | select(.address == \"$LAB_VIP6\") | $1"; }

lab_up || fail_setup "lab"
for i in $(seq 1 "$LAB_BACKENDS"); do lab_start_nsd "$i"; done
for i in $(seq 1 "$LAB_BACKENDS"); do lab_wait_nsd6 "$i" || fail_setup "nsd b$i over IPv6"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
: >"$LOG"
write_config

check "--check-config accepts the IPv6 VIP and backends" "$XDPCASTD" --check-config -c "$CFG"
lab_xdpcastd_start "$CFG" "$LOG"
wait_log " -> up" 5000 2 || true
check "all three IPv6 backends come up" [ "$(log_count ' -> up')" -eq 3 ]
for i in $(seq 1 "$LAB_BACKENDS"); do
	check "b$i up at $(lab_backend_addr6 "$i")" grep -q "backend b$i $(lab_backend_addr6 "$i").* -> up" "$LOG"
done
check "xdpcast is attached to r0" attached

# the next hops the agent found by NDP: each backend's own address and MAC, on r$i
"$XDPCASTCTL" -s "$SOCK" -t 2 backends --json >"$LAB_DIR/backends.json" 2>"$LAB_DIR/ctl.err"
for i in $(seq 1 "$LAB_BACKENDS"); do
	nh=$(jq -r --arg n "b$i" '.backends[] | select(.name == $n) |
		"\(.nexthop.state) \(.nexthop.ifname) \(.nexthop.gateway) \(.nexthop.dst_mac)"' \
		"$LAB_DIR/backends.json")
	want="reachable r$i $(lab_backend_addr6 "$i") $(lab_backend_mac "$i")"
	check "b$i's next hop by NDP: $nh" [ "$nh" = "$want" ]
done

map_flows
check "every flow answered over IPv6" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
used=$(snapshot | awk '{print $2}' | sort -u | grep -c '^b')
check "flows spread over the three backends (saw $used: $(snapshot | awk '{print $2}' | sort | uniq -c | xargs))" \
	[ "$used" -eq 3 ]
redirected=$(vip_stat '.reasons.redirect.packets')
check "every query went through XDP (redirect ${redirected:-?} of $QUERIES)" \
	[ "${redirected:-0}" -eq "$QUERIES" ]
snapshot >"$LAB_DIR/before"
b2_ports=$(snapshot | awk '$2 == "b2" {print $1}')
other_ports=$(snapshot | awk '$2 != "b2" {print $1}')
[ -n "$b2_ports" ] || fail_setup "no flow on b2"

# --- b2's NSD stops: b2 leaves, the others lose nothing ---
rm -f "$LAB_DIR/stop"
query_loop "$other_ports" "$LAB_DIR/stop" "$LAB_DIR/others" &
loop_pid=$!
sleep 0.3
before=$(log_count "backend b2 .*up -> down")
t0=$(now_ms)
kill "$LAB_NSD_PID_2"
wait_exit "$LAB_NSD_PID_2" 5000
wait_log "backend b2 .*up -> down" 5000 "$before"
detect_ms=$(($(now_ms) - t0))
bound_ms=$((INTERVAL_MS * FALL + TIMEOUT_MS + 1000))
echo "# b2 removed ${detect_ms} ms after its NSD stopped (interval ${INTERVAL_MS} ms x fall ${FALL})"
check "b2 removed within interval x fall + margin (${detect_ms} <= ${bound_ms} ms)" \
	[ "$detect_ms" -le "$bound_ms" ]
sleep 0.5
touch "$LAB_DIR/stop"
wait "$loop_pid"
loop_pid=""
read -r sent lost <"$LAB_DIR/others"
QUERIES=$((QUERIES + sent))
check "no query to b1 or b3 lost while b2 failed ($lost of $sent)" \
	test "$sent" -gt 0 -a "$lost" -eq 0
map_flows
check "b2's flows answered by the others" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
on_b2=$(snapshot | awk '$2 == "b2"' | wc -l)
check "no flow answered by b2 while it is down ($on_b2)" [ "$on_b2" -eq 0 ]
moved_others=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != "b2" && $2 != $3' | wc -l)
check "flows of b1 and b3 did not move ($moved_others moved)" [ "$moved_others" -eq 0 ]
snapshot >"$LAB_DIR/during"

# --- b2 back: it rejoins after rise passes ---
before=$(log_count "backend b2 .*down -> up")
lab_start_nsd 2
lab_wait_nsd6 2 || fail_setup "nsd b2 restart"
t0=$(now_ms)
wait_log "backend b2 .*down -> up" 5000 "$before"
rise_ms=$(($(now_ms) - t0))
echo "# b2 back ${rise_ms} ms after its NSD answered again (rise ${RISE})"
check "b2 back within interval x rise + margin (${rise_ms} ms)" \
	[ "$rise_ms" -le $((INTERVAL_MS * RISE + TIMEOUT_MS + 1000)) ]
map_flows
check "every flow answered with b2 back" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
went_back=$(join "$LAB_DIR/during" <(snapshot) | awk '$2 != $3' | wc -l)
check "flows that left b2 stay where they went when it returns ($went_back went back)" \
	[ "$went_back" -eq 0 ]
on_b2=0
for port in $(seq 43001 43040); do
	[ "$(lab_query6_from_port "$port")" = b2 ] && on_b2=$((on_b2 + 1))
	QUERIES=$((QUERIES + 1))
done
check "new flows reach b2 again ($on_b2 of 40)" [ "$on_b2" -gt 0 ]

# --- the counters: every query redirected by XDP, none passed to the kernel ---
redirected=$(vip_stat '.reasons.redirect.packets')
vip_packets=$(vip_stat '.packets')
check "every query went through XDP (redirect ${redirected:-?} of $QUERIES)" \
	[ "${redirected:-0}" -eq "$QUERIES" ]
check "no packet of the VIP passed to the kernel (${vip_packets:-?} counted)" \
	[ "${vip_packets:-0}" -eq "${redirected:-0}" ]
per_backend=$(stats '[.backends[] | select(.vip == "dns6") | .packets] | add')
check "the backends' counters add up to the queries (${per_backend:-?})" \
	[ "${per_backend:-0}" -eq "$QUERIES" ]
check "the stats file shows the IPv6 backends up" \
	grep -q "backend=\"b2\",backend_address=\"$(lab_backend_addr6 2)\"} 1\$" "$LAB_DIR/xdpcast.prom"

# --- SIGTERM: detached and unpinned ---
kill -TERM "$LAB_XDPCASTD_PID"
wait_exit "$LAB_XDPCASTD_PID" 5000
rc=$?
check "SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "no XDP program left on r0" detached
check "no pinned map left" [ ! -e "$LAB_PIN/vips" ]
check "the control socket is gone" [ ! -e "$SOCK" ]
finish
