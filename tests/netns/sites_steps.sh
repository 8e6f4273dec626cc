# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The design's promises in the two-site lab (scripts/sites.sh), each under the
# DNS load client (build/dnsload from the client namespaces, >= 1000 q/s in
# all); sourced by test_sites.sh (FRR) and test_sites_bird.sh (BIRD) with
# SITES_ROUTING set. Over IPv4, then IPv6:
# - the branch server's NSD killed: the branch clients' queries lost only
#   inside 1 s of the kill, every query sent after that answered by an HQ
#   server (dnsload's per-query record), the HQ client untouched; its NSD
#   back: every branch flow answered by the branch again;
# - HQ dns1's NSD killed: the flows on dns2 lose nothing and none moves,
#   every flow of dns1 moves to dns2; dns1 back: new flows (new source
#   ports) reach it, the moved flows stay on dns2 (the flow table).
# After every step the lab is as it was at the start: the routes to the
# service address in both site routers and the core, every backend up in
# xdpcastctl, each client answered by its own site.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=scripts/sites.sh
source scripts/sites.sh
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
# (after sourcing: lab.sh resets LAB_DIR) never /run in a test
LAB_DIR=$(mktemp -d /tmp/xdpcast-sites.XXXXXX) || exit 1
trap sites_down EXIT
trap 'exit 1' INT TERM

finish() {
	checks_summary "$TEST_NAME"
	exit
}
fail_setup() {
	echo "setup failed: $1"
	checks_failed=$((checks_failed + 1))
	finish
}

DNSLOAD=${DNSLOAD:-$BUILD/dnsload}
WINDOW_MS=1000 # the design's promise: the branch clients on HQ within 1 s
EARLY_MS=50    # a query sent just before the kill may die in NSD's socket

# jq -e on JSON file $1 with the filter and arguments that follow
jtrue() {
	local file=$1
	shift
	jq -e "$@" "$file" >/dev/null
}
jget() { jq -r "$2" "$1"; }

# --- the load client: one dnsload per name, marks through its FIFO ---
declare -A LOAD_PID=() LOAD_FD=()

# dnsload NAME from site $2's client (IPv$3) to the service address: $4
# flows from source ports $6.., $5 q/s in all, for $7 s at most (load_stop
# ends it sooner); records in $LAB_DIR/NAME.{json,queries,txt}.
load_start() {
	local name=$1 site=$2 af=$3 flows=$4 rate=$5 port=$6 secs=$7 vip=$SITES_VIP fd
	[ "$af" = 4 ] || vip=$SITES_VIP6
	mkfifo "$LAB_DIR/$name.fifo" || return 1
	exec {fd}<>"$LAB_DIR/$name.fifo" # read-write: never blocks
	LOAD_FD[$name]=$fd
	# a simple command: $! is dnsload itself (ip netns exec execs it)
	ip netns exec "$(lab_ns "$site-client")" "$DNSLOAD" -s "$vip" \
		-b "$(sites_client_addr "$site" "$af")" -f "$flows" -r "$rate" -d "$secs" \
		-t 1000 -l 500 -P "$port" -m "$LAB_DIR/$name.fifo" -j "$LAB_DIR/$name.json" \
		-q "$LAB_DIR/$name.queries" >"$LAB_DIR/$name.txt" 2>&1 &
	LOAD_PID[$name]=$!
	LAB_PIDS+=($!)
}

load_mark() { echo "$2" >&"${LOAD_FD[$1]}"; }

# Ends dnsload NAME (SIGINT: it stops sending, waits for the last replies,
# writes its record); returns its exit status.
load_stop() {
	local name=$1 pid=${LOAD_PID[$1]} fd=${LOAD_FD[$1]} rc
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	_sites_forget_pid "$pid"
	exec {fd}>&-
	echo "# $name: $(sed -n 2p "$LAB_DIR/$name.txt")"
	load_keep "$name"
	return $rc
}

# SITES_RECORDS=DIR keeps each load's records (JSON, per query, summary)
# there, for a look after the lab is gone.
load_keep() {
	if [ -n "${SITES_RECORDS:-}" ]; then
		mkdir -p "$SITES_RECORDS" && cp "$LAB_DIR/$1".{json,queries,txt} "$SITES_RECORDS/"
	fi
	return 0
}

