/* Limits: the one table of BOX_LIMIT_* (name, kind, unit, valid range, rlimit resource,
 * cgroup controller and files, and how a value is written to those files), and the record
 * of which limits are in force after spawn (box_limit_status). box_set_limit validates
 * with it, spawn.c takes the rlimits from it, cgroup.c the controller and the file text,
 * and the front ends (boxrun, Python) their names, units and ranges through
 * box_limit_name/box_limit_from_name/box_limit_unit/box_limit_range. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "box-private.h"

#define NO_MAX UINT64_MAX
#define MIB (UINT64_C(1) << 20)

/* Converters from the caller's value to the text of a cgroup file. `memory` is the box's
 * BOX_LIMIT_MEMORY (v1 limits memory and swap together). */
static void fmt_plain(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "%" PRIu64, v);
}

static void fmt_memsw(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRIu64, v + memory);
}

/* Thousandths of a cpu as a quota in a 100 ms period. */
static void fmt_cfs_quota(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "%" PRIu64, v * 100);
}

static void fmt_cpu_max(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "%" PRIu64 " 100000", v * 100);
}

/* Weight 1..10000 (100 = default) as cpu.shares (1024 = default). */
static void fmt_cpu_shares(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "%" PRIu64, v * 1024 / 100);
}

/* v1 blkio.weight runs 10..1000 (BFQ); v2 io.weight 1..10000. */
static void fmt_blkio_weight(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "%" PRIu64, 10 + (v - 1) * 990 / 9999);
}

static void fmt_io_weight(uint64_t v, uint64_t memory, char *buf, size_t size)
{
    (void)memory;
    snprintf(buf, size, "default %" PRIu64, v);
}

#define RLIM(lim, nm, res, rname, unit_, lo, hi)                                            \
    [lim] = { .name = nm, .kind = BOX_LIMIT_KIND_RLIMIT, .unit = unit_, .min = lo, .max = hi, \
              .rlimit = res, .rlimit_name = rname, .slot = -1 }
#define CGROUP(lim, ...) [lim] = { .kind = BOX_LIMIT_KIND_CGROUP, .rlimit = -1, __VA_ARGS__ }

static const struct box__limit_desc limits[BOX_LIMIT_COUNT] = {
    RLIM(BOX_LIMIT_NOFILE, "nofile", RLIMIT_NOFILE, "nofile", BOX_LIMIT_UNIT_COUNT, 1, 1u << 20),
    RLIM(BOX_LIMIT_NPROC, "nproc", RLIMIT_NPROC, "nproc", BOX_LIMIT_UNIT_COUNT, 1, NO_MAX),
    RLIM(BOX_LIMIT_FSIZE, "fsize", RLIMIT_FSIZE, "fsize", BOX_LIMIT_UNIT_BYTES, 1, NO_MAX),
    RLIM(BOX_LIMIT_CORE, "core", RLIMIT_CORE, "core", BOX_LIMIT_UNIT_BYTES, 0, NO_MAX),
    RLIM(BOX_LIMIT_STACK, "stack", RLIMIT_STACK, "stack", BOX_LIMIT_UNIT_BYTES, 1, NO_MAX),
    RLIM(BOX_LIMIT_AS, "as", RLIMIT_AS, "as", BOX_LIMIT_UNIT_BYTES, 1, NO_MAX),
    RLIM(BOX_LIMIT_CPU, "rlimit_cpu", RLIMIT_CPU, "cpu", BOX_LIMIT_UNIT_SECONDS, 1, NO_MAX),
    /* Enforced by box_wait: wall time from its clock, cpu time from the cgroup's usage. */
    [BOX_LIMIT_WALL_MS] = { .name = "wall", .kind = BOX_LIMIT_KIND_TIME,
                            .unit = BOX_LIMIT_UNIT_MS, .min = 1,
                            .max = (uint64_t)INT32_MAX * 1000, .rlimit = -1, .slot = -1 },
    [BOX_LIMIT_CPU_TIME_MS] = { .name = "cpu_time", .kind = BOX_LIMIT_KIND_TIME,
                                .unit = BOX_LIMIT_UNIT_MS, .min = 1,
                                .max = (uint64_t)INT32_MAX * 1000, .rlimit = -1,
                                .slot = BOX_CG_CPUACCT, .v1 = { "cpuacct.usage" },
                                .v2 = { "cpu.stat" } },
    CGROUP(BOX_LIMIT_MEMORY, .name = "memory", .unit = BOX_LIMIT_UNIT_BYTES, .min = MIB,
           .max = NO_MAX, .slot = BOX_CG_MEMORY, .v1 = { "memory.limit_in_bytes", fmt_plain, .reset = "-1" },
           .v2 = { "memory.max", fmt_plain, .reset = "max" }),
    CGROUP(BOX_LIMIT_PIDS, .name = "pids", .unit = BOX_LIMIT_UNIT_COUNT, .min = 1,
           .max = 4194304, .slot = BOX_CG_PIDS, .v1 = { "pids.max", fmt_plain, .reset = "max" },
           .v2 = { "pids.max", fmt_plain, .reset = "max" }),
    CGROUP(BOX_LIMIT_MEMORY_HIGH, .name = "memory_high", .unit = BOX_LIMIT_UNIT_BYTES,
           .min = MIB, .max = NO_MAX, .slot = BOX_CG_MEMORY,
           .v1 = { "memory.soft_limit_in_bytes", fmt_plain, .reset = "-1" },
           .v2 = { "memory.high", fmt_plain, .reset = "max" }),
    /* v1 limits memory and swap together, v2 swap alone. */
    CGROUP(BOX_LIMIT_SWAP, .name = "swap", .unit = BOX_LIMIT_UNIT_BYTES, .min = 0,
           .max = NO_MAX, .slot = BOX_CG_MEMORY,
           .v1 = { "memory.memsw.limit_in_bytes", fmt_memsw, .reset = "-1" },
           .v2 = { "memory.swap.max", fmt_plain, .reset = "max" }),
    CGROUP(BOX_LIMIT_CPU_MILLIS, .name = "cpu_millis", .unit = BOX_LIMIT_UNIT_COUNT, .min = 1,
           .max = 1000000, .slot = BOX_CG_CPU,
           .v1 = { "cpu.cfs_quota_us", fmt_cfs_quota, "cpu.cfs_period_us", "100000", "-1" },
           .v2 = { "cpu.max", fmt_cpu_max, .reset = "max 100000" }),
    CGROUP(BOX_LIMIT_CPU_WEIGHT, .name = "cpu_weight", .unit = BOX_LIMIT_UNIT_COUNT, .min = 1,
           .max = 10000, .slot = BOX_CG_CPU,
           .v1 = { "cpu.shares", fmt_cpu_shares, .reset = "1024" },
           .v2 = { "cpu.weight", fmt_plain, .reset = "100" }),
    CGROUP(BOX_LIMIT_IO_WEIGHT, .name = "io_weight", .unit = BOX_LIMIT_UNIT_COUNT, .min = 1,
           .max = 10000, .slot = BOX_CG_IO, .v1 = { "blkio.weight", fmt_blkio_weight },
           .v2 = { "io.weight", fmt_io_weight }),
    /* "*": the kernel's name of the default huge page size, "2MB" */
    CGROUP(BOX_LIMIT_HUGETLB, .name = "hugetlb", .unit = BOX_LIMIT_UNIT_BYTES, .min = 0,
           .max = NO_MAX, .slot = BOX_CG_HUGETLB,
           .v1 = { "hugetlb.*.limit_in_bytes", fmt_plain }, .v2 = { "hugetlb.*.max", fmt_plain }),
};

