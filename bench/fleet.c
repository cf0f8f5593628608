/* Fleet benchmark: many boxes from one process.
 *
 * throughput  T threads of this process launch boxes (spawn + wait of the static no-op)
 *             until N have run; boxes per second for each T, next to the floor (clone with
 *             7 namespaces + maps + exec + wait) and bwrap launched the same way.
 * density     N idle boxes (a static program that pauses) alive at once; what each costs
 *             the machine, from /proc/meminfo before and after: MemAvailable, Slab,
 *             PageTables and KernelStack, and the processes each needs. Against N floor
 *             processes (7 namespaces, nothing else) and N bwrap sandboxes.
 *
 * /proc/meminfo is the whole machine's: run it on an otherwise idle machine, and compare the
 * rows of one run only. So that page cache and other work on the machine cannot move the
 * figure, each density case also runs with this process in a memory cgroup of its own
 * (made below its own, as root): the boxes' processes inherit it, and what they and the
 * kernel objects made for them are charged (user memory, page tables, stacks, accounted
 * slab such as mounts and namespaces) is read from memory.usage_in_bytes (v1) or
 * memory.current (v2). "memcg" is that delta per box; "-" where no such cgroup can be made.
 *
 * image       N idle boxes from one image (each with its own writable layer) started one
 *             after the other: the time until all of them run. Each box writes 64 KiB into
 *             its root first; what the image store's directory grew by while they all run
 *             (the disk each extra box costs), and what each box's writable layer holds
 *             (statfs of its root: an overlay reports its upper layer's file system). Once
 *             with the default ephemeral layer, once with BOX_IMAGE_COMMIT (in the store).
 *
 * Usage: fleet [-n N] [--threads T,T,...] [--density N] [--image N] [--noop P] [--idle P]
 *   -n N          boxes per throughput case (default 2000)
 *   --threads L   thread counts (default 1,2,4,8)
 *   --density N   idle boxes per density case (default 1000; 0 skips the density part)
 *   --image N     boxes for the image part (default 100; 0 skips it)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <box.h>

#include "common.h"

#ifndef NOOP_PATH
#define NOOP_PATH "noop"
#endif
#ifndef IDLE_PATH
#define IDLE_PATH "idle"
#endif
#define BWRAP_PATH "/usr/bin/bwrap"
#define STACK_SIZE (32 * 1024)
#define MAX_THREADS 64

/* ---- one launcher per kind: start a program (noop or idle) in a box, end it ---- */

struct unit {
    pid_t pid;   /* floor, bwrap */
    box_t *box;  /* libbox */
    char *stack; /* floor: the clone stack (base of the mapping) */
};

static int floor_start(struct unit *u, const char *prog)
{
    int go[2];

    if (!u->stack) {
        u->stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (u->stack == MAP_FAILED)
            return u->stack = NULL, -1;
    }
    if (pipe2(go, O_CLOEXEC) < 0)
        return -1;
    /* The child has its own copy of the fd table (no CLONE_FILES): closing ours is fine. */
    u->pid = floor_ns_start(bench_root_path(prog), u->stack + STACK_SIZE, go);
    close(go[0]);
    close(go[1]);
    return u->pid < 0 ? -1 : 0;
}

static box_store_t *image_store; /* the bench root as an image (bench_image_make) */

/* A full box running argv (argv[0]: a program of the bench root), from the bench root or
 * (from_image) from the image of it, with box_set_image's image_flags; no_monitor:
 * BOX_OPT_NO_MONITOR. */
