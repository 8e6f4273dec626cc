#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo` end to end (scripts/demo.sh), as a user runs it with KEEP=1,
# on a per-run prefix and a private state directory: it exits 0 and prints
# each step's measured result (the numbers are the demo's own checks; this
# test checks they were printed and say what the design promises), leaves a
# lab whose every process runs, and `scripts/lab-sites.sh down` then removes
# all of it (namespaces, processes, files).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh

PREFIX=$(printf 'xd%05d' $(($$ % 100000)))
export SITES_STATE
SITES_STATE=$(mktemp -d /tmp/xdpcast-demo.XXXXXX)
OUT=$SITES_STATE.out
cleanup() {
	scripts/lab-sites.sh down --prefix "$PREFIX" >/dev/null 2>&1
	rm -rf "$SITES_STATE" "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

KEEP=1 LAB_PREFIX=$PREFIX scripts/demo.sh "$BUILD" >"$OUT" 2>&1
rc=$?
sed 's/^/# /' "$OUT"
check "the demo exits 0 (rc $rc)" [ "$rc" = 0 ]
printed() { grep -Eq "$1" "$OUT"; }
check "step 1: each site's client is answered by its own site" \
	printed '^   branch-client \(198\.51\.100\.74\) is answered by branch-dns \(IPv4\), branch-dns \(IPv6\)'
check "step 1: the HQ client by an HQ server" \
	printed '^   hq-client \(198\.51\.100\.10\) is answered by hq-dns[12] \(IPv4\), hq-dns[12] \(IPv6\)'
check "step 2: the HQ flows spread over both HQ servers" \
	printed '^   flows by the server that answered them: hq-dns1: [1-9][0-9]*, hq-dns2: [1-9]'
check "step 2: the agent's restart moves no flow and loses no query" \
	printed "across the agent's restart: 0 flows changed server, 0 queries lost"
check "step 3: the branch route withdrawn, the time printed" \
	printed '^   route withdrawn [0-9]+ ms after the NSD was stopped'
check "step 3: the branch client answered by HQ, the time printed" \
	printed '^   first answer from HQ: [0-9]+ ms after the NSD was stopped'
moved=$(sed -n "s/^   hq-dns1's flows moved to hq-dns2: \([0-9]*\) of \([0-9]*\)$/\1 \2/p" "$OUT")
check "step 4: every flow of hq-dns1 moved to hq-dns2 ($moved)" \
	awk -v m="$moved" 'BEGIN { split(m, a, " "); exit !(a[2] > 0 && a[1] == a[2]) }'
check "step 4: no flow of hq-dns2 moved" printed "^   hq-dns2's flows that changed server: 0 of [1-9]"
check "step 4: no query of hq-dns2's flows lost" printed ' on hq-dns1.s flows .*, 0 on hq-dns2.s$'
check "step 5: the branch client answered by the branch again" \
	printed '^   .*branch-client answered by branch-dns again after [0-9]+ ms'
check "step 5: hq-dns1 takes new flows" printed '^   200 new HQ flows: hq-dns1 [1-9]'
check "KEEP=1: the guide to look around is printed" printed 'xdpcastctl'
check "KEEP=1: the total time printed" printed '^demo: done in [0-9]+ ms from the start \(the lab is kept'

status=$(scripts/lab-sites.sh status --prefix "$PREFIX" 2>&1 | head -1)
echo "# $status"
running=$(sed -n 's/.*: \([0-9]*\) of \([0-9]*\) processes running.*/\1 \2/p' <<<"$status")
check "KEEP=1: the lab is left with every process running ($running)" \
	awk -v r="$running" 'BEGIN { split(r, a, " "); exit !(a[2] > 0 && a[1] == a[2]) }'
recorded=$(cat "$SITES_STATE/$PREFIX/pids" 2>/dev/null)
scripts/lab-sites.sh down --prefix "$PREFIX" >/dev/null 2>&1
check "lab-sites.sh down removes its namespaces" \
	bash -c "! ip netns list | grep -q '^$PREFIX-'"
# a recorded process still alive: same PID, same start time (field 22)
alive=""
while read -r p start; do
	[ -n "$p" ] || continue
	[ "$(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$p/stat" 2>/dev/null)" != "$start" ] || alive+=" $p"
done <<<"$recorded"
check "and stops its processes (alive:${alive:- none})" [ -z "$alive" ]
check "and leaves no state behind" [ -z "$(ls -A "$SITES_STATE")" ]
checks_summary test_demo
