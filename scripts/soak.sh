#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make soak MINUTES=N` (issue 11's standing test): the netns lab of
# scripts/lab.sh with xdpcastd in front of four NSD backends, under DNS
# load (build/dnsload: 200 IPv4 flows at 1000 q/s to the VIP without a flow
# table, 50 IPv6 flows at 200 q/s to the VIP with one) while b3 and b4 flap
# in turn (NSD stopped and started every FLAP_S s), the file is reloaded
# every RELOAD_S s (SIGHUP and `xdpcastctl reload` in turn, between two
# files that differ in the IPv4 VIP's check interval and b1's IPv6 weight),
# xdpcastctl runs in a loop and FLOOD_CLIENTS clients flood the control
# socket for FLOOD_S s every FLOOD_EVERY_S s. xdpcastd's fds and RSS are
# printed every SAMPLE_S s. At the end: no query lost on a flow that only
# b1 and b2 (never stopped) answered; the flow table kept every flow of b1
# and b2 in place; b1 and b2 never went down, b3 and b4 down and up once
# per flap; every reload applied and every control request answered; fds
# at the end = after warm-up, RSS grown less than RSS_SLACK_KIB; xdpcastd
# still running. Last line: "soak: N passed, N failed".
#
# Which flows "never failed", exactly: a flow is stable when it had answers
# and every answer came from b1 or b2. Its queries can only be lost if it
# was sent to b3 or b4 while that one was failing and got no answer from it
# before or after, which the schedule rules out: (1) the IPv4 VIP has no
# flow table, so Maglev moves flows at each table rebuild (a few collateral
# moves between live backends: no loss), and its table is rebuilt only when
# b3 or b4 changes state (the reloads change its check, not its backends);
# flaps are FLAP_S (3 s) apart, more than the detection time (interval x
# fall + timeout, plus one more round when a reload resets the counts) and
# far more than a flow's query period (flows/rate = 0.2 s): a flow moved
# onto b3 or b4 is answered by it before it fails, and none is moved onto
# one that is failing unnoticed. (2) the IPv6 VIP keeps a flow table (64 Ki
# entries for 50 flows: no eviction), so a flow stays on its backend while
# it is up whatever the reloads do to weights; only the flows of a backend
# that goes down move. A lost query on a stable flow is therefore a bug.
#
# Everything in namespaces with a per-run prefix, pins in a private bpffs,
# xdpcastd's socket, stats file and logs in the lab's temporary directory;
# every process stopped by its PID; a trap cleans up on any exit.
set -uo pipefail
BUILD=${1:-${BUILD:-build}}
export BUILD
cd "$(dirname "$0")/.." || exit 1
LAB_BACKENDS=4
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
# shellcheck source=scripts/soak_lib.sh
source scripts/soak_lib.sh
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh

if [ -n "${SOAK_SECONDS:-}" ]; then
	SECS=$SOAK_SECONDS
else
	# MINUTES may be a fraction (make soak MINUTES=0.75)
	SECS=$(awk -v m="${SOAK_MINUTES:-10}" 'BEGIN { if (m + 0 > 0) printf "%d", m * 60 + 0.5 }')
fi
if ! [[ $SECS =~ ^[0-9]+$ ]] || [ "$SECS" -lt 30 ] || [ "$SECS" -gt 86400 ]; then
	echo "soak: run for 30 s to 24 h (SOAK_MINUTES=${SOAK_MINUTES:-} SOAK_SECONDS=${SOAK_SECONDS:-})" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root (network namespaces, BPF)" >&2; exit 2; }

FLAP_S=${FLAP_S:-3}
RELOAD_S=${RELOAD_S:-5}
SAMPLE_S=${SAMPLE_S:-10}
FLOOD_CLIENTS=${FLOOD_CLIENTS:-4}
FLOOD_S=${FLOOD_S:-4}
FLOOD_EVERY_S=${FLOOD_EVERY_S:-20}
SETTLE_S=6 # the end: b3 and b4 back, no more flaps, reloads or floods
# fds and RSS are compared from the first sample after warm-up: every
# activity has run once (flood, both files by both reloads, both flaps)
WARMUP_S=${WARMUP_S:-$(((SECS / 5) > 60 ? 60 : ((SECS / 5) < 15 ? 15 : SECS / 5)))}
RSS_SLACK_KIB=${RSS_SLACK_KIB:-1024}
for v in FLAP_S RELOAD_S SAMPLE_S FLOOD_CLIENTS FLOOD_S FLOOD_EVERY_S WARMUP_S RSS_SLACK_KIB; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "soak: $v=${!v}: a positive integer" >&2; exit 2; }
done
# flaps further apart than a failure's detection (with a reload resetting
# the counts: 2 x interval x fall + timeout): see "never failed" above
[ "$FLAP_S" -ge 2 ] || { echo "soak: FLAP_S=$FLAP_S: 2 s at least" >&2; exit 2; }
V4_FLOWS=200 V4_RATE=1000 V6_FLOWS=50 V6_RATE=200 TIMEOUT_MS=1000
INTERVAL_MS=200 TIMEOUT_CHECK_MS=150 RISE=2 FALL=3
STABLE="b1 b2"
FLAPPING="b3 b4"

