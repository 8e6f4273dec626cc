# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The two-site lab's BGP variant (SITES_BGP=1), sourced by scripts/sites.sh:
# the internet-anycast form of the design. Each site router announces the
# service address (203.0.113.53/32, 2001:db8::53/128) over eBGP to an
# upstream router of another AS while xdpcastd keeps its kernel route, and
# nothing else; the upstream spreads the flows of a client behind it over the
# sites that announce (ECMP, layer 4 hash). OSPF between the sites stays as
# in the base lab. docs/routing.md ("Announcing the service address over
# BGP") shows the configurations written here.
#
#   inet-client 198.51.100.138 --client-- upstream (AS 64496, lo 198.19.20.1)
#                                           |hq                 |branch
#                   198.19.21.0/24 uplink-- hq-router    branch-router --uplink 198.19.22.0/24
#                                     (AS 64500)      (AS 64500)
#
# Addresses (IPv6 in brackets):
#   upstream links 198.19.2N.0/24, site router .1, upstream .2 [2001:db8:19:2N::/64],
#                  N=1 hq-router, 2 branch-router
#   client behind the upstream 198.51.100.128/26, upstream .129, inet-client .138
#                  [2001:db8:100:3::/64, ::1 and ::10]
# Sessions: one per address family and site (IPv4 over IPv4, IPv6 over IPv6),
# keepalive 1 s, hold 3 s, connect retry 1 s, no advertisement interval: a
# lab's timers. The sites reach the upstream (and the client behind it) by a
# static default route and accept nothing over BGP; the upstream takes
# everything the sites send (a real one would filter by prefix), so that a
# leak shows in its table.
# Both daemons: FRR's bgpd next to the site routers' zebra and ospfd
# (SITES_ROUTING=frr), or protocol bgp in their BIRD (bird). The upstream runs
# the same daemon as the sites.

SITES_BGP=${SITES_BGP:-0}
SITES_BGP_AS=${SITES_BGP_AS:-64500}         # both sites (RFC 5398 documentation AS)
SITES_BGP_UPSTREAM_AS=${SITES_BGP_UPSTREAM_AS:-64496}
SITES_BGP_KEEPALIVE=${SITES_BGP_KEEPALIVE:-1} # seconds; hold time is 3 times this

# The upstream link number of a site router (198.19.2N.0/24).
_sites_bgp_link() {
	case $1 in
	hq-router) echo 1 ;;
	branch-router) echo 2 ;;
	*) return 1 ;;
	esac
}

# A site router's address on its upstream link, or the upstream's toward it
# ($2 = site or upstream), IPv4 or (given 6) IPv6.
sites_bgp_addr() {
	local n end=1
	n=$(_sites_bgp_link "$1") || return 1
	[ "$2" = site ] || end=2
	if [ "${3:-4}" = 6 ]; then
		echo "2001:db8:19:2$n::$end"
	else
		echo "198.19.2$n.$end"
	fi
}

# Which site router a peer address of the upstream is (hq-router, ...).
sites_bgp_peer_site() {
	case $1 in
	198.19.21.1 | 2001:db8:19:21::1) echo hq-router ;;
	198.19.22.1 | 2001:db8:19:22::1) echo branch-router ;;
	*) echo "?$1" ;;
	esac
}

# The address of the client behind the upstream, IPv4 or IPv6.
sites_bgp_client_addr() {
	[ "${1:-4}" = 6 ] && echo 2001:db8:100:3::10 || echo 198.51.100.138
}

# Namespaces upstream and inet-client, the links to both site routers, a
# static default route from each site router to the upstream. Before the
# routing daemons and xdpcastd (sites_up calls it): xdpcastd attaches to the
# upstream link (`uplink`) too.
sites_bgp_links() {
	local r cif
	_sites_ns_add upstream || return 1
	_sites_ns_add inet-client || return 1
	in_ns upstream ip addr add 198.19.20.1/32 dev lo
	# flows (source ports) spread over the sites, not one client to one site
	in_ns upstream sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	for r in hq-router branch-router; do
		cif=${r%-router}
		_sites_link_up "$r" uplink upstream "$cif" || return 1
		_sites_addr "$r" "$(sites_bgp_addr "$r" site)/24" uplink
		_sites_addr "$r" "$(sites_bgp_addr "$r" site 6)/64" uplink
		_sites_addr upstream "$(sites_bgp_addr "$r" upstream)/24" "$cif"
		_sites_addr upstream "$(sites_bgp_addr "$r" upstream 6)/64" "$cif"
		# native XDP on the router's side: complete checksums on the wire
		in_ns upstream ethtool -K "$cif" tx off >/dev/null
		in_ns "$r" ip route add default via "$(sites_bgp_addr "$r" upstream)"
		in_ns "$r" ip -6 route add default via "$(sites_bgp_addr "$r" upstream 6)"
	done
	_sites_link_up inet-client eth0 upstream client || return 1
	in_ns inet-client ethtool -K eth0 tx off >/dev/null
	_sites_addr upstream 198.51.100.129/26 client
	_sites_addr upstream 2001:db8:100:3::1/64 client
	_sites_addr inet-client "$(sites_bgp_client_addr 4)/26" eth0
	_sites_addr inet-client "$(sites_bgp_client_addr 6)/64" eth0
	in_ns inet-client ip route add default via 198.51.100.129
	in_ns inet-client ip -6 route add default via 2001:db8:100:3::1
	echo 1 >"$LAB_DIR/bgp"
}

