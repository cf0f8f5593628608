/* Integration tests of detached boxes (BOX_OPT_DETACH, box_open, box_destroy, box_list):
 * a box made by a process that then exits is found again, entered, started, waited for
 * and destroyed by another; its status survives its creator; a recycled pid is never taken
 * for it; concurrent starts are ordered by the lock; nothing is left after destroy. As root
 * and (with --rootless) as nobody. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 8192

static char state_dir[64];
static int devnull = -1; /* the boxes' stdio: they outlive the test's pipes */

static int make_state_dir(void **state)
{
    strcpy(state_dir, "/tmp/libbox-detach-XXXXXX");
    assert_non_null(mkdtemp(state_dir));
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    assert_true(devnull >= 0);
    return leak_setup(state);
}

/* Every box was destroyed: the state directory is empty again (rmdir says so). */
static int remove_state_dir(void **state)
{
    int r = leak_teardown(state);

    close(devnull);
    assert_int_equal(rmdir(state_dir), 0);
    return r;
}

/* A detached box on the test root, stdio on /dev/null. */
static box_t *detached_box(const char *id, unsigned int extra_opts)
{
    box_t *box = new_test_box();

    for (int fd = 0; fd < 3; fd++)
        assert_int_equal(box_pass_fd(box, devnull, fd), 0);
    assert_int_equal(box_set_option(box, BOX_OPT_DETACH | extra_opts, 1), 0);
    assert_int_equal(box_set_id(box, id), 0);
    assert_int_equal(box_set_state_dir(box, state_dir), 0);
    return box;
}

/* Make the box in a child process that exits right after box_spawn: the box outlives its
 * creator. Returns the box's pid as the creator saw it. */
static pid_t spawn_in_child(box_t *box, const char *const argv[])
{
    int p[2], status;
    pid_t child, pid = -1;

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int r = box_spawn(box, argv);

        if (r < 0)
            fprintf(stderr, "spawn: %s\n", box_errmsg(box));
        pid = r < 0 ? r : box_pid(box);
        if (write(p[1], &pid, sizeof pid) != sizeof pid)
            _exit(2);
        box_free(box);
        _exit(r < 0);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &pid, sizeof pid), sizeof pid);
    close(p[0]);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    box_free(box); /* the parent's copy: never spawned here */
    return pid;
}

static box_t *open_box(const char *id)
{
    char err[512];
    box_t *box = NULL;
    int r = box_open_err(&box, state_dir, id, err, sizeof err);

    if (r < 0)
        print_message("open %s: %s\n", id, err);
    assert_int_equal(r, 0);
    assert_non_null(box);
    return box;
}

/* A file of the host's /proc for the box's pid 1 (what the creator made), trimmed. */
static void host_proc(pid_t pid, const char *file, char *out, size_t size)
{
    char path[128];
    int fd;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    read_all(fd, out, size);
    close(fd);
}

static void host_link(pid_t pid, const char *ns, char *out, size_t size)
{
    char path[128];
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns);
    n = readlink(path, out, size - 1);
    assert_true(n > 0);
    out[n] = '\0';
}

/* The line of a /proc/PID/status text that starts with key. */
static void status_line(const char *text, const char *key, char *out, size_t size)
{
    const char *l = strstr(text, key);

    assert_non_null(l);
    snprintf(out, size, "%.*s", (int)strcspn(l, "\n"), l);
}

/* One process makes a detached box and exits; this one opens it and execs into it: the
 * exec sees the box's pid namespace (pid 1's cmdline), hostname, mount, uts, ipc, net,
 * user and cgroup namespaces, uid map, cgroup, capabilities and seccomp filter (the
 * denied call is still denied). Then destroy leaves nothing. */
