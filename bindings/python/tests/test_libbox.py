"""Tests for the libbox Python binding. They spawn real boxes in a busybox root filesystem
(built once per session with tests/mkrootfs.sh, or taken from $LIBBOX_TEST_ROOTFS, which no
test may change) and pass as root and as an unprivileged user."""
import ctypes
import errno
import os
import re
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import libbox  # noqa: E402

HERE = Path(__file__).resolve().parent
MKROOTFS = HERE.parent.parent.parent / "tests" / "mkrootfs.sh"
MiB = 1 << 20


@pytest.fixture(scope="session")
def rootfs():
    env = os.environ.get("LIBBOX_TEST_ROOTFS")
    if env:
        yield env
        return
    # Not below pytest's tmp_path (0700): a box whose root maps to another host uid (the
    # uid_map ranges of root) must be able to enter it.
    top = tempfile.mkdtemp(prefix="libbox-test-")
    try:
        os.chmod(top, 0o755)
        subprocess.run(["sh", str(MKROOTFS), top + "/rootfs"], check=True)
        yield top + "/rootfs"
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _tree(top):
    """Every path below top with its type, not following symlinks."""
    out = set()
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            out.add((os.path.relpath(p, top), stat.S_IFMT(os.lstat(p).st_mode)))
    return out


@pytest.fixture(autouse=True)
def rootfs_untouched(request):
    """A test that boxes the shared root filesystem leaves it as it was (a reused
    $LIBBOX_TEST_ROOTFS must survive any number of runs): writes go to a tmpfs."""
    if "rootfs" not in request.fixturenames:
        yield
        return
    top = request.getfixturevalue("rootfs")
    before = _tree(top)
    yield
    after = _tree(top)
    assert after == before, f"the test changed the rootfs: added {sorted(after - before)}, " \
                            f"removed {sorted(before - after)}"


def sh(rootfs, script, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 20)
    kw.setdefault("mounts", [libbox.Proc(), libbox.Dev()])
    return libbox.run(["sh", "-c", script], root=rootfs, **kw)


# --- parsers -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    (0, 0), (4096, 4096), ("4096", 4096), ("1K", 1024), ("64k", 65536), ("256M", 256 * MiB),
    ("1.5G", 3 << 29), ("2MiB", 2 * MiB), ("1 GB", 1 << 30), ("3b", 3), (" 7 ", 7), (2.0, 2),
])
def test_parse_size(text, value):
    assert libbox.parse_size(text) == value


@pytest.mark.parametrize("bad", ["", "M", "-1", "1.5", "12Q", "1e3", "0.3K", "1..2M"])
def test_parse_size_bad(bad):
    with pytest.raises(ValueError):
        libbox.parse_size(bad)


def test_parse_size_types():
    for bad in (None, [1], True, b"1M"):
        with pytest.raises(TypeError):
            libbox.parse_size(bad)
    with pytest.raises(ValueError):
        libbox.parse_size(-5)


@pytest.mark.parametrize("text,value", [
    (2, 2.0), (0.25, 0.25), ("1.5s", 1.5), ("200ms", 0.2), ("2m", 120.0), ("1h", 3600.0),
    ("500us", 0.0005), ("3", 3.0), (".5", 0.5), ("10 sec", 10.0),
])
def test_parse_time(text, value):
    assert libbox.parse_time(text) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["", "s", "-1s", "1x", "1.2.3s", "nan"])
def test_parse_time_bad(bad):
    with pytest.raises(ValueError):
        libbox.parse_time(bad)


def test_parse_time_types():
    with pytest.raises(TypeError):
        libbox.parse_time(None)
    with pytest.raises(ValueError):
        libbox.parse_time(-1)


# --- thin layer ----------------------------------------------------------------------------

def test_ffi_layout_and_version():
    f = libbox.ffi
    assert ctypes.sizeof(f.box_status_t) == 112
    assert (f.box_status_t.oom_kills.offset, f.box_status_t.pids_limit_hits.offset,
            f.box_status_t.reserved.offset) == (56, 64, 72)
    assert ctypes.sizeof(f.box_features_t) == 1384
    # box_seccomp_arg_t: unsigned int index; int op; uint64_t value; uint64_t mask.
    assert ctypes.sizeof(f.box_seccomp_arg_t) == 24
    assert [(n, getattr(f.box_seccomp_arg_t, n).offset, getattr(f.box_seccomp_arg_t, n).size)
            for n, _ in f.box_seccomp_arg_t._fields_] == [
        ("index", 0, 4), ("op", 4, 4), ("value", 8, 8), ("mask", 16, 8)]
    assert libbox.version() == "0.1.0"
    feats = libbox.probe()
    assert feats["pidfd"] == 1
    for name in ("box_new", "box_free", "box_errmsg", "box_set_namespaces", "box_set_hostname",
                 "box_set_root", "box_mount", "box_mount_tmpfs", "box_add_uid_map",
                 "box_add_gid_map", "box_set_user", "box_setenv", "box_unsetenv", "box_set_cwd",
                 "box_pass_fd", "box_set_options", "box_set_limit", "box_spawn", "box_pid",
                 "box_pidfd", "box_kill", "box_wait", "box_probe", "box_version",
                 "box_set_cgroup_parent", "box_set_cpuset", "box_set_io_limit",
                 "box_limit_status", "box_cap_keep", "box_cap_keep_all", "box_seccomp_default",
                 "box_seccomp_rule", "box_seccomp_export", "box_landlock_path",
                 "box_landlock_mode", "box_seccomp_rule_args", "box_seccomp_default_action",
                 "box_set_program", "box_mkdir", "box_chmod", "box_set_cgroup_backend",
                 "box_start", "box_set_groups", "box_seccomp_load_bpf",
                 "box_seccomp_notify_fd"):
        assert getattr(libbox.ffi, name).argtypes is not None


def _layout(struct_type):
    return [(n, getattr(struct_type, n).offset, getattr(struct_type, n).size)
            for n, _ in struct_type._fields_]


def test_seccomp_notify_layout_and_ioctls():
    """struct seccomp_data / seccomp_notif / seccomp_notif_resp and the ioctl numbers as
    <linux/seccomp.h> has them (sizeof, offsetof and the macros printed by a C program on
    x86_64; the generic ioctl encoding is that of arm64 and riscv too)."""
    f = libbox.ffi
    assert _layout(f.seccomp_data) == [("nr", 0, 4), ("arch", 4, 4),
                                       ("instruction_pointer", 8, 8), ("args", 16, 48)]
    assert ctypes.sizeof(f.seccomp_data) == 64
    assert _layout(f.seccomp_notif) == [("id", 0, 8), ("pid", 8, 4), ("flags", 12, 4),
                                        ("data", 16, 64)]
    assert ctypes.sizeof(f.seccomp_notif) == 80
    assert _layout(f.seccomp_notif_resp) == [("id", 0, 8), ("val", 8, 8), ("error", 16, 4),
                                             ("flags", 20, 4)]
    assert ctypes.sizeof(f.seccomp_notif_resp) == 24
    assert f.SECCOMP_USER_NOTIF_FLAG_CONTINUE == 1
    if os.uname().machine not in ("x86_64", "aarch64", "riscv64", "s390x"):
        pytest.skip("ioctl numbers checked for the generic encoding only")
    assert f.SECCOMP_IOCTL_NOTIF_RECV == 0xC0502100
    assert f.SECCOMP_IOCTL_NOTIF_SEND == 0xC0182101


def test_thin_layer_errors():
    with libbox.Box() as box:
        r = libbox.ffi.box_wait(box.handle, 0, None)
        assert r == -errno.ESRCH
        assert "not been spawned" in box.errmsg()
        assert libbox.ffi.box_pid(box.handle) == -errno.ESRCH


# --- isolation -----------------------------------------------------------------------------

def test_pid1_hostname_and_proc(rootfs):
    r = sh(rootfs, "echo $$; hostname; ls /proc | grep -E '^[0-9]+$' | wc -l", hostname="pybox")
    assert r.returncode == 0, r.stderr
    pid, host, nprocs = r.stdout.decode().split()
    assert pid == "1"
    assert host == "pybox"
    # sh (1), ls and grep/wc: only the box's processes, never the host's.
    assert 1 <= int(nprocs) <= 5
    assert r.status.end == "exited"


def test_default_uid_map(rootfs):
    r = sh(rootfs, "cat /proc/self/uid_map; id -u")
    lines = r.stdout.decode().split("\n")
    assert lines[0].split() == ["0", str(os.getuid()), "1"]
    assert lines[1] == "0"


def test_explicit_uid_map_and_user(rootfs):
    r = sh(rootfs, "cat /proc/self/uid_map; id -u; id -g",
           uid_map=[(1000, os.getuid(), 1)], gid_map=[(1000, os.getgid(), 1)], uid=1000, gid=1000)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().split("\n")
    assert lines[0].split() == ["1000", str(os.getuid()), "1"]
    assert lines[1:3] == ["1000", "1000"]


def test_env_and_cwd(rootfs):
    r = libbox.run(["/bin/env"], root=rootfs, env={"FOO": "bar baz", "PATH": None},
                   capture_output=True)
    assert r.stdout == b"FOO=bar baz\n"
    r = sh(rootfs, 'echo "$FOO"; pwd', env={"FOO": "x"}, cwd="/tmp")
    assert r.stdout == b"x\n/tmp\n"


def test_ro_bind_is_readonly(rootfs, tmp_path):
    host = tmp_path / "shared"
    host.mkdir()
    (host / "f").write_text("hello")
    host.chmod(0o777)
    # (/mnt/ro and /mnt/rw are made in a tmpfs, not in the shared rootfs.)
    r = sh(rootfs, "cat /mnt/ro/f; touch /mnt/ro/new && echo wrote",
           mounts=[libbox.Tmpfs("/mnt"), libbox.RoBind(str(host), "/mnt/ro")])
    assert r.stdout == b"hello"
    assert b"Read-only file system" in r.stderr
    assert not (host / "new").exists()
    # The same through a tuple, read-write this time.
    r = sh(rootfs, "echo hi > /mnt/rw/new",
           mounts=[("tmpfs", "/mnt"), ("bind", str(host), "/mnt/rw")])
    assert r.returncode == 0, r.stderr
    assert (host / "new").read_text() == "hi\n"


def test_readonly_root(rootfs):
    r = sh(rootfs, "touch /x", readonly_root=True, mounts=[])
    assert r.returncode != 0
    assert b"Read-only" in r.stderr


def test_tmpfs(rootfs):
    r = sh(rootfs, "grep ' /mnt/scratch ' /proc/mounts; stat -c %a /mnt/scratch; "
                   "head -c 2097152 /dev/zero > /mnt/scratch/big; echo rc=$?",
           mounts=[libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/mnt"),
                   ("tmpfs", "/mnt/scratch", "1M", 0o1777)])
    out = r.stdout.decode()
    assert " /mnt/scratch tmpfs " in out.split("\n")[0]
    assert "size=1024k" in out
    assert "\n1777\n" in out
    assert "rc=1" in out


def test_symlink_and_dir(rootfs):
    # In a tmpfs: made in the shared rootfs, /lnk would fail the next run ("File exists").
    r = sh(rootfs, "readlink /tmp/lnk; test -d /tmp/made/here && echo dir",
           mounts=[libbox.Tmpfs("/tmp"), libbox.Symlink("/bin/busybox", "/tmp/lnk"),
                   libbox.Dir("/tmp/made/here")])
    assert r.stdout == b"/bin/busybox\ndir\n"


# --- exit reporting ------------------------------------------------------------------------

def test_exit_code(rootfs):
    r = sh(rootfs, "echo out; echo err >&2; exit 7")
    assert (r.returncode, r.stdout, r.stderr) == (7, b"out\n", b"err\n")
    assert r.status.exited and r.status.exit_code == 7 and r.status.signal == 0
    # The box's own peak, or 0 where it stayed below this interpreter's (the first process
    # shares the caller's memory until exec): a small shell never reports Python's RSS.
    assert r.status.wall > 0 and r.status.max_rss < 8 << 20
    big = sh(rootfs, "head -c 134217728 /dev/zero | tail")
    assert big.status.max_rss >= 128 << 20
    with pytest.raises(subprocess.CalledProcessError):
        sh(rootfs, "exit 3", check=True)


def test_signal(rootfs):
    # Without a pid namespace the shell is not an init and can kill itself.
    ns = libbox.BOX_NS_ALL & ~libbox.BOX_NS_PID
    r = sh(rootfs, "kill -TERM $$", namespaces=ns, mounts=[])
    assert r.returncode == -signal.SIGTERM
    assert r.status.end == "signaled" and r.status.signal == signal.SIGTERM


def test_kill_and_wait_timeout(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sleep", "30"])
        assert p.pid > 0
        with pytest.raises(libbox.TimeoutExpired):
            p.wait(timeout=0.1)
        assert p.poll() is None
        p.kill()
        st = p.wait(5)
        assert st.end == "killed" and st.signal == signal.SIGKILL
        assert p.returncode == -9
        assert p.wait() is st  # waiting again gives the same status
        p.kill()  # no-op once reaped


def test_timeout_partial_output(rootfs):
    with pytest.raises(libbox.TimeoutExpired) as ei:
        sh(rootfs, "echo start; echo e >&2; sleep 30; echo never", timeout=0.5)
    e = ei.value
    assert e.stdout == b"start\n" and e.output == b"start\n"
    assert e.stderr == b"e\n"
    assert e.timeout == 0.5
    assert e.status.end == "killed"
    assert isinstance(e, subprocess.TimeoutExpired)


def test_wall_limit(rootfs):
    r = sh(rootfs, "echo before; sleep 30", wall="300ms")
    assert r.status.end == "wall_time"
    assert r.returncode == -signal.SIGKILL
    assert r.stdout == b"before\n"
    assert 0.25 < r.status.wall < 5


def test_wall_limit_spawn_wait(rootfs):
    with libbox.Box(root=rootfs, limits={"wall": 0.2}) as box:
        st = box.spawn(["sleep", "30"]).wait(timeout=10)
        assert st.end == "wall_time"


# --- stdio ---------------------------------------------------------------------------------

def test_large_output_both_streams(rootfs):
    n = 4 * MiB
    r = sh(rootfs, f"head -c {n} /dev/zero | tr '\\0' a & "
                   f"head -c {n} /dev/zero | tr '\\0' b >&2; wait")
    assert r.returncode == 0
    assert len(r.stdout) == n and r.stdout.count(b"a") == n
    assert len(r.stderr) == n and r.stderr.count(b"b") == n


def test_stdin_input(rootfs):
    data = os.urandom(3 * MiB)
    r = libbox.run(["cat"], root=rootfs, input=data, capture_output=True, timeout=20)
    assert r.returncode == 0 and r.stdout == data
    r = libbox.run(["wc", "-c"], root=rootfs, input=b"abc", capture_output=True, timeout=20)
    assert r.stdout.strip() == b"3"


def test_stdio_to_files(rootfs, tmp_path):
    out = open(tmp_path / "out", "wb")
    with out, libbox.Box(root=rootfs) as box:
        st = box.spawn(["sh", "-c", "echo to-file; echo to-err >&2; cat"],
                       stdin=libbox.DEVNULL, stdout=out, stderr=libbox.STDOUT).wait(10)
    assert st.exit_code == 0
    assert (tmp_path / "out").read_bytes() == b"to-file\nto-err\n"


def test_no_stdin_input_closes_pipe(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["cat"], stdin=libbox.PIPE, stdout=libbox.PIPE)
        p.stdin.write(b"xy")
        out, err = p.communicate(timeout=10)
    assert out == b"xy" and err is None


# --- errors --------------------------------------------------------------------------------

def test_missing_program(rootfs):
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["nosuchprog"], root=rootfs)
    e = ei.value
    assert isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert "exec" in str(e) and "exec" in e.message
    assert e.step == "exec"
    assert e.function == "box_spawn"
    assert isinstance(e, FileNotFoundError)