# bgpd.conf of FRR for namespace $1 (a site router or the upstream).
_sites_bgp_frr_conf() {
	local ns=$1 dir="$LAB_DIR/frr-$1" r af a ka=$SITES_BGP_KEEPALIVE
	{
		echo "hostname $ns"
		echo "log file $dir/bgpd.log"
		if [ "$ns" = upstream ]; then
			# takes all the sites send, so that a leak shows; sends nothing
			echo "route-map SITES-IN permit 10"
			echo "route-map NOTHING deny 10"
			echo "router bgp $SITES_BGP_UPSTREAM_AS"
			echo " bgp router-id 198.19.20.1"
		else
			echo "ip prefix-list SERVICE4 seq 5 permit $SITES_VIP/32"
			echo "ipv6 prefix-list SERVICE6 seq 5 permit $SITES_VIP6/128"
			echo "route-map SERVICE4 permit 10"
			echo " match ip address prefix-list SERVICE4"
			echo "route-map SERVICE6 permit 10"
			echo " match ipv6 address prefix-list SERVICE6"
			echo "route-map NOTHING deny 10"
			echo "router bgp $SITES_BGP_AS"
			echo " bgp router-id $(_sites_ospf "$ns" rid)"
		fi
		echo " no bgp default ipv4-unicast"
		echo " bgp ebgp-requires-policy"
		echo " timers bgp $ka $((3 * ka))"
		for a in $(_sites_bgp_frr_peers "$ns"); do
			if [ "$ns" = upstream ]; then
				echo " neighbor $a remote-as $SITES_BGP_AS"
			else
				echo " neighbor $a remote-as $SITES_BGP_UPSTREAM_AS"
			fi
			echo " neighbor $a timers connect 1"
			echo " neighbor $a advertisement-interval 0"
		done
		for af in 4 6; do
			[ $af = 4 ] && echo " address-family ipv4 unicast" || echo " address-family ipv6 unicast"
			if [ "$ns" = upstream ]; then
				echo "  maximum-paths 2"
			else
				echo "  redistribute kernel route-map SERVICE$af"
			fi
			for a in $(_sites_bgp_frr_peers "$ns" "$af"); do
				echo "  neighbor $a activate"
				if [ "$ns" = upstream ]; then
					echo "  neighbor $a route-map SITES-IN in"
					echo "  neighbor $a route-map NOTHING out"
				else
					echo "  neighbor $a route-map NOTHING in"
					echo "  neighbor $a route-map SERVICE$af out"
				fi
			done
			echo " exit-address-family"
		done
	} >"$dir/bgpd.conf"
}

# The BGP peers of namespace $1 (IPv4, IPv6 or, without $2, both).
_sites_bgp_frr_peers() {
	local ns=$1 af r
	for af in ${2:-4 6}; do
		if [ "$ns" = upstream ]; then
			for r in hq-router branch-router; do sites_bgp_addr "$r" site "$af"; done
		else
			sites_bgp_addr "$ns" upstream "$af"
		fi
	done
}

# BIRD's BGP sessions for site router $1 (or the upstream), appended to its
# bird.conf (_sites_bird_conf calls it; the upstream's whole file is
# _sites_bgp_bird_upstream_conf): the routes its kernel protocol learned
# (krt_source = xdpcast's protocol, source RTS_INHERIT) at the service
# prefixes, nothing else, nothing imported.
sites_bgp_bird_conf() {
	local r=$1 af peer local_addr ka=$SITES_BGP_KEEPALIVE
	_sites_bgp_link "$r" >/dev/null || return 0
	cat <<-CONF
		filter service_out4 {
		  if source = RTS_INHERIT && net ~ [ $SITES_VIP/32 ] then accept;
		  reject;
		}
		filter service_out6 {
		  if source = RTS_INHERIT && net ~ [ $SITES_VIP6/128 ] then accept;
		  reject;
		}
	CONF
	for af in 4 6; do
		peer=$(sites_bgp_addr "$r" upstream $af)
		local_addr=$(sites_bgp_addr "$r" site $af)
		cat <<-CONF
			protocol bgp upstream$af {
			  local $local_addr as $SITES_BGP_AS;
			  neighbor $peer as $SITES_BGP_UPSTREAM_AS;
			  hold time $((3 * ka)); keepalive time $ka; connect retry time 1;
			  ipv$af { import none; export filter service_out$af; };
			}
		CONF
	done
}

