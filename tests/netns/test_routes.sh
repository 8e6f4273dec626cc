#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd's routes in the router's kernel FIB (no routing daemon here; see
# test_ospf_frr.sh and test_ospf_bird.sh): one multipath host route per VIP
# address over the backends taking new flows, with their weights; withdrawn
# when the last backend fails and back with the first one; a route deleted
# or changed by hand is restored by the reconcile; a write the kernel refuses
# is shown as failing and retried; a stale route of xdpcast's protocol
# is removed at start; a restart adopts the routes without touching them; a
# reload moves them to a new metric; SIGTERM removes them, --keep-dataplane
# leaves them. Other protocols' routes are never touched. The stats file,
# promtool-clean at each step, follows: build info, interface mode, each
# backend's state, its checks by result and their latency histogram, route
# repairs and refused writes, the last reload. The log says each change
# cause first, and carries <N> priorities under the journal.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_STATIC_VIP_ROUTE=0 # xdpcastd's route is the only one for the VIP
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_routes
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh
# shellcheck source=tests/netns/prom_lib.sh
source tests/netns/prom_lib.sh

INTERVAL_MS=100
TIMEOUT_MS=80
FALL=2
RECONCILE_MS=200
PROTO=252
XDPCASTCTL=${XDPCASTCTL:-$BUILD/xdpcastctl}

write_config() {
	local metric=$1
	cat >"$CFG" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
stats: { file: $LAB_DIR/xdpcast.prom, period: 100ms }
route: { protocol: $PROTO, metric: $metric, reconcile_interval: ${RECONCILE_MS}ms }
vips:
$(dns_vip_yaml dns "$LAB_VIP" "b1 198.18.1.2" "b2 198.18.2.2" "b3 198.18.3.2 2")
$(mapfile -t b6 < <(lab_backends6); dns_vip_yaml dns6 "$LAB_VIP6" "${b6[@]}")
$(mapfile -t b4 < <(lab_backends4); DNS_CHECK_TARGET=backend dns_vip_yaml dns6via4 2001:db8:53::54 "${b4[@]}")
YAML
}

# The router's route of xdpcast's protocol for $1 (v4 or v6), on one line.
route_of() { in_ns router ip -o route show "$1" proto "$PROTO" table all; }
route6_of() { in_ns router ip -6 -o route show "$1" proto "$PROTO" table all; }
nexthops() { grep -o 'nexthop via [^ ]* dev [^ ]* weight [0-9]*' | sed 's/nexthop via //'; }
has_route() { [ -n "$(route_of "$LAB_VIP")" ]; }
no_route() { [ -z "$(route_of "$LAB_VIP")" ]; }
route_via() { route_of "$LAB_VIP" | grep -q "via $1 "; }
# The VIP's route at metric $1 in table $2, multipath.
route_at() { in_ns router ip -o route show "$LAB_VIP/32" proto "$PROTO" metric "$1" table "$2" | grep -q nexthop; }
no_route_at() { [ -z "$(in_ns router ip -o route show "$LAB_VIP/32" proto "$PROTO" metric "$1" table all)" ]; }
n_nexthops() { route_of "$LAB_VIP" | grep -o nexthop | wc -l; }
three_nexthops() { [ "$(n_nexthops)" -eq 3 ]; }
not_via() { ! route_via "$1"; }
ctl() { in_ns router "$XDPCASTCTL" -s "$LAB_DIR/xdpcastd.sock" "$@"; }
# xdpcastctl's and the stats file's view of the dns VIP's route: "true true" / "false false".
route_shown() {
	echo "$(ctl --json vips | jq -r '.vips[] | select(.name == "dns") | .route_announced')" \
		"$(grep '^xdpcast_vip_route_announced{vip="dns"' "$LAB_DIR/xdpcast.prom" |
			awk '{print $2 == 1 ? "true" : "false"}')"
}
others_kept() { in_ns router ip route show 203.0.113.99 proto static | grep -q via; }
# What the log says of the dns VIP from line $1 on, one word a line, in order:
# backend (a state change), table, service (in or out of it), route (its route).
dns_events() {
	tail -n +"$1" "$LOG" | awk -v vip="vip dns $LAB_VIP: " -v route=": $LAB_VIP/32 " '
		index($0, vip) && / -> / { print "backend"; next }
		index($0, vip) && /: table (rewritten|unchanged)/ { print "table"; next }
		index($0, vip) && /: (in|out of) service/ { print "service"; next }
		/ route (withdrawn|announced|updated): / && index($0, route) { print "route" }' |
		tr '\n' ' '
}

