#!/usr/bin/env bash
# tests/shapes/t_shape_google.sh - Google as it serves itself (discovery on
# accounts.google.com, keys on www.googleapis.com with its Cache-Control, userinfo on
# openidconnect.googleapis.com, tokeninfo on oauth2.googleapis.com) and as it signs ID tokens,
# with both documented iss forms. The configurations are the two ini blocks of
# docs/idp/google.md: ID tokens only, then opaque access tokens as well, bound by tokeninfo.
# The look-alikes: other forms of iss, another client, another authorized party, a consumer
# account, an unverified e-mail, expired, forged; an opaque token under the first block; an
# opaque token issued to another Google client (userinfo alone would take it), one Google does
# not know, one whose tokeninfo exp has passed.
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
shape_refused "an opaque access token: the first block takes ID tokens only" "$CONF" \
	ya29.a0AfH6SMshapes-alice malformed_token
expect_absent "google: no token in the CLI's output" "${IDT##*.}"

# ---- block 2: opaque access tokens as well, bound by tokeninfo, claims from userinfo ---------
ACC=$T_TMP/google-access.conf
shapes_conf "$ACC" 2
run_cli check-config "$ACC"
check "google: check-config says what binds opaque tokens (tokeninfo_binding)" \
	grep -q 'tokeninfo_binding: opaque tokens are bound by the answer of tokeninfo_endpoint https://oauth2.googleapis.com/tokeninfo' "$OUT" "$ERR"
shape_accepts "opaque access token: tokeninfo aud our client, claims from userinfo" "$ACC" \
	alice ya29.a0AfH6SMshapes-alice
shape_fetched "oauth2.googleapis.com /tokeninfo" &&
	ok "google: tokeninfo asked at oauth2.googleapis.com/tokeninfo (POST, token in the body)" ||
	not_ok "google: tokeninfo asked at oauth2.googleapis.com/tokeninfo (POST, token in the body)"
shape_fetched "oauth2.googleapis.com /tokeninfo?" &&
	not_ok "google: the token never in a URL (no query string on tokeninfo)" ||
	ok "google: the token never in a URL (no query string on tokeninfo)"
shape_fetched "openidconnect.googleapis.com /v1/userinfo" &&
	ok "google: the user's claims from openidconnect.googleapis.com/v1/userinfo" ||
	not_ok "google: the user's claims from openidconnect.googleapis.com/v1/userinfo"
shape_ok "block 2: ID token, iss https://accounts.google.com" "$ACC" alice "$IDT"
shape_ok "block 2: ID token, iss accounts.google.com (issuer_aliases)" "$ACC" alice \
	"$(shapes_mint id-bare)"
shape_refused "alice's opaque token issued to another Google client (tokeninfo aud)" "$ACC" \
	ya29.a0AfH6SMshapes-other wrong_audience
prov_pam_deny "google: ... refused through pam_oidc too (wrong_audience)" "$ACC" alice \
	ya29.a0AfH6SMshapes-other wrong_audience
shape_refused "opaque token of a consumer account: hd required" "$ACC" \
	ya29.a0AfH6SMshapes-gmail claim_policy
shape_refused "opaque token Google does not know (tokeninfo 400)" "$ACC" ya29.a0AfH6SMunknown \
	token_inactive
shape_refused "opaque token whose tokeninfo exp (a decimal string) has passed" "$ACC" \
	ya29.a0AfH6SMshapes-stale token_expired
shape_refused "block 2: another client's ID token" "$ACC" \
	"$(shapes_mint id '{"claims": {"aud": "999-other.apps.googleusercontent.com", "azp": "999-other.apps.googleusercontent.com"}}')" \
	wrong_audience
expect_absent "google: no opaque token in the CLI's output" ya29.a0AfH6SMshapes-stale
t_done
