#!/usr/bin/python3
"""ssh-device.py: drive an ssh device login through a pseudo-terminal.

    ssh-device.py TRANSCRIPT APPROVE URL CA MAX_ENTERS -- SSH-ARGV...

Runs SSH-ARGV on a new pseudo-terminal, as a user at a terminal would:
the first "Password: " prompt gets an empty answer (the device login's
trigger); at the first "approved the login: " prompt the user code is read
from the prompt's text and, when APPROVE is USER:PASSWORD-FILE (or
deny:USER:PASSWORD-FILE), sent to the emulator's /device/approve at URL
(trusting CA) as that user's browser would; when APPROVE is "cmd:COMMAND"
COMMAND (split like a shell's words) runs with the code as its last
argument (tests/fixtures/glewlwyd.py approve ...); every such prompt is answered
with Enter, at most MAX_ENTERS times (then the driver stops answering and
ssh is killed after 60 s).  Everything read is written to TRANSCRIPT.
Exits with ssh's exit status (124 when it had to be killed).
"""
import os
import pty
import re
import select
import shlex
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def approve(spec, url, ca, code):
    if spec.startswith("cmd:"):
        return subprocess.run(shlex.split(spec[4:]) + [code], stdout=subprocess.DEVNULL).returncode
    action = "approve"
    if spec.startswith("deny:"):
        action, spec = "deny", spec[5:]
    user, _, pwfile = spec.partition(":")
    with open(pwfile) as f:
        password = f.read().strip()
    data = urllib.parse.urlencode({"username": user, "password": password, "user_code": code,
                                   "action": action}).encode()
    ctx = ssl.create_default_context(cafile=ca)
    try:
        with urllib.request.urlopen(url + "/device/approve", data, context=ctx, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main(argv):
    transcript, spec, url, ca, max_enters = argv[1:6]
    if argv[6] != "--":
        sys.exit("usage: ssh-device.py TRANSCRIPT APPROVE URL CA MAX_ENTERS -- SSH-ARGV...")
    cmd = argv[7:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = open(transcript, "wb")
    text, seen_pw, seen_wait, enters = "", 0, 0, 0
    deadline = time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out.write(data)
        out.flush()
        text += data.decode("utf-8", "replace")
        while text.count("Password:") > seen_pw:
            seen_pw += 1
            os.write(fd, b"\n")
        while text.count("approved the login: ") > seen_wait:
            seen_wait += 1
            if seen_wait == 1 and spec != "none":
                m = re.search(r"enter the code (\S+)", text)
                status = approve(spec, url, ca, m.group(1)) if m else "no code"
                out.write(("\n[driver: approval answered %s]\n" % status).encode())
            if enters < int(max_enters):
                enters += 1
                os.write(fd, b"\n")
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        out.write(b"\n[driver: killed after 60 s]\n")
        return 124
    _, status = os.waitpid(pid, 0)
    out.write(("\n[driver: %d prompt(s) answered with Enter]\n" % enters).encode())
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
