#!/usr/bin/env bash
# tests/userinfo/t_userinfo.sh - userinfo = validate (opaque tokens only the provider can
# check, validated by asking its userinfo endpoint, as for Google access tokens) and
# userinfo = enrich (a validated JWT plus claims the token lacks), through build/oidc-auth,
# against the real OpenID provider (device-flow user tokens) and the stub endpoint
# (tests/introspect/stub.py). Private network and PID namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/netns.sh "userinfo" "$@"

. tests/lib/testlib.sh
. tests/idp/lib.sh
. tests/lib/oauth.sh
t_init userinfo "$@"
STUB_PID=
trap '[ -z "$STUB_PID" ] || _idp_kill_wait "$STUB_PID"; idp_cleanup; t_cleanup' EXIT

D=$T_TMP/idp
mkdir -p "$D"
idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 ||
	{ not_ok "userinfo: make CA and keys"; t_done; exit 1; }
idp_start "$D" 8443 || { not_ok "userinfo: start the OpenID provider"; t_done; exit 1; }
: >"$T_TMP/stub.out"
# /google-tokeninfo plays Google's tokeninfo over the provider's introspection
STUB_CLIENT_ID=$IDP_CLIENT_ID STUB_CLIENT_SECRET=$IDP_CLIENT_SECRET STUB_CA=$IDP_CA \
	"$PY" tests/introspect/stub.py 8444 "$D/server.pem" "$D/server.key" "$IDP_ISSUER" \
	>"$T_TMP/stub.out" 2>"$T_TMP/stub.log" </dev/null &
STUB_PID=$!
for ((i = 0; i < 100; i++)); do
	read -r line <"$T_TMP/stub.out" || true
	[ "${line:-}" != READY ] || break
	sleep 0.05
done
[ "${line:-}" = READY ] || { not_ok "userinfo: start stub.py"; t_done; exit 1; }
STUB=https://127.0.0.1:8444
ok "userinfo: provider and stub up"

# ---- userinfo = validate: an opaque user token, bound by tokeninfo --------------------
# A userinfo answer has no aud: any client's token gets one (for Google, a token issued to
# any OAuth client the user ever used). Alone it binds nothing, so the configuration is
# refused; tokeninfo (Google's; here played by stub.py over the provider's introspection,
# aud = the client the token was issued to) binds it.
idp_device_login alice "" || not_ok "userinfo: device login alice (opaque user token)"
OPAQUE=$IDP_ACCESS_TOKEN
# the same user, the same provider, another application (the public client oidc-auth-device)
idp_device_login alice "" "openid profile email" public ||
	not_ok "userinfo: device login alice at the public client"
OTHER=$IDP_ACCESS_TOKEN
NOBIND=$T_TMP/nobind.conf
cat >"$NOBIND" <<EOF
issuer = $IDP_ISSUER
audience = $IDP_CLIENT_ID
ca_file = $IDP_CA
cache_dir = $T_TMP/cache
token_types = jwt, opaque
userinfo = validate
username_claim = preferred_username
EOF
run_cli check-config "$NOBIND"
expect_exit "validate: userinfo alone binds nothing: check-config refuses it (exit 2)" 2
check "validate: ... and says why and what to set (tokeninfo_endpoint)" \
	grep -q 'userinfo: validate binds nothing by itself.*tokeninfo_endpoint' "$ERR"
[ "$(idp_userinfo "$OTHER" | json_expr 'd["sub"]' 2>/dev/null)" = alice ] &&
	ok "validate: userinfo answers for alice with a token of another client (oidc-auth-device)" ||
	not_ok "validate: userinfo answers for alice with a token of another client"
run_cli validate --config "$NOBIND" --json -- "$OTHER"
expect_reason "validate: ... so that token is not accepted by userinfo alone (config_error)" 2 \
	config_error
VCONF=$T_TMP/validate.conf
{ cat "$NOBIND"; echo "tokeninfo_endpoint = $STUB/google-tokeninfo"; } >"$VCONF"
run_cli check-config "$VCONF"
expect_exit "validate: with tokeninfo_endpoint the configuration is valid" 0
check "validate: check-config explains the tokeninfo binding" \
	grep -q "^# note: tokeninfo_binding: opaque tokens are bound by the answer of tokeninfo_endpoint .*: its aud must be one of $IDP_CLIENT_ID" "$OUT"
