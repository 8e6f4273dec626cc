#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastctl and xdpcastd's control socket end to end, in the lab of
# test_agent.sh (xdpcastd with DNS checks before three NSD backends): status,
# vips, backends in tables and JSON; drain keeps b2's known flows on b2 and
# sends new ones elsewhere, undrain brings it back, weight 2 doubles b1's
# share; errors, usage and an absent agent give exit codes 1, 2, 3; raw
# protocol (bad JSON, pipelining, oversized request, a client that does not
# read, too many clients); reload of a broken file, of a pin_dir change, of a
# new socket path; a second xdpcastd on the same socket refuses to start and
# touches nothing; a stale socket is replaced; SIGTERM removes the socket.
# xdpcastctl runs in the root namespace: the socket is a file, no traffic.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_ctl
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh
# shellcheck source=tests/netns/prom_lib.sh
source tests/netns/prom_lib.sh
# Records the status of the command just before it: `[ a ] && [ b ]; verdict "what"`.
verdict() {
	local rc=$?
	check "$1" [ "$rc" -eq 0 ]
}
XDPCASTCTL=${XDPCASTCTL:-$BUILD/xdpcastctl}
# Runs xdpcastctl on the lab's socket: stdout in $OUT, stderr in $ERR, exit code in $RC.
ctl() {
	OUT=$("$XDPCASTCTL" -s "$SOCK" "$@" 2>"$LAB_DIR/ctl.err")
	RC=$?
	ERR=$(cat "$LAB_DIR/ctl.err")
}
# The same without -s (the socket, when wanted, is among the arguments).
ctl_raw_args() {
	OUT=$("$XDPCASTCTL" "$@" 2>"$LAB_DIR/ctl.err")
	RC=$?
	ERR=$(cat "$LAB_DIR/ctl.err")
}
# $1 clients that connect and stay silent for 3 s, in the background (idle_pid).
idle_clients() {
	perl -MIO::Socket::UNIX -e '
		my @s = map { IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die }
			1 .. $ARGV[1];
		sleep 3;' "$SOCK" "$1" &
	idle_pid=$!
	sleep 1
}
agent_seed() { "$XDPCASTCTL" -s "$SOCK" --json status | jq -r '"\(.seed) \(.seed_source)"'; }
# jq expression $1 is true of $OUT, of $reply.
json_true() { jq -e "$1" >/dev/null <<<"$OUT"; }
reply_true() { jq -e "$1" >/dev/null <<<"$reply"; }
# Request lines $2 sent to socket $1 as they are, then EOF; prints every reply line.
raw() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0])
			or die "connect $ARGV[0]: $!\n";
		print $s $ARGV[1];
		shutdown($s, 1);
		print while <$s>;' "$1" "$2"
}

# The configuration: $1 = pin directory, $2 = control socket.
write_config() {
	cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $1
seed: 0x5eed
control_socket: $2
stats: { file: $LAB_DIR/xdpcast.prom, period: 100ms }
vips:
  - name: dns
    address: $LAB_VIP
    protocol: udp
    port: 53
    flow_table: { enabled: true, size: 4096 }
    check:
      type: dns
      name: anycast.test
      qtype: SOA
      interval: 200ms
      timeout: 150ms
      rise: 2
      fall: 3
    backends:
      - { name: b1, address: 198.18.1.2 }
      - { name: b2, address: 198.18.2.2 }
      - { name: b3, address: 198.18.3.2 }
YAML
}

# Queries new flows from ports $1..$2; prints how many each backend answered ("b1 12").
new_flows() {
	local port
	for port in $(seq "$1" "$2"); do lab_query_from_port "$port"; done | sort | uniq -c |
		awk '{print $2, $1}'
}
count_of() { awk -v b="$1" '$1 == b {n = $2} END {print n + 0}' <<<"$2"; }

lab_up || fail_setup "lab"
for i in $(seq 1 "$LAB_BACKENDS"); do lab_start_nsd "$i"; done
for i in $(seq 1 "$LAB_BACKENDS"); do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/run/xdpcastd.sock # run/ does not exist: xdpcastd makes it
: >"$LOG"
write_config "$LAB_PIN" "$SOCK" >"$CFG"

lab_xdpcastd_start "$CFG" "$LOG"
PID=$LAB_XDPCASTD_PID
wait_log "control socket .*: listening" 5000 0 || fail_setup "xdpcastd did not listen"
wait_log " -> up" 5000 2 || fail_setup "backends did not come up"

