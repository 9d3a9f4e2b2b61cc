#!/usr/bin/env bash
# tests/exim/t_exim.sh - docs/recipes/exim.md followed as written on Debian's Exim 4.96
# (exim4-daemon-heavy, unpacked from its .deb into a copy-on-write copy of this system: it would
# remove Postfix if installed), with Debian's stock split configuration, Debian's init script,
# the daemon as Debian-exim, the plugin and pam_oidc where the packages put them. Tokens from
# the real OpenID provider (tests/idp); clients: Python's smtplib (STARTTLS, OAUTHBEARER,
# XOAUTH2, PLAIN, LOGIN) and curl. Then the hostile cases: a bad token, no TLS, and a mistake
# in /etc/oidc-auth/exim.conf, which must not take Exim down (issue 11): Exim still starts,
# local submission still works, each SMTP login fails with a log line naming the problem.
# Private network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/lib/debs.sh
# before the network namespace: the .debs may have to be downloaded (tests/lib/debs.sh)
[ -n "${OIDC_PAM_NS:-}" ] || debs_need exim exim
pam_enter_ns exim "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/overlay.sh
. tests/lib/mta.sh
. tests/exim/lib.sh
t_init exim "$@"
trap 'ex_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

TREE=$(debs_tree exim) || mta_fatal "exim: no unpacked exim4 tree under build/debs"
mta_up exim
mta_forge >"$TOK/forged" || mta_fatal "exim: forge a token"

# ---- install, as the packages would ------------------------------------------------
ex_install "$TREE" || mta_fatal "exim: unpack exim4 and do what its maintainer scripts do"
adduser --disabled-password --gecos "" --quiet alice || mta_fatal "exim: local user alice"
# the site's own parts: its oidc-auth.conf (the recipe's, pointed at the test provider) and
# its certificate
cat >/etc/oidc-auth/exim.conf <<EOF
issuer          = $IDP_ISSUER
ca_file         = /etc/oidc-auth/test-ca.pem
audience        = api://mail
algorithms      = RS256
username_claim  = preferred_username
required_scopes = mail.read
cache_dir       = /var/cache/oidc-auth/exim
EOF
install -m 0644 "$MAIL_CRT" /etc/exim4/exim.crt &&
	install -m 0640 -g Debian-exim "$MAIL_KEY" /etc/exim4/exim.key
cp /etc/oidc-auth/exim.conf "$T_TMP/exim.conf.good"

# ---- the recipe ---------------------------------------------------------------------
mta_apply exim docs/recipes/exim.md
if ex_wait 25 587; then
	ok "exim: Debian's init script started Exim on ports 25 and 587"
else
	mta_fatal "exim: Debian's init script started Exim on ports 25 and 587" "$(cat "$OUT")" \
		"$(tail -n 5 /var/log/exim4/paniclog 2>/dev/null)"
fi
check "exim: the SMTP listener runs as Debian-exim" \
	test "$(ps -o user= -p "$(cat /run/exim4/exim.pid)")" = Debian-exim

