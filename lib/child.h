/* The child's steps: one table, from which the step enum, the step names, the run order and
 * the choice of steps for a spawn are all generated. Each row is
 * X(ID, fn, public, module, lists, name, when):
 *   ID      STEP_<ID>, the value in struct box_child_error.step;
 *   fn      box__step_<fn>, defined in lib/<module>.c (scripts/callgraph.py checks that);
 *   public  the step's stable identifier for programs (box_error_step): fn, with '-';
 *   name    what the parent's error message calls the step ("spawn: <name> ...");
 *   when    for box_spawn: the condition, over the box (`box`) and its plan (`p`), under
 *           which plan.c sets the step's bit. It is evaluated by the parent only.
 * The rows are in the order the kernel needs them; child.c runs them in that order, each
 * only if the plan (plan.h) sets its bit. doc/internals.md is printed from this table
 * (tests/unit/test_child --print-steps) and a test keeps the two equal. */
#ifndef LIBBOX_CHILD_H
#define LIBBOX_CHILD_H

#include "plan.h"

#define BOX_STEPS(X)                                                                             \
    X(SIGNALS, signals, "signals", child, BOTH, "reset signal handlers", true)                   \
    X(JOIN_NS, join_ns, "join-ns", ns, BOTH, "join namespace", p->n_join)                        \
    X(FORK, fork, "fork", child, BOTH, "fork into the joined namespaces", p->fork)              \
    X(CLOSE_EARLY, close_early, "close-early", child, SPAWN, "close the caller's descriptors",  \
      box->opts & BOX_OPT_CALLER_MAPS)                                                           \
    X(HOSTNAME, hostname, "hostname", child, SPAWN, "sethostname", box->ns & BOX_NS_UTS)         \
    X(LOOPBACK, loopback, "loopback", child, SPAWN, "bring up lo", box->ns & BOX_NS_NET)         \
    X(WAIT_PARENT, wait_parent, "wait-parent", child, BOTH, "wait for uid/gid maps", true)       \
    X(CGROUP_JOIN, cgroup_join, "cgroup-join", child, BOTH, "join the box's v1 cgroups",         \
      p->n_cgroup_tasks)                                                                         \
    X(BOX_ROOT, box_root, "box-root", child, SPAWN, "become the box's root",                     \
      (box->ns | box->ns_join) & BOX_NS_USER)                                                    \
    X(CGROUP_NS, cgroup_ns, "cgroup-ns", child, SPAWN, "unshare cgroup namespace",               \
      box->ns & BOX_NS_CGROUP)                                                                   \
    X(SETSID, setsid, "setsid", child, SPAWN, "setsid", box->opts & BOX_OPT_NEW_SESSION)         \
    X(TIME_NS, time_ns, "time-ns", child, SPAWN, "make the time namespace",                      \
      box->ns & BOX_NS_TIME)                                                                     \
    X(NS_IDS, ns_ids, "ns-ids", ns, SPAWN, "record the namespace ids",                           \
      box->opts & BOX_OPT_NS_IDS)                                                                \
    X(NET, net, "net", net, SPAWN, "configure eth0 in the box (box_net_veth)", p->net_batch)     \
    X(SYSCTL, sysctl, "sysctl", sysctl, SPAWN, "write sysctl", p->n_sysctls)                     \
    X(HOST_PROC, host_proc, "host-proc", child, SPAWN, "open the host's /proc", p->no_userns)    \
    X(MOUNT_PRIVATE, mount_private, "mount-private", mount, SPAWN, "make mounts private",        \
      box->ns & BOX_NS_MNT)                                                                      \
    X(OPEN_ROOT, open_root, "open-root", mount, SPAWN, "open root",                              \
      (box->ns & BOX_NS_MNT) && !box->root_overlay)                                              \
    X(OPEN_SOURCE, open_source, "open-source", mount, SPAWN, "open mount source",                \
      box->ns & BOX_NS_MNT)                                                                      \
    X(OVERLAY, overlay, "overlay", overlay, SPAWN, "make overlay", p->overlay_fds)               \
    X(ATTACH_ROOT, attach_root, "attach-root", mount, SPAWN, "attach new root at",               \
      box->ns & BOX_NS_MNT)                                                                      \
    X(MOUNT, mount, "mount", mount, SPAWN, "mount", box->ns & BOX_NS_MNT)                        \
    X(ROOT_READONLY, root_readonly, "root-readonly", mount, SPAWN, "make root read-only",        \
      (box->ns & BOX_NS_MNT) && (box->root_flags & BOX_ROOT_READONLY))                           \
    X(HOOK_CALLER, hook_caller, "hook-caller", hook, SPAWN,                                   \
      "run the caller's function (box_hook_caller)", box->hook_fn != NULL)                       \
    X(HOOK_MOUNTED, hook_mounted, "hook-mounted", hook, SPAWN, "run hook (BOX_HOOK_MOUNTED)",   \
      box->hook_whens & (1u << BOX_HOOK_MOUNTED))                                                \
    X(PIVOT_ROOT, pivot_root, "pivot-root", mount, SPAWN, "pivot_root into",                     \
      box->ns & BOX_NS_MNT)                                                                      \
    X(SWITCH_USERNS, switch_userns, "switch-userns", ns, SPAWN, "switch to the user namespace",  \
      p->switch_userns_fd >= 0)                                                                  \
    X(CHDIR, chdir, "chdir", child, BOTH, "chdir", true)                                         \
    X(USERNS, userns, "userns", child, SPAWN, "disable user namespaces",                         \
      p->no_userns || p->assert_no_userns)                                                       \
    X(RLIMIT, rlimit, "rlimit", child, BOTH, "setrlimit", plan_has_rlimits(p))                   \
    X(SECCOMP_EARLY, seccomp, "seccomp-early", seccomp, BOTH, "install seccomp filter",         \
      (p->seccomp_filter || p->n_seccomp_user) && (box->opts & BOX_OPT_ALLOW_NEW_PRIVS))         \
    X(CAPS_BOUNDING, caps_bounding, "caps-bounding", caps, BOTH, "drop capabilities", true)      \
    X(SETGROUPS, setgroups, "setgroups", child, BOTH, "setgroups", true)                         \
    X(SETGID, setgid, "setgid", child, BOTH, "setgid", true)                                     \
    X(SETUID, setuid, "setuid", child, BOTH, "setuid", true)                                     \
    X(CAPS, caps, "caps", caps, BOTH, "drop capabilities", true)                                 \
    X(PDEATHSIG, pdeathsig, "pdeathsig", child, SPAWN, "set parent-death signal",                \
      box->opts & BOX_OPT_DIE_WITH_PARENT)                                                       \
    X(NO_NEW_PRIVS, no_new_privs, "no-new-privs", child, BOTH, "set no_new_privs",               \
      !(box->opts & BOX_OPT_ALLOW_NEW_PRIVS))                                                    \
    X(TTY, tty, "tty", tty, BOTH, "open the terminal", p->tty)                                   \
    X(LANDLOCK, landlock, "landlock", landlock, BOTH, "apply landlock", p->n_landlock)           \
    X(FDS, fds, "fds", child, BOTH, "pass fd", true)                                             \
    X(LOCK_FILES, lock_files, "lock-files", child, SPAWN, "lock file", p->n_lock_files)          \
    X(HOLD, hold, "hold", child, SPAWN, "wait for box_start", box->opts & BOX_OPT_HOLD)          \
    X(HOOK_START, hook_start, "hook-start", hook, SPAWN, "run hook (BOX_HOOK_START)",         \
      box->hook_whens & (1u << BOX_HOOK_START))                                                  \
    X(SECCOMP, seccomp, "seccomp", seccomp, BOTH, "install seccomp filter",                      \
      (p->seccomp_filter || p->n_seccomp_user) && !(box->opts & BOX_OPT_ALLOW_NEW_PRIVS))        \
    X(EXEC, exec, "exec", child, BOTH, "exec", true)

