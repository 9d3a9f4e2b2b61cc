#!/usr/bin/env bash
# tests/pam/t_pam.sh - pam_oidc.so through the real libpam (issue 4).
#
# A small driver (pam_driver.c, pam_start_confdir) runs auth/account/session
# against service files in a private folder, answering with tokens of any
# length. Tokens come from PyJWT (mint.py) with a JWKS file, and from the
# real OpenID provider (tests/idp) for the cache and device-flow cases.
# Audit lines are read from a private /dev/log (see lib.sh). Runs in
# private network, PID and mount namespaces: loopback only, nothing
# outlives it, the host's /dev is untouched.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns pam "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh   # pam_private_etc
t_init pam "$@"
trap 'idp_cleanup; t_cleanup' EXIT

[ -x "$PAM_DRIVER" ] && [ -f "$PAM_SO" ] ||
	{ not_ok "pam: $PAM_SO and $PAM_DRIVER are built (make)"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "pam: private /dev/log"; t_done; exit 1; }

K=$T_TMP/keys
CONF=$T_TMP/pam.d
mkdir -p "$K" "$CONF" "$T_TMP/cache" && chmod 700 "$T_TMP/cache"
"$PY" tests/pam/mint.py keys "$K" || { not_ok "pam: make keys"; t_done; exit 1; }
cat >"$T_TMP/oidc.conf" <<EOF2
issuer = https://idp.pam.test
audience = api://mail
jwks_file = $K/jwks.json
cache_dir = $T_TMP/cache
EOF2
chmod 644 "$T_TMP/oidc.conf"
BASE="config=$T_TMP/oidc.conf"

mint() {   # USER [k=v...]
	"$PY" tests/pam/mint.py token "$K" "$@"
}

# service NAME LINES: a service file in the private folder
service() {
	printf '%s\n' "$2" >"$CONF/$1"
}

# pam_run SERVICE USER SECRET STEPS...: run the driver; stdout in $OUT.
pam_run() {
	local svc=$1 user=$2
	printf '%s' "$3" >"$T_TMP/secret"
	shift 3
	log_mark
	T_LAST=("$PAM_DRIVER" "$CONF" "$svc" "$user" "$@")
	PAM_DRIVER_SECRET=$T_TMP/secret "${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
}

# ---- token mode with a JWKS file -------------------------------------------
service tok "auth [success=done ignore=ignore default=die] $PAM_SO $BASE
auth required pam_deny.so
account [success=done ignore=ignore default=die] $PAM_SO $BASE
account required pam_deny.so
session optional $PAM_SO $BASE session_env=sub,email"

TOK=$(mint alice email=alice@example.test)
pam_run tok alice "$TOK" auth acct open env
expect_out "valid token: auth succeeds" "auth=PAM_SUCCESS"
expect_out "valid token: account succeeds" "acct=PAM_SUCCESS"
expect_log "valid token: audit allow line" \
	'pam_oidc\(tok:auth\): result=allow reason=ok mode=token user="alice" mapped="alice" .*kid="pam-test-rsa" .*token=sha256:[0-9a-f]{16}$'
expect_log "valid token: account audit line" 'pam_oidc\(tok:account\): result=allow reason=ok'
expect_out "session env: OIDC_SUB exported" "env OIDC_SUB=alice"
expect_out "session env: OIDC_EMAIL exported" "env OIDC_EMAIL=alice@example.test"
if grep -qF -- "${TOK##*.}" "$SYSLOG" || grep -qF -- "${TOK%%.*}.${TOK#*.}" "$SYSLOG"; then
	not_ok "valid token: the token never reaches the log"
else
	ok "valid token: the token never reaches the log"
fi

pam_run tok alice "$(mint alice exp=-3600)" auth
expect_out "expired token: PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "expired token: reason token_expired" 'result=deny reason=token_expired'

pam_run tok alice "$(mint alice aud=api://other)" auth
expect_out "wrong audience: PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "wrong audience: reason wrong_audience" 'result=deny reason=wrong_audience'

pam_run tok alice "$(mint bob)" auth acct
expect_out "other user's token: PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "other user's token: reason user_mismatch" \
	'result=deny reason=user_mismatch mode=token user="alice"'
