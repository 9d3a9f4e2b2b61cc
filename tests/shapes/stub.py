#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""stub.py - one provider's public documents, served as it serves them.

usage: stub.py STATE PROVIDER

Makes the provider's signing keys (fixtures.py), a throw-away CA and a server
certificate for the provider's host names in STATE, writes STATE/hosts (the
names on 127.0.0.1, for a private /etc/hosts) and STATE/ca.pem, then serves
HTTPS on 127.0.0.1:443 and prints "READY". The Host header picks the
provider host; the path picks the document (fixtures.documents), with the
provider's Cache-Control. Also:
  Google's userinfo endpoint   Bearer token from fixtures GOOGLE_USERINFO,
                               401 with WWW-Authenticate otherwise
  Google's tokeninfo endpoint  POST with access_token in the form body: the answer
                               of providers_a.google_tokeninfo, HTTP 400 for a token
                               it does not know; a request with a query string (a
                               token in the URL) is refused with 400
  /__seen                      JSON list of "host path" requested so far ("host
                               path?" when the request had a query string)
Exits by itself after LIFETIME seconds. Run inside the test's network and
mount namespaces only (it binds port 443 and expects a private /etc/hosts).
"""
import datetime
import ipaddress
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixtures  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

LIFETIME = 300
SEEN = []
LOCK = threading.Lock()


def write(path, data, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def make_tls(state, hosts):
    """CA and a leaf for hosts (+ 127.0.0.1): PEM files in state."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oidc-auth shapes test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    sans = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    write(os.path.join(state, "ca.pem"), ca.public_bytes(pem))
    write(os.path.join(state, "srv.pem"), leaf.public_bytes(pem))
    write(os.path.join(state, "srv.key"), leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shapes"
    sys_version = ""
    docs = {}

    def log_message(self, *a):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        with LOCK:
            if path != "/__seen":
                SEEN.append(host + " " + path + ("?" if "?" in self.path else ""))
            seen = list(SEEN)
        if path == "/__seen":
            return self.send(200, json.dumps(seen).encode())
        if (host, path) == ("openidconnect.googleapis.com", "/v1/userinfo"):
            auth = self.headers.get("Authorization", "")
            info = fixtures.pa.GOOGLE_USERINFO.get(auth[7:]) if auth.startswith("Bearer ") \
                else None
            if info is None:
                return self.send(401, b'{"error":"invalid_request"}', [
                    ("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", '
                                         'error="invalid_token"')])
            return self.send(200, json.dumps(info).encode(), [("Cache-Control", "no-cache")])
        if (host, path) == ("oauth2.googleapis.com", "/tokeninfo"):
            return self.tokeninfo(body)
        doc = self.docs.get((host, path))
        if doc is None:
            return self.send(404, b'{"error":"not_found"}')
        body, headers = doc if isinstance(doc, tuple) else (doc, {})
        return self.send(200, json.dumps(body, indent=2).encode(), list(headers.items()))

    def tokeninfo(self, body):
        """Google's tokeninfo, as the core asks it: POST, the token in the form body."""
        form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
        token = form.get("access_token", [""])[0]
        info = None
        if self.command == "POST" and "?" not in self.path and \
                self.headers.get("Content-Type", "").startswith(
                    "application/x-www-form-urlencoded"):
            info = fixtures.pa.google_tokeninfo(token, int(time.time()))
        if info is None:
            return self.send(400, b'{"error":"invalid_token",'
                                  b'"error_description":"Invalid Value"}')
        return self.send(200, json.dumps(info).encode(), [("Cache-Control", "no-cache")])

    do_GET = do_POST = handle_any


def main(state, provider):
    hosts = fixtures.PROVIDERS[provider]["hosts"]
    fixtures.make_keys(state, provider)
    make_tls(state, hosts)
    write(os.path.join(state, "hosts"),
          ("127.0.0.1 localhost %s\n::1 localhost\n" % " ".join(hosts)).encode())
    Handler.docs = fixtures.documents(state, provider)
    srv = ThreadingHTTPServer(("127.0.0.1", 443), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(state, "srv.pem"), os.path.join(state, "srv.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Timer(LIFETIME, srv.shutdown).start()
    print("READY", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in fixtures.PROVIDERS:
        sys.exit("usage: stub.py STATE PROVIDER (%s)" % ", ".join(fixtures.PROVIDERS))
    main(sys.argv[1], sys.argv[2])
