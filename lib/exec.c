/* box_exec: another program in a running box, and its handle (box_proc_t).
 *
 * The same child runner as box_spawn, over the EXEC list of the step table (child.h):
 * the parent freezes a plan from the box (plan.c: box__plan_build_exec), clones a first
 * child with CLONE_VM that joins the box's namespaces through its pidfd (JOIN_NS) and makes
 * the process that enters the pid namespace (FORK: a sibling, so the caller's child), then
 * exits. The parent reaps it, reads the new pid from the shared plan, opens a pidfd, puts
 * the process in the v2 cgroup and releases it (WAIT_PARENT; it enters the v1 cgroups
 * itself, CGROUP_JOIN, through tasks files the parent opened); the rest of the list
 * (identity, capabilities, no_new_privs, Landlock, fds, seccomp, exec) runs as for a spawn,
 * and the error pipe reports as there: EOF means exec'ed.
 *
 * Per exec the caller may change cwd, env, stdio, the user, groups and rlimits (the plan's
 * overrides, struct box_exec_over), give it a cgroup of its own with limits and accounting
 * (cgroup.c: box__cgroup_exec_*), and wall and cpu-time limits that box_proc_wait
 * enforces. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EXEC_STACK_SIZE (128 * 1024) /* per process: the first child, then the second */

struct box_proc {
    box_t *box;
    pid_t pid;
    int pidfd;
    int notify_fd;          /* its seccomp listener, or -1 */
    int tty_fd;             /* BOX_EXEC_TTY: its terminal's master, or -1 */
    uint64_t start_ns;
    uint64_t wall_ms, cpu_ms; /* its BOX_LIMIT_WALL_MS, _CPU_TIME_MS; 0: none */
    bool has_cg;            /* a cgroup of its own, in cg */
    struct box_cgroup cg;
    bool killed, killed_by_wall, killed_by_cpu, ended;
    box_status_t status;
};

/* The size of box_exec_opts_t as libbox 0.2 first had it: up to stderr_fd. */
#define OPTS_SIZE_FIRST offsetof(box_exec_opts_t, flags)
#define EXEC_FLAGS (BOX_EXEC_USER | BOX_EXEC_GROUPS | BOX_EXEC_CGROUP | BOX_EXEC_TTY | \
                    BOX_EXEC_CAPS_BOUNDING_ONLY)

/* What one box_exec holds until the program runs. */
struct exec_launch {
    struct box_plan plan;
    struct box_fdpass stdio[3];
    void *stacks;
    int err_rd, sync_wr;
    int child_err, child_sync;
    struct box_exec_over over;
};

static void launch_release(struct exec_launch *l)
{
    if (l->stacks != MAP_FAILED)
        munmap(l->stacks, 2 * EXEC_STACK_SIZE);
    for (int *fd = &l->err_rd; fd <= &l->child_sync; fd++)
        if (*fd >= 0)
            close(*fd);
    box__plan_free(&l->plan);
}

/* The caller's opts as this library's struct: what an older caller's size leaves out keeps
 * its default, and what a newer one adds past our struct must be 0. */
static int copy_opts(box_t *box, const box_exec_opts_t *opts, box_exec_opts_t *o)
{
    *o = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    if (!opts)
        return 0;
    if (opts->size < OPTS_SIZE_FIRST)
        return box__error(box, EINVAL, "exec: opts->size %zu is smaller than any "
                          "box_exec_opts_t (%zu): use BOX_EXEC_OPTS_INIT",
                          opts->size, (size_t)OPTS_SIZE_FIRST);
    for (size_t i = sizeof *o; i < opts->size; i++)
        if (((const unsigned char *)opts)[i])
            return box__error(box, E2BIG, "exec: opts->size %zu: byte %zu is set, past this "
                              "library's box_exec_opts_t (%zu bytes)", opts->size, i,
                              sizeof *o);
    memcpy(o, opts, opts->size < sizeof *o ? opts->size : sizeof *o);
    o->size = sizeof *o;
    return 0;
}

