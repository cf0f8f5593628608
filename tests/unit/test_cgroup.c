/* Unit tests of cgroup discovery (lib/cgroup-discover.c) on /proc/self/cgroup and
 * /proc/self/mountinfo recorded on v1 (CentOS 7), v2 (Debian 12, a Docker container
 * without a cgroup namespace) and hybrid hosts (Ubuntu 20.04, this CI host), under
 * tests/unit/data/; and of the parsers of the files the backends read (controller lists,
 * stat files, meminfo). No cgroup is touched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "cgroup.h"

struct host {
    char *cgroup, *mountinfo;
};

static char *recorded(const char *name)
{
    char path[4096], *text = NULL;

    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);
    assert_int_equal(box_cg_read_alloc(path, &text), 0);
    return text;
}

static struct host load(const char *name)
{
    char file[256];
    struct host h;

    snprintf(file, sizeof file, "%s.cgroup", name);
    h.cgroup = recorded(file);
    snprintf(file, sizeof file, "%s.mountinfo", name);
    h.mountinfo = recorded(file);
    return h;
}

static void unload(struct host *h)
{
    free(h->cgroup);
    free(h->mountinfo);
}

/* Where libbox would put the box's cgroup for `controller` (NULL: v2) on this host: the
 * hierarchy's mount and the caller's own cgroup in it, as cgroup.c's parent_dir does. */
static int parent_of(const struct host *h, const char *controller, char *out, size_t size)
{
    char mnt[1024], root[1024], own[2048];
    int r = box_cg_find_mount(h->mountinfo, controller, mnt, sizeof mnt, root, sizeof root);

    if (r == 0)
        r = box_cg_own_path(h->cgroup, controller, own, sizeof own);
    if (r == 0)
        box_cg_join(mnt, root, own, out, size);
    return r;
}

static void expect_parent(const struct host *h, const char *controller, const char *want)
{
    char dir[4096];

    assert_int_equal(parent_of(h, controller, dir, sizeof dir), 0);
    assert_string_equal(dir, want);
}

static void test_v1_host(void **state)
{
    struct host h = load("v1-centos7");
    char dir[4096];

    (void)state;
    assert_int_equal(box_cg_layout(h.cgroup), BOX_CGROUP_V1);
    expect_parent(&h, "memory", "/sys/fs/cgroup/memory/user.slice");
    expect_parent(&h, "pids", "/sys/fs/cgroup/pids/user.slice/user-1000.slice");
    /* a co-mounted hierarchy: cpu and cpuacct are one */
    expect_parent(&h, "cpu", "/sys/fs/cgroup/cpu,cpuacct/user.slice");
    expect_parent(&h, "cpuacct", "/sys/fs/cgroup/cpu,cpuacct/user.slice");
    expect_parent(&h, "cpuset", "/sys/fs/cgroup/cpuset");
    expect_parent(&h, "freezer", "/sys/fs/cgroup/freezer");
    expect_parent(&h, "blkio", "/sys/fs/cgroup/blkio/user.slice");
    /* no v2 hierarchy at all */
    assert_int_equal(parent_of(&h, NULL, dir, sizeof dir), -ENOENT);
    /* controllers match whole names in a co-mounted list ("net_cls,net_prio") */
    assert_int_equal(box_cg_own_path(h.cgroup, "net_prio", dir, sizeof dir), 0);
    assert_string_equal(dir, "/");
    assert_int_equal(box_cg_own_path(h.cgroup, "rdma", dir, sizeof dir), -ENOENT);
    unload(&h);
}

static void test_v2_host(void **state)
{
    struct host h = load("v2-debian12");
    char dir[4096];

    (void)state;
    assert_int_equal(box_cg_layout(h.cgroup), BOX_CGROUP_V2);
    expect_parent(&h, NULL, "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope");
    /* no v1 hierarchy: cgroup.c then looks for the controller in v2 only */
    assert_int_equal(parent_of(&h, "memory", dir, sizeof dir), -ENOENT);
    unload(&h);
}

/* Docker without a cgroup namespace: the mount's root is the container's cgroup. */
static void test_v2_container(void **state)
{
    struct host h = load("v2-container");

    (void)state;
    assert_int_equal(box_cg_layout(h.cgroup), BOX_CGROUP_V2);
    expect_parent(&h, NULL, "/sys/fs/cgroup/init");
    unload(&h);
}

