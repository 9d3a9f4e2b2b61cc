#!/usr/bin/env bash
# tests/saslauthd/t_saslauthd.sh - docs/recipes/saslauthd.md followed as written: Debian's
# saslauthd (-a pam, its init script, socket in Postfix's chroot) with pam_oidc in
# /etc/pam.d/smtp, and Debian's stock Postfix (smtpd chrooted, started by its init script)
# asking it through pwcheck_method: saslauthd. Everything in a copy-on-write copy of the system
# (tests/lib/overlay.sh). Opaque tokens from the real provider (introspection) log in; a JWT
# (over saslauthd's 256 bytes per field) is refused before PAM, and the log says why; the
# boundary is measured at 256/257 bytes; saslauthd's -c cache, which the recipe leaves out,
# would answer for PAM. Private network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns saslauthd "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/overlay.sh
. tests/lib/mta.sh
t_init saslauthd "$@"
trap '/etc/init.d/postfix stop >/dev/null 2>&1; /etc/init.d/saslauthd stop >/dev/null 2>&1
	idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
command -v saslauthd >/dev/null || mta_fatal "saslauthd: sasl2-bin is not installed"
mta_up saslauthd
# opaque tokens (introspection): JWTs do not fit through saslauthd
idp_token_cc api://opaque mail.read alice >"$TOK/opaque" &&
	idp_token_cc api://opaque mail.read bob >"$TOK/opaque-bob" ||
	mta_fatal "saslauthd: opaque tokens from the provider"

# ---- the site's own files ------------------------------------------------------------------
cat >/etc/oidc-auth/saslauthd.conf <<EOF
issuer             = $IDP_ISSUER
ca_file            = /etc/oidc-auth/test-ca.pem
audience           = api://opaque
token_types        = opaque
client_id          = $IDP_CLIENT_ID
client_secret_file = /etc/oidc-auth/saslauthd.secret
username_claim     = preferred_username
cache_dir          = /var/cache/oidc-auth/saslauthd
EOF
printf '%s\n' "$IDP_CLIENT_SECRET" >/etc/oidc-auth/saslauthd.secret
install -m 0644 "$MAIL_CRT" /etc/ssl/certs/mail.example.com.pem &&
	install -m 0600 "$MAIL_KEY" /etc/ssl/private/mail.example.com.key

