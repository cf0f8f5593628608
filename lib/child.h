/* What the parent hands to the child between clone and exec, and the child's error record.
 * Everything here is prepared (allocated, formatted) by the parent; the child only reads it. */
#ifndef LIBBOX_CHILD_H
#define LIBBOX_CHILD_H

#include <sys/resource.h>
#include <linux/filter.h>

#include "box-private.h"

/* Steps of the child, in the order they run. Their names live in the parent (spawn.c). */
enum box_step {
    STEP_SIGNALS,
    STEP_WAIT_PARENT,
    STEP_BOX_ROOT,
    STEP_SETSID,
    STEP_TIME_NS,
    STEP_CGROUP_NS,
    STEP_HOSTNAME,
    STEP_LOOPBACK,
    STEP_NET,           /* box_net_veth: the box's end of the pair */
    STEP_MOUNT_PRIVATE,
    STEP_OPEN_ROOT,
    STEP_OPEN_SOURCE,
    STEP_ATTACH_ROOT,
    STEP_MOUNT,
    STEP_ROOT_READONLY,
    STEP_PIVOT_ROOT,
    STEP_CHDIR,
    STEP_RLIMIT,
    STEP_SETGROUPS,
    STEP_SETGID,
    STEP_SETUID,
    STEP_CAPS,          /* bounding set before SETGROUPS, the rest after SETUID */
    STEP_PDEATHSIG,     /* after the last credential change, which would clear it */
    STEP_NO_NEW_PRIVS,
    STEP_LANDLOCK,
    STEP_FDS,
    STEP_HOLD,          /* BOX_OPT_HOLD: report "ready" (err 0), wait for box_start */
    STEP_SECCOMP,
    STEP_EXEC,
    STEP_COUNT
};

/* Written by the child to the error pipe when a step fails; then it exits. */
struct box_child_error {
    int step;        /* enum box_step */
    int err;         /* positive errno */
    int index;       /* mount op, rlimit or exec candidate the step was working on, or -1 */
    char path[256];  /* the path involved, if any (inside the box for mounts) */
};

#define BOX_DEV_NODES 6

struct box_child_args {
    const box_t *box;
    int sync_fd;          /* read end: wait for "maps written, cgroups joined" (and, with
                             BOX_OPT_HOLD, for box_start) */
    int err_fd;           /* write end, O_CLOEXEC: EOF for the parent means exec happened */
    int fd_high;          /* temporary fd numbers in the fd shuffle start here */
    const char *base;     /* host directory where the new root is attached before pivot */
    int (*trees)[BOX_DEV_NODES]; /* per mount op: detached trees opened in the child */
    int *overlay_fds;     /* overlay.c: room for every overlay's layer fds, all -1 */
    char *const *argv;
    char *const *envp;
    char **exec_paths;    /* candidates for argv[0], tried in order */
    size_t n_exec_paths;
    int init_fd;          /* BOX_OPT_INIT: O_PATH fd of box-init, else -1 */
    char **init_argv;     /* box-init ERRFD N PATHS... ARGV... (malloc'ed array) */
    struct rlimit rlimits[BOX_LIMIT_CPU + 1];
    int rlimit_resource[BOX_LIMIT_CPU + 1]; /* -1 when unset */
    uint64_t cap_keep;    /* caps.c: capabilities kept (bounding, permitted, effective) */
    bool cap_keep_held;   /* box_cap_keep_all: keep those of cap_keep the child holds */
    bool cap_ambient;     /* also inheritable + ambient, so they survive exec as uid != 0 */
    struct sock_filter *seccomp_filter; /* seccomp.c: classic BPF, malloc'ed, or NULL */
    unsigned short seccomp_len;
    struct sock_filter *seccomp_user; /* box->seccomp_bpf (owned by the box), or NULL */
    unsigned short seccomp_user_len;
    bool seccomp_listener; /* a rule notifies: install with a listener, send it back */
    char *time_offsets;   /* ns.c: for /proc/self/timens_offsets (malloc'ed), or NULL */
    char *net_batch;      /* net.c: netlink requests for eth0 (malloc'ed), or NULL */
    size_t net_batch_len, net_batch_count;
    uint64_t landlock_handled; /* landlock.c: the ruleset's handled rights */
    uint64_t *landlock_access; /* per box->landlock_rules entry, malloc'ed; NULL: no Landlock */
};

/* mount.c, child side: build the box's root and mount tree. Return 0 or a negative errno
 * and fill *e (step, index, path). */
int box_child_mounts(const struct box_child_args *a, struct box_child_error *e);

/* mount.c, child side helpers shared with overlay.c */
int box_child_fail(struct box_child_error *e, int step, int index, const char *path, long r);
long box_child_new_fs(const char *fstype, uint64_t attr, const char *const *opts);

/* overlay.c, child side: open every overlay's layers and make each overlay as a detached
 * mount (the root's into *root, the others' into a->trees). */
int box_overlay_child(const struct box_child_args *a, long *root, struct box_child_error *e);

/* net.c, child side: configure the box's end of the veth pair. */
long box_net_child(const struct box_child_args *a);
#define BOX_NET_BATCH_MAX 1024

/* landlock.c, child side: build and enforce the ruleset; fills e->index and e->path. */
long box_landlock_apply_child(const struct box_child_args *a, struct box_child_error *e);

/* Copy a string into a fixed buffer without libc (safe in the child). */
static inline void box_strlcpy(char *dst, const char *src, size_t size)
{
    size_t i = 0;

    if (!src)
        src = "";
    for (; src[i] && i + 1 < size; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

#endif
