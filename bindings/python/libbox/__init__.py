"""Python binding for libbox: run a program in an isolated box.

Two layers:

* the thin layer, :mod:`libbox._ffi` (also reachable as ``libbox.ffi``): every C function of
  ``box.h`` with its ctypes prototype, the structs and the constants;
* the Pythonic layer: :class:`Box` (a context manager describing one box),
  :class:`Process` (a spawned box), :class:`Status`, :func:`run` and the mount dataclasses.

Example::

    import libbox
    r = libbox.run(["sh", "-c", "echo $$"], root="/srv/rootfs",
                   mounts=[libbox.Proc(), libbox.Dev()], capture_output=True, timeout="2s")
    print(r.returncode, r.stdout)
"""
from __future__ import annotations

import contextlib
import ctypes
import errno as _errno
import fcntl
import re
import functools
import io
import itertools
import os
import selectors
import signal as _signal
import socket
import subprocess
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from . import _ffi
from ._ffi import (  # noqa: F401  (re-exported constants)
    BOX_CGROUP_HYBRID, BOX_CGROUP_NONE, BOX_CGROUP_V1, BOX_CGROUP_V2,
    BOX_END_CPU_TIME, BOX_END_EXITED, BOX_END_KILLED, BOX_END_OOM, BOX_END_SIGNALED,
    BOX_END_WALL_TIME,
    BOX_LIMIT_CPU_MILLIS, BOX_LIMIT_CPU_TIME_MS, BOX_LIMIT_CPU_WEIGHT, BOX_LIMIT_MEMORY_HIGH,
    BOX_LIMIT_SWAP,
    BOX_LIMIT_AS, BOX_LIMIT_CORE, BOX_LIMIT_CPU, BOX_LIMIT_FSIZE, BOX_LIMIT_MEMORY,
    BOX_LIMIT_NOFILE, BOX_LIMIT_NPROC, BOX_LIMIT_PIDS, BOX_LIMIT_STACK, BOX_LIMIT_WALL_MS,
    BOX_MOUNT_BIND, BOX_MOUNT_DEV, BOX_MOUNT_DEVICES, BOX_MOUNT_DIR, BOX_MOUNT_EXEC_OFF,
    BOX_MOUNT_MQUEUE, BOX_MOUNT_NOREC, BOX_MOUNT_PROC, BOX_MOUNT_REMOUNT_RO, BOX_MOUNT_RO,
    BOX_MOUNT_SYMLINK, BOX_MOUNT_TMPFS, BOX_MOUNT_TRY,
    BOX_NS_ALL, BOX_NS_CGROUP, BOX_NS_IPC, BOX_NS_MNT, BOX_NS_NET, BOX_NS_PID, BOX_NS_TIME,
    BOX_NS_USER, BOX_NS_UTS,
    BOX_OPT_DIE_WITH_PARENT, BOX_OPT_INIT, BOX_OPT_LIMITS_BEST_EFFORT, BOX_OPT_NEW_SESSION, BOX_ROOT_READONLY,
    BOX_LIMIT_IO_WEIGHT, BOX_LIMIT_HUGETLB,
    BOX_LIMIT_UNIT_BYTES, BOX_LIMIT_UNIT_COUNT, BOX_LIMIT_UNIT_MS, BOX_LIMIT_UNIT_SECONDS,
    BOX_IO_READ_BPS, BOX_IO_READ_IOPS, BOX_IO_WRITE_BPS, BOX_IO_WRITE_IOPS,
    BOX_LANDLOCK_EXEC, BOX_LANDLOCK_READ, BOX_LANDLOCK_WRITE,
    BOX_SECCOMP_ALLOW, BOX_SECCOMP_ERRNO, BOX_SECCOMP_KILL, BOX_SECCOMP_LOG, BOX_SECCOMP_NOTIFY,
    BOX_SECCOMP_CMP_EQ, BOX_SECCOMP_CMP_GE, BOX_SECCOMP_CMP_GT, BOX_SECCOMP_CMP_LE,
    BOX_SECCOMP_CMP_LT, BOX_SECCOMP_CMP_MASKED_EQ, BOX_SECCOMP_CMP_NE, BOX_SECCOMP_MAX_ARGS,
    BOX_OPT_ALLOW_NEW_PRIVS, BOX_OPT_HOLD, BOX_OPT_DETACH, BOX_HOOK_MOUNTED, BOX_HOOK_START,
    BOX_OPT_NO_MONITOR, BOX_OPT_NS_IDS,
    BOX_CGROUP_BACKEND_AUTO, BOX_CGROUP_BACKEND_V1, BOX_CGROUP_BACKEND_V2,
)

ffi = _ffi

__all__ = [
    "Box", "Process", "ExecProcess", "Status", "Notification", "CompletedProcess", "BoxError",
    "TimeoutExpired", "run", "Popen", "system_mounts", "run_async",
    "create_subprocess_exec", "create_subprocess_shell", "AsyncProcess",
    "Bind", "RoBind", "Tmpfs", "Proc", "Dev", "Mqueue", "Dir", "Chmod", "Symlink", "RemountRo",
    "Overlay", "Store", "CgroupPool",
    "parse_size", "parse_time", "probe", "version", "PIPE", "DEVNULL", "STDOUT", "ffi",
    "list_boxes",
]

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL
STDOUT = subprocess.STDOUT

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


# --- errors ------------------------------------------------------------------------------

class BoxError(OSError):
    """A libbox call failed.

    A BoxError is also the :class:`OSError` subclass of its errno, as ``OSError(errno, ...)``
    would be: ``except FileNotFoundError`` catches a missing program, ``except
    PermissionError`` an EPERM/EACCES, ``except ProcessLookupError`` an ESRCH, and so on
    (the class is e.g. ``BoxFileNotFoundError``, a subclass of both).

    ``errno`` is the error number the C function returned, ``message`` the text recorded by
    ``box_errmsg`` (e.g. ``"exec nosuchprog: No such file or directory"``), ``step`` the
    library's identifier of the box-building step that failed (``box_error_step``:
    ``"exec"``, ``"mount"``, ``"chdir"``, ...; None when the failure was no such step) and
    ``function`` the C function that failed.
    """

    def __new__(cls, errno: int, message: str = "", function: str = "",
                step: Optional[str] = None) -> "BoxError":
        if cls is BoxError:
            base = type(OSError(errno, ""))
            if base is not OSError:
                cls = _errno_classes.get(base) or _errno_class(base)
        return super().__new__(cls, errno, message)

    def __init__(self, errno: int, message: str = "", function: str = "",
                 step: Optional[str] = None) -> None:
        message = message or os.strerror(errno)
        super().__init__(errno, message)
        self.message = message
        self.function = function
        self.step = step

    def __reduce__(self) -> Any:
        return (BoxError, (self.errno, self.message, self.function, self.step))


_errno_classes: dict = {}


def _errno_class(base: type) -> type:
    """The subclass of BoxError and of the builtin OSError subclass ``base``."""
    cls = type("Box" + base.__name__, (BoxError, base),
               {"__module__": __name__,
                "__doc__": f"A :class:`BoxError` that is also a :class:`{base.__name__}`."})
    _errno_classes[base] = cls
    return cls


class TimeoutExpired(subprocess.TimeoutExpired):
    """The timeout of :func:`run` or :meth:`Process.wait` passed.

    For :func:`run`, the box has been killed; ``output``/``stdout`` and ``stderr`` hold what
    it had written and ``status`` how it ended. For :meth:`Process.wait`, the box is still
    running and ``status`` is None.
    """

    def __init__(self, cmd: Any, timeout: float, output: Optional[bytes] = None,
                 stderr: Optional[bytes] = None, status: Optional["Status"] = None) -> None:
        super().__init__(cmd, timeout, output, stderr)
        self.status = status


def _fail(r: int, box: Optional[Any], function: str) -> BoxError:
    msg, step = "", None
    if box:
        raw = _ffi.box_errmsg(box)
        msg = raw.decode("utf-8", "replace") if raw else ""
        if _ffi.box_error_step is not None:
            step = (_ffi.box_error_step(box) or b"").decode() or None
    return BoxError(-r, msg, function, step)


# --- parsers -----------------------------------------------------------------------------

def _c_parse(fn: Any, text: str, what: str, example: str) -> int:
    """The library's parser (box_parse_size, box_parse_duration) on a string."""
    out = ctypes.c_uint64()
    r = fn(text.encode("utf-8", "surrogateescape"), ctypes.byref(out))
    if r == -_errno.ERANGE:
        raise ValueError(f"{what} {text!r} is too large")
    if r < 0:
        raise ValueError(f"invalid {what} {text!r} (expected e.g. {example})")
    return out.value


def parse_size(value: Union[int, float, str]) -> int:
    """Bytes from an int or a human size: ``"256M"``, ``"1.5G"``, ``"4KiB"``, ``"100"``.

    Units are binary (K = 1024). Raises TypeError for other types and ValueError for
    negative, fractional-byte or malformed values.
    """
    if isinstance(value, bool):
        raise TypeError("size must be an int or a string, not bool")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if value != int(value):
            raise ValueError(f"size {value!r} is not a whole number of bytes")
        n = int(value)
    elif isinstance(value, str):
        n = _c_parse(_ffi.box_parse_size, value, "size",
                     "4096, '64K', '256M', '1.5G'; a whole number of bytes")
    else:
        raise TypeError(f"size must be an int or a string, not {type(value).__name__}")
    if n < 0:
        raise ValueError(f"size {value!r} is negative")
    return n


def parse_time(value: Union[int, float, str]) -> float:
    """Seconds from a number or a human duration: ``"1.5s"``, ``"200ms"``, ``"2m"``, ``"1h"``.

    A bare number means seconds. Raises TypeError for other types and ValueError for
    negative or malformed values.
    """
    if isinstance(value, bool):
        raise TypeError("time must be a number or a string, not bool")
    if isinstance(value, (int, float)):
        t = float(value)
    elif isinstance(value, str):
        t = _c_parse(_ffi.box_parse_duration, value, "time", "2, '1.5s', '200ms', '1m'") / 1e9
    else:
        raise TypeError(f"time must be a number or a string, not {type(value).__name__}")
    if t != t or t < 0:
        raise ValueError(f"time {value!r} is negative or not a number")
    return t


# --- mounts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bind:
    """Bind the host path ``source`` at ``target`` (default: the same path)."""
    source: PathLike
    target: Optional[PathLike] = None
    ro: bool = False
    norec: bool = False
    try_: bool = False
    devices: bool = False
    noexec: bool = False

    def _flags(self) -> int:
        return ((BOX_MOUNT_RO if self.ro else 0) | (BOX_MOUNT_NOREC if self.norec else 0)
                | (BOX_MOUNT_TRY if self.try_ else 0) | (BOX_MOUNT_DEVICES if self.devices else 0)
                | (BOX_MOUNT_EXEC_OFF if self.noexec else 0))


@dataclass(frozen=True)
class RoBind(Bind):
    """A read-only :class:`Bind`."""
    ro: bool = True


@dataclass(frozen=True)
class Tmpfs:
    """An empty tmpfs of at most ``size`` bytes (0 or None: kernel default)."""
    target: PathLike
    size: Union[int, str, None] = None
    mode: int = 0o755
    ro: bool = False
    noexec: bool = False


@dataclass(frozen=True)
class Proc:
    """A proc showing only the box's processes."""
    target: PathLike = "/proc"


@dataclass(frozen=True)
class Dev:
    """A minimal /dev."""
    target: PathLike = "/dev"


@dataclass(frozen=True)
class Mqueue:
    """POSIX message queues of the box's IPC namespace."""
    target: PathLike = "/dev/mqueue"


@dataclass(frozen=True)
class Dir:
    """Create the directory ``target`` and its missing parents (0755). With ``mode``
    (``box_mkdir``) the directory gets exactly that mode if it is created; an existing one
    keeps its own mode."""
    target: PathLike
    mode: Optional[int] = None


@dataclass(frozen=True)
class Chmod:
    """Set the mode of ``target`` (``box_chmod``) at this point of the ordered mount plan;
    symlinks are followed inside the box. A missing ``target`` fails the spawn."""
    target: PathLike
    mode: int


@dataclass(frozen=True)
class Symlink:
    """A symlink at ``target`` whose text is ``text``."""
    text: PathLike
    target: PathLike


@dataclass(frozen=True)
class RemountRo:
    """Make the existing mount at ``target`` read-only."""
    target: PathLike


@dataclass(frozen=True)
class Overlay:
    """An overlay file system (``box_mount_overlay``) at ``target`` in the box, or as the
    box's root with ``Box(overlay=Overlay(...))`` (``box_set_root_overlay``; ``target``
    None or ``"/"``).

    ``lowers``: the read-only layers, absolute host directories, ``lowers[0]`` at the
    bottom (at most 500). ``upper`` and ``work``: host directories on one file system,
    both or neither: the box's changes land in ``upper`` (files written, whiteouts for
    deleted ones); neither: an ephemeral upper layer in a tmpfs of the box's own, gone with
    the box. ``ro``: read-only (for the root: read-only after all mounts are made);
    ``devices`` and ``noexec`` as for :class:`Bind` (not for the root). A box with a user
    namespace (rootless) mounts with ``userxattr`` (Linux 5.11; an ephemeral upper needs
    Linux 6.6). See ``box_set_root_overlay(3)``."""
    lowers: Sequence[PathLike]
    target: Optional[PathLike] = None
    upper: Optional[PathLike] = None
    work: Optional[PathLike] = None
    ro: bool = False
    devices: bool = False
    noexec: bool = False

    def _args(self) -> tuple[Any, bytes, bytes]:
        """(lowers as a char *[], upper, work), checked."""
        lowers = self.lowers
        if isinstance(lowers, (str, bytes, os.PathLike)):
            lowers = [lowers]
        if not isinstance(lowers, Sequence):
            raise TypeError(f"overlay lowers is a list of directories, not {lowers!r}")
        if not lowers:
            raise ValueError("an overlay needs at least one lower layer")
        if len(lowers) > _OVERLAY_MAX_LOWERS:
            raise ValueError(f"{len(lowers)} overlay lower layers, at most "
                             f"{_OVERLAY_MAX_LOWERS}")
        lows = [_abspath(d, "overlay lower") for d in lowers]
        if (self.upper is None) != (self.work is None):
            raise ValueError("an overlay has both upper and work, or neither (ephemeral)")
        upper = _abspath(self.upper, "overlay upper") if self.upper is not None else None
        work = _abspath(self.work, "overlay work") if self.work is not None else None
        if upper is not None and os.path.normpath(upper) == os.path.normpath(work):
            raise ValueError("overlay upper and work must be different directories")
        for name in ("ro", "devices", "noexec"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"overlay {name} must be True or False")
        return (ctypes.c_char_p * len(lows))(*lows), upper, work


_OVERLAY_MAX_LOWERS = 500  # box_set_root_overlay: the kernel's limit


def _root_overlay(v: Any) -> Optional[tuple]:
    """``overlay=``: an :class:`Overlay` (target None or "/") or a list of lower
    directories (ephemeral upper); the arguments of box_set_root_overlay but its flags."""
    if v is None:
        return None
    if not isinstance(v, Overlay):
        if isinstance(v, (str, bytes, os.PathLike)) or isinstance(v, Sequence):
            v = Overlay(v)
        else:
            raise TypeError(f"overlay is an Overlay or a list of lower directories, not "
                            f"{type(v).__name__}")
    if v.target is not None and _cstr(v.target, "overlay target") != b"/":
        raise ValueError("the root overlay has no target (or '/'): put an Overlay with a "
                         "target in mounts")
    if v.devices or v.noexec:
        raise ValueError("the root overlay takes only ro (devices, noexec: a mount's)")
    lowers, upper, work = v._args()
    return (len(lowers), lowers, upper, work, v.ro)


Mount = Union[Bind, Tmpfs, Proc, Dev, Mqueue, Dir, Chmod, Symlink, RemountRo, Overlay, tuple]

_TUPLE_KINDS = {
    "bind": lambda src, dst=None, *a: Bind(src, dst, *a),
    "ro-bind": lambda src, dst=None: RoBind(src, dst),
    "ro_bind": lambda src, dst=None: RoBind(src, dst),
    "tmpfs": lambda dst, size=None, mode=0o755: Tmpfs(dst, size, mode),
    "proc": lambda dst="/proc": Proc(dst),
    "dev": lambda dst="/dev": Dev(dst),
    "mqueue": lambda dst="/dev/mqueue": Mqueue(dst),
    "dir": lambda dst, mode=None: Dir(dst, mode),
    "chmod": lambda dst, mode: Chmod(dst, mode),
    "symlink": lambda text, dst: Symlink(text, dst),
    "remount-ro": lambda dst: RemountRo(dst),
    "overlay": lambda dst, lowers, upper=None, work=None: Overlay(lowers, dst, upper, work),
}


def _as_mount(m: Mount) -> Any:
    """Turn a tuple like ``("ro-bind", "/usr", "/usr")`` into a mount dataclass."""
    if isinstance(m, (Bind, Tmpfs, Proc, Dev, Mqueue, Dir, Chmod, Symlink, RemountRo,
                      Overlay)):
        return m
    if isinstance(m, str):
        m = (m,)
    if not isinstance(m, tuple) or not m or not isinstance(m[0], str):
        raise TypeError(f"a mount is a mount object or a tuple ('kind', ...), not {m!r}")
    kind = m[0].lower()
    if kind not in _TUPLE_KINDS:
        raise ValueError(f"unknown mount kind {m[0]!r}; known: {', '.join(sorted(_TUPLE_KINDS))}")
    try:
        return _TUPLE_KINDS[kind](*m[1:])
    except TypeError:
        raise TypeError(f"wrong number of fields in mount {m!r}") from None


# The host's system directories of system=True; on a merged-/usr system the top-level
# ones are symlinks into /usr and become the same symlinks in the box.
_SYSTEM_TOP = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_SYSTEM_ETC = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates",
               "/etc/pki")