enum box_step {
#define BOX_STEP_ENUM(id, fn, public, module, lists, name, when) STEP_##id,
    BOX_STEPS(BOX_STEP_ENUM)
#undef BOX_STEP_ENUM
    STEP_COUNT
};

/* Profiling marks of the parent's side of box_spawn, after the child's steps in one array
 * (box__set_profile): where the time of a spawn goes, step by step (bench/steps). */
enum box_profile_mark {
    BOX_PROF_SPAWN = STEP_COUNT, /* box_spawn entered */
    BOX_PROF_PLANNED,            /* the plan is built */
    BOX_PROF_CGROUP,             /* the box cgroups exist */
    BOX_PROF_CLONE,              /* right before clone */
    BOX_PROF_CLONED,             /* clone returned in the parent */
    BOX_PROF_RELEASED,           /* maps written, cgroups joined, the child released */
    BOX_PROF_EXECED,             /* the parent saw the exec (EOF on the error pipe) */
    BOX_PROF_COUNT
};

#define BOX_STEP(id) ((uint64_t)1 << STEP_##id)

/* The step lists (the `lists` column). */
#define BOX_LIST_SPAWN 1
#define BOX_LIST_EXEC 2
#define BOX_LIST_BOTH (BOX_LIST_SPAWN | BOX_LIST_EXEC)

/* STEP_FORK: the child that joined the namespaces (JOIN_NS) makes the process that runs
 * the rest of the list (setns(CLONE_NEWPID) moves only children into the pid namespace);
 * it is a sibling (CLONE_PARENT: box_exec's caller's child, box_spawn's monitor's) and
 * starts at `from`. Whoever cloned the first child reads `pid` once that has exited.
 * Parent-allocated scratch, shared memory (CLONE_VM). */
struct box_resume {
    const struct box_plan *plan;
    int from;
    pid_t pid;     /* the process that runs the rest of the list */
    int stage;     /* fork_twice: 1 once the middle process was made */
    pid_t middle;  /* fork_twice: the middle process, which exits after making `pid` */
};

