/* Integration tests of the embedder's contract: whatever the caller does with SIGCHLD, with
 * its fds or its memory, box_wait reports the box's true status and accounting, a spawn
 * short of fds leaves nothing open, and a held box holds only the fds it will pass. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static const char *const exit7[] = { "sh", "-c", "sleep 0.1; exit 7", NULL };

/* The pid of the parent of `pid`, from /proc/PID/status, or -1. */
static pid_t ppid_of(pid_t pid)
{
    char path[64], line[128];
    pid_t ppid = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "re")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "PPid: %d", &ppid) == 1)
            break;
    fclose(f);
    return ppid;
}

/* A box that exits 7 after a moment, waited for: its status and accounting are its own;
 * its first process's parent is `parent` unless that is 0. Frees the box. */
static void spawn_and_check_box(box_t *box, pid_t parent)
{
    box_status_t st;

    assert_int_equal(box_spawn(box, exit7), 0);
    if (parent)
        assert_int_equal(ppid_of(box_pid(box)), parent);
    if (box_wait(box, -1, &st) < 0)
        fail_msg("box_wait: %s", box_errmsg(box));
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 7);
    assert_true(st.wall_us >= 100000);
    assert_true(st.cpu_user_us + st.cpu_system_us > 0);
    box_free(box);
}

static void spawn_and_check(void)
{
    spawn_and_check_box(new_test_box(), 0);
}

static volatile sig_atomic_t sigchld_count, reaped_count;

static void reaping_handler(int sig)
{
    int saved = errno;

    (void)sig;
    sigchld_count++;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        reaped_count++;
    errno = saved;
}

/* SIGCHLD ignored, SA_NOCLDWAIT, or a handler that reaps every child: the box's status is
 * still box_wait's, and the caller gets no SIGCHLD for a box. */
static void test_caller_sigchld_dispositions(void **state)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, nocldwait = { .sa_handler = SIG_DFL },
                     reaper = { .sa_handler = reaping_handler, .sa_flags = SA_RESTART }, old;

    (void)state;
    nocldwait.sa_flags = SA_NOCLDWAIT;
    assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
    spawn_and_check();
    assert_int_equal(sigaction(SIGCHLD, &nocldwait, NULL), 0);
    spawn_and_check();
    sigchld_count = reaped_count = 0;
    assert_int_equal(sigaction(SIGCHLD, &reaper, NULL), 0);
    spawn_and_check();
    spawn_and_check();
    assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
    assert_int_equal(sigchld_count, 0);
    assert_int_equal(reaped_count, 0);
}

static volatile int stop_waiting;

/* Another thread of the caller's, blocked in waitpid(-1, 0) (on a child of its own, so that
 * it really blocks), takes whatever it can. */
static void *greedy_waiter(void *arg)
{
    int *taken = arg, st;

    while (!stop_waiting) {
        pid_t pid = waitpid(-1, &st, 0);

        if (pid > 0)
            (*taken)++;
        else if (errno == ECHILD)
            usleep(1000);
    }
    return NULL;
}

static void test_thread_blocked_in_waitpid(void **state)
{
    pthread_t t;
    pid_t own;
    int taken = 0;

    (void)state;
    own = fork();
    if (own == 0) {
        pause();
        _exit(0);
    }
    stop_waiting = 0;
    assert_int_equal(pthread_create(&t, NULL, greedy_waiter, &taken), 0);
    for (int i = 0; i < 10; i++)
        spawn_and_check();
    stop_waiting = 1;
    kill(own, SIGKILL);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(taken, 1); /* only its own child */
}

/* No child of ours is left, zombie or running (__WALL: exit signal 0 too). */
static void assert_no_children(void)
{
    siginfo_t si = { 0 };

    assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL), -1);
    assert_int_equal(errno, ECHILD);
}

static box_t *new_unmonitored_box(unsigned int opts)
{
    box_t *box = new_test_box();

    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NO_MONITOR | opts),
                     0);
    return box;
}

