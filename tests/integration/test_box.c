/* Integration tests: real boxes on the real kernel, checked from inside. The same binary
 * runs as root and, with --rootless, as an unprivileged user (nobody). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <stdbool.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "helpers.h"

/* box_new's PATH, which a name without '/' is looked up in. */
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

#define OUT_MAX 8192


/* Run script in a default test box; expect exit 0 and return its stdout. */
static char *run_ok(const char *script)
{
    static char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    assert_int_equal(run_box(box, script, out, sizeof out, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
    box_free(box);
    return out;
}

static char *make_host_dir(void)
{
    char *dir = strdup("/tmp/libbox-test-XXXXXX");

    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_host_dir(char *dir)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void test_pid1(void **state)
{
    (void)state;
    assert_string_equal(run_ok("echo $$"), "1\n");
}

static void test_proc_shows_only_box(void **state)
{
    (void)state;
    /* sh is pid 1 and the subshell running echo is the only other process. */
    char *out = run_ok("cd /proc && echo [0-9]*");
    int n = 0;

    for (char *t = strtok(out, " \n"); t; t = strtok(NULL, " \n")) {
        assert_true(atoi(t) < 10);
        n++;
    }
    assert_in_range(n, 1, 3);
}

static void test_hostname(void **state)
{
    char before[128], after[128], out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    gethostname(before, sizeof before);
    assert_int_equal(box_set_hostname(box, "testbox-42"), 0);
    assert_int_equal(run_box(box, "hostname", out, sizeof out, &st), 0);
    assert_string_equal(out, "testbox-42\n");
    gethostname(after, sizeof after);
    assert_string_equal(before, after);
    box_free(box);
}

/* One line of a file of the caller's, without its newline. */
static void read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");

    assert_non_null(f);
    assert_non_null(fgets(buf, (int)size, f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* box_set_sysctl: namespaced settings (network, IPC, UTS) are written in the box's own
 * namespaces and read back inside, the host's values unchanged; the host's own settings,
 * bad names, a missing namespace and a value the kernel refuses are errors. */
static void test_sysctl(void **state)
{
    static const char *const files[] = { "/proc/sys/net/ipv4/ip_forward",
                                         "/proc/sys/net/ipv4/ping_group_range",
                                         "/proc/sys/kernel/shmmax",
                                         "/proc/sys/kernel/domainname" };
    char before[4][128], after[128], out[OUT_MAX], want[256];
    const char *fwd;
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    for (int i = 0; i < 4; i++)
        read_line(files[i], before[i], sizeof before[i]);
    fwd = strcmp(before[0], "1") ? "1" : "0"; /* the other value than the host's */
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ip_forward", fwd), 0);
    assert_int_equal(box_set_sysctl(box, "net/ipv4/ping_group_range", "1 0"), 0);
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ping_group_range", "0 0"), 0); /* replaces */
    assert_int_equal(box_set_sysctl(box, "kernel.shmmax", "12345678"), 0);
    assert_int_equal(box_set_sysctl(box, "kernel.domainname", "box.example"), 0);
    assert_int_equal(run_box(box, "cat /proc/sys/net/ipv4/ip_forward "
                             "/proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmax "
                             "/proc/sys/kernel/domainname", out, sizeof out, &st), 0);
    snprintf(want, sizeof want, "%s\n0\t0\n12345678\nbox.example\n", fwd);
    assert_string_equal(out, want);
    for (int i = 0; i < 4; i++) {
        read_line(files[i], after, sizeof after);
        assert_string_equal(after, before[i]);
    }
    box_free(box);

    /* The kernel refuses the value (the low end above the high one); the host's own
     * settings are refused at the call (unit test test_sysctl_checks, with the names). */
    box = new_test_box();
    assert_int_equal(box_set_sysctl(box, "kernel.panic", "1"), -EPERM);
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ping_group_range", "5 1"), 0);
    assert_int_equal(run_box(box, "true", out, sizeof out, &st), -EINVAL);
    assert_string_equal(box_error_step(box), "sysctl");
    assert_non_null(strstr(box_errmsg(box), "net.ipv4.ping_group_range = '5 1'"));
    box_free(box);

    /* Without its namespace the setting would be the host's. */
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_NET), 0);
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ip_forward", fwd), 0);
    assert_int_equal(run_box(box, "true", out, sizeof out, &st), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "needs BOX_NS_NET"));
    box_free(box);
    read_line(files[0], after, sizeof after);
    assert_string_equal(after, before[0]);
}

static void test_pivot_root_mount_table(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 01777, 0), 0);
    /* Only our mounts exist (and the read-only covers of /proc's host-wide parts): a chroot
     * would still list every host mount. */
    assert_int_equal(run_box(box, "awk '{print $5}' /proc/self/mountinfo | grep -v '^/proc/'; "
                                  "grep -c ' /proc/sys ro,' /proc/self/mountinfo",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "/\n/proc\n/tmp\n1\n");
    box_free(box);
}

/* Write an executable script at dir/name. */
static void write_script(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_non_null(f = fopen(path, "w"));
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
}

/* box_hook: BOX_HOOK_MOUNTED runs in the box's mount namespace with its mounts made but the
 * root not yet pivoted (the caller's files are there, the box's tmpfs at ROOT/tmp);
 * BOX_HOOK_START runs in the box's root after box_start, before the program; each reads
 * its input on stdin, and the three run in that order. */
static void test_hooks(void **state)
{
    char *dir = make_host_dir(), path[512], script[1024], log[256] = "";
    const char *const mounted[] = { path, "arg1", NULL };
    const char *const start[] = { "/mnt/start.sh", NULL };
    const char *const env[] = { "WHO=env", NULL };
    const char *const prog[] = { "sh", "-c", "echo program >> /mnt/log", NULL };
    box_status_t st;
    box_t *box = new_test_box();
    FILE *f;

    (void)state;
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "in=$(cat)\n"
             "grep -q ' %s/tmp ' /proc/self/mountinfo && m=box-tmpfs\n"
             "[ -e %s/mounted.sh ] && h=host-root\n"
             "echo \"mounted $1 $WHO $in $m $h $(umask)\" >> %s/log\n",
             test_rootfs, dir, dir);
    write_script(dir, "mounted.sh", script);
    write_script(dir, "start.sh", "#!/bin/sh\n"
                                  "in=$(cat)\n"
                                  "[ -e /mnt/mounted.sh ] && [ -x /bin/busybox ] && r=box-root\n"
                                  "echo \"start $in $r $(id -u)\" >> /mnt/log\n");
    snprintf(path, sizeof path, "%s/mounted.sh", dir);
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 01777, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, dir, "/mnt", 0), 0);
    assert_int_equal(box_set_option(box, BOX_OPT_HOLD, 1), 0);
    assert_int_equal(box_hook(box, BOX_HOOK_MOUNTED, path, mounted, env, "in-1", 4, 5000), 0);
    assert_int_equal(box_hook(box, BOX_HOOK_START, "/mnt/start.sh", start, NULL, "in-2", 4, 0), 0);
    umask(022);
    if (box_spawn(box, prog) != 0)
        fail_msg("%s", box_errmsg(box));
    snprintf(path, sizeof path, "%s/log", dir);
    assert_non_null(f = fopen(path, "r"));
    assert_true(fread(log, 1, sizeof log - 1, f) > 0);
    fclose(f);
    assert_string_equal(log, "mounted arg1 env in-1 box-tmpfs host-root 0022\n");
    assert_int_equal(box_start(box), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_non_null(f = fopen(path, "r"));
    memset(log, 0, sizeof log);
    assert_true(fread(log, 1, sizeof log - 1, f) > 0);
    fclose(f);
    assert_string_equal(log, "mounted arg1 env in-1 box-tmpfs host-root 0022\n"
                             "start in-2 box-root 0\nprogram\n");
    box_free(box);
    remove_host_dir(dir);
}

/* A hook that fails fails the spawn (or the start) at its step, naming it, and leaves
 * nothing (leak_teardown): a non-zero exit, a signal, a timeout, a program that is not
 * there; the box's program never runs. */
static void test_hook_failures(void **state)
{
    static const struct {
        int when;
        const char *script;
        unsigned int timeout_ms;
        int err;
        const char *says;
    } cases[] = {
        { BOX_HOOK_MOUNTED, "exit 3", 0, -EIO, "exited with status 3" },
        { BOX_HOOK_MOUNTED, "kill -9 $$", 0, -EIO, "killed by signal 9" },
        { BOX_HOOK_MOUNTED, "exec sleep 10", 200, -ETIMEDOUT, "did not end within its timeout of 200 ms" },
        { BOX_HOOK_MOUNTED, NULL, 0, -ENOENT, "cannot run it" },
        { BOX_HOOK_START, "exit 4", 0, -EIO, "exited with status 4" },
    };
    const char *const prog[] = { "sh", "-c", "echo ran > /mnt/ran", NULL };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = make_host_dir(), path[512], text[128], want[600];
        const char *argv[] = { path, NULL };
        bool mounted = cases[i].when == BOX_HOOK_MOUNTED;
        box_t *box = new_test_box();
        int r;

        snprintf(text, sizeof text, "#!/bin/sh\n%s\n", cases[i].script ? cases[i].script : "");
        write_script(dir, "hook.sh", text);
        if (mounted)
            snprintf(path, sizeof path, "%s/%s", dir, cases[i].script ? "hook.sh" : "none");
        else
            snprintf(path, sizeof path, "/mnt/hook.sh");
        assert_int_equal(box_mount(box, BOX_MOUNT_BIND, dir, "/mnt", 0), 0);
        assert_int_equal(box_hook(box, cases[i].when, path, i % 2 ? argv : NULL, NULL, NULL, 0,
                                  cases[i].timeout_ms), 0);
        if (!mounted)
            assert_int_equal(box_set_option(box, BOX_OPT_HOLD, 1), 0);
        r = box_spawn(box, prog);
        if (!mounted) {
            assert_int_equal(r, 0);
            r = box_start(box);
        }
        assert_int_equal(r, cases[i].err);
        assert_string_equal(box_error_step(box), mounted ? "hook-mounted" : "hook-start");
        snprintf(want, sizeof want, "hook 0 (%s) %s: %s",
                 mounted ? "BOX_HOOK_MOUNTED" : "BOX_HOOK_START", path, cases[i].says);
        if (!strstr(box_errmsg(box), want))
            fail_msg("case %zu: '%s' does not say '%s'", i, box_errmsg(box), want);
        snprintf(path, sizeof path, "%s/ran", dir);
        assert_int_equal(access(path, F_OK), -1);
        box_free(box);
        remove_host_dir(dir);
    }
}

