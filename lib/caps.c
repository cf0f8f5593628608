/* Capabilities: which ones the program keeps (box_cap_keep), and applying that in the child.
 *
 * Default: none. The program starts with empty effective, permitted, inheritable and ambient
 * sets, and the bounding set holds only the kept capabilities, so nothing the program execs
 * (not even a file with capabilities, or uid 0 in the box) can get any other back.
 *
 * Parent side: names (one table, also exported: box_cap_name, box_cap_from_name) become a
 * plain bit mask (box->cap_keep); libcap says how many capabilities the kernel has.
 * Child side (the steps CAPS_BOUNDING and CAPS): raw system calls only, see child.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

/* Every capability this kernel and libcap know. */
uint64_t box__caps_valid_mask(void)
{
    int bits = cap_max_bits();

    if (bits <= 0 || bits >= 64)
        return ~(uint64_t)0;
    return ((uint64_t)1 << bits) - 1;
}

/* The capabilities by number: the names box_cap_keep, box_cap_name and the front ends use. */
#define CAP(name) [name] = #name
static const char *const cap_names[] = {
    CAP(CAP_CHOWN), CAP(CAP_DAC_OVERRIDE), CAP(CAP_DAC_READ_SEARCH), CAP(CAP_FOWNER),
    CAP(CAP_FSETID), CAP(CAP_KILL), CAP(CAP_SETGID), CAP(CAP_SETUID), CAP(CAP_SETPCAP),
    CAP(CAP_LINUX_IMMUTABLE), CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BROADCAST),
    CAP(CAP_NET_ADMIN), CAP(CAP_NET_RAW), CAP(CAP_IPC_LOCK), CAP(CAP_IPC_OWNER),
    CAP(CAP_SYS_MODULE), CAP(CAP_SYS_RAWIO), CAP(CAP_SYS_CHROOT), CAP(CAP_SYS_PTRACE),
    CAP(CAP_SYS_PACCT), CAP(CAP_SYS_ADMIN), CAP(CAP_SYS_BOOT), CAP(CAP_SYS_NICE),
    CAP(CAP_SYS_RESOURCE), CAP(CAP_SYS_TIME), CAP(CAP_SYS_TTY_CONFIG), CAP(CAP_MKNOD),
    CAP(CAP_LEASE), CAP(CAP_AUDIT_WRITE), CAP(CAP_AUDIT_CONTROL), CAP(CAP_SETFCAP),
    CAP(CAP_MAC_OVERRIDE), CAP(CAP_MAC_ADMIN), CAP(CAP_SYSLOG), CAP(CAP_WAKE_ALARM),
    CAP(CAP_BLOCK_SUSPEND), CAP(CAP_AUDIT_READ), CAP(CAP_PERFMON), CAP(CAP_BPF),
    CAP(CAP_CHECKPOINT_RESTORE),
};
#define N_CAP_NAMES ((int)(sizeof cap_names / sizeof cap_names[0]))

BOX_API const char *box_cap_name(int cap)
{
    return cap >= 0 && cap < N_CAP_NAMES ? cap_names[cap] : NULL;
}

BOX_API int box_cap_from_name(const char *name)
{
    const char *bare;

    if (!name)
        return -EINVAL;
    bare = strncasecmp(name, "cap_", 4) == 0 ? name + 4 : name;
    for (int cap = 0; cap < N_CAP_NAMES; cap++)
        if (strcasecmp(cap_names[cap] + 4, bare) == 0)
            return cap;
    return -EINVAL;
}

/* A name this kernel also has. */
int box__caps_parse(const char *name, int *out)
{
    int cap = box_cap_from_name(name);

    if (cap < 0 || !(box__caps_valid_mask() & ((uint64_t)1 << cap)))
        return -EINVAL;
    *out = cap;
    return 0;
}

BOX_API int box_cap_keep(box_t *box, const char *name)
{
    int r = box__check_configurable(box, "cap_keep"), cap;

    if (r < 0)
        return r;
    if (!name)
        return box__error(box, EINVAL, "cap_keep: name is NULL");
    if (box__caps_parse(name, &cap) < 0)
        return box__error(box, EINVAL, "cap_keep: unknown capability '%s'", name);
    box->cap_keep |= (uint64_t)1 << cap;
    return 0;
}

BOX_API int box_cap_keep_all(box_t *box)
{
    int r = box__check_configurable(box, "cap_keep_all");

    if (r < 0)
        return r;
    box->cap_keep = box__caps_valid_mask();
    box->cap_keep_all = true;
    return 0;
}

void box__caps_bounding_only(struct box_plan *a)
{
    if (a->uid == 0)
        return;
    a->cap_bounding_only = true;
    a->cap_ambient = a->cap_inheritable = a->cap_caller_inheritable = false;
}

