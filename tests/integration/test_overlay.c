/* Overlay mounts (box_set_root_overlay, box_mount_overlay): real boxes over layer dirs made
 * here, checked from inside; the layers on the host are checked to stay as they were. Runs
 * as root and, with --rootless, as nobody. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 8192

static char *make_dir(void)
{
    char *dir = strdup("/tmp/libbox-ovl-XXXXXX");

    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    return dir;
}

/* (overlayfs leaves its work dir's "work" mode 0, which busybox's rm, unlike GNU's, does not
 * remove without read permission) */
static void remove_dir(char *dir)
{
    sh("chmod -R u+rwx '%s' && rm -rf '%s'", dir, dir);
    free(dir);
}

/* Mark dir opaque the way a box of this suite's kind reads it: user.overlay.* in a user
 * namespace (every box here has one), trusted.overlay.* too as root. */
static void make_opaque(const char *dir)
{
    assert_int_equal(setxattr(dir, "user.overlay.opaque", "y", 1, 0), 0);
    if (!test_rootless)
        assert_int_equal(setxattr(dir, "trusted.overlay.opaque", "y", 1, 0), 0);
}

/* Two layers over the busybox root: mid has /d/a and /d/b, top makes /d opaque with /d/c,
 * deletes /etc/group with a whiteout and adds /etc/motd. */
struct layers {
    char *mid, *top;
    const char *lowers[3];
};

static void make_layers(struct layers *l)
{
    char path[512];

    l->mid = make_dir();
    l->top = make_dir();
    sh("mkdir -p %s/d %s/d %s/etc && echo a > %s/d/a && echo b > %s/d/b && "
       "echo c > %s/d/c && echo top > %s/etc/motd", l->mid, l->top, l->top, l->mid, l->mid,
       l->top, l->top);
    snprintf(path, sizeof path, "%s/etc/group", l->top);
    assert_int_equal(mknod(path, S_IFCHR | 0600, makedev(0, 0)), 0); /* a whiteout */
    snprintf(path, sizeof path, "%s/d", l->top);
    make_opaque(path);
    l->lowers[0] = test_rootfs;
    l->lowers[1] = l->mid;
    l->lowers[2] = l->top;
}

static void free_layers(struct layers *l)
{
    remove_dir(l->mid);
    remove_dir(l->top);
}

static int have_overlay_in_userns(void)
{
    static int cached = -1;
    struct layers l;
    box_t *box;
    char out[64];
    box_status_t st;

    if (cached >= 0)
        return cached;
    make_layers(&l);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, 3, l.lowers, NULL, NULL, 0), 0);
    cached = run_box(box, "true", out, sizeof out, &st) == 0;
    if (!cached)
        fprintf(stderr, "overlay in a user namespace unavailable: %s\n", box_errmsg(box));
    box_free(box);
    free_layers(&l);
    return cached;
}

#define NEED_OVERLAY() do { if (!have_overlay_in_userns()) skip(); } while (0)

static void test_root_overlay_ephemeral(void **state)
{
    struct layers l;
    char out[OUT_MAX], path[512];
    box_t *box;
    box_status_t st;
    struct stat sb;

    (void)state;
    NEED_OVERLAY();
    make_layers(&l);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, 3, l.lowers, NULL, NULL, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    /* A mount point that no layer has: made in the upper layer. */
    assert_int_equal(box_mount_tmpfs(box, "/newmnt/deep", 0, 0755, 0), 0);
    assert_int_equal(run_box(box, "ls /d; cat /etc/motd; test -e /etc/group || echo nogroup; "
                                  "test -e /etc/passwd && echo passwd; echo new > /written; "
                                  "rm /d/c; ls /d | wc -l; cat /written; "
                                  "grep -c ' - overlay ' /proc/self/mountinfo",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "c\ntop\nnogroup\npasswd\n0\nnew\n1\n");
    box_free(box);
    /* Nothing of the box reached any layer. */
    snprintf(path, sizeof path, "%s/d/c", l.top);
    assert_int_equal(stat(path, &sb), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/newmnt", l.lowers[i]);
        assert_int_equal(stat(path, &sb), -1);
        snprintf(path, sizeof path, "%s/written", l.lowers[i]);
        assert_int_equal(stat(path, &sb), -1);
    }
    free_layers(&l);
}

static void test_root_overlay_caller_upper(void **state)
{
    struct layers l;
    char *rw = make_dir(), upper[300], work[300], path[512], out[OUT_MAX];
    box_t *box;
    box_status_t st;
    struct stat sb;

    (void)state;
    NEED_OVERLAY();
    make_layers(&l);
    snprintf(upper, sizeof upper, "%s/upper", rw);
    snprintf(work, sizeof work, "%s/work", rw);
    assert_int_equal(mkdir(upper, 0755), 0);
    assert_int_equal(mkdir(work, 0755), 0);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, 3, l.lowers, upper, work, 0), 0);
    assert_int_equal(box_mount_tmpfs(box, "/mp", 0, 0755, 0), 0);
    assert_int_equal(run_box(box, "echo kept > /kept; rm /d/c", out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 0);
    box_free(box);
    /* The changes are in the caller's upper dir: the file, the mount point, a whiteout. */
    snprintf(path, sizeof path, "%s/kept", upper);
    assert_int_equal(stat(path, &sb), 0);
    snprintf(path, sizeof path, "%s/mp", upper);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    snprintf(path, sizeof path, "%s/d/c", upper);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));
    snprintf(path, sizeof path, "%s/mp", l.top);
    assert_int_equal(stat(path, &sb), -1);

    /* A second box on the same upper sees the first one's changes. */
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, 3, l.lowers, upper, work, BOX_ROOT_READONLY), 0);
    assert_int_equal(run_box(box, "cat /kept; ls /d | wc -l; touch /x 2>&- || echo ro",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "kept\n0\nro\n");
    box_free(box);
    free_layers(&l);
    remove_dir(rw);
}

