#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The pps plot of docs/benchmarks.md: from the `bench pps_*` lines of one or
# more runs of scripts/bench-pps.sh (or `make bench`), one file per run,
# draws with gnuplot a PNG of two panels, Mpps and Mpps per second of the
# router core's time, kernel vs xdpcast vs the floor, one bar per run:
#   scripts/plot-pps.sh docs/bench/pps.png docs/bench/pps-run1.txt docs/bench/pps-run2.txt ...
# Other lines in the files (other figures, diagnostics) are ignored.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_require plot-pps gnuplot awk || exit 1
if [ $# -lt 2 ]; then
	echo "usage: $0 OUT.png RUN-FILE..." >&2
	exit 2
fi
out=$1
shift
for f in "$@"; do
	if ! grep -q '^bench pps_' "$f"; then
		echo "plot-pps: $f: no 'bench pps_' line" >&2
		exit 1
	fi
done
data=$(mktemp /tmp/xdpcast-plot-pps.XXXXXX)
trap 'rm -f "$data"' EXIT

# one row per mode, one column per run (suffix "" = Mpps, "_per_core"); ? = missing
table() {
	local suffix=$1
	shift
	awk -v suffix="$suffix" '
		BEGIN {
			n = split("kernel xdpcast xdpcast_flowtable floor xdpcast_2cores", modes, " ")
			split("kernel xdpcast xdpcast/flowtable floor xdpcast/2cores", labels, " ")
		}
		FNR == 1 { run++ }
		$1 == "bench" { v[run, $2] = $3 }
		END {
			for (m = 1; m <= n; m++) {
				printf "%s", labels[m]
				for (r = 1; r <= run; r++) {
					k = "pps_" modes[m] suffix
					printf " %s", ((r, k) in v) ? v[r, k] : "?"
				}
				printf "\n"
			}
		}' "$@"
}
{
	table "" "$@"
	printf '\n\n'
	table _per_core "$@"
} >"$data"

gnuplot <<GP
set terminal pngcairo size 1200,500 font "sans,10"
set output "$out"
set datafile missing "?"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "Mpps"
set yrange [0:*]
set grid ytics
set key top left
set xtics noenhanced
set multiplot layout 1,2 title "64-byte UDP through a router namespace, the router on one core (scripts/bench-pps.sh)"
set title "forwarded (Mpps)"
plot for [r=2:$(($# + 1))] "$data" index 0 using r:xtic(1) title sprintf("run %d", r - 1)
set title "per second of the router core's time (Mpps)"
plot for [r=2:$(($# + 1))] "$data" index 1 using r:xtic(1) title sprintf("run %d", r - 1)
unset multiplot
GP
echo "plot-pps: wrote $out" >&2
