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
 *   fork      fork + execve + waitpid
 *   libbox    full box: root dir, /proc, /dev, all default namespaces
 *   bwrap     bwrap --unshare-all --bind ROOT / --proc /proc --dev /dev /noop
 *   unshare   unshare -U -r -p -f -m -u -i -n ROOT/noop
 *
 * Usage: spawn [-n N] [--rss MiB] [--noop PATH] [--cgroup-backend auto|v1|v2]
 *   -n N       iterations (default 300)
 *   --rss MiB  allocate and touch this much memory first, to grow the caller's RSS
 *   --noop P   the static no-op program (default: the one meson built)
 *   --cgroup-backend B   box_set_cgroup_backend for the cgroup case (default: auto)
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

#ifndef NOOP_PATH
#define NOOP_PATH "noop"
#endif

#define BWRAP_PATH "/usr/bin/bwrap"
#define UNSHARE_PATH "/usr/bin/unshare"
#define STACK_SIZE (64 * 1024)
#define ALL_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
                CLONE_NEWNET | CLONE_NEWCGROUP)

static char root_dir[] = "/tmp/boxbench.XXXXXX";
static char root_noop[sizeof(root_dir) + 16];
static char *child_stack; /* top of a small mmap'ed stack for the clone() children */
static char *const noop_argv[] = { "/noop", NULL };
static char *const empty_env[] = { NULL };
static int ns_pipe[2];    /* floor-ns: the child waits here until its maps are written */

