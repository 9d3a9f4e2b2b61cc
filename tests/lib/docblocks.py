# SPDX-License-Identifier: MIT
"""docblocks.py - the code blocks of the documents that a test runs as written.

A recipe marks a fenced block a test uses with an HTML comment (invisible
when rendered) on the line before it:

    <!-- tested: nginx-site -->
    ```nginx
    server { ... }
    ```

The test takes the block's text from the document itself, so the document
and the test cannot drift apart. A name is unique in its document.

    /usr/bin/python3 tests/lib/docblocks.py FILE NAME   # prints the block
    /usr/bin/python3 tests/lib/docblocks.py FILE        # lists the names

Exit 1 (with a message on stderr) when the block is missing or the name is
used twice; from Python: block(path, name), names(path).
"""
import re
import sys

MARK = re.compile(r"^<!-- tested: ([A-Za-z0-9_.-]+) -->\n```[A-Za-z0-9_+-]*\n(.*?)^```",
                  re.M | re.S)


def _all(path):
    with open(path, encoding="utf-8") as f:
        return MARK.findall(f.read())


def names(path):
    return [n for n, _ in _all(path)]


def block(path, name):
    found = [text for n, text in _all(path) if n == name]
    if len(found) != 1:
        raise LookupError("%s: %d blocks marked '<!-- tested: %s -->' (want 1)"
                          % (path, len(found), name))
    return found[0]


def main():
    if len(sys.argv) == 2:
        print("\n".join(names(sys.argv[1])))
        return 0
    if len(sys.argv) != 3:
        sys.stderr.write("usage: docblocks.py FILE [NAME]\n")
        return 2
    try:
        sys.stdout.write(block(sys.argv[1], sys.argv[2]))
    except (LookupError, OSError) as e:
        sys.stderr.write("docblocks: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
