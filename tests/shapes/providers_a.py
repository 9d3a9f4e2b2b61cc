# SPDX-License-Identifier: MIT
"""providers_a.py - Microsoft Entra ID, Google and Keycloak as their public
documentation shows them (see fixtures.py for what a provider entry is)."""
import base64
import hashlib
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from forge import b64u, jwk, self_signed_cert  # noqa: E402

# ---- identifiers shared with the guides (docs/idp/*.md) -------------------
ENTRA_TENANT = "3f0c6a52-8d1e-4b7a-9c25-6e1d0f4b7a93"
# every tenant the guide names, and one it does not (served alike: the keys are common)
ENTRA_TENANTS = [ENTRA_TENANT, "b7e4c2d1-5a69-4f83-8e0b-2c9d7a1f6e45",
                 "72f988bf-86f1-41af-91ab-2d7cd011db47", "9188040d-6c67-4c5b-b112-36a304b66dad",
                 "5b2f3c1e-0d4a-4b8e-9c7d-6a5e4f3b2c1d"]
ENTRA_API_CLIENT = "7d1c8a2e-3c5b-4a8e-9f5e-2b7f3f1e0c11"
ENTRA_LOGIN_CLIENT = "3e8f1b2c-9a4d-4c6e-8b7a-1f2e3d4c5b6a"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
GOOGLE_CLIENT = "1234567890-abc.apps.googleusercontent.com"
OKTA_DOMAIN = "example.okta.com"
OKTA_CLIENT = "0oa1b2c3d4e5f6g7h8i9"
AUTH0_DOMAIN = "example.eu.auth0.com"
AUTH0_API = "https://mail.example.com/api"
AUTH0_CLIENT = "Xb7Kq2LmN9pR4sT6vW8yZ1aC3dE5fG7h"
COGNITO_POOL = "eu-west-1_AbCdEf123"
COGNITO_HOST = "cognito-idp.eu-west-1.amazonaws.com"
COGNITO_CLIENT = "1example23456789abcdefghij"
ZITADEL_HOST = "mail-example.zitadel.cloud"
ZITADEL_PROJECT = "216453872836829183"
ZITADEL_CLIENT = "216453915555086335@mail"
GITLAB_HOST = "gitlab.example"
GITLAB_APP = "c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


def now():
    return int(time.time())


def x5(key, cn):
    """x5c / x5t / x5t#S256 members of a JWK: a self-signed certificate, as
    Entra, Keycloak, Auth0 and authentik publish next to n and e."""
    der = self_signed_cert(key, cn)
    return {"x5c": [base64.b64encode(der).decode()],
            "x5t": b64u(hashlib.sha1(der).digest())}


# ---------------------------------------------------------------------------
# Microsoft Entra ID
#   https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
#   https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
#     (discovery per tenant, /organizations with the {tenantid} issuer)
#   https://learn.microsoft.com/entra/identity-platform/access-tokens
#     ("Validate tokens": Graph tokens have a nonce header and cannot be
#     validated by anyone but Graph)
# v1 tokens: iss https://sts.windows.net/{tid}/, aud the Application ID URI,
# header x5t + kid; v2: iss .../{tid}/v2.0, aud the client id, header kid.
# JWKS members: kty, use, kid, x5t, n, e, x5c, cloud_instance_name, issuer.
# Assumption: the v1 key set (/discovery/keys) carries no issuer member.
# Cache-Control of the keys: "max-age=86400, private" (observed shape).
# ---------------------------------------------------------------------------
def entra_docs(keys):
    h = "https://login.microsoftonline.com"

    def meta(issuer, jwks_uri, base):
        return {"token_endpoint": base + "/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": jwks_uri, "response_modes_supported": ["query", "fragment",
                                                                   "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token",
                                             "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": issuer, "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
                "http_logout_supported": True, "frontchannel_logout_supported": True,
                "end_session_endpoint": base + "/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "cloud_instance_name", "aud", "exp",
                                     "iat", "auth_time", "acr", "nonce",
                                     "preferred_username", "name", "tid", "ver",
                                     "at_hash", "c_hash", "email"],
                "kerberos_endpoint": base + "/kerberos", "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com", "rbac_url": "https://pas.windows.net"}

    def key_set(issuer):
        out = []
        for kid, k in keys.items():
            d = jwk(k, kid=kid, use="sig", **x5(k, "accounts.accesscontrol.windows.net"))
            d["kid"] = d["x5t"] = kid   # Entra: kid equals x5t
            d["cloud_instance_name"] = "microsoftonline.com"
            if issuer:
                d["issuer"] = issuer
            out.append(d)
        return {"keys": out}

    cc = {"Cache-Control": "max-age=86400, private"}
    tmpl = h + "/{tenantid}/v2.0"
    out = {
        ("login.microsoftonline.com", "/organizations/v2.0/.well-known/openid-configuration"):
            meta(tmpl, h + "/organizations/discovery/v2.0/keys", h + "/organizations"),
        ("login.microsoftonline.com", "/organizations/discovery/v2.0/keys"):
            (key_set(tmpl), cc),
    }
    for tid in ENTRA_TENANTS:
        out.update({
            ("login.microsoftonline.com", "/%s/v2.0/.well-known/openid-configuration" % tid):
                meta(h + "/%s/v2.0" % tid, h + "/%s/discovery/v2.0/keys" % tid,
                     h + "/" + tid),
            ("login.microsoftonline.com", "/%s/discovery/v2.0/keys" % tid):
                (key_set(h + "/%s/v2.0" % tid), cc),
            # v1.0 metadata: issuer is the sts.windows.net form
            ("login.microsoftonline.com", "/%s/.well-known/openid-configuration" % tid):
                meta("https://sts.windows.net/%s/" % tid, h + "/%s/discovery/keys" % tid,
                     h + "/" + tid),
            ("login.microsoftonline.com", "/%s/discovery/keys" % tid): (key_set(None), cc),
        })
    return out


