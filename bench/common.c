/* The benchmarks' shared parts (common.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <box.h>

#include "common.h"

char bench_root[] = "/tmp/boxbench.XXXXXX";
static char paths[8][sizeof bench_root + 64];
static size_t n_paths;

static int root_made; /* bench_root_make ran, bench_root_remove not yet */
static char image_dir[] = "/tmp/boxbench-image.XXXXXX";

void die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    /* A benchmark that fails leaves no temporary directory behind either. */
    if (root_made)
        bench_root_remove();
    bench_image_remove(NULL);
    exit(1);
}

double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int wait_ok(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
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
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            die(to);
    if (n < 0)
        die(from);
    close(in);
    close(out);
}

void bench_root_make(const char *const programs[], size_t n)
{
    char path[sizeof bench_root + 16];

    for (size_t i = 0; i < n; i++)
        if (access(programs[i], R_OK) < 0)
            die(programs[i]);
    if (n > sizeof paths / sizeof paths[0] || !mkdtemp(bench_root))
        die("mkdtemp");
    chmod(bench_root, 0755);
    root_made = 1;
    for (n_paths = 0; n_paths < n; n_paths++) {
        const char *base = strrchr(programs[n_paths], '/');

        snprintf(paths[n_paths], sizeof paths[0], "%s/%s", bench_root,
                 base ? base + 1 : programs[n_paths]);
        copy_file(programs[n_paths], paths[n_paths]);
    }
    for (const char *const *d = (const char *const[]){ "proc", "dev", NULL }; *d; d++) {
        snprintf(path, sizeof path, "%s/%s", bench_root, *d);
        if (mkdir(path, 0755) < 0)
            die(path);
    }
}

const char *bench_root_path(const char *name)
{
    for (size_t i = 0; i < n_paths; i++) {
        const char *base = strrchr(paths[i], '/') + 1;

        if (strcmp(base, name) == 0)
            return paths[i];
    }
    fprintf(stderr, "bench: %s is not in the root\n", name);
    exit(1);
}

void bench_root_remove(void)
{
    char cmd[sizeof bench_root + 16];

    /* All of it: the programs, proc/ and dev/, and any mount point a box made in it. */
    root_made = 0;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bench_root);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: warning: cannot remove %s\n", bench_root);
}

box_store_t *bench_image_make(void)
{
    char cmd[2048], store[256], tarball[256];
    box_store_t *s = NULL;

    if (!mkdtemp(image_dir))
        die("mkdtemp");
    snprintf(store, sizeof store, "%s/store", image_dir);
    snprintf(tarball, sizeof tarball, "%s/image.tar", image_dir);
    snprintf(cmd, sizeof cmd,
             "set -e; r='%s'; cd '%s'; tar -C \"$r\" -cf layer.tar .; "
             "h=$(sha256sum layer.tar | cut -c1-64); "
             "printf '{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $h > config.json; "
             "echo '[{\"Config\":\"config.json\",\"Layers\":[\"layer.tar\"]}]' > manifest.json; "
             "tar -cf image.tar config.json manifest.json layer.tar", bench_root, image_dir);
    if (system(cmd) != 0 || box_store_open(&s, store, BOX_STORE_CREATE) < 0) {
        fprintf(stderr, "bench: cannot make the image store in %s\n", image_dir);
        bench_image_remove(s);
        return NULL;
    }
    if (box_image_import(s, tarball, BENCH_IMAGE) < 0) {
        fprintf(stderr, "bench: image: %s\n", box_store_errmsg(s));
        bench_image_remove(s);
        return NULL;
    }
    return s;
}

void bench_image_remove(box_store_t *store)
{
    char cmd[sizeof image_dir + 16];

    box_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", image_dir);
    if (image_dir[strlen(image_dir) - 1] != 'X' && system(cmd) != 0)
        fprintf(stderr, "bench: cannot remove %s\n", image_dir);
    strcpy(image_dir + strlen(image_dir) - 6, "XXXXXX"); /* removed: nothing to remove */
}

