#!/usr/bin/env bash
# tests/idp/t_idp_fixture.sh - self-test of the identity-provider fixture: the real OpenID
# provider (provider.mjs), the shell helpers (lib.sh) and the misbehaving server (faulty.py).
# Runs in private network and PID namespaces (re-executes itself under unshare), so fixed
# loopback ports cannot clash and no process outlives it. Prints "ok - ..." / "not ok - ...".
# Tokens are checked with independent tools: PyJWT and python3-cryptography (/usr/bin/python3).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3

if [ ! -f "$HERE/node_modules/oidc-provider/package.json" ]; then
	echo "not ok - idp fixture: oidc-provider missing: run npm ci --prefix tests/idp (or .ci/run)"
	exit 1
fi
if [ "${IDP_FIXTURE_IN_NS:-}" != 1 ]; then
	if ! unshare -n -p -f --mount-proc true 2>/dev/null; then
		echo "not ok - idp fixture: cannot create namespaces (unshare -n -p -f needs root)"
		exit 1
	fi
	IDP_FIXTURE_IN_NS=1 exec unshare -n -p -f --mount-proc bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up || { echo "not ok - idp fixture: ip link set lo up failed"; exit 1; }

[ ! -f "$HERE/../lib/testlib.sh" ] || . "$HERE/../lib/testlib.sh"
. "$HERE/lib.sh"

T0=$(date +%s%N)
WORK=$(mktemp -d /tmp/idp-fixture.XXXXXX)
cleanup() {
	idp_cleanup
	rm -rf "$WORK"
}
trap cleanup EXIT

FAILED=0
t_ok() { echo "ok - $1"; }
t_fail() { echo "not ok - $1"; FAILED=$((FAILED + 1)); }
t_check() {   # NAME COMMAND...: ok when COMMAND succeeds
	local name=$1; shift
	if "$@"; then t_ok "$name"; else t_fail "$name"; fi
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# jtrue JSON PYTHON_EXPR: the expression over d (the parsed JSON) is true.
jtrue() {
	"$PY" -c 'import json,sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>/dev/null
}

# jwt_check TOKEN PEM ALG AUDIENCE [PYTHON_EXPR]: PyJWT (an independent implementation)
# verifies the signature, the algorithm, exp, iss and aud; then the expression over d (the
# payload) and h (the header) must be true.
jwt_check() {
	"$PY" - "$1" "$2" "$3" "$4" "${5:-True}" "$IDP_ISSUER" 2>/dev/null <<-'EOF'
	import sys, jwt
	tok, pem, alg, aud, expr, iss = sys.argv[1:7]
	d = jwt.decode(tok, key=open(pem).read(), algorithms=[alg], audience=aud, issuer=iss,
	               options={"require": ["exp", "iat", "iss", "aud", "sub"]})
	h = jwt.get_unverified_header(tok)
	sys.exit(0 if eval("(" + expr + ")") else 1)
	EOF
}

# curl_rc ARGS...: curl's exit status (0 success, 7 refused, 28 timeout, 60 bad cert...).
curl_rc() { curl -sS -o /dev/null "$@" 2>/dev/null; echo $?; }

D=$WORK/idp
PORT=8443

# --- keys and certificates -------------------------------------------------------------
if idp_make_ca "$D" && idp_make_keys "$D" &&
   openssl verify -CAfile "$D/ca.pem" "$D/server.pem" >/dev/null 2>&1; then
	t_ok "idp: CA, server certificate and signing keys made"
else
	t_fail "idp: CA, server certificate and signing keys made"
	exit 1
fi
RSA_KID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' \
	"$D/jwks.pub.json")
EC_KID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][1]["kid"])' \
	"$D/jwks.pub.json")

# --- provider start and discovery ------------------------------------------------------
t=$(date +%s%N)
if idp_start "$D" "$PORT"; then
	START_MS=$(ms_since "$t")
	t_ok "idp: provider READY at $IDP_ISSUER in ${START_MS} ms"
else
	t_fail "idp: provider starts"
	exit 1
fi

