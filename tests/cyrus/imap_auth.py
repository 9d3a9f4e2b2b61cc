# SPDX-License-Identifier: MIT
"""imap_auth.py [options] PORT MECH TOKEN_FILE

One IMAP AUTHENTICATE through Python's imaplib (run with /usr/bin/python3)
against 127.0.0.1:PORT with OAUTHBEARER or XOAUTH2, over implicit TLS
(--tls imaps), STARTTLS (--tls starttls) or no TLS (--tls none). imaplib
sends no initial response: the server asks with an empty continuation and
gets the client message then. On an error challenge the client answers as
--answer says: "ack" (%x01, XOAUTH2: an empty line, as RFC 7628 3.2.3 and
Google's XOAUTH2 ask), "resend" (its first message again) or "abort" ("*").

With --expect EXPR the exit status says whether EXPR holds for the result d.
Prints one JSON object: {"ok": true when AUTHENTICATE ended in OK, "text":
the server's tagged text, "challenge": the decoded JSON error challenge or
null, "caps": the capabilities before AUTHENTICATE, "acl": after a
successful login the answer to GETACL INBOX (Cyrus creates the INBOX at the
first login with autocreate_quota; its owner is the logged-in user), else
null}.
"""
import argparse
import base64
import imaplib
import json
import ssl
import sys

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("mech", choices=["OAUTHBEARER", "XOAUTH2"])
ap.add_argument("token_file")
ap.add_argument("--authzid", default="", help="a= (OAUTHBEARER) or user= (XOAUTH2)")
ap.add_argument("--tls", choices=["imaps", "starttls", "none"], default="imaps")
ap.add_argument("--cafile")
ap.add_argument("--host", default="127.0.0.1", help="the OAUTHBEARER host= kvpair")
ap.add_argument("--kvport", type=int, help="the OAUTHBEARER port= kvpair (default PORT)")
ap.add_argument("--answer", choices=["ack", "resend", "abort"], default="ack")
ap.add_argument("--expect", help="a Python expression over the result d: exit 1 when false")
args = ap.parse_args()
token = open(args.token_file).read().strip()

if args.mech == "OAUTHBEARER":
    gs2 = "n,a=%s," % args.authzid if args.authzid else "n,,"
    first = "%s\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01" % (
        gs2, args.host, args.kvport or args.port, token)
    ack = b"\x01"
else:
    first = "user=%s\x01auth=Bearer %s\x01\x01" % (args.authzid, token)
    ack = b""
out = {"ok": False, "text": "", "challenge": None, "caps": [], "acl": None}
state = {"sent": False}


def answer(challenge):
    if not state["sent"]:
        # the empty continuation that asks for the client's message
        state["sent"] = True
        return first.encode()
    try:
        out["challenge"] = json.loads(challenge)
    except ValueError:
        out["challenge"] = {"undecodable": base64.b64encode(challenge).decode()}
    if args.answer == "abort":
        return None
    return first.encode() if args.answer == "resend" else ack


ctx = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
if args.tls == "imaps":
    imap = imaplib.IMAP4_SSL("127.0.0.1", args.port, ssl_context=ctx, timeout=20)
else:
    imap = imaplib.IMAP4("127.0.0.1", args.port, timeout=20)
    if args.tls == "starttls":
        imap.starttls(ssl_context=ctx)
try:
    out["caps"] = sorted(imap.capabilities)
    try:
        typ, dat = imap.authenticate(args.mech, answer)
        out["ok"] = typ == "OK"
        out["text"] = dat[-1].decode("utf-8", "replace")
    except imaplib.IMAP4.error as e:
        out["text"] = str(e)
    if out["ok"]:
        # whose INBOX this is: the identity the server logged us in as
        typ, dat = imap.getacl("INBOX")
        out["acl"] = dat[0].decode("utf-8", "replace") if typ == "OK" and dat else typ
finally:
    try:
        imap.logout()
    except (imaplib.IMAP4.error, OSError):
        pass
print(json.dumps(out))
sys.exit(0 if not args.expect or eval(args.expect, {"d": out}) else 1)
