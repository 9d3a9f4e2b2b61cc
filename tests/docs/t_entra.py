# SPDX-License-Identifier: MIT
"""t_entra.py - the configurations of docs/idp/entra-id.md do what the guide says (issue 12).

The guide's blocks (marked <!-- tested: NAME -->, tests/lib/docblocks.py) are run with
Entra-shaped tokens made here by PyJWT (python3-jwt): v2.0 user tokens (iss
login.microsoftonline.com/<tid>/v2.0, aud the API's client id, scp, preferred_username), v1.0
user tokens (iss https://sts.windows.net/<tid>/, aud the Application ID URI or the client id,
upn, unique_name, ver 1.0), application tokens (roles, azp, no scp, no user name) and tokens of
other tenants, among them the tenant of every personal Microsoft account. Tenant, client ids and
the application's map come from the guide itself. The provider's keys are replaced by local key
sets the way Entra publishes them: the v2.0 key set names the v2 issuer in each key, the v1 one
does not; each issuer of a block gets the key set of its metadata.

Run from the repository root: /usr/bin/python3 tests/docs/t_entra.py
"""
import base64
import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import jwt  # noqa: E402  python3-jwt
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from docblocks import block  # noqa: E402
from testlib import Suite  # noqa: E402

GUIDE = "docs/idp/entra-id.md"
PERSONAL = "9188040d-6c67-4c5b-b112-36a304b66dad"   # every personal Microsoft account
t = Suite("entra")
NOW = t.now


def guide(name):
    try:
        return block(GUIDE, name)
    except LookupError as e:
        t.ok("the guide has the block %s" % name, False, str(e))
        return None


single, v1conf, apps, apps_map, multi, client = (
    guide(n) for n in ("entra-single", "entra-v1", "entra-apps", "entra-apps-map",
                       "entra-multi", "entra-client"))
if single is None:
    t.done()
TID = re.search(r"login\.microsoftonline\.com/([0-9a-f-]{36})/v2\.0", single).group(1)
API = re.search(r"^audience\s*=\s*(\S+)", single, re.M).group(1)
OTHER_TENANT = str(uuid.uuid4())
CUSTOMER = None
if multi:
    tenants = re.search(r"^allowed_tenants\s*=\s*(.*)$", multi, re.M).group(1)
    CUSTOMER = [x for x in re.split(r"[,\s]+", tenants) if x and x != TID][0]
APP_URI = None
if v1conf:
    m = re.search(r"\[issuer entra-v1\].*?^audience\s*=\s*(.*?)$", v1conf, re.M | re.S)
    APP_URI = [a for a in re.split(r"[,\s]+", m.group(1)) if a.startswith("api://")][0]
APP_ID = APP_ACCOUNT = None
if apps_map:
    APP_ID, APP_ACCOUNT = [l.split() for l in apps_map.splitlines()
                           if l.strip() and not l.startswith("#")][0]

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64u_int(n):
    return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


pub = key.public_key().public_numbers()
jwk = {"kty": "RSA", "use": "sig", "kid": "entra-k1", "n": b64u_int(pub.n), "e": b64u_int(pub.e)}
JWKS_V1 = t.write("keys-v1.json", json.dumps({"keys": [jwk]}))
JWKS_V2 = t.write("keys-v2.json", json.dumps({"keys": [dict(
    jwk, issuer="https://login.microsoftonline.com/{tenantid}/v2.0")]}))
USERS_MAP = t.write("entra-users.map", "alice@example.com alice\n")
APPS_MAP = t.write("entra-apps.map", apps_map or "")
CACHE = t.path("cache")
os.makedirs(CACHE, mode=0o700)


def conf(name, text, v1_keys_for_v1=True):
    """The block with the provider's key sets in place of discovery: each issuer line is
    followed by the key set its metadata names."""
    out = ["cache_dir = %s" % CACHE]
    for line in text.splitlines():
        if re.match(r"\s*discovery_url\s*=", line):
            continue
        line = line.replace("/etc/oidc-auth/entra-apps.map", APPS_MAP)
        line = line.replace("/etc/oidc-auth/entra-users.map", USERS_MAP)
        out.append(line)
        m = re.match(r"\s*issuer\s*=\s*(\S+)", line)
        if m:
            v1 = m.group(1).startswith("https://sts.windows.net/")
            out.append("jwks_file = %s" % (JWKS_V1 if v1 and v1_keys_for_v1 else JWKS_V2))
    return t.write(name, "\n".join(out) + "\n")


def token(claims, **kw):
    base = {"iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600, "sub": "pairwise-sub",
            "oid": str(uuid.uuid4())}
    base.update(claims)
    return jwt.encode(base, key, algorithm="RS256", headers={"kid": "entra-k1", "typ": "JWT"})


def v2_user(tid=None, **kw):
    tid = tid or TID
    c = {"iss": "https://login.microsoftonline.com/%s/v2.0" % tid, "aud": API, "tid": tid,
         "scp": "Mail.Access", "preferred_username": "Alice@example.com", "ver": "2.0",
         "azp": "5b8e1c3a-2f4d-4e6a-8b9c-0d1e2f3a4b5c", "name": "Alice"}
    c.update(kw)
    return token(c)