# ---- logins -------------------------------------------------------------------------
smtp() { mta_smtp "$@"; }
ALL='sorted(d["offered"]) == ["LOGIN", "OAUTHBEARER", "PLAIN", "XOAUTH2"]'
MBOX=/var/mail/alice
delivered() {   # N: alice's mailbox holds N messages (Exim delivers in the background)
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '^From ' "$MBOX" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
log_mark
smtp "exim: STARTTLS on 587, all four offered; OAUTHBEARER as alice, mail accepted" 587 \
	OAUTHBEARER "$TOK/alice" "$ALL and d[\"code\"] == 235 and d[\"sent\"]" "${TLS[@]}" --send \
	--rcpt alice@mail.example.com
check "exim: ... and delivered to alice's mailbox" delivered 1
smtp "exim: XOAUTH2 as alice" 587 XOAUTH2 "$TOK/alice" 'd["code"] == 235' "${TLS[@]}"
smtp "exim: PLAIN with the token as password (plaintext + PAM) as alice, mail accepted" 587 \
	PLAIN "$TOK/alice" 'd["code"] == 235 and d["sent"]' "${TLS[@]}" --send \
	--rcpt alice@mail.example.com
check "exim: ... and delivered" delivered 2
smtp "exim: LOGIN with the token as password" 587 LOGIN "$TOK/alice" 'd["code"] == 235' \
	"${TLS[@]}"
check "exim: mainlog: messages accepted with A=oauthbearer:alice and A=plain_token:alice" \
	grep -q 'A=oauthbearer:alice' /var/log/exim4/mainlog -a \
	-n "$(grep 'A=plain_token:alice' /var/log/exim4/mainlog)"
expect_log "exim: pam_oidc's audit line (service exim, as Debian-exim)" \
	'exim4: pam_oidc\(exim:auth\): result=allow reason=ok mode=token user="alice" mapped="alice"'
check "exim: the cache in /var/cache/oidc-auth/exim belongs to Debian-exim and holds the keys" \
	test "$(find /var/cache/oidc-auth/exim -type f -user Debian-exim | wc -l)" -ge 1
T_LAST=(curl smtp://mail.example.com:587 --ssl-reqd --user alice: --oauth2-bearer "<token>")
printf 'From: alice@mail.example.com\r\nSubject: curl\r\n\r\nhello\r\n' >"$T_TMP/msg"
curl -sS --max-time 20 --ssl-reqd --cacert "$D/ca.pem" smtp://mail.example.com:587 \
	--mail-from alice@mail.example.com --mail-rcpt alice@mail.example.com \
	--upload-file "$T_TMP/msg" --user alice: --oauth2-bearer "$(cat "$TOK/alice")" \
	>"$OUT" 2>"$ERR"
RC=$?
expect_exit "exim: curl --oauth2-bearer (OAUTHBEARER, host=mail.example.com): mail accepted" 0
check "exim: ... and delivered" delivered 3

# ---- refused -----------------------------------------------------------------------
log_mark
smtp "exim: a forged token (alice's claims, another key): invalid_token challenge, 535" 587 \
	OAUTHBEARER "$TOK/forged" 'd["code"] == 535 and d["challenge"]["status"] == "invalid_token"' \
	"${TLS[@]}"
expect_log "exim: ... audit reason bad_signature (log_level: 2 shows denials)" \
	'oidc-auth sasl: mech=OAUTHBEARER result=deny reason=bad_signature'
smtp "exim: XOAUTH2 user=alice with bob's token: 535" 587 XOAUTH2 "$TOK/bob" \
	'd["code"] == 535' "${TLS[@]}"
smtp "exim: PLAIN as alice with bob's token: 535" 587 PLAIN "$TOK/bob" 'd["code"] == 535' \
	"${TLS[@]}"
smtp "exim: PLAIN with the forged token: 535" 587 PLAIN "$TOK/forged" 'd["code"] == 535' \
	"${TLS[@]}"
expect_log "exim: ... pam_oidc's reason bad_signature" \
	'pam_oidc\(exim:auth\): result=deny reason=bad_signature'
smtp "exim: without TLS nothing is offered, AUTH refused (port 25)" 25 OAUTHBEARER \
	"$TOK/alice" 'd["offered"] == [] and d["code"] == 503'
smtp "exim: without TLS nothing is offered, AUTH refused (port 587)" 587 PLAIN "$TOK/alice" \
	'd["offered"] == [] and d["code"] == 503'
if grep -qF "$(cut -d. -f3 "$TOK/alice")" /var/log/exim4/mainlog "$SYSLOG"; then
	not_ok "exim: no token signature in the mainlog or syslog"
else
	ok "exim: no token signature in the mainlog or syslog"
fi

# ---- token sizes (docs/token-size.md): which lengths reach the plugin and PAM whole ------
# a forged token of N bytes reached our code whole when its audit line carries its fingerprint
mta_forge 11000 >"$TOK/big11k" && mta_forge 12400 >"$TOK/big12k" || not_ok "exim: big tokens"
for mech in OAUTHBEARER PLAIN; do
	log_mark
	smtp "exim: $mech with an 11000-byte token: refused by our code (forged), not by Exim" 587 \
		"$mech" "$TOK/big11k" 'd["code"] == 535' "${TLS[@]}"
	check "exim: ... which got it whole (its fingerprint in the audit line)" mta_reached "$TOK/big11k"
	log_mark
	smtp "exim: $mech with a 12400-byte token: Exim's 16 KB line limit, 501 Invalid base64 data" \
		587 "$mech" "$TOK/big12k" 'd["code"] == 501' "${TLS[@]}"
done

# ---- a mistake in /etc/oidc-auth/exim.conf must not take Exim down -------------------
# (before: the plugin hid its mechanisms, "exim4 -bV" failed with "Cyrus SASL doesn't know about
# mechanism OAUTHBEARER", the init script refused to start Exim and sendmail -t failed)
sed -i 's/^algorithms /algoritms  /' /etc/oidc-auth/exim.conf
log_mark
# stop and start, as at the next boot ("restart" refuses an invalid configuration and leaves
# the old daemon running)
ex_stop
if ex_start 25 587; then
	ok "exim: typo in exim.conf ('algoritms'): Debian's init script still starts Exim"
else
	not_ok "exim: typo in exim.conf ('algoritms'): Debian's init script still starts Exim" \
		"$EX_OUT" "$(tail -n 3 /var/log/exim4/paniclog 2>/dev/null)"
fi
printf 'To: alice@mail.example.com\nSubject: local\n\nlocal submission\n' >"$T_TMP/local.msg"
T_LAST=(runuser -u alice -- /usr/sbin/sendmail -t)
runuser -u alice -- /usr/sbin/sendmail -t <"$T_TMP/local.msg" >"$OUT" 2>"$ERR"
RC=$?
expect_exit "exim: ... local submission (sendmail -t as alice) still accepted" 0
check "exim: ... and delivered" delivered 4
smtp "exim: ... OAUTHBEARER still offered; the login fails (535: Exim's cyrus_sasl makes every failure permanent)" \
	587 OAUTHBEARER "$TOK/alice" "$ALL and d[\"code\"] == 535 and d[\"challenge\"] is None" \
	"${TLS[@]}"
expect_log "exim: ... the plugin logs what to fix (error level: shown without log_level)" \
	'oidc-auth sasl: OAUTHBEARER and XOAUTH2 answer every login with a temporary failure until this is fixed: configuration refused: /etc/oidc-auth/exim.conf:[0-9]+: algoritms: unknown key'
expect_log "exim: ... and an audit line for the attempt: result=tempfail reason=config_error" \
	'oidc-auth sasl: mech=OAUTHBEARER result=tempfail reason=config_error user="" authzid="alice"'
check "exim: ... Exim's reject log says the failure was transient" \
	grep -q 'oauthbearer authenticator (OAUTHBEARER): Cyrus SASL username fetch problem: transient failure' /var/log/exim4/rejectlog
smtp "exim: ... PLAIN through PAM: 435, a temporary failure" 587 PLAIN "$TOK/alice" \
	'd["code"] == 435' "${TLS[@]}"
expect_log "exim: ... pam_oidc logs the key" \
	'pam_oidc\(exim:auth\): .*algoritms'

# ---- fixed again; then the provider down with nothing cached -------------------------
cp "$T_TMP/exim.conf.good" /etc/oidc-auth/exim.conf
smtp "exim: configuration fixed: OAUTHBEARER works again at the next connection" 587 \
	OAUTHBEARER "$TOK/alice" 'd["code"] == 235' "${TLS[@]}"
idp_stop
find /var/cache/oidc-auth/exim -type f -delete
log_mark
smtp "exim: provider down, cold cache: OAUTHBEARER 535 (the same permanent answer)" 587 \
	OAUTHBEARER "$TOK/alice" 'd["code"] == 535 and d["challenge"] is None' "${TLS[@]}"
expect_log "exim: ... audit result=tempfail reason=idp_unreachable" \
	'oidc-auth sasl: mech=OAUTHBEARER result=tempfail reason=idp_unreachable'
smtp "exim: provider down, cold cache: PLAIN through PAM 435" 587 PLAIN "$TOK/alice" \
	'd["code"] == 435' "${TLS[@]}"
[ "$T_FAIL" -eq 0 ] || t_diag "mainlog:" "$(tail -n 20 /var/log/exim4/mainlog)" "syslog:" \
	"$(tail -n 12 "$SYSLOG")"
t_done