void box__caps_prepare(const box_t *box, struct box_plan *a)
{
    a->cap_keep = box->cap_keep & box__caps_valid_mask();
    a->cap_keep_held = box->cap_keep_all;
    a->cap_bounding_only = false;
    /* The plan's uid, set before. For uid 0 only with BOX_OPT_CAPS_INHERITABLE: bwrap
     * raises the ambient set for what it keeps once --cap-add/--cap-drop made it
     * inheritable. */
    a->cap_ambient = a->cap_keep != 0 &&
                     (a->uid != 0 || (box->opts & BOX_OPT_CAPS_INHERITABLE));
    a->cap_inheritable = a->cap_ambient || (box->opts & BOX_OPT_CAPS_INHERITABLE);
    a->cap_caller_inheritable = a->uid == 0 && !a->cap_inheritable &&
                                (box->opts & BOX_OPT_CAPS_CALLER_INHERITABLE);
    if (box->opts & BOX_OPT_CAPS_BOUNDING_ONLY)
        box__caps_bounding_only(a);
}

const char *box__caps_name(int cap, char *buf, size_t size)
{
    if (box_cap_name(cap))
        snprintf(buf, size, "%s", box_cap_name(cap));
    else
        snprintf(buf, size, "capability %d", cap);
    return buf;
}

/* Child, before SETGROUPS..SETUID (we still hold CAP_SETPCAP): shrink the bounding set to
 * the kept capabilities, and keep the permitted set across setresuid when capabilities must
 * survive a switch to a non-zero uid. */
long box__step_caps_bounding(const struct box_plan *a, struct box_child *c)
{
    int *failed = &c->e.index;
    long r;

    for (int cap = 0; cap < 64; cap++) {
        if (a->cap_keep & ((uint64_t)1 << cap))
            continue;
        *failed = cap;
        r = SYS5(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
        if (r == -EINVAL) /* past the kernel's last capability */
            break;
        if (r < 0)
            return r;
    }
    *failed = -1;
    if (a->cap_ambient)
        return SYS5(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    return 0;
}

/* Child, after SETUID: effective = permitted = kept (inheritable too when they must go
 * through exec as ambient capabilities), ambient = kept for a non-zero uid or with
 * BOX_OPT_CAPS_INHERITABLE, else empty. With BOX_OPT_CAPS_CALLER_INHERITABLE (uid 0)
 * inheritable = kept and the caller's, and each kept capability is asked for as ambient,
 * which the kernel grants for the inheritable ones: bwrap's root, call for call (its own
 * suite fails the 39th prctl of a process with strace and wants the program not run). */
long box__step_caps(const struct box_plan *a, struct box_child *c)
{
    int *failed = &c->e.index;
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2] = { 0 };
    uint64_t keep = a->cap_keep, held, inh, caller_inh;
    long r;

    /* Without a user namespace the permitted set is bounded by the caller's: keep_all
     * keeps what there is, a named capability that is missing is an error naming it. */
    *failed = -1;
    if ((r = SYS2(SYS_capget, &hdr, data)) < 0)
        return r;
    held = data[0].permitted | (uint64_t)data[1].permitted << 32;
    caller_inh = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
    if (a->cap_keep_held)
        keep &= held;
    if (a->cap_bounding_only) /* setresuid cleared them: nothing but the bounding set */
        keep = 0;
    for (int cap = 0; cap < 64; cap++) {
        if ((keep & ~held) & ((uint64_t)1 << cap)) {
            *failed = cap;
            return -EPERM;
        }
    }
    inh = a->cap_inheritable ? keep : a->cap_caller_inheritable ? keep & caller_inh : 0;
    for (int i = 0; i < 2; i++) {
        data[i].effective = data[i].permitted = (uint32_t)(keep >> (32 * i));
        data[i].inheritable = (uint32_t)(inh >> (32 * i));
    }
    if ((r = SYS2(SYS_capset, &hdr, data)) < 0)
        return r;
    if ((r = SYS5(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0)) < 0)
        return r;
    r = SYS5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (r < 0 && r != -EINVAL) /* EINVAL: a kernel without ambient capabilities */
        return r;
    for (int cap = 0; (a->cap_ambient || a->cap_caller_inheritable) && cap < 64; cap++) {
        if (!(keep & ((uint64_t)1 << cap)))
            continue;
        *failed = cap;
        r = SYS5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
        /* As bwrap: EPERM, not inheritable; EINVAL, a kernel without ambient sets */
        if (r < 0 && !(a->cap_caller_inheritable && (r == -EPERM || r == -EINVAL)))
            return r;
    }
    *failed = -1;
    return 0;
}
