/* Unit tests of the child's step table (child.h) and the frozen plan (plan.h): the table's
 * shape, plans built from boxes (which steps a configuration selects), and plans written by
 * hand and run by box__child_main in a forked process, without namespaces, as any user.
 *
 * `test_child --print-steps` prints the table as doc/internals.md has it (a test compares). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "box-private.h"
#include "child.h"

static void test_step_table(void **state)
{
    (void)state;
    assert_true(STEP_COUNT <= 64); /* the plan's step mask is 64 bits */
    for (int s = 0; s < STEP_COUNT; s++) {
        assert_true(box__step_name(s)[0] != '\0');
        assert_true(strcmp(box__step_module(s), "?") != 0);
        for (int t = 0; t < s; t++)
            assert_string_not_equal(box__step_id(s), box__step_id(t));
    }
    assert_string_equal(box__step_name(-1), "?");
    assert_string_equal(box__step_name(STEP_COUNT), "?");
    /* The order the kernel needs: a few of the constraints the table encodes. */
    assert_true(STEP_WAIT_PARENT < STEP_BOX_ROOT);     /* maps first */
    assert_true(STEP_CAPS_BOUNDING < STEP_SETUID);     /* CAP_SETPCAP is gone after */
    assert_true(STEP_SETUID < STEP_CAPS);
    assert_true(STEP_SETUID < STEP_PDEATHSIG);         /* a credential change clears it */
    assert_true(STEP_NO_NEW_PRIVS < STEP_LANDLOCK);
    assert_true(STEP_SECCOMP == STEP_EXEC - 1);        /* nothing runs under the filter */
    assert_true(STEP_JOIN_NS < STEP_FORK);             /* the pid namespace is for children */
    assert_true(STEP_FORK < STEP_WAIT_PARENT);         /* the parent releases the second one */
    assert_true(STEP_PIVOT_ROOT < STEP_TTY);           /* the box's own /dev/ptmx */
    assert_true(STEP_SETUID < STEP_TTY);               /* the slave is the box user's */
    assert_true(STEP_TTY < STEP_LANDLOCK);             /* which could deny /dev/ptmx */
    assert_true(STEP_TTY < STEP_FDS);
    for (int s = 0; s < STEP_COUNT; s++)
        assert_true(box__step_lists(s) >= BOX_LIST_SPAWN && box__step_lists(s) <= BOX_LIST_BOTH);
    assert_int_equal(box__step_lists(STEP_MOUNT), BOX_LIST_SPAWN);
    assert_int_equal(box__step_lists(STEP_JOIN_NS), BOX_LIST_BOTH);
    assert_int_equal(box__step_lists(STEP_FORK), BOX_LIST_BOTH);
    assert_int_equal(box__step_lists(STEP_SECCOMP), BOX_LIST_BOTH);
    assert_int_equal(STEP_EXEC, STEP_COUNT - 1);
}

static uint64_t built_steps(box_t *box)
{
    const char *argv[] = { "true", NULL };
    struct box_plan p;
    uint64_t steps;

    assert_int_equal(box__plan_build(box, argv, &p), 0);
    steps = p.steps;
    box__plan_free(&p);
    return steps;
}

