# SPDX-License-Identifier: MIT
"""ssh_device.py PORT USER ACTION - a user at a terminal doing a device-flow
ssh login (keyboard-interactive) against tests/sshd's private sshd.

Runs the OpenSSH client on a pseudo-terminal, reads the prompt pam_oidc
shows, takes the user code from it, then ACTION:
  approve  run $APPROVE_CMD CODE (the "browser" approving at the provider)
  refuse   run $REFUSE_CMD CODE
  none     nobody approves (the module must give up)
and presses Enter. Or, with ACTION token, types $SSH_TOKEN at the token
prompt ("OIDC token: ") as a user pasting a token would.
Prints "code=..." and "login=ok" when the remote command ran, else
"login=fail"; "oidc_env=" with $OIDC_PREFERRED_USERNAME in the session
(pam_oidc session_env); "prompt_s=" and "total_s=" timings. With
$SSH_SCREEN set, everything the terminal showed up to and including the
prompt is written to that file (the recipe's sample screen is compared with
it). Run with /usr/bin/python3; exit 0 unless it could not run ssh at all.
"""
import os
import pty
import re
import select
import subprocess
import sys
import time

MARK = "LOGGED-IN-OK"


def read_until(fd, pattern, buf, timeout):
    end = time.monotonic() + timeout
    while not re.search(pattern, buf):
        left = end - time.monotonic()
        if left <= 0:
            return buf, False
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return buf, False
        if not data:
            return buf, False
        buf += data.decode("utf-8", "replace")
    return buf, True


def main():
    port, user, action = sys.argv[1], sys.argv[2], sys.argv[3]
    cmd = ["ssh", "-p", port, "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
           "-o", "PreferredAuthentications=keyboard-interactive",
           "-o", "NumberOfPasswordPrompts=1", "-o", "BatchMode=no",
           "-F", "/dev/null", user + "@127.0.0.1",
           "echo oidc_env=${OIDC_PREFERRED_USERNAME:-unset}; echo " + MARK]
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    prompt = r"OIDC token: " if action == "token" else r"Press Enter once you have signed in: "
    buf, found = read_until(fd, prompt, "", 30)
    t_prompt = time.monotonic() - t0
    if os.environ.get("SSH_SCREEN"):
        with open(os.environ["SSH_SCREEN"], "w", encoding="utf-8") as f:
            f.write(buf)
    m = re.search(r"enter the code: ([A-Z0-9-]+)", buf)
    code = m.group(1) if m else ""
    print("code=%s" % code)
    print("prompt_s=%.2f" % t_prompt)
    if found and action == "token":
        # the terminal is in canonical mode: one line, Enter ends it
        os.write(fd, os.environ["SSH_TOKEN"].encode() + b"\r")
        buf, _ = read_until(fd, MARK + r"\r?\n|Permission denied|closed", buf, 60)
    elif found and code:
        helper = {"approve": "APPROVE_CMD", "refuse": "REFUSE_CMD"}.get(action)
        if helper:
            rc = subprocess.call(os.environ[helper].split() + [code])
            print("%s_rc=%d" % (action, rc))
        os.write(fd, b"\r")
        buf, _ = read_until(fd, MARK + r"\r?\n|Permission denied|closed", buf, 60)
    else:
        sys.stderr.write("no device prompt; output: %r\n" % buf[-800:])
    ok = re.search(MARK + r"\r?\n", buf) is not None
    print("login=%s" % ("ok" if ok else "fail"))
    m = re.search(r"^(oidc_env=\S*)\r?$", buf, re.M)
    print(m.group(1) if m else "oidc_env=(no output)")
    print("total_s=%.2f" % (time.monotonic() - t0))
    print("qr_lines=%d" % sum(1 for line in buf.splitlines() if "\u2588" in line))
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


main()
