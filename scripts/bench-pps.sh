#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: forwarding throughput of the router, Mpps of 64-byte UDP frames
# to the VIP, from a client namespace through a router namespace to three
# backends, with all of the router's work on one core (the same for every
# mode), in one run so that the ratios hold on a busy machine:
#   pps_kernel             no XDP: a multipath route over the backends
#                          (fib_multipath_hash_policy 1)
#   pps_xdpcast            xdpcast (xdpcast-dp) on the router's ingress veth
#   pps_xdpcast_flowtable  the same with a 64K-flow table on the VIP
#   pps_floor              bpf/bench/pps_floor.bpf.c: parse, hash, devmap redirect
#   pps_xdpcast_2cores     xdpcast with two RX queues, one NAPI thread per core;
#                          on a 2-core machine each core also runs a generator
#                          and the backends (docs/benchmarks.md)
# The generator (build/xdpcast-pps-gen, BPF_PROG_TEST_RUN with live frames)
# runs on GEN_CPU and sends out of the client's veth; the router's ingress
# veth has threaded NAPI, its threads pinned to ROUTER_CPU, so the router's
# XDP program (or the kernel's forwarding) runs there and nowhere else; the
# backends' veths have threaded NAPI pinned to GEN_CPU and drop with
# bpf/bench/pps_sink.bpf.c. Checked per mode: what the backends dropped
# equals what the router says it forwarded (xdpcast's redirect counter, the
# veths' counters for the kernel and the floor), else no figure and exit 1.
# Prints "bench pps_<mode> <Mpps> Mpps" and "bench pps_<mode>_router_cpu <%> %"
# (CPU time of the router's NAPI threads over the window: 100 = one core).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_require bench-pps ip ethtool taskset renice chrt nice awk mount umount mktemp || exit 1

ROUTER_CPU=${PPS_ROUTER_CPU:-0}
GEN_CPU=${PPS_GEN_CPU:-1}
WARM=${PPS_WARM_SECONDS:-1}
WINDOW=${PPS_SECONDS:-3}
MODES=${PPS_MODES:-kernel floor xdpcast xdpcast_flowtable xdpcast_2cores}
VIP=203.0.113.53
CLIENT=198.51.100.10
if [ "$(nproc)" -lt 2 ] || [ "$ROUTER_CPU" = "$GEN_CPU" ]; then
	echo "bench-pps: needs two CPUs, the router's and the generator's; no figure" >&2
	exit 1
fi

P=xpp$$
# interface names carry the PID: their NAPI threads (napi/<dev>-<id>) are
# found by name, and other labs on the machine have their own r0 and eth0
RI=ri$$ # the router's ingress; its peer, the client's veth:
CI=ci$$
dir=$(mktemp -d /tmp/xdpcast-bench-pps.XXXXXX)
gens=()
failed=0

