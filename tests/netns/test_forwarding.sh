#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end in network namespaces: xdpcast attached natively on the router's
# client-facing veth redirects real DNS queries to three NSD backends; flows
# stay put, a drained backend's flows (only those) move, a VIP without a
# usable backend falls back to the kernel's route, and detach cleans up.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# shellcheck source=scripts/lab.sh
source scripts/lab.sh
trap lab_down EXIT INT TERM

# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh
finish() {
	checks_summary test_forwarding
	exit
}

counter() { # counter reason|backend NAME -> packets
	lab_dp stats | awk -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3; found = 1 }
		END { if (!found) print 0 }'
}

FLOWS=30
PORTS=$(seq 41001 $((41000 + FLOWS)))

lab_up || { echo "lab setup failed"; exit 1; }
for i in $(seq 1 $LAB_BACKENDS); do lab_start_nsd "$i"; done
for i in $(seq 1 $LAB_BACKENDS); do lab_wait_nsd "$i" || finish; done
lab_dataplane_up || { echo "dataplane setup failed"; finish; }

declare -A first
answered=0
for port in $PORTS; do
	first[$port]=$(lab_query_from_port "$port")
	[ "${first[$port]}" != "-" ] && answered=$((answered + 1))
done
check "all $FLOWS flows answered" [ "$answered" -eq "$FLOWS" ]
used=$(printf '%s\n' "${first[@]}" | sort -u | grep -c '^b')
check "flows spread over all three backends (saw $used)" [ "$used" -eq 3 ]
check "every query went through XDP (redirect = $FLOWS)" [ "$(counter reason redirect)" -eq "$FLOWS" ]
check "nothing passed to the kernel for lack of a backend" \
	[ "$(counter reason pass_no_backend)" -eq 0 ]

same=0
for port in $PORTS; do
	[ "$(lab_query_from_port "$port")" = "${first[$port]}" ] && same=$((same + 1))
done
check "a flow asked again lands on the same backend ($same/$FLOWS)" [ "$same" -eq "$FLOWS" ]

lab_dp backend 2 r2 "$(lab_backend_mac 2)" --state draining
lab_dp table "$LAB_VIP" 1 3
kept=0
moved_off_b2=0
others=0
lost=0
for port in $PORTS; do
	now=$(lab_query_from_port "$port")
	[ "$now" = "-" ] && lost=$((lost + 1))
	if [ "${first[$port]}" = b2 ]; then
		[ "$now" != b2 ] && [ "$now" != "-" ] && moved_off_b2=$((moved_off_b2 + 1))
	else
		others=$((others + 1))
		[ "$now" = "${first[$port]}" ] && kept=$((kept + 1))
	fi
done
check "b2 drained: no query lost" [ "$lost" -eq 0 ]
check "b2 drained: flows on b1 and b3 did not move ($kept/$others)" [ "$kept" -eq "$others" ]
check "b2 drained: all of b2's flows moved to b1 or b3" \
	[ "$moved_off_b2" -eq $((FLOWS - others)) ]

# No usable backend: XDP passes, the kernel's own route still delivers.
lab_dp table "$LAB_VIP"
before=$(counter reason pass_no_backend)
answer=$(lab_query_from_port 41999)
check "no usable backend: the kernel's route answers ($answer)" [ "$answer" != "-" ]
check "no usable backend: counted as pass_no_backend" \
	[ "$(counter reason pass_no_backend)" -gt "$before" ]

check "detach removes the program" lab_dp detach r0
check "nothing of xdpcast is left on r0" \
	bash -c "! ip netns exec $(lab_ns router) ip link show r0 | grep -q xdp"
check "unpin removes the maps" lab_dp unpin
finish