def entra_token(kind, t):
    tid = ENTRA_TENANT
    base = {"iat": t - 60, "nbf": t - 60, "exp": t + 3600, "aio": "E2ZgYJiT",
            "name": "Alice Example", "oid": "1b2c3d4e-0000-4000-8000-00000000a11c",
            "rh": "0.AQ4AAAA.", "sub": "OzBkQ2xjZWRfc3ViX3BhaXJ3aXNl", "tid": tid,
            "uti": "aBcDeFgHiJkLmNoP", "scp": "Mail.Access"}
    if kind == "v2":
        c = dict(base, aud=ENTRA_API_CLIENT,
                 iss="https://login.microsoftonline.com/%s/v2.0" % tid,
                 azp=ENTRA_LOGIN_CLIENT, azpacr="0",
                 preferred_username="Alice@example.com", ver="2.0")
        return {"typ": "JWT", "alg": "RS256", "kid": None}, c
    if kind in ("v1", "graph"):
        c = dict(base, iss="https://sts.windows.net/%s/" % tid, acr="1", amr=["pwd", "mfa"],
                 appid=ENTRA_LOGIN_CLIENT, appidacr="0", family_name="Example",
                 given_name="Alice", ipaddr="192.0.2.10", unique_name="Alice@example.com",
                 upn="Alice@example.com", ver="1.0")
        h = {"typ": "JWT", "alg": "RS256", "x5t": None, "kid": None}
        if kind == "graph":
            # Graph: aud Graph, scp Graph's, a nonce in the header (signed
            # over its SHA-256 by Microsoft: stub.py signs it that way)
            c.update(aud="https://graph.microsoft.com", scp="openid profile User.Read email",
                     idtyp="user", xms_tcdt=1600000000)
            h = {"typ": "JWT", "nonce": b64u(os.urandom(32)), "alg": "RS256", "x5t": None,
                 "kid": None}
        else:
            c["aud"] = "api://mail-gateway"
        return h, c
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# Google
#   https://developers.google.com/identity/openid-connect/openid-connect
#     (ID token claims; "iss: The Issuer Identifier ... always
#     https://accounts.google.com or accounts.google.com for Google ID tokens";
#     discovery document at accounts.google.com)
#   https://developers.google.com/identity/gsi/web/guides/verify-google-id-token
# Keys at www.googleapis.com/oauth2/v3/certs: kty, alg, use, kid, n, e only;
# Cache-Control "public, max-age=19516, must-revalidate, no-transform".
# userinfo at openidconnect.googleapis.com/v1/userinfo (the discovery
# document's userinfo_endpoint) and tokeninfo at oauth2.googleapis.com/tokeninfo
# (no discovery document names it) for opaque ya29 access tokens.
# ---------------------------------------------------------------------------
def google_docs(keys):
    disc = {
        "issuer": "https://accounts.google.com",
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "device_authorization_endpoint": "https://oauth2.googleapis.com/device/code",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
        "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
        "response_types_supported": ["code", "token", "id_token", "code token",
                                     "code id_token", "token id_token",
                                     "code token id_token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                  "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name",
                             "given_name", "iat", "iss", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "urn:ietf:params:oauth:grant-type:device_code",
                                  "urn:ietf:params:oauth:grant-type:jwt-bearer"],
    }
    ks = {"keys": [jwk(k, kid=kid, alg="RS256", use="sig") for kid, k in keys.items()]}
    return {
        ("accounts.google.com", "/.well-known/openid-configuration"):
            (disc, {"Cache-Control": "public, max-age=3600"}),
        ("www.googleapis.com", "/oauth2/v3/certs"):
            (ks, {"Cache-Control": "public, max-age=19516, must-revalidate, no-transform"}),
    }


