#!/usr/bin/env bash
# tests/sshd/t_sshd.sh - device-flow ssh logins end to end: a real sshd
# (keyboard-interactive, UsePAM) with pam_oidc.so in mode=device, the real
# OpenID provider (tests/idp), and the OpenSSH client on a pseudo-terminal
# (ssh_device.py) that reads the user code from the prompt and approves it
# at the provider like a browser. Also a refused approval and a timeout.
#
# Runs in private network, PID and mount namespaces. In the mount namespace
# only: /etc/pam.d is a private folder, /etc/passwd, /etc/shadow and
# /etc/group are copies with a test user added, /run is a tmpfs (sshd needs
# /run/sshd). The host's files are never written.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns sshd "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh
t_init sshd "$@"
SSHD_PID=
stop_sshd() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
trap 'stop_sshd; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null ||
	{ not_ok "sshd: openssh-server and openssh-client are installed"; t_done; exit 1; }
[ -f "$PAM_SO_HOST" ] || { not_ok "sshd: $PAM_SO_HOST is built"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "sshd: private /dev/log"; t_done; exit 1; }
pam_private_etc "$T_TMP/pam.d" || { not_ok "sshd: private /etc/pam.d"; t_done; exit 1; }

# private user database and /run, in this mount namespace only
E=$T_TMP/etc
mkdir -p "$E" "$T_TMP/home/alice"
cp /etc/passwd /etc/shadow /etc/group "$E/"
echo "alice:x:2001:2001:test user:$T_TMP/home/alice:/bin/sh" >>"$E/passwd"
echo "alice:*:19000:0:99999:7:::" >>"$E/shadow"
echo "alice:x:2001:" >>"$E/group"
chown 2001:2001 "$T_TMP/home/alice"
for f in passwd shadow group; do
	mount --bind "$E/$f" "/etc/$f" || { not_ok "sshd: private /etc/$f"; t_done; exit 1; }
done
mount -t tmpfs -o mode=755 run /run && mkdir -m 755 /run/sshd ||
	{ not_ok "sshd: private /run"; t_done; exit 1; }

pam_idp_up "$T_TMP/idp" || { not_ok "sshd: start the OpenID provider"; t_done; exit 1; }
pam_idp_conf "$T_TMP/oidc.conf" "$T_TMP/cache" "client_id = oidc-auth-device" \
	"request_resource = api://mail" "request_scopes = openid mail.read" "device_timeout = 10"

SVC=sshd-oidctest
cat >"$T_TMP/pam.d/$SVC" <<EOF
auth required $PAM_SO_HOST config=$T_TMP/oidc.conf mode=device session_env=preferred_username
account required $PAM_SO_HOST config=$T_TMP/oidc.conf
session required pam_permit.so
session optional $PAM_SO_HOST config=$T_TMP/oidc.conf session_env=preferred_username
EOF
ln -s /usr/sbin/sshd "$T_TMP/$SVC"
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey" || not_ok "sshd: host key"
cat >"$T_TMP/sshd_config" <<EOF
ListenAddress 127.0.0.1:2222
HostKey $T_TMP/hostkey
PidFile $T_TMP/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
LoginGraceTime 60
MaxStartups 10:30:100
StrictModes no
EOF
# sshd needs an absolute path to re-execute itself: the symlink's name is the
# PAM service name
"$T_TMP/$SVC" -D -e -f "$T_TMP/sshd_config" -E "$T_TMP/sshd.log" &
SSHD_PID=$!
for ((i = 0; i < 100; i++)); do
	(exec 3<>/dev/tcp/127.0.0.1/2222) 2>/dev/null && break
	sleep 0.05
done
if (exec 3<>/dev/tcp/127.0.0.1/2222) 2>/dev/null; then ok "sshd: listening on 127.0.0.1:2222"; else
	not_ok "sshd: listening on 127.0.0.1:2222" "$(tail -n 5 "$T_TMP/sshd.log")"; t_done; exit 1; fi

