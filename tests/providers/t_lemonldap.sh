#!/usr/bin/env bash
# tests/providers/t_lemonldap.sh - oidc-auth against the real LemonLDAP::NG 2.16 (Debian
# packages, behind nginx, Demo users), configured as docs/idp/lemonldap-ng.md says: the
# configurations are the guide's ```ini blocks (only the issuer URL, the secret's path, the
# test CA and a cache directory differ). JWT access tokens from a scripted portal login go
# to the CLI, to pam_oidc through libpam and to the SASL plugin through sasl-sample-server;
# opaque ones through introspection to the CLI and pam_oidc. Then the hostile cases: another
# RP's token (JWT and opaque), an introspection answer without aud and no accept_clients, the
# ID token,
# an expired token (JWT and opaque), a token whose user logged out, a forged one.
# Private network, PID and mount namespaces (tests/idp-lemonldap).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/providers/lib.sh
prov_enter_ns lemonldap "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/idp-lemonldap/lib.sh
t_init lemonldap "$@"
trap 'llng_cleanup; t_cleanup' EXIT
GUIDE=docs/idp/lemonldap-ng.md

prov_ready lemonldap || { t_done; exit 1; }
D=$T_TMP/ll
mkdir -p "$D" && idp_make_ca "$D" >/dev/null 2>&1 || { not_ok "lemonldap: CA"; t_done; exit 1; }
ini_before=$(sha256sum "$LL_INI" "$LL_STOCK_CONF" 2>/dev/null)
if llng_start "$D" 8563; then
	ok "lemonldap: portal up at $LL_URL (nginx, llng-fastcgi-server, Demo users)"
else
	not_ok "lemonldap: portal up (see tests/idp-lemonldap/README.md)"
	t_done
	exit 1
fi
owners=$(ps -o user= --ppid "$LL_FCGI_PID" 2>/dev/null | sort -u | tr -d ' ' | tr '\n' ' ')
[ "$(ps -o user= -p "$LL_FCGI_PID" | tr -d ' ')" = "$LL_USER" ] && [ "$owners" = "$LL_USER " ] &&
	ok "lemonldap: the FastCGI server and its workers run as $LL_USER" ||
	not_ok "lemonldap: the FastCGI server and its workers run as $LL_USER" "workers: $owners"
[ "$(readlink -f "$LL_VAR")" = "$LL_VAR" ] && grep -q " $LL_VAR " /proc/self/mountinfo &&
	ok "lemonldap: its configuration and sessions are private bind mounts" ||
	not_ok "lemonldap: its configuration and sessions are private bind mounts"

# ---- the guide's configurations ---------------------------------------------------------
JCONF=$T_TMP/jwt.conf OCONF=$T_TMP/opaque.conf SECRET=$T_TMP/mail-server.secret
prov_secret "$SECRET" "$LL_SERVER_SECRET"
if prov_doc_conf "$JCONF" "$GUIDE" 1 "https://auth.example.com/=$LL_ISSUER" \
	+ "ca_file = $LL_CA" "cache_dir = $T_TMP/cache" &&
   prov_doc_conf "$OCONF" "$GUIDE" 2 "https://auth.example.com/=$LL_ISSUER" \
	"/etc/oidc-auth/mail-server.secret=$SECRET" + "ca_file = $LL_CA" "cache_dir = $T_TMP/cache"; then
	ok "lemonldap: configurations taken from the guide's ini blocks"
else
	not_ok "lemonldap: configurations taken from the guide's ini blocks"
	t_done
	exit 1
fi
run_cli check-config "$JCONF"
expect_exit "lemonldap: the guide's JWT configuration passes check-config" 0
run_cli check-config "$OCONF"
expect_exit "lemonldap: the guide's introspection configuration passes check-config" 0

# ---- JWT access tokens -------------------------------------------------------------------
if llng_login dwho; then
	AT=$LL_ACCESS_TOKEN IDT=$LL_ID_TOKEN RT=$LL_REFRESH_TOKEN
	ok "lemonldap: portal login of dwho (authorization code flow) gives a JWT access token"
else
	not_ok "lemonldap: portal login of dwho gives a JWT access token"