def test_hooks(rootfs, tmp_path):
    """box_hook: a BOX_HOOK_MOUNTED hook reads its input and runs before the program; a
    failing one fails the spawn at its step, naming it, and the program never runs."""
    log = tmp_path / "log"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho \"$1 $(cat)\" >> {log}\nexit $2\n")
    hook.chmod(0o755)
    os.chmod(tmp_path, 0o755)
    with libbox.Box(root=rootfs, mounts=[libbox.Proc()]) as box:
        box.hook(libbox.BOX_HOOK_MOUNTED, [str(hook), "mounted", "0"], input=b"state")
        assert box.spawn(["true"]).wait().exit_code == 0
    assert log.read_text() == "mounted state\n"
    with libbox.Box(root=rootfs, mounts=[libbox.Proc()]) as box:
        box.hook(libbox.BOX_HOOK_MOUNTED, [str(hook), "failing", "5"], timeout_ms=5000)
        with pytest.raises(libbox.BoxError) as ei:
            box.spawn(["true"])
    assert ei.value.errno == errno.EIO and ei.value.step == "hook-mounted"
    assert f"hook 0 (BOX_HOOK_MOUNTED) {hook}: exited with status 5" in ei.value.message
    with libbox.Box(root=rootfs) as box, pytest.raises(libbox.BoxError) as ei:
        box.hook(libbox.BOX_HOOK_START, ["relative"])
    assert ei.value.errno == errno.EINVAL

def test_hook_caller(rootfs, tmp_path):
    """box_hook_caller: the function runs during spawn with the first process's pid (in
    namespaces other than ours), before the BOX_HOOK_MOUNTED hooks, whose input it may set;
    one that raises fails the spawn at step hook-caller."""
    log = tmp_path / "log"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho \"hook $(cat)\" >> {log}\n")
    hook.chmod(0o755)
    os.chmod(tmp_path, 0o755)
    seen = []

    def caller(pid):
        seen.append(os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt"))
        with open(log, "a") as f:
            f.write("caller\n")
        box.hook_input(libbox.BOX_HOOK_MOUNTED, 0, f"pid={pid}".encode())
        seen.append(pid)

    with libbox.Box(root=rootfs) as box:
        box.hook(libbox.BOX_HOOK_MOUNTED, [str(hook)], input=b"old")
        box.hook_caller(libbox.BOX_HOOK_MOUNTED, caller)
        proc = box.spawn(["true"])
        assert proc.wait().exit_code == 0
    assert seen[0] is True and seen[1] > 1
    assert log.read_text() == f"caller\nhook pid={seen[1]}\n"

    def failing(pid):
        raise PermissionError(errno.EPERM, "no")

    log.unlink()
    with libbox.Box(root=rootfs) as box:
        box.hook(libbox.BOX_HOOK_MOUNTED, [str(hook)])
        box.hook_caller(libbox.BOX_HOOK_MOUNTED, failing)
        with pytest.raises(libbox.BoxError) as ei:
            box.spawn(["true"])
    assert ei.value.errno == errno.EPERM and ei.value.step == "hook-caller"
    assert not log.exists()
    with libbox.Box(root=rootfs) as box:
        box.hook_caller(libbox.BOX_HOOK_MOUNTED, lambda pid: 1 / 0)
        with pytest.raises(libbox.BoxError) as ei:
            box.spawn(["true"])
    assert ei.value.errno == errno.EIO and ei.value.step == "hook-caller"


def test_bad_root(rootfs, tmp_path):
    with pytest.raises((ValueError, libbox.BoxError)):
        libbox.Box(root="relative/dir")
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["true"], root=str(tmp_path / "missing"))
    assert ei.value.errno in (errno.ENOENT, errno.ENOTDIR)


ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not ROOT, reason="needs root (a writable cgroup)")


def _cgroup_writable():
    """True when this caller may use the memory controller (root, or a delegated cgroup)."""
    return "memory" in libbox.probe()["cgroup_controllers"].split()


def test_cgroup_limits_enforced_or_refused(rootfs):
    """memory/pids/cpu go to the C library: enforced where a cgroup can be made, else the
    spawn fails with a message naming the controller -- never a silent success."""
    for kw in ({"memory": "256M"}, {"pids": 10}, {"cpu": 0.5}):
        try:
            r = libbox.run(["true"], root=rootfs, **kw)
        except libbox.BoxError as e:
            assert not ROOT
            assert e.function == "box_spawn"
            assert "cgroup" in e.message
        else:
            assert r.returncode == 0


def test_python_argument_errors(rootfs):
    # A string is the program alone, as in subprocess on POSIX.
    assert libbox.run("true", root=rootfs).returncode == 0
    with pytest.raises(TypeError):
        libbox.run([], root=rootfs)
    with pytest.raises(ValueError):
        libbox.run(["true"], root=rootfs, limits={"bogus": 1})
    with pytest.raises(ValueError):
        libbox.run(["true"], root=rootfs, mounts=[("nope", "/x")])
    with pytest.raises(TypeError):
        libbox.run(["true"], root=rootfs, mounts=[42])
    with pytest.raises(ValueError):
        libbox.run(["true"], root=rootfs, cwd="tmp")
    with pytest.raises(ValueError):
        libbox.run(["tr\0ue"], root=rootfs)
    with pytest.raises(ValueError):
        libbox.run(["true"], root=rootfs, wall="soon")
    with pytest.raises(TypeError):
        libbox.run(["true"], root=rootfs, uid="root")
    with pytest.raises(ValueError):
        libbox.run(["true"], root=rootfs, namespaces=["pid", "bogus"])
    with libbox.Box(root=rootfs) as box:
        box.spawn(["true"], stdout=libbox.DEVNULL).wait(10)
        with pytest.raises(ValueError):
            box.spawn(["true"])


def test_hostname_too_long_is_box_error():
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(hostname="h" * 100)
    assert ei.value.errno == errno.EINVAL
    assert ei.value.function == "box_set_hostname"


# --- resources and threads -----------------------------------------------------------------

def _fds():
    return sorted(os.listdir("/proc/self/fd"))


def test_no_fd_leak_after_50_boxes(rootfs):
    sh(rootfs, "true")  # warm up anything lazily opened
    before = _fds()
    for i in range(50):
        r = libbox.run(["cat"], root=rootfs, input=b"x%d" % i, capture_output=True, timeout=20)
        assert r.stdout == b"x%d" % i
    with pytest.raises(libbox.TimeoutExpired):
        sh(rootfs, "sleep 10", timeout=0.1)
    with pytest.raises(libbox.BoxError):
        libbox.run(["nosuchprog"], root=rootfs, capture_output=True)
    with libbox.Box(root=rootfs) as box:
        box.spawn(["sleep", "10"], stdout=libbox.PIPE)  # closed without waiting: box_free kills
    assert _fds() == before


def test_spawn_from_threads(rootfs):
    results = {}

    def worker(i):
        results[i] = sh(rootfs, f"echo {i}; echo $$")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0, 1, 2, 3]
    for i, r in results.items():
        assert r.stdout == f"{i}\n1\n".encode()


