#!/usr/bin/env bash
# tests/run.sh - run every test of the project and print "N passed, N failed".
#
# Test programs print "ok - NAME" / "not ok - NAME" lines (tests/unit/testutil.h
# for C, tests/lib/testlib.sh and tests/lib/testlib.py for scripts). A program
# that exits non-zero without a "not ok" line, or prints no check at all,
# counts as one failure: nothing passes by saying nothing.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
export BUILD_DIR ROOT
export PYTHON=/usr/bin/python3
LOGS="$BUILD_DIR/test-logs"
rm -rf "$LOGS"; mkdir -p "$LOGS"

passed=0; failed=0; failures=()

run_one() {   # name, command...
	local name=$1; shift
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
