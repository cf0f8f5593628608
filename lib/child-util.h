/* Support code for the child between clone and exec: its error record and the few string
 * and number helpers it needs. Everything here is async-signal-safe (no libc beyond what
 * the compiler inlines, raw system calls from sys.h, no errno, no allocation) and calls
 * nothing else in lib/: it is the bottom of the child side, below child.c's steps and the
 * modules' child halves. */
#ifndef LIBBOX_CHILD_UTIL_H
#define LIBBOX_CHILD_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Written by the child to the error pipe when a step fails; then it exits. box-init writes
 * the same record when it cannot exec the program. */
struct box_child_error {
    int step;        /* enum box_step (child.h) */
    int err;         /* positive errno; 0 with STEP_HOLD means "ready, waiting" */
    int index;       /* mount op, rlimit, fd or exec candidate the step was working on, or -1 */
    char path[256];  /* the path involved, if any (inside the box for mounts) */
    int status;      /* STEP_HOOK_*: the hook's wait status (EIO), or its timeout in ms
                        (ETIMEDOUT) */
};

/* Copy a string into a fixed buffer, always terminated; NULL copies as "". */
void box__strlcpy(char *dst, const char *src, size_t size);

/* Decimal text of v into buf (at least 21 bytes), terminated; returns its length. */
size_t box__fmt_ulong(char *buf, unsigned long v);

/* *out = CLOCK_MONOTONIC in ns, by the raw system call (profiling only). */
void box__child_stamp(uint64_t *out);

/* Say in *e what a failing step was working on (index, path), and return r. */
long box__child_fail(struct box_child_error *e, int index, const char *path, long r);

/* Write the error record e to err_fd. A held detached box's err_fd is the starter's
 * connection (state.c): MSG_NOSIGNAL, so that a starter that is gone makes the write fail
 * (EPIPE) instead of killing the child with SIGPIPE; a pipe (ENOTSOCK) gets a write. */
long box__child_report(int err_fd, const struct box_child_error *e);

/* Tell the parent through err_fd that the child waits in step (a record with err 0), then
 * wait for one byte on sync_fd. 0 once it came; -EPIPE when the writers closed sync_fd
 * instead (the parent gave up on the box); or -errno. */
long box__child_ready(int err_fd, int sync_fd, int step);

/* Send one byte with fd attached (SCM_RIGHTS) on a socket: the child hands the parent a
 * descriptor (the seccomp listener, the terminal's master). Returns sendmsg's result. */
long box__send_fd(int sock, char byte, int fd);

/* A new filesystem instance (tmpfs, proc, mqueue, devpts, ...) as a detached mount, or
 * -errno. Options come in name/value pairs, ended by NULL; a NULL value is skipped. */
long box__new_fs(const char *fstype, uint64_t attr, const char *const *opts);

/* path exists but its interpreter (ELF PT_INTERP, or a script's #!) does not: 1, with the
 * interpreter copied into out; else 0. For an exec that failed with ENOENT. */
int box__missing_interp(const char *path, char *out, size_t size);

#endif
