#!/usr/bin/env bash
# tests/bench/run.sh - the `make bench` driver: runs build/bench/bench and
# prints its "BENCH ..." lines (and "#" comments); exits non-zero when the
# benchmark fails (a token that does not validate, a malformed one accepted).
#
#   BENCH_SECONDS=1.5  seconds per algorithm (both sides together)
#   BENCH_ALGS="RS256 malformed"  only these parts (RS256 PS256 ES256 EdDSA
#                     HS256 malformed repeat_token introspection_cached
#                     cold_process dovecot_imap_login postfix_auth;
#                     default: all)
set -u
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
BIN="$BUILD_DIR/bench/bench"
[ -x "$BIN" ] || { echo "bench: $BIN not built (make bench)" >&2; exit 1; }

# shellcheck disable=SC2086 # BENCH_ALGS is a word list
"$BIN" "${BENCH_SECONDS:-1.5}" ${BENCH_ALGS:-} | grep -E '^(BENCH|#)'
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || echo "bench: $BIN failed with status $rc" >&2
wanted() { [ -z "${BENCH_ALGS:-}" ] || [[ " $BENCH_ALGS " == *" $1 "* ]]; }
# issue 3: an opaque token answered from the introspection cache; the
# loopback stub provider lives in a private network namespace.
if wanted introspection_cached; then
	IS_BIN="$BUILD_DIR/bench/introspect_cached"
	if [ ! -x "$IS_BIN" ]; then
		echo "bench: $IS_BIN not built (make bench)" >&2
		rc=1
	else
		unshare -n sh -c 'ip link set lo up && exec "$0" "$1"' \
			"$IS_BIN" "${BENCH_SECONDS:-1.5}" | grep -E '^(BENCH|#)'
		if [ "${PIPESTATUS[0]}" -ne 0 ]; then
			echo "bench: $IS_BIN failed (unshare -n needs root)" >&2
			rc=1
		fi
	fi
fi
# issue 3: one process per validation against a warm disk cache
if wanted cold_process; then
	BUILD_DIR=$BUILD_DIR tests/bench/cold_process.sh || rc=1
fi
# issue 4: IMAP logins through a real Dovecot, pam_oidc vs pam_permit
if wanted dovecot_imap_login; then
	BUILD_DIR=$BUILD_DIR tests/bench/dovecot_imap.sh || rc=1
fi
# issue 5: SMTP AUTH through real Postfix, OAUTHBEARER vs PLAIN/sasldb
if wanted postfix_auth; then
	BUILD_DIR=$BUILD_DIR tests/bench/postfix_auth.sh || rc=1
fi
exit "$rc"
