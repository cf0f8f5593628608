/* Subnets and port specs of the network modules (net.h), as pure functions (unit-tested):
 * parsing "ADDRESS/PREFIX" and "HOST:BOX[/udp]", and host number <-> address arithmetic.
 * Host number N of a bridge's IPv4 subnet and of its IPv6 subnet belong to the same box. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

/* "10.88.0.0/16" or "fd88::/64" of the given family; host bits must be clear. */
int box__subnet_parse(const char *text, int family, struct box_subnet *out)
{
    char buf[64], *slash, *end;
    unsigned long prefix;
    unsigned int bits = family == AF_INET ? 32 : 128, min = family == AF_INET ? 8 : 64;
    unsigned int max = family == AF_INET ? 30 : 120;

    memset(out, 0, sizeof *out);
    if (!text || strlen(text) >= sizeof buf)
        return -EINVAL;
    strcpy(buf, text);
    slash = strchr(buf, '/');
    if (!slash)
        return -EINVAL;
    *slash = '\0';
    errno = 0;
    prefix = strtoul(slash + 1, &end, 10);
    if (!slash[1] || *end || errno || prefix < min || prefix > max)
        return -EINVAL;
    if (inet_pton(family, buf, out->addr) != 1)
        return -EINVAL;
    for (unsigned int b = (unsigned int)prefix; b < bits; b++)
        if (out->addr[b / 8] & (0x80 >> (b % 8)))
            return -EINVAL; /* host bits set */
    out->family = family;
    out->prefix = (unsigned int)prefix;
    return 0;
}

/* Host numbers 1..n can be handed out: not the network address, not IPv4's broadcast;
 * at most 65534 (leases are files, and IPv6 hosts mirror the IPv4 ones). */
uint32_t box__subnet_hosts(const struct box_subnet *s)
{
    unsigned int hostbits = (s->family == AF_INET ? 32 : 128) - s->prefix;
    uint32_t n;

    if (hostbits > 16)
        hostbits = 16;
    n = (1u << hostbits) - 1;
    return s->family == AF_INET ? n - 1 : n;
}

/* Address number `index` of the subnet. */
void box__subnet_host(const struct box_subnet *s, uint32_t index, uint8_t *out)
{
    size_t len = s->family == AF_INET ? 4 : 16;

    memcpy(out, s->addr, len);
    for (int i = (int)len - 1; i >= 0 && index; i--, index >>= 8) {
        unsigned int sum = out[i] + (index & 0xff);

        out[i] = (uint8_t)sum;
        index += (sum >> 8) << 8; /* carry into the next byte */
    }
}

/* The host number of addr (text) in s, for box_net_ip; -EINVAL if it is not in it, or is
 * the network address, the gateway or IPv4's broadcast. */
int box__subnet_index(const struct box_subnet *s, const char *addr, uint32_t *out)
{
    uint8_t a[16], probe[16];
    size_t len = s->family == AF_INET ? 4 : 16;
    uint32_t index = 0;

    if (!s->family || inet_pton(s->family, addr, a) != 1)
        return -EINVAL;
    for (size_t i = len - 4; i < len; i++)
        index = index << 8 | a[i];
    for (size_t i = len - 4; i < len; i++)
        index -= (uint32_t)s->addr[i] << (8 * (len - 1 - i));
    if (index <= BOX_GATEWAY_INDEX || index > box__subnet_hosts(s))
        return -EINVAL;
    box__subnet_host(s, index, probe);
    if (memcmp(probe, a, len) != 0)
        return -EINVAL;
    *out = index;
    return 0;
}

/* "HOST:BOX" or "HOST:BOX/tcp" or "HOST:BOX/udp", ports 1..65535. */
int box__publish_parse(const char *spec, struct box_publish *out)
{
    unsigned long host, boxp;
    char *end;

    if (!spec)
        return -EINVAL;
    errno = 0;
    host = strtoul(spec, &end, 10);
    if (end == spec || *end != ':' || errno || host < 1 || host > 65535 || spec[0] == '-' ||
        spec[0] == '+' || spec[0] == ' ')
        return -EINVAL;
    spec = end + 1;
    boxp = strtoul(spec, &end, 10);
    if (end == spec || errno || boxp < 1 || boxp > 65535 || spec[0] == '-' || spec[0] == '+' ||
        spec[0] == ' ')
        return -EINVAL;
    if (*end == '\0' || strcmp(end, "/tcp") == 0)
        out->proto = IPPROTO_TCP;
    else if (strcmp(end, "/udp") == 0)
        out->proto = IPPROTO_UDP;
    else
        return -EINVAL;
    out->host_port = (uint16_t)host;
    out->box_port = (uint16_t)boxp;
    return 0;
}
