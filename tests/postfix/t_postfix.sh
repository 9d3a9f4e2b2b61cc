#!/usr/bin/env bash
# tests/postfix/t_postfix.sh - the SASL plugin inside a real Postfix smtpd (Cyrus SASL,
# smtpd_sasl_type = cyrus, plugin from build/sasl2), driven by real clients: curl
# --oauth2-bearer and Python's smtplib. Tokens: JWTs made here by PyJWT (jwks_file
# config), and access tokens from the real OpenID provider (tests/idp) for the network
# cases (keys from the provider; provider down with a cold cache gives 454).
# Runs in private network and PID namespaces: every daemon dies with it.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
if [ "${OIDC_PF_IN_NS:-}" != 1 ]; then
	OIDC_PF_IN_NS=1 exec unshare -n -p -f --mount-proc bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up || { echo "not ok - postfix: ip link set lo up failed"; exit 1; }

. tests/lib/testlib.sh
. tests/idp/lib.sh
. tests/postfix/lib.sh
t_init postfix "$@"
trap 'pf_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
[ -f "$BUILD_DIR/sasl2/libsasl_xoauth2.so" ] ||
	{ not_ok "postfix: $BUILD_DIR/sasl2/libsasl_xoauth2.so missing (run make)"; t_done; exit 1; }
command -v postfix >/dev/null || { not_ok "postfix: postfix is not installed"; t_done; exit 1; }

