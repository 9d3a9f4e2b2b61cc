#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Misbehaving introspection / userinfo endpoint for t_introspect.sh.

usage: stub.py PORT CERT KEY ISSUER

HTTPS on 127.0.0.1:PORT, standard library only. Prints "READY" when
listening. The path picks the answer (POST and GET alike):
  /good          active, exp in 600 s, iss ISSUER, aud api://opaque,
                 scope "openid mail.read", client_id, sub stub-user,
                 department from-introspection
  /inactive      {"active": false}
  /active-string {"active": "true", ...}   /active-one {"active": 1, ...}
  /expired       exp 1000 s ago            /wrong-iss, /wrong-aud, /no-scope
  /bearer-ctl    a control character in sub
  /no-aud        active, client_id oidc-auth-test, no aud (LemonLDAP::NG, or a
                 token issued without a resource indicator)
  /no-exp        no exp (RFC 7662 2.2: optional)
  /dpop          token_type DPoP                /bound  cnf present
  /no-sub        userinfo answer without sub
  /big           10 MB of valid JSON       /slow  one byte per second
  /500           HTTP 500                  /401   HTTP 401
  /userinfo-USER a userinfo answer for sub USER with claims a token lacks
                 (department mail-ops, preferred_username USER) and one it has
                 (groups override-attempt)
  /echo          active; sub = the form's token, client_id = the client
                 (Basic, decoded per RFC 6749 2.3.1, or the form's client_id)
  /tokeninfo-good   Google's tokeninfo shape: aud = azp = oidc-auth-test, exp and
                    expires_in as decimal strings, email_verified "true" (a string)
  /tokeninfo-other  the same for a token issued to the client "webapp"
  /tokeninfo-for-USER  /tokeninfo-good about the user USER (sub USER)
  /tokeninfo-400    HTTP 400 {"error": "invalid_token"} (what Google answers)
  /tokeninfo-echo   sub = the form's access_token, query = the URL's query,
                    auth = the Authorization header
  /google-tokeninfo Google's tokeninfo played over a real provider: the form's
                    access_token is introspected at ISSUER/token/introspection with
                    STUB_CLIENT_ID / STUB_CLIENT_SECRET (environment; CA in STUB_CA)
                    and the answer rewritten as Google would give it (aud = azp =
                    the client the token was issued to); inactive: HTTP 400
  /__count?path=P  requests seen for P (plain number)
"""
import base64
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY, ISSUER = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
COUNTS = {}
LOCK = threading.Lock()


def good():
    return {"active": True, "sub": "stub-user", "exp": int(time.time()) + 600,
            "iss": ISSUER, "aud": "api://opaque", "scope": "openid mail.read",
            "client_id": "oidc-auth-test", "token_type": "Bearer",
            "department": "from-introspection"}


def tokeninfo(client, sub="stub-user", exp=None):
    exp = exp or int(time.time()) + 600
    return {"azp": client, "aud": client, "sub": sub, "scope": "openid email mail.read",
            "exp": str(exp), "expires_in": str(exp - int(time.time())),
            "email": sub + "@example.test", "email_verified": "true",
            "access_type": "online"}


def google_tokeninfo(form):
    """Introspect the token at the real provider, answer as Google's tokeninfo."""
    tok = form.get("access_token", [""])[0]
    body = urllib.parse.urlencode({"token": tok}).encode()
    cred = base64.b64encode(("%s:%s" % (os.environ["STUB_CLIENT_ID"],
                                        os.environ["STUB_CLIENT_SECRET"])).encode()).decode()
    req = urllib.request.Request(ISSUER + "/token/introspection", data=body,
                                 headers={"Authorization": "Basic " + cred})
    ctx = ssl.create_default_context(cafile=os.environ["STUB_CA"])
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        d = json.load(r)
    if d.get("active") is not True:
        return 400, {"error": "invalid_token", "error_description": "Invalid Value"}
    t = tokeninfo(d["client_id"], d.get("sub", ""), d["exp"])
    t["scope"] = d.get("scope", "")
    return 200, t


def answer(path):
    d = good()
    if path == "/tokeninfo-good":
        return 200, tokeninfo("oidc-auth-test")
    if path.startswith("/tokeninfo-for-"):
        return 200, tokeninfo("oidc-auth-test", path[len("/tokeninfo-for-"):])
    if path == "/tokeninfo-other":
        return 200, tokeninfo("webapp")
    if path == "/tokeninfo-400":
        return 400, {"error": "invalid_token", "error_description": "Invalid Value"}
    if path.startswith("/userinfo-"):
        user = path[len("/userinfo-"):]
        return 200, {"sub": user, "preferred_username": user, "department": "mail-ops",
                     "groups": ["override-attempt"]}
    if path == "/good":
        return 200, d
    if path == "/inactive":
        return 200, {"active": False}
    if path == "/active-string":
        d["active"] = "true"
    elif path == "/active-one":
        d["active"] = 1
    elif path == "/expired":
        d["exp"] = int(time.time()) - 1000
    elif path == "/wrong-iss":
        d["iss"] = "https://evil.example"
    elif path == "/wrong-aud":
        d["aud"] = ["api://other"]
    elif path == "/no-scope":
        d["scope"] = "openid"
    elif path == "/bearer-ctl":
        d["sub"] = "ali\u0007ce"
    elif path == "/no-sub":
        del d["sub"]
    elif path == "/no-aud":
        del d["aud"]
    elif path == "/no-exp":
        del d["exp"]
    elif path == "/dpop":
        d["token_type"] = "DPoP"
    elif path == "/bound":
        d["cnf"] = {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
    elif path == "/500":
        return 500, {"error": "server_error"}
    elif path == "/401":
        return 401, {"error": "invalid_client"}
    else:
        return 404, {"error": "not_found"}
    return 200, d


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if u.path == "/__count":
            p = urllib.parse.parse_qs(u.query).get("path", [""])[0]
            with LOCK:
                return self.send(200, str(COUNTS.get(p, 0)).encode())
        with LOCK:
            COUNTS[u.path] = COUNTS.get(u.path, 0) + 1
        if u.path == "/echo":
            form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
            client = form.get("client_id", [""])[0]
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
                client = urllib.parse.unquote_plus(user)
            doc = {"active": True, "sub": form.get("token", [""])[0], "client_id": client,
                   "hint": form.get("token_type_hint", [""])[0]}
            return self.send(200, json.dumps(doc).encode())
        if u.path == "/tokeninfo-echo":
            form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
            doc = {"sub": form.get("access_token", [""])[0], "query": u.query,
                   "auth": self.headers.get("Authorization", "")}
            return self.send(200, json.dumps(doc).encode())
        if u.path == "/google-tokeninfo":
            code, doc = google_tokeninfo(
                urllib.parse.parse_qs(raw.decode(), keep_blank_values=True))
            return self.send(code, json.dumps(doc).encode())
        if u.path == "/big":
            body = b'{"active":true,"pad":"' + b"a" * (10 * 1024 * 1024) + b'"}'
            return self.send(200, body)
        if u.path == "/html":
            # a login or error page where the endpoint should be (issue 12)
            return self.send(200, b"<html><body>Sign in</body></html>")
        if u.path == "/slow":
            body = json.dumps(good()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for b in body:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return None
        code, doc = answer(u.path)
        return self.send(code, json.dumps(doc).encode())

    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    do_GET = do_POST = handle_any


srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
srv.daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("READY", flush=True)
srv.serve_forever()
