/* cgroups: one cgroup per box, below the caller's own cgroup (or a parent it names), on the
 * unified v2 hierarchy or on v1 controller hierarchies, whichever has the controller. On a
 * hybrid host (v1 controllers + a v2 hierarchy without them) the box also gets a v2 cgroup,
 * for placement and cgroup.kill; without a v2 cgroup the whole box is killed through the
 * v1 freezer (freeze, SIGKILL every task, thaw). box_set_cgroup_backend narrows the choice
 * to one kind of hierarchy. The parent creates the cgroups and writes the limits
 * before clone, moves the child in while it waits (before it execs, so the program never
 * runs outside its limits), reads the usage after the box has ended and removes them.
 * It never touches the host's cgroup mounts and never moves a process it did not start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "box-private.h"

/* Controller names on v1 and on v2 (v2 accounts cpu time in every cgroup's cpu.stat). */
static const char *const slot_controller[BOX_CG_SLOTS] = {
    [BOX_CG_V2] = NULL,       [BOX_CG_MEMORY] = "memory", [BOX_CG_PIDS] = "pids",
    [BOX_CG_CPU] = "cpu",     [BOX_CG_CPUACCT] = "cpuacct", [BOX_CG_CPUSET] = "cpuset",
    [BOX_CG_IO] = "blkio",    [BOX_CG_HUGETLB] = "hugetlb", [BOX_CG_FREEZER] = "freezer",
};
static const char *const slot_v2_controller[BOX_CG_SLOTS] = {
    [BOX_CG_MEMORY] = "memory", [BOX_CG_PIDS] = "pids", [BOX_CG_CPU] = "cpu",
    [BOX_CG_CPUACCT] = "cpu",   [BOX_CG_CPUSET] = "cpuset", [BOX_CG_IO] = "io",
    [BOX_CG_HUGETLB] = "hugetlb",
};

/* The cgroup slot holding a limit's controller, or -1 (limits.c's table). */
static int limit_slot(box_limit_t limit)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    return d ? d->slot : -1;
}

bool box__limit_is_cgroup(box_limit_t limit)
{
    return limit_slot(limit) >= 0;
}

/* The kernel's cpu/node list syntax: "N" or "N-M", comma separated, ascending ranges. */
int box__cpuset_list_valid(const char *list)
{
    const char *p = list;

    if (!*p)
        return 0;
    for (;;) {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b = a;

        if (end == p || *p == '-' || *p == '+')
            return 0;
        p = end;
        if (*p == '-') {
            b = strtoul(++p, &end, 10);
            if (end == p || *p == '-' || *p == '+' || b < a)
                return 0;
            p = end;
        }
        if (a > 65535 || b > 65535)
            return 0;
        if (*p == '\0')
            return 1;
        if (*p++ != ',')
            return 0;
    }
}

/* Where a hierarchy is mounted ("cgroup2", or "cgroup" with the controller among its super
 * options) and the mount's root, from /proc/self/mountinfo. */
static int find_mount(const char *controller, char *mnt, size_t mnt_size, char *root,
                      size_t root_size)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    int r = -ENOENT;

    if (!f)
        return -errno;
    while (r < 0 && fgets(line, sizeof line, f)) {
        char mroot[1024], point[1024], fstype[64], opts[1024];
        char *dash = strstr(line, " - ");

        if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", mroot, point) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
            continue;
        if (controller ? strcmp(fstype, "cgroup") != 0 : strcmp(fstype, "cgroup2") != 0)
            continue;
        if (controller) {
            char *save = NULL;
            bool has = false;

            for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
                has |= strcmp(o, controller) == 0;
            if (!has)
                continue;
        }
        snprintf(mnt, mnt_size, "%s", point);
        snprintf(root, root_size, "%s", mroot);
        r = 0;
    }
    fclose(f);
    return r;
}

/* The caller's cgroup in a hierarchy ("" controller = v2), from /proc/self/cgroup. */
static int own_cgroup(const char *controller, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[4096];
    int r = -ENOENT;

    if (!f)
        return -errno;
    while (r < 0 && fgets(line, sizeof line, f)) {
        char *ctrls = strchr(line, ':'), *path, *save = NULL;
        bool match = false;

        if (!ctrls || !(path = strchr(ctrls + 1, ':')))
            continue;
        *path++ = '\0';
        ctrls++;
        path[strcspn(path, "\n")] = '\0';
        if (!controller)
            match = ctrls[0] == '\0';
        else
            for (char *c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save))
                match |= strcmp(c, controller) == 0;
        if (match) {
            snprintf(out, size, "%s", path);
            r = 0;
        }
    }
    fclose(f);
    return r;
}

