/* Network beyond lo: a veth pair between the caller's network namespace and the box's
 * (box_net_veth), with rtnetlink built by libmnl. The parent creates the pair while the
 * child waits, with the box's end made straight in the box's namespace, and addresses and
 * raises its own end. The box's end can only be configured from inside (an interface moved
 * between namespaces loses its addresses), so the parent also builds those requests
 * (address, up, default route) and the child just sends them and reads the answers, with
 * raw system calls (the step NET). The pair goes away with the box's namespace: nothing
 * to undo on failure or at the end. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "box-private.h"
#include "child.h"
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

static bool valid_ifname(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' || name[i] == 0x7f)
            return false;
    return true;
}

BOX_API int box_net_veth(box_t *box, const char *host_if, const char *host_addr,
                         const char *box_addr, unsigned int prefix)
{
    int r = box__check_configurable(box, "net_veth");
    uint32_t h, b, mask;

    if (r < 0)
        return r;
    if (!valid_ifname(host_if))
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

/* Send one request and wait for its acknowledgement: 0 or the kernel's -errno. */
static int talk(struct mnl_socket *nl, struct nlmsghdr *req)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
    ssize_t n;

    req->nlmsg_seq = seq;
    req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
        return -errno;
    n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0)
        return -errno;
    return mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0 ? -errno : 0;
}

/* The requests, each into a fresh header h. */
static struct ifinfomsg *build_link(struct nlmsghdr *h, uint16_t flags, int index)
{
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);

    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_flags = flags;
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return ifi;
}

static void build_up(struct nlmsghdr *h, int index)
{
    struct ifinfomsg *ifi = build_link(h, 0, index);

    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
}

static void build_addr(struct nlmsghdr *h, int index, uint32_t addr, unsigned int prefix)
{
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);

    h->nlmsg_type = RTM_NEWADDR;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = (unsigned int)index;
    mnl_attr_put_u32(h, IFA_LOCAL, addr);
    mnl_attr_put_u32(h, IFA_ADDRESS, addr);
}

static void build_default_route(struct nlmsghdr *h, int index, uint32_t gateway)
{
    struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);

    h->nlmsg_type = RTM_NEWROUTE;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    rt->rtm_family = AF_INET;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(h, RTA_GATEWAY, gateway);
    mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
}

/* The pair, the box's end named eth0 with index 2, made straight in the box's namespace. */
static void build_pair(struct nlmsghdr *h, const char *host_if, pid_t pid)
{
    struct nlattr *info, *data, *peer;
    struct ifinfomsg *pifi;

    build_link(h, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(h, IFLA_IFNAME, host_if);
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

/* The parent, while the child waits: the pair and the caller's end, addressed and up. */
int box__net_setup(box_t *box, pid_t pid)
{
    char buf[MNL_SOCKET_BUFFER_SIZE], host[INET_ADDRSTRLEN];
    struct mnl_socket *nl;
    struct nlmsghdr *h;
    int r, index;

    if (!box->net_host_if)
        return 0;
    inet_ntop(AF_INET, &box->net_host_addr, host, sizeof host);
    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        r = box__error(box, errno, "spawn: net_veth: netlink socket");
        goto out;
    }
    build_pair(h = mnl_nlmsg_put_header(buf), box->net_host_if, pid);
    if ((r = talk(nl, h)) < 0) {
        r = box__error(box, -r, "spawn: net_veth: create %s <-> " BOX_IF "%s", box->net_host_if,
                      r == -EPERM ? " (needs CAP_NET_ADMIN in the caller's network "
                      "namespace: root)" : "");
        goto out;
    }
    index = (int)if_nametoindex(box->net_host_if);
    if (index == 0) {
        r = box__error(box, errno, "spawn: net_veth: %s", box->net_host_if);
        goto out;
    }
    build_addr(h = mnl_nlmsg_put_header(buf), index, box->net_host_addr, box->net_prefix);
    if ((r = talk(nl, h)) == 0) {
        build_up(h = mnl_nlmsg_put_header(buf), index);
        r = talk(nl, h);
    }
    if (r < 0)
        r = box__error(box, -r, "spawn: net_veth: %s/%u on %s", host, box->net_prefix,
                      box->net_host_if);
out:
    if (nl)
        mnl_socket_close(nl);
    return r;
}

/* What the child sends for its end, eth0, from inside: its address, up, a default route
 * via the caller's end; one buffer, the requests back to back, each acknowledged. */
int box__net_prepare(box_t *box, struct box_plan *a)
{
    size_t len = 0;
    char *buf;

    if (!box->net_host_if)
        return 0;
    buf = calloc(1, BOX_NET_BATCH_MAX);
    if (!buf)
        return box__error(box, ENOMEM, "spawn: net_veth");
    for (uint32_t i = 0; i < 3; i++) {
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf + len);

        if (i == 0)
            build_addr(h, BOX_IF_INDEX, box->net_box_addr, box->net_prefix);
        else if (i == 1)
            build_up(h, BOX_IF_INDEX);
        else
            build_default_route(h, BOX_IF_INDEX, box->net_host_addr);
        h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        h->nlmsg_seq = i + 1;
        len += NLMSG_ALIGN(h->nlmsg_len);
    }
    a->net_batch = buf;
    a->net_batch_len = len;
    a->net_batch_count = 3;
    return 0;
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
        int len;

        r = SYS6(SYS_recvfrom, fd, buf, sizeof buf, 0, 0, 0);
        len = (int)r;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; r > 0 && NLMSG_OK(h, (unsigned)len);
             h = NLMSG_NEXT(h, len)) {
            const struct nlmsgerr *err = NLMSG_DATA(h);

            if (h->nlmsg_type != NLMSG_ERROR)
                continue;
            if (err->error < 0) {
                r = err->error;
                break;
            }
            acks++;
        }
    }
    SYS1(SYS_close, fd);
    return r < 0 ? r : 0;
}
