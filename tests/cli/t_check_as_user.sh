#!/usr/bin/env bash
# tests/cli/t_check_as_user.sh - "oidc-auth check-config --as-user USER": the configuration as
# a service running as USER sees it (the issue: a service user's cache_dir inside a root 0700
# /var/cache/oidc-auth locks every login out while check-config run as root says all is fine).
# Runs as root with the user "nobody" standing in for a service user; every file lives under a
# private temporary directory laid out like /etc/oidc-auth and /var/cache/oidc-auth. Keys are
# made by python3-cryptography, not by the core. Asserts exit codes, JSON fields and the paths
# named, not wording.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
t_init check_as_user "$@"
[ "$(id -u)" = 0 ] || { not_ok "check --as-user: needs root (it switches users)"; t_done; exit 1; }
id nobody >/dev/null 2>&1 || { not_ok "check --as-user: no user nobody"; t_done; exit 1; }
NOGROUP=$(id -gn nobody)
chmod 755 "$T_TMP"
E=$T_TMP/etc            # like /etc/oidc-auth
V=$T_TMP/cache          # like /var/cache/oidc-auth
mkdir -p "$E" "$V" && chmod 755 "$E"
"$PY" - "$E/jwks.json" <<'EOF' || not_ok "check --as-user: make a JWKS"
import json, sys
from cryptography.hazmat.primitives.asymmetric import ec
n = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
b64 = lambda i: __import__("base64").urlsafe_b64encode(i.to_bytes(32, "big")).rstrip(b"=").decode()
json.dump({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
                     "x": b64(n.x), "y": b64(n.y)}]}, open(sys.argv[1], "w"))
EOF
chmod 644 "$E/jwks.json"
head -c 48 /dev/urandom | base64 | head -c 64 >"$E/hmac.secret"

conf() {   # FILE CACHE_DIR [LINES...]: a network-key configuration (the cache is used)
	local f=$1 cache=$2
	shift 2
	printf '%s\n' "issuer = https://idp.example.test" "audience = smtp" "cache_dir = $cache" "$@" >"$f"
	chmod 644 "$f"
}
as_user() {   # USER CONFIG [more args]: check-config --as-user
	local u=$1
	shift
	run_cli check-config --as-user "$u" "$@"
}
err_names() {   # NAME STRING: stderr names STRING
	if grep -qF -- "$2" "$ERR"; then ok "$1"; else not_ok "$1" "stderr does not name $2" "$(t_last_run)"; fi
}

# ---- the old package layout: /var/cache/oidc-auth root 0700, the service's dir inside ------
chmod 700 "$V"
install -d -o nobody -g "$NOGROUP" -m 0700 "$V/svc"
conf "$E/svc.conf" "$V/svc"
run_cli check-config "$E/svc.conf"
expect_exit "old layout: check-config as root says the file is fine (the issue)" 0
err_names "... but notes that cache_dir belongs to nobody and how to check it as nobody" \
	"--as-user nobody $E/svc.conf"
as_user nobody "$E/svc.conf"
expect_exit "old layout: --as-user nobody: exit 2" 2
err_names "... names the parent nobody cannot search" "cannot search $V "
err_names "... and the fix: chmod 0755 on it" "chmod 0755 $V"
as_user nobody --json "$E/svc.conf"
expect_json "old layout: --json result error" result error
check "old layout: --json problem path is the cache_dir, uid is nobody's" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if [p["path"] for p in d["problems"]] == [sys.argv[2]] and d["uid"] == int(sys.argv[3])
         and d["user"] == "nobody" and all(p["fix"] for p in d["problems"]) else 1)' "$OUT" "$V/svc" "$(id -u nobody)"

# ---- the new layout: parent root 0755, each service's own directory 0700 inside ----------
chmod 755 "$V"
as_user nobody "$E/svc.conf"
expect_exit "new layout: --as-user nobody: exit 0" 0
check "new layout: says ok and names the cache_dir" grep -q "^ok: .*cache_dir $V/svc is usable" "$OUT"
check "new layout: the probe entry written through the core is gone again" \
	test -z "$(ls -A "$V/svc")"
as_user root "$E/svc.conf"
expect_exit "a root service and nobody's directory: --as-user root: exit 2" 2
err_names "... names the directory" "$V/svc"
err_names "... and the reason code the core would log" "cache_dir_unusable"

