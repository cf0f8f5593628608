/* Namespaces: which clone flags a box asks for, the namespaces it joins instead
 * (box_join_namespace: validated at the call, checked and ordered for the kernel at
 * spawn, entered by the child's JOIN_NS), and the user namespace's uid/gid maps, written
 * by the parent into /proc/<child>/ while the child waits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

BOX_API int box_set_time_offset(box_t *box, int clock, int64_t seconds)
{
    int r = box__check_configurable(box, "set_time_offset");

    if (r < 0)
        return r;
    if (clock != BOX_CLOCK_MONOTONIC && clock != BOX_CLOCK_BOOTTIME)
        return box__error(box, EINVAL, "set_time_offset: unknown clock %d", clock);
    /* The kernel's bound (KTIME_SEC_MAX): a larger offset could only fail in the box. */
    if (seconds > 9223372036LL || seconds < -9223372036LL)
        return box__error(box, ERANGE, "set_time_offset: %lld seconds is out of range",
                         (long long)seconds);
    box->time_offset_set[clock] = true;
    box->time_offset[clock] = seconds;
    return 0;
}

/* The text the child writes to /proc/self/timens_offsets: "monotonic S 0\nboottime S 0\n"
 * for the clocks that have an offset. *out is NULL when none has. The kernel refuses
 * (ERANGE) an offset that would make the box's clock negative, i.e. a negative offset
 * larger than the host clock's current value (a machine that booted recently has a small
 * CLOCK_MONOTONIC): refuse it here, where the message can say so. */
int box__ns_time_offsets(box_t *box, char **out)
{
    static const char *const names[] = { "", "monotonic", "boottime" };
    static const clockid_t ids[] = { 0, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
    char buf[128] = "";
    size_t len = 0;

    *out = NULL;
    for (int c = BOX_CLOCK_MONOTONIC; c <= BOX_CLOCK_BOOTTIME; c++) {
        struct timespec now;

        if (!box->time_offset_set[c])
            continue;
        if (box->time_offset[c] < 0 && clock_gettime(ids[c], &now) == 0 &&
            now.tv_sec + box->time_offset[c] < 0)
            return box__error(box, ERANGE, "spawn: time offset %lld s for the %s clock would "
                             "make the box's clock negative (the host's reads %lld s)",
                             (long long)box->time_offset[c], names[c], (long long)now.tv_sec);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %lld 0\n", names[c],
                                (long long)box->time_offset[c]);
    }
    if (len && !(*out = strdup(buf)))
        return box__error(box, ENOMEM, "spawn: prepare");
    return 0;
}

/* The child unshares two namespaces itself: BOX_NS_TIME is not a clone() flag (its bit is
 * the exit signal's), and BOX_NS_CGROUP must be made after the parent has moved the child
 * into the box cgroups, so that they become its root. */
int box__ns_clone_flags(unsigned int ns)
{
    int flags = 0;

    if (ns & BOX_NS_USER)
        flags |= CLONE_NEWUSER;
    if (ns & BOX_NS_PID)
        flags |= CLONE_NEWPID;
    if (ns & BOX_NS_MNT)
        flags |= CLONE_NEWNS;
    if (ns & BOX_NS_UTS)
        flags |= CLONE_NEWUTS;
    if (ns & BOX_NS_IPC)
        flags |= CLONE_NEWIPC;
    if (ns & BOX_NS_NET)
        flags |= CLONE_NEWNET;
    return flags;
}

/* box_exec: every namespace of the box, for setns through its pidfd (the time and cgroup
 * namespaces too, which the spawning child made itself). */
int box__ns_setns_flags(unsigned int ns)
{
    int flags = box__ns_clone_flags(ns);

    if (ns & BOX_NS_CGROUP)
        flags |= CLONE_NEWCGROUP;
    if (ns & BOX_NS_TIME)
        flags |= CLONE_NEWTIME;
    return flags;
}

/* Child: setns in the plan's order. box_exec's one pidfd enters all of the box's at once
 * (the kernel switches the user namespace first, so the others are joined with the
 * credentials it gives); box_spawn's list is ordered by ns.c for the same reason. A mount
 * namespace's root becomes our root and cwd. */
