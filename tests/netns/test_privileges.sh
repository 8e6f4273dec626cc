#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd keeps only CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN
# (issue 11, defect 5: it ran with every capability while parsing DNS,
# HTTP/TLS and ICMP from the network), and works with them alone. In the lab
# of scripts/lab.sh (NSD on b1..b3, busybox httpd on b1, the VIP routes
# xdpcastd's only), in order:
#  - started as full root: /proc/PID/status shows exactly the four in CapEff
#    and CapPrm, nothing inheritable, an empty bounding set, CapAmb 0,
#    NoNewPrivs 1; its dns and tcp checks come up, the VIP route is there;
#  - SIGHUP adds a backend and two VIPs (icmp: the raw socket is opened after
#    the drop; http): all up;
#  - `xdpcastctl reload` moves the control socket and the stats file: the
#    new ones answer and are written, the old ones are gone;
#  - every NSD stopped: the VIP route is withdrawn; one back: announced;
#  - SIGTERM with --keep-dataplane, then an xdpcastd started by setpriv with
#    a bounding set of the four only (as a systemd unit's
#    CapabilityBoundingSet= would): it adopts, keeps the four (its bounding
#    set as given), every backend up again; its SIGTERM withdraws the route,
#    removes the probe rules, detaches and unpins;
#  - with any one of the four missing, xdpcastd exits 1 naming it, and makes
#    no control socket, attaches and pins nothing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_BACKENDS=3
LAB_STATIC_VIP_ROUTE=0 # the VIP route is xdpcastd's only: withdrawn means gone
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_privileges
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

INTERVAL_MS=200
TIMEOUT_MS=150
RISE=1
FALL=2
UP_MS=10000   # from a start or a reload to its backends up
DOWN_MS=5000  # from a failure to the route's withdrawal
HTTP_PORT=8080
ROUTE_PROTO=252
# the kept capabilities: CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_SYS_ADMIN 21, CAP_BPF 39
KEPT_MASK=0000008000203000
KEPT_SETPRIV=+bpf,+net_admin,+net_raw,+sys_admin

# Field $2 (CapEff, NoNewPrivs...) of process $1's status.
proc_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# check the capability sets of process $1: effective and permitted the four,
# nothing inheritable nor ambient, no_new_privs, the bounding set $2.
check_caps() {
	local pid=$1 bnd=$2 f got
	for f in CapEff CapPrm; do
		got=$(proc_field "$pid" "$f")
		check "$f is $KEPT_MASK, the four kept ($got)" [ "$got" = "$KEPT_MASK" ]
	done
	for f in CapInh CapAmb; do
		got=$(proc_field "$pid" "$f")
		check "$f is 0 ($got)" [ "$got" = 0000000000000000 ]
	done
	got=$(proc_field "$pid" CapBnd)
	check "CapBnd is $bnd ($got)" [ "$got" = "$bnd" ]
	got=$(proc_field "$pid" NoNewPrivs)
	check "NoNewPrivs is 1 ($got)" [ "$got" = 1 ]
}

# xdpcastd started by setpriv in the router with the bounding set $1 (-all
# first), then xdpcastd's arguments; sets PID. (ip netns exec and setpriv
# exec: $! is xdpcastd.)
start_limited() {
	local caps=$1
	shift
	LIBXDP_BPFFS="$LAB_DIR/bpffs" ip netns exec "$(lab_ns router)" \
		setpriv --bounding-set "-all,$caps" "$XDPCASTD" "$@" >>"$LOG" 2>&1 &
	PID=$!
	LAB_PIDS+=("$PID")
}

# The VIP route (xdpcastd's, protocol 252), on one line.
vip_route() { in_ns router ip -4 -o route show "$LAB_VIP" proto "$ROUTE_PROTO"; }
vip_route_present() { [ -n "$(vip_route)" ]; }
vip_route_gone() { [ -z "$(vip_route)" ]; }
# wait_until's, quiet: whether the command that follows succeeds within $1 ms.
within() { wait_until "$@" >/dev/null; }
answers() { agent_ctl status >/dev/null; }
probe_rules_gone() { [ -z "$(in_ns router ip -N rule show | grep -E ' proto 251( |$)')" ]; }