def system_mounts() -> list:
    """The mounts of ``system=True``: this host's system, read-only, for a box without a
    root of its own.

    ``/usr`` bound read-only; each of ``/bin``, ``/sbin``, ``/lib``, ``/lib32``,
    ``/lib64``, ``/libx32`` that exists here as the same symlink (merged /usr) or, where it
    is a directory, bound read-only; ``/etc/ld.so.cache`` (the dynamic linker's cache),
    ``/etc/alternatives`` (Debian's alternative symlinks, which /usr/bin points into) and
    the CA certificate store (``/etc/ssl``, ``/etc/ca-certificates``, ``/etc/pki``), those
    that exist, read-only. Nothing else of the host: no /etc/passwd, no /home, no /proc,
    /dev or /tmp. Computed from the host at each call.
    """
    out: list = [RoBind("/usr")]
    for name in _SYSTEM_TOP:
        path = "/" + name
        if os.path.islink(path):
            out.append(Symlink(os.readlink(path), path))
        elif os.path.isdir(path):
            out.append(RoBind(path))
    out += [RoBind(path) for path in _SYSTEM_ETC if os.path.exists(path)]
    return out


# --- argument helpers --------------------------------------------------------------------

def _cstr(value: Any, what: str) -> bytes:
    if isinstance(value, (str, bytes)) or isinstance(value, os.PathLike):
        b = os.fsencode(value)
    else:
        raise TypeError(f"{what} must be a str, bytes or path, not {type(value).__name__}")
    if b"\0" in b:
        raise ValueError(f"{what} contains a NUL byte")
    return b


def _abspath(value: Any, what: str) -> bytes:
    b = _cstr(value, what)
    if not b.startswith(b"/"):
        raise ValueError(f"{what} must be an absolute path, not {os.fsdecode(b)!r}")
    return b


def _uint(value: Any, what: str, bits: int = 32) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0 or value >= 1 << bits:
        raise ValueError(f"{what} {value} is out of range")
    return value


def _mode(value: Any, what: str) -> int:
    if _uint(value, what) > 0o7777:
        raise ValueError(f"{what} {value:#o} is above 0o7777")
    return value


def _mount_call(m: Any) -> tuple[str, tuple]:
    """The C call that adds the mount object ``m`` to the plan: (function name, arguments),
    every argument validated."""
    if isinstance(m, Bind):
        src = _abspath(m.source, "bind source")
        dst = _abspath(m.target if m.target is not None else m.source, "bind target")
        return "box_mount", (BOX_MOUNT_BIND, src, dst, m._flags())
    if isinstance(m, Tmpfs):
        size = parse_size(m.size) if m.size is not None else 0
        flags = (BOX_MOUNT_RO if m.ro else 0) | (BOX_MOUNT_EXEC_OFF if m.noexec else 0)
        return "box_mount_tmpfs", (_abspath(m.target, "tmpfs target"), size,
                                   _mode(m.mode, "tmpfs mode"), flags)
    if isinstance(m, Symlink):
        return "box_mount", (BOX_MOUNT_SYMLINK, _cstr(m.text, "symlink text"),
                             _abspath(m.target, "symlink target"), 0)
    if isinstance(m, Chmod):
        return "box_chmod", (_abspath(m.target, "chmod target"), _mode(m.mode, "chmod mode"))
    if isinstance(m, Overlay):
        if m.target is None:
            raise ValueError("an Overlay in mounts needs a target (the root overlay is "
                             "Box(overlay=...))")
        lowers, upper, work = m._args()
        flags = ((BOX_MOUNT_RO if m.ro else 0) | (BOX_MOUNT_DEVICES if m.devices else 0)
                 | (BOX_MOUNT_EXEC_OFF if m.noexec else 0))
        return "box_mount_overlay", (_abspath(m.target, "overlay target"), len(lowers),
                                     lowers, upper, work, flags)
    if isinstance(m, Dir) and m.mode is not None:
        return "box_mkdir", (_abspath(m.target, "dir target"), _mode(m.mode, "dir mode"))
    kind = {Proc: BOX_MOUNT_PROC, Dev: BOX_MOUNT_DEV, Mqueue: BOX_MOUNT_MQUEUE,
            Dir: BOX_MOUNT_DIR, RemountRo: BOX_MOUNT_REMOUNT_RO}[type(m)]
    return "box_mount", (kind, None, _abspath(m.target, "mount target"), 0)


_NS_NAMES = {"user": BOX_NS_USER, "pid": BOX_NS_PID, "mnt": BOX_NS_MNT, "mount": BOX_NS_MNT,
             "uts": BOX_NS_UTS, "ipc": BOX_NS_IPC, "net": BOX_NS_NET, "network": BOX_NS_NET,
             "cgroup": BOX_NS_CGROUP, "time": BOX_NS_TIME}


def _join(join: Optional[Mapping[str, Any]]) -> list[tuple[int, Union[bytes, int]]]:
    """``join={"net": "/run/netns/x", "ipc": fd}``: (BOX_NS_* bit, path or fd) pairs."""
    if join is None:
        return []
    if not isinstance(join, Mapping):
        raise TypeError("join maps namespace names to a path or an fd, e.g. "
                        "{'net': '/run/netns/x'}")
    out: list[tuple[int, Union[bytes, int]]] = []
    for name, where in join.items():
        if not isinstance(name, str) or name.lower() not in _NS_NAMES:
            raise ValueError(f"unknown namespace {name!r}; known: {', '.join(_NS_NAMES)}")
        if isinstance(where, int) and not isinstance(where, bool):
            out.append((_NS_NAMES[name.lower()], _uint(where, "fd")))
        else:
            out.append((_NS_NAMES[name.lower()], _abspath(where, f"join[{name!r}]")))
    return out


def _tty(tty: Any) -> Optional[tuple[int, int]]:
    """``tty=True`` or ``tty=(rows, cols)``: the window size (0, 0: the kernel's)."""
    if tty is None or tty is False:
        return None
    if tty is True:
        return (0, 0)
    if isinstance(tty, (tuple, list)) and len(tty) == 2:
        rows, cols = (_uint(v, "tty size", 16) for v in tty)
        return (rows, cols)
    raise TypeError("tty is True, False or (rows, cols)")


def _namespaces(ns: Union[int, Iterable[str]]) -> int:
    if isinstance(ns, bool):
        raise TypeError("namespaces must be an int mask or an iterable of names")
    if isinstance(ns, int):
        return _uint(ns, "namespaces")
    if isinstance(ns, str):
        ns = [ns]
    mask = 0
    for name in ns:
        if not isinstance(name, str):
            raise TypeError(f"namespace names are strings, not {name!r}")
        if name.lower() not in _NS_NAMES:
            raise ValueError(f"unknown namespace {name!r}; known: {', '.join(_NS_NAMES)}")
        mask |= _NS_NAMES[name.lower()]
    return mask


# (C constant, parser) per limit name. Parsers return the C value.
def _count(v: Any) -> int:
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v)
    return _uint(v, "limit", 64)


def _cpu_seconds(v: Any) -> int:
    t = parse_time(v)
    return int(t) if t == int(t) else int(t) + 1


def _wall_ms(v: Any) -> int:
    t = parse_time(v) * 1000.0
    return int(t) if t == int(t) else int(t) + 1


# Every limit of the library's table (box_limit_name), with the parser of its unit.
_UNIT_PARSERS = {BOX_LIMIT_UNIT_COUNT: _count, BOX_LIMIT_UNIT_BYTES: parse_size,
                 BOX_LIMIT_UNIT_SECONDS: _cpu_seconds, BOX_LIMIT_UNIT_MS: _wall_ms}
_LIMITS = {}
for _l in itertools.count(1):
    _name = _ffi.box_limit_name(_l)
    if _name is None:
        break
    _LIMITS[_name.decode()] = (_l, _UNIT_PARSERS[_ffi.box_limit_unit(_l)])
_LIMIT_CONSTS = dict({k: c for k, (c, _) in _LIMITS.items()}, wall_ms=BOX_LIMIT_WALL_MS)


def _cpu_millis(v: Any) -> int:
    """Thousandths of a cpu from a number of cpus (0.5 -> 500) or a string ("0.5", "500m")."""
    if isinstance(v, bool):
        raise TypeError("cpu must be a number of cpus, not bool")
    if isinstance(v, str):
        t = v.strip()
        try:
            if t.endswith("m"):
                millis = float(t[:-1])
            else:
                millis = float(t) * 1000.0
        except ValueError:
            raise ValueError(f"invalid cpu {v!r} (expected a number of cpus: 0.5, '2', '500m')") from None
    elif isinstance(v, (int, float)):
        millis = float(v) * 1000.0
    else:
        raise TypeError(f"cpu must be a number of cpus, not {type(v).__name__}")
    if millis != millis or millis <= 0:
        raise ValueError(f"cpu {v!r} must be a positive number of cpus")
    return max(1, int(round(millis)))


def _limits(limits: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    if not isinstance(limits, Mapping):
        raise TypeError("limits must be a mapping like {'wall': '2s', 'nofile': 64}")
    out = []
    for name, value in limits.items():
        key = str(name).lower()
        if key == "wall_ms":
            out.append((key, BOX_LIMIT_WALL_MS, _count(value)))
            continue
        if key == "cpu":
            raise ValueError("the limit 'cpu' is ambiguous: use 'rlimit_cpu' (RLIMIT_CPU, seconds "
                             "per process), 'cpu_millis' (cgroup bandwidth, 500 = half a cpu) "
                             "or 'cpu_time' (cpu time of the whole box)")
        if key not in _LIMITS:
            raise ValueError(f"unknown limit {name!r}; known: {', '.join(_LIMITS)}")
        const, conv = _LIMITS[key]
        out.append((key, const, conv(value)))
    return out


def _maps(m: Any, what: str) -> list[tuple[int, int, int]]:
    if m is None:
        return []
    if isinstance(m, tuple) and len(m) == 3 and all(isinstance(x, int) for x in m):
        m = [m]
    out = []
    for entry in m:
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise TypeError(f"{what} entries are (inside, outside, count), not {entry!r}")
        out.append(tuple(_uint(x, what) for x in entry))
    return out


def _cpuset(v: Any) -> Optional[tuple[Optional[bytes], Optional[bytes]]]:
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        v = (v, None)
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise TypeError("cpuset is (cpus, mems), e.g. ('0-1', None)")
    cpus, mems = v
    return (None if cpus is None else _cstr(cpus, "cpuset cpus"),
            None if mems is None else _cstr(mems, "cpuset mems"))


_IO_KINDS = {"read_bps": (BOX_IO_READ_BPS, parse_size), "write_bps": (BOX_IO_WRITE_BPS, parse_size),
             "read_iops": (BOX_IO_READ_IOPS, _count), "write_iops": (BOX_IO_WRITE_IOPS, _count)}


def _io_limits(v: Any) -> list[tuple[bytes, int, int]]:
    if v is None:
        return []
    if isinstance(v, tuple) and len(v) == 3 and isinstance(v[1], str):
        v = [v]
    out = []
    for entry in v:
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise TypeError(f"io_limits entries are (device, kind, value), not {entry!r}")
        dev, kind, value = entry
        if not isinstance(kind, str) or kind.lower() not in _IO_KINDS:
            raise ValueError(f"unknown io limit kind {kind!r}; known: {', '.join(_IO_KINDS)}")
        const, conv = _IO_KINDS[kind.lower()]
        out.append((_abspath(dev, "io_limits device"), const, conv(value)))
    return out


def _caps(v: Any) -> Optional[list[str]]:
    if v is None:
        return None
    if isinstance(v, str):
        if v.lower() == "all":
            return ["all"]
        v = [v]
    out = []
    for c in v:
        if not isinstance(c, str) or not c or "\0" in c:
            raise TypeError(f"capability names are non-empty strings, not {c!r}")
        if c.lower() == "all":
            raise ValueError("'all' is given alone: caps='all'")
        out.append(c)
    return out


_SECCOMP_ACTIONS = {"allow": BOX_SECCOMP_ALLOW, "kill": BOX_SECCOMP_KILL,
                    "log": BOX_SECCOMP_LOG, "notify": BOX_SECCOMP_NOTIFY}
_SECCOMP_OPS = {"==": BOX_SECCOMP_CMP_EQ, "!=": BOX_SECCOMP_CMP_NE, "<": BOX_SECCOMP_CMP_LT,
                "<=": BOX_SECCOMP_CMP_LE, ">": BOX_SECCOMP_CMP_GT, ">=": BOX_SECCOMP_CMP_GE,
                "&==": BOX_SECCOMP_CMP_MASKED_EQ}


def _seccomp_action(action: Any, what: str) -> tuple[int, int]:
    """(BOX_SECCOMP_*, errno) from "allow", "kill", "log", "notify" or ("errno", N)."""
    if isinstance(action, str) and action.lower() in _SECCOMP_ACTIONS:
        return _SECCOMP_ACTIONS[action.lower()], 0
    if (isinstance(action, (tuple, list)) and len(action) == 2
            and isinstance(action[0], str) and action[0].lower() == "errno"):
        err = action[1]
        if isinstance(err, bool) or not isinstance(err, int) or not 1 <= err <= 4095:
            raise ValueError(f"seccomp errno for {what} must be an int in 1..4095")
        return BOX_SECCOMP_ERRNO, err
    raise ValueError(f"seccomp action for {what} must be 'allow', 'kill', 'log', 'notify' or "
                     f"('errno', N), not {action!r}")


def _seccomp_args(cmps: Any, what: str) -> Any:
    """A ``box_seccomp_arg_t`` array from [(index, op, value), (index, "&==", value, mask)]."""
    if isinstance(cmps, (str, bytes)) or not isinstance(cmps, Sequence):
        raise TypeError(f"the comparisons of the seccomp rule for {what} are a list of "
                        f"(index, op, value) or (index, '&==', value, mask), not {cmps!r}")
    args = (_ffi.box_seccomp_arg_t * len(cmps))()
    seen: set[int] = set()
    for arg, cmp in zip(args, cmps):
        if not isinstance(cmp, (tuple, list)) or len(cmp) not in (3, 4):
            raise TypeError(f"a comparison of the seccomp rule for {what} is (index, op, value) "
                            f"or (index, '&==', value, mask), not {cmp!r}")
        index, op, value = cmp[:3]
        if _uint(index, f"seccomp argument index for {what}") >= BOX_SECCOMP_MAX_ARGS:
            raise ValueError(f"seccomp argument index {index} for {what} is not 0..5")
        if index in seen:
            raise ValueError(f"the seccomp rule for {what} compares argument {index} twice")
        seen.add(index)
        if not isinstance(op, str) or op not in _SECCOMP_OPS:
            raise ValueError(f"unknown seccomp comparison {op!r} for {what}; known: "
                             f"{', '.join(_SECCOMP_OPS)}")
        if (len(cmp) == 4) != (op == "&=="):
            raise ValueError(f"a mask goes with '&==' and only with it, as (index, '&==', "
                             f"value, mask), not {cmp!r} for {what}")
        arg.index = index
        arg.op = _SECCOMP_OPS[op]
        arg.value = _uint(value, f"seccomp comparison value for {what}", 64)
        arg.mask = _uint(cmp[3], f"seccomp comparison mask for {what}", 64) if len(cmp) == 4 else 0
    return args


def _seccomp_rules(v: Any) -> list[tuple[bytes, int, int, Any]]:
    """(name, action, errno, comparisons or None) per rule, from a mapping {name: action} or
    a sequence of (name, action) and (name, action, comparisons)."""
    if v is None:
        return []
    if isinstance(v, Mapping):
        v = list(v.items())
    elif isinstance(v, tuple) and v and isinstance(v[0], str):
        v = [v]  # a single rule
    elif isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise TypeError("seccomp_rules must be a mapping like {'keyctl': ('errno', 1)} or a "
                        "list of rules like [('chmod', 'kill', [(1, '==', 0o777)])]")
    out = []
    for rule in v:
        if not isinstance(rule, (tuple, list)) or len(rule) not in (2, 3):
            raise TypeError(f"a seccomp rule is (name, action) or (name, action, comparisons), "
                            f"not {rule!r}")
        name = rule[0]
        name_b = _cstr(name, "system call name")
        action, err = _seccomp_action(rule[1], repr(name))
        args = _seccomp_args(rule[2], repr(name)) if len(rule) == 3 else None
        out.append((name_b, action, err, args))
    return out


_MAX_GROUPS = 64  # box_set_groups
_BPF_MAX_BYTES = 4096 * 8  # box_seccomp_load_bpf: at most 4096 struct sock_filter


def _groups(v: Any) -> Optional[list[int]]:
    if v is None:
        return None
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        raise TypeError(f"groups must be a list of group ids, e.g. [10, 20], not {v!r}")
    out = [_uint(g, "group") for g in v]
    if 0xFFFFFFFF in out:
        raise ValueError("group 4294967295 is (gid_t)-1, not a valid group")
    if len(out) > _MAX_GROUPS:
        raise ValueError(f"{len(out)} groups, at most {_MAX_GROUPS}")
    return out


def _time_offsets(v: Any) -> list[tuple[int, int]]:
    """``time_offsets={"boottime": -3600, "monotonic": 0}`` for box_set_time_offset."""
    clocks = {"monotonic": _ffi.BOX_CLOCK_MONOTONIC, "boottime": _ffi.BOX_CLOCK_BOOTTIME}
    if v is None:
        return []
    if not isinstance(v, Mapping):
        raise TypeError("time_offsets is a mapping like {'boottime': -3600}")
    out = []
    for name, seconds in v.items():
        if name not in clocks:
            raise ValueError(f"unknown clock {name!r}: monotonic or boottime")
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise TypeError(f"the offset of {name} is an int of seconds")
        out.append((clocks[name], seconds))
    return out


def _veth(v: Any) -> Optional[tuple[bytes, bytes, bytes, int]]:
    """``veth=(host_if, host_addr, box_addr, prefix)`` for box_net_veth (checked there)."""
    if v is None:
        return None
    if not isinstance(v, (tuple, list)) or len(v) != 4:
        raise TypeError("veth is (host_if, host_addr, box_addr, prefix), e.g. "
                        "('vbox0', '10.0.0.1', '10.0.0.2', 24)")
    host_if, host_addr, box_addr, prefix = v
    return (_cstr(host_if, "veth interface"), _cstr(host_addr, "veth host address"),
            _cstr(box_addr, "veth box address"), _uint(prefix, "veth prefix"))


def _net(v: Any) -> Optional[tuple[Any, ...]]:
    """``net=``: ``"none"``, ``"pasta"``, ``"bridge"``, ``"bridge=NAME"``, or a mapping
    ``{"bridge": NAME, "subnet4": CIDR, "subnet6": CIDR or "", "nat": bool, "ip": ADDR}``
    (every key optional). Returns ("none",), ("pasta",) or ("bridge", name, s4, s6, flags,
    ip), the text as bytes or None; the library checks the values."""
    if v is None:
        return None
    if isinstance(v, str):
        if v in ("none", "pasta"):
            return (v,)
        if v == "bridge" or v.startswith("bridge="):
            v = {"bridge": v[7:]} if v.startswith("bridge=") else {}
        else:
            raise ValueError(f"net is 'none', 'bridge', 'bridge=NAME', 'pasta' or a mapping, "
                             f"not {v!r}")
    if not isinstance(v, Mapping):
        raise TypeError("net is 'none', 'bridge', 'bridge=NAME', 'pasta' or a mapping")
    unknown = set(v) - {"bridge", "subnet4", "subnet6", "nat", "ip"}
    if unknown:
        raise ValueError(f"unknown net keys: {', '.join(sorted(unknown))}")
    if not isinstance(v.get("nat", False), bool):
        raise TypeError("net['nat'] is True or False")

    def opt(key: str) -> Optional[bytes]:
        return None if v.get(key) is None else _cstr(v[key], f"net {key}")
    return ("bridge", opt("bridge") or None, opt("subnet4"), opt("subnet6"),
            _ffi.BOX_NET_NAT if v.get("nat") else 0, opt("ip"))


def _publish(v: Any) -> list[bytes]:
    """``publish=["8080:80", "5353:53/udp"]``: the specs of box_net_publish."""
    if v is None:
        return []
    if isinstance(v, (str, bytes)) or not isinstance(v, (list, tuple)):
        raise TypeError("publish is a list of 'HOST:BOX[/udp]' strings, e.g. ['8080:80']")
    return [_cstr(p, "publish") for p in v]


def _seccomp_bpf(v: Any) -> Union[bytes, int, None]:
    """The program of seccomp_bpf: bytes (checked here) or an fd (read by the library)."""
    if v is None:
        return None
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        if not b or len(b) % 8 or len(b) > _BPF_MAX_BYTES:
            raise ValueError(f"seccomp_bpf is {len(b)} bytes: a program is 1 to 4096 "
                             f"instructions of 8 bytes (struct sock_filter)")
        return b
    if isinstance(v, int) and not isinstance(v, bool):
        return _uint(v, "seccomp_bpf fd", 31)
    raise TypeError(f"seccomp_bpf must be bytes (a classic BPF program) or a readable file "
                    f"descriptor, not {type(v).__name__}")


_LL_BITS = {"r": BOX_LANDLOCK_READ, "w": BOX_LANDLOCK_WRITE, "x": BOX_LANDLOCK_EXEC}


def _landlock(v: Any) -> list[tuple[bytes, int]]:
    if v is None:
        return []
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str):
        v = [v]
    out = []
    for entry in v:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise TypeError(f"landlock entries are (path, access), not {entry!r}")
        path, access = entry
        if isinstance(access, bool):
            raise TypeError("landlock access is a string like 'rx' or an int mask")
        if isinstance(access, int):
            bits = access
        elif isinstance(access, str) and access and all(ch in _LL_BITS for ch in access.lower()):
            bits = 0
            for ch in access.lower():
                bits |= _LL_BITS[ch]
        else:
            raise ValueError(f"landlock access must combine 'r', 'w', 'x', not {access!r}")
        out.append((_abspath(path, "landlock path"), bits))
    return out


