#!/usr/bin/env bash
# tests/postfix/t_postfix_dovecot.sh - docs/recipes/postfix-dovecot-sasl.md followed as written:
# Debian's stock Postfix (smtpd chrooted) with smtpd_sasl_type = dovecot, Debian's stock Dovecot
# with the recipe's passdb pam (pam_oidc), both started by their init scripts, in a
# copy-on-write copy of the system (tests/lib/overlay.sh). Tokens from the real provider as
# the PLAIN/LOGIN password and in Dovecot's OAUTHBEARER/XOAUTH2; refused tokens and a Unix
# password (the stock auth-system.conf.ext the recipe takes out); and which token lengths pass
# (docs/token-size.md). Private network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns postfix_dovecot "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/overlay.sh
. tests/lib/mta.sh
t_init postfix_dovecot "$@"
trap '/etc/init.d/postfix stop >/dev/null 2>&1; /etc/init.d/dovecot stop >/dev/null 2>&1
	idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
command -v dovecot >/dev/null && command -v postfix >/dev/null ||
	mta_fatal "postfix_dovecot: postfix and dovecot-core must be installed"
mta_up postfix_dovecot

# ---- the site's own files ------------------------------------------------------------------
cat >/etc/oidc-auth/dovecot.conf <<EOF
issuer          = $IDP_ISSUER
ca_file         = /etc/oidc-auth/test-ca.pem
audience        = api://mail
algorithms      = RS256
username_claim  = preferred_username
required_scopes = mail.read
cache_dir       = /var/cache/oidc-auth/dovecot
EOF
install -m 0644 "$MAIL_CRT" /etc/ssl/certs/mail.example.com.pem &&
	install -m 0600 "$MAIL_KEY" /etc/ssl/private/mail.example.com.key &&
	install -m 0644 "$MAIL_CRT" /etc/dovecot/private/dovecot.pem &&
	install -m 0600 "$MAIL_KEY" /etc/dovecot/private/dovecot.key
# a local user with a Unix password, which must not log in
adduser --disabled-password --gecos "" --quiet carol && echo 'carol:Secret-123' | chpasswd ||
	mta_fatal "postfix_dovecot: local user carol"
printf 'Secret-123' >"$T_TMP/carol.pw"

# ---- the recipe --------------------------------------------------------------------------
mta_apply postfix_dovecot docs/recipes/postfix-dovecot-sasl.md
up() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -S /var/spool/postfix/private/auth ] && [ -n "$(ss -Hltn 'sport = :587')" ] && return 0
		sleep 0.05
	done
	return 1
}
if up; then
	ok "postfix_dovecot: Dovecot's auth socket in Postfix's chroot, Postfix on 587"
else
	mta_fatal "postfix_dovecot: Dovecot's auth socket in Postfix's chroot, Postfix on 587" \
		"$(cat "$OUT")" "$(tail -n 8 "$SYSLOG")"
fi

smtp() { mta_smtp "$@"; }
login() { mta_login "$@"; }
log_mark
smtp "postfix_dovecot: STARTTLS on 587: PLAIN with the token as password, mail accepted" 587 \
	PLAIN "$TOK/alice" \
	'sorted(d["offered"]) == ["LOGIN", "OAUTHBEARER", "PLAIN", "XOAUTH2"] and d["code"] == 235 and d["sent"]' \
	"${TLS[@]}" --send --rcpt root@localhost
expect_log "postfix_dovecot: ... Postfix: sasl_method=PLAIN, sasl_username=alice" \
	'postfix/submission/smtpd\[[0-9]+\]: .*sasl_method=PLAIN, sasl_username=alice'
expect_log "postfix_dovecot: ... pam_oidc in Dovecot's auth worker (service dovecot-oidc)" \
	'pam_oidc\(dovecot-oidc:auth\): result=allow reason=ok mode=token user="alice" mapped="alice"'
smtp "postfix_dovecot: LOGIN with the token: 235" 587 LOGIN "$TOK/alice" 'd["code"] == 235' \
	"${TLS[@]}"
smtp "postfix_dovecot: Dovecot's OAUTHBEARER: 235" 587 OAUTHBEARER "$TOK/alice" \
	'd["code"] == 235' "${TLS[@]}"
smtp "postfix_dovecot: Dovecot's XOAUTH2: 235" 587 XOAUTH2 "$TOK/alice" 'd["code"] == 235' \
	"${TLS[@]}"
