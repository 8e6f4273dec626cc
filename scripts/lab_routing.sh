# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Routing daemons in the lab, sourced after lab.sh: a "core" namespace behind
# the router, and FRR or BIRD 2 in the router and the core speaking OSPF over
# that link. The router redistributes exactly xdpcast's routes (its VIP
# prefixes, or every route of protocol $LAB_ROUTE_PROTO for BIRD); helpers
# time when the core gains or loses them.
#
#   router rc (198.19.0.1, 2001:db8:19::1) --- c0 core (198.19.0.2, 2001:db8:19::2)
#
# lab_far_up adds another anycast site behind the core: a "far" namespace
# with the VIPs on its lo, which FRR there announces with a higher external
# metric than the router's, so the core prefers the router while it
# announces and the far site when it does not:
#
#   core cf (198.19.1.1, 2001:db8:19:1::1) --- f0 far (198.19.1.2, 2001:db8:19:1::2)
#
# The daemons run in the namespaces only, with their files in $LAB_DIR, and
# lab_down stops them (LAB_PIDS) and deletes the core and far (LAB_EXTRA_NS).

LAB_ROUTE_PROTO=${LAB_ROUTE_PROTO:-252}
# what the router redistributes into OSPF (FRR: its prefix lists)
LAB_ROUTED_PREFIXES=${LAB_ROUTED_PREFIXES:-"$LAB_VIP/32"}
LAB_ROUTED_PREFIXES6=${LAB_ROUTED_PREFIXES6:-"$LAB_VIP6/128"}
LAB_FRR_BIN=${LAB_FRR_BIN:-/usr/lib/frr}
# what the far site redistributes (its connected VIPs), at which type 2 metric
LAB_FAR_PREFIXES=${LAB_FAR_PREFIXES:-"$LAB_VIP/32"}
LAB_FAR_PREFIXES6=${LAB_FAR_PREFIXES6:-"$LAB_VIP6/128"}
LAB_FAR_METRIC=${LAB_FAR_METRIC:-1000}

lab_core_up() {
	ip netns add "$(lab_ns core)"
	LAB_EXTRA_NS+=(core)
	in_ns core ip link set lo up
	in_ns core sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	in_ns core sysctl -qw net.ipv4.ip_forward=1
	in_ns core sysctl -qw net.ipv6.conf.all.forwarding=1
	in_ns router ip link add rc type veth peer name c0 netns "$(lab_ns core)"
	in_ns router ip addr add 198.19.0.1/24 dev rc
	in_ns router ip -6 addr add 2001:db8:19::1/64 dev rc nodad
	in_ns router ip link set rc up
	in_ns core ip addr add 198.19.0.2/24 dev c0
	in_ns core ip -6 addr add 2001:db8:19::2/64 dev c0 nodad
	in_ns core ip link set c0 up
}

# The far site (after lab_core_up): namespace far, veth cf (core) - f0 (far),
# the VIPs on far's lo, far's default route via the core and the core's
# routes to the client's network via the router (the far site's answers to
# the client). Its NSD: lab_nsd_start far far 198.19.1.2 2001:db8:19:1::2;
# its FRR: lab_frr_start far far (start the core's after lab_far_up: it then
# runs OSPF on cf too).
lab_far_up() {
	ip netns add "$(lab_ns far)"
	LAB_EXTRA_NS+=(far)
	in_ns far ip link set lo up
	in_ns far sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	in_ns core ip link add cf type veth peer name f0 netns "$(lab_ns far)"
	in_ns core ip addr add 198.19.1.1/24 dev cf
	in_ns core ip -6 addr add 2001:db8:19:1::1/64 dev cf nodad
	in_ns core ip link set cf up
	in_ns far ip addr add 198.19.1.2/24 dev f0
	in_ns far ip -6 addr add 2001:db8:19:1::2/64 dev f0 nodad
	in_ns far ip link set f0 up
	in_ns far ip addr add "$LAB_VIP/32" dev lo
	in_ns far ip -6 addr add "$LAB_VIP6/128" dev lo nodad
	in_ns far ip route add default via 198.19.1.1
	in_ns far ip -6 route add default via 2001:db8:19:1::1
	in_ns core ip route add 198.51.100.0/24 via 198.19.0.1
	in_ns core ip -6 route add 2001:db8:100::/64 via 2001:db8:19::1
}

_lab_has_far() { [[ " ${LAB_EXTRA_NS[*]} " == *" far "* ]]; }

