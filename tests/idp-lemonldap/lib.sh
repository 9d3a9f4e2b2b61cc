# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/idp-lemonldap/lib.sh - the real LemonLDAP::NG 2.16 OpenID provider (Debian packages
# lemonldap-ng, lemonldap-ng-fastcgi-server) behind nginx on loopback HTTPS, with the Demo
# authentication backend (users dwho, rtyler, msmith; password = user name), for the
# integration tests. See tests/idp-lemonldap/README.md.
#
# Source it from bash inside private network, PID AND MOUNT namespaces, after
# tests/idp/lib.sh (idp_make_ca). LemonLDAP::NG reads /etc/lemonldap-ng/lemonldap-ng.ini and
# keeps its configuration and sessions under /var/lib/lemonldap-ng: llng_start bind-mounts
# private copies over both (it refuses to run in the host's mount namespace), so the host's
# files are read, never written. Conventions as tests/idp/lib.sh: 0 on success, a "# reason"
# on stderr otherwise; single results on stdout, the login flow sets LL_* variables.
# shellcheck disable=SC2034  # LL_* results are read by the sourcing test

LL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/oauth.sh
. "$LL_HOME/../lib/oauth.sh"
LL_PY=/usr/bin/python3
LL_INI=/etc/lemonldap-ng/lemonldap-ng.ini          # stock files of the packages
LL_STOCK_CONF=/var/lib/lemonldap-ng/conf/lmConf-1.json
LL_VAR=/var/lib/lemonldap-ng
LL_FCGI=/usr/sbin/llng-fastcgi-server
LL_USER=www-data                                    # the packages' service user
# The relying parties (clients) of the test portal, confidential, secret "<client>-secret":
#   mail-client   JWT access tokens (RS256, aud [mail-client, LL_AUDIENCE]), as a mail client
#                 app would have them; authorization code, client credentials, refresh
#   other-client  the same for another service (aud [other-client, https://other.example.com])
#   mail-app      opaque access tokens (introspection), for the same mail service
#   other-app     opaque access tokens of another application
#   short-app     like mail-app, access tokens live LL_SHORT_TTL seconds
#   mail-server   this server's own client: it introspects (LemonLDAP::NG lets any
#                 confidential client introspect any token)
LL_CLIENT_ID=mail-client
LL_CLIENT_SECRET=mail-client-secret
LL_OTHER_ID=other-client
LL_OTHER_SECRET=other-client-secret
LL_APP_ID=mail-app
LL_APP_SECRET=mail-app-secret
LL_OTHER_APP_ID=other-app
LL_OTHER_APP_SECRET=other-app-secret
LL_SHORT_ID=short-app
LL_SHORT_SECRET=short-app-secret
LL_SERVER_ID=mail-server
LL_SERVER_SECRET=mail-server-secret
LL_SHORT_TTL=${LL_SHORT_TTL:-2}
LL_AUDIENCE=https://mail.example.com  # additional audience of mail-client's JWT access tokens
LL_REDIRECT=https://127.0.0.1/callback
LL_START_TIMEOUT=${LL_START_TIMEOUT:-30}
LL_CURL_TIMEOUT=${LL_CURL_TIMEOUT:-15}
LL_NGINX_PID=
LL_FCGI_PID=

_ll_say() { echo "# lemonldap: $*" >&2; }

_ll_curl() {
	curl -sS --proto =https --cacert "$LL_CA" --max-time "$LL_CURL_TIMEOUT" "$@"
}

