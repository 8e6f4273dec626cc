#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: the design's story on the two-site lab (scripts/sites.sh:
# HQ with two DNS servers, a branch with one, xdpcastd and OSPF on both site
# routers), every number measured by this run with the load client
# (build/dnsload) and xdpcastd's logs:
#   1. who answers each site's client;
#   2. 200 HQ flows at 1000 queries/s spread over the two HQ servers;
#      xdpcastd on the HQ router killed (-9) and restarted: no flow moves;
#   3. the branch server's NSD stopped: xdpcastd withdraws the branch route,
#      OSPF takes the branch client to HQ (time to the first HQ answer,
#      queries lost);
#   4. HQ dns1's NSD stopped: its flows move to dns2, none of dns2's moves;
#   5. both NSDs back: the branch answers its client again, dns1 takes new
#      flows.
# Any step that does not happen ends the demo with a message and status 1
# (explicit checks: sites.sh's functions are not written for set -e).
# The lab is removed on every exit path, unless KEEP=1: then it is left
# running (prefix xsite, as `make lab-up` makes it; `make lab-down` removes
# it) and the guide to look around is printed. ROUTING=bird (SITES_ROUTING)
# runs BIRD instead of FRR. docs/lab.md tells more.
set -uo pipefail
export BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
KEEP=${KEEP:-0}
export SITES_ROUTING=${SITES_ROUTING:-${ROUTING:-frr}}
# KEEP=1: the prefix `make lab-down` (scripts/lab-sites.sh down) removes
if [ "$KEEP" = 1 ]; then
	export LAB_PREFIX=${LAB_PREFIX:-xsite}
else
	export LAB_PREFIX=${LAB_PREFIX:-xdemo}
fi
# shellcheck source=scripts/sites.sh
source scripts/sites.sh
DNSLOAD=$BUILD/dnsload
T0=$EPOCHREALTIME

die() {
	echo "demo: FAILED: $*" >&2
	exit 1
}
lab_built=0
declare -A LOAD_PID=() LOAD_FD=()
on_exit() {
	local rc=$?
	set +e
	if [ "$KEEP" = 1 ] && [ "$lab_built" = 1 ]; then
		for pid in "${LOAD_PID[@]}"; do kill "$pid" 2>/dev/null; done
		echo "demo: the lab $LAB_PREFIX is left for a look (KEEP=1);" \
			"remove it with: make lab-down (scripts/lab-sites.sh down --prefix $LAB_PREFIX)" >&2
	else
		sites_down
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, BPF)"
for f in "$XDPCASTD" "$XDPCASTCTL" "$DNSLOAD"; do
	[ -x "$f" ] || die "$f is not built (make all)"
done
deps_require demo jq || exit 1

# ms since the demo started
elapsed() { echo $(((${EPOCHREALTIME/./} - ${T0/./}) / 1000)); }
say() { printf '\n== %s  [+%s ms]\n' "$*" "$(elapsed)"; }
indent() { sed 's/^/   /'; }

# --- xdpcastd's logs: wait for a line after a mark, show it ---
declare -A LOGMARK=()
log_mark() { LOGMARK[$1]=$(wc -l <"$(sites_xd_log "$1")"); }
# Waits (10 s at most) until router $1's xdpcastd logs a line matching the
# ERE $2 after its mark; prints that line.
log_wait() {
	local r=$1 re=$2 _ line
	for _ in $(seq 1 200); do
		line=$(tail -n +"$((LOGMARK[$r] + 1))" "$(sites_xd_log "$r")" | grep -E -m 1 -- "$re") &&
			{
				echo "$line"
				return 0
			}
		sleep 0.05
	done
	echo "demo: xdpcastd on $r did not log /$re/ within 10 s; its last lines:" >&2
	tail -n 15 "$(sites_xd_log "$r")" >&2
	return 1
}
# The epoch ms of an xdpcastd log line (its ISO timestamp).
log_ms() { date -u -d "${1%% *}" +%s%3N; }

