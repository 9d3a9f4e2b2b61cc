#!/usr/bin/env bash
# tests/login/t_login.sh - the core as an OAuth client, through the CLI's "login" (RFC 8628
# device flow) and "token" (refresh_token grant), against the real OpenID provider
# (tests/idp) and the misbehaving server. The test acts as the user's browser: it reads the
# user code the CLI printed and approves (or refuses, or ignores) it at the provider.
# Private network and PID namespaces: loopback only, nothing outlives the test.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/netns.sh "login" "$@"

. tests/lib/testlib.sh
. tests/idp/lib.sh
t_init login "$@"
trap 'idp_cleanup; t_cleanup' EXIT

D=$T_TMP/idp
mkdir -p "$D"
idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 ||
	{ not_ok "login: make CA and keys"; t_done; exit 1; }
# interval 1 s announced (the RFC default of 5 s would make the test slow); polling
# faster than announced gets slow_down from the provider.
IDP_DEVICE_INTERVAL=1 idp_start "$D" 8443 || { not_ok "login: start the OpenID provider"; t_done; exit 1; }
ok "login: OpenID provider up at $IDP_ISSUER"

SECRET=$T_TMP/secret
printf '%s' "$IDP_CLIENT_SECRET" >"$SECRET"
chmod 600 "$SECRET"
BASE="issuer = $IDP_ISSUER
audience = api://mail
ca_file = $IDP_CA
cache_dir = $T_TMP/cache
username_claim = preferred_username
request_resource = api://mail
request_scopes = openid offline_access mail.read"
PUB=$T_TMP/public.conf       # the public device client
printf '%s\nclient_id = %s\n' "$BASE" "$IDP_DEVICE_CLIENT" >"$PUB"
CONF=$T_TMP/confidential.conf  # the confidential client, client_secret_basic
printf '%s\nclient_id = %s\nclient_secret_file = %s\n' "$BASE" "$IDP_CLIENT_ID" "$SECRET" >"$CONF"

# last_event FIELD: FIELD of the last JSON line on stdout
last_event() {
	"$PY" -c 'import json,sys
l = [x for x in open(sys.argv[1]) if x.strip()][-1]
v = json.loads(l).get(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "$OUT" "$1" 2>/dev/null
}

# ---- a person signs in (public client) ------------------------------------------------
TF=$T_TMP/state/oidc-auth/tokens.json
t0=$(date +%s.%N)
if login_bg "$PUB" "$TF" --print-token; then
	ok "login: device authorization shown (user code $CODE)"
	grep -q "enter the code $CODE" "$ERR" && ok "login: the user code is printed for the person" ||
		not_ok "login: the user code is printed for the person" "$(t_last_run)"
	idp_device_approve "$CODE" alice || not_ok "login: the browser approves the code"
	login_wait
	t1=$(date +%s.%N)
	expect_exit "login: exit 0 once the user approved" 0
	[ "$(last_event user)" = alice ] && ok "login: signed in as alice (the token validates)" ||
		not_ok "login: signed in as alice (the token validates)" "$(t_last_run)"
	t_diag "device flow end to end (login start to tokens stored): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
else
	not_ok "login: device authorization shown" "$(t_last_run)"
fi
[ "$(stat -c %a "$TF" 2>/dev/null)" = 600 ] && ok "login: token file is 0600" ||
	not_ok "login: token file is 0600" "$(ls -l "$TF" 2>&1)"
[ "$(stat -c %a "$(dirname "$TF")" 2>/dev/null)" = 700 ] && ok "login: its new directory is 0700" ||
	not_ok "login: its new directory is 0700"
AT=$(last_event access_token)
[ -n "$AT" ] && [ "$AT" = "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$TF")" ] &&
	ok "login: --print-token gives the stored access token" ||
	not_ok "login: --print-token gives the stored access token" "$(t_last_run)"
run_cli validate --config "$PUB" --user alice "$AT"
expect_exit "login: the access token validates for alice" 0

IDT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("id_token", ""))' "$TF")
run_cli validate --config "$PUB" --user alice --json "$IDT"
expect_reason "login: the provider's ID token is refused as a bearer token by default" 1 wrong_audience
run_cli validate --config "$PUB" --set accept_id_tokens=yes --set "username_claim=preferred_username, sub" --user alice --json "$IDT"
expect_exit "login: ... and accepted with accept_id_tokens = yes (aud = client_id; user from sub)" 0
run_cli validate --config "$PUB" --set accept_id_tokens=yes --set client_id=other --json "$IDT"
expect_reason "login: ... but not for another client_id" 1 wrong_audience

# ---- token: stored while fresh, refreshed when (nearly) expired ------------------------
run_cli token --config "$PUB" --token-file "$TF"
expect_exit "token: exit 0" 0
[ "$(cat "$OUT")" = "$AT" ] && ok "token: the stored token while it is fresh (no request)" ||
	not_ok "token: the stored token while it is fresh (no request)" "$(t_last_run)"
