/* Unit tests (cmocka, no kernel features needed): argument checking of every setter, path
 * normalisation, id-map text, namespace flags, limit mapping and error messages. Linked
 * against libbox_internal so the private helpers are reachable. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>
#include <sys/syscall.h>
#include <seccomp.h>

#include "box-private.h"

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

static void expect_norm(const char *in, const char *want)
{
    char *out = NULL;

    assert_int_equal(box__normalize_path(in, &out), 0);
    assert_string_equal(out, want);
    free(out);
}

static void test_normalize_path(void **state)
{
    char *out = NULL;

    (void)state;
    expect_norm("/", "/");
    expect_norm("//a///b/", "/a/b");
    expect_norm("/a/./b/../c", "/a/c");
    expect_norm("/a/..", "/");
    assert_int_equal(box__normalize_path("/..", &out), -EXDEV);
    assert_int_equal(box__normalize_path("/a/../../etc", &out), -EXDEV);
    assert_int_equal(box__normalize_path("relative", &out), -EINVAL);
    assert_null(out);
}

static void test_idmap_format(void **state)
{
    struct box_idmap map[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
    char buf[64];

    (void)state;
    assert_int_equal(box__idmap_format(map, 2, buf, sizeof buf), 24);
    assert_string_equal(buf, "0 1000 1\n1 100000 65536\n");
    assert_int_equal(box__idmap_format(map, 2, buf, 10), -ENOSPC);
    assert_int_equal(box__idmap_format(map, 0, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

static void test_clone_flags(void **state)
{
    (void)state;
    assert_int_equal(box__ns_clone_flags(BOX_NS_USER | BOX_NS_NET), CLONE_NEWUSER | CLONE_NEWNET);
    assert_int_equal(box__ns_clone_flags(BOX_NS_ALL),
                     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                         CLONE_NEWNET);
    assert_int_equal(box__ns_clone_flags(BOX_NS_CGROUP), 0);
    assert_int_equal(box__ns_clone_flags(BOX_NS_TIME), 0);
}

static void test_limit_mapping(void **state)
{
    (void)state;
    assert_int_equal(box__limit_to_rlimit(BOX_LIMIT_NOFILE), RLIMIT_NOFILE);
    assert_int_equal(box__limit_to_rlimit(BOX_LIMIT_CPU), RLIMIT_CPU);
    assert_int_equal(box__limit_to_rlimit(BOX_LIMIT_WALL_MS), -1);
}

static void test_new_and_free(void **state)
{
    box_t *box = (box_t *)1;

    (void)state;
    assert_int_equal(box_new(NULL, 0), -EINVAL);
    assert_int_equal(box_new(&box, 1), -EINVAL);
    assert_null(box);
    box_free(NULL);
    assert_string_equal(box_errmsg(NULL), "box is NULL");
    assert_string_equal(box_version(), "0.1.0");
}

static void test_null_box_everywhere(void **state)
{
    (void)state;
    assert_int_equal(box_set_namespaces(NULL, 0), -EINVAL);
    assert_int_equal(box_set_hostname(NULL, "x"), -EINVAL);
    assert_int_equal(box_set_root(NULL, "/", 0), -EINVAL);
    assert_int_equal(box_mount(NULL, BOX_MOUNT_PROC, NULL, "/proc", 0), -EINVAL);
    assert_int_equal(box_mount_tmpfs(NULL, "/t", 0, 0755, 0), -EINVAL);
    assert_int_equal(box_add_uid_map(NULL, 0, 0, 1), -EINVAL);
    assert_int_equal(box_add_gid_map(NULL, 0, 0, 1), -EINVAL);
    assert_int_equal(box_set_user(NULL, 0, 0), -EINVAL);
    assert_int_equal(box_setenv(NULL, "A", "b"), -EINVAL);
    assert_int_equal(box_unsetenv(NULL, "A"), -EINVAL);
    assert_int_equal(box_set_cwd(NULL, "/"), -EINVAL);
    assert_int_equal(box_pass_fd(NULL, 0, 0), -EINVAL);
    assert_int_equal(box_set_options(NULL, 0), -EINVAL);
    assert_int_equal(box_set_limit(NULL, BOX_LIMIT_NOFILE, 1), -EINVAL);
    assert_int_equal(box_spawn(NULL, NULL), -EINVAL);
    assert_int_equal(box_pid(NULL), -EINVAL);
    assert_int_equal(box_pidfd(NULL), -EINVAL);
    {
        uint64_t ino;

        assert_int_equal(box_ns_id(NULL, BOX_NS_NET, &ino, NULL), -EINVAL);
    }
    assert_int_equal(box_probe(NULL), -EINVAL);
    assert_int_equal(box_set_program(NULL, "sh"), -EINVAL);
    assert_int_equal(box_mkdir(NULL, "/d", 0700), -EINVAL);
    assert_int_equal(box_chmod(NULL, "/d", 0700), -EINVAL);
    assert_int_equal(box_start(NULL), -EINVAL);
    assert_int_equal(box_net_veth(NULL, "v0", "10.0.0.1", "10.0.0.2", 24), -EINVAL);
    assert_int_equal(box_set_time_offset(NULL, BOX_CLOCK_BOOTTIME, 1), -EINVAL);
}

/* box_ns_id's arguments: one BOX_NS_* bit and an ino to fill; nothing recorded before
 * a spawn; BOX_OPT_NS_IDS is a known option. */
