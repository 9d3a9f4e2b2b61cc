#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/demo/demo.sh - `make demo`: tokens instead of passwords, end to end.
#
# A local OpenID provider (tests/idp), a real Dovecot (IMAP, passdb pam ->
# build/pam_oidc.so) and a real Postfix (SMTP AUTH, Cyrus SASL ->
# build/sasl2/libsasl_xoauth2.so) on 127.0.0.1, in private network, PID and
# mount namespaces; then the whole flow step by step: the client names its
# user, the server says where to sign in, the user signs in (device flow),
# the token goes to IMAP and SMTP, the servers log their decision. Then a
# refused token and a password-allowed service account.
#
# Run as root on Debian 12. Installs what is missing first (apt-get from
# .ci/packages.txt, npm ci for tests/idp); DEMO_SKIP_INSTALL=1 skips that.
# Exits 0 only when every check worked. Nothing outlives it: the daemons
# die with the PID namespace, the work directory is removed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=build
unset SANITIZE   # the servers load the normal build, even from make check SANITIZE=1
PY=/usr/bin/python3
CLI=$ROOT/$BUILD_DIR/oidc-auth
IDP_PORT=8443 IMAP_PORT=1143 SMTP_PORT=2525
SVC_USER=svc-backup
SVC=oidc-demo

# ---- outside the namespaces: install, build, then re-run inside ---------------
# demo_missing: the packages of .ci/packages.txt (plus node/npm) not installed
demo_missing() {
	local p
	for p in $(grep -v '^#' .ci/packages.txt); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s\n' "$p"
	done
	command -v npm >/dev/null 2>&1 || printf '%s\n' nodejs npm
}