/* box_hook_caller: what its function sees and does, for test_hook_caller. */
struct caller_seen {
    const char *log;
    pid_t pid;
    int ret;          /* what the function returns */
    bool other_mnt;   /* the first process is in a mount namespace other than ours */
    int input_r;      /* box_hook_input's result in the function */
};

static int caller_fn(box_t *box, void *data)
{
    struct caller_seen *s = data;
    char link[64], ours[64] = "", its[64] = "", input[32];
    FILE *f = fopen(s->log, "a");

    s->pid = box_pid(box);
    snprintf(link, sizeof link, "/proc/%d/ns/mnt", (int)s->pid);
    s->other_mnt = readlink("/proc/self/ns/mnt", ours, sizeof ours - 1) > 0 &&
                   readlink(link, its, sizeof its - 1) > 0 && strcmp(ours, its) != 0;
    snprintf(input, sizeof input, "pid=%d", (int)s->pid);
    s->input_r = box_hook_input(box, BOX_HOOK_MOUNTED, 0, input, strlen(input));
    if (f) {
        fputs("caller\n", f);
        fclose(f);
    }
    return s->ret;
}

/* box_hook_caller: the caller's function runs during box_spawn, in the caller, once the
 * first process is in its namespaces (box_pid says it) and before the BOX_HOOK_MOUNTED
 * hooks, whose input it may replace (box_hook_input); one that fails fails the spawn at
 * step hook-caller, and neither the hooks nor the program run. */
static void test_hook_caller(void **state)
{
    char *dir = make_host_dir(), path[512], log[512], text[256] = "", want[128];
    const char *const hook[] = { path, NULL };
    const char *const prog[] = { "sh", "-c", "echo program >> /mnt/log", NULL };
    struct caller_seen seen = { .log = log };
    box_status_t st;
    box_t *box;
    FILE *f;

    (void)state;
    write_script(dir, "mounted.sh", "#!/bin/sh\necho \"mounted $(cat)\" >> \"$0.log\"\n");
    snprintf(path, sizeof path, "%s/mounted.sh", dir);
    snprintf(log, sizeof log, "%s/mounted.sh.log", dir);
    for (int fails = 0; fails < 2; fails++) {
        box = new_test_box();
        seen.ret = fails ? -EPERM : 0;
        unlink(log);
        assert_int_equal(box_mount(box, BOX_MOUNT_BIND, dir, "/mnt", 0), 0);
        assert_int_equal(box_hook(box, BOX_HOOK_MOUNTED, path, hook, NULL, "old", 3, 5000), 0);
        assert_int_equal(box_hook_caller(box, BOX_HOOK_MOUNTED, caller_fn, &seen), 0);
        if (!fails) {
            if (box_spawn(box, prog) != 0)
                fail_msg("%s", box_errmsg(box));
            assert_int_equal(box_wait(box, -1, &st), 0);
            assert_int_equal(st.exit_code, 0);
            assert_int_equal(seen.pid, box_pid(box));
            assert_true(seen.other_mnt);
            assert_int_equal(seen.input_r, 0);
            snprintf(want, sizeof want, "caller\nmounted pid=%d\n", (int)seen.pid);
        } else {
            assert_int_equal(box_spawn(box, prog), -EPERM);
            assert_string_equal(box_error_step(box), "hook-caller");
            assert_non_null(strstr(box_errmsg(box), "box_hook_caller"));
            snprintf(want, sizeof want, "caller\n");
        }
        assert_non_null(f = fopen(log, "r"));
        memset(text, 0, sizeof text);
        assert_true(fread(text, 1, sizeof text - 1, f) > 0);
        fclose(f);
        assert_string_equal(text, want);
        snprintf(text, sizeof text, "%s/log", dir);
        assert_int_equal(access(text, F_OK), fails ? -1 : 0);
        unlink(text);
        box_free(box);
    }
    remove_host_dir(dir);
}

/* box_hook's checks, at the call. */
static void test_hook_checks(void **state)
{
    const char *const rel[] = { "hook", NULL }, *const ok[] = { "/bin/true", NULL };
    box_t *box = new_test_box();

    (void)state;
    const char *const empty[] = { NULL };

    assert_int_equal(box_hook(NULL, BOX_HOOK_START, ok[0], ok, NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(box_hook(box, (box_hook_t)3, ok[0], ok, NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(box_hook(box, BOX_HOOK_START, NULL, ok, NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(box_hook(box, BOX_HOOK_START, rel[0], rel, NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(box_hook(box, BOX_HOOK_START, ok[0], empty, NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(box_hook(box, BOX_HOOK_START, ok[0], ok, NULL, NULL, 1, 0), -EINVAL);
    for (int i = 0; i < 64; i++)
        assert_int_equal(box_hook(box, BOX_HOOK_START, ok[0], ok, NULL, "x", 1, 0), 0);
    assert_int_equal(box_hook(box, BOX_HOOK_START, ok[0], NULL, NULL, NULL, 0, 0), -E2BIG);
    assert_int_equal(box_hook_caller(box, BOX_HOOK_START, NULL, NULL), -EINVAL);
    assert_int_equal(box_hook_caller(NULL, BOX_HOOK_MOUNTED, NULL, NULL), -EINVAL);
    assert_int_equal(box_hook_input(box, BOX_HOOK_START, 63, "y", 1), 0);
    assert_int_equal(box_hook_input(box, BOX_HOOK_START, 64, "y", 1), -ENOENT);
    assert_int_equal(box_hook_input(box, BOX_HOOK_MOUNTED, 0, "y", 1), -ENOENT);
    assert_int_equal(box_hook_input(box, BOX_HOOK_START, 0, NULL, 1), -EINVAL);
    assert_int_equal(box_hook_input(NULL, BOX_HOOK_START, 0, NULL, 0), -EINVAL);
    box_free(box);
}

/* box_mknod S_IFIFO: a named pipe with its mode and owner, made with or without a user
 * namespace (the kernel allows fifos where it refuses device nodes); a fifo has no
 * device number. */
static void test_mknod_fifo(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 01777, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_mknod(box, "/tmp/sub/fifo", S_IFIFO | 0620, 0, 0, 0, 0), 0);
    assert_int_equal(box_mknod(box, "/tmp/x", S_IFIFO | 0600, 1, 3, 0, 0), -EINVAL);
    assert_int_equal(run_box(box, "stat -c '%F %a %u' /tmp/sub/fifo; "
                                  "(echo through >/tmp/sub/fifo &); cat /tmp/sub/fifo",
                             out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "fifo 620 0\nthrough\n");
    box_free(box);
}

static void test_old_root_unreachable(void **state)
{
    (void)state;
    /* /.. is / itself, and no trace of the host's root is reachable by path. */
    assert_string_equal(run_ok("cd /..; pwd; echo $(ls /)"), "/\nbin dev etc mnt proc sbin tmp\n");
}

/* Box root may be host uid 0 (root caller, default map): host sysctls stay out of reach. */
static void test_proc_sys_readonly(void **state)
{
    (void)state;
    assert_string_equal(run_ok("id -u; cat /proc/sys/vm/overcommit_ratio > "
                               "/proc/sys/vm/overcommit_ratio 2>&- || echo denied"),
                        "0\ndenied\n");
}

static void test_bind_rw_ro(void **state)
{
    char *host = make_host_dir(), path[300], out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;
    FILE *f;

    (void)state;
    /* Mount points are made in a tmpfs: a rootless box cannot create them in the root. */
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt/rw", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt/ro", BOX_MOUNT_RO), 0);
    assert_int_equal(run_box(box,
                             "echo written > /mnt/rw/file; "
                             "if touch /mnt/ro/other 2>&-; then echo ro-writable; fi; "
                             "grep ' /mnt/ro ' /proc/self/mountinfo | cut -d' ' -f6",
                             out, sizeof out, &st),
                     0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "ro,nosuid,nodev,relatime\n");
    snprintf(path, sizeof path, "%s/file", host);
    f = fopen(path, "re");
    assert_non_null(f);
    assert_non_null(fgets(out, sizeof out, f));
    fclose(f);
    assert_string_equal(out, "written\n");
    snprintf(path, sizeof path, "%s/other", host);
    assert_int_equal(access(path, F_OK), -1);
    box_free(box);
    remove_host_dir(host);
}

static void test_tmpfs_empty_and_sized(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 1 << 20, 0700, 0), 0);
    assert_int_equal(run_box(box,
                             "ls -A /tmp | wc -l; stat -c %a /tmp; "
                             "df -k /tmp | tail -1 | awk '{print $2}'; "
                             "head -c 2000000 /bin/busybox > /tmp/big 2>&- || echo full",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "0\n700\n1024\nfull\n");
    box_free(box);
}

/* BOX_MOUNT_COPY_UP (OCI's tmpcopyup): the tmpfs starts with a copy of what was at its
 * target, modes and owners kept; writes stay in the tmpfs. */
static void test_tmpfs_copy_up(void **state)
{
    char *host = make_host_dir(), path[300], out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    snprintf(path, sizeof path, "%s/sub", host);
    assert_int_equal(mkdir(path, 0750), 0);
    snprintf(path, sizeof path, "%s/sub/f", host);
    assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640)), 0);
    snprintf(path, sizeof path, "%s/link", host);
    assert_int_equal(symlink("sub/f", path), 0);
    snprintf(path, sizeof path, "%s/fifo", host);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt/orig", BOX_MOUNT_RO), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt/up", 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/mnt/up", 0, 01777, BOX_MOUNT_COPY_UP), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/mnt/p", BOX_MOUNT_COPY_UP),
                     -EINVAL);
    assert_int_equal(run_box(box,
                             "echo data > /mnt/up/sub/f; cat /mnt/up/sub/f; "
                             "s() { stat -c '%a %u %g' $1/sub $1/sub/f $1/fifo; }; "
                             "[ \"$(s /mnt/orig)\" = \"$(s /mnt/up)\" ] && echo same; "
                             "readlink /mnt/up/link; [ -p /mnt/up/fifo ] && echo fifo; "
                             "stat -c %a /mnt/up; stat -f -c %T /mnt/up; "
                             "[ $(stat -c %d /mnt/up) != $(stat -c %d /mnt/orig) ] && echo own; "
                             "[ -s /mnt/orig/sub/f ] || echo host-untouched",
                             out, sizeof out, &st),
                     0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "data\nsame\nsub/f\nfifo\n1777\ntmpfs\nown\nhost-untouched\n");
    box_free(box);
    remove_host_dir(host);
}

static void test_dev(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(run_box(box,
                             "echo $(ls /dev); echo x > /dev/null && "
                             "head -c 4 /dev/zero | wc -c; readlink /dev/ptmx; "
                             "readlink /dev/stdout",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "core fd full null ptmx pts random shm stderr stdin stdout tty "
                             "urandom zero\n4\npts/ptmx\n/proc/self/fd/1\n");
    box_free(box);
}

/* sysfs and cgroup2 mounts, and OCI's masked and read-only paths: only what exists is
 * hidden or protected, and nothing is created for them. */
static void test_sysfs_mask_readonly(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    /* Everything in a tmpfs: a rootless box cannot make mount points in the root. */
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYSFS, NULL, "/mnt/sys", BOX_MOUNT_RO), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_CGROUP2, NULL, "/mnt/sys/fs/cgroup", BOX_MOUNT_RO), 0);
    assert_int_equal(box_mkdir(box, "/mnt/ro", 0755), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_MASK, NULL, "/proc/cmdline", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_MASK, NULL, "/mnt/sys/firmware", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_MASK, NULL, "/mnt/no/such/path", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_READONLY, NULL, "/mnt/ro", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_READONLY, NULL, "/mnt/missing", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYSFS, "x", "/sys", 0), -EINVAL);
    assert_int_equal(run_box(box,
                             "head -c 16 /proc/cmdline | wc -c; ls -A /mnt/sys/firmware | wc -l; "
                             "touch /mnt/sys/firmware/x 2>&- || echo masked-ro; "
                             "[ -e /mnt/no ] || echo not-made; touch /mnt/ro/f 2>&- || echo ro; "
                             "touch /mnt/f && echo rw; [ -e /mnt/missing ] || echo not-made; "
                             "ls /mnt/sys/kernel | grep -q . && echo sysfs; "
                             "touch /mnt/sys/x 2>&- || echo sysfs-ro; "
                             "test -e /mnt/sys/fs/cgroup/cgroup.controllers && echo cgroup2",
                             out, sizeof out, &st),
                     0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "0\n0\nmasked-ro\nnot-made\nro\nrw\nnot-made\n"
                             "sysfs\nsysfs-ro\ncgroup2\n");
    box_free(box);

    /* Without a network namespace of its own a user-namespace box may not have a fresh
     * sysfs (rootless: -EPERM): it gets the host's, read-only. */
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_NET | BOX_NS_TIME)), 0);
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYSFS, NULL, "/mnt/sys", 0), 0);
    assert_int_equal(run_box(box, "test -e /mnt/sys/class/net/lo && echo lo; "
                                  "touch /mnt/sys/x 2>&- || echo sysfs-ro",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "lo\nsysfs-ro\n");
    box_free(box);
}