/* The directory under which this box's cgroup goes, in one hierarchy. */
static int parent_dir(box_t *box, const char *controller, char *out, size_t size)
{
    char mnt[1024], root[1024], own[2048];
    size_t rlen;
    int r = find_mount(controller, mnt, sizeof mnt, root, sizeof root);

    if (r < 0)
        return r;
    if (box->cgroup_parent) {
        if (!controller && strncmp(box->cgroup_parent, mnt, strlen(mnt)) == 0)
            snprintf(out, size, "%s", box->cgroup_parent);
        else
            snprintf(out, size, "%s%s", mnt, box->cgroup_parent);
        return 0;
    }
    r = own_cgroup(controller, own, sizeof own);
    if (r < 0)
        return r;
    /* Inside a cgroup namespace or a container the mount's root may be a sub-path. */
    rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (rlen && strncmp(own, root, rlen) == 0)
        memmove(own, own + rlen, strlen(own + rlen) + 1);
    snprintf(out, size, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
    return 0;
}

static int write_str(const char *dir, const char *file, const char *value)
{
    char path[4096];

    if (box__path_join(path, sizeof path, dir, file) < 0)
        return -ENAMETOOLONG;
    return box__write_file(path, value, strlen(value));
}

/* Does dir/file hold the line `want`? */
static bool has_line(const char *dir, const char *file, const char *want)
{
    char path[4096], line[256];
    bool found = false;
    FILE *f;

    if (box__path_join(path, sizeof path, dir, file) < 0 || !(f = fopen(path, "re")))
        return false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        found = strcmp(line, want) == 0;
    }
    fclose(f);
    return found;
}

static int read_u64(const char *dir, const char *file, const char *key, uint64_t *out)
{
    char path[4096], line[256];
    FILE *f;
    int r = -ENOENT;

    if (box__path_join(path, sizeof path, dir, file) < 0)
        return -ENAMETOOLONG;
    f = fopen(path, "re");
    if (!f)
        return -errno;
    while (r < 0 && fgets(line, sizeof line, f)) {
        size_t klen = key ? strlen(key) : 0;

        if (key && (strncmp(line, key, klen) != 0 || line[klen] != ' '))
            continue;
        *out = strtoull(line + klen, NULL, 10);
        r = 0;
    }
    fclose(f);
    return r;
}

/* Does the v2 cgroup `dir` offer `controller` to its children, enabling it if needed? */
static int v2_enable(box_t *box, const char *dir, const char *controller)
{
    char path[4096], list[512] = "", plus[64];
    int fd, r;
    ssize_t n;

    snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, list, sizeof list - 1);
    close(fd);
    list[n > 0 ? n : 0] = '\0';
    for (char *save = NULL, *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
        if (strcmp(c, controller) == 0)
            return 0;
    snprintf(plus, sizeof plus, "+%s", controller);
    r = write_str(dir, "cgroup.subtree_control", plus);
    if (r == -EBUSY)
        return box__error(box, EBUSY,
                         "spawn: cgroup v2: cannot enable %s in %s: it holds processes (the "
                         "no-internal-processes rule); fix: name a delegated cgroup without "
                         "processes with box_set_cgroup_parent (e.g. from systemd-run --user "
                         "--scope -p Delegate=yes)",
                         controller, dir);
    if (r < 0)
        return box__error(box, -r, "spawn: cgroup v2: enable %s in %s", controller, dir);
    return 0;
}

static bool v2_has(const char *dir, const char *controller)
{
    char path[4096], list[512] = "";
    int fd;
    ssize_t n;

    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, list, sizeof list - 1);
    close(fd);
    list[n > 0 ? n : 0] = '\0';
    for (char *save = NULL, *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
        if (strcmp(c, controller) == 0)
            return true;
    return false;
}

