#!/usr/bin/env bash
# tests/webmail/t_roundcube.sh - docs/recipes/roundcube.md end to end: a user in headless
# Chromium clicks "Login with Example SSO" in Roundcube (Debian's package, nginx + PHP-FPM as
# www-data), signs in at the test OpenID provider (tests/idp, authorization code flow), reads
# the inbox through Dovecot (IMAP XOAUTH2 -> passdb pam -> pam_oidc) and sends a mail through
# Postfix (SMTP XOAUTH2 -> sasl_xoauth2), which delivers it. The configuration is the recipe's
# snippets (tests/lib/snippet.py reads them from the Markdown) with only site values replaced,
# and Dovecot and Postfix as docs/recipes/dovecot.md and postfix.md set them up, with the
# packaged layout: their /etc/oidc-auth/dovecot.conf and postfix.conf (plus the webmail's
# audience, as this recipe says), their shell blocks (Postfix's cache directory
# /var/cache/oidc-auth/postfix, check-config --as-user), the PAM service and smtpd.conf as
# written, pam_oidc.so and the plugin at their Debian paths.
# Also: every token a server accepted is one the provider issued to Roundcube (fingerprints),
# a Roundcube whose user names are addresses, the token's renewal with the refresh token, and
# nginx serving no PHP file but index.php. Hostile cases: Roundcubes configured without the
# resource indicator and with another API's get tokens the servers refuse, and so is a
# password in Roundcube's own form; the user sees Roundcube's error, the reason is logged.
# Private network, PID and mount namespaces: loopback only, nothing of the host is written.
# About 30 s.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns roundcube "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh
. tests/postfix/lib.sh
. tests/webmail/lib.sh
. tests/lib/layout.sh
t_init roundcube "$@"
BROWSER=("$PY" tests/webmail/browser.py --state "$T_TMP/browser.state")
trap '"${BROWSER[@]}" stop >/dev/null 2>&1; web_stop; pf_stop; dovecot_stop; idp_cleanup;
	layout_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
RECIPE=docs/recipes/roundcube.md
T0=$SECONDS

fatal() {   # NAME [diag...]: a step everything after it needs failed
	not_ok "$@"
	t_done
	exit 1
}
for c in nginx php-fpm8.2 chromium chromedriver dovecot postfix php; do
	command -v "$c" >/dev/null || fatal "roundcube: $c is installed (.ci/packages.txt)"
done
[ -f /usr/share/roundcube/program/include/rcmail_oauth.php ] ||
	fatal "roundcube: Roundcube is installed (.ci/packages.txt)"
[ -f "$ROOT/build/pam_oidc.so" ] && [ -f "$ROOT/build/sasl2/libsasl_xoauth2.so" ] ||
	fatal "roundcube: the PAM module and the SASL plugin are built (make)"

# snip NAME [DOC] [OLD NEW ...] > FILE: a snippet of the recipe (or DOC), site values replaced
snip() {
	local name=$1 doc=$RECIPE
	shift
	case "${1:-}" in *.md) doc=$1; shift ;; esac
	"$PY" tests/lib/snippet.py "$doc" "$name" "$@"
}

# ---- the host's paths, privately: /dev/log, /etc, /var/cache, /run, /var/log, ... -----------
pam_devlog "$T_TMP" || fatal "roundcube: private /dev/log"
# /etc, /var/cache and the module folders copy-on-write, with what the packages install
# (/etc/oidc-auth, /var/cache/oidc-auth root 0755, pam_oidc.so, the plugin); then the web
# servers' folders (before nothing else is mounted below /etc: the overlay would hide it)
layout_package || fatal "roundcube: the packaged layout"
web_private_layout "$T_TMP/web" || fatal "roundcube: private /run, /var/log, /etc/nginx, ..."

# ---- the provider: a client "webmail" for four Roundcubes; tokens live 30 s (refresh) ----
export IDP_WEBMAIL_REDIRECT_URIS="https://127.0.0.1/index.php/login/oauth
	https://127.0.0.2/index.php/login/oauth https://127.0.0.3/index.php/login/oauth
	https://127.0.0.4/index.php/login/oauth"