# --- the socket ---
[ -S "$SOCK" ] && [ "$(stat -c %a "$SOCK")" = 660 ]
verdict "the socket is a socket, mode 660"
check "its missing directory was made, mode 755" [ "$(stat -c %a "$LAB_DIR/run")" = 755 ]

# --- status ---
ctl status
check "status exits 0" [ "$RC" -eq 0 ]
VERSION=$("$BUILD/xdpcastd" --version | cut -d' ' -f2)
grep -qF "xdpcastd $VERSION, pid $PID, up " <<<"$OUT" && grep -q "^config  *$CFG\$" <<<"$OUT"
verdict "status names the version of xdpcastd --version ($VERSION), pid and config"
grep -q "^vips  *1, 1 in service" <<<"$OUT" && grep -q "^backends  *3, 3 up" <<<"$OUT"
verdict "status counts 1 VIP in service, 3 backends up"
r0_ifindex=$(in_ns router cat /sys/class/net/r0/ifindex)
check "status shows r0 attached in native mode" \
	grep -Eq "^r0 +$r0_ifindex +attached +native\$" <<<"$OUT"
ctl --json status
check "status --json: pid, paths, counts, interface" json_true "
	.ok == true and .version == \"$VERSION\" and .pid == $PID and .config == \"$CFG\" and .pin_dir == \"$LAB_PIN\"
	and .control_socket == \"$SOCK\" and .seed == 24301 and .vips == 1
	and .vips_in_service == 1 and .backends == 3 and .backends_up == 3
	and .interfaces == [{name: \"r0\", ifindex: $r0_ifindex, attached: true, xdp_mode: \"native\"}]"
grep -q '^  "ok": true,$' <<<"$OUT" && [ "$(jq -r 'keys_unsorted[0:3] | join(",")' <<<"$OUT")" = ok,version,pid ]
verdict "status --json keeps its key order"

# --- vips ---
ctl vips
[ "$(head -n 1 <<<"$OUT" | awk '{print $1, $2, $5, $6}')" = "NAME ADDRESS STATE UP" ] &&
	grep -Eq "^dns +$LAB_VIP +udp +53 +in-service +3/3 +3 +1 +65537 +4096 +announced\$" <<<"$OUT"
verdict "vips: a header and dns in service with 3/3 up"
ctl --json vips
check "vips --json" json_true "
	.vips == [{name: \"dns\", address: \"$LAB_VIP\", protocol: \"udp\", port: 53, id: 0,
	in_service: true, route_announced: true, route_error: null, backends_up: 3, backends_in_table: 3, backends_total: 3,
	min_healthy: 1, table_size: 65537, flow_table_size: 4096}]"

# --- backends ---
ctl backends
[ "$(awk 'NR > 1 && $5 == "up" && $7 == "1" && $8 == "r" substr($2, 2) && $9 == "reachable"' <<<"$OUT" | wc -l)" -eq 3 ]
verdict "backends: three rows, up, weight 1, next hop reachable on r1..r3"
check "backends: FOR says how long each has been up (12s, 1m05s)" \
	[ "$(awk 'NR == 1 && $6 == "FOR" {h = 1} NR > 1 && $6 ~ /^([0-9]+[dhm])*[0-9]+[hms]$/ {n++} END {print h + 0, n + 0}' <<<"$OUT")" = "1 3" ]
check "backends: LAST-CHECK is ok, its time and how long ago (ok 0.4ms 0s ago)" \
	[ "$(grep -Ec '  ok [0-9]+\.[0-9]ms [0-9]+s ago$' <<<"$OUT")" -eq 3 ]
ctl --json backends dns
check "backends dns --json: state, weights, next hop, last check" json_true '
	[.backends[] | select(.vip == "dns" and .state == "up" and .up and .in_table
	 and .weight == 1 and .configured_weight == 1 and .operator_weight == null
	 and .check == "dns" and .nexthop.state == "reachable"
	 and .nexthop.ifname == "r" + (.name | ltrimstr("b")) and .nexthop.gateway == .address
	 and (.nexthop.dst_mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$"))
	 and .last_check.ok and .last_check.latency_ms >= 0 and .probes > 0)] | length == 3'
check "backends --json: last_check's result, when (unix time, within 2 s) and in_row" json_true '
	[.backends[] | .last_check | select(.result == "ok" and .in_row >= 1
	 and (.at | type) == "number" and (now - .at) > -1 and (now - .at) < 2)] | length == 3'
check "backends --json: since (RFC 3339, UTC) and in_state_s agree with the clock" json_true '
	[.backends[] | select((.since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
	 and (.in_state_s | type) == "number"
	 and ((now - (.since | fromdateiso8601)) - .in_state_s | fabs) <= 2)] | length == 3'
grep -q '"at": [0-9]*\.[0-9][0-9][0-9],$' <<<"$OUT"
verdict "backends --json: at is given to the millisecond"

# --- the stats file: each backend's checks by result, adding up to its checks ---
PROM=$LAB_DIR/xdpcast.prom
for _ in $(seq 20); do [ -s "$PROM" ] && break; sleep 0.1; done
prom=$(cat "$PROM" 2>/dev/null)
grep -q '^# TYPE xdpcast_backend_checks_total counter$' <<<"$prom"
verdict "stats file: xdpcast_backend_checks_total is a counter"
check "stats file: a row per backend and result (3 x 6)" \
	[ "$(grep -Ec '^xdpcast_backend_checks_total\{vip="dns",.*,backend="b[1-3]",backend_address="[0-9.]+",result="(ok|timeout|refused|unreachable|bad_reply|error)"\} [0-9]+$' <<<"$prom")" -eq 18 ]
b1_checks=$(awk '/^xdpcast_backend_check_duration_seconds_count\{.*backend="b1",/ {print $2}' <<<"$prom")
b1_results=$(awk '/^xdpcast_backend_checks_total\{.*backend="b1",/ {s += $2} END {print s + 0}' <<<"$prom")
b1_ok=$(awk '/^xdpcast_backend_checks_total\{.*backend="b1",.*result="ok"\}/ {print $2}' <<<"$prom")
[ -n "$b1_checks" ] && [ "$b1_results" = "$b1_checks" ] && [ "${b1_ok:-0}" -gt 0 ]
verdict "stats file: b1's results add up to its timed checks ($b1_results of $b1_checks, $b1_ok ok)"
b2_mac=$(lab_backend_mac 2)
check "backends --json: b2's MAC is b2's eth0" json_true ".backends[1].nexthop.dst_mac == \"$b2_mac\""
ctl --json backends "$LAB_VIP"
check "backends by VIP address" json_true '.backends | length == 3'

# --- raw protocol ---
reply=$(raw "$SOCK" $'{"command":"vips"}\n\n{"command":"status"}\n')
check "two requests on one connection: two replies, in order" \
	[ "$(jq -r '[.ok, (has("vips") and (.vips | type) == "array"), has("pid")] | join(" ")' <<<"$reply" | tr '\n' '|')" = "true true false|true false true|" ]
reply=$(raw "$SOCK" '{"command":"vips"}')
check "a last request without its newline is answered" reply_true '.ok'
reply=$(raw "$SOCK" $'not json\n')
check "bad JSON: ok=false, said so" reply_true '.ok == false and (.error | startswith("request is not JSON"))'
reply=$(raw "$SOCK" $'{"command":"status","bogus":1}\n[1]\n{"command":"fly"}\n{"command":"weight","vip":"dns","backend":"b1","weight":2.5}\n')
check "unknown key, non-object, unknown command, bad weight: each refused" \
	[ "$(jq -r '.error' <<<"$reply" | tr '\n' '|')" = 'command "status" takes no key "bogus"|request must be a JSON object|unknown command "fly" (commands: status, vips, backends, drain, undrain, weight, stats, reload, handover)|"weight" must be an integer from 0 to 65535|' ]
reply=$(raw "$SOCK" "$(head -c 70000 /dev/zero | tr '\0' ' ')")
check "a request over 64 KiB: error, connection closed" \
	reply_true '.ok == false and .error == "request longer than 65536 bytes"'
# one that goes on sending after its first 64 KiB is read to its end, then gets reads the reply
reply=$(perl -MIO::Socket::UNIX -e '
	$SIG{PIPE} = "IGNORE";
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die;
	my $chunk = " " x 4096;
	# as xdpcastctl does: a failed write is the end (a reset, before any reply)
	for (1 .. 64) { defined(syswrite($s, $chunk)) or do { print "write failed: $!\n"; exit }; }
	shutdown($s, 1);
	my $line = <$s>;
	print defined($line) ? $line : "read failed: $!\n";' "$SOCK")
echo "# $reply"
check "a request of 256 KiB sent on: the error reply arrives before the close" \
	reply_true '.ok == false and .error == "request longer than 65536 bytes"'

# a client that sends thousands of requests and reads nothing: the others are still served
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die;
	$s->blocking(0);
	syswrite($s, "{\"command\":\"backends\"}\n") for 1 .. 3000;
	sleep 4;' "$SOCK" &
slow_pid=$!
sleep 1
t0=$(now_ms)
ctl -t 2 status
status_ms=$(($(now_ms) - t0))
[ "$RC" -eq 0 ] && [ "$status_ms" -lt 1000 ]
verdict "a client that does not read holds up nobody (status in ${status_ms} ms)"
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null

# 32 idle clients: the 33rd is told "too many clients"; once they leave, served again
idle_clients 32
ctl status
[ "$RC" -eq 1 ] && [ "$ERR" = "xdpcastctl: status: too many clients" ]
verdict "a 33rd client is refused with exit 1 (too many clients)"
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null
sleep 0.2
ctl status
check "served again once they left" [ "$RC" -eq 0 ]

# four clients pipelining stats requests as fast as they are answered, for a
# few seconds: the checks (interval 200 ms, timeout 150 ms) go on, no healthy
# backend goes down
FLOOD_S=4
downs_before=$(grep -c -- '-> down' "$LOG")
flood_pids=()
for _ in 1 2 3 4; do
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die;
		my ($end, $n) = (time + $ARGV[1], 0);
		while (time < $end) {
			print $s ("{\"command\":\"stats\"}\n" x 500);
			$s->flush;
			for (1 .. 500) { defined(<$s>) or die "connection closed\n"; }
			$n += 500;
		}
		print "$n\n";' "$SOCK" "$FLOOD_S" >>"$LAB_DIR/flood" &
	flood_pids+=($!)
done
for pid in "${flood_pids[@]}"; do wait "$pid"; done
answered=$(awk '{ n += $1 } END { print n + 0 }' "$LAB_DIR/flood")
echo "# the flood: $answered stats requests answered in ${FLOOD_S} s"
check "a flood of stats requests is answered ($answered)" [ "$answered" -gt 1000 ]
check "and no backend went down meanwhile ($(($(grep -c -- '-> down' "$LOG") - downs_before)) did)" \
	[ "$(grep -c -- '-> down' "$LOG")" -eq "$downs_before" ]
ctl --json backends
check "every backend still up after the flood" json_true '[.backends[] | .up] | all'

# --- drain: known flows stay on b2, new flows avoid it ---
map_flows
snapshot >"$LAB_DIR/before"
lost=$(grep -c ' -$' "$LAB_DIR/before")
on_b2=$(grep -c ' b2$' "$LAB_DIR/before")
check "every flow answered before drain" [ "$lost" -eq 0 ]
[ "$on_b2" -gt 0 ] || fail_setup "no flow on b2"
before=$(log_count "backend b2 .*: up -> draining (operator: weight 1 -> 0)")
ctl drain dns b2
[ "$RC" -eq 0 ] && [ "$OUT" = "vip dns backend b2 198.18.2.2: weight 1 -> 0, draining" ]
verdict "drain dns b2 exits 0 and says weight 1 -> 0"
check "the log: b2 up -> draining (operator: weight 1 -> 0)" \
	[ "$(log_count "backend b2 .*: up -> draining (operator: weight 1 -> 0)")" -gt "$before" ]
check "the log names who asked" grep -q "control: drain vip dns backend b2 (pid [0-9]*, uid 0)" "$LOG"
ctl backends dns
check "backends shows b2 draining at weight 0*" \
	grep -Eq "^dns +b2 +198\.18\.2\.2 +[0-9]+ +draining +[0-9][0-9dhms]* +0\* " <<<"$OUT"
ctl --json backends dns
check "backends --json: b2's operator weight 0, configured 1" \
	json_true '.backends[] | select(.name == "b2") | .weight == 0 and .operator_weight == 0 and .configured_weight == 1 and .in_table == false'
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "b2's $on_b2 known flows stay on b2, no flow moves ($moved moved)" [ "$moved" -eq 0 ]
counts=$(new_flows 43001 43040)
check "new flows avoid b2 ($(count_of b2 "$counts") of 40 on b2)" [ "$(count_of b2 "$counts")" -eq 0 ]
check "every new flow answered" [ "$(count_of - "$counts")" -eq 0 ]

# --- undrain, by address: back to the configured weight ---
before=$(log_count "backend b2 .*: draining -> up (operator: weight 0 -> 1 (configured))")
ctl undrain "$LAB_VIP" 198.18.2.2
check "undrain by addresses exits 0" [ "$RC" -eq 0 ]
check "the log: b2 draining -> up (operator: weight 0 -> 1 (configured))" \
	[ "$(log_count "backend b2 .*: draining -> up (operator: weight 0 -> 1 (configured))")" -gt "$before" ]
ctl --json backends dns
check "b2's operator weight is cleared" \
	json_true '.backends[] | select(.name == "b2") | .weight == 1 and .operator_weight == null and .state == "up"'
counts=$(new_flows 44001 44040)
check "new flows reach b2 again ($(count_of b2 "$counts") of 40)" [ "$(count_of b2 "$counts")" -gt 0 ]

# --- weight 2 on b1: about half the new flows ---
ctl --json weight dns b1 2
check "weight dns b1 2 --json" \
	json_true '.ok and .vip == "dns" and .backend == "b1" and .previous_weight == 1 and .weight == 2 and .operator_weight == 2 and .configured_weight == 1 and .state == "up"'
check "the log: b1 weight 1 -> 2" grep -q "backend b1 .*: up -> up (operator: weight 1 -> 2)" "$LOG"
counts=$(new_flows 45001 45120)
b1=$(count_of b1 "$counts")
b2=$(count_of b2 "$counts")
b3=$(count_of b3 "$counts")
[ "$b1" -gt "$b2" ] && [ "$b1" -gt "$b3" ] && [ "$b1" -ge 40 ]
verdict "b1 at weight 2 takes more new flows than b2 and b3 ($b1, $b2, $b3 of 120)"
ctl undrain dns b1
[ "$RC" -eq 0 ] && [ "$OUT" = "vip dns backend b1 198.18.1.2: weight 2 -> 1 (configured), up" ]
verdict "undrain b1: weight 2 -> 1 (configured)"

# --- the agent refuses: exit 1, message on stderr ---
ctl drain dns b9
[ "$RC" -eq 1 ] && [ "$ERR" = 'xdpcastctl: drain: backend "b9" not found in vip "dns" (backends: b1, b2, b3)' ] && [ -z "$OUT" ]
verdict "unknown backend: exit 1, named, the valid ones listed"
ctl weight ntp b1 3
[ "$RC" -eq 1 ] && [ "$ERR" = 'xdpcastctl: weight: vip "ntp" not found (vips: dns)' ]
verdict "unknown vip: exit 1, named, the valid ones listed"
ctl --json backends 203.0.113.99
[ "$RC" -eq 1 ] && json_true '.ok == false and .error == "vip \"203.0.113.99\" not found (vips: dns)"'
verdict "unknown vip with --json: exit 1, the reply on stdout"
ctl undrain b9
[ "$RC" -eq 1 ] && [ "$ERR" = 'xdpcastctl: undrain: backend "b9" not found in any VIP (backends: b1, b2, b3)' ]
verdict "unknown backend in every VIP: exit 1, the valid ones listed"

# --- XDPCAST_SOCKET: the socket without -s; -s wins over it ---
OUT=$(XDPCAST_SOCKET=$SOCK "$XDPCASTCTL" --json status 2>&1)
check "XDPCAST_SOCKET names the socket" json_true ".pid == $PID"
OUT=$(XDPCAST_SOCKET=$LAB_DIR/no-such.sock "$XDPCASTCTL" -s "$SOCK" --json status 2>&1)
check "-s wins over XDPCAST_SOCKET" json_true ".pid == $PID"
OUT=$(XDPCAST_SOCKET=$LAB_DIR/no-such.sock "$XDPCASTCTL" status 2>&1)
RC=$?
[ "$RC" -eq 3 ] && [[ $OUT == *"cannot connect to $LAB_DIR/no-such.sock"* ]]
verdict "a wrong XDPCAST_SOCKET: exit 3, names it"

# --- a server in two VIPs: drain and undrain it in both at once ---
cp "$CFG" "$CFG.one"
{
	cat "$CFG.one"
	sed -n '/^  - name: dns$/,$p' "$CFG.one" | sed 's/^  - name: dns$/  - name: dns-tcp/; s/protocol: udp/protocol: tcp/'
} >"$CFG"
before=$(log_count "vip dns-tcp .*: backend b[123] .*-> up")
ctl reload
check "reload adds the VIP dns-tcp with the same three servers" [ "$RC" -eq 0 ]
wait_log "vip dns-tcp .*: backend b[123] .*-> up" 5000 $((before + 2)) || true
before=$(log_count "control: drain vip dns.* backend b2 (pid [0-9]*, uid 0)")
ctl drain b2
[ "$RC" -eq 0 ] && [ "$OUT" = "vip dns backend b2 198.18.2.2: weight 1 -> 0, draining
vip dns-tcp backend b2 198.18.2.2: weight 1 -> 0, draining" ]
verdict "drain b2 (no VIP): one line per VIP it serves"
check "the log names who asked, once per VIP" \
	[ "$(log_count "control: drain vip dns.* backend b2 (pid [0-9]*, uid 0)")" -eq $((before + 2)) ]
ctl --json backends
check "b2 is draining in both VIPs, b1 and b3 in neither" json_true '
	[.backends[] | select(.state == "draining") | "\(.vip)/\(.name)"] == ["dns/b2", "dns-tcp/b2"]'
ctl --json undrain 198.18.2.2
check "undrain by address (no VIP) --json: both listed, back to the configured weight" json_true '
	.ok and ([.backends[] | "\(.vip)/\(.backend) \(.previous_weight)->\(.weight) \(.state)"]
	 == ["dns/b2 0->1 up", "dns-tcp/b2 0->1 up"]) and (.vip == null)'
ctl weight b3 2
[ "$RC" -eq 0 ] && [ "$(grep -c ': weight 1 -> 2, up$' <<<"$OUT")" -eq 2 ]
verdict "weight b3 2 (no VIP): set in both VIPs"
ctl undrain b3
check "undrain b3 in both" [ "$(grep -c ': weight 2 -> 1 (configured), up$' <<<"$OUT")" -eq 2 ]
cp "$CFG.one" "$CFG"
ctl reload
check "reload back to the one VIP" [ "$RC" -eq 0 ]

# --- bad command lines: exit 2 before any connection ---
bad_usage() {
	ctl_raw_args -s "$LAB_DIR/no-such.sock" "$@"
	[ "$RC" -eq 2 ] && [ -n "$ERR" ] && [ -z "$OUT" ]
}
check "weight 70000: exit 2" bad_usage weight dns b1 70000
check "weight -1: exit 2" bad_usage weight dns b1 -1
check "weight 2x: exit 2" bad_usage weight dns b1 2x
check "weight without N: exit 2" bad_usage weight dns b1
check "drain without backend: exit 2" bad_usage drain
check "weight without backend: exit 2" bad_usage weight 3
check "drain with three arguments: exit 2" bad_usage drain dns b1 b2
bad_usage fly
[ "$ERR" = 'xdpcastctl: unknown command "fly" (commands: status, vips, backends, drain, undrain, weight, stats, reload, handover)
(xdpcastctl --help lists the commands)' ]
verdict "an unknown command lists the valid ones"
check "status with an argument: exit 2" bad_usage status extra
check "unknown command: exit 2" bad_usage fly
check "no command: exit 2" bad_usage
check "unknown option: exit 2" bad_usage --bogus status
bad_usage weight dns b1 70000
grep -q '^xdpcastctl: weight: N must be an integer from 0 to 65535, not "70000"$' <<<"$ERR"
verdict "the message says what is wrong"

# --- reload through the socket ---
cp "$CFG" "$CFG.good"
sed 's/{ name: b1, /{ name: b1, wieght: 3, /' "$CFG.good" >"$CFG"
map_flows
snapshot >"$LAB_DIR/before"
ctl reload
[ "$RC" -eq 1 ] && grep -Eq "^xdpcastctl: reload: $CFG:[0-9]+:[0-9]+: vips\[0\]\.backends\[0\].*wieght" <<<"$ERR"
verdict "reload of a broken file: exit 1 with FILE:LINE:COL and the key"
check "the log says the reload was refused" grep -q "reload refused" "$LOG"
sleep 0.3
prom_snapshot "$PROM" "$LAB_DIR/refused.prom"
check "stats file: xdpcast_last_reload_success 0 after the refused reload" \
	[ "$(prom_value "$LAB_DIR/refused.prom" xdpcast_last_reload_success)" = 0 ]
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow moved by the refused reload ($moved moved)" [ "$moved" -eq 0 ]
write_config "$LAB_DIR/bpffs/elsewhere" "$SOCK" >"$CFG"
ctl reload
[ "$RC" -eq 1 ] && grep -q "pin_dir cannot change while running" <<<"$ERR"
verdict "reload changing pin_dir: exit 1, said why"
sed "s|^state_dir: .*|state_dir: $LAB_DIR/state2|" "$CFG.good" >"$CFG"
ctl reload
[ "$RC" -eq 1 ] && grep -q "state_dir cannot change while running" <<<"$ERR"
verdict "reload changing state_dir: exit 1, said why"
# without `seed:` and with no seed file, the seed in force stays (and is kept)
grep -v '^seed:' "$CFG.good" >"$CFG"
ctl reload
[ "$RC" -eq 0 ] && [ "$(cat "$LAB_DIR/state/seed")" = 0x00005eed ] &&
	[ "$(agent_seed)" = "24301 running dataplane" ]
verdict "reload dropping seed: 0x5eed stays, now in state_dir/seed"
cp "$CFG.good" "$CFG"
ctl reload
[ "$RC" -eq 0 ] && [ "$OUT" = "reloaded $CFG: 1 VIPs" ]
verdict "reload of the good file: exit 0"
sleep 0.3
prom_snapshot "$PROM" "$LAB_DIR/good.prom"
[ "$(prom_value "$LAB_DIR/good.prom" xdpcast_last_reload_success)" = 1 ] &&
	awk -v a="$(prom_value "$LAB_DIR/refused.prom" xdpcast_last_reload_timestamp_seconds)" \
		-v b="$(prom_value "$LAB_DIR/good.prom" xdpcast_last_reload_timestamp_seconds)" \
		'BEGIN { exit !(b > a) }'
verdict "stats file: xdpcast_last_reload_success 1 again, at a later timestamp"
# a second interface: a second load of the program, on the same pinned maps
sed 's/^interfaces: \[r0\]$/interfaces: [r0, r1]/' "$CFG.good" >"$CFG"
map_flows
snapshot >"$LAB_DIR/before"
ctl reload
[ "$RC" -eq 0 ] && in_ns router ip -d link show r1 | grep -q xdp && grep -q "reload: attached to r1" "$LOG"
verdict "reload adding interface r1: attached (rc $RC: $ERR)"
sleep 0.3
prom_snapshot "$PROM" "$LAB_DIR/r1.prom"
check "stats file: r0 and r1 attached, native" [ "$(grep -c '^xdpcast_interface_attached{interface="r[01]",mode="native"} 1$' "$LAB_DIR/r1.prom")" -eq 2 ]
check "stats file with two interfaces: promtool check metrics finds nothing" prom_clean "$LAB_DIR/r1.prom"
map_flows
moved=$(join "$LAB_DIR/before" <(snapshot) | awk '$2 != $3' | wc -l)
check "no flow moved and none lost with r1 added ($moved moved, $(cat "$LAB_DIR/lost") lost)" \
	[ "$moved" -eq 0 ] && [ "$(cat "$LAB_DIR/lost")" -eq 0 ]
cp "$CFG.good" "$CFG"
ctl reload
[ "$RC" -eq 0 ] && ! in_ns router ip -d link show r1 | grep -q xdp && grep -q "reload: detached from r1" "$LOG"
verdict "reload without r1: detached from it"

# a new control_socket: the agent moves there
SOCK2=$LAB_DIR/run2/ctl.sock
write_config "$LAB_PIN" "$SOCK2" >"$CFG"
ctl reload
check "reload moving the socket: exit 0" [ "$RC" -eq 0 ]
[ ! -e "$SOCK" ] && [ -S "$SOCK2" ]
verdict "the old socket is gone, the new one is there"
OLD_SOCK=$SOCK
SOCK=$SOCK2
ctl --json status
check "the agent answers on the new socket" json_true ".pid == $PID and .control_socket == \"$SOCK2\""
cp "$CFG.good" "$CFG"
ctl reload
SOCK=$OLD_SOCK
ctl status
[ "$RC" -eq 0 ] && [ ! -e "$SOCK2" ]
verdict "and moves back"

# --- changes are for root and control_admin_group; other clients only read ---
# nobody (group nogroup) may reach the socket: the test's own directories, the
# socket's group, and a copy of xdpcastctl it can run
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
install -m 0755 "$XDPCASTCTL" "$LAB_DIR/xdpcastctl"
chgrp nogroup "$SOCK"
as_nobody() {
	OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$LAB_DIR/xdpcastctl" \
		-s "$SOCK" "$@" 2>"$LAB_DIR/ctl.err")
	RC=$?
	ERR=$(cat "$LAB_DIR/ctl.err")
}
as_nobody status
check "a member of the socket's group reads (status: rc $RC)" [ "$RC" -eq 0 ]
as_nobody drain dns b1
[ "$RC" -eq 1 ] && grep -q "permission denied: changes need root or control_admin_group" <<<"$ERR"
verdict "but may not drain (rc $RC: $ERR)"
as_nobody reload
check "nor reload (rc $RC)" [ "$RC" -eq 1 ]
check "the refusal is logged with its uid" grep -q "control: drain refused to pid [0-9]*, uid 65534" "$LOG"
{ cat "$CFG.good" && echo "control_admin_group: nogroup"; } >"$CFG"
ctl reload
check "control_admin_group: nogroup, by reload" [ "$RC" -eq 0 ]
as_nobody drain dns b1
check "then a member drains (rc $RC)" [ "$RC" -eq 0 ]
as_nobody undrain dns b1
check "and undrains (rc $RC)" [ "$RC" -eq 0 ]
cp "$CFG.good" "$CFG"
ctl reload
# 31 idle readers: the last slot waits for root
idle_clients 31
as_nobody status
[ "$RC" -eq 1 ] && [ "$ERR" = "xdpcastctl: status: too many clients" ]
verdict "with 31 clients, the 32nd slot is refused to a reader (rc $RC)"
ctl status
check "and kept for root (rc $RC)" [ "$RC" -eq 0 ]
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null

# --- a second xdpcastd on the same socket refuses and touches nothing ---
CFG2=$LAB_DIR/second.yaml
LOG2=$LAB_DIR/second.log
write_config "$LAB_DIR/bpffs/second" "$SOCK" >"$CFG2"
inode=$(stat -c %i "$SOCK")
LIBXDP_BPFFS="$LAB_DIR/bpffs" timeout 20 ip netns exec "$(lab_ns router)" \
	"$XDPCASTD" -c "$CFG2" >"$LOG2" 2>&1
rc=$?
check "a second xdpcastd on the same socket exits 1 (rc $rc)" [ "$rc" -eq 1 ]
grep -q "control socket $SOCK: another xdpcastd (pid $PID) answers on it" "$LOG2" &&
	grep -q "refusing to start" "$LOG2"
verdict "it says another xdpcastd (pid $PID) answers"
! grep -Eq "attach|adopt|running" "$LOG2" && [ ! -e "$LAB_DIR/bpffs/second" ]
verdict "it attached, adopted and pinned nothing"
check "the first agent's socket is untouched" [ "$(stat -c %i "$SOCK")" = "$inode" ]
ctl --json status
check "the first agent still answers, r0 still attached" \
	json_true ".pid == $PID and .interfaces[0].attached"
counts=$(new_flows 46001 46012)
check "forwarding goes on" [ "$(count_of - "$counts")" -eq 0 ]

# --- kill -9: a stale socket; the next agent replaces it (and keeps the operator's drain) ---
ctl drain dns b3
check "drain b3 before the crash" [ "$RC" -eq 0 ]
kill -9 "$PID"
wait "$PID" 2>/dev/null
check "the socket stays after kill -9" [ -S "$SOCK" ]
ctl status
[ "$RC" -eq 3 ] && [ "$ERR" = "xdpcastctl: cannot connect to $SOCK: Connection refused (is xdpcastd running?)" ]
verdict "xdpcastctl on a dead agent's socket: exit 3"
before=$(log_count "replaced a stale socket")
lab_xdpcastd_start "$CFG" "$LOG"
PID=$LAB_XDPCASTD_PID
wait_log "replaced a stale socket" 5000 "$before" || true
check "the next agent replaces the stale socket" \
	[ "$(log_count "control socket $SOCK: replaced a stale socket")" -gt "$before" ]
wait_log "control socket .*: listening" 5000 1 || true
ctl --json status
check "and answers on it" json_true ".pid == $PID"
ctl --json backends dns
check "the adopted b3 is still drained by the operator" \
	json_true '.backends[] | select(.name == "b3") | .state == "draining" and .operator_weight == 0'
ctl undrain dns b3
check "undrain b3 after the restart" [ "$RC" -eq 0 ]

# --- SIGTERM: the socket goes; xdpcastctl cannot connect ---
kill -TERM "$PID"
wait "$PID"
rc=$?
check "SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "the socket is removed" [ ! -e "$SOCK" ]
ctl status
[ "$RC" -eq 3 ] && [ "$ERR" = "xdpcastctl: cannot connect to $SOCK: No such file or directory (is xdpcastd running?)" ]
verdict "xdpcastctl with no agent: exit 3, says so"
finish