def v1_user(aud=None):
    return token({"iss": "https://sts.windows.net/%s/" % TID, "aud": aud or APP_URI, "tid": TID,
                  "scp": "Mail.Access", "upn": "Alice@example.com",
                  "unique_name": "Alice@example.com", "ver": "1.0",
                  "appid": "5b8e1c3a-2f4d-4e6a-8b9c-0d1e2f3a4b5c"})


def v2_app(azp=None, roles=("Mail.Send.App",)):
    c = {"iss": "https://login.microsoftonline.com/%s/v2.0" % TID, "aud": API, "tid": TID,
         "azp": azp or APP_ID, "azpacr": "1", "idtyp": "app", "ver": "2.0"}
    if roles:
        c["roles"] = list(roles)
    return token(c)


# ---- single tenant, v2 ------------------------------------------------------------------
c_single = conf("single.conf", single)
t.expect_validate("single tenant: a v2 user token maps to alice", c_single, v2_user(), 0,
                  user="alice")
if APP_URI:
    t.expect_validate("single tenant: a v1 token is refused as another issuer, even for the "
                      "Application ID URI", c_single, v1_user(), 1, "wrong_issuer")
if APP_ID:
    t.expect_validate("single tenant: an application token lacks scp: insufficient_scope",
                      c_single, v2_app(), 1, "insufficient_scope")

# ---- v1 tokens in a section of their own ----------------------------------------------
if v1conf:
    c_v1 = conf("v1.conf", v1conf)
    t.expect_validate("v1 section: a v1 token (upn, aud = Application ID URI) maps to alice",
                      c_v1, v1_user(), 0, user="alice", issuer="entra-v1")
    t.expect_validate("v1 section: a v1 token for the client id maps to alice", c_v1,
                      v1_user(API), 0, user="alice", issuer="entra-v1")
    t.expect_validate("v1 section: v2 tokens still go to the v2 section", c_v1, v2_user(), 0,
                      user="alice", issuer="entra")
    t.expect_validate("v1 section: a v1 token for another API is refused", c_v1,
                      v1_user("api://other-api"), 1, "wrong_audience")
    c_v1_wrong = conf("v1-v2keys.conf", v1conf, v1_keys_for_v1=False)
    t.expect_validate("why the v1 section has its own discovery URL: with the v2 key set "
                      "(issuer in each key) a v1 token is refused", c_v1_wrong, v1_user(), 1,
                      "wrong_issuer")

# ---- applications: a configuration of their own ---------------------------------------
if apps and APP_ID:
    c_apps = conf("apps.conf", apps)
    t.expect_validate("applications: the app with the role maps to %s" % APP_ACCOUNT, c_apps,
                      v2_app(), 0, user=APP_ACCOUNT)
    t.expect_validate("applications: a user's token carries no role: claim_policy", c_apps,
                      v2_user(), 1, "claim_policy")
    t.expect_validate("applications: an app without the role: claim_policy", c_apps,
                      v2_app(roles=()), 1, "claim_policy")
    t.expect_validate("applications: another app with the role, not in the map: bad_username",
                      c_apps, v2_app(azp=str(uuid.uuid4())), 1, "bad_username")
    bad = t.write("two-sections.conf", "[issuer users]\n%s\n[issuer apps]\n%s\n" % (
        "\n".join(l for l in single.splitlines()),
        "\n".join(l for l in apps.splitlines() if not l.startswith("#"))))
    res = t.run(["check-config", bad])
    t.ok("applications: an [issuer] section of their own is a configuration error (exit 2)",
         res.rc == 2 and "also matches the issuer" in res.err, res.summary())

# ---- multi-tenant -------------------------------------------------------------------------
if multi:
    c_multi = conf("multi.conf", multi)
    # the guide's example serves one customer tenant (one username_map per tenant: several
    # tenants would share the names, which check-config refuses), in that tenant's domain
    m_dom = re.search(r"strip_domain:(\S+)", multi).group(1)
    t.expect_validate("multi-tenant: the listed customer tenant", c_multi,
                      v2_user(CUSTOMER, preferred_username="Alice@" + m_dom), 0, user="alice")
    if TID not in tenants:
        t.expect_validate("multi-tenant: a tenant the example does not list (the single-tenant "
                          "example's): tenant_not_allowed", c_multi, v2_user(TID), 1,
                          "tenant_not_allowed")
    t.expect_validate("multi-tenant: a tenant not listed: tenant_not_allowed", c_multi,
                      v2_user(OTHER_TENANT), 1, "tenant_not_allowed")
    t.expect_validate("multi-tenant: a personal Microsoft account (tenant %s...) is refused"
                      % PERSONAL[:8], c_multi, v2_user(PERSONAL), 1, "tenant_not_allowed")

# ---- the users' client configuration --------------------------------------------------------
if client:
    t.expect_validate("mail clients: the users' oidc-auth configuration accepts their token",
                      conf("client.conf", client), v2_user(), 0, user="Alice@example.com")
t.done()
