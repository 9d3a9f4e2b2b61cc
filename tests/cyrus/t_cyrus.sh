#!/usr/bin/env bash
# tests/cyrus/t_cyrus.sh - the SASL plugin inside a real Cyrus IMAPd (Debian's cyrus-imapd
# 3.6: cyrmaster and imapd from a private imapd.conf/cyrus.conf, plugin from build/sasl2 via
# SASL_PATH), set up as docs/recipes/cyrus-imapd.md says: sasl_oidc_* options in imapd.conf,
# an oidc-auth.conf readable by "cyrus", a cache_dir owned by it, allowplaintext: no, TLS.
# Clients: curl --oauth2-bearer (initial response on the AUTHENTICATE line), Python's imaplib
# (no initial response, answers error challenges) and Cyrus's own imtest with the plugin's
# client side. Tokens: JWTs made here by PyJWT (jwks_file issuer) and access tokens from the
# real OpenID provider (keys by discovery over HTTPS, cached in cache_dir). Private network,
# PID and mount namespaces; Cyrus logs to a private /dev/log.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/cyrus/lib.sh
# before the network namespace: imapd may have to come from the cyrus-imapd .deb (lib.sh)
[ -n "${OIDC_PAM_NS:-}" ] || cy_find_imapd fetch
pam_enter_ns cyrus "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
t_init cyrus "$@"
trap 'cy_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

PLUG=$(cd "$BUILD_DIR/sasl2" 2>/dev/null && pwd) ||
	{ not_ok "cyrus: $BUILD_DIR/sasl2 missing (run make)"; t_done; exit 1; }
[ -x "$CY_MASTER" ] || { not_ok "cyrus: cyrus-common is not installed"; t_done; exit 1; }
cy_find_imapd || { not_ok "cyrus: no imapd: neither cyrus-imapd installed nor $CY_IMAPD" \
	"$(cat "${CY_IMAPD%/usr/lib/cyrus/bin/imapd}.log" 2>/dev/null)"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "cyrus: private /dev/log"; t_done; exit 1; }

# ---- keys and tokens made by PyJWT (not by our code) ------------------------------
K=$T_TMP/keys
mkdir -p "$K"
"$PY" - "$K" <<'PYEOF' || { not_ok "cyrus: make keys and tokens"; t_done; exit 1; }
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
pub.update(kid="cy1", alg="RS256", use="sig")
json.dump({"keys": [pub]}, open(d + "/jwks.json", "w"))
now = int(time.time())
# file: (preferred_username, seconds to exp, aud, scope, padding)
tokens = {
    "alice": ("Alice@Example.COM", 600, "api://mail", "mail.read", 0),
    "bob": ("bob@example.com", 600, "api://mail", "mail.read", 0),
    "admin": ("admin", 600, "api://mail", "mail.read", 0),
    "mailproxy": ("mailproxy", 600, "api://mail", "mail.read", 0),
    "expired": ("alice", -3600, "api://mail", "mail.read", 0),
    "wrongaud": ("alice", 600, "api://other", "mail.read", 0),
    "noscope": ("alice", 600, "api://mail", "mail.send", 0),
    "big": ("alice", 600, "api://mail", "mail.read", 6000),
}
for name, (user, ttl, aud, scope, pad) in tokens.items():
    claims = {"iss": "https://jwt.example.test", "aud": aud, "sub": "id-" + name,
              "preferred_username": user, "scope": scope, "iat": now, "exp": now + ttl}
    if pad:
        claims["pad"] = "p" * pad
    tok = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "cy1", "typ": "at+jwt"})
    open("%s/%s.tok" % (d, name), "w").write(tok)
