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
#
# lab_segment_up adds backends that share one L2 segment behind one router
# interface: a bridge in namespace sw, and s1..sN on it (198.18.100.0/24,
# 2001:db8:18:100::/64). lab_nsd_start, lab_http_start and lab_https_start
# run the backends' services: NSD, busybox httpd and openssl s_server.

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
		local hops=() hops6=()
		for i in $(seq 1 "$LAB_BACKENDS"); do
			hops+=(nexthop via "198.18.$i.2")
			hops6+=(nexthop via "$(lab_backend_addr6 "$i")" dev "r$i")
		done
		in_ns router ip route add "$LAB_VIP/32" "${hops[@]}"
		in_ns router ip -6 route add "$LAB_VIP6/128" "${hops6[@]}"
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
# LAB_NSD_PID. The environment chooses where it listens:
#   LAB_NSD_LISTEN=all (default) the VIPs and $3/$4; vip: the VIPs only, the
#     seed design (the service on the anycast address, the server managed on
#     its own); own: $3/$4 only. NSD instances with different LAB_NSD_LISTEN
#     may run side by side in one namespace (each has its own directory).
#   LAB_NSD_VIPS: the VIPs (default $LAB_VIP, and $LAB_VIP6 given $4).
LAB_NSD_PID=""
lab_nsd_start() {
	local ns=$1 identity=$2 addr=$3 addr6=${4:-} listen=${LAB_NSD_LISTEN:-all}
	local dir="$LAB_DIR/nsd-$1" vips=${LAB_NSD_VIPS:-} a addrs=()
	[ "$listen" = all ] || dir+="-$listen"
	[ -n "$vips" ] || vips="$LAB_VIP${addr6:+ $LAB_VIP6}"
	case $listen in
	all) read -ra addrs <<<"$vips $addr $addr6" ;;
	vip) read -ra addrs <<<"$vips" ;;
	own) read -ra addrs <<<"$addr $addr6" ;;
	*)
		echo "lab: LAB_NSD_LISTEN=$listen: expected all, vip or own" >&2
		return 1
		;;
	esac
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
		for a in "${addrs[@]}"; do echo "	ip-address: $a"; done
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
	ip netns exec "$(lab_ns "$ns")" nsd -d -c "$dir/nsd.conf" >>"$dir/nsd.out" 2>&1 &
	LAB_PIDS+=($!)
	LAB_NSD_PID=$!
}

# Waits until backend $1's NSD answers from the backend itself ($1 a number),
# or namespace $1's (a name: lab_wait_nsd far), on the VIP or address $2.
lab_wait_nsd() {
	local _ ns=$1 addr=${2:-$LAB_VIP}
	[[ $ns == [0-9]* ]] && ns=b$1
	for _ in $(seq 1 50); do
		in_ns "$ns" dig @"$addr" +short +tries=1 +time=1 CH TXT id.server >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "lab: NSD on $ns does not answer on $addr" >&2
	return 1
}

# The same over IPv6: backend $1's NSD answers on the IPv6 VIP.
lab_wait_nsd6() { lab_wait_nsd "$1" "$LAB_VIP6"; }

