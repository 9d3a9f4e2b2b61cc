# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/idp-glewlwyd/lib.sh - the real glewlwyd 2.7 OpenID provider (Debian package
# glewlwyd) for the integration tests: started on loopback HTTPS with a throw-away CA, an
# sqlite database in a private directory, set up through its own admin REST API as an
# administrator would, and helpers that get tokens from it (client credentials, device flow,
# authorization code, refresh) and introspect or revoke them. See tests/idp-glewlwyd/README.md.
#
# Source it from bash inside private network, PID and mount namespaces (tests/lib/netns.sh
# or pam_enter_ns), after tests/idp/lib.sh (CA and keys: idp_make_ca, idp_make_keys).
# Conventions as tests/idp/lib.sh: functions return 0 on success, print a "# reason" on
# stderr otherwise; single results on stdout; the flows set GW_* variables instead.
# Every HTTP call uses curl --cacert "$GW_CA" (never -k) and only 127.0.0.1.
# shellcheck disable=SC2034  # GW_* results are read by the sourcing test

GW_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/oauth.sh
. "$GW_HOME/../lib/oauth.sh"
GW_PY=/usr/bin/python3
GW_BIN=${GW_BIN:-/usr/bin/glewlwyd}
GW_USER=${GW_USER:-glewlwyd}          # the package's service user (glewlwyd.service)
# Debian's stock configuration (what the package's postinst installs as glewlwyd.conf) and
# its database schema (what dbconfig-common loads into a new sqlite database)
GW_CONF_TEMPLATE=/usr/share/glewlwyd/templates/glewlwyd-debian.conf.properties
GW_SCHEMA=/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3
GW_PLUGIN=oidc                        # plugin instance name: issuer .../api/oidc
GW_ADMIN_PASSWORD=password            # the schema's default admin account
GW_PASSWORD=${GW_PASSWORD:-Secret-pw-1}   # password of every test user
GW_CLIENT_ID=mail-client              # confidential, every grant, the server's client
GW_CLIENT_SECRET=mail-client-secret-1
GW_OTHER_ID=other-client              # another application of the same provider
GW_OTHER_SECRET=other-client-secret-2
GW_RESOURCE=https://mail.example.com  # RFC 8707 resource of the mail service (scope mail.read)
GW_OTHER_RESOURCE=https://other.example.com   # another service's resource (scope other.read)
GW_TOKEN_TTL=${GW_TOKEN_TTL:-600}
GW_START_TIMEOUT=${GW_START_TIMEOUT:-20}
GW_CURL_TIMEOUT=${GW_CURL_TIMEOUT:-10}
GW_PID=

_gw_say() { echo "# glewlwyd: $*" >&2; }

_gw_curl() {
	curl -sS --proto =https --cacert "$GW_CA" --max-time "$GW_CURL_TIMEOUT" "$@"
}

