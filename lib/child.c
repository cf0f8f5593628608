/* The child between clone and exec.
 *
 * It shares the caller's memory (CLONE_VM, like posix_spawn) and runs on its own small
 * stack, so it may only run async-signal-safe code: raw system calls (sys.h), no malloc, no
 * stdio, no locks, no errno. Everything it needs was prepared by the parent in
 * struct box_child_args. The steps run in the order the kernel needs them; the first that
 * fails writes a struct box_child_error to the error pipe and the child exits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "child.h"
#include "sys.h"

#define BOX_EXIT_SETUP 127

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl box_clone3\n"
        ".hidden box_clone3\n"
        ".type box_clone3, @function\n"
        "box_clone3:\n"
        "    mov %rdx, %r8\n"     /* fn and arg survive the syscall in r8 and r9 */
        "    mov %rcx, %r9\n"
        "    mov $435, %eax\n"    /* __NR_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"    /* the child: outermost frame, on its new stack */
        "    mov %r9, %rdi\n"
        "    call *%r8\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"     /* exit */
        "    syscall\n"
        "    hlt\n"
        ".size box_clone3, .-box_clone3\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl box_clone3\n"
        ".hidden box_clone3\n"
        ".type box_clone3, %function\n"
        "box_clone3:\n"
        "    mov x9, x2\n"
        "    mov x10, x3\n"
        "    mov x8, #435\n"
        "    svc #0\n"
        "    cbz x0, 1f\n"
        "    ret\n"
        "1:  mov x29, xzr\n"
        "    mov x0, x10\n"
        "    blr x9\n"
        "    mov x8, #93\n"       /* exit */
        "    svc #0\n"
        ".size box_clone3, .-box_clone3\n");
#endif

/* The kernel's sigaction layout for rt_sigaction (not glibc's struct sigaction). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/* Not instrumented by AddressSanitizer: before a noreturn call ASan unpoisons the stack,
 * which on this private stack means an mmap — that fails once an RLIMIT_AS is in force,
 * and then the error record would never reach the parent. */
#define CHILD_NO_ASAN __attribute__((no_sanitize_address))

static CHILD_NO_ASAN __attribute__((noreturn)) void die(const struct box_child_args *a,
                                                        struct box_child_error *e)
{
    SYS3(SYS_write, a->err_fd, e, sizeof *e);
    for (;;)
        SYS1(SYS_exit_group, BOX_EXIT_SETUP);
}

/* The caller's signal handlers must never run here (they would run on the caller's data
 * from another process): every disposition goes back to the default. The mask stays
 * full, as the parent set it, until just before exec. */
static long reset_signals(void)
{
    struct kernel_sigaction dfl = { .handler = SIG_DFL };

    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        long r = SYS4(SYS_rt_sigaction, sig, &dfl, 0, sizeof dfl.mask);

        if (r < 0 && r != -EINVAL) /* EINVAL: glibc-internal signals (32, 33) */
            return r;
    }
    return 0;
}

static long loopback_up(void)
{
    struct ifreq ifr = { .ifr_name = "lo" };
    long s = SYS3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

    if (s < 0)
        return s;
    r = SYS3(SYS_ioctl, s, SIOCGIFFLAGS, &ifr);
    if (r >= 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = SYS3(SYS_ioctl, s, SIOCSIFFLAGS, &ifr);
    }
    SYS1(SYS_close, s);
    return r;
}

/* Give the program exactly the passed fds: first copy every source above all targets (so
 * no copy clobbers a source still needed), then dup to the target numbers, then mark every
 * other descriptor close-on-exec. The error pipe was moved above fd_high by the caller. */