export IDP_TOKEN_TTL=30
pam_idp_up "$T_TMP/idp" || fatal "roundcube: start the OpenID provider"
chmod 755 "$T_TMP/idp" && chmod 644 "$IDP_CA" "$T_TMP/idp/server.pem"
RSA_KID=$("$PY" -c 'import json,sys
print(next(k["kid"] for k in json.load(open(sys.argv[1]))["keys"] if k["kty"] == "RSA"))' \
	"$T_TMP/idp/jwks.json")

# ---- /etc/oidc-auth/dovecot.conf and postfix.conf: their recipes', the webmail's audience ----
# mail_conf RECIPE SNIPPET: /etc/oidc-auth/RECIPE.conf from the recipe's block under that
# heading, its audience line replaced by this recipe's SNIPPET (which must only add to it), then
# this test's site values: the provider's issuer and CA, api://mail for the webmail's API,
# mail.read for the required scopes (the provider's one), example.test for the mail domain
mail_conf() {
	local file=/etc/oidc-auth/$1.conf block old new
	block=$(layout_block "$1" "$file") && new=$(snip "$2") || return 1
	old=$(printf '%s\n' "$block" | grep -m 1 '^audience') || return 1
	[[ "$new" == "$old, "* ]] ||
		{ echo "# $2: '$new' does not extend $1.md's '$old'" >&2; return 1; }
	{
		printf '%s\n' "${block/"$old"/"$new"}" | sed -E \
			-e "s|^(issuer[[:space:]]*=).*|\\1 $IDP_ISSUER|" \
			-e 's|api://mail\.example\.com|api://mail|' \
			-e 's|^(required_scopes[[:space:]]*=).*|\1 mail.read|' \
			-e 's|strip_domain:example\.com|strip_domain:example.test|'
		echo "ca_file = /etc/oidc-auth/test-ca.pem"
	} >"$file" && install -m 0644 "$IDP_CA" /etc/oidc-auth/test-ca.pem
}
mail_conf dovecot dovecot-audience && mail_conf postfix postfix-audience ||
	fatal "roundcube: /etc/oidc-auth/dovecot.conf and postfix.conf from their recipes"
# their shell blocks as written: modes, Postfix's cache directory, check-config --as-user
for r in dovecot postfix; do
	if layout_sh "$r" "/etc/oidc-auth/$r.conf" 1; then
		ok "$r.md: its commands for /etc/oidc-auth/$r.conf run, check-config --as-user passes"
	else
		not_ok "$r.md: its commands for /etc/oidc-auth/$r.conf run, check-config --as-user passes" \
			"$(cat "$T_TMP/recipe.out")"
	fi
done
check "postfix.md: /var/cache/oidc-auth/postfix is postfix's, 0700, below root's 0755 folder" \
	test "$(stat -c '%U %a' /var/cache/oidc-auth/postfix /var/cache/oidc-auth)" = \
	"postfix 700"$'\n'"root 755"

# ---- Dovecot: dovecot.md's PAM service and 10-auth.conf, IMAP on 127.0.0.1:143 --------------
snip pam-token-only docs/recipes/dovecot.md >/etc/pam.d/dovecot-oidc ||
	fatal "roundcube: PAM service from dovecot.md"
check "dovecot.md: its PAM service names /etc/oidc-auth/dovecot.conf" \
	grep -q 'pam_oidc.so config=/etc/oidc-auth/dovecot.conf$' /etc/pam.d/dovecot-oidc
# dovecot.md's auth-oidc.conf.ext (its userdb passwd needs system accounts; the test's mail users
# are virtual: the static userdb of dovecot_start), the auth_mechanisms of its 10-auth.conf,
# Debian's disable_plaintext_auth (loopback counts as secured), this recipe's username format
PASSDB=$(snip dovecot-10-auth docs/recipes/dovecot.md $'userdb {\n  driver = passwd\n}' '') &&
	MECHS=$(layout_block dovecot /etc/dovecot/conf.d/10-auth.conf 1 | grep '^auth_mechanisms') &&
	USERFMT=$(snip dovecot-username-format) ||
	fatal "roundcube: 10-auth.conf from dovecot.md and the recipe"
dovecot_start "$T_TMP/dovecot" 143 "$PASSDB" \
	"$MECHS"$'\n'"disable_plaintext_auth = yes"$'\n'"$USERFMT" ||
	fatal "roundcube: Dovecot with dovecot.md's passdb and mechanisms"
MAILHOME=$T_TMP/dovecot/home
install -d -o nobody -g nogroup "$MAILHOME/alice" "$MAILHOME/bob"

# ---- Postfix: postfix.md's smtpd.conf, the recipe's webmail service; delivery into maildirs ---
P=$T_TMP/pf
pf_setup "$P" || fatal "roundcube: Postfix instance"
# libsasl2 finds the plugin at its Debian path (layout_package), not in the build folder
postconf -c "$P/etc" -e "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C" &&
	layout_block postfix /etc/postfix/sasl/smtpd.conf >"$P/etc/sasl/smtpd.conf" &&
	chmod 644 "$P/etc/sasl/smtpd.conf" || fatal "roundcube: smtpd.conf from postfix.md"
snip postfix-master /etc/postfix/sender_login "$P/etc/sender_login" >>"$P/etc/master.cf" ||
	fatal "roundcube: master.cf service from the recipe"
echo "alice@example.test alice" >"$P/etc/sender_login" && postmap "$P/etc/sender_login" ||
	fatal "roundcube: postmap sender_login"
# Test-only settings: the example.test mailboxes are the maildirs Dovecot serves, and
# debug_peer_list makes smtpd verbose for loopback clients so the plugin's result=allow lines
# (SASL_LOG_NOTE) reach the log; verbose smtpd also logs the decoded SASL responses, the
# tokens with them (checked at the end: what the recipe warns about).
postconf -c "$P/etc" -e "virtual_mailbox_domains = example.test" \
	"virtual_mailbox_base = $MAILHOME" \
	"virtual_mailbox_maps = inline:{ alice@example.test=alice/Maildir/, bob@example.test=bob/Maildir/ }" \
	"virtual_uid_maps = static:$(id -u nobody)" \
	"virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)" \
	"debug_peer_list = 127.0.0.1" || fatal "roundcube: postconf"
pf_start && pf_wait_port 10587 || fatal "roundcube: start Postfix" "$(tail -n 20 "$P/maillog")"

# mail_in BOX SUBJECT: the file of the message with SUBJECT in BOX (a maildir), waiting 10 s
mail_in() {
	local i f
	for ((i = 0; i < 100; i++)); do
		f=$(grep -rlF -- "Subject: $2" "$1"/new "$1"/cur 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
printf 'From: carol@example.test\nTo: alice@example.test\nSubject: Welcome to webmail\n\nHi\n' |
	sendmail -C "$P/etc" -f carol@example.test alice@example.test
mail_in "$MAILHOME/alice/Maildir" "Welcome to webmail" >/dev/null ||
	fatal "roundcube: a message delivered to alice's inbox before she signs in" \
		"$(tail -n 5 "$P/maillog")"

# ---- Roundcube: Debian's package, the recipe's config.inc.php and nginx site ---------------
rc_database || fatal "roundcube: Roundcube's SQLite database"
RC_SITE=('https://sso.example.com/authorize' "$IDP_ISSUER/auth"
	'https://sso.example.com/token' "$IDP_ISSUER/token" 'api://mail.example.com' api://mail
	"mail.access mail.send" mail.read "'roundcube'" "'webmail'" the-client-secret "$IDP_CLIENT_SECRET"
	"mail_domain'] = 'example.com'" "mail_domain'] = 'example.test'"
	"oauth_verify_peer'] = true" "oauth_verify_peer'] = '$IDP_CA'")
snip roundcube-config "${RC_SITE[@]}" >"$T_TMP/rc-main.php" &&
	rc_config /etc/roundcube "$T_TMP/rc-main.php" ||
	fatal "roundcube: config.inc.php from the recipe"
# replace FILE OLD NEW: FILE's text with OLD (which must be there) replaced by NEW
replace() {
	"$PY" -c 'import sys
s = open(sys.argv[1]).read()
sys.exit(1) if sys.argv[2] not in s else sys.stdout.write(s.replace(sys.argv[2], sys.argv[3]))' "$@"
}
# hostile 1: the recipe without the resource indicator; hostile 2: another API's resource;
# and a good one: addresses as user names (the recipe's "User names with a domain")
rc_instance "$T_TMP/rc-nores" && rc_instance "$T_TMP/rc-calendar" &&
	rc_instance "$T_TMP/rc-email" &&
	replace "$T_TMP/rc-main.php" "['preferred_username']" "['email']" >"$T_TMP/rc-email.php" &&
	rc_config "$T_TMP/rc-email" "$T_TMP/rc-email.php" &&
	replace "$T_TMP/rc-main.php" "'resource' => 'api://mail', " '' >"$T_TMP/rc-nores.php" &&
	rc_config "$T_TMP/rc-nores" "$T_TMP/rc-nores.php" &&
	replace "$T_TMP/rc-main.php" "'resource' => 'api://mail'" "'resource' => 'api://calendar'" \
		>"$T_TMP/rc-calendar.php" &&
	rc_config "$T_TMP/rc-calendar" "$T_TMP/rc-calendar.php" ||
	fatal "roundcube: the other Roundcubes"

NGX=('server_name webmail.example.com' 'server_name 127.0.0.1'
	/etc/ssl/certs/webmail.example.com.pem "$T_TMP/idp/server.pem"
	/etc/ssl/private/webmail.example.com.key "$T_TMP/idp/server.key")
snip nginx-site "${NGX[@]}" >/etc/nginx/sites-available/roundcube &&
	ln -s ../sites-available/roundcube /etc/nginx/sites-enabled/roundcube ||
	fatal "roundcube: nginx site from the recipe"
# the others: the same site on 127.0.0.2, .3 and .4, each with its config folder
n=2
for inst in nores calendar email; do
	snip nginx-site "${NGX[@]}" 'listen 443 ssl;' "listen 127.0.0.$n:443 ssl;" \
		'listen [::]:443 ssl;' '' 'server_name 127.0.0.1' "server_name 127.0.0.$n" \
		'fastcgi_pass ' "fastcgi_param ROUNDCUBE_CONFIG_DIR $T_TMP/rc-$inst; fastcgi_pass " \
		>"/etc/nginx/sites-enabled/rc-$inst" || fatal "roundcube: nginx site for rc-$inst"
	n=$((n + 1))
done
nginx -t >/dev/null 2>&1 || fatal "roundcube: nginx -t" "$(nginx -t 2>&1 | tail -n 5)"
web_start "$IDP_CA" || fatal "roundcube: nginx + PHP-FPM serve Roundcube"
ok "roundcube: provider, Dovecot, Postfix, nginx + PHP-FPM + Roundcube up ($((SECONDS - T0)) s)"

# ---- nginx runs index.php and hands out no other PHP file ------------------------------------
# Debian links each plugin's config.inc.php to /etc/roundcube/plugins/NAME/ (readable by
# www-data): one with a secret, as a password or managesieve plugin's would hold
PLUGIN_SECRET="plugin-db-password-$$"
install -d /etc/roundcube/plugins/jqueryui &&
	echo "<?php \$config['db_password'] = '$PLUGIN_SECRET';" \
		>/etc/roundcube/plugins/jqueryui/config.inc.php &&
	chown root:www-data /etc/roundcube/plugins/jqueryui/config.inc.php &&
	chmod 640 /etc/roundcube/plugins/jqueryui/config.inc.php
for path in plugins/jqueryui/config.inc.php plugins/jqueryui/jqueryui.php \
	plugins/jqueryui/config.inc.php.dist .htaccess plugins/jqueryui/composer.json; do
	code=$(curl -sS --cacert "$IDP_CA" -o "$T_TMP/web-get" -w '%{http_code}' \
		"https://127.0.0.1/$path")
	if [ "$code" = 404 ] && ! grep -qF -e '<?php' -e "$PLUGIN_SECRET" "$T_TMP/web-get"; then
		ok "nginx: /$path is not served"
	else
		not_ok "nginx: /$path is not served" "HTTP $code: $(head -c 200 "$T_TMP/web-get")"
	fi
done

# ---- the browser ---------------------------------------------------------------------------
# Chromium accepts exactly the test servers' key (the provider and Roundcube share it)
SPKI=$(openssl x509 -in "$T_TMP/idp/server.pem" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
# browse NAME ARGS...: one step in the browser; its JSON answer in $OUT
browse() {
	local name=$1
	shift
	T_LAST=(browser.py "$@")
	"${BROWSER[@]}" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	if [ "$RC" = 0 ]; then ok "$name"; else not_ok "$name" "$(t_last_run)"; fi
}
browse "browser: headless Chromium through chromedriver" start --dir "$T_TMP/browser" \
	--spki "$SPKI" || fatal "roundcube: no browser"
t_diag "Chromium $(json_field browser)"

# issued [GRANT]: the access tokens the provider issued to the webmail client, as the
# servers' audit lines show them (provider.mjs logs the first 16 hex digits of the SHA-256)
issued() {
	grep -o "issued access token sha256:[0-9a-f]* client=webmail grant=${1:-[a-z_]*}" \
		"$IDP_LOG" | sed 's/.*sha256:\([0-9a-f]*\) .*/\1/'
}
# allow_fp LOG PATTERN: fingerprints of the audit lines matching PATTERN in LOG
allow_fp() {
	grep -E -- "$2" "$1" | sed -n 's/.*token=sha256:\([0-9a-f]\{16\}\).*/\1/p'
}
# all_issued FP...: every fingerprint is one the provider issued to the webmail (and there
# is at least one)
all_issued() {
	local fp n=0
	for fp in "$@"; do
		issued | grep -qx "$fp" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
PAM_ALLOW='pam_oidc\(dovecot-oidc:auth\): result=allow reason=ok mode=token user="alice" mapped="alice"'
PAM_ALLOW="$PAM_ALLOW issuer_name=\"default\" iss=\"$IDP_ISSUER\" kid=\"$RSA_KID\""
SASL_ALLOW='oidc-auth sasl: mech=XOAUTH2 result=allow reason=ok user="alice" authzid="alice"'
SASL_ALLOW="$SASL_ALLOW iss=\"$IDP_ISSUER\" kid=\"$RSA_KID\""

# ---- 1. sign in: Roundcube -> provider login form -> back to the inbox ----------------------
log_mark
SIGNED_IN=$SECONDS
browse "sign-in: 'Login with Example SSO', the provider's login form, back in the inbox" \
	oauth-login https://127.0.0.1/ alice
check "sign-in: the provider asked for the login (no session yet)" \
	test "$(json_field provider_form)" = true
check "sign-in: the provider asked for consent (prompt=consent: offline access)" \
	test "$(json_field consent)" = true
check "sign-in: the button says 'Login with Example SSO' (oauth_provider_name)" \
	test "$(json_field button)" = "Login with Example SSO"
check "sign-in: Roundcube got its token with the authorization code grant" \
	test -n "$(issued authorization_code)"
browse "inbox: the message delivered before is listed" inbox-has https://127.0.0.1/ "Welcome to webmail"
t_diag "listed after $(json_field loads) page load(s)"
check "IMAP: Dovecot logs Login: user=<alice>, method=XOAUTH2" \
	t_wait_grep "$T_TMP/dovecot/dovecot.log" 'imap-login: Info: Login: user=<alice>, method=XOAUTH2'
expect_log "IMAP: pam_oidc's audit line result=allow, the provider's key" "$PAM_ALLOW"
# shellcheck disable=SC2046  # one fingerprint per word
check "IMAP: every token pam_oidc accepted is one the provider issued to Roundcube" \
	all_issued $(allow_fp "$SYSLOG" "$PAM_ALLOW")

# ---- 2. write and send a mail; Postfix delivers it ------------------------------------------
SUBJ="Roundcube to Bob $$"
browse "compose: Roundcube says 'Message sent successfully'" \
	compose https://127.0.0.1/ bob@example.test "$SUBJ" "Hello Bob, sent with a token."
if F=$(mail_in "$MAILHOME/bob/Maildir" "$SUBJ"); then
	ok "delivery: Postfix put the mail into bob's maildir"
	check "delivery: From is alice@example.test (mail_domain), allowed by sender_login" \
		grep -q '^From: alice <alice@example.test>' "$F"
else
	not_ok "delivery: Postfix put the mail into bob's maildir" "$(tail -n 8 "$P/maillog")"
fi
check "SMTP: Postfix logs sasl_method=XOAUTH2, sasl_username=alice (the webmail service)" \
	t_wait_grep "$P/maillog" 'postfix/webmail/smtpd.*sasl_method=XOAUTH2, sasl_username=alice'
check "SMTP: the plugin's audit line result=allow, the provider's key" \
	t_wait_grep -F "$P/maillog" "$SASL_ALLOW"
# shellcheck disable=SC2046
check "SMTP: every token the plugin accepted is one the provider issued to Roundcube" \
	all_issued $(allow_fp "$P/maillog" "$SASL_ALLOW")
check "caches: Dovecot's auth worker (root) keeps the provider's keys in /var/cache/oidc-auth" \
	test -n "$(find /var/cache/oidc-auth -maxdepth 1 -name 'jwks-*' -user root)"
check "caches: smtpd (postfix) keeps its own in /var/cache/oidc-auth/postfix (postfix.md)" \
	test -n "$(find /var/cache/oidc-auth/postfix -maxdepth 1 -name 'jwks-*' -user postfix)"
SENT=$(mail_in "$MAILHOME/alice/Maildir/.Sent" "$SUBJ")
check "IMAP: Roundcube saved the mail in alice's Sent folder" test -n "$SENT"

# send_to_bob NAME URL SUBJECT LINE WHAT: the Roundcube at URL sends SUBJECT to bob; the
# mail log has LINE (a fixed string: the plugin's audit line), and the mail arrives
send_to_bob() {
	browse "$1: Roundcube sends a mail" compose "$2" bob@example.test "$3" "Hello Bob."
	check "$1: the plugin $5" t_wait_grep -F "$P/maillog" "$4"
	check "$1: Postfix delivered it to bob" mail_in "$MAILHOME/bob/Maildir" "$3"
}

# ---- 3. user names with a domain: Roundcube signs in as alice@example.test ------------------
log_mark
browse "address as user name: sign-in (single sign-on, consent), back in the inbox" \
	oauth-login https://127.0.0.4/ alice
check "address as user name: Roundcube's user is alice@example.test (oauth_identity_fields)" \
	php -r '$db = new PDO("sqlite:" . $argv[1]);
		exit($db->query("SELECT count(*) FROM users WHERE username = ".
			"\x27alice@example.test\x27")->fetchColumn() == 1 ? 0 : 1);' "$RC_DB"
expect_log "address as user name: Dovecot hands PAM alice (auth_username_format), allowed" \
	"$PAM_ALLOW"
send_to_bob "address as user name" https://127.0.0.4/ "From the address login $$" \
	'oidc-auth sasl: mech=XOAUTH2 result=allow reason=ok user="alice" authzid="alice@example.test"' \
	"maps alice@example.test to alice (username_map)"

# ---- 4. hostile: Roundcube without the resource indicator ----------------------------------
log_mark
browse "no resource: Roundcube shows its login page with an error, no mailbox" \
	login-error https://127.0.0.2/ alice
t_diag "Roundcube said: $(json_field message)"
check "no resource: single sign-on, no second password prompt at the provider" \
	test "$(json_field provider_form)" = false
expect_log "no resource: pam_oidc refuses the provider's opaque token (password_not_allowed)" \
	'pam_oidc\(dovecot-oidc:auth\): result=deny reason=password_not_allowed mode=token user="alice"'
check "no resource: Roundcube's errors.log names the failed XOAUTH2 login" \
	t_wait_grep /var/log/roundcube/errors.log 'Login failed for alice.*AUTHENTICATE XOAUTH2'

# ---- 5. hostile: a token for another API of the same provider -------------------------------
log_mark
browse "another API: Roundcube shows its login page with an error, no mailbox" \
	login-error https://127.0.0.3/ alice
expect_log "another API: pam_oidc refuses the token with wrong_audience" \
	'pam_oidc\(dovecot-oidc:auth\): result=deny reason=wrong_audience mode=token user="alice"'
# shellcheck disable=SC2046
check "another API: the refused token is one the provider issued (to that Roundcube)" \
	all_issued $(allow_fp "$SYSLOG" 'result=deny reason=wrong_audience')

# ---- 6. hostile: a password in Roundcube's own form --------------------------------------------
# (at 127.0.0.2, which has no session: 127.0.0.1's is still signed in)
log_mark
browse "password: Roundcube's own form with a password ends in 'Login failed.'" \
	password-login https://127.0.0.2/ alice 'alice-old-password'
expect_log "password: pam_oidc refuses it (password_not_allowed)" \
	'pam_oidc\(dovecot-oidc:auth\): result=deny reason=password_not_allowed mode=token user="alice"'

# ---- 7. the access token expires: Roundcube refreshes it, the servers accept the new one ----
# Roundcube renews a token 10 s before it expires (expires_in - 10, here 20 s after the
# sign-in), when a request needs IMAP or SMTP: click through the inbox until it has (a loaded
# machine may take longer; 60 s after the sign-in it has failed)
while [ -z "$(issued refresh_token)" ] && [ $((SECONDS - SIGNED_IN)) -lt 60 ]; do
	log_mark
	"${BROWSER[@]}" inbox-has https://127.0.0.1/ "Welcome to webmail" >"$OUT" 2>"$ERR" || break
	[ -n "$(issued refresh_token)" ] || sleep 2
done
check "refresh: Roundcube renewed the expiring token with its refresh token" \
	test -n "$(issued refresh_token)"
# one_renewed FP...: one of the fingerprints is a token the refresh grant issued (a slow
# machine may renew more than once, and earlier steps may bring the first renewal)
one_renewed() {
	local fp
	for fp in "$@"; do
		issued refresh_token | grep -qx "$fp" && return 0
	done
	return 1
}
# shellcheck disable=SC2046
check "refresh: Dovecot accepts a renewed token" one_renewed $(allow_fp "$SYSLOG" "$PAM_ALLOW")
send_to_bob refresh https://127.0.0.1/ "Roundcube to Bob again $$" "$SASL_ALLOW" "accepts it"
# shellcheck disable=SC2046
check "refresh: the plugin accepts a renewed token" \
	one_renewed $(allow_fp "$P/maillog" "$SASL_ALLOW")

# ---- nothing secret in any log ---------------------------------------------------------------
JWT='eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.'
LOGS=("$SYSLOG" "$T_TMP/dovecot/dovecot.log" "$IDP_LOG" /var/log/roundcube/*
	/var/log/nginx/* /var/log/php8.2-fpm.log)
if grep -lE -- "$JWT" "${LOGS[@]}"; then
	not_ok "no access or ID token in the logs of pam_oidc, Dovecot, Roundcube, nginx, PHP, provider"
else
	ok "no access or ID token in the logs of pam_oidc, Dovecot, Roundcube, nginx, PHP, provider"
fi
if grep -F 'oidc-auth sasl:' "$P/maillog" | grep -qE -- "$JWT"; then
	not_ok "no token in the plugin's lines of the mail log"
else
	ok "no token in the plugin's lines of the mail log"
fi
# what the recipe warns about: verbose smtpd (here debug_peer_list) logs the SASL exchange
check "smtpd -v logs the decoded XOAUTH2 response, token included (the recipe's warning)" \
	grep -qE "decoded response: user=alice.auth=Bearer $JWT" "$P/maillog"
check "no client secret in any log" \
	bash -c '! grep -qF -- "$0" "$@"' "$IDP_CLIENT_SECRET" "${LOGS[@]}" "$P/maillog"
t_diag "elapsed $((SECONDS - T0)) s"
[ "$T_FAIL" -eq 0 ] || t_diag "syslog tail:" "$(tail -n 12 "$SYSLOG")" \
	"Roundcube errors.log:" "$(tail -n 8 /var/log/roundcube/errors.log 2>/dev/null)"
t_done
