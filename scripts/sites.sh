# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The two-site lab of the design, sourced by scripts/lab-sites.sh (up/down for
# people), the demo, the site tests and benches. A head office (HQ) with two
# DNS servers and a branch with one, all three holding the service address
# (203.0.113.53, 2001:db8::53) on their lo and NSD listening there only; a
# router per site running xdpcastd (its local servers as backends) and a
# routing daemon; a core router between the sites; a client per site using
# the service address. OSPF area 0 (OSPFv2 and OSPFv3) on the routers' core
# links, FRR by default or BIRD 2 (SITES_ROUTING=bird).
#
#   hq-client 198.51.100.10 --lan-- hq-router --core--hq-- core
#                                     | srv 198.18.1.1       |
#                         hq-sw [br0: hq-dns1 198.18.1.11,   |
#                                     hq-dns2 198.18.1.12]   |
#   branch-client 198.51.100.74 --lan-- branch-router --core--branch--+
#                                     | srv 198.18.2.1
#                               branch-dns 198.18.2.11
#
# Addresses (IPv6 in brackets; each LAN a /26 or /24, each link a /24 and a /64):
#   HQ clients     198.51.100.0/26   router .1,  hq-client .10  [2001:db8:100:1::/64]
#   branch clients 198.51.100.64/26  router .65, branch-client .74 [2001:db8:100:2::/64]
#   HQ servers     198.18.1.0/24     hq-router .1, hq-dns1 .11, hq-dns2 .12 [2001:db8:18:1::/64]
#   branch servers 198.18.2.0/24     branch-router .1, branch-dns .11 [2001:db8:18:2::/64]
#   core links     198.19.N.0/24     site router .1, core .2 [2001:db8:19:N::/64]:
#                  N=1 hq-router, 2 branch-router, 3 hq-router2 (sites_router_add)
#   core clients   198.51.100.192/26 core .193, ext-client .202 [2001:db8:100:4::/64]
#                  (the two-HQ variant, scripts/sites_hq2.sh; the core's `ext`)
#   router ids     198.19.N.1, the core 198.19.0.1 (its lo)
# The HQ servers sit on a bridge (namespace hq-sw), the server LAN a second
# HQ router can join (sites_router_add hq-router2 ...). Every router announces
# its LANs into OSPF (passive) and redistributes its kernel route to the
# service address, which xdpcastd keeps while the site has a healthy server;
# a site without one passes the service's packets to the kernel (XDP_PASS),
# whose OSPF route leads to the other site.
#
# State: everything lives in $LAB_DIR (default /run/xdpcast-sites/$LAB_PREFIX):
# the daemons' files, a private bpffs per router, `pids` (PID and start time
# of each process the lab started) and `namespaces`. sites_down, or
# `scripts/lab-sites.sh down` from another shell after an interrupted run,
# stops exactly those processes and deletes the prefix's namespaces.

# shellcheck source=scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
# shellcheck source=scripts/lab_routing.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab_routing.sh"
# shellcheck source=scripts/sites_bgp.sh
source "$(dirname "${BASH_SOURCE[0]}")/sites_bgp.sh"

SITES_VIP=203.0.113.53
SITES_VIP6=2001:db8::53
LAB_VIP=$SITES_VIP # what lab_nsd_start puts NSD on
LAB_VIP6=$SITES_VIP6
LAB_PREFIX=${LAB_PREFIX:-xs$$}
SITES_STATE=${SITES_STATE:-/run/xdpcast-sites}
SITES_ROUTING=${SITES_ROUTING:-frr} # frr or bird
SITES_SEED=${SITES_SEED:-0x5eed}
# 1: the site routers announce their server LAN as an external route
# (redistribute connected / protocol direct) instead of as an OSPF stub
# network; the two-HQ variant sets it (scripts/sites_hq2.sh, which says why)
SITES_SRV_REDISTRIBUTE=${SITES_SRV_REDISTRIBUTE:-0}
# the servers' checks: DNS SOA of anycast.test through the service address
SITES_CHECK_INTERVAL=${SITES_CHECK_INTERVAL:-100ms}
SITES_CHECK_TIMEOUT=${SITES_CHECK_TIMEOUT:-80ms}
SITES_CHECK_RISE=${SITES_CHECK_RISE:-2}
SITES_CHECK_FALL=${SITES_CHECK_FALL:-3}
XDPCASTCTL=${XDPCASTCTL:-${BUILD:-build}/xdpcastctl}
SITES_ROUTERS=()  # the site routers started (sites_router_add)
SITES_NS=()       # every namespace of the lab, in creation order

# The client's address of site $1 (hq or branch), IPv4 or (given 6) IPv6.
sites_client_addr() {
	case $1/${2:-4} in
	hq/4) echo 198.51.100.10 ;;
	branch/4) echo 198.51.100.74 ;;
	ext/4) echo 198.51.100.202 ;;
	hq/6) echo 2001:db8:100:1::10 ;;
	branch/6) echo 2001:db8:100:2::10 ;;
	ext/6) echo 2001:db8:100:4::10 ;;
	*) return 1 ;;
	esac
}

# A server's own (management) address, IPv4 or IPv6: sites_server_addr hq-dns2 6
sites_server_addr() {
	local host
	case $1 in
	hq-dns1) host=1.11 ;;
	hq-dns2) host=1.12 ;;
	branch-dns) host=2.11 ;;
	*) return 1 ;;
	esac
	if [ "${2:-4}" = 6 ]; then
		echo "2001:db8:18:${host%.*}::${host#*.}"
	else
		echo "198.18.$host"
	fi
}

# The servers of a site router (its backends): hq-router* -> the HQ servers.
sites_router_servers() {
	case $1 in
	hq-router*) echo hq-dns1 hq-dns2 ;;
	branch-router) echo branch-dns ;;
	esac
}

