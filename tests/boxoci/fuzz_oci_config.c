/* libFuzzer target: any byte string as config.json, parsed and applied to a fresh box
 * (never spawned). Whatever the input, the module must return 0 or an error whose message
 * names config.json, and must not crash, hang, leak or write out of bounds (the target is
 * built with ASan and UBSan, and libbox with it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char bundle[4096], rootfs[4096 + 8];

/* The bundle's two empty directories go at exit (fuzz.sh also runs the target with a
 * TMPDIR of its own that it removes, for a crash's _Exit that skips this). */
static void remove_bundle(void)
{
    rmdir(rootfs);
    rmdir(bundle);
}

static void make_bundle(void)
{
    const char *tmp = getenv("TMPDIR");

    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    if (snprintf(bundle, sizeof bundle, "%s/oci-fuzz-XXXXXX", tmp) >= (int)sizeof bundle ||
        !mkdtemp(bundle))
        abort();
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
    if (mkdir(rootfs, 0755) < 0)
        abort();
    atexit(remove_bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct oci_host host = { .hugepage_size = 2u << 20 };
    struct oci_config *cfg = NULL;
    char err[OCI_ERR_MAX];
    box_t *box;
    int r;

    if (!bundle[0])
        make_bundle();
    r = oci_config_parse((const char *)data, size, bundle, &cfg, err);
    if (r == 0) {
        if (box_new(&box, 0) < 0)
            abort();
        r = oci_config_apply(cfg, &host, box, err);
        box_free(box);
        oci_config_free(cfg);
    }
    if (r > 0 || (r < 0 && strncmp(err, "config.json: ", 13) != 0))
        abort(); /* an error without its field */
    return 0;
}
