/* Unit tests of the embedder's contract (cmocka, no box is spawned): bad input is refused at
 * the call that takes it, and a failure caused by the caller's momentary state (here: no
 * free fd) does not stick to the process. Linked against libbox_internal. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "box-private.h"
#include "child.h"

static int new_box(void **state)
{
    box_t *box;

    assert_int_equal(box_new(&box, 0), 0);
    *state = box;
    return 0;
}

static int free_box(void **state)
{
    box_free(*state);
    return 0;
}

/* The internal chmod step of the mount plan is not a public mount type. */
static void test_mount_type_enum(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_mount(box, (box_mount_type_t)100, NULL, "/tmp", 0), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "unknown mount type 100"));
    assert_int_equal(box_mount(box, (box_mount_type_t)0, NULL, "/tmp", 0), -EINVAL);
    assert_int_equal(box_mount(box, (box_mount_type_t)(BOX_MOUNT_REMOUNT_RO + 1), NULL, "/tmp",
                               0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/tmp", 0), 0);
}

/* cgroup v1 writes memory + swap as one number: the sum must not wrap, whichever comes
 * first. */
static void test_swap_sum(void **state)
{
    box_t *box = *state, *other;

    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 32 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, UINT64_MAX), -ERANGE);
    assert_non_null(strstr(box_errmsg(box), "swap"));
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 64 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, UINT64_MAX), -ERANGE);

    assert_int_equal(box_new(&other, 0), 0);
    assert_int_equal(box_set_limit(other, BOX_LIMIT_SWAP, UINT64_MAX), 0);
    assert_int_equal(box_set_limit(other, BOX_LIMIT_MEMORY, 32 << 20), -ERANGE);
    box_free(other);
}

static void test_time_offset_range(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_BOOTTIME, INT64_MAX), -ERANGE);
    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_BOOTTIME, INT64_MIN), -ERANGE);
    assert_int_equal(box_set_time_offset(box, BOX_CLOCK_BOOTTIME, -86400), 0);
}

static void test_seccomp_export_closed_fd(void **state)
{
    box_t *box = *state;
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(box_seccomp_export(box, fd, 0), -EBADF);
    assert_int_equal(box_seccomp_export(box, -1, 0), -EBADF);
}

/* Lower RLIMIT_NOFILE so that the next fd this process opens fails with EMFILE. */
static void no_free_fd(struct rlimit *saved)
{
    struct rlimit rl;
    int probe = dup(0);

    assert_true(probe >= 0);
    close(probe);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
    rl = *saved;
    rl.rlim_cur = (rlim_t)probe;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* The first build of the default seccomp filter fails (its memfd cannot be made); a later
 * one succeeds and is cached: after it, a spawn needs no fd for the filter any more. */
static void test_seccomp_cache_survives_failure(void **state)
{
    box_t *box = *state;
    struct box_plan a = { 0 };
    struct rlimit saved;
    int r;

    no_free_fd(&saved);
    r = box__seccomp_prepare(box, &a);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(r, -EMFILE);
    assert_non_null(strstr(box_errmsg(box), "memfd_create"));
    assert_null(a.seccomp_filter);

    assert_int_equal(box__seccomp_prepare(box, &a), 0);
    assert_non_null(a.seccomp_filter);
    free(a.seccomp_filter);
    a.seccomp_filter = NULL;

    no_free_fd(&saved);
    r = box__seccomp_prepare(box, &a);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(r, 0);
    assert_non_null(a.seccomp_filter);
    free(a.seccomp_filter);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: it needs the process's default filter not to be built yet. */
        cmocka_unit_test_setup_teardown(test_seccomp_cache_survives_failure, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_mount_type_enum, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_swap_sum, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_time_offset_range, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_export_closed_fd, new_box, free_box),
    };

    return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
