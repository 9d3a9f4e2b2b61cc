# tests/idp/lib.sh - shell helpers around the test OpenID provider (provider.mjs) and the
# misbehaving server (faulty.py). Source it from bash; see tests/idp/README.md.
#
# Conventions: functions return 0 on success; on failure they print a "# ..." reason on
# stderr and return non-zero. Single results go to stdout (tok=$(idp_token_cc api://mail));
# the device flow sets IDP_* variables instead, so call those functions directly, not in $().
# Every HTTP call uses curl --cacert "$IDP_CA" (never -k) and only loopback addresses.
# shellcheck disable=SC2034  # IDP_* results are read by the sourcing test

IDP_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IDP_PY=/usr/bin/python3              # Debian's python3 (cryptography, jwt)
IDP_NODE=${IDP_NODE:-node}
IDP_CLIENT_ID=${IDP_CLIENT_ID:-oidc-auth-test}
IDP_CLIENT_SECRET=${IDP_CLIENT_SECRET:-oidc-auth-test-secret}
IDP_DEVICE_CLIENT=oidc-auth-device
IDP_START_TIMEOUT=${IDP_START_TIMEOUT:-15}
IDP_CURL_TIMEOUT=${IDP_CURL_TIMEOUT:-10}
IDP_PID=
IDP_FAULTY_PIDS=()

_idp_say() { echo "# $*" >&2; }

# idp_make_ca DIR [NAME]: a throw-away CA and server certificates for 127.0.0.1, ::1 and
# localhost. Writes DIR/ca.pem, ca.key, server.pem, server.key, and for TLS failure tests
# wrongname.pem/.key (SAN DNS:wrong.invalid only) and expired.pem/.key (expired in 2020).
idp_make_ca() {
	local dir=$1 name=${2:-oidc-auth test CA} ext
	mkdir -p "$dir" || return 1
	ext="$dir/leaf-base.ext"
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth"
	} >"$ext"
	(
		set -e
		cd "$dir"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/CN=$name $$-$RANDOM" -keyout ca.key -out ca.pem \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		_idp_leaf server "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
		_idp_leaf wrongname "subjectAltName=DNS:wrong.invalid"
		# An expired leaf needs explicit dates: "openssl ca" with a minimal database.
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=expired" -keyout expired.key -out expired.csr 2>/dev/null
		mkdir -p expired.db && : >expired.db/index.txt
		cat >expired.db/ca.cnf <<-EOF
		[ca]
		default_ca = c
		[c]
		database = expired.db/index.txt
		new_certs_dir = expired.db
		serial = expired.db/serial
		default_md = sha256
		policy = p
		copy_extensions = none
		unique_subject = no
		[p]
		commonName = supplied
		[x]
		basicConstraints = critical,CA:FALSE
		subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost
		EOF
		echo 01 >expired.db/serial
		openssl ca -batch -config expired.db/ca.cnf -cert ca.pem -keyfile ca.key \
			-startdate 20200101000000Z -enddate 20200102000000Z -extensions x \
			-in expired.csr -out expired.pem -notext 2>/dev/null
		rm -rf expired.csr expired.db leaf-base.ext ca.srl
	) || { _idp_say "idp_make_ca $dir failed"; return 1; }
}

_idp_leaf() {   # NAME SAN (inside the CA dir)
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	{ cat leaf-base.ext; echo "$2"; } >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null &&
	rm -f "$1.csr" "$1.ext"
}