_SYSCTL_VALUE_MAX = 1024  # box_set_sysctl


def _sysctls(v: Any) -> list[tuple[bytes, bytes]]:
    """``sysctl={"net.ipv4.ip_forward": 1, "kernel.shmmax": "65536"}``: (name, value) pairs
    for box_set_sysctl, which checks that the setting is a namespace's."""
    if v is None:
        return []
    if not isinstance(v, Mapping):
        raise TypeError("sysctl is a mapping like {'net.ipv4.ip_forward': '1'}")
    out = []
    for name, value in v.items():
        if not isinstance(name, str):
            raise TypeError(f"a sysctl name is a str like 'net.ipv4.ip_forward', not {name!r}")
        name_b = _cstr(name, "sysctl name")
        parts = name_b.replace(b"/", b".").split(b".")
        if any(p in (b"", b"..") for p in parts):
            raise ValueError(f"sysctl name {name!r} has an empty or '..' component")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TypeError(f"the value of sysctl {name} is a str or an int, not {value!r}")
        value_b = _cstr(str(value), f"the value of sysctl {name}")
        if len(value_b) > _SYSCTL_VALUE_MAX:
            raise ValueError(f"the value of sysctl {name} is above {_SYSCTL_VALUE_MAX} bytes")
        out.append((name_b, value_b))
    return out


_DEVICE_ACCESS = {"r": _ffi.BOX_DEVICE_READ, "w": _ffi.BOX_DEVICE_WRITE,
                  "m": _ffi.BOX_DEVICE_MKNOD}
_DEVICE_MAJOR_MAX, _DEVICE_MINOR_MAX, _DEVICE_RULES_MAX = 4095, 1048575, 256


def _device_number(v: Any, what: str, top: int) -> int:
    """A device major or minor: an int in 0..top, or None / "*" for any (-1)."""
    if v is None or v == "*":
        return -1
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"device {what} is an int or None (any), not {v!r}")
    if not 0 <= v <= top:
        raise ValueError(f"device {what} {v} is not in 0..{top}")
    return v


def _device_rules(v: Any) -> list[tuple[int, bytes, int, int, int]]:
    """``devices=[("deny", "a"), ("allow", "c", 1, 3, "rw")]``: the arguments of
    box_device_rule, in order."""
    if v is None:
        return []
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise TypeError("devices is a list of rules like [('deny', 'a'), "
                        "('allow', 'c', 1, 3, 'rw')]")
    if len(v) > _DEVICE_RULES_MAX:
        raise ValueError(f"{len(v)} device rules, at most {_DEVICE_RULES_MAX}")
    out = []
    for rule in v:
        if not isinstance(rule, (tuple, list)) or len(rule) not in (2, 4, 5):
            raise TypeError(f"a device rule is (verdict, type) or (verdict, type, major, "
                            f"minor[, access]), not {rule!r}")
        verdict, kind = rule[0], rule[1]
        if verdict not in ("allow", "deny"):
            raise ValueError(f"a device rule's verdict is 'allow' or 'deny', not {verdict!r}")
        if kind not in ("a", "b", "c"):
            raise ValueError(f"a device type is 'a' (all), 'b' or 'c', not {kind!r}")
        major = _device_number(rule[2], "major", _DEVICE_MAJOR_MAX) if len(rule) > 2 else -1
        minor = _device_number(rule[3], "minor", _DEVICE_MINOR_MAX) if len(rule) > 2 else -1
        access = rule[4] if len(rule) == 5 else "rwm"
        if not isinstance(access, str) or not access or \
                any(ch not in _DEVICE_ACCESS for ch in access):
            raise ValueError(f"device access combines 'r', 'w' and 'm', not {access!r}")
        bits = 0
        for ch in access:
            bits |= _DEVICE_ACCESS[ch]
        if kind == "a" and (major, minor, bits) != (-1, -1, _ffi.BOX_DEVICE_ALL):
            raise ValueError("an 'a' rule is for every device and access: ('deny', 'a') or "
                             "('allow', 'a')")
        out.append((1 if verdict == "allow" else 0, kind.encode(), major, minor, bits))
    return out


_CGROUP_BACKENDS = {"auto": BOX_CGROUP_BACKEND_AUTO, "v1": BOX_CGROUP_BACKEND_V1,
                    "v2": BOX_CGROUP_BACKEND_V2}
_DEFAULT_OPTIONS = BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION


_PHASES = {_ffi.BOX_PHASE_CREATED: "created", _ffi.BOX_PHASE_RUNNING: "running",
           _ffi.BOX_PHASE_PAUSED: "paused", _ffi.BOX_PHASE_STOPPED: "stopped"}
_ID_RE = re.compile(rb"[A-Za-z0-9_+][A-Za-z0-9_.+-]*\Z")


def _box_id(value: Any) -> bytes:
    """A detached box's id: 1 to BOX_ID_MAX bytes of [A-Za-z0-9_.+-], not starting with
    '.' or '-' (box_set_id's rule, checked here for a clear ValueError)."""
    b = _cstr(value, "id")
    if not 0 < len(b) <= _ffi.BOX_ID_MAX or not _ID_RE.match(b):
        raise ValueError(f"id {value!r}: 1 to {_ffi.BOX_ID_MAX} of letters, digits, "
                         f"'_', '.', '+', '-', not starting with '.' or '-'")
    return b


def list_boxes(state_dir: Optional[PathLike] = None) -> list:
    """``box_list``: the ids of the detached boxes in ``state_dir`` (default: as for
    ``Box(detach=True)``), sorted; [] when the directory does not exist."""
    if _ffi.box_list is None:
        raise NotImplementedError("this libbox has no box_list")
    sd_b = _abspath(state_dir, "state_dir") if state_dir is not None else None
    ids: list = []

    def collect(id_c: bytes, _data: Any) -> int:
        ids.append(id_c.decode())
        return 0

    fn = _ffi.BOX_LIST_FN(collect)
    r = _ffi.box_list(sd_b, fn, None)
    if r == -_errno.ENOENT:
        return []
    if r < 0:
        raise BoxError(-r, f"box_list: {os.strerror(-r)}", "box_list")
    return ids


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


# --- image store and cgroup pool -----------------------------------------------------------

class _Closing:
    """A context manager whose exit, like garbage collection, calls :meth:`close`."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class _Handle(_Closing):
    """An owned C handle (``self._handle``) freed by the ``_free`` function of _ffi, once,
    by :meth:`close` or garbage collection."""
    _handle: Optional[Any] = None
    _free = ""  # the _ffi function that frees the handle
    _what = ""  # for "the ... is closed"
    _lock = threading.Lock()  # an instance's own, made by its __init__ first

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _live(self) -> Any:
        if self._handle is None:
            raise ValueError(f"the {self._what} is closed")
        return self._handle

    def close(self) -> None:
        """Free the C handle (nothing if closed already)."""
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                getattr(_ffi, self._free)(handle)


class Store(_Handle):
    """An image store (``box_store_open(3)``): images imported from OCI layouts and
    archives, run with ``Box(image=..., store=...)``.

    ``Store(path)`` opens the store at the absolute ``path``; ``Store()`` the default one
    (``/var/lib/libbox`` for root, else ``$XDG_DATA_HOME/libbox`` or
    ``~/.local/share/libbox``). ``create=True`` makes the directory when it is missing
    (else a missing store raises FileNotFoundError), ``nowait=True`` makes a call on a
    store another process holds locked raise :class:`BoxError` (EAGAIN) instead of
    waiting. A store opened by someone other than root is rootless (its files belong to
    its owner). A Store is a context manager; :meth:`close` (or garbage collection)
    closes it, and boxes made from it keep running. Use one Store from one thread at a
    time (open another one for another thread).

    Failures raise :class:`BoxError` with the store's message (``box_store_errmsg``)."""
    _free, _what = "box_store_close", "store"

    def __init__(self, path: Optional[PathLike] = None, *, create: bool = False,
                 nowait: bool = False) -> None:
        super().__init__()
        if _ffi.box_store_open is None:
            raise NotImplementedError("this libbox has no image store (box_store_open)")
        path_b = _abspath(path, "store path") if path is not None else None
        for name, v in (("create", create), ("nowait", nowait)):
            if not isinstance(v, bool):
                raise TypeError(f"{name} must be True or False")
        flags = ((_ffi.BOX_STORE_CREATE if create else 0)
                 | (_ffi.BOX_STORE_NOWAIT if nowait else 0))
        handle = _ffi.box_store_p()
        r = _ffi.box_store_open(ctypes.byref(handle), path_b, flags)
        if r < 0:
            where = os.fsdecode(path_b) if path_b is not None else "the default place"
            raise BoxError(-r, f"box_store_open {where}: {os.strerror(-r)}", "box_store_open")
        self._handle = handle

    def _call(self, name: str, *args: Any) -> int:
        handle = self._live()
        r = getattr(_ffi, name)(handle, *args)
        if r < 0:
            msg = (_ffi.box_store_errmsg(handle) or b"").decode("utf-8", "replace")
            raise BoxError(-r, msg, name)
        return r

    @property
    def path(self) -> str:
        """The store's directory (``box_store_path``)."""
        return os.fsdecode(_ffi.box_store_path(self._live()))

    def errmsg(self) -> str:
        """``box_store_errmsg``: the message of the last failing call ("" if none)."""
        return (_ffi.box_store_errmsg(self._live()) or b"").decode("utf-8", "replace")

    def import_(self, path: PathLike, name: Optional[str] = None) -> None:
        """``box_image_import``: import the image at ``path`` (an OCI image layout
        directory, an oci-archive or a docker-archive tarball), every blob checked, as
        ``name`` (``"name[:tag]"``; None: the name the archive carries). An existing tag
        moves to the new image; on failure the store is left as it was (BoxError: EINVAL
        for a malformed or unsafe image, EBADMSG for a digest mismatch, EPERM for a device
        node in a rootless store, ...)."""
        path_b = _cstr(path, "image path")
        name_b = _image_ref(name) if name is not None else None
        self._call("box_image_import", path_b, name_b)

    def _json(self, name: str, *args: Any) -> Any:
        import json
        out = ctypes.c_char_p()
        self._call(name, *args, ctypes.byref(out))
        return json.loads(_ffi.take_string(out).decode("utf-8", "replace"))

    def images(self) -> dict:
        """``box_image_list``: ``{"name:tag": image id (sha256 hex), ...}`` for every tag."""
        return self._json("box_image_list")

    def inspect(self, name: str) -> dict:
        """``box_image_inspect``: the image's ref, id, layers and config (Env, Entrypoint,
        Cmd, WorkingDir, User, StopSignal) as a dict. FileNotFoundError (a BoxError) when
        there is no such image."""
        return self._json("box_image_inspect", _image_ref(name))

    def remove(self, name: str) -> None:
        """``box_image_remove``: remove the tag ``name``, and the image with its unshared
        layers when no other tag names it. Raises :class:`BoxError` (EBUSY) while a box
        made from the image exists, FileNotFoundError for no such image."""
        self._call("box_image_remove", _image_ref(name))

    def gc(self) -> None:
        """``box_store_gc``: remove what nothing uses: untagged images no box uses, layers
        no image lists, leftovers of imports and of boxes whose process died."""
        self._call("box_store_gc")

    def commit(self, box: Union["Box", "Process"], name: str) -> None:
        """``box_image_commit``: save the writable layer of ``box`` (a :class:`Box` made
        with ``image=...`` of this store and ``commit=True``, spawned; running or ended)
        as the new image ``name``: the image's layers, that layer on top, the image's
        config. :class:`BoxError` with the box's message (EINVAL: the box has not run or
        was made without ``commit=True``; EXDEV: it is of another store)."""
        if isinstance(box, Process):
            box = box._boxobj
        if not isinstance(box, Box):
            raise TypeError(f"commit() saves a Box, not {type(box).__name__}")
        ref = _image_ref(name)
        handle = self._live()
        with box._lock:
            if box._box is None:
                raise ValueError("the box is closed")
            r = _ffi.box_image_commit(box._box, handle, ref)
            if r < 0:
                raise _fail(r, box._box, "box_image_commit")

    def __repr__(self) -> str:
        where = self.path if self._handle is not None else "closed"
        return f"<libbox.Store {where}>"


def _image_ref(value: Any) -> bytes:
    """An image reference ``"name[:tag]"``: a non-empty string (the library checks its
    form)."""
    if not isinstance(value, str):
        raise TypeError(f"an image name is a str like 'library/busybox:1', not "
                        f"{type(value).__name__}")
    b = _cstr(value, "image name")
    if not b:
        raise ValueError("the image name is empty")
    return b


class CgroupPool(_Handle):
    """A pool of box cgroups (``box_cgroup_pool_new(3)``), for a caller that runs many
    short boxes with cgroup limits: ``Box(cgroup_pool=pool, limits={"pids": 64})``.

    When a box of the pool ends, its cgroups are reset (limits, tasks, peaks and failure
    counters cleared; the cpu time and OOM kills the kernel cannot clear are subtracted
    from the next box's :class:`Status`) and kept for the next box of the same shape,
    at most ``max_idle`` (1..65536) sets of them. Boxes that cannot share (detached, io
    limits, device rules, memory on cgroup v2, ``best_effort``, a box killed with
    SIGKILL through cgroup.kill) make and remove their own. :meth:`close` (a context
    manager's exit, garbage collection) removes the kept cgroups; boxes still running
    hold the pool until they end. A pool may be shared by threads."""
    _free, _what = "box_cgroup_pool_free", "cgroup pool"

    def __init__(self, max_idle: int = 16) -> None:
        super().__init__()
        if _ffi.box_cgroup_pool_new is None:
            raise NotImplementedError("this libbox has no box_cgroup_pool_new")
        if isinstance(max_idle, bool) or not isinstance(max_idle, int):
            raise TypeError(f"max_idle must be an int, not {type(max_idle).__name__}")
        if not 1 <= max_idle <= 65536:
            raise ValueError(f"max_idle {max_idle} is not in 1..65536")
        pool = _ffi.box_cgroup_pool_p()
        r = _ffi.box_cgroup_pool_new(ctypes.byref(pool), max_idle)
        if r < 0:
            raise BoxError(-r, f"box_cgroup_pool_new: {os.strerror(-r)}", "box_cgroup_pool_new")
        self._handle = pool
        self.max_idle = max_idle

    @property
    def idle(self) -> int:
        """``box_cgroup_pool_idle``: how many sets of cgroups the pool keeps now."""
        with self._lock:
            r = _ffi.box_cgroup_pool_idle(self._live())
        if r < 0:
            raise BoxError(-r, os.strerror(-r), "box_cgroup_pool_idle")
        return r

    def trim(self, keep: int = 0) -> int:
        """``box_cgroup_pool_trim``: remove the kept cgroups beyond ``keep`` sets (0: all);
        returns how many sets it removed."""
        keep = _uint(keep, "keep")
        with self._lock:
            r = _ffi.box_cgroup_pool_trim(self._live(), keep)
        if r < 0:
            raise BoxError(-r, os.strerror(-r), "box_cgroup_pool_trim")
        return r


