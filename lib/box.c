/* The box object: creation, release and the setters that record the configuration.
 * Setters only validate and copy; nothing touches the kernel before box_spawn(). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <pthread.h>

#include "box-config.h"
#include "box-private.h"

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

BOX_API int box_new(box_t **out, unsigned int flags)
{
    box_t *box;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (flags)
        return -EINVAL;
    box = calloc(1, sizeof *box);
    if (!box)
        return -ENOMEM;
    box->ns = BOX_NS_ALL & ~BOX_NS_TIME;
    box->opts = BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION;
    box->seccomp_default_action = BOX_SECCOMP_ALLOW;
    strcpy(box->hostname, "box");
    box->pid = -1;
    box->pidfd = -1;
    box->monitor_pidfd = -1;
    box->status_fd = -1;
    box->init_status_fd = -1;
    box->notify_fd = -1;
    box->tty_fd = -1;
    box__ns_join_init(box);
    box->state_fd = -1;
    box->env = calloc(2, sizeof *box->env);
    box->cwd = strdup("/");
    if (box->env && (box->env[0] = strdup(DEFAULT_PATH)))
        box->n_env = 1; /* (so that box_free frees it, whatever else failed) */
    if (!box->n_env || !box->cwd) {
        box_free(box);
        return -ENOMEM;
    }
    *out = box;
    return 0;
}

/* box_free of a detached box whose child may still wait for box_start: that child runs on
 * our memory (CLONE_VM: its stack, its plan and the configuration the plan borrows), even
 * after we exit, so the box_t is kept (on this list, reachable) with every fd of ours
 * closed until the child no longer shares our memory: it exec'ed or ended, which kcmp
 * tells (a recycled pid does not share it either). Each box_free sweeps the list. */
static box_t *orphans;
static pthread_mutex_t orphans_lock = PTHREAD_MUTEX_INITIALIZER;

/* kcmp: 0 the same memory, a positive order when another (an exec'ed child, a zombie
 * without memory, a recycled pid's process), ESRCH when the pid is gone. Where we may not
 * ask (EPERM: the child changed ids and we lack CAP_SYS_PTRACE over it) the memory stays:
 * freeing it under a child that still runs on it would crash that child. */
static bool gone_from_our_memory(pid_t pid)
{
    long r = syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0, 0);

    return r > 0 || (r < 0 && errno == ESRCH);
}

static void sweep_orphans(void)
{
    box_t *done = NULL, **link;

    pthread_mutex_lock(&orphans_lock);
    for (link = &orphans; *link;) {
        box_t *box = *link;

        if (!gone_from_our_memory(box->pid)) {
            link = &box->orphan_next;
            continue;
        }
        *link = box->orphan_next;
        box->orphan_next = done;
        done = box;
    }
    pthread_mutex_unlock(&orphans_lock);
    while (done) {
        box_t *box = done;

        done = box->orphan_next;
        box__launch_release(box);
        box_free(box);
    }
}

static void keep_orphan(box_t *box)
{
    box__launch_orphan(box);
    pthread_mutex_lock(&orphans_lock);
    box->orphan_next = orphans;
    orphans = box;
    pthread_mutex_unlock(&orphans_lock);
}

