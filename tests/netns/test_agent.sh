#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd end to end: a router running xdpcastd with DNS checks in front of
# real NSD backends in network namespaces. A stopped NSD leaves within
# interval x fall (plus a margin) without losing the other backends'
# queries, comes back after rise passes; kill -9 and a restart lose no query
# and move no flow; SIGHUP with a broken file changes nothing; SIGHUP adding
# a backend moves no flow-table flow; SIGTERM detaches and unpins. No seed is
# configured: the first start makes one and keeps it in state_dir, restarts
# read it back, and an adopting start with the file gone keeps the running one.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_BACKENDS=4 # b4 joins by reload
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_agent
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

INTERVAL_MS=200
TIMEOUT_MS=150
RISE=2
FALL=3

# The configuration with backends b1..b$1.
write_config() {
	local n=$1 i
	cat >"$CFG" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
stats:
  file: $LAB_DIR/xdpcast.prom
  period: 200ms
vips:
  - name: dns
    address: $LAB_VIP
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
	for i in $(seq 1 "$n"); do
		printf '      - { name: b%d, address: 198.18.%d.2 }\n' "$i" "$i" >>"$CFG"
	done
}

lab_up || fail_setup "lab"
for i in $(seq 1 $LAB_BACKENDS); do lab_start_nsd "$i"; done
for i in $(seq 1 $LAB_BACKENDS); do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
: >"$LOG"
write_config 3

check "--check-config accepts the file" "$XDPCASTD" --check-config -c "$CFG"
lab_xdpcastd_start "$CFG" "$LOG"
wait_log "-> up" 5000 2 || true
check "all three backends come up" [ "$(log_count ' -> up')" -eq 3 ]
check "xdpcast is attached to r0" attached
SEED_FILE=$LAB_DIR/state/seed
status_seed() { agent_ctl --json status | jq -r '"\(.seed) \(.seed_source)"'; }
seed=$(cat "$SEED_FILE" 2>/dev/null)
check "no seed configured: one made at random, kept in state_dir/seed and announced" \
	grep -q "hash seed $(printf '%#x' "$((seed))") made at random and kept in $SEED_FILE: routers that share" "$LOG"
check "the seed file is 0600 and holds one number" \
	[ "$(stat -c %a "$SEED_FILE")" = 600 ] && grep -qxE '0x[0-9a-f]{8}' "$SEED_FILE"
check "xdpcastctl status shows that seed, generated" [ "$(status_seed)" = "$((seed)) generated" ]

map_flows
check "every flow answered" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
used=$(snapshot | awk '{print $2}' | sort -u | grep -c '^b')
check "flows spread over the three backends (saw $used)" [ "$used" -eq 3 ]
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
wait "$LAB_NSD_PID_2" 2>/dev/null
wait_log "backend b2 .*up -> down" 5000 "$before"
detect_ms=$(($(now_ms) - t0))
bound_ms=$((INTERVAL_MS * FALL + TIMEOUT_MS + 1000))
echo "# b2 removed ${detect_ms} ms after its NSD stopped (interval ${INTERVAL_MS} ms x fall ${FALL})"
check "b2 removed within interval x fall + margin (${detect_ms} <= ${bound_ms} ms)" \
	[ "$detect_ms" -le "$bound_ms" ]
sleep 0.5
touch "$LAB_DIR/stop"
wait "$loop_pid"
read -r sent lost <"$LAB_DIR/others"
check "no query to b1 or b3 lost while b2 failed ($lost of $sent)" \
	test "$sent" -gt 0 -a "$lost" -eq 0
map_flows
check "b2's flows answered by the others" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
moved_others=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != "b2" && $2 != $3' | wc -l)
check "flows of b1 and b3 did not move ($moved_others moved)" [ "$moved_others" -eq 0 ]
snapshot >"$LAB_DIR/during"

# --- b2 back: it rejoins after rise passes ---
before=$(log_count "backend b2 .*down -> up")
lab_start_nsd 2
lab_wait_nsd 2 || fail_setup "nsd b2 restart"
t0=$(now_ms)
wait_log "backend b2 .*down -> up" 5000 "$before"
rise_ms=$(($(now_ms) - t0))
echo "# b2 back ${rise_ms} ms after its NSD answered again (rise ${RISE})"
check "b2 back within interval x rise + margin (${rise_ms} ms)" \
	[ "$rise_ms" -le $((INTERVAL_MS * RISE + TIMEOUT_MS + 1000)) ]
map_flows
went_back=$(join "$LAB_DIR/during" <(snapshot) | awk '$2 != $3' | wc -l)
check "flows that left b2 stay where they went when it returns ($went_back went back)" \
	[ "$went_back" -eq 0 ]

# --- b3's neighbour entry FAILED: b3 is down at once, then resolves again ---
before=$(log_count "backend b3 .*-> down (neighbour FAILED)")
back=$(log_count "backend b3 .*down -> up")
t0=$(now_ms)
in_ns router ip neigh replace 198.18.3.2 dev r3 nud failed
wait_log "backend b3 .*-> down (neighbour FAILED)" 3000 "$before"
failed_ms=$(($(now_ms) - t0))
echo "# b3 down ${failed_ms} ms after its neighbour entry FAILED"
# its checks still pass (the kernel resolves again): only the neighbour can do it
check "a FAILED neighbour takes b3 down at once (${failed_ms} ms)" \
	[ "$failed_ms" -lt $((INTERVAL_MS * FALL)) ]