static int start_box(struct unit *u, const char *const argv[], int from_image,
                     unsigned int image_flags, int no_monitor)
{
    char path[64];

    snprintf(path, sizeof path, "/%s", argv[0]);
    if ((from_image && !image_store) || box_new(&u->box, 0) < 0)
        return -1;
    if ((from_image ? box_set_image(u->box, image_store, BENCH_IMAGE, image_flags)
                    : box_set_root(u->box, bench_root, 0)) < 0 ||
        box_mount(u->box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
        box_mount(u->box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
        (no_monitor && box_set_option(u->box, BOX_OPT_NO_MONITOR, 1) < 0) ||
        box_set_program(u->box, path) < 0 || box_spawn(u->box, argv) < 0) {
        fprintf(stderr, "fleet: libbox: %s\n", box_errmsg(u->box));
        box_free(u->box);
        u->box = NULL;
        return -1;
    }
    return 0;
}

static int box_start_prog(struct unit *u, const char *prog)
{
    return start_box(u, (const char *const[]){ prog, NULL }, 0, 0, 0);
}

static int box_start_no_monitor(struct unit *u, const char *prog)
{
    return start_box(u, (const char *const[]){ prog, NULL }, 0, 0, 1);
}

static int image_start_prog(struct unit *u, const char *prog)
{
    return start_box(u, (const char *const[]){ prog, NULL }, 1, 0, 0);
}

static int bwrap_start(struct unit *u, const char *prog)
{
    static char *const env[] = { "PATH=/usr/bin:/bin", NULL };
    char path[64];
    char *const argv[] = { BWRAP_PATH, "--unshare-all", "--die-with-parent", "--bind",
                           bench_root, "/", "--proc", "/proc", "--dev", "/dev", path, NULL };
    posix_spawnattr_t attr;

    /* Its own process group, so that bwrap_end reaches bwrap's inner processes too. */
    snprintf(path, sizeof path, "/%s", prog);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    errno = posix_spawn(&u->pid, argv[0], NULL, &attr, argv, env);
    posix_spawnattr_destroy(&attr);
    return errno ? -1 : 0;
}

/* Wait for the unit's program; kill `target` first when `kill_it`. 0 if it exited 0 (or
 * was killed as asked). */
static int wait_unit(struct unit *u, int kill_it, pid_t target)
{
    int r;

    if (kill_it)
        kill(target, SIGKILL);
    r = wait_ok(u->pid);
    return kill_it ? 0 : r;
}

static int pid_end(struct unit *u, int kill_it)
{
    return wait_unit(u, kill_it, u->pid);
}

/* Killing only the outer bwrap can leave its inner ones (the namespace's pid 1 and the
 * program) running: --die-with-parent's PR_SET_PDEATHSIG is set in the inner process
 * after the clone, and an outer process killed before that leaves the inner orphaned (2 of
 * 500 idle boxes stayed alive in one run, keeping the density cgroup busy). So the whole
 * process group goes. */
static int bwrap_end(struct unit *u, int kill_it)
{
    return wait_unit(u, kill_it, -u->pid);
}

static int box_end(struct unit *u, int kill_it)
{
    box_status_t st;
    int r;

    if (kill_it)
        box_kill(u->box, SIGKILL);
    r = box_wait(u->box, -1, &st);
    if (r == 0 && !kill_it && (st.end != BOX_END_EXITED || st.exit_code != 0))
        r = -1;
    box_free(u->box);
    u->box = NULL;
    return r;
}

struct kind {
    const char *name;
    int (*start)(struct unit *u, const char *prog);
    int (*end)(struct unit *u, int kill_it);
    const char *need;
};

static const struct kind kinds[] = {
    { "floor-ns: clone + 7 namespaces + maps", floor_start, pid_end, NULL },
    { "libbox: full box (root, /proc, /dev, default seccomp)", box_start_prog, box_end, NULL },
    { "libbox: full box, BOX_OPT_NO_MONITOR", box_start_no_monitor, box_end, NULL },
    { "libbox: full box from an image (overlay root)", image_start_prog, box_end, NULL },
    { "bwrap --unshare-all (root dir, /proc, /dev)", bwrap_start, bwrap_end, BWRAP_PATH },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* ---- throughput ---- */

struct run {
    const struct kind *k;
    long total;
    atomic_long next, failed;
};

static void *throughput_thread(void *p)
{
    struct run *r = p;
    struct unit u = { 0 };

    while (atomic_fetch_add(&r->next, 1) < r->total)
        if (r->k->start(&u, "noop") < 0 || r->k->end(&u, 0) < 0)
            atomic_fetch_add(&r->failed, 1);
    if (u.stack)
        munmap(u.stack, STACK_SIZE);
    return NULL;
}

static double throughput(const struct kind *k, int threads, long total)
{
    pthread_t t[MAX_THREADS];
    struct run r = { k, total, 0, 0 };
    double t0 = now_ms(), ms;

    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, throughput_thread, &r) != 0)
            die("pthread_create");
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    ms = now_ms() - t0;
    if (r.failed) {
        fprintf(stderr, "fleet: %s: %ld of %ld failed\n", k->name, (long)r.failed, total);
        return -1;
    }
    return total / (ms / 1000);
}

/* ---- many boxes from one image ---- */

#define IMAGE_WRITE_KIB 64 /* what each box of the image part writes into its root */

static long long du_blocks; /* du_add's sum, in 512-byte blocks */

static int du_add(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path, (void)type, (void)ftw;
    du_blocks += st->st_blocks;
    return 0;
}

/* The KiB that dir and everything below it take on disk. */
static double du_kib(const char *dir)
{
    du_blocks = 0;
    if (nftw(dir, du_add, 64, FTW_PHYS) != 0)
        die("nftw");
    return du_blocks / 2.0;
}

/* Wait until the box's program has written its file; then the KiB used on the file system
 * of the box's root (its upper layer's), or -1 after 10 s. */
static double written_kib(box_t *box)
{
    char path[64];
    struct stat st;
    struct statfs fs;

    snprintf(path, sizeof path, "/proc/%d/root/written", (int)box_pid(box));
    for (int tries = 0; stat(path, &st) < 0 || st.st_size < IMAGE_WRITE_KIB * 1024; tries++) {
        if (tries == 10000)
            return -1;
        usleep(1000);
    }
    snprintf(path, sizeof path, "/proc/%d/root", (int)box_pid(box));
    if (statfs(path, &fs) < 0)
        return -1;
    return (double)(fs.f_blocks - fs.f_bfree) * fs.f_bsize / 1024;
}

struct image_run {
    double ms;        /* until all n run; -1 if one failed */
    double disk_kib;  /* what the store's directory grew by, per box */
    double layer_kib; /* the median box's writable layer (statfs of its root) */
};

/* Start n idle boxes from the image (box_set_image flags), one after the other from this
 * thread, each writing IMAGE_WRITE_KIB into its root; measure with all of them alive,
 * then end them. */
static struct image_run image_fleet(struct unit *u, long n, unsigned int flags)
{
    char kib[16];
    const char *const argv[] = { "idle", kib, "/written", NULL };
    const char *store = box_store_path(image_store);
    double before = du_kib(store), t0, *layer = calloc((size_t)n, sizeof *layer), p99;
    struct image_run r = { -1, 0, 0 };
    long started = 0;

    if (!layer)
        die("calloc");
    snprintf(kib, sizeof kib, "%d", IMAGE_WRITE_KIB);
    t0 = now_ms();
    while (started < n && start_box(&u[started], argv, 1, flags, 0) == 0)
        started++;
    if (started == n)
        r.ms = now_ms() - t0;
    for (long i = 0; i < started; i++)
        if ((layer[i] = written_kib(u[i].box)) < 0)
            r.ms = -1;
    r.disk_kib = (du_kib(store) - before) / (started ? started : 1);
    stats(layer, (size_t)started, &r.layer_kib, &p99);
    for (long i = 0; i < started; i++)
        box_end(&u[i], 1);
    free(layer);
    return r;
}

/* ---- density ---- */

struct meminfo {
    long avail, slab, pagetables, kstack, procs; /* KiB, except procs */
    long memcg;                                  /* KiB; -1: no memory cgroup */
};

/* The density cases' memory cgroup (see the top of the file): its directory, the file that
 * says what is charged to it, and the cgroup.procs this process came from. */
static char memcg_dir[512], memcg_procs[600], memcg_usage[600], memcg_home[600];

static void memcg_make(void)
{
    char line[512], *path = NULL;
    const char *mnt = NULL, *usage = NULL;
    FILE *f = fopen("/proc/self/cgroup", "re");

    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

        if (!c2)
            continue;
        *c2 = '\0';
        c2[strcspn(c2 + 1, "\n") + 1] = '\0';
        if (strcmp(c1 + 1, "memory") == 0) { /* v1 wins over v2 where both exist */
            free(path);
            path = strdup(c2 + 1), mnt = "/sys/fs/cgroup/memory", usage = "memory.usage_in_bytes";
        } else if (c1[1] == '\0' && !mnt && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
            free(path);
            path = strdup(c2 + 1), mnt = "/sys/fs/cgroup", usage = "memory.current";
        }
    }
    fclose(f);
    if (path && geteuid() == 0) {
        snprintf(memcg_home, sizeof memcg_home, "%s%s/cgroup.procs", mnt, path);
        snprintf(memcg_dir, sizeof memcg_dir, "%s%s/fleet-density-%d", mnt, path, (int)getpid());
        snprintf(memcg_usage, sizeof memcg_usage, "%s/%s", memcg_dir, usage);
        snprintf(memcg_procs, sizeof memcg_procs, "%s/cgroup.procs", memcg_dir);
        if (mkdir(memcg_dir, 0755) < 0)
            memcg_dir[0] = '\0';
        else if (access(memcg_usage, R_OK) < 0) { /* v2 without the memory controller here */
            rmdir(memcg_dir);
            memcg_dir[0] = '\0';
        }
    }
    free(path);
}