# idp_make_keys DIR: fresh signing keys made by python3-cryptography (not by the provider).
# DIR/jwks.json: PRIVATE JWKS (RSA-2048 RS256 kid "rsa-<hex>", P-256 ES256 kid "ec-<hex>")
# for provider.mjs; DIR/jwks.pub.json: the public JWKS; DIR/rsa.pub.pem, DIR/ec.pub.pem.
idp_make_keys() {
	mkdir -p "$1" || return 1
	"$IDP_PY" - "$1" <<-'EOF' || { _idp_say "idp_make_keys $1 failed"; return 1; }
	import base64, json, os, secrets, sys
	from cryptography.hazmat.primitives import serialization
	from cryptography.hazmat.primitives.asymmetric import ec, rsa

	def b64(n, size=None):
	    size = size or (n.bit_length() + 7) // 8
	    return base64.urlsafe_b64encode(n.to_bytes(size, "big")).rstrip(b"=").decode()

	out = sys.argv[1]
	rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
	ec_key = ec.generate_private_key(ec.SECP256R1())
	rn, en = rsa_key.private_numbers(), ec_key.private_numbers()
	rsa_pub = {"kty": "RSA", "kid": "rsa-" + secrets.token_hex(4), "use": "sig",
	           "alg": "RS256", "n": b64(rn.public_numbers.n), "e": b64(rn.public_numbers.e)}
	ec_pub = {"kty": "EC", "kid": "ec-" + secrets.token_hex(4), "use": "sig", "alg": "ES256",
	          "crv": "P-256", "x": b64(en.public_numbers.x, 32),
	          "y": b64(en.public_numbers.y, 32)}
	rsa_priv = dict(rsa_pub, d=b64(rn.d), p=b64(rn.p), q=b64(rn.q), dp=b64(rn.dmp1),
	                dq=b64(rn.dmq1), qi=b64(rn.iqmp))
	ec_priv = dict(ec_pub, d=b64(en.private_value, 32))

	def write(name, data, mode=0o644):
	    path = os.path.join(out, name)
	    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as f:
	        f.write(data)

	write("jwks.json", json.dumps({"keys": [rsa_priv, ec_priv]}, indent=1), 0o600)
	write("jwks.pub.json", json.dumps({"keys": [rsa_pub, ec_pub]}, indent=1))
	for name, key in (("rsa", rsa_key), ("ec", ec_key)):
	    write(name + ".pub.pem", key.public_key().public_bytes(
	        serialization.Encoding.PEM,
	        serialization.PublicFormat.SubjectPublicKeyInfo).decode())
	EOF
}

_idp_check_install() {
	if [ ! -f "$IDP_HOME/node_modules/oidc-provider/package.json" ]; then
		_idp_say "oidc-provider is not installed: run npm ci --prefix tests/idp (or .ci/run)"
		return 1
	fi
	command -v "$IDP_NODE" >/dev/null || { _idp_say "node not found"; return 1; }
}

