/* Unit tests (cmocka, unprivileged) of boxoci's config.json module: what each field turns
 * into on the box (read back from the box's private state: linked with libbox_internal),
 * 64-bit values that must round-trip, and the error, naming the field, for every field
 * libbox cannot honour and for malformed documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "box-private.h"
#include "oci-config.h"
#include "oci-hooks.h"

static char bundle[64];
static char err[OCI_ERR_MAX];
static const struct oci_host host = { .hugepage_size = 2u << 20 };

/* A document around the given members: a valid config with the usual namespaces. */
#define BASE "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"}," \
    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"noNewPrivileges\":true}," \
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"},{\"type\":\"pid\"}," \
    "{\"type\":\"uts\"}]}"
/* Later members replace earlier ones of the same name (json-c keeps the last). */
#define DOC(x) BASE "," x "}"
#define DOC0 BASE "}"

static int make_bundle(void **state)
{
    char rootfs[80];

    (void)state;
    snprintf(bundle, sizeof bundle, "/tmp/oci-test-XXXXXX");
    assert_non_null(mkdtemp(bundle));
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    return 0;
}

static int remove_bundle(void **state)
{
    char rootfs[80];

    (void)state;
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
    rmdir(rootfs);
    rmdir(bundle);
    return 0;
}

/* Parse and apply `json`; returns the result, the box in *out (caller frees). */
static int apply(const char *json, box_t **out)
{
    struct oci_config *cfg = NULL;
    box_t *box;
    int r;

    assert_int_equal(box_new(&box, 0), 0);
    r = oci_config_parse(json, strlen(json), bundle, &cfg, err);
    if (r == 0) {
        r = oci_config_apply(cfg, &host, box, err);
        oci_config_free(cfg);
    }
    if (out)
        *out = box;
    else
        box_free(box);
    return r;
}

/* `json` fails with `errno_value` and a message containing `want`. */
static void expect_error(const char *json, int errno_value, const char *want)
{
    int r = apply(json, NULL);

    if (r != -errno_value || !strstr(err, want))
        fail_msg("got %d '%s', wanted %d with '%s'", r, err, -errno_value, want);
    assert_true(strncmp(err, "config.json: ", 13) == 0);
}

static void test_minimal(void **state)
{
    box_t *box;
    char want[96];

    (void)state;
    assert_int_equal(apply(DOC("\"hostname\":\"c1\""), &box), 0);
    snprintf(want, sizeof want, "%s/rootfs", bundle);
    assert_string_equal(box->root, want);
    assert_int_equal(box->root_flags, 0);
    assert_int_equal(box->ns, BOX_NS_MNT | BOX_NS_USER | BOX_NS_PID | BOX_NS_UTS);
    assert_string_equal(box->hostname, "c1");
    assert_int_equal(box->n_env, 0); /* no PATH of libbox's */
    assert_string_equal(box->cwd, "/");
    /* The default devices even when no /dev is listed; no filter. */
    assert_int_equal(box->n_mounts, 1);
    assert_int_equal(box->mounts[0].type, BOX_MOUNT_DEV);
    assert_true(box->seccomp_default_off);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION);
    box_free(box);
    /* OCI's default for noNewPrivileges is false: setuid programs work. */
    assert_int_equal(apply(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"), &box), 0);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                BOX_OPT_ALLOW_NEW_PRIVS);
    box_free(box);
}

static void test_process(void **state)
{
    struct oci_config *cfg = NULL;
    const char *json = DOC("\"process\":{\"args\":[\"/bin/echo\",\"a b\"],\"cwd\":\"/tmp\","
        "\"terminal\":false,\"consoleSize\":{\"height\":24,\"width\":80},"
        "\"env\":[\"PATH=/bin\",\"A=1=2\",\"EMPTY=\"],\"noNewPrivileges\":true,"
        "\"oomScoreAdj\":-17,\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,"
        "\"additionalGids\":[5,6]},\"capabilities\":{\"bounding\":[\"CAP_CHOWN\","
        "\"CAP_KILL\"],\"effective\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"permitted\":[\"CAP_CHOWN\","
        "\"CAP_KILL\"],\"inheritable\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\","
        "\"CAP_CHOWN\",\"CAP_KILL\"]}}");
    box_t *box;

    (void)state;
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_string_equal(cfg->args[0], "/bin/echo");
    assert_string_equal(cfg->args[1], "a b");
    assert_null(cfg->args[2]);
    assert_int_equal(cfg->console_rows, 24);
    assert_int_equal(cfg->console_cols, 80);
    assert_true(cfg->has_umask);
    assert_int_equal(cfg->umask, 022);
    assert_true(cfg->has_oom_score_adj);
    assert_int_equal(cfg->oom_score_adj, -17);
    assert_true(cfg->user_ns);
    oci_config_free(cfg);

    assert_int_equal(apply(json, &box), 0);
    assert_int_equal(box->uid, 1000);
    assert_int_equal(box->gid, 100);
    assert_int_equal(box->n_groups, 2);
    assert_int_equal(box->groups[1], 6);
    assert_string_equal(box->cwd, "/tmp");
    assert_int_equal(box->n_env, 3);
    assert_string_equal(box->env[0], "PATH=/bin");
    assert_string_equal(box->env[1], "A=1=2");
    assert_string_equal(box->env[2], "EMPTY=");
    assert_int_equal(box->cap_keep, (1u << 0) | (1u << 5)); /* CAP_CHOWN, CAP_KILL */
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION);
    box_free(box);
}

