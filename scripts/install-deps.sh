#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs every Debian 12 package xdpcast needs to build, check, test,
# benchmark and run its demo (the lists are in scripts/deps.sh), then checks
# that every program those run is there. Idempotent: when all are present it
# only checks.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/deps.sh
source scripts/deps.sh

mapfile -t program_packages < <(deps_program_packages)
packages=("${DEPS_LIBRARIES[@]}" "${program_packages[@]}")

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp /tmp/xdpcast-install-deps.XXXXXX)
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
		>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "install-deps: apt-get failed (whole output: $log)" >&2
		exit 1
	fi
	rm -f "$log"
	# Debian's nsd, frr and bird2 packages enable system-wide services;
	# xdpcast's tests and demo run their own instances in namespaces only.
	for p in nsd:nsd frr:frr bird2:bird; do
		[[ " ${missing[*]} " == *" ${p%%:*} "* ]] || continue
		systemctl disable --now "${p#*:}" >/dev/null 2>&1 || # without systemd:
			service "${p#*:}" stop >/dev/null 2>&1 || true
	done
fi

# A package can be installed and still lack a program (a PATH without
# /usr/sbin, a program removed by hand): say which, now, not as a test failure.
deps_require install-deps
