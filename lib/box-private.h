/* The box object and the interfaces between the library's modules. Not installed. */
#ifndef LIBBOX_PRIVATE_H
#define LIBBOX_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>

#include "box.h"
#include "plan.h"

#define BOX_API __attribute__((visibility("default")))

#define BOX_ERRMSG_MAX 512
#define BOX_MAX_IDMAP 340
#define BOX_HOSTNAME_MAX 64
#define BOX_MAX_GROUPS 64
#define BOX_BPF_MAX_INSNS 4096

struct box_idmap {
    uint32_t inside, outside, count;
};

#define BOX_LIMIT_COUNT (BOX_LIMIT_HUGETLB + 1)

/* cgroup.c: the box's cgroup directories, one per hierarchy used. */
enum {
    BOX_CG_V2, BOX_CG_MEMORY, BOX_CG_PIDS, BOX_CG_CPU, BOX_CG_CPUACCT, BOX_CG_CPUSET, BOX_CG_IO,
    BOX_CG_HUGETLB,
    BOX_CG_FREEZER, /* v1 only, for the whole-box kill where there is no v2 cgroup */
    BOX_CG_DEVICES, /* v1 devices, or on v2 a device program on the v2 cgroup (devices.c) */
    BOX_CG_SLOTS
};
struct box_cgroup {
    char *dir[BOX_CG_SLOTS];   /* malloc'ed paths, NULL when not used */
    bool v2_slot[BOX_CG_SLOTS]; /* this controller is handled in dir[BOX_CG_V2] */
    char *leaf;                /* v2: dir[BOX_CG_V2]/init, where the box's own processes
                                  live (no internal processes), or NULL */
    unsigned int offered;      /* v2: 1 << slot for each controller offered to the cgroups
                                  of execs (the box's cgroup.subtree_control) */
    bool has_children;         /* cgroups of execs were made below it: not reused */
    bool v2_killed;            /* cgroup.kill was written: not reused (the kernel goes on
                                  killing children cloned into it, CLONE_INTO_CGROUP) */
    bool was_frozen;           /* box_pause froze it: a pooled cgroup is thawed for reuse */
    /* The counters the cgroup's earlier boxes left (it came from a box_cgroup_pool, where
     * the kernel cannot reset them): subtracted from what usage reads. */
    uint64_t base_cpu_us, base_user_us, base_system_us, base_oom_kills, base_pids_hits;
    uint64_t base_memory; /* v1: bytes still charged when the box started (kernel memory) */
};

/* landlock.c: one path rule (box_landlock_path). */
struct box_landlock_rule {
    char *path;          /* normalised, inside the box */
    unsigned int access; /* BOX_LANDLOCK_* */
};

/* seccomp.c: one rule of the caller's (box_seccomp_rule). */
struct box_seccomp_rule {
    int nr;          /* native system call number */
    int action;      /* BOX_SECCOMP_* */
    int errno_value;
    size_t n_args;   /* 0: every call of nr */
    box_seccomp_arg_t args[BOX_SECCOMP_MAX_ARGS];
};

/* devices.c: one box_device_rule. */
struct box_device_rule {
    bool allow;
    char type;            /* 'a', 'c', 'b' */
    int64_t major, minor; /* -1: any */
    unsigned int access;  /* BOX_DEVICE_* */
};

/* cgroup.c: one io throttle (box_set_io_limit). */
struct box_io_rule {
    unsigned int major, minor;
    box_io_limit_t kind;
    uint64_t value;
};

/* hook.c: one box_hook, in one block (argv, envp, their strings and the input). */
struct box_hook {
    int when;              /* BOX_HOOK_* */
    unsigned int timeout_ms;
    const char *path;      /* in block */
    char **argv, **envp;   /* in block */
    const char *input;     /* in block, input_len bytes; or in input_block */
    size_t input_len;
    void *block;
    void *input_block;     /* box_hook_input's copy, or NULL */
};

