#!/usr/bin/env bash
# tests/sendmail/t_sendmail.sh - docs/recipes/sendmail.md followed as written on Debian's
# sendmail 8.17 (sendmail-bin, unpacked from its .deb into a copy-on-write copy of this system:
# it would remove Postfix if installed), with the sendmail.mc Debian's scripts write, Debian's
# init script and STARTTLS. Tokens from the real provider through smtplib and curl
# (OAUTHBEARER, XOAUTH2); refused tokens; nothing without TLS (AuthOptions p); and a mistake
# in the oidc-auth.conf. Private network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/lib/debs.sh
# before the network namespace: the .debs may have to be downloaded (tests/lib/debs.sh)
[ -n "${OIDC_PAM_NS:-}" ] || debs_need sendmail sendmail
pam_enter_ns sendmail "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/overlay.sh
. tests/lib/mta.sh
. tests/sendmail/lib.sh
t_init sendmail "$@"
trap '/etc/init.d/sendmail stop >/dev/null 2>&1; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

TREE=$(debs_tree sendmail) || mta_fatal "sendmail: no unpacked sendmail tree under build/debs"
mta_up sendmail
mta_forge >"$TOK/forged" || mta_fatal "sendmail: forge a token"
# sendmail wants its host name qualified, else it waits a minute for DNS at every start
echo "127.0.0.1 mail.example.com $(hostname)" >>/etc/hosts
if sm_install "$TREE" >"$T_TMP/install.log" 2>&1 && [ -s /etc/mail/sendmail.cf ]; then
	ok "sendmail: unpacked, configured as its maintainer scripts do (sendmail.cf built)"
else
	mta_fatal "sendmail: unpacked, configured as its maintainer scripts do" \
		"$(tail -n 15 "$T_TMP/install.log")"
fi
/usr/share/sendmail/update_tls >"$T_TMP/tls.log" 2>&1 || mta_fatal "sendmail: update_tls" \
	"$(tail -n 5 "$T_TMP/tls.log")"

# ---- the site's own files --------------------------------------------------------------------
cat >/etc/oidc-auth/sendmail.conf <<EOF2
issuer          = $IDP_ISSUER
ca_file         = /etc/oidc-auth/test-ca.pem
audience        = api://mail
algorithms      = RS256
username_claim  = preferred_username
required_scopes = mail.read
cache_dir       = /var/cache/oidc-auth/sendmail
EOF2
install -m 0644 -g smmsp "$MAIL_CRT" /etc/mail/tls/sendmail-server.crt &&
	install -m 0640 -g smmsp "$MAIL_KEY" /etc/mail/tls/sendmail-common.key

# ---- the recipe ---------------------------------------------------------------------------
mta_apply sendmail docs/recipes/sendmail.md
if sm_wait 25 587; then
	ok "sendmail: Debian's init script started sendmail on 25 and 587"
else
	mta_fatal "sendmail: Debian's init script started sendmail on 25 and 587" "$(cat "$OUT")" \
		"$(tail -n 8 "$SYSLOG")"
fi

smtp() { MTA_SOURCE=127.0.0.1 mta_smtp "$@"; }
log_mark
smtp "sendmail: STARTTLS on 587: OAUTHBEARER and XOAUTH2 offered, OAUTHBEARER as alice, mail accepted" \
	587 OAUTHBEARER "$TOK/alice" \
	'sorted(d["offered"]) == ["OAUTHBEARER", "XOAUTH2"] and d["code"] == 235 and d["sent"]' \
	"${TLS[@]}" --send --rcpt root@localhost
