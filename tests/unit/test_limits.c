/* Unit tests of the limit table (lib/limits.c): names both ways, units, ranges, the
 * checks of box_set_limit and the text each cgroup version gets (the conversions that
 * otherwise run only on a host or VM with that cgroup version). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "box-private.h"

static void test_names_round_trip(void **state)
{
    int n = 0;

    (void)state;
    for (int l = 1; box_limit_name((box_limit_t)l); l++, n++) {
        const char *name = box_limit_name((box_limit_t)l);

        assert_int_equal(box_limit_from_name(name), l);
        assert_true(box_limit_unit((box_limit_t)l) >= BOX_LIMIT_UNIT_COUNT);
    }
    assert_int_equal(n, BOX_LIMIT_COUNT - 1); /* every BOX_LIMIT_* has a row */
    assert_null(box_limit_name((box_limit_t)0));
    assert_null(box_limit_name((box_limit_t)BOX_LIMIT_COUNT));
    assert_string_equal(box_limit_name(BOX_LIMIT_MEMORY), "memory");
    assert_string_equal(box_limit_name(BOX_LIMIT_CPU), "rlimit_cpu");
    assert_string_equal(box_limit_name(BOX_LIMIT_WALL_MS), "wall");
    assert_string_equal(box_limit_name(BOX_LIMIT_CPU_TIME_MS), "cpu_time");
}

static void test_from_name_aliases(void **state)
{
    (void)state;
    assert_int_equal(box_limit_from_name("MEMORY"), BOX_LIMIT_MEMORY);
    assert_int_equal(box_limit_from_name("rlimit_nofile"), BOX_LIMIT_NOFILE);
    assert_int_equal(box_limit_from_name("RLIMIT_CPU"), BOX_LIMIT_CPU);
    assert_int_equal(box_limit_from_name("wall_ms"), BOX_LIMIT_WALL_MS);
    assert_int_equal(box_limit_from_name("cpu_time_ms"), BOX_LIMIT_CPU_TIME_MS);
    /* "cpu" alone is ambiguous (rlimit, bandwidth or cpu time): no limit has that name */
    assert_int_equal(box_limit_from_name("cpu"), -EINVAL);
    assert_int_equal(box_limit_from_name("rlimit_memory"), -EINVAL); /* not an rlimit */
    assert_int_equal(box_limit_from_name(""), -EINVAL);
    assert_int_equal(box_limit_from_name(NULL), -EINVAL);
}

static void test_units_and_ranges(void **state)
{
    uint64_t min = 7, max = 7;

    (void)state;
    assert_int_equal(box_limit_unit(BOX_LIMIT_MEMORY), BOX_LIMIT_UNIT_BYTES);
    assert_int_equal(box_limit_unit(BOX_LIMIT_CPU), BOX_LIMIT_UNIT_SECONDS);
    assert_int_equal(box_limit_unit(BOX_LIMIT_WALL_MS), BOX_LIMIT_UNIT_MS);
    assert_int_equal(box_limit_unit(BOX_LIMIT_PIDS), BOX_LIMIT_UNIT_COUNT);
    assert_int_equal(box_limit_unit((box_limit_t)99), -EINVAL);
    assert_int_equal(box_limit_range(BOX_LIMIT_CPU_WEIGHT, &min, &max), 0);
    assert_true(min == 1 && max == 10000);
    assert_int_equal(box_limit_range(BOX_LIMIT_SWAP, &min, NULL), 0);
    assert_true(min == 0);
    assert_int_equal(box_limit_range(BOX_LIMIT_MEMORY, &min, &max), 0);
    assert_true(min == 1u << 20 && max == UINT64_MAX);
    assert_int_equal(box_limit_range((box_limit_t)0, &min, &max), -EINVAL);
    assert_int_equal(box__limit_to_rlimit(BOX_LIMIT_AS), RLIMIT_AS);
    assert_int_equal(box__limit_to_rlimit(BOX_LIMIT_MEMORY), -1);
    assert_true(box__limit_is_cgroup(BOX_LIMIT_HUGETLB));
    assert_true(box__limit_is_cgroup(BOX_LIMIT_CPU_TIME_MS)); /* its usage comes from one */
    assert_false(box__limit_is_cgroup(BOX_LIMIT_WALL_MS));
    assert_false(box__limit_is_cgroup(BOX_LIMIT_NOFILE));
}

