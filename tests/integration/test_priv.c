/* Integration tests of privilege reduction (issue 5): capabilities and seccomp, seen from
 * inside the box. The same binary runs as root and (--rootless) as nobody. The static
 * helper tests/integration/sysprobe.c makes one system call in the box and prints "ok" or
 * the errno, which tells which layer stopped it.
 *
 * Escape attempts (test_escape_*) and the layer that stops each in a default box:
 *
 *   attempt                                  result     layer
 *   ---------------------------------------  ---------  --------------------------------------
 *   mknod of a char device (1:3)             EPERM      caps (no CAP_MKNOD; a user namespace
 *                                                       never allows device nodes either)
 *   init_module, finit_module                EPERM      seccomp (also caps: CAP_SYS_MODULE of
 *                                                       the host's namespace, which the box
 *                                                       never has; as root without a user
 *                                                       namespace and the cap kept, still
 *                                                       EPERM)
 *   kexec_load                               EPERM      seccomp (and caps: CAP_SYS_BOOT)
 *   clock_settime(CLOCK_REALTIME)            EPERM      seccomp (and caps: CAP_SYS_TIME)
 *   kill(host pid, 0)                        ESRCH      pid namespace
 *   ptrace(PTRACE_ATTACH, host pid)          EPERM      seccomp; without it ESRCH (pid ns)
 *   keyctl(KEYCTL_READ, user keyring)        EPERM      seccomp (the keyring is not
 *                                                       namespaced)
 *   chroot + chdir("..") x64 + chroot(".")   EPERM      caps (no CAP_SYS_CHROOT); with it kept,
 *                                                       the walk ends at the box's root:
 *                                                       mount namespace + pivot_root
 *   open(/proc/self/exe, O_WRONLY)           EROFS/     mounts (read-only bind) / kernel
 *                                            ETXTBSY    (a running binary is not writable)
 *   setuid-root (of the box) binary run by   euid stays nosuid on every mount, and
 *   uid 1000: gaining uid 0 and caps         1000, no   no_new_privs; with
 *                                            caps       BOX_OPT_ALLOW_NEW_PRIVS nosuid alone
 *                                                       still stops it (the user namespace
 *                                                       would bound what it gained)
 *   io_uring_setup                           EPERM      seccomp (needs no capability)
 *   a directory fd the caller leaked         EBADF      fds: every fd not passed is closed
 *   (no O_CLOEXEC), fchdir to it                        at exec (no old-root fd survives
 *                                                       either: "fds" lists none)
 *   the caller's cwd (a host directory)      -          chdir to the box's cwd after
 *                                                       pivot_root: /proc/self/cwd is "/"
 *   a host directory fd passed on purpose    ok / EACCES a passed fd is a way out by design;
 *   (box_pass_fd), openat(fd, "etc/passwd")             Landlock still stops opening
 *                                                       anything outside its paths
 */
#include <dirent.h>
#include <errno.h>
#include <ctype.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/socket.h>
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
    if (run_box(box, script, out, size, &st) != 0)
        fail_msg("spawn: %s", box_errmsg(box));
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
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    map_id_range(box);
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
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    map_id_range(box);
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
        skip_because("needs root (this run is rootless)");
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

static bool io_uring_allowed(void)
{
    FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
    int v = 0;

    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v == 0;
}

/* Without the filter these calls work in the box (keyctl needs no capability); with the
 * default filter they fail with EPERM (1), clone3 with ENOSYS (38). */
