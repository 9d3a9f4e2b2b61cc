# SPDX-License-Identifier: MIT
"""smtp_auth.py PORT MECH TOKEN_FILE [AUTHZID] [ack|resend|abort|inline]

One SMTP AUTH through Python's smtplib (run with /usr/bin/python3) against
127.0.0.1:PORT with OAUTHBEARER or XOAUTH2. On an error challenge the
client answers as told: %x01 (XOAUTH2: empty), its first message again, or
"*". The message goes on the AUTH line when it is short (under 1500
characters), else after an empty 334 as RFC 4954 asks; "inline" (else as
"ack") always puts it on the AUTH line, as some mail clients do. Prints one JSON object: {"code": final SMTP code, "challenge": the
decoded JSON challenge or null, "text": the server's last text}.
"""
import base64
import json
import smtplib
import sys

port, mech, tokfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
authzid = sys.argv[4] if len(sys.argv) > 4 else "alice"
mode = sys.argv[5] if len(sys.argv) > 5 else "ack"
inline = mode == "inline"
if inline:
    mode = "ack"
token = open(tokfile).read().strip()

if mech == "OAUTHBEARER":
    first = "n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer %s\x01\x01" % (
        authzid, port, token)
    ack = "\x01"
else:
    first = "user=%s\x01auth=Bearer %s\x01\x01" % (authzid, token)
    ack = ""
seen = {"challenge": None}


def authobject(challenge=None):
    # None: the initial response; b"": the server's empty 334 asking for it
    if challenge is None or (challenge == b"" and not seen.get("sent")):
        seen["sent"] = True
        return first
    try:
        seen["challenge"] = json.loads(challenge)
    except ValueError:
        seen["challenge"] = {"undecodable": challenge.decode("latin-1")}
    return first if mode == "resend" else ack


out = {"code": None, "challenge": None, "text": ""}
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
try:
    s.ehlo("client.example.test")
    if mode == "abort":
        code, text = s.docmd("AUTH", mech + " " + base64.b64encode(first.encode()).decode())
        if code == 334:
            seen["challenge"] = json.loads(base64.b64decode(text))
            code, text = s.docmd("*")
        out["code"], out["text"] = code, text.decode("latin-1")
    else:
        try:
            # Postfix refuses command lines over line_length_limit (2048):
            # a long message goes as the answer to an empty 334 instead
            code, text = s.auth(mech, authobject,
                                initial_response_ok=inline or len(first) < 1500)
        except smtplib.SMTPAuthenticationError as e:
            code, text = e.smtp_code, e.smtp_error
        out["code"], out["text"] = code, text.decode("latin-1")
    out["challenge"] = seen["challenge"]
finally:
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass
print(json.dumps(out))
