"""Low-level ctypes declarations for libbox (include/box.h).

Every C declaration the binding uses lives in this module: the library loader, the
constants, the structs and the argtypes/restype of each function. The functions are
exposed as attributes of :data:`lib` (e.g. ``lib.box_new``) and return the raw C value
(0 or a negative errno) -- the thin layer.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

# --- constants -------------------------------------------------------------------------

BOX_VERSION_MAJOR = 0
BOX_VERSION_MINOR = 1
BOX_VERSION_MICRO = 0

BOX_NS_USER = 1 << 0
BOX_NS_PID = 1 << 1
BOX_NS_MNT = 1 << 2
BOX_NS_UTS = 1 << 3
BOX_NS_IPC = 1 << 4
BOX_NS_NET = 1 << 5
BOX_NS_CGROUP = 1 << 6
BOX_NS_TIME = 1 << 7
BOX_NS_ALL = 0xFF

BOX_ROOT_READONLY = 1 << 0
BOX_ROOT_DEVICES = 1 << 1  # no nodev on the root (bwrap's --dev-bind DIR /)

BOX_EXEC_USER = 1 << 0  # box_exec_opts_t.flags: uid/gid instead of the box's
BOX_EXEC_GROUPS = 1 << 1  # groups[n_groups] instead of the box's
BOX_EXEC_CGROUP = 1 << 2  # a cgroup of its own, for its accounting
BOX_EXEC_TTY = 1 << 3  # a pty of its own as its terminal and stdio (box_proc_tty_fd)
BOX_EXEC_CAPS_BOUNDING_ONLY = 1 << 4  # a non-zero uid gets the kept caps as bounding set only

BOX_STORE_CREATE = 1 << 0
BOX_STORE_NOWAIT = 1 << 1
BOX_IMAGE_COMMIT = 1 << 0
BOX_IMAGE_NO_ENTRYPOINT = 1 << 1

BOX_MOUNT_BIND = 1
BOX_MOUNT_TMPFS = 2
BOX_MOUNT_PROC = 3
BOX_MOUNT_DEV = 4
BOX_MOUNT_MQUEUE = 5
BOX_MOUNT_DIR = 6
BOX_MOUNT_SYMLINK = 7
BOX_MOUNT_REMOUNT_RO = 8
BOX_MOUNT_OVERLAY = 9  # only through box_mount_overlay
BOX_MOUNT_SYSFS = 10
BOX_MOUNT_CGROUP2 = 11
BOX_MOUNT_MASK = 12
BOX_MOUNT_READONLY = 13
BOX_MOUNT_CGROUP = 14

BOX_MOUNT_RO = 1 << 0
BOX_MOUNT_NOREC = 1 << 1
BOX_MOUNT_DEVICES = 1 << 2
BOX_MOUNT_EXEC_OFF = 1 << 3
BOX_MOUNT_TRY = 1 << 4
BOX_MOUNT_NOFOLLOW = 1 << 5
BOX_MOUNT_COPY_UP = 1 << 6

BOX_OPT_DIE_WITH_PARENT = 1 << 0
BOX_OPT_NEW_SESSION = 1 << 1
BOX_OPT_LIMITS_BEST_EFFORT = 1 << 2
BOX_OPT_INIT = 1 << 3  # pid 1 is libbox's box-init (see box.h)
BOX_OPT_ALLOW_NEW_PRIVS = 1 << 4
BOX_OPT_HOLD = 1 << 5  # box_spawn leaves the box waiting for box_start
BOX_OPT_SET_PWD = 1 << 6  # PWD names the directory the program started in
BOX_OPT_NO_USERNS = 1 << 7  # the program cannot make user namespaces
BOX_OPT_ASSERT_NO_USERNS = 1 << 8  # box_spawn fails unless it cannot
BOX_OPT_CAPS_INHERITABLE = 1 << 9  # kept capabilities inheritable and ambient for uid 0 too
BOX_OPT_DETACH = 1 << 10  # the box outlives the caller (box_open finds it again)
BOX_OPT_CALLER_MAPS = 1 << 11  # the caller writes the uid/gid maps; box_start goes on
BOX_OPT_NO_INIT = 1 << 12  # with BOX_OPT_DETACH: no box-init, the subreaper reaps pid 1
BOX_OPT_CAPS_BOUNDING_ONLY = 1 << 13  # a non-zero uid gets the kept caps as bounding set only
BOX_OPT_CAPS_CALLER_INHERITABLE = 1 << 14  # uid 0 keeps the caller's inheritable caps, as ambient
BOX_OPT_NO_MONITOR = 1 << 15  # no monitor process: the box is our child (do not reap it)
BOX_OPT_NS_IDS = 1 << 16  # box_spawn records the namespace ids for box_ns_id

# box_hook's points (box_hook_t)
BOX_HOOK_MOUNTED = 1  # in the box's namespaces, mounts made, before pivot_root
BOX_HOOK_START = 2    # inside the box, right before the program's exec

BOX_ID_MAX = 128
BOX_PHASE_CREATED = 1
BOX_PHASE_RUNNING = 2
BOX_PHASE_PAUSED = 3
BOX_PHASE_STOPPED = 4

BOX_LIMIT_NOFILE = 1
BOX_LIMIT_NPROC = 2
BOX_LIMIT_FSIZE = 3
BOX_LIMIT_CORE = 4
BOX_LIMIT_STACK = 5
BOX_LIMIT_AS = 6
BOX_LIMIT_CPU = 7
BOX_LIMIT_WALL_MS = 8
BOX_LIMIT_MEMORY = 9
BOX_LIMIT_PIDS = 10
# Declared by the cgroup work in include/box.h (libraries without it refuse them: EINVAL).
BOX_LIMIT_MEMORY_HIGH = 11
BOX_LIMIT_SWAP = 12
BOX_LIMIT_CPU_MILLIS = 13
BOX_LIMIT_CPU_WEIGHT = 14
BOX_LIMIT_CPU_TIME_MS = 15
BOX_LIMIT_IO_WEIGHT = 16
BOX_LIMIT_HUGETLB = 17  # bytes of huge pages of the default size (0 allowed)

BOX_LIMIT_UNIT_COUNT = 1
BOX_LIMIT_UNIT_BYTES = 2
BOX_LIMIT_UNIT_SECONDS = 3
BOX_LIMIT_UNIT_MS = 4

BOX_IO_READ_BPS = 1
BOX_IO_WRITE_BPS = 2
BOX_IO_READ_IOPS = 3
BOX_IO_WRITE_IOPS = 4

BOX_DEVICE_READ = 1 << 0
BOX_DEVICE_WRITE = 1 << 1
BOX_DEVICE_MKNOD = 1 << 2
BOX_DEVICE_ALL = BOX_DEVICE_READ | BOX_DEVICE_WRITE | BOX_DEVICE_MKNOD
BOX_SECCOMP_ALLOW = 1
BOX_SECCOMP_ERRNO = 2
BOX_SECCOMP_KILL = 3
BOX_SECCOMP_LOG = 4
BOX_SECCOMP_NOTIFY = 5  # hand the call to the supervisor (box_seccomp_notify_fd)

BOX_SECCOMP_CMP_EQ = 1
BOX_SECCOMP_CMP_NE = 2
BOX_SECCOMP_CMP_LT = 3
BOX_SECCOMP_CMP_LE = 4
BOX_SECCOMP_CMP_GT = 5
BOX_SECCOMP_CMP_GE = 6
BOX_SECCOMP_CMP_MASKED_EQ = 7
BOX_SECCOMP_MAX_ARGS = 6

BOX_LANDLOCK_READ = 1 << 0
BOX_LANDLOCK_WRITE = 1 << 1
BOX_LANDLOCK_EXEC = 1 << 2

BOX_STATUS_VERSION = 1
BOX_FEATURES_VERSION = 1

BOX_END_EXITED = 1
BOX_END_SIGNALED = 2
BOX_END_WALL_TIME = 3
BOX_END_KILLED = 4
BOX_END_OOM = 5
BOX_END_CPU_TIME = 6

BOX_CGROUP_NONE = 0
BOX_CGROUP_V1 = 1
BOX_CGROUP_HYBRID = 2
BOX_CGROUP_V2 = 3

BOX_CGROUP_BACKEND_AUTO = 0
BOX_CGROUP_BACKEND_V1 = 1
BOX_CGROUP_BACKEND_V2 = 2

END_NAMES = {
    BOX_END_EXITED: "exited",
    BOX_END_SIGNALED: "signaled",
    BOX_END_WALL_TIME: "wall_time",
    BOX_END_KILLED: "killed",
    BOX_END_OOM: "oom",
    BOX_END_CPU_TIME: "cpu_time",
}

# --- types -----------------------------------------------------------------------------

uid_t = ctypes.c_uint32
gid_t = ctypes.c_uint32
pid_t = ctypes.c_int32
mode_t = ctypes.c_uint32


class box_t(ctypes.Structure):
    """Opaque ``struct box``; only pointers to it are used."""


box_p = ctypes.POINTER(box_t)
# box_hook_caller's function, box_hook_fn: int fn(box_t *box, void *data).
BOX_HOOK_FN = ctypes.CFUNCTYPE(ctypes.c_int, box_p, ctypes.c_void_p)


class box_store_t(ctypes.Structure):
    """Opaque: only pointers to it cross the ABI."""


box_store_p = ctypes.POINTER(box_store_t)


class box_cgroup_pool_t(ctypes.Structure):
    """Opaque: only pointers to it cross the ABI."""


box_cgroup_pool_p = ctypes.POINTER(box_cgroup_pool_t)


class box_status_t(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint32),  # BOX_STATUS_VERSION, set by the library
        ("end", ctypes.c_int),  # box_end_t
        ("exit_code", ctypes.c_int),
        ("signal", ctypes.c_int),
        ("wall_us", ctypes.c_uint64),
        ("cpu_user_us", ctypes.c_uint64),
        ("cpu_system_us", ctypes.c_uint64),
        ("max_rss_bytes", ctypes.c_uint64),
        # carved out of reserved[8] by the cgroup work; 0 from libraries without it
        ("memory_peak_bytes", ctypes.c_uint64),
        ("oom_kills", ctypes.c_uint64),
        ("pids_limit_hits", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64 * 5),
    ]


class box_proc_t(ctypes.Structure):
    """Opaque ``struct box_proc`` (box_exec); only pointers to it are used."""


box_proc_p = ctypes.POINTER(box_proc_t)


class box_exec_opts_t(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),  # sizeof(box_exec_opts_t)
        ("cwd", ctypes.c_char_p),
        ("envp", ctypes.POINTER(ctypes.c_char_p)),
        ("stdin_fd", ctypes.c_int),  # -1: the caller's own
        ("stdout_fd", ctypes.c_int),
        ("stderr_fd", ctypes.c_int),
        ("flags", ctypes.c_uint64),  # BOX_EXEC_*
        ("uid", uid_t),  # BOX_EXEC_USER
        ("gid", gid_t),
        ("groups", ctypes.POINTER(gid_t)),  # BOX_EXEC_GROUPS
        ("n_groups", ctypes.c_size_t),
        ("limits", ctypes.c_void_p),  # box_exec_limit_t[n_limits]
        ("n_limits", ctypes.c_size_t),
        ("tty_rows", ctypes.c_ushort),  # BOX_EXEC_TTY
        ("tty_cols", ctypes.c_ushort),
    ]


class box_exec_limit_t(ctypes.Structure):
    _fields_ = [("limit", ctypes.c_int), ("value", ctypes.c_uint64)]


class box_seccomp_arg_t(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_uint),  # which argument, 0..5
        ("op", ctypes.c_int),  # BOX_SECCOMP_CMP_*
        ("value", ctypes.c_uint64),
        ("mask", ctypes.c_uint64),  # BOX_SECCOMP_CMP_MASKED_EQ only, else 0
    ]


class box_features_t(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint32),  # BOX_FEATURES_VERSION, set by the library
        ("userns", ctypes.c_int),
        ("userns_why", ctypes.c_char * 512),
        ("cgroup_layout", ctypes.c_int),  # box_cgroup_layout_t
        ("cgroup_v2_path", ctypes.c_char * 512),
        ("cgroup_controllers", ctypes.c_char * 256),
        ("landlock_abi", ctypes.c_int),
        ("seccomp_notify", ctypes.c_int),
        ("clone3", ctypes.c_int),
        ("clone_into_cgroup", ctypes.c_int),
        ("pidfd", ctypes.c_int),
        ("idmapped_mounts", ctypes.c_int),
        ("time_ns", ctypes.c_int),
        ("reserved", ctypes.c_uint64 * 8),
    ]


# Seccomp user notification (linux/seccomp.h, seccomp_unotify(2)): what the caller reads from
# and writes to the listener of box_seccomp_notify_fd, without libseccomp.

class seccomp_data(ctypes.Structure):
    _fields_ = [
        ("nr", ctypes.c_int),
        ("arch", ctypes.c_uint32),  # AUDIT_ARCH_*
        ("instruction_pointer", ctypes.c_uint64),
        ("args", ctypes.c_uint64 * 6),
    ]


class seccomp_notif(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint64),
        ("pid", ctypes.c_uint32),  # in the pid namespace of whoever receives it
        ("flags", ctypes.c_uint32),
        ("data", seccomp_data),
    ]


class seccomp_notif_resp(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint64),
        ("val", ctypes.c_int64),
        ("error", ctypes.c_int32),  # 0 or a negative errno
        ("flags", ctypes.c_uint32),  # SECCOMP_USER_NOTIF_FLAG_CONTINUE
    ]


SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1


def _iowr(kind: str, nr: int, size: int) -> int:
    """``_IOWR(kind, nr, size)`` of <asm-generic/ioctl.h>. powerpc, mips, sparc and alpha put
    the direction in 3 bits above a 13-bit size (and give read and write other values)."""
    if os.uname().machine.startswith(("ppc", "powerpc", "mips", "sparc", "alpha")):
        size_bits, read_write = 13, 2 | 4
    else:
        size_bits, read_write = 14, 2 | 1
    return (read_write << (16 + size_bits)) | (size << 16) | (ord(kind) << 8) | nr


SECCOMP_IOCTL_NOTIF_RECV = _iowr("!", 0, ctypes.sizeof(seccomp_notif))
SECCOMP_IOCTL_NOTIF_SEND = _iowr("!", 1, ctypes.sizeof(seccomp_notif_resp))

# --- loading ---------------------------------------------------------------------------

SONAME = "libbox.so.0"


def _candidates() -> list[str]:
    """Where to load libbox from, in order: $LIBBOX_LIBRARY alone when set; in a source
    checkout (bindings/python of a tree with include/box.h), its build directories; then
    the usual way, ctypes.util.find_library("box") (the linker's cache), then the soname
    (LD_LIBRARY_PATH, the default directories)."""
    env = os.environ.get("LIBBOX_LIBRARY")
    if env:
        return [env]
    out: list[str] = []
    top = Path(__file__).resolve().parent.parent.parent.parent
    if (top / "include" / "box.h").is_file():
        for sub in ("build/lib", "builddir/lib"):
            p = top / sub / SONAME
            if p.is_file():
                out.append(str(p))
    found = ctypes.util.find_library("box")
    if found:
        out.append(found)
    out.append(SONAME)
    return out


def _load() -> ctypes.CDLL:
    errors = []
    cands = _candidates()
    for name in cands:
        try:
            return ctypes.CDLL(name, use_errno=True)
        except OSError as e:
            errors.append(f"{name}: {e}")
            if os.environ.get("LIBBOX_LIBRARY"):
                break
    raise ImportError("cannot load libbox: " + "; ".join(errors))


lib = _load()

_I = ctypes.c_int
_U = ctypes.c_uint
_S = ctypes.c_char_p
# box_list's callback, box_list_fn: int fn(const char *id, void *data).
BOX_LIST_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

_PROTOS = {
    "box_new": (_I, [ctypes.POINTER(box_p), _U]),
    "box_free": (None, [box_p]),
    "box_errmsg": (_S, [box_p]),
    "box_set_namespaces": (_I, [box_p, _U]),
    "box_set_hostname": (_I, [box_p, _S]),
    "box_set_root": (_I, [box_p, _S, _U]),
    "box_mount": (_I, [box_p, _I, _S, _S, _U]),
    "box_mount_tmpfs": (_I, [box_p, _S, ctypes.c_uint64, mode_t, _U]),
    "box_add_uid_map": (_I, [box_p, uid_t, uid_t, ctypes.c_uint32]),
    "box_add_gid_map": (_I, [box_p, gid_t, gid_t, ctypes.c_uint32]),
    "box_set_user": (_I, [box_p, uid_t, gid_t]),
    "box_setenv": (_I, [box_p, _S, _S]),
    "box_unsetenv": (_I, [box_p, _S]),
    "box_set_cwd": (_I, [box_p, _S]),
    "box_pass_fd": (_I, [box_p, _I, _I]),
    "box_set_options": (_I, [box_p, _U]),
    "box_set_limit": (_I, [box_p, _I, ctypes.c_uint64]),
    "box_spawn": (_I, [box_p, ctypes.POINTER(_S)]),
    "box_pid": (pid_t, [box_p]),
    "box_pidfd": (_I, [box_p]),
    "box_kill": (_I, [box_p, _I]),
    "box_wait": (_I, [box_p, _I, ctypes.POINTER(box_status_t)]),
    "box_probe": (_I, [ctypes.POINTER(box_features_t)]),
    "box_version": (_S, []),
    # the vocabularies (LIBBOX_0.2): limit names and units, sizes, durations
    "box_limit_name": (_S, [_I]),
    "box_limit_from_name": (_I, [_S]),
    "box_limit_unit": (_I, [_I]),
    "box_limit_range": (_I, [_I, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64)]),
    "box_parse_size": (_I, [_S, ctypes.POINTER(ctypes.c_uint64)]),
    "box_parse_duration": (_I, [_S, ctypes.POINTER(ctypes.c_uint64)]),
    "box_cap_name": (_S, [_I]),
    "box_cap_from_name": (_I, [_S]),
    "box_seccomp_rule_parse": (_I, [box_p, _S]),
    "box_set_option": (_I, [box_p, _U, _I]),
    "box_set_init_path": (_I, [box_p, _S]),
}
# Functions only newer libraries export; set to None when the loaded one lacks them.
_OPTIONAL = {
    "box_ns_id": (_I, [box_p, _U, ctypes.POINTER(ctypes.c_uint64),
                       ctypes.POINTER(ctypes.c_uint64)]),
    "box_set_cgroup_parent": (_I, [box_p, _S]),
    "box_set_cpuset": (_I, [box_p, _S, _S]),
    "box_set_io_limit": (_I, [box_p, _S, _I, ctypes.c_uint64]),
    "box_limit_status": (_I, [box_p, _I, ctypes.c_char_p, ctypes.c_size_t]),
    "box_cap_keep": (_I, [box_p, _S]),
    "box_cap_keep_all": (_I, [box_p]),
    "box_seccomp_default": (_I, [box_p, _I]),
    "box_seccomp_rule": (_I, [box_p, _S, _I, _I]),
    "box_seccomp_export": (_I, [box_p, _I, _I]),
    "box_seccomp_default_action": (_I, [box_p, _I, _I]),
    "box_seccomp_rule_args": (_I, [box_p, _S, _I, _I, ctypes.c_size_t,
                                   ctypes.POINTER(box_seccomp_arg_t)]),
    "box_set_program": (_I, [box_p, _S]),
    "box_net_veth": (_I, [box_p, _S, _S, _S, ctypes.c_uint]),
    "box_net_bridge": (_I, [box_p, _S, _S, _S, _U]),
    "box_net_ip": (_I, [box_p, _S]),
    "box_net_pasta": (_I, [box_p, _U]),
    "box_net_publish": (_I, [box_p, _S]),
    "box_net_address": (_I, [box_p, _I, ctypes.c_char_p, ctypes.c_size_t]),
    "box_set_time_offset": (_I, [box_p, _I, ctypes.c_int64]),
    "box_mkdir": (_I, [box_p, _S, mode_t]),
    "box_chmod": (_I, [box_p, _S, mode_t]),
    "box_set_cgroup_backend": (_I, [box_p, _I]),
    "box_start": (_I, [box_p]),
    "box_landlock_path": (_I, [box_p, _S, _U]),
    "box_landlock_mode": (_I, [box_p, _I]),
    "box_set_groups": (_I, [box_p, ctypes.c_size_t, ctypes.POINTER(gid_t)]),
    "box_seccomp_load_bpf": (_I, [box_p, _I]),
    "box_seccomp_notify_fd": (_I, [box_p]),
    "box_error_step": (_S, [box_p]),
    "box_set_root_overlay": (_I, [box_p, ctypes.c_size_t, ctypes.POINTER(_S), _S, _S, _U]),
    "box_mount_overlay": (_I, [box_p, _S, ctypes.c_size_t, ctypes.POINTER(_S), _S, _S, _U]),
    # what bwrap's command lines need (LIBBOX_0.2)
    "box_mount_fd": (_I, [box_p, _I, _S, _U]),
    "box_try_cwd": (_I, [box_p, _S]),
    "box_lock_file": (_I, [box_p, _S]),
    "box_hook": (_I, [box_p, _I, _S, ctypes.POINTER(_S), ctypes.POINTER(_S), ctypes.c_void_p,
                      ctypes.c_size_t, _U]),
    "box_hook_caller": (_I, [box_p, _I, BOX_HOOK_FN, ctypes.c_void_p]),
    "box_hook_input": (_I, [box_p, _I, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]),
    "box_seccomp_add_bpf": (_I, [box_p, ctypes.c_void_p, ctypes.c_size_t]),
    "box_seccomp_cache_dir": (_I, [box_p, _S]),
    "box_set_sysctl": (_I, [box_p, _S, _S]),
    "box_device_rule": (_I, [box_p, _I, ctypes.c_char, ctypes.c_int64, ctypes.c_int64, _U]),
    "box_mknod": (_I, [box_p, _S, ctypes.c_uint, _U, _U, uid_t, gid_t]),
    "box_store_open": (_I, [ctypes.POINTER(box_store_p), _S, _U]),
    "box_store_close": (None, [box_store_p]),
    "box_store_errmsg": (_S, [box_store_p]),
    "box_store_path": (_S, [box_store_p]),
    "box_image_import": (_I, [box_store_p, _S, _S]),
    "box_image_list": (_I, [box_store_p, ctypes.POINTER(_S)]),
    "box_image_inspect": (_I, [box_store_p, _S, ctypes.POINTER(_S)]),
    "box_image_remove": (_I, [box_store_p, _S]),
    "box_store_gc": (_I, [box_store_p]),
    "box_set_image": (_I, [box_p, box_store_p, _S, _U]),
    "box_stop_signal": (_I, [box_p]),
    "box_image_commit": (_I, [box_p, box_store_p, _S]),
    "box_exec": (_I, [box_p, ctypes.POINTER(_S), ctypes.POINTER(box_exec_opts_t),
                      ctypes.POINTER(box_proc_p)]),
    "box_proc_pid": (pid_t, [box_proc_p]),
    "box_proc_pidfd": (_I, [box_proc_p]),
    "box_proc_notify_fd": (_I, [box_proc_p]),
    "box_proc_tty_fd": (_I, [box_proc_p]),
    "box_proc_tty_resize": (_I, [box_proc_p, ctypes.c_ushort, ctypes.c_ushort]),
    "box_join_namespace": (_I, [box_p, _U, _I]),
    "box_join_namespace_path": (_I, [box_p, _U, _S]),
    "box_switch_user_namespace": (_I, [box_p, _I]),
    "box_set_tty": (_I, [box_p, _I, ctypes.c_ushort, ctypes.c_ushort]),
    "box_tty_fd": (_I, [box_p]),
    "box_tty_resize": (_I, [box_p, ctypes.c_ushort, ctypes.c_ushort]),
    "box_proc_kill": (_I, [box_proc_p, _I]),
    "box_proc_wait": (_I, [box_proc_p, _I, ctypes.POINTER(box_status_t)]),
    "box_proc_free": (None, [box_proc_p]),
    "box_proc_release": (None, [box_proc_p]),
    "box_pause": (_I, [box_p]),
    "box_resume": (_I, [box_p]),
    "box_pids": (_I, [box_p, ctypes.POINTER(pid_t), ctypes.c_size_t]),
    "box_update_limit": (_I, [box_p, _I, ctypes.c_uint64]),
    "box_cgroup_pool_new": (_I, [ctypes.POINTER(box_cgroup_pool_p), _U]),
    "box_cgroup_pool_free": (None, [box_cgroup_pool_p]),
    "box_set_cgroup_pool": (_I, [box_p, box_cgroup_pool_p]),
    "box_cgroup_pool_trim": (_I, [box_cgroup_pool_p, _U]),
    "box_cgroup_pool_idle": (_I, [box_cgroup_pool_p]),
    "box_set_id": (_I, [box_p, _S]),
    "box_set_state_dir": (_I, [box_p, _S]),
    "box_set_label": (_I, [box_p, _S]),
    "box_id": (_S, [box_p]),
    "box_label": (_S, [box_p]),
    "box_open": (_I, [ctypes.POINTER(box_p), _S, _S]),
    "box_open_err": (_I, [ctypes.POINTER(box_p), _S, _S, ctypes.c_char_p, ctypes.c_size_t]),
    "box_destroy": (_I, [box_p]),
    "box_phase": (_I, [box_p]),
    "box_list": (_I, [_S, BOX_LIST_FN, ctypes.c_void_p]),
}

for _name, (_res, _args) in _OPTIONAL.items():
    if hasattr(lib, _name):
        _PROTOS[_name] = (_res, _args)

for _name, (_res, _args) in _PROTOS.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# Module-level aliases: the thin layer, one name per C function.
box_new = lib.box_new
box_free = lib.box_free
box_errmsg = lib.box_errmsg
box_set_namespaces = lib.box_set_namespaces
box_set_hostname = lib.box_set_hostname
box_set_root = lib.box_set_root
box_mount = lib.box_mount
box_mount_tmpfs = lib.box_mount_tmpfs
box_add_uid_map = lib.box_add_uid_map
box_add_gid_map = lib.box_add_gid_map
box_set_user = lib.box_set_user
box_setenv = lib.box_setenv
box_unsetenv = lib.box_unsetenv
box_set_cwd = lib.box_set_cwd
box_pass_fd = lib.box_pass_fd
box_set_options = lib.box_set_options
box_set_limit = lib.box_set_limit
box_spawn = lib.box_spawn
box_pid = lib.box_pid
box_pidfd = lib.box_pidfd
box_kill = lib.box_kill
box_wait = lib.box_wait
box_probe = lib.box_probe
box_version = lib.box_version
box_limit_name = lib.box_limit_name
box_limit_from_name = lib.box_limit_from_name
box_limit_unit = lib.box_limit_unit
box_limit_range = lib.box_limit_range
box_parse_size = lib.box_parse_size
box_parse_duration = lib.box_parse_duration
box_cap_name = lib.box_cap_name
box_cap_from_name = lib.box_cap_from_name
box_seccomp_rule_parse = lib.box_seccomp_rule_parse
box_set_option = lib.box_set_option
box_set_init_path = lib.box_set_init_path
# Optional functions: None when the loaded library lacks them.
box_set_cgroup_parent = lib.box_set_cgroup_parent if "box_set_cgroup_parent" in _PROTOS else None
box_set_cpuset = lib.box_set_cpuset if "box_set_cpuset" in _PROTOS else None
box_set_io_limit = lib.box_set_io_limit if "box_set_io_limit" in _PROTOS else None
box_limit_status = lib.box_limit_status if "box_limit_status" in _PROTOS else None
box_cap_keep = lib.box_cap_keep if "box_cap_keep" in _PROTOS else None
box_cap_keep_all = lib.box_cap_keep_all if "box_cap_keep_all" in _PROTOS else None
box_seccomp_default = lib.box_seccomp_default if "box_seccomp_default" in _PROTOS else None
box_seccomp_rule = lib.box_seccomp_rule if "box_seccomp_rule" in _PROTOS else None
box_seccomp_export = lib.box_seccomp_export if "box_seccomp_export" in _PROTOS else None
box_landlock_path = lib.box_landlock_path if "box_landlock_path" in _PROTOS else None
box_landlock_mode = lib.box_landlock_mode if "box_landlock_mode" in _PROTOS else None
box_seccomp_default_action = (lib.box_seccomp_default_action
                              if "box_seccomp_default_action" in _PROTOS else None)
box_seccomp_rule_args = lib.box_seccomp_rule_args if "box_seccomp_rule_args" in _PROTOS else None
box_set_program = lib.box_set_program if "box_set_program" in _PROTOS else None
box_net_veth = lib.box_net_veth if "box_net_veth" in _PROTOS else None
box_net_bridge = lib.box_net_bridge if "box_net_bridge" in _PROTOS else None
box_net_ip = lib.box_net_ip if "box_net_ip" in _PROTOS else None
box_net_pasta = lib.box_net_pasta if "box_net_pasta" in _PROTOS else None
box_net_publish = lib.box_net_publish if "box_net_publish" in _PROTOS else None
box_net_address = lib.box_net_address if "box_net_address" in _PROTOS else None
BOX_NET_NAT = 1
box_set_time_offset = lib.box_set_time_offset if "box_set_time_offset" in _PROTOS else None
BOX_CLOCK_MONOTONIC = 1
BOX_CLOCK_BOOTTIME = 2
box_mkdir = lib.box_mkdir if "box_mkdir" in _PROTOS else None
box_chmod = lib.box_chmod if "box_chmod" in _PROTOS else None
box_set_cgroup_backend = (lib.box_set_cgroup_backend
                          if "box_set_cgroup_backend" in _PROTOS else None)
box_start = lib.box_start if "box_start" in _PROTOS else None
box_set_groups = lib.box_set_groups if "box_set_groups" in _PROTOS else None
box_seccomp_load_bpf = (lib.box_seccomp_load_bpf
                        if "box_seccomp_load_bpf" in _PROTOS else None)
box_seccomp_notify_fd = (lib.box_seccomp_notify_fd
                         if "box_seccomp_notify_fd" in _PROTOS else None)
box_error_step = lib.box_error_step if "box_error_step" in _PROTOS else None
box_ns_id = lib.box_ns_id if "box_ns_id" in _PROTOS else None
box_set_root_overlay = (lib.box_set_root_overlay
                        if "box_set_root_overlay" in _PROTOS else None)
box_mount_overlay = lib.box_mount_overlay if "box_mount_overlay" in _PROTOS else None
box_mount_fd = lib.box_mount_fd if "box_mount_fd" in _PROTOS else None
box_try_cwd = lib.box_try_cwd if "box_try_cwd" in _PROTOS else None
box_lock_file = lib.box_lock_file if "box_lock_file" in _PROTOS else None
box_hook = lib.box_hook if "box_hook" in _PROTOS else None
box_hook_caller = lib.box_hook_caller if "box_hook_caller" in _PROTOS else None
box_hook_input = lib.box_hook_input if "box_hook_input" in _PROTOS else None
box_seccomp_add_bpf = lib.box_seccomp_add_bpf if "box_seccomp_add_bpf" in _PROTOS else None
box_seccomp_cache_dir = (lib.box_seccomp_cache_dir
                         if "box_seccomp_cache_dir" in _PROTOS else None)
box_set_sysctl = lib.box_set_sysctl if "box_set_sysctl" in _PROTOS else None
box_device_rule = lib.box_device_rule if "box_device_rule" in _PROTOS else None
box_mknod = lib.box_mknod if "box_mknod" in _PROTOS else None
# The image store (a char ** output is freed with libc free() through ctypes.cast:
# take_string).
box_store_open = lib.box_store_open if "box_store_open" in _PROTOS else None
box_store_close = lib.box_store_close if "box_store_close" in _PROTOS else None
box_store_errmsg = lib.box_store_errmsg if "box_store_errmsg" in _PROTOS else None
box_store_path = lib.box_store_path if "box_store_path" in _PROTOS else None
box_image_import = lib.box_image_import if "box_image_import" in _PROTOS else None
box_image_list = lib.box_image_list if "box_image_list" in _PROTOS else None
box_image_inspect = lib.box_image_inspect if "box_image_inspect" in _PROTOS else None
box_image_remove = lib.box_image_remove if "box_image_remove" in _PROTOS else None
box_store_gc = lib.box_store_gc if "box_store_gc" in _PROTOS else None
box_set_image = lib.box_set_image if "box_set_image" in _PROTOS else None
box_stop_signal = lib.box_stop_signal if "box_stop_signal" in _PROTOS else None
box_image_commit = lib.box_image_commit if "box_image_commit" in _PROTOS else None
box_exec = lib.box_exec if "box_exec" in _PROTOS else None
box_proc_pid = lib.box_proc_pid if "box_proc_pid" in _PROTOS else None
box_proc_pidfd = lib.box_proc_pidfd if "box_proc_pidfd" in _PROTOS else None
box_proc_notify_fd = lib.box_proc_notify_fd if "box_proc_notify_fd" in _PROTOS else None
box_proc_tty_fd = lib.box_proc_tty_fd if "box_proc_tty_fd" in _PROTOS else None
box_proc_tty_resize = lib.box_proc_tty_resize if "box_proc_tty_resize" in _PROTOS else None
box_join_namespace = lib.box_join_namespace if "box_join_namespace" in _PROTOS else None
box_join_namespace_path = (lib.box_join_namespace_path
                           if "box_join_namespace_path" in _PROTOS else None)
box_switch_user_namespace = (lib.box_switch_user_namespace
                             if "box_switch_user_namespace" in _PROTOS else None)
box_set_tty = lib.box_set_tty if "box_set_tty" in _PROTOS else None
box_tty_fd = lib.box_tty_fd if "box_tty_fd" in _PROTOS else None
box_tty_resize = lib.box_tty_resize if "box_tty_resize" in _PROTOS else None
box_proc_kill = lib.box_proc_kill if "box_proc_kill" in _PROTOS else None
box_proc_wait = lib.box_proc_wait if "box_proc_wait" in _PROTOS else None
box_proc_free = lib.box_proc_free if "box_proc_free" in _PROTOS else None
box_proc_release = lib.box_proc_release if "box_proc_release" in _PROTOS else None
box_pause = lib.box_pause if "box_pause" in _PROTOS else None
box_resume = lib.box_resume if "box_resume" in _PROTOS else None
box_pids = lib.box_pids if "box_pids" in _PROTOS else None
box_update_limit = lib.box_update_limit if "box_update_limit" in _PROTOS else None
box_cgroup_pool_new = lib.box_cgroup_pool_new if "box_cgroup_pool_new" in _PROTOS else None
box_cgroup_pool_free = lib.box_cgroup_pool_free if "box_cgroup_pool_free" in _PROTOS else None
box_set_cgroup_pool = lib.box_set_cgroup_pool if "box_set_cgroup_pool" in _PROTOS else None
box_cgroup_pool_trim = lib.box_cgroup_pool_trim if "box_cgroup_pool_trim" in _PROTOS else None
box_cgroup_pool_idle = lib.box_cgroup_pool_idle if "box_cgroup_pool_idle" in _PROTOS else None
# Detached boxes (box_open(3)).
box_set_id = lib.box_set_id if "box_set_id" in _PROTOS else None
box_set_state_dir = lib.box_set_state_dir if "box_set_state_dir" in _PROTOS else None
box_set_label = lib.box_set_label if "box_set_label" in _PROTOS else None
box_id = lib.box_id if "box_id" in _PROTOS else None
box_label = lib.box_label if "box_label" in _PROTOS else None
box_open = lib.box_open if "box_open" in _PROTOS else None
box_open_err = lib.box_open_err if "box_open_err" in _PROTOS else None
box_destroy = lib.box_destroy if "box_destroy" in _PROTOS else None
box_phase = lib.box_phase if "box_phase" in _PROTOS else None
box_list = lib.box_list if "box_list" in _PROTOS else None


# libc's free(), for the strings libbox hands over (box_image_list, box_image_inspect).
_libc = ctypes.CDLL(None)
libc_free = _libc.free
libc_free.restype = None
libc_free.argtypes = [ctypes.c_void_p]


def take_string(out: ctypes.c_char_p) -> bytes:
    """The bytes of a malloc'ed string a box_* function wrote to ``out`` (a char **
    output), which is freed here."""
    value = out.value or b""
    libc_free(ctypes.cast(out, ctypes.c_void_p))
    return value
