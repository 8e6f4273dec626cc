#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench, branch_failover_ms: the two-site lab (scripts/sites.sh; FRR
# tuned as there, xdpcastd checking DNS every 100 ms, fall 3); dnsload
# queries the service address from the branch client (40 flows, 1000 q/s)
# while the branch server's NSD is killed: the figure is the time from the
# kill to the first branch-client query answered by an HQ server (dnsload's
# per-query record: sent time + round trip), the median of five runs (NSD
# restarted, the branch answering its client again, between them). Prints
# "bench branch_failover_ms <median> ms"; each run on stderr.
# SITES_ROUTING=bird measures the same with BIRD ("branch_failover_bird_ms").
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export BUILD=${1:-build}
RUNS=${BENCH_BRANCH_RUNS:-5}
export LAB_PREFIX=xbf$$
# shellcheck source=scripts/sites.sh
source scripts/sites.sh
LAB_DIR=$(mktemp -d /tmp/xdpcast-sites.XXXXXX) || exit 1
trap sites_down EXIT
trap 'exit 1' INT TERM
DNSLOAD=$BUILD/dnsload
name=branch_failover_ms
[ "$SITES_ROUTING" = frr ] || name=branch_failover_${SITES_ROUTING}_ms

die() {
	echo "bench-branch-failover: $*" >&2
	exit 1
}

[ -x "$DNSLOAD" ] || die "$DNSLOAD is not built"
sites_up || die "the two-site lab ($SITES_ROUTING) did not come up"
runs=()
for run in $(seq 1 "$RUNS"); do
	Q=$LAB_DIR/run$run.queries J=$LAB_DIR/run$run.json
	# at most 10 s; SIGINT once HQ has answered for a while
	ip netns exec "$(lab_ns branch-client)" "$DNSLOAD" -s "$SITES_VIP" -f 40 -r 1000 -d 10 \
		-t 1000 -q "$Q" -j "$J" >"$LAB_DIR/run$run.txt" 2>&1 &
	load=$!
	LAB_PIDS+=("$load")
	sleep 1
	t_kill=$EPOCHREALTIME
	sites_nsd_stop branch-dns
	sites_wait_route branch-router absent || die "run $run: the branch kept its route"
	sleep 1.5
	kill -INT "$load"
	wait "$load" || die "run $run: dnsload failed: $(tail -n 3 "$LAB_DIR/run$run.txt")"
	_sites_forget_pid "$load"
	ms=$(awk -v t="$t_kill" -v s="$(jq -r .start_realtime "$J")" \
		'BEGIN { k = (t - s) * 1000 } !/^#/ && $3 >= k && $4 != "lost" && $5 ~ /^hq-dns/ {
			a = $3 + $6; if (first == "" || a < first) first = a }
		 END { if (first != "") printf "%.0f", first - k }' "$Q")
	[ -n "$ms" ] || die "run $run: no branch query answered by HQ after the kill"
	echo "bench-branch-failover: run $run: $ms ms ($(sed -n 2p "$LAB_DIR/run$run.txt"))" >&2
	runs+=("$ms")
	sites_nsd_start branch-dns || die "run $run: NSD on branch-dns again"
	sites_wait_route branch-router present && sites_wait_answer branch branch-dns ||
		die "run $run: the branch does not answer its client again"
done
median=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "bench $name $median ms"
