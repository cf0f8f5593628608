/* sysctl: the box's own values of namespaced kernel settings (box_set_sysctl).
 *
 * Only settings that live in a namespace of the box's are accepted, the list runc allows:
 *
 *   setting                                    namespace   why it is the box's own
 *   -----------------------------------------  ----------  ------------------------------
 *   net.*                                      BOX_NS_NET  per network namespace
 *   kernel.msgmax, msgmnb, msgmni, sem,        BOX_NS_IPC  SysV IPC limits of the box's
 *   shmall, shmmax, shmmni, shm_rmid_forced                IPC namespace
 *   fs.mqueue.*                                BOX_NS_IPC  POSIX message queue limits
 *   kernel.hostname, kernel.domainname         BOX_NS_UTS  the box's UTS names
 *
 * Anything else (kernel.panic, vm.*, fs.file-max, ...) is the host's, and a privileged box
 * would change it for everybody: refused at the call. A namespaced setting whose namespace
 * the box does not make would be the host's too: box_spawn refuses it.
 *
 * The child writes the values in step SYSCTL, right after its namespaces exist and eth0 is
 * configured (so that net.ipv4.conf.eth0.* can be set), before the box's mount tree is
 * built: through /proc/sys of the tree it still shares with the caller, checked to be
 * procfs. procfs looks a namespaced setting up in the namespaces of the process that opens
 * it, so the value lands in the box's, whichever procfs instance the path goes through.
 * Each file is opened below /proc/sys with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), and the names are checked in the parent (no
 * empty, "." or ".." component), so no name reaches outside /proc/sys. kernel.hostname and
 * kernel.domainname are the exception: their files belong to the host's root whatever the
 * namespace (a box with a user namespace could not write them), so sethostname(2) and
 * setdomainname(2) set them, as the files would. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "box-private.h"
#include "child.h"
#include "child-util.h"
#include "sys.h"

#define SYSCTL_VALUE_MAX 1024

static const struct {
    const char *name; /* a whole name, or a prefix ending in '.' */
    unsigned int ns;
} namespaced[] = {
    { "net.", BOX_NS_NET },
    { "kernel.msgmax", BOX_NS_IPC }, { "kernel.msgmnb", BOX_NS_IPC },
    { "kernel.msgmni", BOX_NS_IPC }, { "kernel.sem", BOX_NS_IPC },
    { "kernel.shmall", BOX_NS_IPC }, { "kernel.shmmax", BOX_NS_IPC },
    { "kernel.shmmni", BOX_NS_IPC }, { "kernel.shm_rmid_forced", BOX_NS_IPC },
    { "fs.mqueue.", BOX_NS_IPC },
    { "kernel.hostname", BOX_NS_UTS }, { "kernel.domainname", BOX_NS_UTS },
};

/* The namespace a setting (in dotted form) belongs to, or 0 for the host's. */
static unsigned int sysctl_ns(const char *dotted)
{
    for (size_t i = 0; i < sizeof namespaced / sizeof namespaced[0]; i++) {
        const char *n = namespaced[i].name;
        size_t len = strlen(n);

        if (n[len - 1] == '.' ? strncmp(dotted, n, len) == 0 && dotted[len]
                              : strcmp(dotted, n) == 0)
            return namespaced[i].ns;
    }
    return 0;
}

/* name as a path below /proc/sys (malloc'ed into *path) and in dotted form (*dotted):
 * "net.ipv4.ip_forward", or with slashes ("net/ipv4/conf/eth0.100/forwarding", where a dot
 * is part of a component). Components are non-empty, not "." or "..", and printable. */
static int parse_name(const char *name, char **path, char **dotted)
{
    bool slashes = strchr(name, '/') != NULL;
    char sep = slashes ? '/' : '.';
    size_t len = strlen(name);

    if (len == 0 || len >= sizeof ((struct box_child_error *)0)->path)
        return -EINVAL;
    for (const char *p = name, *start = name;; p++) {
        if (*p == sep || *p == '\0') {
            size_t n = (size_t)(p - start);

            if (n == 0 || (n == 1 && start[0] == '.') || (n == 2 && !strncmp(start, "..", 2)))
                return -EINVAL;
            if (*p == '\0')
                break;
            start = p + 1;
        } else if (*p <= ' ' || *p > '~') {
            return -EINVAL;
        }
    }
    if (!(*path = strdup(name)) || !(*dotted = strdup(name))) {
        free(*path);
        return -ENOMEM;
    }
    for (char *p = *path; !slashes && *p; p++)
        if (*p == '.')
            *p = '/';
    for (char *p = *dotted; slashes && *p; p++)
        if (*p == '/')
            *p = '.';
    return 0;
}

