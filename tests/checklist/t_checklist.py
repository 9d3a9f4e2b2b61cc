# SPDX-License-Identifier: MIT
"""t_checklist.py - one named test per item of shared/security-checklist.md
sections A to E, run through the CLI exactly as an administrator would:

    build/oidc-auth validate --config CFG --json --now NOW TOKEN

Each check asserts the exit code and the exact audit "reason". Tokens, keys
and key sets are made at run time by python3-cryptography (tests/lib/
forge.py, a raw builder), PyJWT and the openssl CLI: never by our own code.
Positive controls (P ...) make sure the suite can fail both ways.

Items about the network (A8 refresh, F) or the adapters (D6 SASL authzid)
are tested here for the part the offline core owns; the comment of each
says what remains for the network / adapter work.

Run: /usr/bin/python3 tests/checklist/t_checklist.py [NAME-SUBSTRING...]
from the repository root (BUILD_DIR selects the build, default "build").
"""
import base64
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import jwt  # noqa: E402  python3-jwt, a second, independent JWS producer
from forge import (  # noqa: E402
    CURVE_ORDER, CURVE_PRIME, ED25519_L, b64u, b64u_decode, b64u_int,
    compact_json, der_public, ec_key, rsa_keys, ed25519_key, eddsa, es, es_der, hs,
    int_bytes, jwk, jwks, jws, pem_private, pem_public, pkcs1_v15_em, ps,
    random_odd_modulus, raw_public, rs, rs_bytes, rsa_raw_sign,
    self_signed_cert, seg, segment_bytes, with_signature)
from testlib import Suite  # noqa: E402

t = Suite("checklist")
NOW = t.now
ISS = "https://idp.example.com"
AUD = "api://oidc-test"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"

# ---------------------------------------------------------------------------
# Keys (generated once per run) and the key sets / configurations under test
# ---------------------------------------------------------------------------

# rsa1: kid rsa1, usable for every RS*/PS* alg; rsa_pin: kid rs256only,
# JWK "alg": "RS256"; rsa_b: the second issuer of E3 (openssl genpkey).
rsa1, rsa_pin, rsa_b, attacker_rsa, rsa1024 = rsa_keys(2048, 2048, 2048, 2048, 1024)
ec256, ec384, ec521 = ec_key("P-256"), ec_key("P-384"), ec_key("P-521")
ed1 = ed25519_key()
attacker_ec = ec_key("P-256")
google_ec = ec_key("P-256")
entra_common, entra_ta = ec_key("P-256"), ec_key("P-256")

HMAC_SECRET = secrets.token_hex(32)    # 64 bytes: enough for HS512 (RFC 7518 3.2)


def ec_jwk_fields(key):
    j = jwk(key)
    return j["x"], j["y"]


def skipped_keys():
    """JWKs the core must skip (weak, malformed, not for signatures); each
    has its own kid, so a token naming it must get unknown_kid."""
    n1 = rsa1.public_key().public_numbers().n
    x, y = ec_jwk_fields(ec256)
    yi = int.from_bytes(b64u_decode(y), "big")
    xb = b64u_decode(x)
    return [
        jwk(rsa1024, kid="rsa1024"),                                   # B5 < 2048 bits
        {"kty": "RSA", "kid": "rsa-e1", "n": b64u_int(n1), "e": "AQ"},  # B5 e = 1
        {"kty": "RSA", "kid": "rsa-e2", "n": b64u_int(n1), "e": "Ag"},  # B5 even e
        # A8/B5: 16384-bit modulus (random odd number: it only has to be skipped)
        {"kty": "RSA", "kid": "rsa-huge", "n": b64u_int(random_odd_modulus(16384)),
         "e": "AQAB"},
        jwk(rsa1, kid="rsa-enc", use="enc"),                           # A3/F1 use=enc
        jwk(rsa1, kid="rsa-keyops-sign", key_ops=["sign"]),            # F1 no verify
        dict(jwk(ec384), kid="ec384-pinned-es256", alg="ES256"),      # A3 pin vs curve
        dict(jwk(rsa1), kid="rsa-pinned-es256", alg="ES256"),         # A3 pin vs kty
        {"kty": "EC", "crv": "P-256", "kid": "ec-offcurve", "x": x,   # B4 y + 1
         "y": b64u_int((yi + 1) % CURVE_PRIME["P-256"], 32)},
        {"kty": "EC", "crv": "P-256", "kid": "ec-shortx", "x": b64u(xb[1:]), "y": y},
        {"kty": "EC", "crv": "P-256", "kid": "ec-longx", "x": b64u(b"\0" + xb), "y": y},
        {"kty": "EC", "crv": "P-384", "kid": "ec-wrongcrv", "x": x, "y": y},
        {"kty": "EC", "crv": "secp256k1", "kid": "ec-k1", "x": x, "y": y},
        {"kty": "RSA", "crv": "P-256", "kid": "ec-as-rsa", "x": x, "y": y},
        {"kty": "OKP", "crv": "Ed448", "kid": "okp-ed448", "x": b64u(os.urandom(57))},
        {"kty": "OKP", "crv": "X25519", "kid": "okp-x25519", "x": b64u(os.urandom(32))},
        {"kty": "OKP", "crv": "Ed25519", "kid": "okp-short",
         "x": b64u(raw_public(ed1)[:31])},
    ]


MAIN_KEYS = [
    jwk(rsa1, kid="rsa1"),
    jwk(rsa_pin, kid="rs256only", alg="RS256"),
    jwk(ec256, kid="ec256"),
    jwk(ec384, kid="ec384"),
    jwk(ec521, kid="ec521"),
    jwk(ed1, kid="ed1"),
] + skipped_keys()



def main_key(kid):
    return next(k for k in MAIN_KEYS if k.get("kid") == kid)


main_jwks = t.write("main.jwks", jwks(*MAIN_KEYS))
secret_file = t.write("hmac.secret", HMAC_SECRET + "\n", 0o600)

ALL_ALGS = "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA"


def conf(name, text):
    return t.write(name, text.strip() + "\n")


# MAIN: every algorithm, HMAC secret with kid hs1 next to the JWKS keys.
MAIN = conf("main.conf", f"""
# checklist main configuration
issuer = {ISS}
audience = {AUD}
jwks_file = {main_jwks}
hmac_secret_file = {secret_file}
hmac_kid = hs1
algorithms = {ALL_ALGS}, HS256, HS384, HS512
""")
# ASYM: the default algorithms (asymmetric only), no HMAC secret.
ASYM = conf("asym.conf", f"""
issuer = {ISS}
audience = {AUD}
jwks_file = {main_jwks}
""")
# SINGLE: one RSA key without kid (A7: absent kid with one key).
SINGLE = conf("single.conf", f"""
issuer = {ISS}
audience = {AUD}
jwks_file = {t.write("single.jwks", jwks(jwk(rsa1)))}
""")

# ---------------------------------------------------------------------------
# Token helpers
# ---------------------------------------------------------------------------

_jti = [0]


def claims(extra=None, drop=(), **kw):
    """A claim set that MAIN accepts at NOW, changed by extra/kw/drop."""
    _jti[0] += 1
    c = {"iss": ISS, "sub": "alice", "aud": AUD, "exp": NOW + 600, "iat": NOW - 10,
         "nbf": NOW - 10, "jti": "jti-%d" % _jti[0], "scope": "openid mail.read"}
    c.update(kw)
    c.update(extra or {})
    for k in drop:
        c.pop(k, None)
    return c


def header(alg, kid=None, typ="at+jwt", **extra):
    h = {"alg": alg}
    if typ is not None:
        h["typ"] = typ
    if kid is not None:
        h["kid"] = kid
    h.update(extra)
    return h


def signer_for(alg, key):
    fam, bits = alg[:2], alg[2:]
    if alg == "EdDSA":
        return eddsa(key)
    bits = int(bits)
    if fam == "RS":
        return rs(key, bits)
    if fam == "PS":
        return ps(key, bits)
    if fam == "ES":
        return es(key, bits)
    if fam == "HS":
        return hs(key, bits)
    raise ValueError(alg)


KIDS = {"rsa1": rsa1, "rs256only": rsa_pin, "ec256": ec256, "ec384": ec384,
        "ec521": ec521, "ed1": ed1, "hs1": HMAC_SECRET}
ALG_KEYS = {"RS": rsa1, "PS": rsa1, "ES256": ec256, "ES384": ec384, "ES512": ec521,
            "EdDSA": ed1, "HS": HMAC_SECRET}


def tok(alg="RS256", kid="rsa1", key=None, payload=None, typ="at+jwt", hdr=None,
        signer=None, **hextra):
    """A token signed for alg with the key of kid (or key)."""
    if key is None:
        key = KIDS.get(kid) or ALG_KEYS.get(alg) or ALG_KEYS.get(alg[:2], rsa1)
    h = hdr if hdr is not None else header(alg, kid, typ, **hextra)
    return jws(h, payload if payload is not None else claims(), signer or signer_for(alg, key))


def V(name, token, rc, reason=None, cfg=None, **kw):
    """validate with cfg (default MAIN) and check exit code and reason."""
    return t.expect_validate(name, cfg or MAIN, token, rc, reason, **kw)


def OK(name, token, cfg=None, user="alice", **kw):
    return t.expect_validate(name, cfg or MAIN, token, 0, None, user=user, **kw)


def R(name, token, reason, cfg=None, **kw):
    return t.expect_validate(name, cfg or MAIN, token, 1, reason, **kw)


def jws_verify(name, jwks_path, token, rc, reason=None, algs=None):
    args = ["jws-verify", "--jwks", jwks_path, "--json"]
    if algs:
        args += ["--alg", algs]
    t.check_run(name, args + [token], lambda res: t.problems(res, rc, reason), token=token)


def check_config(name, cfg, rc, sets=()):
    """check-config --json CFG: exit rc; on 2 the reason is config_error.
    (Options before FILE: see t_cli.sh for the order of the contract.)"""
    args = ["check-config", "--json"]
    for s in sets:
        args += ["--set", s]

    def judge(res):
        if rc == 0:
            ok = res.rc == 0 and res.field("result") == "ok"
            return [] if ok else ["expected exit 0 and result ok"]
        return t.problems(res, rc, "config_error")
    t.check_run(name, args + [cfg], judge)


def sig_of(token):
    return b64u_decode(token.split(".")[2])


def resign(token, sig):
    h, p, _ = token.split(".")
    return "%s.%s.%s" % (h, p, sig if isinstance(sig, str) else b64u(sig))


# ===========================================================================
# P: positive controls - every supported algorithm validates, with the user
# ===========================================================================

for alg, kid in [("RS256", "rsa1"), ("RS384", "rsa1"), ("RS512", "rsa1"),
                 ("PS256", "rsa1"), ("PS384", "rsa1"), ("PS512", "rsa1"),
                 ("ES256", "ec256"), ("ES384", "ec384"), ("ES512", "ec521"),
                 ("EdDSA", "ed1"), ("HS256", "hs1"), ("HS384", "hs1"), ("HS512", "hs1")]:
    OK("P %s valid (forge)" % alg, tok(alg, kid))

