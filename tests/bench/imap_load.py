# SPDX-License-Identifier: MIT
"""imap_load.py PORT USER SECRET_FILE SECONDS CONNECTIONS - IMAP login load
for tests/bench/dovecot_imap.sh: CONNECTIONS threads each loop over
connect, AUTHENTICATE PLAIN (SASL-IR, RFC 4959) with the secret, LOGOUT,
close, for SECONDS. Prints "logins=N failures=F seconds=S per_s=R".
Exit 1 when any login failed (a benchmark of refusals measures nothing).
"""
import base64
import socket
import sys
import threading
import time


def recv_until(sock, buf, tag):
    while True:
        for line in buf.split(b"\r\n")[:-1]:
            if line.startswith(tag + b" "):
                rest = buf.split(line + b"\r\n", 1)[1]
                return line, rest
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        buf += data


def one_login(port, ir):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while b"\r\n" not in buf:
            data = s.recv(4096)
            if not data:
                raise ConnectionError("no greeting")
            buf += data
        buf = buf.split(b"\r\n", 1)[1]
        s.sendall(b"a AUTHENTICATE PLAIN " + ir + b"\r\n")
        line, buf = recv_until(s, buf, b"a")
        if not line.startswith(b"a OK"):
            return False
        s.sendall(b"b LOGOUT\r\n")
        line, buf = recv_until(s, buf, b"b")
        return line.startswith(b"b OK")


def main():
    port, user = int(sys.argv[1]), sys.argv[2]
    secret = open(sys.argv[3], "rb").read().rstrip(b"\n")
    seconds, conns = float(sys.argv[4]), int(sys.argv[5])
    ir = base64.b64encode(b"\0" + user.encode() + b"\0" + secret)
    counts = [[0, 0] for _ in range(conns)]
    end = time.monotonic() + seconds

    def worker(i):
        while time.monotonic() < end:
            try:
                ok = one_login(port, ir)
            except (OSError, ConnectionError):
                ok = False
            counts[i][0 if ok else 1] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    ok = sum(c[0] for c in counts)
    bad = sum(c[1] for c in counts)
    print("logins=%d failures=%d seconds=%.2f per_s=%.1f" % (ok, bad, elapsed, ok / elapsed))
    sys.exit(1 if bad or not ok else 0)


main()
