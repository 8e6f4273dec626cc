#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dist/xdpcastd.service, checked offline (the test machines' PID 1 is not
# systemd, so no unit really runs here): `systemd-analyze verify` accepts it
# (with /usr/sbin pointed at the build, as `make install` points it at
# SBINDIR); it is Type=notify, reloads through xdpcastctl, has the state and
# runtime directories, gives exactly the four capabilities privileges.c
# keeps; `systemd-analyze security --offline=yes` rates it no worse than the
# exposure docs/xdpcastd.md states. No namespace, no network.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
UNIT=dist/xdpcastd.service
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
# shellcheck source=tests/netns/checks.sh
source tests/netns/checks.sh

dir=$(mktemp -d /tmp/xdpcast-unit.XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! deps_require test_systemd_unit systemd-analyze; then
	checks_failed=1
	checks_summary test_systemd_unit
	exit
fi
build=$(cd "$BUILD" && pwd)
sed "s|/usr/sbin/|$build/|g" "$UNIT" >"$dir/xdpcastd.service"
key() { sed -n "s/^$1=//p" "$UNIT"; }

# (verify only fails on what cannot run; a key or value it ignores is a message)
check "systemd-analyze verify accepts it" systemd-analyze verify "$dir/xdpcastd.service"
systemd-analyze verify "$dir/xdpcastd.service" >"$dir/verify.out" 2>&1
sed 's/^/# /' "$dir/verify.out"
check "and says nothing (no key or value it ignores)" [ ! -s "$dir/verify.out" ]
sed 's/^Type=notify$/Type=notifyy/' "$dir/xdpcastd.service" >"$dir/bad.service"
check "a bad value is a message (the check above can fail)" \
	grep -q "Failed to parse service type" <(systemd-analyze verify "$dir/bad.service" 2>&1)
sed "s|^ExecStart=$build/|ExecStart=/nonexistent/|" "$dir/xdpcastd.service" >"$dir/bad.service"
check "a unit whose xdpcastd is missing is refused (the verify can fail)" \
	bash -c "! systemd-analyze verify '$dir/bad.service' 2>/dev/null"
check "Type=notify, NotifyAccess=main" [ "$(key Type) $(key NotifyAccess)" = "notify main" ]
check "ExecReload is xdpcastctl reload" [ "$(key ExecReload)" = "/usr/sbin/xdpcastctl reload" ]
check "ExecStart runs /usr/sbin/xdpcastd" grep -q '^ExecStart=/usr/sbin/xdpcastd ' "$UNIT"
check "StateDirectory=xdpcast (0700), RuntimeDirectory=xdpcast" \
	[ "$(key StateDirectory) $(key StateDirectoryMode) $(key RuntimeDirectory)" = "xdpcast 0700 xdpcast" ]
caps="CAP_BPF CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN"
check "CapabilityBoundingSet and AmbientCapabilities: the four privileges.c keeps" \
	[ "$(key CapabilityBoundingSet)|$(key AmbientCapabilities)" = "$caps|$caps" ]
for c in $caps; do
	check "privileges.c keeps $c" grep -q "{ $c, \"$c\"" user/agent/privileges.c
done
check "ProtectSystem=strict, pins writable, NoNewPrivileges" \
	[ "$(key ProtectSystem) $(key ReadWritePaths) $(key NoNewPrivileges)" = "strict /sys/fs/bpf yes" ]
systemd-analyze security --offline=yes "$dir/xdpcastd.service" >"$dir/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for xdpcastd.service: \([0-9.]*\).*/\1/p' "$dir/security")
documented=$(sed -n 's/.*`systemd-analyze security --offline=yes` rates it \([0-9.]*\).*/\1/p' docs/xdpcastd.md)
echo "# systemd-analyze security: exposure $score (docs/xdpcastd.md says $documented)"
check "exposure $score, as docs/xdpcastd.md says ($documented)" \
	[ -n "$score" ] && [ "$score" = "$documented" ]
checks_summary test_systemd_unit