/* BOX_HELD: spawned with BOX_OPT_HOLD or BOX_OPT_CALLER_MAPS, the child waits for
 * box_start. */
enum box_state { BOX_CONFIGURED, BOX_HELD, BOX_RUNNING, BOX_ENDED };
struct box_launch;

#define BOX_NS_TYPES 8 /* the BOX_NS_* bits */

struct box {
    enum box_state state;
    unsigned int ns;   /* the namespaces the box creates (never one it joins) */
    unsigned int ns_join;          /* ns.c: box_join_namespace's BOX_NS_* bits */
    int join_fd[BOX_NS_TYPES];     /* by bit number: the box's duplicate, else -1 */
    char *join_what[BOX_NS_TYPES]; /* the path, or "fd N", for messages */
    int switch_userns_fd;          /* ns.c: box_switch_user_namespace's duplicate, or -1 */
    bool hostname_set; /* box_set_hostname was called */
    bool tty;          /* tty.c: box_set_tty */
    unsigned short tty_rows, tty_cols;
    unsigned int opts;
    char hostname[BOX_HOSTNAME_MAX + 1];
    char *root;
    struct box_overlay *root_overlay; /* box_set_root_overlay, instead of root */
    unsigned int root_flags;
    struct box_mount_op *mounts;
    size_t n_mounts;
    struct box_idmap uid_map[BOX_MAX_IDMAP], gid_map[BOX_MAX_IDMAP];
    size_t n_uid_map, n_gid_map;
    uid_t uid;
    gid_t gid;
    bool user_set;        /* box_set_user was called (BOX_OPT_CALLER_MAPS' default ids) */
    gid_t groups[BOX_MAX_GROUPS]; /* box_set_groups: supplementary groups, inside the box */
    size_t n_groups;
    char **env;        /* "NAME=value", NULL-terminated */
    size_t n_env;
    char *cwd;
    bool cwd_set;      /* box_set_cwd was called: its directory or an error */
    char **cwd_try;    /* box_try_cwd: candidates when cwd_set is false, in order */
    size_t n_cwd_try;
    char **lock_files; /* box_lock_file: paths in the box */
    size_t n_lock_files;
    struct box_hook *hooks; /* hook.c: box_hook's, in order */
    size_t n_hooks;
    unsigned int hook_whens; /* 1 << BOX_HOOK_* of each point that has one */
    box_hook_fn hook_fn;     /* box_hook_caller's, and its data */
    void *hook_data;
    bool in_hook_fn;         /* box_spawn runs hook_fn: box_pid and box_hook_input work */
    char *program;     /* box_set_program: what to exec instead of argv[0], or NULL */
    char *init_path;   /* box_set_init_path: box-init for BOX_OPT_INIT, or NULL */
    struct box_fdpass *fds;
    size_t n_fds;
    bool limit_set[BOX_LIMIT_COUNT];
    uint64_t limit[BOX_LIMIT_COUNT];
    bool time_offset_set[3]; /* box_set_time_offset, by BOX_CLOCK_* */
    int64_t time_offset[3];
    char *net_host_if;  /* net.c: box_net_veth, or NULL */
    uint32_t net_host_addr, net_box_addr; /* network order */
    unsigned int net_prefix;
    struct box_net *net; /* net.c: box_net_bridge, box_net_pasta, box_net_publish, or NULL */
    char *cgroup_parent;
    int cgroup_backend; /* BOX_CGROUP_BACKEND_* */
    char *cpuset_cpus, *cpuset_mems;
    struct box_io_rule *io_rules;
    size_t n_io_rules;
    struct box_cgroup cg;
    box_cgroup_pool_t *cgroup_pool; /* cgroup-pool.c: box_set_cgroup_pool (a reference) */
    char *cg_pool_key; /* the shape of cg, when the pool may take it back after the box */
    bool limit_enforced[BOX_LIMIT_COUNT]; /* after spawn: which limits are in force, */
    char *limit_state[BOX_LIMIT_COUNT];  /* and where (a file, a mechanism) or why not */
    uint64_t cap_keep;  /* caps.c: capabilities the program keeps (bit = CAP_*) */
    bool cap_keep_all;  /* box_cap_keep_all: every one the box's first process holds */
    bool seccomp_default_off;                /* seccomp.c */
    int seccomp_default_action;              /* BOX_SECCOMP_*, ALLOW by default */
    int seccomp_default_errno;
    struct box_seccomp_rule *seccomp_rules;
    size_t n_seccomp_rules;
    struct box_bpf *seccomp_bpf; /* box_seccomp_add_bpf / load_bpf: the caller's own
                                    programs, installed in this order */
    size_t n_seccomp_bpf;
    char *seccomp_cache_dir;     /* seccomp-cache.c: box_seccomp_cache_dir, or NULL */
    struct box_device_rule *device_rules; /* devices.c: box_device_rule, in order */
    size_t n_device_rules;
    struct box_sysctl *sysctls; /* sysctl.c: box_set_sysctl, in the order first set */
    size_t n_sysctls;
    struct box_landlock_rule *landlock_rules; /* landlock.c */
    size_t n_landlock_rules;
    bool landlock_best_effort;
    struct box_image *image; /* image.c, image-run.c: box_set_image, or NULL */
    char *id;         /* state.c: box_set_id, or NULL */
    char *state_dir;  /* box_set_state_dir, or NULL: the default */
    char *label;      /* box_set_label, or NULL */

