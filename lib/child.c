/* The child between clone and exec: the runner of the step table (child.h) and the steps
 * that belong to no other module (signals, the handshakes, identity, fds, exec).
 *
 * It shares the caller's memory (CLONE_VM, like posix_spawn) and runs on its own small
 * stack, so it may only run async-signal-safe code: raw system calls (sys.h), no malloc, no
 * stdio, no locks, no errno. Everything it needs is in the frozen plan (plan.h) the parent
 * built. The steps run in table order, each if the plan sets its bit; the first that fails
 * writes a struct box_child_error to the error pipe and the child exits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
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
        ".globl box__clone3\n"
        ".hidden box__clone3\n"
        ".type box__clone3, @function\n"
        "box__clone3:\n"
        "    mov %rdx, %r8\n"     /* fn and arg survive the syscall in r8 and r9 */
        "    mov %rcx, %r9\n"
        "    mov $435, %eax\n"    /* __NR_clone3 */
        BOX_CLONE_TAIL("r8", "r9")
        ".size box__clone3, .-box__clone3\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl box__clone3\n"
        ".hidden box__clone3\n"
        ".type box__clone3, %function\n"
        "box__clone3:\n"
        "    mov x9, x2\n"
        "    mov x10, x3\n"
        "    mov x8, #435\n"      /* __NR_clone3 */
        BOX_CLONE_TAIL("x9", "x10")
        ".size box__clone3, .-box__clone3\n");
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

static const char *const step_names[STEP_COUNT] = {
#define STEP_NAME(id, fn, public, module, lists, name, when) [STEP_##id] = name,
    BOX_STEPS(STEP_NAME)
#undef STEP_NAME
};

static const char *const step_ids[STEP_COUNT] = {
#define STEP_ID(id, fn, public, module, lists, name, when) [STEP_##id] = #id,
    BOX_STEPS(STEP_ID)
#undef STEP_ID
};

static const char *const step_functions[STEP_COUNT] = {
#define STEP_FUNCTION(id, fn, public, module, lists, name, when) [STEP_##id] = #fn,
    BOX_STEPS(STEP_FUNCTION)
#undef STEP_FUNCTION
};

static const char *const step_public_ids[STEP_COUNT] = {
#define STEP_PUBLIC(id, fn, public, module, lists, name, when) [STEP_##id] = public,
    BOX_STEPS(STEP_PUBLIC)
#undef STEP_PUBLIC
};

static const char *const step_modules[STEP_COUNT] = {
#define STEP_MODULE(id, fn, public, module, lists, name, when) [STEP_##id] = #module,
    BOX_STEPS(STEP_MODULE)
#undef STEP_MODULE
};

static const char *const step_whens[STEP_COUNT] = {
#define STEP_WHEN(id, fn, public, module, lists, name, when) [STEP_##id] = #when,
    BOX_STEPS(STEP_WHEN)
#undef STEP_WHEN
};

static const int step_lists[STEP_COUNT] = {
#define STEP_LISTS(id, fn, public, module, lists, name, when) [STEP_##id] = BOX_LIST_##lists,
    BOX_STEPS(STEP_LISTS)
#undef STEP_LISTS
};

static box__step_fn *const step_fns[STEP_COUNT] = {
#define STEP_FN(id, fn, public, module, lists, name, when) [STEP_##id] = box__step_##fn,
    BOX_STEPS(STEP_FN)
#undef STEP_FN
};

const char *box__step_name(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_names[step] : "?";
}

const char *box__step_id(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_ids[step] : "?";
}

const char *box__step_function(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_functions[step] : "?";
}

const char *box__step_public_id(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_public_ids[step] : "";
}

int box__step_lists(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_lists[step] : 0;
}

const char *box__step_module(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_modules[step] : "?";
}

const char *box__step_when(int step)
{
    return step >= 0 && step < STEP_COUNT ? step_whens[step] : "?";
}

/* The caller's signal handlers must never run here (they would run on the caller's data
 * from another process): every disposition goes back to the default. The mask stays
 * full, as the parent set it, until just before exec. */
