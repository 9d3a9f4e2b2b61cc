# SPDX-License-Identifier: MIT
"""syslogd.py SOCKET LOGFILE - a minimal syslog sink for tests: receives
datagrams on a Unix socket (bound over /dev/log inside the test's private
mount namespace) and appends one line per message to LOGFILE. Prints READY
once bound. Run with /usr/bin/python3."""
import os
import socket
import sys

sock_path, log_path = sys.argv[1], sys.argv[2]
if os.path.exists(sock_path):
    os.unlink(sock_path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o666)
with open(log_path, "a", buffering=1) as log:
    print("READY", flush=True)
    while True:
        data = s.recv(65536)
        log.write(data.decode("utf-8", "replace").rstrip("\n\0") + "\n")
