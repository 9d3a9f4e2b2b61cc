#!/usr/bin/env bash
# tests/shapes/t_shape_keycloak.sh - Keycloak as it serves a realm (discovery, certs with an
# RSA-OAEP encryption key beside the signing key, x5c/x5t/x5t#S256) and as it signs access,
# ID and refresh tokens. The configuration is the ini block of docs/idp/keycloak.md; then the
# look-alikes: no audience mapper (aud "account"), ID and refresh tokens, another realm,
# the old /auth path, a missing group or scope, expired, forged, the encryption key's kid.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin keycloak "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/keycloak.conf
shapes_conf "$CONF" 1
AT=$(shapes_mint access)
shape_accepts "access token with the audience mapper (aud mail-gateway, account)" "$CONF" alice "$AT"
shape_refused "without the audience mapper (aud account only)" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": "account"}}')" wrong_audience
shape_refused "its ID token (aud the login client)" "$CONF" "$(shapes_mint id)" wrong_audience
shape_refused "its refresh token (HS512 with the realm's secret)" "$CONF" \
	"$(shapes_mint refresh)" alg_not_allowed
shape_refused "a token of another realm" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://sso.example.com/realms/guests"}}')" wrong_issuer
shape_refused "the old /auth/realms issuer" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://sso.example.com/auth/realms/staff"}}')" wrong_issuer
shape_refused "a user outside mail-users" "$CONF" \
	"$(shapes_mint access '{"claims": {"groups": ["staff"]}}')" claim_policy
shape_refused "without the mail.access scope" "$CONF" \
	"$(shapes_mint access '{"claims": {"scope": "openid profile email"}}')" insufficient_scope
shape_refused "an expired token" "$CONF" "$(shapes_mint access '{"age": 3600}')" token_expired
shape_refused "a forged token" "$CONF" "$(shapes_mint access '{"key": "attacker"}')" bad_signature
shape_refused "signed under the encryption key's kid (use enc is not for signatures)" "$CONF" \
	"$(shapes_mint access '{"header": {"kid": "enc-Yv0hJ8xQ2m5nB3kL7pR9sT1uW4yZ6aC8eG0iK2mO4qS"}}')" \
	unknown_kid
expect_absent "keycloak: no token in the CLI's output" "${AT##*.}"
t_done