/* BOX_OPT_NO_MONITOR: the box's first process is our own child (no monitor between), its
 * status and accounting are box_wait's, with box-init and held too; a failed setup and a
 * kill leave no child behind; a waitpid(-1) of ours takes the status and box_wait says
 * so; it refuses BOX_OPT_DETACH. */
static void test_no_monitor(void **state)
{
    static const char *const sleeper[] = { "sleep", "100", NULL };
    box_status_t st;
    box_t *box;
    int status;

    (void)state;
    for (unsigned int opts = 0; opts <= BOX_OPT_INIT; opts += BOX_OPT_INIT) {
        spawn_and_check_box(new_unmonitored_box(opts), getpid());
        assert_no_children();
    }

    box = new_unmonitored_box(BOX_OPT_HOLD);
    assert_int_equal(box_spawn(box, exit7), 0);
    assert_int_equal(box_start(box), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 7);
    box_free(box);

    box = new_unmonitored_box(0);
    assert_int_equal(box_spawn(box, sleeper), 0);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    box_free(box);
    assert_no_children();

    /* A box that fails in its setup (no such program): reaped by box_spawn. */
    box = new_unmonitored_box(0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "/no/such/program", NULL }),
                     -ENOENT);
    assert_no_children();
    box_free(box);

    /* A held box freed before box_start: killed and reaped by box_free. */
    box = new_unmonitored_box(BOX_OPT_HOLD);
    assert_int_equal(box_spawn(box, sleeper), 0);
    box_free(box);
    assert_no_children();

    /* The caller's own waitpid(-1) reaps it: its status is the caller's, box_wait says so. */
    box = new_unmonitored_box(0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "true", NULL }), 0);
    assert_int_equal(waitpid(-1, &status, 0), box_pid(box));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(box_wait(box, -1, &st), -ECHILD);
    if (!strstr(box_errmsg(box), "BOX_OPT_NO_MONITOR"))
        fail_msg("message '%s' does not name BOX_OPT_NO_MONITOR", box_errmsg(box));
    box_free(box);
    assert_no_children();

    box = new_unmonitored_box(BOX_OPT_DETACH);
    assert_int_equal(box_set_id(box, "no-monitor"), 0);
    assert_int_equal(box_spawn(box, exit7), -EINVAL);
    if (!strstr(box_errmsg(box), "BOX_OPT_NO_MONITOR"))
        fail_msg("message '%s' does not name BOX_OPT_NO_MONITOR", box_errmsg(box));
    box_free(box);
    assert_no_children();
}

struct thread_spawn {
    box_t *box;
    int r;
};

static void *spawn_and_exit(void *arg)
{
    struct thread_spawn *ts = arg;

    /* Longer than exit7: the thread is gone well before the program would exit. */
    ts->r = box_spawn(ts->box, (const char *const[]){ "sh", "-c", "sleep 0.5; exit 7", NULL });
    return NULL;
}

/* A box spawned by a thread that then exits, waited for by another thread. The kernel
 * makes the clone the spawning thread's child and, at that thread's exit, hands it to
 * another thread of the process (so any thread can still reap it) and sends it its
 * parent-death signal. With the monitor, BOX_OPT_DIE_WITH_PARENT follows the caller's
 * process, not the thread (the monitor watches a pidfd of the thread group): the box runs
 * on and its status is box_wait's in whichever thread, with the option or without.
 * BOX_OPT_NO_MONITOR has no process of libbox's to watch the caller: the first process's
 * own parent-death signal follows the spawning thread, and the box is killed at that
 * thread's exit (BOX_END_SIGNALED, SIGKILL; box_set_options(3) says so). */
