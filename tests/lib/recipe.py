# SPDX-License-Identifier: MIT
"""recipe.py FILE HEADING [INDEX]

Print the INDEX-th (from 0, default 0) fenced code block under the markdown heading HEADING
(its text after the #s, exactly) of FILE, up to the next heading of the same or a higher level.
The tests that set servers up "as the recipe says" take the recipe's own text this way, so a
recipe that changes is the recipe that is tested. Exit 1, with a reason on stderr, when there
is no such heading or block: the test that wanted it must fail, not run something else.
"""
import re
import sys


def blocks(text, heading):
    lines = text.splitlines()
    level, start = None, None
    for i, line in enumerate(lines):
        m = re.match(r"^(#+)\s+(.*?)\s*$", line)
        if m and m.group(2) == heading:
            level, start = len(m.group(1)), i + 1
            break
    if start is None:
        return None
    out, cur, fence = [], None, None
    for line in lines[start:]:
        if fence is None:
            m = re.match(r"^(#+)\s", line)
            if m and len(m.group(1)) <= level:
                break
            m = re.match(r"^\s*(```+|~~~+)", line)
            if m:
                fence, cur = m.group(1), []
        elif line.strip().startswith(fence):
            out.append("\n".join(cur) + "\n")
            fence, cur = None, None
        else:
            cur.append(line)
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    index = int(sys.argv[3]) if len(sys.argv) == 4 else 0
    found = blocks(open(sys.argv[1], encoding="utf-8").read(), sys.argv[2])
    if found is None:
        sys.exit("recipe.py: %s has no heading '%s'" % (sys.argv[1], sys.argv[2]))
    if index >= len(found):
        sys.exit("recipe.py: '%s' in %s has %d code blocks, not %d"
                 % (sys.argv[2], sys.argv[1], len(found), index + 1))
    sys.stdout.write(found[index])


if __name__ == "__main__":
    main()
