/* box_spawn, the parent side: prepare everything the child needs, start libbox's monitor
 * (monitor.c), which clones the child with CLONE_VM (so spawning costs the same whatever
 * the caller's size), write its uid/gid maps, release it, and wait on the close-on-exec
 * error pipe: EOF means the program was exec'ed, a
 * struct box_child_error means a setup step failed. With BOX_OPT_HOLD the child reports
 * when it is ready and waits on the sync pipe again; box_start releases it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

#define CHILD_STACK_SIZE (256 * 1024)


/* The box as nothing but an empty tmpfs: no root, no mounts, so no program to exec. */
static bool box__is_empty(const box_t *box)
{
    return (box->ns & BOX_NS_MNT) && !box->root && box->n_mounts == 0;
}

/* Turn the child's error record into the box's message and return -errno. */
/* The box's PATH, as the child searched it. */
static const char *box_path_var(const box_t *box)
{
    for (size_t i = 0; i < box->n_env; i++)
        if (strncmp(box->env[i], "PATH=", 5) == 0)
            return box->env[i] + 5;
    return "";
}

/* exec failed: say what was looked for where, and what the box had to offer. */
static int describe_exec_error(box_t *box, const struct box_plan *p,
                               const struct box_child_error *e, int err)
{
    const char *prog = box->program ? box->program : p->argv[0];
    bool searched = !strchr(prog, '/');

    if (strcmp(e->path, "box-init") == 0)
        return box__error(box, err, "exec box-init (BOX_OPT_INIT) %s", box__init_path(box));
    /* The program is there; the ELF interpreter or #! program it names is not. */
    if (err == ENOENT && e->path[0] && e->index >= 0 && (size_t)e->index < p->n_exec_paths)
        return box__error(box, err, "exec %s: its interpreter %s is not in the box",
                          p->exec_paths[e->index], e->path);
    if (err == ENOENT && box__is_empty(box))
        return box__error(box, err, "exec %s (the box is empty: its / is an empty tmpfs, "
                          "since no root and no mounts were given, so there is no program "
                          "in it%s%s)", prog, searched ? "; searched PATH=" : "",
                          searched ? box_path_var(box) : "");
    if (err == ENOENT && searched)
        return box__error(box, err, "exec %s (searched PATH=%s in the box)", prog,
                          box_path_var(box));
    return box__error(box, err, "exec %s", prog);
}

