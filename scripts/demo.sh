#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: a throwaway lab (client, router, three NSD backends in network
# namespaces), xdpcast steering the anycast DNS address on the router, real
# queries from the client, and where each flow went: spread by Maglev, kept
# by the flow table while a backend drains, moved only off a backend that
# goes down. Removes everything it made on exit.
set -euo pipefail
export BUILD=${1:-build}
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces, BPF)" >&2; exit 1; }
FLOWS=12

lab_up
for i in $(seq 1 $LAB_BACKENDS); do lab_start_nsd "$i"; done
for i in $(seq 1 $LAB_BACKENDS); do lab_wait_nsd "$i"; done
lab_dataplane_up 65536

show_flows() { # ports... : where each flow went, and whether it moved since "before"
	local port now note
	for port in "$@"; do
		now=$(lab_query_from_port "$port")
		note=""
		if [ -n "${before[$port]:-}" ] && [ "$now" != "${before[$port]}" ]; then
			note="  (moved from ${before[$port]})"
		fi
		[ -z "${before[$port]:-}" ] && before[$port]=$now
		printf 'flow %s:%s -> %s%s\n' "$LAB_CLIENT" "$port" "$now" "$note"
	done
}

declare -A before
KNOWN=$(seq 40001 $((40000 + FLOWS)))
NEW=$(seq 41001 41006)

echo "== xdpcast on the router: VIP $LAB_VIP -> b1 b2 b3 (Maglev, 65537 slots, flow table)"
show_flows $KNOWN

echo
echo "== b2 draining: its known flows stay on it, new flows avoid it"
lab_dp backend 2 r2 "$(lab_backend_mac 2)" --state draining
lab_dp table "$LAB_VIP" 1 2:0 3
show_flows $KNOWN
echo "-- new flows:"
show_flows $NEW

echo
echo "== b2 down: only its flows move"
lab_dp backend 2 r2 "$(lab_backend_mac 2)" --state down
show_flows $KNOWN

echo
echo "== counters (xdpcast-dp stats)"
lab_dp stats | grep -v ' 0 packets'
echo
echo "== backend 1's counters as bpftool sees the pinned map (per CPU)"
in_ns router bpftool map lookup pinned "$LAB_PIN/stats_backends" key 1 0 0 0
