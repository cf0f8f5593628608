/* The bottom of the network modules (net.h): rtnetlink requests built with libmnl (links,
 * addresses) and sent on a socket of the caller's namespace, interface name checks, and
 * libbox's run directory, where the leases (ipam.c) and the boxes' name files (netfiles.c)
 * live. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

int box__nl_acks(const void *buf, int len, size_t *acks)
{
    for (const struct nlmsghdr *h = buf; NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len)) {
        const struct nlmsgerr *err = NLMSG_DATA(h);

        if (h->nlmsg_type != NLMSG_ERROR)
            continue;
        if (err->error < 0)
            return err->error;
        (*acks)++;
    }
    return 0;
}

bool box__ifname_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' || name[i] == 0x7f)
            return false;
    return true;
}

/* libbox's run directory + "/" + sub: $LIBBOX_RUN_DIR, else /run/libbox for root, else
 * $XDG_RUNTIME_DIR/libbox, else /tmp/libbox-UID (which must be the caller's own). */
int box__net_dir(const char *sub, char **out)
{
    const char *env = getenv("LIBBOX_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
    char base[4096];
    struct stat st;

    *out = NULL;
    if (env && env[0])
        snprintf(base, sizeof base, "%s", env);
    else if (geteuid() == 0 && access("/run", W_OK) == 0)
        snprintf(base, sizeof base, "/run/libbox");
    else if (xdg && xdg[0] == '/')
        snprintf(base, sizeof base, "%s/libbox", xdg);
    else {
        snprintf(base, sizeof base, "/tmp/libbox-%u", (unsigned)geteuid());
        if (mkdir(base, 0755) < 0 && errno != EEXIST)
            return -errno;
        if (lstat(base, &st) < 0)
            return -errno;
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            return -EPERM; /* someone else's: do not use it */
    }
    return asprintf(out, "%s/%s", base, sub) < 0 ? -ENOMEM : 0;
}

struct mnl_socket *box__nl_open(void)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

    if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;

        mnl_socket_close(nl);
        errno = err;
        return NULL;
    }
    return nl;
}

/* Send one request and wait for its acknowledgement: 0 or the kernel's -errno. */
int box__nl_talk(struct mnl_socket *nl, struct nlmsghdr *req)
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
struct ifinfomsg *box__nl_link(struct nlmsghdr *h, uint16_t flags, int index)
{
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);

    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_flags = flags;
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return ifi;
}

void box__nl_up(struct nlmsghdr *h, int index)
{
    struct ifinfomsg *ifi = box__nl_link(h, 0, index);

    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
}

/* An address; IPv6 ones skip duplicate address detection (IFA_F_NODAD): the subnet's
 * addresses are handed out by the leases, and a tentative address would make the box's
 * first connections fail for a second or two. */
void box__nl_addr(struct nlmsghdr *h, int index, int family, const uint8_t *addr,
                 unsigned int prefix)
{
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
    size_t len = family == AF_INET ? 4 : 16;

    h->nlmsg_type = RTM_NEWADDR;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    ifa->ifa_family = (unsigned char)family;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = (unsigned int)index;
    mnl_attr_put(h, IFA_LOCAL, len, addr);
    mnl_attr_put(h, IFA_ADDRESS, len, addr);
    if (family == AF_INET6) {
        ifa->ifa_flags = IFA_F_NODAD;
        mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
    }
}

int box__mkdir_p(const char *path)
{
    char buf[4096];

    if (strlen(path) >= sizeof buf)
        return -ENAMETOOLONG;
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}
