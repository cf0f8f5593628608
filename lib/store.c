/* The image store: a directory of unpacked layers shared between images, image configs,
 * and tags, and running boxes from it (box_set_image) and saving a box's changes as a new
 * image (box_image_commit).
 *
 *   DIR/lock          flock: shared while an image is read, exclusive while the store changes
 *   DIR/index.json    {"images": {ID: {"layers": [HEX...]}}, "tags": {"name:tag": ID}}
 *   DIR/blobs/HEX     image configs (HEX = ID, the config's sha256) and committed layer tars
 *   DIR/layers/HEX    one unpacked layer (HEX: the sha256 of its blob), in overlay form
 *   DIR/tmp/NAME      staging for an import in progress, or a box's writable layer
 *                     (BOX_IMAGE_COMMIT); each is held by an flock of its own, so gc
 *                     removes only those whose owner is gone
 *
 * index.json is replaced atomically (write, fsync, rename) under the exclusive lock. A box
 * made from an image holds a shared flock on the image's config blob until box_free; removing
 * the image takes it exclusively without waiting, and so refuses while any box uses it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

BOX_API const char *box_store_errmsg(const box_store_t *store)
{
    return store ? store->errmsg : "store is NULL";
}

/* ---- opening, locking, the index ---- */

static int default_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

    if (geteuid() == 0)
        return snprintf(buf, size, "/var/lib/libbox") < (int)size ? 0 : -ENAMETOOLONG;
    if (xdg && xdg[0] == '/')
        return snprintf(buf, size, "%s/libbox", xdg) < (int)size ? 0 : -ENAMETOOLONG;
    if (!home || home[0] != '/') {
        struct passwd *pw = getpwuid(geteuid());

        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || home[0] != '/')
        return -ENOENT;
    return snprintf(buf, size, "%s/.local/share/libbox", home) < (int)size ? 0 : -ENAMETOOLONG;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}

BOX_API int box_store_open(box_store_t **out, const char *dir, unsigned int flags)
{
    static const char *const subdirs[] = { "blobs", "layers", "tmp" };
    char path[4096];
    box_store_t *s;
    int r, fd;

    if (!out || (flags & ~(BOX_STORE_CREATE | BOX_STORE_NOWAIT)))
        return -EINVAL;
    *out = NULL;
    if (dir && dir[0] != '/')
        return -EINVAL;
    r = dir ? (snprintf(path, sizeof path, "%s", dir) < (int)sizeof path ? 0 : -ENAMETOOLONG)
            : default_dir(path, sizeof path);
    if (r < 0)
        return r;
    if ((flags & BOX_STORE_CREATE) && (r = mkdir_p(path, 0700)) < 0)
        return r;
    s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(path))) {
        free(s);
        return -ENOMEM;
    }
    s->rootless = geteuid() != 0;
    s->nowait = flags & BOX_STORE_NOWAIT;
    s->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dir_fd < 0) {
        r = -errno;
        goto fail;
    }
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++)
        if (mkdirat(s->dir_fd, subdirs[i], 0755) < 0 && errno != EEXIST) {
            r = -errno;
            goto fail;
        }
    fd = openat(s->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        r = -errno;
        goto fail;
    }
    close(fd);
    *out = s;
    return 0;
fail:
    box_store_close(s);
    return r;
}

BOX_API void box_store_close(box_store_t *store)
{
    if (!store)
        return;
    if (store->dir_fd >= 0)
        close(store->dir_fd);
    free(store->dir);
    free(store);
}

BOX_API const char *box_store_path(const box_store_t *store)
{
    return store ? store->dir : NULL;
}

