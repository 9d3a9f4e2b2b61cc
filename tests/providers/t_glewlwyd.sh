#!/usr/bin/env bash
# tests/providers/t_glewlwyd.sh - oidc-auth against the real glewlwyd 2.7 (Debian package),
# configured as docs/idp/glewlwyd.md says: the configuration is the guide's ```ini blocks
# (only the issuer URL, the secret's path, the test CA and a cache directory differ), the
# tokens are glewlwyd's own (device flow, authorization code, refresh, client credentials,
# and oidc-auth login as the device), presented to the CLI, to pam_oidc through libpam and
# to the SASL plugin through sasl-sample-server; then the hostile cases: the scope-list aud
# of a request without resource indicator, another client, another service, an ID token, an
# expired and a forged token. Private network, PID and mount namespaces (tests/idp-glewlwyd).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/providers/lib.sh
prov_enter_ns glewlwyd "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/idp-glewlwyd/lib.sh
t_init glewlwyd "$@"
trap 'gw_cleanup; t_cleanup' EXIT
GUIDE=docs/idp/glewlwyd.md

prov_ready glewlwyd || { t_done; exit 1; }
D=$T_TMP/gw
mkdir -p "$D" && idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 ||
	{ not_ok "glewlwyd: CA and signing keys"; t_done; exit 1; }
if gw_start "$D" 8553; then
	ok "glewlwyd: provider up at $GW_ISSUER (Debian's glewlwyd.conf, sqlite, HTTPS)"
else
	not_ok "glewlwyd: provider up (glewlwyd 2.7 from Debian, see tests/idp-glewlwyd/README.md)"
	t_done
	exit 1
fi
owner=$(ps -o user= -p "$GW_PID" 2>/dev/null | tr -d ' ')
[ "$owner" = "$GW_USER" ] && ok "glewlwyd: runs as its service user $GW_USER" ||
	not_ok "glewlwyd: runs as its service user $GW_USER" "runs as '$owner'"

# ---- the guide's configuration -------------------------------------------------------
CONF=$T_TMP/oidc-auth.conf
LCONF=$T_TMP/client.conf
SECRET=$T_TMP/mail-client.secret
prov_secret "$SECRET" "$GW_CLIENT_SECRET"
if prov_doc_conf "$CONF" "$GUIDE" 1 "https://sso.example.com/api/oidc=$GW_ISSUER" \
	+ "ca_file = $GW_CA" "cache_dir = $T_TMP/cache" &&
   prov_doc_conf "$LCONF" "$GUIDE" 2 "https://sso.example.com/api/oidc=$GW_ISSUER" \
	"/etc/oidc-auth/mail-client.secret=$SECRET" + "ca_file = $GW_CA" "cache_dir = $T_TMP/cache"; then
	ok "glewlwyd: configuration taken from the guide's ini blocks"
else
	not_ok "glewlwyd: configuration taken from the guide's ini blocks"
	t_done
	exit 1
fi
run_cli check-config "$CONF"
expect_exit "glewlwyd: the guide's configuration passes check-config" 0

# ---- real tokens that must pass --------------------------------------------------------
if gw_device_login alice "openid mail.read" "$GW_RESOURCE"; then
	AT=$GW_ACCESS_TOKEN IDT=$GW_ID_TOKEN RT=$GW_REFRESH_TOKEN
	ok "glewlwyd: device flow (scripted browser) gives alice a token for $GW_RESOURCE"
else
	not_ok "glewlwyd: device flow gives alice a token"
fi
[ "$(idp_jwt_part "${AT:-x.x.x}" header 2>/dev/null | json_expr 'd["typ"]')" = at+jwt ] &&
	ok "glewlwyd: its access tokens are typed at+jwt (RFC 9068)" ||
	not_ok "glewlwyd: its access tokens are typed at+jwt (RFC 9068)"
run_cli validate --config "$CONF" --user alice --json "${AT:-}"
expect_exit "glewlwyd: device-flow token valid through discovery + JWKS (CLI)" 0
expect_json "glewlwyd: ... user from preferred_username (glewlwyd's sub is random)" user alice
expect_json "glewlwyd: ... signed with the provider's kid" kid "$GW_KID"
prov_pam "glewlwyd: device-flow token through pam_oidc and libpam" "$CONF" alice "${AT:-}"
prov_sasl "glewlwyd: device-flow token through the SASL plugin (OAUTHBEARER)" "$CONF" alice "${AT:-}"
if gw_code_login bob "openid mail.read" "$GW_RESOURCE"; then
	run_cli validate --config "$CONF" --user bob --json "$GW_ACCESS_TOKEN"
	expect_exit "glewlwyd: authorization-code token of bob valid" 0
else
	not_ok "glewlwyd: authorization code flow gives bob a token"
fi
if gw_refresh "${RT:-}"; then
	run_cli validate --config "$CONF" --user alice --json "$GW_ACCESS_TOKEN"
	expect_exit "glewlwyd: refreshed token valid (the resource of the grant is kept)" 0