static void test_hybrid_hosts(void **state)
{
    struct host h = load("hybrid-ubuntu2004");
    char dir[4096];

    (void)state;
    assert_int_equal(box_cg_layout(h.cgroup), BOX_CGROUP_HYBRID);
    expect_parent(&h, NULL,
                  "/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service/"
                  "apps.slice/term.scope");
    expect_parent(&h, "memory",
                  "/sys/fs/cgroup/memory/user.slice/user-1000.slice/user@1000.service");
    expect_parent(&h, "cpuacct", "/sys/fs/cgroup/cpu,cpuacct/user.slice");
    expect_parent(&h, "hugetlb", "/sys/fs/cgroup/hugetlb");
    unload(&h);

    h = load("hybrid-ci");
    assert_int_equal(box_cg_layout(h.cgroup), BOX_CGROUP_HYBRID);
    expect_parent(&h, NULL, "/sys/fs/cgroup/unified");
    expect_parent(&h, "memory", "/sys/fs/cgroup/memory/process_api/fbc4e979b7f2d47fa3e71584f5a1d5fe");
    expect_parent(&h, "cpu", "/sys/fs/cgroup/cpu");
    expect_parent(&h, "cpuacct", "/sys/fs/cgroup/cpuacct");
    /* name=systemd is a hierarchy without controllers, and hugetlb is not mounted */
    assert_int_equal(parent_of(&h, "hugetlb", dir, sizeof dir), -ENOENT);
    unload(&h);
}

static void test_layout_edges(void **state)
{
    (void)state;
    assert_int_equal(box_cg_layout(""), BOX_CGROUP_NONE);
    assert_int_equal(box_cg_layout("1:name=systemd:/\n"), BOX_CGROUP_NONE);
    assert_int_equal(box_cg_layout("garbage\n0::/\n"), BOX_CGROUP_V2);
    assert_int_equal(box_cg_layout("3:memory:/a"), BOX_CGROUP_V1); /* no final newline */
}

static void test_next_line(void **state)
{
    const char *text = "bad line\n5:cpu,cpuacct:/a b\n\n0::/x", *pos = text;
    char ctrls[16], path[8];

    (void)state;
    assert_true(box_cg_next_line(&pos, ctrls, sizeof ctrls, path, sizeof path));
    assert_string_equal(ctrls, "cpu,cpuacct");
    assert_string_equal(path, "/a b");
    assert_true(box_cg_next_line(&pos, ctrls, sizeof ctrls, path, sizeof path));
    assert_string_equal(ctrls, "");
    assert_string_equal(path, "/x");
    assert_false(box_cg_next_line(&pos, ctrls, sizeof ctrls, path, sizeof path));
    /* truncated to the buffers, never overflowing them */
    pos = "1:memory:/a/very/long/path\n";
    assert_true(box_cg_next_line(&pos, ctrls, 4, path, sizeof path));
    assert_string_equal(ctrls, "mem");
    assert_string_equal(path, "/a/very");
}

/* The hierarchies a BOX_MOUNT_CGROUP shows (box_cg_next_hierarchy): every cgroup mount in
 * order, named by its v1 controllers and name= (the other super options dropped), "" for
 * cgroup2; other mounts skipped. */
static void test_next_hierarchy(void **state)
{
    struct host h = load("hybrid-ubuntu2004");
    char point[1024], root[1024], opts[1024], all[4096] = "";
    const char *pos = h.mountinfo;

    (void)state;
    while (box_cg_next_hierarchy(&pos, point, sizeof point, root, sizeof root, opts,
                                 sizeof opts))
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s %s [%s]\n",
                 strrchr(point, '/') + 1, root, opts);
    assert_string_equal(all, "unified / []\nsystemd / [name=systemd]\n"
                             "net_cls,net_prio / [net_cls,net_prio]\ncpuset / [cpuset]\n"
                             "perf_event / [perf_event]\nfreezer / [freezer]\n"
                             "hugetlb / [hugetlb]\nmemory / [memory]\ndevices / [devices]\n"
                             "pids / [pids]\ncpu,cpuacct / [cpu,cpuacct]\nblkio / [blkio]\n"
                             "rdma / [rdma]\n");
    pos = "1 0 0:1 / /a rw - cgroup cgroup rw,xattr,release_agent=/x,clone_children,cpu\n"
          "2 0 0:2 / /b rw - cgroup cgroup rw,none\n"
          "3 0 0:3 /sub /c rw - cgroup2 cgroup2 rw,nsdelegate\n";
    assert_true(box_cg_next_hierarchy(&pos, point, sizeof point, root, sizeof root, opts,
                                      sizeof opts));
    assert_string_equal(opts, "cpu");
    assert_true(box_cg_next_hierarchy(&pos, point, sizeof point, root, sizeof root, opts,
                                      sizeof opts));
    assert_string_equal(point, "/c");
    assert_string_equal(root, "/sub");
    assert_string_equal(opts, "");
    assert_false(box_cg_next_hierarchy(&pos, point, sizeof point, root, sizeof root, opts,
                                       sizeof opts));
    unload(&h);
}