# --- the load client: dnsload in a site's client namespace ---
# load_start NAME SITE FLOWS RATE BASE_PORT MAX_SECONDS: dnsload sends until
# load_stop (at most MAX_SECONDS); a query unanswered for 500 ms is lost.
load_start() {
	local name=$1 site=$2 flows=$3 rate=$4 port=$5 secs=$6 fd
	mkfifo "$LAB_DIR/$name.marks" || return 1
	exec {fd}<>"$LAB_DIR/$name.marks" || return 1 # read-write: never blocks, whoever reads
	LOAD_FD[$name]=$fd
	# a simple command: $! is dnsload itself (ip netns exec execs it)
	ip netns exec "$(lab_ns "$site-client")" "$DNSLOAD" -s "$SITES_VIP" \
		-b "$(sites_client_addr "$site")" -P "$port" -f "$flows" -r "$rate" -d "$secs" \
		-t 500 -m "$LAB_DIR/$name.marks" -j "$LAB_DIR/$name.json" -q "$LAB_DIR/$name.queries" \
		>"$LAB_DIR/$name.txt" 2>&1 &
	LOAD_PID[$name]=$!
	LAB_PIDS+=($!)
	_sites_save_pids
}
load_mark() { echo "$2" >&"${LOAD_FD[$1]}" || die "cannot mark run $1"; }
# Ends run $1's sending (or, given "end", waits for its own end), waits for
# its report; fails unless it reported.
load_stop() {
	local name=$1 pid=${LOAD_PID[$1]} fd=${LOAD_FD[$1]} rc=0
	[ "${2:-}" = end ] || kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	_sites_forget_pid "$pid"
	exec {fd}>&-
	if [ "$rc" != 0 ] || [ ! -s "$LAB_DIR/$name.json" ]; then
		cat "$LAB_DIR/$name.txt" >&2
		die "dnsload ($name) exited $rc"
	fi
}
# jq over run $1's JSON record
lj() {
	local name=$1
	shift
	jq -r "$@" "$LAB_DIR/$name.json"
}
# Mark $2's time in run $1 (ms since its first query); fails if it has none.
mark_t() {
	local t
	t=$(lj "$1" --arg l "$2" '.marks[] | select(.label == $l) | .t_ms')
	[[ $t =~ ^[0-9.]+$ ]] || {
		echo "demo: run $1 has no mark '$2'" >&2
		return 1
	}
	echo "$t"
}
# Fails unless every argument is a whole number (what the demo prints is measured).
nums() {
	local v
	for v in "$@"; do [[ $v =~ ^[0-9]+$ ]] || die "not a measured number: '$v'"; done
}
# Stops server $1's NSD under a load run: the mark $3 of run $2 at the signal
# (NSD stops answering at once, but takes its time to exit), then waits for
# its exit; sets kill_ms (epoch ms of the signal).
nsd_kill_mark() {
	local pid
	pid=$(sites_nsd_pid "$1")
	[ -n "$pid" ] || die "no NSD runs on $1"
	kill_ms=$((${EPOCHREALTIME/./} / 1000))
	kill "$pid" || die "cannot stop NSD $pid on $1"
	load_mark "$2" "$3"
	sites_nsd_stop "$1"
}
# Run $1's flows by the server of their last answer before mark $2: "SERVER COUNT" lines.
flows_before() {
	lj "$1" --arg l "$2" '(.marks | map(.label) | index($l)) as $k |
		[.flows[] | .marks[$k].before // "-"] | group_by(.) | map("\(.[0]) \(length)") | .[]'
}
# "a->b N" lines as one: "a->b: N, ..."
one_line() { awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), $1, $2 } END { print "" }'; }
# Queries of run $1 (its --queries file) as awk sees them, past the header.
queries() { grep -v '^#' "$LAB_DIR/$1.queries"; }
# ms from mark time $2 to the first answer of run $1 by a server matching
# the ERE $3 to a query sent after the mark; empty if none.
first_answer_after() {
	queries "$1" | awk -v m="$2" -v s="^($3)$" \
		'$3 >= m && $5 ~ s { t = $3 + $6; if (best == "" || t < best) best = t }
		END { if (best != "") printf "%.0f\n", best - m }'
}
# Queries of run $1 sent from ms $2 to ms $3 (mark times) that were lost.
lost_between() {
	queries "$1" | awk -v a="$2" -v b="$3" '$3 >= a && $3 < b && $4 == "lost" { n++ } END { print n + 0 }'
}
# Answers of run $1 to queries sent after ms $2 by servers matching ERE $3.
answers_after() {
	queries "$1" | awk -v m="$2" -v s="^($3)$" '$3 >= m && $5 ~ s { n++ } END { print n + 0 }'
}
# Run $1's totals, on one line.
load_totals() {
	lj "$1" '"\(.flows | length) flows, \(.rate) q/s for \(.duration_ms / 1000 | . * 10 | round / 10) s:" +
		" sent \(.totals.sent), answered \(.totals.answered), lost \(.totals.lost)"'
}

