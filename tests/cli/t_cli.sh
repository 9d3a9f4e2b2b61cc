#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_cli.sh - the command line contract of oidc-auth (tools/oidc-auth.c):
# help and usage errors, exit codes 0/1/2, stdin, --user, --set, --now, the
# --json shapes, check-config output and errors, jws-verify, and that no
# output ever contains a token, its signature or the HMAC secret.
# Keys and tokens are made here with the openssl CLI (independent of the
# core). Run from the repository root: bash tests/cli/t_cli.sh [FILTER...]
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/testlib.sh
t_init cli "$@"

NOW=1800000000
ISS=https://idp.example.com
AUD=api://oidc-cli

# ---- keys, key set, configurations (openssl CLI) ----------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_TMP/k1.pem" 2>/dev/null
N=$(openssl rsa -in "$T_TMP/k1.pem" -noout -modulus | sed 's/^Modulus=//' | xxd -r -p | b64url)
printf '{"keys":[{"kty":"RSA","kid":"k1","n":"%s","e":"AQAB"}]}\n' "$N" >"$T_TMP/jwks.json"
SECRET=$(openssl rand -hex 24)          # 48 characters: HS256 and HS384
printf '%s\n' "$SECRET" >"$T_TMP/hmac.secret"
chmod 600 "$T_TMP/hmac.secret"

CFG="$T_TMP/oidc.conf"
cat >"$CFG" <<EOF
# CLI test configuration
issuer = $ISS
audience = $AUD
jwks_file = $T_TMP/jwks.json
EOF
HSCFG="$T_TMP/hs.conf"
cat >"$HSCFG" <<EOF
issuer = $ISS
audience = $AUD
jwks_file = $T_TMP/jwks.json
hmac_secret_file = $T_TMP/hmac.secret
hmac_kid = hs1
algorithms = RS256, HS256
EOF
TWOCFG="$T_TMP/two.conf"
cat >"$TWOCFG" <<EOF
audience = $AUD
jwks_file = $T_TMP/jwks.json

# the two stand for one set of users: they share names on purpose
[issuer idpA]
issuer = https://a.example.com
username_namespace = users

[issuer idpB]
issuer = https://b.example.com
username_namespace = users
EOF
BADCFG="$T_TMP/bad.conf"         # unknown key on line 3
printf 'issuer = %s\naudience = %s\nfrobnicate = 1\njwks_file = %s\n' \
	"$ISS" "$AUD" "$T_TMP/jwks.json" >"$BADCFG"
BADVAL="$T_TMP/badval.conf"      # bad value on line 4
printf 'issuer = %s\naudience = %s\njwks_file = %s\nleeway = soon\n' \
	"$ISS" "$AUD" "$T_TMP/jwks.json" >"$BADVAL"

# claims JSON with exp relative to NOW
claims() {    # SUB EXP [extra JSON members]
	local fmt='{"iss":"%s","sub":"%s","aud":"%s","exp":%s,"iat":%s,"nbf":%s,'
	fmt+='"jti":"j-%s","scope":"openid mail.read"%s}'
	# shellcheck disable=SC2059
	printf "$fmt" "$ISS" "$1" "$AUD" "$2" $((NOW - 10)) $((NOW - 10)) \
		"$RANDOM$RANDOM" "${3:-}"
}
# rs256 HEADER CLAIMS -> token signed with k1 (openssl dgst)
rs256() {
	local si
	si="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
	printf '%s.%s' "$si" "$(printf '%s' "$si" | openssl dgst -sha256 -sign "$T_TMP/k1.pem" | b64url)"
}
# hs256 HEADER CLAIMS KEY -> token MAC'd with KEY (openssl dgst -mac HMAC)
hs256() {
	local si
	si="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
	printf '%s.%s' "$si" "$(printf '%s' "$si" |
		openssl dgst -sha256 -mac HMAC -macopt "key:$3" -binary | b64url)"
}
sig_of() { printf '%s' "${1##*.}"; }

HDR='{"alg":"RS256","typ":"at+jwt","kid":"k1"}'
TOK=$(rs256 "$HDR" "$(claims alice $((NOW + 600)))")
EXPIRED=$(rs256 "$HDR" "$(claims alice $((NOW - 3600)))")
BADSIG="${TOK%.*}.$(sig_of "$EXPIRED")"       # another token's signature
HSTOK=$(hs256 '{"alg":"HS256","typ":"at+jwt","kid":"hs1"}' "$(claims alice $((NOW + 600)))" \
	"$SECRET")