long box__step_signals(const struct box_plan *p, struct box_child *c)
{
    struct kernel_sigaction dfl = { .handler = SIG_DFL };

    (void)c;
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        long r = SYS4(SYS_rt_sigaction, sig, &dfl, 0, sizeof dfl.mask);

        if (r < 0 && r != -EINVAL) /* EINVAL: glibc-internal signals (32, 33) */
            return r;
    }
    /* Our copies of the parent's ends: with them we would never see it go away. */
    for (size_t i = 0; i < p->n_parent_fds; i++)
        SYS1(SYS_close, p->parent_fds[i]);
    return 0;
}

/* Is fd one the steps before FDS still need: a passed fd's source, one of our channels, a
 * box_mount_fd source? */
static bool needed_early(const struct box_plan *p, long fd)
{
    if (fd == p->sync_fd || fd == p->err_fd || fd == p->init_fd || fd == p->status_fd ||
        fd == p->hold_fd)
        return true;
    for (size_t i = 0; i < p->n_fds; i++)
        if (p->fds[i].fd == fd)
            return true;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].source_fd == fd)
            return true;
    return false;
}

/* BOX_OPT_CALLER_MAPS: the caller acts while we wait for our maps (it reads bwrap's
 * --info-fd to its end, then writes them), so nothing of its own that the box is not
 * given may stay open here until the FDS step: a pipe we held would never end. */
long box__step_close_early(const struct box_plan *p, struct box_child *c)
{
    long top = p->sync_fd; /* the highest fd we keep */

    (void)c;
    if (p->err_fd > top)
        top = p->err_fd;
    if (p->init_fd > top)
        top = p->init_fd;
    if (p->status_fd > top)
        top = p->status_fd;
    if (p->hold_fd > top)
        top = p->hold_fd;
    for (size_t i = 0; i < p->n_fds; i++)
        if (p->fds[i].fd > top)
            top = p->fds[i].fd;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].source_fd > top)
            top = p->mounts[i].source_fd;
    for (long fd = 3; fd < top; fd++)
        if (!needed_early(p, fd))
            SYS1(SYS_close, fd);
    return SYS3(SYS_close_range, top + 1, ~0u, 0);
}

/* sync 1: the parent writes our uid/gid maps (until then we have no identity in the new
 * user namespace) and moves us into the box cgroups, then releases us. */
long box__step_wait_parent(const struct box_plan *p, struct box_child *c)
{
    char byte;
    long r = SYS3(SYS_read, p->sync_fd, &byte, 1);

    (void)c;
    return r == 0 ? -EPIPE : r < 0 ? r : 0;
}

/* Move ourselves into the box's v1 cgroups, before anything of the box runs: "0" is the
 * writer itself (plan.h: why the parent does not move us by pid). */
long box__step_cgroup_join(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    for (size_t i = 0; i < p->n_cgroup_tasks; i++) {
        long r = SYS3(SYS_write, p->cgroup_tasks_fd[i], "0", 1);

        if (r < 0)
            return r;
    }
    return 0;
}

/* Build the box as its root: our own uid may not be mapped in its user namespace (a root
 * caller mapping a range such as 0 -> 100000), and files made by an unmapped uid fail with
 * EOVERFLOW. Where the box has no uid/gid 0, stay as we are. */
long box__step_box_root(const struct box_plan *p, struct box_child *c)
{
    long r = SYS3(SYS_setresgid, 0, 0, 0);

    (void)p, (void)c;
    if (r >= 0 || r == -EINVAL)
        r = SYS3(SYS_setresuid, 0, 0, 0);
    return r < 0 && r != -EINVAL ? r : 0;
}

/* Only now that the parent has moved us into the box cgroups may that be our root. */
long box__step_cgroup_ns(const struct box_plan *p, struct box_child *c)
{
    (void)p, (void)c;
    return SYS1(SYS_unshare, CLONE_NEWCGROUP);
}

long box__step_setsid(const struct box_plan *p, struct box_child *c)
{
    long r = SYS0(SYS_setsid);

    (void)p, (void)c;
    return r < 0 ? r : 0;
}

/* Offsets can be set only before any process is in the namespace: now. (The host's /proc
 * is still there: the box's root comes later.) */
