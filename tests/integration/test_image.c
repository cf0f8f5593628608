/* The image store: import a test image made at test time (tests/mkimage.py: busybox in two
 * layers, the second deleting a file and making a directory opaque) as an OCI layout, an
 * oci-archive and a docker-archive; run boxes from it, 50 at once; commit; remove; hostile
 * and damaged inputs. Runs as root and, with --rootless, as nobody. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <glob.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helpers.h"

#define OUT_MAX 8192

static char images[64]; /* what mkimage.py made */

/* The test images: made here by mkimage.py (BOX_TEST_MKIMAGE), or copied from a directory
 * it made beforehand from the same busybox (BOX_TEST_IMAGES: the VM stage, without python). */
static void make_images(void)
{
    const char *mk = getenv("BOX_TEST_MKIMAGE"), *made = getenv("BOX_TEST_IMAGES");

    if (images[0])
        return;
    snprintf(images, sizeof images, "/tmp/libbox-img-XXXXXX");
    assert_non_null(mkdtemp(images));
    if (made) {
        sh("cp -a '%s' '%s/in'", made, images);
        return;
    }
    assert_non_null(mk);
    sh("python3 '%s' '%s' '%s/in'", mk, test_rootfs, images);
}

struct fixture {
    char dir[300];
    box_store_t *store;
};

static int store_setup(void **state)
{
    static struct fixture f;

    leak_setup(state);
    make_images();
    snprintf(f.dir, sizeof f.dir, "%s/store-XXXXXX", images);
    assert_non_null(mkdtemp(f.dir));
    strcat(f.dir, "/s");
    assert_int_equal(box_store_open(&f.store, f.dir, BOX_STORE_CREATE), 0);
    *state = &f;
    return 0;
}

static int store_teardown(void **state)
{
    struct fixture *f = *state;

    box_store_close(f->store);
    *state = NULL;
    leak_teardown(state);
    sh("rm -rf '%s'", f->dir);
    return 0;
}

