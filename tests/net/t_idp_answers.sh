#!/usr/bin/env bash
# tests/net/t_idp_answers.sh - what the administrator is told when keys cannot be had
# (issue 12 item 2): "the provider answered, and the answer shows a configuration mistake"
# (an HTTP 4xx at discovery or JWKS, an HTML page, another issuer, a trailing slash, a
# certificate ca_file does not accept) is class internal: its own reason, a detail naming the
# URL, CLI exit 2, PAM_SERVICE_ERR; "could not reach it" (5xx, a closed port, a name that does
# not resolve) stays idp_unreachable: exit 3, PAM_AUTHINFO_UNAVAIL. Then what a token whose
# key is unknown really is (another provider, another tenant, a kid the provider does not
# publish), told from claims that were not verified; keys served stale while the provider
# answers 404, with a note saying so; and quotes in details and audit lines.
#
# The provider is tests/idp/faulty.py (modes by path) over HTTPS with a throw-away CA; tokens
# are signed by PyJWT with keys from python3-cryptography, not by our code. The CLI and the
# PAM module (through libpam: tests/pam/pam_driver) see each case. Private network, PID and
# mount namespaces: loopback only, a private /dev/log, nothing outlives the script.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns idp_answers "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
t_init idp_answers "$@"
trap 'idp_cleanup; t_cleanup' EXIT

[ -x "$PAM_DRIVER" ] && [ -f "$PAM_SO" ] ||
	{ not_ok "idp_answers: $PAM_SO and $PAM_DRIVER are built (make)"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "idp_answers: private /dev/log"; t_done; exit 1; }

D=$T_TMP/idp
O=$T_TMP/other
if idp_make_ca "$D" >/dev/null 2>&1 && idp_make_keys "$D" >/dev/null 2>&1 &&
	idp_make_ca "$O" "another CA" >/dev/null 2>&1 && idp_make_keys "$O" >/dev/null 2>&1 &&
	faulty_start "$D" 9443 && faulty_start "$D" 9444 wrongname &&
	faulty_start "$D" 9445 expired && FAULTY_URL=https://127.0.0.1:9443; then
	ok "idp_answers: CA, keys and faulty.py (good, wrong name, expired certificate) up"
else
	not_ok "idp_answers: set up the CA, keys and faulty.py"
	t_done
	exit 1
fi
IDP_CA=$D/ca.pem
F=$FAULTY_URL

# tok ISS [kid=K] [key=DIR] [tid=T] [user=U]: a JWT signed by PyJWT with the RSA key of DIR
# (default the provider's), kid default the provider's RSA kid.
tok() {
	"$PY" - "$D" "$@" <<'EOF'
import json, sys, time
import jwt
from jwt.algorithms import RSAAlgorithm
d, iss = sys.argv[1], sys.argv[2]
opt = dict(a.split("=", 1) for a in sys.argv[3:])
keys = json.load(open(opt.get("key", d) + "/jwks.json"))["keys"]
rsa = [k for k in keys if k["kty"] == "RSA"][0]
now = int(time.time())
claims = {"iss": iss, "aud": "api://mail", "sub": "u1",
          "preferred_username": opt.get("user", "alice"), "iat": now, "exp": now + 3600}
if "tid" in opt:
    claims["tid"] = opt["tid"]
print(jwt.encode(claims, RSAAlgorithm.from_jwk(json.dumps(rsa)), algorithm="RS256",
                 headers={"kid": opt.get("kid", rsa["kid"]), "typ": "at+jwt"}))
EOF
}

# conf NAME ISSUER [LINES...]: $T_TMP/NAME.conf with its own cache directory
conf() {
	local name=$1 iss=$2
	shift 2
	mkdir -p "$T_TMP/cache-$name" && chmod 700 "$T_TMP/cache-$name"
	printf '%s\n' "issuer = $iss" "audience = api://mail" "ca_file = $IDP_CA" \
		"cache_dir = $T_TMP/cache-$name" "username_claim = preferred_username" \
		"http_timeout = 3" "$@" >"$T_TMP/$name.conf"
	chmod 644 "$T_TMP/$name.conf"
}

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

