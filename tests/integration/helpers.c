/* Integration-test helpers; see helpers.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

int run_argv(box_t *box, const char *const argv[], char *out, size_t size, box_status_t *st)
{
    int p[2], r;
    size_t len = 0;
    ssize_t n;

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, 0, 0), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    r = box_spawn(box, argv);
    close(p[1]);
    while (out && len + 1 < size && (n = read(p[0], out + len, size - 1 - len)) > 0)
        len += (size_t)n;
    if (out)
        out[len] = '\0';
    close(p[0]);
    if (r < 0 || (r = box_wait(box, -1, st)) < 0) /* say why, for the failure that follows */
        print_message("run_box: %s\n", box_errmsg(box));
    return r;
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

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "re");
    int n = 0, c;

    assert_non_null(f);
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

void leak_snapshot(struct leak_snapshot *s)
{
    s->fds = count_dir("/proc/self/fd");
    s->mounts = count_lines("/proc/self/mountinfo");
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

    leak_snapshot(&now);
    if (now.fds != before->fds) {
        print_message("%d fds open before, %d now:\n", before->fds, now.fds);
        print_fds();
    }
    assert_int_equal(now.fds, before->fds);
    assert_int_equal(now.mounts, before->mounts);
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