/* The two freezers: v1's freezer controller and v2's cgroup.freeze (5.2+). */
struct freezer {
    const char *file, *freeze, *thaw; /* what to write where */
    const char *state, *frozen;       /* where to read that it is frozen, and the line */
};
static const struct freezer v1_freezer = { "freezer.state", "FROZEN", "THAWED",
                                           "freezer.state", "FROZEN" };
static const struct freezer v2_freezer = { "cgroup.freeze", "1", "0",
                                           "cgroup.events", "frozen 1" };

/* Freeze the cgroup so that nothing in it can fork or exit, SIGKILL every task in it (all
 * started by this box), thaw it so that they die. */
static void freeze_and_kill(const char *dir, const struct freezer *fz)
{
    char path[4096], line[32];
    FILE *f;

    if (write_str(dir, fz->file, fz->freeze) == 0)
        for (int i = 0; i < 1000 && !has_line(dir, fz->state, fz->frozen); i++)
            nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if ((f = fopen(path, "re"))) {
        while (fgets(line, sizeof line, f))
            if (atoi(line) > 0)
                kill(atoi(line), SIGKILL);
        fclose(f);
    }
    write_str(dir, fz->file, fz->thaw);
}

/* Kill every task in a cgroup: cgroup.kill (5.14+), else through its freezer (the v1
 * freezer controller's, or v2's cgroup.freeze). */
static void kill_cgroup(const char *dir, bool v1)
{
    if (v1) {
        freeze_and_kill(dir, &v1_freezer);
        return;
    }
    if (write_str(dir, "cgroup.kill", "1") < 0)
        freeze_and_kill(dir, &v2_freezer);
}

/* A crashed caller leaves "libbox-<pid>-<n>" cgroups behind, maybe with processes of its
 * boxes still in them (no pid namespace, or a caller that died before box_free): for each
 * one whose pid is gone, kill what is left in it (where this hierarchy can: v2, or the v1
 * freezer) and remove it. */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *de;
    char path[4096], file[4200];

    if (!d)
        return;
    while ((de = readdir(d))) {
        bool v1, killable;
        int pid;

        if (sscanf(de->d_name, "libbox-%d-", &pid) != 1 || (kill(pid, 0) == 0 || errno != ESRCH))
            continue;
        snprintf(path, sizeof path, "%s/%s", parent, de->d_name);
        snprintf(file, sizeof file, "%s/freezer.state", path);
        v1 = access(file, F_OK) == 0;
        snprintf(file, sizeof file, "%s/cgroup.freeze", path);
        killable = v1 || access(file, F_OK) == 0;
        if (killable)
            kill_cgroup(path, v1);
        /* Killed tasks take a moment to leave; elsewhere only the next box may find it empty. */
        for (int i = 0; i < (killable ? 200 : 1) && rmdir(path) < 0 && errno == EBUSY; i++)
            nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
    }
    closedir(d);
}

static int make_dir(box_t *box, int slot, const char *parent)
{
    static unsigned int counter;
    char *dir;

    remove_stale(parent);
    if (asprintf(&dir, "%s/libbox-%d-%u", parent, (int)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) < 0)
        return box__error(box, ENOMEM, "spawn: cgroup");
    if (mkdir(dir, 0755) < 0) {
        int err = errno;

        free(dir);
        return -err;
    }
    box->cg.dir[slot] = dir;
    return 0;
}

/* The kernel's name of the default huge page size in hugetlb files: "2MB", "1GB", "64KB". */
static int hugepage_name(char *out, size_t size)
{
    FILE *f = fopen("/proc/meminfo", "re");
    unsigned long kb = 0;
    char line[128];

    if (!f)
        return -errno;
    while (!kb && fgets(line, sizeof line, f))
        if (sscanf(line, "Hugepagesize: %lu kB", &kb) != 1)
            kb = 0;
    fclose(f);
    if (!kb)
        return -EOPNOTSUPP;
    if (kb >= 1024 * 1024)
        snprintf(out, size, "%luGB", kb / (1024 * 1024));
    else if (kb >= 1024)
        snprintf(out, size, "%luMB", kb / 1024);
    else
        snprintf(out, size, "%luKB", kb);
    return 0;
}