# The core link number of a site router (198.19.N.0/24).
_sites_link() {
	case $1 in
	hq-router) echo 1 ;;
	branch-router) echo 2 ;;
	hq-router2) echo 3 ;;
	*) return 1 ;;
	esac
}

# The core's interface toward a site router.
_sites_core_if() {
	case $1 in
	hq-router) echo hq ;;
	branch-router) echo branch ;;
	hq-router2) echo hq2 ;;
	esac
}

_sites_track_ns() {
	SITES_NS+=("$1")
	echo "$1" >>"$LAB_DIR/namespaces"
}

# Records the lab's processes (PID and start time, so that a later `down`
# never signals a recycled PID) in $LAB_DIR/pids: this shell's LAB_PIDS and
# the file's still running entries (another shell, `lab-sites.sh nsd-start`,
# may have added some), less PID $1 if given (stopped on purpose). LAB_PIDS
# becomes that set.
_sites_save_pids() {
	local pid start drop=${1:-} seen=" " kept=() all=("${LAB_PIDS[@]}")
	if [ -f "$LAB_DIR/pids" ]; then
		while read -r pid start; do
			[[ $pid =~ ^[0-9]+$ ]] && [ "$(_sites_start_time "$pid")" = "$start" ] && all+=("$pid")
		done <"$LAB_DIR/pids"
	fi
	: >"$LAB_DIR/pids.new"
	for pid in "${all[@]}"; do
		[ "$pid" != "$drop" ] && [[ $seen != *" $pid "* ]] || continue
		start=$(_sites_start_time "$pid") || continue
		seen+="$pid "
		kept+=("$pid")
		echo "$pid $start" >>"$LAB_DIR/pids.new"
	done
	mv "$LAB_DIR/pids.new" "$LAB_DIR/pids"
	LAB_PIDS=("${kept[@]}")
}

# Field 22 of /proc/PID/stat: the process's start time, in clock ticks since boot.
_sites_start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) } # past "pid (comm) "; comm may hold spaces
	# shellcheck disable=SC2086 # split on purpose
	set -- $stat
	echo "${20}"
}

_sites_ns_add() {
	local ns=$1
	ip netns add "$(lab_ns "$ns")" || return 1
	_sites_track_ns "$ns"
	in_ns "$ns" ip link set lo up
	# before any veth exists: no address waits for DAD
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

# A veth between namespace $1 (interface $2) and namespace $3 (interface $4).
_sites_link_up() {
	in_ns "$1" ip link add "$2" type veth peer name "$4" netns "$(lab_ns "$3")" &&
		in_ns "$1" ip link set "$2" up && in_ns "$3" ip link set "$4" up
}

# Address $2 (IPv4 or IPv6, with its length) on interface $3 of namespace $1.
_sites_addr() {
	if [[ $2 == *:* ]]; then
		in_ns "$1" ip -6 addr add "$2" dev "$3" nodad
	else
		in_ns "$1" ip addr add "$2" dev "$3"
	fi
}

# Makes $LAB_DIR ($SITES_STATE/$LAB_PREFIX) unless the caller set one.
_sites_dir() {
	if [ -n "$LAB_DIR" ]; then
		mkdir -p "$LAB_DIR" || return 1
	else
		if [ -e "$SITES_STATE/$LAB_PREFIX" ]; then
			echo "sites: $SITES_STATE/$LAB_PREFIX exists: a lab with prefix" \
				"$LAB_PREFIX is up; take it down first (scripts/lab-sites.sh down $LAB_PREFIX)" >&2
			return 1
		fi
		mkdir -p "$SITES_STATE" && chmod 711 "$SITES_STATE" || return 1
		LAB_DIR=$SITES_STATE/$LAB_PREFIX
		mkdir -m 700 "$LAB_DIR" || {
			LAB_DIR=""
			return 1
		}
	fi
	# the FRR daemons drop to user frr: they must reach their directories
	chmod 711 "$LAB_DIR"
	echo "$LAB_PREFIX" >"$LAB_DIR/prefix"
	: >>"$LAB_DIR/namespaces"
	: >>"$LAB_DIR/pids"
}

# The whole lab: namespaces, links, addresses, NSD on the servers, the
# routing daemons, xdpcastd on both site routers; returns once OSPF is Full
# everywhere, xdpcastd announces the service address at both sites, the core
# routes it and each client is answered by a server of its own site. On
# failure it says what failed; the caller's trap (sites_down) removes what was made.
sites_up() {
	local s r
	[ "$(id -u)" -eq 0 ] || {
		echo "sites: needs root (network namespaces, BPF)" >&2
		return 1
	}
	case $SITES_ROUTING in
	frr | bird) ;;
	*)
		echo "sites: SITES_ROUTING=$SITES_ROUTING: expected frr or bird" >&2
		return 1
		;;
	esac
	deps_require sites || return 1
	_sites_dir || return 1
	echo "$SITES_ROUTING" >"$LAB_DIR/routing"

	_sites_ns_add core || return 1
	in_ns core ip addr add 198.19.0.1/32 dev lo
	in_ns core sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# the HQ server LAN: a bridge without multicast snooping, so that
	# neighbour solicitations reach every port at once
	_sites_ns_add hq-sw || return 1
	in_ns hq-sw ip link add br0 type bridge mcast_snooping 0
	in_ns hq-sw ip link set br0 up
	for s in hq-dns1 hq-dns2 branch-dns hq-client branch-client; do
		_sites_ns_add "$s" || return 1
	done
	for r in hq-router branch-router; do
		sites_router_add "$r" || return 1
	done
	for s in hq-dns1 hq-dns2 branch-dns; do
		_sites_server_up "$s" || return 1
	done
	_sites_client_up hq 198.51.100.1 2001:db8:100:1::1 || return 1
	_sites_client_up branch 198.51.100.65 2001:db8:100:2::1 || return 1
	[ "$SITES_BGP" != 1 ] || sites_bgp_links || return 1

	sites_routing_start core || return 1
	for r in hq-router branch-router; do
		sites_routing_start "$r" || return 1
	done
	[ "$SITES_BGP" != 1 ] || sites_bgp_start || return 1
	for s in hq-dns1 hq-dns2 branch-dns; do
		sites_nsd_start "$s" || return 1
	done
	for r in hq-router branch-router; do
		sites_xdpcastd_start "$r" || return 1
	done
	_sites_save_pids
	for r in hq-router branch-router; do
		lab_ospf_wait_full "$r" 4 && lab_ospf_wait_full "$r" 6 || return 1
	done
	for r in hq-router branch-router; do
		sites_wait_route "$r" present || return 1
	done
	# BIRD's core may take its MinLSInterval (5 s) to route the address
	_sites_wait_core_route || return 1
	sites_wait_answer hq hq-dns || return 1
	sites_wait_answer branch branch-dns || return 1
	[ "$SITES_BGP" != 1 ] || sites_bgp_wait
}

