# SPDX-License-Identifier: MIT
"""t_docs.py - the documentation is complete: nothing can be added to the
code without being documented.

Facts are read from the sources, never from a list kept here:
  - every option key of the table in common/config_opts.c has an entry in
    docs/man/oidc-auth.conf.5 (a .TP item) and a row in the key table of
    docs/oidc-auth.conf.md;
  - every status name of oidc_status_name() in common/status.c (the audit
    reason tokens) has a row in the table of docs/troubleshooting.md, and so
    has every adapter reason the PAM module and the SASL plugin log
    (reason=... literals in pam_oidc/ and sasl_xoauth2/, plus the ones their
    issue names);
  - every status class of oidc_class_name() is in pam_oidc.8 and
    sasl_xoauth2.8 (they map classes to return codes);
  - every CLI subcommand of tools/oidc-auth.c (and cache actions) has an
    entry in docs/man/oidc-auth.1, and so has every long option of tools/;
  - every ```ini example with an issuer in docs/ passes `oidc-auth
    check-config` (files it names are replaced by generated keys/secrets);
  - relative links between the Markdown documents lead to existing files;
  - audit line examples in docs/ have the fields, in the order, of the
    format strings in pam_oidc/audit.c and sasl_xoauth2/server.c, and every
    result=WORD the docs mention is one an adapter logs.
  - no allowed_tenants example lists the Entra tenant of every personal
    Microsoft account (9188040d-...): copying it lets anyone in.
Control checks feed the same functions a table with one extra undocumented
item and require them to report it, so the suite can fail.

Run from the repository root: /usr/bin/python3 tests/docs/t_docs.py
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
passed = 0
failed = 0


def ok(name):
    global passed
    print("ok - %s" % name)
    passed += 1


def not_ok(name, *diag):
    global failed
    print("not ok - %s" % name)
    for d in diag:
        for line in str(d).splitlines():
            print("# " + line)
    failed += 1


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def exists(rel):
    return os.path.isfile(os.path.join(ROOT, rel))


# ---- facts from the sources ----------------------------------------------

def option_keys(src):
    """Keys of the oidc_options[] table (normal and RESERVED entries)."""
    m = re.search(r"oidc_options\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        return []
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    keys = re.findall(r'\{\s*"([a-z0-9_]+)"\s*,\s*OIDC_OPT_', body)
    keys += re.findall(r'RESERVED\(\s*"([a-z0-9_]+)"\s*\)', body)
    return keys


def function_body(src, name):
    m = re.search(r"\b%s\s*\([^)]*\)\s*\{(.*?)\n\}" % re.escape(name), src, re.S)
    return m.group(1) if m else ""


def status_names(src):
    """Names returned by oidc_status_name(): 'case OIDC_X: return "name";'."""
    return re.findall(r'case\s+OIDC_[A-Z0-9_]+\s*:\s*return\s+"([a-z0-9_]+)"\s*;',
                      function_body(src, "oidc_status_name"))


def class_names(src):
    return re.findall(r'case\s+OIDC_CLASS_[A-Z0-9_]+\s*:\s*return\s+"([a-z0-9_]+)"\s*;',
                      function_body(src, "oidc_class_name"))


def cli_commands(src):
    """Subcommands dispatched by main() and listed in the usage text."""
    main = function_body(src, "main")
    cmds = set(re.findall(r'strcmp\(\s*argv\[1\]\s*,\s*"([a-z][a-z0-9-]*)"\s*\)', main))
    cmds.discard("help")
    m = re.search(r"usage_main\[\]\s*=(.*?);\n", src, re.S)
    if m:
        cmds.update(re.findall(r'"\s\s([a-z][a-z0-9-]*)\s', m.group(1)))
    return sorted(cmds)


def cli_actions(srcs):
    """Second-level actions such as 'cache show': strcmp(action, "x")."""
    acts = set()
    for s in srcs:
        acts.update(re.findall(r'strcmp\(\s*action\s*,\s*"([a-z][a-z0-9-]*)"\s*\)', s))
    return sorted(acts)


def cli_long_options(srcs):
    opts = set()
    for s in srcs:
        opts.update(re.findall(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:required|no|optional)_argument', s))
    return sorted(opts)


def adapter_reasons():
    """reason=word literals in the adapters, plus those their issue names."""
    found = {"password_not_allowed", "password_fallthrough"}
    for d in ("pam_oidc", "sasl_xoauth2"):
        path = os.path.join(ROOT, d)
        if not os.path.isdir(path):
            continue
        for fn in sorted(os.listdir(path)):
            if fn.endswith((".c", ".h")):
                with open(os.path.join(path, fn), encoding="utf-8") as f:
                    found.update(re.findall(r'reason=([a-z][a-z0-9_]+)', f.read()))
    return sorted(found)


def c_call_args(src, func):
    """Argument lists (as text) of every call of func in src."""
    calls = []
    for m in re.finditer(r"\b%s\(" % re.escape(func), src):
        depth, i, args, cur = 1, m.end(), [], ""
        while i < len(src) and depth:
            ch = src[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            if depth == 1 and ch == ",":
                args.append(cur.strip())
                cur = ""
            elif depth:
                cur += ch
            i += 1
        args.append(cur.strip())
        calls.append(args)
    return calls


def audit_formats():
    """{adapter: [keys in order]} from the format strings the adapters log
    with (pam_oidc/audit.c, sasl_xoauth2/server.c), and the result words
    they pass (the literals of the result argument of every audit call)."""
    fmts, results = {}, set()
    for name, rel, func, res_arg in (("pam", "pam_oidc/audit.c", "pam_oidc_audit", 1),
                                     ("sasl", "sasl_xoauth2/server.c", "audit_log", 2)):
        src = re.sub(r"'(?:[^'\\]|\\.)'", "''", read(rel))   # char literals such as '"'
        src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
        lits = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', src))
        m = re.search(r"((?:mech=%s )?result=%s .*?token=)", lits)
        fmts[name] = re.findall(r"([a-z_]+)=", m.group(1)) if m else []
        d = os.path.dirname(os.path.join(ROOT, rel))
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".c"):
                for args in c_call_args(read(os.path.join(os.path.dirname(rel), fn)), func):
                    if len(args) > res_arg:
                        results.update(re.findall(r'"([a-z]+)"', args[res_arg]))
    return fmts, results


def doc_texts():
    """(path, text) of every document, man pages as plain text with each
    .nf/.fi block joined into one line (examples there are wrapped)."""
    out = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "docs")):
        for fn in sorted(files):
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, ROOT)
            if fn.endswith(".md"):
                out.append((rel, read(rel)))
            elif re.search(r"\.[1-8]$", fn):
                text = roff_plain(read(rel))
                text = re.sub(r"\.nf\n(.*?)\n\.fi",
                              lambda m: " ".join(l.strip() for l in m.group(1).splitlines()),
                              text, flags=re.S)
                out.append((rel, text))
    return out


def audit_doc_problems(texts, fmts, results):
    """Audit line examples whose fields differ from what the adapter logs,
    and result= words no adapter logs."""
    bad = []
    for rel, text in texts:
        for line in text.splitlines():
            for word in re.findall(r"result=([a-z]+)", line):
                if word not in results:
                    bad.append("%s: result=%s is never logged (%s)" % (rel, word,
                                                                        " ".join(sorted(results))))
            if "..." in line or "result=%s" in line:
                continue   # prose shorthand, or a format string
            if (re.search(r"result=\w+ reason=\w+ .*token=", line) and
                    not re.search(r"pam_oidc\([^)]*\): |oidc-auth sasl: ", line)):
                bad.append("%s: an audit example without the prefix the adapters log "
                           "('pam_oidc(SERVICE:PHASE): ' or 'oidc-auth sasl: '): %.80s"
                           % (rel, line))
            for name, marker in (("pam", r"pam_oidc\([^)]*\): "), ("sasl", r"oidc-auth sasl: ")):
                m = re.search(marker + r"(.*token=)", line)
                if m:
                    keys = re.findall(r"(?:^| )([a-z_]+)=", m.group(1))
                    if keys != fmts[name]:
                        bad.append("%s: %s audit example has %s, the adapter logs %s"
                                   % (rel, name, " ".join(keys), " ".join(fmts[name])))
    return bad


# Entra ID's "tenant" of every personal Microsoft account (outlook.com, live.com...).
PERSONAL_MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


def personal_tenant_examples(texts):
    """allowed_tenants settings in the documents that list the personal-account tenant."""
    bad = []
    for rel, text in texts:
        for line in text.splitlines():
            if re.search(r"allowed_tenants\s*[=:].*" + re.escape(PERSONAL_MSA_TENANT), line):
                bad.append("%s: %.100s" % (rel, line.strip()))
    return bad


# ---- what the documents say -----------------------------------------------

def roff_plain(text):
    """roff source without font escapes, so words can be searched for."""
    text = re.sub(r"\\f(\[[A-Z]*\]|\([A-Z]{2}|[A-Z])", "", text)
    text = text.replace("\\-", "-").replace("\\&", "").replace("\\:", "").replace("\\e", "\\")
    text = text.replace("\\(em", "-").replace("\\(en", "-").replace("\\ ", " ")
    return text


def roff_items(text):
    """First word of each .TP / .IP item tag (the thing being defined)."""
    lines = roff_plain(text).splitlines()
    items = set()
    for i, line in enumerate(lines):
        tag = None
        if line.startswith(".TP") and i + 1 < len(lines):
            tag = lines[i + 1]
        elif line.startswith(".IP "):
            tag = line[4:]
        if tag is None:
            continue
        tag = re.sub(r"^\.(B|I|BR|BI|IR|RB|IB)\s+", "", tag).strip().strip('"')
        for word in re.split(r"[\s,|=]+", tag):
            word = word.strip('"[]()')
            if word:
                items.add(word)
    return items


def md_table_first_cells(text):
    cells = set()
    for line in text.splitlines():
        m = re.match(r"\|\s*`([^`]+)`", line)
        if m:
            cells.add(m.group(1))
    return cells


def missing(wanted, have):
    return [w for w in wanted if w not in have]


def check_all_present(name, wanted, have, where):
    if not wanted:
        not_ok(name, "found nothing to check in the sources: the parser is out of date")
        return
    miss = missing(wanted, have)
    if miss:
        not_ok(name, "not documented in %s: %s" % (where, ", ".join(miss)))
    else:
        ok("%s (%d items)" % (name, len(wanted)))


def control(name, finder, src, inject, fake, have):
    """The finder sees an injected undocumented item and the check reports it."""
    items = finder(src.replace(inject[0], inject[0] + inject[1], 1))
    if fake in items and fake in missing(items, have):
        ok("control: %s" % name)
    else:
        not_ok("control: %s" % name, "the parser did not report the injected '%s'" % fake)


def md_links():
    bad = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "docs")):
        for fn in files:
            if not fn.endswith(".md"):
                continue
            path = os.path.join(dirpath, fn)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in re.findall(r"\]\(([^)\s]+)\)", text):
                if re.match(r"[a-z]+:", target) or target.startswith("#"):
                    continue
                target = target.split("#")[0]
                if not os.path.exists(os.path.normpath(os.path.join(dirpath, target))):
                    bad.append("%s -> %s" % (os.path.relpath(path, ROOT), target))
    return bad


# ---- configuration examples ----------------------------------------------

FILE_KEYS = ("jwks_file", "hmac_secret_file", "client_secret_file", "ca_file")


def ini_blocks():
    """(document, index, text) of every ```ini block with an issuer."""
    out = []
    for dirpath, _dirs, files in sorted(os.walk(os.path.join(ROOT, "docs"))):
        for fn in sorted(files):
            if not fn.endswith(".md"):
                continue
            path = os.path.join(dirpath, fn)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for i, block in enumerate(re.findall(r"```ini\n(.*?)```", text, re.S)):
                if re.search(r"^\s*issuer\s*=", block, re.M):
                    out.append((os.path.relpath(path, ROOT), i, block))
    return out


def placeholder_files(block, tmp):
    """Point the example's files at generated ones (keys are made by
    python3-cryptography, secrets by os.urandom); returns the new text."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    import base64
    import json

    def b64u(n):
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def make(kind, name):
        path = os.path.join(tmp, name)
        if kind == "jwks_file":
            pub = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
            nums = pub.public_numbers()
            data = json.dumps({"keys": [{"kty": "RSA", "kid": "doc", "use": "sig", "alg": "RS256",
                                         "n": b64u(nums.n), "e": b64u(nums.e)}]}).encode()
        elif kind == "map_file":
            data = b"alice alice\n"
        elif kind == "ca_file":
            data = b""
        else:
            data = os.urandom(64).hex().encode()
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
        return path

    lines = []
    for n, line in enumerate(block.splitlines()):
        m = re.match(r"\s*([a-z_]+)\s*=\s*(.*)$", line)
        if m and m.group(1) in FILE_KEYS:
            line = "%s = %s" % (m.group(1), make(m.group(1), "f%d" % n))
        elif m and m.group(1) == "username_map":
            line = re.sub(r"map_file:\S+?(?=,|\s|$)",
                          lambda _m: "map_file:" + make("map_file", "m%d" % n), line)
        elif m and m.group(1) == "cache_dir":
            continue
        lines.append(line)
    lines.insert(0, "cache_dir = %s" % os.path.join(tmp, "cache"))
    return "\n".join(lines) + "\n"


def check_examples():
    import subprocess
    import tempfile

    cli = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"), "oidc-auth")
    blocks = ini_blocks()
    if not blocks:
        not_ok("configuration examples in docs/ parse", "no ```ini block with an issuer found")
        return
    for doc, i, block in blocks:
        name = "example %d of %s passes oidc-auth check-config" % (i + 1, doc)
        with tempfile.TemporaryDirectory(prefix="oidc-docs-") as tmp:
            os.chmod(tmp, 0o700)
            if "ca_file" in block:
                subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=doc",
                                "-keyout", os.path.join(tmp, "ca.key"), "-out",
                                os.path.join(tmp, "ca.pem"), "-days", "1"],
                               capture_output=True, check=False)
            text = placeholder_files(block, tmp)
            text = re.sub(r"^(ca_file\s*=).*$", r"\1 " + os.path.join(tmp, "ca.pem"), text,
                          flags=re.M)
            conf = os.path.join(tmp, "example.conf")
            with open(conf, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(conf, 0o600)
            r = subprocess.run([cli, "check-config", conf], capture_output=True, text=True,
                               timeout=30)
            if r.returncode == 0:
                ok(name)
            else:
                not_ok(name, "exit %d: %s" % (r.returncode, (r.stderr + r.stdout).strip()[:400]),
                       block)


def check_recipe_steps():
    """Recipes with <!-- recipe: ... --> steps (tests/lib/recipe_steps.py) are well formed and
    applied by a test that names the document."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import recipe_steps as recipe
    tests = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "tests")):
        for fn in files:
            if fn.startswith("t_") and fn.endswith((".sh", ".py")):
                tests.append(read(os.path.relpath(os.path.join(dirpath, fn), ROOT)))
    d = os.path.join(ROOT, "docs", "recipes")
    docs = [os.path.join("docs", "recipes", f) for f in sorted(os.listdir(d)) if f.endswith(".md")]
    with_steps = [rel for rel in docs if "<!-- recipe:" in read(rel)]
    for rel in with_steps:
        name = "%s: recipe steps are well formed and a test applies them" % rel
        try:
            n = len(recipe.steps(os.path.join(ROOT, rel)))
        except ValueError as e:
            not_ok(name, str(e))
            continue
        applies = re.compile(r"(recipe\.py apply|mta_apply \S+) %s\b" % re.escape(rel))
        if not any(applies.search(t) for t in tests):
            not_ok(name, "no tests/*/t_* runs 'recipe_steps.py apply %s' (or mta_apply)" % rel)
        else:
            ok("%s (%d steps)" % (name, n))
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".md") as f:
        f.write("<!-- recipe: file /etc/x -->\ntext, not a block\n")
        f.flush()
        try:
            recipe.steps(f.name)
            not_ok("control: a recipe marker without its block is refused")
        except ValueError:
            ok("control: a recipe marker without its block is refused")


def main():
    conf_src = read("common/config_opts.c")
    status_src = read("common/status.c")
    cli_src = read("tools/oidc-auth.c")
    tool_srcs = [read(os.path.join("tools", f)) for f in sorted(os.listdir(os.path.join(ROOT, "tools")))
                 if f.endswith(".c")]

    docs = {}
    for rel in ("docs/man/oidc-auth.conf.5", "docs/oidc-auth.conf.md", "docs/troubleshooting.md",
                "docs/man/oidc-auth.1", "docs/man/pam_oidc.8", "docs/man/sasl_xoauth2.8"):
        if exists(rel):
            docs[rel] = read(rel)
            ok("%s exists" % rel)
        else:
            docs[rel] = ""
            not_ok("%s exists" % rel, "%s is missing" % rel)

    keys = option_keys(conf_src)
    conf5_items = roff_items(docs["docs/man/oidc-auth.conf.5"])
    md_cells = md_table_first_cells(docs["docs/oidc-auth.conf.md"])
    check_all_present("every config key has an entry in oidc-auth.conf(5)", keys, conf5_items,
                      "docs/man/oidc-auth.conf.5")
    check_all_present("every config key has a row in docs/oidc-auth.conf.md", keys, md_cells,
                      "the key table of docs/oidc-auth.conf.md")
    control("undocumented config key", option_keys, conf_src,
            ("oidc_options[] = {", '\n\t{ "zz_undocumented", OIDC_OPT_INT, 0, NULL, 0, 0 },'),
            "zz_undocumented", conf5_items | md_cells)

    statuses = status_names(status_src)
    trouble = md_table_first_cells(docs["docs/troubleshooting.md"])
    check_all_present("every status name is in the troubleshooting table", statuses, trouble,
                      "docs/troubleshooting.md")
    control("undocumented status", status_names, status_src,
            ("switch (st) {", '\n\tcase OIDC_E_ZZ: return "zz_undocumented";'),
            "zz_undocumented", trouble)
    check_all_present("every adapter reason is in the troubleshooting table", adapter_reasons(),
                      trouble, "docs/troubleshooting.md")

    classes = class_names(status_src)
    for page in ("docs/man/pam_oidc.8", "docs/man/sasl_xoauth2.8"):
        words = set(re.findall(r"[A-Za-z_]+", roff_plain(docs[page]).upper()))
        check_all_present("every status class is mapped in %s" % os.path.basename(page),
                          [c.upper() for c in classes], words, page)

    cli_items = roff_items(docs["docs/man/oidc-auth.1"])
    cmds = cli_commands(cli_src)
    check_all_present("every CLI command has an entry in oidc-auth(1)", cmds, cli_items,
                      "docs/man/oidc-auth.1")
    control("undocumented CLI command", cli_commands, cli_src,
            ('if (!strcmp(argv[1], "validate"))',
             '\n\t\treturn 0;\n\tif (!strcmp(argv[1], "zz-undocumented"))'),
            "zz-undocumented", cli_items)
    check_all_present("every cache action has an entry in oidc-auth(1)", cli_actions(tool_srcs),
                      cli_items, "docs/man/oidc-auth.1")
    long_opts = ["--" + o for o in cli_long_options(tool_srcs)]
    check_all_present("every CLI long option has an entry in oidc-auth(1)", long_opts, cli_items,
                      "docs/man/oidc-auth.1")

    fmts, results = audit_formats()
    if all(fmts.values()) and {"allow", "deny"} <= results:
        ok("audit formats read from the adapters (pam: %d fields, sasl: %d, results: %s)"
           % (len(fmts["pam"]), len(fmts["sasl"]), " ".join(sorted(results))))
    else:
        not_ok("audit formats read from the adapters", "parser out of date: %r %r"
               % (fmts, results))
    bad = audit_doc_problems(doc_texts(), fmts, results)
    if bad:
        not_ok("audit line examples in docs/ match what the adapters log", *bad)
    else:
        ok("audit line examples in docs/ match what the adapters log")
    fake = [("fake.md", 'pam_oidc(x:auth): result=deny reason=r user="a" token=-\n'
                        'oidc-auth sasl: mech=X result=ok reason=r token=-\n'
                        'smtpd: sasl_xoauth2: result=deny reason=r user="a" token=-')]
    if len(audit_doc_problems(fake, fmts, results)) == 4:
        ok("control: wrong audit examples (fields, prefix) and an unknown result word are reported")
    else:
        not_ok("control: wrong audit examples (fields, prefix) and an unknown result word are reported",
               audit_doc_problems(fake, fmts, results))

    bad = personal_tenant_examples(doc_texts())
    if bad:
        not_ok("no allowed_tenants example lists the tenant of every personal Microsoft account",
               *bad)
    else:
        ok("no allowed_tenants example lists the tenant of every personal Microsoft account")
    fake = [("fake.md", "allowed_tenants = 3f0c6a52-8d1e-4b7a-9c25-6e1d0f4b7a93, %s\n"
                        % PERSONAL_MSA_TENANT),
            ("fake.5", ".B allowed_tenants = %s" % PERSONAL_MSA_TENANT)]
    if len(personal_tenant_examples(fake)) == 2:
        ok("control: an allowed_tenants example with the personal-account tenant is reported")
    else:
        not_ok("control: an allowed_tenants example with the personal-account tenant is reported")

    check_examples()

    check_recipe_steps()

    bad = md_links()
    if bad:
        not_ok("relative links in docs/*.md lead to files", *bad)
    else:
        ok("relative links in docs/*.md lead to files")

    print("# t_docs: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