/* Write one limit to the cgroup that holds its controller, as limits.c's table says. */
static int apply_limit(box_t *box, box_limit_t limit, uint64_t v)
{
    const struct box__limit_desc *d = box__limit_desc(limit);
    bool v2 = box->cg.v2_slot[d->slot];
    const char *dir = box->cg.dir[v2 ? BOX_CG_V2 : d->slot];
    const struct box_limit_file *f = v2 ? &d->v2 : &d->v1;
    char buf[64], file[96];
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
        if ((r = hugepage_name(buf, sizeof buf)) < 0)
            return box__error(box, -r, "spawn: hugetlb limit: no default huge page size in "
                             "/proc/meminfo");
        snprintf(file, sizeof file, "%.*s%s%s", (int)(star - f->file), f->file, buf, star + 1);
    }
    if (f->pre_file && (r = write_str(dir, f->pre_file, f->pre_value)) < 0)
        return box__error(box, -r, "spawn: cgroup: write %s/%s", dir, f->pre_file);
    f->format(v, box->limit[BOX_LIMIT_MEMORY], buf, sizeof buf);
    r = write_str(dir, file, buf);
    if (r < 0)
        return box__error(box, -r, "spawn: cgroup: write %s to %s/%s", buf, dir, file);
    box__limit_record(box, limit, true, "%s/%s", dir, file);
    return 0;
}

/* v1 cpuset refuses tasks until cpus and mems are set: default them to the parent's. */
static int apply_cpuset(box_t *box, const char *dir, bool v2)
{
    const char *value[2] = { box->cpuset_cpus, box->cpuset_mems };
    const char *file[2] = { "cpuset.cpus", "cpuset.mems" };

    for (int i = 0; i < 2; i++) {
        char parent_value[512] = "", path[4096];
        int r, fd;
        ssize_t n;

        if (!value[i] && v2)
            continue;
        if (!value[i]) {
            snprintf(path, sizeof path, "%s/../%s", dir, file[i]);
            fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return box__error(box, errno, "spawn: cgroup: read %s", path);
            n = read(fd, parent_value, sizeof parent_value - 1);
            close(fd);
            parent_value[n > 0 ? n : 0] = '\0';
            parent_value[strcspn(parent_value, "\n")] = '\0';
        }
        r = write_str(dir, file[i], value[i] ? value[i] : parent_value);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s",
                             value[i] ? value[i] : parent_value, dir, file[i]);
    }
    return 0;
}

static int apply_io_rules(box_t *box, const char *dir, bool v2)
{
    static const char *const v2_key[] = { "", "rbps", "wbps", "riops", "wiops" };
    static const char *const v1_file[] = { "", "blkio.throttle.read_bps_device",
                                           "blkio.throttle.write_bps_device",
                                           "blkio.throttle.read_iops_device",
                                           "blkio.throttle.write_iops_device" };

    for (size_t i = 0; i < box->n_io_rules; i++) {
        const struct box_io_rule *rule = &box->io_rules[i];
        const char *file = v2 ? "io.max" : v1_file[rule->kind];
        char buf[128];
        int r;

        if (v2)
            snprintf(buf, sizeof buf, "%u:%u %s=%" PRIu64, rule->major, rule->minor,
                     v2_key[rule->kind], rule->value);
        else
            snprintf(buf, sizeof buf, "%u:%u %" PRIu64, rule->major, rule->minor, rule->value);
        r = write_str(dir, file, buf);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s", buf, dir, file);
    }
    return 0;
}

/* BOX_OPT_LIMITS_BEST_EFFORT: the limits of a controller we cannot use are skipped, and
 * box_limit_status says why. */
static void skip_slot(box_t *box, int slot, int err, const char *parent)
{
    for (int l = 0; l < BOX_LIMIT_COUNT; l++)
        if (box->limit_set[l] && limit_slot((box_limit_t)l) == slot)
            box__limit_record(box, (box_limit_t)l, false,
                             "not enforced: no usable %s cgroup below %s (%s)",
                             slot_controller[slot], parent, strerror(-err));
}

/* Create the box's cgroups and write its limits. Nothing is created when no limit needs a
 * cgroup. On error everything made so far is removed. */