expect_out "other user's token: account refuses too" "acct=PAM_PERM_DENIED"

pam_run tok alice "eyJhbGciOiJSUzI1NiJ9.garbage!.x" auth
expect_out "garbage token: PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
pam_run tok alice "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln" auth
expect_out "forged JWS: PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "forged JWS: validated, not taken for a password" 'result=deny reason=(malformed_token|bad_signature)'

BIG=$(mint alice pad=6000)
if [ "${#BIG}" -ge 8192 ]; then ok "8 KB token: built (${#BIG} bytes)"; else
	not_ok "8 KB token: built" "only ${#BIG} bytes"; fi
pam_run tok alice "$BIG" auth
expect_out "8 KB token: passes with the default max_token_size" "auth=PAM_SUCCESS"
service small "auth required $PAM_SO $BASE max_token_size=4096"
pam_run small alice "$BIG" auth
expect_out "8 KB token: refused over max_token_size=4096" "auth=PAM_AUTH_ERR"
expect_log "8 KB token: reason token_too_large" 'reason=token_too_large'

# pamtester, the recipes' test command, reads at most 4095 bytes of a secret: the 8 KB
# token arrives cut there and is refused as token_truncated (issue 12)
if pam_private_etc "$T_TMP/etc-pam.d" 2>"$T_TMP/etc-pam.err"; then
	echo "auth required $PAM_SO_HOST $BASE" >"$T_TMP/etc-pam.d/oidc-pamtester"
	log_mark
	printf '%s\n' "$BIG" | pamtester oidc-pamtester alice authenticate >"$OUT" 2>&1
	expect_log "pamtester with an 8 KB token: cut at 4095, reason token_truncated" \
		'result=deny reason=token_truncated mode=token user="alice"'
	log_mark
	if printf '%s\n' "$(mint alice)" | pamtester oidc-pamtester alice authenticate \
		>"$OUT" 2>&1; then
		ok "pamtester with a short token: logged in"
	else
		not_ok "pamtester with a short token: logged in" "$(cat "$OUT")" "$(log_new)"
	fi
else
	not_ok "pamtester: a private /etc/pam.d" "$(cat "$T_TMP/etc-pam.err")"
fi

service lower "auth required $PAM_SO $BASE user_case=lower"
pam_run lower alice "$(mint Alice)" auth
expect_out "user_case=lower: Alice's token logs in alice" "auth=PAM_SUCCESS"
pam_run tok alice "$(mint Alice)" auth
expect_out "user_case=exact (default): Alice's token refused for alice" "auth=PAM_AUTH_ERR"

# ---- system accounts (issue 11): root, uids below min_user_uid ------------------
# A private /etc/passwd in this mount namespace only (the host's is never touched):
# svc-old and svc-nagios are system accounts (uid < 1000), carol a user.
cp /etc/passwd "$T_TMP/passwd" &&
	printf '%s\n' "svc-old:x:500:500::/nonexistent:/usr/sbin/nologin" \
		"svc-nagios:x:501:501::/nonexistent:/usr/sbin/nologin" \
		"carol:x:2002:2002::/nonexistent:/bin/sh" >>"$T_TMP/passwd" &&
	chmod 644 "$T_TMP/passwd" && mount --bind "$T_TMP/passwd" /etc/passwd &&
	[ "$(getent passwd svc-old | cut -d: -f3)" = 500 ] ||
	not_ok "system accounts: private /etc/passwd in the mount namespace"
pam_run tok root "$(mint root)" auth
expect_out "system accounts: a token for root refused" "auth=PAM_AUTH_ERR"
expect_log "system accounts: root: audit reason system_user" \
	'pam_oidc\(tok:auth\): result=deny reason=system_user mode=token user="root" mapped="root"'
pam_run tok svc-old "$(mint svc-old)" auth
expect_out "system accounts: a token for uid 500 refused" "auth=PAM_AUTH_ERR"
expect_log "system accounts: uid 500: audit reason system_user" \
	'result=deny reason=system_user mode=token user="svc-old" mapped="svc-old"'