static void test_ipc_isolated(void **state)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    char *out;

    (void)state;
    assert_true(id >= 0);
    out = run_ok("tail -n +2 /proc/sysvipc/shm | wc -l");
    shmctl(id, IPC_RMID, NULL);
    assert_string_equal(out, "0\n");
}

static void test_net_only_lo_up(void **state)
{
    (void)state;
    assert_string_equal(run_ok("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                               "ip -o link | grep -c 'lo:.*UP'"),
                        "lo\n1\n");
}

/* The box's network namespace: not the host's, owned by the box's user namespace (so that
 * the box's root, given CAP_NET_ADMIN, administers it), lo up, and the program's first
 * child is pid 2 (what any other way of making the namespace must keep: bench/RESULTS.md,
 * the netns made beside the first process). */
static void test_netns_owned_by_box(void **state)
{
    const char *const argv[] = { "sleep", "30", NULL };
    char path[64], out[OUT_MAX];
    struct stat host, net, user, owner;
    box_status_t st;
    box_t *box;
    int fd, ufd;

    (void)state;
    box = new_test_box();
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(stat("/proc/self/ns/net", &host), 0);
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)box_pid(box));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &net), 0);
    ufd = ioctl(fd, NS_GET_USERNS);
    assert_true(ufd >= 0);
    assert_int_equal(fstat(ufd, &owner), 0);
    close(ufd);
    close(fd);
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)box_pid(box));
    assert_int_equal(stat(path, &user), 0);
    assert_false(net.st_ino == host.st_ino && net.st_dev == host.st_dev);
    assert_true(owner.st_ino == user.st_ino && owner.st_dev == user.st_dev);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);

    assert_string_equal(run_ok("sh -c 'echo $$'; ip -o link | grep -c 'lo:.*UP'"), "2\n1\n");
    box = new_test_box();
    assert_int_equal(box_cap_keep(box, "CAP_NET_ADMIN"), 0);
    assert_int_equal(run_box(box, "ip link set lo mtu 1400 && ip -o link show lo | "
                                  "grep -o 'mtu [0-9]*'", out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "mtu 1400\n");
    box_free(box);
}

/* BOX_OPT_NS_IDS: box_ns_id gives every namespace of the box as the box itself sees it
 * (stat -L of /proc/self/ns/NAME inside, inode and device), after the program has ended
 * (its zombie's /proc/PID/ns has only pid left); the time namespace, which the box shares
 * with the caller here, is the caller's. Without the option nothing is recorded. */
static void test_ns_ids(void **state)
{
    static const struct { const char *name; unsigned int ns; } types[] = {
        { "user", BOX_NS_USER }, { "pid", BOX_NS_PID }, { "mnt", BOX_NS_MNT },
        { "uts", BOX_NS_UTS }, { "ipc", BOX_NS_IPC }, { "net", BOX_NS_NET },
        { "cgroup", BOX_NS_CGROUP }, { "time", BOX_NS_TIME },
    };
    char out[OUT_MAX], want[OUT_MAX], *at = want;
    uint64_t ino = 0, dev = 0;
    struct stat host;
    box_status_t st;
    box_t *box;

    (void)state;
    box = new_test_box();
    assert_int_equal(box_ns_id(box, BOX_NS_NET, &ino, &dev), -ENOENT); /* not spawned */
    assert_int_equal(box_set_option(box, BOX_OPT_NS_IDS, 1), 0);
    assert_int_equal(box_ns_id(box, BOX_NS_NET, &ino, &dev), -ENOENT);
    assert_int_equal(run_box(box, "for n in user pid mnt uts ipc net cgroup time; do "
                                  "[ -e /proc/self/ns/$n ] && "
                                  "stat -L -c \"$n %i %d\" /proc/self/ns/$n; done",
                             out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 0);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int r = box_ns_id(box, types[i].ns, &ino, &dev);

        if (r == -ENOENT && strcmp(types[i].name, "time") == 0 &&
            access("/proc/self/ns/time", F_OK) < 0)
            continue; /* a kernel without time namespaces */
        assert_int_equal(r, 0);
        at += sprintf(at, "%s %llu %llu\n", types[i].name, (unsigned long long)ino,
                      (unsigned long long)dev);
    }
    assert_string_equal(out, want);
    if (box_ns_id(box, BOX_NS_TIME, &ino, NULL) == 0) {
        assert_int_equal(stat("/proc/self/ns/time", &host), 0);
        assert_true(ino == host.st_ino);
    }
    assert_int_equal(box_ns_id(box, BOX_NS_NET, &ino, NULL), 0);
    assert_int_equal(stat("/proc/self/ns/net", &host), 0);
    assert_false(ino == host.st_ino);
    box_free(box);

    box = new_test_box(); /* without the option */
    assert_int_equal(run_box(box, "true", out, sizeof out, &st), 0);
    assert_int_equal(box_ns_id(box, BOX_NS_NET, &ino, &dev), -ENOENT);
    box_free(box);
}

static void test_uid_map_default(void **state)
{
    char expect[128];

    (void)state;
    snprintf(expect, sizeof expect, "0 %u 1\n0 %u 1\n0 0\n", geteuid(), getegid());
    assert_string_equal(run_ok("for f in uid_map gid_map; do "
                               "set -- $(cat /proc/self/$f); echo $1 $2 $3; done; "
                               "echo $(id -u) $(id -g)"),
                        expect);
}

