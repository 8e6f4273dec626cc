# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Reading xdpcastd's Prometheus text file in the netns scripts, sourced:
# a stable copy of it, promtool's verdict on it, and the value of one series.

# A copy of stats file $1 into $2 once it exists (xdpcastd renames each
# write into place, so the copy is one whole write).
prom_snapshot() {
	for _ in $(seq 50); do [ -s "$1" ] && break; sleep 0.1; done
	cp "$1" "$2"
}

# `promtool check metrics` finds no error and no lint problem in file $1
# (it prints them, and exits nonzero, on either); its words go to the output.
prom_clean() {
	local out rc
	out=$(promtool check metrics <"$1" 2>&1)
	rc=$?
	[ -n "$out" ] && sed 's/^/# promtool: /' <<<"$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

# The value of series $2 (name{labels} exactly as written) in file $1; empty if absent.
prom_value() {
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2); exit }' "$1"
}

# The sum of the values of the series of file $1 whose line matches ERE $2.
prom_sum() {
	awk -v re="$2" '$0 ~ re { s += $NF } END { printf "%.17g\n", s + 0 }' "$1"
}
