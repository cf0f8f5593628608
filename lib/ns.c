/* Namespaces: which clone flags a box asks for, and the user namespace's uid/gid maps,
 * written by the parent into /proc/<child>/ while the child waits. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <sys/prctl.h>

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

/* Child (box_exec): enter all of them at once; the kernel switches the user namespace
 * first, so the others are joined with the credentials it gives. The mount namespace's
 * root becomes our root and cwd. */
long box__step_join_ns(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return SYS2(SYS_setns, p->join_pidfd, p->join_ns_flags);
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
