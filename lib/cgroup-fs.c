/* The cgroup files both backends handle the same way: reading and writing them, creating,
 * entering and removing a cgroup directory, freezing one to kill all of it, and writing a
 * limit through limits.c's table. Below cgroup-v1.c and cgroup-v2.c, above the pure
 * parsers of cgroup-discover.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"

int box_cg_read(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    ssize_t n;

    if (fd < 0)
        return -errno;
    while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;

            close(fd);
            return -err;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
    return 0;
}

int box_cg_read_alloc(const char *path, char **out)
{
    size_t size = 16384;
    char *buf = NULL;

    for (;;) {
        char *grown = realloc(buf, size);
        int r;

        if (!grown) {
            free(buf);
            return -ENOMEM;
        }
        buf = grown;
        if ((r = box_cg_read(path, buf, size)) < 0) {
            free(buf);
            return r;
        }
        if (strlen(buf) < size - 1 || size >= (64u << 20)) {
            *out = buf;
            return 0;
        }
        size *= 4; /* it filled the buffer: read it again, whole */
    }
}

int box_cg_read_at(const char *dir, const char *file, char *buf, size_t size)
{
    char path[4096];

    if (box__path_join(path, sizeof path, dir, file) < 0)
        return -ENAMETOOLONG;
    return box_cg_read(path, buf, size);
}

int box_cg_write(const char *dir, const char *file, const char *value)
{
    char path[4096];

    if (box__path_join(path, sizeof path, dir, file) < 0)
        return -ENAMETOOLONG;
    return box__write_file(path, value, strlen(value));
}

int box_cg_mkdir(const char *dir)
{
    return mkdir(dir, 0755) < 0 ? -errno : 0;
}

int box_cg_attach_procs(const char *dir, pid_t pid)
{
    char buf[32];

    snprintf(buf, sizeof buf, "%d", (int)pid);
    return box_cg_write(dir, "cgroup.procs", buf);
}

#define CG_MAX_DEPTH 8 /* box/init, box/exec-N: deeper ones only a box made itself */

static void rmdir_tree(const char *dir, int depth);

/* The cgroups below dir (a cgroup with children is busy too). */
static void rmdir_children(const char *dir, int depth)
{
    char path[4096];
    struct dirent *de;
    DIR *d;

    if (depth >= CG_MAX_DEPTH || !(d = opendir(dir)))
        return;
    while ((de = readdir(d)))
        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
            box__path_join(path, sizeof path, dir, de->d_name) == 0)
            rmdir_tree(path, depth + 1);
    closedir(d);
}

/* The last processes of a killed box may still be on their way out, so an rmdir that
 * finds it busy is retried for a while, once its child cgroups are gone. */
static void rmdir_tree(const char *dir, int depth)
{
    for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++) {
        if (i == 0)
            rmdir_children(dir, depth);
        else
            nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
    }
}

void box_cg_rmdir(const char *dir)
{
    rmdir_tree(dir, 0);
}

/* Both backends remove a cgroup the same way (their ops' destroy is box_cg_rmdir). */
void box_cg_destroy_set(struct box_cgroup *cg)
{
    if (cg->leaf)
        box_cg_rmdir(cg->leaf);
    free(cg->leaf);
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        if (cg->dir[slot])
            box_cg_rmdir(cg->dir[slot]);
        free(cg->dir[slot]);
    }
    memset(cg, 0, sizeof *cg); /* the flags and counters too: the next cgroups are new */
}

/* Each pid of cgroup.procs in dir and in the cgroups below it: fn(pid, arg) for each. */
static int each_proc_at(const char *dir, int depth, void (*fn)(pid_t, void *), void *arg)
{
    char path[4096], *procs;
    struct dirent *de;
    DIR *d;
    int r;

    if (box__path_join(path, sizeof path, dir, "cgroup.procs") < 0)
        return -ENAMETOOLONG;
    if ((r = box_cg_read_alloc(path, &procs)) < 0)
        return r;
    for (char *p = procs; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        if (atoi(p) > 0)
            fn((pid_t)atoi(p), arg);
    free(procs);
    if (depth >= CG_MAX_DEPTH || !(d = opendir(dir)))
        return 0;
    while ((de = readdir(d)))
        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
            box__path_join(path, sizeof path, dir, de->d_name) == 0)
            each_proc_at(path, depth + 1, fn, arg);
    closedir(d);
    return 0;
}

