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
