#!/usr/bin/python3
"""files-check.py: the files a root process touched, from strace, against a table.

Used by tests/pam/files-t.sh (see there and tests/pam/README.md):

  files-check.py --policy TABLE --var NAME=VALUE... --ignore GLOB... \
      --user UID --user-name NAME --other UID [--start N] TRACE...

Each TRACE is `strace -f -y -qq -o TRACE env ... pamrun ...`.  The first pid
in a trace is the root process; a pid it starts inherits its effective uid,
and setuid/setresuid/setreuid change it.  Every path a process with euid 0
opened, created, renamed, removed, linked, chmod-ed, chown-ed, truncated or
locked is checked against the table, unless it is the system's (libraries,
locale, /proc, /dev, OpenSSL and libc configuration) or an --ignore glob (the
harness's files).  Prints TAP lines numbered from N+1; exits 0.
"""
import argparse
import json
import os
import re
import stat
import subprocess
import sys

# The system's files, and pam_wrapper's copies of the service directory.
SYSTEM = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/", "/usr/share/", "/etc/ld.so.",
          "/proc/", "/sys/", "/dev/null", "/dev/urandom", "/dev/random", "/dev/tty", "/etc/ssl/",
          "/usr/lib/ssl/", "/etc/localtime", "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf",
          "/etc/resolv.conf", "/etc/gai.conf", "/etc/locale.alias", "/etc/services", "/etc/protocols", "/etc/ldap/ldap.conf",
          "/tmp/pam.", "/usr/bin/env")

CREATE_KINDS = {"mkdir", "open", "tmp", "rename"}


class Row:
    def __init__(self, fields, what, variables):
        self.pattern_text, self.owner, self.mode, self.create, self.nofollow, self.others = fields
        self.what = what
        pat = self.pattern_text
        for name, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
            pat = pat.replace("$" + name, value)
        if "$" in pat:
            raise SystemExit("files-check.py: unknown variable in %s" % self.pattern_text)
        self.path_glob = pat
        rx = ""
        for ch in pat:
            rx += "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
        self.rx = re.compile(rx + r"\Z")
        self.creates = set(self.create.split(",")) - {"no"}
        if not self.creates <= CREATE_KINDS:
            raise SystemExit("files-check.py: bad CREATE %s" % self.create)
        if self.mode.startswith("<="):
            self.mode_max, self.mode_exact = int(self.mode[2:], 8), None
        else:
            self.mode_max = self.mode_exact = int(self.mode, 8)
        if self.nofollow not in ("yes", "no") or self.others not in ("none", "read") \
                or self.owner not in ("root", "alice"):
            raise SystemExit("files-check.py: bad row %s" % self.pattern_text)


def read_table(path, variables):
    rows = []
    for line in open(path):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 6)
        if len(parts) < 6:
            raise SystemExit("files-check.py: short row: %s" % line)
        rows.append(Row(parts[:6], parts[6] if len(parts) > 6 else "", variables))
    return rows


# --- strace output ---------------------------------------------------------------------------
LINE = re.compile(r"^(\d+)\s+(.*)$")
CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*)$")
FD = re.compile(r"^(-?\d+|AT_FDCWD)(?:<(.*)>)?$")


def split_args(s):
    """Top-level comma-separated arguments of a strace call."""
    out, depth, cur, i, quoted = [], 0, "", 0, False
    while i < len(s):
        c = s[i]
        if quoted:
            cur += c
            if c == "\\" and i + 1 < len(s):
                cur += s[i + 1]
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
            cur += c
        elif c in "{[(":
            depth += 1
            cur += c
        elif c in "}])":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def unquote(s):
    """A strace string argument (C escapes) as text; None if it is not one."""
    if s.endswith("..."):
        s = s[:-3]
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        return None
    b, s, i = bytearray(), s[1:-1], 0
    simple = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92, '"': 34}
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in simple:
                b.append(simple[n])
                i += 2
            elif n == "x":
                b.append(int(s[i + 2:i + 4], 16))
                i += 4
            else:
                m = re.match(r"[0-7]{1,3}", s[i + 1:])
                b.append(int(m.group(0), 8))
                i += 1 + len(m.group(0))
        else:
            b.extend(c.encode())
            i += 1
    return b.decode("utf-8", "surrogateescape")


def fd_path(arg):
    """(fd, path) of a decorated descriptor argument like 3</a/b>."""
    m = FD.match(arg)
    if not m:
        return None, None
    p = m.group(2)
    if p is not None and p.endswith(" (deleted)"):
        p = p[:-10]
    return m.group(1), p