# ---- the recipe --------------------------------------------------------------------------
mta_apply saslauthd docs/recipes/saslauthd.md
MUX=/var/spool/postfix/var/run/saslauthd/mux
up() {   # PORT: Postfix listens and saslauthd's socket is there, at most 10 s
	local i
	for ((i = 0; i < 200; i++)); do
		[ -S "$MUX" ] && [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.05
	done
	return 1
}
if up 587; then
	ok "saslauthd: the init scripts started saslauthd (socket in Postfix's chroot) and Postfix (587)"
else
	mta_fatal "saslauthd: the init scripts started saslauthd (socket in Postfix's chroot) and Postfix (587)" \
		"$(cat "$OUT")" "$(tail -n 5 "$SYSLOG")"
fi
check "saslauthd: runs without -c (no credential cache), as the recipe says" \
	test -z "$(pgrep -a saslauthd | grep -- ' -c')" -a -n "$(pgrep -a saslauthd)"

# ---- testsaslauthd, then Postfix ----------------------------------------------------------
tsa() {   # NAME RC USER SECRET-FILE: testsaslauthd -s smtp against the recipe's socket
	T_LAST=(testsaslauthd -f "$MUX" -s smtp -u "$3" -p "<$4>")
	testsaslauthd -f "$MUX" -s smtp -u "$3" -p "$(cat "$4")" >"$OUT" 2>"$ERR"
	RC=$?
	expect_exit "$1" "$2"
}
NO=255   # testsaslauthd's status for "NO"
log_mark
tsa "saslauthd: testsaslauthd: alice's opaque token ($(wc -c <"$TOK/opaque") bytes): OK" 0 \
	alice "$TOK/opaque"
expect_log "saslauthd: ... pam_oidc checked it (service smtp, introspection)" \
	'pam_oidc\(smtp:auth\): result=allow reason=ok mode=token user="alice" mapped="alice"'
tsa "saslauthd: testsaslauthd: bob's token for alice: NO" "$NO" alice "$TOK/opaque-bob"
expect_log "saslauthd: ... reason user_mismatch" 'pam_oidc\(smtp:auth\): result=deny reason=user_mismatch'

smtp() { mta_smtp "$@"; }
log_mark
smtp "saslauthd: Postfix submission, STARTTLS, PLAIN with the opaque token: 235, mail accepted" \
	587 PLAIN "$TOK/opaque" \
	'sorted(d["offered"]) == ["LOGIN", "PLAIN"] and d["code"] == 235 and d["sent"]' \
	"${TLS[@]}" --send --rcpt root@localhost
smtp "saslauthd: LOGIN with the opaque token: 235" 587 LOGIN "$TOK/opaque" 'd["code"] == 235' \
	"${TLS[@]}"
expect_log "saslauthd: ... Postfix logs sasl_method=PLAIN, sasl_username=alice" \
	'postfix/submission/smtpd\[[0-9]+\]: .*sasl_method=PLAIN, sasl_username=alice'
smtp "saslauthd: without TLS AUTH is not offered on 587" 587 PLAIN "$TOK/opaque" \
	'd["offered"] == [] and d["code"] != 235'
smtp "saslauthd: bob's token as alice's password: 535" 587 PLAIN "$TOK/opaque-bob" 'd["code"] == 535' \
	"${TLS[@]}"

# ---- a JWT: over 256 bytes, refused by saslauthd before PAM -------------------------------
log_mark
smtp "saslauthd: a JWT ($(wc -c <"$TOK/alice") bytes) as the password: 535" 587 PLAIN \
	"$TOK/alice" 'd["code"] == 535' "${TLS[@]}"
expect_log "saslauthd: ... saslauthd logs why: password exceeded MAX_REQ_LEN: 256" \
	'saslauthd\[[0-9]+\]: .*password exceeded MAX_REQ_LEN: 256'
# (by its fingerprint: a late line of the login before may still arrive)
fp() { tr -d '\n' <"$1" | sha256sum | cut -c1-16; }
if log_new | grep -q "pam_oidc(.*token=sha256:$(fp "$TOK/alice")"; then
	not_ok "saslauthd: ... and pam_oidc never saw it (nothing cut, nothing to recognise)" \
		"$(log_new | grep 'pam_oidc(')"
else
	ok "saslauthd: ... and pam_oidc never saw it (nothing cut, nothing to recognise)"
fi
# the boundary: 256 bytes reach PAM (a non-token: malformed_token), 257 do not
head -c 256 /dev/zero | tr '\0' 'a' >"$T_TMP/p256"
head -c 257 /dev/zero | tr '\0' 'a' >"$T_TMP/p257"
log_mark
tsa "saslauthd: a 256-byte password is passed on ... (and refused)" "$NO" alice "$T_TMP/p256"
expect_log "saslauthd: ... pam_oidc got all 256 bytes (its fingerprint)" \
	"pam_oidc\\(smtp:auth\\): result=deny .* token=sha256:$(fp "$T_TMP/p256")"
log_mark
tsa "saslauthd: a 257-byte password is not" "$NO" alice "$T_TMP/p257"
expect_log "saslauthd: ... saslauthd: password exceeded MAX_REQ_LEN: 256" \
	'password exceeded MAX_REQ_LEN: 256'

# ---- why the recipe drops -c ---------------------------------------------------------------
# with -c saslauthd answers a password it has seen work from its cache: pam_oidc is not asked,
# whatever happened to the token since (here: revoked at the provider)
sed -i 's|^OPTIONS=.*|OPTIONS="-c -m /var/spool/postfix/var/run/saslauthd"|' /etc/default/saslauthd
/etc/init.d/saslauthd restart >/dev/null 2>&1
idp_token_cc api://opaque mail.read alice >"$TOK/alice2" || not_ok "saslauthd: another token"
for ((i = 0; i < 100; i++)); do [ -S "$MUX" ] && break; sleep 0.05; done
log_mark
tsa "saslauthd -c: a fresh token logs in" 0 alice "$TOK/alice2"
expect_log "saslauthd -c: ... through pam_oidc" \
	"pam_oidc\\(smtp:auth\\): result=allow .* token=sha256:$(fp "$TOK/alice2")"
idp_revoke "$(cat "$TOK/alice2")" || not_ok "saslauthd: revoke the token at the provider"
log_mark
tsa "saslauthd -c: the revoked token still logs in, from saslauthd's cache" 0 alice \
	"$TOK/alice2"
sleep 0.5
if log_new | grep -q "pam_oidc(.*token=sha256:$(fp "$TOK/alice2")"; then
	not_ok "saslauthd -c: ... without asking pam_oidc" "$(log_new | grep 'pam_oidc(')"
else
	ok "saslauthd -c: ... without asking pam_oidc"
fi
sed -i 's|^OPTIONS=.*|OPTIONS="-m /var/spool/postfix/var/run/saslauthd"|' /etc/default/saslauthd
/etc/init.d/saslauthd restart >/dev/null 2>&1
for ((i = 0; i < 100; i++)); do [ -S "$MUX" ] && break; sleep 0.05; done
log_mark
tsa "saslauthd without -c (the recipe): the revoked token is refused" "$NO" alice "$TOK/alice2"
expect_log "saslauthd: ... by pam_oidc (introspection: not active)" \
	'pam_oidc\(smtp:auth\): result=deny reason=token_inactive'

if grep -qF "$(cat "$TOK/opaque")" "$SYSLOG"; then
	not_ok "saslauthd: no token in the log"
else
	ok "saslauthd: no token in the log"
fi
[ "$T_FAIL" -eq 0 ] || t_diag "syslog:" "$(tail -n 15 "$SYSLOG")"
t_done
