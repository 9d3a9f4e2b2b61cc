#!/usr/bin/env bash
# tests/shapes/t_shape_cognito.sh - an Amazon Cognito user pool as it serves itself (discovery
# and jwks.json under the pool's issuer, access and ID tokens under different keys) and as it
# signs access tokens (no aud, client_id, token_use access, username, the resource server's
# scope) and ID tokens (aud the app client, token_use id, cognito:username). The
# configurations are the two ini blocks of docs/idp/cognito.md: access tokens bound by
# accept_clients, and ID tokens as well (accept_id_tokens, OIDC Core rules). Then the
# look-alikes: another app client, the ID token where access tokens are expected, no scope, an
# aud of another service, another pool, another group, expired, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin cognito "${BASH_SOURCE[0]}" "$@"

OTHER_CLIENT=7otherclient0000000000000a
OTHER_POOL=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_ZzYyXx987
AT=$(shapes_mint access)
IDT=$(shapes_mint id)

# ---- block 1: access tokens, bound by accept_clients ----------------------------------------
ACC=$T_TMP/cognito-access.conf
shapes_conf "$ACC" 1
run_cli check-config "$ACC"
check "cognito: check-config says the binding in words (client_binding)" \
	grep -q 'client_binding: tokens issued to clients 1example23456789abcdefghij are accepted without an audience' "$OUT" "$ERR"
shape_accepts "access token of the app client (no aud, accept_clients, username)" "$ACC" alice "$AT"
shape_refused "an access token of another app client" "$ACC" \
	"$(shapes_mint access "{\"claims\": {\"client_id\": \"$OTHER_CLIENT\"}}")" client_not_accepted
prov_sasl "cognito: ... refused through the SASL plugin too (client_not_accepted)" "$ACC" alice \
	"$(shapes_mint access "{\"claims\": {\"client_id\": \"$OTHER_CLIENT\"}}")" client_not_accepted
shape_refused "the ID token of the same sign-in, where access tokens are expected" "$ACC" \
	"$IDT" wrong_typ
prov_pam_deny "cognito: ... refused through pam_oidc too (wrong_typ)" "$ACC" alice "$IDT" wrong_typ
shape_refused "an access token without the resource server's scope mail/access" "$ACC" \
	"$(shapes_mint access '{"claims": {"scope": "openid email"}}')" insufficient_scope
shape_refused "a token of the pool whose aud names another service (aud wins)" "$ACC" \
	"$(shapes_mint access '{"claims": {"aud": "api://calendar"}}')" wrong_audience
shape_refused "an access token without token_use (required_claims)" "$ACC" \
	"$(shapes_mint access '{"drop": ["token_use"]}')" claim_policy
shape_refused "an access token of another user pool" "$ACC" \
	"$(shapes_mint access "{\"claims\": {\"iss\": \"$OTHER_POOL\"}}")" wrong_issuer
shape_refused "an access token of a user outside mail-users" "$ACC" \
	"$(shapes_mint access '{"claims": {"cognito:groups": ["staff"]}}')" claim_policy
shape_refused "an expired access token" "$ACC" "$(shapes_mint access '{"age": 7200}')" \
	token_expired
shape_refused "a forged access token (another key under the pool's kid)" "$ACC" \
	"$(shapes_mint access '{"key": "attacker"}')" bad_signature

# ---- block 2: ID tokens as well (accept_id_tokens, client_id) --------------------------------
IDC=$T_TMP/cognito-id.conf
shapes_conf "$IDC" 2
shape_accepts "ID token of the app client (OIDC Core rules, cognito:username)" "$IDC" alice "$IDT"
shape_ok "block 2: the access token is still accepted (username)" "$IDC" alice "$AT"
shape_refused "an ID token of another app client (its aud is not client_id)" "$IDC" \
	"$(shapes_mint id "{\"claims\": {\"aud\": \"$OTHER_CLIENT\"}}")" wrong_typ
shape_refused "an ID token naming the app client and another one without azp" "$IDC" \
	"$(shapes_mint id "{\"claims\": {\"aud\": [\"1example23456789abcdefghij\", \"$OTHER_CLIENT\"]}}")" \
	wrong_azp
shape_refused "an ID token without iat (OIDC Core 2)" "$IDC" \
	"$(shapes_mint id '{"drop": ["iat"]}')" missing_claim
shape_refused "block 2: an access token of another app client" "$IDC" \
	"$(shapes_mint access "{\"claims\": {\"client_id\": \"$OTHER_CLIENT\"}}")" client_not_accepted
shape_refused "an ID token of another user pool" "$IDC" \
	"$(shapes_mint id "{\"claims\": {\"iss\": \"$OTHER_POOL\"}}")" wrong_issuer
shape_refused "an ID token of a user outside mail-users" "$IDC" \
	"$(shapes_mint id '{"claims": {"cognito:groups": ["staff"]}}')" claim_policy
shape_refused "an expired ID token" "$IDC" "$(shapes_mint id '{"age": 7200}')" token_expired
shape_refused "a forged ID token" "$IDC" "$(shapes_mint id '{"key": "attacker"}')" bad_signature
expect_absent "cognito: no token in the CLI's output" "${AT##*.}"
t_done
