/* Where the time of one spawn goes: box_spawn's phases in the parent and each step of the
 * child, from the library's profiling stamps (box__set_profile; this program links the
 * library's internal build), for the full box of bench/spawn. Every row is the median over
 * N spawns of the time from that mark to the next one that was reached; the last rows are
 * the exec as the parent saw it and the wait for the no-op's exit.
 *
 * Usage: steps [-n N] [--noop PATH] [--cgroup] [--pool] [--image] [--no-monitor] [--ns-ids]
 *   --pool   the cgroups from a box_cgroup_pool (with --cgroup): reused, not made and removed
 *   --image  the box of bench/spawn's image case: BENCH_IMAGE (overlay root) for the root
 *   --no-monitor  BOX_OPT_NO_MONITOR: the box is this process's child, no monitor between
 *   --ns-ids      BOX_OPT_NS_IDS: the child records the namespace ids (step NS_IDS) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box-private.h"
#include "child.h"
#include "common.h"

#ifndef NOOP_PATH
#define NOOP_PATH "noop"
#endif

#define MARK_WAITED BOX_PROF_COUNT /* box_wait returned */
#define N_MARKS (BOX_PROF_COUNT + 1)

/* The marks in time order: the parent until clone, the child's steps, the parent again. */
static int order[N_MARKS];
static size_t n_order;

static const char *mark_name(int m)
{
    static const char *const parent[] = {
        [BOX_PROF_SPAWN - STEP_COUNT] = "parent: check the configuration, build the plan",
        [BOX_PROF_PLANNED - STEP_COUNT] = "parent: create the box cgroups",
        [BOX_PROF_CGROUP - STEP_COUNT] = "parent: pipes, stack, signal mask",
        [BOX_PROF_CLONE - STEP_COUNT] = "parent: clone (until the child runs its first step)",
        [BOX_PROF_CLONED - STEP_COUNT] = "parent: write the maps, join the cgroups, release",
        [BOX_PROF_RELEASED - STEP_COUNT] = "parent: wait for the child's steps and its exec",
        [BOX_PROF_EXECED - STEP_COUNT] = "parent: exec seen; the no-op runs, exits, is reaped",
    };
    static char buf[96];

    if (m == MARK_WAITED)
        return "box_wait returned";
    if (m >= STEP_COUNT)
        return parent[m - STEP_COUNT];
    snprintf(buf, sizeof buf, "child: %s (%s)", box__step_id(m), box__step_name(m));
    return buf;
}

static void set_order(void)
{
    static const int before[] = { BOX_PROF_SPAWN, BOX_PROF_PLANNED, BOX_PROF_CGROUP,
                                  BOX_PROF_CLONE };

    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
        order[n_order++] = before[i];
    /* The child runs between clone and the parent's "cloned" only when it is scheduled
     * first; the stamps decide, per spawn, so keep the child's steps in one block. */
    for (int s = 0; s < STEP_COUNT; s++)
        order[n_order++] = s;
    order[n_order++] = BOX_PROF_EXECED;
    order[n_order++] = MARK_WAITED;
}

