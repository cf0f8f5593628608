/* The box's side of an image (box_set_image in image.c fills it): what the box holds while
 * it exists (the image's pin, its writable layer in the store), how the image's Entrypoint
 * and Cmd make box_spawn's argv, and its StopSignal. Below box.c and spawn.c, which call it:
 * it calls none of the box's setters. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

void box__strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void box__image_free(box_t *box)
{
    struct box_image *im = box->image;

    if (!im)
        return;
    if (im->upper_name[0])
        box__rm_rf_at(im->store_fd, im->upper_name);
    if (im->upper_fd >= 0)
        close(im->upper_fd);
    if (im->lock_fd >= 0)
        close(im->lock_fd);
    if (im->store_fd >= 0)
        close(im->store_fd);
    for (size_t i = 0; i < im->n_layers; i++)
        free(im->layers[i]);
    free(im->layers);
    free(im->store_dir);
    free(im->config);
    box__strv_free(im->entrypoint);
    box__strv_free(im->cmd);
    free(im);
    box->image = NULL;
}

BOX_API int box_stop_signal(const box_t *box)
{
    if (!box)
        return -EINVAL;
    return box->image ? box->image->stop_signal : SIGTERM;
}

int box__image_argv(box_t *box, const char *const argv[], char ***out)
{
    struct box_image *im = box->image;
    char **entry, **args, **v;
    size_t n = 0, k = 0;

    *out = NULL;
    if (!im || (!im->entrypoint && !im->cmd))
        return 0;
    entry = (im->flags & BOX_IMAGE_NO_ENTRYPOINT) ? NULL : im->entrypoint;
    args = argv && argv[0] ? (char **)argv : im->cmd;
    for (size_t i = 0; entry && entry[i]; i++)
        n++;
    for (size_t i = 0; args && args[i]; i++)
        n++;
    if (n == 0)
        return box__error(box, EINVAL, "spawn: the image has no Entrypoint or Cmd: give argv");
    v = calloc(n + 1, sizeof *v);
    if (!v)
        return box__error(box, ENOMEM, "spawn");
    for (size_t i = 0; entry && entry[i]; i++)
        v[k++] = entry[i];
    for (size_t i = 0; args && args[i]; i++)
        v[k++] = args[i];
    *out = v; /* borrowed strings: the caller frees only the array */
    return 0;
}
