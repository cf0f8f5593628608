/* cgroups: one cgroup per box, below the caller's own cgroup (or a parent it names), on the
 * unified v2 hierarchy or on v1 controller hierarchies, whichever has the controller. On a
 * hybrid host (v1 controllers + a v2 hierarchy without them) the box also gets a v2 cgroup,
 * for placement and cgroup.kill; without a v2 cgroup the whole box is killed through the
 * v1 freezer (freeze, SIGKILL every task, thaw). box_set_cgroup_backend narrows the choice
 * to one kind of hierarchy. The parent creates the cgroups and writes the limits
 * before clone, moves the child in while it waits (before it execs, so the program never
 * runs outside its limits), reads the usage after the box has ended and removes them.
 * It never touches the host's cgroup mounts and never moves a process it did not start.
 *
 * This module decides which hierarchy holds each controller (from the text that
 * cgroup-discover.c parses) and drives the v1 and v2 backends (cgroup-v1.c, cgroup-v2.c)
 * through their ops table; see cgroup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"

/* Controller names on v1 and on v2 (v2 accounts cpu time in every cgroup's cpu.stat). */
static const char *const slot_controller[BOX_CG_SLOTS] = {
    [BOX_CG_V2] = NULL,       [BOX_CG_MEMORY] = "memory", [BOX_CG_PIDS] = "pids",
    [BOX_CG_CPU] = "cpu",     [BOX_CG_CPUACCT] = "cpuacct", [BOX_CG_CPUSET] = "cpuset",
    [BOX_CG_IO] = "blkio",    [BOX_CG_HUGETLB] = "hugetlb", [BOX_CG_FREEZER] = "freezer",
    [BOX_CG_DEVICES] = "devices",
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

/* Where a controller's cgroup is (of a box, or an exec's own), and which backend drives
 * it. */
static const char *cg_dir(const struct box_cgroup *cg, int slot)
{
    return cg->dir[cg->v2_slot[slot] ? BOX_CG_V2 : slot];
}

static const struct box_cg_ops *cg_ops(const struct box_cgroup *cg, int slot)
{
    return slot == BOX_CG_V2 || cg->v2_slot[slot] ? &box_cg_v2_ops : &box_cg_v1_ops;
}

static const char *slot_dir(const box_t *box, int slot)
{
    return cg_dir(&box->cg, slot);
}

static const struct box_cg_ops *slot_ops(const box_t *box, int slot)
{
    return cg_ops(&box->cg, slot);
}

/* ---- choosing the hierarchies ---- */

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

/* What the kernel says about this process's cgroups, read once per box__cgroup_create. */
struct discovery {
    char *mountinfo, *proc_cgroup;
};

/* The directory under which this box's cgroup goes, in one hierarchy (controller NULL:
 * v2). */
static int parent_dir(const box_t *box, const struct discovery *k, const char *controller,
                      char *out, size_t size)
{
    char mnt[1024], root[1024], own[2048];
    int r = box_cg_find_mount(k->mountinfo, controller, mnt, sizeof mnt, root, sizeof root);

    if (r < 0)
        return r;
    if (box->cgroup_parent) {
        if (!controller && strncmp(box->cgroup_parent, mnt, strlen(mnt)) == 0)
            snprintf(out, size, "%s", box->cgroup_parent);
        else
            snprintf(out, size, "%s%s", mnt, box->cgroup_parent);
        return 0;
    }
    r = box_cg_own_path(k->proc_cgroup, controller, own, sizeof own);
    if (r < 0)
        return r;
    box_cg_join(mnt, root, own, out, size);
    return 0;
}

/* Does the v2 cgroup `dir` have `controller` (cgroup.controllers)? */
static bool v2_has(const char *dir, const char *controller)
{
    char list[512];

    return box_cg_read_at(dir, "cgroup.controllers", list, sizeof list) == 0 &&
           box_cg_list_has(list, controller);
}

/* A crashed caller leaves "libbox-<pid>-<n>" cgroups behind, maybe with processes of its
 * boxes still in them (no pid namespace, or a caller that died before box_free): for each
 * one whose pid is gone, kill what is left in it (where the backend can: v2, or the v1
 * freezer) and remove it. */
static void remove_stale(const char *parent, const struct box_cg_ops *ops)
{
    DIR *d = opendir(parent);
    struct dirent *de;
    char path[4096];

    if (!d)
        return;
    while ((de = readdir(d))) {
        int pid;

        if (sscanf(de->d_name, "libbox-%d-", &pid) != 1 || (kill(pid, 0) == 0 || errno != ESRCH) ||
            box__path_join(path, sizeof path, parent, de->d_name) < 0)
            continue;
        if (ops->kill(path) == 0)
            ops->destroy(path);
        else
            rmdir(path); /* elsewhere only the next box may find it empty */
    }
    closedir(d);
}

static int make_dir(box_t *box, int slot, const char *parent)
{
    static unsigned int counter;
    const struct box_cg_ops *ops = slot == BOX_CG_V2 ? &box_cg_v2_ops : &box_cg_v1_ops;
    char *dir;
    int r;

    remove_stale(parent, ops);
    /* A detached box's creator may die: remove_stale must not take it for a crashed
     * caller's ("libbox-%d-" does not match it). */
    if (asprintf(&dir, "%s/libbox-%s%d-%u", parent,
                 (box->opts & BOX_OPT_DETACH) ? "detached-" : "", (int)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) < 0)
        return box__error(box, ENOMEM, "spawn: cgroup");
    if ((r = ops->create(dir)) < 0) {
        free(dir);
        return r;
    }
    box->cg.dir[slot] = dir;
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

/* Which controllers the box needs a cgroup for; false when none. */
static bool wanted(const box_t *box, bool need[BOX_CG_SLOTS])
{
    bool any = false;

    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        if (box->limit_set[l] && slot >= 0)
            need[slot] = any = true;
    }
    if (box->cpuset_cpus || box->cpuset_mems)
        need[BOX_CG_CPUSET] = any = true;
    if (box->n_io_rules)
        need[BOX_CG_IO] = any = true;
    if (box->n_device_rules)
        need[BOX_CG_DEVICES] = any = true;
    /* A detached box always gets one: box_destroy kills it whole, box_pause works. */
    if (box->opts & BOX_OPT_DETACH)
        any = true;
    /* Memory and cpu usage are part of the report whenever the box has cgroups. */
    if (any)
        need[BOX_CG_MEMORY] = need[BOX_CG_CPUACCT] = true;
    return any;
}

/* Place each needed controller in the v2 cgroup or a v1 hierarchy, create the cgroups
 * and write the limits. On error everything made so far is removed. */
static int apply(box_t *box);

static int create(box_t *box, const struct discovery *k, bool need[BOX_CG_SLOTS])
{
    char v2_parent[4096] = "", parent[4096];
    bool have_v2, v2_found;
    int r;

    v2_found = box->cgroup_backend != BOX_CGROUP_BACKEND_V1 &&
               parent_dir(box, k, NULL, v2_parent, sizeof v2_parent) == 0;
    have_v2 = v2_found && access(v2_parent, W_OK) == 0;
    if (have_v2) {
        r = make_dir(box, BOX_CG_V2, v2_parent);
        if (r < 0)
            have_v2 = false; /* a read-only v2 parent: fall back to v1 where possible */
    }
    /* The box's processes in a leaf, so that its cgroup may offer controllers to the
     * cgroups of execs (v2's no-internal-processes rule). */
    if (have_v2 && (asprintf(&box->cg.leaf, "%s/init", box->cg.dir[BOX_CG_V2]) < 0 ||
                    box_cg_mkdir(box->cg.leaf) < 0)) {
        r = box__error(box, box->cg.leaf ? errno : ENOMEM, "spawn: cgroup: mkdir %s",
                       box->cg.leaf ? box->cg.leaf : "init");
        free(box->cg.leaf);
        box->cg.leaf = NULL;
        goto fail;
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
        required |= slot == BOX_CG_CPUSET || (slot == BOX_CG_IO && box->n_io_rules) ||
                    slot == BOX_CG_DEVICES;
        /* v2 accounts cpu time in every cgroup (cpu.stat) without the cpu controller. */
        if (have_v2 && slot == BOX_CG_CPUACCT) {
            box->cg.v2_slot[slot] = true;
            continue;
        }
        /* v2 has no devices controller: a program on the v2 cgroup does its work, where
         * no v1 hierarchy has it (or the caller asked for v2 only). */
        if (have_v2 && slot == BOX_CG_DEVICES &&
            (box->cgroup_backend == BOX_CGROUP_BACKEND_V2 ||
             parent_dir(box, k, slot_controller[slot], parent, sizeof parent) == -ENOENT)) {
            box->cg.v2_slot[slot] = true;
            continue;
        }
        if (have_v2 && ctl && v2_has(v2_parent, ctl)) {
            r = box_cg_v2_ops.enable(box, v2_parent, ctl);
            if (r == 0) {
                box->cg.v2_slot[slot] = true;
                continue;
            }
            /* -EBUSY: the parent holds processes, so it cannot offer the controller to
             * the box (v2's no-internal-processes rule), e.g. a detached box spawned from
             * the caller's own cgroup. A controller that is only there for the usage
             * report (memory, cpu) is not worth the spawn: the box goes without it. No
             * v1 hierarchy can host it instead (a controller in v2 is in no v1 one).
             * Best effort skips a limit's controller the same way and says why. */
            if (r == -EBUSY && !required) {
                box__clear_error(box);
                continue;
            }
            if (r == -EBUSY && (box->opts & BOX_OPT_LIMITS_BEST_EFFORT) &&
                slot != BOX_CG_CPUSET && slot != BOX_CG_DEVICES &&
                !(slot == BOX_CG_IO && box->n_io_rules)) {
                box__clear_error(box);
                skip_slot(box, slot, r, v2_parent);
                continue;
            }
            goto fail;
        }
        if (box->cgroup_backend == BOX_CGROUP_BACKEND_V2) {
            /* No v1 fallback: the limit has no home. */
            snprintf(parent, sizeof parent, "%.4000s (cgroup v2 only)",
                     have_v2 ? v2_parent : "no writable v2 cgroup");
            r = -ENOENT;
        } else {
            r = parent_dir(box, k, slot_controller[slot], parent, sizeof parent);
            /* The hierarchy is there but not the parent: box_set_cgroup_parent named a
             * cgroup nobody made (not a controller this host lacks). */
            if (r == 0 && (r = make_dir(box, slot, parent)) == -ENOENT && required) {
                r = box__error(box, ENOENT, "spawn: cgroup %s: the parent cgroup %s does "
                               "not exist (box_set_cgroup_parent names an existing cgroup)",
                               slot_controller[slot], parent);
                goto fail;
            }
            /* No v1 hierarchy, but v2 has the controller in a cgroup we may not write:
             * that is the caller's missing permission, not a missing controller. */
            if (r == -ENOENT && ctl && v2_found && !have_v2 && v2_has(v2_parent, ctl)) {
                snprintf(parent, sizeof parent, "%s", v2_parent);
                r = -EACCES;
            }
        }
        if (r < 0 && required && (box->opts & BOX_OPT_LIMITS_BEST_EFFORT) &&
            slot != BOX_CG_CPUSET && slot != BOX_CG_DEVICES &&
            !(slot == BOX_CG_IO && box->n_io_rules)) {
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
    if ((r = apply(box)) < 0)
        goto fail;
    return 0;
fail:
    box__cgroup_destroy(box);
    return r;
}

/* Write the box's limits, cpuset, io and device rules into its cgroups. */
static int apply(box_t *box)
{
    int r;

    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        if (!box->limit_set[l] || slot < 0 ||
            !slot_dir(box, slot))
            continue;
        r = slot_ops(box, slot)->apply_limit(box, slot_dir(box, slot), (box_limit_t)l,
                                             box->limit[l]);
        /* A missing file is a kernel or scheduler feature this host lacks (swap
         * accounting, io weights): best effort skips that limit and says why. */
        if (r == -ENOENT && (box->opts & BOX_OPT_LIMITS_BEST_EFFORT)) {
            box__limit_record(box, (box_limit_t)l, false, "not enforced: %s", box->errmsg);
            box__clear_error(box);
            continue;
        }
        if (r < 0)
            return r;
    }
    if ((box->cpuset_cpus || box->cpuset_mems) &&
        (r = slot_ops(box, BOX_CG_CPUSET)->apply_cpuset(box, slot_dir(box, BOX_CG_CPUSET))) < 0)
        return r;
    if (box->n_io_rules &&
        (r = slot_ops(box, BOX_CG_IO)->apply_io(box, slot_dir(box, BOX_CG_IO))) < 0)
        return r;
    if (box->n_device_rules &&
        (r = slot_ops(box, BOX_CG_DEVICES)->apply_devices(box,
                                                          slot_dir(box, BOX_CG_DEVICES))) < 0)
        return r;
    return 0;
}

/* ---- reuse through a box_cgroup_pool ---- */

static int64_t cpu_us(const struct box_cgroup *cg, uint64_t *user_us, uint64_t *system_us);
static void usage(const struct box_cgroup *cg, bool pids_events, box_status_t *st);

/* May this box's cgroups come from its pool and go back to it? Not a detached box's (they
 * outlive the box_t), nor where a reset cannot undo what the box set: io and device rules
 * (lists the kernel adds to), limits without a reset value, skipped limits. */
static bool poolable(const box_t *box, const bool need[BOX_CG_SLOTS])
{
    if (!box->cgroup_pool || (box->opts & (BOX_OPT_DETACH | BOX_OPT_LIMITS_BEST_EFFORT)) ||
        box->n_io_rules || box->n_device_rules || need[BOX_CG_IO] || need[BOX_CG_HUGETLB] ||
        need[BOX_CG_DEVICES])
        return false;
    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        const struct box__limit_desc *d = box__limit_desc((box_limit_t)l);

        if (box->limit_set[l] && d && d->slot >= 0 && d->v1.format &&
            (!d->v1.reset || !d->v2.reset))
            return false;
    }
    return true;
}

/* The shape of the box's cgroups: what decides where create() puts them. */
static char *pool_key(const box_t *box, const bool need[BOX_CG_SLOTS], const char *proc_cgroup)
{
    unsigned int mask = 0;
    char *key;

    for (int slot = 0; slot < BOX_CG_SLOTS; slot++)
        mask |= need[slot] ? 1u << slot : 0;
    if (asprintf(&key, "%x %d %s\n%s", mask, box->cgroup_backend,
                 box->cgroup_parent ? box->cgroup_parent : "", proc_cgroup) < 0)
        return NULL;
    return key;
}

/* Is any task left in the box's cgroups? Every task of the box is in each of them, so one
 * is enough: the v2 cgroup (with its leaf) or the first v1 one. */
static bool populated(const struct box_cgroup *cg)
{
    char buf[256];

    if (cg->dir[BOX_CG_V2])
        return box_cg_read_at(cg->dir[BOX_CG_V2], "cgroup.events", buf, sizeof buf) < 0 ||
               !strstr(buf, "populated 0");
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++)
        if (cg->dir[slot] && !cg->v2_slot[slot])
            return box_cg_read_at(cg->dir[slot], "cgroup.procs", buf, sizeof buf) < 0 ||
                   buf[0] != '\0';
    return true;
}