smtp "sendmail: XOAUTH2 as alice: 235" 587 XOAUTH2 "$TOK/alice" 'd["code"] == 235' "${TLS[@]}"
printf 'Subject: curl\r\n\r\nhello\r\n' >"$T_TMP/msg"
T_LAST=(curl smtp://mail.example.com:587 --ssl-reqd --user alice: --oauth2-bearer "<token>")
curl -sS --max-time 20 --ssl-reqd --cacert "$D/ca.pem" smtp://mail.example.com:587 \
	--mail-from alice@example.com --mail-rcpt root@localhost --upload-file "$T_TMP/msg" \
	--user alice: --oauth2-bearer "$(cat "$TOK/alice")" >"$OUT" 2>"$ERR"
RC=$?
expect_exit "sendmail: curl --oauth2-bearer: mail accepted" 0
smtp "sendmail: no mechanism without TLS (AuthOptions p)" 587 OAUTHBEARER "$TOK/alice" \
	'd["offered"] == [] and d["code"] != 235'
log_mark
smtp "sendmail: a forged token: invalid_token challenge, 535" 587 OAUTHBEARER "$TOK/forged" \
	'd["code"] == 535 and d["challenge"]["status"] == "invalid_token"' "${TLS[@]}"
expect_log "sendmail: ... the plugin's audit line in syslog (log_level: 2)" \
	'sm-mta\[[0-9]+\]: oidc-auth sasl: mech=OAUTHBEARER result=deny reason=bad_signature'
log_mark
smtp "sendmail: bob's token with a=alice: sendmail's proxy policy lets it in ..." 587 \
	OAUTHBEARER "$TOK/bob" 'd["code"] == 235' "${TLS[@]}"
expect_log "sendmail: ... as bob, the token's user (authid=bob)" \
	'AUTH=server, relay=localhost \[127.0.0.1\], authid=bob, mech=OAUTHBEARER'

# ---- what oidc_sasl_noplaintext: yes would do (the recipe says: do not) ------------------
restart() {
	/etc/init.d/sendmail restart >/dev/null 2>&1
	sleep 0.3
	sm_wait 25 587 || not_ok "sendmail: restart" "$(tail -n 5 "$SYSLOG")"
}
cp /etc/mail/sasl/Sendmail.conf.2 "$T_TMP/Sendmail.conf.2"
echo "oidc_sasl_noplaintext: yes" >>/etc/mail/sasl/Sendmail.conf.2
restart
smtp "sendmail: with oidc_sasl_noplaintext: yes the mechanisms are offered without TLS too" 587 \
	OAUTHBEARER "$TOK/alice" 'sorted(d["offered"]) == ["OAUTHBEARER", "XOAUTH2"]'
cp "$T_TMP/Sendmail.conf.2" /etc/mail/sasl/Sendmail.conf.2
restart

# ---- a mistake in /etc/oidc-auth/sendmail.conf ------------------------------------------
# (before: the mechanisms were hidden and sendmail answered "503 5.3.3 AUTH not available")
sed -i 's/^algorithms /algoritms  /' /etc/oidc-auth/sendmail.conf
log_mark
smtp "sendmail: typo in sendmail.conf: still offered; the login fails (535: sendmail's answer to any SASL failure)" \
	587 OAUTHBEARER "$TOK/alice" \
	'sorted(d["offered"]) == ["OAUTHBEARER", "XOAUTH2"] and d["code"] == 535' "${TLS[@]}"
expect_log "sendmail: ... the plugin logs what to fix" \
	'oidc-auth sasl: OAUTHBEARER and XOAUTH2 answer every login with a temporary failure until this is fixed: configuration refused: /etc/oidc-auth/sendmail.conf:[0-9]+: algoritms: unknown key'
expect_log "sendmail: ... and sendmail that it was transient" \
	'AUTH failure \(OAUTHBEARER\): transient failure .*the server.s oidc-auth configuration is refused'
check "sendmail: ... and still runs" sm_running
if grep -qF "$(cut -d. -f3 "$TOK/alice")" "$SYSLOG"; then
	not_ok "sendmail: no token signature in the log"
else
	ok "sendmail: no token signature in the log"
fi
[ "$T_FAIL" -eq 0 ] || t_diag "syslog:" "$(tail -n 15 "$SYSLOG")"
t_done
