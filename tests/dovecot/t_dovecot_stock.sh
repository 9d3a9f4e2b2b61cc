#!/usr/bin/env bash
# tests/dovecot/t_dovecot_stock.sh - Debian's stock Dovecot configuration plus exactly the changes
# docs/recipes/dovecot.md states, run as Debian runs it: the configuration installed from
# /usr/share/dovecot as dovecot-core's postinst does, at /etc/dovecot; the recipe's own blocks
# for /etc/oidc-auth/dovecot.conf, /etc/pam.d/dovecot-oidc and auth-oidc.conf.ext, and its shell
# block that edits 10-auth.conf, run as written; the packaged layout (pam_oidc.so in
# /lib/<triplet>/security, /var/cache/oidc-auth root 0755); the dovecot master as root, login
# processes as dovenull, auth as dovecot, the auth worker (passdb pam) as root. A local.conf
# (Debian's dovecot.conf includes it last) only says where this instance lives and takes away
# the failure delays; it changes no authentication setting. The TLS certificate (the test CA's)
# goes where Debian's 10-ssl.conf expects one.
# Proves: a token logs in (PLAIN and OAUTHBEARER over STARTTLS), a token-only user's Unix
# password is refused, a svc-mail member's password works; and, as a control, that the 0.1.0
# recipe merged the way an administrator would (Debian's auth-system.conf.ext still included)
# lets that Unix password in - the hole the recipe now closes.
# Private network, PID and mount namespaces; /etc, /var/cache and the module directories are
# copy-on-write overlays there: the host's files never change.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns dovecot_stock "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/layout.sh
t_init dovecot_stock "$@"
. tests/dovecot/lib.sh
DV=$T_TMP/dv           # base_dir is DV/run, as dovecot_stop (lib.sh) expects
DV_RUN=$DV/run
trap 'dovecot_stop; idp_cleanup; layout_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
: >"$OUT" && : >"$ERR"
fatal() { not_ok "$@"; t_done; exit 1; }

command -v dovecot >/dev/null && [ -f /usr/share/dovecot/dovecot.conf ] ||
	fatal "dovecot_stock: dovecot-core and dovecot-imapd are not installed"
pam_devlog "$T_TMP" || fatal "dovecot_stock: private /dev/log"
pam_idp_up "$T_TMP/idp" || fatal "dovecot_stock: start the OpenID provider"
chmod 755 "$T_TMP/idp"
layout_package && layout_overlay /var/lib/dovecot || fatal "dovecot_stock: packaged layout"

