/* Unit tests of the embedder's contract (cmocka, no box is spawned): bad input is refused at
 * the call that takes it, and a failure caused by the caller's momentary state (here: no
 * free fd) does not stick to the process. Linked against libbox_internal. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
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


/* Every errno box.h documents for a call, from a table: the call (on box `b`, freshly
 * made; `fd_closed` is a descriptor number that is not open) and what it must return.
 * Errors that need a running box (-ETIMEDOUT, -EAGAIN, -ECHILD, ...) are in the
 * integration suites; here, the argument checks and phases. */
static int fd_closed;
#define ROW(name, want, expr) \
    static int row_##name(box_t *b) { (void)b; return (expr); }
#define ROWS(X) \
    X(new_null, -EINVAL, box_new(NULL, 0)) \
    X(new_flags, -EINVAL, box_new(&b, 1)) \
    X(namespaces_bits, -EINVAL, box_set_namespaces(b, 1u << 20)) \
    X(hostname_null, -EINVAL, box_set_hostname(b, NULL)) \
    X(hostname_long, -EINVAL, box_set_hostname(b, "0123456789012345678901234567890123456789012345678901234567890123456789")) \
    X(root_relative, -EINVAL, box_set_root(b, "tmp", 0)) \
    X(root_missing, -ENOENT, box_set_root(b, "/nonexistent-libbox", 0)) \
    X(root_file, -ENOTDIR, box_set_root(b, "/dev/null", 0)) \
    X(root_flags, -EINVAL, box_set_root(b, "/", 1u << 20)) \
    X(mount_type, -EINVAL, box_mount(b, (box_mount_type_t)100, NULL, "/x", 0)) \
    X(mount_flags, -EINVAL, box_mount(b, BOX_MOUNT_TMPFS, NULL, "/x", 1u << 20)) \
    X(mount_relative, -EINVAL, box_mount(b, BOX_MOUNT_TMPFS, NULL, "x", 0)) \
    X(mount_outside, -EXDEV, box_mount(b, BOX_MOUNT_TMPFS, NULL, "/../x", 0)) \
    X(mount_source, -EINVAL, box_mount(b, BOX_MOUNT_TMPFS, "/tmp", "/x", 0)) \
    X(mount_missing, -ENOENT, box_mount(b, BOX_MOUNT_BIND, "/nonexistent-libbox", "/x", 0)) \
    X(tmpfs_mode, -EINVAL, box_mount_tmpfs(b, "/x", 0, 010000, 0)) \
    X(chmod_mode, -EINVAL, box_chmod(b, "/x", 010000)) \
    X(mkdir_relative, -EINVAL, box_mkdir(b, "x", 0755)) \
    X(uid_map_zero, -EINVAL, box_add_uid_map(b, 0, 1000, 0)) \
    X(uid_map_range, -ERANGE, box_add_uid_map(b, 0, 4294967000u, 1000)) \
    X(gid_map_overlap, -EEXIST, box_add_gid_map(b, 0, 1000, 10) ?: box_add_gid_map(b, 5, 2000, 1)) \
    X(user_minus1, -EINVAL, box_set_user(b, (uid_t)-1, (gid_t)-1)) \
    X(groups_null, -EINVAL, box_set_groups(b, 1, NULL)) \
    X(groups_many, -EINVAL, box_set_groups(b, 65, (gid_t[65]){ 0 })) \
    X(setenv_name, -EINVAL, box_setenv(b, "A=B", "c")) \
    X(setenv_value, -EINVAL, box_setenv(b, "A", NULL)) \
    X(unsetenv_name, -EINVAL, box_unsetenv(b, "")) \
    X(cwd_relative, -EINVAL, box_set_cwd(b, "x")) \
    X(program_empty, -EINVAL, box_set_program(b, "")) \
    X(pass_fd_target, -EBADF, box_pass_fd(b, 0, 5000)) \
    X(pass_fd_closed, -EBADF, box_pass_fd(b, fd_closed, 3)) \
    X(time_offset_clock, -EINVAL, box_set_time_offset(b, 3, 1)) \
    X(time_offset_range, -ERANGE, box_set_time_offset(b, BOX_CLOCK_BOOTTIME, INT64_MAX)) \
    X(options_bits, -EINVAL, box_set_options(b, 1u << 30)) \
    X(limit_unknown, -EINVAL, box_set_limit(b, (box_limit_t)999, 1)) \
    X(limit_zero, -EINVAL, box_set_limit(b, BOX_LIMIT_MEMORY, 0)) \
    X(limit_range, -ERANGE, box_set_limit(b, BOX_LIMIT_CPU_WEIGHT, 20000)) \
    X(limit_sum, -ERANGE, box_set_limit(b, BOX_LIMIT_SWAP, UINT64_MAX) ?: box_set_limit(b, BOX_LIMIT_MEMORY, 1 << 30)) \
    X(cpuset_null, -EINVAL, box_set_cpuset(b, NULL, NULL)) \
    X(cpuset_list, -EINVAL, box_set_cpuset(b, "0-x", NULL)) \
    X(io_kind, -EINVAL, box_set_io_limit(b, "/dev/null", (box_io_limit_t)9, 1)) \
    X(io_zero, -EINVAL, box_set_io_limit(b, "/dev/null", BOX_IO_READ_BPS, 0)) \
    X(io_missing, -ENOENT, box_set_io_limit(b, "/nonexistent-libbox", BOX_IO_READ_BPS, 1)) \
    X(io_notblk, -ENOTBLK, box_set_io_limit(b, "/dev/null", BOX_IO_READ_BPS, 1)) \
    X(cgroup_backend, -EINVAL, box_set_cgroup_backend(b, 7)) \
    X(cgroup_parent, -EINVAL, box_set_cgroup_parent(b, "x")) \
    X(limit_status_limit, -EINVAL, box_limit_status(b, (box_limit_t)999, NULL, 0)) \
    X(limit_status_phase, -ESRCH, box_limit_status(b, BOX_LIMIT_MEMORY, NULL, 0)) \
    X(wait_phase, -ESRCH, box_wait(b, 0, NULL)) \
    X(kill_signal, -EINVAL, box_kill(b, 99)) \
    X(kill_phase, -ESRCH, box_kill(b, SIGTERM)) \
    X(start_phase, -EINVAL, box_start(b)) \
    X(pid_phase, -ESRCH, box_pid(b)) \
    X(pidfd_phase, -ESRCH, box_pidfd(b)) \
    X(cap_name, -EINVAL, box_cap_keep(b, "cap_no_such")) \
    X(seccomp_action, -EINVAL, box_seccomp_default_action(b, 99, 0)) \
    X(seccomp_errno, -EINVAL, box_seccomp_rule(b, "keyctl", BOX_SECCOMP_ERRNO, 5000)) \
    X(seccomp_name, -EINVAL, box_seccomp_rule(b, "no_such_call", BOX_SECCOMP_ERRNO, 1)) \
    X(seccomp_args, -EINVAL, box_seccomp_rule_args(b, "read", BOX_SECCOMP_ERRNO, 1, 7, (box_seccomp_arg_t[7]){ { 0 } })) \
    X(seccomp_export_fd, -EBADF, box_seccomp_export(b, fd_closed, 0)) \
    X(seccomp_export_none, -ENOENT, box_seccomp_default(b, 0) ?: box_seccomp_export(b, 1, 1)) \
    X(seccomp_notify_phase, -ESRCH, box_seccomp_notify_fd(b)) \
    X(seccomp_bpf_fd, -EBADF, box_seccomp_load_bpf(b, fd_closed)) \
    X(landlock_relative, -EINVAL, box_landlock_path(b, "x", BOX_LANDLOCK_READ)) \
    X(landlock_access, -EINVAL, box_landlock_path(b, "/x", 0)) \
    X(landlock_long, -ENAMETOOLONG, box_landlock_path(b, long_path(), BOX_LANDLOCK_READ)) \
    X(try_cwd_relative, -EINVAL, box_try_cwd(b, "x")) \
    X(option_bits, -EINVAL, box_set_option(b, 1u << 30, 1)) \
    X(init_path_relative, -EINVAL, box_set_init_path(b, "box-init")) \
    X(init_path_long, -EINVAL, box_set_init_path(b, long_path())) \
    X(mount_fd_closed, -EBADF, box_mount_fd(b, fd_closed, "/x", 0)) \
    X(mount_fd_target, -EINVAL, box_mount_fd(b, 0, "x", 0)) \
    X(lock_file_relative, -EINVAL, box_lock_file(b, "x")) \
    X(lock_file_many, -E2BIG, lock_17(b)) \
    X(overlay_none, -EINVAL, box_set_root_overlay(b, 0, NULL, NULL, NULL, 0)) \
    X(overlay_relative, -EINVAL, box_set_root_overlay(b, 1, (const char *[]){ "tmp" }, NULL, NULL, 0)) \
    X(overlay_upper_only, -EINVAL, box_set_root_overlay(b, 1, (const char *[]){ "/tmp" }, "/tmp", NULL, 0)) \
    X(overlay_upper_is_work, -EINVAL, box_set_root_overlay(b, 1, (const char *[]){ "/tmp" }, "/tmp", "/tmp", 0)) \
    X(overlay_flags, -EINVAL, box_set_root_overlay(b, 1, (const char *[]){ "/tmp" }, NULL, NULL, 1u << 20)) \
    X(overlay_many, -E2BIG, box_set_root_overlay(b, 501, lowers_501(), NULL, NULL, 0)) \
    X(overlay_missing, -ENOENT, box_set_root_overlay(b, 1, (const char *[]){ "/nonexistent-libbox" }, NULL, NULL, 0)) \
    X(overlay_file, -ENOTDIR, box_set_root_overlay(b, 1, (const char *[]){ "/dev/null" }, NULL, NULL, 0)) \
    X(overlay_xdev, -EXDEV, box_set_root_overlay(b, 1, (const char *[]){ "/tmp" }, "/proc", "/sys", 0)) \
    X(mount_overlay_target, -EINVAL, box_mount_overlay(b, "x", 1, (const char *[]){ "/tmp" }, NULL, NULL, 0)) \
    X(veth_name, -EINVAL, box_net_veth(b, "a/b", "10.0.0.1", "10.0.0.2", 24)) \
    X(veth_addr, -EINVAL, box_net_veth(b, "vb0", "10.0.0.1", "10.0.1.2", 24)) \
    X(veth_prefix, -EINVAL, box_net_veth(b, "vb0", "10.0.0.1", "10.0.0.2", 31)) \
    X(bridge_name, -EINVAL, box_net_bridge(b, "0123456789abcdef", NULL, NULL, 0)) \
    X(bridge_host_bits, -EINVAL, box_net_bridge(b, NULL, "10.88.0.1/16", NULL, 0)) \
    X(bridge_flags, -EINVAL, box_net_bridge(b, NULL, NULL, NULL, 1u << 20)) \
    X(net_ip_no_bridge, -EINVAL, box_net_ip(b, "10.88.0.5")) \
    X(net_ip_gateway, -EINVAL, box_net_bridge(b, NULL, NULL, NULL, 0) ?: box_net_ip(b, "10.88.0.1")) \
    X(net_address_phase, -ESRCH, box_net_address(b, AF_INET, (char[64]){ 0 }, 64)) \
    X(pasta_flags, -EINVAL, box_net_pasta(b, 1)) \
    X(publish_spec, -EINVAL, box_net_publish(b, "80")) \
    X(publish_port, -EINVAL, box_net_publish(b, "70000:80")) \
    X(publish_twice, -EINVAL, box_net_publish(b, "8080:80") ?: box_net_publish(b, "8080:81")) \
    X(limit_from_name, -EINVAL, box_limit_from_name("no_such_limit")) \
    X(limit_unit, -EINVAL, box_limit_unit((box_limit_t)999)) \
    X(limit_range_unknown, -EINVAL, box_limit_range((box_limit_t)999, NULL, NULL)) \
    X(rule_parse_syntax, -EINVAL, box_seccomp_rule_parse(b, "keyctl frobnicate")) \
    X(rule_parse_null, -EINVAL, box_seccomp_rule_parse(b, NULL)) \
    X(add_bpf_len, -EINVAL, box_seccomp_add_bpf(b, (char[12]){ 0 }, 12)) \
    X(add_bpf_null, -EINVAL, box_seccomp_add_bpf(b, NULL, 8)) \
    X(pause_phase, -ESRCH, box_pause(b)) \
    X(resume_phase, -ESRCH, box_resume(b)) \
    X(update_limit_unknown, -EINVAL, box_update_limit(b, (box_limit_t)999, 1)) \
    X(update_limit_phase, -ESRCH, box_update_limit(b, BOX_LIMIT_PIDS, 10)) \
    X(pids_null, -EINVAL, box_pids(b, NULL, 1)) \
    X(pids_phase, -ESRCH, box_pids(b, NULL, 0)) \
    X(exec_argv, -EINVAL, box_exec(b, NULL, NULL, &(box_proc_t *){ NULL })) \
    X(exec_empty, -EINVAL, box_exec(b, (const char *[]){ NULL }, NULL, &(box_proc_t *){ NULL })) \
    X(exec_out, -EINVAL, box_exec(b, (const char *[]){ "true", NULL }, NULL, NULL)) \
    X(exec_phase, -ESRCH, box_exec(b, (const char *[]){ "true", NULL }, NULL, &(box_proc_t *){ NULL })) \
    X(exec_opts_size, -EINVAL, box_exec(b, (const char *[]){ "true", NULL }, \
                                        &(box_exec_opts_t){ .size = 8 }, &(box_proc_t *){ NULL })) \
    X(exec_opts_flags, -EINVAL, box_exec(b, (const char *[]){ "true", NULL }, \
                                         &(box_exec_opts_t){ .size = sizeof(box_exec_opts_t), \
                                                             .flags = 1u << 20, .stdin_fd = -1, \
                                                             .stdout_fd = -1, .stderr_fd = -1 }, \
                                         &(box_proc_t *){ NULL })) \
    X(exec_opts_groups, -EINVAL, box_exec(b, (const char *[]){ "true", NULL }, \
                                          &(box_exec_opts_t){ .size = sizeof(box_exec_opts_t), \
                                                              .flags = BOX_EXEC_GROUPS, \
                                                              .n_groups = 65, .stdin_fd = -1, \
                                                              .stdout_fd = -1, .stderr_fd = -1 }, \
                                          &(box_proc_t *){ NULL })) \
    X(exec_opts_limit, -ERANGE, box_exec(b, (const char *[]){ "true", NULL }, \
                                         &(box_exec_opts_t){ .size = sizeof(box_exec_opts_t), \
                                                             .limits = (box_exec_limit_t[]){ \
                                                                 { BOX_LIMIT_MEMORY, 1 } }, \
                                                             .n_limits = 1, .stdin_fd = -1, \
                                                             .stdout_fd = -1, .stderr_fd = -1 }, \
                                         &(box_proc_t *){ NULL })) \
    X(exec_opts_big, -E2BIG, exec_opts_too_big(b)) \
    X(set_image_store, -EINVAL, box_set_image(b, NULL, "alpine", 0)) \
    X(image_commit_store, -EINVAL, box_image_commit(b, NULL, "x")) \
    X(join_bits, -EINVAL, box_join_namespace(b, BOX_NS_NET | BOX_NS_IPC, 0)) \
    X(join_fd_closed, -EBADF, box_join_namespace(b, BOX_NS_NET, fd_closed)) \
    X(join_not_ns, -EINVAL, box_join_namespace(b, BOX_NS_NET, 0)) \
    X(join_path_relative, -EINVAL, box_join_namespace_path(b, BOX_NS_NET, "proc/self/ns/net")) \
    X(join_path_type, -EINVAL, box_join_namespace_path(b, BOX_NS_NET, "/proc/self/ns/ipc")) \
    X(join_path_missing, -ENOENT, box_join_namespace_path(b, BOX_NS_NET, "/nonexistent-libbox")) \
    X(join_path_link, -ELOOP, box_join_namespace_path(b, BOX_NS_NET, "/proc/self/root/proc/self/ns/net")) \
    X(switch_fd_negative, -EBADF, box_switch_user_namespace(b, -1)) \
    X(switch_fd_closed, -EBADF, box_switch_user_namespace(b, fd_closed)) \
    X(switch_not_ns, -EINVAL, box_switch_user_namespace(b, 0)) \
    X(tty_fd_phase, -ENOTTY, box_tty_fd(b)) \
    X(tty_resize_phase, -ENOTTY, box_tty_resize(b, 24, 80))

