#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo` end to end (scripts/demo.sh), as a user runs it with KEEP=1,
# on a per-run prefix and a private state directory: it exits 0 and prints
# each step's measured result (the numbers are the demo's own checks; this
# test checks they were printed and say what the design promises), leaves a
# lab whose every process runs, and `scripts/lab-sites.sh down` then removes
# all of it (namespaces, processes, files). Then `lab-sites.sh up`
# interrupted half-way (SIGTERM: a background job ignores SIGINT) removes
# what it made, and one killed half-way (-9) leaves what `down` removes.
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
	local p
	for p in "$PREFIX" "${PREFIX}i" "${PREFIX}k"; do
		scripts/lab-sites.sh down --prefix "$p" >/dev/null 2>&1
	done
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

# --- an interrupted or killed `up` ---
# Processes of a lab: their command lines name its state directory.
lab_procs() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "$SITES_STATE/$1/" && echo "${p#/proc/}"
	done
}
# Starts `lab-sites.sh up` for prefix $1 in the background (UP_PID) and
# returns once it has started $2 processes (its pids file), 60 s at most.
up_until() {
	local _
	scripts/lab-sites.sh up --prefix "$1" "$BUILD" >"$OUT.$1" 2>&1 &
	UP_PID=$!
	for _ in $(seq 1 600); do
		[ -f "$SITES_STATE/$1/pids" ] && [ "$(wc -l <"$SITES_STATE/$1/pids")" -ge "$2" ] && return 0
		kill -0 "$UP_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
nothing_left() {
	local p=$1 left
	left=$(ip netns list | grep -c "^$p-")
	check "$2: no namespace of it left ($left)" [ "$left" = 0 ]
	left=$(lab_procs "$p" | wc -l)
	check "$2: no process of it left ($left)" [ "$left" = 0 ]
	check "$2: no state of it left" [ ! -e "$SITES_STATE/$p" ]
}

if up_until "${PREFIX}i" 4; then
	kill -TERM "$UP_PID"
	wait "$UP_PID"
	rc=$?
	check "up interrupted half-way (4 processes started) exits 1 (rc $rc)" [ "$rc" = 1 ]
	check "and says it takes the lab down" grep -q 'interrupted; taking the lab down' "$OUT.${PREFIX}i"
	nothing_left "${PREFIX}i" "up interrupted"
else
	check "up reaches 4 processes (to interrupt it)" false
fi

if up_until "${PREFIX}k" 4; then
	kill -KILL "$UP_PID"
	wait "$UP_PID" 2>/dev/null
	n=$(lab_procs "${PREFIX}k" | wc -l)
	check "up killed (-9) half-way leaves its processes ($n)" [ "$n" -ge 1 ]
	scripts/lab-sites.sh down --prefix "${PREFIX}k" >/dev/null 2>&1
	rc=$?
	check "then lab-sites.sh down exits 0 (rc $rc)" [ "$rc" = 0 ]
	nothing_left "${PREFIX}k" "up killed, then down"
else
	check "up reaches 4 processes (to kill it)" false
fi
rm -f "$OUT.${PREFIX}i" "$OUT.${PREFIX}k"
checks_summary test_demo
