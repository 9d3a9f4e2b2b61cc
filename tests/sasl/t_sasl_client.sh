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
. tests/lib/testlib.sh
. tests/pam/lib.sh   # pam_enter_ns, pam_devlog: the client logs through syslog()
pam_enter_ns "sasl client" "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
t_init sasl_client "$@"
trap 'idp_cleanup; t_cleanup' EXIT
pam_devlog "$T_TMP" || { not_ok "sasl client: private /dev/log"; t_done; exit 1; }
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

# Rotation across processes. The provider rotates the public device client's refresh token at
# every use and revokes the whole grant when a used one comes back (oidc-provider's defaults;
# Okta and Auth0 behave alike), so each new client process must start from the token the
# previous one got: the plugin writes it back to oidc_refresh_token_file.
rt_public() {   # FILE: a device login with the public client, its refresh token into FILE
	idp_device_login alice api://mail "openid offline_access mail.read" public &&
		[ -n "$IDP_REFRESH_TOKEN" ] && printf '%s\n' "$IDP_REFRESH_TOKEN" >"$1" && chmod 600 "$1"
}
public_conf() {   # NAME FILE: the client as the public device client
	local f
	f=$(client_conf "$1" "oidc_token_grant: refresh_token" "oidc_refresh_token_file: $2")
	sed -i -e "s|^oidc_client_id: .*|oidc_client_id: $IDP_DEVICE_CLIENT|" \
		-e '/^oidc_client_secret_file:/d' "$f"
	echo "$f"
}
mkdir -m 700 "$T_TMP/rot"
if rt_public "$T_TMP/rot/refresh"; then
	RT0=$IDP_REFRESH_TOKEN
	RR=$(public_conf rot "$T_TMP/rot/refresh")
	run_pair "rotating refresh token, first process: accepted as alice" OAUTHBEARER alice \
		"$RR" 'd["ok"] and d["user"] == "alice"'
	RT1=$(cat "$T_TMP/rot/refresh")
	check "the rotated refresh token was written back (mode 600, nothing left beside it)" \
		test -n "$RT1" -a "$RT1" != "$RT0" \
		-a "$(stat -c %a "$T_TMP/rot/refresh")" = 600 \
		-a "$(ls "$T_TMP/rot" | tr '\n' ' ')" = "refresh refresh.lock "
	run_pair "rotating refresh token, second process starts from the rotated one" \
		OAUTHBEARER alice "$RR" 'd["ok"] and d["user"] == "alice"'
	RT2=$(cat "$T_TMP/rot/refresh")
	check "the second rotation was written back too" test -n "$RT2" -a "$RT2" != "$RT1"
	# three processes refreshing at once: the lock makes them take turns, each starting from
	# the token the previous one wrote (unlocked, two would present the same token and the
	# provider would revoke the grant)
	T_LAST=(three concurrent sample-clients "$RR")
	"$PY" - "$PLUG" "$T_TMP/srv" "$RR" >"$OUT" 2>"$ERR" <<'PYEOF'
import sys, threading
sys.path.insert(0, "tests/sasl")
import saslrun
plug, srv, conf = sys.argv[1:4]
res = [None] * 3
def one(i):
    c, ex = saslrun.client_server(plug, srv, "OAUTHBEARER", "alice", "not-a-token",
                                  timeout=40, client_env={"OIDC_SASL_CLIENT_CONF": conf})
    res[i] = (ex.success, ex.user, c[-300:])