static void test_overlay_at_target(void **state)
{
    struct layers l;
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    NEED_OVERLAY();
    make_layers(&l);
    box = new_test_box();
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount_overlay(box, "/mnt/a", 2, l.lowers + 1, NULL, NULL, 0), 0);
    assert_int_equal(box_mount_overlay(box, "/mnt/b", 2, l.lowers + 1, NULL, NULL,
                                       BOX_MOUNT_RO), 0);
    assert_int_equal(run_box(box, "ls /mnt/a/d; echo 1 > /mnt/a/one && cat /mnt/a/one; "
                                  "test -e /mnt/b/one || echo separate; "
                                  "touch /mnt/b/x 2>&- || echo ro",
                             out, sizeof out, &st), 0);
    assert_string_equal(out, "c\n1\nseparate\nro\n");
    box_free(box);
    free_layers(&l);
}

/* 100 layers go in one at a time (lowerdir+); more than the kernel stacks is refused. */
static void test_many_layers(void **state)
{
    enum { N = 100 };
    char *base = make_dir(), *paths[N], out[OUT_MAX];
    const char *lowers[N + 1];
    static const char *many[501];
    box_t *box;
    box_status_t st;

    (void)state;
    NEED_OVERLAY();
    lowers[0] = test_rootfs;
    for (int i = 0; i < N; i++) {
        assert_true(asprintf(&paths[i], "%s/layer-with-a-long-name-%03d", base, i) > 0);
        assert_int_equal(mkdir(paths[i], 0755), 0);
        sh("mkdir %s/L && touch %s/L/%03d", paths[i], paths[i], i);
        lowers[i + 1] = paths[i];
    }
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, N + 1, lowers, NULL, NULL, 0), 0);
    assert_int_equal(run_box(box, "ls /L | wc -l; ls /L | head -1; ls /L | tail -1", out,
                             sizeof out, &st), 0);
    assert_string_equal(out, "100\n000\n099\n");
    box_free(box);

    for (int i = 0; i < 501; i++)
        many[i] = test_rootfs;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(box, 501, many, NULL, NULL, 0), -E2BIG);
    assert_string_equal(box_errmsg(box), "set_root_overlay: 501 lower layers, the kernel "
                                         "stacks at most 500: Argument list too long");
    box_free(box);
    for (int i = 0; i < N; i++)
        free(paths[i]);
    remove_dir(base);
}

static void test_overlay_bad_input(void **state)
{
    const char *lowers[] = { test_rootfs, "/nonexistent-libbox-layer" };
    const char *rel[] = { "relative" };
    box_t *box;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_root_overlay(NULL, 1, lowers, NULL, NULL, 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 0, lowers, NULL, NULL, 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 1, NULL, NULL, NULL, 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 1, rel, NULL, NULL, 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 2, lowers, NULL, NULL, 0), -ENOENT);
    assert_string_equal(box_errmsg(box), "set_root_overlay: lower layer "
                                         "/nonexistent-libbox-layer: No such file or directory");
    assert_int_equal(box_set_root_overlay(box, 1, lowers, "/tmp", NULL, 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 1, lowers, "/tmp", "/tmp", 0), -EINVAL);
    assert_int_equal(box_set_root_overlay(box, 1, lowers, NULL, NULL, 0x100), -EINVAL);
    assert_int_equal(box_mount_overlay(box, "rel", 1, lowers, NULL, NULL, 0), -EINVAL);
    assert_int_equal(box_mount_overlay(box, "/x", 1, lowers, NULL, NULL, BOX_MOUNT_NOREC),
                     -EINVAL);
    assert_int_equal(box_mount(box, BOX_MOUNT_OVERLAY, NULL, "/x", 0), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "mount: an overlay needs its layers: use box_mount_overlay: "
                        "Invalid argument");
    box_free(box);
}

/* Root without a user namespace: trusted.overlay.* xattrs, no userxattr. */
static void test_overlay_without_userns(void **state)
{
    struct layers l;
    char out[OUT_MAX];
    box_t *box;
    box_status_t st;

    (void)state;
    make_layers(&l);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~(BOX_NS_USER | BOX_NS_TIME)), 0);
    assert_int_equal(box_set_root_overlay(box, 3, l.lowers, NULL, NULL, 0), 0);
    assert_int_equal(run_box(box, "ls /d; test -e /etc/group || echo nogroup", out, sizeof out,
                             &st), 0);
    assert_string_equal(out, "c\nnogroup\n");
    box_free(box);
    free_layers(&l);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test_setup_teardown(test_root_overlay_ephemeral, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_root_overlay_caller_upper, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_overlay_at_target, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_many_layers, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_overlay_bad_input, leak_setup, leak_teardown),
    };
    const struct CMUnitTest root[] = {
        cmocka_unit_test_setup_teardown(test_root_overlay_ephemeral, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_root_overlay_caller_upper, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_overlay_at_target, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_many_layers, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_overlay_bad_input, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_overlay_without_userns, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, root, sizeof root / sizeof root[0], common,
                     sizeof common / sizeof common[0]);
}
