/* Mounts: the mount plan (validated and recorded by the parent in box_mount) and its replay
 * in the child, which builds the box's root with the kernel's mount API (open_tree,
 * fsopen/fsmount, move_mount, mount_setattr) and enters it with pivot_root: the steps
 * MOUNT_PRIVATE, OPEN_ROOT, OPEN_SOURCE, ATTACH_ROOT, MOUNT, ROOT_READONLY and PIVOT_ROOT
 * of the table in child.h, which read only the plan.
 *
 * Symlink safety: every mount target is opened with openat2(RESOLVE_IN_ROOT) relative to the
 * box's root, so a symlink planted in the root can never lead a mount out of it. Sources are
 * host paths; they are all opened before the new root is attached anywhere, so attaching it
 * cannot hide a source. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

#define KNOWN_FLAGS (BOX_MOUNT_RO | BOX_MOUNT_NOREC | BOX_MOUNT_DEVICES | BOX_MOUNT_EXEC_OFF | \
                     BOX_MOUNT_TRY | BOX_MOUNT_NOFOLLOW | BOX_MOUNT_COPY_UP)

static const char *const dev_nodes[BOX_DEV_NODES] = { "null", "zero", "full",
                                                       "random", "urandom", "tty" };

/* The layers of an overlay (overlay.c records them; their memory belongs to the mount op
 * or the box's root, freed from here, below overlay.c). */
void box__overlay_free(struct box_overlay *ov)
{
    if (!ov)
        return;
    for (size_t i = 0; i < ov->n_lowers; i++)
        free(ov->lowers[i]);
    free(ov->lowers);
    free(ov->upper);
    free(ov->work);
    free(ov);
}

void box__mount_free(struct box_mount_op *op)
{
    if (op->source_fd >= 0)
        close(op->source_fd);
    free(op->source);
    free(op->target);
    free(op->fs_size);
    free(op->fs_mode);
    box__overlay_free(op->overlay);
}

const char *box__mount_type_name(box_mount_type_t type)
{
    if (type == BOX_MOUNT_OP_CHMOD)
        return "chmod";
    if (type == BOX_MOUNT_OP_MKNOD)
        return "mknod";
    switch (type) {
    case BOX_MOUNT_BIND: return "bind";
    case BOX_MOUNT_TMPFS: return "tmpfs";
    case BOX_MOUNT_PROC: return "proc";
    case BOX_MOUNT_DEV: return "dev";
    case BOX_MOUNT_MQUEUE: return "mqueue";
    case BOX_MOUNT_DIR: return "dir";
    case BOX_MOUNT_SYMLINK: return "symlink";
    case BOX_MOUNT_REMOUNT_RO: return "remount-ro";
    case BOX_MOUNT_OVERLAY: return "overlay";
    case BOX_MOUNT_SYSFS: return "sysfs";
    case BOX_MOUNT_CGROUP2: return "cgroup2";
    case BOX_MOUNT_MASK: return "mask";
    case BOX_MOUNT_READONLY: return "readonly";
    case BOX_MOUNT_CGROUP: return "cgroup";
    }
    return NULL;
}

/* box__mount_add, the new mount holding source_fd and overlay (-1 and NULL: none). Not
 * with BOX_MOUNT_TRY, whose missing source adds nothing and returns 0. */
static int mount_add(box_t *box, box_mount_type_t type, const char *source, const char *target,
                     unsigned int flags, uint64_t size, mode_t mode, int source_fd,
                     struct box_overlay *overlay)
{
    const char *tname = box__mount_type_name(type);
    struct box_mount_op op = { .type = type, .flags = flags, .source_fd = -1,
                               .parent_mode = 0755 };
    struct box_mount_op *grown;
    struct stat st;
    int r;

    if (!tname)
        return box__error(box, EINVAL, "mount: unknown mount type %d", (int)type);
    if (flags & ~KNOWN_FLAGS)
        return box__error(box, EINVAL, "mount %s: unknown flags 0x%x", tname,
                         flags & ~KNOWN_FLAGS);
    if ((flags & BOX_MOUNT_COPY_UP) && type != BOX_MOUNT_TMPFS)
        return box__error(box, EINVAL, "mount %s: BOX_MOUNT_COPY_UP is for a tmpfs", tname);
    if (!target || target[0] != '/')
        return box__error(box, EINVAL, "mount %s: target '%s' is not an absolute path", tname,
                         target ? target : "(null)");
    if (type == BOX_MOUNT_BIND) {
        if (!source || source[0] != '/')
            return box__error(box, EINVAL, "mount bind: source '%s' is not an absolute path",
                             source ? source : "(null)");
        if (stat(source, &st) < 0) {
            if (errno == ENOENT && (flags & BOX_MOUNT_TRY))
                return 0;
            return box__error(box, errno, "mount bind: source %s", source);
        }
        op.source_is_dir = S_ISDIR(st.st_mode);
    } else if (type == BOX_MOUNT_SYMLINK) {
        if (!source || !source[0])
            return box__error(box, EINVAL, "mount symlink: empty link text for %s", target);
    } else if (source) {
        return box__error(box, EINVAL, "mount %s: source must be NULL, not '%s'", tname,
                         source);
    }

