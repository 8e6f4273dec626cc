#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The two-site lab (scripts/sites.sh) for people: `up` builds it and leaves
# it running, `down` removes everything it made (processes, namespaces,
# mounts, files), also after an interrupted or failed `up`; `status` says
# what runs. docs/lab.md shows how to look around.
# --bgp: the BGP variant, an upstream router the sites announce the service
# to over eBGP (scripts/sites_bgp.sh, docs/routing.md).
#
#   scripts/lab-sites.sh up [--bird] [--bgp | --two-hq] [--prefix P] [BUILD]
#   scripts/lab-sites.sh down [--prefix P]
#   scripts/lab-sites.sh status [--prefix P]
#   scripts/lab-sites.sh nsd-stop|nsd-start SERVER [--prefix P] [BUILD]
#     (SERVER: hq-dns1, hq-dns2 or branch-dns; stops or starts its NSD)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
usage() {
	sed -n 's/^#   //p' "$0" >&2
	exit 2
}
[ $# -ge 1 ] || usage
cmd=$1
shift
export LAB_PREFIX=${LAB_PREFIX:-xsite}
two_hq=0
while [ $# -gt 0 ]; do
	case $1 in
	--bird) export SITES_ROUTING=bird ;;
	--frr) export SITES_ROUTING=frr ;;
	--bgp) export SITES_BGP=1 ;; # the upstream over eBGP (scripts/sites_bgp.sh)
	--two-hq) two_hq=1 ;; # hq-router2 and ext-client (scripts/sites_hq2.sh)
	--prefix)
		[ $# -ge 2 ] || usage
		LAB_PREFIX=$2
		shift
		;;
	-h | --help) usage ;;
	-*)
		echo "lab-sites: unknown option $1" >&2
		usage
		;;
	*)
		if [[ $cmd == nsd-* && -z ${server:-} ]]; then
			server=$1
		else
			export BUILD=$1
		fi
		;;
	esac
	shift
done
if [ "${SITES_BGP:-0}" = 1 ] && [ "$two_hq" = 1 ]; then
	echo "lab-sites: --bgp and --two-hq are separate variants (docs/lab.md#variants)" >&2
	exit 2
fi
if [[ ! $LAB_PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]]; then
	echo "lab-sites: --prefix $LAB_PREFIX: 1-8 lower-case letters and digits, a letter first" >&2
	exit 2
fi
export BUILD=${BUILD:-build}
# shellcheck source=scripts/sites.sh
source scripts/sites.sh
# shellcheck source=scripts/sites_hq2.sh
source scripts/sites_hq2.sh

case $cmd in
up)
	for f in "$XDPCASTD" "$XDPCASTCTL"; do
		[ -x "$f" ] || {
			echo "lab-sites: $f is not built (make all)" >&2
			exit 1
		}
	done
	trap 'echo "lab-sites: interrupted; taking the lab down" >&2; sites_down; exit 1' INT TERM
	up=sites_up
	[ "$two_hq" = 0 ] || up=sites_hq2_up
	if ! "$up"; then
		echo "lab-sites: the lab did not come up; taking it down" >&2
		sites_down
		exit 1
	fi
	trap - INT TERM
	sites_print_guide
	[ "$two_hq" = 0 ] || sites_hq2_print_guide
	;;
down)
	LAB_DIR=$SITES_STATE/$LAB_PREFIX
	[ -d "$LAB_DIR" ] || LAB_DIR=""
	if [ -z "$LAB_DIR" ] && ! ip netns list | grep -q "^$LAB_PREFIX-"; then
		echo "lab-sites: no lab with prefix $LAB_PREFIX"
		exit 0
	fi
	sites_down
	echo "lab-sites: lab $LAB_PREFIX removed"
	;;
status)
	LAB_DIR=$SITES_STATE/$LAB_PREFIX
	if [ ! -d "$LAB_DIR" ]; then
		echo "lab-sites: no lab with prefix $LAB_PREFIX"
		exit 1
	fi
	sites_status
	;;
nsd-stop | nsd-start)
	# from any shell: the lab's pids file stays whole, so `down` stops what runs
	LAB_DIR=$SITES_STATE/$LAB_PREFIX
	[ -d "$LAB_DIR" ] || {
		echo "lab-sites: no lab with prefix $LAB_PREFIX" >&2
		exit 1
	}
	sites_server_addr "${server:-}" >/dev/null || {
		echo "lab-sites: $cmd: expected a server: hq-dns1, hq-dns2 or branch-dns" >&2
		exit 2
	}
	sites_load_pids
	if [ "$cmd" = nsd-stop ]; then
		sites_nsd_stop_any "$server" || exit 1
		echo "lab-sites: NSD on $server stopped"
	else
		if pid=$(sites_nsd_pid_recorded "$server"); then
			echo "lab-sites: NSD on $server already runs (pid $pid)" >&2
			exit 1
		fi
		sites_nsd_start "$server" || exit 1
		echo "lab-sites: NSD on $server started (pid $(sites_nsd_pid "$server"))"
	fi
	;;
*) usage ;;
esac
