/* Unit tests of privilege reduction (caps.c, seccomp.c): argument checks and error
 * messages, capability names, the prepared child data and the exported filter. No box is
 * spawned. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/filter.h>

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

static void test_null_box(void **state)
{
    (void)state;
    assert_int_equal(box_cap_keep(NULL, "chown"), -EINVAL);
    assert_int_equal(box_cap_keep_all(NULL), -EINVAL);
    assert_int_equal(box_seccomp_default(NULL, 1), -EINVAL);
    assert_int_equal(box_seccomp_rule(NULL, "keyctl", BOX_SECCOMP_KILL, 0), -EINVAL);
    assert_int_equal(box_seccomp_rule_args(NULL, "keyctl", BOX_SECCOMP_KILL, 0, 0, NULL),
                     -EINVAL);
    assert_int_equal(box_seccomp_export(NULL, 1, 0), -EINVAL);
}

static void test_cap_names(void **state)
{
    int cap = -1;

    (void)state;
    assert_int_equal(box__caps_parse("CAP_NET_BIND_SERVICE", &cap), 0);
    assert_int_equal(cap, 10);
    cap = -1;
    assert_int_equal(box__caps_parse("net_bind_service", &cap), 0);
    assert_int_equal(cap, 10);
    assert_int_equal(box__caps_parse("Cap_Sys_Admin", &cap), 0);
    assert_int_equal(cap, 21);
    assert_int_equal(box__caps_parse("cap_nosuchthing", &cap), -EINVAL);
    assert_int_equal(box__caps_parse("", &cap), -EINVAL);
    assert_int_equal(box__caps_parse("999", &cap), -EINVAL);
    assert_int_equal(box__caps_parse("cap_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                    &cap), -EINVAL);
}

static void test_cap_keep_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_cap_keep(box, NULL), -EINVAL);
    assert_string_equal(box_errmsg(box), "cap_keep: name is NULL: Invalid argument");
    assert_int_equal(box_cap_keep(box, "bogus"), -EINVAL);
    assert_string_equal(box_errmsg(box), "cap_keep: unknown capability 'bogus': Invalid argument");
    assert_int_equal(box->cap_keep, 0);
    assert_int_equal(box_cap_keep(box, "chown"), 0);
    assert_string_equal(box_errmsg(box), "");
    assert_int_equal(box_cap_keep(box, "CAP_KILL"), 0);
    assert_int_equal(box->cap_keep, (1u << 0) | (1u << 5));
    assert_int_equal(box_cap_keep_all(box), 0);
    assert_int_equal(box->cap_keep, box__caps_valid_mask());
    assert_true(box__caps_valid_mask() & (1ull << 40)); /* CAP_CHECKPOINT_RESTORE */

    box->state = BOX_ENDED;
    assert_int_equal(box_cap_keep(box, "chown"), -EBUSY);
    assert_int_equal(box_cap_keep_all(box), -EBUSY);
    assert_int_equal(box_seccomp_default(box, 0), -EBUSY);
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_KILL, 0), -EBUSY);
    assert_non_null(strstr(box_errmsg(box), "already been spawned"));
    box->state = BOX_CONFIGURED;
}

static void test_caps_prepare(void **state)
{
    box_t *box = *state;
    struct box_plan a = { 0 };

    box__caps_prepare(box, &a);
    assert_int_equal(a.cap_keep, 0);
    assert_false(a.cap_ambient);
    assert_int_equal(box_cap_keep(box, "net_bind_service"), 0);
    box__caps_prepare(box, &a);
    assert_int_equal(a.cap_keep, 1u << 10);
    assert_false(a.cap_ambient); /* uid 0: no ambient set */
    a.uid = 1000; /* the plan's uid (box_set_user's, or an exec's own), set before */
    box__caps_prepare(box, &a);
    assert_true(a.cap_ambient);
}