static void test_ns_id_checks(void **state)
{
    box_t *box = *state;
    uint64_t ino = 7, dev = 9;

    assert_int_equal(box_ns_id(box, BOX_NS_NET, NULL, &dev), -EINVAL);
    assert_int_equal(box_ns_id(box, 0, &ino, &dev), -EINVAL);
    assert_int_equal(box_ns_id(box, BOX_NS_NET | BOX_NS_PID, &ino, &dev), -EINVAL);
    assert_int_equal(box_ns_id(box, 1u << 8, &ino, &dev), -EINVAL);
    assert_int_equal(box_ns_id(box, BOX_NS_NET, &ino, &dev), -ENOENT);
    assert_int_equal(box_set_option(box, BOX_OPT_NS_IDS, 1), 0);
    assert_int_equal(box_ns_id(box, BOX_NS_TIME, &ino, NULL), -ENOENT);
    assert_true(ino == 7 && dev == 9); /* untouched on failure */
}

static void test_hostname_checks(void **state)
{
    box_t *box = *state;
    char longname[80];

    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(box_set_hostname(box, longname), -EINVAL);
    assert_string_equal(box_errmsg(box), "set_hostname: hostname must be 1 to 64 bytes, not 79: "
                                         "Invalid argument");
    assert_int_equal(box_set_hostname(box, ""), -EINVAL);
    assert_int_equal(box_set_hostname(box, NULL), -EINVAL);
    assert_int_equal(box_set_hostname(box, "ok"), 0);
    assert_string_equal(box_errmsg(box), "");
}

static void test_root_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_set_root(box, "relative/dir", 0), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "set_root: root must be an absolute path, not 'relative/dir': "
                        "Invalid argument");
    assert_int_equal(box_set_root(box, "/nonexistent-libbox-root", 0), -ENOENT);
    assert_string_equal(box_errmsg(box),
                        "set_root: /nonexistent-libbox-root: No such file or directory");
    assert_int_equal(box_set_root(box, "/etc/passwd", 0), -ENOTDIR);
    assert_int_equal(box_set_root(box, "/", 0x100), -EINVAL);
    assert_int_equal(box_set_root(box, "/tmp/", BOX_ROOT_READONLY), 0);
    assert_string_equal(box->root, "/tmp");
}