/* What the child keeps between steps: the error record it sends if one fails, and the
 * fds one step hands to the next (the new root between OPEN_ROOT and PIVOT_ROOT). */
struct box_child {
    struct box_child_error e;
    long root_fd;
    long host_proc; /* HOST_PROC to USERNS: the host's /proc (BOX_OPT_NO_USERNS) */
    long umask;     /* MOUNT_PRIVATE to PIVOT_ROOT: the caller's, while the tree is built
                       under 0 */
};

/* Every step has this signature: 0, or a negative errno (and e.index / e.path say what it
 * was working on). The runner has set e.step and cleared e.index and e.path. */
typedef long box__step_fn(const struct box_plan *plan, struct box_child *c);
#define BOX_STEP_DECL(id, fn, public, module, lists, name, when) box__step_fn box__step_##fn;
BOX_STEPS(BOX_STEP_DECL)
#undef BOX_STEP_DECL

/* The step's name for messages and docs ("?" out of range), its ID and function name (fn)
 * as text, its module, and its spawn condition as text. */
const char *box__step_name(int step);
const char *box__step_id(int step);
const char *box__step_function(int step);
const char *box__step_public_id(int step); /* box_error_step: "pivot-root"; "" out of range */
const char *box__step_module(int step);
const char *box__step_when(int step);

/* The status pipe (monitor.c): what reaches box_wait when the box ends, written by
 * processes of libbox's before anyone else can reap them. BOX_RECORD_FIRST is the end of
 * the box's first process as its parent reaped it: the monitor writes it to the pipe, or
 * with BOX_OPT_NO_MONITOR box_wait makes it itself (wait.c); box-init writes a
 * BOX_RECORD_INIT to a pipe of its own before it exits. (The values are what the pipes
 * carry: 1 and 2.) */
enum { BOX_RECORD_FIRST = 1, BOX_RECORD_INIT };
struct box_exit_record {
    int source;        /* BOX_RECORD_* */
    int code;          /* CLD_EXITED, CLD_KILLED or CLD_DUMPED */
    int status;        /* the exit code or the signal */
    struct rusage ru;  /* first: the first process and every process it reaped;
                          box-init: RUSAGE_CHILDREN, the program and the orphans it reaped */
};

/* The monitor: the caller's child, libbox's, between the caller and the box. The parent
 * prepares this, clones box__monitor_main with CLONE_VM and exit signal 0 (it never execs,
 * so it keeps 0: no SIGCHLD, no auto-reaping, invisible to waitpid(-1) without __WALL);
 * the monitor clones the box's first process and reports it on the sync socket. With a
 * plan that forks (box_join_namespace), that first process joins and forks the box's
 * process as the monitor's child, and the monitor reports that one. */
struct box_monitor {
    uint64_t clone_flags; /* the box's: namespaces | CLONE_VM | CLONE_PIDFD */
    int cgroup_fd;        /* the v2 box cgroup for CLONE_INTO_CGROUP, or -1 */
    int sync_fd;          /* the child's end of the sync socket: the report goes out here */
    int status_fd;        /* write end of the status pipe: kept until the monitor exits */
    int parent_pidfd;     /* BOX_OPT_DIE_WITH_PARENT: a pidfd of the caller's process (its
                             thread group, not the spawning thread), or -1 */
    bool detach;          /* BOX_OPT_DETACH: exit once the report is sent, so that the box
                             goes to the caller's nearest subreaper */
    void *stack;          /* the first process's stack */
    size_t stack_size;
    struct box_plan *plan; /* the first process's */
};

/* The monitor's report on the sync socket, with the first process's pidfd (SCM_RIGHTS)
 * when err is 0. */
struct box_monitor_msg {
    int err;              /* positive errno of the clone, or 0 */
    int setup_failed;     /* the first process, which joins namespaces and forks the box's
                             (FORK), failed: its record is on the error pipe */
    pid_t pid;            /* the first process, in the caller's pid namespace */
    int placed;           /* cloned right into the v2 box cgroup */
};

int box__monitor_main(void *monitor);
/* The clone of the box's first process (CLONE_INTO_CGROUP where it can), by the monitor or,
 * with BOX_OPT_NO_MONITOR, by box_spawn: its pid and *pidfd, *placed when clone3 put it
 * in m->cgroup_fd; or -errno. */
long box__clone_first(const struct box_monitor *m, int *pidfd, int *placed);
#define BOX_MONITOR_STACK_SIZE (64 * 1024)

/* Run the plan's steps in table order; never returns (exec, or exit after reporting).
 * The int return is clone's entry point type. box__child_resume continues a plan at a
 * struct box_resume's `from` (STEP_FORK). */
int box__child_main(void *plan);
int box__child_resume(void *resume);

/* The list a step belongs to (BOX_LIST_*), for plan builders and docs. */
int box__step_lists(int step);

#endif