const struct box__limit_desc *box__limit_desc(box_limit_t limit)
{
    if ((int)limit < 1 || (int)limit >= BOX_LIMIT_COUNT)
        return NULL;
    return &limits[limit];
}

int box__limit_to_rlimit(box_limit_t limit)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    return d ? d->rlimit : -1;
}

int box__limit_format(box_limit_t limit, bool v2, uint64_t value, uint64_t memory, char *buf,
                     size_t size)
{
    const struct box__limit_desc *d = box__limit_desc(limit);
    const struct box_limit_file *f = d ? (v2 ? &d->v2 : &d->v1) : NULL;

    if (!f || !f->format)
        return -EINVAL;
    f->format(value, memory, buf, size);
    return 0;
}

BOX_API const char *box_limit_name(box_limit_t limit)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    return d ? d->name : NULL;
}

BOX_API int box_limit_from_name(const char *name)
{
    if (!name)
        return -EINVAL;
    for (int l = 1; l < BOX_LIMIT_COUNT; l++) {
        const struct box__limit_desc *d = &limits[l];

        if (strcasecmp(name, d->name) == 0 ||
            (d->rlimit_name && strncasecmp(name, "rlimit_", 7) == 0 &&
             strcasecmp(name + 7, d->rlimit_name) == 0))
            return l;
    }
    /* the enum's spelling of the two time limits */
    if (strcasecmp(name, "wall_ms") == 0)
        return BOX_LIMIT_WALL_MS;
    if (strcasecmp(name, "cpu_time_ms") == 0)
        return BOX_LIMIT_CPU_TIME_MS;
    return -EINVAL;
}

BOX_API int box_limit_unit(box_limit_t limit)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    return d ? d->unit : -EINVAL;
}

BOX_API int box_limit_range(box_limit_t limit, uint64_t *min, uint64_t *max)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    if (!d)
        return -EINVAL;
    if (min)
        *min = d->min;
    if (max)
        *max = d->max;
    return 0;
}

int box__limit_check(box_t *box, box_limit_t limit, uint64_t value)
{
    const struct box__limit_desc *d = box__limit_desc(limit);

    if (!d)
        return box__error(box, EINVAL, "set_limit: unknown limit %d", (int)limit);
    if (value == 0 && d->min > 0)
        return box__error(box, EINVAL, "set_limit: %s must not be 0", d->name);
    if (value < d->min || value > d->max)
        return box__error(box, ERANGE, "set_limit: %s %" PRIu64 " is out of range (%" PRIu64
                         "..%" PRIu64 ")", d->name, value, d->min, d->max);
    return 0;
}

void box__limit_record(box_t *box, box_limit_t limit, bool enforced, const char *fmt, ...)
{
    va_list ap;

    free(box->limit_state[limit]);
    box->limit_state[limit] = NULL;
    box->limit_enforced[limit] = enforced;
    va_start(ap, fmt);
    if (vasprintf(&box->limit_state[limit], fmt, ap) < 0)
        box->limit_state[limit] = NULL;
    va_end(ap);
}

BOX_API int box_limit_status(const box_t *box, box_limit_t limit, char *buf, size_t size)
{
    const char *text;

    if (!box || !box__limit_desc(limit) || (buf && size == 0))
        return -EINVAL;
    if (box->state == BOX_CONFIGURED)
        return -ESRCH;
    text = box->limit_state[limit] ? box->limit_state[limit] : "not set";
    if (buf)
        snprintf(buf, size, "%s", text);
    return box->limit_enforced[limit] ? 1 : 0;
}
