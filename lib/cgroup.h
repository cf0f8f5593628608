/* The interface between the cgroup modules. Not installed.
 *
 *   cgroup-discover.c  pure parsers of the text the kernel hands out (/proc/self/cgroup,
 *                      /proc/self/mountinfo, controller lists, stat files, meminfo), so
 *                      that v1, v2 and hybrid hosts are unit-tested from recorded inputs
 *   cgroup-fs.c        what both backends do the same way: read/write cgroup files,
 *                      mkdir, cgroup.procs, rmdir, freeze-and-kill, limit files
 *   cgroup-v1.c        the v1 backend: per-controller hierarchies, the v1 freezer
 *   cgroup-v2.c        the v2 backend: subtree_control, cgroup.kill, cgroup.freeze
 *   cgroup.c           the box's cgroups: which hierarchy holds each controller, then
 *                      create, limits, attach, kill, usage, destroy through the backends;
 *                      what a box_cgroup_pool may reuse, and its reset
 *   cgroup-pool.c      box_cgroup_pool: the idle sets of reset cgroups, under a lock
 *
 * Limits reach the files through limits.c's table (box__limit_desc, box__limit_format). */
#ifndef LIBBOX_CGROUP_H
#define LIBBOX_CGROUP_H

#include "box-private.h"

/* ---- cgroup-discover.c: no system calls ---- */

/* The next "ID:CONTROLLERS:PATH" line of /proc/self/cgroup text at *pos, advancing *pos:
 * its controllers ("" on the v2 line) and its path. false at the end. Lines that do not
 * have that form are skipped. */
bool box_cg_next_line(const char **pos, char *controllers, size_t csize, char *path,
                      size_t psize);

/* The caller's cgroup in one hierarchy: the path of the /proc/self/cgroup line whose
 * controllers include `controller` (NULL: the v2 line, "0::"). 0 or -ENOENT. */
int box_cg_own_path(const char *proc_cgroup, const char *controller, char *out, size_t size);

/* The layout /proc/self/cgroup describes: BOX_CGROUP_V1, _V2, _HYBRID or _NONE (named
 * hierarchies such as name=systemd do not count as v1 controllers). */
box_cgroup_layout_t box_cg_layout(const char *proc_cgroup);

/* Where a hierarchy is mounted, from mountinfo text: the mount point and the mount's root
 * (a sub-path inside a cgroup namespace or container) of the first "cgroup2" mount
 * (controller NULL) or "cgroup" mount with `controller` among its super options.
 * 0 or -ENOENT. */
int box_cg_find_mount(const char *mountinfo, const char *controller, char *mnt,
                      size_t mnt_size, char *root, size_t root_size);

/* The next cgroup hierarchy mounted in mountinfo text at *pos, advancing *pos: its mount
 * point, the mount's root, and for a v1 hierarchy the super options that name it (its
 * controllers and name=, comma separated: "cpu,cpuacct", "name=systemd"); "" for cgroup2.
 * false at the end. */
bool box_cg_next_hierarchy(const char **pos, char *point, size_t psize, char *root,
                           size_t rsize, char *opts, size_t osize);

/* The directory of the caller's cgroup `own` in a hierarchy mounted at `mnt` whose mount
 * root is `root`: mnt + own, less the part of own the mount's root already covers. */
void box_cg_join(const char *mnt, const char *root, const char *own, char *out, size_t size);

/* Does the list (words separated by spaces, newlines or commas) hold `word`? */
bool box_cg_list_has(const char *list, const char *word);

/* The number after `key ` on a line of a stat-like file ("oom_kill 3"), or the file's first
 * number when key is NULL ("123\n"). 0 or -ENOENT. */
int box_cg_key_u64(const char *text, const char *key, uint64_t *out);

/* The kernel's name of the default huge page size in hugetlb file names ("2MB", "1GB",
 * "64KB"), from /proc/meminfo text. 0 or -EOPNOTSUPP. */
int box_cg_hugepage_name(const char *meminfo, char *out, size_t size);

/* ---- cgroup-fs.c ---- */

/* Read a small file whole into buf (NUL-terminated, truncated to size - 1). 0 or -errno. */
int box_cg_read(const char *path, char *buf, size_t size);
int box_cg_read_at(const char *dir, const char *file, char *buf, size_t size);
int box_cg_read_alloc(const char *path, char **out); /* any size; *out malloc'ed */
int box_cg_write(const char *dir, const char *file, const char *value);

/* ---- the backends ---- */

struct box_cg_ops {
    const char *name; /* "v1", "v2" */
    /* parent offers controller to its children (v2: subtree_control); a message on error */
    int (*enable)(box_t *box, const char *parent, const char *controller);
    int (*create)(const char *dir);                 /* mkdir: 0 or -errno */
    int (*apply_limit)(box_t *box, const char *dir, box_limit_t limit, uint64_t value);
    int (*apply_cpuset)(box_t *box, const char *dir);
    int (*apply_io)(box_t *box, const char *dir);
    int (*apply_devices)(box_t *box, const char *dir); /* box_device_rule's rules */
    int (*attach)(const char *dir, pid_t pid);      /* cgroup.procs */
    int (*freeze)(const char *dir, bool frozen);    /* write it; -EOPNOTSUPP where it cannot */
    int (*frozen)(const char *dir);                 /* 1 when every task is, 0, -errno */
    int (*kill)(const char *dir);                   /* every task; -EOPNOTSUPP where it cannot */
    /* cpu time of every task in microseconds, -1 when it is not accounted here */
    int64_t (*cpu_usage)(const char *dir, uint64_t *user_us, uint64_t *system_us);
    void (*memory_usage)(const char *dir, box_status_t *st); /* peak, OOM kills */
    void (*destroy)(const char *dir);               /* rmdir, waiting for the last tasks */
};
extern const struct box_cg_ops box_cg_v1_ops, box_cg_v2_ops;

/* cgroup-fs.c: shared by both backends, the same files on v1 and v2. */
int box_cg_mkdir(const char *dir);
int box_cg_attach_procs(const char *dir, pid_t pid);
void box_cg_rmdir(const char *dir); /* with the cgroups below it */
/* Remove every cgroup of cg (its leaf first, each with the cgroups below it) and free the
 * paths. */
void box_cg_destroy_set(struct box_cgroup *cg);
/* fn(pid, arg) for each pid in cgroup.procs of dir and of the cgroups below it: 0 or the
 * error of reading dir's. */
int box_cg_each_proc(const char *dir, void (*fn)(pid_t pid, void *arg), void *arg);
void box_cg_kill_procs(const char *dir); /* SIGKILL each of them */
int box_cg_write_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t value, bool v2);
int box_cg_write_exec_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t value,
                            const uint64_t *memory, bool v2); /* not recorded on the box */
/* Freeze or thaw and wait until the kernel reports it, up to ms milliseconds: 0,
 * -ETIMEDOUT, or the error of the write. */
int box_cg_set_frozen(const struct box_cg_ops *ops, const char *dir, bool frozen, int ms);
/* Freeze the cgroup so that nothing in it can fork, SIGKILL every task, thaw it. */
int box_cg_freeze_and_kill(const struct box_cg_ops *ops, const char *dir);

#endif