BOX_API void box_free(box_t *box)
{
    if (!box)
        return;
    /* A detached or opened box goes on without us. A held one of ours runs on memory it
     * shares with us (its stack, its plan, our configuration): kept until it exec'ed. */
    if (box->detached && box->launch) {
        keep_orphan(box);
        sweep_orphans();
        return;
    }
    sweep_orphans();
    box__launch_abort(box);
    if (box->state == BOX_RUNNING && !box->detached) {
        box_kill(box, SIGKILL);
        box_wait(box, -1, NULL);
    }
    box__net_end(box); /* a no-op unless a spawn left something (box_wait undoes it) */
    if (box->pidfd >= 0)
        close(box->pidfd);
    box__monitor_release(box, NULL);
    if (box->notify_fd >= 0)
        close(box->notify_fd);
    if (box->tty_fd >= 0)
        close(box->tty_fd);
    box__ns_join_free(box);
    for (size_t i = 0; i < box->n_mounts; i++)
        box__mount_free(&box->mounts[i]);
    free(box->mounts);
    for (size_t i = 0; i < box->n_env; i++)
        free(box->env[i]);
    free(box->env);
    if (box->detached)
        box__cgroup_forget(box);
    box__cgroup_destroy(box);
    box__cgroup_pool_unref(box->cgroup_pool);
    box__state_free(box);
    for (int l = 0; l < BOX_LIMIT_COUNT; l++)
        free(box->limit_state[l]);
    free(box->cgroup_parent);
    free(box->net_host_if);
    free(box->net);
    free(box->cpuset_cpus);
    free(box->cpuset_mems);
    free(box->io_rules);
    box__seccomp_free(box);
    box__landlock_free(box);
    box__sysctl_free(box);
    box__devices_free(box);
    box__image_free(box); /* after the reap: it removes the box's writable layer */
    free(box->root);
    box__overlay_free(box->root_overlay);
    free(box->cwd);
    for (size_t i = 0; i < box->n_cwd_try; i++)
        free(box->cwd_try[i]);
    free(box->cwd_try);
    for (size_t i = 0; i < box->n_lock_files; i++)
        free(box->lock_files[i]);
    free(box->lock_files);
    box__hooks_free(box);
    free(box->program);
    free(box->init_path);
    free(box->fds);
    free(box);
}

BOX_API int box_set_namespaces(box_t *box, unsigned int ns)
{
    int r = box__check_configurable(box, "set_namespaces");

    if (r < 0)
        return r;
    if (ns & ~BOX_NS_ALL)
        return box__error(box, EINVAL, "set_namespaces: unknown namespace bits 0x%x",
                         ns & ~BOX_NS_ALL);
    box->ns = ns & ~(box->ns_join & ~(unsigned int)BOX_NS_PID); /* box_join_namespace */
    return 0;
}

BOX_API int box_set_hostname(box_t *box, const char *hostname)
{
    int r = box__check_configurable(box, "set_hostname");
    size_t len;

    if (r < 0)
        return r;
    if (!hostname)
        return box__error(box, EINVAL, "set_hostname: hostname is NULL");
    len = strlen(hostname);
    if (len == 0 || len > BOX_HOSTNAME_MAX)
        return box__error(box, EINVAL, "set_hostname: hostname must be 1 to %d bytes, not %zu",
                         BOX_HOSTNAME_MAX, len);
    memcpy(box->hostname, hostname, len + 1);
    box->hostname_set = true;
    return 0;
}

BOX_API int box_set_root(box_t *box, const char *dir, unsigned int flags)
{
    int r = box__check_configurable(box, "set_root");
    struct stat st;
    char *copy;

    if (r < 0)
        return r;
    if (flags & ~(BOX_ROOT_READONLY | BOX_ROOT_DEVICES))
        return box__error(box, EINVAL, "set_root: unknown flags 0x%x", flags);
    if (!dir || dir[0] != '/')
        return box__error(box, EINVAL, "set_root: root must be an absolute path, not '%s'",
                         dir ? dir : "(null)");
    if (stat(dir, &st) < 0)
        return box__error(box, errno, "set_root: %s", dir);
    if (!S_ISDIR(st.st_mode))
        return box__error(box, ENOTDIR, "set_root: %s", dir);
    r = box__normalize_path(dir, &copy);
    if (r < 0)
        return box__error(box, -r, "set_root: %s", dir);
    free(box->root);
    box->root = copy;
    box__overlay_free(box->root_overlay);
    box->root_overlay = NULL;
    box->root_flags = flags;
    return 0;
}

BOX_API int box_mount(box_t *box, box_mount_type_t type, const char *source,
                      const char *target, unsigned int flags)
{
    int r = box__check_configurable(box, "mount");

    if (r < 0)
        return r;
    if (type == BOX_MOUNT_OVERLAY)
        return box__error(box, EINVAL, "mount: an overlay needs its layers: use "
                         "box_mount_overlay");
    /* Only the public types: the plan's internal steps (BOX_MOUNT_OP_CHMOD) have their own
     * calls, which validate what they carry. */
    if (type < BOX_MOUNT_BIND || type > BOX_MOUNT_CGROUP)
        return box__error(box, EINVAL, "mount: unknown mount type %d", (int)type);
    return box__mount_add(box, type, source, target, flags, 0,
                         type == BOX_MOUNT_TMPFS ? 0755 : BOX_NO_MODE);
}

