#!/usr/bin/env bash
# tests/shapes/t_shape_cognito.sh - an Amazon Cognito user pool as it serves itself (discovery
# and jwks.json under the pool's issuer, access and ID tokens under different keys) and as it
# signs ID tokens (aud the app client, token_use id, cognito:username) and access tokens
# (no aud, client_id, token_use access). The configuration is the ini block of
# docs/idp/cognito.md (ID tokens); the access token is refused until an explicit aud-less
# client binding exists (the guide's "Pending" section); then the look-alikes.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin cognito "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/cognito.conf
shapes_conf "$CONF" 1
IDT=$(shapes_mint id)
shape_accepts "ID token of the app client (cognito:username)" "$CONF" alice "$IDT"
shape_refused "its access token: no aud (pending an explicit client binding)" "$CONF" \
	"$(shapes_mint access)" missing_claim
shape_refused "an access token given the app client as aud is still not an ID token" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": "1example23456789abcdefghij"}}')" claim_policy
shape_refused "an ID token of another app client" "$CONF" \
	"$(shapes_mint id '{"claims": {"aud": "7otherclient0000000000000a"}}')" wrong_audience
shape_refused "an ID token of another user pool" "$CONF" \
	"$(shapes_mint id '{"claims": {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_ZzYyXx987"}}')" \
	wrong_issuer
shape_refused "a user outside the mail-users group" "$CONF" \
	"$(shapes_mint id '{"claims": {"cognito:groups": ["staff"]}}')" claim_policy
shape_refused "an expired ID token" "$CONF" "$(shapes_mint id '{"age": 7200}')" token_expired
shape_refused "a forged ID token" "$CONF" "$(shapes_mint id '{"key": "attacker"}')" bad_signature
t_done