static void test_uid_map_range_as_user(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    map_id_range(box);
    assert_int_equal(box_set_user(box, 1000, 1001), 0);
    assert_int_equal(run_box(box, "set -- $(cat /proc/self/uid_map); echo $1 $2 $3; id -u; id -g",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "0 100000 65536\n1000\n1001\n");
    box_free(box);
}

static void test_rootless_root_is_powerless(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (!test_rootless)
        skip_because("only for the rootless run");
    /* Root inside, bound host /etc writable: the kernel still checks the real owner. */
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/etc", "/mnt/hostetc", 0), 0);
    assert_int_equal(run_box(box, "id -u; touch /mnt/hostetc/libbox-escape 2>&- || echo denied",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "0\ndenied\n");
    assert_int_equal(access("/etc/libbox-escape", F_OK), -1);
    box_free(box);
}

static void test_only_passed_fds(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;
    int leak = open("/dev/null", O_RDONLY); /* not CLOEXEC: a careless caller's fd */
    int extra = open("/dev/zero", O_RDONLY | O_CLOEXEC);

    (void)state;
    assert_int_equal(box_pass_fd(box, extra, 7), 0);
    assert_int_equal(run_box(box, "ls /proc/self/fd | tr '\\n' ' '; echo; head -c 3 <&7 | wc -c", out,
                             sizeof out, &st),
                     0);
    /* ls's own fds: its stdio, 3 for the directory it reads, and the passed 7. */
    assert_string_equal(out, "0 1 2 3 7 \n3\n");
    close(leak);
    close(extra);
    box_free(box);
}

static void test_exit_code_and_signals(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;
    const char *const sleeper[] = { "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.02; done",
                                     NULL };

    (void)state;
    assert_int_equal(run_box(box, "exit 42", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 42);
    box_free(box);

    /* SIGTERM reaches pid 1 when it handles it. */
    box = new_test_box();
    assert_int_equal(box_spawn(box, sleeper), 0);
    usleep(100000);
    assert_int_equal(box_kill(box, SIGTERM), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 7);
    box_free(box);

    /* And SIGINT. */
    box = new_test_box();
    assert_int_equal(box_spawn(box, (const char *const[]){ "sh", "-c",
                                     "trap 'exit 9' INT; while :; do sleep 0.02; done", NULL }),
                     0);
    usleep(100000);
    assert_int_equal(box_kill(box, SIGINT), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 9);
    box_free(box);

    /* SIGKILL always ends it, and the report says the caller did it. */
    box = new_test_box();
    assert_int_equal(box_spawn(box, sleeper), 0);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    assert_int_equal(st.signal, SIGKILL);
    box_free(box);
}

static void test_orphans_reaped(void **state)
{
    (void)state;
    /* The grandchild is orphaned to pid 1 (the shell), which reaps it while waiting. */
    assert_string_equal(run_ok("(sleep 0.1 &); sleep 0.3; ps -o stat | grep Z | wc -l"), "0\n");
}

/* Zombies whose parent is `pid`, as the host sees them. */
static int count_zombie_children(pid_t pid)
{
    char path[64], buf[4096] = "", stat[512];
    int n = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    if (!(f = fopen(path, "re")))
        return 0;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n")) {
        snprintf(path, sizeof path, "/proc/%s/stat", t);
        if ((f = fopen(path, "re"))) {
            if (fgets(stat, sizeof stat, f) && strstr(stat, ") Z "))
                n++;
            fclose(f);
        }
    }
    return n;
}

/* The orphan's parent becomes pid 1, which here is a program that never waits. */
static const char *const orphan_maker[] = { "sh", "-c", "(sleep 0.05 &); exec sleep 1", NULL };

static void test_pid1_program_keeps_zombies(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_spawn(box, orphan_maker), 0);
    usleep(400000);
    /* Without an init the kernel's rule shows: the zombie stays. */
    assert_int_equal(count_zombie_children(box_pid(box)), 1);
    /* SIGTERM, which the kernel drops for a pid 1 without a handler, still stops it:
     * box_kill makes it a SIGKILL and box_wait reports the signal sent. */
    assert_int_equal(box_kill(box, SIGTERM), 0);
    assert_int_equal(box_wait(box, 5000, &st), 0);
    assert_int_equal(st.end, BOX_END_SIGNALED);
    assert_int_equal(st.signal, SIGTERM);
    box_free(box);
}

static void test_init_reaps_and_forwards(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;
    char out[OUT_MAX];

    (void)state;
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                              BOX_OPT_INIT),
                     0);
    assert_int_equal(box_spawn(box, orphan_maker), 0);
    usleep(400000);
    assert_int_equal(count_zombie_children(box_pid(box)), 0);
    /* SIGTERM reaches the program (pid 2) with its default action, and box_wait reports
     * how the program ended (box-init's own exit would say 128 + SIGTERM). */
    assert_int_equal(box_kill(box, SIGTERM), 0);
    assert_int_equal(box_wait(box, 5000, &st), 0);
    assert_int_equal(st.end, BOX_END_SIGNALED);
    assert_int_equal(st.signal, SIGTERM);
    box_free(box);

    /* The program is pid 2 under init, its exit code comes through, and a missing program
     * is still a spawn error. */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_INIT), 0);
    assert_int_equal(run_box(box, "echo $$; ps -o pid,comm | tail -n +2 | head -1; exit 5", out,
                             sizeof out, &st),
                     0);
    assert_string_equal(out, "2\n    1 box-init\n");
    assert_int_equal(st.exit_code, 5);
    box_free(box);
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_INIT), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "no-such-program", NULL }), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec no-such-program (searched PATH=" DEFAULT_PATH " in the box): "
                        "No such file or directory");
    box_free(box);

    /* box_set_init_path names the binary, over $LIBBOX_INIT and the installed one. */
    box = new_test_box();
    assert_int_equal(box_set_option(box, BOX_OPT_INIT, 1), 0);
    assert_int_equal(box_set_init_path(box, "/nonexistent/box-init"), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "true", NULL }), -ENOENT);
    assert_non_null(strstr(box_errmsg(box), "/nonexistent/box-init"));
    box_free(box);
    if (getenv("LIBBOX_INIT")) {
        box = new_test_box();
        assert_int_equal(box_set_option(box, BOX_OPT_INIT, 1), 0);
        assert_int_equal(box_set_init_path(box, getenv("LIBBOX_INIT")), 0);
        assert_int_equal(run_box(box, "echo $$", out, sizeof out, &st), 0);
        assert_string_equal(out, "2\n");
        box_free(box);
    }
}

static void test_wait_timeout_and_pidfd(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "sleep", "0.3", NULL };
    box_status_t st;
    struct pollfd p;

    (void)state;
    assert_int_equal(box_wait(box, 0, &st), -ESRCH);
    assert_int_equal(box_pidfd(box), -ESRCH);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_true(box_pid(box) > 0);
    assert_int_equal(box_spawn(box, argv), -EBUSY);
    assert_int_equal(box_wait(box, 0, &st), -EAGAIN);
    assert_int_equal(box_wait(box, 20, &st), -ETIMEDOUT);
    p = (struct pollfd){ .fd = box_pidfd(box), .events = POLLIN };
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_int_equal(box_wait(box, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_true(st.wall_us >= 250000);
    /* Once ended, the same report again. */
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 0);
    box_free(box);
}

static void test_wall_limit(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 200), 0);
    assert_int_equal(run_box(box, "sleep 5", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    assert_int_equal(st.signal, SIGKILL);
    assert_in_range(st.wall_us, 150000, 3000000);
    box_free(box);
}

static void test_rlimits_visible(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 64), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CORE, 0), 0);
    assert_int_equal(run_box(box, "grep -E 'open files|core file' /proc/self/limits | "
                                  "awk '{print $(NF-2), $(NF-1)}'",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "0 0\n64 64\n");
    box_free(box);
}

static void test_env_and_cwd(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    setenv("LIBBOX_SECRET", "host-only", 1);
    assert_int_equal(box_setenv(box, "GREETING", "hello"), 0);
    assert_int_equal(box_set_cwd(box, "/etc"), 0);
    assert_int_equal(run_box(box, "echo $GREETING ${LIBBOX_SECRET:-unset} ${HOME:-nohome}; pwd",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "hello unset nohome\n/etc\n");
    box_free(box);
}

static void test_exec_missing(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "no-such-program", NULL };
    const char *const abs[] = { "/bin/no-such-program", NULL };

    (void)state;
    assert_string_equal(box_error_step(box), "");
    assert_string_equal(box_error_step(NULL), "");
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec no-such-program (searched PATH=" DEFAULT_PATH " in the box): "
                        "No such file or directory");
    assert_string_equal(box_error_step(box), "exec");
    assert_int_equal(box_spawn(box, abs), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec /bin/no-such-program: No such file or directory");
    assert_string_equal(box_error_step(box), "exec");
    /* A failure that is no step of the child's clears the step. */
    assert_int_equal(box_spawn(box, (const char *const[]){ "", NULL }), -EINVAL);
    assert_string_equal(box_error_step(box), "");
    box_free(box);

    /* An empty box (no root, no mounts) has no program in it, and says so. */
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "ls", NULL }), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec ls (the box is empty: its / is an empty tmpfs, "
                                         "since no root and no mounts were given, so there is "
                                         "no program in it; searched PATH=" DEFAULT_PATH "): "
                                         "No such file or directory");
    assert_string_equal(box_error_step(box), "exec");
    box_free(box);
}

static void test_child_setup_error(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };

    (void)state;
    assert_int_equal(box_set_cwd(box, "/nonexistent"), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_string_equal(box_errmsg(box), "spawn: chdir /nonexistent: No such file or directory");
    assert_string_equal(box_error_step(box), "chdir");
    box_free(box);

    /* A bind of a directory onto a file that exists in the root. */
    box = new_test_box();
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/tmp", "/etc/passwd", 0), 0);
    assert_int_equal(box_spawn(box, argv), -ENOTDIR);
    assert_string_equal(box_errmsg(box), "spawn: mount bind /tmp on /etc/passwd: destination is "
                        "not a directory (or a directory on its path is not): Not a directory");
    assert_string_equal(box_error_step(box), "mount");
    /* A successful call clears it. */
    assert_int_equal(box_set_hostname(box, "h"), 0);
    assert_string_equal(box_error_step(box), "");
    box_free(box);
}