/* Values above INT64_MAX keep every bit: rlimits (RLIM_INFINITY) and seccomp data. */
static void test_uint64_round_trip(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":["
        "{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,\"hard\":18446744073709551615},"
        "{\"type\":\"RLIMIT_AS\",\"soft\":9223372036854775808,\"hard\":9223372036854775808},"
        "{\"type\":\"RLIMIT_NOFILE\",\"soft\":20000,\"hard\":20000}]}"), &box), 0);
    assert_true(box->limit_set[BOX_LIMIT_CORE]);
    assert_true(box->limit[BOX_LIMIT_CORE] == UINT64_MAX);
    assert_true(box->limit[BOX_LIMIT_AS] == (uint64_t)INT64_MAX + 1);
    assert_true(box->limit[BOX_LIMIT_NOFILE] == 20000);
    box_free(box);

    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
        "[\"ioctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":25,\"args\":[{\"index\":1,"
        "\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"},{\"index\":2,"
        "\"value\":9223372036854775809,\"valueTwo\":18446744073709551614,"
        "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}}"), &box), 0);
    assert_int_equal(box->n_seccomp_rules, 1);
    assert_int_equal(box->seccomp_rules[0].action, BOX_SECCOMP_ERRNO);
    assert_int_equal(box->seccomp_rules[0].errno_value, 25);
    assert_int_equal(box->seccomp_rules[0].n_args, 2);
    assert_true(box->seccomp_rules[0].args[0].value == UINT64_MAX);
    assert_int_equal(box->seccomp_rules[0].args[0].op, BOX_SECCOMP_CMP_EQ);
    /* libseccomp's (arg & value) == valueTwo is libbox's (arg & mask) == value */
    assert_int_equal(box->seccomp_rules[0].args[1].op, BOX_SECCOMP_CMP_MASKED_EQ);
    assert_true(box->seccomp_rules[0].args[1].mask == (uint64_t)INT64_MAX + 2);
    assert_true(box->seccomp_rules[0].args[1].value == UINT64_MAX - 1);
    box_free(box);

    /* One past UINT64_MAX, and below INT64_MIN: json-c would saturate; refused. */
    expect_error(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
        "\"RLIMIT_CORE\",\"soft\":18446744073709551616,\"hard\":1}]}"), ERANGE,
        "does not fit in 64 bits");
    expect_error(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":"
        "-9223372036854775809}"), ERANGE, "does not fit in 64 bits");
    expect_error(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
        "\"RLIMIT_CORE\",\"soft\":-1,\"hard\":1}]}"), ERANGE,
        "process.rlimits[0].soft: must not be negative");
    expect_error(DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
        "\"RLIMIT_CORE\",\"soft\":1.0,\"hard\":1}]}"), EINVAL,
        "process.rlimits[0].soft: must be an integer, not a number");
}

static void test_mounts(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":["
        "\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":["
        "\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":["
        "\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
        "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
        "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"options\":[\"size=1m\",\"mode=1777\"]},"
        "{\"destination\":\"/mnt/a\",\"type\":\"bind\",\"source\":\"/etc\",\"options\":["
        "\"rbind\",\"ro\",\"rprivate\"]},"
        "{\"destination\":\"/mnt/b\",\"type\":\"none\",\"source\":\"rootfs\",\"options\":["
        "\"bind\",\"noexec\",\"dev\"]}]"), &box), 0);
    assert_int_equal(box->root_flags, BOX_ROOT_READONLY);
    assert_int_equal(box->n_mounts, 6);
    assert_int_equal(box->mounts[0].type, BOX_MOUNT_PROC);
    assert_string_equal(box->mounts[0].target, "/proc");
    assert_int_equal(box->mounts[1].type, BOX_MOUNT_DEV);
    assert_int_equal(box->mounts[2].type, BOX_MOUNT_MQUEUE);
    assert_int_equal(box->mounts[3].type, BOX_MOUNT_TMPFS);
    assert_string_equal(box->mounts[3].fs_size, "1048576");
    assert_string_equal(box->mounts[3].fs_mode, "01777");
    assert_int_equal(box->mounts[4].type, BOX_MOUNT_BIND);
    assert_string_equal(box->mounts[4].source, "/etc");
    assert_int_equal(box->mounts[4].flags, BOX_MOUNT_RO);
    assert_int_equal(box->mounts[5].flags,
                     BOX_MOUNT_NOREC | BOX_MOUNT_EXEC_OFF | BOX_MOUNT_DEVICES);
    assert_true(strstr(box->mounts[5].source, "/rootfs") != NULL);
    box_free(box);

    /* A cgroup mount on a v1 host, without a cgroup namespace: runc's tmpfs of binds. */
    assert_int_equal(apply(DOC("\"mounts\":[{\"destination\":\"/sys/fs/cgroup\","
                               "\"type\":\"cgroup\",\"options\":[\"ro\"]}]"), &box), 0);
    assert_int_equal(box->mounts[1].type, BOX_MOUNT_CGROUP);
    assert_int_equal(box->mounts[1].flags, BOX_MOUNT_RO);
    box_free(box);
    /* tmpcopyup (podman's --read-only /tmp): the tmpfs starts with a copy; a tmpfs only. */
    assert_int_equal(apply(DOC("\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
                               "\"options\":[\"rw\",\"tmpcopyup\",\"nosuid\"]}]"), &box), 0);
    assert_int_equal(box->mounts[1].type, BOX_MOUNT_TMPFS);
    assert_int_equal(box->mounts[1].flags, BOX_MOUNT_COPY_UP);
    box_free(box);
    expect_error(DOC("\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":"
        "\"/etc\",\"options\":[\"bind\",\"tmpcopyup\"]}]"), EINVAL,
        "mounts[0].options[1]: 'tmpcopyup' is an option of a tmpfs");
    expect_error(DOC("\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":"
        "\"/etc\",\"options\":[\"rbind\",\"rshared\"]}]"), EOPNOTSUPP,
        "mounts[0].options[1]: propagation 'rshared'");
    expect_error(DOC("\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":"
        "\"/etc\",\"options\":[\"bind\",\"suid\"]}]"), EOPNOTSUPP, "nosuid");
    expect_error(DOC("\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":"
        "[\"nr_inodes=5\"]}]"), EOPNOTSUPP, "mounts[0].options[0]: mount option 'nr_inodes=5'");
    expect_error(DOC("\"mounts\":[{\"destination\":\"a\",\"type\":\"tmpfs\"}]"), EINVAL,
                 "mounts[0]: destination 'a' is not an absolute path");
    expect_error(DOC("\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":"
        "\"/nonexistent-oci\"}]"), ENOENT, "mounts[0]: mount bind: source /nonexistent-oci");
    expect_error(DOC("\"mounts\":[{\"destination\":\"/x\",\"type\":\"ext4\",\"source\":"
        "\"/dev/sda\"}]"), EOPNOTSUPP, "mount type 'ext4'");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"maskedPaths\":"
        "[\"relative\"]}"), EINVAL, "linux.maskedPaths[0]: mount mask: target 'relative'");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        "\"rootfsPropagation\":\"rslave\"}"), EOPNOTSUPP, "linux.rootfsPropagation: 'rslave'");
    /* sysfs; masked and read-only paths after every mount, in their order. */
    assert_int_equal(apply(DOC("\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\","
        "\"nodev\",\"ro\"]}],\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        "\"maskedPaths\":[\"/proc/kcore\",\"/sys/firmware\"],\"readonlyPaths\":[\"/proc/sys\"],"
        "\"rootfsPropagation\":\"rprivate\"}"), &box), 0);
    assert_int_equal(box->n_mounts, 6);
    assert_int_equal(box->mounts[2].type, BOX_MOUNT_SYSFS);
    assert_int_equal(box->mounts[2].flags, BOX_MOUNT_RO | BOX_MOUNT_EXEC_OFF);
    assert_int_equal(box->mounts[3].type, BOX_MOUNT_MASK);
    assert_string_equal(box->mounts[4].target, "/sys/firmware");
    assert_int_equal(box->mounts[5].type, BOX_MOUNT_READONLY);
    assert_string_equal(box->mounts[5].target, "/proc/sys");
    box_free(box);
}

