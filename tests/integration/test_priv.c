/* Integration tests of privilege reduction (issue 5): capabilities and seccomp, seen from
 * inside the box. The same binary runs as root and (--rootless) as nobody. The static
 * helper tests/integration/sysprobe.c makes one system call in the box and prints "ok" or
 * the errno, which tells which layer stopped it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 4096

static const char *sysprobe; /* host path of the helper, from BOX_TEST_SYSPROBE */

/* A test box with the helper at /tmp/sysprobe (on a tmpfs: the test rootfs is read-only). */
static box_t *probe_box(void)
{
    box_t *box = new_test_box();

    assert_non_null(sysprobe);
    assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_BIND, sysprobe, "/tmp/sysprobe", BOX_MOUNT_RO), 0);
    return box;
}

/* Run the probes (space separated) in a box and return their outputs on one line. */
static void probe(box_t *box, const char *probes, char *out, size_t size)
{
    char script[512];
    box_status_t st;

    snprintf(script, sizeof script, "for p in %s; do /tmp/sysprobe $p; done", probes);
    assert_int_equal(run_box(box, script, out, size, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

/* The Cap* lines of /proc/self/status inside the box, as "Inh Prm Eff Bnd Amb". */
static void caps_of(box_t *box, char *out, size_t size)
{
    box_status_t st;

    assert_int_equal(run_box(box, "for c in Inh Prm Eff Bnd Amb; do "
                                  "grep Cap$c /proc/self/status | cut -f2; done | tr '\\n' ' '",
                             out, size, &st),
                     0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(st.exit_code, 0);
}

/* Every capability this kernel knows, as /proc/self/status shows a set. A new user
 * namespace starts with all of them, even when the caller's own bounding set is smaller. */
static const char *all_caps(void)
{
    static char text[20];
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int last = 0;

    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &last), 1);
    fclose(f);
    snprintf(text, sizeof text, "%016llx", (1ull << (last + 1)) - 1);
    return text;
}

#define Z "0000000000000000"
#define NBS "0000000000000400" /* CAP_NET_BIND_SERVICE */

static void test_caps_default_none(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();

    (void)state;
    caps_of(box, out, sizeof out);
    assert_string_equal(out, Z " " Z " " Z " " Z " " Z " ");
    box_free(box);
}

static void test_caps_keep_one(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();

    (void)state;
    assert_int_equal(box_cap_keep(box, "net_bind_service"), 0);
    caps_of(box, out, sizeof out);
    /* uid 0 in the box: no ambient set needed, exec as root gives the bounding set. */
    assert_string_equal(out, Z " " NBS " " NBS " " NBS " " Z " ");
    box_free(box);
}

static void test_caps_keep_as_user_is_ambient(void **state)
{
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    if (test_rootless)
        skip();
    box = new_test_box();
    assert_int_equal(box_add_uid_map(box, 0, 100000, 65536), 0);
    assert_int_equal(box_add_gid_map(box, 0, 100000, 65536), 0);
    assert_int_equal(box_set_user(box, 1000, 1000), 0);
    assert_int_equal(box_cap_keep(box, "CAP_NET_BIND_SERVICE"), 0);
    caps_of(box, out, sizeof out);
    assert_string_equal(out, NBS " " NBS " " NBS " " NBS " " NBS " ");
    box_free(box);
}

static void test_caps_none_as_user(void **state)
{
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    if (test_rootless)
        skip();
    box = new_test_box();
    assert_int_equal(box_add_uid_map(box, 0, 100000, 65536), 0);
    assert_int_equal(box_add_gid_map(box, 0, 100000, 65536), 0);
    assert_int_equal(box_set_user(box, 1000, 1000), 0);
    caps_of(box, out, sizeof out);
    assert_string_equal(out, Z " " Z " " Z " " Z " " Z " ");
    box_free(box);
}

/* Real root without a user namespace: the same empty sets, in the host's namespace. */
static void test_caps_none_without_userns(void **state)
{
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    if (test_rootless)
        skip();
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    caps_of(box, out, sizeof out);
    assert_string_equal(out, Z " " Z " " Z " " Z " " Z " ");
    box_free(box);
}

static void test_caps_keep_all(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();

    (void)state;
    char inh[20], prm[20], eff[20], bnd[20], amb[20];

    assert_int_equal(box_cap_keep_all(box), 0);
    caps_of(box, out, sizeof out);
    assert_int_equal(sscanf(out, "%19s %19s %19s %19s %19s", inh, prm, eff, bnd, amb), 5);
    assert_string_equal(inh, Z);
    assert_string_equal(amb, Z);
    assert_string_equal(prm, bnd);
    assert_string_equal(eff, bnd);
    assert_string_equal(bnd, all_caps());
    assert_string_not_equal(bnd, Z);
    assert_string_not_equal(bnd, NBS);
    box_free(box);
}

/* Without the filter these calls work in the box (keyctl needs no capability); with the
 * default filter they fail with EPERM (1), clone3 with ENOSYS (38). */
static void test_seccomp_default_denies(void **state)
{
    char out[OUT_MAX], unfiltered[OUT_MAX];
    box_t *box = probe_box();

    (void)state;
    probe(box, "keyctl unshare_user clone_newuser clone3 personality_norandom mount", out,
          sizeof out);
    assert_string_equal(out, "1 1 1 38 1 1 ");
    box_free(box);

    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    probe(box, "keyctl personality_norandom", unfiltered, sizeof unfiltered);
    assert_string_equal(unfiltered, "ok ok ");
    box_free(box);
}

/* The 32-bit entry points (int $0x80 and x32) are filtered too: whenever the kernel runs
 * them for us without the filter, the filter denies them. */
static void test_seccomp_compat_abis(void **state)
{
    char out[OUT_MAX], unfiltered[OUT_MAX];
    box_t *box = probe_box();

    (void)state;
#if !defined(__x86_64__)
    skip();
#endif
    assert_int_equal(box_seccomp_default(box, 0), 0);
    probe(box, "int80_keyctl x32_keyctl", unfiltered, sizeof unfiltered);
    box_free(box);
    box = probe_box();
    probe(box, "int80_keyctl x32_keyctl", out, sizeof out);
    box_free(box);
    if (strncmp(unfiltered, "ok ", 3) == 0)
        assert_true(strncmp(out, "1 ", 2) == 0);
    else
        print_message("i386 ABI not available here (%s)\n", unfiltered);
    assert_null(strstr(out, "ok"));
}

/* Which layer stops mount(2): caps alone, seccomp alone, and neither. */
static void test_mount_layers(void **state)
{
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    box = probe_box(); /* default: no caps and the filter */
    assert_int_equal(box_cap_keep(box, "sys_admin"), 0);
    probe(box, "mount", out, sizeof out);
    assert_string_equal(out, "1 "); /* seccomp, though CAP_SYS_ADMIN is there */
    box_free(box);

    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    probe(box, "mount", out, sizeof out);
    assert_string_equal(out, "1 "); /* no capabilities */
    box_free(box);

    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(box_cap_keep(box, "CAP_SYS_ADMIN"), 0);
    probe(box, "mount", out, sizeof out);
    assert_string_equal(out, "ok "); /* both off: the box's own mount namespace allows it */
    box_free(box);
}

static void test_busybox_mount_fails(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(run_box(box, "mount -t tmpfs none /mnt 2>/dev/null && echo mounted; "
                                  "umount /proc 2>/dev/null && echo unmounted; echo done",
                             out, sizeof out, &st),
                     0);
    assert_string_equal(out, "done\n");
    box_free(box);
}

static void test_seccomp_rules(void **state)
{
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    /* ALLOW lifts the default list's rule for that call only. */
    box = probe_box();
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ALLOW, 0), 0);
    probe(box, "keyctl unshare_user", out, sizeof out);
    assert_string_equal(out, "ok 1 ");
    box_free(box);

    /* A rule of our own without the default list. */
    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EACCES), 0);
    probe(box, "keyctl personality_norandom", out, sizeof out);
    assert_string_equal(out, "13 ok ");
    box_free(box);

    /* KILL: the process dies of SIGSYS. */
    box = probe_box();
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_KILL, 0), 0);
    assert_int_equal(run_box(box, "/tmp/sysprobe keyctl; echo rc=$?", out, sizeof out, &st), 0);
    assert_string_equal(out, "rc=159\n"); /* 128 + SIGSYS */
    box_free(box);
}

