/* box_image_import: OCI image layout directories, oci-archive tarballs (an OCI layout in a
 * tar) and docker-archive tarballs (`docker save`, `podman save`: manifest.json), into the
 * store.
 *
 * Everything is untrusted. A tarball is first unpacked into a staging directory of the
 * store with the layer code's path checks (layer.c); every blob is then opened below the
 * layout with openat2(RESOLVE_IN_ROOT), so a symlink in the archive cannot lead outside it;
 * its sha256 (OpenSSL's EVP, see README) and size are checked against the descriptor before
 * it is used; manifests and configs are parsed with json-c. Layers are unpacked into the
 * staging directory too, and only a complete, verified image is moved into the store
 * (box__store_add): any failure leaves the store exactly as it was. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store.h"

#define JSON_MAX (4u << 20) /* manifests, indexes and configs are small */

/* One import in progress. */
struct import {
    box_store_t *s;
    int src_fd;      /* the OCI layout or docker-archive dir */
    int stage_fd;    /* the store's staging dir for this import */
    char stage[64];
};

static int open_below(int dir_fd, const char *path, int flags)
{
    struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    long r = syscall(SYS_openat2, dir_fd, path, &how, sizeof how);

    return r < 0 ? -errno : (int)r;
}

/* Read a whole small file below the source dir. */
static int read_small(struct import *im, const char *path, char **out, size_t *len)
{
    int fd = open_below(im->src_fd, path, O_RDONLY);
    struct stat st;
    char *buf;
    size_t got = 0;

    if (fd < 0)
        return fd;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > JSON_MAX) {
        close(fd);
        return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

static struct json_object *parse_json(const char *text, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o;

    if (!tok)
        return NULL;
    o = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int)len) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key, enum json_type t)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
        return NULL;
    return v;
}