# The router-id, the OSPF interfaces and the IPv4 networks of a routing role
# (the core's link to the far site once lab_far_up made it).
_lab_rid() {
	case $1 in
	router) echo 198.19.0.1 ;;
	far) echo 198.19.1.2 ;;
	*) echo 198.19.0.2 ;;
	esac
}
_lab_rif() {
	case $1 in
	router) echo rc ;;
	far) echo f0 ;;
	*)
		echo c0
		if _lab_has_far; then echo cf; fi
		;;
	esac
}
_lab_rnets() {
	case $1 in
	router) echo 198.19.0.0/24 ;;
	far) echo 198.19.1.0/24 ;;
	*)
		echo 198.19.0.0/24
		if _lab_has_far; then echo 198.19.1.0/24; fi
		;;
	esac
}

# FRR (zebra, ospfd, ospf6d) in namespace $1 as role $2: router (announces
# its kernel routes to $LAB_ROUTED_PREFIXES), core, or far (announces its
# connected $LAB_FAR_PREFIXES at metric $LAB_FAR_METRIC).
lab_frr_start() {
	local ns=$1 role=$2 dir="$LAB_DIR/frr-$1" p i
	local rid ifc net plist prefixes prefixes6 redist
	rid=$(_lab_rid "$role")
	case $role in
	router)
		plist=XDPCAST prefixes=$LAB_ROUTED_PREFIXES prefixes6=$LAB_ROUTED_PREFIXES6
		redist="kernel"
		;;
	far)
		plist=ANYCAST prefixes=$LAB_FAR_PREFIXES prefixes6=$LAB_FAR_PREFIXES6
		redist="connected metric $LAB_FAR_METRIC"
		;;
	*) plist="" ;;
	esac
	mkdir -p "$dir"
	# the daemons drop to user frr: it must reach $dir (mktemp made LAB_DIR 0700)
	chmod 711 "$LAB_DIR"
	cat >"$dir/zebra.conf" <<-EOF
		hostname $ns
		log file $dir/zebra.log
	EOF
	{
		echo "hostname $ns"
		echo "log file $dir/ospfd.log"
		if [ -n "$plist" ]; then
			i=5
			for p in $prefixes; do
				echo "ip prefix-list $plist seq $i permit $p"
				i=$((i + 5))
			done
			echo "route-map $plist permit 10"
			echo " match ip address prefix-list $plist"
		fi
		for ifc in $(_lab_rif "$role"); do
			cat <<-EOF
				interface $ifc
				 ip ospf network point-to-point
				 ip ospf hello-interval 1
				 ip ospf dead-interval 3
			EOF
		done
		cat <<-EOF
			router ospf
			 ospf router-id $rid
			 timers throttle spf 0 0 0
			 timers throttle lsa all 0
			 timers lsa min-arrival 0
		EOF
		for net in $(_lab_rnets "$role"); do
			echo " network $net area 0"
		done
		[ -z "$plist" ] || echo " redistribute $redist route-map $plist"
	} >"$dir/ospfd.conf"
	{
		echo "hostname $ns"
		echo "log file $dir/ospf6d.log"
		if [ -n "$plist" ]; then
			i=5
			for p in $prefixes6; do
				echo "ipv6 prefix-list ${plist}6 seq $i permit $p"
				i=$((i + 5))
			done
			echo "route-map ${plist}6 permit 10"
			echo " match ipv6 address prefix-list ${plist}6"
		fi
		for ifc in $(_lab_rif "$role"); do
			cat <<-EOF
				interface $ifc
				 ipv6 ospf6 area 0
				 ipv6 ospf6 network point-to-point
				 ipv6 ospf6 hello-interval 1
				 ipv6 ospf6 dead-interval 3
			EOF
		done
		cat <<-EOF
			router ospf6
			 ospf6 router-id $rid
			 timers throttle spf 0 0 0
			 timers lsa min-arrival 0
		EOF
		[ -z "$plist" ] || echo " redistribute $redist route-map ${plist}6"
	} >"$dir/ospf6d.conf"

	lab_frr_run "$ns"
}