static void test_detach_open_exec(void **state)
{
    const char *const argv[] = { "sleep", "600", NULL };
    static const char *const nss[] = { "pid", "mnt", "uts", "ipc", "net", "user", "cgroup" };
    char out[OUT_MAX], want[OUT_MAX], host[OUT_MAX], line[256], path[4200], cg[1024] = "";
    box_t *box = detached_box("exec-1", 0);
    box_status_t st;
    pid_t pid;
    size_t len = 0;

    (void)state;
    assert_int_equal(box_set_hostname(box, "detbox"), 0);
    assert_int_equal(box_seccomp_rule(box, "mkdir", BOX_SECCOMP_ERRNO, ENOMSG), 0);
    assert_int_equal(box_seccomp_rule(box, "mkdirat", BOX_SECCOMP_ERRNO, ENOMSG), 0);
    if (!test_rootless)
        assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 64), 0);
    pid = spawn_in_child(box, argv);
    assert_true(pid > 0);
    box = open_box("exec-1");
    assert_int_equal(box_pid(box), pid);
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    assert_string_equal(box_id(box), "exec-1");
    assert_int_equal(exec_box(box, "tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; "
                                  "for n in pid mnt uts ipc net user cgroup; do "
                                  "readlink /proc/self/ns/$n; done; cat /proc/self/uid_map; "
                                  "cat /proc/self/cgroup; echo ==; cat /proc/1/cgroup; "
                                  "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "
                                  "/proc/self/status; mkdir /newdir; echo mkdir=$?",
                         NULL, out, sizeof out, &st),
                     0);
    assert_int_equal(st.end, BOX_END_EXITED);
    /* What the host says about the box's pid 1, in the same order. */
    host_proc(pid, "cmdline", host, sizeof host);
    for (size_t i = 0; i < sizeof host && (host[i] || host[i + 1]); i++)
        want[len++] = host[i] ? host[i] : ' ';
    want[len] = '\0';
    strcat(want, " \ndetbox\n");
    for (size_t i = 0; i < sizeof nss / sizeof nss[0]; i++) {
        host_link(pid, nss[i], line, sizeof line);
        strcat(want, line);
        strcat(want, "\n");
    }
    host_proc(pid, "uid_map", host, sizeof host);
    strcat(want, host);
    print_message("%s", out);
    assert_memory_equal(out, want, strlen(want));
    /* The exec's cgroups are pid 1's (as the box's cgroup namespace shows both). */
    {
        const char *mine = out + strlen(want), *sep = strstr(mine, "==\n"), *theirs;

        assert_non_null(sep);
        theirs = sep + 3;
        assert_true(sep > mine);
        assert_memory_equal(mine, theirs, (size_t)(sep - mine));
    }
    host_proc(pid, "cgroup", cg, sizeof cg);
    host_proc(pid, "status", host, sizeof host);
    status_line(host, "CapEff:", line, sizeof line);
    assert_non_null(strstr(out, line));
    status_line(host, "CapBnd:", line, sizeof line);
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "NoNewPrivs:\t1"));
    assert_non_null(strstr(out, "Seccomp:\t2"));
    assert_non_null(strstr(out, "No message of desired type")); /* ENOMSG from the filter */
    assert_non_null(strstr(out, "mkdir=1"));
    /* Its cgroup, as the host names it (root: the pids limit gave it one). */
    if (!test_rootless) {
        /* v1 (hybrid here): the pids hierarchy; pure v2 (the VM): the unified one */
        const char *pids = strstr(cg, ":pids:"), *v2 = strstr(cg, "0::");

        assert_true(pids || v2);
        if (pids)
            snprintf(path, sizeof path, "/sys/fs/cgroup/pids%.*s",
                     (int)strcspn(pids + 6, "\n"), pids + 6);
        else
            snprintf(path, sizeof path, "/sys/fs/cgroup%.*s", (int)strcspn(v2 + 3, "\n"),
                     v2 + 3);
        assert_non_null(strstr(path, "libbox-detached-"));
        assert_int_equal(access(path, F_OK), 0);
    }
    assert_int_equal(box_destroy(box), 0);
    assert_int_equal(box_wait(box, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    assert_int_equal(box_phase(box), BOX_PHASE_STOPPED);
    assert_int_equal(box_destroy(box), -ESRCH);
    box_free(box);
    /* No process, cgroup or state left (its reaper, not we, takes the zombie). */
    for (int i = 0; i < 5000 && kill(pid, 0) == 0; i++)
        usleep(1000);
    assert_true(kill(pid, 0) < 0 && errno == ESRCH);
    if (!test_rootless)
        assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(box_open(&box, state_dir, "exec-1"), -ENOENT);
    assert_null(box);
}

/* The status is recorded when nobody waits: the creator is gone, the box ended long
 * before anyone opened it. */
static void test_detach_status_after_creator(void **state)
{
    const char *const argv[] = { "sh", "-c", "exit 7", NULL };
    box_t *box = detached_box("status-1", 0);
    box_status_t st;
    pid_t pid;

    (void)state;
    pid = spawn_in_child(box, argv);
    assert_true(pid > 0);
    /* It ends soon after; wait for the pid to go (it is not our child). */
    for (int i = 0; i < 5000 && kill(pid, 0) == 0; i++)
        usleep(1000);
    box = open_box("status-1");
    assert_int_equal(box_phase(box), BOX_PHASE_STOPPED);
    assert_int_equal(box_wait(box, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 7);
    assert_int_equal(box_kill(box, SIGTERM), -ESRCH);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* A held box is started by another process than its creator; a second start is refused;
 * box_wait in a third sees its end. */
static void test_detach_held_start_elsewhere(void **state)
{
    const char *const argv[] = { "sh", "-c", "read x; exit 3", NULL };
    box_t *box = detached_box("held-1", BOX_OPT_HOLD), *other;
    box_status_t st;
    int status;
    pid_t pid, starter;

    (void)state;
    /* stdin: a pipe of ours, so that we decide when the program ends */
    int in[2];

    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, in[0], 0), 0);
    pid = spawn_in_child(box, argv);
    close(in[0]);
    assert_true(pid > 0);
    box = open_box("held-1");
    assert_int_equal(box_phase(box), BOX_PHASE_CREATED);
    assert_int_equal(box_exec(box, argv, NULL, &(box_proc_t *){ NULL }), -ESRCH);
    assert_int_equal(box_wait(box, 0, &st), -EINVAL);
    starter = fork();
    assert_true(starter >= 0);
    if (starter == 0) {
        box_t *b = NULL;
        int r = box_open(&b, state_dir, "held-1");

        if (r == 0 && (r = box_start(b)) < 0)
            fprintf(stderr, "start: %s\n", box_errmsg(b));
        box_free(b);
        _exit(r == 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(starter, &status, 0), starter);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Started elsewhere: this box_t sees it, and may not start it again. */
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    assert_int_equal(box_start(box), -EINVAL);
    other = open_box("held-1");
    assert_int_equal(box_start(other), -EINVAL);
    assert_int_equal(box_phase(other), BOX_PHASE_RUNNING);
    assert_int_equal(box_wait(other, 0, &st), -EAGAIN);
    assert_int_equal(write(in[1], "\n", 1), 1);
    close(in[1]);
    assert_int_equal(box_wait(other, 10000, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 3);
    box_free(other);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 3);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* The creator's own box_t starts its held detached box; a failing exec is reported to
 * the starter with its errno. */
static void test_detach_held_start_self(void **state)
{
    const char *const argv[] = { "true", NULL }, *const bad[] = { "/no/such/program", NULL };
    box_t *box = detached_box("held-2", BOX_OPT_HOLD);
    box_status_t st;

    (void)state;
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_phase(box), BOX_PHASE_CREATED);
    assert_int_equal(box_start(box), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);

    box = detached_box("held-3", BOX_OPT_HOLD);
    assert_int_equal(box_spawn(box, bad), 0);
    box_free(box); /* leaves it held */
    box = open_box("held-3");
    assert_int_equal(box_start(box), -ENOENT);
    assert_string_equal(box_error_step(box), "exec");
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 127);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* The type of file `name` in the state of box id (S_IFSOCK...), or 0 where there is none. */
static mode_t state_file_type(const char *id, const char *name)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s/%s", state_dir, id, name);
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

/* A held box waits on one unix socket in its state directory ("start", and no second
 * file), which box_start removes; a held child that ended before it was started refuses
 * the connection: -ESRCH, and destroy leaves nothing (the teardown's rmdir). */
static void test_detach_held_socket(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_t *box = detached_box("held-sock", BOX_OPT_HOLD);
    box_status_t st;
    struct pollfd pfd;

    (void)state;
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(state_file_type("held-sock", "start"), S_IFSOCK);
    assert_int_equal(state_file_type("held-sock", "result"), 0);
    assert_int_equal(box_start(box), 0);
    assert_int_equal(state_file_type("held-sock", "start"), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);

    box = detached_box("held-dead", BOX_OPT_HOLD);
    assert_int_equal(box_spawn(box, argv), 0);
    pfd = (struct pollfd){ .fd = box_pidfd(box), .events = POLLIN };
    assert_true(pfd.fd >= 0);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(poll(&pfd, 1, 10000), 1); /* its fds, the listener too, are closed */
    assert_int_equal(box_start(box), -ESRCH);
    assert_non_null(strstr(box_errmsg(box), "ended before it was started"));
    assert_int_equal(state_file_type("held-dead", "start"), 0);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* A starter that connects and goes away before the held child reports its failed exec:
 * the child's report fails (EPIPE) instead of SIGPIPE killing it, so the box still ends
 * as "exited" 127. With box-init the program is pid 2 and SIGPIPE killed it; without
 * box-init (the second case: its status is its reaper's, so this process is the
 * subreaper) the child is pid 1 of its pid namespace, which a SIGPIPE never kills, so
 * that case passes either way and only a box without a pid namespace would tell. */
static void test_detach_held_starter_gone(void **state)
{
    const char *const bad[] = { "/no/such/program", NULL };
    const unsigned int opts[] = { 0, BOX_OPT_NO_INIT };

    (void)state;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        box_t *box = detached_box("held-gone", BOX_OPT_HOLD | opts[i]);
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        box_status_t st;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (opts[i] & BOX_OPT_NO_INIT)
            assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        assert_int_equal(box_spawn(box, bad), 0);
        snprintf(a.sun_path, sizeof a.sun_path, "%s/held-gone/start", state_dir);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        close(fd); /* before the child could write: it accepts a connection already closed */
        assert_int_equal(unlink(a.sun_path), 0); /* what box_start does after its read */
        assert_int_not_equal(box_phase(box), BOX_PHASE_CREATED); /* started elsewhere */
        assert_int_equal(box_wait(box, 10000, &st), 0);
        if (st.end != BOX_END_EXITED)
            print_message("opts %u: end %d signal %d\n", opts[i], st.end, st.signal);
        assert_int_equal(st.end, BOX_END_EXITED);
        assert_int_not_equal(st.exit_code, 0);
        if (opts[i] & BOX_OPT_NO_INIT) { /* box_wait took the status with WNOWAIT */
            assert_int_equal(waitpid(box_pid(box), NULL, 0), box_pid(box));
            assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
        }
        assert_int_equal(box_destroy(box), 0);
        box_free(box);
    }
}

/* box_hook_caller's function of a detached box, for test_detach_open_in_hook_caller: the
 * box opened by id as an OCI hook's `runtime state ID` does (an alarm ends the test if
 * box_open waits for the lock instead). */
static int open_in_hook_fn(box_t *box, void *data)
{
    box_t *opened = NULL;
    int *seen = data, r;

    alarm(20);
    r = box_open(&opened, state_dir, box_id(box));
    alarm(0);
    seen[0] = r;
    seen[1] = r == 0 ? (int)box_phase(opened) : -1;
    seen[2] = r == 0 && box_pid(opened) == box_pid(box);
    box_free(opened);
    return 0;
}

/* A detached box is box_open'ed during its box_spawn, from box_hook_caller's function:
 * held, with its pid; started once box_spawn returned. */
static void test_detach_open_in_hook_caller(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_t *box = detached_box("hook-1", BOX_OPT_HOLD);
    int seen[3] = { 1, -1, 0 };
    box_status_t st;

    (void)state;
    assert_int_equal(box_hook_caller(box, BOX_HOOK_MOUNTED, open_in_hook_fn, seen), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], BOX_PHASE_CREATED);
    assert_true(seen[2]);
    assert_int_equal(box_start(box), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* A caller that is a child subreaper (as conmon and containerd's shim are) reaps the
 * box's pid 1 itself with waitpid(-1), and gets its exit status. */
static void test_detach_subreaper_reaps(void **state)
{
    const char *const argv[] = { "sh", "-c", "exit 5", NULL };
    int status;
    pid_t child;

    (void)state;
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        box_t *box = detached_box("reap-1", 0), *opened = NULL;
        box_status_t st;
        pid_t pid, got;
        int ok;

        prctl(PR_SET_CHILD_SUBREAPER, 1);
        if (box_spawn(box, argv) < 0)
            _exit(10);
        pid = box_pid(box);
        box_free(box);
        got = waitpid(-1, &status, 0);
        ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5;
        /* Reaped by us; the record in the state directory says the same. */
        if (box_open(&opened, state_dir, "reap-1") < 0 || box_wait(opened, 0, &st) < 0)
            _exit(11);
        ok = ok && st.end == BOX_END_EXITED && st.exit_code == 5;
        ok = ok && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD; /* no zombie more */
        ok = ok && box_destroy(opened) == 0;
        box_free(opened);
        _exit(ok ? 0 : 12);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* BOX_OPT_NO_INIT: the program itself is pid 1 (as an OCI runtime runs it), the caller's
 * subreaper reaps it with its own status, and box_wait there reads that status from the
 * kernel; BOX_OPT_INIT with it is refused. */
static void test_detach_no_init(void **state)
{
    const char *const argv[] = { "sh", "-c", "read x; exit 6", NULL };
    box_t *bad = detached_box("noinit-0", BOX_OPT_NO_INIT | BOX_OPT_INIT);
    int status, p[2];
    pid_t child;

    (void)state;
    assert_int_equal(box_spawn(bad, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(bad), "BOX_OPT_NO_INIT"));
    box_free(bad);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        box_t *box = detached_box("noinit-1", BOX_OPT_NO_INIT), *opened = NULL;
        char out[OUT_MAX];
        box_status_t st;
        pid_t pid, got;
        int ok;

        prctl(PR_SET_CHILD_SUBREAPER, 1);
        assert_int_equal(box_pass_fd(box, p[0], 0), 0); /* waits on the test's pipe */
        if (box_spawn(box, argv) < 0)
            _exit(10);
        pid = box_pid(box);
        box_free(box);
        if (box_open(&opened, state_dir, "noinit-1") < 0 ||
            exec_box(opened, "tr '\\0' ' ' </proc/1/cmdline", NULL, out, sizeof out, &st) < 0)
            _exit(11);
        ok = strcmp(out, "sh -c read x; exit 6 ") == 0;
        if (!ok)
            fprintf(stderr, "pid 1 is '%s'\n", out);
        close(p[1]); /* now it ends */
        ok = box_wait(opened, -1, &st) == 0 && st.end == BOX_END_EXITED &&
             st.exit_code == 6 && ok;
        got = waitpid(-1, &status, 0);
        ok = ok && got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 6;
        ok = ok && box_destroy(opened) == 0;
        box_free(opened);
        _exit(ok ? 0 : 12);
    }
    close(p[0]);
    close(p[1]);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* box_proc_release: the exec'd process outlives its handle, still the caller's child. */
static void test_detach_exec_release(void **state)
{
    const char *const argv[] = { "sleep", "100", NULL }, *const exec_argv[] = { "sleep", "50",
                                                                               NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_t *box = detached_box("release-1", 0), *opened;
    box_proc_t *proc;
    int status;
    pid_t pid;

    (void)state;
    assert_true(spawn_in_child(box, argv) > 0);
    opened = open_box("release-1");
    opts.stdin_fd = opts.stdout_fd = opts.stderr_fd = devnull;
    assert_int_equal(box_exec(opened, exec_argv, &opts, &proc), 0);
    pid = box_proc_pid(proc);
    box_proc_release(proc);
    box_proc_release(NULL);
    assert_int_equal(kill(pid, 0), 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(box_destroy(opened), 0);
    box_free(opened);
}

/* Write a state file for id, made from `from`'s with its pid and start time replaced. */
static void forge_state(const char *from, const char *id, pid_t pid, unsigned long long start)
{
    char path[256], text[OUT_MAX], forged[OUT_MAX], *line;
    size_t len = 0;
    FILE *f;
    int fd;

    snprintf(path, sizeof path, "%s/%s/state", state_dir, from);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    read_all(fd, text, sizeof text);
    close(fd);
    forged[0] = '\0';
    for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "id ", 3) == 0)
            len += (size_t)snprintf(forged + len, sizeof forged - len, "id %s\n", id);
        else if (strncmp(line, "pid ", 4) == 0)
            len += (size_t)snprintf(forged + len, sizeof forged - len, "pid %d\n", (int)pid);
        else if (strncmp(line, "starttime ", 10) == 0)
            len += (size_t)snprintf(forged + len, sizeof forged - len, "starttime %llu\n",
                                    start);
        else if (strncmp(line, "cgroup ", 7) != 0) /* never another box's cgroup */
            len += (size_t)snprintf(forged + len, sizeof forged - len, "%s\n", line);
    }
    snprintf(path, sizeof path, "%s/%s", state_dir, id);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/%s/state", state_dir, id);
    f = fopen(path, "we");
    assert_non_null(f);
    fputs(forged, f);
    fclose(f);
}

static void remove_forged(const char *id)
{
    char path[256];

    snprintf(path, sizeof path, "%s/%s/state", state_dir, id);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/%s", state_dir, id);
    assert_int_equal(rmdir(path), 0);
}

/* A pid that is alive but not the box's (another start time, as after the box ended and
 * its pid was given to a new process) is not taken for the box: it counts as ended, and
 * box_kill / box_destroy never signal that process. The same forged state with the right
 * start time does take the process (the check is what tells them apart). */
static void test_detach_recycled_pid(void **state)
{
    const char *const argv[] = { "sleep", "600", NULL };
    char stat[1024], *p;
    unsigned long long start;
    box_t *box = detached_box("real", 0), *forged;
    box_status_t st;
    pid_t victim;
    int fd, status;

    (void)state;
    assert_int_equal(box_spawn(box, argv), 0);
    /* A live process of ours stands for whatever got the recycled pid. */
    victim = fork();
    assert_true(victim >= 0);
    if (victim == 0) {
        pause();
        _exit(0);
    }
    snprintf(stat, sizeof stat, "/proc/%d/stat", (int)victim);
    fd = open(stat, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    read_all(fd, stat, sizeof stat);
    close(fd);
    p = strrchr(stat, ')');
    for (int field = 2; field < 22; field++)
        p = strchr(p + 1, ' ');
    start = strtoull(p + 1, NULL, 10);

    forge_state("real", "recycled", victim, start + 1);
    forged = open_box("recycled");
    assert_int_equal(box_phase(forged), BOX_PHASE_STOPPED);
    assert_int_equal(box_pidfd(forged), -ESRCH);
    assert_int_equal(box_kill(forged, SIGKILL), -ESRCH);
    assert_int_equal(box_wait(forged, 0, &st), 0);
    assert_int_equal(box_destroy(forged), 0); /* removes the forged state, kills nothing */
    box_free(forged);
    assert_int_equal(waitpid(victim, &status, WNOHANG), 0); /* still alive */

    forge_state("real", "same", victim, start);
    forged = open_box("same");
    assert_int_equal(box_phase(forged), BOX_PHASE_RUNNING);
    box_free(forged); /* leaves it */
    remove_forged("same");

    kill(victim, SIGKILL);
    assert_int_equal(waitpid(victim, &status, 0), victim);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* Many processes start the same held box at once: the lock lets exactly one do it; the
 * others are told it was started. Concurrent opens all read a whole state. */
static void test_detach_concurrent(void **state)
{
    enum { N = 8 };
    const char *const argv[] = { "sleep", "600", NULL };
    box_t *box = detached_box("race-1", BOX_OPT_HOLD);
    pid_t kids[N];
    int started = 0, refused = 0, status;

    (void)state;
    assert_int_equal(box_spawn(box, argv), 0);
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            box_t *b = NULL;
            int r = 0;

            for (int k = 0; k < 20 && r == 0; k++) { /* opens while others start */
                r = box_open(&b, state_dir, "race-1");
                box_free(b);
            }
            if (r < 0 || box_open(&b, state_dir, "race-1") < 0)
                _exit(3);
            r = box_start(b);
            box_free(b);
            _exit(r == 0 ? 0 : r == -EINVAL ? 1 : 2);
        }
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status));
        started += WEXITSTATUS(status) == 0;
        refused += WEXITSTATUS(status) == 1;
    }
    assert_int_equal(started, 1);
    assert_int_equal(refused, N - 1);
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* The stale-cgroup cleanup (a new box below the same parent) spares a detached box
 * whose creator is dead. */
static void test_detach_survives_stale_cleanup(void **state)
{
    const char *const argv[] = { "sleep", "600", NULL };
    box_t *box = detached_box("stale-1", 0), *other;
    box_status_t st;
    pid_t pid;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 64), 0);
    pid = spawn_in_child(box, argv);
    assert_true(pid > 0);
    other = new_test_box();
    assert_int_equal(box_set_limit(other, BOX_LIMIT_PIDS, 64), 0);
    assert_int_equal(run_box(other, "true", NULL, 0, &st), 0);
    box_free(other);
    assert_int_equal(kill(pid, 0), 0);
    box = open_box("stale-1");
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    /* pause and resume through the opened box's cgroup */
    assert_int_equal(box_pause(box), 0);
    assert_int_equal(box_phase(box), BOX_PHASE_PAUSED);
    assert_int_equal(box_resume(box), 0);
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

static int collect(const char *id, void *data)
{
    char *out = data;

    strcat(out, id);
    strcat(out, ",");
    return 0;
}

static int stop_at_first(const char *id, void *data)
{
    (void)id, (void)data;
    return 42;
}

static void test_detach_list(void **state)
{
    const char *const argv[] = { "sleep", "600", NULL };
    box_t *b = detached_box("list-b", 0), *a = detached_box("list-a", BOX_OPT_HOLD);
    char ids[256] = "";

    (void)state;
    assert_int_equal(box_list(state_dir, collect, ids), 0);
    assert_string_equal(ids, "");
    assert_int_equal(box_spawn(b, argv), 0);
    assert_int_equal(box_spawn(a, argv), 0);
    assert_int_equal(box_list(state_dir, collect, ids), 0);
    assert_string_equal(ids, "list-a,list-b,");
    assert_int_equal(box_list(state_dir, stop_at_first, NULL), 42);
    assert_int_equal(box_phase(a), BOX_PHASE_CREATED);
    assert_int_equal(box_destroy(a), 0);
    assert_int_equal(box_destroy(b), 0);
    ids[0] = '\0';
    assert_int_equal(box_list(state_dir, collect, ids), 0);
    assert_string_equal(ids, "");
    assert_int_equal(box_list("/nonexistent/dir", collect, ids), -ENOENT);
    assert_int_equal(box_list("relative", collect, ids), -EINVAL);
    assert_int_equal(box_list(state_dir, NULL, ids), -EINVAL);
    box_free(a);
    box_free(b);
}

/* Bad ids, directories and combinations are refused with a message; a failed spawn
 * leaves no state; a hostile state file is an error. */
static void test_detach_errors(void **state)
{
    static const char *const bad_ids[] = { "", ".", "..", ".hidden", "-x", "a/b", "a b",
                                           "a\nb", "ä" };
    const char *const argv[] = { "sleep", "600", NULL };
    char long_id[BOX_ID_MAX + 2], path[256], err[512];
    box_t *box = new_test_box(), *dup;
    FILE *f;

    (void)state;
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
        assert_int_equal(box_set_id(box, bad_ids[i]), -EINVAL);
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(box_set_id(box, long_id), -EINVAL);
    long_id[BOX_ID_MAX] = '\0';
    assert_int_equal(box_set_id(box, long_id), 0);
    assert_int_equal(box_set_id(box, NULL), -EINVAL);
    assert_int_equal(box_set_state_dir(box, "relative/dir"), -EINVAL);
    assert_int_equal(box_set_state_dir(NULL, "/x"), -EINVAL);
    /* BOX_OPT_DETACH without an id */
    box_free(box);
    box = new_test_box();
    assert_int_equal(box_set_option(box, BOX_OPT_DETACH, 1), 0);
    assert_int_equal(box_set_state_dir(box, state_dir), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "box_set_id"));
    box_free(box);
    /* The same id twice: the second spawn fails and leaves the first alone. */
    box = detached_box("twice", 0);
    assert_int_equal(box_spawn(box, argv), 0);
    dup = detached_box("twice", 0);
    assert_int_equal(box_spawn(dup, argv), -EEXIST);
    assert_int_equal(box_phase(dup), -ESRCH);
    box_free(dup);
    assert_int_equal(box_phase(box), BOX_PHASE_RUNNING);
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
    /* A spawn that fails (no such program) leaves no state behind. */
    box = detached_box("fails", 0);
    {
        const char *const nope[] = { "/no/such/program", NULL };

        assert_int_equal(box_spawn(box, nope), -ENOENT);
    }
    box_free(box);
    assert_int_equal(box_open(&box, state_dir, "fails"), -ENOENT);
    /* box_open's own errors */
    assert_int_equal(box_open(NULL, state_dir, "x"), -EINVAL);
    assert_int_equal(box_open(&box, state_dir, "../etc"), -EINVAL);
    assert_int_equal(box_open(&box, "relative", "x"), -EINVAL);
    assert_int_equal(box_open_err(&box, state_dir, "missing", err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "missing"));
    assert_null(box);
    /* a hostile state file */
    snprintf(path, sizeof path, "%s/hostile", state_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/hostile/state", state_dir);
    f = fopen(path, "we");
    assert_non_null(f);
    fputs("libbox-state 1\nid hostile\npid 1\nstarttime 5\ncgroup 99 0 /x\n", f);
    fclose(f);
    assert_int_equal(box_open_err(&box, state_dir, "hostile", err, sizeof err), -EPROTO);
    assert_non_null(strstr(err, "line 5"));
    assert_null(box);
    remove_forged("hostile");
    /* box_destroy of a box that is not detached */
    box = new_test_box();
    assert_int_equal(box_destroy(box), -EINVAL);
    assert_int_equal(box_destroy(NULL), -EINVAL);
    assert_int_equal(box_phase(NULL), -EINVAL);
    box_free(box);
}

/* The first line of the file box_limit_status names for limit. */
static void limit_text(box_t *box, box_limit_t limit, char *out, size_t size)
{
    char where[1024];
    FILE *f;

    assert_int_equal(box_limit_status(box, limit, where, sizeof where), 1);
    assert_non_null(f = fopen(where, "re"));
    assert_non_null(fgets(out, (int)size, f));
    fclose(f);
}

/* A detached box `id` running sleep with two limits, made by a child that exited: opened. */
static box_t *opened_with_limits(const char *id, box_limit_t a, uint64_t va, box_limit_t b,
                                 uint64_t vb)
{
    const char *const argv[] = { "sleep", "100", NULL };
    box_t *box = detached_box(id, 0);

    assert_int_equal(box_set_limit(box, a, va), 0);
    assert_int_equal(box_set_limit(box, b, vb), 0);
    spawn_in_child(box, argv);
    return open_box(id);
}

/* box_update_limit through one box_open is what the next box_open sees (the state file
 * keeps it): v1 writes swap as memory + swap, so a swap update through a second open must
 * add the memory limit the first open set, not the one of box_spawn. v1 or hybrid hosts
 * with swap accounting. */
static void test_detach_update_limit_persists(void **state)
{
    char text[64] = "";
    box_features_t feat;
    box_t *box;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if ((feat.cgroup_layout != BOX_CGROUP_V1 && feat.cgroup_layout != BOX_CGROUP_HYBRID) ||
        access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) < 0)
        skip_because("a v1 memory hierarchy with swap accounting");
    box = opened_with_limits("u1", BOX_LIMIT_MEMORY, 256 << 20, BOX_LIMIT_SWAP, 0);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, 128 << 20), 0);
    /* A wall limit is this process's box_wait's: not in the state file. */
    assert_int_equal(box_update_limit(box, BOX_LIMIT_WALL_MS, 100000), 0);
    box_free(box);
    box = open_box("u1");
    assert_int_equal(box_update_limit(box, BOX_LIMIT_SWAP, 64 << 20), 0);
    limit_text(box, BOX_LIMIT_SWAP, text, sizeof text);
    assert_string_equal(text, "201326592\n"); /* 128 + 64 MiB */
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