static void test_mount_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/nonexistent-src", "/x", 0), -ENOENT);
    assert_string_equal(box_errmsg(box),
                        "mount bind: source /nonexistent-src: No such file or directory");
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/nonexistent-src", "/x", BOX_MOUNT_TRY), 0);
    assert_int_equal(box->n_mounts, 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "rel", "/x", 0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/tmp", "x", 0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/../../etc", 0), -EXDEV);
    assert_string_equal(box_errmsg(box), "mount tmpfs: target /../../etc leads outside the box: "
                                         "Invalid cross-device link");
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/a/../../b", 0), -EXDEV);
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/", 0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, "/proc", "/proc", 0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0x400), -EINVAL);
    assert_int_equal(box_mount(box, (box_mount_type_t)99, NULL, "/x", 0), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_SYMLINK, "", "/x", 0), -EINVAL);
    assert_int_equal(box_mount_tmpfs(box, "/t", 0, 010000, 0), -EINVAL);
    assert_int_equal(box_mkdir(box, "/d", 010000), -EINVAL);
    assert_string_equal(box_errmsg(box), "mkdir: invalid mode 010000: Invalid argument");
    assert_int_equal(box_mkdir(box, "d", 0700), -EINVAL);
    assert_int_equal(box_mkdir(box, "/", 0700), -EINVAL);
    assert_int_equal(box_chmod(box, "/d", 020000), -EINVAL);
    assert_int_equal(box_chmod(box, "rel", 0700), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "mount chmod: target 'rel' is not an absolute path: Invalid argument");
    assert_int_equal(box_chmod(box, "/../../x", 0700), -EXDEV);
    assert_int_equal(box->n_mounts, 0);

    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/etc/passwd", "/a/./b//passwd", BOX_MOUNT_RO),
                     0);
    assert_int_equal(box_mount_tmpfs(box, "/t", 4096, 01777, 0), 0);
    assert_int_equal(box->n_mounts, 2);
    assert_string_equal(box->mounts[0].target, "/a/b/passwd");
    assert_false(box->mounts[0].source_is_dir);
    assert_string_equal(box->mounts[1].fs_size, "4096");
    assert_string_equal(box->mounts[1].fs_mode, "01777");
    /* A plain directory has no mode of its own; box_mkdir's and box_chmod's do. */
    assert_int_equal(box_mount(box, BOX_MOUNT_DIR, NULL, "/d", 0), 0);
    assert_int_equal(box_mkdir(box, "/e", 0700), 0);
    assert_int_equal(box_chmod(box, "/", 0755), 0);
    assert_int_equal(box->n_mounts, 5);
    assert_false(box->mounts[2].has_mode);
    assert_true(box->mounts[3].has_mode);
    assert_int_equal(box->mounts[3].mode, 0700);
    assert_int_equal(box->mounts[4].type, BOX_MOUNT_OP_CHMOD);
}

static void test_idmap_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_add_uid_map(box, 0, 1000, 0), -EINVAL);
    assert_int_equal(box_add_uid_map(box, 0xffffff00u, 0, 0x1000), -ERANGE);
    assert_int_equal(box_add_uid_map(box, 0, 100000, 1000), 0);
    assert_int_equal(box_add_uid_map(box, 999, 0, 5), -EEXIST);
    assert_string_equal(box_errmsg(box), "add_uid_map: inside range 999+5 overlaps an earlier "
                                         "entry: File exists");
    assert_int_equal(box_add_gid_map(box, 999, 0, 5), 0);
    for (uint32_t i = 1; i < BOX_MAX_IDMAP; i++)
        assert_int_equal(box_add_uid_map(box, 1000 * i + 1000, 0, 1), 0);
    assert_int_equal(box_add_uid_map(box, 1u << 30, 0, 1), -ENOSPC);
}

static void test_env_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_setenv(box, "A=B", "c"), -EINVAL);
    assert_int_equal(box_setenv(box, "", "c"), -EINVAL);
    assert_int_equal(box_setenv(box, "A", NULL), -EINVAL);
    assert_int_equal(box_setenv(box, "A", "1"), 0);
    assert_int_equal(box_setenv(box, "A", "2"), 0);
    assert_int_equal(box->n_env, 2);
    assert_string_equal(box->env[1], "A=2");
    assert_int_equal(box_unsetenv(box, "PATH"), 0);
    assert_int_equal(box_unsetenv(box, "NOT_SET"), 0);
    assert_int_equal(box->n_env, 1);
    assert_string_equal(box->env[0], "A=2");
    assert_null(box->env[1]);
}