static int write_reset(const box_t *box, box_limit_t limit)
{
    const struct box__limit_desc *d = box__limit_desc(limit);
    int slot = d->slot;
    const struct box_limit_file *f = box->cg.v2_slot[slot] ? &d->v2 : &d->v1;

    if (!box->limit_set[limit] || !f->format || !slot_dir(box, slot))
        return 0;
    return f->reset ? box_cg_write(slot_dir(box, slot), f->file, f->reset) : -EOPNOTSUPP;
}

/* What an ended box leaves charged to its v1 memory cgroup: page cache it read or wrote,
 * reclaimed here so that the next box starts without it (force_empty drains every cpu's
 * page lists first, a millisecond on a busy host: it runs only when there is something to
 * reclaim). What stays, below the threshold, is mostly kernel memory force_empty cannot
 * free: *left, which the next box's peak does not count. */
#define RECLAIM_ABOVE (1u << 20)

static int reclaim_v1(const char *dir, uint64_t *left)
{
    char buf[64];
    int r = box_cg_read_at(dir, "memory.usage_in_bytes", buf, sizeof buf);

    if (r == 0 && (r = box_cg_key_u64(buf, NULL, left)) == 0 && *left > RECLAIM_ABOVE &&
        (r = box_cg_write(dir, "memory.force_empty", "0")) == 0 &&
        (r = box_cg_read_at(dir, "memory.usage_in_bytes", buf, sizeof buf)) == 0)
        r = box_cg_key_u64(buf, NULL, left);
    return r;
}

