#!/usr/bin/env bash
# tests/demo/t_demo.sh - `make demo` works: runs examples/demo/demo.sh (install step
# skipped: DEMO_SKIP_INSTALL=1) and checks, from what it printed, each step of the flow
# with patterns of its own (the demo's own "ok:" verdicts are not trusted alone): the
# discovery JSON, the device flow, the token's claims, the audit lines of pam_oidc and
# the SASL plugin tied to that token by fingerprint, IMAP OK / SMTP 235, the refusals
# with their reason codes, the service account; then that no whole token was printed,
# the demo left no process, mount or work directory behind and the host's /etc/passwd,
# /etc/shadow and /etc/pam.d are untouched. The demo makes its own namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
t_init demo "$@"

if [ "$(id -u)" != 0 ]; then
	not_ok "demo: runs as root (private namespaces, Dovecot, Postfix)"
	t_done
	exit 1
fi
# the host's files the demo replaces in its namespace (other tests may add
# and remove their own /etc/pam.d files meanwhile: files present before and
# after must be unchanged)
host_state() {
	sha256sum /etc/passwd /etc/shadow
	stat -c '%n %F %t:%T' /dev/null /dev/zero /dev/urandom /dev/tty
}
host_state >"$T_TMP/host.before"
(cd /etc/pam.d && sha256sum -- *) >"$T_TMP/pam.before" 2>/dev/null

t0=$SECONDS
DEMO_SKIP_INSTALL=1 timeout 170 examples/demo/demo.sh >"$OUT" 2>"$ERR" </dev/null
RC=$?
took=$((SECONDS - t0))
T_LAST=(DEMO_SKIP_INSTALL=1 examples/demo/demo.sh)

# section LABEL [N]: the lines of the Nth (default 1st) "[LABEL] ..." block of the output
section() {
	awk -v want="[$1]" -v n="${2:-1}" '
		/^\[[^]]*\] / { hit = ($1 == want) ? ++seen == n : 0; next }
		hit' "$OUT"
}
# has NAME LABEL N ERE: ok when section LABEL (Nth) has a line matching ERE
has() {
	if section "$2" "$3" | grep -qE -- "$4"; then
		ok "demo: $1"
	else
		not_ok "demo: $1" "no line matching: $4" "in [$2] #$3:" \
			"$(section "$2" "$3" | head -n 12)"
	fi
}
# all_of NAME LABEL N ERE...: every ERE matches a line of the section
all_of() {
	local name=$1 label=$2 n=$3 re
	shift 3
	for re in "$@"; do
		section "$label" "$n" | grep -qE -- "$re" ||
			{ not_ok "demo: $name" "no line matching: $re" "in [$label] #$n:" \
				"$(section "$label" "$n" | head -n 12)"; return; }
	done
	ok "demo: $name"
}

if [ "$RC" = 0 ] && tail -n 1 "$OUT" | grep -qE '^demo: all [0-9]+ checks passed in [0-9]+ s$'; then
	ok "demo: exit 0 and its summary line ($(tail -n 1 "$OUT"))"
else
	not_ok "demo: exit 0 and its summary line" "exit $RC" "$(grep -A2 FAILED "$OUT" | head -n 20)" \
		"last lines: $(tail -n 3 "$OUT" | tr '\n' '|')" "stderr: $(tail -n 5 "$ERR" | tr '\n' '|')"
fi
if grep -q '^    FAILED' "$OUT"; then
	not_ok "demo: no step reported FAILED" "$(grep -A2 '^    FAILED' "$OUT" | head -n 20)"
else
	ok "demo: no step reported FAILED"
fi
all_of "setup: provider, Dovecot and Postfix up" setup 1 \
	'ok: OpenID provider .* at https://127\.0\.0\.1:8443' \
	'ok: Dovecot 2\.[0-9.]+: IMAP on 127\.0\.0\.1:1143, passdb pam -> build/pam_oidc\.so' \
	'ok: Postfix 3\.[0-9.]+: SMTP on 127\.0\.0\.1:2525, Cyrus SASL -> build/sasl2/libsasl_xoauth2\.so'
all_of "1: the client names alice in an OAUTHBEARER message with an empty auth=" 1 1 \
	'S: 250-AUTH .*OAUTHBEARER' '^    C: AUTH OAUTHBEARER n,a=alice,\^Aauth=\^A\^A '
all_of "2: the server answers with the openid-configuration JSON, then 535" 2 1 \
	'S: 334 \{"status": "invalid_token".*"openid-configuration": "https://127\.0\.0\.1:8443/\.well-known/openid-configuration"\}' \
	'S: 535 ' 'issuer https://127\.0\.0\.1:8443,'
all_of "3: device flow: verification URI and user code shown, approval said so, signed in" 3 1 \
	'"event":"device_authorization"' \
	'^    verification URI: https://127\.0\.0\.1:8443/device$' \
	'^    user code: +[A-Z]{4}-[A-Z]{4}$' \
	"approved automatically by the demo, as the user's browser would after sign-in \\+ MFA" \
	'oidc-auth login: exit 0, result ok, user alice$'
all_of "4: the access token's decoded claims and its fingerprint" 4 1 \
	'header \{"alg": "RS256", "typ": "at\+jwt", "kid": "rsa-' \
	'^      preferred_username +alice$' '^      aud +api://mail$' \
	'^      iss +https://127\.0\.0\.1:8443$' '^      amr +\["pwd", "mfa"\]$' \
	'^    access token fingerprint: sha256:[0-9a-f]{16} '
