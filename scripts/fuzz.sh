#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The libFuzzer harnesses of tests/fuzz/ (built by `make fuzz-build` into
# BUILD/fuzz/), each with its corpus tests/fuzz/corpus/NAME/ and, if there is
# one, its dictionary tests/fuzz/NAME.dict:
#   scripts/fuzz.sh BUILD run SECONDS [NAME...]  fuzz each (all by default) for SECONDS
#                                                (make fuzz); new inputs go to
#                                                BUILD/fuzz/new/NAME, never to the corpus
#   scripts/fuzz.sh BUILD replay NAME            every corpus input once (-runs=0)
#   scripts/fuzz.sh BUILD fuzz NAME SECONDS DIR  fuzz, new inputs into DIR
# A crash, leak or slow input (over FUZZ_TIMEOUT s, default 1) is written to
# BUILD/fuzz/artifacts/NAME-*; the status is then non-zero. libFuzzer's own
# output goes to BUILD/fuzz/logs/NAME.log; one line per harness says how it went.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

build=${1:?usage: fuzz.sh BUILD run|replay|fuzz ...}
mode=${2:?usage: fuzz.sh BUILD run|replay|fuzz ...}
shift 2
fuzz_dir=$build/fuzz
timeout_s=${FUZZ_TIMEOUT:-1}

harnesses() {
	local f
	for f in tests/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		echo "${f%.c}"
	done
}

# libFuzzer's options for harness $1
options() {
	local name=$1
	echo "-rss_limit_mb=2048 -timeout=$timeout_s -print_final_stats=1"
	echo "-artifact_prefix=$fuzz_dir/artifacts/$name-"
	[ -e "tests/fuzz/$name.dict" ] && echo "-dict=tests/fuzz/$name.dict"
	case $name in
	config) echo "-max_len=16384" ;; # configurations are longer than packets
	dns) echo "-max_len=16387" ;; # a TCP reply of 16 KiB and its length
	*) ;;
	esac
}

# One summary line from the log $2 of harness $1 that ended with status $3.
summary() {
	local name=$1 log=$2 rc=$3 runs speed cov
	runs=$(grep -a 'stat::number_of_executed_units:' "$log" | awk '{print $2}')
	speed=$(grep -a 'stat::average_exec_per_sec:' "$log" | awk '{print $2}')
	cov=$(grep -aoE '(INITED|DONE|pulse|NEW|REDUCE) +cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 |
		awk '{print $3 " edges, " $5 " features"}')
	if [ "$rc" -eq 0 ]; then
		echo "[fuzz] PASS $name: ${runs:-0} runs, ${speed:-0} exec/s, ${cov:-no coverage}"
	else
		echo "[fuzz] FAIL $name (status $rc): see $log"
		grep -aE 'ERROR: |SUMMARY: |Test unit written to|runtime error' "$log" | head -n 8
	fi
}

# run_one NAME LOG ARGS...: the harness with its options, the log kept
run_one() {
	local name=$1 log=$2 bin=$fuzz_dir/fuzz_$1 rc
	shift 2
	if [ ! -x "$bin" ]; then
		echo "[fuzz] FAIL $name: $bin missing (make fuzz-build)"
		return 1
	fi
	mkdir -p "$fuzz_dir/artifacts" "$fuzz_dir/logs"
	# shellcheck disable=SC2046 # options() gives one option per word
	"$bin" $(options "$name") "$@" >"$log" 2>&1
	rc=$?
	summary "$name" "$log" "$rc"
	return "$rc"
}

case $mode in
run)
	seconds=${1:?fuzz.sh BUILD run SECONDS}
	shift
	names=("$@")
	[ ${#names[@]} -gt 0 ] || mapfile -t names < <(harnesses)
	fail=0
	for name in "${names[@]}"; do
		mkdir -p "$fuzz_dir/new/$name"
		run_one "$name" "$fuzz_dir/logs/$name.log" -max_total_time="$seconds" \
			"$fuzz_dir/new/$name" "tests/fuzz/corpus/$name" || fail=1
	done
	echo "fuzz: new inputs in $fuzz_dir/new/NAME; docs/testing.md says how to merge them"
	exit $fail
	;;
replay)
	name=${1:?fuzz.sh BUILD replay NAME}
	run_one "$name" "$fuzz_dir/logs/$name-replay.log" -runs=0 "tests/fuzz/corpus/$name"
	;;
fuzz)
	name=${1:?fuzz.sh BUILD fuzz NAME SECONDS DIR}
	seconds=${2:?fuzz.sh BUILD fuzz NAME SECONDS DIR}
	dir=${3:?fuzz.sh BUILD fuzz NAME SECONDS DIR}
	run_one "$name" "$fuzz_dir/logs/$name.log" -max_total_time="$seconds" "$dir" \
		"tests/fuzz/corpus/$name"
	;;
*)
	echo "fuzz.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