# the "browser": approve or refuse a user code at the provider
cat >"$T_TMP/browser.sh" <<EOF
#!/bin/bash
. "$ROOT/tests/idp/lib.sh"
IDP_URL=$IDP_URL IDP_CA=$IDP_CA IDP_ISSUER=$IDP_ISSUER
case "\$1" in
approve) idp_device_approve "\$3" "\$2" ;;
refuse) idp_device_refuse "\$3" ;;
esac
EOF
chmod 755 "$T_TMP/browser.sh"
export APPROVE_CMD="$T_TMP/browser.sh approve alice"
export REFUSE_CMD="$T_TMP/browser.sh refuse alice"

ssh_login() {   # ACTION
	log_mark
	T_LAST=("$PY" tests/sshd/ssh_device.py 2222 alice "$1")
	"${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
}

SSH_SCREEN=$T_TMP/screen ssh_login approve
expect_out "ssh device login: approved at the provider -> logged in" "login=ok"
expect_out "ssh device login: the browser approved the code" "approve_rc=0"
expect_out "ssh device login: session_env on the auth line reaches the shell" "oidc_env=alice"
expect_log "ssh device login: audit allow" "pam_oidc\\($SVC:auth\\): result=allow reason=ok mode=device user=\"alice\""
if [ "$(sed -n 's/^qr_lines=//p' "$OUT")" -ge 10 ] 2>/dev/null; then
	ok "ssh device login: the QR code reached the ssh client"
else
	not_ok "ssh device login: the QR code reached the ssh client" "$(t_last_run)"
fi
t_diag "ssh device login: prompt after $(sed -n 's/^prompt_s=//p' "$OUT") s, logged in after $(sed -n 's/^total_s=//p' "$OUT") s (ssh connect, PAM prompt, browser approval, poll, validation, shell command)"

ssh_login refuse
expect_out "ssh device login refused at the provider: no login" "login=fail"
expect_log "ssh device login refused: audit reason access_denied" 'result=deny reason=access_denied mode=device user="alice"'

if "$PY" tests/sshd/screen.py "$T_TMP/screen" docs/recipes/sshd.md ssh-screen \
	>"$T_TMP/screen.diff"; then
	ok "sshd recipe: the sample screen is what the ssh client shows"
else
	not_ok "sshd recipe: the sample screen is what the ssh client shows" \
		"$(cat "$T_TMP/screen.diff")"
fi

# ---- ID tokens with only sub (docs/recipes/sshd.md): the recipe's ID-token setup ---------
idtok_conf() {   # LINES...: the recipe's ssh.conf for the test provider, then LINES
	{
		echo "issuer = $IDP_ISSUER"
		echo "ca_file = $IDP_CA"
		echo "cache_dir = $T_TMP/cache"
		echo "client_id = oidc-auth-device"
		echo "audience = oidc-auth-device"
		echo "request_scopes = openid profile"
		echo "accept_id_tokens = yes"
		echo "device_timeout = 10"
		printf '%s\n' "$@"
	} >"$T_TMP/idtok.conf" && chmod 644 "$T_TMP/idtok.conf"
}
idp_stop
IDP_ID_TOKEN_CLAIMS=sub-only idp_start "$T_TMP/idp" 8443 >/dev/null ||
	not_ok "sshd: restart the provider with sub-only ID tokens"
sed -i "s|config=[^ ]*|config=$T_TMP/idtok.conf|" "$T_TMP/pam.d/$SVC"
idtok_conf "username_claim = preferred_username"
ssh_login approve
expect_out "ID token with only sub, username_claim = preferred_username: no login" "login=fail"
expect_log "ID token with only sub: audit reason no_username" \
	'result=deny reason=no_username mode=device user="alice"'