static void test_seccomp_default_denies(void **state)
{
    char out[OUT_MAX], unfiltered[OUT_MAX];
    box_t *box = probe_box();

    (void)state;
    probe(box, "keyctl unshare_user clone_newuser clone3 personality_norandom mount "
               "io_uring_setup", out, sizeof out);
    assert_string_equal(out, "1 1 1 38 1 1 1 ");
    box_free(box);

    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    probe(box, "keyctl personality_norandom io_uring_setup", unfiltered, sizeof unfiltered);
    /* io_uring works unfiltered unless the host turned it off (kernel.io_uring_disabled). */
    if (access("/proc/sys/kernel/io_uring_disabled", F_OK) == 0 && !io_uring_allowed())
        assert_string_equal(unfiltered, "ok ok 1 ");
    else
        assert_string_equal(unfiltered, "ok ok ok ");
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
    skip_because("x86_64 only (i386/x32 system call tables)");
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

/* The one cache file in dir (its path into path). */
static void only_cache_file(const char *dir, char *path, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, size, "%s/%s", dir, e->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
}

/* box_seccomp_cache_dir: the first box's filter is built and written to the directory;
 * once this process has built 16 other filters (its in-memory cache holds 16), a second
 * box with the same rules gets it from the file, which is read and not written again, and
 * the rule is in force in both. */
static void test_seccomp_cache_dir(void **state)
{
    char dir[] = "/tmp/test-priv-seccomp.XXXXXX", path[PATH_MAX], out[OUT_MAX];
    struct stat before, after;
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    box_t *box;

    (void)state;
    assert_true(devnull >= 0);
    assert_non_null(mkdtemp(dir));
    for (int round = 0; round < 2; round++) {
        box = probe_box();
        assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EXDEV), 0);
        assert_int_equal(box_seccomp_cache_dir(box, dir), 0);
        probe(box, "keyctl unshare_user", out, sizeof out);
        assert_string_equal(out, "18 1 "); /* EXDEV; the default list is still there */
        box_free(box);
        only_cache_file(dir, path, sizeof path);
        assert_int_equal(stat(path, round ? &after : &before), 0);
        for (int i = 1; round == 0 && i <= 16; i++) { /* push it out of this process */
            assert_int_equal(box_new(&box, 0), 0);
            assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, i), 0);
            assert_int_equal(box_seccomp_export(box, devnull, 0), 0);
            box_free(box);
        }
    }
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    assert_int_equal(before.st_mode & 07777, 0600);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    close(devnull);
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

/* box-init (BOX_OPT_INIT) is exec'ed from the host, outside the Landlock paths: the
 * ruleset lets exactly that file through. */
static void test_landlock_with_init(void **state)
{
    char out[OUT_MAX];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_options(box, BOX_OPT_INIT | BOX_OPT_NEW_SESSION), 0);
    assert_int_equal(box_landlock_path(box, "/bin", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    assert_int_equal(run_box(box, "echo $$; ls /etc 2>/dev/null || echo etc-denied", out,
                             sizeof out, &st), 0);
    assert_string_equal(out, "2\netc-denied\n");
    box_free(box);
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

/* Supplementary groups: shown by id -G as root with a mapped range; refused rootless. */
static void test_groups(void **state)
{
    const gid_t groups[] = { 2000, 3000 };
    const char *const argv[] = { "true", NULL };
    gid_t many[65] = { 0 };
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    box = new_test_box();
    assert_int_equal(box_set_groups(box, 1, NULL), -EINVAL);
    assert_int_equal(box_set_groups(box, 65, many), -EINVAL);
    assert_int_equal(box_set_groups(box, 64, many), 0);
    assert_int_equal(box_set_groups(box, 0, NULL), 0);
    if (test_rootless) {
        assert_int_equal(box_set_groups(box, 2, groups), 0);
        assert_int_equal(box_spawn(box, argv), -EPERM);
        assert_non_null(strstr(box_errmsg(box), "set_groups: an unprivileged caller cannot "
                                                "set supplementary groups"));
        box_free(box);
        return;
    }
    /* Without a list the box has no supplementary groups at all. */
    assert_int_equal(run_box(box, "id -G", out, sizeof out, &st), 0);
    assert_string_equal(out, "0\n");
    assert_int_equal(box_set_groups(box, 2, groups), -EBUSY);
    box_free(box);

    box = new_test_box();
    map_id_range(box);
    assert_int_equal(box_set_user(box, 1000, 1001), 0);
    assert_int_equal(box_set_groups(box, 2, groups), 0);
    assert_int_equal(run_box(box, "id -G; grep Groups /proc/self/status | cut -f2", out,
                             sizeof out, &st), 0);
    assert_string_equal(out, "1001 2000 3000\n2000 3000 \n");
    box_free(box);

    /* A group outside the map: setgroups fails in the box, and says so. */
    box = new_test_box();
    map_id_range(box);
    many[0] = 70000;
    assert_int_equal(box_set_groups(box, 1, many), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "setgroups"));
    box_free(box);
}

static void nnp_of(box_t *box, char *out, size_t size)
{
    box_status_t st;

    assert_int_equal(run_box(box, "grep NoNewPrivs /proc/self/status | cut -f2", out, size,
                             &st), 0);
    assert_int_equal(st.exit_code, 0);
}

static void test_no_new_privs_switch(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    box = new_test_box();
    nnp_of(box, out, sizeof out);
    assert_string_equal(out, "1\n");
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS | BOX_OPT_NEW_SESSION), 0);
    assert_int_equal(box_seccomp_default(box, 0), 0);
    nnp_of(box, out, sizeof out);
    assert_string_equal(out, "0\n");
    box_free(box);

    /* With a seccomp filter, installed before the capabilities are dropped (the kernel
     * wants CAP_SYS_ADMIN for it without no_new_privs): in force, no_new_privs off. */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS | BOX_OPT_NEW_SESSION), 0);
    assert_int_equal(box_seccomp_rule(box, "mkdir", BOX_SECCOMP_ERRNO, ENOSYS), 0);
    assert_int_equal(box_seccomp_rule(box, "mkdirat", BOX_SECCOMP_ERRNO, ENOSYS), 0);
    assert_int_equal(run_box(box, "grep NoNewPrivs /proc/self/status | cut -f2; "
                                  "mkdir /tmp/x 2>&1 | grep -c 'not implemented'",
                             out, sizeof out, NULL), 0);
    assert_string_equal(out, "0\n1\n");
    box_free(box);

    /* but not with a notifying rule, whose supervisor cannot answer during the spawn */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS), 0);
    assert_int_equal(box_seccomp_rule(box, "mkdir", BOX_SECCOMP_NOTIFY, 0), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "BOX_SECCOMP_NOTIFY"));
    box_free(box);

    /* nor with Landlock */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS), 0);
    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(box_landlock_path(box, "/", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "Landlock"));
    box_free(box);
}

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* A file holding a classic BPF program: uname fails with EPERM, everything else is allowed
 * (a foreign ABI too, so the test filter stays minimal). */
