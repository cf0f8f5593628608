/* Overlay mounts: a stack of read-only lower layers with a writable upper layer on top, as
 * the box's root (box_set_root_overlay) or at any target (box_mount_overlay). The parent
 * validates and records the layers; the child opens them while host paths still resolve,
 * then builds the overlay with fsopen("overlay") and fsconfig, one layer at a time.
 *
 * Layers are handed to the kernel as file descriptors (FSCONFIG_SET_FD, Linux 6.13), so a
 * layer path hidden by a mount the child makes later (the scratch tmpfs below) is still the
 * layer the caller named. Older kernels get "/proc/self/fd/N" strings: "lowerdir+" one
 * layer at a time (Linux 6.8), else one "lowerdir=" list, which fsconfig caps at 255 bytes.
 *
 * Ephemeral upper layers (no upper/work given) live in one "scratch" tmpfs that the child
 * makes in its own mount namespace and attaches at the base directory, where the new root is
 * stacked on top of it: it is never visible on the host, and it vanishes with the box's
 * mount namespace, so nothing is left to clean up.
 *
 * In a user namespace the kernel lets overlay use only user.overlay.* xattrs ("userxattr",
 * Linux 5.11); trusted.* needs CAP_SYS_ADMIN over the host. A box with BOX_NS_USER therefore
 * always mounts with userxattr. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

static int check_dir(box_t *box, const char *what, const char *role, const char *path,
                     struct stat *st, char **out)
{
    int r;

    if (!path || path[0] != '/')
        return box__error(box, EINVAL, "%s: %s '%s' is not an absolute path", what, role,
                         path ? path : "(null)");
    if (stat(path, st) < 0)
        return box__error(box, errno, "%s: %s %s", what, role, path);
    if (!S_ISDIR(st->st_mode))
        return box__error(box, ENOTDIR, "%s: %s %s", what, role, path);
    r = box__normalize_path(path, out);
    if (r < 0)
        return box__error(box, -r, "%s: %s %s", what, role, path);
    return 0;
}

int box__overlay_new(box_t *box, const char *what, size_t n, const char *const lowers[],
                    const char *upper, const char *work, struct box_overlay **out)
{
    struct box_overlay *ov;
    struct stat st, wst;
    int r;

    if (n == 0 || !lowers)
        return box__error(box, EINVAL, "%s: no lower layers", what);
    if (n > BOX_OVERLAY_MAX_LAYERS)
        return box__error(box, E2BIG, "%s: %zu lower layers, the kernel stacks at most %d",
                         what, n, BOX_OVERLAY_MAX_LAYERS);
    if (!upper != !work)
        return box__error(box, EINVAL, "%s: give both an upper and a work directory, or "
                         "neither (an ephemeral upper layer)", what);
    ov = calloc(1, sizeof *ov);
    if (!ov || !(ov->lowers = calloc(n, sizeof *ov->lowers))) {
        free(ov);
        return box__error(box, ENOMEM, "%s", what);
    }
    for (; ov->n_lowers < n; ov->n_lowers++) {
        r = check_dir(box, what, "lower layer", lowers[ov->n_lowers], &st,
                      &ov->lowers[ov->n_lowers]);
        if (r < 0)
            goto fail;
    }
    if (upper) {
        if ((r = check_dir(box, what, "upper dir", upper, &st, &ov->upper)) < 0 ||
            (r = check_dir(box, what, "work dir", work, &wst, &ov->work)) < 0)
            goto fail;
        if (st.st_dev != wst.st_dev) {
            r = box__error(box, EXDEV, "%s: upper dir %s and work dir %s must be on the same "
                          "file system", what, upper, work);
            goto fail;
        }
        if (strcmp(ov->upper, ov->work) == 0) {
            r = box__error(box, EINVAL, "%s: upper and work dir are the same (%s)", what,
                          upper);
            goto fail;
        }
    }
    *out = ov;
    return 0;
fail:
    box__overlay_free(ov);
    return r;
}

BOX_API int box_set_root_overlay(box_t *box, size_t n, const char *const lowers[],
                                 const char *upper, const char *work, unsigned int flags)
{
    int r = box__check_configurable(box, "set_root_overlay");
    struct box_overlay *ov;

    if (r < 0)
        return r;
    if (flags & ~BOX_ROOT_READONLY)
        return box__error(box, EINVAL, "set_root_overlay: unknown flags 0x%x", flags);
    r = box__overlay_new(box, "set_root_overlay", n, lowers, upper, work, &ov);
    if (r < 0)
        return r;
    box__overlay_free(box->root_overlay);
    free(box->root);
    box->root = NULL;
    box->root_overlay = ov;
    box->root_flags = flags;
    return 0;
}

BOX_API int box_mount_overlay(box_t *box, const char *target, size_t n,
                              const char *const lowers[], const char *upper, const char *work,
                              unsigned int flags)
{
    int r = box__check_configurable(box, "mount_overlay");
    struct box_overlay *ov;

    if (r < 0)
        return r;
    if (flags & ~(BOX_MOUNT_RO | BOX_MOUNT_DEVICES | BOX_MOUNT_EXEC_OFF | BOX_MOUNT_NOFOLLOW))
        return box__error(box, EINVAL, "mount_overlay: unknown flags 0x%x",
                         flags & ~(BOX_MOUNT_RO | BOX_MOUNT_DEVICES | BOX_MOUNT_EXEC_OFF |
                                   BOX_MOUNT_NOFOLLOW));
    r = box__overlay_new(box, "mount_overlay", n, lowers, upper, work, &ov);
    if (r < 0)
        return r;
    r = box__mount_add_holding(box, BOX_MOUNT_OVERLAY, NULL, target, flags, -1, ov);
    if (r < 0)
        box__overlay_free(ov);
    return r;
}

size_t box__overlay_fd_slots(const box_t *box)
{
    size_t n = box->root_overlay ? box->root_overlay->n_lowers + 2 : 0;

    for (size_t i = 0; i < box->n_mounts; i++)
        if (box->mounts[i].overlay)
            n += box->mounts[i].overlay->n_lowers + 2;
    return n;
}

/* ---- child side: only raw system calls from here on ---- */