else
	not_ok "glewlwyd: refresh token gives a new access token"
fi
if CC=$(gw_token_cc mail.read "$GW_RESOURCE"); then
	run_cli validate --config "$CONF" --set username_claim=sub --json "$CC"
	expect_json "glewlwyd: client credentials token valid, user = sub = the client id" user "$GW_CLIENT_ID"
else
	not_ok "glewlwyd: client credentials token"
fi

# oidc-auth login as the device (the core's RFC 8628 client against glewlwyd)
TF=$T_TMP/tokens.json
if login_bg "$LCONF" "$TF" --print-token; then
	gw_device_approve "$CODE" alice || not_ok "glewlwyd: the user approves oidc-auth login's code"
	login_wait
	expect_exit "glewlwyd: oidc-auth login completes the device flow" 0
	LAT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$TF" 2>/dev/null)
	run_cli validate --config "$CONF" --user alice --json "$LAT"
	expect_exit "glewlwyd: ... and its token (request_resource) passes the guide's server config" 0
	# --min-valid above the token's lifetime: the stored token is not good enough, refresh
	run_cli token --config "$LCONF" --token-file "$TF" --min-valid 3000 --json
	NAT=$(json_field access_token)
	if [ "$RC" = 0 ] && [ -n "$NAT" ] && [ "$NAT" != "$LAT" ]; then
		run_cli validate --config "$CONF" --user alice --json "$NAT"
		expect_exit "glewlwyd: oidc-auth token refreshes it (refresh_token grant) to a valid one" 0
	else
		not_ok "glewlwyd: oidc-auth token refreshes it (refresh_token grant)" "$(t_last_run)"
	fi
else
	not_ok "glewlwyd: oidc-auth login shows a user code" "$(t_last_run)"
fi

# ---- hostile cases -----------------------------------------------------------------------
if gw_device_login alice "openid mail.read"; then
	[ "$(idp_jwt_part "$GW_ACCESS_TOKEN" payload | json_expr 'd["aud"]')" = "openid mail.read" ] &&
		ok "glewlwyd: without resource indicator its aud is the scope list" ||
		not_ok "glewlwyd: without resource indicator its aud is the scope list"
	run_cli validate --config "$CONF" --json "$GW_ACCESS_TOKEN"
	expect_reason "glewlwyd: ... and such a token is refused" 1 wrong_audience
	prov_pam_deny "glewlwyd: ... also by pam_oidc" "$CONF" alice "$GW_ACCESS_TOKEN" wrong_audience
else
	not_ok "glewlwyd: device flow without resource indicator"
fi
if OT=$(gw_token_cc mail.read "$GW_RESOURCE" "$GW_OTHER_ID" "$GW_OTHER_SECRET"); then
	run_cli validate --config "$CONF" --set username_claim=sub --json "$OT"
	expect_reason "glewlwyd: another client's token for the mail resource: refused by azp" 1 wrong_azp
	prov_sasl "glewlwyd: ... also by the SASL plugin" "$CONF" "$GW_OTHER_ID" "$OT" wrong_azp
else
	not_ok "glewlwyd: another client's client credentials token"
fi
if OT=$(gw_token_cc other.read "$GW_OTHER_RESOURCE" "$GW_OTHER_ID" "$GW_OTHER_SECRET"); then
	run_cli validate --config "$CONF" --json "$OT"
	expect_reason "glewlwyd: a token for another service's resource is refused" 1 wrong_audience
else
	not_ok "glewlwyd: a token for another resource"
fi
run_cli validate --config "$CONF" --json "${IDT:-}"
expect_reason "glewlwyd: its ID token is refused as a bearer token (typ JWT, not at+jwt)" 1 wrong_typ
run_cli validate --config "$CONF" --set "accept_typ=at+jwt, JWT" --json "${IDT:-}"
expect_reason "glewlwyd: ... and without accept_typ by its aud (the client id)" 1 wrong_audience
run_cli validate --config "$CONF" --now $(($(date +%s) + 3600)) --json "${AT:-}"
expect_reason "glewlwyd: its token an hour later is expired" 1 token_expired
SIG=${AT##*.}
C=A; [ "${SIG:0:1}" = A ] && C=B
run_cli validate --config "$CONF" --json "${AT%.*}.$C${SIG:1}"
expect_reason "glewlwyd: a forged signature is refused" 1 bad_signature
if gw_revoke "${AT:-}" && [ "$(gw_introspect "$AT" | json_expr 'd["active"]')" = false ]; then
	run_cli validate --config "$CONF" --user alice --json "$AT"
	expect_exit "glewlwyd: a revoked JWT stays valid until exp (local check; the guide says so)" 0
else
	not_ok "glewlwyd: revocation and introspection at glewlwyd"
fi
expect_absent "glewlwyd: no token in the CLI's output" "${AT:-nothing}"
if grep -qF -- "${AT##*.}" "$SYSLOG"; then
	not_ok "glewlwyd: no token signature in the audit log"
else
	ok "glewlwyd: no token signature in the audit log"
fi
t_done