run_cli validate --config "$VCONF" --user alice --json -- "$OPAQUE"
expect_exit "validate: opaque user token of our client accepted (tokeninfo + userinfo)" 0
expect_json "validate: user from the userinfo answer" user alice
run_cli validate --config "$VCONF" --json --set "required_claims=groups=mail-users" -- "$OPAQUE"
expect_exit "validate: required_claims met by the userinfo answer" 0
run_cli validate --config "$VCONF" --json --set "required_claims=groups=admins" -- "$OPAQUE"
expect_reason "validate: required_claims not met: claim_policy" 1 claim_policy
run_cli validate --config "$VCONF" --json --set username_claim=email \
	--set username_map=strip_domain:example.test -- "$OPAQUE"
expect_json "validate: username_map applies to userinfo answers (email -> alice)" user alice
run_cli validate --config "$VCONF" --user bob --json -- "$OPAQUE"
expect_reason "validate: another user's token: user_mismatch" 1 user_mismatch
run_cli validate --config "$VCONF" --json -- "$OTHER"
expect_reason "validate: the other client's token: its tokeninfo aud is that client: wrong_audience" \
	1 wrong_audience
run_cli validate --config "$VCONF" --json --set "tokeninfo_endpoint=$STUB/tokeninfo-other" -- "$OPAQUE"
expect_reason "validate: tokeninfo with aud = another client (stub): wrong_audience" 1 wrong_audience
run_cli validate --config "$VCONF" --json --set "tokeninfo_endpoint=$STUB/tokeninfo-for-bob" -- "$OPAQUE"
expect_reason "validate: tokeninfo about bob, userinfo about alice: user_mismatch" 1 user_mismatch
run_cli validate --config "$VCONF" --json --set "tokeninfo_endpoint=$STUB/tokeninfo-400" -- "$OPAQUE"
expect_reason "validate: tokeninfo HTTP 400 invalid_token: token_inactive" 1 token_inactive
n0=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-alice")
run_cli validate --config "$VCONF" --json --set "tokeninfo_endpoint=$STUB/tokeninfo-other" \
	--set "userinfo_endpoint=$STUB/userinfo-alice" -- "$OPAQUE"
n1=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-alice")
[ "$RC" = 1 ] && [ "$n0" = "$n1" ] && ok "validate: an unbound token never reaches userinfo" ||
	not_ok "validate: an unbound token never reaches userinfo" "rc $RC, count $n0 -> $n1"
run_cli validate --config "$VCONF" --json --set "tokeninfo_endpoint=$STUB/tokeninfo-for-root" \
	--set "userinfo_endpoint=$STUB/userinfo-root" --set username_claim=sub -- "$OPAQUE"
expect_reason "validate: an opaque token the provider says is root's: system_user" 1 system_user
run_cli validate --config "$VCONF" --json "not-a-token-the-provider-issued"
expect_reason "validate: a token the provider does not know: token_inactive" 1 token_inactive
run_cli validate --config "$VCONF" --json --set "userinfo_endpoint=$STUB/500" -- "$OPAQUE"
expect_reason "validate: userinfo answers 500: idp_unreachable (exit 3)" 3 idp_unreachable
run_cli validate --config "$VCONF" --json --set "userinfo_endpoint=$STUB/big" --set http_timeout=5 -- "$OPAQUE"
expect_reason "validate: userinfo answers 10 MB: idp_bad_document (exit 2)" 2 idp_bad_document
run_cli validate --config "$VCONF" --json --set "userinfo_endpoint=$STUB/no-sub" -- "$OPAQUE"
expect_exit "validate: userinfo answer without sub is refused" 1
expect_absent "validate: the token is never printed" "$OPAQUE"

# ---- userinfo = enrich after introspection (issue 12) -----------------------------------
# stub /good: active, aud api://opaque, sub stub-user, no preferred_username; its userinfo
# answer adds preferred_username and department for the same sub.
printf '%s' "$IDP_CLIENT_SECRET" >"$T_TMP/secret" && chmod 600 "$T_TMP/secret"
OCONF=$T_TMP/enrich-opaque.conf
cat >"$OCONF" <<EOF
issuer = $IDP_ISSUER
audience = api://opaque
ca_file = $IDP_CA
cache_dir = $T_TMP/cache
token_types = opaque
introspection_endpoint = $STUB/good
client_id = $IDP_CLIENT_ID
client_secret_file = $T_TMP/secret
userinfo = enrich
userinfo_endpoint = $STUB/userinfo-stub-user
username_claim = preferred_username
EOF
run_cli validate --config "$OCONF" --json -- opaque-token-1
expect_json "enrich opaque: user name from userinfo (the answer has none)" user stub-user
run_cli validate --config "$OCONF" --json --set "required_claims=groups=override-attempt" -- opaque-token-1
expect_exit "enrich opaque: required_claims met by a claim only userinfo has (groups)" 0
run_cli validate --config "$OCONF" --json --set "required_claims=department=mail-ops" -- opaque-token-1
expect_reason "enrich opaque: the answer's own claims win over userinfo's (department)" 1 \
	claim_policy
