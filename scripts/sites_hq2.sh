# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The two-HQ-router variant of the two-site lab, sourced after
# scripts/sites.sh (by tests/netns/test_sites_hq2.sh and `lab-sites.sh up
# --two-hq`). A second HQ router, hq-router2, joins the HQ server LAN
# (198.18.1.2) with its own core link (198.19.3.0/24) and runs xdpcastd with
# the same seed and backends as hq-router, announcing the service address
# into OSPF like it; the core spreads flows over both by ECMP, hashing on
# ports (fib_multipath_hash_policy 1). The variant's clients sit behind the
# core (ext-client, 198.51.100.202 on the core's `ext`, announced into OSPF),
# so that their flows reach HQ through that ECMP; the branch announces the
# service address with a higher metric, so the core sends them to HQ only
# while HQ announces it.
#
#   ext-client --ext-- core ==ECMP==> hq-router  --srv--+ hq-sw [br0]
#                        \==========> hq-router2 --srv--+   hq-dns1, hq-dns2
#                         \- - - - -> branch-router (metric 1000: backup)
#
# The servers' way back: a default route over both HQ routers, and
# fib_multipath_use_neigh=1 with short neighbour timers, so that a router
# that stops answering ARP/NDP (a dead box) is left out of it (IPv6 hosts do
# that by themselves, router reachability) once its neighbour entry FAILs.
#
# sites_hq2_kill R makes a dead box of HQ router R (no goodbye: processes
# killed, every frame in and out dropped, its links still up, as a router
# that lost power behind a switch: its neighbours notice by OSPF's dead
# interval and by ARP); sites_hq2_revive R reboots it (its memory gone: the
# kernel's routes and neighbours, the BPF pins) and starts its routing
# daemon, then xdpcastd. sites_down removes all of it with the rest.

SITES_HQ2_EXT_GW=198.51.100.193
SITES_HQ2_EXT_GW6=2001:db8:100:4::1
# the servers' neighbour timers toward their routers: how long a dead router
# keeps getting their replies (reachable 0.5-1.5 x base, then the first
# probe's delay, then ucast_solicit probes retrans_time apart)
SITES_HQ2_NEIGH_REACHABLE_MS=${SITES_HQ2_NEIGH_REACHABLE_MS:-500}
SITES_HQ2_NEIGH_DELAY_MS=${SITES_HQ2_NEIGH_DELAY_MS:-100}
SITES_HQ2_NEIGH_RETRANS_MS=${SITES_HQ2_NEIGH_RETRANS_MS:-100}
SITES_HQ2_NEIGH_PROBES=${SITES_HQ2_NEIGH_PROBES:-3}

# The branch's external metric in the variant: above HQ's (FRR's default 20,
# BIRD's 10000), so that the core's ECMP is over the HQ routers only.
_sites_hq2_branch_metric() {
	if [ "$SITES_ROUTING" = bird ]; then echo 20000; else echo 1000; fi
}

# The whole variant: the two-site lab (sites_up) with the branch's metric
# raised, then ext-client, hq-router2 and its daemons, the servers' way back
# over both HQ routers. Returns once the core routes the service address
# over both HQ routers (IPv4 and IPv6) and ext-client is answered by HQ.
sites_hq2_up() {
	# shellcheck disable=SC2034 # read by _sites_metric (scripts/sites.sh)
	SITES_METRIC_branch_router=$(_sites_hq2_branch_metric)
	# The server LAN as an external route, not an OSPF network: a router
	# announcing the service address with a next hop on an OSPF network
	# (a server) puts that next hop in the LSA as its forwarding address
	# (FRR and BIRD both), and the core then routes the address toward the
	# forwarding address, over whichever routers announce the server LAN:
	# through a router that does not announce the address itself (one
	# booting, its xdpcastd not started), and with OSPFv2 only.
	# shellcheck disable=SC2034 # read by the configurations (scripts/sites.sh)
	SITES_SRV_REDISTRIBUTE=1
	sites_up || return 1
	# the core hashes ports too: the flows of one client spread over both
	in_ns core sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1 || return 1
	_sites_ns_add ext-client || return 1
	_sites_link_up ext-client eth0 core ext || return 1
	in_ns ext-client ethtool -K eth0 tx off >/dev/null
	_sites_addr core "$SITES_HQ2_EXT_GW/26" ext
	_sites_addr core "$SITES_HQ2_EXT_GW6/64" ext
	_sites_addr ext-client "$(sites_client_addr ext)/26" eth0
	_sites_addr ext-client "$(sites_client_addr ext 6)/64" eth0
	in_ns ext-client ip route add default via "$SITES_HQ2_EXT_GW"
	in_ns ext-client ip -6 route add default via "$SITES_HQ2_EXT_GW6"

	sites_router_add hq-router2 || return 1
	_sites_hq2_servers_return || return 1
	sites_routing_start hq-router2 || return 1
	lab_ospf_wait_full hq-router2 4 && lab_ospf_wait_full hq-router2 6 || return 1
	sites_xdpcastd_start hq-router2 || return 1
	sites_wait_route hq-router2 present || return 1
	sites_hq2_wait_core "hq hq2" || return 1
	sites_wait_answer ext hq-dns || return 1
}