# --- status ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """How a box ended (``box_status_t``).

    ``end`` is one of ``"exited"``, ``"signaled"``, ``"wall_time"``, ``"killed"``, ``"oom"``
    (the kernel OOM-killed the box at its memory limit) or ``"cpu_time"`` (the whole-box
    cpu-time limit passed); times are in seconds, ``max_rss`` in bytes, ``memory_peak``
    (also ``memory_peak_bytes``) the box cgroup's peak memory in bytes and ``oom_kills``
    the processes the kernel OOM-killed in it (both 0 without a cgroup); ``pids_limit_hits``
    the forks the pids limit refused.
    """
    end: str
    end_code: int
    exit_code: int
    signal: int
    wall: float
    cpu_user: float
    cpu_system: float
    max_rss: int
    memory_peak: int = 0
    oom_kills: int = 0
    pids_limit_hits: int = 0

    @classmethod
    def _from_c(cls, st: _ffi.box_status_t) -> "Status":
        return cls(end=_ffi.END_NAMES.get(st.end, f"unknown({st.end})"), end_code=st.end,
                   exit_code=st.exit_code if st.end == BOX_END_EXITED else 0,
                   signal=st.signal, wall=st.wall_us / 1e6, cpu_user=st.cpu_user_us / 1e6,
                   cpu_system=st.cpu_system_us / 1e6, max_rss=st.max_rss_bytes,
                   memory_peak=st.memory_peak_bytes, oom_kills=st.oom_kills,
                   pids_limit_hits=st.pids_limit_hits)

    @property
    def memory_peak_bytes(self) -> int:
        """The box cgroup's peak memory use in bytes (0 without a cgroup)."""
        return self.memory_peak

    @property
    def exited(self) -> bool:
        """True when the program exited by itself (``exit_code`` is valid)."""
        return self.end_code == BOX_END_EXITED

    @property
    def returncode(self) -> int:
        """The exit code, or minus the signal number (as in :mod:`subprocess`)."""
        return self.exit_code if self.exited else -self.signal

    @property
    def cpu(self) -> float:
        """User plus system cpu time, in seconds."""
        return self.cpu_user + self.cpu_system


@dataclass(frozen=True)
class Notification:
    """A system call of the box that a ``"notify"`` seccomp rule handed to this process
    (``struct seccomp_notif``), from :meth:`Process.receive_notification`.

    ``pid`` is the calling process as this process sees it, ``nr`` the system call's number
    on ``arch`` (an ``AUDIT_ARCH_*`` value), ``args`` its six raw arguments. The caller
    waits until :meth:`Process.respond` answers it. Pointer arguments point into the
    caller's memory, which may change before the answer: never decide on what they point
    at (seccomp_unotify(2)).
    """
    id: int
    pid: int
    flags: int
    nr: int
    arch: int
    instruction_pointer: int
    args: tuple

    @classmethod
    def _from_c(cls, n: _ffi.seccomp_notif) -> "Notification":
        d = n.data
        return cls(id=n.id, pid=n.pid, flags=n.flags, nr=d.nr, arch=d.arch,
                   instruction_pointer=d.instruction_pointer, args=tuple(d.args))


# --- Box and Process ---------------------------------------------------------------------