static long setup_fds(const struct box_child_args *a, int *failed)
{
    const box_t *box = a->box;
    int tmp[1025];
    long r;

    for (size_t i = 0; i < box->n_fds; i++) {
        *failed = box->fds[i].target;
        r = SYS3(SYS_fcntl, box->fds[i].fd, F_DUPFD_CLOEXEC, a->fd_high);
        if (r < 0)
            return r;
        tmp[i] = (int)r;
    }
    for (size_t i = 0; i < box->n_fds; i++) {
        *failed = box->fds[i].target;
        r = SYS3(SYS_dup3, tmp[i], box->fds[i].target, 0);
        if (r < 0)
            return r;
    }
    if (box->n_fds > 0) {
        /* Targets not passed among 0..2 are closed too. */
        for (int fd = 0; fd < 3; fd++) {
            bool passed = false;

            for (size_t i = 0; i < box->n_fds; i++)
                passed |= box->fds[i].target == fd;
            if (!passed)
                SYS1(SYS_close, fd);
        }
    }
    *failed = -1;
    r = SYS3(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC);
    if (r < 0)
        return r;
    for (size_t i = 0; i < box->n_fds; i++) {
        if (box->fds[i].target >= 3) {
            *failed = box->fds[i].target;
            r = SYS3(SYS_fcntl, box->fds[i].target, F_SETFD, 0);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static long set_identity(const box_t *box, struct box_child_error *e)
{
    long r;

    /* setgroups is denied in a rootless user namespace; there the box has no groups to drop
     * (and box_spawn refused a non-empty list before clone). */
    e->step = STEP_SETGROUPS;
    r = SYS2(SYS_setgroups, box->n_groups, box->groups);
    if (r < 0 && (r != -EPERM || box->n_groups > 0))
        return r;
    e->step = STEP_SETGID;
    r = SYS3(SYS_setresgid, box->gid, box->gid, box->gid);
    if (r < 0)
        return r;
    e->step = STEP_SETUID;
    return SYS3(SYS_setresuid, box->uid, box->uid, box->uid);
}

/* Send the seccomp listener to the parent over the sync socket (SCM_RIGHTS). */
static long send_listener(const struct box_child_args *a, long fd)
{
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u = { 0 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    int ifd = (int)fd;

    u.h.cmsg_level = SOL_SOCKET;
    u.h.cmsg_type = SCM_RIGHTS;
    u.h.cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(&u.h), &ifd, sizeof ifd);
    return SYS3(SYS_sendmsg, a->sync_fd, &msg, MSG_NOSIGNAL);
}

/* Try each candidate path like execvp, keeping the most telling error: EACCES beats ENOENT. */
static long exec_program(const struct box_child_args *a, struct box_child_error *e)
{
    static const uint64_t empty = 0;
    long r, best = -ENOENT;

    SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty);
    for (size_t i = 0; i < a->n_exec_paths; i++) {
        r = SYS3(SYS_execve, a->exec_paths[i], a->argv, a->envp);
        if (r == -EACCES || (r != -ENOENT && r != -ENOTDIR && best == -ENOENT)) {
            best = r;
            e->index = (int)i;
        }
        if (r != -ENOENT && r != -ENOTDIR && r != -EACCES)
            break;
    }
    return best;
}

CHILD_NO_ASAN int box_child_main(void *arg)
{
    const struct box_child_args *a = arg;
    const box_t *box = a->box;
    struct box_child_error e = { .index = -1 };
    long r;
    char c;

    e.step = STEP_SIGNALS;
    if ((r = reset_signals()) < 0)
        goto out;

    /* The parent writes our uid/gid maps (until then we have no identity in the new user
     * namespace) and moves us into the box cgroups, then releases us. */
    e.step = STEP_WAIT_PARENT;
    r = SYS3(SYS_read, a->sync_fd, &c, 1);
    if (r == 0)
        r = -EPIPE;
    if (r < 0)
        goto out;

    /* Build the box as its root: our own uid may not be mapped in its user namespace (a
     * root caller mapping a range such as 0 -> 100000), and files made by an unmapped
     * uid fail with EOVERFLOW. Where the box has no uid/gid 0, stay as we are. */
    e.step = STEP_BOX_ROOT;
    if (box->ns & BOX_NS_USER) {
        r = SYS3(SYS_setresgid, 0, 0, 0);
        if (r >= 0 || r == -EINVAL)
            r = SYS3(SYS_setresuid, 0, 0, 0);
        if (r < 0 && r != -EINVAL)
            goto out;
    }

    /* Only now that the parent has moved us into the box cgroups may that be our root. */
    e.step = STEP_CGROUP_NS;
    if ((box->ns & BOX_NS_CGROUP) && (r = SYS1(SYS_unshare, CLONE_NEWCGROUP)) < 0)
        goto out;

    e.step = STEP_SETSID;
    if ((box->opts & BOX_OPT_NEW_SESSION) && (r = SYS0(SYS_setsid)) < 0)
        goto out;
    e.step = STEP_TIME_NS;
    if ((box->ns & BOX_NS_TIME) && (r = SYS1(SYS_unshare, CLONE_NEWTIME)) < 0)
        goto out;
    /* Offsets can be set only before any process is in the namespace: now. (The host's
     * /proc is still there: the box's root comes later.) */
    if (a->time_offsets) {
        size_t len = 0;

        box_strlcpy(e.path, "/proc/self/timens_offsets", sizeof e.path);
        while (a->time_offsets[len])
            len++;
        r = SYS3(SYS_openat, AT_FDCWD, "/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (r >= 0) {
            long fd = r;

            r = SYS3(SYS_write, fd, a->time_offsets, len);
            SYS1(SYS_close, fd);
        }
        if (r < 0)
            goto out;
        e.path[0] = '\0';
    }
    e.step = STEP_HOSTNAME;
    if ((box->ns & BOX_NS_UTS) && (r = SYS2(SYS_sethostname, box->hostname,
                                            __builtin_strlen(box->hostname))) < 0)
        goto out;
    e.step = STEP_LOOPBACK;
    if ((box->ns & BOX_NS_NET) && (r = loopback_up()) < 0)
        goto out;
    e.step = STEP_NET;
    if ((r = box_net_child(a)) < 0)
        goto out;

    if (box->ns & BOX_NS_MNT) {
        if ((r = box_child_mounts(a, &e)) < 0)
            goto out;
    }

    e.step = STEP_CHDIR;
    box_strlcpy(e.path, box->cwd, sizeof e.path);
    if ((r = SYS1(SYS_chdir, box->cwd)) < 0)
        goto out;
    e.path[0] = '\0';

    e.step = STEP_RLIMIT;
    for (int i = 0; i <= BOX_LIMIT_CPU; i++) {
        e.index = i;
        if (a->rlimit_resource[i] >= 0 &&
            (r = SYS4(SYS_prlimit64, 0, a->rlimit_resource[i], &a->rlimits[i], 0)) < 0)
            goto out;
    }
    e.index = -1;

    /* Capabilities (caps.c): shrink the bounding set while we still may, switch ids,
     * then set what the program keeps. */
    e.step = STEP_CAPS;
    if ((r = box_caps_bounding_child(a, &e.index)) < 0)
        goto out;
    if ((r = set_identity(box, &e)) < 0)
        goto out;
    e.step = STEP_CAPS;
    if ((r = box_caps_apply_child(a, &e.index)) < 0)
        goto out;

    /* The kernel clears the parent-death signal at every change of credentials, so it is
     * set after the last one. A parent that died before that is seen as the end of the
     * sync socket: then nothing would kill us later, so we go now. */
    e.step = STEP_PDEATHSIG;
    if (box->opts & BOX_OPT_DIE_WITH_PARENT) {
        if ((r = SYS2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0)
            goto out;
        if (SYS6(SYS_recvfrom, a->sync_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT, 0, 0) == 0)
            SYS1(SYS_exit_group, BOX_EXIT_SETUP);
    }

    /* A setuid binary in the box must not gain privileges. */
    e.step = STEP_NO_NEW_PRIVS;
    if (!(box->opts & BOX_OPT_ALLOW_NEW_PRIVS) &&
        (r = SYS5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0)
        goto out;

    /* Landlock needs no_new_privs; the paths are opened inside the box (landlock.c). */
    e.step = STEP_LANDLOCK;
    if ((r = box_landlock_apply_child(a, &e)) < 0)
        goto out;

    e.step = STEP_FDS;
    if ((r = setup_fds(a, &e.index)) < 0)
        goto out;
    e.index = -1;

    /* BOX_OPT_HOLD: the box is built; tell the parent and wait for box_start. An EOF
     * instead means the box was freed. */
    e.step = STEP_HOLD;
    if (box->opts & BOX_OPT_HOLD) {
        struct box_child_error ready = { .step = STEP_HOLD, .err = 0, .index = -1 };

        if ((r = SYS3(SYS_write, a->err_fd, &ready, sizeof ready)) < 0)
            goto out;
        r = SYS3(SYS_read, a->sync_fd, &c, 1);
        if (r == 0)
            r = -EPIPE;
        if (r < 0)
            goto out;
    }

    /* Last, so that no setup step runs under the filter (seccomp.c). */
    e.step = STEP_SECCOMP;
    if (a->seccomp_filter) {
        struct sock_fprog prog = { .len = a->seccomp_len, .filter = a->seccomp_filter };

        r = SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                 a->seccomp_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
        if (r < 0)
            goto out;
        /* BOX_SECCOMP_NOTIFY: the listener goes to the parent (box_seccomp_notify_fd). */
        if (a->seccomp_listener) {
            long listener = r;

            r = send_listener(a, listener);
            SYS1(SYS_close, listener);
            if (r < 0)
                goto out;
        }
    }
    /* The caller's own BPF program (box_seccomp_load_bpf), on top of ours. */
    if (a->seccomp_user) {
        struct sock_fprog prog = { .len = a->seccomp_user_len, .filter = a->seccomp_user };

        box_strlcpy(e.path, "(box_seccomp_load_bpf)", sizeof e.path);
        if ((r = SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) < 0)
            goto out;
        e.path[0] = '\0';
    }

    e.step = STEP_EXEC;
    if (a->init_fd >= 0) {
        /* box-init execs the program itself and reports through the error pipe, so the
         * pipe must survive this exec. */
        static const uint64_t empty = 0;

        box_strlcpy(e.path, "box-init", sizeof e.path);
        SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty);
        if ((r = SYS3(SYS_fcntl, a->err_fd, F_SETFD, 0)) >= 0)
            r = SYS5(SYS_execveat, a->init_fd, "", a->init_argv, a->envp, AT_EMPTY_PATH);
        goto out;
    }
    r = exec_program(a, &e);
out:
    e.err = (int)-r;
    die(a, &e);
}