/* Take the store's lock; returns the fd that holds it. */
static int lock_store(box_store_t *s, int op, const char *what)
{
    int fd = openat(s->dir_fd, "lock", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return box__store_error(s, errno, "%s: open %s/lock", what, s->dir);
    while (flock(fd, op | (s->nowait ? LOCK_NB : 0)) < 0) {
        int e = errno;

        if (e == EINTR)
            continue;
        close(fd);
        if (e == EWOULDBLOCK)
            return box__store_error(s, EAGAIN, "%s: the store %s is locked by another "
                                    "process", what, s->dir);
        return box__store_error(s, e, "%s: lock %s", what, s->dir);
    }
    return fd;
}

static struct json_object *read_index(box_store_t *s, const char *what, int *err)
{
    int fd = openat(s->dir_fd, "index.json", O_RDONLY | O_CLOEXEC);
    struct json_object *o = NULL;

    if (fd < 0 && errno == ENOENT) {
        o = json_object_new_object();
    } else if (fd >= 0) {
        struct json_tokener *tok = json_tokener_new();
        char buf[65536];
        ssize_t n;

        while (tok && (n = read(fd, buf, sizeof buf)) > 0) {
            json_object_put(o);
            o = json_tokener_parse_ex(tok, buf, (int)n);
            if (json_tokener_get_error(tok) != json_tokener_continue)
                break;
        }
        json_tokener_free(tok);
        close(fd);
        if (o && !json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            o = NULL;
        }
    }
    if (!o) {
        *err = box__store_error(s, EBADMSG, "%s: %s/index.json is damaged", what, s->dir);
        return NULL;
    }
    /* Make sure both tables exist. */
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "tags" : "images";
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
            json_object_object_add(o, key, json_object_new_object());
    }
    return o;
}

struct json_object *box__store_index(box_store_t *s, int *err)
{
    return read_index(s, "read the index", err);
}

static struct json_object *table(struct json_object *index, const char *key)
{
    struct json_object *v = NULL;

    json_object_object_get_ex(index, key, &v);
    return v;
}

/* Write a file of the store atomically: DIR/NAME.tmp, fsync, rename. */
static int write_atomic(box_store_t *s, const char *name, const void *data, size_t len)
{
    char tmp[256];
    const char *p = data;
    int fd, r = 0;

    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            r = -errno;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    close(fd);
    if (r == 0 && renameat(s->dir_fd, tmp, s->dir_fd, name) < 0)
        r = -errno;
    if (r < 0)
        unlinkat(s->dir_fd, tmp, 0);
    return r;
}

static int write_index(box_store_t *s, struct json_object *index, const char *what)
{
    const char *text = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PRETTY |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
    int r = text ? write_atomic(s, "index.json", text, strlen(text)) : -ENOMEM;

    return r < 0 ? box__store_error(s, -r, "%s: write %s/index.json", what, s->dir) : 0;
}