static void test_namespaces_and_maps(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":"
        "\"user\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"cgroup\"},{\"type\":"
        "\"time\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
        "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536},{\"containerID\":"
        "65536,\"hostID\":5,\"size\":1}],\"timeOffsets\":{\"monotonic\":{\"secs\":-5,"
        "\"nanosecs\":0},\"boottime\":{\"secs\":86400}}}"), &box), 0);
    assert_int_equal(box->ns, BOX_NS_MNT | BOX_NS_USER | BOX_NS_NET | BOX_NS_IPC |
                              BOX_NS_CGROUP | BOX_NS_TIME);
    assert_int_equal(box->n_uid_map, 1);
    assert_int_equal(box->uid_map[0].outside, 100000);
    assert_int_equal(box->n_gid_map, 2);
    assert_int_equal(box->gid_map[1].inside, 65536);
    assert_true(box->time_offset_set[BOX_CLOCK_MONOTONIC]);
    assert_true(box->time_offset[BOX_CLOCK_MONOTONIC] == -5);
    assert_true(box->time_offset[BOX_CLOCK_BOOTTIME] == 86400);
    box_free(box);

    /* A path is joined (test_boxoci.sh joins a real one); a missing one is named. */
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\","
        "\"path\":\"/nonexistent/netns/x\"}]}"), ENOENT,
        "linux.namespaces[1]: join_namespace_path: net namespace /nonexistent/netns/x");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"bogus\"}]}"),
                 EINVAL, "linux.namespaces[1]: unknown namespace type 'bogus'");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"mount\"}]}"),
                 EINVAL, "listed twice");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}"), EOPNOTSUPP,
                 "linux.namespaces: no mount namespace");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"uidMappings\":"
        "[{\"containerID\":0,\"hostID\":0,\"size\":1}]}"), EINVAL,
        "linux.uidMappings: mappings need a user namespace");
    expect_error(DOC("\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}"),
                 EINVAL, "hostname: a hostname needs a uts namespace");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"timeOffsets\":"
        "{\"monotonic\":{\"secs\":1}}}"), EINVAL, "linux.timeOffsets: clock offsets need a time");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"time\"}],"
        "\"timeOffsets\":{\"boottime\":{\"secs\":1,\"nanosecs\":5}}}"), EOPNOTSUPP,
        "linux.timeOffsets.boottime: nanosecs");
}

static void test_resources(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":"
        "\"user\"}],\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":"
        "true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},{\"allow\":true,"
        "\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},{\"allow\":true,\"type\":"
        "\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":1,\"minor\":8,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
        "\"minor\":9,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,"
        "\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":"
        "\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"},{\"allow\":"
        "true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}],"
        "\"memory\":{\"limit\":33554432,\"swap\":67108864},\"cpu\":{\"shares\":1024,"
        "\"quota\":150000,\"period\":100000,\"cpus\":\"0\"},\"pids\":{\"limit\":64},"
        "\"blockIO\":{\"weight\":500},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}]},"
        "\"cgroupsPath\":\"/oci/c1\"}"), &box), 0);
    assert_true(box->limit[BOX_LIMIT_MEMORY] == 32u << 20);
    assert_true(box->limit[BOX_LIMIT_SWAP] == 32u << 20); /* memsw minus memory */
    assert_true(box->limit[BOX_LIMIT_CPU_MILLIS] == 1500);
    assert_true(box->limit[BOX_LIMIT_CPU_WEIGHT] == 100); /* v1: 1024 shares stay 1024 */
    assert_true(box->limit[BOX_LIMIT_PIDS] == 64);
    assert_true(box->limit[BOX_LIMIT_IO_WEIGHT] == 1 + 490 * 9999 / 990);
    assert_true(box->limit_set[BOX_LIMIT_HUGETLB] && box->limit[BOX_LIMIT_HUGETLB] == 0);
    assert_string_equal(box->cpuset_cpus, "0");
    assert_string_equal(box->cgroup_parent, "/oci/c1");
    box_free(box);

    /* -1 and 0 are "no limit" */
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        "\"resources\":{\"memory\":{\"limit\":-1,\"swap\":-1},\"pids\":{\"limit\":-1},"
        "\"cpu\":{\"quota\":-1}}}"), &box), 0);
    for (int l = 1; l < BOX_LIMIT_COUNT; l++)
        assert_false(box->limit_set[l]);
    box_free(box);

