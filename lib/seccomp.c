/* seccomp: a default deny list, the caller's own rules, and installing the filter.
 *
 * The parent builds the filter with libseccomp and exports it as classic BPF into a
 * malloc'ed array (struct box_plan.seccomp_filter); the child installs it with the raw
 * seccomp() system call as its very last step before execve, after no_new_privs (so no
 * CAP_SYS_ADMIN is needed and the filter cannot be lifted by a setuid program). With
 * BOX_OPT_ALLOW_NEW_PRIVS there is no no_new_privs: the filter then goes in before the
 * capabilities are dropped (step SECCOMP_EARLY), while CAP_SYS_ADMIN is still held.
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
 *   io_uring_setup, io_uring_enter,   a second system call interface that this filter
 *   io_uring_register                 cannot see into, and a frequent source of kernel
 *                                     exploits (Docker and Android deny it too)
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
 * the second wall, and it blocks the ones that need none (keyctl, userfaultfd, io_uring,
 * bpf, perf_event_open, unshare/clone of a user namespace, personality, process_vm_*).
 *
 * The caller's rules (box_seccomp_rule, box_seccomp_rule_args) replace the default list's
 * rule for their call; the default action (box_seccomp_default_action) decides every call
 * no rule names.
 *
 * A limit of argument comparisons: on the i386 ABI the socket calls (and SysV IPC) also
 * enter through the multiplexers socketcall(2) and ipc(2), which pass the real arguments in
 * memory. libseccomp then applies a rule with comparisons to every call through the
 * multiplexer: a deny rule denies more there, an allow rule allows more. An allow list that
 * relies on socket arguments should deny socketcall and ipc outright. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

static const char *const deny_eperm[] = {
    "kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "keyctl", "add_key", "request_key",
    "open_by_handle_at", "name_to_handle_at", "mount", "umount", "umount2", "pivot_root",
    "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "mount_setattr",
    "unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev", "swapon",
    "swapoff", "quotactl", "quotactl_fd", "nfsservctl", "acct", "vhangup", "settimeofday",
    "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex",
    "stime", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "iopl", "ioperm",
};

BOX_API int box_seccomp_default(box_t *box, int on)
{
    int r = box__check_configurable(box, "seccomp_default");

    if (r < 0)
        return r;
    box->seccomp_default_off = !on;
    return 0;
}

static bool valid_action(int action)
{
    return action == BOX_SECCOMP_ALLOW || action == BOX_SECCOMP_ERRNO ||
           action == BOX_SECCOMP_KILL || action == BOX_SECCOMP_LOG ||
           action == BOX_SECCOMP_NOTIFY;
}

/* The calls the child makes once the filter is in force, and the exec: notified, one
 * would wait for a supervisor that is itself still waiting in box_spawn. */
static const char *const startup_calls[] = {
    "execve", "execveat", "write", "sendmsg", "rt_sigprocmask", "seccomp", "exit",
    "exit_group",
};

/* Shared checks of an action and its errno; what names the calling function. */
static int check_action(box_t *box, const char *what, int action, int errno_value)
{
    if (!valid_action(action))
        return box__error(box, EINVAL, "%s: unknown action %d", what, action);
    if (action == BOX_SECCOMP_ERRNO && (errno_value <= 0 || errno_value > 4095))
        return box__error(box, EINVAL, "%s: errno %d is not 1..4095", what, errno_value);
    return 0;
}

BOX_API int box_seccomp_default_action(box_t *box, int action, int errno_value)
{
    int r = box__check_configurable(box, "seccomp_default_action");

    if (r < 0 || (r = check_action(box, "seccomp_default_action", action, errno_value)) < 0)
        return r;
    if (action == BOX_SECCOMP_NOTIFY)
        return box__error(box, EINVAL, "seccomp_default_action: BOX_SECCOMP_NOTIFY would "
                         "notify the calls the box needs to start");
    box->seccomp_default_action = action;
    box->seccomp_default_errno = errno_value;
    return 0;
}