int main(int argc, char **argv)
{
    const char *noop = NOOP_PATH;
    long n = 300;
    int cgroup = 0, image = 0, no_monitor = 0, ns_ids = 0;
    box_cgroup_pool_t *pool = NULL;
    box_store_t *store = NULL;
    double *ms[N_MARKS], total_med = 0, total_p99 = 0, *total;
    /* The parent's own view, in parallel with the child's steps. */
    static const int parent_marks[] = { BOX_PROF_CLONE, BOX_PROF_CLONED, BOX_PROF_RELEASED,
                                        BOX_PROF_EXECED };
    double *pms[3];

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
            n = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--noop") == 0 && a + 1 < argc)
            noop = argv[++a];
        else if (strcmp(argv[a], "--cgroup") == 0)
            cgroup = 1;
        else if (strcmp(argv[a], "--pool") == 0 && !pool) {
            if (box_cgroup_pool_new(&pool, 4) < 0)
                die("box_cgroup_pool_new");
        } else if (strcmp(argv[a], "--image") == 0) {
            image = 1;
        } else if (strcmp(argv[a], "--no-monitor") == 0) {
            no_monitor = 1;
        } else if (strcmp(argv[a], "--ns-ids") == 0) {
            ns_ids = 1;
        } else {
            fprintf(stderr, "usage: steps [-n N] [--noop PATH] [--cgroup] [--pool] "
                    "[--image] [--no-monitor] [--ns-ids]\n");
            return 2;
        }
    }
    if (n < 1)
        return 2;
    set_order();
    for (int m = 0; m < N_MARKS; m++)
        if (!(ms[m] = calloc(n, sizeof(double))))
            die("calloc");
    if (!(total = calloc(n, sizeof(double))))
        die("calloc");
    for (int k = 0; k < 3; k++)
        if (!(pms[k] = calloc(n, sizeof(double))))
            die("calloc");
    bench_root_make((const char *const[]){ noop }, 1);
    if (image && !(store = bench_image_make()))
        die("bench_image_make");

    for (long i = -5; i < n; i++) { /* 5 warm-up spawns */
        const char *const args[] = { "/noop", NULL };
        uint64_t stamps[N_MARKS];
        box_status_t st;
        box_t *box;
        uint64_t prev;

        memset(stamps, 0, sizeof stamps);
        if (box_new(&box, 0) < 0)
            die("box_new");
        box__set_profile(box, stamps);
        if ((store ? box_set_image(box, store, BENCH_IMAGE, 0)
                   : box_set_root(box, bench_root, 0)) < 0 ||
            box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
            box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
            (cgroup && box_set_limit(box, BOX_LIMIT_MEMORY, 256 << 20) < 0) ||
            (cgroup && box_set_limit(box, BOX_LIMIT_PIDS, 64) < 0) ||
            (pool && box_set_cgroup_pool(box, pool) < 0) ||
            (no_monitor && box_set_option(box, BOX_OPT_NO_MONITOR, 1) < 0) ||
            (ns_ids && box_set_option(box, BOX_OPT_NS_IDS, 1) < 0) ||
            box_spawn(box, args) < 0 || box_wait(box, -1, &st) < 0 ||
            st.end != BOX_END_EXITED || st.exit_code != 0) {
            fprintf(stderr, "steps: %s\n", box_errmsg(box));
            box_cgroup_pool_free(pool);
            bench_image_remove(store);
            bench_root_remove();
            return 1;
        }
        stamps[MARK_WAITED] = box__now_ns();
        box_free(box);
        if (i < 0)
            continue;
        /* Each mark's time runs until the next mark that was reached. */
        prev = 0;
        for (size_t k = n_order; k-- > 0;) {
            int m = order[k];

            if (!stamps[m])
                continue;
            if (prev)
                ms[m][i] = (double)(prev - stamps[m]) / 1e6;
            prev = stamps[m];
        }
        total[i] = (double)(stamps[MARK_WAITED] - stamps[BOX_PROF_SPAWN]) / 1e6;
        for (int k = 0; k < 3; k++)
            pms[k][i] = (double)(stamps[parent_marks[k + 1]] - stamps[parent_marks[k]]) / 1e6;
    }

    stats(total, n, &total_med, &total_p99);
    printf("%ld spawns of the full box%s%s%s (root, /proc, /dev, default seccomp), euid %d; "
           "total median %.3f ms, p99 %.3f ms\n\n", n,
           cgroup ? pool ? " + memory/pids cgroup from a pool" : " + memory/pids cgroup" : "",
           no_monitor ? ", BOX_OPT_NO_MONITOR" : "", ns_ids ? ", BOX_OPT_NS_IDS" : "",
           (int)geteuid(), total_med, total_p99);
    printf("| from this mark to the next | median us | p99 us | share of the median total |\n");
    printf("|---|---:|---:|---:|\n");
    for (size_t k = 0; k + 1 < n_order; k++) {
        int m = order[k];
        double med, p99;
        int ran = 0;

        for (long i = 0; i < n; i++)
            ran |= ms[m][i] > 0;
        if (!ran)
            continue;
        stats(ms[m], n, &med, &p99);
        printf("| %s | %.1f | %.1f | %.0f%% |\n", mark_name(m), med * 1e3, p99 * 1e3,
               100 * med / total_med);
    }
    printf("\nThe parent meanwhile:\n\n| parent | median us | p99 us |\n|---|---:|---:|\n");
    for (int k = 0; k < 3; k++) {
        double med, p99;
        const char *name = k == 0 ? "clone(2) itself" : mark_name(parent_marks[k]);

        stats(pms[k], n, &med, &p99);
        printf("| %s | %.1f | %.1f |\n", name, med * 1e3, p99 * 1e3);
        free(pms[k]);
    }
    box_cgroup_pool_free(pool);
    bench_image_remove(store);
    bench_root_remove();
    for (int m = 0; m < N_MARKS; m++)
        free(ms[m]);
    free(total);
    return 0;
}