# The HQ servers' default routes over both HQ routers, with the neighbour
# checks that leave a dead one out.
_sites_hq2_servers_return() {
	local s t
	for s in hq-dns1 hq-dns2; do
		in_ns "$s" sysctl -qw net.ipv4.fib_multipath_use_neigh=1 \
			net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 \
			net.ipv4.neigh.eth0.base_reachable_time_ms="$SITES_HQ2_NEIGH_REACHABLE_MS" \
			net.ipv4.neigh.eth0.retrans_time_ms="$SITES_HQ2_NEIGH_RETRANS_MS" \
			net.ipv4.neigh.eth0.ucast_solicit="$SITES_HQ2_NEIGH_PROBES" \
			net.ipv6.neigh.eth0.base_reachable_time_ms="$SITES_HQ2_NEIGH_REACHABLE_MS" \
			net.ipv6.neigh.eth0.retrans_time_ms="$SITES_HQ2_NEIGH_RETRANS_MS" \
			net.ipv6.neigh.eth0.ucast_solicit="$SITES_HQ2_NEIGH_PROBES" || return 1
		# (delay_first_probe_time's sysctl is in whole seconds)
		for t in arp_cache ndisc_cache; do
			in_ns "$s" ip ntable change name "$t" dev eth0 \
				delay_probe "$SITES_HQ2_NEIGH_DELAY_MS" || return 1
		done
		# (entries made before take the new timers only at their next state)
		in_ns "$s" ip neigh flush dev eth0 &&
			in_ns "$s" ip -6 neigh flush dev eth0 || return 1
		in_ns "$s" ip route replace default nexthop via 198.18.1.1 dev eth0 \
			nexthop via 198.18.1.2 dev eth0 || return 1
		in_ns "$s" ip -6 route replace default nexthop via 2001:db8:18:1::1 dev eth0 \
			nexthop via 2001:db8:18:1::2 dev eth0 || return 1
	done
}

# The core's interfaces toward the service address (IPv4, or IPv6 given 6),
# sorted: "hq hq2" while both HQ routers announce it.
sites_hq2_core_devs() {
	local vip=$SITES_VIP fam=-4
	[ "${1:-4}" = 4 ] || vip=$SITES_VIP6 fam=-6
	in_ns core ip "$fam" route show "$vip" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }' | sort -u | xargs
}

# Waits (15 s at most) until the core routes the service address, IPv4 and
# IPv6, through exactly the interfaces $1 ("hq hq2", "hq2"...).
sites_hq2_wait_core() {
	local want=$1 _
	for _ in $(seq 1 300); do
		[ "$(sites_hq2_core_devs 4)" = "$want" ] && [ "$(sites_hq2_core_devs 6)" = "$want" ] &&
			return 0
		sleep 0.05
	done
	echo "sites: the core routes the service address through" \
		"'$(sites_hq2_core_devs 4)' (IPv4) and '$(sites_hq2_core_devs 6)' (IPv6), not '$want'" >&2
	return 1
}

# The lab's processes in namespace $1 (those it started and still runs).
_sites_hq2_ns_pids() {
	local p q
	for p in $(ip netns pids "$(lab_ns "$1")" 2>/dev/null); do
		for q in "${LAB_PIDS[@]}"; do [ "$p" = "$q" ] && echo "$p"; done
	done
}

# Namespace $1's interfaces but lo.
_sites_hq2_links() {
	in_ns "$1" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); if ($2 != "lo") print $2 }'
}

# HQ router $1 dies as a box does: every frame into or out of its
# interfaces dropped below the IP stack (tc; the dataplane forwards until its
# XDP program is detached, next), its processes killed (no withdrawal, no
# goodbye: nothing leaves the box anyway), its BPF pins lost with its memory.
# Its links stay up: the core and the servers find out by OSPF's dead
# interval and by ARP/NDP.
sites_hq2_kill() {
	local r=$1 pid ifc
	case $r in
	hq-router | hq-router2) ;;
	*)
		echo "sites: sites_hq2_kill $r: an HQ router (hq-router, hq-router2)" >&2
		return 1
		;;
	esac
	for ifc in $(_sites_hq2_links "$r"); do
		# a classic BPF program returning TC_ACT_SHOT (2): drop everything
		in_ns "$r" tc qdisc add dev "$ifc" clsact &&
			in_ns "$r" tc filter add dev "$ifc" ingress bpf da bytecode '1,6 0 0 2' &&
			in_ns "$r" tc filter add dev "$ifc" egress bpf da bytecode '1,6 0 0 2' || {
			echo "sites: cannot silence $r's $ifc" >&2
			return 1
		}
	done
	for ifc in $(_sites_hq2_links "$r"); do
		in_ns "$r" ip link set dev "$ifc" xdp off || return 1
	done
	for pid in $(_sites_hq2_ns_pids "$r"); do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		_sites_forget_pid "$pid"
	done
	! mountpoint -q "$(sites_xd_bpffs "$r")" || umount "$(sites_xd_bpffs "$r")"
}