/* Which steps a configuration selects, and that the plan holds copies, not the box. */
static void test_plan_build(void **state)
{
    const char *argv[] = { "prog", "arg", NULL };
    const uint64_t mounts = BOX_STEP(MOUNT_PRIVATE) | BOX_STEP(OPEN_ROOT) |
                            BOX_STEP(OPEN_SOURCE) | BOX_STEP(ATTACH_ROOT) | BOX_STEP(MOUNT) |
                            BOX_STEP(PIVOT_ROOT);
    struct box_plan p;
    box_t *box;
    uint64_t s;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    s = built_steps(box);
    assert_true((s & mounts) == mounts);
    assert_true(s & BOX_STEP(BOX_ROOT));
    assert_true(s & BOX_STEP(PDEATHSIG));
    assert_true(s & BOX_STEP(NO_NEW_PRIVS));
    assert_true(s & BOX_STEP(SECCOMP)); /* the default deny list */
    assert_false(s & (BOX_STEP(HOLD) | BOX_STEP(RLIMIT) | BOX_STEP(ROOT_READONLY) |
                      BOX_STEP(TIME_NS) | BOX_STEP(NET) | BOX_STEP(LANDLOCK) |
                      BOX_STEP(JOIN_NS) | BOX_STEP(FORK)));

    assert_int_equal(box_set_options(box, BOX_OPT_HOLD), 0);
    assert_int_equal(box_set_root(box, "/", BOX_ROOT_READONLY), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 64), 0);
    assert_int_equal(box_seccomp_default(box, 0), 0);
    s = built_steps(box);
    assert_true(s & BOX_STEP(HOLD));
    assert_true(s & BOX_STEP(ROOT_READONLY));
    assert_true(s & BOX_STEP(RLIMIT));
    assert_false(s & (BOX_STEP(PDEATHSIG) | BOX_STEP(SETSID) | BOX_STEP(SECCOMP)));

    box_free(box);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_namespaces(box, BOX_NS_USER | BOX_NS_PID), 0);
    s = built_steps(box);
    assert_false(s & (mounts | BOX_STEP(HOSTNAME) | BOX_STEP(LOOPBACK)));

    assert_int_equal(box_set_hostname(box, "planned"), 0);
    assert_int_equal(box_set_user(box, 1000, 1000), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 64), 0);
    assert_int_equal(box__plan_build(box, argv, &p), 0);
    assert_string_equal(p.hostname, "planned");
    assert_int_equal(p.uid, 1000);
    assert_string_equal(p.argv[0], "prog");
    assert_ptr_not_equal(p.argv[0], argv[0]); /* copied: BOX_OPT_HOLD outlives argv */
    assert_int_equal(p.rlimit_resource[BOX_LIMIT_NOFILE], RLIMIT_NOFILE);
    assert_int_equal(p.rlimits[BOX_LIMIT_NOFILE].rlim_max, 64);
    assert_true(p.n_exec_paths > 1); /* every PATH entry */
    assert_int_equal(p.init_fd, -1);
    box__plan_free(&p);

    /* The exec list over the same box: the namespaces are joined, not made. */
    box->pidfd = 3; /* any fd: the plan only records it */
    assert_int_equal(box__plan_build_exec(box, argv, &(struct box_exec_over){ .cwd = "/tmp" },
                                          &p), 0);
    s = p.steps;
    assert_true(s & BOX_STEP(JOIN_NS));
    assert_true(s & BOX_STEP(FORK));
    assert_true(s & BOX_STEP(SETUID));
    assert_true(s & BOX_STEP(RLIMIT));
    assert_false(s & (mounts | BOX_STEP(HOSTNAME) | BOX_STEP(BOX_ROOT) | BOX_STEP(HOLD) |
                      BOX_STEP(PDEATHSIG)));
    assert_int_equal(p.n_join, 1);
    assert_int_equal(p.join[0].fd, 3);
    assert_true(p.join[0].nstype != 0);
    assert_true(p.fork);
    assert_int_equal(p.fork_flags, 0);
    assert_string_equal(p.cwd, "/tmp");
    assert_string_equal(p.exec_paths[0] + strlen(p.exec_paths[0]) - 5, "/prog");
    assert_int_equal(p.uid, 1000); /* the box's user and rlimits by default */
    assert_int_equal(p.rlimits[BOX_LIMIT_NOFILE].rlim_max, 64);
    box__plan_free(&p);
    /* An exec's own user, groups and rlimits replace the box's. */
    {
        static const gid_t groups[] = { 7, 8 };
        struct box_exec_over o = { .user = true, .uid = 2000, .gid = 2001, .groups = true,
                                   .group_list = groups, .n_groups = 2 };

        o.limit_set[BOX_LIMIT_NOFILE] = o.limit_set[BOX_LIMIT_FSIZE] = true;
        o.limit[BOX_LIMIT_NOFILE] = 32;
        o.limit[BOX_LIMIT_FSIZE] = 4096;
        assert_int_equal(box__plan_build_exec(box, argv, &o, &p), 0);
        assert_int_equal(p.uid, 2000);
        assert_int_equal(p.gid, 2001);
        assert_int_equal(p.n_groups, 2);
        assert_int_equal(p.groups[1], 8);
        assert_int_equal(p.rlimits[BOX_LIMIT_NOFILE].rlim_max, 32);
        assert_int_equal(p.rlimit_resource[BOX_LIMIT_FSIZE], RLIMIT_FSIZE);
        assert_int_equal(p.rlimits[BOX_LIMIT_FSIZE].rlim_cur, 4096);
        assert_string_equal(p.cwd, "/"); /* the box's (none set) */
        box__plan_free(&p);
    }
    box->pidfd = -1;
    box_free(box);
}