demo_install() {
	local missing
	mapfile -t missing < <(demo_missing)
	if [ "$(id -u)" != 0 ]; then
		echo "The demo runs Dovecot and Postfix in private namespaces: it needs root."
		if [ ${#missing[@]} -gt 0 ]; then
			echo "Install what is missing, as root:"
			echo "  echo 'postfix postfix/main_mailer_type select Local only' | debconf-set-selections"
			echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
		fi
		[ -f tests/idp/node_modules/oidc-provider/package.json ] ||
			echo "  npm ci --prefix tests/idp --no-audit --no-fund"
		echo "then run: make demo (as root)"
		return 1
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing ${#missing[*]} Debian packages: ${missing[*]}"
		mkdir -p "$BUILD_DIR" && echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}"; } >"$BUILD_DIR/demo-apt.log" 2>&1 ||
			{ tail -n 20 "$BUILD_DIR/demo-apt.log"; return 1; }
	fi
	if [ ! -f tests/idp/node_modules/oidc-provider/package.json ]; then
		echo "== npm ci --prefix tests/idp (the test OpenID provider)"
		npm ci --prefix tests/idp --no-audit --no-fund --loglevel=error || return 1
	fi
}

demo_build() {
	echo "== building (make)"
	mkdir -p "$BUILD_DIR" || return 1
	# a clean make environment: "make check SANITIZE=1" (t_demo) must not
	# turn this into the ASan build the servers could not load
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -j2 -s all SANITIZE= \
		>"$BUILD_DIR/demo-build.log" 2>&1; then
		tail -n 30 "$BUILD_DIR/demo-build.log"
		return 1
	fi
	local f
	for f in oidc-auth pam_oidc.so sasl2/libsasl_xoauth2.so; do
		[ -f "$BUILD_DIR/$f" ] || { echo "demo: $BUILD_DIR/$f was not built"; return 1; }
	done
}

if [ "${OIDC_DEMO_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || [ "${DEMO_SKIP_INSTALL:-}" != 1 ] ||
		{ echo "demo: needs root (private namespaces, Dovecot, Postfix)"; exit 1; }
	if [ "${DEMO_SKIP_INSTALL:-}" != 1 ]; then demo_install || exit 1; fi
	demo_build || exit 1
	DEMO_DIR=$(mktemp -d /tmp/oidc-demo-XXXXXX) || exit 1
	# removed from the host's mount namespace, where nothing is mounted
	# under it: every mount of the demo lives in its private namespace
	trap 'rm -rf --one-file-system "$DEMO_DIR"' EXIT
	trap 'exit 130' INT TERM
	OIDC_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) OIDC_DEMO_IN_NS=1 DEMO_DIR=$DEMO_DIR \
		unshare -n -p -f --mount-proc --kill-child bash "${BASH_SOURCE[0]}" "$@"
	exit $?
fi

# ---- inside: private network, PID and mount namespaces -------------------------
export OIDC_OUTER_MNTNS
T=$DEMO_DIR
. tests/idp/lib.sh
. tests/pam/lib.sh
. tests/dovecot/lib.sh
. tests/postfix/lib.sh
trap 'dovecot_stop; pf_stop; idp_cleanup' EXIT
# this shell is PID 1 of the namespace: without handlers it would ignore
# Ctrl-C and SIGTERM (unshare passes them on); when it exits, the kernel
# kills every process left in the namespace
trap 'printf "\ndemo: interrupted\n"; exit 130' INT TERM
T0=$SECONDS
N_OK=0 N_FAIL=0

step() { printf '\n[%s] %s\n' "$1" "$2"; }
say() { printf '    %s\n' "$@"; }
pass() { N_OK=$((N_OK + 1)); printf '    ok: %s\n' "$1"; }
fail() { N_FAIL=$((N_FAIL + 1)); printf '    FAILED: %s\n' "$1"; shift; printf '      # %s\n' "$@"; }
# expect DESCRIPTION COMMAND...: pass when COMMAND succeeds
expect() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d" "failed: $*"; fi; }
die() {
	fail "$@"
	printf '\ndemo: stopped after a failed setup step (%d ok, %d failed)\n' "$N_OK" "$N_FAIL"
	exit 1
}
fp() { printf '%s' "$1" | sha256sum | cut -c1-16; }
# jget FILE KEY...: a member of the JSON object in FILE (strings raw)
jget() { "$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d.get(k) if isinstance(d, dict) else None
print(d if isinstance(d, (str, int)) else json.dumps(d))' "$@" 2>/dev/null; }   # the audit lines' token=sha256:...
# audit_syslog PATTERN / audit_maillog PATTERN: wait for the audit line, print it
audit_syslog() {
	log_wait "$1" || return 1
	AUDIT=$(log_new | grep -E -- "$1" | tail -n 1)
	say "syslog: ${AUDIT#*: }"
}
audit_maillog() {
	local i
	for ((i = 0; i < 40; i++)); do
		AUDIT=$(tail -n +$((PF_MARK + 1)) "$P/maillog" | grep -E -- "$1" | tail -n 1)
		[ -n "$AUDIT" ] && { say "maillog: ${AUDIT#*postfix/}"; return 0; }
		sleep 0.05
	done
	return 1
}
maillog_mark() { PF_MARK=$(wc -l <"$P/maillog"); }

# imap USER SECRET: curl logs in and lists the mailboxes. Shown: the login
# command without its argument (it holds the secret) and the server's answer.
imap() {
	local tag
	log_mark
	curl -sS -v --max-time 15 "imap://127.0.0.1:$IMAP_PORT/" --user "$1:$2" \
		>"$T/imap.list" 2>"$T/imap.err"
	IMAP_RC=$?
	grep '^< ' "$T/imap.err" | sed 's/^< //; s/\r$//' >"$T/imap.out"
	tag=$(grep -m1 -E '^> A[0-9]+ (AUTHENTICATE|LOGIN)' "$T/imap.err" | cut -d' ' -f2-4)
	case "$tag" in
	*PLAIN) say "C: $tag <base64 of ^@$1^@secret>" ;;
	*) say "C: ${tag:-(no login command)} ..." ;;
	esac
	IMAP_REPLY=$(grep -m1 -E "^${tag%% *} " "$T/imap.out")
	[ "${3:-}" = quiet ] || say "S: ${IMAP_REPLY:-(no answer)}"
}
smtp() {   # USER TOKEN: curl --oauth2-bearer, one message; replies in $T/smtp.out
	maillog_mark
	curl -sS -v --max-time 15 "smtp://127.0.0.1:$SMTP_PORT" --user "$1:" \
		--oauth2-bearer "$2" --mail-from "$1@example.test" --mail-rcpt bob@example.test \
		--upload-file "$T/msg" >/dev/null 2>"$T/smtp.err"
	SMTP_RC=$?
	grep '^< ' "$T/smtp.err" | sed 's/^< //; s/\r$//' >"$T/smtp.out"
	grep -E '^(235|535|454|250 2\.0\.0)' "$T/smtp.out" | sed 's/^/    S: /'
	SMTP_LOG=$(tail -n +$((PF_MARK + 1)) "$P/maillog")
}

printf '== oidc-auth demo: OpenID Connect tokens instead of passwords, for IMAP and SMTP\n'
printf '   (loopback only, private network/PID/mount namespaces, work dir %s)\n' "$T"

# ---- setup ------------------------------------------------------------------
step setup "a local OpenID provider, Dovecot and Postfix"
chmod 755 "$T"
ip link set lo up || die "loopback up"
pam_devlog "$T" || die "a private /dev/log (syslog of pam_oidc) in the mount namespace"
D=$T/idp
IDP_DEVICE_INTERVAL=1 pam_idp_up "$D" "$IDP_PORT" || die "start the OpenID provider"
chmod 755 "$D" && chmod 644 "$D/ca.pem"
pass "OpenID provider (npm oidc-provider) at $IDP_ISSUER (HTTPS, throw-away CA)"

# one configuration for pam_oidc, the SASL plugin and "oidc-auth login"
CONF=$T/oidc-auth.conf
pam_idp_conf "$CONF" "$T/cache" "client_id = $IDP_DEVICE_CLIENT" \
	"request_resource = api://mail" "request_scopes = openid profile offline_access mail.read" ||
	die "write $CONF"
mkdir -p "$T/cache-smtp" && chmod 700 "$T/cache-smtp" && chown postfix: "$T/cache-smtp"

# Private /etc/passwd, /etc/shadow and /etc/pam.d (bind mounts in this
# namespace only): a service account with a password, and alice with one too
# (token-only all the same: pam_oidc refuses her password before pam_unix).
SVC_PW=backup-$RANDOM-$RANDOM ALICE_PW=alice-$RANDOM-$RANDOM
mkdir -p "$T/etc"
cp /etc/passwd "$T/etc/passwd" && cp /etc/shadow "$T/etc/shadow" || die "copy passwd/shadow"
uid=60100
for u in "$SVC_USER:$SVC_PW" "alice:$ALICE_PW"; do
	while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
	printf '%s:x:%d:65534::/nonexistent:/usr/sbin/nologin\n' "${u%%:*}" "$uid" >>"$T/etc/passwd"
	printf '%s:%s:19000:0:99999:7:::\n' "${u%%:*}" "$(openssl passwd -6 "${u#*:}")" >>"$T/etc/shadow"
	uid=$((uid + 1))
done
chmod 644 "$T/etc/passwd" && chmod 640 "$T/etc/shadow"
mount --bind "$T/etc/passwd" /etc/passwd && mount --bind "$T/etc/shadow" /etc/shadow ||
	die "private /etc/passwd and /etc/shadow"
pam_private_etc "$T/pam.d" || die "private /etc/pam.d"
cat >"$T/pam.d/$SVC" <<EOF
auth    [success=done ignore=ignore default=die] $ROOT/$BUILD_DIR/pam_oidc.so config=$CONF password_users=$SVC_USER
auth    required pam_unix.so
account [success=done ignore=ignore default=die] $ROOT/$BUILD_DIR/pam_oidc.so config=$CONF
account required pam_unix.so
EOF
mkdir -p "$T/dovecot/home/alice" "$T/dovecot/home/$SVC_USER"
dovecot_start "$T/dovecot" "$IMAP_PORT" "passdb {
  driver = pam
  args = $SVC
}" || die "start Dovecot"
chown -R nobody:nogroup "$T/dovecot/home/alice" "$T/dovecot/home/$SVC_USER"
pass "Dovecot $(dovecot --version | cut -d' ' -f1): IMAP on 127.0.0.1:$IMAP_PORT, passdb pam -> $BUILD_DIR/pam_oidc.so (PAM service $SVC)"

P=$T/pf
pf_setup "$P" || die "Postfix instance"
printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_config: $CONF" \
	"oidc_cache_dir: $T/cache-smtp" >"$P/etc/sasl/smtpd.conf"
chmod 644 "$P/etc/sasl/smtpd.conf"
pf_service "$SMTP_PORT" smtpd
pf_start && pf_wait_port "$SMTP_PORT" || die "start Postfix" "$(tail -n 5 "$P/maillog" 2>&1)"
pass "Postfix $(postconf -c "$P/etc" -h mail_version): SMTP on 127.0.0.1:$SMTP_PORT, Cyrus SASL -> $BUILD_DIR/sasl2/libsasl_xoauth2.so"
printf 'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nsent with a token\r\n' >"$T/msg"

# ---- 1-2: the client names its user; the server says where to sign in -------
step 1 "the client names its user (alice), with no token yet"
"$PY" examples/demo/smtp_probe.py "$SMTP_PORT" alice >"$T/probe.json" 2>"$T/probe.err"
say "S: 250-AUTH $(jget "$T/probe.json" mechanisms | xargs)"
say "C: AUTH OAUTHBEARER $(jget "$T/probe.json" client_message)    (base64 on the wire; auth= empty)"
[ "$(jget "$T/probe.json" client_message)" = 'n,a=alice,^Aauth=^A^A' ] &&
	grep -q OAUTHBEARER <<<"$(jget "$T/probe.json" mechanisms)" &&
	pass "Postfix offers OAUTHBEARER; the client sent a=alice" ||
	fail "the discovery exchange" "$(cat "$T/probe.json" "$T/probe.err" 2>&1)"

step 2 "the server answers where to sign in (RFC 7628 error JSON)"
OPENID=$(jget "$T/probe.json" challenge openid-configuration)
say "S: 334 $(jget "$T/probe.json" challenge)    (decoded)"
say "C: ^A    S: $(jget "$T/probe.json" code) $(jget "$T/probe.json" text)"
if [ "$OPENID" = "$IDP_ISSUER/.well-known/openid-configuration" ]; then
	pass "openid-configuration names the provider: $OPENID"
else
	fail "openid-configuration names the provider" "got '$OPENID'"
fi
curl -sS --cacert "$IDP_CA" --max-time 10 "$OPENID" >"$T/disc.json" 2>&1
say "the client reads it: issuer $(jget "$T/disc.json" issuer)," \
	"    device_authorization_endpoint $(jget "$T/disc.json" device_authorization_endpoint)"
[ "$(jget "$T/disc.json" issuer)" = "$IDP_ISSUER" ] &&
	pass "the discovery document is the provider's" ||
	fail "the discovery document is the provider's" "$(head -c 300 "$T/disc.json")"

# ---- 3: the user signs in at the provider (device flow) ---------------------
step 3 "the user authenticates at the provider: device flow (RFC 8628)"
say "\$ oidc-auth login --config oidc-auth.conf --json"
TF=$T/alice-tokens.json
"$CLI" login --config "$CONF" --token-file "$TF" --json --print-token --no-qr \
	>"$T/login.out" 2>"$T/login.err" &
LPID=$!
EV=
for ((i = 0; i < 100; i++)); do
	EV=$(grep -m1 '"device_authorization"' "$T/login.out" 2>/dev/null) && break
	kill -0 "$LPID" 2>/dev/null || break
	sleep 0.1
done
printf '%s\n' "$EV" >"$T/ev.json"
CODE=$(jget "$T/ev.json" user_code) URI=$(jget "$T/ev.json" verification_uri)
if [ -n "$EV" ] && [ -n "$CODE" ]; then
	say "$EV"
	say "verification URI: $URI" "user code:        $CODE"
	pass "oidc-auth login shows where to go and the code to enter"
else
	fail "oidc-auth login shows a user code" "$(cat "$T/login.out" "$T/login.err")"
fi
say "approved automatically by the demo, as the user's browser would after sign-in + MFA" \
	"(open $URI, enter $CODE, sign in as alice, confirm)"
expect "the provider shows \"Sign-in Success\" for alice" idp_device_approve "$CODE" alice
wait "$LPID"
LRC=$?
grep '"signed_in"' "$T/login.out" | tail -n 1 >"$T/signed.json"
say "oidc-auth login: exit $LRC, result $(jget "$T/signed.json" result), user $(jget "$T/signed.json" user)"
[ "$LRC" = 0 ] && [ "$(jget "$T/signed.json" user)" = alice ] &&
	pass "signed in as alice; the CLI validated the token as the servers will" ||
	fail "signed in as alice" "exit $LRC" "$(tail -n 3 "$T/login.err")"

# ---- 4: the tokens ------------------------------------------------------------
step 4 "the provider returns the tokens"
TOK=$(jget "$T/signed.json" access_token)
FP=$(fp "$TOK")
"$PY" - "$TF" <<'PYEOF'
import base64, json, sys, time

def part(tok, i):
    p = tok.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))