# Site router $1 (hq-router, branch-router or hq-router2): its namespace,
# its core link, its client LAN (hq-router, branch-router), its server LAN.
sites_router_add() {
	local r=$1 n cif
	n=$(_sites_link "$r") || {
		echo "sites: no router $r (hq-router, branch-router, hq-router2)" >&2
		return 1
	}
	cif=$(_sites_core_if "$r")
	_sites_ns_add "$r" || return 1
	SITES_ROUTERS+=("$r")
	in_ns "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	_sites_link_up "$r" core core "$cif" || return 1
	_sites_addr "$r" "198.19.$n.1/24" core
	_sites_addr "$r" "2001:db8:19:$n::1/64" core
	_sites_addr core "198.19.$n.2/24" "$cif"
	_sites_addr core "2001:db8:19:$n::2/64" "$cif"
	# native XDP on the router's core side: a redirected frame's checksums
	# must be complete on the wire (FIELD-NOTES: veth checksum offload)
	in_ns core ethtool -K "$cif" tx off >/dev/null
	case $r in
	hq-router | branch-router)
		local site=${r%-router} gw=198.51.100.1 gw6=2001:db8:100:1::1 plen=26
		[ "$site" = hq ] || gw=198.51.100.65 gw6=2001:db8:100:2::1
		_sites_link_up "$site-client" eth0 "$r" lan || return 1
		in_ns "$site-client" ethtool -K eth0 tx off >/dev/null
		_sites_addr "$r" "$gw/$plen" lan
		_sites_addr "$r" "$gw6/64" lan
		;;
	esac
	case $r in
	hq-router*)
		_sites_link_up "$r" srv hq-sw "p-$r" || return 1
		in_ns hq-sw ip link set "p-$r" master br0
		# frames redirected into a veth need NAPI on the receiving peer
		in_ns hq-sw ethtool -K "p-$r" gro on >/dev/null
		local host=$((n == 1 ? 1 : n - 1))
		_sites_addr "$r" "198.18.1.$host/24" srv
		_sites_addr "$r" "2001:db8:18:1::$host/64" srv
		;;
	branch-router)
		_sites_link_up "$r" srv branch-dns eth0 || return 1
		_sites_addr "$r" 198.18.2.1/24 srv
		_sites_addr "$r" 2001:db8:18:2::1/64 srv
		;;
	esac
}

# Server $1's addresses: its own on eth0 (a port of the HQ bridge, or the
# branch router's link), the service address on lo, its default route via
# its site router.
_sites_server_up() {
	local s=$1 gw=198.18.1.1 gw6=2001:db8:18:1::1
	[[ $s == hq-* ]] || gw=198.18.2.1 gw6=2001:db8:18:2::1
	if [[ $s == hq-* ]]; then
		_sites_link_up "$s" eth0 hq-sw "p-$s" || return 1
		in_ns hq-sw ip link set "p-$s" master br0
	fi
	# frames redirected into a veth need NAPI on the receiving side
	in_ns "$s" ethtool -K eth0 gro on >/dev/null
	_sites_addr "$s" "$(sites_server_addr "$s")/24" eth0
	_sites_addr "$s" "$(sites_server_addr "$s" 6)/64" eth0
	in_ns "$s" ip route add default via "$gw"
	in_ns "$s" ip -6 route add default via "$gw6"
	in_ns "$s" ip addr add "$SITES_VIP/32" dev lo
	in_ns "$s" ip -6 addr add "$SITES_VIP6/128" dev lo nodad
}

_sites_client_up() {
	local site=$1 gw=$2 gw6=$3
	_sites_addr "$site-client" "$(sites_client_addr "$site")/26" eth0
	_sites_addr "$site-client" "$(sites_client_addr "$site" 6)/64" eth0
	in_ns "$site-client" ip route add default via "$gw"
	in_ns "$site-client" ip -6 route add default via "$gw6"
}

# NSD on server $1, on the service addresses only (the design: the server's
# own address is for management), answering id.server with its name.
sites_nsd_start() {
	local s=$1
	LAB_NSD_LISTEN=vip lab_nsd_start "$s" "$s" "$(sites_server_addr "$s")" \
		"$(sites_server_addr "$s" 6)" || return 1
	eval "SITES_NSD_PID_${s//-/_}=$LAB_NSD_PID"
	_sites_save_pids
	lab_wait_nsd "$s" "$SITES_VIP" && lab_wait_nsd "$s" "$SITES_VIP6"
}

# NSD's PID on server $1 (started by sites_nsd_start).
sites_nsd_pid() {
	local v="SITES_NSD_PID_${1//-/_}"
	echo "${!v:-}"
}