/* "sha256:<64 hex>" -> the hex, or NULL. */
static const char *digest_hex(const char *digest)
{
    if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
        return NULL;
    for (const char *p = digest + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return NULL;
    return digest + 7;
}

/* Open a blob (a path below the source) and check its sha256 and, if known (size >= 0),
 * its size. Returns an fd positioned at 0. */
static int open_verified(struct import *im, const char *path, const char *hex, int64_t size,
                         const char *what)
{
    int fd = open_below(im->src_fd, path, O_RDONLY);
    char got[65];
    uint64_t n;
    int r;

    if (fd == -ENOENT)
        return box__store_error(im->s, ENOENT, "import: %s sha256:%s: blob missing (%s)",
                                what, hex, path);
    if (fd < 0)
        return box__store_error(im->s, -fd, "import: %s sha256:%s: open %s", what, hex, path);
    r = box__sha256_fd(fd, got, &n);
    if (r < 0) {
        close(fd);
        return box__store_error(im->s, -r, "import: %s sha256:%s: read", what, hex);
    }
    if (size >= 0 && n != (uint64_t)size) {
        close(fd);
        return box__store_error(im->s, EBADMSG, "import: %s sha256:%s: %s: %llu bytes, the "
                                "manifest says %lld", what, hex, n < (uint64_t)size ?
                                "truncated blob" : "blob too long", (unsigned long long)n,
                                (long long)size);
    }
    if (strcmp(got, hex) != 0) {
        close(fd);
        return box__store_error(im->s, EBADMSG, "import: %s sha256:%s: digest mismatch (the "
                                "blob's content hashes to sha256:%s)", what, hex, got);
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -errno;
    }
    return fd;
}

static int read_verified(struct import *im, const char *path, const char *hex, int64_t size,
                         const char *what, char **out, size_t *len)
{
    int fd = open_verified(im, path, hex, size, what), r;

    if (fd < 0)
        return fd;
    close(fd);
    r = read_small(im, path, out, len);
    if (r < 0)
        return box__store_error(im->s, -r, "import: %s sha256:%s: read", what, hex);
    return 0;
}

/* Unpack the layer blob (sha256 blob_hex) into stage/layers/DIFF_ID unless the store or
 * this import has it already; its content must hash to the diff_id the config gives. */
static int stage_layer(struct import *im, int blob_fd, const char *blob_hex,
                       const char *diff_hex)
{
    char path[128], err[512] = "", got[65] = "";
    struct stat st;
    int d, r;

    snprintf(path, sizeof path, "layers/%s", diff_hex);
    if (fstatat(im->s->dir_fd, path, &st, 0) == 0 || fstatat(im->stage_fd, path, &st, 0) == 0)
        return 0; /* shared with an image already there, or twice in this one */
    if ((mkdirat(im->stage_fd, "layers", 0755) < 0 && errno != EEXIST) ||
        mkdirat(im->stage_fd, path, 0755) < 0)
        return box__store_error(im->s, errno, "import: stage layer sha256:%s", blob_hex);
    d = openat(im->stage_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return box__store_error(im->s, errno, "import: stage layer sha256:%s", blob_hex);
    r = box__layer_unpack(blob_fd, d, im->s->rootless, got, err, sizeof err);
    close(d);
    if (r < 0)
        return box__store_error(im->s, -r, "import: layer sha256:%s: %s", blob_hex, err);
    if (strcmp(got, diff_hex) != 0)
        return box__store_error(im->s, EBADMSG, "import: layer sha256:%s: its content "
                                "(uncompressed) hashes to sha256:%s, the config's diff_id "
                                "says sha256:%s", blob_hex, got, diff_hex);
    return 0;
}

/* The config's rootfs.diff_ids (one per layer: N) into *DIFFS, and a NULL-ended list of N
 * hexes to fill into *HEXES (the caller frees *CFG and *HEXES). KIND names the format. */
static int config_diff_ids(struct import *im, const char *kind, const char *chex,
                           const char *config, size_t clen, size_t n,
                           struct json_object **cfg, struct json_object **diffs,
                           const char ***hexes)
{
    *cfg = parse_json(config, clen);
    *diffs = jget(jget(*cfg, "rootfs", json_type_object), "diff_ids", json_type_array);
    if (!*diffs || json_object_array_length(*diffs) != n)
        return box__store_error(im->s, EINVAL, "import: %sconfig sha256:%s: rootfs.diff_ids "
                                "does not match the %zu layers", kind, chex, n);
    *hexes = calloc(n + 1, sizeof **hexes);
    if (!*hexes)
        return box__store_error(im->s, ENOMEM, "import");
    return 0;
}

/* What the import of one image (an OCI manifest, a docker-archive) holds until it is in
 * the store: the manifest's text and JSON, the config's, the layers' diff_ids. */
struct image_parts {
    char *text, *config;
    struct json_object *man, *cfg;
    const char **hexes;
};

static int image_parts_free(struct image_parts *p, int r)
{
    free(p->hexes);
    json_object_put(p->man);
    json_object_put(p->cfg);
    free(p->text);
    free(p->config);
    return r;
}

/* Open the layer blob at path, checked against its digest lhex (and size, -1: unknown),
 * and stage it under its diff_id dhex. */
static int stage_verified(struct import *im, const char *path, const char *lhex, int64_t size,
                          const char *dhex)
{
    int fd = open_verified(im, path, lhex, size, "layer"), r;

    if (fd < 0)
        return fd;
    r = stage_layer(im, fd, lhex, dhex);
    close(fd);
    return r;
}

/* An OCI manifest: its config and layer descriptors, bottom layer first. */
static int import_oci_manifest(struct import *im, const char *mhex, int64_t msize,
                               const char *ref)
{
    struct image_parts p = { 0 };
    char path[128];
    size_t len, clen;
    struct json_object *cfgd, *layers, *diffs;
    const char *chex;
    size_t n = 0;
    int r;

    snprintf(path, sizeof path, "blobs/sha256/%s", mhex);
    if ((r = read_verified(im, path, mhex, msize, "manifest", &p.text, &len)) < 0)
        return r;
    p.man = parse_json(p.text, len);
    cfgd = jget(p.man, "config", json_type_object);
    layers = jget(p.man, "layers", json_type_array);
    chex = digest_hex(jstr(cfgd, "digest"));
    if (!p.man || !cfgd || !layers || !chex) {
        r = box__store_error(im->s, EINVAL, "import: manifest sha256:%s: not an image "
                             "manifest (config and layers)", mhex);
        goto out;
    }
    snprintf(path, sizeof path, "blobs/sha256/%s", chex);
    r = read_verified(im, path, chex,
                      json_object_get_int64(jget(cfgd, "size", json_type_int)), "config",
                      &p.config, &clen);
    if (r < 0)
        goto out;
    n = json_object_array_length(layers);
    if ((r = config_diff_ids(im, "", chex, p.config, clen, n, &p.cfg, &diffs, &p.hexes)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct json_object *l = json_object_array_get_idx(layers, i);
        const char *lhex = digest_hex(jstr(l, "digest"));
        const char *dhex = digest_hex(json_object_get_string(json_object_array_get_idx(diffs,
                                                                                       i)));
        struct json_object *sz = jget(l, "size", json_type_int);

        if (!lhex || !dhex) {
            r = box__store_error(im->s, EINVAL, "import: manifest sha256:%s: layer %zu has "
                                 "no sha256 %s", mhex, i, lhex ? "diff_id" : "digest");
            goto out;
        }
        snprintf(path, sizeof path, "blobs/sha256/%s", lhex);
        if ((r = stage_verified(im, path, lhex, sz ? json_object_get_int64(sz) : -1, dhex)) < 0)
            goto out;
        p.hexes[i] = dhex;
    }
    r = box__store_add(im->s, im->stage_fd, ref, p.config, clen, p.hexes, n);
out:
    return image_parts_free(&p, r);
}

/* The name an OCI index gives a manifest: a full reference, or a tag alone (skopeo's
 * oci:DIR:TAG) which needs a name from the caller. */
static const char *oci_ref_name(struct json_object *desc)
{
    struct json_object *ann = jget(desc, "annotations", json_type_object);
    const char *full = jstr(ann, "io.containerd.image.name");

    return full ? full : jstr(ann, "org.opencontainers.image.ref.name");
}

static int import_oci(struct import *im, const char *ref)
{
    char *text = NULL, *sub = NULL, name[512];
    size_t len;
    struct json_object *idx = NULL, *subidx = NULL, *mans, *pick = NULL;
    const char *mhex, *given;
    int r = read_small(im, "index.json", &text, &len);

    if (r < 0)
        return box__store_error(im->s, -r, "import: OCI layout: index.json");
    idx = parse_json(text, len);
    mans = jget(idx, "manifests", json_type_array);
    if (!mans || json_object_array_length(mans) == 0) {
        r = box__store_error(im->s, EINVAL, "import: OCI layout: index.json lists no "
                             "manifests");
        goto out;
    }
    pick = json_object_array_get_idx(mans, 0);
    /* A nested index (a multi-platform image): take this machine's platform. */
    if (jstr(pick, "mediaType") &&
        strcmp(jstr(pick, "mediaType"), "application/vnd.oci.image.index.v1+json") == 0) {
        const char *ihex = digest_hex(jstr(pick, "digest"));
        char path[128];
        struct json_object *sm;

        if (!ihex) {
            r = box__store_error(im->s, EINVAL, "import: OCI layout: bad index digest");
            goto out;
        }
        snprintf(path, sizeof path, "blobs/sha256/%s", ihex);
        if ((r = read_verified(im, path, ihex,
                               json_object_get_int64(jget(pick, "size", json_type_int)),
                               "index", &sub, &len)) < 0)
            goto out;
        subidx = parse_json(sub, len);
        sm = jget(subidx, "manifests", json_type_array);
        given = oci_ref_name(pick);
        pick = NULL;
        for (size_t i = 0; sm && i < json_object_array_length(sm); i++) {
            struct json_object *d = json_object_array_get_idx(sm, i);
            struct json_object *pl = jget(d, "platform", json_type_object);
            const char *arch = jstr(pl, "architecture");
#if defined(__x86_64__)
            const char *mine = "amd64";
#else
            const char *mine = "arm64";
#endif
            if (!pick || (arch && strcmp(arch, mine) == 0 && !jstr(pl, "variant")))
                pick = d;
        }
        if (!pick) {
            r = box__store_error(im->s, EINVAL, "import: OCI layout: empty nested index");
            goto out;
        }
    } else {
        given = oci_ref_name(pick);
    }
    mhex = digest_hex(jstr(pick, "digest"));
    if (!mhex) {
        r = box__store_error(im->s, EINVAL, "import: OCI layout: manifest without a sha256 "
                             "digest");
        goto out;
    }
    if (!ref) {
        if (!given || strchr(given, '/') == NULL) {
            /* "latest" alone says nothing about the image's name */
            if (!given || !given[0] || strchr(given, ':') == NULL) {
                r = box__store_error(im->s, EINVAL, "import: the image carries no name: "
                                     "give one (NAME[:TAG])");
                goto out;
            }
        }
        snprintf(name, sizeof name, "%s", given);
        ref = name;
    }
    r = import_oci_manifest(im, mhex, json_object_get_int64(jget(pick, "size", json_type_int)),
                            ref);
out:
    json_object_put(idx);
    json_object_put(subidx);
    free(text);
    free(sub);
    return r;
}

/* docker-archive: manifest.json [{"Config": PATH, "RepoTags": [...], "Layers": [PATH...]}];
 * the config's file name or rootfs.diff_ids give the digests (layers are plain tars, whose
 * sha256 is their diff_id). */
static int import_docker(struct import *im, const char *ref)
{
    struct image_parts p = { 0 };
    char chex[65];
    size_t len, clen;
    struct json_object *first, *layers, *diffs, *tags;
    const char *cpath;
    size_t n;
    int r = read_small(im, "manifest.json", &p.text, &len);

    if (r < 0)
        return box__store_error(im->s, -r, "import: docker-archive: manifest.json");
    p.man = parse_json(p.text, len);
    first = json_object_is_type(p.man, json_type_array) ? json_object_array_get_idx(p.man, 0)
                                                       : NULL;
    cpath = jstr(first, "Config");
    layers = jget(first, "Layers", json_type_array);
    if (!cpath || !layers) {
        r = box__store_error(im->s, EINVAL, "import: docker-archive: manifest.json has no "
                             "Config and Layers");
        goto out;
    }
    if ((r = read_small(im, cpath, &p.config, &clen)) < 0) {
        r = box__store_error(im->s, -r, "import: docker-archive: config %s%s", cpath,
                             r == -ENOENT ? " missing" : "");
        goto out;
    }
    if ((r = box__sha256_mem(p.config, clen, chex)) < 0)
        goto out;
    /* The config's name is its digest ("<hex>.json" or "blobs/sha256/<hex>"). */
    {
        const char *base = strrchr(cpath, '/') ? strrchr(cpath, '/') + 1 : cpath;

        if (strlen(base) >= 64 && strspn(base, "0123456789abcdef") == 64 &&
            strncmp(base, chex, 64) != 0) {
            r = box__store_error(im->s, EBADMSG, "import: config sha256:%.64s: digest "
                                 "mismatch (the blob's content hashes to sha256:%s)", base,
                                 chex);
            goto out;
        }
    }
    n = json_object_array_length(layers);
    r = config_diff_ids(im, "docker-archive: ", chex, p.config, clen, n, &p.cfg, &diffs,
                        &p.hexes);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const char *lpath = json_object_get_string(json_object_array_get_idx(layers, i));
        const char *lhex = digest_hex(json_object_get_string(json_object_array_get_idx(diffs,
                                                                                       i)));

        if (!lpath || !lhex) {
            r = box__store_error(im->s, EINVAL, "import: docker-archive: layer %zu: bad "
                                 "path or diff_id", i);
            goto out;
        }
        if ((r = stage_verified(im, lpath, lhex, -1, lhex)) < 0)
            goto out;
        p.hexes[i] = lhex;
    }
    tags = jget(first, "RepoTags", json_type_array);
    if (!ref && tags && json_object_array_length(tags) > 0)
        ref = json_object_get_string(json_object_array_get_idx(tags, 0));
    if (!ref) {
        r = box__store_error(im->s, EINVAL, "import: the image carries no name: give one "
                             "(NAME[:TAG])");
        goto out;
    }
    r = box__store_add(im->s, im->stage_fd, ref, p.config, clen, p.hexes, n);
out:
    return image_parts_free(&p, r);
}

/* Unpack an outer tarball (oci-archive, docker-archive) into stage/src. */
static int unpack_outer(struct import *im, const char *path)
{
    char err[512] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC), d, r;

    if (fd < 0)
        return box__store_error(im->s, errno, "import: %s", path);
    if (mkdirat(im->stage_fd, "src", 0700) < 0 ||
        (d = openat(im->stage_fd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        close(fd);
        return box__store_error(im->s, errno, "import: staging");
    }
    /* Blobs and JSON only: never device nodes, whoever imports. */
    r = box__layer_unpack(fd, d, true, (char[65]){ 0 }, err, sizeof err);
    close(fd);
    if (r < 0) {
        close(d);
        return box__store_error(im->s, -r, "import: %s: %s", path, err);
    }
    im->src_fd = d;
    return 0;
}

BOX_API int box_image_import(box_store_t *store, const char *path, const char *ref)
{
    struct import im = { .s = store, .src_fd = -1, .stage_fd = -1 };
    char norm[512];
    struct stat st;
    int r;

    if (!store)
        return -EINVAL;
    store->errmsg[0] = '\0';
    if (!path)
        return box__store_error(store, EINVAL, "import: path is NULL");
    if (ref && box__ref_parse(ref, norm, sizeof norm) < 0)
        return box__store_error(store, EINVAL, "import: bad image reference '%s' (NAME[:TAG], "
                                "lowercase name)", ref);
    if (stat(path, &st) < 0)
        return box__store_error(store, errno, "import: %s", path);
    r = box__store_stage(store, im.stage, sizeof im.stage, &im.stage_fd);
    if (r < 0)
        return r;
    if (S_ISDIR(st.st_mode)) {
        im.src_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (im.src_fd < 0)
            r = box__store_error(store, errno, "import: %s", path);
    } else {
        r = unpack_outer(&im, path);
    }
    if (r >= 0) {
        if (faccessat(im.src_fd, "index.json", F_OK, 0) == 0)
            r = import_oci(&im, ref ? norm : NULL);
        else if (faccessat(im.src_fd, "manifest.json", F_OK, 0) == 0)
            r = import_docker(&im, ref ? norm : NULL);
        else
            r = box__store_error(store, EINVAL, "import: %s is neither an OCI layout "
                                 "(index.json) nor a docker-archive (manifest.json)", path);
    }
    if (im.src_fd >= 0)
        close(im.src_fd);
    box__rm_rf_at(store->dir_fd, im.stage);
    close(im.stage_fd);
    return r;
}