int box__cgroup_create(box_t *box)
{
    bool need[BOX_CG_SLOTS] = { false };
    char v2_parent[4096] = "", parent[4096];
    bool any = false, have_v2, v2_found;
    int r;

    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        if (box->limit_set[l] && slot >= 0)
            need[slot] = any = true;
    }
    if (box->cpuset_cpus || box->cpuset_mems)
        need[BOX_CG_CPUSET] = any = true;
    if (box->n_io_rules)
        need[BOX_CG_IO] = any = true;
    if (!any)
        return 0;
    /* Memory and cpu usage are part of the report whenever the box has cgroups. */
    need[BOX_CG_MEMORY] = need[BOX_CG_CPUACCT] = true;

    v2_found = box->cgroup_backend != BOX_CGROUP_BACKEND_V1 &&
               parent_dir(box, NULL, v2_parent, sizeof v2_parent) == 0;
    have_v2 = v2_found && access(v2_parent, W_OK) == 0;
    if (have_v2) {
        r = make_dir(box, BOX_CG_V2, v2_parent);
        if (r < 0)
            have_v2 = false; /* a read-only v2 parent: fall back to v1 where possible */
    }
    /* Without a v2 cgroup there is no cgroup.kill: the v1 freezer kills the whole box. */
    need[BOX_CG_FREEZER] = !have_v2 && box->cgroup_backend != BOX_CGROUP_BACKEND_V2;
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++) {
        const char *ctl = slot_v2_controller[slot];
        bool required = false;

        if (!need[slot])
            continue;
        for (int l = 0; l < BOX_LIMIT_COUNT; l++)
            required |= box->limit_set[l] && limit_slot((box_limit_t)l) == slot;
        required |= slot == BOX_CG_CPUSET || (slot == BOX_CG_IO && box->n_io_rules);
        /* v2 accounts cpu time in every cgroup (cpu.stat) without the cpu controller. */
        if (have_v2 && slot == BOX_CG_CPUACCT) {
            box->cg.v2_slot[slot] = true;
            continue;
        }
        if (have_v2 && v2_has(v2_parent, ctl)) {
            r = v2_enable(box, v2_parent, ctl);
            if (r < 0)
                goto fail;
            box->cg.v2_slot[slot] = true;
            continue;
        }
        if (box->cgroup_backend == BOX_CGROUP_BACKEND_V2) {
            /* No v1 fallback: the limit has no home. */
            snprintf(parent, sizeof parent, "%.4000s (cgroup v2 only)",
                     have_v2 ? v2_parent : "no writable v2 cgroup");
            r = -ENOENT;
        } else {
            r = parent_dir(box, slot_controller[slot], parent, sizeof parent);
            if (r == 0)
                r = make_dir(box, slot, parent);
            /* No v1 hierarchy, but v2 has the controller in a cgroup we may not write:
             * that is the caller's missing permission, not a missing controller. */
            if (r == -ENOENT && ctl && v2_found && !have_v2 && v2_has(v2_parent, ctl)) {
                snprintf(parent, sizeof parent, "%s", v2_parent);
                r = -EACCES;
            }
        }
        if (r < 0 && required && (box->opts & BOX_OPT_LIMITS_BEST_EFFORT) &&
            slot != BOX_CG_CPUSET && !(slot == BOX_CG_IO && box->n_io_rules)) {
            skip_slot(box, slot, r, parent);
            continue;
        }
        if (r < 0 && required) {
            if (r == -ENOENT && box->cgroup_backend == BOX_CGROUP_BACKEND_V2)
                r = box__error(box, EOPNOTSUPP,
                              "spawn: cgroup controller %s is not available in cgroup v2 "
                              "%s; BOX_CGROUP_BACKEND_AUTO would use its v1 hierarchy",
                              ctl, have_v2 ? v2_parent : "(no writable v2 cgroup)");
            else if (r == -ENOENT)
                r = box__error(box, EOPNOTSUPP,
                              "spawn: cgroup controller %s is not available on this host "
                              "(neither in cgroup v2 %s nor as a v1 hierarchy)",
                              slot_controller[slot], have_v2 ? v2_parent : "(none)");
            else
                r = box__error(box, -r,
                              "spawn: cgroup %s: cannot create a cgroup below %s; fix: run as "
                              "root, or delegate a cgroup to this user and name it with "
                              "box_set_cgroup_parent",
                              slot_controller[slot], parent);
            goto fail;
        }
    }
    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        if (!box->limit_set[l] || slot < 0 ||
            !box->cg.dir[box->cg.v2_slot[slot] ? BOX_CG_V2 : slot])
            continue;
        r = apply_limit(box, (box_limit_t)l, box->limit[l]);
        /* A missing file is a kernel or scheduler feature this host lacks (swap
         * accounting, io weights): best effort skips that limit and says why. */
        if (r == -ENOENT && (box->opts & BOX_OPT_LIMITS_BEST_EFFORT)) {
            box__limit_record(box, (box_limit_t)l, false, "not enforced: %s", box->errmsg);
            box__clear_error(box);
            continue;
        }
        if (r < 0)
            goto fail;
    }
    if (need[BOX_CG_CPUSET]) {
        bool v2 = box->cg.v2_slot[BOX_CG_CPUSET];

        r = apply_cpuset(box, box->cg.dir[v2 ? BOX_CG_V2 : BOX_CG_CPUSET], v2);
        if (r < 0)
            goto fail;
    }
    if (box->n_io_rules) {
        bool v2 = box->cg.v2_slot[BOX_CG_IO];

        r = apply_io_rules(box, box->cg.dir[v2 ? BOX_CG_V2 : BOX_CG_IO], v2);
        if (r < 0)
            goto fail;
    }
    return 0;