pam_run tok carol "$(mint carol)" auth
expect_out "system accounts: uid 2002 is a user" "auth=PAM_SUCCESS"
service sysok "auth required $PAM_SO $BASE allow_system_users=svc-nagios"
pam_run sysok svc-nagios "$(mint svc-nagios)" auth
expect_out "system accounts: allow_system_users=svc-nagios lets it log in" "auth=PAM_SUCCESS"
pam_run sysok svc-old "$(mint svc-old)" auth
expect_out "system accounts: allow_system_users opens only what it lists" "auth=PAM_AUTH_ERR"
pam_run lower svc-old "$(mint SVC-OLD)" auth
expect_out "system accounts: user_case=lower, SVC-OLD's token refused for svc-old" \
	"auth=PAM_AUTH_ERR"
expect_log "system accounts: user_case=lower: audit reason system_user" \
	'result=deny reason=system_user mode=token user="svc-old" mapped="SVC-OLD"'

# ---- per-user policy: passwords fall through only for listed users ----------
PW="auth [success=done ignore=ignore default=die] $PAM_SO $BASE password_users=svc-backup password_groups=daemon"
service pw-permit "$PW
auth required pam_permit.so"
service pw-deny "$PW
auth required pam_deny.so"
pam_run pw-permit svc-backup "hunter2 is my password" auth
expect_out "password user: falls through to the next module (permit)" "auth=PAM_SUCCESS"
expect_log "password user: audit reason password_fallthrough" \
	'result=ignore reason=password_fallthrough mode=token user="svc-backup"'
pam_run pw-deny svc-backup "hunter2 is my password" auth
expect_out "password user: the next module decides (deny)" "auth=PAM_AUTH_ERR"
pam_run pw-permit daemon "s3cret" auth
expect_out "password group member (daemon): falls through" "auth=PAM_SUCCESS"
pam_run pw-permit bin "s3cret" auth
expect_out "user outside the password groups (bin): refused" "auth=PAM_AUTH_ERR"
pam_run pw-permit alice "s3cret" auth
expect_out "token-only user with a password: refused" "auth=PAM_AUTH_ERR"
expect_log "token-only user with a password: reason password_not_allowed" \
	'result=deny reason=password_not_allowed mode=token user="alice"'
pam_run pw-permit svc-backup "$(mint svc-backup exp=-3600)" auth
expect_out "password user's token is still validated (expired: refused)" "auth=PAM_AUTH_ERR"

service pw-all "auth [success=done ignore=ignore default=die] $PAM_SO $BASE password_users=*
auth required pam_permit.so"
pam_run pw-all alice "s3cret" auth
expect_out "password_users=*: anyone's password falls through" "auth=PAM_SUCCESS"
expect_log "password_users=*: audit reason password_fallthrough" \
	'result=ignore reason=password_fallthrough mode=token user="alice"'
pam_run pw-all alice "$(mint alice exp=-3600)" auth
expect_out "password_users=*: tokens are still validated (expired: refused)" "auth=PAM_AUTH_ERR"
# a JWT cut by OpenSSH (1023 bytes, one dot left) is no password: refused, not passed on
CUT=$(mint alice pad=1500)
pam_run pw-all alice "${CUT:0:1023}" auth
expect_out "password_users=*: a JWT cut at 1023 bytes does not fall through" "auth=PAM_AUTH_ERR"
expect_log "password_users=*: a JWT cut at 1023 bytes: audit reason token_truncated" \
	'result=deny reason=token_truncated mode=token user="alice" .* token=sha256:[0-9a-f]{16}'
pam_run pw-all alice "${CUT:0:1022}" auth
expect_out "password_users=*: 1022 bytes of it (no known limit) fall through as before" \
	"auth=PAM_SUCCESS"
service prompt "auth required $PAM_SO $BASE [prompt=Password or token: ]"
: >"$T_TMP/prompts"
PAM_DRIVER_LOG=$T_TMP/prompts pam_run prompt alice "$(mint alice)" auth
expect_out "prompt=: a token still logs in" "auth=PAM_SUCCESS"
if grep -qF "Password or token: " "$T_TMP/prompts" && ! grep -qF "OIDC token" "$T_TMP/prompts"; then
	ok "prompt=: the configured prompt is shown instead of 'OIDC token: '"
else
	not_ok "prompt=: the configured prompt is shown instead of 'OIDC token: '" "$(head -c 300 "$T_TMP/prompts")"
