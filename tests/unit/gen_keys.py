#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Keys and tokens for tests/unit/test_jwk.c and test_jws.c, made at run time
by independent tools (python3-cryptography, python3-jwt), never by our code.

Usage: /usr/bin/python3 tests/unit/gen_keys.py jwk|jws
Prints one JSON object on stdout; the C tests parse it with jansson.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys

import jwt  # python3-jwt (PyJWT), an independent JWS implementation
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, ed448, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HASHES = {256: hashes.SHA256, 384: hashes.SHA384, 512: hashes.SHA512}
HASHLIB = {256: hashlib.sha256, 384: hashlib.sha384, 512: hashlib.sha512}
CURVES = {256: (ec.SECP256R1, "P-256", 32), 384: (ec.SECP384R1, "P-384", 48),
          521: (ec.SECP521R1, "P-521", 66)}
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ED25519_L = 2**252 + 27742317777372353535851937790883648493


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(i, size=None):
    if size is None:
        size = max(1, (i.bit_length() + 7) // 8)
    return i.to_bytes(size, "big")


def rsa_jwk(pub, **extra):
    nums = pub.public_numbers()
    return dict({"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(nums.e))}, **extra)


def ec_jwk(pub, bits, **extra):
    _, crv, size = CURVES[bits]
    nums = pub.public_numbers()
    return dict({"kty": "EC", "crv": crv, "x": b64u(uint(nums.x, size)),
                 "y": b64u(uint(nums.y, size))}, **extra)


def raw_pub(pub):
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def okp_jwk(pub, crv, **extra):
    return dict({"kty": "OKP", "crv": crv, "x": b64u(raw_pub(pub))}, **extra)


def pem(pub):
    return pub.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def enc(part):
    """A header or payload: str used verbatim, dict as compact JSON."""
    if isinstance(part, (bytes, bytearray)):
        return b64u(bytes(part))
    if not isinstance(part, str):
        part = json.dumps(part, separators=(",", ":"))
    return b64u(part.encode())


def jws(header, payload, signer):
    si = enc(header) + "." + enc(payload)
    return si + "." + b64u(signer(si.encode()))


def rs(key, bits):
    return lambda m: key.sign(m, padding.PKCS1v15(), HASHES[bits]())


def ps(key, bits, salt=None, mgf_hash=None):
    h = HASHES[bits]()
    mgf = padding.MGF1(mgf_hash() if mgf_hash else HASHES[bits]())
    return lambda m: key.sign(m, padding.PSS(mgf, h.digest_size if salt is None else salt), h)


def es_rs(key, bits, hbits):
    size = CURVES[bits][2]

    def sign(m):
        r, s = decode_dss_signature(key.sign(m, ec.ECDSA(HASHES[hbits]())))
        return uint(r, size) + uint(s, size)
    return sign


def hs(secret, bits):
    return lambda m: hmac.new(secret, m, HASHLIB[bits]).digest()


def gen_rsa(bits):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def odd_number(bits):
    return secrets.randbits(bits) | (1 << (bits - 1)) | 1


def roca_like_modulus(bits):
    """n = 65537^a mod M + k*M, M the product of the primes 3..167: n mod r
    is in <65537> mod r for every such r (the ROCA fingerprint)."""
    primes = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
              79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157,
              163, 167]
    m = 1
    for p in primes:
        m *= p
    while True:
        n = pow(65537, secrets.randbelow(2**32), m) + secrets.randbits(bits - m.bit_length()) * m
        if n.bit_length() == bits and n & 1:
            return n


def mode_jwk():
    out = {}
    for bits in (1024, 2048, 3072, 4096):
        out["rsa%d" % bits] = rsa_jwk(gen_rsa(bits).public_key())
    rsa_e3 = rsa.generate_private_key(public_exponent=3, key_size=2048)
    out["rsa_e3"] = rsa_jwk(rsa_e3.public_key())
    e = b64u(uint(65537))
    out["rsa_fake_8192"] = {"kty": "RSA", "n": b64u(uint(odd_number(8192))), "e": e}
    out["rsa_fake_8200"] = {"kty": "RSA", "n": b64u(uint(odd_number(8200))), "e": e}
    out["rsa_fake_2047"] = {"kty": "RSA", "n": b64u(uint(odd_number(2047))), "e": e}
    out["rsa_roca"] = {"kty": "RSA", "n": b64u(uint(roca_like_modulus(2048))), "e": e}
    out["rsa_random_n"] = {"kty": "RSA", "n": b64u(uint(odd_number(2048))), "e": e}
    for bits in (256, 384, 521):
        key = ec.generate_private_key(CURVES[bits][0]())
        jwk = ec_jwk(key.public_key(), bits)
        out["ec%d" % bits] = jwk
        nums = key.public_key().public_numbers()
        size = CURVES[bits][2]
        out["ec%d_offcurve" % bits] = dict(jwk, y=b64u(uint(nums.y ^ 1, size)))
    nums = gen_rsa(2048).public_key().public_numbers()
    out["rsa_even_n"] = {"kty": "RSA", "n": b64u(uint(nums.n ^ 1)), "e": e}
    out["rsa_n_leading_zero"] = {"kty": "RSA", "n": b64u(b"\0" + uint(nums.n)), "e": e}
    out["rsa_e_1"] = {"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(1))}
    out["rsa_e_2"] = {"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(2))}
    out["rsa_e_65bits"] = {"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(2**64 + 1))}
    out["rsa_e_64bits"] = {"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(2**63 + 1))}
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    nums = key.public_numbers()
    out["ec256_short_x"] = dict(ec_jwk(key, 256), x=b64u(uint(nums.x, 32)[1:]))
    out["ec256_long_x"] = dict(ec_jwk(key, 256), x=b64u(b"\0" + uint(nums.x, 32)))
    out["ec256_compressed"] = dict(ec_jwk(key, 256), x=b64u(key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)))
    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    out["ed25519"] = okp_jwk(ed, "Ed25519")
    out["ed25519_short_x"] = dict(okp_jwk(ed, "Ed25519"), x=b64u(raw_pub(ed)[:31]))
    out["x25519"] = okp_jwk(x25519.X25519PrivateKey.generate().public_key(), "X25519")
    out["ed448"] = okp_jwk(ed448.Ed448PrivateKey.generate().public_key(), "Ed448")
    return out


def mode_jws():
    rsa1, rsa2, attacker = gen_rsa(2048), gen_rsa(2048), gen_rsa(2048)
    eck = {bits: ec.generate_private_key(CURVES[bits][0]()) for bits in (256, 384, 521)}
    ed = ed25519.Ed25519PrivateKey.generate()
    hs_secret = {256: os.urandom(32), 384: os.urandom(48), 512: os.urandom(64)}
    keys = [rsa_jwk(rsa1.public_key(), kid="rsa1", use="sig"),
            rsa_jwk(rsa2.public_key(), kid="rsa_pinned", alg="RS256"),
            ec_jwk(eck[256].public_key(), 256, kid="ec256", key_ops=["verify"]),
            ec_jwk(eck[384].public_key(), 384, kid="ec384"),
            ec_jwk(eck[521].public_key(), 521, kid="ec521"),
            okp_jwk(ed.public_key(), "Ed25519", kid="ed1")]
    payload = {"iss": "https://idp.example", "sub": "alice", "aud": "svc", "exp": 4102444800}
    t = {}

    def add(name, header, signer, body=payload):
        t[name] = jws(header, body, signer)

    signers = {}
    for bits in (256, 384, 512):
        signers["RS%d" % bits] = ("rsa1", rs(rsa1, bits))
        signers["PS%d" % bits] = ("rsa1", ps(rsa1, bits))
        signers["HS%d" % bits] = ("hs%d" % bits, hs(hs_secret[bits], bits))
    signers["ES256"] = ("ec256", es_rs(eck[256], 256, 256))
    signers["ES384"] = ("ec384", es_rs(eck[384], 384, 384))
    signers["ES512"] = ("ec521", es_rs(eck[521], 521, 512))
    signers["EdDSA"] = ("ed1", ed.sign)
    for alg, (kid, signer) in signers.items():
        add("valid_" + alg, {"alg": alg, "kid": kid, "typ": "at+jwt"}, signer)

    # The same kinds of token from PyJWT, a second independent producer.
    t["pyjwt_RS256"] = jwt.encode(payload, rsa1, "RS256", headers={"kid": "rsa1"})
    t["pyjwt_PS384"] = jwt.encode(payload, rsa1, "PS384", headers={"kid": "rsa1"})
    t["pyjwt_ES256"] = jwt.encode(payload, eck[256], "ES256", headers={"kid": "ec256"})
    t["pyjwt_ES512"] = jwt.encode(payload, eck[521], "ES512", headers={"kid": "ec521"})
    t["pyjwt_EdDSA"] = jwt.encode(payload, ed, "EdDSA", headers={"kid": "ed1"})
    t["pyjwt_HS256"] = jwt.encode(payload, hs_secret[256], "HS256", headers={"kid": "hs256"})

    r256 = signers["RS256"][1]
    h = {"alg": "RS256", "kid": "rsa1"}
    # Structure and signature tampering.
    good = t["valid_RS256"]
    hb, pb, sb = good.split(".")
    t["tampered_payload"] = hb + "." + enc(dict(payload, sub="root")) + "." + sb
    sig = bytearray(base64.urlsafe_b64decode(sb + "=="))
    sig[17] ^= 1
    t["tampered_sig"] = hb + "." + pb + "." + b64u(bytes(sig))
    t["rs256_sig_255"] = hb + "." + pb + "." + b64u(bytes(sig[1:]))
    t["rs256_as_rs384"] = jws({"alg": "RS384", "kid": "rsa1"}, payload, r256)
    t["empty_payload"] = jws(h, "", r256)
    t["big_payload"] = jws(h, dict(payload, groups=["g%04d" % i for i in range(900)]), r256)
    t["no_kid_rs256"] = jws({"alg": "RS256"}, payload, r256)
    t["no_kid_rs384"] = jws({"alg": "RS384"}, payload, rs(rsa1, 384))
    t["no_kid_eddsa"] = jws({"alg": "EdDSA"}, payload, ed.sign)
    t["unknown_kid"] = jws({"alg": "RS256", "kid": "rotated-away"}, payload, r256)
    t["pinned_ps256"] = jws({"alg": "PS256", "kid": "rsa_pinned"}, payload, ps(rsa2, 256))
    t["pinned_rs256"] = jws({"alg": "RS256", "kid": "rsa_pinned"}, payload, rs(rsa2, 256))
    t["es256_on_p384_kid"] = jws({"alg": "ES256", "kid": "ec384"}, payload,
                                 es_rs(eck[256], 256, 256))
    # A1: alg none in its spellings, with and without a signature.
    for spelling in ("none", "None", "NONE", "nOnE"):
        t["none_" + spelling] = enc({"alg": spelling}) + "." + enc(payload) + "."
    t["none_with_sig"] = enc({"alg": "none", "kid": "rsa1"}) + "." + pb + "." + sb
    t["none_no_dot"] = enc({"alg": "none"}) + "." + enc(payload)
    t["alg_lowercase"] = jws({"alg": "rs256", "kid": "rsa1"}, payload, r256)
    t["alg_missing"] = jws({"kid": "rsa1"}, payload, r256)
    t["alg_number"] = jws({"alg": 256, "kid": "rsa1"}, payload, r256)
    t["alg_rsa_oaep"] = jws({"alg": "RSA-OAEP", "kid": "rsa1"}, payload, r256)
    t["dup_alg"] = jws('{"alg":"none","alg":"RS256","kid":"rsa1"}', payload, r256)
    # A2: the public key bytes as an HMAC secret.
    for name, pub in (("rsa", rsa1.public_key()), ("ec", eck[256].public_key())):
        p = pem(pub)
        kid = "rsa1" if name == "rsa" else "ec256"
        t["confusion_%s_pem" % name] = jws({"alg": "HS256", "kid": kid}, payload, hs(p, 256))
        t["confusion_%s_pem_nokid" % name] = jws({"alg": "HS256"}, payload,
                                                  hs(p.rstrip(b"\n"), 256))
    # Header features we refuse or ignore.
    add("crit", dict(h, crit=["exp"], exp=1), r256)
    add("crit_b64", dict(h, b64=False, crit=["b64"]), r256)
    add("b64_false", dict(h, b64=False), r256)
    add("b64_true", dict(h, b64=True), r256)
    add("zip", dict(h, zip="DEF"), r256)
    add("cty_JWT", dict(h, cty="JWT"), r256)
    add("cty_jwt", dict(h, cty="jwt"), r256)
    add("cty_app_jwt", dict(h, cty="application/JWT"), r256)
    add("cty_text", dict(h, cty="text/plain"), r256)
    add("cty_number", dict(h, cty=7), r256)
    add("typ_number", dict(h, typ=1), r256)
    add("kid_number", {"alg": "RS256", "kid": 5}, r256)
    add("kid_256", {"alg": "RS256", "kid": "k" * 256}, r256)
    add("kid_257", {"alg": "RS256", "kid": "k" * 257}, r256)
    add("kid_20k", {"alg": "RS256", "kid": "k" * 20000}, r256)
    add("kid_traversal", {"alg": "HS256", "kid": "../../../../dev/null"}, hs(b"", 256))
    add("kid_sqli", {"alg": "HS256", "kid": "x' UNION SELECT 'secret'--"}, hs(b"secret", 256))
    add("jku_x5u_x5c_ignored", dict(h, jku="https://attacker.example/jwks",
                                    x5u="https://attacker.example/cert",
                                    x5c=["MIIBattacker"]), r256)
    attacker_jwk = rsa_jwk(attacker.public_key(), kid="rsa1")
    add("embedded_jwk", {"alg": "RS256", "kid": "rsa1", "jwk": attacker_jwk}, rs(attacker, 256))
    add("embedded_jwk_nokid", {"alg": "RS256", "jwk": attacker_jwk}, rs(attacker, 256))
    add("header_ws", '{ "alg" : "RS256" ,\r\n "kid" : "rsa1" }', r256)
    # B1/B2: ECDSA encodings.
    hb2, pb2, sb2 = t["valid_ES256"].split(".")
    rs_sig = base64.urlsafe_b64decode(sb2 + "==")
    r = int.from_bytes(rs_sig[:32], "big")
    s = int.from_bytes(rs_sig[32:], "big")
    si = (hb2 + "." + pb2).encode()
    t["es256_der"] = hb2 + "." + pb2 + "." + b64u(eck[256].sign(si, ec.ECDSA(hashes.SHA256())))
    t["es256_63"] = hb2 + "." + pb2 + "." + b64u(rs_sig[:63])
    t["es256_65"] = hb2 + "." + pb2 + "." + b64u(rs_sig + b"\0")
    t["es256_65_lead0"] = hb2 + "." + pb2 + "." + b64u(b"\0" + rs_sig)
    t["es256_zero"] = hb2 + "." + pb2 + "." + b64u(bytes(64))
    t["es256_r_s_n"] = hb2 + "." + pb2 + "." + b64u(uint(P256_N, 32) * 2)
    t["es256_high_s"] = hb2 + "." + pb2 + "." + b64u(uint(r, 32) + uint(P256_N - s, 32))
    t["es256_swapped"] = hb2 + "." + pb2 + "." + b64u(uint(s, 32) + uint(r, 32))
    # C1: non-canonical base64url in the signature (64 bytes: 4 spare bits).
    last = sb2[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    t["sig_trailing_bits"] = hb2 + "." + pb2 + "." + sb2[:-1] + alphabet[alphabet.index(last) | 1]
    t["sig_padding"] = t["valid_ES256"] + "=="
    t["sig_plus"] = hb2 + "." + pb2 + "." + sb2.replace("-", "+").replace("_", "/") \
        if ("-" in sb2 or "_" in sb2) else hb2 + "." + pb2 + ".+" + sb2[1:]
    t["sig_space"] = hb2 + "." + pb2 + "." + sb2[:10] + " " + sb2[10:]
    t["header_len_mod4_1"] = hb2 + "A." + pb2 + "." + sb2
    # B7: Ed25519 with S + L (non-canonical S).
    hb3, pb3, sb3 = t["valid_EdDSA"].split(".")
    ed_sig = base64.urlsafe_b64decode(sb3 + "==")
    s_big = int.from_bytes(ed_sig[32:], "little") + ED25519_L
    t["eddsa_s_plus_l"] = hb3 + "." + pb3 + "." + b64u(ed_sig[:32] + s_big.to_bytes(32, "little"))
    t["eddsa_63"] = hb3 + "." + pb3 + "." + b64u(ed_sig[:63])
    # B6: PSS parameters other than RFC 7518 3.5.
    add("ps256_salt0", {"alg": "PS256", "kid": "rsa1"}, ps(rsa1, 256, salt=0))
    add("ps256_salt20", {"alg": "PS256", "kid": "rsa1"}, ps(rsa1, 256, salt=20))
    add("ps256_salt_max", {"alg": "PS256", "kid": "rsa1"},
        ps(rsa1, 256, salt=padding.PSS.MAX_LENGTH))
    add("ps256_mgf_sha1", {"alg": "PS256", "kid": "rsa1"}, ps(rsa1, 256, mgf_hash=hashes.SHA1))
    add("ps256_as_rs256", {"alg": "RS256", "kid": "rsa1"}, ps(rsa1, 256))
    # B8: truncated HMAC tag.
    hb4, pb4, sb4 = t["valid_HS256"].split(".")
    tag = base64.urlsafe_b64decode(sb4 + "==")
    t["hs256_truncated"] = hb4 + "." + pb4 + "." + b64u(tag[:16])
    t["hs256_wrong_secret"] = jws({"alg": "HS256", "kid": "hs256"}, payload,
                                  hs(os.urandom(32), 256))
    return {"jwks": {"keys": keys}, "tokens": t, "payload": payload,
            "hs_secrets": {str(b): hs_secret[b].hex() for b in hs_secret}}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "jwk":
        out = mode_jwk()
    elif mode == "jws":
        out = mode_jws()
    else:
        sys.exit("usage: gen_keys.py jwk|jws")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
