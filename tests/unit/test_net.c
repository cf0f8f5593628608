/* cmocka: the pure helpers of the network modules (subnet.c): subnets, host numbers, port
 * specs. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "net.h"

static void test_subnet_parse(void **state)
{
    struct box_subnet s;

    (void)state;
    assert_int_equal(box__subnet_parse("10.88.0.0/16", AF_INET, &s), 0);
    assert_int_equal(s.prefix, 16);
    assert_int_equal(box__subnet_hosts(&s), 65534);
    assert_int_equal(box__subnet_parse("fd00:88::/64", AF_INET6, &s), 0);
    assert_int_equal(box__subnet_hosts(&s), 65535);
    assert_int_equal(box__subnet_parse("10.88.0.1/16", AF_INET, &s), -EINVAL); /* host bits */
    assert_int_equal(box__subnet_parse("10.88.0.0/7", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("10.88.0.0/31", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("10.88.0.0/", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("10.88.0.0", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("10.88.0.0/16x", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("fd00::/16", AF_INET6, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("fd00::/64", AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse(NULL, AF_INET, &s), -EINVAL);
    assert_int_equal(box__subnet_parse("10.0.0.0/24", AF_INET, &s), 0);
    assert_int_equal(box__subnet_hosts(&s), 254);
}

static void test_subnet_host_index(void **state)
{
    struct box_subnet s;
    uint8_t a[16];
    char text[64];
    uint32_t i;

    (void)state;
    assert_int_equal(box__subnet_parse("10.88.0.0/16", AF_INET, &s), 0);
    box__subnet_host(&s, 257, a);
    assert_string_equal(inet_ntop(AF_INET, a, text, sizeof text), "10.88.1.1");
    box__subnet_host(&s, 255, a);
    assert_string_equal(inet_ntop(AF_INET, a, text, sizeof text), "10.88.0.255");
    assert_int_equal(box__subnet_index(&s, "10.88.1.1", &i), 0);
    assert_int_equal(i, 257);
    assert_int_equal(box__subnet_index(&s, "10.88.0.1", &i), -EINVAL);   /* gateway */
    assert_int_equal(box__subnet_index(&s, "10.88.0.0", &i), -EINVAL);   /* network */
    assert_int_equal(box__subnet_index(&s, "10.88.255.255", &i), -EINVAL); /* broadcast */
    assert_int_equal(box__subnet_index(&s, "10.89.0.5", &i), -EINVAL);
    assert_int_equal(box__subnet_index(&s, "fd00::5", &i), -EINVAL);
    assert_int_equal(box__subnet_parse("fd00:88::/64", AF_INET6, &s), 0);
    box__subnet_host(&s, 0x1ff, a);
    assert_string_equal(inet_ntop(AF_INET6, a, text, sizeof text), "fd00:88::1ff");
    assert_int_equal(box__subnet_index(&s, "fd00:88::1ff", &i), 0);
    assert_int_equal(i, 0x1ff);
    assert_int_equal(box__subnet_index(&s, "fd00:89::5", &i), -EINVAL);
    assert_int_equal(box__subnet_index(&s, "fd00:88::1:0:0", &i), -EINVAL); /* beyond 65535 */
}

static void test_publish_parse(void **state)
{
    struct box_publish p;

    (void)state;
    assert_int_equal(box__publish_parse("8080:80", &p), 0);
    assert_int_equal(p.proto, IPPROTO_TCP);
    assert_int_equal(p.host_port, 8080);
    assert_int_equal(p.box_port, 80);
    assert_int_equal(box__publish_parse("53:5353/udp", &p), 0);
    assert_int_equal(p.proto, IPPROTO_UDP);
    assert_int_equal(box__publish_parse("1:65535/tcp", &p), 0);
    assert_int_equal(p.box_port, 65535);
    assert_int_equal(box__publish_parse("80", &p), -EINVAL);
    assert_int_equal(box__publish_parse("0:80", &p), -EINVAL);
    assert_int_equal(box__publish_parse("80:65536", &p), -EINVAL);
    assert_int_equal(box__publish_parse("-1:80", &p), -EINVAL);
    assert_int_equal(box__publish_parse("80:-1", &p), -EINVAL);
    assert_int_equal(box__publish_parse("80:80/sctp", &p), -EINVAL);
    assert_int_equal(box__publish_parse(":80", &p), -EINVAL);
    assert_int_equal(box__publish_parse("80:", &p), -EINVAL);
    assert_int_equal(box__publish_parse(NULL, &p), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subnet_parse),
        cmocka_unit_test(test_subnet_host_index),
        cmocka_unit_test(test_publish_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
