/* Boxes from images: box_set_image makes the box's root an overlay of the image's layers
 * with the box's own writable layer on top, and takes the image config's Env, Entrypoint and
 * Cmd, WorkingDir, User and StopSignal as defaults that later setters override;
 * box_image_commit saves a box's writable layer as a new layer and image.
 *
 * The writable layer is ephemeral (a tmpfs of the box's mount namespace, overlay.c) unless
 * BOX_IMAGE_COMMIT asks for one in the store (DIR/tmp/NAME/{upper,work}, held by an flock
 * and removed by box_free; gc removes one whose owner died). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static char **strv_from_json(struct json_object *arr)
{
    size_t n = arr ? json_object_array_length(arr) : 0;
    char **v;

    if (!arr || n == 0)
        return NULL;
    v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] = strdup(json_object_get_string(json_object_array_get_idx(arr, i)) ?: ""))) {
            box__strv_free(v);
            return NULL;
        }
    return v;
}

static struct json_object *jget(struct json_object *o, const char *key, enum json_type t)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
        return NULL;
    return v;
}

static int parse_signal(const char *s)
{
    static const struct { const char *name; int sig; } sigs[] = {
        { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
        { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "PWR", SIGPWR },
        { "WINCH", SIGWINCH }, { "STOP", SIGSTOP }, { "CONT", SIGCONT },
    };
    char *end;
    long n;

    if (!s || !s[0])
        return SIGTERM;
    n = strtol(s, &end, 10);
    if (!*end && n > 0 && n < NSIG)
        return (int)n;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (strcmp(s, sigs[i].name) == 0)
            return sigs[i].sig;
    return -1;
}

/* Look a user or group name up in the image: the topmost layer that has the file
 * (etc/passwd or etc/group) decides. Returns the id or -1. */