static size_t put_str(char *buf, size_t at, size_t size, const char *s)
{
    for (; *s && at + 1 < size; s++)
        buf[at++] = *s;
    buf[at < size ? at : size - 1] = '\0';
    return at;
}

static size_t put_fd_path(char *buf, size_t at, size_t size, long fd)
{
    char digits[21];

    at = put_str(buf, at, size, "/proc/self/fd/");
    box__fmt_ulong(digits, (unsigned long)fd);
    return put_str(buf, at, size, digits);
}

/* Give one layer to the overlay's fs context: as an fd, else as a /proc/self/fd path. */
static long set_layer(long fs, const char *key, long fd)
{
    char path[32];
    long r = SYS5(SYS_fsconfig, fs, FSCONFIG_SET_FD, key, 0, fd);

    if (r != -EINVAL)
        return r;
    put_fd_path(path, 0, sizeof path, fd);
    return SYS5(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, path, 0);
}

/* Open the layers of one overlay into fds[0..n+1] (lowers, then upper and work). */
static long open_layers(const struct box_overlay *ov, int *fds, int index,
                        struct box_child_error *e)
{
    for (size_t i = 0; i < ov->n_lowers + 2; i++) {
        const char *path = i < ov->n_lowers ? ov->lowers[i]
                           : i == ov->n_lowers ? ov->upper : ov->work;
        long fd;

        if (!path)
            continue;
        fd = SYS4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
            return box__child_fail(e, index, path, fd);
        fds[i] = (int)fd;
    }
    return 0;
}

/* An ephemeral upper and work dir, "N/u" and "N/w" in the scratch tmpfs. */
static long make_ephemeral(long scratch, int slot, int *fds, size_t n, int index,
                           struct box_child_error *e)
{
    char dir[16];
    long d, r;

