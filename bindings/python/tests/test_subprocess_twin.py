"""libbox.run / libbox.Popen / asyncio next to subprocess and asyncio.subprocess: the same
call, the same results where they must agree. The boxes are empty but for the host's
system read-only (system=True), so the same programs run on both sides; as root and as an
unprivileged user (run-tests.sh --rootless)."""
import asyncio
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import libbox  # noqa: E402

ROOT = os.geteuid() == 0
BOX = {"system": True}
REPO = Path(__file__).resolve().parents[3]


def both(args, **kw):
    """(subprocess.run(...), libbox.run(..., system=True)) for the same arguments."""
    kw.setdefault("timeout", 30)
    return subprocess.run(args, **kw), libbox.run(args, **BOX, **kw)


def same(a, b):
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
    assert a.args == b.args


@pytest.mark.parametrize("args,kw", [
    (["echo", "hi"], {"capture_output": True}),
    (["echo", "hi"], {"capture_output": True, "text": True}),
    (["echo", "hi"], {"capture_output": True, "universal_newlines": True}),
    ("echo $((6 * 7))", {"shell": True, "stdout": subprocess.PIPE}),
    (["sh", "-c", "echo out; echo err >&2; exit 3"], {"capture_output": True}),
    (["sh", "-c", "echo out; echo err >&2"], {"stdout": subprocess.PIPE,
                                              "stderr": subprocess.STDOUT}),
    (["cat"], {"input": b"abc\0def", "capture_output": True}),
    (["cat"], {"input": "h\u00e9llo\r\nw\rx", "capture_output": True, "text": True}),
    (["sh", "-c", "printf 'a\\r\\nb\\rc\\377'"], {"capture_output": True,
                                                 "encoding": "utf-8", "errors": "replace"}),
    (["sh", "-c", "printf '\\351t\\351'"], {"capture_output": True, "encoding": "latin-1"}),
    (["sh", "-c", "printf '\\351t\\351'"], {"capture_output": True, "errors": "ignore"}),
    (["sh", "-c", "echo \"$FOO\""], {"env": {"FOO": "bar baz"}, "capture_output": True}),
    (["pwd"], {"cwd": "/usr/bin", "capture_output": True}),
    (["sh", "-c", "exit 7"], {}),
    (["true"], {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}),
    (["argv0-of-sh", "-c", "echo $0"], {"executable": "/bin/sh", "capture_output": True}),
    ("echo $0", {"shell": True, "executable": "/bin/sh", "capture_output": True}),
    (["cat"], {"input": b"x" * (1 << 20), "capture_output": True, "bufsize": 0}),
    ("true", {}),
])
def test_run_idioms(args, kw):
    same(*both(args, **kw))


def test_completed_process():
    a, b = both(["sh", "-c", "echo x; exit 1"], capture_output=True)
    assert isinstance(b, subprocess.CompletedProcess) and isinstance(b.status, libbox.Status)
    assert b.status.exit_code == 1 and b.status.end == "exited"
    with pytest.raises(subprocess.CalledProcessError) as ea:
        a.check_returncode()
    with pytest.raises(subprocess.CalledProcessError) as eb:
        b.check_returncode()
    assert (ea.value.returncode, ea.value.output) == (eb.value.returncode, eb.value.output)


def test_check_raises_the_same():
    for run, extra in ((subprocess.run, {}), (libbox.run, BOX)):
        with pytest.raises(subprocess.CalledProcessError) as ei:
            run(["sh", "-c", "echo o; exit 4"], check=True, capture_output=True, **extra)
        assert (ei.value.returncode, ei.value.stdout, ei.value.cmd) == \
            (4, b"o\n", ["sh", "-c", "echo o; exit 4"])


def test_timeout_raises_the_same():
    for run, extra in ((subprocess.run, {}), (libbox.run, BOX)):
        with pytest.raises(subprocess.TimeoutExpired) as ei:
            run(["sh", "-c", "echo early; exec sleep 10"], timeout=0.5, capture_output=True,
                **extra)
        assert ei.value.stdout == b"early\n" and ei.value.timeout == 0.5
    assert isinstance(ei.value, libbox.TimeoutExpired) and ei.value.status.end == "killed"


