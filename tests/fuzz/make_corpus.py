#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the libFuzzer harnesses (tests/fuzz/corpus/).

Run with Debian's interpreter (it has python3-cryptography):

    /usr/bin/python3 tests/fuzz/make_corpus.py

The output is deterministic (RSA PKCS#1 v1.5 and Ed25519 are; ECDSA uses a
nonce derived from the key and the message; PSS uses a salt derived the same
way), so re-running it only changes files when this script changes. Every
signed seed is built here, with Python, never with the core under test.

The fixed test keys below are public test material: fuzz_jws.c holds their
public halves (and the HMAC secret); this script checks that both agree.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---- fixed test keys (never use outside the fuzz corpus) -------------------
RSA_P = int(
    "c2512ecc100a63878fe846e8201fbc64620b94a38bc1f5a8bcc1fa413dbaa044f1914a98ac34"
    "668266abe3439250bb485fcd4a30d2a62dbf37acc4c8d58aeb208b7feeec4ca1866159073e74"
    "a14ca8f715fefeef4db5ab7e2c85ea2cdb188658d375af3eecfa317d3dd25989fec71d2a31cc"
    "58ca89f9074dbe2951ed0dd1b8bf", 16)
RSA_Q = int(
    "bbcafe3dedfc36cd05eb2778c1941b0316cd66ac3009970b41b40fdc8a235fed95ae38f233e7"
    "c58b1064a07db293730c99505ae4ec66022d58d3a803687c5108570bfcc28041c0096ef90749"
    "9951747ee6abb41c5afe7648e998b59674a9b1998396f7fa80e062830eb3a4ca83ffabd10233"
    "18051b9c5d7a8ad40b3fb8e5d66d", 16)
EC_D = 0x765D5A7014B5EFC6574B5472B1C576FCE5D8640A107D420283EC12D3A009FBD1
ED_SEED = bytes.fromhex("23ab407b968ed37fa421815aa8561636f5b4bdd8e614edcd1a1354da5792a9ed")
HMAC_SECRET = b"oidc-auth fuzz harness HMAC secret: 64 bytes, for fuzzing only!!"
assert len(HMAC_SECRET) == 64

P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
          0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
P256_A = P256_P - 3


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def rsa_key():
    e = 65537
    n = RSA_P * RSA_Q
    phi = (RSA_P - 1) * (RSA_Q - 1)
    d = pow(e, -1, phi)
    pub = rsa.RSAPublicNumbers(e, n)
    priv = rsa.RSAPrivateNumbers(RSA_P, RSA_Q, d, d % (RSA_P - 1), d % (RSA_Q - 1),
                                 pow(RSA_Q, -1, RSA_P), pub)
    return priv.private_key()


