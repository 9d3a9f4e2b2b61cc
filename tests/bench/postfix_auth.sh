#!/usr/bin/env bash
# tests/bench/postfix_auth.sh - SMTP AUTH per second through a real Postfix smtpd with
# Cyrus SASL: OAUTHBEARER with a JWT (the plugin from build/sasl2, jwks_file keys)
# against PLAIN with a sasldb password (saslpasswd2 -f), same instance, same run,
# Python smtplib with several parallel connections (connect, EHLO, AUTH, QUIT).
#   BENCH name=postfix_auth token_per_s=N password_per_s=N ratio=R     (goal: R >= 0.9)
#   PF_BENCH_SECONDS=5 per side and round (2 rounds, alternating); PF_BENCH_CLIENTS=6
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
if [ "${OIDC_PFB_IN_NS:-}" != 1 ]; then
	OIDC_PFB_IN_NS=1 exec unshare -n -p -f --mount-proc bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up || { echo "postfix_auth: ip link set lo up failed" >&2; exit 1; }
BUILD_DIR=${BUILD_DIR:-build}
PY=/usr/bin/python3
. tests/postfix/lib.sh
T=$(mktemp -d /tmp/oidc-pfbench-XXXXXX)
trap 'pf_stop; [ -n "${PF_BENCH_KEEP:-}" ] || rm -rf "$T"' EXIT
chmod 755 "$T"
[ -f "$BUILD_DIR/sasl2/libsasl_xoauth2.so" ] ||
	{ echo "postfix_auth: $BUILD_DIR/sasl2/libsasl_xoauth2.so missing" >&2; exit 1; }

"$PY" - "$T" <<'PYEOF' || { echo "postfix_auth: keys" >&2; exit 1; }
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
pub.update(kid="b1", alg="RS256", use="sig")
open(d + "/jwks.json", "w").write(json.dumps({"keys": [pub]}))
now = int(time.time())
open(d + "/tok", "w").write(jwt.encode(
    {"iss": "https://bench.example.test", "aud": "smtp", "sub": "alice", "iat": now,
     "exp": now + 3600}, key, algorithm="RS256", headers={"kid": "b1"}))
PYEOF
echo 'bench-password' | saslpasswd2 -f "$T/sasldb" -p -c -u mx.example.test alice ||
	{ echo "postfix_auth: saslpasswd2 failed" >&2; exit 1; }
chown postfix: "$T/sasldb"
chmod 644 "$T"/jwks.json "$T"/tok

pf_setup "$T/pf" || exit 1
SYS_SASL=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/sasl2
postconf -c "$T/pf/etc" "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C SASL_PATH=$(cd "$BUILD_DIR/sasl2" && pwd):$SYS_SASL" \
	"smtpd_sasl_local_domain = mx.example.test"
cat >"$T/pf/etc/sasl/smtpd.conf" <<EOF
mech_list: OAUTHBEARER PLAIN
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $T/sasldb
oidc_issuer: https://bench.example.test
oidc_audience: smtp
oidc_jwks_file: $T/jwks.json
EOF
chmod 644 "$T/pf/etc/sasl/smtpd.conf"
pf_service 2525 smtpd
postconf -c "$T/pf/etc" "max_use = ${PF_MAX_USE:-100}"
pf_start && pf_wait_port 2525 || { echo "postfix_auth: postfix start failed" >&2; exit 1; }

"$PY" - "$T/tok" "${PF_BENCH_SECONDS:-5}" "${PF_BENCH_CLIENTS:-6}" <<'PYEOF'
import base64, multiprocessing, smtplib, sys, time
tok = open(sys.argv[1]).read().strip()
seconds, clients = float(sys.argv[2]), int(sys.argv[3])
OB = base64.b64encode(("n,a=alice,\x01auth=Bearer %s\x01\x01" % tok).encode()).decode()
PL = base64.b64encode(b"\0alice\0bench-password").decode()

def worker(args):
    mech, resp, until = args
    n = bad = 0
    while time.monotonic() < until:
        s = smtplib.SMTP("127.0.0.1", 2525, timeout=10)
        s.ehlo("bench.example.test")
        code, _ = s.docmd("AUTH", mech + " " + resp)
        s.quit()
        if code == 235:
            n += 1
        else:
            bad += 1
    return n, bad

def rate(mech, resp):
    until = time.monotonic() + seconds
    with multiprocessing.Pool(clients) as pool:
        res = pool.map(worker, [(mech, resp, until)] * clients)
    n, bad = sum(r[0] for r in res), sum(r[1] for r in res)
    if bad or n == 0:
        print("postfix_auth: %s: %d failed AUTH, %d good" % (mech, bad, n), file=sys.stderr)
        sys.exit(1)
    return n

rate("OAUTHBEARER", OB), rate("PLAIN", PL)      # warm up both smtpd pools
tok_n = pw_n = 0
for _ in range(2):                               # alternate: drift hits both sides
    tok_n += rate("OAUTHBEARER", OB)
    pw_n += rate("PLAIN", PL)
t = 2 * seconds
print("BENCH name=postfix_auth token_per_s=%.0f password_per_s=%.0f ratio=%.2f" %
      (tok_n / t, pw_n / t, tok_n / pw_n))
PYEOF