/* box_exec with opts from a newer caller: a set byte past this library's struct. */
static int exec_opts_too_big(box_t *b)
{
    union {
        box_exec_opts_t opts;
        unsigned char bytes[sizeof(box_exec_opts_t) + 8];
    } u;
    box_proc_t *proc = NULL;

    memset(&u, 0, sizeof u);
    u.opts = (box_exec_opts_t)BOX_EXEC_OPTS_INIT;
    u.opts.size = sizeof u;
    u.bytes[sizeof(box_exec_opts_t) + 2] = 1;
    return box_exec(b, (const char *[]){ "true", NULL }, &u.opts, &proc);
}

/* Seventeen lock files, one more than a box takes. */
static int lock_17(box_t *b)
{
    int r = 0;

    for (int i = 0; i < 17 && r == 0; i++)
        r = box_lock_file(b, "/x");
    return r;
}

/* 501 lower layers, one more than the kernel stacks. */
static const char *const *lowers_501(void)
{
    static const char *l[501];

    for (size_t i = 0; i < 501; i++)
        l[i] = "/tmp";
    return l;
}

static const char *long_path(void)
{
    static char p[5000];

    memset(p, 'a', sizeof p - 1);
    p[0] = '/';
    return p;
}

ROWS(ROW)

static const struct {
    const char *name;
    int want;
    int (*call)(box_t *b);
} errno_rows[] = {
#define ROW_ENTRY(name, want, expr) { #name, want, row_##name },
    ROWS(ROW_ENTRY)
#undef ROW_ENTRY
};

