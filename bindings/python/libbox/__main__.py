"""Tiny CLI over :func:`libbox.run`.

    python3 -m libbox [--root DIR] [--ro-root] [--proc] [--dev] [--bind SRC[:DST]]
                      [--ro-bind SRC[:DST]] [--tmpfs DST[:SIZE]] [--hostname NAME]
                      [--timeout T] [--wall T] [--cpu CPUS] [--cpu-time T]
                      [--memory SIZE] [--pids N] [--best-effort] -- argv...

Exits with the program's exit code, or 128+signal when it was killed.
"""
from __future__ import annotations

import argparse
import sys

from . import BoxError, Bind, Dev, Proc, RoBind, TimeoutExpired, Tmpfs, run


def _pair(text: str) -> tuple[str, str | None]:
    src, _, dst = text.partition(":")
    return src, dst or None


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
    ap.add_argument("--timeout")
    ap.add_argument("--wall")
    ap.add_argument("--cpu", help="cpu bandwidth in cpus (0.5 = half a cpu)")
    ap.add_argument("--cpu-time", help="cpu time of the whole box (seconds, '1.5s')")
    ap.add_argument("--best-effort", action="store_true",
                    help="skip cgroup limits this host cannot enforce")
    ap.add_argument("--memory")
    ap.add_argument("--pids", type=int)
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
    try:
        r = run(cmd, root=a.root, readonly_root=a.ro_root, hostname=a.hostname, mounts=mounts,
                cwd=a.cwd, timeout=a.timeout, wall=a.wall, cpu=a.cpu, cpu_time=a.cpu_time,
                memory=a.memory, pids=a.pids, best_effort=a.best_effort)
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