@pytest.mark.parametrize("args,exc,err", [
    (["no-such-program"], FileNotFoundError, errno.ENOENT),
    (["/usr/share"], PermissionError, errno.EACCES),  # a directory is not executable
])
def test_exec_errors_are_the_same_oserror(args, exc, err):
    env = {"PATH": "/usr/bin:/bin"}  # not this PATH: nobody may not search all of it
    with pytest.raises(exc) as ea:
        subprocess.run(args, env=env)
    with pytest.raises(exc) as eb:
        libbox.run(args, env=env, **BOX)
    assert ea.value.errno == eb.value.errno == err
    e = eb.value
    assert isinstance(e, libbox.BoxError) and e.step == "exec" and e.function == "box_spawn"
    assert e.message.startswith(f"exec {args[0]}") and str(args[0]) in str(e)


def test_argument_errors_are_the_same():
    for run, extra in ((subprocess.run, {}), (libbox.run, BOX)):
        with pytest.raises(ValueError):
            run(["cat"], input=b"x", stdin=subprocess.DEVNULL, **extra)
        with pytest.raises(ValueError):
            run(["true"], capture_output=True, stdout=subprocess.PIPE, **extra)
        with pytest.raises(TypeError):
            run(["cat"], input="str in binary mode", capture_output=True, **extra)


@pytest.mark.parametrize("kw", [
    {"preexec_fn": lambda: None}, {"close_fds": False}, {"user": 0}, {"group": 0},
    {"extra_groups": [0]}, {"umask": 0o22}, {"process_group": 0},
    {"restore_signals": False}, {"startupinfo": object()}, {"creationflags": 1},
    {"pipesize": 4096},
])
def test_meaningless_keywords_refused(kw):
    name = next(iter(kw))
    with pytest.raises(TypeError, match=rf"^libbox\.run\(\) does not support {name}="):
        libbox.run(["true"], **BOX, **kw)
    with pytest.raises(TypeError, match=rf"^libbox\.Popen\(\) does not support {name}="):
        libbox.Popen(["true"], **BOX, **kw)
    # their defaults are accepted, as subprocess's
    libbox.run(["true"], close_fds=True, preexec_fn=None, umask=-1, **BOX)


def test_unknown_keyword_names_the_function():
    with pytest.raises(TypeError, match=r"^libbox\.run\(\) got an unexpected keyword argument 'nope'"):
        libbox.run(["true"], nope=1)
    with pytest.raises(TypeError, match=r"^libbox\.Popen\(\) got an unexpected keyword argument 'nope'"):
        libbox.Popen(["true"], nope=1)


# --- Popen ---------------------------------------------------------------------------------

def popens(args, **kw):
    return subprocess.Popen(args, **kw), libbox.Popen(args, **BOX, **kw)


def test_popen_streams_and_wait():
    for p in popens(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE):
        with p:
            assert isinstance(p.pid, int) and p.pid > 0
            p.stdin.write(b"line 1\nline 2\n")
            p.stdin.close()
            assert p.stdout.read() == b"line 1\nline 2\n"
            assert p.wait() == 0 and p.returncode == 0 and p.poll() == 0
        assert p.stdout.closed


def test_popen_text_streams():
    got = []
    for p in popens(["sh", "-c", "echo a; echo b; printf 'c\\r\\n'"], stdout=subprocess.PIPE,
                    text=True):
        with p:
            got.append(list(p.stdout))
    assert got[0] == got[1] == ["a\n", "b\n", "c\n"]


def test_popen_poll_wait_timeout_kill():
    results = []
    for p in popens(["sleep", "10"]):
        with p:
            assert p.poll() is None and p.returncode is None
            with pytest.raises(subprocess.TimeoutExpired):
                p.wait(timeout=0.2)
            p.kill()
            results.append((p.wait(), p.returncode, p.poll()))
    assert results[0] == results[1] == (-signal.SIGKILL,) * 3
    assert p.status.end == "killed" and p.status.signal == signal.SIGKILL