echo "demo: the two-site lab ($SITES_ROUTING), prefix $LAB_PREFIX"
t=$(elapsed)
sites_up || die "the lab did not come up"
lab_built=1
echo "demo: the lab is up in $(($(elapsed) - t)) ms (namespaces, OSPF Full, xdpcastd announcing at both sites)"

# --- 1 ---
# Both clients answered by their own site, over IPv4 and IPv6 (else fails).
answered_at_home() {
	local site a4 a6
	for site in hq branch; do
		a4=$(sites_query "$site" 0 4) a6=$(sites_query "$site" 0 6)
		echo "   $site-client ($(sites_client_addr "$site")) is answered by $a4 (IPv4), $a6 (IPv6)"
		[[ $a4 == "$site"-dns* && $a6 == "$site"-dns* ]] || die "$site-client is not answered by its own site"
	done
}
say "1. both sites up: who answers each client (dig CH TXT id.server @$SITES_VIP)"
answered_at_home
echo "   each site router keeps the service route while it has a healthy server (xdpcastctl backends):"
for r in hq-router branch-router; do
	sites_ctl "$r" backends | indent || die "xdpcastctl backends on $r"
done
echo "   the core's routes to $SITES_VIP (learned over OSPF from both sites):"
in_ns core ip route show "$SITES_VIP" | indent

# --- 2 ---
HQ_FLOWS=200 HQ_RATE=1000 HQ_PORT=30001
say "2. $HQ_FLOWS HQ flows (dnsload on hq-client, $HQ_RATE queries/s): spread over hq-dns1 and hq-dns2"
load_start hq hq "$HQ_FLOWS" "$HQ_RATE" "$HQ_PORT" 40 || die "cannot start dnsload"
sleep 1.5
load_mark hq spread
sites_ctl hq-router stats | indent || die "xdpcastctl stats on hq-router"
# the optional act: the agent restarted under load moves no flow
echo
echo "   xdpcastd on hq-router killed (-9) and started again: the XDP program goes on"
echo "   forwarding from its pinned maps, the new agent adopts them"
log_mark hq-router
load_mark hq "agent killed"
old=$(sites_xdpcastd_pid hq-router)
[ -n "$old" ] || die "no xdpcastd on hq-router"
kill -KILL "$old" || die "cannot kill xdpcastd $old"
wait "$old" 2>/dev/null
_sites_forget_pid "$old"
sites_xdpcastd_start hq-router || die "xdpcastd does not start again on hq-router"
{
	log_wait hq-router 'vip dns 203\.0\.113\.53: adopted' &&
		log_wait hq-router 'vip dns6 .*: adopted'
} | indent || die "the new xdpcastd did not adopt the dataplane"
sleep 0.5
load_mark hq "agent back"
sleep 0.5 # every flow answered once after the restart, before the next act

# --- 4's event, in the same run (its numbers are printed after 3's) ---
log_mark hq-router
nsd_kill_mark hq-dns1 hq "dns1 stopped"
down_line=$(log_wait hq-router 'backend hq-dns1 198\.18\.1\.11: up -> down') || die "hq-dns1 is not down"
sleep 0.5 # every flow asks every 200 ms: each has its answer after the change
load_mark hq "dns1 out"
sleep 0.5
load_stop hq

spread=$(flows_before hq spread) || die "no flows in the HQ run"
echo
echo "   flows by the server that answered them: $(echo "$spread" | one_line)"
m=$(mark_t hq spread) || die "no mark"
echo "   queries answered before that point: $(queries hq | awk -v m="$m" '$3 < m && $5 != "-" { n[$5]++ }
	END { for (s in n) print s, n[s] }' | sort | one_line)"
for s in hq-dns1 hq-dns2; do
	n=$(echo "$spread" | awk -v s=$s '$1 == s { print $2 }')
	[ "${n:-0}" -gt 0 ] || die "no flow on $s"