class Box(_Closing):
    """A box configuration; spawn it once with :meth:`spawn`.

    All arguments are validated in Python (TypeError/ValueError) and then handed to the C
    library (failures raise :class:`BoxError`):

    * ``root``: absolute host directory used as "/" (None: an empty tmpfs);
      ``readonly_root`` makes it read-only after all mounts.
    * ``hostname``; ``namespaces``: int mask of ``BOX_NS_*`` or names (``["user", "pid"]``),
      None = all.
    * ``mounts``: the ordered mount plan: mount dataclasses (:class:`Bind`,
      :class:`RoBind`, :class:`Tmpfs`, :class:`Proc`, :class:`Dev`, :class:`Mqueue`,
      :class:`Dir`, :class:`Symlink`, :class:`RemountRo`) and :class:`Chmod` steps, or
      tuples like ``("ro-bind", "/usr", "/usr")``, ``("tmpfs", "/tmp", "64M", 0o1777)``,
      ``("proc", "/proc")``, ``("dir", "/data", 0o700)``, ``("chmod", "/data", 0o750)``.
    * ``env``: mapping; a value of None unsets the variable. ``cwd``: absolute path inside.
    * ``time_offsets``: ``{"boottime": S, "monotonic": S}``: the box's clocks read S seconds
      ahead (negative: behind) in its time namespace (``box_set_time_offset``; needs the
      ``"time"`` namespace in ``namespaces``).
    * ``veth``: ``(host_if, host_addr, box_addr, prefix)``: a veth pair between the caller's
      network namespace and the box's (``box_net_veth``): ``host_if`` here with
      ``host_addr/prefix``, ``eth0`` in the box with ``box_addr`` and a default route via
      ``host_addr``. IPv4; needs CAP_NET_ADMIN here (root).
    * ``net``: ``"none"`` (only ``lo``), ``"bridge"`` / ``"bridge=NAME"`` (``box_net_bridge``:
      ``eth0`` on the bridge, default ``libbox0``, with an IPv4 and IPv6 address leased for
      the box, and ``/etc/hosts`` naming every box of the bridge; needs CAP_NET_ADMIN here),
      a mapping ``{"bridge": NAME, "subnet4": CIDR, "subnet6": CIDR or "", "nat": bool,
      "ip": ADDR}`` for the bridge's settings, or ``"pasta"`` (``box_net_pasta``: rootless,
      through pasta). ``Box.address()`` tells the box's address while it runs.
    * ``publish``: ``["8080:80", "5353:53/udp"]``: port HOST of the caller's addresses
      reaches port BOX in the box (``box_net_publish``; with a bridge or pasta).
    * ``program``: the file to execute instead of ``argv[0]`` (a path in the box, or a name
      looked up in its PATH); ``argv[0]`` is passed to it unchanged (bwrap's ``--argv0``).
    * ``uid``/``gid``: the ids the program runs as inside; ``uid_map``/``gid_map``:
      lists of ``(inside, outside, count)``.
    * ``groups``: the program's supplementary groups, at most 64 ids as the box sees them
      (they must be mapped, e.g. by ``gid_map=[(0, 100000, 65536)]`` as root); ``[]`` or
      None: none. A rootless box cannot have any: spawning it fails with
      :class:`BoxError` (EPERM).
    * ``limits``: ``{"wall": "2s", "rlimit_cpu": 1, "nofile": 64, "fsize": "1M",
      "as": "512M", "memory": "256M", "pids": 32, ...}``. Per process (rlimits): nofile,
      nproc, fsize, core, stack, as, ``rlimit_cpu`` (RLIMIT_CPU, seconds per process).
      Whole box: ``wall`` (or ``wall_ms``), and the cgroup limits memory, pids,
      memory_high, swap, cpu_millis (bandwidth, 500 = half a cpu), cpu_weight, io_weight,
      ``hugetlb`` (bytes of huge pages of the host's default size; 0: none at all) and
      ``cpu_time`` (cpu time of all the box's processes). cgroup limits are enforced by
      libbox with one cgroup per box (v2, v1 or hybrid); when this host or caller cannot
      enforce one (e.g. rootless without a writable/delegated cgroup) spawning fails with
      :class:`BoxError` naming the controller, unless ``best_effort`` -- never faked.
      (The key ``"cpu"`` is refused as ambiguous: it used to mean RLIMIT_CPU.)
    * ``best_effort``: add ``BOX_OPT_LIMITS_BEST_EFFORT``: a cgroup limit this host cannot
      enforce is skipped instead of failing the spawn; ask :meth:`limit_status` after
      spawning which ones are in force.
    * ``cpuset``: ``(cpus, mems)`` in the kernel's list format, e.g. ``("0-1", None)``
      (None: the parent cgroup's), or just a cpus string.
    * ``io_limits``: ``[(device, kind, value), ...]`` with kind ``"read_bps"``,
      ``"write_bps"`` (value a size: ``"10M"``), ``"read_iops"`` or ``"write_iops"``.
    * ``cgroup_parent``: ``box_set_cgroup_parent`` (only with libraries that have it).
    * ``cgroup_backend``: which cgroup hierarchies the box may use: ``"auto"`` (the
      default: a controller from cgroup v2 where it is there, else from its v1 hierarchy),
      ``"v1"`` or ``"v2"`` (only the unified hierarchy: a limit whose controller it lacks
      fails the spawn, or is skipped under ``best_effort``).
    * ``caps``: capabilities to keep (default: none at all): a list of names
      (``["net_bind_service"]``, ``"CAP_SYS_ADMIN"`` ...) or ``"all"``.
    * ``seccomp``: the default seccomp deny list on (True, the default) or off (False).
    * ``seccomp_rules``: ``{"keyctl": action}``, or a sequence of rules ``(name, action)``
      and ``(name, action, comparisons)``, added in order. An action is ``"allow"``,
      ``"kill"``, ``"log"`` (allow and log to the kernel's audit log), ``("errno", N)``
      (N in 1..4095) or ``"notify"``: the call waits until this process answers it
      (:meth:`Process.receive_notification`, :meth:`Process.respond`); the library refuses
      it (:class:`BoxError`) for the calls the box makes to start: execve, execveat, write,
      sendmsg, rt_sigprocmask, seccomp, exit and exit_group. A rule without comparisons
      applies to every call of ``name`` and replaces the default list's rule and every
      earlier rule for it. ``comparisons`` (at most 6, each argument once) is a list of
      ``(index, op, value)`` with ``index`` 0..5, ``op`` one of ``"=="``, ``"!="``,
      ``"<"``, ``"<="``, ``">"``, ``">="`` (unsigned, on the 64-bit register value), or
      ``(index, "&==", value, mask)`` for ``(arg & mask) == value``; the rule then
      applies only when all of them hold, and rules with comparisons for one call add up
      (keep them disjoint). E.g. ``[("chmod", ("errno", 1), [(1, "&==", 0o002, 0o002)])]``
      refuses world-writable modes.
    * ``seccomp_default_action``: what happens to a call no rule names (neither
      ``seccomp_rules`` nor the default list): ``"allow"`` (the default), ``"kill"``,
      ``"log"`` or ``("errno", N)``, for an allow list built from ``"allow"`` rules. execve
      is allowed unless a rule names it. Cannot be combined with ``BOX_OPT_INIT``, and
      cannot be ``"notify"``.
    * ``seccomp_bpf``: a classic BPF seccomp program of your own (an array of ``struct
      sock_filter``, as bwrap's ``--seccomp FD`` takes), as bytes or as a readable file
      descriptor read to its end now (``box_seccomp_load_bpf``; the fd stays yours). It is
      installed after libbox's filter; the kernel runs both and the strictest verdict wins.
    * ``landlock``: ``[(path, access), ...]`` with access a combination of ``"r"``, ``"w"``,
      ``"x"`` (``"r"``, ``"rw"``, ``"rx"``, ``"rwx"``): the program may use the file
      system only below these paths (inside the box). ``landlock_required`` (default True):
      without Landlock in the kernel the spawn fails; False runs the box without it.
    * ``system``: True adds :func:`system_mounts` first, before ``mounts``: this host's
      system read-only (``/usr``, the merged-/usr symlinks ``/bin``, ``/lib``..., the
      ``ld.so.cache``, ``/etc/alternatives`` and the CA certificates), so that
      ``libbox.run(["ls"], system=True)`` runs the host's ``ls`` in an otherwise empty
      box. It brings no /proc, /dev or /tmp: add ``Proc()``, ``Dev()``, ``Tmpfs("/tmp")``.
    * ``init``: True runs libbox's box-init as pid 1 (``BOX_OPT_INIT``), which reaps
      orphans and forwards signals to the program (pid 2): without it the program is pid 1
      and a signal it has no handler for (SIGTERM, SIGINT) does nothing to it, as the
      kernel protects a namespace's init. ``die_with_parent`` (default True,
      ``BOX_OPT_DIE_WITH_PARENT``): the box is SIGKILLed when this *process* ends without
      freeing it; the thread that spawned it may exit before (with ``no_monitor`` the
      box dies with that thread, so spawn it from one that outlives it). ``new_session``
      (default True, ``BOX_OPT_NEW_SESSION``): the program runs in a session of its own,
      away from this terminal.
    * ``no_monitor``: True (``BOX_OPT_NO_MONITOR``): no libbox monitor process between
      this process and the box, whose first process is then the spawning thread's own
      child (a process less per box, a cheaper spawn and wait). :meth:`Process.wait` reaps
      it by its pidfd, so nothing else in this process may reap it: ``os.wait()``,
      ``os.waitpid(-1, ...)`` or SIGCHLD set to ``SIG_IGN`` take its status and the wait
      raises :class:`BoxError` (ECHILD); :mod:`subprocess` waits only for its own pids and
      is safe. Not with ``detach`` or ``join`` (:class:`BoxError`, EINVAL, at
      :meth:`spawn`).
    * ``ns_ids``: True (``BOX_OPT_NS_IDS``): the spawn records the ids of the box's
      namespaces for :meth:`Process.ns_id`, which stay after the program has ended.
    * ``image``: run from the image ``"name[:tag]"`` of ``store`` (a :class:`Store`, or
      the path of one; default: libbox's, see ``box_store_open(3)``) instead of a
      ``root``: its layers with the box's own writable layer, and its Env, WorkingDir,
      User, Entrypoint, Cmd and StopSignal (:attr:`stop_signal`) as defaults that the
      other keywords override (``box_set_image(3)``); ``spawn([])`` runs its Cmd. Images
      are imported with :meth:`Store.import_` (or the ``boximage`` tool). ``commit=True``
      (``BOX_IMAGE_COMMIT``): the writable layer is kept in the store until the box is
      closed, for :meth:`Store.commit` to save as a new image.
    * ``overlay``: the box's "/" is an overlay (``box_set_root_overlay``), instead of a
      ``root``: an :class:`Overlay` without a target (``lowers``, ``upper``/``work`` where
      the changes land, ``ro``), or just a list of lower directories for an ephemeral
      upper layer that vanishes with the box. ``readonly_root`` applies to it too. An
      :class:`Overlay` with a target in ``mounts`` is mounted there (``box_mount_overlay``).
    * ``sysctl``: ``{"net.ipv4.ip_forward": 1, "kernel.shmmni": "1000"}``: namespaced
      kernel settings written in the box's own namespaces when it starts
      (``box_set_sysctl``; names dotted or with slashes, values str or int). A setting of
      the host (``kernel.panic``) raises :class:`BoxError` (EPERM); a value the kernel
      refuses fails the spawn (``step`` ``"sysctl"``).
    * ``cgroup_pool``: a :class:`CgroupPool` the box takes its cgroups from and gives them
      back to when it ends (``box_set_cgroup_pool``).
    * ``switch_userns``: an fd of a user namespace below the one the box is set up in; the
      program runs in it (``box_switch_user_namespace``, bwrap's ``--userns2``). The fd is
      duplicated and stays yours.
    * ``devices``: device cgroup rules in order, the last match deciding
      (``box_device_rule``): ``("deny", "a")`` / ``("allow", "a")`` for every device, or
      ``(verdict, "c" or "b", major, minor[, access])`` with major/minor None for any and
      access a combination of ``"r"``, ``"w"``, ``"m"`` (mknod; default ``"rwm"``), e.g.
      ``[("deny", "a"), ("allow", "c", 1, 3, "rw")]``. They need root: elsewhere the spawn
      fails rather than running without them.
    * ``options``: the raw ``BOX_OPT_*`` mask, replacing the defaults (die with parent |
      new session); ``init``, ``die_with_parent``, ``new_session``, ``no_monitor`` and
      ``best_effort`` given as keywords then set or clear their bit in it. ``BOX_OPT_HOLD`` is what
      ``spawn(..., hold=True)`` adds.
    * ``detach``: True (``BOX_OPT_DETACH``, needs ``id``): the box outlives this process.
      Its state goes to ``state_dir`` (default ``/run/libbox`` for root,
      ``$XDG_RUNTIME_DIR/libbox`` for others), where :meth:`Box.open` finds it again from
      any process; :meth:`close` (and this process's exit) leaves it running,
      :meth:`destroy` ends it and removes its state. It implies ``init``; the box is not
      this process's child (its pid 1 goes to the nearest child subreaper, or init), and
      :meth:`Process.wait` reads the status box-init recorded. ``label``: an opaque string
      kept with the box (:attr:`label` after :meth:`Box.open`). See ``box_open(3)``.
    * ``join``: ``{"net": "/run/netns/x", "uts": "/proc/PID/ns/uts", "ipc": fd}``: join
      these existing namespaces instead of creating them (``box_join_namespace(3)``; a
      pod's shared net, ipc and uts, podman's network namespace, bwrap's ``--userns`` and
      ``--pidns``). A path opens without following symbolic links (but the kernel's own at
      the end of /proc/PID/ns/NAME); an fd is duplicated and stays yours. Impossible
      combinations (a joined user namespace with ``uid_map``, a joined network namespace
      with ``net``, ...) raise :class:`BoxError` (EINVAL) at :meth:`spawn`.
    * ``tty``: True or ``(rows, cols)``: the program gets a pty of the box's own as its
      controlling terminal and stdin, stdout and stderr (``box_set_tty(3)``; give it a
      ``Dev()`` mount for a devpts of its own); :attr:`Process.tty_fd` is the master and
      :meth:`Process.resize` its window size. Spawn it without stdio arguments.
    """

    def __init__(self, root: Optional[PathLike] = None, readonly_root: bool = False,
                 hostname: Optional[str] = None,
                 namespaces: Union[int, Iterable[str], None] = None,
                 mounts: Sequence[Mount] = (), env: Optional[Mapping[str, Optional[str]]] = None,
                 cwd: Optional[PathLike] = None, uid: Optional[int] = None,
                 gid: Optional[int] = None, uid_map: Any = None, gid_map: Any = None,
                 limits: Optional[Mapping[str, Any]] = None,
                 options: Optional[int] = None,
                 cgroup_parent: Optional[PathLike] = None,
                 best_effort: bool = False,
                 cpuset: Union[str, Sequence[Optional[str]], None] = None,
                 io_limits: Optional[Sequence[Sequence[Any]]] = None,
                 caps: Union[str, Sequence[str], None] = None,
                 seccomp: Optional[bool] = None,
                 seccomp_rules: Union[Mapping[str, Any], Sequence[Sequence[Any]], None] = None,
                 landlock: Optional[Sequence[Sequence[Any]]] = None,
                 landlock_required: bool = True, *,
                 program: Optional[PathLike] = None,
                 cgroup_backend: Optional[str] = None,
                 cgroup_pool: Optional["CgroupPool"] = None,
                 seccomp_default_action: Any = None,
                 groups: Optional[Iterable[int]] = None,
                 seccomp_bpf: Union[bytes, int, None] = None,
                 veth: Optional[Sequence[Any]] = None,
                 net: Union[str, Mapping[str, Any], None] = None,
                 publish: Optional[Sequence[str]] = None,
                 time_offsets: Optional[Mapping[str, int]] = None,
                 system: bool = False,
                 init: Optional[bool] = None,
                 die_with_parent: Optional[bool] = None,
                 new_session: Optional[bool] = None,
                 no_monitor: Optional[bool] = None,
                 ns_ids: Optional[bool] = None,
                 image: Optional[str] = None,
                 store: Optional[PathLike] = None,
                 detach: bool = False,
                 id: Optional[str] = None,
                 state_dir: Optional[PathLike] = None,
                 label: Optional[str] = None,
                 join: Optional[Mapping[str, Any]] = None,
                 tty: Any = None,
                 overlay: Union["Overlay", Sequence[PathLike], None] = None,
                 sysctl: Optional[Mapping[str, Union[str, int]]] = None,
                 switch_userns: Optional[int] = None,
                 commit: bool = False,
                 devices: Optional[Sequence[Sequence[Any]]] = None) -> None:
        self._box: Optional[Any] = None
        self._lock = threading.RLock()
        self._process: Optional[Process] = None
        self._execs: "weakref.WeakSet[ExecProcess]" = weakref.WeakSet()  # freed before us
        if not isinstance(detach, bool):
            raise TypeError("detach must be True or False")
        id_b = _box_id(id) if id is not None else None
        if detach and id_b is None:
            raise ValueError("detach=True needs an id")
        sd_b = _abspath(state_dir, "state_dir") if state_dir is not None else None
        label_b = _cstr(label, "label") if label is not None else None
        if (detach or id_b or sd_b or label_b) and _ffi.box_set_id is None:
            raise NotImplementedError("this libbox has no detached boxes (box_set_id)")
        # Validate everything before touching C.
        root_b = _abspath(root, "root") if root is not None else None
        image_b = _image_ref(image) if image is not None else None
        if store is None or isinstance(store, Store):
            store_b = store
        else:
            store_b = _abspath(store, "store")
        if image_b is not None and root_b is not None:
            raise ValueError("give root or image, not both")
        if store_b is not None and image_b is None:
            raise ValueError("store is only used with image")
        if not isinstance(commit, bool):
            raise TypeError("commit must be True or False")
        if commit and image_b is None:
            raise ValueError("commit=True is for a box with image= (Store.commit saves it)")
        root_ov = _root_overlay(overlay)
        if root_ov is not None and (root_b is not None or image_b is not None):
            raise ValueError("give one of root, image and overlay")
        if root_ov is not None and _ffi.box_set_root_overlay is None:
            raise NotImplementedError("this libbox has no box_set_root_overlay")
        sysctls = _sysctls(sysctl)
        if cgroup_pool is not None and not isinstance(cgroup_pool, CgroupPool):
            raise TypeError(f"cgroup_pool is a CgroupPool, not {type(cgroup_pool).__name__}")
        if cgroup_pool is not None:
            cgroup_pool._live()
        userns_fd = (_uint(switch_userns, "switch_userns fd", 31)
                     if switch_userns is not None else None)
        dev_rules = _device_rules(devices)
        if image_b is not None and _ffi.box_set_image is None:
            raise NotImplementedError("this libbox has no box_set_image")
        self._image = image_b is not None
        host_b = _cstr(hostname, "hostname") if hostname is not None else None
        ns = _namespaces(namespaces) if namespaces is not None else None
        joins = _join(join)
        tty_size = _tty(tty)
        self._tty = tty_size is not None
        if joins and _ffi.box_join_namespace is None:
            raise NotImplementedError("this libbox has no box_join_namespace")
        if tty_size is not None and _ffi.box_set_tty is None:
            raise NotImplementedError("this libbox has no box_set_tty")
        if isinstance(mounts, (str, tuple)) and mounts and isinstance(mounts[0], str):
            raise TypeError("mounts is a list of mounts, e.g. [('proc', '/proc')]")
        if not isinstance(system, bool):
            raise TypeError("system must be True or False")
        mount_calls = [_mount_call(_as_mount(m))
                       for m in [*(system_mounts() if system else ()), *(mounts or ())]]
        env_items: list[tuple[bytes, Optional[bytes]]] = []
        if env is not None:
            if not isinstance(env, Mapping):
                raise TypeError("env must be a mapping")
            for k, v in env.items():
                kb = _cstr(k, "environment name")
                if not kb or b"=" in kb:
                    raise ValueError(f"invalid environment variable name {k!r}")
                env_items.append((kb, None if v is None else _cstr(v, f"environment value of {k}")))
        cwd_b = _abspath(cwd, "cwd") if cwd is not None else None
        program_b = _cstr(program, "program") if program is not None else None
        veth_args = _veth(veth)
        net_args = _net(net)
        publish_l = _publish(publish)
        offsets = _time_offsets(time_offsets)
        if program_b is not None and not 0 < len(program_b) < 4096:
            raise ValueError("program must be a non-empty name of less than 4096 bytes")
        if uid is not None:
            _uint(uid, "uid")
        if gid is not None:
            _uint(gid, "gid")
        umaps, gmaps = _maps(uid_map, "uid_map"), _maps(gid_map, "gid_map")
        groups_l = _groups(groups)
        lims = _limits(limits or {})
        if options is not None:
            _uint(options, "options")
        cg_b = _abspath(cgroup_parent, "cgroup_parent") if cgroup_parent is not None else None
        if cg_b is not None and _ffi.box_set_cgroup_parent is None:
            raise NotImplementedError("this libbox has no box_set_cgroup_parent")
        if cgroup_backend is not None and not isinstance(cgroup_backend, str):
            raise TypeError("cgroup_backend must be 'auto', 'v1' or 'v2'")
        if cgroup_backend is not None and cgroup_backend.lower() not in _CGROUP_BACKENDS:
            raise ValueError(f"unknown cgroup_backend {cgroup_backend!r}; known: "
                             f"{', '.join(_CGROUP_BACKENDS)}")
        if not isinstance(best_effort, bool):
            raise TypeError("best_effort must be a bool")
        # options replaces the mask (box_set_options); each keyword then turns its option on
        # or off over it (box_set_option). self._options is the mask as the box has it.
        self._options = _DEFAULT_OPTIONS if options is None else options
        opt_flags = []
        for flag, bit in ((best_effort or None, BOX_OPT_LIMITS_BEST_EFFORT),
                          (init, BOX_OPT_INIT), (die_with_parent, BOX_OPT_DIE_WITH_PARENT),
                          (new_session, BOX_OPT_NEW_SESSION), (no_monitor, BOX_OPT_NO_MONITOR),
                          (ns_ids, BOX_OPT_NS_IDS)):
            if flag is None:
                continue
            if not isinstance(flag, bool):
                raise TypeError("init, die_with_parent, new_session, no_monitor and ns_ids are "
                                "True or False")
            opt_flags.append((bit, 1 if flag else 0))
            self._options = self._options | bit if flag else self._options & ~bit
        cpuset_b = _cpuset(cpuset)
        io_items = _io_limits(io_limits)
        caps_list = _caps(caps)
        if seccomp is not None and not isinstance(seccomp, bool):
            raise TypeError("seccomp must be True or False")
        sc_rules = _seccomp_rules(seccomp_rules)
        sc_default = (_seccomp_action(seccomp_default_action, "seccomp_default_action")
                      if seccomp_default_action is not None else None)
        if sc_default is not None and sc_default[0] == BOX_SECCOMP_NOTIFY:
            raise ValueError("seccomp_default_action cannot be 'notify': it would notify the "
                             "calls the box makes to start")
        bpf = _seccomp_bpf(seccomp_bpf)
        ll_items = _landlock(landlock)
        if not isinstance(landlock_required, bool):
            raise TypeError("landlock_required must be a bool")
        for needed, fn in ((cpuset_b is not None, "box_set_cpuset"),
                           (bool(io_items), "box_set_io_limit"),
                           (caps_list is not None and caps_list != ["all"], "box_cap_keep"),
                           (caps_list == ["all"], "box_cap_keep_all"),
                           (seccomp is not None, "box_seccomp_default"),
                           (any(r[3] is None for r in sc_rules), "box_seccomp_rule"),
                           (any(r[3] is not None for r in sc_rules), "box_seccomp_rule_args"),
                           (sc_default is not None, "box_seccomp_default_action"),
                           (any(r[1] == BOX_SECCOMP_NOTIFY for r in sc_rules),
                            "box_seccomp_notify_fd"),
                           (bpf is not None, "box_seccomp_load_bpf"),
                           (groups_l is not None, "box_set_groups"),
                           (bool(ll_items), "box_landlock_path"),
                           (not landlock_required, "box_landlock_mode"),
                           (program_b is not None, "box_set_program"),
                           (veth_args is not None, "box_net_veth"),
                           (net_args is not None and net_args[0] == "bridge",
                            "box_net_bridge"),
                           (net_args is not None and net_args[0] == "pasta", "box_net_pasta"),
                           (bool(publish_l), "box_net_publish"),
                           (bool(offsets), "box_set_time_offset"),
                           (cgroup_backend is not None, "box_set_cgroup_backend"),
                           (bool(sysctls), "box_set_sysctl"),
                           (cgroup_pool is not None, "box_set_cgroup_pool"),
                           (userns_fd is not None, "box_switch_user_namespace"),
                           (bool(dev_rules), "box_device_rule"),
                           *((True, fn) for fn, _ in mount_calls)):
            if needed and getattr(_ffi, fn) is None:
                raise NotImplementedError(f"this libbox has no {fn}")
        self.wall_limit: Optional[float] = None
        # box_wait enforces the whole-box cpu-time limit only when called: poll it this often.
        self.poll_interval: Optional[float] = None
        for name, const, value in lims:
            if const == BOX_LIMIT_WALL_MS:
                self.wall_limit = value / 1000.0
            elif const == BOX_LIMIT_CPU_TIME_MS:
                self.poll_interval = 0.02

        handle = _ffi.box_p()
        r = _ffi.box_new(ctypes.byref(handle), 0)
        if r < 0:
            raise BoxError(-r, "box_new: " + os.strerror(-r), "box_new")
        self._box = handle
        try:
            if ns is not None:
                self._call("box_set_namespaces", ns)
            for bit, where in joins:
                if isinstance(where, int):
                    self._call("box_join_namespace", bit, where)
                else:
                    self._call("box_join_namespace_path", bit, where)
            if tty_size is not None:
                self._call("box_set_tty", 1, *tty_size)
            if host_b is not None:
                self._call("box_set_hostname", host_b)
            if image_b is not None:
                # First, so that every other keyword overrides the image's config.
                self._set_image(image_b, store_b, _ffi.BOX_IMAGE_COMMIT if commit else 0)
            if root_b is not None:
                self._call("box_set_root", root_b, BOX_ROOT_READONLY if readonly_root else 0)
            elif root_ov is not None:
                n, lowers, upper, work, ro = root_ov
                self._call("box_set_root_overlay", n, lowers, upper, work,
                           BOX_ROOT_READONLY if ro or readonly_root else 0)
            elif readonly_root:
                raise ValueError("readonly_root needs a root or an overlay")
            for fn, args in mount_calls:
                self._call(fn, *args)
            for inside, outside, count in umaps:
                self._call("box_add_uid_map", inside, outside, count)
            for inside, outside, count in gmaps:
                self._call("box_add_gid_map", inside, outside, count)
            if uid is not None or gid is not None:
                self._call("box_set_user", uid or 0, gid or 0)
            if groups_l is not None:
                gids = (_ffi.gid_t * len(groups_l))(*groups_l)
                self._call("box_set_groups", len(groups_l), gids)
            for k, v in env_items:
                if v is None:
                    self._call("box_unsetenv", k)
                else:
                    self._call("box_setenv", k, v)
            if cwd_b is not None:
                self._call("box_set_cwd", cwd_b)
            if program_b is not None:
                self._call("box_set_program", program_b)
            if veth_args is not None:
                self._call("box_net_veth", *veth_args)
            if net_args is not None and net_args[0] == "bridge":
                self._call("box_net_bridge", *net_args[1:5])
                if net_args[5] is not None:
                    self._call("box_net_ip", net_args[5])
            elif net_args is not None and net_args[0] == "pasta":
                self._call("box_net_pasta", 0)
            for spec in publish_l:
                self._call("box_net_publish", spec)
            for clock, seconds in offsets:
                self._call("box_set_time_offset", clock, seconds)
            for name_b, value_b in sysctls:
                self._call("box_set_sysctl", name_b, value_b)
            if userns_fd is not None:
                self._call("box_switch_user_namespace", userns_fd)
            for rule in dev_rules:
                self._call("box_device_rule", *rule)
            for name, const, value in lims:
                self._call("box_set_limit", const, value)
            if options is not None:
                self._call("box_set_options", options)
            for bit, on in opt_flags:
                self._call("box_set_option", bit, on)
            if cg_b is not None:
                self._call("box_set_cgroup_parent", cg_b)
            if cgroup_backend is not None:
                self._call("box_set_cgroup_backend", _CGROUP_BACKENDS[cgroup_backend.lower()])
            if cgroup_pool is not None:  # the box holds its own reference (C side)
                with cgroup_pool._lock:  # not freed meanwhile by another thread's close()
                    self._call("box_set_cgroup_pool", cgroup_pool._live())
            if cpuset_b is not None:
                self._call("box_set_cpuset", *cpuset_b)
            for dev, kind, value in io_items:
                self._call("box_set_io_limit", dev, kind, value)
            if caps_list == ["all"]:
                self._call("box_cap_keep_all")
            elif caps_list:
                for c in caps_list:
                    self._call("box_cap_keep", c.encode())
            if seccomp is not None:
                self._call("box_seccomp_default", 1 if seccomp else 0)
            if sc_default is not None:
                self._call("box_seccomp_default_action", *sc_default)
            for name_b, action, err, args in sc_rules:
                if args is None:
                    self._call("box_seccomp_rule", name_b, action, err)
                else:
                    self._call("box_seccomp_rule_args", name_b, action, err, len(args), args)
            if isinstance(bpf, bytes):
                fd = os.memfd_create("libbox-seccomp-bpf", os.MFD_CLOEXEC)
                try:
                    os.write(fd, bpf)  # at most 32 KiB into a memfd: written whole
                    os.lseek(fd, 0, os.SEEK_SET)
                    self._call("box_seccomp_load_bpf", fd)
                finally:
                    os.close(fd)
            elif bpf is not None:
                self._call("box_seccomp_load_bpf", bpf)
            for path_b, access in ll_items:
                self._call("box_landlock_path", path_b, access)
            if not landlock_required:
                self._call("box_landlock_mode", 0)
            if detach:
                self._call("box_set_option", BOX_OPT_DETACH, 1)
                self._options |= BOX_OPT_DETACH
            if id_b is not None:
                self._call("box_set_id", id_b)
            if sd_b is not None:
                self._call("box_set_state_dir", sd_b)
            if label_b is not None:
                self._call("box_set_label", label_b)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, id: str, state_dir: Optional[PathLike] = None) -> "Box":
        """``box_open``: the detached box ``id`` of ``state_dir`` (default: as for
        ``detach``), made by this or another process, held, running or ended. Its
        :attr:`process` is a :class:`Process` (``pid``, ``pidfd``, ``kill``, ``wait``,
        ``poll``, and ``start`` while it is held). :meth:`close` leaves the box as it is;
        :meth:`destroy` ends it. Raises :class:`BoxError` (ENOENT: no such box; EPROTO:
        a state file libbox cannot read)."""
        if _ffi.box_open_err is None:
            raise NotImplementedError("this libbox has no box_open")
        id_b = _box_id(id)
        sd_b = _abspath(state_dir, "state_dir") if state_dir is not None else None
        handle = _ffi.box_p()
        err = ctypes.create_string_buffer(512)
        r = _ffi.box_open_err(ctypes.byref(handle), sd_b, id_b, err, ctypes.sizeof(err))
        if r < 0:
            raise BoxError(-r, err.value.decode("utf-8", "replace"), "box_open")
        self = cls.__new__(cls)
        self._box = handle
        self._lock = threading.RLock()
        self._execs = weakref.WeakSet()
        self._image = False
        self._options = BOX_OPT_DETACH
        self.wall_limit = None
        self.poll_interval = None
        self._process = None
        self._process = Process(self, [], [None, None, None],
                                held=_ffi.box_phase(handle) == _ffi.BOX_PHASE_CREATED)
        return self

    @property
    def id(self) -> Optional[str]:
        """The box's id (``box_set_id``), or None."""
        with self._lock:
            v = _ffi.box_id(self._box) if self._box is not None and _ffi.box_id else None
        return v.decode() if v is not None else None

    @property
    def label(self) -> Optional[str]:
        """The label of a detached box (``box_set_label``), or None."""
        with self._lock:
            v = _ffi.box_label(self._box) if self._box is not None and _ffi.box_label else None
        return v.decode("utf-8", "replace") if v is not None else None

    @property
    def phase(self) -> Optional[str]:
        """``box_phase``: "created" (held), "running", "paused" or "stopped"; None before
        spawn."""
        if _ffi.box_phase is None:
            raise NotImplementedError("this libbox has no box_phase")
        with self._lock:
            if self._box is None:
                raise ValueError("the box is closed")
            r = _ffi.box_phase(self._box)
        if r == -_errno.ESRCH:
            return None
        if r < 0:
            raise _fail(r, self._box, "box_phase")
        return _PHASES.get(r, "unknown")

    def destroy(self) -> Status:
        """``box_destroy``: kill every process of a detached box, wait until it is gone,
        remove its state and cgroups; returns its :class:`Status` (the box's own end if it
        had ended already)."""
        if _ffi.box_destroy is None:
            raise NotImplementedError("this libbox has no box_destroy")
        with self._lock:
            self._call("box_destroy")
            st = _ffi.box_status_t()
            self._call("box_wait", 0, ctypes.byref(st))
            status = Status._from_c(st)
            if self._process is not None:
                self._process.status = status
                self._process._held = False
            return status

    def _set_image(self, image: bytes, store: Union["Store", bytes, None], flags: int) -> None:
        """box_set_image from ``store``: a :class:`Store`, or the store at that path
        (default: libbox's), opened for the call (the box needs it no longer)."""
        if isinstance(store, Store):
            self._call("box_set_image", store._live(), image, flags)
            return
        with Store(store) as opened:
            self._call("box_set_image", opened._live(), image, flags)

    @property
    def stop_signal(self) -> _signal.Signals:
        """``box_stop_signal``: the signal that asks the box's program to stop: the image's
        StopSignal (``image=``), else SIGTERM. libbox sends it to nobody by itself:
        ``box.process.kill(box.stop_signal)`` does (with ``init=True`` for a program that
        is not pid 1)."""
        with self._lock:
            r = self._call("box_stop_signal")
        try:
            return _signal.Signals(r)
        except ValueError:  # a real-time signal has no name
            return r  # type: ignore[return-value]

    # thin helpers
    def _call(self, name: str, *args: Any) -> int:
        if self._box is None:
            raise ValueError("the box is closed")
        r = getattr(_ffi, name)(self._box, *args)
        if r < 0:
            raise _fail(r, self._box, name)
        return r

    def limit_status(self, name: str) -> tuple[bool, str]:
        """``box_limit_status`` after spawn: ``(True, where)`` when the limit ``name`` (a key
        of ``limits``, e.g. ``"memory"``) is in force, with where it is enforced (a cgroup
        file, ``"rlimit"``, ``"box_wait"``), else ``(False, why)`` (not set, or skipped under
        ``best_effort``). Raises :class:`BoxError` (ESRCH) before spawn."""
        if not isinstance(name, str):
            raise TypeError("the limit name must be a string")
        key = name.lower()
        if key not in _LIMIT_CONSTS:
            raise ValueError(f"unknown limit {name!r}; known: {', '.join(_LIMIT_CONSTS)}")
        if _ffi.box_limit_status is None:
            raise NotImplementedError("this libbox has no box_limit_status")
        buf = ctypes.create_string_buffer(4096)
        with self._lock:
            r = self._call("box_limit_status", _LIMIT_CONSTS[key], buf, ctypes.sizeof(buf))
        return r == 1, buf.value.decode("utf-8", "replace")

    def address(self, family: int = socket.AF_INET) -> Optional[str]:
        """``box_net_address`` while the box runs: its address on the bridge of ``family``
        (``socket.AF_INET`` or ``AF_INET6``), or None when it has none of that family.
        Raises :class:`BoxError` (ESRCH) when it is not running."""
        if _ffi.box_net_address is None:
            raise NotImplementedError("this libbox has no box_net_address")
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise ValueError("family is socket.AF_INET or socket.AF_INET6")
        buf = ctypes.create_string_buffer(64)
        with self._lock:
            if self._box is None:
                raise ValueError("the box is closed")
            r = _ffi.box_net_address(self._box, family, buf, ctypes.sizeof(buf))
        if r == -_errno.ENOENT:
            return None
        if r < 0:
            raise _fail(r, self._box, "box_net_address")
        return buf.value.decode()

    def seccomp_export(self, fd: int, pfc: bool = False) -> None:
        """``box_seccomp_export``: write the box's filter to ``fd`` as BPF or, with ``pfc``,
        as readable pseudo-C."""
        if _ffi.box_seccomp_export is None:
            raise NotImplementedError("this libbox has no box_seccomp_export")
        self._call("box_seccomp_export", _uint(fd, "fd"), 1 if pfc else 0)

    @property
    def handle(self) -> Any:
        """The raw ``box_t *`` for the thin layer (None once closed)."""
        return self._box

    def errmsg(self) -> str:
        """``box_errmsg``: the message of the last failing call on this box."""
        if self._box is None:
            return ""
        return (_ffi.box_errmsg(self._box) or b"").decode("utf-8", "replace")

    def pass_fd(self, fd: int, target: int) -> None:
        """``box_pass_fd``: the program gets ``fd`` as ``target`` (see box.h)."""
        self._call("box_pass_fd", _uint(fd, "fd"), _uint(target, "target fd"))

    def hook(self, when: int, argv: Sequence[PathLike], env: Optional[Sequence[str]] = None,
             input: bytes = b"", timeout_ms: int = 0) -> None:
        """``box_hook``: run ``argv[0]`` (absolute; it is also the hook's argv[0]) at ``when``
        (``BOX_HOOK_MOUNTED`` or ``BOX_HOOK_START``) with ``env`` ("NAME=value" strings,
        the whole environment) and ``input`` on its stdin; a hook that fails fails the
        spawn or the start (see box_hook(3))."""
        if _ffi.box_hook is None:
            raise NotImplementedError("this libbox has no box_hook")
        args = [_cstr(a, "hook argv") for a in argv]
        items = [_cstr(e, "hook env") for e in (env or [])]
        data = bytes(input)
        if not args:
            raise ValueError("hook argv is empty")
        self._call("box_hook", int(when), args[0],
                   (ctypes.c_char_p * (len(args) + 1))(*args, None),
                   (ctypes.c_char_p * (len(items) + 1))(*items, None), data or None,
                   len(data), _uint(timeout_ms, "timeout_ms"))

    def hook_caller(self, when: int, fn: Optional[Callable[[int], None]]) -> None:
        """``box_hook_caller``: call ``fn(pid)`` in this process during the spawn, while the
        box's first process (``pid``) waits at ``when`` (``BOX_HOOK_MOUNTED``: its namespaces
        exist, its mounts are made, before pivot_root and that point's hooks); ``fn`` may
        call :meth:`hook_input`. An exception from it fails the spawn (its errno for an
        OSError, else EIO) at step "hook-caller". None removes it (see box_hook(3))."""
        if _ffi.box_hook_caller is None:
            raise NotImplementedError("this libbox has no box_hook_caller")

        def call(handle: Any, data: Any) -> int:
            try:
                fn(int(_ffi.box_pid(handle)))
            except OSError as e:
                return -(e.errno or _errno.EIO)
            except Exception:  # noqa: BLE001 - any failure of the caller's fails the spawn
                return -_errno.EIO
            return 0

        # (kept: the library calls it during spawn)
        self._hook_fn = _ffi.BOX_HOOK_FN(call) if fn else None
        self._call("box_hook_caller", int(when),
                   self._hook_fn or ctypes.cast(None, _ffi.BOX_HOOK_FN), None)

    def hook_input(self, when: int, index: int, input: bytes) -> None:
        """``box_hook_input``: the ``index``-th hook of ``when`` reads ``input`` instead (before
        the spawn, or in the :meth:`hook_caller` function; see box_hook(3))."""
        if _ffi.box_hook_input is None:
            raise NotImplementedError("this libbox has no box_hook_input")
        data = bytes(input)
        self._call("box_hook_input", int(when), _uint(index, "index"), data or None, len(data))

    def spawn(self, argv: Sequence[PathLike], stdin: Any = None, stdout: Any = None,
              stderr: Any = None, pass_fds: Optional[Mapping[int, int]] = None,
              hold: bool = False) -> "Process":
        """Build the box and run ``argv`` in it; return a :class:`Process`.

        ``stdin``/``stdout``/``stderr``: None (inherit this process's 0/1/2), an fd, a file
        object with ``fileno()``, :data:`PIPE`, :data:`DEVNULL`, or for stderr
        :data:`STDOUT`. ``pass_fds`` maps extra target fds in the box to fds here.
        ``hold`` (``BOX_OPT_HOLD``): build the box but leave its first process waiting
        right before its seccomp filter and exec; the returned process has its ``pid`` and
        ``pidfd`` and can be killed, and :meth:`Process.start` runs the program.
        A box can be spawned once.
        """
        if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence) or \
                (not argv and not getattr(self, "_image", False)):
            raise TypeError("argv must be a non-empty list of strings (empty: the image's "
                            "Cmd, with image=)")
        args = [_cstr(a, "argument") for a in argv]
        if not isinstance(hold, bool):
            raise TypeError("hold must be a bool")
        if hold and _ffi.box_start is None:
            raise NotImplementedError("this libbox has no box_start")
        if self._box is None:
            raise ValueError("the box is closed")
        if self._process is not None:
            raise ValueError("a Box can be spawned only once; make a new Box")
        if self._tty and (stdin, stdout, stderr) != (None, None, None):
            raise ValueError("a box with tty= has the terminal as its stdio: give no "
                             "stdin, stdout or stderr")
        extra = dict(pass_fds or {})
        for t, f in extra.items():
            _uint(t, "target fd")
            _uint(f, "fd")
        to_close: list[int] = []  # our copies of the child's pipe ends and /dev/null
        parents: list[Optional[int]] = [None, None, None]
        child: list[Optional[int]] = [None, None, None]
        try:
            for i, spec in enumerate((stdin, stdout, stderr)):
                if spec is None:
                    continue
                if spec == PIPE:
                    r, w = os.pipe2(os.O_CLOEXEC)
                    if i == 0:
                        child[i], parents[i] = r, w
                    else:
                        child[i], parents[i] = w, r
                    to_close.append(child[i])
                elif spec == DEVNULL:
                    fd = os.open(os.devnull, (os.O_RDONLY if i == 0 else os.O_WRONLY) | os.O_CLOEXEC)
                    to_close.append(fd)
                    child[i] = fd
                elif spec == STDOUT:
                    if i != 2:
                        raise ValueError("STDOUT is only valid for stderr")
                    child[i] = child[1] if child[1] is not None else 1
                elif isinstance(spec, int) and not isinstance(spec, bool):
                    child[i] = _uint(spec, "fd")
                elif hasattr(spec, "fileno"):
                    if hasattr(spec, "flush") and i > 0:
                        spec.flush()
                    child[i] = spec.fileno()
                else:
                    raise TypeError(f"stdio must be None, an fd, a file, PIPE or DEVNULL, not {spec!r}")
            with self._lock:
                if any(c is not None for c in child) or extra:
                    for i in range(3):
                        if i in extra or self._tty:
                            continue
                        if child[i] is not None:
                            self.pass_fd(child[i], i)
                        elif _fd_open(i):
                            self.pass_fd(i, i)
                    for t, f in extra.items():
                        self.pass_fd(f, t)
                if hold and not self._options & BOX_OPT_HOLD:
                    self._call("box_set_option", BOX_OPT_HOLD, 1)
                    self._options |= BOX_OPT_HOLD
                argv_c = (ctypes.c_char_p * (len(args) + 1))(*args, None)
                self._call("box_spawn", argv_c)
                proc = Process(self, list(argv), parents, bool(self._options & BOX_OPT_HOLD))
                self._process = proc
            parents = [None, None, None]  # owned by proc now
            return proc
        finally:
            for fd in to_close:
                os.close(fd)
            for fd in parents:
                if fd is not None:
                    os.close(fd)

    @property
    def process(self) -> Optional["Process"]:
        """The :class:`Process` of :meth:`spawn`, or None before it."""
        return self._process

    def close(self) -> None:
        """``box_free``: kill and reap the box if it still runs, release everything."""
        with self._lock:
            for e in list(self._execs):  # a box_proc_t goes before its box
                e.close()
            box, self._box = self._box, None
            if box is not None:
                _ffi.box_free(box)
            if self._process is not None:
                self._process._close_pipes()


