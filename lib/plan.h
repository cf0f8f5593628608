/* The frozen plan: everything the child does between clone and exec, as data.
 *
 * The parent turns the box's configuration into a struct box_plan before it clones
 * (plan.c: box__plan_build). The child's steps (child.h) read the plan and nothing else: it
 * holds no pointer to a box_t, so child-side code cannot reach the live configuration.
 * Strings and arrays it points to are either owned by the plan (freed by box__plan_free) or
 * borrowed from the box's configuration arrays, which are frozen while a plan exists (a
 * spawned box refuses every setter). A plan can be filled in by hand, as the unit tests do:
 * only the steps whose bit is set in `steps` run. */
#ifndef LIBBOX_PLAN_H
#define LIBBOX_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "box.h"
#include "child-util.h"

struct sock_filter;
struct box_resume;
struct box_hook;

/* BOX_OPT_NS_IDS: the box's namespaces as the child's NS_IDS step found them (ns.c), in
 * BOX_NS_* bit order. Parent-allocated scratch the child writes (shared memory); the
 * parent copies it into the box once the program was exec'ed (or waits for box_start). */
#define BOX_NS_COUNT 8
struct box_ns_ids {
    uint64_t ino[BOX_NS_COUNT];
    uint64_t dev[BOX_NS_COUNT];
    unsigned int have; /* BOX_NS_* bits of the entries the child could stat */
};

/* overlay.c: the layers of one overlay mount (box_set_root_overlay, box_mount_overlay). */
#define BOX_OVERLAY_MAX_LAYERS 500 /* the kernel's OVL_MAX_STACK */
struct box_overlay {
    char **lowers;     /* normalised host paths, lowers[0] at the bottom */
    size_t n_lowers;
    char *upper, *work; /* host paths, or both NULL: an ephemeral upper layer */
};

/* One step of the mount plan, recorded by box_mount (mount.c) and replayed by the child. */
struct box_mount_op {
    box_mount_type_t type;
    unsigned int flags;
    char *source;      /* absolute host path (BIND), link text (SYMLINK), else NULL */
    char *target;      /* normalised absolute path inside the box */
    char *fs_size;     /* tmpfs "size" option text, or NULL */
    char *fs_mode;     /* tmpfs "mode" option text, or NULL */
    mode_t mode;       /* BOX_MOUNT_DIR (when created) and BOX_MOUNT_OP_CHMOD */
    mode_t parent_mode; /* of the missing parents made for target (0755, or narrowed as
                           bwrap narrows them for a private box_mkdir mode) */
    int source_fd;     /* box_mount_fd: the box's duplicate of the caller's fd, else -1 */
    bool has_mode;
    bool source_is_dir;
    struct box_overlay *overlay; /* BOX_MOUNT_OVERLAY: its layers */
    dev_t rdev;        /* BOX_MOUNT_OP_MKNOD: the device number, with S_IFCHR/S_IFBLK in */
    uid_t uid;         /* mode, and the node's owner */
    gid_t gid;
};

/* Mount plan steps that are not mounts, recorded by their own calls (box_chmod). */
#define BOX_MOUNT_OP_CHMOD ((box_mount_type_t)100)
#define BOX_MOUNT_OP_MKNOD ((box_mount_type_t)101) /* box_mknod */
#define BOX_NO_MODE ((mode_t)-1)

/* cgroup.c: one hierarchy of a BOX_MOUNT_CGROUP mount (box__cgroup_mount_prepare). On a
 * v1 or hybrid host there is one per host hierarchy (and "unified" for a hybrid host's
 * cgroup2), each a directory of the mount's tmpfs; on a v2 host one, the mount itself. */
struct box_plan_cgroup {
    char *name;    /* its directory in the tmpfs: the last component of the host's mount
                      point ("cpu,cpuacct", "memory", "systemd", "unified"); NULL on a v2
                      host: the cgroup2 hierarchy is the mount */
    char *source;  /* host directory of the box's own cgroup in that hierarchy (the
                      caller's where the box has none there), bound without a cgroup
                      namespace; NULL when it does not exist */
    char *fs_opts; /* v1: the hierarchy's controllers and name= ("cpu,cpuacct",
                      "name=systemd") for a fresh mount in the box's cgroup namespace;
                      NULL: cgroup2 */
    char *box_dir; /* cgroup2: the box's own cgroup, above the leaf that is source and the
                      cgroup namespace's root; a read-only mount binds it, so that the box
                      sees its limits (memory.max) as a runc container does; NULL where
                      the box has no leaf */
};

/* seccomp.c: one classic BPF program of the caller's (box_seccomp_add_bpf). */
struct box_bpf {
    struct sock_filter *insns;
    unsigned short len;
};
#define BOX_MAX_BPF 32

/* box_pass_fd: the caller's fd becomes `target` in the program. */
struct box_fdpass {
    int fd, target;
};