# An epoch time ($EPOCHREALTIME) $2 in dnsload NAME's time (ms since its first query).
load_ms() {
	awk -v t="$2" -v s="$(jget "$LAB_DIR/$1.json" .start_realtime)" \
		'BEGIN { printf "%.1f", (t - s) * 1000 }'
}

# --- the lab's state ---
# The routes to the service address (IPv4 and IPv6) in the site routers and
# the core, without the kernel's nexthop object ids.
routes_now() {
	local ns
	for ns in hq-router branch-router core; do
		echo "$ns: $(in_ns "$ns" ip -4 route show "$SITES_VIP/32" |
			sed -E 's/nhid [0-9]+ //' | tr -s '\n\t ' ' ')"
		echo "$ns: $(in_ns "$ns" ip -6 route show "$SITES_VIP6/128" |
			sed -E 's/nhid [0-9]+ //' | tr -s '\n\t ' ' ')"
	done
}
routes_as_start() { [ "$(routes_now)" = "$ROUTES0" ]; }
# Every backend of site router $1 up, in both VIPs.
backends_up() {
	sites_ctl "$1" -t 5 --json backends 2>/dev/null |
		jq -e '(.backends | length) > 0 and all(.backends[]; .state == "up")' >/dev/null
}
all_backends_up() { backends_up hq-router && backends_up branch-router; }
# Backend $2 of site router $1 is $3 (up or down) in both VIPs.
backend_is() {
	sites_ctl "$1" -t 5 --json backends 2>/dev/null |
		jq -e --arg b "$2" --arg s "$3" \
			'[.backends[] | select(.name == $b)] | length == 2 and all(.state == $s)' >/dev/null
}
# Waits (bounded: $1 tenths of a second) until the command that follows succeeds.
wait_for() {
	local n=$1 _
	shift
	for _ in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
own_site_answers() { sites_wait_answer hq hq-dns && sites_wait_answer branch branch-dns; }

# The state the lab started in, again after step $1. The routing daemons
# may take a few seconds to settle (BIRD works in 1 s ticks): bounded waits.
check_state() {
	wait_for 100 routes_as_start
	check "after $1: the routes to the service address as at the start" routes_as_start ||
		diff <(echo "$ROUTES0") <(routes_now) | sed 's/^/#   /'
	wait_for 100 all_backends_up
	check "after $1: every backend up (xdpcastctl backends, both routers)" all_backends_up
	check "after $1: each client answered by its own site (IPv4 and IPv6)" own_site_answers
}

# --- the branch server dies and comes back, under load (IPv$1) ---
step_branch() {
	local af=$1 br=branch$1 hq=hqside$1 t_kill t_back tk tb rc_br rc_hq q
	load_start "$br" branch "$af" 50 600 42001 30 || fail_setup "dnsload $br"
	load_start "$hq" hq "$af" 100 500 43001 30 || fail_setup "dnsload $hq"
	sleep 1.5 # every flow answered a few times
	load_mark "$br" "kill branch-dns"
	load_mark "$hq" "kill branch-dns"
	t_kill=$EPOCHREALTIME
	sites_nsd_stop branch-dns
	sites_wait_route branch-router absent
	sleep 2 # the clients on HQ for well over the window
	t_back=$EPOCHREALTIME
	load_mark "$br" "branch-dns back"
	load_mark "$hq" "branch-dns back"
	sites_nsd_start branch-dns || fail_setup "NSD on branch-dns again"
	sites_wait_route branch-router present
	sleep 1.5 # the branch answers its clients again for a while
	load_stop "$br"
	rc_br=$?
	load_stop "$hq"
	rc_hq=$?
	local J=$LAB_DIR/$br.json Q=$LAB_DIR/$br.queries H=$LAB_DIR/$hq.json
	[ -s "$J" ] && [ -s "$H" ] || fail_setup "no dnsload record (IPv$af)"
	tk=$(load_ms "$br" "$t_kill")
	tb=$(load_ms "$br" "$t_back")
	local rate
	rate=$(jq -s '(.[0].totals.sent + .[1].totals.sent) / (.[0].duration_ms / 1000) | floor' "$J" "$H")
	check "IPv$af branch: both loads ran to the end (rc $rc_br, $rc_hq), $rate q/s in all" \
		[ "$rc_br" -eq 0 -a "$rc_hq" -eq 0 -a "$rate" -ge 1000 ]
	check "IPv$af branch: before the kill every branch flow was answered by branch-dns" \
		jtrue "$J" 'all(.flows[]; .marks[0].before == "branch-dns")'
	# the figures, from dnsload's per-query record: the first query sent
	# after the kill answered by HQ (its sent and answered times), the loss
	q=$(awk -v k="$tk" '!/^#/ && $3 >= k && $5 ~ /^hq-dns/ { a = $3 + $6;
		if (first == "" || a < first) { first = a; sent = $3 } }
		END { if (first != "") printf "%.0f %.0f", sent - k, first - k; else print "- -" }' "$Q")
	echo "# IPv$af: the first branch query answered by HQ was sent ${q% *} ms after the kill," \
		"answered at ${q#* } ms; lost $(jget "$J" .totals.lost) in" \
		"$(jget "$J" .totals.flows_with_loss) flows, sent from" \
		"$(jq --argjson k "$tk" -r '[.flows[] | select(.lost > 0)] | if length > 0
			then (([.[].first_lost_ms] | min) - $k | floor | tostring) + " to "
			 + (([.[].last_lost_ms] | max) - $k | floor | tostring) + " ms after the kill"
			else "nowhere" end' "$J")"
	check "IPv$af branch: queries lost only if sent within $WINDOW_MS ms of the kill" jtrue "$J" \
		--argjson k "$tk" --argjson w "$WINDOW_MS" --argjson e "$EARLY_MS" \
		'all(.flows[] | select(.lost > 0); .first_lost_ms >= $k - $e and .last_lost_ms <= $k + $w)'
	local after_window others
	after_window=$(awk -v k="$tk" -v w="$WINDOW_MS" -v b="$tb" '!/^#/ && $3 > k + w && $3 < b' "$Q" | wc -l)
	others=$(awk -v k="$tk" -v w="$WINDOW_MS" -v b="$tb" \
		'!/^#/ && $3 > k + w && $3 < b && !($4 != "lost" && $5 ~ /^hq-dns/)' "$Q" | wc -l)
	check "IPv$af branch: every query sent from 1 s after the kill to the restart answered by HQ ($((after_window - others))/$after_window)" \
		[ "$after_window" -gt 0 -a "$others" -eq 0 ]
	check "IPv$af branch: back: every branch flow went to HQ and back to branch-dns, once each" jtrue "$J" \
		'all(.flows[]; .last == "branch-dns" and .changes_total == 2
		 and (.changes[0].to | startswith("hq-dns")) and .changes[1].to == "branch-dns")'
	check "IPv$af branch: the HQ client meanwhile: nothing lost, no flow changed server, all on HQ" jtrue "$H" \
		'.totals.lost == 0 and .totals.flows_changed == 0 and all(.flows[]; .first | startswith("hq-dns"))'
	check_state "the branch server's outage (IPv$af)"
}

