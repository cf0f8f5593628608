/* seccomp: a default deny list, the caller's own rules, and installing the filter.
 *
 * The parent builds the filter with libseccomp and exports it as classic BPF into a
 * malloc'ed array (struct box_child_args.seccomp_filter); the child installs it with the raw
 * seccomp() system call as its very last step before execve, after no_new_privs (so no
 * CAP_SYS_ADMIN is needed and the filter cannot be lifted by a setuid program).
 *
 * The filter covers every ABI the kernel accepts from this process: on x86_64 also i386
 * (int $0x80) and x32, so the 32-bit entry points cannot bypass it. A system call from an
 * ABI not in the filter kills the process.
 *
 * The default deny list (on unless box_seccomp_default(box, 0)); each fails with EPERM:
 *
 *   system call                       why it is denied
 *   --------------------------------  ------------------------------------------------------
 *   kexec_load, kexec_file_load,      replace the running kernel
 *   reboot
 *   init_module, finit_module,        load or unload kernel code
 *   delete_module
 *   bpf, perf_event_open              large kernel attack surface, read kernel memory/layout
 *   userfaultfd                       stalls kernel page faults (exploit race widening)
 *   keyctl, add_key, request_key      the kernel keyring is not namespaced
 *   open_by_handle_at,                open files by handle, bypassing the mount tree
 *   name_to_handle_at                 (the classic container breakout)
 *   mount, umount2, pivot_root,       change the mount tree: the box's layout is fixed
 *   move_mount, fsopen, fsconfig,
 *   fsmount, fspick, open_tree,
 *   mount_setattr
 *   unshare, setns                    new or other namespaces (a new user namespace gives
 *                                     back a full set of capabilities over it)
 *   clone with CLONE_NEWUSER          same, through clone (argument filter on flags)
 *   clone3                            fails with ENOSYS, not EPERM: its flags sit in memory
 *                                     a filter cannot read, and ENOSYS makes libc fall back
 *                                     to clone, which is filtered
 *   personality(ADDR_NO_RANDOMIZE)    turning ASLR off for an exploit
 *   ptrace, process_vm_readv,         reading or changing other processes' memory
 *   process_vm_writev
 *   swapon, swapoff, quotactl,        host-wide administration
 *   nfsservctl, acct, vhangup
 *   settimeofday, clock_settime,      the host's clock is not namespaced
 *   clock_adjtime, adjtimex
 *   syslog                            the kernel log leaks kernel addresses
 *   lookup_dcookie, uselib, ustat,    obsolete, only attack surface
 *   sysfs
 *   iopl, ioperm                      direct hardware port access
 *
 * Most of these also need capabilities the box does not have (see caps.c); the filter is
 * the second wall, and it blocks the ones that need none (keyctl, userfaultfd, bpf,
 * perf_event_open, unshare/clone of a user namespace, personality, process_vm_*). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <linux/filter.h>

#include "child.h"

static const char *const deny_eperm[] = {
    "kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "open_by_handle_at", "name_to_handle_at", "mount", "umount", "umount2", "pivot_root",
    "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "mount_setattr",
    "unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev", "swapon",
    "swapoff", "quotactl", "quotactl_fd", "nfsservctl", "acct", "vhangup", "settimeofday",
    "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex",
    "stime", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "iopl", "ioperm",
};

BOX_API int box_seccomp_default(box_t *box, int on)
{
    int r = box_check_configurable(box, "seccomp_default");

    if (r < 0)
        return r;
    box->seccomp_default_off = !on;
    return 0;
}

BOX_API int box_seccomp_rule(box_t *box, const char *syscall_name, int action,
                             int errno_value)
{
    int r = box_check_configurable(box, "seccomp_rule"), nr;
    struct box_seccomp_rule *rules;

    if (r < 0)
        return r;
    if (!syscall_name)
        return box_error(box, EINVAL, "seccomp_rule: syscall name is NULL");
    nr = seccomp_syscall_resolve_name(syscall_name);
    if (nr == __NR_SCMP_ERROR)
        return box_error(box, EINVAL, "seccomp_rule: unknown system call '%s'", syscall_name);
    if (action != BOX_SECCOMP_ALLOW && action != BOX_SECCOMP_ERRNO &&
        action != BOX_SECCOMP_KILL)
        return box_error(box, EINVAL, "seccomp_rule: unknown action %d", action);
    if (action == BOX_SECCOMP_ERRNO && (errno_value <= 0 || errno_value > 4095))
        return box_error(box, EINVAL, "seccomp_rule: errno %d is not 1..4095", errno_value);
    for (size_t i = 0; i < box->n_seccomp_rules; i++) {
        if (box->seccomp_rules[i].nr == nr) {
            box->seccomp_rules[i].action = action;
            box->seccomp_rules[i].errno_value = errno_value;
            return 0;
        }
    }
    rules = realloc(box->seccomp_rules, (box->n_seccomp_rules + 1) * sizeof *rules);
    if (!rules)
        return box_error(box, ENOMEM, "seccomp_rule");
    box->seccomp_rules = rules;
    rules[box->n_seccomp_rules++] = (struct box_seccomp_rule){ nr, action, errno_value };
    return 0;
}

BOX_API int box_seccomp_load_bpf(box_t *box, int fd)
{
    int r = box_check_configurable(box, "seccomp_load_bpf");
    size_t max = BOX_BPF_MAX_INSNS * sizeof(struct sock_filter), len = 0;
    struct sock_filter *prog;
    ssize_t n;

    if (r < 0)
        return r;
    if (fd < 0)
        return box_error(box, EBADF, "seccomp_load_bpf: bad fd %d", fd);
    /* One byte more than the largest program, to tell "too large" from "just fits". */
    prog = malloc(max + 1);
    if (!prog)
        return box_error(box, ENOMEM, "seccomp_load_bpf");
    while (len < max + 1) {
        n = read(fd, (char *)prog + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = box_error(box, errno, "seccomp_load_bpf: read fd %d", fd);
            free(prog);
            return r;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len == 0 || len > max || len % sizeof(struct sock_filter)) {
        free(prog);
        return box_error(box, EINVAL,
                         "seccomp_load_bpf: %s%zu bytes is not a BPF program of 1..%d "
                         "instructions (8 bytes each)", len > max ? "more than " : "",
                         len > max ? max : len, BOX_BPF_MAX_INSNS);
    }
    free(box->seccomp_bpf);
    box->seccomp_bpf = prog;
    box->seccomp_bpf_len = (unsigned short)(len / sizeof(struct sock_filter));
    return 0;
}

