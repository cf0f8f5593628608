"""``python3 -m libbox``: run a program in a box, with boxrun's spelling of the options
the two share (see boxrun(1)); the mount options make one ordered plan, as there.

    python3 -m libbox [OPTIONS] [--] PROGRAM [ARGS...]

Filesystem: --root DIR, --root-ro, --bind SRC DEST, --ro-bind SRC DEST, --dev-bind SRC DEST,
--bind-try / --ro-bind-try / --dev-bind-try SRC DEST, --tmpfs DEST (--size BYTES and
--perms OCTAL before it), --proc DEST, --dev DEST, --mqueue DEST, --dir DEST,
--symlink SRC DEST, --remount-ro DEST, --chmod OCTAL PATH, --noexec, --norec.
Identity: --uid N, --gid N, --map-uid IN:OUT:COUNT, --map-gid IN:OUT:COUNT,
--groups GID[,GID...], --hostname NAME.
Program: --chdir DIR, --setenv VAR VALUE, --unsetenv VAR, --argv0 VALUE, --init,
--die-with-parent, --new-session (both the default anyway).
Limits: --mem BYTES, --processes N, --cpu MILLIS, --time SECONDS (cpu time of the box),
--wall-time SECONDS, --mem-high BYTES, --swap BYTES, --hugetlb BYTES, --cpu-weight N,
--io-weight N, --cpuset-cpus LIST, --cpuset-mems LIST, --best-effort,
--cgroup-parent DIR, --cgroup-backend auto|v1|v2.
Privilege: --cap-add CAP (a name or ALL; repeatable), --seccomp-default on|off,
--seccomp-rule NAME=ACTION (allow, kill, log, errno or errno:N),
--seccomp-default-action ACTION, --seccomp FD (a classic BPF program),
--landlock PATH=ACCESS (r, w, x combined; repeatable), --landlock-best-effort.
Only here: --seccomp-bpf FILE (the same from a file), --system (the host's system read-only: libbox.system_mounts()),
--program FILE (run FILE with the argv unchanged), --timeout SECONDS (kill the box and
exit 124).

Exits with the program's exit code, 128+signal when a signal ended it, 124 on --timeout
and 125 when the box could not be made.
"""
from __future__ import annotations

import argparse
import errno as _errno
import sys
from typing import Any

from . import (BoxError, Bind, Chmod, Dev, Dir, Mqueue, Proc, RemountRo, Symlink,
               TimeoutExpired, Tmpfs, run)


def _action(text: str) -> Any:
    """A seccomp action: "allow", "kill", "log" (checked by Box), "errno" or "errno:N"."""
    kind, sep, num = text.partition(":")
    if kind == "notify":
        raise argparse.ArgumentTypeError("notify needs a supervisor to answer the calls: "
                                         "use the Python API")
    if kind != "errno":
        return text
    if not sep:
        return ("errno", _errno.EPERM)
    try:
        return ("errno", int(num))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid errno in {text!r}") from None


def _rule(text: str) -> tuple[str, Any]:
    name, sep, action = text.partition("=")
    if not name or not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=ACTION (e.g. uname=errno:1), not {text!r}")
    return name, _action(action)


def _idmap(text: str) -> tuple[int, ...]:
    try:
        inside, outside, count = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INSIDE:OUTSIDE:COUNT, not {text!r}") from None
    return inside, outside, count