DNSLOAD=${DNSLOAD:-$BUILD/dnsload}
XDPCASTCTL=${XDPCASTCTL:-$BUILD/xdpcastctl}
for p in "$DNSLOAD" "$XDPCASTCTL" "$XDPCASTD"; do
	[ -x "$p" ] || { echo "soak: $p is not built (make)" >&2; exit 2; }
done

soak_down() {
	[ -n "${MARK4_FD:-}" ] && exec 7>&-
	[ -n "${MARK6_FD:-}" ] && exec 8>&-
	lab_down
}
trap soak_down EXIT
trap 'exit 1' INT TERM
finish() {
	if [ "$checks_failed" -gt 0 ] && [ -n "${LOG:-}" ] && [ -e "$LOG" ]; then
		echo "# xdpcastd's log, last lines:"
		tail -n 20 "$LOG" | sed 's/^/# /'
	fi
	checks_summary soak
	exit
}
fail_setup() {
	echo "soak: setup failed: $1"
	checks_failed=$((checks_failed + 1))
	finish
}
# NOW: milliseconds since the epoch (no fork: the loop reads it 10 times a second)
tick() { NOW=$((${EPOCHREALTIME/./} / 1000)); }
log_count() { grep -c -- "$1" "$LOG"; }

# The file: the IPv4 VIP (no flow table) checked every $1 ms, the IPv6 VIP
# (flow table) with b1 at weight $2.
write_config() {
	local i tmp=$CFG.tmp
	{
		cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
control_socket: $SOCK
seed: 0x5eed
stats: { file: $LAB_DIR/xdpcast.prom, period: 1s }
vips:
  - name: dns
    address: $LAB_VIP
    protocol: udp
    port: 53
    check: { type: dns, name: anycast.test, qtype: SOA, interval: ${1}ms, timeout: ${TIMEOUT_CHECK_MS}ms, rise: $RISE, fall: $FALL }
    backends:
YAML
		for i in 1 2 3 4; do echo "      - { name: b$i, address: 198.18.$i.2 }"; done
		cat <<YAML
  - name: dns6
    address: $LAB_VIP6
    protocol: udp
    port: 53
    flow_table: { enabled: true, size: 65536 }
    check: { type: dns, name: anycast.test, qtype: SOA, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_CHECK_MS}ms, rise: $RISE, fall: $FALL }
    backends:
YAML
		echo "      - { name: b1, address: $(lab_backend_addr6 1), weight: $2 }"
		for i in 2 3 4; do echo "      - { name: b$i, address: $(lab_backend_addr6 "$i") }"; done
	} >"$tmp" && mv "$tmp" "$CFG"
}

# --- setup ---
lab_up || fail_setup "lab"
for i in 1 2 3 4; do lab_start_nsd "$i"; done
for i in 1 2 3 4; do lab_wait_nsd "$i" || fail_setup "nsd b$i"; done
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
: >"$LOG"
write_config "$INTERVAL_MS" 1
lab_xdpcastd_start "$CFG" "$LOG"
PID=$LAB_XDPCASTD_PID
for _ in $(seq 100); do
	[ "$(log_count ' -> up')" -ge 8 ] && break
	sleep 0.1
done
[ "$(log_count ' -> up')" -ge 8 ] || fail_setup "the 8 backends (4 per VIP) did not come up"
echo "# soak: ${SECS} s, lab $LAB_PREFIX in $LAB_DIR, xdpcastd pid $PID"

# --- the load: starts now, ends by itself after SECS s ---
mkfifo "$LAB_DIR/marks4" "$LAB_DIR/marks6"
exec 7<>"$LAB_DIR/marks4" 8<>"$LAB_DIR/marks6" # read-write: never blocks
MARK4_FD=7 MARK6_FD=8
ip netns exec "$(lab_ns client)" "$DNSLOAD" -s "$LAB_VIP" -f "$V4_FLOWS" -r "$V4_RATE" \
	-d "$SECS" -t "$TIMEOUT_MS" -P 40001 -m "$LAB_DIR/marks4" -j "$LAB_DIR/load4.json" \
	>"$LAB_DIR/load4.txt" 2>&1 &