/* The limits: rlimits into the plan, the rest for the proc. */
static int check_limits(box_t *box, const box_exec_opts_t *o, struct box_exec_over *v)
{
    if (o->n_limits && !o->limits)
        return box__error(box, EINVAL, "exec: limits is NULL with n_limits %zu", o->n_limits);
    for (size_t i = 0; i < o->n_limits; i++) {
        box_limit_t limit = o->limits[i].limit;
        int r;

        if (!box__limit_desc(limit))
            return box__error(box, EINVAL, "exec: limits[%zu]: unknown limit %d", i,
                              (int)limit);
        if ((r = box__limit_check(box, limit, o->limits[i].value)) < 0)
            return r;
        v->limit_set[limit] = true;
        v->limit[limit] = o->limits[i].value;
    }
    return 0;
}

static int check_opts(box_t *box, const box_exec_opts_t *o, struct exec_launch *l)
{
    const int fds[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
    struct box_exec_over *v = &l->over;
    int r;

    if (o->cwd && o->cwd[0] != '/')
        return box__error(box, EINVAL, "exec: cwd '%s' is not absolute", o->cwd);
    if (o->flags & ~(uint64_t)EXEC_FLAGS)
        return box__error(box, EINVAL, "exec: unknown flags 0x%llx",
                          (unsigned long long)(o->flags & ~(uint64_t)EXEC_FLAGS));
    if ((o->flags & BOX_EXEC_GROUPS) &&
        ((o->n_groups && !o->groups) || o->n_groups > BOX_MAX_GROUPS))
        return box__error(box, EINVAL, "exec: %zu groups%s (at most %d)", o->n_groups,
                          o->groups ? "" : " at NULL", BOX_MAX_GROUPS);
    /* The overrides as the options give them (the limits and stdio below add theirs). */
    *v = (struct box_exec_over){
        .cwd = o->cwd, .env = (char *const *)o->envp, .fds = l->stdio,
        .user = o->flags & BOX_EXEC_USER, .uid = o->uid, .gid = o->gid,
        .groups = o->flags & BOX_EXEC_GROUPS, .group_list = o->groups, .n_groups = o->n_groups,
        .tty = o->flags & BOX_EXEC_TTY, .tty_rows = o->tty_rows, .tty_cols = o->tty_cols,
        .caps_bounding_only = o->flags & BOX_EXEC_CAPS_BOUNDING_ONLY,
    };
    if ((r = check_limits(box, o, v)) < 0)
        return r;
    if (fds[0] < 0 && fds[1] < 0 && fds[2] < 0)
        return 0;
    if (v->tty)
        return box__error(box, EINVAL, "exec: BOX_EXEC_TTY makes the terminal the program's "
                          "stdio: the stdio fds must be -1");
    /* Any stdio given: all three are passed, the caller's own where none is named. */
    for (int i = 0; i < 3; i++) {
        int fd = fds[i] >= 0 ? fds[i] : i;

        if (fcntl(fd, F_GETFD) < 0)
            return box__error(box, EBADF, "exec: fd %d (for the program's %d) is not open",
                              fd, i);
        l->stdio[i] = (struct box_fdpass){ .fd = fd, .target = i };
    }
    v->n_fds = 3;
    return 0;
}

/* A cgroup of its own: asked for, or needed by a cgroup or cpu-time limit. */
static bool wants_cgroup(const box_exec_opts_t *o, const struct box_exec_over *v)
{
    bool any = (o->flags & BOX_EXEC_CGROUP) || v->limit_set[BOX_LIMIT_CPU_TIME_MS];

    for (int l = 0; l < BOX_LIMIT_COUNT; l++)
        any |= v->limit_set[l] && box__limit_is_cgroup((box_limit_t)l);
    return any;
}

/* Turn the child's record into the box's message. */
static int report(box_t *box, const struct box_plan *p, const struct box_child_error *e)
{
    int err = e->err > 0 ? e->err : EIO, r;
    const char *step = box__step_name(e->step);

    if (e->step == STEP_EXEC)
        r = box__error(box, err, "exec: %s", p->argv[0]);
    else if (e->step == STEP_JOIN_NS && err == EINVAL)
        r = box__error(box, err, "exec: %s (the box's pid namespace may have ended)", step);
    else
        r = box__error(box, err, "exec: %s%s%s", step, e->path[0] ? " " : "", e->path);
    box->errstep = box__step_public_id(e->step);
    return r;
}

static void reap_pid(pid_t pid)
{
    siginfo_t si;

    while (waitid(P_PID, (id_t)pid, &si, WEXITED | __WALL) < 0 && errno == EINTR)
        ;
}

/* Read the error pipe: 0 at EOF (exec'ed), else the step's error. */
static int read_record(box_t *box, struct exec_launch *l)
{
    struct box_child_error e;
    ssize_t n;

    do
        n = read(l->err_rd, &e, sizeof e);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n == (ssize_t)sizeof e)
        return report(box, &l->plan, &e);
    return box__error(box, n < 0 ? errno : EIO, "exec: read child status");
}