static void test_spawning_thread_exits(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        unsigned int opts = (i & 1 ? BOX_OPT_NO_MONITOR : 0) |
                            (i & 2 ? BOX_OPT_DIE_WITH_PARENT : 0);
        struct thread_spawn ts = { .box = new_test_box(), .r = -1 };
        box_status_t st;
        pthread_t t;

        assert_int_equal(box_set_options(ts.box, opts), 0);
        assert_int_equal(pthread_create(&t, NULL, spawn_and_exit, &ts), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        if (ts.r < 0)
            fail_msg("box_spawn (options 0x%x): %s", opts, box_errmsg(ts.box));
        if (opts & BOX_OPT_NO_MONITOR) /* (/proc names the parent thread's process) */
            assert_int_equal(ppid_of(box_pid(ts.box)), getpid());
        if (box_wait(ts.box, -1, &st) < 0) {
            fail_msg("box_wait (options 0x%x): %s", opts, box_errmsg(ts.box));
        } else if (opts == (BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NO_MONITOR)) {
            if (st.end != BOX_END_SIGNALED || st.signal != SIGKILL)
                fail_msg("options 0x%x: the box ended %d (signal %d), not killed with its "
                         "spawning thread", opts, st.end, st.signal);
        } else if (st.end != BOX_END_EXITED || st.exit_code != 7) {
            fail_msg("options 0x%x: the box ended %d (signal %d, exit %d), not on its own "
                     "after its spawning thread", opts, st.end, st.signal, st.exit_code);
        }
        box_free(ts.box);
        assert_no_children();
    }
}

/* fds open in this process, counted without opening one. */
static int count_fds(void)
{
    int n = 0;

    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}


static void *spawn_long_and_exit(void *arg)
{
    struct thread_spawn *ts = arg;

    ts->r = box_spawn(ts->box, (const char *const[]){ "sleep", "60", NULL });
    return NULL;
}

/* BOX_OPT_DIE_WITH_PARENT (the default) with the monitor: when the caller's whole process
 * ends, the box and the monitor end with it, nothing is left. The caller here is a process
 * of ours that spawns the box from a thread, lets that thread exit (the box runs on, as
 * above), tells us the pids and exits when we say so. */
static void test_box_dies_with_process(void **state)
{
    int p[2], go[2], pidfd_box, pidfd_mon;
    pid_t pids[2], caller;
    char byte = 0;

    (void)state;
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    caller = fork();
    assert_true(caller >= 0);
    if (caller == 0) {
        struct thread_spawn ts = { .box = new_test_box(), .r = -1 };
        pthread_t t;

        if (pthread_create(&t, NULL, spawn_long_and_exit, &ts) != 0 ||
            pthread_join(t, NULL) != 0 || ts.r < 0)
            _exit(1);
        usleep(100000); /* the box must outlive the spawning thread */
        pids[0] = box_pid(ts.box);
        pids[1] = ppid_of(pids[0]);
        if (pids[1] <= 1 || kill(pids[0], 0) < 0 || write(p[1], pids, sizeof pids) != sizeof pids ||
            read(go[0], &byte, 1) != 1)
            _exit(2);
        _exit(0); /* without box_free: the process ends, the box must go with it */
    }
    close(p[1]);
    close(go[0]);
    if (read(p[0], pids, sizeof pids) != sizeof pids) {
        int st;

        waitpid(caller, &st, 0);
        fail_msg("the caller's box died with its spawning thread (caller status 0x%x)", st);
    }
    assert_int_not_equal(pids[1], caller); /* the monitor is between */
    pidfd_box = (int)syscall(SYS_pidfd_open, pids[0], 0);
    pidfd_mon = (int)syscall(SYS_pidfd_open, pids[1], 0);
    assert_true(pidfd_box >= 0 && pidfd_mon >= 0);
    assert_int_equal(write(go[1], &byte, 1), 1);
    assert_int_equal(waitpid(caller, NULL, 0), caller);
    for (int i = 0; i < 2; i++) {
        struct pollfd pf = { .fd = i ? pidfd_mon : pidfd_box, .events = POLLIN };

        if (poll(&pf, 1, 10000) != 1)
            fail_msg("the box's %s (pid %d) outlived its caller's process",
                     i ? "monitor" : "first process", (int)pids[i]);
    }
    close(pidfd_box);
    close(pidfd_mon);
    close(p[0]);
    close(go[1]);
}
/* Every error path of box_spawn under fd exhaustion: with RLIMIT_NOFILE from 4 to 48 the
 * spawn fails or succeeds, and afterwards exactly the fds of before are open. */