long box__step_time_ns(const struct box_plan *p, struct box_child *c)
{
    long r = SYS1(SYS_unshare, CLONE_NEWTIME), fd;
    size_t len = 0;

    if (r < 0 || !p->time_offsets)
        return r;
    box__strlcpy(c->e.path, "/proc/self/timens_offsets", sizeof c->e.path);
    while (p->time_offsets[len])
        len++;
    fd = SYS3(SYS_openat, AT_FDCWD, "/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fd;
    r = SYS3(SYS_write, fd, p->time_offsets, len);
    SYS1(SYS_close, fd);
    return r < 0 ? r : 0;
}

long box__step_hostname(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return SYS2(SYS_sethostname, p->hostname, __builtin_strlen(p->hostname));
}

/* Before WAIT_PARENT, as is HOSTNAME: neither needs the maps or the cgroups (the
 * namespaces' capabilities are ours from clone on), and the kernel's bringing lo up (70-100
 * us here) then overlaps the parent's writing of the maps instead of following it. */
long box__step_loopback(const struct box_plan *p, struct box_child *c)
{
    struct ifreq ifr = { .ifr_name = "lo" };
    long s = SYS3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

    (void)p, (void)c;
    if (s < 0)
        return s;
    r = SYS3(SYS_ioctl, s, SIOCGIFFLAGS, &ifr);
    if (r >= 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = SYS3(SYS_ioctl, s, SIOCSIFFLAGS, &ifr);
    }
    SYS1(SYS_close, s);
    return r < 0 ? r : 0;
}

/* Enter the working directory from the root without following magic links, so that a
 * /proc/self/fd/N naming a directory outside the box cannot become the program's cwd. The
 * candidates are tried in order (box_try_cwd); box_set_cwd's one must work. */
long box__step_chdir(const struct box_plan *p, struct box_child *c)
{
    struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    long root = SYS3(SYS_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC), r = -ENOENT;
    const char *one[2] = { p->cwd, NULL }; /* a plan without a list: cwd, required */
    const char *const *list = p->cwd_list ? p->cwd_list : one;
    bool required = !p->cwd_list || p->cwd_required;

    if (root < 0)
        return root;
    for (size_t i = 0; list[i]; i++) {
        long fd = SYS4(SYS_openat2, root, list[i], &how, sizeof how);

        box__strlcpy(c->e.path, list[i], sizeof c->e.path);
        r = fd < 0 ? fd : SYS1(SYS_fchdir, fd);
        if (fd >= 0)
            SYS1(SYS_close, fd);
        if (r == 0) {
            if (p->pwd_slot)
                *p->pwd_slot = p->pwd_values[i];
            break;
        }
        if (required)
            break;
    }
    SYS1(SYS_close, root);
    return r;
}

/* BOX_OPT_NO_USERNS writes to the host's /proc after the root is gone: open it now. */
long box__step_host_proc(const struct box_plan *p, struct box_child *c)
{
    (void)p;
    box__strlcpy(c->e.path, "/proc", sizeof c->e.path);
    c->host_proc = SYS3(SYS_openat, AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    return c->host_proc < 0 ? c->host_proc : 0;
}

static long write_proc(long proc, const char *name, const char *data, size_t len)
{
    long fd = SYS3(SYS_openat, proc, name, O_WRONLY | O_CLOEXEC), r;

    if (fd < 0)
        return fd;
    r = SYS3(SYS_write, fd, data, len);
    SYS1(SYS_close, fd);
    return r < 0 ? r : 0;
}

/* "ID ID 1": a uid or gid mapped onto itself. */
static long map_self(long proc, const char *name, unsigned long id)
{
    char line[48];
    size_t n = box__fmt_ulong(line, id);

    line[n++] = ' ';
    n += box__fmt_ulong(line + n, id);
    line[n++] = ' ';
    line[n++] = '1';
    return write_proc(proc, name, line, n);
}

/* BOX_OPT_NO_USERNS: allow one user namespace below the box's, take it ourselves as the
 * program's uid/gid (mapped onto themselves), so the program runs where it can make none
 * and cannot lift the limit, which belongs to the namespace above. BOX_OPT_ASSERT_NO_USERNS
 * (and NO_USERNS): check that a new one fails. */
long box__step_userns(const struct box_plan *p, struct box_child *c)
{
    long r;

    if (p->no_userns) {
        box__strlcpy(c->e.path, "/proc/sys/user/max_user_namespaces", sizeof c->e.path);
        r = write_proc(c->host_proc, "sys/user/max_user_namespaces", "1", 1);
        if (r < 0)
            return r;
        c->e.path[0] = '\0';
        r = SYS2(SYS_setgroups, 0, 0);
        if (r < 0 && r != -EPERM)
            return r;
        if ((r = SYS3(SYS_setresgid, p->gid, p->gid, p->gid)) < 0 ||
            (r = SYS3(SYS_setresuid, p->uid, p->uid, p->uid)) < 0 ||
            (r = SYS1(SYS_unshare, CLONE_NEWUSER)) < 0 ||
            (r = map_self(c->host_proc, "self/uid_map", p->uid)) < 0 ||
            (r = write_proc(c->host_proc, "self/setgroups", "deny", 4)) < 0 ||
            (r = map_self(c->host_proc, "self/gid_map", p->gid)) < 0)
            return r;
        SYS1(SYS_close, c->host_proc);
        c->host_proc = -1;
    }
    if (SYS1(SYS_unshare, CLONE_NEWUSER) == 0) {
        box__strlcpy(c->e.path, "userns", sizeof c->e.path);
        return -EEXIST;
    }
    return 0;
}

long box__step_rlimit(const struct box_plan *p, struct box_child *c)
{
    long r;

    for (int i = 0; i < BOX_RLIMITS; i++) {
        c->e.index = i;
        if (p->rlimit_resource[i] >= 0 &&
            (r = SYS4(SYS_prlimit64, 0, p->rlimit_resource[i], &p->rlimits[i], 0)) < 0)
            return r;
    }
    return 0;
}

/* setgroups is denied in a rootless user namespace; there the box has no groups to drop
 * (and box_spawn refused a non-empty list before clone). */
long box__step_setgroups(const struct box_plan *p, struct box_child *c)
{
    long r = SYS2(SYS_setgroups, p->n_groups, p->groups);

    (void)c;
    return r < 0 && (r != -EPERM || p->n_groups > 0) ? r : 0;
}

long box__step_setgid(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return SYS3(SYS_setresgid, p->gid, p->gid, p->gid);
}

long box__step_setuid(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return SYS3(SYS_setresuid, p->uid, p->uid, p->uid);
}

/* The kernel clears the parent-death signal at every change of credentials, so it is set
 * after the last one. A parent that died before that is seen as the end of the sync
 * socket: then nothing would kill us later, so we go now. */
long box__step_pdeathsig(const struct box_plan *p, struct box_child *c)
{
    char byte;
    long r = SYS2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);

    (void)c;
    if (r < 0)
        return r;
    if (SYS6(SYS_recvfrom, p->sync_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT, 0, 0) == 0)
        SYS1(SYS_exit_group, BOX_EXIT_SETUP);
    return 0;
}

/* A setuid binary in the box must not gain privileges (and Landlock and an unprivileged
 * seccomp filter need this). */
long box__step_no_new_privs(const struct box_plan *p, struct box_child *c)
{
    (void)p, (void)c;
    return SYS5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Close every fd but the passed targets and our own channels (all at fd_high or above):
 * nothing else of the caller's may stay open in the box, not even until exec, since a held
 * box waits for box_start with what it has. */
static long close_others(const struct box_plan *p)
{
    int keep[] = { p->err_fd, p->sync_fd, p->init_fd, p->status_fd, p->hold_fd };
    int from = 3;
    long r;

    for (int fd = 3; fd < p->fd_high; fd++) {
        bool passed = false;

        for (size_t i = 0; i < p->n_fds && !passed; i++)
            passed = p->fds[i].target == fd;
        if (!passed)
            continue;
        if (from < fd && (r = SYS3(SYS_close_range, from, fd - 1, 0)) < 0)
            return r;
        from = fd + 1;
    }
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) /* sort: at most six */
        for (size_t j = i + 1; j < sizeof keep / sizeof keep[0]; j++)
            if (keep[j] < keep[i]) {
                int t = keep[i];

                keep[i] = keep[j];
                keep[j] = t;
            }
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        if (keep[i] < from)
            continue;
        if (from < keep[i] && (r = SYS3(SYS_close_range, from, keep[i] - 1, 0)) < 0)
            return r;
        from = keep[i] + 1;
    }
    return SYS3(SYS_close_range, from, ~0u, 0);
}

