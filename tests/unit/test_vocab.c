/* Unit tests of the vocabularies front ends share (lib/parse.c, lib/caps.c): sizes,
 * durations, capability names and seccomp rule text; and of the API details settled in
 * 0.2: set/clear options, the init path, the version and the structs' version fields. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "box-private.h"

static void expect_size(const char *text, uint64_t want)
{
    uint64_t v = 12345;

    assert_int_equal(box_parse_size(text, &v), 0);
    assert_true(v == want);
}

static void test_sizes(void **state)
{
    static const char *const bad[] = { "", " ", "M", "-1", "+1", "1.5", "12Q", "1e3", "0.3K",
                                       "1..2M", "1K2", "0x10", "1 K B", ".", "1.0000000000000000000" };
    uint64_t v = 7;

    (void)state;
    expect_size("0", 0);
    expect_size("4096", 4096);
    expect_size("1K", 1024);
    expect_size("64k", 65536);
    expect_size("256M", 256ull << 20);
    expect_size("1.5G", 3ull << 29);
    expect_size("2MiB", 2ull << 20);
    expect_size("1 GB", 1ull << 30);
    expect_size("3b", 3);
    expect_size(" 7 ", 7);
    expect_size("5.", 5);
    expect_size(".5K", 512);
    expect_size("16T", 16ull << 40);
    expect_size("18446744073709551615", UINT64_MAX);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(box_parse_size(bad[i], &v), -EINVAL);
        assert_true(v == 7); /* untouched on failure */
    }
    assert_int_equal(box_parse_size("18446744073709551616", &v), -ERANGE);
    assert_int_equal(box_parse_size("16777216T", &v), -ERANGE);
    assert_int_equal(box_parse_size(NULL, &v), -EINVAL);
    assert_int_equal(box_parse_size("1", NULL), -EINVAL);
}

static void expect_ns(const char *text, uint64_t want)
{
    uint64_t v = 12345;

    assert_int_equal(box_parse_duration(text, &v), 0);
    assert_true(v == want);
}

static void test_durations(void **state)
{
    static const char *const bad[] = { "", "s", "-1s", "1x", "1.2.3s", "nan", "1 s s", "1d" };
    uint64_t v;

    (void)state;
    expect_ns("2", 2000000000ull);
    expect_ns("1.5s", 1500000000ull);
    expect_ns("200ms", 200000000ull);
    expect_ns("2m", 120000000000ull);
    expect_ns("1h", 3600000000000ull);
    expect_ns("500us", 500000ull);
    expect_ns(".5", 500000000ull);
    expect_ns("10 sec", 10000000000ull);
    expect_ns("1MIN", 60000000000ull);
    expect_ns("7ns", 7);
    expect_ns("0.0000000001", 1); /* below a nanosecond: rounded up */
    expect_ns("0", 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(box_parse_duration(bad[i], &v), -EINVAL);
    assert_int_equal(box_parse_duration("18446744074s", &v), -ERANGE);
    assert_int_equal(box_parse_duration(NULL, &v), -EINVAL);
}

static void test_cap_names(void **state)
{
    int n = 0;

    (void)state;
    assert_string_equal(box_cap_name(CAP_CHOWN), "CAP_CHOWN");
    assert_string_equal(box_cap_name(CAP_NET_RAW), "CAP_NET_RAW");
    assert_string_equal(box_cap_name(CAP_CHECKPOINT_RESTORE), "CAP_CHECKPOINT_RESTORE");
    assert_null(box_cap_name(-1));
    assert_null(box_cap_name(CAP_CHECKPOINT_RESTORE + 1));
    for (int cap = 0; box_cap_name(cap); cap++, n++)
        assert_int_equal(box_cap_from_name(box_cap_name(cap)), cap);
    assert_int_equal(n, CAP_CHECKPOINT_RESTORE + 1); /* no gaps */
    assert_int_equal(box_cap_from_name("cap_net_raw"), CAP_NET_RAW);
    assert_int_equal(box_cap_from_name("Net_Raw"), CAP_NET_RAW);
    assert_int_equal(box_cap_from_name("CAP_BOGUS"), -EINVAL);
    assert_int_equal(box_cap_from_name("CAP_"), -EINVAL);
    assert_int_equal(box_cap_from_name(""), -EINVAL);
    assert_int_equal(box_cap_from_name("12"), -EINVAL);
    assert_int_equal(box_cap_from_name(NULL), -EINVAL);
}

static void test_seccomp_rule_text(void **state)
{
    box_t *box;
    const struct box_seccomp_rule *rule;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_seccomp_rule_parse(box, "uname=errno:38,a0!=0,a1&0x700==0x100"), 0);
    assert_int_equal(box->n_seccomp_rules, 1);
    rule = &box->seccomp_rules[0];
    assert_int_equal(rule->action, BOX_SECCOMP_ERRNO);
    assert_int_equal(rule->errno_value, 38);
    assert_int_equal(rule->n_args, 2);
    assert_int_equal(rule->args[0].index, 0);
    assert_int_equal(rule->args[0].op, BOX_SECCOMP_CMP_NE);
    assert_int_equal(rule->args[1].op, BOX_SECCOMP_CMP_MASKED_EQ);
    assert_true(rule->args[1].mask == 0x700 && rule->args[1].value == 0x100);
    /* an unconditional rule replaces the call's earlier ones */
    assert_int_equal(box_seccomp_rule_parse(box, "uname=errno"), 0);
    assert_int_equal(box->n_seccomp_rules, 1);
    assert_int_equal(box->seccomp_rules[0].errno_value, EPERM);
    assert_int_equal(box->seccomp_rules[0].n_args, 0);
    assert_int_equal(box_seccomp_rule_parse(box, "getpid=log,a0<=5"), 0);
    assert_int_equal(box->seccomp_rules[1].args[0].op, BOX_SECCOMP_CMP_LE);
    assert_int_equal(box_seccomp_rule_parse(box, "default=kill"), 0);
    assert_int_equal(box->seccomp_default_action, BOX_SECCOMP_KILL);
    assert_int_equal(box_seccomp_rule_parse(box, "deny-list=off"), 0);
    assert_true(box->seccomp_default_off);
    assert_int_equal(box_seccomp_rule_parse(box, "deny-list=on"), 0);
    assert_false(box->seccomp_default_off);

    assert_int_equal(box_seccomp_rule_parse(box, "chmod=errno:38,a6==1"), -EINVAL);
    assert_int_equal(strncmp(box_errmsg(box), "bad comparison 'a6==1'", 22), 0);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=maybe"), -EINVAL);
    assert_int_equal(strncmp(box_errmsg(box), "bad action 'maybe'", 18), 0);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=notify"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=errno:0"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=errno:4096"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "=allow"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod="), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=allow,a0=1"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=allow,a0==1x"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=allow,a0==1,a1==1,a2==1,a3==1,a4==1,"
                                                 "a5==1,a0==2"), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "has more than 6 comparisons"));
    assert_int_equal(box_seccomp_rule_parse(box, "chmod=allow,a0==1,a0==2"), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(box, "bogus=allow"), -EINVAL);
    assert_non_null(strstr(box_errmsg(box), "unknown system call 'bogus'"));
    assert_int_equal(box_seccomp_rule_parse(box, "deny-list=maybe"), -EINVAL);
    assert_int_equal(strncmp(box_errmsg(box), "'maybe' is not on or off", 24), 0);
    assert_int_equal(box_seccomp_rule_parse(box, NULL), -EINVAL);
    assert_int_equal(box_seccomp_rule_parse(NULL, "uname=allow"), -EINVAL);
    assert_int_equal(box->n_seccomp_rules, 2); /* failures added nothing */
    box_free(box);
}