/* Clone the first child and, once it made the second, take that one over: its pidfd, the
 * box's cgroups, the release. Returns the second's pid, or a negative errno (all reaped). */
static pid_t start(box_t *box, struct exec_launch *l, const struct box_cgroup *own, int *pidfd)
{
    sigset_t all, old;
    siginfo_t si = { 0 };
    pid_t first, pid;
    int r;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    first = clone(box__child_main, (char *)l->stacks + EXEC_STACK_SIZE, CLONE_VM, &l->plan);
    r = first < 0 ? -errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (first < 0)
        return box__error(box, -r, "exec: clone");
    close(l->child_err);
    close(l->child_sync);
    l->child_err = l->child_sync = -1;
    while (waitid(P_PID, (id_t)first, &si, WEXITED | __WALL) < 0 && errno == EINTR)
        ;
    if (si.si_code != CLD_EXITED || si.si_status != 0 || l->plan.resume->pid <= 0) {
        r = read_record(box, l); /* the first child's step failed */
        return r < 0 ? r : box__error(box, EIO, "exec: the first child ended without a word");
    }
    pid = l->plan.resume->pid;
    /* Ours until reaped (CLONE_PARENT made it our child), so the pid cannot be reused. */
    *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    r = *pidfd < 0 ? box__error(box, errno, "exec: pidfd_open") : 0;
    if (r == 0)
        r = box__cgroup_attach(box, own, pid, false, l->plan.n_cgroup_tasks > 0);
    if (r == 0 && send(l->sync_wr, "", 1, MSG_NOSIGNAL) != 1)
        r = box__error(box, errno, "exec: release the process");
    if (r == 0)
        r = read_record(box, l);
    if (r < 0) {
        kill(pid, SIGKILL);
        reap_pid(pid);
        if (*pidfd >= 0)
            close(*pidfd);
        *pidfd = -1;
        return r;
    }
    return pid;
}

/* After the exec: with BOX_SECCOMP_NOTIFY rules the child sent its listener before it. */
static int receive_listener(box_t *box, struct exec_launch *l, int *notify_fd)
{
    char byte;
    ssize_t n;

    if (!l->plan.seccomp_listener)
        return 0;
    n = box__recv_with_fd(l->sync_wr, &byte, 1, MSG_DONTWAIT, notify_fd);
    if (n != 1 || *notify_fd < 0)
        return box__error(box, n < 0 ? (int)-n : EIO, "exec: receive the seccomp listener");
    return 0;
}

/* The pipes, the stacks, the launch: the process runs its program, or everything is
 * undone. */