# Starts FRR's zebra, ospfd and ospf6d in namespace $1 from the configurations
# in $LAB_DIR/frr-$1 (zebra.conf, ospfd.conf, ospf6d.conf), and waits until
# each answers on its vty.
lab_frr_run() {
	local ns=$1 dir="$LAB_DIR/frr-$1" d
	mkdir -p "$dir/run"
	chown -R frr:frr "$dir"
	for d in zebra ospfd ospf6d; do
		# ospfd and ospf6d keep state files in /run/frr, whatever the options:
		# $dir/run over it, in the mount namespace ip netns exec makes for the
		# daemon alone. $! is the daemon itself (sh execs it).
		# shellcheck disable=SC2016 # $1 for sh
		ip netns exec "$(lab_ns "$ns")" sh -c \
			'[ ! -d /run/frr ] || mount --bind "$1" /run/frr; shift; exec "$@"' sh \
			"$dir/run" "$LAB_FRR_BIN/$d" -f "$dir/$d.conf" -i "$dir/$d.pid" \
			-z "$dir/zserv.api" --vty_socket "$dir" -P 0 >>"$dir/$d.out" 2>&1 &
		LAB_PIDS+=($!)
		if [ "$d" = zebra ]; then
			_lab_frr_wait "$ns" zebra || return 1
		fi
	done
	_lab_frr_wait "$ns" ospfd && _lab_frr_wait "$ns" ospf6d
}

# vtysh in namespace $1's FRR: lab_vtysh router -c 'show ip ospf neighbor'
lab_vtysh() {
	local ns=$1
	shift
	vtysh --vty_socket "$LAB_DIR/frr-$ns" "$@"
}

# Waits (5 s at most) until FRR daemon $2 of namespace $1 answers on its vty.
_lab_frr_wait() {
	local _
	for _ in $(seq 1 100); do
		vtysh --vty_socket "$LAB_DIR/frr-$1" -d "$2" -c 'show version' \
			>/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "lab: FRR $2 in $1 does not answer" >&2
	return 1
}

# BIRD 2 in namespace $1 as role $2 (router or core; no far), IPv4 (OSPFv2)
# and IPv6 (OSPFv3).
lab_bird_start() {
	local ns=$1 role=$2 dir="$LAB_DIR/bird-$1" rid ifc="" i af ospfv kernel ospf_export
	if [ "$role" = far ]; then
		echo "lab: no BIRD configuration for the far site" >&2
		return 1
	fi
	rid=$(_lab_rid "$role")
	for i in $(_lab_rif "$role"); do
		ifc+="${ifc:+, }\"$i\""
	done
	mkdir -p "$dir"
	{
		echo "log \"$dir/bird.log\" all;"
		echo "timeformat log iso long ms;"
		echo "router id $rid;"
		echo "protocol device { scan time 10; }"
		for af in 4 6; do
			[ "$af" = 4 ] && ospfv=v2 || ospfv=v3
			if [ "$role" = router ]; then
				# learn: the routes other programs put in the kernel (netlink
				# tells at once); only xdpcast's
				kernel="learn; ipv$af { import where krt_source = $LAB_ROUTE_PROTO; export none; };"
				ospf_export="export where source = RTS_INHERIT;"
			else
				kernel="ipv$af { import none; export where source ~ [ RTS_OSPF_EXT1, RTS_OSPF_EXT2 ]; };"
				ospf_export="export none;"
			fi
			cat <<-EOF
				protocol kernel kernel$af {
				  scan time 10;
				  $kernel
				}
				protocol ospf $ospfv ospf$af {
				  tick 1;
				  ipv$af { import all; $ospf_export };
				  area 0 {
				    interface $ifc { type ptp; hello 1; dead 3; retransmit 2; };
				  };
				}
			EOF
		done
	} >"$dir/bird.conf"
	lab_bird_run "$ns"
}

# Starts BIRD in namespace $1 from $LAB_DIR/bird-$1/bird.conf and waits
# until it answers on its control socket.
lab_bird_run() {
	local ns=$1 dir="$LAB_DIR/bird-$1"
	ip netns exec "$(lab_ns "$ns")" bird -f -c "$dir/bird.conf" -s "$dir/bird.ctl" \
		-P "$dir/bird.pid" >>"$dir/bird.out" 2>&1 &
	LAB_PIDS+=($!)
	local _
	for _ in $(seq 1 100); do
		lab_birdc "$ns" show status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "lab: BIRD in $ns does not answer" >&2
	return 1
}

# birdc on namespace $1's BIRD: lab_birdc core show route
lab_birdc() {
	local ns=$1
	shift
	birdc -s "$LAB_DIR/bird-$ns/bird.ctl" "$@"
}

# Waits (20 s at most) until namespace $1's OSPF adjacency (IPv4, or IPv6 with
# $2 = 6) is Full, whichever daemon runs there.
lab_ospf_wait_full() {
	local ns=$1 af=${2:-4} _ out
	for _ in $(seq 1 400); do
		if [ -d "$LAB_DIR/frr-$ns" ]; then
			if [ "$af" = 4 ]; then
				out=$(lab_vtysh "$ns" -c 'show ip ospf neighbor' 2>/dev/null)
			else
				out=$(lab_vtysh "$ns" -c 'show ipv6 ospf6 neighbor' 2>/dev/null)
			fi
		else
			out=$(lab_birdc "$ns" show ospf neighbors "ospf$af" 2>/dev/null)
		fi
		[[ $out == *Full* ]] && return 0
		sleep 0.05
	done
	echo "lab: no Full OSPF (IPv$af) adjacency in $ns" >&2
	return 1
}

