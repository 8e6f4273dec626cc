# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# What xdpcast needs from Debian 12, in one place, sourced: the libraries it
# builds against and every program that the build, `make check`, the tests,
# the benches and the demo run, each with the package that ships it.
# scripts/install-deps.sh installs from these lists; the test runner, the lab,
# the demo and the benches call deps_require before they start, so that a
# missing program is one line that names it and its package instead of a
# cascade of failures further on.

# Libraries (-dev packages) and packages that bring no program of their own.
# shellcheck disable=SC2034 # used by install-deps.sh
DEPS_LIBRARIES=(
	libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev libxxhash-dev
	# agent: YAML, event loop, netlink, DNS messages, HTTP checks, JSON (control socket),
	# capabilities
	libyaml-dev libev-dev libmnl-dev libldns-dev libcurl4-openssl-dev libjson-c-dev
	libcap-ng-dev
	# sd_notify and asking systemd (sd-bus) whether a stop is a restart
	libsystemd-dev
	libcriterion-dev
	# the fuzz harnesses: clang-19's libFuzzer and sanitizer runtimes
	libclang-rt-19-dev
)

# program:package. A program outside PATH is named by its full path. The base
# system's own programs are listed too: a stripped-down image may lack them.
DEPS_PROGRAMS=(
	# build
	make:make cc:gcc ar:binutils clang-19:clang-19 bpftool:bpftool git:git
	# make check
	clang-format:clang-format cppcheck:cppcheck shellcheck:shellcheck
	# make check: the man pages (scripts/check-man.sh); make install and its test
	mandoc:mandoc install:coreutils strip:binutils cmp:diffutils readelf:binutils
	findmnt:util-linux
	# lab, demo, tests, benches
	ip:iproute2 ethtool:ethtool sysctl:procps nsd:nsd dig:bind9-dnsutils jq:jq
	# the stats file and the documented alert rules checked (`promtool check metrics/rules`)
	promtool:prometheus
	# the backends' HTTP (busybox httpd) and HTTPS (openssl s_server) services
	busybox:busybox openssl:openssl
	# the unit's offline checks (test_systemd_unit.sh)
	systemd-analyze:systemd
	# scripts/bench-pps.sh (NAPI threads' CPUs and priorities), scripts/plot-pps.sh
	taskset:util-linux chrt:util-linux renice:bsdutils nice:coreutils gnuplot:gnuplot-nox
	/usr/lib/frr/zebra:frr /usr/lib/frr/ospfd:frr /usr/lib/frr/ospf6d:frr vtysh:frr
	# the two-site lab's BGP variant (scripts/sites_bgp.sh)
	/usr/lib/frr/bgpd:frr
	bird:bird2 birdc:bird2
	# the base system's (Priority: required), used by the scripts and the tests
	awk:mawk perl:perl-base mount:mount umount:mount unshare:util-linux prlimit:util-linux
	setpriv:util-linux
	timeout:coreutils tsort:coreutils mktemp:coreutils mkfifo:coreutils stat:coreutils
	grep:grep sed:sed xargs:findutils dpkg-query:dpkg
)

# The package of each program, once each, in list order.
deps_program_packages() {
	local entry seen=" "
	for entry in "${DEPS_PROGRAMS[@]}"; do
		[[ $seen == *" ${entry#*:} "* ]] && continue
		seen+="${entry#*:} "
		echo "${entry#*:}"
	done
}

deps_have_program() {
	case $1 in
	/*) [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# deps_require WHO [PROGRAM...]: returns 1, after one line on stderr naming
# every missing program (all of DEPS_PROGRAMS when none are given) and its
# package, when any is missing.
deps_require() {
	local who=$1 entry program missing=()
	shift
	for entry in "${DEPS_PROGRAMS[@]}"; do
		program=${entry%%:*}
		if [ $# -gt 0 ] && [[ " $* " != *" $program "* ]]; then
			continue
		fi
		deps_have_program "$program" || missing+=("$program (package ${entry#*:})")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local IFS=,
	echo "$who: missing program(s):${missing[*]/#/ }; install them with" \
		"scripts/install-deps.sh as root (make deps)" >&2
	return 1
}
