# SPDX-License-Identifier: MIT
"""t_namespace.py - several issuers must not share one user namespace silently,
and tokens never become system accounts (issue 11 item 3), through the CLI.

  - the two-issuer example oidc-auth.conf(5) used to give (a partner section with
    username_claim = email, username_map = strip_domain:partner.example) is
    refused by check-config, which says what both issuers can produce, so
    bob@partner.example can no longer become the staff's bob;
  - root@partner.example never becomes root (system_user);
  - the safe layout (strip_domain for the staff, keep_domain for the partner)
    keeps the partner's names apart;
  - Entra multi-tenant: two tenants' alice do not both become alice; one section
    per tenant keeps them apart, a declared username_namespace shares them;
  - system accounts of a private /etc/passwd (bind-mounted in this test's mount
    namespace only) are refused, an explicitly allowed one accepted.

Keys and tokens are made here with python3-cryptography and PyJWT. Run with
/usr/bin/python3 from the repository root; it re-executes itself in private
network, PID and mount namespaces.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from testlib import Suite, in_namespaces  # noqa: E402

in_namespaces("namespace")
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

t = Suite("namespace")
NOW = t.now
AUD = "imap.example.com"
CORP = "https://idp.corp.example.com/realms/staff"
PARTNER = "https://login.partner.example/oauth2"
ENTRA = "https://login.microsoftonline.com/{tenantid}/v2.0"
TA = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TB = "9188040d-6c67-4c5b-b112-36a304b66dad"
KEYS = {}


def jwks_file(name):
    """A key pair for name; the public half as DIR/name.jwks."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    pub.update(kid=name, use="sig", alg="RS256")
    KEYS[name] = key
    return t.write(name + ".jwks", json.dumps({"keys": [pub]}))


CORP_JWKS = jwks_file("corp")
PARTNER_JWKS = jwks_file("partner")
ENTRA_JWKS = jwks_file("entra")


def tok(keyname, iss, **claims):
    c = {"iss": iss, "aud": AUD, "iat": NOW - 60, "exp": NOW + 600,
         "scope": "mail.access", "sub": "id-%d" % len(claims)}
    c.update(claims)
    return jwt.encode(c, KEYS[keyname], algorithm="RS256", headers={"kid": keyname})


def email_tok(keyname, iss, email, **more):
    return tok(keyname, iss, email=email, email_verified=True, **more)


def entra_tok(tid, upn):
    return tok("entra", ENTRA.replace("{tenantid}", tid), tid=tid, preferred_username=upn)


def conf(name, text):
    return t.write(name, text.strip() + "\ncache_dir = %s\n" % t.path("cache"), 0o600)


def check_config(name, cfg, rc, words=()):
    """check-config --json: exit rc; a refusal's detail names each of words."""
    res = t.run(["check-config", "--json", cfg])
    problems = []
    if res.rc != rc:
        problems.append("exit %s, expected %s" % (res.rc, rc))
    if rc == 2 and res.field("reason") != "config_error":
        problems.append("reason %r, expected config_error" % res.field("reason"))
    for w in words:
        if w not in (res.field("detail") or ""):
            problems.append("the detail does not name %r" % w)
    t.ok(name, not problems, "; ".join(problems), res.summary())
    return res


os.makedirs(t.path("cache"), mode=0o700)

# ---- the private account database ---------------------------------------------------
t.private_passwd(["svc-old:x:500:500::/nonexistent:/usr/sbin/nologin",
                  "svc-backup:x:501:501::/nonexistent:/usr/sbin/nologin",
                  "dyn-svc:x:61184:61184::/nonexistent:/usr/sbin/nologin",
                  "bob:x:2001:2001::/nonexistent:/bin/sh"])