int box__store_stage(box_store_t *s, char *name, size_t size, int *fd)
{
    unsigned char rnd[8];

    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
        return box__store_error(s, errno, "stage: getrandom");
    snprintf(name, size, "tmp/%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    if (mkdirat(s->dir_fd, name, 0700) < 0)
        return box__store_error(s, errno, "stage: mkdir %s/%s", s->dir, name);
    *fd = openat(s->dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0 || flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;

        if (*fd >= 0)
            close(*fd);
        box__rm_rf_at(s->dir_fd, name);
        return box__store_error(s, e, "stage: %s/%s", s->dir, name);
    }
    return 0;
}

int box__store_add(box_store_t *s, int stage_fd, const char *ref, const char *config,
                   size_t config_len, const char *const *layers, size_t n_layers)
{
    char norm[512], id[65], path[128];
    struct json_object *index, *img, *arr;
    struct stat st;
    int lock, r = 0;

    if (box__ref_parse(ref, norm, sizeof norm) < 0)
        return box__store_error(s, EINVAL, "import: bad image reference '%s'", ref);
    if (n_layers == 0)
        return box__store_error(s, EINVAL, "import: %s has no layers", norm);
    box__sha256_mem(config, config_len, id);
    lock = lock_store(s, LOCK_EX, "import");
    if (lock < 0)
        return lock;
    index = read_index(s, "import", &r);
    if (!index)
        goto out;
    /* An image the store has already (the same config) keeps its layers: a box may be
     * running on them. Otherwise the layers the store lacks move in; the others are
     * shared. */
    if (json_object_object_get_ex(table(index, "images"), id, &img)) {
        json_object_object_add(table(index, "tags"), norm, json_object_new_string(id));
        r = write_index(s, index, "import");
        goto out;
    }
    for (size_t i = 0; i < n_layers && r >= 0; i++) {
        snprintf(path, sizeof path, "layers/%s", layers[i]);
        if (fstatat(s->dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
            renameat(stage_fd, path, s->dir_fd, path) < 0 && errno != ENOENT)
            r = box__store_error(s, errno, "import: move layer sha256:%s in", layers[i]);
        else if (fstatat(s->dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
            r = box__store_error(s, errno, "import: layer sha256:%s", layers[i]);
    }
    snprintf(path, sizeof path, "blobs/%s", id);
    if (r >= 0 && fstatat(s->dir_fd, path, &st, 0) < 0 &&
        (r = write_atomic(s, path, config, config_len)) < 0)
        r = box__store_error(s, -r, "import: write config sha256:%s", id);
    if (r < 0)
        goto out;
    img = json_object_new_object();
    arr = json_object_new_array();
    for (size_t i = 0; i < n_layers; i++)
        json_object_array_add(arr, json_object_new_string(layers[i]));
    json_object_object_add(img, "layers", arr);
    json_object_object_add(table(index, "images"), id, img);
    json_object_object_add(table(index, "tags"), norm, json_object_new_string(id));
    r = write_index(s, index, "import");
out:
    json_object_put(index);
    close(lock);
    return r;
}

/* ---- list, inspect, remove, gc ---- */

static const char *resolve(struct json_object *index, const char *norm)
{
    struct json_object *v;

    if (!json_object_object_get_ex(table(index, "tags"), norm, &v))
        return NULL;
    return json_object_get_string(v);
}

/* Parse `ref` into norm (512 bytes), take the store's lock (LOCK_SH or LOCK_EX) and find
 * the image the ref names. Returns 0 with *lock (the caller closes it), *index (the
 * caller puts it) and *id (inside *index) set, or a negative errno with the message
 * recorded and nothing held. */
static int find_image(box_store_t *s, const char *what, const char *ref, int mode, char *norm,
                      int *lock, struct json_object **index, const char **id)
{
    int r = 0;

    if (box__ref_parse(ref, norm, 512) < 0)
        return box__store_error(s, EINVAL, "%s: bad image reference '%s'", what,
                                ref ? ref : "(null)");
    if ((*lock = lock_store(s, mode, what)) < 0)
        return *lock;
    *index = read_index(s, what, &r);
    *id = *index ? resolve(*index, norm) : NULL;
    if (*id)
        return 0;
    if (*index)
        r = box__store_error(s, ENOENT, "%s: no image %s in %s", what, norm, s->dir);
    json_object_put(*index);
    close(*lock);
    return r;
}

BOX_API int box_image_list(box_store_t *store, char **json)
{
    struct json_object *index;
    int lock, r = 0;

    if (!store)
        return -EINVAL;
    store->errmsg[0] = '\0';
    if (!json)
        return box__store_error(store, EINVAL, "list: json is NULL");
    lock = lock_store(store, LOCK_SH, "list");
    if (lock < 0)
        return lock;
    index = read_index(store, "list", &r);
    close(lock);
    if (!index)
        return r;
    *json = strdup(json_object_to_json_string_ext(table(index, "tags"), JSON_C_TO_STRING_PRETTY |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(index);
    return *json ? 0 : box__store_error(store, ENOMEM, "list");
}

static int read_blob(box_store_t *s, const char *hex, char **out)
{
    char path[128];
    int fd;
    struct stat st;
    ssize_t n;

    snprintf(path, sizeof path, "blobs/%s", hex);
    fd = openat(s->dir_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || st.st_size > (16 << 20) || !(*out = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return -EFBIG;
    }
    n = read(fd, *out, (size_t)st.st_size);
    close(fd);
    if (n != st.st_size) {
        free(*out);
        return -EIO;
    }
    (*out)[n] = '\0';
    return 0;
}

BOX_API int box_image_inspect(box_store_t *store, const char *ref, char **json)
{
    char norm[512], *config = NULL;
    struct json_object *index, *o, *img = NULL;
    const char *id;
    int lock, r = 0;

    if (!store)
        return -EINVAL;
    store->errmsg[0] = '\0';
    if (!json)
        return box__store_error(store, EINVAL, "inspect: json is NULL");
    if ((r = find_image(store, "inspect", ref, LOCK_SH, norm, &lock, &index, &id)) < 0)
        return r;
    if ((r = read_blob(store, id, &config)) < 0)
        r = box__store_error(store, -r, "inspect: config of %s", norm);
    close(lock);
    if (r >= 0) {
        o = json_object_new_object();
        json_object_object_add(o, "ref", json_object_new_string(norm));
        json_object_object_add(o, "id", json_object_new_string(id));
        if (json_object_object_get_ex(table(index, "images"), id, &img))
            json_object_object_add(o, "layers",
                                   json_object_get(table(img, "layers")));
        json_object_object_add(o, "config", json_tokener_parse(config));
        *json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        if (!*json)
            r = -ENOMEM;
    }
    free(config);
    json_object_put(index);
    return r;
}

/* Is anyone using image id (a box holds a shared lock on its config blob)? */
static bool image_in_use(box_store_t *s, const char *id)
{
    char path[128];
    int fd;
    bool busy;

    snprintf(path, sizeof path, "blobs/%s", id);
    fd = openat(s->dir_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    busy = flock(fd, LOCK_EX | LOCK_NB) < 0;
    close(fd);
    return busy;
}

/* Remove images without tags that no box uses, then the layers and blobs that no image
 * still lists. Called with the exclusive lock held. */
static int prune(box_store_t *s, struct json_object *index, const char *what)
{
    struct json_object *images = table(index, "images"), *tags = table(index, "tags");
    DIR *d;
    struct dirent *de;
    int r;

    for (bool again = true; again;) {
        again = false;
        json_object_object_foreach(images, id, img) {
            bool tagged = false;

            (void)img;
            json_object_object_foreach(tags, ref, v) {
                (void)ref;
                tagged |= strcmp(json_object_get_string(v), id) == 0;
            }
            if (!tagged && !image_in_use(s, id)) {
                json_object_object_del(images, id);
                again = true; /* the iterator is invalid now */
                break;
            }
        }
    }
    r = write_index(s, index, what);
    if (r < 0)
        return r;
    for (int pass = 0; pass < 2; pass++) {
        int dfd = openat(s->dir_fd, pass ? "blobs" : "layers", O_RDONLY | O_DIRECTORY |
                                                                  O_CLOEXEC);

        if (dfd < 0 || !(d = fdopendir(dfd))) {
            if (dfd >= 0)
                close(dfd);
            continue;
        }
        while ((de = readdir(d))) {
            bool used = false;

            if (de->d_name[0] == '.')
                continue;
            json_object_object_foreach(images, id, img) {
                struct json_object *layers = table(img, "layers");

                used |= strcmp(id, de->d_name) == 0;
                for (size_t i = 0; layers && i < json_object_array_length(layers); i++)
                    used |= strcmp(json_object_get_string(json_object_array_get_idx(layers, i)),
                                   de->d_name) == 0;
            }
            if (!used)
                box__rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
    }
    return 0;
}

BOX_API int box_image_remove(box_store_t *store, const char *ref)
{
    char norm[512], id[65];
    struct json_object *index;
    const char *found;
    int lock, r = 0, uses = 0;

    if (!store)
        return -EINVAL;
    store->errmsg[0] = '\0';
    if ((r = find_image(store, "remove", ref, LOCK_EX, norm, &lock, &index, &found)) < 0)
        return r;
    snprintf(id, sizeof id, "%s", found);
    json_object_object_foreach(table(index, "tags"), t, v) {
        (void)t;
        uses += strcmp(json_object_get_string(v), id) == 0;
    }
    if (uses == 1 && image_in_use(store, id)) {
        r = box__store_error(store, EBUSY, "remove: %s is in use by a box", norm);
        goto out;
    }
    json_object_object_del(table(index, "tags"), norm);
    r = prune(store, index, "remove");
out:
    json_object_put(index);
    close(lock);
    return r;
}

BOX_API int box_store_gc(box_store_t *store)
{
    struct json_object *index;
    DIR *d;
    struct dirent *de;
    int lock, r = 0, tfd;

    if (!store)
        return -EINVAL;
    store->errmsg[0] = '\0';
    lock = lock_store(store, LOCK_EX, "gc");
    if (lock < 0)
        return lock;
    /* Staging dirs and writable layers whose owner is gone (its flock went with it). */
    tfd = openat(store->dir_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd >= 0 && (d = fdopendir(tfd))) {
        while ((de = readdir(d))) {
            int fd;

            if (de->d_name[0] == '.')
                continue;
            fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0)
                box__rm_rf_at(dirfd(d), de->d_name);
            if (fd >= 0)
                close(fd);
        }
        closedir(d);
    } else if (tfd >= 0) {
        close(tfd);
    }
    index = read_index(store, "gc", &r);
    if (index)
        r = prune(store, index, "gc");
    json_object_put(index);
    close(lock);
    return r;
}