static long lookup_id(box_store_t *s, struct box_image *im, const char *file, const char *name,
                      long *gid)
{
    for (size_t i = im->n_layers; i-- > 0;) {
        char path[128], line[1024];
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        struct stat st;
        long fd, id = -1;
        FILE *f;

        snprintf(path, sizeof path, "layers/%s/%s", im->layers[i], file);
        if (fstatat(s->dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISREG(st.st_mode)) /* a whiteout, or not a plain file */
            return -1;
        snprintf(path, sizeof path, "layers/%s", im->layers[i]);
        fd = openat(s->dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        {
            long ffd = syscall(SYS_openat2, fd, file, &how, sizeof how);

            close((int)fd);
            if (ffd < 0 || !(f = fdopen((int)ffd, "r"))) {
                if (ffd >= 0)
                    close((int)ffd);
                return -1;
            }
        }
        while (fgets(line, sizeof line, f)) {
            char *save, *n = strtok_r(line, ":", &save), *x = strtok_r(NULL, ":", &save);
            char *u = strtok_r(NULL, ":", &save), *g = strtok_r(NULL, ":", &save);

            (void)x;
            if (n && u && strcmp(n, name) == 0) {
                id = strtol(u, NULL, 10);
                if (gid && g)
                    *gid = strtol(g, NULL, 10);
                break;
            }
        }
        fclose(f);
        return id;
    }
    return -1;
}

static bool numeric(const char *s)
{
    return s[0] && strspn(s, "0123456789") == strlen(s);
}

/* "user", "uid", "user:group", "uid:gid". */
static int apply_user(box_t *box, box_store_t *s, struct box_image *im, const char *spec)
{
    char buf[256], *grp;
    long uid, gid = 0;

    if (!spec || !spec[0])
        return 0;
    snprintf(buf, sizeof buf, "%s", spec);
    grp = strchr(buf, ':');
    if (grp)
        *grp++ = '\0';
    if (numeric(buf))
        uid = strtol(buf, NULL, 10);
    else if (strcmp(buf, "root") == 0)
        uid = 0;
    else
        uid = lookup_id(s, im, "etc/passwd", buf, &gid);
    if (grp)
        gid = numeric(grp) ? strtol(grp, NULL, 10) : lookup_id(s, im, "etc/group", grp, NULL);
    if (uid < 0 || gid < 0)
        return box__error(box, ENOENT, "set_image: the image's User '%s' is not in its "
                         "/etc/passwd or /etc/group", spec);
    return box_set_user(box, (uid_t)uid, (gid_t)gid);
}

static int apply_config(box_t *box, box_store_t *s, struct box_image *im)
{
    struct json_object *root = json_tokener_parse(im->config);
    struct json_object *c = jget(root, "config", json_type_object), *env;
    const char *wd, *user, *stop;
    int r = 0;

    if (!root) {
        return box__error(box, EBADMSG, "set_image: the config of sha256:%s is not JSON",
                         im->id);
    }
    env = jget(c, "Env", json_type_array);
    for (size_t i = 0; env && i < json_object_array_length(env) && r >= 0; i++) {
        char kv[8192], *eq;

        snprintf(kv, sizeof kv, "%s",
                 json_object_get_string(json_object_array_get_idx(env, i)) ?: "");
        eq = strchr(kv, '=');
        if (!eq || eq == kv)
            continue;
        *eq = '\0';
        r = box_setenv(box, kv, eq + 1);
    }
    im->entrypoint = strv_from_json(jget(c, "Entrypoint", json_type_array));
    im->cmd = strv_from_json(jget(c, "Cmd", json_type_array));
    wd = json_object_get_string(jget(c, "WorkingDir", json_type_string));
    if (r >= 0 && wd && wd[0] == '/') {
        r = box_mkdir(box, wd, 0755); /* docker makes it too; in the upper layer if new */
        if (r >= 0)
            r = box_set_cwd(box, wd);
    }
    user = json_object_get_string(jget(c, "User", json_type_string));
    if (r >= 0)
        r = apply_user(box, s, im, user);
    stop = json_object_get_string(jget(c, "StopSignal", json_type_string));
    im->stop_signal = parse_signal(stop);
    if (r >= 0 && im->stop_signal < 0)
        r = box__error(box, EINVAL, "set_image: unknown StopSignal '%s'", stop);
    json_object_put(root);
    return r;
}

BOX_API int box_set_image(box_t *box, box_store_t *store, const char *ref, unsigned int flags)
{
    int r = box__check_configurable(box, "set_image"), lock;
    char norm[512], path[128], **lowers = NULL;
    size_t n_lowers = 0;
    struct json_object *index = NULL, *tags, *images, *v, *img, *layers;
    struct box_image *im;

    if (r < 0)
        return r;
    if (!store)
        return box__error(box, EINVAL, "set_image: store is NULL");
    if (flags & ~(BOX_IMAGE_COMMIT | BOX_IMAGE_NO_ENTRYPOINT))
        return box__error(box, EINVAL, "set_image: unknown flags 0x%x", flags);
    if (box__ref_parse(ref, norm, sizeof norm) < 0)
        return box__error(box, EINVAL, "set_image: bad image reference '%s'",
                         ref ? ref : "(null)");
    im = calloc(1, sizeof *im);
    if (!im)
        return box__error(box, ENOMEM, "set_image");
    im->flags = flags;
    im->lock_fd = im->upper_fd = -1;
    im->store_fd = fcntl(store->dir_fd, F_DUPFD_CLOEXEC, 3);
    im->store_dir = strdup(store->dir);
    lock = openat(store->dir_fd, "lock", O_RDWR | O_CLOEXEC);
    if (lock < 0 || flock(lock, LOCK_SH) < 0) {
        r = box__error(box, errno, "set_image: lock the store %s", store->dir);
        goto out;
    }
    /* Read the index under the store's lock, and pin the image before letting it go. */
    index = box__store_index(store, &r);
    if (!index) {
        r = box__error(box, -r, "set_image: %s", store->errmsg);
        goto out;
    }
    tags = jget(index, "tags", json_type_object);
    images = jget(index, "images", json_type_object);
    if (!json_object_object_get_ex(tags, norm, &v)) {
        r = box__error(box, ENOENT, "set_image: no image %s in %s", norm, store->dir);
        goto out;
    }
    snprintf(im->id, sizeof im->id, "%s", json_object_get_string(v));
    img = jget(images, im->id, json_type_object);
    layers = jget(img, "layers", json_type_array);
    im->n_layers = layers ? json_object_array_length(layers) : 0;
    if (!im->n_layers) {
        r = box__error(box, EBADMSG, "set_image: %s has no layers in the index", norm);
        goto out;
    }
    snprintf(path, sizeof path, "blobs/%s", im->id);
    im->lock_fd = openat(store->dir_fd, path, O_RDONLY | O_CLOEXEC);
    if (im->lock_fd < 0 || flock(im->lock_fd, LOCK_SH) < 0) {
        r = box__error(box, errno, "set_image: config of %s", norm);
        goto out;
    }
    {
        struct stat st;

        if (fstat(im->lock_fd, &st) < 0 || !(im->config = calloc(1, (size_t)st.st_size + 1)) ||
            read(im->lock_fd, im->config, (size_t)st.st_size) != st.st_size) {
            r = box__error(box, EIO, "set_image: read the config of %s", norm);
            goto out;
        }
    }
    im->layers = calloc(im->n_layers, sizeof *im->layers);
    lowers = calloc(im->n_layers, sizeof *lowers);
    n_lowers = lowers ? im->n_layers : 0;
    if (!im->layers || !lowers) {
        r = box__error(box, ENOMEM, "set_image");
        goto out;
    }
    for (size_t i = 0; i < im->n_layers; i++) {
        im->layers[i] = strdup(json_object_get_string(json_object_array_get_idx(layers, i)));
        if (!im->layers[i] ||
            asprintf(&lowers[i], "%s/layers/%s", store->dir, im->layers[i]) < 0) {
            lowers[i] = NULL;
            r = box__error(box, ENOMEM, "set_image");
            goto out;
        }
    }
    if (flags & BOX_IMAGE_COMMIT) {
        char upper[4200], work[4200];

        r = box__store_stage(store, im->upper_name, sizeof im->upper_name, &im->upper_fd);
        if (r < 0) {
            im->upper_name[0] = '\0';
            r = box__error(box, -r, "set_image: %s", store->errmsg);
            goto out;
        }
        snprintf(upper, sizeof upper, "%s/%s/upper", store->dir, im->upper_name);
        snprintf(work, sizeof work, "%s/%s/work", store->dir, im->upper_name);
        if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0) {
            r = box__error(box, errno, "set_image: make the writable layer in %s", store->dir);
            goto out;
        }
        r = box_set_root_overlay(box, im->n_layers, (const char *const *)lowers, upper, work, 0);
    } else {
        r = box_set_root_overlay(box, im->n_layers, (const char *const *)lowers, NULL, NULL, 0);
    }
    if (r < 0)
        goto out;
    box__image_free(box);
    box->image = im;
    r = apply_config(box, store, im);
    im = NULL;
out:
    if (lock >= 0)
        close(lock);
    json_object_put(index);
    if (im) {
        box_t tmp = { .image = im };

        box__image_free(&tmp);
    }
    for (size_t i = 0; i < n_lowers; i++)
        free(lowers[i]);
    free(lowers);
    return r;
}

BOX_API int box_image_commit(box_t *box, box_store_t *store, const char *ref)
{
    struct box_image *im = box ? box->image : NULL;
    char norm[512], stage[64], upper[128], hex[65], err[512] = "", path[160];
    struct json_object *cfg = NULL, *rootfs, *diffs, *hist;
    const char **layers = NULL;
    const char *text;
    int stage_fd = -1, tar = -1, up = -1, d = -1, r;
    char diff[80];

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (!store)
        return box__error(box, EINVAL, "commit: store is NULL");
    if (box__ref_parse(ref, norm, sizeof norm) < 0)
        return box__error(box, EINVAL, "commit: bad image reference '%s'", ref ? ref : "(null)");
    if (!im || !im->upper_name[0])
        return box__error(box, EINVAL, "commit: the box was not made with box_set_image(..., "
                         "BOX_IMAGE_COMMIT)");
    if (strcmp(im->store_dir, store->dir) != 0)
        return box__error(box, EXDEV, "commit: the box's image is in %s, not in %s",
                         im->store_dir, store->dir);
    if (box->state == BOX_CONFIGURED)
        return box__error(box, EINVAL, "commit: the box has not run");
    r = box__store_stage(store, stage, sizeof stage, &stage_fd);
    if (r < 0)
        return box__error(box, -r, "commit: %s", store->errmsg);
    snprintf(upper, sizeof upper, "%s/upper", im->upper_name);
    tar = openat(stage_fd, "layer.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    up = openat(store->dir_fd, upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tar < 0 || up < 0) {
        r = box__error(box, errno, "commit: open the box's writable layer");
        goto out;
    }
    r = box__layer_pack(up, tar, err, sizeof err);
    if (r < 0) {
        r = box__error(box, -r, "commit: %s", err);
        goto out;
    }
    if (lseek(tar, 0, SEEK_SET) < 0) {
        r = box__error(box, errno, "commit: read the layer back");
        goto out;
    }
    /* Unpack our own tar the way an import would: one form for every layer, named by its
     * diff_id, which the unpacking computes. */
    if (mkdirat(stage_fd, "layers", 0755) < 0 || mkdirat(stage_fd, "layers/new", 0755) < 0 ||
        (d = openat(stage_fd, "layers/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        r = box__error(box, errno, "commit: stage the layer");
        goto out;
    }
    r = box__layer_unpack(tar, d, store->rootless, hex, err, sizeof err);
    if (r < 0) {
        r = box__error(box, -r, "commit: %s", err);
        goto out;
    }
    snprintf(path, sizeof path, "layers/%s", hex);
    if (renameat(stage_fd, "layers/new", stage_fd, path) < 0) {
        r = box__error(box, errno, "commit: stage the layer");
        goto out;
    }
    /* The new config: the base's, with the layer's diff_id and a history entry. */
    cfg = json_tokener_parse(im->config);
    if (!cfg || !json_object_is_type(cfg, json_type_object)) {
        r = box__error(box, EBADMSG, "commit: the base config is not JSON");
        goto out;
    }
    rootfs = jget(cfg, "rootfs", json_type_object);
    if (!rootfs) {
        rootfs = json_object_new_object();
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(cfg, "rootfs", rootfs);
    }
    diffs = jget(rootfs, "diff_ids", json_type_array);
    if (!diffs) {
        diffs = json_object_new_array();
        json_object_object_add(rootfs, "diff_ids", diffs);
    }
    snprintf(diff, sizeof diff, "sha256:%s", hex);
    json_object_array_add(diffs, json_object_new_string(diff));
    hist = jget(cfg, "history", json_type_array);
    if (!hist) {
        hist = json_object_new_array();
        json_object_object_add(cfg, "history", hist);
    }
    {
        struct json_object *h = json_object_new_object();
        char when[32];
        time_t now = time(NULL);
        struct tm tm;

        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        json_object_object_add(h, "created", json_object_new_string(when));
        json_object_object_add(h, "created_by", json_object_new_string("box_image_commit"));
        json_object_array_add(hist, h);
        json_object_object_add(cfg, "created", json_object_new_string(when));
    }
    text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    layers = calloc(im->n_layers + 1, sizeof *layers);
    if (!layers || !text) {
        r = box__error(box, ENOMEM, "commit");
        goto out;
    }
    for (size_t i = 0; i < im->n_layers; i++)
        layers[i] = im->layers[i];
    layers[im->n_layers] = hex;
    r = box__store_add(store, stage_fd, norm, text, strlen(text), layers, im->n_layers + 1);
    if (r < 0)
        r = box__error(box, -r, "commit: %s", store->errmsg);
out:
    free(layers);
    json_object_put(cfg);
    if (d >= 0)
        close(d);
    if (up >= 0)
        close(up);
    if (tar >= 0)
        close(tar);
    box__rm_rf_at(store->dir_fd, stage);
    close(stage_fd);
    return r;
}