/* box_mount_tmpfs, box_mkdir, box_chmod: a step of the mount plan that carries a mode. */
static int add_with_mode(box_t *box, const char *what, box_mount_type_t type,
                         const char *target, uint64_t size, mode_t mode, unsigned int flags)
{
    int r = box__check_configurable(box, what);

    if (r < 0)
        return r;
    if (mode & ~07777u)
        return box__error(box, EINVAL, "%s: invalid mode 0%o", what, (unsigned)mode);
    return box__mount_add(box, type, NULL, target, flags, size, mode);
}

BOX_API int box_mkdir(box_t *box, const char *path, mode_t mode)
{
    return add_with_mode(box, "mkdir", BOX_MOUNT_DIR, path, 0, mode, 0);
}

BOX_API int box_chmod(box_t *box, const char *path, mode_t mode)
{
    return add_with_mode(box, "chmod", BOX_MOUNT_OP_CHMOD, path, 0, mode, 0);
}

BOX_API int box_mount_tmpfs(box_t *box, const char *target, uint64_t size, mode_t mode,
                            unsigned int flags)
{
    return add_with_mode(box, "mount_tmpfs", BOX_MOUNT_TMPFS, target, size, mode, flags);
}

static int add_idmap(box_t *box, struct box_idmap *map, size_t *n, const char *what,
                     uint32_t inside, uint32_t outside, uint32_t count)
{
    int r = box__check_configurable(box, what);

    if (r < 0)
        return r;
    if (count == 0)
        return box__error(box, EINVAL, "%s: count must not be 0", what);
    if (inside == (uint32_t)-1 || outside == (uint32_t)-1 ||
        (uint64_t)inside + count > UINT32_MAX || (uint64_t)outside + count > UINT32_MAX)
        return box__error(box, ERANGE, "%s: %u %u %u does not fit in 32-bit ids", what, inside,
                         outside, count);
    for (size_t i = 0; i < *n; i++) {
        if (inside < map[i].inside + map[i].count && map[i].inside < inside + count)
            return box__error(box, EEXIST, "%s: inside range %u+%u overlaps an earlier entry",
                             what, inside, count);
    }
    if (*n == BOX_MAX_IDMAP)
        return box__error(box, ENOSPC, "%s: at most %d entries", what, BOX_MAX_IDMAP);
    map[*n] = (struct box_idmap){ inside, outside, count };
    (*n)++;
    return 0;
}

BOX_API int box_add_uid_map(box_t *box, uid_t inside, uid_t outside, uint32_t count)
{
    return box ? add_idmap(box, box->uid_map, &box->n_uid_map, "add_uid_map", inside, outside,
                           count)
               : -EINVAL;
}

BOX_API int box_add_gid_map(box_t *box, gid_t inside, gid_t outside, uint32_t count)
{
    return box ? add_idmap(box, box->gid_map, &box->n_gid_map, "add_gid_map", inside, outside,
                           count)
               : -EINVAL;
}

BOX_API int box_set_user(box_t *box, uid_t uid, gid_t gid)
{
    int r = box__check_configurable(box, "set_user");

    if (r < 0)
        return r;
    if (uid == (uid_t)-1 && gid == (gid_t)-1)
        return box__error(box, EINVAL, "set_user: -1 for both ids sets nothing (-1 keeps "
                          "one of them)");
    box->uid = uid;
    box->gid = gid;
    box->user_set = true;
    return 0;
}

static int check_env_name(box_t *box, const char *what, const char *name)
{
    if (!name || !name[0] || strchr(name, '='))
        return box__error(box, EINVAL, "%s: invalid variable name '%s'", what,
                         name ? name : "(null)");
    return 0;
}

static ssize_t find_env(box_t *box, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < box->n_env; i++)
        if (strncmp(box->env[i], name, len) == 0 && box->env[i][len] == '=')
            return (ssize_t)i;
    return -1;
}

