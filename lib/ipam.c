/* Addresses of boxes on a bridge (box_net_bridge): subnet arithmetic, and leases recorded
 * as files in the bridge's state directory, RUNDIR/net/NETNS/BRIDGE/ (RUNDIR: see
 * box__net_dir; NETNS: the inode of the caller's network namespace, since a bridge name
 * means something only in one). Every change happens under an flock(2) on its "lock" file,
 * so boxes of any process never get the same address. A lease file "lease-N" holds host
 * number N of both subnets and names its owner by pid and start time: first the spawning
 * process, then the box's first process, so a lease outlives a caller that crashed while its
 * box runs, and a lease whose owner is gone is stale and taken back by the next box. The
 * bridge's hosts file, bind-mounted into each of its boxes, is rewritten in place (the
 * boxes hold its inode) from the leases after every change. The last box to leave removes
 * what boxes added: the bridge (when libbox made it), its NAT table and the directory. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "net.h"

/* ---- leases ---- */

/* Take the directory's lock, made if missing when `create`. Returns the locked fd (closing
 * it unlocks). The last box removes the lock file under its own lock: whoever got the lock
 * on a file that is gone by then tries again. */
int box__ipam_lock(const char *dir, bool create)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof path, "%s/lock", dir);
    for (;;) {
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);

        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX) < 0) {
            int err = errno;

            close(fd);
            if (err == EINTR)
                continue;
            return -err;
        }
        if (fstat(fd, &st) == 0 && st.st_nlink > 0)
            return fd;
        close(fd);
    }
}

/* Start time of a process, 0 if it is gone. */
static unsigned long long start_time(pid_t pid)
{
    uint64_t t = 0;

    box__proc_starttime(pid, &t);
    return t;
}

struct lease {
    uint32_t index;
    pid_t pid;
    unsigned long long start;
    char name[BOX_HOSTNAME_MAX + 1];
};

static int read_lease(int dirfd, const char *file, struct lease *l)
{
    char buf[256];
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), pid;
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return -EIO;
    buf[n] = '\0';
    l->name[0] = '\0';
    if (sscanf(buf, "%d %llu %64s", &pid, &l->start, l->name) < 2)
        return -EINVAL;
    l->pid = pid;
    return 0;
}

static int write_lease(int dirfd, uint32_t index, pid_t pid, const char *name, bool excl)
{
    char file[32], tmp[40], buf[128];
    int fd, len;

    snprintf(file, sizeof file, "lease-%u", index);
    snprintf(tmp, sizeof tmp, ".%s", file);
    len = snprintf(buf, sizeof buf, "%d %llu %s\n", (int)pid, start_time(pid), name);
    if (excl && faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return -EEXIST;
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    if (write(fd, buf, (size_t)len) != len) {
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return -EIO;
    }
    close(fd);
    return renameat(dirfd, tmp, dirfd, file) < 0 ? -errno : 0;
}

/* Every lease of the directory; stale ones (owner gone) are removed, with the nft table
 * of their published ports. Returns how many live ones went into *out (malloc'ed). */
static int scan_leases(int dirfd, const char *bridge, struct lease **out)
{
    DIR *d = fdopendir(dup(dirfd));
    struct lease *all = NULL;
    struct dirent *de;
    size_t n = 0, cap = 0;

    *out = NULL;
    if (!d)
        return -errno;
    while ((de = readdir(d))) {
        struct lease l;
        char *end;

        if (strncmp(de->d_name, "lease-", 6) != 0)
            continue;
        l.index = (uint32_t)strtoul(de->d_name + 6, &end, 10);
        if (*end || read_lease(dirfd, de->d_name, &l) < 0 || start_time(l.pid) != l.start) {
            unlinkat(dirfd, de->d_name, 0);
            box__nat_remove_box(bridge, l.index);
            continue;
        }
        if (n == cap) {
            struct lease *grown = realloc(all, (cap = cap ? 2 * cap : 16) * sizeof *all);

            if (!grown) {
                free(all);
                closedir(d);
                return -ENOMEM;
            }
            all = grown;
        }
        all[n++] = l;
    }
    closedir(d);
    *out = all;
    return (int)n;
}

static bool hostname_plain(const char *name)
{
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == '#' || *p == 0x7f)
            return false;
    return true;
}

