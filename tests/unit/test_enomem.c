/* Out of memory, everywhere: every allocation libbox makes itself (malloc, calloc, realloc,
 * strdup, asprintf, vasprintf: wrapped at link time with -Wl,--wrap) fails in turn, the
 * first, then the second, ..., until a call gets through without meeting a failure. Each
 * time the call must return 0 or -ENOMEM with a message, and leave nothing behind: no fd,
 * no child, and (under AddressSanitizer, which CI runs) no leaked byte. Allocations inside
 * libseccomp, libcap, json-c and libarchive are theirs and not failed here. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "box.h"

static long fail_at; /* the allocation number that fails (1 = the first); 0: none */
static long seen;    /* allocations made since fail_at was set */

static bool fail_now(void)
{
    if (fail_at <= 0 || ++seen != fail_at)
        return false;
    errno = ENOMEM;
    return true;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    return fail_now() ? -1 : __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = __wrap_vasprintf(out, fmt, ap);
    va_end(ap);
    return r;
}

static int count_fds(void)
{
    int n = 0;

    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* One call on a box the test prepared (prepare may be NULL), made with allocation
 * number k failing, for k = 1, 2, ... until the call meets no failure. The message of an
 * -ENOMEM is on the box unless the call checks its own (message_on_box false). */
typedef void (*prepare_fn)(box_t *box);
typedef int (*call_fn)(box_t *box);

static void sweep(const char *name, prepare_fn prepare, call_fn call, bool message_on_box)
{
    for (long k = 1;; k++) {
        int fds = count_fds(), r;
        box_t *box;

        assert_int_equal(box_new(&box, 0), 0);
        if (prepare)
            prepare(box);
        seen = 0;
        fail_at = k;
        r = call(box);
        fail_at = 0;
        if (r != 0 && (r != -ENOMEM || (message_on_box && !box_errmsg(box)[0])))
            fail_msg("%s with allocation %ld failing: %d '%s'", name, k, r, box_errmsg(box));
        box_free(box);
        if (count_fds() != fds)
            fail_msg("%s with allocation %ld failing: %d fds before, %d after", name, k, fds,
                     count_fds());
        if (waitpid(-1, NULL, WNOHANG | __WALL) != -1 || errno != ECHILD)
            fail_msg("%s with allocation %ld failing: a child is left", name, k);
        if (seen < k) { /* it got through: every allocation it makes was failed once */
            assert_int_equal(r, 0);
            print_message("%s: %ld allocations, each failed once\n", name, k - 1);
            return;
        }
    }
}

static void test_box_new(void **state)
{
    (void)state;
    for (long k = 1;; k++) {
        box_t *box = NULL;
        int r;

        seen = 0;
        fail_at = k;
        r = box_new(&box, 0);
        fail_at = 0;
        if (r != 0 && (r != -ENOMEM || box))
            fail_msg("box_new with allocation %ld failing: %d", k, r);
        box_free(box);
        if (seen < k) {
            assert_int_equal(r, 0);
            return;
        }
    }
}

#define SETTER(name, expr) \
    static int call_##name(box_t *b) { return (expr); }
#define SETTERS(X) \
    X(hostname, box_set_hostname(b, "h")) \
    X(root, box_set_root(b, "/", BOX_ROOT_READONLY)) \
    X(bind, box_mount(b, BOX_MOUNT_BIND, "/usr", "/usr", BOX_MOUNT_RO)) \
    X(tmpfs, box_mount_tmpfs(b, "/tmp", 1 << 20, 01777, 0)) \
    X(mkdir, box_mkdir(b, "/a/b", 0700)) \
    X(chmod, box_chmod(b, "/a", 0700)) \
    X(mount_fd, box_mount_fd(b, 0, "/fd0", 0)) \
    X(overlay, box_set_root_overlay(b, 2, (const char *[]){ "/usr", "/etc" }, NULL, NULL, 0)) \
    X(uid_map, box_add_uid_map(b, 0, 0, 1)) \
    X(groups, box_set_groups(b, 2, (gid_t[]){ 1, 2 })) \
    X(setenv, box_setenv(b, "A", "b") ?: box_setenv(b, "A", "c") ?: box_unsetenv(b, "A")) \
    X(cwd, box_set_cwd(b, "/tmp") ?: box_try_cwd(b, "/")) \
    X(program, box_set_program(b, "/bin/true")) \
    X(pass_fd, box_pass_fd(b, 0, 0) ?: box_pass_fd(b, 1, 7)) \
    X(lock_file, box_lock_file(b, "/etc/passwd")) \
    X(init_path, box_set_init_path(b, "/usr/libexec/box-init")) \
    X(cgroup_parent, box_set_cgroup_parent(b, "/libbox-test")) \
    X(cpuset, box_set_cpuset(b, "0", "0")) \
    X(cap_keep, box_cap_keep(b, "net_bind_service")) \
    X(seccomp_rule, box_seccomp_rule(b, "keyctl", BOX_SECCOMP_ERRNO, 1)) \
    X(seccomp_parse, box_seccomp_rule_parse(b, "ptrace=errno:1,a0==16")) \
    X(seccomp_bpf, box_seccomp_add_bpf(b, (const char[8]){ 6, 0, 0, 0, 0, 0, 0xff, 0x7f }, 8)) \
    X(landlock, box_landlock_path(b, "/usr", BOX_LANDLOCK_READ)) \
    X(veth, box_net_veth(b, "vb0", "10.0.0.1", "10.0.0.2", 24)) \
    X(bridge, box_net_bridge(b, "libboxt0", "10.89.0.0/16", "", 0) ?: box_net_ip(b, "10.89.0.9")) \
    X(publish, box_net_bridge(b, NULL, NULL, NULL, 0) ?: box_net_publish(b, "8080:80/udp")) \
    X(detach, box_set_id(b, "x") ?: box_set_state_dir(b, "/tmp/s") ?: box_set_label(b, "l"))
SETTERS(SETTER)

static void test_setters(void **state)
{
    static const struct {
        const char *name;
        call_fn call;
    } calls[] = {
#define SETTER_ENTRY(name, expr) { #name, call_##name },
        SETTERS(SETTER_ENTRY)
#undef SETTER_ENTRY
    };

    (void)state;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        sweep(calls[i].name, NULL, calls[i].call, true);
}

/* A whole box, built and run: the parent's plan, the child's setup, the wait. */
static void prepare_box(box_t *b)
{
    assert_int_equal(box_set_root(b, "/", BOX_ROOT_READONLY), 0);
    assert_int_equal(box_mount(b, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    assert_int_equal(box_mount_tmpfs(b, "/tmp", 1 << 20, 01777, 0), 0);
    assert_int_equal(box_mount(b, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_setenv(b, "PATH", "/usr/bin:/bin"), 0);
    assert_int_equal(box_set_hostname(b, "enomem"), 0);
    assert_int_equal(box_seccomp_rule(b, "keyctl", BOX_SECCOMP_ERRNO, 1), 0);
    assert_int_equal(box_landlock_path(b, "/", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    assert_int_equal(box_pass_fd(b, 2, 2), 0);
}

static int spawn_and_wait(box_t *b)
{
    box_status_t st;
    int r = box_spawn(b, (const char *[]){ "true", NULL });

    if (r == 0 && (r = box_wait(b, -1, &st)) == 0 && st.end != BOX_END_EXITED)
        fail_msg("the box ended %d (%s)", st.end, box_errmsg(b));
    return r;
}

static void test_spawn(void **state)
{
    (void)state;
    sweep("spawn", prepare_box, spawn_and_wait, true);
}

/* A detached box's life: spawn (state directory, state file), box_open from its state,
 * wait, destroy. Whatever fails, the box is destroyed and its state directory is left
 * empty (checked by rmdir). */
static int detach_calls(box_t *b)
{
    char dir[] = "/tmp/libbox-enomem-XXXXXX", err[512] = "";
    box_status_t st;
    box_t *opened = NULL;
    int r;

    if (!mkdtemp(dir))
        return -errno;
    r = box_set_option(b, BOX_OPT_DETACH, 1) ?: box_set_id(b, "enomem") ?:
        box_set_state_dir(b, dir);
    if (r == 0 && (r = box_spawn(b, (const char *[]){ "true", NULL })) == 0) {
        r = box_open_err(&opened, dir, "enomem", err, sizeof err);
        if (r == -ENOMEM && !err[0])
            fail_msg("box_open_err: -ENOMEM without a message");
        if (r == 0 && (r = box_wait(opened, -1, &st)) == 0 && st.end != BOX_END_EXITED)
            fail_msg("the detached box ended %d (%s)", st.end, box_errmsg(opened));
        box_free(opened);
        if (box_destroy(b) < 0)
            fail_msg("box_destroy: %s", box_errmsg(b));
    }
    if (rmdir(dir) < 0)
        fail_msg("%s is not empty after a detached box (%d)", dir, r);
    return r;
}

static void test_detach(void **state)
{
    (void)state;
    sweep("detach", prepare_box, detach_calls, false);
}

static int store_calls(box_t *b)
{
    char dir[] = "/tmp/libbox-enomem-XXXXXX", rm[64], *json = NULL;
    box_store_t *st = NULL;
    int r;

    (void)b;
    if (!mkdtemp(dir))
        return -errno;
    /* (box_store_open has no store to hold a message when it fails) */
    if ((r = box_store_open(&st, dir, 0)) == 0) {
        r = box_image_list(st, &json);
        free(json);
        if (r == -ENOMEM && !box_store_errmsg(st)[0])
            fail_msg("box_image_list: -ENOMEM without a message");
        if (r == 0)
            r = box_store_gc(st);
        box_store_close(st);
    }
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0)
        fail_msg("%s", rm);
    return r;
}

static void test_store(void **state)
{
    (void)state;
    sweep("store", NULL, store_calls, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_box_new),
        cmocka_unit_test(test_setters),
        cmocka_unit_test(test_spawn),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_detach),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