# The upstream's bird.conf: a session per site and address family taking
# everything (a leak shows), exporting nothing; the learned routes into its
# kernel, merged into one multipath route per prefix.
_sites_bgp_bird_upstream_conf() {
	local dir="$LAB_DIR/bird-upstream" r af ka=$SITES_BGP_KEEPALIVE
	mkdir -p "$dir"
	{
		echo "log \"$dir/bird.log\" all;"
		echo "timeformat log iso long ms;"
		echo "router id 198.19.20.1;"
		echo "protocol device { scan time 10; }"
		for af in 4 6; do
			cat <<-CONF
				protocol kernel kernel$af {
				  scan time 10;
				  merge paths on;
				  ipv$af { import none; export where source = RTS_BGP; };
				}
			CONF
			for r in hq-router branch-router; do
				cat <<-CONF
					protocol bgp ${r%-router}$af {
					  local $(sites_bgp_addr "$r" upstream $af) as $SITES_BGP_UPSTREAM_AS;
					  neighbor $(sites_bgp_addr "$r" site $af) as $SITES_BGP_AS;
					  hold time $((3 * ka)); keepalive time $ka; connect retry time 1;
					  ipv$af { import all; export none; };
					}
				CONF
			done
		done
	} >"$dir/bird.conf"
}

# Starts FRR's daemon $2 (zebra, bgpd) in namespace $1, as lab_frr_run does.
_sites_bgp_frr_run() {
	local ns=$1 d=$2 dir="$LAB_DIR/frr-$1"
	mkdir -p "$dir/run"
	chown -R frr:frr "$dir"
	# shellcheck disable=SC2016 # $1 for sh
	ip netns exec "$(lab_ns "$ns")" sh -c \
		'[ ! -d /run/frr ] || mount --bind "$1" /run/frr; shift; exec "$@"' sh \
		"$dir/run" "$LAB_FRR_BIN/$d" -f "$dir/$d.conf" -i "$dir/$d.pid" \
		-z "$dir/zserv.api" --vty_socket "$dir" -P 0 >>"$dir/$d.out" 2>&1 &
	LAB_PIDS+=($!)
	_lab_frr_wait "$ns" "$d"
}

# The BGP daemons, after the site routers' routing daemons (sites_up calls
# it): the upstream's, and FRR's bgpd on the site routers (BIRD's sessions
# are in their bird.conf already).
sites_bgp_start() {
	local r rc=0
	if [ "$SITES_ROUTING" = bird ]; then
		_sites_bgp_bird_upstream_conf && lab_bird_run upstream || rc=1
	else
		mkdir -p "$LAB_DIR/frr-upstream"
		printf 'hostname upstream\nlog file %s/zebra.log\n' "$LAB_DIR/frr-upstream" \
			>"$LAB_DIR/frr-upstream/zebra.conf"
		_sites_bgp_frr_conf upstream
		_sites_bgp_frr_run upstream zebra && _sites_bgp_frr_run upstream bgpd || rc=1
		for r in hq-router branch-router; do
			[ $rc = 0 ] || break
			_sites_bgp_frr_conf "$r" && _sites_bgp_frr_run "$r" bgpd || rc=1
		done
	fi
	_sites_save_pids
	return $rc
}

# The service prefixes the upstream learned over BGP, one "PREFIX SITE" line
# per path (SITE: the site router it came from), sorted; IPv4 and IPv6.
sites_bgp_paths() {
	local af p peer
	if [ "$(cat "$LAB_DIR/routing" 2>/dev/null)" = bird ]; then
		for p in hq branch; do
			for af in 4 6; do
				lab_birdc upstream show route protocol "$p$af" 2>/dev/null |
					awk -v s="$p-router" '$1 ~ /^[0-9a-f:.]+\/[0-9]+$/ { print $1, s }'
			done
		done | sort
		return
	fi
	for af in ipv4 ipv6; do
		lab_vtysh upstream -d bgpd -c "show bgp $af unicast json" 2>/dev/null |
			jq -r '.routes // {} | to_entries[] | .key as $p | .value[] |
				"\($p) \(.peerId // "-")"'
	done | while read -r p peer; do
		echo "$p $(sites_bgp_peer_site "$peer")"
	done | sort
}