# _gw_api METHOD PATH [JSON]: an admin API call with the admin session; 0 on HTTP 200.
_gw_api() {
	local code out=$GW_DIR/api.out
	code=$(_gw_curl -o "$out" -w '%{http_code}' -b "$GW_DIR/admin.jar" -X "$1" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$GW_URL/api$2") ||
		return 1
	[ "$code" = 200 ] && return 0
	_gw_say "$1 $2 answered HTTP $code: $(head -c 400 "$out")"
	return 1
}

# _gw_login JAR USER PASSWORD: a session cookie for USER (the login API a browser's
# login page uses).
_gw_login() {
	local code body
	body=$("$GW_PY" -c 'import json,sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' "$2" "$3")
	code=$(_gw_curl -o /dev/null -w '%{http_code}' -c "$1" -b "$1" \
		-H 'Content-Type: application/json' --data-binary "$body" "$GW_URL/api/auth/") ||
		return 1
	[ "$code" = 200 ] || { _gw_say "login as $2 answered HTTP $code"; return 1; }
}

# gw_start DIR PORT: start glewlwyd on https://127.0.0.1:PORT with DIR/server.pem,
# DIR/server.key (idp_make_ca) and DIR/jwks.json (idp_make_keys: the RSA key signs, kid in
# the header), then configure it. Sets GW_PID GW_URL GW_ISSUER GW_CA GW_LOG GW_DIR GW_KID.
gw_start() {
	local dir=$1 port=$2 state=$1/glewlwyd i
	[ -z "$GW_PID" ] || { _gw_say "already running (pid $GW_PID)"; return 1; }
	[ -x "$GW_BIN" ] && [ -f "$GW_CONF_TEMPLATE" ] && [ -f "$GW_SCHEMA" ] ||
		{ _gw_say "glewlwyd is not installed (apt-get install glewlwyd; .ci/packages.txt)"; return 1; }
	id -u "$GW_USER" >/dev/null 2>&1 || { _gw_say "no user $GW_USER (package glewlwyd)"; return 1; }
	GW_DIR=$dir GW_CA=$dir/ca.pem GW_URL=https://127.0.0.1:$port GW_LOG=$state/glewlwyd.log
	GW_ISSUER=$GW_URL/api/$GW_PLUGIN
	# the service user reads its key and writes its database and log in $state only
	mkdir -p "$state" || return 1
	chmod 711 "$dir" && cp "$dir/server.pem" "$dir/server.key" "$state/" || return 1
	sqlite3 "$state/glewlwyd.db" <"$GW_SCHEMA" ||
		{ _gw_say "cannot create the database from $GW_SCHEMA"; return 1; }
	# Debian's stock configuration with this instance's port, URL, TLS and files
	sed -e "s|^port=.*|port=$port\nbind_address=\"127.0.0.1\"|" \
		-e "s|^external_url=.*|external_url=\"$GW_URL\"|" \
		-e "s|^log_file=.*|log_file=\"$GW_LOG\"|" \
		-e "s|^log_level=.*|log_level=\"DEBUG\"|" \
		-e "s|^use_secure_connection=.*|use_secure_connection=true|" \
		-e "s|^secure_connection_key_file=.*|secure_connection_key_file=\"$state/server.key\"|" \
		-e "s|^secure_connection_pem_file=.*|secure_connection_pem_file=\"$state/server.pem\"|" \
		-e "/^secure_connection_ca_file=/d" \
		-e "s|^@include .*glewlwyd-db.conf.*|database = { type = \"sqlite3\"; path = \"$state/glewlwyd.db\"; };|" \
		"$GW_CONF_TEMPLATE" >"$state/glewlwyd.conf" || return 1
	: >"$GW_LOG"
	chown -R "$GW_USER" "$state" && chmod 700 "$state" || return 1
	setpriv --reuid="$GW_USER" --regid=nogroup --clear-groups test -r "$state/glewlwyd.conf" ||
		{ _gw_say "$GW_USER cannot reach $state: make its parents searchable (chmod 711)"; return 1; }
	setpriv --reuid="$GW_USER" --regid=nogroup --clear-groups \
		"$GW_BIN" --config-file="$state/glewlwyd.conf" >"$state/stdout.log" 2>&1 </dev/null &
	GW_PID=$!
	for ((i = 0; i < GW_START_TIMEOUT * 10; i++)); do
		if curl -s -o /dev/null --cacert "$GW_CA" --max-time 2 "$GW_URL/config"; then
			gw_setup && return 0
			gw_stop
			return 1
		fi
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	_gw_say "did not come up on port $port; log tail:"
	tail -n 15 "$GW_LOG" "$state/stdout.log" 2>/dev/null | sed 's/^/#   /' >&2
	gw_stop
	return 1
}

# gw_setup: what an administrator does in the admin pages, through the same REST API: the
# scopes, two users, the OpenID Connect plugin (keys, durations, grants, resource
# indicators, introspection) and two confidential clients.
gw_setup() {
	local p k jwks
	_gw_login "$GW_DIR/admin.jar" admin "$GW_ADMIN_PASSWORD" || return 1
	_gw_api POST /scope/ '{"name":"mail.read","display_name":"Mail","description":"read mail","password_required":true,"password_max_age":0,"scheme":{}}' &&
	_gw_api POST /scope/ '{"name":"other.read","display_name":"Other","description":"another service","password_required":true,"password_max_age":0,"scheme":{}}' || return 1
	for u in alice bob; do
		_gw_api POST /user/ "$("$GW_PY" -c 'import json,sys
print(json.dumps({"username": sys.argv[1], "name": sys.argv[1].title(), "email": sys.argv[1] + "@example.test",
                  "password": sys.argv[2], "enabled": True,
                  "scope": ["openid", "g_profile", "mail.read", "other.read"]}))' "$u" "$GW_PASSWORD")" ||
			return 1
	done
	jwks=$(cat "$GW_DIR/jwks.json") || return 1
	GW_KID=$("$GW_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' "$GW_DIR/jwks.json")
	p=$("$GW_PY" - "$GW_ISSUER" "$jwks" "$GW_TOKEN_TTL" "$GW_RESOURCE" "$GW_OTHER_RESOURCE" <<-'EOF'
	import json, sys
	iss, jwks, ttl, res, other = sys.argv[1:6]
	print(json.dumps({"module": "oidc", "name": "oidc", "display_name": "OpenID Connect",
	    "enabled": True, "parameters": {
	    "iss": iss, "jwks-private": jwks, "jwt-type": "rsa", "jwt-key-size": "256",
	    "default-kid": "", "jwks-show": True, "secret-type": "public",
	    "access-token-duration": int(ttl), "refresh-token-duration": 1209600,
	    "code-duration": 600, "refresh-token-rolling": True, "refresh-token-one-use": "never",
	    "allow-non-oidc": True, "auth-type-code-enabled": True, "auth-type-token-enabled": False,
	    "auth-type-id-token-enabled": True, "auth-type-none-enabled": False,
	    "auth-type-password-enabled": False, "auth-type-client-enabled": True,
	    "auth-type-device-enabled": True, "auth-type-refresh-enabled": True,
	    "device-authorization-expiration": 600, "device-authorization-interval": 1,
	    "allowed-scope": ["openid", "mail.read", "other.read"],
	    "introspection-revocation-allowed": True, "introspection-revocation-auth-scope": [],
	    "introspection-revocation-allow-target-client": True,
	    "resource-allowed": True, "resource-scope": {"mail.read": [res], "other.read": [other]},
	    "resource-client-property": "", "resource-scope-and-client-property": False,
	    "additional-parameters": [
	        {"user-parameter": "username", "token-parameter": "preferred_username"},
	        {"user-parameter": "email", "token-parameter": "email"}],
	    "claims": [], "name-claim": "on-demand", "email-claim": "on-demand",
	    "scope-claim": "no", "address-claim": {"type": "no"},
	    "pkce-allowed": True, "request-parameter-allow": False}}))
	EOF
	) || return 1
	_gw_api POST /mod/plugin/ "$p" || return 1
	for k in "$GW_CLIENT_ID:$GW_CLIENT_SECRET:mail.read" "$GW_OTHER_ID:$GW_OTHER_SECRET:other.read"; do
		_gw_api POST /client/ "$("$GW_PY" - "${k%%:*}" "$(cut -d: -f2 <<<"$k")" "${k##*:}" <<-'EOF'
		import json, sys
		cid, secret, scope = sys.argv[1:4]
		print(json.dumps({"client_id": cid, "name": cid, "client_secret": secret,
		    "confidential": True, "enabled": True,
		    "authorization_type": ["code", "device_authorization", "client_credentials",
		                           "refresh_token"],
		    "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
		    "redirect_uri": ["https://127.0.0.1/callback"],
		    "scope": [scope, "mail.read"] if cid == "other-client" else [scope]}))
		EOF
		)" || return 1
	done
}

# gw_stop: stop glewlwyd (SIGTERM, then SIGKILL after 5 s).
gw_stop() {
	[ -n "$GW_PID" ] || return 0
	_idp_kill_wait "$GW_PID"
	GW_PID=
}

# _gw_token_call ARGS...: POST to the token endpoint; the answer lands in GW_TOKEN_RESPONSE,
# its tokens in GW_ACCESS_TOKEN GW_REFRESH_TOKEN GW_ID_TOKEN; GW_ERROR on an error.
_gw_token_call() { oauth_token_request GW _gw_curl "$GW_ISSUER/token" "$@"; }

# gw_token_cc [SCOPE] [RESOURCE] [CLIENT SECRET]: a client_credentials access token (default
# mail-client, scope mail.read). Prints the token.
gw_token_cc() {
	local args=(-u "${3:-$GW_CLIENT_ID}:${4:-$GW_CLIENT_SECRET}" -d grant_type=client_credentials
		--data-urlencode "scope=${1:-mail.read}")
	[ -z "${2:-}" ] || args+=(--data-urlencode "resource=$2")
	_gw_token_call "${args[@]}" ||
		{ _gw_say "client_credentials failed: $GW_TOKEN_RESPONSE"; return 1; }
	printf '%s\n' "$GW_ACCESS_TOKEN"
}

# gw_device_approve USER_CODE USER [SCOPE] [CLIENT]: the user's browser: log in (the login
# API a login page uses), grant SCOPE to CLIENT, enter the user code at glewlwyd's /device
# page (g_continue: the request comes from the login page, not a link) and reach
# "deviceComplete". For a device flow run by the code under test (oidc-auth login).
gw_device_approve() {
	local ucode=$1 user=$2 scope=${3:-openid mail.read} client=${4:-$GW_CLIENT_ID} jar loc
	jar=$GW_DIR/user-$user.jar
	_gw_login "$jar" "$user" "$GW_PASSWORD" || return 1
	_gw_curl -o /dev/null -b "$jar" -X PUT -H 'Content-Type: application/json' \
		--data-binary "{\"scope\":\"$scope\"}" "$GW_URL/api/auth/grant/$client" || return 1
	loc=$(_gw_curl -o /dev/null -w '%{redirect_url}' -b "$jar" -G \
		--data-urlencode "code=$ucode" -d g_continue "$GW_ISSUER/device") || return 1
	case "$loc" in
	*prompt=deviceComplete*) return 0 ;;
	*) _gw_say "user code not accepted: redirect to '$loc'"; return 1 ;;
	esac
}

