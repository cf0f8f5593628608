/* Integration tests of box_join_namespace: a box joins a network namespace the test made
 * (and sees its interface and inode), the uts, ipc and net namespaces of another box (a
 * pod), the user and pid namespaces of a running box (bwrap's --userns, --pidns); box_exec
 * enters the joined ones; refusals name the namespace and path; box_switch_user_namespace
 * (bwrap's --userns2) puts the program of a box set up in a's user namespace into one
 * below it. As root and (with
 * --rootless) as nobody, where joining needs the namespaces' user namespace too. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 4096

/* A process of the test's in new namespaces (a user namespace mapping us to 0 when
 * rootless), with a dummy interface "jointest0" in its network namespace; it lives until
 * holder_end. */
struct holder {
    pid_t pid;
    int ctl;
};

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        _exit(2);
    close(fd);
}

static void holder_start(struct holder *h)
{
    int p[2], flags = CLONE_NEWNET | (test_rootless ? CLONE_NEWUSER : 0);
    char byte, map[64];

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    h->pid = fork();
    assert_true(h->pid >= 0);
    if (h->pid == 0) {
        uid_t uid = geteuid();
        gid_t gid = getegid();

        close(p[0]);
        if (unshare(flags) < 0)
            _exit(3);
        if (test_rootless) {
            snprintf(map, sizeof map, "0 %u 1", uid);
            write_file("/proc/self/uid_map", map);
            write_file("/proc/self/setgroups", "deny");
            snprintf(map, sizeof map, "0 %u 1", gid);
            write_file("/proc/self/gid_map", map);
        }
        if (system("/usr/sbin/ip link add jointest0 type veth peer name jointest1") != 0)
            _exit(4);
        if (write(p[1], "", 1) != 1)
            _exit(5);
        /* until the test closes its end: it has none, so wait for a signal */
        pause();
        _exit(0);
    }
    close(p[1]);
    if (read(p[0], &byte, 1) != 1) {
        int status;

        waitpid(h->pid, &status, 0);
        close(p[0]);
        fail_msg("namespace holder failed (exit %d)", WEXITSTATUS(status));
    }
    h->ctl = p[0];
}

static void holder_end(struct holder *h)
{
    kill(h->pid, SIGKILL);
    waitpid(h->pid, NULL, 0);
    close(h->ctl);
}

static void ns_path(char *buf, size_t size, pid_t pid, const char *name)
{
    snprintf(buf, size, "/proc/%d/ns/%s", (int)pid, name);
}

/* "net:[INODE]" of a namespace file, as readlink in the box prints it. */
static void ns_id(const char *path, const char *name, char *buf, size_t size)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    snprintf(buf, size, "%s:[%lu]", name, (unsigned long)st.st_ino);
}

static void run_ok(box_t *box, const char *script, char *out)
{
    box_status_t st;

    assert_int_equal(run_box(box, script, out, OUT_MAX, &st), 0);
    if (st.end != BOX_END_EXITED || st.exit_code != 0)
        fail_msg("box script failed: %s", out);
}

/* The box joins the holder's network namespace by path (rootless: and its user
 * namespace, which owns it), and creates the rest: the same namespace, the interface in
 * it; loopback is left as the namespace has it (down). */
static void test_join_netns(void **state)
{
    char out[OUT_MAX], path[64], id[64], upath[64];
    struct holder h;
    box_t *box;

    (void)state;
    holder_start(&h);
    ns_path(path, sizeof path, h.pid, "net");
    ns_id(path, "net", id, sizeof id);
    box = new_test_box();
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, path), 0);
    if (test_rootless) {
        ns_path(upath, sizeof upath, h.pid, "user");
        assert_int_equal(box_join_namespace_path(box, BOX_NS_USER, upath), 0);
    }
    run_ok(box, "readlink /proc/self/ns/net; grep -c jointest0 /proc/net/dev; "
                "ip link show lo", out);
    assert_non_null(strstr(out, id));
    assert_non_null(strstr(out, "\n1\n"));
    assert_null(strstr(out, "UP,LOWER_UP")); /* not brought up for a joined one */
    box_free(box);
    holder_end(&h);
}

/* Root: a network namespace bind-mounted onto a file of the test's, joined by that path
 * (as podman hands one, /run/netns/NAME), and by fd. */