    put_fd_path(dir, 0, sizeof dir, slot); /* a unique name; only the digits matter */
    r = SYS3(SYS_mkdirat, scratch, dir + 14, 0755);
    d = r < 0 ? r : SYS4(SYS_openat, scratch, dir + 14, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (d < 0)
        return box__child_fail(e, index, "ephemeral upper layer", d);
    for (int k = 0; k < 2 && r >= 0; k++) {
        const char *name = k ? "w" : "u";

        r = SYS3(SYS_mkdirat, d, name, 0755);
        if (r >= 0 && (r = SYS4(SYS_openat, d, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) >= 0)
            fds[n + (size_t)k] = (int)r;
    }
    SYS1(SYS_close, d);
    return r < 0 ? box__child_fail(e, index, "ephemeral upper layer", r) : 0;
}

/* Where "lowerdir+" is missing (before Linux 6.8): all lowers in one "lowerdir=" string,
 * topmost first, which fsconfig takes only up to 255 bytes. */
static long set_lower_list(long fs, const struct box_overlay *ov, const int *fds)
{
    char list[256];
    size_t at = 0;

    for (size_t i = ov->n_lowers; i-- > 0;) {
        if (at)
            at = put_str(list, at, sizeof list, ":");
        at = put_fd_path(list, at, sizeof list, fds[i]);
        if (at + 1 >= sizeof list)
            return -E2BIG;
    }
    return SYS5(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", list, 0);
}

static long make_overlay(const struct box_overlay *ov, const int *fds, bool userxattr,
                         uint64_t attr, int index, struct box_child_error *e)
{
    long fs = SYS2(SYS_fsopen, "overlay", FSOPEN_CLOEXEC), r = 0, m;
    const char *what = "overlay";

    if (fs < 0)
        return box__child_fail(e, index, "overlay (fsopen)", fs);
    /* lowers[0] is the bottom layer; each "lowerdir+" goes below the ones before it. */
    for (size_t i = ov->n_lowers; i-- > 0 && r >= 0;) {
        r = set_layer(fs, "lowerdir+", fds[i]);
        what = ov->lowers[i];
        if (r == -EINVAL && i == ov->n_lowers - 1) {
            r = set_lower_list(fs, ov, fds);
            what = r == -E2BIG ? "overlay: too many layers for one lowerdir list; this "
                                 "kernel lacks lowerdir+ (Linux 6.8)"
                               : "overlay lowerdir";
            break;
        }
    }
    if (r >= 0 && (r = set_layer(fs, "upperdir", fds[ov->n_lowers])) < 0)
        what = ov->upper ? ov->upper : "overlay: ephemeral upper dir";
    if (r >= 0 && (r = set_layer(fs, "workdir", fds[ov->n_lowers + 1])) < 0)
        what = ov->work ? ov->work : "overlay: ephemeral work dir";
    if (r >= 0 && userxattr &&
        (r = SYS5(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", 0, 0)) < 0)
        what = "overlay: userxattr (needs Linux 5.11)";
    if (r >= 0 && (r = SYS5(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0)) < 0)
        what = "overlay (create)";
    if (r < 0) {
        SYS1(SYS_close, fs);
        return box__child_fail(e, index, what, r);
    }
    m = SYS3(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
    SYS1(SYS_close, fs);
    return m < 0 ? box__child_fail(e, index, "overlay (fsmount)", m) : m;
}

/* The step OVERLAY: open every overlay's layers while host paths still resolve, then make
 * each overlay as a detached mount (the root's into c->root_fd, the others' into a->trees,
 * attached by the step MOUNT like a bind). */
long box__step_overlay(const struct box_plan *a, struct box_child *c)
{
    static const char *const scratch_opts[] = { "mode", "0700", NULL };
    struct box_child_error *e = &c->e;
    bool userxattr = a->overlay_userxattr, ephemeral = false;
    long scratch = -1, r = 0;
    size_t at = 0, n_ov = a->n_mounts + 1;
    int *fds = a->overlay_fds;

    /* Pass 1: open every layer while the host's paths are as the caller saw them. */
    for (size_t k = 0; k < n_ov; k++) {
        const struct box_overlay *ov = k == 0 ? a->root_overlay : a->mounts[k - 1].overlay;

        if (!ov)
            continue;
        if ((r = open_layers(ov, fds + at, (int)k - 1, e)) < 0)
            return r;
        ephemeral |= !ov->upper;
        at += ov->n_lowers + 2;
    }
    if (ephemeral) {
        scratch = box__new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, scratch_opts);
        /* The kernel wants overlay layers on mounts of our namespace: attach it. */
        r = scratch < 0 ? scratch : SYS5(SYS_move_mount, scratch, "", AT_FDCWD, a->base,
                                         MOVE_MOUNT_F_EMPTY_PATH);
        if (r < 0)
            return box__child_fail(e, -1, "overlay: scratch tmpfs", r);
    }
    /* Pass 2: make each overlay as a detached mount. */
    at = 0;
    for (size_t k = 0; k < n_ov && r >= 0; k++) {
        const struct box_overlay *ov = k == 0 ? a->root_overlay : a->mounts[k - 1].overlay;
        int idx = (int)k - 1;
        uint64_t attr = MOUNT_ATTR_NOSUID;
        long m;

        if (!ov)
            continue;
        if (k > 0) {
            unsigned int fl = a->mounts[k - 1].flags;

            attr |= (fl & BOX_MOUNT_DEVICES) ? 0 : MOUNT_ATTR_NODEV;
            attr |= (fl & BOX_MOUNT_RO) ? MOUNT_ATTR_RDONLY : 0;
            attr |= (fl & BOX_MOUNT_EXEC_OFF) ? MOUNT_ATTR_NOEXEC : 0;
        } else {
            attr |= MOUNT_ATTR_NODEV;
        }
        if (!ov->upper && (r = make_ephemeral(scratch, (int)k, fds + at, ov->n_lowers, idx,
                                              e)) < 0)
            break;
        m = make_overlay(ov, fds + at, userxattr, attr, idx, e);
        for (size_t i = 0; i < ov->n_lowers + 2; i++) {
            SYS1(SYS_close, fds[at + i]);
            fds[at + i] = -1;
        }
        if (m < 0) {
            r = m;
            break;
        }
        if (k == 0)
            c->root_fd = m;
        else
            a->trees[k - 1][0] = (int)m;
        at += ov->n_lowers + 2;
    }
    if (scratch >= 0)
        SYS1(SYS_close, scratch);
    return r;
}