static int describe_child_error(box_t *box, const struct box_plan *p,
                                const struct box_child_error *e)
{
    const char *step = box__step_name(e->step);
    int err = e->err > 0 ? e->err : EIO;
    struct stat st;

    /* Attaching or entering the new root failed because the root the caller named is no
     * directory any more (a root directory is attached over itself): say that. */
    if ((e->step == STEP_ATTACH_ROOT || e->step == STEP_PIVOT_ROOT) && box->root &&
        (stat(box->root, &st) < 0 || !S_ISDIR(st.st_mode)))
        return box__error(box, err, "spawn: the root %s is not a directory any more "
                          "(box_set_root found one; it was replaced since)", box->root);
    switch (e->step) {
    case STEP_EXEC:
        return describe_exec_error(box, p, e, err);
    case STEP_JOIN_NS:
        return box__ns_join_error(box, p, e->index, err);
    case STEP_HOOK_MOUNTED:
    case STEP_HOOK_START:
        return box__hook_error(box, "spawn", e);
    case STEP_MOUNT: {
        const struct box_mount_op *op = &box->mounts[e->index];
        const char *sub = strcmp(e->path, op->target) ? e->path : "";

        /* These four in bwrap's words, which its users and tests look for. */
        if (op->type == BOX_MOUNT_SYMLINK && err == EEXIST)
            return sub[0] ? box__error(box, err, "spawn: Can't make symlink at %s: existing "
                                       "destination is %s", op->target, e->path)
                          : box__error(box, err, "spawn: Can't make symlink at %s: "
                                       "destination exists and is not a symlink", op->target);
        if (err == ELOOP && (op->flags & BOX_MOUNT_NOFOLLOW) && !sub[0])
            return box__error(box, err, "spawn: Can't mount on symlink destination %s "
                              "(BOX_MOUNT_NOFOLLOW)", op->target);
        if (op->type == BOX_MOUNT_BIND && err == EISDIR && !sub[0])
            return box__error(box, err, "spawn: mount bind %s on %s: destination is not a "
                              "file", op->source, op->target);
        if (op->type == BOX_MOUNT_BIND && err == ENOTDIR && op->source_is_dir && !sub[0])
            return box__error(box, err, "spawn: mount bind %s on %s: destination is not a "
                              "directory (or a directory on its path is not)", op->source,
                              op->target);
        if (op->type == BOX_MOUNT_BIND)
            return box__error(box, err, "spawn: mount bind %s on %s", op->source, op->target);
        if (op->type == BOX_MOUNT_OP_CHMOD)
            return box__error(box, err, "spawn: chmod 0%o %s", (unsigned)op->mode, op->target);
        if (op->type == BOX_MOUNT_OP_MKNOD)
            return box__error(box, err, "spawn: mknod %s (%u:%u)%s", op->target,
                              major(op->rdev), minor(op->rdev),
                              (err == EPERM || err == EACCES) && (box->ns & BOX_NS_USER) &&
                                      !S_ISFIFO(op->mode)
                                  ? ": a user namespace cannot make device nodes; bind the "
                                    "host's node instead (box_mount BOX_MOUNT_BIND with "
                                    "BOX_MOUNT_DEVICES)" : "");
        return box__error(box, err, "spawn: mount %s on %s%s%s",
                         box__mount_type_name(op->type), op->target, sub[0] ? "/" : "", sub);
    }
    case STEP_OPEN_SOURCE:
        /* The kernel will not clone a mount without its locked submounts (they may hide
         * something) for a user namespace: say why, since EINVAL alone does not. */
        if (err == EINVAL && e->index >= 0 && (box->mounts[e->index].flags & BOX_MOUNT_NOREC) &&
            (box->ns & BOX_NS_USER))
            return box__error(box, err, "spawn: open mount source %s (BOX_MOUNT_NOREC: with a "
                             "user namespace the kernel refuses a bind without the mounts "
                             "below it)", e->path);
        return box__error(box, err, "spawn: open mount source %s", e->path);
    case STEP_TIME_NS:
        /* The clock moved below the offset between box__ns_time_offsets' check and now. */
        if (err == ERANGE)
            return box__error(box, err, "spawn: %s: a clock offset would make the box's "
                             "clock negative", step);
        return box__error(box, err, "spawn: %s%s%s", step, e->path[0] ? " " : "", e->path);
    case STEP_ATTACH_ROOT:
        /* e->path is the host directory the new root is attached at, libbox's choice. */
        return box__error(box, err, "spawn: attach the new root %s (at %s on the host)",
                          box->root ? box->root : "(a tmpfs)", e->path);
    case STEP_SWITCH_USERNS:
        return box__error(box, err, "spawn: %s of box_switch_user_namespace%s", step,
                          err == EINVAL ? " (not a user namespace below the box's setup "
                          "namespace, or that one itself)" : err == EPERM ? " (no "
                          "CAP_SYS_ADMIN in it)" : "");
    case STEP_USERNS:
        if (err == EEXIST && strcmp(e->path, "userns") == 0)
            return box__error(box, err, "spawn: creation of new user namespaces was not "
                              "disabled as requested");
        return box__error(box, err, "spawn: %s%s%s", step, e->path[0] ? " " : "", e->path);
    case STEP_SECCOMP:
        if (e->index >= 0)
            return box__error(box, err, "spawn: install seccomp program %d of the caller's "
                              "(box_seccomp_load_bpf, box_seccomp_add_bpf)%s", e->index,
                              err == EINVAL ? " (the kernel refused it: not a valid seccomp "
                              "filter?)" : "");
        return box__error(box, err, "spawn: %s", step);
    case STEP_SYSCTL:
        if (e->index < 0)
            return box__error(box, err, "spawn: %s: /proc/sys%s", step,
                              err == ENODEV ? " is not procfs" : "");
        return box__error(box, err, "spawn: %s %s = '%s'", step, p->sysctls[e->index].dotted,
                          p->sysctls[e->index].value);
    case STEP_RLIMIT:
        return box__error(box, err, "spawn: setrlimit %s",
                         box__limit_desc((box_limit_t)e->index)->rlimit_name);
    case STEP_FDS:
        return box__error(box, err, "spawn: pass fd %d", e->index);
    case STEP_CAPS_BOUNDING:
    case STEP_CAPS:
        if (e->index >= 0) {
            char name[64];

            box__caps_name(e->index, name, sizeof name);
            if (err == EPERM)
                return box__error(box, err, "spawn: keep capability %s: the caller does not "
                                 "hold it (without a user namespace the box gets at most "
                                 "the caller's own capabilities)", name);
            return box__error(box, err, "spawn: %s %s", step, name);
        }
        return box__error(box, err, "spawn: %s", step);
    case STEP_SETUID:
    case STEP_SETGID:
        return box__error(box, err, "spawn: %s %u:%u (is the id mapped?)", step, box->uid,
                         box->gid);
    default:
        if (err == EPERM && box__userns_hint()[0])
            return box__error(box, err, "spawn: %s %s%s", step, e->path, box__userns_hint());
        return box__error(box, err, "spawn: %s%s%s", step, e->path[0] ? " " : "", e->path);
    }
}

/* describe_child_error, and the step for box_error_step. */
static int report_child_error(box_t *box, const struct box_plan *p,
                              const struct box_child_error *e)
{
    int r = describe_child_error(box, p, e);

    box->errstep = box__step_public_id(e->step);
    return r;
}

