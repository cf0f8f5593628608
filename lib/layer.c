/* Layer tarballs to and from overlay directories, with libarchive.
 *
 * Unpacking: an image layer is untrusted input. Every entry's path is checked lexically
 * (relative, no ".." component) and then walked one component at a time from the layer's
 * directory with O_NOFOLLOW, so no symlink, whether in the archive or planted by an earlier
 * entry, is ever followed: an entry "through" a symlink is refused, and nothing is written
 * outside the layer directory. Hard links must name an entry of the same layer the same way.
 * OCI whiteouts become what overlayfs reads: ".wh.NAME" a character device 0/0 NAME (any
 * user may make one, Linux 5.8), ".wh..wh..opq" the opaque xattr on its directory:
 * user.overlay.opaque always (a box with a user namespace mounts with userxattr), and
 * trusted.overlay.opaque as well in a root store (boxes without one). overlay xattrs in the
 * archive itself are dropped: they would let a layer redirect lookups. A rootless store
 * keeps no ownership (everything belongs to the store's owner, whom the box maps to root),
 * refuses device nodes and keeps only user.* xattrs.
 *
 * Directories are made 0700 while the layer is unpacked (so that a read-only directory can
 * still be filled without privilege) and get their own mode and owner at the end.
 *
 * The store keys a layer by its diff_id, the sha256 of the uncompressed tar (an image's
 * config lists them), so that a layer shared by two images is unpacked once however each
 * compressed it. Unpacking computes it from the bytes the tar reader really reads: the
 * blob is decompressed by a first libarchive reader ("raw" format, every filter) whose
 * output feeds both the hash and the tar reader. An image cannot claim another layer's
 * diff_id and so plant its own content under it for later images.
 *
 * Packing (commit): the reverse, from a box's upper directory. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static int lerr(char *err, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int lerr(char *err, size_t errlen, int e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -e;
}

/* "./a//b/" -> "a/b"; "" for the root itself. -EXDEV for an absolute path or a ".."
 * component. */
static int clean_path(const char *in, char *out, size_t size)
{
    size_t o = 0;

    if (in[0] == '/')
        return -EXDEV;
    for (const char *p = in; *p;) {
        const char *c;
        size_t len;

        while (*p == '/')
            p++;
        c = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - c);
        if (len == 0 || (len == 1 && c[0] == '.'))
            continue;
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return -EXDEV;
        if (o + len + 2 > size)
            return -ENAMETOOLONG;
        if (o)
            out[o++] = '/';
        memcpy(out + o, c, len);
        o += len;
    }
    out[o] = '\0';
    return 0;
}

/* Open the directory `path` (clean, relative) below dir_fd without following any symlink,
 * creating missing components (0700) when create. Returns an O_DIRECTORY fd or -errno
 * (-ELOOP/-ENOTDIR for a symlink or non-directory on the way). */
static int walk_dir(int dir_fd, const char *path, bool create)
{
    int cur = dup(dir_fd);
    char comp[256];

    if (cur < 0)
        return -errno;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, "/");
        int next;

        if (len >= sizeof comp) {
            close(cur);
            return -ENAMETOOLONG;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        p += len;
        while (*p == '/')
            p++;
        next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(cur, comp, 0700) < 0 && errno != EEXIST) {
                int e = errno;

                close(cur);
                return -e;
            }
            next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            int e = errno;

            close(cur);
            return e == ENOTDIR ? -ELOOP : -e;
        }
        close(cur);
        cur = next;
    }
    return cur;
}

/* Split a clean path into its parent (in buf) and last component. */
static const char *split(const char *path, char *parent, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;

    if (len >= size)
        len = size - 1;
    memcpy(parent, path, len);
    parent[len] = '\0';
    return slash ? slash + 1 : path;
}

/* Remove whatever is at name (a directory too, recursively) so an entry can replace it. */
static int clear_name(int parent, const char *name, bool keep_dir)
{
    struct stat st;

    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (S_ISDIR(st.st_mode))
        return keep_dir ? 0 : box__rm_rf_at(parent, name);
    return unlinkat(parent, name, 0) < 0 ? -errno : 0;
}

static bool xattr_allowed(const char *name, bool rootless)
{
    if (strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0)
        return false;
    return !rootless || strncmp(name, "user.", 5) == 0;
}

static int set_opaque(int dir, bool rootless)
{
    if (fsetxattr(dir, "user.overlay.opaque", "y", 1, 0) < 0)
        return -errno;
    if (!rootless && fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) < 0)
        return -errno;
    return 0;
}

