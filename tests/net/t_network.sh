#!/usr/bin/env bash
# tests/net/t_network.sh - network key sources end to end (issue 3), with the real
# OpenID provider (tests/idp/provider.mjs, npm oidc-provider over HTTPS with a throw-away
# CA) and the misbehaving server (tests/idp/faulty.py), driven through build/oidc-auth.
# Runs in private network and PID namespaces: loopback only, no process outlives it.
#
# What it shows: discovery + JWKS from the provider (RS256 and ES256 access tokens), the
# disk cache serving a fresh process with the provider stopped, exit 3 when the provider
# is down and nothing is cached, key rotation (the new key validates after one refetch,
# the old one stops working), a flood of unknown kids causing at most one JWKS request,
# and the discover / cache show / cache clear commands.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/netns.sh "network" "$@"

. tests/lib/testlib.sh
. tests/idp/lib.sh
t_init network "$@"

# expect_py NAME EXPR: the Python expression over d (the JSON of the last run) is true.
expect_py() {
	if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "not true: $2" "$(t_last_run)"
	fi
}
trap 'idp_cleanup; t_cleanup' EXIT

D=$T_TMP/idp
mkdir -p "$D"
idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 ||
	{ not_ok "network: make CA and keys"; t_done; }
idp_start "$D" 8443 || { not_ok "network: start the OpenID provider"; t_done; }
ok "network: OpenID provider up at $IDP_ISSUER"

CACHE=$T_TMP/cache
CFG=$T_TMP/net.conf
cat >"$CFG" <<EOF
issuer = $IDP_ISSUER
audience = api://mail, api://mail-es
ca_file = $IDP_CA
cache_dir = $CACHE
username_claim = preferred_username
# an unknown kid may trigger a refetch once a second (default 60 s)
jwks_refetch_interval = 1
EOF

# ---- discovery and the keys it finds ----------------------------------------
run_cli discover --config "$CFG" --json
expect_exit "discover: exit 0" 0
expect_py "discover: jwks_uri from the discovery document" \
	'd["metadata"]["jwks_uri"].startswith("'"$IDP_ISSUER"'")'
expect_py "discover: RS256 and ES256 keys listed" \
	'sorted(k["kty"] for k in d["keys"]) == ["EC", "RSA"]'
expect_py "discover: cold cache costs two requests" 'd["requests"] == 2'
run_cli discover --config "$CFG" --json
expect_py "discover: warm disk cache costs no request" 'd["requests"] == 0'
run_cli discover "$IDP_ISSUER" --set "ca_file=$IDP_CA" --set "cache_dir=$T_TMP/cache2" --json
expect_exit "discover: a bare issuer URL works" 0