fi
printf 'auth required %s %s prompt=\033[2J\n' "$PAM_SO" "$BASE" >"$CONF/badprompt"
pam_run badprompt alice "$(mint alice)" auth
expect_out "prompt= with a control character is refused (service error)" "auth=PAM_SERVICE_ERR"

# ---- account phase ------------------------------------------------------------
ACCT="account [success=done ignore=ignore default=die] $PAM_SO $BASE"
service acct-policy "auth optional $PAM_SO $BASE required_claims=groups=mail-admins
auth required pam_permit.so
$ACCT
account required pam_permit.so"
pam_run acct-policy alice "$(mint alice groups=mail-users)" auth acct
expect_out "account: stack auth passes without the module" "auth=PAM_SUCCESS"
expect_out "account: group policy failure -> PAM_PERM_DENIED" "acct=PAM_PERM_DENIED"
expect_log "account: audit reason claim_policy" \
	'pam_oidc\(acct-policy:account\): result=deny reason=claim_policy'
pam_run acct-policy alice "$(mint alice groups=mail-users,mail-admins)" auth acct
expect_out "account: group policy met -> PAM_SUCCESS" "acct=PAM_SUCCESS"

# account-only policy: account_required_claims / account_required_scopes
service acct-only "auth required $PAM_SO $BASE
account required $PAM_SO $BASE account_required_claims=groups=mail-admins
session optional $PAM_SO $BASE session_env=sub"
pam_run acct-only alice "$(mint alice groups=mail-users)" auth acct
expect_out "account_required_claims: auth passes" "auth=PAM_SUCCESS"
expect_out "account_required_claims unmet -> PAM_PERM_DENIED" "acct=PAM_PERM_DENIED"
expect_log "account_required_claims: audit reason claim_policy" \
	'pam_oidc\(acct-only:account\): result=deny reason=claim_policy'
pam_run acct-only alice "$(mint alice groups=mail-admins)" auth acct open env
expect_out "account_required_claims met -> PAM_SUCCESS" "acct=PAM_SUCCESS"
expect_out "account_required_claims met: session still exports" "env OIDC_SUB=alice"
# session_env on the auth line: exported at authentication (OpenSSH authenticates in a child
# process and passes only the PAM environment back to the session)
service auth-env "auth required $PAM_SO $BASE session_env=sub,email
account required pam_permit.so"
pam_run auth-env alice "$(mint alice email=alice@example.test)" auth env
expect_out "session_env on the auth line: OIDC_SUB right after auth" "env OIDC_SUB=alice"
expect_out "session_env on the auth line: OIDC_EMAIL right after auth" \
	"env OIDC_EMAIL=alice@example.test"
pam_run auth-env alice "$(mint bob email=bob@example.test)" auth env
expect_out "session_env on the auth line: bob's token as alice refused" "auth=PAM_AUTH_ERR"
if grep -q "^env OIDC_" "$OUT"; then
	not_ok "session_env on the auth line: nothing exported for a refused token" "$(t_last_run)"
else
	ok "session_env on the auth line: nothing exported for a refused token"
fi
service acct-scope "auth required $PAM_SO $BASE
account required $PAM_SO $BASE account_required_scopes=mail.write"
pam_run acct-scope alice "$TOK" auth acct
expect_out "account_required_scopes unmet -> PAM_PERM_DENIED" "acct=PAM_PERM_DENIED"
expect_log "account_required_scopes: audit reason insufficient_scope" \
	'pam_oidc\(acct-scope:account\): result=deny reason=insufficient_scope'
service acct-bad "auth required $PAM_SO $BASE
account required $PAM_SO $BASE account_required_claims=groups"
pam_run acct-bad alice "$TOK" auth acct
expect_out "account_required_claims malformed -> PAM_SERVICE_ERR" "acct=PAM_SERVICE_ERR"

