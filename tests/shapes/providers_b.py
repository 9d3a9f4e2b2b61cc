# SPDX-License-Identifier: MIT
"""providers_b.py - Okta, Auth0, AWS Cognito, authentik, Zitadel and GitLab as
their public documentation shows them (see fixtures.py for what a provider
entry is)."""
import hashlib
import uuid

from forge import b64u, jwk  # noqa: E402  (providers_a put tests/lib on the path)
from providers_a import (  # noqa: E402
    AUTH0_API, AUTH0_CLIENT, AUTH0_DOMAIN, COGNITO_CLIENT, COGNITO_HOST, COGNITO_POOL,
    GITLAB_APP, GITLAB_HOST, OKTA_CLIENT, OKTA_DOMAIN, ZITADEL_CLIENT, ZITADEL_HOST,
    ZITADEL_PROJECT, x5)


def oidc_meta(issuer, jwks_uri, **more):
    """The members every discovery document below shares (RFC 8414 2)."""
    d = {"issuer": issuer, "jwks_uri": jwks_uri,
         "authorization_endpoint": issuer.rstrip("/") + "/authorize",
         "token_endpoint": issuer.rstrip("/") + "/token",
         "response_types_supported": ["code", "id_token", "code id_token"],
         "subject_types_supported": ["public"],
         "id_token_signing_alg_values_supported": ["RS256"]}
    d.update(more)
    return d


# ---------------------------------------------------------------------------
# Okta, custom authorization server "default"
#   https://developer.okta.com/docs/concepts/auth-servers/
#   https://developer.okta.com/docs/reference/api/oidc/#access-token
#     (header kid + alg; claims ver, jti "AT.", iss, aud, iat, exp, cid, uid,
#     scp array, auth_time, sub = the user's login)
#   https://developer.okta.com/docs/guides/validate-access-tokens/
# Keys at {issuer}/v1/keys: kty, alg, kid, use, e, n. The org authorization
# server (iss https://{domain}, aud https://{domain}) signs tokens only Okta
# itself may consume. Assumption: keys Cache-Control "max-age=3832,
# must-revalidate" (Okta documents caching and rotation, not the header).
# ---------------------------------------------------------------------------
OKTA_ISS = "https://%s/oauth2/default" % OKTA_DOMAIN


def okta_docs(keys):
    ks = {"keys": [jwk(k, kid=kid, alg="RS256", use="sig") for kid, k in keys.items()]}
    disc = oidc_meta(OKTA_ISS, OKTA_ISS + "/v1/keys",
                     authorization_endpoint=OKTA_ISS + "/v1/authorize",
                     token_endpoint=OKTA_ISS + "/v1/token",
                     userinfo_endpoint=OKTA_ISS + "/v1/userinfo",
                     introspection_endpoint=OKTA_ISS + "/v1/introspect",
                     device_authorization_endpoint=OKTA_ISS + "/v1/device/authorize",
                     scopes_supported=["openid", "profile", "email", "offline_access",
                                       "mail.access"],
                     claims_supported=["iss", "ver", "sub", "aud", "iat", "exp", "jti",
                                       "auth_time", "amr", "idp", "nonce", "name",
                                       "preferred_username", "email", "groups"],
                     request_parameter_supported=True)
    return {
        (OKTA_DOMAIN, "/oauth2/default/.well-known/openid-configuration"): disc,
        (OKTA_DOMAIN, "/oauth2/default/v1/keys"):
            (ks, {"Cache-Control": "max-age=3832, must-revalidate"}),
    }


def okta_token(kind, t):
    c = {"ver": 1, "jti": "AT.6Ya3bLc9dEf0gHi1jK2lM3nO4pQ5rS6tU7vW8xY9z0",
         "iss": OKTA_ISS, "aud": "api://default", "iat": t - 5, "exp": t + 3595,
         "cid": OKTA_CLIENT, "uid": "00u1a2b3c4d5e6f7g8h9", "scp": ["openid", "mail.access"],
         "auth_time": t - 60, "sub": "Alice@example.com", "groups": ["mail-users"]}
    h = {"kid": None, "alg": "RS256"}
    if kind == "access":
        return h, c
    if kind == "id":
        return h, {"sub": c["uid"], "name": "Alice Example", "email": "alice@example.com",
                   "ver": 1, "iss": OKTA_ISS, "aud": OKTA_CLIENT, "iat": t - 5,
                   "exp": t + 3595, "jti": "ID.5Xa2b", "amr": ["pwd"],
                   "idp": "00o1a2b3c4d5e6f7g8h9", "preferred_username": "Alice@example.com",
                   "auth_time": t - 60, "at_hash": "preview_at_hash"}
    if kind == "org":
        # the org authorization server: for Okta's own APIs only
        return h, dict(c, iss="https://" + OKTA_DOMAIN, aud="https://" + OKTA_DOMAIN,
                       scp=["okta.users.read.self"])
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# Auth0
#   https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
#     (the "Auth0" profile: typ JWT, aud string or array with the /userinfo
#     audience when openid was requested, azp, scope string, gty for
#     client credentials; sub "CLIENT@clients" for machine tokens)
#   https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
#     (namespaced custom claims set by an Action)
#   https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets
# The issuer ends with "/". Keys at /.well-known/jwks.json: kty, use, n, e,
# kid, x5t, x5c, alg. Assumption: Cache-Control "public, max-age=15,
# stale-while-revalidate=15, stale-if-error=86400" (observed, undocumented).
# ---------------------------------------------------------------------------
AUTH0_ISS = "https://%s/" % AUTH0_DOMAIN
AUTH0_NS = "https://mail.example.com/"


