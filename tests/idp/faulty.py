#!/usr/bin/python3
"""tests/idp/faulty.py - a misbehaving HTTPS server for network failure tests (stdlib only).

Listens on 127.0.0.1 (or ::1). The first path segment picks the behaviour, so an issuer or a
jwks_uri under https://127.0.0.1:PORT/<mode>/ gets that behaviour for every request below it:

  good/            .well-known/openid-configuration (issuer https://HOST:PORT/good, jwks_uri
                   .../good/jwks) and jwks: the --jwks file, read on every request (swap keys by
                   rewriting it atomically), no Cache-Control header
  cache-N/         like good, JWKS with "Cache-Control: public, max-age=N"
  slow-MS/         like good (discovery and JWKS), each answer sent MS milliseconds late: a
                   provider slow enough that processes starting together overlap
  nostore/         like good, JWKS with "Cache-Control: no-store"
  wrong-issuer/    discovery whose "issuer" is https://HOST:PORT/someone-else (RFC 8414 3.3)
  http-jwks/       discovery whose jwks_uri is http:// (the --http-port listener if given)
  disc-M/          a valid discovery document whose jwks_uri is https://HOST:PORT/M/jwks, so the
                   JWKS fetch (not discovery) meets mode M
  redirect-http/   302 to http://HOST:HTTP_PORT/good/<rest>
  redirect-https/  302 to https://HOST:PORT/good/<rest> (a benign redirect, for comparison)
  hang/            reads the request, never answers
  reset/           reads the request, closes the connection without an answer
  500/             HTTP 500 with a JSON error body
  404/             HTTP 404
  400/ 401/ 403/ 410/ 429/ 503/  that HTTP status with a JSON error body
  garbage/         HTTP 200, Content-Type application/json, a body that is not JSON
  big/             HTTP 200, a 10 MB valid JSON body with a correct Content-Length
  big-chunked/     the same 10 MB body, chunked (no Content-Length)
  big-lie-short/   "Content-Length: 64", then 10 MB anyway, then close
  big-lie-long/    "Content-Length: 10485760", then 100 bytes, then close
  drip/            the JWKS, Content-Length correct, one byte per second (?delay=S per byte)
  html/            HTTP 200 text/html
Query parameters: size=BYTES for big*, delay=SECONDS for drip. Unknown first segments: 404.

Whole-server modes (--mode): normal (default), hang-accept (accepts TCP, never does the TLS
handshake nor reads). "Down" needs no server: use a port nobody listens on.

Control endpoints (never counted, never overridden):
  GET /__count?path=/good/jwks  number of requests for that path (query ignored);
                                "http:/good/jwks" counts the plain-HTTP listener
  GET /__counts                 all counters as JSON
  GET /__set?path=P&mode=M      from now on path P behaves as mode M ("good", "500", "hang",
                                "cache-60"... with P's last segment kept); mode= removes it
  GET /__reset                  zero counters, drop overrides
Prints "READY" on stdout when listening; logs one line per request to --log.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG_SIZE = 10 * 1024 * 1024
STOP = threading.Event()


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.counts = {}
        self.overrides = {}
        self.log_file = open(args.log, "a", buffering=1) if args.log else sys.stderr

    def log(self, msg):
        with self.lock:
            self.log_file.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1


def host_in_url(host):
    return "[%s]" % host if ":" in host else host


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faulty/1"
    # TCP_NODELAY: headers and body go out in separate writes; with Nagle and delayed ACKs
    # every response waited ~40 ms.
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    def setup(self):
        # TLS handshake here, in the connection's own thread: a client that never sends a
        # ClientHello must not block the accept loop.
        if self.server.tls_context is not None:
            self.request.settimeout(10)
            try:
                self.request = self.server.tls_context.wrap_socket(
                    self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.server.state.log("tls handshake failed: %s" % e)
                self.request.close()
                raise ConnectionAbortedError from e
            self.request.settimeout(None)
        super().setup()

    def log_message(self, fmt, *a):
        self.server.state.log("%s %s" % (self.server.scheme, fmt % a))

    # -- plumbing -----------------------------------------------------------------------
    def send_body(self, status, body, ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send_body(status, json.dumps(obj).encode(), headers=headers)

    def base(self):
        st = self.server.state
        return "https://%s:%d" % (host_in_url(st.args.host), st.args.port)

    def http_base(self):
        st = self.server.state
        return "http://%s:%d" % (host_in_url(st.args.host), st.args.http_port or st.args.port)

    def jwks_bytes(self):
        with open(self.server.state.args.jwks, "rb") as f:
            return f.read()

    def discovery(self, tenant, issuer=None, jwks_uri=None):
        b = self.base()
        iss = issuer or "%s/%s" % (b, tenant)
        return {
            "issuer": iss,
            "jwks_uri": jwks_uri or "%s/%s/jwks" % (b, tenant),
            "token_endpoint": "%s/%s/token" % (b, tenant),
            "introspection_endpoint": "%s/%s/token/introspection" % (b, tenant),
            "userinfo_endpoint": "%s/%s/me" % (b, tenant),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        }

    # -- dispatch -----------------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 65536:
            self.rfile.read(length)
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query))
        st = self.server.state
        if path.startswith("/__"):
            return self.control(path, query)
        st.count(path if self.server.scheme == "https" else "http:" + path)
        with st.lock:
            override = st.overrides.get(path)
        segs = path.lstrip("/").split("/", 1)
        mode, rest = (override, path.rsplit("/", 1)[-1]) if override else \
            (segs[0], segs[1] if len(segs) > 1 else "")
        self.serve(mode, rest, query)

    def control(self, path, query):
        st = self.server.state
        if path == "/__count":
            with st.lock:
                n = st.counts.get(query.get("path", ""), 0)
            return self.send_body(200, b"%d\n" % n, "text/plain")
        if path == "/__counts":
            with st.lock:
                counts = dict(st.counts)
            return self.send_json(200, counts)
        if path == "/__set" and "path" in query:
            with st.lock:
                if query.get("mode"):
                    st.overrides[query["path"]] = query["mode"]
                else:
                    st.overrides.pop(query["path"], None)
            return self.send_body(200, b"ok\n", "text/plain")
        if path == "/__reset":
            with st.lock:
                st.counts.clear()
                st.overrides.clear()
            return self.send_body(200, b"ok\n", "text/plain")
        return self.send_body(404, b"unknown control\n", "text/plain")

    def serve(self, mode, rest, query):
        well_known = rest == ".well-known/openid-configuration"
        if mode.startswith("slow-"):
            ms = mode[len("slow-"):]
            if not ms.isdigit():
                return self.send_body(404, b"bad slow mode\n", "text/plain")
            if STOP.wait(int(ms) / 1000.0):
                return None
            if well_known:
                return self.send_json(200, self.discovery(mode))
            return self.serve("good", rest, query)
        if mode == "good" or mode == "nostore" or mode.startswith("cache-"):
            if well_known:
                return self.send_json(200, self.discovery(mode))
            if rest == "jwks":
                headers = []
                if mode == "nostore":
                    headers.append(("Cache-Control", "no-store"))
                elif mode.startswith("cache-"):
                    age = mode[len("cache-"):]
                    if not age.isdigit():
                        return self.send_body(404, b"bad cache mode\n", "text/plain")
                    headers.append(("Cache-Control", "public, max-age=%s" % age))
                return self.send_body(200, self.jwks_bytes(), headers=headers)
            return self.send_json(404, {"error": "not_found"})
        if mode == "wrong-issuer":
            if well_known:
                return self.send_json(200, self.discovery(
                    mode, issuer="%s/someone-else" % self.base(),
                    jwks_uri="%s/good/jwks" % self.base()))
            return self.serve("good", rest, query)
        if mode == "http-jwks":
            if well_known:
                return self.send_json(200, self.discovery(
                    mode, jwks_uri="%s/good/jwks" % self.http_base()))
            return self.serve("good", rest, query)
        if mode.startswith("disc-"):
            inner = mode[len("disc-"):]
            if well_known:
                return self.send_json(200, self.discovery(
                    mode, jwks_uri="%s/%s/jwks" % (self.base(), inner)))
            return self.serve(inner, rest, query)
        if mode in ("redirect-http", "redirect-https"):
            target = self.http_base() if mode == "redirect-http" else self.base()
            self.send_response(302)
            self.send_header("Location", "%s/good/%s" % (target, rest))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if mode == "hang":
            self.close_connection = True
            STOP.wait()
            return None
        if mode == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return None
        if mode == "500":
            return self.send_json(500, {"error": "server_error"})
        if mode == "404":
            return self.send_json(404, {"error": "not_found"})
        if mode in ("400", "401", "403", "410", "429", "503"):
            return self.send_json(int(mode), {"error": "status_%s" % mode})
        if mode == "html":
            return self.send_body(200, b"<html><body>not json</body></html>", "text/html")
        if mode == "garbage":
            return self.send_body(200, b'{"keys":[{"kty":"RSA","n":\xff\xfe garbage\x00{{{')
        if mode.startswith("big"):
            return self.big(mode, int(query.get("size", BIG_SIZE)))
        if mode == "drip":
            return self.drip(float(query.get("delay", "1")))
        return self.send_json(404, {"error": "unknown mode %s" % mode})

    def big(self, mode, size):
        head, tail = b'{"keys":[],"padding":"', b'"}'
        pad = max(size - len(head) - len(tail), 0)
        self.close_connection = mode != "big"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if mode == "big":
            self.send_header("Content-Length", str(len(head) + pad + len(tail)))
        elif mode == "big-chunked":
            self.send_header("Transfer-Encoding", "chunked")
        elif mode == "big-lie-short":
            self.send_header("Content-Length", "64")
        elif mode == "big-lie-long":
            self.send_header("Content-Length", str(BIG_SIZE))
        else:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self.end_headers()
        if mode == "big-lie-long":
            self.wfile.write(b'{"keys":[' + b" " * 91)
            return
        chunk = b"A" * 65536
        parts = [head]
        left = pad
        while left > 0:
            parts.append(chunk[:min(left, len(chunk))])
            left -= len(parts[-1])
        parts.append(tail)
        try:
            for p in parts:
                if mode == "big-chunked":
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
                else:
                    self.wfile.write(p)
            if mode == "big-chunked":
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def drip(self, delay):
        body = self.jwks_bytes()
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                if STOP.wait(delay):
                    return
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, state, scheme, tls_context):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.state = state
        self.scheme = scheme
        self.tls_context = tls_context
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            self.state.log("handler error: %r" % (exc,))


def hang_accept(host, port):
    """Accept TCP connections and hold them: no TLS handshake, no read."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    print("READY", flush=True)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--jwks", help="public JWKS file served by good/ and friends")
    ap.add_argument("--http-port", type=int, help="also listen with plain HTTP here")
    ap.add_argument("--mode", default="normal", choices=["normal", "hang-accept"])
    ap.add_argument("--log")
    args = ap.parse_args()

    if args.mode == "hang-accept":
        hang_accept(args.host, args.port)
        return
    if not (args.cert and args.key and args.jwks):
        ap.error("--cert, --key and --jwks are required")
    state = State(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    servers = [Server((args.host, args.port), state, "https", ctx)]
    if args.http_port:
        servers.append(Server((args.host, args.http_port), state, "http", None))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    state.log("listening on %s:%d%s" % (args.host, args.port,
        " and http %d" % args.http_port if args.http_port else ""))
    print("READY", flush=True)
    try:
        while not STOP.wait(3600):
            pass
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    main()
