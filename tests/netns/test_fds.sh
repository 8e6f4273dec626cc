#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcastd's open file descriptors stay flat (issue 11, defect 1: libxdp
# 1.3.1 leaks a program fd in every xdp_multiprog__get_from_ifindex(), which
# status and reload used to call): with ulimit -n 1024, as under systemd,
# the count of /proc/PID/fd is the same before and after 10,000 `status`
# requests (raw protocol, 10 connections) and 200 reloads (100 SIGHUP, 100
# `reload` requests), and every status reply still shows r0 attached. Then
# a detach that fails: with no fd left (soft RLIMIT_NOFILE 0), SIGTERM warns
# that r0 cannot be detached, keeps the pins and does not say "detached and
# unpinned"; the next xdpcastd adopts what is still attached, and its own
# SIGTERM detaches and unpins. The lab of scripts/lab.sh with ICMP checks
# (one raw socket for all probes, no fd per probe, so the count is exact);
# xdpcastd runs in the router, the control socket is a file in the lab's
# directory. STATUS_REQUESTS, RELOADS (of each kind) and NOFILE change the
# numbers (NOFILE=20000 STATUS_REQUESTS=1000 shows an old leak per call).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
TEST_NAME=test_fds
# shellcheck source=tests/netns/agent_lib.sh
source tests/netns/agent_lib.sh

STATUS_REQUESTS=${STATUS_REQUESTS:-10000}
STATUS_CONNECTIONS=10
RELOADS=${RELOADS:-100} # of each kind: SIGHUP, and `reload` on the socket
NOFILE=${NOFILE:-1024}  # xdpcastd's soft fd limit
INTERVAL_MS=100
TIMEOUT_MS=80
RISE=1
FALL=3

# shellcheck disable=SC2012 # fd names are numbers
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# Sends request $2 ({"command":"$2"}) $3 times to socket $1 over $4
# connections, in batches of 100 (written, then their replies read: a client
# that reads nothing stops being served). Prints "replies ok attached": how
# many replies came, how many said ok, how many said "attached": true. A
# connection that gets no reply for 20 s ends the run (a daemon out of fds
# accepts no connection).
ctl_flood() {
	perl -MIO::Socket::UNIX -e '
		my ($path, $cmd, $total, $conns) = @ARGV;
		my ($replies, $ok, $attached) = (0, 0, 0);
		local $SIG{ALRM} = sub { die "no reply for 20 s\n" };
		eval {
			for my $c (1 .. $conns) {
				alarm 20;
				my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
					or die "connect $path: $!\n";
				my $left = int($total / $conns) + ($c <= $total % $conns ? 1 : 0);
				while ($left > 0) {
					my $n = $left < 100 ? $left : 100;
					print $s qq({"command":"$cmd"}\n) x $n;
					$left -= $n;
					for (1 .. $n) {
						my $line = <$s>;
						defined $line or die "connection closed\n";
						alarm 20;
						$replies++;
						$ok++ if $line =~ /"ok": *true/;
						$attached++ if $line =~ /"attached": *true/;
					}
				}
				close $s;
			}
			alarm 0;
		};
		print STDERR "# $cmd: $@" if $@;
		print "$replies $ok $attached\n";' "$1" "$2" "$3" "$4"
}

# A SIGHUP reload, waited for (5 s at most): its last line, whatever the outcome.
sighup_reload() {
	local before
	before=$(log_count "$RELOAD_DONE")
	kill -HUP "$PID" 2>/dev/null || return 1
	wait_log "$RELOAD_DONE" 5000 "$before"
}

write_config() {
	cat <<YAML
interfaces: [r0]
state_dir: $LAB_DIR/state
pin_dir: $LAB_PIN
seed: 0x5eed
control_socket: $SOCK
vips:
YAML
	local backends
	mapfile -t backends < <(lab_backends4 3)
	vip_yaml ping "$LAB_VIP" "protocol: udp, port: 53" "type: icmp" "${backends[@]}"
}

lab_up || fail_setup "lab"
command -v prlimit >/dev/null || fail_setup "prlimit (package util-linux) is missing"
CFG=$LAB_DIR/xdpcast.yaml
LOG=$LAB_DIR/xdpcastd.log
SOCK=$LAB_DIR/xdpcastd.sock
: >"$LOG"
write_config >"$CFG"
RELOAD_DONE="reloaded $CFG\|reload refused\|configuration not reloaded\|applied in part"

