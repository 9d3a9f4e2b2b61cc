#!/usr/bin/env bash
# tests/providers/t_lemonldap_enrich.sh - issue 12: "userinfo = enrich does nothing for
# introspected (opaque) tokens; introspection answers from LemonLDAP::NG carry sub but no
# preferred_username". This runs the real LemonLDAP::NG portal (tests/idp-lemonldap), gets
# an opaque access token for dwho, and asks oidc-auth to validate it with the guide's
# introspection configuration (docs/idp/lemonldap-ng.md, second ini block) plus
# userinfo = enrich and username_claim = preferred_username: the introspection answer binds
# the token (its client_id in accept_clients) and vouches for it, the userinfo answer (same
# sub) adds preferred_username, email and name; the user name and required_claims are
# judged over both (the answer's own members win). Before the change the opaque path never
# asked userinfo, so the user name was missing (no_username).
# Run: bash tests/providers/t_lemonldap_enrich.sh (as root; about 5 s).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/providers/lib.sh
prov_enter_ns lemonldap_enrich "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/idp-lemonldap/lib.sh
t_init lemonldap_enrich "$@"
trap 'llng_cleanup; t_cleanup' EXIT

prov_ready lemonldap_enrich || { t_done; exit 1; }
D=$T_TMP/ll
mkdir -p "$D" && idp_make_ca "$D" >/dev/null 2>&1 && llng_start "$D" 8563 ||
	{ not_ok "enrich: LemonLDAP::NG portal up"; t_done; exit 1; }
SECRET=$T_TMP/mail-server.secret
prov_secret "$SECRET" "$LL_SERVER_SECRET"
CONF=$T_TMP/enrich.conf
prov_doc_conf "$CONF" docs/idp/lemonldap-ng.md 2 "https://auth.example.com/=$LL_ISSUER" \
	"/etc/oidc-auth/mail-server.secret=$SECRET" \
	+ "userinfo = enrich" "ca_file = $LL_CA" "cache_dir = $T_TMP/cache" ||
	{ not_ok "enrich: configuration from the guide"; t_done; exit 1; }
llng_login dwho "openid profile email mail.read" "$LL_APP_ID" "$LL_APP_SECRET" ||
	{ not_ok "enrich: opaque token for dwho"; t_done; exit 1; }
OT=$LL_ACCESS_TOKEN
# the user name from userinfo (the guide's block says sub: what works today)
U=(--set username_claim=preferred_username)
# what the two endpoints say, independently of oidc-auth
[ "$(llng_introspect "$OT" | json_expr 'd.get("preferred_username")')" = "" ] &&
	[ "$(llng_userinfo "$OT" | json_expr 'd["preferred_username"]')" = dwho ] &&
	ok "enrich: introspection has no preferred_username, userinfo has it (dwho)" ||
	not_ok "enrich: introspection has no preferred_username, userinfo has it"

run_cli check-config "${U[@]}" "$CONF"
expect_exit "enrich: token_types = opaque with userinfo = enrich is a valid configuration" 0
run_cli validate --config "$CONF" "${U[@]}" --user dwho --json "$OT"
expect_exit "enrich: opaque token valid, user from userinfo's preferred_username" 0
expect_json "enrich: ... the user is dwho" user dwho
run_cli validate --config "$CONF" "${U[@]}" --set "required_claims=email=dwho@badwolf.org" --json "$OT"
expect_exit "enrich: required_claims met by a claim only userinfo has (email)" 0
run_cli validate --config "$CONF" "${U[@]}" --set "required_claims=email=rtyler@badwolf.org" --json "$OT"
expect_reason "enrich: ... and refused when it does not match" 1 claim_policy
prov_pam "enrich: ... the same through pam_oidc and libpam" "$CONF" dwho "$OT" \
	username_claim=preferred_username
run_cli validate --config "$CONF" "${U[@]}" --set accept_clients=nobody --json "$OT"
expect_reason "enrich: bound first: an RP accept_clients does not list is refused" 1 \
	client_not_accepted
llng_logout
run_cli validate --config "$CONF" "${U[@]}" --json "$OT"
expect_reason "enrich: after logout the introspection answer decides: token_inactive" 1 token_inactive
t_done