long box__step_join_ns(const struct box_plan *p, struct box_child *c)
{
    for (size_t i = 0; i < p->n_join; i++) {
        long r = SYS2(SYS_setns, p->join[i].fd, p->join[i].nstype);

        if (r < 0)
            return box__child_fail(&c->e, (int)i, "", r);
    }
    return 0;
}

/* box_join_namespace. The BOX_NS_* bit numbers index these. */
static const struct {
    int nstype;
    const char *name;
} ns_types[BOX_NS_TYPES] = {
    { CLONE_NEWUSER, "user" }, { CLONE_NEWPID, "pid" },   { CLONE_NEWNS, "mnt" },
    { CLONE_NEWUTS, "uts" },   { CLONE_NEWIPC, "ipc" },   { CLONE_NEWNET, "net" },
    { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWTIME, "time" },
};

void box__ns_join_init(box_t *box)
{
    for (int i = 0; i < BOX_NS_TYPES; i++)
        box->join_fd[i] = -1;
    box->switch_userns_fd = -1;
}

static void join_drop(box_t *box, int i)
{
    if (box->join_fd[i] >= 0)
        close(box->join_fd[i]);
    box->join_fd[i] = -1;
    free(box->join_what[i]);
    box->join_what[i] = NULL;
    box->ns_join &= ~(1u << i);
}

void box__ns_join_free(box_t *box)
{
    for (int i = 0; i < BOX_NS_TYPES; i++)
        join_drop(box, i);
    if (box->switch_userns_fd >= 0)
        close(box->switch_userns_fd);
    box->switch_userns_fd = -1;
}

unsigned int box__ns_entered(const box_t *box)
{
    return box->ns | box->ns_join;
}

/* The one namespace bit of `ns` as its index, or -1. */
static int ns_index(unsigned int ns)
{
    if (ns == 0 || (ns & (ns - 1)) || (ns & ~BOX_NS_ALL))
        return -1;
    return __builtin_ctz(ns);
}

/* Check that fd (the caller's, or one we opened: `owned`, closed on a refusal) is a
 * namespace of index i. */
static int check_ns_fd(box_t *box, const char *fn, int i, int fd, bool owned,
                       const char *what)
{
    int type = ioctl(fd, NS_GET_NSTYPE);

    if (type < 0) {
        int err = errno;

        if (owned)
            close(fd);
        if (err == EBADF)
            return box__error(box, EBADF, "%s: %s namespace: %s is not open", fn,
                              ns_types[i].name, what);
        return box__error(box, EINVAL, "%s: %s namespace: %s is not a namespace (%s)", fn,
                          ns_types[i].name, what, strerror(err));
    }
    if (type != ns_types[i].nstype) {
        const char *is = "another type of";

        for (int j = 0; j < BOX_NS_TYPES; j++)
            if (ns_types[j].nstype == type)
                is = ns_types[j].name;
        if (owned)
            close(fd);
        return box__error(box, EINVAL, "%s: %s namespace: %s is a %s namespace", fn,
                          ns_types[i].name, what, is);
    }
    return 0;
}

/* Record fd (the caller's, or one we opened: `owned`) as the box's namespace of index i. */
static int join_fd(box_t *box, const char *fn, int i, int fd, bool owned, const char *what)
{
    int r = check_ns_fd(box, fn, i, fd, owned, what), copy;
    char *text;

    if (r < 0)
        return r;
    copy = owned ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
    text = strdup(what);
    if (copy < 0 || !text) {
        int err = copy < 0 ? errno : ENOMEM;

        if (copy >= 0)
            close(copy);
        free(text);
        return box__error(box, err, "%s: %s namespace: %s", fn, ns_types[i].name, what);
    }
    join_drop(box, i);
    box->join_fd[i] = copy;
    box->join_what[i] = text;
    box->ns_join |= 1u << i;
    box->ns &= ~((1u << i) & ~(unsigned int)BOX_NS_PID); /* BOX_NS_PID: one inside it */
    return 0;
}

BOX_API int box_join_namespace(box_t *box, unsigned int ns, int fd)
{
    int r = box__check_configurable(box, "join_namespace"), i = ns_index(ns);
    char what[32];

    if (r < 0)
        return r;
    if (i < 0)
        return box__error(box, EINVAL, "join_namespace: 0x%x is not one BOX_NS_* namespace",
                          ns);
    snprintf(what, sizeof what, "fd %d", fd);
    if (fd < 0)
        return box__error(box, EBADF, "join_namespace: %s namespace: %s is not open",
                          ns_types[i].name, what);
    return join_fd(box, "join_namespace", i, fd, false, what);
}