PYEOF
chmod 755 "$K" && chmod 644 "$K"/*

# ---- the real provider: its CA also signs Cyrus's TLS certificate ------------------
D=$T_TMP/idp
pam_idp_up "$D" 8443 || { not_ok "cyrus: start the OpenID provider"; t_done; exit 1; }
chmod 755 "$D" && chmod 644 "$D/ca.pem"
idp_token_cc api://mail mail.read Alice@Example.COM >"$K/idp_alice.tok" ||
	not_ok "cyrus: token from the provider"
TLS=$T_TMP/tls
mkdir -p "$TLS" && cp "$D/server.pem" "$D/server.key" "$TLS/" &&
	chown -R cyrus:mail "$TLS" && chmod 600 "$TLS/server.key"

# ---- oidc-auth.conf as in the recipe, with a second issuer for the PyJWT tokens ----
mkdir -p "$T_TMP/cache" && chown cyrus:mail "$T_TMP/cache" && chmod 700 "$T_TMP/cache"
cat >"$T_TMP/oidc-auth.conf" <<EOF
audience        = api://mail
algorithms      = RS256
username_claim  = preferred_username
username_map    = lowercase, strip_domain:example.com
required_scopes = mail.read
cache_dir       = $T_TMP/cache

# the PyJWT issuer stands for the same users: the two share names on purpose
[issuer staff]
issuer  = $IDP_ISSUER
ca_file = $IDP_CA
username_namespace = staff

[issuer local]
issuer    = https://jwt.example.test
jwks_file = $K/jwks.json
username_namespace = staff
EOF
chmod 644 "$T_TMP/oidc-auth.conf"
# the same file, readable only by root: what a "chmod 600" does to Cyrus
cp "$T_TMP/oidc-auth.conf" "$T_TMP/root-only.conf" && chmod 600 "$T_TMP/root-only.conf"

# ---- Cyrus ------------------------------------------------------------------------
# One imapd.conf for five imapd services; NAME_option lines are Cyrus's per-service
# overrides (NAME as in cyrus.conf), also for the plugin's sasl_oidc_* options.
C=$T_TMP/cyrus
cy_setup "$C" || { not_ok "cyrus: set up the instance"; t_done; exit 1; }
OPENID=https://sso.example.test/.well-known/openid-configuration
cat >>"$C/imapd.conf" <<EOF
allowplaintext: no
admins: admin
proxyservers: mailproxy
tls_server_cert: $TLS/server.pem
tls_server_key: $TLS/server.key
sasl_mech_list: OAUTHBEARER XOAUTH2 PLAIN
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $C/sasldb2
sasl_oidc_config: $T_TMP/oidc-auth.conf
sasl_oidc_openid_configuration: $OPENID
sasl_oidc_sasl_hosts: 127.0.0.1
imap_sasl_oidc_sasl_port: 1143
imaps_sasl_oidc_sasl_port: 1993
imapnp_sasl_oidc_sasl_noplaintext: yes
imapro_sasl_oidc_config: $T_TMP/root-only.conf
imapvd_virtdomains: userid
imapvd_defaultdomain: example.com
autocreate_quota: 0
failedloginpause: 0
EOF
cy_service imap 1143         # STARTTLS
cy_service imaps 1993 -s     # implicit TLS
cy_service imapnp 1144       # with sasl_oidc_sasl_noplaintext: yes
cy_service imapro 1145       # its oidc-auth.conf is readable only by root
cy_service imapvd 1994 -s    # virtdomains: userid, defaultdomain: example.com
# a password account next to the tokens: PLAIN with a sasldb that holds only it
echo s3cret | saslpasswd2 -p -c -f "$C/sasldb2" -u imap.example.test svc &&
	chown cyrus:mail "$C/sasldb2" && chmod 600 "$C/sasldb2" || not_ok "cyrus: make the sasldb"
# PLAIN and sasldb come from the system's plugin folder: SASL_PATH replaces it, so list both
CY_SASL_PATH="$PLUG:/usr/lib/$(gcc -print-multiarch)/sasl2"
if cy_start; then
	ok "cyrus: cyrmaster up with imapd on 127.0.0.1:1143 (STARTTLS), :1993 (imaps) and more"
else
	not_ok "cyrus: start cyrmaster" "$(tail -n 20 "$SYSLOG")" "$(cat "$C/master.log")"
	t_done
	exit 1
fi

CA=$D/ca.pem
# login NAME EXPR ARGS...: one imaplib AUTHENTICATE (tests/cyrus/imap_auth.py ARGS); ok when
# the Python expression EXPR holds for its result d
login() {
	local name=$1 expr=$2
	shift 2
	T_LAST=(imap_auth.py "$@" --expect "$expr")
	"$PY" tests/cyrus/imap_auth.py --cafile "$CA" --expect "$expr" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	expect_exit "$name" 0
}
OFFERED='"AUTH=OAUTHBEARER" in d["caps"] and "AUTH=XOAUTH2" in d["caps"]'
NOT_OFFERED='not any(c in d["caps"] for c in ("AUTH=OAUTHBEARER", "AUTH=XOAUTH2"))'
ALICE='d["ok"] and d["acl"].split()[:2] == ["INBOX", "alice"]'
BOB='d["ok"] and d["acl"].split()[:2] == ["INBOX", "bob"]'
PLAINTEXT_NO='d["text"] == "encryption needed to use mechanism"'

# ---- transport: allowplaintext: no -------------------------------------------------
log_mark
login "cleartext, allowplaintext: no: mechanisms not offered, AUTHENTICATE refused" \
	"$NOT_OFFERED and \"LOGINDISABLED\" in d[\"caps\"] and not d[\"ok\"] and ($PLAINTEXT_NO)" \
	1143 OAUTHBEARER "$K/alice.tok" --tls none
if log_new | grep -q 'oidc-auth sasl: mech='; then
	not_ok "cleartext: the token never reached the plugin" "$(log_new | tail -n 3)"
else
	ok "cleartext: the token never reached the plugin"
fi
login "STARTTLS: both offered; OAUTHBEARER logs in as alice (token user Alice@Example.COM)" \
	"$OFFERED and $ALICE" 1143 OAUTHBEARER "$K/alice.tok" --tls starttls
login "imaps: both offered; XOAUTH2 logs in as alice" "$OFFERED and $ALICE" \
	1993 XOAUTH2 "$K/alice.tok"
login "sasl_oidc_sasl_noplaintext: yes (service imapnp): offered in cleartext despite allowplaintext: no" \
	"$OFFERED" 1144 OAUTHBEARER "$K/alice.tok" --tls none
log_mark
# a configuration the plugin refuses keeps the mechanisms offered and answers each login with
# a temporary failure (docs/sasl_xoauth2.md, "When the configuration is refused")
login "config readable only by root (service imapro): still offered, NO with a temporary failure" \
	"$OFFERED and not d[\"ok\"] and d[\"text\"] == \"transient failure (e.g., weak key)\" and d[\"challenge\"] is None" \
	1145 OAUTHBEARER "$K/alice.tok" --tls starttls
expect_log "... and the log says why" \
	'imapro\[[0-9]+\]: SASL oidc-auth sasl: OAUTHBEARER and XOAUTH2 answer every login with a temporary failure until this is fixed: configuration refused: .*root-only.conf: cannot open: Permission denied \(config_error\)'
expect_log "... and one audit line for the attempt: result=tempfail reason=config_error" \
	'imapro\[[0-9]+\]: SASL oidc-auth sasl: mech=OAUTHBEARER result=tempfail reason=config_error '

# ---- curl: initial response on the AUTHENTICATE line (SASL-IR) ---------------------
curl_imap() {   # URL MECH USER SECRET-FILE [curl args...]; MECH PLAIN: the file is a password
	local cred=(--user "$3:" --oauth2-bearer "$(cat "$4")")
	[ "$2" = PLAIN ] && cred=(--user "$3:$(cat "$4")")
	T_LAST=(curl "$1" --login-options "AUTH=$2" --user "$3" "<$4>" "${@:5}")
	curl -sS --max-time 20 --cacert "$CA" "$1" --login-options "AUTH=$2" "${cred[@]}" \
		"${@:5}" >"$OUT" 2>"$ERR"
	RC=$?
}
# curl 7.88 sends OAUTHBEARER whenever it is offered, even with --login-options AUTH=XOAUTH2:
# XOAUTH2 is left to imaplib and imtest
log_mark
curl_imap imaps://127.0.0.1:1993/ OAUTHBEARER alice "$K/alice.tok" -X NOOP
expect_exit "curl imaps OAUTHBEARER (a=alice, host and port kvpairs): logged in" 0
expect_log "... audit line: mech=OAUTHBEARER result=allow user=\"alice\"" \
	'oidc-auth sasl: mech=OAUTHBEARER result=allow reason=ok user="alice" authzid="alice" iss="https://jwt.example.test"'
expect_log "... Cyrus logs the login of alice with OAUTHBEARER+TLS" \
	'imaps\[[0-9]+\]: login: .* alice OAUTHBEARER\+TLS User logged in'
log_mark
curl_imap imap://127.0.0.1:1143/ OAUTHBEARER alice "$K/alice.tok" --ssl-reqd -X NOOP
expect_exit "curl STARTTLS OAUTHBEARER (port=1143, imap_sasl_oidc_sasl_port: 1143): logged in" 0
expect_log "... as alice" 'imap\[[0-9]+\]: login: .* alice OAUTHBEARER\+TLS User logged in'
curl_imap imaps://127.0.0.1:1993/ OAUTHBEARER alice "$K/big.tok" -X NOOP
expect_exit "curl: a $(wc -c <"$K/big.tok")-byte token on the AUTHENTICATE line" 0
login "imaplib: the same token after the empty continuation" "$ALICE" \
	1993 OAUTHBEARER "$K/big.tok"

# ---- passwords for one account next to the tokens: PLAIN + sasldb -------------------
printf s3cret >"$T_TMP/svc.pw"
curl_imap imaps://127.0.0.1:1993/ PLAIN svc "$T_TMP/svc.pw" -X NOOP
expect_exit "PLAIN over TLS with the sasldb account svc: logged in" 0
curl_imap imaps://127.0.0.1:1993/ PLAIN alice "$K/alice.tok" -X NOOP
expect_exit "PLAIN with alice's token as the password: refused (curl 67)" 67
curl_imap imap://127.0.0.1:1143/ PLAIN svc "$T_TMP/svc.pw" -X NOOP
expect_exit "PLAIN in cleartext (allowplaintext: no): refused (curl 67)" 67

# ---- refused tokens: RFC 7628 error challenge, audit reason ------------------------
CHALLENGE="d[\"challenge\"] == {\"status\": \"invalid_token\", \"scope\": \"mail.read\", \"openid-configuration\": \"$OPENID\"}"
log_mark
login "expired: invalid_token challenge (scope, openid-configuration), %x01, NO" \
	"$CHALLENGE and not d[\"ok\"] and d[\"text\"] == \"authentication failure\"" \
	1993 OAUTHBEARER "$K/expired.tok"
expect_log "expired: audit reason token_expired" \
	'oidc-auth sasl: mech=OAUTHBEARER result=deny reason=token_expired user="" authzid="" iss="https://jwt.example.test" kid="cy1" token=sha256:[0-9a-f]+'
log_mark
login "XOAUTH2 expired: 401 challenge, empty answer, NO" \
	'd["challenge"] == {"status": "401", "schemes": "bearer", "scope": "mail.read"} and not d["ok"]' \
	1993 XOAUTH2 "$K/expired.tok"
expect_log "XOAUTH2 expired: audit reason token_expired" \
	'mech=XOAUTH2 result=deny reason=token_expired'
log_mark
login "wrong audience: invalid_token challenge, NO" "$CHALLENGE and not d[\"ok\"]" \
	1993 OAUTHBEARER "$K/wrongaud.tok"
expect_log "wrong audience: audit reason wrong_audience" \
	'mech=OAUTHBEARER result=deny reason=wrong_audience'
log_mark
login "scope missing: insufficient_scope challenge, NO" \
	'd["challenge"]["status"] == "insufficient_scope" and not d["ok"]' \
	1993 OAUTHBEARER "$K/noscope.tok"
expect_log "scope missing: audit reason insufficient_scope" \
	'mech=OAUTHBEARER result=deny reason=insufficient_scope'
login "expired, client sends its message again after the challenge: NO" \
	"$CHALLENGE and not d[\"ok\"]" 1993 OAUTHBEARER "$K/expired.tok" --answer resend
login "expired, client cancels after the challenge: BAD" \
	"$CHALLENGE and not d[\"ok\"] and \"BAD\" in d[\"text\"]" \
	1993 OAUTHBEARER "$K/expired.tok" --answer abort
log_mark
login "port=143 sent to the imaps service (imaps_sasl_oidc_sasl_port: 1993): invalid_request" \
	'd["challenge"]["status"] == "invalid_request" and not d["ok"]' \
	1993 OAUTHBEARER "$K/alice.tok" --kvport 143
expect_log "port mismatch: audit reason wrong_host" 'mech=OAUTHBEARER result=deny reason=wrong_host'
log_mark
login "host=evil.example (sasl_oidc_sasl_hosts: 127.0.0.1): invalid_request" \
	'd["challenge"]["status"] == "invalid_request" and not d["ok"]' \
	1993 OAUTHBEARER "$K/alice.tok" --host evil.example
expect_log "host mismatch: audit reason wrong_host" 'mech=OAUTHBEARER result=deny reason=wrong_host'
log_mark
curl_imap imaps://127.0.0.1:1993/ OAUTHBEARER alice "$K/expired.tok" -X NOOP
expect_exit "curl with an expired token: login denied (curl 67)" 67
expect_log "... Cyrus logs badlogin" 'badlogin: .* OAUTHBEARER '

# ---- identities: a=/user= and Cyrus's proxy policy ---------------------------------
log_mark
login "bob's token asking a=alice: refused (no challenge: the token was good)" \
	'not d["ok"] and d["challenge"] is None' 1993 OAUTHBEARER "$K/bob.tok" --authzid alice
expect_log "... plugin hands the decision to Cyrus: reason=ok_authzid_to_proxy_policy" \
	'mech=OAUTHBEARER result=allow reason=ok_authzid_to_proxy_policy user="bob" authzid="alice"'
expect_log "... Cyrus refuses: user bob is not allowed to proxy" \
	'badlogin: .* OAUTHBEARER \(alice\) .*user bob is not allowed to proxy'
login "XOAUTH2: bob's token with user=alice: refused" 'not d["ok"]' \
	1993 XOAUTH2 "$K/bob.tok" --authzid alice
login "alice's token asking a=bob (alice is no admin): refused" 'not d["ok"]' \
	1993 OAUTHBEARER "$K/alice.tok" --authzid bob
login "a=alice with alice's token: allowed (equal names)" "$ALICE" \
	1993 OAUTHBEARER "$K/alice.tok" --authzid alice
login "a=Alice with alice's token: allowed (Cyrus lowercases, username_tolower)" "$ALICE" \
	1993 OAUTHBEARER "$K/alice.tok" --authzid Alice
# the address a client signs in with: username_map (strip_domain:example.com) makes it alice,
# so it is alice's own login, not a proxy request, also with Cyrus's virtdomains off
log_mark
login "a=alice@example.com with alice's token (username_map strips the domain): alice" \
	"$ALICE" 1993 OAUTHBEARER "$K/alice.tok" --authzid alice@example.com
expect_log "... the plugin's audit line: reason=ok, not a proxy request" \
	'result=allow reason=ok user="alice" authzid="alice@example.com"'
login "XOAUTH2 user=alice@example.com with alice's token: alice" \
	"$ALICE" 1993 XOAUTH2 "$K/alice.tok" --authzid alice@example.com
login "a=alice@other.example with alice's token: another domain stays a proxy request, refused" \
	'not d["ok"]' 1993 OAUTHBEARER "$K/alice.tok" --authzid alice@other.example
login "virtdomains: userid + defaultdomain (imapvd): a=alice@example.com logs in as alice" \
	"$ALICE" 1994 OAUTHBEARER "$K/alice.tok" --authzid alice@example.com
login "virtdomains: userid + defaultdomain (imapvd): XOAUTH2 user=alice@example.com too" \
	"$ALICE" 1994 XOAUTH2 "$K/alice.tok" --authzid alice@example.com
log_mark
login "admins: admin's token asking a=bob: logged in as bob" "$BOB" \
	1993 OAUTHBEARER "$K/admin.tok" --authzid bob
expect_log "... Cyrus logs the login of bob (the audit line names admin)" \
	'login: .* bob OAUTHBEARER\+TLS User logged in'
login "admins: XOAUTH2 user=bob with admin's token: logged in as bob" "$BOB" \
	1993 XOAUTH2 "$K/admin.tok" --authzid bob
login "proxyservers: mailproxy's token asking a=bob: logged in as bob" "$BOB" \
	1993 OAUTHBEARER "$K/mailproxy.tok" --authzid bob

# ---- a provider token: keys by discovery over HTTPS, cache_dir owned by cyrus -------
log_mark
login "provider token (keys fetched by imapd running as cyrus): logged in as alice" "$ALICE" \
	1993 OAUTHBEARER "$K/idp_alice.tok"
expect_log "... audit line names the provider as issuer" \
	"mech=OAUTHBEARER result=allow reason=ok user=\"alice\" authzid=\"\" iss=\"$IDP_ISSUER\""
if [ -n "$(find "$T_TMP/cache" -type f -user cyrus)" ] &&
	[ -z "$(find "$T_TMP/cache" ! -user cyrus)" ]; then
	ok "cache_dir: the documents are cached there, owned by cyrus"
else
	not_ok "cache_dir: the documents are cached there, owned by cyrus" \
		"$(ls -lR "$T_TMP/cache")"
fi

# ---- imtest: Cyrus's client, with the plugin's client side --------------------------
imtest_() {   # PORT MECH [TLS options...]: alice's token as the password
	local port=$1 mech=$2
	shift 2
	T_LAST=(imtest "$@" -p "$port" -m "$mech" -a alice -w "<alice.tok>" 127.0.0.1)
	echo ". LOGOUT" | env "${SAN_ENV[@]}" SASL_PATH="$PLUG" /usr/lib/cyrus/bin/imtest "$@" \
		-p "$port" -m "$mech" -a alice -w "$(cat "$K/alice.tok")" 127.0.0.1 >"$OUT" 2>"$ERR"
	RC=$?
}
imtest_ 1993 OAUTHBEARER -s
check "imtest -s -m OAUTHBEARER -a alice -w TOKEN (imaps): Authenticated" \
	grep -qx 'Authenticated\.' "$OUT"
imtest_ 1143 XOAUTH2 -t ""
check "imtest -t \"\" -m XOAUTH2 (STARTTLS): Authenticated" grep -qx 'Authenticated\.' "$OUT"
imtest_ 1143 OAUTHBEARER
check "imtest without TLS (allowplaintext: no): the server does not advertise AUTH=OAUTHBEARER" \
	grep -q 'Server did not advertise AUTH=OAUTHBEARER' "$OUT"

# ---- secrets, sanitizers ------------------------------------------------------------
leaks=0
for t in alice expired big idp_alice; do
	grep -qF "$(cut -d. -f3 "$K/$t.tok")" "$SYSLOG" "$C/master.log" && leaks=$((leaks + 1))
done
if [ "$leaks" -eq 0 ]; then
	ok "syslog and master.log never hold a token signature"
else
	not_ok "syslog and master.log never hold a token signature" "$leaks tokens found"
fi
cy_stop
if [ -z "$(ls -A "$C/san")" ]; then
	ok "no sanitizer report from cyrmaster, imapd or the plugin (SANITIZE=${SANITIZE:-0})"
else
	not_ok "no sanitizer report from cyrmaster, imapd or the plugin (SANITIZE=${SANITIZE:-0})" \
		"$(head -n 40 "$C"/san/*)"
fi
[ "$T_FAIL" -eq 0 ] || t_diag "syslog tail:" "$(tail -n 30 "$SYSLOG")"
t_done