static int check_spawnable(box_t *box, const char *const argv[])
{
    int r;

    if (box->state == BOX_RUNNING || box->state == BOX_HELD)
        return box__error(box, EBUSY, "spawn: the box is already running");
    if (box->state == BOX_ENDED)
        return box__error(box, EBUSY, "spawn: the box has already run; make a new one");
    if (!argv || !argv[0] || !argv[0][0])
        return box__error(box, EINVAL, "spawn: argv is NULL or empty");
    if ((r = box__ns_join_check(box)) < 0)
        return r;
    if ((box->opts & BOX_OPT_NO_USERNS) && (!(box->ns & BOX_NS_USER) || box->n_groups))
        return box__error(box, EINVAL, "spawn: BOX_OPT_NO_USERNS needs BOX_NS_USER and no "
                          "supplementary groups");
    if (!(box->ns & BOX_NS_MNT) && (box->root || box->root_overlay || box->n_mounts))
        return box__error(box, EINVAL, "spawn: a root or mounts need the mount namespace");
    if (!(box__ns_entered(box) & BOX_NS_USER) && geteuid() != 0)
        return box__error(box, EPERM,
                         "spawn: without a user namespace only root can create namespaces");
    if (!(box->ns & BOX_NS_TIME) &&
        (box->time_offset_set[BOX_CLOCK_MONOTONIC] || box->time_offset_set[BOX_CLOCK_BOOTTIME]))
        return box__error(box, EINVAL, "spawn: box_set_time_offset needs BOX_NS_TIME");
    if (!(box->ns & BOX_NS_NET) && box->net_host_if)
        return box__error(box, EINVAL, "spawn: box_net_veth needs the network namespace");
    if (!(box->ns & BOX_NS_USER) && (box->n_uid_map || box->n_gid_map))
        return box__error(box, EINVAL, "spawn: uid/gid maps need the user namespace");
    for (size_t i = 0; box->tty && i < box->n_fds; i++)
        if (box->fds[i].target <= 2)
            return box__error(box, EINVAL, "spawn: box_set_tty makes the terminal the "
                              "program's fds 0, 1 and 2: box_pass_fd to %d cannot go with it",
                              box->fds[i].target);
    if ((box->opts & BOX_OPT_CALLER_MAPS) &&
        (!(box->ns & BOX_NS_USER) || box->n_uid_map || box->n_gid_map ||
         (box->opts & (BOX_OPT_NO_USERNS | BOX_OPT_DETACH)) || box->net))
        return box__error(box, EINVAL, "spawn: BOX_OPT_CALLER_MAPS needs BOX_NS_USER and "
                         "cannot be combined with box_add_uid_map/box_add_gid_map, "
                         "BOX_OPT_NO_USERNS, BOX_OPT_DETACH, box_net_bridge or "
                         "box_net_pasta");
    if ((box->opts & BOX_OPT_NO_MONITOR) && (box->ns_join || (box->opts & BOX_OPT_DETACH)))
        return box__error(box, EINVAL, "spawn: BOX_OPT_NO_MONITOR cannot be combined with "
                          "box_join_namespace or BOX_OPT_DETACH");
    if (box->n_groups > 0 && geteuid() != 0 && (box->ns & BOX_NS_USER))
        return box__error(box, EPERM,
                         "set_groups: an unprivileged caller cannot set supplementary groups "
                         "(setgroups is denied in its user namespace)");
    /* Without no_new_privs the filter is installed early, while the box's first process
     * still has CAP_SYS_ADMIN (step SECCOMP_EARLY): every later step runs under it, and
     * a notified call there would wait for a supervisor that box_spawn keeps from
     * running. */
    for (size_t i = 0; (box->opts & BOX_OPT_ALLOW_NEW_PRIVS) && i < box->n_seccomp_rules; i++)
        if (box->seccomp_rules[i].action == BOX_SECCOMP_NOTIFY)
            return box__error(box, EINVAL,
                             "spawn: BOX_OPT_ALLOW_NEW_PRIVS cannot be combined with "
                             "BOX_SECCOMP_NOTIFY rules: the filter is installed before the "
                             "box's last setup steps");
    if ((box->opts & BOX_OPT_INIT) && (box->seccomp_default_action == BOX_SECCOMP_ERRNO ||
                                       box->seccomp_default_action == BOX_SECCOMP_KILL))
        return box__error(box, EINVAL,
                         "spawn: BOX_OPT_INIT cannot be combined with a seccomp default "
                         "action that denies: box-init runs under the filter");
    if ((box->opts & BOX_OPT_NO_INIT) && (box->opts & BOX_OPT_INIT))
        return box__error(box, EINVAL, "spawn: BOX_OPT_NO_INIT and BOX_OPT_INIT together");
    if ((box->opts & BOX_OPT_DETACH) && !box->id)
        return box__error(box, EINVAL, "spawn: BOX_OPT_DETACH needs an id (box_set_id)");
    if ((box->opts & BOX_OPT_DETACH) && (box->net_host_if || box->net || box->image))
        return box__error(box, EINVAL, "spawn: BOX_OPT_DETACH does not work with box_net_* "
                          "or box_set_image yet (box_free would undo them)");
    for (size_t i = 0; (box->opts & BOX_OPT_DETACH) && i < box->n_seccomp_rules; i++)
        if (box->seccomp_rules[i].action == BOX_SECCOMP_NOTIFY)
            return box__error(box, EINVAL, "spawn: BOX_OPT_DETACH cannot be combined with "
                              "BOX_SECCOMP_NOTIFY rules: the listener has no owner");
    if ((box->opts & BOX_OPT_ALLOW_NEW_PRIVS) && box->n_landlock_rules)
        return box__error(box, EINVAL,
                         "spawn: BOX_OPT_ALLOW_NEW_PRIVS cannot be combined with Landlock: "
                         "the kernel requires no_new_privs for an unprivileged ruleset");
    return 0;
}