# Stops server $1's NSD (the service dies; the server stays up).
sites_nsd_stop() {
	local pid
	pid=$(sites_nsd_pid "$1")
	[ -n "$pid" ] || return 1
	kill "$pid" 2>/dev/null || true # it may have exited already
	wait "$pid" 2>/dev/null || true
	eval "SITES_NSD_PID_${1//-/_}="
	_sites_forget_pid "$pid"
}

# Drops PID $1 from the lab's processes (it was stopped on purpose): a later
# down must not signal whatever process reuses it.
_sites_forget_pid() {
	_sites_save_pids "$1"
}

# The OSPF view of namespace $1: "rid", the point-to-point interfaces
# ("ptp"), the passive ones ("passive") and the IPv4 networks ("nets").
_sites_ospf() {
	local r=$1 what=$2 n
	if [ "$r" = core ]; then
		case $what in
		rid) echo 198.19.0.1 ;;
		ptp) echo hq branch hq2 ;;
		passive) echo ext ;; # the two-HQ variant's client LAN (sites_hq2.sh)
		nets) echo 198.19.0.1/32 198.19.1.0/24 198.19.2.0/24 198.19.3.0/24 198.51.100.192/26 ;;
		esac
		return
	fi
	n=$(_sites_link "$r")
	case $what in
	rid) echo "198.19.$n.1" ;;
	ptp) echo core ;;
	passive)
		[ "$r" = hq-router2 ] || echo lan
		[ "$SITES_SRV_REDISTRIBUTE" = 1 ] || echo srv
		;;
	nets)
		echo "198.19.$n.0/24"
		case $r in
		hq-router) echo 198.51.100.0/26 ;;
		branch-router) echo 198.51.100.64/26 ;;
		esac
		[ "$SITES_SRV_REDISTRIBUTE" = 1 ] || _sites_srv_net "$r"
		;;
	esac
}

# Site router $1's server LAN, IPv4 (or IPv6 given 6).
_sites_srv_net() {
	case $1 in
	hq-router | hq-router2) [ "${2:-4}" = 4 ] && echo 198.18.1.0/24 || echo 2001:db8:18:1::/64 ;;
	branch-router) [ "${2:-4}" = 4 ] && echo 198.18.2.0/24 || echo 2001:db8:18:2::/64 ;;
	esac
}

# The type 2 external metric site router $1 announces the service address
# with, as FRR ($2 frr: " metric N") or BIRD (bird: " ospf_metric2 = N;")
# says it, from SITES_METRIC_<router> (hq_router, ...); when unset, the
# daemon's default (FRR 20, BIRD 10000), except the branch's with BIRD: 20000
# (see _sites_bird_conf). The two-HQ variant raises the branch's with FRR too
# (scripts/sites_hq2.sh).
_sites_metric() {
	local v="SITES_METRIC_${1//-/_}"
	if [ -z "${!v:-}" ]; then
		[ "$1" = branch-router ] && [ "$2" = bird ] && echo " ospf_metric2 = 20000;"
		return 0
	fi
	if [ "$2" = frr ]; then echo " metric ${!v}"; else echo " ospf_metric2 = ${!v};"; fi
}

# FRR's configuration for namespace $1: OSPF on its core links (1 s hellos, 3 s
# dead interval, SPF and LSA throttles off, as docs/routing.md advises), its
# LANs passive, and on a site router the kernel's route to the service
# address redistributed (the route xdpcastd keeps; a prefix list lets
# nothing else out), and with SITES_SRV_REDISTRIBUTE the server LAN too.
_sites_frr_conf() {
	local r=$1 dir="$LAB_DIR/frr-$1" rid ifc net site=1
	[ "$r" != core ] || site=0
	rid=$(_sites_ospf "$r" rid)
	mkdir -p "$dir"
	printf 'hostname %s\nlog file %s/zebra.log\n' "$r" "$dir" >"$dir/zebra.conf"
	{
		echo "hostname $r"
		echo "log file $dir/ospfd.log"
		if [ $site = 1 ]; then
			echo "ip prefix-list XDPCAST seq 5 permit $SITES_VIP/32"
			echo "route-map XDPCAST permit 10"
			echo " match ip address prefix-list XDPCAST"
			if [ "$SITES_SRV_REDISTRIBUTE" = 1 ]; then
				echo "ip prefix-list SRVLAN seq 5 permit $(_sites_srv_net "$r")"
				echo "route-map SRVLAN permit 10"
				echo " match ip address prefix-list SRVLAN"
			fi
		fi
		for ifc in $(_sites_ospf "$r" ptp); do
			printf 'interface %s\n ip ospf network point-to-point\n' "$ifc"
			printf ' ip ospf hello-interval 1\n ip ospf dead-interval 3\n'
		done
		echo "router ospf"
		echo " ospf router-id $rid"
		echo " timers throttle spf 0 0 0"
		echo " timers throttle lsa all 0"
		echo " timers lsa min-arrival 0"
		for ifc in $(_sites_ospf "$r" passive); do echo " passive-interface $ifc"; done
		for net in $(_sites_ospf "$r" nets); do echo " network $net area 0"; done
		[ $site = 0 ] || echo " redistribute kernel$(_sites_metric "$r" frr) route-map XDPCAST"
		[ $site = 0 ] || [ "$SITES_SRV_REDISTRIBUTE" != 1 ] ||
			echo " redistribute connected route-map SRVLAN"
	} >"$dir/ospfd.conf"
	{
		echo "hostname $r"
		echo "log file $dir/ospf6d.log"
		if [ $site = 1 ]; then
			echo "ipv6 prefix-list XDPCAST6 seq 5 permit $SITES_VIP6/128"
			echo "route-map XDPCAST6 permit 10"
			echo " match ipv6 address prefix-list XDPCAST6"
			if [ "$SITES_SRV_REDISTRIBUTE" = 1 ]; then
				echo "ipv6 prefix-list SRVLAN6 seq 5 permit $(_sites_srv_net "$r" 6)"
				echo "route-map SRVLAN6 permit 10"
				echo " match ipv6 address prefix-list SRVLAN6"
			fi
		fi
		for ifc in $(_sites_ospf "$r" ptp); do
			printf 'interface %s\n ipv6 ospf6 area 0\n ipv6 ospf6 network point-to-point\n' "$ifc"
			printf ' ipv6 ospf6 hello-interval 1\n ipv6 ospf6 dead-interval 3\n'
		done
		for ifc in $(_sites_ospf "$r" passive); do
			printf 'interface %s\n ipv6 ospf6 area 0\n ipv6 ospf6 passive\n' "$ifc"
		done
		echo "router ospf6"
		echo " ospf6 router-id $rid"
		echo " timers throttle spf 0 0 0"
		echo " timers lsa min-arrival 0"
		[ $site = 0 ] || echo " redistribute kernel$(_sites_metric "$r" frr) route-map XDPCAST6"
		[ $site = 0 ] || [ "$SITES_SRV_REDISTRIBUTE" != 1 ] ||
			echo " redistribute connected route-map SRVLAN6"
	} >"$dir/ospf6d.conf"
}

