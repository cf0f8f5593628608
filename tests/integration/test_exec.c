/* Integration tests of box_exec: programs run in a running box see its namespaces,
 * identity and restrictions; errors, kill, many execs, nothing left behind. As root and
 * (with --rootless) as nobody. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "helpers.h"

#define OUT_MAX 4096

/* A box whose first program sleeps, spawned. */
static box_t *running_box(void)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_t *box = new_test_box();

    assert_int_equal(box_set_hostname(box, "execbox"), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    return box;
}

static void end_box(box_t *box)
{
    box_status_t st;

    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

static int exec_script(box_t *box, const char *script, char *out, size_t size,
                       box_status_t *st)
{
    return exec_box(box, script, NULL, out, size, st);
}

/* The exec'd program is in the box: pid namespace (pid 1 is the box's program), hostname,
 * mount tree, cgroup, identity, no capabilities, no_new_privs, the seccomp filter. */
static void test_exec_sees_the_box(void **state)
{
    char out[OUT_MAX], path[64], theirs[64] = "", want[256];
    box_t *box = running_box();
    box_status_t st;

    (void)state;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)box_pid(box));
    assert_true(readlink(path, theirs, sizeof theirs - 1) > 0);
    assert_int_equal(exec_script(box, "tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; id -u; "
                                      "readlink /proc/self/ns/pid; ls /; "
                                      "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status",
                                 out, sizeof out, &st),
                     0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
    snprintf(want, sizeof want, "sleep 60 \nexecbox\n0\n%s\n", theirs);
    assert_memory_equal(out, want, strlen(want));
    assert_non_null(strstr(out, "bin\n")); /* the box's root, not the host's */
    assert_non_null(strstr(out, "CapEff:\t0000000000000000"));
    assert_non_null(strstr(out, "NoNewPrivs:\t1"));
    assert_non_null(strstr(out, "Seccomp:\t2"));
    /* The exit code comes back; cwd and env can be set per exec. */
    assert_int_equal(exec_script(box, "exit 3", out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 3);
    {
        const char *const argv[] = { "sh", "-c", "pwd; echo $FOO", NULL };
        const char *const envp[] = { "PATH=/bin:/usr/bin", "FOO=bar", NULL };
        box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
        box_proc_t *proc;
        int p[2];

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        opts.stdout_fd = p[1];
        opts.cwd = "/proc";
        opts.envp = envp;
        assert_int_equal(box_exec(box, argv, &opts, &proc), 0);
        close(p[1]);
        read_all(p[0], out, sizeof out);
        assert_string_equal(out, "/proc\nbar\n");
        close(p[0]);
        assert_int_equal(box_proc_wait(proc, -1, &st), 0);
        box_proc_free(proc);
    }
    end_box(box);
}

static void test_exec_errors(void **state)
{
    const char *const argv[] = { "true", NULL };
    const char *const missing[] = { "no-such-program", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_proc_t *proc = NULL;
    box_t *box = new_test_box();

    (void)state;
    assert_int_equal(box_exec(NULL, argv, NULL, &proc), -EINVAL);
    assert_int_equal(box_exec(box, argv, NULL, &proc), -ESRCH); /* not spawned */
    box_free(box);

    box = running_box();
    assert_int_equal(box_exec(box, NULL, NULL, &proc), -EINVAL);
    assert_int_equal(box_exec(box, argv, NULL, NULL), -EINVAL);
    opts.size = 8;
    assert_int_equal(box_exec(box, argv, &opts, &proc), -EINVAL);
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.stdout_fd = 999;
    assert_int_equal(box_exec(box, argv, &opts, &proc), -EBADF);
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.cwd = "relative";
    assert_int_equal(box_exec(box, argv, &opts, &proc), -EINVAL);
    assert_int_equal(box_exec(box, missing, NULL, &proc), -ENOENT);
    assert_null(proc);
    assert_string_equal(box_error_step(box), "exec");
    assert_non_null(strstr(box_errmsg(box), "no-such-program"));
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.cwd = "/no-such-dir";
    assert_int_equal(box_exec(box, argv, &opts, &proc), -ENOENT);
    assert_string_equal(box_error_step(box), "chdir");
    end_box(box);
    /* Ended: nothing to enter. */
    box = running_box();
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, NULL), 0);
    assert_int_equal(box_exec(box, argv, NULL, &proc), -ESRCH);
    box_free(box);
}