t = json.load(open(sys.argv[1]))
at = t["access_token"]
print("    access token: a JWT of %d bytes; header %s" % (len(at), json.dumps(part(at, 0))))
print("    its claims (decoded; the demo never prints a whole token):")
now = int(time.time())
for k, v in part(at, 1).items():
    note = ""
    if k in ("exp", "iat", "auth_time") and isinstance(v, int):
        note = "   (%+d s)" % (v - now)
    print("      %-20s %s%s" % (k, v if isinstance(v, str) else json.dumps(v), note))
if t.get("id_token"):
    c = part(t["id_token"], 1)
    print("    ID token: %d bytes, for the client (aud %s), sub %s, amr %s" %
          (len(t["id_token"]), c.get("aud"), c.get("sub"), json.dumps(c.get("amr"))))
print("    refresh token: %s" % ("yes (%d bytes, kept 0600 for \"oidc-auth token\")" %
                                 len(t["refresh_token"]) if t.get("refresh_token") else "none"))
PYEOF
say "access token fingerprint: sha256:$FP (the audit lines name a token only this way)"
CLAIM_USER=$("$PY" -c 'import base64,json,sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get("preferred_username", ""))' "$TOK" 2>/dev/null)
[ "$CLAIM_USER" = alice ] && pass "a JWT access token for api://mail with preferred_username alice" ||
	fail "the access token names alice" "preferred_username '$CLAIM_USER'"