# BIRD's configuration for namespace $1, the same policy: learn the kernel
# routes of xdpcast's protocol ($LAB_ROUTE_PROTO) on a site router and export
# them into OSPF; the LANs as stub interfaces; OSPF routes into the kernel.
# The learned route is preferred (200) to the other site's OSPF route to the
# same address (150): while xdpcastd keeps it, BIRD announces it and keeps
# its own OSPF route out of the kernel; once xdpcastd deletes it, the OSPF
# route takes its place in the kernel. `merge external yes`: the same
# external route from two routers (the two-HQ variant) becomes one ECMP
# route, as FRR does; BIRD otherwise keeps one of them.
# The branch announces with a worse type 2 metric (20000, HQ's the default
# 10000), so that the core's route to the address always leads to HQ: BIRD
# computes routes only at its `tick` (1 s at least), and with both at 10000
# the core picked the branch, so a branch failover sent the branch clients
# back from the core to the branch until the core's next tick (up to 1 s
# after the withdrawal; FRR's core recomputes within milliseconds).
_sites_bird_conf() {
	local r=$1 dir="$LAB_DIR/bird-$1" af ospfv ptp="" stub="" i kernel ospf_export srv
	for i in $(_sites_ospf "$r" ptp); do ptp+="${ptp:+, }\"$i\""; done
	for i in $(_sites_ospf "$r" passive) $([ "$r" != core ] || echo lo); do
		stub+="${stub:+, }\"$i\""
	done
	mkdir -p "$dir"
	{
		echo "log \"$dir/bird.log\" all;"
		echo "timeformat log iso long ms;"
		echo "router id $(_sites_ospf "$r" rid);"
		echo "protocol device { scan time 10; }"
		for af in 4 6; do
			[ "$af" = 4 ] && ospfv=v2 || ospfv=v3
			if [ "$r" != core ]; then
				kernel="learn; ipv$af { preference 200; import where krt_source = $LAB_ROUTE_PROTO; export where source ~ [ RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2 ]; };"
				srv=""
				[ "$SITES_SRV_REDISTRIBUTE" != 1 ] ||
					srv=" if source = RTS_DEVICE && net = $(_sites_srv_net "$r" "$af") then accept;"
				ospf_export="export filter {$srv if source != RTS_INHERIT then reject;$(_sites_metric "$r" bird) accept; };"
			else
				kernel="ipv$af { import none; export where source ~ [ RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2 ]; };"
				ospf_export="export none;"
			fi
			cat <<-CONF
				protocol kernel kernel$af {
				  scan time 10;
				  merge paths on;
				  $kernel
				}
				protocol ospf $ospfv ospf$af {
				  tick 1;
				  ecmp on;
				  merge external yes;
				  ipv$af { import all; $ospf_export };
				  area 0 {
				    interface $ptp { type ptp; hello 1; dead 3; retransmit 2; };
				    ${stub:+interface $stub { stub; \};}
				  };
				}
			CONF
		done
		[ "$r" = core ] || [ "$SITES_SRV_REDISTRIBUTE" != 1 ] ||
			echo 'protocol direct srv { ipv4; ipv6; interface "srv"; }'
		[ "$SITES_BGP" != 1 ] || sites_bgp_bird_conf "$r"
	} >"$dir/bird.conf"
}

# Starts namespace $1's routing daemons ($SITES_ROUTING).
sites_routing_start() {
	if [ "$SITES_ROUTING" = bird ]; then
		_sites_bird_conf "$1" && lab_bird_run "$1"
	else
		_sites_frr_conf "$1" && lab_frr_run "$1"
	fi
	local rc=$?
	_sites_save_pids
	return $rc
}

# xdpcastd's files in site router $1: its directory (config, log, socket,
# stats, state) and its bpffs (pins and libxdp's dispatcher state; one per
# router, since ifindexes repeat across namespaces).
sites_xd_dir() { echo "$LAB_DIR/xdpcastd-$1"; }
sites_xd_sock() { echo "$LAB_DIR/xdpcastd-$1/xdpcastd.sock"; }
sites_xd_log() { echo "$LAB_DIR/xdpcastd-$1/xdpcastd.log"; }
sites_xd_prom() { echo "$LAB_DIR/xdpcastd-$1/xdpcast.prom"; }
sites_xd_bpffs() { echo "$LAB_DIR/bpffs-$1"; }