class Process:
    """A spawned box (returned by :meth:`Box.spawn`).

    ``stdin``/``stdout``/``stderr`` are binary file objects for the streams spawned with
    :data:`PIPE`, else None. ``pidfd`` can be registered with :mod:`selectors` (it becomes
    readable when the box ends); it belongs to the box and is closed by the ``wait`` that
    reaps it.

    A box spawned with ``hold=True`` is :attr:`held` until :meth:`start` runs its program:
    ``pid``, ``pidfd``, :meth:`kill` and :meth:`limit_status` work, but :meth:`poll`,
    :meth:`wait` and :meth:`communicate` raise ValueError (they never start it behind
    your back), as they do after a :meth:`start` that failed. The wall-time limit and
    ``Status.wall`` count from the start.

    The calls of a ``"notify"`` seccomp rule wait for this process:
    :meth:`receive_notification` hands each over and :meth:`respond` answers it
    (``notify_fd`` is the listener, for a poll loop of your own).
    """

    def __init__(self, box: Box, args: list, fds: list[Optional[int]], held: bool = False) -> None:
        self._boxobj = box
        self.args = args
        self.stdin: Optional[IO[bytes]] = open(fds[0], "wb", buffering=0) if fds[0] is not None else None
        self.stdout: Optional[IO[bytes]] = open(fds[1], "rb", buffering=0) if fds[1] is not None else None
        self.stderr: Optional[IO[bytes]] = open(fds[2], "rb", buffering=0) if fds[2] is not None else None
        self.pid: int = _ffi.box_pid(box._box)
        self.status: Optional[Status] = None
        self._held = held
        self._start_failed = False
        self._wall_deadline: Optional[float] = None
        self._poll_interval = box.poll_interval
        self._comm: Optional[dict] = None  # the state of _communicate between calls
        if not held:
            self._begin()

    def _begin(self) -> None:
        """The program runs from now: its wall limit counts from here."""
        limit = self._boxobj.wall_limit
        self._wall_deadline = (time.monotonic() + limit) if limit else None

    @property
    def held(self) -> bool:
        """True while a box spawned with ``hold=True`` waits for :meth:`start`."""
        return self._held

    def start(self) -> None:
        """``box_start``: run the program of a box spawned with ``hold=True``.

        Returns once the program has been exec'ed. Raises :class:`BoxError` when that fails
        (e.g. ``"exec nosuchprog: ..."``, or ESRCH when the box was killed while it was
        held): the box is then reaped and this process has no status. Raises ValueError
        when the box is not held (spawned without ``hold``, or started already).
        """
        with self._boxobj._lock:
            if not self._held:
                raise ValueError("the box is not held: start() is for a box spawned with "
                                 "hold=True, once")
            self._held = False
            try:
                self._boxobj._call("box_start")
            except BoxError:
                self._start_failed = True
                raise
            self._begin()

    def _unreaped_box(self) -> Any:
        """Under the lock: the C box while it runs, None once reaped; raises if it is closed,
        held or failed to start."""
        if self.status is not None:
            return None
        box = self._boxobj._box
        if box is None:
            raise ValueError("the box is closed")
        self._check_started()
        return box

    def _check_started(self) -> None:
        if self._held:
            raise ValueError("the box is held: call start() before waiting for it")
        if self._start_failed:
            raise ValueError("the box failed to start: there is no status to wait for")

    @property
    def returncode(self) -> Optional[int]:
        """The exit code, or minus the signal that ended the box; None until reaped."""
        return self.status.returncode if self.status else None

    def ns_id(self, ns: str) -> tuple[int, int]:
        """``box_ns_id``: ``(inode, device)`` of the box's namespace ``ns`` ("net", "pid",
        "mnt", "uts", "ipc", "user", "cgroup", "time"), as stat of /proc/PID/ns/NAME gave
        them during the spawn, before the program ran (so also once it has exited). Needs
        ``Box(ns_ids=True)``; raises :class:`BoxError` (ENOENT) when nothing was recorded,
        ValueError for an unknown name."""
        if ns not in _NS_NAMES:
            raise ValueError(f"unknown namespace {ns!r}; known: {', '.join(_NS_NAMES)}")
        if _ffi.box_ns_id is None:
            raise BoxError(_errno.ENOSYS, "the loaded libbox has no box_ns_id", "box_ns_id")
        ino, dev = ctypes.c_uint64(), ctypes.c_uint64()
        with self._boxobj._lock:
            if self._boxobj._box is None:
                raise ValueError("the box is closed")
            self._boxobj._call("box_ns_id", _NS_NAMES[ns], ctypes.byref(ino), ctypes.byref(dev))
        return ino.value, dev.value

    @property
    def pidfd(self) -> Optional[int]:
        """The box's pidfd (readable when it ends), or None once it has been reaped."""
        with self._boxobj._lock:
            if self.status is not None or self._boxobj._box is None:
                return None
            fd = _ffi.box_pidfd(self._boxobj._box)
            return fd if fd >= 0 else None

    def _try_reap(self) -> Optional[int]:
        """box_wait(0) under the lock; return None if ended, else a dup of the pidfd."""
        with self._boxobj._lock:
            box = self._unreaped_box()
            if box is None:
                return None
            st = _ffi.box_status_t()
            r = _ffi.box_wait(box, 0, ctypes.byref(st))
            if r == 0:
                self.status = Status._from_c(st)
                return None
            if r != -_errno.EAGAIN:
                raise _fail(r, box, "box_wait")
            return os.dup(_ffi.box_pidfd(box))

    def poll(self) -> Optional[Status]:
        """The status if the box has ended (reaping it), else None. Enforces the wall limit."""
        fd = self._try_reap()
        if fd is not None:
            os.close(fd)
        return self.status

    def wait(self, timeout: Union[float, str, None] = None) -> Status:
        """Wait for the box to end and return its :class:`Status`.

        Raises :class:`TimeoutExpired` (box still running) if ``timeout`` passes, and
        ValueError while the box is :attr:`held`. Safe to call while another thread calls
        :meth:`kill`.
        """
        deadline = None if timeout is None else time.monotonic() + parse_time(timeout)
        while True:
            fd = self._try_reap()
            if fd is None:
                assert self.status is not None
                return self.status
            try:
                now = time.monotonic()
                ends = [d for d in (deadline, self._wall_deadline) if d is not None]
                if deadline is not None and now >= deadline:
                    raise TimeoutExpired(self.args, parse_time(timeout))  # type: ignore[arg-type]
                if self._wall_deadline is not None and now >= self._wall_deadline:
                    # libbox kills at the wall limit from box_wait; let it check often.
                    self._wall_deadline = now + 0.01
                    ends = [d for d in (deadline, self._wall_deadline) if d is not None]
                if self._poll_interval is not None:
                    ends.append(now + self._poll_interval)  # cpu-time limit: box_wait often
                wait_s = max(0.0, min(ends) - now) if ends else None
                p = selectors.DefaultSelector()
                try:
                    p.register(fd, selectors.EVENT_READ)
                    p.select(wait_s)
                finally:
                    p.close()
            finally:
                os.close(fd)

    def kill(self, sig: int = _signal.SIGKILL) -> None:
        """``box_kill``: signal the box's first process (SIGKILL by default).

        The first process is pid 1 of its pid namespace: it only gets signals it handles,
        except SIGKILL. Does nothing if the box has already been reaped.
        """
        if isinstance(sig, bool) or not isinstance(sig, int):
            raise TypeError("sig must be an int")
        with self._boxobj._lock:
            if self.status is not None:
                return
            self._boxobj._call("box_kill", int(sig))

    def limit_status(self, name: str) -> tuple[bool, str]:
        """:meth:`Box.limit_status` of this process's box."""
        return self._boxobj.limit_status(name)

    # ---- the running box: pause, resize, list, enter ----

    def _running_call(self, name: str, *args: Any) -> int:
        with self._boxobj._lock:
            box = self._unreaped_box()
            if box is None:
                raise ProcessLookupError(f"{name}: the box has ended")
            r = getattr(_ffi, name)(box, *args)
            if r < 0:
                raise _fail(r, box, name)
            return r

    def pause(self) -> None:
        """``box_pause``: freeze every process of the box (it needs a cgroup: give it a
        cgroup limit such as ``pids``)."""
        self._running_call("box_pause")

    def resume(self) -> None:
        """``box_resume``: thaw a paused box."""
        self._running_call("box_resume")

    def update(self, **limits: Any) -> None:
        """``box_update_limit``: change limits of the running box, named and valued as
        :class:`Box`'s ``limits`` (``update(memory="64M", pids=32)``)."""
        for _key, const, value in _limits(limits):
            self._running_call("box_update_limit", const, ctypes.c_uint64(value))

    def pids(self) -> list[int]:
        """``box_pids``: the pids (as the caller sees them) of every process of the box."""
        n = 64
        while True:
            arr = (_ffi.pid_t * n)()
            count = self._running_call("box_pids", arr, n)
            if count <= n:
                return list(arr[:count])
            n = count + 16

    def exec(self, args: Sequence[PathLike], cwd: Optional[PathLike] = None,
             env: Optional[Mapping[str, str]] = None, stdin: Any = None, stdout: Any = None,
             stderr: Any = None, tty: Any = None) -> "ExecProcess":
        """``box_exec``: run another program in this running box (its namespaces, cgroup,
        identity, capabilities and filters). ``cwd`` and ``env`` replace the box's;
        ``stdin``/``stdout``/``stderr`` are None (the caller's own), an fd, a file object
        or :data:`PIPE`. ``tty`` (True or ``(rows, cols)``, ``BOX_EXEC_TTY``): a terminal of
        its own instead, :attr:`ExecProcess.tty_fd` its master. The returned
        :class:`ExecProcess` must be waited for or closed before this box is closed
        (closing the box kills and reaps it)."""
        argv = [_cstr(a, "args") for a in (args if isinstance(args, (list, tuple)) else [args])]
        if not argv:
            raise ValueError("args is empty")
        envp = None
        if env is not None:
            items = [_cstr(f"{k}={v}", "env") for k, v in env.items()]
            envp = (ctypes.c_char_p * (len(items) + 1))(*items, None)
        opts = _ffi.box_exec_opts_t(size=ctypes.sizeof(_ffi.box_exec_opts_t),
                                    cwd=_abspath(cwd, "cwd") if cwd is not None else None,
                                    envp=envp, stdin_fd=-1, stdout_fd=-1, stderr_fd=-1)
        tty_size = _tty(tty)
        if tty_size is not None:
            if _ffi.box_proc_tty_fd is None:
                raise NotImplementedError("this libbox has no BOX_EXEC_TTY")
            if (stdin, stdout, stderr) != (None, None, None):
                raise ValueError("tty= makes the terminal the program's stdio: give no "
                                 "stdin, stdout or stderr")
            opts.flags |= _ffi.BOX_EXEC_TTY
            opts.tty_rows, opts.tty_cols = tty_size
        ours, theirs = [None, None, None], []  # our pipe ends; the ends the exec gets
        try:
            for i, (name, v) in enumerate((("stdin_fd", stdin), ("stdout_fd", stdout),
                                           ("stderr_fd", stderr))):
                if v is PIPE:
                    r, w = os.pipe2(os.O_CLOEXEC)
                    ours[i], child = (w, r) if i == 0 else (r, w)
                    theirs.append(child)
                    setattr(opts, name, child)
                elif v is not None:
                    setattr(opts, name, v if isinstance(v, int) else v.fileno())
            c_argv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
            proc = _ffi.box_proc_p()
            self._running_call("box_exec", c_argv, ctypes.byref(opts), ctypes.byref(proc))
        except BaseException:
            for fd in ours:
                if fd is not None:
                    os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        return ExecProcess(self, list(args) if isinstance(args, (list, tuple)) else [args],
                           proc, ours)

    @property
    def tty_fd(self) -> Optional[int]:
        """``box_tty_fd``: the master of the box's terminal (``Box(tty=...)``): read the
        program's output, write its input. Owned by the box (closed with it); None without
        a terminal."""
        with self._boxobj._lock:
            if self._boxobj._box is None or _ffi.box_tty_fd is None:
                return None
            fd = _ffi.box_tty_fd(self._boxobj._box)
            return fd if fd >= 0 else None

    def resize(self, rows: int, cols: int) -> None:
        """``box_tty_resize``: the terminal's window size; the program's foreground
        process group gets SIGWINCH."""
        with self._boxobj._lock:
            self._boxobj._call("box_tty_resize", _uint(rows, "rows", 16), _uint(cols, "cols", 16))

    @property
    def notify_fd(self) -> Optional[int]:
        """``box_seccomp_notify_fd``: the seccomp user-notification listener of a box with
        ``"notify"`` rules while it runs (owned by the box, closed when it is reaped), for a
        poll loop of your own; None when no rule notifies, while the box is held and once it
        has been reaped. :meth:`receive_notification` and :meth:`respond` use it."""
        if _ffi.box_seccomp_notify_fd is None:
            raise NotImplementedError("this libbox has no box_seccomp_notify_fd")
        with self._boxobj._lock:
            if self.status is not None or self._boxobj._box is None:
                return None
            fd = _ffi.box_seccomp_notify_fd(self._boxobj._box)
            return fd if fd >= 0 else None

    def _dup_listener(self) -> Optional[tuple[int, int]]:
        """Our own copies of the seccomp listener and the pidfd (box_wait closes the box's),
        or None once the box has been reaped."""
        if _ffi.box_seccomp_notify_fd is None:
            raise NotImplementedError("this libbox has no box_seccomp_notify_fd")
        with self._boxobj._lock:
            box = self._unreaped_box()
            if box is None:
                return None
            fd = _ffi.box_seccomp_notify_fd(box)
            if fd == -_errno.ENOENT:
                raise ValueError("the box has no seccomp listener: none of its seccomp rules "
                                 "has the action 'notify'")
            if fd < 0:
                raise BoxError(-fd, "", "box_seccomp_notify_fd")
            return os.dup(fd), os.dup(_ffi.box_pidfd(box))

    def receive_notification(self, timeout: Union[float, str, None] = None
                             ) -> Optional[Notification]:
        """Wait for the next system call that a ``"notify"`` seccomp rule hands over
        (``SECCOMP_IOCTL_NOTIF_RECV``) and return it as a :class:`Notification`; the box's
        calling process waits until :meth:`respond` answers it.

        Returns None when ``timeout`` passes first, or once the box has ended (its first
        process exited), so that ``while (n := p.receive_notification()) is not None:
        p.respond(n, ...)`` serves a box to its end. Serve it from one thread (e.g. while
        another waits in :meth:`communicate`). Raises ValueError when no rule notifies or
        the box is held.
        """
        deadline = None if timeout is None else time.monotonic() + parse_time(timeout)
        fds = self._dup_listener()
        if fds is None:
            return None
        listener, pidfd = fds
        try:
            with selectors.DefaultSelector() as sel:
                sel.register(listener, selectors.EVENT_READ)
                sel.register(pidfd, selectors.EVENT_READ)
                while True:
                    wait_s = None if deadline is None else max(0.0, deadline - time.monotonic())
                    ready = {key.fd for key, _ in sel.select(wait_s)}
                    if listener in ready:
                        n = _ffi.seccomp_notif()
                        try:
                            fcntl.ioctl(listener, _ffi.SECCOMP_IOCTL_NOTIF_RECV, n)
                            return Notification._from_c(n)
                        except OSError as e:
                            if e.errno != _errno.ENOENT:  # ENOENT: its caller died first
                                raise BoxError(e.errno, "receive a seccomp notification: "
                                               + os.strerror(e.errno),
                                               "SECCOMP_IOCTL_NOTIF_RECV") from None
                    if pidfd in ready or not ready:
                        return None
        finally:
            os.close(listener)
            os.close(pidfd)

    def respond(self, notification: Notification, value: int = 0, error: int = 0,
                continue_: bool = False) -> None:
        """Answer ``notification`` (``SECCOMP_IOCTL_NOTIF_SEND``): its system call returns
        ``value``, or fails with the errno ``error`` (e.g. ``errno.EPERM``) when that is not
        0, or with ``continue_`` is made by the kernel as if nothing had stopped it (value
        and error must be 0 then; it is no security check: see seccomp_unotify(2)).

        Raises :class:`BoxError` (ENOENT) when the caller is gone (killed while it waited,
        or the box has ended).
        """
        if not isinstance(notification, Notification):
            raise TypeError("respond() answers a Notification from receive_notification()")
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("value must be an int")
        if not -(1 << 63) <= value < 1 << 63:
            raise ValueError(f"value {value} is not a 64-bit signed int")
        if _uint(error, "error") > 4095:
            raise ValueError(f"error {error} is not an errno number (0..4095)")
        if not isinstance(continue_, bool):
            raise TypeError("continue_ must be a bool")
        if continue_ and (value or error):
            raise ValueError("with continue_ the kernel makes the call: value and error are 0")
        resp = _ffi.seccomp_notif_resp(
            id=notification.id, val=value, error=-error,
            flags=_ffi.SECCOMP_USER_NOTIF_FLAG_CONTINUE if continue_ else 0)
        fds = self._dup_listener()
        what = f"answer seccomp notification {notification.id}"
        if fds is None:
            raise BoxError(_errno.ENOENT, f"{what}: the box has ended", "SECCOMP_IOCTL_NOTIF_SEND")
        try:
            fcntl.ioctl(fds[0], _ffi.SECCOMP_IOCTL_NOTIF_SEND, resp)
        except OSError as e:
            raise BoxError(e.errno, f"{what}: {os.strerror(e.errno)}",
                           "SECCOMP_IOCTL_NOTIF_SEND") from None
        finally:
            os.close(fds[0])
            os.close(fds[1])

    def terminate(self) -> None:
        """:meth:`kill` with SIGTERM (which a pid 1 without a handler ignores)."""
        self.kill(_signal.SIGTERM)

    def send_signal(self, sig: int) -> None:
        """:meth:`kill` with ``sig``, by subprocess's name."""
        self.kill(sig)

    def __enter__(self) -> "Process":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        """Close the pipes and wait for the box (kill it instead when an exception is on
        its way out, or when it is held)."""
        self._close_pipes()
        if exc_type is None and not self._held and not self._start_failed:
            self.wait()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.kill()

    def communicate(self, input: Optional[bytes] = None, timeout: Union[float, str, None] = None
                    ) -> tuple[Optional[bytes], Optional[bytes]]:
        """Write ``input``, read stdout/stderr to EOF concurrently, wait; return (out, err).

        On timeout, kills the box (SIGKILL), reaps it and raises :class:`TimeoutExpired`
        with the partial output and the status. (:meth:`Popen.communicate` leaves the box
        running instead, as :mod:`subprocess` does.)
        """
        if input is not None and not isinstance(input, (bytes, bytearray, memoryview)):
            raise TypeError("input must be bytes")
        self._check_started()
        t = None if timeout is None else parse_time(timeout)
        deadline = None if t is None else time.monotonic() + t
        if not self._communicate(input, deadline):
            self.kill()
            # The box's pid namespace dies with it: drain briefly what is left.
            self._communicate(None, time.monotonic() + 1.0)
            out, err = self._communicated()
            self._close_pipes()
            status = self.wait()
            raise TimeoutExpired(self.args, t, out, err, status)  # type: ignore[arg-type]
        out, err = self._communicated()
        self._close_pipes()
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return out, err

    def _communicated(self) -> tuple[Optional[bytes], Optional[bytes]]:
        """What :meth:`_communicate` has read from stdout and stderr so far."""
        chunks = self._comm["chunks"] if self._comm else {}
        return tuple(b"".join(chunks.get(id(f), [])) if f is not None else None  # type: ignore
                     for f in (self.stdout, self.stderr))

    def _communicate(self, input: Any, deadline: Optional[float]) -> bool:
        """Write ``input`` to stdin and read stdout and stderr to their end, until
        ``deadline`` (time.monotonic()). Returns True when all is done, False when the
        deadline came first; a later call goes on where this one stopped (``input`` is
        taken from the first call)."""
        c = self._comm
        if c is None:
            c = self._comm = {"view": memoryview(bytes(input) if input is not None else b""),
                              "pos": 0, "chunks": {}, "open": []}
            if self.stdin is not None:
                try:
                    self.stdin.flush()
                except (BrokenPipeError, ValueError):
                    pass
                if c["view"]:
                    os.set_blocking(self.stdin.fileno(), False)
                    c["open"].append(self.stdin)
                else:
                    self._close_quietly(self.stdin)
            for f in (self.stdout, self.stderr):
                if f is not None:
                    c["chunks"][id(f)] = []
                    c["open"].append(f)
        view = c["view"]
        next_tick = time.monotonic() + (self._poll_interval or 0.0)
        sel = selectors.DefaultSelector()
        try:
            for f in c["open"]:
                sel.register(f.fileno(), selectors.EVENT_WRITE if f is self.stdin
                             else selectors.EVENT_READ, f)
            while c["open"]:
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    return False
                ends = [d for d in (deadline, self._wall_deadline) if d is not None]
                if self._poll_interval is not None:
                    ends.append(next_tick)
                wait_s = max(0.0, min(ends) - now) if ends else None
                events = sel.select(wait_s)
                if self._poll_interval is not None and time.monotonic() >= next_tick:
                    # box_wait enforces the cpu-time limit only when called
                    next_tick = time.monotonic() + self._poll_interval
                    self.poll()
                if not events:
                    self.poll()  # lets libbox enforce the wall limit
                    if self._wall_deadline is not None and time.monotonic() >= self._wall_deadline:
                        self._wall_deadline = time.monotonic() + 0.05
                    continue
                for key, _ in events:
                    f = key.data
                    if f is self.stdin:
                        try:
                            c["pos"] += os.write(key.fd, view[c["pos"]:c["pos"] + 65536])
                        except BlockingIOError:
                            continue
                        except (BrokenPipeError, ConnectionResetError):
                            c["pos"] = len(view)
                        if c["pos"] < len(view):
                            continue
                        self._close_quietly(f)
                    else:
                        data = os.read(key.fd, 1 << 16)
                        if data:
                            c["chunks"][id(f)].append(data)
                            continue
                    sel.unregister(key.fd)
                    c["open"].remove(f)
        finally:
            sel.close()
        return True

    @staticmethod
    def _close_quietly(f: Any) -> None:
        try:
            f.close()
        except OSError:  # e.g. a buffered stdin whose box has closed its end
            pass

    def _close_pipes(self) -> None:
        for f in (self.stdin, self.stdout, self.stderr):
            if f is not None and not f.closed:
                try:
                    f.close()
                except OSError:
                    pass