# The configuration: dns and tcp VIPs on b1, b2 (SIGHUP's adds b3 to dns, an
# icmp VIP on b1..b3 and an http VIP on b1), the control socket $1, stats $2.
write_config() {
	local sock=$1 stats=$2 full=${3:-} dns=("b1 198.18.1.2" "b2 198.18.2.2")
	[ -z "$full" ] || dns+=("b3 198.18.3.2")
	cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $sock
stats: { file: $stats, period: 200ms }
vips:
$(vip_yaml dns "$LAB_VIP" "protocol: udp, port: 53" "type: dns, name: anycast.test" "${dns[@]}")
$(vip_yaml tcp "$LAB_VIP" "protocol: tcp, port: 53" "type: tcp" "b1 198.18.1.2" "b2 198.18.2.2")
YAML
	[ -n "$full" ] || return 0
	vip_yaml icmp "$LAB_VIP" "" "type: icmp" "b1 198.18.1.2" "b2 198.18.2.2" "b3 198.18.3.2"
	vip_yaml http "$LAB_VIP" "protocol: tcp, port: $HTTP_PORT" "type: http" "b1 198.18.1.2"
}

lab_up || fail_setup "lab"
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
SOCK2=$LAB_DIR/moved/xdpcastd.sock
STATS=$LAB_DIR/xdpcast.prom
STATS2=$LAB_DIR/xdpcast2.prom
: >"$LOG"
for i in 1 2 3; do lab_start_nsd "$i"; done
lab_http_start b1 "$LAB_VIP" "$HTTP_PORT"
for i in 1 2 3; do lab_wait_nsd "$i" || fail_setup "NSD b$i"; done
lab_wait_http b1 "$LAB_VIP" "$HTTP_PORT" || fail_setup "http b1"

# --- full root: the drop ---
write_config "$SOCK" "$STATS" >"$CFG"
lab_xdpcastd_start "$CFG" "$LOG" --keep-dataplane
PID=$LAB_XDPCASTD_PID
wait_log "running: " 5000 0 || fail_setup "xdpcastd did not start"
check "the log says what it kept" \
	grep -q "privileges: only CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN kept (uid 0), bounding set emptied, no_new_privs set" "$LOG"
check_caps "$PID" 0000000000000000
ms=$(wait_until "$UP_MS" backend_health_is dns "b1 b2" up tcp "b1 b2" up)
check_health "dns and tcp checks up (${ms} ms)" dns "b1 b2" up tcp "b1 b2" up
check "the VIP route is announced" within "$UP_MS" vip_route_present

# --- SIGHUP: a backend and two VIPs more ---
write_config "$SOCK" "$STATS" full >"$CFG"
before=$(log_count "reloaded $CFG")
kill -HUP "$PID"
check "SIGHUP: reloaded" wait_log "reloaded $CFG" 5000 "$before"
ms=$(wait_until "$UP_MS" backend_health_is dns "b1 b2 b3" up icmp "b1 b2 b3" up http b1 up)
check_health "SIGHUP: the new backend and the icmp and http VIPs up (${ms} ms)" \
	dns "b1 b2 b3" up tcp "b1 b2" up icmp "b1 b2 b3" up http b1 up

# --- xdpcastctl reload: the control socket and the stats file move ---
check "stats file written" within 3000 test -s "$STATS"
write_config "$SOCK2" "$STATS2" full >"$CFG"
out=$(agent_ctl reload 2>&1)
rc=$?
check "xdpcastctl reload: ok (rc $rc: $(head -n 1 <<<"$out"))" [ "$rc" -eq 0 ]
check "the log says the socket moved" grep -q "control socket moved from $SOCK to $SOCK2" "$LOG"
SOCK=$SOCK2
check "the new socket answers" answers
check "the old one is gone" [ ! -e "$LAB_DIR/xdpcastd.sock" ]
check "the new stats file is written" within 3000 test -s "$STATS2"
check "the old one is removed" [ ! -e "$STATS" ]
check "the capabilities did not change" [ "$(proc_field "$PID" CapEff)" = "$KEPT_MASK" ]

