#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: a throwaway lab (client, router, three NSD backends, and a
# core router speaking OSPF with the router, in network namespaces) with
# xdpcastd on the router: it attaches the XDP program, checks each NSD with
# DNS queries, steers the anycast DNS address, and keeps its route in the
# kernel for FRR to announce to the core. Real queries from the client show
# where each flow went while a backend is drained (xdpcastctl), dies (its
# NSD stopped), comes back, and while the agent itself is killed and
# restarted; then the whole site is drained and the core forgets the
# address. Removes everything it made on exit.
set -euo pipefail
export BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
LAB_STATIC_VIP_ROUTE=0 # the VIP's route is xdpcastd's
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
# shellcheck source=scripts/lab_routing.sh
source scripts/lab_routing.sh
trap lab_down EXIT INT TERM

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces, BPF)" >&2; exit 1; }
FLOWS=9
XDPCASTCTL=$BUILD/xdpcastctl

lab_up
lab_core_up
lab_frr_start router router
lab_frr_start core core
# as in the design: each server's NSD listens on the anycast address only (its
# own address is for management), and xdpcastd checks it there, through it
export LAB_NSD_LISTEN=vip
for i in $(seq 1 $LAB_BACKENDS); do lab_start_nsd "$i"; done
for i in $(seq 1 $LAB_BACKENDS); do lab_wait_nsd "$i"; done
lab_ospf_wait_full router

CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
cat >"$CFG" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $SOCK
seed: 0x5eed
route: { protocol: $LAB_ROUTE_PROTO, metric: 10 }
stats: { file: $LAB_DIR/xdpcast.prom, period: 500ms }
vips:
  - name: dns
    address: $LAB_VIP
    protocol: udp
    port: 53
    flow_table: { enabled: true, size: 65536 }
    check: { type: dns, name: anycast.test, qtype: SOA, interval: 200ms, timeout: 150ms, rise: 2, fall: 3 }
    backends:
$(for i in $(seq 1 $LAB_BACKENDS); do echo "      - { name: b$i, address: 198.18.$i.2 }"; done)
YAML
: >"$LOG"
log_lines=0
# What xdpcastd logged since the last call.
show_log() {
	local n
	n=$(wc -l <"$LOG")
	if [ "$n" -gt "$log_lines" ]; then
		sed -n "$((log_lines + 1)),${n}p" "$LOG" | sed 's/^/   | /'
	fi
	log_lines=$n
}
log_mark=0
# Before an action: wait_for looks only at what xdpcastd logs after this point,
# so that a line of an earlier event (b2's start-up "down -> up") cannot
# answer for the one the action causes.
mark_log() { log_mark=$(wc -l <"$LOG"); }
wait_for() { # pattern: until xdpcastd logs it after the mark (5 s at most)
	for _ in $(seq 1 100); do
		tail -n +"$((log_mark + 1))" "$LOG" | grep -q -- "$1" && return 0
		sleep 0.05
	done
	echo "demo: xdpcastd did not log '$1' after line $log_mark" >&2
	tail -n 20 "$LOG" >&2
	return 1
}
ctl() { "$XDPCASTCTL" -s "$SOCK" "$@"; }

declare -A before
show_flows() { # ports...: where each flow went, and whether it moved since first seen
	local port now note
	for port in "$@"; do
		now=$(lab_query_from_port "$port")
		note=""
		if [ -n "${before[$port]:-}" ] && [ "$now" != "${before[$port]}" ]; then
			note="  (moved from ${before[$port]})"
		fi
		[ -z "${before[$port]:-}" ] && before[$port]=$now
		printf '   flow %s:%s -> %s%s\n' "$LAB_CLIENT" "$port" "$now" "$note"
	done
}
KNOWN=$(seq 40001 $((40000 + FLOWS)))
NEW=$(seq 41001 41006)

echo "== xdpcastd starts on the router: checks b1 b2 b3 with DNS queries every 200 ms"
mark_log
lab_xdpcastd_start "$CFG" "$LOG"
wait_for "b1 .*-> up" && wait_for "b2 .*-> up" && wait_for "b3 .*-> up"
show_log
echo
ctl backends
echo
echo "== the VIP's route in the router's kernel (proto $LAB_ROUTE_PROTO), and at the core through FRR and OSPF"
lab_wait_core_route present "$LAB_VIP/32" 20000 >/dev/null
in_ns router ip route show "$LAB_VIP" proto "$LAB_ROUTE_PROTO" | sed 's/^/   router: /'
in_ns core ip route show "$LAB_VIP" | sed 's/^/   core:   /'
echo
echo "== the client's flows to $LAB_VIP (Maglev, 65537 slots, flow table)"
show_flows $KNOWN

echo
echo "== xdpcastctl drain dns b2: its known flows stay on it, new flows avoid it"
mark_log
ctl drain dns b2
wait_for "b2 .*-> draining"
show_log
show_flows $KNOWN
echo "   -- new flows:"
show_flows $NEW
ctl undrain dns b2 >/dev/null

echo
echo "== b2's NSD dies: xdpcastd takes b2 out after 3 failed checks; only b2's flows move"
mark_log
kill "$LAB_NSD_PID_2"
wait "$LAB_NSD_PID_2" 2>/dev/null || true
wait_for "b2 .*up -> down"
show_log
show_flows $KNOWN

echo
echo "== b2's NSD is back: b2 rejoins after 2 passing checks (its old flows stay where they went)"
mark_log
lab_start_nsd 2
lab_wait_nsd 2
wait_for "b2 .*down -> up"
show_log
show_flows $KNOWN

echo
echo "== kill -9 xdpcastd: the XDP program goes on forwarding; a new xdpcastd adopts it"
kill -9 "$LAB_XDPCASTD_PID"
wait "$LAB_XDPCASTD_PID" 2>/dev/null || true
show_flows $KNOWN
mark_log
lab_xdpcastd_start "$CFG" "$LOG"
wait_for "adopted, table"
show_log
show_flows $KNOWN

echo
echo "== counters (xdpcastctl stats)"
ctl stats
echo
echo "== the stats file for Prometheus (backend lines)"
sleep 0.6
grep '^xdpcast_backend_packets_total' "$LAB_DIR/xdpcast.prom" | sed 's/^/   /'
echo
echo "== b2's entries as bpftool sees the pinned maps (backend id 1, BTF field names)"
in_ns router bpftool map lookup pinned "$LAB_PIN/backend_owners" key 1 0 0 0 | sed 's/^/   /'
in_ns router bpftool map lookup pinned "$LAB_PIN/backends" key 1 0 0 0 | sed 's/^/   /'

echo
echo "== the whole site drained (xdpcastctl drain b1 b2 b3): the route is withdrawn, the core forgets $LAB_VIP"
ctl drain dns b1 >/dev/null
ctl drain dns b2 >/dev/null
drain_b3() { ctl drain dns b3 >/dev/null; }
ms=$(lab_wait_core_route absent "$LAB_VIP/32" 10000 drain_b3)
show_log
echo "   the core lost the route $ms ms after xdpcastd deleted it"
echo "   core:   $(in_ns core ip route show "$LAB_VIP")(no route: with another site announcing $LAB_VIP, its traffic would go there)"
echo
echo "== b1 undrained: the route and the core's route are back"
undrain_b1() { ctl undrain dns b1 >/dev/null; }
ms=$(lab_wait_core_route present "$LAB_VIP/32" 10000 undrain_b1)
show_log
echo "   the core had the route again $ms ms after xdpcastd added it"
in_ns core ip route show "$LAB_VIP" | sed 's/^/   core:   /'
