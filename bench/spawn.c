/* Spawn benchmark: how long it takes to start a static no-op program and wait for it, with
 * libbox and with its floor and peers, all measured in one run.
 *
 * Every iteration runs each case once, in a freshly shuffled order, so that drift of the
 * machine hits all cases alike. At the end it prints a markdown table with the median, the
 * p99 and the ratios to the two floors (plain clone, and clone with all 7 namespaces).
 *
 * Cases:
 *   floor     clone(CLONE_VM|CLONE_VFORK) + execve + waitpid
 *   floor-ns  clone(CLONE_VM + 7 namespaces), parent writes uid/gid maps, child waits on a
 *             pipe, then execve + waitpid
 *   floor-ns + overlay  the same child first makes its mounts private, a tmpfs and an
 *             overlay over the root dir (libbox's step OVERLAY), and execs from the overlay:
 *             the kernel's part of an image box (layers by fd: Linux 6.13; skipped before)
 *   fork      fork + execve + waitpid
 *   libbox    full box: root dir, /proc, /dev, all default namespaces
 *   bwrap     bwrap --unshare-all --bind ROOT / --proc /proc --dev /dev /noop
 *   unshare   unshare -U -r -p -f -m -u -i -n ROOT/noop
 *
 * Usage: spawn [-n N] [--rss MiB] [--noop PATH] [--cgroup-backend auto|v1|v2] [--only S]...
 *   -n N       iterations (default 300)
 *   --rss MiB  allocate and touch this much memory first, to grow the caller's RSS
 *   --noop P   the static no-op program (default: the one meson built)
 *   --cgroup-backend B   box_set_cgroup_backend for the cgroup case (default: auto)
 *   --only S   run only the cases whose name contains S (repeatable), and the two floors
 *              that the ratios need: more iterations of an A/B pair in the same time
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <box.h>

#include "common.h"

#define BWRAP_PATH "/usr/bin/bwrap"
#define UNSHARE_PATH "/usr/bin/unshare"
#define STACK_SIZE (64 * 1024)

static char *root_noop;   /* the no-op program in the root (bench_root) */
static char *child_stack; /* top of a small mmap'ed stack for the clone() children */
static char *const noop_argv[] = { "/noop", NULL };
static char *const empty_env[] = { NULL };
static int ns_pipe[2];    /* floor-ns: the child waits here until its maps are written */

#ifndef NOOP_PATH
#define NOOP_PATH "noop"
#endif

/* ---- floor: clone + exec + wait ---- */

static int floor_child(void *arg)
{
    (void)arg;
    execve(root_noop, noop_argv, empty_env);
    _exit(127);
}

static int run_floor(void)
{
    pid_t pid = clone(floor_child, child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

    if (pid < 0)
        return -1;
    return wait_ok(pid);
}

/* ---- floor-ns: clone with all namespaces, maps written by the parent ---- */

static int run_floor_ns(void)
{
    pid_t pid = floor_ns_start(root_noop, child_stack, ns_pipe);

    return pid < 0 ? -1 : wait_ok(pid);
}

/* floor-ns with an overlay root's kernel work: the floor of the image cases. */
static int run_floor_overlay(void)
{
    pid_t pid = floor_ns_overlay_start(bench_root, "/tmp/noop", child_stack, ns_pipe);

    return pid < 0 ? -1 : wait_ok(pid);
}

/* ---- fork + exec + wait ---- */

static int run_fork(void)
{
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(root_noop, noop_argv, empty_env);
        _exit(127);
    }
    return wait_ok(pid);
}

/* ---- libbox: full box ---- */