/* sysctl.c: one box_set_sysctl. */
struct box_sysctl {
    char *path;   /* below /proc/sys: "net/ipv4/ip_forward" */
    char *dotted; /* the name for messages and the namespace check: "net.ipv4.ip_forward" */
    char *value;
    long uts_call; /* SYS_sethostname or SYS_setdomainname for kernel.hostname and
                      kernel.domainname (whose files only the host's root may write), or 0 */
};

/* box_landlock_path, resolved for the kernel's Landlock ABI. */
struct box_plan_landlock {
    const char *path;    /* inside the box */
    uint64_t access;     /* LANDLOCK_ACCESS_FS_* rights */
};

#define BOX_DEV_NODES 6  /* /dev nodes bound from the host (mount.c) */
#define BOX_RLIMITS (BOX_LIMIT_CPU + 1) /* BOX_LIMIT_* below this index are rlimits */
#define BOX_PLAN_HOSTNAME_MAX 64
#define BOX_PLAN_JOINS 8 /* one per namespace type */
#define BOX_PLAN_CGROUP_FDS 10 /* one per cgroup hierarchy a box may use (cgroup.c) */

struct box_plan {
    uint64_t steps;       /* 1 << STEP_*: the steps that run (the others are skipped) */

    /* Channels to the parent (spawn.c). */
    int sync_fd;          /* read end: a byte means "maps written, cgroups joined" (and, with
                             STEP_HOLD, "box_start"); EOF means the parent gave up */
    int err_fd;           /* write end, O_CLOEXEC: a struct box_child_error, or EOF at exec */
    int fd_high;          /* temporary fd numbers of the fd shuffle start here */
    int status_fd;        /* BOX_OPT_INIT: box-init's end of its status pipe, else -1 */
    int hold_fd;          /* BOX_OPT_DETACH with STEP_HOLD: the listening "start" socket
                             (instead of sync_fd): box_start connects, and the accepted
                             connection becomes err_fd (the starter reads it), else -1 */
    /* STEP_CGROUP_JOIN (spawn.c sets it once the box cgroups exist): the tasks files of the
     * box's v1 cgroups, opened by the parent (owned by the plan). The child writes "0" to
     * each: a process moving itself that way skips the kernel's global threadgroup lock,
     * which moving another one by pid takes (an RCU grace period, milliseconds). */
    int cgroup_tasks_fd[BOX_PLAN_CGROUP_FDS];
    size_t n_cgroup_tasks;
    int parent_fds[5];    /* the parent's ends of the channels: closed first, so that the */
    size_t n_parent_fds;  /* child never holds both ends of one */

    /* JOIN_NS: setns(join[i].fd, join[i].nstype) in order: box_exec's one entry is the
     * running box's pidfd with all its namespaces, box_spawn's are box_join_namespace's
     * fds (borrowed from the box), ordered for the kernel (ns.c). FORK then makes the
     * process that runs the rest of the list (setns(CLONE_NEWPID) moves only children into
     * a pid namespace), with fork_flags: box_spawn's namespaces to create. */
    struct box_plan_join {
        int fd;
        int nstype;           /* CLONE_NEW* */
    } join[BOX_PLAN_JOINS];
    size_t n_join;
    bool fork;
    uint64_t fork_flags;
    bool fork_twice;          /* a joined pid namespace and a new one inside it: a process
                                 must be in the joined one before it can make the new one,
                                 so FORK runs twice (the middle process makes the box's) */
    struct box_resume *resume; /* owned scratch (child.h) */
    struct box_ns_ids *ns_ids; /* owned scratch: BOX_OPT_NS_IDS, else NULL */
    void *fork_stack;         /* the second process's stack (borrowed), fork_stack_size */
    void *fork_stack2;        /* fork_twice: the third's */
    size_t fork_stack_size;

    /* Namespaces made by the child itself. */
    const char *time_offsets; /* owned: for /proc/self/timens_offsets, or NULL */
    char hostname[BOX_PLAN_HOSTNAME_MAX + 1];
    const char *net_batch;    /* owned: netlink requests for eth0 (net.c), or NULL */
    size_t net_batch_len, net_batch_count;
    const struct box_sysctl *sysctls; /* borrowed: box_set_sysctl's, written in order */
    size_t n_sysctls;

