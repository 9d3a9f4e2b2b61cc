#!/usr/bin/env bash
# tests/introspect/t_introspect.sh - common/introspect.c against the real OpenID provider
# (tests/idp/provider.mjs: opaque tokens, revocation, userinfo with a device-flow user token)
# and a misbehaving endpoint (stub.py). Re-executes itself under unshare -n -p -f, so the
# fixed loopback ports cannot clash and nothing outlives it; then runs the C test binary
# build/tests/test_introspect with the tokens and URLs in IT_* variables.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$ROOT/${BUILD_DIR:-build}/tests/test_introspect

if [ ! -f "$HERE/../idp/node_modules/oidc-provider/package.json" ]; then
	echo "not ok - introspect: oidc-provider missing: run npm ci --prefix tests/idp (or .ci/run)"
	exit 1
fi
[ -x "$BIN" ] || { echo "not ok - introspect: $BIN not built (make)"; exit 1; }
if [ "${IT_IN_NS:-}" != 1 ]; then
	if ! unshare -n -p -f --mount-proc true 2>/dev/null; then
		echo "not ok - introspect: cannot create namespaces (unshare -n -p -f needs root)"
		exit 1
	fi
	IT_IN_NS=1 exec unshare -n -p -f --mount-proc bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up || { echo "not ok - introspect: ip link set lo up failed"; exit 1; }
# shellcheck source=../idp/lib.sh
. "$HERE/../idp/lib.sh"

WORK=$(mktemp -d /tmp/introspect.XXXXXX)
STUB_PID=
cleanup() {
	[ -z "$STUB_PID" ] || _idp_kill_wait "$STUB_PID"
	idp_cleanup
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "not ok - introspect setup: $*"; exit 1; }

idp_make_ca "$WORK" || fail "CA"
idp_make_keys "$WORK" || fail "keys"
idp_start "$WORK" 8443 || fail "provider did not start"

: >"$WORK/stub.out"
"$IDP_PY" "$HERE/stub.py" 8444 "$WORK/server.pem" "$WORK/server.key" "$IDP_ISSUER" \
	>"$WORK/stub.out" 2>"$WORK/stub.log" </dev/null &
STUB_PID=$!
for ((i = 0; i < 100; i++)); do
	read -r line <"$WORK/stub.out" || true
	[ "${line:-}" != READY ] || break
	sleep 0.05
done
[ "${line:-}" = READY ] || fail "stub.py did not start"

IT_OPAQUE=$(idp_opaque_token "mail.read") || fail "opaque token"
IT_OPAQUE_REVOKE=$(idp_opaque_token "mail.read") || fail "second opaque token"
# Independent view (curl against the provider) of what we are about to check.
idp_introspect "$IT_OPAQUE" | grep -q '"active":true' || fail "provider says inactive"
idp_device_login alice "" || fail "device login alice"
IT_USER_TOKEN=$IDP_ACCESS_TOKEN

export IT_ISSUER=$IDP_ISSUER IT_CA=$IDP_CA IT_CLIENT_ID=$IDP_CLIENT_ID
export IT_SECRET=$IDP_CLIENT_SECRET IT_STUB=https://127.0.0.1:8444
export IT_OPAQUE IT_OPAQUE_REVOKE IT_USER_TOKEN
"$BIN"
rc=$?

# The CLI with token_types = jwt, opaque: a JWT the OpenSSH client cut at 1023 bytes (one
# dot left, so it is offered to introspection) comes back inactive and is reported as
# token_truncated (issue 12); an unknown opaque token stays token_inactive.
CLI=$ROOT/${BUILD_DIR:-build}/oidc-auth
printf '%s' "$IDP_CLIENT_SECRET" >"$WORK/secret" && chmod 600 "$WORK/secret"
mkdir -m 700 "$WORK/cache"
printf '%s\n' "issuer = $IDP_ISSUER" "audience = api://mail" "ca_file = $IDP_CA" \
	"cache_dir = $WORK/cache" "token_types = jwt, opaque" "client_id = $IDP_CLIENT_ID" \
	"client_secret_file = $WORK/secret" "username_claim = preferred_username" >"$WORK/opaque.conf"
GROUPS_100=$(seq -f 'opaque-group-%03g' 1 100 | paste -sd, -)
LONG=$(idp_token_cc api://mail "" alice "$GROUPS_100") || fail "long JWT"
reason() {   # TOKEN: the JSON reason of oidc-auth validate
	printf '%s' "$1" | "$CLI" validate --config "$WORK/opaque.conf" --json - |
		sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p'
}
cut=${LONG:0:1023}
if [ "${cut//[^.]/}" = . ] && [ "$(reason "$cut")" = token_truncated ]; then
	echo "ok - opaque tokens on: a JWT cut at 1023 bytes is introspected, then token_truncated"
else
	echo "not ok - opaque tokens on: a JWT cut at 1023 bytes is introspected, then token_truncated"
	echo "# reason: $(reason "$cut")"; rc=1
fi
junk=$(head -c 60 /dev/urandom | basenc --base64url -w0 | tr -d '=')
if [ "$(reason "$junk")" = token_inactive ]; then
	echo "ok - opaque tokens on: an unknown opaque token stays token_inactive"
else
	echo "not ok - opaque tokens on: an unknown opaque token stays token_inactive"
	echo "# reason: $(reason "$junk")"; rc=1
fi
exit $rc