# the account phase judges exp with the leeway that accepted the token at auth (the core's
# rule): a token 35 s past exp under leeway=60 passes both phases (it used to pass auth and
# fail account as token_expired); 90 s past, auth refuses it
service acct-leeway "auth required $PAM_SO $BASE leeway=60
account required $PAM_SO $BASE leeway=60"
pam_run acct-leeway alice "$(mint alice exp=-35)" auth acct
expect_out "leeway=60, 35 s past exp: auth succeeds" "auth=PAM_SUCCESS"
expect_out "leeway=60, 35 s past exp: account succeeds too (the same leeway)" "acct=PAM_SUCCESS"
expect_log "leeway=60, 35 s past exp: account audit line allow" \
	'pam_oidc\(acct-leeway:account\): result=allow reason=ok'
pam_run acct-leeway alice "$(mint alice exp=-90)" auth acct
expect_out "leeway=60, 90 s past exp: auth refuses" "auth=PAM_AUTH_ERR"
expect_out "leeway=60, 90 s past exp: account refuses" "acct=PAM_PERM_DENIED"

service acct-ignore "$ACCT
account required pam_permit.so"
service acct-deny "account [success=done ignore=ignore default=die] $PAM_SO $BASE account_unknown=deny
account required pam_permit.so"
pam_run acct-ignore alice "" acct
expect_out "account_unknown=ignore: a login the module did not see passes on" "acct=PAM_SUCCESS"
pam_run acct-deny alice "" acct
expect_out "account_unknown=deny: PAM_PERM_DENIED" "acct=PAM_PERM_DENIED"
expect_log "account_unknown=deny: audit reason" 'result=deny reason=not_authenticated_by_oidc'

# ---- configuration errors fail closed -------------------------------------------
service badkey "auth required $PAM_SO $BASE levee=30"
pam_run badkey alice "$TOK" auth
expect_out "unknown key argument: PAM_SERVICE_ERR" "auth=PAM_SERVICE_ERR"
expect_log "unknown key argument: the log names it" 'config error: .*levee'
service badword "auth required $PAM_SO $BASE frobnicate"
pam_run badword alice "$TOK" auth
expect_out "unknown word argument: PAM_SERVICE_ERR" "auth=PAM_SERVICE_ERR"
expect_log "unknown word argument: the log names it" 'config error: argument frobnicate'
service badmode "auth required $PAM_SO $BASE mode=sometimes"
pam_run badmode alice "$TOK" auth
expect_out "bad mode: PAM_SERVICE_ERR" "auth=PAM_SERVICE_ERR"

# ---- auto mode: a token given is a token --------------------------------------
service auto-tok "auth required $PAM_SO $BASE mode=auto"
pam_run auto-tok alice "$TOK" auth
expect_out "mode=auto with a token: validated as a token" "auth=PAM_SUCCESS"

# ---- the real OpenID provider: device flow, disk cache, IdP down ---------------
if pam_idp_up "$T_TMP/idp"; then
	ok "provider: up at $IDP_ISSUER"
else
	not_ok "provider: start the OpenID provider (npm ci --prefix tests/idp?)"
fi
pam_idp_conf "$T_TMP/idp.conf" "$T_TMP/pcache" "client_id = oidc-auth-device" \
	"request_resource = api://mail" "request_scopes = openid mail.read"
IDPC="config=$T_TMP/idp.conf"
service dev "auth required $PAM_SO $IDPC mode=device device_timeout=20 debug
account required $PAM_SO $IDPC"
service dev-short "auth required $PAM_SO $IDPC mode=device device_timeout=10"
service dev-auto "auth required $PAM_SO $IDPC mode=auto device_timeout=20"

# device_run SERVICE USER: start a device login in the background (DEV_PID),
# wait for the prompt, set CODE to the user code it showed (empty: none).
device_run() {
	local i
	: >"$T_TMP/prompts"
	rm -f "$T_TMP/approved"
	log_mark
	PAM_DRIVER_SECRET=/dev/null PAM_DRIVER_ECHO_ON="" PAM_DRIVER_WAIT=$T_TMP/approved \
		PAM_DRIVER_LOG=$T_TMP/prompts ${DEV_WRAP:-} "$PAM_DRIVER" "$CONF" "$1" "$2" auth acct \
		>"$OUT" 2>"$ERR" &
	DEV_PID=$!
	for ((i = 0; i < 300; i++)); do
		CODE=$(sed -n 's/^and enter the code: \([A-Z0-9-]*\)$/\1/p' "$T_TMP/prompts")
		[ -n "$CODE" ] && break
		sleep 0.1
	done
}