fi
run_cli validate --config "$JCONF" --user dwho --json "${AT:-}"
expect_exit "lemonldap: JWT access token valid through discovery + JWKS (CLI)" 0
expect_json "lemonldap: ... signed with the portal's kid" kid "$LL_KID"
prov_pam "lemonldap: JWT access token through pam_oidc and libpam" "$JCONF" dwho "${AT:-}"
prov_sasl "lemonldap: JWT access token through the SASL plugin (OAUTHBEARER)" "$JCONF" dwho "${AT:-}"
if llng_refresh "${RT:-}"; then
	run_cli validate --config "$JCONF" --user dwho --json "$LL_ACCESS_TOKEN"
	expect_exit "lemonldap: refreshed access token valid" 0
else
	not_ok "lemonldap: refresh token gives a new access token"
fi
if CC=$(llng_token_cc mail.read); then
	run_cli validate --config "$JCONF" --json "$CC"
	expect_reason "lemonldap: client credentials token (sub null, no user claim): no_username" 1 no_username
	run_cli validate --config "$JCONF" --set username_claim=client_id --json "$CC"
	expect_json "lemonldap: ... accepted with username_claim = client_id" user "$LL_CLIENT_ID"
else
	not_ok "lemonldap: client credentials token"
fi
# hostile: another RP's token, the ID token, expiry, forgery
if llng_login rtyler "openid profile mail.read" "$LL_OTHER_ID" "$LL_OTHER_SECRET"; then
	run_cli validate --config "$JCONF" --json "$LL_ACCESS_TOKEN"
	expect_reason "lemonldap: another RP's JWT (aud other-client, another service) is refused" 1 wrong_audience
	prov_pam_deny "lemonldap: ... also by pam_oidc" "$JCONF" rtyler "$LL_ACCESS_TOKEN" wrong_audience
else
	not_ok "lemonldap: portal login of rtyler at another RP"
fi
[ "$(idp_jwt_part "${IDT:-x.x.x}" payload 2>/dev/null | json_expr 'd["aud"]')" = "$(idp_jwt_part "${AT:-x.x.x}" payload 2>/dev/null | json_expr 'd["aud"]')" ] &&
	ok "lemonldap: its ID token has the access token's aud (and typ JWT too)" ||
	not_ok "lemonldap: its ID token has the access token's aud"
run_cli validate --config "$JCONF" --json "${IDT:-}"
expect_reason "lemonldap: ... the guide's required_scopes refuses the ID token" 1 insufficient_scope
prov_sasl "lemonldap: ... also in the SASL plugin" "$JCONF" dwho "${IDT:-}" insufficient_scope
run_cli validate --config "$JCONF" --now $(($(date +%s) + 7200)) --json "${AT:-}"
expect_reason "lemonldap: its JWT two hours later is expired" 1 token_expired
SIG=${AT##*.}
C=A; [ "${SIG:0:1}" = A ] && C=B
run_cli validate --config "$JCONF" --json "${AT%.*}.$C${SIG:1}"
expect_reason "lemonldap: a forged signature is refused" 1 bad_signature

# ---- opaque access tokens through introspection -------------------------------------------
if llng_login msmith "openid mail.read" "$LL_APP_ID" "$LL_APP_SECRET"; then
	OT=$LL_ACCESS_TOKEN
	case "$OT" in
	*.*) not_ok "lemonldap: mail-app's access token is opaque" ;;
	*) ok "lemonldap: mail-app's access token is opaque" ;;
	esac
else
	not_ok "lemonldap: portal login of msmith at mail-app"
fi
A=$(llng_introspect "${OT:-}")
if [ "$(json_expr 'd["active"]' <<<"$A")" = true ] && ! json_expr 'd["aud"]' <<<"$A" >/dev/null; then
	ok "lemonldap: its introspection answer has no aud (only client_id names the RP)"
else
	not_ok "lemonldap: its introspection answer has no aud" "$A"
