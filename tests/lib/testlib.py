# SPDX-License-Identifier: MIT
"""testlib.py - helpers for the script tests (run with /usr/bin/python3).

Prints one "ok - NAME" or "not ok - NAME" line per check, with "# " lines
explaining a failure, as tests/run.sh counts them. Runs build/oidc-auth
(BUILD_DIR from the environment, default "build", from the repo root) and
checks exit codes and the JSON "reason", never message text.

    t = Suite("checklist")
    cfg = t.write("oidc.conf", "issuer = ...\n")
    t.expect_validate("A1 alg none", cfg, token, rc=1, reason="malformed_token")
    t.done()

Command line of a test using it: optional substrings; only checks whose
name contains one of them run. OIDC_TEST_KEEP=1 keeps the temporary
directory (keys, configs, failing tokens) for reproducing a failure.
"""
import atexit
import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time


NS_MARK = "OIDC_PY_IN_NS"


def in_namespaces(name):
    """Run the calling script again in private network, PID and mount
    namespaces (once: the environment names the script that is inside),
    so its daemons die with it and its mounts stay private. name is for the
    failure line when unshare cannot run."""
    me = os.path.abspath(sys.argv[0])
    if os.environ.get(NS_MARK) == me:
        return
    os.environ[NS_MARK] = me
    try:
        os.execvp("unshare", ["unshare", "-n", "-p", "-f", "--mount-proc",
                              sys.executable] + sys.argv)
    except OSError as e:
        print("not ok - %s: unshare failed: %s" % (name, e))
        sys.exit(1)


class Result:
    """One run of the CLI: exit code, stdout, stderr, parsed JSON or None."""

    def __init__(self, args, rc, out, err, elapsed):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.json = None
        self.json_error = None
        try:
            self.json = json.loads(out)
        except ValueError as e:
            self.json_error = str(e)

    def field(self, name):
        return self.json.get(name) if isinstance(self.json, dict) else None

    def summary(self):
        out = self.out.strip().replace("\n", "\\n")
        err = self.err.strip().replace("\n", "\\n")
        return "exit %s, stdout %.300s, stderr %.300s" % (self.rc, out, err)