# --- HQ dns1 dies and comes back, under load (IPv$1) ---
step_hq() {
	local af=$1 L=hq$1 N=hqnew$1 rc rc_new on1 on2 fd
	load_start "$L" hq "$af" 200 1000 44001 30 || fail_setup "dnsload $L"
	sleep 1.5
	load_mark "$L" "kill hq-dns1"
	sites_nsd_stop hq-dns1
	wait_for 100 backend_is hq-router hq-dns1 down
	sleep 1 # dns1's flows on dns2 for a while
	sites_nsd_start hq-dns1 || fail_setup "NSD on hq-dns1 again"
	wait_for 100 backend_is hq-router hq-dns1 up
	load_mark "$L" "hq-dns1 up"
	# new flows (new source ports) while the old ones go on
	load_start "$N" hq "$af" 100 300 46001 2 || fail_setup "dnsload $N"
	wait "${LOAD_PID[$N]}"
	rc_new=$?
	_sites_forget_pid "${LOAD_PID[$N]}"
	fd=${LOAD_FD[$N]}
	exec {fd}>&-
	load_keep "$N"
	load_stop "$L"
	rc=$?
	local J=$LAB_DIR/$L.json K=$LAB_DIR/$N.json
	[ -s "$J" ] && [ -s "$K" ] || fail_setup "no dnsload record (IPv$af)"
	on1=$(jget "$J" '[.flows[] | select(.marks[0].before == "hq-dns1")] | length')
	on2=$(jget "$J" '[.flows[] | select(.marks[0].before == "hq-dns2")] | length')
	echo "# IPv$af: $on1 flows on hq-dns1, $on2 on hq-dns2 before the kill; dns1's lost" \
		"$(jget "$J" '[.flows[] | select(.marks[0].before == "hq-dns1") | .lost] | add') queries," \
		"longest gap $(jget "$J" '[.flows[] | select(.marks[0].before == "hq-dns1") | .max_gap_ms] | max') ms;" \
		"new flows: $(jget "$K" '.servers | to_entries | map("\(.key) \(.value)") | join(", ")') answers"
	check "IPv$af HQ: the load ran to the end (rc $rc, $rc_new), $(jget "$J" '.totals.sent / (.duration_ms / 1000) | floor') q/s" \
		[ "$rc" -eq 0 -a "$rc_new" -eq 0 ]
	check "IPv$af HQ: before the kill every flow was on hq-dns1 or hq-dns2, some on each ($on1 + $on2)" \
		[ "$on1" -gt 0 -a "$on2" -gt 0 -a $((on1 + on2)) -eq 200 ]
	check "IPv$af HQ: the flows on dns2 lost 0 queries, 0 of them moved" jtrue "$J" \
		'all(.flows[] | select(.marks[0].before == "hq-dns2"); .lost == 0 and .changes_total == 0)'
	check "IPv$af HQ: every flow of dns1 moved to dns2, once" jtrue "$J" \
		'all(.flows[] | select(.marks[0].before == "hq-dns1");
		 .changes_total == 1 and .changes[0].from == "hq-dns1" and .changes[0].to == "hq-dns2")'
	check "IPv$af HQ: dns1 back: the moved flows stay on dns2 (the flow table)" jtrue "$J" \
		'all(.flows[] | select(.marks[0].before == "hq-dns1"); .marks[1].after == "hq-dns2" and .last == "hq-dns2")'
	check "IPv$af HQ: dns1 back: new flows reach it ($(jget "$K" '[.flows[] | select(.first == "hq-dns1")] | length') of 100), each on one server, none lost" \
		jtrue "$K" '([.flows[] | select(.first == "hq-dns1")] | length) > 0
		 and all(.flows[]; .changes_total == 0) and .totals.lost == 0 and .totals.answered > 0'
	check_state "HQ dns1's outage (IPv$af)"
}

