# SPDX-License-Identifier: MIT
"""t_truncated.py - a token cut at a known client limit is reported as
token_truncated, and nothing else changes (issue 12).

The OpenSSH client cuts keyboard-interactive answers at 1023 bytes, a
terminal line holds 4095 characters, neon WebDAV clients (cadaver, davfs2)
send 255 bytes of a password. A JWT cut there is refused as before,
but with the reason token_truncated instead of malformed_token or
bad_signature, which send an administrator after a forgery. Tokens come from
PyJWT (python3-jwt) with an RSA key from python3-cryptography; the cuts are
made here. The controls: the same refusals one byte off a limit keep their
old reason, a forged full-length signature at 1023 bytes stays
bad_signature, a valid token of exactly 1023 bytes is valid, and a 1023-byte
token refused for a claim keeps that claim's reason.

Run from the repository root: /usr/bin/python3 tests/cli/t_truncated.py
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import jwt  # noqa: E402  python3-jwt
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from testlib import Suite  # noqa: E402

t = Suite("truncated")
NOW = t.now
ISS = "https://idp.truncated.test"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64u_int(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


pub = key.public_key().public_numbers()
jwks = t.write("jwks.json", json.dumps({"keys": [{
    "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
    "n": b64u_int(pub.n), "e": b64u_int(pub.e)}]}))
cfg = t.write("oidc.conf", "issuer = %s\naudience = api://mail\njwks_file = %s\n"
              "username_claim = preferred_username\ncache_dir = %s\n"
              % (ISS, jwks, t.path("cache")))
# two issuers: the claims are parsed before the signature is checked
cfg2 = t.write("two.conf", "audience = api://mail\nusername_claim = preferred_username\n"
               "cache_dir = %s\n[issuer a]\nissuer = %s\njwks_file = %s\n"
               "username_namespace = truncated\n"
               "[issuer b]\nissuer = https://other.truncated.test\njwks_file = %s\n"
               "username_namespace = truncated\n"
               % (t.path("cache"), ISS, jwks, jwks))
os.makedirs(t.path("cache"), mode=0o700, exist_ok=True)


def token_of(total, aud="api://mail"):
    """A valid RS256 token of exactly total bytes: padding in a claim and,
    since base64url never makes a segment of 4k+1 characters, a header
    member of 0 to 3 bytes for the lengths one segment cannot reach."""
    def make(pad, hpad):
        claims = {"iss": ISS, "aud": aud, "sub": "alice", "preferred_username": "alice",
                  "iat": NOW - 10, "exp": NOW + 600, "x": "a" * pad}
        headers = {"kid": "k1", "typ": "at+jwt"}
        if hpad:
            headers["p"] = "h" * hpad
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)
    for hpad in range(4):
        lo, hi = 0, total
        while lo < hi:     # the smallest pad whose token is >= total
            mid = (lo + hi) // 2
            if len(make(mid, hpad)) < total:
                lo = mid + 1
            else:
                hi = mid
        tok = make(lo, hpad)
        if len(tok) == total:
            return tok
    raise SystemExit("cannot build a token of %d bytes" % total)


def sig_start(tok):
    return tok.rindex(".") + 1


long_tok = token_of(2000)        # cut at 1023: inside the payload (one dot left)
mid_tok = token_of(1200)         # cut at 1023: inside the signature, 165
                                 # characters left: not base64url
short_sig = token_of(1201)       # 164 characters left: a short signature
big_tok = token_of(6000)         # cut at 4095: inside the payload
t.ok("the 2000-byte token's payload spans byte 1023", long_tok.index(".") < 1023 < sig_start(long_tok))
t.ok("the 1200-byte token's signature spans byte 1023", sig_start(mid_tok) < 1023)

t.expect_validate("the uncut 2000-byte token is valid", cfg, long_tok, 0, user="alice")
t.expect_validate("cut at 1023 in the payload (OpenSSH): token_truncated", cfg,
                  long_tok[:1023], 1, "token_truncated")
t.expect_validate("cut at 1023 in the signature (OpenSSH): token_truncated", cfg,
                  mid_tok[:1023], 1, "token_truncated")
t.expect_validate("cut at 1023 leaving a short signature: token_truncated", cfg,
                  short_sig[:1023], 1, "token_truncated")
t.expect_validate("cut at 1023 in the signature, two issuers: token_truncated", cfg2,
                  mid_tok[:1023], 1, "token_truncated")
t.expect_validate("cut at 255 (a neon WebDAV client): token_truncated", cfg,
                  long_tok[:255], 1, "token_truncated")
t.expect_validate("cut at 4095 (a terminal line): token_truncated", cfg,
                  big_tok[:4095], 1, "token_truncated")

# one byte off the limits: the old reasons
t.expect_validate("cut at 1022 in the payload: still malformed_token", cfg,
                  long_tok[:1022], 1, "malformed_token")
t.expect_validate("cut at 1024 in the payload: still malformed_token", cfg,
                  long_tok[:1024], 1, "malformed_token")
t.expect_validate("cut at 1019 leaving a short signature: still bad_signature", cfg,
                  short_sig[:1019], 1, "bad_signature")
t.expect_validate("cut at 1019 in the signature (not base64url): still malformed_token", cfg,
                  mid_tok[:1019], 1, "malformed_token")

# never a way around a decision
exact = token_of(1023)
t.expect_validate("a valid token of exactly 1023 bytes is valid", cfg, exact, 0, user="alice")
sig = exact[sig_start(exact):]
flip = "A" if sig[10] != "A" else "B"
forged = exact[:sig_start(exact) + 10] + flip + exact[sig_start(exact) + 11:]
t.expect_validate("a forged full-length signature at 1023 bytes stays bad_signature", cfg,
                  forged, 1, "bad_signature")
other_aud = token_of(1023, aud="api://other")
t.expect_validate("a 1023-byte token for another audience stays wrong_audience", cfg,
                  other_aud, 1, "wrong_audience")
t.expect_validate("1023 bytes that are no JWT (a password) stay malformed_token", cfg,
                  "p" * 1023, 1, "malformed_token")
res = t.validate(cfg, long_tok[:1023], NOW)
t.ok("the JSON result names the limit in its detail",
     "1023" in str(res.field("detail")) and res.field("class") == "deny", res.summary())
t.done()