/* Kill, wait timeouts, free of a running one; a hundred execs into one box. */
static void test_exec_kill_and_many(void **state)
{
    const char *const sleeper[] = { "sleep", "60", NULL };
    const char *const tru[] = { "true", NULL };
    box_t *box = running_box();
    box_proc_t *proc;
    box_status_t st;

    (void)state;
    assert_int_equal(box_exec(box, sleeper, NULL, &proc), 0);
    assert_true(box_proc_pid(proc) > 0);
    assert_true(box_proc_pidfd(proc) >= 0);
    assert_int_equal(box_proc_wait(proc, 0, &st), -EAGAIN);
    assert_int_equal(box_proc_wait(proc, 20, &st), -ETIMEDOUT);
    assert_int_equal(box_proc_kill(proc, SIGKILL), 0);
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    assert_int_equal(box_proc_kill(proc, SIGTERM), -ESRCH);
    assert_int_equal(box_proc_pidfd(proc), -ESRCH);
    box_proc_free(proc);
    assert_int_equal(box_exec(box, sleeper, NULL, &proc), 0);
    box_proc_free(proc); /* killed and reaped */

    for (int i = 0; i < 100; i++) {
        assert_int_equal(box_exec(box, tru, NULL, &proc), 0);
        assert_int_equal(box_proc_wait(proc, -1, &st), 0);
        assert_int_equal(st.end, BOX_END_EXITED);
        assert_int_equal(st.exit_code, 0);
        box_proc_free(proc);
    }
    end_box(box);
}

/* Per exec: another user and groups; rlimits of its own; the options struct is sized. */
/* BOX_EXEC_CAPS_BOUNDING_ONLY: an exec as uid 1000 into a box that keeps CAP_KILL has it
 * as its bounding set only (runc's `exec --user`); without the flag it is ambient. */
