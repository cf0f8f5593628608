/* libbox — run one program in an isolated box: namespaces, its own root filesystem,
 * limits and reduced privilege, as a small C library.
 *
 * Lifecycle:
 *   1. box_new()                      make an empty configuration
 *   2. box_set_*() / box_mount() ...  describe the box; nothing touches the kernel yet
 *   3. box_spawn()                    build the box and exec the program in it
 *   4. box_wait() / box_kill()        wait for it (or put box_pidfd() in your poll loop)
 *   5. box_free()                     kill and reap anything still running, release all
 *
 * Errors: every call returning int returns 0 on success or a negative errno, and records a
 * human-readable message on the box, read with box_errmsg(). A failure while the box is
 * being built (in the child, before exec) is returned by box_spawn() as the errno of the
 * failing step, with a message naming the step and path, e.g.
 *   "spawn: mount proc on /proc: Operation not permitted"
 *   "exec nosuchprog: No such file or directory"
 *
 * Ownership: strings and arrays passed in are copied; the caller keeps its own. Pointers
 * returned by the library (box_errmsg) belong to the box and stay valid until the next call
 * on the same box or box_free().
 *
 * Threads: a box is used by one thread at a time. Different boxes may be used from
 * different threads concurrently.
 */
#ifndef LIBBOX_BOX_H
#define LIBBOX_BOX_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOX_VERSION_MAJOR 0
#define BOX_VERSION_MINOR 1
#define BOX_VERSION_MICRO 0

typedef struct box box_t;

/* Namespaces (box_set_namespaces). The default is all but BOX_NS_TIME, which is opt-in:
 * a time namespace only matters to programs that must see their own clock offsets. */
#define BOX_NS_USER   (1u << 0)
#define BOX_NS_PID    (1u << 1)
#define BOX_NS_MNT    (1u << 2)
#define BOX_NS_UTS    (1u << 3)
#define BOX_NS_IPC    (1u << 4)
#define BOX_NS_NET    (1u << 5)
#define BOX_NS_CGROUP (1u << 6)
#define BOX_NS_TIME   (1u << 7) /* only if the kernel has time namespaces; kernels that do
                                  not switch it at exec leave the first process in the
                                  caller's and put only its children in the box's */
#define BOX_NS_ALL    0xffu

/* box_new flags: none defined yet; pass 0. */

/* Create an empty box. *out is owned by the caller and released with box_free().
 * Returns 0, -EINVAL (out NULL or unknown flags) or -ENOMEM. */
int box_new(box_t **out, unsigned int flags);

/* Kill (SIGKILL) and reap a running box, then release everything it holds. NULL is a no-op. */
void box_free(box_t *box);

/* The message recorded by the last failing call on this box ("" if none). Owned by the box. */
const char *box_errmsg(const box_t *box);

/* Which step of building the box made the last failing call fail (box_spawn, box_start),
 * as a stable identifier for programs to compare: "exec", "mount", "chdir", "pivot-root",
 * "setuid", "caps", "seccomp", ... (box_error_step(3) lists them); "" when the last failure
 * was not a step of the box's own setup (an argument check, a parent-side error) or nothing
 * failed. Static storage; NULL box gives "". */
const char *box_error_step(const box_t *box);

/* Which namespaces to create (BOX_NS_* bits). Without BOX_NS_USER the caller must be
 * privileged (root); without BOX_NS_MNT no root filesystem or mounts can be set. A
 * namespace joined with box_join_namespace is joined, not created, whatever the mask says
 * (before or after the join); only BOX_NS_PID keeps its meaning: a new pid namespace
 * inside the joined one. */
int box_set_namespaces(box_t *box, unsigned int ns);

/* Join an existing namespace instead of creating one: the box's processes share it with
 * whoever else is in it (a Kubernetes pod's net, ipc and uts; podman's network namespace;
 * bwrap's --userns and --pidns).
 *
 * `ns` is one BOX_NS_* bit; `fd` an open namespace file of that type (/proc/PID/ns/NAME,
 * or a bind mount of one such as /run/netns/NAME). The fd is duplicated (close-on-exec)
 * at the call and the caller keeps its own; the box's copy is closed by box_free. The
 * path variant opens `path` without following any symbolic link, except the kernel's own
 * link at the end of /proc/PID/ns/NAME (PID may be self or thread-self), so a component
 * swapped for a link cannot redirect it. A second join of the same type replaces the first.
 *
 * box_spawn joins them in the first process, before it makes the box's process with the
 * namespaces the box creates (so a new user namespace of the box sits below the
 * network namespace it joined, as in rootless podman): first the namespaces not owned by
 * a joined user namespace, then that user namespace (the process gets full capabilities
 * in it), then the namespaces it owns. A joined pid namespace holds the box's program: with
 * BOX_NS_PID in the mask (the default) inside a new pid namespace of the box's own, made
 * below the joined one, where it is pid 1 (bwrap's --pidns with --unshare-pid: a middle
 * process enters the joined one first, since only a process in it can make one below);
 * without BOX_NS_PID as one of the joined namespace's processes (not pid 1).
 * box_exec enters the joined namespaces like the box's own. What a joined namespace
 * already has stays: the box sets no hostname in a joined uts namespace, brings up no
 * loopback in a joined network namespace and writes no uid/gid maps for a joined user
 * namespace (a joined user namespace that is the caller's own is not entered at all).
 *
 * Refused at box_spawn with -EINVAL (the message names the namespace and path): a joined
 * user namespace with box_add_uid_map/box_add_gid_map or BOX_OPT_NO_USERNS; a joined pid
 * namespace owned by another user namespace than the box's (a box that creates its user
 * namespace cannot join any; a box without one only those of the caller's own); a joined
 * network namespace with box_net_veth, box_net_bridge, box_net_pasta or box_net_publish;
 * a joined uts namespace with box_set_hostname; a joined mount namespace with a root,
 * an overlay or mounts (they need a mount namespace of the box's own); a joined time
 * namespace with box_set_time_offset. The kernel's refusal fails box_spawn at step
 * "join-ns" (-EPERM: no CAP_SYS_ADMIN over the namespace's owner, which a rootless caller
 * has only for namespaces of a user namespace it joins too; -EINVAL: a pid namespace that
 * is not below the caller's).
 *
 * Phase: before box_spawn(). Returns 0 or: -EINVAL (box NULL, `ns` not exactly one known
 * bit, path NULL or not absolute, fd or path not a namespace of that type), -EBADF (fd
 * not open), -ELOOP (a symbolic link in path), -ENOENT/-EACCES/... (path does not open),
 * -EMFILE, -EBUSY (already spawned), -ENOMEM. */
int box_join_namespace(box_t *box, unsigned int ns, int fd);
int box_join_namespace_path(box_t *box, unsigned int ns, const char *path);

/* Switch the box's process into the user namespace `fd` once the box is built: after the
 * mounts and the pivot_root into the new root, before the chdir, the identity and the
 * capability steps and the exec (bwrap's --userns2). The box is set up in its own user
 * namespace (BOX_NS_USER) or in a joined one (box_join_namespace BOX_NS_USER), or, for root
 * without either, in the caller's; `fd` must be a user namespace below that one, which
 * the setup's process may enter (the kernel's rule: it has CAP_SYS_ADMIN in `fd`'s
 * namespace, as the box's root has in one that a process of the box made). The program
 * then runs in it: its capabilities (box_cap_keep) are of that namespace; without
 * box_set_user it keeps the ids the setup had, as that namespace maps them; box_set_user's
 * ids are of that namespace (they must be mapped in it). The box's other namespaces stay
 * what the setup made them (owned by the setup's user namespace). box_exec enters the box's
 * namespaces through its process, so it needs a caller that may enter that user namespace.
 *
 * The fd is duplicated (close-on-exec) at the call; the caller keeps its own, box_free
 * closes the box's. A second call replaces the first.
 *
 * Refused at box_spawn with -EINVAL: BOX_OPT_NO_USERNS (it limits the setup's user
 * namespace, not this one). The kernel's refusal fails box_spawn at step "switch-userns":
 * -EINVAL (the namespace is not below the setup's, or is the setup's own), -EPERM (no
 * CAP_SYS_ADMIN in it).
 *
 * Phase: before box_spawn(). Returns 0 or: -EINVAL (box NULL, fd not a user namespace),
 * -EBADF (fd not open), -EMFILE, -EBUSY (already spawned), -ENOMEM. */
int box_switch_user_namespace(box_t *box, int fd);

/* Hostname inside the box (needs BOX_NS_UTS; refused with a joined uts namespace). At
 * most 64 bytes. Default: "box". */
int box_set_hostname(box_t *box, const char *hostname);

/* box_device_rule: a device cgroup rule: which device nodes the box may open (read,
 * write) or make (mknod). Rules apply in the order given and the last one that matches an
 * access decides it, as in OCI's linux.resources.devices; an access no rule matches is
 * allowed as far as the box's parent cgroup allows it, so a list normally starts with
 * box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_ALL) (deny everything). An allow rule
 * matches an access all of whose rights it grants, a deny rule one that asks for any right
 * it names. type: 'c' (character), 'b' (block) or 'a' (every device: then major and minor
 * must be -1 and access BOX_DEVICE_ALL, since cgroup v1 has no other form of it); major
 * 0..4095 and minor 0..1048575, or -1 for any. At most 256 rules.
 * Where: the v1 devices controller if the host has one (written to devices.allow and
 * devices.deny in order), else a BPF_PROG_TYPE_CGROUP_DEVICE program on the box's v2
 * cgroup (attached with BPF_F_ALLOW_MULTI: programs of the box's ancestors still run).
 * Both need root: a box with rules and without the privilege fails box_spawn (-EACCES or
 * -EPERM) instead of running without them, even with BOX_OPT_LIMITS_BEST_EFFORT. (A box
 * with a user namespace cannot use device nodes it makes anyway.) The rules are in force
 * from before the box's program is exec'ed; libbox's own /dev nodes are bind mounts and
 * need no rule to be made, but the program needs one to open them once a rule denies them.
 * Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box NULL, an unknown type, a major or minor out of range, access
 * 0 or with unknown bits, an 'a' rule that is not for every device and access), -E2BIG
 * (more than 256 rules), -EBUSY (already spawned), -ENOMEM. */
#define BOX_DEVICE_READ  (1u << 0)
#define BOX_DEVICE_WRITE (1u << 1)
#define BOX_DEVICE_MKNOD (1u << 2)
#define BOX_DEVICE_ALL   (BOX_DEVICE_READ | BOX_DEVICE_WRITE | BOX_DEVICE_MKNOD)
int box_device_rule(box_t *box, int allow, char type, int64_t major, int64_t minor,
                    unsigned int access);

/* box_set_sysctl: set a namespaced kernel setting for the box, written by the box's first
 * process right after its namespaces exist (before its mounts and its identity), through
 * /proc/sys, where the kernel resolves it in the box's own namespaces. name is dotted
 * ("net.ipv4.ip_forward") or with slashes ("net/ipv4/conf/eth0.100/forwarding", where a
 * dot belongs to a component); no part may be empty, "." or "..". Only settings of a
 * namespace are accepted, as runc allows them: net.* (needs BOX_NS_NET), kernel.msgmax,
 * msgmnb, msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced and fs.mqueue.*
 * (BOX_NS_IPC), kernel.hostname and kernel.domainname (BOX_NS_UTS; they override
 * box_set_hostname). A second call for one name replaces its value. name and value are
 * copied. The kernel checks the value at spawn: a value it refuses fails box_spawn with
 * step "sysctl" ("spawn: write sysctl NAME = 'VALUE': Invalid argument"), as does a
 * setting this kernel lacks (ENOENT) or one the box may not write (EPERM, EACCES).
 * Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box, name or value NULL, a bad name, a value above 1024 bytes),
 * -EPERM (not a namespaced setting: it would change the host, e.g. kernel.panic),
 * -EBUSY (already spawned), -ENOMEM. box_spawn fails with -EINVAL when the box does not
 * make the setting's namespace. */
int box_set_sysctl(box_t *box, const char *name, const char *value);

/* Root filesystem. `dir` must be an absolute path to an existing directory; it is bind-mounted
 * (recursively) as the box's "/" and entered with pivot_root. Without a root, "/" is an empty
 * tmpfs that box_mount() fills. Mount points that do not exist are created in `dir`. */
#define BOX_ROOT_READONLY (1u << 0) /* "/" itself read-only after all mounts are made */
#define BOX_ROOT_DEVICES  (1u << 1) /* device nodes under the root work (no nodev; bwrap's
                                      --dev-bind DIR /) */
int box_set_root(box_t *box, const char *dir, unsigned int flags);