def google_token(kind, t):
    c = {"iss": "https://accounts.google.com", "azp": GOOGLE_CLIENT, "aud": GOOGLE_CLIENT,
         "sub": "110169484474386276334", "hd": "example.com", "email": "alice@example.com",
         "email_verified": True, "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q", "name": "Alice Example",
         "picture": "https://lh3.googleusercontent.com/a/x", "given_name": "Alice",
         "family_name": "Example", "iat": t - 10, "exp": t + 3590}
    if kind == "id":
        return {"alg": "RS256", "kid": None, "typ": "JWT"}, c
    if kind == "id-bare":
        return {"alg": "RS256", "kid": None, "typ": "JWT"}, dict(c, iss="accounts.google.com")
    raise KeyError(kind)


# Opaque Google access tokens the stub's userinfo endpoint knows (OIDC Core 5.3). It answers
# for a token of any OAuth client: "-other" is alice's token issued to another client.
ALICE_INFO = {"sub": "110169484474386276334", "email": "alice@example.com",
              "email_verified": True, "hd": "example.com", "name": "Alice Example"}
GOOGLE_USERINFO = {
    "ya29.a0AfH6SMshapes-alice": ALICE_INFO,
    "ya29.a0AfH6SMshapes-gmail": {"sub": "104729384756102938475", "email":
                                  "mallory@gmail.com", "email_verified": True},
    "ya29.a0AfH6SMshapes-other": ALICE_INFO,
    "ya29.a0AfH6SMshapes-stale": ALICE_INFO,
}

# Google's tokeninfo for the same tokens (POST https://oauth2.googleapis.com/tokeninfo,
# access_token in the form body):
#   https://cloud.google.com/docs/authentication/token-types ("Access token contents": azp,
#     aud, sub, scope, exp and expires_in as decimal strings, email, email_verified the
#     string "true"; only for a valid token)
#   google-auth-library-nodejs OAuth2Client.getTokenInfo (tokenInfoUrl
#     https://oauth2.googleapis.com/tokeninfo; aud, azp, sub, scope, exp, expires_in, email,
#     email_verified, access_type)
# aud and azp are the OAuth client the token was issued to. Assumptions: an unknown token
# gets HTTP 400 {"error": "invalid_token", "error_description": "Invalid Value"}; "-stale"
# has an exp in the past, which Google would answer with 400 (it checks the exp string is
# read).
GOOGLE_OTHER_CLIENT = "999-other.apps.googleusercontent.com"
GOOGLE_TOKENINFO = {
    "ya29.a0AfH6SMshapes-alice": (GOOGLE_CLIENT, ALICE_INFO, 3500),
    "ya29.a0AfH6SMshapes-gmail": (GOOGLE_CLIENT, GOOGLE_USERINFO["ya29.a0AfH6SMshapes-gmail"],
                                  3500),
    "ya29.a0AfH6SMshapes-other": (GOOGLE_OTHER_CLIENT, ALICE_INFO, 3500),
    "ya29.a0AfH6SMshapes-stale": (GOOGLE_CLIENT, ALICE_INFO, -60),
}


