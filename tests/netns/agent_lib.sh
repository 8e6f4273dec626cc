# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# What the xdpcastd end-to-end scripts share, sourced after scripts/lab.sh and
# tests/netns/checks.sh. The script sets TEST_NAME (for the summary line),
# LOG (xdpcastd's log) and, for IPv6, QUERY=lab_query6_from_port.
QUERY=${QUERY:-lab_query_from_port}
QUERIES=0 # every query map_flows and query_loop sent to the VIP

# The summary line, after the end of xdpcastd's log when a check failed.
finish() {
	if [ "$checks_failed" -gt 0 ] && [ -n "${LOG:-}" ] && [ -e "$LOG" ]; then
		echo "# xdpcastd's log, last lines:"
		tail -n 25 "$LOG" | sed 's/^/# /'
	fi
	checks_summary "$TEST_NAME"
	exit
}
fail_setup() {
	echo "setup failed: $1"
	checks_failed=$((checks_failed + 1))
	finish
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
log_count() { grep -c -- "$1" "$LOG"; }
# Waits (up to $2 ms) until the log has more than $3 lines matching $1.
wait_log() {
	local pattern=$1 limit=$2 before=$3 start
	start=$(now_ms)
	while [ "$(log_count "$pattern")" -le "$before" ]; do
		[ $(($(now_ms) - start)) -gt "$limit" ] && return 1
		sleep 0.01
	done
}

attached() { in_ns router ip -d link show r0 | grep -q xdp; }
detached() { ! attached; }

# Process $1 runs (a zombie, ended but not yet reaped, does not).
alive() {
	local stat
	stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "${stat%% *}" != Z ]
}
# Waits (up to $2 ms) for process $1 to end, then reaps it; kill -9 past that.
# Returns its exit status (137 when it had to be killed).
wait_exit() {
	local pid=$1 limit=$2 start
	start=$(now_ms)
	while alive "$pid"; do
		if [ $(($(now_ms) - start)) -gt "$limit" ]; then
			echo "# process $pid still running after $limit ms: kill -9"
			kill -9 "$pid" 2>/dev/null
			break
		fi
		sleep 0.02
	done
	wait "$pid" 2>/dev/null
}

