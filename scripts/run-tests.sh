#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make test`: the Criterion suite (unit + BPF packet tests), then every
# end-to-end script in tests/netns/ and tests/install/. Ends with one line
# that sums them all:
# "tests: N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1

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

# For a sanitized build (make test SANITIZE=1; unused by a plain one): any
# finding ends the process with SIGABRT, which Criterion counts as a crash
# and the netns scripts as a failed command or exit status; leaks are checked
# at every exit (Criterion's test processes, xdpcastd's SIGTERM, xdpcastctl),
# less the third-party ones of tests/lsan.supp. Options already set are kept.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-abort_on_error=1:halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

passed=0
failed=0
# No test may leave state on the host: a config without state_dir would make
# xdpcastd write its seed into the host's /var/lib/xdpcast.
host_state=/var/lib/xdpcast
host_state_before=$([ -e "$host_state" ] && echo yes)
# nor a lab in the place `scripts/lab-sites.sh up` uses for people's labs:
# tests give the site lab a LAB_DIR of their own
host_labs=/run/xdpcast-sites
host_labs_before=$(ls -A "$host_labs" 2>/dev/null)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$build/xdpcast-tests" --jobs 2 2>&1 | tee "$log"
suite_rc=${PIPESTATUS[0]}
synthesis=$(grep -a 'Synthesis:' "$log" | tail -n 1)
if [[ $synthesis =~ Passing:\ ([0-9]+).*Failing:\ ([0-9]+).*Crashing:\ ([0-9]+) ]]; then
	# a test process that dies after its test passed (a leak found at its
	# exit) is only a warning to Criterion, and counted as passing
	late=$(grep -ac 'crashed during its setup or teardown' "$log")
	passed=$((passed + BASH_REMATCH[1] - late))
	failed=$((failed + BASH_REMATCH[2] + late))
	if [ "$suite_rc" -ne 0 ] && [ $((BASH_REMATCH[2] + late)) -eq 0 ]; then
		echo "run-tests: the Criterion suite exited $suite_rc with no failing test" >&2
		failed=$((failed + 1))
	fi
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

# --- install, uninstall and the man pages (tests/install/, no network) ---
for t in tests/install/test_*.sh; do
	[ -e "$t" ] || continue
	echo "[install] $t"
	if BUILD="$build" timeout 600 "$t"; then
		echo "[install] PASS $t"
		passed=$((passed + 1))
	else
		echo "[install] FAIL $t"
		failed=$((failed + 1))
	fi
done

# --- differential packet test: 100,000 frames through the program and its model ---
echo "[difftest] $build/xdpcast-difftest --frames 100000"
if timeout 600 "$build/xdpcast-difftest" --frames 100000; then
	echo "[difftest] PASS"
	passed=$((passed + 1))
else
	echo "[difftest] FAIL"
	failed=$((failed + 1))
fi

# ---- fuzzing (tests/fuzz/, scripts/fuzz.sh; built by `make test`) ----
# Each harness: its corpus replayed (a crash reproducer kept there must stay
# fixed), then FUZZ_TEST_SECONDS (20) of fuzzing with new inputs in a scratch
# directory; one test each.
fuzz_new=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$fuzz_new"' EXIT
for f in tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	name=${f##*/fuzz_}
	name=${name%.c}
	if scripts/fuzz.sh "$build" replay "$name" &&
		scripts/fuzz.sh "$build" fuzz "$name" "${FUZZ_TEST_SECONDS:-20}" "$fuzz_new"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	rm -rf "${fuzz_new:?}"/*
done
rm -rf "$fuzz_new"
# ---- end of fuzzing ----

if [ -z "$host_state_before" ] && [ -e "$host_state" ]; then
	echo "[host] FAIL a test created $host_state on the host (a config without state_dir)"
	ls -la "$host_state"
	failed=$((failed + 1))
fi

if [ "$(ls -A "$host_labs" 2>/dev/null)" != "$host_labs_before" ]; then
	echo "[host] FAIL $host_labs changed: a test used the site lab without its own LAB_DIR"
	ls -la "$host_labs"
	failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
