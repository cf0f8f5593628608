"""Tests for the libbox Python binding. They spawn real boxes in a busybox root filesystem
(built once per session with tests/mkrootfs.sh, or taken from $LIBBOX_TEST_ROOTFS) and pass
as root and as an unprivileged user."""
import errno
import os
import selectors
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import libbox  # noqa: E402

HERE = Path(__file__).resolve().parent
MKROOTFS = HERE.parent.parent.parent / "tests" / "mkrootfs.sh"
MiB = 1 << 20


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory):
    env = os.environ.get("LIBBOX_TEST_ROOTFS")
    if env:
        return env
    out = tmp_path_factory.mktemp("libbox") / "rootfs"
    subprocess.run(["sh", str(MKROOTFS), str(out)], check=True)
    return str(out)


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
    import ctypes
    assert ctypes.sizeof(libbox.ffi.box_status_t) == 112
    assert ctypes.sizeof(libbox.ffi.box_features_t) == 1384
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
                 "box_landlock_mode"):
        assert getattr(libbox.ffi, name).argtypes is not None


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
    r = sh(rootfs, "cat /mnt/ro/f; touch /mnt/ro/new && echo wrote",
           mounts=[libbox.RoBind(str(host), "/mnt/ro")])
    assert r.stdout == b"hello"
    assert b"Read-only file system" in r.stderr
    assert not (host / "new").exists()
    # The same through a tuple, read-write this time.
    r = sh(rootfs, "echo hi > /mnt/rw/new", mounts=[("bind", str(host), "/mnt/rw")])
    assert r.returncode == 0, r.stderr
    assert (host / "new").read_text() == "hi\n"


def test_readonly_root(rootfs):
    r = sh(rootfs, "touch /x", readonly_root=True, mounts=[])
    assert r.returncode != 0
    assert b"Read-only" in r.stderr


def test_tmpfs(rootfs):
    r = sh(rootfs, "grep ' /scratch ' /proc/mounts; stat -c %a /scratch; "
                   "head -c 2097152 /dev/zero > /scratch/big; echo rc=$?",
           mounts=[libbox.Proc(), libbox.Dev(), ("tmpfs", "/scratch", "1M", 0o1777)])
    out = r.stdout.decode()
    assert " /scratch tmpfs " in out.split("\n")[0]
    assert "size=1024k" in out
    assert "\n1777\n" in out
    assert "rc=1" in out


def test_symlink_and_dir(rootfs):
    r = sh(rootfs, "readlink /lnk; test -d /made/here && echo dir",
           mounts=[libbox.Symlink("/bin/busybox", "/lnk"), libbox.Dir("/made/here")])
    assert r.stdout == b"/bin/busybox\ndir\n"


# --- exit reporting ------------------------------------------------------------------------

def test_exit_code(rootfs):
    r = sh(rootfs, "echo out; echo err >&2; exit 7")
    assert (r.returncode, r.stdout, r.stderr) == (7, b"out\n", b"err\n")
    assert r.status.exited and r.status.exit_code == 7 and r.status.signal == 0
    assert r.status.wall > 0 and r.status.max_rss > 0
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
    assert e.step.startswith("exec")
    assert e.function == "box_spawn"


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
    with pytest.raises(TypeError):
        libbox.run("true", root=rootfs)
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
    p = subprocess.run([sys.executable, "-m", "libbox", "--root", rootfs, "--proc", "--",
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