/* The bwrap-driven calls: their limits and argument checks. */
static void test_bwrap_calls(void **state)
{
    const uint64_t insn[2] = { 0, 0 };
    box_t *box = *state;

    for (int i = 0; i < 8; i++)
        assert_int_equal(box_try_cwd(box, "/x"), 0);
    assert_int_equal(box_try_cwd(box, "/x"), -E2BIG);
    assert_int_equal(box_try_cwd(NULL, "/x"), -EINVAL);
    for (int i = 0; i < 16; i++)
        assert_int_equal(box_lock_file(box, "/l"), 0);
    assert_int_equal(box_lock_file(box, "/l"), -E2BIG);
    assert_int_equal(box_lock_file(box, NULL), -EINVAL);
    for (int i = 0; i < 32; i++)
        assert_int_equal(box_seccomp_add_bpf(box, insn, sizeof insn), 0);
    assert_int_equal(box_seccomp_add_bpf(box, insn, sizeof insn), -E2BIG);
    assert_int_equal(box_seccomp_add_bpf(box, insn, 0), -EINVAL);
    assert_int_equal(box_seccomp_add_bpf(box, insn, 4097 * 8), -EINVAL);
    assert_int_equal(box_mount_fd(box, 0, "relative", 0), -EINVAL);
    assert_int_equal(box_mount_fd(box, 0, "/t", 1u << 20), -EINVAL);
    assert_int_equal(box_mount_fd(box, 9999, "/t", 0), -EBADF);
    assert_int_equal(box_set_root(box, "/", BOX_ROOT_DEVICES | BOX_ROOT_READONLY), 0);
    assert_int_equal(box_set_root(box, "/", 1u << 5), -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/", "/", 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_TMPFS, NULL, "/", 0), -EINVAL);
    assert_int_equal(box_set_options(box, BOX_OPT_SET_PWD | BOX_OPT_NO_USERNS |
                                     BOX_OPT_ASSERT_NO_USERNS), 0);
}

static void test_misc_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_set_namespaces(box, 0x100), -EINVAL);
    assert_int_equal(box_set_cwd(box, "tmp"), -EINVAL);
    assert_int_equal(box_set_cwd(box, "/../x"), -EXDEV);
    assert_int_equal(box_pass_fd(box, 9999, 3), -EBADF);
    assert_int_equal(box_pass_fd(box, 0, -1), -EBADF);
    assert_int_equal(box_pass_fd(box, 0, 5000), -EBADF);
    assert_int_equal(box_pass_fd(box, 0, 3), 0);
    assert_int_equal(box_pass_fd(box, 1, 3), 0);
    assert_int_equal(box->n_fds, 1);
    assert_int_equal(box_set_options(box, 1u << 30), -EINVAL);
    assert_int_equal(box_set_user(box, (uid_t)-1, (gid_t)-1), -EINVAL);
    assert_int_equal(box_set_user(box, (uid_t)-1, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 0), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 1ull << 40), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CORE, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 0), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 1ull << 50), -ERANGE);
    assert_int_equal(box_set_limit(box, (box_limit_t)77, 1), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 1000), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_WEIGHT, 10001), -ERANGE);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_MILLIS, 0), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_HUGETLB, 0), 0);
    assert_int_equal(box_set_limit(box, (box_limit_t)(BOX_LIMIT_HUGETLB + 1), 1), -EINVAL);
    assert_int_equal(box_set_limit(box, (box_limit_t)0, 1), -EINVAL);
    assert_int_equal(box_set_cgroup_backend(box, 3), -EINVAL);
    assert_string_equal(box_errmsg(box), "set_cgroup_backend: unknown backend 3: Invalid argument");
    assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V1), 0);
    assert_int_equal(box->cgroup_backend, BOX_CGROUP_BACKEND_V1);
    assert_int_equal(box_set_cgroup_backend(NULL, 0), -EINVAL);
    assert_int_equal(box_set_cgroup_parent(box, "rel"), -EINVAL);
    assert_int_equal(box_set_cgroup_parent(box, "/a/../b"), 0);
    assert_string_equal(box->cgroup_parent, "/b");
    assert_int_equal(box_wait(box, -2, NULL), -ESRCH);
    assert_int_equal(box_start(box), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "not waiting to start"));
    assert_int_equal(box_set_program(box, ""), -EINVAL);
    assert_int_equal(box_set_program(box, "sh"), 0);
    assert_string_equal(box->program, "sh");
    assert_int_equal(box_set_program(box, NULL), 0);
    assert_null(box->program);
}