#define RES(x) DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]," \
                     "\"resources\":{" x "}}")
    expect_error(RES("\"memory\":{\"reservation\":1048576}"), EOPNOTSUPP,
                 "linux.resources.memory.reservation");
    expect_error(RES("\"memory\":{\"limit\":1000}"), ERANGE,
                 "linux.resources.memory.limit: set_limit: memory 1000 is out of range");
    expect_error(RES("\"memory\":{\"limit\":33554432,\"swap\":1048576}"), EINVAL,
                 "linux.resources.memory.swap");
    expect_error(RES("\"cpu\":{\"quota\":1,\"period\":3}"), EOPNOTSUPP,
                 "linux.resources.cpu.quota: quota 1 per period 3");
    expect_error(RES("\"cpu\":{\"realtimeRuntime\":5}"), EOPNOTSUPP,
                 "linux.resources.cpu.realtimeRuntime");
    expect_error(RES("\"cpu\":{\"cpus\":\"zz\"}"), EINVAL, "linux.resources.cpu.cpus");
    /* In a user namespace the rules are checked only: the kernel allows the default
     * devices and nothing else. */
    assert_int_equal(apply(RES("\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]"), &box),
                     0);
    assert_int_equal(box->n_device_rules, 0);
    box_free(box);
    expect_error(RES("\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0}]"), EOPNOTSUPP,
                 "linux.resources.hugepageLimits[0]: pageSize 1GB");
    expect_error(RES("\"unified\":{\"memory.max\":\"1048576\"}"), EOPNOTSUPP,
                 "linux.resources.unified: this host is not a cgroup v2 host");
    expect_error(RES("\"network\":{\"classID\":5}"), EOPNOTSUPP, "linux.resources.network");
    expect_error(RES("\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":5}]}"),
                 EOPNOTSUPP, "linux.resources.blockIO.weightDevice");
    /* Without a user namespace the rules go to libbox's device cgroup, in order. */
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
        "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":"
        "\"b\",\"minor\":7,\"access\":\"m\"},{\"allow\":true,\"type\":\"c\",\"major\":136}]}}"),
        &box), 0);
    /* and then runc's AllowedDevices: mknod of any node, the default devices */
    assert_int_equal(box->n_device_rules, 4 + 2 + 8);
    assert_true(box->device_rules[4].allow && box->device_rules[4].type == 'c' &&
                box->device_rules[4].major == -1 && box->device_rules[4].minor == -1);
    assert_int_equal(box->device_rules[5].access, BOX_DEVICE_MKNOD);
    assert_true(box->device_rules[6].major == 1 && box->device_rules[6].minor == 3);
    assert_int_equal(box->device_rules[6].access, BOX_DEVICE_ALL);
    assert_true(box->device_rules[13].major == 136 && box->device_rules[13].minor == -1);
    assert_true(!box->device_rules[0].allow && box->device_rules[0].type == 'a');
    assert_int_equal(box->device_rules[0].access, BOX_DEVICE_ALL);
    assert_int_equal(box->device_rules[1].access, BOX_DEVICE_READ | BOX_DEVICE_WRITE);
    assert_true(box->device_rules[1].major == 1 && box->device_rules[1].minor == 3);
    assert_true(box->device_rules[2].type == 'b' && box->device_rules[2].major == -1);
    assert_int_equal(box->device_rules[2].access, BOX_DEVICE_MKNOD);
    assert_int_equal(box->device_rules[3].access, BOX_DEVICE_ALL); /* access left out */
    box_free(box);
#define DEV(x) DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{" \
                   "\"devices\":[" x "]}}")
    expect_error(DEV("{\"allow\":false,\"access\":\"r\"}"), EINVAL,
                 "linux.resources.devices[0]: device_rule: a rule of type 'a' is for every "
                 "device and every access");
    expect_error(DEV("{},{\"allow\":true,\"type\":\"c\",\"major\":5000}"), EINVAL,
                 "linux.resources.devices[1]: device_rule: 5000:-1 is not a device number");
    expect_error(DEV("{\"type\":\"x\"}"), EINVAL,
                 "linux.resources.devices[0]: type 'x' is not a, c or b");
    expect_error(DEV("{\"access\":\"rwx\"}"), EINVAL,
                 "linux.resources.devices[0]: access 'rwx' is not made of r, w and m");
    expect_error(DEV("5"), EINVAL, "linux.resources.devices[0]: must be an object");
    expect_error(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"cgroupsPath\":"
        "\"machine.slice:libpod:c1\"}"), EOPNOTSUPP, "linux.cgroupsPath: 'machine.slice:libpod:c1'"
        " is a systemd slice path");
}

/* boxoci update's document: what a running box cannot change is refused naming the field
 * (in the dry pass, before the box is touched); a valid one reaches box_update_limit,
 * which refuses a box that is not running. */