done
# per flow: its last answer before the kill against its first after the new agent adopted
moved=$(lj hq '(.marks | map(.label)) as $l | ($l | index("agent killed")) as $a |
	($l | index("agent back")) as $b |
	[.flows[] | select(.marks[$a].before == null or .marks[$a].before != .marks[$b].after)] | length')
a=$(mark_t hq "agent killed") && b=$(mark_t hq "agent back") || die "no mark"
lost=$(lost_between hq "$a" "$b")
nums "$moved" "$lost"
echo "   across the agent's restart: $moved flows changed server, $lost queries lost"
[ "$moved" = 0 ] || die "$moved flows changed server across the agent's restart"

# --- 3 ---
BR_FLOWS=100 BR_RATE=1000 BR_PORT=20001
say "3. branch-dns's NSD stopped, under load ($BR_FLOWS flows, $BR_RATE queries/s from branch-client)"
load_start br branch "$BR_FLOWS" "$BR_RATE" "$BR_PORT" 30 || die "cannot start dnsload"
sleep 0.7
log_mark branch-router
nsd_kill_mark branch-dns br "branch-dns stopped"
wd=$(log_wait branch-router 'route withdrawn: 203\.0\.113\.53/32') || die "the branch route was not withdrawn"
{
	log_wait branch-router 'backend branch-dns 198\.18\.2\.11: up -> down'
	echo "$wd"
} | indent
sites_wait_answer branch hq-dns >/dev/null || die "branch-client is not answered by HQ"
sleep 0.5
load_stop br
m=$(mark_t br "branch-dns stopped") || die "no mark"
hq_ms=$(first_answer_after br "$m" 'hq-dns[12]')
[ -n "$hq_ms" ] || die "no query of branch-client's load answered by HQ"
[ "$(answers_after br 0 'hq-dns[12]')" = "$(answers_after br "$m" 'hq-dns[12]')" ] ||
	die "HQ answered branch-client before branch-dns stopped"
wd_ms=$(($(log_ms "$wd") - kill_ms))
lost=$(lost_between br "$m" 1e12) lost0=$(lost_between br 0 "$m")
sent=$(queries br | awk -v m="$m" '$3 >= m { n++ } END { print n + 0 }')
nums "$hq_ms" "$wd_ms" "$lost" "$lost0" "$sent"
echo "   route withdrawn $wd_ms ms after the NSD was stopped (xdpcastd's log)"
echo "   the branch router's route to $SITES_VIP is now OSPF's, through the core:"
in_ns branch-router ip route show "$SITES_VIP" | indent
echo "   first answer from HQ: $hq_ms ms after the NSD was stopped"
echo "   queries lost: $lost (of $sent sent after the stop; before it: $lost0)"
echo "   answers after the stop: branch-dns $(answers_after br "$m" branch-dns) (in flight), HQ $(answers_after br "$m" 'hq-dns[12]')"
echo "   dnsload: $(load_totals br)"

# --- 4 ---
say "4. hq-dns1's NSD stopped (the run of 2): its flows move to hq-dns2, none of hq-dns2's moves"
echo "$down_line" | indent
# per flow: its server before the kill -> after xdpcastd took dns1 out, and
# whether it changed server at any time after the kill
d1_pairs() {
	lj hq '(.marks | map(.label)) as $l | ($l | index("dns1 stopped")) as $a |
		($l | index("dns1 out")) as $b | .marks[$a].t_ms as $t |
		.flows[] | "\(.marks[$a].before // "-") \(.marks[$b].after // "-")" +
		" \([.changes[] | select(.t_ms >= $t)] | length) \(.lost) \(.max_gap_ms | round)"'
}
d1_pairs >"$LAB_DIR/hq.pairs" || die "no flows in the HQ run"
echo "   flows by server, before the stop -> after: $(awk '{ print $1 "->" $2 }' "$LAB_DIR/hq.pairs" |
	sort | uniq -c | awk '{ print $2, $1 }' | one_line)"
read -r on1 d1_moved lost1 gap1 < <(awk '$1 == "hq-dns1" { n++; m += $2 == "hq-dns2"; l += $4;
	if ($5 > g) g = $5 } END { print n + 0, m + 0, l + 0, g + 0 }' "$LAB_DIR/hq.pairs")
