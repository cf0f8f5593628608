/* The cgroup v1 backend: one hierarchy per controller (memory, pids, cpu, cpuacct, cpuset,
 * blkio, hugetlb), each box cgroup a directory in its controller's hierarchy, and the
 * freezer hierarchy's cgroup for killing the whole box when there is no v2 cgroup. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"

static int v1_enable(box_t *box, const char *parent, const char *controller)
{
    (void)box, (void)parent, (void)controller; /* every v1 cgroup has its controller */
    return 0;
}

static int v1_apply_limit(box_t *box, const char *dir, box_limit_t limit, uint64_t value)
{
    return box_cg_write_limit(box, dir, limit, value, false);
}

/* v1 cpuset refuses tasks until cpus and mems are set: default them to the parent's. */
static int v1_apply_cpuset(box_t *box, const char *dir)
{
    const char *value[2] = { box->cpuset_cpus, box->cpuset_mems };
    const char *file[2] = { "cpuset.cpus", "cpuset.mems" };

    for (int i = 0; i < 2; i++) {
        char parent_value[512], parent[4096];
        const char *v = value[i];
        int r;

        if (!v) {
            snprintf(parent, sizeof parent, "%s/..", dir);
            r = box_cg_read_at(parent, file[i], parent_value, sizeof parent_value);
            if (r < 0)
                return box__error(box, -r, "spawn: cgroup: read %s/%s", parent, file[i]);
            parent_value[strcspn(parent_value, "\n")] = '\0';
            v = parent_value;
        }
        r = box_cg_write(dir, file[i], v);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s", v, dir, file[i]);
    }
    return 0;
}

static int v1_apply_io(box_t *box, const char *dir)
{
    static const char *const file[] = { "", "blkio.throttle.read_bps_device",
                                        "blkio.throttle.write_bps_device",
                                        "blkio.throttle.read_iops_device",
                                        "blkio.throttle.write_iops_device" };

    for (size_t i = 0; i < box->n_io_rules; i++) {
        const struct box_io_rule *rule = &box->io_rules[i];
        char buf[128];
        int r;

        snprintf(buf, sizeof buf, "%u:%u %" PRIu64, rule->major, rule->minor, rule->value);
        r = box_cg_write(dir, file[rule->kind], buf);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s", buf, dir,
                             file[rule->kind]);
    }
    return 0;
}

/* Only the freezer hierarchy's cgroups have freezer.state. */
static int v1_freeze(const char *dir, bool frozen)
{
    int r = box_cg_write(dir, "freezer.state", frozen ? "FROZEN" : "THAWED");

    return r == -ENOENT ? -EOPNOTSUPP : r;
}

/* v1 passes through FREEZING on its way. */
static int v1_frozen(const char *dir)
{
    char state[64];
    int r = box_cg_read_at(dir, "freezer.state", state, sizeof state);

    return r < 0 ? r : strncmp(state, "FROZEN\n", 7) == 0;
}

static int v1_kill(const char *dir)
{
    return box_cg_freeze_and_kill(&box_cg_v1_ops, dir);
}

static int64_t v1_cpu_usage(const char *dir, uint64_t *user_us, uint64_t *system_us)
{
    char buf[64];
    uint64_t total, u = 0, s = 0;

    if (box_cg_read_at(dir, "cpuacct.usage", buf, sizeof buf) < 0 ||
        box_cg_key_u64(buf, NULL, &total) < 0)
        return -1;
    if (box_cg_read_at(dir, "cpuacct.usage_user", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, NULL, &u);
    if (box_cg_read_at(dir, "cpuacct.usage_sys", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, NULL, &s);
    *user_us = u / 1000; /* nanoseconds */
    *system_us = s / 1000;
    return (int64_t)(total / 1000);
}

static void v1_memory_usage(const char *dir, box_status_t *st)
{
    char buf[1024];

    if (box_cg_read_at(dir, "memory.max_usage_in_bytes", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, NULL, &st->memory_peak_bytes);
    if (box_cg_read_at(dir, "memory.oom_control", buf, sizeof buf) == 0)
        box_cg_key_u64(buf, "oom_kill", &st->oom_kills);
}

/* The rules in order, each to devices.allow or devices.deny, where they mean what they
 * mean in the box's list (devices.c). */
static int v1_apply_devices(box_t *box, const char *dir)
{
    for (size_t i = 0; i < box->n_device_rules; i++) {
        const struct box_device_rule *d = &box->device_rules[i];
        const char *file = d->allow ? "devices.allow" : "devices.deny";
        char line[80];
        int r = box__device_rule_v1(d, line, sizeof line);

        if (r == 0)
            r = box_cg_write(dir, file, line);
        if (r < 0)
            return box__error(box, -r, "spawn: cgroup: write '%s' to %s/%s (device rule %zu)",
                              line, dir, file, i);
    }
    return 0;
}

const struct box_cg_ops box_cg_v1_ops = {
    .name = "v1",
    .enable = v1_enable,
    .create = box_cg_mkdir,
    .apply_limit = v1_apply_limit,
    .apply_cpuset = v1_apply_cpuset,
    .apply_io = v1_apply_io,
    .apply_devices = v1_apply_devices,
    .attach = box_cg_attach_procs,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .kill = v1_kill,
    .cpu_usage = v1_cpu_usage,
    .memory_usage = v1_memory_usage,
    .destroy = box_cg_rmdir,
};