# ---- 5-7 over IMAP: Dovecot + pam_oidc ------------------------------------------
step 5 "the client sends the token to the server: IMAP (Dovecot, passdb pam -> pam_oidc)"
say "\$ curl imap://127.0.0.1:$IMAP_PORT/ --user 'alice:<access token, ${#TOK} bytes>'"
imap alice "$TOK" quiet
IMAP_OK_REPLY=$IMAP_REPLY IMAP_OK_RC=$IMAP_RC
step 6 "the server validates it: pam_oidc's audit line (pam_syslog, private syslog)"
audit_syslog "pam_oidc\\($SVC:auth\\): result=allow reason=ok .*user=\"alice\"" &&
	grep -q "token=sha256:$FP" <<<"$AUDIT" &&
	pass "result=allow reason=ok for alice, token=sha256:$FP (the token of step 4)" ||
	fail "pam_oidc allowed alice's token" "$(log_new | tail -n 3)"
step 7 "the IMAP session is authenticated"
say "S: $IMAP_OK_REPLY"
sed 's/^/    S: /; s/\r$//' "$T/imap.list"
[ "$IMAP_OK_RC" = 0 ] && grep -q ' OK .*Logged in' <<<"$IMAP_OK_REPLY" &&
	pass "IMAP: logged in as alice with the token (and the mailbox list came back)" ||
	fail "IMAP login with the token" "curl exit $IMAP_RC" "$(tail -n 2 "$T/imap.err")"

