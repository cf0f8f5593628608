/* Shared helpers of the integration tests: the test rootfs, running a box and capturing
 * its output, and the leak checks every test ends with. */
#ifndef LIBBOX_TEST_HELPERS_H
#define LIBBOX_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <box.h>

extern const char *test_rootfs; /* busybox root, read-only for the tests */
extern int test_rootless;       /* 1 when running as an unprivileged user */

/* A box on test_rootfs with /proc; the caller adds more before run_box(). */
box_t *new_test_box(void);

/* Map the box's uids and gids 0..65535 to 100000.. on the host (root only). */
void map_id_range(box_t *box);

/* Spawn `script` with sh -c, capture stdout (up to size-1 bytes) and wait.
 * Returns box_spawn's or box_wait's result. */
int run_box(box_t *box, const char *script, char *out, size_t size, box_status_t *st);

/* The same for any argv. */
int run_argv(box_t *box, const char *const argv[], char *out, size_t size, box_status_t *st);

/* In a running box: box_exec `script` with sh -c and `opts` (NULL: defaults), capture its
 * stdout, and its stderr unless opts names a stderr_fd (up to size-1 bytes), and wait for
 * it into *st. Returns box_exec's result (its message printed when it fails). */
int exec_box(box_t *box, const char *script, const box_exec_opts_t *opts, char *out,
             size_t size, box_status_t *st);

/* Run a shell command (printf-formatted); it must exit 0 (else the command is printed). */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read fd to EOF into out (up to size-1 bytes, terminated); fd stays open. */
void read_all(int fd, char *out, size_t size);

/* Snapshot and compare what a box could leak in the caller: fds, children, host mounts
 * (by mount id: a mount that is new afterwards and lies on a path of the tests' or of
 * libbox's, /tmp/libbox-* or /run/libbox*; mounts that other programs on the host make
 * or remove meanwhile elsewhere are not the box's). */
struct leak_snapshot {
    int fds;
    int n_mounts;
    int mount_ids[4096];
};
void leak_snapshot(struct leak_snapshot *s);
void assert_no_leaks(const struct leak_snapshot *before);

/* Bytes that arrive on fd (non-blocking) within ms milliseconds, and then without a pause:
 * all read, nothing kept. */
size_t output_within(int fd, int ms);

/* cmocka setup/teardown pair: snapshot before each test, assert_no_leaks after it. */
int leak_setup(void **state);
int leak_teardown(void **state);

/* Skip the current test, saying why on stderr: a test never skips silently. */
#define skip_because(...) \
    do { \
        fprintf(stderr, "# SKIP %s: ", __func__); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        skip(); \
    } while (0)

/* main() of an integration binary: build the rootfs, then run root_tests as root, or with
 * --rootless drop to nobody and run rootless_tests; remove the rootfs; 77 = skipped. */
int test_main(int argc, char **argv, const struct CMUnitTest *root_tests, size_t n_root,
              const struct CMUnitTest *rootless_tests, size_t n_rootless);

#endif