static void test_set_limit_checks(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_WEIGHT, 0), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "cpu_weight must not be 0"));
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_WEIGHT, 10001), -ERANGE);
    assert_non_null(strstr(box_errmsg(box), "cpu_weight 10001 is out of range (1..10000)"));
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 1000), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, (1u << 20) + 1), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 4194305), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, (uint64_t)INT32_MAX * 1000 + 1),
                     -ERANGE);
    assert_int_equal(box_set_limit(box, (box_limit_t)0, 1), -EINVAL);
    assert_int_equal(box_set_limit(box, (box_limit_t)BOX_LIMIT_COUNT, 1), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CORE, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_HUGETLB, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 1u << 20), 0);
    box_free(box);
}

static void expect_format(box_limit_t limit, bool v2, uint64_t v, uint64_t memory,
                          const char *want)
{
    char buf[64];

    assert_int_equal(box__limit_format(limit, v2, v, memory, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

/* The conversions between libbox's units and each cgroup version's files. */
static void test_cgroup_conversions(void **state)
{
    char buf[64];
    const struct box__limit_desc *d;

    (void)state;
    expect_format(BOX_LIMIT_MEMORY, true, 1u << 20, 0, "1048576");
    expect_format(BOX_LIMIT_MEMORY, false, 1u << 20, 0, "1048576");
    /* swap: v2 alone, v1 memory+swap */
    expect_format(BOX_LIMIT_SWAP, true, 4096, 1u << 20, "4096");
    expect_format(BOX_LIMIT_SWAP, false, 4096, 1u << 20, "1052672");
    expect_format(BOX_LIMIT_SWAP, false, 0, 1u << 20, "1048576");
    /* cpu bandwidth: thousandths of a cpu in a 100 ms period */
    expect_format(BOX_LIMIT_CPU_MILLIS, true, 500, 0, "50000 100000");
    expect_format(BOX_LIMIT_CPU_MILLIS, false, 500, 0, "50000");
    d = box__limit_desc(BOX_LIMIT_CPU_MILLIS);
    assert_string_equal(d->v1.pre_file, "cpu.cfs_period_us");
    assert_string_equal(d->v1.pre_value, "100000");
    /* cpu weight 1..10000 (100 = default) as cpu.shares (1024 = default) */
    expect_format(BOX_LIMIT_CPU_WEIGHT, true, 100, 0, "100");
    expect_format(BOX_LIMIT_CPU_WEIGHT, false, 100, 0, "1024");
    expect_format(BOX_LIMIT_CPU_WEIGHT, false, 10000, 0, "102400");
    expect_format(BOX_LIMIT_CPU_WEIGHT, false, 1, 0, "10");
    /* io weight 1..10000 as blkio.weight 10..1000, and io.weight's "default N" */
    expect_format(BOX_LIMIT_IO_WEIGHT, false, 1, 0, "10");
    expect_format(BOX_LIMIT_IO_WEIGHT, false, 10000, 0, "1000");
    expect_format(BOX_LIMIT_IO_WEIGHT, false, 100, 0, "19");
    expect_format(BOX_LIMIT_IO_WEIGHT, true, 100, 0, "default 100");
    expect_format(BOX_LIMIT_PIDS, true, 64, 0, "64");
    expect_format(BOX_LIMIT_HUGETLB, true, 0, 0, "0");
    /* the files, per version */
    d = box__limit_desc(BOX_LIMIT_MEMORY_HIGH);
    assert_string_equal(d->v1.file, "memory.soft_limit_in_bytes");
    assert_string_equal(d->v2.file, "memory.high");
    assert_string_equal(box__limit_desc(BOX_LIMIT_SWAP)->v1.file, "memory.memsw.limit_in_bytes");
    assert_string_equal(box__limit_desc(BOX_LIMIT_HUGETLB)->v2.file, "hugetlb.*.max");
    /* no file: time limits and rlimits */
    assert_int_equal(box__limit_format(BOX_LIMIT_CPU_TIME_MS, true, 1, 0, buf, sizeof buf),
                     -EINVAL);
    assert_int_equal(box__limit_format(BOX_LIMIT_NOFILE, false, 1, 0, buf, sizeof buf), -EINVAL);
    assert_int_equal(box__limit_format((box_limit_t)0, false, 1, 0, buf, sizeof buf), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_from_name_aliases),
        cmocka_unit_test(test_units_and_ranges),
        cmocka_unit_test(test_set_limit_checks),
        cmocka_unit_test(test_cgroup_conversions),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