# ---- 5-7 over SMTP: Postfix + sasl_xoauth2 -------------------------------------
step 5 "the client sends the token to the server: SMTP AUTH OAUTHBEARER (Postfix, Cyrus SASL -> sasl_xoauth2)"
say "\$ curl smtp://127.0.0.1:$SMTP_PORT --user alice: --oauth2-bearer '<access token>' --upload-file msg ..."
smtp alice "$TOK"
step 6 "the server validates it (Postfix maillog_file)"
audit_maillog "sasl_method=OAUTHBEARER, sasl_username=alice" &&
	! grep -q 'oidc-auth sasl: .*result=deny' <<<"$SMTP_LOG" &&
	pass "Postfix logs the SASL login of alice; no refusal from the plugin" ||
	fail "Postfix logs the SASL login of alice" "$(tail -n 3 "$P/maillog")"
say "(the plugin logs an allow as a SASL \"note\", which Postfix shows only in verbose mode," \
	" and verbose mode would log the decoded SASL exchange, token included; refusals are" \
	" logged with the plugin's own audit line, see below)"
step 7 "the SMTP session is authenticated"
[ "$SMTP_RC" = 0 ] && grep -q '^235 ' "$T/smtp.out" && grep -q '^250 2.0.0 Ok: queued' "$T/smtp.out" &&
	pass "SMTP: 235 Authentication successful, the message was accepted" ||
	fail "SMTP AUTH with the token" "curl exit $SMTP_RC" "$(tail -n 3 "$T/smtp.err")"