/* Everything in the store, one line per path with its type, for before/after checks. */
static char *snapshot(const char *dir)
{
    char cmd[600], *buf = calloc(1, 1 << 20);
    FILE *p;
    size_t n;

    /* (-type, not GNU find's -printf: the VM stage has busybox's find) */
    snprintf(cmd, sizeof cmd, "cd '%s' && { find . -type d | sed 's/^/d /'; "
             "find . -type f | sed 's/^/f /'; find . -type l | sed 's/^/l /'; "
             "find . ! -type d ! -type f ! -type l | sed 's/^/o /'; } | sort", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(buf, 1, (1 << 20) - 1, p);
    buf[n] = '\0';
    pclose(p);
    return buf;
}

static int count_entries(const char *dir, const char *sub)
{
    char path[600];
    DIR *d;
    struct dirent *de;
    int n = 0;

    snprintf(path, sizeof path, "%s/%s", dir, sub);
    d = opendir(path);
    assert_non_null(d);
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void import_ok(struct fixture *f, const char *name, const char *ref)
{
    char path[300];

    snprintf(path, sizeof path, "%s/in/%s", images, name);
    if (box_image_import(f->store, path, ref) != 0)
        fail_msg("import %s: %s", name, box_store_errmsg(f->store));
}

static void test_import_formats(void **state)
{
    struct fixture *f = *state;
    char *json = NULL, *p;
    int n = 0;

    import_ok(f, "oci", NULL);
    import_ok(f, "oci.tar", NULL);
    import_ok(f, "docker.tar", NULL);
    import_ok(f, "oci", "other/name:v2");
    assert_int_equal(box_image_list(f->store, &json), 0);
    for (p = json; *p; p++) /* four quotes per "ref": "id" */
        n += *p == '"';
    assert_int_equal(n, 4 * 4);
    assert_non_null(strstr(json, "\"other/name:v2\""));
    assert_non_null(strstr(json, "\"libbox/docker:1\""));
    free(json);
    /* Layers are kept by diff_id (the uncompressed tar's sha256): the gzip'd base layer of
     * the OCI images and docker-archive's plain one are one layer, and so is the plain top
     * layer of all three. */
    assert_int_equal(count_entries(f->dir, "layers"), 2);
    assert_int_equal(count_entries(f->dir, "tmp"), 0);
    assert_int_equal(box_image_inspect(f->store, "libbox/docker:1", &json), 0);
    assert_non_null(strstr(json, "\"WorkingDir\""));
    free(json);
    assert_int_equal(box_image_inspect(f->store, "libbox/nothere", &json), -ENOENT);
}

static box_t *image_box(struct fixture *f, const char *ref, unsigned int flags)
{
    box_t *box = NULL;

    assert_int_equal(box_new(&box, 0), 0);
    if (box_set_image(box, f->store, ref, flags) != 0)
        fail_msg("set_image %s: %s", ref, box_errmsg(box));
    assert_int_equal(box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0), 0);
    return box;
}

static void test_run_image(void **state)
{
    static const char *const refs[] = { "libbox/test:1", "libbox/ocitar:1", "libbox/docker:1" };
    struct fixture *f = *state;
    char out[OUT_MAX];
    box_status_t st;

    import_ok(f, "oci", NULL);
    import_ok(f, "oci.tar", NULL);
    import_ok(f, "docker.tar", NULL);
    for (size_t i = 0; i < 3; i++) {
        /* The Entrypoint (sh -c) takes the script; Env and WorkingDir apply. */
        box_t *box = image_box(f, refs[i], 0);
        const char *const argv[] = { "echo $FOO; pwd; test -e /etc/group || echo nogroup; "
                                     "ls /opq; test -e /gone || echo nogone; /hello; "
                                     "stat -c %h /hello", NULL };

        assert_int_equal(box_stop_signal(box), SIGUSR1);
        assert_int_equal(run_argv(box, argv, out, sizeof out, &st), 0);
        assert_string_equal(out, "bar from image\n/work/dir\nnogroup\nb\nnogone\n"
                                 "hello from layer 2\n2\n");
        box_free(box);
    }
    /* No argv: Entrypoint + Cmd. Overrides: a later setter wins. */
    {
        box_t *box = image_box(f, "libbox/test:1", 0);

        assert_int_equal(run_argv(box, NULL, out, sizeof out, &st), 0);
        assert_string_equal(out, "default cmd\n/work/dir\n");
        box_free(box);
        box = image_box(f, "libbox/test:1", BOX_IMAGE_NO_ENTRYPOINT);
        assert_int_equal(box_setenv(box, "FOO", "mine"), 0);
        assert_int_equal(box_set_cwd(box, "/opq"), 0);
        {
            const char *const argv[] = { "/bin/sh", "-c", "echo $FOO; pwd", NULL };

            assert_int_equal(run_argv(box, argv, out, sizeof out, &st), 0);
        }
        assert_string_equal(out, "mine\n/opq\n");
        box_free(box);
    }
}

/* 50 boxes from one image at once: each writes its own file and sees only its own. */
static void test_fifty_boxes(void **state)
{
    enum { N = 50 };
    struct fixture *f = *state;
    box_t *boxes[N];
    int pipes[N][2];
    char mountinfo[OUT_MAX];
    FILE *mi;
    size_t n;

    import_ok(f, "oci", NULL);
    for (int i = 0; i < N; i++) {
        char script[200];
        const char *argv[] = { script, NULL };

        boxes[i] = image_box(f, "libbox/test:1", 0);
        assert_int_equal(pipe2(pipes[i], O_CLOEXEC), 0);
        assert_int_equal(box_pass_fd(boxes[i], pipes[i][1], 1), 0);
        assert_int_equal(box_pass_fd(boxes[i], 2, 2), 0);
        snprintf(script, sizeof script, "echo %d > /mine-%d; sleep 1; ls / | grep mine-", i, i);
        if (box_spawn(boxes[i], argv) != 0)
            fail_msg("spawn %d: %s", i, box_errmsg(boxes[i]));
        close(pipes[i][1]);
    }
    for (int i = 0; i < N; i++) {
        char out[256], want[64];
        box_status_t st;
        ssize_t got = read(pipes[i][0], out, sizeof out - 1);

        assert_int_equal(box_wait(boxes[i], -1, &st), 0);
        assert_int_equal(st.exit_code, 0);
        assert_true(got > 0);
        out[got] = '\0';
        snprintf(want, sizeof want, "mine-%d\n", i);
        assert_string_equal(out, want);
        close(pipes[i][0]);
        box_free(boxes[i]);
    }
    /* No writable layer stayed behind: not in the store, not on the host, no mount. */
    assert_int_equal(count_entries(f->dir, "tmp"), 0);
    mi = fopen("/proc/self/mountinfo", "r");
    n = fread(mountinfo, 1, sizeof mountinfo - 1, mi);
    mountinfo[n] = '\0';
    fclose(mi);
    assert_null(strstr(mountinfo, f->dir)); /* (other programs' overlays are theirs) */
    {
        char path[400];
        struct stat sb;

        snprintf(path, sizeof path, "%s/layers", f->dir);
        sh("! grep -rl --include='mine-*' . '%s' 2>/dev/null | grep -q .", path);
        (void)sb;
    }
}

/* Set (value non-NULL) or read the extended attribute user.libbox of the one file that
 * `pattern` matches: a file in a layer or writable layer of the store. */
static void layer_xattr(const char *pattern, const char *value, char *out, size_t size)
{
    glob_t g;
    ssize_t n;

    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    assert_int_equal(g.gl_pathc, 1);
    if (value) {
        assert_int_equal(setxattr(g.gl_pathv[0], "user.libbox", value, strlen(value), 0), 0);
    } else {
        n = getxattr(g.gl_pathv[0], "user.libbox", out, size - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    globfree(&g);
}

static void test_commit(void **state)
{
    struct fixture *f = *state;
    char out[OUT_MAX];
    box_status_t st;
    box_t *box;
    int n_layers;

    import_ok(f, "oci", NULL);
    n_layers = count_entries(f->dir, "layers");
    box = image_box(f, "libbox/test:1", BOX_IMAGE_COMMIT);
    {
        const char *const argv[] = { "echo committed > new; rm /bin/vi; mkdir /opq/sub; "
                                     "rm -r /opq; mkdir /opq; echo c > /opq/c", NULL };

        assert_int_equal(run_argv(box, argv, out, sizeof out, &st), 0);
        assert_int_equal(st.exit_code, 0);
    }
    /* An extended attribute on a file the box wrote goes into the new layer. */
    snprintf(out, sizeof out, "%s/tmp/*/upper/work/dir/new", f->dir); /* (WorkingDir) */
    layer_xattr(out, "kept", NULL, 0);
    assert_int_equal(box_image_commit(NULL, f->store, "x"), -EINVAL);
    if (box_image_commit(box, f->store, "libbox/committed:1") != 0)
        fail_msg("commit: %s", box_errmsg(box));
    assert_int_equal(count_entries(f->dir, "tmp"), 1); /* the box's writable layer */
    box_free(box);
    assert_int_equal(count_entries(f->dir, "tmp"), 0);
    assert_int_equal(count_entries(f->dir, "layers"), n_layers + 1);
    {
        char pattern[700], value[16];

        snprintf(pattern, sizeof pattern, "%s/layers/*/work/dir/new", f->dir);
        layer_xattr(pattern, NULL, value, sizeof value);
        assert_string_equal(value, "kept");
    }

    box = image_box(f, "libbox/committed:1", 0);
    {
        const char *const argv[] = { "cat new; test -e /bin/vi || echo novi; ls /opq; "
                                     "test -e /etc/group || echo nogroup", NULL };

        assert_int_equal(run_argv(box, argv, out, sizeof out, &st), 0);
    }
    assert_string_equal(out, "committed\nnovi\nc\nnogroup\n");
    box_free(box);
    /* A box that was not made for committing says so. */
    box = image_box(f, "libbox/test:1", 0);
    assert_int_equal(box_image_commit(box, f->store, "libbox/nope:1"), -EINVAL);
    box_free(box);
}

static void test_remove_restores(void **state)
{
    struct fixture *f = *state;
    char *before = snapshot(f->dir), *after;
    box_t *box;

    import_ok(f, "oci", NULL);
    import_ok(f, "docker.tar", NULL);
    import_ok(f, "oci", "libbox/alias:1");
    box = image_box(f, "libbox/test:1", 0);
    /* The alias goes (another tag names the image); the last tag does not while a box
     * uses it. */
    assert_int_equal(box_image_remove(f->store, "libbox/alias:1"), 0);
    assert_int_equal(box_image_remove(f->store, "libbox/test:1"), -EBUSY);
    assert_non_null(strstr(box_store_errmsg(f->store), "in use by a box"));
    box_free(box);
    assert_int_equal(box_image_remove(f->store, "libbox/test:1"), 0);
    assert_int_equal(box_image_remove(f->store, "libbox/test:1"), -ENOENT);
    assert_int_equal(box_image_remove(f->store, "libbox/docker"), -ENOENT); /* :latest */
    assert_int_equal(box_image_remove(f->store, "libbox/docker:1"), 0);
    assert_int_equal(box_store_gc(f->store), 0);
    after = snapshot(f->dir);
    /* index.json now exists with empty tables: everything else is as it was. */
    {
        char *p = strstr(after, "f ./index.json\n");

        assert_non_null(p);
        memmove(p, p + strlen("f ./index.json\n"), strlen(p + strlen("f ./index.json\n")) + 1);
    }
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void expect_refused(struct fixture *f, const char *name, int err, const char *words)
{
    char path[300], *before = snapshot(f->dir), *after;
    int r;

    snprintf(path, sizeof path, "%s/in/hostile/%s", images, name);
    r = box_image_import(f->store, path, "libbox/hostile:1");
    if (r != -err || !strstr(box_store_errmsg(f->store), words))
        fail_msg("%s: %d %s (want %d, '%s')", name, r, box_store_errmsg(f->store), -err, words);
    after = snapshot(f->dir);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_hostile_layers(void **state)
{
    struct fixture *f = *state;
    struct stat sb;

    expect_refused(f, "dotdot", EXDEV, "'../../escaped-dotdot' leads outside the layer");
    expect_refused(f, "absolute", EXDEV, "leads outside the layer");
    expect_refused(f, "symlink", ELOOP, "'evil/escaped-symlink': its directory 'evil'");
    expect_refused(f, "symlink-dotdot", ELOOP, "'up/escaped-symlink2'");
    expect_refused(f, "hardlink", EXDEV, "hard link 'passwd' to '../../etc/passwd'");
    expect_refused(f, "hardlink-abs", EXDEV, "hard link 'passwd' to '/etc/passwd'");
    if (test_rootless) {
        expect_refused(f, "device", EPERM, "device node 'mem' in a rootless store");
    } else {
        /* A root store keeps device nodes (boxes mount it nodev unless asked). */
        char path[300], *json;

        snprintf(path, sizeof path, "%s/in/hostile/device", images);
        if (box_image_import(f->store, path, "libbox/device:1") != 0)
            fail_msg("device: %s", box_store_errmsg(f->store));
        assert_int_equal(box_image_inspect(f->store, "libbox/device:1", &json), 0);
        free(json);
        sh("find '%s/layers' -name mem -type c | grep -q .", f->dir);
    }
    /* Nothing was written outside. */
    assert_int_equal(stat("/tmp/escaped-absolute", &sb), -1);
    assert_int_equal(stat("/tmp/escaped-symlink", &sb), -1);
    sh("! find '%s' /tmp -maxdepth 3 -name 'escaped-*' 2>/dev/null | grep -q .", images);
}

static void test_damaged_blobs(void **state)
{
    struct fixture *f = *state;
    char path[400], hex[80];
    FILE *p;

    /* The message names the blob: find the layer's digest in the manifest. */
    expect_refused(f, "digest-mismatch", EBADMSG, "digest mismatch");
    expect_refused(f, "truncated", EBADMSG, "truncated blob");
    expect_refused(f, "missing", ENOENT, "blob missing");
    expect_refused(f, "diff-id-lie", EBADMSG, "the config's diff_id says sha256:0000");
    expect_refused(f, "diff-ids-short", EINVAL, "rootfs.diff_ids does not match the 2 layers");
    snprintf(path, sizeof path, "ls %s/in/hostile/missing/blobs/sha256 | wc -l", images);
    p = popen(path, "r");
    assert_non_null(fgets(hex, sizeof hex, p));
    pclose(p);
    assert_int_equal(atoi(hex), 3); /* config, manifest, base layer: the top one is gone */
    {
        char *json;
        box_t *box;

        /* The good image still imports and runs afterwards. */
        import_ok(f, "oci", NULL);
        assert_int_equal(box_image_inspect(f->store, "libbox/test:1", &json), 0);
        free(json);
        box = image_box(f, "libbox/test:1", 0);
        box_free(box);
    }
}

static void test_store_bad_input(void **state)
{
    struct fixture *f = *state;
    box_store_t *s = NULL;
    char path[400];
    box_t *box;
    int lock;

    assert_int_equal(box_store_open(NULL, f->dir, 0), -EINVAL);
    assert_int_equal(box_store_open(&s, "relative", 0), -EINVAL);
    assert_int_equal(box_store_open(&s, f->dir, 0x80), -EINVAL);
    snprintf(path, sizeof path, "%s/nothere", f->dir);
    assert_int_equal(box_store_open(&s, path, 0), -ENOENT);
    assert_null(s);
    assert_int_equal(box_image_import(NULL, "/x", NULL), -EINVAL);
    assert_int_equal(box_image_import(f->store, NULL, NULL), -EINVAL);
    assert_int_equal(box_image_import(f->store, "/nonexistent", NULL), -ENOENT);
    assert_int_equal(box_image_import(f->store, f->dir, "Bad:Ref"), -EINVAL);
    assert_int_equal(box_image_import(f->store, f->dir, "a//b"), -EINVAL);
    assert_int_equal(box_image_import(f->store, f->dir, ":tag"), -EINVAL);
    assert_int_equal(box_image_import(f->store, f->dir, NULL), -EINVAL); /* not an image */
    assert_non_null(strstr(box_store_errmsg(f->store), "neither an OCI layout"));
    assert_int_equal(box_image_list(f->store, NULL), -EINVAL);
    assert_int_equal(box_image_remove(f->store, "UPPER"), -EINVAL);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_image(box, NULL, "a", 0), -EINVAL);
    assert_int_equal(box_set_image(box, f->store, "a:b:c/", 0), -EINVAL);
    assert_int_equal(box_set_image(box, f->store, "libbox/none", 0), -ENOENT);
    assert_int_equal(box_set_image(box, f->store, "libbox/none", 0x40), -EINVAL);
    box_free(box);
    /* A store another process holds: NOWAIT says so instead of waiting. */
    snprintf(path, sizeof path, "%s/lock", f->dir);
    lock = open(path, O_RDWR | O_CLOEXEC);
    assert_true(lock >= 0);
    if (fork() == 0) {
        flock(lock, LOCK_EX);
        sleep(3);
        _exit(0);
    }
    close(lock);
    usleep(300000);
    assert_int_equal(box_store_open(&s, f->dir, BOX_STORE_NOWAIT), 0);
    assert_int_equal(box_image_remove(s, "libbox/test:1"), -EAGAIN);
    assert_non_null(strstr(box_store_errmsg(s), "is locked by another process"));
    box_store_close(s);
    while (wait(NULL) > 0)
        ;
}

/* Last: remove what make_images made, as the user who made it. */
static void test_cleanup(void **state)
{
    (void)state;
    if (images[0])
        sh("rm -rf '%s'", images);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_formats, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_run_image, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_fifty_boxes, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_commit, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_remove_restores, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_layers, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_blobs, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_store_bad_input, store_setup, store_teardown),
        cmocka_unit_test(test_cleanup),
    };
    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
