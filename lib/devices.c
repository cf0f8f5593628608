/* devices: which device nodes the box may open or make (box_device_rule), as the device
 * cgroup enforces it.
 *
 * Rules are kept in the caller's order and mean what an OCI linux.resources.devices list
 * means: the last rule that matches an access decides it; an access no rule matches is
 * allowed (as the cgroup's parent allows it), so a list normally starts with a rule that
 * denies everything. An allow rule matches an access whose rights it all grants; a deny
 * rule matches an access asking for any right it names.
 *
 * cgroup v1 (the devices controller: this hybrid host) gets the rules written in order to
 * devices.deny / devices.allow, where they mean the same (a whole-device-set rule "a"
 * resets the list to deny or allow everything). cgroup v2 has no devices controller: the
 * box cgroup gets a BPF_PROG_TYPE_CGROUP_DEVICE program, built here by hand and loaded
 * with the raw bpf(2) system call (no libbpf), attached with BPF_F_ALLOW_MULTI so that
 * programs of the box's ancestors (systemd's) keep running too. The kernel runs the
 * program for each open(2) and mknod(2) of a device node with
 * struct bpf_cgroup_dev_ctx { access_type = (access << 16) | type, major, minor } and
 * allows the access when it returns 1. Loading one needs CAP_BPF or CAP_SYS_ADMIN in the
 * host's user namespace, so a rootless box cannot have device rules on v2 (nor on v1,
 * where the devices hierarchy is root's); a user namespace cannot make or open device
 * nodes of its own anyway. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#include "cgroup.h"

#define MAX_DEVICE_RULES 256

BOX_API int box_device_rule(box_t *box, int allow, char type, int64_t major, int64_t minor,
                            unsigned int access)
{
    int r = box__check_configurable(box, "device_rule");
    struct box_device_rule *grown;

    if (r < 0)
        return r;
    if (type != 'a' && type != 'c' && type != 'b')
        return box__error(box, EINVAL, "device_rule: type '%c' is not a, c or b",
                          type ? type : '0');
    if (major < -1 || major > 0xfff || minor < -1 || minor > 0xfffff)
        return box__error(box, EINVAL, "device_rule: %lld:%lld is not a device number "
                          "(major 0..4095, minor 0..1048575, or -1 for any)",
                          (long long)major, (long long)minor);
    if (access == 0 || access & ~(unsigned)BOX_DEVICE_ALL)
        return box__error(box, EINVAL, "device_rule: access 0x%x is not a set of "
                          "BOX_DEVICE_READ, _WRITE and _MKNOD", access);
    /* cgroup v1 has one rule for every device, "a", and it resets the whole list. */
    if (type == 'a' && (major != -1 || minor != -1 || access != BOX_DEVICE_ALL))
        return box__error(box, EINVAL, "device_rule: a rule of type 'a' is for every "
                          "device and every access (major and minor -1, BOX_DEVICE_ALL)");
    if (box->n_device_rules == MAX_DEVICE_RULES)
        return box__error(box, E2BIG, "device_rule: more than %d rules", MAX_DEVICE_RULES);
    grown = realloc(box->device_rules, (box->n_device_rules + 1) * sizeof *grown);
    if (!grown)
        return box__error(box, ENOMEM, "device_rule");
    box->device_rules = grown;
    grown[box->n_device_rules++] = (struct box_device_rule){
        .allow = allow != 0, .type = type, .major = major, .minor = minor, .access = access };
    return 0;
}

void box__devices_free(box_t *box)
{
    free(box->device_rules);
    box->device_rules = NULL;
    box->n_device_rules = 0;
}

/* "c 1:3 rw", "b *:* m", "a": a rule as cgroup v1's devices.allow / devices.deny take it. */
int box__device_rule_v1(const struct box_device_rule *d, char *buf, size_t size)
{
    char major[24] = "*", minor[24] = "*", acc[4];
    size_t n = 0;

    if (d->type == 'a')
        return snprintf(buf, size, "a") < (int)size ? 0 : -ENAMETOOLONG;
    if (d->major >= 0)
        snprintf(major, sizeof major, "%lld", (long long)d->major);
    if (d->minor >= 0)
        snprintf(minor, sizeof minor, "%lld", (long long)d->minor);
    if (d->access & BOX_DEVICE_READ)
        acc[n++] = 'r';
    if (d->access & BOX_DEVICE_WRITE)
        acc[n++] = 'w';
    if (d->access & BOX_DEVICE_MKNOD)
        acc[n++] = 'm';
    acc[n] = '\0';
    return snprintf(buf, size, "%c %s:%s %s", d->type, major, minor, acc) < (int)size
               ? 0 : -ENAMETOOLONG;
}