def google_tokeninfo(token, t):
    """The tokeninfo answer about token at time t, None for a token Google does not know."""
    if token not in GOOGLE_TOKENINFO:
        return None
    client, info, left = GOOGLE_TOKENINFO[token]
    return {"azp": client, "aud": client, "sub": info["sub"],
            "scope": "https://www.googleapis.com/auth/userinfo.email openid",
            "exp": str(t + left), "expires_in": str(max(left, 0)), "email": info["email"],
            "email_verified": "true", "access_type": "online"}


# ---------------------------------------------------------------------------
# Keycloak (25)
#   https://www.keycloak.org/docs/latest/server_admin/#_audience
#     (the Audience mapper; without it aud is "account")
#   https://www.keycloak.org/securing-apps/oidc-layers (endpoints)
# Access token header alg RS256, typ JWT, kid; payload typ "Bearer", azp the
# login client, realm_access/resource_access, sid, scope string. The realm's
# certs publish the RS256 signing key and an RSA-OAEP encryption key (use enc),
# each with x5c, x5t and x5t#S256. Refresh tokens are HS512 (typ "Refresh").
# Assumption: the certs endpoint answers "Cache-Control: no-cache".
# ---------------------------------------------------------------------------
KC = "https://sso.example.com/realms/staff"


def keycloak_docs(keys):
    p = KC + "/protocol/openid-connect"
    disc = {"issuer": KC, "authorization_endpoint": p + "/auth", "token_endpoint": p + "/token",
            "introspection_endpoint": p + "/token/introspect",
            "userinfo_endpoint": p + "/userinfo", "end_session_endpoint": p + "/logout",
            "jwks_uri": p + "/certs", "device_authorization_endpoint": p + "/auth/device",
            "grant_types_supported": ["authorization_code", "implicit", "refresh_token",
                                      "password", "client_credentials",
                                      "urn:ietf:params:oauth:grant-type:device_code"],
            "id_token_signing_alg_values_supported": ["PS384", "RS384", "EdDSA", "ES384",
                                                      "HS256", "HS512", "ES256", "RS256",
                                                      "HS384", "ES512", "PS256", "PS512",
                                                      "RS512"],
            "subject_types_supported": ["public", "pairwise"],
            "frontchannel_logout_session_supported": True,
            "mtls_endpoint_aliases": {"token_endpoint": p + "/token"}}
    out = []
    for kid, k in keys.items():
        d = jwk(k, kid=kid, use="sig", alg="RS256", **x5(k, "staff"))
        d["x5t#S256"] = b64u(hashlib.sha256(base64.b64decode(d["x5c"][0])).digest())
        out.append(d)
    enc = dict(out[0], kid="enc-" + out[0]["kid"], use="enc", alg="RSA-OAEP")
    return {
        ("sso.example.com", "/realms/staff/.well-known/openid-configuration"): disc,
        ("sso.example.com", "/realms/staff/protocol/openid-connect/certs"):
            ({"keys": [enc] + out}, {"Cache-Control": "no-cache"}),
    }


def keycloak_token(kind, t):
    c = {"exp": t + 300, "iat": t - 5, "auth_time": t - 30, "jti": str(uuid.uuid4()),
         "iss": KC, "aud": ["mail-gateway", "account"], "sub": str(uuid.uuid4()),
         "typ": "Bearer", "azp": "mail-login", "sid": str(uuid.uuid4()), "acr": "1",
         "allowed-origins": ["http://127.0.0.1"],
         "realm_access": {"roles": ["default-roles-staff", "offline_access"]},
         "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
         "scope": "openid mail.access profile email", "email_verified": True,
         "name": "Alice Example", "preferred_username": "alice", "given_name": "Alice",
         "family_name": "Example", "email": "alice@example.com", "groups": ["mail-users"]}
    h = {"alg": "RS256", "typ": "JWT", "kid": None}
    if kind == "access":
        return h, c
    if kind == "id":
        c = dict(c, aud="mail-login", typ="ID", at_hash="9aB3cD4eF5gH6iJ7kL8m")
        for k in ("scope", "realm_access", "resource_access", "allowed-origins"):
            c.pop(k)
        return h, c
    if kind == "refresh":
        return {"alg": "HS512", "typ": "JWT", "kid": "8f3e2d1c-hmac"}, \
            {"exp": t + 1800, "iat": t - 5, "jti": str(uuid.uuid4()), "iss": KC, "aud": KC,
             "sub": c["sub"], "typ": "Refresh", "azp": "mail-login", "sid": c["sid"],
             "scope": c["scope"]}
    raise KeyError(kind)