def auth0_docs(keys):
    ks = {"keys": [dict(jwk(k, kid=kid, use="sig", alg="RS256"), **x5(k, "dev-example"))
                   for kid, k in keys.items()]}
    disc = oidc_meta(AUTH0_ISS, AUTH0_ISS + ".well-known/jwks.json",
                     userinfo_endpoint=AUTH0_ISS + "userinfo",
                     device_authorization_endpoint=AUTH0_ISS + "oauth/device/code",
                     token_endpoint=AUTH0_ISS + "oauth/token",
                     mfa_challenge_endpoint=AUTH0_ISS + "mfa/challenge",
                     revocation_endpoint=AUTH0_ISS + "oauth/revoke",
                     scopes_supported=["openid", "profile", "offline_access", "name",
                                       "given_name", "family_name", "nickname", "email",
                                       "email_verified", "picture", "created_at",
                                       "identities", "phone", "address"],
                     request_uri_parameter_supported=False,
                     end_session_endpoint=AUTH0_ISS + "oidc/logout")
    return {
        (AUTH0_DOMAIN, "/.well-known/openid-configuration"): disc,
        (AUTH0_DOMAIN, "/.well-known/jwks.json"):
            (ks, {"Cache-Control": "public, max-age=15, stale-while-revalidate=15, "
                                   "stale-if-error=86400"}),
    }


def auth0_token(kind, t):
    h = {"alg": "RS256", "typ": "JWT", "kid": None}
    c = {AUTH0_NS + "username": "alice", AUTH0_NS + "groups": ["mail-users"],
         "iss": AUTH0_ISS, "sub": "auth0|65f1a2b3c4d5e6f708192a3b",
         "aud": [AUTH0_API, AUTH0_ISS + "userinfo"], "iat": t - 5, "exp": t + 86395,
         "scope": "openid profile email mail.access", "azp": AUTH0_CLIENT}
    if kind == "access":
        return h, c
    if kind == "machine":
        return h, {"iss": AUTH0_ISS, "sub": AUTH0_CLIENT + "@clients", "aud": AUTH0_API,
                   "iat": t - 5, "exp": t + 86395, "scope": "mail.access",
                   "gty": "client-credentials", "azp": AUTH0_CLIENT}
    if kind == "id":
        return h, {"nickname": "alice", "name": "alice@example.com", "email":
                   "alice@example.com", "email_verified": True, "iss": AUTH0_ISS,
                   "aud": AUTH0_CLIENT, "iat": t - 5, "exp": t + 36000, "sub": c["sub"],
                   "sid": "aBcDeFgHiJkLmNoPqRsTuVwXyZ", "nonce": "n-0S6_WzA2Mj"}
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# Amazon Cognito user pools
#   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
#   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
#     (header kid + alg only; access: no aud, client_id, token_use access,
#     username, scope (here with the custom scope mail/access of a resource
#     server "mail", as the guide sets it up), version 2; id: aud = app client id, token_use id,
#     cognito:username, cognito:groups; access and ID tokens are signed with
#     different keys)
#   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
# Keys at {issuer}/.well-known/jwks.json: alg, e, kid, kty, n, use.
# Assumption: no Cache-Control header on the key set.
# ---------------------------------------------------------------------------
COGNITO_ISS = "https://%s/%s" % (COGNITO_HOST, COGNITO_POOL)