/* Overlay filesystems: `n` read-only lower layers (absolute host paths of directories,
 * lowers[0] at the bottom, lowers[n-1] on top) under a writable upper layer.
 *
 * box_set_root_overlay: the overlay is the box's "/" (replacing box_set_root, and replaced
 * by it). Mount points the box needs are created in the upper layer, never in a lower one.
 * flags: BOX_ROOT_READONLY. box_mount_overlay: the overlay is mounted at `target` (a path in
 * the box, as box_mount's), in the order of the mount plan; flags: BOX_MOUNT_RO,
 * BOX_MOUNT_DEVICES, BOX_MOUNT_EXEC_OFF.
 *
 * upper and work: host directories on one file system, the overlay's upper and work dir
 * (the box's changes persist there: files written, whiteouts for deleted ones); the caller
 * owns them and must not share them between boxes running at once. Both NULL: an ephemeral
 * upper layer in a tmpfs of the box's own mount namespace, which nobody else sees and which
 * vanishes with the box.
 *
 * A box with a user namespace (rootless, or root with BOX_NS_USER) mounts with "userxattr"
 * (Linux 5.11): its layers' opaque directories must be marked user.overlay.opaque, and an
 * ephemeral upper needs a tmpfs with user xattrs (Linux 6.6). Layers are given one at a time
 * ("lowerdir+", Linux 6.8); older kernels take one list of at most 255 bytes, and more
 * layers than fit fail box_spawn with -E2BIG saying so. Paths are copied. Phase: before
 * box_spawn(). Returns 0 or: -EINVAL (box NULL, lowers NULL or n 0, a path not absolute,
 * only one of upper/work, upper == work, unknown flags), -E2BIG (n above 500, the
 * kernel's limit), -ENOENT/-ENOTDIR (a layer is not a directory), -EXDEV (upper and work on
 * different file systems), -EBUSY (already spawned), -ENOMEM. The kernel's refusal (e.g.
 * -EINVAL for a layer on a file system overlay cannot use) fails box_spawn, naming the
 * layer. */
int box_set_root_overlay(box_t *box, size_t n, const char *const lowers[], const char *upper,
                         const char *work, unsigned int flags);
int box_mount_overlay(box_t *box, const char *target, size_t n, const char *const lowers[],
                      const char *upper, const char *work, unsigned int flags);

/* Mounts, made in the order they were added, after the root is prepared and before the
 * program starts. `target` is an absolute path inside the box; it is resolved inside the
 * box root (symlinks cannot lead out of it) and created when missing (a directory, or an
 * empty file of mode 0444 when a file is bound; missing parents 0755). Every mount is
 * nosuid and nodev unless flags say otherwise. A bind may target "/": it covers the root
 * and everything mounted so far, and later mounts go onto it (bwrap's second --bind / /).
 * A symlink whose target already is a symlink with the same text is left alone; any other
 * existing target fails box_spawn with -EEXIST ("existing destination is TEXT"). */
typedef enum {
    BOX_MOUNT_BIND = 1,   /* source: host path; bind it (recursively unless BOX_MOUNT_NOREC) */
    BOX_MOUNT_TMPFS,      /* source unused; empty tmpfs, mode 0755 (box_mount_tmpfs for size/mode) */
    BOX_MOUNT_PROC,       /* source unused; a proc showing only the box's processes; without
                             BOX_NS_PID a bind of the caller's /proc (a new instance needs a
                             pid namespace the box owns); /proc/sys and the like read-only */
    BOX_MOUNT_DEV,        /* source unused; minimal /dev: null zero full random urandom tty,
                             pts + ptmx, shm, fd, stdin, stdout, stderr, core */
    BOX_MOUNT_MQUEUE,     /* source unused; POSIX message queues of the box's IPC namespace */
    BOX_MOUNT_DIR,        /* source unused; just create the directory */
    BOX_MOUNT_SYMLINK,    /* source: the link's text; target: where the link is made */
    BOX_MOUNT_REMOUNT_RO, /* source unused; make an existing mount at target read-only, and
                             the mounts below it unless BOX_MOUNT_NOREC */
    BOX_MOUNT_OVERLAY,    /* only through box_mount_overlay (box_mount: -EINVAL) */
    BOX_MOUNT_SYSFS,      /* source unused; a sysfs of the box's network namespace,
                             read-only with BOX_MOUNT_RO. Where the kernel refuses a fresh
                             one (a user-namespace box without BOX_NS_NET, and some rootless
                             boxes) the host's /sys is bound read-only instead, as runc and
                             crun do */
    BOX_MOUNT_CGROUP2,    /* source unused; a cgroup v2 hierarchy: with BOX_NS_CGROUP the
                             box's own cgroup as its root (without it, the caller's view of
                             the whole hierarchy); read-only with BOX_MOUNT_RO */
    BOX_MOUNT_MASK,       /* source unused; hide target if it exists when its turn in the
                             plan comes: a directory under an empty read-only tmpfs,
                             anything else under the host's /dev/null (read-only); nothing
                             if it is missing (OCI's maskedPaths; targets in a proc or sysfs
                             mounted earlier in the plan work) */
    BOX_MOUNT_READONLY,   /* source unused; bind target onto itself read-only (with the
                             mounts below it unless BOX_MOUNT_NOREC) if it exists when its
                             turn comes; nothing if it is missing (OCI's readonlyPaths) */
    BOX_MOUNT_CGROUP,     /* source unused; the box's cgroups as runc shows them: on a v1
                             or hybrid host a tmpfs with one directory per host hierarchy
                             (named as on the host, "cpu" and "cpuacct" links to a
                             comounted "cpu,cpuacct", "unified" for a hybrid host's v2),
                             each the box's own cgroup in it (with BOX_NS_CGROUP a fresh
                             mount in the box's cgroup namespace, else a bind; where the
                             box has none in a hierarchy, the caller's); on a v2 host
                             BOX_MOUNT_CGROUP2's mount. Read-only with BOX_MOUNT_RO, and
                             then a box's own v2 cgroup is bound (its limits in view, its
                             processes in "init" below) */
} box_mount_type_t;

