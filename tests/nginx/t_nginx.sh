#!/usr/bin/env bash
# tests/nginx/t_nginx.sh - docs/recipes/nginx.md run as written (issue 12): Debian's stock
# nginx.conf with the recipe's site, auth_pam and libnginx-mod-http-dav-ext, the workers as
# www-data, the recipe's PAM services with pam_oidc.so installed where the package puts it,
# /etc/oidc-auth/nginx.conf and the www-data cache from the recipe, and the real OpenID
# provider (tests/idp). Clients: curl and cadaver with the recipe's snippets, the token from
# "oidc-auth login" / "oidc-auth token" (a scripted device flow). Site-specific values are
# the test provider's: issuer, audience, scope, client id and the writers' group.
#
# Also the hostile cases: no credentials, a forged token, another user's token, a token
# without the writers' group at the WebDAV location, and token size: a 7 KB token is refused
# with nginx's default header buffers and passes with the recipe's large_client_header_buffers.
#
# Private network, PID and mount namespaces; /etc, /var/cache, /srv, the PAM module folder,
# /var/lib/nginx and /var/log/nginx get private layers there (tests/lib/deploy.sh), /run and
# /dev are private: the host's files are never written.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns nginx "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/lib/deploy.sh
t_init nginx "$@"
nginx_stop() {
	[ -s /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null
	return 0
}
trap 'nginx_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"
DOC=docs/recipes/nginx.md

fatal() { not_ok "$@"; t_done; exit 1; }
command -v nginx >/dev/null && command -v cadaver >/dev/null && command -v rclone >/dev/null ||
	fatal "nginx: nginx, cadaver and rclone are installed"
for m in auth-pam dav-ext; do
	[ -f "/etc/nginx/modules-enabled/50-mod-http-$m.conf" ] ||
		fatal "nginx: libnginx-mod-http-$m is installed"
done
[ -f "$PAM_SO_HOST" ] || fatal "nginx: $PAM_SO_HOST is built"
pam_devlog "$T_TMP" || fatal "nginx: private /dev/log"
deploy_layers "$T_TMP/layers" && deploy_overlay /var/lib/nginx "$T_TMP/layers/nginx-lib" &&
	deploy_overlay /var/log/nginx "$T_TMP/layers/nginx-log" || fatal "nginx: private layers"
deploy_pam_module || fatal "nginx: install pam_oidc.so"
pam_idp_up "$T_TMP/idp" || fatal "nginx: start the OpenID provider"
deploy_trust_ca "$IDP_CA" && deploy_hosts archive.example.com || fatal "nginx: trust and hosts"
export PATH=$ROOT/$BUILD_DIR:$PATH

# ---- the recipe, block by block ------------------------------------------------------------
mkdir -p /etc/oidc-auth
deploy_block "$DOC" nginx-oidc-conf | deploy_conf_for_idp >/etc/oidc-auth/nginx.conf ||
	fatal "nginx recipe: /etc/oidc-auth/nginx.conf"
if bash -e <(deploy_block "$DOC" nginx-install) >"$OUT" 2>"$ERR"; then
	ok "nginx recipe: cache directory and check-config as written"
else
	fatal "nginx recipe: cache directory and check-config as written" "$(cat "$OUT" "$ERR")"
fi
deploy_block "$DOC" nginx-pam >/etc/pam.d/nginx-oidc &&
	deploy_block "$DOC" nginx-pam-dav |
	sed 's/groups=archive-writers/groups=mail-users/' >/etc/pam.d/nginx-oidc-dav &&
	deploy_block "$DOC" nginx-site >/etc/nginx/sites-available/archive ||
	fatal "nginx recipe: PAM services and site"
deploy_cert "$T_TMP/idp" archive.example.com /etc/ssl/certs/archive.example.com.pem \
	/etc/ssl/private/archive.example.com.key || fatal "nginx: server certificate"
mkdir -p /srv/archive/reports && echo "Q3 numbers" >/srv/archive/reports/q3.txt
nginx 2>"$ERR" || fatal "nginx: starts with Debian's stock configuration" "$(cat "$ERR")"
if bash -e <(deploy_block "$DOC" nginx-enable) >"$OUT" 2>&1; then
	ok "nginx recipe: site enabled and reloaded as written"
else
	fatal "nginx recipe: site enabled and reloaded as written" "$(cat "$OUT")"
fi
up=
for ((i = 0; i < 100; i++)); do
	curl -s -o /dev/null https://archive.example.com/ && { up=1; break; }
	sleep 0.05
done
[ -n "$up" ] && ok "nginx: https://archive.example.com/ answers" ||
	fatal "nginx: https://archive.example.com/ answers" "$(tail -5 /var/log/nginx/error.log)"
if ps -o user= -C nginx | grep -qx www-data; then ok "nginx: the workers run as www-data"; else
	not_ok "nginx: the workers run as www-data" "$(ps -o user=,args= -C nginx)"; fi

# get URL TOKEN [USER] [curl args...]: HTTP status of a request with Basic USER:TOKEN
get() {
	local url=$1 tok=$2 user=${3:-alice}
	shift 3 2>/dev/null || shift $#
	printf 'user = "%s:%s"\n' "$user" "$tok" |
		curl -s -o "$OUT" -w '%{http_code}' -K - "$@" "$url" 2>"$ERR"
}
expect_status() {   # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "HTTP $2, expected $3" "$(head -c 300 "$OUT")"; fi
}

TOK=$(idp_token_cc api://mail "" alice) || not_ok "nginx: token from the provider"
log_mark
expect_status "GET with alice's token: 200" "$(get https://archive.example.com/reports/ "$TOK")" 200
grep -q 'q3.txt' "$OUT" && ok "GET with a token: the archive listing" ||
	not_ok "GET with a token: the archive listing" "$(head -c 300 "$OUT")"
expect_log "GET with a token: audit allow from the nginx worker" \
	'pam_oidc\(nginx-oidc:auth\): result=allow reason=ok mode=token user="alice"'
if find /var/cache/oidc-auth/nginx -type f -user www-data | grep -q .; then
	ok "the provider's keys are cached by www-data in /var/cache/oidc-auth/nginx"
else
	not_ok "the provider's keys are cached by www-data" "$(ls -laR /var/cache/oidc-auth 2>&1)"
fi
JWKS0=$(grep -c 'GET /jwks ' "$IDP_LOG")
for i in 1 2 3 4 5; do get https://archive.example.com/reports/q3.txt "$TOK" >/dev/null; done
JWKS1=$(grep -c 'GET /jwks ' "$IDP_LOG")
[ "$JWKS1" = "$JWKS0" ] && ok "5 more requests: no request to the provider (disk cache)" ||
	not_ok "5 more requests: no request to the provider" "JWKS fetched $((JWKS1 - JWKS0)) times"

code=$(curl -s -o /dev/null -D "$T_TMP/hdr" -w '%{http_code}' https://archive.example.com/)
expect_status "no credentials: 401" "$code" 401
grep -qi '^WWW-Authenticate: Basic realm="Archive"' "$T_TMP/hdr" &&
	ok "no credentials: WWW-Authenticate Basic realm=\"Archive\"" ||
	not_ok "no credentials: WWW-Authenticate Basic realm=\"Archive\"" "$(cat "$T_TMP/hdr")"
SIG=${TOK##*.}
MID=$((${#SIG} / 2))
case "${SIG:$MID:1}" in A) C=B ;; *) C=A ;; esac
FORGED=${TOK%.*}.${SIG:0:$MID}$C${SIG:$((MID + 1))}
log_mark
expect_status "a forged token: 401" "$(get https://archive.example.com/ "$FORGED")" 401
expect_log "a forged token: audit bad_signature" 'nginx-oidc:auth\): result=deny reason=bad_signature'
grep -q "PAM: user 'alice' - not authenticated" /var/log/nginx/error.log &&
	ok "a forged token: nginx's error log says 'PAM: user 'alice' - not authenticated'" ||
	not_ok "a forged token: nginx's error log line" "$(tail -n 3 /var/log/nginx/error.log)"
log_mark
expect_status "bob with alice's token: 401" "$(get https://archive.example.com/ "$TOK" bob)" 401
expect_log "bob with alice's token: audit user_mismatch" 'result=deny reason=user_mismatch mode=token user="bob"'
expect_status "alice with a password: 401" "$(get https://archive.example.com/ hunter2hunter2)" 401

# ---- WebDAV --------------------------------------------------------------------------------
echo "report body" >"$T_TMP/q3.pdf"
expect_status "WebDAV PUT with a writer's token: 201" \
	"$(get https://archive.example.com/dav/q3.pdf "$TOK" alice -T "$T_TMP/q3.pdf")" 201
[ "$(stat -c %U /srv/dav/q3.pdf 2>/dev/null)" = www-data ] &&
	ok "WebDAV PUT: the file is in /srv/dav, owned by www-data" ||
	not_ok "WebDAV PUT: the file is in /srv/dav, owned by www-data" "$(ls -la /srv/dav 2>&1)"
expect_status "WebDAV PROPFIND (dav-ext): 207" \
	"$(get https://archive.example.com/dav/ "$TOK" alice -X PROPFIND -H 'Depth: 1')" 207
grep -q 'q3.pdf' "$OUT" && ok "WebDAV PROPFIND lists the file" ||
	not_ok "WebDAV PROPFIND lists the file" "$(head -c 300 "$OUT")"
NOGROUP=$(idp_token_cc api://mail "" alice "") || not_ok "nginx: token without groups"
log_mark
expect_status "WebDAV with a token outside the writers' group: 401" \
	"$(get https://archive.example.com/dav/ "$NOGROUP" alice -X PROPFIND -H 'Depth: 1')" 401
expect_log "outside the writers' group: account audit claim_policy" \
	'nginx-oidc-dav:account\): result=deny reason=claim_policy'
expect_status "... the same token reads the archive: 200" \
	"$(get https://archive.example.com/reports/ "$NOGROUP")" 200

# ---- the recipe's client snippets, with a real sign-in -----------------------------------
export HOME=$T_TMP/home/alice
mkdir -p "$HOME/.config/oidc-auth" && cd "$HOME" || fatal "nginx: client home"
deploy_block "$ROOT/$DOC" nginx-client-conf | deploy_client_conf_for_idp \
	>"$HOME/.config/oidc-auth/archive.conf"
if deploy_user_login "$HOME/.config/oidc-auth/archive.conf" alice; then
	ok "client: oidc-auth login (device flow) signed alice in"
else
	not_ok "client: oidc-auth login (device flow) signed alice in" "$(cat "$T_TMP/login.err")"
fi
cp "$T_TMP/q3.pdf" q3.pdf
if bash -e <(deploy_block "$ROOT/$DOC" nginx-curl) >"$OUT" 2>"$ERR"; then
	ok "client: the recipe's curl lines (GET, PUT) as written"
else
	not_ok "client: the recipe's curl lines (GET, PUT) as written" "$(cat "$OUT" "$ERR" | head -c 400)"
fi
grep -q 'q3.txt' "$OUT" && ok "client curl: the listing arrived" ||
	not_ok "client curl: the listing arrived" "$(head -c 300 "$OUT")"
if bash -e <(deploy_block "$ROOT/$DOC" nginx-rclone) >"$OUT" 2>"$ERR" &&
	grep -qx 'q3.pdf' "$OUT" && [ -f /srv/dav/reports/q3.pdf ]; then
	ok "client: the recipe's rclone lines copy to and list the WebDAV share"
else
	not_ok "client: the recipe's rclone lines copy to and list the WebDAV share" \
		"$(cat "$OUT" "$ERR" | tail -c 500)"
fi
# cadaver (neon) sends at most 255 bytes of a password, as the recipe says
printf 'machine archive.example.com login alice password %s\n' \
	"$(oidc-auth token -c "$HOME/.config/oidc-auth/archive.conf")" >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
log_mark
echo quit | timeout 20 cadaver https://archive.example.com/dav/ >"$OUT" 2>&1
expect_log "cadaver with a JWT in ~/.netrc: cut at 255 bytes, audit token_truncated" \
	'nginx-oidc-dav:auth\): result=deny reason=token_truncated mode=token user="alice"'
cd "$ROOT" || exit 1

# ---- token size: large_client_header_buffers ------------------------------------------------
BIG=$(idp_token_cc api://mail "" alice "$(seq -f 'archive-reader-group-%03g' 1 180 | paste -sd, -)") ||
	not_ok "nginx: 7 KB token from the provider"
if [ "${#BIG}" -ge 6500 ] && [ "${#BIG}" -lt 8000 ]; then ok "7 KB token built by the provider (${#BIG} bytes)"; else
	not_ok "7 KB token built by the provider" "${#BIG} bytes"; fi
expect_status "7 KB token with the recipe's large_client_header_buffers: 200" \
	"$(get https://archive.example.com/reports/ "$BIG")" 200
sed -i '/^ *large_client_header_buffers/d' /etc/nginx/sites-available/archive
nginx -s reload 2>/dev/null && sleep 0.5
expect_status "7 KB token with nginx's default header buffers: 400" \
	"$(get https://archive.example.com/reports/ "$BIG")" 400
grep -qi 'Request Header Or Cookie Too Large' "$OUT" &&
	ok "... 'Request Header Or Cookie Too Large', as the recipe says" ||
	not_ok "... 'Request Header Or Cookie Too Large'" "$(head -c 300 "$OUT")"
expect_status "... while a short token still passes: 200" \
	"$(get https://archive.example.com/reports/ "$TOK")" 200

if grep -qF -- "$SIG" "$SYSLOG" /var/log/nginx/*.log; then
	not_ok "no token signature in the syslog or nginx's logs"
else
	ok "no token signature in the syslog or nginx's logs"
fi
t_done
