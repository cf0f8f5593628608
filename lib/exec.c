/* box_exec: another program in a running box, and its handle (box_proc_t).
 *
 * The same child runner as box_spawn, over the EXEC list of the step table (child.h):
 * the parent freezes a plan from the box (plan.c: box__plan_build_exec), clones a first
 * child with CLONE_VM that joins the box's namespaces through its pidfd (JOIN_NS) and makes
 * the process that enters the pid namespace (FORK: a sibling, so the caller's child), then
 * exits. The parent reaps it, reads the new pid from the shared plan, opens a pidfd, puts
 * the process in the box's cgroups and releases it (WAIT_PARENT); the rest of the list
 * (identity, capabilities, no_new_privs, Landlock, fds, seccomp, exec) runs as for a spawn,
 * and the error pipe reports as there: EOF means exec'ed. */
#include <errno.h>
#include <fcntl.h>
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
    uint64_t start_ns;
    bool killed, ended;
    box_status_t status;
};

/* What one box_exec holds until the program runs. */
struct exec_launch {
    struct box_plan plan;
    struct box_fdpass stdio[3];
    void *stacks;
    int err_rd, sync_wr;
    int child_err, child_sync;
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

static int check_opts(box_t *box, const box_exec_opts_t *o, struct exec_launch *l, size_t *n)
{
    const int fds[3] = { o ? o->stdin_fd : -1, o ? o->stdout_fd : -1, o ? o->stderr_fd : -1 };

    *n = 0;
    if (o && o->size < sizeof *o)
        return box__error(box, EINVAL, "exec: opts->size %zu is smaller than this "
                          "library's box_exec_opts_t (%zu): use BOX_EXEC_OPTS_INIT",
                          o->size, sizeof *o);
    if (o && o->cwd && o->cwd[0] != '/')
        return box__error(box, EINVAL, "exec: cwd '%s' is not absolute", o->cwd);
    if (fds[0] < 0 && fds[1] < 0 && fds[2] < 0)
        return 0;
    /* Any stdio given: all three are passed, the caller's own where none is named. */
    for (int i = 0; i < 3; i++) {
        int fd = fds[i] >= 0 ? fds[i] : i;

        if (fcntl(fd, F_GETFD) < 0)
            return box__error(box, EBADF, "exec: fd %d (for the program's %d) is not open",
                              fd, i);
        l->stdio[i] = (struct box_fdpass){ .fd = fd, .target = i };
    }
    *n = 3;
    return 0;
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
static pid_t start(box_t *box, struct exec_launch *l, int *pidfd)
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
        r = box__cgroup_attach(box, pid, false);
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

BOX_API int box_exec(box_t *box, const char *const argv[], const box_exec_opts_t *opts,
                     box_proc_t **out)
{
    struct exec_launch l = { .stacks = MAP_FAILED, .err_rd = -1, .sync_wr = -1,
                             .child_err = -1, .child_sync = -1 };
    int errpipe[2], sync[2], pidfd = -1, r;
    box_proc_t *proc;
    uint64_t t0;
    size_t n_fds;
    pid_t pid;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (!out)
        return box__error(box, EINVAL, "exec: out is NULL");
    *out = NULL;
    if (!argv || !argv[0] || !argv[0][0])
        return box__error(box, EINVAL, "exec: argv is NULL or empty");
    if (box->state != BOX_RUNNING)
        return box__error(box, ESRCH, "exec: the box is not running%s",
                          box->state == BOX_HELD ? " (it waits for box_start)" : "");
#if !defined(__x86_64__) && !defined(__aarch64__)
    return box__error(box, ENOSYS, "exec: not supported on this architecture yet");
#endif
    if ((r = check_opts(box, opts, &l, &n_fds)) < 0)
        return r;
    proc = calloc(1, sizeof *proc);
    if (!proc)
        return box__error(box, ENOMEM, "exec");
    r = box__plan_build_exec(box, argv, opts ? opts->cwd : NULL,
                             opts ? (char *const *)opts->envp : NULL, l.stdio, n_fds, &l.plan);
    if (r < 0)
        goto out;
    if (pipe2(errpipe, O_CLOEXEC) < 0) {
        r = box__error(box, errno, "exec: pipe");
        goto out;
    }
    l.err_rd = errpipe[0];
    l.child_err = errpipe[1];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0) {
        r = box__error(box, errno, "exec: socketpair");
        goto out;
    }
    l.sync_wr = sync[1];
    l.child_sync = sync[0];
    /* The child's ends above every fd number of its fd shuffle (as box_spawn does). */
    for (int *fd = &l.child_err; fd <= &l.child_sync; fd++) {
        int high = fcntl(*fd, F_DUPFD_CLOEXEC, l.plan.fd_high);

        close(*fd);
        *fd = high;
        if (high < 0) {
            r = box__error(box, errno, "exec: dup pipes");
            goto out;
        }
    }
    l.plan.err_fd = l.child_err;
    l.plan.sync_fd = l.child_sync;
    l.stacks = mmap(NULL, 2 * EXEC_STACK_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (l.stacks == MAP_FAILED) {
        r = box__error(box, errno, "exec: allocate stacks");
        goto out;
    }
    box__child_stack_fresh(l.stacks, 2 * EXEC_STACK_SIZE);
    l.plan.fork_stack = (char *)l.stacks + EXEC_STACK_SIZE;
    l.plan.fork_stack_size = EXEC_STACK_SIZE;
    t0 = box__now_ns();
    pid = start(box, &l, &pidfd);
    if (pid < 0) {
        r = pid;
        goto out;
    }
    proc->box = box;
    proc->pid = pid;
    proc->pidfd = pidfd;
    proc->start_ns = t0;
    *out = proc;
    proc = NULL;
    r = 0;
out:
    launch_release(&l);
    free(proc);
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
    if (si.si_code == CLD_EXITED) {
        st->end = BOX_END_EXITED;
        st->exit_code = si.si_status;
    } else {
        st->signal = si.si_status;
        st->end = proc->killed && si.si_status == SIGKILL ? BOX_END_KILLED : BOX_END_SIGNALED;
    }
    proc->ended = true;
    close(proc->pidfd);
    proc->pidfd = -1;
    return 0;
}

BOX_API int box_proc_wait(box_proc_t *proc, int timeout_ms, box_status_t *status)
{
    uint64_t deadline;

    if (!proc || timeout_ms < -1)
        return -EINVAL;
    deadline = box__now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
    while (!proc->ended) {
        struct pollfd p = { .fd = proc->pidfd, .events = POLLIN };
        int ms = -1, r;

        if (timeout_ms >= 0) {
            uint64_t now = box__now_ns();

            ms = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
        }
        r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r > 0) {
            if ((r = proc_reap(proc)) < 0)
                return r;
            break;
        }
        if (r == 0 && timeout_ms >= 0)
            return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
    }
    if (status)
        *status = proc->status;
    return 0;
}

BOX_API void box_proc_free(box_proc_t *proc)
{
    if (!proc)
        return;
    if (!proc->ended) {
        box_proc_kill(proc, SIGKILL);
        box_proc_wait(proc, -1, NULL);
    }
    if (proc->pidfd >= 0)
        close(proc->pidfd);
    free(proc);
}
