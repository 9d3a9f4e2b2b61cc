#!/usr/bin/env bash
# tests/shapes/t_shape_entra.sh - Microsoft Entra ID as it serves itself (tenant and
# "organizations" metadata on login.microsoftonline.com, keys with x5t, x5c and issuer
# members) and as it signs: v2.0 and v1.0 access tokens, and Microsoft Graph tokens (nonce
# in the header, signed over its hash). The configurations are ini blocks 2, 3 and 5 of
# docs/idp/entra-id.md; then the look-alikes: v1 for a v2 section, another tenant, another
# API, no scope, expired, forged, and Graph tokens, which must say graph_audience.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin entra "${BASH_SOURCE[0]}" "$@"

TA=3f0c6a52-8d1e-4b7a-9c25-6e1d0f4b7a93 TB=b7e4c2d1-5a69-4f83-8e0b-2c9d7a1f6e45
TX=5b2f3c1e-0d4a-4b8e-9c7d-6a5e4f3b2c1d
V2=https://login.microsoftonline.com
# ---- single tenant, v2.0 (the guide's second block; the first is the login client's) --
ONE=$T_TMP/single.conf
shapes_conf "$ONE" 2
AT=$(shapes_mint v2)
shape_accepts "v2.0 access token of the tenant, through discovery and JWKS" "$ONE" alice "$AT"
shape_fetched "/$TA/discovery/v2.0/keys" &&
	ok "entra: keys fetched from the tenant's discovery/v2.0/keys" ||
	not_ok "entra: keys fetched from the tenant's discovery/v2.0/keys"
shape_ok "v2.0 token signed with the second published key" "$ONE" alice \
	"$(shapes_mint v2 '{"header": {"kid": "M3OJ_zWDyCRCJbdJjKMn3ARrV5o"}}')"
shape_refused "a v1.0 token for a v2.0 section (the guide says wrong_issuer)" "$ONE" \
	"$(shapes_mint v1)" wrong_issuer
shape_refused "a token of another tenant, signed by the same Entra keys" "$ONE" \
	"$(shapes_mint v2 "{\"claims\": {\"iss\": \"$V2/$TX/v2.0\", \"tid\": \"$TX\"}}")" wrong_issuer
shape_refused "a token for another API (aud another app)" "$ONE" \
	"$(shapes_mint v2 '{"claims": {"aud": "0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"}}')" wrong_audience
shape_refused "a token without Mail.Access" "$ONE" \
	"$(shapes_mint v2 '{"claims": {"scp": "User.Read"}}')" insufficient_scope
shape_refused "an app-only token (roles, no scp)" "$ONE" \
	"$(shapes_mint v2 '{"claims": {"roles": ["Mail.Send.App"], "idtyp": "app"}, "drop": ["scp", "preferred_username"]}')" \
	insufficient_scope
shape_refused "an expired token" "$ONE" "$(shapes_mint v2 '{"age": 7200}')" token_expired
shape_refused "a forged token (another key under Entra's kid)" "$ONE" \
	"$(shapes_mint v2 '{"key": "attacker"}')" bad_signature
shape_refused "a user of another domain" "$ONE" \
	"$(shapes_mint v2 '{"claims": {"preferred_username": "bob@partner.example"}}')" bad_username

# ---- Graph tokens: named for what they are -------------------------------------------
GT=$(shapes_mint graph)
shape_refused "a Microsoft Graph token (nonce header, v1 iss): graph_audience" "$ONE" "$GT" \
	graph_audience
shape_refused "a Graph token whose aud is Graph's app id" "$ONE" \
	"$(shapes_mint graph '{"claims": {"aud": "00000003-0000-0000-c000-000000000000"}}')" \
	graph_audience
prov_pam_deny "entra: a Graph token through pam_oidc: graph_audience" "$ONE" alice "$GT" \
	graph_audience
prov_sasl "entra: a Graph token through the SASL plugin: graph_audience" "$ONE" alice "$GT" \
	graph_audience
# audit: nothing from the unverified token (user= is the login name PAM was given)
GL=$(grep -E "pam_oidc\(prov:auth\): result=deny reason=graph_audience" "$SYSLOG")
if [ -n "$GL" ] && ! grep -qvE 'mapped="" issuer_name="" iss="" .* jti=""' <<<"$GL"; then
	ok "entra: the Graph refusal's audit lines carry no iss, jti or mapped user from it"
else
	not_ok "entra: the Graph refusal's audit lines carry no iss, jti or mapped user from it" "$GL"
fi

# ---- v1 and v2 sections of one tenant (third block) ------------------------------------
V1V2=$T_TMP/v1v2.conf
shapes_conf "$V1V2" 3
shape_ok "v1 and v2 sections: a v2.0 token" "$V1V2" alice "$AT"
shape_ok "v1 and v2 sections: a v1.0 token (sts.windows.net issuer, upn)" "$V1V2" alice \
	"$(shapes_mint v1)"
shape_fetched "/$TA/discovery/keys" &&
	ok "entra: v1 keys fetched through the tenant's v1 metadata (discovery_url)" ||
	not_ok "entra: v1 keys fetched through the tenant's v1 metadata (discovery_url)"
shape_refused "v1 and v2 sections: a v1.0 token for another API" "$V1V2" \
	"$(shapes_mint v1 '{"claims": {"aud": "api://billing"}}')" wrong_audience
shape_refused "v1 and v2 sections: a Graph token (v1 iss, matches entra-v1)" "$V1V2" "$GT" \
	graph_audience

# ---- multi-tenant template (fifth block) -----------------------------------------------
MULTI=$T_TMP/multi.conf
shapes_conf "$MULTI" 5
BT=$(shapes_mint v2 "{\"claims\": {\"iss\": \"$V2/$TB/v2.0\", \"tid\": \"$TB\", \"preferred_username\": \"Alice@contoso.example\"}}")
shape_ok "multi-tenant: a user of the allowed tenant" "$MULTI" alice "$BT"
shape_fetched "/organizations/discovery/v2.0/keys" &&
	ok "entra: multi-tenant keys from organizations/discovery/v2.0/keys" ||
	not_ok "entra: multi-tenant keys from organizations/discovery/v2.0/keys"
shape_refused "multi-tenant: a tenant not in allowed_tenants" "$MULTI" \
	"$(shapes_mint v2 "{\"claims\": {\"iss\": \"$V2/$TX/v2.0\", \"tid\": \"$TX\", \"preferred_username\": \"alice@contoso.example\"}}")" \
	tenant_not_allowed
shape_refused "multi-tenant: iss of the allowed tenant with another tid" "$MULTI" \
	"$(shapes_mint v2 "{\"claims\": {\"iss\": \"$V2/$TB/v2.0\", \"tid\": \"$TA\", \"preferred_username\": \"alice@contoso.example\"}}")" \
	tenant_not_allowed
shape_refused "multi-tenant: a user of another domain" "$MULTI" \
	"$(shapes_mint v2 "{\"claims\": {\"iss\": \"$V2/$TB/v2.0\", \"tid\": \"$TB\"}}")" bad_username
shape_refused "multi-tenant: a Graph token" "$MULTI" "$GT" graph_audience
expect_absent "entra: no token in the CLI's output" "${AT##*.}"
t_done