LOAD4=$!
LAB_PIDS+=("$LOAD4")
ip netns exec "$(lab_ns client)" "$DNSLOAD" -s "$LAB_VIP6" -f "$V6_FLOWS" -r "$V6_RATE" \
	-d "$SECS" -t "$TIMEOUT_MS" -P 50001 -m "$LAB_DIR/marks6" -j "$LAB_DIR/load6.json" \
	>"$LAB_DIR/load6.txt" 2>&1 &
LOAD6=$!
LAB_PIDS+=("$LOAD6")
mark() { echo "$1" >&7 && echo "$1" >&8; }

tick
T0=$NOW
ACT_END=$((T0 + (SECS - SETTLE_S) * 1000))
soak_ctl_loop "$XDPCASTCTL" "$SOCK" "$LAB_DIR/ctl.stop" $((SECS + 30)) 0.5 "$LAB_DIR/ctl.out" &
CTL_LOOP=$!
LAB_PIDS+=("$CTL_LOOP")

# --- fds and RSS over time ---
SAMPLES=$LAB_DIR/samples
echo "# t_s fds rss_kib" >"$SAMPLES"
sample() {
	local t fds rss
	tick
	t=$(((NOW - T0) / 1000))
	fds=$(soak_fds "$PID")
	rss=$(soak_rss_kib "$PID")
	echo "$t $fds $rss" >>"$SAMPLES"
	printf '# %6s s  fds %4s  rss %7s KiB\n' "$t" "$fds" "$rss"
}

