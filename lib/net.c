/* Network beyond lo. The box's own setters (box_net_veth, box_net_bridge, box_net_ip,
 * box_net_publish, box_net_pasta), rtnetlink through libmnl for the other network modules
 * (net.h), and the parent's hooks around the clone: box__net_begin before it (the lease,
 * the published ports, the name files), box__net_prepare (what the child sends), box__net_setup
 * while the child waits (the veth pair, nftables, pasta) and box__net_end when the box is
 * gone. A veth pair is made with the box's end straight in the box's namespace; the caller's
 * end is addressed (box_net_veth) or put on the bridge (box_net_bridge). The box's end can
 * only be configured from inside (an interface moved between namespaces loses its
 * addresses), so the parent also builds those requests (addresses, up, default routes) and
 * the child just sends them and reads the answers, with raw system calls (the step NET).
 * The pair goes away with the box's namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "box-private.h"
#include "child.h"
#include "net.h"
#include "sys.h"

#define BOX_IF "eth0"     /* the box's end */
#define BOX_IF_INDEX 2    /* in a fresh namespace lo is 1: ours is made as 2 */
#define BOX_NET_BATCH_MAX 1024

/* IPv4 dotted quad -> network order; returns 0 or -EINVAL. */
static int parse_ip4(const char *text, uint32_t *out)
{
    struct in_addr a;

    if (!text || inet_pton(AF_INET, text, &a) != 1)
        return -EINVAL;
    *out = a.s_addr;
    return 0;
}

BOX_API int box_net_veth(box_t *box, const char *host_if, const char *host_addr,
                         const char *box_addr, unsigned int prefix)
{
    int r = box__check_configurable(box, "net_veth");
    uint32_t h, b, mask;

    if (r < 0)
        return r;
    if (!box__ifname_valid(host_if))
        return box__error(box, EINVAL, "net_veth: bad interface name '%s' (1..15 characters, "
                         "no '/', ':' or spaces)", host_if ? host_if : "(null)");
    if (parse_ip4(host_addr, &h) < 0 || parse_ip4(box_addr, &b) < 0)
        return box__error(box, EINVAL, "net_veth: '%s' and '%s' must be IPv4 addresses",
                         host_addr ? host_addr : "(null)", box_addr ? box_addr : "(null)");
    if (prefix < 1 || prefix > 30)
        return box__error(box, EINVAL, "net_veth: prefix /%u is not 1..30", prefix);
    mask = htonl(~0u << (32 - prefix));
    if (h == b || (h & mask) != (b & mask))
        return box__error(box, EINVAL, "net_veth: %s and %s are not two addresses of one "
                         "/%u network", host_addr, box_addr, prefix);
    free(box->net_host_if);
    box->net_host_if = strdup(host_if);
    if (!box->net_host_if)
        return box__error(box, ENOMEM, "net_veth");
    box->net_host_addr = h;
    box->net_box_addr = b;
    box->net_prefix = prefix;
    return 0;
}

/* The box's network state, made on first use. */
static struct box_net *net_of(box_t *box)
{
    if (!box->net) {
        box->net = calloc(1, sizeof *box->net);
        if (box->net) {
            box->net->pasta_pid = -1;
            box->net->pasta_pidfd = -1;
        }
    }
    return box->net;
}

BOX_API int box_net_bridge(box_t *box, const char *bridge, const char *subnet4,
                           const char *subnet6, unsigned int flags)
{
    int r = box__check_configurable(box, "net_bridge");
    struct box_subnet s4, s6 = { 0 };
    struct box_net *net;

    if (r < 0)
        return r;
    if (!bridge)
        bridge = BOX_NET_BRIDGE_DEFAULT;
    if (flags & ~(unsigned)BOX_NET_NAT)
        return box__error(box, EINVAL, "net_bridge: unknown flags 0x%x",
                         flags & ~(unsigned)BOX_NET_NAT);
    if (strlen(bridge) >= IFNAMSIZ)
        return box__error(box, EINVAL, "net_bridge: bridge name '%s' is too long (at most %d "
                         "characters)", bridge, IFNAMSIZ - 1);
    if (!box__ifname_valid(bridge))
        return box__error(box, EINVAL, "net_bridge: bad bridge name '%s' (no '/', ':' or "
                         "spaces)", bridge);
    if (!subnet4)
        subnet4 = BOX_NET_SUBNET4_DEFAULT;
    if (!subnet6)
        subnet6 = BOX_NET_SUBNET6_DEFAULT;
    if (box__subnet_parse(subnet4, AF_INET, &s4) < 0)
        return box__error(box, EINVAL, "net_bridge: bad IPv4 subnet '%s' (ADDRESS/8..30, host "
                         "bits zero)", subnet4);
    if (subnet6[0] && box__subnet_parse(subnet6, AF_INET6, &s6) < 0)
        return box__error(box, EINVAL, "net_bridge: bad IPv6 subnet '%s' (ADDRESS/64..120, "
                         "host bits zero)", subnet6);
    if (!(net = net_of(box)))
        return box__error(box, ENOMEM, "net_bridge");
    net->mode = BOX_NETMODE_BRIDGE;
    net->flags = flags;
    strcpy(net->bridge, bridge);
    net->sub4 = s4;
    net->sub6 = s6;
    net->want_index = 0;
    return 0;
}