/* box_join_namespace: what the call checks, and the plan it makes (the join list in the
 * kernel's order, the fork with the namespaces still to create, no loopback or hostname
 * for joined ones). Namespace files of our own are enough: nothing is entered here. */
static void test_join_plan(void **state)
{
    const char *argv[] = { "prog", NULL };
    char link[] = "/tmp/test_child_nslinkXXXXXX";
    struct box_plan p;
    box_t *box;
    int fd;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_join_namespace(box, BOX_NS_NET | BOX_NS_UTS, 0), -EINVAL);
    assert_int_equal(box_join_namespace(box, 0, 0), -EINVAL);
    assert_int_equal(box_join_namespace(box, 1u << 9, 0), -EINVAL);
    assert_int_equal(box_join_namespace(box, BOX_NS_NET, -1), -EBADF);
    assert_int_equal(box_join_namespace(box, BOX_NS_NET, 999), -EBADF);
    assert_non_null(strstr(box_errmsg(box), "net namespace: fd 999 is not open"));
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(box_join_namespace(box, BOX_NS_NET, fd), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "is not a namespace"));
    close(fd);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/uts"), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "/proc/self/ns/uts is a uts namespace"));
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "proc/self/ns/net"), -EINVAL);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, NULL), -EINVAL);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/nosuch"),
                     -ENOENT);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/../ns/net"),
                     -ELOOP); /* only /proc/PID/ns/NAME itself may end in the kernel's link */
    /* A link made by someone else on the way is refused, even to a namespace file. */
    fd = mkstemp(link);
    assert_true(fd >= 0);
    close(fd);
    unlink(link);
    assert_int_equal(symlink("/proc/self/ns/net", link), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, link), -ELOOP);
    assert_non_null(strstr(box_errmsg(box), "symbolic link"));
    unlink(link);
    assert_int_equal(box->ns_join, 0);

    /* net joined twice (the second replaces the first), uts by fd: not created any more,
     * whatever box_set_namespaces says before or after. */
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/net"), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/thread-self/ns/net"), 0);
    fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
    assert_int_equal(box_join_namespace(box, BOX_NS_UTS, fd), 0);
    close(fd); /* the box has its own copy */
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL), 0);
    assert_int_equal(box->ns, BOX_NS_ALL & ~(BOX_NS_NET | BOX_NS_UTS));
    assert_int_equal(box__ns_entered(box), BOX_NS_ALL);
    assert_int_equal(box__plan_build(box, argv, &p), 0);
    assert_true(p.steps & BOX_STEP(JOIN_NS));
    assert_true(p.steps & BOX_STEP(FORK));
    assert_false(p.steps & (BOX_STEP(LOOPBACK) | BOX_STEP(HOSTNAME)));
    assert_int_equal(p.n_join, 2);
    assert_int_equal(p.join[0].nstype, CLONE_NEWUTS); /* no user namespace: bit order */
    assert_int_equal(p.join[1].nstype, CLONE_NEWNET);
    assert_int_equal(p.join[1].fd, box->join_fd[5]);
    assert_true(p.fork_flags & CLONE_NEWUSER);
    assert_false(p.fork_flags & (CLONE_NEWNET | CLONE_NEWUTS));
    assert_non_null(p.resume);
    box__plan_free(&p);

    /* A joined user namespace: the namespaces it does not own before it (ours here, owned
     * by our user namespace: the test's own stand in for one of another's). */
    assert_int_equal(box_join_namespace_path(box, BOX_NS_USER, "/proc/self/ns/user"), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_IPC, "/proc/self/ns/ipc"), 0);
    assert_int_equal(box__plan_build(box, argv, &p), 0);
    assert_int_equal(p.n_join, 4);
    assert_int_equal(p.join[0].nstype, CLONE_NEWUSER); /* it owns them all */
    assert_int_equal(p.join[1].nstype, CLONE_NEWUTS);
    assert_int_equal(p.join[2].nstype, CLONE_NEWIPC);
    assert_int_equal(p.join[3].nstype, CLONE_NEWNET);
    assert_false(p.fork_flags & CLONE_NEWUSER);
    assert_true(p.steps & BOX_STEP(BOX_ROOT));
    box__plan_free(&p);
    /* ... which is our own: no join at all at spawn. */
    assert_int_equal(box__ns_join_check(box), 0);
    assert_false(box->ns_join & BOX_NS_USER);
    assert_int_equal(box->join_fd[0], -1);

    /* Refusals at spawn, each naming the namespace and path. */
    assert_int_equal(box_set_hostname(box, "x"), 0);
    assert_int_equal(box__ns_join_check(box), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "uts namespace fd "));
    box_free(box);

    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_PID, "/proc/self/ns/pid"), 0);
    assert_int_equal(box__ns_join_check(box), -EINVAL); /* the box makes its user ns */
    assert_non_null(strstr(box_errmsg(box), "pid namespace /proc/self/ns/pid"));
    assert_int_equal(box_set_namespaces(box, BOX_NS_MNT), 0);
    assert_int_equal(box__ns_join_check(box), 0); /* ours, owned by our user namespace */
    assert_int_equal(box__plan_build(box, argv, &p), 0);
    assert_false(p.fork_twice); /* no pid namespace of its own below the joined one */
    box__plan_free(&p);
    assert_int_equal(box_set_namespaces(box, BOX_NS_MNT | BOX_NS_PID), 0);
    assert_int_equal(box__plan_build(box, argv, &p), 0);
    assert_true(p.fork_twice); /* one: a middle process enters the joined one first */
    assert_true(p.fork_flags & CLONE_NEWPID);
    box__plan_free(&p);
    assert_int_equal(box_set_namespaces(box, BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_MNT, "/proc/self/ns/mnt"), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/tmp", 0), 0);
    assert_int_equal(box__ns_join_check(box), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "mount namespace /proc/self/ns/mnt"));
    box_free(box);

    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/net"), 0);
    assert_int_equal(box_net_pasta(box, 0), 0);
    assert_int_equal(box__ns_join_check(box), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "network namespace /proc/self/ns/net"));
    box_free(box);
}

