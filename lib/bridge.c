/* The bridge of box_net_bridge, in the caller's network namespace: made by the first box
 * when it does not exist (then marked "created" in its state directory, so that the last
 * box removes it again), given the gateway addresses (host 1 of each subnet, which the
 * boxes route through) and brought up. A bridge the caller made stays, with any address it
 * had; libbox adds its gateway addresses to it when missing and leaves them there (they
 * may be the caller's own). Called by ipam.c under the bridge's lock. */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <sys/stat.h>

#include "net.h"

static int make_bridge(struct mnl_socket *nl, const char *name)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
    struct nlattr *info;

    box__nl_link(h, NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(h, IFLA_IFNAME, name);
    info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(h, info);
    return box__nl_talk(nl, h);
}

int box__bridge_ensure(box_t *box)
{
    struct box_net *net = box->net;
    char buf[MNL_SOCKET_BUFFER_SIZE], marker[4096];
    struct mnl_socket *nl = box__nl_open();
    struct nlmsghdr *h;
    uint8_t gw[16];
    int r, index;

    if (!nl)
        return box__error(box, errno, "net_bridge: netlink socket");
    r = make_bridge(nl, net->bridge);
    if (r == 0) {
        int fd;

        snprintf(marker, sizeof marker, "%s/created", net->dir);
        fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            r = box__error(box, errno, "net_bridge: %s", marker);
            goto out;
        }
        close(fd);
    } else if (r != -EEXIST) {
        r = box__error(box, -r, "net_bridge: create bridge %s%s", net->bridge,
                      r == -EPERM ? " (needs CAP_NET_ADMIN in the caller's network namespace: "
                      "root, or a caller in a network namespace of its own; box_net_pasta "
                      "works without)" : "");
        goto out;
    }
    index = (int)if_nametoindex(net->bridge);
    if (index == 0) {
        r = box__error(box, errno, "net_bridge: %s", net->bridge);
        goto out;
    }
    for (int v6 = 0; v6 < 2; v6++) {
        const struct box_subnet *s = v6 ? &net->sub6 : &net->sub4;

        if (!s->family)
            continue;
        box__subnet_host(s, BOX_GATEWAY_INDEX, gw);
        box__nl_addr(h = mnl_nlmsg_put_header(buf), index, s->family, gw, s->prefix);
        r = box__nl_talk(nl, h);
        if (r < 0 && r != -EEXIST) {
            r = box__error(box, -r, "net_bridge: gateway address of %s (IPv%d)", net->bridge,
                          v6 ? 6 : 4);
            goto out;
        }
    }
    box__nl_up(h = mnl_nlmsg_put_header(buf), index);
    r = box__nl_talk(nl, h);
    if (r < 0)
        r = box__error(box, -r, "net_bridge: bring up %s", net->bridge);
out:
    mnl_socket_close(nl);
    return r;
}

/* The last box is gone: remove the bridge if a box made it. */
void box__bridge_remove(const char *dir, const char *bridge)
{
    char buf[MNL_SOCKET_BUFFER_SIZE], marker[4096];
    struct mnl_socket *nl;
    struct nlmsghdr *h;
    struct stat st;

    snprintf(marker, sizeof marker, "%s/created", dir);
    if (lstat(marker, &st) < 0 || !(nl = box__nl_open()))
        return;
    h = mnl_nlmsg_put_header(buf);
    box__nl_link(h, 0, 0)->ifi_index = 0;
    h->nlmsg_type = RTM_DELLINK;
    mnl_attr_put_strz(h, IFLA_IFNAME, bridge);
    box__nl_talk(nl, h);
    mnl_socket_close(nl);
}