/* Every error leaves a message on the box, but where there is no box to hold it (box_new,
 * the vocabulary lookups) or the call is a const getter. */
static bool wants_message(const char *row)
{
    static const char *const without[] = { "new_", "limit_status", "limit_from", "limit_unit",
                                            "limit_range" };

    for (size_t i = 0; i < sizeof without / sizeof without[0]; i++)
        if (strncmp(row, without[i], strlen(without[i])) == 0)
            return false;
    return strstr(row, "phase") == NULL;
}

static void test_documented_errnos(void **state)
{
    int failed = 0;

    (void)state;
    fd_closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(fd_closed);
    for (size_t i = 0; i < sizeof errno_rows / sizeof errno_rows[0]; i++) {
        box_t *b;
        int r;

        assert_int_equal(box_new(&b, 0), 0);
        r = errno_rows[i].call(b);
        if (r != errno_rows[i].want) {
            print_message("%s: %d (%s), documented %d\n", errno_rows[i].name, r, box_errmsg(b),
                          errno_rows[i].want);
            failed++;
        } else if (r < -1 && !box_errmsg(b)[0] && wants_message(errno_rows[i].name)) {
            print_message("%s: %d without a message\n", errno_rows[i].name, r);
            failed++;
        }
        box_free(b);
    }
    assert_int_equal(failed, 0);
}