BOX_API int box_set_groups(box_t *box, size_t n, const gid_t *groups)
{
    int r = box__check_configurable(box, "set_groups");

    if (r < 0)
        return r;
    if (n > 0 && !groups)
        return box__error(box, EINVAL, "set_groups: groups is NULL");
    if (n > BOX_MAX_GROUPS)
        return box__error(box, EINVAL, "set_groups: %zu groups, at most %d", n, BOX_MAX_GROUPS);
    for (size_t i = 0; i < n; i++)
        if (groups[i] == (gid_t)-1)
            return box__error(box, EINVAL, "set_groups: -1 is not a valid group");
    for (size_t i = 0; i < n; i++)
        box->groups[i] = groups[i];
    box->n_groups = n;
    return 0;
}

BOX_API int box_setenv(box_t *box, const char *name, const char *value)
{
    int r = box__check_configurable(box, "setenv");
    char *entry, **grown;
    ssize_t i;

    if (r < 0 || (r = check_env_name(box, "setenv", name)) < 0)
        return r;
    if (!value)
        return box__error(box, EINVAL, "setenv: value of %s is NULL", name);
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return box__error(box, ENOMEM, "setenv");
    i = find_env(box, name);
    if (i >= 0) {
        free(box->env[i]);
        box->env[i] = entry;
        return 0;
    }
    grown = realloc(box->env, (box->n_env + 2) * sizeof *grown);
    if (!grown) {
        free(entry);
        return box__error(box, ENOMEM, "setenv");
    }
    box->env = grown;
    box->env[box->n_env++] = entry;
    box->env[box->n_env] = NULL;
    return 0;
}

BOX_API int box_unsetenv(box_t *box, const char *name)
{
    int r = box__check_configurable(box, "unsetenv");
    ssize_t i;

    if (r < 0 || (r = check_env_name(box, "unsetenv", name)) < 0)
        return r;
    i = find_env(box, name);
    if (i < 0)
        return 0;
    free(box->env[i]);
    memmove(&box->env[i], &box->env[i + 1], (box->n_env - (size_t)i) * sizeof *box->env);
    box->n_env--;
    return 0;
}

/* Replace *dest with the normalised copy of the absolute path `dir`. */
static int set_abs_path(box_t *box, const char *what, const char *dir, char **dest)
{
    int r = box__check_configurable(box, what);
    char *copy;

    if (r < 0)
        return r;
    if (!dir || dir[0] != '/')
        return box__error(box, EINVAL, "%s: '%s' is not an absolute path", what,
                         dir ? dir : "(null)");
    r = box__normalize_path(dir, &copy);
    if (r < 0)
        return box__error(box, -r, "%s: %s", what, dir);
    free(*dest);
    *dest = copy;
    return 0;
}

BOX_API int box_set_cwd(box_t *box, const char *dir)
{
    int r = box ? set_abs_path(box, "set_cwd", dir, &box->cwd) : -EINVAL;

    if (r == 0)
        box->cwd_set = true;
    return r;
}

#define BOX_MAX_CWD_TRY 8
#define BOX_MAX_LOCK_FILES 16

/* Append a normalised copy of the absolute path dir to *list (at most max entries). */
static int add_abs_path(box_t *box, const char *what, const char *dir, char ***list,
                        size_t *n, size_t max)
{
    int r = box__check_configurable(box, what);
    char **grown, *copy = NULL;

    if (r < 0 || (r = set_abs_path(box, what, dir, &copy)) < 0)
        return r;
    if (*n == max) {
        free(copy);
        return box__error(box, E2BIG, "%s: more than %zu paths", what, max);
    }
    grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown) {
        free(copy);
        return box__error(box, ENOMEM, "%s", what);
    }
    *list = grown;
    grown[(*n)++] = copy;
    return 0;
}

BOX_API int box_try_cwd(box_t *box, const char *dir)
{
    return box ? add_abs_path(box, "try_cwd", dir, &box->cwd_try, &box->n_cwd_try,
                              BOX_MAX_CWD_TRY) : -EINVAL;
}

BOX_API int box_lock_file(box_t *box, const char *path)
{
    return box ? add_abs_path(box, "lock_file", path, &box->lock_files, &box->n_lock_files,
                              BOX_MAX_LOCK_FILES) : -EINVAL;
}

