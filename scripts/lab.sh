# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The lab topology, sourced by the demo and the netns tests. Everything lives
# in network namespaces named with a per-run prefix; the root namespace's
# links, routes and addresses are never touched. lab_down (run it from a
# trap) stops what lab_* started, by PID, and deletes the namespaces.
#
#   client (198.51.100.10) --- r0 [router, XDP] r1 --- b1 (198.18.1.2, VIP on lo, NSD)
#                                                r2 --- b2 (198.18.2.2, ...)
#                                                r3 --- b3 (198.18.3.2, ...)
#
# Dual stack: the same links carry IPv6 inside the namespaces (never the
# root one): client 2001:db8:100::10, r0 2001:db8:100::1, b$i 2001:db8:18:$i::2
# behind r$i 2001:db8:18:$i::1, the IPv6 VIP 2001:db8:53::53 on every
# backend's lo. DAD is off in the lab's namespaces (and every address is
# added nodad), so addresses are usable at once.

LAB_VIP=203.0.113.53
LAB_CLIENT=198.51.100.10
LAB_VIP6=2001:db8:53::53
LAB_CLIENT6=2001:db8:100::10
LAB_BACKENDS=${LAB_BACKENDS:-3}
# 1: lab_up adds static multipath routes for the VIPs in the router; 0: it
# leaves them to xdpcastd (or to a test), e.g. when a routing daemon
# redistributes the router's routes
LAB_STATIC_VIP_ROUTE=${LAB_STATIC_VIP_ROUTE:-1}
LAB_PREFIX=${LAB_PREFIX:-xc$$}
LAB_DIR=""
LAB_PIN=""
LAB_PIDS=()
LAB_EXTRA_NS=() # more namespaces (short names) for lab_down to delete
# shellcheck source=scripts/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

lab_ns() { echo "$LAB_PREFIX-$1"; }
lab_backend_addr6() { echo "2001:db8:18:$1::2"; }
in_ns() {
	local ns=$1
	shift
	ip netns exec "$(lab_ns "$ns")" "$@"
}

lab_up() {
	local i
	deps_require lab || return 1
	LAB_DIR=$(mktemp -d /tmp/xdpcast-lab.XXXXXX)
	for ns in client router $(seq -f 'b%g' 1 "$LAB_BACKENDS"); do
		ip netns add "$(lab_ns "$ns")"
		in_ns "$ns" ip link set lo up
		# before any veth exists: no link (nor its link-local address) waits for DAD
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	in_ns router sysctl -qw net.ipv4.ip_forward=1
	in_ns router sysctl -qw net.ipv6.conf.all.forwarding=1

	in_ns client ip link add c0 type veth peer name r0 netns "$(lab_ns router)"
	in_ns client ip addr add "$LAB_CLIENT/24" dev c0
	in_ns client ip link set c0 up
	in_ns client ip route add default via 198.51.100.1
	in_ns client ip -6 addr add "$LAB_CLIENT6/64" dev c0 nodad
	in_ns client ip -6 route add default via 2001:db8:100::1
	# native XDP on the router's side: checksums must be complete on the wire
	in_ns client ethtool -K c0 tx off >/dev/null
	in_ns router ip addr add 198.51.100.1/24 dev r0
	in_ns router ip -6 addr add 2001:db8:100::1/64 dev r0 nodad
	in_ns router ip link set r0 up

	for i in $(seq 1 "$LAB_BACKENDS"); do
		in_ns "b$i" ip link add eth0 type veth peer name "r$i" netns "$(lab_ns router)"
		in_ns "b$i" ip addr add "198.18.$i.2/24" dev eth0
		in_ns "b$i" ip link set eth0 up
		in_ns "b$i" ip route add default via "198.18.$i.1"
		in_ns "b$i" ip addr add "$LAB_VIP/32" dev lo
		in_ns "b$i" ip -6 addr add "$(lab_backend_addr6 "$i")/64" dev eth0 nodad
		in_ns "b$i" ip -6 route add default via "2001:db8:18:$i::1"
		in_ns "b$i" ip -6 addr add "$LAB_VIP6/128" dev lo nodad
		# frames redirected into a veth need NAPI on the receiving peer
		in_ns "b$i" ethtool -K eth0 gro on >/dev/null
		in_ns router ip addr add "198.18.$i.1/24" dev "r$i"
		in_ns router ip -6 addr add "2001:db8:18:$i::1/64" dev "r$i" nodad
		in_ns router ip link set "r$i" up
	done
	# what the kernel does with the VIP's packets that XDP passes to it
	if [ "$LAB_STATIC_VIP_ROUTE" = 1 ]; then
		in_ns router ip route add "$LAB_VIP/32" \
			$(for i in $(seq 1 "$LAB_BACKENDS"); do echo "nexthop via 198.18.$i.2"; done)
		in_ns router ip -6 route add "$LAB_VIP6/128" \
			$(for i in $(seq 1 "$LAB_BACKENDS"); do
				echo "nexthop via $(lab_backend_addr6 "$i") dev r$i"
			done)
	fi

	# a private bpffs for the pins: never the host's /sys/fs/bpf
	mkdir -p "$LAB_DIR/bpffs"
	mount -t bpf bpf "$LAB_DIR/bpffs"
	LAB_PIN="$LAB_DIR/bpffs/xdpcast"
}

