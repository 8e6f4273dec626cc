#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The man pages of man/ (mdoc), kept true: `mandoc -Tlint` finds no warning
# in them; every key of docs/configuration.md's tables is in xdpcast.yaml(5);
# and, with the tools built in BUILD, every long option that a tool's --help
# prints is in its man page. Run by `make check` (scripts/check.sh: the
# options only when the tools are built, said when they are not) and by
# tests/install/test_man.sh in `make test` (--need-build: always).
# Usage: scripts/check-man.sh [--need-build] [BUILD]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
need_build=
if [ "${1:-}" = --need-build ]; then
	need_build=1
	shift
fi
build=${1:-${BUILD:-build}}
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_require check-man mandoc sed grep || exit 1

fail=0
pages=(man/*.[0-9])
# warnings and errors only: mandoc's style notes include "referenced manual
# not found" for pages not installed on this machine
if ! mandoc -Tlint -W warning "${pages[@]}"; then
	echo "check-man: mandoc -Tlint found problems in man/" >&2
	fail=1
fi

# the page as a reader sees it: mandoc's rendering without overstrike
rendered() {
	mandoc -Tascii "$1" | sed 's/.\x08//g'
}

text=$(rendered man/xdpcast.yaml.5)
for key in $(grep -oE '^\| `[a-z_]+`' docs/configuration.md | tr -d '|` ' | sort -u); do
	if ! grep -qw -- "$key" <<<"$text"; then
		echo "check-man: man/xdpcast.yaml.5 lacks the key $key of docs/configuration.md" >&2
		fail=1
	fi
done

checked=0
for tool in xdpcastd xdpcastctl xdpcast-dp; do
	if [ ! -x "$build/$tool" ]; then
		[ -n "$need_build" ] && { echo "check-man: $build/$tool is not built" >&2; fail=1; }
		continue
	fi
	text=$(rendered "man/$tool.8")
	mapfile -t opts < <("$build/$tool" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	if [ ${#opts[@]} -lt 2 ]; then
		echo "check-man: $build/$tool --help printed no long option" >&2
		fail=1
	fi
	for opt in "${opts[@]}"; do
		# a whole option: --port is not found in --portal
		if ! grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" <<<"$text"; then
			echo "check-man: man/$tool.8 lacks $opt, which $tool --help prints" >&2
			fail=1
		fi
	done
	checked=$((checked + 1))
done
[ "$checked" -eq 3 ] || [ -n "$need_build" ] ||
	echo "check-man: the tools are not built in $build: their --help not compared (make all)"

[ $fail -eq 0 ] && echo "check-man: clean (${#pages[@]} pages, $checked tools' --help)"
exit $fail
