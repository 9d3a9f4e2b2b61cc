#!/usr/bin/env bash
# tests/slapd/t_slapd.sh - the SASL plugin on both sides of a real OpenLDAP bind:
# slapd (server plugin, options from its SASL config slapd.conf, bind-mounted over
# /etc/ldap/sasl2 inside a private mount namespace) and ldapwhoami -Y OAUTHBEARER /
# XOAUTH2 (client plugin, token given with -w). Tokens: JWTs made here by PyJWT.
# slapd serves binds from worker threads: a burst of parallel binds checks the lazy
# initialisation and the shared context. Private network, PID and mount namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
if [ "${OIDC_SLAPD_IN_NS:-}" != 1 ]; then
	OIDC_SLAPD_IN_NS=1 exec unshare -n -p -f -m --mount-proc bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up || { echo "not ok - slapd: ip link set lo up failed"; exit 1; }

. tests/lib/testlib.sh
. tests/lib/sanitize.sh
t_init slapd "$@"
SLAPD_PID=
trap '[ -n "$SLAPD_PID" ] && kill "$SLAPD_PID" 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
PLUG=$(cd "$BUILD_DIR/sasl2" 2>/dev/null && pwd) ||
	{ not_ok "slapd: $BUILD_DIR/sasl2 missing (run make)"; t_done; exit 1; }
command -v slapd >/dev/null && command -v ldapwhoami >/dev/null ||
	{ not_ok "slapd: slapd and ldap-utils are not installed"; t_done; exit 1; }

"$PY" - "$T_TMP" <<'PYEOF' || not_ok "slapd: make keys and tokens"
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
pub.update(kid="ld1", alg="RS256", use="sig")
open(d + "/jwks.json", "w").write(json.dumps({"keys": [pub]}))
now = int(time.time())
def tok(name, sub, k=key):
    claims = {"iss": "https://ldap-idp.example.test", "aud": "ldap", "sub": sub,
              "iat": now, "exp": now + 600}
    open(d + "/" + name, "w").write(jwt.encode(claims, k, algorithm="RS256",
                                               headers={"kid": "ld1"}))
tok("alice.tok", "Alice@Example.COM")
tok("bob.tok", "bob@example.com")
tok("forged.tok", "alice@example.com", other)
PYEOF

mkdir -p "$T_TMP/sasl" "$T_TMP/run"
cat >"$T_TMP/sasl/slapd.conf" <<EOF
mech_list: OAUTHBEARER XOAUTH2
oidc_issuer: https://ldap-idp.example.test
oidc_audience: ldap
oidc_jwks_file: $T_TMP/jwks.json
oidc_username_map: lowercase, strip_domain:example.com
oidc_sasl_noplaintext: yes
EOF
cat >"$T_TMP/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $T_TMP/run/slapd.pid
argsfile $T_TMP/run/slapd.args
EOF
# slapd reads its SASL config from /etc/ldap/sasl2: replace it in this mount namespace only
mkdir -p /etc/ldap/sasl2 && mount --bind "$T_TMP/sasl" /etc/ldap/sasl2 ||
	{ not_ok "slapd: bind-mount the SASL config"; t_done; exit 1; }
env "${SAN_ENV[@]}" SASL_PATH="$PLUG" slapd -f "$T_TMP/slapd.conf" -h ldap://127.0.0.1:3890/ -d 256 \
	>"$T_TMP/slapd.log" 2>&1 &
SLAPD_PID=$!
for ((i = 0; i < 100; i++)); do
	(exec 3<>/dev/tcp/127.0.0.1/3890) 2>/dev/null && break
	sleep 0.05
done
if kill -0 "$SLAPD_PID" 2>/dev/null; then
	ok "slapd: started with the plugin"
else
	not_ok "slapd: start" "$(tail -n 20 "$T_TMP/slapd.log")"
	t_done
	exit 1
fi
printf 'oidc_sasl_noplaintext: yes\n' >"$T_TMP/client.conf"

whoami_() {   # MECH TOKENFILE [ldapwhoami args...]
	local mech=$1 tf=$2
	shift 2
	T_LAST=(ldapwhoami -Y "$mech" -w "<$(basename "$tf")>" "$@")
	env "${SAN_ENV[@]}" OIDC_SASL_CLIENT_CONF="$T_TMP/client.conf" SASL_PATH="$PLUG" \
		ldapwhoami -H ldap://127.0.0.1:3890/ -Y "$mech" -Q -w "$(cat "$tf")" "$@" \
		>"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
expect_out() {   # NAME STRING
	if [ "$RC" = 0 ] && grep -qxF -- "$2" "$OUT"; then
		ok "$1"
	else
		not_ok "$1" "expected exit 0 and '$2'" "$(t_last_run)"
	fi
}
whoami_ OAUTHBEARER "$T_TMP/alice.tok"
expect_out "ldapwhoami OAUTHBEARER: bound as the mapped identity alice" \
	"dn:uid=alice,cn=oauthbearer,cn=auth"
whoami_ XOAUTH2 "$T_TMP/alice.tok"
expect_out "ldapwhoami XOAUTH2: bound as alice" "dn:uid=alice,cn=xoauth2,cn=auth"
whoami_ OAUTHBEARER "$T_TMP/bob.tok"
expect_out "ldapwhoami: bob's token binds as bob" "dn:uid=bob,cn=oauthbearer,cn=auth"
whoami_ OAUTHBEARER "$T_TMP/forged.tok"
expect_exit "ldapwhoami: forged token: invalid credentials (49)" 49
whoami_ OAUTHBEARER "$T_TMP/alice.tok" -X u:bob
expect_exit "ldapwhoami: alice's token asking for bob: slapd's authz rules refuse (50)" 50

# a burst of parallel binds: slapd worker threads share one context
pids=()
for ((i = 0; i < 24; i++)); do
	env "${SAN_ENV[@]}" OIDC_SASL_CLIENT_CONF="$T_TMP/client.conf" SASL_PATH="$PLUG" ldapwhoami \
		-H ldap://127.0.0.1:3890/ -Y OAUTHBEARER -Q -w "$(cat "$T_TMP/alice.tok")" \
		>"$T_TMP/par.$i" 2>&1 </dev/null &
	pids+=($!)
done
bad=0
for ((i = 0; i < 24; i++)); do
	wait "${pids[$i]}" || bad=$((bad + 1))
	grep -qx "dn:uid=alice,cn=oauthbearer,cn=auth" "$T_TMP/par.$i" || bad=$((bad + 1))
done
if [ "$bad" -eq 0 ] && kill -0 "$SLAPD_PID" 2>/dev/null; then
	ok "24 parallel binds from slapd worker threads all succeed"
else
	not_ok "24 parallel binds from slapd worker threads all succeed" "$bad failures" \
		"$(cat "$T_TMP"/par.* | sort | uniq -c | head)"
fi
if grep -q "$(cut -d. -f3 "$T_TMP/alice.tok")" "$T_TMP/slapd.log"; then
	not_ok "slapd log never holds a token signature"
else
	ok "slapd log never holds a token signature"
fi
t_done
