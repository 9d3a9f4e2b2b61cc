#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""t_cli_escape.py - nothing from a token, a provider or a file reaches the
administrator's terminal raw (tools/cli_out.c).

Tokens signed with python3-jwt (RS256, a key made by python3-cryptography)
carry terminal escapes (ESC[2J, an OSC title), a newline followed by a fake
"user: root" line, CR, TAB, DEL, a C1 CSI (U+009B), bidi overrides (U+202E,
U+2066), a line separator (U+2028) and a zero-width space, in claims, in
the kid (the key set names that kid too, so the token validates) and in
the iss (refused, the detail shown). Bytes that are not UTF-8 cannot be in a
token at all (the core's JSON parser refuses them: checked). The same
strings sit in a provider's discovery metadata and key set (read from the
disk cache, no network) for "discover", and in cache entries for "cache
show". Every output, text and --json, stdout and stderr, in a UTF-8 and in
the C locale, must hold no control byte but the '\\n' ending our lines, no
DEL, no C1, no format or separator character, and no line we did not print;
the JSON must still decode to the original strings.

Run from the repository root: /usr/bin/python3 tests/cli/t_cli_escape.py
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402

import jwt  # noqa: E402  (python3-jwt)
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402

t = testlib.Suite("cli_escape")
NOW = 1800000000
ISS = "https://idp.example.com"
AUD = "api://oidc-cli"

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;owned\x07"
FAKE = "x\nuser:     root"
EVIL = {
    "jti": "j1" + FAKE,
    "email": "a@b" + CLEAR + TITLE,
    "acr": "pw\rvalid",
    "azp": "c\x9b2Jc",
    "tid": "t\tab\x7fdel",
    "preferred_username": "\u202etoor\u2066x\u2028y\u200bz",
    "amr": ["pwd\x1b[1m", "mfa\u0085"],
}
EVIL_KID = "k2" + CLEAR + "\u202e\nuser: root"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_of(key, kid):
    n = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": b64url(n.n.to_bytes(256, "big")), "e": b64url(n.e.to_bytes(3, "big"))}


k1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
k2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem1 = k1.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption())
pem2 = k2.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption())
JWKS = {"keys": [jwk_of(k1, "k1"), jwk_of(k2, EVIL_KID)]}
jwks_path = t.write("jwks.json", json.dumps(JWKS))
cfg = t.write("oidc.conf", "issuer = %s\naudience = %s\njwks_file = %s\n"
              % (ISS, AUD, jwks_path))


def claims(**extra):
    c = {"iss": ISS, "sub": "alice", "aud": AUD, "exp": NOW + 600, "iat": NOW - 10,
         "nbf": NOW - 10, "scope": "openid mail.read"}
    c.update(extra)
    return c


def sign(payload, pem, kid):
    return jwt.encode(payload, pem, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})


TOK_CLAIMS = sign(claims(**EVIL), pem1, "k1")
TOK_KID = sign(claims(), pem2, EVIL_KID)
TOK_ISS = sign(claims(iss="https://evil.example" + CLEAR + "\nuser: root"), pem1, "k1")
TOK_NAME = sign(claims(email="j\u00fcrgen@example.com"), pem1, "k1")


def raw_token(header_bytes, payload_bytes, key):
    """A JWS over bytes that are not UTF-8 (python3-cryptography signs)."""
    si = (b64url(header_bytes) + "." + b64url(payload_bytes)).encode()
    sig = key.sign(si, padding.PKCS1v15(), hashes.SHA256())
    return si.decode() + "." + b64url(sig)


TOK_BADUTF8 = raw_token(b'{"alg":"RS256","kid":"k1"}',
                        json.dumps(claims(jti="J")).encode().replace(b'"J"', b'"\xff\xfe\x1b[2J"'),
                        k1)
TOK_BADUTF8_KID = raw_token(b'{"alg":"RS256","kid":"k\xc0\x9b2J"}',
                            json.dumps(claims()).encode(), k1)