static void test_seccomp_rule_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_seccomp_rule(box, NULL, BOX_SECCOMP_KILL, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: syscall name is NULL: Invalid argument");
    assert_int_equal(box_seccomp_rule(box, "nosuchcall", BOX_SECCOMP_KILL, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: unknown system call 'nosuchcall': Invalid argument");
    assert_int_equal(box_seccomp_rule(box, "keyctl", 0, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: unknown action 0: Invalid argument");
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: errno 0 is not 1..4095: Invalid argument");
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, 5000), -EINVAL);
    assert_int_equal(box->n_seccomp_rules, 0);
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EACCES), 0);
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_KILL, 0), 0);
    assert_int_equal(box_seccomp_rule(box, "getpid", BOX_SECCOMP_ALLOW, 0), 0);
    assert_int_equal(box->n_seccomp_rules, 2); /* the second keyctl rule replaced the first */
    assert_int_equal(box->seccomp_rules[0].action, BOX_SECCOMP_KILL);
}

static void test_seccomp_rule_args_checks(void **state)
{
    box_t *box = *state;
    box_seccomp_arg_t a[7] = {
        { 0, BOX_SECCOMP_CMP_EQ, 2, 0 }, { 1, BOX_SECCOMP_CMP_MASKED_EQ, 2, 0xf },
    };

    assert_int_equal(box_seccomp_rule_args(NULL, "socket", BOX_SECCOMP_KILL, 0, 1, a), -EINVAL);
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 1, NULL), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: args is NULL: Invalid argument");
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 7, a), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "seccomp_rule: 7 comparisons, at most 6: Invalid argument");
    a[2] = (box_seccomp_arg_t){ 6, BOX_SECCOMP_CMP_EQ, 0, 0 };
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 3, a), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "seccomp_rule: argument index 6 is not 0..5: Invalid argument");
    a[2] = (box_seccomp_arg_t){ 0, BOX_SECCOMP_CMP_NE, 0, 0 };
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 3, a), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "seccomp_rule: argument 0 is compared twice: Invalid argument");
    a[2] = (box_seccomp_arg_t){ 2, 8, 0, 0 };
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 3, a), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: unknown comparison 8: Invalid argument");
    a[2] = (box_seccomp_arg_t){ 2, BOX_SECCOMP_CMP_LT, 1, 1 };
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_KILL, 0, 3, a), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: a mask is only for "
                                         "BOX_SECCOMP_CMP_MASKED_EQ: Invalid argument");
    assert_int_equal(box_seccomp_rule_args(box, "socket", 9, 0, 1, a), -EINVAL);
    assert_int_equal(box_seccomp_rule(box, "execve", BOX_SECCOMP_NOTIFY, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_rule: execve cannot notify: the box makes "
                                         "it before the supervisor can answer: Invalid argument");
    assert_int_equal(box_seccomp_rule(box, "write", BOX_SECCOMP_NOTIFY, 0), -EINVAL);
    assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_NOTIFY, 0), -EINVAL);
    assert_int_equal(box_seccomp_notify_fd(NULL), -EINVAL);
    assert_int_equal(box_seccomp_notify_fd(box), -ESRCH);
    assert_int_equal(box->n_seccomp_rules, 0);

    /* Conditional rules add up; an unconditional one replaces them. */
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, 13, 2, a), 0);
    assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_LOG, 0, 1, a), 0);
    assert_int_equal(box_seccomp_rule(box, "getpid", BOX_SECCOMP_ALLOW, 0), 0);
    assert_int_equal(box->n_seccomp_rules, 3);
    assert_int_equal(box->seccomp_rules[0].n_args, 2);
    assert_int_equal(box->seccomp_rules[0].args[1].mask, 0xf);
    assert_int_equal(box_seccomp_rule(box, "socket", BOX_SECCOMP_KILL, 0), 0);
    assert_int_equal(box->n_seccomp_rules, 2);
    assert_int_equal(box->seccomp_rules[1].n_args, 0);
}

