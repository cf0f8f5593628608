/* Unit tests of a detached box's state file (lib/state.c): what box__state_write writes
 * box__state_parse reads back, escapes included; every prefix of a valid file and a list of
 * hostile lines are errors (-EPROTO with a message naming the line), never a crash; the id
 * rules. No kernel features needed: the file goes to a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/filter.h>
#include <cmocka.h>

#include "box-private.h"
#include "plan.h"

static const char valid[] =
    "libbox-state 1\n"
    "id web-1\n"
    "pid 4242\n"
    "starttime 123456789\n"
    "ns 127\n"
    "opts 1034\n"
    "uid 1000\n"
    "gid 100\n"
    "group 5\n"
    "group 7\n"
    "env PATH=/bin\n"
    "env ODD=a%0Ab%25c d\n"
    "cwd /srv\n"
    "cwd_set 1\n"
    "cwd_try /home\n"
    "hostname web\n"
    "cap_keep 1024\n"
    "cap_keep_all 0\n"
    "limit 3 64 1\n"
    "landlock 3 /usr\n"
    "landlock_best_effort 1\n"
    "seccomp 0600000000000000\n"
    "cgroup 2 0 /sys/fs/cgroup/pids/libbox-detached-1-0\n"
    "label {\"bundle\": \"/b\"}%0A\n";

/* A fresh box whose parse result box_free can release: a parsed box is detached (its
 * cgroup paths are never removed by box_free). */
static box_t *parsed(const char *text, size_t len, int *r)
{
    box_t *box;

    assert_int_equal(box_new(&box, 0), 0);
    *r = box__state_parse(box, text, len);
    box->detached = true;
    return box;
}

/* The state file at path, parsed (the test fails where it cannot be read). */
static box_t *parsed_file(const char *path)
{
    char text[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC), r;
    ssize_t n;
    box_t *box;

    assert_true(fd >= 0);
    n = read(fd, text, sizeof text);
    close(fd);
    assert_true(n > 0 && n < (ssize_t)sizeof text);
    box = parsed(text, (size_t)n, &r);
    assert_int_equal(r, 0);
    return box;
}

static void test_parse_valid(void **state)
{
    box_t *box;
    int r;

    (void)state;
    box = parsed(valid, strlen(valid), &r);
    assert_int_equal(r, 0);
    assert_string_equal(box->id, "web-1");
    assert_int_equal(box->pid, 4242);
    assert_int_equal(box->starttime, 123456789);
    assert_int_equal(box->ns, 127);
    assert_int_equal(box->opts, 1034);
    assert_int_equal(box->uid, 1000);
    assert_int_equal(box->gid, 100);
    assert_int_equal(box->n_groups, 2);
    assert_int_equal(box->groups[1], 7);
    assert_int_equal(box->n_env, 2); /* box_new's default PATH replaced, not kept */
    assert_string_equal(box->env[1], "ODD=a\nb%c d");
    assert_null(box->env[2]);
    assert_string_equal(box->cwd, "/srv");
    assert_true(box->cwd_set);
    assert_int_equal(box->n_cwd_try, 1);
    assert_string_equal(box->hostname, "web");
    assert_int_equal(box->cap_keep, 1024);
    assert_true(box->limit_set[3]);
    assert_int_equal(box->limit[3], 64);
    assert_true(box->limit_enforced[3]);
    assert_int_equal(box->n_landlock_rules, 1);
    assert_string_equal(box->landlock_rules[0].path, "/usr");
    assert_true(box->landlock_best_effort);
    assert_int_equal(box->n_seccomp_bpf, 1);
    assert_int_equal(box->seccomp_bpf[0].len, 1);
    assert_int_equal(box->seccomp_bpf[0].insns[0].code, 6);
    assert_true(box->seccomp_default_off);
    assert_string_equal(box->cg.dir[2], "/sys/fs/cgroup/pids/libbox-detached-1-0");
    assert_string_equal(box->label, "{\"bundle\": \"/b\"}\n");
    box_free(box);
}

/* Every prefix: a file cut short is an error, or (cut at a line end after the required
 * lines) a shorter valid state; never a crash. */