# ---- refused: another user's token --------------------------------------------
step refused "refused: another user's token (IMAP), an expired token (SMTP)"
if idp_device_login bob api://mail "openid profile mail.read"; then
	BOB=$IDP_ACCESS_TOKEN
	pass "bob's token from the provider (device flow, approved by the demo): sha256:$(fp "$BOB")"
else
	BOB=not-a-token
	fail "bob's token from the provider"
fi
say "\$ curl imap://127.0.0.1:$IMAP_PORT/ --user 'alice:<bob's access token>'"
imap alice "$BOB"
audit_syslog "pam_oidc\\($SVC:auth\\): result=deny reason=[a-z_]+ .*user=\"alice\"" &&
	grep -q 'reason=user_mismatch' <<<"$AUDIT" && [ "$IMAP_RC" != 0 ] &&
	grep -qE '^A[0-9]+ NO' <<<"$IMAP_REPLY" &&
	pass "IMAP refused; audit reason=user_mismatch (token of bob, login as alice)" ||
	fail "IMAP refuses bob's token for alice" "curl exit $IMAP_RC" "$(log_new | tail -n 2)"
EXPIRED=$("$PY" - "$D/jwks.json" "$BOB" <<'PYEOF'
import base64, json, sys, time
import jwt
key = [k for k in json.load(open(sys.argv[1]))["keys"] if k["kty"] == "RSA"][0]
p = sys.argv[2].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
now = int(time.time())
claims.update(iat=now - 7200, exp=now - 3600)
priv = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
print(jwt.encode(claims, priv, algorithm="RS256", headers={"typ": "at+jwt", "kid": key["kid"]}))
PYEOF
)
say "bob's token as it was an hour ago: same claims, expired (re-signed with the provider's" \
	"test key by PyJWT: the provider itself only issues fresh tokens)"
