/* The image store's internal interfaces, from the bottom up: image-util.c (references,
 * messages, rm -rf), digest.c (sha256), layer.c (layer tarballs to and from overlay
 * directories), store.c (the store, its lock and index), import.c (OCI layouts, oci-archive and
 * docker-archive tarballs), image-run.c (what a box made from an image holds; below box.c
 * and spawn.c) and image.c (box_set_image, box_image_commit). */
#ifndef LIBBOX_STORE_H
#define LIBBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "box-private.h"

struct json_object;

struct box_store {
    char *dir;        /* absolute path of the store */
    int dir_fd;       /* O_DIRECTORY fd of it */
    bool rootless;    /* not opened by root: no ownership, no devices, user.* xattrs */
    bool nowait;      /* BOX_STORE_NOWAIT: a held lock is -EAGAIN, not a wait */
    char errmsg[BOX_ERRMSG_MAX];
};

/* image.c and image-run.c: what a box made from an image holds (box->image); box__strv_free
 * is image-run.c's. */
struct box_image {
    unsigned int flags;
    int lock_fd;       /* shared flock on DIR/blobs/ID while the box exists */
    int store_fd;      /* the store's directory */
    char *store_dir;
    char id[65];
    char *config;      /* the config blob's text */
    char **layers;     /* hex digests, bottom first */
    size_t n_layers;
    char **entrypoint, **cmd; /* NULL-terminated, or NULL */
    int stop_signal;
    char upper_name[64]; /* BOX_IMAGE_COMMIT: "tmp/NAME" below the store, else "" */
    int upper_fd;        /* its flock, or -1 */
};
void box__strv_free(char **v);

/* image-util.c */
int box__store_error(box_store_t *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int box__rm_rf_at(int dirfd, const char *name); /* removes name below dirfd, if present */
int box__ref_parse(const char *ref, char *out, size_t size); /* normalise "name[:tag]" */

/* digest.c */
int box__sha256_fd(int fd, char hex[65], uint64_t *size);
int box__sha256_mem(const void *data, size_t len, char hex[65]);

/* store.c */
/* index.json (empty tables when missing); the caller holds the store's lock. NULL with
 * *err set (and a message on the store) when it is damaged. */
struct json_object *box__store_index(box_store_t *s, int *err);
/* A fresh staging directory in DIR/tmp, locked (flock) by the fd returned in *fd, named in
 * name (size >= 64). gc removes staging dirs nobody holds. */
int box__store_stage(box_store_t *s, char *name, size_t size, int *fd);
/* Add an image to the store under the exclusive lock: move the staged layers and blobs in
 * (those the store lacks), record the image and tag it. layers: hex digests, bottom first.
 * config is the image config blob (its sha256 is the image id). */
int box__store_add(box_store_t *s, int stage_fd, const char *ref, const char *config,
                   size_t config_len, const char *const *layers, size_t n_layers);

/* layer.c: unpack the tarball at fd (gzip, zstd, xz or none) into the directory dir_fd:
 * whiteouts and opaque dirs to overlay form; diff_id gets the sha256 of the uncompressed
 * tar. Any entry that would leave the directory, a device node in a rootless store, or a
 * malformed entry fails with a message in err. */
int box__layer_unpack(int fd, int dir_fd, bool rootless, char diff_id[65], char *err,
                      size_t errlen);
/* pack the overlay upper directory dir_fd as an uncompressed tar to out_fd: whiteouts
 * (char 0/0) to .wh.NAME, opaque directories to .wh..wh..opq. */
int box__layer_pack(int dir_fd, int out_fd, char *err, size_t errlen);

#endif