# ---- tokens from the provider --------------------------------------------------
RS=$(idp_token_cc api://mail "" alice) || not_ok "network: RS256 token from the provider"
ES=$(idp_token_cc api://mail-es "" bob) || not_ok "network: ES256 token from the provider"
run_cli validate --config "$CFG" --json "$RS"
expect_exit "validate RS256 provider token: exit 0" 0
expect_py "validate RS256 provider token: user alice" 'd["user"] == "alice"'
run_cli validate --config "$CFG" --json --user bob "$ES"
expect_exit "validate ES256 provider token: exit 0" 0
expect_py "validate ES256 provider token: alg ES256" 'd["alg"] == "ES256"'

run_cli cache show --config "$CFG" --json
expect_exit "cache show: exit 0" 0
expect_py "cache show: discovery and jwks entries" \
	'sorted(e["name"].split("-")[0] for e in d["entries"]) == ["discovery", "jwks"]'

# ---- provider down -----------------------------------------------------------------
idp_stop
run_cli validate --config "$CFG" --json "$RS"
expect_exit "provider down, warm disk cache: a new process still validates" 0
run_cli cache clear --config "$CFG"
expect_exit "cache clear: exit 0" 0
run_cli validate --config "$CFG" --json "$RS"
expect_exit "provider down, cold cache: exit 3" 3
expect_py "provider down, cold cache: reason idp_unreachable" \
	'd["reason"] == "idp_unreachable" and d["class"] == "unavailable"'

# ---- key rotation: restart the provider with new keys -------------------------------
idp_start "$D" 8443 || not_ok "network: restart the provider"
run_cli validate --config "$CFG" --json "$RS"
expect_exit "rotation: old token valid while the old keys are cached" 0
idp_stop
idp_make_keys "$D" >/dev/null 2>&1
idp_start "$D" 8443 || not_ok "network: restart the provider with new keys"
NEW=$(idp_token_cc api://mail "" alice) || not_ok "network: token signed by the new key"
sleep 1.1   # past jwks_refetch_interval since the last fetch
run_cli validate --config "$CFG" --json "$NEW"
expect_exit "rotation: a token of the new key validates (unknown kid, one refetch)" 0
run_cli validate --config "$CFG" --json "$RS"
expect_exit "rotation: the retired key stops working once the fresh set is in" 1
expect_py "rotation: retired key: kid_not_published (the set fetched just now lacks it)" \
	'd["reason"] == "kid_not_published"'

# ---- unknown-kid flood against a counting server -------------------------------------
faulty_start "$D" 9443 || not_ok "network: start the counting server"
FCFG=$T_TMP/faulty.conf
cat >"$FCFG" <<EOF
issuer = $FAULTY_URL/good
audience = api://mail
ca_file = $IDP_CA
cache_dir = $T_TMP/cache-flood
username_claim = preferred_username
EOF
"$PY" - "$T_TMP/flood" "$FAULTY_URL/good" 200 <<'EOF'
import os, sys, time
sys.path.insert(0, "tests/lib")
import forge
out, iss, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
key = forge.rsa_key(2048)
now = int(time.time())
os.makedirs(out, exist_ok=True)
for i in range(n):
    claims = {"iss": iss, "aud": "api://mail", "sub": "x", "preferred_username": "x",
              "exp": now + 600, "iat": now}
    kid = os.urandom(12).hex()
    tok = forge.jws({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims, forge.rs(key))
    open(os.path.join(out, "%03d" % i), "w").write(tok)
EOF
fails=0
for f in "$T_TMP"/flood/*; do
	"$CLI" validate --config "$FCFG" --json - <"$f" >"$T_TMP/flood.out" 2>&1
	rc=$?
	# kid_not_published while the set on disk is from this very second
	if ! grep -qE '"reason":"(unknown_kid|kid_not_published)"' "$T_TMP/flood.out" ||
		[ "$rc" != 1 ]; then
		[ "$fails" -gt 0 ] || t_diag "first failure (exit $rc): $(head -c 400 "$T_TMP/flood.out")"
		fails=$((fails + 1))
	fi
done
if [ "$fails" = 0 ]; then
	ok "flood: 200 random-kid tokens in 200 processes all rejected (unknown_kid, kid_not_published)"
else
	not_ok "flood: 200 random-kid tokens rejected as unknown_kid or kid_not_published" \
		"$fails were not"
fi
n=$(faulty_count /good/jwks)
if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then
	ok "flood: one cold fetch and at most one refetch in the interval ($n JWKS requests)"
else
	not_ok "flood: at most one JWKS request within the refetch interval" "got $n"
fi

# ---- opaque tokens through RFC 7662 introspection -------------------------------------
printf '%s\n' "$IDP_CLIENT_SECRET" >"$T_TMP/client.secret"
chmod 600 "$T_TMP/client.secret"
OCFG=$T_TMP/opaque.conf
cat >"$OCFG" <<EOF
issuer = $IDP_ISSUER
audience = api://opaque
ca_file = $IDP_CA
cache_dir = $T_TMP/cache-opaque
username_claim = preferred_username
token_types = jwt, opaque
client_id = $IDP_CLIENT_ID
client_secret_file = $T_TMP/client.secret
EOF
OPQ=$(idp_token_cc api://opaque "" carol) || not_ok "network: opaque token from the provider"
run_cli validate --config "$OCFG" --json --user carol -- "$OPQ"
expect_exit "opaque: introspection says active, user carol: exit 0" 0
expect_py "opaque: alg reported as opaque" 'd["alg"] == "opaque" and d["user"] == "carol"'
run_cli validate --config "$OCFG" --json --user dave -- "$OPQ"
expect_exit "opaque: another user's token: exit 1" 1
expect_py "opaque: another user's token: user_mismatch" 'd["reason"] == "user_mismatch"'
idp_revoke "$OPQ" >/dev/null || not_ok "network: revoke the opaque token"
run_cli validate --config "$OCFG" --json -- "$OPQ"
expect_exit "opaque: revoked token refused (a new process has no cached answer)" 1
printf 'wrong-secret\n' >"$T_TMP/client.secret"
OPQ2=$(idp_token_cc api://opaque "" carol)
run_cli validate --config "$OCFG" --json -- "$OPQ2"
expect_exit "opaque: wrong client secret is a configuration error: exit 2" 2
idp_stop
run_cli validate --config "$OCFG" --json -- "$OPQ2"
expect_exit "opaque: provider down: exit 3" 3
expect_py "opaque: provider down: idp_unreachable" 'd["reason"] == "idp_unreachable"'

t_done