static void test_seccomp_default_action_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_seccomp_default_action(NULL, BOX_SECCOMP_KILL, 0), -EINVAL);
    assert_int_equal(box->seccomp_default_action, BOX_SECCOMP_ALLOW);
    assert_int_equal(box_seccomp_default_action(box, 0, 0), -EINVAL);
    assert_string_equal(box_errmsg(box), "seccomp_default_action: unknown action 0: Invalid argument");
    assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_ERRNO, 0), -EINVAL);
    assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_ERRNO, 38), 0);
    assert_int_equal(box->seccomp_default_action, BOX_SECCOMP_ERRNO);
    /* Even with the default list off there is a filter now. */
    assert_int_equal(box_seccomp_default(box, 0), 0);
    {
        struct box_plan a = { 0 };

        assert_int_equal(box__seccomp_prepare(box, &a), 0);
        assert_non_null(a.seccomp_filter);
        free(a.seccomp_filter);
    }
    box->state = BOX_ENDED;
    assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_KILL, 0), -EBUSY);
    box->state = BOX_CONFIGURED;
}

static char *export_text(box_t *box, int pfc, int *rc, off_t *size)
{
    int fd = memfd_create("t", MFD_CLOEXEC);
    char *buf;

    assert_true(fd >= 0);
    *rc = box_seccomp_export(box, fd, pfc);
    *size = lseek(fd, 0, SEEK_END);
    buf = calloc(1, (size_t)*size + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)*size, 0), *size);
    close(fd);
    return buf;
}

static void test_seccomp_export(void **state)
{
    box_t *box = *state;
    char *text;
    off_t size;
    int rc;

    assert_int_equal(box_seccomp_export(box, -1, 0), -EBADF);
    text = export_text(box, 1, &rc, &size);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "keyctl"));
    assert_non_null(strstr(text, "x86")); /* i386 is covered */
    free(text);
    text = export_text(box, 0, &rc, &size);
    assert_int_equal(rc, 0);
    assert_true(size > 0 && size % 8 == 0);
    free(text);

    /* The prepared child data is the same BPF. */
    {
        struct box_plan a = { 0 };

        assert_int_equal(box__seccomp_prepare(box, &a), 0);
        assert_non_null(a.seccomp_filter);
        assert_int_equal(a.seccomp_len * 8, size);
        free(a.seccomp_filter);
    }

    assert_int_equal(box_seccomp_default(box, 0), 0);
    assert_int_equal(box_seccomp_export(box, 1, 0), -ENOENT);
    {
        struct box_plan a = { 0 };

        assert_int_equal(box__seccomp_prepare(box, &a), 0);
        assert_null(a.seccomp_filter); /* no filter at all */
    }
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EACCES), 0);
    text = export_text(box, 1, &rc, &size);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "keyctl"));
    assert_null(strstr(text, "reboot"));
    free(text);

    /* Comparisons and the default action show in the text; execve is let through. */
    {
        const box_seccomp_arg_t gt[] = { { 0, BOX_SECCOMP_CMP_GT, 40, 0 } };

        assert_int_equal(box_seccomp_rule_args(box, "socket", BOX_SECCOMP_ERRNO, 13, 1, gt),
                         0);
        assert_int_equal(box_seccomp_default_action(box, BOX_SECCOMP_KILL, 0), 0);
        text = export_text(box, 1, &rc, &size);
        assert_int_equal(rc, 0);
        assert_non_null(strstr(text, "if ($a0 > 40)"));
        assert_non_null(strstr(text, "\"execve\""));
        assert_non_null(strstr(text, "action KILL_PROCESS;"));
        free(text);
    }
}