void box_seccomp_free(box_t *box)
{
    free(box->seccomp_bpf);
    box->seccomp_bpf = NULL;
    free(box->seccomp_rules);
    box->seccomp_rules = NULL;
    box->n_seccomp_rules = 0;
}

static bool has_user_rule(const box_t *box, int nr)
{
    for (size_t i = 0; i < box->n_seccomp_rules; i++)
        if (box->seccomp_rules[i].nr == nr)
            return true;
    return false;
}

/* Add the ABIs this kernel also runs for a process of ours. */
static int add_arches(scmp_filter_ctx ctx)
{
#if defined(__x86_64__)
    static const uint32_t extra[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
#elif defined(__aarch64__)
    static const uint32_t extra[] = { SCMP_ARCH_ARM };
#else
    static const uint32_t extra[] = { 0 };
#endif
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        int r = extra[i] ? seccomp_arch_add(ctx, extra[i]) : 0;

        if (r < 0 && r != -EEXIST)
            return r;
    }
    return 0;
}

/* A syscall missing on one of the ABIs is fine (libseccomp skips it there). */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n,
                    const struct scmp_arg_cmp *cmp)
{
    int r = seccomp_rule_add_array(ctx, action, nr, n, cmp);

    return r == -EDOM || r == -EOPNOTSUPP ? 0 : r;
}