/* The limits libbox enforces without a cgroup, for box_limit_status. */
static void record_process_limits(box_t *box)
{
    for (int l = 1; l < BOX_LIMIT_COUNT; l++) {
        if (!box->limit_set[l])
            box__limit_record(box, (box_limit_t)l, false, "not set");
        else if (box__limit_to_rlimit((box_limit_t)l) >= 0)
            box__limit_record(box, (box_limit_t)l, true, "rlimit %s, per process",
                             box__limit_desc((box_limit_t)l)->rlimit_name);
        else if (l == BOX_LIMIT_WALL_MS)
            box__limit_record(box, (box_limit_t)l, true, "box_wait (kills the box)");
    }
}

/* What a spawn holds until the program is exec'ed: the plan and the stack of the first
 * process and the monitor's arguments (they share our memory), our ends of the pipes. Kept
 * in box->launch while a BOX_OPT_HOLD box waits for box_start. */
struct box_launch {
    struct box_plan plan;
    struct box_monitor mon;
    void *stack;        /* the first process's, and with a join the box's process's after it */
    size_t stack_size;
    int err_rd;  /* read end of the error pipe: a record, or EOF once the program runs */
    int sync_wr; /* our end of the sync socket: the monitor's report comes in here, and one
                    byte releases the child */
    bool plan_fds_closed; /* box__launch_orphan closed the plan's fds (not its numbers) */
};

static void launch_free(struct box_launch *l)
{
    if (!l)
        return;
    /* The child has exec'ed or is gone: its stack and the prepared data are ours again. */
    if (l->stack != MAP_FAILED)
        munmap(l->stack, l->stack_size);
    if (l->err_rd >= 0)
        close(l->err_rd);
    if (l->sync_wr >= 0)
        close(l->sync_wr);
    box__plan_free(&l->plan);
    free(l);
}

/* The box failed before exec or was abandoned: kill its first process (if we have its
 * pidfd), let the monitor reap it and reap the monitor. Shutting the sync socket down
 * makes a child still waiting on it give up on its own (without its pidfd, when we could
 * not receive it, we could not kill it). */
static void abandon(box_t *box, struct box_launch *l)
{
    if (l && l->sync_wr >= 0)
        shutdown(l->sync_wr, SHUT_RDWR);
    if (box->pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, box->pidfd, SIGKILL, NULL, 0);
        if (box->opts & BOX_OPT_NO_MONITOR) /* ours to reap: its stack is ours after it */
            box__reap_first(box, NULL);
        close(box->pidfd);
        box->pidfd = -1;
    }
    box__monitor_release(box, NULL);
    box->pid = -1;
}