ts = [threading.Thread(target=one, args=(i,)) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(res)
sys.exit(0 if all(r and r[0] and r[1] == "alice" for r in res) else 1)
PYEOF
	RC=$?
	if [ "$RC" -eq 0 ]; then
		ok "rotating refresh token, three processes at once: all accepted as alice"
	else
		not_ok "rotating refresh token, three processes at once: all accepted as alice" \
			"$(t_last_run)"
	fi
	RT2=$(cat "$T_TMP/rot/refresh")
	# what every later process would present without the write-back
	resp=$(_idp_curl -d grant_type=refresh_token -d "client_id=$IDP_DEVICE_CLIENT" \
		--data-urlencode "refresh_token=$RT0" "$IDP_URL/token" 2>&1)
	check "the provider refuses the first, used refresh token (invalid_grant)" \
		grep -q invalid_grant <<<"$resp"
else
	not_ok "public client device login gave a refresh token" "poll error: ${IDP_POLL_ERROR:-}"
fi

# A directory the client cannot write: the token still works in this process, and a warning
# says the rotated token was not saved (read-only tmpfs: root ignores permission bits).
mkdir -m 700 "$T_TMP/ro"
if mount -t tmpfs -o size=1m,mode=700 tmpfs "$T_TMP/ro" && rt_public "$T_TMP/ro/refresh" &&
	mount -o remount,ro "$T_TMP/ro"; then
	RO=$(public_conf ro "$T_TMP/ro/refresh")
	log_mark
	run_pair "read-only refresh token directory: accepted as alice" OAUTHBEARER alice "$RO" \
		'd["ok"] and d["user"] == "alice"'
	check "read-only refresh token directory: a warning names the file and the fix" \
		log_wait "rotated the refresh token but oidc_refresh_token_file $T_TMP/ro/refresh was not rewritten.*writable"
	check "read-only refresh token directory: the file is unchanged" \
		test "$(cat "$T_TMP/ro/refresh")" = "$IDP_REFRESH_TOKEN"
	umount "$T_TMP/ro"
else
	not_ok "read-only refresh token directory: set up (tmpfs, device login)"
fi

idp_token_cc api://mail mail.read bob >"$T_TMP/bob.tok" || not_ok "sasl client: bob's token"
chmod 600 "$T_TMP/bob.tok"
TF=$(client_conf tf "oidc_token_file: $T_TMP/bob.tok")
run_pair "oidc_token_file: accepted as bob" XOAUTH2 bob "$TF" 'd["ok"] and d["user"] == "bob"'

# ---- the files with secrets are read like every secret (oidc_trusted_file_read) -----------
# refused: another user's file, a file others can read, a symbolic link, a directory others
# can write; the reason reaches the log and the client's error text, and no token is sent
refused_case() {   # NAME CONF LOG-PATTERN
	log_mark
	run_pair "$1: refused, no token sent" XOAUTH2 "" "$2" \
		'not d["ok"] and "no token" in c and "refused" in c'
	expect_log "$1: a log line names the file and the fix" "$3"
}
chmod 644 "$T_TMP/bob.tok"
refused_case "oidc_token_file mode 0644" "$TF" "oidc_token_file refused: .*bob\.tok: .*chmod 600"
chmod 600 "$T_TMP/bob.tok"
ln -s "$T_TMP/bob.tok" "$T_TMP/bob-link.tok"
TFL=$(client_conf tfl "oidc_token_file: $T_TMP/bob-link.tok")
refused_case "oidc_token_file a symbolic link" "$TFL" "oidc_token_file refused: .*symbolic link"
chown 65534 "$T_TMP/bob.tok"
refused_case "oidc_token_file owned by another user" "$TF" "oidc_token_file refused: .*owned by uid 65534"
chown 0 "$T_TMP/bob.tok"
mkdir -m 777 "$T_TMP/shared"
cp -p "$T_TMP/bob.tok" "$T_TMP/shared/bob.tok"
TFS=$(client_conf tfs "oidc_token_file: $T_TMP/shared/bob.tok")
refused_case "oidc_token_file in a world-writable directory" "$TFS" \
	"oidc_token_file refused: .*its directory is writable by group or others"
run_pair "oidc_token_file: the same file, 0600 and ours, accepted again" XOAUTH2 bob "$TF" \
	'd["ok"] and d["user"] == "bob"'

mkdir -m 700 "$T_TMP/rt-mode"
if rt_public "$T_TMP/rt-mode/refresh"; then
	RM=$(public_conf rtmode "$T_TMP/rt-mode/refresh")
	chmod 644 "$T_TMP/rt-mode/refresh"
	refused_case "oidc_refresh_token_file mode 0644" "$RM" \
		"oidc_refresh_token_file refused: .*refresh: .*chmod 600"
	chmod 600 "$T_TMP/rt-mode/refresh"
	ln -s "$T_TMP/rt-mode/refresh" "$T_TMP/rt-mode/link"
	RL=$(public_conf rtlink "$T_TMP/rt-mode/link")
	refused_case "oidc_refresh_token_file a symbolic link" "$RL" \
		"oidc_refresh_token_file refused: .*symbolic link"
	chown 65534 "$T_TMP/rt-mode/refresh"
	refused_case "oidc_refresh_token_file owned by another user" "$RM" \
		"oidc_refresh_token_file refused: .*owned by uid 65534"
	chown 0 "$T_TMP/rt-mode/refresh"
	run_pair "oidc_refresh_token_file: the same file, 0600 and ours, accepted again" \
		OAUTHBEARER alice "$RM" 'd["ok"] and d["user"] == "alice"'
else
	not_ok "oidc_refresh_token_file refusals: a device login for the refresh token"
fi

# the client's own configuration file ($OIDC_SASL_CLIENT_CONF): nobody else may change it,
# and a refused one must not fall back to the password callback
chmod 666 "$TF"
refused_case "OIDC_SASL_CLIENT_CONF world-writable" "$TF" \
	"no token: OIDC_SASL_CLIENT_CONF refused: .*tf\.conf: writable by group or others"
chmod 644 "$TF"
refused_case "OIDC_SASL_CLIENT_CONF missing" "$T_TMP/no-such.conf" \
	"no token: OIDC_SASL_CLIENT_CONF refused: .*no-such\.conf: cannot open"
t_done