BOX_API int box_switch_user_namespace(box_t *box, int fd)
{
    int r = box__check_configurable(box, "switch_user_namespace"), copy;
    char what[32];

    if (r < 0)
        return r;
    snprintf(what, sizeof what, "fd %d", fd);
    if (fd < 0)
        return box__error(box, EBADF, "switch_user_namespace: %s is not open", what);
    if ((r = check_ns_fd(box, "switch_user_namespace", 0, fd, false, what)) < 0)
        return r;
    copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return box__error(box, errno, "switch_user_namespace: user namespace: %s", what);
    if (box->switch_userns_fd >= 0)
        close(box->switch_userns_fd);
    box->switch_userns_fd = copy;
    return 0;
}

/* Child: the late switch of box_switch_user_namespace, once the tree is built (the
 * kernel gives us every capability in that namespace; the steps after it drop them). */
long box__step_switch_userns(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return SYS2(SYS_setns, p->switch_userns_fd, CLONE_NEWUSER);
}

/* "/proc/PID/ns/NAME" (PID a number, self or thread-self): the directory "PID/ns" below
 * /proc (as *dir, a number in buf) and NAME, or false for any other path. */
static bool proc_ns_path(const char *path, char *dir, size_t size, const char **name)
{
    const char *pid = path + 6, *slash;

    if (strncmp(path, "/proc/", 6) != 0 || !(slash = strchr(pid, '/')) ||
        strncmp(slash, "/ns/", 4) != 0)
        return false;
    *name = slash + 4;
    if (!**name || strchr(*name, '/') || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)
        return false;
    if (slash - pid == 4 && strncmp(pid, "self", 4) == 0)
        snprintf(dir, size, "%d/ns", (int)getpid());
    else if (slash - pid == 11 && strncmp(pid, "thread-self", 11) == 0)
        snprintf(dir, size, "%d/task/%d/ns", (int)getpid(), (int)gettid());
    else if (slash > pid && strspn(pid, "0123456789") == (size_t)(slash - pid))
        snprintf(dir, size, "%.*s/ns", (int)(slash - pid), pid);
    else
        return false;
    return true;
}

/* Open a namespace path without following symbolic links; for /proc/PID/ns/NAME only the
 * kernel's magic link NAME itself is followed, from a real procfs at /proc. Returns the
 * fd or -errno. */