BOX_API int box_net_ip(box_t *box, const char *addr)
{
    int r = box__check_configurable(box, "net_ip");
    struct box_net *net = box ? box->net : NULL;
    uint32_t index;

    if (r < 0)
        return r;
    if (!net || net->mode != BOX_NETMODE_BRIDGE)
        return box__error(box, EINVAL, "net_ip: the box is on no bridge (box_net_bridge first)");
    if (!addr || (box__subnet_index(&net->sub4, addr, &index) < 0 &&
                  box__subnet_index(&net->sub6, addr, &index) < 0))
        return box__error(box, EINVAL, "net_ip: '%s' is not a host address of the bridge's "
                         "subnets (nor the network, gateway or broadcast address)",
                         addr ? addr : "(null)");
    net->want_index = index;
    return 0;
}

BOX_API int box_net_pasta(box_t *box, unsigned int flags)
{
    int r = box__check_configurable(box, "net_pasta");
    struct box_net *net;

    if (r < 0)
        return r;
    if (flags)
        return box__error(box, EINVAL, "net_pasta: unknown flags 0x%x", flags);
    if (!(net = net_of(box)))
        return box__error(box, ENOMEM, "net_pasta");
    net->mode = BOX_NETMODE_PASTA;
    net->want_index = 0;
    return 0;
}

BOX_API int box_net_publish(box_t *box, const char *spec)
{
    int r = box__check_configurable(box, "net_publish");
    struct box_publish p;
    struct box_net *net;

    if (r < 0)
        return r;
    if (box__publish_parse(spec, &p) < 0)
        return box__error(box, EINVAL, "net_publish: bad port '%s' (HOST:BOX, HOST:BOX/tcp or "
                         "HOST:BOX/udp, ports 1..65535)", spec ? spec : "(null)");
    if (!(net = net_of(box)))
        return box__error(box, ENOMEM, "net_publish");
    for (size_t i = 0; i < net->n_pub; i++)
        if (net->pub[i].proto == p.proto && net->pub[i].host_port == p.host_port)
            return box__error(box, EINVAL, "net_publish: host port %s is published twice",
                             spec);
    if (net->n_pub == BOX_PUBLISH_MAX)
        return box__error(box, EINVAL, "net_publish: at most %d ports", BOX_PUBLISH_MAX);
    net->pub[net->n_pub++] = p;
    return 0;
}

BOX_API int box_net_address(const box_t *box, int family, char *buf, size_t size)
{
    const struct box_net *net = box ? box->net : NULL;

    if (!box || !buf || (family != AF_INET && family != AF_INET6))
        return -EINVAL;
    if (box->state != BOX_RUNNING && box->state != BOX_HELD)
        return -ESRCH;
    if (!net || !net->index || (family == AF_INET6 && !net->sub6.family))
        return -ENOENT;
    if (!inet_ntop(family, family == AF_INET ? net->addr4 : net->addr6, buf, (socklen_t)size))
        return -ENOSPC;
    return 0;
}

static void build_default_route(struct nlmsghdr *h, int index, int family,
                                const uint8_t *gateway)
{
    struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);

    h->nlmsg_type = RTM_NEWROUTE;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    rt->rtm_family = (unsigned char)family;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put(h, RTA_GATEWAY, family == AF_INET ? 4 : 16, gateway);
    mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
}

/* The pair, the box's end named eth0 with index 2, made straight in the box's namespace;
 * master: the bridge the caller's end joins, or 0. */