/* Give the program exactly the passed fds: first copy every source above all targets (so
 * no copy clobbers a source still needed), then dup to the target numbers (without
 * close-on-exec), then close everything else. Our own channels were put above fd_high by
 * the parent and are close-on-exec. */
long box__step_fds(const struct box_plan *p, struct box_child *c)
{
    int tmp[1025];
    long r;

    for (size_t i = 0; i < p->n_fds; i++) {
        c->e.index = p->fds[i].target;
        r = SYS3(SYS_fcntl, p->fds[i].fd, F_DUPFD_CLOEXEC, p->fd_high);
        if (r < 0)
            return r;
        tmp[i] = (int)r;
    }
    for (size_t i = 0; i < p->n_fds; i++) {
        c->e.index = p->fds[i].target;
        r = SYS3(SYS_dup3, tmp[i], p->fds[i].target, 0);
        if (r < 0)
            return r;
    }
    if (p->n_fds > 0 && !p->tty) {
        /* Targets not passed among 0..2 are closed too (with a tty they are the tty). */
        for (int fd = 0; fd < 3; fd++) {
            bool passed = false;

            for (size_t i = 0; i < p->n_fds; i++)
                passed |= p->fds[i].target == fd;
            if (!passed)
                SYS1(SYS_close, fd);
        }
    }
    c->e.index = -1;
    return close_others(p);
}