static int copy_data(struct archive *ar, int fd)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK) {
        const char *p = buf;

        while (len > 0) {
            ssize_t w = pwrite(fd, p, len, off);

            if (w < 0)
                return -errno;
            p += w;
            off += w;
            len -= (size_t)w;
        }
    }
    if (r != ARCHIVE_EOF)
        return -EIO;
    /* A sparse file's hole at the end: the size comes from the last offset. */
    return 0;
}

struct dirfix {
    char *path;
    mode_t mode;
    uid_t uid;
    gid_t gid;
};

static int one_entry(struct archive *ar, struct archive_entry *ent, int dir_fd, bool rootless,
                     struct dirfix **fixes, size_t *n_fixes, char *err, size_t errlen)
{
    const char *raw = archive_entry_pathname(ent), *name;
    char path[4096], parent[4096];
    mode_t type = archive_entry_filetype(ent), mode = archive_entry_perm(ent) & 07777;
    int pfd, fd = -1, r = 0;
    bool opaque_marker = false;

    if (!raw)
        return lerr(err, errlen, EINVAL, "entry without a name");
    r = clean_path(raw, path, sizeof path);
    if (r < 0)
        return lerr(err, errlen, -r, "entry '%s' leads outside the layer", raw);
    if (!path[0]) /* the layer's root itself */
        return 0;
    name = split(path, parent, sizeof parent);
    if (strcmp(name, WH_OPAQUE) == 0)
        opaque_marker = true;
    pfd = walk_dir(dir_fd, parent, true);
    if (pfd < 0)
        return lerr(err, errlen, -pfd, "entry '%s': its directory '%s' is not a plain "
                    "directory of the layer (a symlink?)", raw, parent);
    if (opaque_marker) {
        r = set_opaque(pfd, rootless);
        close(pfd);
        return r < 0 ? lerr(err, errlen, -r, "opaque directory '%s': set xattr", parent) : 0;
    }
    if (strncmp(name, WH_PREFIX, 4) == 0) {
        const char *victim = name + 4;

        if (!victim[0] || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0) {
            close(pfd);
            return lerr(err, errlen, EINVAL, "bad whiteout '%s'", raw);
        }
        r = clear_name(pfd, victim, false);
        if (r >= 0 && mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
            r = -errno;
        close(pfd);
        return r < 0 ? lerr(err, errlen, -r, "whiteout '%s'", raw) : 0;
    }

    if (type == AE_IFDIR) {
        struct dirfix *grown;

        r = clear_name(pfd, name, true);
        if (r >= 0 && mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
            r = -errno;
        if (r >= 0 && (fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                  O_CLOEXEC)) < 0)
            r = -errno;
        grown = r >= 0 ? realloc(*fixes, (*n_fixes + 1) * sizeof **fixes) : NULL;
        if (r >= 0 && !grown)
            r = -ENOMEM;
        if (r >= 0) {
            *fixes = grown;
            grown[*n_fixes] = (struct dirfix){ strdup(path), mode,
                                               (uid_t)archive_entry_uid(ent),
                                               (gid_t)archive_entry_gid(ent) };
            if (!grown[*n_fixes].path)
                r = -ENOMEM;
            else
                (*n_fixes)++;
        }
    } else if (archive_entry_hardlink(ent)) {
        char tpath[4096], tparent[4096];
        const char *tname;
        int tfd;

        r = clean_path(archive_entry_hardlink(ent), tpath, sizeof tpath);
        if (r < 0 || !tpath[0]) {
            close(pfd);
            return lerr(err, errlen, EXDEV, "hard link '%s' to '%s' leads outside the layer",
                        raw, archive_entry_hardlink(ent));
        }
        tname = split(tpath, tparent, sizeof tparent);
        tfd = walk_dir(dir_fd, tparent, false);
        if (tfd < 0) {
            close(pfd);
            return lerr(err, errlen, -tfd, "hard link '%s' to '%s': no such entry in the "
                        "layer", raw, tpath);
        }
        r = clear_name(pfd, name, false);
        if (r >= 0 && linkat(tfd, tname, pfd, name, 0) < 0)
            r = -errno;
        close(tfd);
        close(pfd);
        return r < 0 ? lerr(err, errlen, -r, "hard link '%s' to '%s'", raw, tpath) : 0;
    } else {
        r = clear_name(pfd, name, false);
        if (r < 0)
            ;
        else if (type == AE_IFREG) {
            fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            r = fd < 0 ? -errno : copy_data(ar, fd);
            if (r >= 0 && ftruncate(fd, archive_entry_size(ent)) < 0)
                r = -errno;
        } else if (type == AE_IFLNK) {
            const char *target = archive_entry_symlink(ent);

            if (!target || symlinkat(target, pfd, name) < 0)
                r = target ? -errno : -EINVAL;
        } else if (type == AE_IFCHR || type == AE_IFBLK) {
            if (rootless) {
                close(pfd);
                return lerr(err, errlen, EPERM, "device node '%s' in a rootless store", raw);
            }
            if (mknodat(pfd, name, type | mode, archive_entry_rdev(ent)) < 0)
                r = -errno;
        } else if (type == AE_IFIFO) {
            if (mkfifoat(pfd, name, mode) < 0)
                r = -errno;
        } else {
            close(pfd);
            return lerr(err, errlen, EINVAL, "entry '%s' of unsupported type 0%o", raw,
                        (unsigned)type);
        }
    }
    if (r < 0)
        goto out;
    /* Ownership first: chown clears set-id bits that chmod then sets again. */
    if (type != AE_IFDIR) {
        if (!rootless && fchownat(pfd, name, (uid_t)archive_entry_uid(ent),
                                  (gid_t)archive_entry_gid(ent), AT_SYMLINK_NOFOLLOW) < 0)
            r = -errno;
        if (r >= 0 && fd >= 0 && fchmod(fd, mode) < 0)
            r = -errno;
        if (r >= 0 && type != AE_IFLNK) {
            struct timespec ts[2] = {
                { archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) },
                { archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) },
            };

            if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        }
    }
    if (r >= 0 && fd >= 0) {
        const char *xname;
        const void *xval;
        size_t xlen;

        archive_entry_xattr_reset(ent);
        while (r >= 0 && archive_entry_xattr_next(ent, &xname, &xval, &xlen) == ARCHIVE_OK)
            if (xattr_allowed(xname, rootless) && fsetxattr(fd, xname, xval, xlen, 0) < 0)
                r = -errno;
    }
