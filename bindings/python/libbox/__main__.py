"""Tiny CLI over :func:`libbox.run`.

    python3 -m libbox [--root DIR] [--ro-root] [--proc] [--dev] [--bind SRC[:DST]]
                      [--ro-bind SRC[:DST]] [--tmpfs DST[:SIZE]] [--hostname NAME]
                      [--program FILE] [--uid-map IN:OUT:N] [--gid-map IN:OUT:N]
                      [--group GID] [--timeout T] [--wall T] [--cpu CPUS] [--cpu-time T]
                      [--memory SIZE] [--pids N] [--hugetlb SIZE] [--best-effort]
                      [--cgroup-backend auto|v1|v2] [--seccomp-rule NAME=ACTION]
                      [--seccomp-default-action ACTION] [--seccomp-bpf FILE] -- argv...

A seccomp ACTION is allow, kill, log or errno:N. Repeatable: --bind, --ro-bind, --tmpfs,
--uid-map, --gid-map, --group, --seccomp-rule.

Exits with the program's exit code, or 128+signal when it was killed.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from . import BoxError, Bind, Dev, Proc, RoBind, TimeoutExpired, Tmpfs, run


def _pair(text: str) -> tuple[str, str | None]:
    src, _, dst = text.partition(":")
    return src, dst or None


def _action(text: str) -> Any:
    """A seccomp action: "allow", "kill", "log" (checked by Box) or "errno:N"."""
    kind, sep, num = text.partition(":")
    if kind == "notify":
        raise argparse.ArgumentTypeError("notify needs a supervisor to answer the calls: "
                                         "use the Python API")
    if kind != "errno" or not sep:
        return text
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m libbox", description="Run a program in a box.")
    ap.add_argument("--root")
    ap.add_argument("--ro-root", action="store_true")
    ap.add_argument("--hostname")
    ap.add_argument("--proc", action="store_true", help="mount /proc")
    ap.add_argument("--dev", action="store_true", help="mount a minimal /dev")
    ap.add_argument("--bind", action="append", default=[], metavar="SRC[:DST]")
    ap.add_argument("--ro-bind", action="append", default=[], metavar="SRC[:DST]")
    ap.add_argument("--tmpfs", action="append", default=[], metavar="DST[:SIZE]")
    ap.add_argument("--cwd")
    ap.add_argument("--program", metavar="FILE",
                    help="execute FILE (a path or a name in the box's PATH) with argv unchanged")
    ap.add_argument("--uid-map", action="append", default=[], type=_idmap,
                    metavar="INSIDE:OUTSIDE:COUNT")
    ap.add_argument("--gid-map", action="append", default=[], type=_idmap,
                    metavar="INSIDE:OUTSIDE:COUNT")
    ap.add_argument("--group", action="append", type=int, metavar="GID",
                    help="a supplementary group inside the box (mapped; not rootless)")
    ap.add_argument("--timeout")
    ap.add_argument("--wall")
    ap.add_argument("--cpu", help="cpu bandwidth in cpus (0.5 = half a cpu)")
    ap.add_argument("--cpu-time", help="cpu time of the whole box (seconds, '1.5s')")
    ap.add_argument("--best-effort", action="store_true",
                    help="skip cgroup limits this host cannot enforce")
    ap.add_argument("--memory")
    ap.add_argument("--pids", type=int)
    ap.add_argument("--hugetlb", metavar="SIZE", help="huge pages of the default size (0: none)")
    ap.add_argument("--cgroup-backend", choices=["auto", "v1", "v2"])
    ap.add_argument("--seccomp-rule", action="append", default=[], type=_rule,
                    metavar="NAME=ACTION")
    ap.add_argument("--seccomp-default-action", type=_action, metavar="ACTION",
                    help="for the calls no rule names")
    ap.add_argument("--seccomp-bpf", type=argparse.FileType("rb"), metavar="FILE",
                    help="a classic BPF seccomp program (struct sock_filter[]) of your own")
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.argv[1:] if a.argv[:1] == ["--"] else a.argv
    if not cmd:
        ap.error("no program given (use: -- PROGRAM ARGS...)")
    mounts: list = []
    if a.proc:
        mounts.append(Proc())
    if a.dev:
        mounts.append(Dev())
    mounts += [Bind(*_pair(b)) for b in a.bind]
    mounts += [RoBind(*_pair(b)) for b in a.ro_bind]
    mounts += [Tmpfs(*_pair(t)) for t in a.tmpfs]
    limits = {"hugetlb": a.hugetlb} if a.hugetlb is not None else None
    bpf = None
    if a.seccomp_bpf is not None:
        with a.seccomp_bpf as f:
            bpf = f.read()
    try:
        r = run(cmd, root=a.root, readonly_root=a.ro_root, hostname=a.hostname, mounts=mounts,
                cwd=a.cwd, timeout=a.timeout, wall=a.wall, cpu=a.cpu, cpu_time=a.cpu_time,
                memory=a.memory, pids=a.pids, best_effort=a.best_effort, limits=limits,
                program=a.program, uid_map=a.uid_map, gid_map=a.gid_map, groups=a.group,
                cgroup_backend=a.cgroup_backend, seccomp_rules=a.seccomp_rule,
                seccomp_default_action=a.seccomp_default_action, seccomp_bpf=bpf)
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