XDPCASTCTL=${XDPCASTCTL:-${BUILD:-build}/xdpcastctl}
# xdpcastctl on the agent's control socket: $SOCK, or the lab's usual one.
agent_ctl() { "$XDPCASTCTL" -s "${SOCK:-$LAB_DIR/xdpcastd.sock}" -t 2 "$@"; }
# Every backend's check verdict as the agent reports it, "VIP BACKEND up" or
# "VIP BACKEND down" a line (VIP and BACKEND their names).
backend_health() {
	agent_ctl --json backends |
		jq -r '.backends[] | "\(.vip) \(.name) \(if .up then "up" else "down" end)"'
}
# The states wanted that the agent does not report, "VIP BACKEND STATE" a
# line (all of them when it does not answer). The arguments are triples
# VIPS BACKENDS STATE: each of BACKENDS (names) in each of VIPS (names) is
# STATE (up or down): backend_health_wrong "dns dns6" "b1 b3" up dns b2 down.
backend_health_wrong() {
	local now vip b
	now=$(backend_health 2>/dev/null) || now=""
	while [ $# -ge 3 ]; do
		for vip in $1; do
			for b in $2; do
				grep -qxF -- "$vip $b $3" <<<"$now" || echo "$vip $b $3"
			done
		done
		shift 3
	done
}
# Whether the agent reports the states wanted (backend_health_wrong's arguments).
backend_health_is() { [ -z "$(backend_health_wrong "$@")" ]; }
# check "$1" that the agent reports the states that follow (backend_health_wrong's
# arguments); the message names the ones it does not.
check_health() {
	local what=$1 wrong
	shift
	wrong=$(backend_health_wrong "$@" | paste -sd, - | sed 's/,/, /g')
	check "$what${wrong:+ (not so: $wrong)}" [ -z "$wrong" ]
}

FLOWS=${FLOWS:-24}
PORTS=$(seq 42001 $((42000 + FLOWS)))
declare -A where
# Queries every flow; fills where[port]; writes how many went unanswered to $LAB_DIR/lost.
map_flows() {
	local port lost=0
	for port in $PORTS; do
		where[$port]=$("$QUERY" "$port")
		QUERIES=$((QUERIES + 1))
		[ "${where[$port]}" = "-" ] && lost=$((lost + 1))
	done
	echo "$lost" >"$LAB_DIR/lost"
}
# "port backend" per flow, as map_flows last saw them.
snapshot() { for port in $PORTS; do echo "$port ${where[$port]}"; done; }

# Queries the flows listed in $1 until $2 exists (at most 30 s); writes
# "sent lost" to $3. Runs in the background: its queries are added to
# QUERIES by the caller from "sent".
query_loop() {
	local ports=$1 stop=$2 out=$3 lost=0 sent=0 port start
	start=$(now_ms)
	while [ ! -e "$stop" ] && [ $(($(now_ms) - start)) -lt 30000 ]; do
		for port in $ports; do
			[ "$("$QUERY" "$port")" = "-" ] && lost=$((lost + 1))
			sent=$((sent + 1))
		done
	done
	echo "$sent $lost" >"$out"
}

# Waits up to $1 ms until the command that follows succeeds; prints the ms it
# took, or -1 (and fails) at the limit.
wait_until() {
	local limit=$1 start
	shift
	start=$(now_ms)
	until "$@"; do
		if [ $(($(now_ms) - start)) -gt "$limit" ]; then
			echo -1
			return 1
		fi
		sleep 0.005
	done
	echo $(($(now_ms) - start))
}

# A UDP/53 VIP of xdpcastd's file with a DNS check every INTERVAL_MS
# (timeout TIMEOUT_MS, rise 1, fall FALL; check.target DNS_CHECK_TARGET if set):
# dns_vip_yaml NAME ADDRESS BACKEND...,
# each BACKEND "name address [weight]".
dns_vip_yaml() {
	local name=$1 address=$2 b
	shift 2
	cat <<YAML
  - name: $name
    address: $address
    protocol: udp
    port: 53
    check: { type: dns, name: anycast.test, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: 1, fall: $FALL${DNS_CHECK_TARGET:+, target: $DNS_CHECK_TARGET} }
    backends:
YAML
	for b in "$@"; do
		# shellcheck disable=SC2086 # the words of one backend
		set -- $b
		printf '      - { name: %s, address: %s%s }\n' "$1" "$2" "${3:+, weight: $3}"
	done
}
# A VIP of xdpcastd's file with any check, every INTERVAL_MS (timeout
# TIMEOUT_MS, rise RISE, fall FALL): vip_yaml NAME ADDRESS KEYS CHECK BACKEND...,
# KEYS the VIP's other keys ("protocol: udp, port: 53", or ""), CHECK the
# check's ("type: dns, name: anycast.test"), each BACKEND "name address".
vip_yaml() {
	local name=$1 address=$2 keys=$3 check=$4 b
	shift 4
	echo "  - name: $name"
	echo "    address: $address"
	[ -z "$keys" ] || echo "    ${keys//, /$'\n'    }"
	echo "    check: { $check, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms," \
		"rise: $RISE, fall: $FALL }"
	echo "    backends:"
	for b in "$@"; do
		# shellcheck disable=SC2086 # the words of one backend
		set -- $b
		echo "      - { name: $1, address: $2 }"
	done
}
# The lab's backends 1..$1 (default 3) for dns_vip_yaml, IPv4 or (lab_backends6) IPv6.
lab_backends4() { for i in $(seq 1 "${1:-3}"); do echo "b$i 198.18.$i.2"; done; }
lab_backends6() { for i in $(seq 1 "${1:-3}"); do echo "b$i $(lab_backend_addr6 "$i")"; done; }

# The top of the route tests' xdpcastd file, up to "vips:": r0, the lab's
# pins and socket, route.protocol PROTO, reconcile every RECONCILE_MS.
route_test_yaml_head() {
	cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $LAB_DIR/xdpcastd.sock
route: { protocol: $PROTO, reconcile_interval: ${RECONCILE_MS}ms }
vips:
YAML
}
