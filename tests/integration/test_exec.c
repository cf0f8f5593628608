/* Integration tests of box_exec: programs run in a running box see its namespaces,
 * identity and restrictions; errors, kill, many execs, nothing left behind. As root and
 * (with --rootless) as nobody. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Read fd to EOF into out (terminated). */
static void read_all(int fd, char *out, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size && (n = read(fd, out + len, size - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
}

/* Exec `script` with sh -c, its stdout captured; returns box_exec's result. */
static int exec_script(box_t *box, const char *script, char *out, size_t size,
                       box_status_t *st)
{
    const char *const argv[] = { "sh", "-c", script, NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_proc_t *proc;
    int p[2], r;

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    opts.stdout_fd = p[1];
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

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_sees_the_box, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_errors, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_exec_kill_and_many, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
