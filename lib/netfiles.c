/* The name files of a box with a network (box_net_bridge, box_net_pasta): /etc/hostname,
 * /etc/resolv.conf and /etc/hosts, made on the host and bind-mounted read-only over the
 * box's (the box's root is never written). A bridge's boxes share the bridge's hosts file
 * (ipam.c keeps it current), so that they find each other by name; a pasta box gets one of
 * its own. resolv.conf is the caller's, without nameservers on loopback addresses, which
 * mean the caller's own namespace and not the box's. The files live in a directory of
 * the box's own under libbox's run directory, removed with the box. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net.h"

static int write_text(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4096];
    int fd;
    ssize_t n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -EIO;
}

static bool loopback_server(const char *line)
{
    char addr[64];

    if (sscanf(line, " nameserver %63s", addr) != 1)
        return false;
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static char *resolv_conf(void)
{
    char *text = NULL, line[512];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len), *in;

    if (!out)
        return NULL;
    fputs("# made by libbox from the caller's resolv.conf\n", out);
    in = fopen("/etc/resolv.conf", "re");
    while (in && fgets(line, sizeof line, in))
        if (!loopback_server(line))
            fputs(line, out);
    if (in)
        fclose(in);
    return fclose(out) == 0 ? text : NULL;
}

static int bind_file(box_t *box, const char *source, const char *target)
{
    return box__mount_add(box, BOX_MOUNT_BIND, source, target, BOX_MOUNT_RO, 0, BOX_NO_MODE);
}

int box__netfiles_prepare(box_t *box)
{
    struct box_net *net = box->net;
    _cleanup_free_ char *resolv = resolv_conf(), *parent = NULL, *hosts = NULL;
    char text[BOX_HOSTNAME_MAX + 128], path[4096];
    int r, len;

    if (!resolv)
        return box__error(box, ENOMEM, "spawn: network name files");
    r = box__net_dir("boxes", &parent);
    if (r == 0)
        r = box__mkdir_p(parent);
    if (r == 0 && asprintf(&net->files_dir, "%s/XXXXXX", parent) < 0) {
        net->files_dir = NULL;
        r = -ENOMEM;
    }
    if (r == 0 && (!mkdtemp(net->files_dir) || chmod(net->files_dir, 0755) < 0))
        r = -errno;
    if (r < 0) {
        r = box__error(box, -r, "spawn: directory for the box's name files in %s",
                      parent ? parent : "libbox's run directory");
        free(net->files_dir);
        net->files_dir = NULL;
        return r;
    }
    len = snprintf(text, sizeof text, "%s\n", box->hostname);
    r = write_text(net->files_dir, "hostname", text, (size_t)len);
    if (r == 0)
        r = write_text(net->files_dir, "resolv.conf", resolv, strlen(resolv));
    if (r == 0 && net->mode == BOX_NETMODE_PASTA) {
        len = snprintf(text, sizeof text, "127.0.0.1\tlocalhost\n::1\tlocalhost "
                       "ip6-localhost ip6-loopback\n127.0.1.1\t%s\n", box->hostname);
        r = write_text(net->files_dir, "hosts", text, (size_t)len);
    }
    if (r < 0)
        return box__error(box, -r, "spawn: write the box's name files in %s", net->files_dir);
    if (!(box->ns & BOX_NS_MNT))
        return 0; /* nowhere to mount them */
    if (net->mode == BOX_NETMODE_BRIDGE)
        hosts = box__ipam_hosts_path(net->dir);
    else if (asprintf(&hosts, "%s/hosts", net->files_dir) < 0)
        hosts = NULL;
    if (!hosts)
        return box__error(box, ENOMEM, "spawn: network name files");
    if ((r = bind_file(box, hosts, "/etc/hosts")) < 0)
        return r;
    net->mounts_added++;
    snprintf(path, sizeof path, "%s/hostname", net->files_dir);
    if ((r = bind_file(box, path, "/etc/hostname")) < 0)
        return r;
    net->mounts_added++;
    snprintf(path, sizeof path, "%s/resolv.conf", net->files_dir);
    if ((r = bind_file(box, path, "/etc/resolv.conf")) < 0)
        return r;
    net->mounts_added++;
    return 0;
}

void box__netfiles_remove(box_t *box)
{
    struct box_net *net = box->net;
    static const char *const files[] = { "hostname", "resolv.conf", "hosts", "pasta.pid",
                                         "pasta.log" };
    char path[4096];

    for (; net->mounts_added > 0; net->mounts_added--)
        box__mount_free(&box->mounts[--box->n_mounts]);
    if (!net->files_dir)
        return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", net->files_dir, files[i]);
        unlink(path);
    }
    rmdir(net->files_dir);
    free(net->files_dir);
    net->files_dir = NULL;
}
