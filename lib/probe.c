/* box_probe: what this kernel and this caller can do, and the hint that turns a bare
 * "Permission denied" from namespace creation into its cause and its fix. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "cgroup.h"

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static box_features_t features;
static char userns_hint[sizeof features.userns_why + 4];

static int read_int(const char *path, int *out)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    *out = atoi(buf);
    return 0;
}

static int userns_child(void *arg)
{
    (void)arg;
    return 0;
}

/* Can we make a user namespace, and are we root in it (AppArmor may let us create one and
 * then deny every capability in it)? Try it: a CLONE_VM|CLONE_VFORK child costs little. */
static void probe_userns(box_features_t *f)
{
    int v = -1;
    size_t size = 64 * 1024;
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t pid;

    f->userns = 0;
    if (stack == MAP_FAILED) {
        snprintf(f->userns_why, sizeof f->userns_why, "cannot probe: out of memory");
        return;
    }
    pid = clone(userns_child, (char *)stack + size, CLONE_NEWUSER | CLONE_VM | CLONE_VFORK,
                NULL);
    if (pid > 0) {
        waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 }, WEXITED | __WALL);
        f->userns = 1;
    }
    munmap(stack, size);
    if (geteuid() == 0)
        return;
    if (read_int("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0) {
        f->userns = 0;
        snprintf(f->userns_why, sizeof f->userns_why,
                 "unprivileged user namespaces are disabled (sysctl "
                 "kernel.unprivileged_userns_clone=0); fix: sysctl -w "
                 "kernel.unprivileged_userns_clone=1, or run as root");
    } else if (read_int("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0) {
        f->userns = 0;
        snprintf(f->userns_why, sizeof f->userns_why,
                 "user namespaces are disabled (sysctl user.max_user_namespaces=0); fix: "
                 "sysctl -w user.max_user_namespaces=15000, or run as root");
    } else if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 &&
               v == 1) {
        f->userns = 0;
        snprintf(f->userns_why, sizeof f->userns_why,
                 "AppArmor restricts unprivileged user namespaces (sysctl "
                 "kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu 24.04): they "
                 "are created without capabilities; fix: an AppArmor profile with 'userns,' "
                 "for this program, or sysctl -w "
                 "kernel.apparmor_restrict_unprivileged_userns=0, or run as root");
    } else if (!f->userns) {
        snprintf(f->userns_why, sizeof f->userns_why,
                 "creating a user namespace failed: %s (a seccomp filter of an outer "
                 "container may forbid it; fix: allow clone(CLONE_NEWUSER) there, or run as "
                 "root)",
                 strerror(errno));
    }
}

static void add_word(char *list, size_t size, const char *word)
{
    size_t len = strlen(list);

    if (strstr(list, word))
        return;
    snprintf(list + len, size - len, "%s%s", len ? " " : "", word);
}

/* The cgroup layout from /proc/self/cgroup (parsed by cgroup-discover.c) and which
 * controllers this caller may write. */
static void probe_cgroups(box_features_t *f)
{
    char *text, ctrls[512], rel[4096], path[PATH_MAX + 64], list[512];

    if (box_cg_read_alloc("/proc/self/cgroup", &text) < 0)
        return;
    for (const char *pos = text; box_cg_next_line(&pos, ctrls, sizeof ctrls, rel, sizeof rel);) {
        if (ctrls[0] == '\0') {
            struct stat st;

            snprintf(path, sizeof path, "/sys/fs/cgroup/unified%s", rel);
            if (stat(path, &st) != 0)
                snprintf(path, sizeof path, "/sys/fs/cgroup%s", rel);
            if (stat(path, &st) == 0 && strlen(path) < sizeof f->cgroup_v2_path)
                memcpy(f->cgroup_v2_path, path, strlen(path) + 1);
        } else if (strncmp(ctrls, "name=", 5) != 0) {
            char *save = NULL;

            for (char *c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", c, rel);
                if (access(path, W_OK) == 0)
                    add_word(f->cgroup_controllers, sizeof f->cgroup_controllers, c);
            }
        }
    }
    f->cgroup_layout = box_cg_layout(text);
    free(text);
    /* the v2 line counts only when its directory is there */
    if (!f->cgroup_v2_path[0])
        f->cgroup_layout = f->cgroup_layout == BOX_CGROUP_HYBRID ? BOX_CGROUP_V1
                           : f->cgroup_layout == BOX_CGROUP_V2   ? BOX_CGROUP_NONE
                                                                 : f->cgroup_layout;
    if (f->cgroup_v2_path[0] && access(f->cgroup_v2_path, W_OK) == 0 &&
        box_cg_read_at(f->cgroup_v2_path, "cgroup.controllers", list, sizeof list) == 0) {
        char *save = NULL;

        for (char *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
            add_word(f->cgroup_controllers, sizeof f->cgroup_controllers, c);
    }
}

static void probe_all(void)
{
    box_features_t *f = &features;
    int abi, fd;
    struct stat st;

    f->version = BOX_FEATURES_VERSION;
    probe_userns(f);
    probe_cgroups(f);
    abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    f->landlock_abi = abi > 0 ? abi : 0;
    {
        struct seccomp_notif_sizes sizes;

        f->seccomp_notify = syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
    }
    /* clone3 with a NULL argument fails with EFAULT or EINVAL when it exists. */
    f->clone3 = syscall(SYS_clone3, NULL, 0) < 0 && errno != ENOSYS;
    f->clone_into_cgroup = f->clone3 && f->cgroup_v2_path[0];
    fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    f->pidfd = fd >= 0;
    if (fd >= 0)
        close(fd);
    f->idmapped_mounts = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno != ENOSYS;
    f->time_ns = stat("/proc/self/ns/time", &st) == 0;
    if (!f->userns) {
        size_t len = strnlen(f->userns_why, sizeof f->userns_why - 1);

        memcpy(userns_hint, " (", 2);
        memcpy(userns_hint + 2, f->userns_why, len);
        memcpy(userns_hint + 2 + len, ")", 2);
    }
}

BOX_API int box_probe(box_features_t *out)
{
    if (!out)
        return -EINVAL;
    pthread_once(&probe_once, probe_all);
    *out = features;
    return 0;
}

/* "; <cause and fix>" when user namespaces are unusable for this caller, else "". */
const char *box__userns_hint(void)
{
    pthread_once(&probe_once, probe_all);
    return userns_hint;
}