static void test_exec_caps_bounding_only(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless): a second uid to map");
    box = new_test_box();
    map_id_range(box);
    assert_int_equal(box_cap_keep(box, "CAP_KILL"), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    opts.uid = opts.gid = 1000;
    for (int only = 0; only < 2; only++) {
        opts.flags = BOX_EXEC_USER | (only ? BOX_EXEC_CAPS_BOUNDING_ONLY : 0);
        assert_int_equal(exec_box(box, "grep -E '^Cap(Eff|Bnd|Amb)' /proc/self/status | "
                                       "tr -d '\\t' | tr '\\n' ' '",
                                  &opts, out, sizeof out, &st), 0);
        assert_string_equal(out, only ? "CapEff:0000000000000000 CapBnd:0000000000000020 "
                                        "CapAmb:0000000000000000 "
                                      : "CapEff:0000000000000020 CapBnd:0000000000000020 "
                                        "CapAmb:0000000000000020 ");
    }
    /* uid 0: no effect. */
    opts.uid = opts.gid = 0;
    assert_int_equal(exec_box(box, "grep '^CapEff' /proc/self/status | tr -d '\\t'", &opts, out,
                              sizeof out, &st), 0);
    assert_string_equal(out, "CapEff:0000000000000020\n");
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

static void test_exec_user_and_opts(void **state)
{
    static const gid_t groups[] = { 1001, 1002 };
    static const box_exec_limit_t nofile[] = { { BOX_LIMIT_NOFILE, 17 } };
    const char *const tru[] = { "true", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    char out[OUT_MAX], big[sizeof opts + 16];
    const char *const argv[] = { "sleep", "60", NULL };
    box_proc_t *proc;
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    if (!test_rootless)
        map_id_range(box); /* ids 0..65535 of the box's user namespace */
    assert_int_equal(box_spawn(box, argv), 0);
    opts.flags = BOX_EXEC_USER | BOX_EXEC_GROUPS;
    opts.uid = 1000;
    opts.gid = 1000;
    opts.groups = groups;
    opts.n_groups = 2;
    if (!test_rootless) {
        assert_int_equal(exec_box(box, "id -u; id -g; id -G", &opts, out, sizeof out, &st), 0);
        assert_int_equal(st.exit_code, 0);
        assert_string_equal(out, "1000\n1000\n1000 1001 1002\n");
    } else {
        /* Rootless, the box's user namespace maps uid 0 alone and denies setgroups:
         * other groups or another uid cannot be. */
        assert_int_equal(exec_box(box, "id -u", &opts, out, sizeof out, &st), -EPERM);
        assert_string_equal(box_error_step(box), "setgroups");
        opts.flags = BOX_EXEC_USER;
        assert_int_equal(exec_box(box, "id -u", &opts, out, sizeof out, &st), -EINVAL);
        assert_non_null(strstr(box_error_step(box), "set"));
        opts.uid = opts.gid = 0;
        opts.flags = BOX_EXEC_USER;
        assert_int_equal(exec_box(box, "id -u; id -g", &opts, out, sizeof out, &st), 0);
        assert_string_equal(out, "0\n0\n");
    }
    /* The next exec is the box's user again. */
    assert_int_equal(exec_script(box, "id -u", out, sizeof out, &st), 0);
    assert_string_equal(out, "0\n");
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.limits = nofile;
    opts.n_limits = 1;
    assert_int_equal(exec_box(box, "ulimit -n", &opts, out, sizeof out, &st), 0);
    assert_string_equal(out, "17\n");

    /* A caller built against the first, shorter struct; a newer, longer one. */
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.size = offsetof(box_exec_opts_t, flags);
    opts.flags = 1u << 30; /* past the caller's size: not read */
    assert_int_equal(box_exec(box, tru, &opts, &proc), 0);
    box_proc_free(proc);
    memset(big, 0, sizeof big);
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.size = sizeof big;
    memcpy(big, &opts, sizeof opts);
    assert_int_equal(box_exec(box, tru, (const box_exec_opts_t *)(void *)big, &proc), 0);
    box_proc_free(proc);
    big[sizeof opts + 3] = 1;
    assert_int_equal(box_exec(box, tru, (const box_exec_opts_t *)(void *)big, &proc), -E2BIG);
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.flags = 1u << 30;
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EINVAL);
    opts.flags = BOX_EXEC_GROUPS;
    opts.n_groups = 2;
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EINVAL); /* groups NULL */
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.n_limits = 1;
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EINVAL); /* limits NULL */
    opts.limits = (const box_exec_limit_t[]){ { BOX_LIMIT_NOFILE, 0 } };
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EINVAL);
    opts.limits = (const box_exec_limit_t[]){ { (box_limit_t)999, 1 } };
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EINVAL);
    /* A box without cgroups has none for an exec either. */
    opts.limits = (const box_exec_limit_t[]){ { BOX_LIMIT_MEMORY, 32 << 20 } };
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EOPNOTSUPP);
    assert_non_null(strstr(box_errmsg(box), "memory"));
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.flags = BOX_EXEC_CGROUP;
    assert_int_equal(box_exec(box, tru, &opts, &proc), -EOPNOTSUPP);
    assert_null(proc);
    end_box(box);
}

/* A box with memory and pids cgroups, or a skip where the caller cannot have them. */
static box_t *cgroup_box(const char *const argv[])
{
    box_t *box = new_test_box();
    int r;

    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 512 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 256), 0);
    r = box_spawn(box, argv);
    if (r < 0 && test_rootless) {
        print_message("no cgroups for this user: %s\n", box_errmsg(box));
        box_free(box);
        skip_because("rootless without a delegated cgroup");
    }
    assert_int_equal(r, 0);
    return box;
}