static void test_symlink_target_stays_inside(void **state)
{
    char *host = make_host_dir(), *root = make_host_dir(), cmd[1024], link[300], out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    /* A root whose /evil and /rel point at a host directory, absolutely and relatively. */
    snprintf(cmd, sizeof cmd, "cp -a '%s/.' '%s/'", test_rootfs, root);
    assert_int_equal(system(cmd), 0);
    snprintf(link, sizeof link, "%s/evil", root);
    assert_int_equal(symlink(host, link), 0);
    snprintf(link, sizeof link, "%s/rel", root);
    snprintf(cmd, sizeof cmd, "../../../../../../..%s", host);
    assert_int_equal(symlink(cmd, link), 0);

    /* While the link's target does not exist inside the root, the mount fails: it is
     * not followed out to the host directory that does exist. */
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root(box, root, 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/evil/sub", 0, 0755, 0), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "true", NULL }), -ENOENT);
    assert_string_equal(box_errmsg(box),
                        "spawn: mount tmpfs on /evil/sub: No such file or directory");
    box_free(box);

    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", root, host);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root(box, root, 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/evil/sub", 0, 0755, 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/rel/sub2", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    assert_int_equal(run_box(box, "grep -c ' /tmp/libbox-test-.*/sub' /proc/self/mountinfo",
                             out, sizeof out, &st),
                     0);
    /* Both mounts landed on the box's own copy of that path... */
    assert_string_equal(out, "2\n");
    box_free(box);
    /* ...and the host directory is untouched. */
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", host);
    assert_int_equal(system(cmd), 0);
    remove_host_dir(host);
    remove_host_dir(root);
}

static void test_free_running_box(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "sh", "-c", "sleep 100 & sleep 100", NULL };
    pid_t pid;

    (void)state;
    assert_int_equal(box_spawn(box, argv), 0);
    pid = box_pid(box);
    box_free(box);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

static void test_bad_input(void **state)
{
    const char *const argv[] = { "true", NULL }, *const empty[] = { NULL };
    const char *const blank[] = { "", NULL };
    box_t *box;

    (void)state;
    assert_int_equal(box_spawn(NULL, argv), -EINVAL);
    assert_int_equal(box_wait(NULL, -1, NULL), -EINVAL);
    assert_int_equal(box_kill(NULL, SIGKILL), -EINVAL);
    box = new_test_box();
    assert_int_equal(box_spawn(box, NULL), -EINVAL);
    assert_string_equal(box_errmsg(box), "spawn: argv is NULL or empty: Invalid argument");
    assert_int_equal(box_spawn(box, empty), -EINVAL);
    assert_int_equal(box_spawn(box, blank), -EINVAL);
    assert_int_equal(box_kill(box, SIGKILL), -ESRCH);
    assert_int_equal(box_wait(box, -1, NULL), -ESRCH);
    assert_string_equal(box_errmsg(box), "wait: the box has not been spawned: No such process");
    /* Mounts without a mount namespace. */
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_MNT & ~BOX_NS_TIME), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    box_free(box);
}

static void test_without_userns_as_root(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_USER & ~BOX_NS_TIME), 0);
    assert_int_equal(run_box(box, "echo $$; cat /proc/self/uid_map", out, sizeof out, &st), 0);
    assert_non_null(strstr(out, "1\n         0          0 4294967295\n"));
    box_free(box);
}

static void test_time_namespace(void **state)
{
    char out[OUT_MAX], host[64] = "";
    box_features_t f;
    box_t *box;
    box_status_t st;
    ssize_t n;

    (void)state;
    assert_int_equal(box_probe(&f), 0);
    if (!f.time_ns)
        skip_because("this kernel has no time namespaces");
    n = readlink("/proc/self/ns/time", host, sizeof host - 1);
    assert_true(n > 0);
    host[n] = '\0';
    /* The box's first process enters the namespace at its exec on current kernels; older
     * ones (6.1, for one) put only its children there. A child is in it either way. */
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL), 0);
    assert_int_equal(run_box(box, "readlink /proc/self/ns/time; "
                                  "(readlink /proc/self/ns/time; true)", out, sizeof out, &st),
                     0);
    {
        char first[64] = "", child[64] = "";

        assert_int_equal(sscanf(out, "%63s %63s", first, child), 2);
        assert_int_equal(strncmp(child, "time:[", 6), 0);
        assert_string_not_equal(child, host);
        if (strcmp(first, host) == 0)
            print_message("this kernel leaves the first process in the caller's time "
                          "namespace (only its children are in the box's)\n");
        else
            assert_string_equal(first, child);
    }
    box_free(box);
}

/* Clock offsets: the box's boot time reads a million seconds ahead (seen by a child of the
 * first process, which every kernel puts in the namespace). */
static void test_time_offsets(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_features_t f;
    box_status_t st;
    double host = 0, inbox = 0;
    struct timespec mono;
    box_t *box;
    FILE *u;

    (void)state;
    assert_int_equal(box_probe(&f), 0);
    if (!f.time_ns)
        skip_because("this kernel has no time namespaces");
    box = new_test_box();
    assert_int_equal(box_set_time_offset(box, 3, 1), -EINVAL);
    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_BOOTTIME, 1000000), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL); /* without BOX_NS_TIME */
    assert_non_null(strstr(box_errmsg(box), "needs BOX_NS_TIME"));
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL), 0);
    /* A negative offset is refused when it would make the box's clock negative, whatever
     * the host's uptime; half the host's current monotonic reading is always allowed. */
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &mono), 0);
    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_MONOTONIC, -(mono.tv_sec + 3600)), 0);
    assert_int_equal(box_spawn(box, argv), -ERANGE);
    assert_non_null(strstr(box_errmsg(box), "would make the box's clock negative"));
    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_MONOTONIC, -(mono.tv_sec / 2)), 0);
    assert_int_equal(run_box(box, "(cut -d' ' -f1 /proc/uptime; true)", out, sizeof out, &st),
                     0);
    u = fopen("/proc/uptime", "re");
    assert_non_null(u);
    assert_int_equal(fscanf(u, "%lf", &host), 1);
    fclose(u);
    inbox = atof(out);
    assert_true(inbox >= 1000000 && inbox <= host + 1000000 + 60);
    box_free(box);
}

static void test_many_boxes_no_leak(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++)
        assert_string_equal(run_ok("echo ok"), "ok\n");
}

/* BOX_OPT_DIE_WITH_PARENT: a caller (here a child process of ours) spawns a box and dies
 * without box_free; the box must die with it, also when the program runs as another uid
 * (each change of credentials clears the kernel's parent-death signal). */
static void die_with_parent(uid_t uid, bool map_range)
{
    int p[2], go[2], pidfd, n;
    pid_t caller, boxpid = -1;
    struct pollfd pfd;
    char c = 0;

    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    caller = fork();
    if (caller == 0) {
        const char *const argv[] = { "sleep", "100", NULL };
        box_t *box = new_test_box();

        if (map_range) {
            box_add_uid_map(box, 0, 100000, 65536);
            box_add_gid_map(box, 0, 100000, 65536);
        }
        box_set_user(box, uid, uid);
        if (box_spawn(box, argv) == 0)
            boxpid = box_pid(box);
        if (write(p[1], &boxpid, sizeof boxpid) != sizeof boxpid || read(go[0], &c, 1) < 0)
            _exit(2);
        _exit(0); /* no box_free: the caller just dies */
    }
    close(p[1]);
    close(go[0]);
    assert_int_equal(read(p[0], &boxpid, sizeof boxpid), sizeof boxpid);
    assert_true(boxpid > 0);
    pidfd = (int)syscall(SYS_pidfd_open, boxpid, 0);
    assert_true(pidfd >= 0);
    assert_int_equal(write(go[1], &c, 1), 1); /* now the caller exits */
    assert_int_equal(waitpid(caller, NULL, 0), caller);
    pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
    if (poll(&pfd, 1, 5000) != 1) {
        kill(boxpid, SIGKILL);
        waitpid(boxpid, NULL, __WALL);
        fail_msg("the box (uid %u) outlived its caller", (unsigned)uid);
    }
    /* We are the subreaper of libbox's monitor now, which saw its caller's process end,
     * killed the box and reaps it before it exits itself: reap the monitor, and so
     * everything that was left (the box too, had it been handed to us). */
    n = 0;
    while (waitpid(-1, NULL, __WALL) > 0)
        n++;
    assert_true(n >= 1);
    assert_int_equal(errno, ECHILD);
    close(pidfd);
    close(p[0]);
    close(go[1]);
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static void test_die_with_parent(void **state)
{
    (void)state;
    die_with_parent(0, false);
    if (!test_rootless)
        die_with_parent(1000, true);
}

/* A root caller mapping a range (0 -> 100000): the box is built as its root, so it can
 * make mount points and files on its own tmpfs (an unmapped uid would get EOVERFLOW). */
static void test_uid_range_builds_as_box_root(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    map_id_range(box);
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/made/here", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/etc/passwd", "/tmp/host", BOX_MOUNT_RO),
                     0);
    assert_int_equal(run_box(box, "stat -c '%u %g' /tmp/made/here /tmp; touch /tmp/f && "
                                  "stat -c %u /tmp/f", out, sizeof out, &st), 0);
    assert_string_equal(out, "0 0\n0 0\n0\n");
    box_free(box);
}

/* In a network namespace of our own (the test never touches the host's network): a box
 * with a veth pair, held until we listen on our end, then connecting to us over it.
 * Returns 0 when everything was as expected, else a code naming the step. */
