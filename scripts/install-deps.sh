#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs every Debian 12 package xdpcast needs to build, test, benchmark
# and run its demo. Idempotent: when all are present it only checks.
set -euo pipefail

packages=(
	# build
	make gcc pkg-config clang-19 llvm-19 bpftool
	libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev libxxhash-dev
	# agent: YAML, event loop, netlink, DNS messages, HTTP checks, JSON (control socket)
	libyaml-dev libev-dev libmnl-dev libldns-dev libcurl4-openssl-dev libjson-c-dev
	# tests and checks
	libcriterion-dev clang-format cppcheck
	# lab, demo and end-to-end tests
	iproute2 ethtool nsd dnsutils jq
	# routing daemons that redistribute xdpcast's routes into OSPF (tests, bench)
	frr bird2
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's nsd, frr and bird2 packages enable system-wide services; xdpcast's
# tests and demo run their own instances in namespaces only.
for p in nsd:nsd frr:frr bird2:bird; do
	[[ " ${missing[*]} " == *" ${p%%:*} "* ]] || continue
	systemctl disable --now "${p#*:}" >/dev/null 2>&1 || # without systemd:
		service "${p#*:}" stop >/dev/null 2>&1 || true
done