/* BOX_OPT_HOLD, sync 2: the box is built; tell the parent (a record with err 0) and wait
 * for box_start. An EOF instead means the box was freed. */
/* box_lock_file: open each file in the box and hold a shared OFD lock on it through exec
 * (the descriptor is duplicated without close-on-exec onto a number nothing uses: after
 * the fd shuffle, so that it cannot close it). */
long box__step_lock_files(const struct box_plan *p, struct box_child *c)
{
    struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
    long r = 0;

    for (size_t i = 0; i < p->n_lock_files && r >= 0; i++) {
        long fd = SYS3(SYS_openat, AT_FDCWD, p->lock_files[i], O_RDONLY | O_CLOEXEC);

        c->e.index = (int)i;
        box__strlcpy(c->e.path, p->lock_files[i], sizeof c->e.path);
        r = fd < 0 ? fd : SYS3(SYS_fcntl, fd, F_OFD_SETLK, &lk);
        if (r >= 0)
            r = SYS3(SYS_fcntl, fd, F_DUPFD, 3);
        if (fd >= 0)
            SYS1(SYS_close, fd);
    }
    return r < 0 ? r : 0;
}

long box__step_hold(const struct box_plan *p, struct box_child *c)
{
    struct box_child_error ready = { .step = STEP_HOLD, .err = 0, .index = -1 };
    long r, conn;

    if (p->hold_fd < 0)
        return box__child_ready(p->err_fd, p->sync_fd, STEP_HOLD);
    /* BOX_OPT_DETACH: any process may start us by connecting to the state directory's
     * "start" socket, and what we report from here on (an error record, or EOF at exec)
     * goes to that connection, which the starter reads. box_spawn hears that we wait
     * (the ready record on err_fd, as without DETACH) and returns. */
    if ((r = SYS3(SYS_write, p->err_fd, &ready, sizeof ready)) < 0)
        return r;
    box__strlcpy(c->e.path, "start", sizeof c->e.path);
    do
        conn = SYS4(SYS_accept4, p->hold_fd, NULL, NULL, SOCK_CLOEXEC);
    while (conn == -EINTR);
    if (conn < 0)
        return conn;
    /* No second starter queues behind the first (it is refused): the listener goes now. */
    SYS1(SYS_close, p->hold_fd);
    r = SYS3(SYS_dup3, conn, p->err_fd, O_CLOEXEC);
    SYS1(SYS_close, conn);
    c->e.path[0] = '\0';
    return r < 0 ? r : 0;
}

/* Try each candidate path like execvp, keeping the most telling error: EACCES beats ENOENT.
 * With BOX_OPT_INIT, box-init execs the program itself and reports through the error pipe,
 * so the pipe must survive this exec. */
