#!/usr/bin/env bash
# tests/shapes/t_shape_auth0.sh - Auth0 as it serves a tenant (issuer with a final slash,
# /.well-known/jwks.json with x5c) and as it signs access tokens for an API (aud array with
# the API and /userinfo, azp, scope string, namespaced claims from an Action), machine
# tokens and ID tokens. The configuration is the ini block of docs/idp/auth0.md; then the
# look-alikes: /userinfo-only and other-API tokens, another application, a machine token,
# the ID token, the issuer without its slash, expired, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin auth0 "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/auth0.conf
shapes_conf "$CONF" 1
AT=$(shapes_mint access)
shape_accepts "access token for the API (aud array with /userinfo)" "$CONF" alice "$AT"
shape_refused "a token for /userinfo only" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": "https://example.eu.auth0.com/userinfo"}}')" wrong_audience
shape_refused "a token for another API" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": ["https://billing.example.com/api", "https://example.eu.auth0.com/userinfo"]}}')" \
	wrong_audience
shape_refused "another application's token for the API (azp)" "$CONF" \
	"$(shapes_mint access '{"claims": {"azp": "OtherAppClientId000000000000000"}}')" wrong_azp
shape_refused "a machine-to-machine token (no groups, no user name claim)" "$CONF" \
	"$(shapes_mint machine)" claim_policy
grep -v '^required_claims' "$CONF" >"$T_TMP/auth0-nogroups.conf"
shape_refused "... and without required_claims still no user name" "$T_TMP/auth0-nogroups.conf" \
	"$(shapes_mint machine)" no_username
shape_refused "its ID token (aud the client id)" "$CONF" "$(shapes_mint id)" wrong_audience
shape_refused "the issuer without its final slash" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://example.eu.auth0.com"}}')" wrong_issuer
shape_refused "a user outside mail-users" "$CONF" \
	"$(shapes_mint access '{"claims": {"https://mail.example.com/groups": []}}')" claim_policy
shape_refused "an expired token" "$CONF" "$(shapes_mint access '{"age": 90000}')" token_expired
shape_refused "a forged token" "$CONF" "$(shapes_mint access '{"key": "attacker"}')" bad_signature
t_done
