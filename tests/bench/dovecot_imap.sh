#!/usr/bin/env bash
# tests/bench/dovecot_imap.sh - issue 4: IMAP logins per second through a
# real Dovecot 2.3 (high-performance login processes, no auth cache, no
# failure delay), one login + logout per connection, several parallel
# connections (imap_load.py):
#
#   BENCH name=dovecot_imap_login token_per_s=N floor_per_s=N ratio=R
#       token: passdb pam -> pam_oidc.so with a provider token, warm disk
#       cache; floor: passdb pam -> pam_permit.so. Same run, interleaved.
#       Goal: ratio >= 0.95.
#   BENCH name=dovecot_imap_login_ref pam_unix_per_s=N oauth2_passdb_per_s=N
#       for reference: pam_unix with a yescrypt password (Debian's default
#       hash; a user in a private copy of /etc/passwd and /etc/shadow) and
#       Dovecot's own passdb oauth2 (RFC 7662 introspection per login).
#
# Runs in private network, PID and mount namespaces (/etc/pam.d, passwd,
# shadow, group are private copies there; the host's are never written).
#   BENCH_IMAP_SECONDS=2    seconds per measurement   BENCH_IMAP_CONNS=8
#   BENCH_IMAP_ROUNDS=3     interleaved pam_oidc / pam_permit rounds
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${BUILD_DIR:-build}
PY=/usr/bin/python3
. tests/pam/lib.sh
pam_enter_ns dovecot_imap "${BASH_SOURCE[0]}" "$@"
SECS=${BENCH_IMAP_SECONDS:-2}
ROUNDS=${BENCH_IMAP_ROUNDS:-3}
CONNS=${BENCH_IMAP_CONNS:-8}
. tests/idp/lib.sh
. tests/dovecot/lib.sh
T=$(mktemp -d /tmp/oidc-bench-imap-XXXXXX) || exit 1
chmod 755 "$T"
trap 'dovecot_stop; idp_cleanup; rm -rf --one-file-system "$T"' EXIT
fail() { echo "dovecot_imap: $*" >&2; exit 1; }

[ -f "$PAM_SO_HOST" ] || fail "$PAM_SO_HOST not built (make)"
pam_private_etc "$T/pam.d" || fail "private /etc/pam.d"
mkdir -p "$T/etc"
cp /etc/passwd /etc/shadow /etc/group "$T/etc/"
HASH=$("$PY" -W ignore -c 'import crypt, secrets, string
a = "./" + string.digits + string.ascii_letters
print(crypt.crypt("bench-Pa55word", "$y$j9T$" + "".join(secrets.choice(a) for _ in range(16)) + "$"))')
case "$HASH" in '$y$'*) ;; *) fail "yescrypt hash: $HASH" ;; esac
echo "benchuser:x:2002:2002::$T:/usr/sbin/nologin" >>"$T/etc/passwd"
echo "benchuser:$HASH:19000:0:99999:7:::" >>"$T/etc/shadow"
echo "benchuser:x:2002:" >>"$T/etc/group"
for f in passwd shadow group; do
	mount --bind "$T/etc/$f" "/etc/$f" || fail "private /etc/$f"
done

pam_idp_up "$T/idp" || fail "start the OpenID provider"
pam_idp_conf "$T/oidc.conf" "$T/cache"
echo "auth required $PAM_SO_HOST config=$T/oidc.conf
account required $PAM_SO_HOST config=$T/oidc.conf" >"$T/pam.d/bench-oidc"
echo "auth required pam_permit.so
account required pam_permit.so" >"$T/pam.d/bench-permit"
echo "auth required pam_unix.so
account required pam_unix.so" >"$T/pam.d/bench-unix"
idp_token_cc api://mail "" alice >"$T/token" || fail "token from the provider"
echo "bench-Pa55word" >"$T/password"
idp_opaque_token >"$T/opaque" || fail "opaque token from the provider"
cat >"$T/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = $IDP_URL/token/introspection
client_id = $IDP_CLIENT_ID
client_secret = $IDP_CLIENT_SECRET
tls_ca_cert_file = $IDP_CA
username_attribute = preferred_username
active_attribute = active
active_value = true
force_introspection = yes
EOF

pam_passdb() { printf 'passdb {\n  driver = pam\n  args = %s\n}\n' "$1"; }

# measure NAME PASSDB USER SECRET_FILE: logins per second (stdout)
measure() {
	local out
	dovecot_start "$T/dovecot-$1" 1143 "$2" || fail "start Dovecot ($1)"
	# warm up: login processes, auth workers, the disk cache
	"$PY" tests/bench/imap_load.py 1143 "$3" "$4" 0.5 "$CONNS" >/dev/null ||
		{ dovecot_stop; fail "$1: warm-up logins failed (log: $(tail -n 3 "$T/dovecot-$1/dovecot.log"))"; }
	if ! out=$("$PY" tests/bench/imap_load.py 1143 "$3" "$4" "$SECS" "$CONNS"); then
		dovecot_stop
		fail "$1: logins failed: $out"
	fi
	dovecot_stop
	echo "# $1: $out" >&2
	sed -n 's/.*per_s=//p' <<<"$out"
}

# interleaved rounds so that load from elsewhere hits both sides alike
toks=() flos=()
for ((r = 0; r < ROUNDS; r++)); do
	toks+=("$(measure pam_oidc "$(pam_passdb bench-oidc)" alice "$T/token")") || exit 1
	flos+=("$(measure pam_permit "$(pam_passdb bench-permit)" alice "$T/token")") || exit 1
done
read -r tok flo ratio < <("$PY" -c 'import sys
n = len(sys.argv) // 2
t = sum(map(float, sys.argv[1:n + 1])) / n
f = sum(map(float, sys.argv[n + 1:])) / n
print("%.0f %.0f %.3f" % (t, f, t / f))' "${toks[@]}" "${flos[@]}")
echo "BENCH name=dovecot_imap_login token_per_s=$tok floor_per_s=$flo ratio=$ratio"

unix=$(measure pam_unix "$(pam_passdb bench-unix)" benchuser "$T/password") || unix=NA
oauth=$(measure oauth2_passdb "passdb {
  driver = oauth2
  mechanisms = plain login
  args = $T/oauth2.conf.ext
}" svc-mail "$T/opaque") || oauth=NA
echo "BENCH name=dovecot_imap_login_ref pam_unix_per_s=${unix%.*} oauth2_passdb_per_s=${oauth%.*}"