# ---- the shared cache of root services is no cache for a service user ---------------------
conf "$E/shared.conf" "$V"
as_user nobody "$E/shared.conf"
expect_exit "root-owned cache_dir: nobody cannot write it: exit 2" 2
err_names "... the fix is a directory of its own" "install -d -o nobody -g $NOGROUP -m 0700 $V/nobody"
as_user root "$E/shared.conf"
expect_exit "root-owned cache_dir for a root service: exit 0" 0
as_user nobody --set "cache_dir=$V/svc" "$E/shared.conf"
expect_exit "--set cache_dir= (as a PAM argument or SASL option would): the override is checked: exit 0" 0

# ---- a cache_dir still to be created -----------------------------------------------------
conf "$E/new.conf" "$V/svc/sub"
as_user nobody "$E/new.conf"
expect_exit "missing cache_dir in a directory nobody owns: the core will create it: exit 0" 0
conf "$E/new2.conf" "$V/other"
as_user nobody "$E/new2.conf"
expect_exit "missing cache_dir nobody cannot create: exit 2" 2
err_names "... the fix creates it for nobody" "install -d -o nobody -g $NOGROUP -m 0700 $V/other"

# ---- every file the configuration names --------------------------------------------------
chmod 600 "$E/svc.conf"
as_user nobody "$E/svc.conf"
expect_exit "configuration readable only by root: exit 2" 2
err_names "... names the configuration" "$E/svc.conf"
chmod 644 "$E/svc.conf"
cp "$E/jwks.json" "$E/private.json" && chmod 600 "$E/private.json"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=check_as_user CA" \
	-keyout "$T_TMP/ca.key" -out "$E/ca.pem" 2>/dev/null && chmod 600 "$E/ca.pem" ||
	not_ok "check --as-user: make a CA certificate with openssl"
conf "$E/files.conf" "$V/svc" "jwks_uri = https://idp.example.test/jwks" \
	"ca_file = $E/ca.pem" "[issuer a]" "issuer = https://a.example.test" \
	"jwks_file = $E/private.json" "[issuer b]" "issuer = https://b.example.test" \
	"jwks_file = $E/missing.json"
as_user nobody --json "$E/files.conf"
expect_json "unreadable ca_file and jwks_file, a missing jwks_file: result error" result error
check "... each one reported once, by path" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sorted(p["path"] for p in d["problems"]) == sorted(sys.argv[2:]) else 1)' \
	"$OUT" "$E/ca.pem" "$E/private.json" "$E/missing.json"
chmod 644 "$E/ca.pem" "$E/private.json"
conf "$E/files2.conf" "$V/svc" "jwks_file = $E/private.json" "ca_file = $E/ca.pem"
as_user nobody "$E/files2.conf"
expect_exit "the same files readable: exit 0" 0

# secrets: the core wants them owned by the reader (or root) and 0600
chmod 600 "$E/hmac.secret"
conf "$E/hs.conf" "$V/svc" "algorithms = HS256" "hmac_secret_file = $E/hmac.secret"
as_user nobody "$E/hs.conf"
expect_exit "HMAC secret root 0600: nobody cannot read it: exit 2" 2
err_names "... the fix gives the secret to nobody" "chown nobody $E/hmac.secret"
chown nobody "$E/hmac.secret"
as_user nobody "$E/hs.conf"
expect_exit "HMAC secret nobody's, 0600: exit 0" 0
chmod 640 "$E/hmac.secret"
as_user nobody --json "$E/hs.conf"
expect_json "HMAC secret readable by the group: the core's own rule refuses it" result error
check "... reported with the core's reason code" grep -q 'config_error' "$OUT"

# ---- usage -----------------------------------------------------------------------------
as_user no-such-user-oidc "$E/svc.conf"
expect_exit "unknown user: exit 2" 2
T_LAST=(runuser -u nobody -- "$CLI" check-config --as-user root "$E/svc.conf")
"${T_LAST[@]}" >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_exit "not root, another user: exit 2" 2
T_LAST=(runuser -u nobody -- "$CLI" check-config --as-user nobody "$E/svc.conf")
"${T_LAST[@]}" >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_exit "not root, as itself: the check runs (exit 0)" 0
run_cli check-config --as-user
expect_exit "--as-user without a user: exit 2" 2
t_done
