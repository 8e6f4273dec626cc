#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcast-dp's answers to mistakes a user can make: each one exits with the
# documented code (2 bad command line, 1 failed) and a message naming what
# was wrong, and the maps stay as they were. Runs in a namespace of its own
# with a private bpffs.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
DP=$(realpath "$BUILD/xdpcast-dp")
NS="xc$$-cli"
TMP=$(mktemp -d /tmp/xdpcast-cli.XXXXXX)
PIN="$TMP/bpffs/xdpcast"

cleanup() {
	ip netns del "$NS" 2>/dev/null
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip link add v0 type veth peer name v1
ip netns exec "$NS" ip link set v0 up
ip netns exec "$NS" ip link set v1 up
ip netns exec "$NS" ip link add w0 type veth peer name w1
ip netns exec "$NS" ip link set w0 up
ip netns exec "$NS" ip link set w1 up
mkdir -p "$TMP/bpffs" "$TMP/plain"
mount -t bpf bpf "$TMP/bpffs"

passed=0
failed=0
# expect CODE "message part" -- xdpcast-dp arguments...
expect() {
	local code=$1 want=$2 out rc
	shift 3
	out=$(LIBXDP_BPFFS="$TMP/bpffs" ip netns exec "$NS" "$DP" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$code" ] && [[ $out == *"$want"* ]]; then
		echo "ok - xdpcast-dp $* -> $rc"
		passed=$((passed + 1))
	else
		echo "not ok - xdpcast-dp $*: exit $rc (want $code), said: $out (want: $want)"
		failed=$((failed + 1))
	fi
}

expect 2 "usage:" -- 
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "unknown option '--bogus'" -- --bogus stats
expect 1 "interface nosuchdev" -- --pin "$PIN" attach nosuchdev
expect 1 "is not on a bpffs" -- --pin "$TMP/plain/xdpcast" attach v0
if [ -e "$TMP/plain/xdpcast" ]; then
	echo "not ok - a refused pin directory was left behind"
	failed=$((failed + 1))
fi
expect 1 "is xdpcast attached with --pin $PIN" -- --pin "$PIN" stats
expect 2 "bad --mode 'fast'" -- --pin "$PIN" attach v0 --mode fast
expect 0 "" -- --pin "$PIN" attach v0
expect 1 "v0: xdpcast is already attached" -- --pin "$PIN" attach v0
# a second interface reuses every pinned map, the egress devmap included (whose
# kernel-added flag made libbpf 1.1 refuse it: issue 11's review)
expect 0 "" -- --pin "$PIN" attach w0
# map ids of the program attached to $1, one per line
prog_maps() {
	local id
	id=$(ip netns exec "$NS" ip -j -d link show "$1" | jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id')
	bpftool -j prog show id "$id" | jq -r '.map_ids[]' | sort
}
shared=$(comm -12 <(prog_maps v0) <(prog_maps w0) | wc -l)
total=$(prog_maps v0 | wc -l)
if [ "$total" -gt 1 ] && [ "$shared" -eq $((total - 1)) ]; then
	echo "ok - the programs on v0 and w0 share their maps, all $shared but .rodata"
	passed=$((passed + 1))
else
	echo "not ok - the programs on v0 and w0 share $shared of $total maps"
	failed=$((failed + 1))
fi
expect 0 "" -- --pin "$PIN" detach w0
expect 2 "expected ID (0-4095)" -- --pin "$PIN" backend 5000 v1 02:00:00:00:00:01
expect 2 "bad MAC 'zz:zz'" -- --pin "$PIN" backend 1 v1 zz:zz
expect 1 "interface nosuch" -- --pin "$PIN" backend 1 nosuch 02:00:00:00:00:01
expect 2 "bad --state 'sleepy'" -- --pin "$PIN" backend 1 v1 02:00:00:00:00:01 --state sleepy
expect 2 "bad VIP address '203.0.113.999'" -- --pin "$PIN" vip add 203.0.113.999 --id 0
expect 2 "--port needs --proto" -- --pin "$PIN" vip add 203.0.113.53 --id 0 --port 53
expect 2 "bad --proto 'sctp'" -- --pin "$PIN" vip add 203.0.113.53 --id 0 --proto sctp
expect 2 "--id is required" -- --pin "$PIN" vip add 203.0.113.53
expect 2 "bad --id '4096'" -- --pin "$PIN" vip add 203.0.113.53 --id 4096
expect 0 "" -- --pin "$PIN" vip add 203.0.113.53 --id 0
expect 1 "203.0.113.53 is already a VIP" -- --pin "$PIN" vip add 203.0.113.53 --id 1
expect 1 "203.0.113.54 is not a VIP" -- --pin "$PIN" table 203.0.113.54 1
expect 2 "bad --size '65536'" -- --pin "$PIN" table 203.0.113.53 --size 65536 1
expect 2 "bad backend '1:x'" -- --pin "$PIN" table 203.0.113.53 1:x
expect 1 "2001:db8::99 is not a VIP" -- --pin "$PIN" vip del 2001:db8::99
expect 1 "lo: no xdpcast program attached" -- --pin "$PIN" detach lo
# the one VIP added above is all there is, with no table
expect 0 "203.0.113.53/any/0" -- --pin "$PIN" stats
expect 0 "" -- --pin "$PIN" detach v0
expect 0 "" -- --pin "$PIN" unpin

echo "test_dp_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