static int veth_in_own_netns(void)
{
    const char *const argv[] = { "sh", "-c", "echo hi | nc 10.77.0.1 5555; ip addr show eth0; "
                                 "ip route", NULL };
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5555) };
    char out[OUT_MAX] = "", got[16] = "";
    struct pollfd pfd;
    box_t *box = NULL;
    box_status_t st;
    int p[2], lsock, conn, one = 1;
    ssize_t n, len = 0;

    if (unshare(CLONE_NEWNET) < 0 || box_new(&box, 0) < 0 || pipe2(p, O_CLOEXEC) < 0)
        return 10;
    if (box_set_root(box, test_rootfs, 0) < 0 || box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) ||
        box_net_veth(box, "vbox0", "10.77.0.1", "10.77.0.2", 24) < 0 ||
        box_set_options(box, BOX_OPT_HOLD | BOX_OPT_NEW_SESSION | BOX_OPT_DIE_WITH_PARENT) < 0 ||
        box_pass_fd(box, p[1], 1) < 0 || box_pass_fd(box, 2, 2) < 0 ||
        box_spawn(box, argv) < 0) {
        fprintf(stderr, "veth: %s\n", box_errmsg(box));
        return 11;
    }
    close(p[1]);
    /* Held: the pair exists and our end has its address; listen before the box runs. */
    inet_pton(AF_INET, "10.77.0.1", &sa.sin_addr);
    lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lsock, 1) < 0)
        return 12;
    if (box_start(box) < 0)
        return 13;
    pfd = (struct pollfd){ .fd = lsock, .events = POLLIN };
    if (poll(&pfd, 1, 5000) != 1 || (conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC)) < 0)
        return 14;
    n = read(conn, got, sizeof got - 1);
    close(conn);
    close(lsock);
    while ((n = read(p[0], out + len, sizeof out - 1 - (size_t)len)) > 0)
        len += n;
    close(p[0]);
    if (box_wait(box, -1, &st) < 0 || strncmp(got, "hi\n", 3) != 0 ||
        !strstr(out, "inet 10.77.0.2/24") || !strstr(out, "default via 10.77.0.1 dev eth0")) {
        fprintf(stderr, "veth: got '%s', box said:\n%s\n", got, out);
        return 15;
    }
    box_free(box);
    /* The pair goes with the box's namespace (the kernel removes it shortly after). */
    for (int i = 0; i < 200 && if_nametoindex("vbox0") != 0; i++)
        usleep(10000);
    return if_nametoindex("vbox0") == 0 ? 0 : 16;
}

static void test_net_veth(void **state)
{
    const char *const argv[] = { "true", NULL };
    pid_t child;
    int status;
    box_t *box;

    (void)state;
    box = new_test_box();
    assert_int_equal(box_net_veth(box, "bad/name", "10.0.0.1", "10.0.0.2", 24), -EINVAL);
    assert_int_equal(box_net_veth(box, "v0", "10.0.0.1", "10.0.1.2", 24), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "not two addresses of one /24 network"));
    assert_int_equal(box_net_veth(box, "v0", "10.0.0.1", "10.0.0.1", 24), -EINVAL);
    assert_int_equal(box_net_veth(box, "v0", "10.0.0.1", "::1", 24), -EINVAL);
    assert_int_equal(box_net_veth(box, "v0", "10.0.0.1", "10.0.0.2", 31), -EINVAL);
    if (test_rootless) {
        /* No CAP_NET_ADMIN in the host's network namespace: a clear error, nothing left. */
        assert_int_equal(box_net_veth(box, "vbox0", "10.77.0.1", "10.77.0.2", 24), 0);
        assert_int_equal(box_spawn(box, argv), -EPERM);
        assert_non_null(strstr(box_errmsg(box), "needs CAP_NET_ADMIN"));
        box_free(box);
        return;
    }
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_NET | BOX_NS_TIME)), 0);
    assert_int_equal(box_net_veth(box, "vbox0", "10.77.0.1", "10.77.0.2", 24), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "needs the network namespace"));
    box_free(box);
    fflush(NULL);
    child = fork();
    if (child == 0)
        _exit(veth_in_own_netns());
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* box_set_program: exec one file, hand the program another argv[0] (busybox runs the
 * applet its argv[0] names). */
static void test_program_and_argv0(void **state)
{
    const char *const argv[] = { "echo", "via", "argv0", NULL };
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_program(box, "busybox"), 0);
    assert_int_equal(run_argv(box, argv, out, sizeof out, &st), 0);
    assert_string_equal(out, "via argv0\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_set_program(box, "/bin/no-such"), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec /bin/no-such: No such file or directory");
    box_free(box);
}

/* BOX_OPT_HOLD: box_spawn builds the box and stops before exec; box_start runs it. */
static void test_hold_and_start(void **state)
{
    const char *const argv[] = { "sh", "-c", "echo started", NULL };
    const char *const missing[] = { "no-such-program", NULL };
    char out[OUT_MAX] = "", path[64], ours[64] = "", theirs[64] = "";
    struct pollfd pfd;
    box_t *box = new_test_box();
    box_status_t st;
    int p[2];
    ssize_t n;

    (void)state;
    assert_int_equal(box_set_options(box, BOX_OPT_HOLD | BOX_OPT_NEW_SESSION), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    close(p[1]);
    /* Built: its own pid namespace already; not started: nothing written, no status. */
    assert_true(box_pid(box) > 0);
    assert_true(box_pidfd(box) >= 0);
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)box_pid(box));
    assert_true(readlink(path, theirs, sizeof theirs - 1) > 0);
    assert_true(readlink("/proc/self/ns/pid", ours, sizeof ours - 1) > 0);
    assert_string_not_equal(ours, theirs);
    pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 100), 0);
    assert_int_equal(box_wait(box, 0, &st), -EINVAL);
    assert_int_equal(box_spawn(box, argv), -EBUSY);
    assert_int_equal(box_start(box), 0);
    n = read(p[0], out, sizeof out - 1);
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "started\n");
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(box_start(box), -EINVAL);
    close(p[0]);
    box_free(box);

    /* Freed while it waits: killed and reaped, nothing left (teardown checks). */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_HOLD), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    box_free(box);

    /* Killed while it waits: box_start says so. */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_HOLD), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_start(box), -ESRCH);
    assert_int_equal(box_wait(box, 0, &st), -ESRCH);
    box_free(box);

    /* The exec comes after the hold: its error is box_start's, and the box may be
     * spawned again. */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_HOLD), 0);
    assert_int_equal(box_spawn(box, missing), 0);
    assert_int_equal(box_start(box), -ENOENT);
    assert_string_equal(box_errmsg(box), "exec no-such-program (searched PATH=" DEFAULT_PATH " in the box): "
                        "No such file or directory");
    assert_int_equal(box_pid(box), -ESRCH);
    assert_int_equal(box_spawn(box, argv), 0);
    box_free(box);
}

/* Write one /proc/PID/FILE of a box waiting for its maps (BOX_OPT_CALLER_MAPS). */
static void write_proc_file(pid_t pid, const char *file, const char *text)
{
    char path[64];
    int fd;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* The maps "INSIDE_UID caller 1" and "INSIDE_GID caller 1", as a process the caller asked
 * would write them (setgroups denied first, as an unprivileged writer must). */
static void write_caller_maps(box_t *box, unsigned int uid, unsigned int gid)
{
    char text[64];

    snprintf(text, sizeof text, "%u %u 1\n", uid, (unsigned int)geteuid());
    write_proc_file(box_pid(box), "uid_map", text);
    write_proc_file(box_pid(box), "setgroups", "deny");
    snprintf(text, sizeof text, "%u %u 1\n", gid, (unsigned int)getegid());
    write_proc_file(box_pid(box), "gid_map", text);
}

/* Start a box spawned with BOX_OPT_CALLER_MAPS (and its stdout on the pipe p) and read
 * what it printed. */
static void start_and_read(box_t *box, int p[2], char *out, size_t size)
{
    box_status_t st;
    ssize_t n;

    assert_int_equal(box_start(box), 0);
    close(p[1]);
    n = read(p[0], out, size - 1);
    assert_true(n > 0);
    out[n] = '\0';
    close(p[0]);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
}

/* Spawn `argv` with BOX_OPT_CALLER_MAPS (plus `opts`), stdout on a new pipe p. */
static void spawn_for_maps(box_t *box, unsigned int opts, const char *const argv[], int p[2])
{
    assert_int_equal(box_set_option(box, BOX_OPT_CALLER_MAPS | opts, 1), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    assert_int_equal(box_spawn(box, argv), 0);
}

/* BOX_OPT_CALLER_MAPS (bwrap's --userns-block-fd): box_spawn stops before the maps, which
 * the caller writes; box_start builds the box and runs the program. */
static void test_caller_maps(void **state)
{
    const char *const argv[] = { "sh", "-c", "echo $(id -u) $(id -g)", NULL };
    char out[OUT_MAX] = "", path[64], map[64] = "x";
    struct pollfd pfd;
    box_t *box = new_test_box();
    box_status_t st;
    int p[2], fd, other[2];
    char byte;

    (void)state;
    /* A pipe of ours the box is not given: its first process must not hold it while the
     * caller acts (bwrap's --info-fd is read to its end before the maps are written). */
    assert_int_equal(pipe(other), 0);
    spawn_for_maps(box, 0, argv, p);
    close(other[1]);
    assert_int_equal(read(other[0], &byte, 1), 0);
    close(other[0]);
    /* Waiting, with no map yet and nothing run. */
    assert_true(box_pid(box) > 0);
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)box_pid(box));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, map, sizeof map), 0);
    close(fd);
    pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 100), 0);
    assert_int_equal(box_wait(box, 0, &st), -EINVAL);
    assert_int_equal(box_spawn(box, argv), -EBUSY);
    write_caller_maps(box, 0, 0);
    start_and_read(box, p, out, sizeof out);
    assert_string_equal(out, "0 0\n");
    assert_int_equal(box_start(box), -EINVAL);
    box_free(box);

    /* Without box_set_user and without 0 in the maps: the ids the caller's map to. */
    box = new_test_box();
    spawn_for_maps(box, 0, argv, p);
    write_caller_maps(box, 5, 7);
    start_and_read(box, p, out, sizeof out);
    assert_string_equal(out, "5 7\n");
    box_free(box);

    /* box_set_user with one id -1: that one stays what the caller's maps to (bwrap's
     * --userns-block-fd --uid N without --gid). */
    box = new_test_box();
    assert_int_equal(box_set_user(box, 5, (gid_t)-1), 0);
    spawn_for_maps(box, 0, argv, p);
    write_caller_maps(box, 5, 7);
    start_and_read(box, p, out, sizeof out);
    assert_string_equal(out, "5 7\n");
    box_free(box);

    /* box_set_user's ids must be mapped: box_start fails in the setuid step, and the box
     * may be spawned again. */
    box = new_test_box();
    assert_int_equal(box_set_user(box, 3, 3), 0);
    spawn_for_maps(box, 0, argv, p);
    close(p[0]);
    close(p[1]);
    write_caller_maps(box, 0, 0);
    assert_int_equal(box_start(box), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "setgid 3"));
    assert_int_equal(box_start(box), -EINVAL);
    box_free(box);

    /* With BOX_OPT_HOLD: the first box_start builds it, the second runs the program. */
    box = new_test_box();
    spawn_for_maps(box, BOX_OPT_HOLD, argv, p);
    write_caller_maps(box, 0, 0);
    assert_int_equal(box_start(box), 0);
    pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 100), 0);
    assert_int_equal(box_wait(box, 0, &st), -EINVAL);
    start_and_read(box, p, out, sizeof out);
    assert_string_equal(out, "0 0\n");
    box_free(box);

    /* Freed or killed while it waits for its maps: nothing left (teardown checks). */
    box = new_test_box();
    spawn_for_maps(box, 0, argv, p);
    close(p[0]);
    close(p[1]);
    box_free(box);
    box = new_test_box();
    spawn_for_maps(box, 0, argv, p);
    close(p[0]);
    close(p[1]);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_start(box), -ESRCH);
    box_free(box);

    /* The caller writes the maps, so libbox's own are refused with it. */
    box = new_test_box();
    assert_int_equal(box_set_option(box, BOX_OPT_CALLER_MAPS, 1), 0);
    assert_int_equal(box_add_uid_map(box, 0, geteuid(), 1), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "BOX_OPT_CALLER_MAPS"));
    box_free(box);
}

