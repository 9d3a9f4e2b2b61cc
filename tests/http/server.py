#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Loopback test server for tests/unit/test_http.c.

usage: server.py WORKDIR

Makes a throw-away CA, a server certificate for IP:127.0.0.1 and an
unrelated second CA with the openssl CLI in WORKDIR, then serves HTTPS and
plain HTTP on 127.0.0.1 (random free ports), and HTTPS on a second port
(a redirect target on another port), and prints one line
"READY <https_port> <http_port> <https_port2>" on stdout. Exits by itself after
LIFETIME seconds even if nobody stops it, removing WORKDIR on SIGTERM and
on that timeout. Python standard library only.

Paths (both listeners):
  /json                 200 JSON, Cache-Control: public, max-age=300
  /cc?v=V[&v=W]         200 JSON, one Cache-Control header per v
  /nocc                 200 JSON, no Cache-Control
  /status/N             status N, small JSON body
  /size/N               N bytes with an honest Content-Length
  /size-chunked/N       N bytes, chunked
  /size-close/N         N bytes, no length, ends at connection close
  /lying/N              says Content-Length: 100, sends N bytes
  /hang                 reads the request, never answers
  /slow                 headers, then one byte every 200 ms
  /redirect?to=URL[&code=N]  N (default 302) to URL (with Cache-Control:
                        max-age=7)
  /chain/N              N redirects, then /json
  /echo                 JSON describing the request (line, headers,
                        body, decoded form and Basic credentials)
  /seen                 JSON list of every request line received
  /record...            200 {"recorded": true}; remembers the request
                        (port, method, path, headers, body)
  /recorded             JSON list of what /record... received
  absolute-URI request  (we are used as an HTTP proxy) recorded, 200
"""
import base64
import json
import os
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME = 60
OPENSSL = "openssl"

SEEN = []
RECORDED = []
SEEN_LOCK = threading.Lock()


def run(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "other-ca"):
        run("req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".pem",
            "-days", "2", "-subj", "/CN=oidc-auth test " + ca,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    with open(os.path.join(d, "srv.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n"
                "keyUsage=critical,digitalSignature\n")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr",
        "-subj", "/CN=127.0.0.1", cwd=d)
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.pem", "-days", "2",
        "-extfile", "srv.ext", cwd=d)


def body_json(obj):
    return json.dumps(obj).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oidc-test"
    sys_version = ""

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=(), ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def start_raw(self, headers):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def send_bytes(self, n, chunked=False):
        block = b"x" * 65536
        while n > 0:
            part = block[:min(n, len(block))]
            if chunked:
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            else:
                self.wfile.write(part)
            n -= len(part)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        with SEEN_LOCK:
            SEEN.append(self.requestline)
        if not self.path.startswith("/"):
            self.read_body()
            self.reply(200, body_json({"proxied": self.path}))
            return
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.split("/")
        arg = parts[2] if len(parts) > 2 else ""
        route = parts[1]
        if route == "json":
            self.reply(200, body_json({"hello": "world"}),
                       [("Cache-Control", "public, max-age=300")],
                       ctype="Application/JSON; charset=UTF-8")
        elif route == "cc":
            self.reply(200, body_json({"cc": query.get("v", [])}),
                       [("Cache-Control", v) for v in query.get("v", [])])
        elif route == "nocc":
            self.reply(200, body_json({"cc": None}))
        elif route == "status":
            self.reply(int(arg), body_json({"status": int(arg)}))
        elif route == "size":
            self.start_raw([("Content-Length", arg)])
            self.send_bytes(int(arg))
        elif route == "size-chunked":
            self.start_raw([("Transfer-Encoding", "chunked")])
            self.send_bytes(int(arg), chunked=True)
        elif route == "size-close":
            self.start_raw([])
            self.send_bytes(int(arg))
        elif route == "lying":
            self.start_raw([("Content-Length", "100")])
            self.send_bytes(int(arg))
        elif route == "hang":
            time.sleep(LIFETIME)
        elif route == "slow":
            self.start_raw([("Content-Length", "1000")])
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        elif route == "redirect":
            # Cache headers on the redirect itself must not count.
            self.read_body()
            self.reply(int(query.get("code", ["302"])[0]), b"{}",
                       [("Location", query["to"][0]),
                        ("Cache-Control", "max-age=7")],
                       ctype="text/html")
        elif route == "record":
            # A redirect target: whatever arrives here was re-sent.
            raw = self.read_body()
            with SEEN_LOCK:
                RECORDED.append({
                    "port": self.server.server_address[1],
                    "method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": raw.decode("latin-1")})
            self.reply(200, body_json({"recorded": True}))
        elif route == "recorded":
            with SEEN_LOCK:
                self.reply(200, body_json({"recorded": list(RECORDED)}))
        elif route == "chain":
            n = int(arg)
            to = "/chain/%d" % (n - 1) if n > 1 else "/json"
            self.reply(302, b"{}", [("Location", to)])
        elif route == "echo":
            self.echo()
        elif route == "seen":
            with SEEN_LOCK:
                self.reply(200, body_json({"seen": list(SEEN)}))
        else:
            self.reply(404, body_json({"error": "no such path"}))

    def echo(self):
        raw = self.read_body()
        out = {
            "method": self.command,
            "request_line": self.requestline,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": raw.decode("latin-1"),
            # An independent decoder: what an IdP would make of the form.
            "form": urllib.parse.parse_qs(raw.decode("ascii", "replace"),
                                          keep_blank_values=True),
        }
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            cred = base64.b64decode(auth[6:], validate=True).decode("utf-8")
            user, _, pw = cred.partition(":")
            out["basic"] = {"raw": cred,
                            "user": urllib.parse.unquote_plus(user),
                            "pass": urllib.parse.unquote_plus(pw)}
        self.reply(200, body_json(out))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def server_bind(self):
        # HTTPServer.server_bind would look the name up (getfqdn).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the request's own thread, so a
        # client that never finishes it cannot stall the accept loop.
        request.settimeout(LIFETIME)
        if self.tls is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            conn.close()

    def handle_error(self, request, client_address):
        pass  # clients that abort (body caps, timeouts) are expected


def main():
    d = sys.argv[1]

    def leave(*_):
        # The test's files go with us, also when the test died (it asks
        # the kernel to send us SIGTERM then: PR_SET_PDEATHSIG).
        shutil.rmtree(d, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, leave)
    make_pki(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "srv.pem"), os.path.join(d, "srv.key"))
    https = Server(("127.0.0.1", 0), Handler)
    https.tls = ctx
    http = Server(("127.0.0.1", 0), Handler)
    https2 = Server(("127.0.0.1", 0), Handler)
    https2.tls = ctx
    for s in (https, http, https2):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("READY %d %d %d" % (https.server_address[1], http.server_address[1],
                              https2.server_address[1]), flush=True)
    # Safety net: gone after LIFETIME seconds even if the test crashed.
    time.sleep(LIFETIME)
    leave()


if __name__ == "__main__":
    main()