def test_popen_communicate_timeout_then_kill():
    """subprocess's documented idiom: the box keeps running after the timeout, the second
    communicate() gets all the output."""
    results = []
    for p in popens(["sh", "-c", "echo start; exec sleep 10"], stdout=subprocess.PIPE):
        with p:
            with pytest.raises(subprocess.TimeoutExpired):
                p.communicate(timeout=0.5)
            assert p.poll() is None
            p.kill()
            out, err = p.communicate()
            results.append((out, err, p.returncode))
    assert results[0] == results[1] == (b"start\n", None, -signal.SIGKILL)


def test_popen_communicate_text_and_input():
    results = []
    for p in popens(["sh", "-c", "cat; echo e >&2"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8"):
        with p:
            results.append((p.communicate("\u00e9t\u00e9\n"), p.returncode))
            with pytest.raises(ValueError):
                p.communicate("again")
    assert results[0] == results[1] == (("\u00e9t\u00e9\n", "e\n"), 0)


def test_popen_send_signal_to_a_handler():
    """A signal the program handles reaches it in a box too (the box's pid 1 only ignores
    the ones it has no handler for)."""
    script = "trap 'exit 5' TERM; echo ready; sleep 3 & wait"
    results = []
    # (sh gives its background job /dev/null as stdin: the box needs a /dev)
    for p in (subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE),
              libbox.Popen(["sh", "-c", script], stdout=subprocess.PIPE,
                           mounts=[libbox.Dev()], **BOX)):
        with p:
            assert p.stdout.readline() == b"ready\n"
            p.send_signal(signal.SIGTERM)
            results.append(p.wait(timeout=20))
    assert results == [5, 5]


def test_popen_terminate_with_init():
    """terminate() stops the program with or without init=True: box-init passes SIGTERM
    on to it, and without init box_kill turns the SIGTERM that pid 1 would drop into a
    kill. Either way the status says the program died of SIGTERM."""
    for init in (True, False):
        with libbox.Popen(["sleep", "10"], init=init, **BOX) as p:
            time.sleep(0.1)
            p.terminate()
            assert p.wait(timeout=20) == -signal.SIGTERM
        assert p.status.end == "signaled" and p.status.signal == signal.SIGTERM
    # a program that handles SIGTERM gets it as sent
    with libbox.Popen(["sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.05; done"],
                      **BOX) as p:
        time.sleep(0.3)
        p.terminate()
        assert p.wait(timeout=20) == 3


def test_popen_missing_program_leaves_nothing():
    fds = sorted(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(FileNotFoundError):
            libbox.Popen(["no-such-program"], stdout=subprocess.PIPE, **BOX)
    assert sorted(os.listdir("/proc/self/fd")) == fds


def test_pass_fds():
    r, w = os.pipe()
    try:
        # (dash redirects only fds 0..9: write to the fd through /proc)
        for run, extra in ((subprocess.run, {}), (libbox.run, dict(BOX, mounts=[libbox.Proc()]))):
            res = run(["sh", "-c", f"echo via-fd > /proc/self/fd/{w}"], pass_fds=[w], **extra)
            assert res.returncode == 0 and os.read(r, 100) == b"via-fd\n"
    finally:
        os.close(r)
        os.close(w)


# --- plain keywords and presets -------------------------------------------------------------

def test_init_keyword():
    r = libbox.run(["sh", "-c", "echo $$"], init=True, capture_output=True, **BOX)
    assert r.stdout == b"2\n"
    r = libbox.run(["sh", "-c", "echo $$"], capture_output=True, **BOX)
    assert r.stdout == b"1\n"


def test_new_session_keyword():
    """The session of a process in the box: its pid 1's (1) with a new session, none the
    box can see (0) without."""
    cmd = ["sh", "-c", "cut -d' ' -f6 /proc/self/stat"]
    kw = dict(capture_output=True, mounts=[libbox.Proc()], **BOX)
    assert libbox.run(cmd, **kw).stdout == b"1\n"
    assert libbox.run(cmd, new_session=False, **kw).stdout == b"0\n"


def test_option_keywords_set_their_bits():
    f = libbox.ffi
    with libbox.Box() as b:
        assert b._options == f.BOX_OPT_DIE_WITH_PARENT | f.BOX_OPT_NEW_SESSION
    with libbox.Box(init=True, die_with_parent=False) as b:
        assert b._options == f.BOX_OPT_INIT | f.BOX_OPT_NEW_SESSION
    with libbox.Box(options=0, new_session=True) as b:
        assert b._options == f.BOX_OPT_NEW_SESSION
    with pytest.raises(TypeError):
        libbox.Box(init="yes")


def test_system_preset():
    r = libbox.run(["ls", "/"], capture_output=True, text=True, **BOX)
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    assert "usr" in names and "etc" in names and "home" not in names
    for m in libbox.system_mounts():
        if isinstance(m, libbox.Symlink):
            assert os.readlink(m.target) == m.text
    r = libbox.run(["sh", "-c", "touch /usr/x; test -r /etc/ld.so.cache && ls /etc/ssl/certs "
                    "| head -1; cat /etc/passwd"], capture_output=True, **BOX)
    assert b"Read-only file system" in r.stderr and b"passwd" in r.stderr
    if os.path.isdir("/etc/ssl/certs") and os.listdir("/etc/ssl/certs"):
        assert r.stdout.strip(), "the CA store is not in the box"


def test_empty_box_says_so():
    with pytest.raises(FileNotFoundError) as ei:
        libbox.run(["ls"])
    assert "the box is empty" in ei.value.message and ei.value.step == "exec"
    # a box with something in it keeps the plain message
    with pytest.raises(FileNotFoundError) as ei:
        libbox.run(["no-such-program"], **BOX)
    assert "empty" not in ei.value.message


def test_sigchld_ignored_by_the_caller():
    """A caller with signal(SIGCHLD, SIG_IGN): the kernel reaps its children itself, and the
    box's status must still come back."""
    code = ("import asyncio, signal, libbox\n"
            "signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
            "r = libbox.run(['sh', '-c', 'exit 3'], system=True)\n"
            "with libbox.Popen(['sh', '-c', 'sleep 0.2; exit 4'], system=True) as p:\n"
            "    w = p.wait()\n"
            "a = asyncio.run(libbox.run_async(['sh', '-c', 'exit 5'], system=True))\n"
            "print(r.returncode, w, a.returncode)\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert (p.returncode, p.stdout) == (0, b"3 4 5\n"), p.stderr


# --- asyncio ---------------------------------------------------------------------------------

def test_run_async_50_concurrent_boxes():
    async def main():
        t = [libbox.run_async(["sh", "-c", f"cat; echo {i} >&2; exit {i % 7}"],
                              input=b"in%d" % i, capture_output=True, **BOX) for i in range(50)]
        return await asyncio.gather(*t)
    results = asyncio.run(main())
    for i, r in enumerate(results):
        assert (r.returncode, r.stdout, r.stderr) == (i % 7, b"in%d" % i, b"%d\n" % i)
        assert r.status.exit_code == i % 7


def test_create_subprocess_exec_like_asyncio():
    async def talk(create, **extra):
        p = await create("sh", "-c", "read x; echo got $x; echo err >&2; exit 3",
                         stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                         stderr=asyncio.subprocess.PIPE, **extra)
        assert isinstance(p.pid, int) and p.returncode is None
        p.stdin.write(b"hello\n")
        await p.stdin.drain()
        line = await p.stdout.readline()
        err = await p.stderr.read()
        rc = await p.wait()
        return line, err, rc, p.returncode

    async def main():
        return (await talk(asyncio.create_subprocess_exec),
                await talk(libbox.create_subprocess_exec, **BOX))
    a, b = asyncio.run(main())
    assert a == b == (b"got hello\n", b"err\n", 3, 3)


def test_async_communicate_kill_and_timeout():
    async def main():
        out = []
        for create, extra in ((asyncio.create_subprocess_exec, {}),
                              (libbox.create_subprocess_exec, BOX)):
            p = await create("cat", stdin=subprocess.PIPE, stdout=subprocess.PIPE, **extra)
            out.append((await p.communicate(b"data"), p.returncode))
            p = await create("sleep", "10", **extra)
            p.kill()
            out.append(await p.wait())
        with pytest.raises(subprocess.TimeoutExpired) as ei:
            await libbox.run_async(["sh", "-c", "echo early; exec sleep 10"], timeout=0.5,
                                   capture_output=True, **BOX)
        assert ei.value.stdout == b"early\n" and ei.value.status.end == "killed"
        r = await libbox.run_async(["cat"], input="t\u00e9xt\r\n", capture_output=True,
                                   text=True, **BOX)
        assert r.stdout == "t\u00e9xt\n"
        with pytest.raises(FileNotFoundError):
            await libbox.create_subprocess_exec("no-such-program", **BOX)
        with pytest.raises(ValueError):
            await libbox.create_subprocess_exec("true", text=True, **BOX)
        return out
    out = asyncio.run(main())
    assert out[:2] == out[2:] == [((b"data", None), 0), -signal.SIGKILL]


def test_async_wall_limit_enforced():
    """libbox enforces the wall limit from box_wait: the asyncio side calls it on time."""
    async def main():
        return await libbox.run_async(["sleep", "10"], wall="0.3s", **BOX)
    t = time.monotonic()
    r = asyncio.run(main())
    assert r.status.end == "wall_time" and r.returncode == -signal.SIGKILL
    assert time.monotonic() - t < 8


def test_async_in_a_thread_of_its_own():
    """No child watcher: a loop in another thread waits for its boxes all the same."""
    import threading
    result = []

    def worker():
        result.append(asyncio.run(libbox.run_async(["sh", "-c", "exit 9"], **BOX)).returncode)
    t = threading.Thread(target=worker)
    t.start()
    t.join(60)
    assert result == [9]


# --- docs ------------------------------------------------------------------------------------

def test_docstrings_on_every_public_name():
    import inspect
    missing = []
    for name in libbox.__all__:
        obj = getattr(libbox, name)
        if isinstance(obj, int) or name in ("PIPE", "DEVNULL", "STDOUT", "ffi"):
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not (inspect.isfunction(member) or
                                                isinstance(member, property)):
                    continue
                if not inspect.getdoc(member):
                    missing.append(f"{name}.{attr}")
    assert not missing, f"public names without a docstring: {missing}"


def test_tutorial_python_section(tmp_path):
    """doc/tutorial.md section 6 is doc/tutorial.py, and running it prints what the
    tutorial shows (but the time it took)."""
    import re
    md = (REPO / "doc" / "tutorial.md").read_text()
    section = md.split("## 6. The same box in Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    code = [b for lang, b in blocks if lang == "python"]
    assert code and code[0] == (REPO / "doc" / "tutorial.py").read_text()
    shown_text = [b for lang, b in blocks if lang == ""][0]
    shown = shown_text.splitlines()
    rootfs = os.environ.get("LIBBOX_TEST_ROOTFS")
    if not rootfs:
        rootfs = str(tmp_path / "rootfs")
        os.chmod(tmp_path, 0o755)
        subprocess.run(["sh", str(REPO / "tests" / "mkrootfs.sh"), rootfs], check=True)
    env = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"))
    p = subprocess.run([sys.executable, str(REPO / "doc" / "tutorial.py"), rootfs], env=env,
                       capture_output=True, text=True, timeout=60)
    got = p.stdout.splitlines() + [f"exit status {p.returncode}"]
    time_line = re.compile(r"=> end=wall_time returncode=-9 after \d+ ms")
    assert len(got) == len(shown), (got, p.stderr)
    for g, s in zip(got, shown):
        if time_line.fullmatch(s):
            assert time_line.fullmatch(g), g
        else:
            assert g.rstrip() == s.rstrip()
    # Every later python block, followed by its output, runs as shown.
    later = section[section.index(shown_text) + len(shown_text):]
    pairs = re.findall(r"```python\n(.*?)```\n```\n(.*?)```", later, re.S)
    assert pairs, "the section has no snippet with its output after the tutorial's program"
    for snippet, output in pairs:
        p = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True,
                           text=True, timeout=60)
        assert (p.returncode, p.stdout) == (0, output), p.stderr


# --- python3 -m libbox next to boxrun ---------------------------------------------------------

BOXRUN = os.environ.get("LIBBOX_TEST_BOXRUN") or str(REPO / "build" / "examples" / "boxrun")


@pytest.mark.skipif(not os.access(BOXRUN, os.X_OK), reason=f"no boxrun at {BOXRUN} "
                    "($LIBBOX_TEST_BOXRUN)")
@pytest.mark.parametrize("opts", [
    ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
     "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
     "--size", "1M", "--perms", "1777", "--tmpfs", "/tmp", "--perms", "0750", "--dir", "/data",
     "--chmod", "0700", "/data", "--chdir", "/tmp", "--setenv", "A", "b c", "--hostname", "hh",
     "--wall-time", "20", "--die-with-parent", "--new-session"],
    ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
     "--symlink", "usr/lib64", "/lib64", "--init", "--seccomp-rule", "uname=errno:1",
     "--noexec", "--tmpfs", "/tmp", "--remount-ro", "/usr"],
    ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
     "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--cap-add", "CAP_NET_RAW",
     "--seccomp-default", "off", "--landlock", "/usr=rx", "--landlock", "/proc=r",
     "--landlock-best-effort"],
])
def test_cli_takes_boxruns_options(opts):
    """The same command line through boxrun and python3 -m libbox: the same box."""
    if not all(os.path.lexists(p) for p in ("/bin", "/lib", "/lib64")):
        pytest.skip("this host has no merged /usr")
    script = ("echo \"A=$A\" $(hostname) $(pwd) pid $$; stat -c '%a %n' /tmp /data 2>&1; "
              "df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2; uname -s; "
              "touch /usr/x 2>&1; grep -c noexec /proc/self/mountinfo 2>&1; ls /; "
              "grep Cap /proc/self/status 2>&1; ls /tmp 2>&1; echo end")
    cmd = ["--", "sh", "-c", script]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    a = subprocess.run([BOXRUN, *opts, *cmd], capture_output=True, timeout=60)
    b = subprocess.run([sys.executable, "-m", "libbox", *opts, *cmd], capture_output=True,
                       timeout=60, env=env)
    assert a.returncode == 0, a.stderr
    assert (b.returncode, b.stdout) == (a.returncode, a.stdout), (a.stdout, b.stderr)


