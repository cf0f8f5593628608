/* Integration-test helpers; see helpers.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

const char *test_rootfs;
int test_rootless;

box_t *new_test_box(void)
{
    box_t *box = NULL;

    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root(box, test_rootfs, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    return box;
}

void map_id_range(box_t *box)
{
    assert_int_equal(box_add_uid_map(box, 0, 100000, 65536), 0);
    assert_int_equal(box_add_gid_map(box, 0, 100000, 65536), 0);
}

int run_box(box_t *box, const char *script, char *out, size_t size, box_status_t *st)
{
    const char *const argv[] = { "sh", "-c", script, NULL };

    return run_argv(box, argv, out, size, st);
}

void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int r;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    r = system(cmd);
    if (r != 0)
        print_message("sh: status %#x: %s\n", r, cmd);
    assert_int_equal(r, 0);
}

void read_all(int fd, char *out, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size && (n = read(fd, out + len, size - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
}

int run_argv(box_t *box, const char *const argv[], char *out, size_t size, box_status_t *st)
{
    int p[2], r;

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, 0, 0), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    r = box_spawn(box, argv);
    close(p[1]);
    if (out)
        read_all(p[0], out, size);
    close(p[0]);
    if (r < 0 || (r = box_wait(box, -1, st)) < 0) /* say why, for the failure that follows */
        print_message("run_box: %s\n", box_errmsg(box));
    return r;
}

int exec_box(box_t *box, const char *script, const box_exec_opts_t *with, char *out,
             size_t size, box_status_t *st)
{
    const char *const argv[] = { "sh", "-c", script, NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_proc_t *proc;
    int p[2], r;

    if (with)
        opts = *with;
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    opts.stdout_fd = p[1];
    if (opts.stderr_fd < 0)
        opts.stderr_fd = p[1];
    r = box_exec(box, argv, &opts, &proc);
    close(p[1]);
    read_all(p[0], out, size);
    close(p[0]);
    if (r < 0) {
        print_message("exec: %s\n", box_errmsg(box));
        return r;
    }
    assert_int_equal(box_proc_wait(proc, -1, st), 0);
    box_proc_free(proc);
    return 0;
}

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

/* Calls fn for each line of /proc/self/mountinfo: its mount id and mount point. */
static void each_mount(void (*fn)(int id, const char *point, void *arg), void *arg)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], point[4096];
    int id;

    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%d %*d %*s %*s %4095s", &id, point) == 2)
            fn(id, point, arg);
    fclose(f);
}

static void note_mount(int id, const char *point, void *arg)
{
    struct leak_snapshot *s = arg;

    (void)point;
    if (s->n_mounts < (int)(sizeof s->mount_ids / sizeof s->mount_ids[0]))
        s->mount_ids[s->n_mounts++] = id;
}

void leak_snapshot(struct leak_snapshot *s)
{
    s->fds = count_dir("/proc/self/fd");
    s->n_mounts = 0;
    each_mount(note_mount, s);
}

struct mount_check {
    const struct leak_snapshot *before;
    int leaks;
};

/* A mount that was not there before, on a path of ours: counted and named. */
static void check_mount(int id, const char *point, void *arg)
{
    struct mount_check *c = arg;

    for (int i = 0; i < c->before->n_mounts; i++)
        if (c->before->mount_ids[i] == id)
            return;
    if (strncmp(point, "/tmp/libbox-", 12) && strncmp(point, "/run/libbox", 11))
        return;
    print_message("a mount is left at %s\n", point);
    c->leaks++;
}

/* What each open fd is, for the message of a failing fd count. */
static void print_fds(void)
{
    char link[64], target[256];

    for (int fd = 0; fd < 1024; fd++) {
        ssize_t n;

        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        if ((n = readlink(link, target, sizeof target - 1)) < 0)
            continue;
        target[n] = '\0';
        print_message("  fd %d: %s\n", fd, target);
    }
}

void assert_no_leaks(const struct leak_snapshot *before)
{
    struct leak_snapshot now;
    siginfo_t si = { 0 };

    struct mount_check check = { before, 0 };

    leak_snapshot(&now);
    if (now.fds != before->fds) {
        print_message("%d fds open before, %d now:\n", before->fds, now.fds);
        print_fds();
    }
    assert_int_equal(now.fds, before->fds);
    each_mount(check_mount, &check);
    assert_int_equal(check.leaks, 0);
    /* No child left, not even a zombie: waitid finds nobody. */
    assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL), -1);
    assert_int_equal(errno, ECHILD);
}

static struct leak_snapshot test_snapshot;

int leak_setup(void **state)
{
    (void)state;
    leak_snapshot(&test_snapshot);
    return 0;
}

int leak_teardown(void **state)
{
    (void)state;
    assert_no_leaks(&test_snapshot);
    return 0;
}

/* Drop to nobody for the rootless run, keeping the rootfs made as root. Changing uids
 * makes a process non-dumpable, which would leave its children's /proc files to root. */
static void become_nobody(void)
{
    if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
        setresuid(65534, 65534, 65534) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0) {
        perror("drop privileges");
        exit(1);
    }
}

int test_main(int argc, char **argv, const struct CMUnitTest *root_tests, size_t n_root,
              const struct CMUnitTest *rootless_tests, size_t n_rootless)
{
    char rootfs[64] = "/tmp/libbox-rootfs-XXXXXX", cmd[512];
    const char *mkrootfs = getenv("BOX_TEST_MKROOTFS"), *only = getenv("BOX_TEST_ONLY");
    int status, rc;
    pid_t pid;

    test_rootless = argc > 1 && strcmp(argv[1], "--rootless") == 0;
    if (!test_rootless && geteuid() != 0) {
        fprintf(stderr, "the root suite needs root; skipping\n");
        return 77;
    }
    /* Make the rootfs (as whoever we are now), then run the tests in a child that may drop
     * privileges, and remove the rootfs with the privileges that made it. */
    if (!mkrootfs || !mkdtemp(rootfs) || chmod(rootfs, 0755) < 0) {
        fprintf(stderr, "BOX_TEST_MKROOTFS not set or mkdtemp failed\n");
        return 1;
    }
    snprintf(cmd, sizeof cmd, "sh '%s' '%s/root'", mkrootfs, rootfs);
    if (system(cmd) != 0)
        return 1;
    strcat(rootfs, "/root");
    test_rootfs = rootfs;
    if (only) /* a glob over test names, for working on one test */
        cmocka_set_test_filter(only);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        if (test_rootless && geteuid() == 0)
            become_nobody();
        _exit(test_rootless ? _cmocka_run_group_tests("rootless", rootless_tests, n_rootless,
                                                      NULL, NULL)
                            : _cmocka_run_group_tests("root", root_tests, n_root, NULL, NULL));
    }
    waitpid(pid, &status, 0);
    rootfs[strlen(rootfs) - 5] = '\0';
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", rootfs);
    rc = system(cmd);
    if (rc != 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Bytes that arrive on fd within ms milliseconds (all read, nothing kept). */
size_t output_within(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char buf[4096];
    size_t total = 0;
    ssize_t n;

    while (poll(&p, 1, ms) > 0 && (n = read(fd, buf, sizeof buf)) > 0) {
        total += (size_t)n;
        ms = 0;
    }
    return total;
}