static int check_args(box_t *box, size_t n, const box_seccomp_arg_t *args)
{
    unsigned int seen = 0;

    if (n > BOX_SECCOMP_MAX_ARGS)
        return box__error(box, EINVAL, "seccomp_rule: %zu comparisons, at most %d", n,
                         BOX_SECCOMP_MAX_ARGS);
    if (n > 0 && !args)
        return box__error(box, EINVAL, "seccomp_rule: args is NULL");
    for (size_t i = 0; i < n; i++) {
        const box_seccomp_arg_t *c = &args[i];

        if (c->index >= BOX_SECCOMP_MAX_ARGS)
            return box__error(box, EINVAL, "seccomp_rule: argument index %u is not 0..5",
                             c->index);
        if (seen & (1u << c->index))
            return box__error(box, EINVAL, "seccomp_rule: argument %u is compared twice",
                             c->index);
        seen |= 1u << c->index;
        if (c->op < BOX_SECCOMP_CMP_EQ || c->op > BOX_SECCOMP_CMP_MASKED_EQ)
            return box__error(box, EINVAL, "seccomp_rule: unknown comparison %d", c->op);
        if (c->op != BOX_SECCOMP_CMP_MASKED_EQ && c->mask)
            return box__error(box, EINVAL,
                             "seccomp_rule: a mask is only for BOX_SECCOMP_CMP_MASKED_EQ");
    }
    return 0;
}

BOX_API int box_seccomp_rule_args(box_t *box, const char *syscall_name, int action,
                                  int errno_value, size_t n, const box_seccomp_arg_t *args)
{
    int r = box__check_configurable(box, "seccomp_rule"), nr;
    struct box_seccomp_rule *rules, *rule;

    if (r < 0)
        return r;
    if (!syscall_name)
        return box__error(box, EINVAL, "seccomp_rule: syscall name is NULL");
    nr = seccomp_syscall_resolve_name(syscall_name);
    if (nr == __NR_SCMP_ERROR)
        return box__error(box, EINVAL, "seccomp_rule: unknown system call '%s'", syscall_name);
    if ((r = check_action(box, "seccomp_rule", action, errno_value)) < 0 ||
        (r = check_args(box, n, args)) < 0)
        return r;
    for (size_t i = 0; action == BOX_SECCOMP_NOTIFY && i < sizeof startup_calls /
                                                       sizeof startup_calls[0]; i++)
        if (seccomp_syscall_resolve_name(startup_calls[i]) == nr)
            return box__error(box, EINVAL, "seccomp_rule: %s cannot notify: the box makes it "
                             "before the supervisor can answer", syscall_name);
    if (n == 0) { /* an unconditional rule replaces every rule of that call */
        size_t kept = 0;

        /* Rules move only past a removed one: a profile of hundreds of calls (podman's
         * has 437) is then one comparison per rule, not a copy. */
        for (size_t i = 0; i < box->n_seccomp_rules; i++) {
            if (box->seccomp_rules[i].nr == nr)
                continue;
            if (kept != i)
                box->seccomp_rules[kept] = box->seccomp_rules[i];
            kept++;
        }
        box->n_seccomp_rules = kept;
    }
    /* Room for twice as many whenever it is full (the count is a power of two then). */
    if ((box->n_seccomp_rules & (box->n_seccomp_rules - 1)) == 0) {
        rules = realloc(box->seccomp_rules, (box->n_seccomp_rules ? 2 * box->n_seccomp_rules : 1) *
                                                sizeof *rules);
        if (!rules)
            return box__error(box, ENOMEM, "seccomp_rule");
        box->seccomp_rules = rules;
    }
    rules = box->seccomp_rules;
    rule = &rules[box->n_seccomp_rules++];
    *rule = (struct box_seccomp_rule){ .nr = nr, .action = action, .errno_value = errno_value,
                                       .n_args = n };
    if (n)
        memcpy(rule->args, args, n * sizeof *args);
    return 0;
}

BOX_API int box_seccomp_rule(box_t *box, const char *syscall_name, int action,
                             int errno_value)
{
    return box_seccomp_rule_args(box, syscall_name, action, errno_value, 0, NULL);
}

