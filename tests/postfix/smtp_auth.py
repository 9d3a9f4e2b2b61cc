# SPDX-License-Identifier: MIT
"""smtp_auth.py PORT MECH TOKEN_FILE [AUTHZID] [ack|resend|abort|inline] [options]

One SMTP AUTH through Python's smtplib (run with /usr/bin/python3) against
127.0.0.1:PORT with OAUTHBEARER or XOAUTH2 (the token in the mechanism's
message) or PLAIN / LOGIN (the token as the password of AUTHZID). On an
error challenge the client answers as told: %x01 (XOAUTH2: empty), its
first message again, or "*". The message goes on the AUTH line when it is
short (under 1500 characters), else after an empty 334 as RFC 4954 asks;
"inline" (else as "ack") always puts it on the AUTH line, as some mail
clients do.

Options (after the positional arguments):
  --starttls CAFILE   STARTTLS first, verifying the server against CAFILE
  --host NAME         the server to connect to (its name must resolve), also
                      the TLS server name and OAUTHBEARER host= (default
                      127.0.0.1)
  --send              after AUTH, send a message from AUTHZID@example.test
                      to postmaster@example.test ("sent" in the output)
  --rcpt ADDR         the recipient of --send
  --kvport N          the OAUTHBEARER port= kvpair (default PORT)
  --source IP         connect from this local address (127.0.0.0/8: servers
                      that slow down repeated failures count per address)

Prints one JSON object: {"code": final SMTP code, "challenge": the decoded
JSON challenge or null, "text": the server's last text, "offered": the
mechanisms of the EHLO AUTH line, "sent": true/false/null}.
"""
import argparse
import base64
import json
import smtplib
import ssl
import sys

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("mech")
ap.add_argument("tokfile")
ap.add_argument("authzid", nargs="?", default="alice")
ap.add_argument("mode", nargs="?", default="ack")
ap.add_argument("--starttls")
ap.add_argument("--host", default="127.0.0.1")
ap.add_argument("--send", action="store_true")
ap.add_argument("--rcpt", default="postmaster@example.test")
ap.add_argument("--kvport", type=int)
ap.add_argument("--source")
args = ap.parse_args()
port, mech, authzid, mode = args.port, args.mech.upper(), args.authzid, args.mode
inline = mode == "inline"
if inline:
    mode = "ack"
token = open(args.tokfile).read().strip()

if mech == "OAUTHBEARER":
    first = "n,a=%s,\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01" % (
        authzid, args.host, args.kvport or port, token)
    ack = "\x01"
elif mech == "XOAUTH2":
    first = "user=%s\x01auth=Bearer %s\x01\x01" % (authzid, token)
    ack = ""
elif mech == "PLAIN":
    first = "\0%s\0%s" % (authzid, token)
    ack = "*"
else:
    first, ack = None, "*"
seen = {"challenge": None}


def authobject(challenge=None):
    if mech == "LOGIN":
        # smtplib's own auth_login answers the prompts; unused
        return ""
    # None: the initial response; b"": the server's empty 334 asking for it
    if challenge is None or (challenge == b"" and not seen.get("sent")):
        seen["sent"] = True
        return first
    try:
        seen["challenge"] = json.loads(challenge)
    except ValueError:
        seen["challenge"] = {"undecodable": challenge.decode("latin-1")}
    return first if mode == "resend" else ack


out = {"code": None, "challenge": None, "text": "", "offered": None, "sent": None}
s = smtplib.SMTP(args.host, port, timeout=30, local_hostname="client.example.test",
                 source_address=(args.source, 0) if args.source else None)
try:
    s.ehlo()
    if args.starttls:
        s.starttls(context=ssl.create_default_context(cafile=args.starttls))
        s.ehlo()
    out["offered"] = s.esmtp_features.get("auth", "").split()
    if mode == "abort":
        code, text = s.docmd("AUTH", mech + " " + base64.b64encode(first.encode()).decode())
        if code == 334:
            seen["challenge"] = json.loads(base64.b64decode(text))
            code, text = s.docmd("*")
        out["code"], out["text"] = code, text.decode("latin-1")
    else:
        try:
            if mech == "LOGIN":
                s.user, s.password = authzid, token
                code, text = s.auth("LOGIN", s.auth_login)
            else:
                # Postfix refuses command lines over line_length_limit (2048):
                # a long message goes as the answer to an empty 334 instead
                code, text = s.auth(mech, authobject,
                                    initial_response_ok=inline or len(first) < 1500)
        except smtplib.SMTPAuthenticationError as e:
            code, text = e.smtp_code, e.smtp_error
        except smtplib.SMTPNotSupportedError as e:
            code, text = None, str(e).encode()
        out["code"], out["text"] = code, text.decode("latin-1")
        if args.send and code == 235:
            try:
                s.sendmail(authzid + "@example.test", [args.rcpt],
                           "Subject: token test\r\n\r\nhello\r\n")
                out["sent"] = True
            except smtplib.SMTPException as e:
                out["sent"] = False
                out["text"] = str(e)
    out["challenge"] = seen["challenge"]
finally:
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass
print(json.dumps(out))
