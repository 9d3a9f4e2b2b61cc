#!/usr/bin/env bash
# tests/clients/t_clients.sh - the mail clients of docs/mail-clients.md, each with its
# snippet exactly as the page writes it (tests/lib/docblocks.py), against Dovecot (IMAP on
# mail.example.com:993, passdb pam with pam_oidc) and Postfix (submission on
# mail.example.com:587 with STARTTLS, the sasl_xoauth2 plugin). The user alice signs in once
# with "oidc-auth login" (a scripted device flow at the real provider, tests/idp) on her own
# account; every client then runs "oidc-auth token" itself, as alice. Each client must log in
# (or send) with the token, and be refused once the stored token is forged.
#
# Private network, PID and mount namespaces; /etc (hosts, trusted CAs, users, PAM), /home,
# /var/cache, /srv and the PAM and SASL module folders get private layers there
# (tests/lib/deploy.sh): the host's files are never written. Site-specific values are the
# test provider's (issuer, audience, scope, client id).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns clients "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh
. tests/postfix/lib.sh
. tests/lib/deploy.sh
t_init clients "$@"
trap 'pf_stop; dovecot_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
DOC=$ROOT/docs/mail-clients.md
T_START=$SECONDS

fatal() { not_ok "$@"; t_done; exit 1; }
for c in dovecot postfix msmtp mutt neomutt mbsync fetchmail offlineimap getmail curl script; do
	command -v "$c" >/dev/null || fatal "clients: $c is installed"
done
[ -f "$PAM_SO_HOST" ] && [ -f build/sasl2/libsasl_xoauth2.so ] ||
	fatal "clients: pam_oidc.so and libsasl_xoauth2.so are built"
pam_devlog "$T_TMP" || fatal "clients: private /dev/log"
deploy_layers "$T_TMP/layers" || fatal "clients: private layers"
deploy_pam_module && deploy_sasl_plugin || fatal "clients: install the modules"
pam_idp_up "$T_TMP/idp" || fatal "clients: start the OpenID provider"
deploy_trust_ca "$IDP_CA" && deploy_hosts mail.example.com || fatal "clients: trust and hosts"
deploy_cert "$T_TMP/idp" mail.example.com /etc/ssl/certs/mail.example.com.pem \
	/etc/ssl/private/mail.example.com.key || fatal "clients: server certificate"
chmod 644 /etc/ssl/private/mail.example.com.key   # smtpd (postfix) and Dovecot read it