# ---- the documented partner example, as oidc-auth.conf(5) gave it ---------------------
OLD_PARTNER = conf("old-partner.conf", f"""
audience        = {AUD}
required_scopes = mail.access

[issuer corp]
issuer    = {CORP}
jwks_file = {CORP_JWKS}

[issuer partner]
issuer         = {PARTNER}
jwks_file      = {PARTNER_JWKS}
username_claim = email
username_map   = strip_domain:partner.example
""")
check_config("old partner example: check-config refuses it", OLD_PARTNER, 2,
             ("[issuer partner]", "username_map", "[issuer corp]"))
bob_p = email_tok("partner", PARTNER, "bob@partner.example")
res = t.validate(OLD_PARTNER, bob_p, NOW, user="bob")
t.ok("old partner example: bob@partner.example cannot become the staff's bob",
     res.rc != 0 and res.field("user") is None, res.summary())
res = t.validate(OLD_PARTNER, email_tok("partner", PARTNER, "root@partner.example"), NOW,
                 user="root")
t.ok("old partner example: root@partner.example cannot become root",
     res.rc != 0 and res.field("user") is None, res.summary())

# the partner section alone is one issuer: nothing to share, but no root either
PARTNER_ONLY = conf("partner-only.conf", f"""
issuer         = {PARTNER}
audience       = {AUD}
jwks_file      = {PARTNER_JWKS}
username_claim = email
username_map   = strip_domain:partner.example
""")
t.expect_validate("partner alone: root@partner.example refused (system_user)", PARTNER_ONLY,
                  email_tok("partner", PARTNER, "root@partner.example"), 1, "system_user")
t.expect_validate("partner alone: svc-old@partner.example refused (uid 500)", PARTNER_ONLY,
                  email_tok("partner", PARTNER, "svc-old@partner.example"), 1, "system_user")
t.expect_validate("partner alone: bob@partner.example is bob", PARTNER_ONLY, bob_p, 0,
                  user="bob")

# ---- the safe layout: staff names without '@', the partner's keep their domain --------
SAFE = conf("safe.conf", f"""
audience        = {AUD}
required_scopes = mail.access

[issuer corp]
issuer         = {CORP}
jwks_file      = {CORP_JWKS}
username_claim = preferred_username
username_map   = lowercase, strip_domain:corp.example

[issuer partner]
issuer         = {PARTNER}
jwks_file      = {PARTNER_JWKS}
username_claim = email
username_map   = lowercase, keep_domain:partner.example
""")
res = check_config("safe layout: check-config accepts it", SAFE, 0)
notes = {(n.get("section"), n.get("note")) for n in (res.field("notes") or [])}
t.ok("safe layout: check-config explains both sections' names and the email claim",
     {("corp", "user_names"), ("partner", "user_names"), ("partner", "email_username"),
      ("corp", "strip_domain")} <= notes, sorted(notes))
t.expect_validate("safe layout: the partner's bob stays bob@partner.example", SAFE, bob_p, 0,
                  user="bob@partner.example")
t.expect_validate("safe layout: the partner's bob is not the staff's bob", SAFE, bob_p, 1,
                  "user_mismatch", user_arg="bob")
t.expect_validate("safe layout: root@partner.example is not root", SAFE,
                  email_tok("partner", PARTNER, "root@partner.example"), 1, "user_mismatch",
                  user_arg="root")
t.expect_validate("safe layout: a partner email without the domain is refused", SAFE,
                  email_tok("partner", PARTNER, "bob"), 1, "bad_username")
t.expect_validate("safe layout: a partner email of the staff's domain is refused", SAFE,
                  email_tok("partner", PARTNER, "bob@corp.example"), 1, "bad_username")
t.expect_validate("safe layout: the staff's bob is bob", SAFE,
                  tok("corp", CORP, preferred_username="Bob@corp.example"), 0, user="bob")
t.expect_validate("safe layout: the staff's provider cannot name root", SAFE,
                  tok("corp", CORP, preferred_username="root"), 1, "system_user")