/* What the libbox cases leave out or add, to see what each part costs. */
#define BOX_WITH_CGROUP (1 << 0) /* memory + pids limits: a box cgroup */
#define BOX_NO_SECCOMP  (1 << 1) /* no default seccomp filter */
#define BOX_BARE        (1 << 2) /* the root only: no /proc (and its covers), no /dev */
#define BOX_WITH_INIT   (1 << 3) /* BOX_OPT_INIT: box-init as pid 1 ($LIBBOX_INIT) */
#define BOX_CG_POOLED   (1 << 4) /* the cgroup from cgroup_pool, given back after the box */
#define BOX_NO_MON      (1 << 5) /* BOX_OPT_NO_MONITOR: the box is our child, no monitor */

static box_cgroup_pool_t *cgroup_pool; /* of the pooled cgroup case */

static int cgroup_backend = BOX_CGROUP_BACKEND_AUTO; /* --cgroup-backend */

static int run_box(int variant)
{
    const char *const argv[] = { "/noop", NULL };
    box_status_t st;
    box_t *box;
    int r;

    if (box_new(&box, 0) < 0)
        return -1;
    if ((r = box_set_root(box, bench_root, 0)) < 0 ||
        (!(variant & BOX_BARE) && (r = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0) ||
        (!(variant & BOX_BARE) && (r = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0) ||
        ((variant & BOX_NO_SECCOMP) && (r = box_seccomp_default(box, 0)) < 0) ||
        ((variant & BOX_WITH_INIT) &&
         (r = box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                       BOX_OPT_INIT)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_limit(box, BOX_LIMIT_MEMORY, 256 << 20)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_limit(box, BOX_LIMIT_PIDS, 64)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_cgroup_backend(box, cgroup_backend)) < 0) ||
        ((variant & BOX_CG_POOLED) && (r = box_set_cgroup_pool(box, cgroup_pool)) < 0) ||
        ((variant & BOX_NO_MON) && (r = box_set_option(box, BOX_OPT_NO_MONITOR, 1)) < 0) ||
        (r = box_spawn(box, argv)) < 0 ||
        (r = box_wait(box, -1, &st)) < 0) {
        fprintf(stderr, "spawn: libbox: %s\n", box_errmsg(box));
        box_free(box);
        return -1;
    }
    box_free(box);
    return st.end == BOX_END_EXITED && st.exit_code == 0 ? 0 : -1;
}

static int run_libbox(void)
{
    return run_box(0);
}

/* The same box with a memory and a pids limit: create, limit, attach, remove a cgroup. */
static int run_libbox_cgroup(void)
{
    return run_box(BOX_WITH_CGROUP);
}

/* The same, its cgroups reused from a box_cgroup_pool: reset, not made and removed. */
static int run_libbox_cgroup_pool(void)
{
    return run_box(BOX_WITH_CGROUP | BOX_CG_POOLED);
}

/* The same boxes without libbox's monitor process (BOX_OPT_NO_MONITOR). */
static int run_libbox_no_monitor(void)
{
    return run_box(BOX_NO_MON);
}

static int run_libbox_cgroup_no_monitor(void)
{
    return run_box(BOX_WITH_CGROUP | BOX_NO_MON);
}

/* The same box with box-init as pid 1: is it cheap enough to be the default? */
static int run_libbox_init(void)
{
    return run_box(BOX_WITH_INIT);
}

static int run_libbox_no_seccomp(void)
{
    return run_box(BOX_NO_SECCOMP);
}

static int run_libbox_bare(void)
{
    return run_box(BOX_BARE | BOX_NO_SECCOMP);
}

/* ---- libbox: box_exec into a running box ---- */

/* The box all exec cases enter: the full box, its first program the host's sleep (its /usr
 * bound read-only, merged-/usr links), started on first use and ended at exit. */
static box_t *exec_box;

static int run_exec(void)
{
    const char *const argv[] = { "/noop", NULL };
    box_status_t st;
    box_proc_t *proc;

    if (!exec_box) {
        const char *const sleeper[] = { "/usr/bin/sleep", "100000", NULL };
        static const char *const links[][2] = { { "usr/bin", "/bin" }, { "usr/lib", "/lib" },
                                                { "usr/lib64", "/lib64" } };
        int r = box_new(&exec_box, 0);

        if (r == 0)
            r = box_set_root(exec_box, bench_root, 0);
        if (r == 0)
            r = box_mount(exec_box, BOX_MOUNT_PROC, NULL, "/proc", 0);
        if (r == 0)
            r = box_mount(exec_box, BOX_MOUNT_DEV, NULL, "/dev", 0);
        if (r == 0)
            r = box_mount(exec_box, BOX_MOUNT_BIND, "/usr", "/usr", BOX_MOUNT_RO);
        for (size_t i = 0; r == 0 && i < sizeof links / sizeof links[0]; i++)
            r = box_mount(exec_box, BOX_MOUNT_SYMLINK, links[i][0], links[i][1], 0);
        if (r == 0)
            r = box_spawn(exec_box, sleeper);
        if (r < 0) {
            fprintf(stderr, "spawn: exec box: %s\n", box_errmsg(exec_box));
            return -1;
        }
    }
    if (box_exec(exec_box, argv, NULL, &proc) < 0) {
        fprintf(stderr, "spawn: box_exec: %s\n", box_errmsg(exec_box));
        return -1;
    }
    if (box_proc_wait(proc, -1, &st) < 0)
        st.end = 0;
    box_proc_free(proc);
    return st.end == BOX_END_EXITED && st.exit_code == 0 ? 0 : -1;
}

/* ---- libbox: boxes from an image (overlay root) ---- */

static box_store_t *bench_store;

static int run_image_box(int from_image)
{
    const char *const argv[] = { "/noop", NULL };
    const char *const lowers[] = { bench_root };
    box_status_t st;
    box_t *box;
    int r;

    if (!bench_store || box_new(&box, 0) < 0)
        return -1;
    r = from_image ? box_set_image(box, bench_store, BENCH_IMAGE, 0)
                   : box_set_root_overlay(box, 1, lowers, NULL, NULL, 0);
    if (r < 0 || (r = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0 ||
        (r = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0 ||
        (r = box_spawn(box, argv)) < 0 || (r = box_wait(box, -1, &st)) < 0) {
        fprintf(stderr, "spawn: libbox: %s\n", box_errmsg(box));
        box_free(box);
        return -1;
    }
    box_free(box);
    return st.end == BOX_END_EXITED && st.exit_code == 0 ? 0 : -1;
}

/* box_set_image: the image's layer under an ephemeral upper, the config applied. */
static int run_libbox_image(void)
{
    return run_image_box(1);
}

/* The same overlay without the store: what the store itself adds. */
static int run_libbox_overlay(void)
{
    return run_image_box(0);
}

/* ---- peers through posix_spawn ---- */

static int run_argv(char *const argv[])
{
    static char *const env[] = { "PATH=/usr/bin:/bin", NULL };
    pid_t pid;

    errno = posix_spawn(&pid, argv[0], NULL, NULL, argv, env);
    if (errno != 0)
        return -1;
    return wait_ok(pid);
}

static int run_bwrap(void)
{
    char *const argv[] = { BWRAP_PATH, "--unshare-all", "--bind", bench_root, "/",
                           "--proc", "/proc", "--dev", "/dev", "/noop", NULL };
    return run_argv(argv);
}

static int run_unshare(void)
{
    char *const argv[] = { UNSHARE_PATH, "-U", "-r", "-p", "-f", "-m", "-u", "-i", "-n",
                           root_noop, NULL };
    return run_argv(argv);
}

/* ---- the table of cases ---- */

struct bench_case {
    const char *name;
    int (*run)(void);
    const char *need; /* a program the case needs, or NULL */
    int enabled;
    double *ms;       /* one sample per iteration */
    double median, p99;
};

static struct bench_case cases[] = {
    { "floor: clone + exec + wait", run_floor, NULL, 1, NULL, 0, 0 },
    { "floor-ns: clone + 7 namespaces + maps + exec + wait", run_floor_ns, NULL, 1, NULL, 0, 0 },
    { "floor-ns + overlay: the same, exec from an overlay (tmpfs upper) at /tmp",
      run_floor_overlay, NULL, 1, NULL, 0, 0 },
    { "fork + exec + wait", run_fork, NULL, 1, NULL, 0, 0 },
    { "libbox: full box (root, /proc, /dev)", run_libbox, NULL, 1, NULL, 0, 0 },
    { "libbox: full box + cgroup (memory, pids)", run_libbox_cgroup, NULL, 1, NULL, 0, 0 },
    { "libbox: full box + cgroup from a box_cgroup_pool", run_libbox_cgroup_pool, NULL, 1,
      NULL, 0, 0 },
    { "libbox: full box, BOX_OPT_NO_MONITOR", run_libbox_no_monitor, NULL, 1, NULL, 0, 0 },
    { "libbox: full box + cgroup, BOX_OPT_NO_MONITOR", run_libbox_cgroup_no_monitor, NULL, 1,
      NULL, 0, 0 },
    { "libbox: full box + BOX_OPT_INIT", run_libbox_init, NULL, 1, NULL, 0, 0 },
    { "libbox: full box, no seccomp filter", run_libbox_no_seccomp, NULL, 1, NULL, 0, 0 },
    { "libbox: root only (no /proc, /dev, seccomp)", run_libbox_bare, NULL, 1, NULL, 0, 0 },
    { "libbox: box_exec into a running full box", run_exec, NULL, 1, NULL, 0, 0 },
    { "libbox: box from an image (overlay root, /proc, /dev)", run_libbox_image, NULL, 1, NULL,
      0, 0 },
    { "libbox: overlay root, no store (box_set_root_overlay)", run_libbox_overlay, NULL, 1,
      NULL, 0, 0 },
    { "bwrap --unshare-all (root dir, /proc, /dev)", run_bwrap, BWRAP_PATH, 1, NULL, 0, 0 },
    { "unshare -U -r -p -f -m -u -i -n", run_unshare, UNSHARE_PATH, 1, NULL, 0, 0 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The caller's resident set in KiB (VmRSS), or -1. */
static long rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "re");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    }
    fclose(f);
    return kib;
}

/* --only: the floors always run (the ratios are to them), the rest if a name matches. */
#define MAX_ONLY 16
static int case_selected(const struct bench_case *c, const char *const only[], int n_only)
{
    if (n_only == 0 || strncmp(c->name, "floor: ", 7) == 0 || strncmp(c->name, "floor-ns: ", 10) == 0)
        return 1;
    for (int k = 0; k < n_only; k++)
        if (strstr(c->name, only[k]))
            return 1;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: spawn [-n N] [--rss MiB] [--noop PATH] "
            "[--cgroup-backend auto|v1|v2] [--only SUBSTRING]...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *noop = NOOP_PATH;
    long iters = 300, rss_mib = 0;
    const char *only[MAX_ONLY];
    int n_only = 0;
    size_t order[NCASES];
    double floor_med = 0, floor_ns_med = 0;
    volatile char *ballast = NULL;
    long caller_rss;
    void *stack;
    size_t i, k;
    long it;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
            iters = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--rss") == 0 && a + 1 < argc)
            rss_mib = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--noop") == 0 && a + 1 < argc)
            noop = argv[++a];
        else if (strcmp(argv[a], "--cgroup-backend") == 0 && a + 1 < argc)
            cgroup_backend = strcmp(argv[++a], "v1") == 0   ? BOX_CGROUP_BACKEND_V1
                             : strcmp(argv[a], "v2") == 0 ? BOX_CGROUP_BACKEND_V2
                                                          : BOX_CGROUP_BACKEND_AUTO;
        else if (strcmp(argv[a], "--only") == 0 && a + 1 < argc && n_only < MAX_ONLY)
            only[n_only++] = argv[++a];
        else
            usage();
    }
    if (iters < 1 || rss_mib < 0)
        usage();

    if (rss_mib > 0) {
        size_t len = (size_t)rss_mib << 20;

        ballast = malloc(len);
        if (!ballast)
            die("malloc ballast");
        memset((char *)ballast, 1, len);
    }

    stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        die("mmap stack");
    child_stack = (char *)stack + STACK_SIZE;
    if (pipe2(ns_pipe, O_CLOEXEC) < 0)
        die("pipe");

    if (box_cgroup_pool_new(&cgroup_pool, 4) < 0)
        die("box_cgroup_pool_new");
    bench_root_make((const char *const[]){ noop }, 1);
    root_noop = (char *)bench_root_path("noop");
    if (!(bench_store = bench_image_make()))
        fprintf(stderr, "spawn: no image for the image cases\n");

    for (i = 0; i < NCASES; i++) {
        if (!case_selected(&cases[i], only, n_only)) {
            cases[i].enabled = 0;
            continue;
        }
        if (cases[i].need && access(cases[i].need, X_OK) < 0) {
            cases[i].enabled = 0;
            fprintf(stderr, "spawn: skipping %s: %s is missing\n", cases[i].name,
                    cases[i].need);
            continue;
        }
        cases[i].ms = calloc(iters, sizeof(double));
        if (!cases[i].ms)
            die("calloc");
        /* warm up, and check that the case works at all */
        if (cases[i].run() < 0) {
            fprintf(stderr, "spawn: case '%s' fails here; skipping it\n", cases[i].name);
            cases[i].enabled = 0;
        }
    }

    caller_rss = rss_kib();
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (i = 0; i < NCASES; i++)
        order[i] = i;
    for (it = 0; it < iters; it++) {
        for (i = NCASES - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1), t = order[i];

            order[i] = order[j];
            order[j] = t;
        }
        for (k = 0; k < NCASES; k++) {
            struct bench_case *c = &cases[order[k]];
            double t0;

            if (!c->enabled)
                continue;
            t0 = now_ms();
            if (c->run() < 0) {
                fprintf(stderr, "spawn: case '%s' failed at iteration %ld\n", c->name, it);
                box_cgroup_pool_free(cgroup_pool);
                bench_root_remove();
                return 1;
            }
            c->ms[it] = now_ms() - t0;
        }
    }

    for (i = 0; i < NCASES; i++)
        if (cases[i].enabled)
            stats(cases[i].ms, iters, &cases[i].median, &cases[i].p99);
    floor_med = cases[0].median;
    floor_ns_med = cases[1].enabled ? cases[1].median : 0;

    printf("%ld iterations, --rss %ld: caller VmRSS %.1f MiB, euid %d\n\n", iters, rss_mib,
           caller_rss / 1024.0, (int)geteuid());
    printf("| case: spawn + wait of a static no-op | median ms | p99 ms | x floor | x floor-ns |\n");
    printf("|---|---:|---:|---:|---:|\n");
    for (i = 0; i < NCASES; i++) {
        struct bench_case *c = &cases[i];

        if (!case_selected(c, only, n_only))
            continue;
        if (!c->enabled) {
            printf("| %s | skipped | | | |\n", c->name);
            continue;
        }
        printf("| %s | %.2f | %.2f | %.2f | ", c->name, c->median, c->p99,
               floor_med > 0 ? c->median / floor_med : 0);
        if (floor_ns_med > 0)
            printf("%.2f |\n", c->median / floor_ns_med);
        else
            printf("- |\n");
    }

    box_free(exec_box);
    box_cgroup_pool_free(cgroup_pool);
    bench_image_remove(bench_store);
    bench_root_remove();
    for (i = 0; i < NCASES; i++)
        free(cases[i].ms);
    free((void *)ballast);
    munmap(stack, STACK_SIZE);
    return 0;
}