/* Check and copy one program of len bytes into box->seccomp_bpf. */
static int add_bpf(box_t *box, const char *what, const void *insns, size_t len)
{
    size_t max = BOX_BPF_MAX_INSNS * sizeof(struct sock_filter);
    struct box_bpf *grown;
    void *copy;

    if (len == 0 || len > max || len % sizeof(struct sock_filter))
        return box__error(box, EINVAL,
                          "%s: %s%zu bytes is not a BPF program of 1..%d instructions (8 "
                          "bytes each)", what, len > max ? "more than " : "",
                          len > max ? max : len, BOX_BPF_MAX_INSNS);
    if (box->n_seccomp_bpf == BOX_MAX_BPF)
        return box__error(box, E2BIG, "%s: more than %d programs", what, BOX_MAX_BPF);
    grown = realloc(box->seccomp_bpf, (box->n_seccomp_bpf + 1) * sizeof *grown);
    if (!grown)
        return box__error(box, ENOMEM, "%s", what);
    box->seccomp_bpf = grown;
    if (!(copy = malloc(len)))
        return box__error(box, ENOMEM, "%s", what);
    memcpy(copy, insns, len);
    grown[box->n_seccomp_bpf++] = (struct box_bpf){
        .insns = copy, .len = (unsigned short)(len / sizeof(struct sock_filter)) };
    return 0;
}

static void free_bpf(box_t *box)
{
    for (size_t i = 0; i < box->n_seccomp_bpf; i++)
        free(box->seccomp_bpf[i].insns);
    free(box->seccomp_bpf);
    box->seccomp_bpf = NULL;
    box->n_seccomp_bpf = 0;
}

BOX_API int box_seccomp_add_bpf(box_t *box, const void *insns, size_t len)
{
    int r = box__check_configurable(box, "seccomp_add_bpf");

    if (r < 0)
        return r;
    if (!insns)
        return box__error(box, EINVAL, "seccomp_add_bpf: insns is NULL");
    return add_bpf(box, "seccomp_add_bpf", insns, len);
}