run_cli token --config "$PUB" --token-file "$TF" --min-valid 86400 --json
expect_exit "token: refresh when less than --min-valid is left: exit 0" 0
AT2=$(json_field access_token)
[ -n "$AT2" ] && [ "$AT2" != "$AT" ] && ok "token: a new access token from the refresh token" ||
	not_ok "token: a new access token from the refresh token" "$(t_last_run)"
run_cli validate --config "$PUB" --user alice "$AT2"
expect_exit "token: the refreshed token validates for alice" 0
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["access_token"]==sys.argv[2] and d.get("refresh_token") else 1)' "$TF" "$AT2" &&
	ok "token: the token file now holds the new token and a refresh token" ||
	not_ok "token: the token file now holds the new token and a refresh token"
# Three programs asking at once (a mail client and a sync tool) for an expired token. The
# public client's refresh token rotates at every use and a used one revokes the grant, so
# only one may refresh; the others wait on the lock and take the token it stored.
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["expires_at"]=1; json.dump(d, open(sys.argv[1],"w"))' "$TF"
for i in 1 2 3; do
	"$CLI" token --config "$PUB" --token-file "$TF" >"$T_TMP/par$i.out" 2>"$T_TMP/par$i.err" &
done
par_rc=0
for i in 1 2 3; do wait -n || par_rc=1; done
if [ "$par_rc" -eq 0 ] && [ -s "$T_TMP/par1.out" ] &&
	cmp -s "$T_TMP/par1.out" "$T_TMP/par2.out" && cmp -s "$T_TMP/par1.out" "$T_TMP/par3.out"; then
	ok "token: three at once: all exit 0 with the one token a single refresh got"
else
	not_ok "token: three at once: all exit 0 with the one token a single refresh got" \
		"$(head -c 300 "$T_TMP"/par*.err)"
fi
run_cli token --config "$PUB" --token-file "$TF" --min-valid 86400
expect_exit "token: ... and the stored refresh token still works afterwards" 0
ls "$(dirname "$TF")" | grep -q "$(basename "$TF")\.[A-Za-z0-9]\{6\}$" &&
	not_ok "token: no temporary file left beside the token file" ||
	ok "token: no temporary file left beside the token file"
chmod 644 "$TF"
run_cli token --config "$PUB" --token-file "$TF"
expect_exit "token: a token file readable by others is refused (exit 2)" 2
chmod 600 "$TF"
# read like every secret (oidc_trusted_file_read): no symbolic link, nobody else's file
ln -s "$TF" "$T_TMP/link.json"
run_cli token --config "$PUB" --token-file "$T_TMP/link.json"
expect_exit "token: a token file that is a symbolic link is refused (exit 2)" 2
grep -q 'symbolic link' "$ERR" && ok "token: ... and the error says so" ||
	not_ok "token: ... and the error says so" "$(t_last_run)"
chown 65534 "$TF"
run_cli token --config "$PUB" --token-file "$TF"
expect_exit "token: a token file owned by another user is refused (exit 2)" 2
chown 0 "$TF"
run_cli token --config "$PUB" --token-file "$TF"
expect_exit "token: the same file, ours again, is accepted" 0
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["refresh_token"]="bogus"; d["expires_at"]=1; json.dump(d, open(sys.argv[1],"w"))' "$TF"
run_cli token --config "$PUB" --token-file "$TF" --json
expect_reason "token: a refresh token the provider does not know: grant_refused" 1 grant_refused
run_cli token --config "$PUB" --token-file "$T_TMP/none.json"
expect_exit "token: no stored tokens: exit 1" 1
grep -q "oidc-auth login" "$ERR" && ok "token: ... says to run oidc-auth login" ||
	not_ok "token: ... says to run oidc-auth login" "$(t_last_run)"

# ---- tokens for another server (a mail provider's SMTP): --no-validate -----------------
# The audience here is not the token's: a plain login reports it does not validate (exit 1,
# tokens stored anyway); --no-validate skips the check and exits 0.
if login_bg "$PUB" "$T_TMP/other.json" --set audience=https://outlook.example.test; then
	idp_device_approve "$CODE" alice || not_ok "login for another server: the browser approves"
	login_wait
	expect_exit "login, token for another server: not valid here, exit 1" 1
	[ "$(last_event result)" = wrong_audience ] && [ -s "$T_TMP/other.json" ] &&
		ok "login, token for another server: result wrong_audience, tokens stored anyway" ||
		not_ok "login, token for another server: result wrong_audience, tokens stored anyway" \
			"$(t_last_run)"
else
	not_ok "login for another server: device authorization" "$(t_last_run)"
