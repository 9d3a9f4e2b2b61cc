# SPDX-License-Identifier: MIT
"""snippet.py - a configuration snippet exactly as a document shows it, for tests that set a
server up the way a recipe says.

A document marks a fenced code block for the tests with an HTML comment on the line before
its opening fence (invisible when the Markdown is rendered):

    <!-- snippet: roundcube-config -->
    ```php
    $config['oauth_provider'] = 'generic';
    ```

    snippet.py DOC NAME [OLD NEW ...]

prints the block's lines. Each pair OLD NEW replaces the example values of a site (host names,
paths, secrets) with the test's: every OLD must occur in the block, so a recipe that changes
is noticed instead of silently tested with other values. Exit 0 on success, 2 with a message
on stderr when the marker is missing or repeated, the block is not closed, or an OLD is not
found.
"""
import re
import sys

MARK = re.compile(r"^<!--\s*snippet:\s*([A-Za-z0-9_.-]+)\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)")


def snippets(text):
    """{name: block text} of every marked block of text; ValueError on a bad marker."""
    found = {}
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        name = m.group(1)
        if name in found:
            raise ValueError("snippet %r is marked twice" % name)
        f = FENCE.match(lines[i]) if i < len(lines) else None
        if not f:
            raise ValueError("snippet %r: no code fence on the line after the marker" % name)
        fence = f.group(1)
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError("snippet %r: code block is not closed" % name)
        i += 1
        found[name] = "".join(body)
    return found


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        sys.stderr.write("usage: snippet.py DOC NAME [OLD NEW ...]\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            blocks = snippets(f.read())
    except (OSError, ValueError) as e:
        sys.stderr.write("snippet.py: %s: %s\n" % (argv[1], e))
        return 2
    if argv[2] not in blocks:
        sys.stderr.write("snippet.py: %s has no snippet %r\n" % (argv[1], argv[2]))
        return 2
    out = blocks[argv[2]]
    for old, new in zip(argv[3::2], argv[4::2]):
        if not old or old not in out:
            sys.stderr.write("snippet.py: %s: snippet %r no longer contains %r\n"
                             % (argv[1], argv[2], old))
            return 2
        out = out.replace(old, new)
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
