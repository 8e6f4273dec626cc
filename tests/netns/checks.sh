# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The netns scripts' checks, sourced: `check "what" CMD ARGS...` runs CMD and
# prints "ok - what" or "not ok - what", counting both; a script ends with
# `checks_summary NAME`, which prints "NAME: N passed, N failed" (the line
# scripts/run-tests.sh and a reader look for) and fails if any check did.
checks_passed=0
checks_failed=0

check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		checks_passed=$((checks_passed + 1))
	else
		echo "not ok - $what"
		checks_failed=$((checks_failed + 1))
	fi
}

checks_summary() {
	echo "$1: $checks_passed passed, $checks_failed failed"
	[ "$checks_failed" -eq 0 ]
}
