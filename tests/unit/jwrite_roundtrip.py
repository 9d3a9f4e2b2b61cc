#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/unit/jwrite_roundtrip.py - Python's side of test_jwrite.c's round trip.

  jwrite_roundtrip.py gen N        N documents (one per line) from a fixed seed
  jwrite_roundtrip.py check N FILE FILE holds what the writer made of them:
                                   prints "same N" or the first difference

Documents are objects with every JSON type: strings with escapes, controls,
any Unicode scalar value (as \\u escapes or raw UTF-8), integers over the
int64 range, reals of every magnitude; nested up to 6 levels (jdoc allows 16).
"""
import json
import math
import random
import sys

SEED = 20261208


def rand_string(r):
    out = []
    for _ in range(r.randrange(0, 12)):
        k = r.randrange(6)
        if k == 0:
            out.append(chr(r.randrange(1, 0x20)))           # controls, no NUL
        elif k == 1:
            out.append(r.choice('"\\/\b\f\n\r\t'))
        elif k == 2:
            c = r.randrange(0x80, 0x10000)
            out.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "x")
        elif k == 3:
            out.append(chr(r.randrange(0x10000, 0x110000)))
        else:
            out.append(chr(r.randrange(0x20, 0x7F)))
    return "".join(out)


def rand_real(r):
    k = r.randrange(4)
    if k == 0:
        return r.uniform(-1e6, 1e6)
    if k == 1:
        return float(r.randrange(-10**6, 10**6))             # 12.0: stays real
    if k == 2:
        return r.uniform(-1, 1) * 10.0 ** r.randrange(-300, 300)
    return r.choice([0.0, -0.0, 5e-324, 1.7976931348623157e308, 0.1, 1e22])


def rand_value(r, depth):
    k = r.randrange(9 if depth < 6 else 7)
    if k == 0:
        return None
    if k == 1:
        return r.choice([True, False])
    if k == 2:
        return r.randrange(-2**63, 2**63)
    if k == 3:
        return r.randrange(-1000, 1000)
    if k == 4:
        return rand_real(r)
    if k in (5, 6):
        return rand_string(r)
    if k == 7:
        return [rand_value(r, depth + 1) for _ in range(r.randrange(0, 5))]
    return rand_object(r, depth + 1)


def rand_object(r, depth):
    obj = {}
    for _ in range(r.randrange(0, 6)):
        obj[rand_string(r)] = rand_value(r, depth)
    return obj


def same(a, b):
    """Equal values, member order included; reals within 1e-15 relative
    (jdoc converts without strtod and may be one ulp off near a tie)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, float) and isinstance(b, float) and
                math.copysign(1, a) == math.copysign(1, b) and
                math.isclose(a, b, rel_tol=1e-15, abs_tol=0.0))
    if isinstance(a, dict):
        return (isinstance(b, dict) and list(a) == list(b) and
                all(same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return (isinstance(b, list) and len(a) == len(b) and
                all(same(x, y) for x, y in zip(a, b)))
    return type(a) is type(b) and a == b


def docs(n):
    r = random.Random(SEED)
    for _ in range(n):
        yield rand_object(r, 1), r.randrange(2) == 0


def main():
    sys.stdout.reconfigure(encoding="utf-8")
    if sys.argv[1] == "gen":
        for doc, ascii_only in docs(int(sys.argv[2])):
            print(json.dumps(doc, ensure_ascii=ascii_only,
                             separators=(",", ":") if ascii_only else (", ", ": ")))
        return 0
    with open(sys.argv[3], encoding="utf-8") as f:
        lines = f.read().split("\n")
    n = 0
    for i, (doc, _) in enumerate(docs(int(sys.argv[2]))):
        got = json.loads(lines[i])
        if not same(doc, got):
            print("differs at document %d: %.200r" % (i, lines[i]))
            return 1
        n += 1
    print("same %d" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
