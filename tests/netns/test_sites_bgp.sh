#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The two-site lab's BGP variant (scripts/sites_bgp.sh), with FRR and then
# BIRD on the routers: the upstream learns the service address
# (203.0.113.53/32, 2001:db8::53/128) from both site routers over eBGP and
# nothing else, even with other routes in the sites' kernels, of xdpcast's
# protocol too (leak decoys); under load from a client behind the upstream
# (dnsload, 1000 q/s over 100 flows): HQ's NSDs stopped -> the upstream
# loses HQ's path and keeps the branch's, every flow answered by the branch;
# back -> HQ's path back; the branch's server drained with xdpcastctl -> the
# branch's path goes, undrained -> back; both sites without a healthy server
# -> the upstream loses the prefix, and the client gets no answer; restored
# -> both paths. The lab's state at the end equals the start. The time from a
# site router's route change (xdpcastd's) to the upstream's is printed
# ("# figure ..."), never asserted.
#
#   BUILD=build tests/netns/test_sites_bgp.sh          (FRR, then BIRD)
#   SITES_BGP_TEST_ROUTING=bird tests/netns/test_sites_bgp.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
export SITES_BGP=1
# shellcheck source=scripts/sites.sh
source scripts/sites.sh
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh

TMP=$(mktemp -d /tmp/xdpcast-bgp-test.XXXXXX)
cleanup() {
	sites_down
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

DNSLOAD=${DNSLOAD:-$BUILD/dnsload}
FLOWS=100
RATE=1000
ROUTINGS=${SITES_BGP_TEST_ROUTING:-frr bird}

finish() {
	checks_summary test_sites_bgp
	exit
}
# A failed setup step of one daemon's run: counted, and that run ends.
setup_failed() {
	echo "not ok - setup ($SITES_ROUTING): $1"
	checks_failed=$((checks_failed + 1))
}

[ -x "$DNSLOAD" ] || {
	setup_failed "$DNSLOAD is not built (make)"
	finish
}
deps_require test_sites_bgp jq /usr/lib/frr/bgpd || {
	setup_failed "dependencies"
	finish
}

paths() { sites_bgp_paths | paste -sd, | sed 's/,/, /g'; }
has_paths() { [ "$(sites_bgp_paths)" = "$(sites_bgp_expect "$@" | sort)" ]; }
upstream_route() { in_ns upstream ip "-${2:-4}" route show "$1" | tr -s '\n\t' '  '; }
# The upstream's kernel route to the service address (IPv4, IPv6) goes to
# exactly the site routers $@ (none: no route).
upstream_routes_to() {
	local af r vip n want=$#
	for af in 4 6; do
		[ $af = 4 ] && vip=$SITES_VIP || vip=$SITES_VIP6
		n=$(in_ns upstream ip -$af route show "$vip" | grep -c 'dev \(hq\|branch\)')
		[ "$n" -eq "$want" ] || return 1
		for r in "$@"; do
			in_ns upstream ip -$af route show "$vip" | grep -q "dev ${r%-router}" || return 1
		done
	done
}
# Waits (10 s at most) for upstream_routes_to $@.
wait_upstream_routes() {
	local _
	for _ in $(seq 1 200); do
		upstream_routes_to "$@" && return 0
		sleep 0.05
	done
	return 1
}

# --- route events: "ip -ts monitor route" in the upstream and the site routers ---
mon_start() { lab_route_log_start "$1" "$TMP/mon-$1"; }
mon_stop() { lab_route_log_stop; }
# The time (µs of the day) of the first event in namespace $1's monitor at
# or after $2 (µs of the day) whose text (after the stamp) matches ERE $3.
event_us() {
	local ns=$1 after=$2 re=$3 line t
	while IFS= read -r line; do
		[[ $line == \[* ]] || continue
		t=$(_lab_ts_us "$line")
		[ "$t" -ge "$after" ] || continue
		[[ ${line#*] } =~ $re ]] && {
			echo "$t"
			return 0
		}
	done <"$TMP/mon-$ns"
	return 1
}
VIP_RE="^(Deleted )?${SITES_VIP//./\\.} "
VIP6_RE="^(Deleted )?${SITES_VIP6} "
# Milliseconds from $1 to $2 (µs of the day), signed, one decimal.
ms_between() {
	local d=$(($2 - $1)) sign=""
	[ $d -ge 0 ] || sign=- d=$((-d))
	printf '%s%d.%d\n' "$sign" $((d / 1000)) $((d % 1000 / 100))
}
# Prints the figure of one change: the site router $2's xdpcast route event
# ($3: "Deleted " or "") at or after $1 (the test's action), and the
# upstream's next route event for the same address, IPv4 and IPv6; $4 says
# what happened. "ip -ts monitor" stamps a message when it reads it: on a
# busy machine a stamp can be late by milliseconds, so the upstream's event
# is looked for from 50 ms before the site's (never before $1), and can come
# out a little negative when the daemons take about a millisecond (BIRD).
figure() {
	local t0=$1 r=$2 del=$3 what=$4 af re key ts tu from
	for af in 4 6; do
		[ $af = 4 ] && key=${SITES_VIP//./\\.} re=$VIP_RE || key=$SITES_VIP6 re=$VIP6_RE
		ts=$(event_us "$r" "$t0" "^${del}${key} .*proto $LAB_ROUTE_PROTO ") || ts=""
		tu=""
		if [ -n "$ts" ]; then
			from=$((ts - 50000))
			[ $from -ge "$t0" ] || from=$t0
			tu=$(event_us upstream "$from" "$re") || tu=""
		fi
		if [ -n "$ts" ] && [ -n "$tu" ]; then
			echo "# figure $SITES_ROUTING IPv$af $what: xdpcastd's route change on $r" \
				"+$(ms_between "$t0" "$ts") ms after the action, the upstream's route" \
				"$(ms_between "$ts" "$tu") ms after that"
		else
			echo "# figure $SITES_ROUTING IPv$af $what: route events not found" \
				"(site ${ts:-?}, upstream ${tu:-?}); the upstream's:"
			grep -E "$re" "$TMP/mon-upstream" | tail -n 4 | sed 's/^/#   /'
		fi
	done
}

# --- load from the client behind the upstream ---
LOAD_PID=""
LOAD_N=0
# dnsload from the client behind the upstream, 40 s at most; load_wait
# stops it (SIGINT) 1.5 s after the last event, once the upstream converged.
load_start() {
	LOAD_N=$((LOAD_N + 1))
	LOAD_J=$TMP/load$LOAD_N.json
	rm -f "$TMP/marks"
	mkfifo "$TMP/marks"
	exec 7<>"$TMP/marks"
	ip netns exec "$(lab_ns inet-client)" "$DNSLOAD" -s "$SITES_VIP" -f $FLOWS -r $RATE -d 40 \
		-t 500 -l 200 -P 42001 -m "$TMP/marks" -j "$LOAD_J" >"$TMP/load$LOAD_N.txt" 2>&1 &
	LOAD_PID=$!
	LAB_PIDS+=("$LOAD_PID")
	sleep 1
}
mark() { echo "$1" >&7; }
load_wait() {
	local rc p kept=()
	sleep 1.5
	kill -INT "$LOAD_PID"
	wait "$LOAD_PID"
	rc=$?
	exec 7>&-
	for p in "${LAB_PIDS[@]}"; do [ "$p" = "$LOAD_PID" ] || kept+=("$p"); done
	LAB_PIDS=("${kept[@]}")
	check "dnsload ($1) exits 0 (rc $rc)" [ "$rc" -eq 0 ]
	[ -s "$LOAD_J" ] || return 1
	echo "# load ($1): $(jq -r '.totals | "\(.sent) sent, \(.lost) lost, \(.flows_with_loss) flows with loss, \(.flows_changed) changed server, longest gap \(.max_gap_ms) ms"' "$LOAD_J");" \
		"answers $(jq -c .servers "$LOAD_J")"
}
jtrue() { jq -e "$1" "$LOAD_J" >/dev/null; }
# How many flows' last answer before mark $1 came from a server matching $2.
before_mark() {
	jq --arg l "$1" --arg w "$2" '(.marks | map(.label) | index($l)) as $i
		| [.flows[] | select((.marks[$i].before // "-") | test($w))] | length' "$LOAD_J"
}

# What must be the same at the end as at the start: the upstream's paths and
# routes, every router's routes to the service address and default routes,
# the backends' states and weights, the NSDs running.
state() {
	local r s
	echo "paths: $(paths)"
	echo "upstream: $(upstream_route "$SITES_VIP") | $(upstream_route "$SITES_VIP6" 6)" |
		sed 's/nhid [0-9]* //g; s/fe80::[0-9a-f:]*/LL/g'
	for r in hq-router branch-router; do
		echo "$r: $(in_ns "$r" ip route show proto "$LAB_ROUTE_PROTO" | tr -s '\n\t' '  ')"
		echo "$r: $(in_ns "$r" ip -6 route show proto "$LAB_ROUTE_PROTO" | tr -s '\n\t' '  ')"
		echo "$r: $(in_ns "$r" ip route show default) $(in_ns "$r" ip -6 route show default)"
		sites_ctl "$r" --json backends | jq -c '[.. | objects | select(has("state") and has("weight"))
			| {name, state, weight}]'
	done
	for s in hq-dns1 hq-dns2 branch-dns; do
		echo "$s: nsd $([ -n "$(sites_nsd_pid "$s")" ] && kill -0 "$(sites_nsd_pid "$s")" 2>/dev/null &&
			echo running || echo stopped)"
	done
	ip netns list | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }' | sort | paste -sd' '
}

run() {
	local t0 n decoy
	export SITES_ROUTING=$1
	LAB_PREFIX=xb$$$1
	LAB_PREFIX=${LAB_PREFIX:0:10}
	LAB_DIR=$(mktemp -d /tmp/xdpcast-sites.XXXXXX)
	echo "# === $SITES_ROUTING ($LAB_PREFIX, $LAB_DIR)"
	t0=$(_lab_day_us)
	if ! sites_up; then
		setup_failed "the lab with its BGP variant did not come up"
		sites_down
		return
	fi
	echo "# the lab was up, BGP included, in $(_lab_ms "$t0" "$(_lab_day_us)") ms"
	state >"$TMP/state-start"
	sed 's/^/# start: /' "$TMP/state-start"

	# --- both sites announce; only the service prefixes reach the upstream ---
	check "$1: the upstream learns both prefixes from both sites ($(paths))" \
		has_paths hq-router branch-router
	check "$1: its kernel routes them over both sites ($(upstream_route "$SITES_VIP"))" \
		upstream_routes_to hq-router branch-router
	n=0
	for port in 5301 5302 5303 5304 5305 5306 5307 5308; do
		[[ $(sites_bgp_query "$port" 4) == *-dns* && $(sites_bgp_query "$port" 6) == *-dns* ]] &&
			n=$((n + 1))
	done
	check "$1: the client behind the upstream is answered over IPv4 and IPv6 ($n/8 flows)" [ $n -eq 8 ]
	# leak decoys in both site routers: a static route (FRR sees it as a
	# kernel route), a route of xdpcast's protocol at another prefix (BIRD's
	# kernel protocol learns it) and one inside the service's /24; the
	# default route to the upstream and the OSPF routes are there anyway
	for r in hq-router branch-router; do
		s=$(sites_router_servers "$r" | cut -d' ' -f1)
		in_ns "$r" ip route add 198.18.250.0/24 via "$(sites_server_addr "$s")" proto static metric 50
		for decoy in 198.18.251.0/24 203.0.113.0/25; do
			in_ns "$r" ip route add "$decoy" via "$(sites_server_addr "$s")" \
				proto "$LAB_ROUTE_PROTO" metric 50
		done
		in_ns "$r" ip -6 route add 2001:db8:250::/48 via "$(sites_server_addr "$s" 6)" \
			proto "$LAB_ROUTE_PROTO" metric 50
	done
	# (a leak travels in tens of ms with FRR, within a second with BIRD)
	sleep 3
	check "$1: with decoy routes in the sites' kernels, the upstream still learns only the service ($(paths))" \
		has_paths hq-router branch-router
	check "$1: and its kernel has no route to a decoy or a default route" \
		[ -z "$(in_ns upstream ip route show 198.18.250.0/24; in_ns upstream ip route show 198.18.251.0/24
			in_ns upstream ip route show 203.0.113.0/25; in_ns upstream ip route show default
			in_ns upstream ip -6 route show 2001:db8:250::/48; in_ns upstream ip -6 route show default)" ]
	for r in hq-router branch-router; do
		in_ns "$r" ip route del 198.18.250.0/24 metric 50
		in_ns "$r" ip route del 198.18.251.0/24 metric 50
		in_ns "$r" ip route del 203.0.113.0/25 metric 50
		in_ns "$r" ip -6 route del 2001:db8:250::/48 metric 50
	done

	for ns in upstream hq-router branch-router; do
		mon_start "$ns" || {
			setup_failed "route monitor in $ns"
			sites_down
			return
		}
	done

	# --- HQ without a healthy server (its NSDs stopped), then back ---
	load_start
	mark "hq down"
	t0=$(_lab_day_us)
	kill "$(sites_nsd_pid hq-dns1)" "$(sites_nsd_pid hq-dns2)" # both at once
	sites_nsd_stop hq-dns1
	sites_nsd_stop hq-dns2
	check "$1: HQ's NSDs stopped: the upstream loses HQ's path, keeps the branch's" \
		sites_bgp_wait_paths "$(sites_bgp_expect branch-router)"
	check "$1: and routes the service to the branch only ($(upstream_route "$SITES_VIP"))" \
		wait_upstream_routes branch-router
	figure "$t0" hq-router "Deleted " "HQ path dropped (NSDs stopped)"
	sleep 1.5
	mark "hq back"
	t0=$(_lab_day_us)
	sites_nsd_start hq-dns1 && sites_nsd_start hq-dns2
	check "$1: HQ's NSDs back: the upstream learns HQ's path again ($(paths))" \
		sites_bgp_wait_paths "$(sites_bgp_expect hq-router branch-router)"
	check "$1: and routes over both sites again" wait_upstream_routes hq-router branch-router
	figure "$t0" hq-router "" "HQ path learnt back (NSDs started)"
	if load_wait "HQ down and back"; then
		n=$(before_mark "hq back" '^branch-dns$')
		check "$1: while HQ had no server every flow was answered by the branch ($n/$FLOWS)" \
			[ "$n" -eq $FLOWS ]
		n=$(before_mark "hq down" '^hq-dns')
		echo "# $n flows were on HQ before its NSDs stopped"
		check "$1: the flows on the branch lost no query meanwhile" \
			jtrue 'all(.flows[] | select(.marks[0].before == "branch-dns"
				and (.servers | map(test("^hq")) | any | not)); .lost == 0)'
	fi

	# --- the branch's server drained with xdpcastctl, then undrained ---
	load_start
	mark "branch drained"
	t0=$(_lab_day_us)
	sites_ctl branch-router drain branch-dns >/dev/null
	check "$1: branch-dns drained: the upstream loses the branch's path ($(paths))" \
		sites_bgp_wait_paths "$(sites_bgp_expect hq-router)"
	check "$1: and routes the service to HQ only" wait_upstream_routes hq-router
	figure "$t0" branch-router "Deleted " "branch path dropped (drain)"
	sleep 1.5
	mark "branch undrained"
	t0=$(_lab_day_us)
	sites_ctl branch-router undrain branch-dns >/dev/null
	check "$1: undrained: the upstream learns the branch's path again ($(paths))" \
		sites_bgp_wait_paths "$(sites_bgp_expect hq-router branch-router)"
	check "$1: and routes over both sites again" wait_upstream_routes hq-router branch-router
	figure "$t0" branch-router "" "branch path learnt back (undrain)"
	if load_wait "branch drained and undrained"; then
		n=$(before_mark "branch undrained" '^hq-dns')
		check "$1: while the branch was drained every flow was answered by HQ ($n/$FLOWS)" \
			[ "$n" -eq $FLOWS ]
	fi

	# --- no site with a healthy server: the prefix leaves the upstream ---
	load_start
	sites_ctl branch-router drain branch-dns >/dev/null
	sites_bgp_wait_paths "$(sites_bgp_expect hq-router)" || true
	mark "none"
	t0=$(_lab_day_us)
	kill "$(sites_nsd_pid hq-dns1)" "$(sites_nsd_pid hq-dns2)" # both at once
	sites_nsd_stop hq-dns1
	sites_nsd_stop hq-dns2
	check "$1: no site with a healthy server: the upstream has no path left ($(paths))" \
		sites_bgp_wait_paths ""
	check "$1: and no route to the service ($(upstream_route "$SITES_VIP"))" wait_upstream_routes
	figure "$t0" hq-router "Deleted " "prefix withdrawn (last site)"
	sleep 1.5
	mark "restored"
	t0=$(_lab_day_us)
	sites_nsd_start hq-dns1 && sites_nsd_start hq-dns2
	sites_ctl branch-router undrain branch-dns >/dev/null
	check "$1: servers back: the upstream learns both sites' paths ($(paths))" \
		sites_bgp_wait_paths "$(sites_bgp_expect hq-router branch-router)"
	check "$1: and routes over both sites" wait_upstream_routes hq-router branch-router
	figure "$t0" hq-router "" "prefix learnt back (HQ's NSDs started)"
	if load_wait "no site, then both back"; then
		# (the upstream had no route for 1.5 s at least before "restored")
		check "$1: with no site serving, every flow went unanswered for 1.4 s or more" \
			jtrue 'all(.flows[]; .lost > 0 and .max_gap_ms >= 1400)'
		check "$1: and every flow is answered again after 'restored'" \
			jtrue 'all(.flows[]; .marks[1].after != null)'
	fi
	mon_stop

	# --- the lab as at the start ---
	sites_wait_route hq-router present && sites_wait_route branch-router present
	sleep 1
	state >"$TMP/state-end"
	check "$1: the lab's state at the end equals the start" cmp -s "$TMP/state-start" "$TMP/state-end"
	cmp -s "$TMP/state-start" "$TMP/state-end" || diff "$TMP/state-start" "$TMP/state-end" | sed 's/^/# /'
	sites_down
}

for routing in $ROUTINGS; do
	run "$routing"
done
finish
