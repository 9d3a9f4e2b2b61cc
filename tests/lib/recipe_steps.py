# SPDX-License-Identifier: MIT
"""recipe_steps.py - follow a recipe (docs/recipes/*.md) exactly as written.

A step of a recipe is a fenced block right after a marker line:

    <!-- recipe: file /etc/sasl2/exim.conf -->    the block is that file's whole content
    <!-- recipe: set /etc/default/saslauthd -->   each KEY=VALUE (or "key = value",
                                                 "key: value") line of the block replaces the
                                                 file's active line for that key, or is appended
    <!-- recipe: run -->                         the block is run with bash -eu (from /)

Blocks without a marker (the site's own oidc-auth.conf, examples of output) are not steps.
Tests apply the steps inside their own copy of the system (tests/lib/overlay.sh), so what the
documentation says is what was tried; tests/docs/t_docs.py lints every recipe.

    recipe_steps.py lint DOC...        every marker names a known step and is followed by a block
    recipe_steps.py show DOC           list the steps
    recipe_steps.py apply DOC [N...]   apply the steps in order (only steps N..., 1-based, if given)
"""
import os
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!-- recipe: (file|set|run)(?: (\S+))? -->\s*$")
FENCE = re.compile(r"^(```+)[\w-]*\s*$")


def steps(path):
    """[(kind, target, text, line)] in document order; raises ValueError on a broken marker."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.startswith("<!-- recipe:"):
            continue
        m = MARKER.match(line)
        if not m:
            raise ValueError("%s:%d: unknown recipe marker: %s" % (path, i + 1, line))
        kind, target = m.group(1), m.group(2)
        if (kind == "run") != (target is None) or (target and not target.startswith("/")):
            raise ValueError("%s:%d: 'file' and 'set' need an absolute path, 'run' none"
                             % (path, i + 1))
        j = i + 1
        f = FENCE.match(lines[j]) if j < len(lines) else None
        if not f:
            raise ValueError("%s:%d: the marker is not followed by a fenced block"
                             % (path, i + 1))
        body = []
        for k in range(j + 1, len(lines)):
            if lines[k].strip() == f.group(1):
                break
            body.append(lines[k])
        else:
            raise ValueError("%s:%d: the block never ends" % (path, i + 1))
        out.append((kind, target, "\n".join(body) + "\n", i + 1))
    if not out:
        raise ValueError("%s: no recipe steps" % path)
    return out


def key_of(line):
    m = re.match(r"\s*([A-Za-z_][\w.-]*)\s*(=|:)", line)
    return m.group(1) if m and not line.lstrip().startswith("#") else None


def apply_set(target, text):
    with open(target, encoding="utf-8") as f:
        cur = f.read().splitlines()
    for new in text.splitlines():
        k = key_of(new)
        if not k:
            continue
        for n, old in enumerate(cur):
            if key_of(old) == k:
                cur[n] = new
                break
        else:
            cur.append(new)
    with open(target, "w", encoding="utf-8") as f:
        f.write("\n".join(cur) + "\n")


def apply(path, only):
    for n, (kind, target, text, line) in enumerate(steps(path), 1):
        if only and n not in only:
            continue
        where = "%s:%d" % (os.path.basename(path), line)
        print("# recipe step %d (%s): %s %s" % (n, where, kind, target or ""))
        sys.stdout.flush()
        try:
            if kind == "file":
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
            elif kind == "set":
                apply_set(target, text)
            else:
                # output to a file, not a pipe: a daemon the step starts keeps it open
                with tempfile.TemporaryFile("w+") as log:
                    r = subprocess.run(["bash", "-euc", text], cwd="/", stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT)
                    log.seek(0)
                    for l in log.read().splitlines():
                        print("#   " + l)
                if r.returncode:
                    print("# recipe step %d (%s) failed with status %d" % (n, where, r.returncode))
                    return 1
        except OSError as e:
            print("# recipe step %d (%s) failed: %s" % (n, where, e))
            return 1
    return 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("lint", "show", "apply"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        if argv[1] == "lint":
            for doc in argv[2:]:
                steps(doc)
            return 0
        if argv[1] == "show":
            for n, (kind, target, _text, line) in enumerate(steps(argv[2]), 1):
                print("%d %s %s (line %d)" % (n, kind, target or "", line))
            return 0
        return apply(argv[2], {int(a) for a in argv[3:]})
    except ValueError as e:
        print("# %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