[ -x "$DNSLOAD" ] || fail_setup "$DNSLOAD is not built (make $DNSLOAD)"
deps_require "$TEST_NAME" jq || fail_setup "jq"
sites_up || fail_setup "the two-site lab ($SITES_ROUTING)"
# the start: OSPF has settled once the routes stay the same for 3 s
ROUTES0=$(routes_now)
for _ in $(seq 1 20); do
	sleep 3
	[ "$(routes_now)" = "$ROUTES0" ] && break
	ROUTES0=$(routes_now)
done
echo "# the routes to the service address at the start ($SITES_ROUTING):"
echo "$ROUTES0" | sed 's/^/#   /'
check "at the start: every backend up (xdpcastctl backends, both routers)" all_backends_up
check "at the start: each client answered by its own site (IPv4 and IPv6)" own_site_answers
# BIRD's core computes routes on its 1 s tick only: a core routing the
# address to the branch would keep the branch's clients looping through
# it for up to a second of a branch failover (docs/routing.md, two sites)
core_to_hq_only() {
	local r4 r6
	r4=$(in_ns core ip -4 route show "$SITES_VIP/32")
	r6=$(in_ns core ip -6 route show "$SITES_VIP6/128")
	[[ $r4 == *"dev hq "* && $r4 != *"dev branch "* && $r6 == *"dev hq "* && $r6 != *"dev branch "* ]]
}
[ "$SITES_ROUTING" != bird ] ||
	check "at the start: BIRD's core routes the service address to HQ alone (the branch's higher metric)" \
		core_to_hq_only

step_branch 4
step_branch 6
step_hq 4
step_hq 6
finish
