/* Freezing a box's configuration into the plan its child runs (plan.h).
 *
 * box__plan_build is the one place that turns a box_t into child-side data: each module
 * prepares its part (caps, seccomp, landlock, net, time offsets), this file the program's
 * exec paths and argv, the fd shuffle, the rlimits, and which steps of the table run. After
 * it, nothing of the child reads the box. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "box-config.h"
#include "box-private.h"
#include "child.h"

/* Where box-init is: box_set_init_path, else $LIBBOX_INIT (the build tree's tests; ignored
 * in a setuid or setgid process), else where meson installed it. */
const char *box__init_path(const box_t *box)
{
    const char *env = secure_getenv("LIBBOX_INIT");

    if (box->init_path)
        return box->init_path;
    return env && env[0] ? env : BOX_INIT_PATH;
}

/* Where a tmpfs (or overlay) root is attached before pivot_root: any existing host
 * directory will do, since it is only hidden in the box's own mount namespace. */
static const char *pick_base(void)
{
    static const char *const candidates[] = { "/tmp", "/mnt", "/run", "/" };
    struct stat st;

    for (size_t i = 0; i < 3; i++)
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
            return candidates[i];
    return candidates[3];
}

/* The candidate paths for argv[0]: itself if it has a '/', else each entry of the box's PATH. */
static int build_exec_paths(box_t *box, const char *prog, struct box_plan *p)
{
    const char *path = "";
    size_t n = 1;

    if (strchr(prog, '/')) {
        p->exec_paths = calloc(2, sizeof *p->exec_paths);
        if (!p->exec_paths || !(p->exec_paths[0] = strdup(prog)))
            return -ENOMEM;
        p->n_exec_paths = 1;
        return 0;
    }
    for (size_t i = 0; i < box->n_env; i++)
        if (strncmp(box->env[i], "PATH=", 5) == 0)
            path = box->env[i] + 5;
    for (const char *c = path; *c; c++)
        n += *c == ':';
    p->exec_paths = calloc(n + 1, sizeof *p->exec_paths);
    if (!p->exec_paths)
        return -ENOMEM;
    for (const char *c = path; *c;) {
        size_t len = strcspn(c, ":");

        if (len > 0 && asprintf(&p->exec_paths[p->n_exec_paths++], "%.*s/%s", (int)len, c,
                                prog) < 0)
            return -ENOMEM;
        if (!c[len])
            break;
        c += len + 1;
    }
    return 0;
}

/* The directories the child tries (box_set_cwd's alone, or box_try_cwd's then "/") and,
 * with BOX_OPT_SET_PWD, an environment of our own with one slot the child points at the
 * "PWD=..." string of the directory it entered. */
static int plan_cwd(box_t *box, struct box_plan *p)
{
    size_t n = 0, n_env = 0;
    char **env;

    p->cwd_required = box->cwd_set || box->n_cwd_try == 0;
    p->cwd_list = calloc(box->n_cwd_try + 2, sizeof *p->cwd_list);
    if (!p->cwd_list)
        return -ENOMEM;
    if (p->cwd_required) {
        p->cwd_list[n++] = box->cwd;
    } else {
        for (size_t i = 0; i < box->n_cwd_try; i++)
            p->cwd_list[n++] = box->cwd_try[i];
        p->cwd_list[n++] = "/";
    }
    if (!(box->opts & BOX_OPT_SET_PWD))
        return 0;
    p->envp_owned = env = calloc(box->n_env + 2, sizeof *env);
    p->pwd_values = calloc(n + 1, sizeof *p->pwd_values);
    if (!env || !p->pwd_values)
        return -ENOMEM;
    p->envp = env;
    for (size_t i = 0; i < box->n_env; i++)
        if (strncmp(box->env[i], "PWD=", 4) != 0)
            env[n_env++] = box->env[i];
    p->pwd_slot = &env[n_env];
    for (size_t i = 0; i < n; i++)
        if (asprintf(&p->pwd_values[i], "PWD=%s", p->cwd_list[i]) < 0) {
            p->pwd_values[i] = NULL;
            return -ENOMEM;
        }
    *p->pwd_slot = p->pwd_values[0];
    return 0;
}