static void test_join_netns_bind_mounted(void **state)
{
    char out[OUT_MAX], path[64], id[64], file[] = "/tmp/libbox-netns-XXXXXX";
    struct holder h;
    box_t *box;
    int fd;

    (void)state;
    holder_start(&h);
    ns_path(path, sizeof path, h.pid, "net");
    ns_id(path, "net", id, sizeof id);
    fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mount(path, file, NULL, MS_BIND, NULL), 0);
    holder_end(&h); /* the bind mount keeps the namespace */

    box = new_test_box();
    assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, file), 0);
    run_ok(box, "readlink /proc/self/ns/net; grep -c jointest0 /proc/net/dev", out);
    assert_non_null(strstr(out, id));
    box_free(box);

    box = new_test_box();
    fd = open(file, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(box_join_namespace(box, BOX_NS_NET, fd), 0);
    close(fd);
    run_ok(box, "readlink /proc/self/ns/net", out);
    assert_non_null(strstr(out, id));
    box_free(box);
    assert_int_equal(umount2(file, MNT_DETACH), 0);
    unlink(file);
}

/* A box whose program sleeps, with a hostname of its own. */
static box_t *running_box(const char *hostname)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_t *box = new_test_box();

    assert_int_equal(box_set_hostname(box, hostname), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    return box;
}

static void end_box(box_t *box)
{
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, NULL), 0);
    box_free(box);
}

/* Join `names` (space separated) of box a's, the user namespace too when rootless. */
static void join_box(box_t *box, box_t *a, const char *const *names, const unsigned *bits)
{
    char path[64];

    for (size_t i = 0; names[i]; i++) {
        ns_path(path, sizeof path, box_pid(a), names[i]);
        assert_int_equal(box_join_namespace_path(box, bits[i], path), 0);
    }
    if (test_rootless) {
        ns_path(path, sizeof path, box_pid(a), "user");
        assert_int_equal(box_join_namespace_path(box, BOX_NS_USER, path), 0);
    }
}

/* A pod: box b shares a's uts, ipc and network namespaces (its hostname, the same ipc and
 * net namespace), and makes the rest; an exec into b sees them too. */
static void test_join_pod(void **state)
{
    static const char *const names[] = { "uts", "ipc", "net", NULL };
    static const unsigned bits[] = { BOX_NS_UTS, BOX_NS_IPC, BOX_NS_NET };
    const char *const sleeper[] = { "sleep", "60", NULL };
    const char *const argv[] = { "sh", "-c", "for n in net mnt; do readlink /proc/self/ns/$n; done",
                                 NULL };
    char out[OUT_MAX], path[64], ipc[64], net[64], mnt[64];
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_t *a = running_box("podhost"), *b;
    box_proc_t *proc;
    box_status_t st;
    int p[2];

    (void)state;
    ns_path(path, sizeof path, box_pid(a), "ipc");
    ns_id(path, "ipc", ipc, sizeof ipc);
    ns_path(path, sizeof path, box_pid(a), "net");
    ns_id(path, "net", net, sizeof net);
    ns_path(path, sizeof path, box_pid(a), "mnt");
    ns_id(path, "mnt", mnt, sizeof mnt);
    b = new_test_box();
    join_box(b, a, names, bits);
    run_ok(b, "hostname; for n in ipc net mnt; do readlink /proc/self/ns/$n; done",
           out);
    assert_non_null(strstr(out, "podhost\n"));
    assert_non_null(strstr(out, ipc));
    assert_non_null(strstr(out, net));
    assert_null(strstr(out, mnt)); /* its own mount namespace */
    box_free(b);

    /* box_exec into a box that joined: the joined namespace and the box's own. */
    b = new_test_box();
    join_box(b, a, names, bits);
    assert_int_equal(box_spawn(b, sleeper), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    opts.stdout_fd = p[1];
    assert_int_equal(box_exec(b, argv, &opts, &proc), 0);
    close(p[1]);
    out[read(p[0], out, sizeof out - 1)] = '\0';
    close(p[0]);
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    box_proc_free(proc);
    assert_non_null(strstr(out, net));
    assert_null(strstr(out, mnt));
    end_box(b);
    end_box(a);
}

/* bwrap --userns --pidns: box b joins a's user and pid namespaces: a's program is pid 1
 * there, b's is not; b's /proc is a new one of that pid namespace. With BOX_NS_PID (bwrap's
 * --unshare-pid too) b makes a pid namespace of its own inside a's. */
static void test_join_user_pid(void **state)
{
    char out[OUT_MAX], path[64], user[64], pid[64];
    box_t *a = running_box("a"), *b;

    (void)state;
    ns_path(path, sizeof path, box_pid(a), "user");
    ns_id(path, "user", user, sizeof user);
    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace_path(b, BOX_NS_USER, path), 0);
    ns_path(path, sizeof path, box_pid(a), "pid");
    ns_id(path, "pid", pid, sizeof pid);
    assert_int_equal(box_join_namespace_path(b, BOX_NS_PID, path), 0);
    run_ok(b, "for n in user pid; do readlink /proc/self/ns/$n; done; tr '\\0' ' ' </proc/1/cmdline;"
              " echo; echo pid=$$", out);
    assert_non_null(strstr(out, user));
    assert_non_null(strstr(out, pid));
    assert_non_null(strstr(out, "sleep 60 \n"));
    assert_null(strstr(out, "pid=1\n"));
    box_free(b);

    /* A pid namespace of its own below the joined one: its program is pid 1 there, and
     * a's pid namespace sees it (an exec into a lists it). */
    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT | BOX_NS_PID), 0);
    ns_path(path, sizeof path, box_pid(a), "user");
    assert_int_equal(box_join_namespace_path(b, BOX_NS_USER, path), 0);
    ns_path(path, sizeof path, box_pid(a), "pid");
    assert_int_equal(box_join_namespace_path(b, BOX_NS_PID, path), 0);
    run_ok(b, "readlink /proc/self/ns/pid; echo pid=$$; tr '\\0' ' ' </proc/1/cmdline; echo",
           out);
    assert_null(strstr(out, pid));
    assert_non_null(strstr(out, "pid=1\n"));
    assert_null(strstr(out, "sleep 60"));
    box_free(b);
    end_box(a);
}