def test_kill_from_other_thread(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sleep", "30"])
        t = threading.Timer(0.2, p.kill)
        t.start()
        st = p.wait(10)
        t.join()
    assert st.end == "killed"


def test_pidfd_with_selectors(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sh", "-c", "sleep 0.2; exit 4"])
        fd = p.pidfd
        assert isinstance(fd, int) and fd >= 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            assert sel.select(0) == []
            events = sel.select(10)
            assert [k.fd for k, _ in events] == [fd]
            sel.unregister(fd)
        st = p.wait(timeout=0)
        assert st.exit_code == 4
        assert p.pidfd is None


def test_cli(rootfs):
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    p = subprocess.run([sys.executable, "-m", "libbox", "--root", rootfs, "--proc", "/proc", "--",
                        "sh", "-c", "echo $$; exit 5"], env=env, capture_output=True, timeout=30)
    assert (p.returncode, p.stdout) == (5, b"1\n")
    p = subprocess.run([sys.executable, "-m", "libbox", "--root", rootfs, "--", "nosuchprog"],
                       env=env, capture_output=True, timeout=30)
    assert p.returncode == 125 and b"exec" in p.stderr


# --- privilege reduction -----------------------------------------------------------------

def test_ffi_new_constants():
    f = libbox.ffi
    assert (f.BOX_IO_READ_BPS, f.BOX_IO_WRITE_BPS, f.BOX_IO_READ_IOPS, f.BOX_IO_WRITE_IOPS) == (1, 2, 3, 4)
    assert (f.BOX_SECCOMP_ALLOW, f.BOX_SECCOMP_ERRNO, f.BOX_SECCOMP_KILL) == (1, 2, 3)
    assert (f.BOX_LANDLOCK_READ, f.BOX_LANDLOCK_WRITE, f.BOX_LANDLOCK_EXEC) == (1, 2, 4)
    assert f.BOX_LIMIT_IO_WEIGHT == 16 and f.BOX_OPT_LIMITS_BEST_EFFORT == 4
    assert f.BOX_SECCOMP_LOG == 4
    assert [f.BOX_SECCOMP_CMP_EQ, f.BOX_SECCOMP_CMP_NE, f.BOX_SECCOMP_CMP_LT,
            f.BOX_SECCOMP_CMP_LE, f.BOX_SECCOMP_CMP_GT, f.BOX_SECCOMP_CMP_GE,
            f.BOX_SECCOMP_CMP_MASKED_EQ, f.BOX_SECCOMP_MAX_ARGS] == [1, 2, 3, 4, 5, 6, 7, 6]
    assert (f.BOX_OPT_ALLOW_NEW_PRIVS, f.BOX_OPT_HOLD) == (16, 32)
    assert (f.BOX_CGROUP_BACKEND_AUTO, f.BOX_CGROUP_BACKEND_V1, f.BOX_CGROUP_BACKEND_V2) == (0, 1, 2)
    assert (f.BOX_LIMIT_HUGETLB, f.BOX_SECCOMP_NOTIFY) == (17, 5)
    assert (libbox.BOX_LIMIT_HUGETLB, libbox.BOX_SECCOMP_NOTIFY) == (17, 5)


def test_caps_default_none(rootfs):
    r = sh(rootfs, "grep CapEff /proc/self/status")
    assert r.returncode == 0 and r.stdout == b"CapEff:\t0000000000000000\n"


def test_caps_keep_one(rootfs):
    r = sh(rootfs, "grep CapEff /proc/self/status", caps=["net_bind_service"])
    assert r.returncode == 0 and r.stdout == b"CapEff:\t0000000000000400\n"


def test_caps_bad_name(rootfs):
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(root=rootfs, caps=["no_such_cap"])
    assert ei.value.errno == errno.EINVAL and ei.value.function == "box_cap_keep"
    with pytest.raises(TypeError):
        libbox.Box(caps=[1])


def test_seccomp_rules(rootfs):
    assert sh(rootfs, "uname").stdout == b"Linux\n"
    r = sh(rootfs, "uname", seccomp_rules={"uname": ("errno", 1)})
    assert r.stdout != b"Linux\n"
    r = sh(rootfs, "uname", seccomp_rules={"uname": "kill"})
    assert r.returncode == -signal.SIGSYS
    with pytest.raises(ValueError):
        libbox.Box(seccomp_rules={"uname": ("errno", 0)})
    with pytest.raises(ValueError):
        libbox.Box(seccomp_rules={"uname": "deny"})
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(seccomp_rules={"no_such_syscall": "kill"})
    assert ei.value.errno == errno.EINVAL


def test_seccomp_default_blocks_mount(rootfs):
    """Even with every capability, the default list denies mount(2); off, it works."""
    script = "mount -t tmpfs none /tmp && echo mounted"
    r = sh(rootfs, script, caps="all")
    assert r.returncode != 0 and b"mounted" not in r.stdout
    r = sh(rootfs, script, caps="all", seccomp=False)
    assert r.returncode == 0 and r.stdout == b"mounted\n"
    assert sh(rootfs, "unshare -U true").returncode != 0


def test_seccomp_export(rootfs, tmp_path):
    with libbox.Box(root=rootfs) as box, open(tmp_path / "f.pfc", "w+b") as f:
        box.seccomp_export(f.fileno(), pfc=True)
        f.seek(0)
        assert f.read()
    with libbox.Box(root=rootfs, seccomp=False) as box:
        with pytest.raises(libbox.BoxError) as ei:
            box.seccomp_export(1)
        assert ei.value.errno == errno.ENOENT


landlock_abi = libbox.probe()["landlock_abi"]


@pytest.mark.skipif(landlock_abi == 0, reason="no Landlock in this kernel")
def test_landlock(rootfs):
    r = sh(rootfs, "cat /etc/passwd; echo hi", landlock=[("/bin", "rx"), ("/proc", "r")])
    assert r.stdout == b"hi\n"
    assert b"/etc/passwd" in r.stderr
    r = sh(rootfs, "cat /etc/passwd", landlock=[("/bin", "rx"), ("/etc", "r")],
           landlock_required=True)
    assert r.returncode == 0 and r.stdout.startswith(b"root:")
    with pytest.raises(ValueError):
        libbox.Box(landlock=[("/bin", "rq")])
    with pytest.raises(ValueError):
        libbox.Box(landlock=[("bin", "r")])


# --- cgroup limits -----------------------------------------------------------------------

def test_limit_status(rootfs):
    with libbox.Box(root=rootfs, limits={"nofile": 32, "wall": "5s"}) as box:
        with pytest.raises(libbox.BoxError) as ei:
            box.limit_status("nofile")
        assert ei.value.errno == errno.ESRCH
        p = box.spawn(["true"])
        ok, where = p.limit_status("nofile")
        assert ok and where
        assert box.limit_status("wall")[0]
        ok, why = box.limit_status("memory")
        assert not ok and why
        p.wait()
    with pytest.raises(ValueError):
        libbox.Box().limit_status("bogus")


def test_limits_names():
    with pytest.raises(ValueError, match="rlimit_cpu"):
        libbox.Box(limits={"cpu": 1})
    libbox.Box(limits={"rlimit_cpu": 1, "io_weight": 100, "cpu_time": "1s"}).close()
    with pytest.raises(ValueError):
        libbox.run(["true"], cpu=0)
    with pytest.raises(ValueError):
        libbox.Box(io_limits=[("/dev/sda", "read_bytes", "10M")])
    with pytest.raises(TypeError):
        libbox.Box(cpuset=("0", None, None))


def test_rlimit_cpu(rootfs):
    r = sh(rootfs, "while :; do :; done", limits={"rlimit_cpu": 1}, timeout=10)
    assert r.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    assert r.status.end == "signaled"


@root_only
def test_run_cgroup_limits_root(rootfs):
    r = sh(rootfs, "echo ok", memory="64M", pids=16, cpu=0.5)
    assert r.returncode == 0 and r.stdout == b"ok\n"
    assert r.status.memory_peak_bytes > 0
    assert r.status.memory_peak == r.status.memory_peak_bytes


@root_only
def test_limit_status_cgroup_root(rootfs):
    with libbox.Box(root=rootfs, limits={"memory": "64M", "cpu_millis": 500}) as box:
        p = box.spawn(["true"])
        ok, where = p.limit_status("memory")
        assert ok and "memory" in where
        assert p.limit_status("cpu_millis")[0]
        p.wait()


@pytest.mark.skipif(ROOT, reason="checks the rootless refusal")
def test_run_cgroup_limits_rootless(rootfs):
    if _cgroup_writable():
        pytest.skip("this user has a writable cgroup")
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "echo ok", memory="64M", pids=16, cpu=0.5)
    assert "cgroup" in ei.value.message
    r = sh(rootfs, "echo ok", memory="64M", pids=16, cpu=0.5, best_effort=True)
    assert r.returncode == 0 and r.stdout == b"ok\n"
    with libbox.Box(root=rootfs, limits={"memory": "64M"}, best_effort=True) as box:
        p = box.spawn(["true"])
        ok, why = p.limit_status("memory")
        assert not ok and why.startswith("not enforced: ")
        p.wait()


@root_only
def test_oom(rootfs):
    r = sh(rootfs, "x=$(head -c 200000000 /dev/zero | tr '\\0' a)", memory="32M")
    assert r.status.end == "oom"
    assert r.status.oom_kills >= 1
    assert r.returncode == -signal.SIGKILL


@root_only
def test_cpu_bandwidth(rootfs):
    r = sh(rootfs, "while :; do :; done", cpu=0.25, wall=1.2)
    assert r.status.end == "wall_time"
    assert 0.15 <= r.status.cpu <= 0.5, r.status


@root_only
def test_cpu_time_limit(rootfs):
    r = sh(rootfs, "while :; do :; done", cpu_time="0.3s", wall=5)
    assert r.status.end == "cpu_time"
    assert r.status.cpu >= 0.25
    with libbox.Box(root=rootfs, limits={"cpu_time": "0.2s", "wall": 5}) as box:
        st = box.spawn(["sh", "-c", "while :; do :; done"]).wait()
    assert st.end == "cpu_time"


@root_only
def test_cpuset_root(rootfs):
    r = sh(rootfs, "grep Cpus_allowed_list /proc/self/status", cpuset=("0", None))
    assert r.returncode == 0 and r.stdout.split() == [b"Cpus_allowed_list:", b"0"]


@root_only
def test_pids_limit_hits(rootfs):
    """The forks the pids limit refused are counted; without a pids limit the count is 0."""
    script = "sh -c 'while :; do sleep 5 & done' 2>&-; echo done"
    r = sh(rootfs, script, pids=8)
    assert r.stdout == b"done\n"
    assert r.status.pids_limit_hits > 0
    r = sh(rootfs, "sleep 0 & wait; echo done", memory="64M")
    assert r.stdout == b"done\n" and r.status.pids_limit_hits == 0


# --- seccomp comparisons and the default action ------------------------------------------

# busybox `mkdir -m MODE` makes the directory with mkdir(path, 0777) and then sets MODE with
# chmod(path, MODE) (strace on this x86_64 host; no mkdirat, no fchmodat): the mode to
# compare is chmod's argument 1.
CHMOD_MODES = (0o700, 0o755, 0o777)
CHMOD_SCRIPT = "for m in 700 755 777; do touch /tmp/f$m; chmod $m /tmp/f$m && echo $m; done; true"


def _chmod_allowed(rootfs, rules):
    """The modes of CHMOD_MODES that chmod may set in a box with these seccomp rules."""
    r = sh(rootfs, CHMOD_SCRIPT, seccomp_rules=rules,
           mounts=[libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/tmp")])
    assert r.returncode == 0, r.stderr
    for line in r.stderr.decode().splitlines():
        assert "Function not implemented" in line
    return [int(m, 8) for m in r.stdout.split()]


def test_seccomp_rule_args_mkdir_mode(rootfs):
    enosys = ("errno", errno.ENOSYS)
    mounts = [libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/tmp")]
    r = sh(rootfs, "mkdir -m 700 /tmp/a && echo made a; mkdir -m 755 /tmp/b && echo made b; "
                   "stat -c %a /tmp/b",
           seccomp_rules=[("chmod", enosys, [(1, "==", 0o700)])], mounts=mounts)
    assert r.stdout == b"made b\n755\n"
    assert b"/tmp/a" in r.stderr and b"Function not implemented" in r.stderr
    # mkdir(2) itself is compared on its own mode argument, which busybox always makes 0777.
    script = "mkdir -m 755 /tmp/c && echo made c"
    r = sh(rootfs, script, seccomp_rules=[("mkdir", enosys, [(1, "==", 0o777)])], mounts=mounts)
    assert r.stdout == b"" and b"Function not implemented" in r.stderr
    r = sh(rootfs, script, seccomp_rules=[("mkdir", enosys, [(1, "!=", 0o777)])], mounts=mounts)
    assert r.stdout == b"made c\n"


@pytest.mark.parametrize("cmp,denied", [
    ((1, "==", 0o755), lambda m: m == 0o755),
    ((1, "!=", 0o755), lambda m: m != 0o755),
    ((1, "<", 0o755), lambda m: m < 0o755),
    ((1, "<=", 0o755), lambda m: m <= 0o755),
    ((1, ">", 0o755), lambda m: m > 0o755),
    ((1, ">=", 0o755), lambda m: m >= 0o755),
    ((1, "&==", 0o002, 0o002), lambda m: m & 0o002 == 0o002),  # world-writable
    ((1, "&==", 0o055, 0o077), lambda m: m & 0o077 == 0o055),
])
def test_seccomp_comparison_ops(rootfs, cmp, denied):
    allowed = _chmod_allowed(rootfs, [("chmod", ("errno", errno.ENOSYS), [cmp])])
    assert allowed == [m for m in CHMOD_MODES if not denied(m)]


def test_seccomp_rules_sequence(rootfs):
    enosys = ("errno", errno.ENOSYS)
    # Conditional rules for one call add up ...
    rules = [("chmod", enosys, [(1, "==", 0o700)]), ("chmod", enosys, [(1, "==", 0o777)])]
    assert _chmod_allowed(rootfs, rules) == [0o755]
    # ... two comparisons in one rule must both hold (argument 0, the path, is a pointer:
    # never 0) ...
    both = [("chmod", enosys, [(0, "!=", 0), (1, ">", 0o700)])]
    assert _chmod_allowed(rootfs, both) == [0o700]
    never = [("chmod", enosys, [(0, "==", 0), (1, ">", 0o700)])]
    assert _chmod_allowed(rootfs, never) == list(CHMOD_MODES)
    # ... until an unconditional rule replaces them.
    assert _chmod_allowed(rootfs, rules + [("chmod", "allow")]) == list(CHMOD_MODES)
    # A single rule may be given alone; "log" allows the call (and logs it).
    assert sh(rootfs, "uname", seccomp_rules=("uname", "log")).stdout == b"Linux\n"
    assert sh(rootfs, "uname", seccomp_rules={"uname": "log"}).stdout == b"Linux\n"
    r = sh(rootfs, "uname", seccomp_rules=[("uname", "log"), ("getpid", "allow")])
    assert r.stdout == b"Linux\n"
    r = sh(rootfs, "uname", seccomp_rules=[("uname", "kill", [(0, "!=", 0)])])
    assert r.returncode == -signal.SIGSYS


# What a static busybox `echo hi` needs (strace), and what a dynamic one also uses.
ECHO_SYSCALLS = ["arch_prctl", "brk", "exit_group", "exit", "getrandom", "getuid", "mprotect",
                 "prctl", "prlimit64", "readlink", "rseq", "set_robust_list", "set_tid_address",
                 "mmap", "munmap", "openat", "close", "read", "newfstatat", "fstat", "pread64",
                 "access", "readlinkat", "getpid", "rt_sigaction", "rt_sigprocmask", "ioctl",
                 "futex"]


def test_seccomp_default_action(rootfs):
    def echo(default, allowed):
        return libbox.run(["echo", "hi"], root=rootfs, capture_output=True, timeout=20,
                          seccomp_default_action=default,
                          seccomp_rules=[(name, "allow") for name in allowed])

    # An allow list: what it allows works (execve is allowed without a rule) ...
    r = echo("kill", ECHO_SYSCALLS + ["write"])
    assert (r.returncode, r.stdout) == (0, b"hi\n")
    # ... and anything else is the default action.
    r = echo("kill", ECHO_SYSCALLS)
    assert r.returncode == -signal.SIGSYS and r.stdout == b""
    r = echo(("errno", errno.EPERM), ECHO_SYSCALLS)
    assert r.returncode == 1 and r.status.exited and r.stdout == b""
    for default in ("log", "allow"):
        r = echo(default, [])
        assert (r.returncode, r.stdout) == (0, b"hi\n")
    # box-init would run under such a filter: refused at spawn.
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["true"], root=rootfs, seccomp_default_action="kill",
                   options=libbox.BOX_OPT_INIT)
    assert ei.value.errno == errno.EINVAL and ei.value.function == "box_spawn"
    assert "BOX_OPT_INIT" in ei.value.message


@pytest.mark.parametrize("rules,exc", [
    ([("chmod", "kill", [(1, "=~", 0)])], ValueError),            # unknown comparison
    ([("chmod", "kill", [(6, "==", 0)])], ValueError),            # index 0..5
    ([("chmod", "kill", [(-1, "==", 0)])], ValueError),
    ([("chmod", "kill", [(1, "==", 0), (1, "!=", 5)])], ValueError),  # an index twice
    ([("chmod", "kill", [(1, "==", 0, 0o7)])], ValueError),       # a mask without '&=='
    ([("chmod", "kill", [(1, "&==", 0)])], ValueError),           # '&==' without a mask
    ([("chmod", "kill", [(1, "==", -1)])], ValueError),           # values are uint64
    ([("chmod", "kill", [(1, "==", 1 << 64)])], ValueError),
    ([("chmod", "kill", [(1, "&==", 0, 1 << 64)])], ValueError),
    ([("chmod", ("errno", 0), [(1, "==", 0)])], ValueError),
    ([("chmod", "deny")], ValueError),
    ([("chmod", "kill", [(1, "==", "0")])], TypeError),
    ([("chmod", "kill", [("1", "==", 0)])], TypeError),
    ([("chmod", "kill", [(1, "==")])], TypeError),
    ([("chmod", "kill", (1, "==", 0))], TypeError),               # a list of comparisons
    ([("chmod", "kill", "1 == 0")], TypeError),
    ([("chmod", "kill", [], None)], TypeError),
    ([("chmod",)], TypeError),
    (["chmod"], TypeError),
    ([(b"chm\0od", "kill")], ValueError),
    (42, TypeError),
    ("chmod", TypeError),
])
def test_seccomp_rules_argument_errors(rules, exc):
    with pytest.raises(exc):
        libbox.Box(seccomp_rules=rules)


def test_seccomp_rule_args_box_errors():
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(seccomp_rules=[("no_such_syscall", "kill", [(0, "==", 0)])])
    assert ei.value.errno == errno.EINVAL and ei.value.function == "box_seccomp_rule_args"
    assert "no_such_syscall" in ei.value.message
    for bad in ("deny", ("errno", 0), ("errno", 4096), ("errno", True), "errno", ("log", 1)):
        with pytest.raises(ValueError, match="seccomp_default_action"):
            libbox.Box(seccomp_default_action=bad)
    libbox.Box(seccomp_default_action=("ERRNO", 38)).close()


# --- program, mkdir and chmod ------------------------------------------------------------

def test_program(rootfs):
    r = libbox.run(["echo", "hi"], root=rootfs, program="busybox", capture_output=True)
    assert (r.returncode, r.stdout) == (0, b"hi\n")
    # argv[0] reaches the program unchanged: busybox runs the applet it names.
    r = libbox.run(["sh", "-c", 'echo "$0"'], root=rootfs, program="/bin/busybox",
                   capture_output=True)
    assert r.stdout == b"sh\n"
    # The program, not argv[0], is what is executed.
    r = libbox.run(["nosuchprog", "x"], root=rootfs, program="/bin/echo", capture_output=True)
    assert (r.returncode, r.stdout) == (127, b"")
    assert b"nosuchprog: applet not found" in r.stderr
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["echo", "hi"], root=rootfs, program="nosuchfile")
    assert ei.value.errno == errno.ENOENT and "nosuchfile" in ei.value.message
    for bad, exc in (("", ValueError), ("a\0b", ValueError), ("x" * 4096, ValueError),
                     (42, TypeError)):
        with pytest.raises(exc):
            libbox.Box(program=bad)


def test_dir_mode_and_chmod(rootfs):
    mounts = [libbox.Tmpfs("/tmp"),
              libbox.Dir("/tmp/a", mode=0o700),
              ("dir", "/tmp/b/c", 0o750),               # parents 0750: none for others
              libbox.Dir("/tmp/d"),                      # no mode: 0755
              libbox.Dir("/tmp/a", mode=0o777),          # exists: keeps 0700
              libbox.Dir("/tmp/e", 0o711), libbox.Chmod("/tmp/e", 0o705),
              libbox.Symlink("/tmp/d", "/tmp/lnk"), ("chmod", "/tmp/lnk", 0o701),  # follows it
              libbox.Chmod("/tmp", 0o1777)]
    r = sh(rootfs, "stat -c %a /tmp /tmp/a /tmp/b /tmp/b/c /tmp/d /tmp/e", mounts=mounts)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [b"1777", b"700", b"750", b"750", b"701", b"705"]
    # A step of the ordered plan: a tmpfs mounted later covers the chmod.
    r = sh(rootfs, "stat -c %a /tmp", mounts=[libbox.Tmpfs("/tmp"), libbox.Chmod("/tmp", 0o700),
                                              libbox.Tmpfs("/tmp")])
    assert r.stdout == b"755\n"
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "true", mounts=[libbox.Tmpfs("/tmp"), libbox.Chmod("/tmp/missing", 0o700)])
    e = ei.value
    assert e.errno == errno.ENOENT and e.function == "box_spawn"
    assert e.step == "mount" and "spawn: chmod" in e.message and "/tmp/missing" in e.message


@pytest.mark.parametrize("mount,exc", [
    (libbox.Dir("/x", 0o10000), ValueError),
    (libbox.Dir("/x", -1), ValueError),
    (libbox.Dir("/x", "755"), TypeError),
    (libbox.Dir("x", 0o700), ValueError),
    (libbox.Chmod("/x", 0o10000), ValueError),
    (libbox.Chmod("/x", True), TypeError),
    (libbox.Chmod("x", 0o700), ValueError),
    (libbox.Chmod("/x\0", 0o700), ValueError),
    (libbox.Tmpfs("/x", mode=0o17777), ValueError),
    (("chmod", "/x"), TypeError),
    (("dir", "/x", 0o700, 1), TypeError),
])
def test_mount_mode_errors(mount, exc):
    with pytest.raises(exc):
        libbox.Box(mounts=[mount])


# --- cgroup backend ----------------------------------------------------------------------

def _v2_controllers():
    """The controllers of this caller's cgroup v2 directory as box_probe reports it."""
    path = libbox.probe()["cgroup_v2_path"]
    try:
        with open(os.path.join(path, "cgroup.controllers")) as f:
            return f.read().split() if path else []
    except OSError:
        return []


def test_cgroup_backend_v2_memory(rootfs):
    if "memory" in _v2_controllers():
        if not ROOT:
            pytest.skip("cgroup v2 has memory: whether this user may use it depends on delegation")
        with libbox.Box(root=rootfs, limits={"memory": "64M"}, cgroup_backend="v2") as box:
            p = box.spawn(["true"])
            ok, where = p.limit_status("memory")
            assert ok and where.endswith("memory.max")
            assert p.wait(10).exit_code == 0
        return
    # A hybrid host (v1 controllers, v2 for placement), or no v2 at all: memory has no home.
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "true", memory="64M", cgroup_backend="v2")
    e = ei.value
    assert e.function == "box_spawn" and e.errno == errno.EOPNOTSUPP
    assert "memory is not available in cgroup v2" in e.message
    # best_effort skips it, and says so.
    with libbox.Box(root=rootfs, limits={"memory": "64M"}, cgroup_backend="V2",
                    best_effort=True) as box:
        p = box.spawn(["true"])
        ok, why = p.limit_status("memory")
        assert not ok and why
        assert p.wait(10).exit_code == 0


