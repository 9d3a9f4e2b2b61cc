# SPDX-License-Identifier: MIT
"""forge.py - a raw JWS builder for tests, independent of the core.

Libraries refuse to build most malicious tokens (PyJWT will not HMAC with a
PEM key, nor emit alg "none"), so this builds JWS compact tokens byte by
byte with Debian's python3-cryptography (run with /usr/bin/python3). See
shared/security-checklist.md, "Tools for building malicious tokens".

    tok = jws({"alg": "RS256", "kid": "k1"}, claims, rs(key))
    tok = jws('{"alg":"RS256","alg":"none"}', claims, rs(key))  # verbatim

A header or payload given as str (or bytes) is used verbatim; a dict or
list is serialised as compact JSON. A signer maps the signing input
(bytes) to the signature bytes.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.x509.oid import NameOID

# ---- base64url ------------------------------------------------------------


def b64u(data):
    """base64url without padding (RFC 7515 section 2)."""
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(s):
    """Lenient decoder for the tests' own use (adds the padding back)."""
    if isinstance(s, str):
        s = s.encode()
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def int_bytes(n, length=None):
    """Unsigned big-endian bytes of n, left-padded to length."""
    if length is None:
        length = max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(length, "big")


def b64u_int(n, length=None):
    return b64u(int_bytes(n, length))


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"))


def segment_bytes(x):
    """The bytes a header or payload stands for: verbatim or compact JSON."""
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode()
    return compact_json(x).encode()


def seg(x):
    return b64u(segment_bytes(x))


def signing_input(header, payload):
    return seg(header) + "." + seg(payload)


def jws(header, payload, signer):
    """JWS compact serialization: header.payload.signature."""
    si = signing_input(header, payload)
    return si + "." + b64u(signer(si.encode()))


def with_signature(header, payload, sig):
    """A token whose signature segment is the given bytes (or str, verbatim)."""
    si = signing_input(header, payload)
    return si + "." + (sig if isinstance(sig, str) else b64u(sig))


def split(token):
    return token.split(".")


# ---- hashes ---------------------------------------------------------------

HASHES = {160: hashes.SHA1, 256: hashes.SHA256, 384: hashes.SHA384, 512: hashes.SHA512}
HASHLIB = {160: hashlib.sha1, 256: hashlib.sha256, 384: hashlib.sha384, 512: hashlib.sha512}
# RFC 8017 9.2 note 1: DER of DigestInfo up to the hash value.
DIGEST_INFO = {
    256: bytes.fromhex("3031300d060960864801650304020105000420"),
    384: bytes.fromhex("3041300d060960864801650304020205000430"),
    512: bytes.fromhex("3051300d060960864801650304020305000440"),
}

# ---- keys -----------------------------------------------------------------

CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}
# Group orders (SEC 2 / FIPS 186-4 D.1.2) and field primes.
CURVE_ORDER = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372dd"
                 "f581a0db248b0a77aecec196accc52973", 16),
    "P-521": int("01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                 "fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
                 16),
}
CURVE_PRIME = {
    "P-256": 2**256 - 2**224 + 2**192 + 2**96 - 1,
    "P-384": 2**384 - 2**128 - 2**96 + 2**32 - 1,
    "P-521": 2**521 - 1,
}
# RFC 8032 5.1: order of the Ed25519 base point.
ED25519_L = 2**252 + 27742317777372353535851937790883648493


def rsa_key(bits=2048, e=65537):
    return rsa.generate_private_key(public_exponent=e, key_size=bits)


def rsa_keys(*bits_list):
    """Several RSA keys at once: openssl genpkey processes in parallel (key
    generation dominates a test run's setup on a small machine)."""
    procs = [subprocess.Popen(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                               "rsa_keygen_bits:%d" % bits], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for bits in bits_list]
    keys = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError("openssl genpkey failed: %s" % err.decode())
        keys.append(serialization.load_pem_private_key(out, None))
    return keys


def ec_key(crv="P-256"):
    return ec.generate_private_key(CURVES[crv]())


def ed25519_key():
    return ed25519.Ed25519PrivateKey.generate()


def public(key):
    return key.public_key() if hasattr(key, "public_key") else key


def crv_of(key):
    name = public(key).curve.name
    return {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[name]


def pem_public(key):
    """SubjectPublicKeyInfo PEM text (bytes, with the final newline)."""
    return public(key).public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo)