/* Make the box's ended cgroups like new ones for the next box: thawed, every limit the box
 * set (or box_update_limit changed) back to none, v1 memory's charged pages reclaimed and
 * its peak and failure counters cleared; the counters that cannot be cleared (cpu time,
 * OOM kills, forks the pids limit refused) read into base_*, for usage() to subtract. */
static int reset(box_t *box)
{
    struct box_cgroup *cg = &box->cg;
    const char *memory = cg->dir[BOX_CG_MEMORY];
    box_status_t raw = { 0 };
    uint64_t left = 0;
    int64_t total;
    int r;

    if (cg->has_children || cg->v2_killed || populated(cg))
        return -EBUSY;
    if (cg->was_frozen && cg->dir[BOX_CG_V2] &&
        (r = box_cg_write(cg->dir[BOX_CG_V2], "cgroup.freeze", "0")) < 0)
        return r;
    if (cg->was_frozen && cg->dir[BOX_CG_FREEZER] &&
        (r = box_cg_write(cg->dir[BOX_CG_FREEZER], "freezer.state", "THAWED")) < 0)
        return r;
    cg->was_frozen = false;
    /* v1 memory+swap must stay above memory: it goes first */
    if ((r = write_reset(box, BOX_LIMIT_SWAP)) < 0)
        return r;
    for (int l = 0; l < BOX_LIMIT_COUNT; l++)
        if (l != BOX_LIMIT_SWAP && limit_slot((box_limit_t)l) >= 0 &&
            (r = write_reset(box, (box_limit_t)l)) < 0)
            return r;
    if (memory && !cg->v2_slot[BOX_CG_MEMORY] &&
        ((r = reclaim_v1(memory, &left)) < 0 ||
         (r = box_cg_write(memory, "memory.max_usage_in_bytes", "0")) < 0 ||
         (r = box_cg_write(memory, "memory.failcnt", "0")) < 0))
        return r;
    cg->base_cpu_us = cg->base_user_us = cg->base_system_us = 0;
    cg->base_oom_kills = cg->base_pids_hits = 0;
    cg->base_memory = left;
    usage(cg, true, &raw);
    total = cpu_us(cg, NULL, NULL);
    cg->base_cpu_us = total > 0 ? (uint64_t)total : 0;
    cg->base_user_us = raw.cpu_user_us;
    cg->base_system_us = raw.cpu_system_us;
    cg->base_oom_kills = raw.oom_kills;
    cg->base_pids_hits = raw.pids_limit_hits;
    return 0;
}

