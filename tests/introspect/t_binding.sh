#!/usr/bin/env bash
# tests/introspect/t_binding.sh - issue 11 item 2: every accepted token is bound to this
# server. The real OpenID provider (tests/idp) issues bob an opaque access token for
# another application, "webapp", that signed him in with openid profile and no resource
# indicator: it introspects as {"active":true,"sub":"bob","client_id":"webapp",...} with no
# aud. The mail server (client oidc-auth-test, token_types = jwt, opaque) must refuse it
# (no_audience) through oidc-auth validate and through pam_oidc inside a real Dovecot
# (passdb pam, curl logging in over IMAP), accept it only when accept_clients names
# webapp, refuse it when accept_clients names another client (client_not_accepted), and
# keep refusing an introspected token whose aud names another service even with its
# client listed. Private network, PID and mount namespaces; /etc/pam.d is a private
# folder there.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns binding "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh
. tests/lib/oauth.sh
t_init binding "$@"
trap 'dovecot_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

command -v dovecot >/dev/null || { not_ok "binding: dovecot is not installed"; t_done; exit 1; }
[ -f "$PAM_SO_HOST" ] || { not_ok "binding: $PAM_SO_HOST is built"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "binding: private /dev/log"; t_done; exit 1; }
pam_private_etc "$T_TMP/pam.d" || { not_ok "binding: private /etc/pam.d"; t_done; exit 1; }
pam_idp_up "$T_TMP/idp" || { not_ok "binding: start the OpenID provider"; t_done; exit 1; }

SECRET=$T_TMP/mail.secret
(umask 077 && printf '%s' "$IDP_CLIENT_SECRET" >"$SECRET")
CONF=$T_TMP/oidc.conf
pam_idp_conf "$CONF" "$T_TMP/cache" "token_types = jwt, opaque" "client_id = $IDP_CLIENT_ID" \
	"client_secret_file = $SECRET"
chmod 644 "$CONF"
SVC=oidc-binding-test
pam_service() {   # ARGS: the PAM service Dovecot's auth process reads at each login
	printf '%s\n' "auth required $PAM_SO_HOST config=$CONF $*" \
		"account required $PAM_SO_HOST config=$CONF $*" >"$T_TMP/pam.d/$SVC"
}
pam_service
dovecot_start "$T_TMP/dovecot" 1143 "passdb {
  driver = pam
  args = $SVC
}" || { not_ok "binding: start Dovecot"; t_done; exit 1; }
ok "binding: provider and Dovecot (passdb pam) up"

imap_refused() {   # NAME USER TOKEN REASON: IMAP login fails, audit line reason=REASON
	log_mark
	if imap_login "$2" "$3"; then
		not_ok "$1" "the IMAP login succeeded"
	elif log_wait "pam_oidc\\($SVC:auth\\): result=deny reason=$4 "; then
		ok "$1"
	else
		not_ok "$1" "$(t_last_run)" "syslog: $(log_new | tail -n 3 | tr '\n' '|')"
	fi
}
imap_allowed() {   # NAME USER TOKEN
	log_mark
	if imap_login "$2" "$3" &&
		log_wait "pam_oidc\\($SVC:auth\\): result=allow reason=ok mode=token user=\"$2\""; then
		ok "$1"
	else
		not_ok "$1" "$(t_last_run)" "syslog: $(log_new | tail -n 3 | tr '\n' '|')" \
			"$(tail -n 3 "$T_TMP/dovecot/dovecot.log")"
	fi
}

# ---- bob's token for another application ---------------------------------------------
if idp_device_login bob "" "openid profile" webapp; then
	WEB=$IDP_ACCESS_TOKEN
	ok "binding: bob signs in at webapp (openid profile, no resource): opaque token"
else
	not_ok "binding: bob signs in at webapp"
	t_done
	exit 1
