# SPDX-License-Identifier: MIT
"""fixtures.py - the provider-shape fixtures: for each major provider, what it
publishes (host names, discovery document, JWKS, Cache-Control) and what it
signs (access and ID tokens), as its public documentation shows them
(providers_a.py, providers_b.py cite the pages and mark assumptions). stub.py
serves the documents on the providers' own host names; mint() signs tokens
with python3-cryptography (tests/lib/forge.py), never with the code under test.

    /usr/bin/python3 tests/shapes/fixtures.py hosts PROVIDER
    /usr/bin/python3 tests/shapes/fixtures.py mint STATE PROVIDER KIND [JSON]

JSON changes the token: {"claims": {...}, "drop": [...], "header": {...},
"hdrop": [...], "key": KID | INDEX | "attacker", "age": SECONDS}. A header
"kid" of None is the provider's first key id, an integer an index into its
keys. A header with a "nonce" is signed the way Microsoft signs Graph tokens:
over the header with SHA-256(nonce) in the nonce's place.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import providers_a as pa  # noqa: E402
import providers_b as pb  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from forge import b64u, pem_private, rs, seg  # noqa: E402

# hosts: every name the provider's documents point to; kids: its key ids in
# the style it uses (Entra: x5t thumbprints; Google: hex; Keycloak: base64url;
# Okta: base64url; Auth0: base64url; Cognito: base64 of a SHA-256 with "=").
PROVIDERS = {
    "entra": {"hosts": ["login.microsoftonline.com", "sts.windows.net", "graph.microsoft.com"],
              "kids": ["CNv0OI3RwqlHFEVnaoMAshCH2XE", "M3OJ_zWDyCRCJbdJjKMn3ARrV5o"],
              "docs": pa.entra_docs, "token": pa.entra_token},
    "google": {"hosts": ["accounts.google.com", "www.googleapis.com",
                         "openidconnect.googleapis.com", "oauth2.googleapis.com"],
               "kids": ["c7e04465649ffa606557650c7e65f0a87ae00fe8",
                        "a50f6e70ef4b548a5fd9142eecd1fb8f54dce9ee"],
               "docs": pa.google_docs, "token": pa.google_token},
    "keycloak": {"hosts": ["sso.example.com"],
                 "kids": ["Yv0hJ8xQ2m5nB3kL7pR9sT1uW4yZ6aC8eG0iK2mO4qS"],
                 "docs": pa.keycloak_docs, "token": pa.keycloak_token},
    "okta": {"hosts": [pa.OKTA_DOMAIN],
             "kids": ["H5lQ8d3s0kR2mV9xZ7bN4cF6gJ1pT3wY5aE8iU0oL2k"],
             "docs": pb.okta_docs, "token": pb.okta_token},
    "auth0": {"hosts": [pa.AUTH0_DOMAIN],
              "kids": ["QzRGMUE5N0Y2OUQ0RjNEMzU1NkNFOEU3", "Rk1DMjM0OUE0OTY2Q0Q3QzlCNjQ5"],
              "docs": pb.auth0_docs, "token": pb.auth0_token},
    "cognito": {"hosts": [pa.COGNITO_HOST, "mail-example.auth.eu-west-1.amazoncognito.com"],
                "kids": ["1234exampleIdTokenKid5678abcdEFGHijklMNOpqrs=",
                         "5678exampleAccessTokenKid1234ABCDefghIJKLmno="],
                "docs": pb.cognito_docs, "token": pb.cognito_token},
    "authentik": {"hosts": ["authentik.example.com"],
                  "kids": ["3c6e6f58a2b1d4e7f09a8b7c6d5e4f3a"],
                  "docs": pb.authentik_docs, "token": pb.authentik_token},
    "zitadel": {"hosts": [pa.ZITADEL_HOST], "kids": ["216453512476901631"],
                "docs": pb.zitadel_docs, "token": pb.zitadel_token},
    "gitlab": {"hosts": [pa.GITLAB_HOST],
               "kids": ["kewiQq9jiC84CvSsJYOB-N6A8WFLSV20Mb-y7IlWDSQ"],
               "docs": pb.gitlab_docs, "token": pb.gitlab_token},
}


def key_path(state, provider, i):
    return os.path.join(state, "keys", "%s-%d.pem" % (provider, i))


def make_keys(state, provider):
    """One RSA-2048 key per kid, written 0600 below state/keys."""
    from forge import rsa_keys
    os.makedirs(os.path.join(state, "keys"), mode=0o700, exist_ok=True)
    kids = PROVIDERS[provider]["kids"]
    for i, k in enumerate(rsa_keys(*[2048] * len(kids))):
        fd = os.open(key_path(state, provider, i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem_private(k))


def load_keys(state, provider):
    """{kid: private key}, in the provider's order."""
    out = {}
    for i, kid in enumerate(PROVIDERS[provider]["kids"]):
        with open(key_path(state, provider, i), "rb") as f:
            out[kid] = serialization.load_pem_private_key(f.read(), None)
    return out


def documents(state, provider):
    """{(host, path): body or (body, headers)} the provider serves."""
    return PROVIDERS[provider]["docs"](load_keys(state, provider))


def mint(state, provider, kind, change=None):
    change = change or {}
    keys = load_keys(state, provider)
    kids = list(keys)
    header, claims = PROVIDERS[provider]["token"](kind, pa.now() - int(change.get("age", 0)))
    header = dict(header)
    kid = header.get("kid")
    if "kid" in header and (kid is None or isinstance(kid, int)):
        header["kid"] = kids[kid or 0]
    if "x5t" in header and header["x5t"] is None:
        header["x5t"] = header["kid"]       # Entra: x5t equals kid
    header.update(change.get("header", {}))
    for k in change.get("hdrop", []):
        header.pop(k, None)
    claims.update(change.get("claims", {}))
    for k in change.get("drop", []):
        claims.pop(k, None)
    which = change.get("key", header.get("kid", kids[0]))
    if which == "attacker":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif isinstance(which, int):
        key = keys[kids[which]]
    else:
        key = keys.get(which, keys[kids[0]])
    signed = header
    if "nonce" in header:
        # Graph: the signature covers SHA-256(nonce), not the nonce sent
        signed = dict(header, nonce=b64u(hashlib.sha256(header["nonce"].encode()).digest()))
    sig = rs(key)((seg(signed) + "." + seg(claims)).encode())
    return seg(header) + "." + seg(claims) + "." + b64u(sig)


def main(argv):
    if len(argv) >= 2 and argv[0] == "hosts":
        print(" ".join(PROVIDERS[argv[1]]["hosts"]))
        return 0
    if len(argv) >= 4 and argv[0] == "mint":
        change = json.loads(argv[4]) if len(argv) > 4 else None
        print(mint(argv[1], argv[2], argv[3], change))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