static int open_ns_path(const char *path)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
    struct open_how dir_how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };
    _cleanup_close_ int proc = -1, dir = -1;
    char sub[64];
    const char *name;
    struct statfs sfs;
    int fd;

    fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd >= 0 || errno != ELOOP || !proc_ns_path(path, sub, sizeof sub, &name))
        return fd >= 0 ? fd : -errno;
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    proc = (int)syscall(SYS_openat2, AT_FDCWD, "/proc", &how, sizeof how);
    if (proc < 0)
        return -errno;
    if (fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
        return -ELOOP;
    dir = (int)syscall(SYS_openat2, proc, sub, &dir_how, sizeof dir_how);
    if (dir < 0)
        return -errno;
    fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

BOX_API int box_join_namespace_path(box_t *box, unsigned int ns, const char *path)
{
    int r = box__check_configurable(box, "join_namespace_path"), i = ns_index(ns), fd;

    if (r < 0)
        return r;
    if (i < 0)
        return box__error(box, EINVAL, "join_namespace_path: 0x%x is not one BOX_NS_* "
                          "namespace", ns);
    if (!path || path[0] != '/')
        return box__error(box, EINVAL, "join_namespace_path: %s namespace: the path must "
                          "be absolute, not '%s'", ns_types[i].name, path ? path : "(null)");
    fd = open_ns_path(path);
    if (fd == -ELOOP)
        return box__error(box, ELOOP, "join_namespace_path: %s namespace %s: a symbolic "
                          "link in the path (only /proc/PID/ns/NAME may end in one)",
                          ns_types[i].name, path);
    if (fd < 0)
        return box__error(box, -fd, "join_namespace_path: %s namespace %s",
                          ns_types[i].name, path);
    return join_fd(box, "join_namespace_path", i, fd, true, path);
}

/* The user namespace that owns namespace fd, as device and inode; false when the kernel
 * will not say (one outside our own). */
static bool owner_of(int fd, struct stat *out)
{
    int owner = ioctl(fd, NS_GET_USERNS);
    bool ok;

    if (owner < 0)
        return false;
    ok = fstat(owner, out) == 0;
    close(owner);
    return ok;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* box_spawn's refusals of what cannot go with a joined namespace (box.h). A joined user
 * namespace that is our own is no join at all: setns would refuse it. */
int box__ns_join_check(box_t *box)
{
    const char *u = box->join_what[0], *what;
    struct stat own, st;
    int i;

    if ((box->ns_join & BOX_NS_USER) && stat("/proc/self/ns/user", &own) == 0 &&
        fstat(box->join_fd[0], &st) == 0 && same_file(&own, &st))
        join_drop(box, 0);
    if ((box->ns_join & BOX_NS_USER) && (box->n_uid_map || box->n_gid_map))
        return box__error(box, EINVAL, "spawn: the box joins the user namespace %s: its "
                          "uid/gid maps are that namespace's (no box_add_uid_map/gid_map)", u);
    if (box->switch_userns_fd >= 0 && (box->opts & BOX_OPT_NO_USERNS))
        return box__error(box, EINVAL, "spawn: the box switches to another user namespace "
                          "(box_switch_user_namespace): BOX_OPT_NO_USERNS limits the "
                          "setup's, not that one");
    if ((box->ns_join & BOX_NS_USER) && (box->opts & BOX_OPT_NO_USERNS))
        return box__error(box, EINVAL, "spawn: the box joins the user namespace %s: "
                          "BOX_OPT_NO_USERNS needs a user namespace of the box's own", u);
    what = box->join_what[__builtin_ctz(BOX_NS_NET)];
    if ((box->ns_join & BOX_NS_NET) && (box->net_host_if || box->net))
        return box__error(box, EINVAL, "spawn: the box joins the network namespace %s: "
                          "box_net_veth, box_net_bridge, box_net_pasta and box_net_publish "
                          "configure a network namespace of the box's own", what);
    what = box->join_what[__builtin_ctz(BOX_NS_UTS)];
    if ((box->ns_join & BOX_NS_UTS) && box->hostname_set)
        return box__error(box, EINVAL, "spawn: the box joins the uts namespace %s: its "
                          "hostname is that namespace's (no box_set_hostname)", what);
    what = box->join_what[__builtin_ctz(BOX_NS_MNT)];
    if ((box->ns_join & BOX_NS_MNT) && (box->root || box->root_overlay || box->n_mounts))
        return box__error(box, EINVAL, "spawn: the box joins the mount namespace %s: a "
                          "root, an overlay or mounts need a mount namespace of the box's "
                          "own", what);
    what = box->join_what[__builtin_ctz(BOX_NS_TIME)];
    if ((box->ns_join & BOX_NS_TIME) &&
        (box->time_offset_set[BOX_CLOCK_MONOTONIC] || box->time_offset_set[BOX_CLOCK_BOOTTIME]))
        return box__error(box, EINVAL, "spawn: the box joins the time namespace %s: clock "
                          "offsets are set only in a new one (no box_set_time_offset)", what);
    if (!(box->ns_join & BOX_NS_PID))
        return 0;
    i = __builtin_ctz(BOX_NS_PID);
    what = box->join_what[i];
    /* The box's process must be able to act in its pid namespace (a new /proc of it,
     * signals as its owner): the pid namespace's owner must be the box's user namespace. */
    if (box->ns & BOX_NS_USER)
        return box__error(box, EINVAL, "spawn: the box joins the pid namespace %s and makes "
                          "a user namespace of its own, which cannot own it (join the "
                          "pid namespace's user namespace instead of BOX_NS_USER)", what);
    if (box->ns_join & BOX_NS_USER) {
        if (fstat(box->join_fd[0], &own) < 0)
            return box__error(box, errno, "spawn: user namespace %s", u);
    } else if (stat("/proc/self/ns/user", &own) < 0) {
        return box__error(box, errno, "spawn: /proc/self/ns/user");
    }
    if (!owner_of(box->join_fd[i], &st) || !same_file(&own, &st))
        return box__error(box, EINVAL, "spawn: the pid namespace %s belongs to another user "
                          "namespace than the box's (%s): join that one too "
                          "(box_join_namespace BOX_NS_USER)", what,
                          (box->ns_join & BOX_NS_USER) ? u : "the caller's");
    return 0;
}

/* The plan's join list: with a joined user namespace, the namespaces it does not own
 * first (setns needs CAP_SYS_ADMIN over their owner, which we have only out here), then
 * it, then those it owns (its full capabilities now cover them). FORK makes the box's
 * process inside them, with the namespaces the box creates. */
int box__ns_join_prepare(box_t *box, struct box_plan *p)
{
    struct stat user, st;
    bool user_joined = box->ns_join & BOX_NS_USER;

    p->n_join = 0;
    if (!box->ns_join)
        return 0;
    if (user_joined && fstat(box->join_fd[0], &user) < 0)
        return box__error(box, errno, "spawn: user namespace %s", box->join_what[0]);
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < BOX_NS_TYPES; i++) {
            bool owned;

            if (!(box->ns_join & (1u << i)))
                continue;
            if (i == 0) {
                if (pass != 1)
                    continue;
            } else {
                owned = user_joined && owner_of(box->join_fd[i], &st) && same_file(&user, &st);
                if (pass != (owned ? 2 : 0))
                    continue;
            }
            p->join[p->n_join].fd = box->join_fd[i];
            p->join[p->n_join++].nstype = ns_types[i].nstype;
        }
    p->fork = true;
    p->fork_flags = (uint64_t)box__ns_clone_flags(box->ns);
    p->fork_twice = (box->ns_join & BOX_NS_PID) && (box->ns & BOX_NS_PID);
    return 0;
}

/* The message of a failed JOIN_NS of box_spawn (index: the plan's join entry). */
int box__ns_join_error(box_t *box, const struct box_plan *p, int index, int err)
{
    const char *name = "?", *what = "?";

    for (int i = 0; index >= 0 && (size_t)index < p->n_join && i < BOX_NS_TYPES; i++)
        if (ns_types[i].nstype == p->join[index].nstype) {
            name = ns_types[i].name;
            what = box->join_what[i] ? box->join_what[i] : "?";
        }
    if (err == EPERM)
        return box__error(box, err, "spawn: join %s namespace %s (no CAP_SYS_ADMIN over "
                          "its owner: a caller without it must join the namespace's user "
                          "namespace too)", name, what);
    if (err == EINVAL && strcmp(name, "pid") == 0)
        return box__error(box, err, "spawn: join pid namespace %s (not below the caller's "
                          "pid namespace, or it has ended)", what);
    return box__error(box, err, "spawn: join %s namespace %s", name, what);
}

/* The text of a uid_map/gid_map file: one "inside outside count" line per entry. */
int box__idmap_format(const struct box_idmap *map, size_t n, char *buf, size_t size)
{
    size_t o = 0;

    if (size == 0)
        return -ENOSPC;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + o, size - o, "%u %u %u\n", map[i].inside, map[i].outside,
                         map[i].count);

        if (w < 0 || (size_t)w >= size - o)
            return -ENOSPC;
        o += (size_t)w;
    }
    return (int)o;
}

