/* boxrun --tty: the relay between the caller's terminal and the box's pty (box_set_tty).
 *
 * The caller's terminal goes to raw mode, so that every key (^C, ^Z, ^D) reaches the box's
 * own terminal, whose line discipline turns it into the signal or the end of input for
 * the box's foreground job: job control happens in the box. The caller's terminal is put
 * back as it was when the relay ends, when boxrun dies through die() (atexit) and when a
 * signal boxrun forwards ends it. A window size change of the caller's terminal (SIGWINCH)
 * becomes the box's (box_tty_resize). The same relay serves a program run in a running box
 * with its own terminal (boxrun --exec --tty: box_exec with BOX_EXEC_TTY). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <box.h>

#include "tty.h"

static struct termios saved;
static int saved_fd = -1;

static void restore(void)
{
    if (saved_fd >= 0)
        tcsetattr(saved_fd, TCSAFLUSH, &saved);
    saved_fd = -1;
}

void boxrun_tty_size(unsigned short *rows, unsigned short *cols)
{
    struct winsize ws;

    *rows = *cols = 0;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    }
}

/* Write all of buf; 0, or -1 when fd is gone. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copy what the master has now to stdout; -1 once it reports the end (EIO: no process of
 * the box holds the terminal any more). */
static int drain(int master)
{
    char buf[4096];

    for (;;) {
        ssize_t n = read(master, buf, sizeof buf);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)
            return -1;
        if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
            return -1;
    }
}

/* What the relay drives: a box (boxrun) or a process run in one (boxrun --exec). */
struct target {
    int master, pidfd;
    int (*wait)(void *who, box_status_t *st); /* without waiting: -EAGAIN/-ETIMEDOUT */
    void (*resize)(void *who, unsigned short rows, unsigned short cols);
    void (*stop)(void *who, int sig); /* a signal boxrun got, for it */
    void *who;
};

static int relay(const struct target *t, const sigset_t *forward, box_status_t *st)
{
    int master = t->master, sfd, rc;
    struct pollfd p[4];
    bool in_open = true, out_open = true;
    sigset_t set = *forward;

    if (master < 0)
        return master;
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        return -errno;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios raw = saved;

        cfmakeraw(&raw);
        saved_fd = STDIN_FILENO;
        atexit(restore);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    /* The master never blocks us: a box that stops reading cannot stall the relay of its
     * output, and the end is read as EIO. */
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    for (;;) {
        p[0] = (struct pollfd){ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = out_open ? master : -1, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        p[3] = (struct pollfd){ .fd = t->pidfd, .events = POLLIN };
        /* The wait enforces the wall-time and cpu-time limits while it is called. */
        rc = t->wait(t->who, st);
        if (rc != -EAGAIN && rc != -ETIMEDOUT)
            break;
        if (poll(p, 4, 100) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            out_open = drain(master) == 0;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[4096];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

            if (n <= 0 && !(n < 0 && errno == EINTR))
                in_open = false; /* the box reads what it has; its terminal stays */
            else if (n > 0 && write_all(master, buf, (size_t)n) < 0)
                in_open = false;
        }
        if (p[2].revents & POLLIN) {
            struct signalfd_siginfo si;

            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                unsigned short rows, cols;
                int sig = (int)si.ssi_signo;

                if (sig == SIGWINCH) {
                    boxrun_tty_size(&rows, &cols);
                    t->resize(t->who, rows, cols);
                    continue;
                }
                t->stop(t->who, sig);
            }
        }
    }
    if (rc == 0 && out_open)
        drain(master); /* what it wrote last */
    restore();
    close(sfd);
    return rc;
}

static int box_wait_now(void *box, box_status_t *st)
{
    return box_wait(box, 0, st);
}

static void box_resize(void *box, unsigned short rows, unsigned short cols)
{
    box_tty_resize(box, rows, cols);
}

/* "Stop": the image's StopSignal (SIGTERM without an image), as docker. */
static void box_stop(void *box, int sig)
{
    box_kill(box, sig == SIGTERM ? box_stop_signal(box) : sig);
}

int boxrun_tty_relay(box_t *box, const sigset_t *forward, box_status_t *st)
{
    const struct target t = { box_tty_fd(box), box_pidfd(box), box_wait_now, box_resize,
                              box_stop, box };

    return relay(&t, forward, st);
}

static int proc_wait_now(void *proc, box_status_t *st)
{
    return box_proc_wait(proc, 0, st);
}

static void proc_resize(void *proc, unsigned short rows, unsigned short cols)
{
    box_proc_tty_resize(proc, rows, cols);
}

static void proc_stop(void *proc, int sig)
{
    box_proc_kill(proc, sig);
}

int boxrun_tty_relay_proc(box_proc_t *proc, const sigset_t *forward, box_status_t *st)
{
    const struct target t = { box_proc_tty_fd(proc), box_proc_pidfd(proc), proc_wait_now,
                              proc_resize, proc_stop, proc };

    return relay(&t, forward, st);
}