static void test_update(void **state)
{
    static const struct {
        const char *json, *want;
        int errno_value;
    } refused[] = {
        { "{\"cpu\":{\"cpus\":\"0\"}}", "resources: cpu.cpus: libbox cannot change", EOPNOTSUPP },
        { "{\"memory\":{\"limit\":-1}}", "resources: memory.limit: -1 (no limit)", EOPNOTSUPP },
        { "{\"memory\":{\"limit\":67108864,\"swap\":-1}}", "resources: memory.swap: -1",
          EOPNOTSUPP },
        { "{\"memory\":{\"checkBeforeUpdate\":true}}", "resources: memory.checkBeforeUpdate",
          EOPNOTSUPP },
        { "{\"cpu\":{\"quota\":-1}}", "resources: cpu.quota: -1", EOPNOTSUPP },
        { "{\"cpu\":{\"period\":50000}}", "resources: cpu.period: a period without a quota",
          EOPNOTSUPP },
        { "{\"pids\":{\"limit\":-1}}", "resources: pids.limit: -1", EOPNOTSUPP },
        { "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1}]}}",
          "resources: blockIO.throttleReadBpsDevice[0]: libbox cannot change", EOPNOTSUPP },
        { "{\"pids\":{\"limit\":0.5}}", "resources: pids.limit", EINVAL },
        { "{\"pids\":{\"limit\":99999999999999999999}}", "resources: the integer", ERANGE },
        { "[]", "resources: the document must be an object", EINVAL },
        { "{", "resources: not valid JSON", EINVAL },
    };
    static const char valid[] = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                                "\"memory\":{\"limit\":67108864}}";
    box_t *box;
    int r;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        r = oci_resources_update(refused[i].json, strlen(refused[i].json), &host, box, err);
        if (r != -refused[i].errno_value || !strstr(err, refused[i].want))
            fail_msg("%s: got %d '%s', wanted %d with '%s'", refused[i].json, r, err,
                     -refused[i].errno_value, refused[i].want);
    }
    /* Device rules are left as they are; the memory limit reaches box_update_limit. */
    r = oci_resources_update(valid, strlen(valid), &host, box, err);
    assert_int_equal(r, -ESRCH);
    assert_non_null(strstr(err, "resources: memory.limit: "));
    assert_int_equal(oci_resources_update(NULL, 0, &host, box, err), -EINVAL);
    box_free(box);
}

static void test_unified(void **state)
{
    struct oci_host v2 = host;
    struct oci_config *cfg = NULL;
    const char *json = DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{"
        "\"unified\":{\"memory.max\":\"33554432\",\"pids.max\":\"max\",\"cpu.max\":\"50000 "
        "100000\",\"io.weight\":\"default 300\",\"cpuset.cpus\":\"0\"}},\"cgroupsPath\":\"/x\"}");
    box_t *box;

    (void)state;
    v2.cgroup_unified = true;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), 0);
    assert_true(box->limit[BOX_LIMIT_MEMORY] == 32u << 20);
    assert_false(box->limit_set[BOX_LIMIT_PIDS]);
    assert_true(box->limit[BOX_LIMIT_CPU_MILLIS] == 500);
    assert_true(box->limit[BOX_LIMIT_IO_WEIGHT] == 300);
    assert_string_equal(box->cgroup_parent, "/sys/fs/cgroup/x");
    oci_config_free(cfg);
    box_free(box);

    /* cpu.shares on a v2 host: runc's conversion to cpu.weight. */
    json = DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"cpu\":"
               "{\"shares\":1024}}}");
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), 0);
    assert_true(box->limit[BOX_LIMIT_CPU_WEIGHT] == 39); /* 1 + 1022 * 9999 / 262142 */
    oci_config_free(cfg);
    box_free(box);

    json = DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"unified\":"
               "{\"memory.oom.group\":\"1\"}}}");
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), -EOPNOTSUPP);
    assert_non_null(strstr(err, "linux.resources.unified.memory.oom.group: libbox does not "
                                "set this cgroup file"));
    oci_config_free(cfg);
    box_free(box);
    /* A cgroup mount: the box's cgroups, on any host (BOX_MOUNT_CGROUP). */
    json = DOC("\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\","
               "\"options\":[\"rprivate\",\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
               "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]}");
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), 0);
    assert_int_equal(box->mounts[1].type, BOX_MOUNT_CGROUP);
    assert_int_equal(box->mounts[1].flags, BOX_MOUNT_RO | BOX_MOUNT_EXEC_OFF);
    oci_config_free(cfg);
    box_free(box);
    /* A cgroup2 mount: only on a v2 host, in a cgroup namespace. */
    json = DOC("\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\"}],"
               "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]}");
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), 0);
    assert_int_equal(box->mounts[1].type, BOX_MOUNT_CGROUP2);
    oci_config_free(cfg);
    box_free(box);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &host, box, err), -EOPNOTSUPP);
    assert_non_null(strstr(err, "not a cgroup v2 host: use a cgroup mount"));
    oci_config_free(cfg);
    box_free(box);
    json = DOC("\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\"}],"
               "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}");
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(oci_config_parse(json, strlen(json), bundle, &cfg, err), 0);
    assert_int_equal(oci_config_apply(cfg, &v2, box, err), -EOPNOTSUPP);
    assert_non_null(strstr(err, "mounts[0]: a cgroup2 mount needs a cgroup namespace"));
    oci_config_free(cfg);
    box_free(box);
}

/* linux.sysctl and domainname become box_set_sysctl calls; the box's namespaces are
 * checked at spawn (box__sysctl_prepare), the names and the host's settings here. */
static void test_sysctl(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"domainname\":\"example.org\",\"linux\":{\"namespaces\":"
        "[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"network\"},{\"type\":\"ipc\"}],"
        "\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 0\",\"kernel.shmmax\":\"4096\","
        "\"net/ipv4/conf/eth0.1/forwarding\":\"1\"}}"), &box), 0);
    assert_int_equal(box->n_sysctls, 4);
    assert_string_equal(box->sysctls[0].dotted, "kernel.domainname");
    assert_string_equal(box->sysctls[0].value, "example.org");
    assert_string_equal(box->sysctls[1].path, "net/ipv4/ping_group_range");
    assert_string_equal(box->sysctls[2].value, "4096");
    assert_string_equal(box->sysctls[3].path, "net/ipv4/conf/eth0.1/forwarding");
    box_free(box);
}