/* A process of the test's in a user namespace below box a's, made as a's root (which it
 * becomes by setns), where a's 0 is 5 (uid and gid); it lives until holder_end. */
static void inner_userns_start(struct holder *h, box_t *a)
{
    char path[64], byte;
    int p[2], fd;

    ns_path(path, sizeof path, box_pid(a), "user");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    h->pid = fork();
    assert_true(h->pid >= 0);
    if (h->pid == 0) {
        close(p[0]);
        if (setns(fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWUSER) < 0)
            _exit(3);
        write_file("/proc/self/uid_map", "5 0 1");
        write_file("/proc/self/setgroups", "deny");
        write_file("/proc/self/gid_map", "5 0 1");
        if (write(p[1], "", 1) != 1)
            _exit(5);
        pause();
        _exit(0);
    }
    close(fd);
    close(p[1]);
    if (read(p[0], &byte, 1) != 1) {
        int status;

        waitpid(h->pid, &status, 0);
        close(p[0]);
        fail_msg("inner user namespace holder failed (exit %d)", WEXITSTATUS(status));
    }
    h->ctl = p[0];
}

/* bwrap --userns 7 --userns2 8: box b is set up in a's user namespace (joined) and its
 * program runs in the inner one: uid/gid 5 there (a's root, as the inner maps it), or the
 * ids box_set_user names in it; an id the inner lacks fails at setgid; the namespace b is
 * set up in is no switch (EINVAL at switch-userns); not with BOX_OPT_NO_USERNS. */