#define BOX_MOUNT_RO     (1u << 0) /* read-only (really: the bind mount is remounted ro) */
#define BOX_MOUNT_NOREC  (1u << 1) /* bind only the mount at source, not mounts below it */
#define BOX_MOUNT_DEVICES (1u << 2) /* allow device nodes (no MS_NODEV) */
#define BOX_MOUNT_EXEC_OFF (1u << 3) /* noexec */
#define BOX_MOUNT_TRY    (1u << 4) /* a missing bind source is skipped instead of an error */
#define BOX_MOUNT_NOFOLLOW (1u << 5) /* a target that is a symbolic link (its last component)
                                        fails the spawn (-ELOOP, "Can't mount on symlink
                                        destination") instead of being followed in the box's
                                        root (bwrap's rule for every mount) */
#define BOX_MOUNT_COPY_UP (1u << 6) /* tmpfs only: what is at target when its turn comes
                                       (directories, files, links, special files, with
                                       their modes and owners) is copied into the new
                                       tmpfs (OCI's tmpcopyup) */

/* Returns 0 or: -EINVAL (box NULL, a type not listed above, unknown flags, bad paths, a
 * source where none is used, BOX_MOUNT_COPY_UP on a mount that is not a tmpfs), -EXDEV (target leads outside the box), -ENOENT and the other
 * errors of stat(2) on a bind source, -EBUSY (already spawned), -ENOMEM. */
int box_mount(box_t *box, box_mount_type_t type, const char *source, const char *target,
              unsigned int flags);

/* A tmpfs of at most `size` bytes (0: kernel default) and the given mode of its root. Its
 * missing parents are narrowed by `mode` as box_mkdir's are (bwrap's --perms --tmpfs). */
int box_mount_tmpfs(box_t *box, const char *target, uint64_t size, mode_t mode,
                    unsigned int flags);

/* box_mount_fd: bind what the caller's open descriptor fd refers to (a directory or a file,
 * O_PATH is enough; bwrap's --bind-fd) on target, with box_mount's BOX_MOUNT_RO,
 * BOX_MOUNT_NOREC, BOX_MOUNT_DEVICES and BOX_MOUNT_EXEC_OFF flags. The box keeps its own
 * duplicate of fd (O_CLOEXEC) until box_free; the caller may close fd right away. The
 * child binds the path the descriptor names and checks that it is still the same inode,
 * so a rename between the two fails box_spawn with -ESTALE. Phase: before box_spawn.
 * Returns 0 or: -EINVAL (box NULL, bad target or flags), -EBADF (fd not open), -EBUSY,
 * -ENOMEM. */
int box_mount_fd(box_t *box, int fd, const char *target, unsigned int flags);

/* Steps of the same ordered plan (bwrap's --perms --dir and --chmod). box_mkdir creates the
 * directory `path` (and missing parents, 0755) with `mode`; an existing one keeps its own
 * mode. box_chmod sets the mode of `path` (resolved in the box, following symlinks inside
 * it) at that point of the plan. Returns 0, -EINVAL (bad path, mode above 07777), -EBUSY,
 * -ENOMEM; a failure in the box fails box_spawn with "spawn: chmod MODE PATH: ...". */
int box_mkdir(box_t *box, const char *path, mode_t mode);
/* (The missing parents box_mkdir creates are 0755, less group read/search when mode gives
 * the group nothing and less other read/search when it gives others nothing, as bwrap's
 * --perms --dir does. Modes are exact: the child builds the tree under umask 0.) */
int box_chmod(box_t *box, const char *path, mode_t mode);
/* box_mknod: a step of the same plan that makes the device node `path` (absolute, in the
 * box; missing parents are made 0755, whatever is at path is replaced): mode is S_IFCHR or
 * S_IFBLK with the permissions (set exactly, no umask), major 0..4095, minor 0..1048575,
 * or S_IFIFO with the permissions and 0 0 (a named pipe, which any box can make, also one
 * with a user namespace: OCI's "p" devices),
 * owned by uid:gid (as the box's first process sees ids while it builds the tree: host ids
 * without a user namespace). The node can be opened only on a mount that allows devices
 * (libbox's /dev does; BOX_MOUNT_DEVICES) and only as the box's device rules allow
 * (box_device_rule). Only a box without a user namespace can make a device (with root's
 * CAP_MKNOD): the kernel refuses device nodes of a user namespace, and box_spawn fails with
 * -EPERM (-EACCES for an unprivileged caller); bind the host's node instead (box_mount BOX_MOUNT_BIND with BOX_MOUNT_DEVICES),
 * as runc does rootless. Phase: before box_spawn(). Returns 0 or: -EINVAL (box NULL, mode
 * not a device's or a fifo's, a device number out of range or given for a fifo, path not
 * absolute or "/"), -EXDEV (path
 * leads outside the box), -EBUSY, -ENOMEM. */
int box_mknod(box_t *box, const char *path, mode_t mode, unsigned int major,
              unsigned int minor, uid_t uid, gid_t gid);

/* User namespace maps: `count` ids starting at `inside` map to ids starting at `outside`.
 * Without any map the caller's own uid/gid map to 0. An unprivileged caller may map only its
 * own uid/gid (one entry of count 1); setgroups is then denied, as the kernel requires.
 * Root may map ranges (at most 340 entries each). */
int box_add_uid_map(box_t *box, uid_t inside, uid_t outside, uint32_t count);
int box_add_gid_map(box_t *box, gid_t inside, gid_t outside, uint32_t count);

/* The uid/gid the program runs as, inside the box. Default 0/0 (the box's root). One of
 * them may be -1: that id stays as the box's setup has it, as without box_set_user (with
 * BOX_OPT_CALLER_MAPS: 0 where the maps have it, else what the caller's maps to). Returns
 * 0 or -EINVAL (box NULL, both -1), -EBUSY. */
int box_set_user(box_t *box, uid_t uid, gid_t gid);

/* Supplementary groups of the program, inside the box (ids as the box sees them; they must
 * be mapped). n groups are copied, at most 64; n = 0 (the default) means none. A rootless
 * box cannot have any (the kernel denies setgroups in its user namespace): box_spawn then
 * fails with -EPERM. Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box NULL, groups NULL with n > 0, n > 64, a group -1), -EBUSY
 * (already spawned). */
int box_set_groups(box_t *box, size_t n, const gid_t *groups);

/* Environment: empty by default except PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:
 * /usr/sbin:/sbin, which is also where a program name without '/' is looked up. */
int box_setenv(box_t *box, const char *name, const char *value);
int box_unsetenv(box_t *box, const char *name);

/* Working directory inside the box (default "/"). It is entered from the box's root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so neither a symlink nor a
 * /proc/self/fd/N link can start the program in a directory outside the box; a directory
 * that cannot be entered fails box_spawn.
 *
 * box_try_cwd: without box_set_cwd, candidates tried in the order given (at most 8): the
 * program starts in the first one it can enter, else in "/" (bwrap's rule: the caller's
 * cwd, then $HOME). Copied. With BOX_OPT_SET_PWD the environment's PWD names the
 * directory the program started in. Phase: before box_spawn.
 * Returns 0 or: -EINVAL (box NULL, dir not absolute), -E2BIG (more than 8), -EBUSY,
 * -ENOMEM. */
int box_set_cwd(box_t *box, const char *dir);
int box_try_cwd(box_t *box, const char *dir);

/* The file box_spawn executes: a path in the box, or a name looked up in the box's PATH;
 * argv[0] is then passed to the program unchanged (bwrap's --argv0, execvp's file).
 * NULL (the default) executes argv[0]. Copied. Returns 0, -EINVAL (box NULL, file empty or
 * 4096 bytes or more), -EBUSY (already spawned), -ENOMEM. */
int box_set_program(box_t *box, const char *file);

/* Give the program the caller's descriptor `fd` as descriptor number `target` (0..1024);
 * a second call for the same target replaces the first. fd stays the caller's and must
 * stay open until box_spawn. The rule for the program's descriptors has two cases:
 *   - no box_pass_fd call at all: it gets the caller's 0, 1 and 2, nothing else;
 *   - one call or more: it gets exactly the passed targets, so a caller that passes fd 3
 *     and still wants stdio passes 0, 1 and 2 too (box_pass_fd(box, 0, 0) ...).
 * Every other descriptor is closed in the box. Phase: before box_spawn(). Returns 0 or:
 * -EINVAL (box NULL), -EBADF (fd not open, target out of range), -EBUSY, -ENOMEM. */
int box_pass_fd(box_t *box, int fd, int target);

/* box_lock_file: while the box runs it holds a shared (read) open-file-description lock
 * (F_OFD_SETLK, F_RDLCK) on path, a file in the box opened after all mounts are made
 * (bwrap's --lock-file): another process's write lock on it fails until every process of
 * the box has ended. The program inherits the locked descriptor (close-on-exec off, at a
 * number no passed fd uses). At most 16. Copied. Phase: before box_spawn.
 * Returns 0 or: -EINVAL (box NULL, path not absolute), -E2BIG, -EBUSY, -ENOMEM; a file
 * that cannot be opened or locked fails box_spawn ("spawn: lock file PATH: ..."). */
int box_lock_file(box_t *box, const char *path);

/* Hooks: programs the box's first process runs, each to its end and in the order added,
 * at one point of its setup (OCI's createContainer and startContainer hooks):
 *   BOX_HOOK_MOUNTED  in the box's namespaces once its mount tree is built, before
 *                     pivot_root: the root is still the caller's, with the box's new root
 *                     attached over box_set_root's directory (or, for a tmpfs or overlay
 *                     root, over /tmp) and its mounts in it; path is a path of that
 *                     tree, resolved when the hook runs. It runs as the box's root (uid 0
 *                     of its user namespace, with every capability there), umask the
 *                     caller's, stdout and stderr the caller's.
 *   BOX_HOOK_START    inside the box, right before its program is exec'ed (with
 *                     BOX_OPT_HOLD: once box_start released it; before the seccomp filter
 *                     unless BOX_OPT_ALLOW_NEW_PRIVS installed it earlier): path is a
 *                     path in the box; it has the program's ids, capabilities, Landlock
 *                     rules, stdout and stderr.
 * path, the program, is absolute (no PATH search); argv its arguments, argv[0] included
 * (NULL: { path }). envp is the hook's whole environment (NULL: none).
 * Its stdin reads input's input_len bytes, then EOF (NULL and 0: EOF at once); it has no
 * other descriptor. timeout_ms > 0: a hook still running after that long is SIGKILLed and
 * fails; 0: no limit. A hook that cannot be exec'ed, exits non-zero, is killed or outlives
 * its timeout fails box_spawn (BOX_HOOK_MOUNTED) or box_start (BOX_HOOK_START) at step
 * "hook-mounted" or "hook-start" (box_error_step) with a message that names it ("spawn:
 * hook 0 (BOX_HOOK_MOUNTED) /usr/bin/x: exited with status 3"), and the box is gone as
 * after any failing step. At most 64 hooks. Everything is copied. Phase: before box_spawn.
 * Returns 0 or -EINVAL (box NULL, unknown when, path NULL or not absolute, argv empty,
 * input NULL with input_len > 0), -E2BIG, -EBUSY, -ENOMEM. */
typedef enum {
    BOX_HOOK_MOUNTED = 1,
    BOX_HOOK_START = 2,
} box_hook_t;
int box_hook(box_t *box, box_hook_t when, const char *path, const char *const argv[],
             const char *const envp[], const void *input, size_t input_len,
             unsigned int timeout_ms);

/* box_hook_caller: a function of the caller's, run by box_spawn in the calling thread while
 * the box's first process waits at `when` (only BOX_HOOK_MOUNTED: its namespaces exist,
 * its mount tree is built, pivot_root has not happened) and before that point's
 * box_hook programs run (OCI's prestart and createRuntime hooks, which come before
 * createContainer). box_pid already says the first process's pid; fn may call the
 * getters and box_hook_input, nothing else on the box. It returns 0 to go on, or a
 * negative errno: box_spawn then fails with it at step "hook-caller" and the box is gone.
 * A second call replaces the function; fn NULL removes it. With BOX_OPT_CALLER_MAPS it
 * runs in the box_start that releases the box. A detached box can be box_open'ed
 * meanwhile (from fn or a program it runs: its phase is BOX_PHASE_CREATED, its pid
 * box_pid's); box_start and box_destroy of it wait until box_spawn returns. Phase: before
 * box_spawn. Returns 0 or -EINVAL (box
 * NULL, when not BOX_HOOK_MOUNTED), -EBUSY.
 *
 * box_hook_input: replace the input of a hook added with box_hook: the index-th (from 0)
 * of the point `when`, as box_errmsg numbers them. Copied. Phase: before box_spawn, or in
 * the box_hook_caller function (for a hook of BOX_HOOK_MOUNTED or BOX_HOOK_START: none
 * has run yet), so that an input may carry what is known only then (box_pid). Returns 0
 * or -EINVAL (box NULL, input NULL with input_len > 0), -ENOENT (no such hook), -EBUSY,
 * -ENOMEM. */
typedef int (*box_hook_fn)(box_t *box, void *data);
int box_hook_caller(box_t *box, box_hook_t when, box_hook_fn fn, void *data);
int box_hook_input(box_t *box, box_hook_t when, size_t index, const void *input,
                   size_t input_len);

/* Clock offsets of the box's time namespace (needs BOX_NS_TIME): the box's CLOCK_MONOTONIC
 * or CLOCK_BOOTTIME (BOX_CLOCK_*) reads `seconds` (may be negative) ahead of the host's, so
 * for example a box's uptime (/proc/uptime, boottime) can start near 0. A second call for
 * the same clock replaces the first. Phase: before box_spawn; box_spawn fails with -EINVAL
 * without BOX_NS_TIME. Returns 0 or -EINVAL (box NULL, unknown clock), -ERANGE (|seconds|
 * above the kernel's 9223372036), -EBUSY. */
#define BOX_CLOCK_MONOTONIC 1
#define BOX_CLOCK_BOOTTIME  2
int box_set_time_offset(box_t *box, int clock, int64_t seconds);

/* Network beyond lo: a veth pair between the caller's network namespace and the box's
 * (needs BOX_NS_NET): host_if on the caller's side with host_addr/prefix, "eth0" in the box
 * with box_addr/prefix, both up, and the box's default route via host_addr. IPv4; the two
 * addresses must differ and share the /prefix (1..30). Forwarding or NAT beyond host_addr
 * is the caller's business. Making the pair needs CAP_NET_ADMIN in the caller's network
 * namespace (root, or a caller in a network namespace of its own); box_spawn fails with
 * -EPERM saying so otherwise. The pair disappears with the box. Copied. Phase: before
 * box_spawn. Returns 0 or: -EINVAL (box NULL, bad name: 1..15 characters without '/',
 * ':' or spaces; bad address or prefix), -EBUSY, -ENOMEM. */
int box_net_veth(box_t *box, const char *host_if, const char *host_addr,
                 const char *box_addr, unsigned int prefix);

/* Bridge networks (needs BOX_NS_NET; see box_net_bridge(3)). box_net_bridge attaches the
 * box to the bridge `bridge` (NULL: "libbox0") in the caller's network namespace: a veth
 * pair, "eth0" in the box, its caller's end on the bridge. The bridge is made, with the
 * gateway addresses (host 1 of each subnet) and up, by the first box when it does not exist,
 * and removed by the last box if a box made it. The box gets its own address in `subnet4`
 * (NULL: "10.88.0.0/16"; prefix 8..30) and the same host number in `subnet6` (NULL:
 * "fd00:88::/64", "" for IPv4 only; prefix 64..120), default routes via the gateways, and
 * IPv6 without duplicate address detection (usable at once). Addresses are leased from
 * files under libbox's run directory ($LIBBOX_RUN_DIR, else /run/libbox for root, else
 * $XDG_RUNTIME_DIR/libbox, else /tmp/libbox-UID), taken under a lock, so that no two boxes
 * of any processes get the same one; a lease is given back when the box ends (box_wait,
 * box_free), and one whose owner died is taken back by the next box. Every box of a bridge
 * must use the same subnets. With a mount namespace the box gets /etc/hosts (the names and
 * addresses of every box on the bridge, by box_set_hostname, kept current), /etc/hostname
 * and /etc/resolv.conf (the caller's without loopback nameservers), bind-mounted read-only
 * after the caller's mounts: nothing is written into the root but, where these files are
 * missing, the empty files that serve as mount points (as for any box_mount target).
 * BOX_NET_NAT: masquerade what the bridge's subnets send out of other interfaces (an
 * nftables table "libbox-BRIDGE" of libbox's own), and turn on IPv4 (and IPv6) forwarding in
 * the caller's namespace, which stays on. Needs CAP_NET_ADMIN in the caller's network
 * namespace: box_spawn fails with -EPERM saying so otherwise (box_net_pasta works
 * without). Cannot be combined with box_net_veth or box_net_pasta (the last call of
 * box_net_bridge and box_net_pasta decides). Phase: before box_spawn.
 * Returns 0 or: -EINVAL (box NULL, bridge name longer than 15 characters or with '/', ':'
 * or spaces, a bad subnet or host bits set, unknown flags), -EBUSY, -ENOMEM. box_spawn
 * fails with -EINVAL when another box uses the bridge with other subnets, -EADDRNOTAVAIL
 * when the subnet is full.
 *
 * box_net_ip: the box's address on the bridge, `addr` in subnet4 or subnet6 (the other
 * family's address has the same host number); box_spawn fails with -EADDRINUSE when another
 * box holds it. Returns 0 or -EINVAL (no box_net_bridge yet, not a host address of its
 * subnets: the network, gateway and broadcast addresses are not), -EBUSY.
 *
 * box_net_address: after box_spawn, the box's address on the bridge of the family (AF_INET,
 * AF_INET6) as text into buf. Returns 0 or -EINVAL, -ESRCH (not running), -ENOENT (no such
 * address), -ENOSPC (buf too small). */
#define BOX_NET_NAT (1u << 0)
int box_net_bridge(box_t *box, const char *bridge, const char *subnet4, const char *subnet6,
                   unsigned int flags);
int box_net_ip(box_t *box, const char *addr);
int box_net_address(const box_t *box, int family, char *buf, size_t size);

/* Rootless networking: pasta (Debian package passt; found in PATH or at $LIBBOX_PASTA)
 * attached to the box's network namespace while it is built. The box gets the caller's
 * addresses and routes on a tap interface, outbound connections through the caller's
 * sockets, and its published ports bound by pasta in the caller's namespace; no privilege
 * is needed. pasta ends with the box. Name files as for box_net_bridge (the hosts file
 * names only the box). flags: 0. Needs BOX_NS_NET; pasta opens /dev/net/tun, which must be
 * open to the caller (0666, as udev makes it on Debian). Phase: before box_spawn.
 * Returns 0 or -EINVAL (box NULL, flags), -EBUSY, -ENOMEM; box_spawn fails with -ENOENT
 * when pasta is missing, the error of opening /dev/net/tun (-EACCES) naming it, or -EIO
 * with pasta's own message when it fails. */
int box_net_pasta(box_t *box, unsigned int flags);

/* Publish a port of the box on the caller's side: `spec` is "HOST:BOX", "HOST:BOX/tcp"
 * or "HOST:BOX/udp" (ports 1..65535): connections (datagrams) to port HOST of the caller's
 * addresses, IPv4 and IPv6, reach port BOX in the box. On a bridge, nftables forwards
 * them (a table "libbox-BRIDGE-N" per box, removed when it ends) from other hosts and
 * namespaces and from the caller's namespace to any of its addresses but loopback
 * (127.0.0.1 and ::1 are never routed to another interface); with box_net_pasta, pasta does,
 * also from loopback. libbox binds each host port while the box runs, so a port in use is
 * an error at box_spawn (-EADDRINUSE, naming it). At most 32. Phase: before box_spawn.
 * Returns 0 or -EINVAL (box NULL, bad spec, a host port twice), -EBUSY; box_spawn fails
 * with -EINVAL without box_net_bridge or box_net_pasta. */
int box_net_publish(box_t *box, const char *spec);

/* Options (box_set_options). Default: BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION. */
#define BOX_OPT_DIE_WITH_PARENT (1u << 0) /* SIGKILL the box when the caller's process
                                            ends without box_free (the monitor watches
                                            the process; the spawning thread may exit
                                            before); with BOX_OPT_NO_MONITOR when the
                                            spawning thread exits */
#define BOX_OPT_NEW_SESSION     (1u << 1) /* setsid(): no controlling terminal, so the box
                                            cannot push input into the caller's terminal
                                            with TIOCSTI; with box_set_tty the box always
                                            has a session of its own, whose terminal is
                                            its pty */
#define BOX_OPT_LIMITS_BEST_EFFORT (1u << 2) /* a cgroup limit this host cannot enforce is
                                                skipped (see box_limit_status) instead of
                                                failing box_spawn */
#define BOX_OPT_INIT            (1u << 3) /* pid 1 is libbox's box-init, which reaps orphans
                                            and forwards signals; the program is pid 2 and
                                            box_wait reports how it ended (a signal as
                                            BOX_END_SIGNALED) and the box's own peak
                                            memory (max_rss_bytes). box-init is the one
                                            of box_set_init_path, exec'ed from the host
                                            (Landlock rules let exactly that file
                                            through) */
#define BOX_OPT_ALLOW_NEW_PRIVS (1u << 4) /* do not set no_new_privs: a setuid or file-
                                            capability binary in the box gains its
                                            privileges over the box's user namespace
                                            (never over the host from a user namespace).
                                            A seccomp filter is then installed before
                                            capabilities are dropped (the kernel wants
                                            CAP_SYS_ADMIN for a filter without
                                            no_new_privs, as runc does it), so the
                                            filter must allow the remaining setup calls
                                            (capset, prctl, setresuid, setresgid,
                                            setgroups, dup3, close_range, read, write,
                                            execve); BOX_SECCOMP_NOTIFY rules and
                                            Landlock, which needs no_new_privs, make
                                            box_spawn fail with -EINVAL */
#define BOX_OPT_HOLD            (1u << 5) /* box_spawn returns once the box is built and
                                            its first process waits right before its
                                            seccomp filter (after it, with
                                            BOX_OPT_ALLOW_NEW_PRIVS) and exec: box_pid, box_pidfd
                                            and box_kill work, box_wait does not, and
                                            box_start runs the program (OCI's create /
                                            start, bwrap's --block-fd) */
#define BOX_OPT_SET_PWD         (1u << 6) /* PWD in the environment names the directory the
                                            program started in (see box_try_cwd) */
#define BOX_OPT_NO_USERNS       (1u << 7) /* the box's processes cannot make user namespaces
                                            (bwrap's --disable-userns): the box's user
                                            namespace allows one below it, which the child
                                            takes itself after the mounts, so the program
                                            runs one level down and cannot lift the limit.
                                            Needs BOX_NS_USER and no box_set_groups */
#define BOX_OPT_ASSERT_NO_USERNS (1u << 8) /* box_spawn fails (-EEXIST, "creating user
                                            namespaces is not disabled") unless the program
                                            could not make a user namespace
                                            (bwrap's --assert-userns-disabled) */
/* box_set_option turns the options in `opts` on (on != 0) or off (on == 0) and leaves the
 * others as they are, defaults included: box_set_option(box, BOX_OPT_INIT, 1).
 * box_set_options replaces the whole mask, defaults included (pass them to keep them).
 * Phase: before box_spawn(). Returns 0 or -EINVAL (box NULL, unknown bits), -EBUSY. */
#define BOX_OPT_CAPS_INHERITABLE (1u << 9) /* the kept capabilities are inheritable and
                                            ambient too, also for uid 0 (bwrap's
                                            --cap-add/--cap-drop) */
#define BOX_OPT_DETACH          (1u << 10) /* the box outlives the caller: it needs an id
                                            (box_set_id), keeps its state in a state
                                            directory (box_set_state_dir) where box_open
                                            finds it, and box_free leaves it running. It
                                            implies BOX_OPT_INIT (box-init records the
                                            end in the state directory), turns
                                            BOX_OPT_DIE_WITH_PARENT off and always asks
                                            for a box cgroup; see box_open(3) */
#define BOX_OPT_CALLER_MAPS     (1u << 11) /* libbox writes no uid/gid map (bwrap's
                                            --userns-block-fd): box_spawn returns once the
                                            box's first process has its namespaces and
                                            sits in its cgroups, waiting before any other
                                            step (box_pid, box_pidfd and box_kill work,
                                            box_wait does not); the caller, or a process it
                                            asks, writes /proc/PID/uid_map, gid_map (and
                                            setgroups) and calls box_start, which builds
                                            the box and runs the program (with BOX_OPT_HOLD
                                            it returns with the box built, and a second
                                            box_start runs it). The program runs as
                                            box_set_user's ids, which the maps must have;
                                            without box_set_user as uid/gid 0 where the
                                            maps have them, else as the ids the caller's
                                            own map to. Needs BOX_NS_USER (a new user
                                            namespace); box_spawn fails with -EINVAL with
                                            box_add_uid_map, box_add_gid_map,
                                            BOX_OPT_NO_USERNS, BOX_OPT_DETACH or a network
                                            (box_net_bridge, box_net_pasta) */
#define BOX_OPT_NO_INIT         (1u << 12) /* with BOX_OPT_DETACH: no box-init, the
                                            program is the box's pid 1, as OCI runtimes
                                            run it (and a seccomp filter that denies by
                                            default is allowed). Nothing records its
                                            end: the caller's child subreaper reaps it
                                            and has its status (box_wait in that
                                            process reads it from the kernel; elsewhere
                                            an ended box reads as BOX_END_KILLED by
                                            SIGKILL). With BOX_OPT_INIT: box_spawn says
                                            -EINVAL */
#define BOX_OPT_CAPS_BOUNDING_ONLY (1u << 13) /* for a program that runs as a uid other
                                            than 0, the kept capabilities are only its
                                            bounding set: it starts with none (nothing
                                            permitted, effective, inheritable or ambient)
                                            and a file with file capabilities gains those
                                            of them it names (OCI's non-root process with
                                            empty effective and permitted sets, podman's
                                            --user; runc's behaviour). No effect for uid 0 */
#define BOX_OPT_CAPS_CALLER_INHERITABLE (1u << 14) /* for a program that runs as uid 0: its
                                            inheritable set is the caller's (within the
                                            kept capabilities) instead of empty, and the
                                            ambient set is raised for each kept capability
                                            the kernel allows (the inheritable ones), as
                                            bwrap does for root without --cap-add or
                                            --cap-drop. No effect for another uid or with
                                            BOX_OPT_CAPS_INHERITABLE */
#define BOX_OPT_NO_MONITOR      (1u << 15) /* no libbox monitor process between the caller
                                            and the box: the box's first process is the
                                            spawning thread's own child, a process less
                                            per box and a faster spawn and wait. The
                                            caller must then leave it to box_wait: once
                                            it has exec'ed it is a plain child (SIGCHLD
                                            at its end), so waitpid(-1), wait(), a
                                            SIGCHLD handler that reaps, SIG_IGN or
                                            SA_NOCLDWAIT for SIGCHLD take its status and
                                            box_wait fails with -ECHILD. box_spawn says
                                            -EINVAL with box_join_namespace or
                                            BOX_OPT_DETACH. BOX_OPT_DIE_WITH_PARENT
                                            follows the spawning thread here (the box's
                                            own parent-death signal; no monitor watches
                                            the process): spawn from a thread that
                                            outlives the box. If the caller's process
                                            exits without box_free, as with the monitor:
                                            BOX_OPT_DIE_WITH_PARENT kills the box, else
                                            it runs on (init or a subreaper reaps it, its
                                            status is lost, the next box under the same
                                            cgroup parent kills what is left in its
                                            cgroup); without BOX_OPT_DIE_WITH_PARENT
                                            another thread can box_wait for a box whose
                                            spawning thread exited */
#define BOX_OPT_NS_IDS          (1u << 16) /* box_spawn records the ids of the box's
                                            namespaces for box_ns_id (one statx per
                                            namespace type in the child: about 50 us,
                                            bench/steps --ns-ids, so it is asked for) */
int box_set_options(box_t *box, unsigned int opts);
int box_set_option(box_t *box, unsigned int opts, int on);

/* The box-init binary BOX_OPT_INIT runs as pid 1: an absolute path on the host, opened at
 * box_spawn (so Landlock and the box's root need not contain it). NULL (the default): the
 * one meson installed, or $LIBBOX_INIT when the environment names one (for build trees
 * and tests; read with secure_getenv, so never in a setuid or setgid process). Copied.
 * Phase: before box_spawn(). Returns 0 or -EINVAL (box NULL, path not absolute or 4096
 * bytes or more), -EBUSY, -ENOMEM. */
int box_set_init_path(box_t *box, const char *path);

/* Limits. rlimits apply to each process of the box (soft = hard = value). cgroup limits
 * apply to the box as a whole: libbox makes one cgroup per box below the caller's own (or
 * below box_set_cgroup_parent()), on cgroup v2 or v1 (hybrid hosts use v1 for controllers
 * and v2 for placement), and removes it after box_wait/box_free. A cgroup limit that this
 * host or caller cannot enforce makes box_spawn fail with a message naming the controller
 * and the fix — never silently ignored. The wall-time and cpu-time limits are enforced by
 * box_wait(), which kills the box when one is exceeded. 0 is refused where it makes no
 * sense. Returns 0 or: -EINVAL (box NULL, unknown limit, 0 where refused), -ERANGE (a value
 * out of the limit's range, or BOX_LIMIT_MEMORY + BOX_LIMIT_SWAP above UINT64_MAX, which
 * cgroup v1 writes as one number), -EBUSY (already spawned). */
typedef enum {
    BOX_LIMIT_NOFILE = 1, /* RLIMIT_NOFILE: open files */
    BOX_LIMIT_NPROC,      /* RLIMIT_NPROC: processes of the box's uid */
    BOX_LIMIT_FSIZE,      /* RLIMIT_FSIZE: bytes */
    BOX_LIMIT_CORE,       /* RLIMIT_CORE: bytes (0 allowed) */
    BOX_LIMIT_STACK,      /* RLIMIT_STACK: bytes */
    BOX_LIMIT_AS,         /* RLIMIT_AS: bytes */
    BOX_LIMIT_CPU,        /* RLIMIT_CPU: seconds of cpu time per process */
    BOX_LIMIT_WALL_MS,    /* wall-clock time of the whole box, milliseconds */
    BOX_LIMIT_MEMORY,     /* cgroup: memory of the whole box, bytes (OOM-kill above it) */
    BOX_LIMIT_PIDS,       /* cgroup: tasks of the whole box */
    BOX_LIMIT_MEMORY_HIGH,/* cgroup: soft limit, bytes (v2 memory.high, v1 soft limit) */
    BOX_LIMIT_SWAP,       /* cgroup: swap bytes on top of BOX_LIMIT_MEMORY (0 = no swap) */
    BOX_LIMIT_CPU_MILLIS, /* cgroup: cpu bandwidth in thousandths of a cpu (500 = half a cpu) */
    BOX_LIMIT_CPU_WEIGHT, /* cgroup: relative cpu share, 1..10000 (100 = default) */
    BOX_LIMIT_CPU_TIME_MS,/* cpu time of all the box's processes, ms (needs a cgroup) */
    BOX_LIMIT_IO_WEIGHT,  /* cgroup: relative io share, 1..10000 (100 = default) */
    BOX_LIMIT_HUGETLB,    /* cgroup: bytes of huge pages of the host's default size
                             (hugetlb.2MB.max on x86_64), 0 allowed: none at all */
} box_limit_t;
int box_set_limit(box_t *box, box_limit_t limit, uint64_t value);

/* The limit vocabulary, for front ends (one table in the library: names, units, ranges).
 *
 * box_limit_name: the limit's name: "nofile", "nproc", "fsize", "core", "stack", "as",
 * "rlimit_cpu" (BOX_LIMIT_CPU), "wall" (BOX_LIMIT_WALL_MS), "memory", "pids",
 * "memory_high", "swap", "cpu_millis", "cpu_weight", "cpu_time" (BOX_LIMIT_CPU_TIME_MS),
 * "io_weight", "hugetlb". Static storage; NULL for an unknown limit, so a front end lists
 * every limit with `for (l = 1; box_limit_name(l); l++)`.
 *
 * box_limit_from_name: the limit of a name, ignoring case. Also takes "rlimit_NAME" for
 * each rlimit (by the kernel's name: "rlimit_nofile", "rlimit_cpu"), "wall_ms" and
 * "cpu_time_ms". Returns the BOX_LIMIT_* value or -EINVAL (NULL or unknown name).
 *
 * box_limit_unit: what a value of the limit counts, BOX_LIMIT_UNIT_*, or -EINVAL.
 *
 * box_limit_range: the values box_set_limit accepts, min..max inclusive (min 0 where 0
 * is allowed). Either pointer may be NULL. Returns 0 or -EINVAL (unknown limit). */
#define BOX_LIMIT_UNIT_COUNT   1 /* a number: files, processes, a weight, thousandths of a cpu */
#define BOX_LIMIT_UNIT_BYTES   2
#define BOX_LIMIT_UNIT_SECONDS 3
#define BOX_LIMIT_UNIT_MS      4 /* milliseconds */
const char *box_limit_name(box_limit_t limit);
int box_limit_from_name(const char *name);
int box_limit_unit(box_limit_t limit);
int box_limit_range(box_limit_t limit, uint64_t *min, uint64_t *max);

/* Build the box and run argv[0] in it (looked up in the box's PATH when it has no '/').
 * argv is NULL-terminated and copied. Returns 0 once the program has been exec'ed, or the
 * negative errno of the step that failed (nothing is left behind then). The caller's
 * child is libbox's monitor, which never execs (exit signal 0: no SIGCHLD for a box) and
 * reports the box's status to box_wait (with BOX_OPT_NO_MONITOR the caller's child is the
 * box's first process itself: see that option). A spawn needs about 13 free fds while it
 * runs (15 with BOX_OPT_INIT) and keeps 3 (4) while the box runs; short of them it fails
 * with -EMFILE and leaves nothing open.
 * -EBUSY if the box is already running. */
int box_spawn(box_t *box, const char *const argv[]);

/* With BOX_OPT_HOLD: run the program of a box that box_spawn built and left waiting.
 * With BOX_OPT_CALLER_MAPS: build the box whose maps the caller wrote, then run the
 * program (or, with BOX_OPT_HOLD too, return 0 with the box built and waiting for the
 * next box_start). Returns 0 once the program has been exec'ed, or the negative errno of
 * the step that failed (a setup step, the seccomp filter, the exec); the box is then
 * reaped and its cgroups removed, and it may be spawned again. -EINVAL if the box is not
 * waiting. The wall-time limit and wall_us count from here. */
int box_start(box_t *box);

/* A terminal for the box's program (OCI "terminal": true, `boxrun --tty`): a new pty is its
 * controlling terminal and its stdin, stdout and stderr, in a session of its own, so job
 * control works (a shell's tcsetpgrp, ^Z, SIGWINCH). The pty is opened by the box itself
 * after its root is in place, from the box's /dev/ptmx: with BOX_MOUNT_DEV that is the
 * box's own devpts instance, and `tty` in the box names /dev/pts/N of it (the root's
 * /dev needs a ptmx, or box_spawn fails at step "tty"); the slave belongs to the box's
 * uid. rows and cols set the window size (0 and 0: the kernel's, 0x0). on 0 turns it off
 * (the default). The box's program has no other way to the caller's terminal: TIOCSTI
 * reaches only its own pty. Cannot go with box_pass_fd onto 0, 1 or 2 (box_spawn fails
 * with -EINVAL). Phase: before box_spawn(). Returns 0, -EINVAL (box NULL), -EBUSY.
 *
 * box_tty_fd: the master, once box_spawn returned (also for a held box: OCI's
 * --console-socket sends it before start): read it for the program's output, write its
 * input; owned by the box (close-on-exec), closed by box_free. Returns the fd, -EINVAL
 * (NULL), -ENOTTY (no terminal, or not spawned yet). box_tty_resize sets the window size
 * (TIOCSWINSZ; the program's foreground process group gets SIGWINCH): 0, -EINVAL (NULL),
 * -ENOTTY (no terminal yet). */
int box_set_tty(box_t *box, int on, unsigned short rows, unsigned short cols);
int box_tty_fd(const box_t *box);
int box_tty_resize(box_t *box, unsigned short rows, unsigned short cols);

/* pid of the box's first process as seen by the caller, or -ESRCH before spawn. */
pid_t box_pid(const box_t *box);

/* The identity of one of the box's namespaces (`ns`: one BOX_NS_* bit), as the box's
 * process had it during box_spawn (BOX_OPT_NS_IDS, which records them), before its
 * program ran: *ino the inode and *dev (NULL: not wanted) the device, a dev_t as
 * makedev(), of the namespace's file, as stat(2) of /proc/PID/ns/NAME gives them
 * (NAME: user, pid, mnt, uts, ipc, net, cgroup; time_for_children for BOX_NS_TIME, the
 * time namespace the program runs in). A namespace is the pair: compare both. Every type
 * is recorded, also one the box shares with the caller or joined (box_join_namespace).
 * The ids stay when the program has ended (a zombie's /proc/PID/ns has none left), and
 * until box_free. Returns 0, -EINVAL (box or ino NULL, ns not one BOX_NS_* bit) or
 * -ENOENT (not recorded: no BOX_OPT_NS_IDS, not spawned yet, with BOX_OPT_CALLER_MAPS
 * not before box_start, a box from box_open, or the kernel has no such namespace type,
 * or the caller's /proc was not procfs at box_spawn). */
int box_ns_id(const box_t *box, unsigned int ns, uint64_t *ino, uint64_t *dev);

/* A pidfd for the box's first process (owned by the box, O_CLOEXEC): it becomes readable
 * when the program exits, for poll/epoll loops. -ESRCH before spawn and after box_wait has
 * reaped the box. The wall-time and cpu-time limits are enforced inside box_wait: a loop
 * that only polls the pidfd must also call box_wait(box, 0, ...) when a limit may expire
 * (e.g. from a timer every few tens of milliseconds). */
int box_pidfd(const box_t *box);

/* Send a signal to the box's first process, pid 1 of its pid namespace. The kernel
 * delivers a signal to pid 1 only if it handles or blocks it; so that SIGTERM stops a boxed
 * service as it would stop it anywhere, a signal whose default action ends a process and
 * that the program (pid 1 without BOX_OPT_INIT) leaves at its default is sent as SIGKILL,
 * and box_wait reports BOX_END_SIGNALED with the signal sent. A box that ended but is not
 * yet waited for takes any signal without effect. Returns 0 or -EINVAL (box NULL, sig not
 * 0..64), -ESRCH (not running). */
int box_kill(box_t *box, int sig);

/* How the box ended. */
typedef enum {
    BOX_END_EXITED = 1,   /* the program exited; exit_code is valid */
    BOX_END_SIGNALED,     /* killed by a signal; signal is valid */
    BOX_END_WALL_TIME,    /* killed by libbox: BOX_LIMIT_WALL_MS exceeded */
    BOX_END_KILLED,       /* killed by the caller (box_kill with SIGKILL, or box_free) */
    BOX_END_OOM,          /* the kernel OOM-killed a process of the box (BOX_LIMIT_MEMORY)
                             and the box ended of it: oom_kills > 0 and the program was
                             SIGKILLed or exited 137 (a shell passing on a child's SIGKILL).
                             A box that survived such a kill keeps its own end. */
    BOX_END_CPU_TIME,     /* killed by libbox: BOX_LIMIT_CPU_TIME_MS exceeded */
} box_end_t;

/* Structs the library fills (box_status_t, box_features_t) start with `version`, set by
 * the library: the BOX_*_VERSION of the fields it filled. Later releases add fields only
 * in place of `reserved` and raise the version; a caller reads a field added after
 * version 1 only when `version` says the library knows it. */
#define BOX_STATUS_VERSION 1
typedef struct box_status {
    uint32_t version;       /* BOX_STATUS_VERSION of the library that filled it */
    box_end_t end;
    int exit_code;          /* when end == BOX_END_EXITED */
    int signal;             /* the terminating signal, else 0 */
    uint64_t wall_us;       /* from spawn to exit */
    uint64_t cpu_user_us;   /* cpu time of all the box's processes when it had a cgroup, */
    uint64_t cpu_system_us; /* else of the first process and the children it reaped */
    uint64_t max_rss_bytes; /* the box's own peak resident set, never the caller's: with
                               BOX_OPT_INIT of the processes box-init reaped; without it of
                               the first process and those it reaped, but only where that
                               is above the caller's own peak (the first process shares the
                               caller's memory until exec), else 0: not known */
    uint64_t memory_peak_bytes; /* the box cgroup's peak memory use, 0 without a cgroup */
    uint64_t oom_kills;     /* processes the kernel OOM-killed in the box cgroup */
    uint64_t pids_limit_hits; /* forks (and clones) BOX_LIMIT_PIDS refused: a program that
                                 ended because it could not fork shows it here */
    uint64_t reserved[5];
} box_status_t;

/* cgroup cpuset: the CPUs and memory nodes the box may use, in the kernel's list format
 * ("0-3,6"). cpus or mems NULL: those of the parent cgroup. Returns 0, -EINVAL (bad list),
 * -EBUSY (already spawned). */
int box_set_cpuset(box_t *box, const char *cpus, const char *mems);

/* cgroup io throttling of one block device, given by path ("/dev/sda"): bytes or
 * operations per second, per direction. A second call for the same device and kind
 * replaces the first. Returns 0, -EINVAL (value 0, unknown kind), -ENOTBLK (not a block
 * device), -ENOENT, -EBUSY (already spawned). */
typedef enum {
    BOX_IO_READ_BPS = 1,
    BOX_IO_WRITE_BPS,
    BOX_IO_READ_IOPS,
    BOX_IO_WRITE_IOPS,
} box_io_limit_t;
int box_set_io_limit(box_t *box, const char *device, box_io_limit_t kind, uint64_t value);

/* Create the box cgroups below `dir` (an absolute path to a cgroup directory the caller may
 * write, e.g. a systemd-delegated one: on cgroup v2 the caller's own cgroup holds processes
 * and so cannot enable controllers for children). On v1 hosts `dir` is a path relative to
 * each controller's hierarchy, e.g. "/mygroup". Default: the caller's own cgroup. */
int box_set_cgroup_parent(box_t *box, const char *dir);

/* Which cgroup hierarchies the box may use. AUTO (the default): a controller from the v2
 * hierarchy where it has it, else from its v1 hierarchy; the v2 cgroup also for placement
 * and cgroup.kill. V1: only v1 hierarchies (whole-box kill through the v1 freezer). V2:
 * only the unified hierarchy; a controller it lacks is an error at spawn (or skipped under
 * BOX_OPT_LIMITS_BEST_EFFORT). Returns 0, -EINVAL (box NULL, unknown backend), -EBUSY. */
#define BOX_CGROUP_BACKEND_AUTO 0
#define BOX_CGROUP_BACKEND_V1   1
#define BOX_CGROUP_BACKEND_V2   2
int box_set_cgroup_backend(box_t *box, int backend);

/* A pool of box cgroups, for callers that spawn many boxes: making and removing a cgroup
 * is most of a short box's cost with cgroup limits (on v1 above all). When a box of the
 * pool ends (box_wait), its cgroups are not removed but reset (no limits, no tasks, peak
 * memory and failure counters cleared, page cache reclaimed; the counters the kernel cannot
 * clear, such as cpu time and OOM kills, are subtracted from the next box's status) and
 * kept, for the next box of the pool with the same shape (the same controllers, cgroup
 * parent and backend, in a process in the same cgroups). Boxes that cannot share: detached
 * ones, and those with io limits or rules, device rules, hugetlb limits, memory on cgroup
 * v2 (its peak cannot be cleared) or BOX_OPT_LIMITS_BEST_EFFORT, and boxes killed through
 * cgroup.kill (box_kill SIGKILL, a time limit) make and remove their own. See
 * box_cgroup_pool_new(3).
 *
 * box_cgroup_pool_new: a pool keeping at most max_idle sets of cgroups between boxes
 * (1..65536). *out is the caller's, freed with box_cgroup_pool_free, which removes every
 * cgroup the pool keeps. Returns 0, -EINVAL (out NULL, max_idle out of range), -ENOMEM.
 * box_set_cgroup_pool: the box takes its cgroups from pool and gives them back (NULL: its
 * own, the default). The box holds a reference: the pool may be freed before its boxes,
 * whose cgroups are then removed when they end. Returns 0, -EINVAL (box NULL), -EBUSY.
 * box_cgroup_pool_trim: remove the kept cgroups beyond `keep` sets (0: all of them), at a
 * moment the caller chooses. Returns how many sets it removed, or -EINVAL.
 * box_cgroup_pool_idle: how many sets the pool keeps now, or -EINVAL.
 * A pool may be used by boxes in different threads at once. */
typedef struct box_cgroup_pool box_cgroup_pool_t;
int box_cgroup_pool_new(box_cgroup_pool_t **out, unsigned int max_idle);
void box_cgroup_pool_free(box_cgroup_pool_t *pool);
int box_set_cgroup_pool(box_t *box, box_cgroup_pool_t *pool);
int box_cgroup_pool_trim(box_cgroup_pool_t *pool, unsigned int keep);
int box_cgroup_pool_idle(const box_cgroup_pool_t *pool);

/* After box_spawn: is `limit` in force? Returns 1 and writes where it is enforced into buf
 * (e.g. "/sys/fs/cgroup/memory/.../memory.limit_in_bytes", "rlimit", "box_wait"), 0 and
 * the reason when it is not (not set, or skipped under BOX_OPT_LIMITS_BEST_EFFORT), or
 * -EINVAL (bad arguments), -ESRCH (not spawned yet). buf may be NULL. */
int box_limit_status(const box_t *box, box_limit_t limit, char *buf, size_t size);

/* Wait for the box to end. timeout_ms: -1 waits as long as needed, 0 only polls.
 * The status comes from libbox's monitor (box_spawn), whatever the caller does with
 * SIGCHLD (SIG_IGN, SA_NOCLDWAIT, reaping handlers, threads in waitpid(-1)).
 * Returns 0 and fills *status (may be NULL), -ETIMEDOUT if it is still running when the
 * timeout passes (-EAGAIN for timeout 0), -ESRCH if the box was never spawned, -EINVAL
 * (box NULL, timeout below -1, a held box), -ECHILD if libbox's monitor was killed before
 * it could report (the status is lost; the message says so). Every error leaves a message.
 * After it has ended, box_wait returns the same status again. */
int box_wait(box_t *box, int timeout_ms, box_status_t *status);

/* Capabilities. By default the program runs with no capabilities at all: its effective,
 * permitted, inheritable and ambient sets are empty and its bounding set is empty too, so
 * not even uid 0 in the box or a file with capabilities gets any back.
 *
 * box_cap_keep: keep one capability, by name: "CAP_NET_BIND_SERVICE", "cap_net_bind_service"
 * or "net_bind_service". It stays in the bounding set and is effective and permitted in the
 * program; when the box's uid (box_set_user) is not 0 it is also made inheritable and
 * ambient, so that it survives the exec. Capabilities are relative to the box's user
 * namespace when it has one. Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box or name NULL, unknown capability), -EBUSY (already spawned).
 *
 * Without a user namespace the box holds at most the caller's own capabilities: a kept one
 * the caller lacks fails box_spawn with -EPERM, naming it.
 *
 * box_cap_keep_all: keep every capability the box's first process holds (all of them in a
 * user namespace; without one, those of the caller's bounding set). */
int box_cap_keep(box_t *box, const char *name);
int box_cap_keep_all(box_t *box);

/* box_cap_name: the name of capability number cap (CAP_* of linux/capability.h) as
 * "CAP_NET_RAW", static storage; NULL for a number libbox has no name for (it knows
 * CAP_CHOWN .. CAP_CHECKPOINT_RESTORE, 0..40).
 * box_cap_from_name: the number of a capability named as box_cap_keep takes it
 * ("CAP_NET_RAW", "cap_net_raw", "net_raw"), or -EINVAL (NULL, unknown name). Whether
 * this kernel has it is box_cap_keep's business. */
const char *box_cap_name(int cap);
int box_cap_from_name(const char *name);

/* seccomp. By default a filter denies, with EPERM, the system calls a boxed program has no
 * business making (module and kexec loading, reboot, bpf, perf_event_open, userfaultfd,
 * io_uring, keyctl and the key syscalls, open_by_handle_at, every mount call, unshare,
 * setns, clone with CLONE_NEWUSER, ptrace and process_vm_*, personality(ADDR_NO_RANDOMIZE),
 * clock and swap administration, syslog, ioperm/iopl, obsolete calls; clone3 fails with
 * ENOSYS so that libc falls back to clone); the full table and the reasons are in
 * lib/seccomp.c. Every other call is allowed. The filter covers every ABI of the host (on
 * x86_64 also i386 and x32), is installed right before exec after no_new_privs, and is
 * inherited by everything the program starts.
 *
 * box_seccomp_default: on (non-zero, the default) or off (0) for the default deny list.
 *
 * box_seccomp_default_action: what happens to a call that no rule names (neither the
 * caller's nor the default list's): BOX_SECCOMP_ALLOW (the default), or ERRNO, KILL or LOG
 * for an allow-list filter built from BOX_SECCOMP_ALLOW rules. execve is allowed unless
 * the caller has a rule for it, since the filter is in force when the program is exec'ed.
 * Such a filter cannot be combined with BOX_OPT_INIT (box-init would run under it):
 * box_spawn fails with -EINVAL.
 *
 * box_seccomp_rule: the caller's rule for one system call, by name ("keyctl"), for every
 * call of it. It replaces the default list's rule and every earlier rule of the caller's
 * for that call. errno_value (1..4095) is used only with BOX_SECCOMP_ERRNO.
 *
 * box_seccomp_rule_args: a rule that applies only when all of its n comparisons (at most
 * 6, each argument index 0..5 at most once) hold on the call's arguments; the call
 * otherwise gets the default action. Conditional rules for one call add up (keep their
 * conditions disjoint: which one decides when two match is not defined) until an
 * unconditional box_seccomp_rule replaces them. Like any rule of the caller's, they lift
 * the default list's rule for that call. args are copied.
 * Comparisons are on the 64-bit register value (for the 32-bit ABIs, on its low 32 bits);
 * mask is used only by BOX_SECCOMP_CMP_MASKED_EQ ((arg & mask) == value) and must be 0
 * otherwise. On the i386 ABI the socket and SysV IPC calls also enter through socketcall
 * and ipc, whose arguments a filter cannot read: there such a rule applies to every call
 * (an allow list relying on socket arguments should deny "socketcall" and "ipc").
 *
 * Phase: before box_spawn(). Returns 0 or: -EINVAL (box NULL, unknown system call, action,
 * errno value or comparison, n > 6, an argument index twice), -EBUSY (already spawned),
 * -ENOMEM.
 *
 * box_seccomp_export: write the filter the box would get to fd (not closed), as BPF
 * (pfc = 0) or as readable pseudo-C text (pfc != 0). Returns 0 or: -EINVAL (box NULL),
 * -EBADF, -ENOENT (no filter: default list off, no rules, default action allow), or the
 * write's error. */
#define BOX_SECCOMP_ALLOW 1 /* allow the call */
#define BOX_SECCOMP_ERRNO 2 /* fail the call with errno_value */
#define BOX_SECCOMP_KILL  3 /* kill the whole process (SIGSYS) */
#define BOX_SECCOMP_LOG   4 /* allow the call and log it to the kernel's audit log */
#define BOX_SECCOMP_NOTIFY 5 /* hand the call to the caller's supervisor (seccomp user
                               notification, box_seccomp_notify_fd); not for the calls
                               the box needs to start (execve, execveat, write, sendmsg,
                               rt_sigprocmask, seccomp, exit, exit_group), and not as
                               the default action */

#define BOX_SECCOMP_CMP_EQ        1 /* arg == value */
#define BOX_SECCOMP_CMP_NE        2 /* arg != value */
#define BOX_SECCOMP_CMP_LT        3 /* arg <  value (unsigned) */
#define BOX_SECCOMP_CMP_LE        4 /* arg <= value */
#define BOX_SECCOMP_CMP_GT        5 /* arg >  value */
#define BOX_SECCOMP_CMP_GE        6 /* arg >= value */
#define BOX_SECCOMP_CMP_MASKED_EQ 7 /* (arg & mask) == value */
#define BOX_SECCOMP_MAX_ARGS      6

typedef struct box_seccomp_arg {
    unsigned int index; /* which argument, 0..5 */
    int op;             /* BOX_SECCOMP_CMP_* */
    uint64_t value;
    uint64_t mask;      /* BOX_SECCOMP_CMP_MASKED_EQ only, else 0 */
} box_seccomp_arg_t;

int box_seccomp_default(box_t *box, int on);
int box_seccomp_default_action(box_t *box, int action, int errno_value);
int box_seccomp_rule(box_t *box, const char *syscall_name, int action, int errno_value);
int box_seccomp_rule_args(box_t *box, const char *syscall_name, int action, int errno_value,
                          size_t n, const box_seccomp_arg_t *args);
int box_seccomp_export(box_t *box, int fd, int pfc);

/* box_seccomp_cache_dir: keep the box's compiled seccomp filter in dir (absolute; made
 * 0700 if missing), one file per rule set, and take it from there when a box with the
 * same rule set is spawned again, in this process or any other. libseccomp needs tens of
 * milliseconds to build a filter of a few hundred rules (podman's default profile); a
 * cached one is read in microseconds. Within one process the last 16 filters are kept in
 * memory without a directory. A file is used only if it holds the same inputs byte for
 * byte (the rule set, libseccomp's version and API level) and its checksum is right,
 * and only if it and dir belong to the caller's effective uid and are writable by no one
 * else; anything else, and any failure to read or write the cache, only means the filter
 * is built again.
 * libbox never deletes the files; removing dir at any time is safe. NULL turns the
 * directory off. dir is copied. Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box NULL, dir not absolute), -EPERM (dir belongs to another user
 * or is writable by group or others), -ENOTDIR (not a directory, or a symbolic link), the
 * error of mkdir(2) or open(2), -EBUSY (already spawned), -ENOMEM. */
int box_seccomp_cache_dir(box_t *box, const char *dir);

/* box_seccomp_rule_parse: one line of libbox's seccomp rule text, as boxrun's
 * --seccomp-rule and --seccomp-profile take it, applied with the calls above:
 *   SYSCALL=ACTION[,COMPARISON...]  box_seccomp_rule, or box_seccomp_rule_args when there
 *                                   are comparisons (at most 6, all must hold)
 *   default=ACTION                  box_seccomp_default_action
 *   deny-list=on|off                box_seccomp_default
 * ACTION: allow, kill, log, errno (EPERM) or errno:N (N 1..4095); not notify, which needs
 * a supervisor (use box_seccomp_rule). COMPARISON: aN==V, aN!=V, aN<V, aN<=V, aN>V, aN>=V
 * (unsigned) or aN&MASK==V, N the argument 0..5, V and MASK decimal or 0x hexadecimal.
 * No spaces. A syntax error's message names the bad part without a function prefix
 * ("bad comparison 'a6==1' (...)"), so that a front end can put the option or FILE:LINE
 * in front. Phase: before box_spawn(). Returns 0 or: -EINVAL (box or text NULL, bad
 * syntax, unknown system call, and the errors of the call it makes), -EBUSY, -ENOMEM. */
int box_seccomp_rule_parse(box_t *box, const char *text);

/* box_seccomp_notify_fd: after box_spawn (box_start), the seccomp user-notification
 * listener of a box with BOX_SECCOMP_NOTIFY rules: the caller reads each notified call with
 * ioctl(SECCOMP_IOCTL_NOTIF_RECV) and answers it with SECCOMP_IOCTL_NOTIF_SEND (see
 * seccomp_unotify(2); libseccomp's seccomp_notify_receive/respond do the same). Until it
 * answers, the calling process of the box waits: service the fd from your poll loop or a
 * thread while box_wait runs. The fd is owned by the box (O_CLOEXEC), closed when the box
 * is reaped. Returns it, -EINVAL (box NULL), -ESRCH (not running), -ENOENT (no rule
 * notifies). */
int box_seccomp_notify_fd(const box_t *box);

/* box_seccomp_load_bpf: read a classic BPF seccomp program (an array of struct sock_filter,
 * as bwrap --seccomp FD takes) from fd until end of file, now, and copy it. It is installed
 * in the program right after libbox's own filter (if any); the kernel runs both and the
 * most restrictive verdict wins. A second call replaces every program loaded or added
 * before. fd is not closed. Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box NULL, size 0, not a multiple of 8 or above 4096
 * instructions), -EBADF or the read's error, -EBUSY (already spawned), -ENOMEM.
 *
 * box_seccomp_add_bpf: add one more program of len bytes (copied), installed after the
 * ones before it (bwrap's repeatable --add-seccomp-fd): all of them filter every call. At
 * most 32 programs. Returns 0 or: -EINVAL (box or insns NULL, len 0, not a multiple of 8
 * or above 4096 instructions), -E2BIG (more than 32), -EBUSY, -ENOMEM. */
int box_seccomp_load_bpf(box_t *box, int fd);
int box_seccomp_add_bpf(box_t *box, const void *insns, size_t len);

/* Landlock. box_landlock_path: once called, the program may use the file system only below
 * the paths given (absolute, inside the box; they must exist when the box starts), each
 * with its access: BOX_LANDLOCK_READ (read files, list directories), BOX_LANDLOCK_WRITE
 * (write, truncate, create, remove, rename) and BOX_LANDLOCK_EXEC (execute; the program
 * itself needs it). Paths are copied. Phase: before box_spawn().
 * Returns 0 or: -EINVAL (box NULL, path not absolute, access 0 or unknown bits),
 * -ENAMETOOLONG, -EBUSY (already spawned), -ENOMEM.
 *
 * box_landlock_mode: required = 1 (the default) makes box_spawn fail with -EOPNOTSUPP when
 * the kernel has no Landlock; 0 runs the box without it then. Returns 0, -EINVAL or -EBUSY. */
#define BOX_LANDLOCK_READ  (1u << 0)
#define BOX_LANDLOCK_WRITE (1u << 1)
#define BOX_LANDLOCK_EXEC  (1u << 2)
int box_landlock_path(box_t *box, const char *path, unsigned int access);
int box_landlock_mode(box_t *box, int required);

/* Sizes and durations as people write them, parsed the same way for every front end.
 *
 * box_parse_size: bytes from "4096", "64K", "1.5G", "2MiB", "1 GB": a decimal number (with
 * a fraction, at most 18 digits after the point) and an optional unit b, k, kb, kib, m,
 * mb, mib, g, gb, gib, t, tb or tib, any case, binary (K = 1024); spaces around and
 * between are allowed. The result must be a whole number of bytes ("0.3K" is refused).
 *
 * box_parse_duration: nanoseconds from "2", "1.5s", "200ms", "500us", "10ns", "2m",
 * "1min", "1h": a decimal number and an optional unit s or sec (the default), ms, us, ns,
 * m or min (minutes), h, any case; a fraction of a nanosecond is rounded up.
 *
 * Both return 0 and write *out, or -EINVAL (NULL, empty, no digit, a sign, an unknown
 * unit, anything after it) or -ERANGE (above UINT64_MAX). */
int box_parse_size(const char *text, uint64_t *out);
int box_parse_duration(const char *text, uint64_t *out_ns);

/* Images. A store holds images: stacks of read-only layers, unpacked once and shared by
 * every image that has them, plus each image's config (Env, Entrypoint, Cmd, WorkingDir,
 * User, StopSignal) and its tags ("name:tag"; a name without a tag means ":latest"). Many
 * boxes run from one image at once, each with its own writable layer (box_set_image).
 * Stores are safe for concurrent users (processes and threads, each with its own
 * box_store_t): readers and writers take an flock of the store. A box_store_t is used by
 * one thread at a time.
 *
 * box_store_open: open the store at `dir` (absolute), or at the default place when NULL:
 * /var/lib/libbox for root, else $XDG_DATA_HOME/libbox or ~/.local/share/libbox. A store
 * opened by someone other than root is rootless: its layers belong to its owner (whom a
 * box maps to root), keep only user.* xattrs and may not hold device nodes. *out is the
 * caller's, closed with box_store_close. flags: BOX_STORE_CREATE (make the directory if
 * missing), BOX_STORE_NOWAIT (a store another process holds locked fails with -EAGAIN
 * instead of waiting). Returns 0 or: -EINVAL (out NULL, dir not absolute, unknown flags),
 * -ENOENT (no store there, without BOX_STORE_CREATE), -EACCES, -ENOMEM. No message:
 * there is no store object to hold one yet.
 *
 * box_store_errmsg: the message of the last failing call on the store ("" if none),
 * owned by the store. box_store_path: its directory, owned by the store.
 *
 * box_image_import: import the image at `path`: an OCI image layout directory (e.g.
 * `skopeo copy ... oci:DIR`), an oci-archive tarball or a docker-archive tarball (`docker
 * save`, `podman save`). Every blob's sha256 (and size, where the manifest gives it) is
 * checked; layers (gzip, zstd, xz or plain tar) are unpacked with their whiteouts and opaque
 * directories in overlay form, their hard links, xattrs, modes and, in a root store, owners
 * and device nodes. A layer entry that would leave its layer (an absolute path, "..", a
 * path through a symlink, a hard link to a path outside the layer), or a device node in a
 * rootless store, makes the import fail. `ref` names the image (NULL: the name the archive
 * carries); an existing tag moves to the new image. On any failure the store is left as it
 * was. Returns 0 or: -EINVAL (bad reference, not an image, a malformed or unsafe entry),
 * -ENOENT (path missing; a blob the manifest names is missing), -EBADMSG (a digest or size
 * mismatch: a truncated or altered blob), -EPERM (a device node in a rootless store),
 * -EAGAIN (locked, with BOX_STORE_NOWAIT), -ENOSPC, -EIO, -ENOMEM. The message names the
 * blob (sha256:...) or entry. Layers are kept by diff_id (the sha256 of the uncompressed
 * tar): a new one must hash to the diff_id the image's config gives it (-EBADMSG).
 *
 * box_image_list: every tag and the image it names, as a JSON object {"name:tag": ID, ...}
 * (ID: the sha256 of the image's config, in hex) in *json, which the caller frees with
 * free(). Returns 0, -EINVAL, -EAGAIN, -EBADMSG (damaged index), -ENOMEM.
 *
 * box_image_inspect: the image's ref, id, layers and config as JSON text in *json, which
 * the caller frees with free(). Returns 0, -EINVAL, -ENOENT (no such image), -ENOMEM.
 *
 * box_image_remove: remove the tag `ref`; when no other tag names the image, the image too,
 * with the layers that no other image uses. Refuses with -EBUSY while a box made from the
 * image exists (until its box_free). Returns 0 or: -EINVAL, -ENOENT (no such image),
 * -EBUSY, -EAGAIN.
 *
 * box_store_gc: remove what nothing uses any more: images without a tag that no box uses,
 * layers no image lists, leftovers of imports and boxes whose process died. Returns 0 or
 * -EAGAIN, -EIO. */
typedef struct box_store box_store_t;
#define BOX_STORE_CREATE (1u << 0)
#define BOX_STORE_NOWAIT (1u << 1)
int box_store_open(box_store_t **out, const char *dir, unsigned int flags);
void box_store_close(box_store_t *store);
const char *box_store_errmsg(const box_store_t *store);
const char *box_store_path(const box_store_t *store);
int box_image_import(box_store_t *store, const char *path, const char *ref);
int box_image_list(box_store_t *store, char **json);
int box_image_inspect(box_store_t *store, const char *ref, char **json);
int box_image_remove(box_store_t *store, const char *ref);
int box_store_gc(box_store_t *store);

/* box_set_image: run the box from image `ref` of `store`. Its root becomes an overlay
 * (box_set_root_overlay) of the image's layers with the box's own writable layer on top:
 * an ephemeral one that vanishes with the box, or with BOX_IMAGE_COMMIT one in the store
 * that box_image_commit can save, removed by box_free. The image's config supplies
 * defaults, applied now as by the setters, so that later calls override them: Env
 * (box_setenv), WorkingDir (box_set_cwd, and created if missing), User (box_set_user; a
 * name is looked up in the image's /etc/passwd), StopSignal (box_stop_signal). Its
 * Entrypoint and Cmd make box_spawn's argv: Entrypoint + argv, or Entrypoint + Cmd when
 * argv is NULL or empty (BOX_IMAGE_NO_ENTRYPOINT: argv, or Cmd). The box pins the image
 * (box_image_remove refuses) until box_free; the store may be closed meanwhile.
 * Phase: before box_spawn. Returns 0 or: -EINVAL (box or store NULL, bad reference,
 * unknown flags), -ENOENT (no such image, a User the image lacks), -EBADMSG (damaged
 * store), -EBUSY (already spawned), -ENOMEM.
 *
 * box_stop_signal: the signal that asks the box's program to stop: the image's
 * StopSignal, else SIGTERM. (libbox sends it to nobody by itself; box_free kills.)
 *
 * box_image_commit: after box_spawn (running or ended), save the box's writable layer as
 * a new layer (the upper dir tarred with its xattrs, overlay whiteouts turned into .wh.
 * entries, opaque dirs into .wh..wh..opq) on top of its image's layers, as image `ref` of the same store,
 * with the image's config and the new layer's diff_id. A running box's files are read
 * as they are at that moment. Returns 0 or: -EINVAL (bad reference, the box has not run
 * or was not made with BOX_IMAGE_COMMIT), -EXDEV (another store), -EAGAIN, -EIO,
 * -ENOSPC, -ENOMEM; message on the box. */
#define BOX_IMAGE_COMMIT        (1u << 0)
#define BOX_IMAGE_NO_ENTRYPOINT (1u << 1)
int box_set_image(box_t *box, box_store_t *store, const char *ref, unsigned int flags);
int box_stop_signal(const box_t *box);
int box_image_commit(box_t *box, box_store_t *store, const char *ref);

/* What this kernel and this caller can do (box_probe). */
typedef enum {
    BOX_CGROUP_NONE = 0,
    BOX_CGROUP_V1,     /* only v1 hierarchies */
    BOX_CGROUP_HYBRID, /* v1 controllers plus a v2 hierarchy (usually without controllers) */
    BOX_CGROUP_V2,     /* unified hierarchy only */
} box_cgroup_layout_t;

/* Pause and resume a running box: every process of its cgroup is frozen (v2 cgroup.freeze,
 * or the v1 freezer) until box_resume; both return once the kernel reports the new state.
 * They need a box cgroup, which a box gets with a cgroup limit (box_set_limit: e.g.
 * BOX_LIMIT_PIDS). Returns 0, -EINVAL (box NULL), -ESRCH (not running), -EOPNOTSUPP (no
 * box cgroup), -ETIMEDOUT (the state did not change within 2 s), or the errno of the write.
 * box_kill(SIGKILL), box_wait and box_free work on a paused box. */
int box_pause(box_t *box);
int box_resume(box_t *box);

/* Change a limit of a running box, or of one held for box_start (BOX_OPT_HOLD: a created
 * OCI container; the program then starts under the new limit) (box_set_limit's limits
 * and units): a cgroup limit is
 * written to the box's cgroup at once (memory, pids, cpu, io weight, ...: the box needs
 * that controller's cgroup, which it has when the limit was set before box_spawn), the
 * wall and cpu-time limits take effect in box_wait (a detached box keeps a new cgroup
 * limit in its state for later box_opens). Returns 0, -EINVAL (box NULL, unknown
 * limit, 0 where 0 is not allowed), -ERANGE, -ESRCH (neither running nor held), -EOPNOTSUPP (an rlimit,
 * which is per process; no cgroup for it), or the errno of the cgroup write (-EBUSY: the
 * kernel refuses a memory limit below what the box uses and cannot reclaim). */
int box_update_limit(box_t *box, box_limit_t limit, uint64_t value);

/* The processes of a running box (cgroup.procs of its cgroup and of those below it: its
 * leaf, the cgroups of execs; pids as the caller sees them): up to n go into pids; returns
 * how many there are (more than n: call again with a larger array), or -EINVAL (box NULL,
 * pids NULL with n > 0), -ESRCH (not running), -EOPNOTSUPP (no box cgroup, see box_pause),
 * -errno. */
int box_pids(box_t *box, pid_t *pids, size_t n);

/* Running boxes: another program in a box that runs (box_exec).
 *
 * box_exec runs argv[0] (found in the box's PATH when it has no '/') in a running box:
 * the new process joins every namespace of the box through its pidfd (setns), its
 * cgroups, and gets what the box's program got: uid/gid and groups (box_set_user,
 * box_set_groups), rlimits, capabilities (box_cap_keep), no_new_privs, Landlock and the
 * seccomp filter, built again for it. It starts in the box's cwd with the box's
 * environment unless `opts` says otherwise. Like box_spawn it costs the same whatever the
 * caller's size (CLONE_VM), and it returns once the program was exec'ed.
 *
 * The process is a child of the caller, handled by a box_proc_t (box_proc_wait, _kill,
 * _pid, _pidfd). It belongs to the box: it is killed when the box's pid namespace ends
 * (its pid 1 exits) and by box_kill(SIGKILL) through the box's cgroup. A box_proc_t must
 * be freed before its box; box_proc_free of a running process kills and reaps it.
 *
 * Per exec, besides cwd, env and stdio: the user (BOX_EXEC_USER: uid and gid inside the
 * box, which must be mapped there; BOX_EXEC_GROUPS: the supplementary groups, n_groups 0
 * for none), and limits (`limits`, n_limits entries of box_set_limit's BOX_LIMIT_* and
 * units): rlimits are set for the process instead of the box's; BOX_LIMIT_WALL_MS and
 * BOX_LIMIT_CPU_TIME_MS are enforced by box_proc_wait (BOX_END_WALL_TIME, _CPU_TIME); a
 * cgroup limit (memory, pids, cpu_millis, ...) goes to a cgroup of the process's own.
 *
 * A cgroup of its own (BOX_EXEC_CGROUP, implied by a cgroup limit or a cpu-time limit):
 * "exec-N" below the box's cgroup in each hierarchy that accounts (v2: the box's v2
 * cgroup; v1: memory, pids, cpu, cpuacct), made by box_exec, removed by box_proc_free.
 * box_proc_wait then reports the process's own cpu time, peak memory, OOM kills and pids
 * refusals (the cgroup fields of box_status_t), and BOX_END_OOM when the kernel killed it
 * at its own memory limit; the box's limits still bound it (the box's cgroup is the
 * parent). The box needs a cgroup for each controller used (a cgroup limit of that kind
 * set before box_spawn; any cgroup limit gives it memory and cpu accounting), else
 * -EOPNOTSUPP. On cgroup v2 a cgroup that holds processes cannot give controllers to its
 * children, so a box's own processes (its first program, and execs without a cgroup of
 * their own) live in the leaf "init" below the box's v2 cgroup.
 *
 * Seccomp user notification: an exec'd program gets the box's filter with its
 * BOX_SECCOMP_NOTIFY rules and a listener of its own, box_proc_notify_fd, which the caller
 * services as box_seccomp_notify_fd's. BOX_OPT_INIT is not used for execs: the exec'd
 * program is not a child of the box's pid 1, and orphans it leaves are reaped by the box's
 * pid 1 (box-init with BOX_OPT_INIT, else the box's program). */
typedef struct box_proc box_proc_t;

typedef struct box_exec_limit {
    box_limit_t limit; /* BOX_LIMIT_* */
    uint64_t value;    /* in box_limit_unit(limit)'s unit */
} box_exec_limit_t;

#define BOX_EXEC_USER   (1u << 0) /* run as uid/gid instead of the box's */
#define BOX_EXEC_GROUPS (1u << 1) /* supplementary groups groups[n_groups] instead */
#define BOX_EXEC_CGROUP (1u << 2) /* a cgroup of its own, for accounting */
#define BOX_EXEC_TTY    (1u << 3) /* a new pty as its controlling terminal and stdio, of
                                     tty_rows x tty_cols (0 0: the kernel's), as
                                     box_set_tty gives the box's program (`boxoci exec
                                     -t`); box_proc_tty_fd is the master. The stdio
                                     fds must be -1 */
#define BOX_EXEC_CAPS_BOUNDING_ONLY (1u << 4) /* BOX_OPT_CAPS_BOUNDING_ONLY for this exec:
                                     run as a uid other than 0, it gets the box's kept
                                     capabilities as its bounding set only and starts
                                     with none (runc's exec of a non-root process whose
                                     ambient set is empty: `podman exec --user`) */

/* Extensible: `size` says how much of it the caller knows. Fields are only ever added at
 * the end; a caller built against an older, shorter struct gets the defaults for the
 * newer fields, and a larger size (a newer caller) is accepted when the bytes this
 * library does not know are 0. */
typedef struct box_exec_opts {
    size_t size;             /* sizeof(box_exec_opts_t), set by BOX_EXEC_OPTS_INIT */
    const char *cwd;         /* absolute, inside the box; NULL: the box's (box_set_cwd) */
    const char *const *envp; /* "NAME=value" ..., NULL-terminated; NULL: the box's */
    int stdin_fd, stdout_fd, stderr_fd; /* the program's 0, 1, 2; -1: the caller's own */
    /* added after the first release of box_exec (whose size ended here) */
    uint64_t flags;          /* BOX_EXEC_* */
    uid_t uid;               /* BOX_EXEC_USER: inside the box */
    gid_t gid;
    const gid_t *groups;     /* BOX_EXEC_GROUPS: inside the box, at most 64; copied */
    size_t n_groups;
    const box_exec_limit_t *limits; /* n_limits entries, copied; a limit twice: the last */
    size_t n_limits;
    unsigned short tty_rows, tty_cols; /* BOX_EXEC_TTY: the window size */
} box_exec_opts_t;
#define BOX_EXEC_OPTS_INIT { sizeof(box_exec_opts_t), NULL, NULL, -1, -1, -1, 0, 0, 0, \
                             NULL, 0, NULL, 0, 0, 0 }

/* Returns 0 with *out set (owned by the caller: box_proc_free), or: -EINVAL (box, argv,
 * out NULL, argv empty, opts->size too small, cwd not absolute, unknown flags, groups
 * NULL with n_groups > 0 or more than 64, limits NULL with n_limits > 0, an unknown
 * limit, 0 where it needs a value), -ERANGE (a limit out of its range), -E2BIG
 * (opts->size larger than this library's struct, with
 * non-zero bytes past it), -EBADF (a stdio fd is not open), -ESRCH (the box is not
 * running: not spawned, held, or already ended), -EOPNOTSUPP (a cgroup of its own where
 * the box has no cgroup for that controller), -ENOSYS (an architecture without clone3,
 * for now x86_64 and aarch64 only), the errno of making the cgroup, or the negative
 * errno of the step that failed, with box_errmsg and box_error_step saying which
 * ("join-ns", "fork", "setuid", "exec", ...). */
int box_exec(box_t *box, const char *const argv[], const box_exec_opts_t *opts,
             box_proc_t **out);

/* The process's pid (as the caller sees it), and a pidfd for it (owned by the proc,
 * O_CLOEXEC; -ESRCH once it was reaped). */
pid_t box_proc_pid(const box_proc_t *proc);
int box_proc_pidfd(const box_proc_t *proc);

/* Its seccomp user-notification listener (see box_seccomp_notify_fd), owned by the proc
 * and closed when it is reaped: the fd, -EINVAL (NULL), -ENOENT (no rule of the box
 * notifies), -ESRCH (reaped). */
int box_proc_notify_fd(const box_proc_t *proc);

/* BOX_EXEC_TTY: the master of its terminal (see box_tty_fd), owned by the proc and kept
 * after it is reaped (for the rest of its output) until box_proc_free: the fd, -EINVAL
 * (NULL), -ENOTTY (no terminal). box_proc_tty_resize sets its window size (SIGWINCH to
 * its foreground group): 0, -EINVAL, -ENOTTY, or the errno of TIOCSWINSZ. */
int box_proc_tty_fd(const box_proc_t *proc);
int box_proc_tty_resize(box_proc_t *proc, unsigned short rows, unsigned short cols);

/* Send it a signal: 0, -EINVAL (bad signal, NULL), -ESRCH (reaped), or -errno. */
int box_proc_kill(box_proc_t *proc, int sig);

/* Wait up to timeout_ms (-1: no limit) for it to end and reap it; *status (optional) gets
 * how: end (EXITED, SIGNALED, KILLED after box_proc_kill(SIGKILL), OOM, WALL_TIME and
 * CPU_TIME at its own limits), exit_code, signal, wall_us from box_exec, cpu and max_rss
 * of the process and the children it reaped; with a cgroup of its own the cgroup fields
 * (memory_peak_bytes, oom_kills, pids_limit_hits) and the cpu time of all its processes
 * are its own, else the cgroup fields stay 0 (the box's cgroup is shared). Returns 0,
 * -ETIMEDOUT (-EAGAIN with 0 ms) while it runs, -EINVAL; after the first reap it returns
 * the same status again. */
int box_proc_wait(box_proc_t *proc, int timeout_ms, box_status_t *status);

/* Kill and reap it if it runs, and free the handle. NULL is fine. */
void box_proc_free(box_proc_t *proc);

/* Free the handle and leave the process as it is: it keeps running and stays the
 * caller's child, to be reaped with waitpid(2) by pid, or by the caller's child subreaper
 * once the caller has exited (an OCI runtime's exec --detach: conmon and containerd's
 * shim reap it). Its status is not recorded anywhere. The handle's fds go with it,
 * the terminal's master of BOX_EXEC_TTY too: dup box_proc_tty_fd first to keep it (an OCI
 * runtime sends it to the console socket). NULL is fine. */
void box_proc_release(box_proc_t *proc);

/* Detached boxes: a box that outlives the process that made it (BOX_OPT_DETACH), found
 * again by id from any process of the same user and pid namespace (box_open), and removed
 * with box_destroy. See box_open(3) for the design.
 *
 * The state of each box is a directory <state_dir>/<id>: the state file (written
 * atomically, under a lock on the directory), box-init's end record, and for a held box
 * the FIFOs through which another process starts it. The box's pid 1 is box-init; once
 * box_spawn returns it is no longer a child of the caller: it belongs to the caller's
 * nearest child subreaper (conmon and containerd's shim reap it with waitpid(-1)), else
 * to the system's init. Its exit status is recorded in the state directory whether or not
 * anyone waits. Not yet with a detached box: box_net_veth/_bridge/_pasta/_publish,
 * box_set_image and BOX_SECCOMP_NOTIFY rules (box_spawn says -EINVAL). */
#define BOX_ID_MAX 128

/* The box's id: 1 to BOX_ID_MAX bytes of [A-Za-z0-9_.+-], not starting with '.' or '-'
 * (a file name in the state directory; OCI ids fit). Copied. Needed by BOX_OPT_DETACH.
 * Phase: before box_spawn. Returns 0 or -EINVAL (box or id NULL, not such a name),
 * -EBUSY, -ENOMEM. */
int box_set_id(box_t *box, const char *id);

/* Where detached boxes keep their state: an absolute path, made (mode 0700, its parent
 * must exist) at box_spawn if missing. NULL (the default): /run/libbox for root, else
 * $XDG_RUNTIME_DIR/libbox (box_spawn fails with -ENOENT if XDG_RUNTIME_DIR is not set).
 * Copied. Phase: before box_spawn. Returns 0 or -EINVAL (box NULL, not absolute, 4096
 * bytes or more), -EBUSY, -ENOMEM. */
int box_set_state_dir(box_t *box, const char *dir);

/* An opaque string stored with a detached box and given back by box_label after
 * box_open (boxoci keeps its bundle path and annotations there): up to 65536 bytes, any
 * bytes but NUL. NULL removes it. Copied. Phase: before box_spawn. Returns 0 or -EINVAL
 * (box NULL, too long), -EBUSY, -ENOMEM. */
int box_set_label(box_t *box, const char *label);

/* The box's id and label (owned by the box, valid until box_free), or NULL when none. */
const char *box_id(const box_t *box);
const char *box_label(const box_t *box);

/* A box_t for the detached box `id` in `state_dir` (NULL: the default of
 * box_set_state_dir), made by this or another process: created-and-held, running or
 * ended. *out is the caller's (box_free, which leaves the box as it is). box_pid,
 * box_pidfd, box_kill, box_wait (which does not reap: the box is not the caller's child),
 * box_start (held), box_exec, box_pause/box_resume, box_pids and box_update_limit work on
 * it as on the creator's box_t. A pid whose start time is not the one recorded is not
 * the box's (a recycled pid): the box counts as ended. Must run in the creator's pid
 * namespace. Returns 0, or -EINVAL (out or id NULL, bad id or directory), -ENOENT (no
 * such box, or no state directory), -EPROTO (a state file libbox cannot read: truncated,
 * hostile or of another version; *out is NULL), -EACCES, -ENOMEM, or the errno of
 * pidfd_open. On error *out is NULL and nothing is left open; the message is lost with
 * the box, so box_open prints none: use box_open_err for one. */
int box_open(box_t **out, const char *state_dir, const char *id);

/* box_open that also writes its error message into errbuf (size bytes, may be NULL). */
int box_open_err(box_t **out, const char *state_dir, const char *id, char *errbuf,
                 size_t size);

/* End a detached box for good: SIGKILL every process of it (its cgroup, or its pid 1
 * and so its pid namespace), wait until it is gone, record its status (box_wait gives it
 * back) and remove its cgroups and its state directory. The box_t stays the caller's
 * (box_free). Returns 0, or -EINVAL (box NULL, not a detached or opened box), -ESRCH
 * (already destroyed), or the errno of the removal (the message names the file). */
int box_destroy(box_t *box);

/* Where a box is in its life (box_phase), as OCI's state calls it. */
typedef enum {
    BOX_PHASE_CREATED = 1, /* built and held: waits for box_start */
    BOX_PHASE_RUNNING,
    BOX_PHASE_PAUSED,      /* box_pause: every process frozen */
    BOX_PHASE_STOPPED,     /* its pid 1 has ended (box_wait has the status) */
} box_phase_t;

/* The box's phase: a BOX_PHASE_* (positive), or -EINVAL (box NULL), -ESRCH (never
 * spawned). Works on any spawned box, detached or not. */
int box_phase(box_t *box);

/* Call fn(id, data) for each box in state_dir (NULL: the default), in id order. fn's
 * non-zero return stops the walk and is returned. Returns 0, or fn's value, -EINVAL
 * (fn NULL, bad dir), -ENOENT (no state directory: no box was ever detached there),
 * -ENOMEM, or the errno of reading the directory. */
typedef int (*box_list_fn)(const char *id, void *data);
int box_list(const char *state_dir, box_list_fn fn, void *data);

#define BOX_FEATURES_VERSION 1
typedef struct box_features {
    uint32_t version;         /* BOX_FEATURES_VERSION of the library that filled it */
    int userns;               /* 1 if this caller can create a usable user namespace */
    char userns_why[512];     /* when 0: the reason and the fix */
    box_cgroup_layout_t cgroup_layout;
    char cgroup_v2_path[512]; /* the caller's own cgroup v2 directory, "" if none */
    char cgroup_controllers[256]; /* controllers the caller may use: v2 delegated ones,
                                     or writable v1 hierarchies, space separated */
    int landlock_abi;         /* 0 if Landlock is not available */
    int seccomp_notify;       /* seccomp user notification */
    int clone3;               /* clone3() system call */
    int clone_into_cgroup;    /* clone3 + cgroup v2 */
    int pidfd;                /* pidfd_open() */
    int idmapped_mounts;      /* mount_setattr(MOUNT_ATTR_IDMAP) */
    int time_ns;              /* time namespaces */
    uint64_t reserved[8];
} box_features_t;

/* Probe once (results are cached per process). Returns 0 or -EINVAL for NULL. */
int box_probe(box_features_t *out);

/* The library's version, "MAJOR.MINOR.MICRO" as meson's project() has it (the
 * BOX_VERSION_* macros are the header's). Static storage. */
const char *box_version(void);

#ifdef __cplusplus
}
#endif
#endif