FP=$(section 4 | sed -n 's/.*access token fingerprint: sha256:\([0-9a-f]\{16\}\).*/\1/p')
[ -n "$FP" ] || FP=no-fingerprint-printed
has "5 IMAP: curl logs in with AUTHENTICATE PLAIN" 5 1 '^    C: A[0-9]+ AUTHENTICATE PLAIN'
has "6 IMAP: pam_oidc audit line allows alice, for the token of step 4" 6 1 \
	"pam_oidc\\(oidc-demo:auth\\): result=allow reason=ok mode=token user=\"alice\" mapped=\"alice\" .*token=sha256:$FP\$"
all_of "7 IMAP: logged in, the mailbox list came back" 7 1 \
	'^    S: A[0-9]+ OK .*Logged in' '^    S: \* LIST .*INBOX'
has "5 SMTP: curl --oauth2-bearer gets 235" 5 2 '^    S: 235 '
has "6 SMTP: Postfix logs the SASL login of alice by OAUTHBEARER" 6 2 \
	'maillog: smtpd\[[0-9]+\]: [0-9A-F]+: client=localhost\[127\.0\.0\.1\], sasl_method=OAUTHBEARER, sasl_username=alice$'
has "7 SMTP: the message is accepted after AUTH" 5 2 '^    S: 250 2\.0\.0 Ok: queued'
all_of "refused: bob's token as alice over IMAP: NO, reason=user_mismatch" refused 1 \
	'S: A[0-9]+ NO ' 'pam_oidc\(oidc-demo:auth\): result=deny reason=user_mismatch mode=token user="alice" mapped="bob"'
all_of "refused: an expired token over SMTP: 535, the plugin's reason=token_expired" refused 1 \
	'^    S: 535 ' 'SASL authentication failure: oidc-auth sasl: mech=OAUTHBEARER result=deny reason=token_expired '
section passwords >"$T_TMP/pw"
if awk '/--user .svc-backup:<its Unix password>/ { s = 1 } s == 1 && /S: A[0-9]+ OK .*Logged in/ { s = 2 }
	s == 2 && /result=ignore reason=password_fallthrough .*user="svc-backup"/ { s = 3 } END { exit s != 3 }' \
	"$T_TMP/pw"; then
	ok "demo: service account: svc-backup logs in with its password (password_fallthrough)"
else
	not_ok "demo: service account: svc-backup logs in with its password" "$(head -n 8 "$T_TMP/pw")"
fi
if awk '/--user .alice:<her correct Unix password>/ { s = 1 } s == 1 && /S: A[0-9]+ NO / { s = 2 }
	s == 2 && /result=deny reason=password_not_allowed .*user="alice"/ { s = 3 } END { exit s != 3 }' \
	"$T_TMP/pw"; then
	ok "demo: service account: alice's correct password is refused (password_not_allowed)"
else
	not_ok "demo: service account: alice's correct password is refused" "$(tail -n 8 "$T_TMP/pw")"
fi

if grep -qE 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}' "$OUT" "$ERR"; then
	not_ok "demo: no whole token printed"
else
	ok "demo: no whole token printed"
fi
WD=$(sed -n 's/.*work dir \(\/tmp\/oidc-demo-[A-Za-z0-9]*\)).*/\1/p' "$OUT" | head -n 1)
if [ -n "$WD" ] && [ ! -e "$WD" ]; then
	ok "demo: its work directory $WD is gone"
else
	not_ok "demo: its work directory is gone" "work dir '$WD'"
fi
sleep 0.5   # the kernel reaps the demo's PID namespace
if [ -n "$WD" ] && pgrep -f -- "$WD" >/dev/null; then
	not_ok "demo: no process of the demo survives" "$(pgrep -af -- "$WD" | head -n 5)"
else
	ok "demo: no process of the demo survives"
fi
host_state >"$T_TMP/host.after" 2>&1
(cd /etc/pam.d && sha256sum -- *) >"$T_TMP/pam.after" 2>/dev/null
awk 'NR == FNR { a[$2] = $1; next } ($2 in a) && a[$2] != $1 { print "changed: /etc/pam.d/" $2 }' \
	"$T_TMP/pam.before" "$T_TMP/pam.after" >>"$T_TMP/host.after"
if cmp -s "$T_TMP/host.before" "$T_TMP/host.after" && [ ! -e /etc/pam.d/oidc-demo ] &&
	! grep -q oidc-demo /proc/self/mountinfo; then
	ok "demo: host /etc/passwd, /etc/shadow, /etc/pam.d, /dev unchanged, no mount left"
else
	not_ok "demo: host /etc/passwd, /etc/shadow, /etc/pam.d, /dev unchanged, no mount left" \
		"$(diff "$T_TMP/host.before" "$T_TMP/host.after" | head -n 10)" \
		"$(ls -l /etc/pam.d/oidc-demo 2>&1; grep oidc-demo /proc/self/mountinfo | head -n 3)"
fi
t_diag "the demo took $took s (goal: under 60 s; not a check: the machine may be loaded)"
[ "$T_FAIL" -eq 0 ] || t_diag "demo output:" "$(cat "$OUT")"
t_done