def resolve(dirarg, name, cwd):
    if name is None:
        return None
    if name.startswith("/"):
        return os.path.normpath(name)
    fd, base = fd_path(dirarg) if dirarg is not None else ("AT_FDCWD", None)
    if fd == "AT_FDCWD" or base is None:
        base = cwd
    if not base.startswith("/"):
        return None     # a socket, a pipe: not a path
    return os.path.normpath(os.path.join(base, name))


def flag_set(s):
    return set(re.findall(r"[A-Z_][A-Z0-9_]*", s))


def parse_mode(s):
    try:
        return int(s, 8)
    except ValueError:
        return None


class Event:
    def __init__(self, trace, index, pid, kind, path, flags=frozenset(), mode=None, ok=True, ret="", fd=None):
        self.trace, self.index, self.pid, self.kind, self.path = trace, index, pid, kind, path
        self.flags, self.mode, self.ok, self.ret, self.fd = flags, mode, ok, ret, fd

    def where(self):
        return "%s line %d (pid %s): %s" % (os.path.basename(self.trace), self.index, self.pid, self.ret_text)


def parse_trace(trace, cwd):
    """The events of the processes with euid 0 in one trace."""
    lines, pending = [], {}
    for raw in open(trace, errors="surrogateescape"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        pid, rest = m.group(1), m.group(2)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
            continue
        r = re.match(r"^<\.\.\. \w+ resumed>\s?(.*)$", rest)
        if r:
            rest = pending.pop(pid, "") + r.group(1)
        lines.append((pid, rest, raw.rstrip("\n")))
    parent = {}
    for pid, rest, _ in lines:
        c = CALL.match(rest)
        if c and c.group(1) in ("clone", "clone3", "fork", "vfork"):
            child = re.match(r"^(\d+)", c.group(3))
            if child:
                parent[child.group(1)] = pid
    euid, events = {}, []
    root_pid = lines[0][0] if lines else None
    for index, (pid, rest, raw) in enumerate(lines, 1):
        if pid not in euid:
            euid[pid] = euid.get(parent.get(pid), 0) if pid != root_pid else 0
        c = CALL.match(rest)
        if not c:
            continue
        name, args, ret = c.group(1), split_args(c.group(2)), c.group(3)
        ok = not ret.startswith("-1") and not ret.startswith("?")
        if name in ("setuid", "setresuid", "setreuid") and ok:
            ids = [int(a) for a in args if re.match(r"^-?\d+$", a)]
            new = {"setuid": ids[0] if ids else -1, "setreuid": ids[1] if len(ids) > 1 else -1,
                   "setresuid": ids[1] if len(ids) > 1 else -1}[name]
            if new != -1:
                euid[pid] = new
            continue
        if euid[pid] != 0:
            continue
        rfd, rpath = fd_path(ret.split(" ")[0])

        def ev(kind, path, flags=frozenset(), mode=None, fd=None):
            if path is not None:
                e = Event(trace, index, pid, kind, path, flags, mode, ok, ret, fd)
                e.ret_text = raw[:300]
                events.append(e)

        if name in ("open", "openat", "openat2", "creat"):
            if name == "open":
                path, rest_args = resolve(None, unquote(args[0]), cwd), args[1:]
            elif name == "creat":
                path, rest_args = resolve(None, unquote(args[0]), cwd), ["O_CREAT|O_WRONLY|O_TRUNC"] + args[1:]
            else:
                path, rest_args = resolve(args[0], unquote(args[1]), cwd), args[2:]
            if name == "openat2":
                how = rest_args[0] if rest_args else ""
                fm = re.search(r"flags=([^,}]*)", how)
                mm = re.search(r"mode=(0[0-7]*)", how)
                rest_args = [fm.group(1) if fm else "", mm.group(1) if mm else ""]
                if "RESOLVE_NO_SYMLINKS" in how:
                    rest_args[0] += "|O_NOFOLLOW"
            flags = flag_set(rest_args[0]) if rest_args else set()
            mode = parse_mode(rest_args[1]) if len(rest_args) > 1 else None
            ev("open", path, frozenset(flags), mode, rfd if ok else None)
            # A link followed on the way: what was opened is checked too.
            if ok and rpath and path and os.path.normpath(rpath) != path:
                ev("open", os.path.normpath(rpath), frozenset(flags), mode, rfd)
        elif name == "execve":
            ev("exec", resolve(None, unquote(args[0]), cwd))
        elif name in ("mkdir", "mkdirat", "mknod", "mknodat"):
            if name.endswith("at"):
                path, m = resolve(args[0], unquote(args[1]), cwd), args[2] if len(args) > 2 else ""
            else:
                path, m = resolve(None, unquote(args[0]), cwd), args[1] if len(args) > 1 else ""
            mm = re.search(r"0[0-7]+", m)
            ev("mkdir" if name.startswith("mkdir") else "mknod", path, mode=int(mm.group(0), 8) if mm else None)
        elif name in ("rename", "renameat", "renameat2", "link", "linkat"):
            if name in ("rename", "link"):
                old, new = resolve(None, unquote(args[0]), cwd), resolve(None, unquote(args[1]), cwd)
            else:
                old, new = resolve(args[0], unquote(args[1]), cwd), resolve(args[2], unquote(args[3]), cwd)
            kind = "rename" if name.startswith("rename") else "link"
            ev(kind + "-from", old)
            ev(kind, new)
        elif name in ("symlink", "symlinkat"):
            new = resolve(None, unquote(args[1]), cwd) if name == "symlink" else resolve(args[1], unquote(args[2]), cwd)
            ev("symlink", new)
        elif name in ("unlink", "rmdir"):
            ev("unlink", resolve(None, unquote(args[0]), cwd))
        elif name == "unlinkat":
            ev("unlink", resolve(args[0], unquote(args[1]), cwd))
        elif name in ("chmod", "chown", "truncate"):
            ev(name + "-path", resolve(None, unquote(args[0]), cwd))
        elif name == "lchown":
            ev("lchown", resolve(None, unquote(args[0]), cwd))
        elif name in ("fchmodat", "fchownat"):
            follow = "AT_SYMLINK_NOFOLLOW" not in rest
            ev(name[1:-2] + ("-path" if follow else "-nofollow"), resolve(args[0], unquote(args[1]), cwd))
        elif name in ("fchmod", "fchown", "ftruncate", "flock"):
            fd, p = fd_path(args[0])
            ev(name, p, flags=frozenset(flag_set(args[1])) if name == "flock" else frozenset(),
               mode=parse_mode(args[1]) if name == "fchmod" else None, fd=fd)
        elif name in ("fstat", "newfstatat", "statx"):
            fd, p = fd_path(args[0])
            if name == "fstat" or (len(args) > 1 and args[1] == '""'):
                ev("fstat", p, fd=fd)
    return events


# --- what another user can do ------------------------------------------------------------------
PROBE = r'''
import errno, fcntl, json, os, sys
out = {}
for item in json.load(sys.stdin):
    p, r = item["path"], {}
    parent = os.path.dirname(p)
    def attempt(name, f):
        try:
            f()
            r[name] = "done"
        except OSError as e:
            r[name] = errno.errorcode.get(e.errno, str(e.errno))
    if item["exists"]:
        fds = []
        def rd():
            fds.append(os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | (os.O_DIRECTORY if item["dir"] else 0)))
        attempt("read", rd)
        if not item["dir"]:
            def wr():
                fds.append(os.open(p, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW))
            attempt("write", wr)
        def lock():
            if not fds:
                raise OSError(errno.EBADF, "not open")
            fcntl.flock(fds[0], fcntl.LOCK_EX | fcntl.LOCK_NB)
        attempt("lock", lock)
        for fd in fds:
            os.close(fd)
        attempt("rename", lambda: os.rename(p, p + ".files-t-moved"))
        attempt("unlink", lambda: os.rmdir(p) if item["dir"] else os.unlink(p))
        if not os.path.islink(p):
            attempt("chmod", lambda: os.chmod(p, 0o777))
        if item["dir"]:
            attempt("create-inside", lambda: os.close(os.open(os.path.join(p, ".files-t-probe"),
                                                              os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)))
            attempt("symlink-inside", lambda: os.symlink("/etc/shadow", os.path.join(p, ".files-t-plant")))
    attempt("create-beside", lambda: os.close(os.open(os.path.join(parent, ".files-t-probe"),
                                                      os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)))
    attempt("symlink-beside", lambda: os.symlink("/etc/shadow", os.path.join(parent, ".files-t-plant")))
    if not item["exists"]:
        attempt("plant", lambda: os.symlink("/etc/shadow", p))
    out[p] = r
json.dump(out, sys.stdout)
'''


def probe(uid, items):
    if not items:
        return {}
    proc = subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
                           sys.executable, "-c", PROBE], input=json.dumps(items), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("files-check.py: the probe as uid %d failed: %s" % (uid, proc.stderr))
    return json.loads(proc.stdout)