fi
rm -f "$T_TMP/other.json"
if login_bg "$PUB" "$T_TMP/other.json" --set audience=https://outlook.example.test --no-validate
then
	idp_device_approve "$CODE" alice || not_ok "login --no-validate: the browser approves"
	login_wait
	expect_exit "login --no-validate: exit 0" 0
	[ "$(last_event result)" = not_validated ] &&
		"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["access_token"] and d["refresh_token"] else 1)' "$T_TMP/other.json" &&
		ok "login --no-validate: result not_validated, access and refresh token stored" ||
		not_ok "login --no-validate: result not_validated, access and refresh token stored" \
			"$(t_last_run)"
else
	not_ok "login --no-validate: device authorization" "$(t_last_run)"
fi
run_cli token --config "$PUB" --token-file "$T_TMP/other.json" --no-validate
expect_exit "token --no-validate: not an option of token (exit 2)" 2

# ---- confidential client (client_secret_basic), approval refused, timeout --------------
if login_bg "$CONF" "$T_TMP/t2.json"; then
	idp_device_approve "$CODE" bob || not_ok "login: the browser approves (confidential client)"
	login_wait
	expect_exit "login: confidential client signs in: exit 0" 0
	[ "$(last_event user)" = bob ] && ok "login: confidential client: user bob" ||
		not_ok "login: confidential client: user bob" "$(t_last_run)"
	expect_absent "login: the client secret is never printed" "$IDP_CLIENT_SECRET"
else
	not_ok "login: confidential client: device authorization" "$(t_last_run)"
fi
# only openid with a resource: oidc-provider answers "scope": "" (an empty scope is no scope)
if login_bg "$PUB" "$T_TMP/t6.json" --set request_scopes=openid; then
	idp_device_approve "$CODE" alice || not_ok "login: the browser approves (scope openid)"
	login_wait
	expect_exit "login: a token response with an empty scope is accepted" 0
else
	not_ok "login: scope openid: device authorization" "$(t_last_run)"
fi
if login_bg "$PUB" "$T_TMP/t3.json"; then
	idp_device_refuse "$CODE" || not_ok "login: the browser refuses the code"
	login_wait
	expect_exit "login: refused at the provider: exit 1" 1
	[ "$(last_event reason)" = access_denied ] && ok "login: refused: reason access_denied" ||
		not_ok "login: refused: reason access_denied" "$(t_last_run)"
	[ ! -e "$T_TMP/t3.json" ] && ok "login: refused: no token file" || not_ok "login: refused: no token file"
else
	not_ok "login: refusal: device authorization" "$(t_last_run)"
fi
t0=$(date +%s)
if login_bg "$PUB" "$T_TMP/t4.json" --set device_timeout=10; then
	login_wait
	t1=$(date +%s)
	expect_exit "login: nobody approves: exit 1 after device_timeout" 1
	[ "$(last_event reason)" = device_code_expired ] && ok "login: timeout: reason device_code_expired" ||
		not_ok "login: timeout: reason device_code_expired" "$(t_last_run)"
	[ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -le 14 ] && ok "login: gave up after 10 s ($((t1 - t0)) s)" ||
		not_ok "login: gave up after 10 s" "took $((t1 - t0)) s"
else
	not_ok "login: timeout: device authorization" "$(t_last_run)"
fi

# ---- configuration and provider faults --------------------------------------------------
run_cli login --config "$PUB" --token-file "$T_TMP/t5.json" --set client_id=nobody --json
expect_reason "login: unknown client_id: grant_refused" 1 grant_refused
printf '%s\n' "$BASE" >"$T_TMP/noclient.conf"
run_cli login --config "$T_TMP/noclient.conf" --token-file "$T_TMP/t5.json" --json
expect_reason "login: no client_id: config_error (exit 2)" 2 config_error
faulty_start "$D" 9443 >/dev/null 2>&1 || not_ok "login: start the misbehaving server"
# could not reach it (5xx, no answer): try again; it answered with no JSON, or 404: fix the URL
for case in "500 3 idp_unreachable" "hang 3 idp_unreachable" "garbage 2 idp_bad_document" \
	"html 2 idp_bad_document" "404 2 idp_http_error"; do
	set -- $case
	run_cli login --config "$PUB" --token-file "$T_TMP/t5.json" --json \
		--set "device_authorization_endpoint=$FAULTY_URL/$1/device" --set http_timeout=2
	expect_reason "login: device endpoint answers $1: $3 (exit $2)" "$2" "$3"
done
idp_stop
run_cli login --config "$PUB" --token-file "$T_TMP/t5.json" --json --set "cache_dir=$T_TMP/cold"
expect_reason "login: provider down, cold cache: idp_unreachable (exit 3)" 3 idp_unreachable
run_cli token --config "$PUB" --token-file "$T_TMP/t2.json" --min-valid 86400 --json
expect_reason "token: provider down: idp_unreachable (exit 3)" 3 idp_unreachable
t_done