# gw_device_login USER [SCOPE] [RESOURCE] [CLIENT SECRET]: the whole RFC 8628 device flow,
# scripted: the device asks for a code; polling before approval must give
# authorization_pending; the user approves (gw_device_approve); the device then gets its
# tokens (GW_ACCESS_TOKEN GW_REFRESH_TOKEN GW_ID_TOKEN).
gw_device_login() {
	local user=$1 scope=${2:-openid mail.read} client=${4:-$GW_CLIENT_ID}
	local secret=${5:-$GW_CLIENT_SECRET} resp dcode ucode args
	args=(--data-urlencode "scope=$scope")
	[ -z "${3:-}" ] || args+=(--data-urlencode "resource=$3")
	resp=$(_gw_curl -u "$client:$secret" "${args[@]}" "$GW_ISSUER/device_authorization") ||
		return 1
	dcode=$(json_expr 'd["device_code"]' <<<"$resp") && ucode=$(json_expr 'd["user_code"]' <<<"$resp") ||
		{ _gw_say "device authorization failed: $resp"; return 1; }
	_gw_token_call -u "$client:$secret" -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
		--data-urlencode "device_code=$dcode"
	[ "$GW_ERROR" = authorization_pending ] ||
		{ _gw_say "poll before approval: '$GW_ERROR', expected authorization_pending"; return 1; }
	gw_device_approve "$ucode" "$user" "$scope" "$client" || return 1
	sleep 1.1   # the announced interval (1 s): a faster poll gets slow_down
	_gw_token_call -u "$client:$secret" -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
		--data-urlencode "device_code=$dcode" ||
		{ _gw_say "device token request failed: $GW_TOKEN_RESPONSE"; return 1; }
}

