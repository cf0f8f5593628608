/* The cgroup v2 backend: the unified hierarchy, one box cgroup for every controller it
 * has. A parent offers a controller to its children through cgroup.subtree_control (and
 * must hold no processes then); the whole box is killed with cgroup.kill (5.14+), else
 * frozen with cgroup.freeze (5.2+) and killed task by task. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"

static int v2_enable(box_t *box, const char *parent, const char *controller)
{
    char list[512] = "", plus[64];
    int r = box_cg_read_at(parent, "cgroup.subtree_control", list, sizeof list);

    if (r < 0)
        return box__error(box, -r, "spawn: cgroup v2: read %s/cgroup.subtree_control", parent);
    if (box_cg_list_has(list, controller))
        return 0;
    snprintf(plus, sizeof plus, "+%s", controller);
    r = box_cg_write(parent, "cgroup.subtree_control", plus);
    if (r == -EBUSY)
        return box__error(box, EBUSY,
                         "spawn: cgroup v2: cannot enable %s for the box: writing %s to "
                         "%s/cgroup.subtree_control failed because that cgroup holds "
                         "processes (the no-internal-processes rule); fix: name a delegated "
                         "cgroup without processes with box_set_cgroup_parent (e.g. from "
                         "systemd-run --user --scope -p Delegate=yes)",
                         controller, plus, parent);
    if (r < 0)
        return box__error(box, -r, "spawn: cgroup v2: enable %s in %s", controller, parent);
    return 0;
}

static int v2_apply_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t value)
{
    return box_cg_write_limit(box, dir, limit, value, true);
}

/* Unlike v1, an unset list is the parent's already. */
static int v2_apply_cpuset(box_t *box, const char *dir)
{
    const char *value[2] = { box->cpuset_cpus, box->cpuset_mems };
    const char *file[2] = { "cpuset.cpus", "cpuset.mems" };

    for (int i = 0; i < 2; i++) {
        int r = value[i] ? box_cg_write(dir, file[i], value[i]) : 0;

        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s", value[i], dir,
                             file[i]);
    }
    return 0;
}

static int v2_apply_io(box_t *box, const char *dir)
{
    static const char *const key[] = { "", "rbps", "wbps", "riops", "wiops" };

    for (size_t i = 0; i < box->n_io_rules; i++) {
        const struct box_io_rule *rule = &box->io_rules[i];
        char buf[128];
        int r;

        snprintf(buf, sizeof buf, "%u:%u %s=%" PRIu64, rule->major, rule->minor,
                 key[rule->kind], rule->value);
        r = box_cg_write(dir, "io.max", buf);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/io.max", buf, dir);
    }
    return 0;
}

static int v2_freeze(const char *dir, bool frozen)
{
    int r = box_cg_write(dir, "cgroup.freeze", frozen ? "1" : "0");

    return r == -ENOENT ? -EOPNOTSUPP : r;
}

/* cgroup.events says "frozen 1" once every task is frozen. */
static int v2_frozen(const char *dir)
{
    char events[512];
    uint64_t state = 0;
    int r = box_cg_read_at(dir, "cgroup.events", events, sizeof events);

    if (r < 0)
        return r;
    box_cg_key_u64(events, "frozen", &state);
    return state == 1;
}

static int v2_kill(const char *dir)
{
    char path[4096];

    if (box_cg_write(dir, "cgroup.kill", "1") == 0)
        return 0;
    snprintf(path, sizeof path, "%s/cgroup.freeze", dir);
    if (access(path, F_OK) < 0)
        return -EOPNOTSUPP;
    return box_cg_freeze_and_kill(&box_cg_v2_ops, dir);
}

/* v2 accounts cpu time in every cgroup (cpu.stat), with or without the cpu controller. */
static int64_t v2_cpu_usage(const char *dir, uint64_t *user_us, uint64_t *system_us)
{
    char buf[1024];
    uint64_t total, u = 0, s = 0;

    if (box_cg_read_at(dir, "cpu.stat", buf, sizeof buf) < 0 ||
        box_cg_key_u64(buf, "usage_usec", &total) < 0)
        return -1;
    box_cg_key_u64(buf, "user_usec", &u);
    box_cg_key_u64(buf, "system_usec", &s);
    *user_us = u;
    *system_us = s;
    return (int64_t)total;
}

static void v2_memory_usage(const char *dir, box_status_t *st)
{
    char buf[1024];

    if (box_cg_read_at(dir, "memory.peak", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, NULL, &st->memory_peak_bytes);
    if (box_cg_read_at(dir, "memory.events", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, "oom_kill", &st->oom_kills);
}

const struct box_cg_ops box_cg_v2_ops = {
    .name = "v2",
    .enable = v2_enable,
    .create = box_cg_mkdir,
    .apply_limit = v2_apply_limit,
    .apply_cpuset = v2_apply_cpuset,
    .apply_io = v2_apply_io,
    .apply_devices = box__devices_attach_v2, /* v2 has no devices controller: a program */
    .attach = box_cg_attach_procs,
    .freeze = v2_freeze,
    .frozen = v2_frozen,
    .kill = v2_kill,
    .cpu_usage = v2_cpu_usage,
    .memory_usage = v2_memory_usage,
    .destroy = box_cg_rmdir,
};