# ---- Entra multi-tenant ------------------------------------------------------------------
OLD_ENTRA = conf("old-entra.conf", f"""
issuer          = {ENTRA}
audience        = {AUD}
jwks_file       = {ENTRA_JWKS}
algorithms      = RS256
allowed_tenants = {TB}, {TA}
username_claim  = preferred_username
username_map    = lowercase, strip_domain:example.com
required_scopes = mail.access
""")
check_config("entra: two tenants with one username_map refused", OLD_ENTRA, 2,
             ("allowed_tenants",))
res = t.validate(OLD_ENTRA, entra_tok(TB, "alice@example.com"), NOW, user="alice")
t.ok("entra: tenant B's alice cannot become alice", res.rc != 0 and res.field("user") is None,
     res.summary())
PER_TENANT = conf("per-tenant.conf", f"""
audience       = {AUD}
jwks_file      = {ENTRA_JWKS}
username_claim = preferred_username

[issuer contoso]
issuer       = https://login.microsoftonline.com/{TA}/v2.0
username_map = lowercase, strip_domain:contoso.example

[issuer fabrikam]
issuer       = https://login.microsoftonline.com/{TB}/v2.0
username_map = lowercase, keep_domain:fabrikam.example
""")
check_config("entra: one section per tenant accepted", PER_TENANT, 0)
t.expect_validate("entra: tenant A's alice is alice", PER_TENANT,
                  entra_tok(TA, "Alice@contoso.example"), 0, user="alice")
t.expect_validate("entra: tenant B's alice is alice@fabrikam.example", PER_TENANT,
                  entra_tok(TB, "alice@fabrikam.example"), 0, user="alice@fabrikam.example")
t.expect_validate("entra: tenant B cannot claim tenant A's domain", PER_TENANT,
                  entra_tok(TB, "alice@contoso.example"), 1, "bad_username")
t.expect_validate("entra: tenant B's alice is not alice", PER_TENANT,
                  entra_tok(TB, "alice@fabrikam.example"), 1, "user_mismatch", user_arg="alice")
SHARED = conf("shared-tenants.conf", f"""
issuer             = {ENTRA}
audience           = {AUD}
jwks_file          = {ENTRA_JWKS}
allowed_tenants    = {TA}, {TB}
username_claim     = preferred_username
username_map       = lowercase, strip_domain:example.com
username_namespace = both-tenants
""")
check_config("entra: two tenants sharing names on purpose accepted", SHARED, 0)
t.expect_validate("entra: declared sharing: tenant B's alice is alice", SHARED,
                  entra_tok(TB, "alice@example.com"), 0, user="alice")

# ---- system accounts of the private /etc/passwd ---------------------------------------
ONE = conf("one.conf", f"""
issuer    = {CORP}
audience  = {AUD}
jwks_file = {CORP_JWKS}
""")
for sub, why in (("root", "root"), ("daemon", "uid 1"), ("svc-old", "uid 500"),
                 ("nobody", "uid 65534"), ("dyn-svc", "uid 61184")):
    t.expect_validate("system accounts: %s (%s) refused" % (sub, why), ONE,
                      tok("corp", CORP, sub=sub), 1, "system_user")
t.expect_validate("system accounts: bob (uid 2001) accepted", ONE, tok("corp", CORP, sub="bob"),
                  0, user="bob")
t.expect_validate("system accounts: a name the database lacks is no system account", ONE,
                  tok("corp", CORP, sub="virtual-carol"), 0, user="virtual-carol")
t.expect_validate("system accounts: allow_system_users = svc-backup accepts it", ONE,
                  tok("corp", CORP, sub="svc-backup"), 0, user="svc-backup",
                  sets=["allow_system_users=svc-backup"])
t.expect_validate("system accounts: allow_system_users opens only what it lists", ONE,
                  tok("corp", CORP, sub="svc-old"), 1, "system_user",
                  sets=["allow_system_users=svc-backup"])
t.expect_validate("system accounts: min_user_uid = 400 makes uid 500 a user", ONE,
                  tok("corp", CORP, sub="svc-old"), 0, user="svc-old",
                  sets=["min_user_uid=400"])
t.done()