/* On cgroup v2 the box's controllers live in its one v2 cgroup: the state file says so,
 * and a box_open in another process updates a limit there (boxoci update). */
static void test_detach_update_limit_v2(void **state)
{
    char memory[64] = "", pids[64] = "";
    box_features_t feat;
    box_t *box;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (feat.cgroup_layout != BOX_CGROUP_V2 || !strstr(feat.cgroup_controllers, "memory") ||
        !strstr(feat.cgroup_controllers, "pids"))
        skip_because("a pure cgroup v2 host with the memory and pids controllers");
    box = opened_with_limits("u2", BOX_LIMIT_MEMORY, 256 << 20, BOX_LIMIT_PIDS, 50);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 20), 0);
    limit_text(box, BOX_LIMIT_MEMORY, memory, sizeof memory);
    limit_text(box, BOX_LIMIT_PIDS, pids, sizeof pids);
    assert_string_equal(memory, "67108864\n");
    assert_string_equal(pids, "20\n");
    assert_int_equal(box_destroy(box), 0);
    box_free(box);
}

int main(int argc, char **argv)
{
#define T(name) cmocka_unit_test_setup_teardown(name, make_state_dir, remove_state_dir)
    const struct CMUnitTest root[] = {
        T(test_detach_open_exec),
        T(test_detach_status_after_creator),
        T(test_detach_held_start_elsewhere),
        T(test_detach_held_start_self),
        T(test_detach_held_socket),
        T(test_detach_held_starter_gone),
        T(test_detach_open_in_hook_caller),
        T(test_detach_subreaper_reaps),
        T(test_detach_no_init),
        T(test_detach_exec_release),
        T(test_detach_recycled_pid),
        T(test_detach_concurrent),
        T(test_detach_survives_stale_cleanup),
        T(test_detach_list),
        T(test_detach_errors),
        T(test_detach_update_limit_persists),
        T(test_detach_update_limit_v2),
    };
    const struct CMUnitTest rootless[] = {
        T(test_detach_open_exec),
        T(test_detach_status_after_creator),
        T(test_detach_held_start_elsewhere),
        T(test_detach_held_start_self),
        T(test_detach_held_socket),
        T(test_detach_held_starter_gone),
        T(test_detach_open_in_hook_caller),
        T(test_detach_subreaper_reaps),
        T(test_detach_no_init),
        T(test_detach_exec_release),
        T(test_detach_recycled_pid),
        T(test_detach_concurrent),
        T(test_detach_list),
        T(test_detach_errors),
    };
#undef T
    return test_main(argc, argv, root, sizeof root / sizeof root[0], rootless,
                     sizeof rootless / sizeof rootless[0]);
}