    /* The root and the mount tree (mount.c). */
    const char *root;     /* host directory of the new root, or NULL for a tmpfs */
    const char *base;     /* host directory where the new root is attached before pivot */
    char *base_owned;     /* owned: base when it is the root's own directory, or NULL */
    const struct box_mount_op *mounts; /* borrowed */
    size_t n_mounts;
    int (*trees)[BOX_DEV_NODES]; /* owned scratch: per op, detached trees opened in the child
                                    (O_PATH sources of the fallbacks: mount.c) */
    const struct box_overlay *root_overlay; /* borrowed: the root as an overlay, or NULL */
    int *overlay_fds;     /* owned scratch: room for every overlay's layer fds, all -1; NULL
                             when there is no overlay */
    bool overlay_userxattr; /* a user namespace: overlay with user.* xattrs */
    struct box_plan_cgroup *cgroups; /* owned: the hierarchies of BOX_MOUNT_CGROUP mounts */
    size_t n_cgroups;
    int *cgroup_trees;    /* owned scratch: n_mounts * n_cgroups O_PATH fds of the
                             sources, opened by OPEN_SOURCE for each BOX_MOUNT_CGROUP op */
    bool cgroup_ns;       /* the box has (or joins) a cgroup namespace: fresh mounts */
    const char *cwd;      /* borrowed: box_set_cwd's, or "/" */
    const char **cwd_list; /* owned array, borrowed strings: the directories CHDIR tries in
                              order (NULL-terminated); NULL: cwd alone, required */
    bool cwd_required;    /* box_set_cwd: cwd_list is that one directory, or fail */
    char **pwd_slot;      /* BOX_OPT_SET_PWD: the envp entry CHDIR points at pwd_values[i] */
    char **pwd_values;    /* owned: "PWD=dir" for each cwd_list entry, or NULL */
    bool root_devices;    /* BOX_ROOT_DEVICES: the root tree is not nodev */
    bool pid_ns;          /* BOX_NS_PID: BOX_MOUNT_PROC is a new proc, else the caller's */
    const struct box_hook *hooks; /* borrowed: box_hook's (hook.c), each with its point */
    size_t n_hooks;
    char *const *lock_files; /* borrowed: box_lock_file's paths */
    size_t n_lock_files;
    bool no_userns, assert_no_userns; /* BOX_OPT_NO_USERNS, BOX_OPT_ASSERT_NO_USERNS */
    int switch_userns_fd; /* SWITCH_USERNS: box_switch_user_namespace's (borrowed), or -1 */

    struct rlimit rlimits[BOX_RLIMITS];
    int rlimit_resource[BOX_RLIMITS]; /* RLIMIT_*, or -1 when unset */

    /* Identity inside the box. */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;  /* borrowed */
    size_t n_groups;

    /* Capabilities (caps.c). */
    uint64_t cap_keep;    /* kept: bounding, permitted, effective */
    bool cap_keep_held;   /* box_cap_keep_all: keep those of cap_keep the child holds */
    bool cap_ambient;     /* also inheritable + ambient, so they survive exec as uid != 0
                             (and for uid 0 with BOX_OPT_CAPS_INHERITABLE, as bwrap) */
    bool cap_inheritable; /* inheritable (cap_ambient or BOX_OPT_CAPS_INHERITABLE) */
    bool cap_caller_inheritable; /* BOX_OPT_CAPS_CALLER_INHERITABLE for uid 0: the caller's
                                    inheritable ones kept, each kept one tried as ambient */
    bool cap_bounding_only; /* BOX_OPT_CAPS_BOUNDING_ONLY and a uid other than 0: cap_keep
                               is the bounding set only, the program starts with none */

    /* Landlock (landlock.c); n_landlock 0: no ruleset. */
    uint64_t landlock_handled;
    const struct box_plan_landlock *landlock; /* owned array, borrowed paths */
    size_t n_landlock;

    const struct box_fdpass *fds; /* borrowed; n_fds 0: stdio stays, the rest closes */
    size_t n_fds;
    bool tty;             /* TTY (tty.c): a new pty is the controlling terminal and 0..2 */
    unsigned short tty_rows, tty_cols; /* its size; 0 0: the kernel's */

    /* Seccomp (seccomp.c), installed last. */
    struct sock_filter *seccomp_filter; /* owned: classic BPF, or NULL */
    unsigned short seccomp_len;
    const struct box_bpf *seccomp_user; /* borrowed: the caller's programs, in order */
    size_t n_seccomp_user;
    bool seccomp_listener; /* a rule notifies: install with a listener, send it back */

    /* Profiling (bench/steps): when set, the child writes the CLOCK_MONOTONIC time (ns) at
     * which each step it runs starts into stamps[STEP_*]. Borrowed from the box. */
    uint64_t *stamps;

    /* The program. */
    char *const *argv;    /* owned copy */
    char *const *envp;    /* borrowed, or envp_owned (BOX_OPT_SET_PWD) */
    char **envp_owned;
    char **exec_paths;    /* owned: candidates for argv[0], tried in order */
    size_t n_exec_paths;
    int init_fd;          /* BOX_OPT_INIT: O_PATH fd of box-init (owned), else -1 */
    char **init_argv;     /* owned: box-init ERRFD STATUSFD N PATHS... ARGV... */
};

#endif