/* box_mkdir and box_chmod: modes in the plan's order, resolved inside the box. */
static void test_mkdir_and_chmod(void **state)
{
    char out[OUT_MAX], *host = make_host_dir(), hostc[256];
    const char *const argv[] = { "true", NULL };
    box_t *box = new_test_box();
    box_status_t st;
    struct stat sb;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    /* The parent made for a private directory is private too (bwrap's rule). */
    assert_int_equal(box_mkdir(box, "/tmp/a/b", 0700), 0);
    assert_int_equal(box_mkdir(box, "/tmp/a", 0711), 0); /* exists: keeps 0700 */
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/c", 0), 0);
    assert_int_equal(box_chmod(box, "/tmp/c", 01777), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "../../../../../tmp/c", "/tmp/l", 0), 0);
    assert_int_equal(box_chmod(box, "/tmp/l", 0750), 0); /* the link's target, in the box */
    /* So are the parents of a tmpfs: here closed to others only. */
    assert_int_equal(box_mount_tmpfs(box, "/tmp/t/u", 0, 0750, 0), 0);
    assert_int_equal(run_box(box, "stat -c %a /tmp/a /tmp/a/b /tmp/c /tmp/t /tmp/t/u", out,
                             sizeof out, &st), 0);
    assert_string_equal(out, "700\n700\n750\n750\n750\n");
    box_free(box);

    /* A link to a host path resolves inside the box: the host's file is never touched. */
    snprintf(hostc, sizeof hostc, "%s/c", host);
    assert_int_equal(mkdir(hostc, 0755), 0);
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, hostc, "/tmp/esc", 0), 0);
    assert_int_equal(box_chmod(box, "/tmp/esc", 0700), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_string_equal(box_errmsg(box),
                        "spawn: chmod 0700 /tmp/esc: No such file or directory");
    assert_int_equal(stat(hostc, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0755);
    box_free(box);
    remove_host_dir(host);
}

/* bwrap's mount rules: the same symlink twice is fine, another one names what is there; a
 * file mount point is made 0444; a bind on "/" covers the root and what was mounted so
 * far, and later mounts go onto it. */
/* BOX_MOUNT_NOFOLLOW: a mount onto a symbolic link fails, whether it points at a
 * directory or nowhere (without the flag the link is followed in the root); a directory
 * onto a file, a file onto a directory: bwrap's words. */
static void test_mount_target_checks(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_status_t st;
    box_t *box;

    (void)state;
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/dir", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "dir", "/tmp/link", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, test_rootfs, "/tmp/link",
                               BOX_MOUNT_RO | BOX_MOUNT_NOFOLLOW), 0);
    assert_int_equal(box_spawn(box, argv), -ELOOP);
    assert_string_equal(box_errmsg(box), "spawn: Can't mount on symlink destination /tmp/link "
                        "(BOX_MOUNT_NOFOLLOW): Too many levels of symbolic links");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "nowhere", "/tmp/link", 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/tmp/link", 0, 0755, BOX_MOUNT_NOFOLLOW), 0);
    assert_int_equal(box_spawn(box, argv), -ELOOP);
    assert_non_null(strstr(box_errmsg(box), "Can't mount on symlink destination /tmp/link"));
    box_free(box);

    /* without the flag: followed, inside the root */
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/dir", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "dir", "/tmp/link", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, test_rootfs, "/tmp/link", BOX_MOUNT_RO), 0);
    assert_int_equal(run_box(box, "test -e /tmp/dir/bin/sh && echo followed", out, sizeof out,
                             &st), 0);
    assert_string_equal(out, "followed\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/dev/null", "/tmp/f", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, test_rootfs, "/tmp/f", 0), 0);
    assert_int_equal(box_spawn(box, argv), -ENOTDIR);
    assert_non_null(strstr(box_errmsg(box), "on /tmp/f: destination is not a directory"));
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/d", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/dev/null", "/tmp/d", 0), 0);
    assert_int_equal(box_spawn(box, argv), -EISDIR);
    assert_string_equal(box_errmsg(box), "spawn: mount bind /dev/null on /tmp/d: destination "
                        "is not a file: Is a directory");
    box_free(box);
}

static void test_symlink_file_point_and_root_bind(void **state)
{
    char out[OUT_MAX], *host = make_host_dir(), path[300];
    const char *const argv[] = { "true", NULL };
    box_t *box = new_test_box();
    box_status_t st;
    struct stat sb;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "/dev/null", "/tmp/l", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "/dev/null", "/tmp/l", 0), 0);
    assert_int_equal(run_box(box, "readlink /tmp/l", out, sizeof out, &st), 0);
    assert_string_equal(out, "/dev/null\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "/dev/null", "/tmp/l", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "/dev/zero", "/tmp/l", 0), 0);
    assert_int_equal(box_spawn(box, argv), -EEXIST);
    assert_string_equal(box_errmsg(box), "spawn: Can't make symlink at /tmp/l: existing "
                        "destination is /dev/null: File exists");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "/x", "/etc", 0), 0);
    assert_int_equal(box_spawn(box, argv), -EEXIST);
    assert_string_equal(box_errmsg(box), "spawn: Can't make symlink at /etc: destination "
                        "exists and is not a symlink: File exists");
    box_free(box);

    /* The mount point of a file (here /dev/null, present on every test host, the VM too),
     * made in a host directory bound into the box. */
    box = new_test_box();
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/dev/null", "/mnt/sub/f", 0), 0);
    assert_int_equal(run_box(box, "true", NULL, 0, &st), 0);
    box_free(box);
    snprintf(path, sizeof path, "%s/sub/f", host);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0444);
    snprintf(path, sizeof path, "%s/sub", host);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0755);

    /* A second root: the tmpfs on /tmp is covered; /mnt is mounted on the new top. */
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/tmp/only-on-tmpfs", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, test_rootfs, "/", BOX_MOUNT_RO), 0);
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 01777, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    assert_int_equal(run_box(box, "test -e /tmp/only-on-tmpfs || echo covered; "
                             "stat -c %a /mnt; touch /etc/x 2>/dev/null || echo ro",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "covered\n1777\nro\n");
    box_free(box);

    /* BOX_MOUNT_REMOUNT_RO with BOX_MOUNT_NOREC: only the mount at the target. */
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/tmp/sub", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_REMOUNT_RO, NULL, "/tmp", BOX_MOUNT_NOREC), 0);
    assert_int_equal(run_box(box, "touch /tmp/x 2>/dev/null || echo ro; touch /tmp/sub/x && "
                             "echo rw", out, sizeof out, &st), 0);
    assert_string_equal(out, "ro\nrw\n");
    box_free(box);
    remove_host_dir(host);
}