/* Landlock: writes only where allowed, nothing outside the listed paths; the same script
 * without Landlock writes everywhere (so the denials are Landlock's, not the mounts'). */
static void test_landlock_paths(void **state)
{
    const char *script = "echo a > /tmp/x && cat /tmp/x; (echo b > /mnt/y) 2>/dev/null || "
                         "echo mnt-denied; ls /etc >/tmp/o 2>&1 || echo etc-denied";
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    for (int ll = 0; ll < 2; ll++) {
        box = new_test_box();
        assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, 0), 0);
        assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
        assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
        if (ll) {
            assert_int_equal(box_landlock_path(box, "/bin", BOX_LANDLOCK_READ |
                                                           BOX_LANDLOCK_EXEC), 0);
            assert_int_equal(box_landlock_path(box, "/tmp", BOX_LANDLOCK_READ |
                                                           BOX_LANDLOCK_WRITE), 0);
            assert_int_equal(box_landlock_path(box, "/dev/null", BOX_LANDLOCK_WRITE), 0);
            assert_int_equal(box_landlock_path(box, "/mnt", BOX_LANDLOCK_READ), 0);
        }
        assert_int_equal(run_box(box, script, out, sizeof out, &st), 0);
        assert_string_equal(out, ll ? "a\nmnt-denied\netc-denied\n" : "a\n");
        box_free(box);
    }
}

static void test_landlock_missing_path(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };

    (void)state;
    assert_int_equal(box_landlock_path(box, "/bin", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    assert_int_equal(box_landlock_path(box, "/nonexistent", BOX_LANDLOCK_READ), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_non_null(strstr(box_errmsg(box), "apply landlock /nonexistent"));
    box_free(box);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_default_none),
        cmocka_unit_test(test_caps_keep_one),
        cmocka_unit_test(test_caps_keep_as_user_is_ambient),
        cmocka_unit_test(test_caps_none_as_user),
        cmocka_unit_test(test_caps_none_without_userns),
        cmocka_unit_test(test_caps_keep_all),
        cmocka_unit_test(test_seccomp_default_denies),
        cmocka_unit_test(test_seccomp_compat_abis),
        cmocka_unit_test(test_mount_layers),
        cmocka_unit_test(test_busybox_mount_fails),
        cmocka_unit_test(test_seccomp_rules),
        cmocka_unit_test(test_landlock_paths),
        cmocka_unit_test(test_landlock_missing_path),
    };

    sysprobe = getenv("BOX_TEST_SYSPROBE");
    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