static void fd_sweep(unsigned int opts)
{
    struct rlimit saved, rl;
    int first_ok = -1;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    for (int n = 4; n <= 48; n++) {
        box_t *box = new_test_box();
        box_status_t st;
        int before, r;

        assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
        assert_int_equal(box_set_options(box, opts), 0);
        before = count_fds();
        rl = saved;
        rl.rlim_cur = (rlim_t)n;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
        r = box_spawn(box, (const char *const[]){ "true", NULL });
        if (r == 0)
            assert_int_equal(box_wait(box, -1, &st), 0);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
        box_free(box);
        if (count_fds() != before)
            fail_msg("RLIMIT_NOFILE %d: %d fds open before, %d after (spawn: %d %s)", n,
                     before, count_fds(), r, r ? strerror(-r) : "ok");
        if (r == 0 && first_ok < 0)
            first_ok = n;
        if (r < 0 && first_ok >= 0)
            fail_msg("RLIMIT_NOFILE %d fails after %d worked", n, first_ok);
    }
    assert_true(first_ok > 0);
    print_message("# a spawn (options 0x%x) needed %d free fds\n", opts, first_ok - count_fds());
}

static void test_fd_exhaustion(void **state)
{
    (void)state;
    fd_sweep(BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION);
    fd_sweep(BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION | BOX_OPT_INIT);
    fd_sweep(BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION | BOX_OPT_NO_MONITOR);
}

/* A held box holds only what it will pass: the write end of a pipe of the caller's that is
 * not passed is closed in it, so the reader sees EOF while the box is held. */
static void test_held_box_holds_only_passed_fds(void **state)
{
    box_t *box = new_test_box();
    struct pollfd p;
    int pipefd[2];
    char c;

    (void)state;
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_HOLD), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ "true", NULL }), 0);
    close(pipefd[1]);
    p = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
    assert_int_equal(poll(&p, 1, 2000), 1);
    assert_int_equal(read(pipefd[0], &c, 1), 0);
    close(pipefd[0]);
    assert_int_equal(box_start(box), 0);
    assert_int_equal(box_wait(box, -1, NULL), 0);
    box_free(box);
}

/* max_rss_bytes is the box's own peak, never the caller's: a caller with 256 MiB resident
 * running `true` reports 0 (below its own peak, not known) or a small number, with
 * box-init the box's real peak; a box above the caller's peak reports its own. */
static void test_max_rss_is_the_boxs(void **state)
{
    pid_t caller;
    int status;

    (void)state;
    caller = fork();
    if (caller == 0) {
        size_t size = 256u << 20;
        char *big = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        box_status_t st, st_init;
        box_t *box = new_test_box();

        if (big == MAP_FAILED)
            _exit(2);
        memset(big, 1, size);
        if (run_argv(box, (const char *const[]){ "true", NULL }, NULL, 0, &st) < 0)
            _exit(3);
        box_free(box);
        box = new_test_box();
        box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_INIT);
        if (run_argv(box, (const char *const[]){ "true", NULL }, NULL, 0, &st_init) < 0)
            _exit(3);
        box_free(box);
        fprintf(stderr, "# caller 256 MiB: max_rss %llu, with box-init %llu\n",
                (unsigned long long)st.max_rss_bytes, (unsigned long long)st_init.max_rss_bytes);
        _exit(st.max_rss_bytes < (32u << 20) && st_init.max_rss_bytes > 0 &&
                      st_init.max_rss_bytes < (32u << 20)
                  ? 0
                  : 1);
    }
    assert_int_equal(waitpid(caller, &status, 0), caller);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    for (int init = 0; init < 2; init++) {
        box_t *box = new_test_box();
        box_status_t st;

        assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
        if (init)
            assert_int_equal(box_set_options(box, BOX_OPT_INIT), 0);
        /* tail keeps 64 MiB without a newline in memory */
        assert_int_equal(run_box(box, "head -c 67108864 /dev/zero | tail", NULL, 0, &st), 0);
        assert_true(st.max_rss_bytes >= (64u << 20));
        assert_true(st.max_rss_bytes < (96u << 20));
        box_free(box);
    }
}