/* linux.devices: box_mknod without a user namespace, a bind of the host's node with one. */
static void test_devices(void **state)
{
    const struct box_mount_op *op;
    box_t *box;

    (void)state;
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"devices\":"
        "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":432,"
        "\"uid\":0,\"gid\":5},{\"path\":\"/dev/loop9\",\"type\":\"b\",\"major\":7,"
        "\"minor\":9}]}"), &box), 0);
    op = &box->mounts[box->n_mounts - 2];
    assert_int_equal(op->type, BOX_MOUNT_OP_MKNOD);
    assert_string_equal(op->target, "/dev/fuse");
    assert_int_equal(op->mode, S_IFCHR | 0660);
    assert_true(op->rdev == makedev(10, 229) && op->gid == 5);
    op = &box->mounts[box->n_mounts - 1];
    assert_int_equal(op->mode, S_IFBLK | 0666);
    assert_int_equal(box->n_device_rules, 0); /* no rules: no device cgroup */
    box_free(box);
    /* With device rules, a listed device is allowed after them. */
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"devices\":"
        "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}],\"resources\":"
        "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}}"), &box), 0);
    assert_int_equal(box->n_device_rules, 1 + 10 + 1); /* the rule, runc's defaults, fuse */
    assert_true(box->device_rules[11].allow && box->device_rules[11].major == 10 &&
                box->device_rules[11].minor == 229);
    box_free(box);
    assert_int_equal(apply(DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":"
        "\"user\"}],\"devices\":[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,"
        "\"minor\":3}]}"), &box), 0);
    op = &box->mounts[box->n_mounts - 1];
    assert_int_equal(op->type, BOX_MOUNT_BIND);
    assert_string_equal(op->source, "/dev/null");
    assert_true(op->flags & BOX_MOUNT_DEVICES);
    box_free(box);
}

/* oci-hooks.c: the checks (each naming the field), then hooks run with the state on stdin,
 * their exact env and args, in order; a failing, missing or overdue hook stops the list. */
static void test_hooks(void **state)
{
    char out[128], text[256] = "", doc[2048];
    struct json_object *j;
    FILE *f;

    (void)state;
    assert_int_equal(apply(DOC("\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":"
        "[\"true\"],\"env\":[\"A=1\"],\"timeout\":5}],\"createRuntime\":[]}"), NULL), 0);
    expect_error(DOC("\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}"), EINVAL,
                 "config.json: hooks.prestart[0]: path: must be an absolute path");
    expect_error(DOC("\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/true\",\"env\":"
                     "[\"NOEQ\"]}]}"), EINVAL, "hooks.createRuntime[0].env[0]: 'NOEQ'");
    expect_error(DOC("\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"timeout\":0}]}"),
                 ERANGE, "hooks.prestart[0].timeout");
    expect_error(DOC("\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[1]}]}"),
                 EINVAL, "hooks.prestart[0].args[0]: must be a string");
    expect_error(DOC("\"hooks\":{\"prestart\":{}}"), EINVAL, "hooks.prestart");
    /* Every kind is taken (boxoci.c runs them or gives them to the box), and checked. */
    assert_int_equal(apply(DOC("\"hooks\":{\"createContainer\":[{\"path\":\"/bin/true\"}],"
                               "\"startContainer\":[{\"path\":\"/bin/true\"}],\"poststart\":"
                               "[{\"path\":\"/bin/true\"}],\"poststop\":[{\"path\":\"/x\"}]}"),
                           NULL), 0);
    expect_error(DOC("\"hooks\":{\"startContainer\":[{\"path\":\"x\"}]}"), EINVAL,
                 "hooks.startContainer[0]: path: must be an absolute path");

    snprintf(out, sizeof out, "%s/hook.out", bundle);
    snprintf(doc, sizeof doc, "{\"hooks\":{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\","
             "\"-c\",\"cat >%s; echo \\\" $X $0 $HOME\\\" >>%s\",\"arg0\"],\"env\":[\"X=1\"]},"
             "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"exit 3\"]}],\"createRuntime\":"
             "[{\"path\":\"/no/such/hook\"}],\"poststop\":[{\"path\":\"/bin/sleep\",\"args\":"
             "[\"sleep\",\"5\"],\"timeout\":1}]}}", out, out);
    assert_non_null(j = json_tokener_parse(doc));
    assert_int_equal(oci_hooks_run(j, "prestart", "{\"id\":\"c1\"}", err), -EIO);
    assert_string_equal(err, "config.json: hooks.prestart[1]: /bin/sh exited with 3");
    assert_non_null(f = fopen(out, "re"));
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "{\"id\":\"c1\"} 1 arg0 \n"); /* no HOME: env is exactly X */
    unlink(out);
    assert_int_equal(oci_hooks_run(j, "createRuntime", "{}", err), -ENOENT);
    assert_non_null(strstr(err, "hooks.createRuntime[0]: /no/such/hook: cannot run it"));
    assert_int_equal(oci_hooks_run(j, "poststop", "{}", err), -ETIMEDOUT);
    assert_non_null(strstr(err, "hooks.poststop[0]: /bin/sleep did not end within its timeout "
                                "of 1 s"));
    assert_int_equal(oci_hooks_run(j, "startContainer", "{}", err), 0); /* none */
    json_object_put(j);
}