    r = box__normalize_path(target, &op.target);
    if (r == -EXDEV)
        return box__error(box, EXDEV, "mount %s: target %s leads outside the box", tname,
                         target);
    if (r < 0)
        return box__error(box, -r, "mount %s: target %s", tname, target);
    if (strcmp(op.target, "/") == 0 && type != BOX_MOUNT_REMOUNT_RO &&
        type != BOX_MOUNT_OP_CHMOD && type != BOX_MOUNT_BIND && type != BOX_MOUNT_OP_MKNOD) {
        free(op.target);
        return box__error(box, EINVAL, "mount %s: target '/' is the root; use box_set_root",
                         tname);
    }
    op.mode = mode;
    op.has_mode = mode != BOX_NO_MODE && (type == BOX_MOUNT_DIR || type == BOX_MOUNT_OP_CHMOD);
    /* As bwrap: parents of a directory (or tmpfs) the group or others may not enter are not
     * open to them either. */
    if (mode != BOX_NO_MODE && (type == BOX_MOUNT_DIR || type == BOX_MOUNT_TMPFS)) {
        if (!(mode & 0070))
            op.parent_mode &= ~0050u;
        if (!(mode & 0007))
            op.parent_mode &= ~0005u;
    }
    if ((source && !(op.source = strdup(source))) ||
        (size && asprintf(&op.fs_size, "%llu", (unsigned long long)size) < 0) ||
        (type == BOX_MOUNT_TMPFS && asprintf(&op.fs_mode, "0%o", (unsigned)mode) < 0))
        goto oom;
    grown = realloc(box->mounts, (box->n_mounts + 1) * sizeof *grown);
    if (!grown)
        goto oom;
    box->mounts = grown;
    /* Only now: on a failure above they are still the caller's to free. */
    op.source_fd = source_fd;
    op.overlay = overlay;
    box->mounts[box->n_mounts++] = op;
    return 0;
oom:
    box__mount_free(&op);
    return box__error(box, ENOMEM, "mount %s", tname);
}

int box__mount_add(box_t *box, box_mount_type_t type, const char *source, const char *target,
                   unsigned int flags, uint64_t size, mode_t mode)
{
    return mount_add(box, type, source, target, flags, size, mode, -1, NULL);
}

int box__mount_add_holding(box_t *box, box_mount_type_t type, const char *source,
                           const char *target, unsigned int flags, int source_fd,
                           struct box_overlay *overlay)
{
    return mount_add(box, type, source, target, flags, 0, BOX_NO_MODE, source_fd, overlay);
}

BOX_API int box_mknod(box_t *box, const char *path, mode_t mode, unsigned int major,
                      unsigned int minor, uid_t uid, gid_t gid)
{
    int r = box__check_configurable(box, "mknod");

    if (r < 0)
        return r;
    if ((!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode)) || (mode & ~(S_IFMT | 07777u)))
        return box__error(box, EINVAL, "mknod %s: mode 0%o is not a character or block "
                          "device's or a fifo's (S_IFCHR, S_IFBLK or S_IFIFO | permissions)",
                          path ? path : "", (unsigned)mode);
    if (S_ISFIFO(mode) && (major || minor))
        return box__error(box, EINVAL, "mknod %s: a fifo has no device number (0:0, not "
                          "%u:%u)", path ? path : "", major, minor);
    if (major > 0xfff || minor > 0xfffff)
        return box__error(box, EINVAL, "mknod %s: %u:%u is not a device number", path ? path : "",
                          major, minor);
    if (!path || path[0] != '/' || strcmp(path, "/") == 0)
        return box__error(box, EINVAL, "mknod: path '%s' is not an absolute path of a file",
                          path ? path : "(null)");
    if ((r = box__mount_add(box, BOX_MOUNT_OP_MKNOD, NULL, path, 0, 0, mode)) < 0)
        return r;
    box->mounts[box->n_mounts - 1].rdev = makedev(major, minor);
    box->mounts[box->n_mounts - 1].uid = uid;
    box->mounts[box->n_mounts - 1].gid = gid;
    return 0;
}