def test_cgroup_pool_memory(rootfs):
    """Boxes of a CgroupPool share cgroups one after the other (where memory is on v1), and
    each reads its own usage; close() removes what the pool keeps."""
    with pytest.raises(ValueError):
        libbox.CgroupPool(0)
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs, cgroup_pool="pool")
    with libbox.CgroupPool(2) as pool:
        assert pool.idle == 0
        if not ROOT:  # no writable cgroup: the spawn fails as without a pool
            with pytest.raises(libbox.BoxError):
                sh(rootfs, "true", memory="64M", cgroup_pool=pool)
            assert pool.idle == 0
            return
        where = []
        for _ in range(2):
            with libbox.Box(root=rootfs, limits={"memory": "64M", "pids": 16},
                            cgroup_pool=pool) as box:
                p = box.spawn(["true"])
                where.append(p.limit_status("memory")[1])
                st = p.wait(10)
                assert st.exit_code == 0 and st.oom_kills == 0
        if where[0].endswith("memory.limit_in_bytes"):  # v1 memory: reused
            assert where[0] == where[1] and pool.idle == 1
            assert pool.trim(0) == 1 and pool.idle == 0
        else:  # v2 memory.peak cannot be cleared: not kept
            assert pool.idle == 0
    with pytest.raises(ValueError):
        pool.idle


@root_only
def test_cgroup_backend_v1_memory(rootfs):
    feats = libbox.probe()
    if feats["cgroup_layout"] not in (libbox.BOX_CGROUP_V1, libbox.BOX_CGROUP_HYBRID):
        pytest.skip("no cgroup v1 hierarchies")
    if "memory" not in feats["cgroup_controllers"].split() or "memory" in _v2_controllers():
        pytest.skip("memory is not a v1 controller here")
    for backend in ("v1", "auto"):
        with libbox.Box(root=rootfs, limits={"memory": "64M"}, cgroup_backend=backend) as box:
            p = box.spawn(["true"])
            ok, where = p.limit_status("memory")
            assert ok and where.endswith("memory.limit_in_bytes")
            assert p.wait(10).exit_code == 0


def test_cgroup_backend_errors():
    with pytest.raises(ValueError, match="cgroup_backend"):
        libbox.Box(cgroup_backend="v3")
    with pytest.raises(TypeError):
        libbox.Box(cgroup_backend=2)
    libbox.Box(cgroup_backend="auto").close()


# --- held boxes (BOX_OPT_HOLD, box_start) ------------------------------------------------

def test_hold_then_start(rootfs):
    with libbox.Box(root=rootfs, mounts=[libbox.Proc()]) as box:
        p = box.spawn(["sh", "-c", "echo started; readlink /proc/self/ns/pid"],
                      stdout=libbox.PIPE, hold=True)
        assert p.held and p.pid > 0
        # Built: the box's first process already lives in its own pid namespace ...
        ns = os.readlink(f"/proc/{p.pid}/ns/pid")
        assert ns != os.readlink("/proc/self/ns/pid")
        # ... but its program has not run: no output, and the pidfd is not readable.
        with selectors.DefaultSelector() as sel:
            sel.register(p.stdout, selectors.EVENT_READ)
            sel.register(p.pidfd, selectors.EVENT_READ)
            assert sel.select(0.3) == []
        for call in (p.wait, p.poll, p.communicate):
            with pytest.raises(ValueError, match="held"):
                call()
        p.start()
        assert not p.held
        out, _ = p.communicate(timeout=10)
        assert out == f"started\n{ns}\n".encode()
        assert p.status.exit_code == 0
        with pytest.raises(ValueError, match="not held"):
            p.start()


def test_hold_wall_limit_counts_from_start(rootfs):
    with libbox.Box(root=rootfs, limits={"wall": "300ms"}) as box:
        p = box.spawn(["sh", "-c", "echo ok; sleep 30"], stdout=libbox.PIPE, hold=True)
        time.sleep(1.0)  # held longer than the wall limit: not killed, not counted
        p.start()
        out, _ = p.communicate(timeout=10)
    assert out == b"ok\n"
    assert p.status.end == "wall_time"
    assert 0.25 < p.status.wall < 0.9


def test_hold_start_failure(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["nosuchprog"], hold=True)  # built fine; the exec fails at start
        with pytest.raises(libbox.BoxError) as ei:
            p.start()
        e = ei.value
        assert e.errno == errno.ENOENT and e.function == "box_start"
        assert e.step == "exec" and e.message.startswith("exec nosuchprog")
        assert p.pidfd is None
        with pytest.raises(ValueError, match="failed to start"):
            p.wait()
        with pytest.raises(ValueError, match="not held"):
            p.start()


def test_hold_kill_and_close(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["true"], hold=True)
        p.kill()
        with pytest.raises(libbox.BoxError) as ei:
            p.start()
        assert ei.value.errno == errno.ESRCH and "killed" in ei.value.message
    before = _fds()
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sh", "-c", "echo never"], stdout=libbox.PIPE, hold=True)
        pid = p.pid
    # box_free kills and reaps a held box: its output never comes, nothing is left.
    assert p.stdout.closed
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _fds() == before


def test_hold_options_and_errors(rootfs):
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs).spawn(["true"], hold=1)
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["true"])
        assert not p.held
        with pytest.raises(ValueError, match="not held"):
            p.start()
        assert p.wait(10).exit_code == 0
    # BOX_OPT_HOLD in options holds the box just the same.
    opts = libbox.BOX_OPT_DIE_WITH_PARENT | libbox.BOX_OPT_NEW_SESSION | libbox.BOX_OPT_HOLD
    with libbox.Box(root=rootfs, options=opts) as box:
        p = box.spawn(["sh", "-c", "exit 3"])
        assert p.held
        p.start()
        assert p.wait(10).exit_code == 3



def test_no_monitor(rootfs):
    # BOX_OPT_NO_MONITOR: the box is this process's own child, its status still box_wait's.
    opts = libbox.BOX_OPT_DIE_WITH_PARENT | libbox.BOX_OPT_NO_MONITOR
    with libbox.Box(root=rootfs, options=opts) as box:
        p = box.spawn(["sh", "-c", "exit 5"])
        with open(f"/proc/{p.pid}/status") as f:
            assert f"PPid:\t{os.getpid()}\n" in f.read()
        assert p.wait(10).exit_code == 5


def _parent_of(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("PPid:")).split()[1])


def test_no_monitor_keyword(rootfs):
    # no_monitor=True: the box's first process is our child (outside: its parent is this
    # process; with the monitor it is not), and it sees itself as the box's pid 1 with the
    # box's /proc (inside), its status coming back through Process.wait.
    for no_monitor in (True, False):
        with libbox.Box(root=rootfs, mounts=[libbox.Proc()], no_monitor=no_monitor) as box:
            assert bool(box._options & libbox.BOX_OPT_NO_MONITOR) == no_monitor
            r, w = os.pipe()
            p = box.spawn(["sh", "-c", "echo $$ $(cat /proc/1/comm); read x; exit 6"],
                          stdin=r, stdout=libbox.PIPE)
            os.close(r)
            assert p.stdout.readline() == b"1 sh\n"
            assert (_parent_of(p.pid) == os.getpid()) == no_monitor
            os.close(w)
            st = p.wait(10)
            assert (st.end, st.exit_code) == ("exited", 6) and st.wall > 0
    # the keyword clears a bit that options sets, and takes only a bool
    with libbox.Box(root=rootfs, options=libbox.BOX_OPT_NO_MONITOR, no_monitor=False) as box:
        assert not box._options & libbox.BOX_OPT_NO_MONITOR
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs, no_monitor=1)


def test_no_monitor_refused_with_detach(rootfs, tmp_path):
    with libbox.Box(root=rootfs, detach=True, id="nm", state_dir=tmp_path,
                    no_monitor=True) as box:
        with pytest.raises(libbox.BoxError) as ei:
            box.spawn(["true"])
    assert ei.value.errno == errno.EINVAL
    assert "BOX_OPT_NO_MONITOR cannot be combined" in ei.value.message


# --- supplementary groups ----------------------------------------------------------------

RANGE = (0, 100000, 65536)  # the box's ids 0..65535 are the host's 100000..165535


def _others_can_enter(path):
    """True when every directory on the way to path lets other users through (a box whose
    root is host uid 100000 must open it)."""
    p = Path(path).resolve()
    return all(os.stat(d).st_mode & stat.S_IXOTH for d in [p, *p.parents])


@pytest.mark.skipif(not ROOT, reason="needs root (uid and gid map ranges)")
def test_groups_root(rootfs):
    if not _others_can_enter(rootfs):
        pytest.skip(f"{rootfs} is not open to other users")
    r = sh(rootfs, "id -G; id -u", uid_map=RANGE, gid_map=RANGE, groups=[10, 20])
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"0 10 20\n0\n"
    # An ordinary user of the box with groups of its own.
    r = sh(rootfs, "id -G; id -u", uid_map=RANGE, gid_map=RANGE, uid=1000, gid=1000,
           groups=(5, 7))
    assert r.stdout == b"1000 5 7\n1000\n"
    # The default, and an empty list: none.
    for groups in (None, []):
        assert sh(rootfs, "id -G", uid_map=RANGE, gid_map=RANGE, groups=groups).stdout == b"0\n"
    # Without maps only gid 0 is mapped: the kernel refuses an unmapped group.
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "id -G", groups=[10])
    e = ei.value
    assert e.errno == errno.EINVAL and e.function == "box_spawn" and "setgroups" in e.message


@pytest.mark.skipif(ROOT, reason="checks the rootless refusal")
def test_groups_rootless(rootfs):
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "id -G", groups=[0])
    e = ei.value
    assert e.errno == errno.EPERM and e.function == "box_spawn"
    assert "set_groups" in e.message
    assert sh(rootfs, "id -G", groups=[]).stdout == b"0\n"


@pytest.mark.parametrize("groups,exc", [
    (list(range(65)), ValueError),  # at most 64
    ([-1], ValueError),
    ([0xFFFFFFFF], ValueError),     # (gid_t)-1
    ([1 << 32], ValueError),
    (["10"], TypeError),
    ([True], TypeError),
    ("10", TypeError),
    (10, TypeError),
])
def test_groups_argument_errors(groups, exc):
    with pytest.raises(exc):
        libbox.Box(groups=groups)


