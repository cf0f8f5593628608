/* The monitor: libbox's own process between the caller and the box, which makes the box's
 * status the library's and not the caller's to lose.
 *
 * A child that execs gets SIGCHLD as its exit signal again (the kernel resets it at exec),
 * so the caller's SIGCHLD handling would see the box's first process: SIGCHLD set to
 * SIG_IGN or SA_NOCLDWAIT reaps it automatically, a handler reaping with waitpid(-1) or a
 * thread blocked in waitpid(-1) takes its status, and box_wait is left with ECHILD. The
 * monitor never execs: the caller clones it with exit signal 0 and CLONE_VM (cheap, like
 * the box itself), so the kernel neither signals nor auto-reaps it and waitpid(-1) without
 * __WALL does not see it. The monitor clones the box's first process, hands the caller its
 * pid and pidfd over the sync socket, closes every other fd it inherited, waits for it and
 * writes its status and rusage to the status pipe before it exits itself. Whoever reaps the
 * monitor, the record is already in the pipe (wait.c reads it).
 *
 * The monitor shares the caller's memory while the box runs, so it lives outside the box:
 * in the caller's namespaces and cgroup, with the caller's credentials, where no process of
 * the box can see it, let alone ptrace it. Like the child it runs only raw system calls on
 * its own stack, with every signal blocked (the caller's handlers must never run here). */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "child.h"
#include "sys.h"

#if defined(__x86_64__)
/* rdi flags, rsi stack_top, rdx pidfd (clone's parent_tid), rcx fn, r8 arg: r8 is clone's
 * tls argument, unused without CLONE_SETTLS, and like r9 survives into the child. */
__asm__(".text\n"
        ".globl box__clone_legacy\n"
        ".hidden box__clone_legacy\n"
        ".type box__clone_legacy, @function\n"
        "box__clone_legacy:\n"
        "    mov %rcx, %r9\n"
        "    xor %r10d, %r10d\n"  /* child_tid: unused */
        "    mov $56, %eax\n"     /* __NR_clone */
        BOX_CLONE_TAIL("r9", "r8")
        ".size box__clone_legacy, .-box__clone_legacy\n");
#elif defined(__aarch64__)
/* x0 flags, x1 stack_top, x2 pidfd (parent_tid), x3 fn, x4 arg; clone wants tls in x3 and
 * child_tid in x4, both unused here. */
__asm__(".text\n"
        ".globl box__clone_legacy\n"
        ".hidden box__clone_legacy\n"
        ".type box__clone_legacy, %function\n"
        "box__clone_legacy:\n"
        "    mov x9, x3\n"
        "    mov x10, x4\n"
        "    mov x3, xzr\n"
        "    mov x4, xzr\n"
        "    mov x8, #220\n"      /* __NR_clone */
        BOX_CLONE_TAIL("x9", "x10")
        ".size box__clone_legacy, .-box__clone_legacy\n");
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* See child.c: no ASan stack handling on a private stack. */
#define MONITOR_NO_ASAN __attribute__((no_sanitize_address))

/* Clone the box's first process: with a v2 box cgroup right into it (clone3,
 * CLONE_INTO_CGROUP, Linux 5.7), so that it never runs outside; without clone3 (ENOSYS,
 * or EINVAL/E2BIG from an older kernel or a seccomp filter around the caller) with
 * clone(2), and the caller moves it. The monitor calls it, and box_spawn itself with
 * BOX_OPT_NO_MONITOR. */
MONITOR_NO_ASAN long box__clone_first(const struct box_monitor *m, int *pidfd, int *placed)
{
    struct box_clone_args ca = {
        .flags = m->clone_flags,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .stack = (uint64_t)(uintptr_t)m->stack,
        .stack_size = m->stack_size,
    };
    long r;

    if (m->cgroup_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)m->cgroup_fd;
        r = box__clone3(&ca, sizeof ca, box__child_main, m->plan);
        if (r >= 0)
            *placed = 1;
        if (r >= 0 || (r != -ENOSYS && r != -EINVAL && r != -E2BIG))
            return r;
        ca.flags &= ~CLONE_INTO_CGROUP;
        ca.cgroup = 0;
    }
    r = box__clone3(&ca, offsetof(struct box_clone_args, set_tid), box__child_main, m->plan);
    if (r != -ENOSYS && r != -EINVAL && r != -E2BIG)
        return r;
    return box__clone_legacy(m->clone_flags, (char *)m->stack + m->stack_size, pidfd,
                            box__child_main, m->plan);
}