def changeable(st):
    """Can a user other than root add, replace or remove names in this directory?"""
    return st.st_uid != 0 or (st.st_mode & 0o022) != 0


def lstat_or_none(p):
    try:
        return os.lstat(p)
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", required=True)
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--pamrun")
    ap.add_argument("--user", type=int, required=True)
    ap.add_argument("--user-name", required=True)
    ap.add_argument("--other", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("traces", nargs="+")
    a = ap.parse_args()
    variables = dict(v.split("=", 1) for v in a.var)
    rows = read_table(a.policy, variables)
    cwd = variables.get("CWD", "/")
    ignore = [re.compile("".join(".*" if c == "*" else re.escape(c) for c in g) + r"\Z") for g in a.ignore]

    events = []
    for t in a.traces:
        events += parse_trace(t, cwd)
    by_path = {}
    for e in events:
        if e.kind == "fstat":
            continue    # not a use of its own (standard output, say)
        if e.path.startswith(SYSTEM) or any(r.match(e.path) for r in ignore):
            continue
        if e.kind == "exec" and e.path == a.pamrun:
            continue
        by_path.setdefault(e.path, []).append(e)
    fstat_list = {}
    for e in events:
        if e.kind == "fstat":
            fstat_list.setdefault((e.trace, e.pid, e.fd, e.path), []).append(e.index)

    n = a.start
    owner_uid = {"root": 0, "alice": a.user}

    def tap(ok, text, problems=()):
        nonlocal n
        n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", n, text))
        for p in problems:
            print("# " + p.replace("\n", "\n# "))

    unknown = [p for p in sorted(by_path) if not any(r.rx.match(p) for r in rows)]
    for p in unknown:
        kinds = sorted({e.kind for e in by_path[p]})
        tap(False, "%s: opened or changed by root (%s) but not in the table of tests/pam/files-t.sh" % (p, ",".join(kinds)),
            ["add a row for it: its owner, mode, whether the module may create it, whether O_NOFOLLOW is required, "
             "and what other users may do (see the comment above the table)",
             by_path[p][0].ret_text])
    tap(not unknown, "every path the root process touched is in the table (%d paths, %d unknown)"
        % (len(by_path), len(unknown)))

    # What each row's files look like now, and what another user can do to them.
    matched = {}
    for p in by_path:
        for r in rows:
            if r.rx.match(p):
                matched.setdefault(r, []).append(p)
                break
    probes = {a.user: [], a.other: []}
    for r, paths in matched.items():
        for p in paths:
            try:
                st = os.lstat(p)
                exists, isdir = True, stat.S_ISDIR(st.st_mode)
            except FileNotFoundError:
                exists, isdir = False, False
            # Another user: alice for root's files, someone else for alice's.
            uid = a.other if r.owner == "alice" else a.user
            probes[uid].append({"path": p, "exists": exists, "dir": isdir})
    seen = {}
    for uid, items in probes.items():
        for p, res in probe(uid, items).items():
            seen[p] = (uid, res)

    for r in rows:
        paths = matched.get(r, [])
        label = "%s (%s)" % (r.pattern_text, r.what) if r.what else r.pattern_text
        if not paths:
            print("ok %d - %s: not touched by these runs # SKIP" % (n + 1, label))
            n += 1
            continue
        problems = []
        for p in sorted(paths):
            evs = by_path[p]
            locked = any(e.kind == "flock" and e.ok for e in evs)
            # Creation, and how it was opened.
            for e in evs:
                if not e.ok:
                    if e.kind == "open" and r.nofollow == "yes" and "O_NOFOLLOW" not in e.flags \
                            and not {"O_CREAT", "O_EXCL"} <= e.flags:
                        problems.append("%s: opened without O_NOFOLLOW: %s" % (p, e.ret_text))
                    continue
                if e.kind == "open":
                    creat = "O_CREAT" in e.flags or "O_TMPFILE" in e.flags
                    excl = creat and "O_EXCL" in e.flags
                    if creat and not r.creates & {"open", "tmp"}:
                        problems.append("%s: opened with O_CREAT, but the table says root does not create it: %s"
                                        % (p, e.ret_text))
                    if creat and not excl and "O_NOFOLLOW" not in e.flags:
                        problems.append("%s: O_CREAT without O_EXCL or O_NOFOLLOW: %s" % (p, e.ret_text))
                    if creat and "tmp" in r.creates and not excl:
                        problems.append("%s: a temporary file created without O_EXCL: %s" % (p, e.ret_text))
                    if creat and e.mode is not None and e.mode & ~r.mode_max & 0o7777:
                        problems.append("%s: created with mode %04o, the table allows %s: %s"
                                        % (p, e.mode, r.mode, e.ret_text))
                    if r.nofollow == "yes" and "O_NOFOLLOW" not in e.flags and not excl:
                        problems.append("%s: opened without O_NOFOLLOW: %s" % (p, e.ret_text))
                    if r.nofollow == "yes" and not excl and e.fd is not None and "O_DIRECTORY" not in e.flags \
                            and not any(i > e.index for i in fstat_list.get((e.trace, e.pid, e.fd, p), [])):
                        problems.append("%s: opened, never checked with fstat: %s" % (p, e.ret_text))
                elif e.kind == "mkdir":
                    if "mkdir" not in r.creates:
                        problems.append("%s: mkdir, but the table says root does not create it: %s" % (p, e.ret_text))
                    elif e.mode is not None and e.mode & ~r.mode_max & 0o7777:
                        problems.append("%s: mkdir with mode %04o, the table allows %s" % (p, e.mode, r.mode))
                elif e.kind in ("rename", "link") and "rename" not in r.creates:
                    problems.append("%s: %s onto it, but the table does not allow it: %s" % (p, e.kind, e.ret_text))
                elif e.kind in ("symlink", "mknod"):
                    problems.append("%s: root made a %s: %s" % (p, e.kind, e.ret_text))
                elif e.kind == "fchmod" and e.mode is not None and e.mode & ~r.mode_max & 0o7777:
                    problems.append("%s: fchmod %04o, the table allows %s" % (p, e.mode, r.mode))
                elif e.kind == "flock" and r.others != "none":
                    problems.append("%s: root locks it, so no one else may open it (OTHERS must be none)" % p)
            # Where it lives.  In a directory another user may change (add,
            # replace or remove names in), root only opens, with O_NOFOLLOW,
            # and creates nothing; above that, a directory another user may
            # change only if it is sticky, root's, and the name in it root's.
            parent = os.path.dirname(p)
            pst = lstat_or_none(parent)
            if pst is not None and changeable(pst):
                for e in evs:
                    if e.kind == "open" and "O_NOFOLLOW" not in e.flags:
                        problems.append("%s: opened without O_NOFOLLOW in %s, which another user may change: %s"
                                        % (p, parent, e.ret_text))
                    if e.ok and (e.kind == "mkdir" or (e.kind == "open" and "O_CREAT" in e.flags)):
                        problems.append("%s: root creates it in %s, which another user may change" % (p, parent))
                    if e.kind.endswith("-path"):
                        problems.append("%s: %s by name (which follows links) in %s, which another user may "
                                        "change" % (p, e.kind[:-5], parent))
            d, child = os.path.dirname(parent), parent
            while child != "/":
                dst, cst = lstat_or_none(d), lstat_or_none(child)
                if dst is not None and changeable(dst) and not (
                        dst.st_mode & stat.S_ISVTX and dst.st_uid == 0 and cst is not None and cst.st_uid == 0
                        and not stat.S_ISLNK(cst.st_mode)):
                    problems.append("%s: %s, above it, may be changed by another user (uid %d, mode %04o)"
                                    % (p, d, dst.st_uid, dst.st_mode & 0o7777))
                d, child = os.path.dirname(d), d
            # What it is now.
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                st = None
            if st is not None:
                if "tmp" in r.creates:
                    problems.append("%s: a temporary file was left behind" % p)
                if stat.S_ISLNK(st.st_mode):
                    problems.append("%s: is a symbolic link" % p)
                if st.st_uid != owner_uid[r.owner]:
                    problems.append("%s: owned by uid %d, the table says %s" % (p, st.st_uid, r.owner))
                perm = st.st_mode & 0o7777
                if (r.mode_exact is not None and perm != r.mode_exact) or perm & ~r.mode_max:
                    problems.append("%s: mode %04o, the table says %s" % (p, perm, r.mode))
            uid, res = seen.get(p, (None, {}))
            for action, outcome in sorted(res.items()):
                if outcome != "done":
                    continue
                if action == "read" and r.others == "read":
                    continue
                if action == "lock" and not locked and r.others == "read":
                    continue    # any readable file can be locked; root never locks this one
                if action == "chmod" and st is not None and st.st_uid == uid:
                    continue
                problems.append("%s: uid %d could %s it" % (p, uid, action.replace("-", " ")))
        tap(not problems, "%s: %d path(s), %s, %s, created: %s, O_NOFOLLOW: %s, others: %s"
            % (label, len(paths), r.owner, r.mode, r.create, r.nofollow, r.others), problems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