def test_groups_64_accepted():
    libbox.Box(groups=range(64)).close()


# --- a seccomp BPF program of the caller's (box_seccomp_load_bpf) ------------------------

# (AUDIT_ARCH_*, __NR_uname) of the ABI this test runs in.
UNAME_ABI = {"x86_64": (0xC000003E, 63), "aarch64": (0xC00000B7, 160)}.get(os.uname().machine)


def _insn(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)  # struct sock_filter


def _uname_filter():
    """tests/integration/test_priv.c uname_filter_fd: uname fails with EPERM, every other
    call (of a foreign ABI too) is allowed."""
    if UNAME_ABI is None:
        pytest.skip("no uname filter for this architecture")
    arch, nr = UNAME_ABI
    # BPF_LD | BPF_W | BPF_ABS, BPF_JMP | BPF_JEQ | BPF_K, BPF_RET | BPF_K
    ld_abs, jeq_k, ret_k = 0x20, 0x15, 0x06
    return b"".join([
        _insn(ld_abs, 0, 0, 4),                  # seccomp_data.arch
        _insn(jeq_k, 0, 3, arch),
        _insn(ld_abs, 0, 0, 0),                  # seccomp_data.nr
        _insn(jeq_k, 0, 1, nr),
        _insn(ret_k, 0, 0, 0x00050000 | errno.EPERM),  # SECCOMP_RET_ERRNO
        _insn(ret_k, 0, 0, 0x7FFF0000),          # SECCOMP_RET_ALLOW
    ])


UNAME_SCRIPT = "uname -s; echo hello"


def test_seccomp_bpf(rootfs, tmp_path):
    prog = _uname_filter()
    assert sh(rootfs, UNAME_SCRIPT).stdout == b"Linux\nhello\n"
    before = _fds()
    # busybox prints an empty name when uname fails; the rest runs. On top of libbox's own
    # filter and alone, as bytes ...
    for kw in ({}, {"seccomp": False}):
        r = sh(rootfs, UNAME_SCRIPT, seccomp_bpf=prog, **kw)
        assert (r.returncode, r.stdout) == (0, b"\nhello\n"), r.stderr
    assert sh(rootfs, UNAME_SCRIPT, seccomp_bpf=bytearray(prog)).stdout == b"\nhello\n"
    assert _fds() == before  # the memfd holding the bytes is closed
    # ... or from a descriptor, read from its offset to the end when the Box is made; it
    # stays ours.
    (tmp_path / "prog.bpf").write_bytes(b"junk" + prog)
    with open(tmp_path / "prog.bpf", "rb") as f:
        os.lseek(f.fileno(), 4, os.SEEK_SET)
        box = libbox.Box(root=rootfs, seccomp_bpf=f.fileno())
        assert os.lseek(f.fileno(), 0, os.SEEK_CUR) == 4 + len(prog)
    with box:
        p = box.spawn(["sh", "-c", UNAME_SCRIPT], stdout=libbox.PIPE)
        assert p.communicate(timeout=20)[0] == b"\nhello\n"


def _fd_with(data):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    return r


@pytest.mark.parametrize("prog,exc", [
    (b"", ValueError),                  # empty
    (b"\0" * 7, ValueError),            # not a multiple of 8
    (b"\0" * 12, ValueError),
    (b"\0" * (4097 * 8), ValueError),   # above 4096 instructions
    (-1, ValueError),
    ("\0" * 8, TypeError),
    (True, TypeError),
    ([b"\0" * 8], TypeError),
])
def test_seccomp_bpf_argument_errors(prog, exc):
    with pytest.raises(exc):
        libbox.Box(seccomp_bpf=prog)


def test_seccomp_bpf_box_errors(rootfs):
    # The library checks what it reads from a descriptor.
    for data in (b"", b"\0" * 7, b"\0" * (4097 * 8)):
        fd = _fd_with(data)  # (at most 32 KiB: within a pipe's buffer)
        try:
            with pytest.raises(libbox.BoxError) as ei:
                libbox.Box(seccomp_bpf=fd)
        finally:
            os.close(fd)
        assert ei.value.errno == errno.EINVAL and ei.value.function == "box_seccomp_load_bpf"
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(seccomp_bpf=r)  # closed
    assert ei.value.errno == errno.EBADF
    # Two zero instructions: the right size, but no return. The kernel refuses it at spawn.
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["true"], root=rootfs, seccomp_bpf=b"\0" * 16)
    e = ei.value
    assert e.errno == errno.EINVAL and e.function == "box_spawn"
    assert "box_seccomp_load_bpf" in e.message


# --- seccomp user notification -----------------------------------------------------------

SYSPROBE = os.environ.get("LIBBOX_TEST_SYSPROBE")
needs_sysprobe = pytest.mark.skipif(
    not (SYSPROBE and os.access(SYSPROBE, os.X_OK)),
    reason="LIBBOX_TEST_SYSPROBE (tests/integration/sysprobe) is not set or not executable")
# (AUDIT_ARCH_*, __NR_getppid) of the ABI the helper runs in.
GETPPID_ABI = {"x86_64": (0xC000003E, 110), "aarch64": (0xC00000B7, 173)}.get(os.uname().machine)


def _probe_box(rootfs, **kw):
    """A box with the static helper at /tmp/sysprobe (in a tmpfs) and getppid notified."""
    return libbox.Box(root=rootfs,
                      mounts=[libbox.Tmpfs("/tmp"), libbox.RoBind(SYSPROBE, "/tmp/sysprobe")],
                      seccomp_rules={"getppid": "notify"}, **kw)


def _notified_getppid(rootfs, **answer):
    """Run `sysprobe getppid` (as the box's program: sh itself calls getppid at startup),
    receive its getppid, answer it with `answer`; return what the helper printed."""
    with _probe_box(rootfs) as box:
        p = box.spawn(["/tmp/sysprobe", "getppid"], stdout=libbox.PIPE)
        fd = p.notify_fd
        assert isinstance(fd, int) and fd > 2
        n = p.receive_notification(timeout=10)
        assert isinstance(n, libbox.Notification)
        assert n.pid == p.pid  # the caller, as this process sees it
        if GETPPID_ABI is not None:
            assert (n.arch, n.nr) == GETPPID_ABI
        assert len(n.args) == 6
        # The helper waits for us: nothing printed yet.
        with selectors.DefaultSelector() as sel:
            sel.register(p.stdout, selectors.EVENT_READ)
            assert sel.select(0.2) == []
        p.respond(n, **answer)
        out, _ = p.communicate(timeout=10)
        assert p.status.exit_code == 0
        # Over: no more notifications, and the listener went with the box.
        assert p.receive_notification() is None
        assert p.notify_fd is None
        with pytest.raises(libbox.BoxError) as ei:
            p.respond(n)
        assert ei.value.errno == errno.ENOENT
    return out


@needs_sysprobe
def test_seccomp_notify(rootfs):
    before = _fds()
    # The supervisor makes the result up ...
    assert _notified_getppid(rootfs, value=4242) == b"4242\n"
    # ... fails the call ...
    assert _notified_getppid(rootfs, error=errno.EPERM) == b"-1\n"
    # ... or lets the kernel make it: pid 1 of a pid namespace has no parent in it.
    assert _notified_getppid(rootfs, continue_=True) == b"0\n"
    assert _fds() == before  # our copies of the listener and the pidfd are closed


@needs_sysprobe
def test_seccomp_notify_serve_loop(rootfs):
    """receive_notification in a thread until the box ends, while communicate reads it."""
    seen = []

    def serve(p):
        while (n := p.receive_notification()) is not None:
            seen.append(n.nr)
            p.respond(n, value=7)

    with _probe_box(rootfs) as box:
        p = box.spawn(["sh", "-c", "echo $PPID; /tmp/sysprobe getppid; /tmp/sysprobe getppid"],
                      stdout=libbox.PIPE)
        t = threading.Thread(target=serve, args=(p,))
        t.start()
        out, _ = p.communicate(timeout=20)
        t.join(10)
    assert not t.is_alive()
    assert out == b"7\n7\n7\n"
    assert len(seen) >= 3 and len(set(seen)) == 1


@needs_sysprobe
def test_seccomp_notify_timeout(rootfs):
    with _probe_box(rootfs) as box:
        p = box.spawn(["sleep", "0.5"])  # busybox sleep makes no getppid
        t0 = time.monotonic()
        assert p.receive_notification(0.2) is None
        assert time.monotonic() - t0 >= 0.19
        assert p.poll() is None  # a timeout, the box still runs
        # Without a timeout it returns once the box has ended.
        assert p.receive_notification() is None
        assert time.monotonic() - t0 < 5
        assert p.wait(10).exit_code == 0


@pytest.mark.parametrize("name", ["execve", "execveat", "write", "sendmsg", "rt_sigprocmask",
                                  "seccomp", "exit", "exit_group"])
def test_seccomp_notify_refused_for_startup_calls(name):
    with pytest.raises(libbox.BoxError) as ei:
        libbox.Box(seccomp_rules={name: "notify"})
    e = ei.value
    assert e.errno == errno.EINVAL and e.function == "box_seccomp_rule"
    assert f"{name} cannot notify" in e.message


def test_seccomp_notify_errors(rootfs):
    with pytest.raises(ValueError, match="notify"):
        libbox.Box(seccomp_default_action="notify")
    # With arguments too.
    libbox.Box(seccomp_rules=[("getppid", "notify", [(0, "==", 0)])]).close()
    # No rule notifies: no listener.
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sleep", "1"])
        assert p.notify_fd is None
        with pytest.raises(ValueError, match="no seccomp listener"):
            p.receive_notification(0)
        p.kill()
        p.wait(10)
    # A held box has none yet: its filter comes with start().
    with libbox.Box(root=rootfs, seccomp_rules={"getppid": "notify"}) as box:
        p = box.spawn(["true"], hold=True)
        assert p.notify_fd is None
        with pytest.raises(ValueError, match="held"):
            p.receive_notification(0)
    n = libbox.Notification(id=1, pid=1, flags=0, nr=0, arch=0, instruction_pointer=0,
                            args=(0,) * 6)
    for kw, exc in (({"value": 1, "continue_": True}, ValueError),
                    ({"error": 1, "continue_": True}, ValueError),
                    ({"error": 4096}, ValueError), ({"error": -1}, ValueError),
                    ({"value": 1 << 63}, ValueError), ({"value": "1"}, TypeError),
                    ({"continue_": 1}, TypeError)):
        with pytest.raises(exc):
            p.respond(n, **kw)
    with pytest.raises(TypeError):
        p.respond((1, 2, 3))


# --- hugetlb -----------------------------------------------------------------------------

def test_hugetlb_limit(rootfs):
    controllers = libbox.probe()["cgroup_controllers"].split()
    if "hugetlb" not in controllers:
        if ROOT:
            pytest.skip("no hugetlb controller here")
        with pytest.raises(libbox.BoxError) as ei:
            libbox.run(["true"], root=rootfs, limits={"hugetlb": "2M"})
        assert "hugetlb" in ei.value.message
        with libbox.Box(root=rootfs, limits={"hugetlb": "2M"}, best_effort=True) as box:
            p = box.spawn(["true"])
            ok, why = p.limit_status("hugetlb")
            assert not ok and "hugetlb" in why
            p.wait(10)
        return
    for value, expected in (("4M", 4 * MiB), (0, 0)):
        with libbox.Box(root=rootfs, limits={"hugetlb": value}) as box:
            p = box.spawn(["sleep", "30"])
            ok, where = p.limit_status("HugeTLB")
            assert ok, where
            assert re.search(r"/hugetlb\.[0-9]+[KMG]B\.(max|limit_in_bytes)$", where), where
            with open(where) as f:  # from the host, while the box runs
                assert int(f.read()) == expected
            p.kill()
            p.wait(10)


def test_hugetlb_limit_values():
    libbox.Box(limits={"hugetlb": 0}).close()
    libbox.Box(limits={"hugetlb": "1G"}).close()
    for bad, exc in (("-2M", ValueError), ("lots", ValueError), (None, TypeError)):
        with pytest.raises(exc):
            libbox.Box(limits={"hugetlb": bad})
    with libbox.Box() as box:
        with pytest.raises(libbox.BoxError) as ei:
            box.limit_status("hugetlb")  # a known name: the library answers (not spawned)
        assert ei.value.errno == errno.ESRCH


# --- the command line ----------------------------------------------------------------------

def _cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    return subprocess.run([sys.executable, "-m", "libbox", *args], env=env,
                          capture_output=True, timeout=30, **kw)


def test_cli_program_and_seccomp(rootfs, tmp_path):
    p = _cli("--root", rootfs, "--program", "/bin/busybox", "--", "echo", "hi")
    assert (p.returncode, p.stdout) == (0, b"hi\n"), p.stderr
    p = _cli("--root", rootfs, "--seccomp-rule", "uname=errno:1", "--", "uname", "-s")
    assert (p.returncode, p.stdout) == (0, b"\n"), p.stderr
    p = _cli("--root", rootfs, "--seccomp-rule", "uname=kill", "--", "uname", "-s")
    assert p.returncode == 128 + signal.SIGSYS and b"signaled" in p.stderr
    # An allow list of nothing: the exec is allowed, the program's first call kills it.
    p = _cli("--root", rootfs, "--seccomp-default-action", "kill", "--", "true")
    assert p.returncode == 128 + signal.SIGSYS
    p = _cli("--root", rootfs, "--seccomp-default-action", "log", "--", "echo", "logged")
    assert (p.returncode, p.stdout) == (0, b"logged\n")
    (tmp_path / "uname.bpf").write_bytes(_uname_filter())
    p = _cli("--root", rootfs, "--seccomp-bpf", str(tmp_path / "uname.bpf"), "--",
             "sh", "-c", UNAME_SCRIPT)
    assert (p.returncode, p.stdout) == (0, b"\nhello\n"), p.stderr
    (tmp_path / "short.bpf").write_bytes(b"\0" * 7)
    p = _cli("--root", rootfs, "--seccomp-bpf", str(tmp_path / "short.bpf"), "--", "true")
    assert p.returncode == 125 and b"seccomp_bpf is 7 bytes" in p.stderr