static void test_parse_every_prefix(void **state)
{
    size_t required = (size_t)(strstr(valid, "ns 127") - valid); /* id, pid, starttime */

    (void)state;
    for (size_t len = 0; len < sizeof valid - 1; len++) {
        box_t *box;
        int r;

        box = parsed(valid, len, &r);
        if (r == 0)
            assert_true(len >= required && valid[len - 1] == '\n');
        else
            assert_int_equal(r, -EPROTO);
        box_free(box);
    }
}

static void test_parse_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "libbox-state 2\nid a\npid 1\nstarttime 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1",       /* no final newline */
        "libbox-state 1\nid a\npid 1\n",                  /* no starttime */
        "libbox-state 1\nid a\nid b\npid 1\nstarttime 1\n",
        "libbox-state 1\nid ../x\npid 1\nstarttime 1\n",
        "libbox-state 1\nid a\npid 0\nstarttime 1\n",
        "libbox-state 1\nid a\npid 99999999999\nstarttime 1\n",
        "libbox-state 1\nid a\npid -1\nstarttime 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 99999999999999999999\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nnokey\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nunknown 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nns 256\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nuid 4294967296\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nenv NOEQUALS\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nenv =x\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nenv A=%zz\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nenv A=%00\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nenv A=%4\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncwd relative\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nhostname \n",
        ("libbox-state 1\nid a\npid 1\nstarttime 1\nhostname "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncwd_set 2\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlimit 0 1 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlimit 999 1 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlimit 3 1\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlandlock 3 relative\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlandlock x /usr\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nseccomp 06\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nseccomp 060000000000000g\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nseccomp \n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 99 0 /x\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 0 1 /x\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 1 0 /x\ncgroup 1 0 /y\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 1 1 /x\ncgroup 1 0 /y\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 1 1 x\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 1 0 x\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\nlabel a\nlabel b\n",
        "libbox-state 1\nid a\npid 1\nstarttime 1\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        box_t *box;
        int r;

        box = parsed(bad[i], strlen(bad[i]), &r);
        if (r != -EPROTO)
            fail_msg("case %zu parsed (%d): %s", i, r, bad[i]);
        assert_true(strlen(box_errmsg(box)) > 0);
        box_free(box);
    }
    /* a NUL inside, and too many groups */
    {
        static const char nul[] = "libbox-state 1\nid a\0\npid 1\nstarttime 1\n";
        char many[4096] = "libbox-state 1\nid a\npid 1\nstarttime 1\n";
        box_t *box;
        int r;

        box = parsed(nul, sizeof nul - 1, &r);
        assert_int_equal(r, -EPROTO);
        box_free(box);
        for (int g = 0; g <= BOX_MAX_GROUPS; g++)
            strcat(many, "group 1\n");
        box = parsed(many, strlen(many), &r);
        assert_int_equal(r, -EPROTO);
        box_free(box);
    }
}