BOX_API int box_set_program(box_t *box, const char *file)
{
    int r = box__check_configurable(box, "set_program");

    if (r < 0)
        return r;
    if (file && (!file[0] || strlen(file) >= 4096))
        return box__error(box, EINVAL, "set_program: the file name is empty or too long");
    return box__set_string(box, "set_program", file, &box->program);
}

BOX_API int box_pass_fd(box_t *box, int fd, int target)
{
    int r = box__check_configurable(box, "pass_fd");
    struct box_fdpass *grown;

    if (r < 0)
        return r;
    if (target < 0 || target > 1024)
        return box__error(box, EBADF, "pass_fd: target %d is not between 0 and 1024", target);
    if (fcntl(fd, F_GETFD) < 0)
        return box__error(box, EBADF, "pass_fd: fd %d is not open", fd);
    for (size_t i = 0; i < box->n_fds; i++) {
        if (box->fds[i].target == target) {
            box->fds[i].fd = fd;
            return 0;
        }
    }
    grown = realloc(box->fds, (box->n_fds + 1) * sizeof *grown);
    if (!grown)
        return box__error(box, ENOMEM, "pass_fd");
    box->fds = grown;
    box->fds[box->n_fds++] = (struct box_fdpass){ fd, target };
    return 0;
}

#define KNOWN_OPTS (BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION | BOX_OPT_LIMITS_BEST_EFFORT | \
                    BOX_OPT_INIT | BOX_OPT_ALLOW_NEW_PRIVS | BOX_OPT_HOLD | BOX_OPT_SET_PWD | \
                    BOX_OPT_NO_USERNS | BOX_OPT_ASSERT_NO_USERNS | BOX_OPT_CAPS_INHERITABLE | \
                    BOX_OPT_DETACH | BOX_OPT_CALLER_MAPS | BOX_OPT_NO_INIT | \
                    BOX_OPT_CAPS_BOUNDING_ONLY | BOX_OPT_CAPS_CALLER_INHERITABLE | \
                    BOX_OPT_NO_MONITOR | BOX_OPT_NS_IDS)

BOX_API int box_set_options(box_t *box, unsigned int opts)
{
    int r = box__check_configurable(box, "set_options");

    if (r < 0)
        return r;
    if (opts & ~KNOWN_OPTS)
        return box__error(box, EINVAL, "set_options: unknown options 0x%x", opts & ~KNOWN_OPTS);
    box->opts = opts;
    return 0;
}

BOX_API int box_set_option(box_t *box, unsigned int opts, int on)
{
    int r = box__check_configurable(box, "set_option");

    if (r < 0)
        return r;
    if (opts & ~KNOWN_OPTS)
        return box__error(box, EINVAL, "set_option: unknown options 0x%x", opts & ~KNOWN_OPTS);
    box->opts = on ? box->opts | opts : box->opts & ~opts;
    return 0;
}

BOX_API int box_set_init_path(box_t *box, const char *path)
{
    int r = box__check_configurable(box, "set_init_path");

    if (r < 0)
        return r;
    if (path && (path[0] != '/' || strlen(path) >= 4096))
        return box__error(box, EINVAL, "set_init_path: '%s' is not an absolute path", path);
    return box__set_string(box, "set_init_path", path, &box->init_path);
}

BOX_API int box_set_limit(box_t *box, box_limit_t limit, uint64_t value)
{
    int r = box__check_configurable(box, "set_limit");

    if (r < 0 || (r = box__limit_check(box, limit, value)) < 0)
        return r;
    /* cgroup v1 writes memory + swap as one number: the sum must fit, whichever is set
     * first. */
    if ((limit == BOX_LIMIT_SWAP && box->limit_set[BOX_LIMIT_MEMORY] &&
         value > UINT64_MAX - box->limit[BOX_LIMIT_MEMORY]) ||
        (limit == BOX_LIMIT_MEMORY && box->limit_set[BOX_LIMIT_SWAP] &&
         value > UINT64_MAX - box->limit[BOX_LIMIT_SWAP]))
        return box__error(box, ERANGE, "set_limit: memory %llu plus swap %llu does not fit in "
                         "64 bits",
                         (unsigned long long)(limit == BOX_LIMIT_MEMORY
                                                  ? value : box->limit[BOX_LIMIT_MEMORY]),
                         (unsigned long long)(limit == BOX_LIMIT_SWAP
                                                  ? value : box->limit[BOX_LIMIT_SWAP]));
    box->limit_set[limit] = true;
    box->limit[limit] = value;
    return 0;
}

