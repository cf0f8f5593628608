#!/usr/bin/env python3
"""Run an untrusted snippet of Python code in a libbox box and report how it ended.

Usage: run_untrusted.py [CODE]   (CODE from argv[1], else from stdin when it is not a
terminal and not empty, else a demo snippet). Exit 0 when the snippet exited 0, else 1;
2 when the box could not be made.

The box: an empty tmpfs as "/", the host's /usr read-only with /bin, /lib and /lib64 as
symlinks into it (as in examples/minimal.c), /proc, /dev and a tmpfs /tmp; every namespace
(so no network: only a loopback of its own); 64 tasks, 5 s of wall time and 256 MiB of
memory. The memory limit needs a cgroup; where none can be written (not root) the box is
retried with BOX_OPT_LIMITS_BEST_EFFORT and a per-process address-space rlimit instead.
"""
import os
import signal
import sys

import libbox

DEMO = "import os, sys\nprint('hello from pid', os.getpid(), 'python', sys.version.split()[0])\n"
# Not re-exported by the Pythonic layer of every binding version: take it from the ffi layer.
BEST_EFFORT = getattr(libbox.ffi, "BOX_OPT_LIMITS_BEST_EFFORT", 1 << 2)


def interpreter():
    """The host's python3 under /usr (the only part of the host the box sees)."""
    exe = os.path.realpath(sys.executable)
    if not exe.startswith("/usr/"):
        exe = "/usr/bin/python3"  # e.g. a pyenv or venv interpreter outside /usr
    if not os.access(exe, os.X_OK):
        sys.exit(f"run_untrusted: no python interpreter under /usr ({exe})")
    return exe


def run(code):
    argv = [interpreter(), "-I", "-c", code]
    box = dict(mounts=[libbox.RoBind("/usr"), libbox.Symlink("usr/bin", "/bin"),
                       libbox.Symlink("usr/lib", "/lib"), libbox.Symlink("usr/lib64", "/lib64"),
                       libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/tmp", "64M", 0o1777)],
               capture_output=True, pids=64, wall="5s", timeout="10s")
    try:
        return libbox.run(argv, memory="256M", **box)
    except libbox.BoxError as e:
        if "cgroup" not in str(e):
            raise
        print(f"(no cgroup: {e}; using an address-space rlimit instead)", file=sys.stderr)
        return libbox.run(argv, options=libbox.BOX_OPT_DIE_WITH_PARENT
                          | libbox.BOX_OPT_NEW_SESSION | BEST_EFFORT,
                          limits={"as": "256M"}, **box)


def verdict(st):
    if st.end == "exited":
        return f"exited {st.exit_code}"
    if st.end == "signaled":
        return f"killed by signal {st.signal} ({signal.Signals(st.signal).name})"
    return {"wall_time": "killed: wall time limit (5s)", "oom": "killed: out of memory",
            "cpu_time": "killed: cpu time limit"}.get(st.end, f"killed ({st.end})")


def main():
    if len(sys.argv) > 1:
        code = sys.argv[1]
    elif not sys.stdin.isatty():
        code = sys.stdin.read() or DEMO
    else:
        code = DEMO
    try:
        r = run(code)
    except libbox.TimeoutExpired:
        print("verdict: timeout (the box did not end in 10s)")
        return 1
    except libbox.BoxError as e:
        print(f"run_untrusted: {e}", file=sys.stderr)
        return 2
    st = r.status
    print(f"verdict: {verdict(st)}")
    print(f"cpu: {st.cpu:.3f}s wall: {st.wall:.3f}s")
    print("output:")
    sys.stdout.write(r.stdout.decode(errors="replace"))
    if r.stderr:
        print("stderr:")
        sys.stdout.write(r.stderr.decode(errors="replace"))
    return 0 if st.end == "exited" and st.exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