printf 'Subject: curl\r\n\r\nhello\r\n' >"$T_TMP/msg"
T_LAST=(curl smtp://mail.example.com:587 --ssl-reqd --user alice: --oauth2-bearer "<token>")
curl -sS --max-time 20 --ssl-reqd --cacert "$D/ca.pem" smtp://mail.example.com:587 \
	--mail-from alice@example.com --mail-rcpt root@localhost --upload-file "$T_TMP/msg" \
	--user alice: --oauth2-bearer "$(cat "$TOK/alice")" >"$OUT" 2>"$ERR"
RC=$?
expect_exit "postfix_dovecot: curl --oauth2-bearer: mail accepted" 0

# ---- refused ------------------------------------------------------------------------------
log_mark
smtp "postfix_dovecot: bob's token as alice's password: 535" 587 PLAIN "$TOK/bob" \
	'd["code"] == 535' "${TLS[@]}"
expect_log "postfix_dovecot: ... reason user_mismatch" \
	'pam_oidc\(dovecot-oidc:auth\): result=deny reason=user_mismatch'
smtp "postfix_dovecot: OAUTHBEARER a=alice with bob's token: refused" 587 OAUTHBEARER \
	"$TOK/bob" 'd["code"] != 235' "${TLS[@]}"
smtp "postfix_dovecot: carol's Unix password (auth-system.conf.ext taken out): 535" 587 PLAIN \
	"$T_TMP/carol.pw" 'd["code"] == 535' --user carol "${TLS[@]}"
smtp "postfix_dovecot: no AUTH before STARTTLS on 587" 587 PLAIN "$TOK/alice" \
	'd["offered"] == [] and d["code"] != 235'

# ---- token sizes through Postfix and Dovecot's auth protocol (docs/token-size.md) -----------
for n in 1400 1700 9000 9500; do
	mta_forge "$n" >"$TOK/big$n" || not_ok "postfix_dovecot: forge a $n-byte token"
done
log_mark
login PLAIN "$TOK/big1400" alice inline "${TLS[@]}"
check "postfix_dovecot: a 1400-byte token on the AUTH line reaches pam_oidc whole" \
	mta_reached "$TOK/big1400"
log_mark
login PLAIN "$TOK/big1700" alice inline "${TLS[@]}"
expect_py "postfix_dovecot: a 1700-byte token on the AUTH line: refused by Postfix" \
	'd["code"] != 235'
expect_log "postfix_dovecot: ... request longer than 2048 (line_length_limit)" \
	'request longer than 2048'
log_mark
login PLAIN "$TOK/big9000" alice ack "${TLS[@]}"
check "postfix_dovecot: a 9000-byte token after the 334 reaches pam_oidc whole" \
	mta_reached "$TOK/big9000"
log_mark
login PLAIN "$TOK/big9500" alice ack "${TLS[@]}"
expect_py "postfix_dovecot: a 9500-byte token after the 334: refused by Postfix" \
	'd["code"] != 235 and d["code"] is not None'
if mta_reached "$TOK/big9500"; then
	not_ok "postfix_dovecot: ... before Dovecot (smtpd_sasl_response_limit 12288)" "$(cat "$OUT")"
else
	ok "postfix_dovecot: ... before Dovecot (smtpd_sasl_response_limit 12288): $(cat "$OUT")"
fi

# control: what the recipe's sed step prevents
sed -i 's/^#\(!include auth-system.conf.ext\)/\1/' /etc/dovecot/conf.d/10-auth.conf
pid0=$(cat /run/dovecot/master.pid)
/etc/init.d/dovecot stop >/dev/null 2>&1
for ((i = 0; i < 200; i++)); do
	kill -0 "$pid0" 2>/dev/null || break
	sleep 0.05
done
/etc/init.d/dovecot start >/dev/null 2>&1
# smtpd keeps its connection to the old auth process: Postfix too
/etc/init.d/postfix restart >/dev/null 2>&1
for ((i = 0; i < 200; i++)); do
	[ -s /run/dovecot/master.pid ] && up && break
	sleep 0.05
done
smtp "postfix_dovecot: control: with Debian's auth-system.conf.ext left in, carol's Unix password logs in" \
	587 PLAIN "$T_TMP/carol.pw" 'd["code"] == 235' --user carol "${TLS[@]}"

if grep -qF "$(cut -d. -f3 "$TOK/alice")" "$SYSLOG"; then
	not_ok "postfix_dovecot: no token signature in the log"
else
	ok "postfix_dovecot: no token signature in the log"
fi
[ "$T_FAIL" -eq 0 ] || t_diag "syslog:" "$(tail -n 15 "$SYSLOG")"
t_done
