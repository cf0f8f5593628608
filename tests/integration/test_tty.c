/* Integration tests of box_set_tty: the box's program has a pty of the box's own devpts
 * as its controlling terminal and stdio (tty, stty size), job control works in a shell
 * on it, the caller gets the output on the master and resizes it (SIGWINCH); a held box
 * has its master before box_start; refusals; nothing left behind. As root and (with
 * --rootless) as nobody. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 8192

/* A box on the test rootfs with its own /dev (devpts) and a terminal of rows x cols. */
static box_t *tty_box(unsigned short rows, unsigned short cols)
{
    box_t *box = new_test_box();

    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_set_tty(box, 1, rows, cols), 0);
    return box;
}

/* Read the master into out (terminated) until `marker` shows up, the terminal closes
 * (EIO once the box's last holder of the slave is gone) or nothing came for 20 s (the
 * caller's assertion then fails on the text). Returns the length. */
static size_t read_until(int fd, char *out, size_t size, const char *marker)
{
    size_t len = 0;

    out[0] = '\0';
    while (len + 1 < size && !(marker && strstr(out, marker))) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 20000) <= 0)
            break;
        n = read(fd, out + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        out[len] = '\0';
    }
    return len;
}

static void write_all(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* `tty` names a pty of the box's devpts, `stty size` says the size set, the shell leads
 * its own session with the terminal as its controlling one (stat fields 6..8: session,
 * tty_nr, tpgid), and all of it reaches the master. */
static void test_tty_basics(void **state)
{
    const char *const argv[] = {
        "sh", "-c",
        "tty; stty size; set -- $(cat /proc/$$/stat); "
        "echo \"sid=$(( $6 == $$ )) ctty=$(( $7 != 0 )) fg=$(( $8 == $5 ))\"; "
        "ls -l /proc/self/fd/0 | sed 's/.*-> //'",
        NULL };
    char out[OUT_MAX];
    box_status_t st;
    box_t *box = tty_box(30, 100);
    int fd;

    (void)state;
    assert_int_equal(box_tty_fd(box), -ENOTTY); /* not spawned yet */
    assert_int_equal(box_spawn(box, argv), 0);
    fd = box_tty_fd(box);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    read_until(fd, out, sizeof out, NULL);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
    assert_non_null(strstr(out, "/dev/pts/0\r\n"));
    assert_non_null(strstr(out, "30 100\r\n"));
    assert_non_null(strstr(out, "sid=1 ctty=1 fg=1\r\n"));
    assert_null(strstr(out, "not a tty"));
    box_free(box);
}

/* Until the shell (pid `shell`) has given the terminal to a job of its own and put it
 * back in cooked mode (its line editor reads in raw mode), for at most 20 s: seen from
 * the master, whose TIOCGPGRP and termios are the terminal's. */
static void wait_foreground_job(int fd, pid_t shell)
{
    for (int i = 0; i < 2000; i++) {
        struct termios t;
        pid_t fg = tcgetpgrp(fd);

        if (fg > 0 && fg != shell && tcgetattr(fd, &t) == 0 && (t.c_lflag & ISIG) &&
            (t.c_lflag & ICANON))
            return;
        usleep(10000);
    }
}

/* An interactive shell with job control: a background job has a process group of its
 * own, fg brings it to the foreground and waits for it, ^Z stops a foreground job, fg
 * continues it and ^C ends it. */
static void test_tty_job_control(void **state)
{
    const char *const argv[] = { "sh", "-i", NULL };
    char out[OUT_MAX];
    box_status_t st;
    box_t *box = tty_box(24, 80);
    int fd;

    (void)state;
    assert_int_equal(box_setenv(box, "PS1", "$ "), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    fd = box_tty_fd(box);
    write_all(fd, "set -m; sleep 30 & set -- $(cat /proc/$!/stat); "
                  "echo \"own=$(( $5 == $1 && $5 != $$ ))\"\n");
    read_until(fd, out, sizeof out, "own=1");
    assert_non_null(strstr(out, "own=1"));
    write_all(fd, "kill %1; sleep 0.2 & fg; echo \"fg=$((40+2))\"\n");
    read_until(fd, out, sizeof out, "fg=42");
    assert_non_null(strstr(out, "fg=42"));
    write_all(fd, "sleep 30\n");
    wait_foreground_job(fd, box_pid(box));
    write_all(fd, "\x1a"); /* ^Z: the terminal stops the foreground job */
    read_until(fd, out, sizeof out, "Stopped");
    assert_non_null(strstr(out, "Stopped"));
    /* fg continues it in the foreground, ^C ends it there. */
    write_all(fd, "fg\n");
    wait_foreground_job(fd, box_pid(box));
    write_all(fd, "\x03");
    write_all(fd, "echo \"back=$((6*7))\"\n");
    read_until(fd, out, sizeof out, "back=42");
    assert_non_null(strstr(out, "back=42"));
    write_all(fd, "exit 3\n");
    read_until(fd, out, sizeof out, NULL);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 3);
    box_free(box);
}

/* box_tty_resize: the program's foreground process group gets SIGWINCH and the new size.
 * The box is held first: its master is there before box_start (OCI's console socket). */
static void test_tty_resize_held(void **state)
{
    const char *const argv[] = {
        "sh", "-c", "trap 'echo winch $(stty size)' WINCH; echo ready; "
                    "while :; do sleep 0.1; done", NULL };
    char out[OUT_MAX];
    box_t *box = tty_box(0, 0);
    int fd;

    (void)state;
    assert_int_equal(box_tty_resize(box, 10, 10), -ENOTTY);
    assert_int_equal(box_set_option(box, BOX_OPT_HOLD, 1), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    fd = box_tty_fd(box);
    assert_true(fd >= 0);
    assert_int_equal(box_start(box), 0);
    read_until(fd, out, sizeof out, "ready\r\n");
    assert_non_null(strstr(out, "ready"));
    assert_int_equal(box_tty_resize(box, 40, 120), 0);
    read_until(fd, out, sizeof out, "winch 40 120");
    assert_non_null(strstr(out, "winch 40 120"));
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, NULL), 0);
    box_free(box);
}