CONF=$T_TMP/pam.d
mkdir -p "$CONF"
# pam NAME: auth through libpam with $T_TMP/NAME.conf and the token in $T_TMP/secret
pam() {
	printf '%s\n' "auth required $PAM_SO config=$T_TMP/$1.conf" >"$CONF/$1"
	log_mark
	T_LAST=("$PAM_DRIVER" "$CONF" "$1" alice auth)
	PAM_DRIVER_SECRET=$T_TMP/secret "${T_LAST[@]}" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

# ---- the provider answered: a mistake to fix; could not reach it: try again ---------
#   name      issuer                       reason            class        exit PAM
CASES="
disc-404    $F/404                         idp_http_error    internal     2 PAM_SERVICE_ERR
jwks-404    $F/disc-404                    idp_http_error    internal     2 PAM_SERVICE_ERR
jwks-403    $F/disc-403                    idp_http_error    internal     2 PAM_SERVICE_ERR
disc-401    $F/401                         idp_http_error    internal     2 PAM_SERVICE_ERR
disc-410    $F/410                         idp_http_error    internal     2 PAM_SERVICE_ERR
disc-html   $F/html                        idp_bad_document  internal     2 PAM_SERVICE_ERR
jwks-html   $F/disc-html                   idp_bad_document  internal     2 PAM_SERVICE_ERR
jwks-garb   $F/disc-garbage                idp_bad_document  internal     2 PAM_SERVICE_ERR
mismatch    $F/wrong-issuer                issuer_mismatch   internal     2 PAM_SERVICE_ERR
slash       $F/good/                       issuer_mismatch   internal     2 PAM_SERVICE_ERR
wrongname   https://localhost:9444/good    tls_untrusted     internal     2 PAM_SERVICE_ERR
expired     https://127.0.0.1:9445/good    tls_untrusted     internal     2 PAM_SERVICE_ERR
disc-500    $F/500                         idp_unreachable   unavailable  3 PAM_AUTHINFO_UNAVAIL
jwks-503    $F/disc-503                    idp_unreachable   unavailable  3 PAM_AUTHINFO_UNAVAIL
disc-429    $F/429                         idp_unreachable   unavailable  3 PAM_AUTHINFO_UNAVAIL
closed      https://127.0.0.1:9/idp        idp_unreachable   unavailable  3 PAM_AUTHINFO_UNAVAIL
nxdomain    https://nonexistent.invalid/x  idp_unreachable   unavailable  3 PAM_AUTHINFO_UNAVAIL
"
while read -r name iss reason cls code pamrc; do
	[ -n "$name" ] || continue
	conf "$name" "$iss"
	tok "$iss" >"$T_TMP/secret"
	T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/$name.conf" --json -
	expect_exit "$name: CLI exit $code" "$code"
	expect_py "$name: reason $reason, class $cls" \
		"d['reason'] == '$reason' and d['class'] == '$cls'"
	pam "$name"
	check "$name: PAM auth=$pamrc" grep -qx "auth=$pamrc" "$OUT"
	expect_log "$name: audit line result=deny reason=$reason" \
		"pam_oidc.*result=deny reason=$reason "
done <<<"$CASES"

# what the details say (the URL, what differs)
conf disc-404 "$F/404"
tok "$F/404" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/disc-404.conf" --json -
expect_py "disc-404: the detail names the URL and the status" \
	"'HTTP 404 from $F/404/.well-known/openid-configuration' in d['detail']"
pam disc-404
expect_log "disc-404: the audit line has detail=\"...\" with the URL (class internal)" \
	"reason=idp_http_error .*detail=\"discovery: HTTP 404 from $F/404/"
tok "$F/good/" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/slash.conf" --json -
expect_py "slash: the detail shows both issuers, quoted, and says only a slash differs" \
	"'issuer \\\\\"$F/good\\\\\" in the discovery document, \\\\\"$F/good/\\\\\" configured' in d['detail'] and 'only a trailing slash differs' in d['detail']"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/wrongname.conf" -
if grep -q "tls_untrusted" "$OUT" "$ERR" && grep -q "https://localhost:9444" "$ERR"; then
	ok "wrongname: the text output names tls_untrusted and the URL"
else
	not_ok "wrongname: the text output names tls_untrusted and the URL" "$(t_last_run)"
fi
conf otherca "$F/good"
sed -i "s|^ca_file = .*|ca_file = $O/ca.pem|" "$T_TMP/otherca.conf"
tok "$F/good" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/otherca.conf" --json -
expect_exit "otherca: a certificate from a CA ca_file does not hold: exit 2" 2
expect_py "otherca: tls_untrusted, the detail names the certificate problem" \
	"d['reason'] == 'tls_untrusted' and 'certificate' in d['detail']"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/nxdomain.conf" --json -
expect_py "nxdomain: the detail says dns and names the host to check" \
	"d['detail'].startswith('dns:') and 'nonexistent.invalid' in d['detail']"
run_cli discover --config "$T_TMP/mismatch.conf" --json
expect_exit "discover with another issuer's document: exit 2" 2

# control: the good provider works
conf good "$F/good"
tok "$F/good" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/good.conf" --json -
expect_exit "good: the same token from the good provider: exit 0" 0
pam good
check "good: PAM auth=PAM_SUCCESS" grep -qx "auth=PAM_SUCCESS" "$OUT"

# ---- a key we do not have: what the token really is --------------------------------
tok https://other-idp.example kid=other-1 key="$O" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/good.conf" --json -
expect_exit "another provider's token: exit 1" 1
expect_py "another provider's token: foreign_issuer, the detail says iss was not verified" \
	"d['reason'] == 'foreign_issuer' and 'other-idp.example' in d['detail'] and 'not verified' in d['detail']"
tok "$F/good" kid=nope key="$O" >"$T_TMP/secret"
conf cold "$F/good"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/cold.conf" --json -
expect_py "a kid the provider does not publish, key set fetched just now: kid_not_published" \
	"d['reason'] == 'kid_not_published' and d['class'] == 'deny'"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/cold.conf" --now $(($(date +%s) + 10)) --json -
expect_py "the same kid 10 s later (no refetch within jwks_refetch_interval): unknown_kid" \
	"d['reason'] == 'unknown_kid' and 'jwks_refetch_interval' in d['detail']"
# an Entra-style multi-tenant issuer: the token's tid is not allowed
conf tenant "$F/{tenantid}/v2.0" "jwks_uri = $F/good/jwks" \
	"allowed_tenants = 11111111-2222-3333-4444-555555555555"
tok "$F/99999999-8888-7777-6666-555555555555/v2.0" kid=entra-key-1 key="$O" \
	tid=99999999-8888-7777-6666-555555555555 >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/tenant.conf" --json -
expect_py "another Entra tenant's token: foreign_issuer naming the tenant" \
	"d['reason'] == 'foreign_issuer' and '99999999-8888-7777-6666-555555555555' in d['detail']"
# a jwks_file: unknown_kid, the quotes of the detail as quotes (escaped), not '?'
cp "$D/jwks.pub.json" "$T_TMP/jwks.pub.json" && chmod 644 "$T_TMP/jwks.pub.json"
printf '%s\n' "issuer = $F/good" "audience = api://mail" "jwks_file = $T_TMP/jwks.pub.json" \
	"username_claim = preferred_username" >"$T_TMP/file.conf"
tok "$F/good" kid=entra-key-1 key="$O" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/file.conf" -
expect_exit "jwks_file, unknown kid: exit 1" 1
check "jwks_file, unknown kid: detail: no key with kid \\\"entra-key-1\\\" in jwks_file" \
	grep -qF 'detail: no key with kid \"entra-key-1\" in jwks_file' "$OUT"
tok "$F/good" 'kid=k"1\x' key="$O" >"$T_TMP/secret"
printf '%s\n' "auth required $PAM_SO config=$T_TMP/file.conf" >"$CONF/file"
pam file
expect_log "a kid with a quote and a backslash: kid=\"k\\\"1\\\\x\" in the audit line" \
	'reason=unknown_kid .*kid="k\\"1\\\\x" alg='

# ---- the provider starts answering 404 while good keys are cached ------------------
conf stale "$F/good" "cache_ttl_min = 1" "cache_ttl_max = 60" "cache_stale_max = 3600" \
	"jwks_refetch_interval = 1"
tok "$F/good" >"$T_TMP/secret"
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/stale.conf" --json -
expect_exit "stale: keys fetched while the provider works" 0
faulty_set /good/jwks 404 && faulty_set /good/.well-known/openid-configuration 404 ||
	not_ok "stale: make the provider answer 404"
sleep 2.2
T_STDIN=$T_TMP/secret run_cli validate --config "$T_TMP/stale.conf" --json -
expect_exit "stale: provider answers 404, keys past their lifetime: still valid (stale window)" 0
expect_py "stale: ... and the verdict has a note with the refresh's reason" \
	"'still served' in d.get('note', '') and 'idp_http_error' in d['note']"
pam stale
check "stale: PAM still lets alice in" grep -qx "auth=PAM_SUCCESS" "$OUT"
expect_log "stale: PAM's allow line has note=\"...idp_http_error...\" (another process's try)" \
	'result=allow reason=ok .*note="keys expired [0-9]+s ago and still served.*idp_http_error'
faulty_reset
t_done