# --- flaps: stop b3, start b3, stop b4, start b4, ... ---
declare -A stops=([b3]=0 [b4]=0) starts=([b3]=0 [b4]=0) nsd_down=()
flap_step=0
flap() {
	local b=${FLAPPING% *} n pidvar
	[ $((flap_step / 2 % 2)) -eq 1 ] && b=${FLAPPING#* }
	n=${b#b}
	pidvar=LAB_NSD_PID_$n
	if [ $((flap_step % 2)) -eq 0 ]; then
		mark "stop $b"
		soak_stop_pid "${!pidvar}"
		nsd_down[$b]=1
		stops[$b]=$((stops[$b] + 1))
	else
		lab_start_nsd "$n"
		mark "start $b"
		unset "nsd_down[$b]"
		starts[$b]=$((starts[$b] + 1))
	fi
	flap_step=$((flap_step + 1))
}

# --- reloads: file A by SIGHUP, B by SIGHUP, A by xdpcastctl, B by xdpcastctl, ... ---
reloads=0 reload_failed=0
RELOAD_DONE="reloaded $CFG\|reload refused\|configuration not reloaded\|applied in part"
reload() {
	local before n
	if [ $((reloads % 2)) -eq 0 ]; then write_config "$INTERVAL_MS" 1; else write_config 250 2; fi
	if [ $((reloads / 2 % 2)) -eq 0 ]; then
		before=$(log_count "$RELOAD_DONE")
		kill -HUP "$PID" || reload_failed=$((reload_failed + 1))
		for n in $(seq 50); do
			[ "$(log_count "$RELOAD_DONE")" -gt "$before" ] && break
			sleep 0.05
		done
		[ "$n" -lt 50 ] || { reload_failed=$((reload_failed + 1)); echo "# SIGHUP reload not done in 2.5 s"; }
	elif ! "$XDPCASTCTL" -s "$SOCK" -t 5 reload >"$LAB_DIR/reload.out" 2>&1; then
		reload_failed=$((reload_failed + 1))
		echo "# xdpcastctl reload failed: $(cat "$LAB_DIR/reload.out")"
	fi
	reloads=$((reloads + 1))
}

# --- control-socket floods ---
floods=0 flood_pids=()
flood() {
	for _ in $(seq "$FLOOD_CLIENTS"); do
		soak_flood_client "$SOCK" "$FLOOD_S" >>"$LAB_DIR/flood.out" &
		flood_pids+=($!)
		LAB_PIDS+=($!)
	done
	floods=$((floods + 1))
}
flood_reap() {
	local pid keep=()
	for pid in "${flood_pids[@]}"; do
		if [ "${1:-}" = all ] || ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			soak_forget "$pid"
		else
			keep+=("$pid")
		fi
	done
	flood_pids=("${keep[@]}")
}

# --- the run ---
echo "# every ${FLAP_S} s a flap of b3 or b4, every ${RELOAD_S} s a reload, every ${FLOOD_EVERY_S} s" \
	"$FLOOD_CLIENTS clients flood the socket for ${FLOOD_S} s; fds and RSS every ${SAMPLE_S} s" \
	"(warm-up ${WARMUP_S} s):"
next_sample=$T0
next_flap=$((T0 + FLAP_S * 1000))
next_reload=$((T0 + RELOAD_S * 500 + 1000)) # between two flaps
next_flood=$((T0 + 2000))
BASE_T="" BASE_FDS="" BASE_RSS=""
stalls=0
# A loop that falls behind (a starved machine) does not catch up: the next
# flap is FLAP_S after this one, never sooner, and so for reloads and floods.
while tick && [ "$NOW" -lt "$ACT_END" ]; do
	if [ "$NOW" -ge "$next_sample" ]; then
		sample
		if [ -z "$BASE_T" ] && [ "$(tail -n 1 "$SAMPLES" | cut -d' ' -f1)" -ge "$WARMUP_S" ]; then
			read -r BASE_T BASE_FDS BASE_RSS < <(tail -n 1 "$SAMPLES")
		fi
		next_sample=$((next_sample + SAMPLE_S * 1000))
	fi
	# (no stop in the last FLAP_S s: the end's restart would come before
	# the failure is seen)
	if [ "$NOW" -ge "$next_flap" ] &&
		{ [ $((flap_step % 2)) -eq 1 ] || [ $((NOW + FLAP_S * 1000)) -le "$ACT_END" ]; }; then
		if [ $((NOW - next_flap)) -gt 1000 ]; then
			stalls=$((stalls + 1))
			echo "# a flap $((NOW - next_flap)) ms late at $(((NOW - T0) / 1000)) s"
		fi
		flap
		next_flap=$((NOW + FLAP_S * 1000))
	fi
	if [ "$NOW" -ge "$next_reload" ]; then
		reload
		next_reload=$((NOW + RELOAD_S * 1000))
	fi
	if [ "$NOW" -ge "$next_flood" ]; then
		# a flood ends a second before the settling does
		[ $((NOW + (FLOOD_S + 1) * 1000)) -gt "$ACT_END" ] || flood
		next_flood=$((NOW + FLOOD_EVERY_S * 1000))
	fi
	flood_reap
	sleep 0.1
done

# --- the end: b3 and b4 back, everything stops, the load drains ---
for b in "${!nsd_down[@]}"; do
	lab_start_nsd "${b#b}"
	mark "start $b"
	starts[$b]=$((starts[$b] + 1))
done
nsd_down=()
flood_reap all
touch "$LAB_DIR/ctl.stop"
wait "$CTL_LOOP"
soak_forget "$CTL_LOOP"
wait "$LOAD4"
rc4=$?
wait "$LOAD6"
rc6=$?
soak_forget "$LOAD4"
soak_forget "$LOAD6"
sample
read -r END_T END_FDS END_RSS < <(tail -n 1 "$SAMPLES")
if [ -z "$BASE_T" ]; then read -r BASE_T BASE_FDS BASE_RSS < <(sed -n 2p "$SAMPLES"); fi

# --- figures ---
echo "# IPv4 load:"
sed 's/^/#   /' "$LAB_DIR/load4.txt" | head -n 12
echo "# IPv6 load:"
sed 's/^/#   /' "$LAB_DIR/load6.txt" | head -n 12
read -r ctl_calls ctl_failed <"$LAB_DIR/ctl.out"
read -r flood_replies flood_ok < <(awk '{ r += $1; o += $2 } END { print r + 0, o + 0 }' "$LAB_DIR/flood.out")
flood_errors=$(grep -c 'error:' "$LAB_DIR/flood.out")
echo "# flaps: b3 stopped ${stops[b3]}, started ${starts[b3]}; b4 stopped ${stops[b4]}," \
	"started ${starts[b4]}"
echo "# reloads: $reloads ($reload_failed failed); flaps over 1 s late: $stalls"
echo "# control requests: $ctl_calls xdpcastctl calls ($ctl_failed failed), $flood_replies" \
	"flood replies ($flood_ok ok) in $floods floods of $FLOOD_CLIENTS clients ($flood_errors errors)"
echo "# fds and RSS: ${BASE_FDS} fds, ${BASE_RSS} KiB at ${BASE_T} s (after warm-up);" \
	"${END_FDS} fds, ${END_RSS} KiB at ${END_T} s"

# --- checks ---
J4=$LAB_DIR/load4.json
J6=$LAB_DIR/load6.json
jtrue() {
	local file=$1
	shift
	[ -s "$file" ] && jq -e "$@" "$file" >/dev/null
}
# flows whose every answer came from a stable backend
STABLE_JQ='[.flows[] | select(.answered > 0 and (.servers - ["b1", "b2"] | length) == 0)]'
check "the load clients ran to the end (rc $rc4, $rc6)" [ "$rc4" -eq 0 ] && [ "$rc6" -eq 0 ]
for j in "$J4" "$J6"; do
	v=IPv4
	[ "$j" = "$J6" ] && v=IPv6
	n=$(jq "$STABLE_JQ | length" "$j" 2>/dev/null)
	lost=$(jq "$STABLE_JQ | map(.lost) | add // 0" "$j" 2>/dev/null)
	sent=$(jq "$STABLE_JQ | map(.sent) | add // 0" "$j" 2>/dev/null)
	check "$v: ${lost:-?} of ${sent:-?} queries lost on the ${n:-?} flows only b1 and b2 answered" \
		jtrue "$j" "($STABLE_JQ | length > 0) and ($STABLE_JQ | all(.lost == 0))"
	check "$v: the others lost queries (the flaps were real: $(jq .totals.lost "$j" 2>/dev/null))" \
		jtrue "$j" '.totals.lost > 0'
	check "$v: sent = answered + lost, no reply unmatched or bad" jtrue "$j" \
		'.totals.sent == .totals.answered + .totals.lost and .totals.unmatched == 0 and .totals.bad == 0'
done
check "IPv6 (flow table): no flow of b1 or b2 moved at any mark" jtrue "$J6" \
	'all(.flows[]; all(.marks[]; (.before | IN("b1", "b2") | not) or .after == .before))'
for b in $STABLE; do
	check "$b never went down" [ "$(log_count "backend $b .*-> down")" -eq 0 ]
done
for b in $FLAPPING; do
	downs=$(log_count "backend $b .*up -> down")
	ups=$(log_count "backend $b .*down -> up")
	check "$b down once per stop in each VIP ($downs for ${stops[$b]} stops x 2)" \
		[ "$downs" -eq $((stops[$b] * 2)) ]
	check "$b up once per start in each VIP, and once at the start ($ups for ${starts[$b]} starts x 2 + 2)" \
		[ "$ups" -eq $((starts[$b] * 2 + 2)) ]
done
"$XDPCASTCTL" -s "$SOCK" -t 2 --json backends >"$LAB_DIR/backends.json"
check "every backend up at the end (8: 4 per VIP)" jtrue "$LAB_DIR/backends.json" \
	'[.backends[] | .up] | length == 8 and all'
check "$reloads reloads, all applied" [ "$reload_failed" -eq 0 ] && \
	[ "$(log_count "reload refused\|configuration not reloaded\|applied in part")" -eq 0 ]
check "$ctl_calls xdpcastctl calls, none failed" [ "$ctl_calls" -gt 0 ] && [ "$ctl_failed" -eq 0 ]
check "$flood_replies flood replies, all ok, no client error" [ "$flood_replies" -gt 0 ] && \
	[ "$flood_ok" -eq "$flood_replies" ] && [ "$flood_errors" -eq 0 ]
check "fds flat: $BASE_FDS after warm-up, $END_FDS at the end" [ "$END_FDS" -eq "$BASE_FDS" ]
check "xdpcastd still running" kill -0 "$PID"
if ldd "$XDPCASTD" 2>/dev/null | grep -q libasan; then
	# ASan keeps freed memory in quarantine (up to 256 MB) and its shadow grows
	# with it: RSS says nothing of xdpcastd's own memory. LeakSanitizer does:
	# it reports every block still allocated and unreachable at exit, and
	# aborts (run-tests.sh's ASAN_OPTIONS) so the exit status says it.
	echo "# sanitized build: RSS grew $((END_RSS - BASE_RSS)) KiB (ASan's quarantine); leaks judged at exit"
	kill -TERM "$PID"
	for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$PID" 2>/dev/null # still there after 10 s: the check below fails
	wait "$PID"
	rc=$?
	check "sanitized: xdpcastd exits 0 at SIGTERM, LeakSanitizer found no leak (rc $rc)" [ "$rc" -eq 0 ]
else
	check "RSS flat: $((END_RSS - BASE_RSS)) KiB growth after warm-up (< $RSS_SLACK_KIB)" \
		[ $((END_RSS - BASE_RSS)) -lt "$RSS_SLACK_KIB" ]
fi
[ "$ctl_failed" -eq 0 ] || head -n 20 "$LAB_DIR/ctl.out.err"
finish