/* box_set_option turns bits on and off on top of the defaults; box_set_options replaces. */
static void test_options(void **state)
{
    box_t *box;

    (void)state;
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION);
    assert_int_equal(box_set_option(box, BOX_OPT_INIT | BOX_OPT_HOLD, 1), 0);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION | BOX_OPT_INIT |
                                    BOX_OPT_HOLD);
    assert_int_equal(box_set_option(box, BOX_OPT_NEW_SESSION | BOX_OPT_HOLD, 0), 0);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_INIT);
    assert_int_equal(box_set_option(box, 1u << 20, 1), -EINVAL);
    assert_int_equal(box->opts, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_INIT);
    assert_int_equal(box_set_options(box, BOX_OPT_HOLD), 0);
    assert_int_equal(box->opts, BOX_OPT_HOLD);
    assert_int_equal(box_set_option(NULL, BOX_OPT_HOLD, 1), -EINVAL);

    assert_int_equal(box_set_init_path(box, "relative/box-init"), -EINVAL);
    assert_null(box->init_path);
    assert_int_equal(box_set_init_path(box, "/opt/box-init"), 0);
    assert_string_equal(box->init_path, "/opt/box-init");
    assert_int_equal(box_set_init_path(box, NULL), 0);
    assert_null(box->init_path);
    assert_int_equal(box_set_init_path(NULL, "/x"), -EINVAL);
    box_free(box);
}

/* box_version is meson's project version; the header's macros agree with it. */
static void test_version(void **state)
{
    char header[32];
    box_features_t f;

    (void)state;
    assert_string_equal(box_version(), MESON_PROJECT_VERSION);
    snprintf(header, sizeof header, "%d.%d.%d", BOX_VERSION_MAJOR, BOX_VERSION_MINOR,
             BOX_VERSION_MICRO);
    assert_string_equal(header, MESON_PROJECT_VERSION);
    memset(&f, 0xff, sizeof f);
    assert_int_equal(box_probe(&f), 0);
    assert_int_equal(f.version, BOX_FEATURES_VERSION);
    assert_int_equal(offsetof(box_status_t, version), 0);
    assert_int_equal(offsetof(box_features_t, version), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_cap_names),
        cmocka_unit_test(test_seccomp_rule_text),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_version),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