out:
    if (fd >= 0)
        close(fd);
    close(pfd);
    return r < 0 ? lerr(err, errlen, -r, "entry '%s'", raw) : 0;
}

/* The decompressing reader under the tar reader: the blob's bytes in, the tar's bytes out,
 * hashed on the way. */
struct chain {
    struct archive *raw;
    EVP_MD_CTX *sha;
    bool failed; /* the raw reader or the hash failed: its message is in raw */
};

static la_ssize_t chain_read(struct archive *tar, void *data, const void **buf)
{
    struct chain *c = data;
    la_int64_t offset;
    size_t size;
    int r = archive_read_data_block(c->raw, buf, &size, &offset);

    if (r == ARCHIVE_EOF)
        return 0;
    if (r != ARCHIVE_OK || EVP_DigestUpdate(c->sha, *buf, size) != 1) {
        c->failed = true;
        archive_set_error(tar, EIO, "%s", archive_error_string(c->raw) ?
                          archive_error_string(c->raw) : "sha256");
        return -1;
    }
    return (la_ssize_t)size;
}

/* Open the chain on fd: 0, or the error with a message in err. */
static int chain_open(struct chain *c, struct archive *tar, int fd, char *err, size_t errlen)
{
    struct archive_entry *ent;

    c->raw = archive_read_new();
    c->sha = EVP_MD_CTX_new();
    if (!c->raw || !c->sha || EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1)
        return lerr(err, errlen, ENOMEM, "libarchive");
    archive_read_support_filter_gzip(c->raw);
    archive_read_support_filter_zstd(c->raw);
    archive_read_support_filter_xz(c->raw);
    archive_read_support_format_raw(c->raw);
    if (archive_read_open_fd(c->raw, fd, 65536) != ARCHIVE_OK ||
        archive_read_next_header(c->raw, &ent) != ARCHIVE_OK)
        return lerr(err, errlen, EINVAL, "not a layer: %s", archive_error_string(c->raw));
    archive_read_support_format_tar(tar);
    if (archive_read_open(tar, c, NULL, chain_read, NULL) != ARCHIVE_OK)
        return lerr(err, errlen, EINVAL, "not a tar archive: %s", archive_error_string(tar));
    return 0;
}