fi
run_cli validate --config "$OCONF" --user msmith --json "${OT:-}"
expect_exit "lemonldap: opaque token valid through introspection (CLI)" 0
expect_json "lemonldap: ... user from the answer's sub" user msmith
prov_pam "lemonldap: opaque token through pam_oidc and libpam" "$OCONF" msmith "${OT:-}"
run_cli validate --config "$OCONF" --set azp=nobody --json "${OT:-}"
expect_reason "lemonldap: ... a token of an RP azp does not list is refused" 1 wrong_azp
run_cli validate --config "$OCONF" --set accept_clients=nobody --json "${OT:-}"
expect_reason "lemonldap: ... and one of an RP accept_clients does not list" 1 client_not_accepted
run_cli validate --config "$OCONF" --set username_claim=preferred_username --json "${OT:-}"
expect_reason "lemonldap: ... the answer has no preferred_username (the guide: use sub)" 1 no_username
if llng_login dwho "openid mail.read" "$LL_OTHER_APP_ID" "$LL_OTHER_APP_SECRET"; then
	run_cli validate --config "$OCONF" --json "$LL_ACCESS_TOKEN"
	expect_reason "lemonldap: another application's opaque token is refused (accept_clients)" 1 \
		client_not_accepted
	prov_pam_deny "lemonldap: ... also by pam_oidc" "$OCONF" dwho "$LL_ACCESS_TOKEN" \
		client_not_accepted
	# the same configuration without accept_clients: nothing in the answer binds the token
	grep -v '^accept_clients' "$OCONF" >"$T_TMP/unbound.conf"
	run_cli validate --config "$T_TMP/unbound.conf" --json "$LL_ACCESS_TOKEN"
	expect_reason "lemonldap: without accept_clients an answer without aud is refused" 1 no_audience
	prov_pam_deny "lemonldap: ... also by pam_oidc" "$T_TMP/unbound.conf" dwho "$LL_ACCESS_TOKEN" \
		no_audience
	run_cli validate --config "$T_TMP/unbound.conf" --set "azp=$LL_OTHER_APP_ID" --json \
		"$LL_ACCESS_TOKEN"
	expect_reason "lemonldap: ... azp naming its RP does not bind it either" 1 no_audience
else
	not_ok "lemonldap: portal login of dwho at another application"
fi
if llng_login rtyler "openid mail.read" "$LL_SHORT_ID" "$LL_SHORT_SECRET"; then
	ST=$LL_ACCESS_TOKEN
	run_cli validate --config "$OCONF" --set "accept_clients=$LL_SHORT_ID" --user rtyler --json "$ST"
	expect_exit "lemonldap: a short-lived opaque token is valid at first" 0
	sleep $((LL_SHORT_TTL + 1))
	run_cli validate --config "$OCONF" --set "accept_clients=$LL_SHORT_ID" --json "$ST"
	expect_reason "lemonldap: ... and inactive once expired" 1 token_inactive
else
	not_ok "lemonldap: portal login of rtyler at short-app"
fi
if llng_login dwho "openid mail.read" "$LL_APP_ID" "$LL_APP_SECRET"; then
	RT2=$LL_ACCESS_TOKEN
	run_cli validate --config "$OCONF" --user dwho --json "$RT2"
	expect_exit "lemonldap: dwho's opaque token valid before logout" 0
	llng_logout
	run_cli validate --config "$OCONF" --json "$RT2"
	expect_reason "lemonldap: ... revoked by the portal logout: token_inactive" 1 token_inactive
	prov_pam_deny "lemonldap: ... also by pam_oidc" "$OCONF" dwho "$RT2" token_inactive
else
	not_ok "lemonldap: portal login of dwho at mail-app"
fi
expect_absent "lemonldap: no token in the CLI's output" "${OT:-nothing}"
if grep -qF -e "${AT##*.}" -e "${OT:-nothing}" "$SYSLOG"; then
	not_ok "lemonldap: no token in the audit log"
else
	ok "lemonldap: no token in the audit log"
fi
llng_stop
[ "$(sha256sum "$LL_INI" "$LL_STOCK_CONF" 2>/dev/null)" = "$ini_before" ] &&
	ok "lemonldap: the host's lemonldap-ng.ini and lmConf-1.json are untouched" ||
	not_ok "lemonldap: the host's lemonldap-ng.ini and lmConf-1.json are untouched"
t_done