# The same with PyJWT as the producer, so forge.py is not the only witness.
for alg, key, kid in [("RS256", rsa1, "rsa1"), ("PS256", rsa1, "rsa1"),
                      ("ES256", ec256, "ec256"), ("ES512", ec521, "ec521"),
                      ("EdDSA", ed1, "ed1"), ("HS256", HMAC_SECRET, "hs1")]:
    k = key if isinstance(key, str) else pem_private(key)
    OK("P %s valid (PyJWT)" % alg,
       jwt.encode(claims(), k, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"}))

# And with the openssl CLI signing the RS256 signing input.
if t.wanted("P RS256 valid (openssl dgst)"):
    pem = t.write("rsa1.key.pem", pem_private(rsa1), 0o600)
    si = seg(header("RS256", "rsa1")) + "." + seg(claims())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", pem], input=si.encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    OK("P RS256 valid (openssl dgst)", si + "." + b64u(sig))

OK("P RS256 valid with ASYM config", tok(), cfg=ASYM)
OK("P RS256 valid with the --user it maps to", tok(), user_arg="alice")

# ===========================================================================
# A. Algorithm and key selection
# ===========================================================================

# A1 alg "none" in every spelling jwt_tool tries (RFC 8725 3.1). The
# allow-list comes from configuration; "none" is not an algorithm there, so
# every variant is alg_not_allowed (the core reads the header before it
# refuses an empty signature, so an unsecured JWS is reported as what it
# is); without the trailing dot it is not a JWS at all.
good_sig = tok().split(".")[2]
for spelling in ["none", "None", "NONE", "nOnE"]:
    h = {"alg": spelling, "typ": "at+jwt"}
    R("A1 alg %s with empty signature" % spelling, jws(h, claims(), lambda m: b""),
      "alg_not_allowed")
    R("A1 alg %s with the signature kept" % spelling,
      with_signature(h, claims(), good_sig), "alg_not_allowed")
    R("A1 alg %s with kid and signature kept" % spelling,
      with_signature(dict(h, kid="rsa1"), claims(), good_sig), "alg_not_allowed")
R("A1 alg none without trailing dot",
  seg({"alg": "none"}) + "." + seg(claims()), "malformed_token")
R("A1 alg none with one-byte signature",
  with_signature({"alg": "none"}, claims(), b"\0"), "alg_not_allowed")
R("A1 alg none in ASYM config", with_signature({"alg": "none"}, claims(), good_sig),
  "alg_not_allowed", cfg=ASYM)
check_config("A1 algorithms=none refused by the config", ASYM, 2, sets=["algorithms=none"])
check_config("A1 algorithms=None refused by the config", ASYM, 2,
             sets=["algorithms=RS256, None"])

# A2 asymmetric -> HMAC key confusion. The public key (which is public)
# used as an HS256 secret. MAIN allows HS256 with its configured secret:
# naming the public key's kid must hit a key of the wrong type
# (key_alg_mismatch); without kid only the configured secret fits HS256
# (bad_signature). ASYM does not allow HS* at all (alg_not_allowed).
confusion = {
    "RSA": (rsa1, "rsa1"),
    "EC": (ec256, "ec256"),
}
for kname, (key, kid) in confusion.items():
    pem_nl = pem_public(key)
    materials = {
        "PEM": pem_nl,
        "PEM without final newline": pem_nl.rstrip(b"\n"),
        "PEM with leading whitespace": b"  \n" + pem_nl,
        "SPKI DER": der_public(key),
        "JWK JSON": compact_json(jwk(key, kid=kid)).encode(),
        "raw %s" % ("modulus" if kname == "RSA" else "point"): raw_public(key),
    }
    for mname, secret in materials.items():
        R("A2 HS256 keyed with %s %s, kid of that key" % (kname, mname),
          tok("HS256", kid, key=secret), "key_alg_mismatch")
        R("A2 HS256 keyed with %s %s, no kid" % (kname, mname),
          tok("HS256", None, key=secret), "bad_signature")
        R("A2 HS256 keyed with %s %s, ASYM config" % (kname, mname),
          tok("HS256", kid, key=secret), "alg_not_allowed", cfg=ASYM)
R("A2 HS256 keyed with Ed25519 raw key, kid of that key",
  tok("HS256", "ed1", key=raw_public(ed1)), "key_alg_mismatch")
R("A2 HS256 keyed with RSA PEM under the HMAC kid",
  tok("HS256", "hs1", key=pem_public(rsa1)), "bad_signature")
R("A2 HS384 keyed with RSA PEM, kid of that key",
  tok("HS384", "rsa1", key=pem_public(rsa1)), "key_alg_mismatch")
# A JWKS never supplies HMAC keys: jws-verify has only the JWKS.
jws_verify("A2 jws-verify --alg HS256 with JWKS keys only, kid rsa1", main_jwks,
           tok("HS256", "rsa1", key=pem_public(rsa1)), 1, "key_alg_mismatch", algs="HS256")
jws_verify("A2 jws-verify --alg HS256 with JWKS keys only, no kid", main_jwks,
           tok("HS256", None, key=pem_public(rsa1)), 1, "unknown_kid", algs="HS256")
jws_verify("A2 jws-verify default algs refuse HS256", main_jwks,
           tok("HS256", "rsa1", key=pem_public(rsa1)), 1, "alg_not_allowed")
oct_jwks = t.write("oct.jwks", jwks(jwk(ec256, kid="ec256"),
                                     {"kty": "oct", "kid": "oct1", "k": b64u(b"k" * 32)}))
jws_verify("A2 JWKS with a kty oct key is refused", oct_jwks, tok("ES256", "ec256"),
           2, "bad_keyset")
check_config("A2 jwks_file with a kty oct key is a config error",
             conf("oct.conf", f"issuer = {ISS}\naudience = {AUD}\njwks_file = {oct_jwks}"), 2)

# A3 algorithm/key mismatch inside a family; the curve comes from the key,
# the JWK "alg" pins the key. Unknown, lower-case, non-string, missing alg.
R("A3 RS256-pinned key used for RS512", tok("RS512", "rs256only"), "key_alg_mismatch")
R("A3 RS256-pinned key used for PS256", tok("PS256", "rs256only"), "key_alg_mismatch")
R("A3 RS256-pinned key used for RS384", tok("RS384", "rs256only"), "key_alg_mismatch")
OK("A3 RS256-pinned key used for RS256", tok("RS256", "rs256only"))
R("A3 RS256 signature relabelled RS512", jws(header("RS512", "rsa1"), claims(), rs(rsa1, 256)),
  "bad_signature")
R("A3 PKCS1 signature relabelled PS256", jws(header("PS256", "rsa1"), claims(), rs(rsa1, 256)),
  "bad_signature")
R("A3 ES256 token with a P-384 key", tok("ES256", "ec384", signer=es(ec384, 256)),
  "key_alg_mismatch")
R("A3 ES384 token with a P-256 key", tok("ES384", "ec256", signer=es(ec256, 384)),
  "key_alg_mismatch")
R("A3 ES512 token with a P-384 key", tok("ES512", "ec384", signer=es(ec384, 512)),
  "key_alg_mismatch")
R("A3 ES256 token with an RSA key kid", tok("ES256", "rsa1", key=ec256), "key_alg_mismatch")
R("A3 RS256 token with an EC key kid", tok("RS256", "ec256", key=rsa1), "key_alg_mismatch")
R("A3 PS256 token with an EdDSA key kid", tok("PS256", "ed1", key=rsa1), "key_alg_mismatch")
R("A3 EdDSA token with an EC key kid", tok("EdDSA", "ec256", key=ed1), "key_alg_mismatch")
R("A3 JWK pinned ES256 on a P-384 key is skipped", tok("ES256", "ec384-pinned-es256",
                                                       signer=es(ec384, 256)), "unknown_kid")
R("A3 JWK pinned ES256 on an RSA key is skipped", tok("RS256", "rsa-pinned-es256"),
  "unknown_kid")
R("A3 key with use enc not used for signatures", tok("RS256", "rsa-enc"), "unknown_kid")
R("A3 key with key_ops sign only not used", tok("RS256", "rsa-keyops-sign"), "unknown_kid")
for bad in ["rs256", "Rs256", "RS256 ", " RS256", "RS-256", "ES256K", "Ed25519", "HS1",
            "RSA-OAEP", "dir", ""]:
    R("A3 alg %r" % bad, jws(header(bad, "rsa1"), claims(), rs(rsa1)), "alg_not_allowed")
for label, bad in [("number", 256), ("null", None), ("array", ["RS256"]),
                   ("object", {"RS256": 1}), ("true", True)]:
    h = {"alg": bad, "typ": "at+jwt", "kid": "rsa1"}
    R("A3 alg %s" % label, jws(h, claims(), rs(rsa1)), "malformed_token")
# Positive: the alg is compared after JSON decoding (escapes are the same string).
OK("A3 alg written with JSON escapes", jws('{"alg":"RS\\u0032\\u0035\\u0036","kid":"rsa1"}',
                                          claims(), rs(rsa1)))
R("A3 alg missing", jws({"typ": "at+jwt", "kid": "rsa1"}, claims(), rs(rsa1)),
  "malformed_token")
R("A3 alg allowed by the key but not by algorithms", tok("PS256", "rsa1"),
  "alg_not_allowed", cfg=ASYM, sets=["algorithms=RS256"])
R("A3 ES256 with its key but algorithms=RS256", tok("ES256", "ec256"), "alg_not_allowed",
  cfg=ASYM, sets=["algorithms=RS256"])

# A4 empty / wrong-length signatures: the exact length per algorithm is
# checked before any crypto (RSA modulus bytes, ES 64/96/132, EdDSA 64,
# HS hash length).
for alg, kid in [("RS256", "rsa1"), ("PS256", "rsa1"), ("ES256", "ec256"),
                 ("EdDSA", "ed1"), ("HS256", "hs1")]:
    base = tok(alg, kid)
    s = sig_of(base)
    R("A4 %s empty signature" % alg, resign(base, ""), "malformed_token")
    R("A4 %s signature one byte short" % alg, resign(base, s[:-1]), "bad_signature")
    R("A4 %s signature one byte long" % alg, resign(base, s + b"\0"), "bad_signature")
    R("A4 %s signature with leading zero byte" % alg, resign(base, b"\0" + s), "bad_signature")
    R("A4 %s all-zero signature of the right length" % alg, resign(base, bytes(len(s))),
      "bad_signature")
    R("A4 %s one zero byte as signature" % alg, resign(base, b"\0"), "bad_signature")
R("A4 RS256 signature of 1024 bytes", resign(tok(), os.urandom(1024)), "bad_signature")
R("A4 RS256 signature flipped bit", resign(tok(), bytes([sig_of(tok())[0] ^ 1]) +
                                           sig_of(tok())[1:]), "bad_signature")
R("A4 ES512 131-byte signature", resign(tok("ES512", "ec521"),
                                        sig_of(tok("ES512", "ec521"))[:-1]), "bad_signature")

# A5 weak or empty HMAC secrets: refused when the config is loaded (RFC 7518
# 3.2: at least the hash size); tokens MAC'd with "" or "secret" fail.
for label, sec in [("empty", ""), ("'secret'", "secret"), ("31 bytes", "s" * 31),
                   ("only a newline", "\n")]:
    f = t.write("weak-%d.secret" % len(sec), sec, 0o600)
    cfgw = conf("weak-%d.conf" % len(sec), f"""
issuer = {ISS}
audience = {AUD}
hmac_secret_file = {f}
algorithms = HS256
""")
    check_config("A5 %s HMAC secret refused by check-config" % label, cfgw, 2)
    t.expect_validate("A5 %s HMAC secret: validate is a config error" % label, cfgw,
                      tok("HS256", None, key=sec), 2, "config_error")
f32 = t.write("s32.secret", "s" * 32 + "\n", 0o600)
check_config("A5 32-byte secret accepted for HS256",
             conf("s32.conf", f"issuer = {ISS}\naudience = {AUD}\n"
                  f"hmac_secret_file = {f32}\nalgorithms = HS256"), 0)
check_config("A5 32-byte secret refused for HS384",
             conf("s32-384.conf", f"issuer = {ISS}\naudience = {AUD}\n"
                  f"hmac_secret_file = {f32}\nalgorithms = HS256, HS384"), 2)
check_config("A5 32-byte secret refused for HS512",
             conf("s32-512.conf", f"issuer = {ISS}\naudience = {AUD}\n"
                  f"hmac_secret_file = {f32}\nalgorithms = HS512"), 2)
f_rd = t.write("readable.secret", secrets.token_hex(32), 0o644)
check_config("A5 secret file readable by others refused",
             conf("readable.conf", f"issuer = {ISS}\naudience = {AUD}\n"
                  f"hmac_secret_file = {f_rd}\nalgorithms = HS256"), 2)
for label, sec in [("empty key", ""), ("'secret'", "secret"), ("'password'", "password"),
                   ("the hmac kid", "hs1")]:
    R("A5 HS256 MAC'd with %s, kid hs1" % label, tok("HS256", "hs1", key=sec),
      "bad_signature")
R("A5 HS256 MAC'd with 'secret', no kid", tok("HS256", None, key="secret"), "bad_signature")
R("A5 HS256 MAC'd with the secret plus its newline", tok("HS256", "hs1",
                                                        key=HMAC_SECRET + "\n"),
  "bad_signature")

# A6 key material or location from the token header (jwk, jku, x5u, x5c):
# never used. Attacker-signed tokens with the attacker's key embedded. The
# jku/x5u URLs point at a local listening socket and the test asserts that
# no connection was made (the core has no network code today; when F1
# lands, this keeps it honest).
att_jwk = jwk(attacker_ec, kid="attacker")
R("A6 embedded jwk, attacker kid", tok("ES256", "attacker", key=attacker_ec, jwk=att_jwk),
  "unknown_kid")
R("A6 embedded jwk, real kid", tok("ES256", "ec256", key=attacker_ec,
                                   jwk=jwk(attacker_ec, kid="ec256")), "bad_signature")
R("A6 embedded jwk, no kid", tok("ES256", None, key=attacker_ec, jwk=att_jwk),
  "bad_signature")
R("A6 embedded RSA jwk, real kid", tok("RS256", "rsa1", key=attacker_rsa,
                                       jwk=jwk(attacker_rsa, kid="rsa1")), "bad_signature")
R("A6 embedded jwk with alg none", with_signature(
    {"alg": "none", "jwk": att_jwk}, claims(), b"\0"), "alg_not_allowed")

# jku / x5u at a socket we listen on: a fetch would show as a connection.
lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.bind(("127.0.0.1", 0))
lsock.listen(16)
lsock.setblocking(False)
lurl = "http://127.0.0.1:%d/jwks.json" % lsock.getsockname()[1]
for param in ["jku", "x5u"]:
    R("A6 %s to a local URL, attacker kid" % param,
      tok("ES256", "attacker", key=attacker_ec, **{param: lurl}), "unknown_kid")
    R("A6 %s to a local URL, real kid" % param,
      tok("ES256", "ec256", key=attacker_ec, **{param: lurl}), "bad_signature")
    R("A6 %s to port 9, real kid" % param,
      tok("ES256", "ec256", key=attacker_ec, **{param: "http://127.0.0.1:9/"}),
      "bad_signature")
if t.wanted("A6 no connection to the jku/x5u URL"):
    try:
        conn, _ = lsock.accept()
        conn.close()
        connected = True
    except BlockingIOError:
        connected = False
    t.ok("A6 no connection to the jku/x5u URL", not connected,
         "the validator connected to the URL named in the token header")
lsock.close()
# x5c is standard base64 DER (RFC 7515 4.1.6)
x5c = [base64.b64encode(self_signed_cert(attacker_rsa)).decode()]
R("A6 x5c self-signed, attacker kid", tok("RS256", "attacker", key=attacker_rsa, x5c=x5c),
  "unknown_kid")
R("A6 x5c self-signed, real kid", tok("RS256", "rsa1", key=attacker_rsa, x5c=x5c),
  "bad_signature")
R("A6 x5c self-signed, no kid, one RSA key", tok("RS256", None, key=attacker_rsa, x5c=x5c),
  "bad_signature", cfg=SINGLE)
R("A6 x5t of the real key does not select a key",
  tok("RS256", None, key=attacker_rsa, x5t=b64u(hashlib.sha1(b"x").digest())),
  "bad_signature", cfg=SINGLE)

# A7 kid injection: kid is only a lookup key in the in-memory map (never a
# path, SQL, command or URL), a string of at most 256 bytes. Unknown kid:
# reject (the at-most-one refresh belongs to the network issue, A8).
R("A7 kid path traversal to /dev/null, HS256 with empty key",
  tok("HS256", "../../../../../../dev/null", key=""), "unknown_kid")
R("A7 kid path traversal to the secret file, HS256 with its content",
  tok("HS256", secret_file, key=HMAC_SECRET), "unknown_kid")
R("A7 kid SQL injection, HS256 with 'secret'",
  tok("HS256", "x' UNION SELECT 'secret'--", key="secret"), "unknown_kid")
R("A7 kid SQL injection, RS256", tok("RS256", "rsa1' OR '1'='1", key=rsa1), "unknown_kid")
sleepy = tok("RS256", "|sleep 10", key=rsa1)
t.check_run("A7 kid |sleep 10 (no command run)", t.validate_args(MAIN, sleepy, NOW)[0],
            lambda res: t.problems(res, 1, "unknown_kid") +
            (["took %.1f s" % res.elapsed] if res.elapsed >= 5 else []), token=sleepy)
R("A7 kid $(curl) command substitution", tok("RS256", "$(curl http://127.0.0.1:9/)",
                                              key=rsa1), "unknown_kid")
R("A7 kid URL", tok("RS256", "http://127.0.0.1:9/key", key=rsa1), "unknown_kid")
R("A7 unknown kid with a valid signature", tok("RS256", "nope", key=rsa1), "unknown_kid")
R("A7 empty kid", tok("RS256", "", key=rsa1), "unknown_kid")
R("A7 HS256 with another kid than hmac_kid", tok("HS256", "hs2", key=HMAC_SECRET),
  "unknown_kid")
OK("A7 kid written with a JSON escape selects its key",
   jws('{"alg":"RS256","kid":"rsa\\u0031"}', claims(), rs(rsa1)))
R("A7 kid with a newline (log injection)", tok("RS256", "rsa1\nresult=ok user=root",
                                               key=rsa1), "unknown_kid")
R("A7 kid of 256 bytes (limit), unknown", tok("RS256", "k" * 256, key=rsa1), "unknown_kid")
R("A7 kid of 257 bytes", tok("RS256", "k" * 257, key=rsa1), "malformed_token")
R("A7 kid of 20 KB (over max_token_size)", tok("RS256", "k" * 20480, key=rsa1),
  "token_too_large")
R("A7 kid of 20 KB with max_token_size 65536", tok("RS256", "k" * 20480, key=rsa1),
  "malformed_token", sets=["max_token_size=65536"])
for label, bad in [("number", 1), ("null", None), ("array", ["rsa1"]),
                   ("object", {"kid": "rsa1"}), ("true", True)]:
    h = {"alg": "RS256", "typ": "at+jwt", "kid": bad}
    R("A7 kid %s" % label, jws(h, claims(), rs(rsa1)), "malformed_token")
OK("A7 absent kid with one key", tok("RS256", None), cfg=SINGLE)
R("A7 kid given but the only key has none", tok("RS256", "rsa1"), "unknown_kid", cfg=SINGLE)
R("A7 absent kid with two RSA keys", tok("RS256", None), "ambiguous_key")
OK("A7 absent kid with one EC P-256 key", tok("ES256", None, key=ec256))
OK("A7 absent kid with one HMAC secret", tok("HS256", None))
dup_jwks = t.write("dup.jwks", jwks(jwk(rsa1, kid="dup"), jwk(ec256, kid="dup")))
jws_verify("A7 JWKS with duplicate kids refused", dup_jwks, tok("RS256", "dup", key=rsa1),
           2, "bad_keyset")
check_config("A7 jwks_file with duplicate kids is a config error",
             conf("dup.conf", f"issuer = {ISS}\naudience = {AUD}\njwks_file = {dup_jwks}"), 2)

# A8 JWKS size and key bounds, the offline part. Remaining for the network
# issue: TTL / Cache-Control, at most one refresh per interval on unknown
# kid (1,000 random-kid tokens -> <= 1 fetch against a stub server),
# keeping the previous set on refresh failure, transfer limits/timeouts.
R("A8 16384-bit RSA key in the JWKS is skipped",
  tok("RS256", "rsa-huge", key=rsa1), "unknown_kid")
huge_only = t.write("huge.jwks", jwks(main_key("rsa-huge")))
jws_verify("A8 JWKS with only a 16384-bit key is refused", huge_only,
           tok("RS256", "rsa-huge", key=rsa1), 2, "bad_keyset")
big = '{"keys":[%s],"pad":"%s"}' % (compact_json(jwk(ec256, kid="ec256")), "A" * (10 << 20))
big_jwks = t.write("big.jwks", big)
jws_verify("A8 10 MB JWKS refused (jws-verify)", big_jwks, tok("ES256", "ec256"), 2,
           "bad_keyset")
big_conf = conf("big.conf", f"issuer = {ISS}\naudience = {AUD}\njwks_file = {big_jwks}")
t.expect_validate("A8 10 MB JWKS refused (validate)", big_conf, tok("ES256", "ec256"), 2,
                  "config_error")
many = t.write("many.jwks", jwks(*[jwk(ec256, kid="k%d" % i) for i in range(101)]))
jws_verify("A8 JWKS with 101 keys refused", many, tok("ES256", "k1"), 2, "bad_keyset")
hundred = t.write("hundred.jwks", jwks(*[jwk(ec256, kid="k%d" % i) for i in range(100)]))
jws_verify("A8 JWKS with 100 keys accepted", hundred, tok("ES256", "k99", key=ec256), 0)
R("A8 random kid rejected without refresh", tok("RS256", secrets.token_hex(8), key=rsa1),
  "unknown_kid")

# ===========================================================================
# B. Signature format and cryptographic checks
# ===========================================================================

# B1 ECDSA r = s = 0 ("psychic signatures", CVE-2022-21449), r or s >= n.
n256 = CURVE_ORDER["P-256"]
es_base = tok("ES256", "ec256")
r0, s0 = int.from_bytes(sig_of(es_base)[:32], "big"), int.from_bytes(sig_of(es_base)[32:], "big")
for label, (r, s) in [("r = s = 0", (0, 0)), ("r = s = n", (n256, n256)),
                      ("r = 0", (0, s0)), ("s = 0", (r0, 0)), ("s = n", (r0, n256)),
                      ("r = n", (n256, s0)), ("r = s = 1", (1, 1)),
                      ("r = s = n - 1", (n256 - 1, n256 - 1)),
                      ("r = s = 2^256 - 1", (2**256 - 1, 2**256 - 1))]:
    R("B1 ES256 %s" % label,
      resign(es_base, rs_bytes(r, s, 32)), "bad_signature")
R("B1 ES384 r = s = 0", resign(tok("ES384", "ec384"), bytes(96)), "bad_signature")
R("B1 ES512 r = s = 0", resign(tok("ES512", "ec521"), bytes(132)), "bad_signature")
R("B1 ES512 r = s = n", resign(tok("ES512", "ec521"),
                               rs_bytes(CURVE_ORDER["P-521"], CURVE_ORDER["P-521"], 66)),
  "bad_signature")

# B2 ECDSA encoding: r||s of exactly 64/96/132 bytes (RFC 7518 3.4), no DER.
R("B2 ES256 DER-encoded signature", tok("ES256", "ec256", signer=es_der(ec256)),
  "bad_signature")
R("B2 ES384 DER-encoded signature", tok("ES384", "ec384", signer=es_der(ec384, 384)),
  "bad_signature")
s64 = sig_of(es_base)
R("B2 ES256 63-byte signature", resign(es_base, s64[1:]), "bad_signature")
R("B2 ES256 65-byte signature (leading zero)", resign(es_base, b"\0" + s64), "bad_signature")
R("B2 ES256 65-byte signature (trailing zero)", resign(es_base, s64 + b"\0"), "bad_signature")
R("B2 ES256 halves of 33 bytes", resign(es_base, b"\0" + s64[:32] + b"\0" + s64[32:]),
  "bad_signature")
R("B2 ES256 halves swapped", resign(es_base, s64[32:] + s64[:32]), "bad_signature")
R("B2 ES256 signature in a 96-byte ES384 shape",
  resign(es_base, bytes(16) + s64[:32] + bytes(16) + s64[32:]), "bad_signature")

# B3 ECDSA malleability: (r, n - s) is a valid signature of the same input
# (the standard allows it), so it must be ACCEPTED; what must not happen is
# a cache keyed on signature bytes. The fingerprint the core reports (and
# any cache) is over the whole token, so the two tokens differ there.
b3 = resign(es_base, rs_bytes(r0, n256 - s0, 32))
OK("B3 ES256 (r, n - s) accepted", b3)
if t.wanted("B3 malleated token has its own token_sha256"):
    fa = t.validate(MAIN, b3, NOW).field("token_sha256")
    fb = t.validate(MAIN, es_base, NOW).field("token_sha256")
    t.ok("B3 malleated token has its own token_sha256",
         isinstance(fa, str) and isinstance(fb, str) and len(fa) == 16 and fa != fb,
         "token_sha256 %r vs %r" % (fa, fb))

# B4 invalid curve points and malformed EC/OKP JWKs: skipped at import
# (EVP_PKEY_public_check), so a token naming them finds no key. When the
# only key is bad the whole set is refused.
for kid, label in [("ec-offcurve", "off-curve point (y + 1)"),
                   ("ec-shortx", "31-byte x"), ("ec-longx", "33-byte x"),
                   ("ec-wrongcrv", "P-256 point labelled P-384"),
                   ("ec-k1", "crv secp256k1"), ("ec-as-rsa", "EC members with kty RSA")]:
    R("B4 JWK with %s is skipped" % label, tok("ES256", kid, key=ec256), "unknown_kid")
R("B4 OKP key with crv Ed448 is skipped", tok("EdDSA", "okp-ed448", key=ed1), "unknown_kid")
R("B4 OKP key with crv X25519 is skipped", tok("EdDSA", "okp-x25519", key=ed1),
  "unknown_kid")
R("B4 OKP Ed25519 key with a 31-byte x is skipped", tok("EdDSA", "okp-short", key=ed1),
  "unknown_kid")
off_only = t.write("offcurve.jwks", jwks(main_key("ec-offcurve")))
jws_verify("B4 JWKS with only an off-curve key is refused", off_only,
           tok("ES256", "ec-offcurve", key=ec256), 2, "bad_keyset")
t.expect_validate("B4 config whose only key is off-curve is a config error",
                  conf("offcurve.conf", f"issuer = {ISS}\naudience = {AUD}\n"
                       f"jwks_file = {off_only}"),
                  tok("ES256", "ec-offcurve", key=ec256), 2, "config_error")
R("B4 ES256 token whose kid is an Ed25519 key", tok("ES256", "ed1", key=ec256),
  "key_alg_mismatch")

# B5 RSA key policy and PKCS#1 v1.5 forgeries. e = 1: the encoded message
# itself "verifies" (s^1 = EM), so the key must be skipped. A hand-made
# encoding without DigestInfo (raw hash) and a SHA-384 DigestInfo under
# RS256 must fail: OpenSSL re-encodes and compares. An e = 3 Bleichenbacher
# forgery is not needed: no e = 3 key is accepted differently from others.
n1bytes = 256
R("B5 1024-bit RSA key is skipped", tok("RS256", "rsa1024", key=rsa1024), "unknown_kid")
h_e1 = header("RS256", "rsa-e1")
p_e1 = claims()
em = pkcs1_v15_em((seg(h_e1) + "." + seg(p_e1)).encode(), n1bytes)
R("B5 e = 1 key is skipped (EM as signature)", with_signature(h_e1, p_e1, em), "unknown_kid")
R("B5 even e key is skipped", tok("RS256", "rsa-e2", key=rsa1), "unknown_kid")
h5, p5 = header("RS256", "rsa1"), claims()
si5 = (seg(h5) + "." + seg(p5)).encode()
R("B5 PKCS1 v1.5 without DigestInfo", with_signature(
    h5, p5, rsa_raw_sign(rsa1, pkcs1_v15_em(si5, n1bytes, 256, digest_info=False))),
  "bad_signature")
R("B5 RS256 with a SHA-384 DigestInfo", jws(h5, p5, rs(rsa1, 384)), "bad_signature")
R("B5 PKCS1 padding with 0x02 block type", with_signature(
    h5, p5, rsa_raw_sign(rsa1, b"\x00\x02" + pkcs1_v15_em(si5, n1bytes)[2:])),
  "bad_signature")
R("B5 signature equal to the modulus", with_signature(
    h5, p5, int_bytes(rsa1.public_key().public_numbers().n, 256)), "bad_signature")
R("B5 RSA signature of the wrong length (modulus - 1)", with_signature(
    h5, p5, rs(rsa1)(si5)[1:]), "bad_signature")
R("B5 signature by the 1024-bit key under a 2048-bit kid", tok("RS256", "rsa1",
                                                              key=rsa1024), "bad_signature")

# B6 RSA-PSS parameters: salt length = hash length, MGF1 with the same hash
# (OpenSSL's auto-detected salt accepts others unless set on verify).
for label, signer in [("salt length 0", ps(rsa1, 256, salt=0)),
                      ("salt length 20", ps(rsa1, 256, salt=20)),
                      ("salt length 64", ps(rsa1, 256, salt=64)),
                      ("maximum salt length", ps(rsa1, 256, salt=256 - 32 - 2)),
                      ("MGF1 with SHA-1", ps(rsa1, 256, mgf_bits=160))]:
    R("B6 PS256 %s" % label, tok("PS256", "rsa1", signer=signer), "bad_signature")
R("B6 PS256 MGF1-SHA384", tok("PS256", "rsa1", signer=ps(rsa1, 256, mgf_bits=384)),
  "bad_signature")
R("B6 PS384 salt length 32", tok("PS384", "rsa1", signer=ps(rsa1, 384, salt=32)),
  "bad_signature")
R("B6 PS512 salt length 32", tok("PS512", "rsa1", signer=ps(rsa1, 512, salt=32)),
  "bad_signature")
R("B6 PS256 label with a PS384 signature", tok("PS256", "rsa1", signer=ps(rsa1, 384)),
  "bad_signature")

# B7 Ed25519: non-canonical S (S + L) and other broken signatures rejected.
ed_base = tok("EdDSA", "ed1")
es_ = sig_of(ed_base)
S = int.from_bytes(es_[32:], "little")
R("B7 Ed25519 S + L", resign(ed_base, es_[:32] + (S + ED25519_L).to_bytes(32, "little")),
  "bad_signature")
R("B7 Ed25519 S = L", resign(ed_base, es_[:32] + ED25519_L.to_bytes(32, "little")),
  "bad_signature")
R("B7 Ed25519 R flipped", resign(ed_base, bytes([es_[0] ^ 1]) + es_[1:]), "bad_signature")
R("B7 Ed25519 all-zero signature", resign(ed_base, bytes(64)), "bad_signature")
R("B7 Ed25519 R = identity point, S = 0", resign(ed_base, b"\x01" + bytes(63)),
  "bad_signature")
R("B7 Ed25519 signature of another key", tok("EdDSA", "ed1", key=ed25519_key()),
  "bad_signature")

# B8 HMAC: the full tag length, constant-time compare (timing is not
# measured here).
hs_base = tok("HS256", "hs1")
tag = sig_of(hs_base)
for n in [1, 16, 31]:
    R("B8 HS256 tag truncated to %d byte%s" % (n, "s"[:n > 1]), resign(hs_base, tag[:n]),
      "bad_signature")
R("B8 HS256 tag with an extra byte", resign(hs_base, tag + b"\0"), "bad_signature")
R("B8 HS256 tag last bit flipped", resign(hs_base, tag[:-1] + bytes([tag[-1] ^ 1])),
  "bad_signature")
hs512 = tok("HS512", "hs1")
R("B8 HS512 tag truncated to 32 bytes", resign(hs512, sig_of(hs512)[:32]), "bad_signature")
R("B8 HS384 label with an HS256 tag", jws(header("HS384", "hs1"), claims(),
                                          hs(HMAC_SECRET, 256)), "bad_signature")

# ===========================================================================
# C. Encoding, structure and parsing
# ===========================================================================

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def text_not_multiple_of_3(js):
    """JSON text whose byte length is not a multiple of 3 (trailing blanks
    are legal JSON), so its base64url has unused trailing bits."""
    while len(js.encode()) % 3 == 0:
        js += " "
    return js


def with_urlsafe_chars(make):
    """make(i) -> token; the first whose three segments each contain '-' or
    '_' (so the '+' '/' variants differ from the original)."""
    for i in range(2000):
        tkn = make(i)
        if all(("-" in s or "_" in s) for s in tkn.split(".")):
            return tkn
    raise RuntimeError("no token with - or _ in every segment")


def c1_token(i=0):
    h = text_not_multiple_of_3(compact_json(dict(header("RS256", "rsa1"), x="?>" * (i % 7))))
    p = text_not_multiple_of_3(compact_json(claims(pad="?~>" * (i % 11))))
    return jws(h, p, rs(rsa1))


c1 = with_urlsafe_chars(c1_token)
OK("C1 control: token with - and _ in every segment", c1)
SEGS = ["header", "payload", "signature"]


def mutate(token, idx, fn):
    parts = token.split(".")
    parts[idx] = fn(parts[idx])
    return ".".join(parts)


def nonzero_trailing_bits(s):
    assert len(s) % 4 in (2, 3), len(s)
    v = B64.index(s[-1])
    assert v & 1 == 0
    return s[:-1] + B64[v | 1]


for i, sname in enumerate(SEGS):
    R("C1 %s with '=' padding" % sname,
      mutate(c1, i, lambda s: s + "=" * (-len(s) % 4)), "malformed_token")
    R("C1 %s with one '='" % sname, mutate(c1, i, lambda s: s + "="), "malformed_token")
    R("C1 %s with + and / (standard alphabet)" % sname,
      mutate(c1, i, lambda s: s.replace("-", "+").replace("_", "/")), "malformed_token")
    R("C1 %s with an inner space" % sname,
      mutate(c1, i, lambda s: s[:8] + " " + s[8:]), "malformed_token")
    R("C1 %s with an inner newline" % sname,
      mutate(c1, i, lambda s: s[:8] + "\n" + s[8:]), "malformed_token")
    R("C1 %s with an inner CRLF" % sname,
      mutate(c1, i, lambda s: s[:8] + "\r\n" + s[8:]), "malformed_token")
    R("C1 %s with an inner tab" % sname,
      mutate(c1, i, lambda s: s[:8] + "\t" + s[8:]), "malformed_token")
    R("C1 %s with non-zero trailing bits" % sname,
      mutate(c1, i, nonzero_trailing_bits), "malformed_token")
    R("C1 %s of length 1 mod 4" % sname,
      mutate(c1, i, lambda s: s + "A" * ((1 - len(s)) % 4 or 4)), "malformed_token")
    R("C1 %s with a '%%' character" % sname, mutate(c1, i, lambda s: s[:4] + "%" + s[5:]),
      "malformed_token")
    R("C1 %s with a non-ASCII character" % sname,
      mutate(c1, i, lambda s: s[:4] + "\u00e9" + s[5:]), "malformed_token")

# C2 segment structure: exactly three (JWS compact), no JWE, no JSON
# serialization, no empty input, no extra dot.
c2 = tok()
h2, p2, s2 = c2.split(".")
R("C2 two segments", h2 + "." + p2, "malformed_token")
R("C2 one segment", h2, "malformed_token")
R("C2 four segments", c2 + "." + s2, "malformed_token")
jwe = ".".join([seg({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "rsa1"}),
                b64u(os.urandom(256)), b64u(os.urandom(12)), b64u(os.urandom(64)),
                b64u(os.urandom(16))])
R("C2 five segments (JWE)", jwe, "malformed_token")
R("C2 five segments, JWS header", c2 + "." + s2 + "." + s2, "malformed_token")
R("C2 JSON serialization (flattened)", compact_json(
    {"payload": p2, "protected": h2, "signature": s2}), "malformed_token")
R("C2 JSON serialization with exactly two dots", compact_json(
    {"protected": h2, "payload": p2, "signature": s2, "x": "a.b.c"}), "malformed_token")
R("C2 JSON serialization (general)", compact_json(
    {"payload": p2, "signatures": [{"protected": h2, "signature": s2}]}), "malformed_token")
R("C2 empty input", "", "malformed_token")
R("C2 only dots", "..", "malformed_token")
R("C2 trailing dot", c2 + ".", "malformed_token")
R("C2 leading dot", "." + c2, "malformed_token")
R("C2 empty header", "." + p2 + "." + s2, "malformed_token")
R("C2 empty payload, signed", jws(header("RS256", "rsa1"), "", rs(rsa1)), "malformed_token")
R("C2 double dot inside", h2 + ".." + p2 + "." + s2, "malformed_token")

# C3 size limits: max_token_size (default 16 KiB) before decoding; a
# header cap; many dots. A token of exactly 16384 bytes passes.


def token_of_length(total):
    """A valid RS256 token of exactly total bytes (signature: 342 chars)."""
    for hpad in range(12):
        h = dict(header("RS256", "rsa1"), x="h" * hpad)
        hlen = len(seg(h))
        plen = total - hlen - 2 - 342
        if plen % 4 == 1:
            continue
        nbytes = plen * 3 // 4
        base = claims(pad="")
        padlen = nbytes - len(segment_bytes(base))
        if padlen < 0:
            continue
        base["pad"] = "p" * padlen
        tk = jws(h, base, rs(rsa1))
        if len(tk) == total:
            return tk
    raise RuntimeError("cannot build a token of %d bytes" % total)


OK("C3 token of exactly 16384 bytes", token_of_length(16384))
R("C3 token of 16385 bytes", token_of_length(16385), "token_too_large")
R("C3 token of 16385 bytes, garbage", "A" * 16385, "token_too_large")
OK("C3 token of 20000 bytes with max_token_size 20000", token_of_length(20000),
   sets=["max_token_size=20000"])
R("C3 token of 20001 bytes with max_token_size 20000", token_of_length(20001),
  "token_too_large", sets=["max_token_size=20000"])
R("C3 1 MiB of dots", "." * (1 << 20), "token_too_large")
R("C3 1 MiB + 1 of characters on stdin", "A" * ((1 << 20) + 1), "token_too_large")
R("C3 10000 dots (under the size limit)", "." * 10000, "malformed_token")
R("C3 header over 2 KiB",
  tok("RS256", "rsa1", pad="x" * 3000), "malformed_token")
R("C3 huge kid (40 KB) with max_token_size 65536", tok("RS256", "k" * 40000, key=rsa1),
  "malformed_token", sets=["max_token_size=65536"])
check_config("C3 max_token_size over the limit refused", ASYM, 2,
             sets=["max_token_size=1048576"])

# C4 duplicate member names in header and claims: rejected, never
# "last one wins".
p4 = compact_json(claims())
R("C4 duplicate alg in header (none then RS256)", jws(
    '{"alg":"none","typ":"at+jwt","kid":"rsa1","alg":"RS256"}', p4, rs(rsa1)),
  "malformed_token")
R("C4 duplicate alg in header (same value)", jws(
    '{"alg":"RS256","kid":"rsa1","alg":"RS256"}', p4, rs(rsa1)), "malformed_token")
R("C4 duplicate kid in header", jws(
    '{"alg":"RS256","kid":"nope","kid":"rsa1"}', p4, rs(rsa1)), "malformed_token")
R("C4 duplicate alg via escape (\\u0061lg)", jws(
    '{"alg":"none","\\u0061lg":"RS256","kid":"rsa1"}', p4, rs(rsa1)), "malformed_token")
h4 = compact_json(header("RS256", "rsa1"))


def dup_claims(extra):
    """The claim set text with extra members appended (after the real ones)."""
    return p4[:-1] + "," + extra + "}"


R("C4 duplicate sub in claims", jws(h4, dup_claims('"sub":"root"'), rs(rsa1)),
  "malformed_token")
R("C4 duplicate sub via escape (s\\u0075b)", jws(h4, dup_claims('"s\\u0075b":"root"'),
                                                 rs(rsa1)), "malformed_token")
R("C4 duplicate exp in claims", jws(h4, dup_claims('"exp":%d' % (NOW + 99999)), rs(rsa1)),
  "malformed_token")
R("C4 duplicate aud in claims", jws(h4, dup_claims('"aud":"other"'), rs(rsa1)),
  "malformed_token")
R("C4 duplicate member in a nested claim", jws(
    h4, dup_claims('"x":{"a":1,"a":2}'), rs(rsa1)), "malformed_token")

# C5 JSON edge cases: objects only, UTF-8 without BOM, no trailing data,
# bounded depth, numbers within int64 and finite, no NaN literal, no NUL.
for label, text in [("array", '["RS256"]'), ("string", '"RS256"'), ("null", "null"),
                    ("number", "1"), ("empty", ""),
                    ("BOM", "\ufeff" + compact_json(header("RS256", "rsa1"))),
                    ("trailing garbage", compact_json(header("RS256", "rsa1")) + "x"),
                    ("two objects", compact_json(header("RS256", "rsa1")) + "{}"),
                    ("NUL in a string", '{"alg":"RS256","kid":"rsa1\\u0000x"}'),
                    ("single quotes", "{'alg':'RS256','kid':'rsa1'}"),
                    ("comment", '{"alg":"RS256",/*x*/"kid":"rsa1"}'),
                    ("invalid UTF-8", b'{"alg":"RS256","kid":"rsa1","x":"\xff"}'),
                    ("lone surrogate", '{"alg":"RS256","kid":"rsa1","x":"\\ud800"}'),
                    ("deep nesting (5000)",
                     '{"alg":"RS256","kid":"rsa1","x":' + "[" * 5000 + "]" * 5000 + "}")]:
    R("C5 header %s" % label, jws(text, p4, rs(rsa1)), "malformed_token")
deep = lambda n: "[" * n + "]" * n  # noqa: E731
for label, text in [("array", compact_json([claims()])), ("string", '"alice"'),
                    ("null", "null"), ("number", "1"), ("empty", ""),
                    ("BOM", "\ufeff" + p4), ("trailing garbage", p4 + "x"),
                    ("two objects", p4 + "{}"), ("trailing comma", p4[:-1] + ",}"),
                    ("5000-deep nesting", dup_claims('"x":' + deep(5000))),
                    ("20-deep nesting", dup_claims('"x":' + deep(20))),
                    ("2^63 integer", dup_claims('"n":9223372036854775808')),
                    ("exp 2^63", compact_json(claims(drop=["exp"]))[:-1] +
                     ',"exp":9223372036854775808}'),
                    ("1e400", dup_claims('"n":1e400')),
                    ("exp 1e400", compact_json(claims(drop=["exp"]))[:-1] + ',"exp":1e400}'),
                    ("NaN literal", dup_claims('"n":NaN')),
                    ("exp NaN", compact_json(claims(drop=["exp"]))[:-1] + ',"exp":NaN}'),
                    ("Infinity literal", dup_claims('"n":Infinity')),
                    ("-Infinity literal", dup_claims('"n":-Infinity')),
                    ("NUL escape in sub", compact_json(claims(drop=["sub"]))[:-1] +
                     ',"sub":"alice\\u0000root"}'),
                    ("raw NUL byte in sub", (compact_json(claims(drop=["sub"]))[:-1] +
                                             ',"sub":"alice\0root"}').encode()),
                    ("invalid UTF-8 in sub", compact_json(claims(drop=["sub"])).encode()[:-1] +
                     b',"sub":"alice\xff"}'),
                    ("overlong UTF-8 in sub", compact_json(claims(drop=["sub"])).encode()[:-1] +
                     b',"sub":"alice\xc0\xaf"}'),
                    ("lone surrogate in sub", compact_json(claims(drop=["sub"]))[:-1] +
                     ',"sub":"alice\\ud800"}'),
                    ("unescaped control char in a string", dup_claims('"x":"a\x01b"')),
                    ("hex number", dup_claims('"n":0x10')),
                    ("leading zero number", dup_claims('"n":012'))]:
    R("C5 claims %s" % label, jws(h4, text, rs(rsa1)), "malformed_token")
OK("C5 header with JSON whitespace accepted",
   jws('{ "alg" : "RS256" ,\n\t"kid":"rsa1" }\n', p4, rs(rsa1)))
OK("C5 claims with 3-deep nesting", jws(h4, dup_claims('"x":{"a":[[1]]}'), rs(rsa1)))
OK("C5 exp as a real number", tok(payload=claims(exp=NOW + 600.5)))
OK("C5 non-ASCII UTF-8 claim", tok(payload=claims(name="J\u00fcrgen \u6f22\u5b57")))

# C6 crit: this core understands no extension, so any crit is refused;
# in particular RFC 7797 b64:false (unencoded payload), even when the
# payload happens to be valid base64url (signing input as for b64:true).
for label, hx in [("crit [\"exp\"] with exp", {"crit": ["exp"], "exp": NOW + 600}),
                  ("crit []", {"crit": []}),
                  ("crit \"exp\" (not an array)", {"crit": "exp"}),
                  ("crit with an unknown extension",
                   {"crit": ["https://example.com/ext"], "https://example.com/ext": 1}),
                  ("crit naming an absent member", {"crit": ["zz"]}),
                  ("crit [\"b64\"] with b64 false", {"crit": ["b64"], "b64": False}),
                  ("crit [\"b64\"] with b64 true", {"crit": ["b64"], "b64": True}),
                  ("b64 false without crit", {"b64": False})]:
    R("C6 %s" % label, tok(**hx), "unsupported_header")
h6 = header("RS256", "rsa1", b64=False, crit=["b64"])
raw_payload = seg(claims())      # base64url text used as the unencoded payload
si6 = seg(h6) + "." + raw_payload
R("C6 b64 false with a base64url-looking payload", si6 + "." + b64u(rs(rsa1)(si6.encode())),
  "unsupported_header")

# C7 zip (JWE only), nested JWTs (cty JWT); unknown non-critical header
# parameters are ignored.
for label, hx in [("zip DEF", {"zip": "DEF"}), ("zip empty", {"zip": ""}),
                  ("cty JWT", {"cty": "JWT"}), ("cty jwt", {"cty": "jwt"}),
                  ("cty application/jwt", {"cty": "application/jwt"}),
                  ("cty APPLICATION/JWT", {"cty": "APPLICATION/JWT"})]:
    R("C7 %s" % label, tok(**hx), "unsupported_header")
OK("C7 unknown non-critical header parameter ignored", tok(x_vendor="1", ver=2))
inner = tok()
R("C7 nested JWT payload with cty JWT", jws(header("RS256", "rsa1", cty="JWT"), inner,
                                            rs(rsa1)), "unsupported_header")

# ===========================================================================
# D. Claims and semantics
# ===========================================================================

# D1 iss: exact, case-sensitive, no normalisation. A signature failure is
# reported before any claim error (checklist G1).
for label, iss in [("trailing slash", ISS + "/"), ("upper-case host", ISS.upper()),
                   ("upper-case scheme", "HTTPS://idp.example.com"),
                   ("http scheme", "http://idp.example.com"), ("default port", ISS + ":443"),
                   ("other host", "https://evil.example.com"), ("prefix", ISS[:-1]),
                   ("suffix", ISS + ".evil.com"), ("path", ISS + "/realms/x"),
                   ("trailing space", ISS + " "), ("empty", "")]:
    R("D1 iss %s" % label, tok(payload=claims(iss=iss)), "wrong_issuer")
R("D1 iss missing", tok(payload=claims(drop=["iss"])), "missing_claim")
R("D1 iss number", tok(payload=claims(iss=1)), "bad_claim")
R("D1 iss array", tok(payload=claims(iss=[ISS])), "bad_claim")
R("D1 wrong iss and bad signature: signature wins",
  tok(payload=claims(iss="https://evil.example.com"), key=attacker_rsa), "bad_signature")
R("D1 expired and bad signature: signature wins",
  tok(payload=claims(exp=NOW - 9999), key=attacker_rsa), "bad_signature")

# D2 aud: required, string or array of strings, exact element match.
R("D2 aud absent", tok(payload=claims(drop=["aud"])), "no_audience")
R("D2 aud empty array", tok(payload=claims(aud=[])), "bad_claim")
R("D2 aud prefix of the audience", tok(payload=claims(aud=AUD[:-2])), "wrong_audience")
R("D2 aud with a suffix", tok(payload=claims(aud=AUD + "/extra")), "wrong_audience")
R("D2 aud other case", tok(payload=claims(aud=AUD.upper())), "wrong_audience")
R("D2 aud empty string", tok(payload=claims(aud="")), "wrong_audience")
R("D2 aud number", tok(payload=claims(aud=1)), "bad_claim")
R("D2 aud null", tok(payload=claims(aud=None)), "bad_claim")
R("D2 aud object", tok(payload=claims(aud={"a": AUD})), "bad_claim")
R("D2 aud array with a number and the audience", tok(payload=claims(aud=[1, AUD])),
  "bad_claim")
R("D2 aud array of other audiences", tok(payload=claims(aud=["a", "b"])), "wrong_audience")
R("D2 aud space-joined string", tok(payload=claims(aud=AUD + " other")), "wrong_audience")
OK("D2 aud array containing the audience", tok(payload=claims(aud=["other", AUD])))
OK("D2 aud with a second configured audience", tok(payload=claims(aud="api://second")),
   sets=["audience=%s, api://second" % AUD])
R("D2 aud Microsoft Graph app id", tok(payload=claims(aud=GRAPH_APP)), "graph_audience")
R("D2 aud https://graph.microsoft.com", tok(payload=claims(aud="https://graph.microsoft.com")),
  "graph_audience")
R("D2 aud array of Graph and another API",
  tok(payload=claims(aud=[GRAPH_APP, "api://x"])), "graph_audience")

# D2 / issue 11 item 2: without aud only accept_clients (chosen explicitly) binds a token to
# this service. Cognito's access tokens carry client_id and token_use "access", no aud and
# no typ; its ID tokens say token_use "id". Signed here by PyJWT.
def cognito(token_use="access", client="cognito-app", **kw):
    c = claims(drop=["aud"], client_id=client, token_use=token_use, username="alice",
               scope="mail/access")
    c.update(kw)
    if client is None:
        del c["client_id"]
    return jwt.encode(c, pem_private(rsa1), algorithm="RS256",
                      headers={"kid": "rsa1", "typ": None})


COG = ["accept_clients=cognito-app, mail-app"]
R("D2 Cognito access token, no accept_clients", cognito(), "no_audience")
R("D2 Cognito access token, azp alone does not bind", cognito(), "no_audience",
  sets=["azp=cognito-app"])
OK("D2 Cognito access token, client in accept_clients", cognito(), sets=COG)
R("D2 Cognito ID token (token_use id), client listed", cognito("id"), "wrong_typ", sets=COG)
R("D2 Cognito ID token (aud the app client, token_use id), client listed",
  cognito("id", aud="cognito-app"), "wrong_typ", sets=COG)
R("D2 Cognito access token of a client not listed", cognito(client="webapp"),
  "client_not_accepted", sets=COG)
R("D2 Cognito-shaped token without client_id", cognito(client=None), "client_not_accepted",
  sets=COG)
R("D2 aud of another service, client listed: aud wins", cognito(aud="api://calendar"),
  "wrong_audience", sets=COG)
R("D2 accept_clients and azp: client in both lists required", cognito(client="mail-app"),
  "wrong_azp", sets=COG + ["azp=cognito-app"])
R("D2 Cognito access token, expired", cognito(exp=NOW - 3600), "token_expired", sets=COG)

# D3 exp / nbf / iat: JSON numbers only; exp required; no int64 wrap.
for label, v in [("string", str(NOW + 600)), ("true", True), ("false", False),
                 ("null", None), ("object", {"t": NOW + 600}), ("array", [NOW + 600])]:
    R("D3 exp %s" % label, tok(payload=claims(exp=v)), "bad_claim")
R("D3 nbf string", tok(payload=claims(nbf=str(NOW - 10))), "bad_claim")
R("D3 iat string", tok(payload=claims(iat=str(NOW - 10))), "bad_claim")
R("D3 iat true", tok(payload=claims(iat=True)), "bad_claim")
R("D3 exp missing", tok(payload=claims(drop=["exp"])), "missing_claim")
OK("D3 exp INT64_MAX", tok(payload=claims(exp=2**63 - 1)))
R("D3 exp INT64_MIN", tok(payload=claims(exp=-2**63)), "token_expired")
R("D3 exp 0", tok(payload=claims(exp=0)), "token_expired")
R("D3 exp -1e300", tok(payload=claims(exp=-1e300)), "token_expired")
OK("D3 exp 1e300", tok(payload=claims(exp=1e300)))
R("D3 nbf INT64_MAX", tok(payload=claims(nbf=2**63 - 1)), "token_not_yet_valid")
OK("D3 nbf INT64_MIN", tok(payload=claims(nbf=-2**63)))
R("D3 iat INT64_MAX", tok(payload=claims(iat=2**63 - 1)), "issued_in_future")
OK("D3 iat INT64_MIN", tok(payload=claims(iat=-2**63)))
R("D3 expired an hour ago", tok(payload=claims(exp=NOW - 3600)), "token_expired")
R("D3 RFC 7515 A.1 era token (exp 2011)", tok(payload=claims(exp=1300819380)),
  "token_expired")
R("D3 nbf in the future", tok(payload=claims(nbf=NOW + 3600)), "token_not_yet_valid")
R("D3 iat in the future", tok(payload=claims(iat=NOW + 3600)), "issued_in_future")
OK("D3 nbf and iat absent", tok(payload=claims(drop=["nbf", "iat"])))
# leeway edges with the default leeway of 60 s: expired when exp <= now - 60
R("D3 exp = now - 61 (leeway 60)", tok(payload=claims(exp=NOW - 61)), "token_expired")
R("D3 exp = now - 60 (leeway 60)", tok(payload=claims(exp=NOW - 60)), "token_expired")
OK("D3 exp = now - 59 (leeway 60)", tok(payload=claims(exp=NOW - 59)))
R("D3 nbf = now + 61 (leeway 60)", tok(payload=claims(nbf=NOW + 61)), "token_not_yet_valid")
OK("D3 nbf = now + 60 (leeway 60)", tok(payload=claims(nbf=NOW + 60)))
R("D3 iat = now + 61 (leeway 60)", tok(payload=claims(iat=NOW + 61)), "issued_in_future")
OK("D3 iat = now + 60 (leeway 60)", tok(payload=claims(iat=NOW + 60)))
R("D3 --now INT64_MAX", tok(), "token_expired", now=2**63 - 1)
R("D3 --now INT64_MIN", tok(), "token_not_yet_valid", now=-2**63)

# D4 clock skew: one configurable leeway (default 60, at most 300) for
# exp, nbf and iat; the clock is pinned by --now.
L0 = ["leeway=0"]
R("D4 leeway 0: exp = now", tok(payload=claims(exp=NOW)), "token_expired", sets=L0)
OK("D4 leeway 0: exp = now + 1", tok(payload=claims(exp=NOW + 1)), sets=L0)
R("D4 leeway 0: nbf = now + 1", tok(payload=claims(nbf=NOW + 1)), "token_not_yet_valid",
  sets=L0)
OK("D4 leeway 0: nbf = now", tok(payload=claims(nbf=NOW)), sets=L0)
R("D4 leeway 0: iat = now + 1", tok(payload=claims(iat=NOW + 1)), "issued_in_future",
  sets=L0)
L300 = ["leeway=300"]
OK("D4 leeway 300: exp = now - 299", tok(payload=claims(exp=NOW - 299)), sets=L300)
R("D4 leeway 300: exp = now - 300", tok(payload=claims(exp=NOW - 300)), "token_expired",
  sets=L300)
OK("D4 leeway 300: nbf = now + 300", tok(payload=claims(nbf=NOW + 300)), sets=L300)
R("D4 leeway 300: nbf = now + 301", tok(payload=claims(nbf=NOW + 301)),
  "token_not_yet_valid", sets=L300)
check_config("D4 leeway 301 refused", ASYM, 2, sets=["leeway=301"])
check_config("D4 leeway -1 refused", ASYM, 2, sets=["leeway=-1"])
check_config("D4 leeway 1e2 refused", ASYM, 2, sets=["leeway=1e2"])
check_config("D4 leeway 300 accepted", ASYM, 0, sets=["leeway=300"])
d4 = tok(payload=claims(exp=NOW + 100))
OK("D4 same token valid before exp (--now)", d4, now=NOW + 100 + 59)
R("D4 same token expired after exp + leeway (--now)", d4, "token_expired", now=NOW + 160)

# D5 token types (RFC 8725 3.11, RFC 9068 2.1): other JWT profiles and
# ID tokens are refused; at+jwt and (by default) JWT / no typ accepted.
for typ in ["dpop+jwt", "logout+jwt", "secevent+jwt", "application/dpop+jwt",
            "application/logout+jwt", "id_token+jwt", "at+jwt ", "at+jwt;x=1", "at",
            "absent", "", "JOSE", "JWS", "application/at+jwt+x"]:
    R("D5 typ %r" % typ, tok(typ=typ), "wrong_typ")
for typ in ["at+jwt", "application/at+jwt", "AT+JWT", "Application/At+JWT", "JWT", "jwt"]:
    OK("D5 typ %r accepted" % typ, tok(typ=typ))
OK("D5 typ absent accepted by default", tok(typ=None))
R("D5 typ number", tok(typ=1), "malformed_token")
R("D5 typ JWT with accept_typ at+jwt", tok(typ="JWT"), "wrong_typ", sets=["accept_typ=at+jwt"])
R("D5 typ absent with accept_typ at+jwt", tok(typ=None), "wrong_typ",
  sets=["accept_typ=at+jwt"])
OK("D5 application/at+jwt with accept_typ at+jwt", tok(typ="application/at+jwt"),
   sets=["accept_typ=at+jwt"])
id_token = claims(aud="client-123", azp="client-123", nonce="n-0S6_WzA2Mj",
                  at_hash="77QmUPtjPfzWtF2AnpK9RQ", auth_time=NOW - 60, drop=["scope"])
R("D5 ID token for another audience", tok(typ="JWT", payload=id_token), "wrong_audience")
R("D5 ID token without typ", tok(typ=None, payload=id_token), "wrong_audience")
R("D5 logout token", tok(typ="logout+jwt", payload=claims(
    events={"http://schemas.openid.net/event/backchannel-logout": {}}, drop=["scope"])),
  "wrong_typ")
R("D5 DPoP proof with our iss and aud", tok(typ="dpop+jwt", payload=claims(
    htm="POST", htu="https://x", drop=["scope"])), "wrong_typ")

# D6 identity mapping (the PAM/SASL part): the user comes from a
# configured claim of the verified token; --user stands in for the PAM
# user / SASL authzid (the adapters' own tests cover a= and user=).
R("D6 token for alice, --user bob", tok(), "user_mismatch", user_arg="bob")
R("D6 token for alice, --user Alice", tok(), "user_mismatch", user_arg="Alice")
R("D6 token for alice, --user with a trailing space", tok(), "user_mismatch",
  user_arg="alice ")
R("D6 token for alice, --user empty", tok(), "user_mismatch", user_arg="")
OK("D6 token for alice, --user alice", tok(), user_arg="alice")
PU = ["username_claim=preferred_username"]
OK("D6 preferred_username Alice maps to Alice", tok(payload=claims(preferred_username="Alice")),
   user="Alice", sets=PU)
R("D6 preferred_username Alice, --user alice", tok(payload=claims(preferred_username="Alice")),
  "user_mismatch", sets=PU, user_arg="alice")
OK("D6 preferred_username Alice with lowercase map",
   tok(payload=claims(preferred_username="Alice")), user="alice",
   sets=PU + ["username_map=lowercase"])
R("D6 preferred_username absent, sub not a fallback", tok(), "no_username", sets=PU)
R("D6 preferred_username a number", tok(payload=claims(preferred_username=7)), "bad_claim",
  sets=PU)
EM = ["username_claim=email"]
R("D6 email with email_verified false", tok(payload=claims(email="alice@example.com",
                                                           email_verified=False)),
  "email_unverified", sets=EM)
R("D6 email with email_verified absent", tok(payload=claims(email="alice@example.com")),
  "email_unverified", sets=EM)
R("D6 email with email_verified \"true\"",
  tok(payload=claims(email="alice@example.com", email_verified="true")),
  "email_unverified", sets=EM)
R("D6 email with email_verified 1", tok(payload=claims(email="alice@example.com",
                                                       email_verified=1)),
  "email_unverified", sets=EM)
OK("D6 email with email_verified true", tok(payload=claims(email="alice@example.com",
                                                           email_verified=True)),
   user="alice@example.com", sets=EM)
OK("D6 email strip_domain", tok(payload=claims(email="alice@Example.com",
                                               email_verified=True)),
   user="alice", sets=EM + ["username_map=strip_domain:example.com"])
R("D6 email of another domain with strip_domain",
  tok(payload=claims(email="alice@evil.com", email_verified=True)), "bad_username",
  sets=EM + ["username_map=strip_domain:example.com"])
R("D6 email with two @ and strip_domain",
  tok(payload=claims(email="alice@evil.com@example.com", email_verified=True)),
  "bad_username", sets=EM + ["username_map=strip_domain:example.com"])
for label, sub in [("newline", "alice\nroot"), ("carriage return", "alice\r"),
                   ("escape sequence", "alice\x1b[31m"), ("BEL", "alice\x07"),
                   ("DEL", "alice\x7f"), ("C1 NEL", "alice\u0085"), ("tab", "ali\tce"),
                   ("empty", ""), ("257 bytes", "a" * 257)]:
    R("D6 sub %s" % label, tok(payload=claims(sub=sub)), "bad_username")
OK("D6 sub of 256 bytes", tok(payload=claims(sub="a" * 256)), user="a" * 256)
R("D6 sub a number", tok(payload=claims(sub=1234)), "bad_claim")
R("D6 sub missing", tok(payload=claims(drop=["sub"])), "no_username")
# map_file: an unlisted name is refused
mapf = t.write("users.map", "alice@example.com alice\n")
OK("D6 map_file maps a listed name",
   tok(payload=claims(email="alice@example.com", email_verified=True)), user="alice",
   sets=EM + ["username_map=map_file:%s" % mapf])
R("D6 map_file refuses an unlisted name",
  tok(payload=claims(email="bob@example.com", email_verified=True)), "bad_username",
  sets=EM + ["username_map=map_file:%s" % mapf])
# issue 11: a provider naming root (or root@ its own domain, stripped) gets
# system_user; keep_domain keeps the provider's domain in the local name.
R("D6 sub root is a system account", tok(payload=claims(sub="root")), "system_user")
R("D6 sub ROOT is a system account", tok(payload=claims(sub="ROOT")), "system_user")
R("D6 email root@example.com with strip_domain is a system account",
  tok(payload=claims(email="root@example.com", email_verified=True)), "system_user",
  sets=EM + ["username_map=strip_domain:example.com"])
OK("D6 allow_system_users lets root through when listed", tok(payload=claims(sub="root")),
   user="root", sets=["allow_system_users=root"])
OK("D6 email keep_domain keeps the domain",
   tok(payload=claims(email="Root@Example.com", email_verified=True)),
   user="root@example.com", sets=EM + ["username_map=lowercase, keep_domain:example.com"])
R("D6 email keep_domain refuses a name without the domain",
  tok(payload=claims(email="root", email_verified=True)), "bad_username",
  sets=EM + ["username_map=keep_domain:example.com"])

# D7 scopes: exact tokens of scope (space-separated) and scp (string or
# array), never substrings.
RS = ["required_scopes=mail.read"]
OK("D7 scope contains mail.read", tok(), sets=RS)
for label, sc in [("mail.readwrite", "openid mail.readwrite"), ("mail.read.all", "mail.read.all"),
                  ("Mail.Read", "Mail.Read"), ("comma-joined", "openid,mail.read"),
                  ("prefix", "mail"), ("empty", "")]:
    R("D7 scope %s only" % label, tok(payload=claims(scope=sc)), "insufficient_scope", sets=RS)
R("D7 scope missing", tok(payload=claims(drop=["scope"])), "insufficient_scope", sets=RS)
R("D7 scope a number", tok(payload=claims(scope=1)), "bad_claim", sets=RS)
OK("D7 scp array with mail.read", tok(payload=claims(scp=["mail.read"], drop=["scope"])),
   sets=RS)
R("D7 scp array with mail.readwrite", tok(payload=claims(scp=["mail.readwrite"],
                                                         drop=["scope"])),
  "insufficient_scope", sets=RS)
R("D7 scp array element with a space", tok(payload=claims(scp=["openid mail.read"],
                                                          drop=["scope"])),
  "insufficient_scope", sets=RS)
OK("D7 scp string with mail.read", tok(payload=claims(scp="User.Read mail.read",
                                                      drop=["scope"])), sets=RS)
R("D7 two required scopes, one granted", tok(), "insufficient_scope",
  sets=["required_scopes=mail.read mail.send"])
OK("D7 two required scopes, both granted", tok(payload=claims(scope="mail.send mail.read")),
   sets=["required_scopes=mail.read mail.send"])
RC = ["required_claims=roles=admin"]
OK("D7 required role present", tok(payload=claims(roles=["user", "admin"])), sets=RC)
R("D7 required role as substring", tok(payload=claims(roles=["administrator"])),
  "claim_policy", sets=RC)
R("D7 required role absent", tok(), "claim_policy", sets=RC)

# D8 replay and sender-constrained tokens: cnf-bound tokens are refused
# (no DPoP/mTLS check here). jti caching is optional and not done offline:
# the same token validates twice (documented behaviour).
R("D8 cnf jkt (DPoP-bound)", tok(payload=claims(cnf={"jkt": b64u(os.urandom(32))})),
  "token_bound")
R("D8 cnf x5t#S256 (mTLS-bound)", tok(payload=claims(cnf={"x5t#S256": b64u(os.urandom(32))})),
  "token_bound")
R("D8 cnf empty object", tok(payload=claims(cnf={})), "token_bound")
d8 = tok()
OK("D8 same token first use", d8)
OK("D8 same token second use (no replay cache offline)", d8)

# ===========================================================================
# E. Provider-specific traps
# ===========================================================================

# E1 Microsoft Graph tokens: the header carries a nonce and the signature
# covers the header with SHA-256(nonce) in its place, so only Graph can
# verify them; we must not "fix" that. A nonce header with a Graph aud is
# named graph_audience before the signature (whatever else the token says:
# it is only ever refused); a nonce header for any other aud still needs a
# signature that holds.
ENTRA_V1V2 = conf("entra-v1v2.conf", f"""
audience = {AUD}
[issuer v2]
issuer = https://login.microsoftonline.com/{uuid.uuid4()}/v2.0
jwks_file = {main_jwks}
username_namespace = one
[issuer other]
issuer = {ISS}
jwks_file = {main_jwks}
username_namespace = one
""")


def graph_token(aud=GRAPH_APP, key=rsa1, kid="rsa1", **kw):
    nonce = b64u(os.urandom(32))
    sent = {"typ": "JWT", "nonce": nonce, "alg": "RS256"}
    if kid is not None:
        sent["kid"] = kid
    signed = dict(sent, nonce=b64u(hashlib.sha256(nonce.encode()).digest()))
    p = claims(dict(dict(aud=aud, iss=ISS, scp="User.Read"), **kw), drop=["scope"])
    sig = rs(key)((seg(signed) + "." + seg(p)).encode())
    return seg(sent) + "." + seg(p) + "." + b64u(sig)


R("E1 Graph token with hashed-nonce signature", graph_token(), "graph_audience")
R("E1 Graph token, v1 aud https://graph.microsoft.com",
  graph_token(aud="https://graph.microsoft.com", iss="https://sts.windows.net/%s/" % uuid.uuid4()),
  "graph_audience")
R("E1 Graph token, aud array with Graph", graph_token(aud=["api://x", GRAPH_APP]),
  "graph_audience")
R("E1 Graph token of an unconfigured issuer (several issuers)",
  graph_token(iss="https://sts.windows.net/%s/" % uuid.uuid4()), "graph_audience", cfg=ENTRA_V1V2)
R("E1 Graph token signed by an attacker's key", graph_token(key=attacker_rsa), "graph_audience")
R("E1 Graph token expired long ago, unknown kid", graph_token(kid="nope", exp=1000),
  "graph_audience")
R("E1 Graph token naming our audience too: still refused",
  graph_token(aud=[GRAPH_APP, AUD]), "graph_audience")
R("E1 nonce-header token for our audience", graph_token(aud=AUD), "bad_signature")
R("E1 nonce-header token without kid", graph_token(aud=AUD, kid=None), "bad_signature",
  cfg=SINGLE)
R("E1 nonce-header Graph token without kid", graph_token(kid=None), "graph_audience",
  cfg=SINGLE)
R("E1 nonce-header token whose payload is not JSON",
  jws({"typ": "JWT", "nonce": "x", "alg": "RS256", "kid": "rsa1"}, "not json", rs(rsa1)),
  "malformed_token")
R("E1 Graph audience with a valid signature",
  tok(typ="JWT", payload=claims(aud=GRAPH_APP), nonce=b64u(os.urandom(32))),
  "graph_audience")
R("E1 Graph v1 audience with a valid signature",
  tok(typ="JWT", payload=claims(aud="https://graph.microsoft.com")), "graph_audience")

# E2 Entra multi-tenant issuer template: the token's tid is substituted
# into {tenantid}, must equal iss and be allow-listed; a key's "issuer"
# member must match; the literal template is never an issuer.
TA, TB, TC = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"


def entra_iss(tid):
    return TEMPLATE.replace("{tenantid}", tid)


entra_jwks = t.write("entra.jwks", jwks(
    jwk(entra_common, kid="common", issuer=TEMPLATE),
    jwk(entra_ta, kid="ta-only", issuer=entra_iss(TA))))
# the tenants share user names on purpose: E2 is about issuer checks
ENTRA = conf("entra.conf", f"""
audience = {AUD}
[issuer entra]
issuer = {TEMPLATE}
allowed_tenants = {TA}, {TB}
jwks_file = {entra_jwks}
username_namespace = checklist
""")


def entra_tok(iss, tid, kid="common", key=entra_common, **kw):
    extra = {"iss": iss}
    if tid is not None:
        extra["tid"] = tid
    return tok("ES256", kid, key=key, typ="JWT", payload=claims(extra, **kw))


OK("E2 allow-listed tenant A accepted", entra_tok(entra_iss(TA), TA), cfg=ENTRA,
   issuer="entra")
OK("E2 allow-listed tenant B accepted", entra_tok(entra_iss(TB), TB), cfg=ENTRA,
   issuer="entra")
R("E2 iss of tenant A with tid B", entra_tok(entra_iss(TA), TB), "tenant_not_allowed",
  cfg=ENTRA)
R("E2 tid not allow-listed", entra_tok(entra_iss(TC), TC), "tenant_not_allowed", cfg=ENTRA)
R("E2 tid missing", entra_tok(entra_iss(TA), None), "tenant_not_allowed", cfg=ENTRA)
R("E2 tid a number", entra_tok(entra_iss(TA), 1), "tenant_not_allowed", cfg=ENTRA)
R("E2 tenant id in upper case", entra_tok(entra_iss(TA.upper()), TA.upper()),
  "tenant_not_allowed", cfg=ENTRA)
R("E2 iss is the literal template", entra_tok(TEMPLATE, "{tenantid}"), "wrong_issuer",
  cfg=ENTRA)
R("E2 iss with an extra path segment", entra_tok(entra_iss(TA + "/x"), TA + "/x"),
  "wrong_issuer", cfg=ENTRA)
R("E2 iss with an empty tenant", entra_tok(entra_iss(""), ""), "wrong_issuer", cfg=ENTRA)
R("E2 v1.0 issuer form", entra_tok("https://sts.windows.net/%s/" % TA, TA), "wrong_issuer",
  cfg=ENTRA)
R("E2 key issuer member for tenant A, token of tenant B",
  entra_tok(entra_iss(TB), TB, kid="ta-only", key=entra_ta), "wrong_issuer", cfg=ENTRA)
OK("E2 key issuer member for tenant A, token of tenant A",
   entra_tok(entra_iss(TA), TA, kid="ta-only", key=entra_ta), cfg=ENTRA)
check_config("E2 template without allowed_tenants refused",
             conf("entra-noallow.conf", f"issuer = {TEMPLATE}\naudience = {AUD}\n"
                  f"jwks_file = {entra_jwks}"), 2)
check_config("E2 template issuer accepted with allowed_tenants", ENTRA, 0)
check_config("E2 two tenants with one username_map refused (each could take the other's names)",
             conf("entra-names.conf", f"audience = {AUD}\n[issuer entra]\nissuer = {TEMPLATE}\n"
                  f"allowed_tenants = {TA}, {TB}\njwks_file = {entra_jwks}\n"
                  f"username_map = strip_domain:example.com"), 2)

# E3 several issuers: the token's iss only selects a section; only that
# section's keys verify. Google's bare "accounts.google.com" is not the
# configured https issuer (and cannot be configured: issuers are URLs); it
# is accepted only through issuer_aliases, which takes nothing but the
# issuer without its https:// scheme.
a_jwks = t.write("a.jwks", jwks(jwk(rsa1, kid="a1")))
b_jwks = t.write("b.jwks", jwks(jwk(rsa_b, kid="b1")))
g_jwks = t.write("g.jwks", jwks(jwk(google_ec, kid="g1")))
ISS_A, ISS_B, ISS_G = "https://a.example.com", "https://b.example.com", \
    "https://accounts.google.com"
# names shared on purpose: E3 is about which section's keys verify
TWO = conf("two.conf", f"""
audience = {AUD}
[issuer idpA]
issuer = {ISS_A}
jwks_file = {a_jwks}
username_namespace = checklist
[issuer idpB]
issuer = {ISS_B}
jwks_file = {b_jwks}
username_namespace = checklist
[issuer google]
issuer = {ISS_G}
jwks_file = {g_jwks}
username_namespace = checklist
""")
OK("E3 issuer A token with A's key", tok("RS256", "a1", key=rsa1, payload=claims(iss=ISS_A)),
   cfg=TWO, issuer="idpA")
OK("E3 issuer B token with B's key", tok("RS256", "b1", key=rsa_b, payload=claims(iss=ISS_B)),
   cfg=TWO, issuer="idpB")
R("E3 issuer A token signed with B's key and kid", tok("RS256", "b1", key=rsa_b,
                                                       payload=claims(iss=ISS_A)),
  "unknown_kid", cfg=TWO)
R("E3 issuer A token signed with B's key under A's kid",
  tok("RS256", "a1", key=rsa_b, payload=claims(iss=ISS_A)), "bad_signature", cfg=TWO)
R("E3 issuer A token signed with B's key, no kid",
  tok("RS256", None, key=rsa_b, payload=claims(iss=ISS_A)), "bad_signature", cfg=TWO)
R("E3 issuer B token signed with A's key under B's kid",
  tok("RS256", "b1", key=rsa1, payload=claims(iss=ISS_B)), "bad_signature", cfg=TWO)
R("E3 unconfigured issuer", tok("RS256", "a1", key=rsa1, payload=claims(iss=ISS)),
  "wrong_issuer", cfg=TWO)
R("E3 iss missing with several issuers", tok("RS256", "a1", key=rsa1,
                                             payload=claims(drop=["iss"])),
  "missing_claim", cfg=TWO)
R("E3 iss not a string with several issuers", tok("RS256", "a1", key=rsa1,
                                                  payload=claims(iss=[ISS_A])),
  "bad_claim", cfg=TWO)
OK("E3 Google https issuer accepted", tok("ES256", "g1", key=google_ec,
                                         payload=claims(iss=ISS_G)), cfg=TWO, issuer="google")
R("E3 Google bare issuer not accepted", tok("ES256", "g1", key=google_ec,
                                           payload=claims(iss="accounts.google.com")),
  "wrong_issuer", cfg=TWO)
TWO_ALIAS = conf("two-alias.conf", open(TWO).read().replace(
    f"issuer = {ISS_G}\n", f"issuer = {ISS_G}\nissuer_aliases = accounts.google.com\n"))
OK("E3 Google bare issuer accepted with issuer_aliases",
   tok("ES256", "g1", key=google_ec, payload=claims(iss="accounts.google.com")),
   cfg=TWO_ALIAS, issuer="google")
OK("E3 Google https issuer still accepted with issuer_aliases",
   tok("ES256", "g1", key=google_ec, payload=claims(iss=ISS_G)), cfg=TWO_ALIAS, issuer="google")
for bad in ["http://accounts.google.com", "accounts.google.com/", "ACCOUNTS.GOOGLE.COM",
            "https://accounts.google.com/", "a.example.com"]:
    R("E3 Google alias look-alike %r" % bad,
      tok("ES256", "g1", key=google_ec, payload=claims(iss=bad)), "wrong_issuer", cfg=TWO_ALIAS)
R("E3 Google alias: issuer A's key does not verify it",
  tok("RS256", "a1", key=rsa1, payload=claims(iss="accounts.google.com")), "unknown_kid",
  cfg=TWO_ALIAS)
R("E3 Google alias on one issuer only: single config",
  tok("ES256", "g1", key=google_ec, payload=claims(iss="a.example.com")), "wrong_issuer",
  cfg=conf("g-alias.conf", f"issuer = {ISS_G}\nissuer_aliases = accounts.google.com\n"
           f"audience = {AUD}\njwks_file = {g_jwks}"))
for name, alias, iss in [
        ("another host", "a.example.com", ISS_G),
        ("with a scheme", "http://accounts.google.com", ISS_G),
        ("another issuer of the file", ISS_A, ISS_G),
        ("trailing slash", "accounts.google.com/", ISS_G),
        ("on a template issuer", "login.microsoftonline.com/{tenantid}/v2.0",
         "https://login.microsoftonline.com/{tenantid}/v2.0")]:
    check_config("E3 issuer_aliases %s refused" % name,
                 conf("alias-bad.conf", f"issuer = {iss}\nissuer_aliases = {alias}\n"
                      f"audience = {AUD}\njwks_file = {g_jwks}\nallowed_tenants = {TA}"
                      if "{tenantid}" in iss else
                      f"issuer = {iss}\nissuer_aliases = {alias}\n"
                      f"audience = {AUD}\njwks_file = {g_jwks}"), 2)
check_config("E3 bare accounts.google.com refused as issuer",
             conf("google-bare.conf", f"issuer = accounts.google.com\naudience = {AUD}\n"
                  f"jwks_file = {g_jwks}"), 2)
check_config("E3 two sections that can produce the same names refused",
             conf("samenames.conf", f"audience = {AUD}\n[issuer x]\nissuer = {ISS_A}\n"
                  f"jwks_file = {a_jwks}\n[issuer y]\nissuer = {ISS_B}\n"
                  f"jwks_file = {b_jwks}"), 2)
check_config("E3 two sections kept apart by keep_domain accepted",
             conf("apart.conf", f"audience = {AUD}\n[issuer x]\nissuer = {ISS_A}\n"
                  f"jwks_file = {a_jwks}\nusername_map = strip_domain:a.example\n"
                  f"[issuer y]\nissuer = {ISS_B}\njwks_file = {b_jwks}\n"
                  f"username_map = keep_domain:b.example"), 0)
check_config("E3 two sections with the same issuer refused",
             conf("same.conf", f"audience = {AUD}\n[issuer x]\nissuer = {ISS_A}\n"
                  f"jwks_file = {a_jwks}\n[issuer y]\nissuer = {ISS_A}\n"
                  f"jwks_file = {b_jwks}"), 2)
check_config("E3 a template overlapping a plain issuer refused",
             conf("overlap.conf", f"audience = {AUD}\n[issuer x]\n"
                  f"issuer = https://login.microsoftonline.com/{TA}/v2.0\n"
                  f"jwks_file = {a_jwks}\n[issuer y]\nissuer = {TEMPLATE}\n"
                  f"allowed_tenants = {TA}\njwks_file = {entra_jwks}"), 2)

# ---------------------------------------------------------------------------
# ID tokens presented as bearer tokens (issue 3, OIDC Core 3.1.3.7): only with
# accept_id_tokens = yes; aud must name client_id, azp rules, iat required, never
# typ at+jwt. An access token for a configured audience stays an access token.
# ---------------------------------------------------------------------------
CID = "client-1"
IDT = ["accept_id_tokens=yes", "client_id=" + CID]


def idt(typ="JWT", **kw):
    kw.setdefault("aud", CID)
    return tok(typ=typ, payload=claims(drop=["scope"], nonce="n-1", **kw))


OK("ID1 ID token (aud = client_id, typ JWT) accepted", idt(), sets=IDT)
OK("ID1 ID token without typ accepted", idt(typ=None), sets=IDT)
R("ID1 ID token refused without accept_id_tokens", idt(), "wrong_audience")
R("ID1 ID token refused when accept_id_tokens = no", idt(), "wrong_audience",
  sets=["accept_id_tokens=no", "client_id=" + CID])
R("ID2 ID token for another client", idt(aud="client-2"), "wrong_audience", sets=IDT)
R("ID2 at+jwt with aud = client_id is not an ID token", idt(typ="at+jwt"),
  "wrong_audience", sets=IDT)
R("ID2 ID token with typ other than JWT", idt(typ="id+jwt"), "wrong_typ", sets=IDT)
OK("ID3 several audiences with azp = client_id", idt(aud=[CID, "other"], azp=CID),
   sets=IDT)
R("ID3 several audiences without azp", idt(aud=[CID, "other"]), "wrong_azp", sets=IDT)
R("ID3 azp of another client", idt(azp="client-2"), "wrong_azp", sets=IDT)
R("ID3 azp not a string", idt(azp=[CID]), "bad_claim", sets=IDT)
R("ID4 ID token without iat", tok(typ="JWT", payload=claims(drop=["scope", "iat"], aud=CID)),
  "missing_claim", sets=IDT)
R("ID4 expired ID token", idt(exp=NOW - 3600), "token_expired", sets=IDT)
R("ID4 ID token with a bad signature", resign(idt(), bytes(256)), "bad_signature", sets=IDT)
R("ID4 ID token of another issuer", idt(iss="https://evil.example"), "wrong_issuer", sets=IDT)
R("ID5 required_scopes still apply to ID tokens (they carry none)", idt(),
  "insufficient_scope", sets=IDT + ["required_scopes=mail.read"])
R("ID5 required_claims apply to ID tokens", idt(), "claim_policy",
  sets=IDT + ["required_claims=amr=mfa"])
OK("ID5 required_claims met by the ID token", idt(amr=["pwd", "mfa"]),
   sets=IDT + ["required_claims=amr=mfa"])
OK("ID6 access token for the configured audience keeps the access-token rules",
   tok(typ="JWT", payload=claims(aud=[AUD, CID], azp="some-app")), sets=IDT)
R("ID6 access-token azp list does not apply to ID tokens, client_id does",
  idt(azp="app-x"), "wrong_azp", sets=IDT + ["azp=app-x"])
check_config("ID7 accept_id_tokens without client_id refused", MAIN, 2,
             sets=["accept_id_tokens=yes"])

t.done()