/* The same for the image store: what box.h documents, on a store made for the test. */
static void test_store_errnos(void **state)
{
    char dir[] = "/tmp/libbox-store-XXXXXX", path[64], *json = NULL;
    box_store_t *st = NULL;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(box_store_open(NULL, dir, 0), -EINVAL);
    assert_int_equal(box_store_open(&st, "tmp", 0), -EINVAL);
    assert_int_equal(box_store_open(&st, dir, 1u << 20), -EINVAL);
    snprintf(path, sizeof path, "%s/none", dir);
    assert_int_equal(box_store_open(&st, path, 0), -ENOENT);
    assert_null(st);
    assert_int_equal(box_store_open(&st, path, BOX_STORE_CREATE), 0);
    assert_int_equal(box_image_list(st, NULL), -EINVAL);
    assert_int_equal(box_image_list(NULL, &json), -EINVAL);
    assert_int_equal(box_image_inspect(st, "nosuch:1", &json), -ENOENT);
    assert_true(box_store_errmsg(st)[0]);
    assert_int_equal(box_image_inspect(st, "Bad Ref", &json), -EINVAL);
    assert_int_equal(box_image_remove(st, "nosuch:1"), -ENOENT);
    assert_int_equal(box_image_import(st, "/nonexistent-libbox", "x:1"), -ENOENT);
    assert_true(box_store_errmsg(st)[0]);
    assert_int_equal(box_image_import(st, dir, "x:1"), -EINVAL); /* not an image */
    assert_int_equal(box_image_import(NULL, dir, "x:1"), -EINVAL);
    assert_null(json);
    assert_int_equal(box_store_gc(st), 0);
    box_store_close(st);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

/* A NULL box is -EINVAL everywhere; every setter refuses a spawned box with -EBUSY. */
#define SETTERS(X) \
    X(box_set_namespaces(b, 0)) X(box_set_hostname(b, "h")) X(box_set_root(b, "/", 0)) \
    X(box_mount(b, BOX_MOUNT_TMPFS, NULL, "/x", 0)) X(box_mount_tmpfs(b, "/x", 0, 0755, 0)) \
    X(box_mkdir(b, "/x", 0755)) X(box_chmod(b, "/x", 0755)) \
    X(box_add_uid_map(b, 0, 1, 1)) X(box_add_gid_map(b, 0, 1, 1)) X(box_set_user(b, 1, 1)) \
    X(box_set_groups(b, 0, NULL)) X(box_setenv(b, "A", "b")) X(box_unsetenv(b, "A")) \
    X(box_set_cwd(b, "/")) X(box_set_program(b, "p")) X(box_pass_fd(b, 0, 0)) \
    X(box_set_time_offset(b, BOX_CLOCK_BOOTTIME, 1)) X(box_set_options(b, 0)) \
    X(box_set_limit(b, BOX_LIMIT_NOFILE, 10)) X(box_set_cpuset(b, "0", NULL)) \
    X(box_set_cgroup_parent(b, "/x")) X(box_set_cgroup_backend(b, 0)) \
    X(box_cap_keep(b, "chown")) X(box_cap_keep_all(b)) X(box_seccomp_default(b, 0)) \
    X(box_seccomp_default_action(b, BOX_SECCOMP_ALLOW, 0)) \
    X(box_seccomp_rule(b, "keyctl", BOX_SECCOMP_ERRNO, 1)) \
    X(box_landlock_path(b, "/x", BOX_LANDLOCK_READ)) X(box_landlock_mode(b, 0)) \
    X(box_join_namespace(b, BOX_NS_NET, 0)) X(box_join_namespace_path(b, BOX_NS_NET, "/x")) \
    X(box_switch_user_namespace(b, 0)) X(box_set_tty(b, 1, 0, 0))

static void test_null_and_busy(void **state)
{
    box_t *b = NULL;
    int r;

    (void)state;
#define NULL_ROW(expr) \
    if ((r = (expr)) != -EINVAL) \
        fail_msg("%s with a NULL box: %d", #expr, r);
    SETTERS(NULL_ROW)
#undef NULL_ROW
    assert_int_equal(box_new(&b, 0), 0);
    b->state = BOX_RUNNING; /* as after box_spawn, without a process */
#define BUSY_ROW(expr) \
    if ((r = (expr)) != -EBUSY || !box_errmsg(b)[0]) \
        fail_msg("%s on a spawned box: %d '%s'", #expr, r, box_errmsg(b));
    SETTERS(BUSY_ROW)
#undef BUSY_ROW
    b->state = BOX_CONFIGURED;
    box_free(b);
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
        cmocka_unit_test(test_documented_errnos),
        cmocka_unit_test(test_store_errnos),
        cmocka_unit_test(test_null_and_busy),
    };

    return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