/* box_try_cwd and BOX_OPT_SET_PWD; no working directory through a magic link. */
static void test_cwd_candidates(void **state)
{
    char out[OUT_MAX], *host = make_host_dir();
    const char *const argv[] = { "true", NULL };
    box_t *box = new_test_box();
    box_status_t st;
    int fd;

    (void)state;
    assert_int_equal(box_try_cwd(box, "/nonexistent"), 0);
    assert_int_equal(box_try_cwd(box, "/etc"), 0);
    assert_int_equal(box_try_cwd(box, "etc"), -EINVAL);
    assert_int_equal(box_set_options(box, BOX_OPT_SET_PWD), 0);
    assert_int_equal(box_setenv(box, "PWD", "/stale"), 0);
    assert_int_equal(run_box(box, "echo $(pwd) $PWD", out, sizeof out, &st), 0);
    assert_string_equal(out, "/etc /etc\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_try_cwd(box, "/nonexistent"), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_SET_PWD), 0);
    assert_int_equal(run_box(box, "echo $(pwd) $PWD", out, sizeof out, &st), 0);
    assert_string_equal(out, "/ /\n");
    box_free(box);

    /* box_set_cwd wins over the candidates, and a missing one fails. */
    box = new_test_box();
    assert_int_equal(box_try_cwd(box, "/etc"), 0);
    assert_int_equal(box_set_cwd(box, "/nonexistent"), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    box_free(box);

    /* A descriptor of a host directory the box holds: /proc/self/fd/N is refused. */
    fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    box = new_test_box();
    assert_int_equal(box_pass_fd(box, fd, 3), 0);
    assert_int_equal(box_pass_fd(box, 1, 1), 0);
    assert_int_equal(box_set_cwd(box, "/proc/self/fd/3"), 0);
    assert_int_equal(box_spawn(box, argv), -ELOOP);
    box_free(box);
    close(fd);
    remove_host_dir(host);
}

/* box_mount_fd: a bind of what an open descriptor names. */
static void test_mount_fd(void **state)
{
    char out[OUT_MAX], *host = make_host_dir(), path[300];
    box_t *box = new_test_box();
    box_status_t st;
    FILE *f;
    int fd;

    (void)state;
    snprintf(path, sizeof path, "%s/hello", host);
    assert_non_null(f = fopen(path, "w"));
    fputs("from the fd\n", f);
    fclose(f);
    fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(box_mount_fd(box, -1, "/mnt", 0), -EBADF);
    assert_int_equal(box_mount_fd(box, fd, "/mnt", BOX_MOUNT_TRY), -EINVAL);
    assert_int_equal(box_mount_fd(box, fd, "/mnt", BOX_MOUNT_RO), 0);
    close(fd); /* the box holds its own */
    assert_int_equal(run_box(box, "cat /mnt/hello; touch /mnt/x 2>/dev/null || echo ro",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "from the fd\nro\n");
    box_free(box);
    remove_host_dir(host);
}

/* box_seccomp_add_bpf: two programs of the caller's, both in force. */
static void test_seccomp_add_bpf(void **state)
{
#define DENY(nr, err) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))
    const struct sock_filter mk[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        DENY(SYS_mkdir, EPERM), DENY(SYS_mkdirat, EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    const struct sock_filter sl[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        DENY(SYS_symlink, EACCES), DENY(SYS_symlinkat, EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_seccomp_add_bpf(box, mk, 3), -EINVAL);
    assert_int_equal(box_seccomp_add_bpf(box, NULL, 8), -EINVAL);
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_seccomp_add_bpf(box, mk, sizeof mk), 0);
    assert_int_equal(box_seccomp_add_bpf(box, sl, sizeof sl), 0);
    assert_int_equal(run_box(box, "mkdir /tmp/d 2>&1 | grep -o 'not permitted'; "
                             "ln -s x /tmp/l 2>&1 | grep -o 'denied'; echo done",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "not permitted\ndenied\ndone\n");
    box_free(box);
#undef DENY
}

/* BOX_OPT_NO_USERNS: the program cannot make a user namespace; BOX_OPT_ASSERT_NO_USERNS
 * fails a box that could. */
static void test_no_userns(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_options(box, BOX_OPT_NO_USERNS | BOX_OPT_ASSERT_NO_USERNS), 0);
    assert_int_equal(run_box(box, "id -u; cat /proc/self/uid_map | wc -l", out, sizeof out,
                             &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "0\n1\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_ASSERT_NO_USERNS), 0);
    assert_int_equal(box_spawn(box, argv), -EEXIST);
    assert_string_equal(box_errmsg(box), "spawn: creation of new user namespaces was not "
                        "disabled as requested: File exists");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_NO_USERNS), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    box_free(box);
}

/* BOX_OPT_CAPS_BOUNDING_ONLY: a non-zero uid gets the kept capabilities as its bounding
 * set only (runc's non-root process); without it they are ambient. */
static void test_caps_bounding_only(void **state)
{
    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless): a second uid to map");
    for (int only = 0; only < 2; only++) {
        char out[OUT_MAX];
        box_t *box = new_test_box();
        box_status_t st;

        map_id_range(box);
        assert_int_equal(box_set_user(box, 1000, 1000), 0);
        assert_int_equal(box_cap_keep(box, "CAP_KILL"), 0);
        assert_int_equal(box_cap_keep(box, "CAP_NET_BIND_SERVICE"), 0);
        assert_int_equal(box_set_option(box, BOX_OPT_CAPS_BOUNDING_ONLY | BOX_OPT_CAPS_INHERITABLE,
                                        only), 0);
        assert_int_equal(run_box(box, "grep -E '^Cap' /proc/self/status | tr -d '\\t' | tr '\\n' ' '",
                                 out, sizeof out, &st), 0);
        assert_string_equal(out, only ? "CapInh:0000000000000000 CapPrm:0000000000000000 "
                                        "CapEff:0000000000000000 CapBnd:0000000000000420 "
                                        "CapAmb:0000000000000000 "
                                      : "CapInh:0000000000000420 CapPrm:0000000000000420 "
                                        "CapEff:0000000000000420 CapBnd:0000000000000420 "
                                        "CapAmb:0000000000000420 ");
        box_free(box);
    }
}

/* BOX_OPT_CAPS_INHERITABLE: kept capabilities inheritable and ambient for uid 0 too. */
static void test_caps_inheritable(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_cap_keep(box, "CAP_KILL"), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_CAPS_INHERITABLE), 0);
    assert_int_equal(run_box(box, "grep -E '^Cap(Inh|Eff|Amb)' /proc/self/status", out,
                             sizeof out, &st), 0);
    assert_string_equal(out, "CapInh:\t0000000000000020\nCapEff:\t0000000000000020\n"
                             "CapAmb:\t0000000000000020\n");
    box_free(box);
}

/* The test process's inheritable set (the caller's, for the box): bits below 32. */
static void set_own_inheritable(uint32_t inh)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2] = { 0 };

    assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
    data[0].inheritable = inh;
    data[1].inheritable = 0;
    assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
}

/* BOX_OPT_CAPS_CALLER_INHERITABLE, uid 0 (bwrap's root): the caller's inheritable
 * capabilities that the box keeps stay inheritable and become ambient; without the option
 * the box's inheritable and ambient sets are empty. */
static void test_caps_caller_inheritable(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (test_rootless) /* a new user namespace starts with an empty inheritable set */
        skip_because("needs root (this run is rootless)");
    set_own_inheritable(1u << 5 | 1u << 13); /* CAP_KILL, CAP_NET_RAW */
    for (int on = 0; on <= 1; on++) {
        box = new_test_box();
        /* No user namespace: a new one starts with an empty inheritable set. */
        assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
        assert_int_equal(box_cap_keep(box, "CAP_KILL"), 0);
        assert_int_equal(box_cap_keep(box, "CAP_CHOWN"), 0);
        assert_int_equal(box_set_option(box, BOX_OPT_CAPS_CALLER_INHERITABLE, on), 0);
        assert_int_equal(run_box(box, "grep -E '^Cap(Inh|Eff|Amb)' /proc/self/status", out,
                                 sizeof out, &st), 0);
        assert_string_equal(out, on ? "CapInh:\t0000000000000020\nCapEff:\t0000000000000021\n"
                                      "CapAmb:\t0000000000000020\n"
                                    : "CapInh:\t0000000000000000\nCapEff:\t0000000000000021\n"
                                      "CapAmb:\t0000000000000000\n");
        box_free(box);
    }
    set_own_inheritable(0);
}

/* box_lock_file: a write lock on the file fails while the box runs, and works after. */
static void test_lock_file(void **state)
{
    const char *const argv[] = { "sleep", "30", NULL };
    char *host = make_host_dir(), path[300];
    struct flock wr = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    box_t *box = new_test_box();
    box_status_t st;
    int fd;

    (void)state;
    snprintf(path, sizeof path, "%s/lock", host);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(box_lock_file(box, "relative"), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, host, "/mnt", 0), 0);
    assert_int_equal(box_lock_file(box, "/mnt/lock"), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(fcntl(fd, F_OFD_SETLK, &wr), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(fcntl(fd, F_OFD_SETLK, &wr), 0);
    close(fd);
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_lock_file(box, "/nonexistent"), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_string_equal(box_errmsg(box), "spawn: lock file /nonexistent: No such file or "
                        "directory");
    box_free(box);
    remove_host_dir(host);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pid1, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_proc_shows_only_box, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hostname, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_sysctl, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_pivot_root_mount_table, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hooks, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hook_failures, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hook_caller, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hook_checks, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_mknod_fifo, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_sysfs_mask_readonly, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_old_root_unreachable, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_proc_sys_readonly, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_bind_rw_ro, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tmpfs_empty_and_sized, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tmpfs_copy_up, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_dev, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_ipc_isolated, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_net_only_lo_up, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_netns_owned_by_box, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_ns_ids, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_uid_map_default, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_uid_map_range_as_user, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_rootless_root_is_powerless, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_only_passed_fds, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exit_code_and_signals, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_orphans_reaped, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_pid1_program_keeps_zombies, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_init_reaps_and_forwards, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_wait_timeout_and_pidfd, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_wall_limit, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_rlimits_visible, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_env_and_cwd, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_missing, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_child_setup_error, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_target_stays_inside, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_free_running_box, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_without_userns_as_root, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_time_namespace, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_time_offsets, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_many_boxes_no_leak, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_program_and_argv0, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_die_with_parent, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_uid_range_builds_as_box_root, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_hold_and_start, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caller_maps, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_and_chmod, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_net_veth, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_mount_target_checks, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_file_point_and_root_bind, leak_setup,
                                        leak_teardown),
        cmocka_unit_test_setup_teardown(test_cwd_candidates, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_mount_fd, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_add_bpf, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_no_userns, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_lock_file, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_bounding_only, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_inheritable, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_caller_inheritable, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