# ---- Debian's stock configuration, installed as dovecot-core's postinst does (ucf) -------
conffiles() {   # the CONFFILES list of a package's postinst
	tr '\n' ' ' <"/var/lib/dpkg/info/$1.postinst" | grep -o '[[:space:]]CONFFILES="[^"]*"' |
		sed 's/.*CONFFILES="//; s/"$//; s/\\//g' | tr -s ' \t' '\n' | grep -v '^$'
}
rm -rf /etc/dovecot/conf.d /etc/dovecot/dovecot.conf && mkdir -p /etc/dovecot/conf.d || fatal "dovecot_stock: /etc/dovecot"
n=0
for f in $(conffiles dovecot-core) $(conffiles dovecot-imapd); do
	install -m 0644 "/usr/share/dovecot/$f" "/etc/dovecot/$f" || fatal "dovecot_stock: install $f"
	case "$f" in dovecot.conf | conf.d/*) ;; *) chmod 0640 "/etc/dovecot/$f"; chgrp dovecot "/etc/dovecot/$f" ;; esac
	n=$((n + 1))
done
grep -q '^!include auth-system.conf.ext$' /etc/dovecot/conf.d/10-auth.conf && [ "$n" -gt 20 ] ||
	fatal "dovecot_stock: stock files installed" "$n files"
cp /etc/dovecot/conf.d/10-auth.conf "$T_TMP/10-auth.conf.stock"
ok "dovecot_stock: Debian's stock configuration installed at /etc/dovecot ($n files)"
# the certificate where Debian's 10-ssl.conf wants it (the postinst links ssl-cert's snakeoil
# there when it exists): the test CA's, for 127.0.0.1
mkdir -p "$DV_RUN" /etc/dovecot/private && chmod 700 /etc/dovecot/private &&
	install -m 0644 "$T_TMP/idp/server.pem" /etc/dovecot/private/dovecot.pem &&
	install -m 0600 "$T_TMP/idp/server.key" /etc/dovecot/private/dovecot.key ||
	fatal "dovecot_stock: TLS certificate"
cat >/etc/dovecot/local.conf <<EOF
# test only: where this instance lives, no failure delays
base_dir = $DV_RUN
listen = 127.0.0.1
mail_location = maildir:~/Maildir
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF

# ---- users: alice (token user with a Unix password), scanner (svc-mail, password) -------
for u in alice scanner; do
	! getent passwd "$u" >/dev/null || fatal "dovecot_stock: user $u exists on this machine"
done
mkdir -p "$T_TMP/home/alice" "$T_TMP/home/scanner"
{
	echo "alice:x:60101:60101::$T_TMP/home/alice:/usr/sbin/nologin"
	echo "scanner:x:60102:60102::$T_TMP/home/scanner:/usr/sbin/nologin"
} >>/etc/passwd
{
	echo "alice:x:60101:"
	echo "scanner:x:60102:"
	echo "svc-mail:x:64103:scanner"
} >>/etc/group
{
	echo "alice:$(openssl passwd -6 alice-unix-pw):20000:0:99999:7:::"
	echo "scanner:$(openssl passwd -6 scanner-unix-pw):20000:0:99999:7:::"
} >>/etc/shadow
chown 60101:60101 "$T_TMP/home/alice" && chown 60102:60102 "$T_TMP/home/scanner"

# ---- the recipe, block by block --------------------------------------------------------
layout_conf dovecot /etc/oidc-auth/dovecot.conf /etc/oidc-auth/dovecot.conf ||
	fatal "dovecot_stock: the recipe's /etc/oidc-auth/dovecot.conf"
if layout_sh dovecot /etc/oidc-auth/dovecot.conf 1; then
	ok "recipe: check-config --as-user root passes on dovecot.conf"
else
	not_ok "recipe: check-config --as-user root passes on dovecot.conf" "$(cat "$T_TMP/recipe.out")"
fi
pam_file() {   # INDEX: the recipe's variant INDEX of /etc/pam.d/dovecot-oidc
	layout_block dovecot /etc/pam.d/dovecot-oidc "$1" >/etc/pam.d/dovecot-oidc
}
pam_file 0 && layout_block dovecot /etc/dovecot/conf.d/auth-oidc.conf.ext \
	>/etc/dovecot/conf.d/auth-oidc.conf.ext || fatal "dovecot_stock: the recipe's PAM and passdb files"
if layout_sh dovecot /etc/dovecot/conf.d/10-auth.conf 0; then
	ok "recipe: its 10-auth.conf commands run, doveconf shows one passdb"
else
	not_ok "recipe: its 10-auth.conf commands run, doveconf shows one passdb" "$(cat "$T_TMP/recipe.out")"
fi
check "recipe: one passdb left, the token one (PAM service dovecot-oidc)" \
	test "$(doveconf -n | grep -c '^passdb')" = 1 -a \
	"$(doveconf -n | sed -n '/^passdb {/,/^}/s/^ *args = //p')" = dovecot-oidc

dv_start() {
	local i
	DOVECOT_DIR=$DV
	dovecot || return 1
	for ((i = 0; i < 100; i++)); do
		(exec 3<>/dev/tcp/127.0.0.1/143) 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
dv_start && ok "dovecot_stock: dovecot up (master root, imap-login dovenull, auth-worker root)" ||
	fatal "dovecot_stock: start Dovecot" "$(log_new | tail -n 10)"

imap() {   # NAME WANT(0|fail) USER SECRET [curl args]: one IMAP login over STARTTLS
	local name=$1 want=$2 user=$3 secret=$4
	shift 4
	local args=(--user "$user:$secret")
	[ "${1:-}" = bearer ] && { args=(--user "$user:" --oauth2-bearer "$secret"); shift; }
	T_LAST=(curl "imap://127.0.0.1/" --user "$user:<secret>" "$@" -X CAPABILITY)
	RC=0
	curl -sS --max-time 15 --cacert "$IDP_CA" --ssl-reqd "imap://127.0.0.1/" "${args[@]}" "$@" \
		-X CAPABILITY >"$OUT" 2>"$ERR" || RC=$?
	if { [ "$want" = 0 ] && [ "$RC" = 0 ]; } || { [ "$want" = fail ] && [ "$RC" != 0 ]; }; then
		ok "$name"
	else
		not_ok "$name" "curl exit $RC" "$(t_last_run)" "$(log_new | tail -n 4 | tr '\n' '|')"
	fi
}
TOK=$(idp_token_cc api://mail mail.read alice) || not_ok "dovecot_stock: token from the provider"
log_mark
imap "token only: alice logs in with a token (PLAIN, STARTTLS)" 0 alice "$TOK"
expect_log "... audit allow line from the auth worker" \
	'pam_oidc\(dovecot-oidc:auth\): result=allow reason=ok mode=token user="alice"'
runs_as() {   # USER ARGS: a process with exactly these arguments runs as USER
	ps -eo user=,args= | grep -qxE -- "$1 +$2"
}
check "... as Debian runs it: the auth worker (auth -w) as root, auth as dovecot" \
	eval 'runs_as root "dovecot/auth -w" && runs_as dovecot dovecot/auth'
check "... and logins as dovenull (Debian's default_login_user)" \
	test "$(doveconf -h default_login_user)" = dovenull
check "... the auth worker (root) keeps the keys in the package's /var/cache/oidc-auth" \
	test -n "$(find /var/cache/oidc-auth -maxdepth 1 -name 'jwks-*' -user root -perm 0600)"
imap "token only: OAUTHBEARER with the token" 0 alice "$TOK" bearer --login-options AUTH=OAUTHBEARER
log_mark
imap "token only: alice's Unix password is refused" fail alice alice-unix-pw
expect_log "... reason password_not_allowed" \
	'pam_oidc\(dovecot-oidc:auth\): result=deny reason=password_not_allowed mode=token user="alice"'
imap "token only: scanner's Unix password is refused too" fail scanner scanner-unix-pw

# the recipe's second PAM file: passwords for svc-mail members only (auth worker re-reads it)
pam_file 1 || not_ok "dovecot_stock: the recipe's svc-mail PAM file"
log_mark
imap "svc-mail: scanner (member) logs in with its Unix password" 0 scanner scanner-unix-pw
expect_log "... left to pam_unix by pam_oidc" \
	'pam_oidc\(dovecot-oidc:auth\): result=ignore reason=password_fallthrough mode=token user="scanner"'
imap "svc-mail: alice's Unix password is still refused" fail alice alice-unix-pw
imap "svc-mail: alice's token still logs in" 0 alice "$TOK"

# ---- control: the 0.1.0 recipe merged into the stock file, auth-system.conf.ext kept -----
dovecot_stop
pam_file 0
cp "$T_TMP/10-auth.conf.stock" /etc/dovecot/conf.d/10-auth.conf
rm -f /etc/dovecot/conf.d/auth-oidc.conf.ext
# the 0.1.0 recipe's 10-auth.conf block, as an administrator adds it to Debian's file
sed -i 's/^auth_mechanisms = plain$/auth_mechanisms = plain login xoauth2 oauthbearer/' \
	/etc/dovecot/conf.d/10-auth.conf
cat >>/etc/dovecot/conf.d/10-auth.conf <<'EOF'
disable_plaintext_auth = yes
passdb {
  driver = pam
  args = dovecot-oidc
}
userdb {
  driver = passwd
}
EOF
check "control: the old merge leaves two passdbs (Debian's system one first)" \
	test "$(doveconf -n | grep -c '^passdb')" = 2
dv_start || not_ok "control: start Dovecot" "$(log_new | tail -n 10)"
imap "control: with the 0.1.0 recipe a token-only user's Unix password logs in (what the recipe now prevents)" \
	0 alice alice-unix-pw

if grep -qF -- "${TOK##*.}" "$SYSLOG"; then
	not_ok "no token signature in the syslog"
else
	ok "no token signature in the syslog"
fi
t_done