/* A root of our own: bin/true copied from the host (dynamically linked, its ELF interpreter
 * not in this root) and bin/script naming a missing #! interpreter. */
static void make_bare_root(char *dir)
{
    char path[256];
    FILE *f;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bin", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "cp /bin/true %s/bin/true", dir);
    assert_int_equal(system(path), 0);
    snprintf(path, sizeof path, "%s/bin/script", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("#!/bin/no-such-shell\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
}

static void remove_bare_root(const char *dir)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void expect_exec_error(const char *root, unsigned int opts, const char *prog,
                              const char *want)
{
    box_t *box;

    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root(box, root, 0), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | opts), 0);
    assert_int_equal(box_spawn(box, (const char *const[]){ prog, NULL }), -ENOENT);
    if (!strstr(box_errmsg(box), want))
        fail_msg("message '%s' lacks '%s'", box_errmsg(box), want);
    box_free(box);
}

/* Messages a newcomer can act on: the limit by name, the PATH searched, the missing
 * interpreter rather than a missing program, the caller's root rather than libbox's
 * attach point. */
static void test_error_messages(void **state)
{
    char dir[] = "/tmp/libbox-contract-XXXXXX", path[64];
    box_t *box;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "set_limit: memory must not be 0: Invalid argument");
    box_free(box);

    make_bare_root(dir);
    for (unsigned int opts = 0; opts <= BOX_OPT_INIT; opts += BOX_OPT_INIT) {
        expect_exec_error(dir, opts, "/bin/true", "exec /bin/true: its interpreter /lib");
        expect_exec_error(dir, opts, "/bin/true", "is not in the box: No such file");
        expect_exec_error(dir, opts, "script",
                          "exec /bin/script: its interpreter /bin/no-such-shell is not in "
                          "the box");
        expect_exec_error(dir, opts, "nosuchprog",
                          "exec nosuchprog (searched PATH=/usr/local/bin:/usr/bin:/bin:");
        expect_exec_error(dir, opts, "/bin/nosuch", "exec /bin/nosuch: No such file");
    }

    /* The root, checked by box_set_root, is a file by the time of box_spawn. */
    snprintf(path, sizeof path, "%s/bin/r", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root(box, path, 0), 0);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
    assert_true(box_spawn(box, (const char *const[]){ "true", NULL }) < 0);
    if (!strstr(box_errmsg(box), path) || !strstr(box_errmsg(box), "not a directory"))
        fail_msg("message '%s' does not name %s as no directory", box_errmsg(box), path);
    box_free(box);
    remove_bare_root(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_caller_sigchld_dispositions, leak_setup,
                                        leak_teardown),
        cmocka_unit_test_setup_teardown(test_thread_blocked_in_waitpid, leak_setup,
                                        leak_teardown),
        cmocka_unit_test_setup_teardown(test_no_monitor, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_spawning_thread_exits, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_box_dies_with_process, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_fd_exhaustion, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_held_box_holds_only_passed_fds, leak_setup,
                                        leak_teardown),
        cmocka_unit_test_setup_teardown(test_max_rss_is_the_boxs, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_error_messages, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