static void build_pair(struct nlmsghdr *h, const char *host_if, pid_t pid, int master)
{
    struct nlattr *info, *data, *peer;
    struct ifinfomsg *pifi;

    box__nl_link(h, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(h, IFLA_IFNAME, host_if);
    if (master)
        mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
    info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
    peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
    pifi = mnl_nlmsg_put_extra_header(h, sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    pifi->ifi_index = BOX_IF_INDEX;
    mnl_attr_put_strz(h, IFLA_IFNAME, BOX_IF);
    mnl_attr_put_u32(h, IFLA_NET_NS_PID, (uint32_t)pid);
    mnl_attr_nest_end(h, peer);
    mnl_attr_nest_end(h, data);
    mnl_attr_nest_end(h, info);
}

/* The pair and the caller's end: addressed (box_net_veth) or on the bridge, and up. */
static int make_pair(box_t *box, pid_t pid)
{
    char buf[MNL_SOCKET_BUFFER_SIZE], host[INET_ADDRSTRLEN], name[IFNAMSIZ];
    const char *what = box->net_host_if ? "net_veth" : "net_bridge";
    const char *host_if = box->net_host_if;
    struct mnl_socket *nl = box__nl_open();
    struct nlmsghdr *h;
    int r, index, master = 0;

    if (!nl)
        return box__error(box, errno, "spawn: %s: netlink socket", what);
    if (!host_if) {
        /* pids are unique while the box lives, and the pair goes with it */
        snprintf(name, sizeof name, "bx%d", (int)pid);
        host_if = name;
        master = (int)if_nametoindex(box->net->bridge);
        if (!master) {
            r = box__error(box, errno, "spawn: net_bridge: bridge %s", box->net->bridge);
            goto out;
        }
    }
    build_pair(h = mnl_nlmsg_put_header(buf), host_if, pid, master);
    if ((r = box__nl_talk(nl, h)) < 0) {
        r = box__error(box, -r, "spawn: %s: create %s <-> " BOX_IF "%s", what, host_if,
                      r == -EPERM ? " (needs CAP_NET_ADMIN in the caller's network "
                      "namespace: root)" : "");
        goto out;
    }
    index = (int)if_nametoindex(host_if);
    if (index == 0) {
        r = box__error(box, errno, "spawn: %s: %s", what, host_if);
        goto out;
    }
    if (box->net_host_if) {
        inet_ntop(AF_INET, &box->net_host_addr, host, sizeof host);
        box__nl_addr(h = mnl_nlmsg_put_header(buf), index, AF_INET,
                    (const uint8_t *)&box->net_host_addr, box->net_prefix);
        if ((r = box__nl_talk(nl, h)) < 0) {
            r = box__error(box, -r, "spawn: net_veth: %s/%u on %s", host, box->net_prefix,
                          host_if);
            goto out;
        }
    }
    box__nl_up(h = mnl_nlmsg_put_header(buf), index);
    if ((r = box__nl_talk(nl, h)) < 0)
        r = box__error(box, -r, "spawn: %s: bring up %s", what, host_if);
out:
    mnl_socket_close(nl);
    return r;
}

static bool on_bridge(const box_t *box)
{
    return box->net && box->net->mode == BOX_NETMODE_BRIDGE;
}

/* Before anything else of box_spawn: what needs no child yet. */
int box__net_begin(box_t *box)
{
    struct box_net *net = box->net;
    bool first;
    int r;

    if (!net || net->mode == BOX_NETMODE_NONE) {
        if (net && net->n_pub)
            return box__error(box, EINVAL, "spawn: box_net_publish needs box_net_bridge or "
                             "box_net_pasta");
        return 0;
    }
    if (!(box->ns & BOX_NS_NET))
        return box__error(box, EINVAL, "spawn: %s needs the network namespace",
                         net->mode == BOX_NETMODE_PASTA ? "box_net_pasta" : "box_net_bridge");
    if (box->net_host_if)
        return box__error(box, EINVAL, "spawn: box_net_veth cannot be combined with %s",
                         net->mode == BOX_NETMODE_PASTA ? "box_net_pasta" : "box_net_bridge");
    r = box__ports_reserve(box);
    if (net->mode == BOX_NETMODE_PASTA) {
        /* pasta binds them itself: this was only the check (the child, which shares our
         * descriptors until its exec, would hold them too) */
        for (size_t i = 0; i < net->n_reserve; i++)
            close(net->reserve[i]);
        net->n_reserve = 0;
        if (r == 0)
            r = box__pasta_check(box);
    }
    if (r == 0 && net->mode == BOX_NETMODE_BRIDGE)
        r = box__lease_take(box, &first);
    if (r == 0)
        r = box__netfiles_prepare(box);
    if (r < 0)
        box__net_end(box);
    return r;
}

/* What the child sends for its end, eth0, from inside: its addresses, up, default routes
 * via the caller's end or the bridge; one buffer, the requests back to back, each
 * acknowledged. */
int box__net_prepare(box_t *box, struct box_plan *a)
{
    const struct box_net *net = box->net;
    uint8_t gw4[4], gw6[16];
    size_t len = 0, count = 0;
    char *buf;

    if (!box->net_host_if && !on_bridge(box))
        return 0;
    buf = calloc(1, BOX_NET_BATCH_MAX);
    if (!buf)
        return box__error(box, ENOMEM, "spawn: network");
    if (box->net_host_if) {
        memcpy(gw4, &box->net_host_addr, 4);
        box__nl_addr(mnl_nlmsg_put_header(buf), BOX_IF_INDEX, AF_INET,
                    (const uint8_t *)&box->net_box_addr, box->net_prefix);
    } else {
        box__subnet_host(&net->sub4, BOX_GATEWAY_INDEX, gw4);
        box__nl_addr(mnl_nlmsg_put_header(buf), BOX_IF_INDEX, AF_INET, net->addr4,
                    net->sub4.prefix);
    }
    for (unsigned int step = 0; step < 5; step++) {
        struct nlmsghdr *h = (struct nlmsghdr *)(buf + len);

        if (step == 1 && on_bridge(box) && net->sub6.family)
            box__nl_addr(mnl_nlmsg_put_header(buf + len), BOX_IF_INDEX, AF_INET6, net->addr6,
                        net->sub6.prefix);
        else if (step == 2)
            box__nl_up(mnl_nlmsg_put_header(buf + len), BOX_IF_INDEX);
        else if (step == 3)
            build_default_route(mnl_nlmsg_put_header(buf + len), BOX_IF_INDEX, AF_INET, gw4);
        else if (step == 4 && on_bridge(box) && net->sub6.family) {
            box__subnet_host(&net->sub6, BOX_GATEWAY_INDEX, gw6);
            build_default_route(mnl_nlmsg_put_header(buf + len), BOX_IF_INDEX, AF_INET6, gw6);
        } else if (step != 0)
            continue;
        h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        h->nlmsg_seq = ++count;
        len += NLMSG_ALIGN(h->nlmsg_len);
    }
    a->net_batch = buf;
    a->net_batch_len = len;
    a->net_batch_count = count;
    return 0;
}

/* The parent, while the child waits (its maps are written): the pair, the lease's new
 * owner, published ports, pasta. proc_pid: the child's number under /proc (box__proc_pid). */
int box__net_setup(box_t *box, pid_t pid, pid_t proc_pid)
{
    int r = 0;

    if (box->net_host_if || on_bridge(box))
        r = make_pair(box, pid);
    if (r == 0 && on_bridge(box))
        r = box__lease_own(box, pid);
    if (r == 0 && on_bridge(box) && box->net->n_pub)
        r = box__nat_publish(box);
    if (r == 0 && box->net && box->net->mode == BOX_NETMODE_PASTA)
        r = box__pasta_start(box, proc_pid);
    return r;
}

/* The box is gone, or its spawn failed: undo everything box__net_begin and box__net_setup
 * did (the pair goes with the box's namespace). */
void box__net_end(box_t *box)
{
    struct box_net *net = box->net;

    if (!net)
        return;
    box__pasta_stop(box);
    box__lease_release(box);
    for (size_t i = 0; i < net->n_reserve; i++)
        close(net->reserve[i]);
    net->n_reserve = 0;
    box__netfiles_remove(box);
    free(net->dir);
    net->dir = NULL;
}

/* ---- child side: only raw system calls ---- */

/* Send the prepared requests over a netlink socket of the box's own namespace and read
 * every acknowledgement; the first error the kernel reports is the result. */
long box__step_net(const struct box_plan *a, struct box_child *c)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
    size_t acks = 0;
    long fd, r;

    (void)c;
    fd = SYS3(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return fd;
    r = SYS6(SYS_sendto, fd, a->net_batch, a->net_batch_len, 0, &kernel, sizeof kernel);
    while (r >= 0 && acks < a->net_batch_count) {
        r = SYS6(SYS_recvfrom, fd, buf, sizeof buf, 0, 0, 0);
        if (r > 0)
            r = box__nl_acks(buf, (int)r, &acks);
    }
    SYS1(SYS_close, fd);
    return r < 0 ? r : 0;
}