fail:
    box__cgroup_destroy(box);
    return r;
}

/* Move the (waiting) child into every box cgroup (but the v2 one when clone3 put it
 * there). */
int box__cgroup_attach(box_t *box, pid_t pid, bool v2_placed)
{
    char buf[32];

    snprintf(buf, sizeof buf, "%d", (int)pid);
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        int r;

        if (!box->cg.dir[slot] || (slot == BOX_CG_V2 && v2_placed))
            continue;
        r = write_str(box->cg.dir[slot], "cgroup.procs", buf);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: attach to %s", box->cg.dir[slot]);
    }
    return 0;
}

/* The box cgroup that has a freezer (v2 cgroup.freeze, or the v1 freezer), or NULL. */
static const char *freezer_dir(const box_t *box, const struct freezer **fz)
{
    *fz = box->cg.dir[BOX_CG_V2] ? &v2_freezer : &v1_freezer;
    return box->cg.dir[BOX_CG_V2] ? box->cg.dir[BOX_CG_V2] : box->cg.dir[BOX_CG_FREEZER];
}

static int check_running(box_t *box, const char *what)
{
    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (box->state != BOX_RUNNING)
        return box__error(box, ESRCH, "%s: the box is not running", what);
    return 0;
}

/* Freeze (or thaw) every process of the box and wait until the kernel says so. */
static int set_frozen(box_t *box, bool freeze, const char *what)
{
    const struct freezer *fz;
    const char *dir;
    int r = check_running(box, what);

    if (r < 0)
        return r;
    if (!(dir = freezer_dir(box, &fz)))
        return box__error(box, EOPNOTSUPP, "%s: the box has no cgroup with a freezer (it "
                          "gets one with a cgroup limit, e.g. BOX_LIMIT_PIDS)", what);
    if ((r = write_str(dir, fz->file, freeze ? fz->freeze : fz->thaw)) < 0)
        return box__error(box, -r, "%s: %s/%s", what, dir, fz->file);
    /* v1 passes through FREEZING; v2 reports "frozen 1" in cgroup.events once done. */
    for (int i = 0; i < 2000; i++) {
        if (has_line(dir, fz->state, fz->frozen) == freeze)
            return 0;
        nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }
    return box__error(box, ETIMEDOUT, "%s: %s/%s did not change within 2 s", what, dir,
                      fz->state);
}

BOX_API int box_pause(box_t *box)
{
    return set_frozen(box, true, "pause");
}

BOX_API int box_resume(box_t *box)
{
    return set_frozen(box, false, "resume");
}