def der_public(key):
    return public(key).public_bytes(serialization.Encoding.DER,
                                    serialization.PublicFormat.SubjectPublicKeyInfo)


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def raw_public(key):
    """RSA: the modulus bytes; EC: the uncompressed point; Ed25519: 32 bytes."""
    pub = public(key)
    if isinstance(pub, rsa.RSAPublicKey):
        return int_bytes(pub.public_numbers().n)
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return pub.public_bytes(serialization.Encoding.X962,
                                serialization.PublicFormat.UncompressedPoint)
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def jwk(key, kid=None, alg=None, use=None, **extra):
    """Public JWK (RFC 7517/7518 section 6, RFC 8037) of key as a dict."""
    pub = public(key)
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        d = {"kty": "RSA", "n": b64u_int(nums.n), "e": b64u_int(nums.e)}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        crv = crv_of(pub)
        size = CURVE_BYTES[crv]
        nums = pub.public_numbers()
        d = {"kty": "EC", "crv": crv, "x": b64u_int(nums.x, size),
             "y": b64u_int(nums.y, size)}
    elif isinstance(pub, ed25519.Ed25519PublicKey):
        d = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw_public(pub))}
    else:
        raise TypeError("unsupported key type")
    if kid is not None:
        d["kid"] = kid
    if alg is not None:
        d["alg"] = alg
    if use is not None:
        d["use"] = use
    d.update(extra)
    return d


def jwks(*keys):
    """A JWKS document (str) of JWK dicts."""
    return compact_json({"keys": list(keys)})


def self_signed_cert(key, cn="attacker"):
    """A self-signed X.509 certificate (DER bytes) for key, for x5c."""
    import datetime
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2020, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(public(key)).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=36500))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


# ---- signers --------------------------------------------------------------


def none(_m):
    return b""


def raw(sig):
    """A signer returning fixed bytes."""
    return lambda _m: sig


def rs(key, bits=256):
    """RSASSA-PKCS1-v1_5 with SHA-bits (RS256/384/512)."""
    return lambda m: key.sign(m, padding.PKCS1v15(), HASHES[bits]())


def ps(key, bits=256, salt=None, mgf_bits=None):
    """RSASSA-PSS; JWS wants MGF1 with the same hash and salt = hash length."""
    salt = bits // 8 if salt is None else salt
    mgf = padding.MGF1(HASHES[mgf_bits or bits]())
    return lambda m: key.sign(m, padding.PSS(mgf=mgf, salt_length=salt), HASHES[bits]())


def ecdsa_rs(key, m, bits=256):
    """(r, s) of an ECDSA signature of m with SHA-bits."""
    der = key.sign(m, ec.ECDSA(HASHES[bits]()))
    return asym_utils.decode_dss_signature(der)


def rs_bytes(r, s, size):
    return int_bytes(r, size) + int_bytes(s, size)


def es(key, bits=None):
    """ECDSA as JWS wants it: r||s, each half the curve's byte length."""
    crv = crv_of(key)
    bits = bits or {"P-256": 256, "P-384": 384, "P-521": 512}[crv]
    size = CURVE_BYTES[crv]
    return lambda m: rs_bytes(*ecdsa_rs(key, m, bits), size)


def es_der(key, bits=256):
    """ECDSA in DER (what OpenSSL emits; wrong for JWS)."""
    return lambda m: key.sign(m, ec.ECDSA(HASHES[bits]()))


def eddsa(key):
    return lambda m: key.sign(m)


def hs(secret, bits=256):
    if isinstance(secret, str):
        secret = secret.encode()
    return lambda m: hmac.new(secret, m, HASHLIB[bits]).digest()


def pkcs1_v15_em(m, nbytes, bits=256, digest_info=True):
    """EMSA-PKCS1-v1_5 encoding (RFC 8017 9.2) of m for a modulus of nbytes."""
    t = (DIGEST_INFO[bits] if digest_info else b"") + HASHLIB[bits](m).digest()
    return b"\x00\x01" + b"\xff" * (nbytes - len(t) - 3) + b"\x00" + t


def rsa_raw_sign(key, em):
    """Textbook RSA: em^d mod n, for hand-made encodings."""
    nums = key.private_numbers()
    n = nums.public_numbers.n
    nbytes = (n.bit_length() + 7) // 8
    return int_bytes(pow(int.from_bytes(em, "big"), nums.d, n), nbytes)


def random_odd_modulus(bits):
    """A random odd integer of exactly bits bits: an RSA modulus in shape only."""
    n = int.from_bytes(os.urandom((bits + 7) // 8), "big")
    n |= (1 << (bits - 1)) | 1
    return n & ((1 << bits) - 1)