@pytest.mark.parametrize("args,message", [
    (["--seccomp-rule", "getppid=notify"], b"supervisor"),
    (["--seccomp-default-action", "notify"], b"supervisor"),
    (["--seccomp-rule", "uname"], b"NAME=ACTION"),
    (["--seccomp-rule", "uname=errno:x"], b"invalid errno"),
    (["--map-uid", "0:1"], b"expected INSIDE:OUTSIDE:COUNT"),
    (["--groups", "wheel"], b"expected GID[,GID...]"),
    (["--size", "1M"], b"--size applies to a mount"),
    (["--proc"], b"--proc"),
    (["--cgroup-backend", "v3"], b"--cgroup-backend"),
    (["--seccomp-bpf", "/nonexistent/prog.bpf"], b"--seccomp-bpf"),
])
def test_cli_usage_errors(args, message):
    p = _cli(*args, "--", "true")
    assert p.returncode == 2 and message in p.stderr, p.stderr


def test_cli_box_errors(rootfs):
    for args, message in ((["--seccomp-rule", "uname=deny"], b"seccomp action"),
                          (["--seccomp-default-action", "errno:0"], b"1..4095"),
                          (["--hugetlb", "lots"], b"invalid size")):
        p = _cli("--root", rootfs, *args, "--", "true")
        assert p.returncode == 125 and message in p.stderr, p.stderr


def test_cli_groups(rootfs):
    if not ROOT:
        p = _cli("--root", rootfs, "--groups", "0", "--", "true")
        assert p.returncode == 125 and b"set_groups" in p.stderr
        return
    if not _others_can_enter(rootfs):
        pytest.skip(f"{rootfs} is not open to other users")
    p = _cli("--root", rootfs, "--map-uid", "0:100000:65536", "--map-gid", "0:100000:65536",
             "--groups", "10,20", "--proc", "/proc", "--",
             "sh", "-c", "id -G; cat /proc/self/gid_map")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [b"0", b"10", b"20", b"0", b"100000", b"65536"]


def test_cli_cgroup_backend_and_hugetlb(rootfs):
    p = _cli("--root", rootfs, "--cgroup-backend", "auto", "--", "true")
    assert p.returncode == 0, p.stderr
    p = _cli("--root", rootfs, "--hugetlb", "2M", "--", "true")
    if "hugetlb" in libbox.probe()["cgroup_controllers"].split():
        assert p.returncode == 0, p.stderr
    else:
        assert p.returncode == 125 and b"hugetlb" in p.stderr
        p = _cli("--root", rootfs, "--hugetlb", "2M", "--best-effort", "--", "true")
        assert p.returncode == 0, p.stderr


# --- older libraries ---------------------------------------------------------------------

@pytest.mark.parametrize("fn,make", [
    ("box_seccomp_rule_args",
     lambda: libbox.Box(seccomp_rules=[("chmod", "kill", [(1, "==", 0)])])),
    ("box_seccomp_default_action", lambda: libbox.Box(seccomp_default_action="log")),
    ("box_set_program", lambda: libbox.Box(program="sh")),
    ("box_mkdir", lambda: libbox.Box(mounts=[libbox.Dir("/x", 0o700)])),
    ("box_chmod", lambda: libbox.Box(mounts=[("chmod", "/x", 0o700)])),
    ("box_set_cgroup_backend", lambda: libbox.Box(cgroup_backend="v2")),
    ("box_start", lambda: libbox.Box().spawn(["true"], hold=True)),
    ("box_set_groups", lambda: libbox.Box(groups=[10])),
    ("box_seccomp_load_bpf", lambda: libbox.Box(seccomp_bpf=b"\0" * 8)),
    ("box_seccomp_notify_fd", lambda: libbox.Box(seccomp_rules={"getppid": "notify"})),
])
def test_missing_symbol_is_not_implemented(monkeypatch, fn, make):
    """A libbox without the call (its _ffi name is None) raises NotImplementedError, before
    anything reaches C."""
    monkeypatch.setattr(libbox.ffi, fn, None)
    with pytest.raises(NotImplementedError, match=fn):
        make()


VETH_SCRIPT = r"""
import socket, sys, libbox
root = sys.argv[1]
box = libbox.Box(root=root, mounts=[libbox.Proc()],
                 veth=("vbox0", "10.79.0.1", "10.79.0.2", 24))
listener = socket.socket()
with box:
    p = box.spawn(["sh", "-c", "echo hi | nc 10.79.0.1 5556; ip addr show eth0; ip route"],
                  stdout=libbox.PIPE, hold=True)
    # held: the pair exists and our end has its address; listen before the box runs
    listener.bind(("10.79.0.1", 5556))
    listener.listen(1)
    listener.settimeout(5)
    p.start()
    conn, _ = listener.accept()
    got = conn.recv(16)
    conn.close()  # busybox nc waits for our end to close
    out, _ = p.communicate(timeout=10)
print(got.decode().strip(), "inet 10.79.0.2/24" in out.decode(),
      "default via 10.79.0.1 dev eth0" in out.decode())
"""


@pytest.mark.skipif(not ROOT or shutil.which("unshare") is None,
                    reason="a veth pair needs root (and unshare -n for a namespace of our own)")