# systemd's default soft limit for a service: the leak exhausted it in ~500 status
ulimit -Sn "$NOFILE" 2>/dev/null || echo "# cannot set ulimit -n $NOFILE: the inherited $(ulimit -n) stays"
# (a sanitized build: LeakSanitizer needs fds at exit, which this daemon will
# not have; its leaks are checked by the other tests)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 lab_xdpcastd_start "$CFG" "$LOG"
PID=$LAB_XDPCASTD_PID
wait_log "control socket .*: listening" 5000 0 || fail_setup "xdpcastd did not listen"
wait_log " -> up" 5000 2 || fail_setup "backends did not come up"

# Warm-up: one status and one reload of each kind first, so that whatever
# they open once and keep (none is known) is in the base count.
ctl_flood "$SOCK" status 1 1 >/dev/null
sighup_reload || fail_setup "the first SIGHUP reload did not finish"
ctl_flood "$SOCK" reload 1 1 >/dev/null
base=$(fd_count "$PID")
[ "$base" -gt 0 ] || fail_setup "cannot count xdpcastd's fds"

# --- 10,000 status requests ---
t0=$(now_ms)
read -r replies ok att < <(ctl_flood "$SOCK" status "$STATUS_REQUESTS" "$STATUS_CONNECTIONS")
status_ms=$(($(now_ms) - t0))
after_status=$(fd_count "$PID")
echo "# $STATUS_REQUESTS status requests in $status_ms ms: $replies replies, $ok ok, $att with r0 attached"
check "$STATUS_REQUESTS status requests, $STATUS_REQUESTS ok replies ($ok)" \
	[ "$ok" -eq "$STATUS_REQUESTS" ]
check "every status reply shows r0 attached ($att of $STATUS_REQUESTS)" \
	[ "$att" -eq "$STATUS_REQUESTS" ]
check "fds flat over $STATUS_REQUESTS status: $base before, $after_status after" \
	[ "$after_status" -eq "$base" ]

# --- 200 reloads: SIGHUP, then the socket's reload ---
hups=0
for _ in $(seq "$RELOADS"); do
	sighup_reload || break
	hups=$((hups + 1))
done
check "$RELOADS SIGHUP reloads finished ($hups)" [ "$hups" -eq "$RELOADS" ]
read -r replies ok att < <(ctl_flood "$SOCK" reload "$RELOADS" 1)
check "$RELOADS reload requests, $RELOADS ok replies ($ok)" [ "$ok" -eq "$RELOADS" ]
after_reload=$(fd_count "$PID")
check "fds flat over $((2 * RELOADS)) reloads: $base before, $after_reload after" \
	[ "$after_reload" -eq "$base" ]
check "every reload applied (no refusal in the log)" \
	[ "$(log_count "reload refused\|configuration not reloaded\|applied in part")" -eq 0 ]
echo "# xdpcastd's fds: $base at start, $after_status after $STATUS_REQUESTS status," \
	"$after_reload after $((2 * RELOADS)) reloads"
read -r _ _ att < <(ctl_flood "$SOCK" status 1 1)
check "r0 still reported attached" [ "$att" -eq 1 ]

# --- a detach that fails: the pins stay, the next xdpcastd adopts ---
# Soft RLIMIT_NOFILE 0: the fds xdpcastd holds stay usable, any new one
# fails with EMFILE, as when they had all leaked.
prlimit --pid "$PID" --nofile=0: || fail_setup "prlimit"
kill -TERM "$PID"
wait_exit "$PID" 10000
rc=$?
check "a stop that left r0 attached exits 1 (rc $rc)" [ "$rc" -eq 1 ]
check "SIGTERM without fds: a warning names r0 and the error" \
	grep -q "r0: cannot detach xdpcast's XDP program: Too many open files" "$LOG"
check "it does not say \"detached and unpinned\"" \
	[ "$(log_count "detached and unpinned")" -eq 0 ]
check "it says the maps stay pinned" grep -q "the maps stay pinned in $LAB_PIN" "$LOG"
check "r0 is still attached" attached
check "the pins stay" [ -e "$LAB_PIN/vips" ]

before=$(log_count "running: ")
lab_xdpcastd_start "$CFG" "$LOG"
PID=$LAB_XDPCASTD_PID
wait_log "running: " 5000 "$before"
check "the next xdpcastd adopts r0" grep -q "r0: xdpcast already attached: adopting it" "$LOG"
wait_log "control socket .*: listening" 5000 1 || true
read -r _ ok att < <(ctl_flood "$SOCK" status 1 1)
check "it answers status, r0 attached" [ "$ok$att" = 11 ]
kill -TERM "$PID"
wait_exit "$PID" 10000
rc=$?
check "its SIGTERM exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "and says \"detached and unpinned\"" [ "$(log_count "detached and unpinned")" -eq 1 ]
check "r0 is detached" detached
check "the pins are gone" [ ! -e "$LAB_PIN/vips" ]
finish