/* Create the box's cgroups and write its limits, or take them from the box's pool. Nothing
 * is created when no limit needs a cgroup. On error everything made so far is removed. */
int box__cgroup_create(box_t *box)
{
    struct discovery k = { NULL, NULL };
    bool need[BOX_CG_SLOTS] = { false };
    char *key = NULL;
    int r;

    if (!wanted(box, need))
        return 0;
    if ((r = box_cg_read_alloc("/proc/self/cgroup", &k.proc_cgroup)) < 0)
        return box__error(box, -r, "spawn: cgroup: read /proc/self/cgroup");
    if (poolable(box, need) && !(key = pool_key(box, need, k.proc_cgroup))) {
        free(k.proc_cgroup);
        return box__error(box, ENOMEM, "spawn: cgroup");
    }
    if (key && box__cgroup_pool_take(box->cgroup_pool, key, &box->cg) == 1) {
        r = apply(box);
        if (r < 0)
            box_cg_destroy_set(&box->cg); /* not to the pool: half of the limits written */
    } else if ((r = box_cg_read_alloc("/proc/self/mountinfo", &k.mountinfo)) < 0) {
        r = box__error(box, -r, "spawn: cgroup: read /proc/self/mountinfo");
    } else {
        r = create(box, &k, need);
    }
    /* Only a complete set goes back to the pool; v2 memory.peak cannot be cleared. */
    if (r == 0 && !box->cg.v2_slot[BOX_CG_MEMORY]) {
        box->cg_pool_key = key;
        key = NULL;
    }
    free(key);
    free(k.mountinfo);
    free(k.proc_cgroup);
    return r;
}

/* ---- BOX_MOUNT_CGROUP: what the child mounts ---- */

/* The box's own cgroup in the hierarchy mounted at point (root: the mount's root) with
 * the v1 options opts ("" for cgroup2): its directory where the box has one there, else
 * the caller's (the box's processes stay in it). NULL when it does not exist. */