lab_down() {
	local pid ns
	set +e # a trap handler: every step runs, whatever failed before
	for pid in "${LAB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	for ns in client router $(seq -f 'b%g' 1 "$LAB_BACKENDS") "${LAB_EXTRA_NS[@]}"; do
		ip netns del "$(lab_ns "$ns")" 2>/dev/null
	done
	LAB_EXTRA_NS=()
	if [ -n "$LAB_DIR" ]; then
		umount "$LAB_DIR/bpffs" 2>/dev/null
		rm -rf "$LAB_DIR"
	fi
	LAB_DIR=""
}

lab_backend_mac() { in_ns "b$1" cat /sys/class/net/eth0/address; }

# NSD on backend $1, answering for the VIP with identity b$1.
lab_start_nsd() {
	lab_nsd_start "b$1" "b$1" "198.18.$1.2" "$(lab_backend_addr6 "$1")"
	eval "LAB_NSD_PID_$1=$LAB_NSD_PID"
}

# NSD in namespace $1 (short name) answering as identity $2 on the VIP and
# address $3, and, given an IPv6 address $4, on the IPv6 VIP and $4 (the VIPs
# must be on the namespace's lo): lab_nsd_start far far 198.19.1.2. Sets
# LAB_NSD_PID.
LAB_NSD_PID=""
lab_nsd_start() {
	local ns=$1 identity=$2 addr=$3 addr6=${4:-} dir="$LAB_DIR/nsd-$1"
	mkdir -p "$dir"
	# the zone a DNS health check asks for (id.server is class CH: not checkable)
	cat >"$dir/anycast.test.zone" <<ZONE
\$ORIGIN anycast.test.
\$TTL 60
@ IN SOA ns.anycast.test. hostmaster.anycast.test. 1 60 60 60 60
@ IN NS ns
ns IN A $LAB_VIP
www IN A $LAB_VIP
ZONE
	{
		echo "server:"
		echo "	ip-address: $LAB_VIP"
		echo "	ip-address: $addr"
		if [ -n "$addr6" ]; then
			echo "	ip-address: $LAB_VIP6"
			echo "	ip-address: $addr6"
		fi
		cat <<NSD
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	identity: "$identity"
	hide-identity: no
	rrl-ratelimit: 0
	server-count: 1
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: anycast.test
	zonefile: anycast.test.zone
NSD
	} >"$dir/nsd.conf"
	# a simple command: $! is NSD itself (ip netns exec execs it)
	ip netns exec "$(lab_ns "$ns")" nsd -d -c "$dir/nsd.conf" &
	LAB_PIDS+=($!)
	LAB_NSD_PID=$!
}

# Waits until backend $1's NSD answers from the backend itself ($1 a number),
# or namespace $1's (a name: lab_wait_nsd far).
lab_wait_nsd() {
	local tries ns=$1
	[[ $ns == [0-9]* ]] && ns=b$1
	for tries in $(seq 1 50); do
		in_ns "$ns" dig @"$LAB_VIP" +short +tries=1 +time=1 CH TXT id.server >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "lab: NSD on $ns did not start" >&2
	return 1
}

# The same over IPv6: backend $1's NSD answers on the IPv6 VIP.
lab_wait_nsd6() {
	local _
	for _ in $(seq 1 50); do
		in_ns "b$1" dig -6 @"$LAB_VIP6" +short +tries=1 +time=1 CH TXT id.server \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "lab: NSD on b$1 does not answer on $LAB_VIP6" >&2
	return 1
}

XDPCAST_DP=${XDPCAST_DP:-${BUILD:-build}/xdpcast-dp}
# libxdp keeps its dispatcher state in a bpffs too: the private one
lab_dp() { LIBXDP_BPFFS="$LAB_DIR/bpffs" in_ns router "$XDPCAST_DP" --pin "$LAB_PIN" "$@"; }

# Attaches xdpcast on r0 and steers the VIP (any port) to every backend.
lab_dataplane_up() {
	local i flow_table=${1:-0}
	lab_dp attach r0
	lab_dp seed 0x5eed
	for i in $(seq 1 "$LAB_BACKENDS"); do
		lab_dp egress add "r$i"
		lab_dp backend "$i" "r$i" "$(lab_backend_mac "$i")"
	done
	lab_dp vip add "$LAB_VIP" --id 0 --flow-table "$flow_table"
	lab_dp table "$LAB_VIP" $(seq 1 "$LAB_BACKENDS")
}

# Which backend answered the client's query from source port $1 ("b2"), or "-".
lab_query_from_port() {
	local answer
	answer=$(in_ns client dig @"$LAB_VIP" -b "$LAB_CLIENT#$1" +short +tries=1 +time=1 \
		CH TXT id.server 2>/dev/null | tr -d '"')
	echo "${answer:--}"
}

# The same over IPv6: the client's query to the IPv6 VIP from source port $1.
lab_query6_from_port() {
	local answer
	answer=$(in_ns client dig -6 @"$LAB_VIP6" -b "$LAB_CLIENT6#$1" +short +tries=1 +time=1 \
		CH TXT id.server 2>/dev/null | tr -d '"')
	echo "${answer:--}"
}

XDPCASTD=${XDPCASTD:-${BUILD:-build}/xdpcastd}
LAB_XDPCASTD_PID=""
# Starts xdpcastd in the router with config $1, appending its log to $2.
lab_xdpcastd_start() {
	local cfg=$1 log=$2
	shift 2
	LIBXDP_BPFFS="$LAB_DIR/bpffs" ip netns exec "$(lab_ns router)" \
		"$XDPCASTD" -c "$cfg" "$@" >>"$log" 2>&1 &
	LAB_XDPCASTD_PID=$!
	LAB_PIDS+=($!)
}