/* What the writer writes, the parser reads: odd bytes in env, cwd and label survive. */
static void test_write_parse_round_trip(void **state)
{
    char dir[] = "/tmp/libbox-test-state-XXXXXX", path[128];
    struct sock_filter insns[2] = { { 0x20, 0, 0, 4 }, { 0x06, 0, 0, 0x7fff0000 } };
    struct box_plan p = { 0 };
    box_t *box, *back;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_set_id(box, "rt_1.x+y"), 0);
    assert_int_equal(box_setenv(box, "WEIRD", "line1\nline2 %41 \xc3\xa4 \x01"), 0);
    assert_int_equal(box_set_cwd(box, "/a dir/with space"), 0);
    assert_int_equal(box_set_label(box, "{\"x\": \"%\\n\"}\n\tend"), 0);
    assert_int_equal(box_set_groups(box, 2, (gid_t[]){ 3, 4 }), 0);
    assert_int_equal(box_set_user(box, 5, (gid_t)-1), 0); /* -1: kept, and stays so */
    box->pid = 77;
    box->starttime = 999;
    box->state_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(box->state_fd >= 0);
    p.seccomp_filter = insns;
    p.seccomp_len = 2;
    /* memory in the v2 cgroup (no directory of its own), pids in a v1 hierarchy */
    box->cg.dir[BOX_CG_V2] = strdup("/sys/fs/cgroup/x/libbox-detached-1-0");
    box->cg.dir[BOX_CG_PIDS] = strdup("/sys/fs/cgroup/pids/libbox-detached-1-0");
    assert_true(box->cg.dir[BOX_CG_V2] && box->cg.dir[BOX_CG_PIDS]);
    box->cg.v2_slot[BOX_CG_MEMORY] = true;
    assert_int_equal(box__state_write(box, &p, true), 0);
    snprintf(path, sizeof path, "%s/state", dir);
    back = parsed_file(path);
    assert_string_equal(back->id, "rt_1.x+y");
    assert_int_equal(back->pid, 77);
    assert_int_equal(back->starttime, 999);
    assert_int_equal(back->n_env, box->n_env);
    for (size_t i = 0; i < box->n_env; i++)
        assert_string_equal(back->env[i], box->env[i]);
    assert_string_equal(back->cwd, "/a dir/with space");
    assert_string_equal(back->label, box->label);
    assert_int_equal(back->n_groups, 2);
    assert_int_equal(back->uid, 5);
    assert_true(back->gid == (gid_t)-1);
    assert_int_equal(back->n_seccomp_bpf, 1);
    assert_memory_equal(back->seccomp_bpf[0].insns, insns, sizeof insns);
    assert_true(back->started_ns == 0); /* held: box_start appends its "started" line */
    assert_string_equal(back->cg.dir[BOX_CG_V2], box->cg.dir[BOX_CG_V2]);
    assert_true(back->cg.v2_slot[BOX_CG_MEMORY]);
    assert_null(back->cg.dir[BOX_CG_MEMORY]);
    assert_string_equal(back->cg.dir[BOX_CG_PIDS], box->cg.dir[BOX_CG_PIDS]);
    assert_false(back->cg.v2_slot[BOX_CG_PIDS]);
    assert_false(back->cg.v2_slot[BOX_CG_CPU]);
    box_free(back);
    /* not held: the start time is in the state itself, no file of its own */
    assert_int_equal(box__state_write(box, &p, false), 0);
    back = parsed_file(path);
    assert_true(back->started_ns == box->started_ns && box->started_ns > 0);
    box_free(back);
    snprintf(path, sizeof path, "%s/started", dir);
    assert_int_equal(access(path, F_OK), -1);
    box__state_remove(box); /* removes its files; the directory goes by name elsewhere */
    assert_int_equal(box->state_fd, -1);
    snprintf(path, sizeof path, "%s/state", dir);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(rmdir(dir), 0);
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) { /* (made up: nothing to remove) */
        free(box->cg.dir[slot]);
        box->cg.dir[slot] = NULL;
        box->cg.v2_slot[slot] = false;
    }
    box_free(box);
}

static void test_ids(void **state)
{
    static const char *const good[] = { "a", "A9", "_x", "web.1", "a+b-c_d", "0" };
    static const char *const bad[] = { "", ".", "..", ".a", "-a", "a/b", "a b", "a\tb",
                                       "a:b", "\xc3\xa4", "a\\b" };
    char longest[BOX_ID_MAX + 2];
    box_t *box;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(box_set_id(box, good[i]), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(box_set_id(box, bad[i]), -EINVAL);
        assert_non_null(strstr(box_errmsg(box), "set_id"));
    }
    memset(longest, 'x', sizeof longest);
    longest[BOX_ID_MAX] = '\0';
    assert_int_equal(box_set_id(box, longest), 0);
    assert_string_equal(box_id(box), longest);
    longest[BOX_ID_MAX] = 'x';
    longest[BOX_ID_MAX + 1] = '\0';
    assert_int_equal(box_set_id(box, longest), -EINVAL);
    assert_int_equal(box_set_id(NULL, "a"), -EINVAL);
    assert_int_equal(box_set_state_dir(box, "rel"), -EINVAL);
    assert_int_equal(box_set_state_dir(box, "/ok"), 0);
    assert_int_equal(box_set_state_dir(box, NULL), 0);
    assert_int_equal(box_set_label(box, "x"), 0);
    assert_string_equal(box_label(box), "x");
    assert_int_equal(box_set_label(box, NULL), 0);
    assert_null(box_label(box));
    assert_null(box_id(NULL));
    box_free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_every_prefix),
        cmocka_unit_test(test_parse_hostile),
        cmocka_unit_test(test_write_parse_round_trip),
        cmocka_unit_test(test_ids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