# Whether the sessions of the upstream to both site routers (IPv4, IPv6) are
# established.
sites_bgp_established() {
	local out n
	if [ "$(cat "$LAB_DIR/routing" 2>/dev/null)" = bird ]; then
		out=$(lab_birdc upstream show protocols 2>/dev/null)
		n=$(grep -cE '^(hq|branch)[46] +BGP .*Established' <<<"$out")
	else
		out=$(lab_vtysh upstream -d bgpd -c 'show bgp neighbors json' 2>/dev/null)
		n=$(jq '[.[] | select(.bgpState == "Established")] | length' <<<"$out" 2>/dev/null)
	fi
	[ "${n:-0}" -eq 4 ]
}

# Waits (20 s at most) until the upstream's paths (sites_bgp_paths) are
# exactly $1 (lines "PREFIX SITE", any order; "" for none).
sites_bgp_wait_paths() {
	local want _ got
	want=$(printf '%s\n' "$1" | sed '/^$/d' | sort)
	for _ in $(seq 1 400); do
		got=$(sites_bgp_paths)
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	echo "sites: the upstream's BGP paths are [$(echo "$got" | paste -sd,)]," \
		"not [$(echo "$want" | paste -sd,)] after 20 s" >&2
	return 1
}

# The paths the upstream has when site routers $@ announce the service.
sites_bgp_expect() {
	local r
	for r in "$@"; do
		echo "$SITES_VIP/32 $r"
		echo "$SITES_VIP6/128 $r"
	done
}

# The end of sites_up in the BGP variant: sessions up, both sites' paths at
# the upstream, the client behind it answered.
sites_bgp_wait() {
	local _
	for _ in $(seq 1 400); do
		sites_bgp_established && break
		sleep 0.05
	done
	sites_bgp_established || {
		echo "sites: the upstream's BGP sessions are not all established after 20 s" >&2
		return 1
	}
	sites_bgp_wait_paths "$(sites_bgp_expect hq-router branch-router)" || return 1
	for _ in $(seq 1 75); do
		[[ $(sites_bgp_query 0 4) == *-dns* && $(sites_bgp_query 0 6) == *-dns* ]] && return 0
		sleep 0.2
	done
	echo "sites: the client behind the upstream is not answered (IPv4 and IPv6)" >&2
	return 1
}

# Which server answers the client behind the upstream for source port $1,
# IPv4 or (given 6) IPv6: hq-dns1, ... or "-".
sites_bgp_query() {
	local port=${1:-0} af=${2:-4} vip=$SITES_VIP
	[ "$af" = 4 ] || vip=$SITES_VIP6
	_lab_identity "$(in_ns inet-client dig "-$af" @"$vip" \
		-b "$(sites_bgp_client_addr "$af")#$port" +short +tries=1 +time=1 \
		CH TXT id.server 2>/dev/null)"
}

# sites_status's lines for the BGP variant.
sites_bgp_status() {
	[ -e "$LAB_DIR/bgp" ] || return 0
	echo
	echo "== upstream: BGP paths to the service: $(sites_bgp_paths | paste -sd, | sed 's/,/, /g')"
	echo "inet-client is answered by: $(sites_bgp_query 0 4) (IPv4), $(sites_bgp_query 0 6) (IPv6)"
}

# sites_print_guide's lines for the BGP variant.
sites_bgp_print_guide() {
	local p=$LAB_PREFIX d=$LAB_DIR
	[ -e "$d/bgp" ] || return 0
	cat <<-GUIDE
		BGP variant: the site routers announce the service to the upstream (AS $SITES_BGP_UPSTREAM_AS):
		  ip netns exec $p-inet-client dig @$SITES_VIP +short CH TXT id.server
		  ip netns exec $p-upstream ip route show $SITES_VIP
	GUIDE
	if [ "$(cat "$d/routing" 2>/dev/null)" = bird ]; then
		cat <<-GUIDE
			  birdc -s $d/bird-upstream/bird.ctl show route for $SITES_VIP all
			  birdc -s $d/bird-hq-router/bird.ctl show protocols all upstream4
		GUIDE
	else
		cat <<-GUIDE
			  vtysh --vty_socket $d/frr-upstream -d bgpd -c 'show bgp ipv4 unicast $SITES_VIP/32'
			  vtysh --vty_socket $d/frr-hq-router -d bgpd -c 'show bgp ipv4 unicast neighbors 198.19.21.2 advertised-routes'
		GUIDE
	fi
}