def test_popen_signature_is_subprocess_s():
    """The same parameters in the same order (positional calls mean the same), plus the
    box's keywords."""
    import inspect
    def split(f):
        ps = list(inspect.signature(f).parameters.values())[1:]
        return ([p.name for p in ps if p.kind == p.POSITIONAL_OR_KEYWORD],
                {p.name for p in ps if p.kind == p.KEYWORD_ONLY})
    ours, theirs = split(libbox.Popen.__init__), split(subprocess.Popen.__init__)
    assert ours[0] == theirs[0] and theirs[1] <= ours[1]
    # positional, as subprocess takes them: args, bufsize, executable, stdin, stdout
    with libbox.Popen(["cat"], -1, None, subprocess.PIPE, subprocess.PIPE, **BOX) as p:
        assert p.communicate(b"pos") == (b"pos", None)


def test_process_of_box_spawn_is_a_context_manager():
    with libbox.Box(**BOX) as box:
        with box.spawn(["sh", "-c", "echo x; exit 2"], stdout=libbox.PIPE) as p:
            assert p.stdout.read() == b"x\n"
        assert p.status.exit_code == 2 and p.stdout.closed
    with libbox.Box(**BOX) as box:
        with box.spawn(["sleep", "10"]) as p:
            p.send_signal(signal.SIGKILL)
        assert p.returncode == -signal.SIGKILL


def test_pyproject_version_is_the_library_s():
    import re
    meson = (REPO / "meson.build").read_text()
    pyproject = (REPO / "bindings" / "python" / "pyproject.toml").read_text()
    v = re.search(r"version:\s*'([^']+)'", meson).group(1)
    assert re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1) == v


def test_async_output_read_after_wait_and_no_fd_left():
    """As with asyncio's processes, the streams outlive the process: read them after
    wait(); and once read to their end nothing of the boxes stays open."""
    async def main(create, extra):
        out = []
        for i in range(5):
            p = await create("sh", "-c", f"echo {i}", stdout=subprocess.PIPE, **extra)
            out.append((await p.wait(), await p.stdout.read()))
        return out
    fds = sorted(os.listdir("/proc/self/fd"))
    a = asyncio.run(main(asyncio.create_subprocess_exec, {}))
    b = asyncio.run(main(libbox.create_subprocess_exec, BOX))
    assert a == b == [(0, b"%d\n" % i) for i in range(5)]
    assert sorted(os.listdir("/proc/self/fd")) == fds