cleanup() {
	set +e
	for pid in "${gens[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${gens[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in client router b1 b2 b3; do ip netns del "$P-$ns" 2>/dev/null; done
	umount "$dir/bpffs" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM # (the EXIT trap cleans up)

in_ns() {
	local ns=$1
	shift
	ip netns exec "$P-$ns" "$@"
}
r() { in_ns router "$@"; }

for ns in client router b1 b2 b3; do
	ip netns add "$P-$ns"
	in_ns "$ns" ip link set lo up
	# IPv4 only: no IPv6 chatter (MLD, router solicitations) in the counters
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
r sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
# two queues each way: one per core for pps_xdpcast_2cores; the generator's
# CPU picks the router's queue (the veth transmits to queue CPU % queues)
in_ns client ip link add "$CI" numtxqueues 2 numrxqueues 2 type veth \
	peer name "$RI" numtxqueues 2 numrxqueues 2 netns "$P-router"
in_ns client ip addr add "$CLIENT/24" dev "$CI"
in_ns client ip link set "$CI" up
r ip addr add 198.51.100.1/24 dev "$RI"
# NAPI for the kernel's mode too (frames from the generator need it); threaded:
# the receive path runs in kernel threads we pin, not in the sender's softirq
r ip link set "$RI" up
# (GRO set once the device is up: set before, the client's veth does not
# learn that its peer can take frames, and drops them all)
r ethtool -K "$RI" gro on >/dev/null
# (once it has NAPI; the setting stays when NAPI is recreated)
r sh -c "echo 1 > /sys/class/net/$RI/threaded"
hops=()
for i in 1 2 3; do
	b=b$i$$
	in_ns "b$i" ip link add "$b" type veth peer name "re$i$$" netns "$P-router"
	in_ns "b$i" ip addr add "198.18.$i.2/24" dev "$b"
	in_ns "b$i" ip link set "$b" up
	in_ns "b$i" "$build/xdpcast-pps-load" sink "$b"
	in_ns "b$i" sh -c "echo 1 > /sys/class/net/$b/threaded"
	r ip addr add "198.18.$i.1/24" dev "re$i$$"
	r ip link set "re$i$$" up
	mac[i]=$(in_ns "b$i" cat "/sys/class/net/$b/address")
	# no ARP during the run: the router knows its next hops
	r ip neigh replace "198.18.$i.2" lladdr "${mac[i]}" dev "re$i$$" nud permanent
	hops+=(nexthop via "198.18.$i.2")
done
r ip route add "$VIP/32" "${hops[@]}"
ri_mac=$(r cat "/sys/class/net/$RI/address")
mkdir -p "$dir/bpffs"
mount -t bpf bpf "$dir/bpffs"
dp() { LIBXDP_BPFFS="$dir/bpffs" r "$build/xdpcast-dp" --pin "$dir/bpffs/xdpcast" "$@" >/dev/null; }

# PIDs of the NAPI threads of device $1, in queue order (NAPI ids are given in turn)
napi_threads() {
	local f c
	for f in /proc/[0-9]*/comm; do
		c=$(cat "$f" 2>/dev/null) || continue
		[[ $c == "napi/$1-"* ]] && echo "${c##*-} $(basename "$(dirname "$f")")"
	done | sort -n | awk '{ print $2 }'
}

# pin CPU-LIST PID...: the router's NAPI threads to their CPUs, at the
# highest nice level, as the generator: on a shared machine, other work must
# not take the router's core (its own work is what is measured) nor starve
# the generator (the router would wait for frames)
pin() {
	local cpus=$1 pid
	shift
	for pid in "$@"; do
		taskset -p -c "$cpus" "$pid" >/dev/null
		renice -n -20 -p "$pid" >/dev/null
	done
}
# pin_backend CPU-LIST PID...: the backends' NAPI threads, real-time (FIFO,
# the lowest priority): each must drain its ring as soon as the router fills
# it, ahead of the generator on the same core, or the ring drops what the
# router forwarded. They only drop frames: far less work than the router's.
pin_backend() {
	local cpus=$1 pid
	shift
	for pid in "$@"; do
		taskset -p -c "$cpus" "$pid" >/dev/null
		chrt -f -p 1 "$pid" >/dev/null
	done
}

for i in 1 2 3; do
	mapfile -t t < <(napi_threads "b$i$$")
	if [ ${#t[@]} -eq 0 ]; then
		echo "bench-pps: backend b$i has no NAPI thread (threaded NAPI?); no figure" >&2
		exit 1
	fi
	pin_backend "$GEN_CPU" "${t[@]}"
done

sum_stat() { # sum_stat NS DEV PATTERN: the sum of DEV's ethtool -S counters matching PATTERN
	in_ns "$1" ethtool -S "$2" | awk -v p="$3" '$1 ~ p { n += $2 } END { print n + 0 }'
}
received() {
	echo $(($(sum_stat b1 "b1$$" 'xdp_drops:$') + $(sum_stat b2 "b2$$" 'xdp_drops:$') + \
		$(sum_stat b3 "b3$$" 'xdp_drops:$')))
}
# frames that found a backend's ring full (counted as the backend veth's rx_dropped)
ring_drops() {
	local i n=0
	for i in 1 2 3; do
		n=$((n + $(in_ns "b$i" cat "/sys/class/net/b$i$$/statistics/rx_dropped")))
	done
	echo "$n"
}
# what the router says it forwarded, by mode
forwarded() {
	case $1 in
	kernel) r cat /sys/class/net/re{1,2,3}$$/statistics/tx_packets | awk '{ n += $1 } END { print n }' ;;
	floor) sum_stat router "$RI" 'xdp_redirect:$' ;;
	*) LIBXDP_BPFFS="$dir/bpffs" r "$build/xdpcast-dp" --pin "$dir/bpffs/xdpcast" stats |
		awk '$1 == "reason" && $2 == "redirect" { n = $3 } END { print n + 0 }' ;;
	esac
}

