# SPDX-License-Identifier: MIT
"""screen.py SCREEN DOC NAME - does the sample screen of a recipe show what
the OpenSSH client really showed? (issue 12: the sshd recipe's sample had
gone stale.)

SCREEN is what tests/sshd/ssh_device.py captured from the terminal up to
the prompt; DOC and NAME name the recipe's block (tests/lib/docblocks.py).
Both are normalised the same way before they are compared line by line: the
host in OpenSSH's "(user@host) " prefix, every https URL and the user code
become placeholders, a run of QR code lines (and a "..." standing for some
of them in the document) becomes one line, blanks at line ends go, and the
document's "$ ..." command lines are skipped. Prints the differences; exit 0
when there are none. Run with /usr/bin/python3.
"""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from docblocks import block  # noqa: E402

QR_CHARS = set("\u2588\u2580\u2584 ")


def normalise(text, is_doc):
    out = []
    for line in text.replace("\r", "").split("\n"):
        line = line.rstrip()
        if is_doc and line.startswith("$ "):
            continue
        line = re.sub(r"^\(([^@)]+)@[^)]+\) ", r"(\1@HOST) ", line)
        line = re.sub(r"https://\S+", "<URL>", line)
        line = re.sub(r"(enter the code: )[A-Z0-9-]+", r"\1<CODE>", line)
        qr = line.strip() == "..." or (line and set(line) <= QR_CHARS and line.strip())
        if qr:
            if not out or out[-1] != "<QR>":
                out.append("<QR>")
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return out


def main():
    screen_path, doc, name = sys.argv[1:4]
    with open(screen_path, encoding="utf-8") as f:
        screen = normalise(f.read(), False)
    try:
        sample = normalise(block(doc, name), True)
    except (LookupError, OSError) as e:
        print(e)
        return 1
    if screen == sample and "<QR>" in screen:
        print("sample screen matches (%d lines after normalising)" % len(screen))
        return 0
    for line in difflib.unified_diff(sample, screen, "%s (%s)" % (doc, name), "ssh client",
                                     lineterm=""):
        print(line)
    return 1


if __name__ == "__main__":
    sys.exit(main())