def _groups(text: str) -> list[int]:
    try:
        return [int(g) for g in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected GID[,GID...], not {text!r}") from None


def _landlock(text: str) -> tuple[str, str]:
    path, sep, access = text.rpartition("=")
    if not path or not sep:
        raise argparse.ArgumentTypeError(f"expected PATH=ACCESS (e.g. /usr=rx), not {text!r}")
    return path, access


def _octal(text: str) -> int:
    try:
        return int(text, 8)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an octal mode, not {text!r}") from None


class _Plan(argparse.Action):
    """Append a mount of the ordered plan; --size, --perms, --noexec and --norec wait for
    the mount they apply to, as in boxrun."""

    def __call__(self, parser: Any, ns: Any, values: Any, option: Any = None) -> None:
        pending = ns._pending
        kind = self.const
        if kind in ("size", "perms", "noexec", "norec"):
            pending[kind] = values if kind in ("size", "perms") else True
            return
        if kind.endswith("bind"):
            src, dst = values
            m = Bind(src, dst, ro=kind == "ro-bind", devices=kind == "dev-bind",
                     try_=option.endswith("-try"), noexec=pending.pop("noexec", False),
                     norec=pending.pop("norec", False))
        elif kind == "tmpfs":
            m = Tmpfs(values, pending.pop("size", None), pending.pop("perms", 0o755),
                      noexec=pending.pop("noexec", False))
        elif kind == "dir":
            m = Dir(values, pending.pop("perms", None))
        elif kind == "symlink":
            m = Symlink(values[0], values[1])
        elif kind == "chmod":
            m = Chmod(values[1], _octal(values[0]))
        else:
            m = {"proc": Proc, "dev": Dev, "mqueue": Mqueue, "remount-ro": RemountRo}[kind](values)
        ns.mounts.append(m)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python3 -m libbox", allow_abbrev=False, description="Run a program in a box "
                                 "(options spelled as boxrun's).")
    ap.set_defaults(mounts=[], _pending={}, env={})
    ap.add_argument("--root", metavar="DIR")
    ap.add_argument("--root-ro", action="store_true")
    for opt in ("bind", "ro-bind", "dev-bind"):
        for suffix in ("", "-try"):
            ap.add_argument(f"--{opt}{suffix}", nargs=2, metavar=("SRC", "DEST"), action=_Plan,
                            const=opt)
    for opt in ("tmpfs", "proc", "dev", "mqueue", "dir", "remount-ro"):
        ap.add_argument(f"--{opt}", metavar="DEST", action=_Plan, const=opt)
    ap.add_argument("--symlink", nargs=2, metavar=("SRC", "DEST"), action=_Plan, const="symlink")
    ap.add_argument("--chmod", nargs=2, metavar=("OCTAL", "PATH"), action=_Plan, const="chmod")
    ap.add_argument("--size", metavar="BYTES", action=_Plan, const="size")
    ap.add_argument("--perms", metavar="OCTAL", type=_octal, action=_Plan, const="perms")
    ap.add_argument("--noexec", nargs=0, action=_Plan, const="noexec")
    ap.add_argument("--norec", nargs=0, action=_Plan, const="norec")
    ap.add_argument("--uid", type=int)
    ap.add_argument("--gid", type=int)
    ap.add_argument("--map-uid", action="append", default=[], type=_idmap,
                    metavar="INSIDE:OUTSIDE:COUNT")
    ap.add_argument("--map-gid", action="append", default=[], type=_idmap,
                    metavar="INSIDE:OUTSIDE:COUNT")
    ap.add_argument("--groups", type=_groups, metavar="GID[,GID...]")
    ap.add_argument("--hostname")
    ap.add_argument("--chdir", metavar="DIR")
    ap.add_argument("--setenv", nargs=2, action="append", default=[], metavar=("VAR", "VALUE"))
    ap.add_argument("--unsetenv", action="append", default=[], metavar="VAR")
    ap.add_argument("--argv0", metavar="VALUE")
    ap.add_argument("--init", action="store_true")
    ap.add_argument("--die-with-parent", action="store_true", help="the default")
    ap.add_argument("--new-session", action="store_true", help="the default")
    ap.add_argument("--mem", metavar="BYTES")
    ap.add_argument("--processes", type=int, metavar="N")
    ap.add_argument("--cpu", type=int, metavar="MILLIS", help="thousandths of a cpu")
    ap.add_argument("--time", metavar="SECONDS", help="cpu time of the whole box")
    ap.add_argument("--wall-time", metavar="SECONDS")
    ap.add_argument("--hugetlb", metavar="BYTES", help="huge pages of the default size (0: none)")
    ap.add_argument("--best-effort", action="store_true",
                    help="skip cgroup limits this host cannot enforce")
    ap.add_argument("--cgroup-backend", choices=["auto", "v1", "v2"])
    ap.add_argument("--cgroup-parent", metavar="DIR")
    for opt in ("mem-high", "swap", "cpu-weight", "io-weight"):
        ap.add_argument(f"--{opt}", metavar="N")
    ap.add_argument("--cpuset-cpus", metavar="LIST")
    ap.add_argument("--cpuset-mems", metavar="LIST")
    ap.add_argument("--cap-add", action="append", default=[], metavar="CAP",
                    help="a capability the program keeps (a name or ALL)")
    ap.add_argument("--seccomp-default", choices=["on", "off"])
    ap.add_argument("--landlock", action="append", default=[], type=_landlock,
                    metavar="PATH=ACCESS")
    ap.add_argument("--landlock-best-effort", action="store_true")
    ap.add_argument("--seccomp-rule", action="append", default=[], type=_rule,
                    metavar="NAME=ACTION")
    ap.add_argument("--seccomp-default-action", type=_action, metavar="ACTION")
    ap.add_argument("--seccomp", type=int, metavar="FD",
                    help="a classic BPF seccomp program (struct sock_filter[]) read from FD")
    ap.add_argument("--seccomp-bpf", type=argparse.FileType("rb"), metavar="FILE",
                    help="the same from a file (only here)")
    ap.add_argument("--system", action="store_true",
                    help="the host's system read-only (libbox.system_mounts())")
    ap.add_argument("--program", metavar="FILE",
                    help="execute FILE (a path or a name in the box's PATH) with argv unchanged")
    ap.add_argument("--timeout", metavar="SECONDS")
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: sys.argv[1:]), run the box, return the exit status."""
    ap = _parser()
    a = ap.parse_args(argv)
    cmd = a.argv[1:] if a.argv[:1] == ["--"] else a.argv
    if not cmd:
        ap.error("no program given (use: -- PROGRAM ARGS...)")
    if a._pending:
        ap.error(f"--{next(iter(a._pending))} applies to a mount that does not follow it")
    program = a.program
    if a.argv0 is not None:
        program, cmd = program or cmd[0], [a.argv0, *cmd[1:]]
    env: dict = {k: v for k, v in a.setenv}
    env.update({k: None for k in a.unsetenv})
    limits = {"hugetlb": a.hugetlb} if a.hugetlb is not None else {}
    if a.cpu is not None:
        limits["cpu_millis"] = a.cpu
    for name in ("mem_high", "swap", "cpu_weight", "io_weight"):
        if getattr(a, name) is not None:
            limits[name.replace("mem_", "memory_")] = getattr(a, name)
    caps: Any = None
    if a.cap_add:
        caps = "all" if any(c.lower() == "all" for c in a.cap_add) else a.cap_add
    cpuset = None
    if a.cpuset_cpus is not None or a.cpuset_mems is not None:
        cpuset = (a.cpuset_cpus, a.cpuset_mems)
    kw: dict = {}
    bpf: Any = a.seccomp
    if a.seccomp_bpf is not None:
        if bpf is not None:
            ap.error("one seccomp program: --seccomp FD or --seccomp-bpf FILE")
        with a.seccomp_bpf as f:
            bpf = f.read()
    if a.uid is not None or a.gid is not None:
        kw.update(uid=a.uid, gid=a.gid)
    try:
        r = run(cmd, root=a.root, readonly_root=a.root_ro, hostname=a.hostname,
                mounts=a.mounts, system=a.system, cwd=a.chdir, env=env or None,
                timeout=a.timeout, wall=a.wall_time, cpu_time=a.time, memory=a.mem,
                pids=a.processes, best_effort=a.best_effort, limits=limits or None,
                program=program, uid_map=a.map_uid, gid_map=a.map_gid, groups=a.groups,
                cgroup_backend=a.cgroup_backend, seccomp_rules=a.seccomp_rule,
                seccomp_default_action=a.seccomp_default_action, seccomp_bpf=bpf,
                init=a.init or None, cgroup_parent=a.cgroup_parent, cpuset=cpuset, caps=caps,
                seccomp=None if a.seccomp_default is None else a.seccomp_default == "on",
                landlock=a.landlock or None, landlock_required=not a.landlock_best_effort,
                **kw)
    except TimeoutExpired as e:
        print(f"libbox: timed out after {e.timeout}s", file=sys.stderr)
        return 124
    except (BoxError, ValueError, TypeError) as e:
        print(f"libbox: {e}", file=sys.stderr)
        return 125
    if r.status is not None and r.status.end != "exited":
        print(f"libbox: {r.status.end} (signal {r.status.signal})", file=sys.stderr)
    return r.returncode if r.returncode >= 0 else 128 - r.returncode


if __name__ == "__main__":
    sys.exit(main())