static bool plan_has_rlimits(const struct box_plan *p)
{
    for (int i = 0; i < BOX_RLIMITS; i++)
        if (p->rlimit_resource[i] >= 0)
            return true;
    return false;
}

/* The steps of one list (BOX_LIST_*) this box needs: each row's `when` (child.h). */
static uint64_t list_steps(const box_t *box, const struct box_plan *p, int list)
{
    uint64_t s = 0;

#define STEP_WHEN(id, fn, public, module, lists, name, when) \
    if ((BOX_LIST_##lists & list) && (when))                \
        s |= BOX_STEP(id);
    BOX_STEPS(STEP_WHEN)
#undef STEP_WHEN
    return s;
}

/* Copy what the child needs out of the box. Returns 0 or a negative errno with the box's
 * message set; on failure the caller still calls box__plan_free. */
int box__plan_build(box_t *box, const char *const argv[], struct box_plan *p)
{
    size_t argc = 0, n_ovl;
    char **args;
    int r;

    memset(p, 0, sizeof *p);
    p->sync_fd = p->err_fd = p->init_fd = p->status_fd = -1;
    p->hold_fd = -1;
    /* Over its own directory, as runc mounts a rootfs: a BOX_HOOK_MOUNTED hook sees the
     * box's tree where the caller's root has it, and the rest of the host as it is. */
    if (box->root && !box->root_overlay && (p->base_owned = realpath(box->root, NULL)) &&
        strcmp(p->base_owned, "/") != 0)
        p->base = p->base_owned;
    else
        p->base = pick_base();
    p->envp = box->env;
    p->root = box->root;
    p->root_overlay = box->root_overlay;
    p->overlay_userxattr = box__ns_entered(box) & BOX_NS_USER;
    p->mounts = box->mounts;
    p->n_mounts = box->n_mounts;
    p->cwd = box->cwd;
    p->root_devices = box->root_flags & BOX_ROOT_DEVICES;
    p->pid_ns = box__ns_entered(box) & BOX_NS_PID; /* its own or a joined one */
    p->hooks = box->hooks;
    p->n_hooks = box->n_hooks;
    p->lock_files = box->lock_files;
    p->n_lock_files = box->n_lock_files;
    p->no_userns = box->opts & BOX_OPT_NO_USERNS;
    p->assert_no_userns = box->opts & BOX_OPT_ASSERT_NO_USERNS;
    p->switch_userns_fd = box->switch_userns_fd;
    p->stamps = box->profile;
    p->uid = box->uid;
    p->gid = box->gid;
    /* BOX_OPT_CALLER_MAPS without box_set_user: no setresuid/setresgid after the root step
     * (-1 leaves an id as it is), so the program keeps 0 where the maps have it, else what
     * the caller's own ids map to. */
    if ((box->opts & BOX_OPT_CALLER_MAPS) && !box->user_set) {
        p->uid = (uid_t)-1;
        p->gid = (gid_t)-1;
    }
    /* box_switch_user_namespace without box_set_user: the ids the setup had, as the
     * namespace switched to maps them. */
    if (box->switch_userns_fd >= 0 && !box->user_set) {
        p->uid = (uid_t)-1;
        p->gid = (gid_t)-1;
    }
    p->groups = box->groups;
    p->n_groups = box->n_groups;
    p->fds = box->fds;
    p->n_fds = box->n_fds;
    p->tty = box->tty;
    p->tty_rows = box->tty_rows;
    p->tty_cols = box->tty_cols;
    box__strlcpy(p->hostname, box->hostname, sizeof p->hostname);
    while (argv[argc])
        argc++;
    p->argv = args = calloc(argc + 1, sizeof *args);
    p->trees = malloc((box->n_mounts + 1) * sizeof *p->trees);
    if (!args || !p->trees)
        return box__error(box, ENOMEM, "spawn: prepare");
    /* Copied: with BOX_OPT_HOLD the caller goes on before the program is exec'ed. */
    for (size_t i = 0; i < argc; i++)
        if (!(args[i] = strdup(argv[i])))
            return box__error(box, ENOMEM, "spawn: prepare");
    memset(p->trees, -1, (box->n_mounts + 1) * sizeof *p->trees);
    n_ovl = box__overlay_fd_slots(box);
    if (n_ovl) {
        p->overlay_fds = malloc(n_ovl * sizeof *p->overlay_fds);
        if (!p->overlay_fds)
            return box__error(box, ENOMEM, "spawn: prepare");
        memset(p->overlay_fds, -1, n_ovl * sizeof *p->overlay_fds);
    }
    p->fd_high = 3;
    for (size_t i = 0; i < box->n_fds; i++) {
        if (box->fds[i].target >= p->fd_high)
            p->fd_high = box->fds[i].target + 1;
        if (box->fds[i].fd >= p->fd_high)
            p->fd_high = box->fds[i].fd + 1;
    }
    for (int i = 0; i < BOX_RLIMITS; i++) {
        p->rlimit_resource[i] = box->limit_set[i] ? box__limit_to_rlimit((box_limit_t)i) : -1;
        p->rlimits[i].rlim_cur = p->rlimits[i].rlim_max = box->limit[i];
    }
    if (plan_cwd(box, p) < 0 ||
        build_exec_paths(box, box->program ? box->program : argv[0], p) < 0)
        return box__error(box, ENOMEM, "spawn: prepare");
    box__caps_prepare(box, p);
    if ((r = box__seccomp_prepare(box, p)) < 0 || (r = box__landlock_prepare(box, p)) < 0 ||
        (r = box__sysctl_prepare(box, p)) < 0 ||
        (r = box__net_prepare(box, p)) < 0)
        return r;
    if ((r = box__ns_time_offsets(box, (char **)&p->time_offsets)) < 0 ||
        (r = box__ns_join_prepare(box, p)) < 0)
        return r;
    if (p->fork && !(p->resume = calloc(1, sizeof *p->resume)))
        return box__error(box, ENOMEM, "spawn: prepare");
    if ((box->opts & BOX_OPT_NS_IDS) && !(p->ns_ids = calloc(1, sizeof *p->ns_ids)))
        return box__error(box, ENOMEM, "spawn: prepare");
    p->steps = list_steps(box, p, BOX_LIST_SPAWN);
    return 0;
}

/* The plan of box_exec: the box's identity, limits and filters over the program, with the
 * exec's overrides (cwd, env, stdio, user, groups, rlimits), its namespaces joined through
 * the pidfd. */
int box__plan_build_exec(box_t *box, const char *const argv[], const struct box_exec_over *o,
                         struct box_plan *p)
{
    int r = box__plan_build(box, argv, p);

    if (r < 0)
        return r;
    /* argv[0] itself, not box_set_program's, which is the box's first program. */
    for (size_t i = 0; i < p->n_exec_paths; i++)
        free(p->exec_paths[i]);
    free(p->exec_paths);
    p->exec_paths = NULL;
    p->n_exec_paths = 0;
    if (build_exec_paths(box, argv[0], p) < 0)
        return box__error(box, ENOMEM, "exec: prepare");
    if (o->cwd) { /* the one directory, required; the box's PWD logic is the box's */
        p->cwd = o->cwd;
        p->cwd_list[0] = o->cwd;
        p->cwd_list[1] = NULL;
        p->cwd_required = true;
        p->pwd_slot = NULL;
    }
    if (o->env) {
        p->envp = o->env;
        p->pwd_slot = NULL;
    }
    if (o->user) {
        p->uid = o->uid;
        p->gid = o->gid;
        box__caps_prepare(box, p); /* ambient capabilities for a non-zero uid */
    }
    if (o->caps_bounding_only)
        box__caps_bounding_only(p);
    if (o->groups) {
        p->groups = o->group_list;
        p->n_groups = o->n_groups;
    }
    for (int i = 0; i < BOX_RLIMITS; i++)
        if (o->limit_set[i]) {
            p->rlimit_resource[i] = box__limit_to_rlimit((box_limit_t)i);
            p->rlimits[i].rlim_cur = p->rlimits[i].rlim_max = o->limit[i];
        }
    p->fds = o->fds;
    p->n_fds = o->n_fds;
    p->tty = o->tty;
    p->tty_rows = o->tty_rows;
    p->tty_cols = o->tty_cols;
    p->fd_high = 3;
    for (size_t i = 0; i < o->n_fds; i++)
        if (o->fds[i].fd >= p->fd_high)
            p->fd_high = o->fds[i].fd + 1;
    /* A notifying rule gets the exec its own listener (box_proc_notify_fd), sent back over
     * the sync socket as a spawn's. */
    /* Every namespace the box is in, its own and the joined ones, through its pidfd. */
    p->join[0].fd = box->pidfd;
    p->join[0].nstype = box__ns_setns_flags(box__ns_entered(box));
    p->n_join = p->join[0].nstype ? 1 : 0;
    p->fork = true;
    p->fork_flags = 0;
    p->fork_twice = false;
    if (!p->resume && !(p->resume = calloc(1, sizeof *p->resume)))
        return box__error(box, ENOMEM, "exec: prepare");
    p->steps = list_steps(box, p, BOX_LIST_EXEC);
    return 0;
}

/* Move fd to a number at or above `low` (close-on-exec): the child's own channels must lie
 * above every fd number it shuffles. Returns the fd, or -1 with errno set (fd closed). */
int box__fd_above(int fd, int low)
{
    int moved;

    if (fd < 0 || fd >= low)
        return fd;
    moved = fcntl(fd, F_DUPFD_CLOEXEC, low);
    close(fd);
    return moved;
}

/* The child's ends of the pipes, and with BOX_OPT_INIT box-init (opened now: paths
 * resolve on the host), which gets the numbers of the error pipe and of its status pipe
 * (status_fd, owned by the plan from here on), the candidate paths and argv. */
int box__plan_set_channels(box_t *box, struct box_plan *p, int err_fd, int sync_fd,
                           int status_fd)
{
    size_t argc = 0, k;

    p->err_fd = err_fd;
    p->sync_fd = sync_fd;
    p->status_fd = status_fd;
    if (!(box->opts & BOX_OPT_INIT))
        return 0;
    p->init_fd = box__fd_above(open(box__init_path(box), O_PATH | O_CLOEXEC), p->fd_high);
    if (p->init_fd < 0)
        return box__error(box, errno, "spawn: BOX_OPT_INIT: open %s", box__init_path(box));
    while (p->argv[argc])
        argc++;
    p->init_argv = calloc(4 + p->n_exec_paths + argc + 1, sizeof *p->init_argv);
    if (!p->init_argv || asprintf(&p->init_argv[1], "%d", err_fd) < 0 ||
        asprintf(&p->init_argv[2], "%d", status_fd) < 0 ||
        asprintf(&p->init_argv[3], "%zu", p->n_exec_paths) < 0)
        return box__error(box, ENOMEM, "spawn: BOX_OPT_INIT");
    p->init_argv[0] = "box-init";
    k = 4;
    for (size_t i = 0; i < p->n_exec_paths; i++)
        p->init_argv[k++] = p->exec_paths[i];
    for (size_t i = 0; i < argc; i++)
        p->init_argv[k++] = p->argv[i];
    return 0;
}

/* Release what the plan owns (not the borrowed configuration, not the channels). */
void box__plan_free(struct box_plan *p)
{
    free(p->base_owned);
    if (p->init_argv) {
        free(p->init_argv[1]);
        free(p->init_argv[2]);
        free(p->init_argv[3]);
        free(p->init_argv);
    }
    if (p->init_fd >= 0)
        close(p->init_fd);
    if (p->status_fd >= 0) /* our copy of box-init's end of its status pipe */
        close(p->status_fd);
    for (size_t i = 0; i < p->n_cgroup_tasks; i++)
        close(p->cgroup_tasks_fd[i]);
    p->n_cgroup_tasks = 0;
    for (size_t i = 0; i < p->n_exec_paths; i++)
        free(p->exec_paths[i]);
    free(p->exec_paths);
    if (p->pwd_values)
        for (size_t i = 0; p->pwd_values[i]; i++)
            free(p->pwd_values[i]);
    free(p->pwd_values);
    free(p->envp_owned);
    free((void *)p->cwd_list);
    free(p->trees);
    box__cgroup_mount_free(p);
    free(p->overlay_fds);
    free(p->resume);
    free(p->ns_ids);
    free(p->seccomp_filter);
    free((void *)p->landlock);
    free((void *)p->net_batch);
    free((void *)p->time_offsets);
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        free(p->argv[i]);
    free((void *)p->argv);
}
