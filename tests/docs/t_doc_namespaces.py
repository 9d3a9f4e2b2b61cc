# SPDX-License-Identifier: MIT
"""t_doc_namespaces.py - every example configuration in the documentation that
trusts several issuers is safe (issue 11 item 3), shown with tokens.

The examples are read from the documents themselves: the ```ini blocks of
docs/oidc-auth.conf.md, docs/idp/*.md and docs/recipes/*.md and the .nf/.fi
blocks of docs/man/oidc-auth.conf.5. An example trusts several issuers when it
has two [issuer] sections or more, or a {tenantid} issuer with several
allowed_tenants (each tenant is an issuer of its own). For each of them:

  - the example (with generated keys: one key set per section, map files with
    made-up entries) passes oidc-auth check-config;
  - for every issuer A, a token of A finds a local name A's users have;
  - a token of every other issuer B, with its username claim set to that name,
    to the name with each domain the example mentions, in upper case, and to the
    names B's own map files list, is
    refused for that name (oidc-auth validate --user NAME), unless A and B
    declare the same username_namespace: then one of them is accepted;
  - no token of any issuer becomes root (root, ROOT, root@DOMAIN...).

Tokens are made with PyJWT and python3-cryptography. It runs in private network,
PID and mount namespaces with a small private /etc/passwd. Run with
/usr/bin/python3 from the repository root.
"""
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from testlib import Suite, in_namespaces  # noqa: E402

in_namespaces("doc namespaces")
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

t = Suite("doc_namespaces")
NOW = t.now
# keys that name where keys or tokens come from: replaced by a local key set
DROP = {"jwks_file", "jwks_uri", "discovery_url", "ca_file", "hmac_secret_file", "hmac_kid",
        "algorithms", "token_types", "introspection_endpoint", "client_id",
        "client_secret_file", "client_auth", "userinfo", "userinfo_endpoint",
        "accept_id_tokens", "cache_dir", "proxy"}


# ---- the examples ---------------------------------------------------------------------

def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def md_blocks(rel):
    return re.findall(r"```ini\n(.*?)```", read(rel), re.S)


def man_blocks(rel):
    """.nf/.fi blocks as text: roff escapes undone, continuation lines (indented,
    no '=') joined to the line before, as the page says they are one line."""
    out = []
    for block in re.findall(r"^\.nf\n(.*?)\n\.fi", read(rel), re.S | re.M):
        lines = []
        for line in block.replace("\\-", "-").replace("\\&", "").splitlines():
            if lines and line.startswith(" ") and "=" not in line:
                lines[-1] += line.strip()
            else:
                lines.append(line)
        out.append("\n".join(lines) + "\n")
    return out


def examples():
    docs = ["docs/oidc-auth.conf.md"]
    for d in ("docs/idp", "docs/recipes"):
        docs += sorted(os.path.join(d, f) for f in os.listdir(os.path.join(ROOT, d))
                       if f.endswith(".md"))
    found = []
    for rel in docs:
        found += [(rel, i, b) for i, b in enumerate(md_blocks(rel))]
    found += [("docs/man/oidc-auth.conf.5", i, b)
              for i, b in enumerate(man_blocks("docs/man/oidc-auth.conf.5"))]
    return [(rel, i, b) for rel, i, b in found if re.search(r"^\s*issuer\s*=", b, re.M)]


def parse(text):
    """(top, [(name, keys)]): key -> value, the top level and each section."""
    top, sections, cur = {}, [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"\[\s*issuer\s+([^\]\s]+)\s*\]$", line)
        if m:
            cur = {}
            sections.append((m.group(1), cur))
            continue
        m = re.match(r"([a-z_]+)\s*=\s*(.*)$", line)
        if m:
            (cur if cur is not None else top)[m.group(1)] = m.group(2)
    return top, sections


def items(v):
    return [x for x in re.split(r"[,\s]+", v or "") if x]


# ---- one example ------------------------------------------------------------------------

class Issuer:
    """One owner of names: a section, or one tenant of a {tenantid} section."""

    def __init__(self, section, keys, tenant, key):
        self.section, self.keys, self.tenant, self.key = section, keys, tenant, key
        self.iss = keys["issuer"].replace("{tenantid}", tenant or "")
        self.label = keys.get("username_namespace")
        self.name = section + ("/" + tenant[:8] if tenant else "")

    def claims(self, value):
        k = self.keys
        c = {"iss": self.iss, "aud": items(k.get("audience"))[0], "sub": "id-x",
             "iat": NOW - 60, "exp": NOW + 600, "email_verified": True}
        scopes = " ".join(items(k.get("required_scopes")))
        if scopes:
            c["scope"] = c["scp"] = scopes
        for clause in (k.get("required_claims") or "").split(","):
            if "=" in clause:
                claim, vals = clause.split("=", 1)
                c[claim.strip()] = [vals.split("|")[0].strip()]
        if k.get("azp"):
            c["azp"] = items(k["azp"])[0]
        if self.tenant:
            c["tid"] = self.tenant
        c[items(k.get("username_claim") or "sub")[0]] = value
        return c

    def token(self, value):
        return jwt.encode(self.claims(value), self.key, algorithm="RS256",
                          headers={"kid": self.section})