say "\$ curl smtp://127.0.0.1:$SMTP_PORT --user bob: --oauth2-bearer '<expired token>' ..."
smtp bob "$EXPIRED"
audit_maillog "oidc-auth sasl: mech=OAUTHBEARER result=deny reason=[a-z_]+" &&
	grep -q 'reason=token_expired' <<<"$AUDIT" && grep -q '^535 ' "$T/smtp.out" &&
	pass "SMTP refused (535); audit reason=token_expired" ||
	fail "SMTP refuses an expired token" "curl exit $SMTP_RC" "$(tail -n 3 "$P/maillog")"

# ---- a password-allowed service account ----------------------------------------
step passwords "$SVC_USER may use a password (password_users=$SVC_USER); alice may not"
say "\$ curl imap://127.0.0.1:$IMAP_PORT/ --user '$SVC_USER:<its Unix password>'"
imap "$SVC_USER" "$SVC_PW"
audit_syslog "result=ignore reason=password_fallthrough .*user=\"$SVC_USER\"" &&
	[ "$IMAP_RC" = 0 ] && grep -q ' OK .*Logged in' <<<"$IMAP_REPLY" &&
	pass "$SVC_USER logged in: pam_oidc passed the password on (PAM_IGNORE), pam_unix checked it" ||
	fail "$SVC_USER logs in with its password" "curl exit $IMAP_RC" "$(log_new | tail -n 2)"
say "\$ curl imap://127.0.0.1:$IMAP_PORT/ --user '$SVC_USER:<a wrong password>'"
imap "$SVC_USER" "wrong-$SVC_PW"
audit_syslog "result=ignore reason=password_fallthrough .*user=\"$SVC_USER\"" &&
	[ "$IMAP_RC" != 0 ] && grep -qE '^A[0-9]+ NO' <<<"$IMAP_REPLY" &&
	pass "a wrong password for $SVC_USER is refused (by pam_unix: the password decides)" ||
	fail "a wrong password for $SVC_USER is refused" "curl exit $IMAP_RC" "$(log_new | tail -n 2)"
say "\$ curl imap://127.0.0.1:$IMAP_PORT/ --user 'alice:<her correct Unix password>'"
imap alice "$ALICE_PW"
audit_syslog "result=deny reason=password_not_allowed .*user=\"alice\"" &&
	[ "$IMAP_RC" != 0 ] && grep -qE '^A[0-9]+ NO' <<<"$IMAP_REPLY" &&
	pass "alice's password refused: she is token-only (reason=password_not_allowed)" ||
	fail "alice's password is refused" "curl exit $IMAP_RC" "$(log_new | tail -n 2)"

# ---- nothing leaked ------------------------------------------------------------
step logs "no token in any log"
LEAK=0
for tok in "$TOK" "$BOB" "$EXPIRED"; do
	grep -qF -- "${tok##*.}" "$SYSLOG" "$P/maillog" "$T/dovecot/dovecot.log" && LEAK=1
done
[ "$LEAK" = 0 ] && pass "no token signature in the syslog, Postfix's or Dovecot's log" ||
	fail "a token signature appears in a log"

printf '\n'
if [ "$N_FAIL" = 0 ]; then
	printf 'demo: all %d checks passed in %d s\n' "$N_OK" $((SECONDS - T0))
	exit 0
fi
printf 'demo: %d of %d checks FAILED (%d s)\n' "$N_FAIL" $((N_OK + N_FAIL)) $((SECONDS - T0))
exit 1
