/* boxoci's config.json cost (not a test): parse + apply of a bundle's config.json onto a
 * fresh box, and the seccomp filter compiled from it (box_seccomp_export, the same compile
 * box_spawn does), averaged over N rounds. Usage: oci-config BUNDLE [N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "oci-config.h"

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    static const struct oci_host host = { .hugepage_size = 2u << 20 };
    int n = argc > 2 ? atoi(argv[2]) : 200, devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    double parse = 0, apply = 0, compile = 0, t;
    char err[OCI_ERR_MAX];

    if (argc < 2 || n <= 0 || devnull < 0) {
        fprintf(stderr, "usage: oci-config BUNDLE [N]\n");
        return 2;
    }
    for (int i = 0; i < n; i++) {
        struct oci_config *cfg;
        box_t *box;

        t = now_us();
        if (oci_config_load(argv[1], &cfg, err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        parse += now_us() - t;
        if (box_new(&box, 0) < 0)
            return 1;
        t = now_us();
        if (oci_config_apply(cfg, &host, box, err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        apply += now_us() - t;
        t = now_us();
        box_seccomp_export(box, devnull, 0); /* -ENOENT without a filter: then 0 us */
        compile += now_us() - t;
        box_free(box);
        oci_config_free(cfg);
    }
    printf("%d rounds: read+parse %.1f us, apply %.1f us, seccomp compile %.1f us\n", n,
           parse / n, apply / n, compile / n);
    return 0;
}