BOX_API int box_set_cpuset(box_t *box, const char *cpus, const char *mems)
{
    int r = box__check_configurable(box, "set_cpuset");
    char *c = NULL, *m = NULL;

    if (r < 0)
        return r;
    if (!cpus && !mems)
        return box__error(box, EINVAL, "set_cpuset: cpus and mems are both NULL");
    if ((cpus && !box__cpuset_list_valid(cpus)) || (mems && !box__cpuset_list_valid(mems)))
        return box__error(box, EINVAL, "set_cpuset: '%s' is not a list like 0-3,6",
                         cpus && !box__cpuset_list_valid(cpus) ? cpus : mems);
    if ((cpus && !(c = strdup(cpus))) || (mems && !(m = strdup(mems)))) {
        free(c);
        return box__error(box, ENOMEM, "set_cpuset");
    }
    free(box->cpuset_cpus);
    free(box->cpuset_mems);
    box->cpuset_cpus = c;
    box->cpuset_mems = m;
    return 0;
}

BOX_API int box_set_io_limit(box_t *box, const char *device, box_io_limit_t kind,
                             uint64_t value)
{
    int r = box__check_configurable(box, "set_io_limit");
    struct box_io_rule *grown;
    struct stat st;

    if (r < 0)
        return r;
    if (kind < BOX_IO_READ_BPS || kind > BOX_IO_WRITE_IOPS)
        return box__error(box, EINVAL, "set_io_limit: unknown kind %d", (int)kind);
    if (value == 0)
        return box__error(box, EINVAL, "set_io_limit: the limit must not be 0");
    if (!device)
        return box__error(box, EINVAL, "set_io_limit: device is NULL");
    if (stat(device, &st) < 0)
        return box__error(box, errno, "set_io_limit: %s", device);
    if (!S_ISBLK(st.st_mode))
        return box__error(box, ENOTBLK, "set_io_limit: %s", device);
    for (size_t i = 0; i < box->n_io_rules; i++) {
        struct box_io_rule *rule = &box->io_rules[i];

        if (rule->major == major(st.st_rdev) && rule->minor == minor(st.st_rdev) &&
            rule->kind == kind) {
            rule->value = value;
            return 0;
        }
    }
    grown = realloc(box->io_rules, (box->n_io_rules + 1) * sizeof *grown);
    if (!grown)
        return box__error(box, ENOMEM, "set_io_limit");
    box->io_rules = grown;
    box->io_rules[box->n_io_rules++] =
        (struct box_io_rule){ major(st.st_rdev), minor(st.st_rdev), kind, value };
    return 0;
}

BOX_API int box_set_cgroup_backend(box_t *box, int backend)
{
    int r = box__check_configurable(box, "set_cgroup_backend");

    if (r < 0)
        return r;
    if (backend != BOX_CGROUP_BACKEND_AUTO && backend != BOX_CGROUP_BACKEND_V1 &&
        backend != BOX_CGROUP_BACKEND_V2)
        return box__error(box, EINVAL, "set_cgroup_backend: unknown backend %d", backend);
    box->cgroup_backend = backend;
    return 0;
}

BOX_API int box_set_cgroup_parent(box_t *box, const char *dir)
{
    return box ? set_abs_path(box, "set_cgroup_parent", dir, &box->cgroup_parent) : -EINVAL;
}

BOX_API pid_t box_pid(const box_t *box)
{
    if (!box)
        return -EINVAL;
    return box->state == BOX_CONFIGURED && !box->in_hook_fn ? -ESRCH : box->pid;
}

BOX_API int box_pidfd(const box_t *box)
{
    if (!box)
        return -EINVAL;
    return box->state == BOX_RUNNING || box->state == BOX_HELD ? box->pidfd : -ESRCH;
}

BOX_API const char *box_version(void)
{
    return BOX_VERSION_STRING;
}
