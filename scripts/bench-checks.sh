#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: the CPU xdpcastd uses for 1,000 TCP health checks at a 1 s
# interval (10 VIPs x 100 backends) against listeners in a network namespace,
# measured over 30 s once every backend is up, with the checks to each VIP
# through its backends (the default, per-backend policy routing) and, for
# comparison, to the backends' own addresses. The stats file's probe counters
# prove the checks ran (else no figure). Prints
# "bench checks_1000_cpu <percent of one core> %" and
# "bench checks_1000_cpu_target_backend <percent> %".
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_require bench-checks || exit 1

PREFIX=xcb$$
DURATION=${BENCH_CHECKS_SECONDS:-30}
VIPS=10
PER_VIP=100
dir=$(mktemp -d /tmp/xdpcast-bench.XXXXXX)
pids=()

cleanup() {
	set +e
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$PREFIX-router" 2>/dev/null
	ip netns del "$PREFIX-srv" 2>/dev/null
	umount "$dir/bpffs" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

ip netns add "$PREFIX-router"
ip netns add "$PREFIX-srv"
r() { ip netns exec "$PREFIX-router" "$@"; }
s() { ip netns exec "$PREFIX-srv" "$@"; }
r ip link set lo up
s ip link set lo up
# the interface xdpcast attaches to (nothing arrives on it here)
r ip link add in0 type veth peer name in1
r ip link set in0 up
r ip link set in1 up
# the backends: 1,000 addresses on the listener namespace's lo, one gateway
r ip link add to-srv type veth peer name to-router netns "$PREFIX-srv"
r ip addr add 198.18.255.1/30 dev to-srv
r ip link set to-srv up
s ip addr add 198.18.255.2/30 dev to-router
s ip link set to-router up
r ip route add 198.18.0.0/20 via 198.18.255.2
for v in $(seq 1 $VIPS); do
	for b in $(seq 1 $PER_VIP); do echo "addr add 198.18.$v.$b/32 dev lo"; done
done | s ip -batch -
# the service addresses too: checks with target vip go to them, through each backend's route
for v in $(seq 1 $VIPS); do echo "addr add 203.0.113.$v/32 dev lo"; done | s ip -batch -
# started by ip netns exec directly (it execs), so $! is the process to stop
ip netns exec "$PREFIX-srv" "$build/tcp-sink" 8080 &
pids+=($!)

mkdir -p "$dir/bpffs"
mount -t bpf bpf "$dir/bpffs"

# One xdpcastd with every check of target $1, measured; prints the figure $2.
measure() {
	local target=$1 name=$2 cfg=$dir/xdpcast-$1.yaml agent
	{
		echo "interfaces: [in0]"
		echo "state_dir: $dir/state"
		echo "pin_dir: $dir/bpffs/xdpcast"
		echo "control_socket: $dir/xdpcastd.sock" # not the host's /run/xdpcast
		echo "stats: { file: $dir/xdpcast.prom, period: 1s }"
		echo "vips:"
		for v in $(seq 1 $VIPS); do
			echo "  - address: 203.0.113.$v"
			echo "    table_size: 251"
			echo "    check: { type: tcp, target: $target, port: 8080, interval: 1s, timeout: 500ms }"
			echo "    backends:"
			for b in $(seq 1 $PER_VIP); do
				echo "      - { name: b$v-$b, address: 198.18.$v.$b }"
			done
		done
	} >"$cfg"

	LIBXDP_BPFFS="$dir/bpffs" ip netns exec "$PREFIX-router" \
		"$build/xdpcastd" -c "$cfg" >"$dir/xdpcastd-$target.log" 2>&1 &
	agent=$!
	pids+=("$agent")

	probes() { awk '/^xdpcast_backend_checks_total/ { n += $2 } END { print n + 0 }' "$dir/xdpcast.prom"; }
	up() { awk '/^xdpcast_backend_up\{/ { n += $2 } END { print n + 0 }' "$dir/xdpcast.prom" 2>/dev/null; }
	cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$agent/stat"; }

	for _ in $(seq 1 100); do
		[ -e "$dir/xdpcast.prom" ] && [ "$(up)" -eq $((VIPS * PER_VIP)) ] && break
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$dir/xdpcast.prom" ] || [ "$(up)" -ne $((VIPS * PER_VIP)) ]; then
		echo "bench-checks: target $target: the backends did not all come up; no figure" >&2
		tail -n 20 "$dir/xdpcastd-$target.log" >&2
		exit 1
	fi
	sleep 1.1 # a fresh stats file
	local p0 c0 t0 c1 t1 p1 hz done_probes expected
	p0=$(probes)
	c0=$(cpu_ticks)
	t0=$(date +%s%N)
	sleep "$DURATION"
	c1=$(cpu_ticks)
	t1=$(date +%s%N)
	sleep 1.1
	p1=$(probes)
	hz=$(getconf CLK_TCK)
	done_probes=$((p1 - p0))
	expected=$((VIPS * PER_VIP * DURATION))
	echo "checks (target $target): $done_probes probes in ${DURATION}+ s (expected about $expected)" >&2
	if [ "$done_probes" -lt $((expected * 9 / 10)) ]; then
		echo "bench-checks: target $target: too few probes ran; no figure" >&2
		exit 1
	fi
	awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v name="$name" \
		'BEGIN { printf "bench %s %.1f %%\n", name, 100 * c / hz / (ns / 1e9) }'
	kill "$agent"
	wait "$agent" 2>/dev/null
	rm -f "$dir/xdpcast.prom"
}

# the default: each check to its VIP through the backend's next hop (per-backend policy routing)
measure vip checks_1000_cpu
# the same checks to the backends' own addresses, for comparison
measure backend checks_1000_cpu_target_backend