    /* while running */
    struct box_launch *launch; /* spawn.c: held until box_start (BOX_HELD only) */
    bool held_for_maps;   /* BOX_HELD by BOX_OPT_CALLER_MAPS: the child waits for its maps */
    pid_t pid;
    int pidfd;         /* the box's first process */
    int monitor_pidfd; /* monitor.c: libbox's process between us and the box, or -1 */
    void *monitor_stack; /* its stack (it shares our memory), unmapped once it is reaped */
    int status_fd;     /* read end of the monitor's status pipe (struct box_exit_record) */
    int init_status_fd; /* BOX_OPT_INIT: read end of box-init's, else -1 */
    uint64_t caller_maxrss_kb; /* our own peak at exec, for max_rss_bytes (wait.c) */
    struct box_ns_ids ns_ids;  /* ns.c: BOX_OPT_NS_IDS, once the child recorded them */
    int term_signal;   /* box_kill turned this signal into SIGKILL (pid 1 had no handler) */
    int notify_fd;     /* seccomp.c: the user-notification listener, or -1 */
    int tty_fd;        /* tty.c: the pty's master (box_set_tty), or -1 */
    uint64_t start_ns;
    bool killed_by_caller, killed_by_wall, killed_by_cpu;
    box_status_t status;
    /* state.c: a detached (BOX_OPT_DETACH) or opened (box_open) box is not this process's
     * to end: box_free leaves it, box_wait reads box-init's record in its state directory */
    bool detached;
    int state_fd;        /* <state_dir>/<id>, O_DIRECTORY, or -1 */
    uint64_t starttime;  /* of pid: /proc/PID/stat field 22, clock ticks since boot */
    uint64_t started_ns; /* CLOCK_REALTIME when the program was released (0: held) */
    struct box *orphan_next; /* box.c: box_free'd, its held child still on our memory */

    char errmsg[BOX_ERRMSG_MAX];
    const char *errstep; /* box_error_step: a static step id, "" when none */

    uint64_t *profile; /* box__set_profile: BOX_PROF_COUNT stamps (child.h), or NULL */
};

