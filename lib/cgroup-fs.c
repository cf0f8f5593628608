/* The cgroup files both backends handle the same way: reading and writing them, creating,
 * entering and removing a cgroup directory, freezing one to kill all of it, and writing a
 * limit through limits.c's table. Below cgroup-v1.c and cgroup-v2.c, above the pure
 * parsers of cgroup-discover.c. */
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

/* The last processes of a killed box may still be on their way out, so an rmdir that
 * finds it busy is retried for a while. */
void box_cg_rmdir(const char *dir)
{
    for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
        nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
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
    char path[4096], *procs;

    if (box_cg_set_frozen(ops, dir, true, 1000) == -EOPNOTSUPP)
        return -EOPNOTSUPP;
    if (box__path_join(path, sizeof path, dir, "cgroup.procs") == 0 &&
        box_cg_read_alloc(path, &procs) == 0) {
        for (char *p = procs; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
            if (atoi(p) > 0)
                kill(atoi(p), SIGKILL);
        free(procs);
    }
    ops->freeze(dir, false);
    return 0;
}

/* One limit into the file limits.c's table names for this cgroup version. */
int box_cg_write_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t v, bool v2)
{
    const struct box__limit_desc *d = box__limit_desc(limit);
    const struct box_limit_file *f = v2 ? &d->v2 : &d->v1;
    char buf[64], file[96], meminfo[8192];
    const char *star;
    int r;

    if (!f->format) { /* BOX_LIMIT_CPU_TIME_MS: enforced by box_wait from the usage */
        box__limit_record(box, limit, true, "box_wait, from %s/%s", dir, f->file);
        return 0;
    }
    if (limit == BOX_LIMIT_SWAP && !v2 && !box->limit_set[BOX_LIMIT_MEMORY])
        return box__error(box, EINVAL, "spawn: swap limit on cgroup v1 needs a memory limit");
    snprintf(file, sizeof file, "%s", f->file);
    if ((star = strchr(f->file, '*'))) {
        if ((r = box_cg_read("/proc/meminfo", meminfo, sizeof meminfo)) < 0 ||
            (r = box_cg_hugepage_name(meminfo, buf, sizeof buf)) < 0)
            return box__error(box, -r, "spawn: hugetlb limit: no default huge page size in "
                             "/proc/meminfo");
        snprintf(file, sizeof file, "%.*s%s%s", (int)(star - f->file), f->file, buf, star + 1);
    }
    if (f->pre_file && (r = box_cg_write(dir, f->pre_file, f->pre_value)) < 0)
        return box__error(box, -r, "spawn: cgroup: write %s/%s", dir, f->pre_file);
    f->format(v, box->limit[BOX_LIMIT_MEMORY], buf, sizeof buf);
    r = box_cg_write(dir, file, buf);
    if (r < 0)
        return box__error(box, -r, "spawn: cgroup: write %s to %s/%s", buf, dir, file);
    box__limit_record(box, limit, true, "%s/%s", dir, file);
    return 0;
}