# A shared segment behind the router (after lab_up): the router's interface
# rs (198.18.100.1, 2001:db8:18:100::1) is a port of bridge br0 in namespace
# sw, and so is each of backends s1..s$1 (namespaces; s$i's eth0 at
# lab_segment_addr $i and lab_segment_addr6 $i), which hold the addresses
# $2... (default the VIPs) on their lo:
#
#   router rs --- sw [br0] --- s1 (198.18.100.2, 2001:db8:18:100::2)
#                         \--- s2 (198.18.100.3, 2001:db8:18:100::3) ...
lab_segment_addr() { echo "198.18.100.$(($1 + 1))"; }
lab_segment_addr6() { echo "2001:db8:18:100::$(($1 + 1))"; }
lab_segment_up() {
	local n=$1 i ns vip
	shift
	[ $# -gt 0 ] || set -- "$LAB_VIP" "$LAB_VIP6"
	for ns in sw $(seq -f 's%g' 1 "$n"); do
		ip netns add "$(lab_ns "$ns")"
		LAB_EXTRA_NS+=("$ns")
		in_ns "$ns" ip link set lo up
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	# no multicast snooping: neighbour solicitations reach every port at once
	in_ns sw ip link add br0 type bridge mcast_snooping 0
	in_ns sw ip link set br0 up
	in_ns router ip link add rs type veth peer name p0 netns "$(lab_ns sw)"
	# frames redirected into a veth need NAPI on the receiving peer
	in_ns sw ethtool -K p0 gro on >/dev/null
	in_ns sw ip link set p0 master br0 up
	in_ns router ip addr add 198.18.100.1/24 dev rs
	in_ns router ip -6 addr add 2001:db8:18:100::1/64 dev rs nodad
	in_ns router ip link set rs up
	for i in $(seq 1 "$n"); do
		in_ns "s$i" ip link add eth0 type veth peer name "p$i" netns "$(lab_ns sw)"
		in_ns sw ip link set "p$i" master br0 up
		in_ns "s$i" ip addr add "$(lab_segment_addr "$i")/24" dev eth0
		in_ns "s$i" ip -6 addr add "$(lab_segment_addr6 "$i")/64" dev eth0 nodad
		in_ns "s$i" ip link set eth0 up
		in_ns "s$i" ip route add default via 198.18.100.1
		in_ns "s$i" ip -6 route add default via 2001:db8:18:100::1
		for vip in "$@"; do
			if [[ $vip == *:* ]]; then
				in_ns "s$i" ip -6 addr add "$vip/128" dev lo nodad
			else
				in_ns "s$i" ip addr add "$vip/32" dev lo
			fi
		done
	done
}

# A self-signed certificate (P-256) for DNS name $1, made once in $LAB_DIR:
# prints the path of its directory (cert.pem, key.pem).
lab_cert() {
	local dir="$LAB_DIR/cert-$1"
	if [ ! -e "$dir/cert.pem" ]; then
		mkdir -p "$dir"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj "/CN=$1" \
			-addext "subjectAltName=DNS:$1" >/dev/null 2>&1 || return 1
	fi
	echo "$dir"
}

# ADDRESS:PORT, the IPv6 address in brackets.
_lab_hostport() { if [[ $1 == *:* ]]; then echo "[$1]:$2"; else echo "$1:$2"; fi; }

# busybox httpd in namespace $1 on address $2, port $3: GET / answers 200 "ok".
# Sets LAB_HTTP_PID.
LAB_HTTP_PID=""
lab_http_start() {
	local ns=$1 addr=$2 port=$3
	mkdir -p "$LAB_DIR/www"
	echo ok >"$LAB_DIR/www/index.html"
	ip netns exec "$(lab_ns "$ns")" busybox httpd -f -p "$(_lab_hostport "$addr" "$port")" \
		-h "$LAB_DIR/www" &
	LAB_PIDS+=($!)
	# shellcheck disable=SC2034 # read by the scripts that source the lab
	LAB_HTTP_PID=$!
}

# openssl s_server -www (GET / answers 200, a status page) in namespace $1 on
# address $2, port $3, with a self-signed certificate for name $4. A client
# whose TLS server name (SNI) is not $4 gets a fatal alert; the client's TLS
# extensions are logged in $LAB_DIR/https-$1-$2-$3.log (lab_https_log).
# Sets LAB_HTTPS_PID.
LAB_HTTPS_PID=""
lab_https_log() { echo "$LAB_DIR/https-$1-$2-$3.log"; }
lab_https_start() {
	local ns=$1 addr=$2 port=$3 name=$4 cert
	cert=$(lab_cert "$name") || return 1
	ip netns exec "$(lab_ns "$ns")" openssl s_server -www -tlsextdebug \
		-accept "$(_lab_hostport "$addr" "$port")" \
		-cert "$cert/cert.pem" -key "$cert/key.pem" \
		-servername "$name" -servername_fatal -cert2 "$cert/cert.pem" -key2 "$cert/key.pem" \
		</dev/null >"$(lab_https_log "$ns" "$addr" "$port")" 2>&1 &
	LAB_PIDS+=($!)
	# shellcheck disable=SC2034 # read by the scripts that source the lab
	LAB_HTTPS_PID=$!
}

# Waits until the HTTP server at $2 port $3 answers GET / from namespace $1.
lab_wait_http() {
	local _
	for _ in $(seq 1 50); do
		# not wget -T: it crashes busybox 1.35 (Debian 12)
		in_ns "$1" timeout 2 busybox wget -q -O /dev/null "http://$(_lab_hostport "$2" "$3")/" \
			2>/dev/null && return 0
		sleep 0.1
	done
	echo "lab: no HTTP server answers on $2 port $3 in $1" >&2
	return 1
}

# Waits until the TLS server at $2 port $3 completes a handshake from
# namespace $1 (without a server name: lab_https_log then shows only others').
lab_wait_https() {
	local _
	for _ in $(seq 1 50); do
		in_ns "$1" timeout 2 openssl s_client -brief -noservername \
			-connect "$(_lab_hostport "$2" "$3")" </dev/null >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "lab: no TLS server answers on $2 port $3 in $1" >&2
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

# Which backend answered the client's query from source port $1 ("b2"), or
# "-"; to the VIP, or to address $2.
lab_query_from_port() {
	_lab_identity "$(in_ns client dig @"${2:-$LAB_VIP}" -b "$LAB_CLIENT#$1" +short +tries=1 \
		+time=1 CH TXT id.server 2>/dev/null)"
}

# The same over IPv6: the client's query to the IPv6 VIP (or $2) from source port $1.
lab_query6_from_port() {
	_lab_identity "$(in_ns client dig -6 @"${2:-$LAB_VIP6}" -b "$LAB_CLIENT6#$1" +short +tries=1 \
		+time=1 CH TXT id.server 2>/dev/null)"
}

# The identity in dig +short's output $1, or "-" (none: dig +short prints
# its errors, ";; connection timed out; ...", on stdout too).
_lab_identity() {
	local answer=${1//\"/}
	[[ $answer =~ ^[A-Za-z0-9._-]+$ ]] || answer=-
	echo "$answer"
}

XDPCASTD=${XDPCASTD:-${BUILD:-build}/xdpcastd}
LAB_XDPCASTD_PID=""
# Starts xdpcastd in the router with config $1, appending its log to $2.
lab_xdpcastd_start() {
	local cfg=$1 log=$2
	shift 2
	LIBXDP_BPFFS="$LAB_DIR/bpffs" ip netns exec "$(lab_ns router)" \
		"$XDPCASTD" -c "$cfg" "$@" >>"$log" 2>&1 &
	# shellcheck disable=SC2034 # read by the scripts that source the lab
	LAB_XDPCASTD_PID=$!
	LAB_PIDS+=($!)
}
