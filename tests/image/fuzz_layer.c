/* libFuzzer target over layer unpacking (lib/layer.c), the part of an image import that
 * reads untrusted tar data: each input is a layer blob (tar, optionally gzip/zstd/xz),
 * unpacked as a rootless store would into a fresh directory, which is then removed.
 * Sanitizers (address, undefined) catch memory errors; the walk below catches an entry
 * written next to the layer directory instead of inside it. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static char jail[] = "/tmp/libbox-fuzz-layer-XXXXXX";
static int jail_fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    int fd, d, entries = 0;
    DIR *dir;
    struct dirent *de;

    if (jail_fd < 0) {
        if (!mkdtemp(jail) || (jail_fd = open(jail, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
            abort();
    }
    fd = memfd_create("layer", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) < 0)
        abort();
    if (mkdirat(jail_fd, "layer", 0755) < 0 ||
        (d = openat(jail_fd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        abort();
    box__layer_unpack(fd, d, true, (char[65]){ 0 }, err, sizeof err);
    close(d);
    close(fd);
    /* Nothing but the layer directory may exist in the jail. */
    dir = fdopendir(dup(jail_fd));
    if (dir)
        rewinddir(dir); /* the dup shares the offset the last walk left at the end */
    while (dir && (de = readdir(dir)))
        entries += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
    if (dir)
        closedir(dir);
    if (entries != 1) {
        fprintf(stderr, "fuzz_layer: an entry escaped the layer directory\n");
        abort();
    }
    if (box__rm_rf_at(jail_fd, "layer") < 0)
        abort();
    return 0;
}