# xdpcastd's configuration for site router $1: XDP where clients' packets to
# the service address arrive (its client LAN and its core link: the other
# site's clients come that way when their site has no healthy server), its
# site's servers as backends, checked with DNS through the service address.
sites_xd_config() {
	local r=$1 s ifs=core af vip name mh=""
	[ "$r" = hq-router2 ] || ifs="lan, core"
	[ "$SITES_BGP" != 1 ] || [ "$r" = hq-router2 ] || ifs+=", uplink" # the upstream's link
	# a router that boots into running traffic holds its announcement until
	# all its servers are up (scripts/sites_hq2.sh)
	[ -z "${SITES_XD_MIN_HEALTHY:-}" ] || mh="    min_healthy: $SITES_XD_MIN_HEALTHY"
	cat <<-YAML
		# xdpcastd on $r (written by scripts/sites.sh)
		interfaces: [$ifs]
		state_dir: $(sites_xd_dir "$r")/state
		pin_dir: $(sites_xd_bpffs "$r")/xdpcast
		control_socket: $(sites_xd_sock "$r")
		seed: $SITES_SEED
		route: { protocol: $LAB_ROUTE_PROTO, metric: 10 }
		stats: { file: $(sites_xd_prom "$r"), period: 500ms }
		vips:
	YAML
	for af in 4 6; do
		[ $af = 4 ] && vip=$SITES_VIP name=dns || vip=$SITES_VIP6 name=dns6
		cat <<-YAML
			  - name: $name
			    address: $vip
			    protocol: udp
			    port: 53
			$mh
			    flow_table: { enabled: true, size: 65536 }
			    check: { type: dns, name: anycast.test, qtype: SOA, interval: $SITES_CHECK_INTERVAL, timeout: $SITES_CHECK_TIMEOUT, rise: $SITES_CHECK_RISE, fall: $SITES_CHECK_FALL }
			    backends:
		YAML
		for s in $(sites_router_servers "$r"); do
			echo "      - { name: $s, address: $(sites_server_addr "$s" "$af") }"
		done
	done
}

# Starts xdpcastd on site router $1 (extra arguments to xdpcastd follow).
sites_xdpcastd_start() {
	local r=$1 dir bpffs
	shift
	dir=$(sites_xd_dir "$r") bpffs=$(sites_xd_bpffs "$r")
	mkdir -p "$dir" "$bpffs"
	if ! mountpoint -q "$bpffs"; then
		mount -t bpf bpf "$bpffs" || return 1
	fi
	sites_xd_config "$r" >"$dir/xdpcast.yaml"
	if ! "$XDPCASTD" --check-config -c "$dir/xdpcast.yaml" >"$dir/check-config.out" 2>&1; then
		echo "sites: xdpcastd refuses $dir/xdpcast.yaml:" >&2
		cat "$dir/check-config.out" >&2
		return 1
	fi
	LIBXDP_BPFFS=$bpffs ip netns exec "$(lab_ns "$r")" \
		"$XDPCASTD" -c "$dir/xdpcast.yaml" "$@" >>"$dir/xdpcastd.log" 2>&1 &
	eval "SITES_XD_PID_${r//-/_}=$!"
	LAB_PIDS+=($!)
	_sites_save_pids
}

# xdpcastd's PID on site router $1.
sites_xdpcastd_pid() {
	local v="SITES_XD_PID_${1//-/_}"
	echo "${!v:-}"
}

# xdpcastctl against site router $1's xdpcastd: sites_ctl hq-router backends
sites_ctl() {
	local r=$1
	shift
	"$XDPCASTCTL" -s "$(sites_xd_sock "$r")" "$@"
}

# Whether site router $1's kernel holds xdpcast's route to the service
# address (IPv4, or IPv6 given 6).
sites_has_route() {
	local vip=$SITES_VIP/32 fam=-4
	[ "${2:-4}" = 4 ] || vip=$SITES_VIP6/128 fam=-6
	[ -n "$(in_ns "$1" ip "$fam" route show "$vip" proto "$LAB_ROUTE_PROTO" 2>/dev/null)" ]
}

# Waits (10 s at most) until site router $1's xdpcast routes (IPv4 and IPv6)
# are $2: present or absent.
sites_wait_route() {
	local r=$1 want=$2 _ af ok
	for _ in $(seq 1 200); do
		ok=1
		for af in 4 6; do
			if sites_has_route "$r" $af; then
				[ "$want" = present ] || ok=0
			else
				[ "$want" = absent ] || ok=0
			fi
		done
		[ $ok = 1 ] && return 0
		sleep 0.05
	done
	echo "sites: xdpcast's routes to the service address in $r are not $want after 10 s" >&2
	return 1
}

# Waits (20 s at most) until the core routes the service address, IPv4 and
# IPv6, by OSPF.
_sites_wait_core_route() {
	local _
	for _ in $(seq 1 400); do
		[ -n "$(in_ns core ip -4 route show "$SITES_VIP/32" 2>/dev/null)" ] &&
			[ -n "$(in_ns core ip -6 route show "$SITES_VIP6/128" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	echo "sites: the core has no route to the service address (IPv4 and IPv6) after 20 s" >&2
	return 1
}

# Which server answers site $1's client (hq or branch) for a query from
# source port $2 (default: the kernel's choice), IPv4 or (given 6) IPv6:
# hq-dns1, ... or "-".
sites_query() {
	local site=$1 port=${2:-0} af=${3:-4} vip=$SITES_VIP
	[ "$af" = 4 ] || vip=$SITES_VIP6
	_lab_identity "$(in_ns "$site-client" dig "-$af" @"$vip" \
		-b "$(sites_client_addr "$site" "$af")#$port" +short +tries=1 +time=1 \
		CH TXT id.server 2>/dev/null)"
}