BOX_API int box_set_sysctl(box_t *box, const char *name, const char *value)
{
    int r = box__check_configurable(box, "set_sysctl");
    char *path = NULL, *dotted = NULL, *copy;
    struct box_sysctl *grown;

    if (r < 0)
        return r;
    if (!name || !value)
        return box__error(box, EINVAL, "set_sysctl: %s is NULL", name ? "value" : "name");
    if (strlen(value) > SYSCTL_VALUE_MAX)
        return box__error(box, EINVAL, "set_sysctl %s: the value is longer than %d bytes",
                          name, SYSCTL_VALUE_MAX);
    if ((r = parse_name(name, &path, &dotted)) < 0)
        return r == -ENOMEM ? box__error(box, ENOMEM, "set_sysctl")
                            : box__error(box, EINVAL, "set_sysctl: '%s' is not a sysctl name "
                                         "(dotted or with slashes; no empty, '.' or '..' "
                                         "part, printable, shorter than 256)", name);
    if (!sysctl_ns(dotted)) {
        r = box__error(box, EPERM, "set_sysctl: %s is not namespaced: it would change the "
                       "host (only net.*, kernel.msg*/sem/shm*, fs.mqueue.*, "
                       "kernel.hostname and kernel.domainname)", dotted);
        goto fail;
    }
    if (!(copy = strdup(value))) {
        r = box__error(box, ENOMEM, "set_sysctl");
        goto fail;
    }
    for (size_t i = 0; i < box->n_sysctls; i++) /* a second value replaces the first */
        if (strcmp(box->sysctls[i].path, path) == 0) {
            free(box->sysctls[i].value);
            box->sysctls[i].value = copy;
            free(path);
            free(dotted);
            return 0;
        }
    grown = realloc(box->sysctls, (box->n_sysctls + 1) * sizeof *grown);
    if (!grown) {
        free(copy);
        r = box__error(box, ENOMEM, "set_sysctl");
        goto fail;
    }
    box->sysctls = grown;
    grown[box->n_sysctls++] = (struct box_sysctl){
        .path = path, .dotted = dotted, .value = copy,
        .uts_call = !strcmp(dotted, "kernel.hostname")     ? SYS_sethostname
                    : !strcmp(dotted, "kernel.domainname") ? SYS_setdomainname : 0 };
    return 0;
fail:
    free(path);
    free(dotted);
    return r;
}

void box__sysctl_free(box_t *box)
{
    for (size_t i = 0; i < box->n_sysctls; i++) {
        free(box->sysctls[i].path);
        free(box->sysctls[i].dotted);
        free(box->sysctls[i].value);
    }
    free(box->sysctls);
    box->sysctls = NULL;
    box->n_sysctls = 0;
}

int box__sysctl_prepare(box_t *box, struct box_plan *p)
{
    static const struct { unsigned int ns; const char *name; } names[] = {
        { BOX_NS_NET, "BOX_NS_NET" }, { BOX_NS_IPC, "BOX_NS_IPC" },
        { BOX_NS_UTS, "BOX_NS_UTS" },
    };

    for (size_t i = 0; i < box->n_sysctls; i++) {
        unsigned int ns = sysctl_ns(box->sysctls[i].dotted);

        if (box->ns & ns)
            continue;
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++)
            if (names[j].ns == ns)
                return box__error(box, EINVAL, "spawn: sysctl %s needs %s (without it the "
                                  "setting is the host's)", box->sysctls[i].dotted,
                                  names[j].name);
    }
    p->sysctls = box->sysctls;
    p->n_sysctls = box->n_sysctls;
    return 0;
}

/* ---- child side: raw system calls only ---- */

long box__step_sysctl(const struct box_plan *p, struct box_child *c)
{
    struct open_how how = { .flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                       RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
    struct statfs sfs;
    long dir, fd, r = 0;

    box__strlcpy(c->e.path, "/proc/sys", sizeof c->e.path);
    dir = SYS3(SYS_openat, AT_FDCWD, "/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return dir;
    if ((r = SYS2(SYS_fstatfs, dir, &sfs)) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
        SYS1(SYS_close, dir);
        return r < 0 ? r : -ENODEV;
    }
    for (size_t i = 0; i < p->n_sysctls && r == 0; i++) {
        const struct box_sysctl *s = &p->sysctls[i];
        size_t len = __builtin_strlen(s->value);

        c->e.index = (int)i;
        box__strlcpy(c->e.path, s->dotted, sizeof c->e.path);
        if (s->uts_call) {
            r = SYS2(s->uts_call, s->value, len);
            continue;
        }
        fd = SYS4(SYS_openat2, dir, s->path, &how, sizeof how);
        if (fd < 0) {
            r = fd;
            break;
        }
        r = SYS3(SYS_write, fd, s->value, len);
        r = r < 0 ? r : (size_t)r == len ? 0 : -EIO;
        SYS1(SYS_close, fd);
    }
    SYS1(SYS_close, dir);
    return r;
}