/* The rest of the stream (a tar's end may be followed by padding), then the hash. */
static int chain_end(struct chain *c, char diff_id[65], char *err, size_t errlen)
{
    unsigned char md[32];
    unsigned int len = 0;
    const void *buf;
    la_int64_t offset;
    size_t size;
    int r;

    while ((r = archive_read_data_block(c->raw, &buf, &size, &offset)) == ARCHIVE_OK)
        if (EVP_DigestUpdate(c->sha, buf, size) != 1)
            return lerr(err, errlen, EIO, "sha256");
    if (r != ARCHIVE_EOF)
        return lerr(err, errlen, EINVAL, "corrupt layer: %s", archive_error_string(c->raw));
    if (EVP_DigestFinal_ex(c->sha, md, &len) != 1)
        return lerr(err, errlen, EIO, "sha256");
    for (unsigned int i = 0; i < len; i++)
        snprintf(diff_id + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int box__layer_unpack(int fd, int dir_fd, bool rootless, char diff_id[65], char *err,
                      size_t errlen)
{
    struct archive *ar = archive_read_new();
    struct chain chain = { 0 };
    struct archive_entry *ent;
    struct dirfix *fixes = NULL;
    size_t n_fixes = 0;
    int r = 0, ar_r;

    if (!ar)
        return lerr(err, errlen, ENOMEM, "libarchive");
    if ((r = chain_open(&chain, ar, fd, err, errlen)) < 0)
        goto out;
    while ((ar_r = archive_read_next_header(ar, &ent)) == ARCHIVE_OK) {
        r = one_entry(ar, ent, dir_fd, rootless, &fixes, &n_fixes, err, errlen);
        if (r < 0)
            goto out;
    }
    if (ar_r != ARCHIVE_EOF) {
        r = lerr(err, errlen, EINVAL, "corrupt or truncated %s: %s",
                 chain.failed ? "layer" : "tar", archive_error_string(ar));
        goto out;
    }
    /* Deepest first, so that a parent's mode never stops us reaching its children. */
    for (size_t i = n_fixes; i-- > 0 && r >= 0;) {
        int d = walk_dir(dir_fd, fixes[i].path, false);

        if (d < 0) {
            r = lerr(err, errlen, -d, "directory '%s'", fixes[i].path);
            break;
        }
        if (!rootless && fchown(d, fixes[i].uid, fixes[i].gid) < 0)
            r = lerr(err, errlen, errno, "chown '%s'", fixes[i].path);
        if (r >= 0 && fchmod(d, fixes[i].mode) < 0)
            r = lerr(err, errlen, errno, "chmod '%s'", fixes[i].path);
        close(d);
    }
    if (r >= 0)
        r = chain_end(&chain, diff_id, err, errlen);
out:
    for (size_t i = 0; i < n_fixes; i++)
        free(fixes[i].path);
    free(fixes);
    archive_read_free(ar);
    archive_read_free(chain.raw);
    EVP_MD_CTX_free(chain.sha);
    return r;
}

/* ---- packing a box's upper directory ---- */

static bool is_opaque(int fd)
{
    char v[2];

    return (fgetxattr(fd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y') ||
           (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
}

/* The extended attributes of the file open at fd (security.capability, user.*, ...) into
 * the entry, but overlayfs's own (trusted.overlay.*, user.overlay.*: opaque directories
 * become .wh..wh..opq entries, and the others describe this upper dir only). */
static int add_xattrs(struct archive_entry *ent, int fd)
{
    char names[8192], value[65536];
    ssize_t n = flistxattr(fd, names, sizeof names);

    if (n < 0)
        return errno == ENOTSUP ? 0 : -errno;
    for (const char *name = names; name < names + n; name += strlen(name) + 1) {
        ssize_t len;

        if (strncmp(name, "trusted.overlay.", 16) == 0 ||
            strncmp(name, "user.overlay.", 13) == 0)
            continue;
        if ((len = fgetxattr(fd, name, value, sizeof value)) < 0) {
            if (errno == ENODATA) /* removed meanwhile: the box runs on */
                continue;
            return -errno;
        }
        archive_entry_xattr_add_entry(ent, name, value, (size_t)len);
    }
    return 0;
}

/* One entry: its metadata from st (NULL: a whiteout marker), its extended attributes
 * from xattr_fd and its data from data_fd (each -1 if none). */
static int write_entry(struct archive *aw, const char *path, const struct stat *st,
                       const char *link, mode_t type, int data_fd, int xattr_fd)
{
    struct archive_entry *ent = archive_entry_new();
    int r = 0;

    if (!ent)
        return -ENOMEM;
    if (xattr_fd >= 0 && (r = add_xattrs(ent, xattr_fd)) < 0) {
        archive_entry_free(ent);
        return r;
    }
    archive_entry_set_pathname(ent, path);
    archive_entry_set_filetype(ent, type);
    archive_entry_set_perm(ent, st ? st->st_mode & 07777 : 0644);
    if (st) {
        archive_entry_set_uid(ent, st->st_uid);
        archive_entry_set_gid(ent, st->st_gid);
        archive_entry_set_mtime(ent, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        if (type == AE_IFCHR || type == AE_IFBLK)
            archive_entry_set_rdev(ent, st->st_rdev);
    }
    archive_entry_set_size(ent, type == AE_IFREG && st ? st->st_size : 0);
    if (link)
        archive_entry_set_symlink(ent, link);
    if (archive_write_header(aw, ent) != ARCHIVE_OK)
        r = -EIO;
    if (r >= 0 && data_fd >= 0) {
        char buf[65536];
        ssize_t n;

        while ((n = read(data_fd, buf, sizeof buf)) > 0)
            if (archive_write_data(aw, buf, (size_t)n) != n) {
                r = -EIO;
                break;
            }
        if (n < 0)
            r = -errno;
    }
    archive_entry_free(ent);
    return r;
}

static int pack_dir(struct archive *aw, int dfd, const char *prefix, char *err, size_t errlen)
{
    DIR *d;
    struct dirent *de;
    int r = 0, fd2 = dup(dfd);

    if (fd2 < 0 || !(d = fdopendir(fd2))) {
        if (fd2 >= 0)
            close(fd2);
        return lerr(err, errlen, errno, "read directory '%s'", prefix[0] ? prefix : "/");
    }
    while (r >= 0 && (de = readdir(d))) {
        char path[4096], link[4096];
        struct stat st;
        ssize_t ll;
        int fd;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            r = lerr(err, errlen, errno, "stat '%s%s'", prefix, de->d_name);
            break;
        }
        snprintf(path, sizeof path, "%s%s", prefix, de->d_name);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) { /* whiteout */
            snprintf(path, sizeof path, "%s" WH_PREFIX "%s", prefix, de->d_name);
            r = write_entry(aw, path, NULL, NULL, AE_IFREG, -1, -1);
        } else if (S_ISDIR(st.st_mode)) {
            fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                r = lerr(err, errlen, errno, "open '%s'", path);
                break;
            }
            r = write_entry(aw, path, &st, NULL, AE_IFDIR, -1, fd);
            if (r >= 0 && is_opaque(fd)) {
                char wh[4200];

                snprintf(wh, sizeof wh, "%s/" WH_OPAQUE, path);
                r = write_entry(aw, wh, NULL, NULL, AE_IFREG, -1, -1);
            }
            if (r >= 0) {
                size_t len = strlen(path);

                if (len + 2 < sizeof path) {
                    path[len] = '/';
                    path[len + 1] = '\0';
                }
                r = pack_dir(aw, fd, path, err, errlen);
            }
            close(fd);
        } else if (S_ISREG(st.st_mode)) {
            fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            r = fd < 0 ? -errno : write_entry(aw, path, &st, NULL, AE_IFREG, fd, fd);
            if (fd >= 0)
                close(fd);
        } else if (S_ISLNK(st.st_mode)) {
            ll = readlinkat(dfd, de->d_name, link, sizeof link - 1);
            if (ll < 0) {
                r = -errno;
            } else {
                link[ll] = '\0';
                r = write_entry(aw, path, &st, link, AE_IFLNK, -1, -1);
            }
        } else {
            r = write_entry(aw, path, &st, NULL, st.st_mode & S_IFMT, -1, -1);
        }
        if (r < 0 && !err[0])
            lerr(err, errlen, -r, "pack '%s'", path);
    }
    closedir(d);
    return r;
}

int box__layer_pack(int dir_fd, int out_fd, char *err, size_t errlen)
{
    struct archive *aw = archive_write_new();
    int r;

    err[0] = '\0';
    if (!aw)
        return lerr(err, errlen, ENOMEM, "libarchive");
    if (archive_write_set_format_pax_restricted(aw) != ARCHIVE_OK ||
        archive_write_open_fd(aw, out_fd) != ARCHIVE_OK) {
        archive_write_free(aw);
        return lerr(err, errlen, EIO, "tar writer");
    }
    r = pack_dir(aw, dir_fd, "", err, errlen);
    if (archive_write_close(aw) != ARCHIVE_OK && r >= 0)
        r = lerr(err, errlen, EIO, "tar writer: %s", archive_error_string(aw));
    archive_write_free(aw);
    return r;
}
