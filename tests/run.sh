#!/usr/bin/env bash
# tests/run.sh - run every test of the project and print "N passed, N failed".
#
# Test programs print "ok - NAME" / "not ok - NAME" lines (tests/unit/testutil.h
# for C, tests/lib/testlib.sh and tests/lib/testlib.py for scripts). A program
# that exits non-zero without a "not ok" line, or prints no check at all,
# counts as one failure: nothing passes by saying nothing.
#
# RUN_ONLY="name ..." runs only the tests of those names (make check-tsan).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
export BUILD_DIR ROOT
export PYTHON=/usr/bin/python3
LOGS="$BUILD_DIR/test-logs"
rm -rf "$LOGS"; mkdir -p "$LOGS"

passed=0; failed=0; failures=()

# Tests never write the host's default paths (they bind or overlay private copies in their
# own mount namespace). One that leaves such a path behind fails here, by name, once. An
# empty leftover (a mount point) is removed, so that .ci/packages-smoke.sh (which refuses to
# run when /etc/oidc-auth exists) is not affected; anything with content is left alone: the
# runner never deletes files it did not make (a package installed meanwhile, say).
HOST_PATHS=(/etc/oidc-auth /var/cache/oidc-auth /var/lib/oidc-auth)
host_before=()
for h in "${HOST_PATHS[@]}"; do [ -e "$h" ] && host_before+=("$h"); done
host_left() {   # print the default paths that exist now but did not before the suite
	local h b seen
	for h in "${HOST_PATHS[@]}"; do
		[ -e "$h" ] || continue
		seen=
		for b in "${host_before[@]}"; do [ "$b" = "$h" ] && seen=1; done
		[ -n "$seen" ] || echo "$h"
	done
}

run_one() {   # name, command...
	local name=$1; shift
	if [ -n "${RUN_ONLY:-}" ] && [[ " $RUN_ONLY " != *" $name "* ]]; then
		return 0
	fi
	local log="$LOGS/$name.log" rc p f
	local t0=$SECONDS
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"; f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no check" >>"$log"; f=1
	fi
	for h in $(host_left); do
		echo "not ok - $name left $h on the host: $(ls -A "$h" 2>/dev/null | head -n 3 | tr '\n' ' ')" >>"$log"
		f=$((f + 1))
		rmdir "$h" 2>/dev/null || host_before+=("$h")
	done
	passed=$((passed + p)); failed=$((failed + f))
	printf '%-40s %5d passed %4d failed  %3ds\n' "$name" "$p" "$f" $((SECONDS - t0))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		grep -E '^(not ok|#)' "$log" | grep -A3 '^not ok' | head -40 | sed 's/^/    /'
	fi
}

# C unit tests, vector runners and fuzz corpus replays.
for bin in "$BUILD_DIR"/tests/test_* "$BUILD_DIR"/tests/vec_*; do
	[ -x "$bin" ] || continue
	run_one "$(basename "$bin")" "$bin"
done
for bin in "$BUILD_DIR"/tests/replay_fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/replay_fuzz_}
	run_one "replay_$name" "$bin" "tests/fuzz/corpus/$name"
done
# Script tests: tests/*/t_*.sh and tests/*/t_*.py
for t in $(ls tests/*/t_*.sh tests/*/t_*.py 2>/dev/null | sort); do
	name=$(basename "${t%.*}")
	case "$t" in
	*.py) run_one "$name" "$PYTHON" "$t" ;;
	*) run_one "$name" bash "$t" ;;
	esac
done

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]} (logs in $LOGS)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
