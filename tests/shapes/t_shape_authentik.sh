#!/usr/bin/env bash
# tests/shapes/t_shape_authentik.sh - authentik as it serves an application (per-application
# issuer ending with "/", discovery and jwks/ below it) and as it signs access and ID tokens
# for the provider's client id. The configuration is the ini block of
# docs/idp/authentik.md; then the look-alikes: another application, an ID token (no scope),
# a provider without signing key (HS256), a missing group, expired, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin authentik "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/authentik.conf
shapes_conf "$CONF" 1
AT=$(shapes_mint access)
shape_accepts "access token of the application's provider" "$CONF" alice "$AT"
shape_refused "a token of another application (its own issuer)" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://authentik.example.com/application/o/wiki/", "aud": "wiki-client-id", "azp": "wiki-client-id"}}')" \
	wrong_issuer
shape_refused "the issuer without its final slash" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://authentik.example.com/application/o/mail-gateway"}}')" \
	wrong_issuer
shape_refused "its ID token (no scope claim)" "$CONF" "$(shapes_mint id)" insufficient_scope
shape_refused "a provider without signing key (HS256 with the client secret)" "$CONF" \
	"$(shapes_mint access '{"header": {"alg": "HS256"}}')" alg_not_allowed
shape_refused "a user outside mail-users" "$CONF" \
	"$(shapes_mint access '{"claims": {"groups": ["authentik Admins"]}}')" claim_policy
shape_refused "an expired token" "$CONF" "$(shapes_mint access '{"age": 600}')" token_expired
shape_refused "a forged token" "$CONF" "$(shapes_mint access '{"key": "attacker"}')" bad_signature
t_done