static int write_map(box_t *box, pid_t pid, const char *file, const struct box_idmap *map,
                     size_t n, uint32_t own_id)
{
    struct box_idmap fallback = { 0, own_id, 1 };
    char path[64], text[BOX_MAX_IDMAP * 36];
    int len, r;

    if (n == 0) {
        map = &fallback;
        n = 1;
    }
    len = box__idmap_format(map, n, text, sizeof text);
    if (len < 0)
        return box__error(box, -len, "spawn: format %s", file);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    r = box__write_file(path, text, (size_t)len);
    if (r == -EPERM && geteuid() != 0)
        return box__error(box, EPERM,
                         "spawn: write %s (\"%.*s\"): an unprivileged caller may map only its "
                         "own id (%u), once%s",
                         file, len - 1, text, own_id, box__userns_hint());
    if (r == -EACCES && prctl(PR_GET_DUMPABLE) == 0)
        return box__error(box, EACCES,
                         "spawn: write %s: this process is not dumpable (it changed its uids), "
                         "so /proc/<box>/ belongs to root; fix: prctl(PR_SET_DUMPABLE, 1)",
                         file);
    if (r < 0)
        return box__error(box, -r, "spawn: write %s (\"%.*s\")", file, len - 1, text);
    return 0;
}

/* An unprivileged caller must deny setgroups before it may write gid_map; root keeps
 * setgroups so that the box can have supplementary groups. */