def run(args, locale="C.UTF-8"):
    env = dict(os.environ, LC_ALL=locale)
    p = subprocess.run([t.cli] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def raw_problems(data, locale):
    """What in data could act on a terminal or fake a line."""
    bad = []
    for i, b in enumerate(data):
        if (b < 0x20 and b != 0x0a) or b == 0x7f:
            bad.append("control byte 0x%02x at %d" % (b, i))
        elif b >= 0x80 and locale == "C":
            bad.append("non-ASCII byte 0x%02x at %d in the C locale" % (b, i))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return bad + ["not UTF-8: %s" % e]
    for ch in text:
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            bad.append("U+%04X (%s)" % (ord(ch), unicodedata.category(ch)))
    if data and not data.endswith(b"\n"):
        bad.append("does not end with a newline")
    return bad[:8]


def fake_lines(data):
    return [ln for ln in data.decode("utf-8", "replace").split("\n")
            if re.match(r"\s*user:\s*root", ln) or re.match(r"\s*valid\s*$", ln)]


def check_text(name, args, rc, users=None, locale="C.UTF-8", must_show=()):
    """Text mode: exit code, clean bytes on both streams, no fake line, the
    escapes visible, exactly `users` lines starting with 'user:'."""
    got_rc, out, err = run(args, locale)
    problems = []
    if got_rc != rc:
        problems.append("exit %s, expected %s" % (got_rc, rc))
    for label, data in (("stdout", out), ("stderr", err)):
        p = raw_problems(data, locale)
        if p:
            problems.append("%s: %s" % (label, "; ".join(p)))
    lines = out.decode("utf-8", "replace").split("\n")
    if users is not None:
        n = len([ln for ln in lines if re.match(r"\s*user:", ln)])
        if n != users:
            problems.append("%d lines start with 'user:', expected %d" % (n, users))
    if any(re.match(r"\s*user:\s*root", ln) for ln in lines):
        problems.append("a fake 'user: root' line")
    text = (out + err).decode("utf-8", "replace")
    for s in must_show:
        if s not in text:
            problems.append("escape %r not shown" % s)
    t.ok(name, not problems, *problems, "stdout: %r" % out[:600], "stderr: %r" % err[:300])
    return out


def check_json(name, args, rc, judge=None, locale="C.UTF-8"):
    """--json: one line of printable ASCII that decodes; judge(obj) -> bool."""
    got_rc, out, err = run(args, locale)
    problems = []
    if got_rc != rc:
        problems.append("exit %s, expected %s" % (got_rc, rc))
    if any(b < 0x20 or b > 0x7e for b in out.rstrip(b"\n")) or out.count(b"\n") != 1:
        problems.append("stdout is not one line of printable ASCII")
    p = raw_problems(err, locale)
    if p:
        problems.append("stderr: " + "; ".join(p))
    try:
        obj = json.loads(out)
        if judge and not judge(obj):
            problems.append("decoded JSON is not what was expected")
    except ValueError as e:
        problems.append("not JSON: %s" % e)
    t.ok(name, not problems, *problems, "stdout: %r" % out[:600])


V = ["validate", "--config", cfg, "--now", str(NOW)]

# ---- claims --------------------------------------------------------------------
for loc in ("C.UTF-8", "C"):
    check_text("claims (%s): valid, one user line, nothing raw" % loc, V + [TOK_CLAIMS], 0,
               users=1, locale=loc,
               must_show=("\\x1b[2J", "\\x0auser:", "\\x0d", "\\x09", "\\x7f",
                          "\\u009b", "\\u202e", "\\u2066", "\\u2028", "\\u200b",
                          "\\u0085", "\\x1b]0;owned\\x07"))
check_json("claims --json: printable ASCII, decodes to the original claims",
           V + ["--json", TOK_CLAIMS], 0,
           judge=lambda o: o["user"] == "alice" and
           all(o["claims"][k] == v for k, v in EVIL.items()))
out = check_text("non-ASCII name, UTF-8 locale: shown as it is", V + [TOK_NAME], 0, users=1)
t.ok("non-ASCII name, UTF-8 locale: the name itself is printed",
     "j\u00fcrgen@example.com".encode() in out, "stdout: %r" % out)
out = check_text("non-ASCII name, C locale: escaped", V + [TOK_NAME], 0, users=1,
                 locale="C", must_show=("j\\u00fcrgen",))

# ---- kid -------------------------------------------------------------------------
check_text("kid: validate text", V + [TOK_KID], 0, users=1)
check_json("kid: validate --json", V + ["--json", TOK_KID], 0,
           judge=lambda o: o["result"] == "valid")
J = ["jws-verify", "--jwks", jwks_path]
check_text("kid: jws-verify text shows the kid escaped", J + [TOK_KID], 0,
           must_show=("k2\\x1b[2J", "\\u202e\\x0auser: root"))
check_json("kid: jws-verify --json decodes to the kid", J + ["--json", TOK_KID], 0,
           judge=lambda o: o["kid"] == EVIL_KID)
check_text("kid: discover (local key set) text", ["discover", "--config", cfg], 0,
           must_show=("\\u202e",))
check_json("kid: discover --json", ["discover", "--config", cfg, "--json"], 0,
           judge=lambda o: EVIL_KID in [k["kid"] for k in o["keys"]])

# ---- iss (refused: the detail) -------------------------------------------------------
check_text("iss: rejected, text", V + [TOK_ISS], 1, users=0)
check_json("iss: rejected, --json", V + ["--json", TOK_ISS], 1,
           judge=lambda o: o["result"] == "rejected")

# ---- not UTF-8: the core refuses such tokens ---------------------------------------
check_json("invalid UTF-8 in a claim: refused as malformed", V + ["--json", TOK_BADUTF8], 1,
           judge=lambda o: o["reason"] == "malformed_token")
check_text("invalid UTF-8 in a claim: text output clean", V + [TOK_BADUTF8], 1, users=0)
check_json("invalid UTF-8 in the kid: refused as malformed",
           V + ["--json", TOK_BADUTF8_KID], 1,
           judge=lambda o: o["reason"] == "malformed_token")
check_text("invalid UTF-8 in the kid: jws-verify text clean", J + [TOK_BADUTF8_KID], 1)

# ---- a provider's metadata and keys (from the disk cache) ---------------------------
PISS = "https://provider.example"
cache = t.path("cache")
os.mkdir(cache, 0o700)
pcfg = t.write("provider.conf", "issuer = %s\naudience = %s\ncache_dir = %s\n"
               % (PISS, AUD, cache))
disc_url = PISS + "/.well-known/openid-configuration"
evil_jwks_uri = PISS + "/jwks" + CLEAR + "\nuser: root"
disc = {"issuer": PISS, "jwks_uri": evil_jwks_uri,
        "introspection_endpoint": "https://p.example/in\u202e",
        "userinfo_endpoint": "https://p.example/ui" + TITLE,
        "token_endpoint": "https://p.example/tok\r\nuser: root",
        "device_authorization_endpoint": "https://p.example/dev\x9b2J"}


def cache_entry(kind, issuer, url, body, fetched=None):
    now = int(time.time()) if fetched is None else fetched
    name = kind + "-" + hashlib.sha256(issuer.encode()).hexdigest()[:32]
    doc = {"v": 1, "issuer": issuer, "url": url, "fetched_at": now,
           "expires_at": now + 3600, "body": body}
    p = os.path.join(cache, name)
    with open(p, "w") as f:
        json.dump(doc, f)
    os.chmod(p, 0o600)
    return p


cache_entry("discovery", PISS, disc_url, json.dumps(disc))
cache_entry("jwks", PISS, evil_jwks_uri, json.dumps({"keys": [jwk_of(k2, EVIL_KID)]}))
out = check_text("discover: metadata and keys from the provider, text",
                 ["discover", "--config", pcfg], 0,
                 must_show=("\\x1b[2J\\x1b[H\\x0auser: root", "\\u202e",
                            "\\x1b]0;owned\\x07", "\\x0d\\x0auser: root", "\\u009b"))
t.ok("discover: the metadata really came from the cache (it is shown)",
     b"provider.example/jwks" in out, "stdout: %r" % out[:400])
check_json("discover --json: printable ASCII, decodes to the metadata",
           ["discover", "--config", pcfg, "--json"], 0,
           judge=lambda o: o["metadata"]["token_endpoint"] == disc["token_endpoint"])

# "cache show": the envelope fields (issuer, url) of entries someone left
cache_entry("jwks_try", "https://x.example" + CLEAR + "\nuser: root",
            "https://x.example/u\u202e", "{}")
check_text("cache show: text", ["cache", "show", "--dir", cache], 0,
           must_show=("\\x1b[2J", "\\u202e"))
check_json("cache show --json", ["cache", "show", "--dir", cache, "--json"], 0,
           judge=lambda o: any(e.get("url") == "https://x.example/u\u202e"
                               for e in o["entries"]))
check_text("cache show: text, C locale", ["cache", "show", "--dir", cache], 0, locale="C")

# ---- errors from files: a configuration whose path holds an escape ------------------
odd = t.write("odd" + CLEAR + ".conf", "frobnicate = 1\n")
check_text("error naming a file with an escape in its name", ["check-config", odd], 2)
check_json("error naming a file with an escape in its name, --json",
           ["check-config", "--json", odd], 2, judge=lambda o: o["reason"] == "config_error")

t.done()