class Suite:
    def __init__(self, name):
        self.name = name
        self.root = os.getcwd()
        self.build = os.environ.get("BUILD_DIR", "build")
        self.cli = os.path.join(self.build, "oidc-auth")
        self.passed = 0
        self.failed = []
        self.names = set()
        self.filters = [a for a in sys.argv[1:] if not a.startswith("-")]
        self.keep = os.environ.get("OIDC_TEST_KEEP") == "1"
        self.tmp = tempfile.mkdtemp(prefix="oidc-%s-" % name)
        os.chmod(self.tmp, 0o700)
        atexit.register(self._cleanup)     # also when a test script crashes
        self.n_fail_files = 0
        self.pending = []
        self.jobs = max(1, int(os.environ.get("OIDC_TEST_JOBS", "4")))
        if not os.access(self.cli, os.X_OK):
            self.diag("%s is missing or not executable: run make first" % self.cli)

    # ---- reporting ----

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def wanted(self, name):
        return not self.filters or any(f in name for f in self.filters)

    def ok(self, name, cond, *diag):
        """Record one check; diag lines are printed when it fails. Queued
        runs are reported first, so the output follows the source order."""
        self.flush()
        return self._report(name, cond, *diag)

    def _report(self, name, cond, *diag):
        if not self.wanted(name):
            return True
        if name in self.names:
            # two checks under one name would hide one of them
            print("not ok - duplicate check name: %s" % name)
            self.failed.append("duplicate: " + name)
        self.names.add(name)
        if cond:
            print("ok - %s" % name)
            self.passed += 1
        else:
            print("not ok - %s" % name)
            for d in diag:
                self.diag(d)
            self.failed.append(name)
        sys.stdout.flush()
        return bool(cond)

    def done(self):
        """Print the summary, clean up, exit 0 only when nothing failed."""
        self.flush()
        total = self.passed + len(self.failed)
        self.diag("%s: %d checks, %d passed, %d failed" %
                  (self.name, total, self.passed, len(self.failed)))
        if self.failed and not self.keep:
            self.diag("re-run with OIDC_TEST_KEEP=1 to keep the files of the reproduce lines")
        sys.exit(1 if self.failed or total == 0 else 0)

    def _cleanup(self):
        if self.keep:
            self.diag("kept " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- files ----

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, content, mode=0o644):
        """Write a file in the temporary directory; returns its path."""
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def private_passwd(self, lines, keep_host=True):
        """A private /etc/passwd for this run: the host's entries (keep_host)
        and lines ("name:x:uid:gid::home:shell"), bind-mounted over
        /etc/passwd inside the namespaces of in_namespaces() only; the host's
        file is never written. Records one check and returns its result."""
        name = "a private /etc/passwd in this mount namespace"
        if os.environ.get(NS_MARK) != os.path.abspath(sys.argv[0]):
            return self.ok(name, False, "not inside in_namespaces(): refusing to mount")
        text = ""
        if keep_host:
            with open("/etc/passwd") as f:
                text = f.read()
        text += "".join(line + "\n" for line in lines)
        path = self.write("passwd", text)
        mnt = subprocess.run(["mount", "--bind", path, "/etc/passwd"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True)
        with open("/etc/passwd") as f:
            seen = f.read()
        return self.ok(name, mnt.returncode == 0 and seen == text, mnt.stdout)

    # ---- running the CLI ----

    def run(self, args, stdin=None, timeout=60):
        """Run the CLI with args (list); stdin str/bytes or None."""
        argv = [self.cli] + [str(a) for a in args]
        if isinstance(stdin, str):
            stdin = stdin.encode()
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, input=stdin if stdin is not None else b"",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, cwd=self.root)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
        except OSError as e:
            rc, out, err = "cannot run (%s)" % e, b"", b""
        elapsed = time.monotonic() - t0
        return Result(argv, rc, out.decode("utf-8", "replace"),
                      err.decode("utf-8", "replace"), elapsed)

    def validate(self, cfg, token, now, user=None, sets=(), use_stdin=None):
        """Run validate now (not queued); returns the Result."""
        args, stdin = self.validate_args(cfg, token, now, user, sets, use_stdin)
        return self.run(args, stdin=stdin)

    def reproduce(self, res, token=None):
        """A shell command that repeats res (the token saved to a file)."""
        args = list(res.args)
        if token is not None and len(token) > 200:
            self.n_fail_files += 1
            f = self.write("failed/%03d.jwt" % self.n_fail_files, token)
            if args and args[-1] == token:
                args[-1] = "-"
            return " ".join(shlex.quote(a) for a in args) + " < " + shlex.quote(f)
        cmd = " ".join(shlex.quote(a) for a in args)
        if token is not None and args and args[-1] == "-":
            cmd = "printf %s " + shlex.quote(token) + " | " + cmd
        return cmd

    def problems(self, res, rc, reason=None, user=None, issuer=None):
        """What is wrong with res for the expectation: exit code rc; for 0
        result "valid" (and user / issuer section), otherwise the JSON reason
        and the result word of the exit code. [] when all is well."""
        got_reason = res.field("reason")
        problems = []
        if res.json_error is not None or not isinstance(res.json, dict):
            problems.append("stdout is not one JSON object (%s)" % res.json_error)
        if res.rc != rc:
            problems.append("exit %s, expected %s" % (res.rc, rc))
        if rc == 0:
            if res.field("result") != "valid":
                problems.append("result %r, expected 'valid'" % res.field("result"))
            if user is not None and res.field("user") != user:
                problems.append("user %r, expected %r" % (res.field("user"), user))
            if issuer is not None and res.field("issuer") != issuer:
                problems.append("issuer %r, expected %r" % (res.field("issuer"), issuer))
        else:
            word = {1: "rejected", 2: "error", 3: "unavailable"}.get(rc)
            if reason is not None and got_reason != reason:
                problems.append("reason %r, expected %r" % (got_reason, reason))
            if word and res.field("result") != word:
                problems.append("result %r, expected %r" % (res.field("result"), word))
        return problems

    def check_run(self, name, args, judge, stdin=None, token=None):
        """Run the CLI with args and record check name: judge(res) returns a
        list of problems ([] passes). Runs are queued and executed in
        parallel by flush() (OIDC_TEST_JOBS, default 4); reports keep the
        order of the calls."""
        if not self.wanted(name):
            return
        self.pending.append((name, args, stdin, judge, token))
        if len(self.pending) >= 256:
            self.flush()

    def flush(self):
        pending, self.pending = self.pending, []
        if not pending:
            return
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as ex:
            results = list(ex.map(lambda p: self.run(p[1], stdin=p[2]), pending))
        for (name, _args, _stdin, judge, token), res in zip(pending, results):
            problems = judge(res)
            if problems:
                self._report(name, False, "; ".join(problems), "got: " + res.summary(),
                             "reproduce: " + self.reproduce(res, token))
            else:
                self._report(name, True)

    def expect_result(self, name, res, rc, reason=None, user=None, token=None,
                      issuer=None):
        """Check an already finished run res (see problems())."""
        problems = self.problems(res, rc, reason, user, issuer)
        if problems:
            return self.ok(name, False, "; ".join(problems), "got: " + res.summary(),
                           "reproduce: " + self.reproduce(res, token))
        return self.ok(name, True)

    def validate_args(self, cfg, token, now, user=None, sets=(), use_stdin=None):
        """Arguments and stdin of validate --config CFG --json --now NOW
        [--user U] [--set K=V].. TOKEN. Tokens too long for one argument
        (128 KiB) or starting with '-' go through stdin."""
        args = ["validate", "--config", cfg, "--json", "--now", now]
        if user is not None:
            args += ["--user", user]
        for s in sets:
            args += ["--set", s]
        if use_stdin is None:
            use_stdin = len(token) > 100000 or token.startswith("-")
        if use_stdin:
            return args + ["-"], token
        return args + [token], None

    def expect_validate(self, name, cfg, token, rc, reason=None, user=None, now=None,
                        user_arg=None, sets=(), issuer=None):
        """validate TOKEN with CFG and check exit code and reason (or user)."""
        args, stdin = self.validate_args(cfg, token, now if now is not None else self.now,
                                         user=user_arg, sets=sets)
        self.check_run(name, args,
                       lambda res: self.problems(res, rc, reason, user, issuer),
                       stdin=stdin, token=token)

    now = 1800000000