def cognito_docs(keys):
    ks = {"keys": [jwk(k, kid=kid, alg="RS256", use="sig") for kid, k in keys.items()]}
    auth = "https://mail-example.auth.eu-west-1.amazoncognito.com/oauth2"
    disc = oidc_meta(COGNITO_ISS, COGNITO_ISS + "/.well-known/jwks.json",
                     authorization_endpoint=auth + "/authorize",
                     token_endpoint=auth + "/token", userinfo_endpoint=auth + "/userInfo",
                     revocation_endpoint=auth + "/revoke",
                     scopes_supported=["openid", "email", "phone", "profile"],
                     token_endpoint_auth_methods_supported=["client_secret_basic",
                                                            "client_secret_post"])
    return {
        (COGNITO_HOST, "/%s/.well-known/openid-configuration" % COGNITO_POOL): disc,
        (COGNITO_HOST, "/%s/.well-known/jwks.json" % COGNITO_POOL): (ks, {}),
    }


def cognito_token(kind, t):
    sub = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    common = {"sub": sub, "cognito:groups": ["mail-users"], "iss": COGNITO_ISS,
              "origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
              "auth_time": t - 30, "exp": t + 3600, "iat": t - 5, "jti": str(uuid.uuid4())}
    if kind == "id":
        # signed with the pool's ID-token key (the first kid)
        return {"kid": None, "alg": "RS256"}, dict(
            common, email_verified=True, **{"cognito:username": "Alice"},
            aud=COGNITO_CLIENT, token_use="id", email="alice@example.com")
    if kind == "access":
        return {"kid": 1, "alg": "RS256"}, dict(
            common, version=2, client_id=COGNITO_CLIENT, token_use="access",
            scope="openid email mail/access",
            username="Alice")
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# authentik (2024.x)
#   https://docs.goauthentik.io/docs/add-secure-apps/providers/oauth2/
#     (per-application issuer .../application/o/<slug>/, endpoints, JWKS at
#     .../application/o/<slug>/jwks/, HS256 with the client secret when no
#     signing key is selected)
# Access tokens are JWTs for the provider's client id with the user's
# profile claims. Assumptions: the access token carries a "scope" string and
# the ID token none; keys carry x5c/x5t/x5t#S256; no Cache-Control.
# ---------------------------------------------------------------------------
AK = "https://authentik.example.com/application/o/mail-gateway/"
AK_CLIENT = "mail-gateway-client-id"


def authentik_docs(keys):
    ks = []
    for kid, k in keys.items():
        d = dict(jwk(k, kid=kid, alg="RS256", use="sig"), **x5(k, "authentik Self-signed"))
        d["x5t#S256"] = b64u(hashlib.sha256(kid.encode()).digest())
        ks.append(d)
    o = "https://authentik.example.com/application/o/"
    disc = oidc_meta(AK, AK + "jwks/", authorization_endpoint=o + "authorize/",
                     token_endpoint=o + "token/", userinfo_endpoint=o + "userinfo/",
                     end_session_endpoint=AK + "end-session/",
                     introspection_endpoint=o + "introspect/",
                     revocation_endpoint=o + "revoke/",
                     device_authorization_endpoint=o + "device/",
                     acr_values_supported=["goauthentik.io/providers/oauth2/default"],
                     claims_parameter_supported=False)
    return {
        ("authentik.example.com", "/application/o/mail-gateway/.well-known/openid-configuration"):
            disc,
        ("authentik.example.com", "/application/o/mail-gateway/jwks/"): {"keys": ks},
    }


def authentik_token(kind, t):
    c = {"iss": AK, "sub": "4f8c3b2a1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
         "aud": AK_CLIENT, "exp": t + 300, "iat": t - 5, "auth_time": t - 30,
         "acr": "goauthentik.io/providers/oauth2/default", "amr": ["pwd"],
         "sid": "1c2d3e4f5a6b7c8d9e0f", "email": "alice@example.com", "email_verified": True,
         "name": "Alice Example", "given_name": "Alice Example", "preferred_username": "alice",
         "nickname": "alice", "groups": ["mail-users", "authentik Admins"],
         "azp": AK_CLIENT, "uid": "Qm9iU2hhcGVzVWlk"}
    h = {"alg": "RS256", "kid": None, "typ": "JWT"}
    if kind == "access":
        return h, dict(c, scope="openid email profile mail.access")
    if kind == "id":
        return h, c
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# Zitadel
#   https://zitadel.com/docs/apis/openidoauth/claims (which claims are in
#     JWT access tokens: aud, azp?, client_id, exp, iat, iss, jti, nbf, sub,
#     urn:zitadel:iam:org:project:roles; no profile claims)
#   https://zitadel.com/docs/apis/openidoauth/scopes (project audience scope
#     urn:zitadel:iam:org:project:id:{projectid}:aud)
#   https://zitadel.com/docs/apis/openidoauth/endpoints (keys at /oauth/v2/keys)
# aud is an array of the project id and the client ids of the project.
# Assumptions: header typ JWT; keys Cache-Control "max-age=300, must-revalidate".
# ---------------------------------------------------------------------------
ZI = "https://" + ZITADEL_HOST