static int release_child(struct box_launch *l)
{
    return send(l->sync_wr, "", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Read what the child reports after it was released: 0 when the program was exec'ed (EOF),
 * 1 when a BOX_OPT_HOLD child waits for box_start, or its error (the box is abandoned). */
static int read_child(box_t *box, struct box_launch *l)
{
    struct box_child_error e;
    ssize_t n;
    int r;

    for (;;) {
        do
            n = read(l->err_rd, &e, sizeof e);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof e || e.step != STEP_HOOK_CALLER || e.err != 0)
            break;
        /* The first process waits for box_hook_caller's function. A detached box's state
         * file is whole by now: the lock goes from exclusive to shared, so that box_open of
         * the box works from the function and from what it runs (an OCI hook calling
         * `runtime state ID`), while box_start and box_destroy, which take it exclusively,
         * still wait for box_spawn. No one can be waiting for it exclusively (that needs a
         * box_open first), so flock's non-atomic conversion lets no one in. */
        if ((box->state_fd >= 0 && (r = box__state_lock(box, LOCK_SH)) < 0) ||
            (r = box__hook_caller_run(box)) < 0) {
            box->errstep = box__step_public_id(STEP_HOOK_CALLER);
            abandon(box, l);
            return r;
        }
        if (release_child(l) < 0) {
            r = box__error(box, errno, "spawn: release child");
            abandon(box, l);
            return r;
        }
    }
    if (n == 0)
        return 0;
    if (n == (ssize_t)sizeof e && e.step == STEP_HOLD && e.err == 0)
        return 1;
    if (n == (ssize_t)sizeof e)
        r = report_child_error(box, &l->plan, &e);
    else
        r = box__error(box, n < 0 ? errno : EIO, "spawn: read child status");
    abandon(box, l);
    return r;
}

/* After the exec: a box with BOX_SECCOMP_NOTIFY rules sent its listener before it. */
static int receive_listener(box_t *box, struct box_launch *l)
{
    char byte;
    ssize_t n;

    if (!l->plan.seccomp_listener)
        return 0;
    n = box__recv_with_fd(l->sync_wr, &byte, 1, MSG_DONTWAIT, &box->notify_fd);
    if (n != 1 || box->notify_fd < 0)
        return box__error(box, n < 0 ? (int)-n : EIO, "spawn: receive the seccomp listener");
    return 0;
}

/* The program's terminal (box_set_tty): the child sent the master before it reported. */
static int receive_tty(box_t *box, struct box_launch *l)
{
    int fd;

    if (!l->plan.tty)
        return 0;
    fd = box__tty_receive(l->sync_wr);
    if (fd < 0) {
        abandon(box, l);
        return box__error(box, -fd, "spawn: receive the terminal's master");
    }
    box->tty_fd = fd;
    return 0;
}

/* A failed clone of the box's first process (by us or by the monitor): a namespace the
 * kernel or its limits refuse gets the namespaces and the user-namespace hint. */
static int clone_error(box_t *box, int err)
{
    if (err == EPERM || err == ENOSPC || err == EUSERS)
        return box__error(box, err, "spawn: clone with namespaces 0x%x%s", box->ns,
                          box__userns_hint());
    return box__error(box, err, "spawn: clone");
}

/* BOX_OPT_NO_MONITOR: we clone the first process ourselves, as the monitor would have
 * (box__clone_first), and are its parent: box_wait reaps it by its pidfd (wait.c). No
 * second clone, no report over the sync socket, no monitor to wake, reap and unmap at the
 * end, one process less per running box. Signals are blocked as for the monitor. */
static int clone_direct(box_t *box, struct box_launch *l, bool *placed)
{
    sigset_t all, old;
    int placed_i = 0;
    long pid;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    box->start_ns = box__now_ns();
    box__profile_mark(box, BOX_PROF_CLONE);
    pid = box__clone_first(&l->mon, &box->pidfd, &placed_i);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    box__profile_mark(box, BOX_PROF_CLONED);
    if (pid < 0) {
        box->pidfd = -1;
        return clone_error(box, (int)-pid);
    }
    box->pid = (pid_t)pid;
    *placed = placed_i;
    return 0;
}

/* Clone the monitor (monitor.c) on a stack of its own; it clones the first process. */
static int clone_monitor(box_t *box, struct box_launch *l)
{
    sigset_t all, old;
    pid_t mpid;
    int r = 0;

    box->monitor_stack = mmap(NULL, BOX_MONITOR_STACK_SIZE, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (box->monitor_stack == MAP_FAILED) {
        box->monitor_stack = NULL;
        return box__error(box, errno, "spawn: allocate the monitor's stack");
    }
    box__child_stack_fresh(box->monitor_stack, BOX_MONITOR_STACK_SIZE);
    /* All signals stay blocked across clone so that no handler of the caller runs in the
     * monitor or the child on the shared memory; the child resets them before it
     * unblocks, the monitor never unblocks. Exit signal 0: see monitor.c. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    box->start_ns = box__now_ns();
    box__profile_mark(box, BOX_PROF_CLONE);
    mpid = clone(box__monitor_main, (char *)box->monitor_stack + BOX_MONITOR_STACK_SIZE,
                 CLONE_VM | CLONE_PIDFD, &l->mon, &box->monitor_pidfd);
    if (mpid < 0)
        r = box__error(box, errno, "spawn: clone the monitor");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (mpid < 0) {
        box->monitor_pidfd = -1;
        munmap(box->monitor_stack, BOX_MONITOR_STACK_SIZE);
        box->monitor_stack = NULL;
    }
    return r;
}

/* Start the monitor (monitor.c) and take its report: the first process's pid and pidfd
 * into box->pid and box->pidfd. With BOX_OPT_NO_MONITOR, clone it ourselves. */
static int start_monitor(box_t *box, struct box_launch *l, unsigned long clone_flags,
                         bool *placed)
{
    struct box_monitor_msg msg = { 0 };
    ssize_t n;
    int r;

    l->mon.clone_flags = clone_flags;
    l->mon.parent_pidfd = -1;
    /* The monitor watches our process, not this thread (monitor.c's watch_parent). */
    if ((box->opts & (BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NO_MONITOR)) ==
        BOX_OPT_DIE_WITH_PARENT) {
        l->mon.parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
        if (l->mon.parent_pidfd < 0)
            return box__error(box, errno, "spawn: pidfd_open of this process (for "
                              "BOX_OPT_DIE_WITH_PARENT)");
    }
    l->mon.detach = box->opts & BOX_OPT_DETACH;
    l->mon.stack = l->stack;
    l->mon.stack_size = CHILD_STACK_SIZE;
    l->mon.plan = &l->plan;
    /* With a join the box's process is cloned by the first one (FORK), which the caller
     * then moves into the cgroups. */
    l->mon.cgroup_fd = box__cgroup_v2_home(box) && !l->plan.fork
                           ? open(box__cgroup_v2_home(box), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                           : -1;
    r = box->opts & BOX_OPT_NO_MONITOR ? clone_direct(box, l, placed) : clone_monitor(box, l);
    /* Whichever clone used them is done with them: the monitor has its own copies. */
    if (l->mon.cgroup_fd >= 0)
        close(l->mon.cgroup_fd);
    if (l->mon.parent_pidfd >= 0)
        close(l->mon.parent_pidfd);
    if (r < 0 || (box->opts & BOX_OPT_NO_MONITOR))
        return r;
    n = box__recv_with_fd(l->sync_wr, &msg, sizeof msg, 0, &box->pidfd);
    box__profile_mark(box, BOX_PROF_CLONED);
    if (n == (ssize_t)sizeof msg && msg.setup_failed) { /* a join: its record says why */
        r = read_child(box, l);
        return r < 0 ? r : box__error(box, EIO, "spawn: the first process ended without a "
                                      "word");
    }
    if (n != (ssize_t)sizeof msg || msg.err || box->pidfd < 0) {
        int err = n < 0 ? (int)-n : msg.err ? msg.err : n == (ssize_t)sizeof msg ? EMFILE : EIO;

        r = clone_error(box, err);
        abandon(box, l);
        return r;
    }
    box->pid = msg.pid;
    *placed = msg.placed;
    return 0;
}

/* The channels: the error pipe and the sync socket to the child, the monitor's status
 * pipe, and with BOX_OPT_INIT box-init's. The child's ends go above every fd number it
 * shuffles; its copies of our ends it closes first. */
static int make_channels(box_t *box, struct box_launch *l, int *err_wr, int *sync_child,
                         int *status_wr, struct box_state_fds *sf)
{
    struct box_plan *pl = &l->plan;
    int p[2], init_wr = -1;

    if (pipe2(p, O_CLOEXEC) < 0)
        return box__error(box, errno, "spawn: pipe");
    l->err_rd = p[0];
    *err_wr = box__fd_above(p[1], pl->fd_high);
    /* A socket, so that releasing a child that died already fails with EPIPE
     * (MSG_NOSIGNAL) instead of raising SIGPIPE in the caller. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
        return box__error(box, errno, "spawn: socketpair");
    l->sync_wr = p[1];
    *sync_child = box__fd_above(p[0], pl->fd_high);
    /* BOX_OPT_NO_MONITOR: we reap the first process, the kernel's word needs no pipe. */
    if (!(box->opts & BOX_OPT_NO_MONITOR)) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return box__error(box, errno, "spawn: status pipe");
        box->status_fd = p[0];
        if ((*status_wr = box__fd_above(p[1], pl->fd_high)) < 0)
            return box__error(box, errno, "spawn: move pipes above fd %d", pl->fd_high);
    }
    /* BOX_OPT_DETACH: box-init reports to the state directory's exit file, and the held
     * child waits on its start socket (state.c). */
    if (sf->exit_wr >= 0) {
        init_wr = box__fd_above(sf->exit_wr, pl->fd_high);
        sf->exit_wr = -1;
        if (init_wr < 0)
            return box__error(box, errno, "spawn: move fds above fd %d", pl->fd_high);
    }
    if (sf->hold >= 0 && (pl->hold_fd = sf->hold = box__fd_above(sf->hold, pl->fd_high)) < 0) {
        if (init_wr >= 0)
            close(init_wr);
        return box__error(box, errno, "spawn: move fds above fd %d", pl->fd_high);
    }
    if (box->state_fd >= 0)
        pl->parent_fds[pl->n_parent_fds++] = box->state_fd;
    /* box-init's report has a pipe of its own: only what the monitor writes is the
     * kernel's word, and no process in the box ever holds the monitor's pipe. */
    if ((box->opts & BOX_OPT_INIT) && init_wr < 0) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return box__error(box, errno, "spawn: status pipe");
        box->init_status_fd = p[0];
        if ((init_wr = box__fd_above(p[1], pl->fd_high)) < 0)
            return box__error(box, errno, "spawn: move pipes above fd %d", pl->fd_high);
    }
    if (*err_wr < 0 || *sync_child < 0) {
        if (init_wr >= 0)
            close(init_wr);
        return box__error(box, errno, "spawn: move pipes above fd %d", pl->fd_high);
    }
    pl->parent_fds[pl->n_parent_fds++] = l->err_rd;
    pl->parent_fds[pl->n_parent_fds++] = l->sync_wr;
    if (box->status_fd >= 0)
        pl->parent_fds[pl->n_parent_fds++] = box->status_fd;
    if (box->init_status_fd >= 0)
        pl->parent_fds[pl->n_parent_fds++] = box->init_status_fd;
    l->mon.sync_fd = *sync_child;
    l->mon.status_fd = *status_wr;
    return box__plan_set_channels(box, pl, *err_wr, *sync_child, init_wr);
}

/* After the exec: the child's rusage includes the peak of our memory, which it shared
 * until then (the kernel records it at exec), so its own peak is known only where it is
 * above ours at this point (wait.c). */
static void note_caller_peak(box_t *box)
{
    struct rusage self;

    getrusage(RUSAGE_SELF, &self);
    box->caller_maxrss_kb = (uint64_t)self.ru_maxrss;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int spawn_argv(box_t *box, const char *const argv[]);

BOX_API int box_spawn(box_t *box, const char *const argv[])
{
    char **image_argv;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    box__profile_mark(box, BOX_PROF_SPAWN);
    r = box__image_argv(box, argv, &image_argv);
    if (r < 0)
        return r;
    r = spawn_argv(box, image_argv ? (const char *const *)image_argv : argv);
    free(image_argv);
    return r;
}

static int spawn_argv(box_t *box, const char *const argv[])
{
    struct box_state_fds sf = { .exit_wr = -1, .hold = -1 };
    struct box_launch *l;
    int err_wr = -1, sync_child = -1, status_wr = -1, r, r2;
    unsigned int opts = box->opts;
    bool placed = false, detach = box->opts & BOX_OPT_DETACH;
    pid_t proc_pid;

    /* A detached box reports through box-init (unless the caller's subreaper is to reap
     * it: BOX_OPT_NO_INIT), and outlives us. */
    if (detach)
        box->opts = (box->opts | (box->opts & BOX_OPT_NO_INIT ? 0 : BOX_OPT_INIT)) &
                    ~BOX_OPT_DIE_WITH_PARENT;
    r = check_spawnable(box, argv);
    if (r < 0) {
        box->opts = opts;
        return r;
    }
    /* first: it may add mounts (the name files) */
    r = box__net_begin(box);
    if (r < 0)
        return r;
    l = calloc(1, sizeof *l);
    if (!l) {
        box__net_end(box);
        box->opts = opts;
        return box__error(box, ENOMEM, "spawn: prepare");
    }
    l->stack = MAP_FAILED;
    l->err_rd = l->sync_wr = -1;
    /* Freeze the configuration: from here on the child sees only l->plan. */
    r = box__plan_build(box, argv, &l->plan);
    if (r < 0)
        goto out;
    box__profile_mark(box, BOX_PROF_PLANNED);
    record_process_limits(box);
    if (detach && (r = box__state_create(box, &sf)) < 0)
        goto out;
    r = box__cgroup_create(box);
    if (r == 0) /* which needs the box's cgroups */
        r = box__cgroup_mount_prepare(box, &l->plan);
    if (r == 0)
        r = box__cgroup_tasks_fds(box, NULL, l->plan.cgroup_tasks_fd, &l->plan.n_cgroup_tasks);
    if (r < 0)
        goto out;
    if (l->plan.n_cgroup_tasks)
        l->plan.steps |= 1ull << STEP_CGROUP_JOIN;
    box__profile_mark(box, BOX_PROF_CGROUP);
    if ((r = make_channels(box, l, &err_wr, &sync_child, &status_wr, &sf)) < 0)
        goto out;
    l->stack_size = (l->plan.fork ? l->plan.fork_twice ? 3 : 2 : 1) * CHILD_STACK_SIZE;
    l->stack = mmap(NULL, l->stack_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (l->stack == MAP_FAILED) {
        r = box__error(box, errno, "spawn: allocate child stack");
        goto out;
    }
    box__child_stack_fresh(l->stack, l->stack_size);
    l->plan.fork_stack = (char *)l->stack + CHILD_STACK_SIZE;
    l->plan.fork_stack2 = (char *)l->stack + 2 * CHILD_STACK_SIZE; /* fork_twice only */
    l->plan.fork_stack_size = CHILD_STACK_SIZE;
    /* With a join the first process makes none of the namespaces: its FORK does. */
    r = start_monitor(box, l, l->plan.fork ? CLONE_VM
                              : (unsigned long)box__ns_clone_flags(box->ns) | CLONE_VM |
                                    CLONE_PIDFD, &placed);
    /* Only the child (and the monitor, the status pipe) may hold their ends now, or EOF
     * would never come. From here on l->plan is the child's: it shares our memory, so we
     * must not change it until exec. */
    close_fd(&err_wr);
    close_fd(&sync_child);
    close_fd(&status_wr);
    close_fd(&sf.hold);
    if (r < 0)
        goto out;
    /* BOX_OPT_DETACH: the monitor exits after its report (monitor.c); the child waits to
     * be released, so its pid and start time are its own. */
    if (detach) {
        box__monitor_release(box, NULL);
        r = box__proc_starttime(box->pid, &box->starttime);
        if (r < 0)
            r = box__error(box, -r, "spawn: read the start time of pid %d", (int)box->pid);
    }

    /* sync: the child waits until it has its identity and sits in its cgroups. */
    proc_pid = box__proc_pid(box->pidfd, box->pid);
    r = (box->ns & BOX_NS_USER) && !(box->opts & BOX_OPT_CALLER_MAPS) ?
            box__ns_write_maps(box, proc_pid) : 0;
    if (r == 0)
        r = box__cgroup_attach(box, NULL, box->pid, placed, l->plan.n_cgroup_tasks > 0);
    if (r == 0)
        r = box__net_setup(box, box->pid, proc_pid);
    if (r == 0 && detach)
        r = box__state_write(box, &l->plan, box->opts & BOX_OPT_HOLD);
    if (r == 0 && (box->opts & BOX_OPT_CALLER_MAPS)) {
        /* The caller writes the maps; box_start releases the child. */
        box->state = BOX_HELD;
        box->held_for_maps = true;
        box->launch = l;
        return 0;
    }
    if (r == 0 && release_child(l) < 0)
        r = box__error(box, errno, "spawn: release child");
    if (r < 0) {
        abandon(box, l);
        goto out;
    }
    box__profile_mark(box, BOX_PROF_RELEASED);
    r = read_child(box, l);
    box__profile_mark(box, BOX_PROF_EXECED);
    if (r >= 0)
        box__ns_ids_take(box, &l->plan);
    if (r >= 0 && (r2 = receive_tty(box, l)) < 0)
        r = r2;
    if (r == 0 && (r = receive_listener(box, l)) < 0)
        abandon(box, l);
    if (r < 0)
        goto out;
    note_caller_peak(box);
    box->detached = detach;
    box__state_unlock(box);
    if (r == 1) { /* BOX_OPT_HOLD: the child waits for box_start */
        box->state = BOX_HELD;
        box->launch = l;
        return 0;
    }
    box->state = BOX_RUNNING;
out:
    if (r < 0) {
        box->opts = opts;
        box__state_remove(box);
        box__cgroup_destroy(box);
        close_fd(&box->tty_fd);
        close_fd(&box->status_fd);
        close_fd(&box->init_status_fd);
        box__net_end(box);
    }
    close_fd(&err_wr);
    close_fd(&sync_child);
    close_fd(&status_wr);
    close_fd(&sf.exit_wr);
    close_fd(&sf.hold);
    launch_free(l);
    return r < 0 ? r : 0;
}

/* A box that waited for box_start is gone (reaped): release what it held, back to the
 * configured state. */
static void forget_held(box_t *box)
{
    launch_free(box->launch);
    box->launch = NULL;
    close_fd(&box->tty_fd);
    box__cgroup_destroy(box);
    box__net_end(box);
    box->killed_by_caller = false;
    box->held_for_maps = false;
    box->ns_ids.have = 0;
    box->state = BOX_CONFIGURED;
}

/* A detached box is started through its state directory (state.c), by whichever
 * process: ours too. On failure the child has ended or is ending (box_wait says how);
 * only once the program runs is the memory it shared with us (box->launch) free. */
static int start_detached(box_t *box)
{
    int r = box__state_start(box);

    if (r == -EINVAL) /* another process started it */
        r = box__error(box, EINVAL, "start: box %s was started already", box->id);
    if (r == 0) {
        launch_free(box->launch);
        box->launch = NULL;
        box->start_ns = box__now_ns();
    }
    box->state = BOX_RUNNING;
    return r;
}

BOX_API int box_start(box_t *box)
{
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (box->state != BOX_HELD)
        return box__error(box, EINVAL, "start: the box is not waiting to start (box_spawn "
                         "with BOX_OPT_HOLD first)");
    if (box->detached)
        return start_detached(box);
    if (box->killed_by_caller) {
        box__launch_abort(box);
        return box__error(box, ESRCH, "start: the box was killed before it started");
    }
    if (release_child(box->launch) < 0) {
        r = box__error(box, errno, "start: release the box");
        box__launch_abort(box);
        return r;
    }
    r = read_child(box, box->launch);
    if (r >= 0) /* BOX_OPT_CALLER_MAPS: the child passed NS_IDS only now */
        box__ns_ids_take(box, &box->launch->plan);
    if (r == 0 && (r = receive_listener(box, box->launch)) < 0)
        abandon(box, box->launch);
    if (r < 0) { /* reaped: nothing is left, the box may be spawned again */
        forget_held(box);
        return r;
    }
    box->held_for_maps = false;
    if (r == 1) /* released from BOX_OPT_CALLER_MAPS: now BOX_OPT_HOLD holds it, built */
        return 0;
    note_caller_peak(box);
    launch_free(box->launch);
    box->launch = NULL;
    box->start_ns = box__now_ns();
    box->state = BOX_RUNNING;
    return 0;
}

/* box_free of a box that waits for box_start: kill it, reap it, release what it holds. */
void box__launch_abort(box_t *box)
{
    if (box->state != BOX_HELD || box->detached)
        return;
    abandon(box, box->launch);
    forget_held(box);
}

/* A detached box's launch, once its child is gone (box_destroy). */
void box__launch_release(box_t *box)
{
    if (box->launch && box->launch->plan_fds_closed)
        box->launch->plan.init_fd = box->launch->plan.status_fd = -1;
    launch_free(box->launch);
    box->launch = NULL;
}

/* box_free of a detached box whose child may still run on our memory (box.c keeps the
 * box_t): close every fd of ours it holds; the child has its own. */
void box__launch_orphan(box_t *box)
{
    struct box_launch *l = box->launch;

    close_fd(&box->pidfd);
    close_fd(&box->state_fd);
    close_fd(&l->err_rd);
    close_fd(&l->sync_wr);
    /* The plan is the child's to read: the numbers stay until it is gone (release). */
    if (l->plan.init_fd >= 0)
        close(l->plan.init_fd);
    if (l->plan.status_fd >= 0)
        close(l->plan.status_fd);
    l->plan_fds_closed = true;
    for (size_t i = 0; i < box->n_mounts; i++) /* the mount steps are done */
        close_fd(&box->mounts[i].source_fd);
}