RSA_KEY = rsa_key()
EC_KEY = ec.derive_private_key(EC_D, ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(ED_SEED)


def rsa_jwk(kid="fz-rsa"):
    n = RSA_KEY.public_key().public_numbers().n
    return {"kty": "RSA", "kid": kid, "use": "sig", "n": b64u(n.to_bytes(256, "big")),
            "e": "AQAB"}


def ec_jwk(kid="fz-ec"):
    pn = EC_KEY.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": b64u(pn.x.to_bytes(32, "big")), "y": b64u(pn.y.to_bytes(32, "big"))}


def ed_jwk(kid="fz-ed"):
    raw = ED_KEY.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    return {"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64u(raw)}


# ---- deterministic signers ---------------------------------------------------
def _ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and (p1[1] + p2[1]) % P256_P == 0:
        return None
    if p1 == p2:
        lam = (3 * p1[0] * p1[0] + P256_A) * pow(2 * p1[1], -1, P256_P)
    else:
        lam = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, P256_P)
    x = (lam * lam - p1[0] - p2[0]) % P256_P
    return (x, (lam * (p1[0] - x) - p1[1]) % P256_P)


def _ec_mul(k, pt):
    acc = None
    while k:
        if k & 1:
            acc = _ec_add(acc, pt)
        pt = _ec_add(pt, pt)
        k >>= 1
    return acc


def es256_rs(msg):
    """(r, s) with a nonce derived from the key and message (cf. RFC 6979)."""
    z = int.from_bytes(hashlib.sha256(msg).digest(), "big")
    k = int.from_bytes(hmac.new(EC_D.to_bytes(32, "big"), msg, hashlib.sha512).digest(),
                       "big") % (P256_N - 1) + 1
    r = _ec_mul(k, P256_G)[0] % P256_N
    s = pow(k, -1, P256_N) * (z + r * EC_D) % P256_N
    # Independent check with OpenSSL through python3-cryptography.
    EC_KEY.public_key().verify(utils.encode_dss_signature(r, s), msg,
                               ec.ECDSA(hashes.SHA256()))
    return r, s


def sign_es256(msg):
    r, s = es256_rs(msg)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign_rs(msg, h=hashes.SHA256):
    return RSA_KEY.sign(msg, padding.PKCS1v15(), h())


def sign_ps256(msg):
    # RFC 7518 3.5: MGF1 with SHA-256, salt as long as the hash. The salt is
    # derived from the message so the corpus is reproducible (encoding done
    # by hand, EMSA-PSS, RFC 8017 9.1.1; then checked by OpenSSL).
    mhash = hashlib.sha256(msg).digest()
    salt = hashlib.sha256(b"salt" + msg).digest()
    h = hashlib.sha256(b"\0" * 8 + mhash + salt).digest()
    em_len = 256
    db = b"\0" * (em_len - 32 - 32 - 2) + b"\x01" + salt
    mask = b""
    counter = 0
    while len(mask) < len(db):
        mask += hashlib.sha256(h + counter.to_bytes(4, "big")).digest()
        counter += 1
    masked = bytes(a ^ b for a, b in zip(db, mask))
    masked = bytes([masked[0] & 0x7F]) + masked[1:]  # emBits = 2047
    em = int.from_bytes(masked + h + b"\xbc", "big")
    pn = RSA_KEY.private_numbers()
    sig = pow(em, pn.d, pn.public_numbers.n).to_bytes(256, "big")
    RSA_KEY.public_key().verify(sig, msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                                hashes.SHA256())
    return sig


def sign_eddsa(msg):
    return ED_KEY.sign(msg)


def sign_hs(msg, h=hashlib.sha256):
    return hmac.new(HMAC_SECRET, msg, h).digest()


def seg(x):
    """base64url of a str (used verbatim), bytes, or a JSON value (compact)."""
    if isinstance(x, bytes):
        return b64u(x)
    if isinstance(x, str):
        return b64u(x.encode())
    return b64u(compact(x).encode())


def jws(header, payload, signer):
    si = seg(header) + "." + seg(payload)
    return si + "." + b64u(signer(si.encode()))


# ---- seeds ---------------------------------------------------------------------
NOW = 1_760_000_000


def claims(**extra):
    c = {"iss": "https://idp.example.com/realms/fuzz", "aud": "api://fuzz",
         "sub": "f1e2d3c4-0000-4000-8000-000000000001", "exp": NOW + 3600, "iat": NOW,
         "nbf": NOW, "jti": "fz-0001", "scope": "openid mail.read",
         "preferred_username": "Alice", "groups": ["mail-users", "staff"]}
    c.update(extra)
    return c


def jws_seeds():
    s = {}
    c = claims()
    s["valid_es256"] = jws({"alg": "ES256", "typ": "at+jwt", "kid": "fz-ec"}, c, sign_es256)
    s["valid_es256_nokid"] = jws({"alg": "ES256"}, c, sign_es256)
    s["valid_hs256"] = jws({"alg": "HS256", "typ": "JWT", "kid": "fz-hs"}, c, sign_hs)
    s["valid_hs512"] = jws({"alg": "HS512", "kid": "fz-hs"}, c,
                           lambda m: sign_hs(m, hashlib.sha512))
    s["valid_rs256"] = jws({"alg": "RS256", "typ": "at+jwt", "kid": "fz-rsa"}, c, sign_rs)
    s["valid_rs512"] = jws({"alg": "RS512", "kid": "fz-rsa"}, c,
                           lambda m: sign_rs(m, hashes.SHA512))
    s["valid_ps256"] = jws({"alg": "PS256", "kid": "fz-rsa"}, c, sign_ps256)
    s["valid_eddsa"] = jws({"alg": "EdDSA", "kid": "fz-ed"}, c, sign_eddsa)
    # A1: none in several spellings, with and without a signature.
    s["alg_none"] = seg({"alg": "none"}) + "." + seg(c) + "."
    s["alg_none_nodot"] = seg({"alg": "none"}) + "." + seg(c)
    s["alg_None_sig"] = (seg({"alg": "None", "kid": "fz-ec"}) + "." + seg(c) + "."
                         + s["valid_es256"].rsplit(".", 1)[1])
    s["alg_unknown"] = jws({"alg": "ES256K", "kid": "fz-ec"}, c, sign_es256)
    s["alg_number"] = jws('{"alg":256}', c, sign_hs)
    # A2: HMAC with the kid of a public key, RS256 with the kid of the secret.
    s["confusion_hs_rsa_kid"] = jws({"alg": "HS256", "kid": "fz-rsa"}, c, sign_hs)
    s["confusion_rs_hs_kid"] = jws({"alg": "RS256", "kid": "fz-hs"}, c, sign_rs)
    s["kid_unknown"] = jws({"alg": "ES256", "kid": "nope"}, c, sign_es256)
    s["kid_huge"] = jws({"alg": "ES256", "kid": "k" * 300}, c, sign_es256)
    s["kid_nul"] = jws('{"alg":"ES256","kid":"fz-ec\\u0000x"}', c, sign_es256)
    s["kid_number"] = jws('{"alg":"ES256","kid":7}', c, sign_es256)
    s["kid_traversal"] = jws({"alg": "HS256", "kid": "../../../../dev/null"}, c, sign_hs)
    s["jwk_header"] = jws({"alg": "ES256", "jwk": ec_jwk("attacker")}, c, sign_es256)
    s["jku_x5u"] = jws({"alg": "ES256", "kid": "fz-ec", "jku": "https://evil/jwks",
                        "x5u": "https://evil/cert"}, c, sign_es256)
    # B: signature shapes.
    r, sv = es256_rs(s["valid_es256"].rsplit(".", 1)[0].encode())
    si = s["valid_es256"].rsplit(".", 1)[0]
    s["es256_der_sig"] = si + "." + b64u(utils.encode_dss_signature(r, sv))
    s["es256_sig_65"] = si + "." + b64u(r.to_bytes(32, "big") + sv.to_bytes(33, "big"))
    s["es256_r_zero"] = si + "." + b64u(b"\0" * 32 + sv.to_bytes(32, "big"))
    s["es256_s_plus_n"] = si + "." + b64u(r.to_bytes(32, "big")
                                          + (sv + P256_N).to_bytes(33, "big")[1:])
    s["es256_sig_empty"] = si + "."
    rsi = s["valid_rs256"].rsplit(".", 1)
    s["rs256_sig_short"] = rsi[0] + "." + b64u(base64.urlsafe_b64decode(rsi[1] + "==")[1:])
    s["hs256_truncated"] = jws({"alg": "HS256", "kid": "fz-hs"}, c, lambda m: sign_hs(m)[:16])
    # C1: base64url strictness.
    v = s["valid_hs256"]
    s["b64_padding"] = v + "="
    s["b64_plus_slash"] = v.replace("-", "+").replace("_", "/") + "+/"
    s["b64_whitespace"] = v[:20] + "\n " + v[20:]
    s["b64_len_mod4_1"] = v + "AA"  # 43 + 2 characters
    h, p, g = v.split(".")
    s["b64_trailing_bits"] = h + "." + p + "." + g[:-1] + chr(ord(g[-1]) ^ 1)
    s["b64_bad_char_payload"] = h + "." + p[:10] + "*" + p[11:] + "." + g
    # C2: structure.
    s["empty"] = ""
    s["one_dot"] = "."
    s["two_dots"] = ".."
    s["trailing_dot"] = v + "."
    s["jwe_five_segments"] = "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"
    s["json_serialization"] = compact({"payload": p, "protected": h, "signature": g})
    s["many_dots"] = "." * 8000
    s["many_segments"] = ".".join(["eyJ"] * 2000)
    # C3: size (max_len in the harness is 64 KiB; libFuzzer runs use -max_len=20000).
    s["huge_claims"] = jws({"alg": "HS256", "kid": "fz-hs"}, claims(pad="x" * 12000), sign_hs)
    s["header_huge"] = jws({"alg": "HS256", "kid": "fz-hs", "x": "y" * 3000}, c, sign_hs)
    # C4-C5: JSON edge cases in the header and the payload.
    s["dup_alg"] = jws('{"alg":"none","kid":"fz-hs","alg":"HS256"}', c, sign_hs)
    s["dup_sub"] = jws({"alg": "HS256", "kid": "fz-hs"},
                       '{"sub":"alice","sub":"root","exp":9999999999}', sign_hs)
    s["header_array"] = jws('["alg","HS256"]', c, sign_hs)
    s["header_string"] = jws('"HS256"', c, sign_hs)
    s["header_bom"] = jws('\ufeff{"alg":"HS256","kid":"fz-hs"}', c, sign_hs)
    s["header_trailing"] = jws('{"alg":"HS256","kid":"fz-hs"} {}', c, sign_hs)
    s["header_deep"] = jws('{"alg":"HS256","kid":"fz-hs","x":' + "[" * 40 + "]" * 40 + "}",
                           c, sign_hs)
    s["header_very_deep"] = jws('{"alg":"HS256","x":' + "[" * 3000 + "]" * 3000 + "}",
                                c, sign_hs)
    s["payload_deep"] = jws({"alg": "HS256", "kid": "fz-hs"},
                            '{"a":' + '{"a":' * 500 + "1" + "}" * 501, sign_hs)
    s["payload_huge_numbers"] = jws({"alg": "HS256", "kid": "fz-hs"},
                                    '{"exp":1e400,"iat":9223372036854775808,'
                                    '"nbf":-9223372036854775809}', sign_hs)
    s["payload_not_json"] = jws({"alg": "HS256", "kid": "fz-hs"}, b"\xff\xfe\x00garbage",
                                sign_hs)
    s["header_lone_surrogate"] = jws('{"alg":"HS256","kid":"\\ud800"}', c, sign_hs)
    s["header_invalid_utf8"] = jws(b'{"alg":"HS256","kid":"\xc3\x28"}', c, sign_hs)
    # C6-C7: crit, zip, cty, b64.
    s["crit_exp"] = jws({"alg": "ES256", "kid": "fz-ec", "crit": ["exp"], "exp": 1}, c,
                        sign_es256)
    s["crit_empty"] = jws({"alg": "HS256", "kid": "fz-hs", "crit": []}, c, sign_hs)
    s["crit_b64"] = jws({"alg": "HS256", "kid": "fz-hs", "b64": False, "crit": ["b64"]}, c,
                        sign_hs)
    s["crit_not_array"] = jws({"alg": "HS256", "kid": "fz-hs", "crit": "b64"}, c, sign_hs)
    s["zip_def"] = jws({"alg": "HS256", "kid": "fz-hs", "zip": "DEF"}, c, sign_hs)
    s["cty_jwt"] = jws({"alg": "HS256", "kid": "fz-hs", "cty": "JWT"},
                       s["valid_hs256"], sign_hs)
    s["typ_number"] = jws({"alg": "HS256", "kid": "fz-hs", "typ": 1}, c, sign_hs)
    s["typ_dpop"] = jws({"alg": "ES256", "kid": "fz-ec", "typ": "dpop+jwt"}, c, sign_es256)
    return s


def jwks_seeds():
    s = {}
    rsa_k, ec_k, ed_k = rsa_jwk(), ec_jwk(), ed_jwk()
    s["harness_keys"] = {"keys": [rsa_k, ec_k, ed_k]}
    s["single_ec"] = {"keys": [ec_k]}
    s["rsa_pinned_ps256"] = {"keys": [dict(rsa_k, alg="PS256")]}
    s["rsa_alg_mismatch"] = {"keys": [dict(rsa_k, alg="ES256")]}
    p384 = ec.derive_private_key(12345678901234567890, ec.SECP384R1()).public_key()
    n384 = p384.public_numbers()
    s["ec_p384"] = {"keys": [{"kty": "EC", "kid": "p384", "crv": "P-384",
                              "x": b64u(n384.x.to_bytes(48, "big")),
                              "y": b64u(n384.y.to_bytes(48, "big"))}]}
    s["ec_p384_as_p256"] = {"keys": [dict(s["ec_p384"]["keys"][0], crv="P-256")]}
    s["ec_not_on_curve"] = {"keys": [dict(ec_k, y=b64u(b"\x01" * 32))]}
    s["ec_short_x"] = {"keys": [dict(ec_k, x=ec_k["x"][:-2])]}
    s["ec_missing_y"] = {"keys": [{k: v for k, v in ec_k.items() if k != "y"}]}
    s["ec_secp256k1"] = {"keys": [dict(ec_k, crv="secp256k1")]}
    s["okp_ed448"] = {"keys": [{"kty": "OKP", "kid": "ed448", "crv": "Ed448", "x": b64u(b"\1" * 57)}]}
    s["okp_x25519"] = {"keys": [dict(ed_k, crv="X25519")]}
    s["oct_key"] = {"keys": [{"kty": "oct", "kid": "o", "k": b64u(HMAC_SECRET)}]}
    s["private_d"] = {"keys": [dict(ec_k, d=b64u(EC_D.to_bytes(32, "big")))]}
    s["private_rsa_p"] = {"keys": [dict(rsa_k, p=b64u(RSA_P.to_bytes(128, "big")))]}
    s["dup_kid"] = {"keys": [ec_k, dict(ed_k, kid="fz-ec")]}
    s["no_kid_two"] = {"keys": [{k: v for k, v in ec_k.items() if k != "kid"},
                                {k: v for k, v in ed_k.items() if k != "kid"}]}
    s["use_enc"] = {"keys": [dict(ec_k, use="enc"), ed_k]}
    s["key_ops_encrypt"] = {"keys": [dict(ec_k, key_ops=["encrypt"]), ed_k]}
    s["key_ops_verify"] = {"keys": [dict(ec_k, key_ops=["verify", "verify"])]}
    s["entra_issuer_x5c"] = {"keys": [dict(rsa_k, x5t="abc", x5c=["MIIB"],
                                           issuer="https://login.microsoftonline.com/"
                                                  "{tenantid}/v2.0")]}
    weak = rsa.RSAPublicNumbers(65537, (1 << 1023) + 1)
    s["rsa_1024"] = {"keys": [dict(rsa_k, n=b64u(weak.n.to_bytes(128, "big")))]}
    s["rsa_even_e"] = {"keys": [dict(rsa_k, e="AQAA")]}
    s["rsa_e_1"] = {"keys": [dict(rsa_k, e="AQ")]}
    s["rsa_n_leading_zero"] = {"keys": [dict(rsa_k, n="AAAA" + rsa_k["n"])]}
    s["rsa_n_bad_b64"] = {"keys": [dict(rsa_k, n=rsa_k["n"][:40] + "+/" + rsa_k["n"][42:])]}
    s["rsa_n_padded"] = {"keys": [dict(rsa_k, n=rsa_k["n"] + "==")]}
    s["rsa_huge_e"] = {"keys": [dict(rsa_k, e=b64u(b"\xff" * 600))]}
    # Over the key-count limit (OIDC_JWKS_KEYS_MAX 100) with small keys.
    s["too_many_keys"] = {"keys": [dict(ed_k, kid="k%d" % i) for i in range(101)]}
    s["empty_keys"] = {"keys": []}
    s["empty_object"] = {}
    s["keys_not_array"] = {"keys": {"0": ec_k}}
    s["keys_mixed_junk"] = {"keys": [None, 1, "x", [], True, ec_k]}
    s["kty_number"] = {"keys": [dict(ec_k, kty=3)]}
    s["kid_huge"] = {"keys": [dict(ec_k, kid="k" * 300)]}
    s["top_array"] = [ec_k]
    raw = {}
    raw["dup_member"] = ('{"keys":[{"kty":"EC","kty":"RSA","crv":"P-256","x":"%s","y":"%s"}]}'
                        % (ec_k["x"], ec_k["y"]))
    raw["dup_keys_member"] = '{"keys":[],"keys":[%s]}' % compact(ec_k)
    raw["deep_nesting"] = '{"keys":[' + "[" * 5000 + "]" * 5000 + "]}"
    raw["huge_numbers"] = '{"keys":[{"kty":"EC","x":1e400,"y":123456789012345678901234567890}]}'
    raw["nul_in_kid"] = '{"keys":[{"kty":"EC","kid":"a\\u0000b","crv":"P-256"}]}'
    raw["truncated"] = compact(s["harness_keys"])[:-7]
    raw["trailing_garbage"] = compact(s["single_ec"]) + "]]"
    raw["bom"] = "\ufeff" + compact(s["single_ec"])
    raw["empty"] = ""
    out = {k: compact(v) for k, v in s.items()}
    out.update(raw)
    return out


CONFIG_FULL = """\
# A realistic single-issuer configuration (Keycloak-like).
issuer = https://idp.example.com/realms/mail
audience = api://mail, account
jwks_file = /etc/oidc-auth/jwks.json
algorithms = RS256,ES256
leeway = 60
max_token_size = 16384
accept_typ = at+jwt, jwt
username_claim = preferred_username, sub
username_map = strip_domain:example.com, lowercase
required_scopes = mail.read
required_claims = groups=mail-users|staff
azp = mail-client
"""

CONFIG_SECTIONS = """\
# Defaults for every issuer.
leeway = 30
algorithms = RS256

[issuer keycloak]
issuer = https://kc.example.org/realms/corp
audience = imap
jwks_file = /etc/oidc-auth/kc.jwks
username_claim = preferred_username
username_map = lowercase

[issuer entra]
issuer = https://login.microsoftonline.com/{tenantid}/v2.0
allowed_tenants = 11111111-2222-3333-4444-555555555555
audience = api://0f0f0f0f-aaaa-bbbb-cccc-000000000000
jwks_file = /etc/oidc-auth/entra.jwks
username_claim = upn
required_claims = amr=mfa

[issuer local]
issuer = https://local.example
audience = local
hmac_secret_file = /etc/oidc-auth/hmac.secret
hmac_kid = hs-1
algorithms = HS256,HS512
username_map = map_file:/etc/oidc-auth/users.map
"""


def config_seeds():
    s = {}
    s["full"] = CONFIG_FULL
    s["sections"] = CONFIG_SECTIONS
    s["crlf"] = CONFIG_FULL.replace("\n", "\r\n")
    s["no_trailing_newline"] = CONFIG_FULL.rstrip("\n")
    s["tabs_and_comments"] = "\t# c\n  issuer\t=\thttps://a.example  # trailing?\n\n\n#\n"
    s["empty"] = ""
    s["only_comments"] = "#\n# x = y\n;not a comment\n"
    s["unknown_key"] = "issuer = https://a.example\nfrobnicate = yes\n"
    s["no_equals"] = "issuer https://a.example\n"
    s["empty_key"] = " = value\n"
    s["empty_value"] = "audience =\n"
    s["equals_only"] = "=\n==\n= = =\n"
    s["dup_key"] = "leeway = 10\nleeway = 20\n"
    s["leeway_huge"] = "leeway = 99999999999999999999999999\n"
    s["leeway_negative"] = "leeway = -1\n"
    s["leeway_hex"] = "leeway = 0x10\n"
    s["leeway_trailing"] = "leeway = 10s\n"
    s["leeway_over_max"] = "leeway = 301\n"
    s["token_size_limits"] = "max_token_size = 0\nmax_token_size = 65537\nmax_token_size = 9223372036854775808\n"
    s["http_issuer"] = "issuer = http://idp.example.com\njwks_file = relative/path\n"
    s["alg_none"] = "algorithms = none\n"
    s["alg_list_odd"] = "algorithms = RS256,,ES256, ,rs256,RS256\n"
    s["alg_list_long"] = "algorithms = " + ",".join(["RS256", "PS512", "EdDSA", "HS384"] * 50) + "\n"
    s["section_bad"] = "[issuer\n[issuer ]\n[foo bar]\n[]\n[issuer a b]\n"
    s["section_dup"] = "[issuer a]\nissuer = https://a\n[issuer a]\nissuer = https://b\n"
    s["section_only"] = "[issuer x]\n"
    s["many_sections"] = "".join("[issuer s%d]\nissuer = https://s%d.example\naudience = a%d\n"
                                 % (i, i, i) for i in range(100))
    s["long_line"] = "audience = " + "a" * 5000 + "\n"
    s["long_value_list"] = "audience = " + ",".join("aud%d" % i for i in range(600)) + "\n"
    s["nul_byte"] = "issuer = https://a\x00.example\naudience = x\n"
    s["control_chars"] = "audience = a\x01\x7f\x1b[31m\nissuer = \x0b\x0c\n"
    s["utf8"] = "audience = \u00e9t\u00e9, \u65e5\u672c\nusername_map = map_file:/tmp/\u00e9\n"
    s["invalid_utf8"] = b"audience = \xff\xfe\n"
    s["username_map_variants"] = ("username_map = lowercase,strip_domain:,strip_domain:a.b,"
                                  "map_file:,map_file:relative,unknown_op\n")
    s["required_claims_variants"] = ("required_claims = groups=a|b|c, amr=mfa, =x, y=, z, "
                                     "g=|, h=a||b\n")
    s["required_scopes_many"] = "required_scopes = " + " ".join("s%d" % i for i in range(300)) + "\n"
    s["accept_typ_variants"] = "accept_typ = application/at+jwt, AT+JWT, absent, , JWT\n"
    s["tenant_template_bad"] = ("issuer = https://login.microsoftonline.com/{tenantid}/"
                                "{tenantid}/v2.0\nallowed_tenants =\n")
    s["secret_keys"] = "hmac_secret_file = /etc/shadow\nhmac_kid = " + "k" * 300 + "\n"
    s["reserved_keys"] = ("jwks_uri = https://idp.example/jwks\ndiscovery_url = https://idp/.well-known\n"
                          "client_secret_file = /etc/oidc-auth/client.secret\n")
    s["loopback_http"] = "issuer = http://127.0.0.1:8080/realms/t\njwks_file = /tmp/j\n"
    s["line_4095"] = "audience = " + "b" * (4095 - len("audience = ")) + "\n"
    s["keys_after_section"] = "[issuer a]\nleeway = 5\n[issuer b]\nleeway = 6\n"
    s["user_names"] = ("username_map = keep_domain:, keep_domain:a.b, keep_domain:@x, lowercase\n"
                       "allow_system_users = root, svc-*, , a\n"
                       "min_user_uid = 0\nmin_user_uid = 2147483648\n"
                       "[issuer a]\nusername_namespace = staff, other\n"
                       "[issuer b]\nusername_namespace = st/aff\nmin_user_uid = 1000\n")
    s["binding"] = ("issuer = https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x\n"
                    "accept_clients = , a b,c\naccept_clients = x\n"
                    "token_types = opaque\nuserinfo = validate\n"
                    "tokeninfo_endpoint = http://oauth2.googleapis.com/tokeninfo\n"
                    "[issuer g]\nissuer = https://accounts.google.com\naudience = c\n"
                    "tokeninfo_endpoint = https://oauth2.googleapis.com/tokeninfo\n")
    return s


def check_harness_keys():
    """fuzz_jws.c must hold the public halves of the keys used here."""
    text = open(os.path.join(HERE, "fuzz_jws.c")).read()
    flat = re.sub(r'"\s*\n\s*"', "", text)
    for jwk in (rsa_jwk(), ec_jwk(), ed_jwk()):
        for member in ("n", "x", "y"):
            if member in jwk and jwk[member] not in flat:
                sys.exit("fuzz_jws.c lacks %s %s of %s" % (member, jwk[member], jwk["kid"]))
    if HMAC_SECRET.decode() not in flat:
        sys.exit("fuzz_jws.c lacks the HMAC secret")


def write(name, seeds):
    d = os.path.join(CORPUS, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for key, value in sorted(seeds.items()):
        data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        with open(os.path.join(d, key), "wb") as f:
            f.write(data)
    return sum(len(v) for v in seeds.values())


def main():
    check_harness_keys()
    total = 0
    for name, seeds in (("jws", jws_seeds()), ("jwks", jwks_seeds()),
                        ("config", config_seeds())):
        size = write(name, seeds)
        total += size
        print("%s: %d seeds, %d bytes" % (name, len(seeds), size))
    if total > 200 * 1024:
        sys.exit("corpus too large: %d bytes" % total)


if __name__ == "__main__":
    main()