static void test_cpuset_and_io_checks(void **state)
{
    box_t *box = *state;

    assert_true(box__cpuset_list_valid("0"));
    assert_true(box__cpuset_list_valid("0-3,6,8-9"));
    assert_false(box__cpuset_list_valid(""));
    assert_false(box__cpuset_list_valid("3-1"));
    assert_false(box__cpuset_list_valid("0,"));
    assert_false(box__cpuset_list_valid("a"));
    assert_false(box__cpuset_list_valid("-1"));
    assert_false(box__cpuset_list_valid("0--2"));
    assert_int_equal(box_set_cpuset(box, NULL, NULL), -EINVAL);
    assert_int_equal(box_set_cpuset(box, "1-0", NULL), -EINVAL);
    assert_string_equal(box_errmsg(box), "set_cpuset: '1-0' is not a list like 0-3,6: Invalid "
                                         "argument");
    assert_int_equal(box_set_cpuset(box, "0", NULL), 0);
    assert_string_equal(box->cpuset_cpus, "0");
    assert_null(box->cpuset_mems);
    /* Setting another cgroup option leaves the cpuset alone. */
    assert_int_equal(box_set_cgroup_parent(box, "/x"), 0);
    assert_string_equal(box->cpuset_cpus, "0");
    assert_int_equal(box_set_io_limit(box, "/dev/null", BOX_IO_READ_BPS, 1), -ENOTBLK);
    assert_int_equal(box_set_io_limit(box, "/nonexistent", BOX_IO_READ_BPS, 1), -ENOENT);
    assert_int_equal(box_set_io_limit(box, NULL, BOX_IO_READ_BPS, 1), -EINVAL);
    assert_int_equal(box_set_io_limit(box, "/dev/null", BOX_IO_READ_BPS, 0), -EINVAL);
    assert_int_equal(box_set_io_limit(box, "/dev/null", (box_io_limit_t)9, 1), -EINVAL);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_IO_WEIGHT, 10001), -ERANGE);
}

static void test_error_format(void **state)
{
    box_t *box = *state;

    assert_int_equal(box__error(box, ENOENT, "step %s", "x"), -ENOENT);
    assert_string_equal(box_errmsg(box), "step x: No such file or directory");
    assert_int_equal(box__error(box, 0, "plain"), -EINVAL);
    assert_string_equal(box_errmsg(box), "plain");
    assert_int_equal(box__error(NULL, EPERM, "x"), -EPERM);
}

static void test_probe(void **state)
{
    box_features_t f;

    (void)state;
    assert_int_equal(box_probe(&f), 0);
    assert_true(f.cgroup_layout >= BOX_CGROUP_NONE && f.cgroup_layout <= BOX_CGROUP_V2);
    assert_true(f.userns || f.userns_why[0]);
}

/* Unconditional rules replace every earlier rule of their call and keep the others in
 * order, however many there are (the storage grows by doubling). */