BOX_API int box_seccomp_load_bpf(box_t *box, int fd)
{
    int r = box__check_configurable(box, "seccomp_load_bpf");
    size_t max = BOX_BPF_MAX_INSNS * sizeof(struct sock_filter), len = 0;
    char *prog;
    ssize_t n;

    if (r < 0)
        return r;
    if (fd < 0)
        return box__error(box, EBADF, "seccomp_load_bpf: bad fd %d", fd);
    /* One byte more than the largest program, to tell "too large" from "just fits". */
    prog = malloc(max + 1);
    if (!prog)
        return box__error(box, ENOMEM, "seccomp_load_bpf");
    while (len < max + 1) {
        n = read(fd, prog + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = box__error(box, errno, "seccomp_load_bpf: read fd %d", fd);
            free(prog);
            return r;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    /* It replaces every program before it; a bad one (refused by add_bpf) leaves them. */
    if (len > 0 && len <= max && len % sizeof(struct sock_filter) == 0)
        free_bpf(box);
    r = add_bpf(box, "seccomp_load_bpf", prog, len);
    free(prog);
    return r;
}

void box__seccomp_free(box_t *box)
{
    free_bpf(box);
    free(box->seccomp_rules);
    box->seccomp_rules = NULL;
    box->n_seccomp_rules = 0;
    free(box->seccomp_cache_dir);
    box->seccomp_cache_dir = NULL;
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

static uint32_t scmp_action(int action, int errno_value)
{
    switch (action) {
    case BOX_SECCOMP_ERRNO: return SCMP_ACT_ERRNO((uint32_t)errno_value);
    case BOX_SECCOMP_KILL: return SCMP_ACT_KILL_PROCESS;
    case BOX_SECCOMP_LOG: return SCMP_ACT_LOG;
    case BOX_SECCOMP_NOTIFY: return SCMP_ACT_NOTIFY;
    default: return SCMP_ACT_ALLOW;
    }
}

static const enum scmp_compare scmp_op[] = {
    [BOX_SECCOMP_CMP_EQ] = SCMP_CMP_EQ, [BOX_SECCOMP_CMP_NE] = SCMP_CMP_NE,
    [BOX_SECCOMP_CMP_LT] = SCMP_CMP_LT, [BOX_SECCOMP_CMP_LE] = SCMP_CMP_LE,
    [BOX_SECCOMP_CMP_GT] = SCMP_CMP_GT, [BOX_SECCOMP_CMP_GE] = SCMP_CMP_GE,
    [BOX_SECCOMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* A rule whose action is the filter's default adds nothing (and libseccomp refuses it); a
 * syscall missing on one of the ABIs is fine (libseccomp skips it there). */
static int add_rule(scmp_filter_ctx ctx, uint32_t def, uint32_t action, int nr, unsigned n,
                    const struct scmp_arg_cmp *cmp)
{
    int r;

    if (action == def)
        return 0;
    r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
    return r == -EDOM || r == -EOPNOTSUPP ? 0 : r;
}

static int add_user_rule(scmp_filter_ctx ctx, uint32_t def, const struct box_seccomp_rule *u)
{
    struct scmp_arg_cmp cmp[BOX_SECCOMP_MAX_ARGS];

    for (size_t i = 0; i < u->n_args; i++) {
        const box_seccomp_arg_t *c = &u->args[i];

        cmp[i] = (struct scmp_arg_cmp){ .arg = c->index, .op = scmp_op[c->op],
                                        .datum_a = c->op == BOX_SECCOMP_CMP_MASKED_EQ
                                                       ? c->mask : c->value,
                                        .datum_b = c->value };
    }
    return add_rule(ctx, def, scmp_action(u->action, u->errno_value), u->nr,
                    (unsigned)u->n_args, cmp);
}

/* Does the box need a filter at all? */
static bool has_filter(const box_t *box)
{
    return !box->seccomp_default_off || box->n_seccomp_rules ||
           box->seccomp_default_action != BOX_SECCOMP_ALLOW;
}

/* Build the box's filter; *out is NULL when the box has no filter at all. */
static int build_filter(box_t *box, scmp_filter_ctx *out)
{
    uint32_t def = scmp_action(box->seccomp_default_action, box->seccomp_default_errno);
    scmp_filter_ctx ctx;
    int r = 0, nr;

    *out = NULL;
    if (!has_filter(box))
        return 0;
    ctx = seccomp_init(def);
    if (!ctx)
        return box__error(box, ENOMEM, "spawn: seccomp_init");
    /* We set no_new_privs ourselves, in the child. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    /* A binary tree of system call numbers instead of a list: shorter paths through the
     * filter, so every call of the program, and the kernel's per-call verdict cache built
     * when the filter is installed, cost less. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if ((r = add_arches(ctx)) < 0) {
        r = box__error(box, -r, "spawn: seccomp: add architectures");
        goto fail;
    }
    for (size_t i = 0; i < box->n_seccomp_rules; i++) {
        if ((r = add_user_rule(ctx, def, &box->seccomp_rules[i])) < 0) {
            const char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
                                                                box->seccomp_rules[i].nr);

            if (r == -EEXIST)
                r = box__error(box, EEXIST, "spawn: seccomp rule %zu for %s conflicts with an "
                              "earlier rule for it with another action (on the i386 ABI the "
                              "socket and IPC calls also enter through socketcall/ipc, where "
                              "their arguments cannot be compared)", i, name);
            else
                r = box__error(box, -r, "spawn: seccomp rule %zu for %s", i, name);
            goto fail;
        }
    }
    /* The program itself is exec'ed under the filter. */
    if (!has_user_rule(box, nr = SCMP_SYS(execve)) &&
        (r = add_rule(ctx, def, SCMP_ACT_ALLOW, nr, 0, NULL)) < 0)
        goto fail_rule;
    if (!box->seccomp_default_off) {
        const struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
                                                       CLONE_NEWUSER);
        const struct scmp_arg_cmp norandom = SCMP_A0(SCMP_CMP_MASKED_EQ, ADDR_NO_RANDOMIZE,
                                                        ADDR_NO_RANDOMIZE);
        const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);

        for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++) {
            nr = seccomp_syscall_resolve_name(deny_eperm[i]);
            if (nr == __NR_SCMP_ERROR || has_user_rule(box, nr))
                continue;
            if ((r = add_rule(ctx, def, eperm, nr, 0, NULL)) < 0)
                goto fail_rule;
        }
        if (!has_user_rule(box, nr = SCMP_SYS(clone)) &&
            (r = add_rule(ctx, def, eperm, nr, 1, &newuser)) < 0)
            goto fail_rule;
        if (!has_user_rule(box, nr = SCMP_SYS(clone3)) &&
            (r = add_rule(ctx, def, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL)) < 0)
            goto fail_rule;
        if (!has_user_rule(box, nr = SCMP_SYS(personality)) &&
            (r = add_rule(ctx, def, eperm, nr, 1, &norandom)) < 0)
            goto fail_rule;
    }
    *out = ctx;
    return 0;
fail_rule:
    r = box__error(box, -r, "spawn: seccomp: default deny list");
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
        r = box__error(box, errno, "spawn: seccomp: memfd_create");
        goto out;
    }
    if ((r = seccomp_export_bpf(ctx, fd)) < 0) {
        r = box__error(box, -r, "spawn: seccomp: export filter");
        goto out;
    }
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        r = box__error(box, EIO, "spawn: seccomp: exported filter has a bad size");
        goto out;
    }
    *out = malloc((size_t)st.st_size);
    if (!*out) {
        r = box__error(box, ENOMEM, "spawn: seccomp filter");
        goto out;
    }
    if (pread(fd, *out, (size_t)st.st_size, 0) != st.st_size) {
        free(*out);
        *out = NULL;
        r = box__error(box, EIO, "spawn: seccomp: read exported filter");
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

/* What the compiled filter depends on besides the rules: bump when build_filter or the
 * deny list's handling changes, so that no cached filter of the old build is used. */
#define SECCOMP_CACHE_FORMAT 1

static void put_u64(unsigned char **p, uint64_t v)
{
    memcpy(*p, &v, sizeof v);
    *p += sizeof v;
}

/* The cache key (seccomp-cache.c) of the box's filter, malloc'ed into *out: everything it
 * is built from, field by field (no padding bytes): the format, libseccomp's version and
 * API level, the native ABI, the default list's names, the default action, and every rule
 * in order. */
static int filter_key(box_t *box, unsigned char **out, size_t *len)
{
    const struct scmp_version *v = seccomp_version();
    size_t size = 16 * sizeof(uint64_t) + box->n_seccomp_rules * 28 * sizeof(uint64_t);
    unsigned char *buf, *p;

    for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++)
        size += strlen(deny_eperm[i]) + 1;
    if (!(*out = buf = p = malloc(size)))
        return box__error(box, ENOMEM, "spawn: seccomp filter");
    put_u64(&p, SECCOMP_CACHE_FORMAT);
    put_u64(&p, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
    put_u64(&p, seccomp_api_get());
    put_u64(&p, SCMP_ARCH_NATIVE);
    put_u64(&p, box->seccomp_default_off);
    if (!box->seccomp_default_off)
        for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++) {
            memcpy(p, deny_eperm[i], strlen(deny_eperm[i]) + 1);
            p += strlen(deny_eperm[i]) + 1;
        }
    put_u64(&p, (uint64_t)box->seccomp_default_action);
    put_u64(&p, (uint64_t)box->seccomp_default_errno);
    put_u64(&p, box->n_seccomp_rules);
    for (size_t i = 0; i < box->n_seccomp_rules; i++) {
        const struct box_seccomp_rule *u = &box->seccomp_rules[i];

        put_u64(&p, (uint64_t)u->nr);
        put_u64(&p, (uint64_t)u->action);
        put_u64(&p, (uint64_t)u->errno_value);
        put_u64(&p, u->n_args);
        for (size_t j = 0; j < u->n_args; j++) {
            put_u64(&p, u->args[j].index);
            put_u64(&p, (uint64_t)u->args[j].op);
            put_u64(&p, u->args[j].value);
            put_u64(&p, u->args[j].mask);
        }
    }
    *len = (size_t)(p - buf);
    return 0;
}

/* The box's filter as a malloc'ed BPF array (*out NULL: the box has no filter): from the
 * cache when the same rule set was built before (in this process, or into the box's
 * cache directory), else built and cached. Only a success is cached: a failure
 * (memfd_create out of fds, out of memory) is the caller's state at that moment. */
static int compile(box_t *box, struct sock_filter **out, unsigned short *len)
{
    _cleanup_free_ unsigned char *key = NULL;
    size_t key_len = 0; /* (set by filter_key; -O3 cannot see it) */
    int r;

    *out = NULL;
    *len = 0;
    if (!has_filter(box))
        return 0;
    if ((r = filter_key(box, &key, &key_len)) < 0)
        return r;
    if ((r = box__seccomp_cache_get(box, key, key_len, out, len)) != 0)
        return r < 0 ? box__error(box, -r, "spawn: seccomp filter") : 0;
    if ((r = export_mem(box, out, len)) < 0)
        return r;
    box__seccomp_cache_put(box, key, key_len, *out, *len);
    return 0;
}

int box__seccomp_prepare(box_t *box, struct box_plan *a)
{
    for (size_t i = 0; i < box->n_seccomp_rules; i++)
        a->seccomp_listener |= box->seccomp_rules[i].action == BOX_SECCOMP_NOTIFY;
    a->seccomp_user = box->seccomp_bpf;
    a->n_seccomp_user = box->n_seccomp_bpf;
    return compile(box, &a->seccomp_filter, &a->seccomp_len);
}

BOX_API int box_seccomp_notify_fd(const box_t *box)
{
    if (!box)
        return -EINVAL;
    if (box->state != BOX_RUNNING)
        return -ESRCH;
    return box->notify_fd >= 0 ? box->notify_fd : -ENOENT;
}

BOX_API int box_seccomp_export(box_t *box, int fd, int pfc)
{
    scmp_filter_ctx ctx;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (fd < 0 || fcntl(fd, F_GETFD) < 0)
        return box__error(box, EBADF, "seccomp_export: fd %d is not open", fd);
    if (!has_filter(box))
        return box__error(box, ENOENT, "seccomp_export: the box has no seccomp filter");
    if (!pfc) { /* the program box_spawn installs, from the cache when it is there */
        _cleanup_free_ struct sock_filter *bpf = NULL;
        unsigned short len;
        size_t done = 0, bytes;

        if ((r = compile(box, &bpf, &len)) < 0)
            return r;
        for (bytes = len * sizeof *bpf; done < bytes;) {
            ssize_t n = write(fd, (char *)bpf + done, bytes - done);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return box__error(box, errno, "seccomp_export");
            done += (size_t)n;
        }
        return 0;
    }
    if ((r = build_filter(box, &ctx)) < 0)
        return r;
    r = seccomp_export_pfc(ctx, fd);
    seccomp_release(ctx);
    if (r < 0)
        return box__error(box, -r, "seccomp_export");
    return 0;
}

/* ---- child side: raw system calls only ---- */

/* Last before exec, so that no setup step runs under the filter: ours, then the caller's
 * own BPF program (box_seccomp_load_bpf) on top of it. */
long box__step_seccomp(const struct box_plan *p, struct box_child *c)
{
    long r;

    if (p->seccomp_filter) {
        struct sock_fprog prog = { .len = p->seccomp_len, .filter = p->seccomp_filter };

        r = SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                 p->seccomp_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
        if (r < 0)
            return r;
        /* BOX_SECCOMP_NOTIFY: the listener goes to the parent (box_seccomp_notify_fd). */
        if (p->seccomp_listener) {
            long listener = r;

            r = box__send_fd(p->sync_fd, 0, (int)listener); /* to the parent */
            SYS1(SYS_close, listener);
            if (r < 0)
                return r;
        }
    }
    /* The caller's programs, in order, with prctl as bwrap installs them: an allow list
     * of the caller's that permits prctl but not seccomp (bwrap's tests have one) still
     * lets the next one in. */
    for (size_t i = 0; i < p->n_seccomp_user; i++) {
        struct sock_fprog prog = { .len = p->seccomp_user[i].len,
                                   .filter = p->seccomp_user[i].insns };

        c->e.index = (int)i;
        box__strlcpy(c->e.path, "(box_seccomp_add_bpf)", sizeof c->e.path);
        if ((r = SYS5(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) < 0)
            return r;
    }
    return 0;
}