static int uname_filter_fd(void)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    int fd = memfd_create("test-bpf", MFD_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, prog, sizeof prog), (ssize_t)sizeof prog);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void test_seccomp_load_bpf(void **state)
{
    const char *const argv[] = { "true", NULL };
    const char *script = "uname -s; echo hello";
    char out[OUT_MAX], junk[4097 * 8];
    box_t *box;
    box_status_t st;
    int fd;

    (void)state;
    /* Without the program uname works. */
    box = new_test_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(run_box(box, script, out, sizeof out, &st), 0);
    assert_string_equal(out, "Linux\nhello\n");
    box_free(box);

    /* The caller's program alone. */
    box = new_test_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    fd = uname_filter_fd();
    assert_int_equal(box_seccomp_load_bpf(box, fd), 0);
    close(fd);
    assert_int_equal(run_box(box, script, out, sizeof out, &st), 0);
    assert_string_equal(out, "\nhello\n"); /* busybox prints an empty name when uname fails */
    assert_int_equal(box_seccomp_load_bpf(box, 0), -EBUSY);
    box_free(box);

    /* On top of libbox's filter: both apply. */
    box = probe_box();
    fd = uname_filter_fd();
    assert_int_equal(box_seccomp_load_bpf(box, fd), 0);
    close(fd);
    assert_int_equal(run_box(box, "uname -s; /tmp/sysprobe keyctl", out, sizeof out, &st), 0);
    assert_string_equal(out, "\n1\n");
    box_free(box);

    /* Bad sizes: empty, not a multiple of 8, above 4096 instructions; a bad fd. */
    box = new_test_box();
    memset(junk, 0, sizeof junk);
    for (int i = 0; i < 3; i++) {
        static const size_t sizes[] = { 0, 7, sizeof junk };

        fd = memfd_create("test-bpf", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, junk, sizes[i]), (ssize_t)sizes[i]);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(box_seccomp_load_bpf(box, fd), -EINVAL);
        close(fd);
    }
    assert_int_equal(box_seccomp_load_bpf(box, -1), -EBADF);
    /* A program the kernel rejects (all zeros: no return) fails the spawn, named. */
    fd = memfd_create("test-bpf", MFD_CLOEXEC);
    assert_int_equal(write(fd, junk, 16), 16);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(box_seccomp_load_bpf(box, fd), 0);
    close(fd);
    assert_int_equal(box_spawn(box, argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "box_seccomp_load_bpf"));
    box_free(box);

    /* With BOX_OPT_ALLOW_NEW_PRIVS too (installed early, under CAP_SYS_ADMIN). */
    box = new_test_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS), 0);
    fd = uname_filter_fd();
    assert_int_equal(box_seccomp_load_bpf(box, fd), 0);
    close(fd);
    assert_int_equal(run_box(box, "uname -s; grep NoNewPrivs /proc/self/status | cut -f2",
                             out, sizeof out, NULL), 0);
    assert_string_equal(out, "\n0\n"); /* busybox prints an empty name when uname fails */
    box_free(box);
}