int box_cg_each_proc(const char *dir, void (*fn)(pid_t pid, void *arg), void *arg)
{
    return each_proc_at(dir, 0, fn, arg);
}

int box_cg_set_frozen(const struct box_cg_ops *ops, const char *dir, bool frozen, int ms)
{
    int r = ops->freeze(dir, frozen);

    for (int i = 0; r == 0 && i < ms; i++) {
        if (ops->frozen(dir) == (int)frozen)
            return 0;
        nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }
    return r < 0 ? r : -ETIMEDOUT;
}

/* Freeze the cgroup so that nothing in it can fork or exit, SIGKILL every task in it (all
 * started by this box), thaw it so that they die. */
int box_cg_freeze_and_kill(const struct box_cg_ops *ops, const char *dir)
{
    if (box_cg_set_frozen(ops, dir, true, 1000) == -EOPNOTSUPP)
        return -EOPNOTSUPP;
    box_cg_kill_procs(dir);
    ops->freeze(dir, false);
    return 0;
}

static void kill_one(pid_t pid, void *arg)
{
    (void)arg;
    kill(pid, SIGKILL);
}

/* SIGKILL every task of dir and of the cgroups below it (all started by a box). */
void box_cg_kill_procs(const char *dir)
{
    box_cg_each_proc(dir, kill_one, NULL);
}

/* One limit into the file limits.c's table names for this cgroup version; `memory`: the
 * memory limit of the same cgroup (v1 swap is memory + swap), NULL when none. The file
 * written goes into where[wsize]. */
static int put_limit(box_t *box, const char *what, const char *dir, box_limit_t limit,
                     uint64_t v, const uint64_t *memory, bool v2, char *where, size_t wsize)
{
    const struct box__limit_desc *d = box__limit_desc(limit);
    const struct box_limit_file *f = v2 ? &d->v2 : &d->v1;
    char buf[64], file[96], meminfo[8192];
    const char *star;
    int r;

    if (limit == BOX_LIMIT_SWAP && !v2 && !memory)
        return box__error(box, EINVAL, "%s: swap limit on cgroup v1 needs a memory limit",
                          what);
    snprintf(file, sizeof file, "%s", f->file);
    if ((star = strchr(f->file, '*'))) {
        if ((r = box_cg_read("/proc/meminfo", meminfo, sizeof meminfo)) < 0 ||
            (r = box_cg_hugepage_name(meminfo, buf, sizeof buf)) < 0)
            return box__error(box, -r, "%s: hugetlb limit: no default huge page size in "
                             "/proc/meminfo", what);
        snprintf(file, sizeof file, "%.*s%s%s", (int)(star - f->file), f->file, buf, star + 1);
    }
    if (f->pre_file && (r = box_cg_write(dir, f->pre_file, f->pre_value)) < 0)
        return box__error(box, -r, "%s: cgroup: write %s/%s", what, dir, f->pre_file);
    f->format(v, memory ? *memory : 0, buf, sizeof buf);
    r = box_cg_write(dir, file, buf);
    if (r < 0)
        return box__error(box, -r, "%s: cgroup: write %s to %s/%s", what, buf, dir, file);
    snprintf(where, wsize, "%s/%s", dir, file);
    return 0;
}

/* A limit of the box, recorded for box_limit_status. */
int box_cg_write_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t v, bool v2)
{
    const struct box_limit_file *f = v2 ? &box__limit_desc(limit)->v2
                                        : &box__limit_desc(limit)->v1;
    char where[4200];
    int r;

    if (!f->format) { /* BOX_LIMIT_CPU_TIME_MS: enforced by box_wait from the usage */
        box__limit_record(box, limit, true, "box_wait, from %s/%s", dir, f->file);
        return 0;
    }
    r = put_limit(box, box->state == BOX_RUNNING ? "update_limit" : "spawn", dir, limit, v,
                  box->limit_set[BOX_LIMIT_MEMORY] ? &box->limit[BOX_LIMIT_MEMORY] : NULL, v2,
                  where, sizeof where);
    if (r == 0)
        box__limit_record(box, limit, true, "%s", where);
    return r;
}

/* A limit of an exec's own cgroup (a cgroup file, never a box_wait limit). */
int box_cg_write_exec_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t v,
                            const uint64_t *memory, bool v2)
{
    char where[4200];

    return put_limit(box, "exec", dir, limit, v, memory, v2, where, sizeof where);
}