static int write_maps(box_t *box, pid_t pid)
{
    char path[64];
    int r;

    r = write_map(box, pid, "uid_map", box->uid_map, box->n_uid_map, geteuid());
    if (r < 0)
        return r;
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        r = box__write_file(path, "deny", 4);
        if (r < 0)
            return box__error(box, -r, "spawn: write %s", path);
    }
    return write_map(box, pid, "gid_map", box->gid_map, box->n_gid_map, getegid());
}

/* The kernel makes a process that exec'ed a file whose owner its user namespace does not
 * map non-dumpable (as when boxrun, owned by root, runs as the child of pasta or of
 * `unshare -U`). /proc/<child>/ then belongs to that namespace's root, not to us: the child
 * shares our memory until its exec, and with it our dumpable flag. So the flag is set for
 * the writes of the maps and put back right after: for that moment, processes of our own
 * uid may read our memory, which they may whenever we are dumpable. */
int box__ns_write_maps(box_t *box, pid_t pid)
{
    int dumpable = prctl(PR_GET_DUMPABLE), r;

    if (dumpable == 0 && prctl(PR_SET_DUMPABLE, 1) < 0)
        dumpable = -1; /* write_map says why the write fails */
    r = write_maps(box, pid);
    if (dumpable == 0)
        prctl(PR_SET_DUMPABLE, 0);
    return r;
}

/* Child, BOX_OPT_NS_IDS: stat our namespaces while /proc is still the caller's (before the
 * mount steps) and every one of them is made (after CGROUP_NS and TIME_NS), into the
 * plan's scratch (shared memory). /proc/self names us here: we are visible in the pid
 * namespace of the caller's procfs. The time namespace is time_for_children: the one
 * TIME_NS made, which exec enters. One that cannot be stat'ed (no /proc, an older kernel
 * without the type) is left out: box_ns_id says -ENOENT, the box still runs. statx: one
 * layout on every architecture, and no libc wrapper between clone and exec. */
long box__step_ns_ids(const struct box_plan *p, struct box_child *c)
{
    static const char *const names[BOX_NS_COUNT] = {
        "user", "pid", "mnt", "uts", "ipc", "net", "cgroup", "time_for_children",
    };
    struct box_ns_ids *ids = p->ns_ids;
    struct statx stx;
    long dir;

    (void)c;
    ids->have = 0;
    /* One walk of /proc/self/ns, not eight. */
    dir = SYS4(SYS_openat, AT_FDCWD, "/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (dir < 0)
        return 0;
    for (int i = 0; i < BOX_NS_COUNT; i++) {
        if (SYS5(SYS_statx, dir, names[i], 0, STATX_INO, &stx) < 0)
            continue;
        ids->ino[i] = stx.stx_ino;
        ids->dev[i] = makedev(stx.stx_dev_major, stx.stx_dev_minor);
        ids->have |= 1u << i;
    }
    SYS1(SYS_close, dir);
    return 0;
}

/* spawn.c, once the child has passed NS_IDS (exec'ed, or waiting for box_start). */
void box__ns_ids_take(box_t *box, const struct box_plan *p)
{
    if (p->ns_ids)
        box->ns_ids = *p->ns_ids;
}

BOX_API int box_ns_id(const box_t *box, unsigned int ns, uint64_t *ino, uint64_t *dev)
{
    int i;

    if (!box || !ino || !ns || (ns & (ns - 1)) || !(ns & BOX_NS_ALL))
        return -EINVAL;
    i = __builtin_ctz(ns);
    if (!(box->ns_ids.have & ns))
        return -ENOENT;
    *ino = box->ns_ids.ino[i];
    if (dev)
        *dev = box->ns_ids.dev[i];
    return 0;
}
