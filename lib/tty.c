/* Terminals: a pty as the controlling terminal and stdio of the box's program (box_set_tty)
 * or of one box_exec'd program, the master for the caller, its window size.
 *
 * The pty comes from the devpts the program sees: the child opens /dev/ptmx after
 * pivot_root (step TTY), so with BOX_MOUNT_DEV it is the box's own devpts instance and
 * `tty` in the box names /dev/pts/N of that instance, as runc and crun do it for an OCI
 * console. The child makes the slave its controlling terminal in a session of its own
 * and its stdin, stdout and stderr, and sends the master to the parent over the sync
 * socket (SCM_RIGHTS) before anything else of the box runs; the parent takes it when
 * the box reports (box_spawn, box_exec) and keeps it, close-on-exec, until box_free or
 * box_proc_free. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

BOX_API int box_set_tty(box_t *box, int on, unsigned short rows, unsigned short cols)
{
    int r = box__check_configurable(box, "set_tty");

    if (r < 0)
        return r;
    box->tty = on != 0;
    box->tty_rows = on ? rows : 0;
    box->tty_cols = on ? cols : 0;
    return 0;
}

BOX_API int box_tty_fd(const box_t *box)
{
    if (!box)
        return -EINVAL;
    return box->tty_fd >= 0 ? box->tty_fd : -ENOTTY;
}

int box__tty_resize(int fd, unsigned short rows, unsigned short cols)
{
    struct winsize ws = { .ws_row = rows, .ws_col = cols };

    if (fd < 0)
        return -ENOTTY;
    return ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

BOX_API int box_tty_resize(box_t *box, unsigned short rows, unsigned short cols)
{
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (box->tty_fd < 0)
        return box__error(box, ENOTTY, "tty_resize: the box has no terminal (box_set_tty, "
                          "then box_spawn)");
    r = box__tty_resize(box->tty_fd, rows, cols);
    return r < 0 ? box__error(box, -r, "tty_resize %ux%u", rows, cols) : 0;
}

/* The parent: the master the child sent (one byte 't' with the fd), after the child's
 * report came (so it is queued already). Returns the fd or -errno. */
int box__tty_receive(int sock)
{
    char byte = 0;
    int fd = -1;
    ssize_t n = box__recv_with_fd(sock, &byte, 1, MSG_DONTWAIT, &fd);

    if (n == 1 && byte == 't' && fd >= 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return n < 0 ? (int)n : -EIO;
}

/* Child: fd moved above 0..2 (closed ones would be the lowest free numbers), which the
 * slave is about to take. */
static long above_stdio(long fd)
{
    long moved;

    if (fd < 0 || fd > 2)
        return fd;
    moved = SYS3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    SYS1(SYS_close, fd);
    return moved;
}

/* Child, in the box's root with its final identity (so the slave belongs to the box's
 * user) and before Landlock: a new pty from the box's /dev/ptmx, unlocked, sized; a
 * session of our own (already ours with BOX_OPT_NEW_SESSION) with the slave as its
 * controlling terminal; the slave on 0, 1 and 2; the master to the parent. */
long box__step_tty(const struct box_plan *p, struct box_child *c)
{
    struct winsize ws = { .ws_row = p->tty_rows, .ws_col = p->tty_cols };
    int unlock = 0;
    long m, s = -1, r;

    box__strlcpy(c->e.path, "/dev/ptmx", sizeof c->e.path);
    m = above_stdio(SYS3(SYS_openat, AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (m < 0)
        return m;
    c->e.path[0] = '\0';
    if ((r = SYS3(SYS_ioctl, m, TIOCSPTLCK, &unlock)) < 0 ||
        ((ws.ws_row || ws.ws_col) && (r = SYS3(SYS_ioctl, m, TIOCSWINSZ, &ws)) < 0) ||
        (r = s = above_stdio(SYS3(SYS_ioctl, m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC))) < 0)
        goto out;
    if (SYS1(SYS_getsid, 0) != SYS0(SYS_getpid) && (r = SYS0(SYS_setsid)) < 0)
        goto out;
    if ((r = SYS3(SYS_ioctl, s, TIOCSCTTY, 0)) < 0)
        goto out;
    for (int fd = 0; fd < 3; fd++)
        if ((r = SYS3(SYS_dup3, s, fd, 0)) < 0)
            goto out;
    r = box__send_fd(p->sync_fd, 't', (int)m);
out:
    SYS1(SYS_close, m);
    if (s >= 0)
        SYS1(SYS_close, s);
    return r < 0 ? r : 0;
}
