#!/usr/bin/env bash
# tests/shapes/t_shape_zitadel.sh - Zitadel as it serves an instance (discovery, /oauth/v2/keys)
# and as it signs JWT access tokens (aud the project and client ids, client_id, numeric sub,
# role claims as objects). The configuration is the ini block of docs/idp/zitadel.md (a map
# file for the numeric sub); then the look-alikes: another project, another client, an
# unmapped user, another instance, expired, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin zitadel "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/zitadel.conf
MAP=$T_TMP/zitadel-users.map
printf '216453655233233407 alice\n' >"$MAP"
shapes_conf "$CONF" 1 "/etc/oidc-auth/zitadel-users.map=$MAP"
AT=$(shapes_mint access)
shape_accepts "JWT access token with the project audience" "$CONF" alice "$AT"
shape_refused "a token without the project audience" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": ["216453915555086335@mail"]}}')" wrong_audience
shape_refused "a token of another project" "$CONF" \
	"$(shapes_mint access '{"claims": {"aud": ["999999999999999999", "999999999999999998@other"], "client_id": "999999999999999998@other"}}')" \
	wrong_audience
shape_refused "another application of the project (client_id)" "$CONF" \
	"$(shapes_mint access '{"claims": {"client_id": "216453940008206079@mail"}}')" wrong_azp
shape_refused "a user missing from the map file" "$CONF" \
	"$(shapes_mint access '{"claims": {"sub": "216453655233299999"}}')" bad_username
shape_refused "a token of another instance" "$CONF" \
	"$(shapes_mint access '{"claims": {"iss": "https://other-example.zitadel.cloud"}}')" wrong_issuer
shape_refused "an expired token" "$CONF" "$(shapes_mint access '{"age": 50000}')" token_expired
shape_refused "a forged token" "$CONF" "$(shapes_mint access '{"key": "attacker"}')" bad_signature
t_done