wait_log "backend b3 .*down -> up" 5000 "$back"
check "b3 back once its checks resolve the neighbour again" \
	[ "$(log_count "backend b3 .*down -> up")" -gt "$back" ]

map_flows
snapshot >"$LAB_DIR/before"
check "every flow answered with b2 and b3 back" [ "$(cat "$LAB_DIR/lost")" -eq 0 ]

# --- kill -9: the dataplane keeps forwarding; a new agent adopts it ---
rm -f "$LAB_DIR/stop"
query_loop "$PORTS" "$LAB_DIR/stop" "$LAB_DIR/restart" &
loop_pid=$!
sleep 0.3
kill -9 "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID" 2>/dev/null
sleep 0.5
before=$(log_count "adopted")
lab_xdpcastd_start "$CFG" "$LOG" --keep-dataplane
wait_log "adopted" 5000 "$before" || true
sleep 0.6
touch "$LAB_DIR/stop"
wait "$loop_pid"
read -r sent lost <"$LAB_DIR/restart"
check "no query lost across kill -9 and restart ($lost of $sent)" \
	test "$sent" -gt 0 -a "$lost" -eq 0
check "the restarted agent adopted the table unchanged" grep -q "dns $LAB_VIP: adopted, table unchanged" "$LOG"
check "the restart read the seed back from state_dir, no new one" \
	[ "$(status_seed)" = "$((seed)) state file" ] && [ "$(log_count "made at random")" -eq 1 ] &&
	[ "$(log_count "hash seed changes")" -eq 0 ]
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow moved across the restart ($moved moved)" [ "$moved" -eq 0 ]

# --- SIGTERM with --keep-dataplane: forwarding goes on, the next agent adopts ---
rm -f "$LAB_DIR/stop"
query_loop "$PORTS" "$LAB_DIR/stop" "$LAB_DIR/upgrade" &
loop_pid=$!
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID" 2>/dev/null
check "--keep-dataplane: the program stays attached after SIGTERM" attached
check "--keep-dataplane: the maps stay pinned" [ -e "$LAB_PIN/vips" ]
rm -f "$SEED_FILE" # the state directory wiped: the running seed must stay
before=$(log_count "adopted, table unchanged")
lab_xdpcastd_start "$CFG" "$LOG"
wait_log "adopted, table unchanged" 5000 "$before" || true
check "the next agent adopts the kept dataplane unchanged" \
	[ "$(log_count "adopted, table unchanged")" -gt "$before" ]
sleep 0.3
touch "$LAB_DIR/stop"
wait "$loop_pid"
read -r sent lost <"$LAB_DIR/upgrade"
check "no query lost across the upgrade ($lost of $sent)" test "$sent" -gt 0 -a "$lost" -eq 0
check "seed file lost: the running dataplane's seed kept and written back" \
	[ "$(status_seed)" = "$((seed)) running dataplane" ] && [ "$(cat "$SEED_FILE")" = "$seed" ] &&
	grep -q "hash seed $seed of the running dataplane kept in $SEED_FILE" "$LOG"
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow moved across the upgrade ($moved moved)" [ "$moved" -eq 0 ]

# --- SIGHUP with a broken file: nothing changes ---
cp "$CFG" "$CFG.good"
# b1 gets a misspelt key
sed 's/{ name: b1, /{ name: b1, wieght: 3, /' "$CFG.good" >"$CFG"
before=$(log_count "reload refused")
kill -HUP "$LAB_XDPCASTD_PID"
wait_log "reload refused" 3000 "$before" || true
check "a broken file on SIGHUP is refused" [ "$(log_count "reload refused")" -gt "$before" ]
check "the refusal names file, line and key" \
	grep -q "xdpcast.yaml:[0-9]*:[0-9]*: vips\[0\]\.backends\[0\].*wieght" "$LOG"
check "xdpcastd still runs" kill -0 "$LAB_XDPCASTD_PID"
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow moved by the refused reload ($moved moved)" [ "$moved" -eq 0 ]

# --- SIGHUP adding b4: flow-table flows stay, new flows may use b4 ---
write_config 4
before=$(log_count "backend b4 .*down -> up")
kill -HUP "$LAB_XDPCASTD_PID"
wait_log "backend b4 .*down -> up" 5000 "$before" || true
check "b4 added by reload and up" [ "$(log_count "backend b4 .*down -> up")" -gt "$before" ]
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow-table flow moved when b4 joined ($moved moved)" [ "$moved" -eq 0 ]
on_b4=0
for port in $(seq 43001 43040); do
	[ "$(lab_query_from_port "$port")" = b4 ] && on_b4=$((on_b4 + 1))
done
check "new flows reach b4 ($on_b4 of 40)" [ "$on_b4" -gt 0 ]
check "the stats file shows b4 up" grep -q 'backend="b4",backend_address="198.18.4.2"} 1$' "$LAB_DIR/xdpcast.prom"

# --- SIGTERM: detached and unpinned ---
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
rc=$?
check "SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "no XDP program left on r0" detached
check "no pinned map left" [ ! -e "$LAB_PIN/vips" ]
check "the stats file is removed on exit" [ ! -e "$LAB_DIR/xdpcast.prom" ]
finish