static char *own_cgroup(const box_t *box, const struct discovery *k, const char *point,
                        const char *root, const char *opts)
{
    char own[2048], word[256], dir[4096];
    size_t n = strcspn(opts, ",");

    if (!opts[0] && box->cg.dir[BOX_CG_V2])
        return strdup(box__cgroup_v2_home(box));
    for (int slot = BOX_CG_MEMORY; opts[0] && slot < BOX_CG_SLOTS; slot++)
        if (box->cg.dir[slot] && !box->cg.v2_slot[slot] &&
            box_cg_list_has(opts, slot_controller[slot]))
            return strdup(box->cg.dir[slot]);
    snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), opts);
    if (box_cg_own_path(k->proc_cgroup, opts[0] ? word : NULL, own, sizeof own) < 0)
        return NULL;
    box_cg_join(point, root, own, dir, sizeof dir);
    return access(dir, F_OK) == 0 ? strdup(dir) : NULL;
}

static int cgroup_mount_list(box_t *box, const struct discovery *k, struct box_plan *p)
{
    char point[1024], root[1024], opts[1024];
    bool v2_host = box_cg_layout(k->proc_cgroup) == BOX_CGROUP_V2;

    for (const char *pos = k->mountinfo; box_cg_next_hierarchy(&pos, point, sizeof point, root,
                                                              sizeof root, opts, sizeof opts);) {
        const char *name = strrchr(point, '/') + 1;
        struct box_plan_cgroup *cg, *grown;
        bool seen = false;

        /* The first mount of each hierarchy (a host may show one twice), and on a v2 host
         * the cgroup2 one only. */
        for (size_t i = 0; i < p->n_cgroups; i++)
            seen |= (p->cgroups[i].fs_opts ? strcmp(p->cgroups[i].fs_opts, opts) == 0
                                           : !opts[0]) ||
                    (p->cgroups[i].name && strcmp(p->cgroups[i].name, name) == 0);
        if (seen || (v2_host && opts[0]) || !name[0])
            continue;
        grown = realloc(p->cgroups, (p->n_cgroups + 1) * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        p->cgroups = grown;
        cg = &p->cgroups[p->n_cgroups++];
        *cg = (struct box_plan_cgroup){ NULL, NULL, NULL, NULL };
        cg->source = own_cgroup(box, k, point, root, opts);
        if ((!v2_host && !(cg->name = strdup(name))) ||
            (!opts[0] && box->cg.leaf && !(cg->box_dir = strdup(box->cg.dir[BOX_CG_V2]))) ||
            (opts[0] && !(cg->fs_opts = strdup(opts))))
            return -ENOMEM;
    }
    return 0;
}

int box__cgroup_mount_prepare(box_t *box, struct box_plan *p)
{
    struct discovery k = { NULL, NULL };
    size_t n_ops = 0;
    int r;

    for (size_t i = 0; i < box->n_mounts; i++)
        n_ops += box->mounts[i].type == BOX_MOUNT_CGROUP;
    if (!n_ops)
        return 0;
    if ((r = box_cg_read_alloc("/proc/self/mountinfo", &k.mountinfo)) < 0 ||
        (r = box_cg_read_alloc("/proc/self/cgroup", &k.proc_cgroup)) < 0) {
        r = box__error(box, -r, "spawn: cgroup mount: read /proc/self/%s",
                       k.mountinfo ? "cgroup" : "mountinfo");
        goto out;
    }
    r = cgroup_mount_list(box, &k, p);
    if (r == 0 && !p->n_cgroups)
        r = box__error(box, EOPNOTSUPP, "spawn: cgroup mount: this host has no cgroup "
                       "hierarchy mounted");
    else if (r == 0 && !(p->cgroup_trees = malloc(box->n_mounts * p->n_cgroups *
                                                  sizeof *p->cgroup_trees)))
        r = -ENOMEM;
    if (r == -ENOMEM)
        r = box__error(box, ENOMEM, "spawn: cgroup mount");
    if (r == 0)
        memset(p->cgroup_trees, -1, box->n_mounts * p->n_cgroups * sizeof *p->cgroup_trees);
    p->cgroup_ns = box__ns_entered(box) & BOX_NS_CGROUP;
out:
    free(k.mountinfo);
    free(k.proc_cgroup);
    return r;
}

void box__cgroup_mount_free(struct box_plan *p)
{
    for (size_t i = 0; i < p->n_cgroups; i++) {
        free(p->cgroups[i].name);
        free(p->cgroups[i].source);
        free(p->cgroups[i].fs_opts);
        free(p->cgroups[i].box_dir);
    }
    free(p->cgroups);
    free(p->cgroup_trees);
    p->cgroups = NULL;
    p->cgroup_trees = NULL;
    p->n_cgroups = 0;
}

const char *box__cgroup_v2_home(const box_t *box)
{
    return box->cg.leaf ? box->cg.leaf : box->cg.dir[BOX_CG_V2];
}

_Static_assert(BOX_CG_SLOTS <= BOX_PLAN_CGROUP_FDS, "a tasks fd per slot");

int box__cgroup_tasks_fds(box_t *box, const struct box_cgroup *own, int *fds, size_t *n)
{
    *n = 0;
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++) {
        const char *dir = own && own->dir[slot] ? own->dir[slot] : box->cg.dir[slot];
        char path[4096];
        int fd = -ENAMETOOLONG;

        if (!dir || box->cg.v2_slot[slot])
            continue;
        if (box__path_join(path, sizeof path, dir, "tasks") == 0 &&
            (fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
            fd = -errno;
        if (fd < 0) {
            while (*n)
                close(fds[--*n]);
            return box__error(box, -fd, "%s: cgroup: open %s/tasks", own ? "exec" : "spawn",
                              dir);
        }
        fds[(*n)++] = fd;
    }
    return 0;
}

/* Move the (waiting) child into every box cgroup (but the v2 one when clone3 put it
 * there, and the v1 ones it joins itself): the exec's own where it has one, else the
 * box's (v2: its leaf). */
int box__cgroup_attach(box_t *box, const struct box_cgroup *own, pid_t pid, bool v2_placed,
                       bool v1_self)
{
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        const char *dir = own && own->dir[slot] ? own->dir[slot]
                          : slot == BOX_CG_V2   ? box__cgroup_v2_home(box)
                                                : box->cg.dir[slot];
        int r;

        if (!dir || (slot == BOX_CG_V2 && v2_placed) ||
            (v1_self && slot != BOX_CG_V2 && !box->cg.v2_slot[slot]))
            continue;
        r = slot_ops(box, slot)->attach(dir, pid);
        if (r < 0)
            return box__error(box, -r, "%s: cgroup: attach to %s", own ? "exec" : "spawn",
                              dir);
    }
    return 0;
}

/* The box cgroup that has a freezer (v2 cgroup.freeze, or the v1 freezer), or NULL. */
static const char *freezer_dir(const box_t *box, const struct box_cg_ops **ops)
{
    *ops = box->cg.dir[BOX_CG_V2] ? &box_cg_v2_ops : &box_cg_v1_ops;
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
    const struct box_cg_ops *ops;
    const char *dir;
    int r = check_running(box, what);

    if (r < 0)
        return r;
    if (!(dir = freezer_dir(box, &ops)))
        return box__error(box, EOPNOTSUPP, "%s: the box has no cgroup with a freezer (it "
                          "gets one with a cgroup limit, e.g. BOX_LIMIT_PIDS)", what);
    box->cg.was_frozen |= freeze;
    r = box_cg_set_frozen(ops, dir, freeze, 2000);
    if (r == -ETIMEDOUT)
        return box__error(box, ETIMEDOUT, "%s: the %s freezer of %s did not change within 2 s",
                          what, ops->name, dir);
    if (r < 0)
        return box__error(box, -r, "%s: %s freezer of %s", what, ops->name, dir);
    return 0;
}

BOX_API int box_pause(box_t *box)
{
    return set_frozen(box, true, "pause");
}

BOX_API int box_resume(box_t *box)
{
    return set_frozen(box, false, "resume");
}

struct pid_list {
    pid_t *pids;
    size_t n;
    int count;
};

static void add_pid(pid_t pid, void *arg)
{
    struct pid_list *l = arg;

    if (l->count == INT32_MAX)
        return;
    if ((size_t)l->count < l->n)
        l->pids[l->count] = pid;
    l->count++;
}

/* Every process of the box: its cgroup's and those of the cgroups below (its leaf, the
 * cgroups of execs). */
BOX_API int box_pids(box_t *box, pid_t *pids, size_t n)
{
    const struct box_cg_ops *ops;
    struct pid_list list = { pids, n, 0 };
    const char *dir;
    int r;

    /* Bad arguments are an error in any phase, so they are checked first. */
    if (box && !pids && n)
        return box__error(box, EINVAL, "pids: pids is NULL with n %zu", n);
    if ((r = check_running(box, "pids")) < 0)
        return r;
    dir = freezer_dir(box, &ops);
    for (int slot = 0; !dir && slot < BOX_CG_SLOTS; slot++)
        dir = box->cg.dir[slot];
    if (!dir)
        return box__error(box, EOPNOTSUPP, "pids: the box has no cgroup (it gets one with a "
                          "cgroup limit, e.g. BOX_LIMIT_PIDS)");
    if ((r = box_cg_each_proc(dir, add_pid, &list)) < 0)
        return box__error(box, -r, "pids: %s/cgroup.procs", dir);
    return list.count;
}

/* A new value for a limit of a running box: its cgroup file rewritten (a box_wait limit
 * just remembered). The limits that are set only at the start stay as they are. */
/* v1's memsw file again, for box->limit[BOX_LIMIT_MEMORY] + swap. */
static int update_swap(box_t *box)
{
    return slot_ops(box, BOX_CG_MEMORY)->apply_limit(box, slot_dir(box, BOX_CG_MEMORY),
                                                     BOX_LIMIT_SWAP,
                                                     box->limit[BOX_LIMIT_SWAP]);
}

/* box_update_limit without the state of a detached box (detach.c keeps that). */
int box__cgroup_update_limit(box_t *box, box_limit_t limit, uint64_t value)
{
    const struct box__limit_desc *d;
    uint64_t old;
    bool memsw;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    /* Bad arguments are an error in any phase, so they are checked first. */
    if ((r = box__limit_check(box, limit, value)) < 0)
        return r;
    /* A held box (BOX_OPT_HOLD: built, waiting for box_start) sits in its cgroups
     * already: its limits can change before its program runs (runc updates a created
     * container). */
    if (box->state != BOX_RUNNING && box->state != BOX_HELD)
        return box__error(box, ESRCH, "update_limit: the box is not running");
    d = box__limit_desc(limit);
    if (d->kind == BOX_LIMIT_KIND_RLIMIT)
        return box__error(box, EOPNOTSUPP, "update_limit: %s is an rlimit, set per process "
                          "when it starts", d->name);
    if (d->kind == BOX_LIMIT_KIND_CGROUP && !slot_dir(box, d->slot))
        return box__error(box, EOPNOTSUPP, "update_limit: the box has no cgroup for %s (set "
                          "the limit, any value, before box_spawn)", d->name);
    if (d->kind == BOX_LIMIT_KIND_CGROUP && !box->limit_enforced[limit] &&
        box->limit_set[limit])
        return box__error(box, EOPNOTSUPP, "update_limit: %s is not in force in this box",
                          d->name);
    old = box->limit[limit];
    box->limit[limit] = value;
    /* v1 limits memory and swap together (memsw = memory + swap, which the kernel keeps
     * at or above memory): a new memory limit moves memsw with it, raised before the
     * memory limit and lowered after it. */
    memsw = limit == BOX_LIMIT_MEMORY && box->limit_set[BOX_LIMIT_SWAP] &&
            !box->cg.v2_slot[BOX_CG_MEMORY];
    if (memsw && value > old && (r = update_swap(box)) < 0) {
        box->limit[limit] = old;
        return r;
    }
    if (d->kind == BOX_LIMIT_KIND_CGROUP &&
        (r = slot_ops(box, d->slot)->apply_limit(box, slot_dir(box, d->slot), limit,
                                                  value)) < 0) {
        box->limit[limit] = old;
        if (memsw && value > old)
            update_swap(box); /* memsw back to what it was, above the old memory */
        return r;
    }
    if (memsw && value <= old && (r = update_swap(box)) < 0)
        return r; /* memory is at the new limit, memsw above it still */
    box->limit_set[limit] = true;
    return 0;
}

/* Kill every process of the box at once. */
void box__cgroup_kill(box_t *box)
{
    if (box->cg.dir[BOX_CG_V2]) {
        box_cg_v2_ops.kill(box->cg.dir[BOX_CG_V2]);
        box->cg.v2_killed = true;
    } else if (box->cg.dir[BOX_CG_FREEZER])
        box_cg_v1_ops.kill(box->cg.dir[BOX_CG_FREEZER]);
}

static uint64_t less(uint64_t v, uint64_t base)
{
    return v > base ? v - base : 0;
}

/* cpu time of all tasks of cg in microseconds (since the cgroup's box started), or -1
 * without a cgroup for it. */
static int64_t cpu_us(const struct box_cgroup *cg, uint64_t *user_us, uint64_t *system_us)
{
    uint64_t u, s;
    int64_t total;

    if (!cg_dir(cg, BOX_CG_CPUACCT))
        return -1;
    total = cg_ops(cg, BOX_CG_CPUACCT)->cpu_usage(cg_dir(cg, BOX_CG_CPUACCT), &u, &s);
    if (total < 0)
        return total;
    if (user_us)
        *user_us = less(u, cg->base_user_us);
    if (system_us)
        *system_us = less(s, cg->base_system_us);
    return (int64_t)less((uint64_t)total, cg->base_cpu_us);
}

int64_t box__cgroup_cpu_us(box_t *box, uint64_t *user_us, uint64_t *system_us)
{
    return cpu_us(&box->cg, user_us, system_us);
}

/* The cgroup part of a report: peak memory, OOM kills, cpu time of all processes, forks
 * the pids limit refused (pids_events: there is a pids limit to count them). */
static void usage(const struct box_cgroup *cg, bool pids_events, box_status_t *st)
{
    const char *pids = cg_dir(cg, BOX_CG_PIDS);
    uint64_t u, s;
    char buf[256];

    if (cpu_us(cg, &u, &s) >= 0) {
        st->cpu_user_us = u;
        st->cpu_system_us = s;
    }
    if (pids && pids_events && box_cg_read_at(pids, "pids.events", buf, sizeof buf) == 0 &&
        box_cg_key_u64(buf, "max", &st->pids_limit_hits) == 0)
        st->pids_limit_hits = less(st->pids_limit_hits, cg->base_pids_hits);
    if (cg_dir(cg, BOX_CG_MEMORY)) {
        cg_ops(cg, BOX_CG_MEMORY)->memory_usage(cg_dir(cg, BOX_CG_MEMORY), st);
        st->oom_kills = less(st->oom_kills, cg->base_oom_kills);
        st->memory_peak_bytes = less(st->memory_peak_bytes, cg->base_memory);
    }
}

/* Free the paths, leaving the cgroups. */
static void forget(struct box_cgroup *cg)
{
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        free(cg->dir[slot]);
        cg->dir[slot] = NULL;
    }
    free(cg->leaf);
    cg->leaf = NULL;
    cg->offered = 0;
}

