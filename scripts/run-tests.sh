#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make test`: the Criterion suite (unit + BPF packet tests), then every
# end-to-end script in tests/netns/. Ends with one line that sums them all:
# "tests: N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "run-tests: the BPF and netns tests need root" >&2
	exit 1
fi

# shellcheck source=scripts/deps.sh
source scripts/deps.sh
if ! deps_require run-tests; then
	echo "tests: 0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$build/xdpcast-tests" --jobs 2 2>&1 | tee "$log"
synthesis=$(grep -a 'Synthesis:' "$log" | tail -n 1)
if [[ $synthesis =~ Passing:\ ([0-9]+).*Failing:\ ([0-9]+).*Crashing:\ ([0-9]+) ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
else
	echo "run-tests: the Criterion suite printed no synthesis" >&2
	failed=$((failed + 1))
fi

for t in tests/netns/test_*.sh; do
	[ -e "$t" ] || continue
	echo "[netns] $t"
	if BUILD="$build" timeout 600 "$t"; then
		echo "[netns] PASS $t"
		passed=$((passed + 1))
	else
		echo "[netns] FAIL $t"
		failed=$((failed + 1))
	fi
done

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