/* The execs' cgroups ("exec-*") below the box's memory cgroup. */
static int count_exec_cgroups(box_t *box)
{
    char where[512];
    struct dirent *de;
    DIR *d;
    int n = 0;

    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 1);
    d = opendir(dirname(where));
    assert_non_null(d);
    while ((de = readdir(d)))
        n += strncmp(de->d_name, "exec-", 5) == 0;
    closedir(d);
    return n;
}

/* A hundred execs into one box, each with a cgroup of its own: the accounting is each
 * one's own (20 MiB allocated show, a `true` does not; a cpu-bound loop's time is its
 * own), and every cgroup is gone with its proc. */
static void test_exec_own_accounting(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    char out[OUT_MAX];
    uint64_t true_peak_max = 0, true_cpu_max = 0, busy_cpu_min = UINT64_MAX;
    box_status_t st;
    box_t *box;

    (void)state;
    box = cgroup_box(argv);
    opts.flags = BOX_EXEC_CGROUP;
    for (int i = 0; i < 100; i++) {
        const char *script = i % 25 == 3   ? "dd if=/dev/zero of=/dev/null bs=20M count=1 2>&1"
                             : i % 25 == 7 ? "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"
                                           : "true";

        assert_int_equal(exec_box(box, script, &opts, out, sizeof out, &st), 0);
        assert_int_equal(st.end, BOX_END_EXITED);
        assert_int_equal(st.exit_code, 0);
        assert_int_equal(st.oom_kills, 0);
        if (i % 25 == 3) {
            assert_true(st.memory_peak_bytes >= 20u << 20);
        } else if (i % 25 == 7) {
            if (st.cpu_user_us + st.cpu_system_us < busy_cpu_min)
                busy_cpu_min = st.cpu_user_us + st.cpu_system_us;
        } else {
            true_peak_max = st.memory_peak_bytes > true_peak_max ? st.memory_peak_bytes
                                                                 : true_peak_max;
            if (st.cpu_user_us + st.cpu_system_us > true_cpu_max)
                true_cpu_max = st.cpu_user_us + st.cpu_system_us;
        }
        assert_int_equal(count_exec_cgroups(box), 0);
    }
    print_message("largest peak of a `true`: %llu bytes, cpu %llu us; a busy loop's cpu: "
                  "%llu us or more\n", (unsigned long long)true_peak_max,
                  (unsigned long long)true_cpu_max, (unsigned long long)busy_cpu_min);
    assert_true(true_peak_max > 0);     /* accounted, */
    assert_true(true_peak_max < 8u << 20); /* and its own */
    /* each its own cpu time (a ratio: an emulated VM is slower at both) */
    assert_true(busy_cpu_min >= 20000);
    assert_true(true_cpu_max * 4 < busy_cpu_min);
    end_box(box);
}

/* An exec OOM-killed at its own memory limit: BOX_END_OOM for it, while the box and its
 * other execs go on; its wall and cpu-time limits end it too. */