static void test_refused_fields(void **state)
{
    (void)state;
#define PROC(x) DOC("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"," x "}")
#define LNX(x) DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]," x "}")
    expect_error(PROC("\"apparmorProfile\":\"containers-default\""), EOPNOTSUPP,
                 "config.json: process.apparmorProfile: AppArmor is not available");
    expect_error(PROC("\"selinuxLabel\":\"system_u:system_r:container_t\""), EOPNOTSUPP,
                 "process.selinuxLabel: SELinux is not available");
    expect_error(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"}"), EOPNOTSUPP,
                 "process.ioPriority");
    expect_error(PROC("\"scheduler\":{\"policy\":\"SCHED_IDLE\"}"), EOPNOTSUPP,
                 "process.scheduler");
    expect_error(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20}]"),
                 EOPNOTSUPP, "process.rlimits[0]: RLIMIT_NOFILE: soft 10 differs from hard 20");
    expect_error(PROC("\"rlimits\":[{\"type\":\"RLIMIT_MEMLOCK\",\"soft\":1,\"hard\":1}]"),
                 EOPNOTSUPP, "process.rlimits[0]: rlimit 'RLIMIT_MEMLOCK'");
    expect_error(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":1},{\"type\":"
                      "\"RLIMIT_CPU\",\"soft\":1,\"hard\":1}]"), EINVAL, "listed twice");
    expect_error(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2000000,\"hard\":"
                      "2000000}]"), ERANGE, "process.rlimits[0]: set_limit: nofile");
    expect_error(PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[]}"),
                 EOPNOTSUPP, "process.capabilities: bounding, effective and permitted differ");
    expect_error(PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":"
                      "[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]}"),
                 EOPNOTSUPP, "process.capabilities: ambient: libbox makes it empty for uid 0");
    /* uid 1000 without ambient capabilities (podman's --user): BOX_OPT_CAPS_BOUNDING_ONLY;
     * effective or permitted beyond the bounding set is refused. */
    {
        box_t *box;

        assert_int_equal(apply(PROC("\"user\":{\"uid\":1000,\"gid\":1000},\"capabilities\":"
                                    "{\"bounding\":[\"CAP_KILL\"]}"), &box), 0);
        assert_true(box->opts & BOX_OPT_CAPS_BOUNDING_ONLY);
        assert_int_equal(box->cap_keep, (uint64_t)1 << 5);
        box_free(box);
    }
    expect_error(PROC("\"user\":{\"uid\":1000,\"gid\":1000},\"capabilities\":"
                      "{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\"]}"),
                 EOPNOTSUPP, "or for a uid other than 0 only the bounding set");
    expect_error(PROC("\"capabilities\":{\"bounding\":[\"CAP_BOGUS\"],\"effective\":"
                      "[\"CAP_BOGUS\"],\"permitted\":[\"CAP_BOGUS\"]}"),
                 EINVAL, "process.capabilities.bounding[0]: unknown capability 'CAP_BOGUS'");
    expect_error(PROC("\"env\":[\"NOEQUALS\"]"), EINVAL, "process.env[0]: 'NOEQUALS'");
    expect_error(PROC("\"user\":{\"uid\":4294967295}"), ERANGE, "process.user.uid");
    expect_error(PROC("\"user\":{\"umask\":512}"), ERANGE, "process.user.umask");
    expect_error(PROC("\"oomScoreAdj\":1001"), ERANGE, "process.oomScoreAdj");
    expect_error(LNX("\"x\":1},\"domainname\":\"example.org\",\"y\":{"), EINVAL,
                 "config.json: domainname: a domain name needs a uts namespace");
    expect_error(DOC("\"annotations\":{\"a\":5}"), EINVAL, "annotations.a: must be a string");
    expect_error(LNX("\"sysctl\":{\"kernel.panic\":\"1\"}"), EPERM,
                 "config.json: linux.sysctl.kernel.panic: set_sysctl: kernel.panic is not "
                 "namespaced");
    expect_error(LNX("\"sysctl\":{\"net.ipv4.ip_forward\":1}"), EINVAL,
                 "config.json: linux.sysctl.net.ipv4.ip_forward: must be a string");
    expect_error(LNX("\"sysctl\":{\"net/../x\":\"1\"}"), EINVAL,
                 "linux.sysctl.net/../x: set_sysctl: 'net/../x' is not a sysctl name");
    expect_error(LNX("\"sysctl\":[\"net.ipv4.ip_forward\"]"), EINVAL, "linux.sysctl");
    expect_error(LNX("\"devices\":[{\"path\":\"dev/p\",\"type\":\"p\"}]"), EINVAL,
                 "config.json: linux.devices[0]: mknod: path 'dev/p' is not an absolute path");
    expect_error(LNX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]"), EINVAL,
                 "linux.devices[0]: type 'q': not c, u, b or p");
    expect_error(LNX("\"devices\":[{\"type\":\"c\"}]"), EINVAL,
                 "linux.devices[0]: path and type are required");
    expect_error(LNX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":5000}]"),
                 ERANGE, "linux.devices[0].major");
    expect_error(LNX("\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\"}]"), EINVAL,
                 "linux.devices[0]: mknod: path 'dev/x' is not an absolute path");
    expect_error(LNX("\"devices\":5"), EINVAL, "linux.devices");
    expect_error(LNX("\"personality\":{\"domain\":\"LINUX32\"}"), EOPNOTSUPP,
                 "linux.personality.domain: 'LINUX32'");
    expect_error(LNX("\"intelRdt\":{\"closID\":\"x\"}"), EOPNOTSUPP, "linux.intelRdt");
    expect_error(LNX("\"mountLabel\":\"x\""), EOPNOTSUPP, "linux.mountLabel");
    /* Empty values of refused fields are not a request. */
    assert_int_equal(apply(DOC("\"domainname\":\"\",\"hooks\":{},\"process\":{\"args\":"
        "[\"sh\"],\"cwd\":\"/\",\"apparmorProfile\":\"\"},\"annotations\":{\"k\":\"v\"},"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"sysctl\":{},\"maskedPaths\":[],"
        "\"personality\":{\"domain\":\"LINUX\"}},\"unknownField\":{\"x\":[1,2]}"), NULL), 0);
}

