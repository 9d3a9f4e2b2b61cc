#!/usr/bin/env bash
# tests/bench/run.sh - the `make bench` driver: runs build/bench/bench and
# prints its "BENCH ..." lines (and "#" comments); exits non-zero when the
# benchmark fails (a token that does not validate, a malformed one accepted).
#
#   BENCH_SECONDS=1.5  seconds per algorithm (both sides together)
#   BENCH_ALGS="RS256 malformed"  only these parts (RS256 PS256 ES256 EdDSA
#                     HS256 malformed; default: all)
set -u
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
BIN="$BUILD_DIR/bench/bench"
[ -x "$BIN" ] || { echo "bench: $BIN not built (make bench)" >&2; exit 1; }

# shellcheck disable=SC2086 # BENCH_ALGS is a word list
"$BIN" "${BENCH_SECONDS:-1.5}" ${BENCH_ALGS:-} | grep -E '^(BENCH|#)'
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || echo "bench: $BIN failed with status $rc" >&2
# issue 3: one process per validation against a warm disk cache
BUILD_DIR=$BUILD_DIR tests/bench/cold_process.sh || rc=1
# issue 4: IMAP logins through a real Dovecot, pam_oidc vs pam_permit
BUILD_DIR=$BUILD_DIR tests/bench/dovecot_imap.sh || rc=1
# issue 5: SMTP AUTH through real Postfix, OAUTHBEARER vs PLAIN/sasldb
BUILD_DIR=$BUILD_DIR tests/bench/postfix_auth.sh || rc=1
exit "$rc"