/* A hand-written plan, run by the child's runner in a forked process. Returns the child's
 * wait status; *e gets its error record, *got its size (0: the program was exec'ed). */
static int run_plan(struct box_plan *p, struct box_child_error *e, ssize_t *got)
{
    int errpipe[2], sync[2], status;
    pid_t pid;

    assert_int_equal(pipe2(errpipe, O_CLOEXEC), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync), 0);
    p->err_fd = errpipe[1];
    p->sync_fd = sync[0];
    p->fd_high = 3;
    p->init_fd = -1;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        box__child_main(p);
    close(errpipe[1]);
    close(sync[0]);
    assert_int_equal(write(sync[1], "", 1), 1); /* release it (WAIT_PARENT) */
    *got = read(errpipe[0], e, sizeof *e);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(errpipe[0]);
    close(sync[1]);
    return status;
}

static void test_plan_by_hand(void **state)
{
    char *argv[] = { "sh", "-c", "[ \"$(pwd)\" = /tmp ] && [ \"$(ulimit -n)\" = 40 ] && exit 7",
                     NULL };
    char *envp[] = { "PATH=/usr/bin:/bin", NULL };
    char *paths[] = { "/nonexistent/sh", "/bin/sh", NULL };
    struct box_plan p = { 0 };
    struct box_child_error e;
    ssize_t got;
    int status;

    (void)state;
    p.steps = BOX_STEP(SIGNALS) | BOX_STEP(WAIT_PARENT) | BOX_STEP(CHDIR) | BOX_STEP(RLIMIT) |
              BOX_STEP(FDS) | BOX_STEP(EXEC);
    p.cwd = "/tmp";
    for (int i = 0; i < BOX_RLIMITS; i++)
        p.rlimit_resource[i] = -1;
    p.rlimit_resource[BOX_LIMIT_NOFILE] = RLIMIT_NOFILE;
    p.rlimits[BOX_LIMIT_NOFILE].rlim_cur = p.rlimits[BOX_LIMIT_NOFILE].rlim_max = 40;
    p.argv = argv;
    p.envp = envp;
    p.exec_paths = paths;
    p.n_exec_paths = 2;
    status = run_plan(&p, &e, &got);
    assert_int_equal(got, 0); /* exec'ed: EOF on the error pipe */
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);

    /* A failing step reports itself, with its path, and the child exits. */
    p.cwd = "/nonexistent-dir";
    status = run_plan(&p, &e, &got);
    assert_int_equal(got, sizeof e);
    assert_int_equal(e.step, STEP_CHDIR);
    assert_int_equal(e.err, ENOENT);
    assert_string_equal(e.path, "/nonexistent-dir");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 127);

    /* Without CHDIR in the plan, that step does not run; exec reports the candidate. */
    p.steps &= ~BOX_STEP(CHDIR);
    paths[1] = "/nonexistent/sh2";
    status = run_plan(&p, &e, &got);
    assert_int_equal(got, sizeof e);
    assert_int_equal(e.step, STEP_EXEC);
    assert_int_equal(e.err, ENOENT);

    /* A plan without EXEC ends as a failure, never as success. */
    p.steps = BOX_STEP(SIGNALS);
    status = run_plan(&p, &e, &got);
    assert_int_equal(got, sizeof e);
    assert_int_equal(e.err, ENOEXEC);
}