lab_up || fail_setup "lab"
for i in 1 2 3; do lab_start_nsd "$i"; done
for i in 1 2 3; do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
: >"$LOG"
write_config 20

# left by an earlier xdpcastd for a VIP no longer configured, and someone else's
in_ns router ip route add 198.51.100.99/32 via 198.18.1.2 proto "$PROTO" metric 20
in_ns router ip route add 203.0.113.99/32 via 198.18.1.2 proto static metric 20

started_at=$(date +%s)
lab_xdpcastd_start "$CFG" "$LOG"
ms=$(wait_until 5000 has_route)
echo "# the route appeared ${ms} ms after xdpcastd started"
wait_log "-> up" 3000 5 || true
sleep 0.3
route=$(route_of "$LAB_VIP")
echo "# $route"
check "the VIP's route has the three backends as next hops" \
	[ "$(echo "$route" | nexthops | wc -l)" -eq 3 ]
check "with their weights (b3 has 2)" \
	[ "$(echo "$route" | nexthops | grep -c 'weight 1')" -eq 2 -a \
	"$(echo "$route" | nexthops | grep -c '198.18.3.2 dev r3 weight 2')" -eq 1 ]
check "of protocol $PROTO and metric 20, in table main" route_at 20 main
route6=$(route6_of "$LAB_VIP6")
check "the IPv6 VIP's route has the three backends as next hops" \
	[ "$(echo "$route6" | nexthops | wc -l)" -eq 3 ]
check "an IPv6 VIP whose backends are IPv4 gets no route (an IPv6 route cannot name them)" \
	[ -z "$(route6_of 2001:db8:53::54)" ]