/* box_exec with BOX_EXEC_TTY (boxoci exec -t): a terminal of its own from the box's
 * devpts, next to the box's own (so /dev/pts/1), with its size; the master keeps the
 * output after the reap; stdio fds cannot go with it. */
static void test_tty_exec(void **state)
{
    const char *const sleeper[] = { "sleep", "60", NULL };
    const char *const argv[] = { "sh", "-c", "tty; stty size; set -- $(cat /proc/$$/stat); "
                                 "echo \"sid=$(( $6 == $$ )) fg=$(( $8 == $5 ))\"", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    char out[OUT_MAX];
    box_status_t st;
    box_proc_t *proc;
    box_t *box = tty_box(0, 0);

    (void)state;
    assert_int_equal(box_spawn(box, sleeper), 0);
    opts.flags = BOX_EXEC_TTY;
    opts.tty_rows = 12;
    opts.tty_cols = 34;
    opts.stdout_fd = 1;
    assert_int_equal(box_exec(box, argv, &opts, &proc), -EINVAL);
    opts.stdout_fd = -1;
    assert_int_equal(box_exec(box, argv, &opts, &proc), 0);
    assert_int_equal(box_proc_wait(proc, -1, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_true(box_proc_tty_fd(proc) >= 0);
    read_until(box_proc_tty_fd(proc), out, sizeof out, NULL);
    assert_non_null(strstr(out, "/dev/pts/1\r\n"));
    assert_non_null(strstr(out, "12 34\r\n"));
    assert_non_null(strstr(out, "sid=1 fg=1\r\n"));
    assert_int_equal(box_proc_tty_resize(proc, 1, 1), 0);
    box_proc_free(proc);

    opts.flags = 0; /* without: no terminal */
    assert_int_equal(box_exec(box, (const char *const[]){ "true", NULL }, &opts, &proc), 0);
    assert_int_equal(box_proc_tty_fd(proc), -ENOTTY);
    box_proc_free(proc);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, NULL), 0);
    box_free(box);
}

/* Refusals: a root without /dev/ptmx fails at step "tty" naming it; stdio passed with a
 * terminal; a box freed while held closes its master (the leak check). */
static void test_tty_refused(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_t *box = new_test_box();
    int p[2];

    (void)state;
    assert_int_equal(box_set_tty(box, 1, 0, 0), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT); /* the test rootfs has an empty /dev */
    assert_string_equal(box_error_step(box), "tty");
    assert_non_null(strstr(box_errmsg(box), "/dev/ptmx"));
    assert_int_equal(box_tty_fd(box), -ENOTTY);
    box_free(box);

    box = tty_box(0, 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "box_pass_fd"));
    box_free(box);
    close(p[0]);
    close(p[1]);

    box = tty_box(0, 0);
    assert_int_equal(box_set_option(box, BOX_OPT_HOLD, 1), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_true(box_tty_fd(box) >= 0);
    box_free(box);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tty_basics, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tty_job_control, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tty_resize_held, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tty_exec, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_tty_refused, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