mode_up() {
	case $1 in
	kernel) ;; # the route is there in every mode, as xdpcastd keeps it
	floor) r "$build/xdpcast-pps-load" floor "$RI" "re1$$=${mac[1]}" "re2$$=${mac[2]}" \
		"re3$$=${mac[3]}" ;;
	xdpcast*)
		dp attach "$RI"
		dp seed 0x5eed
		for i in 1 2 3; do
			dp egress add "re$i$$"
			dp backend "$i" "re$i$$" "${mac[i]}"
		done
		if [ "$1" = xdpcast_flowtable ]; then
			dp vip add "$VIP" --id 0 --flow-table 65536
		else
			dp vip add "$VIP" --id 0
		fi
		dp table "$VIP" 1 2 3
		;;
	esac
}

mode_down() {
	case $1 in
	kernel) ;;
	floor) r ip link set "$RI" xdp off ;;
	xdpcast*)
		dp detach "$RI"
		dp unpin
		;;
	esac
}

now_ns() { date +%s%N; }
thread_ns() { # CPU time and time runnable but waiting for a CPU (ns) of threads $@, from schedstat
	local pid n=0 w=0 v d
	for pid in "$@"; do
		read -r v d _ 2>/dev/null <"/proc/$pid/schedstat" || continue # (gone: caught below)
		n=$((n + v))
		w=$((w + d))
	done
	echo "$n $w"
}
core_busy() { # busy and total jiffies of CPU $1
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

declare -A mpps per_core
# measure_once MODE: one measurement; returns 0 (figure printed), 1 (a check
# failed) or 2 (the router's NAPI stalled or was replaced: worth another try)
measure_once() {
	local mode=$1 gen_cpus=$GEN_CPU threads t f_start r_start d_start ta tb t0 t1 f0 f1 c0 c1 w0 w1
	local b0 b1 f_end r_end d_end cpu pid k=0 i
	[ "$mode" = xdpcast_2cores ] && gen_cpus="$ROUTER_CPU $GEN_CPU"
	mapfile -t threads < <(napi_threads "$RI")
	if [ ${#threads[@]} -eq 0 ]; then
		echo "bench-pps: $mode: the router's $RI has no NAPI thread" >&2
		return 2
	fi
	if [ "$mode" = xdpcast_2cores ]; then
		# queue q (fed by the generator on CPU q) on CPU q; the backends anywhere
		for pid in "${threads[@]}"; do
			pin "$(((k++) % 2 == 0 ? ROUTER_CPU : GEN_CPU))" "$pid"
		done
		for i in 1 2 3; do
			mapfile -t t < <(napi_threads "b$i$$")
			pin_backend "$ROUTER_CPU,$GEN_CPU" "${t[@]}"
		done
	else
		pin "$ROUTER_CPU" "${threads[@]}"
	fi
	f_start=$(forwarded "$mode")
	r_start=$(received)
	d_start=$(ring_drops)
	: >"$dir/gen.log"
	gens=()
	for cpu in $gen_cpus; do
		in_ns client nice -n -20 "$build/xdpcast-pps-gen" "$CI" "$ri_mac" "$CLIENT" "$VIP" "$cpu" \
			$((WARM + WINDOW + 1)) 4096 $((10000 + 20000 * ${#gens[@]})) 2>>"$dir/gen.log" &
		gens+=($!)
	done
	sleep "$WARM"
	ta=$(now_ns)
	f0=$(forwarded "$mode")
	tb=$(now_ns)
	t0=$(((ta + tb) / 2))
	read -r c0 w0 < <(thread_ns "${threads[@]}")
	read -r b0 _ < <(core_busy "$ROUTER_CPU")
	sleep "$WINDOW"
	ta=$(now_ns)
	f1=$(forwarded "$mode")
	tb=$(now_ns)
	t1=$(((ta + tb) / 2))
	read -r c1 w1 < <(thread_ns "${threads[@]}")
	read -r b1 _ < <(core_busy "$ROUTER_CPU")
	mapfile -t t < <(napi_threads "$RI")
	for pid in "${gens[@]}"; do wait "$pid" || return 1; done
	gens=()
	sleep 0.3 # the rings drain
	f_end=$(forwarded "$mode")
	r_end=$(received)
	d_end=$(ring_drops)
	local fwd=$((f_end - f_start)) rcv=$((r_end - r_start)) drop=$((d_end - d_start))
	echo "pps $mode: router forwarded $fwd, backends received $rcv;" \
		"router's NAPI threads waited for a CPU $(((w1 - w0) * 100 / (t1 - t0))) % of the window;" \
		"router core $ROUTER_CPU busy $(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.0f", 100 * b / hz / (t / 1e9) }') % (all tasks);" \
		"$(sed 's/^xdpcast-pps-gen: //' "$dir/gen.log" | paste -sd ';')" >&2
	if [ "${t[*]}" != "${threads[*]}" ]; then
		echo "bench-pps: $mode: the router's NAPI threads changed during the run" \
			"(${threads[*]} -> ${t[*]})" >&2
		return 2
	fi
	local stalled=0
	[ $((c1 - c0)) -lt $(((t1 - t0) / 100)) ] && stalled=1
	if [ "$stalled" = 1 ] && [ "$mode" != xdpcast_2cores ]; then
		echo "bench-pps: $mode: the router's NAPI threads ran under 1 % of the window" \
			"(a lost NAPI wake-up: frames wait in a full ring)" >&2
		return 2
	fi
	if [ "$mode" = xdpcast_2cores ] && [ "$drop" -gt 0 ] && [ "$fwd" -eq $((rcv + drop)) ]; then
		# both cores run routers, generators and backends here: a backend's
		# thread can wait behind a router's poll while two routers fill its ring
		echo "bench-pps: $mode: $drop of the $fwd frames forwarded found a backend's ring" \
			"full (the backends share the routers' cores on this machine)" >&2
	elif [ "$fwd" -le 0 ] || [ "$fwd" -ne "$rcv" ]; then
		echo "bench-pps: $mode: the backends received $rcv frames, the router forwarded $fwd" \
			"($drop found a backend's ring full); no figure" >&2
		return 1
	fi
	mpps[$mode]=$(awk -v n=$((f1 - f0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", n / (t / 1e3) }')
	echo "bench pps_$mode ${mpps[$mode]} Mpps"
	awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v m="$mode" \
		'BEGIN { printf "bench pps_%s_router_cpu %.0f %%\n", m, 100 * c / t }'
	if [ "$stalled" = 1 ]; then
		# xdpcast_2cores: frames forwarded while its NAPI threads' CPU
		# time stood still (docs/benchmarks.md): no per-core figure
		echo "bench-pps: $mode: the router's NAPI threads' CPU time does not account" \
			"for the frames forwarded; no per-core figure" >&2
		return 0
	fi
	per_core[$mode]=$(awk -v n=$((f1 - f0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.2f", n / (c / 1e3) }')
	echo "bench pps_${mode}_per_core ${per_core[$mode]} Mpps"
}

# measure MODE: up to 3 tries. On this kernel a veth's threaded NAPI
# sometimes stops being woken while its ring overflows (the thread sleeps,
# every frame is dropped); taking the link down and up gives it a new NAPI.
measure() {
	local mode=$1 try rc=2
	mode_up "$mode"
	for try in 1 2 3; do
		measure_once "$mode" && rc=0 || rc=$?
		[ "$rc" -eq 2 ] || break
		[ "$try" -lt 3 ] && echo "bench-pps: $mode: again, with a new NAPI on $RI" >&2
		r ip link set "$RI" down
		r ip link set "$RI" up
		r sh -c "echo 1 > /sys/class/net/$RI/threaded"
		sleep 0.2
	done
	[ "$rc" -eq 0 ] || {
		echo "bench-pps: $mode: no figure" >&2
		failed=1
	}
	mode_down "$mode"
}

if [ -n "${PPS_DEBUG_HOLD:-}" ]; then # debugging: keep the lab for PPS_DEBUG_HOLD seconds
	echo "bench-pps: namespaces $P-*, ingress $RI, client $CI" >&2
	sleep "$PPS_DEBUG_HOLD"
fi
for mode in $MODES; do measure "$mode"; done

# targets, from this run: raw rates, then per second of the router's CPU
targets() {
	awk -v k="$2" -v x="$3" -v f="$4" -v what="$1" 'BEGIN {
		printf "pps targets (%s): xdpcast/kernel %.2f (>= 4.5: %s), xdpcast/floor %.2f (>= 0.8: %s)\n",
			what, x / k, (x / k >= 4.5) ? "met" : "not met", x / f, (x / f >= 0.8) ? "met" : "not met" }' >&2
}
if [ -n "${mpps[kernel]:-}" ] && [ -n "${mpps[xdpcast]:-}" ] && [ -n "${mpps[floor]:-}" ]; then
	targets Mpps "${mpps[kernel]}" "${mpps[xdpcast]}" "${mpps[floor]}"
	targets "Mpps per router core" "${per_core[kernel]}" "${per_core[xdpcast]}" "${per_core[floor]}"
fi
exit "$failed"