run_cli validate --config "$OCONF" --json --set "required_claims=department=from-introspection" \
	-- opaque-token-1
expect_exit "enrich opaque: ... the introspection answer's department counts" 0
run_cli validate --config "$OCONF" --json --set "userinfo_endpoint=$STUB/userinfo-bob" -- opaque-token-1
expect_reason "enrich opaque: userinfo about another sub: user_mismatch" 1 user_mismatch
n0=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-stub-user")
run_cli validate --config "$OCONF" --json --set "introspection_endpoint=$STUB/no-aud" -- opaque-token-1
expect_reason "enrich opaque: an answer without aud: no_audience" 1 no_audience
run_cli validate --config "$OCONF" --json --set "introspection_endpoint=$STUB/inactive" -- opaque-token-1
expect_reason "enrich opaque: an inactive token: token_inactive" 1 token_inactive
n1=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-stub-user")
[ "$n0" = "$n1" ] && ok "enrich opaque: ... userinfo is never asked about a refused token" ||
	not_ok "enrich opaque: ... userinfo is never asked about a refused token" "$n0 -> $n1"

# ---- userinfo = enrich: a JWT plus what userinfo adds -------------------------------------
idp_device_login alice api://mail || not_ok "userinfo: device login alice (JWT access token)"
JWT=$IDP_ACCESS_TOKEN
ECONF=$T_TMP/enrich.conf
cat >"$ECONF" <<EOF
issuer = $IDP_ISSUER
audience = api://mail
ca_file = $IDP_CA
cache_dir = $T_TMP/cache
userinfo = enrich
userinfo_endpoint = $STUB/userinfo-alice
username_claim = preferred_username
EOF
run_cli validate --config "$ECONF" --user alice --json --set "required_claims=department=mail-ops" "$JWT"
expect_exit "enrich: required_claims met by a claim only userinfo has" 0
run_cli validate --config "$ECONF" --json --set "required_claims=department=finance" "$JWT"
expect_reason "enrich: ... and refused when it does not match: claim_policy" 1 claim_policy
run_cli validate --config "$ECONF" --json --set "required_claims=groups=override-attempt" "$JWT"
expect_reason "enrich: the signed token's claims win over the answer's" 1 claim_policy
run_cli validate --config "$ECONF" --json --set "required_claims=groups=mail-users" "$JWT"
expect_exit "enrich: ... the token's groups count" 0
run_cli validate --config "$ECONF" --json --set username_claim=department "$JWT"
expect_json "enrich: username_claim may come from userinfo" user mail-ops
run_cli validate --config "$ECONF" --json --set "userinfo_endpoint=$STUB/userinfo-bob" "$JWT"
expect_reason "enrich: userinfo about another sub: user_mismatch" 1 user_mismatch
run_cli validate --config "$ECONF" --json --set "userinfo_endpoint=$STUB/401" "$JWT"
expect_reason "enrich: userinfo 401: token_inactive" 1 token_inactive
run_cli validate --config "$ECONF" --json --set "userinfo_endpoint=$STUB/slow" --set http_timeout=2 "$JWT"
expect_reason "enrich: userinfo answers one byte a second: idp_unreachable within the timeout" 3 idp_unreachable
SIG=${JWT##*.}
C=A; [ "${SIG:0:1}" = A ] && C=B
BAD=${JWT%.*}.$C${SIG:1}
n0=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-alice")
run_cli validate --config "$ECONF" --json "$BAD"
expect_reason "enrich: a forged token is refused before userinfo is asked" 1 bad_signature
n1=$(curl -s --cacert "$IDP_CA" "$STUB/__count?path=/userinfo-alice")
[ "$n0" = "$n1" ] && ok "enrich: ... no userinfo request for it" ||
	not_ok "enrich: ... no userinfo request for it" "count $n0 -> $n1"
run_cli validate --config "$ECONF" --json -- "$OPAQUE"
expect_reason "enrich: opaque tokens still need token_types opaque" 1 malformed_token
t_done
