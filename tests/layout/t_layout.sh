#!/usr/bin/env bash
# tests/layout/t_layout.sh - each SASL host as its real service user, with the packaged layout and
# the recipes' files: Postfix smtpd (postfix), slapd -u openldap, Cyrus imapd (cyrus); and a root
# PAM service. /etc, /var/cache and the module directories are copy-on-write overlays of this
# mount namespace (tests/lib/layout.sh), populated as the packages install them (pam_oidc.so and
# the plugin at their Debian paths, /var/cache/oidc-auth root 0755) and as the recipes say: each
# service's /etc/oidc-auth/SERVICE.conf from the recipe's own block (this test's provider in
# place of the example one), the recipe's shell block run as written (install -d of the
# service's cache directory, check-config --as-user), the recipe's SASL configuration.
# First with the 0.1.0 layout (/var/cache/oidc-auth root 0700): the recipe's check fails and
# names the directory, every login fails, and each host's log says cache_dir_unusable with the
# directory and why. Then with the package's layout: every login works and each service's cache
# directory holds the keys it fetched. A root service refuses a service user's directory; the
# per-service overrides (PAM cache_dir=, SASL oidc_cache_dir) make one file serve both.
# Tokens from the real OpenID provider (keys by discovery, cached in cache_dir). Private
# network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/cyrus/lib.sh
# before the network namespace: imapd may have to come from the cyrus-imapd .deb (cyrus/lib.sh)
[ -n "${OIDC_PAM_NS:-}" ] || cy_find_imapd fetch
pam_enter_ns layout "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/layout.sh
. tests/postfix/lib.sh
t_init layout "$@"
SLAPD_PID=
slapd_stop() { [ -z "$SLAPD_PID" ] || kill "$SLAPD_PID" 2>/dev/null; SLAPD_PID=; }
trap 'pf_stop; cy_stop; slapd_stop; idp_cleanup; layout_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
: >"$OUT" && : >"$ERR"
fatal() { not_ok "$@"; t_done; exit 1; }

for c in postfix slapd ldapwhoami; do
	command -v "$c" >/dev/null || fatal "layout: $c is not installed"
done
[ -x "$CY_MASTER" ] && cy_find_imapd || fatal "layout: no Cyrus imapd (cyrus-common, cyrus-imapd .deb)"
[ -x "$PAM_DRIVER" ] || fatal "layout: $PAM_DRIVER is not built"
pam_devlog "$T_TMP" || fatal "layout: private /dev/log"
pam_idp_up "$T_TMP/idp" || fatal "layout: start the OpenID provider"
chmod 755 "$T_TMP/idp" && chmod 644 "$T_TMP/idp/server.pem"
layout_package || fatal "layout: the packaged layout"
TOKF=$T_TMP/alice.tok
idp_token_cc api://mail mail.read Alice@Example.COM >"$TOKF" && chmod 644 "$TOKF" ||
	fatal "layout: token from the provider"

# ---- each service's file, from its recipe ----------------------------------------------
SERVICES=("postfix postfix postfix" "cyrus-imapd cyrus cyrus" "openldap openldap openldap")
for s in "${SERVICES[@]}"; do
	read -r recipe file user <<<"$s"
	layout_conf "$recipe" "/etc/oidc-auth/$file.conf" "/etc/oidc-auth/$file.conf" ||
		fatal "layout: $recipe recipe: /etc/oidc-auth/$file.conf"
done
# a file for root services (Dovecot's), used with a per-service override below
layout_conf dovecot /etc/oidc-auth/dovecot.conf /etc/oidc-auth/dovecot.conf ||
	fatal "layout: dovecot recipe: /etc/oidc-auth/dovecot.conf"

# ---- the 0.1.0 package: /var/cache/oidc-auth root 0700 ----------------------------------
chmod 0700 /var/cache/oidc-auth
for s in "${SERVICES[@]}"; do
	read -r recipe file user <<<"$s"
	if layout_sh "$recipe" "/etc/oidc-auth/$file.conf" 1; then
		not_ok "0.1.0 layout: $recipe recipe's check-config --as-user $user fails"
	elif grep -q "cannot search /var/cache/oidc-auth " "$T_TMP/recipe.out"; then
		ok "0.1.0 layout: $recipe recipe's check-config --as-user $user fails, naming /var/cache/oidc-auth"
	else
		not_ok "0.1.0 layout: $recipe recipe's check-config --as-user $user fails, naming /var/cache/oidc-auth" \
			"$(cat "$T_TMP/recipe.out")"
	fi
	check "0.1.0 layout: as root, check-config $file.conf sees no problem (the issue)" \
		"$CLI" check-config "/etc/oidc-auth/$file.conf"