# What "ip route" prints for prefix $1 (host routes without their length).
_lab_route_key() {
	local p=$1
	case $p in
	*:*/128 | */32) p=${p%/*} ;;
	esac
	echo "$p"
}

_lab_family() { [[ $1 == *:* ]] && echo -6 || echo -4; }

_lab_now_us() { echo "${EPOCHREALTIME/./}"; }

# Microseconds of the day of an "ip -ts monitor" line ("[2026-01-02T10:11:12.345678] ...").
_lab_ts_us() {
	local t=${1#*T}
	t=${t%%]*}
	echo $(((10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000000 + 10#${t:9:6}))
}

# Watches namespace $1's routes: starts "ip -ts monitor route" there, and
# returns once it listens (a blackhole route added and deleted in $1 shows
# up). _LAB_MON_FD[$1] reads its lines; _lab_mon_stop $1 ends it.
declare -gA _LAB_MON_FD=() _LAB_MON_PID=()
_lab_mon_start() {
	local ns=$1 fifo="$LAB_DIR/route-monitor-$1" line fd
	rm -f "$fifo"
	mkfifo "$fifo"
	# stamps in UTC, as _lab_day_us counts
	TZ=UTC ip netns exec "$(lab_ns "$ns")" ip -ts monitor route >"$fifo" &
	_LAB_MON_PID[$ns]=$!
	LAB_PIDS+=($!) # for lab_down if interrupted; _lab_mon_stop takes it out
	exec {fd}<"$fifo"
	_LAB_MON_FD[$ns]=$fd
	in_ns "$ns" ip route add blackhole 198.19.255.255/32
	in_ns "$ns" ip route del blackhole 198.19.255.255/32
	while read -r -t 2 -u "$fd" line; do
		[[ $line == *"] Deleted blackhole 198.19.255.255"* ]] && return 0
	done
	echo "lab: ip monitor route in $ns does not answer" >&2
	_lab_mon_stop "$ns"
	return 1
}

_lab_mon_stop() {
	local fd=${_LAB_MON_FD[$1]} pid=${_LAB_MON_PID[$1]} p pids=()
	# "|| true": the demo runs with set -e, and a killed monitor exits non-zero
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${LAB_PIDS[@]}"; do
		[ "$p" = "$pid" ] || pids+=("$p")
	done
	LAB_PIDS=("${pids[@]}")
	exec {fd}<&-
	unset "_LAB_MON_PID[$1]" "_LAB_MON_FD[$1]"
	rm -f "$LAB_DIR/route-monitor-$1"
}

# Logs namespace $1's route events ("ip -ts monitor route", stamps in UTC)
# into file $2, for a test to read afterwards (_lab_ts_us); returns once the
# monitor listens (a blackhole route added and deleted in $1 is in the file).
# lab_route_log_stop [NS...] ends them (all without an argument).
declare -gA LAB_ROUTE_LOG_PID=()
lab_route_log_start() {
	local ns=$1 file=$2 _
	TZ=UTC ip netns exec "$(lab_ns "$ns")" ip -ts monitor route >"$file" &
	LAB_ROUTE_LOG_PID[$ns]=$!
	LAB_PIDS+=($!) # for the lab's down if interrupted; lab_route_log_stop takes it out
	for _ in $(seq 1 50); do
		in_ns "$ns" ip route add blackhole 198.19.255.254/32
		in_ns "$ns" ip route del blackhole 198.19.255.254/32
		grep -q 'Deleted blackhole 198.19.255.254' "$file" && return 0
		sleep 0.02
	done
	echo "lab: ip monitor route in $ns does not answer" >&2
	lab_route_log_stop "$ns"
	return 1
}

lab_route_log_stop() {
	local ns pid p kept
	[ $# -gt 0 ] || set -- "${!LAB_ROUTE_LOG_PID[@]}"
	for ns in "$@"; do
		pid=${LAB_ROUTE_LOG_PID[$ns]:-}
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		kept=()
		for p in "${LAB_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
		LAB_PIDS=("${kept[@]}")
		unset "LAB_ROUTE_LOG_PID[$ns]"
	done
}

# Reads namespace $1's monitor for $2 µs at most: sets _lab_line (without its
# timestamp) and _lab_line_us (the timestamp, µs of the day); fails on timeout.
_lab_mon_read() {
	local line
	[ "$2" -gt 0 ] || return 1
	read -r -t "$(printf '%d.%06d' $(($2 / 1000000)) $(($2 % 1000000)))" \
		-u "${_LAB_MON_FD[$1]}" line || return 1
	_lab_line=${line#*] }
	_lab_line_us=$(_lab_ts_us "$line")
}

# The time since the router's first event for route $1 (a key) in its monitor
# (read for 1 s at most), or since $2 (µs of the day) if there is none, in µs of
# the day: where the core's time counts from.
_lab_router_t0() {
	local key=$1 t0=$2 deadline
	deadline=$(($(_lab_now_us) + 1000000))
	while _lab_mon_read router $((deadline - $(_lab_now_us))); do
		case $_lab_line in
		"Deleted $key "* | "$key "*)
			t0=$_lab_line_us
			break
			;;
		esac
	done
	echo "$t0"
}

_lab_day_us() {
	local now
	now=$(_lab_now_us)
	echo $(((now / 1000000 % 86400) * 1000000 + now % 1000000))
}

# µs $2 - $1 of the day, as ms with a decimal (across midnight too)
_lab_ms() {
	local d=$(($2 - $1))
	[ "$d" -ge 0 ] || d=$((d + 86400000000))
	printf '%d.%d\n' $((d / 1000)) $((d % 1000 / 100))
}

# Whether the core has a route to prefix $1 (exactly that prefix).
lab_core_has_route() {
	[ -n "$(in_ns core ip "$(_lab_family "$1")" route show "$1" 2>/dev/null)" ]
}

# Waits until the core's route to prefix $2 is $1 (present or absent), for $3
# ms at most, then prints the milliseconds elapsed (or "timeout" and fails;
# 0.0 if it already is). With a command after the timeout
# (lab_wait_core_route absent 203.0.113.53/32 5000 in_ns router ip route del
# ...), run once the routes are watched, the time counts from the router's
# first kernel event for that prefix (in the second after the command; if
# there is none, from just before the command) to the core's, as "ip monitor
# route" stamps them: starting a process takes milliseconds, the stamps are
# to a few microseconds. The watches add and delete a blackhole route to
# 198.19.255.255/32 in the router and the core (_lab_mon_start).
lab_wait_core_route() {
	local want=$1 prefix=$2 timeout_ms=$3 key t0 t1 deadline state=absent
	shift 3
	key=$(_lab_route_key "$prefix")
	_lab_mon_start core || return 1
	# after the monitor starts: a change from now on is in its lines too
	lab_core_has_route "$prefix" && state=present
	if [ $# -gt 0 ]; then
		if ! _lab_mon_start router; then
			_lab_mon_stop core
			return 1
		fi
	fi
	t0=$(_lab_day_us)
	t1=""
	deadline=$(($(_lab_now_us) + timeout_ms * 1000))
	if [ $# -gt 0 ]; then
		"$@"
		t0=$(_lab_router_t0 "$key" "$t0")
		_lab_mon_stop router
	fi
	while [ "$state" != "$want" ]; do
		_lab_mon_read core $((deadline - $(_lab_now_us))) || break
		case $_lab_line in
		"Deleted $key "*) state=absent ;;
		"$key "*) state=present ;;
		*) continue ;;
		esac
		t1=$_lab_line_us
	done
	_lab_mon_stop core
	if [ "$state" != "$want" ]; then
		echo timeout
		return 1
	fi
	if [ -z "$t1" ]; then
		echo 0.0
	else
		_lab_ms "$t0" "$t1"
	fi
}

# Runs a command, then prints every event of the core's route to prefix $1
# during $2 ms, each after its time since the router's event for it (nothing
# when the core's route does not move): lab_core_route_events 203.0.113.53/32
# 3000 in_ns router ip route replace ...
lab_core_route_events() {
	local prefix=$1 ms=$2 key t0 deadline
	shift 2
	key=$(_lab_route_key "$prefix")
	_lab_mon_start core || return 1
	if ! _lab_mon_start router; then
		_lab_mon_stop core
		return 1
	fi
	t0=$(_lab_day_us)
	deadline=$(($(_lab_now_us) + ms * 1000))
	"$@"
	t0=$(_lab_router_t0 "$key" "$t0")
	_lab_mon_stop router
	while _lab_mon_read core $((deadline - $(_lab_now_us))); do
		case $_lab_line in
		"Deleted $key "* | "$key "*)
			echo "+$(_lab_ms "$t0" "$_lab_line_us") ms: $_lab_line"
			;;
		esac
	done
	_lab_mon_stop core
}
