# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# testlib.sh - helpers for bash script tests (source it; bash only).
#
# Prints "ok - NAME" / "not ok - NAME" lines (with "# " diagnostics) that
# tests/run.sh counts. Runs $BUILD_DIR/oidc-auth (default build/) from the
# repository root and checks exit codes and JSON fields, never message text.
#
#   . tests/lib/testlib.sh
#   t_init cli
#   run_cli validate --config "$cfg" --json "$tok"
#   expect_exit "valid token" 0 && expect_json "valid token: user" user alice
#   t_done
#
# Arguments to a test: optional substrings; only checks whose name contains
# one of them are reported. OIDC_TEST_KEEP=1 keeps the temporary directory.

PY=/usr/bin/python3          # Debian's python with python3-cryptography
BUILD_DIR=${BUILD_DIR:-build}
CLI="$BUILD_DIR/oidc-auth"
T_PASS=0
T_FAIL=0
T_FILTERS=()
RC=
OUT=
ERR=

t_init() {    # NAME [filters...]
	T_NAME=$1
	shift
	T_FILTERS=("$@")
	T_TMP=$(mktemp -d "/tmp/oidc-$T_NAME-XXXXXX")
	chmod 700 "$T_TMP"
	OUT="$T_TMP/stdout"
	ERR="$T_TMP/stderr"
	trap t_cleanup EXIT
	[ -x "$CLI" ] || t_diag "$CLI is missing or not executable: run make first"
}

t_cleanup() {
	if [ "${OIDC_TEST_KEEP:-}" = 1 ]; then
		t_diag "kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
}

t_diag() {    # lines...
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/# /'
	done
}

t_wanted() {  # NAME
	local f
	[ ${#T_FILTERS[@]} -eq 0 ] && return 0
	for f in "${T_FILTERS[@]}"; do
		case "$1" in *"$f"*) return 0 ;; esac
	done
	return 1
}

ok() {        # NAME
	t_wanted "$1" || return 0
	printf 'ok - %s\n' "$1"
	T_PASS=$((T_PASS + 1))
}

not_ok() {    # NAME diag...
	t_wanted "$1" || return 1
	printf 'not ok - %s\n' "$1"
	shift
	t_diag "$@"
	T_FAIL=$((T_FAIL + 1))
	return 1
}

# check NAME COMMAND...: ok when COMMAND succeeds (its output is hidden).
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		ok "$name"
	else
		not_ok "$name" "failed: $*" "last run: $(t_last_run)"
	fi
}

# run_cli ARGS...: run the CLI; stdin from $T_STDIN (a file) or empty.
# Sets RC; stdout and stderr land in $OUT and $ERR.
run_cli() {
	T_LAST=("$CLI" "$@")
	"$CLI" "$@" <"${T_STDIN:-/dev/null}" >"$OUT" 2>"$ERR"
	RC=$?
}

t_last_run() {
	local cmd
	cmd=$(printf '%q ' "${T_LAST[@]}")
	printf '%.400s exit %s; stdout: %.300s; stderr: %.300s' "$cmd" "$RC" \
		"$(tr '\n' '|' <"$OUT")" "$(tr '\n' '|' <"$ERR")"
}

expect_exit() {   # NAME RC
	if [ "$RC" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $RC, expected $2" "$(t_last_run)"
	fi
}

# json_field FIELD [FILE]: the value of a top-level member of the one JSON
# object in FILE (default $OUT): strings raw, others as JSON; exit 1 when
# the file is not exactly one JSON object or lacks the member.
json_field() {
	"$PY" - "$1" "${2:-$OUT}" <<'EOF'
import json, sys
try:
    obj = json.load(open(sys.argv[2]))
except ValueError:
    sys.exit(1)
if not isinstance(obj, dict) or sys.argv[1] not in obj:
    sys.exit(1)
v = obj[sys.argv[1]]
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

expect_json() {   # NAME FIELD VALUE
	local got
	if got=$(json_field "$2") && [ "$got" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "$2 is '$got', expected '$3'" "$(t_last_run)"
	fi
}

# expect_reason NAME RC REASON: exit code and JSON "reason" of the last run.
expect_reason() {
	local got
	got=$(json_field reason)
	if [ "$RC" = "$2" ] && [ "$got" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $RC reason '$got', expected exit $2 reason '$3'" \
			"$(t_last_run)"
	fi
}

# expect_py NAME EXPR: ok when the Python expression EXPR holds for d, the one
# JSON object the last run printed on stdout ($OUT); c is d["challenge"] or {}
# (the login clients of tests/postfix and tests/cyrus print one).
expect_py() {
	if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = (d.get("challenge") or {}) if isinstance(d, dict) else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "not true: $2" "$(t_last_run)"
	fi
}

# Output must not contain a string (token, signature, secret): checks
# stdout and stderr of the last run.
expect_absent() {  # NAME STRING
	if grep -qF -- "$2" "$OUT" "$ERR"; then
		not_ok "$1" "output contains a secret string" "$(t_last_run)"
	else
		ok "$1"
	fi
}

b64url() {        # stdin -> base64url without padding
	basenc --base64url -w0 | tr -d '='
}

# t_wait_grep [-F] FILE PATTERN [SECONDS]: true once grep -qE (-qF with -F) PATTERN FILE
# matches, polling for up to SECONDS (default 5). Daemons write their logs after they answer
# the client (Postfix's postlogd, syslog): a check that greps right after the answer must wait.
t_wait_grep() {
	local mode=-qE f pat n
	if [ "$1" = -F ]; then mode=-qF; shift; fi
	f=$1 pat=$2 n=$(( ${3:-5} * 10 ))
	while [ "$n" -gt 0 ]; do
		grep "$mode" -- "$pat" "$f" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	grep "$mode" -- "$pat" "$f" 2>/dev/null
}

# t_wait_count FILE PATTERN N [SECONDS]: true once exactly N lines of FILE match grep -E
# PATTERN, polling for up to SECONDS (default 5) while fewer do. More than N fails at once:
# a line too many is not a slow log.
t_wait_count() {
	local f=$1 pat=$2 want=$3 n=$(( ${4:-5} * 10 )) c
	while :; do
		c=$(grep -cE -- "$pat" "$f" 2>/dev/null)
		[ "${c:-0}" -lt "$want" ] || break
		[ "$n" -gt 0 ] || break
		sleep 0.1
		n=$((n - 1))
	done
	[ "${c:-0}" -eq "$want" ]
}

t_done() {
	t_diag "$T_NAME: $((T_PASS + T_FAIL)) checks, $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ] && [ $((T_PASS + T_FAIL)) -gt 0 ]
}
