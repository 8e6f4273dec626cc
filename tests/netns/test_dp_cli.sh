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

# --- dump: every pinned map decoded, against a dataplane with traffic ---
# out of v1 into v0 (where xdpcast is attached): UDP to a VIP with a flow
# table, backends 1 (up) and 3 (up) in its table, 2 draining; they are
# reached out of w0 (its peer w1 gets an XDP program: see FIELD-NOTES)
ipns() { ip netns exec "$NS" "$@"; }
ipns ip addr add 198.51.100.1/24 dev v1
ipns ip route add 203.0.113.0/24 dev v1
ipns ip neigh add 203.0.113.54 lladdr "$(ipns cat /sys/class/net/v0/address)" dev v1
W0_IFINDEX=$(ipns cat /sys/class/net/w0/ifindex)
expect 0 "" -- --pin "$PIN" seed 0x5eed
expect 0 "" -- --pin "$PIN" egress add w0
expect 0 "" -- --pin "$PIN" backend 1 w0 02:00:00:00:00:11
expect 0 "" -- --pin "$PIN" backend 2 w0 02:00:00:00:00:12 --state draining --vlan 7
expect 0 "" -- --pin "$PIN" backend 3 w0 unknown
expect 0 "" -- --pin "$PIN" vip add 203.0.113.54 --id 5 --proto udp --port 53 --flow-table 1024
expect 0 "" -- --pin "$PIN" table 203.0.113.54 --proto udp --port 53 --size 251 1 3
# 12 flows, from source ports 40001..40012 (one query each, in parallel:
# nothing answers, each dig gives up after 1 s)
for port in $(seq 40001 40012); do
	ipns dig +tries=1 +time=1 -b "198.51.100.1#$port" @203.0.113.54 flow.test >/dev/null &
done
wait
dump() { LIBXDP_BPFFS="$TMP/bpffs" ip netns exec "$NS" "$DP" --pin "$PIN" dump "$@"; }
# check "what" CONDITION...: records whether the condition holds
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}
has() { grep -Eq -- "$2" <<<"$1"; }
# both patterns $2 and $3 in $1
has2() { has "$1" "$2" && has "$1" "$3"; }
out=$(dump vips)
check "dump vips: key decoded, id, flags" has "$out" \
	'^ address=203\.0\.113\.54 protocol=udp port=53 id=5 flags=flow_table$'
check "dump vips: the VIP without protocol as any/0" has "$out" \
	'^ address=203\.0\.113\.53 protocol=any port=0 id=0 flags=-$'
out=$(dump backends)
check "dump backends: up, MACs, interface by name" has "$out" \
	"^ id=1 state=up dst_mac=02:00:00:00:00:11 src_mac=([0-9a-f]{2}:){5}[0-9a-f]{2} ifindex=$W0_IFINDEX ifname=w0 vlan=0 flags=mac_known\$"
check "dump backends: draining with its VLAN" has "$out" '^ id=2 state=draining .* vlan=7 flags=mac_known$'
check "dump backends: an unknown MAC has no flag; 3 entries" \
	has "$out" '^ id=3 state=up dst_mac=00:00:00:00:00:00 .* flags=-$'
check "dump backends: counts the 3 entries" has "$out" '^# map=backends max_entries=4096 count=3 shown=3$'
out=$(dump vip_tables)
check "dump vip_tables: size and slots per backend, summing to the size" has "$out" \
	'^ vip_id=5 vip=203\.0\.113\.54/udp/53 map_id=[0-9]+ size=251 backend_slots\.1=1[0-9]{2} backend_slots\.3=1[0-9]{2}$'