# llng_start DIR PORT: nginx on https://127.0.0.1:PORT (DIR/server.pem, server.key from
# idp_make_ca) in front of llng-fastcgi-server running as www-data, the relying parties
# above. Sets LL_URL LL_ISSUER LL_CA LL_DIR LL_LOG LL_KID.
llng_start() {
	local dir=$1 port=$2 l=$1/llng i code
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] || [ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		_ll_say "llng_start: not in a private mount namespace (export OIDC_OUTER_MNTNS before unshare)"
		return 1
	fi
	[ -x "$LL_FCGI" ] && [ -f "$LL_INI" ] && [ -f "$LL_STOCK_CONF" ] && command -v nginx >/dev/null ||
		{ _ll_say "lemonldap-ng, lemonldap-ng-fastcgi-server or nginx missing (.ci/packages.txt)"; return 1; }
	LL_DIR=$dir LL_CA=$dir/ca.pem LL_URL=https://127.0.0.1:$port LL_LOG=$l/portal.log
	LL_ISSUER=$LL_URL/
	mkdir -p "$l/var" "$l/run" "$l/nginx" || return 1
	for i in conf sessions/lock psessions/lock cache captcha notifications; do
		mkdir -p "$l/var/$i" || return 1
	done
	# the signing key (PKCS#1: Crypt::OpenSSL::RSA) and its kid
	openssl genrsa -traditional -out "$l/sig.key" 2048 2>/dev/null &&
		openssl rsa -in "$l/sig.key" -pubout -out "$l/sig.pub" 2>/dev/null || return 1
	LL_KID=llng-$(openssl rand -hex 4)
	# the stock lemonldap-ng.ini: its paths stay (the bind mounts below), only logging changes
	sed -e 's/^logLevel .*/logLevel = info/' "$LL_INI" >"$l/lemonldap-ng.ini" || return 1
	"$LL_PY" - "$LL_STOCK_CONF" "$l/var/conf/lmConf-1.json" "$LL_URL" "$l/sig.key" \
		"$l/sig.pub" "$LL_KID" <<-EOF || { _ll_say "cannot write the configuration"; return 1; }
	import json, sys
	stock, out, url, key, pub, kid = sys.argv[1:7]
	c = json.load(open(stock))
	host = "127.0.0.1"
	# the portal, its cookie and its rules on this host instead of auth.example.com
	c["portal"] = url + "/"
	c["domain"] = host
	c["securedCookie"] = 1
	c["locationRules"] = {host: {"default": "accept"}}
	c["exportedHeaders"] = {}
	c["reloadUrls"] = {}
	c["applicationList"] = {}
	c["captcha"] = "OidcAuthTest::NoCaptcha"
	# self-registration (on in the stock demo) needs MIME::Entity for its mails: off
	c["registerDB"] = "Null"
	c["cfgNum"] = 1
	# the OpenID Connect issuer with one RS256 key
	c["issuerDBOpenIDConnectActivation"] = 1
	c["oidcServicePrivateKeySig"] = open(key).read()
	c["oidcServicePublicKeySig"] = open(pub).read()
	c["oidcServiceKeyIdSig"] = kid
	c["oidcServiceAllowAuthorizationCodeFlow"] = 1
	def rp(client, jwt_at, audiences="", ttl=None):
	    o = {"oidcRPMetaDataOptionsClientID": client,
	         "oidcRPMetaDataOptionsClientSecret": client + "-secret",
	         "oidcRPMetaDataOptionsDisplayName": client,
	         "oidcRPMetaDataOptionsRedirectUris": "${LL_REDIRECT}",
	         "oidcRPMetaDataOptionsIDTokenSignAlg": "RS256",
	         "oidcRPMetaDataOptionsAccessTokenSignAlg": "RS256",
	         "oidcRPMetaDataOptionsAccessTokenJWT": int(jwt_at),
	         "oidcRPMetaDataOptionsAccessTokenClaims": 1,
	         "oidcRPMetaDataOptionsAdditionalAudiences": audiences,
	         "oidcRPMetaDataOptionsBypassConsent": 1,
	         "oidcRPMetaDataOptionsAllowClientCredentialsGrant": 1,
	         "oidcRPMetaDataOptionsRefreshToken": 1,
	         "oidcRPMetaDataOptionsUserIDAttr": "uid"}
	    if ttl:
	        o["oidcRPMetaDataOptionsAccessTokenExpiration"] = int(ttl)
	    return o
	c["oidcRPMetaDataOptions"] = {
	    "mail": rp("${LL_CLIENT_ID}", True, "${LL_AUDIENCE}"),
	    "other": rp("${LL_OTHER_ID}", True, "https://other.example.com"),
	    "app": rp("${LL_APP_ID}", False),
	    "otherapp": rp("${LL_OTHER_APP_ID}", False),
	    "short": rp("${LL_SHORT_ID}", False, "", "${LL_SHORT_TTL}"),
	    "server": rp("${LL_SERVER_ID}", False),
	}
	claims = {"email": "mail", "name": "cn", "preferred_username": "uid"}
	c["oidcRPMetaDataExportedVars"] = {k: dict(claims) for k in c["oidcRPMetaDataOptions"]}
	json.dump(c, open(out, "w"), indent=1, sort_keys=True)
	EOF
	# nginx in front, as /etc/lemonldap-ng/portal-nginx.conf does it, on TLS
	cat >"$l/nginx/nginx.conf" <<-EOF || return 1
	user $LL_USER;
	worker_processes 1;
	pid $l/nginx/nginx.pid;
	error_log $l/nginx/error.log info;
	events { worker_connections 64; }
	http {
	  include /etc/nginx/mime.types;
	  access_log $l/nginx/access.log;
	  client_body_temp_path $l/nginx/body;
	  fastcgi_temp_path $l/nginx/fastcgi;
	  proxy_temp_path $l/nginx/proxy;
	  uwsgi_temp_path $l/nginx/uwsgi;
	  scgi_temp_path $l/nginx/scgi;
	  upstream llng_portal_upstream { server unix:$l/run/llng-fastcgi.sock; }
	  server {
	    listen 127.0.0.1:$port ssl;
	    server_name 127.0.0.1;
	    ssl_certificate $l/nginx/server.pem;
	    ssl_certificate_key $l/nginx/server.key;
	    root /usr/share/lemonldap-ng/portal/htdocs/;
	    if (\$uri !~ ^/((static|javascript|favicon).*|.*\.psgi)) {
	      rewrite ^/(.*)\$ /index.psgi/\$1 break;
	    }
	    location ~ ^(?<sc>/.*\.psgi)(?:\$|/) {
	      include /etc/nginx/fastcgi_params;
	      fastcgi_pass llng_portal_upstream;
	      fastcgi_param HTTP_HOST \$host:\$server_port;
	      fastcgi_param LLTYPE psgi;
	      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
	      fastcgi_split_path_info ^(.*\.psgi)(/.*)\$;
	      fastcgi_param PATH_INFO \$fastcgi_path_info;
	    }
	    index index.psgi;
	    location / { try_files \$uri \$uri/ =404; }
	    location /static/ { alias /usr/share/lemonldap-ng/portal/htdocs/static/; }
	  }
	}
	EOF
	cp "$dir/server.pem" "$dir/server.key" "$l/nginx/" || return 1
	chown -R "$LL_USER:$LL_USER" "$l/var" "$l/run" && chmod 750 "$l/var/conf" || return 1
	chmod 640 "$l/var/conf/lmConf-1.json" && chmod 711 "$dir" "$l" || return 1
	setpriv --reuid="$LL_USER" --regid="$LL_USER" --clear-groups test -r "$l/var/conf/lmConf-1.json" ||
		{ _ll_say "$LL_USER cannot reach $l: make its parents searchable (chmod 711)"; return 1; }
	# the private copies over the paths LemonLDAP::NG reads (this mount namespace only)
	mount --bind "$l/lemonldap-ng.ini" "$LL_INI" && mount --bind "$l/var" "$LL_VAR" ||
		{ _ll_say "bind mounts over $LL_INI and $LL_VAR failed"; return 1; }
	LL_MOUNTED=1
	: >"$LL_LOG"
	chown "$LL_USER" "$LL_LOG"
	# llng-fastcgi-server refuses to run as root: it drops to www-data itself (-u/-g); the
	# logger goes to stderr (the default is syslog, and there is no syslog here)
	LLNG_DEFAULTLOGGER=Lemonldap::NG::Common::Logger::Std PERL5LIB=$LL_HOME/perl \
		"$LL_FCGI" --foreground -u "$LL_USER" -g "$LL_USER" -n 2 \
		-s "$l/run/llng-fastcgi.sock" -p "$l/run/llng-fastcgi.pid" \
		>>"$LL_LOG" 2>&1 </dev/null &
	LL_FCGI_PID=$!
	nginx -c "$l/nginx/nginx.conf" -e "$l/nginx/error.log" -g 'daemon off;' \
		>"$l/nginx/nginx.out" 2>&1 </dev/null &
	LL_NGINX_PID=$!
	for ((i = 0; i < LL_START_TIMEOUT * 10; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$LL_CA" --max-time 5 \
			"$LL_URL/.well-known/openid-configuration")
		[ "$code" = 200 ] && return 0
		kill -0 "$LL_FCGI_PID" 2>/dev/null && kill -0 "$LL_NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	_ll_say "portal not up on port $port (last HTTP $code); log tails:"
	tail -n 15 "$LL_LOG" "$l/nginx/error.log" "$l/nginx/nginx.out" 2>/dev/null | sed 's/^/#   /' >&2
	llng_stop
	return 1
}

# llng_stop: stop nginx and the FastCGI server (its workers die with the PID namespace) and
# take the bind mounts away again.
llng_stop() {
	[ -z "$LL_NGINX_PID" ] || _idp_kill_wait "$LL_NGINX_PID"
	[ -z "$LL_FCGI_PID" ] || _idp_kill_wait "$LL_FCGI_PID"
	LL_NGINX_PID='' LL_FCGI_PID=''
	if [ -n "${LL_MOUNTED:-}" ]; then
		umount "$LL_VAR" 2>/dev/null
		umount "$LL_INI" 2>/dev/null
		LL_MOUNTED=
	fi
	return 0
}

_ll_token_call() { oauth_token_request LL _ll_curl "$LL_URL/oauth2/token" "$@"; }

# llng_token_cc [SCOPE] [CLIENT SECRET]: a client_credentials access token; prints it.
llng_token_cc() {
	_ll_token_call -u "${2:-$LL_CLIENT_ID}:${3:-$LL_CLIENT_SECRET}" \
		-d grant_type=client_credentials --data-urlencode "scope=${1:-mail.read}" ||
		{ _ll_say "client_credentials failed: $LL_TOKEN_RESPONSE"; return 1; }
	printf '%s\n' "$LL_ACCESS_TOKEN"
}

_ll_form_value() {   # NAME: value of the input NAME in the HTML on stdin
	"$LL_PY" -c 'import html, re, sys
page = sys.stdin.read()
for tag in re.findall(r"<input[^>]*>", page):
    if re.search(r"name=\"%s\"" % re.escape(sys.argv[1]), tag):
        m = re.search(r"value=\"([^\"]*)\"", tag)
        print(html.unescape(m.group(1)) if m else "")
        break' "$1"
}

# llng_login USER [SCOPE] [CLIENT SECRET]: the authorization code flow as a browser does
# it: /oauth2/authorize shows the portal's login form, the user posts name and password
# (Demo backend: password = user name) with the form's hidden fields, the portal redirects
# to the redirect_uri with a code, which the client exchanges. Sets LL_ACCESS_TOKEN,
# LL_ID_TOKEN, LL_REFRESH_TOKEN and LL_JAR (the user's SSO session cookie).
llng_login() {
	local user=$1 scope=${2:-openid profile email mail.read} client=${3:-$LL_CLIENT_ID}
	local secret=${4:-$LL_CLIENT_SECRET} page url field args code
	LL_JAR=$LL_DIR/llng-$user.jar
	rm -f "$LL_JAR"
	page=$(_ll_curl -c "$LL_JAR" -b "$LL_JAR" -G -d response_type=code \
		--data-urlencode "client_id=$client" --data-urlencode "redirect_uri=$LL_REDIRECT" \
		--data-urlencode "scope=$scope" -d state=st1 -d nonce=n1 "$LL_URL/oauth2/authorize") ||
		return 1
	args=(--data-urlencode "user=$user" --data-urlencode "password=$user")
	for field in url skin token timezone; do
		url=$(_ll_form_value "$field" <<<"$page")
		[ -z "$url" ] || args+=(--data-urlencode "$field=$url")
	done
	url=$(_ll_curl -c "$LL_JAR" -b "$LL_JAR" -L -o "$LL_DIR/llng-login.html" \
		-w '%{url_effective} %{redirect_url}' "${args[@]}" "$LL_URL/oauth2/authorize?$(
			"$LL_PY" -c 'import sys, urllib.parse as u
print(u.urlencode({"response_type": "code", "client_id": sys.argv[1], "redirect_uri": sys.argv[2],
                   "scope": sys.argv[3], "state": "st1", "nonce": "n1"}))' "$client" "$LL_REDIRECT" "$scope")" 2>/dev/null)
	code=$(grep -o '[?&]code=[^& ]*' <<<"$url" | head -n 1 | cut -d= -f2)
	[ -n "$code" ] || { _ll_say "login as $user gave no code (ended at: $url)"; return 1; }
	_ll_token_call -u "$client:$secret" -d grant_type=authorization_code \
		--data-urlencode "code=$code" --data-urlencode "redirect_uri=$LL_REDIRECT" ||
		{ _ll_say "code exchange failed: $LL_TOKEN_RESPONSE"; return 1; }
}

# llng_refresh REFRESH_TOKEN [CLIENT SECRET]: a new access token (LL_*).
llng_refresh() {
	_ll_token_call -u "${2:-$LL_CLIENT_ID}:${3:-$LL_CLIENT_SECRET}" -d grant_type=refresh_token \
		--data-urlencode "refresh_token=$1" || { _ll_say "refresh failed: $LL_TOKEN_RESPONSE"; return 1; }
}

# llng_logout: the user of the last llng_login logs out of the portal: the SSO session and
# with it every access token issued in it end (LemonLDAP::NG 2.16 has no RFC 7009 revocation
# endpoint; this is how its tokens are revoked).
llng_logout() {
	_ll_curl -o /dev/null -c "$LL_JAR" -b "$LL_JAR" "$LL_URL/?logout=1"
}

# llng_introspect TOKEN [CLIENT SECRET]: the RFC 7662 answer (JSON), asked as mail-server.
llng_introspect() {
	_ll_curl -u "${2:-$LL_SERVER_ID}:${3:-$LL_SERVER_SECRET}" --data-urlencode "token=$1" \
		"$LL_URL/oauth2/introspect"
}

# llng_userinfo TOKEN: the userinfo answer (JSON).
llng_userinfo() { _ll_curl -H "Authorization: Bearer $1" "$LL_URL/oauth2/userinfo"; }

llng_cleanup() { llng_stop; }
