#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Health checks that reach the service where clients do (issue 10): each
# check targets the VIP through its backend (per-backend policy routing: a
# table per backend holding VIP via the backend's next hop, onlink, protocol
# 251, selected by ip rules at priorities 900..903 on the probe's fwmark
# 0x58430000 | backend id). The backends' services listen on the VIPs only
# (the seed design): NSD, busybox httpd and openssl s_server.
#
# One xdpcastd, one VIP per check type and family at the lab's VIPs (icmp,
# tcp, dns over udp and tcp, http, https with host: for SNI and Host), a
# VIP on a shared segment (two backends behind one router interface through
# a bridge), and two with target: backend. In order:
#  - every backend comes up; the probe rules and tables are there, a stale
#    set of protocol 251 is gone; the https servers saw the SNI;
#  - b2's NSD stops: b2 goes down within interval x fall + timeout (+ a
#    margin) in the VIPs NSD serves, and only there; its flows move, no
#    other flow does (IPv4 and IPv6);
#  - b1's http (IPv4) and https (IPv6) servers stop: b1 goes down there only;
#  - s1's NSD stops: s1 goes down, s2 on the same segment stays up;
#  - target: backend: down while nothing listens on the backends' own
#    addresses, up once NSD does; then b3 loses the VIPs from its lo: down
#    in every VIP-targeted check (icmp too) although its own address answers;
#  - every dns backend down: the VIP routes are withdrawn; one NSD back: the
#    backend comes up again, the routes return and the VIP answers;
#  - the first verdict of a backend that starts down is logged, with why;
#  - kill -9 and a new xdpcastd: the probe path stays and is adopted, not
#    rewritten (ip monitor), every backend as it was; a reload without a VIP
#    removes its backends' rules and routes, one with it puts them back;
#  - SIGTERM: no rule nor route of protocol 251 left (IPv4, IPv6), no pinned
#    map; and no namespace after the lab is down.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
LAB_BACKENDS=3
LAB_STATIC_VIP_ROUTE=0 # the VIPs' routes are xdpcastd's only: withdrawn means gone
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
SAVED_LOG=""
cleanup() {
	lab_down
	[ -z "$SAVED_LOG" ] || rm -f "$SAVED_LOG"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_vip_checks
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

INTERVAL_MS=200
TIMEOUT_MS=150
RISE=1
FALL=2
MARGIN_MS=1000
DOWN_MS=$((INTERVAL_MS * FALL + TIMEOUT_MS + MARGIN_MS))
UP_MS=$((INTERVAL_MS * RISE + TIMEOUT_MS + MARGIN_MS))
START_MS=10000 # from xdpcastd's start to every backend up
# the defaults of probe_routing and route
PROBE_PROTO=251
PROBE_MARK=0x58430000
ROUTE_PROTO=252

VIP=$LAB_VIP
VIP6=$LAB_VIP6
SHARED=203.0.113.55 # the shared segment's VIPs
SHARED6=2001:db8:53::55
BK=203.0.113.54 # the target: backend VIPs (no client traffic)
BK6=2001:db8:53::54
TLS_NAME=www.anycast.test
HTTP_PORT=8080
HTTPS_PORT=8443
# one VIP per check type and family at the lab's VIPs: $TYPES, ${TYPES}6
TYPES="dns dnstcp tcp icmp http https"
TYPES6="dns6 dnstcp6 tcp6 icmp6 http6 https6"
NSD_VIPS="dns dnstcp tcp dns6 dnstcp6 tcp6" # those whose checks NSD answers

# Its input on one line, for a message.
one_line() { tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'; }
# How many lines of its input are not empty.
lines() { grep -c . || true; }

# The lab's VIPs, their check type at each: vips_yaml V SUFFIX BACKEND...
vips_yaml() {
	local v=$1 s=$2
	shift 2
	vip_yaml "dns$s" "$v" "protocol: udp, port: 53, flow_table: true" \
		"type: dns, name: anycast.test" "$@"
	vip_yaml "dnstcp$s" "$v" "protocol: tcp, port: 53" \
		"type: dns, name: anycast.test, transport: tcp" "$@"
	# the check names its port: the VIP's (8053) is not probed
	vip_yaml "tcp$s" "$v" "protocol: tcp, port: 8053" "type: tcp, port: 53" "$@"
	vip_yaml "icmp$s" "$v" "" "type: icmp" "$@"
	# no port of the check's own: the VIP's, not the type's (80, 443)
	vip_yaml "http$s" "$v" "protocol: tcp, port: $HTTP_PORT" "type: http" "$@"
	vip_yaml "https$s" "$v" "protocol: tcp, port: $HTTPS_PORT" \
		"type: https, host: $TLS_NAME, tls_verify: false" "$@"
}
write_config() {
	local b4 b6 s4=() s6=() i
	mapfile -t b4 < <(lab_backends4 3)
	mapfile -t b6 < <(lab_backends6 3)
	for i in 1 2; do
		s4+=("s$i $(lab_segment_addr "$i")")
		s6+=("s$i $(lab_segment_addr6 "$i")")
	done
	cat >"$CFG" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $SOCK
seed: 0x5eed
vips:
$(vips_yaml "$VIP" "" "${b4[@]}")
$(vips_yaml "$VIP6" 6 "${b6[@]}")
$([ -n "${WITHOUT_SHARED:-}" ] || vip_yaml shared "$SHARED" "protocol: udp, port: 53, flow_table: true" \
		"type: dns, name: anycast.test" "${s4[@]}")
$([ -n "${WITHOUT_SHARED:-}" ] || vip_yaml shared6 "$SHARED6" "protocol: udp, port: 53, flow_table: true" \
		"type: dns, name: anycast.test" "${s6[@]}")
$(vip_yaml bk "$BK" "protocol: udp, port: 53" \
		"type: dns, name: anycast.test, target: backend" "${b4[@]}")
$(vip_yaml bk6via4 "$BK6" "protocol: udp, port: 53" \
		"type: dns, name: anycast.test, target: backend" "${b4[@]}")
YAML
}

# The router's probe rules (protocol 251), IPv4 or with -6; iproute2 6.1's
# `ip rule show` ignores a protocol selector: the lines are picked here.
probe_rules() { in_ns router ip "$@" -N rule show | grep -E " proto $PROBE_PROTO( |\$)"; }
# Its routes of protocol $1 in any table, IPv4 and IPv6.
routes_of_proto() {
	in_ns router ip -4 -N route show table all proto "$1"
	in_ns router ip -6 -N route show table all proto "$1"
}
# The VIP route at address $1 (xdpcastd's, protocol 252), on one line.
vip_route() {
	local family=-4
	[[ $1 == *:* ]] && family=-6
	in_ns router ip "$family" -o route show "$1" proto "$ROUTE_PROTO" table all
}
vip_routes_present() { [ -n "$(vip_route "$VIP")" ] && [ -n "$(vip_route "$VIP6")" ]; }
vip_routes_gone() { [ -z "$(vip_route "$VIP")" ] && [ -z "$(vip_route "$VIP6")" ]; }
# Where the router sends a probe to address $1 of VIP $2's backend $3 ("via
# GATEWAY dev DEV"): the route of the backend's fwmark.
probe_route() {
	local addr=$1 vip=$2 b=$3 id family=-4
	[[ $addr == *:* ]] && family=-6
	id=$(agent_ctl --json backends |
		jq -er --arg v "$vip" --arg b "$b" '.backends[] | select(.vip == $v and .name == $b) | .id') ||
		return 1
	in_ns router ip "$family" route get "$addr" mark "$(printf '0x%x' $((PROBE_MARK | id)))" |
		grep -o 'via [^ ]* dev [^ ]*'
}
# check that VIP $2's backend $3 is probed at address $1 via $4 (its next
# hop) on $5.
check_probe_route() {
	local got
	got=$(probe_route "$1" "$2" "$3")
	check "$2 $3: a probe to $1 with its mark goes via $4 dev $5 (${got:-no route})" \
		[ "$got" = "via $4 dev $5" ]
}
# check "$1" that a change came within $2 ms: it took $3 ms, and $4 are the
# states that were not as they should before it (backend_health_wrong's
# output: none, unless the change was no change).
check_within() {
	check "$1 (${3} <= ${2} ms${4:+; not so before: $(one_line <<<"$4")})" \
		test -z "$4" -a "$3" -le "$2"
}
# Kills process $1 (one of lab's) and reaps it; the time of the kill in T0.
stop() {
	T0=$(now_ms)
	kill "$1"
	wait_exit "$1" 5000
}
# Waits up to $1 ms from T0 until the agent reports the states that follow
# (backend_health_wrong's arguments); prints the ms from T0.
# The same from now.
wait_health_from_t0_now() {
	T0=$(now_ms)
	wait_health_from_t0 "$@"
}
wait_health_from_t0() {
	local limit=$1
	shift
	wait_until $((limit - ($(now_ms) - T0))) backend_health_is "$@" >/dev/null
	echo $(($(now_ms) - T0))
}
# The client's flows to $1 (the VIP, or the shared one) from the ports of
# map_flows, over IPv4 (QUERY=query4) or IPv6 (query6).
FLOW_VIP=""
query4() { lab_query_from_port "$1" "$FLOW_VIP"; }
query6() { lab_query6_from_port "$1" "$FLOW_VIP"; }
# map_flows to address $1 (family by query function $2), saved in $LAB_DIR/$3.
map_flows_to() {
	FLOW_VIP=$1 QUERY=$2
	map_flows
	snapshot >"$LAB_DIR/$3"
}
lost() { cat "$LAB_DIR/lost"; }
answered_by() { awk '{print $2}' "$LAB_DIR/$1" | sort | uniq -c | one_line; }
spread() { awk '$2 != "-" {print $2}' "$LAB_DIR/$1" | sort -u | wc -l; }
# Flows in $LAB_DIR/$1 (before) and $2 (after) that moved though they were
# not on backend $3; and those of $3 that did not move or were lost.
moved_others() { join "$LAB_DIR/$1" "$LAB_DIR/$2" | awk -v b="$3" '$2 != b && $2 != $3' | wc -l; }
stayed() { join "$LAB_DIR/$1" "$LAB_DIR/$2" | awk -v b="$3" '$2 == b && ($3 == b || $3 == "-")' | wc -l; }

# --- the lab: three backends on their own links, two on a shared segment ---
lab_up || fail_setup "lab"
lab_segment_up 2 "$SHARED" "$SHARED6" || fail_setup "shared segment"
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
: >"$LOG"
declare -A HTTP_PID HTTPS_PID
for i in 1 2 3; do
	LAB_NSD_LISTEN=vip lab_start_nsd "$i"
	for v in "$VIP" "$VIP6"; do
		lab_http_start "b$i" "$v" "$HTTP_PORT"
		HTTP_PID[b$i-$v]=$LAB_HTTP_PID
		lab_https_start "b$i" "$v" "$HTTPS_PORT" "$TLS_NAME" || fail_setup "https server b$i $v"
		HTTPS_PID[b$i-$v]=$LAB_HTTPS_PID
	done
done
for i in 1 2; do
	LAB_NSD_LISTEN=vip LAB_NSD_VIPS="$SHARED $SHARED6" \
		lab_nsd_start "s$i" "s$i" "$(lab_segment_addr "$i")" "$(lab_segment_addr6 "$i")"
	eval "SHARED_NSD_PID_$i=$LAB_NSD_PID"
done
for i in 1 2 3; do
	for v in "$VIP" "$VIP6"; do
		lab_wait_nsd "$i" "$v" || fail_setup "NSD b$i on $v"
		lab_wait_http "b$i" "$v" "$HTTP_PORT" || fail_setup "http b$i on $v"
		lab_wait_https "b$i" "$v" "$HTTPS_PORT" || fail_setup "https b$i on $v"
	done
done
for i in 1 2; do
	for v in "$SHARED" "$SHARED6"; do lab_wait_nsd "s$i" "$v" || fail_setup "NSD s$i on $v"; done
done
# the premise: a check of the backend's own address finds no service
own_silent=0
for i in 1 2 3; do
	in_ns router dig @"198.18.$i.2" +tries=1 +time=1 CH TXT id.server >/dev/null 2>&1 ||
		own_silent=$((own_silent + 1))
	in_ns router dig @"$(lab_backend_addr6 "$i")" +tries=1 +time=1 CH TXT id.server >/dev/null 2>&1 ||
		own_silent=$((own_silent + 1))
	in_ns router timeout 2 busybox wget -q -O /dev/null "http://198.18.$i.2:$HTTP_PORT/" 2>/dev/null ||
		own_silent=$((own_silent + 1))
done
check "the servers listen on the VIPs only: none answers on its own address ($own_silent of 9 silent)" \
	[ "$own_silent" -eq 9 ]

# left by an earlier xdpcastd: a rule and a probe route of protocol 251
in_ns router ip rule add priority 902 fwmark 0x58430fff lookup 58434095 proto "$PROBE_PROTO"
in_ns router ip -6 rule add priority 902 fwmark 0x58430fff lookup 58434095 proto "$PROBE_PROTO"
in_ns router ip route add 203.0.113.99/32 via 198.18.1.2 dev r1 onlink table 58434095 proto "$PROBE_PROTO"
in_ns router ip -6 route add 2001:db8:53::99/128 via "$(lab_backend_addr6 1)" dev r1 onlink \
	table 58434095 proto "$PROBE_PROTO"
# and someone else's, which must stay
in_ns router ip rule add priority 950 fwmark 0x1 lookup 100
in_ns router ip -6 rule add priority 950 fwmark 0x1 lookup 100
in_ns router ip route add 203.0.113.98/32 via 198.18.1.2 dev r1 table 100
others_kept() {
	# captured first: grep -q closing the pipe early fails "ip rule" under pipefail
	local rules rules6
	rules=$(in_ns router ip rule show)
	rules6=$(in_ns router ip -6 rule show)
	grep -q '^950:.*fwmark 0x1 lookup 100' <<<"$rules" &&
		grep -q '^950:.*fwmark 0x1 lookup 100' <<<"$rules6" &&
		[ -n "$(in_ns router ip route show 203.0.113.98 table 100)" ] && return 0
	echo "# rules: $(one_line <<<"$rules") | IPv6: $(one_line <<<"$rules6")"
	echo "# table 100: $(in_ns router ip route show table 100 | one_line)"
	return 1
}

write_config
check "--check-config accepts the file" "$XDPCASTD" --check-config -c "$CFG"
# an IPv6 VIP whose backends are IPv4 cannot be probed at the VIP through them
cat >"$LAB_DIR/v6via4.yaml" <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $SOCK
vips:
$(vip_yaml v6via4 "$BK6" "protocol: udp, port: 53" "type: dns, name: anycast.test" "b1 198.18.1.2")
YAML
err=$("$XDPCASTD" --check-config -c "$LAB_DIR/v6via4.yaml" 2>&1)
rc=$?
echo "# $err"
check "--check-config refuses an IPv6 VIP with IPv4 backends and target vip (rc $rc)" [ "$rc" -eq 1 ]
check "and says that it needs target: backend" grep -q "target" <<<"$err"

# --- every backend comes up, each probed at the VIP through it ---
T0=$(now_ms)
lab_xdpcastd_start "$CFG" "$LOG"
all_up=("$TYPES $TYPES6" "b1 b2 b3" up "shared shared6" "s1 s2" up)
ms=$(wait_health_from_t0 "$START_MS" "${all_up[@]}")
echo "# every VIP-targeted backend up ${ms} ms after xdpcastd started"
for t in $TYPES $TYPES6; do
	check_health "$t: b1, b2 and b3 up, probed at the VIP" "$t" "b1 b2 b3" up
done
check_health "shared segment: s1 and s2 up, IPv4 and IPv6" "shared shared6" "s1 s2" up
check_health "target: backend: down while the backends' own addresses have no service" \
	"bk bk6via4" "b1 b2 b3" down
check "xdpcast is attached to r0" attached
# what xdpcastctl says each backend's checks go to
target_of() {
	agent_ctl --json backends |
		jq -r --arg v "$1" '.backends[] | select(.vip == $v and .name == "b1") |
			"\(.check_target) \(.check_address) \(.check_port)"'
}
check "xdpcastctl: dns checks go to the VIP and its port ($(target_of dns))" \
	[ "$(target_of dns)" = "vip $VIP 53" ]
check "xdpcastctl: icmp checks to the VIP, no port ($(target_of icmp6))" \
	[ "$(target_of icmp6)" = "vip $VIP6 null" ]
check "xdpcastctl: target backend checks go to the backend's own address ($(target_of bk))" \
	[ "$(target_of bk)" = "backend 198.18.1.2 53" ]

rules4=$(probe_rules)
rules6=$(probe_rules -6)
# xdpcastd's own: not the stale one this test added
own4=$(grep -v 'lookup 58434095' <<<"$rules4")
own6=$(grep -v 'lookup 58434095' <<<"$rules6")
check "IPv4 probe rules of protocol $PROBE_PROTO ($(lines <<<"$own4"))" [ -n "$own4" ]
check "IPv6 probe rules of protocol $PROBE_PROTO ($(lines <<<"$own6"))" [ -n "$own6" ]
check "at priorities 900..903 only" \
	[ -z "$(printf '%s\n' "$rules4" "$rules6" | awk -F: 'NF && ($1 < 900 || $1 > 903)')" ]
check "the stale rules of protocol $PROBE_PROTO are removed at start" \
	[ -z "$(printf '%s\n' "$rules4" "$rules6" | grep 'lookup 58434095')" ]
probe_routes=$(routes_of_proto "$PROBE_PROTO")
check "the stale probe routes are removed at start" \
	[ -z "$(grep -e '^203.0.113.99 ' -e '^2001:db8:53::99 ' <<<"$probe_routes")" ]
check "no probe route in the main table" \
	[ -z "$(in_ns router ip -4 route show table main proto "$PROBE_PROTO")$(in_ns router ip -6 route show table main proto "$PROBE_PROTO")" ]
for i in 1 2 3; do
	check "a probe table holds $VIP via 198.18.$i.2 dev r$i onlink" \
		grep -q "^$VIP via 198.18.$i.2 dev r$i .*onlink" <<<"$probe_routes"
	check "a probe table holds $VIP6 via $(lab_backend_addr6 "$i") dev r$i onlink" \
		grep -q "^$VIP6 via $(lab_backend_addr6 "$i") dev r$i .*onlink" <<<"$probe_routes"
	check_probe_route "$VIP" dns "b$i" "198.18.$i.2" "r$i"
	check_probe_route "$VIP6" dns6 "b$i" "$(lab_backend_addr6 "$i")" "r$i"
done
# the shared segment: one interface, each backend probed through its own next hop
for i in 1 2; do
	check_probe_route "$SHARED" shared "s$i" "$(lab_segment_addr "$i")" rs
	check_probe_route "$SHARED6" shared6 "s$i" "$(lab_segment_addr6 "$i")" rs
done

sni=0 refused=0
for i in 1 2 3; do
	for v in "$VIP" "$VIP6"; do
		f=$(lab_https_log "b$i" "$v" "$HTTPS_PORT")
		grep -q 'TLS client extension "server name"' "$f" && sni=$((sni + 1))
		grep -q 'callback failed' "$f" && refused=$((refused + 1))
	done
done
check "https: the checks sent a TLS server name, the servers' ($sni of 6 saw one)" [ "$sni" -eq 6 ]
check "https: and it was $TLS_NAME (no server refused one: $refused did)" [ "$refused" -eq 0 ]

# the client's flows, IPv4 and IPv6, and on the shared segment
map_flows_to "$VIP" query4 before4
check "every IPv4 flow answered ($(lost) lost)" [ "$(lost)" -eq 0 ]
check "IPv4 flows spread over the three backends ($(answered_by before4))" [ "$(spread before4)" -eq 3 ]
map_flows_to "$VIP6" query6 before6
check "every IPv6 flow answered ($(lost) lost)" [ "$(lost)" -eq 0 ]
check "IPv6 flows spread over the three backends ($(answered_by before6))" [ "$(spread before6)" -eq 3 ]
map_flows_to "$SHARED" query4 shared_before
check "the shared segment's VIP answers every flow, from s1 and s2 ($(answered_by shared_before))" \
	[ "$(lost)" -eq 0 -a "$(spread shared_before)" -eq 2 ]

# --- b2's NSD stops: b2 goes down where NSD answers the checks, only there ---
before=$(backend_health_wrong "$NSD_VIPS" b2 up)
stop "$LAB_NSD_PID_2"
ms=$(wait_health_from_t0 "$DOWN_MS" "$NSD_VIPS" b2 down)
echo "# b2 down in $NSD_VIPS ${ms} ms after its NSD stopped"
check_within "b2 down in dns, dnstcp, tcp (IPv4, IPv6) within interval x fall + timeout + margin" \
	"$DOWN_MS" "$ms" "$before"
check_health "b2 down in $NSD_VIPS" "$NSD_VIPS" b2 down
check_health "b2 still up in icmp, http and https (IPv4, IPv6)" \
	"icmp http https icmp6 http6 https6" b2 up
check_health "b1 and b3 still up in every VIP" "$TYPES $TYPES6" "b1 b3" up
map_flows_to "$VIP" query4 during4
check "IPv4: b2's flows answered by the others ($(answered_by during4))" \
	[ "$(lost)" -eq 0 -a "$(stayed before4 during4 b2)" -eq 0 ]
check "IPv4: no other flow moved ($(moved_others before4 during4 b2) moved)" \
	[ "$(moved_others before4 during4 b2)" -eq 0 ]
map_flows_to "$VIP6" query6 during6
check "IPv6: b2's flows answered by the others ($(answered_by during6))" \
	[ "$(lost)" -eq 0 -a "$(stayed before6 during6 b2)" -eq 0 ]
check "IPv6: no other flow moved ($(moved_others before6 during6 b2) moved)" \
	[ "$(moved_others before6 during6 b2)" -eq 0 ]

# --- b1's http server (IPv4) and https server (IPv6) stop ---
before=$(backend_health_wrong "http https6" b1 up)
stop "${HTTP_PID[b1-$VIP]}"
kill "${HTTPS_PID[b1-$VIP6]}"
wait_exit "${HTTPS_PID[b1-$VIP6]}" 5000
ms=$(wait_health_from_t0 "$DOWN_MS" "http https6" b1 down)
echo "# b1 down in http and https6 ${ms} ms after their servers stopped"
check_within "http, https6: b1 down when its server stops" "$DOWN_MS" "$ms" "$before"
check_health "http, https6: b1 down" "http https6" b1 down
check_health "b1 still up in http6 and https, whose servers run" "http6 https" b1 up

# --- shared segment: s1's NSD stops, s2 stays ---
before=$(backend_health_wrong "shared shared6" s1 up)
stop "$SHARED_NSD_PID_1"
ms=$(wait_health_from_t0 "$DOWN_MS" "shared shared6" s1 down)
echo "# s1 down ${ms} ms after its NSD stopped"
check_within "shared segment: s1 down within interval x fall + timeout + margin" \
	"$DOWN_MS" "$ms" "$before"
check_health "shared segment: s1 down, s2 up, IPv4 and IPv6" \
	"shared shared6" s1 down "shared shared6" s2 up
map_flows_to "$SHARED" query4 shared_during
check "the shared segment's flows all answered by s2 ($(answered_by shared_during))" \
	[ "$(lost)" -eq 0 -a -z "$(awk '$2 != "s2"' "$LAB_DIR/shared_during")" ]

# --- target: backend: the backends' own addresses get a service ---
for i in 1 2 3; do
	LAB_NSD_LISTEN=own lab_nsd_start "b$i" "b$i-own" "198.18.$i.2" "$(lab_backend_addr6 "$i")"
done
for i in 1 2 3; do lab_wait_nsd "$i" "198.18.$i.2" || fail_setup "own NSD b$i"; done
T0=$(now_ms)
ms=$(wait_health_from_t0 "$UP_MS" "bk bk6via4" "b1 b2 b3" up)
echo "# target: backend: up ${ms} ms after NSD answered on the own addresses"
check "target: backend: up within interval x rise + timeout + margin (${ms} <= ${UP_MS} ms)" \
	[ "$ms" -le "$UP_MS" ]
check_health "target: backend: b1, b2 and b3 up once their own addresses answer (IPv4 VIP and IPv6 VIP)" \
	"bk bk6via4" "b1 b2 b3" up
check_health "target vip: b2 stays down, though its own address now answers" "dns dns6" b2 down

# --- b3 loses the VIPs from its lo: it still answers on its own address ---
before=$(backend_health_wrong "$TYPES $TYPES6" b3 up)
T0=$(now_ms)
in_ns b3 ip addr del "$VIP/32" dev lo
in_ns b3 ip -6 addr del "$VIP6/128" dev lo
ms=$(wait_health_from_t0 "$DOWN_MS" "$TYPES $TYPES6" b3 down)
echo "# b3 down everywhere ${ms} ms after the VIPs left its lo"
check_within "b3 down in every VIP-targeted check within interval x fall + timeout + margin" \
	"$DOWN_MS" "$ms" "$before"
for t in $TYPES $TYPES6; do
	check_health "$t: b3 down without the VIP on its lo" "$t" b3 down
done
own_answer=$(in_ns router dig @198.18.3.2 +short +tries=1 +time=1 CH TXT id.server 2>&1)
check "b3 still answers on its own address ($(one_line <<<"$own_answer"))" [ "$own_answer" = '"b3-own"' ]
check_health "and target: backend keeps it up" "bk bk6via4" b3 up

# --- every dns backend down: the VIP routes go; one back: they return ---
check "the VIP routes are there while the VIPs are in service" vip_routes_present
before=$(backend_health_wrong "dns dns6" b1 up)
stop "${LAB_NSD_PID_1}"
ms=$(wait_health_from_t0 "$DOWN_MS" "dns dns6" "b1 b2 b3" down)
wait_until 2000 vip_routes_gone >/dev/null
echo "# every dns backend down ${ms} ms after b1's NSD stopped"
check_within "dns, dns6: the last backend, b1, down when its NSD stops" "$DOWN_MS" "$ms" "$before"
check_health "dns, dns6: every backend down" "dns dns6" "b1 b2 b3" down
check "the VIP routes are withdrawn (IPv4 and IPv6)" vip_routes_gone
check "the VIP does not answer" [ "$(lab_query_from_port 42900)" = - ]
LAB_NSD_LISTEN=vip lab_start_nsd 2
{ lab_wait_nsd 2 && lab_wait_nsd6 2; } || fail_setup "NSD b2 restart"
T0=$(now_ms)
ms=$(wait_health_from_t0 "$UP_MS" "dns dns6" b2 up)
back=$(wait_until $((UP_MS + 1000)) vip_routes_present)
echo "# b2 up ${ms} ms after its NSD answered again, the routes back ${back} ms after that"
check_within "b2 comes back though every dns backend was down" "$UP_MS" "$ms" ""
check_health "dns, dns6: b2 up" "dns dns6" b2 up
check "the VIP routes return (IPv4 and IPv6)" vip_routes_present
map_flows_to "$VIP" query4 back4
check "the VIP answers again, from b2 ($(answered_by back4))" \
	[ "$(lost)" -eq 0 -a -z "$(awk '$2 != "b2"' "$LAB_DIR/back4")" ]
map_flows_to "$VIP6" query6 back6
check "the IPv6 VIP answers again, from b2 ($(answered_by back6))" \
	[ "$(lost)" -eq 0 -a -z "$(awk '$2 != "b2"' "$LAB_DIR/back6")" ]

# --- the log says why a backend is not up ---
check "the first verdict of a backend that starts down is logged with its reason" \
	grep -qE "vip bk $BK: backend b1 198.18.1.2: down \(dns: [^)]+\), [0-9]+ checks in a row" "$LOG"

# --- restart: a new xdpcastd adopts the probe path as it is ---
probe_path() { { probe_rules && probe_rules -6 && routes_of_proto "$PROBE_PROTO"; } | sort; }
health_before=$(backend_health | sort)
path_before=$(probe_path)
kill -9 "$LAB_XDPCASTD_PID"
wait_exit "$LAB_XDPCASTD_PID" 5000
check "kill -9 leaves the probe path in the kernel" [ "$(probe_path)" = "$path_before" ]
log_lines=$(wc -l <"$LOG")
ip netns exec "$(lab_ns router)" ip -N monitor rule route >"$LAB_DIR/monitor" 2>&1 &
monitor=$!
LAB_PIDS+=("$monitor")
lab_xdpcastd_start "$CFG" "$LOG"
wait_until 5000 agent_ctl status >/dev/null 2>&1
sleep $(((INTERVAL_MS * 3 + 999) / 1000)) # checks ran again
# a rule of someone else's, added and deleted: the monitor must show it, or
# its silence about the probe path proves nothing
in_ns router ip rule add priority 960 fwmark 0x2 lookup 100
in_ns router ip rule del priority 960 fwmark 0x2 lookup 100
sleep 0.2
kill "$monitor"
wait "$monitor" 2>/dev/null
check "the monitor saw the control rule come and go" \
	[ "$(grep -c '^\(Deleted \)\?960:' "$LAB_DIR/monitor")" -eq 2 ]
rewritten=$(grep -c -e "proto $PROBE_PROTO" -e 'table 5843' "$LAB_DIR/monitor")
check "restart: the same rules and probe routes" [ "$(probe_path)" = "$path_before" ]
check "restart: none rewritten (ip monitor: $rewritten rule or route messages of the probe path)" \
	[ "$rewritten" -eq 0 ]
check "restart: every backend as it was" [ "$(backend_health | sort)" = "$health_before" ]
check "restart: nothing of the probe path removed or restored" \
	bash -c "! tail -n +$((log_lines + 1)) '$LOG' | grep -E 'probe path.*(removed|restored)'"

# --- reload: a VIP removed takes its backends' probe paths along ---
on_rs() { routes_of_proto "$PROBE_PROTO" | grep -c ' dev rs '; }
check "the shared segment's backends have probe routes (IPv4, IPv6: $(on_rs))" [ "$(on_rs)" -eq 4 ]
reloads=$(log_count "reloaded ")
WITHOUT_SHARED=1 write_config
kill -HUP "$LAB_XDPCASTD_PID"
check "reload without the shared VIPs applied" wait_log "reloaded " 5000 "$reloads"
check "their probe routes are gone ($(on_rs) left)" [ "$(on_rs)" -eq 0 ]
check "and their rules ($(probe_path | grep -c 'lookup') per-backend rules left of $(grep -c 'lookup' <<<"$path_before"))" \
	[ "$(probe_path | grep -c 'lookup')" -eq $(($(grep -c 'lookup' <<<"$path_before") - 4)) ]
write_config
kill -HUP "$LAB_XDPCASTD_PID"
check "reload with them again applied" wait_log "reloaded " 5000 "$((reloads + 1))"
check "their probe routes are back ($(on_rs))" [ "$(on_rs)" -eq 4 ]
ms=$(wait_health_from_t0_now "$UP_MS" "shared shared6" s2 up)
check "s2 up again behind the shared segment (${ms} ms)" [ "$ms" -ge 0 ]

# --- SIGTERM: nothing of the probe path is left ---
kill -TERM "$LAB_XDPCASTD_PID"
wait_exit "$LAB_XDPCASTD_PID" 5000
rc=$?
check "SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
left=$(probe_rules)
check "no IPv4 rule of protocol $PROBE_PROTO left ($(one_line <<<"$left"))" [ -z "$left" ]
left=$(probe_rules -6)
check "no IPv6 rule of protocol $PROBE_PROTO left ($(one_line <<<"$left"))" [ -z "$left" ]
left=$(in_ns router ip -4 -N route show table all proto "$PROBE_PROTO")
check "no IPv4 route of protocol $PROBE_PROTO left in any table ($(lines <<<"$left"))" [ -z "$left" ]
left=$(in_ns router ip -6 -N route show table all proto "$PROBE_PROTO")
check "no IPv6 route of protocol $PROBE_PROTO left in any table ($(lines <<<"$left"))" [ -z "$left" ]
check "no VIP route left" [ -z "$(routes_of_proto "$ROUTE_PROTO")" ]
check "someone else's rules and route are left alone" others_kept
check "no XDP program left on r0" detached
left=$(find "$LAB_PIN" -mindepth 1 2>/dev/null)
check "no pinned map left ($(one_line <<<"$left"))" [ ! -e "$LAB_PIN/vips" -a -z "$left" ]

# --- the lab down: no namespace of this run left ---
SAVED_LOG=$(mktemp /tmp/xdpcastd-log.XXXXXX)
cp "$LOG" "$SAVED_LOG"
LOG=$SAVED_LOG
lab_down
left=$(ip netns list | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 {print $1}')
check "no namespace of this run left ($(one_line <<<"$left"))" [ -z "$left" ]
finish