/* Argument comparisons: socket(2) denied for some domains and types only. */
static void test_seccomp_rule_args(void **state)
{
    const box_seccomp_arg_t inet6[] = { { 0, BOX_SECCOMP_CMP_EQ, AF_INET6, 0 } };
    const box_seccomp_arg_t inet_dgram[] = {
        { 0, BOX_SECCOMP_CMP_EQ, AF_INET, 0 },
        { 1, BOX_SECCOMP_CMP_MASKED_EQ, SOCK_DGRAM, 0xf }, /* any SOCK_CLOEXEC etc. too */
    };
    const box_seccomp_arg_t above_vsock[] = { { 0, BOX_SECCOMP_CMP_GT, AF_VSOCK, 0 } };
    /* stream, dgram, dgram|cloexec, inet6 stream, unix stream, AF_MCTP (45) dgram */
    const char *probes = "socket=2,1 socket=2,2 socket=2,524290 socket=10,1 socket=1,1 "
                         "socket=45,2";
    char out[OUT_MAX], unfiltered[OUT_MAX];
    box_t *box;

    (void)state;
    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    probe(box, probes, unfiltered, sizeof unfiltered);
    box_free(box);
    assert_int_equal(strncmp(unfiltered, "ok ok ok ok ok ", 15), 0);
    assert_string_not_equal(unfiltered + 15, "13 ");

    box = probe_box();
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, EACCES, 1, inet6),
                     0);
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, EAFNOSUPPORT, 2,
                                           inet_dgram), 0);
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, EACCES, 1,
                                           above_vsock), 0);
    probe(box, probes, out, sizeof out);
    assert_string_equal(out, "ok 97 97 13 ok 13 ");
    /* An unconditional rule replaces the conditional ones. */
    box_free(box);
    box = probe_box();
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, EACCES, 1, inet6),
                     0);
    assert_int_equal(box_seccomp_rule(box, "socket", BOX_SECCOMP_ALLOW, 0), 0);
    probe(box, probes, out, sizeof out);
    assert_string_equal(out, unfiltered);
    box_free(box);
}

/* What a static glibc program needs to start, print and exit (strace of sysprobe). */
static const char *const startup_calls[] = {
    "execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
    "readlink", "getrandom", "mprotect", "newfstatat", "fstat", "write", "exit_group",
};

static box_t *allow_list_box(int action, int errno_value)
{
    box_t *box = probe_box();

    assert_int_equal(box_seccomp_default_action(box, action, errno_value), 0);
    for (size_t i = 0; i < sizeof startup_calls / sizeof startup_calls[0]; i++)
        assert_int_equal(box_seccomp_rule(box, startup_calls[i], BOX_SECCOMP_ALLOW, 0), 0);
    assert_int_equal(box_seccomp_rule(box, "uname", BOX_SECCOMP_ALLOW, 0), 0);
    return box;
}