# ---- keys and tokens made by PyJWT (not by our code) ------------------------------
K=$T_TMP/keys
mkdir -p "$K" && chmod 755 "$K"
"$PY" - "$K" <<'PYEOF' || not_ok "postfix: make keys"
import json, sys
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
open(d + "/key.pem", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
pub.update(kid="pf1", alg="RS256", use="sig")
open(d + "/jwks.json", "w").write(json.dumps({"keys": [pub]}))
PYEOF
chmod 644 "$K/jwks.json"
# mint SUB EXP_SECONDS [PAD_BYTES] > file
mint() {
	"$PY" - "$K/key.pem" "$@" <<'PYEOF'
import sys, time
import jwt
key = open(sys.argv[1], "rb").read()
now = int(time.time())
claims = {"iss": "https://jwt.example.test", "aud": "smtp", "sub": sys.argv[2],
          "iat": now, "exp": now + int(sys.argv[3]), "scope": "mail.send"}
if len(sys.argv) > 4:
    claims["pad"] = "p" * int(sys.argv[4])
print(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "pf1", "typ": "at+jwt"}))
PYEOF
}
mint alice 600 >"$T_TMP/alice.tok"
mint bob 600 >"$T_TMP/bob.tok"
mint alice -3600 >"$T_TMP/expired.tok"
mint alice 600 5800 >"$T_TMP/big.tok"
mint alice 600 1300 >"$T_TMP/mid.tok"   # about 2.3 KB: an Entra token with a few groups
chmod 644 "$T_TMP"/*.tok

# ---- the real provider (network key source) --------------------------------------
D=$T_TMP/idp
mkdir -p "$D"
if idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 && idp_start "$D" 8443
then
	ok "postfix: OpenID provider up"
	chmod 755 "$D"; chmod 644 "$D/ca.pem"
	idp_token_cc api://mail mail.send alice >"$T_TMP/idp_alice.tok" ||
		not_ok "postfix: provider token"
	chmod 644 "$T_TMP/idp_alice.tok"
else
	not_ok "postfix: start the OpenID provider"
fi

# ---- Postfix: one smtpd per SASL configuration -------------------------------------
P=$T_TMP/pf
pf_setup "$P" || not_ok "postfix: set up the instance"
jwt_conf() {   # extra lines
	printf '%s\n' "oidc_issuer: https://jwt.example.test" "oidc_audience: smtp" \
		"oidc_jwks_file: $K/jwks.json" "oidc_required_scopes: mail.send" "$@"
}
jwt_conf "mech_list: OAUTHBEARER XOAUTH2" "oidc_sasl_hosts: 127.0.0.1" "oidc_sasl_port: 2525" \
	>"$P/etc/sasl/smtpd.conf"
jwt_conf "mech_list: XOAUTH2" >"$P/etc/sasl/smtpd-xo.conf"
mkdir -p "$T_TMP/cache-net" "$T_TMP/cache-cold"
chown postfix: "$T_TMP/cache-net" "$T_TMP/cache-cold"
chmod 700 "$T_TMP/cache-net" "$T_TMP/cache-cold"
net_conf() {   # CACHE_DIR
	printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_issuer: ${IDP_ISSUER:-https://127.0.0.1:8443}" \
		"oidc_audience: api://mail" "oidc_ca_file: $D/ca.pem" "oidc_cache_dir: $1" \
		"oidc_username_claim: preferred_username" "oidc_http_timeout: 3"
}
net_conf "$T_TMP/cache-net" >"$P/etc/sasl/smtpd-net.conf"
net_conf "$T_TMP/cache-cold" >"$P/etc/sasl/smtpd-cold.conf"
# a provider that answers, but with a mistake (faulty.py, same CA): issue 12 item 2
for c in 404 closed mismatch nxdomain; do
	mkdir -p "$T_TMP/cache-$c" && chown postfix: "$T_TMP/cache-$c" && chmod 700 "$T_TMP/cache-$c"
done
faulty_start "$D" 9443 || not_ok "postfix: start faulty.py"
IDP_ISSUER=https://127.0.0.1:9443/404 net_conf "$T_TMP/cache-404" >"$P/etc/sasl/smtpd-404.conf"
IDP_ISSUER=https://127.0.0.1:9/closed net_conf "$T_TMP/cache-closed" \
	>"$P/etc/sasl/smtpd-closed.conf"
IDP_ISSUER=https://127.0.0.1:9443/good/ net_conf "$T_TMP/cache-mismatch" \
	>"$P/etc/sasl/smtpd-mismatch.conf"
IDP_ISSUER=https://nonexistent.invalid/idp net_conf "$T_TMP/cache-nxdomain" \
	>"$P/etc/sasl/smtpd-nxdomain.conf"
chmod 644 "$P"/etc/sasl/*.conf
pf_service 2525 smtpd
pf_service 2526 smtpd-xo
pf_service 2527 smtpd-net content_filter=discard:   # also the relay target below
pf_service 2528 smtpd-cold
# a configuration the plugin refuses: a typo in a key of its oidc-auth.conf
printf '%s\n' "issuer = https://jwt.example.test" "audience = smtp" "jwks_file = $K/jwks.json" \
	"leway = 30" >"$T_TMP/typo.conf"
printf '%s\n' "mech_list: OAUTHBEARER XOAUTH2" "oidc_config: $T_TMP/typo.conf" \
	>"$P/etc/sasl/smtpd-bad.conf"
chmod 644 "$P/etc/sasl/smtpd-bad.conf" "$T_TMP/typo.conf"
pf_service 2530 smtpd-bad
pf_service 2531 smtpd-404
pf_service 2532 smtpd-closed
pf_service 2533 smtpd-mismatch
pf_service 2534 smtpd-nxdomain
# the recipe's submission setting for clients that put long tokens on the AUTH line
jwt_conf "mech_list: OAUTHBEARER XOAUTH2" "oidc_sasl_port: 2529" >"$P/etc/sasl/smtpd-long.conf"
chmod 644 "$P/etc/sasl/smtpd-long.conf"
pf_service 2529 smtpd-long line_length_limit=16384
# Postfix as SASL client (relaying with a token), as docs/recipes/postfix-relay.md does it:
# "oidc-auth login" (public device client) writes a token file; Postfix's smtp client takes
# its refresh token through the plugin's client side (options from OIDC_SASL_CLIENT_CONF).
# The public client's refresh token rotates at every use. Mail for relay.test goes through
# smtp-rt, one process per delivery (max_use=1), so each delivery starts from the token file
# the previous process rewrote. The token file and the cache belong to postfix (smtp's user);
# the plugin's client options sit in Postfix's own root-owned directory, as in the recipe
# (/etc/postfix/oidc-client.conf): smtp reads them as root, before it drops privileges, and
# root does not take a configuration from a directory another user could swap it in.
R=$T_TMP/relay
mkdir -p "$R/cache" && chown -R postfix: "$R" && chmod 700 "$R" "$R/cache"
printf '%s\n' "issuer = ${IDP_ISSUER:-https://127.0.0.1:8443}" "audience = api://mail" \
	"ca_file = $D/ca.pem" "cache_dir = $R/cache" "username_claim = preferred_username" \
	"client_id = $IDP_DEVICE_CLIENT" "request_resource = api://mail" \
	"request_scopes = openid offline_access mail.read" >"$R/oidc-auth.conf"
printf '%s\n' "oidc_config: $R/oidc-auth.conf" "oidc_token_grant: refresh_token" \
	"oidc_refresh_token_file: $R/tokens.json" >"$P/etc/oidc-client.conf"
chmod 644 "$P/etc/oidc-client.conf" "$R/oidc-auth.conf"
postconf -c "$P/etc" -e "transport_maps = inline:{ relay.test=smtp-rt:[127.0.0.1]:2527 }" \
	"smtp_sasl_auth_enable = yes" "smtp_sasl_password_maps = static:alice:unused" \
	"smtp_sasl_mechanism_filter = xoauth2" "smtp_sasl_security_options = noanonymous" \
	"import_environment = $(postconf -c "$P/etc" -h import_environment) OIDC_SASL_CLIENT_CONF=$P/etc/oidc-client.conf"
echo "smtp-rt unix - - n - - smtp -o max_use=1" >>"$P/etc/master.cf"
if pf_start && pf_wait_port 2525; then
	ok "postfix: started with smtpd_sasl_type = cyrus and the plugin"
else
	not_ok "postfix: start" "$(tail -n 20 "$P/maillog" 2>/dev/null)"
	t_done
	exit 1
fi

# ---- curl --oauth2-bearer ----------------------------------------------------------
printf 'Subject: t\r\n\r\nhello\r\n' >"$T_TMP/msg"
curl_send() {   # PORT USER TOKENFILE
	T_LAST=(curl smtp://127.0.0.1:"$1" --user "$2:" --oauth2-bearer "<$3>")
	curl -sS --max-time 20 "smtp://127.0.0.1:$1" --mail-from a@example.test \
		--mail-rcpt b@example.test --upload-file "$T_TMP/msg" --user "$2:" \
		--oauth2-bearer "$(cat "$3")" >"$OUT" 2>"$ERR"
	RC=$?
}
curl_send 2525 alice "$T_TMP/alice.tok"
expect_exit "curl OAUTHBEARER (host/port kvpairs checked): mail accepted" 0
check "curl OAUTHBEARER: Postfix logs sasl_method=OAUTHBEARER, sasl_username=alice" \
	t_wait_grep "$P/maillog" 'sasl_method=OAUTHBEARER, sasl_username=alice'
curl_send 2526 alice "$T_TMP/alice.tok"
expect_exit "curl XOAUTH2 (only XOAUTH2 offered): mail accepted" 0
check "curl XOAUTH2: Postfix logs sasl_method=XOAUTH2, sasl_username=alice" \
	t_wait_grep "$P/maillog" 'sasl_method=XOAUTH2, sasl_username=alice'
curl_send 2525 alice "$T_TMP/bob.tok"
expect_exit "curl with bob's token as alice: login denied (curl 67)" 67

# ---- smtplib ------------------------------------------------------------------------
smtp() {   # NAME PORT MECH TOKFILE AUTHZID MODE PYEXPR
	local name=$1
	T_LAST=(smtp_auth.py "$2" "$3" "$4" "$5" "$6")
	"$PY" tests/postfix/smtp_auth.py "$2" "$3" "$4" "$5" "$6" >"$OUT" 2>"$ERR"
	RC=$?
	expect_py "$name" "$7"
}
smtp "smtplib OAUTHBEARER: 235" 2525 OAUTHBEARER "$T_TMP/alice.tok" alice ack \
	'd["code"] == 235 and d["challenge"] is None'
smtp "smtplib XOAUTH2: 235" 2525 XOAUTH2 "$T_TMP/alice.tok" alice ack 'd["code"] == 235'
smtp "smtplib OAUTHBEARER expired: invalid_token challenge, %x01, 535" 2525 OAUTHBEARER \
	"$T_TMP/expired.tok" alice ack \
	'c.get("status") == "invalid_token" and c.get("scope") == "mail.send" and d["code"] == 535'
check "expired token: audit reason token_expired" \
	t_wait_grep "$P/maillog" 'result=deny reason=token_expired'
smtp "smtplib XOAUTH2 expired: 401 challenge, empty answer, 535" 2525 XOAUTH2 \
	"$T_TMP/expired.tok" alice ack 'c.get("status") == "401" and d["code"] == 535'
smtp "smtplib OAUTHBEARER: original message again after the challenge: 535" 2525 \
	OAUTHBEARER "$T_TMP/expired.tok" alice resend \
	'c.get("status") == "invalid_token" and d["code"] == 535'
smtp "smtplib OAUTHBEARER: abort after the challenge: 501" 2525 OAUTHBEARER \
	"$T_TMP/expired.tok" alice abort 'c.get("status") == "invalid_token" and d["code"] == 501'
smtp "smtplib: bob's token with a=alice refused (535)" 2525 OAUTHBEARER "$T_TMP/bob.tok" \
	alice ack 'd["code"] == 535'
smtp "smtplib XOAUTH2: bob's token with user=alice refused (535)" 2525 XOAUTH2 \
	"$T_TMP/bob.tok" alice ack 'd["code"] == 535'
# Postfix has no proxy policy: libsasl's default refuses any other authzid after the
# plugin returned. The plugin runs that policy first so that the refusal has its line, at a
# level Postfix logs by default, with the reason and bob's token fingerprint (sha256sum here).
BOB_FP=$(tr -d '\n' <"$T_TMP/bob.tok" | sha256sum | cut -c1-16)
check "bob's token with a=alice: maillog has reason=user_mismatch and the fingerprint" \
	grep -qE "warning: SASL authentication failure: oidc-auth sasl: mech=OAUTHBEARER result=deny reason=user_mismatch user=\"bob\" authzid=\"alice\" .*token=sha256:$BOB_FP" "$P/maillog"
check "... the same for XOAUTH2 (user=alice)" \
	grep -qE "oidc-auth sasl: mech=XOAUTH2 result=deny reason=user_mismatch user=\"bob\" authzid=\"alice\" .*token=sha256:$BOB_FP" "$P/maillog"
# a provider that answers 404 at discovery: a mistake, not an outage: 535, not 454
smtp "provider answers 404 at discovery: 535 (not 454: waiting does not help)" 2531 \
	OAUTHBEARER "$T_TMP/alice.tok" alice ack 'd["code"] == 535 and d["challenge"] is None'
check "... audit line result=error reason=idp_http_error with the URL in detail=" \
	grep -qE 'SASL authentication problem: oidc-auth sasl: mech=OAUTHBEARER result=error reason=idp_http_error .*detail="discovery: HTTP 404 from https://127.0.0.1:9443/404/' \
	"$P/maillog"
smtp "provider port closed: temporary failure 454" 2532 OAUTHBEARER "$T_TMP/alice.tok" \
	alice ack 'd["code"] == 454'
check "... audit line result=tempfail reason=idp_unreachable" \
	grep -q 'result=tempfail reason=idp_unreachable user="" authzid="alice" iss="" kid="pf1"' \
	"$P/maillog"
smtp "issuer with a trailing slash the provider does not have: 535" 2533 OAUTHBEARER \
	"$T_TMP/alice.tok" alice ack 'd["code"] == 535'
check "... audit line reason=issuer_mismatch, detail: only a trailing slash differs" \
	grep -qE 'result=error reason=issuer_mismatch .*detail=".*only a trailing slash differs' \
	"$P/maillog"
smtp "issuer host that does not resolve: 454 (a DNS outage looks the same)" 2534 OAUTHBEARER \
	"$T_TMP/alice.tok" alice ack 'd["code"] == 454'
check "... a second audit line reason=idp_unreachable (closed port, then this)" \
	test "$(grep -c 'result=tempfail reason=idp_unreachable user="" authzid="alice" iss="" kid="pf1"' \
	"$P/maillog")" = 2
smtp "smtplib: an 8 KB token passes ($(wc -c <"$T_TMP/big.tok") bytes)" 2525 OAUTHBEARER \
	"$T_TMP/big.tok" alice ack 'd["code"] == 235'
# Clients that send the token on the AUTH line (an initial response) meet line_length_limit
# (default 2048): what docs/troubleshooting.md describes, and the recipe's fix.
smtp "token on the AUTH line ($(wc -c <"$T_TMP/mid.tok") bytes), default line_length_limit: 535" \
	2525 OAUTHBEARER "$T_TMP/mid.tok" alice inline 'd["code"] == 535'
check "... and Postfix logs 'request longer than 2048: AUTH OAUTHBEARER'" \
	t_wait_grep "$P/maillog" 'request longer than 2048: AUTH OAUTHBEARER'
smtp "token on the AUTH line ($(wc -c <"$T_TMP/mid.tok") bytes), line_length_limit=16384: 235" \
	2529 OAUTHBEARER "$T_TMP/mid.tok" alice inline 'd["code"] == 235'
smtp "8 KB token on the AUTH line (XOAUTH2), line_length_limit=16384: 235" \
	2529 XOAUTH2 "$T_TMP/big.tok" alice inline 'd["code"] == 235'
# ---- a refused configuration: still offered, every login a temporary failure -------------
# (hidden mechanisms here left smtpd with none: "fatal: no SASL authentication mechanisms",
# every connection to this port dropped)
ehlo_auth() {   # PORT: the AUTH keywords of the EHLO answer, space separated
	"$PY" -c 'import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("client.example.test")
print(s.esmtp_features.get("auth", "none").strip())
s.quit()' "$1" 2>&1 | tail -n 1
}
AUTHS=$(ehlo_auth 2530)
check "refused configuration (typo 'leway' in its oidc-auth.conf): EHLO still offers OAUTHBEARER and XOAUTH2 ($AUTHS)" \
	test "$AUTHS" = "OAUTHBEARER XOAUTH2"
smtp "refused configuration: OAUTHBEARER login gets 454 (temporary), no challenge" 2530 \
	OAUTHBEARER "$T_TMP/alice.tok" alice ack 'd["code"] == 454 and d["challenge"] is None'
smtp "refused configuration: XOAUTH2 login gets 454" 2530 XOAUTH2 "$T_TMP/alice.tok" alice ack \
	'd["code"] == 454'
check "refused configuration: the maillog names the key, at error level" \
	t_wait_grep "$P/maillog" 'warning: SASL authentication problem: oidc-auth sasl: OAUTHBEARER and XOAUTH2 answer every login with a temporary failure until this is fixed: configuration refused: .*leway'
check "refused configuration: one audit line per attempt, result=tempfail reason=config_error" \
	t_wait_count "$P/maillog" 'oidc-auth sasl: mech=[A-Z0-9]* result=tempfail reason=config_error user="" authzid="alice"' 2

# ---- relaying with a token (set up above) --------------------------------------------
relay_sent() {   # N: wait (20 s) until N messages to relay.test were sent
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c 'to=<x@relay.test>, relay=127.0.0.1.*status=sent' "$P/maillog")" -ge "$1" ] &&
			return 0
		sleep 0.1
	done
	return 1
}
rt_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["refresh_token"])' "$1"; }
if [ -n "$IDP_PID" ] && LOGIN_AS=postfix login_bg "$R/oidc-auth.conf" "$R/tokens.json" &&
	idp_device_approve "$CODE" alice && login_wait && [ "$RC" = 0 ] &&
	RT0=$(rt_of "$R/tokens.json"); then
	ok "relay: oidc-auth login (run as postfix) wrote the token file for the smtp client"
	for n in 1 2; do
		printf 'Subject: relay %s\r\n\r\nhello\r\n' "$n" |
			sendmail -C "$P/etc" -f a@example.test x@relay.test
		if relay_sent "$n"; then
			ok "relay: message $n sent by a new smtp process with XOAUTH2 (refresh_token grant)"
		else
			not_ok "relay: message $n sent by a new smtp process with XOAUTH2 (refresh_token grant)" \
				"$(grep -E 'smtp-rt|relay.test|SASL' "$P/maillog" | tail -n 8)"
		fi
		[ "$n" = 1 ] && RT1=$(rt_of "$R/tokens.json")
	done
	check "relay: the receiving smtpd saw sasl_method=XOAUTH2, sasl_username=alice" \
		t_wait_grep "$P/maillog" 'sasl_method=XOAUTH2, sasl_username=alice'
	check "relay: each rotated refresh token was written back by user postfix (mode 600)" \
		test -n "$RT1" -a "$RT1" != "$RT0" -a "$(rt_of "$R/tokens.json")" != "$RT1" \
		-a "$(stat -c '%U %a' "$R/tokens.json")" = "postfix 600"
	T_LAST=(runuser -u postfix -- "$CLI" token --config "$R/oidc-auth.conf" --token-file \
		"$R/tokens.json" --min-valid 86400)
	"${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
	expect_exit "relay: oidc-auth token still refreshes from the file the smtp client rewrote" 0
else
	not_ok "relay: oidc-auth login (run as postfix) wrote the token file for the smtp client" \
		"$(t_last_run)"
fi

if [ -n "$IDP_PID" ]; then
	smtp "provider token, keys from the provider: 235" 2527 OAUTHBEARER \
		"$T_TMP/idp_alice.tok" alice ack 'd["code"] == 235'
	idp_stop
	smtp "provider down, cold cache: temporary failure 454" 2528 OAUTHBEARER \
		"$T_TMP/idp_alice.tok" alice ack 'd["code"] == 454 and d["challenge"] is None'
	smtp "provider down, warm cache in the running smtpd: still 235" 2527 XOAUTH2 \
		"$T_TMP/idp_alice.tok" alice ack 'd["code"] == 235'
	check "provider down: audit reason idp_unreachable" \
		t_wait_grep "$P/maillog" 'result=tempfail reason=idp_unreachable'
fi
if grep -qF "$(cut -d. -f3 "$T_TMP/alice.tok")" "$P/maillog"; then
	not_ok "maillog never holds a token signature"
else
	ok "maillog never holds a token signature"
fi
[ "$T_FAIL" -eq 0 ] || t_diag "maillog tail:" "$(tail -n 30 "$P/maillog")"
t_done
