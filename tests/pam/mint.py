# SPDX-License-Identifier: MIT
"""mint.py - signing keys and JWT access tokens for tests/pam, made with
PyJWT and python3-cryptography (independent of the code under test).
Run with /usr/bin/python3.

    mint.py keys DIR                  -> DIR/key.pem (private), DIR/jwks.json
    mint.py token DIR USER [k=v ...]  -> token on stdout
      aud=api://mail  exp=+600 (seconds from now; negative: expired)
      pad=N (a filler claim of N bytes)  groups=a,b  email=x  kid=...
"""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://idp.pam.test"
KID = "pam-test-rsa"


def keys(d):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(d + "/key.pem", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KID, use="sig", alg="RS256")
    with open(d + "/jwks.json", "w") as f:
        json.dump({"keys": [jwk]}, f)


def token(d, user, opts):
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": user, "aud": opts.get("aud", "api://mail"),
              "iat": now, "nbf": now, "exp": now + int(opts.get("exp", "600")),
              "jti": "j-%d" % now, "scope": "openid mail.read"}
    if "groups" in opts:
        claims["groups"] = [g for g in opts["groups"].split(",") if g]
    if "email" in opts:
        claims["email"] = opts["email"]
        claims["email_verified"] = True
    if "pad" in opts:
        claims["pad"] = "x" * int(opts["pad"])
    key = open(d + "/key.pem", "rb").read()
    return jwt.encode(claims, key, algorithm="RS256",
                      headers={"kid": opts.get("kid", KID), "typ": "at+jwt"})


def main():
    if sys.argv[1] == "keys":
        keys(sys.argv[2])
    else:
        opts = dict(a.split("=", 1) for a in sys.argv[4:])
        print(token(sys.argv[2], sys.argv[3], opts))


main()