sum=$(dump --json vip_tables | jq '[.entries[] | select(.vip_id == 5) | .backend_slots[]] | add')
check "dump vip_tables: 251 slots in all ($sum)" [ "$sum" = 251 ]
n=$(dump vip_tables --slots --json | jq '[.entries[] | select(.vip_id == 5) | .slots[] | select(. == 1 or . == 3)] | length')
check "dump vip_tables --slots: every slot, each backend 1 or 3 ($n)" [ "$n" = 251 ]
out=$(dump flow_tables)
check "dump flow_tables: 12 flows, the table's size and use" has2 "$out" \
	'^# map=flow_tables max_entries=1024 count=12 shown=12$' \
	'^# tables: vip_id=5 vip=203\.0\.113\.54/udp/53 map_id=[0-9]+ flows=1024 in_use=12$'
check "dump flow_tables: a flow decoded, its source port in host order" has "$out" \
	'^ vip_id=5 vip=203\.0\.113\.54/udp/53 set=[0-9]+ way=[0-3] source=198\.51\.100\.1 sport=400(0[1-9]|1[0-2]) dport=53 protocol=udp state=used backend=(1|3) hash=[0-9]+$'
out=$(dump flow_tables --limit 5)
check "dump flow_tables --limit 5: five shown, the rest counted" \
	has "$out" '^# 7 more not shown \(--all or --limit N\)$'
n=$(dump --json flow_tables | jq '.count == 12 and .shown == 12 and (.tables | length) == 1 and .tables[0].in_use == 12 and .tables[0].flows == 1024')
check "dump flow_tables --json: count, shown, the table's size and use" [ "$n" = true ]
# an IPv4 VIP's flows are 16-byte entries in flow_tables4 (dump flow_tables shows them too)
out=$(dump flow_tables4)
check "dump flow_tables4: the IPv4 VIP's 12 flows, decoded" has2 "$out" \
	'^# map=flow_tables4 max_entries=1024 count=12 shown=12$' \
	'^ vip_id=5 vip=203\.0\.113\.54/udp/53 set=[0-9]+ way=[0-3] source=198\.51\.100\.1 sport=400(0[1-9]|1[0-2]) dport=53 protocol=udp state=used backend=(1|3) hash=[0-9]+$'
# backend 3's MAC is unknown: its share passes to the kernel, counted as such
out=$(dump stats_vips)
check "dump stats_vips: the VIP named, its 12 packets by reason name" has "$out" \
	'^ row=5 vip=203\.0\.113\.54/udp/53 packets=12 bytes=[0-9]+ reasons\.pass_no_neigh\.packets=[0-9]+ reasons\.pass_no_neigh\.bytes=[0-9]+ reasons\.redirect\.packets=[0-9]+ reasons\.redirect\.bytes=[0-9]+$'
check "dump stats_vips: the row of packets for no VIP" has "$out" '^ row=1024 vip=no-vip packets='
n=$(dump --json stats_vips --per-cpu | jq --argjson n "$(nproc --all)" '[.entries[] | select(.row == 5) | .reasons.redirect | (.per_cpu_packets | length) == $n and (.per_cpu_packets | add) == .packets] == [true]')
check "dump stats_vips --per-cpu: one value per CPU, summing to the total" [ "$n" = true ]
redirected=$(dump --json stats_vips | jq '.entries[] | select(.row == 5) | .reasons.redirect.packets')
out=$(dump stats_backends)
check "dump stats_backends: backend 1 forwarded the $redirected redirected" \
	has "$out" "^ id=1 packets=$redirected bytes=[0-9]+\$"
out=$(dump egress)
check "dump egress: w0 by name" has "$out" "^ ifindex=$W0_IFINDEX ifname=w0 redirect_to=$W0_IFINDEX\$"
out=$(dump vip_index)
check "dump vip_index: the seed, and the port VIP's slot (looked up in vips)" has2 "$out" \
	'hash_seed=24301' '^ slot=[0-9]+ shapes=port$'
check "dump vip_index: the address-only VIP is direct" has "$out" \
	' shapes=addr direct_id=0 vip=203\.0\.113\.53/any/0 address=203\.0\.113\.53 protocol=any flow_table=false$'