/* fork_twice: the middle process saw the box's process under the number of its own pid
 * namespace, the joined one. Ours is in our list of children, where, with the first and
 * the middle process reaped, it is the only one. Returns its pid or -errno. */
static MONITOR_NO_ASAN long only_child(void)
{
    char path[64] = "/proc/self/task/", buf[32];
    size_t n = 16;
    long fd, len, pid = 0;

    n += box__fmt_ulong(path + n, (unsigned long)SYS0(SYS_gettid));
    __builtin_memcpy(path + n, "/children", 10);
    fd = SYS3(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fd;
    len = SYS3(SYS_read, fd, buf, sizeof buf - 1);
    SYS1(SYS_close, fd);
    for (long i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
        pid = pid * 10 + (buf[i] - '0');
    return len > 0 && pid > 0 ? pid : -ESRCH;
}

/* A plan that forks (box_join_namespace): the first process joined the namespaces, made
 * the box's process as our child (CLONE_PARENT) and exited (with fork_twice through a
 * middle process in the joined pid namespace, also our child). Reap them and take the box's
 * process: its pid from the shared scratch, a pidfd (our unreaped child, so the pid
 * cannot be another's). Returns its pid, or 0 when the first process failed (its record
 * is on the error pipe), or -errno. */
static MONITOR_NO_ASAN long take_forked(const struct box_monitor *m, long first, int *pidfd)
{
    siginfo_t si;
    long r, pid;

    do
        r = SYS5(SYS_waitid, P_PID, first, &si, WEXITED | __WALL, 0);
    while (r == -EINTR);
    if (r < 0)
        return r;
    if (m->plan->fork_twice) { /* the middle process made the box's: reap it too */
        pid = m->plan->resume->middle;
        if (si.si_code != CLD_EXITED || si.si_status != 0 || pid <= 0)
            return 0;
        do
            r = SYS5(SYS_waitid, P_PID, pid, &si, WEXITED | __WALL, 0);
        while (r == -EINTR);
        if (r < 0)
            return r;
    }
    pid = m->plan->resume->pid;
    if (si.si_code != CLD_EXITED || si.si_status != 0 || pid <= 0)
        return 0;
    if (m->plan->fork_twice && (pid = only_child()) < 0)
        return pid;
    r = SYS2(SYS_pidfd_open, pid, 0);
    if (r < 0) {
        SYS2(SYS_kill, pid, SIGKILL);
        SYS5(SYS_waitid, P_PID, pid, &si, WEXITED | __WALL, 0);
        return r;
    }
    *pidfd = (int)r;
    return pid;
}

/* The report with the pidfd attached. */
static MONITOR_NO_ASAN long send_report(int sock, const struct box_monitor_msg *msg, int pidfd)
{
    struct iovec iov = { .iov_base = (void *)msg, .iov_len = sizeof *msg };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u = { 0 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (pidfd >= 0) {
        u.h.cmsg_level = SOL_SOCKET;
        u.h.cmsg_type = SCM_RIGHTS;
        u.h.cmsg_len = CMSG_LEN(sizeof(int));
        __builtin_memcpy(CMSG_DATA(&u.h), &pidfd, sizeof pidfd);
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof u.buf;
    }
    return SYS3(SYS_sendmsg, sock, &mh, MSG_NOSIGNAL);
}

/* Close every fd but the (up to three, -1 for none) that the monitor keeps. */
static MONITOR_NO_ASAN void close_all_but(int a, int b, int c)
{
    int keep[3] = { a, b, c }, t;
    unsigned int from = 0;

    for (int i = 0; i < 3; i++) /* sort: a gap below each kept fd is closed */
        for (int j = i + 1; j < 3; j++)
            if (keep[j] < keep[i])
                t = keep[i], keep[i] = keep[j], keep[j] = t;
    for (int i = 0; i < 3; i++) {
        if (keep[i] < 0 || (unsigned int)keep[i] < from)
            continue;
        if ((unsigned int)keep[i] > from)
            SYS3(SYS_close_range, from, keep[i] - 1, 0);
        from = (unsigned int)keep[i] + 1;
    }
    SYS3(SYS_close_range, from, ~0u, 0);
}

/* BOX_OPT_DIE_WITH_PARENT: the box dies with the caller's process, not with the thread
 * that spawned it. A parent-death signal would follow that thread (the kernel sends it
 * when the parent thread exits, though the process lives on: a thread pool's, a Python
 * thread's spawn would lose its box), so we watch a pidfd of the caller's thread group
 * instead, opened by the caller before it cloned us: it becomes readable only once every
 * thread of the process is gone, and at once if that happened before we got here (no
 * window to close). Then the box is killed (its first process; with a pid namespace that
 * is all of it) and waitid reaps it. Returns when the box ended first. */
static MONITOR_NO_ASAN void watch_parent(int parent_pidfd, int pidfd)
{
    struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
                           { .fd = parent_pidfd, .events = POLLIN } };
    long r;

    do
        r = SYS5(SYS_ppoll, p, 2, 0, 0, 0);
    while (r == -EINTR);
    if (r > 0 && !(p[0].revents & POLLIN) && p[1].revents)
        SYS4(SYS_pidfd_send_signal, pidfd, SIGKILL, 0, 0);
}

/* The kernel's sigaction layout for rt_sigaction. */
struct monitor_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

MONITOR_NO_ASAN int box__monitor_main(void *arg)
{
    static const struct monitor_sigaction dfl = { .handler = SIG_DFL };
    const struct box_monitor *m = arg;
    struct box_monitor_msg msg = { 0 };
    struct box_exit_record rec = { .source = BOX_RECORD_FIRST };
    siginfo_t si;
    int pidfd = -1, status_fd = m->status_fd, parent_pidfd = m->parent_pidfd;
    bool detach = m->detach;
    long r;

    /* We copied the caller's dispositions: SIGCHLD ignored or SA_NOCLDWAIT would have the
     * kernel reap the first process for us, status and all. (Every signal stays blocked,
     * so no other disposition matters here.) */
    SYS4(SYS_rt_sigaction, SIGCHLD, &dfl, 0, sizeof dfl.mask);
    r = box__clone_first(m, &pidfd, &msg.placed);
    if (r >= 0 && m->plan->fork && (r = take_forked(m, r, &pidfd)) == 0) {
        msg.setup_failed = 1;
        r = -1;
    } else if (r < 0) {
        msg.err = (int)-r;
    } else {
        msg.pid = (pid_t)r;
    }
    /* After this the caller may free m: only locals from here on. */
    send_report(m->sync_fd, &msg, pidfd);
    /* Nothing of the caller's stays open here while the box runs. */
    close_all_but(status_fd, parent_pidfd, pidfd);
    if (r < 0)
        SYS1(SYS_exit_group, 1);
    /* BOX_OPT_DETACH: the box is not the caller's; our exit hands it to the nearest
     * subreaper (the kernel sets its exit signal to SIGCHLD), and box-init records its
     * end in the state directory. */
    if (detach)
        SYS1(SYS_exit_group, 0);
    if (parent_pidfd >= 0)
        watch_parent(parent_pidfd, pidfd);
    do
        r = SYS5(SYS_waitid, P_PID, msg.pid, &si, WEXITED | __WALL, &rec.ru);
    while (r == -EINTR);
    if (r < 0)
        SYS1(SYS_exit_group, 1);
    rec.code = si.si_code;
    rec.status = si.si_status;
    SYS3(SYS_write, status_fd, &rec, sizeof rec);
    SYS1(SYS_exit_group, 0);
    return 0;
}
