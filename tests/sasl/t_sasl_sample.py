# SPDX-License-Identifier: MIT
"""t_sasl_sample.py - the SASL plugin (build/sasl2/libsasl_xoauth2.so) through
Cyrus SASL's own sasl-sample-server and sasl-sample-client (sasl2-bin).

Tokens are JWTs made here by PyJWT with keys from python3-cryptography; the
plugin reads the public key from a jwks_file given as oidc_jwks_file in the
sample server's sample.conf. Runs in private network, PID and mount namespaces
(a private /etc/passwd for the system-account checks).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Suite, in_namespaces  # noqa: E402

in_namespaces("sasl sample")
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

import saslrun  # noqa: E402

subprocess.run(["ip", "link", "set", "lo", "up"], check=False)
t = Suite("sasl_sample")
PLUG = os.path.abspath(os.path.join(t.build, "sasl2"))
SO = os.path.join(PLUG, "libsasl_xoauth2.so")
if not os.path.exists(SO):
    t.ok("sasl sample: plugin built", False, "%s missing: run make" % SO)
    t.done()

ISS = "https://idp.example.test"
OPENID = "https://idp.example.test/.well-known/openid-configuration"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
pub.update(kid="k1", alg="RS256", use="sig")
jwks = t.write("jwks.json", json.dumps({"keys": [pub]}))


def token(sub="alice", scope="mail.read", exp=600, signer=None, **extra):
    now = int(time.time())
    claims = {"iss": ISS, "aud": "mail", "sub": sub, "iat": now, "exp": now + exp}
    if scope:
        claims["scope"] = scope
    claims.update(extra)
    return jwt.encode(claims, signer or key, algorithm="RS256",
                      headers={"kid": "k1", "typ": "at+jwt"})


def conf(name, extra=""):
    d = t.path(name)
    os.makedirs(d, exist_ok=True)
    t.write(name + "/sample.conf",
            "mech_list: OAUTHBEARER XOAUTH2\n"
            "oidc_issuer: %s\noidc_audience: mail\noidc_jwks_file: %s\n"
            "oidc_required_scopes: mail.read\n%s" % (ISS, jwks, extra))
    return d


MAIN = conf("main", "oidc_openid_configuration_map: example.org=https://org.test/oidc\n"
            "oidc_sasl_hosts: mx.example.test\noidc_sasl_port: 587\n")


def ob(tok, authzid="alice", kv=b""):
    a = b"a=" + authzid.encode() if authzid else b""
    return b"n," + a + b",\x01" + kv + b"auth=Bearer " + tok.encode() + b"\x01\x01"


def xo(tok, user="alice"):
    return b"user=" + user.encode() + b"\x01auth=Bearer " + tok.encode() + b"\x01\x01"


def run(mech, first, *more, confdir=MAIN, wrap=()):
    return saslrun.server(PLUG, confdir, mech, [mech.encode() + b"\0" + first] + list(more),
                          wrap=wrap)


def challenge(ex):
    try:
        return json.loads(ex.challenges[0])
    except (IndexError, ValueError):
        return None


def diag(ex):
    return "sample server (rc %s):\n%s" % (ex.rc, ex.out[-1500:])


# ---- exported symbols --------------------------------------------------------
nm = subprocess.run(["nm", "-D", "--defined-only", SO], stdout=subprocess.PIPE,
                    universal_newlines=True)
syms = sorted(l.split()[-1] for l in nm.stdout.splitlines() if l.strip())
t.ok("exports: only sasl_client_plug_init and sasl_server_plug_init",
     syms == ["sasl_client_plug_init", "sasl_server_plug_init"], "exported: %s" % syms)

# ---- success ------------------------------------------------------------------
good = token()
ex = run("OAUTHBEARER", ob(good))
t.ok("oauthbearer: valid token, a=alice: success as alice",
     ex.success and ex.user == "alice", diag(ex))
t.ok("oauthbearer: one audit line, result=allow",
     len(ex.audit()) == 1 and "result=allow reason=ok " in ex.audit()[0], diag(ex))
t.ok("oauthbearer: the token is never logged", good not in ex.out and
     good.split(".")[2] not in ex.out, diag(ex))
ex = run("OAUTHBEARER", ob(good, authzid=""))
t.ok("oauthbearer: no authzid: identity from the token",
     ex.success and ex.user == "alice", diag(ex))
ex = run("OAUTHBEARER", ob(good, kv=b"host=mx.example.test\x01port=587\x01"))
t.ok("oauthbearer: matching host and port kvpairs", ex.success, diag(ex))
ex = run("XOAUTH2", xo(good))
t.ok("xoauth2: valid token: success as alice", ex.success and ex.user == "alice", diag(ex))
# sample-server reads lines of 2048 bytes of base64: the 8 KB token
# case is in tests/postfix
big = token(padding="x" * 450)
ex = run("OAUTHBEARER", ob(big))
t.ok("oauthbearer: a %d-byte token passes" % len(big), ex.success, diag(ex))

# ---- failures: JSON challenge, then failure -----------------------------------
bad = token(signer=other)
ex = run("OAUTHBEARER", ob(bad), b"\x01")
js = challenge(ex)
t.ok("bad signature: invalid_token challenge with scope and openid-configuration",
     js == {"status": "invalid_token", "scope": "mail.read",
            "openid-configuration": OPENID}, diag(ex))
t.ok("bad signature: %x01 answer ends in failure",
     not ex.success and "authentication failure" in ex.out, diag(ex))
t.ok("bad signature: audit reason=bad_signature",
     any("result=deny reason=bad_signature" in l for l in ex.audit()), diag(ex))
ex = run("XOAUTH2", xo(bad), b"")
js = challenge(ex)
t.ok("xoauth2 bad token: 401 challenge with schemes",
     js == {"status": "401", "schemes": "bearer", "scope": "mail.read"}, diag(ex))
t.ok("xoauth2 bad token: empty answer ends in failure", not ex.success and
     "authentication failure" in ex.out, diag(ex))
ex = run("OAUTHBEARER", ob(token(exp=-3600)), b"\x01")
t.ok("expired token: invalid_token, then failure",
     (challenge(ex) or {}).get("status") == "invalid_token" and not ex.success, diag(ex))
ex = run("OAUTHBEARER", ob(token(scope="other")), b"\x01")
t.ok("missing scope: insufficient_scope, then failure",
     (challenge(ex) or {}).get("status") == "insufficient_scope" and not ex.success,
     diag(ex))
ex = run("XOAUTH2", xo(token(scope="other")), b"")
t.ok("xoauth2 missing scope: status 403", (challenge(ex) or {}).get("status") == "403"
     and not ex.success, diag(ex))
ex = run("OAUTHBEARER", ob(bad), ob(good))
t.ok("after the error challenge a good token is no second attempt", not ex.success and
     ex.user is None, diag(ex))
ex = run("OAUTHBEARER", ob(bad), ob(bad))
t.ok("the original message again ends in failure", not ex.success and
     "authentication failure" in ex.out, diag(ex))

# ---- identities ------------------------------------------------------------------
ex = run("OAUTHBEARER", ob(good, authzid="bob"))
t.ok("a=bob with alice's token: refused by the proxy policy", not ex.success and
     ex.user is None, diag(ex))
ex = run("XOAUTH2", xo(good, user="bob"))
t.ok("xoauth2 user=bob with alice's token: refused", not ex.success, diag(ex))
ex = run("OAUTHBEARER", ob(token(sub="bob"), authzid="alice"))
t.ok("other user's token for a=alice: refused", not ex.success, diag(ex))

# ---- system accounts (issue 11) -------------------------------------------------------
# A private /etc/passwd, bind-mounted in this test's mount namespace only: svc-old and
# svc-nagios are system accounts (uid < 1000).
t.private_passwd(["svc-old:x:500:500::/nonexistent:/usr/sbin/nologin",
                  "svc-nagios:x:501:501::/nonexistent:/usr/sbin/nologin"])
for who in ("root", "svc-old"):
    ex = run("OAUTHBEARER", ob(token(sub=who), authzid=who), b"\x01")
    t.ok("system accounts: a token for %s: invalid_token, then failure" % who,
         (challenge(ex) or {}).get("status") == "invalid_token" and not ex.success, diag(ex))
    t.ok("system accounts: %s: audit reason=system_user" % who,
         any("result=deny reason=system_user user=\"%s\"" % who in l for l in ex.audit()),
         diag(ex))
SYSOK = conf("sysok", "oidc_allow_system_users: svc-nagios\n")
ex = run("OAUTHBEARER", ob(token(sub="svc-nagios"), authzid="svc-nagios"), confdir=SYSOK)
t.ok("system accounts: oidc_allow_system_users: svc-nagios lets it log in",
     ex.success and ex.user == "svc-nagios", diag(ex))
ex = run("XOAUTH2", xo(token(sub="svc-old"), user="svc-old"), b"", confdir=SYSOK)
t.ok("system accounts: the list opens only what it names (xoauth2, svc-old refused)",
     not ex.success and any("reason=system_user" in l for l in ex.audit()), diag(ex))

# ---- malformed and probes ---------------------------------------------------------
ex = run("OAUTHBEARER", b"p=tls-unique,a=alice,\x01auth=Bearer " + good.encode() +
         b"\x01\x01", b"\x01")
t.ok("channel binding p=: invalid_request, then failure",
     (challenge(ex) or {}).get("status") == "invalid_request" and not ex.success, diag(ex))
ex = run("OAUTHBEARER", b"n,a=alice,\x01auth=Bearer " + good.encode() + b"\x01", b"\x01")
t.ok("missing final %x01: invalid_request",
     (challenge(ex) or {}).get("status") == "invalid_request" and not ex.success, diag(ex))
ex = run("OAUTHBEARER", ob(good, kv=b"host=evil.example\x01"), b"\x01")
t.ok("host kvpair the server does not know: invalid_request",
     (challenge(ex) or {}).get("status") == "invalid_request" and not ex.success, diag(ex))
ex = run("OAUTHBEARER", ob(good, kv=b"port=25\x01"), b"\x01")
t.ok("port kvpair of another port: invalid_request",
     (challenge(ex) or {}).get("status") == "invalid_request", diag(ex))
ex = run("OAUTHBEARER", b"n,a=alice,\x01auth=\x01\x01", b"\x01")
t.ok("discovery probe: challenge with openid-configuration, no validation",
     challenge(ex) == {"status": "invalid_token", "scope": "mail.read",
                       "openid-configuration": OPENID} and not ex.success and
     any("reason=discovery" in l for l in ex.audit()), diag(ex))
ex = run("OAUTHBEARER", b"n,a=carol@example.org,\x01auth=\x01\x01", b"\x01")
t.ok("discovery probe: openid-configuration chosen by the user's domain",
     (challenge(ex) or {}).get("openid-configuration") == "https://org.test/oidc", diag(ex))

# ---- configuration ----------------------------------------------------------------
badconf = conf("badconf", "oidc_leeway: soon\n")
ex = run("OAUTHBEARER", ob(good), confdir=badconf)
t.ok("bad configuration: mechanism still offered, the login gets a temporary failure "
     "(SASL_TRYAGAIN), no challenge",
     not ex.success and "transient failure" in ex.out and not ex.challenges, diag(ex))
t.ok("bad configuration: one line names the problem, one audit line per attempt "
     "(result=tempfail reason=config_error)",
     sum("temporary failure until this is fixed" in l and "leeway" in l
         for l in ex.lines) == 1 and
     any("result=tempfail reason=config_error" in l and 'authzid="alice"' in l
         for l in ex.audit()), diag(ex))
ex = run("XOAUTH2", xo(good), confdir=badconf)
t.ok("bad configuration: XOAUTH2 too: temporary failure",
     not ex.success and "transient failure" in ex.out and
     any("mech=XOAUTH2 result=tempfail reason=config_error" in l for l in ex.audit()),
     diag(ex))
unconf = t.path("unconf")
os.makedirs(unconf, exist_ok=True)
t.write("unconf/sample.conf", "mech_list: OAUTHBEARER XOAUTH2 PLAIN\n")
ex = run("OAUTHBEARER", ob(good), confdir=unconf)
t.ok("no oidc_ option at all: the application does not use the plugin, mechanisms not "
     "offered", not ex.success and "no mechanism available" in ex.out and
     "not offered: no oidc_config" in ex.out and
     not any("result=" in l for l in ex.audit()), diag(ex))
pv = subprocess.run(["saslpluginviewer", "-s", "-p", PLUG], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, universal_newlines=True,
                    env=saslrun.host_env(dict(os.environ, SASL_CONF_PATH=badconf)))
t.ok("bad configuration: plug_init still succeeds (pluginviewer lists the plugin)",
     pv.returncode == 0 and "OAUTHBEARER" in pv.stdout, pv.stdout[-800:])
noplain = conf("noplain", "oidc_sasl_noplaintext: yes\n")
argv_np = ["sasl-sample-server", "-p", PLUG, "-f", "noplain"]


def noplain_run(confdir):
    data = ("C: %s\n" % saslrun.b64(b"OAUTHBEARER\0" + ob(good))).encode()
    p = subprocess.run(saslrun.STDBUF + argv_np + ["-m", "OAUTHBEARER"], input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=saslrun.host_env(dict(os.environ, SASL_CONF_PATH=confdir)),
                       timeout=20)
    return saslrun.Exchange(p.stdout.decode("utf-8", "replace"), p.returncode)


ex = noplain_run(MAIN)
t.ok("security flags: a noplaintext policy hides the mechanism by default",
     not ex.success, diag(ex))
ex = noplain_run(noplain)
t.ok("security flags: oidc_sasl_noplaintext: yes offers it under that policy",
     ex.success, diag(ex))
down = t.path("down")
os.makedirs(down + "/cache", mode=0o700)
t.write("down/sample.conf", "mech_list: OAUTHBEARER\noidc_issuer: https://127.0.0.1:9\n"
        "oidc_audience: mail\noidc_cache_dir: %s/cache\noidc_http_timeout: 2\n" % down)
ex = run("OAUTHBEARER", ob(good), confdir=down)
t.ok("provider unreachable, cold cache: temporary failure (SASL_TRYAGAIN)",
     not ex.success and "transient failure" in ex.out and not ex.challenges and
     any("reason=idp_unreachable" in l for l in ex.audit()), diag(ex))

# ---- our client plugin against the server ------------------------------------------
for mech in ("OAUTHBEARER", "XOAUTH2"):
    cout, ex = saslrun.client_server(PLUG, MAIN, mech, "alice", good)
    t.ok("client plugin %s: success as alice" % mech, ex.success and ex.user == "alice",
         diag(ex), "client: " + cout[-800:])
    cout, ex = saslrun.client_server(PLUG, MAIN, mech, "alice", bad)
    t.ok("client plugin %s: bad token refused, server JSON in the client's error" % mech,
         not ex.success and '"status":' in cout and "authentication failure" in ex.out,
         diag(ex), "client: " + cout[-800:])

# ---- valgrind over the sample-server runs ---------------------------------------------
VG = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
      "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"]
# (an ASan build cannot run under valgrind: SANITIZE=1 runs check memory instead)
for name, mech, msgs in () if os.environ.get("SANITIZE") == "1" else (
                        ("success", "OAUTHBEARER", [ob(good)]),
                         ("bad token", "OAUTHBEARER", [ob(bad), b"\x01"]),
                         ("xoauth2", "XOAUTH2", [xo(good)]),
                         ("malformed", "OAUTHBEARER", [b"n,,\x01", b"\x01"])):
    ex = run(mech, msgs[0], *msgs[1:], wrap=VG)
    t.ok("valgrind: %s: no errors, no definite leaks" % name,
         ex.rc != 99 and ex.rc != "timeout" and "definitely lost" not in ex.out and
         "Invalid " not in ex.out, diag(ex))
t.done()