static void test_seccomp_rule_replace(void **state)
{
    box_t *box = *state;
    box_seccomp_arg_t arg = { .index = 0, .op = BOX_SECCOMP_CMP_EQ, .value = 1 };
    int n = 0;

    for (int nr = 0; nr < 400; nr++) {
        const char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

        if (name && strcmp(name, "read") != 0 &&
            box_seccomp_rule(box, name, BOX_SECCOMP_ERRNO, nr % 100 + 1) == 0)
            n++;
        free((void *)name);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(box_seccomp_rule_args(box, "read", BOX_SECCOMP_ERRNO, 5, 1, &arg), 0);
    assert_int_equal((int)box->n_seccomp_rules, n + 3);
    assert_int_equal(box_seccomp_rule(box, "read", BOX_SECCOMP_ALLOW, 0), 0);
    assert_int_equal((int)box->n_seccomp_rules, n + 1);
    assert_int_equal(box->seccomp_rules[n].nr, seccomp_syscall_resolve_name("read"));
    assert_int_equal(box->seccomp_rules[n].n_args, 0);
    for (int i = 1; i < n; i++)
        assert_true(box->seccomp_rules[i - 1].nr < box->seccomp_rules[i].nr);
    /* replacing one in the middle moves the later ones down */
    assert_int_equal(box_seccomp_rule(box, "write", BOX_SECCOMP_KILL, 0), 0);
    assert_int_equal((int)box->n_seccomp_rules, n + 1);
    assert_int_equal(box->seccomp_rules[n].action, BOX_SECCOMP_KILL);
}

/* box_set_sysctl: names, the host's settings refused, a value replaced, the prepared plan
 * (paths below /proc/sys, the UTS calls), and a missing namespace refused at spawn. */
static void test_sysctl_checks(void **state)
{
    static const char *const bad[] = { "net/ipv4/../../kernel/panic", "net..ipv4", "net.",
                                       "/net/ipv4", "net.ipv4.ip forward", "", ".", "net/./x",
                                       "net.ipv4.\x7f" };
    char long_value[1100];
    box_t *box = *state;
    struct box_plan p = { 0 };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(box_set_sysctl(box, bad[i], "1"), -EINVAL);
    assert_int_equal(box_set_sysctl(box, "kernel.panic", "1"), -EPERM);
    assert_non_null(strstr(box_errmsg(box), "kernel.panic is not namespaced"));
    assert_int_equal(box_set_sysctl(box, "kernel/shm_next_id", "1"), -EPERM);
    assert_int_equal(box_set_sysctl(box, "fs.file-max", "1"), -EPERM);
    assert_int_equal(box_set_sysctl(box, "kernel.shmmaxx", "1"), -EPERM);
    assert_int_equal(box_set_sysctl(box, NULL, "1"), -EINVAL);
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ip_forward", NULL), -EINVAL);
    assert_int_equal(box_set_sysctl(NULL, "net.ipv4.ip_forward", "1"), -EINVAL);
    memset(long_value, '1', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    assert_int_equal(box_set_sysctl(box, "net.ipv4.ip_forward", long_value), -EINVAL);

    assert_int_equal(box_set_sysctl(box, "net.ipv4.ip_forward", "0"), 0);
    assert_int_equal(box_set_sysctl(box, "net/ipv4/conf/eth0.100/forwarding", "1"), 0);
    assert_int_equal(box_set_sysctl(box, "net/ipv4/ip_forward", "1"), 0); /* replaces */
    assert_int_equal(box_set_sysctl(box, "fs.mqueue.msg_max", "20"), 0);
    assert_int_equal(box_set_sysctl(box, "kernel.hostname", "h"), 0);
    assert_int_equal(box__sysctl_prepare(box, &p), 0);
    assert_int_equal(p.n_sysctls, 4);
    assert_string_equal(p.sysctls[0].path, "net/ipv4/ip_forward");
    assert_string_equal(p.sysctls[0].value, "1");
    assert_string_equal(p.sysctls[1].path, "net/ipv4/conf/eth0.100/forwarding");
    assert_string_equal(p.sysctls[1].dotted, "net.ipv4.conf.eth0.100.forwarding");
    assert_string_equal(p.sysctls[2].path, "fs/mqueue/msg_max");
    assert_int_equal(p.sysctls[2].uts_call, 0);
    assert_int_equal(p.sysctls[3].uts_call, SYS_sethostname);

    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_IPC), 0);
    assert_int_equal(box__sysctl_prepare(box, &p), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "sysctl fs.mqueue.msg_max needs BOX_NS_IPC"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_path),
        cmocka_unit_test(test_idmap_format),
        cmocka_unit_test(test_clone_flags),
        cmocka_unit_test(test_limit_mapping),
        cmocka_unit_test(test_new_and_free),
        cmocka_unit_test(test_null_box_everywhere),
        cmocka_unit_test_setup_teardown(test_hostname_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_ns_id_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_sysctl_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_root_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_mount_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_idmap_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_env_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_misc_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_bwrap_calls, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_cpuset_and_io_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_error_format, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_rule_replace, new_box, free_box),
        cmocka_unit_test(test_probe),
    };

    return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}
