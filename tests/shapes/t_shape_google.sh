#!/usr/bin/env bash
# tests/shapes/t_shape_google.sh - Google as it serves itself (discovery on
# accounts.google.com, keys on www.googleapis.com with its Cache-Control, userinfo on
# openidconnect.googleapis.com) and as it signs ID tokens, with both documented iss forms.
# The configuration is the ini block of docs/idp/google.md; then the look-alikes: other
# forms of iss, another client, another authorized party, a consumer account, an unverified
# e-mail, expired, forged; and opaque access tokens through userinfo = validate.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin google "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/google.conf
shapes_conf "$CONF" 1
IDT=$(shapes_mint id)
shape_ok "ID token, iss https://accounts.google.com" "$CONF" alice "$IDT"
shape_ok "ID token, iss accounts.google.com (issuer_aliases)" "$CONF" alice "$(shapes_mint id-bare)"
shape_fetched "www.googleapis.com /oauth2/v3/certs" &&
	ok "google: keys fetched from www.googleapis.com/oauth2/v3/certs (the discovery's jwks_uri)" ||
	not_ok "google: keys fetched from www.googleapis.com/oauth2/v3/certs (the discovery's jwks_uri)"
prov_pam "google: ID token with the bare iss through pam_oidc" "$CONF" alice "$(shapes_mint id-bare)"
prov_sasl "google: ID token through the SASL plugin (OAUTHBEARER)" "$CONF" alice "$IDT"
for bad in http://accounts.google.com https://accounts.google.com/ accounts.google.com/ \
	ACCOUNTS.GOOGLE.COM https://accounts.google.com.evil.example; do
	shape_refused "iss $bad is neither documented form" "$CONF" \
		"$(shapes_mint id "{\"claims\": {\"iss\": \"$bad\"}}")" wrong_issuer
done
shape_refused "another client's ID token (aud and azp another client)" "$CONF" \
	"$(shapes_mint id '{"claims": {"aud": "999-other.apps.googleusercontent.com", "azp": "999-other.apps.googleusercontent.com"}}')" \
	wrong_audience
shape_refused "aud ours, azp another client" "$CONF" \
	"$(shapes_mint id-bare '{"claims": {"azp": "999-other.apps.googleusercontent.com"}}')" wrong_azp
shape_refused "a consumer account (no hd)" "$CONF" \
	"$(shapes_mint id '{"claims": {"email": "mallory@gmail.com"}, "drop": ["hd"]}')" claim_policy
shape_refused "another Workspace domain" "$CONF" \
	"$(shapes_mint id '{"claims": {"email": "bob@other.example", "hd": "other.example"}}')" claim_policy
shape_refused "an unverified e-mail" "$CONF" \
	"$(shapes_mint id '{"claims": {"email_verified": false}}')" email_unverified
shape_refused "an expired ID token" "$CONF" "$(shapes_mint id '{"age": 7200}')" token_expired
shape_refused "a forged ID token (another key under Google's kid)" "$CONF" \
	"$(shapes_mint id-bare '{"key": "attacker"}')" bad_signature
# opaque access tokens: Google's userinfo endpoint says whose they are
shape_ok "opaque access token through Google's userinfo endpoint" "$CONF" alice \
	ya29.a0AfH6SMshapes-alice
shape_refused "opaque token of a consumer account: hd required" "$CONF" \
	ya29.a0AfH6SMshapes-gmail claim_policy
shape_refused "opaque token Google does not know (401)" "$CONF" ya29.a0AfH6SMunknown token_inactive
expect_absent "google: no token in the CLI's output" "${IDT##*.}"
t_done