char *box__ipam_hosts_path(const char *dir)
{
    char *p;

    return asprintf(&p, "%s/hosts", dir) < 0 ? NULL : p;
}

/* Rewrite the hosts file in place (boxes have it bind-mounted) from the live leases. */
static int write_hosts(const box_t *box, int dirfd, const struct lease *l, int n)
{
    const struct box_net *net = box->net;
    char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
    FILE *f;
    int fd = openat(dirfd, "hosts", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

    if (fd < 0)
        return -errno;
    if (ftruncate(fd, 0) < 0 || !(f = fdopen(fd, "w"))) {
        close(fd);
        return -errno;
    }
    fputs("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", f);
    for (int i = 0; i < n; i++) {
        uint8_t addr[16];

        if (!hostname_plain(l[i].name))
            continue;
        box__subnet_host(&net->sub4, l[i].index, addr);
        inet_ntop(AF_INET, addr, a4, sizeof a4);
        fprintf(f, "%s\t%s\n", a4, l[i].name);
        if (net->sub6.family) {
            box__subnet_host(&net->sub6, l[i].index, addr);
            inet_ntop(AF_INET6, addr, a6, sizeof a6);
            fprintf(f, "%s\t%s\n", a6, l[i].name);
        }
    }
    return fclose(f) == 0 ? 0 : -EIO;
}

/* The subnets every box of the bridge shares, as recorded by the first. */
static int check_subnets(box_t *box, int dirfd, bool first)
{
    const struct box_net *net = box->net;
    char want[128], have[128] = "", a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN] = "";
    int fd, len;
    ssize_t n;

    inet_ntop(AF_INET, net->sub4.addr, a4, sizeof a4);
    if (net->sub6.family)
        inet_ntop(AF_INET6, net->sub6.addr, a6, sizeof a6);
    len = snprintf(want, sizeof want, "%s/%u %s/%u\n", a4, net->sub4.prefix,
                   net->sub6.family ? a6 : "-", net->sub6.family ? net->sub6.prefix : 0);
    if (!first) {
        fd = openat(dirfd, "subnets", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        n = fd < 0 ? -1 : read(fd, have, sizeof have - 1);
        if (fd >= 0)
            close(fd);
        have[n > 0 ? n : 0] = '\0';
        if (strcmp(have, want) != 0) {
            have[strcspn(have, "\n")] = '\0';
            want[strcspn(want, "\n")] = '\0';
            return box__error(box, EINVAL, "net_bridge: bridge %s is in use with subnets "
                             "'%s', not '%s'", net->bridge, have, want);
        }
        return 0;
    }
    fd = openat(dirfd, "subnets", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || write(fd, want, (size_t)len) != len) {
        int err = fd < 0 ? errno : EIO;

        if (fd >= 0)
            close(fd);
        return box__error(box, err, "net_bridge: %s/subnets", net->bridge);
    }
    close(fd);
    return 0;
}

/* At box_spawn: a lease for the box, the bridge (made when missing) and its NAT, all under
 * the lock; *first when no other box is on the bridge. */
int box__lease_take(box_t *box, bool *first)
{
    struct box_net *net = box->net;
    _cleanup_free_ struct lease *live = NULL;
    struct stat st;
    char sub[128];
    int lock = -1, dirfd = -1, n, r;
    uint32_t index = 0;

    if (stat("/proc/self/ns/net", &st) < 0)
        return box__error(box, errno, "net_bridge: /proc/self/ns/net");
    snprintf(sub, sizeof sub, "net/%lu/%s", (unsigned long)st.st_ino, net->bridge);
    r = box__net_dir(sub, &net->dir);
    if (r == 0)
        r = box__mkdir_p(net->dir);
    if (r < 0)
        return box__error(box, -r, "net_bridge: state directory %s",
                         net->dir ? net->dir : sub);
    lock = box__ipam_lock(net->dir, true);
    if (lock < 0)
        return box__error(box, -lock, "net_bridge: lock %s/lock", net->dir);
    dirfd = open(net->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        r = box__error(box, errno, "net_bridge: %s", net->dir);
        goto out;
    }
    n = scan_leases(dirfd, net->bridge, &live);
    if (n < 0) {
        r = box__error(box, -n, "net_bridge: read leases in %s", net->dir);
        goto out;
    }
    *first = n == 0;
    if ((r = check_subnets(box, dirfd, *first)) < 0)
        goto out;
    for (uint32_t want = net->want_index ? net->want_index : BOX_GATEWAY_INDEX + 1;
         want <= box__subnet_hosts(&net->sub4) && !index; want++) {
        bool taken = false;

        for (int i = 0; i < n && !taken; i++)
            taken = live[i].index == want;
        if (!taken)
            index = want;
        else if (net->want_index)
            break;
    }
    if (!index) {
        char a[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, net->sub4.addr, a, sizeof a);
        r = net->want_index
                ? box__error(box, EADDRINUSE, "net_ip: that address is taken on bridge %s",
                            net->bridge)
                : box__error(box, EADDRNOTAVAIL, "net_bridge: no free address left in %s/%u",
                            a, net->sub4.prefix);
        goto out;
    }
    r = write_lease(dirfd, index, getpid(), box->hostname, true);
    if (r < 0) {
        r = box__error(box, -r, "net_bridge: write %s/lease-%u", net->dir, index);
        goto out;
    }
    net->index = index;
    box__subnet_host(&net->sub4, index, net->addr4);
    if (net->sub6.family)
        box__subnet_host(&net->sub6, index, net->addr6);
    {
        struct lease *grown = realloc(live, (size_t)(n + 1) * sizeof *live);

        if (!grown) {
            r = box__error(box, ENOMEM, "net_bridge");
            goto out;
        }
        live = grown;
        live[n] = (struct lease){ .index = index };
        snprintf(live[n].name, sizeof live[n].name, "%s", box->hostname);
    }
    r = write_hosts(box, dirfd, live, n + 1);
    if (r < 0) {
        r = box__error(box, -r, "net_bridge: write %s/hosts", net->dir);
        goto out;
    }
    r = box__bridge_ensure(box);
    if (r == 0 && (net->flags & BOX_NET_NAT))
        r = box__nat_masquerade(box);
out:
    if (dirfd >= 0)
        close(dirfd);
    close(lock);
    if (r < 0 && net->index)
        box__lease_release(box);
    return r;
}

/* After clone: the box's first process owns the lease from now on. */
int box__lease_own(box_t *box, pid_t pid)
{
    struct box_net *net = box->net;
    int lock, dirfd, r;

    lock = box__ipam_lock(net->dir, false);
    if (lock < 0)
        return box__error(box, -lock, "net_bridge: lock %s/lock", net->dir);
    dirfd = open(net->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    r = dirfd < 0 ? -errno : write_lease(dirfd, net->index, pid, box->hostname, false);
    if (dirfd >= 0)
        close(dirfd);
    close(lock);
    return r < 0 ? box__error(box, -r, "net_bridge: write %s/lease-%u", net->dir, net->index)
                 : 0;
}

/* At the box's end (or a failed spawn): give the lease back, remove the nft table of its
 * published ports; the last box also removes the bridge it made and the directory. Errors
 * are ignored: there is nobody to report them to, and the next box reclaims what is left. */
void box__lease_release(box_t *box)
{
    struct box_net *net = box->net;
    _cleanup_free_ struct lease *live = NULL;
    char file[32];
    int lock, dirfd, n;

    if (!net || !net->index)
        return;
    lock = box__ipam_lock(net->dir, false);
    if (lock < 0)
        goto out;
    dirfd = open(net->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        close(lock);
        goto out;
    }
    snprintf(file, sizeof file, "lease-%u", net->index);
    unlinkat(dirfd, file, 0);
    if (net->nft_table)
        box__nat_remove_box(net->bridge, net->index);
    net->nft_table = false;
    n = scan_leases(dirfd, net->bridge, &live);
    if (n > 0) {
        write_hosts(box, dirfd, live, n);
    } else if (n == 0) {
        box__bridge_remove(net->dir, net->bridge);
        box__nat_remove_bridge(net->bridge);
        unlinkat(dirfd, "hosts", 0);
        unlinkat(dirfd, "subnets", 0);
        unlinkat(dirfd, "created", 0);
        unlinkat(dirfd, "lock", 0);
        rmdir(net->dir);
        *strrchr(net->dir, '/') = '\0'; /* the namespace's directory, when empty */
        rmdir(net->dir);
    }
    close(dirfd);
    close(lock);
out:
    net->index = 0;
}