static void test_exec_own_limits(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    static const box_exec_limit_t mem[] = { { BOX_LIMIT_MEMORY, 32 << 20 },
                                            { BOX_LIMIT_SWAP, 0 } };
    static const box_exec_limit_t wall[] = { { BOX_LIMIT_WALL_MS, 200 } };
    static const box_exec_limit_t cpu[] = { { BOX_LIMIT_CPU_TIME_MS, 200 } };
    const char *const sleeper[] = { "sleep", "30", NULL };
    const char *const spin[] = { "sh", "-c", "while :; do :; done", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    char out[OUT_MAX];
    box_proc_t *proc;
    box_status_t st;
    box_t *box;

    (void)state;
    box = cgroup_box(argv);
    opts.limits = mem;
    opts.n_limits = 2;
    assert_int_equal(exec_box(box, "exec tail /dev/zero", &opts, out, sizeof out, &st), 0);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_true(st.oom_kills >= 1);
    assert_true(st.memory_peak_bytes <= 33u << 20);
    assert_int_equal(box_wait(box, 0, &st), -EAGAIN); /* the box survived */
    assert_int_equal(exec_script(box, "echo alive", out, sizeof out, &st), 0);
    assert_string_equal(out, "alive\n");

    /* box_proc_wait enforces them (no pipe to read here, which would wait for the end) */
    opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    opts.limits = wall;
    opts.n_limits = 1;
    assert_int_equal(box_exec(box, sleeper, &opts, &proc), 0);
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    box_proc_free(proc);
    opts.limits = cpu;
    assert_int_equal(box_exec(box, spin, &opts, &proc), 0);
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_CPU_TIME);
    assert_true(st.cpu_user_us + st.cpu_system_us >= 200000);
    box_proc_free(proc);

    /* The box's pause freezes an exec in its own cgroup; box_pids lists it. */
    {
        const char *const loop[] = { "sh", "-c", "while :; do echo x; sleep 0.01; done", NULL };
        pid_t pids[16];
        bool found = false;
        int p[2], n;

        opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
        opts.flags = BOX_EXEC_CGROUP;
        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        opts.stdout_fd = p[1];
        assert_int_equal(box_exec(box, loop, &opts, &proc), 0);
        close(p[1]);
        assert_int_equal(count_exec_cgroups(box), 1);
        n = box_pids(box, pids, 16);
        assert_true(n >= 2);
        for (int i = 0; i < n && i < 16; i++)
            found |= pids[i] == box_proc_pid(proc);
        assert_true(found);
        assert_true(output_within(p[0], 5000) > 0);
        assert_int_equal(box_pause(box), 0);
        output_within(p[0], 0); /* what was written before the freeze */
        assert_int_equal(output_within(p[0], 300), 0);
        assert_int_equal(box_resume(box), 0);
        assert_true(output_within(p[0], 5000) > 0);
        box_proc_free(proc);
        close(p[0]);
        assert_int_equal(count_exec_cgroups(box), 0);
    }
    end_box(box);
}

/* BOX_SECCOMP_NOTIFY: an exec'd program's notified call comes to its own listener (sh
 * asks getppid for $PPID), which the caller answers. */
static void test_exec_seccomp_notify(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    const char *const ppid[] = { "sh", "-c", "echo $PPID", NULL };
    const char *const tru[] = { "true", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    struct pollfd pfd;
    char out[OUT_MAX];
    box_proc_t *proc;
    box_status_t st;
    box_t *box = new_test_box();
    int p[2];

    (void)state;
    assert_int_equal(box_seccomp_rule(box, "getppid", BOX_SECCOMP_NOTIFY, 0), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    opts.stdout_fd = p[1];
    assert_int_equal(box_exec(box, ppid, &opts, &proc), 0);
    close(p[1]);
    pfd = (struct pollfd){ .fd = box_proc_notify_fd(proc), .events = POLLIN };
    assert_true(pfd.fd >= 0);
    assert_true(pfd.fd != box_seccomp_notify_fd(box));
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    memset(&req, 0, sizeof req);
    assert_int_equal(ioctl(pfd.fd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
    assert_int_equal(req.data.nr, SYS_getppid);
    assert_int_equal(req.pid, box_proc_pid(proc));
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.val = 4242;
    assert_int_equal(ioctl(pfd.fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
    read_all(p[0], out, sizeof out);
    close(p[0]);
    assert_string_equal(out, "4242\n");
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_int_equal(box_proc_notify_fd(proc), -ESRCH); /* closed with the reap */
    box_proc_free(proc);
    end_box(box);

    /* Without notify rules there is no listener. */
    box = running_box();
    assert_int_equal(box_exec(box, tru, NULL, &proc), 0);
    assert_int_equal(box_proc_notify_fd(proc), -ENOENT);
    assert_int_equal(box_proc_notify_fd(NULL), -EINVAL);
    box_proc_free(proc);
    end_box(box);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_sees_the_box, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_errors, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_kill_and_many, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_user_and_opts, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_caps_bounding_only, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_own_accounting, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_own_limits, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_seccomp_notify, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