out=$(dump backend_owners)
check "dump backend_owners: xdpcast-dp writes none" has "$out" '^# map=backend_owners max_entries=4096 count=0 shown=0$'
for map in vips vip_index vip_tables flow_tables flow_tables4 backends backend_owners egress stats_vips stats_backends; do
	check "dump $map --json is JSON naming the map" \
		[ "$(dump --json "$map" | jq -r '.map + " " + (.count | type)')" = "$map number" ]
	# docs/maps.md: bpftool reads each pin, with BTF where the map has it
	check "bpftool map dump pinned \$PIN/$map works" \
		bash -c "bpftool map dump pinned '$PIN/$map' >/dev/null 2>&1"
done
check "bpftool prints the backends' fields by name (BTF)" \
	bash -c "bpftool -j map dump pinned '$PIN/backends' | jq -e '[.[].formatted | select(.key == 2) | .value.state == 2 and .value.vlan == 7] == [true]' >/dev/null"
check "bpftool prints a VIP key in network byte order (port 53 as 13568)" \
	bash -c "bpftool -j map dump pinned '$PIN/vips' | jq -e '[.[].formatted | select(.value.id == 5) | .key.port] == [13568]' >/dev/null"
# the inner maps (not pinned): by the ids xdpcast-dp dump prints, with BTF too
inner_table=$(dump --json vip_tables | jq '.entries[] | select(.vip_id == 5) | .map_id')
inner_flows=$(dump --json flow_tables | jq '.tables[0].map_id')
inner_index=$(dump --json vip_index | jq '.inner_map_id')
check "bpftool map dump id (a VIP's Maglev table): slot -> backend id" \
	bash -c "bpftool -j map dump id '$inner_table' | jq -e '[.[].formatted.value | select(. == 1 or . == 3)] | length == 251' >/dev/null"
check "bpftool map dump id (a flow table): sets of 4 flows by field name" \
	bash -c "bpftool -j map dump id '$inner_flows' | jq -e '[.[].formatted.value.way[] | select(.state == 2 and .dport == 13568)] | length == 12' >/dev/null"
check "bpftool map dump id (the VIP index): the seed in every slot" \
	bash -c "bpftool -j map dump id '$inner_index' | jq -e '[.[].formatted.value.hash_seed] | unique == [24301]' >/dev/null"
# the commands of docs/maps.md, as written there
n=$(bpftool -j map dump pinned "$PIN/stats_vips" | jq '.[] | select(.formatted.key == 5) | [.formatted.values[].value.reason[9].packets] | add')
check "maps.md: jq sums VIP 5's redirected packets over CPUs ($n, dump says $redirected)" \
	[ "$n" = "$redirected" ]
n=$(bpftool map dump pinned "$PIN/egress" | grep -v 'no entry' | grep -c '^key:')
check "maps.md: bpftool's egress without the empty indexes: w0 only ($n)" [ "$n" = 1 ]
W=$(bpftool -j map dump pinned "$PIN/vips" | jq '.[].formatted | select(.value.id == 5) | .key.addr[3]')
check "maps.md: the last address word back to 203.0.113.54 (word $W)" \
	[ "$(printf '%d.%d.%d.%d' $((W & 255)) $((W >> 8 & 255)) $((W >> 16 & 255)) $((W >> 24)))" = 203.0.113.54 ]
check "maps.md: the IPv4-mapped prefix word is 4294901760" \
	bash -c "bpftool -j map dump pinned '$PIN/vips' | jq -e '[.[].formatted.key.addr[0:3]] | unique == [[0, 0, 4294901760]]' >/dev/null"
expect 2 "unknown map 'bogus' (maps: vips, vip_index, vip_tables, flow_tables, flow_tables4, backends, backend_owners, egress, stats_vips, stats_backends)" -- --pin "$PIN" dump bogus
expect 2 "bad --limit '0'" -- --pin "$PIN" dump --limit 0 vips
expect 2 "expected one MAP" -- --pin "$PIN" dump
expect 1 "cannot open pinned map $TMP/plain/vips" -- --pin "$TMP/plain" dump vips
expect 0 "" -- --pin "$PIN" detach v0
expect 0 "" -- --pin "$PIN" unpin

echo "test_dp_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
