#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make install` and `make uninstall` into a DESTDIR: every file where
# README.md says (PREFIX=/opt/xdpcast, then PREFIX=/usr), binaries stripped
# unless INSTALL_STRIP=0, the unit naming the installed paths, an edited
# configuration kept by a second install and by uninstall, nothing left
# after uninstall. Each make runs in a mount namespace of its own where
# every mount but DESTDIR is read-only: a write anywhere else fails the
# make, so a pass also says that nothing was written outside DESTDIR. Brings
# BUILD up to date first (make all); needs root (unshare -m).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
TMP=$(mktemp -d /tmp/xdpcast-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

passed=0
failed=0
check() { # check "what" command...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}

# confined DEST make-arguments...: make, with every mount read-only but DEST
# (bound on itself first, so that it stays writable). The output is in
# $TMP/make.log.
confined() {
	local dest=$1
	shift
	unshare -m --propagation private bash -c '
		dest=$1
		shift
		mount --bind "$dest" "$dest" || exit 125
		while read -r target; do
			case $target in /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | "$dest") continue ;; esac
			[[ $target == *\\* ]] && continue # an escaped name: checked below if it matters
			mount -o remount,bind,ro "$target" 2>/dev/null
		done < <(awk "{ print \$5 }" /proc/self/mountinfo)
		for d in / /etc /usr /opt /var /tmp "$PWD"; do
			[ -e "$d" ] || continue
			if [[ ,$(findmnt -n -o OPTIONS -T "$d"), != *,ro,* ]]; then
				echo "test_install: cannot make $d read-only: not confined" >&2
				exit 125
			fi
		done
		exec make --no-print-directory "$@"
	' confined "$dest" BUILD="$BUILD" SANITIZE="$SANITIZE" "$@" >"$TMP/make.log" 2>&1
}

# make's own settings, when make test runs this, do not reach the makes here:
# they get BUILD, and SANITIZE=1 when BUILD was built so (else make would want
# to rebuild it, which the read-only mounts refuse)
unset MAKEFLAGS MFLAGS MAKELEVEL
SANITIZE=
if [ -n "$(tr -d '[:space:]' <"$BUILD/sanitize.flags" 2>/dev/null)" ]; then
	SANITIZE=1
fi

# the files below $1, relative, sorted
files_in() {
	(cd "$1" && find . -type f -o -type l) | sed 's|^\./||' | sort
}

not() { ! "$@"; }
stripped() { ! readelf -S --wide "$1" | grep -q '\.symtab'; }
executable_version() { [ "$("$1" --version)" = "$2 $("$BUILD/$2" --version | cut -d' ' -f2)" ]; }

if [ "$(id -u)" -ne 0 ]; then
	echo "test_install: needs root (unshare -m)"
	echo "test_install: 0 passed, 1 failed"
	exit 1
fi
# The build up to date first (nothing to do after make test's own build): the
# confined makes below could not write it.
if ! make --no-print-directory BUILD="$BUILD" SANITIZE="$SANITIZE" all >"$TMP/build.log" 2>&1; then
	sed 's/^/  | /' "$TMP/build.log"
	echo "test_install: make all failed"
	echo "test_install: 0 passed, 1 failed"
	exit 1
fi

# ---- the version: scripts/version.sh's (git describe), rewritten only when it changes ----
check "xdpcastd --version is scripts/version.sh's ($(scripts/version.sh))" \
	[ "$("$BUILD/xdpcastd" --version)" = "xdpcastd $(scripts/version.sh)" ]
stamp=$(stat -c %Y.%y "$BUILD/xdpcast_version.h")
make --no-print-directory BUILD="$BUILD" SANITIZE="$SANITIZE" all >"$TMP/build.log" 2>&1
check "a make with nothing changed leaves the version header (and so version.o) alone" \
	[ "$(stat -c %Y.%y "$BUILD/xdpcast_version.h")" = "$stamp" ]

# ---- PREFIX=/opt/xdpcast: everything under it, SYSCONFDIR=/opt/xdpcast/etc ----
D=$TMP/dest
mkdir "$D"
host_before=$(ls -ld --time-style=+%s.%N /opt /etc/iproute2 /etc/xdpcast /usr/local/sbin 2>&1)
confined "$D" install DESTDIR="$D" PREFIX=/opt/xdpcast
rc=$?
check "make install PREFIX=/opt/xdpcast exits 0 with all but DESTDIR read-only (exit $rc)" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
	sed 's/^/  | /' "$TMP/make.log"
	echo "test_install: $passed passed, $((failed + 1)) failed (the rest needs this install)"
	exit 1
fi
expected="opt/xdpcast/etc/iproute2/rt_protos.d/xdpcast.conf
opt/xdpcast/etc/xdpcast/xdpcast.yaml
opt/xdpcast/lib/systemd/system/xdpcastd.service
opt/xdpcast/sbin/xdpcast-dp
opt/xdpcast/sbin/xdpcastctl
opt/xdpcast/sbin/xdpcastd
opt/xdpcast/share/man/man5/xdpcast.yaml.5
opt/xdpcast/share/man/man8/xdpcast-dp.8
opt/xdpcast/share/man/man8/xdpcastctl.8
opt/xdpcast/share/man/man8/xdpcastd.8"
check "exactly the expected files, all under DESTDIR/opt/xdpcast" [ "$(files_in "$D")" = "$expected" ]
[ "$(files_in "$D")" = "$expected" ] || diff <(echo "$expected") <(files_in "$D") | sed 's/^/  | /'
check "nothing outside DESTDIR changed (/opt, /etc/iproute2, /etc/xdpcast, /usr/local/sbin)" \
	[ "$(ls -ld --time-style=+%s.%N /opt /etc/iproute2 /etc/xdpcast /usr/local/sbin 2>&1)" = "$host_before" ]
check "/opt/xdpcast was not made on the host" [ ! -e /opt/xdpcast ]

tool_installed() { # tool_installed PATH TOOL
	[ "$(stat -c %a "$1")" = 755 ] && stripped "$1" && executable_version "$1" "$2"
}
for t in xdpcastd xdpcastctl xdpcast-dp; do
	check "$t: mode 0755, stripped, prints the build's version" \
		tool_installed "$D/opt/xdpcast/sbin/$t" "$t"
done
page_installed() { # page_installed man/NAME.S
	local to=$D/opt/xdpcast/share/man/man${1##*.}/${1##*/}
	cmp -s "$1" "$to" && [ "$(stat -c %a "$to")" = 644 ]
}
for p in man/*.[0-9]; do
	check "${p##*/} installed as is, mode 0644, in man${p##*.}" page_installed "$p"
done
C=$D/opt/xdpcast/etc
check "the example configuration, as docs/xdpcast.example.yaml, in SYSCONFDIR/xdpcast" \
	cmp -s docs/xdpcast.example.yaml "$C/xdpcast/xdpcast.yaml"
check "the rt_protos.d entry in SYSCONFDIR/iproute2/rt_protos.d" \
	cmp -s scripts/rt_protos.d/xdpcast.conf "$C/iproute2/rt_protos.d/xdpcast.conf"

U=$D/opt/xdpcast/lib/systemd/system/xdpcastd.service
check "the unit starts /opt/xdpcast/sbin/xdpcastd on /opt/xdpcast/etc/xdpcast/xdpcast.yaml" \
	grep -qx 'ExecStart=/opt/xdpcast/sbin/xdpcastd -c /opt/xdpcast/etc/xdpcast/xdpcast.yaml' "$U"
check "the unit names no /usr/sbin/xdpcast* nor /etc/xdpcast any more" \
	not grep -E "/usr/sbin/xdpcast|(^|[ =])/etc/xdpcast" "$U"
# every program the unit runs is one just installed
mapfile -t progs < <(grep -oE '^Exec[A-Za-z]*=[^ ]*' "$U" | cut -d= -f2 | sort -u)
all_installed() {
	local p
	[ $# -gt 0 ] || return 1
	for p in "$@"; do
		[ -x "$D$p" ] || return 1
	done
}
check "each Exec*= program of the unit is installed (${progs[*]})" all_installed "${progs[@]}"
check "the unit is dist/xdpcastd.service but for those paths" \
	cmp -s <(sed -e "s|/usr/sbin/xdpcast|/opt/xdpcast/sbin/xdpcast|g" \
		-e "s|/etc/xdpcast/|/opt/xdpcast/etc/xdpcast/|g" dist/xdpcastd.service) "$U"

# ---- a second install keeps an edited configuration ----
echo "# edited by the operator" >>"$C/xdpcast/xdpcast.yaml"
cp "$C/xdpcast/xdpcast.yaml" "$TMP/edited.yaml"
confined "$D" install DESTDIR="$D" PREFIX=/opt/xdpcast
rc=$?
check "a second make install exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "it keeps the edited configuration" cmp -s "$TMP/edited.yaml" "$C/xdpcast/xdpcast.yaml"
check "and says so" grep -q "install: kept $C/xdpcast/xdpcast.yaml" "$TMP/make.log"

# ---- uninstall: all but the edited configuration ----
confined "$D" uninstall DESTDIR="$D" PREFIX=/opt/xdpcast
rc=$?
check "make uninstall exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "it removes every installed file but the edited configuration" \
	[ "$(files_in "$D")" = opt/xdpcast/etc/xdpcast/xdpcast.yaml ]
check "which it keeps, unchanged" cmp -s "$TMP/edited.yaml" "$C/xdpcast/xdpcast.yaml"
check "and says so" grep -q "uninstall: kept $C/xdpcast/xdpcast.yaml" "$TMP/make.log"

# ---- install, uninstall with an untouched configuration: nothing left ----
rm "$C/xdpcast/xdpcast.yaml"
confined "$D" install DESTDIR="$D" PREFIX=/opt/xdpcast &&
	confined "$D" uninstall DESTDIR="$D" PREFIX=/opt/xdpcast
rc=$?
check "install then uninstall exit 0 (exit $rc)" [ "$rc" -eq 0 ]
check "and leave no file in DESTDIR" [ -z "$(files_in "$D")" ]
check "and removes the emptied SYSCONFDIR/xdpcast" [ ! -e "$C/xdpcast" ]

# ---- PREFIX=/usr: SYSCONFDIR /etc, the unit in /usr/lib/systemd/system; INSTALL_STRIP=0 ----
D2=$TMP/dest-usr
mkdir "$D2"
confined "$D2" install DESTDIR="$D2" PREFIX=/usr INSTALL_STRIP=0
rc=$?
check "make install PREFIX=/usr INSTALL_STRIP=0 exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "PREFIX=/usr: the configuration in /etc/xdpcast" [ -f "$D2/etc/xdpcast/xdpcast.yaml" ]
check "PREFIX=/usr: the rt_protos.d entry in /etc/iproute2" \
	[ -f "$D2/etc/iproute2/rt_protos.d/xdpcast.conf" ]
check "PREFIX=/usr: the unit in /usr/lib/systemd/system, naming /usr/sbin and /etc" \
	grep -qx "ExecStart=/usr/sbin/xdpcastd -c /etc/xdpcast/xdpcast.yaml" \
	"$D2/usr/lib/systemd/system/xdpcastd.service"
check "INSTALL_STRIP=0 keeps the symbols" not stripped "$D2/usr/sbin/xdpcastd"
D3=$TMP/dest-nostrip
mkdir "$D3"
confined "$D3" install DESTDIR="$D3" STRIP=
rc=$?
check "make install STRIP= exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "STRIP= (empty) keeps the symbols too" not stripped "$D3/usr/local/sbin/xdpcastd"
check "PREFIX=/usr/local (the default): SYSCONFDIR /etc" [ -f "$D3/etc/xdpcast/xdpcast.yaml" ]

echo "test_install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
