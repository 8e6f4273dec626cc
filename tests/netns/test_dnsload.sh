#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The DNS load client (tests/tools/dnsload) against the lab's NSD backends
# behind the dataplane set by hand (xdpcast-dp, Maglev, no flow table): its
# accounting adds up (sent = answered + lost per flow and in total, the
# totals are the flows' sums, one line per query in --queries, the rate
# kept); b2's NSD stopped mid-run: exactly b2's flows lose queries, between
# that mark and the next, and go quiet that long (max gap), while the other
# flows lose none; the table without b2: b2's flows answered by b1 or b3,
# as the marks' before/after say (marks from the FIFO and SIGUSR1); over
# IPv6 with a 1 us late threshold every answer is late; a silent server:
# all lost, and the run still ends on time; bad options exit 2.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
finish() {
	checks_summary test_dnsload
	exit
}
fail_setup() {
	echo "setup failed: $1"
	checks_failed=$((checks_failed + 1))
	finish
}

DNSLOAD=${DNSLOAD:-$BUILD/dnsload}
FLOWS=60
RATE=1000
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# jq -e on the JSON record $1 with the filter that follows
jtrue() {
	local file=$1
	shift
	jq -e "$@" "$file" >/dev/null
}
jget() { jq -r "$2" "$1"; }

[ -x "$DNSLOAD" ] || fail_setup "$DNSLOAD is not built (make)"
deps_require test_dnsload jq || fail_setup "jq"
lab_up || fail_setup "lab"
for i in $(seq 1 "$LAB_BACKENDS"); do lab_start_nsd "$i"; done
for i in $(seq 1 "$LAB_BACKENDS"); do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
lab_dataplane_up || fail_setup "dataplane"

# --- 6 s at 1000 q/s over 60 flows; b2 stops at 2 s, leaves the table at 4 s ---
J=$LAB_DIR/run1.json
Q=$LAB_DIR/run1.queries
FIFO=$LAB_DIR/marks
mkfifo "$FIFO"
exec 7<>"$FIFO" # read-write: opening never blocks, whoever reads
# a simple command: $! is dnsload itself (ip netns exec execs it), for SIGUSR1
ip netns exec "$(lab_ns client)" "$DNSLOAD" -s "$LAB_VIP" -f "$FLOWS" -r "$RATE" -d 6 -t 500 -l 200 -P 43001 \
	-m "$FIFO" -j "$J" -q "$Q" >"$LAB_DIR/run1.txt" 2>&1 &
LOAD_PID=$!
LAB_PIDS+=("$LOAD_PID")
sleep 1
kill -USR1 "$LOAD_PID"
sleep 1
echo "stop b2" >&7
kill "$LAB_NSD_PID_2"
sleep 2
lab_dp table "$LAB_VIP" 1 3
echo "table without b2" >&7 # after the change: every query sent after it is answered
wait "$LOAD_PID"
rc=$?
cat "$LAB_DIR/run1.txt"
check "dnsload exits 0 (rc $rc)" [ "$rc" -eq 0 ]
[ -s "$J" ] || fail_setup "no JSON record"

sent=$(jget "$J" .totals.sent)
# (a loop stalled over 100 ms skips what it owes past that, and counts it)
check "$RATE q/s for 6 s: sent + skipped = 6000 (sent $sent)" jtrue "$J" \
	'.totals.sent + .totals.skipped | . >= 5990 and . <= 6001'
check "every flow: sent = answered + lost" jtrue "$J" 'all(.flows[]; .sent == .answered + .lost)'
check "the totals are the flows' sums" jtrue "$J" \
	'.totals as $t | ([.flows[].sent] | add) == $t.sent and ([.flows[].answered] | add) == $t.answered
	 and ([.flows[].lost] | add) == $t.lost and $t.sent == $t.answered + $t.lost'
check "answers per server add up to the answers" jtrue "$J" '([.servers[]] | add) == .totals.answered'
check "the flows share the load evenly (sent per flow within 1)" jtrue "$J" \
	'([.flows[].sent] | max) - ([.flows[].sent] | min) <= 1'
check "one --queries line per query ($(grep -vc '^#' "$Q") for $sent)" \
	[ "$(grep -vc '^#' "$Q")" -eq "$sent" ]
check "--queries says lost as often as the record" \
	[ "$(awk '$4 == "lost"' "$Q" | wc -l)" -eq "$(jget "$J" .totals.lost)" ]
check "source ports 43001..$((43000 + FLOWS))" jtrue "$J" \
	"[.flows[].port] == [range(43001; $((43001 + FLOWS)))]"