static void test_switch_userns(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX], path[64], inner[64], upath[64];
    box_t *a = running_box("a"), *b;
    struct holder h;
    int fd, afd;

    (void)state;
    inner_userns_start(&h, a);
    ns_path(path, sizeof path, h.pid, "user");
    ns_id(path, "user", inner, sizeof inner);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ns_path(upath, sizeof upath, box_pid(a), "user");
    afd = open(upath, O_RDONLY | O_CLOEXEC);
    assert_true(afd >= 0);

    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace(b, BOX_NS_USER, afd), 0);
    assert_int_equal(box_switch_user_namespace(b, fd), 0);
    run_ok(b, "readlink /proc/self/ns/user; id -u; id -g", out);
    assert_non_null(strstr(out, inner));
    assert_non_null(strstr(out, "\n5\n5\n"));
    box_free(b);

    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace(b, BOX_NS_USER, afd), 0);
    assert_int_equal(box_switch_user_namespace(b, fd), 0);
    assert_int_equal(box_set_user(b, 5, 5), 0);
    run_ok(b, "id -u; id -g", out);
    assert_string_equal(out, "5\n5\n");
    box_free(b);

    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace(b, BOX_NS_USER, afd), 0);
    assert_int_equal(box_switch_user_namespace(b, fd), 0);
    assert_int_equal(box_set_user(b, 0, 0), 0);
    assert_int_equal(box_spawn(b, argv), -EINVAL);
    assert_string_equal(box_error_step(b), "setgid");
    box_free(b);

    /* the setup's own namespace: the kernel refuses a setns into one's own */
    assert_int_equal(box_set_namespaces(b = new_test_box(), BOX_NS_MNT), 0);
    assert_int_equal(box_join_namespace(b, BOX_NS_USER, afd), 0);
    assert_int_equal(box_switch_user_namespace(b, afd), 0);
    assert_int_equal(box_spawn(b, argv), -EINVAL);
    assert_string_equal(box_error_step(b), "switch-userns");
    assert_non_null(strstr(box_errmsg(b), "box_switch_user_namespace"));
    box_free(b);

    b = new_test_box();
    assert_int_equal(box_set_options(b, BOX_OPT_NO_USERNS), 0);
    assert_int_equal(box_switch_user_namespace(b, fd), 0);
    assert_int_equal(box_spawn(b, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(b), "BOX_OPT_NO_USERNS"));
    box_free(b);

    /* the call's own checks */
    b = new_test_box();
    assert_int_equal(box_switch_user_namespace(b, -1), -EBADF);
    ns_path(path, sizeof path, box_pid(a), "net");
    close(fd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(box_switch_user_namespace(b, fd), -EINVAL);
    assert_non_null(strstr(box_errmsg(b), "a net namespace"));
    assert_int_equal(box_switch_user_namespace(NULL, fd), -EINVAL);
    box_free(b);
    close(fd);
    close(afd);
    holder_end(&h);
    end_box(a);
}

/* Refusals: a's pid namespace without its user namespace (owned by another than the
 * box's); rootless, a's network namespace without its user namespace fails at join-ns
 * with EPERM, naming it; a joined user namespace with uid maps. */
static void test_join_refused(void **state)
{
    char path[64], upath[64];
    const char *const argv[] = { "true", NULL };
    box_t *a = running_box("a"), *b;

    (void)state;
    ns_path(path, sizeof path, box_pid(a), "pid");
    b = new_test_box();
    assert_int_equal(box_set_namespaces(b, BOX_NS_MNT | (test_rootless ? BOX_NS_USER : 0)), 0);
    assert_int_equal(box_join_namespace_path(b, BOX_NS_PID, path), 0);
    assert_int_equal(box_spawn(b, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(b), path));
    box_free(b);

    ns_path(upath, sizeof upath, box_pid(a), "user");
    b = new_test_box();
    assert_int_equal(box_join_namespace_path(b, BOX_NS_USER, upath), 0);
    assert_int_equal(box_add_uid_map(b, 0, 1000, 1), 0);
    assert_int_equal(box_spawn(b, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(b), upath));
    box_free(b);

    if (test_rootless) {
        ns_path(path, sizeof path, box_pid(a), "net");
        b = new_test_box();
        assert_int_equal(box_join_namespace_path(b, BOX_NS_NET, path), 0);
        assert_int_equal(box_spawn(b, argv), -EPERM);
        assert_string_equal(box_error_step(b), "join-ns");
        assert_non_null(strstr(box_errmsg(b), path));
        box_free(b);
    }
    end_box(a);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest root[] = {
        cmocka_unit_test_setup_teardown(test_join_netns, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_netns_bind_mounted, leak_setup,
                                        leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_pod, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_user_pid, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_refused, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_switch_userns, leak_setup, leak_teardown),
    };
    const struct CMUnitTest rootless[] = {
        cmocka_unit_test_setup_teardown(test_join_netns, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_pod, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_user_pid, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_join_refused, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_switch_userns, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, root, sizeof root / sizeof root[0], rootless,
                     sizeof rootless / sizeof rootless[0]);
}
