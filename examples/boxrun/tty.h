/* boxrun --tty (tty.c): the caller's terminal relayed to the box's pty, or to the pty of a
 * program run in a running box (--exec --tty). */
#ifndef BOXRUN_TTY_H
#define BOXRUN_TTY_H

#include <signal.h>

#include <box.h>

/* The caller's window size (stdin's, else stdout's terminal), or 0 0. */
void boxrun_tty_size(unsigned short *rows, unsigned short *cols);

/* Relay until the box ends: stdin to the master (the caller's terminal raw meanwhile),
 * the master to stdout, SIGWINCH to box_tty_resize, the signals of `forward` to the box
 * (SIGTERM as its stop signal). Returns box_wait's result with *st filled. */
int boxrun_tty_relay(box_t *box, const sigset_t *forward, box_status_t *st);

/* The same for a process run with BOX_EXEC_TTY (its master, box_proc_tty_resize and
 * box_proc_kill; every signal forwarded as it is). Returns box_proc_wait's result. */
int boxrun_tty_relay_proc(box_proc_t *proc, const sigset_t *forward, box_status_t *st);

#endif