/* An allow list: the default action decides every call no rule names. */
static void test_seccomp_default_action(void **state)
{
    const char *const uname_argv[] = { "/tmp/sysprobe", "uname", NULL };
    const char *const socket_argv[] = { "/tmp/sysprobe", "socket=1,1", NULL };
    const char *const keyctl_argv[] = { "/tmp/sysprobe", "keyctl", NULL };
    const char *const true_argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    box = allow_list_box(BOX_SECCOMP_ERRNO, ENOSYS);
    assert_int_equal(run_argv(box, uname_argv, out, sizeof out, &st), 0);
    assert_string_equal(out, "ok\n");
    box_free(box);
    box = allow_list_box(BOX_SECCOMP_ERRNO, ENOSYS);
    assert_int_equal(run_argv(box, socket_argv, out, sizeof out, &st), 0);
    assert_string_equal(out, "38\n"); /* not allowed: the default action */
    box_free(box);
    box = allow_list_box(BOX_SECCOMP_ERRNO, ENOSYS);
    assert_int_equal(run_argv(box, keyctl_argv, out, sizeof out, &st), 0);
    assert_string_equal(out, "1\n"); /* the default list still names keyctl */
    box_free(box);

    box = allow_list_box(BOX_SECCOMP_KILL, 0);
    assert_int_equal(run_argv(box, socket_argv, out, sizeof out, &st), 0);
    assert_int_equal(st.end, BOX_END_SIGNALED);
    assert_int_equal(st.signal, SIGSYS);
    box_free(box);

    /* LOG allows (and audits) what no rule names. */
    box = allow_list_box(BOX_SECCOMP_LOG, 0);
    assert_int_equal(run_argv(box, socket_argv, out, sizeof out, &st), 0);
    assert_string_equal(out, "ok\n");
    box_free(box);

    /* The program is exec'ed under the filter: a rule for execve decides that too. */
    box = new_test_box();
    assert_int_equal(box_seccomp_rule(box, "execve", BOX_SECCOMP_ERRNO, EACCES), 0);
    assert_int_equal(box_spawn(box, true_argv), -EACCES);
    assert_non_null(strstr(box_errmsg(box), "exec true"));
    box_free(box);

    /* box-init would run under a denying filter. */
    box = new_test_box();
    assert_int_equal(box_set_options(box, BOX_OPT_INIT), 0);
    assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_ERRNO, EPERM), 0);
    assert_int_equal(box_spawn(box, true_argv), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "BOX_OPT_INIT"));
    box_free(box);
}

/* Run the helper's getppid probe with getppid notified to us; answer the one call with
 * `val`, or let it through to the kernel (`pass`); return what the probe printed. */