/* The cache file of dir (there must be exactly one), read whole into buf; its length. */
static size_t cache_file(const char *dir, char *path, size_t size, unsigned char *buf,
                         size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0, fd;
    ssize_t len;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".bpf")) {
            snprintf(path, size, "%s/%s", dir, e->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
    assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
    len = read(fd, buf, max);
    close(fd);
    assert_true(len > 16);
    return (size_t)len;
}

/* Write buf as the cache file at path, with its checksum (FNV-1a 64 of the rest, the
 * format seccomp-cache.c documents) recomputed unless keep_sum. */
static void put_cache_file(const char *path, unsigned char *buf, size_t len, bool keep_sum)
{
    uint64_t h = 0xcbf29ce484222325u;
    int fd;

    for (size_t i = 0; i < len - 8; i++)
        h = (h ^ buf[i]) * 0x100000001b3u;
    if (!keep_sum)
        memcpy(buf + len - 8, &h, 8);
    unlink(path);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* The box's filter as box_spawn would get it, from an empty process cache. */
static struct box_plan fresh_prepare(box_t *box)
{
    struct box_plan a = { 0 };

    box__seccomp_cache_clear();
    assert_int_equal(box__seccomp_prepare(box, &a), 0);
    assert_non_null(a.seccomp_filter);
    return a;
}

/* box_seccomp_cache_dir: the setter's checks; a filter written to the directory is read
 * back from it by a process without it in memory; a file with another key, a wrong
 * checksum, a truncated one or one that others may write is not used (the filter is built
 * again and the file replaced). */
static void test_seccomp_cache(void **state)
{
    box_t *box = *state;
    char dir[] = "/tmp/test-seccomp-cache.XXXXXX", link[64], path[PATH_MAX];
    static unsigned char buf[64 * 1024], again[64 * 1024];
    struct box_plan a, b;
    size_t len, bytes;
    uint32_t key_len;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(box_seccomp_cache_dir(NULL, dir), -EINVAL);
    assert_int_equal(box_seccomp_cache_dir(box, "relative/dir"), -EINVAL);
    assert_int_equal(chmod(dir, 0770), 0);
    assert_int_equal(box_seccomp_cache_dir(box, dir), -EPERM);
    assert_non_null(strstr(box_errmsg(box), "only it can write"));
    assert_int_equal(chmod(dir, 0700), 0);
    snprintf(link, sizeof link, "%s.link", dir);
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(box_seccomp_cache_dir(box, link), -ENOTDIR);
    unlink(link);
    assert_int_equal(box_seccomp_cache_dir(box, "/proc/self/status"), -ENOTDIR);

    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EXDEV), 0);
    assert_int_equal(box_seccomp_cache_dir(box, dir), 0);
    a = fresh_prepare(box);
    bytes = a.seccomp_len * sizeof *a.seccomp_filter;
    len = cache_file(dir, path, sizeof path, buf, sizeof buf);
    memcpy(&key_len, buf + 8, 4);
    assert_int_equal(len, 16 + key_len + bytes + 8);
    assert_memory_equal(buf + 16 + key_len, a.seccomp_filter, bytes);

    /* Read from the file: a program changed in it (checksum made right) is what comes. */
    buf[16 + key_len] ^= 1;
    put_cache_file(path, buf, len, false);
    b = fresh_prepare(box);
    assert_int_equal(b.seccomp_len, a.seccomp_len);
    assert_int_equal(((unsigned char *)b.seccomp_filter)[0],
                     ((unsigned char *)a.seccomp_filter)[0] ^ 1);
    free(b.seccomp_filter);
    buf[16 + key_len] ^= 1; /* the program back; the checksum is now the changed one's */

    /* A wrong checksum, another key, a truncated file, a file others may write: each is
     * ignored, the filter built again and the file written anew. */
    for (int damage = 0; damage < 4; damage++) {
        size_t put = len;

        assert_int_equal(cache_file(dir, path, sizeof path, again, sizeof again), len);
        if (damage == 1)
            buf[16] ^= 1; /* the key's first byte */
        put_cache_file(path, buf, damage == 2 ? (put = len - 8) : put, damage == 0);
        if (damage == 3)
            assert_int_equal(chmod(path, 0622), 0);
        b = fresh_prepare(box);
        assert_int_equal(b.seccomp_len, a.seccomp_len);
        assert_memory_equal(b.seccomp_filter, a.seccomp_filter, bytes);
        free(b.seccomp_filter);
        assert_int_equal(cache_file(dir, path, sizeof path, again, sizeof again), len);
        assert_memory_equal(again + 16 + key_len, a.seccomp_filter, bytes);
        if (damage == 1)
            buf[16] ^= 1;
    }
    free(a.seccomp_filter);

    /* Another rule set, another file; the directory off again. */
    assert_int_equal(box_seccomp_rule(box, "keyctl", BOX_SECCOMP_ERRNO, EXFULL), 0);
    b = fresh_prepare(box);
    free(b.seccomp_filter);
    assert_int_equal(box_seccomp_cache_dir(box, NULL), 0);
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        int files = 0;

        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.') {
                assert_non_null(strstr(e->d_name, ".bpf"));
                assert_int_equal(unlinkat(dirfd(d), e->d_name, 0), 0);
                files++;
            }
        closedir(d);
        assert_int_equal(files, 2);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_landlock_checks(void **state)
{
    box_t *box = *state;

    assert_int_equal(box_landlock_path(NULL, "/", BOX_LANDLOCK_READ), -EINVAL);
    assert_int_equal(box_landlock_mode(NULL, 1), -EINVAL);
    assert_int_equal(box_landlock_path(box, NULL, BOX_LANDLOCK_READ), -EINVAL);
    assert_int_equal(box_landlock_path(box, "bin", BOX_LANDLOCK_READ), -EINVAL);
    assert_string_equal(box_errmsg(box),
                        "landlock_path: path must be absolute, not 'bin': Invalid argument");
    assert_int_equal(box_landlock_path(box, "/bin", 0), -EINVAL);
    assert_int_equal(box_landlock_path(box, "/bin", 8), -EINVAL);
    assert_string_equal(box_errmsg(box), "landlock_path: bad access 0x8 for /bin: Invalid argument");
    assert_int_equal(box_landlock_mode(box, 2), -EINVAL);
    assert_int_equal(box->n_landlock_rules, 0);
    assert_int_equal(box_landlock_path(box, "/usr//bin/", BOX_LANDLOCK_EXEC), 0);
    assert_string_equal(box->landlock_rules[0].path, "/usr/bin");
    assert_int_equal(box_landlock_mode(box, 0), 0);
    assert_true(box->landlock_best_effort);
    box->state = BOX_ENDED;
    assert_int_equal(box_landlock_path(box, "/", BOX_LANDLOCK_READ), -EBUSY);
    assert_int_equal(box_landlock_mode(box, 1), -EBUSY);
    box->state = BOX_CONFIGURED;
}