# Waits (15 s at most) until site $1's client is answered, over IPv4 and
# IPv6, by a server whose name starts with $2 (hq-dns, branch-dns).
sites_wait_answer() {
	local site=$1 want=$2 _ a4 a6
	for _ in $(seq 1 75); do
		a4=$(sites_query "$site" 0 4)
		a6=$(sites_query "$site" 0 6)
		[[ $a4 == "$want"* && $a6 == "$want"* ]] && return 0
		sleep 0.2
	done
	echo "sites: $site-client is answered by $a4 (IPv4) and $a6 (IPv6), not $want*" >&2
	return 1
}

# Stops the process $1 if it still is the one that started at tick $2.
_sites_kill() {
	[ "$(_sites_start_time "$1")" = "$2" ] && kill "$1" 2>/dev/null
}

# The lab's namespaces (short names): those recorded in $LAB_DIR/namespaces
# and any left on the host with the lab's prefix.
_sites_namespaces_on_host() {
	{
		[ -z "$LAB_DIR" ] || [ ! -f "$LAB_DIR/namespaces" ] || cat "$LAB_DIR/namespaces"
		ip netns list 2>/dev/null | awk -v p="$LAB_PREFIX-" \
			'index($1, p) == 1 { print substr($1, length(p) + 1) }'
	} | sort -u | grep -E '^[A-Za-z0-9-]+$'
}

# Takes the lab down, whatever state it is in: stops the processes it
# started (this shell's, those recorded in $LAB_DIR/pids and any running in
# its namespaces), deletes its namespaces (recorded, and any left with the
# prefix), unmounts its bpffs and removes $LAB_DIR. Safe to run twice, from
# a trap, or from another shell (LAB_DIR and LAB_PREFIX set).
sites_down() {
	local pid start ns _ alive
	set +e
	declare -A starts=()
	for pid in "${LAB_PIDS[@]}"; do
		start=$(_sites_start_time "$pid") && starts[$pid]=$start
	done
	if [ -n "$LAB_DIR" ] && [ -f "$LAB_DIR/pids" ]; then
		while read -r pid start; do
			[[ $pid =~ ^[0-9]+$ && $start =~ ^[0-9]+$ ]] && starts[$pid]=$start
		done <"$LAB_DIR/pids"
	fi
	# and whatever runs inside the lab's namespaces: an `up` killed (-9)
	# between starting a daemon and recording it leaves one nothing names
	local namespaces
	namespaces=$(_sites_namespaces_on_host)
	for ns in $namespaces; do
		for pid in $(ip netns pids "$(lab_ns "$ns")" 2>/dev/null); do
			start=$(_sites_start_time "$pid") && starts[$pid]=$start
		done
	done
	# xdpcastd first: at its stop it withdraws its routes and detaches
	for pid in "${!starts[@]}"; do _sites_kill "$pid" "${starts[$pid]}"; done
	for _ in $(seq 1 100); do
		alive=0
		for pid in "${!starts[@]}"; do
			[ "$(_sites_start_time "$pid")" = "${starts[$pid]}" ] && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.05
	done
	for pid in "${!starts[@]}"; do
		[ "$(_sites_start_time "$pid")" = "${starts[$pid]}" ] && kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	LAB_PIDS=()
	for ns in $namespaces; do
		ip netns del "$(lab_ns "$ns")" 2>/dev/null
	done
	SITES_NS=()
	SITES_ROUTERS=()
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
		awk -v d="$LAB_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts |
			sort -r | while read -r m; do umount "$m"; done
		rm -rf "$LAB_DIR"
	fi
	LAB_DIR=""
	return 0
}

# The site routers of the lab in $LAB_DIR (those with an xdpcastd directory).
_sites_routers_on_disk() {
	local d
	for d in "$LAB_DIR"/xdpcastd-*; do
		[ -d "$d" ] && echo "${d##*/xdpcastd-}"
	done
}

# The lab's recorded processes that still run (same PID and start time) into
# LAB_PIDS: a shell other than the one that made the lab (scripts/lab-sites.sh
# nsd-stop, nsd-start) can then start and stop processes and keep
# $LAB_DIR/pids whole for `down`.
sites_load_pids() {
	local pid start
	LAB_PIDS=()
	while read -r pid start; do
		[[ $pid =~ ^[0-9]+$ ]] && [ "$(_sites_start_time "$pid")" = "$start" ] && LAB_PIDS+=("$pid")
	done <"$LAB_DIR/pids"
}

