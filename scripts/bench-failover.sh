#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench, failover_ms: how long the dataplane goes on sending to a
# backend whose DNS server died. The lab (3 backends running NSD) with
# xdpcastd checking them (DNS, interval 100 ms, fall 3, rise 1); dnsload
# queries the VIP from the client (100 flows, 3000 q/s) while
# build/xdpcast-failover-watch marks dnsload's record, SIGKILLs b2's NSD and
# watches b2's counters in the dataplane's pinned maps until they stop: the
# figure is the time from the kill to b2's last packet, the median of five
# runs (NSD restarted between them). Prints "bench failover_ms <median> ms";
# each run on stderr. The last run's per-query records are kept in
# $FAILOVER_OUT.json, .queries and .ms (that run's figure), if set, for
# scripts/plot-failover.sh.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export BUILD=${1:-build}
RUNS=${BENCH_FAILOVER_RUNS:-5}
LAB_BACKENDS=3
LAB_PREFIX=xcf$$
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

die() {
	echo "bench-failover: $*" >&2
	[ -n "${log:-}" ] && tail -n 5 "$log" >&2
	exit 1
}

lab_up || die "lab"
for i in 1 2 3; do lab_start_nsd "$i"; done
for i in 1 2 3; do lab_wait_nsd "$i" || die "nsd b$i"; done
cfg=$LAB_DIR/xdpcast.yaml
log=$LAB_DIR/xdpcastd.log
cat >"$cfg" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
vips:
  - name: dns
    address: $LAB_VIP
    protocol: udp
    port: 53
    check: { type: dns, name: anycast.test, interval: 100ms, timeout: 80ms, rise: 1, fall: 3 }
    backends:
      - { name: b1, address: 198.18.1.2 }
      - { name: b2, address: 198.18.2.2 }
      - { name: b3, address: 198.18.3.2 }
YAML
lab_xdpcastd_start "$cfg" "$log"
ifindex=$(in_ns router cat /sys/class/net/r2/ifindex) || die "no r2"
WATCH=$BUILD/xdpcast-failover-watch

runs=()
for run in $(seq 1 "$RUNS"); do
	# b2 back and answering through the dataplane before each run
	for _ in $(seq 1 100); do
		[ "$(lab_query_from_port 43002)" != - ] && break
		sleep 0.1
	done
	sleep 1
	fifo=$LAB_DIR/marks$run
	mkfifo "$fifo"
	exec 7<>"$fifo" # held open: writers never block, whoever reads
	in_ns client "$BUILD/dnsload" -s "$LAB_VIP" -f 100 -r 3000 -d 3 -t 300 -P 43001 \
		-m "$fifo" -j "$LAB_DIR/run$run.json" -q "$LAB_DIR/run$run.queries" \
		>"$LAB_DIR/run$run.txt" 2>&1 &
	load=$!
	LAB_PIDS+=("$load")
	sleep 1
	ms=$(LIBXDP_BPFFS="$LAB_DIR/bpffs" in_ns router "$WATCH" "$LAB_PIN" "$ifindex" \
		"$LAB_NSD_PID_2" "$fifo") || die "run $run: no figure"
	wait "$LAB_NSD_PID_2" 2>/dev/null # reaped here: no "Killed" line from bash
	wait "$load" || die "run $run: dnsload failed: $(tail -n 2 "$LAB_DIR/run$run.txt")"
	exec 7>&-
	echo "bench-failover: run $run: $ms ms" >&2
	runs+=("$ms")
	lab_start_nsd 2
	lab_wait_nsd 2 198.18.2.2 || die "nsd b2 again"
done
if [ -n "${FAILOVER_OUT:-}" ]; then
	cp "$LAB_DIR/run$RUNS.json" "$FAILOVER_OUT.json"
	cp "$LAB_DIR/run$RUNS.queries" "$FAILOVER_OUT.queries"
	echo "${runs[-1]}" >"$FAILOVER_OUT.ms"
fi
median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
echo "bench failover_ms $median ms"
echo "target failover_ms: $median <= 320 (interval 100 ms x fall 3 + 20)" >&2