# gw_code_login USER [SCOPE] [RESOURCE] [CLIENT SECRET]: the authorization code flow as a
# browser does it (/auth with the user's session, g_continue), then the code exchange.
gw_code_login() {
	local user=$1 scope=${2:-openid mail.read} client=${4:-$GW_CLIENT_ID}
	local secret=${5:-$GW_CLIENT_SECRET} jar loc code args
	jar=$GW_DIR/user-$user.jar
	_gw_login "$jar" "$user" "$GW_PASSWORD" || return 1
	_gw_curl -o /dev/null -b "$jar" -X PUT -H 'Content-Type: application/json' \
		--data-binary "{\"scope\":\"$scope\"}" "$GW_URL/api/auth/grant/$client" || return 1
	args=(-d response_type=code --data-urlencode "client_id=$client"
		--data-urlencode "redirect_uri=https://127.0.0.1/callback"
		--data-urlencode "scope=$scope" -d state=st1 -d nonce=n1 -d g_continue)
	[ -z "${3:-}" ] || args+=(--data-urlencode "resource=$3")
	loc=$(_gw_curl -o /dev/null -w '%{redirect_url}' -b "$jar" -G "${args[@]}" \
		"$GW_ISSUER/auth") || return 1
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$loc")
	[ -n "$code" ] || { _gw_say "no code in the redirect: '$loc'"; return 1; }
	args=(-u "$client:$secret" -d grant_type=authorization_code --data-urlencode "code=$code"
		--data-urlencode "redirect_uri=https://127.0.0.1/callback")
	[ -z "${3:-}" ] || args+=(--data-urlencode "resource=$3")
	_gw_token_call "${args[@]}" || { _gw_say "code exchange failed: $GW_TOKEN_RESPONSE"; return 1; }
}

