#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: a throwaway lab (client, router, three NSD backends in network
# namespaces), xdpcast steering the anycast DNS address on the router, real
# queries from the client, and where each flow went, before and after one
# backend is taken out. Removes everything it made on exit.
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
lab_dataplane_up

echo "== xdpcast on the router: VIP $LAB_VIP -> b1 b2 b3 (Maglev, 65537 slots)"
declare -A before
for port in $(seq 40001 $((40000 + FLOWS))); do
	before[$port]=$(lab_query_from_port "$port")
	printf 'flow %s:%s -> %s\n' "$LAB_CLIENT" "$port" "${before[$port]}"
done

echo
echo "== b2 taken out of the table (drained): only its flows move"
lab_dp backend 2 r2 "$(lab_backend_mac 2)" --state draining
lab_dp table "$LAB_VIP" 1 3
for port in $(seq 40001 $((40000 + FLOWS))); do
	now=$(lab_query_from_port "$port")
	note=""
	[ "$now" != "${before[$port]}" ] && note="  (moved from ${before[$port]})"
	printf 'flow %s:%s -> %s%s\n' "$LAB_CLIENT" "$port" "$now" "$note"
done

echo
echo "== counters (xdpcast-dp stats)"
lab_dp stats | grep -v ' 0 packets'
echo
echo "== backend 1's counters as bpftool sees the pinned map (per CPU)"
in_ns router bpftool map lookup pinned "$LAB_PIN/stats_backends" key 1 0 0 0