done

# ---- Postfix: smtpd as postfix, the recipe's smtpd.conf, the plugin from its Debian path -
P=$T_TMP/pf
pf_setup "$P" || fatal "layout: postfix instance"
postconf -c "$P/etc" -e "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C"
layout_block postfix /etc/postfix/sasl/smtpd.conf >"$P/etc/sasl/smtpd.conf" ||
	fatal "layout: the recipe's smtpd.conf"
# one file for root services and smtpd: the SASL option overrides cache_dir
printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_config: /etc/oidc-auth/dovecot.conf" \
	"oidc_cache_dir: /var/cache/oidc-auth/postfix" >"$P/etc/sasl/smtpd-shared.conf"
# the same file without the override: the default cache_dir, root's
printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_config: /etc/oidc-auth/dovecot.conf" \
	>"$P/etc/sasl/smtpd-default.conf"
chmod 644 "$P"/etc/sasl/*.conf
pf_service 2525 smtpd
pf_service 2526 smtpd-shared
pf_service 2527 smtpd-default
pf_start && pf_wait_port 2525 || fatal "layout: start Postfix" "$(tail -n 20 "$P/maillog" 2>/dev/null)"
smtp() {   # PORT: smtplib OAUTHBEARER with alice's token; sets CODE
	CODE=$("$PY" tests/postfix/smtp_auth.py "$1" OAUTHBEARER "$TOKF" alice ack 2>"$ERR" |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["code"])' 2>/dev/null)
}
smtp 2525
if [ "$CODE" != 235 ] && t_wait_grep "$P/maillog" 'reason=cache_dir_unusable'; then
	ok "0.1.0 layout: smtpd (postfix) refuses the token ($CODE), reason=cache_dir_unusable"
else
	not_ok "0.1.0 layout: smtpd (postfix) refuses the token, reason=cache_dir_unusable" "code $CODE" \
		"$(grep oidc-auth "$P/maillog" | tail -n 3)"
fi
PF_UID=$(id -u postfix)
check "... and the line names the directory it cannot search, its owner and mode" \
	grep -qF "detail=\"cache_dir /var/cache/oidc-auth/postfix: uid $PF_UID cannot search /var/cache/oidc-auth (owner uid 0, mode 0700)\"" "$P/maillog"
smtp 2527
if [ "$CODE" != 235 ] && t_wait_grep -F "$P/maillog" "detail=\"cache_dir /var/cache/oidc-auth: open: permission denied for uid $PF_UID (owner uid 0, mode 0700)\""; then
	ok "0.1.0 layout: smtpd with the default cache_dir: refused ($CODE), the line names it, owner, mode"
else
	not_ok "0.1.0 layout: smtpd with the default cache_dir: refused, the line names it, owner, mode" \
		"code $CODE" "$(grep oidc-auth "$P/maillog" | tail -n 3)"
fi

# ---- slapd -u openldap, the recipe's /etc/ldap/sasl2/slapd.conf ---------------------------
mkdir -p "$T_TMP/slapd" /etc/ldap/sasl2 && chown openldap: "$T_TMP/slapd" || fatal "layout: slapd dirs"
layout_block openldap /etc/ldap/sasl2/slapd.conf >/etc/ldap/sasl2/slapd.conf ||
	fatal "layout: the recipe's slapd.conf"
cat >"$T_TMP/slapd/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $T_TMP/slapd/slapd.pid
argsfile $T_TMP/slapd/slapd.args
EOF
chmod 644 "$T_TMP/slapd/slapd.conf"
slapd -f "$T_TMP/slapd/slapd.conf" -h ldap://127.0.0.1:3890/ -u openldap -g openldap -d 256 \
	>"$T_TMP/slapd.log" 2>&1 &
SLAPD_PID=$!
pf_wait_port 3890 && kill -0 "$SLAPD_PID" 2>/dev/null || fatal "layout: start slapd" "$(tail -n 20 "$T_TMP/slapd.log")"
check "slapd runs as openldap" test "$(ps -o user= -p "$SLAPD_PID")" = openldap
printf 'oidc_sasl_noplaintext: yes\n' >"$T_TMP/client.conf"
whoami_() {
	T_LAST=(ldapwhoami -H ldap://127.0.0.1:3890/ -Y OAUTHBEARER -w "<token>")
	OIDC_SASL_CLIENT_CONF=$T_TMP/client.conf ldapwhoami -H ldap://127.0.0.1:3890/ -Y OAUTHBEARER \
		-Q -w "$(cat "$TOKF")" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
whoami_
if [ "$RC" != 0 ]; then ok "0.1.0 layout: slapd (openldap) refuses the bind"; else
	not_ok "0.1.0 layout: slapd (openldap) refuses the bind" "$(t_last_run)"; fi
LD_UID=$(id -u openldap)
check "... and slapd's log has reason=cache_dir_unusable with the directory and why" \
	grep -qE "oidc-auth sasl: mech=OAUTHBEARER result=error reason=cache_dir_unusable .* detail=\"cache_dir /var/cache/oidc-auth/openldap: uid $LD_UID cannot search /var/cache/oidc-auth \\(owner uid 0, mode 0700\\)\"" \
	"$T_TMP/slapd.log"

# ---- Cyrus: imapd as cyrus, the recipe's sasl_ lines in imapd.conf -----------------------
C=$T_TMP/cyrus
cy_setup "$C" || fatal "layout: cyrus instance"
TLS=$T_TMP/tls
mkdir -p "$TLS" && cp "$T_TMP/idp/server.pem" "$T_TMP/idp/server.key" "$TLS/" &&
	chown -R cyrus:mail "$TLS" && chmod 600 "$TLS/server.key"
{
	layout_block cyrus-imapd /etc/imapd.conf | grep -E '^(sasl_mech_list|sasl_oidc_config|allowplaintext):'
	echo "tls_server_cert: $TLS/server.pem"
	echo "tls_server_key: $TLS/server.key"
	echo "failedloginpause: 0"
	echo "autocreate_quota: 0"
} >>"$C/imapd.conf"
grep -q '^sasl_oidc_config: /etc/oidc-auth/cyrus.conf$' "$C/imapd.conf" ||
	fatal "layout: the recipe's imapd.conf names /etc/oidc-auth/cyrus.conf" "$(cat "$C/imapd.conf")"
cy_service imap 1143
CY_SASL_PATH=$LAYOUT_SASL_DIR
cy_start || fatal "layout: start cyrmaster" "$(tail -n 20 "$SYSLOG")"
imap_() {   # EXPR
	T_LAST=(imap_auth.py 1143 OAUTHBEARER alice.tok --tls starttls --expect "$1")
	"$PY" tests/cyrus/imap_auth.py --cafile "$IDP_CA" --tls starttls --expect "$1" 1143 OAUTHBEARER \
		"$TOKF" >"$OUT" 2>"$ERR"
	RC=$?
}
log_mark
imap_ 'not d["ok"]'
expect_exit "0.1.0 layout: imapd (cyrus) refuses the token" 0
CY_UID=$(id -u cyrus)
expect_log "... and Cyrus's log has reason=cache_dir_unusable with the directory and why" \
	"reason=cache_dir_unusable .*detail=\"cache_dir /var/cache/oidc-auth/cyrus: uid $CY_UID cannot search /var/cache/oidc-auth \\(owner uid 0, mode 0700\\)\""

# ---- the package's layout: /var/cache/oidc-auth root 0755 --------------------------------
chmod 0755 /var/cache/oidc-auth
for s in "${SERVICES[@]}"; do
	read -r recipe file user <<<"$s"
	if layout_sh "$recipe" "/etc/oidc-auth/$file.conf" 1; then
		ok "package layout: $recipe recipe's install -d and check-config --as-user $user pass"
	else
		not_ok "package layout: $recipe recipe's install -d and check-config --as-user $user pass" \
			"$(cat "$T_TMP/recipe.out")"
	fi
done
smtp 2525
if [ "$CODE" = 235 ]; then ok "package layout: smtpd (postfix) accepts the token (235)"; else
	not_ok "package layout: smtpd (postfix) accepts the token (235)" "code $CODE" \
		"$(grep oidc-auth "$P/maillog" | tail -n 3)"; fi
whoami_
if [ "$RC" = 0 ] && grep -qx "dn:uid=alice,cn=oauthbearer,cn=auth" "$OUT"; then
	ok "package layout: slapd (openldap) binds alice"
else
	not_ok "package layout: slapd (openldap) binds alice" "$(t_last_run)" "$(tail -n 5 "$T_TMP/slapd.log")"
fi
imap_ 'd["ok"] and d["acl"].split()[:2] == ["INBOX", "alice"]'
expect_exit "package layout: imapd (cyrus) logs alice in" 0
for u in postfix cyrus openldap; do
	check "package layout: /var/cache/oidc-auth/$u holds the keys $u fetched (owner $u, 0600)" \
		test -n "$(find "/var/cache/oidc-auth/$u" -maxdepth 1 -name 'jwks-*' -user "$u" -perm 0600)"
done

# ---- one cache_dir cannot serve a root service and a service user: the overrides -------
rm -f /var/cache/oidc-auth/postfix/*
smtp 2526
if [ "$CODE" = 235 ] && [ -n "$(find /var/cache/oidc-auth/postfix -name 'jwks-*' -user postfix)" ]; then
	ok "SASL oidc_cache_dir: smtpd with the root services' file uses postfix's own directory"
else
	not_ok "SASL oidc_cache_dir: smtpd with the root services' file uses postfix's own directory" \
		"code $CODE" "$(grep oidc-auth "$P/maillog" | tail -n 3)"
fi
smtp 2527
if [ "$CODE" = 235 ]; then ok "package layout: smtpd with root's default cache_dir logs in ($CODE)"; else
	not_ok "package layout: smtpd with root's default cache_dir logs in" "code $CODE"; fi
T_LAST=("$CLI" check-config --as-user postfix /etc/oidc-auth/dovecot.conf)
"${T_LAST[@]}" >"$OUT" 2>"$ERR"
RC=$?
expect_exit "... but check-config --as-user postfix says smtpd cannot keep its keys there (exit 2)" 2
check "... and gives postfix a directory of its own" \
	grep -qF "install -d -o postfix -g postfix -m 0700 /var/cache/oidc-auth/postfix" "$ERR"
PD=$T_TMP/pam.d
mkdir -p "$PD"
printf 'auth required pam_oidc.so config=/etc/oidc-auth/postfix.conf\n' >"$PD/root-svc"
printf 'auth required pam_oidc.so config=/etc/oidc-auth/postfix.conf cache_dir=/var/cache/oidc-auth\n' \
	>"$PD/root-svc-own"
pam_() {   # SERVICE: the root PAM application authenticates alice with the token
	log_mark
	T_LAST=("$PAM_DRIVER" "$PD" "$1" alice auth)
	PAM_DRIVER_SECRET=$TOKF "${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
}
pam_ root-svc
expect_out "a root PAM service given postfix's file: refused" "auth=PAM_SERVICE_ERR"
expect_log "... cache_dir_unusable: owned by postfix's uid, not root's" \
	"pam_oidc\\(root-svc:auth\\): result=deny reason=cache_dir_unusable .*detail=\"cache_dir /var/cache/oidc-auth/postfix is owned by uid $PF_UID, neither root nor this process \\(uid 0\\)"
pam_ root-svc-own
expect_out "... the PAM argument cache_dir=/var/cache/oidc-auth: accepted" "auth=PAM_SUCCESS"
check "... with the keys in root's own cache" \
	test -n "$(find /var/cache/oidc-auth -maxdepth 1 -name 'jwks-*' -user root)"

if grep -qF -- "$(cut -d. -f3 "$TOKF")" "$SYSLOG" "$P/maillog" "$T_TMP/slapd.log"; then
	not_ok "no token signature in any log"
else
	ok "no token signature in any log"
fi
t_done
