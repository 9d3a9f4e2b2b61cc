#!/usr/bin/env bash
# tests/sasl/t_sasl_client.sh - the client half of the SASL plugin getting its own tokens
# from the real OpenID provider (tests/idp) through the core's token endpoint client:
# oidc_token_grant = client_credentials, and refresh_token with a refresh token from a
# device-flow login; also oidc_token_file. sasl-sample-client (with the plugin, options
# from $OIDC_SASL_CLIENT_CONF) talks to sasl-sample-server (the plugin validating with
# keys from the provider). Private network and PID namespaces.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/netns.sh "sasl client" "$@"

. tests/lib/testlib.sh
. tests/idp/lib.sh
t_init sasl_client "$@"
trap 'idp_cleanup; t_cleanup' EXIT
PLUG=$(cd "$BUILD_DIR/sasl2" 2>/dev/null && pwd) ||
	{ not_ok "sasl client: $BUILD_DIR/sasl2 missing (run make)"; t_done; exit 1; }

D=$T_TMP/idp
mkdir -p "$D"
idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 ||
	{ not_ok "sasl client: make CA and keys"; t_done; exit 1; }
idp_start "$D" 8443 || { not_ok "sasl client: start the OpenID provider"; t_done; exit 1; }
ok "sasl client: OpenID provider up"

# server side: keys from the provider
mkdir -p "$T_TMP/srv" "$T_TMP/cache-srv" "$T_TMP/cache-cli"
chmod 700 "$T_TMP/cache-srv" "$T_TMP/cache-cli"
cat >"$T_TMP/srv/sample.conf" <<EOF
mech_list: OAUTHBEARER XOAUTH2
oidc_issuer: $IDP_ISSUER
oidc_audience: api://mail
oidc_ca_file: $IDP_CA
oidc_cache_dir: $T_TMP/cache-srv
oidc_username_claim: preferred_username
mech_list: OAUTHBEARER XOAUTH2
oidc_issuer: $IDP_ISSUER
oidc_audience: api://mail
oidc_ca_file: $IDP_CA
oidc_cache_dir: $T_TMP/cache-srv
oidc_username_claim: preferred_username
EOF
printf '%s' "$IDP_CLIENT_SECRET" >"$T_TMP/secret"
chmod 600 "$T_TMP/secret"
client_conf() {   # NAME extra-lines...
	local f=$T_TMP/$1.conf
	shift
	{
		echo "oidc_issuer: $IDP_ISSUER"
		echo "oidc_audience: api://mail"
		echo "oidc_ca_file: $IDP_CA"
		echo "oidc_cache_dir: $T_TMP/cache-cli"
		echo "oidc_client_id: $IDP_CLIENT_ID"
		echo "oidc_client_secret_file: $T_TMP/secret"
		echo "oidc_request_resource: api://mail"
		echo "oidc_request_scopes: mail.read"
		printf '%s\n' "$@"
	} >"$f"
	echo "$f"
}

# run_pair NAME MECH AUTHZID CLIENT_CONF PYEXPR: c = client output, ok/user of the server
run_pair() {
	local name=$1
	T_LAST=(sample-client "$2" "$3" "$4")
	"$PY" - "$PLUG" "$T_TMP/srv" "$2" "$3" "$4" >"$OUT" 2>"$ERR" <<'PYEOF'
import json, sys
sys.path.insert(0, "tests/sasl")
import saslrun
plug, srv, mech, authzid, conf = sys.argv[1:6]
c, ex = saslrun.client_server(plug, srv, mech, authzid, "not-a-token", timeout=20,
                              client_env={"OIDC_SASL_CLIENT_CONF": conf})
print(json.dumps({"client": c[-1500:], "server": ex.out[-1500:], "ok": ex.success,
                  "user": ex.user}))
PYEOF
	RC=$?
	if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = d["client"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$5" 2>/dev/null; then
		ok "$name"
	else
		not_ok "$name" "not true: $5" "$(t_last_run)"
	fi
}

CC=$(client_conf cc "oidc_token_grant: client_credentials")
run_pair "client_credentials grant: OAUTHBEARER accepted, identity from the token" \
	OAUTHBEARER "" "$CC" 'd["ok"] and d["user"] == "svc-mail" and "Password" not in c'
run_pair "client_credentials grant: XOAUTH2 accepted" XOAUTH2 "" "$CC" 'd["ok"]'
run_pair "client_credentials grant: a=someone-else refused by the server" \
	OAUTHBEARER root "$CC" 'not d["ok"]'

BAD=$(client_conf badsecret "oidc_token_grant: client_credentials")
sed -i "s|^oidc_client_secret_file: .*|oidc_client_secret_file: $T_TMP/wrong|" "$BAD"
printf 'wrong-secret' >"$T_TMP/wrong"
chmod 600 "$T_TMP/wrong"
run_pair "client_credentials with a wrong secret: no token, error says why" OAUTHBEARER "" \
	"$BAD" 'not d["ok"] and "no token" in c'

if idp_device_login alice api://mail "openid offline_access mail.read" &&
	[ -n "$IDP_REFRESH_TOKEN" ]; then
	ok "device login gave a refresh token"
	printf '%s\n' "$IDP_REFRESH_TOKEN" >"$T_TMP/refresh"
	chmod 600 "$T_TMP/refresh"
	RT=$(client_conf rt "oidc_token_grant: refresh_token" \
		"oidc_refresh_token_file: $T_TMP/refresh")
	run_pair "refresh_token grant: accepted as alice" OAUTHBEARER alice "$RT" \
		'd["ok"] and d["user"] == "alice"'
else
	not_ok "device login gave a refresh token" "poll error: ${IDP_POLL_ERROR:-}"
fi

idp_token_cc api://mail mail.read bob >"$T_TMP/bob.tok" || not_ok "sasl client: bob's token"
TF=$(client_conf tf "oidc_token_file: $T_TMP/bob.tok")
run_pair "oidc_token_file: accepted as bob" XOAUTH2 bob "$TF" 'd["ok"] and d["user"] == "bob"'
t_done