long box__step_exec(const struct box_plan *p, struct box_child *c)
{
    static const uint64_t empty = 0;
    long r, best = -ENOENT;

    SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty);
    if (p->init_fd >= 0) {
        box__strlcpy(c->e.path, "box-init", sizeof c->e.path);
        if ((r = SYS3(SYS_fcntl, p->err_fd, F_SETFD, 0)) >= 0 &&
            (r = SYS3(SYS_fcntl, p->status_fd, F_SETFD, 0)) >= 0)
            r = SYS5(SYS_execveat, p->init_fd, "", p->init_argv, p->envp, AT_EMPTY_PATH);
        return r;
    }
    for (size_t i = 0; i < p->n_exec_paths; i++) {
        r = SYS3(SYS_execve, p->exec_paths[i], p->argv, p->envp);
        if (r == -EACCES || (r != -ENOENT && r != -ENOTDIR && best == -ENOENT)) {
            best = r;
            c->e.index = (int)i;
        }
        if (r != -ENOENT && r != -ENOTDIR && r != -EACCES)
            break;
        /* The program is there, its interpreter is not: e.path names the interpreter. */
        if (r == -ENOENT && best == -ENOENT &&
            box__missing_interp(p->exec_paths[i], c->e.path, sizeof c->e.path)) {
            c->e.index = (int)i;
            break;
        }
    }
    return best;
}

/* The steps, in table order from `from`. A step that returns (only EXEC may not, on
 * success) with an error ends the child: the record goes to the parent, then exit. */
static CHILD_NO_ASAN __attribute__((noreturn)) void run_steps(const struct box_plan *p,
                                                               int from)
{
    struct box_child c = { .root_fd = -1, .host_proc = -1, .umask = -1 };
    long r = 0;

    for (int s = from; s < STEP_COUNT; s++) {
        if (!(p->steps & ((uint64_t)1 << s)))
            continue;
        if (p->stamps)
            box__child_stamp(&p->stamps[s]);
        c.e.step = s;
        c.e.index = -1;
        c.e.path[0] = '\0';
        if ((r = step_fns[s](p, &c)) < 0)
            break;
    }
    if (r >= 0) /* no EXEC step in the plan: nothing ran the program */
        r = -ENOEXEC;
    c.e.err = (int)-r;
    box__child_report(p->err_fd, &c.e);
    for (;;)
        SYS1(SYS_exit_group, BOX_EXIT_SETUP);
}

CHILD_NO_ASAN int box__child_main(void *plan)
{
    run_steps(plan, 0);
}

CHILD_NO_ASAN int box__child_resume(void *resume)
{
    const struct box_resume *res = resume;

    run_steps(res->plan, res->from);
}

#ifndef CLONE_PARENT
#define CLONE_PARENT 0x00008000
#endif

/* After JOIN_NS: setns(CLONE_NEWPID) placed only our future children in the joined pid
 * namespace, so the rest of the list runs in a new process, made a sibling of ours
 * (CLONE_PARENT: box_exec's caller's child, which waits for it through a pidfd; box_spawn's
 * monitor's) on the second stack the parent prepared. box_spawn's namespaces to create
 * are made here (fork_flags), inside the joined ones. We only say its pid (shared memory)
 * and go. */
long box__step_fork(const struct box_plan *p, struct box_child *c)
{
#if defined(__x86_64__) || defined(__aarch64__)
    struct box_resume *res = p->resume;
    /* fork_twice, first time: the middle process, in the joined pid namespace, runs this
     * step again (stage 1) and makes the box's process with the new one. */
    bool middle = p->fork_twice && res->stage == 0;
    struct box_clone_args ca = {
        .flags = CLONE_VM | CLONE_PARENT | (middle ? 0 : p->fork_flags),
        .stack = (uint64_t)(uintptr_t)(p->fork_twice && !middle ? p->fork_stack2
                                                                 : p->fork_stack),
        .stack_size = p->fork_stack_size,
    };
    long pid;

    res->plan = p;
    res->from = middle ? c->e.step : c->e.step + 1;
    res->stage = 1;
    pid = box__clone3(&ca, sizeof ca, box__child_resume, res);
    if (pid < 0)
        return pid;
    if (middle)
        res->middle = (pid_t)pid;
    else
        res->pid = (pid_t)pid;
    for (;;)
        SYS1(SYS_exit_group, 0);
#else
    (void)p, (void)c;
    return -ENOSYS;
#endif
}