check "no reply unmatched or bad" jtrue "$J" '.totals.unmatched == 0 and .totals.bad == 0'
check "three marks: SIGUSR1 #1, stop b2, table without b2" jtrue "$J" \
	'[.marks[].label] == ["SIGUSR1 #1", "stop b2", "table without b2"]'

on_b2=$(jget "$J" '[.flows[] | select(.first == "b2")] | length')
[ "$on_b2" -gt 0 ] || fail_setup "no flow on b2"
echo "# $on_b2 of $FLOWS flows started on b2"
check "flows that never met b2 lose nothing" jtrue "$J" \
	'all(.flows[] | select(.servers | index("b2") | not); .lost == 0)'
check "each of b2's $on_b2 flows loses queries" jtrue "$J" \
	'all(.flows[] | select(.first == "b2"); .lost > 0)'
# (a query sent just before the mark may still be in the socket when NSD stops)
check "and only between 'stop b2' and 'table without b2'" jtrue "$J" \
	'.marks[1].t_ms as $a | .marks[2].t_ms as $b
	 | all(.flows[] | select(.lost > 0); .first_lost_ms >= $a - 50 and .last_lost_ms <= $b)'
check "their longest gap spans the outage (>= 1500 ms), the others' < 500 ms" jtrue "$J" \
	'all(.flows[] | select(.first == "b2"); .max_gap_ms >= 1500)
	 and all(.flows[] | select(.first != "b2"); .max_gap_ms < 500)'
check "mark 'stop b2': b2's flows were on b2 before it" jtrue "$J" \
	'all(.flows[] | select(.first == "b2"); .marks[1].before == "b2")'
check "mark 'table without b2': b2's flows on b1 or b3 after it, as their last server" jtrue "$J" \
	'all(.flows[] | select(.first == "b2"); (.marks[2].after == "b1" or .marks[2].after == "b3")
	 and .last == .marks[2].after)'
# (the table changes just before its mark: a flow's first query after it
# may be sent before dnsload reads the mark, or up to a query period after)
check "b2's flows record one change, from b2 to their last server, at the table change" \
	jtrue "$J" '.marks[1].t_ms as $a | .marks[2].t_ms as $b | all(.flows[] | select(.first == "b2");
	 .changes_total == 1 and .changes[0].from == "b2" and .changes[0].to == .last
	 and .changes[0].t_ms > $a and .changes[0].t_ms <= $b + 200)'
check "mark SIGUSR1 #1: every flow's server the same before and after" jtrue "$J" \
	'all(.flows[]; .marks[0].before != null and .marks[0].before == .marks[0].after)'
check "the summary says it: sent $sent answered ... lost ..." \
	grep -q "^sent $sent  answered $(jget "$J" .totals.answered)  lost $(jget "$J" .totals.lost) " \
	"$LAB_DIR/run1.txt"

# --- IPv6, straight to b1's address, every answer late past 1 us ---
J6=$LAB_DIR/run6.json
in_ns client "$DNSLOAD" -s "$(lab_backend_addr6 1)" -f 20 -r 400 -d 1 -t 500 -l 0.001 \
	-j "$J6" >/dev/null 2>&1
check "IPv6: every query answered, all by b1" jtrue "$J6" \
	'.totals.lost == 0 and .totals.answered == .totals.sent and .servers == {"b1": .totals.sent}'
check "IPv6: with a 1 us threshold every answer is late" jtrue "$J6" '.totals.late == .totals.answered'

# --- a server that never answers: all lost, the run ends on time ---
J0=$LAB_DIR/run0.json
t0=$(now_ms)
in_ns client "$DNSLOAD" -s 198.18.2.2 -f 10 -r 100 -d 1 -t 300 -j "$J0" >/dev/null 2>&1
took=$(($(now_ms) - t0))
check "no server: every query lost" jtrue "$J0" '.totals.sent > 0 and .totals.lost == .totals.sent'
check "and it stops by itself: duration + timeout ($took ms < 2500)" [ "$took" -lt 2500 ]

# --- bad command lines ---
"$DNSLOAD" -f 10 >/dev/null 2>&1
check "no server: exit 2" [ $? -eq 2 ]
"$DNSLOAD" -s 203.0.113.53 -f 10 -r 100000 >/dev/null 2>&1
check "too many queries of a flow in flight: exit 2" [ $? -eq 2 ]
"$DNSLOAD" -s 203.0.113.53 -f 0 >/dev/null 2>&1
check "0 flows: exit 2" [ $? -eq 2 ]
finish