# --- subprocess twins: Popen, run ----------------------------------------------------------

class ExecProcess:
    """A program run in a running box by :meth:`Process.exec` (``box_proc_t``).

    ``pid`` and ``pidfd`` (owned by the handle) as for :class:`Process`; ``stdin``,
    ``stdout`` and ``stderr`` are binary file objects for the streams given :data:`PIPE`.
    :meth:`wait` returns a :class:`Status` of the process itself (cpu, max_rss and how it
    ended; the cgroup fields are the box's and stay 0). :meth:`close` (or leaving a
    ``with`` block) kills and reaps it if it still runs.
    """

    def __init__(self, box: "Process", args: list, proc: Any, fds: list) -> None:
        self._box = box
        self._proc = proc
        self.args = args
        self.stdin = open(fds[0], "wb", buffering=0) if fds[0] is not None else None
        self.stdout = open(fds[1], "rb", buffering=0) if fds[1] is not None else None
        self.stderr = open(fds[2], "rb", buffering=0) if fds[2] is not None else None
        self.pid: int = _ffi.box_proc_pid(proc)
        self.status: Optional[Status] = None
        box._boxobj._execs.add(self)

    @property
    def pidfd(self) -> Optional[int]:
        """A pidfd of the process (readable when it ends), None once it was reaped."""
        if self._proc is None or self.status is not None:
            return None
        r = _ffi.box_proc_pidfd(self._proc)
        return r if r >= 0 else None

    @property
    def tty_fd(self) -> Optional[int]:
        """``box_proc_tty_fd``: the master of its terminal (``exec(..., tty=...)``), owned
        by the handle and open until :meth:`close`; None without a terminal."""
        if self._proc is None or _ffi.box_proc_tty_fd is None:
            return None
        r = _ffi.box_proc_tty_fd(self._proc)
        return r if r >= 0 else None

    def resize(self, rows: int, cols: int) -> None:
        """``box_proc_tty_resize``: its terminal's window size (SIGWINCH to its
        foreground process group)."""
        if self._proc is None:
            raise ValueError("the process handle is closed")
        r = _ffi.box_proc_tty_resize(self._proc, _uint(rows, "rows", 16), _uint(cols, "cols", 16))
        if r < 0:
            raise BoxError(-r, os.strerror(-r), "box_proc_tty_resize")

    @property
    def returncode(self) -> Optional[int]:
        """The exit code, minus the signal, or None while it runs."""
        return self.status.returncode if self.status else None

    def _reap(self, timeout_ms: int) -> bool:
        if self.status is not None:
            return True
        if self._proc is None:
            raise ValueError("the process handle is closed")
        st = _ffi.box_status_t()
        r = _ffi.box_proc_wait(self._proc, timeout_ms, ctypes.byref(st))
        if r == 0:
            self.status = Status._from_c(st)
            return True
        if r in (-_errno.ETIMEDOUT, -_errno.EAGAIN):
            return False
        raise BoxError(-r, os.strerror(-r), "box_proc_wait")

    def poll(self) -> Optional[int]:
        """The return code if it has ended (reaping it), else None."""
        return self.returncode if self._reap(0) else None

    def wait(self, timeout: Union[float, str, None] = None) -> Status:
        """Wait for it to end; :class:`TimeoutExpired` if ``timeout`` passes first."""
        ms = -1 if timeout is None else max(0, int(parse_time(timeout) * 1000))
        if not self._reap(ms):
            raise TimeoutExpired(self.args, parse_time(timeout))  # type: ignore[arg-type]
        assert self.status is not None
        return self.status

    def kill(self, sig: int = _signal.SIGKILL) -> None:
        """``box_proc_kill`` (SIGKILL by default); nothing once it was reaped."""
        if self.status is not None or self._proc is None:
            return
        r = _ffi.box_proc_kill(self._proc, int(sig))
        if r < 0 and r != -_errno.ESRCH:
            raise BoxError(-r, os.strerror(-r), "box_proc_kill")

    def release(self) -> int:
        """``box_proc_release``: free the handle and leave the process running; it stays
        this process's child, to be reaped with :func:`os.waitpid` by the returned pid
        (nothing records its status). The handle's pidfd and terminal go with it (dup
        :attr:`tty_fd` first to keep it); the pipes stay open here. Raises ValueError once
        it was reaped or closed."""
        if self._proc is None:
            raise ValueError("the process handle is closed")
        if self.status is not None:
            raise ValueError("the process was reaped: there is nothing to release")
        proc, self._proc = self._proc, None
        _ffi.box_proc_release(proc)
        return self.pid

    def close(self) -> None:
        """Kill and reap it if it runs, close the pipes and free the handle."""
        for f in (self.stdin, self.stdout, self.stderr):
            if f is not None:
                f.close()
        if self._proc is not None:
            _ffi.box_proc_free(self._proc)
            self._proc = None

    def __enter__(self) -> "ExecProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class CompletedProcess(subprocess.CompletedProcess):
    """The result of :func:`run` and :func:`run_async`: a :class:`subprocess.CompletedProcess`
    (``args``, ``returncode``, ``stdout``, ``stderr``, ``check_returncode()``) with the
    box's :class:`Status` beside it as ``status``.

    ``returncode`` follows :mod:`subprocess`: the exit code, or minus the signal that ended
    the box (also when libbox killed it at a limit: ``status.end`` says which).
    """

    def __init__(self, args: Any, returncode: int, stdout: Any = None, stderr: Any = None,
                 status: Optional[Status] = None) -> None:
        super().__init__(args, returncode, stdout, stderr)
        self.status = status