read -r on2 d2_moved lost2 < <(awk '$1 == "hq-dns2" { n++; m += $2 != "hq-dns2" || $3 > 0; l += $4 }
	END { print n + 0, m + 0, l + 0 }' "$LAB_DIR/hq.pairs")
nums "$on1" "$d1_moved" "$lost1" "$gap1" "$on2" "$d2_moved" "$lost2"
echo "   hq-dns1's flows moved to hq-dns2: $d1_moved of $on1"
echo "   hq-dns2's flows that changed server: $d2_moved of $on2"
echo "   queries lost: $lost1 on hq-dns1's flows (the longest silence of one: $gap1 ms), $lost2 on hq-dns2's"
echo "   dnsload: $(load_totals hq)"
[ "$on1" -gt 0 ] || die "no flow was on hq-dns1"
[ "$d1_moved" = "$on1" ] || die "not every flow of hq-dns1 moved to hq-dns2"
[ "$d2_moved" = 0 ] || die "$d2_moved flows of hq-dns2 changed server"

# --- 5 ---
say "5. both NSDs started again"
load_start br2 branch "$BR_FLOWS" "$BR_RATE" "$BR_PORT" 30 || die "cannot start dnsload"
sleep 0.3
log_mark branch-router
log_mark hq-router
start_ms=$((${EPOCHREALTIME/./} / 1000))
load_mark br2 "branch-dns started"
sites_nsd_start branch-dns || die "NSD on branch-dns did not start"
sites_nsd_start hq-dns1 || die "NSD on hq-dns1 did not start"
ann=$(log_wait branch-router 'route announced: 203\.0\.113\.53/32') || die "the branch route is not back"
up1=$(log_wait hq-router 'backend hq-dns1 198\.18\.1\.11: down -> up') || die "hq-dns1 is not back"
printf '%s\n' "$ann" "$up1" | indent
sites_wait_answer branch branch-dns >/dev/null || die "branch-client is not answered by branch-dns again"
sleep 0.3
load_stop br2
m=$(mark_t br2 "branch-dns started") || die "no mark"
br_ms=$(first_answer_after br2 "$m" branch-dns)
lost=$(lost_between br2 0 1e12)
ann_ms=$(($(log_ms "$ann") - start_ms))
nums "$br_ms" "$lost" "$ann_ms"
echo "   the branch route announced again $ann_ms ms after branch-dns's NSD was started (NSD's own"
echo "   start-up, then 2 passing checks); branch-client answered by branch-dns again after $br_ms ms;"
echo "   queries lost meanwhile: $lost"
# dns1 back: the HQ flows of 2 again (those dns1 had stay where the flow
# table put them) and as many new ones
load_start hq2 hq $((2 * HQ_FLOWS)) "$HQ_RATE" "$HQ_PORT" 1 || die "cannot start dnsload"
load_stop hq2 end
new1=$(lj hq2 --argjson n "$HQ_FLOWS" '[.flows[$n:][] | select(.first == "hq-dns1")] | length')
new2=$(lj hq2 --argjson n "$HQ_FLOWS" '[.flows[$n:][] | select(.first == "hq-dns2")] | length')
old_kept=$(jq -r -n --slurpfile a "$LAB_DIR/hq.json" --slurpfile b "$LAB_DIR/hq2.json" --argjson n "$HQ_FLOWS" \
	'[range(0; $n) | select($a[0].flows[.].last == $b[0].flows[.].first)] | length')
nums "$new1" "$new2" "$old_kept"
echo "   $HQ_FLOWS new HQ flows: hq-dns1 $new1, hq-dns2 $new2"
echo "   the $HQ_FLOWS HQ flows of 2 again: $old_kept of them on the server they last had (flow table)"
[ "$new1" -gt 0 ] || die "hq-dns1 takes no new flow"
answered_at_home
sites_ctl hq-router backends | indent || die "xdpcastctl backends on hq-router"

echo
if [ "$KEEP" = 1 ]; then
	echo "demo: done in $(elapsed) ms from the start (the lab is kept: KEEP=1)"
	echo
	trap - EXIT
	sites_print_guide
else
	t=$(elapsed)
	sites_down
	echo "demo: done in $(elapsed) ms from the start to the lab removed (the lab's removal: $(($(elapsed) - t)) ms)"
fi