# HQ router $1 boots again after sites_hq2_kill: the kernel's routes and
# neighbours of its last life gone, its frames flowing, then its routing
# daemon, and once that has its OSPF routes, xdpcastd (the other order would
# let the servers send replies to a router without routes back: its ARP for
# them puts it back into their default route). xdpcastd starts with
# min_healthy = all its servers, so that it announces the service address
# only once its table is the other router's (with the first server up alone,
# the core would send it flows that the other router gives the second
# server, and its flow table would keep them there), then a reload brings
# min_healthy back to 1. Returns once it announces the service address.
sites_hq2_revive() {
	local r=$1 ifc af p dst _
	for af in -4 -6; do
		# (one by one: a flush stops at the first route it cannot delete)
		for p in "$LAB_ROUTE_PROTO" ospf bird; do
			in_ns "$r" ip "$af" route show proto "$p" | awk '/^[^ \t]/ { print $1 }' |
				while read -r dst; do in_ns "$r" ip "$af" route del "$dst" proto "$p"; done
			[ -z "$(in_ns "$r" ip "$af" route show proto "$p")" ] || {
				echo "sites: $r: routes of protocol $p left from its last life" >&2
				return 1
			}
		done
		in_ns "$r" ip "$af" neigh flush all 2>/dev/null
	done
	# the core link first: the server LAN stays silent until the router has
	# its routes to the clients (a server that hears from it, ARP or NDP,
	# takes it back into its default route)
	for ifc in $(_sites_hq2_links "$r"); do
		[ "$ifc" = srv ] || in_ns "$r" tc qdisc del dev "$ifc" clsact || return 1
	done
	sites_routing_start "$r" || return 1
	lab_ospf_wait_full "$r" 4 && lab_ospf_wait_full "$r" 6 || return 1
	for _ in $(seq 1 400); do
		[ -n "$(in_ns "$r" ip route show match "$(sites_client_addr ext)")" ] &&
			[ -n "$(in_ns "$r" ip -6 route show match "$(sites_client_addr ext 6)")" ] && break
		sleep 0.05
	done
	[ -n "$(in_ns "$r" ip route show match "$(sites_client_addr ext)")" ] &&
		[ -n "$(in_ns "$r" ip -6 route show match "$(sites_client_addr ext 6)")" ] || {
		echo "sites: $r: no route to ext-client 20 s after OSPF came up" >&2
		return 1
	}
	in_ns "$r" tc qdisc del dev srv clsact || return 1
	local all
	all=$(sites_router_servers "$r" | wc -w)
	SITES_XD_MIN_HEALTHY=$all sites_xdpcastd_start "$r" || return 1
	sites_wait_route "$r" present ||
		echo "sites: $r: not all of its $all servers are up: announcing with those that are" >&2
	sites_xd_config "$r" >"$(sites_xd_dir "$r")/xdpcast.yaml" &&
		sites_ctl "$r" reload >/dev/null || {
		echo "sites: $r: xdpcastd refused the reload to min_healthy 1" >&2
		return 1
	}
	sites_wait_route "$r" present
}

# The state of HQ server $1's neighbour entry for HQ router $2's address on
# the server LAN (IPv4, or IPv6 given 6): REACHABLE, STALE, FAILED... or
# "none".
sites_hq2_server_neigh() {
	local host=1 addr
	[ "$2" = hq-router ] || host=2
	if [ "${3:-4}" = 4 ]; then addr=198.18.1.$host; else addr=2001:db8:18:1::$host; fi
	in_ns "$1" ip neigh show "$addr" dev eth0 | awk '{ print $NF; f = 1 } END { if (!f) print "none" }'
}

# The lines `lab-sites.sh up --two-hq` adds to the guide.
sites_hq2_print_guide() {
	cat <<-GUIDE

		Two HQ routers (hq-router, hq-router2), same seed; ext-client reaches HQ through the core's ECMP:
		  ip netns exec $LAB_PREFIX-ext-client dig @$SITES_VIP +short CH TXT id.server
		  ip netns exec $LAB_PREFIX-core ip route show $SITES_VIP
		  $XDPCASTCTL -s $(sites_xd_sock hq-router2) backends
		  LIBXDP_BPFFS=$(sites_xd_bpffs hq-router2) ip netns exec $LAB_PREFIX-hq-router2 $XDPCAST_DP --pin $(sites_xd_bpffs hq-router2)/xdpcast dump flow_tables
		  ip netns exec $LAB_PREFIX-hq-dns1 ip route show default; ip netns exec $LAB_PREFIX-hq-dns1 ip neigh
	GUIDE
}
