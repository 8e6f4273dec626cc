#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make check`: formatting (clang-format, the repo's .clang-format) and static
# analysis (cppcheck on the userspace C; the BPF C is checked by clang -Wall
# and by the verifier; shellcheck on every shell script), the man pages
# (scripts/check-man.sh). Prints what is wrong
# and exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
deps_require check git clang-format cppcheck shellcheck tsort || exit 1

fail=0
mapfile -t sources < <(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')
mapfile -t untracked < <(git ls-files --others --exclude-standard '*.c' '*.h' | grep -v '^vmlinux/')
sources+=("${untracked[@]}")

if ! clang-format --dry-run --Werror "${sources[@]}"; then
	echo "check: formatting differs from .clang-format (make format fixes it)" >&2
	fail=1
fi

user_sources=()
for f in "${sources[@]}"; do
	case "$f" in bpf/*) ;; *.c) user_sources+=("$f") ;; esac
done
if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --library=scripts/cppcheck-libbpf.cfg -Iinclude -Iuser/lib -Itests/lib \
	"${user_sources[@]}"; then
	echo "check: cppcheck found problems" >&2
	fail=1
fi

mapfile -t scripts < <(git ls-files --cached --others --exclude-standard '*.sh' .ci/run)
if ! shellcheck -x -S warning "${scripts[@]}"; then
	echo "check: shellcheck found problems" >&2
	fail=1
fi

if ! scripts/graph.sh --check; then
	echo "check: user/ includes in a loop (make graph draws it)" >&2
	fail=1
fi
for f in "${user_sources[@]}"; do
	case "$f" in user/*)
		if [ "$(wc -l <"$f")" -gt 800 ]; then
			echo "check: $f is over 800 lines: split it by what it does" >&2
			fail=1
		fi
		;;
	esac
done

# the man pages: mandoc -Tlint, and the tools' --help and configuration keys in them
if ! scripts/check-man.sh "${BUILD:-build}"; then
	echo "check: the man pages of man/ have problems (scripts/check-man.sh)" >&2
	fail=1
fi

[ $fail -eq 0 ] && echo "check: clean (${#sources[@]} C files, ${#scripts[@]} scripts)"
exit $fail
