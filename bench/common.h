/* What the benchmark programs share: a temporary root directory holding the static test
 * programs, the floor (a bare clone with all namespaces and maps), sample statistics and
 * the markdown of their tables. Benchmarks only: errors end the program (die). */
#ifndef LIBBOX_BENCH_COMMON_H
#define LIBBOX_BENCH_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#define BENCH_ALL_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | \
                      CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

/* The root directory: /tmp/boxbench.XXXXXX with proc/, dev/ and a copy of each program
 * (by its basename). bench_root_path("noop") is that copy's host path. */
extern char bench_root[];
void bench_root_make(const char *const programs[], size_t n);
const char *bench_root_path(const char *name);
void bench_root_remove(void);

void die(const char *what) __attribute__((noreturn));
double now_ms(void);

/* 0 if pid exited with status 0, else -1 (EINTR retried). */
int wait_ok(pid_t pid);

/* The floor: clone(CLONE_VM + 7 namespaces) onto `stack_top`; the child waits on
 * `go[0]` until the parent has written its uid and gid maps, then execs `path` (a host
 * path) with no arguments. Returns the pid (the caller waits for it) or -1. The child runs
 * on `stack_top` until it execs: reuse that stack only after waiting for the child. Safe
 * from several threads, each with its own stack and its own `go` pipe. */
pid_t floor_ns_start(const char *path, char *stack_top, const int go[2]);
/* The same child, which first makes what the kernel needs for an overlay root (libbox's
 * step OVERLAY: a tmpfs for the upper layer and an overlay over `lower`, from fds, stacked
 * at /tmp) and then execs `path` (a path in that overlay, e.g. "/tmp/noop"). */
pid_t floor_ns_overlay_start(const char *lower, const char *path, char *stack_top,
                             const int go[2]);

/* The bench root as a one-layer image BENCH_IMAGE (a docker-archive made with tar and
 * sha256sum), imported into a store of its own in a temporary directory: the store, or
 * NULL (saying why). bench_image_remove closes it and removes the directory. */
#define BENCH_IMAGE "bench/noop:1"
typedef struct box_store box_store_t;
box_store_t *bench_image_make(void);
void bench_image_remove(box_store_t *store);

/* Median and p99 of n samples (sorts them). */
void stats(double *v, size_t n, double *median, double *p99);

#endif