# idp_start DIR PORT [HOST]: start provider.mjs with DIR/server.pem, DIR/server.key and
# DIR/jwks.json (extra settings through IDP_TOKEN_TTL, IDP_DEVICE_TTL, IDP_DEVICE_INTERVAL,
# IDP_CC_USERNAME, IDP_ISSUER...). Waits for READY; sets IDP_PID, IDP_ISSUER, IDP_URL, IDP_CA,
# IDP_LOG, IDP_DIR. Restarting with new keys: idp_stop; idp_make_keys DIR; idp_start DIR PORT.
idp_start() {
	local dir=$1 port=$2 host=${3:-127.0.0.1} out line deadline=$((SECONDS + IDP_START_TIMEOUT))
	_idp_check_install || return 1
	[ -z "$IDP_PID" ] || { _idp_say "idp_start: already running (pid $IDP_PID)"; return 1; }
	IDP_DIR=$dir IDP_LOG=$dir/provider.log IDP_CA=$dir/ca.pem
	out=$dir/provider.out
	: >"$out"
	IDP_PORT=$port IDP_HOST=$host IDP_TLS_CERT=$dir/server.pem IDP_TLS_KEY=$dir/server.key \
		IDP_JWKS=$dir/jwks.json IDP_LOG=$IDP_LOG IDP_CLIENT_SECRET=$IDP_CLIENT_SECRET \
		"$IDP_NODE" "$IDP_HOME/provider.mjs" >"$out" 2>>"$IDP_LOG" </dev/null &
	IDP_PID=$!
	while [ "$SECONDS" -le "$deadline" ]; do
		read -r line <"$out" || true
		if [ "${line%% *}" = READY ]; then
			IDP_ISSUER=${line#READY } IDP_URL=${line#READY }
			return 0
		fi
		kill -0 "$IDP_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$IDP_PID" 2>/dev/null; then
		_idp_say "provider not READY on $host:$port after ${IDP_START_TIMEOUT}s; log tail:"
	else
		_idp_say "provider exited before READY on $host:$port; log tail:"
	fi
	tail -n 15 "$IDP_LOG" | sed 's/^/#   /' >&2
	idp_stop
	return 1
}

# idp_stop: stop the provider (SIGTERM, then SIGKILL after 5 s) and wait for it.
idp_stop() {
	[ -n "$IDP_PID" ] || return 0
	_idp_kill_wait "$IDP_PID"
	IDP_PID=
}

_idp_kill_wait() {
	local pid=$1 i
	kill "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# _idp_curl ARGS...: curl against the provider with the test CA, bounded in time.
_idp_curl() {
	curl -sS --proto =https --cacert "$IDP_CA" --max-time "$IDP_CURL_TIMEOUT" "$@"
}

# _idp_json FIELD...: read a compact JSON object on stdin (as oidc-provider writes them),
# print each string or number FIELD on its own line (empty if absent). Pure bash: the fields
# read here (tokens, codes, error names) never hold quotes or escapes.
_idp_json() {
	local doc f re
	doc=$(cat)
	for f in "$@"; do
		re="\"$f\":(\"([^\"\\]*)\"|([0-9]+))"
		if [[ $doc =~ $re ]]; then
			echo "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
		else
			echo
		fi
	done
}

# idp_token_cc RESOURCE [SCOPE] [USERNAME] [GROUPS]: client_credentials access token for
# RESOURCE (api://mail, api://mail-es, api://opaque); USERNAME becomes preferred_username,
# GROUPS (comma list, "" for none) the groups claim. Prints the token.
idp_token_cc() {
	local resp tok args=(-d grant_type=client_credentials --data-urlencode "resource=$1"
		--data-urlencode "scope=${2:-mail.read}")
	[ -z "${3:-}" ] || args+=(--data-urlencode "x_username=$3")
	[ $# -lt 4 ] || args+=(--data-urlencode "x_groups=${4:--}")
	resp=$(_idp_curl -u "$IDP_CLIENT_ID:$IDP_CLIENT_SECRET" "${args[@]}" "$IDP_URL/token") ||
		return 1
	tok=$(_idp_json access_token <<<"$resp")
	[ -n "$tok" ] || { _idp_say "token request failed: $resp"; return 1; }
	printf '%s\n' "$tok"
}

# idp_opaque_token [SCOPE]: an opaque (introspectable) client_credentials access token.
idp_opaque_token() { idp_token_cc api://opaque "${1:-mail.read}"; }

# idp_introspect TOKEN: RFC 7662 introspection response (JSON) on stdout.
idp_introspect() {
	_idp_curl -u "$IDP_CLIENT_ID:$IDP_CLIENT_SECRET" --data-urlencode "token=$1" \
		"$IDP_URL/token/introspection"
}

# idp_revoke TOKEN: RFC 7009 revocation; returns 0 on HTTP 200.
idp_revoke() {
	local code
	code=$(_idp_curl -o /dev/null -w '%{http_code}' -u "$IDP_CLIENT_ID:$IDP_CLIENT_SECRET" \
		--data-urlencode "token=$1" "$IDP_URL/token/revocation") || return 1
	[ "$code" = 200 ] || { _idp_say "revocation answered HTTP $code"; return 1; }
}

# idp_userinfo TOKEN: the userinfo response (JSON) for a user token issued without resource.
idp_userinfo() { _idp_curl -H "Authorization: Bearer $1" "$IDP_URL/me"; }

# idp_device_start [RESOURCE] [SCOPE] [CLIENT]: RFC 8628 device authorization request.
# CLIENT "public" uses the public client oidc-auth-device, "webapp" the confidential client
# of another application, otherwise the confidential oidc-auth-test.
# Sets IDP_DEVICE_CODE, IDP_USER_CODE, IDP_VERIFICATION_URI, IDP_DEVICE_CLIENT_USED.
idp_device_start() {
	local resp auth
	local args=(--data-urlencode "scope=${2:-openid profile email mail.read}")
	[ -z "${1:-}" ] || args+=(--data-urlencode "resource=$1")
	case "${3:-}" in
	public)
		IDP_DEVICE_CLIENT_USED=$IDP_DEVICE_CLIENT
		auth=(-d "client_id=$IDP_DEVICE_CLIENT") ;;
	webapp)
		IDP_DEVICE_CLIENT_USED=webapp
		auth=(-u "webapp:$IDP_CLIENT_SECRET") ;;
	*)
		IDP_DEVICE_CLIENT_USED=$IDP_CLIENT_ID
		auth=(-u "$IDP_CLIENT_ID:$IDP_CLIENT_SECRET") ;;
	esac
	resp=$(_idp_curl "${auth[@]}" "${args[@]}" "$IDP_URL/device/auth") || return 1
	{ read -r IDP_DEVICE_CODE; read -r IDP_USER_CODE; read -r IDP_VERIFICATION_URI
	  read -r IDP_DEVICE_POLL_INTERVAL; } < <(_idp_json device_code user_code \
		verification_uri interval <<<"$resp")
	if [ -z "$IDP_DEVICE_CODE" ] || [ -z "$IDP_USER_CODE" ]; then
		_idp_say "device authorization failed: $resp"
		return 1
	fi
}

_idp_form_value() {   # NAME: value of the hidden input NAME in the HTML on stdin
	sed -n "s/.*name=\"$1\" value=\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}

# _idp_device_confirm USER_CODE JAR: the browser steps up to the login page; prints its URL.
_idp_device_confirm() {
	local code=$1 jar=$2 page xsrf url
	page=$(_idp_curl -c "$jar" -b "$jar" -G --data-urlencode "user_code=$code" \
		"$IDP_URL/device") || return 1
	xsrf=$(_idp_form_value xsrf <<<"$page")
	[ -n "$xsrf" ] || { _idp_say "no xsrf on the device page"; return 1; }
	page=$(_idp_curl -c "$jar" -b "$jar" --data-urlencode "xsrf=$xsrf" \
		--data-urlencode "user_code=$code" "$IDP_URL/device") || return 1
	xsrf=$(_idp_form_value xsrf <<<"$page")
	if [ -z "$xsrf" ] || ! grep -q 'name="confirm" value="yes"' <<<"$page"; then
		_idp_say "no confirmation form for user code $code"
		return 1
	fi
	if [ "${3:-}" = abort ]; then
		page=$(_idp_curl -c "$jar" -b "$jar" --data-urlencode "xsrf=$xsrf" \
			--data-urlencode "user_code=$code" -d abort=yes "$IDP_URL/device") || return 1
		grep -q 'interrupted' <<<"$page" ||
			{ _idp_say "the device abort was not acknowledged"; return 1; }
		return 0
	fi
	url=$(_idp_curl -c "$jar" -b "$jar" -L -o /dev/null -w '%{url_effective}' \
		--data-urlencode "xsrf=$xsrf" --data-urlencode "user_code=$code" -d confirm=yes \
		"$IDP_URL/device") || return 1
	case "$url" in
	"$IDP_URL"/interaction/*) printf '%s\n' "$url" ;;
	*) _idp_say "confirmation did not lead to a login interaction: $url"; return 1 ;;
	esac
}

# idp_device_approve USER_CODE USER: act as the user's browser: open the verification page,
# confirm the code, log in as USER (any password), consent if asked (the public client is
# native: oidc-provider always asks), reach "Sign-in Success".
idp_device_approve() {
	local code=$1 user=$2 jar url page rc=1
	jar=$(mktemp) || return 1
	page=$(mktemp) || { rm -f "$jar"; return 1; }
	if url=$(_idp_device_confirm "$code" "$jar"); then
		url=$(_idp_curl -c "$jar" -b "$jar" -L -o "$page" -w '%{url_effective}' \
			-d prompt=login --data-urlencode "login=$user" -d password=x "$url")
		case "$url" in
		"$IDP_URL"/interaction/*)
			_idp_curl -c "$jar" -b "$jar" -L -o "$page" -d prompt=consent "$url" ;;
		esac
		if grep -q 'Sign-in Success' "$page"; then
			rc=0
		else
			_idp_say "login as $user did not reach Sign-in Success"
		fi
	fi
	rm -f "$jar" "$page"
	return $rc
}

# idp_device_refuse USER_CODE [confirm|login]: the user refuses: "Abort" on the confirmation
# page (default), or abort at the login page. The device then gets access_denied.
idp_device_refuse() {
	local code=$1 where=${2:-confirm} jar url rc=1
	jar=$(mktemp) || return 1
	if [ "$where" = confirm ]; then
		_idp_device_confirm "$code" "$jar" abort && rc=0
	elif url=$(_idp_device_confirm "$code" "$jar"); then
		_idp_curl -c "$jar" -b "$jar" -L -o /dev/null "$url/abort" && rc=0
	fi
	rm -f "$jar"
	return $rc
}

# idp_device_poll DEVICE_CODE [MAX_SECONDS] [INTERVAL]: poll the token endpoint as the device
# does, every INTERVAL seconds (default: the announced interval, else 0.2; slow_down adds 1).
# 0: tokens (IDP_TOKEN_RESPONSE, IDP_ACCESS_TOKEN, IDP_ID_TOKEN, IDP_REFRESH_TOKEN);
# 1: an error (IDP_POLL_ERROR: access_denied, expired_token, ...) or still
# authorization_pending when MAX_SECONDS (default 30) ran out.
idp_device_poll() {
	local code=$1 max=${2:-30} interval=${3:-${IDP_DEVICE_POLL_INTERVAL:-0.2}} resp auth t_end
	IDP_POLL_ERROR='' IDP_ACCESS_TOKEN='' IDP_ID_TOKEN='' IDP_REFRESH_TOKEN=''
	IDP_TOKEN_RESPONSE=''
	if [ "${IDP_DEVICE_CLIENT_USED:-}" = "$IDP_DEVICE_CLIENT" ]; then
		auth=(-d "client_id=$IDP_DEVICE_CLIENT")
	else
		auth=(-u "${IDP_DEVICE_CLIENT_USED:-$IDP_CLIENT_ID}:$IDP_CLIENT_SECRET")
	fi
	t_end=$((SECONDS + max))
	while :; do
		resp=$(_idp_curl "${auth[@]}" \
			-d grant_type=urn:ietf:params:oauth:grant-type:device_code \
			--data-urlencode "device_code=$code" "$IDP_URL/token") || return 1
		IDP_POLL_ERROR=$(_idp_json error <<<"$resp")
		case "$IDP_POLL_ERROR" in
		'') break ;;
		authorization_pending) ;;
		slow_down) interval=$("$IDP_PY" -c 'import sys; print(float(sys.argv[1]) + 1)' \
			"$interval") ;;
		*) return 1 ;;
		esac
		[ "$SECONDS" -lt "$t_end" ] || return 1
		sleep "$interval"
	done
	IDP_TOKEN_RESPONSE=$resp
	{ read -r IDP_ACCESS_TOKEN; read -r IDP_ID_TOKEN; read -r IDP_REFRESH_TOKEN; } < \
		<(_idp_json access_token id_token refresh_token <<<"$resp")
	[ -n "$IDP_ACCESS_TOKEN" ] || { _idp_say "no access token: $resp"; return 1; }
}

# idp_device_login USER [RESOURCE] [SCOPE] [public|webapp]: the whole device flow for USER; the
# access token is a JWT for RESOURCE (default api://mail; "" for an opaque token usable at
# userinfo); the client as for idp_device_start.
# Sets IDP_ACCESS_TOKEN, IDP_ID_TOKEN (and IDP_REFRESH_TOKEN with scope offline_access).
# "public": as the public device client, whose refresh tokens rotate at every use.
idp_device_login() {
	local user=$1 resource=${2-api://mail} scope=${3:-openid profile email mail.read}
	idp_device_start "$resource" "$scope" "${4:-}" || return 1
	idp_device_poll "$IDP_DEVICE_CODE" 0 || [ "$IDP_POLL_ERROR" = authorization_pending ] ||
		{ _idp_say "expected authorization_pending before approval, got $IDP_POLL_ERROR"
		  return 1; }
	idp_device_approve "$IDP_USER_CODE" "$user" || return 1
	idp_device_poll "$IDP_DEVICE_CODE" 10
}

# login_bg CONF TOKENFILE [ARGS]: start "oidc-auth login --json" in the background, wait for
# its device_authorization event; sets LPID and CODE (approve it with idp_device_approve, then
# login_wait sets RC). Needs tests/lib/testlib.sh (CLI, OUT, ERR, T_LAST). LOGIN_AS=USER runs
# it as USER (runuser).
login_bg() {
	local conf=$1 tf=$2 i
	shift 2
	T_LAST=(${LOGIN_AS:+runuser -u "$LOGIN_AS" --} "$CLI" login --config "$conf" --token-file "$tf"
		--json "$@")
	"${T_LAST[@]}" >"$OUT" 2>"$ERR" &
	LPID=$!
	CODE=
	for i in $(seq 100); do
		CODE=$("$IDP_PY" -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event") == "device_authorization": print(d["user_code"])' "$OUT" 2>/dev/null)
		[ -n "$CODE" ] && return 0
		kill -0 "$LPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
login_wait() { wait "$LPID"; RC=$?; }
# idp_device_login_refused [RESOURCE] [confirm|login]: the user refuses; returns 0 when the
# device then gets access_denied (IDP_POLL_ERROR).
idp_device_login_refused() {
	idp_device_start "${1-api://mail}" || return 1
	idp_device_refuse "$IDP_USER_CODE" "${2:-confirm}" || return 1
	if idp_device_poll "$IDP_DEVICE_CODE" 10; then
		_idp_say "a refused device login got tokens"
		return 1
	fi
	[ "$IDP_POLL_ERROR" = access_denied ] ||
		{ _idp_say "expected access_denied, got '$IDP_POLL_ERROR'"; return 1; }
}

# idp_device_login_never SECONDS [RESOURCE]: the user never approves; returns 0 when the device
# only ever sees authorization_pending for SECONDS (or expired_token with a short
# IDP_DEVICE_TTL: check IDP_POLL_ERROR).
idp_device_login_never() {
	idp_device_start "${2-api://mail}" || return 1
	if idp_device_poll "$IDP_DEVICE_CODE" "${1:-2}"; then
		_idp_say "an unapproved device login got tokens"
		return 1
	fi
	case "$IDP_POLL_ERROR" in
	authorization_pending | expired_token) return 0 ;;
	*) _idp_say "unexpected error $IDP_POLL_ERROR"; return 1 ;;
	esac
}

# idp_jwt_part TOKEN header|payload: print the decoded JSON of one JWT part.
idp_jwt_part() {
	"$IDP_PY" -c 'import base64,json,sys
h, p = sys.argv[1].split(".")[:2]
part = h if sys.argv[2] == "header" else p
print(json.dumps(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))))' "$1" "$2"
}

# idp_jwks_merge OUT FILE...: one JWKS with the keys of every FILE, in order (the first key of
# an algorithm signs): e.g. new keys first plus the old ones for a rotation overlap.
idp_jwks_merge() {
	local out=$1
	shift
	"$IDP_PY" -c 'import json,sys
keys = [k for f in sys.argv[2:] for k in json.load(open(f))["keys"]]
tmp = sys.argv[1] + ".tmp"
import os
with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    json.dump({"keys": keys}, f, indent=1)
os.replace(tmp, sys.argv[1])' "$out" "$@"
}

# faulty_start DIR PORT [CERT_PREFIX] [ARGS...]: start faulty.py with DIR/CERT_PREFIX.pem/.key
# (default "server"), serving DIR/jwks.pub.json; waits for READY. Appends to IDP_FAULTY_PIDS
# and sets FAULTY_PID, FAULTY_URL. Extra ARGS go to faulty.py (--http-port, --mode hang-accept).
faulty_start() {
	local dir=$1 port=$2 cert=${3:-server} out i line
	shift 3 2>/dev/null || shift $#
	out=$(mktemp) || return 1
	"$IDP_PY" "$IDP_HOME/faulty.py" --port "$port" --cert "$dir/$cert.pem" \
		--key "$dir/$cert.key" --jwks "$dir/jwks.pub.json" --log "$dir/faulty-$port.log" \
		"$@" >"$out" 2>>"$dir/faulty-$port.log" </dev/null &
	FAULTY_PID=$!
	IDP_FAULTY_PIDS+=("$FAULTY_PID")
	for ((i = 0; i < 200; i++)); do
		read -r line <"$out" || true
		if [ "${line%% *}" = READY ]; then
			FAULTY_URL=https://127.0.0.1:$port
			rm -f "$out"
			return 0
		fi
		kill -0 "$FAULTY_PID" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$out"
	_idp_say "faulty.py did not come up on port $port; log tail:"
	tail -n 20 "$dir/faulty-$port.log" | sed 's/^/#   /' >&2
	return 1
}

# faulty_count URL_PATH [CA] [BASE]: how many requests the faulty server got for URL_PATH
# (query string ignored; "http:/path" for the plain-HTTP listener).
faulty_count() {
	curl -sS --proto =https --cacert "${2:-$IDP_CA}" --max-time 5 -G \
		--data-urlencode "path=$1" "${3:-$FAULTY_URL}/__count"
}

# faulty_set URL_PATH MODE [BASE] [CA]: from now on URL_PATH behaves as MODE ("" = default).
faulty_set() {
	curl -sS --fail --proto =https --cacert "${4:-$IDP_CA}" --max-time 5 -G -o /dev/null \
		--data-urlencode "path=$1" --data-urlencode "mode=$2" "${3:-$FAULTY_URL}/__set"
}

# faulty_reset [BASE] [CA]: zero all counters and drop faulty_set overrides.
faulty_reset() {
	curl -sS --fail --proto =https --cacert "${2:-$IDP_CA}" --max-time 5 -o /dev/null \
		"${1:-$FAULTY_URL}/__reset"
}

# faulty_stop_all: stop every faulty.py started by faulty_start.
faulty_stop_all() {
	local pid
	for pid in "${IDP_FAULTY_PIDS[@]}"; do
		_idp_kill_wait "$pid"
	done
	IDP_FAULTY_PIDS=()
}

# idp_cleanup: stop everything this library started (use in an EXIT trap).
idp_cleanup() {
	idp_stop
	faulty_stop_all
}
