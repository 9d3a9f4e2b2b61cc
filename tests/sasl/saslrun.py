# SPDX-License-Identifier: MIT
"""saslrun.py - drive Cyrus SASL's sasl-sample-server / sasl-sample-client
(package sasl2-bin) with the plugin from BUILD_DIR/sasl2, for t_sasl_*.py.

The sample programs speak "S: <base64>" / "C: <base64>" lines. The server
is fed on stdin; the client asks its password on /dev/tty, so it runs on a
pseudo-terminal (echo off) and this module relays lines between the two.
"""
import base64
import os
import pty
import select
import subprocess
import termios
import time

STDBUF = ["stdbuf", "-o0", "-e0"]


def host_env(env):
    """Under SANITIZE=1 the plugin is built with ASan/UBSan: the sample
    programs need the runtimes loaded first (see tests/lib/sanitize.sh)."""
    if os.environ.get("SANITIZE") == "1":
        libs = [subprocess.run(["gcc", "-print-file-name=" + n], stdout=subprocess.PIPE,
                               universal_newlines=True).stdout.strip()
                for n in ("libasan.so", "libubsan.so")]
        env = dict(env, LD_PRELOAD=":".join(libs),
                   ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
                   UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    return env


def b64(data):
    return base64.b64encode(data).decode()


class Exchange:
    """Output of one sample-server run, split into what the tests look at."""

    def __init__(self, out, rc):
        self.out = out
        self.rc = rc
        self.lines = out.splitlines()
        # challenges the server sent after the mechanism list
        self.challenges = [base64.b64decode(l[3:]) for l in self.lines
                           if l.startswith("S: ")][1:]
        self.success = "Negotiation complete" in out
        self.user = None
        for l in self.lines:
            if l.startswith("Username: "):
                self.user = l[len("Username: "):]

    def audit(self):
        return [l for l in self.lines if "oidc-auth sasl:" in l]


def server(plugdir, confdir, mech, client_lines, timeout=20, wrap=()):
    """Run sasl-sample-server -m mech with client_lines (bytes, the first
    is MECH\\0initial-response) already queued on stdin."""
    data = "".join("C: %s\n" % b64(m) for m in client_lines).encode()
    env = dict(os.environ, SASL_CONF_PATH=confdir)
    if not wrap:
        env = host_env(env)
    argv = list(wrap) + STDBUF + ["sasl-sample-server", "-p", plugdir]
    if mech:
        argv += ["-m", mech]
    try:
        p = subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env, timeout=timeout)
        return Exchange(p.stdout.decode("utf-8", "replace"), p.returncode)
    except subprocess.TimeoutExpired as e:
        return Exchange((e.stdout or b"").decode("utf-8", "replace"), "timeout")


def client_server(plugdir, confdir, mech, authzid, token, timeout=20, client_env=None):
    """sasl-sample-client (our client plugin, token typed at the password
    prompt, if it asks) against sasl-sample-server. Returns (client_out,
    Exchange)."""
    env = dict(os.environ, SASL_CONF_PATH=confdir, SASL_PATH=plugdir)
    env.update(client_env or {})
    env = host_env(env)
    srv = subprocess.Popen(STDBUF + ["sasl-sample-server", "-p", plugdir, "-m", mech],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env)
    argv = ["sasl-sample-client", "-p", plugdir, "-m", mech]
    if authzid:
        argv += ["-u", authzid, "-a", authzid]
    pid, fd = pty.fork()
    if pid == 0:
        attrs = termios.tcgetattr(0)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(0, termios.TCSANOW, attrs)
        os.execvpe(argv[0], argv, env)
    cbuf, sbuf, cout, sout = b"", b"", b"", b""
    sent_pass = False
    deadline = time.monotonic() + timeout
    open_fds = {fd, srv.stdout.fileno()}
    # the exchange is over once the server has gone; the client may wait
    while srv.stdout.fileno() in open_fds and time.monotonic() < deadline:
        if fd not in open_fds:
            # the client gave up: the server gets a moment to finish
            deadline = min(deadline, time.monotonic() + 0.5)
        r, _, _ = select.select(list(open_fds), [], [], 0.2)
        for f in r:
            try:
                chunk = os.read(f, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                open_fds.discard(f)
                continue
            if f == fd:
                cout += chunk
                cbuf += chunk
                if not sent_pass and b"Password:" in cbuf:
                    os.write(fd, token.encode() + b"\n")
                    sent_pass = True
                    cbuf = cbuf.split(b"Password:", 1)[1]
                while b"\n" in cbuf:
                    line, cbuf = cbuf.split(b"\n", 1)
                    line = line.strip(b"\r")
                    if line.startswith(b"C: ") and srv.poll() is None:
                        try:
                            srv.stdin.write(line + b"\n")
                            srv.stdin.flush()
                        except OSError:
                            pass
            else:
                sout += chunk
                sbuf += chunk
                while b"\n" in sbuf:
                    line, sbuf = sbuf.split(b"\n", 1)
                    if line.startswith(b"S: "):
                        try:
                            os.write(fd, line + b"\n")
                        except OSError:
                            pass
    for proc_kill in (lambda: os.kill(pid, 9), srv.kill):
        try:
            proc_kill()
        except OSError:
            pass
    os.waitpid(pid, 0)
    srv.wait()
    os.close(fd)
    return cout.decode("utf-8", "replace"), Exchange(sout.decode("utf-8", "replace"),
                                                     srv.returncode)