BOX_API int box_pids(box_t *box, pid_t *pids, size_t n)
{
    const struct freezer *fz;
    const char *dir;
    char path[4200], line[32];
    int r = check_running(box, "pids"), count = 0;
    FILE *f;

    if (r < 0)
        return r;
    if (!pids && n)
        return box__error(box, EINVAL, "pids: pids is NULL with n %zu", n);
    dir = freezer_dir(box, &fz);
    for (int slot = 0; !dir && slot < BOX_CG_SLOTS; slot++)
        dir = box->cg.dir[slot];
    if (!dir)
        return box__error(box, EOPNOTSUPP, "pids: the box has no cgroup (it gets one with a "
                          "cgroup limit, e.g. BOX_LIMIT_PIDS)");
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (!(f = fopen(path, "re")))
        return box__error(box, errno, "pids: %s", path);
    while (fgets(line, sizeof line, f) && count < INT32_MAX) {
        if (atoi(line) <= 0)
            continue;
        if ((size_t)count < n)
            pids[count] = (pid_t)atoi(line);
        count++;
    }
    fclose(f);
    return count;
}

/* Kill every process of the box at once. */
void box__cgroup_kill(box_t *box)
{
    if (box->cg.dir[BOX_CG_V2])
        kill_cgroup(box->cg.dir[BOX_CG_V2], false);
    else if (box->cg.dir[BOX_CG_FREEZER])
        kill_cgroup(box->cg.dir[BOX_CG_FREEZER], true);
}

/* cpu time of the whole box in microseconds, or -1 without a cgroup for it. */
int64_t box__cgroup_cpu_us(box_t *box, uint64_t *user_us, uint64_t *system_us)
{
    uint64_t u = 0, s = 0, total;

    if (box->cg.dir[BOX_CG_V2] && box->cg.v2_slot[BOX_CG_CPUACCT]) {
        const char *d = box->cg.dir[BOX_CG_V2];

        if (read_u64(d, "cpu.stat", "usage_usec", &total) < 0)
            return -1;
        read_u64(d, "cpu.stat", "user_usec", &u);
        read_u64(d, "cpu.stat", "system_usec", &s);
    } else if (box->cg.dir[BOX_CG_CPUACCT]) {
        const char *d = box->cg.dir[BOX_CG_CPUACCT];

        if (read_u64(d, "cpuacct.usage", NULL, &total) < 0)
            return -1;
        read_u64(d, "cpuacct.usage_user", NULL, &u);
        read_u64(d, "cpuacct.usage_sys", NULL, &s);
        total /= 1000, u /= 1000, s /= 1000;
    } else {
        return -1;
    }
    if (user_us)
        *user_us = u;
    if (system_us)
        *system_us = s;
    return (int64_t)total;
}

/* Fill the cgroup part of the report: peak memory, OOM kills, cpu time of all processes. */
void box__cgroup_usage(box_t *box, box_status_t *st)
{
    int slot = box->cg.v2_slot[BOX_CG_MEMORY] ? BOX_CG_V2 : BOX_CG_MEMORY;
    const char *mem = box->cg.dir[slot];
    uint64_t u, s;

    if (box__cgroup_cpu_us(box, &u, &s) >= 0) {
        st->cpu_user_us = u;
        st->cpu_system_us = s;
    }
    if (box->cg.dir[box->cg.v2_slot[BOX_CG_PIDS] ? BOX_CG_V2 : BOX_CG_PIDS] &&
        box->limit_set[BOX_LIMIT_PIDS])
        read_u64(box->cg.dir[box->cg.v2_slot[BOX_CG_PIDS] ? BOX_CG_V2 : BOX_CG_PIDS],
                 "pids.events", "max", &st->pids_limit_hits);
    if (!mem)
        return;
    if (slot == BOX_CG_V2) {
        read_u64(mem, "memory.peak", NULL, &st->memory_peak_bytes);
        read_u64(mem, "memory.events", "oom_kill", &st->oom_kills);
    } else {
        read_u64(mem, "memory.max_usage_in_bytes", NULL, &st->memory_peak_bytes);
        read_u64(mem, "memory.oom_control", "oom_kill", &st->oom_kills);
    }
}

/* Remove the box cgroups. The last processes of a killed box may still be on their way
 * out, so an rmdir that finds it busy is retried for a while. */
void box__cgroup_destroy(box_t *box)
{
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        char *dir = box->cg.dir[slot];

        if (!dir)
            continue;
        for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
            nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
        free(dir);
        box->cg.dir[slot] = NULL;
        box->cg.v2_slot[slot] = false;
    }
}
