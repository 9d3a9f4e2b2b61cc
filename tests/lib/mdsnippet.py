# SPDX-License-Identifier: MIT
"""mdsnippet.py FILE NAME - print the fenced code block that follows the line
`<!-- snippet: NAME -->` in the markdown FILE, so a test uses a recipe's
configuration exactly as the recipe writes it. Exits 1 (with a reason on
stderr) when FILE has no such block. Run with /usr/bin/python3."""
import re
import sys


def main():
    path, name = sys.argv[1], sys.argv[2]
    lines = open(path, encoding="utf-8").read().split("\n")
    marker = "<!-- snippet: %s -->" % name
    for i, line in enumerate(lines):
        if line.strip() != marker:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        m = re.match(r"^(```+|~~~+)", lines[j]) if j < len(lines) else None
        if not m:
            break
        fence, body = m.group(1), []
        for k in range(j + 1, len(lines)):
            if lines[k].startswith(fence):
                sys.stdout.write("\n".join(body) + "\n")
                return 0
            body.append(lines[k])
        break
    sys.stderr.write("%s: no code block after %s\n" % (path, marker))
    return 1


sys.exit(main())