static void test_join(void **state)
{
    char out[256];

    (void)state;
    box_cg_join("/sys/fs/cgroup", "/", "/", out, sizeof out);
    assert_string_equal(out, "/sys/fs/cgroup");
    box_cg_join("/sys/fs/cgroup", "/", "/a/b", out, sizeof out);
    assert_string_equal(out, "/sys/fs/cgroup/a/b");
    box_cg_join("/sys/fs/cgroup", "/a", "/a/b", out, sizeof out);
    assert_string_equal(out, "/sys/fs/cgroup/b");
    box_cg_join("/sys/fs/cgroup", "/a", "/a", out, sizeof out);
    assert_string_equal(out, "/sys/fs/cgroup");
    /* "/ab" is not below the root "/a" */
    box_cg_join("/sys/fs/cgroup", "/a", "/ab", out, sizeof out);
    assert_string_equal(out, "/sys/fs/cgroup/ab");
}

static void test_lists(void **state)
{
    const char *v2 = "cpuset cpu io memory hugetlb pids rdma misc\n";

    (void)state;
    assert_true(box_cg_list_has(v2, "cpu"));
    assert_true(box_cg_list_has(v2, "cpuset"));
    assert_true(box_cg_list_has(v2, "misc"));
    assert_false(box_cg_list_has(v2, "cpus"));
    assert_false(box_cg_list_has(v2, "mem"));
    assert_false(box_cg_list_has(v2, ""));
    assert_false(box_cg_list_has("", "cpu"));
    assert_true(box_cg_list_has("rw,seclabel,cpuacct,cpu", "cpu"));
    assert_false(box_cg_list_has("rw,name=systemd", "systemd"));
}

static void test_stat_files(void **state)
{
    static const char cpu_stat[] = "usage_usec 153266\nuser_usec 101046\nsystem_usec 52220\n"
                                   "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n";
    static const char oom_control[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
    static const char events[] = "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n";
    uint64_t v = 99;

    (void)state;
    assert_int_equal(box_cg_key_u64(cpu_stat, "usage_usec", &v), 0);
    assert_true(v == 153266);
    assert_int_equal(box_cg_key_u64(cpu_stat, "system_usec", &v), 0);
    assert_true(v == 52220);
    assert_int_equal(box_cg_key_u64(oom_control, "oom_kill", &v), 0); /* not _disable */
    assert_true(v == 2);
    assert_int_equal(box_cg_key_u64(events, "max", &v), 0);
    assert_true(v == 7);
    assert_int_equal(box_cg_key_u64(events, "oom", &v), 0);
    assert_true(v == 1);
    assert_int_equal(box_cg_key_u64("12345678\n", NULL, &v), 0);
    assert_true(v == 12345678);
    assert_int_equal(box_cg_key_u64("max\n", NULL, &v), -ENOENT);
    assert_int_equal(box_cg_key_u64(cpu_stat, "usage", &v), -ENOENT);
    assert_int_equal(box_cg_key_u64("", NULL, &v), -ENOENT);
}

static void test_hugepage_name(void **state)
{
    char name[16];

    (void)state;
    assert_int_equal(box_cg_hugepage_name("MemTotal: 1 kB\nHugepagesize:       2048 kB\n", name,
                                          sizeof name), 0);
    assert_string_equal(name, "2MB");
    assert_int_equal(box_cg_hugepage_name("Hugepagesize: 1048576 kB\n", name, sizeof name), 0);
    assert_string_equal(name, "1GB");
    assert_int_equal(box_cg_hugepage_name("Hugepagesize: 64 kB\n", name, sizeof name), 0);
    assert_string_equal(name, "64KB");
    assert_int_equal(box_cg_hugepage_name("MemTotal: 1 kB\n", name, sizeof name), -EOPNOTSUPP);
    assert_int_equal(box_cg_hugepage_name("Hugepagesize: 0 kB\n", name, sizeof name),
                     -EOPNOTSUPP);
}

/* The backends are one table each, complete. */
static void test_ops_tables(void **state)
{
    const struct box_cg_ops *ops[] = { &box_cg_v1_ops, &box_cg_v2_ops };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        assert_non_null(ops[i]->enable);
        assert_non_null(ops[i]->create);
        assert_non_null(ops[i]->apply_limit);
        assert_non_null(ops[i]->apply_cpuset);
        assert_non_null(ops[i]->apply_io);
        assert_non_null(ops[i]->attach);
        assert_non_null(ops[i]->freeze);
        assert_non_null(ops[i]->frozen);
        assert_non_null(ops[i]->kill);
        assert_non_null(ops[i]->cpu_usage);
        assert_non_null(ops[i]->memory_usage);
        assert_non_null(ops[i]->destroy);
    }
    assert_string_equal(box_cg_v1_ops.name, "v1");
    assert_string_equal(box_cg_v2_ops.name, "v2");
    /* a directory that is no cgroup: neither backend can freeze or kill it */
    assert_int_equal(box_cg_v1_ops.kill(TEST_DATA_DIR), -EOPNOTSUPP);
    assert_int_equal(box_cg_v2_ops.kill(TEST_DATA_DIR), -EOPNOTSUPP);
}