static void die(const char *what)
{
    fprintf(stderr, "spawn: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Wait for pid; 0 if it exited with status 0, else -1. */
static int wait_ok(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

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

static int floor_ns_child(void *arg)
{
    char c;

    (void)arg;
    /* raw read: wait until the parent has written the maps */
    if (read(ns_pipe[0], &c, 1) != 1)
        _exit(126);
    execve(root_noop, noop_argv, empty_env);
    _exit(127);
}

static int write_file(pid_t pid, const char *name, const char *text)
{
    char path[64];
    size_t len = strlen(text);
    int fd, ok;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

static int run_floor_ns(void)
{
    char map[64];
    pid_t pid;
    int ret = 0;

    pid = clone(floor_ns_child, child_stack, CLONE_VM | ALL_NS | SIGCHLD, NULL);
    if (pid < 0)
        return -1;
    snprintf(map, sizeof(map), "0 %d 1\n", (int)geteuid());
    if (write_file(pid, "uid_map", map) < 0)
        ret = -1;
    if (geteuid() != 0 && write_file(pid, "setgroups", "deny") < 0)
        ret = -1;
    snprintf(map, sizeof(map), "0 %d 1\n", (int)getegid());
    if (write_file(pid, "gid_map", map) < 0)
        ret = -1;
    if (ret < 0) {
        kill(pid, SIGKILL);
        wait_ok(pid);
        return -1;
    }
    if (write(ns_pipe[1], "x", 1) != 1) {
        kill(pid, SIGKILL);
        wait_ok(pid);
        return -1;
    }
    return wait_ok(pid);
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

static int cgroup_backend = BOX_CGROUP_BACKEND_AUTO; /* --cgroup-backend */

static int run_box(int variant)
{
    const char *const argv[] = { "/noop", NULL };
    box_status_t st;
    box_t *box;
    int r;

    if (box_new(&box, 0) < 0)
        return -1;
    if ((r = box_set_root(box, root_dir, 0)) < 0 ||
        (!(variant & BOX_BARE) && (r = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0) ||
        (!(variant & BOX_BARE) && (r = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0) ||
        ((variant & BOX_NO_SECCOMP) && (r = box_seccomp_default(box, 0)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_limit(box, BOX_LIMIT_MEMORY, 256 << 20)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_limit(box, BOX_LIMIT_PIDS, 64)) < 0) ||
        ((variant & BOX_WITH_CGROUP) && (r = box_set_cgroup_backend(box, cgroup_backend)) < 0) ||
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

static int run_libbox_no_seccomp(void)
{
    return run_box(BOX_NO_SECCOMP);
}

static int run_libbox_bare(void)
{
    return run_box(BOX_BARE | BOX_NO_SECCOMP);
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
    char *const argv[] = { BWRAP_PATH, "--unshare-all", "--bind", root_dir, "/",
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
    { "fork + exec + wait", run_fork, NULL, 1, NULL, 0, 0 },
    { "libbox: full box (root, /proc, /dev)", run_libbox, NULL, 1, NULL, 0, 0 },
    { "libbox: full box + cgroup (memory, pids)", run_libbox_cgroup, NULL, 1, NULL, 0, 0 },
    { "libbox: full box, no seccomp filter", run_libbox_no_seccomp, NULL, 1, NULL, 0, 0 },
    { "libbox: root only (no /proc, /dev, seccomp)", run_libbox_bare, NULL, 1, NULL, 0, 0 },
    { "bwrap --unshare-all (root dir, /proc, /dev)", run_bwrap, BWRAP_PATH, 1, NULL, 0, 0 },
    { "unshare -U -r -p -f -m -u -i -n", run_unshare, UNSHARE_PATH, 1, NULL, 0, 0 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    ssize_t n;
    int in, out;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        die(from);
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (out < 0)
        die(to);
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, n) != n)
            die(to);
    }
    if (n < 0)
        die(from);
    close(in);
    close(out);
}

static void make_rootfs(const char *noop)
{
    char path[sizeof(root_dir) + 16];

    if (!mkdtemp(root_dir))
        die("mkdtemp");
    chmod(root_dir, 0755);
    snprintf(root_noop, sizeof(root_noop), "%s/noop", root_dir);
    copy_file(noop, root_noop);
    snprintf(path, sizeof(path), "%s/proc", root_dir);
    if (mkdir(path, 0755) < 0)
        die(path);
    snprintf(path, sizeof(path), "%s/dev", root_dir);
    if (mkdir(path, 0755) < 0)
        die(path);
}

static void remove_rootfs(void)
{
    char path[sizeof(root_dir) + 16];

    unlink(root_noop);
    snprintf(path, sizeof(path), "%s/proc", root_dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/dev", root_dir);
    rmdir(path);
    if (rmdir(root_dir) < 0)
        fprintf(stderr, "spawn: warning: cannot remove %s: %s\n", root_dir, strerror(errno));
}

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

static void usage(void)
{
    fprintf(stderr, "usage: spawn [-n N] [--rss MiB] [--noop PATH] "
            "[--cgroup-backend auto|v1|v2]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *noop = NOOP_PATH;
    long iters = 300, rss_mib = 0;
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

    make_rootfs(noop);

    for (i = 0; i < NCASES; i++) {
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
                remove_rootfs();
                return 1;
            }
            c->ms[it] = now_ms() - t0;
        }
    }

    for (i = 0; i < NCASES; i++) {
        struct bench_case *c = &cases[i];
        size_t p;

        if (!c->enabled)
            continue;
        qsort(c->ms, iters, sizeof(double), cmp_double);
        c->median = iters % 2 ? c->ms[iters / 2] : (c->ms[iters / 2 - 1] + c->ms[iters / 2]) / 2;
        p = (size_t)(0.99 * iters + 0.999999);   /* ceil(0.99 n), 1-based */
        c->p99 = c->ms[(p > 0 ? p : 1) - 1];
    }
    floor_med = cases[0].median;
    floor_ns_med = cases[1].enabled ? cases[1].median : 0;

    printf("%ld iterations, --rss %ld: caller VmRSS %.1f MiB, euid %d\n\n", iters, rss_mib,
           caller_rss / 1024.0, (int)geteuid());
    printf("| case: spawn + wait of a static no-op | median ms | p99 ms | x floor | x floor-ns |\n");
    printf("|---|---:|---:|---:|---:|\n");
    for (i = 0; i < NCASES; i++) {
        struct bench_case *c = &cases[i];

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

    remove_rootfs();
    for (i = 0; i < NCASES; i++)
        free(cases[i].ms);
    free((void *)ballast);
    munmap(stack, STACK_SIZE);
    return 0;
}