# ---- the servers --------------------------------------------------------------------------
mkdir -p /etc/oidc-auth /var/cache/oidc-auth/dovecot /var/cache/oidc-auth/postfix
chmod 700 /var/cache/oidc-auth/dovecot /var/cache/oidc-auth/postfix
chown postfix: /var/cache/oidc-auth/postfix
server_conf() {   # CACHE
	printf '%s\n' "issuer = $IDP_ISSUER" "audience = api://mail" "ca_file = $IDP_CA" \
		"cache_dir = $1" "username_claim = preferred_username"
}
server_conf /var/cache/oidc-auth/dovecot >/etc/oidc-auth/dovecot.conf
server_conf /var/cache/oidc-auth/postfix >/etc/oidc-auth/postfix.conf
chmod 644 /etc/oidc-auth/*.conf
printf '%s\n' "auth    required pam_oidc.so config=/etc/oidc-auth/dovecot.conf" \
	"account required pam_oidc.so config=/etc/oidc-auth/dovecot.conf" >/etc/pam.d/dovecot-oidc
DV=$T_TMP/dovecot
dovecot_start "$DV" 143 "passdb {
  driver = pam
  args = dovecot-oidc
}" "ssl = required
ssl_cert = </etc/ssl/certs/mail.example.com.pem
ssl_key = </etc/ssl/private/mail.example.com.key
auth_mechanisms = plain login xoauth2 oauthbearer
service imap-login {
  inet_listener imaps {
    address = 127.0.0.1
    port = 993
  }
}" || fatal "clients: Dovecot with TLS on 993"
P=$T_TMP/pf
pf_setup "$P" || fatal "clients: Postfix instance"
printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_config: /etc/oidc-auth/postfix.conf" \
	>"$P/etc/sasl/submission.conf"
chmod 644 "$P/etc/sasl/submission.conf"
pf_service 587 submission smtpd_tls_security_level=encrypt \
	smtpd_tls_cert_file=/etc/ssl/certs/mail.example.com.pem \
	smtpd_tls_key_file=/etc/ssl/private/mail.example.com.key smtpd_tls_auth_only=yes
pf_start && pf_wait_port 587 || fatal "clients: Postfix submission on 587" "$(tail -5 "$P/maillog")"
ok "clients: Dovecot (993, TLS) and Postfix (587, STARTTLS) up as mail.example.com"

# one message in alice's mailbox, for the clients that fetch
MD=$DV/home/alice/Maildir
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
printf 'From: bob@example.com\nTo: alice@example.com\nSubject: quarterly numbers\nMessage-ID: <q3@example.com>\n\nsee attachment\n' \
	>"$MD/new/1700000000.M1P1.mail.example.com"
chown -R nobody:nogroup "$DV/home/alice"

# ---- alice on her own machine ----------------------------------------------------------------
deploy_user alice || fatal "clients: user alice"
H=/home/alice
export PATH=$ROOT/$BUILD_DIR:$PATH
# as_alice CMD...: run CMD as alice in her home, with a clean environment
as_alice() {
	runuser -u alice -- env -i HOME=$H USER=alice LOGNAME=alice PATH="$PATH" TERM=xterm \
		LANG=C.UTF-8 bash -c 'cd && exec "$@"' bash "$@"
}
# install_block NAME: the page's block NAME at the path its first line names (# ~/PATH)
install_block() {
	local text path
	text=$(deploy_block "$DOC" "$1") || { not_ok "mail-clients.md: block $1"; return 1; }
	path=$(sed -n '1s|^# ~/\([^ ]*\).*|\1|p' <<<"$text")
	[ -n "$path" ] || { not_ok "mail-clients.md: block $1 names its file (# ~/...)"; return 1; }
	install -d -o alice -g alice "$(dirname "$H/$path")"
	printf '%s\n' "$text" >"$H/$path" && chown alice: "$H/$path" && chmod 600 "$H/$path"
}
# snippet NAME: the page's shell block NAME as a script alice can run
snippet() {
	deploy_block "$DOC" "$1" >"$T_TMP/$1.sh" && chmod 644 "$T_TMP/$1.sh"
}
install -d -o alice -g alice "$H/.config" "$H/.config/oidc-auth"
deploy_block "$DOC" client-conf | deploy_client_conf_for_idp >"$H/.config/oidc-auth/mail.conf"
chown alice: "$H/.config/oidc-auth/mail.conf"
printf 'To: bob@example.com\nFrom: alice@example.com\nSubject: hello\n\nhello bob\n' >"$H/message.txt"
chown alice: "$H/message.txt"
if deploy_user_login "$H/.config/oidc-auth/mail.conf" alice as_alice; then
	ok "alice: oidc-auth login -c ~/.config/oidc-auth/mail.conf (device flow, browser approval)"
else
	fatal "alice: oidc-auth login" "$(cat "$T_TMP/login.out" "$T_TMP/login.err")"
fi
TF=$H/.local/state/oidc-auth/tokens-default.json
[ -f "$TF" ] || fatal "alice: the token file $TF" "$(ls -laR $H/.local 2>&1)"
cp -p "$TF" "$T_TMP/tokens.good"
TOKEN_SIG=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"].rsplit(".",1)[1])' "$TF")
# forge: the stored access token with one signature character changed (still "valid" for
# oidc-auth token, which only looks at expires_at)
"$PY" - "$TF" "$T_TMP/tokens.forged" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
h, p, s = d["access_token"].split(".")
i = len(s) // 2
d["access_token"] = "%s.%s.%s%s%s" % (h, p, s[:i], "A" if s[i] != "A" else "B", s[i + 1:])
json.dump(d, open(sys.argv[2], "w"))
PYEOF
use_tokens() {   # good|forged
	install -m 600 -o alice -g alice "$T_TMP/tokens.$1" "$TF"
}

# ---- checks --------------------------------------------------------------------------------
RUN_OUT=$T_TMP/run.out
run_as_alice() {   # FILE: run the script FILE as alice; sets RC
	as_alice bash -e "$1" >"$RUN_OUT" 2>&1 </dev/null
	RC=$?
}
# imap_ok NAME MECH: the client logged in to Dovecot with MECH since the mark
# A terminal client (TUI=1) exits 0 either way: only the server's view counts.
TUI=
rc_ok() { [ "$RC" = 0 ] || [ -n "$TUI" ]; }
rc_failed() { [ "$RC" != 0 ] || [ -n "$TUI" ]; }
imap_ok() {
	if rc_ok && log_wait 'pam_oidc\(dovecot-oidc:auth\): result=allow reason=ok mode=token user="alice"' &&
		grep -q "imap-login: Info: Login: user=<alice>, method=$2," "$DV/dovecot.log"; then
		ok "$1"
	else
		not_ok "$1" "exit $RC: $(tail -c 600 "$RUN_OUT")" "syslog: $(log_new | tail -n 3)" \
			"dovecot: $(tail -n 3 "$DV/dovecot.log")"
	fi
}
imap_refused() {   # NAME
	if rc_failed && log_wait 'pam_oidc\(dovecot-oidc:auth\): result=deny reason=bad_signature' &&
		! grep -q "Login: user=<alice>" "$DV/dovecot.log"; then
		ok "$1"
	else
		not_ok "$1" "exit $RC: $(tail -c 400 "$RUN_OUT")" "syslog: $(log_new | tail -n 3)"
	fi
}
# smtp_ok NAME MECH: Postfix accepted a message from alice authenticated with MECH
PF_MARK=0
pf_mark() { PF_MARK=$(wc -l <"$P/maillog"); }
pf_new() { tail -n +$((PF_MARK + 1)) "$P/maillog"; }
smtp_ok() {
	local i
	for ((i = 0; i < 40; i++)); do
		pf_new | grep -q "sasl_method=$2, sasl_username=alice" && break
		sleep 0.05
	done
	if [ "$RC" = 0 ] && pf_new | grep -q "sasl_method=$2, sasl_username=alice"; then
		ok "$1"
	else
		not_ok "$1" "exit $RC: $(tail -c 600 "$RUN_OUT")" "maillog: $(pf_new | tail -n 4)"
	fi
}
smtp_refused() {   # NAME
	local i
	for ((i = 0; i < 40; i++)); do
		pf_new | grep -q 'oidc-auth sasl: mech=[A-Z0-9]* result=deny reason=bad_signature' && break
		sleep 0.05
	done
	if [ "$RC" != 0 ] && pf_new | grep -q 'result=deny reason=bad_signature'; then
		ok "$1"
	else
		not_ok "$1" "exit $RC: $(tail -c 400 "$RUN_OUT")" "maillog: $(pf_new | tail -n 4)"
	fi
}
mark() { log_mark; pf_mark; : >"$DV/dovecot.log"; }

# client NAME IMAP|SMTP MECH FILE: run FILE as alice with the good token (must work) and with
# the forged one (must be refused)
client() {
	local name=$1 proto=$2 mech=$3 file=$4
	use_tokens good
	mark
	run_as_alice "$file"
	if [ "$proto" = IMAP ]; then imap_ok "$name: logs in with $mech" "$mech"; else
		smtp_ok "$name: sends with $mech" "$mech"; fi
	use_tokens forged
	mark
	run_as_alice "$file"
	if [ "$proto" = IMAP ]; then imap_refused "$name: refused with a forged token"; else
		smtp_refused "$name: refused with a forged token"; fi
	use_tokens good
}

# msmtp
if install_block msmtp; then
	echo 'msmtp bob@example.com < message.txt' >"$T_TMP/msmtp.sh"
	client "msmtp" SMTP OAUTHBEARER "$T_TMP/msmtp.sh"
	sed -i 's/^auth oauthbearer$/auth xoauth2/' "$H/.msmtprc"
	use_tokens good; pf_mark
	run_as_alice "$T_TMP/msmtp.sh"
	smtp_ok "msmtp: auth xoauth2 sends too" XOAUTH2
fi

# curl
snippet curl-imap && client "curl IMAP" IMAP OAUTHBEARER "$T_TMP/curl-imap.sh"
snippet curl-smtp && client "curl SMTP" SMTP OAUTHBEARER "$T_TMP/curl-smtp.sh"

# fetchmail: the token as the password; the message arrives in the mbox
if snippet fetchmail; then
	client "fetchmail" IMAP PLAIN "$T_TMP/fetchmail.sh"
	grep -q '^Subject: quarterly numbers' "$H/Mail/fetched.mbox" 2>/dev/null &&
		ok "fetchmail: fetched the message (keep: it stays on the server)" ||
		not_ok "fetchmail: fetched the message" "$(ls -la "$H/Mail" 2>&1)"
fi

# mbsync through Cyrus SASL and the project's client plugin
if install_block mbsync; then
	echo 'mkdir -p ~/Mail/work && mbsync work' >"$T_TMP/mbsync.sh"
	client "mbsync" IMAP XOAUTH2 "$T_TMP/mbsync.sh"
	grep -rqs '^Subject: quarterly numbers' "$H/Mail/work/INBOX" &&
		ok "mbsync: synchronised the message" ||
		not_ok "mbsync: synchronised the message" "$(find "$H/Mail" 2>&1 | head)"
fi

# offlineimap3
if install_block offlineimap && install_block offlineimap-py; then
	echo 'offlineimap -o -u quiet' >"$T_TMP/offlineimap.sh"
	client "offlineimap" IMAP XOAUTH2 "$T_TMP/offlineimap.sh"
	grep -rqs '^Subject: quarterly numbers' "$H/Mail/offlineimap" &&
		ok "offlineimap: synchronised the message" ||
		not_ok "offlineimap: synchronised the message" "$(find "$H/Mail" 2>&1 | head)"
fi

# getmail6
if install_block getmail; then
	echo 'mkdir -p ~/Mail/getmail/cur ~/Mail/getmail/new ~/Mail/getmail/tmp && getmail' \
		>"$T_TMP/getmail.sh"
	client "getmail" IMAP XOAUTH2 "$T_TMP/getmail.sh"
	grep -rqs '^Subject: quarterly numbers' "$H/Mail/getmail" &&
		ok "getmail: retrieved the message" ||
		not_ok "getmail: retrieved the message" "$(find "$H/Mail" 2>&1 | head)"
fi

# mutt and neomutt: IMAP in the terminal (script gives them one), SMTP in batch mode
echo 'script -qec "mutt -e \"push <quit>\"" /dev/null' >"$T_TMP/mutt-imap.sh"
echo 'mutt -s hello bob@example.com < message.txt' >"$T_TMP/mutt-smtp.sh"
if install_block mutt; then
	TUI=1 client "mutt IMAP" IMAP OAUTHBEARER "$T_TMP/mutt-imap.sh"
	client "mutt SMTP" SMTP OAUTHBEARER "$T_TMP/mutt-smtp.sh"
fi
sed 's/mutt/neomutt/g' "$T_TMP/mutt-imap.sh" >"$T_TMP/neomutt-imap.sh"
sed 's/mutt/neomutt/g' "$T_TMP/mutt-smtp.sh" >"$T_TMP/neomutt-smtp.sh"
if install_block neomutt; then
	TUI=1 client "neomutt IMAP" IMAP XOAUTH2 "$T_TMP/neomutt-imap.sh"
	client "neomutt SMTP" SMTP XOAUTH2 "$T_TMP/neomutt-smtp.sh"
	# what the page says about neomutt's OAUTHBEARER: a real JWT never leaves it
	AT_LEN=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["access_token"]))' "$TF")
	sed -i 's/"xoauth2"/"oauthbearer"/' "$H/.config/neomutt/neomuttrc"
	mark
	TUI=1 run_as_alice "$T_TMP/neomutt-imap.sh"
	sleep 0.5
	if [ "$AT_LEN" -gt 560 ] && ! grep -q "Login: user=<alice>" "$DV/dovecot.log" &&
		! log_new | grep -q 'pam_oidc(dovecot-oidc:auth)'; then
		ok "neomutt OAUTHBEARER, $AT_LEN-byte token: never sent (IMAP), as the page says"
	else
		not_ok "neomutt OAUTHBEARER, $AT_LEN-byte token: never sent (IMAP)" \
			"$(tail -n 3 "$DV/dovecot.log")"
	fi
	run_as_alice "$T_TMP/neomutt-smtp.sh"
	if [ "$RC" != 0 ] && ! pf_new | grep -q 'sasl_username=alice'; then
		ok "neomutt OAUTHBEARER, $AT_LEN-byte token: never sent (SMTP)"
	else
		not_ok "neomutt OAUTHBEARER, $AT_LEN-byte token: never sent (SMTP)" "exit $RC" \
			"$(pf_new | tail -n 3)"
	fi
	# ... and it is the length: a junk "token" of 480 bytes reaches the server (which refuses
	# it), one of 560 does not (neomutt's base64 OAUTHBEARER message stops at 768 characters)
	declare -A SENT
	for L in 480 560; do
		"$PY" - "$T_TMP/tokens.good" "$T_TMP/tokens.junk" "$L" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["access_token"] = "eyJ" + "a" * (int(sys.argv[3]) - 3)
json.dump(d, open(sys.argv[2], "w"))
PYEOF
		use_tokens junk
		mark
		TUI=1 run_as_alice "$T_TMP/neomutt-imap.sh"
		sleep 0.3
		SENT[$L]=$(log_new | grep -c 'pam_oidc(dovecot-oidc:auth)')
	done
	use_tokens good
	if [ "${SENT[480]}" = 1 ] && [ "${SENT[560]}" = 0 ]; then
		ok "neomutt OAUTHBEARER: a 480-byte token is sent, a 560-byte one is not"
	else
		not_ok "neomutt OAUTHBEARER: a 480-byte token is sent, a 560-byte one is not" \
			"PAM saw ${SENT[480]} and ${SENT[560]} attempts"
	fi
fi
# mutt's XOAUTH2 too (the page's table)
if [ -f "$H/.muttrc" ]; then
	sed -i 's/"oauthbearer"/"xoauth2"/' "$H/.muttrc"
	mark
	TUI=1 run_as_alice "$T_TMP/mutt-imap.sh"
	TUI=1 imap_ok "mutt IMAP: imap_authenticators = xoauth2 works too" XOAUTH2
	run_as_alice "$T_TMP/mutt-smtp.sh"
	smtp_ok "mutt SMTP: smtp_authenticators = xoauth2 works too" XOAUTH2
fi

t_diag "clients: $((SECONDS - T_START)) s"
t_done