def zitadel_docs(keys):
    ks = {"keys": [jwk(k, kid=kid, alg="RS256", use="sig") for kid, k in keys.items()]}
    disc = oidc_meta(ZI, ZI + "/oauth/v2/keys", authorization_endpoint=ZI + "/oauth/v2/authorize",
                     token_endpoint=ZI + "/oauth/v2/token",
                     introspection_endpoint=ZI + "/oauth/v2/introspect",
                     userinfo_endpoint=ZI + "/oidc/v1/userinfo",
                     device_authorization_endpoint=ZI + "/oauth/v2/device_authorization",
                     end_session_endpoint=ZI + "/oidc/v1/end_session",
                     revocation_endpoint=ZI + "/oauth/v2/revoke",
                     scopes_supported=["openid", "profile", "email", "phone", "address",
                                       "offline_access"],
                     request_object_signing_alg_values_supported=["RS256"])
    return {
        (ZITADEL_HOST, "/.well-known/openid-configuration"): disc,
        (ZITADEL_HOST, "/oauth/v2/keys"): (ks, {"Cache-Control": "max-age=300, "
                                                                "must-revalidate"}),
    }


def zitadel_token(kind, t):
    roles = {"mail-user": {"216453655233101823": "example.zitadel.cloud"}}
    c = {"aud": [ZITADEL_PROJECT, ZITADEL_CLIENT, "216453940008206079@mail"],
         "client_id": ZITADEL_CLIENT, "exp": t + 43200, "iat": t - 5,
         "iss": ZI, "jti": "216454002159534335", "nbf": t - 5, "sub": "216453655233233407",
         "urn:zitadel:iam:org:project:roles": roles,
         "urn:zitadel:iam:org:project:%s:roles" % ZITADEL_PROJECT: roles,
         "urn:zitadel:iam:user:resourceowner:id": "216453655233101823",
         "scope": "openid profile urn:zitadel:iam:org:project:id:%s:aud" % ZITADEL_PROJECT}
    h = {"alg": "RS256", "kid": None, "typ": "JWT"}
    if kind == "access":
        return h, c
    raise KeyError(kind)


# ---------------------------------------------------------------------------
# GitLab (as an OpenID provider; ID tokens only: its OAuth access tokens are
# opaque)
#   https://docs.gitlab.com/integration/openid_connect_provider/
#     (claims: sub, sub_legacy, auth_time, name, nickname, preferred_username,
#     email, email_verified, website, profile, picture, groups,
#     groups_direct; ID-token lifetime 120 s)
#   https://docs.gitlab.com/api/oauth2/ (opaque access tokens)
# Keys at /oauth/discovery/keys: kty, kid, e, n, use, alg.
# Assumption: keys Cache-Control "max-age=0, private, must-revalidate" (Rails).
# ---------------------------------------------------------------------------
GL = "https://" + GITLAB_HOST


def gitlab_docs(keys):
    ks = {"keys": [jwk(k, kid=kid, use="sig", alg="RS256") for kid, k in keys.items()]}
    disc = oidc_meta(GL, GL + "/oauth/discovery/keys",
                     authorization_endpoint=GL + "/oauth/authorize",
                     token_endpoint=GL + "/oauth/token", userinfo_endpoint=GL + "/oauth/userinfo",
                     revocation_endpoint=GL + "/oauth/revoke",
                     introspection_endpoint=GL + "/oauth/introspect",
                     scopes_supported=["api", "read_api", "read_user", "openid", "profile",
                                       "email"],
                     claims_supported=["iss", "sub", "aud", "exp", "iat", "sub_legacy",
                                       "name", "nickname", "preferred_username", "email",
                                       "email_verified", "website", "profile", "picture",
                                       "groups", "groups_direct",
                                       "https://gitlab.org/claims/groups/owner"])
    return {
        (GITLAB_HOST, "/.well-known/openid-configuration"): disc,
        (GITLAB_HOST, "/oauth/discovery/keys"):
            (ks, {"Cache-Control": "max-age=0, private, must-revalidate"}),
    }


def gitlab_token(kind, t):
    if kind != "id":
        raise KeyError(kind)
    return {"typ": "JWT", "kid": None, "alg": "RS256"}, {
        "iss": GL, "sub": "1234", "aud": GITLAB_APP, "exp": t + 120, "iat": t - 2,
        "auth_time": t - 60, "sub_legacy": hashlib.sha256(b"alice").hexdigest(),
        "name": "Alice Example", "nickname": "alice", "preferred_username": "alice",
        "email": "alice@example.com", "email_verified": True,
        "website": "https://alice.example.com", "profile": GL + "/alice",
        "picture": GL + "/uploads/-/system/user/avatar/1234/avatar.png",
        "groups_direct": ["mail-users", "infra/ops"]}
