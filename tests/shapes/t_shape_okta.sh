#!/usr/bin/env bash
# tests/shapes/t_shape_okta.sh - Okta's custom authorization server "default" as it serves
# itself (discovery and /v1/keys under /oauth2/default) and as it signs access tokens (no typ,
# cid, uid, scp array, sub the login) and ID tokens. The configuration is the ini block of
# docs/idp/okta.md; then the look-alikes: the org authorization server, another custom
# server, an ID token, another client, another domain, no scope, expired, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin okta "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/okta.conf
shapes_conf "$CONF" 1
AT=$(shapes_mint access)
shape_accepts "access token of the default authorization server (no typ, scp array)" "$CONF" alice "$AT"
shape_refused "a token of the org authorization server (for Okta's own APIs)" "$CONF" \
	"$(shapes_mint org)" wrong_issuer
shape_refused "a token of another custom authorization server" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://example.okta.com/oauth2/aus9x8y7z6"}}')" wrong_issuer
shape_refused "its ID token (aud the client id)" "$CONF" "$(shapes_mint id)" wrong_audience
shape_refused "another client's token (cid)" "$CONF" \
	"$(shapes_mint access '{"claims": {"cid": "0oaOTHERCLIENT0000000"}}')" claim_policy
shape_refused "a login of another domain" "$CONF" \
	"$(shapes_mint access '{"claims": {"sub": "bob@partner.example"}}')" bad_username
shape_refused "without mail.access in scp" "$CONF" \
	"$(shapes_mint access '{"claims": {"scp": ["openid", "profile"]}}')" insufficient_scope
shape_refused "an expired token" "$CONF" "$(shapes_mint access '{"age": 7200}')" token_expired
shape_refused "a forged token" "$CONF" "$(shapes_mint access '{"key": "attacker"}')" bad_signature
t_done