/* A detached box's: its cgroups outlive the box_t. */
void box__cgroup_forget(box_t *box)
{
    forget(&box->cg);
}

int box__cgroup_frozen(box_t *box)
{
    const struct box_cg_ops *ops;
    const char *dir = freezer_dir(box, &ops);

    return dir ? ops->frozen(dir) : 0;
}

void box__cgroup_usage(box_t *box, box_status_t *st)
{
    usage(&box->cg, box->limit_set[BOX_LIMIT_PIDS], st);
}

/* The box's cgroups go back to its pool, reset, where they may; else they are removed. */
void box__cgroup_destroy(box_t *box)
{
    if (box->cg_pool_key && box->cgroup_pool && reset(box) == 0)
        box__cgroup_pool_put(box->cgroup_pool, box->cg_pool_key, &box->cg);
    free(box->cg_pool_key);
    box->cg_pool_key = NULL;
    box_cg_destroy_set(&box->cg);
}

/* ---- the cgroups of an exec ---- */

/* Which slots an exec's own cgroup has: the accounting ones the box has, and those of its
 * cgroup limits (which must have a box cgroup to go below). */
static int exec_slots(box_t *box, const bool set[BOX_LIMIT_COUNT], bool need[BOX_CG_SLOTS])
{
    bool any = false;

    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        if (!set[l] || slot < 0)
            continue;
        if (!slot_dir(box, slot))
            return box__error(box, EOPNOTSUPP, "exec: limit %s: the box has no %s cgroup "
                              "(set a %s limit, any value, before box_spawn)",
                              box_limit_name((box_limit_t)l), slot_controller[slot],
                              box_limit_name((box_limit_t)l));
        need[slot] = true;
    }
    for (int slot = BOX_CG_MEMORY; slot <= BOX_CG_CPUACCT; slot++)
        if (slot != BOX_CG_CPU && slot_dir(box, slot))
            need[slot] = true;
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++)
        any |= need[slot];
    if (!any)
        return box__error(box, EOPNOTSUPP, "exec: a cgroup of its own: the box has no "
                          "cgroup (it gets one with a cgroup limit, e.g. BOX_LIMIT_MEMORY)");
    return 0;
}