def jwks_for(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    pub.update(kid=name, use="sig", alg="RS256")
    return key, json.dumps({"keys": [pub]})


def prepare(tag, text):
    """The example as a runnable file; returns (conf path, issuers, domains,
    map file lines by section)."""
    top, sections = parse(text)
    if not sections:
        sections = [("default", {})]
    issuers, out, maps, n_maps = [], [], {}, [0]
    merged = [(name, dict(top, **keys)) for name, keys in sections]

    def map_files(name, value):
        def repl(m):
            n_maps[0] += 1
            # made-up entries: the first map file gives alice, later ones user-N
            to = "alice" if n_maps[0] == 1 else "user-%d" % n_maps[0]
            line = "id-%s-%d %s\n" % (name, n_maps[0], to)
            maps.setdefault(name, []).append(line.split()[0])
            return "map_file:" + t.write("%s/m%d.map" % (tag, n_maps[0]), line)
        return re.sub(r"map_file:[^,\s]+", repl, value)

    out.append("cache_dir = %s" % t.path(tag + "/cache"))
    for k, v in top.items():
        if k not in DROP and k != "username_map":
            out.append("%s = %s" % (k, v))
    for name, keys in merged:
        key, jwks = jwks_for(name)
        jpath = t.write("%s/%s.jwks" % (tag, name), jwks)
        if sections[0][0] != "default":
            out.append("[issuer %s]" % name)
        for k, v in keys.items():
            if k in DROP or (k in top and top[k] == v and k != "username_map"):
                continue
            out.append("%s = %s" % (k, map_files(name, v) if k == "username_map" else v))
        out.append("jwks_file = %s" % jpath)
        out.append("algorithms = RS256")
        tenants = items(keys.get("allowed_tenants")) if "{tenantid}" in keys["issuer"] else []
        for tenant in tenants or [None]:
            issuers.append(Issuer(name, keys, tenant, key))
    os.makedirs(t.path(tag + "/cache"), mode=0o700, exist_ok=True)
    domains = sorted(set(re.findall(r"(?:strip|keep)_domain:([A-Za-z0-9.-]+)", text)))
    return t.write(tag + "/example.conf", "\n".join(out) + "\n", 0o600), issuers, domains, maps


def candidates(name, domains):
    """What an issuer's token may put in its username claim to become name."""
    local = name.split("@")[0]
    out = [name, name.upper(), local]
    out += ["%s@%s" % (local, d) for d in domains]
    out += ["%s@%s" % (local.upper(), d.upper()) for d in domains]
    return list(dict.fromkeys(out))


def check_example(rel, i, text):
    tag = "%s-%d" % (os.path.basename(rel), i)
    where = "%s example %d" % (rel, i + 1)
    conf, issuers, domains, maps = prepare(tag, text)
    res = t.run(["check-config", "--json", conf])
    if not t.ok("%s: check-config accepts it" % where, res.rc == 0, res.summary(), text):
        return
    # a name each issuer's users have
    victims = {}
    for a in issuers:
        tries = ["alice"] + ["alice@%s" % d for d in domains] + maps.get(a.section, [])
        for value in tries:
            r = t.validate(conf, a.token(value), NOW)
            if r.rc == 0:
                victims[a.name] = r.field("user")
                break
        t.ok("%s: a token of %s logs in as one of its users (%s)" % (where, a.name,
                                                                      victims.get(a.name)),
             a.name in victims, "none of %s was accepted" % tries, r.summary())
    for a in issuers:
        if a.name not in victims:
            continue
        v = victims[a.name]
        for b in issuers:
            if b is a:
                continue
            shared = a.label and a.label == b.label
            # B's own map file entries too: they may lead to the same name
            tries = candidates(v, domains) + maps.get(b.section, [])
            accepted = [value for value in tries
                        if t.validate(conf, b.token(value), NOW, user=v).rc == 0]
            if shared:
                t.ok("%s: %s may be %s's %s (username_namespace %s)" % (where, b.name, a.name,
                                                                       v, a.label),
                     accepted, "no token of %s was accepted as %s" % (b.name, v))
            else:
                t.ok("%s: %s cannot become %s's %s" % (where, b.name, a.name, v),
                     not accepted, "accepted as %s: %s" % (v, accepted))
    for b in issuers:
        if "root" in items(b.keys.get("allow_system_users")):
            continue
        became = []
        for value in candidates("root", domains):
            r = t.validate(conf, b.token(value), NOW)
            if r.rc == 0 and (r.field("user") or "").lower() == "root":
                became.append(value)
        t.ok("%s: no token of %s becomes root" % (where, b.name), not became,
             "root from %s" % became)


# ---- run ----------------------------------------------------------------------------------

t.private_passwd(["root:x:0:0:root:/root:/bin/sh",
                  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"], keep_host=False)
multi = []
for rel, i, text in examples():
    top, sections = parse(text)
    tenants = [items(dict(top, **k).get("allowed_tenants")) for _n, k in sections] or \
        [items(top.get("allowed_tenants"))]
    if len(sections) > 1 or any(len(x) > 1 for x in tenants):
        multi.append((rel, i, text))
t.ok("the documents have examples with several issuers (%d)" % len(multi), len(multi) >= 4,
     [(r, i) for r, i, _ in multi])
t.ok("the man page's example with several issuers is among them",
     any(r.endswith(".5") for r, _i, _ in multi))
for rel, i, text in multi:
    check_example(rel, i, text)
t.done()