disc=$(_idp_curl "$IDP_URL/.well-known/openid-configuration")
t_check "idp: discovery over HTTPS with the test CA names the issuer and the endpoints" \
	jtrue "$disc" 'd["issuer"] == "https://127.0.0.1:'$PORT'" and
		d["jwks_uri"] == d["issuer"] + "/jwks" and
		d["device_authorization_endpoint"] == d["issuer"] + "/device/auth" and
		d["introspection_endpoint"] == d["issuer"] + "/token/introspection" and
		"mail.read" in d["scopes_supported"]'
t_check "idp: discovery without the test CA fails TLS verification" \
	test "$(curl_rc --max-time 5 "$IDP_URL/.well-known/openid-configuration")" = 60
jwks=$(_idp_curl "$IDP_URL/jwks")
t_check "idp: /jwks publishes exactly our public keys, no private parts" \
	jtrue "$jwks" 'sorted(k["kid"] for k in d["keys"]) == sorted(["'"$RSA_KID"'", "'"$EC_KID"'"])
		and not any("d" in k for k in d["keys"])'

# --- client credentials ----------------------------------------------------------------
tok=$(idp_token_cc api://mail)
t_check "idp: client_credentials JWT for api://mail: typ at+jwt, RS256, our RSA kid, verifies" \
	jwt_check "$tok" "$D/rsa.pub.pem" RS256 api://mail \
	'h == {"typ": "at+jwt", "alg": "RS256", "kid": "'"$RSA_KID"'"}'
t_check "idp: api://mail token claims: sub and client_id the client, username, groups, scope" \
	jwt_check "$tok" "$D/rsa.pub.pem" RS256 api://mail \
	'd["sub"] == "oidc-auth-test" and d["client_id"] == "oidc-auth-test" and
		d["preferred_username"] == "svc-mail" and d["scope"] == "mail.read" and
		d["groups"] == ["mail-users"] and d["exp"] > d["iat"]'
t_check "idp: the api://mail token fails for audience api://mail-es (the check can fail)" \
	eval '! jwt_check "$tok" "$D/rsa.pub.pem" RS256 api://mail-es'

tok=$(idp_token_cc api://mail-es "" carol "")
t_check "idp: client_credentials JWT for api://mail-es: ES256, our EC kid, verifies" \
	jwt_check "$tok" "$D/ec.pub.pem" ES256 api://mail-es \
	'h == {"typ": "at+jwt", "alg": "ES256", "kid": "'"$EC_KID"'"}'
t_check "idp: x_username / x_groups set preferred_username carol and no groups" \
	jwt_check "$tok" "$D/ec.pub.pem" ES256 api://mail-es \
	'd["preferred_username"] == "carol" and d["groups"] == []'

code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$IDP_CA" -u oidc-auth-test:wrong \
	-d grant_type=client_credentials -d resource=api://mail "$IDP_URL/token")
t_check "idp: a wrong client secret gets HTTP 401" test "$code" = 401
resp=$(_idp_curl -d client_id=oidc-auth-test --data-urlencode "client_secret=$IDP_CLIENT_SECRET" \
	-d grant_type=client_credentials -d resource=api://mail -d scope=mail.read "$IDP_URL/token")
t_check "idp: client_secret_post works for oidc-auth-test too" \
	jtrue "$resp" 'd["token_type"] == "Bearer" and d["access_token"].count(".") == 2'

# --- opaque token, introspection, revocation --------------------------------------------
op=$(idp_opaque_token)
t_check "idp: api://opaque gives an opaque (non-JWT) token" \
	test -n "$op" -a "${op//[^.]/}" = ""
intro=$(idp_introspect "$op")
t_check "idp: introspection of the opaque token: active, aud api://opaque, username" \
	jtrue "$intro" 'd["active"] is True and d["aud"] == "api://opaque" and
		d["client_id"] == "oidc-auth-test" and d["preferred_username"] == "svc-mail"'
idp_revoke "$op"
t_check "idp: after revocation introspection says active false" \
	jtrue "$(idp_introspect "$op")" 'd == {"active": False}'

# --- device flow -------------------------------------------------------------------------
t=$(date +%s%N)
if idp_device_login alice api://mail; then
	DEVICE_MS=$(ms_since "$t")
	t_ok "idp: device-flow login of alice in ${DEVICE_MS} ms"
else
	t_fail "idp: device-flow login of alice"
fi
t_check "idp: alice's access token: sub and preferred_username alice, groups, amr mfa" \
	jwt_check "$IDP_ACCESS_TOKEN" "$D/rsa.pub.pem" RS256 api://mail \
	'd["sub"] == "alice" and d["preferred_username"] == "alice" and
		"mail-users" in d["groups"] and "mfa" in d["amr"] and d["scope"] == "mail.read"'
t_check "idp: alice's ID token verifies: aud client, email verified, amr, auth_time" \
	jwt_check "$IDP_ID_TOKEN" "$D/rsa.pub.pem" RS256 oidc-auth-test \
	'd["sub"] == "alice" and d["email"] == "alice@example.test" and
		d["email_verified"] is True and d["amr"] == ["pwd", "mfa"] and d["auth_time"] > 0'

idp_device_start api://mail-es "openid mail.read" public &&
	idp_device_approve "$IDP_USER_CODE" nogroup && idp_device_poll "$IDP_DEVICE_CODE" 10
t_check "idp: public device client, user nogroup: ES256 token without mail-users" \
	jwt_check "$IDP_ACCESS_TOKEN" "$D/ec.pub.pem" ES256 api://mail-es \
	'd["sub"] == "nogroup" and d["groups"] == [] and
		d["client_id"] == "oidc-auth-device"'

t_check "idp: a device login refused at the confirmation page gets access_denied" \
	idp_device_login_refused api://mail confirm
t_check "idp: a device login aborted at the login page gets access_denied" \
	idp_device_login_refused api://mail login
t_check "idp: a device login never approved stays authorization_pending" \
	idp_device_login_never 1
t_check "idp: never-approved polling saw authorization_pending" \
	test "$IDP_POLL_ERROR" = authorization_pending

idp_device_login bob "" "openid profile email"
t_check "idp: a device login without resource gives a token that userinfo accepts" \
	jtrue "$(idp_userinfo "$IDP_ACCESS_TOKEN")" 'd["sub"] == "bob" and
		d["preferred_username"] == "bob" and d["groups"] == ["mail-users"]'

# --- key rotation: restart with new keys on the same port, and short lifetimes -----------
old_rsa=$RSA_KID
cp "$D/jwks.pub.json" "$WORK/old.pub.json"
cp "$D/rsa.pub.pem" "$WORK/old-rsa.pub.pem"
idp_stop
idp_make_keys "$D"
t=$(date +%s%N)
IDP_TOKEN_TTL=5 IDP_DEVICE_TTL=2 IDP_DEVICE_INTERVAL=1 idp_start "$D" "$PORT"
RESTART_MS=$(ms_since "$t")
new_rsa=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' \
	"$D/jwks.pub.json")
tok=$(idp_token_cc api://mail)
t_check "idp: restart with new keys (${RESTART_MS} ms): new kid signs, old kid gone" \
	jtrue "[$(idp_jwt_part "$tok" header), $(_idp_curl "$IDP_URL/jwks")]" \
	'd[0]["kid"] == "'"$new_rsa"'" != "'"$old_rsa"'" and
		"'"$old_rsa"'" not in [k["kid"] for k in d[1]["keys"]]'
t_check "idp: the token signed by the new key verifies with the new public key" \
	jwt_check "$tok" "$D/rsa.pub.pem" RS256 api://mail
t_check "idp: ... and not with the old one" \
	eval '! jwt_check "$tok" "$WORK/old-rsa.pub.pem" RS256 api://mail'

idp_jwks_merge "$WORK/overlap.json" "$D/jwks.pub.json" "$WORK/old.pub.json"
t_check "idp: idp_jwks_merge lists the new keys first, then the old ones" \
	jtrue "$(cat "$WORK/overlap.json")" '[k["kid"] for k in d["keys"]][::2] ==
		["'"$new_rsa"'", "'"$old_rsa"'"]'
t_check "idp: IDP_TOKEN_TTL=5 gives tokens with exp - iat = 5" \
	jwt_check "$tok" "$D/rsa.pub.pem" RS256 api://mail 'd["exp"] - d["iat"] == 5'
idp_device_start api://mail
poll() {
	_idp_curl -u "$IDP_CLIENT_ID:$IDP_CLIENT_SECRET" --data-urlencode "device_code=$1" \
		-d grant_type=urn:ietf:params:oauth:grant-type:device_code "$IDP_URL/token" |
		_idp_json error
}
e1=$(poll "$IDP_DEVICE_CODE") e2=$(poll "$IDP_DEVICE_CODE")
t_check "idp: IDP_DEVICE_INTERVAL=1: interval announced, a fast second poll gets slow_down" \
	test "$IDP_DEVICE_POLL_INTERVAL $e1 $e2" = "1 authorization_pending slow_down"
idp_device_login_never 4 api://mail
t_check "idp: IDP_DEVICE_TTL=2: an unapproved device code ends in expired_token" \
	test "$IDP_POLL_ERROR" = expired_token

# --- the misbehaving server ----------------------------------------------------------------
FP=9443 FHTTP=9080
faulty_start "$D" "$FP" server --http-port "$FHTTP" ||
	{ t_fail "faulty: starts"; exit 1; }
F=$FAULTY_URL
fc() { curl -sS --proto =https --cacert "$IDP_CA" --max-time "${FT:-5}" "$@"; }
fhead() { fc -o /dev/null -D - "$@" 2>/dev/null | tr -d '\r'; }

d=$(fc "$F/good/.well-known/openid-configuration")
t_check "faulty: good/ discovery matches its issuer and points at good/jwks" \
	jtrue "$d" 'd["issuer"] == "'"$F"'/good" and d["jwks_uri"] == "'"$F"'/good/jwks"'
t_check "faulty: good/jwks serves the key file" \
	cmp -s <(fc "$F/good/jwks") "$D/jwks.pub.json"
before=$(faulty_count /good/jwks)
fc -o /dev/null "$F/good/jwks"; fc -o /dev/null "$F/good/jwks?x=1"
t_check "faulty: /__count counts requests per path (+2)" \
	test "$(faulty_count /good/jwks)" = $((before + 2))
cp "$WORK/old.pub.json" "$D/jwks.pub.json.new" && mv "$D/jwks.pub.json.new" "$D/jwks.pub.json"
t_check "faulty: a swapped key file is served at once" \
	cmp -s <(fc "$F/good/jwks") "$WORK/old.pub.json"
t_check "faulty: cache-60/ sends Cache-Control max-age=60" \
	grep -qx 'Cache-Control: public, max-age=60' <(fhead "$F/cache-60/jwks")
t_check "faulty: nostore/ sends Cache-Control no-store" \
	grep -qx 'Cache-Control: no-store' <(fhead "$F/nostore/jwks")
t_check "faulty: wrong-issuer/ discovery names another issuer" \
	jtrue "$(fc "$F/wrong-issuer/.well-known/openid-configuration")" \
	'd["issuer"] != "'"$F"'/wrong-issuer"'
t_check "faulty: http-jwks/ discovery has an http:// jwks_uri" \
	jtrue "$(fc "$F/http-jwks/.well-known/openid-configuration")" \
	'd["jwks_uri"] == "http://127.0.0.1:'$FHTTP'/good/jwks"'
t_check "faulty: disc-500/ discovery is valid, its jwks_uri answers 500" \
	test "$(fc -o /dev/null -w '%{http_code}' \
		"$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["jwks_uri"])' \
		"$(fc "$F/disc-500/.well-known/openid-configuration")")")" = 500
t_check "faulty: 500/ answers HTTP 500" \
	test "$(fc -o /dev/null -w '%{http_code}' "$F/500/jwks")" = 500
not_json() { ! fc "$1" | "$PY" -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; }
t_check "faulty: garbage/ answers 200 with a body that is not JSON" \
	test "$(fc -o /dev/null -w '%{http_code}' "$F/garbage/jwks")" = 200
t_check "faulty: garbage/ body does not parse (and good/jwks does)" \
	eval 'not_json "$F/garbage/jwks" && ! not_json "$F/good/jwks"'
t_check "faulty: big/ sends 10 MB with Content-Length" \
	test "$(fc -o /dev/null -w '%{size_download}' "$F/big/jwks")" = 10485760
t_check "faulty: big-chunked/ sends 10 MB chunked" \
	grep -qix 'Transfer-Encoding: chunked' <(fhead "$F/big-chunked/jwks")
t_check "faulty: big-lie-short/ claims Content-Length 64" \
	grep -qx 'Content-Length: 64' <(fhead "$F/big-lie-short/jwks")
t_check "faulty: big-lie-long/ closes early (curl 18, partial transfer)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 "$F/big-lie-long/jwks")" = 18
# The slow modes run side by side: each costs the client's whole 1 s timeout.
faulty_start "$D" 9447 server --mode hang-accept
FAULTY_URL=$F   # faulty_count and friends talk to the main instance again
slow=(drip "$F/drip/jwks" hang "$F/hang/jwks" hang-accept "https://127.0.0.1:9447/good/jwks")
slow_pids=()
for ((i = 0; i < ${#slow[@]}; i += 2)); do
	curl_rc --cacert "$IDP_CA" --max-time 1 "${slow[i + 1]}" >"$WORK/rc.${slow[i]}" &
	slow_pids+=($!)
done
wait "${slow_pids[@]}"
t_check "faulty: drip/ trickles: a 1 s client timeout fires (curl 28)" \
	test "$(cat "$WORK/rc.drip")" = 28
t_check "faulty: hang/ never answers: a 1 s client timeout fires (curl 28)" \
	test "$(cat "$WORK/rc.hang")" = 28
t_check "faulty: hang-accept never completes TLS: a 1 s timeout fires (curl 28)" \
	test "$(cat "$WORK/rc.hang-accept")" = 28
rc=$(curl_rc --cacert "$IDP_CA" --max-time 5 "$F/reset/jwks")
t_check "faulty: reset/ drops the connection (curl $rc)" test "$rc" = 56 -o "$rc" = 52
t_check "faulty: redirect-http/ redirects to an http:// URL" \
	grep -qx "Location: http://127.0.0.1:$FHTTP/good/jwks" <(fhead "$F/redirect-http/jwks")
t_check "faulty: a client limited to https does not follow it (curl 1, no http fetch)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 -L --proto-redir =https \
		"$F/redirect-http/jwks")" = 1 -a "$(faulty_count http:/good/jwks)" = 0
fc -o /dev/null "http://127.0.0.1:$FHTTP/good/jwks" --proto =http
t_check "faulty: the plain-HTTP listener counts its requests separately" \
	test "$(faulty_count http:/good/jwks)" = 1
faulty_set /good/jwks 500
c1=$(fc -o /dev/null -w '%{http_code}' "$F/good/jwks")
faulty_set /good/jwks ""
c2=$(fc -o /dev/null -w '%{http_code}' "$F/good/jwks")
t_check "faulty: /__set turns good/jwks into 500 and back" test "$c1 $c2" = "500 200"
faulty_reset
t_check "faulty: /__reset zeroes the counters" test "$(faulty_count /good/jwks)" = 0

# TLS failures: unknown CA, wrong host name, expired certificate, handshake never done, down.
idp_make_ca "$WORK/ca2" "unknown test CA"
cp "$D/jwks.pub.json" "$WORK/ca2/jwks.pub.json"
faulty_start "$WORK/ca2" 9444 server && U=$FAULTY_URL
t_check "faulty: a certificate from an unknown CA fails verification (curl 60)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 "$U/good/jwks")" = 60
t_check "faulty: the same server verifies with its own CA (the check can pass)" \
	test "$(curl_rc --cacert "$WORK/ca2/ca.pem" --max-time 5 "$U/good/jwks")" = 0
faulty_start "$D" 9445 wrongname
t_check "faulty: a certificate for another host name fails (curl 60)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 "https://127.0.0.1:9445/good/jwks")" = 60
faulty_start "$D" 9446 expired
t_check "faulty: an expired certificate fails (curl 60)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 "https://127.0.0.1:9446/good/jwks")" = 60
t_check "faulty: down (no listener) is connection refused (curl 7)" \
	test "$(curl_rc --cacert "$IDP_CA" --max-time 5 "https://127.0.0.1:9448/good/jwks")" = 7

# --- cleanup ---------------------------------------------------------------------------------
pids=("$IDP_PID" "${IDP_FAULTY_PIDS[@]}")
idp_cleanup
alive=0
for p in "${pids[@]}"; do
	! kill -0 "$p" 2>/dev/null || alive=$((alive + 1))
done
t_check "idp: every fixture process stopped (${#pids[@]} started)" test "$alive" = 0

echo "# timing: provider start ${START_MS:-?} ms, restart ${RESTART_MS:-?} ms," \
	"device-flow login ${DEVICE_MS:-?} ms, whole self-test $(ms_since "$T0") ms"
[ "$FAILED" -eq 0 ]
