/* nftables for bridge networks, through libnftnl: outbound NAT (BOX_NET_NAT) and published
 * ports (box_net_publish). Each set of rules is a table of libbox's own in the inet family,
 * so that it is removed in one request, without rule handles, and never mixes with the
 * caller's rules: "libbox-BRIDGE" masquerades what leaves the bridge's subnets through any
 * other interface (removed with the bridge by the last box), "libbox-BRIDGE-N" forwards the
 * published ports to the box with lease N (removed when the box ends, or by the next box
 * on the bridge when its owner died). Ports are forwarded with DNAT in prerouting (from
 * other hosts and namespaces) and output (from the caller's own namespace, to any of its
 * local addresses). The kernel does the forwarding, so a published port costs no process,
 * no copy and keeps the client's address, which a userspace proxy would lose; it does not
 * apply to connections to 127.0.0.1 or ::1 (the kernel routes no loopback address
 * elsewhere), which is documented. While the box runs, libbox also holds a socket bound to
 * each published host port: a port in use is an error at box_spawn, and no other program
 * or box can take it later. pasta.c publishes ports of rootless boxes instead. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"

#define NFT_BUF (64 * 1024)

/* A batch of nftables requests in one buffer. */
struct nft_batch {
    char *buf;
    struct mnl_nlmsg_batch *b;
    uint32_t seq;
    unsigned int msgs; /* requests with an acknowledgement to wait for */
};

static int batch_start(struct nft_batch *nb)
{
    nb->buf = malloc(NFT_BUF);
    if (!nb->buf)
        return -ENOMEM;
    nb->b = mnl_nlmsg_batch_start(nb->buf, NFT_BUF);
    nb->seq = 1;
    nb->msgs = 0;
    nftnl_batch_begin(mnl_nlmsg_batch_current(nb->b), nb->seq++);
    mnl_nlmsg_batch_next(nb->b);
    return 0;
}

static struct nlmsghdr *batch_msg(struct nft_batch *nb, uint16_t type, uint16_t flags)
{
    nb->msgs++;
    return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(nb->b), type, NFPROTO_INET,
                                 flags | NLM_F_ACK, nb->seq++);
}

/* Close the batch, send it and read an acknowledgement per request: 0 or the first
 * error the kernel reports. */
static int batch_send(struct nft_batch *nb)
{
    char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct mnl_socket *nl;
    size_t acks = 0;
    int r = 0;

    nftnl_batch_end(mnl_nlmsg_batch_current(nb->b), nb->seq++);
    mnl_nlmsg_batch_next(nb->b);
    nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        r = -errno;
        goto out;
    }
    if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(nb->b), mnl_nlmsg_batch_size(nb->b)) < 0) {
        r = -errno;
        goto out;
    }
    while (acks < nb->msgs && r == 0) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);

        r = n < 0 ? -errno : box__nl_acks(buf, (int)n, &acks);
    }
out:
    if (nl)
        mnl_socket_close(nl);
    mnl_nlmsg_batch_stop(nb->b);
    free(nb->buf);
    return r;
}

static void add_table(struct nft_batch *nb, const char *name, uint16_t type)
{
    struct nftnl_table *t = nftnl_table_alloc();

    nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
    nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
    nftnl_table_nlmsg_build_payload(batch_msg(nb, type, type == NFT_MSG_NEWTABLE ?
                                              NLM_F_CREATE | NLM_F_EXCL : 0), t);
    nftnl_table_free(t);
    mnl_nlmsg_batch_next(nb->b);
}

static void add_chain(struct nft_batch *nb, const char *table, const char *name, int hook,
                      int prio)
{
    struct nftnl_chain *c = nftnl_chain_alloc();

    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
    nftnl_chain_nlmsg_build_payload(batch_msg(nb, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
    nftnl_chain_free(c);
    mnl_nlmsg_batch_next(nb->b);
}

/* An attribute of an nftables expression: a u32, or len bytes at data. */
struct expr_attr {
    uint16_t type;
    uint32_t u32;
    const void *data;
    uint32_t len;
};

/* Append the expression `name` with its n attributes, set in order, to rule r. */
static void add_expr(struct nftnl_rule *r, const char *name, size_t n,
                     const struct expr_attr *attrs)
{
    struct nftnl_expr *e = nftnl_expr_alloc(name);

    for (size_t i = 0; i < n; i++) {
        if (attrs[i].data)
            nftnl_expr_set(e, attrs[i].type, attrs[i].data, attrs[i].len);
        else
            nftnl_expr_set_u32(e, attrs[i].type, attrs[i].u32);
    }
    nftnl_rule_add_expr(r, e);
}

#define EXPR(r, name, ...)                                                                 \
    add_expr((r), (name), sizeof((struct expr_attr[]){ __VA_ARGS__ }) /                    \
                              sizeof(struct expr_attr),                                    \
             (struct expr_attr[]){ __VA_ARGS__ })

/* Expressions, appended to rule r. */
static void e_meta(struct nftnl_rule *r, uint32_t key)
{
    EXPR(r, "meta", { NFTNL_EXPR_META_KEY, key }, { NFTNL_EXPR_META_DREG, NFT_REG_1 });
}

static void e_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
    EXPR(r, "cmp", { NFTNL_EXPR_CMP_SREG, NFT_REG_1 }, { NFTNL_EXPR_CMP_OP, op },
         { NFTNL_EXPR_CMP_DATA, 0, data, len });
}

static void e_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
    EXPR(r, "payload", { NFTNL_EXPR_PAYLOAD_BASE, base }, { NFTNL_EXPR_PAYLOAD_OFFSET, offset },
         { NFTNL_EXPR_PAYLOAD_LEN, len }, { NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1 });
}