/* Build the box's filter; *out is NULL when the box has no filter at all. */
static int build_filter(box_t *box, scmp_filter_ctx *out)
{
    scmp_filter_ctx ctx;
    int r = 0;

    *out = NULL;
    if (box->seccomp_default_off && box->n_seccomp_rules == 0)
        return 0;
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return box_error(box, ENOMEM, "spawn: seccomp_init");
    /* We set no_new_privs ourselves, in the child. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if ((r = add_arches(ctx)) < 0) {
        r = box_error(box, -r, "spawn: seccomp: add architectures");
        goto fail;
    }
    for (size_t i = 0; i < box->n_seccomp_rules; i++) {
        const struct box_seccomp_rule *u = &box->seccomp_rules[i];
        uint32_t act = u->action == BOX_SECCOMP_KILL ? SCMP_ACT_KILL_PROCESS
                                                     : SCMP_ACT_ERRNO((uint32_t)u->errno_value);

        if (u->action == BOX_SECCOMP_ALLOW) /* the default; only overrides the deny list */
            continue;
        if ((r = add_rule(ctx, act, u->nr, 0, NULL)) < 0) {
            r = box_error(box, -r, "spawn: seccomp rule for %s",
                          seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, u->nr));
            goto fail;
        }
    }
    if (!box->seccomp_default_off) {
        const struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
                                                       CLONE_NEWUSER);
        const struct scmp_arg_cmp norandom = SCMP_A0(SCMP_CMP_MASKED_EQ, ADDR_NO_RANDOMIZE,
                                                        ADDR_NO_RANDOMIZE);
        int nr;

        for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++) {
            nr = seccomp_syscall_resolve_name(deny_eperm[i]);
            if (nr == __NR_SCMP_ERROR || has_user_rule(box, nr))
                continue;
            if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0, NULL)) < 0)
                goto fail_rule;
        }
        if (!has_user_rule(box, nr = SCMP_SYS(clone)) &&
            (r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &newuser)) < 0)
            goto fail_rule;
        if (!has_user_rule(box, nr = SCMP_SYS(clone3)) &&
            (r = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL)) < 0)
            goto fail_rule;
        if (!has_user_rule(box, nr = SCMP_SYS(personality)) &&
            (r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &norandom)) < 0)
            goto fail_rule;
    }
    *out = ctx;
    return 0;
fail_rule:
    r = box_error(box, -r, "spawn: seccomp: default deny list");
fail:
    seccomp_release(ctx);
    return r;
}

/* Build and export the box's filter into a malloc'ed BPF array (*out NULL: no filter). */
static int export_mem(box_t *box, struct sock_filter **out, unsigned short *len)
{
    scmp_filter_ctx ctx;
    struct stat st;
    int r, fd;

    *out = NULL;
    *len = 0;
    if ((r = build_filter(box, &ctx)) < 0 || !ctx)
        return r;
    /* libseccomp 2.5 exports only to an fd: go through a memfd. */
    fd = memfd_create("libbox-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        r = box_error(box, errno, "spawn: seccomp: memfd_create");
        goto out;
    }
    if ((r = seccomp_export_bpf(ctx, fd)) < 0) {
        r = box_error(box, -r, "spawn: seccomp: export filter");
        goto out;
    }
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        r = box_error(box, EIO, "spawn: seccomp: exported filter has a bad size");
        goto out;
    }
    *out = malloc((size_t)st.st_size);
    if (!*out) {
        r = box_error(box, ENOMEM, "spawn: seccomp filter");
        goto out;
    }
    if (pread(fd, *out, (size_t)st.st_size, 0) != st.st_size) {
        free(*out);
        *out = NULL;
        r = box_error(box, EIO, "spawn: seccomp: read exported filter");
        goto out;
    }
    *len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    r = 0;
out:
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return r;
}

/* Building the filter costs about half a millisecond, a sixth of a whole spawn: the common
 * case (the default list, no rules of the caller's) is built once per process. */
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct sock_filter *default_filter; /* never freed; NULL if building it failed */
static unsigned short default_len;

static void build_default(void)
{
    box_t *tmp = calloc(1, sizeof *tmp);

    if (tmp && export_mem(tmp, &default_filter, &default_len) < 0)
        default_filter = NULL;
    free(tmp);
}

int box_seccomp_prepare(box_t *box, struct box_child_args *a)
{
    a->seccomp_user = box->seccomp_bpf;
    a->seccomp_user_len = box->seccomp_bpf_len;
    if (!box->seccomp_default_off && box->n_seccomp_rules == 0) {
        pthread_once(&default_once, build_default);
        if (default_filter) {
            a->seccomp_filter = malloc(default_len * sizeof *default_filter);
            if (!a->seccomp_filter)
                return box_error(box, ENOMEM, "spawn: seccomp filter");
            memcpy(a->seccomp_filter, default_filter, default_len * sizeof *default_filter);
            a->seccomp_len = default_len;
            return 0;
        }
        /* Fall through: build it here, which reports why it fails. */
    }
    return export_mem(box, &a->seccomp_filter, &a->seccomp_len);
}

BOX_API int box_seccomp_export(box_t *box, int fd, int pfc)
{
    scmp_filter_ctx ctx;
    int r;

    if (!box)
        return -EINVAL;
    box_clear_error(box);
    if (fd < 0)
        return box_error(box, EBADF, "seccomp_export: bad fd %d", fd);
    if ((r = build_filter(box, &ctx)) < 0)
        return r;
    if (!ctx)
        return box_error(box, ENOENT, "seccomp_export: the box has no seccomp filter");
    r = pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (r < 0)
        return box_error(box, -r, "seccomp_export");
    return 0;
}