def test_veth(rootfs):
    # In a network namespace of the test's own: nothing reaches the host's network.
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    r = subprocess.run(["unshare", "-n", sys.executable, "-c", VETH_SCRIPT, str(rootfs)],
                       env=env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == ["hi", "True", "True"]


def test_veth_arguments(rootfs):
    for bad, exc in ((("vbox0", "10.0.0.1"), TypeError), ("vbox0", TypeError),
                     (("vbox0", "10.0.0.1", "10.0.0.2", -1), ValueError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, veth=bad)
    # The library's own checks: two networks, a bad name.
    for bad in (("v0", "10.0.0.1", "10.0.1.2", 24), ("a/b", "10.0.0.1", "10.0.0.2", 24)):
        with pytest.raises(libbox.BoxError) as ei:
            libbox.Box(root=rootfs, veth=bad)
        assert ei.value.errno == errno.EINVAL
    if not ROOT:
        with pytest.raises(libbox.BoxError) as ei:
            libbox.run(["true"], root=rootfs, veth=("vbox0", "10.79.0.1", "10.79.0.2", 24))
        assert ei.value.errno == errno.EPERM and "CAP_NET_ADMIN" in ei.value.message


def test_time_offsets(rootfs):
    if not libbox.probe()["time_ns"]:
        pytest.skip("no time namespaces")
    names = ["user", "pid", "mount", "uts", "ipc", "net", "cgroup", "time"]
    r = libbox.run(["sh", "-c", "(cut -d' ' -f1 /proc/uptime; true)"], root=rootfs,
                   mounts=[libbox.Proc()], namespaces=names,
                   time_offsets={"boottime": 3000000, "monotonic": -1}, capture_output=True)
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    assert 3000000 <= float(r.stdout) <= host + 3000000 + 60
    with pytest.raises(libbox.BoxError) as ei:  # without the time namespace
        libbox.run(["true"], root=rootfs, time_offsets={"boottime": 5})
    assert ei.value.errno == errno.EINVAL and "BOX_NS_TIME" in ei.value.message
    for bad, exc in (({"realtime": 5}, ValueError), ({"boottime": 1.5}, TypeError),
                     ([("boottime", 5)], TypeError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, time_offsets=bad)


MKIMAGE = HERE.parent.parent.parent / "tests" / "mkimage.py"


@pytest.mark.skipif(libbox._ffi.box_set_image is None, reason="no image store in this libbox")
def test_image(rootfs):
    """image=: a box from an image of a store (the test image of tests/mkimage.py,
    imported through the C API), its config as defaults that keywords override."""
    top = tempfile.mkdtemp(prefix="libbox-image-")
    try:
        subprocess.run([sys.executable, str(MKIMAGE), rootfs, top + "/in"], check=True)
        handle = libbox._ffi.box_store_p()
        store = top + "/store"
        assert libbox._ffi.box_store_open(ctypes.byref(handle), store.encode(),
                                          libbox._ffi.BOX_STORE_CREATE) == 0
        try:
            assert libbox._ffi.box_image_import(handle, (top + "/in/oci.tar").encode(),
                                                None) == 0, \
                libbox._ffi.box_store_errmsg(handle)
        finally:
            libbox._ffi.box_store_close(handle)
        # The Entrypoint is sh -c: the argument is the script.
        r = libbox.run(['echo "$FOO"; pwd; ls /opq'], image="libbox/ocitar:1", store=store,
                       capture_output=True)
        assert r.stdout == b"bar from image\n/work/dir\nb\n"
        r = libbox.run(['echo "$FOO"; pwd'], image="libbox/ocitar:1", store=store,
                       env={"FOO": "mine"}, cwd="/opq", capture_output=True)
        assert r.stdout == b"mine\n/opq\n"
        box = libbox.Box(image="libbox/ocitar:1", store=store)
        p = box.spawn([], stdout=libbox.PIPE)
        assert p.communicate(timeout=20)[0] == b"default cmd\n/work/dir\n"
        box.close()
        with pytest.raises(libbox.BoxError) as e:
            libbox.Box(image="libbox/none", store=store)
        assert e.value.errno == errno.ENOENT
        with pytest.raises(ValueError):
            libbox.Box(image="libbox/ocitar:1", store=store, root=rootfs)
    finally:
        subprocess.run(["rm", "-rf", top], check=True)


@pytest.fixture
def images(rootfs):
    """tests/mkimage.py's inputs (OCI layout, oci-archive, docker-archive) in a fresh dir."""
    top = tempfile.mkdtemp(prefix="libbox-image-")
    try:
        subprocess.run([sys.executable, str(MKIMAGE), rootfs, top + "/in"], check=True,
                       stdout=subprocess.DEVNULL)
        yield top
    finally:
        subprocess.run(["rm", "-rf", top], check=True)


@pytest.mark.skipif(libbox._ffi.box_store_open is None, reason="no image store in this libbox")
def test_store_import_run_commit_remove(images):
    """Store: import the three forms, list and inspect, run from a Store object, commit a
    box's writable layer as a new image and run that; remove and gc leave the store as it
    was made."""
    with libbox.Store(images + "/store", create=True) as st:
        assert st.path == images + "/store" and repr(st) == f"<libbox.Store {st.path}>"
        empty = _tree(st.path)
        assert st.images() == {}
        st.import_(images + "/in/oci")                       # its own name: libbox/test:1
        st.import_(images + "/in/oci.tar", "libbox/ocitar:1")
        st.import_(Path(images) / "in" / "docker.tar")       # libbox/docker:1
        listed = st.images()
        assert set(listed) == {"libbox/test:1", "libbox/ocitar:1", "libbox/docker:1"}
        assert listed["libbox/test:1"] == listed["libbox/ocitar:1"]  # the same image
        info = st.inspect("libbox/test:1")
        assert info["id"] == listed["libbox/test:1"]
        assert info["config"]["config"]["WorkingDir"] == "/work/dir", info
        assert st.inspect("libbox/docker:1")["config"]["config"]["Labels"] == {"from": "docker-archive"}
        # Run from the Store object; its StopSignal is the box's stop_signal.
        with libbox.Box(image="libbox/test:1", store=st) as box:
            assert box.stop_signal == signal.SIGUSR1
            p = box.spawn(["cat /hello-link; ls /opq"], stdout=libbox.PIPE)
            assert p.communicate(timeout=20)[0] == b"#!/bin/sh\necho hello from layer 2\nb\n"
        # A box made with commit=True: its writable layer becomes an image.
        box = libbox.Box(image="libbox/test:1", store=st, commit=True)
        try:
            p = box.spawn(["echo committed > /work/new; rm /hello"])
            assert p.wait(timeout=20).returncode == 0
            st.commit(p, "libbox/committed:2")
            st.remove("libbox/ocitar:1")  # another tag of the pinned image: only the tag
            with pytest.raises(libbox.BoxError) as ei:  # the box pins its image
                st.remove("libbox/test:1")
            assert ei.value.errno == errno.EBUSY and ei.value.function == "box_image_remove"
        finally:
            box.close()
        assert "libbox/committed:2" in st.images()
        r = libbox.run(["cat /work/new; ls /hello; ls /hello-link"], image="libbox/committed:2",
                       store=st, capture_output=True)
        assert r.stdout == b"committed\n/hello-link\n" and b"/hello" in r.stderr, r
        for name in ("libbox/committed:2", "libbox/test:1", "libbox/docker:1"):
            st.remove(name)
        st.gc()
        assert st.images() == {}
        # No layer, blob or box layer left; the index (made by the first import) is empty.
        assert _tree(st.path) - {("index.json", stat.S_IFREG)} == empty
    with pytest.raises(ValueError):
        st.images()  # closed


@pytest.mark.skipif(libbox._ffi.box_store_open is None, reason="no image store in this libbox")
def test_store_errors(images, rootfs):
    with pytest.raises(ValueError):
        libbox.Store("relative/store")
    with pytest.raises(TypeError):
        libbox.Store(images + "/s", create=1)
    with pytest.raises(FileNotFoundError) as ei:  # a BoxError too
        libbox.Store(images + "/missing")
    assert isinstance(ei.value, libbox.BoxError) and ei.value.function == "box_store_open"
    st = libbox.Store(images + "/store", create=True)
    with pytest.raises(FileNotFoundError) as ei:
        st.import_(images + "/nothing-here")
    assert "nothing-here" in ei.value.message == st.errmsg()
    with pytest.raises(libbox.BoxError) as ei:
        st.import_(images + "/in/oci", "Bad Name")
    assert ei.value.errno == errno.EINVAL and "reference" in ei.value.message
    with pytest.raises(libbox.BoxError) as ei:  # a digest mismatch
        st.import_(images + "/in/hostile/diff-id-lie")
    assert ei.value.errno == errno.EBADMSG
    assert st.images() == {}  # failed imports leave nothing
    with pytest.raises(FileNotFoundError):
        st.inspect("libbox/none")
    with pytest.raises(FileNotFoundError):
        st.remove("libbox/none")
    for bad, exc in ((5, TypeError), (b"libbox/test", TypeError), ("", ValueError)):
        with pytest.raises(exc):
            st.inspect(bad)
    st.import_(images + "/in/oci")
    with libbox.Box(image="libbox/test:1", store=st) as box:  # without commit=True
        box.spawn(["true"]).wait(timeout=20)
        with pytest.raises(libbox.BoxError) as ei:
            st.commit(box, "libbox/x:1")
        assert ei.value.errno == errno.EINVAL and ei.value.function == "box_image_commit"
    with pytest.raises(TypeError):
        st.commit("box", "libbox/x:1")
    with pytest.raises(ValueError):
        libbox.Box(root=rootfs, commit=True)  # commit is for image=
    with pytest.raises(TypeError):
        libbox.Box(image="libbox/test:1", store=st, commit="yes")
    with libbox.Box() as plain:
        assert plain.stop_signal == signal.SIGTERM
    st.remove("libbox/test:1")
    st.gc()
    st.close()
    st.close()  # twice is fine
    with pytest.raises(ValueError):
        libbox.Box(image="libbox/test:1", store=st)  # closed


def _userxattr_ok():
    """Overlay with a user namespace needs userxattr (Linux 5.11; ephemeral: 6.6)."""
    return tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2]) >= (6, 6)


@pytest.mark.skipif(libbox._ffi.box_set_root_overlay is None, reason="no overlays here")
def test_root_overlay(rootfs, tmp_path):
    """overlay=: the rootfs as the lower layer; writes and deletions land in upper (a
    whiteout), the lower stays as it was; ro=True refuses writes; a list of lowers is an
    ephemeral upper that leaves nothing."""
    if not ROOT and not _userxattr_ok():
        pytest.skip("rootless overlays need Linux 6.6 here")
    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    ov = libbox.Overlay([rootfs], upper=upper, work=work)
    r = libbox.run(["sh", "-c", "echo hi > /new; rm /etc/group; cat /new; ls /etc/group"],
                   overlay=ov, mounts=[libbox.Proc(), libbox.Dev()], capture_output=True,
                   timeout=20)
    assert r.stdout == b"hi\n" and b"/etc/group" in r.stderr, r
    assert (upper / "new").read_bytes() == b"hi\n"
    g = os.lstat(upper / "etc" / "group")  # the whiteout: a 0:0 character device
    assert stat.S_ISCHR(g.st_mode) and g.st_rdev == 0
    assert os.path.exists(os.path.join(rootfs, "etc", "group"))
    r = libbox.run(["sh", "-c", "cat /new; echo x > /other"], capture_output=True, timeout=20,
                   overlay=libbox.Overlay([rootfs], upper=upper, work=work, ro=True))
    assert r.stdout == b"hi\n" and b"Read-only" in r.stderr and r.returncode != 0, r
    r = libbox.run(["sh", "-c", "echo e > /eph; cat /eph"], overlay=[rootfs],
                   capture_output=True, timeout=20)
    assert r.stdout == b"e\n", r
    assert not os.path.exists(os.path.join(rootfs, "eph"))


@pytest.mark.skipif(libbox._ffi.box_mount_overlay is None, reason="no overlays here")
def test_mount_overlay(rootfs, tmp_path):
    """Overlay(...) in mounts: two lowers (lowers[-1] on top), changes in upper."""
    if not ROOT and not _userxattr_ok():
        pytest.skip("rootless overlays need Linux 6.6 here")
    for d in ("low1", "low2", "upper", "work"):
        (tmp_path / d).mkdir()
    (tmp_path / "low1" / "x").write_text("bottom\n")
    (tmp_path / "low1" / "only1").write_text("1\n")
    (tmp_path / "low2" / "x").write_text("top\n")
    os.chmod(tmp_path, 0o755)
    mounts = [libbox.Tmpfs("/tmp"),
              libbox.Overlay([tmp_path / "low1", tmp_path / "low2"], "/tmp/ov",
                             tmp_path / "upper", tmp_path / "work")]
    r = sh(rootfs, "cat /tmp/ov/x /tmp/ov/only1; echo w > /tmp/ov/w; grep ' /tmp/ov ' "
           "/proc/mounts", mounts=[libbox.Proc(), *mounts])
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("top\n1\n") and " overlay " in out, out
    assert (tmp_path / "upper" / "w").read_text() == "w\n"
    assert sorted(os.listdir(tmp_path / "low1")) == ["only1", "x"]
    # The tuple form, read-only through the dataclass.
    r = sh(rootfs, "cat /tmp/ov/w; echo no > /tmp/ov/w", mounts=[
        libbox.Tmpfs("/tmp"), libbox.Overlay([tmp_path / "low1"], "/tmp/ov", ro=True)])
    assert r.returncode != 0 and b"Read-only" in r.stderr, r
    r = sh(rootfs, "cat /tmp/ov/w", mounts=[
        ("tmpfs", "/tmp"), ("overlay", "/tmp/ov", [str(tmp_path / "low1")],
                            str(tmp_path / "upper"), str(tmp_path / "work"))])
    assert r.stdout == b"w\n", r


def test_overlay_argument_errors(rootfs, tmp_path):
    up, wk = tmp_path / "u", tmp_path / "w"
    for bad, exc in ((libbox.Overlay([]), ValueError),
                     (libbox.Overlay(["relative"]), ValueError),
                     (libbox.Overlay([rootfs], upper=up), ValueError),
                     (libbox.Overlay([rootfs], upper=up, work=up), ValueError),
                     (libbox.Overlay([rootfs], target="/x"), ValueError),
                     (libbox.Overlay([rootfs], noexec=True), ValueError),
                     (libbox.Overlay([rootfs] * 501), ValueError),
                     (libbox.Overlay([rootfs], ro=1), TypeError),
                     (libbox.Overlay(5), TypeError), (5, TypeError), ({}, TypeError)):
        with pytest.raises(exc):
            libbox.Box(overlay=bad)
    with pytest.raises(ValueError):
        libbox.Box(root=rootfs, overlay=[rootfs])
    with pytest.raises(ValueError):  # a mount needs its target
        libbox.Box(root=rootfs, mounts=[libbox.Overlay([rootfs])])
    with pytest.raises(FileNotFoundError):  # the library's check
        libbox.Box(overlay=[str(tmp_path / "missing")])


@pytest.mark.skipif(libbox._ffi.box_set_sysctl is None, reason="no box_set_sysctl")
def test_sysctl(rootfs):
    """sysctl=: written in the box's own namespaces, read back inside; the host keeps its
    values."""
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_forward = f.read()
    want = "0" if host_forward.strip() == "1" else "1"
    r = sh(rootfs, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni "
           "/proc/sys/net/ipv4/conf/lo/forwarding",
           sysctl={"net.ipv4.ip_forward": int(want), "kernel.shmmni": "1000",
                   "net/ipv4/conf/lo/forwarding": want})
    assert r.stdout.decode().split() == [want, "1000", want], r
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host_forward
    with pytest.raises(libbox.BoxError) as ei:  # not a namespace's: the host's
        libbox.Box(root=rootfs, sysctl={"kernel.panic": "1"})
    assert ei.value.errno == errno.EPERM and ei.value.function == "box_set_sysctl"
    with pytest.raises(libbox.BoxError) as ei:  # no network namespace of its own
        sh(rootfs, "true", namespaces=["user", "pid", "mnt", "ipc", "uts"],
           sysctl={"net.ipv4.ip_forward": "1"})
    assert ei.value.errno == errno.EINVAL
    with pytest.raises(libbox.BoxError) as ei:  # the kernel refuses the value
        sh(rootfs, "true", sysctl={"net.ipv4.ip_forward": "banana"})
    assert ei.value.step == "sysctl" and "banana" in ei.value.message, ei.value.message
    for bad, exc in ((["net.ipv4.ip_forward"], TypeError), ({1: "1"}, TypeError),
                     ({"net.ipv4.ip_forward": True}, TypeError),
                     ({"net.ipv4.ip_forward": 1.0}, TypeError),
                     ({"net..ipv4": "1"}, ValueError), ({"net.ipv4.ip_forward": "x" * 1025},
                                                        ValueError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, sysctl=bad)


def _cgroup_of(pid, controller="pids"):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(",") or (ctrls == "" and controller == ""):
                return path
    return None


@pytest.mark.skipif(libbox._ffi.box_cgroup_pool_new is None, reason="no cgroup pools")
def test_cgroup_pool(rootfs):
    """cgroup_pool=: the second box of the pool runs in the first one's cgroup, and its
    status carries none of the first one's counters (pids limit hits, cpu time)."""
    with libbox.CgroupPool(2) as pool:
        assert pool.idle == 0 and pool.max_idle == 2
        seen = []
        statuses = []
        burn = ("read x; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; "
                "for n in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done 2>/dev/null; exit 0")
        for script in (burn, "read x; exit 0"):
            with libbox.Box(root=rootfs, limits={"pids": 4}, cgroup_pool=pool,
                            mounts=[libbox.Proc(), libbox.Dev()]) as box:
                try:
                    p = box.spawn(["sh", "-c", script], stdin=libbox.PIPE)
                except libbox.BoxError as e:
                    assert not ROOT and "cgroup" in e.message
                    pytest.skip(f"no box cgroup here: {e.message}")
                seen.append(_cgroup_of(p.pid) or _cgroup_of(p.pid, ""))
                p.stdin.write(b"go\n")
                p.stdin.close()
                statuses.append(p.wait(timeout=60))
            assert pool.idle == 1
        first, second = statuses
        assert seen[0] == seen[1] and seen[0] not in (None, "/"), seen
        assert first.pids_limit_hits > 0 and second.pids_limit_hits == 0, statuses
        assert first.cpu > 0.05 and second.cpu < first.cpu / 2, statuses
        assert pool.trim(0) == 1 and pool.idle == 0
        if ROOT and os.path.isdir("/sys/fs/cgroup/pids"):
            assert not os.path.exists("/sys/fs/cgroup/pids" + seen[0])
    with pytest.raises(ValueError):
        pool.idle  # closed
    with pytest.raises(ValueError):
        libbox.Box(root=rootfs, cgroup_pool=pool)
    for bad, exc in ((0, ValueError), (65537, ValueError), ("2", TypeError), (True, TypeError)):
        with pytest.raises(exc):
            libbox.CgroupPool(bad)
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs, cgroup_pool=3)


@pytest.fixture
def foreign_userns():
    """An fd of a user namespace made by `unshare -U` (owned by this user)."""
    p = subprocess.Popen(["unshare", "-U", "sleep", "60"])
    try:
        mine = os.readlink("/proc/self/ns/user")
        for _ in range(200):
            if os.readlink(f"/proc/{p.pid}/ns/user") != mine:
                break
            time.sleep(0.01)
        fd = os.open(f"/proc/{p.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        try:
            yield fd, os.readlink(f"/proc/{p.pid}/ns/user")
        finally:
            os.close(fd)
    finally:
        p.kill()
        p.wait()


@pytest.mark.skipif(libbox._ffi.box_switch_user_namespace is None, reason="no switch_userns")
def test_switch_userns(rootfs, foreign_userns, tmp_path):
    fd, name = foreign_userns
    if ROOT:  # a box without a user namespace of its own: root's may enter that one
        r = sh(rootfs, "readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u",
               namespaces=["pid", "mnt", "uts", "ipc", "net"], switch_userns=fd)
        assert r.stdout.decode().split() == [name, "65534"], r
    # A box with its own user namespace: that one is not below it (the kernel says EPERM:
    # the box's root has no CAP_SYS_ADMIN in a namespace it did not make).
    with pytest.raises(libbox.BoxError) as ei:
        sh(rootfs, "true", switch_userns=fd)
    assert ei.value.errno in (errno.EINVAL, errno.EPERM), ei.value
    assert ei.value.step == "switch-userns", ei.value
    (tmp_path / "f").write_text("")
    with open(tmp_path / "f") as f:
        with pytest.raises(libbox.BoxError) as ei:  # not a user namespace
            libbox.Box(root=rootfs, switch_userns=f.fileno())
    assert ei.value.errno == errno.EINVAL
    for bad, exc in (("3", TypeError), (-1, ValueError), (True, TypeError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, switch_userns=bad)


@pytest.mark.skipif(libbox._ffi.box_device_rule is None, reason="no device rules")
def test_device_rules(rootfs):
    """devices=: deny everything, allow /dev/null; /dev/zero then cannot be opened.
    Rootless the rules cannot be applied and the spawn fails instead of running without."""
    rules = [("deny", "a"), ("allow", "c", 1, 3, "rw")]
    if not ROOT:
        with pytest.raises(libbox.BoxError) as ei:
            sh(rootfs, "true", devices=rules)
        assert ei.value.errno in (errno.EPERM, errno.EACCES)
    else:
        r = sh(rootfs, "echo x > /dev/null && echo null-ok; head -c1 /dev/zero || echo no-zero",
               devices=rules)
        assert r.stdout == b"null-ok\nno-zero\n", r
    for bad, exc in (("deny a", TypeError), ([("deny",)], TypeError),
                     ([("maybe", "a")], ValueError), ([("deny", "x")], ValueError),
                     ([("allow", "c", 1, 3, "rq")], ValueError),
                     ([("allow", "c", 4096, 0)], ValueError),
                     ([("allow", "c", 1, "3")], TypeError),
                     ([("deny", "a", 1, 3, "rw")], ValueError),
                     ([("deny", "a")] * 257, ValueError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, devices=bad)


@pytest.mark.skipif(libbox._ffi.box_proc_release is None, reason="no box_proc_release")
def test_exec_release(rootfs):
    """ExecProcess.release(): the process keeps running as our child; waitpid reaps it."""
    with libbox.Box(root=rootfs, mounts=[libbox.Proc(), libbox.Dev()], init=True) as box:
        p = box.spawn(["sleep", "60"])
        e = p.exec(["sleep", "61"])
        pid = e.release()
        assert pid == e.pid
        os.kill(pid, 0)  # still there
        with pytest.raises(ValueError):
            e.release()
        e.close()  # nothing left to free: it keeps running
        os.kill(pid, 0)
        os.kill(pid, signal.SIGKILL)
        got, status = os.waitpid(pid, 0)
        assert got == pid and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        e2 = p.exec(["true"])
        e2.wait(timeout=20)
        with pytest.raises(ValueError):  # reaped
            e2.release()
        e2.close()
        p.kill()
        p.wait(timeout=20)


BRIDGE_SCRIPT = r"""
import os, shutil, socket, sys, tempfile, time, libbox
root = sys.argv[1]
run_dir = os.environ["LIBBOX_RUN_DIR"] = tempfile.mkdtemp()
os.system("ip link set lo up")
# a tmpfs on /etc: the name files' mount points are made there, not in the shared rootfs
mounts = [libbox.Proc(), ("tmpfs", "/etc")]
net = {"bridge": "pyb0", "subnet4": "10.91.0.0/24", "subnet6": ""}
server = libbox.Box(root=root, mounts=mounts, hostname="srv", net=net, publish=["18380:8080"])
with server:
    p = server.spawn(["sh", "-c", "echo hi | nc -l -p 8080"], stdout=libbox.PIPE)
    addr, no6 = server.address(), server.address(socket.AF_INET6)
    # another box on the bridge finds the server by name in its /etc/hosts
    hosts = libbox.run(["cat", "/etc/hosts"], root=root, mounts=mounts, net=net,
                       stdout=libbox.PIPE).stdout.decode()
    # the caller reaches the published port at the bridge's address
    got = b""
    for attempt in range(50):
        try:
            c = socket.create_connection(("10.91.0.1", 18380), timeout=1)
            got = c.recv(16)
            c.close()
            break
        except OSError:
            time.sleep(0.1)
    p.wait(timeout=10)
libbox.Box(root=root, mounts=mounts, hostname="cli", net="bridge=pyb0").close()
print(addr, no6, got.decode().strip(), "10.91.0.2\tsrv" in hosts)
shutil.rmtree(run_dir)
"""


@pytest.mark.skipif(not ROOT or shutil.which("unshare") is None,
                    reason="a bridge needs CAP_NET_ADMIN (root, with unshare -n for a "
                           "namespace of our own)")
def test_net_bridge_publish(rootfs):
    # In a network namespace of the test's own: nothing reaches the host's network.
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    r = subprocess.run(["unshare", "-n", sys.executable, "-c", BRIDGE_SCRIPT, str(rootfs)],
                       env=env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == ["10.91.0.2", "None", "hi", "True"]


def test_net_arguments(rootfs):
    for bad, exc in (("bridges", ValueError), (42, TypeError), ({"bridge": "b", "x": 1}, ValueError),
                     ({"nat": "yes"}, TypeError)):
        with pytest.raises(exc):
            libbox.Box(root=rootfs, net=bad)
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs, net="bridge", publish="8080:80")
    # the library's own checks name what is wrong
    for net, publish, text in (({"bridge": "a-very-long-bridge"}, None, "too long"),
                               ({"subnet4": "10.0.0.1/24"}, None, "bad IPv4 subnet"),
                               ("bridge", ["80"], "bad port '80'")):
        with pytest.raises(libbox.BoxError) as ei:
            libbox.Box(root=rootfs, net=net, publish=publish)
        assert ei.value.errno == errno.EINVAL and text in ei.value.message
    with pytest.raises(libbox.BoxError) as ei:
        libbox.run(["true"], root=rootfs, publish=["8080:80"])
    assert ei.value.errno == errno.EINVAL and "needs box_net_bridge" in ei.value.message


# --- a running box: exec, pause, update, pids --------------------------------------------

def test_exec_into_running_box(rootfs):
    with libbox.Box(root=rootfs, hostname="inner", mounts=[libbox.Proc()]) as box:
        p = box.spawn(["sleep", "60"])
        with p.exec(["sh", "-c", "hostname; echo $(tr '\\0' ' ' </proc/1/cmdline); echo $A; pwd"],
                    cwd="/proc", env={"A": "from-exec", "PATH": "/bin:/usr/bin"},
                    stdout=libbox.PIPE) as e:
            out = e.stdout.read().decode().split("\n")
            st = e.wait(10)
        assert out[:4] == ["inner", "sleep 60", "from-exec", "/proc"]
        assert st.end == "exited" and st.returncode == 0 and e.returncode == 0
        # Exit codes and signals are the exec'd program's own; the box runs on.
        assert p.exec(["sh", "-c", "exit 7"]).wait(10).returncode == 7
        e = p.exec(["sleep", "60"])
        assert e.poll() is None
        with pytest.raises(libbox.TimeoutExpired):
            e.wait(0.05)
        e.kill()
        assert e.wait(10).returncode == -signal.SIGKILL
        assert p.poll() is None
        # An exec still running when the box is closed is killed and freed first.
        left = p.exec(["sleep", "60"])
        with pytest.raises(FileNotFoundError):
            p.exec(["no-such-program"])
    assert left.status is None and left._proc is None


def _read_tty(fd, marker=None, limit=20.0):
    """The master's output until marker shows up or the terminal closes (EIO)."""
    out, end = b"", time.monotonic() + limit
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        while (marker is None or marker not in out) and time.monotonic() < end:
            if not sel.select(end - time.monotonic()):
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the box's last holder of the slave is gone
                break
            if not chunk:
                break
            out += chunk
    finally:
        sel.close()
    return out


def test_tty(rootfs):
    """Box(tty=...): a pty of the box's devpts as the program's terminal; resize."""
    with libbox.Box(root=rootfs, mounts=[libbox.Proc(), libbox.Dev()], tty=(30, 100)) as box:
        with pytest.raises(ValueError):
            box.spawn(["true"], stdout=libbox.PIPE)
        p = box.spawn(["sh", "-c", "tty; stty size; trap 'echo winch $(stty size)' WINCH; "
                                   "echo ready; while :; do sleep 0.1; done"])
        assert p.tty_fd is not None
        out = _read_tty(p.tty_fd, b"ready")
        assert b"/dev/pts/0\r\n" in out and b"30 100\r\n" in out
        p.resize(40, 120)
        assert b"winch 40 120" in _read_tty(p.tty_fd, b"winch 40 120")
        # An exec with a terminal of its own.
        with p.exec(["sh", "-c", "tty; stty size"], tty=(5, 6)) as e:
            e.wait(10)
            out = _read_tty(e.tty_fd)
        assert b"/dev/pts/1\r\n" in out and b"5 6\r\n" in out
        with pytest.raises(ValueError):
            p.exec(["true"], tty=True, stdout=libbox.PIPE)
        p.kill()
        p.wait(10)
    with libbox.Box(root=rootfs) as box:
        assert box.spawn(["true"]).tty_fd is None


def test_join_namespaces(rootfs):
    """Box(join=...): a second box in the first one's uts, ipc and net namespaces (and its
    user namespace, which rootless needs to enter them)."""
    with libbox.Box(root=rootfs, hostname="podhost", mounts=[libbox.Proc()]) as a:
        pa = a.spawn(["sleep", "60"])
        ns = {n: f"/proc/{pa.pid}/ns/{n}" for n in ("user", "uts", "ipc", "net")}
        fd = os.open(ns["ipc"], os.O_RDONLY | os.O_CLOEXEC)
        try:
            join = {"user": ns["user"], "uts": ns["uts"], "ipc": fd, "net": ns["net"]}
            with libbox.Box(root=rootfs, mounts=[libbox.Proc()], join=join) as b:
                p = b.spawn(["sh", "-c", "hostname; readlink /proc/self/ns/net"],
                            stdout=libbox.PIPE)
                out = p.stdout.read().decode()
                p.wait(10)
        finally:
            os.close(fd)
        assert out.split("\n")[0] == "podhost"
        assert f"net:[{os.stat(ns['net']).st_ino}]" in out
        with pytest.raises(ValueError):
            libbox.Box(join={"nosuch": "/x"})
        with pytest.raises(ValueError):
            libbox.Box(join={"net": "relative"})
        with libbox.Box(root=rootfs, join={"user": ns["user"]}, uid_map=[(0, 1000, 1)]) as b:
            with pytest.raises(libbox.BoxError) as ei:
                b.spawn(["true"])
            assert ei.value.errno == errno.EINVAL and ns["user"] in str(ei.value)
        pa.kill()
        pa.wait(10)


def test_exec_argument_errors(rootfs):
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["sleep", "60"])
        with pytest.raises(ValueError):
            p.exec([])
        with pytest.raises(ValueError):
            p.exec(["true"], cwd="relative")
        p.kill()
        p.wait(10)
        with pytest.raises(ProcessLookupError):
            p.exec(["true"])
        with pytest.raises(ProcessLookupError):
            p.pause()


def test_pause_update_pids(rootfs):
    """Needs a box cgroup (a pids limit): rootless on a cgroup v1 host there is none."""
    with libbox.Box(root=rootfs, limits={"pids": 16},
                    mounts=[libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/tmp")]) as box:
        try:
            p = box.spawn(["sh", "-c", "sleep 60 & while :; do echo x >> /tmp/c; done"])
        except libbox.BoxError as e:
            assert not ROOT and "cgroup" in e.message
            pytest.skip(f"no box cgroup here: {e.message}")
        counter = f"/proc/{p.pid}/root/tmp/c"

        def size():
            try:
                return os.path.getsize(counter)
            except FileNotFoundError:  # not written yet
                return 0

        def size_grows(timeout):
            start, end = size(), time.monotonic() + timeout
            while time.monotonic() < end:
                if size() > start:
                    return True
                time.sleep(0.02)
            return False

        assert size_grows(10)
        pids = p.pids()
        assert p.pid in pids and len(pids) >= 2  # sh, sleep (and the loop's echo)
        p.pause()
        assert not size_grows(0.3)  # frozen: the loop writes nothing
        p.resume()
        assert size_grows(10)
        p.update(pids=2)
        e = p.exec(["sh", "-c", "true & wait"], stderr=libbox.DEVNULL)
        assert e.wait(10).returncode != 0  # the fork was refused at the new limit
        p.update(pids=32)
        assert p.exec(["sh", "-c", "true & wait"]).wait(10).returncode == 0
        with pytest.raises(ValueError):
            p.update(bogus=1)


# --- detached boxes (box_open(3)) ----------------------------------------------------------

def _detached(rootfs, sd, id, **kw):
    return libbox.Box(root=rootfs, mounts=[libbox.Proc()], detach=True, id=id, state_dir=sd,
                      **kw)


def test_detach_outlives_its_process(rootfs, tmp_path):
    """A process makes a detached box and exits; this one finds it, sees it run, destroys
    it; nothing of it is left."""
    sd = str(tmp_path / "state")
    code = (f"import sys; sys.path.insert(0, {str(HERE.parent)!r}); import libbox\n"
            f"b = libbox.Box(root={rootfs!r}, mounts=[libbox.Proc()], detach=True, "
            f"id='py-1', state_dir={sd!r}, label='hello')\n"
            "p = b.spawn(['sleep', '600'], stdin=libbox.DEVNULL, stdout=libbox.DEVNULL, "
            "stderr=libbox.DEVNULL)\n"
            "print(p.pid)\n"
            "b.close()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout)
    os.kill(pid, 0)  # it runs on
    assert libbox.list_boxes(sd) == ["py-1"]
    box = libbox.Box.open("py-1", sd)
    assert (box.id, box.label, box.phase, box.process.pid) == ("py-1", "hello", "running", pid)
    with pytest.raises(libbox.TimeoutExpired):
        box.process.wait(timeout=0.05)
    st = box.destroy()
    assert st.end == "killed"
    assert box.phase == "stopped"
    box.close()
    assert libbox.list_boxes(sd) == []
    with pytest.raises(libbox.BoxError) as e:
        libbox.Box.open("py-1", sd)
    assert e.value.errno == errno.ENOENT


def test_detach_held_started_by_another_box_t(rootfs, tmp_path):
    """close() leaves a held detached box waiting; Box.open starts it and gets its status."""
    sd = str(tmp_path / "state")
    box = _detached(rootfs, sd, "py-2")
    p = box.spawn(["sh", "-c", "exit 4"], hold=True, stdin=libbox.DEVNULL,
                  stdout=libbox.DEVNULL, stderr=libbox.DEVNULL)
    assert p.held and box.phase == "created"
    box.close()
    other = libbox.Box.open("py-2", sd)
    assert other.phase == "created" and other.process.held
    other.process.start()
    assert other.process.wait(timeout=20).returncode == 4
    assert other.destroy().returncode == 4  # ended already: its own status
    other.close()
    assert libbox.list_boxes(sd) == []


def test_detach_wait_in_the_creator(rootfs, tmp_path):
    sd = str(tmp_path / "state")
    with _detached(rootfs, sd, "py-3") as box:
        p = box.spawn(["sh", "-c", "exit 9"], stdin=libbox.DEVNULL, stdout=libbox.DEVNULL)
        assert p.wait(timeout=20).returncode == 9
        assert box.phase == "stopped"
        box.destroy()


def test_detach_arguments(rootfs, tmp_path):
    with pytest.raises(ValueError):
        libbox.Box(root=rootfs, detach=True)  # no id
    for bad in ("", ".x", "-x", "a/b", "a b", "x" * 129):
        with pytest.raises(ValueError):
            libbox.Box(root=rootfs, detach=True, id=bad)
    with pytest.raises(TypeError):
        libbox.Box(root=rootfs, detach=1, id="a")
    with pytest.raises(ValueError):
        libbox.Box(root=rootfs, detach=True, id="a", state_dir="relative")
    with pytest.raises(ValueError):
        libbox.Box.open("../etc", str(tmp_path))
    with pytest.raises(libbox.BoxError) as e:
        libbox.Box.open("missing", str(tmp_path))
    assert e.value.errno == errno.ENOENT and "missing" in str(e.value)
    assert libbox.list_boxes(str(tmp_path / "nonexistent")) == []
    # the same id twice in one state directory
    sd = str(tmp_path / "state")
    with _detached(rootfs, sd, "twice") as a, _detached(rootfs, sd, "twice") as b:
        a.spawn(["sleep", "60"], stdin=libbox.DEVNULL, stdout=libbox.DEVNULL)
        with pytest.raises(libbox.BoxError) as e:
            b.spawn(["true"], stdin=libbox.DEVNULL, stdout=libbox.DEVNULL)
        assert e.value.errno == errno.EEXIST
        a.destroy()


def test_ns_id(rootfs):
    # Box(ns_ids=True): Process.ns_id is the namespace the box saw from inside, inode and
    # device, still there after the program has exited; without the option ENOENT.
    with libbox.Box(root=rootfs, mounts=[libbox.Proc()], ns_ids=True) as box:
        p = box.spawn(["stat", "-L", "-c", "%i %d", "/proc/self/ns/net", "/proc/self/ns/mnt"],
                      stdout=libbox.PIPE)
        out = p.stdout.read().decode().split("\n")
        assert p.wait(10).exit_code == 0
        assert out[0] == "%d %d" % p.ns_id("net")
        assert out[1] == "%d %d" % p.ns_id("mnt")
        assert p.ns_id("net")[0] != os.stat("/proc/self/ns/net").st_ino
        with pytest.raises(ValueError):
            p.ns_id("nosuch")
    with libbox.Box(root=rootfs) as box:
        p = box.spawn(["true"])
        p.wait(10)
        with pytest.raises(libbox.BoxError) as e:
            p.ns_id("net")
        assert e.value.errno == errno.ENOENT