/* A markdown table cell: '|' escaped. */
static void print_cell(const char *text)
{
    for (; *text; text++)
        printf(*text == '|' ? "\\|" : "%c", *text);
}

/* doc/internals.md: the table, printed from child.h. */
static void print_steps(void)
{
    static const char *const lists[] = { "", "spawn", "exec", "spawn, exec" };

    printf("| # | step (STEP_*) | function (lib/MODULE.c) | lists | message name | runs when |\n");
    printf("|---:|---|---|---|---|---|\n");
    for (int s = 0; s < STEP_COUNT; s++) {
        const char *when = box__step_when(s);

        printf("| %d | %s | `box__step_%s` (%s.c) | %s | %s | ", s + 1, box__step_id(s),
               box__step_function(s), box__step_module(s), lists[box__step_lists(s) & 3],
               box__step_name(s));
        if (strcmp(when, "true") == 0) {
            printf("always |\n");
        } else {
            printf("`");
            print_cell(when);
            printf("` |\n");
        }
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_table),
        cmocka_unit_test(test_plan_build),
        cmocka_unit_test(test_join_plan),
        cmocka_unit_test(test_plan_by_hand),
    };

    if (argc > 1 && strcmp(argv[1], "--print-steps") == 0) {
        print_steps();
        return 0;
    }
    return cmocka_run_group_tests_name("unit-child", tests, NULL, NULL);
}
