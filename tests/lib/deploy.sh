# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/deploy.sh - run a recipe as an administrator would, with the packaged layout,
# inside the private mount namespace of a test (tests/pam/lib.sh pam_enter_ns): /etc, the
# PAM module folder and the daemons' state folders get a private writable layer (overlayfs
# over the host's files, or a tmpfs), so the recipe's own paths (/etc/oidc-auth/...,
# /etc/pam.d/..., /var/cache/oidc-auth/...) are used as written while the host's files are
# never changed. Source after tests/lib/testlib.sh and tests/pam/lib.sh.
#
#   deploy_layers DIR            /etc, /var/cache, /srv, /home, the PAM and SASL module
#                                folders: private layers under DIR; /run: a tmpfs
#   deploy_overlay TARGET DIR    one more private layer (a daemon's /var/lib/NAME ...)
#   deploy_pam_module            install $PAM_SO_HOST as <multiarch>/security/pam_oidc.so
#   deploy_sasl_plugin           install the SASL plugin as <multiarch>/sasl2/libsasl_xoauth2.so
#   deploy_user NAME             a local user NAME with the home /home/NAME
#   deploy_trust_ca CA           the test CA in the system trust store (OpenSSL and GnuTLS)
#   deploy_hosts NAME...         NAME resolves to 127.0.0.1 (/etc/hosts)
#   deploy_cert CA_DIR NAME CRT KEY   a server certificate for NAME from the test CA
#   deploy_block DOC NAME        a block a document marks <!-- tested: NAME --> (stdout)
#   deploy_conf_for_idp          stdin -> stdout: an oidc-auth.conf block of a recipe with the
#                                test provider's issuer, audience, scope and CA put in

DEPLOY_TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
DEPLOY_PAM_DIR=/usr/lib/$DEPLOY_TRIPLET/security
DEPLOY_SASL_DIR=/usr/lib/$DEPLOY_TRIPLET/sasl2

_deploy_private_ns() {
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		echo "# deploy: not in a private mount namespace" >&2
		return 1
	fi
}

# deploy_overlay TARGET DIR: writes to TARGET land in DIR/up (this namespace only). The
# upper and work folders are under DIR; the host's TARGET is only the read-only lower layer,
# so removing DIR never reaches it.
deploy_overlay() {
	local target=$1 dir=$2
	_deploy_private_ns || return 1
	mkdir -p "$dir/up" "$dir/work" &&
		mount -t overlay overlay -o "lowerdir=$target,upperdir=$dir/up,workdir=$dir/work" \
			"$target" ||
		{ echo "# deploy: overlay on $target failed" >&2; return 1; }
}

deploy_layers() {
	local dir=$1 t n=0
	_deploy_private_ns || return 1
	for t in /etc /var/cache /srv /home "$DEPLOY_PAM_DIR" "$DEPLOY_SASL_DIR"; do
		n=$((n + 1))
		deploy_overlay "$t" "$dir/layer$n" || return 1
	done
	mount -t tmpfs -o mode=755 run /run ||
		{ echo "# deploy: tmpfs on /run failed" >&2; return 1; }
}

deploy_pam_module() {
	install -m 0644 "$PAM_SO_HOST" "$DEPLOY_PAM_DIR/pam_oidc.so"
}

# The normal build, as the packages install it: real daemons and clients are not built with
# the sanitizers (tests/pam/lib.sh PAM_SO_HOST).
deploy_sasl_plugin() {
	install -m 0644 "$ROOT/build/sasl2/libsasl_xoauth2.so" "$DEPLOY_SASL_DIR/libsasl_xoauth2.so"
}

deploy_user() {
	local name=$1 id
	id=$((3000 + $(wc -l </etc/passwd)))
	echo "$name:x:$id:$id:test user $name:/home/$name:/bin/bash" >>/etc/passwd &&
		echo "$name:*:19000:0:99999:7:::" >>/etc/shadow &&
		echo "$name:x:$id:" >>/etc/group &&
		install -d -m 0750 -o "$id" -g "$id" "/home/$name"
}

deploy_trust_ca() {
	local ca=$1 h
	h=$(openssl x509 -hash -noout -in "$ca") || return 1
	install -m 0644 "$ca" /etc/ssl/certs/oidc-auth-test.pem &&
		ln -sf oidc-auth-test.pem "/etc/ssl/certs/$h.0" &&
		cat "$ca" >>/etc/ssl/certs/ca-certificates.crt
}

deploy_hosts() {
	local n
	for n in "$@"; do
		printf '127.0.0.1\t%s\n' "$n" >>/etc/hosts || return 1
	done
}

deploy_cert() {   # CA_DIR NAME CRT KEY
	local ca=$1 name=$2 crt=$3 key=$4 tmp
	tmp=$(mktemp -d) || return 1
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth"
		echo "subjectAltName=DNS:$name"
	} >"$tmp/ext"
	mkdir -p "$(dirname "$crt")" "$(dirname "$key")" &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
			-keyout "$key" -out "$tmp/csr" 2>/dev/null &&
		openssl x509 -req -in "$tmp/csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
			-CAcreateserial -CAserial "$tmp/serial" -days 2 -sha256 -extfile "$tmp/ext" \
			-out "$crt" 2>/dev/null &&
		chmod 600 "$key"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

deploy_block() {
	"${PY:-/usr/bin/python3}" "$ROOT/tests/lib/docblocks.py" "$1" "$2"
}

# The site-specific values of a recipe's oidc-auth.conf are the test provider's: issuer,
# audience (api://mail), required_scopes (mail.read), and its CA (ca_file). Every other
# line is kept as written.
deploy_conf_for_idp() {
	sed -e "s|^issuer\\( *\\)= .*|issuer\\1= $IDP_ISSUER|" \
		-e "s|^audience\\( *\\)= .*|audience\\1= api://mail|" \
		-e "s|^required_scopes\\( *\\)= .*|required_scopes\\1= mail.read|"
	echo "ca_file = $IDP_CA"
}

# deploy_client_conf_for_idp: stdin -> stdout, the same for a user's client configuration
# (oidc-auth login / token): the test provider's public device client, its scopes, and the
# resource it issues JWT access tokens for.
deploy_client_conf_for_idp() {
	deploy_conf_for_idp | sed -e "s|^client_id\\( *\\)= .*|client_id\\1= $IDP_DEVICE_CLIENT|" \
		-e "s|^request_scopes\\( *\\)= .*|request_scopes\\1= openid offline_access mail.read|"
	echo "request_resource = api://mail"
}

# deploy_user_login CONF USER [RUNNER...]: a person signs in once with "oidc-auth login -c
# CONF" (the device flow; HOME decides the default token file), run through RUNNER (for
# example a function that runs a command as that person), and approves as USER in the
# "browser". oidc-auth must be on PATH. 0 when signed in.
deploy_user_login() {
	local conf=$1 user=$2 out=$T_TMP/login.out pid code i
	shift 2
	"$@" oidc-auth login -c "$conf" --json --no-qr >"$out" 2>"$T_TMP/login.err" &
	pid=$!
	code=
	for ((i = 0; i < 100; i++)); do
		code=$("${PY:-/usr/bin/python3}" -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event") == "device_authorization": print(d["user_code"])' "$out" 2>/dev/null)
		[ -n "$code" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$code" ] || ! idp_device_approve "$code" "$user"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "# deploy_user_login: $(tail -c 300 "$T_TMP/login.err")" >&2
		return 1
	fi
	wait "$pid"
}
