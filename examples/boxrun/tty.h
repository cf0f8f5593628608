/* boxrun --tty (tty.c): the caller's terminal relayed to the box's pty. */
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

#endif
