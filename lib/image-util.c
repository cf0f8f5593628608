/* Helpers of the image store's modules (store.c, import.c, layer.c, image.c), below them
 * all: image references, the store's error message, and removing a directory tree that
 * may hold read-only directories. (sha256 is digest.c's.) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

int box__store_error(box_store_t *s, int err, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    len = strlen(s->errmsg);
    if (err != EINVAL && len + 3 < sizeof s->errmsg)
        snprintf(s->errmsg + len, sizeof s->errmsg - len, ": %s", strerror(err));
    return -err;
}

int box__rm_rf_at(int dirfd, const char *name)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int fd, r = 0;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
    /* Our own read-only directories (a layer's, overlay's work/work at mode 0) first get
     * the write and search bits back; never through a symlink swapped in meanwhile. */
    if (fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW) < 0) {
        /* not ours to change: the open or the removal below fails and says why */
    }
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            int e = box__rm_rf_at(fd, de->d_name);

            if (e < 0 && r == 0)
                r = e;
        }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && r == 0)
        r = -errno;
    return r;
}

/* "name[:tag]" with a default tag "latest"; a name is lowercase letters, digits and
 * . _ - / (an optional registry host:port before the first '/'). */
int box__ref_parse(const char *ref, char *out, size_t size)
{
    const char *slash, *colon;
    size_t len;

    if (!ref || !ref[0])
        return -EINVAL;
    len = strlen(ref);
    slash = strrchr(ref, '/');
    colon = strrchr(ref, ':');
    if (colon && slash && colon < slash) /* a registry port, no tag */
        colon = NULL;
    if (colon && (!colon[1] || colon == ref))
        return -EINVAL;
    for (const char *p = ref; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                  *p == '_' || *p == '-' || *p == '/' || *p == ':' ||
                  (colon && p > colon && *p >= 'A' && *p <= 'Z');

        if (!ok)
            return -EINVAL;
    }
    if (ref[0] == '/' || ref[len - 1] == '/' || strstr(ref, "//") || strstr(ref, ".."))
        return -EINVAL;
    if (snprintf(out, size, "%s%s", ref, colon ? "" : ":latest") >= (int)size)
        return -ENAMETOOLONG;
    return 0;
}