/* v2: offer the box's controllers to its children (its processes live in its leaf). */
static int enable_children(box_t *box, const bool need[BOX_CG_SLOTS])
{
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++) {
        int r;

        if (!need[slot] || !box->cg.v2_slot[slot] || slot == BOX_CG_CPUACCT ||
            (box->cg.offered & (1u << slot)))
            continue;
        if ((r = box_cg_v2_ops.enable(box, box->cg.dir[BOX_CG_V2], slot_v2_controller[slot])) < 0)
            return r;
        box->cg.offered |= 1u << slot;
    }
    return 0;
}

int box__cgroup_exec_create(box_t *box, const bool set[BOX_LIMIT_COUNT],
                            const uint64_t limit[BOX_LIMIT_COUNT], struct box_cgroup *cg)
{
    static unsigned int counter;
    bool need[BOX_CG_SLOTS] = { false };
    unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    int r;

    memset(cg, 0, sizeof *cg);
    if ((r = exec_slots(box, set, need)) < 0)
        return r;
    box->cg.has_children = true; /* its cgroups are not reused */
    if (box->cg.dir[BOX_CG_V2] && (r = enable_children(box, need)) < 0)
        return r;
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        /* the v2 cgroup holds every controller v2 has; v1 ones are one per hierarchy */
        bool make = slot == BOX_CG_V2 ? box->cg.dir[BOX_CG_V2] != NULL
                                      : need[slot] && !box->cg.v2_slot[slot];

        if (!make)
            continue;
        if (asprintf(&cg->dir[slot], "%s/exec-%u", box->cg.dir[slot], n) < 0) {
            cg->dir[slot] = NULL;
            r = box__error(box, ENOMEM, "exec: cgroup");
            goto fail;
        }
        if ((r = box_cg_mkdir(cg->dir[slot])) < 0) {
            r = box__error(box, -r, "exec: cgroup: mkdir %s", cg->dir[slot]);
            free(cg->dir[slot]);
            cg->dir[slot] = NULL;
            goto fail;
        }
    }
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++)
        cg->v2_slot[slot] = need[slot] && box->cg.v2_slot[slot];
    for (int l = 0; l < BOX_LIMIT_COUNT; l++) {
        int slot = limit_slot((box_limit_t)l);

        /* a cgroup file; BOX_LIMIT_CPU_TIME_MS is box_proc_wait's, from the usage */
        if (!set[l] || slot < 0 || box__limit_desc((box_limit_t)l)->kind != BOX_LIMIT_KIND_CGROUP)
            continue;
        r = box_cg_write_exec_limit(box, cg_dir(cg, slot), (box_limit_t)l, limit[l],
                                    set[BOX_LIMIT_MEMORY] ? &limit[BOX_LIMIT_MEMORY] : NULL,
                                    cg->v2_slot[slot]);
        if (r < 0)
            goto fail;
    }
    return 0;
fail:
    box_cg_destroy_set(cg);
    return r;
}

int64_t box__cgroup_exec_cpu_us(const struct box_cgroup *cg)
{
    return cpu_us(cg, NULL, NULL);
}

void box__cgroup_exec_usage(const struct box_cgroup *cg, box_status_t *st)
{
    usage(cg, true, st);
}

/* Every task left in the exec's cgroups (its program's descendants). */
void box__cgroup_exec_kill(const struct box_cgroup *cg)
{
    if (cg->dir[BOX_CG_V2] && box_cg_v2_ops.kill(cg->dir[BOX_CG_V2]) == 0)
        return;
    for (int slot = BOX_CG_MEMORY; slot < BOX_CG_SLOTS; slot++)
        if (cg->dir[slot]) {
            box_cg_kill_procs(cg->dir[slot]);
            return;
        }
}

void box__cgroup_exec_destroy(struct box_cgroup *cg)
{
    box__cgroup_exec_kill(cg);
    box_cg_destroy_set(cg);
}

/* box_proc_release: the directories stay with their processes (the box's removal takes
 * them, rmdir_tree). */
void box__cgroup_exec_forget(struct box_cgroup *cg)
{
    forget(cg);
}
