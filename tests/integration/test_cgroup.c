/* Integration tests of cgroup limits and the usage report: limits really hit, measured from
 * the report. As root they run on whatever this host has (v1 controllers on a hybrid host,
 * v2 elsewhere); rootless, a cgroup limit must fail with a clear error while rlimits and
 * time limits keep working. Every test checks that no box cgroup is left behind. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Count "libbox-*" directories below the caller's cgroup in every hierarchy. */
static int count_box_cgroups(void)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    int n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char *ctl = strchr(line, ':'), *path, dir[2048];
        DIR *d;
        struct dirent *de;

        if (!ctl || !(path = strchr(ctl + 1, ':')))
            continue;
        *path++ = '\0';
        path[strcspn(path, "\n")] = '\0';
        ctl++;
        if (strncmp(ctl, "name=", 5) == 0)
            continue;
        snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s%s", ctl[0] ? ctl : "unified", path);
        if (!(d = opendir(dir))) {
            snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", path);
            if (ctl[0] || !(d = opendir(dir)))
                continue;
        }
        while ((de = readdir(d)))
            n += strncmp(de->d_name, "libbox-", 7) == 0;
        closedir(d);
    }
    fclose(f);
    return n;
}

static int cg_setup(void **state)
{
    (void)state;
    assert_int_equal(count_box_cgroups(), 0);
    return 0;
}

static int cg_teardown(void **state)
{
    (void)state;
    assert_int_equal(count_box_cgroups(), 0);
    return 0;
}

static box_t *box_with_dev(void)
{
    box_t *box = new_test_box();

    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    return box;
}

static void test_memory_oom(void **state)
{
    box_t *box = box_with_dev();
    box_status_t st;
    const uint64_t limit = 32 << 20;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, limit), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    /* The shell keeps the whole command substitution in memory. */
    assert_int_equal(run_box(box, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived",
                             NULL, 0, &st),
                     0);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_int_equal(st.signal, 9);
    assert_true(st.oom_kills >= 1);
    assert_in_range(st.memory_peak_bytes, limit * 8 / 10, limit * 11 / 10);
    box_free(box);
}

static void test_pids_limit(void **state)
{
    char out[256];
    box_t *box = box_with_dev();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 8), 0);
    assert_int_equal(run_box(box,
                             "sh -c 'while :; do sleep 5 & done' 2>&-; "
                             "set -- /proc/[0-9]*; echo $#",
                             out, sizeof out, &st),
                     0);
    /* The inner shell forks until the limit stops it (then it dies of "can't fork"). Counted
     * without forking: pid 1 and the sleeps that fitted, at most the limit. */
    assert_in_range(atoi(out), 6, 8);
    box_free(box);
}

static void test_cpu_bandwidth(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;
    uint64_t cpu_ms;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_MILLIS, 250), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 1200), 0);
    assert_int_equal(run_box(box, "while :; do :; done", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    cpu_ms = (st.cpu_user_us + st.cpu_system_us) / 1000;
    /* A quarter of a cpu for ~1.2 s: about 300 ms, with room for scheduling noise. */
    assert_in_range(cpu_ms, 150, 500);
    box_free(box);
}

static void test_cpu_time_limit(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_TIME_MS, 300), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 10000), 0);
    /* Two busy processes: the limit is for the whole box, not per process. */
    assert_int_equal(run_box(box, "(while :; do :; done) & while :; do :; done", NULL, 0, &st),
                     0);
    assert_int_equal(st.end, BOX_END_CPU_TIME);
    assert_in_range((st.cpu_user_us + st.cpu_system_us) / 1000, 300, 1000);
    assert_true(st.wall_us < 5000000);
    box_free(box);
}

static void test_sleeping_wall_limit_with_cgroup(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 32), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_TIME_MS, 5000), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 300), 0);
    assert_int_equal(run_box(box, "sleep 10 & sleep 10", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    box_free(box);
}

static void test_free_running_box_removes_cgroup(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "sh", "-c", "sleep 100 & sleep 100", NULL };

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 32), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_true(count_box_cgroups() > 0);
    box_free(box);
}

static void test_rootless_cgroup_error(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_true(box_spawn(box, argv) < 0);
    assert_non_null(strstr(box_errmsg(box), "cgroup memory"));
    assert_non_null(strstr(box_errmsg(box), "box_set_cgroup_parent"));
    box_free(box);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest root_tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_oom, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pids_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_bandwidth, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_time_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_sleeping_wall_limit_with_cgroup, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_free_running_box_removes_cgroup, cg_setup,
                                        cg_teardown),
    };
    const struct CMUnitTest rootless_tests[] = {
        cmocka_unit_test_setup_teardown(test_rootless_cgroup_error, cg_setup, cg_teardown),
    };

    return test_main(argc, argv, root_tests, sizeof root_tests / sizeof root_tests[0],
                     rootless_tests, sizeof rootless_tests / sizeof rootless_tests[0]);
}