/* box_device_rule: the checks, the v1 lines, and the v2 program's shape: the rules are
 * tested from the last, a rule for everything ends the program, the default allows. */
static void test_device_rules(void **state)
{
    struct bpf_insn prog[64];
    char line[64];
    box_t *box;
    size_t n;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_device_rule(NULL, 1, 'c', 1, 3, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'x', 1, 3, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'c', 4096, 3, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'c', 1, 1 << 20, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'c', -2, 3, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'c', 1, 3, 0), -EINVAL);
    assert_int_equal(box_device_rule(box, 1, 'c', 1, 3, 8), -EINVAL);
    assert_int_equal(box_device_rule(box, 0, 'a', 1, -1, BOX_DEVICE_ALL), -EINVAL);
    assert_int_equal(box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_READ), -EINVAL);
    assert_int_equal(box->n_device_rules, 0);

    /* Without rules the program allows everything. */
    n = box__devices_bpf(box, prog);
    assert_int_equal(n, 8);
    assert_int_equal(prog[6].code, BPF_ALU64 | BPF_MOV | BPF_K);
    assert_int_equal(prog[6].imm, 1);

    assert_int_equal(box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_ALL), 0);
    assert_int_equal(box_device_rule(box, 1, 'c', 1, -1, BOX_DEVICE_READ | BOX_DEVICE_WRITE),
                     0);
    assert_int_equal(box_device_rule(box, 0, 'b', -1, 7, BOX_DEVICE_MKNOD), 0);
    assert_int_equal(box__device_rule_v1(&box->device_rules[0], line, sizeof line), 0);
    assert_string_equal(line, "a");
    assert_int_equal(box__device_rule_v1(&box->device_rules[1], line, sizeof line), 0);
    assert_string_equal(line, "c 1:* rw");
    assert_int_equal(box__device_rule_v1(&box->device_rules[2], line, sizeof line), 0);
    assert_string_equal(line, "b *:7 m");
    assert_true(box__devices_bpf_max(box) <= sizeof prog / sizeof prog[0]);
    n = box__devices_bpf(box, prog);
    /* 6 loads; the last rule: type, 3 for access, minor, verdict (7); the second: type,
     * 3 for access, major, verdict (7); the first, for everything, ends it (2). */
    assert_int_equal(n, 22);
    assert_int_equal(prog[6].code, BPF_JMP | BPF_JNE | BPF_K); /* type of the last rule */
    assert_int_equal(prog[6].imm, BPF_DEVCG_DEV_BLOCK);
    assert_int_equal(prog[6].off, 6);                            /* to the second's block */
    assert_int_equal(prog[9].code, BPF_JMP | BPF_JEQ | BPF_K);  /* deny: asks for mknod? */
    assert_int_equal(prog[10].imm, 7);                           /* minor */
    assert_int_equal(prog[11].imm, 0);                           /* deny */
    assert_int_equal(prog[13].imm, BPF_DEVCG_DEV_CHAR);
    assert_int_equal(prog[16].code, BPF_JMP | BPF_JNE | BPF_K);  /* allow: nothing more */
    assert_int_equal(prog[17].imm, 1);                           /* major */
    assert_int_equal(prog[18].imm, 1);                           /* allow */
    assert_int_equal(prog[20].imm, 0);                           /* everything else: deny */
    assert_int_equal(prog[21].code, BPF_JMP | BPF_EXIT);
    box_free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_host),
        cmocka_unit_test(test_device_rules),
        cmocka_unit_test(test_v2_host),
        cmocka_unit_test(test_v2_container),
        cmocka_unit_test(test_hybrid_hosts),
        cmocka_unit_test(test_layout_edges),
        cmocka_unit_test(test_next_line),
        cmocka_unit_test(test_next_hierarchy),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_stat_files),
        cmocka_unit_test(test_hugepage_name),
        cmocka_unit_test(test_ops_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