check "and the log says why, once" \
	[ "$(grep -c "route 2001:db8:53::54: not announced: its backends' next hops are IPv4" "$LOG")" -eq 1 ]
check "the stale route of protocol $PROTO is removed at start" \
	[ -z "$(route_of 198.51.100.99)" ]
check "and its removal logged" grep -q "route removed: 198.51.100.99/32 proto $PROTO" "$LOG"
check "another protocol's route is left alone" others_kept

# --- the stats file, all three up ---
PROM=$LAB_DIR/xdpcast.prom
B1='vip="dns",address="203.0.113.53",protocol="udp",port="53",backend="b1",backend_address="198.18.1.2"'
# b1's series $1 with $2 added to its labels, in snapshot $3
b1_value() { prom_value "$3" "$1{$B1${2:+,$2}}"; }
# b1's states that say 1, in snapshot $1: "up" when all is well
b1_states() { awk -v s="xdpcast_backend_state{$B1,state=" 'index($0, s) == 1 && $2 == 1' "$1" |
	sed 's/.*state="\([^"]*\)".*/\1/' | tr '\n' ' ' | sed 's/ $//'; }
prom_snapshot "$PROM" "$LAB_DIR/p1.prom"
check "stats file, all up: promtool check metrics finds nothing" prom_clean "$LAB_DIR/p1.prom"
version=$(ctl --json status | jq -r .version)
check "xdpcast_build_info says xdpcastctl status's version ($version)" \
	[ "$(prom_value "$LAB_DIR/p1.prom" "xdpcast_build_info{version=\"$version\"}")" = 1 ]
check "xdpcast_interface_attached: r0, native" \
	[ "$(prom_value "$LAB_DIR/p1.prom" 'xdpcast_interface_attached{interface="r0",mode="native"}')" = 1 ]
check "the start counts as a successful reload" \
	[ "$(prom_value "$LAB_DIR/p1.prom" xdpcast_last_reload_success)" = 1 ]
reload_ts1=$(prom_value "$LAB_DIR/p1.prom" xdpcast_last_reload_timestamp_seconds)
check "at the start's time ($reload_ts1, started at $started_at)" \
	awk -v t="$reload_ts1" -v s="$started_at" 'BEGIN { exit !(t >= s && t < s + 600) }'
check "b1's state gauge: up, and only up ($(b1_states "$LAB_DIR/p1.prom"))" \
	[ "$(b1_states "$LAB_DIR/p1.prom")" = up ]
check "a state series per backend and state (9 backends x 4 states)" \
	[ "$(grep -c '^xdpcast_backend_state{' "$LAB_DIR/p1.prom")" -eq 36 ]
ok1=$(b1_value xdpcast_backend_checks_total 'result="ok"' "$LAB_DIR/p1.prom")
check "b1's checks by result: ok counted (${ok1:-none})" [ "${ok1:-0}" -gt 0 ]
count1=$(b1_value xdpcast_backend_check_duration_seconds_count "" "$LAB_DIR/p1.prom")
inf1=$(b1_value xdpcast_backend_check_duration_seconds_bucket 'le="+Inf"' "$LAB_DIR/p1.prom")
results1=$(prom_sum "$LAB_DIR/p1.prom" "^xdpcast_backend_checks_total[{]$B1,")
check "b1's latency histogram counts every check (count $count1, +Inf $inf1, checks $results1)" \
	[ "${count1:-0}" -gt 0 -a "$count1" = "$inf1" -a "$count1" = "$results1" ]
since1=$(b1_value xdpcast_backend_state_change_timestamp_seconds "" "$LAB_DIR/p1.prom")
check "b1's last state change is after the start ($since1)" \
	awk -v t="$since1" -v s="$started_at" 'BEGIN { exit !(t >= s) }'

# the shipped rt_protos.d entry names the protocol, as `make install` puts it
make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$LAB_DIR/root" >/dev/null
named=$(unshare -m sh -c "mount --bind '$LAB_DIR/root/etc/iproute2/rt_protos.d' \
	/etc/iproute2/rt_protos.d && ip -n '$(lab_ns router)' route show '$LAB_VIP'")
check "ip route prints proto xdpcast with the installed rt_protos.d entry" \
	grep -q "proto xdpcast" <<<"$named"

# --- every backend fails: the route is withdrawn, and back with the first ---
kill_at=$(($(wc -l <"$LOG") + 1))
for i in 1 2 3; do kill "$(eval echo "\$LAB_NSD_PID_$i")"; done
for i in 1 2 3; do wait "$(eval echo "\$LAB_NSD_PID_$i")" 2>/dev/null; done
ms=$(wait_until 5000 no_route)
bound=$((INTERVAL_MS * FALL + TIMEOUT_MS + 1000))
echo "# the route was withdrawn ${ms} ms after the last backend's NSD stopped"
check "the route is withdrawn within interval x fall + margin (${ms} <= ${bound} ms)" \
	[ "$ms" -ge 0 -a "$ms" -le "$bound" ]
check "the withdrawal is logged with its reason" \
	grep -q "route withdrawn: $LAB_VIP/32 proto $PROTO metric 20 table 254 (vip dns out of service)" "$LOG"
sleep 0.3
shown=$(route_shown)
check "xdpcastctl vips and the stats file show it withdrawn ($shown)" [ "$shown" = "false false" ]
prom_snapshot "$PROM" "$LAB_DIR/p2.prom"
check "stats file, all down: promtool check metrics finds nothing" prom_clean "$LAB_DIR/p2.prom"
check "b1's NSD killed: its state gauge says down, and only down ($(b1_states "$LAB_DIR/p2.prom"))" \
	[ "$(b1_states "$LAB_DIR/p2.prom")" = down ]
failed2=$(prom_sum "$LAB_DIR/p2.prom" "^xdpcast_backend_checks_total[{]$B1,result=\"(timeout|refused|unreachable|bad_reply|error)\"")
echo "# b1's failed checks by result: $(grep "^xdpcast_backend_checks_total{$B1," "$LAB_DIR/p2.prom" | sed 's/.*result="\([^"]*\)"} /\1 /' | tr '\n' ' ')"
check "b1's failed checks counted by result ($failed2 >= fall $FALL)" [ "${failed2%.*}" -ge "$FALL" ]
count2=$(b1_value xdpcast_backend_check_duration_seconds_count "" "$LAB_DIR/p2.prom")
check "b1's latency histogram grew ($count1 -> $count2)" [ "${count2:-0}" -gt "$count1" ]
since2=$(b1_value xdpcast_backend_state_change_timestamp_seconds "" "$LAB_DIR/p2.prom")
check "b1's state change time moved on ($since1 -> $since2)" \
	awk -v a="$since1" -v b="$since2" 'BEGIN { exit !(b > a) }'
lab_start_nsd 2
lab_wait_nsd 2 || fail_setup "nsd b2 restart"
ms=$(wait_until 5000 has_route)
echo "# the route was back ${ms} ms after b2's NSD answered"
check "the route is back via b2" route_via '198.18.2.2 dev r2'
check "b2 is its only next hop" [ "$(n_nexthops)" -eq 0 ]
sleep 0.3
shown=$(route_shown)
check "xdpcastctl vips and the stats file show it announced ($shown)" [ "$shown" = "true true" ]
# cause before effect: each backend's change, then the table, the service, the route
events=$(dns_events "$kill_at")
echo "# the dns VIP's log since the kill: $events"
check "the log: each backend down before the table it changed, the route after both" \
	grep -Eq "^(backend table route ){2}backend table service route " <<<"$events"
check "the log: b2 up, then the table, the VIP in service, then the route announced" \
	grep -Eq "service route backend table service route \$" <<<"$events"

# --- deleted and changed by hand: the reconcile restores it ---
in_ns router ip route del "$LAB_VIP/32" proto "$PROTO"
ms=$(wait_until $((RECONCILE_MS + 2000)) has_route)
echo "# a route deleted by hand was restored ${ms} ms later (reconcile every ${RECONCILE_MS} ms)"
check "a route deleted by hand is restored by the reconcile (${ms} ms)" [ "$ms" -ge 0 ]
check "the deletion and the restoration are logged" \
	grep -q "route deleted outside xdpcastd: $LAB_VIP/32" "$LOG"
check "the restoration is logged" grep -q "route restored: $LAB_VIP/32" "$LOG"
in_ns router ip route replace "$LAB_VIP/32" via 198.18.3.2 proto "$PROTO" metric 20
ms=$(wait_until $((RECONCILE_MS + 2000)) route_via 198.18.2.2)
echo "# a route changed by hand was put back ${ms} ms later"
check "a route changed by hand is put back (${ms} ms)" [ "$ms" -ge 0 ]
check "the change is logged" grep -q "route changed outside xdpcastd: $LAB_VIP/32 .*via 198.18.3.2" "$LOG"
sleep 0.3
prom_snapshot "$PROM" "$LAB_DIR/p3.prom"
repairs=$(prom_value "$LAB_DIR/p3.prom" xdpcast_route_repairs_total)
check "xdpcast_route_repairs_total counts the deleted and the changed route ($repairs)" \
	[ "$repairs" = 2 ]
check "and no route write failed yet" \
	[ "$(prom_value "$LAB_DIR/p3.prom" xdpcast_route_write_failures_total)" = 0 ]

# --- weights follow the operator's ---
lab_start_nsd 1
lab_start_nsd 3
lab_wait_nsd 1 && lab_wait_nsd 3 || fail_setup "nsd b1 b3 restart"
wait_until 5000 three_nexthops >/dev/null
ctl weight dns b1 7 >/dev/null
sleep 0.2
check "xdpcastctl weight changes the route's weight" route_via '198.18.1.2 dev r1 weight 7'
ctl drain dns b1 >/dev/null
sleep 0.2
check "a drained backend leaves the route" not_via 198.18.1.2
ctl undrain dns b1 >/dev/null

# --- a write the kernel refuses: retried every reconcile, shown as failing ---
# Policy routing sends b3's IPv6 address through table 100 (r3, where b3 is)
# while the main table names r1: xdpcastd's next hop (r3, from the lookup
# through the rules) does not match the main table, and the kernel refuses
# the IPv6 route ("device mismatch").
b3v6=$(lab_backend_addr6 3)
in_ns router ip -6 route add "${b3v6%::2}::/64" dev r3 table 100
in_ns router ip -6 rule add to "$b3v6" lookup 100 pref 100
in_ns router ip -6 route add "$b3v6/128" dev r1
route6_before=$(route6_of "$LAB_VIP6")
ctl drain dns6 b1 >/dev/null
sleep 0.5
dns6_error() { ctl --json vips | jq -r '.vips[] | select(.name == "dns6") | .route_error'; }
error6=$(dns6_error)
check "a refused route write shows in xdpcastctl (route_error: $error6)" \
	[ "$error6" = "install: Invalid argument" ]
dns6_failing() { ctl vips | grep -Eq '^dns6 .* failing$'; }
check "and as ROUTE failing" dns6_failing
check "logged once, though retried every reconcile" \
	[ "$(grep -c "route $LAB_VIP6: cannot install (Invalid argument), retrying every reconcile" "$LOG")" -eq 1 ]
prom_snapshot "$PROM" "$LAB_DIR/p4.prom"
failures=$(prom_value "$LAB_DIR/p4.prom" xdpcast_route_write_failures_total)
check "xdpcast_route_write_failures_total counts each refused try ($failures)" [ "${failures:-0}" -ge 1 ]
check "the route in the kernel stays as it was" [ "$(route6_of "$LAB_VIP6")" = "$route6_before" ]
in_ns router ip -6 route del "$b3v6/128" dev r1
in_ns router ip -6 rule del to "$b3v6" lookup 100 pref 100
no_error6() { [ "$(dns6_error)" = null ]; }
ms=$(wait_until $((RECONCILE_MS + 2000)) no_error6)
check "the next reconcile writes it once the kernel takes it (${ms} ms)" [ "$ms" -ge 0 ]
route6_without_b1() { ! route6_of "$LAB_VIP6" | grep -q 'via 2001:db8:18:1::2 '; }
check "without b1" route6_without_b1
ctl undrain dns6 b1 >/dev/null
sleep 0.2
before=$(route_of "$LAB_VIP")

# --- kill -9 and restart: the routes are adopted, never withdrawn ---
in_ns router ip -o monitor route >"$LAB_DIR/monitor" 2>/dev/null &
monitor=$!
LAB_PIDS+=("$monitor")
sleep 0.1
kill -9 "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID" 2>/dev/null
check "the route outlives a killed xdpcastd" has_route
lab_xdpcastd_start "$CFG" "$LOG"
wait_log "route adopted, unchanged: $LAB_VIP/32" 5000 0 || true
sleep $((RECONCILE_MS * 2))e-3
check "a restarted xdpcastd adopts the route unchanged" \
	grep -q "route adopted, unchanged: $LAB_VIP/32" "$LOG"
check "and the IPv6 one" grep -q "route adopted, unchanged: $LAB_VIP6/128" "$LOG"
kill "$monitor"
wait "$monitor" 2>/dev/null
touched=$(grep -c -e "$LAB_VIP " -e "$LAB_VIP6 " "$LAB_DIR/monitor")
check "nor deleted nor replaced across the restart ($touched route messages)" [ "$touched" -eq 0 ]
check "the route is the same" [ "$(route_of "$LAB_VIP")" = "$before" ]

# --- reload to a new metric: the route moves, the old one goes ---
write_config 30
before=$(log_count "reloaded")
kill -HUP "$LAB_XDPCASTD_PID"
wait_log "reloaded" 3000 "$before" || true
check "after a reload to metric 30 the route has it" route_at 30 main
check "and no route is left at metric 20" no_route_at 20
sleep 0.3
prom_snapshot "$PROM" "$LAB_DIR/p5.prom"
reload_ts5=$(prom_value "$LAB_DIR/p5.prom" xdpcast_last_reload_timestamp_seconds)
check "after SIGHUP: last reload successful, at a later time ($reload_ts1 -> $reload_ts5)" \
	awk -v a="$reload_ts1" -v b="$reload_ts5" -v ok="$(prom_value "$LAB_DIR/p5.prom" xdpcast_last_reload_success)" \
	'BEGIN { exit !(ok == 1 && b > a) }'
check "stats file at the end: promtool check metrics finds nothing" prom_clean "$LAB_DIR/p5.prom"
awk '/^### Alert rules/ { on = 1 } on && /^```$/ { exit } on && p { print } on && /^```yaml$/ { p = 1 }' \
	docs/xdpcastd.md >"$LAB_DIR/rules.yml"
rules_clean() { promtool check rules "$1" 2>&1 | sed 's/^/# promtool: /'; return "${PIPESTATUS[0]}"; }
check "the alert rules of docs/xdpcastd.md pass promtool check rules" rules_clean "$LAB_DIR/rules.yml"

# --- exit: --keep-dataplane leaves the routes, a plain SIGTERM removes them ---
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
lab_xdpcastd_start "$CFG" "$LOG" --keep-dataplane
# a fresh start (the SIGTERM unpinned): the route comes once rise checks passed
wait_until 5000 has_route >/dev/null || fail_setup "no route before the keep-dataplane exit"
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
check "--keep-dataplane leaves the routes in place for the next xdpcastd" has_route
lab_xdpcastd_start "$CFG" "$LOG"
sleep 0.5
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
rc=$?
check "SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "SIGTERM removes the routes" no_route
check "both families" [ -z "$(route6_of "$LAB_VIP6")" ]
check "the removal is logged" grep -q "route withdrawn: .*(xdpcastd stopping)" "$LOG"
check "another protocol's route is still there" others_kept

# --- under systemd's journal (JOURNAL_STREAM names stderr): <N> priorities ---
JLOG=$LAB_DIR/journal.log
: >"$JLOG"
JOURNAL_STREAM=$(stat -c %d:%i "$JLOG") lab_xdpcastd_start "$CFG" "$JLOG"
wait_until 5000 has_route >/dev/null || true
kill -TERM "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID"
journal_only() { [ -s "$JLOG" ] && ! grep -qv '^<[3467]>' "$JLOG"; }
check "in the journal every line starts with its priority, no timestamp" journal_only
check "a backend's change at info (<6>)" grep -q '^<6>vip dns .*: backend b1 .* -> up' "$JLOG"
check "the withdrawal at warning (<4>)" grep -q "^<4>route withdrawn: $LAB_VIP/32 .*(xdpcastd stopping)" "$JLOG"
finish