/* base.c, the bottom of lib/: the box's error message and the phase checks. */
int box__error(box_t *box, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void box__clear_error(box_t *box);
int box__check_configurable(box_t *box, const char *what); /* 0, or -EINVAL/-EBUSY */
/* base.c: replace *dest with a copy of value (or NULL); -ENOMEM under `what`. */
int box__set_string(box_t *box, const char *what, const char *value, char **dest);

/* util.c */
void box__child_stack_fresh(void *stack, size_t size);
uint64_t box__now_ns(void);
/* A payload with maybe an fd (SCM_RIGHTS, made O_CLOEXEC) on a socket: its length or
 * -errno; *fd is left alone without one. */
ssize_t box__recv_with_fd(int sock, void *buf, size_t len, int flags, int *fd);
int box__proc_starttime(pid_t pid, uint64_t *out); /* -errno: gone (or no /proc) */

/* Profiling, for bench/steps (not exported): box_spawn stamps its phases and the child the
 * start of each step into stamps[BOX_PROF_COUNT] (child.h), CLOCK_MONOTONIC ns; entries of
 * steps that did not run keep their value. NULL turns it off (the default). */
void box__set_profile(box_t *box, uint64_t *stamps);
static inline void box__profile_mark(box_t *box, int mark)
{
    if (box->profile)
        box->profile[mark] = box__now_ns();
}
int box__write_file(const char *path, const char *data, size_t len);
int box__path_join(char *buf, size_t size, const char *dir, const char *file);
int box__normalize_path(const char *in, char **out);
pid_t box__proc_pid(int pidfd, pid_t pid);

static inline void box__freep(void *p) { free(*(void **)p); }
static inline void box__closep(const int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_ __attribute__((cleanup(box__freep)))
#define _cleanup_close_ __attribute__((cleanup(box__closep)))

/* ns.c */
int box__ns_clone_flags(unsigned int ns);
int box__ns_setns_flags(unsigned int ns);
int box__idmap_format(const struct box_idmap *map, size_t n, char *buf, size_t size);
int box__ns_write_maps(box_t *box, pid_t pid);
void box__ns_ids_take(box_t *box, const struct box_plan *p);
int box__ns_time_offsets(box_t *box, char **out); /* records the message */
/* box_join_namespace: spawn's refusals (the message), the join list and fork of the plan;
 * what box_exec enters (the created and joined ones); box_new's and box_free's part. */
int box__ns_join_check(box_t *box);
int box__ns_join_prepare(box_t *box, struct box_plan *p);
unsigned int box__ns_entered(const box_t *box);
int box__ns_join_error(box_t *box, const struct box_plan *p, int index, int err);
void box__ns_join_init(box_t *box);
void box__ns_join_free(box_t *box);

/* mount.c: the parent validates and records; child.c replays. */
int box__mount_add(box_t *box, box_mount_type_t type, const char *source, const char *target,
                  unsigned int flags, uint64_t size, mode_t mode); /* mode: BOX_NO_MODE */
/* The same (no size or mode, not BOX_MOUNT_TRY), the new mount holding source_fd (-1:
 * none) or overlay (NULL: none), freed with it; on failure they stay the caller's. */
struct box_overlay;
int box__mount_add_holding(box_t *box, box_mount_type_t type, const char *source,
                           const char *target, unsigned int flags, int source_fd,
                           struct box_overlay *overlay);
const char *box__mount_type_name(box_mount_type_t type);
void box__mount_free(struct box_mount_op *op);
void box__overlay_free(struct box_overlay *ov);

/* overlay.c */
int box__overlay_new(box_t *box, const char *what, size_t n, const char *const lowers[],
                    const char *upper, const char *work, struct box_overlay **out);
size_t box__overlay_fd_slots(const box_t *box); /* fds the child needs for the layers */

/* image-run.c: the box's side of box_set_image, released by box_free (after the reap) */
void box__image_free(box_t *box);
/* The argv box_spawn runs: the image's Entrypoint and Cmd around the caller's argv (an
 * array of borrowed strings: free only it), or *out NULL when the box has no image. */
int box__image_argv(box_t *box, const char *const argv[], char ***out);

/* limits.c: one row per BOX_LIMIT_*. */
enum box_limit_kind { BOX_LIMIT_KIND_RLIMIT = 1, BOX_LIMIT_KIND_CGROUP, BOX_LIMIT_KIND_TIME };
struct box_limit_file {
    const char *file; /* in the cgroup directory; "*" stands for the huge page size */
    void (*format)(uint64_t value, uint64_t memory, char *buf, size_t size);
    const char *pre_file, *pre_value; /* written first (v1's cpu period) */
    const char *reset; /* the file's text without a limit (a pooled cgroup's reset), or
                          NULL: a cgroup that had this limit is not reused */
};
struct box__limit_desc {
    const char *name;        /* box_limit_name */
    enum box_limit_kind kind;
    int unit;                /* BOX_LIMIT_UNIT_* */
    uint64_t min, max;       /* what box_set_limit accepts */
    int rlimit;              /* RLIMIT_* or -1 */
    const char *rlimit_name; /* the kernel's name ("nofile", "cpu") or NULL */
    int slot;                /* BOX_CG_* holding its controller, or -1 */
    struct box_limit_file v1, v2;
};
const struct box__limit_desc *box__limit_desc(box_limit_t limit); /* NULL if unknown */
int box__limit_to_rlimit(box_limit_t limit);
int box__limit_check(box_t *box, box_limit_t limit, uint64_t value); /* box_set_limit's */
/* The text cgroup v1 or v2 takes for `value` (memory: the box's memory limit, for v1's
 * memory+swap). -EINVAL for a limit without a cgroup file. */
int box__limit_format(box_limit_t limit, bool v2, uint64_t value, uint64_t memory, char *buf,
                     size_t size);

/* cgroup.c */
bool box__limit_is_cgroup(box_limit_t limit);
int box__cpuset_list_valid(const char *list);
int box__cgroup_create(box_t *box);
/* Into the box's cgroups, or where `own` has one into an exec's own (NULL: none);
 * v2_placed: clone3 put it in the v2 one already; v1_self: it joins the v1 ones itself
 * (STEP_CGROUP_JOIN, through box__cgroup_tasks_fds). */
int box__cgroup_attach(box_t *box, const struct box_cgroup *own, pid_t pid, bool v2_placed,
                       bool v1_self);
/* Open the tasks file of each v1 cgroup the process joins (O_WRONLY, O_CLOEXEC) into fds[]
 * (room for BOX_PLAN_CGROUP_FDS), *n of them: the exec's own cgroup where `own` has one,
 * else the box's, as box__cgroup_attach picks them. 0, or -errno with the message (none
 * left open). */
int box__cgroup_tasks_fds(box_t *box, const struct box_cgroup *own, int *fds, size_t *n);
const char *box__cgroup_v2_home(const box_t *box); /* where clone3 places the box, or NULL */
void box__cgroup_kill(box_t *box);
int box__cgroup_update_limit(box_t *box, box_limit_t limit, uint64_t value); /* box_update_limit */
int64_t box__cgroup_cpu_us(box_t *box, uint64_t *user_us, uint64_t *system_us);
void box__cgroup_usage(box_t *box, box_status_t *st);
void box__cgroup_destroy(box_t *box);
void box__cgroup_forget(box_t *box); /* free the paths, leave the cgroups */

/* cgroup-pool.c: a box_cgroup_pool keeps the cgroups of ended boxes, reset, for the next
 * box of the same shape (key). take: 1 and *cg filled from an idle set with that key, or
 * 0. put: true when the pool took cg (then cg is cleared), false when it is full or freed
 * (cg is the caller's to remove). unref: a box's reference is gone. */
int box__cgroup_pool_take(box_cgroup_pool_t *pool, const char *key, struct box_cgroup *cg);
bool box__cgroup_pool_put(box_cgroup_pool_t *pool, const char *key, struct box_cgroup *cg);
void box__cgroup_pool_ref(box_cgroup_pool_t *pool);
void box__cgroup_pool_unref(box_cgroup_pool_t *pool);
/* After box__cgroup_create: the hierarchies of the box's BOX_MOUNT_CGROUP mounts into the
 * plan (nothing when it has none). */
int box__cgroup_mount_prepare(box_t *box, struct box_plan *p);
void box__cgroup_mount_free(struct box_plan *p);
int box__cgroup_frozen(box_t *box);  /* 1, 0 (or no freezer), -errno */
/* A box_exec process's own cgroups ("exec-N" below the box's), with the cgroup limits of
 * limit[] where set[] (box_set_limit's values): 0 or a negative errno with the message.
 * Usage and kill read and signal them; destroy removes them (killing what is left). */
int box__cgroup_exec_create(box_t *box, const bool set[BOX_LIMIT_COUNT],
                            const uint64_t limit[BOX_LIMIT_COUNT], struct box_cgroup *cg);
int64_t box__cgroup_exec_cpu_us(const struct box_cgroup *cg);
void box__cgroup_exec_usage(const struct box_cgroup *cg, box_status_t *st);
void box__cgroup_exec_kill(const struct box_cgroup *cg);
void box__cgroup_exec_destroy(struct box_cgroup *cg);
void box__cgroup_exec_forget(struct box_cgroup *cg);
void box__limit_record(box_t *box, box_limit_t limit, bool enforced, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* wait.c: wait for the monitor to exit and release it (pidfd, stack, status pipe). */
void box__monitor_release(box_t *box, int *status);
/* wait.c: BOX_OPT_NO_MONITOR: reap the first process (our child) by its pidfd; false if
 * another waiter took it. */
struct box_exit_record;
bool box__reap_first(box_t *box, struct box_exit_record *rec);
void box__detached_ended(box_t *box); /* fill the status of an ended detached box */

/* spawn.c: kill, reap and release a box that waits for box_start (no-op otherwise). */
void box__launch_abort(box_t *box);
void box__launch_release(box_t *box); /* a detached box's, once its child is gone */
void box__launch_orphan(box_t *box); /* close our fds of a launch box_free keeps */

/* state.c: the state directory of a detached box (BOX_OPT_DETACH, box_open). */
struct box_exit_record;
struct box_state_fds {
    int exit_wr;  /* box-init's status fd: the state directory's "exit" file */
    int hold;     /* BOX_OPT_HOLD: the listening "start" socket the held child accepts on */
};
int box__state_create(box_t *box, struct box_state_fds *fds); /* locked until unlock */
int box__state_write(box_t *box, const struct box_plan *p, bool held);
void box__state_unlock(box_t *box);
void box__state_remove(box_t *box); /* the directory and everything in it */
void box__state_free(box_t *box);
int box__state_read_exit(box_t *box, struct box_exit_record *rec); /* 1, 0: none */
int box__state_note_limit(box_t *box, box_limit_t limit); /* box_update_limit's value */
int box__state_start(box_t *box);
int box__state_load(box_t *box, const char *dir, const char *id);
int box__state_parse(box_t *box, const char *text, size_t len);
int box__state_dir_open(box_t *box, const char *dir, bool create, int *out);
int box__state_check_id(box_t *box, const char *what, const char *id);
int box__state_lock(box_t *box, int how);
bool box__state_held(box_t *box);

/* plan.c: freeze the box's configuration into the plan the child runs (plan.h). */
int box__plan_build(box_t *box, const char *const argv[], struct box_plan *p);
int box__plan_set_channels(box_t *box, struct box_plan *p, int err_fd, int sync_fd,
                           int status_fd);
int box__fd_above(int fd, int low);
void box__plan_free(struct box_plan *p);
/* What box_exec changes in the box's plan (exec.c fills it from box_exec_opts_t; all
 * borrowed until the exec). */
struct box_exec_over {
    const char *cwd;         /* NULL: the box's */
    char *const *env;        /* NULL: the box's */
    const struct box_fdpass *fds; /* the program's stdio, 0 or 3 entries */
    size_t n_fds;
    bool user;               /* uid and gid instead of the box's */
    uid_t uid;
    gid_t gid;
    bool groups;             /* groups instead of the box's */
    const gid_t *group_list;
    size_t n_groups;
    bool limit_set[BOX_LIMIT_COUNT]; /* the rlimits among them replace the box's */
    uint64_t limit[BOX_LIMIT_COUNT];
    bool tty;                /* a terminal of its own (the box's is not inherited) */
    unsigned short tty_rows, tty_cols;
    bool caps_bounding_only; /* BOX_EXEC_CAPS_BOUNDING_ONLY */
};
/* caps.c: a non-zero uid of the plan gets the kept capabilities as bounding set only. */
void box__caps_bounding_only(struct box_plan *a);
int box__plan_build_exec(box_t *box, const char *const argv[], const struct box_exec_over *o,
                         struct box_plan *p);
const char *box__init_path(const box_t *box); /* box-init, for BOX_OPT_INIT */

/* net.c: the parent's side of box_net_veth (after clone, before release) */
int box__net_begin(box_t *box); /* before the clone */
int box__net_prepare(box_t *box, struct box_plan *a);
int box__net_setup(box_t *box, pid_t pid, pid_t proc_pid);
void box__net_end(box_t *box); /* the box is gone, or its spawn failed */

/* tty.c: TIOCSWINSZ on a master; the master the child sent on the sync socket (fd or
 * -errno) */
int box__tty_resize(int fd, unsigned short rows, unsigned short cols);
int box__tty_receive(int sock);

/* probe.c */
const char *box__userns_hint(void);

/* caps.c (its child side is in the step table, child.h) */
uint64_t box__caps_valid_mask(void);
int box__caps_parse(const char *name, int *out);
const char *box__caps_name(int cap, char *buf, size_t size); /* "CAP_SYS_ADMIN" */
void box__caps_prepare(const box_t *box, struct box_plan *a);

/* seccomp-cache.c: compiled filters by the key of their inputs (seccomp.c writes it). get:
 * 1 and *out (malloc'ed) on a hit, 0 on a miss, -ENOMEM. put: into this process's slots,
 * and into the box's cache directory if it has one. */
struct sock_filter;
int box__seccomp_cache_get(const box_t *box, const void *key, size_t key_len,
                           struct sock_filter **out, unsigned short *len);
void box__seccomp_cache_put(const box_t *box, const void *key, size_t key_len,
                            const struct sock_filter *bpf, unsigned short len);
void box__seccomp_cache_clear(void); /* empty this process's slots (for tests) */

/* seccomp.c */
int box__seccomp_prepare(box_t *box, struct box_plan *a);
void box__seccomp_free(box_t *box);

/* devices.c: the rules for cgroup v1 ("c 1:3 rw"), the v2 program (into room for
 * box__devices_bpf_max instructions; its length), loading and attaching it. */
struct bpf_insn;
void box__devices_free(box_t *box);
int box__device_rule_v1(const struct box_device_rule *d, char *buf, size_t size);
size_t box__devices_bpf(const box_t *box, struct bpf_insn *out);
size_t box__devices_bpf_max(const box_t *box);
int box__devices_attach_v2(box_t *box, const char *dir);

/* sysctl.c */
int box__sysctl_prepare(box_t *box, struct box_plan *p);
void box__sysctl_free(box_t *box);

/* hook.c */
void box__hooks_free(box_t *box);
int box__hook_error(box_t *box, const char *verb, const struct box_child_error *e);
int box__hook_caller_run(box_t *box);

/* landlock.c */
uint64_t box__landlock_handled(int abi);
uint64_t box__landlock_access(unsigned int access, uint64_t handled);
int box__landlock_prepare(box_t *box, struct box_plan *a);
void box__landlock_free(box_t *box);

#endif