static void test_landlock_rights(void **state)
{
    uint64_t h1 = box__landlock_handled(1), h3 = box__landlock_handled(3);

    (void)state;
    assert_int_equal(box__landlock_handled(0), 0);
    assert_int_equal(h1, (1u << 13) - 1);
    assert_int_equal(h3, (1u << 15) - 1);
    assert_int_equal(box__landlock_access(BOX_LANDLOCK_READ, h3), (1u << 2) | (1u << 3));
    assert_int_equal(box__landlock_access(BOX_LANDLOCK_EXEC, h3), 1u << 0);
    /* write: everything but execute and the two reads, on whatever the ABI handles */
    assert_int_equal(box__landlock_access(BOX_LANDLOCK_WRITE, h3), h3 & ~0xdu);
    assert_int_equal(box__landlock_access(BOX_LANDLOCK_WRITE, h1), h1 & ~0xdu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_box),
        cmocka_unit_test(test_cap_names),
        cmocka_unit_test_setup_teardown(test_cap_keep_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_caps_prepare, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_rule_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_rule_args_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_default_action_checks, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_export, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_seccomp_cache, new_box, free_box),
        cmocka_unit_test_setup_teardown(test_landlock_checks, new_box, free_box),
        cmocka_unit_test(test_landlock_rights),
    };

    return cmocka_run_group_tests_name("unit-priv", tests, NULL, NULL);
}