fi
# what the provider says about it, independently of oidc-auth
A=$(idp_introspect "$WEB")
if [ "$(json_expr 'd["active"]' <<<"$A")" = true ] &&
	[ "$(json_expr 'd["client_id"]' <<<"$A")" = webapp ] &&
	[ "$(json_expr 'd.get("aud", "none")' <<<"$A")" = none ] &&
	[ "$(json_expr 'd["sub"]' <<<"$A")" = bob ]; then
	ok "binding: the provider introspects it active, sub bob, client_id webapp, no aud"
else
	not_ok "binding: the provider introspects it active, sub bob, client_id webapp, no aud" "$A"
fi

run_cli check-config "$CONF"
expect_exit "binding: the mail server's configuration is valid" 0
check "binding: check-config says answers without aud are refused" \
	grep -q '^# note: introspection_binding: .*refused (no_audience)' "$OUT"
run_cli validate --config "$CONF" --json -- "$WEB"
expect_reason "binding: webapp's token is refused by oidc-auth validate: no_audience" 1 no_audience
expect_absent "binding: ... the token is never printed" "$WEB"
imap_refused "binding: ... and by pam_oidc in Dovecot (IMAP login as bob)" bob "$WEB" no_audience

# the administrator decides that webapp's tokens are for this server
run_cli check-config --set accept_clients=webapp "$CONF"
check "binding: check-config explains the client binding in words" \
	grep -q '^# note: client_binding: tokens issued to clients webapp are accepted without an audience naming this server' "$OUT"
run_cli validate --config "$CONF" --set accept_clients=webapp --user bob --json -- "$WEB"
expect_exit "binding: with accept_clients = webapp it is accepted" 0
expect_json "binding: ... as bob" user bob
pam_service accept_clients=webapp
imap_allowed "binding: ... and pam_oidc lets bob in over IMAP" bob "$WEB"
pam_service accept_clients=thunderbird
imap_refused "binding: accept_clients naming another client: client_not_accepted (IMAP)" bob \
	"$WEB" client_not_accepted
run_cli validate --config "$CONF" --set "accept_clients=thunderbird, outlook" --json -- "$WEB"
expect_reason "binding: ... and in oidc-auth validate" 1 client_not_accepted
pam_service
run_cli validate --config "$CONF" --set azp=webapp --json -- "$WEB"
expect_reason "binding: azp alone never binds (an extra restriction only)" 1 no_audience

# a token whose aud names another service stays refused, whatever its client
OT=$(idp_opaque_token mail.read) || not_ok "binding: opaque token for api://opaque"
[ "$(idp_introspect "${OT:-x}" | json_expr 'd["aud"]')" = api://opaque ] &&
	ok "binding: an opaque token for the resource api://opaque introspects with that aud" ||
	not_ok "binding: an opaque token for the resource api://opaque introspects with that aud"
run_cli validate --config "$CONF" --set "accept_clients=$IDP_CLIENT_ID" --json -- "${OT:-x}"
expect_reason "binding: its aud is not ours: wrong_audience even with its client listed" 1 \
	wrong_audience
run_cli validate --config "$CONF" --set "audience=api://opaque" --json -- "${OT:-x}"
expect_exit "binding: ... and accepted where api://opaque is the audience" 0

# revocation (by webapp, whose token it is) still ends a client-bound token
if [ "$(_idp_curl -o /dev/null -w '%{http_code}' -u "webapp:$IDP_CLIENT_SECRET" \
	--data-urlencode "token=$WEB" "$IDP_URL/token/revocation")" = 200 ]; then
	run_cli validate --config "$CONF" --set accept_clients=webapp --json -- "$WEB"
	expect_reason "binding: webapp's token revoked: token_inactive" 1 token_inactive
else
	not_ok "binding: revoke webapp's token"
fi
if grep -qF -- "$WEB" "$SYSLOG" "$T_TMP/dovecot/dovecot.log"; then
	not_ok "binding: no token in the audit log or Dovecot's log"
else
	ok "binding: no token in the audit log or Dovecot's log"
fi
t_done