# Server $1's NSD PID from its pid file, if it is one of the lab's running
# processes (sites_load_pids), for a shell that did not start it.
sites_nsd_pid_recorded() {
	local pid
	pid=$(head -c 16 "$LAB_DIR/nsd-$1-vip/nsd.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ && " ${LAB_PIDS[*]} " == *" $pid "* ]] || return 1
	echo "$pid"
}

# Stops server $1's NSD from any shell and waits (5 s at most) until it has
# exited; the lab forgets it.
sites_nsd_stop_any() {
	local s=$1 pid _
	pid=$(sites_nsd_pid "$s")
	[ -n "$pid" ] || pid=$(sites_nsd_pid_recorded "$s") || {
		echo "sites: no NSD of the lab runs on $s" >&2
		return 1
	}
	kill "$pid" 2>/dev/null || true # it may have exited already
	for _ in $(seq 1 100); do
		[ -d "/proc/$pid" ] || break
		sleep 0.05
	done
	[ ! -d "/proc/$pid" ] || {
		echo "sites: NSD $pid on $s still runs 5 s after SIGTERM" >&2
		return 1
	}
	eval "SITES_NSD_PID_${s//-/_}="
	_sites_forget_pid "$pid"
}

# sites_status's line for server $1: its NSD, running or not.
_sites_nsd_state() {
	local pid
	pid=$(sites_nsd_pid_recorded "$1") && echo "NSD running (pid $pid)" && return
	echo "NSD stopped"
}

# What runs: the processes, each server's NSD, each site router's backends
# and route to the service address, the core's routes, who answers each
# client. Reads $LAB_DIR only: works from any shell.
sites_status() {
	local r s site alive=0 total=0 pid start
	while read -r pid start; do
		total=$((total + 1))
		[ "$(_sites_start_time "$pid")" = "$start" ] && alive=$((alive + 1))
	done <"$LAB_DIR/pids"
	sites_load_pids
	echo "lab $LAB_PREFIX ($(cat "$LAB_DIR/routing")), $LAB_DIR: $alive of $total processes running"
	for s in hq-dns1 hq-dns2 branch-dns; do
		echo "  $s ($(sites_server_addr "$s")): $(_sites_nsd_state "$s")"
	done
	for r in $(_sites_routers_on_disk); do
		echo
		echo "== $r: service routes: $(sites_has_route "$r" 4 && echo IPv4 || echo 'no IPv4') $(sites_has_route "$r" 6 && echo IPv6 || echo 'no IPv6')"
		in_ns "$r" ip route show "$SITES_VIP" 2>/dev/null | sed 's/^/  kernel: /'
		sites_ctl "$r" -t 2 backends || true
	done
	echo
	echo "== core: routes to $SITES_VIP"
	in_ns core ip route show "$SITES_VIP" 2>/dev/null | sed 's/^/  /'
	echo
	for site in hq branch; do
		echo "$site-client is answered by: $(sites_query "$site" 0 4) (IPv4), $(sites_query "$site" 0 6) (IPv6)"
	done
	sites_bgp_status
}

# How to look around the running lab (after `scripts/lab-sites.sh up`, or
# the demo's KEEP=1): commands to paste into another shell, with absolute
# paths (the tools, the lab's files).
sites_print_guide() {
	local p=$LAB_PREFIX d=$LAB_DIR rd ctl dp dnsload here down
	rd=$(cat "$d/routing" 2>/dev/null || echo "$SITES_ROUTING")
	ctl=$(realpath -m "$XDPCASTCTL") dp=$(realpath -m "$XDPCAST_DP")
	dnsload=$(realpath -m "$(dirname "$XDPCASTCTL")/dnsload")
	here=$(realpath -m "$(dirname "${BASH_SOURCE[0]}")")
	down="$here/lab-sites.sh down --prefix $p"
	# make lab-down takes down the lab of lab-sites.sh's default prefix
	[ "$p" != xsite ] || down="make lab-down (or: $down)"
	cat <<-GUIDE
		The two-site lab $p is up ($rd). Namespaces: $(ip netns list | awk -v p="$p-" 'index($1, p) == 1 { printf "%s ", $1 }')
		Files (configs, logs, stats, sockets, pids): $d
		Service address $SITES_VIP and $SITES_VIP6; docs/lab.md has the picture and the addresses.

		Who answers the service address (each client's own site while it has a healthy server):
		  ip netns exec $p-hq-client dig @$SITES_VIP +short CH TXT id.server
		  ip netns exec $p-branch-client dig -6 @$SITES_VIP6 +short CH TXT id.server
		Load: 200 flows at 1000 queries/s for 10 s, the server of each flow and what was lost:
		  ip netns exec $p-hq-client $dnsload -s $SITES_VIP -f 200 -r 1000 -d 10
		xdpcastd on each site router (hq-router, branch-router):
		  $ctl -s $(sites_xd_sock hq-router) status
		  $ctl -s $(sites_xd_sock hq-router) backends
		  $ctl -s $(sites_xd_sock hq-router) stats
		  $ctl -s $(sites_xd_sock hq-router) drain hq-dns1     (undrain hq-dns1)
		  less $(sites_xd_log branch-router)
		  cat $(sites_xd_prom hq-router)     (the stats file, rewritten every 500 ms)
		The dataplane's maps (pinned in each router's own bpffs):
		  $dp --pin $(sites_xd_bpffs hq-router)/xdpcast dump vips
		  $dp --pin $(sites_xd_bpffs hq-router)/xdpcast dump backends
		  bpftool map dump pinned $(sites_xd_bpffs hq-router)/xdpcast/backends
		  ip netns exec $p-hq-router ip -d link show lan     (the xdp line: the attached program)
		Routes to the service address (xdpcastd's: proto $LAB_ROUTE_PROTO; the other site's: OSPF):
		  ip netns exec $p-branch-router ip route show $SITES_VIP
		  ip netns exec $p-core ip route show $SITES_VIP
	GUIDE
	if [ "$rd" = bird ]; then
		cat <<-GUIDE
			BIRD (OSPF), logs in $d/bird-*/bird.log:
			  birdc -s $d/bird-core/bird.ctl show route for $SITES_VIP all
			  birdc -s $d/bird-branch-router/bird.ctl show ospf neighbors
		GUIDE
	else
		cat <<-GUIDE
			FRR (OSPF), logs in $d/frr-*/{zebra,ospfd,ospf6d}.log:
			  vtysh --vty_socket $d/frr-core -c 'show ip route $SITES_VIP'
			  vtysh --vty_socket $d/frr-branch-router -c 'show ip ospf neighbor'
		GUIDE
	fi
	sites_bgp_print_guide
	cat <<-GUIDE
		Stop a server's DNS (the branch's clients go to HQ), start it again:
		  $here/lab-sites.sh nsd-stop branch-dns --prefix $p
		  $here/lab-sites.sh nsd-start branch-dns --prefix $p
		Everything:   $here/lab-sites.sh status --prefix $p
		Take it down: $down
	GUIDE
}