# gw_refresh REFRESH_TOKEN [RESOURCE] [CLIENT SECRET]: a new access token (GW_*).
gw_refresh() {
	local args=(-u "${3:-$GW_CLIENT_ID}:${4:-$GW_CLIENT_SECRET}" -d grant_type=refresh_token
		--data-urlencode "refresh_token=$1")
	[ -z "${2:-}" ] || args+=(--data-urlencode "resource=$2")
	_gw_token_call "${args[@]}" || { _gw_say "refresh failed: $GW_TOKEN_RESPONSE"; return 1; }
}

# gw_introspect TOKEN [CLIENT SECRET]: the RFC 7662 answer (JSON) on stdout.
gw_introspect() {
	_gw_curl -u "${2:-$GW_CLIENT_ID}:${3:-$GW_CLIENT_SECRET}" --data-urlencode "token=$1" \
		"$GW_ISSUER/introspect"
}

# gw_revoke TOKEN [CLIENT SECRET]: RFC 7009 revocation; 0 on HTTP 200.
gw_revoke() {
	local code
	code=$(_gw_curl -o /dev/null -w '%{http_code}' -u "${2:-$GW_CLIENT_ID}:${3:-$GW_CLIENT_SECRET}" \
		--data-urlencode "token=$1" "$GW_ISSUER/revoke") || return 1
	[ "$code" = 200 ] || { _gw_say "revocation answered HTTP $code"; return 1; }
}

# gw_userinfo TOKEN: the userinfo answer (JSON).
gw_userinfo() { _gw_curl -H "Authorization: Bearer $1" "$GW_ISSUER/userinfo"; }

gw_cleanup() { gw_stop; }