struct floor_arg {
    const char *path;
    const char *lower; /* floor_ns_overlay_start's layer, or NULL */
    int go;
};

/* A detached mount of a new file system: with fds, an overlay of fds[0] (lower), fds[1]
 * (upper) and fds[2] (work); else a tmpfs (mode 0700). Its fd, or -1. */
static int new_fs(const char *fstype, const int *fds, int userxattr)
{
    int fs = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC), m = -1;

    if (fs < 0)
        return -1;
    if (fds ? syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "lowerdir+", NULL, fds[0]) == 0 &&
                  syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "upperdir", NULL, fds[1]) == 0 &&
                  syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "workdir", NULL, fds[2]) == 0 &&
                  (!userxattr ||
                   syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) == 0)
            : syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0) == 0)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
            m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    close(fs);
    return m;
}

/* What the kernel must do for a box with an overlay root and nothing else, as libbox's
 * step OVERLAY does it: the layer opened, a tmpfs for the upper and work dirs attached at
 * /tmp, the overlay made from fds and stacked on top of it there. */
static int floor_overlay(const char *lower)
{
    int fds[3], scratch, ovl, ok;

    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        (fds[0] = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (scratch = new_fs("tmpfs", NULL, 0)) < 0 ||
        syscall(SYS_move_mount, scratch, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
        mkdirat(scratch, "u", 0755) < 0 || mkdirat(scratch, "w", 0755) < 0 ||
        (fds[1] = openat(scratch, "u", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (fds[2] = openat(scratch, "w", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (ovl = new_fs("overlay", fds, 1)) < 0)
        return -1;
    ok = syscall(SYS_move_mount, ovl, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) == 0;
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    close(scratch);
    close(ovl);
    return ok ? 0 : -1;
}

static int floor_ns_child(void *p)
{
    const struct floor_arg *a = p; /* at the top of the child's own stack */
    char *const argv[] = { (char *)a->path, NULL }, *const envp[] = { NULL };
    char c;

    if (read(a->go, &c, 1) != 1 || (a->lower && floor_overlay(a->lower) < 0))
        _exit(126);
    execve(argv[0], argv, envp);
    _exit(127);
}

static int write_proc(pid_t pid, const char *name, const char *text)
{
    char path[64];
    size_t len = strlen(text);
    int fd, ok;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

static pid_t floor_start(const char *path, const char *lower, char *stack_top, const int go[2])
{
    /* The child may run only after this function has returned: its argument lives at the
     * top of its own stack, below which it runs. */
    struct floor_arg *a = (struct floor_arg *)(stack_top - 64);
    char map[64];
    pid_t pid;
    int ret = 0;

    *a = (struct floor_arg){ path, lower, go[0] };
    pid = clone(floor_ns_child, (char *)a, CLONE_VM | BENCH_ALL_NS | SIGCHLD, a);
    if (pid < 0)
        return -1;
    snprintf(map, sizeof map, "0 %d 1\n", (int)geteuid());
    if (write_proc(pid, "uid_map", map) < 0)
        ret = -1;
    if (geteuid() != 0 && write_proc(pid, "setgroups", "deny") < 0)
        ret = -1;
    snprintf(map, sizeof map, "0 %d 1\n", (int)getegid());
    if (write_proc(pid, "gid_map", map) < 0)
        ret = -1;
    if (ret < 0 || write(go[1], "x", 1) != 1) {
        kill(pid, SIGKILL);
        wait_ok(pid);
        return -1;
    }
    return pid;
}

pid_t floor_ns_start(const char *path, char *stack_top, const int go[2])
{
    return floor_start(path, NULL, stack_top, go);
}

pid_t floor_ns_overlay_start(const char *lower, const char *path, char *stack_top,
                             const int go[2])
{
    return floor_start(path, lower, stack_top, go);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

void stats(double *v, size_t n, double *median, double *p99)
{
    size_t p;

    qsort(v, n, sizeof *v, cmp_double);
    *median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    p = (size_t)(0.99 * n + 0.999999); /* ceil(0.99 n), 1-based */
    *p99 = v[(p > 0 ? p : 1) - 1];
}
