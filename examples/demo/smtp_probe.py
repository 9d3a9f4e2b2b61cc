# SPDX-License-Identifier: MIT
"""smtp_probe.py PORT USER - RFC 7628 4.3 discovery against 127.0.0.1:PORT.

The client names its user and sends an OAUTHBEARER message whose auth= is
empty ("I have no token yet: where do I get one?"). The server answers
with the error JSON naming its openid-configuration; the client ends the
exchange with %x01 as RFC 7628 3.2.3 requires. Prints one JSON object:
{"mechanisms", "client_message", "challenge" (decoded JSON), "code", "text"}.
Run with /usr/bin/python3 (stdlib only).
"""
import base64
import json
import smtplib
import sys

port, user = int(sys.argv[1]), sys.argv[2]
message = "n,a=%s,\x01auth=\x01\x01" % user
out = {"mechanisms": "", "client_message": message.replace("\x01", "^A"),
       "challenge": None, "code": None, "text": ""}
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
try:
    s.ehlo("client.example.test")
    out["mechanisms"] = s.esmtp_features.get("auth", "")
    code, text = s.docmd("AUTH", "OAUTHBEARER " +
                         base64.b64encode(message.encode()).decode())
    if code == 334:
        out["challenge"] = json.loads(base64.b64decode(text))
        code, text = s.docmd(base64.b64encode(b"\x01").decode())
    out["code"], out["text"] = code, text.decode("latin-1")
finally:
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass
print(json.dumps(out))