BOX_API int box_mount_fd(box_t *box, int fd, const char *target, unsigned int flags)
{
    int r = box__check_configurable(box, "mount_fd"), dup;
    char source[32];

    if (r < 0)
        return r;
    if (flags & (BOX_MOUNT_TRY | BOX_MOUNT_COPY_UP | ~KNOWN_FLAGS))
        return box__error(box, EINVAL, "mount_fd: unknown flags 0x%x", flags);
    if (fd < 0 || (dup = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
        return box__error(box, EBADF, "mount_fd: fd %d is not open", fd);
    /* The parent's view of the descriptor, for box__mount_add's checks and the messages;
     * the child binds through source_fd. */
    snprintf(source, sizeof source, "/proc/self/fd/%d", dup);
    r = box__mount_add_holding(box, BOX_MOUNT_BIND, source, target, flags, dup, NULL);
    if (r < 0)
        close(dup);
    return r;
}

/* ---- child side: only raw system calls from here on ---- */

static long open_in_root(int root_fd, const char *path, long flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    return SYS4(SYS_openat2, root_fd, path, &how, sizeof how);
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; the same number on every architecture */
#endif

/* chmod of an O_PATH fd: fchmodat2(AT_EMPTY_PATH) where the kernel has it, else through
 * its /proc/self/fd link (the host's /proc: we have not pivoted yet). */
static long chmod_fd(long fd, mode_t mode)
{
    char link[40] = "/proc/self/fd/";
    long r = SYS4(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH);

    if (r != -ENOSYS && r != -EINVAL)
        return r;
    box__fmt_ulong(link + 14, (unsigned long)fd);
    return SYS3(SYS_fchmodat, AT_FDCWD, link, mode);
}

/* Open `path` inside the root, creating it and its missing parents (directories; the last
 * one a regular file when as_file). Returns an O_PATH fd or -errno. */
static long make_target(int root_fd, const char *path, bool as_file, mode_t parent_mode)
{
    char prefix[4096];
    size_t len = 0;
    long kind = as_file ? 0 : O_DIRECTORY; /* a directory may only go onto a directory */
    long fd = open_in_root(root_fd, path, O_PATH | kind);

    if (fd != -ENOENT)
        return fd;
    /* Walk the components: each missing one is created in its (already resolved) parent. */
    for (const char *p = path; *p;) {
        const char *comp;
        size_t clen;
        long parent, r;
        bool last;

        while (*p == '/')
            p++;
        comp = p;
        while (*p && *p != '/')
            p++;
        clen = (size_t)(p - comp);
        if (clen == 0)
            break;
        if (len + 1 + clen >= sizeof prefix)
            return -ENAMETOOLONG;
        last = (*p == '\0');
        prefix[len] = '\0';
        parent = open_in_root(root_fd, len ? prefix : "/", O_PATH | O_DIRECTORY);
        if (parent < 0)
            return parent;
        prefix[len++] = '/';
        for (size_t i = 0; i < clen; i++)
            prefix[len++] = comp[i];
        prefix[len] = '\0';
        if (last && as_file) {
            r = SYS4(SYS_openat, parent, prefix + len - clen,
                     O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0444);
            if (r >= 0)
                SYS1(SYS_close, r);
        } else {
            r = SYS3(SYS_mkdirat, parent, prefix + len - clen, last ? 0755 : parent_mode);
        }
        SYS1(SYS_close, parent);
        if (r < 0 && r != -EEXIST)
            return r;
    }
    return open_in_root(root_fd, path, O_PATH | kind);
}

/* What is already at a mount's target, before make_target opens or makes it: a symbolic
 * link there fails with BOX_MOUNT_NOFOLLOW (-ELOOP); a directory mount (want_dir) onto
 * something else fails with -ENOTDIR, a file mount onto a directory with -EISDIR, each
 * reported as bwrap reports it (spawn.c). Nothing there (or a link that is followed) is
 * left to make_target. */
static long check_target(int root_fd, const char *path, bool want_dir, unsigned int flags)
{
    long fd = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW), r;
    struct stat st;

    if (fd == -ENOENT)
        return 0;
    if (fd < 0)
        return fd;
    r = SYS4(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH);
    SYS1(SYS_close, fd);
    if (r < 0)
        return r;
    if (S_ISLNK(st.st_mode))
        return (flags & BOX_MOUNT_NOFOLLOW) ? -ELOOP : 0;
    if (want_dir && !S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (!want_dir && S_ISDIR(st.st_mode))
        return -EISDIR;
    return 0;
}

static long attach(long tree, long target_fd)
{
    return SYS5(SYS_move_mount, tree, "", target_fd, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static uint64_t mount_attrs(unsigned int flags)
{
    uint64_t attr = MOUNT_ATTR_NOSUID;

    if (!(flags & BOX_MOUNT_DEVICES))
        attr |= MOUNT_ATTR_NODEV;
    if (flags & BOX_MOUNT_RO)
        attr |= MOUNT_ATTR_RDONLY;
    if (flags & BOX_MOUNT_EXEC_OFF)
        attr |= MOUNT_ATTR_NOEXEC;
    return attr;
}

/* What a BOX_MOUNT_CGROUP mount binds of one hierarchy: the box's own cgroup2 cgroup
 * (above its leaf) when the mount is read-only, so that the box reads its limits but cannot
 * raise them (a writable mount is the cgroup namespace's root, the leaf, whose parent's
 * files stay out of reach, as in runc); else the source. */
static const char *cgroup_source(const struct box_plan_cgroup *cg, unsigned int flags)
{
    return (flags & BOX_MOUNT_RO) && cg->box_dir ? cg->box_dir : cg->source;
}

static long set_attrs(long fd, uint64_t attr, bool recursive)
{
    struct mount_attr ma = { .attr_set = attr };

    return SYS5(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma,
                sizeof ma);
}

static long clone_tree(const char *source, bool recursive)
{
    return SYS3(SYS_open_tree, AT_FDCWD, source,
                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

/* A source that only a fallback may need (a masked file's /dev/null, the host's /sys
 * where a fresh sysfs is refused, a cgroup hierarchy's bind): OPEN_SOURCE opens it O_PATH
 * while host paths still resolve, and the mount is cloned from it only when it is used.
 * A detached tree that is never attached costs its closing an RCU grace period
 * (synchronize_rcu_expedited in the kernel's namespace_unlock, 0.1-1 ms each, more under
 * load): a box with podman's masked paths and cgroup mount had a dozen of them. */
static long open_source_path(const char *source, bool dir)
{
    return SYS3(SYS_openat, AT_FDCWD, source, O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
}

/* Clone the mount at source (open_source_path), give it attr, attach it at target. */
static long attach_clone(long source, bool recursive, uint64_t attr, long target)
{
    long t = SYS3(SYS_open_tree, source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                              AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
    long r = t < 0 ? t : set_attrs(t, attr, recursive);

    if (r >= 0)
        r = attach(t, target);
    if (t >= 0)
        SYS1(SYS_close, t);
    return r;
}

/* Populate a fresh tmpfs at dev_fd with the device nodes (bind mounts of the host's, since
 * a user namespace may not mknod), devpts, shm and the usual links. */
static long fill_dev(long dev_fd, int *trees, struct box_child_error *e, int index)
{
    static const char *const pts_opts[] = { "ptmxmode", "0666", "mode", "0620", NULL };
    static const char *const shm_opts[] = { "mode", "01777", NULL };
    static const char *const links[][2] = {
        { "pts/ptmx", "ptmx" },          { "/proc/self/fd", "fd" },
        { "/proc/self/fd/0", "stdin" },  { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" }, { "/proc/kcore", "core" },
    };
    long r, m;

    for (int i = 0; i < BOX_DEV_NODES; i++) {
        r = SYS4(SYS_openat, dev_fd, dev_nodes[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (r < 0)
            return box__child_fail(e, index, dev_nodes[i], r);
        SYS1(SYS_close, r);
        r = SYS5(SYS_move_mount, trees[i], "", dev_fd, dev_nodes[i], MOVE_MOUNT_F_EMPTY_PATH);
        if (r < 0)
            return box__child_fail(e, index, dev_nodes[i], r);
    }
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "shm" : "pts";

        r = SYS3(SYS_mkdirat, dev_fd, name, 0755);
        if (r < 0)
            return box__child_fail(e, index, name, r);
        m = i ? box__new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, shm_opts)
              : box__new_fs("devpts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, pts_opts);
        if (m < 0)
            return box__child_fail(e, index, name, m);
        r = SYS5(SYS_move_mount, m, "", dev_fd, name, MOVE_MOUNT_F_EMPTY_PATH);
        SYS1(SYS_close, m);
        if (r < 0)
            return box__child_fail(e, index, name, r);
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        r = SYS3(SYS_symlinkat, links[i][0], dev_fd, links[i][1]);
        if (r < 0)
            return box__child_fail(e, index, links[i][1], r);
    }
    return 0;
}

/* Parts of a fresh proc that reach the host's kernel, not the box's namespaces: the sysctl
 * tree (a root-mapped box would otherwise change host sysctls as host uid 0), magic sysrq,
 * irq affinity, bus and fs settings. Each is bound onto itself read-only, as container
 * runtimes do; a missing one (a kernel without that file) is fine. */
static const char *const proc_readonly[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };

static long protect_proc(int root_fd, const char *target, struct box_child_error *e, int idx)
{
    long proc = open_in_root(root_fd, target, O_PATH | O_DIRECTORY), r = 0;

    if (proc < 0)
        return box__child_fail(e, idx, target, proc);
    for (size_t i = 0; i < sizeof proc_readonly / sizeof proc_readonly[0] && r >= 0; i++) {
        /* Recursive: the caller's /proc may have mounts below (binfmt_misc in sys/fs). */
        long t = SYS3(SYS_open_tree, proc, proc_readonly[i],
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

        if (t == -ENOENT)
            continue;
        r = t < 0 ? t : set_attrs(t, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                         MOUNT_ATTR_NOEXEC, true);
        if (r >= 0)
            r = SYS5(SYS_move_mount, t, "", proc, proc_readonly[i], MOVE_MOUNT_F_EMPTY_PATH);
        if (t >= 0)
            SYS1(SYS_close, t);
        if (r < 0)
            box__child_fail(e, idx, proc_readonly[i], r);
    }
    SYS1(SYS_close, proc);
    return r;
}

/* Open the detached trees for bind sources and /dev nodes while host paths still resolve. */
/* box_mount_fd: the descriptor's mount belongs to the caller's mount namespace, which
 * open_tree cannot clone from ours; bind the path it names in ours instead (as bwrap does)
 * and check that this is still the descriptor's inode. */
static long clone_fd_tree(int fd, bool recursive)
{
    char link[40] = "/proc/self/fd/", path[4096];
    struct stat want, got;
    long t, r;

    box__fmt_ulong(link + 14, (unsigned long)fd);
    r = SYS4(SYS_readlinkat, AT_FDCWD, link, path, sizeof path - 1);
    if (r < 0)
        return r;
    if (r == sizeof path - 1 || path[0] != '/')
        return -ESTALE; /* too long, or not a path ("anon_inode:...", "socket:...") */
    path[r] = '\0';
    t = clone_tree(path, recursive);
    if (t < 0)
        return t;
    if ((r = SYS4(SYS_newfstatat, fd, "", &want, AT_EMPTY_PATH)) < 0 ||
        (r = SYS4(SYS_newfstatat, t, "", &got, AT_EMPTY_PATH)) < 0 ||
        (r = (want.st_dev == got.st_dev && want.st_ino == got.st_ino) ? 0 : -ESTALE) < 0) {
        SYS1(SYS_close, t);
        return r;
    }
    return t;
}

long box__step_open_source(const struct box_plan *a, struct box_child *c)
{
    struct box_child_error *e = &c->e;

    for (size_t i = 0; i < a->n_mounts; i++) {
        const struct box_mount_op *op = &a->mounts[i];
        long t, r;

        if (op->type == BOX_MOUNT_BIND) {
            bool rec = !(op->flags & BOX_MOUNT_NOREC);

            t = op->source_fd >= 0 ? clone_fd_tree(op->source_fd, rec)
                                   : clone_tree(op->source, rec);
            if (t == -ENOENT && (op->flags & BOX_MOUNT_TRY))
                continue;
            if (t >= 0) {
                r = set_attrs(t, mount_attrs(op->flags), rec);

                if (r < 0)
                    return box__child_fail(e, (int)i, op->source, r);
            }
            if (t < 0)
                return box__child_fail(e, (int)i, op->source, t);
            a->trees[i][0] = (int)t;
        } else if (op->type == BOX_MOUNT_PROC && !a->pid_ns) {
            /* A new proc instance belongs to the pid namespace of its mounter, and a box
             * without one of its own does not own the caller's: bind the caller's /proc
             * (as bwrap does), covered like a new one below. */
            t = clone_tree("/proc", true);
            if (t >= 0 && (r = set_attrs(t, mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC,
                                         true)) < 0) {
                SYS1(SYS_close, t);
                t = r;
            }
            if (t < 0)
                return box__child_fail(e, (int)i, "/proc", t);
            a->trees[i][0] = (int)t;
        } else if (op->type == BOX_MOUNT_SYSFS) {
            /* The host's /sys, for where the kernel refuses a fresh sysfs. */
            t = open_source_path("/sys", true);
            if (t < 0)
                return box__child_fail(e, (int)i, "/sys", t);
            a->trees[i][0] = (int)t;
        } else if (op->type == BOX_MOUNT_CGROUP) {
            /* Each hierarchy's source, for a bind (or the fallback of a fresh mount). */
            for (size_t k = 0; k < a->n_cgroups; k++) {
                const char *src = cgroup_source(&a->cgroups[k], op->flags);

                if (!src)
                    continue;
                t = open_source_path(src, true);
                if (t < 0)
                    return box__child_fail(e, (int)i, src, t);
                a->cgroup_trees[i * a->n_cgroups + k] = (int)t;
            }
        } else if (op->type == BOX_MOUNT_MASK) {
            /* /dev/null, for a file it may hide. */
            t = open_source_path("/dev/null", false);
            if (t < 0)
                return box__child_fail(e, (int)i, "/dev/null", t);
            a->trees[i][0] = (int)t;
        } else if (op->type == BOX_MOUNT_DEV) {
            for (int n = 0; n < BOX_DEV_NODES; n++) {
                char path[16] = "/dev/";

                box__strlcpy(path + 5, dev_nodes[n], sizeof path - 5);
                t = clone_tree(path, false);
                if (t >= 0 && (r = set_attrs(t, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false)) < 0)
                    t = r;
                if (t < 0)
                    return box__child_fail(e, (int)i, path, t);
                a->trees[i][n] = (int)t;
            }
        }
    }
    return 0;
}

/* BOX_MOUNT_MASK and BOX_MOUNT_READONLY (OCI's maskedPaths and readonlyPaths): only
 * what exists when their turn comes, and never a target made for them. */
static long mask_or_protect(const struct box_plan *a, int root_fd, size_t i,
                            struct box_child_error *e)
{
    const struct box_mount_op *op = &a->mounts[i];
    bool rec = !(op->flags & BOX_MOUNT_NOREC);
    long target = open_in_root(root_fd, op->target, O_PATH), m = -1, r = 0;
    struct statx stx;

    if (target == -ENOENT)
        return 0;
    if (target < 0)
        return box__child_fail(e, (int)i, op->target, target);
    if (op->type == BOX_MOUNT_READONLY) {
        m = SYS3(SYS_open_tree, target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0));
        r = m < 0 ? m : set_attrs(m, MOUNT_ATTR_RDONLY, rec);
    } else if ((r = SYS5(SYS_statx, target, "", AT_EMPTY_PATH, STATX_TYPE, &stx)) >= 0) {
        if (S_ISDIR(stx.stx_mode))
            r = m = box__new_fs("tmpfs", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                             MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL);
        else /* readable (no nodev), never writable */
            r = attach_clone(a->trees[i][0], false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                                        MOUNT_ATTR_NOEXEC, target);
    }
    if (r >= 0 && m >= 0)
        r = attach(m, target);
    if (m >= 0)
        SYS1(SYS_close, m);
    SYS1(SYS_close, target);
    return r < 0 ? box__child_fail(e, (int)i, op->target, r) : 0;
}

/* box_mknod: the node in its (made if missing) directory, replacing what is there, with
 * its mode exactly (no umask) and its owner. */
static long make_node(int root_fd, const struct box_mount_op *op, struct box_child_error *e,
                      int idx)
{
    char dir[4096];
    const char *name = op->target;
    long parent, r;
    size_t len = 0;

    for (const char *p = op->target; *p; p++)
        if (*p == '/')
            len = (size_t)(p - op->target), name = p + 1;
    if (len >= sizeof dir)
        return box__child_fail(e, idx, op->target, -ENAMETOOLONG);
    __builtin_memcpy(dir, op->target, len);
    dir[len] = '\0';
    parent = len ? make_target(root_fd, dir, false, op->parent_mode)
                 : open_in_root(root_fd, "/", O_PATH | O_DIRECTORY);
    if (parent < 0)
        return box__child_fail(e, idx, op->target, parent);
    r = SYS3(SYS_unlinkat, parent, name, 0);
    r = r < 0 && r != -ENOENT ? r : SYS4(SYS_mknodat, parent, name, op->mode, op->rdev);
    if (r == 0)
        r = SYS5(SYS_fchownat, parent, name, op->uid, op->gid, AT_SYMLINK_NOFOLLOW);
    if (r == 0)
        r = SYS4(SYS_fchmodat, parent, name, op->mode & 07777, 0);
    SYS1(SYS_close, parent);
    return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
}

/* A fresh mount of one hierarchy: cgroup2, or cgroup v1 with the hierarchy's options
 * ("cpu,cpuacct": flags; "name=systemd": a string). */
static long fresh_cgroup(const struct box_plan_cgroup *cg, uint64_t attr)
{
    long fs, r = 0, m;

    if (!cg->fs_opts)
        return box__new_fs("cgroup2", attr, NULL);
    if ((fs = SYS2(SYS_fsopen, "cgroup", FSOPEN_CLOEXEC)) < 0)
        return fs;
    for (const char *w = cg->fs_opts; *w && r >= 0;) {
        char word[256];
        size_t n = 0, eq = 0;

        while (w[n] && w[n] != ',' && n < sizeof word - 1) {
            word[n] = w[n];
            if (word[n] == '=' && !eq)
                eq = n;
            n++;
        }
        word[n] = '\0';
        w += n + (w[n] == ',');
        if (eq)
            word[eq] = '\0';
        r = eq ? SYS5(SYS_fsconfig, fs, FSCONFIG_SET_STRING, word, word + eq + 1, 0)
               : SYS5(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, word, 0, 0);
    }
    if (r >= 0)
        r = SYS5(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0);
    m = r < 0 ? r : SYS3(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
    SYS1(SYS_close, fs);
    return m;
}

/* One hierarchy at `at`: in the box's cgroup namespace a fresh mount (its root is the
 * box's cgroup), else, or where the kernel refuses one, the bind of its source. A
 * read-only cgroup2 mount of a box with a leaf binds the box's own cgroup instead: the
 * fresh mount's root would be the leaf, without the box's limits. */
static long attach_cgroup(const struct box_plan *a, const struct box_plan_cgroup *cg,
                          int tree, long at, uint64_t attr)
{
    long m = -EPERM, r;

    if ((attr & MOUNT_ATTR_RDONLY) && cg->box_dir && tree >= 0)
        return attach_clone(tree, false, attr, at);
    if (a->cgroup_ns || !cg->name) { /* on a v2 host the mount is BOX_MOUNT_CGROUP2's */
        m = fresh_cgroup(cg, attr);
        if (m >= 0) {
            r = attach(m, at);
            SYS1(SYS_close, m);
            return r;
        }
    }
    if (m != -EPERM || tree < 0)
        return tree < 0 && m == -EPERM ? -ENOENT : m;
    return attach_clone(tree, false, attr, at);
}

/* BOX_MOUNT_CGROUP on a v1 or hybrid host: a tmpfs with a directory per hierarchy (and
 * links for the controllers of a comounted one, as runc makes them), read-only last. */
static long mount_cgroup(const struct box_plan *a, int root_fd, size_t i,
                         struct box_child_error *e)
{
    static const char *const dir_opts[] = { "mode", "0755", NULL };
    const struct box_mount_op *op = &a->mounts[i];
    const int *trees = a->cgroup_trees + i * a->n_cgroups;
    uint64_t attr = mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC;
    long target = check_target(root_fd, op->target, true, op->flags), m, dir, r;
    const char *fail = op->target;

    if (target >= 0)
        target = make_target(root_fd, op->target, false, op->parent_mode);
    if (target < 0)
        return box__child_fail(e, (int)i, op->target, target);
    if (a->n_cgroups == 1 && !a->cgroups[0].name) {
        r = attach_cgroup(a, &a->cgroups[0], trees[0], target, attr);
        SYS1(SYS_close, target);
        return r < 0 ? box__child_fail(e, (int)i, op->target, r) : 0;
    }
    m = box__new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                    dir_opts);
    r = m < 0 ? m : attach(m, target);
    if (m >= 0)
        SYS1(SYS_close, m);
    SYS1(SYS_close, target);
    dir = r < 0 ? r : open_in_root(root_fd, op->target, O_PATH | O_DIRECTORY);
    if (dir < 0)
        return box__child_fail(e, (int)i, op->target, dir);
    for (size_t k = 0; k < a->n_cgroups && r >= 0; k++) {
        const struct box_plan_cgroup *cg = &a->cgroups[k];
        bool comounted = false;
        long sub;

        if (!cg->source && !a->cgroup_ns)
            continue;
        fail = cg->name;
        r = SYS3(SYS_mkdirat, dir, cg->name, 0755);
        sub = r < 0 ? r : SYS3(SYS_openat, dir, cg->name,
                               O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = sub < 0 ? sub : attach_cgroup(a, cg, trees[k], sub, attr);
        if (sub >= 0)
            SYS1(SYS_close, sub);
        for (const char *w = cg->name; *w; w++)
            comounted |= *w == ',';
        /* "cpu,cpuacct": the links cpu and cpuacct lead to it */
        for (const char *w = cg->name; r >= 0 && comounted && cg->fs_opts && *w;) {
            char link[256];
            size_t n = 0;

            while (w[n] && w[n] != ',' && n < sizeof link - 1) {
                link[n] = w[n];
                n++;
            }
            link[n] = '\0';
            w += n + (w[n] == ',');
            r = n ? SYS3(SYS_symlinkat, cg->name, dir, link) : 0;
            if (r == -EEXIST)
                r = 0;
        }
    }
    if (r >= 0 && (op->flags & BOX_MOUNT_RO)) {
        fail = op->target;
        r = set_attrs(dir, MOUNT_ATTR_RDONLY, false);
    }
    SYS1(SYS_close, dir);
    return r < 0 ? box__child_fail(e, (int)i, fail, r) : 0;
}

/* BOX_MOUNT_COPY_UP: the tree below a directory of the box copied into a new tmpfs, as
 * runc's tmpcopyup: directories, regular files, symlinks and special files with their
 * modes and owners (an owner the box's user namespace does not map stays the box's root).
 * Directories nest at most COPY_DEPTH levels deep (-ELOOP). */
#define COPY_DEPTH 32

struct dirent64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static long copy_tree(long from, long to, int depth);

static __attribute__((noinline)) long copy_link(long from, long to, const char *name)
{
    char text[4096];
    long n = SYS4(SYS_readlinkat, from, name, text, sizeof text - 1);

    if (n < 0)
        return n;
    text[n] = '\0';
    return SYS3(SYS_symlinkat, text, to, name);
}

static long copy_file(long from, long to, const char *name)
{
    long in = SYS4(SYS_openat, from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0), out, r;

    if (in < 0)
        return in;
    out = SYS4(SYS_openat, to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    r = out;
    while (r > 0)
        r = SYS4(SYS_sendfile, out, in, 0, 1l << 30);
    if (out >= 0)
        SYS1(SYS_close, out);
    SYS1(SYS_close, in);
    return r;
}

static long copy_entry(long from, long to, const char *name, int depth)
{
    struct statx stx;
    long r = SYS5(SYS_statx, from, name, AT_SYMLINK_NOFOLLOW,
                  STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID, &stx), a, b;

    if (r < 0)
        return r;
    switch (stx.stx_mode & S_IFMT) {
    case S_IFDIR:
        if ((r = SYS3(SYS_mkdirat, to, name, 0700)) < 0)
            return r;
        a = SYS4(SYS_openat, from, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        b = a < 0 ? a : SYS4(SYS_openat, to, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        r = b < 0 ? b : copy_tree(a, b, depth + 1);
        if (a >= 0)
            SYS1(SYS_close, a);
        if (b >= 0)
            SYS1(SYS_close, b);
        break;
    case S_IFREG:
        r = copy_file(from, to, name);
        break;
    case S_IFLNK:
        r = copy_link(from, to, name);
        break;
    default:
        r = SYS4(SYS_mknodat, to, name, stx.stx_mode & S_IFMT,
                 makedev(stx.stx_rdev_major, stx.stx_rdev_minor));
        break;
    }
    if (r >= 0) {
        r = SYS5(SYS_fchownat, to, name, stx.stx_uid, stx.stx_gid, AT_SYMLINK_NOFOLLOW);
        if (r == -EINVAL) /* not mapped in the box's user namespace */
            r = 0;
    }
    if (r >= 0 && (stx.stx_mode & S_IFMT) != S_IFLNK)
        r = SYS4(SYS_fchmodat, to, name, stx.stx_mode & 07777, 0);
    return r;
}

static long copy_tree(long from, long to, int depth)
{
    char buf[1024];
    long dir, n, r = 0;

    if (depth > COPY_DEPTH)
        return -ELOOP;
    dir = SYS4(SYS_openat, from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dir < 0)
        return dir;
    while (r >= 0 && (n = SYS3(SYS_getdents64, dir, buf, sizeof buf)) > 0)
        for (long off = 0; off < n && r >= 0;) {
            const struct dirent64 *d = (const struct dirent64 *)(buf + off);

            off += d->reclen;
            if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
                continue;
            r = copy_entry(dir, to, d->name, depth);
        }
    SYS1(SYS_close, dir);
    return r < 0 ? r : n;
}

static long apply_op(const struct box_plan *a, long *root, size_t i,
                     struct box_child_error *e)
{
    int root_fd = (int)*root;
    const struct box_mount_op *op = &a->mounts[i];
    const char *tmpfs_opts[] = { "size", op->fs_size, "mode", op->fs_mode, NULL };
    long target, m = -1, r = 0;
    int idx = (int)i;

    if (op->type == BOX_MOUNT_OP_MKNOD)
        return make_node(root_fd, op, e, idx);
    if (op->type == BOX_MOUNT_OP_CHMOD) {
        target = open_in_root(root_fd, op->target, O_PATH);
        r = target < 0 ? target : chmod_fd(target, op->mode);
        if (target >= 0)
            SYS1(SYS_close, target);
        return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
    }
    if (op->type == BOX_MOUNT_DIR && op->has_mode) {
        /* As bwrap's --perms --dir: the mode of a directory we create; an existing one
         * keeps its own. */
        target = open_in_root(root_fd, op->target, O_PATH | O_DIRECTORY);
        if (target >= 0) {
            SYS1(SYS_close, target);
            return 0;
        }
        target = make_target(root_fd, op->target, false, op->parent_mode);
        r = target < 0 ? target : chmod_fd(target, op->mode);
        if (target >= 0)
            SYS1(SYS_close, target);
        return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
    }
    switch (op->type) {
    case BOX_MOUNT_MASK:
    case BOX_MOUNT_READONLY:
        return mask_or_protect(a, root_fd, i, e);
    case BOX_MOUNT_CGROUP:
        return mount_cgroup(a, root_fd, i, e);
    case BOX_MOUNT_REMOUNT_RO:
        target = open_in_root(root_fd, op->target, O_PATH);
        if (target < 0)
            return box__child_fail(e, idx, op->target, target);
        r = set_attrs(target, MOUNT_ATTR_RDONLY, !(op->flags & BOX_MOUNT_NOREC));
        SYS1(SYS_close, target);
        return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
    case BOX_MOUNT_SYMLINK: {
        /* Resolve the parent in the root, then make the link in it. */
        char parent[4096];
        size_t cut = 0;
        long pfd;

        for (size_t k = 0; op->target[k]; k++)
            if (op->target[k] == '/')
                cut = k;
        if (cut >= sizeof parent)
            return box__child_fail(e, idx, op->target, -ENAMETOOLONG);
        for (size_t k = 0; k < cut; k++)
            parent[k] = op->target[k];
        parent[cut] = '\0';
        pfd = make_target(root_fd, cut ? parent : "/", false, op->parent_mode);
        if (pfd < 0)
            return box__child_fail(e, idx, op->target, pfd);
        r = SYS3(SYS_symlinkat, op->source, pfd, op->target + cut + 1);
        if (r == -EEXIST) {
            /* As bwrap: the same link again is fine; anything else there is an error that
             * names what is there (e->path: the existing link's text, or the target when
             * it is not a symlink). */
            char text[sizeof e->path];
            long n = SYS4(SYS_readlinkat, pfd, op->target + cut + 1, text, sizeof text - 1);
            size_t k = 0;

            if (n >= 0) {
                text[n] = '\0';
                while (op->source[k] && op->source[k] == text[k])
                    k++;
                r = (op->source[k] == '\0' && text[k] == '\0') ? 0 : -EEXIST;
            }
            SYS1(SYS_close, pfd);
            return r < 0 ? box__child_fail(e, idx, n >= 0 ? text : op->target, r) : 0;
        }
        SYS1(SYS_close, pfd);
        return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
    }
    case BOX_MOUNT_BIND:
        if (a->trees[i][0] < 0) /* BOX_MOUNT_TRY and the source is gone */
            return 0;
        target = check_target(root_fd, op->target, op->source_is_dir, op->flags);
        if (target >= 0)
            target = make_target(root_fd, op->target, !op->source_is_dir, op->parent_mode);
        break;
    case BOX_MOUNT_OVERLAY: /* made by the step OVERLAY, attached like a bind */
    default:
        target = check_target(root_fd, op->target, true, op->flags);
        if (target >= 0)
            target = make_target(root_fd, op->target, false, op->parent_mode);
        break;
    }
    if (target < 0)
        return box__child_fail(e, idx, op->target, target);

    switch (op->type) {
    case BOX_MOUNT_BIND:
    case BOX_MOUNT_OVERLAY:
        r = attach(a->trees[i][0], target);
        break;
    case BOX_MOUNT_TMPFS:
        m = box__new_fs("tmpfs", mount_attrs(op->flags), tmpfs_opts);
        if (m >= 0 && (op->flags & BOX_MOUNT_COPY_UP) && (r = copy_tree(target, m, 0)) < 0) {
            SYS1(SYS_close, m);
            m = -1;
        }
        break;
    case BOX_MOUNT_PROC:
        if (a->trees[i][0] >= 0) /* the caller's /proc (no pid namespace) */
            r = attach(a->trees[i][0], target);
        else
            m = box__new_fs("proc", mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC, NULL);
        break;
    case BOX_MOUNT_MQUEUE:
        m = box__new_fs("mqueue", mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC, NULL);
        break;
    case BOX_MOUNT_SYSFS:
        m = box__new_fs("sysfs", mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC, NULL);
        /* As runc and crun: where the kernel refuses a fresh sysfs (it wants one already
         * fully visible in the mount namespace, and the box's network namespace), the
         * host's, read-only. */
        if (m == -EPERM) {
            m = -1;
            r = attach_clone(a->trees[i][0], true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                                       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                             target);
        }
        break;
    case BOX_MOUNT_CGROUP2:
        m = box__new_fs("cgroup2", mount_attrs(op->flags) | MOUNT_ATTR_NOEXEC, NULL);
        break;
    case BOX_MOUNT_DEV: {
        static const char *const dev_opts[] = { "mode", "0755", NULL };
        long dev;

        /* Attach the tmpfs first: older kernels refuse mounts onto a detached tree. */
        m = box__new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, dev_opts);
        r = m < 0 ? m : attach(m, target);
        if (m >= 0)
            SYS1(SYS_close, m);
        dev = r < 0 ? r : open_in_root(root_fd, op->target, O_PATH | O_DIRECTORY);
        r = dev < 0 ? dev : fill_dev(dev, a->trees[i], e, idx);
        if (dev >= 0)
            SYS1(SYS_close, dev);
        SYS1(SYS_close, target);
        if (r < 0 && dev >= 0) /* fill_dev named the node that failed */
            return r;
        return r < 0 ? box__child_fail(e, idx, op->target, r) : 0;
    }
    default: /* BOX_MOUNT_DIR: make_target created it */
        break;
    }
    if (m >= 0) {
        r = attach(m, target);
        SYS1(SYS_close, m);
    } else if (m != -1) {
        r = m;
    }
    SYS1(SYS_close, target);
    if (r < 0)
        return box__child_fail(e, idx, op->target, r);
    if (op->type == BOX_MOUNT_BIND && op->target[1] == '\0') {
        /* A bind on "/" covers the root: what follows goes onto the new top, and so do
         * the read-only flag and pivot_root. Its attach point resolves to that top. */
        long top = SYS3(SYS_openat, AT_FDCWD, a->base, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (top < 0)
            return box__child_fail(e, idx, op->target, top);
        SYS1(SYS_close, *root);
        *root = top;
        return 0;
    }
    if (op->type == BOX_MOUNT_PROC)
        return protect_proc(root_fd, op->target, e, idx);
    return 0;
}

/* Nothing we mount may propagate back to the host's mount namespace. */
long box__step_mount_private(const struct box_plan *a, struct box_child *c)
{
    (void)a;
    /* What the mounts create gets exactly the modes asked for (the child has a umask of
     * its own: no CLONE_FS); PIVOT_ROOT gives the caller's back for the program. */
    c->umask = SYS1(SYS_umask, 0);
    return box__child_fail(&c->e, -1, "/", SYS5(SYS_mount, "none", "/", 0, MS_REC | MS_PRIVATE, 0));
}

/* The new root, detached: a clone of the caller's directory, or a fresh tmpfs. */
long box__step_open_root(const struct box_plan *a, struct box_child *c)
{
    static const char *const root_opts[] = { "mode", "0755", NULL };
    long root, r;

    box__strlcpy(c->e.path, a->root ? a->root : "tmpfs", sizeof c->e.path);
    if (a->root) {
        root = clone_tree(a->root, true);
        if (root >= 0 && (r = set_attrs(root, MOUNT_ATTR_NOSUID |
                                                  (a->root_devices ? 0 : MOUNT_ATTR_NODEV),
                                        true)) < 0) {
            SYS1(SYS_close, root);
            return r;
        }
    } else {
        root = box__new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, root_opts);
    }
    if (root < 0)
        return root;
    c->root_fd = root;
    return 0;
}

/* pivot_root needs the new root attached in our mount namespace. */
long box__step_attach_root(const struct box_plan *a, struct box_child *c)
{
    box__strlcpy(c->e.path, a->base, sizeof c->e.path);
    return SYS5(SYS_move_mount, c->root_fd, "", AT_FDCWD, a->base, MOVE_MOUNT_F_EMPTY_PATH);
}

long box__step_mount(const struct box_plan *a, struct box_child *c)
{
    long r;

    for (size_t i = 0; i < a->n_mounts; i++)
        if ((r = apply_op(a, &c->root_fd, i, &c->e)) < 0)
            return r;
    return 0;
}

long box__step_root_readonly(const struct box_plan *a, struct box_child *c)
{
    (void)a;
    box__strlcpy(c->e.path, "/", sizeof c->e.path);
    return set_attrs(c->root_fd, MOUNT_ATTR_RDONLY, false);
}

/* Stack the old root on the new one and detach it: nothing of the host stays reachable. */
long box__step_pivot_root(const struct box_plan *a, struct box_child *c)
{
    long r;

    box__strlcpy(c->e.path, a->root ? a->root : "tmpfs", sizeof c->e.path);
    if ((r = SYS1(SYS_fchdir, c->root_fd)) < 0 || (r = SYS2(SYS_pivot_root, ".", ".")) < 0 ||
        (r = SYS2(SYS_umount2, ".", MNT_DETACH)) < 0 || (r = SYS1(SYS_chdir, "/")) < 0)
        return r;
    SYS1(SYS_close, c->root_fd);
    c->root_fd = -1;
    SYS1(SYS_umask, c->umask);
    return 0;
}