static void notified_getppid(long val, bool pass, char *out, size_t size)
{
    const char *const argv[] = { "/tmp/sysprobe", "getppid", NULL };
    box_t *box = probe_box();
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    struct pollfd pfd;
    box_status_t st;
    int p[2];
    ssize_t n, len = 0;

    assert_int_equal(box_seccomp_notify_fd(box), -ESRCH);
    assert_int_equal(box_seccomp_rule(box, "getppid", BOX_SECCOMP_NOTIFY, 0), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    close(p[1]);
    pfd = (struct pollfd){ .fd = box_seccomp_notify_fd(box), .events = POLLIN };
    assert_true(pfd.fd >= 0);
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    memset(&req, 0, sizeof req);
    assert_int_equal(ioctl(pfd.fd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
    assert_int_equal(req.data.nr, SYS_getppid);
    assert_int_equal(req.pid, box_pid(box));
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.val = val;
    resp.flags = pass ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
    assert_int_equal(ioctl(pfd.fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
    while ((n = read(p[0], out + len, size - 1 - (size_t)len)) > 0)
        len += n;
    out[len] = '\0';
    close(p[0]);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    assert_int_equal(box_seccomp_notify_fd(box), -ESRCH); /* closed with the box */
    box_free(box);
}

/* BOX_SECCOMP_NOTIFY: the call goes to us, the supervisor, which makes up its result or
 * lets it through (getppid of pid 1 in a pid namespace: 0). */
static void test_seccomp_notify(void **state)
{
    const char *const argv[] = { "true", NULL };
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    notified_getppid(4242, false, out, sizeof out);
    assert_string_equal(out, "4242\n");
    notified_getppid(0, true, out, sizeof out);
    assert_string_equal(out, "0\n");

    /* Without notify rules there is no listener. */
    box = probe_box();
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_seccomp_notify_fd(box), -ENOENT);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* The caller's own bounding set, from /proc/self/status. */
static uint64_t own_bounding_set(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long v = 0;

    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapBnd: %llx", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* Without a user namespace the box can hold at most the caller's capabilities:
 * box_cap_keep_all keeps those, a named one the caller lacks fails, naming it. */
static void test_caps_keep_all_without_userns(void **state)
{
    const char *const argv[] = { "true", NULL };
    uint64_t bnd = own_bounding_set(), all;
    char out[OUT_MAX], want[20];
    box_t *box;
    int missing = -1;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless)");
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    assert_int_equal(box_cap_keep_all(box), 0);
    caps_of(box, out, sizeof out);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)bnd);
    {
        char inh[20], prm[20], eff[20], bset[20], amb[20];

        assert_int_equal(sscanf(out, "%19s %19s %19s %19s %19s", inh, prm, eff, bset, amb), 5);
        assert_string_equal(prm, want);
        assert_string_equal(eff, want);
        assert_string_equal(bset, want);
    }
    box_free(box);

    all = strtoull(all_caps(), NULL, 16);
    for (int c = 0; c < 64 && missing < 0; c++)
        if ((all & ~bnd) & (1ull << c))
            missing = c;
    if (missing < 0) {
        print_message("the caller holds every capability: nothing to miss here\n");
        return;
    }
    box = new_test_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    {
        char *n = cap_to_name(missing), msg[128];

        assert_non_null(n);
        assert_int_equal(box_cap_keep(box, n), 0);
        assert_int_equal(box_spawn(box, argv), -EPERM);
        for (char *p = n; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        snprintf(msg, sizeof msg, "keep capability %s: the caller does not hold it", n);
        assert_non_null(strstr(box_errmsg(box), msg));
        cap_free(n);
    }
    box_free(box);
}

/* Descriptors and directories of the caller's never reach the box, unless passed. */
static void test_escape_fds_and_cwd(void **state)
{
    int leaked = open("/", O_RDONLY | O_DIRECTORY); /* no O_CLOEXEC: a leak */
    char probes[128], out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    assert_true(leaked >= 3);
    box = probe_box();
    snprintf(probes, sizeof probes, "fds fchdir=%d openat=%d,etc/passwd", leaked, leaked);
    probe(box, probes, out, sizeof out);
    assert_string_equal(out, "none 9 9 ");
    box_free(box);

    /* The caller's cwd is a host directory; the box starts in its own "/". */
    assert_int_equal(chdir("/sys"), 0);
    box = new_test_box();
    assert_int_equal(run_box(box, "readlink /proc/self/cwd; readlink /proc/1/root; ls -d ../bin",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "/\n/\n../bin\n");
    box_free(box);
    assert_int_equal(chdir("/"), 0);

    /* Passed on purpose, a directory fd leads out of the box (as in any sandbox) ... */
    box = probe_box();
    assert_int_equal(box_pass_fd(box, leaked, 5), 0);
    probe(box, "openat=5,etc/passwd", out, sizeof out);
    assert_string_equal(out, "ok ");
    box_free(box);
    /* ... but not past Landlock, which checks every open, through any fd. */
    box = probe_box();
    assert_int_equal(box_pass_fd(box, leaked, 5), 0);
    assert_int_equal(box_landlock_path(box, "/bin", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    assert_int_equal(box_landlock_path(box, "/tmp", BOX_LANDLOCK_READ | BOX_LANDLOCK_EXEC), 0);
    probe(box, "openat=5,etc/passwd", out, sizeof out);
    assert_string_equal(out, "13 ");
    box_free(box);
    close(leaked);
}

/* A setuid binary owned by the box's root, run by uid 1000 in the box: it gains nothing,
 * with no_new_privs and, with BOX_OPT_ALLOW_NEW_PRIVS, through nosuid alone. */
static void test_escape_setuid(void **state)
{
    const char *const argv[] = { "/tmp/suid", "ids", NULL };
    char dir[] = "/tmp/libbox-suid-XXXXXX", file[64], buf[65536], out[OUT_MAX];
    box_status_t st;
    int in, outfd;
    ssize_t n;

    (void)state;
    if (test_rootless)
        skip_because("making a file owned by another uid needs root");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    snprintf(file, sizeof file, "%s/suid", dir);
    in = open(sysprobe, O_RDONLY | O_CLOEXEC);
    outfd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    assert_true(in >= 0 && outfd >= 0);
    while ((n = read(in, buf, sizeof buf)) > 0)
        assert_int_equal(write(outfd, buf, (size_t)n), n);
    close(in);
    close(outfd);
    assert_int_equal(chown(file, 100000, 100000), 0); /* uid 0 of the box below */
    assert_int_equal(chmod(file, 04755), 0);
    for (int allow = 0; allow < 2; allow++) {
        box_t *box = probe_box();

        map_id_range(box);
        assert_int_equal(box_set_user(box, 1000, 1000), 0);
        assert_int_equal(box_mount(box, BOX_MOUNT_BIND, file, "/tmp/suid", BOX_MOUNT_RO), 0);
        if (allow) {
            assert_int_equal(box_set_options(box, BOX_OPT_ALLOW_NEW_PRIVS |
                                                      BOX_OPT_NEW_SESSION), 0);
            assert_int_equal(box_seccomp_default(box, 0), 0);
        }
        if (run_argv(box, argv, out, sizeof out, &st) != 0)
            fail_msg("spawn: %s", box_errmsg(box));
        assert_string_equal(out, "1000 0000000000000000\n");
        box_free(box);
    }
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The probes' outputs as separate words. */
static void expect_words(const char *out, const char *const *want, size_t n)
{
    char copy[OUT_MAX], *save = NULL, *w;
    size_t i = 0;

    snprintf(copy, sizeof copy, "%s", out);
    for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
        assert_true(i < n);
        if (strcmp(want[i], "*") != 0 && strcmp(want[i], w) != 0)
            fail_msg("probe %zu: got '%s', want '%s' (all: %s)", i, w, want[i], out);
    }
    assert_int_equal(i, n);
}

static void test_escape_attempts(void **state)
{
    char probes[512], out[OUT_MAX], exe[16];
    pid_t me = getpid();
    box_t *box;

    (void)state;
    assert_true(me > 16); /* never one of the box's own first pids */
    snprintf(probes, sizeof probes,
             "mknod init_module finit_module kexec_load clock_settime kill_host=%d "
             "ptrace_host=%d keyctl_read_user chroot_escape write_exe", (int)me, (int)me);
    box = probe_box();
    probe(box, probes, out, sizeof out);
    {
        static const char *const want[] = { "1", "1", "1", "1", "1", "3", "1", "1", "1", "*" };

        expect_words(out, want, 10);
    }
    /* write_exe: EROFS (30), ETXTBSY (26) or EACCES (13), never ok. */
    assert_int_equal(sscanf(strrchr(out, ' ') ? out : out, "%*s %*s %*s %*s %*s %*s %*s %*s "
                                                          "%*s %15s", exe), 1);
    assert_true(!strcmp(exe, "30") || !strcmp(exe, "26") || !strcmp(exe, "13"));
    box_free(box);

    /* Without seccomp the host pid is still out of reach: the pid namespace. */
    box = probe_box();
    assert_int_equal(box_seccomp_default(box, 0), 0);
    snprintf(probes, sizeof probes, "kill_host=%d ptrace_host=%d", (int)me, (int)me);
    probe(box, probes, out, sizeof out);
    assert_string_equal(out, "3 3 ");
    box_free(box);

    /* With CAP_SYS_CHROOT kept, the chroot walk ends at the box's root. */
    box = probe_box();
    assert_int_equal(box_cap_keep(box, "sys_chroot"), 0);
    probe(box, "chroot_escape", out, sizeof out);
    assert_string_equal(out, "box ");
    box_free(box);
}

/* Root without a user namespace: each layer alone. mknod works once CAP_MKNOD is kept (so
 * the caps layer is what stops it), module loading stays denied with the capabilities
 * that the calls need (so seccomp is what stops it). */
static void test_escape_layers_as_root(void **state)
{
    char out[OUT_MAX];
    box_t *box;

    (void)state;
    if (test_rootless)
        skip_because("needs root (this run is rootless)");
    box = probe_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    assert_int_equal(box_cap_keep(box, "mknod"), 0);
    probe(box, "mknod", out, sizeof out);
    assert_string_equal(out, "ok ");
    box_free(box);

    box = probe_box();
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    /* (Not box_cap_keep_all: this host's own bounding set may lack a capability.) */
    assert_int_equal(box_cap_keep(box, "sys_module"), 0);
    assert_int_equal(box_cap_keep(box, "sys_boot"), 0);
    assert_int_equal(box_cap_keep(box, "sys_time"), 0);
    assert_int_equal(box_cap_keep(box, "sys_admin"), 0);
    probe(box, "init_module finit_module kexec_load clock_settime keyctl_read_user", out,
          sizeof out);
    assert_string_equal(out, "1 1 1 1 1 ");
    box_free(box);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_caps_default_none, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_keep_one, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_keep_as_user_is_ambient, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_none_as_user, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_none_without_userns, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_keep_all, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_default_denies, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_compat_abis, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_mount_layers, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_busybox_mount_fails, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_rules, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_cache_dir, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_landlock_paths, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_landlock_missing_path, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_landlock_with_init, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_groups, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_no_new_privs_switch, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_load_bpf, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_rule_args, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_default_action, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_notify, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_caps_keep_all_without_userns, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_escape_fds_and_cwd, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_escape_setuid, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_escape_attempts, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_escape_layers_as_root, leak_setup, leak_teardown),
    };

    sysprobe = getenv("BOX_TEST_SYSPROBE");
    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