static int launch(box_t *box, struct exec_launch *l, box_proc_t *proc)
{
    int errpipe[2], sync[2], r;
    pid_t pid;

    if (pipe2(errpipe, O_CLOEXEC) < 0)
        return box__error(box, errno, "exec: pipe");
    l->err_rd = errpipe[0];
    l->child_err = errpipe[1];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
        return box__error(box, errno, "exec: socketpair");
    l->sync_wr = sync[1];
    l->child_sync = sync[0];
    /* The child's ends above every fd number of its fd shuffle (as box_spawn does). */
    for (int *fd = &l->child_err; fd <= &l->child_sync; fd++) {
        int high = fcntl(*fd, F_DUPFD_CLOEXEC, l->plan.fd_high);

        close(*fd);
        *fd = high;
        if (high < 0)
            return box__error(box, errno, "exec: dup pipes");
    }
    l->plan.err_fd = l->child_err;
    l->plan.sync_fd = l->child_sync;
    l->stacks = mmap(NULL, 2 * EXEC_STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (l->stacks == MAP_FAILED)
        return box__error(box, errno, "exec: allocate stacks");
    box__child_stack_fresh(l->stacks, 2 * EXEC_STACK_SIZE);
    l->plan.fork_stack = (char *)l->stacks + EXEC_STACK_SIZE;
    l->plan.fork_stack_size = EXEC_STACK_SIZE;
    proc->start_ns = box__now_ns();
    pid = start(box, l, proc->has_cg ? &proc->cg : NULL, &proc->pidfd);
    if (pid < 0)
        return pid;
    proc->pid = pid;
    if (l->plan.tty && (proc->tty_fd = box__tty_receive(l->sync_wr)) < 0) {
        r = box__error(box, -proc->tty_fd, "exec: receive the terminal's master");
        proc->tty_fd = -1;
        kill(pid, SIGKILL);
        reap_pid(pid);
        return r;
    }
    if ((r = receive_listener(box, l, &proc->notify_fd)) < 0) {
        kill(pid, SIGKILL);
        reap_pid(pid);
        return r;
    }
    return 0;
}

BOX_API int box_exec(box_t *box, const char *const argv[], const box_exec_opts_t *opts,
                     box_proc_t **out)
{
    struct exec_launch l = { .stacks = MAP_FAILED, .err_rd = -1, .sync_wr = -1,
                             .child_err = -1, .child_sync = -1 };
    box_exec_opts_t o;
    box_proc_t *proc;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (!out)
        return box__error(box, EINVAL, "exec: out is NULL");
    *out = NULL;
    if (!argv || !argv[0] || !argv[0][0])
        return box__error(box, EINVAL, "exec: argv is NULL or empty");
    /* Bad arguments are an error in any phase, so they are checked first. */
    if ((r = copy_opts(box, opts, &o)) < 0 || (r = check_opts(box, &o, &l)) < 0)
        return r;
    if (box->state != BOX_RUNNING)
        return box__error(box, ESRCH, "exec: the box is not running%s",
                          box->state == BOX_HELD ? " (it waits for box_start)" : "");
#if !defined(__x86_64__) && !defined(__aarch64__)
    return box__error(box, ENOSYS, "exec: not supported on this architecture yet");
#endif
    proc = calloc(1, sizeof *proc);
    if (!proc)
        return box__error(box, ENOMEM, "exec");
    proc->box = box;
    proc->pidfd = proc->notify_fd = proc->tty_fd = -1;
    proc->wall_ms = l.over.limit_set[BOX_LIMIT_WALL_MS] ? l.over.limit[BOX_LIMIT_WALL_MS] : 0;
    proc->cpu_ms = l.over.limit_set[BOX_LIMIT_CPU_TIME_MS]
                       ? l.over.limit[BOX_LIMIT_CPU_TIME_MS] : 0;
    if ((r = box__plan_build_exec(box, argv, &l.over, &l.plan)) < 0)
        goto out;
    if (wants_cgroup(&o, &l.over)) {
        if ((r = box__cgroup_exec_create(box, l.over.limit_set, l.over.limit, &proc->cg)) < 0)
            goto out;
        proc->has_cg = true;
    }
    /* The process enters the v1 cgroups itself (STEP_CGROUP_JOIN, see plan.h). */
    if ((r = box__cgroup_tasks_fds(box, proc->has_cg ? &proc->cg : NULL, l.plan.cgroup_tasks_fd,
                                   &l.plan.n_cgroup_tasks)) < 0)
        goto out;
    if (l.plan.n_cgroup_tasks)
        l.plan.steps |= 1ull << STEP_CGROUP_JOIN;
    if ((r = launch(box, &l, proc)) < 0)
        goto out;
    *out = proc;
    proc = NULL;
out:
    launch_release(&l);
    if (proc) {
        if (proc->pidfd >= 0)
            close(proc->pidfd);
        if (proc->tty_fd >= 0)
            close(proc->tty_fd);
        if (proc->has_cg)
            box__cgroup_exec_destroy(&proc->cg);
        free(proc);
    }
    return r;
}

BOX_API pid_t box_proc_pid(const box_proc_t *proc)
{
    return proc ? proc->pid : -EINVAL;
}

BOX_API int box_proc_pidfd(const box_proc_t *proc)
{
    if (!proc)
        return -EINVAL;
    return proc->ended ? -ESRCH : proc->pidfd;
}

BOX_API int box_proc_notify_fd(const box_proc_t *proc)
{
    if (!proc)
        return -EINVAL;
    if (proc->ended)
        return -ESRCH;
    return proc->notify_fd >= 0 ? proc->notify_fd : -ENOENT;
}

BOX_API int box_proc_tty_fd(const box_proc_t *proc)
{
    if (!proc)
        return -EINVAL;
    return proc->tty_fd >= 0 ? proc->tty_fd : -ENOTTY;
}

BOX_API int box_proc_tty_resize(box_proc_t *proc, unsigned short rows, unsigned short cols)
{
    return proc ? box__tty_resize(proc->tty_fd, rows, cols) : -EINVAL;
}

BOX_API int box_proc_kill(box_proc_t *proc, int sig)
{
    if (!proc || sig < 0 || sig >= 65)
        return -EINVAL;
    if (proc->ended)
        return -ESRCH;
    if (syscall(SYS_pidfd_send_signal, proc->pidfd, sig, NULL, 0) < 0)
        return -errno;
    proc->killed |= sig == SIGKILL;
    return 0;
}

static uint64_t tv_us(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* How it ended, from waitid's record and what libbox and the kernel did to it. */
static void classify(const box_proc_t *proc, const siginfo_t *si, box_status_t *st)
{
    if (si->si_code == CLD_EXITED) {
        /* a shell passing on its child's SIGKILL by the OOM killer, as box_wait reads it */
        st->end = si->si_status == 137 && st->oom_kills > 0 && !proc->killed
                      ? BOX_END_OOM : BOX_END_EXITED;
        st->exit_code = si->si_status;
        return;
    }
    st->signal = si->si_status;
    if (si->si_status != SIGKILL)
        st->end = BOX_END_SIGNALED;
    else if (proc->killed_by_wall)
        st->end = BOX_END_WALL_TIME;
    else if (proc->killed_by_cpu)
        st->end = BOX_END_CPU_TIME;
    else if (proc->killed)
        st->end = BOX_END_KILLED;
    else if (st->oom_kills > 0) /* its own cgroup's OOM killer */
        st->end = BOX_END_OOM;
    else
        st->end = BOX_END_SIGNALED;
}

static int proc_reap(box_proc_t *proc)
{
    struct rusage ru = { 0 };
    siginfo_t si = { 0 };
    box_status_t *st = &proc->status;

    if (syscall(SYS_waitid, P_PIDFD, proc->pidfd, &si, WEXITED | __WALL, &ru) < 0)
        return -errno;
    memset(st, 0, sizeof *st);
    st->version = BOX_STATUS_VERSION;
    st->wall_us = (box__now_ns() - proc->start_ns) / 1000;
    st->cpu_user_us = tv_us(ru.ru_utime);
    st->cpu_system_us = tv_us(ru.ru_stime);
    st->max_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
    if (proc->has_cg) /* cpu time of all its processes, its peak memory, its OOM kills */
        box__cgroup_exec_usage(&proc->cg, st);
    classify(proc, &si, st);
    proc->ended = true;
    close(proc->pidfd);
    proc->pidfd = -1;
    if (proc->notify_fd >= 0)
        close(proc->notify_fd);
    proc->notify_fd = -1;
    return 0;
}

#define CPU_POLL_MS 10 /* how often a cpu-time limit is checked */

/* Its wall and cpu-time limits: kill it (and what it started) past one. Returns how long
 * the wait may sleep before the next check (-1: no limit to check). */
static int check_limits_now(box_proc_t *proc, uint64_t now)
{
    uint64_t wall_end = proc->start_ns + proc->wall_ms * 1000000u;
    bool *why = NULL;
    int ms = -1;

    if (proc->killed_by_wall || proc->killed_by_cpu)
        return -1;
    if (proc->wall_ms && now >= wall_end)
        why = &proc->killed_by_wall;
    else if (proc->cpu_ms && box__cgroup_exec_cpu_us(&proc->cg) >= (int64_t)proc->cpu_ms * 1000)
        why = &proc->killed_by_cpu;
    if (why) {
        *why = true;
        syscall(SYS_pidfd_send_signal, proc->pidfd, SIGKILL, NULL, 0);
        if (proc->has_cg)
            box__cgroup_exec_kill(&proc->cg);
        return -1;
    }
    if (proc->wall_ms)
        ms = (int)((wall_end - now + 999999) / 1000000);
    if (proc->cpu_ms && (ms < 0 || ms > CPU_POLL_MS))
        ms = CPU_POLL_MS;
    return ms;
}

BOX_API int box_proc_wait(box_proc_t *proc, int timeout_ms, box_status_t *status)
{
    uint64_t deadline;

    if (!proc || timeout_ms < -1)
        return -EINVAL;
    deadline = box__now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
    while (!proc->ended) {
        struct pollfd p = { .fd = proc->pidfd, .events = POLLIN };
        uint64_t now = box__now_ns();
        int ms = -1, limit_ms = check_limits_now(proc, now), r;

        if (timeout_ms >= 0)
            ms = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
        if (limit_ms >= 0 && (ms < 0 || limit_ms < ms))
            ms = limit_ms;
        r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r > 0) {
            if ((r = proc_reap(proc)) < 0)
                return r;
            break;
        }
        if (r == 0 && timeout_ms >= 0 && box__now_ns() >= deadline)
            return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
    }
    if (status)
        *status = proc->status;
    return 0;
}

/* exec --detach of an OCI runtime: the process outlives the handle (and the caller, whose
 * subreaper then reaps it); a cgroup of its own stays, removed with the box's. */
BOX_API void box_proc_release(box_proc_t *proc)
{
    if (!proc)
        return;
    if (proc->has_cg)
        box__cgroup_exec_forget(&proc->cg);
    if (proc->notify_fd >= 0)
        close(proc->notify_fd);
    if (proc->tty_fd >= 0) /* the caller dup'ed it if it relays the terminal on */
        close(proc->tty_fd);
    if (proc->pidfd >= 0)
        close(proc->pidfd);
    free(proc);
}

/* Kill and reap it if it runs, remove its cgroups, and free the handle. */
BOX_API void box_proc_free(box_proc_t *proc)
{
    if (!proc)
        return;
    if (!proc->ended) {
        box_proc_kill(proc, SIGKILL);
        box_proc_wait(proc, -1, NULL);
    }
    if (proc->has_cg)
        box__cgroup_exec_destroy(&proc->cg);
    if (proc->pidfd >= 0)
        close(proc->pidfd);
    if (proc->tty_fd >= 0)
        close(proc->tty_fd);
    free(proc);
}
