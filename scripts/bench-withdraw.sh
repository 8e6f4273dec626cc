#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: how fast the core router stops sending a VIP's traffic here
# once xdpcastd has seen its last backend fail. The lab's router runs
# xdpcastd and FRR (zebra, ospfd) with the timers of docs/routing.md; the
# core runs FRR. The VIP has one backend, whose link goes down (the router's
# side loses carrier: xdpcastd takes the backend out at once, and it stays out
# until the link is up again); the time runs from xdpcastd's route
# deletion in the router's kernel to the VIP's deletion in the core's, both
# as "ip -ts monitor route" stamps them, five times. Prints
# "bench withdraw_to_core <median> ms" (and each run on stderr).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export BUILD=${1:-build}
RUNS=${BENCH_WITHDRAW_RUNS:-5}
LAB_BACKENDS=1
LAB_STATIC_VIP_ROUTE=0
LAB_PREFIX=xcw$$
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
# shellcheck source=scripts/lab_routing.sh
source scripts/lab_routing.sh
trap lab_down EXIT INT TERM

die() {
	echo "bench-withdraw: $*" >&2
	[ -n "${log:-}" ] && tail -n 5 "$log" >&2
	exit 1
}

lab_up || die "lab"
lab_core_up || die "core"
lab_frr_start router router && lab_frr_start core core || die "FRR"
lab_ospf_wait_full router || die "no OSPF adjacency"
cfg=$LAB_DIR/xdpcast.yaml
log=$LAB_DIR/xdpcastd.log
cat >"$cfg" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
route: { protocol: $LAB_ROUTE_PROTO }
vips:
  - name: dns
    address: $LAB_VIP
    check: { type: icmp, interval: 100ms, timeout: 80ms, rise: 1, fall: 3 }
    backends:
      - { name: b1, address: 198.18.1.2 }
YAML
lab_xdpcastd_start "$cfg" "$log"
lab_wait_core_route present "$LAB_VIP/32" 20000 >/dev/null || die "the core never learned the VIP"

runs=()
for run in $(seq 1 "$RUNS"); do
	ms=$(lab_wait_core_route absent "$LAB_VIP/32" 5000 in_ns b1 ip link set eth0 down)
	[[ $ms =~ ^[0-9]+\.[0-9]$ ]] || die "run $run: the core kept the VIP ($ms)"
	echo "bench-withdraw: run $run: $ms ms" >&2
	runs+=("$ms")
	in_ns b1 ip link set eth0 up
	lab_wait_core_route present "$LAB_VIP/32" 10000 >/dev/null || die "run $run: no way back"
	sleep 0.5
done
median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
echo "bench withdraw_to_core $median ms"