static int memcg_move(const char *procs)
{
    int fd = open(procs, O_WRONLY | O_CLOEXEC), ok = fd >= 0 && write(fd, "0", 1) == 1;

    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

static long memcg_kib(void)
{
    char buf[32] = "";
    int fd = open(memcg_usage, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    return len > 0 ? strtol(buf, NULL, 10) / 1024 : -1;
}

static long meminfo_field(const char *name)
{
    char line[256];
    size_t len = strlen(name);
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "re");

    if (!f)
        die("/proc/meminfo");
    while (v < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0 && line[len] == ':')
            v = strtol(line + len + 1, NULL, 10);
    fclose(f);
    return v;
}

static long count_procs(void)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    long n = 0;

    if (!d)
        die("/proc");
    while ((de = readdir(d)))
        n += de->d_name[0] >= '1' && de->d_name[0] <= '9';
    closedir(d);
    return n;
}

static void meminfo_read(struct meminfo *m)
{
    sleep(1); /* let RCU-freed objects and per-cpu caches settle a little */
    m->avail = meminfo_field("MemAvailable");
    m->slab = meminfo_field("Slab");
    m->pagetables = meminfo_field("PageTables");
    m->kstack = meminfo_field("KernelStack");
    m->procs = count_procs();
}

static int density(const struct kind *k, struct unit *u, long n, struct meminfo *per)
{
    struct meminfo before, after;
    long started = 0;
    int r = 0;

    /* Stacks (floor) are the caller's memory, not the box's: make them before measuring. */
    if (k->start == floor_start)
        for (long i = 0; i < n; i++)
            if (!(u[i].stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_POPULATE,
                                    -1, 0)) || u[i].stack == MAP_FAILED)
                die("mmap");
    /* In the memory cgroup only while the boxes start: this process's own memory stays
     * charged where it was before (neither cgroup version moves charges by default). */
    before.memcg = memcg_dir[0] && memcg_move(memcg_procs) == 0 ? memcg_kib() : -1;
    meminfo_read(&before);
    for (; started < n; started++)
        if (k->start(&u[started], "idle") < 0) {
            fprintf(stderr, "fleet: %s: start %ld failed\n", k->name, started);
            r = -1;
            break;
        }
    if (before.memcg >= 0 && memcg_move(memcg_home) < 0)
        die("back to this process's own memory cgroup");
    if (r == 0) {
        meminfo_read(&after);
        after.memcg = before.memcg >= 0 ? memcg_kib() : -1;
        per->memcg = after.memcg >= 0 ? (after.memcg - before.memcg) / n : -1;
        per->avail = (before.avail - after.avail) / n;
        per->slab = (after.slab - before.slab) / n;
        per->pagetables = (after.pagetables - before.pagetables) / n;
        per->kstack = (after.kstack - before.kstack) / n;
        per->procs = (after.procs - before.procs + n / 2) / n;
    }
    for (long i = 0; i < started; i++)
        k->end(&u[i], 1);
    for (long i = 0; i < n; i++)
        if (u[i].stack) {
            munmap(u[i].stack, STACK_SIZE);
            u[i].stack = NULL;
        }
    return r;
}