static void e_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
    EXPR(r, "immediate", { NFTNL_EXPR_IMM_DREG, reg }, { NFTNL_EXPR_IMM_DATA, 0, data, len });
}

static struct nftnl_rule *rule_new(const char *table, const char *chain, uint8_t nfproto)
{
    struct nftnl_rule *r = nftnl_rule_alloc();

    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
    nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
    e_meta(r, NFT_META_NFPROTO);
    e_cmp(r, NFT_CMP_EQ, &nfproto, 1);
    return r;
}

static void rule_add(struct nft_batch *nb, struct nftnl_rule *r)
{
    nftnl_rule_nlmsg_build_payload(batch_msg(nb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND),
                                   r);
    nftnl_rule_free(r);
    mnl_nlmsg_batch_next(nb->b);
}

static const char *nft_hint(int r)
{
    if (r == -EPERM)
        return " (needs CAP_NET_ADMIN in the caller's network namespace)";
    if (r == -ENOENT || r == -EOPNOTSUPP)
        return " (is the kernel's nf_tables/nft_nat support loaded?)";
    return "";
}

/* "ip saddr SUBNET oifname != BRIDGE masquerade", and the same for IPv6; forwarding on. */
int box__nat_masquerade(box_t *box)
{
    const struct box_net *net = box->net;
    char table[64], oif[IFNAMSIZ] = { 0 };
    struct nft_batch nb;
    int r;

    snprintf(table, sizeof table, "libbox-%s", net->bridge);
    strcpy(oif, net->bridge);
    if (batch_start(&nb) < 0)
        return box__error(box, ENOMEM, "net_bridge: NAT");
    add_table(&nb, table, NFT_MSG_NEWTABLE);
    add_chain(&nb, table, "postrouting", NF_INET_POST_ROUTING, 100);
    for (int v6 = 0; v6 < 2; v6++) {
        const struct box_subnet *s = v6 ? &net->sub6 : &net->sub4;
        uint8_t mask[16] = { 0 }, zero[16] = { 0 };
        uint32_t len = v6 ? 16 : 4;
        struct nftnl_rule *rule;

        if (!s->family)
            continue;
        for (unsigned int b = 0; b < s->prefix; b++)
            mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
        rule = rule_new(table, "postrouting", v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
        e_payload(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, len);
        EXPR(rule, "bitwise", { NFTNL_EXPR_BITWISE_SREG, NFT_REG_1 },
             { NFTNL_EXPR_BITWISE_DREG, NFT_REG_1 }, { NFTNL_EXPR_BITWISE_LEN, len },
             { NFTNL_EXPR_BITWISE_MASK, 0, mask, len }, { NFTNL_EXPR_BITWISE_XOR, 0, zero, len });
        e_cmp(rule, NFT_CMP_EQ, s->addr, len);
        e_meta(rule, NFT_META_OIFNAME);
        e_cmp(rule, NFT_CMP_NEQ, oif, IFNAMSIZ);
        nftnl_rule_add_expr(rule, nftnl_expr_alloc("masq"));
        rule_add(&nb, rule);
    }
    r = batch_send(&nb);
    if (r == -EEXIST) /* another box of the bridge made it */
        r = 0;
    if (r < 0)
        return box__error(box, -r, "net_bridge: nftables table inet %s%s", table, nft_hint(r));
    /* Outbound NAT means routing the bridge's traffic out of the caller's namespace. */
    r = box__write_file("/proc/sys/net/ipv4/ip_forward", "1", 1);
    if (r == 0 && net->sub6.family)
        r = box__write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1", 1);
    if (r < 0)
        return box__error(box, -r, "net_bridge: BOX_NET_NAT: turn on forwarding");
    return 0;
}

/* The published ports of the box: "th dport HOST dnat to BOX:PORT" per port and family, in
 * prerouting, and in output for local destinations ("fib daddr type local"). */
static int publish(box_t *box, bool retry)
{
    struct box_net *net = box->net;
    static const char *const chains[2] = { "prerouting", "output" };
    static const int hooks[2] = { NF_INET_PRE_ROUTING, NF_INET_LOCAL_OUT };
    char table[64];
    struct nft_batch nb;
    int r;

    snprintf(table, sizeof table, "libbox-%s-%u", net->bridge, net->index);
    if (batch_start(&nb) < 0)
        return box__error(box, ENOMEM, "net_publish");
    add_table(&nb, table, NFT_MSG_NEWTABLE);
    for (int c = 0; c < 2; c++)
        add_chain(&nb, table, chains[c], hooks[c], -100); /* NF_IP_PRI_NAT_DST */
    for (size_t i = 0; i < net->n_pub; i++) {
        const struct box_publish *p = &net->pub[i];
        uint16_t host_port = htons(p->host_port), box_port = htons(p->box_port);
        uint8_t proto = (uint8_t)p->proto;

        for (int c = 0; c < 2; c++) {
            for (int v6 = 0; v6 < 2; v6++) {
                struct nftnl_rule *rule;
                uint32_t local = RTN_LOCAL;

                if (v6 && !net->sub6.family)
                    continue;
                rule = rule_new(table, chains[c], v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
                if (c == 1) {
                    EXPR(rule, "fib", { NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR },
                         { NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE },
                         { NFTNL_EXPR_FIB_DREG, NFT_REG_1 });
                    e_cmp(rule, NFT_CMP_EQ, &local, sizeof local);
                }
                e_meta(rule, NFT_META_L4PROTO);
                e_cmp(rule, NFT_CMP_EQ, &proto, 1);
                e_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
                e_cmp(rule, NFT_CMP_EQ, &host_port, 2);
                e_imm(rule, NFT_REG_1, v6 ? net->addr6 : net->addr4, v6 ? 16 : 4);
                e_imm(rule, NFT_REG_2, &box_port, 2);
                EXPR(rule, "nat", { NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT },
                     { NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4 },
                     { NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1 },
                     { NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2 },
                     { NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED });
                rule_add(&nb, rule);
            }
        }
    }
    r = batch_send(&nb);
    if (r == -EEXIST && retry) { /* left by a box of ours that died: stale, replace it */
        box__nat_remove_box(net->bridge, net->index);
        return publish(box, false);
    }
    if (r < 0)
        return box__error(box, -r, "spawn: net_publish: nftables table inet %s%s", table,
                         nft_hint(r));
    net->nft_table = true;
    return 0;
}

int box__nat_publish(box_t *box)
{
    return publish(box, true);
}

static void remove_table(const char *table)
{
    struct nft_batch nb;

    if (batch_start(&nb) < 0)
        return;
    add_table(&nb, table, NFT_MSG_DELTABLE);
    batch_send(&nb);
}

void box__nat_remove_box(const char *bridge, uint32_t index)
{
    char table[64];

    snprintf(table, sizeof table, "libbox-%s-%u", bridge, index);
    remove_table(table);
}

void box__nat_remove_bridge(const char *bridge)
{
    char table[64];

    snprintf(table, sizeof table, "libbox-%s", bridge);
    remove_table(table);
}

/* Bind every published host port (IPv6 sockets that take IPv4 too, where the host has
 * IPv6): the error names a port in use. Held until the box ends (bridge), or until pasta
 * binds them itself (pasta.c). */
int box__ports_reserve(box_t *box)
{
    struct box_net *net = box->net;

    for (size_t i = 0; i < net->n_pub; i++) {
        const struct box_publish *p = &net->pub[i];
        int type = p->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, off = 0, fd;
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->host_port) };
        struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(p->host_port) };
        const char *proto = p->proto == IPPROTO_TCP ? "tcp" : "udp";

        fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
            if (bind(fd, (struct sockaddr *)&a6, sizeof a6) < 0) {
                int err = errno;

                close(fd);
                if (err != EADDRNOTAVAIL && err != EAFNOSUPPORT)
                    return box__error(box, err, "net_publish: host port %u/%s%s", p->host_port,
                                     proto, err == EADDRINUSE ? " is in use" : "");
                fd = -1;
            }
        }
        if (fd < 0) { /* no IPv6 here */
            fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
            if (fd < 0)
                return box__error(box, errno, "net_publish: socket");
            if (bind(fd, (struct sockaddr *)&a4, sizeof a4) < 0) {
                int err = errno;

                close(fd);
                return box__error(box, err, "net_publish: host port %u/%s%s", p->host_port,
                                 proto, err == EADDRINUSE ? " is in use" : "");
            }
        }
        net->reserve[net->n_reserve++] = fd;
    }
    return 0;
}
