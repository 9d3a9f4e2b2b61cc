# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/oauth.sh - what the provider fixtures tests/idp-glewlwyd and tests/idp-lemonldap
# share: reading JSON answers and calling a token endpoint (RFC 6749 5.1, 5.2).

# json_expr EXPR: evaluate the Python expression EXPR over d, the JSON document on stdin
# (Debian's /usr/bin/python3; answers may be nested or hold escapes). Prints a string raw,
# any other value as JSON; prints nothing and exits 1 when the input is not JSON, EXPR fails
# (a missing key: d["aud"]) or gives None (d.get("aud")).
json_expr() {
	/usr/bin/python3 -c 'import json, sys
try:
    d = json.load(sys.stdin)
    v = eval(sys.argv[1], {"d": d})
except Exception:
    sys.exit(1)
if v is None:
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

# oauth_token_request PREFIX CURL URL ARGS...: POST ARGS (grant and client authentication) to
# the token endpoint URL with the fixture's curl wrapper CURL; sets PREFIX_TOKEN_RESPONSE
# and PREFIX_ACCESS_TOKEN, PREFIX_REFRESH_TOKEN, PREFIX_ID_TOKEN, PREFIX_ERROR (empty when
# absent). 0 when the answer has an access token.
oauth_token_request() {
	local prefix=$1 curl=$2 url=$3 resp v
	shift 3
	resp=$("$curl" "$@" "$url") || resp=
	printf -v "${prefix}_TOKEN_RESPONSE" '%s' "$resp"
	for v in access_token refresh_token id_token error; do
		printf -v "${prefix}_${v^^}" '%s' "$(json_expr "d.get(\"$v\")" <<<"$resp")"
	done
	v=${prefix}_ACCESS_TOKEN
	[ -n "${!v}" ]
}