# subprocess keywords that have no meaning for a box: (default, why not).
_REFUSED = {
    "preexec_fn": (None, "no Python code runs in the box between clone and exec"),
    "close_fds": (True, "a box gets only its stdio and pass_fds; every other fd is closed"),
    "startupinfo": (None, "it is Windows-only"),
    "creationflags": (0, "it is Windows-only"),
    "restore_signals": (True, "the box always starts with default signal dispositions"),
    "user": (None, "use uid= (the uid inside the box)"),
    "group": (None, "use gid= (the gid inside the box)"),
    "extra_groups": (None, "use groups= (supplementary groups inside the box)"),
    "umask": (-1, "the box's umask is the library's"),
    "pipesize": (-1, "pipes keep the kernel's size"),
    "process_group": (None, "the box runs in a session of its own (new_session)"),
}
_LIMIT_SHORTCUTS = ("memory", "pids", "cpu", "wall", "cpu_time")


@functools.lru_cache(maxsize=None)
def _box_keywords() -> frozenset:
    import inspect
    return frozenset(inspect.signature(Box.__init__).parameters) - {"self"}


def _check_keywords(api: str, kwargs: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """TypeError, naming ``api``, for a subprocess keyword that a box cannot honour and for
    an unknown keyword."""
    known = set(allowed) | _box_keywords() | set(_LIMIT_SHORTCUTS)
    for name, value in kwargs.items():
        if name in _REFUSED:
            default, why = _REFUSED[name]
            if value is not default and value != default:
                raise TypeError(f"{api}() does not support {name}={value!r}: {why}")
        elif name not in known:
            raise TypeError(f"{api}() got an unexpected keyword argument {name!r}")


def _box_limits(kwargs: dict) -> None:
    """Fold the limit shortcuts (memory=, pids=, cpu=, wall=, cpu_time=) into limits=."""
    limits = dict(kwargs.pop("limits", None) or {})
    cpu = kwargs.pop("cpu", None)
    if cpu is not None:
        limits["cpu_millis"] = _cpu_millis(cpu)
    for name in ("memory", "pids", "wall", "cpu_time"):
        v = kwargs.pop(name, None)
        if v is not None:
            limits[name] = v
    if limits:
        kwargs["limits"] = limits


def _argv(args: Any, shell: bool, executable: Any) -> tuple[list, Any]:
    """(argv, program) as subprocess builds them on POSIX: a str or path is the program
    alone, shell=True runs ``/bin/sh -c`` with the args, executable replaces what is run."""
    if isinstance(args, (str, bytes)):
        args = [args]
    elif isinstance(args, os.PathLike):
        if shell:
            raise TypeError("path-like args is not allowed when shell is true")
        args = [args]
    elif isinstance(args, Iterable):
        args = list(args)
    else:
        raise TypeError(f"args must be a list of strings, a string or a path, not "
                        f"{type(args).__name__}")
    if not args:
        raise TypeError("args must not be empty")
    if shell:
        args = ["/bin/sh", "-c", *args]
        if executable is not None:
            args[0], executable = executable, None
    return args, executable


class Popen:
    """A program in a new box, with :class:`subprocess.Popen`'s interface.

    ``Popen(args, bufsize=-1, executable=None, stdin=None, stdout=None, stderr=None,
    shell=False, cwd=None, env=None, universal_newlines=None, start_new_session=False,
    pass_fds=(), *, encoding=None, errors=None, text=None, **box_options)``

    The subprocess arguments mean what they mean there, for the program in the box:

    * ``args``: a list, or a string (the program alone, or with ``shell=True`` the command
      line of ``/bin/sh -c``); ``executable`` is the file run instead of ``args[0]``
      (``program=``), or the shell with ``shell=True``. Names are looked up in the box's
      PATH, inside the box.
    * ``stdin``, ``stdout``, ``stderr``: None (this process's), :data:`PIPE`,
      :data:`DEVNULL`, :data:`STDOUT` (stderr), an fd or a file object.
    * ``text``/``universal_newlines``, ``encoding``, ``errors``: text mode, as in
      subprocess (the pipes are text streams and :meth:`communicate` takes and returns
      str); ``bufsize`` buffers the pipes as there.
    * ``cwd``: the working directory inside the box. ``env``: the program's environment;
      a box never inherits this process's, so ``env=None`` gives only the box's default
      ``PATH``, which stays (to find programs) unless ``env`` sets it or maps it to None.
    * ``pass_fds``: these fds of this process are open in the box at the same numbers.
    * ``start_new_session=True`` is the default of a box anyway (``new_session``).

    Keywords that have no meaning in a box (``preexec_fn``, ``close_fds=False``, ``user``,
    ``group``, ``extra_groups``, ``umask``, ``process_group``, ``restore_signals=False``,
    ``pipesize``, ``startupinfo``, ``creationflags``) raise TypeError naming
    ``libbox.Popen``. Every other keyword describes the box as for :class:`Box`
    (``root``, ``mounts``, ``system``, ``init``, ``limits``...), plus the limit shortcuts
    of :func:`run`.

    A box that cannot start raises a :class:`BoxError`, the :class:`OSError` subclass of
    its errno (FileNotFoundError for a missing program, PermissionError...).

    ``returncode`` is the exit code or minus the signal, ``status`` the box's
    :class:`Status`; :meth:`poll` and :meth:`wait` return the returncode. Without
    ``init=True`` the program is its pid namespace's pid 1, which ignores the signals it
    has no handler for: :meth:`terminate` then does nothing to e.g. ``sleep`` (use
    ``init=True``, whose box-init forwards them, or :meth:`kill`). With ``init=True`` a
    program that a signal ended shows as box-init reports it, exit code 128 + the signal
    (box-init, pid 1, cannot die of that signal itself). A Popen is a context
    manager that closes the pipes and waits on exit; the box is released then (and by
    garbage collection, which kills it if it still runs).
    """

    def __init__(self, args: Any, bufsize: int = -1, executable: Optional[PathLike] = None,
                 stdin: Any = None, stdout: Any = None, stderr: Any = None,
                 preexec_fn: Any = None, close_fds: bool = True,
                 shell: bool = False, cwd: Optional[PathLike] = None,
                 env: Optional[Mapping[str, Optional[str]]] = None,
                 universal_newlines: Optional[bool] = None, startupinfo: Any = None,
                 creationflags: int = 0, restore_signals: bool = True,
                 start_new_session: bool = False, pass_fds: Iterable[int] = (), *,
                 user: Any = None, group: Any = None, extra_groups: Any = None,
                 encoding: Optional[str] = None, errors: Optional[str] = None,
                 text: Optional[bool] = None, umask: int = -1, pipesize: int = -1,
                 process_group: Any = None, **box_options: Any) -> None:
        # subprocess.Popen's parameters, in its order; those without a meaning in a box are
        # accepted only with their defaults.
        self._api = box_options.pop("_api", "libbox.Popen")
        given = dict(preexec_fn=preexec_fn, close_fds=close_fds, startupinfo=startupinfo,
                     creationflags=creationflags, restore_signals=restore_signals, user=user,
                     group=group, extra_groups=extra_groups, umask=umask, pipesize=pipesize,
                     process_group=process_group)
        _check_keywords(self._api, {**given, **box_options}, ())
        if text is not None and universal_newlines is not None and \
                bool(text) != bool(universal_newlines):
            raise subprocess.SubprocessError("Cannot disambiguate when both text and "
                                             "universal_newlines are supplied but different. "
                                             "Pass one or the other.")
        if isinstance(bufsize, bool) or not isinstance(bufsize, int):
            raise TypeError("bufsize must be an integer")
        if not isinstance(shell, bool):
            raise TypeError("shell must be True or False")
        self.text_mode = bool(encoding or errors or text or universal_newlines)
        self.encoding = encoding
        self.errors = errors
        if self.text_mode and encoding is None:
            import locale
            self.encoding = locale.getpreferredencoding(False)
        self.args = args
        argv, program = _argv(args, shell, executable)
        if program is not None:
            box_options["program"] = program
        if start_new_session:
            box_options.setdefault("new_session", True)
        _box_limits(box_options)
        fds = {}
        for fd in pass_fds:
            fds[_uint(fd, "pass_fds entry")] = fd
        self.box = Box(cwd=cwd, env=env, **box_options)
        try:
            self.process = self.box.spawn(argv, stdin=stdin, stdout=stdout, stderr=stderr,
                                          pass_fds=fds)
        except BaseException:
            self.box.close()
            raise
        self.pid: int = self.process.pid
        p = self.process
        p.stdin, p.stdout, p.stderr = (self._wrap(p.stdin, True, bufsize),
                                       self._wrap(p.stdout, False, bufsize),
                                       self._wrap(p.stderr, False, bufsize))
        self.stdin, self.stdout, self.stderr = p.stdin, p.stdout, p.stderr
        self._communication_started = False

    def _wrap(self, raw: Any, writing: bool, bufsize: int) -> Any:
        """The stream of a pipe as subprocess makes it: buffered unless bufsize is 0, a text
        stream in text mode."""
        if raw is None:
            return None
        size = io.DEFAULT_BUFFER_SIZE if bufsize in (-1, 1) else bufsize
        if self.text_mode:
            buf = io.BufferedWriter(raw, size) if writing else io.BufferedReader(raw, size)
            return io.TextIOWrapper(buf, self.encoding, self.errors, write_through=writing,
                                    line_buffering=writing and bufsize == 1)
        if bufsize == 0:
            return raw
        return io.BufferedWriter(raw, size) if writing else io.BufferedReader(raw, size)

    @property
    def universal_newlines(self) -> bool:
        """The same as ``text_mode`` (subprocess's old name)."""
        return self.text_mode

    @property
    def status(self) -> Optional[Status]:
        """How the box ended (:class:`Status`), once it has been waited for; else None."""
        return self.process.status

    @property
    def returncode(self) -> Optional[int]:
        """The exit code, or minus the signal that ended the box; None while it runs."""
        return self.process.returncode

    def poll(self) -> Optional[int]:
        """The returncode if the box has ended (reaping it), else None."""
        st = self.process.poll()
        return None if st is None else st.returncode

    def wait(self, timeout: Union[float, str, None] = None) -> int:
        """Wait for the box to end and return the returncode; raises
        :class:`TimeoutExpired` (a :class:`subprocess.TimeoutExpired`) when ``timeout``
        seconds pass first, the box still running."""
        return self.process.wait(timeout).returncode

    def communicate(self, input: Any = None, timeout: Union[float, str, None] = None
                    ) -> tuple[Any, Any]:
        """Send ``input`` (str in text mode, else bytes) to stdin, read stdout and stderr
        to their end, wait for the box; return ``(stdout, stderr)`` (None for a stream
        that is not a PIPE).

        As in subprocess, when ``timeout`` passes first :class:`TimeoutExpired` is raised
        and the box keeps running: call communicate() again (after :meth:`kill`, say) to
        get all of the output."""
        if self._communication_started and input:
            raise ValueError("Cannot send input after starting communication")
        if input is not None:
            if self.text_mode and isinstance(input, str):
                input = input.encode(self.encoding, self.errors or "strict")
            elif not isinstance(input, (bytes, bytearray, memoryview)):
                raise TypeError(f"input must be {'str' if self.text_mode else 'bytes'}, not "
                                f"{type(input).__name__}")
        self._communication_started = True
        t = None if timeout is None else parse_time(timeout)
        deadline = None if t is None else time.monotonic() + t
        p = self.process
        p._check_started()
        if not p._communicate(input, deadline):
            out, err = p._communicated()
            raise TimeoutExpired(self.args, t, out, err)  # type: ignore[arg-type]
        out, err = p._communicated()
        p._close_pipes()
        p.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if self.text_mode:
            out, err = (self._text(x) for x in (out, err))
        return out, err

    def _text(self, data: Optional[bytes]) -> Optional[str]:
        if data is None:
            return None
        text = data.decode(self.encoding, self.errors or "strict")  # type: ignore[arg-type]
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to the box's first process (nothing once it has been reaped)."""
        self.process.kill(sig)

    def terminate(self) -> None:
        """SIGTERM (see the class notes on pid 1 and ``init=True``)."""
        self.send_signal(_signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the box's first process ends, and its pid namespace with it."""
        self.send_signal(_signal.SIGKILL)

    def __enter__(self) -> "Popen":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        """Close the pipes and wait for the box, as subprocess does; when an exception is
        on its way out, kill the box instead of waiting (box_free)."""
        try:
            for f in (self.stdout, self.stderr):
                if f is not None:
                    Process._close_quietly(f)
            if self.stdin is not None:
                try:
                    self.stdin.close()
                except BrokenPipeError:
                    pass
            if exc_type is None and not self.process._held and not self.process._start_failed:
                self.process.wait()
        finally:
            self.box.close()

    def __repr__(self) -> str:
        return f"<libbox.Popen: returncode: {self.returncode} args: {self.args!r}>"


def run(args: Any, *, input: Any = None, capture_output: bool = False,
        timeout: Union[float, str, None] = None, check: bool = False,
        **kwargs: Any) -> CompletedProcess:
    """Run ``args`` in a new box and wait for it, as :func:`subprocess.run` does.

    Takes subprocess.run's keywords (``stdin``, ``input`` -- str in text mode --,
    ``stdout``, ``stderr``, ``capture_output``, ``timeout``, ``check``, ``text``,
    ``encoding``, ``errors``, ``universal_newlines``, ``shell``, ``cwd``, ``env``,
    ``executable``, ``pass_fds``, ``bufsize``; see :class:`Popen`) and every keyword of
    :class:`Box` (``root``, ``mounts``, ``system``, ``init``, ``limits``...). Returns a
    :class:`CompletedProcess` whose ``returncode`` is the exit code or minus the signal,
    with ``status`` beside it; ``check=True`` raises
    :class:`subprocess.CalledProcessError` for a non-zero one.

    Shortcuts for ``limits`` entries, all for the whole box: ``memory`` (bytes or "256M"),
    ``pids`` (tasks), ``cpu`` (cpu bandwidth in cpus: 0.5 is half a cpu, i.e.
    ``cpu_millis=500``), ``cpu_time`` (cpu time of all its processes, seconds or "1.5s")
    and ``wall``. The per-process RLIMIT_CPU is ``limits={"rlimit_cpu": seconds}``.
    memory, pids, cpu and cpu_time need a cgroup: where this host or caller has none it
    can write (e.g. rootless without a delegated cgroup), :class:`BoxError` names the
    controller, unless ``best_effort=True`` (then see :meth:`Process.limit_status`).

    ``timeout`` (seconds or "2s") kills the box and raises :class:`TimeoutExpired` with
    the partial output and the box's ``status``. A box that cannot start raises the
    :class:`BoxError` of its errno (FileNotFoundError for a missing program...).
    """
    _check_keywords("libbox.run", kwargs, _POPEN_KEYWORDS)
    if input is not None:
        if kwargs.get("stdin") is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        kwargs["stdin"] = PIPE
    if capture_output:
        if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        kwargs["stdout"] = kwargs["stderr"] = PIPE
    t = None if timeout is None else parse_time(timeout)
    with Popen(args, _api="libbox.run", **kwargs) as p:
        try:
            out, err = p.communicate(input, timeout=t)
        except TimeoutExpired:
            p.kill()
            # Its pid namespace dies with it: what is left to read comes at once.
            p.process._communicate(None, time.monotonic() + 1.0)
            out, err = p.process._communicated()
            p.process._close_pipes()
            status = p.process.wait()
            if p.text_mode:
                out, err = p._text(out), p._text(err)
            raise TimeoutExpired(p.args, t, out, err, status) from None  # type: ignore[arg-type]
        except BaseException:
            with contextlib.suppress(OSError):  # e.g. already reaped by someone else
                p.kill()
            raise
        status = p.status
    assert status is not None
    res = CompletedProcess(p.args, status.returncode, out, err, status)
    if check:
        res.check_returncode()
    return res


def _popen_keywords() -> frozenset:
    import inspect
    return frozenset(inspect.signature(Popen.__init__).parameters) - {"self", "box_options"}


_POPEN_KEYWORDS = _popen_keywords()


# --- misc --------------------------------------------------------------------------------

def version() -> str:
    """``box_version()`` of the loaded library."""
    return _ffi.box_version().decode()


def probe() -> dict:
    """``box_probe()`` as a dict (what this kernel and caller can do)."""
    f = _ffi.box_features_t()
    r = _ffi.box_probe(ctypes.byref(f))
    if r < 0:
        raise BoxError(-r, "", "box_probe")
    out = {}
    for name, _ in _ffi.box_features_t._fields_:
        if name == "reserved":
            continue
        v = getattr(f, name)
        out[name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return out


from ._aio import (  # noqa: E402  (needs Box, Process and the helpers above)
    AsyncProcess, create_subprocess_exec, create_subprocess_shell, run_async,
)