T0=$(date +%s.%N)
device_run dev alice
if [ -n "$CODE" ]; then ok "device: prompt shows a user code"; else
	not_ok "device: prompt shows a user code" "$(head -c 600 "$T_TMP/prompts")"; fi
if grep -qF "open $IDP_ISSUER/device" "$T_TMP/prompts"; then ok "device: prompt shows the verification URI"; else
	not_ok "device: prompt shows the verification URI" "$(head -c 600 "$T_TMP/prompts")"; fi
if [ "$(grep -c '█' "$T_TMP/prompts")" -ge 15 ] && grep -q '^\[2\] To log in as alice' "$T_TMP/prompts"; then
	ok "device: QR code drawn inside the ECHO_ON prompt"
else
	not_ok "device: QR code drawn inside the ECHO_ON prompt" "$(head -c 600 "$T_TMP/prompts")"
fi
idp_device_approve "$CODE" alice || not_ok "device: approve $CODE at the provider"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
T1=$(date +%s.%N)
expect_out "device: approved login succeeds" "auth=PAM_SUCCESS"
expect_out "device: account succeeds" "acct=PAM_SUCCESS"
expect_log "device: audit allow mode=device" 'result=allow reason=ok mode=device user="alice" mapped="alice"'
t_diag "device flow login end to end: $(echo "$T1 - $T0" | bc) s (prompt, browser approval, polls, validation)"

device_run dev alice
idp_device_approve "$CODE" bob || not_ok "device: approve $CODE as bob"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "device: approved by another user -> refused" "auth=PAM_AUTH_ERR"
expect_log "device: reason user_mismatch" 'result=deny reason=user_mismatch mode=device'

device_run dev alice
idp_device_refuse "$CODE" || not_ok "device: refuse $CODE at the provider"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "device: refused approval -> PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "device: reason access_denied" 'result=deny reason=access_denied mode=device'

T0=$SECONDS
device_run dev-short alice
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "device: nobody approves -> PAM_AUTH_ERR" "auth=PAM_AUTH_ERR"
expect_log "device: reason device_code_expired" 'result=deny reason=device_code_expired mode=device'
if [ $((SECONDS - T0)) -ge 9 ] && [ $((SECONDS - T0)) -le 20 ]; then
	ok "device: gives up after device_timeout=10 ($((SECONDS - T0)) s)"
else
	not_ok "device: gives up after device_timeout=10" "took $((SECONDS - T0)) s"
fi

device_run dev-auto alice
idp_device_approve "$CODE" alice || not_ok "device: approve $CODE (auto)"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "mode=auto, Enter at the token prompt: device flow logs in" "auth=PAM_SUCCESS"

# accept_id_tokens=yes: the ID token (aud = client_id) is what gets validated;
# the audience excludes the access token, so success proves which one was used
pam_idp_conf "$T_TMP/idtok.conf" "$T_TMP/pcache" "client_id = oidc-auth-device" \
	"request_resource = api://mail" "request_scopes = openid profile mail.read" \
	"accept_id_tokens = yes"
sed -i 's|^audience = .*|audience = api://not-the-access-token|' "$T_TMP/idtok.conf"
service dev-idtok "auth required $PAM_SO config=$T_TMP/idtok.conf mode=device device_timeout=20 debug"
device_run dev-idtok alice
idp_device_approve "$CODE" alice || not_ok "device (ID token): approve $CODE"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "device, accept_id_tokens=yes: the ID token logs in" "auth=PAM_SUCCESS"
service dev-atok "auth required $PAM_SO config=$T_TMP/idtok.conf accept_id_tokens=no mode=device device_timeout=20"
device_run dev-atok alice
idp_device_approve "$CODE" alice || not_ok "device (access token): approve $CODE"
touch "$T_TMP/approved"
wait "$DEV_PID"; RC=$?
expect_out "device, accept_id_tokens=no: the access token (wrong audience) is refused" "auth=PAM_AUTH_ERR"
expect_log "device, accept_id_tokens=no: reason wrong_audience" 'result=deny reason=wrong_audience mode=device'