# HS256 token with a wrong tag: the right tag must never be printed.
HSFORGED_SI="$(printf '%s' '{"alg":"HS256","kid":"hs1"}' | b64url)"
HSFORGED_SI+=".$(claims mallory $((NOW + 600)) | b64url)"
HSFORGED_GOOD=$(printf '%s' "$HSFORGED_SI" |
	openssl dgst -sha256 -mac HMAC -macopt "key:$SECRET" -binary | b64url)
HSFORGED="$HSFORGED_SI.$(head -c 32 /dev/zero | b64url)"
TA=https://a.example.com
TOKA=$(rs256 "$HDR" "$(claims alice $((NOW + 600)) | sed "s#\"$ISS\"#\"$TA\"#")")

V=(validate --config "$CFG" --now "$NOW")

# ---- help and usage errors ------------------------------------------------
for cmd in "" validate jws-verify check-config; do
	run_cli $cmd --help
	if [ "$RC" = 0 ] && grep -qi usage "$OUT" && [ ! -s "$ERR" ]; then
		ok "help: oidc-auth $cmd --help exits 0 with usage on stdout"
	else
		not_ok "help: oidc-auth $cmd --help exits 0 with usage on stdout" "$(t_last_run)"
	fi
done
usage_error() {   # NAME ARGS...: exit 2, an "oidc-auth: " line on stderr, no stdout
	local name=$1
	shift
	run_cli "$@"
	if [ "$RC" = 2 ] && grep -q '^oidc-auth: ' "$ERR" && [ ! -s "$OUT" ]; then
		ok "$name"
	else
		not_ok "$name" "expected exit 2 and 'oidc-auth: ...' on stderr" "$(t_last_run)"
	fi
}
usage_error "usage: no command" 
usage_error "usage: unknown command" frobnicate
usage_error "usage: unknown top-level option" --frobnicate
usage_error "usage: validate unknown option" validate --config "$CFG" --frobnicate "$TOK"
usage_error "usage: jws-verify unknown option" jws-verify --jwks "$T_TMP/jwks.json" --frob "$TOK"
usage_error "usage: check-config unknown option" check-config --frobnicate "$CFG"
usage_error "usage: validate without --config" validate "$TOK"
usage_error "usage: validate --config without its argument" validate --config
usage_error "usage: validate with two tokens" validate --config "$CFG" "$TOK" "$TOK"
usage_error "usage: validate --now not a number" validate --config "$CFG" --now soon "$TOK"
usage_error "usage: validate --now with trailing junk" validate --config "$CFG" --now 12x "$TOK"
usage_error "usage: jws-verify without --jwks" jws-verify "$TOK"
usage_error "usage: check-config without a file" check-config
usage_error "usage: check-config with two files" check-config "$CFG" "$CFG"

# ---- validate: exit codes and text output -----------------------------------
run_cli "${V[@]}" "$TOK"
expect_exit "validate: valid token exits 0" 0
check "validate: text output starts with 'valid'" test "$(head -n1 "$OUT")" = valid
check "validate: text output names the user" grep -Eq '^ +user: +alice$' "$OUT"

run_cli "${V[@]}" "$BADSIG"
expect_exit "validate: bad signature exits 1" 1
check "validate: text rejection line" test "$(head -n1 "$OUT")" = "rejected: bad_signature (deny)"
check "validate: text rejection has a detail line" grep -q '^ *detail: ' "$OUT"

run_cli "${V[@]}" "$EXPIRED"
expect_exit "validate: expired token exits 1" 1
check "validate: expired text line" test "$(head -n1 "$OUT")" = "rejected: token_expired (deny)"

run_cli "${V[@]}" --set required_scopes=mail.send "$TOK"
expect_exit "validate: insufficient scope exits 1" 1
check "validate: forbidden class in text" test "$(head -n1 "$OUT")" = \
	"rejected: insufficient_scope (forbidden)"

run_cli validate --config "$BADCFG" --now "$NOW" "$TOK"
expect_exit "validate: bad configuration exits 2" 2
check "validate: configuration error on stderr" grep -q '^oidc-auth: ' "$ERR"
check "validate: configuration error leaves stdout empty" test ! -s "$OUT"

run_cli validate --config "$T_TMP/missing.conf" --now "$NOW" "$TOK"
expect_exit "validate: missing configuration file exits 2" 2

# ---- validate --json shapes ---------------------------------------------------
json_shape() {    # NAME PYTHON-EXPR over o (the object) and tok: true when right
	local name=$1 expr=$2 tok=$3
	if "$PY" - "$OUT" "$tok" "$expr" <<'EOF'
import hashlib, json, re, sys
text = open(sys.argv[1]).read()
try:
    o = json.loads(text)
except ValueError:
    sys.exit(1)
tok = sys.argv[2]
sha = hashlib.sha256(tok.encode()).hexdigest()[:16]
hex16 = lambda v: isinstance(v, str) and re.fullmatch("[0-9a-f]{16}", v) is not None
one_line = text.count("\n") <= 1
try:
    good = one_line and isinstance(o, dict) and eval("(" + sys.argv[3] + ")")
except (KeyError, TypeError):
    good = False
sys.exit(0 if good else 1)
EOF
	then
		ok "$name"
	else
		not_ok "$name" "JSON shape check failed: $expr" "$(t_last_run)"
	fi
}

run_cli "${V[@]}" --json "$TOK"
expect_exit "json: valid exits 0" 0
json_shape "json: valid shape" \
	'o["result"] == "valid" and o["user"] == "alice" and o["issuer"] == "default"
	 and o["alg"] == "RS256" and o["kid"] == "k1" and o["token_sha256"] == sha' "$TOK"
json_shape "json: valid claims" \
	'all(k in o["claims"] for k in ("iss", "sub", "aud", "exp", "iat", "nbf", "scope", "jti"))
	 and o["claims"]["sub"] == "alice" and o["claims"]["exp"] == '$((NOW + 600)) "$TOK"

NOKID=$(rs256 '{"alg":"RS256","typ":"at+jwt"}' "$(claims alice $((NOW + 600)))")
run_cli "${V[@]}" --json "$NOKID"
json_shape "json: kid null when the token has none" \
	'o["result"] == "valid" and o["kid"] is None' "$NOKID"

run_cli "${V[@]}" --json "$BADSIG"
expect_reason "json: bad signature reason" 1 bad_signature
json_shape "json: rejected shape" \
	'o["result"] == "rejected" and o["class"] == "deny" and isinstance(o["message"], str)
	 and o["message"] and isinstance(o["detail"], str) and o["token_sha256"] == sha' "$BADSIG"

run_cli "${V[@]}" --json --set required_scopes=mail.send "$TOK"
expect_reason "json: insufficient scope reason" 1 insufficient_scope
expect_json "json: insufficient scope class" class forbidden

run_cli validate --config "$BADCFG" --json --now "$NOW" "$TOK"
expect_reason "json: configuration error reason" 2 config_error
json_shape "json: error shape" \
	'o["result"] == "error" and o["class"] == "internal" and isinstance(o["message"], str)
	 and isinstance(o["detail"], str)' "$TOK"

run_cli "${V[@]}" --json "not-a-token"
expect_reason "json: garbage is malformed_token" 1 malformed_token

# ---- stdin, --user, --set, --now ---------------------------------------------
printf '%s' "$TOK" >"$T_TMP/tok"
printf '\n  %s \r\n\n' "$TOK" >"$T_TMP/tok-ws"
T_STDIN="$T_TMP/tok" run_cli "${V[@]}" --json -
expect_exit "stdin: '-' reads the token" 0
expect_json "stdin: '-' gives the user" user alice
T_STDIN="$T_TMP/tok" run_cli "${V[@]}" --json
expect_json "stdin: no token argument reads stdin" result valid
T_STDIN="$T_TMP/tok-ws" run_cli "${V[@]}" --json -
expect_json "stdin: surrounding whitespace and CRLF trimmed" result valid
T_STDIN=/dev/null run_cli "${V[@]}" --json -
expect_reason "stdin: empty input is malformed_token" 1 malformed_token

run_cli "${V[@]}" --json --user bob "$TOK"
expect_reason "user: --user bob for alice's token" 1 user_mismatch
run_cli "${V[@]}" --user bob "$TOK"
expect_exit "user: --user mismatch exits 1 in text mode" 1
run_cli "${V[@]}" --json --user alice "$TOK"
expect_json "user: --user alice accepted" result valid

run_cli "${V[@]}" --json --set audience=api://other "$TOK"
expect_reason "set: --set audience overrides the file" 1 wrong_audience
run_cli "${V[@]}" --json --set audience=api://other --set "audience=$AUD" "$TOK"
expect_json "set: the last --set wins" result valid
run_cli "${V[@]}" --json --set nosuchkey=1 "$TOK"
expect_reason "set: unknown key is a config error" 2 config_error
run_cli "${V[@]}" --json --set leeway "$TOK"
expect_exit "set: --set without '=' exits 2" 2

run_cli validate --config "$CFG" --json --now $((NOW + 599)) "$TOK"
expect_json "now: valid before exp" result valid
run_cli validate --config "$CFG" --json --now $((NOW + 600 + 60)) "$TOK"
expect_reason "now: expired after exp + leeway" 1 token_expired

run_cli validate --config "$TWOCFG" --json --now "$NOW" "$TOKA"
expect_json "sections: issuer names the section" issuer idpA

# ---- check-config -------------------------------------------------------------
run_cli check-config "$CFG"
expect_exit "check-config: valid file exits 0" 0
check "check-config: prints a [section] line" grep -Eq '^\[[^]]+\]$' "$OUT"
check "check-config: prints issuer = VALUE" grep -Fxq "issuer = $ISS" "$OUT"
check "check-config: prints audience = VALUE" grep -Fxq "audience = $AUD" "$OUT"
check "check-config: prints jwks_file = VALUE" grep -Fxq "jwks_file = $T_TMP/jwks.json" "$OUT"

run_cli check-config "$TWOCFG"
expect_exit "check-config: two sections exit 0" 0
check "check-config: block for idpA" grep -Eq '^\[(issuer )?idpA\]$' "$OUT"
check "check-config: block for idpB" grep -Eq '^\[(issuer )?idpB\]$' "$OUT"
check "check-config: defaults copied into each section" \
	test "$(grep -cFx "audience = $AUD" "$OUT")" = 2
check "check-config: notes say what each section does with names" \
	grep -Eq '^# note: \[issuer idpA\] user_names: ' "$OUT"
check "check-config: notes say the sections share names" \
	grep -Eq '^# note: \[issuer idpB\] shared_names: .*\[issuer idpA\]' "$OUT"
run_cli check-config --json "$TWOCFG"
check "check-config: --json lists the notes" \
	test "$(json_field notes | "$PY" -c 'import json,sys; print(sorted({(n["section"], n["note"]) for n in json.load(sys.stdin)}))')" = \
	"[('idpA', 'shared_names'), ('idpA', 'user_names'), ('idpB', 'shared_names'), ('idpB', 'user_names')]"

run_cli check-config --json "$CFG"
expect_json "check-config: --json before FILE" result ok
run_cli check-config "$CFG" --json
expect_json "check-config: --json after FILE (contract order)" result ok
run_cli check-config "$CFG" --set leeway=5
expect_exit "check-config: --set after FILE (contract order)" 0
run_cli check-config --set leeway=5 "$CFG"
check "check-config: --set shows in the output" grep -Fxq "leeway = 5" "$OUT"

run_cli check-config "$BADCFG"
expect_exit "check-config: unknown key exits 2" 2
check "check-config: error names file and line 3" grep -qF "$BADCFG:3" "$ERR"
check "check-config: error names the key" grep -q frobnicate "$ERR"
check "check-config: error prefixed oidc-auth:" grep -q '^oidc-auth: ' "$ERR"
run_cli check-config "$BADVAL"
expect_exit "check-config: bad value exits 2" 2
check "check-config: bad value names file and line 4" grep -qF "$BADVAL:4" "$ERR"
check "check-config: bad value names the key" grep -q leeway "$ERR"
run_cli check-config --json "$BADCFG"
expect_reason "check-config: --json error reason" 2 config_error

run_cli check-config "$HSCFG"
expect_exit "check-config: HMAC config exits 0" 0
expect_absent "check-config: HMAC secret not printed" "$SECRET"
run_cli check-config --json "$HSCFG"
expect_absent "check-config: HMAC secret not printed (json)" "$SECRET"

# ---- jws-verify -----------------------------------------------------------------
J=(jws-verify --jwks "$T_TMP/jwks.json")
run_cli "${J[@]}" "$TOK"
expect_exit "jws-verify: valid signature exits 0" 0
check "jws-verify: text 'signature valid'" test "$(head -n1 "$OUT")" = "signature valid"
run_cli "${J[@]}" --json "$TOK"
json_shape "jws-verify: json valid shape (result, alg, kid)" \
	'o["result"] == "valid" and o.get("alg") == "RS256" and o.get("kid") == "k1"' "$TOK"
run_cli "${J[@]}" "$EXPIRED"
expect_exit "jws-verify: reads no claims (expired token verifies)" 0
run_cli "${J[@]}" "$BADSIG"
expect_exit "jws-verify: bad signature exits 1" 1
check "jws-verify: text rejection line" test "$(head -n1 "$OUT")" = "rejected: bad_signature (deny)"
run_cli "${J[@]}" --json "$BADSIG"
expect_reason "jws-verify: json bad_signature" 1 bad_signature
json_shape "jws-verify: json rejected shape" \
	'o["result"] == "rejected" and o["class"] == "deny" and o["token_sha256"] == sha' "$BADSIG"
run_cli "${J[@]}" --json --alg ES256 "$TOK"
expect_reason "jws-verify: --alg excludes RS256" 1 alg_not_allowed
run_cli "${J[@]}" --json --max-size 100 "$TOK"
expect_reason "jws-verify: --max-size" 1 token_too_large
run_cli "${J[@]}" --json --alg none "$TOK"
expect_exit "jws-verify: --alg none refused" 2
T_STDIN="$T_TMP/tok" run_cli "${J[@]}" --json -
expect_json "jws-verify: token from stdin" result valid
printf '{"keys":[]}' >"$T_TMP/empty.jwks"
run_cli jws-verify --jwks "$T_TMP/empty.jwks" --json "$TOK"
expect_reason "jws-verify: empty key set refused" 2 bad_keyset
run_cli jws-verify --jwks "$T_TMP/none.jwks" --json "$TOK"
expect_exit "jws-verify: missing JWKS file exits 2" 2

# ---- nothing prints a token, a signature or the secret ----------------------------
# Every mode (text/json, valid/rejected/error, validate/jws-verify, stdin):
# stdout and stderr together must not contain the token, its signature
# segment, the HMAC secret, or the tag a forged HMAC token should have had.
leak_case() {     # LABEL TOKEN ARGS...   (TOKEN is also passed as the last argument)
	local label=$1 tok=$2
	shift 2
	run_cli "$@" "$tok"
	expect_absent "leak: $label: no token" "$tok"
	expect_absent "leak: $label: no signature" "$(sig_of "$tok")"
	expect_absent "leak: $label: no HMAC secret" "$SECRET"
}
leak_case "valid text" "$TOK" "${V[@]}"
leak_case "valid json" "$TOK" "${V[@]}" --json
leak_case "bad signature text" "$BADSIG" "${V[@]}"
leak_case "bad signature json" "$BADSIG" "${V[@]}" --json
leak_case "expired json" "$EXPIRED" "${V[@]}" --json
leak_case "user mismatch text" "$TOK" "${V[@]}" --user bob
leak_case "HS256 valid text" "$HSTOK" validate --config "$HSCFG" --now "$NOW"
leak_case "HS256 valid json" "$HSTOK" validate --config "$HSCFG" --now "$NOW" --json
leak_case "HS256 forged text" "$HSFORGED" validate --config "$HSCFG" --now "$NOW"
expect_absent "leak: HS256 forged text: no expected tag" "$HSFORGED_GOOD"
leak_case "HS256 forged json" "$HSFORGED" validate --config "$HSCFG" --now "$NOW" --json
expect_absent "leak: HS256 forged json: no expected tag" "$HSFORGED_GOOD"
leak_case "four segments json" "$TOK.$(sig_of "$TOK")" "${V[@]}" --json
leak_case "config error text" "$TOK" validate --config "$BADCFG" --now "$NOW"
leak_case "config error json" "$TOK" validate --config "$BADCFG" --now "$NOW" --json
leak_case "jws-verify valid text" "$TOK" "${J[@]}"
leak_case "jws-verify valid json" "$TOK" "${J[@]}" --json
leak_case "jws-verify bad signature json" "$BADSIG" "${J[@]}" --json
leak_case "usage error" "$TOK" validate --frobnicate
T_STDIN="$T_TMP/tok" run_cli "${V[@]}" --json -
expect_absent "leak: stdin json: no token" "$TOK"
expect_absent "leak: stdin json: no signature" "$(sig_of "$TOK")"

t_done