static void test_seccomp(void **state)
{
    box_t *box;

    (void)state;
#define SEC(x) DOC("\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{" x "}}")
    assert_int_equal(apply(SEC("\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
        "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
        "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\"],\"syscalls\":["
        "{\"names\":[\"read\",\"write\",\"no_such_call_in_any_kernel\"],\"action\":"
        "\"SCMP_ACT_ALLOW\"},{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
        "\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":8,"
        "\"op\":\"SCMP_CMP_EQ\"}]},{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
        "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"getpid\"],"
        "\"action\":\"SCMP_ACT_LOG\"}]"), &box), 0);
    assert_int_equal(box->seccomp_default_action, BOX_SECCOMP_ERRNO);
    assert_int_equal(box->seccomp_default_errno, 38);
    /* read, write; personality split in two (one index twice); kill; mkdir; getpid */
    assert_int_equal(box->n_seccomp_rules, 7);
    assert_int_equal(box->seccomp_rules[2].n_args, 1);
    assert_true(box->seccomp_rules[3].args[0].value == 8);
    assert_int_equal(box->seccomp_rules[4].action, BOX_SECCOMP_KILL);
    assert_int_equal(box->seccomp_rules[5].errno_value, EPERM); /* the default errnoRet */
    assert_int_equal(box->seccomp_rules[6].action, BOX_SECCOMP_LOG);
    box_free(box);

    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_TRAP\""), EOPNOTSUPP,
                 "linux.seccomp.defaultAction: SCMP_ACT_TRAP");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                     "\"action\":\"SCMP_ACT_NOTIFY\"}]"), EOPNOTSUPP,
                 "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_BOGUS\""), EINVAL, "unknown action");
    expect_error(SEC("\"syscalls\":[]"), EINVAL, "linux.seccomp.defaultAction: missing");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":"
                     "[\"SECCOMP_FILTER_FLAG_LOG\"]"), EOPNOTSUPP, "linux.seccomp.flags[0]");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]"),
                 EOPNOTSUPP, "linux.seccomp.architectures[0]: 'SCMP_ARCH_VAX'");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\""),
                 EOPNOTSUPP, "linux.seccomp.listenerPath");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":"
                     "\"SCMP_CMP_EQ\"}]}]"), ERANGE, "linux.seccomp.syscalls[0].args[0].index");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
                     "\"SCMP_CMP_ALMOST\"}]}]"), EINVAL, "args[0]: unknown op 'SCMP_CMP_ALMOST'");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
                     "\"action\":\"SCMP_ACT_ERRNO\"}]"), EINVAL, "syscalls[0].names");
    expect_error(SEC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"write\"],"
                     "\"action\":\"SCMP_ACT_NOTIFY\"}]"), EOPNOTSUPP, "SCMP_ACT_NOTIFY");
}

/* Podman's own default profile, in the OCI form podman hands the runtime: generated from
 * containers-common's seccomp.json by tests/boxoci/podman-seccomp.py when it is there. */
static void test_podman_profile(void **state)
{
    const char *path = getenv("BOXOCI_TEST_PODMAN_CONFIG");
    struct oci_config *cfg = NULL;
    box_t *box;

    (void)state;
    if (!path || access(path, R_OK) != 0)
        skip(); /* reported as skipped by cmocka, with this test's name */
    assert_int_equal(box_new(&box, 0), 0);
    {
        char dir[4096];
        const char *slash = strrchr(path, '/');

        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (oci_config_load(dir, &cfg, err) != 0 ||
            oci_config_apply(cfg, &host, box, err) != 0)
            fail_msg("%s", err);
    }
    assert_true(box->n_seccomp_rules > 300);
    assert_int_equal(box->seccomp_default_action, BOX_SECCOMP_ERRNO);
    oci_config_free(cfg);
    box_free(box);
}

static void test_malformed(void **state)
{
    char deep[400];
    size_t n = 0;

    (void)state;
    expect_error("{\"ociVersion\":\"1.1.0\",", EINVAL, "not valid JSON at byte");
    expect_error("[1,2]", EINVAL, "the document must be an object");
    expect_error(DOC0 " x", EINVAL, "not valid JSON at byte");
    {
        static const char nul[] = DOC0 "\0x";
        struct oci_config *cfg = NULL;

        assert_int_equal(oci_config_parse(nul, sizeof nul - 1, bundle, &cfg, err), -EINVAL);
        assert_non_null(strstr(err, "text after the document"));
    }
    expect_error("{\"ociVersion\":\"2.0.0\"}", EOPNOTSUPP, "ociVersion: version 2.0.0");
    expect_error("{\"root\":{\"path\":\"r\"}}", EINVAL, "ociVersion: missing");
    expect_error("{\"ociVersion\":\"1.0.2\"}", EINVAL, "root: missing");
    expect_error("{\"ociVersion\":1}", EINVAL, "ociVersion: must be a string, not an integer");
    expect_error("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":"
                 "{\"args\":[]}}", EINVAL, "process.args: a process needs at least one");
    expect_error("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":"
                 "{\"args\":[\"a\\u0000b\"]}}", EINVAL, "process.args[0]: contains a NUL");
    expect_error("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\"}}", EINVAL,
                 "config.json: linux: missing");
    expect_error(DOC("\"process\":{\"args\":[\"sh\"]}"), EINVAL,
                 "process.cwd: must be an absolute path");
    expect_error(DOC("\"root\":{\"path\":\"no-such-rootfs\"}"), ENOENT, "root: set_root");
    /* Nesting deeper than json-c's limit. */
    n += (size_t)snprintf(deep, sizeof deep, "{\"ociVersion\":\"1.0\",\"a\":");
    while (n < sizeof deep - 2)
        deep[n++] = '[';
    deep[n] = '\0';
    expect_error(deep, EINVAL, "not valid JSON");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_process),
        cmocka_unit_test(test_uint64_round_trip),
        cmocka_unit_test(test_mounts),
        cmocka_unit_test(test_namespaces_and_maps),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_unified),
        cmocka_unit_test(test_sysctl),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_refused_fields),
        cmocka_unit_test(test_seccomp),
        cmocka_unit_test(test_podman_profile),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests(tests, make_bundle, remove_bundle);
}