# the recipe's lines, its map file's path replaced by the test's
if SUBONLY=$("$PY" tests/lib/docblocks.py docs/recipes/sshd.md ssh-sub-only 2>&1); then
	mapfile -t SUBLINES < <(grep -v '^#' <<<"$SUBONLY" |
		sed "s|/etc/oidc-auth/ssh-users.map|$T_TMP/ssh-users.map|")
	echo "alice alice" >"$T_TMP/ssh-users.map" && chmod 644 "$T_TMP/ssh-users.map"
	idtok_conf "${SUBLINES[@]}"
	ssh_login approve
	expect_out "ID token with only sub, the recipe's username_claim = sub and map file: logged in" \
		"login=ok"
	expect_log "ID token with only sub, mapped: audit allow" \
		'result=allow reason=ok mode=device user="alice" mapped="alice"'
	echo "someone-else alice" >"$T_TMP/ssh-users.map"
	ssh_login approve
	expect_out "ID token whose sub is not in the map file: no login" "login=fail"
	expect_log "sub not in the map file: audit reason bad_username" \
		'result=deny reason=bad_username mode=device user="alice"'
else
	not_ok "sshd recipe: the advice for ID tokens with only sub (block ssh-sub-only)" "$SUBONLY"
fi
idp_stop
idp_start "$T_TMP/idp" 8443 >/dev/null || not_ok "sshd: restart the provider"

# ---- a token typed at the prompt: the OpenSSH client cuts it at 1023 bytes ---------------
cat >"$T_TMP/pam.d/$SVC" <<EOF
auth required $PAM_SO_HOST config=$T_TMP/oidc.conf mode=token
account required $PAM_SO_HOST config=$T_TMP/oidc.conf
session required pam_permit.so
EOF
groups_of() { seq -f 'ssh-group-%03g' 1 "$1" | paste -sd, -; }
SHORT=$(idp_token_cc api://mail "" alice) || not_ok "sshd: a short token from the provider"
MID=$(idp_token_cc api://mail "" alice "$(groups_of 20)") || not_ok "sshd: a 1.2 KB token"
LONG=$(idp_token_cc api://mail "" alice "$(groups_of 80)") || not_ok "sshd: a 2 KB token"
MID_SIG=${MID%.*}
LONG_PAYLOAD=${LONG%.*}
if [ "${#SHORT}" -lt 1023 ] && [ "${#MID_SIG}" -lt 1023 ] && [ "${#MID}" -gt 1023 ] &&
	[ "${#LONG_PAYLOAD}" -gt 1023 ]; then
	ok "tokens of ${#SHORT}, ${#MID} (signature from byte ${#MID_SIG}) and ${#LONG} bytes"
else
	not_ok "tokens around OpenSSH's 1023 bytes" \
		"short ${#SHORT}, mid ${#MID} (signature from ${#MID_SIG}), long ${#LONG}"
fi
SSH_TOKEN=$SHORT ssh_login token
expect_out "ssh token prompt, ${#SHORT} bytes (under 1023): logged in" "login=ok"
expect_log "ssh token prompt: audit allow" 'result=allow reason=ok mode=token user="alice"'
SSH_TOKEN=$LONG ssh_login token
expect_out "ssh token prompt, ${#LONG} bytes: refused" "login=fail"
expect_log "ssh token cut by OpenSSH in the payload: audit reason token_truncated" \
	'result=deny reason=token_truncated mode=token user="alice"'
SSH_TOKEN=$MID ssh_login token
expect_out "ssh token prompt, ${#MID} bytes: refused" "login=fail"
expect_log "ssh token cut by OpenSSH in the signature: audit reason token_truncated" \
	'result=deny reason=token_truncated mode=token user="alice"'
SSH_TOKEN=not-a-token-but-a-password ssh_login token
expect_log "a password at the ssh token prompt: still password_not_allowed" \
	'result=deny reason=password_not_allowed mode=token user="alice"'

# ---- last, as it waits device_timeout: a device login nobody approves ---------------------
sed -i "s|mode=token|mode=device|" "$T_TMP/pam.d/$SVC"
T0=$SECONDS
ssh_login none
expect_out "ssh device login never approved: no login" "login=fail"
expect_log "ssh device login never approved: audit reason device_code_expired" \
	'result=deny reason=device_code_expired mode=device'
if [ $((SECONDS - T0)) -ge 9 ] && [ $((SECONDS - T0)) -le 40 ]; then ok "ssh device login timeout: gave up after device_timeout ($((SECONDS - T0)) s)"; else
	not_ok "ssh device login timeout: gave up after device_timeout" "took $((SECONDS - T0)) s"; fi
t_done
