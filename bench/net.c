/* Network benchmark: the spawn cost of a box on a bridge (veth pair, leased IPv4 and IPv6
 * addresses, routes, name files) and of one with a published port (plus an nftables table
 * and a reserved host port), against the same box without network (only lo), in one run.
 * Every iteration runs each case once, in a freshly shuffled order, so that drift of the
 * machine hits all cases alike; the bridge stays up between iterations only while a box is
 * on it, so each bridge case also makes and removes it, unless --keep-bridge holds one box
 * on it for the whole run. The benchmark runs in a network namespace of its own (and, when
 * not root, a user namespace that owns it): nothing touches the host's network.
 *   net [-n ITERATIONS] [--keep-bridge] [--noop P] */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <box.h>

#include "common.h"

#define NET_NONE    0
#define NET_BRIDGE  1
#define NET_PUBLISH 2

static int run_box(int variant)
{
    const char *const argv[] = { "/noop", NULL };
    box_status_t st;
    box_t *box;
    int r;

    if (box_new(&box, 0) < 0)
        return -1;
    if ((r = box_set_root(box, bench_root, 0)) < 0 ||
        (r = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0 ||
        (r = box_mount(box, BOX_MOUNT_TMPFS, NULL, "/etc", 0)) < 0 ||
        (variant >= NET_BRIDGE && (r = box_net_bridge(box, "bench0", NULL, NULL, 0)) < 0) ||
        (variant == NET_PUBLISH && (r = box_net_publish(box, "18480:80")) < 0) ||
        (r = box_spawn(box, argv)) < 0 || (r = box_wait(box, -1, &st)) < 0) {
        fprintf(stderr, "net: %s\n", box_errmsg(box));
        box_free(box);
        return -1;
    }
    box_free(box);
    return st.end == BOX_END_EXITED && st.exit_code == 0 ? 0 : -1;
}

static int run_none(void) { return run_box(NET_NONE); }
static int run_bridge(void) { return run_box(NET_BRIDGE); }
static int run_publish(void) { return run_box(NET_PUBLISH); }

static struct {
    const char *name;
    int (*run)(void);
    double *ms, median, p99;
} cases[] = {
    { "libbox, no network (lo only)", run_none, NULL, 0, 0 },
    { "libbox, bridge (veth + IPv4/IPv6 lease + routes + name files)", run_bridge, NULL, 0, 0 },
    { "libbox, bridge + published port (nftables)", run_publish, NULL, 0, 0 },
};
#define NCASES (sizeof cases / sizeof cases[0])

static int write_text(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A network namespace of our own, with a user namespace owning it when not root. */
static void own_netns(void)
{
    char map[64], run_dir[] = "/tmp/boxbench-net.XXXXXX";
    uid_t uid = geteuid();
    gid_t gid = getegid();

    if (uid != 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
            die("unshare(CLONE_NEWUSER | CLONE_NEWNET)");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (write_text("/proc/self/uid_map", map) < 0 ||
            write_text("/proc/self/setgroups", "deny") < 0)
            die("uid_map");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (write_text("/proc/self/gid_map", map) < 0)
            die("gid_map");
    } else if (unshare(CLONE_NEWNET) < 0) {
        die("unshare(CLONE_NEWNET)");
    }
    if (!mkdtemp(run_dir))
        die("mkdtemp");
    setenv("LIBBOX_RUN_DIR", strdup(run_dir), 1);
}

int main(int argc, char **argv)
{
    const char *noop = NOOP_PATH;
    const char *const programs[1] = { NULL };
    box_t *keeper = NULL;
    int keep = 0;
    long iters = 100;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
            iters = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--keep-bridge") == 0)
            keep = 1;
        else if (strcmp(argv[a], "--noop") == 0 && a + 1 < argc)
            noop = argv[++a];
        else {
            fprintf(stderr, "usage: net [-n ITERATIONS] [--keep-bridge] [--noop P]\n");
            return 2;
        }
    }
    if (iters < 1)
        iters = 1;
    own_netns();
    ((const char **)programs)[0] = noop;
    bench_root_make(programs, 1);
    if (keep) {
        const char *const argv_keep[] = { "/noop", NULL };

        if (box_new(&keeper, 0) < 0 || box_net_bridge(keeper, "bench0", NULL, NULL, 0) < 0 ||
            box_set_root(keeper, bench_root, 0) < 0 ||
            box_mount(keeper, BOX_MOUNT_TMPFS, NULL, "/etc", 0) < 0 ||
            box_set_options(keeper, BOX_OPT_HOLD | BOX_OPT_DIE_WITH_PARENT) < 0 ||
            box_spawn(keeper, argv_keep) < 0)
            die(keeper ? box_errmsg(keeper) : "box_new");
    }
    for (size_t i = 0; i < NCASES; i++) {
        cases[i].ms = calloc((size_t)iters, sizeof(double));
        if (!cases[i].ms || cases[i].run() < 0) /* warm up, and check that it works */
            die(cases[i].name);
    }
    srand((unsigned)getpid());
    for (long it = 0; it < iters; it++) {
        size_t order[NCASES];

        for (size_t i = 0; i < NCASES; i++)
            order[i] = i;
        for (size_t i = NCASES - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1), t = order[i];

            order[i] = order[j];
            order[j] = t;
        }
        for (size_t k = 0; k < NCASES; k++) {
            double t0 = now_ms();

            if (cases[order[k]].run() < 0)
                die(cases[order[k]].name);
            cases[order[k]].ms[it] = now_ms() - t0;
        }
    }
    box_free(keeper);
    {
        char path[4096];
        const char *run = getenv("LIBBOX_RUN_DIR");

        snprintf(path, sizeof path, "%s/etc", bench_root); /* the /etc tmpfs's mount point */
        rmdir(path);
        snprintf(path, sizeof path, "%s/net", run); /* empty once every lease is back */
        rmdir(path);
        snprintf(path, sizeof path, "%s/boxes", run);
        rmdir(path);
        if (rmdir(run) < 0)
            fprintf(stderr, "net: %s is not empty: something was left behind\n", run);
    }
    bench_root_remove();
    printf("| case (%ld iterations, %s, bridge %s) | median ms | p99 ms |\n|---|---|---|\n",
           iters, geteuid() == 0 ? "root in its own netns" : "rootless, own userns+netns",
           keep ? "kept up by a held box" : "made and removed by each box");
    for (size_t i = 0; i < NCASES; i++) {
        stats(cases[i].ms, (size_t)iters, &cases[i].median, &cases[i].p99);
        printf("| %s | %.2f | %.2f |\n", cases[i].name, cases[i].median, cases[i].p99);
    }
    return 0;
}
