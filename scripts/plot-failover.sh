#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# docs/bench/failover.png: per-flow loss around a backend's failure, from
# one run of scripts/bench-failover.sh (dnsload's per-query records). Top:
# each query of each flow by the time it was sent, relative to the kill of
# b2's NSD (grey answered, red lost; the blue line the failover_ms of that
# run, from RECORDS_PREFIX.ms). Bottom: lost queries per 10 ms. Runs the bench itself (one run) unless
# given the records: scripts/plot-failover.sh [BUILD [RECORDS_PREFIX]], the
# prefix naming RECORDS_PREFIX.json and RECORDS_PREFIX.queries.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
prefix=${2:-}
OUT=${PLOT_OUT:-docs/bench/failover.png}
command -v gnuplot >/dev/null || {
	echo "plot-failover: gnuplot missing (scripts/install-deps.sh)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$prefix" ]; then
	prefix=$tmp/run
	BENCH_FAILOVER_RUNS=1 FAILOVER_OUT=$prefix scripts/bench-failover.sh "$BUILD" >/dev/null
fi
ms=$(cat "$prefix.ms" 2>/dev/null || true)
kill_ms=$(jq -r '[.marks[] | select(.label == "kill")][0].t_ms' "$prefix.json")
[[ $kill_ms =~ ^[0-9.]+$ ]] || {
	echo "plot-failover: no kill mark in $prefix.json" >&2
	exit 1
}
# time relative to the kill, flow, status
awk -v k="$kill_ms" '!/^#/ { printf "%.3f %d %s\n", $3 - k, $1, $4 }' "$prefix.queries" >"$tmp/q"
awk '$3 == "ok"' "$tmp/q" >"$tmp/ok"
awk '$3 == "lost"' "$tmp/q" >"$tmp/lost"
awk '{ b = int(($1 + 10000) / 10) * 10 - 10000; n[b] += 0 } $3 == "lost" { n[b]++ }
     END { for (b in n) print b, n[b] }' "$tmp/q" | sort -n >"$tmp/bins"
mkdir -p "$(dirname "$OUT")"
gnuplot <<GP
set terminal pngcairo size 1000,700 font ",10"
set output "$OUT"
set multiplot layout 2,1 title "xdpcast failover: b2's NSD killed at 0 under dnsload (100 flows, 3000 q/s); DNS check 100 ms, fall 3"
set xrange [-500:1500]
set ylabel "flow"
set key outside right
$( [ -n "$ms" ] && echo "set arrow from $ms, graph 0 to $ms, graph 1 nohead lc rgb 'blue' dt 2" )
plot "$tmp/ok" using 1:2 with points pt 7 ps 0.2 lc rgb "#bbbbbb" title "answered", \
     "$tmp/lost" using 1:2 with points pt 7 ps 0.5 lc rgb "red" title "lost"
unset arrow
set xlabel "ms since the kill (query sent)"
set ylabel "lost queries / 10 ms"
plot "$tmp/bins" using 1:2 with boxes fs solid 0.6 lc rgb "red" title "lost"
unset multiplot
GP
echo "plot-failover: $OUT${ms:+ (failover_ms $ms)}"