# --- a failure withdraws the route, a return announces it ---
for i in 1 2 3; do
	pid_var=LAB_NSD_PID_$i
	kill "${!pid_var}"
	wait_exit "${!pid_var}" 5000
done
ms=$(wait_until "$DOWN_MS" vip_route_gone)
check "every NSD stopped: the VIP route withdrawn (${ms} ms)" [ "$ms" -ge 0 ]
check "the log says so" grep -q "route withdrawn: $LAB_VIP/32 .*out of service)" "$LOG"
lab_start_nsd 2
lab_wait_nsd 2 198.18.2.2 || fail_setup "NSD b2 again"
ms=$(wait_until "$UP_MS" vip_route_present)
check "b2's NSD back: the VIP route announced (${ms} ms)" [ "$ms" -ge 0 ]
lab_start_nsd 1
lab_start_nsd 3

# --- stopped keeping the dataplane, then the four caps alone: adoption ---
kill -TERM "$PID"
wait_exit "$PID" 10000
rc=$?
check "SIGTERM with --keep-dataplane exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "r0 stays attached" attached
check "the route stays" vip_route_present

before=$(log_count "running: ")
start_limited "$KEPT_SETPRIV" -c "$CFG"
wait_log "running: " 5000 "$before" || fail_setup "xdpcastd with the four capabilities did not start"
check "with the four only: it adopts" grep -q "pins in $LAB_PIN (adopted)" "$LOG"
check "the log says its bounding set is the one it was given" \
	grep -q "kept (uid 0), bounding set as given, no_new_privs set" "$LOG"
check_caps "$PID" "$KEPT_MASK"
for i in 1 3; do lab_wait_nsd "$i" "198.18.$i.2" || fail_setup "NSD b$i again"; done
ms=$(wait_until "$UP_MS" backend_health_is dns "b1 b2 b3" up tcp "b1 b2" up icmp "b1 b2 b3" up \
	http b1 up)
check_health "every backend up, every check type (${ms} ms)" \
	dns "b1 b2 b3" up tcp "b1 b2" up icmp "b1 b2 b3" up http b1 up
out=$(agent_ctl reload 2>&1)
rc=$?
check "xdpcastctl reload: ok (rc $rc: $(head -n 1 <<<"$out"))" [ "$rc" -eq 0 ]
kill -TERM "$PID"
wait_exit "$PID" 10000
rc=$?
check "its SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "it says \"detached and unpinned\"" grep -q "detached and unpinned" "$LOG"
check "r0 is detached" detached
check "no pinned map left" [ ! -e "$LAB_PIN/vips" ]
check "the VIP route withdrawn" vip_route_gone
check "no probe rule left" probe_rules_gone

# --- one capability missing: a clear refusal, nothing touched ---
for name in bpf net_admin net_raw sys_admin; do
	cap=CAP_${name^^}
	caps=$(tr , '\n' <<<"$KEPT_SETPRIV" | grep -vx "+$name" | paste -sd, -)
	before=$(log_count "missing capability $cap ")
	start_limited "$caps" -c "$CFG"
	wait_exit "$PID" 5000
	rc=$?
	check "without $cap: exit 1 (rc $rc)" [ "$rc" -eq 1 ]
	check "without $cap: the error names it" wait_log "missing capability $cap " 1 "$before"
done
check "the refusals name what to do" \
	grep -q "refusing to start: xdpcastd needs CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN" "$LOG"
check "and made no control socket" [ ! -e "$SOCK" ]
check "nor attached" detached
check "nor pinned" [ ! -e "$LAB_PIN/vips" ]
finish