/* ---- the cgroup v2 program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
                              .imm = imm };
}
#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm) insn(BPF_JMP | (op) | BPF_K, dst, 0, 0, imm) /* off patched */
#define EXIT insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The rights of an access as the program sees them (BPF_DEVCG_ACC_*). */
static int32_t bpf_access(unsigned int access)
{
    return ((access & BOX_DEVICE_READ) ? BPF_DEVCG_ACC_READ : 0) |
           ((access & BOX_DEVICE_WRITE) ? BPF_DEVCG_ACC_WRITE : 0) |
           ((access & BOX_DEVICE_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0);
}

/* The program for the box's rules into out (room for box__devices_bpf_max() instructions);
 * its length. Registers: r2 the access's rights, r3 its type, r4 major, r5 minor. The
 * rules are tested from the last to the first; each test is a block whose jumps skip to
 * the next block, and whose end returns the rule's verdict. A rule without tests (every
 * device, every access) ends the program: the verifier refuses unreachable code. */
size_t box__devices_bpf(const box_t *box, struct bpf_insn *out)
{
    size_t n = 0;

    out[n++] = LDX_W(2, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
    out[n++] = MOV32_REG(3, 2);
    out[n++] = AND32_IMM(3, 0xffff);
    out[n++] = RSH32_IMM(2, 16);
    out[n++] = LDX_W(4, 1, offsetof(struct bpf_cgroup_dev_ctx, major));
    out[n++] = LDX_W(5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor));
    for (size_t i = box->n_device_rules; i-- > 0;) {
        const struct box_device_rule *d = &box->device_rules[i];
        size_t start = n;

        if (d->type != 'a')
            out[n++] = JMP_IMM(BPF_JNE, 3, d->type == 'c' ? BPF_DEVCG_DEV_CHAR
                                                          : BPF_DEVCG_DEV_BLOCK);
        if (d->access != BOX_DEVICE_ALL) {
            /* allow: no right outside the rule's; deny: some right of the rule's */
            out[n++] = MOV32_REG(0, 2);
            out[n++] = AND32_IMM(0, d->allow ? ~bpf_access(d->access) : bpf_access(d->access));
            out[n++] = JMP_IMM(d->allow ? BPF_JNE : BPF_JEQ, 0, 0);
        }
        if (d->major >= 0)
            out[n++] = JMP_IMM(BPF_JNE, 4, (int32_t)d->major);
        if (d->minor >= 0)
            out[n++] = JMP_IMM(BPF_JNE, 5, (int32_t)d->minor);
        out[n++] = MOV64_IMM(0, d->allow);
        out[n++] = EXIT;
        if (n - start == 2) /* a rule for everything: the earlier ones cannot be reached */
            return n;
        for (size_t j = start; j < n; j++) /* the tests skip the rest of the block */
            if (BPF_CLASS(out[j].code) == BPF_JMP && BPF_OP(out[j].code) != BPF_EXIT)
                out[j].off = (int16_t)(n - j - 1);
    }
    out[n++] = MOV64_IMM(0, 1); /* no rule matched: the parent's say */
    out[n++] = EXIT;
    return n;
}

size_t box__devices_bpf_max(const box_t *box)
{
    return 8 + box->n_device_rules * 9;
}

/* Load the box's program and attach it to the cgroup v2 directory dir. */
int box__devices_attach_v2(box_t *box, const char *dir)
{
    _cleanup_free_ struct bpf_insn *prog = malloc(box__devices_bpf_max(box) * sizeof *prog);
    _cleanup_close_ int cg = -1, fd = -1;
    char log[4096];
    union bpf_attr attr;
    size_t n;

    if (!prog)
        return box__error(box, ENOMEM, "spawn: device rules");
    n = box__devices_bpf(box, prog);
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = (uint32_t)n;
    attr.license = (uint64_t)(uintptr_t)"LGPL-2.1";
    /* First without a log: the verifier logs every state of a correct program too, and
     * from Linux 6.4 on a log that does not fit fails the load with -ENOSPC (with a few
     * dozen rules, an OCI runtime's default list, 4 KiB do not). */
    fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd < 0 && (errno == EPERM || errno == EACCES))
        return box__error(box, errno, "spawn: device rules: loading a cgroup device program "
                          "needs CAP_BPF or CAP_SYS_ADMIN (not possible without root)");
    if (fd < 0) {
        int err = errno, again;
        size_t len;
        char *last;

        /* Again with the log, for the message: its last line says what the verifier
         * refused (6.4+ keeps the log's end when it does not fit). */
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof log;
        attr.log_level = 1;
        log[0] = '\0';
        again = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
        if (again >= 0) { /* (a transient failure: still reported, the log says nothing) */
            close(again);
            log[0] = '\0';
        }
        log[sizeof log - 1] = '\0';
        len = strlen(log);
        while (len && log[len - 1] == '\n')
            log[--len] = '\0';
        last = strrchr(log, '\n');
        last = last ? last + 1 : log;
        return box__error(box, err, "spawn: device rules: bpf(BPF_PROG_LOAD)%s%.200s",
                          last[0] ? ": " : "", last);
    }
    cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0)
        return box__error(box, errno, "spawn: device rules: open %s", dir);
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cg;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
        return box__error(box, errno, "spawn: device rules: attach the program to %s", dir);
    return 0; /* the cgroup holds the program now; it goes with the cgroup */
}