if [ "${SANITIZE:-}" != 1 ]; then
	# valgrind runs the requests ~20x slower: on a loaded machine the device start alone can
	# outlast the default http_timeout, which is a budget for the whole call
	service dev-vg "auth required $PAM_SO $IDPC mode=device device_timeout=40 http_timeout=30"
	DEV_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$T_TMP/valgrind-device.log"
	device_run dev-vg alice
	DEV_WRAP=
	idp_device_approve "$CODE" alice || not_ok "device under valgrind: approve $CODE"
	touch "$T_TMP/approved"
	wait "$DEV_PID"; RC=$?
	expect_out "valgrind: device login (poll, tokens, validation) clean" "auth=PAM_SUCCESS" ||
		t_diag "$(head -c 1500 "$T_TMP/valgrind-device.log")"
fi

# keys from the provider: warm disk cache survives the provider going away
service net "auth required $PAM_SO $IDPC"
PTOK=$(idp_token_cc api://mail "" alice)
pam_run net alice "$PTOK" auth
expect_out "provider keys: token validates (fills the disk cache)" "auth=PAM_SUCCESS"
idp_stop
pam_run net alice "$PTOK" auth
expect_out "provider down, warm cache: still PAM_SUCCESS" "auth=PAM_SUCCESS"
mkdir -p "$T_TMP/cold" && chmod 700 "$T_TMP/cold"
service cold "auth required $PAM_SO $IDPC cache_dir=$T_TMP/cold http_timeout=2"
pam_run cold alice "$PTOK" auth
expect_out "provider down, cold cache: PAM_AUTHINFO_UNAVAIL" "auth=PAM_AUTHINFO_UNAVAIL"
expect_log "provider down, cold cache: reason idp_unreachable" 'result=deny reason=(idp_unreachable|keys_unavailable)'
service dev-down "auth required $PAM_SO $IDPC mode=device http_timeout=2"
pam_run dev-down alice "" auth
expect_out "provider down: device login -> PAM_AUTHINFO_UNAVAIL" "auth=PAM_AUTHINFO_UNAVAIL"
expect_log "provider down: device login reason idp_unreachable" 'result=deny reason=idp_unreachable mode=device'

# ---- the shared object --------------------------------------------------------
if "$PY" -c 'import ctypes, os, sys; ctypes.CDLL(sys.argv[1], os.RTLD_NOW)' "$PAM_SO_HOST"; then
	ok "dlopen RTLD_NOW resolves every symbol"
else
	not_ok "dlopen RTLD_NOW resolves every symbol"
fi
EXPORTS=$(nm -D --defined-only "$PAM_SO_HOST" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$EXPORTS" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ]; then
	ok "only pam_sm_* exported"
else
	not_ok "only pam_sm_* exported" "exports: $EXPORTS"
fi

if [ "${SANITIZE:-}" != 1 ]; then
	# the account-policy service: two contexts, the kept token, session env
	printf '%s' "$(mint alice groups=mail-admins)" >"$T_TMP/secret"
	if PAM_DRIVER_SECRET=$T_TMP/secret valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$PAM_DRIVER" "$CONF" acct-only alice auth acct open env close \
		>"$OUT" 2>"$T_TMP/valgrind.log" && grep -qx "acct=PAM_SUCCESS" "$OUT" &&
		grep -qx "env OIDC_SUB=alice" "$OUT"; then
		ok "valgrind: auth+account+session clean"
	else
		not_ok "valgrind: auth+account+session clean" "$(head -c 1500 "$T_TMP/valgrind.log")"
	fi
	printf '%s' "$(mint alice exp=-10)" >"$T_TMP/secret"
	if PAM_DRIVER_SECRET=$T_TMP/secret valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$PAM_DRIVER" "$CONF" badkey alice auth >"$OUT" 2>"$T_TMP/valgrind.log" &&
		PAM_DRIVER_SECRET=$T_TMP/secret valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$PAM_DRIVER" "$CONF" tok alice auth acct >"$OUT" 2>>"$T_TMP/valgrind.log"; then
		ok "valgrind: refusal and config error paths clean"
	else
		not_ok "valgrind: refusal and config error paths clean" "$(head -c 1500 "$T_TMP/valgrind.log")"
	fi
fi

t_done