static void usage(void)
{
    fprintf(stderr, "usage: fleet [-n N] [--threads T,T,...] [--density N] [--image N] [--noop PATH] "
                    "[--idle PATH]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *noop = NOOP_PATH, *idle = IDLE_PATH;
    int threads[16] = { 1, 2, 4, 8 }, n_threads = 4;
    long total = 2000, dense = 1000, from_image = 100;
    int enabled[NKINDS];
    struct rlimit rl;
    struct unit *units;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
            total = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--density") == 0 && a + 1 < argc)
            dense = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--image") == 0 && a + 1 < argc)
            from_image = strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--noop") == 0 && a + 1 < argc)
            noop = argv[++a];
        else if (strcmp(argv[a], "--idle") == 0 && a + 1 < argc)
            idle = argv[++a];
        else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc) {
            char *p = argv[++a];

            for (n_threads = 0; *p && n_threads < 16; n_threads++) {
                threads[n_threads] = (int)strtol(p, &p, 10);
                if (threads[n_threads] < 1 || threads[n_threads] > MAX_THREADS)
                    usage();
                p += *p == ',';
            }
        } else
            usage();
    }
    if (total < 1 || dense < 0 || from_image < 0)
        usage();
    /* Every idle libbox box holds a few fds (its pidfd among them). */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    units = calloc(dense > from_image ? dense : from_image > 0 ? from_image : 1, sizeof *units);
    if (!units)
        die("calloc");
    bench_root_make((const char *const[]){ noop, idle }, 2);
    image_store = bench_image_make();
    for (size_t k = 0; k < NKINDS; k++) {
        struct unit u = { 0 };

        enabled[k] = (!kinds[k].need || access(kinds[k].need, X_OK) == 0) &&
                     kinds[k].start(&u, "noop") == 0 && kinds[k].end(&u, 0) == 0;
        if (u.stack)
            munmap(u.stack, STACK_SIZE);
        if (!enabled[k])
            fprintf(stderr, "fleet: skipping %s: it does not work here\n", kinds[k].name);
    }

    printf("machine: %ld cores; euid %d; %ld boxes per throughput case\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), (int)geteuid(), total);
    printf("| case: boxes launched (spawn + wait) per second |");
    for (int t = 0; t < n_threads; t++)
        printf(" %d thread%s |", threads[t], threads[t] > 1 ? "s" : "");
    printf("\n|---|");
    for (int t = 0; t < n_threads; t++)
        printf("---:|");
    printf("\n");
    for (size_t k = 0; k < NKINDS; k++) {
        if (!enabled[k])
            continue;
        printf("| %s |", kinds[k].name);
        for (int t = 0; t < n_threads; t++) {
            double rate = throughput(&kinds[k], threads[t], total);

            if (rate < 0)
                printf(" failed |");
            else
                printf(" %.0f |", rate);
            fflush(stdout);
        }
        printf("\n");
    }

    if (dense > 0) {
        struct meminfo per[NKINDS];
        int ok[NKINDS];

        memcg_make();
        printf("\n%ld idle boxes at once, per box (KiB; from /proc/meminfo deltas, and charged to "
               "a memory cgroup of this process's own: memcg):\n\n", dense);
        for (size_t k = 0; k < NKINDS; k++)
            ok[k] = enabled[k] && density(&kinds[k], units, dense, &per[k]) == 0;
        printf("| case | memcg | MemAvailable used | Slab | PageTables | KernelStack | processes "
               "| x floor-ns (memcg) | x floor-ns (MemAvailable) |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (size_t k = 0; k < NKINDS; k++) {
            if (!ok[k]) {
                printf("| %s | failed or skipped | | | | | | | |\n", kinds[k].name);
                continue;
            }
            if (per[k].memcg >= 0)
                printf("| %s | %ld |", kinds[k].name, per[k].memcg);
            else
                printf("| %s | - |", kinds[k].name);
            printf(" %ld | %ld | %ld | %ld | %ld | ", per[k].avail, per[k].slab,
                   per[k].pagetables, per[k].kstack, per[k].procs);
            if (ok[0] && per[0].memcg > 0 && per[k].memcg >= 0)
                printf("%.2f | ", (double)per[k].memcg / per[0].memcg);
            else
                printf("- | ");
            if (ok[0] && per[0].avail > 0)
                printf("%.2f |\n", (double)per[k].avail / per[0].avail);
            else
                printf("- |\n");
        }
        /* A killed sandbox's last processes (bwrap's inner ones) may still be exiting. */
        for (int tries = 0; memcg_dir[0] && rmdir(memcg_dir) < 0; tries++)
            if (errno != EBUSY || tries == 200) {
                fprintf(stderr, "fleet: rmdir %s: %s\n", memcg_dir, strerror(errno));
                break;
            } else
                usleep(10000);
    }
    if (from_image > 0) {
        static const struct {
            const char *name;
            unsigned int flags;
        } layers[] = { { "ephemeral (default)", 0 }, { "BOX_IMAGE_COMMIT", BOX_IMAGE_COMMIT } };

        printf("\n%ld idle boxes from one image, started one after the other, each writing "
               "%d KiB into its root:\n\n", from_image, IMAGE_WRITE_KIB);
        printf("| writable layer | all running after | store on disk, per box | the box's "
               "writable layer (statfs of its root) |\n|---|---:|---:|---:|\n");
        for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
            struct image_run r = image_fleet(units, from_image, layers[i].flags);

            if (r.ms < 0)
                printf("| %s | failed | | |\n", layers[i].name);
            else if (layers[i].flags) /* statfs would be the whole store's file system */
                printf("| %s | %.0f ms (%.2f ms per box) | +%.1f KiB | in the store |\n",
                       layers[i].name, r.ms, r.ms / from_image, r.disk_kib);
            else
                printf("| %s | %.0f ms (%.2f ms per box) | +%.1f KiB | %.0f KiB |\n",
                       layers[i].name, r.ms, r.ms / from_image, r.disk_kib, r.layer_kib);
        }
    }
    bench_image_remove(image_store);
    bench_root_remove();
    free(units);
    return 0;
}
