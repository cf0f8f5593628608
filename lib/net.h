/* The interface between the network modules: net.c (rtnetlink, the veth pair, the
 * parent's hooks), ipam.c (subnets and address leases), bridge.c (the bridge), nat.c
 * (nftables: masquerade and published ports), pasta.c (rootless, through pasta) and
 * netfiles.c (the box's /etc/hosts, /etc/resolv.conf and /etc/hostname), at the bottom
 * subnet.c (address arithmetic) and rtnl.c (rtnetlink, the run directory). Not installed. */
#ifndef LIBBOX_NET_H
#define LIBBOX_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "box-private.h"

struct nlmsghdr;
struct mnl_socket;

enum box_net_mode { BOX_NETMODE_NONE, BOX_NETMODE_BRIDGE, BOX_NETMODE_PASTA };

/* An IPv4 or IPv6 subnet; addr in network order with the host bits clear. */
struct box_subnet {
    int family; /* AF_INET, AF_INET6 */
    uint8_t addr[16];
    unsigned int prefix;
};

struct box_publish {
    int proto; /* IPPROTO_TCP, IPPROTO_UDP */
    uint16_t host_port, box_port;
};

/* box_net_bridge's defaults (box.h) */
#define BOX_NET_BRIDGE_DEFAULT "libbox0"
#define BOX_NET_SUBNET4_DEFAULT "10.88.0.0/16"
#define BOX_NET_SUBNET6_DEFAULT "fd00:88::/64"

#define BOX_PUBLISH_MAX 32
#define BOX_GATEWAY_INDEX 1 /* the bridge's own address is host 1 of each subnet */

struct box_net {
    enum box_net_mode mode;
    unsigned int flags;             /* BOX_NET_* */
    char bridge[IFNAMSIZ];
    struct box_subnet sub4, sub6;   /* sub6.family 0: IPv4 only */
    uint32_t want_index;            /* box_net_ip, else 0 */
    struct box_publish pub[BOX_PUBLISH_MAX];
    size_t n_pub;

    /* from box_spawn to the box's end */
    char *dir;            /* the bridge's state directory (ipam.c) */
    uint32_t index;       /* our lease (host number in the subnets), 0: none */
    uint8_t addr4[4], addr6[16];
    int reserve[2 * BOX_PUBLISH_MAX]; /* sockets holding the published host ports */
    size_t n_reserve;
    bool nft_table;       /* nat.c: our table of published ports exists */
    char *files_dir;      /* netfiles.c: the box's hostname and resolv.conf, or NULL */
    size_t mounts_added;  /* binds netfiles.c appended to box->mounts (taken off again) */
    pid_t pasta_pid;      /* pasta.c, or -1 */
    int pasta_pidfd;
};

/* net.c: rtnetlink through libmnl */
struct mnl_socket *box__nl_open(void);
int box__nl_talk(struct mnl_socket *nl, struct nlmsghdr *req);
void box__nl_addr(struct nlmsghdr *h, int index, int family, const uint8_t *addr,
                 unsigned int prefix);
void box__nl_up(struct nlmsghdr *h, int index);
struct ifinfomsg *box__nl_link(struct nlmsghdr *h, uint16_t flags, int index);
bool box__ifname_valid(const char *name);
/* Count the acknowledgements among `len` bytes of netlink replies into *acks: 0, or the
 * first error a reply carries. Only pure macros: the box's child uses it too. */
int box__nl_acks(const void *buf, int len, size_t *acks);
int box__net_dir(const char *sub, char **out); /* libbox's run directory + "/" + sub */
int box__mkdir_p(const char *path);

/* subnet.c: pure helpers (unit-tested) */
int box__subnet_parse(const char *text, int family, struct box_subnet *out);
uint32_t box__subnet_hosts(const struct box_subnet *s); /* usable host numbers: 1..n */
void box__subnet_host(const struct box_subnet *s, uint32_t index, uint8_t *out);
int box__subnet_index(const struct box_subnet *s, const char *addr, uint32_t *out);
int box__publish_parse(const char *spec, struct box_publish *out);
/* ipam.c: leases in the bridge's state directory, under its lock */
int box__ipam_lock(const char *dir, bool create);
int box__lease_take(box_t *box, bool *first);
int box__lease_own(box_t *box, pid_t pid);
void box__lease_release(box_t *box);
char *box__ipam_hosts_path(const char *dir);

/* bridge.c */
int box__bridge_ensure(box_t *box);
void box__bridge_remove(const char *dir, const char *bridge);

/* nat.c */
int box__nat_masquerade(box_t *box);
int box__nat_publish(box_t *box);
void box__nat_remove_box(const char *bridge, uint32_t index);
void box__nat_remove_bridge(const char *bridge);
int box__ports_reserve(box_t *box);

/* pasta.c */
int box__pasta_check(box_t *box);
int box__pasta_start(box_t *box, pid_t pid);
void box__pasta_stop(box_t *box);

/* netfiles.c */
int box__netfiles_prepare(box_t *box);
void box__netfiles_remove(box_t *box);

#endif
